//! Reading a spec file: bytes → YAML/JSON value → version check → `openapiv3` → resolved model.
//!
//! Every way a file can be unreadable ends here as one located `Diagnostic` (the run's exit 2),
//! never as a panic: a missing file, a directory, an empty file, broken syntax, a JSON array,
//! Swagger 2.0, OpenAPI 3.1, or a document whose shape `openapiv3` rejects.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::diagnostic::{Diagnostic, Kind};
use crate::source::{SourceFile, SourceFormat};

use super::model::{self, Spec};

/// Loads and resolves the spec at `path`.
pub fn load(path: &Path) -> Result<Spec, Box<Diagnostic>> {
    let text = read_text(path)?;
    load_str(path, text)
}

/// Loads a spec from text already read; `path` names it in diagnostics and picks the syntax
/// (`.json` is JSON, anything else YAML, which also reads JSON).
pub fn load_str(path: &Path, text: String) -> Result<Spec, Box<Diagnostic>> {
    let format = detect_format(path, &text);
    let source = SourceFile::new(path, text, format);
    let document = parse_value(&source)?;
    check_version(&source, &document)?;
    // `openapiv3` only checks the shape: its tree, as large as the document, is dropped here
    // (one representation of the document is kept, the JSON value the model points into).
    check_shape(&source, &document)?;
    Ok(model::build(source, document))
}

fn unreadable(path: &Path, kind: Kind, message: String) -> Box<Diagnostic> {
    Box::new(Diagnostic::error(kind, message).in_file(path))
}

fn read_text(path: &Path) -> Result<String, Box<Diagnostic>> {
    let meta = std::fs::metadata(path).map_err(|e| {
        unreadable(
            path,
            Kind::UnreadableFile,
            format!("cannot read spec {}: {e}", path.display()),
        )
    })?;
    if meta.is_dir() {
        return Err(unreadable(
            path,
            Kind::UnreadableFile,
            format!(
                "{} is a directory; pass a spec file (YAML or JSON)",
                path.display()
            ),
        ));
    }
    let bytes = std::fs::read(path).map_err(|e| {
        unreadable(
            path,
            Kind::UnreadableFile,
            format!("cannot read spec {}: {e}", path.display()),
        )
    })?;
    let mut text = String::from_utf8(bytes).map_err(|e| {
        unreadable(
            path,
            Kind::SyntaxError,
            format!(
                "{} is not UTF-8 text (invalid byte at offset {})",
                path.display(),
                e.utf8_error().valid_up_to()
            ),
        )
    })?;
    if text.starts_with('\u{feff}') {
        text.replace_range(..3, "");
    }
    if text.trim().is_empty() {
        return Err(unreadable(
            path,
            Kind::InvalidDocument,
            format!(
                "{} is empty; expected an OpenAPI 3.0 document",
                path.display()
            ),
        ));
    }
    Ok(text)
}

fn detect_format(path: &Path, text: &str) -> SourceFormat {
    let json_ext = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"));
    if json_ext || text.trim_start().starts_with('{') {
        SourceFormat::Json
    } else {
        SourceFormat::Yaml
    }
}

fn parse_value(source: &SourceFile) -> Result<Value, Box<Diagnostic>> {
    let path = source.path();
    match source.format() {
        SourceFormat::Json => serde_json::from_str::<Value>(source.text()).map_err(|e| {
            let loc = source.location_at(e.line(), e.column());
            Box::new(
                Diagnostic::error(
                    Kind::SyntaxError,
                    format!("invalid JSON: {}", strip_position(&e.to_string())),
                )
                .in_file(path)
                .at(Some(loc)),
            )
        }),
        SourceFormat::Yaml => {
            let mut yaml: serde_yaml::Value = serde_yaml::from_str(source.text()).map_err(|e| {
                let loc = e
                    .location()
                    .map(|l| source.location_at(l.line(), l.column()));
                Box::new(
                    Diagnostic::error(
                        Kind::SyntaxError,
                        format!("invalid YAML: {}", strip_position(&e.to_string())),
                    )
                    .in_file(path)
                    .at(loc),
                )
            })?;
            yaml.apply_merge().map_err(|e| {
                unreadable(
                    path,
                    Kind::SyntaxError,
                    format!("invalid YAML merge key: {e}"),
                )
            })?;
            Ok(yaml_to_json(yaml))
        }
    }
}

/// serde's messages end in "at line L column C"; the location is shown separately.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}

/// YAML allows keys that JSON does not (`200:` is an integer key); OpenAPI means them as strings.
fn yaml_to_json(yaml: serde_yaml::Value) -> Value {
    use serde_yaml::Value as Y;
    match yaml {
        Y::Null => Value::Null,
        Y::Bool(b) => Value::Bool(b),
        Y::Number(n) => {
            if let Some(i) = n.as_i64() {
                Value::from(i)
            } else if let Some(u) = n.as_u64() {
                Value::from(u)
            } else {
                n.as_f64()
                    .and_then(serde_json::Number::from_f64)
                    .map_or(Value::Null, Value::Number)
            }
        }
        Y::String(s) => Value::String(s),
        Y::Sequence(items) => Value::Array(items.into_iter().map(yaml_to_json).collect()),
        Y::Mapping(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| (yaml_key(k), yaml_to_json(v)))
                .collect(),
        ),
        Y::Tagged(tagged) => yaml_to_json(tagged.value),
    }
}

