//! Parameter styles: how a value travels in a path, query, header or cookie, both ways.
//!
//! This is the validator's model (what a captured request meant). Generated clients serialise
//! with their own copy in `templates/runtime.rs.jinja`, because a generated crate must stand
//! alone; the two are held equal by a table test (`tests/it/style.rs`) that drives the generated
//! runtime over every style × explode × location × value shape and parses the result back here.
//! `serialize` and `parse` are inverses, which the round-trip tests below check.
//!
//! Values are JSON values typed by a [`Shape`] taken from the parameter's schema; on the wire
//! everything is text, so `parse` coerces text back to integers, numbers and booleans where the
//! schema says so and reports what it cannot coerce.
//!
//! Query pairs here are *decoded* (`with` / `amojo_id,version`); percent-encoding is the
//! transport's job. One extension beyond OpenAPI 3.0: `deepObject` over an array of objects is
//! sent PHP-style (`where[0][type]=equals`), because EspoCRM and many PHP back-ends read it so and
//! the standard leaves that case undefined.

use serde_json::{Map, Value};

use super::json_schema::{null_union_member, single_type};
use super::model::{ParamLocation, ParamStyle, Parameter};
use super::refs::deref;

/// The JSON type a scalar is coerced to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scalar {
    /// `type: string` or unknown.
    String,
    /// `type: integer`.
    Integer,
    /// `type: number`.
    Number,
    /// `type: boolean`.
    Boolean,
}

/// The shape of a parameter value, as far as serialisation cares.
#[derive(Debug, Clone, PartialEq)]
pub enum Shape {
    /// One scalar.
    Scalar(Scalar),
    /// An array of scalars.
    Array(Scalar),
    /// An object with scalar values (property name → type; unknown names are strings).
    Object(Vec<(String, Scalar)>),
    /// An array of objects (only meaningful with `deepObject`, PHP-style).
    ArrayOfObjects(Vec<(String, Scalar)>),
}

impl Shape {
    /// Reads the shape of the schema at `pointer` (following `$ref`s).
    pub fn of_schema(document: &Value, pointer: &str) -> Shape {
        // Items and properties are read where the schema really stands, behind its `$ref`.
        let Some((schema, at)) = resolved(document, pointer) else {
            return Shape::Scalar(Scalar::String);
        };
        let pointer = at.as_str();
        match single_type(schema) {
            Some("array") => {
                let items = format!("{pointer}/items");
                match Shape::of_schema(document, &items) {
                    Shape::Scalar(s) | Shape::Array(s) => Shape::Array(s),
                    Shape::Object(fields) | Shape::ArrayOfObjects(fields) => {
                        Shape::ArrayOfObjects(fields)
                    }
                }
            }
            Some("object") => Shape::Object(object_fields(document, schema, pointer)),
            None if schema.get("properties").is_some() => {
                Shape::Object(object_fields(document, schema, pointer))
            }
            other => Shape::Scalar(scalar_of(other)),
        }
    }
}

/// The schema at `pointer` behind its `$ref`s and, in 3.1, behind a null union (`anyOf: [X,
/// {type: null}]`): an absent parameter is how null travels, so the wire shape is X's.
fn resolved<'a>(document: &'a Value, pointer: &str) -> Option<(&'a Value, String)> {
    let value = crate::pointer::lookup(document, pointer)?;
    let (schema, at) = deref(document, value, pointer).ok()?;
    match null_union_member(schema, &at) {
        Some(member) => resolved(document, &member),
        None => Some((schema, at)),
    }
}

fn scalar_of(ty: Option<&str>) -> Scalar {
    match ty {
        Some("integer") => Scalar::Integer,
        Some("number") => Scalar::Number,
        Some("boolean") => Scalar::Boolean,
        _ => Scalar::String,
    }
}

fn object_fields(document: &Value, schema: &Value, pointer: &str) -> Vec<(String, Scalar)> {
    let Some(props) = schema.get("properties").and_then(Value::as_object) else {
        return Vec::new();
    };
    let base = format!("{pointer}/properties");
    props
        .keys()
        .map(|name| {
            let at = crate::source::pointer_push(&base, name);
            let ty = resolved(document, &at).and_then(|(s, _)| single_type(s));
            (name.clone(), scalar_of(ty))
        })
        .collect()
}

