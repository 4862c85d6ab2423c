//! OpenAPI 3.0 schema objects → JSON Schema (draft 2020-12) documents that `jsonschema` compiles.
//!
//! OpenAPI 3.0 schemas are a dialect: `nullable`, boolean `exclusiveMinimum`/`exclusiveMaximum`,
//! `readOnly`/`writeOnly` that change what is required depending on direction, `discriminator`,
//! `example`. Lint checks examples with the result and the validator compiles it once per
//! (operation, status, media type).
//!
//! The output keeps `$ref`s as they are (`#/components/schemas/X`) and carries a converted copy of
//! every schema they reach at the same pointer inside the output, so references resolve without a
//! retriever and findings keep the spec's names.

use std::collections::BTreeSet;

use serde_json::{Map, Value};

use super::refs::ref_pointer;

/// Which way a body travels: decides whether `readOnly` or `writeOnly` properties may be required.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Server → client: `writeOnly` properties are never required.
    Response,
    /// Client → server: `readOnly` properties are never required.
    Request,
}

/// How to convert.
#[derive(Debug, Clone, Copy)]
pub struct ConvertOptions {
    /// Which way the value travels.
    pub direction: Direction,
}

impl Default for ConvertOptions {
    fn default() -> Self {
        ConvertOptions {
            direction: Direction::Response,
        }
    }
}

/// The schema at `pointer` in `document`, converted, with every schema it reaches attached.
/// Returns `None` when nothing stands at `pointer`. Unresolvable `$ref`s are left in place (the
/// compiler then reports them; lint has reported them already).
pub fn to_json_schema(document: &Value, pointer: &str, options: ConvertOptions) -> Option<Value> {
    let schema = document.pointer(pointer)?;
    let mut root = convert(schema, options);
    let mut attached: BTreeSet<String> = BTreeSet::new();
    let mut pending: Vec<String> = Vec::new();
    collect_ref_pointers(&root, &mut pending);
    while let Some(target) = pending.pop() {
        if !attached.insert(target.clone()) || target.is_empty() {
            continue;
        }
        let Some(found) = document.pointer(&target) else {
            continue;
        };
        let converted = convert(found, options);
        collect_ref_pointers(&converted, &mut pending);
        insert_at(&mut root, &target, converted);
    }
    if let Value::Object(map) = &mut root {
        map.insert(
            "$schema".to_string(),
            Value::String("https://json-schema.org/draft/2020-12/schema".to_string()),
        );
    }
    Some(root)
}

