//! Schemas inferred from every observed value, never from one sample.
//!
//! [`Inferred`] accumulates what a place in the traffic carried (types, whether `null` was seen,
//! which string formats every string fits, array items, object members) and turns it into an
//! OpenAPI schema. A place whose values disagree (a string here, an integer there) or that only
//! ever carried `null` gives no schema: guessing there would document a server bug or a type
//! nobody has seen.

use indexmap::IndexMap;
use serde_json::{json, Map, Value};

/// The OpenAPI version family a schema is written for: it decides how `null` is spelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// OpenAPI 3.0: `nullable: true`.
    V30,
    /// OpenAPI 3.1: `type: [X, "null"]`.
    V31,
}

impl Dialect {
    /// The dialect of a document, from its `openapi` field.
    pub fn of(document: &Value) -> Self {
        match document.get("openapi").and_then(Value::as_str) {
            Some(v) if v.starts_with("3.1") => Dialect::V31,
            _ => Dialect::V30,
        }
    }
}

/// A `format` name and the check every value must pass to be documented with it.
type FormatCheck = (&'static str, fn(&str) -> bool);

/// String formats a value can be documented with, most specific first.
const FORMATS: [FormatCheck; 5] = [
    ("date-time", is_date_time),
    ("date", is_date),
    ("uuid", is_uuid),
    ("email", is_email),
    ("uri", is_uri),
];

/// What one place in the traffic carried, over every value seen there.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Inferred {
    /// Values seen.
    pub count: usize,
    null: bool,
    boolean: bool,
    integer: bool,
    number: bool,
    string: bool,
    array: bool,
    object: bool,
    /// Bit `i` set: every string so far fits `FORMATS[i]`.
    formats: u8,
    items: Option<Box<Inferred>>,
    properties: IndexMap<String, Inferred>,
}

/// Why no schema can be inferred for a place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unsure {
    /// Values of several JSON types were seen (the types, and where below the edit).
    Mixed(String, Vec<&'static str>),
    /// Only `null` was seen, so the type is unknown.
    OnlyNull(String),
}

impl std::fmt::Display for Unsure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let at = |p: &str| {
            if p.is_empty() {
                String::new()
            } else {
                format!(" at {p}")
            }
        };
        match self {
            Unsure::Mixed(p, types) => write!(
                f,
                "conflicting observations{}: values of types {}",
                at(p),
                types.join(", ")
            ),
            Unsure::OnlyNull(p) => {
                write!(f, "only null was observed{}, so the type is unknown", at(p))
            }
        }
    }
}

impl Inferred {
    /// Adds one observed value.
    pub fn add(&mut self, value: &Value) {
        self.count += 1;
        match value {
            Value::Null => self.null = true,
            Value::Bool(_) => self.boolean = true,
            Value::Number(n) if n.is_i64() || n.is_u64() => self.integer = true,
            Value::Number(_) => self.number = true,
            Value::String(s) => {
                let fits = FORMATS
                    .iter()
                    .enumerate()
                    .filter(|(_, (_, check))| check(s))
                    .fold(0u8, |bits, (i, _)| bits | (1 << i));
                self.formats = if self.string {
                    self.formats & fits
                } else {
                    fits
                };
                self.string = true;
            }
            Value::Array(items) => {
                self.array = true;
                let inner = self.items.get_or_insert_with(Box::default);
                for item in items {
                    inner.add(item);
                }
            }
            Value::Object(map) => {
                self.object = true;
                for (k, v) in map {
                    self.properties.entry(k.clone()).or_default().add(v);
                }
            }
        }
    }

    /// Adds everything `other` saw.
    pub fn merge(&mut self, other: &Inferred) {
        if other.string {
            self.formats = if self.string {
                self.formats & other.formats
            } else {
                other.formats
            };
        }
        self.count += other.count;
        self.null |= other.null;
        self.boolean |= other.boolean;
        self.integer |= other.integer;
        self.number |= other.number;
        self.string |= other.string;
        self.array |= other.array;
        self.object |= other.object;
        if let Some(items) = &other.items {
            self.items
                .get_or_insert_with(Box::default)
                .merge(items.as_ref());
        }
        for (k, v) in &other.properties {
            self.properties.entry(k.clone()).or_default().merge(v);
        }
    }