/// How one parameter is written: its name, location, style and explode, and its value's shape.
#[derive(Debug, Clone, PartialEq)]
pub struct Wire {
    /// The parameter's name.
    pub name: String,
    /// Where it travels.
    pub location: ParamLocation,
    /// Its style.
    pub style: ParamStyle,
    /// Its explode flag.
    pub explode: bool,
    /// The value's shape.
    pub shape: Shape,
}

impl Wire {
    /// The wire description of a parameter of `spec`'s document.
    pub fn of(document: &Value, parameter: &Parameter) -> Wire {
        let shape = parameter
            .schema
            .as_ref()
            .map(|s| Shape::of_schema(document, &s.pointer))
            .unwrap_or(Shape::Scalar(Scalar::String));
        Wire {
            name: parameter.name.clone(),
            location: parameter.location,
            style: parameter.style,
            explode: parameter.explode,
            shape,
        }
    }
}

fn scalar_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// What to send for one value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Serialized {
    /// Query (or cookie) pairs, decoded, in order.
    Pairs(Vec<(String, String)>),
    /// The text of a path segment or header value.
    Text(String),
}

/// Writes `value` as the spec's style says. `Value::Null` sends nothing.
pub fn serialize(wire: &Wire, value: &Value) -> Serialized {
    let name = wire.name.as_str();
    match wire.location {
        ParamLocation::Path | ParamLocation::Header => {
            Serialized::Text(serialize_text(wire.style, wire.explode, name, value))
        }
        ParamLocation::Query | ParamLocation::Cookie => {
            Serialized::Pairs(serialize_pairs(wire.style, wire.explode, name, value))
        }
    }
}

fn serialize_text(style: ParamStyle, explode: bool, name: &str, value: &Value) -> String {
    let (prefix, sep) = match style {
        ParamStyle::Label => (".", if explode { "." } else { "," }),
        ParamStyle::Matrix => (";", if explode { ";" } else { "," }),
        _ => ("", ","),
    };
    match value {
        Value::Array(items) => {
            let parts: Vec<String> = items.iter().map(scalar_text).collect();
            match style {
                ParamStyle::Matrix if explode => parts
                    .iter()
                    .map(|p| format!(";{name}={p}"))
                    .collect::<String>(),
                ParamStyle::Matrix => format!(";{name}={}", parts.join(",")),
                _ => format!("{prefix}{}", parts.join(sep)),
            }
        }
        Value::Object(map) => {
            let parts: Vec<String> = if explode {
                map.iter()
                    .map(|(k, v)| format!("{k}={}", scalar_text(v)))
                    .collect()
            } else {
                map.iter()
                    .flat_map(|(k, v)| [k.clone(), scalar_text(v)])
                    .collect()
            };
            match style {
                ParamStyle::Matrix if explode => {
                    parts.iter().map(|p| format!(";{p}")).collect::<String>()
                }
                ParamStyle::Matrix => format!(";{name}={}", parts.join(",")),
                _ => format!("{prefix}{}", parts.join(sep)),
            }
        }
        Value::Null => String::new(),
        scalar => match style {
            ParamStyle::Matrix => format!(";{name}={}", scalar_text(scalar)),
            _ => format!("{prefix}{}", scalar_text(scalar)),
        },
    }
}

fn serialize_pairs(
    style: ParamStyle,
    explode: bool,
    name: &str,
    value: &Value,
) -> Vec<(String, String)> {
    let pair = |k: &str, v: String| (k.to_string(), v);
    match value {
        Value::Null => Vec::new(),
        Value::Array(items) => {
            if style == ParamStyle::DeepObject {
                // PHP-style arrays: where[0][type]=equals (see the module docs).
                let mut out = Vec::new();
                for (i, item) in items.iter().enumerate() {
                    match item {
                        Value::Object(map) => {
                            for (k, v) in map {
                                out.push(pair(&format!("{name}[{i}][{k}]"), scalar_text(v)));
                            }
                        }
                        other => out.push(pair(&format!("{name}[{i}]"), scalar_text(other))),
                    }
                }
                return out;
            }
            let parts: Vec<String> = items.iter().map(scalar_text).collect();
            match (style, explode) {
                (ParamStyle::Form, true) => parts.into_iter().map(|p| pair(name, p)).collect(),
                (ParamStyle::SpaceDelimited, _) => vec![pair(name, parts.join(" "))],
                (ParamStyle::PipeDelimited, _) => vec![pair(name, parts.join("|"))],
                _ => vec![pair(name, parts.join(","))],
            }
        }
        Value::Object(map) => match (style, explode) {
            (ParamStyle::DeepObject, _) => map
                .iter()
                .map(|(k, v)| pair(&format!("{name}[{k}]"), scalar_text(v)))
                .collect(),
            (ParamStyle::Form, true) => map.iter().map(|(k, v)| pair(k, scalar_text(v))).collect(),
            _ => {
                let sep = match style {
                    ParamStyle::SpaceDelimited => " ",
                    ParamStyle::PipeDelimited => "|",
                    _ => ",",
                };
                let parts: Vec<String> = map
                    .iter()
                    .flat_map(|(k, v)| [k.clone(), scalar_text(v)])
                    .collect();
                vec![pair(name, parts.join(sep))]
            }
        },
        scalar => vec![pair(name, scalar_text(scalar))],
    }
}

