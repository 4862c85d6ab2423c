//! OpenAPI schema objects → JSON Schema (draft 2020-12) documents that `jsonschema` compiles.
//!
//! The two OpenAPI lines differ here, and only here. A 3.1 schema *is* JSON Schema 2020-12, so it
//! is copied as written ([`convert_2020_12`]): `type` arrays, `const`, numeric
//! `exclusiveMinimum`, `$ref` with siblings, `prefixItems`, `unevaluatedProperties`,
//! `if`/`then`/`else`, `dependentRequired` all reach the compiler unchanged. OpenAPI 3.0 schemas
//! are a dialect: `nullable`, boolean `exclusiveMinimum`/`exclusiveMaximum`,
//! `readOnly`/`writeOnly` that change what is required depending on direction, `discriminator`,
//! `example`. Lint checks examples with the result and the validator compiles it once per
//! (operation, status, media type).
//!
//! The output keeps `$ref`s as they are (`#/components/schemas/X`) and carries a converted copy of
//! every schema they reach at the same pointer inside the output, so references resolve without a
//! retriever and findings keep the spec's names.

use std::collections::BTreeSet;

use serde_json::{Map, Value};

use super::model::OpenApiVersion;
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
    /// The spec's OpenAPI line: 3.0 schemas are converted, 3.1 schemas copied.
    pub version: OpenApiVersion,
}

impl Default for ConvertOptions {
    fn default() -> Self {
        ConvertOptions {
            direction: Direction::Response,
            version: OpenApiVersion::V3_0,
        }
    }
}

impl ConvertOptions {
    /// Options for a spec of `version`, for values travelling `direction`.
    pub fn new(version: OpenApiVersion, direction: Direction) -> Self {
        ConvertOptions { direction, version }
    }
}

/// The schema at `pointer` in `document`, converted, with every schema it reaches attached.
/// Returns `None` when nothing stands at `pointer`. Unresolvable `$ref`s are left in place (the
/// compiler then reports them; lint has reported them already).
pub fn to_json_schema(document: &Value, pointer: &str, options: ConvertOptions) -> Option<Value> {
    let schema = crate::pointer::lookup(document, pointer)?;
    let mut root = convert(schema, options);
    let mut attached: BTreeSet<String> = BTreeSet::new();
    let mut pending: Vec<String> = Vec::new();
    collect_ref_pointers(&root, &mut pending);
    while let Some(target) = pending.pop() {
        if !attached.insert(target.clone()) || target.is_empty() {
            continue;
        }
        let Some(found) = crate::pointer::lookup(document, &target) else {
            continue;
        };
        let converted = convert(found, options);
        collect_ref_pointers(&converted, &mut pending);
        insert_at(&mut root, &target, converted);
    }
    if let Value::Object(map) = &mut root {
        map.insert("$schema".to_string(), Value::String(DIALECT.to_string()));
    }
    Some(root)
}

/// The dialect every converted schema declares.
pub(crate) const DIALECT: &str = "https://json-schema.org/draft/2020-12/schema";

/// Converts one schema object (not following `$ref`s) from the spec's dialect.
pub fn convert(schema: &Value, options: ConvertOptions) -> Value {
    match options.version {
        OpenApiVersion::V3_0 => convert_openapi_3_0(schema, options),
        OpenApiVersion::V3_1 => convert_2020_12(schema, options.direction),
    }
}

/// Keywords of 2020-12 whose value is one schema: the one list the converter and lint walk.
pub(crate) const SUBSCHEMA_KEYS: [&str; 11] = [
    "items",
    "additionalProperties",
    "unevaluatedProperties",
    "unevaluatedItems",
    "not",
    "if",
    "then",
    "else",
    "contains",
    "propertyNames",
    "contentSchema",
];
/// Keywords whose value is an array of schemas.
pub(crate) const SUBSCHEMA_LISTS: [&str; 4] = ["allOf", "anyOf", "oneOf", "prefixItems"];
/// Keywords whose value maps names to schemas.
pub(crate) const SUBSCHEMA_MAPS: [&str; 4] = [
    "properties",
    "patternProperties",
    "$defs",
    "dependentSchemas",
];