    /// The JSON types seen, `null` aside; an integer among numbers counts as a number.
    pub fn types(&self) -> Vec<&'static str> {
        let mut out = Vec::new();
        for (seen, name) in [
            (self.boolean, "boolean"),
            (self.integer && !self.number, "integer"),
            (self.number, "number"),
            (self.string, "string"),
            (self.array, "array"),
            (self.object, "object"),
        ] {
            if seen {
                out.push(name);
            }
        }
        out
    }

    /// The schema documenting every value seen, or why there is none.
    pub fn schema(&self, dialect: Dialect) -> Result<Value, Unsure> {
        self.schema_at(dialect, "")
    }

    fn schema_at(&self, dialect: Dialect, at: &str) -> Result<Value, Unsure> {
        let types = self.types();
        let ty = match types.as_slice() {
            [one] => *one,
            [] => return Err(Unsure::OnlyNull(at.to_string())),
            _ => return Err(Unsure::Mixed(at.to_string(), types)),
        };
        let mut schema = Map::new();
        match (dialect, self.null) {
            (Dialect::V31, true) => {
                schema.insert("type".into(), json!([ty, "null"]));
            }
            (Dialect::V30, true) => {
                schema.insert("type".into(), json!(ty));
                schema.insert("nullable".into(), json!(true));
            }
            (_, false) => {
                schema.insert("type".into(), json!(ty));
            }
        }
        if ty == "string" {
            if let Some((name, _)) = FORMATS
                .iter()
                .enumerate()
                .find(|(i, _)| self.formats & (1 << i) != 0)
                .map(|(_, f)| f)
            {
                schema.insert("format".into(), json!(name));
            }
        }
        if let Some(items) = self.items.as_deref().filter(|i| i.count > 0) {
            let inner = items.schema_at(dialect, &format!("{at}/items"))?;
            schema.insert("items".into(), inner);
        }
        if !self.properties.is_empty() {
            let mut props = Map::new();
            for (k, v) in &self.properties {
                let below = crate::source::pointer_push(&format!("{at}/properties"), k);
                props.insert(k.clone(), v.schema_at(dialect, &below)?);
            }
            schema.insert("properties".into(), Value::Object(props));
        }
        Ok(Value::Object(schema))
    }
}

fn digits(s: &str, n: usize) -> bool {
    s.len() == n && s.bytes().all(|b| b.is_ascii_digit())
}

/// `2024-02-29`: RFC 3339 full-date, with month and day in range.
fn is_date(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    let [y, m, d] = parts.as_slice() else {
        return false;
    };
    if !(digits(y, 4) && digits(m, 2) && digits(d, 2)) {
        return false;
    }
    let (m, d): (u32, u32) = (m.parse().unwrap_or(0), d.parse().unwrap_or(0));
    (1..=12).contains(&m) && (1..=31).contains(&d)
}

/// `2019-08-24T14:15:22.123Z`: RFC 3339 date-time, with a zone (`Z` or `±hh:mm`).
fn is_date_time(s: &str) -> bool {
    let Some((date, time)) = s.split_once(['T', 't']) else {
        return false;
    };
    if !is_date(date) {
        return false;
    }
    let (clock, zone) = if let Some(c) = time.strip_suffix(['Z', 'z']) {
        (c, None)
    } else if let Some(i) = time.rfind(['+', '-']) {
        (&time[..i], Some(&time[i + 1..]))
    } else {
        return false;
    };
    if let Some(z) = zone {
        let Some((h, m)) = z.split_once(':') else {
            return false;
        };
        if !(digits(h, 2) && digits(m, 2)) {
            return false;
        }
    }
    let (hms, fraction) = match clock.split_once('.') {
        Some((hms, f)) => (hms, Some(f)),
        None => (clock, None),
    };
    if fraction.is_some_and(|f| f.is_empty() || !f.bytes().all(|b| b.is_ascii_digit())) {
        return false;
    }
    let parts: Vec<&str> = hms.split(':').collect();
    let [h, m, sec] = parts.as_slice() else {
        return false;
    };
    digits(h, 2)
        && digits(m, 2)
        && digits(sec, 2)
        && h.parse::<u32>().is_ok_and(|h| h < 24)
        && m.parse::<u32>().is_ok_and(|m| m < 60)
        && sec.parse::<u32>().is_ok_and(|s| s <= 60)
}