/// Why a wire value could not be read as its schema's shape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// What was expected and what was found.
    pub message: String,
}

fn coerce(text: &str, scalar: Scalar) -> Result<Value, ParseError> {
    let fail = |what: &str| ParseError {
        message: format!("{text:?} is not {what}"),
    };
    match scalar {
        Scalar::String => Ok(Value::String(text.to_string())),
        Scalar::Integer => text
            .parse::<i64>()
            .map(Value::from)
            .or_else(|_| text.parse::<u64>().map(Value::from))
            .map_err(|_| fail("an integer")),
        Scalar::Number => text
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map(Value::Number)
            .ok_or_else(|| fail("a number")),
        Scalar::Boolean => match text {
            "true" => Ok(Value::Bool(true)),
            "false" => Ok(Value::Bool(false)),
            _ => Err(fail("a boolean (true or false)")),
        },
    }
}

fn field_type(fields: &[(String, Scalar)], key: &str) -> Scalar {
    fields
        .iter()
        .find(|(k, _)| k == key)
        .map_or(Scalar::String, |(_, s)| *s)
}

/// A cookie's value as its parameter reads it: percent-decoded, because clients percent-encode
/// what is not a cookie octet (`;`, `,`, space, non-ASCII), as the generated runtime does.
pub fn cookie_value(raw: &str) -> String {
    percent_encoding::percent_decode_str(raw)
        .decode_utf8_lossy()
        .into_owned()
}

/// Reads a path segment or header value back into a JSON value.
pub fn parse_text(wire: &Wire, text: &str) -> Result<Value, ParseError> {
    let name = wire.name.as_str();
    let (body, sep) = match wire.style {
        ParamStyle::Label => {
            let body = text.strip_prefix('.').ok_or_else(|| ParseError {
                message: format!("label-style value {text:?} does not start with '.'"),
            })?;
            (body.to_string(), if wire.explode { '.' } else { ',' })
        }
        ParamStyle::Matrix if wire.explode && text.is_empty() => {
            return parse_matrix_exploded(wire, text);
        }
        ParamStyle::Matrix => {
            let body = text.strip_prefix(';').ok_or_else(|| ParseError {
                message: format!("matrix-style value {text:?} does not start with ';'"),
            })?;
            if wire.explode {
                return parse_matrix_exploded(wire, body);
            }
            let prefix = format!("{name}=");
            let body = body.strip_prefix(&prefix).ok_or_else(|| ParseError {
                message: format!("matrix-style value {text:?} does not start with ';{name}='"),
            })?;
            (body.to_string(), ',')
        }
        _ => (text.to_string(), ','),
    };
    match &wire.shape {
        Shape::Scalar(s) => coerce(&body, *s),
        Shape::Array(s) => split_nonempty(&body, sep)
            .map(|p| coerce(p, *s))
            .collect::<Result<Vec<_>, _>>()
            .map(Value::Array),
        Shape::Object(fields) | Shape::ArrayOfObjects(fields) => {
            let mut map = Map::new();
            if wire.explode {
                for part in split_nonempty(&body, sep) {
                    let (k, v) = part.split_once('=').ok_or_else(|| ParseError {
                        message: format!("{part:?} is not key=value"),
                    })?;
                    map.insert(k.to_string(), coerce(v, field_type(fields, k))?);
                }
            } else {
                let parts: Vec<&str> = split_nonempty(&body, sep).collect();
                if parts.len() % 2 != 0 {
                    return Err(ParseError {
                        message: format!("{body:?} does not alternate keys and values"),
                    });
                }
                for kv in parts.chunks(2) {
                    map.insert(kv[0].to_string(), coerce(kv[1], field_type(fields, kv[0]))?);
                }
            }
            Ok(Value::Object(map))
        }
    }
}

