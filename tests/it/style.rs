use std::path::PathBuf;

use serde_json::{json, Value};
use specsmith::spec::{self, style};

fn sample(document: &Value, shape: &style::Shape, schema_pointer: Option<&str>) -> Value {
    // An enum's first value or the schema's example, else a plain value of the shape.
    let first_enum = |p: &str| {
        let s = document.pointer(p)?;
        let s = match s.get("$ref").and_then(Value::as_str) {
            Some(r) => document.pointer(r.trim_start_matches('#'))?,
            None => s,
        };
        s.get("enum").and_then(|e| e.get(0)).cloned()
    };
    let scalar = |s: &style::Scalar| match s {
        style::Scalar::String => json!("Acme Inc"),
        style::Scalar::Integer => json!(20),
        style::Scalar::Number => json!(1.5),
        style::Scalar::Boolean => json!(true),
    };
    match shape {
        style::Shape::Scalar(s) => schema_pointer
            .and_then(first_enum)
            .unwrap_or_else(|| scalar(s)),
        style::Shape::Array(s) => {
            let item = schema_pointer
                .and_then(|p| first_enum(&format!("{p}/items")))
                .unwrap_or_else(|| scalar(s));
            json!([item.clone(), item])
        }
        style::Shape::Object(fields) => {
            Value::Object(fields.iter().map(|(k, s)| (k.clone(), scalar(s))).collect())
        }
        style::Shape::ArrayOfObjects(fields) => json!([
            Value::Object(fields.iter().map(|(k, s)| (k.clone(), scalar(s))).collect()),
            Value::Object(fields.iter().map(|(k, s)| (k.clone(), scalar(s))).collect())
        ]),
    }
}

/// What a client sends for each parameter of the three specs, read back as the spec says,
/// gives the value that was sent.
#[test]
fn every_parameter_of_the_bundled_specs_round_trips() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut checked = 0;
    for name in ["kommo.yaml", "v4marketing.yaml", "espocrm.yaml"] {
        let spec = spec::load(&root.join("spec").join(name)).expect("loads");
        for op in &spec.operations {
            for p in &op.parameters {
                let wire = style::Wire::of(&spec.document, p);
                let pointer = p.schema.as_ref().map(|s| s.pointer.as_str());
                let value = sample(&spec.document, &wire.shape, pointer);
                let back = match style::serialize(&wire, &value) {
                    style::Serialized::Pairs(pairs) => style::parse_pairs(&wire, &pairs)
                        .expect("parses")
                        .expect("present"),
                    style::Serialized::Text(text) => {
                        style::parse_text(&wire, &text).expect("parses")
                    }
                };
                assert_eq!(back, value, "{name} {} parameter {}", op.id, p.name);
                checked += 1;
            }
        }
    }
    assert!(checked >= 20, "only {checked} parameters checked");
}