/// `123e4567-e89b-12d3-a456-426614174000`.
fn is_uuid(s: &str) -> bool {
    let groups: Vec<&str> = s.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// `name@example.com`: one `@`, a dotted domain, no spaces; stricter than the validator's check,
/// so a documented `format: email` never rejects a value it was inferred from.
fn is_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    let ok_char = |c: char| c.is_ascii_alphanumeric() || "._%+-".contains(c);
    !local.is_empty()
        && local.chars().all(ok_char)
        && !local.starts_with('.')
        && !local.ends_with('.')
        && domain.contains('.')
        && domain
            .split('.')
            .all(|l| !l.is_empty() && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
}

/// `https://example.com/x`: an absolute URL with a host.
fn is_uri(s: &str) -> bool {
    !s.contains(char::is_whitespace)
        && url::Url::parse(s).is_ok_and(|u| u.has_host() && s.contains("://"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn infer(values: &[Value]) -> Inferred {
        let mut i = Inferred::default();
        for v in values {
            i.add(v);
        }
        i
    }

    #[test]
    fn integers_stay_integers_until_a_fraction_is_seen() {
        let i = infer(&[json!(1), json!(2)]);
        assert_eq!(i.schema(Dialect::V30), Ok(json!({"type": "integer"})));
        let n = infer(&[json!(1), json!(2.5)]);
        assert_eq!(n.schema(Dialect::V30), Ok(json!({"type": "number"})));
    }

    #[test]
    fn null_is_spelled_by_dialect() {
        let i = infer(&[json!("a"), Value::Null]);
        assert_eq!(
            i.schema(Dialect::V30),
            Ok(json!({"type": "string", "nullable": true}))
        );
        assert_eq!(
            i.schema(Dialect::V31),
            Ok(json!({"type": ["string", "null"]}))
        );
        assert_eq!(
            infer(&[Value::Null]).schema(Dialect::V30),
            Err(Unsure::OnlyNull(String::new()))
        );
    }

    #[test]
    fn a_format_needs_every_value_to_fit() {
        let both = infer(&[
            json!("2024-01-02T03:04:05Z"),
            json!("2024-01-02T03:04:05.5+02:00"),
        ]);
        assert_eq!(
            both.schema(Dialect::V30),
            Ok(json!({"type": "string", "format": "date-time"}))
        );
        let one = infer(&[json!("2024-01-02T03:04:05Z"), json!("yesterday")]);
        assert_eq!(one.schema(Dialect::V30), Ok(json!({"type": "string"})));
        for (value, format) in [
            ("2024-02-29", "date"),
            ("123e4567-e89b-12d3-a456-426614174000", "uuid"),
            ("a.b@example.com", "email"),
            ("https://example.com/x?y=1", "uri"),
        ] {
            assert_eq!(
                infer(&[json!(value)]).schema(Dialect::V30),
                Ok(json!({"type": "string", "format": format})),
                "{value}"
            );
        }
        for value in ["d.m.Y", "2024-13-01", "a@b", "example.com", "1234"] {
            assert_eq!(
                infer(&[json!(value)]).schema(Dialect::V30),
                Ok(json!({"type": "string"})),
                "{value}"
            );
        }
    }

    #[test]
    fn nested_objects_and_arrays_are_described_from_every_item() {
        let i = infer(&[
            json!({"tags": [{"id": 1}, {"id": 2, "name": "x"}]}),
            json!({"tags": []}),
        ]);
        assert_eq!(
            i.schema(Dialect::V30),
            Ok(
                json!({"type": "object", "properties": {"tags": {"type": "array", "items": {
                    "type": "object", "properties": {"id": {"type": "integer"}, "name": {"type": "string"}}
                }}}})
            )
        );
    }

    #[test]
    fn mixed_types_give_no_schema() {
        let i = infer(&[json!({"a": 1}), json!({"a": "1"})]);
        assert_eq!(
            i.schema(Dialect::V30),
            Err(Unsure::Mixed(
                "/properties/a".to_string(),
                vec!["integer", "string"]
            ))
        );
    }
}