/// A 3.1 schema as the compiler should see it: the same JSON Schema, with only what would stop
/// it compiling or resolve it elsewhere taken out. `$id` is dropped (references are resolved
/// against the spec document, where `attach` puts every target), so are a nested `$schema` and
/// patterns the ECMA 262 engine rejects; `readOnly`/`writeOnly` required keys are relaxed by
/// direction as in 3.0. Everything else, including keywords unknown to JSON Schema
/// (`discriminator`, `xml`, `example`), passes: 2020-12 treats unknown keywords as annotations.
pub fn convert_2020_12(schema: &Value, direction: Direction) -> Value {
    let Value::Object(map) = schema else {
        return not_an_object(schema);
    };
    let mut out = Map::with_capacity(map.len());
    for (key, value) in map {
        let converted = match key.as_str() {
            "$id" | "$schema" => continue,
            "pattern" if !value.as_str().is_some_and(pattern_compiles) => continue,
            k if SUBSCHEMA_KEYS.contains(&k) => convert_2020_12(value, direction),
            k if SUBSCHEMA_LISTS.contains(&k) => match value {
                Value::Array(items) => Value::Array(
                    items
                        .iter()
                        .map(|s| convert_2020_12(s, direction))
                        .collect(),
                ),
                _ => continue,
            },
            k if SUBSCHEMA_MAPS.contains(&k) => match value {
                Value::Object(children) => Value::Object(
                    children
                        .iter()
                        .filter(|(name, _)| k != "patternProperties" || pattern_compiles(name))
                        .map(|(name, s)| (name.clone(), convert_2020_12(s, direction)))
                        .collect(),
                ),
                _ => continue,
            },
            _ => value.clone(),
        };
        out.insert(key.clone(), converted);
    }
    let hidden = properties_where(map, |p| is_hidden(p, direction));
    drop_required(&mut out, &hidden);
    Value::Object(out)
}

/// The type a schema names, seen through 3.1's way of saying "or null": `"string"` and
/// `["string", "null"]` both read `string`. `None` without a `type` or with several non-null ones.
pub fn single_type(schema: &Value) -> Option<&str> {
    match schema.get("type")? {
        Value::String(t) => Some(t),
        Value::Array(types) => {
            let mut named = types
                .iter()
                .filter_map(Value::as_str)
                .filter(|t| *t != "null");
            let first = named.next()?;
            named.next().is_none().then_some(first)
        }
        _ => None,
    }
}

/// For a 3.1 null union — `anyOf`/`oneOf` of one schema and `{type: "null"}`, as FastAPI writes
/// every `Optional[X]` — the pointer of the non-null member (`{pointer}/anyOf/0`).
pub fn null_union_member(schema: &Value, pointer: &str) -> Option<String> {
    for key in ["anyOf", "oneOf"] {
        let Some(Value::Array(members)) = schema.get(key) else {
            continue;
        };
        let is_null = |m: &Value| m.get("type").and_then(Value::as_str) == Some("null");
        if members.len() == 2 && members.iter().filter(|m| is_null(m)).count() == 1 {
            let i = members.iter().position(|m| !is_null(m))?;
            return Some(format!("{pointer}/{key}/{i}"));
        }
    }
    None
}

/// The names of an object schema's `properties` whose schema `pick` selects (those a direction
/// hides, say): lint and both converters relax `required` through it.
pub(crate) fn properties_where(
    schema: &Map<String, Value>,
    pick: impl Fn(&Value) -> bool,
) -> Vec<String> {
    schema
        .get("properties")
        .and_then(Value::as_object)
        .map(|props| {
            props
                .iter()
                .filter(|(_, p)| pick(p))
                .map(|(k, _)| k.clone())
                .collect()
        })
        .unwrap_or_default()
}

/// Removes `hidden` keys from `required` (and `required` itself when it ends empty).
pub(crate) fn drop_required(out: &mut Map<String, Value>, hidden: &[String]) {
    if hidden.is_empty() {
        return;
    }
    if let Some(Value::Array(required)) = out.get_mut("required") {
        required.retain(|r| !hidden.iter().any(|h| Some(h.as_str()) == r.as_str()));
        if required.is_empty() {
            out.remove("required");
        }
    }
}

