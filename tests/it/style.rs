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

// ---------------------------------------------------------------------------------------------
// The style table: the generated runtime (what a client sends) against `spec::style` (what the
// validator reads), over every style × explode × location × value shape OpenAPI 3.0 defines.
// specsmith keeps two implementations on purpose (the generated crate must stand alone); this
// table is what makes them one rule.

use specsmith::spec::model::{ParamLocation, ParamStyle};
use specsmith_generated::runtime as rt;

/// The runtime's variant of a spec style.
fn runtime_style(style: ParamStyle) -> rt::Style {
    match style {
        ParamStyle::Form => rt::Style::Form,
        ParamStyle::Simple => rt::Style::Simple,
        ParamStyle::Label => rt::Style::Label,
        ParamStyle::Matrix => rt::Style::Matrix,
        ParamStyle::SpaceDelimited => rt::Style::SpaceDelimited,
        ParamStyle::PipeDelimited => rt::Style::PipeDelimited,
        ParamStyle::DeepObject => rt::Style::DeepObject,
    }
}

/// What the validator reads for one parameter, after the capture layer's own decoding: a path
/// segment percent-decoded, query pairs form-decoded, a header as sent, cookie values
/// percent-decoded (`style::cookie_value`, as `validate` reads them).
fn read_back(wire: &style::Wire, value: &Value) -> Result<Option<Value>, String> {
    let name = wire.name.as_str();
    let (style, explode) = (runtime_style(wire.style), wire.explode);
    let err = |e: rt::InvalidRequest| e.to_string();
    let parse_err = |e: style::ParseError| e.message;
    match wire.location {
        ParamLocation::Path => {
            let sent = rt::path_param(name, value, style, explode).map_err(err)?;
            let text = percent_encoding::percent_decode_str(&sent).decode_utf8_lossy();
            style::parse_text(wire, &text).map(Some).map_err(parse_err)
        }
        ParamLocation::Header => match rt::simple_text(name, value, style, explode).map_err(err)? {
            Some(text) => style::parse_text(wire, &text).map(Some).map_err(parse_err),
            None => Ok(None),
        },
        ParamLocation::Query => {
            let mut query = String::new();
            rt::push_styled(&mut query, name, value, style, explode, false);
            let pairs: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect();
            style::parse_pairs(wire, &pairs).map_err(parse_err)
        }
        ParamLocation::Cookie => {
            let pairs: Vec<(String, String)> = rt::cookie_pairs(name, value, style, explode)
                .map_err(err)?
                .iter()
                .map(|pair| {
                    let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                    (k.to_string(), style::cookie_value(v))
                })
                .collect();
            style::parse_pairs(wire, &pairs).map_err(parse_err)
        }
    }
}

/// The scalar type of a JSON scalar.
fn scalar_of(value: &Value) -> style::Scalar {
    match value {
        Value::Bool(_) => style::Scalar::Boolean,
        Value::Number(n) if n.is_i64() || n.is_u64() => style::Scalar::Integer,
        Value::Number(_) => style::Scalar::Number,
        _ => style::Scalar::String,
    }
}

/// The shape the validator would take from a schema describing `value`.
fn shape_of(value: &Value) -> style::Shape {
    let fields = |map: &serde_json::Map<String, Value>| {
        map.iter()
            .map(|(k, v)| (k.clone(), scalar_of(v)))
            .collect::<Vec<_>>()
    };
    match value {
        Value::Array(items) => match items.first() {
            Some(Value::Object(map)) => style::Shape::ArrayOfObjects(fields(map)),
            first => style::Shape::Array(first.map_or(style::Scalar::String, scalar_of)),
        },
        Value::Object(map) => style::Shape::Object(fields(map)),
        scalar => style::Shape::Scalar(scalar_of(scalar)),
    }
}

/// Characters a style uses as separators, which OpenAPI gives no escape for inside an array
/// item or object member; scalars carry every reserved character.
fn separators(style: ParamStyle) -> &'static str {
    match style {
        ParamStyle::Label => ".,=",
        ParamStyle::Matrix => ";,=",
        ParamStyle::SpaceDelimited => " ,=",
        ParamStyle::PipeDelimited => "|,=",
        _ => ",=",
    }
}

const RESERVED: &str = "a/b?c#d[e]f@g!h$i&j'k(l)m*n+o,p;q=r%s t.u|v";
const UNICODE: &str = "Zoë ☃ 日本";