fn yaml_key(key: serde_yaml::Value) -> String {
    use serde_yaml::Value as Y;
    match key {
        Y::String(s) => s,
        Y::Number(n) => n.to_string(),
        Y::Bool(b) => b.to_string(),
        Y::Null => "null".to_string(),
        other => serde_yaml::to_string(&other)
            .unwrap_or_default()
            .trim()
            .to_string(),
    }
}

fn check_version(source: &SourceFile, document: &Value) -> Result<(), Box<Diagnostic>> {
    let path = source.path();
    let Some(object) = document.as_object() else {
        return Err(Box::new(
            Diagnostic::error(
                Kind::InvalidDocument,
                format!(
                    "expected an OpenAPI document (an object with `openapi`, `info` and `paths`), found {}",
                    describe(document)
                ),
            )
            .in_file(path)
            .at(source.locate("")),
        ));
    };
    if let Some(swagger) = object.get("swagger") {
        return Err(Box::new(
            Diagnostic::error(
                Kind::UnsupportedVersion,
                format!(
                    "this is a Swagger {} document; specsmith reads OpenAPI 3.0",
                    swagger.as_str().unwrap_or("2.x")
                ),
            )
            .in_file(path)
            .at(source.locate("/swagger"))
            .with_suggestion("convert it to OpenAPI 3.0 first (for example with swagger2openapi)"),
        ));
    }
    let version = match object.get("openapi") {
        Some(Value::String(v)) => v.as_str(),
        Some(other) => {
            return Err(Box::new(
                Diagnostic::error(
                    Kind::InvalidDocument,
                    format!(
                        "`openapi` must be a version string such as \"3.0.3\", found {}",
                        describe(other)
                    ),
                )
                .in_file(path)
                .at(source.locate("/openapi")),
            ))
        }
        None => {
            return Err(Box::new(
                Diagnostic::error(
                    Kind::InvalidDocument,
                    "no `openapi` field: this is not an OpenAPI 3.0 document",
                )
                .in_file(path)
                .at(source.locate("")),
            ))
        }
    };
    if version.starts_with("3.0") {
        return Ok(());
    }
    let message = if version.starts_with("3.1") {
        format!("OpenAPI {version} is not supported yet; specsmith reads OpenAPI 3.0.x")
    } else {
        format!("unknown OpenAPI version {version:?}; specsmith reads OpenAPI 3.0.x")
    };
    Err(Box::new(
        Diagnostic::error(Kind::UnsupportedVersion, message)
            .in_file(path)
            .at(source.locate("/openapi")),
    ))
}

fn describe(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn check_shape(source: &SourceFile, document: &Value) -> Result<(), Box<Diagnostic>> {
    let result: Result<openapiv3::OpenAPI, _> = serde_path_to_error::deserialize(document);
    result.map(drop).map_err(|e| {
        let inner = e.inner().to_string();
        let pointer = refine_pointer(document, path_to_pointer(e.path()), &inner);
        Box::new(
            Diagnostic::error(
                Kind::InvalidDocument,
                format!("not a valid OpenAPI 3.0 document at {pointer}: {inner}"),
            )
            .in_file(source.path())
            .at(source.locate(&pointer))
            .with_pointer(pointer),
        )
    })
}

/// `openapiv3` reads `$ref`-or-object positions through untagged enums, so serde's path stops at
/// the enclosing map. When the message names the offending value (``unknown variant `x` ``),
/// point at the first place below that path where the value stands.
fn refine_pointer(document: &Value, pointer: String, message: &str) -> String {
    let Some(token) = message
        .split_once("unknown variant `")
        .and_then(|(_, rest)| rest.split_once('`'))
        .map(|(token, _)| token)
    else {
        return pointer;
    };
    fn find(value: &Value, token: &str, at: &str) -> Option<String> {
        match value {
            Value::String(s) if s == token => Some(at.to_string()),
            Value::Object(map) => map
                .iter()
                .find_map(|(k, v)| find(v, token, &crate::source::pointer_push(at, k))),
            Value::Array(items) => items
                .iter()
                .enumerate()
                .find_map(|(i, v)| find(v, token, &format!("{at}/{i}"))),
            _ => None,
        }
    }
    document
        .pointer(&pointer)
        .and_then(|v| find(v, token, &pointer))
        .unwrap_or(pointer)
}

/// `serde_path_to_error` paths (`paths./a.get.responses`) as JSON pointers.
fn path_to_pointer(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut pointer = String::new();
    for segment in path.iter() {
        match segment {
            Segment::Seq { index } => {
                pointer.push('/');
                pointer.push_str(&index.to_string());
            }
            Segment::Map { key } | Segment::Enum { variant: key } => {
                pointer = crate::source::pointer_push(&pointer, key);
            }
            Segment::Unknown => {}
        }
    }
    pointer
}

/// Lists the spec files in a directory (`*.yaml`, `*.yml`, `*.json`), sorted, for the default
/// `spec/` folder.
pub fn spec_files_in(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.is_file()
                && p.extension()
                    .and_then(|e| e.to_str())
                    .is_some_and(|e| matches!(e, "yaml" | "yml" | "json"))
        })
        .collect();
    files.sort();
    Ok(files)
}