/// `;color=blue;color=black` or `;R=100;G=200`. A scalar is everything after its `name=`
/// (its value may hold `;`), and an empty array or object sends nothing at all.
fn parse_matrix_exploded(wire: &Wire, body: &str) -> Result<Value, ParseError> {
    let parts: Vec<(&str, &str)> = body
        .split(';')
        .filter(|p| !p.is_empty())
        .map(|p| p.split_once('=').unwrap_or((p, "")))
        .collect();
    match &wire.shape {
        Shape::Scalar(s) => {
            let value = body.split_once('=').map_or("", |(_, v)| v);
            coerce(value, *s)
        }
        Shape::Array(s) => parts
            .iter()
            .map(|(_, v)| coerce(v, *s))
            .collect::<Result<Vec<_>, _>>()
            .map(Value::Array),
        Shape::Object(fields) | Shape::ArrayOfObjects(fields) => {
            let mut map = Map::new();
            for (k, v) in parts {
                map.insert(k.to_string(), coerce(v, field_type(fields, k))?);
            }
            Ok(Value::Object(map))
        }
    }
}

fn split_nonempty(text: &str, sep: char) -> impl Iterator<Item = &str> {
    let empty = text.is_empty();
    text.split(sep).filter(move |_| !empty)
}

/// Reads a parameter back from decoded query pairs. `Ok(None)` when the parameter is absent.
/// For `form` + `explode` objects, whose keys are the properties themselves, only the object's
/// documented properties are taken.
///
/// Generic over the pairs' text so a request's query is read borrowed, not copied pair by pair.
pub fn parse_pairs<K: AsRef<str>, V: AsRef<str>>(
    wire: &Wire,
    pairs: &[(K, V)],
) -> Result<Option<Value>, ParseError> {
    let name = wire.name.as_str();
    let own: Vec<&str> = pairs
        .iter()
        .filter(|(k, _)| k.as_ref() == name)
        .map(|(_, v)| v.as_ref())
        .collect();
    let sep = match wire.style {
        ParamStyle::SpaceDelimited => ' ',
        ParamStyle::PipeDelimited => '|',
        _ => ',',
    };
    match (&wire.shape, wire.style) {
        (Shape::Object(fields), ParamStyle::DeepObject) => {
            let prefix = format!("{name}[");
            let mut map = Map::new();
            for (k, v) in pairs {
                let (k, v) = (k.as_ref(), v.as_ref());
                if let Some(key) = k.strip_prefix(&prefix).and_then(|r| r.strip_suffix(']')) {
                    map.insert(key.to_string(), coerce(v, field_type(fields, key))?);
                }
            }
            Ok((!map.is_empty()).then_some(Value::Object(map)))
        }
        (Shape::ArrayOfObjects(fields), ParamStyle::DeepObject) => {
            parse_php_array(name, fields, pairs)
        }
        (Shape::Object(fields), ParamStyle::Form) if wire.explode => {
            let mut map = Map::new();
            for (k, v) in pairs {
                let (k, v) = (k.as_ref(), v.as_ref());
                if fields.iter().any(|(f, _)| f == k) {
                    map.insert(k.to_string(), coerce(v, field_type(fields, k))?);
                }
            }
            Ok((!map.is_empty()).then_some(Value::Object(map)))
        }
        _ if own.is_empty() => Ok(None),
        (Shape::Scalar(s), _) => {
            if own.len() > 1 {
                return Err(ParseError {
                    message: format!("{name} is given {} times; it takes one value", own.len()),
                });
            }
            coerce(own[0], *s).map(Some)
        }
        (Shape::Array(s), _) => {
            let texts: Vec<&str> = if wire.explode && wire.style == ParamStyle::Form {
                own
            } else {
                own.iter().flat_map(|v| split_nonempty(v, sep)).collect()
            };
            texts
                .into_iter()
                .map(|t| coerce(t, *s))
                .collect::<Result<Vec<_>, _>>()
                .map(|v| Some(Value::Array(v)))
        }
        (Shape::Object(fields) | Shape::ArrayOfObjects(fields), _) => {
            let parts: Vec<&str> = own.iter().flat_map(|v| split_nonempty(v, sep)).collect();
            if parts.len() % 2 != 0 {
                return Err(ParseError {
                    message: format!(
                        "{name}={:?} does not alternate keys and values",
                        own.join(",")
                    ),
                });
            }
            let mut map = Map::new();
            for kv in parts.chunks(2) {
                map.insert(kv[0].to_string(), coerce(kv[1], field_type(fields, kv[0]))?);
            }
            Ok(Some(Value::Object(map)))
        }
    }
}