/// Every value shape: scalars of each type, empty, reserved characters and unicode; arrays and
/// objects of them; an array of objects for the PHP-style `deepObject` extension.
fn values(style: ParamStyle) -> Vec<(&'static str, Value)> {
    let keep = |text: &str| -> String {
        text.chars()
            .filter(|c| !separators(style).contains(*c))
            .collect()
    };
    let (member, unicode) = (keep(RESERVED), keep(UNICODE));
    vec![
        ("string", json!("blue")),
        ("empty string", json!("")),
        ("reserved string", json!(RESERVED)),
        ("unicode string", json!(UNICODE)),
        ("integer", json!(-42)),
        ("number", json!(1.5)),
        ("boolean", json!(true)),
        ("array", json!(["blue", "black", "brown"])),
        ("one-item array", json!(["blue"])),
        ("integer array", json!([3, 4, 5])),
        ("reserved array", json!([member, "x"])),
        ("unicode array", json!([unicode, "x"])),
        ("empty array", json!([])),
        ("object", json!({"R": 100, "G": 200, "B": 150})),
        ("string object", json!({"role": "admin", "first": "Alex"})),
        ("reserved object", json!({"k": member})),
        ("unicode object", json!({"name": unicode})),
        ("empty object", json!({})),
        (
            "array of objects",
            json!([{"type": "equals", "value": 1}, {"type": "in", "value": 2}]),
        ),
    ]
}

/// The styles OpenAPI 3.0 defines for a location.
fn styles(location: ParamLocation) -> &'static [ParamStyle] {
    match location {
        ParamLocation::Path => &[ParamStyle::Simple, ParamStyle::Label, ParamStyle::Matrix],
        ParamLocation::Query => &[
            ParamStyle::Form,
            ParamStyle::SpaceDelimited,
            ParamStyle::PipeDelimited,
            ParamStyle::DeepObject,
        ],
        ParamLocation::Header => &[ParamStyle::Simple],
        ParamLocation::Cookie => &[ParamStyle::Form],
    }
}

/// What the validator must read back: the value itself, or — where the wire cannot tell them
/// apart — what OpenAPI's table makes of it. `None` marks a combination the table leaves
/// undefined (skipped).
fn expected(
    location: ParamLocation,
    style: ParamStyle,
    explode: bool,
    value: &Value,
) -> Option<Option<Value>> {
    let is_array = value.is_array();
    let objects_in_array = value
        .as_array()
        .is_some_and(|a| a.first().is_some_and(Value::is_object));
    let empty = match value {
        Value::Array(a) => a.is_empty(),
        Value::Object(m) => m.is_empty(),
        _ => false,
    };
    // Arrays of objects are defined only as the PHP-style deepObject extension.
    if objects_in_array != (style == ParamStyle::DeepObject && is_array) {
        return None;
    }
    match style {
        ParamStyle::SpaceDelimited | ParamStyle::PipeDelimited
            if explode || !(value.is_array() || value.is_object()) =>
        {
            return None
        }
        ParamStyle::DeepObject if !explode || !(value.is_object() || objects_in_array) => {
            return None
        }
        _ => {}
    }
    let query_like = matches!(location, ParamLocation::Query | ParamLocation::Cookie);
    // Query parameters with nothing to send are absent: an exploded empty array or object, and
    // every empty deepObject.
    if query_like && empty && (explode || style == ParamStyle::DeepObject) {
        return Some(None);
    }
    Some(Some(value.clone()))
}

/// Every style × explode × location × value shape: what the generated runtime sends, the
/// validator reads back as the value sent (or as the table defines it where the wire is
/// ambiguous). A disagreement names the case and both sides. It can fail: written, it found
/// four real disagreements (space/pipe-delimited objects, cookies, exploded matrix scalars
/// holding `;`, empty exploded matrix values), and a planted bug in the runtime (label's
/// exploded separator `.` → `,`) fails 6 cases.
#[test]
fn the_generated_runtime_and_the_validator_agree_on_every_style() {
    let mut checked = 0;
    let mut failures = Vec::new();
    for location in [
        ParamLocation::Path,
        ParamLocation::Query,
        ParamLocation::Header,
        ParamLocation::Cookie,
    ] {
        for &param_style in styles(location) {
            for explode in [false, true] {
                for (label, value) in values(param_style) {
                    let Some(want) = expected(location, param_style, explode, &value) else {
                        continue;
                    };
                    let wire = style::Wire {
                        name: "color".to_string(),
                        location,
                        style: param_style,
                        explode,
                        shape: shape_of(&value),
                    };
                    let got = read_back(&wire, &value);
                    checked += 1;
                    if got.as_ref() != Ok(&want) {
                        failures.push(format!(
                            "{location:?} {param_style:?} explode={explode} {label} {value}: read {got:?}, want {want:?}"
                        ));
                    }
                }
            }
        }
    }
    assert!(checked >= 150, "only {checked} cases checked");
    assert!(
        failures.is_empty(),
        "{} of {checked} cases disagree:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
