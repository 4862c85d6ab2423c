//! `$ref` resolution inside one document.
//!
//! Only local references (`#/...`) are followed; a reference to another file or URL is reported
//! by lint and treated as unresolvable elsewhere, so no code path ever touches the network.

use serde_json::Value;

/// Why a `$ref` could not be followed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefError {
    /// The reference names another document.
    External(String),
    /// Nothing stands at the pointer.
    Missing(String),
    /// Following the chain of `$ref`s comes back to where it started.
    Cycle(Vec<String>),
}

impl std::fmt::Display for RefError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RefError::External(r) => write!(f, "external reference {r:?} is not followed"),
            RefError::Missing(r) => write!(f, "{r:?} points at nothing in this document"),
            RefError::Cycle(chain) => write!(f, "reference cycle: {}", chain.join(" -> ")),
        }
    }
}

/// The JSON pointer a local `$ref` string names (`#/components/schemas/A%20B` →
/// `/components/schemas/A B`).
pub fn ref_pointer(reference: &str) -> Result<String, RefError> {
    let Some(fragment) = reference.strip_prefix('#') else {
        return Err(RefError::External(reference.to_string()));
    };
    Ok(percent_encoding::percent_decode_str(fragment)
        .decode_utf8_lossy()
        .into_owned())
}

/// The value a `$ref` string points at.
pub fn resolve_ref<'a>(document: &'a Value, reference: &str) -> Result<&'a Value, RefError> {
    let pointer = ref_pointer(reference)?;
    document
        .pointer(&pointer)
        .ok_or_else(|| RefError::Missing(reference.to_string()))
}

/// The `$ref` string of `value`, if it is a reference object.
pub fn ref_of(value: &Value) -> Option<&str> {
    value.get("$ref").and_then(Value::as_str)
}

/// Follows `value` through any chain of reference objects to the first non-reference, and
/// returns it with the pointer where it stands (`pointer` is where `value` itself stands).
pub fn deref<'a>(
    document: &'a Value,
    value: &'a Value,
    pointer: &str,
) -> Result<(&'a Value, String), RefError> {
    let mut current = value;
    let mut current_pointer = pointer.to_string();
    let mut seen: Vec<String> = Vec::new();
    while let Some(reference) = ref_of(current) {
        if seen.iter().any(|s| s == reference) {
            seen.push(reference.to_string());
            return Err(RefError::Cycle(seen));
        }
        seen.push(reference.to_string());
        current_pointer = ref_pointer(reference)?;
        current = document
            .pointer(&current_pointer)
            .ok_or_else(|| RefError::Missing(reference.to_string()))?;
    }
    Ok((current, current_pointer))
}

/// Every `$ref` in the document: the pointer of the object holding it, and the reference.
pub fn all_refs(document: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    collect_refs(document, &mut String::new(), &mut out);
    out
}

fn collect_refs(value: &Value, pointer: &mut String, out: &mut Vec<(String, String)>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(r)) = map.get("$ref") {
                out.push((pointer.clone(), r.clone()));
            }
            for (key, child) in map {
                // `example(s)` hold data, not spec: a `$ref` key inside them is a value.
                if key == "example" || (key == "value" && pointer.contains("/examples/")) {
                    continue;
                }
                let len = pointer.len();
                pointer.push('/');
                pointer.push_str(&crate::source::escape_pointer_segment(key));
                collect_refs(child, pointer, out);
                pointer.truncate(len);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                let len = pointer.len();
                pointer.push('/');
                pointer.push_str(&i.to_string());
                collect_refs(child, pointer, out);
                pointer.truncate(len);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn deref_follows_chains_and_reports_cycles() {
        let doc = json!({"components": {"schemas": {
            "A": {"$ref": "#/components/schemas/B"},
            "B": {"type": "string"},
            "C": {"$ref": "#/components/schemas/D"},
            "D": {"$ref": "#/components/schemas/C"},
            "Sp ace": {"type": "integer"}
        }}});
        let a = &doc["components"]["schemas"]["A"];
        let (v, p) = deref(&doc, a, "/components/schemas/A").expect("resolves");
        assert_eq!(v, &json!({"type": "string"}));
        assert_eq!(p, "/components/schemas/B");
        let c = &doc["components"]["schemas"]["C"];
        assert!(matches!(deref(&doc, c, "/x"), Err(RefError::Cycle(_))));
        assert!(resolve_ref(&doc, "#/components/schemas/Sp%20ace").is_ok());
        assert!(matches!(
            resolve_ref(&doc, "other.yaml#/x"),
            Err(RefError::External(_))
        ));
        assert!(matches!(
            resolve_ref(&doc, "#/components/schemas/Nope"),
            Err(RefError::Missing(_))
        ));
    }
}