/// `where[0][type]=equals&where[0][attribute]=name` → `[{"type": "equals", "attribute": "name"}]`.
fn parse_php_array<K: AsRef<str>, V: AsRef<str>>(
    name: &str,
    fields: &[(String, Scalar)],
    pairs: &[(K, V)],
) -> Result<Option<Value>, ParseError> {
    let prefix = format!("{name}[");
    let mut items: std::collections::BTreeMap<usize, Map<String, Value>> = Default::default();
    for (k, v) in pairs {
        let (k, v) = (k.as_ref(), v.as_ref());
        let Some(rest) = k.strip_prefix(&prefix) else {
            continue;
        };
        let (index, rest) = rest.split_once(']').ok_or_else(|| ParseError {
            message: format!("{k:?} is not {name}[N][key]"),
        })?;
        let index: usize = index.parse().map_err(|_| ParseError {
            message: format!("{k:?}: {index:?} is not an array index"),
        })?;
        let key = rest
            .strip_prefix('[')
            .and_then(|r| r.strip_suffix(']'))
            .ok_or_else(|| ParseError {
                message: format!("{k:?} is not {name}[N][key]"),
            })?;
        items
            .entry(index)
            .or_default()
            .insert(key.to_string(), coerce(v, field_type(fields, key))?);
    }
    if items.is_empty() {
        return Ok(None);
    }
    if items.keys().copied().ne(0..items.len()) {
        return Err(ParseError {
            message: format!("{name}[N] indices are not 0, 1, 2, ... in order"),
        });
    }
    Ok(Some(Value::Array(
        items.into_values().map(Value::Object).collect(),
    )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn wire(location: ParamLocation, style: ParamStyle, explode: bool, shape: Shape) -> Wire {
        Wire {
            name: "p".to_string(),
            location,
            style,
            explode,
            shape,
        }
    }

    fn fields() -> Vec<(String, Scalar)> {
        vec![
            ("role".to_string(), Scalar::String),
            ("n".to_string(), Scalar::Integer),
        ]
    }

    fn round_trip(w: &Wire, value: Value) -> Serialized {
        let sent = serialize(w, &value);
        let back = match &sent {
            Serialized::Pairs(pairs) => parse_pairs(w, pairs).expect("parses").expect("present"),
            Serialized::Text(text) => parse_text(w, text).expect("parses"),
        };
        assert_eq!(back, value, "{w:?} sent {sent:?}");
        sent
    }

    #[test]
    fn kommo_with_is_comma_separated() {
        let w = wire(
            ParamLocation::Query,
            ParamStyle::Form,
            false,
            Shape::Array(Scalar::String),
        );
        let sent = round_trip(&w, json!(["amojo_id", "version"]));
        assert_eq!(
            sent,
            Serialized::Pairs(vec![("p".into(), "amojo_id,version".into())])
        );
    }

    #[test]
    fn espocrm_where_is_php_style() {
        let w = wire(
            ParamLocation::Query,
            ParamStyle::DeepObject,
            true,
            Shape::ArrayOfObjects(vec![
                ("type".into(), Scalar::String),
                ("attribute".into(), Scalar::String),
                ("value".into(), Scalar::String),
            ]),
        );
        let sent = round_trip(
            &w,
            json!([{"type": "equals", "attribute": "name", "value": "Acme"}]),
        );
        assert_eq!(
            sent,
            Serialized::Pairs(vec![
                ("p[0][type]".into(), "equals".into()),
                ("p[0][attribute]".into(), "name".into()),
                ("p[0][value]".into(), "Acme".into()),
            ])
        );
    }

    #[test]
    fn every_query_style_round_trips() {
        let array = json!([3, 4, 5]);
        let object = json!({"role": "admin", "n": 5});
        for (style, explode) in [
            (ParamStyle::Form, true),
            (ParamStyle::Form, false),
            (ParamStyle::SpaceDelimited, false),
            (ParamStyle::PipeDelimited, false),
        ] {
            let a = wire(
                ParamLocation::Query,
                style,
                explode,
                Shape::Array(Scalar::Integer),
            );
            round_trip(&a, array.clone());
            let o = wire(
                ParamLocation::Query,
                style,
                explode,
                Shape::Object(fields()),
            );
            round_trip(&o, object.clone());
            let s = wire(
                ParamLocation::Query,
                style,
                explode,
                Shape::Scalar(Scalar::Boolean),
            );
            round_trip(&s, json!(true));
        }
        let deep = wire(
            ParamLocation::Query,
            ParamStyle::DeepObject,
            true,
            Shape::Object(fields()),
        );
        let sent = round_trip(&deep, object);
        assert_eq!(
            sent,
            Serialized::Pairs(vec![
                ("p[role]".into(), "admin".into()),
                ("p[n]".into(), "5".into())
            ])
        );
    }

    #[test]
    fn every_path_style_round_trips_with_the_spec_examples() {
        // The table in OpenAPI 3.0.3 § 4.7.12.4 (Style Examples), for color = [blue, black, brown]
        // and R=100, G=200, B=150.
        let colors = json!(["blue", "black", "brown"]);
        let rgb = json!({"R": 100, "G": 200, "B": 150});
        let rgb_fields = vec![
            ("R".to_string(), Scalar::Integer),
            ("G".to_string(), Scalar::Integer),
            ("B".to_string(), Scalar::Integer),
        ];
        let cases = [
            (
                ParamStyle::Simple,
                false,
                "blue,black,brown",
                "R,100,G,200,B,150",
            ),
            (
                ParamStyle::Simple,
                true,
                "blue,black,brown",
                "R=100,G=200,B=150",
            ),
            (
                ParamStyle::Label,
                false,
                ".blue,black,brown",
                ".R,100,G,200,B,150",
            ),
            (
                ParamStyle::Label,
                true,
                ".blue.black.brown",
                ".R=100.G=200.B=150",
            ),
            (
                ParamStyle::Matrix,
                false,
                ";p=blue,black,brown",
                ";p=R,100,G,200,B,150",
            ),
            (
                ParamStyle::Matrix,
                true,
                ";p=blue;p=black;p=brown",
                ";R=100;G=200;B=150",
            ),
        ];
        for (style, explode, array_text, object_text) in cases {
            let a = wire(
                ParamLocation::Path,
                style,
                explode,
                Shape::Array(Scalar::String),
            );
            assert_eq!(
                round_trip(&a, colors.clone()),
                Serialized::Text(array_text.into())
            );
            let o = wire(
                ParamLocation::Path,
                style,
                explode,
                Shape::Object(rgb_fields.clone()),
            );
            assert_eq!(
                round_trip(&o, rgb.clone()),
                Serialized::Text(object_text.into())
            );
        }
    }

    #[test]
    fn bad_wire_values_are_explained() {
        let w = wire(
            ParamLocation::Query,
            ParamStyle::Form,
            true,
            Shape::Scalar(Scalar::Integer),
        );
        let err = parse_pairs(&w, &[("p", "ten")]).expect_err("not an integer");
        assert_eq!(err.message, "\"ten\" is not an integer");
        let twice = parse_pairs(&w, &[("p", "1"), ("p", "2")]);
        assert!(twice.is_err());
        assert_eq!(parse_pairs::<&str, &str>(&w, &[]), Ok(None));
        let label = wire(
            ParamLocation::Path,
            ParamStyle::Label,
            false,
            Shape::Scalar(Scalar::String),
        );
        assert!(parse_text(&label, "x").is_err());
    }

    #[test]
    fn shapes_come_from_the_schema() {
        let doc = json!({
            "components": {"schemas": {"With": {"type": "string", "enum": ["a"]}}},
            "p": {"type": "array", "items": {"$ref": "#/components/schemas/With"}},
            "w": {"type": "array", "items": {"type": "object", "properties": {"n": {"type": "integer"}}}}
        });
        assert_eq!(Shape::of_schema(&doc, "/p"), Shape::Array(Scalar::String));
        assert_eq!(
            Shape::of_schema(&doc, "/w"),
            Shape::ArrayOfObjects(vec![("n".into(), Scalar::Integer)])
        );
        // Properties and items behind a `$ref` keep their types.
        let doc = json!({
            "components": {"schemas": {
                "Item": {"type": "object", "properties": {"n": {"type": "integer"}}},
                "Ids": {"type": "array", "items": {"type": "integer"}}
            }},
            "o": {"$ref": "#/components/schemas/Item"},
            "a": {"$ref": "#/components/schemas/Ids"}
        });
        assert_eq!(
            Shape::of_schema(&doc, "/o"),
            Shape::Object(vec![("n".into(), Scalar::Integer)])
        );
        assert_eq!(Shape::of_schema(&doc, "/a"), Shape::Array(Scalar::Integer));
    }
}
