//! Walks a body alongside the spec's own schema text, so every undocumented key and every value
//! outside an enum is tied to the place in the spec document that would document it.
//!
//! The validator works on compiled schemas and knows no spec pointers; here the walk follows
//! `$ref` and `allOf` through the document itself, so a property of a `$ref`'d component lands
//! in that component (once), not in every operation that uses it.

use serde_json::Value;

use crate::source::pointer_push;
use crate::spec::refs::deref;

/// Where new properties of an object go, or why no place is safe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Home {
    /// The pointer of the schema object that gets (or has) `properties`.
    Schema(String),
    /// The object is composed in a way only a person can extend.
    Refused(String),
}

/// A key the schema does not document, where it was seen and where it would go.
#[derive(Debug, Clone)]
pub struct Unknown {
    /// Body pointer of the object holding the key.
    pub object: String,
    /// The key.
    pub key: String,
    /// Its value.
    pub value: Value,
    /// Where the spec would document it.
    pub home: Home,
    /// Documented keys of the object that the body lacks and that look like this key: a likely
    /// rename, never documented.
    pub look_alike: Option<String>,
}

/// A value outside a documented enum.
#[derive(Debug, Clone)]
pub struct OffEnum {
    /// Body pointer of the value.
    pub at: String,
    /// The value.
    pub value: Value,
    /// Pointer of the schema holding the `enum`.
    pub schema: String,
}

/// What one body shows beyond its schema.
#[derive(Debug, Default)]
pub struct Observed {
    /// Undocumented keys.
    pub unknowns: Vec<Unknown>,
    /// Values outside enums.
    pub off_enum: Vec<OffEnum>,
}

/// Walks `body` against the schema at `schema_pointer` of `document`.
pub fn observe(document: &Value, schema_pointer: &str, body: &Value) -> Observed {
    let mut out = Observed::default();
    if let Some(schema) = document.pointer(schema_pointer) {
        walk(document, schema, schema_pointer, body, "", &mut out, 0);
    }
    out
}

/// One schema node with its `allOf` members, each resolved through `$ref`.
struct Parts<'d> {
    parts: Vec<(&'d Value, String)>,
    /// `oneOf`/`anyOf` somewhere: which branch a key belongs to is a person's call.
    alternatives: bool,
}

fn parts<'d>(document: &'d Value, schema: &'d Value, pointer: &str) -> Parts<'d> {
    let mut out = Parts {
        parts: Vec::new(),
        alternatives: false,
    };
    collect_parts(document, schema, pointer, &mut out, 0);
    out
}

fn collect_parts<'d>(
    document: &'d Value,
    schema: &'d Value,
    pointer: &str,
    out: &mut Parts<'d>,
    depth: usize,
) {
    let Ok((node, at)) = deref(document, schema, pointer) else {
        return;
    };
    if depth > 16 || out.parts.iter().any(|(_, p)| *p == at) {
        return;
    }
    out.alternatives |= node.get("oneOf").is_some() || node.get("anyOf").is_some();
    out.parts.push((node, at.clone()));
    if let Some(all) = node.get("allOf").and_then(Value::as_array) {
        for (i, member) in all.iter().enumerate() {
            let p = format!("{at}/allOf/{i}");
            collect_parts(document, member, &p, out, depth + 1);
        }
    }
}

fn walk(
    document: &Value,
    schema: &Value,
    pointer: &str,
    body: &Value,
    at: &str,
    out: &mut Observed,
    depth: usize,
) {
    if depth > 64 {
        return;
    }
    let parts = parts(document, schema, pointer);
    check_enum(&parts, body, at, out);
    match body {
        Value::Object(map) => walk_object(document, &parts, map, at, out, depth),
        Value::Array(items) => {
            let Some((item, p)) = parts.parts.iter().find_map(|(node, p)| {
                node.get("items")
                    .map(|i| (i, format!("{p}/items")))
                    .filter(|(i, _)| i.is_object())
            }) else {
                return;
            };
            for (i, v) in items.iter().enumerate() {
                walk(document, item, &p, v, &format!("{at}/{i}"), out, depth + 1);
            }
        }
        _ => {}
    }
}