/// Converts one schema object (not following `$ref`s).
pub fn convert(schema: &Value, options: ConvertOptions) -> Value {
    let Value::Object(map) = schema else {
        // `true`/`false` schemas and garbage: only booleans mean something.
        return match schema {
            Value::Bool(b) => Value::Bool(*b),
            _ => Value::Object(Map::new()),
        };
    };
    let mut out = Map::new();
    let mut nullable = false;
    let mut exclusive_min = false;
    let mut exclusive_max = false;
    let mut hidden: Vec<String> = Vec::new();
    for (key, value) in map {
        match key.as_str() {
            "nullable" => nullable = value.as_bool().unwrap_or(false),
            "exclusiveMinimum" => exclusive_min = value.as_bool().unwrap_or(false),
            "exclusiveMaximum" => exclusive_max = value.as_bool().unwrap_or(false),
            "example" | "examples" | "xml" | "externalDocs" | "discriminator" | "deprecated" => {}
            k if k.starts_with("x-") => {}
            "$ref" => {
                if let Value::String(_) = value {
                    out.insert(key.clone(), value.clone());
                }
            }
            "type" => {
                if let Value::String(t) = value {
                    // Swagger's `file` is not a JSON type: any value.
                    if t != "file" {
                        out.insert(key.clone(), value.clone());
                    }
                }
            }
            "required" => {
                // `required: true` on a property schema is a common mistake; it means nothing here.
                if let Value::Array(items) = value {
                    if items.iter().all(Value::is_string) && !items.is_empty() {
                        out.insert(key.clone(), value.clone());
                    }
                }
            }
            "properties" => {
                if let Value::Object(props) = value {
                    let mut converted = Map::new();
                    for (name, prop) in props {
                        if is_hidden(prop, options.direction) {
                            hidden.push(name.clone());
                        }
                        converted.insert(name.clone(), convert(prop, options));
                    }
                    out.insert(key.clone(), Value::Object(converted));
                }
            }
            "additionalProperties" | "items" | "not" => match value {
                Value::Object(_) | Value::Bool(_) => {
                    out.insert(key.clone(), convert(value, options));
                }
                // Tuple-style `items: [..]` is not OpenAPI 3.0; accept anything rather than fail.
                _ => {}
            },
            "allOf" | "anyOf" | "oneOf" => {
                if let Value::Array(items) = value {
                    if !items.is_empty() {
                        out.insert(
                            key.clone(),
                            Value::Array(items.iter().map(|s| convert(s, options)).collect()),
                        );
                    }
                }
            }
            "enum" => {
                if let Value::Array(_) = value {
                    out.insert(key.clone(), value.clone());
                }
            }
            "minimum" | "maximum" | "multipleOf" | "minLength" | "maxLength" | "minItems"
            | "maxItems" | "minProperties" | "maxProperties"
                if value.is_number() =>
            {
                out.insert(key.clone(), value.clone());
            }
            "pattern" => {
                if let Value::String(p) = value {
                    // A pattern the regex engine rejects would make the whole schema uncompilable.
                    if pattern_compiles(p) {
                        out.insert(key.clone(), value.clone());
                    }
                }
            }
            "format" | "uniqueItems" | "default" | "title" | "description" | "readOnly"
            | "writeOnly" | "const" => {
                out.insert(key.clone(), value.clone());
            }
            // Unknown keywords are annotations in 2020-12; dropping them keeps compile errors away.
            _ => {}
        }
    }
    if exclusive_min {
        if let Some(min) = out.remove("minimum") {
            out.insert("exclusiveMinimum".to_string(), min);
        }
    }
    if exclusive_max {
        if let Some(max) = out.remove("maximum") {
            out.insert("exclusiveMaximum".to_string(), max);
        }
    }
    if !hidden.is_empty() {
        if let Some(Value::Array(required)) = out.get_mut("required") {
            required.retain(|r| !hidden.iter().any(|h| Some(h.as_str()) == r.as_str()));
            if required.is_empty() {
                out.remove("required");
            }
        }
    }
    if nullable {
        make_nullable(&mut out);
    }
    Value::Object(out)
}

fn is_hidden(prop: &Value, direction: Direction) -> bool {
    let flag = match direction {
        Direction::Response => "writeOnly",
        Direction::Request => "readOnly",
    };
    prop.get(flag).and_then(Value::as_bool).unwrap_or(false)
}

fn make_nullable(out: &mut Map<String, Value>) {
    if let Some(Value::Array(values)) = out.get_mut("enum") {
        if !values.contains(&Value::Null) {
            values.push(Value::Null);
        }
    }
    let composed = ["$ref", "allOf", "anyOf", "oneOf"]
        .iter()
        .any(|k| out.contains_key(*k));
    match out.get("type").cloned() {
        Some(Value::String(t)) if !composed => {
            out.insert(
                "type".to_string(),
                Value::Array(vec![Value::String(t), Value::String("null".to_string())]),
            );
        }
        None if !composed => {}
        _ => {
            // `nullable` beside `$ref`/`allOf`: the null branch must stand outside them.
            let inner = std::mem::take(out);
            out.insert(
                "anyOf".to_string(),
                Value::Array(vec![
                    Value::Object(inner),
                    serde_json::json!({"type": "null"}),
                ]),
            );
        }
    }
}