/// Converts one OpenAPI 3.0 schema object (not following `$ref`s): each keyword is kept,
/// converted or dropped on its own, then what 3.0 says through flags (`nullable`, boolean
/// exclusive bounds, hidden properties) is applied to the result.
fn convert_openapi_3_0(schema: &Value, options: ConvertOptions) -> Value {
    let Value::Object(map) = schema else {
        return not_an_object(schema);
    };
    let mut out = Map::with_capacity(map.len());
    let mut flags = Flags30::default();
    for (key, value) in map {
        if let Some(converted) = keyword_3_0(key, value, options, &mut flags) {
            out.insert(key.clone(), converted);
        }
    }
    flags.apply(&mut out);
    Value::Object(out)
}

/// A schema that is not an object: `true`/`false` schemas keep their meaning; garbage accepts
/// anything rather than stop the compiler.
fn not_an_object(schema: &Value) -> Value {
    match schema {
        Value::Bool(b) => Value::Bool(*b),
        _ => Value::Object(Map::new()),
    }
}

/// What a 3.0 schema says through flags rather than 2020-12 keywords, gathered while its
/// keywords are read and applied once all are: the order of keys in the spec must not matter.
#[derive(Default)]
struct Flags30 {
    nullable: bool,
    exclusive_min: bool,
    exclusive_max: bool,
    /// Properties the direction hides (`readOnly` in requests, `writeOnly` in responses).
    hidden: Vec<String>,
}

impl Flags30 {
    fn apply(self, out: &mut Map<String, Value>) {
        for (exclusive, from, to) in [
            (self.exclusive_min, "minimum", "exclusiveMinimum"),
            (self.exclusive_max, "maximum", "exclusiveMaximum"),
        ] {
            if !exclusive {
                continue;
            }
            if let Some(bound) = out.remove(from) {
                out.insert(to.to_string(), bound);
            }
        }
        drop_required(out, &self.hidden);
        if self.nullable {
            make_nullable(out);
        }
    }
}

/// One keyword of a 3.0 schema as 2020-12 should read it; `None` drops it. Flags are noted in
/// `flags` and dropped.
fn keyword_3_0(
    key: &str,
    value: &Value,
    options: ConvertOptions,
    flags: &mut Flags30,
) -> Option<Value> {
    match key {
        "nullable" => flags.nullable = value.as_bool().unwrap_or(false),
        "exclusiveMinimum" => flags.exclusive_min = value.as_bool().unwrap_or(false),
        "exclusiveMaximum" => flags.exclusive_max = value.as_bool().unwrap_or(false),
        "properties" | "additionalProperties" | "items" | "not" | "allOf" | "anyOf" | "oneOf" => {
            return subschemas_3_0(key, value, options, flags)
        }
        _ => return kept_3_0(key, value),
    }
    None
}

/// The keywords that hold schemas, each converted in turn.
fn subschemas_3_0(
    key: &str,
    value: &Value,
    options: ConvertOptions,
    flags: &mut Flags30,
) -> Option<Value> {
    match (key, value) {
        ("properties", Value::Object(props)) => {
            let mut converted = Map::with_capacity(props.len());
            for (name, prop) in props {
                if is_hidden(prop, options.direction) {
                    flags.hidden.push(name.clone());
                }
                converted.insert(name.clone(), convert(prop, options));
            }
            Some(Value::Object(converted))
        }
        // Tuple-style `items: [..]` is not OpenAPI 3.0; accept anything rather than fail.
        ("additionalProperties" | "items" | "not", Value::Object(_) | Value::Bool(_)) => {
            Some(convert(value, options))
        }
        ("allOf" | "anyOf" | "oneOf", Value::Array(items)) if !items.is_empty() => Some(
            Value::Array(items.iter().map(|s| convert(s, options)).collect()),
        ),
        _ => None,
    }
}