fn check_enum(parts: &Parts<'_>, body: &Value, at: &str, out: &mut Observed) {
    if body.is_null() {
        return;
    }
    for (node, p) in &parts.parts {
        if let Some(allowed) = node.get("enum").and_then(Value::as_array) {
            if !allowed.contains(body) {
                out.off_enum.push(OffEnum {
                    at: at.to_string(),
                    value: body.clone(),
                    schema: p.clone(),
                });
            }
        }
    }
}

fn walk_object(
    document: &Value,
    parts: &Parts<'_>,
    map: &serde_json::Map<String, Value>,
    at: &str,
    out: &mut Observed,
    depth: usize,
) {
    let with_props: Vec<&(&Value, String)> = parts
        .parts
        .iter()
        .filter(|(node, _)| node.get("properties").is_some_and(Value::is_object))
        .collect();
    let additional = parts
        .parts
        .iter()
        .find_map(|(node, p)| Some((node.get("additionalProperties")?, p)));
    let home = if parts.alternatives {
        Home::Refused("the object's schema has oneOf/anyOf alternatives; which branch gets the key is a person's call".to_string())
    } else {
        match with_props.as_slice() {
            [(_, p)] => Home::Schema(p.clone()),
            [] => match parts.parts.first() {
                Some((_, p)) => Home::Schema(p.clone()),
                None => Home::Refused("the object's schema could not be resolved in this file".to_string()),
            },
            _ => Home::Refused("the object is composed with allOf from several schemas with properties; which one gets the key is a person's call".to_string()),
        }
    };
    let documented = |k: &str| {
        with_props.iter().find_map(|(node, p)| {
            let prop = node.get("properties")?.get(k)?;
            Some((prop, pointer_push(&format!("{p}/properties"), k)))
        })
    };
    for (k, v) in map {
        let child = pointer_push(at, k);
        if let Some((prop, p)) = documented(k) {
            walk(document, prop, &p, v, &child, out, depth + 1);
            continue;
        }
        match additional {
            Some((extra @ Value::Object(_), p)) => {
                let p = format!("{p}/additionalProperties");
                walk(document, extra, &p, v, &child, out, depth + 1);
            }
            Some((Value::Bool(true), _)) => {}
            _ => {
                let absent: Vec<&String> = with_props
                    .iter()
                    .filter_map(|(node, _)| node.get("properties")?.as_object())
                    .flat_map(|props| props.keys())
                    .filter(|name| !map.contains_key(*name))
                    .collect();
                let look_alike = crate::suggest::suggest(k, absent).map(|s| s.to_string());
                out.unknowns.push(Unknown {
                    object: at.to_string(),
                    key: k.clone(),
                    value: v.clone(),
                    home: home.clone(),
                    look_alike,
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keys_of_a_referenced_component_are_homed_in_the_component() {
        let doc = json!({
            "components": {"schemas": {
                "User": {"type": "object", "properties": {"id": {"type": "integer"}, "date_format": {"type": "string"}}},
                "Page": {"allOf": [
                    {"type": "object", "properties": {"users": {"type": "array", "items": {"$ref": "#/components/schemas/User"}}}}
                ]}
            }},
            "root": {"$ref": "#/components/schemas/Page"}
        });
        let body = json!({"users": [{"id": 1, "extra": true, "date_formant": "x"}], "top": 1});
        let seen = observe(&doc, "/root", &body);
        let got: Vec<(String, String, Home, Option<String>)> = seen
            .unknowns
            .iter()
            .map(|u| {
                (
                    u.object.clone(),
                    u.key.clone(),
                    u.home.clone(),
                    u.look_alike.clone(),
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                (
                    "/users/0".into(),
                    "extra".into(),
                    Home::Schema("/components/schemas/User".into()),
                    None
                ),
                (
                    "/users/0".into(),
                    "date_formant".into(),
                    Home::Schema("/components/schemas/User".into()),
                    Some("date_format".into())
                ),
                (
                    "".into(),
                    "top".into(),
                    Home::Schema("/components/schemas/Page/allOf/0".into()),
                    None
                ),
            ]
        );
    }

    #[test]
    fn values_outside_an_enum_point_at_the_enum() {
        let doc = json!({"s": {"type": "object", "properties": {"mode": {"enum": ["a", "b"]}}}});
        let seen = observe(&doc, "/s", &json!({"mode": "c"}));
        assert_eq!(seen.off_enum.len(), 1);
        assert_eq!(seen.off_enum[0].schema, "/s/properties/mode");
    }
}