/// Whether `pattern` is a regular expression the validator accepts (ECMA 262 dialect).
fn pattern_compiles(pattern: &str) -> bool {
    compile(&serde_json::json!({"pattern": pattern})).is_ok()
}

/// Compiles a converted schema the way every part of specsmith does: draft 2020-12, formats
/// asserted (`date-time`, `uuid`, `email`, ...), unknown formats (`int64`, `byte`) ignored, and no
/// retrieval of anything outside the document.
pub fn compile(schema: &Value) -> Result<jsonschema::Validator, String> {
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .should_validate_formats(true)
        .should_ignore_unknown_formats(true)
        .build(schema)
        .map_err(|e| e.to_string())
}

fn collect_ref_pointers(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(r)) = map.get("$ref") {
                if let Ok(p) = ref_pointer(r) {
                    out.push(p);
                }
            }
            for child in map.values() {
                collect_ref_pointers(child, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|c| collect_ref_pointers(c, out)),
        _ => {}
    }
}

/// Puts `value` at `pointer` inside `root`, creating objects on the way. A pointer that runs
/// through an existing non-object (or would replace the root) is skipped.
fn insert_at(root: &mut Value, pointer: &str, value: Value) {
    let segments = crate::source::pointer_segments(pointer);
    let Some((last, parents)) = segments.split_last() else {
        return;
    };
    let mut current = root;
    for segment in parents {
        let Value::Object(map) = current else { return };
        current = map
            .entry(segment.clone())
            .or_insert_with(|| Value::Object(Map::new()));
    }
    if let Value::Object(map) = current {
        map.insert(last.clone(), value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn valid(schema: &Value, instance: &Value) -> bool {
        compile(schema).expect("compiles").is_valid(instance)
    }

    #[test]
    fn nullable_becomes_null_type_and_null_enum() {
        let doc = json!({"s": {"type": "string", "nullable": true, "enum": ["a"]}});
        let schema = to_json_schema(&doc, "/s", ConvertOptions::default()).expect("exists");
        assert!(valid(&schema, &json!(null)));
        assert!(valid(&schema, &json!("a")));
        assert!(!valid(&schema, &json!("b")));
    }

    #[test]
    fn nullable_ref_wraps_in_any_of() {
        let doc = json!({
            "components": {"schemas": {"A": {"type": "object", "required": ["x"]}}},
            "s": {"allOf": [{"$ref": "#/components/schemas/A"}], "nullable": true}
        });
        let schema = to_json_schema(&doc, "/s", ConvertOptions::default()).expect("exists");
        assert!(valid(&schema, &json!(null)));
        assert!(valid(&schema, &json!({"x": 1})));
        assert!(!valid(&schema, &json!({})));
    }

    #[test]
    fn boolean_exclusive_bounds_and_recursive_refs() {
        let doc = json!({
            "components": {"schemas": {
                "Node": {"type": "object", "properties": {
                    "n": {"type": "integer", "minimum": 0, "exclusiveMinimum": true},
                    "next": {"$ref": "#/components/schemas/Node"}
                }}
            }}
        });
        let schema =
            to_json_schema(&doc, "/components/schemas/Node", ConvertOptions::default()).expect("x");
        assert!(valid(&schema, &json!({"n": 1, "next": {"n": 2}})));
        assert!(!valid(&schema, &json!({"n": 1, "next": {"n": 0}})));
    }

    #[test]
    fn read_only_is_not_required_in_requests() {
        let doc = json!({"s": {"type": "object", "required": ["id", "name"], "properties": {
            "id": {"type": "string", "readOnly": true}, "name": {"type": "string"}}}});
        let request = to_json_schema(
            &doc,
            "/s",
            ConvertOptions {
                direction: Direction::Request,
            },
        )
        .expect("exists");
        assert!(valid(&request, &json!({"name": "a"})));
        let response = to_json_schema(&doc, "/s", ConvertOptions::default()).expect("exists");
        assert!(!valid(&response, &json!({"name": "a"})));
    }
}