/// The keywords copied as written when their value has the right type; the rest (`example`,
/// `discriminator`, `x-` extensions, unknown keywords) are dropped: 2020-12 treats unknown
/// keywords as annotations, and dropping them keeps compile errors away.
fn kept_3_0(key: &str, value: &Value) -> Option<Value> {
    let keep = match key {
        "$ref" => value.is_string(),
        "enum" => value.is_array(),
        // Swagger's `file` is not a JSON type: any value.
        "type" => value.as_str().is_some_and(|t| t != "file"),
        // `required: true` on a property schema is a common mistake; it means nothing here.
        "required" => value
            .as_array()
            .is_some_and(|items| !items.is_empty() && items.iter().all(Value::is_string)),
        "minimum" | "maximum" | "multipleOf" | "minLength" | "maxLength" | "minItems"
        | "maxItems" | "minProperties" | "maxProperties" => value.is_number(),
        // A pattern the regex engine rejects would make the whole schema uncompilable.
        "pattern" => value.as_str().is_some_and(pattern_compiles),
        "format" | "uniqueItems" | "default" | "title" | "description" | "readOnly"
        | "writeOnly" | "const" => true,
        _ => false,
    };
    keep.then(|| value.clone())
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
/// retrieval of anything outside the document. Validates `serde_json` values (the spec side:
/// examples); the validator of bodies reads its own representation through [`compile_for`].
pub fn compile(schema: &Value) -> Result<jsonschema::Validator, String> {
    compile_for(schema)
}

/// [`compile`] for instances held in the JSON representation `F`.
pub fn compile_for<F: jsonschema::json::Json>(
    schema: &Value,
) -> Result<jsonschema::Validator<F>, String> {
    compile_options().build(schema).map_err(|e| e.to_string())
}

/// The options [`compile`] builds with, for callers that add a keyword of their own.
pub(crate) fn compile_options<'i, F: jsonschema::json::Json>(
) -> jsonschema::ValidationOptions<'i, std::sync::Arc<dyn jsonschema::Retrieve>, F> {
    jsonschema::options_for::<F>()
        .with_draft(jsonschema::Draft::Draft202012)
        .should_validate_formats(true)
        .should_ignore_unknown_formats(true)
        .with_format("uri", super::uri_format::is_valid_uri)
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
pub(crate) fn insert_at(root: &mut Value, pointer: &str, value: Value) {
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
        for version in [OpenApiVersion::V3_0, OpenApiVersion::V3_1] {
            let options = ConvertOptions::new(version, Direction::Request);
            let request = to_json_schema(&doc, "/s", options).expect("exists");
            assert!(valid(&request, &json!({"name": "a"})), "{version:?}");
            let options = ConvertOptions::new(version, Direction::Response);
            let response = to_json_schema(&doc, "/s", options).expect("exists");
            assert!(!valid(&response, &json!({"name": "a"})), "{version:?}");
        }
    }

    /// What 3.1 can say reaches the compiler unchanged and is checked exactly.
    #[test]
    fn schemas_of_3_1_are_checked_as_2020_12() {
        let doc = json!({"components": {"schemas": {
            "Pet": {
                "$id": "https://example.com/pet",
                "type": "object",
                "required": ["kind"],
                "properties": {
                    "kind": {"const": "dog"},
                    "age": {"type": ["integer", "null"], "exclusiveMinimum": 0},
                    "tags": {"type": "array", "prefixItems": [{"type": "string"}, {"type": "integer"}]},
                    "owner": {"$ref": "#/components/schemas/Owner", "description": "sibling"},
                    "card": {"type": "object", "dependentRequired": {"number": ["cvv"]}},
                    "mode": {"if": {"const": "a"}, "then": {"type": "string"}, "else": {"type": "integer"}}
                },
                "patternProperties": {"^x-": {"type": "string"}},
                "unevaluatedProperties": false
            },
            "Owner": {"type": "object", "required": ["name"], "$defs": {"N": {"type": "string"}},
                "properties": {"name": {"$ref": "#/components/schemas/Owner/$defs/N"}}}
        }}});
        let options = ConvertOptions::new(OpenApiVersion::V3_1, Direction::Response);
        let schema = to_json_schema(&doc, "/components/schemas/Pet", options).expect("exists");
        let ok = json!({"kind": "dog", "age": null, "tags": ["a", 1], "owner": {"name": "n"},
            "card": {"number": 1, "cvv": 2}, "mode": "a", "x-trace": "t"});
        assert!(valid(&schema, &ok));
        for bad in [
            json!({"kind": "cat"}),
            json!({"kind": "dog", "age": 0}),
            json!({"kind": "dog", "tags": [1]}),
            json!({"kind": "dog", "owner": {"name": 5}}),
            json!({"kind": "dog", "card": {"number": 1}}),
            json!({"kind": "dog", "mode": 3.5}),
            json!({"kind": "dog", "x-trace": 1}),
            json!({"kind": "dog", "other": 1}),
        ] {
            assert!(!valid(&schema, &bad), "{bad}");
        }
    }
}
