//! Reading a spec file: bytes → YAML/JSON value → version check → shape check → resolved model.
//!
//! The shape check depends on the version: 3.0 documents must deserialise into `openapiv3`'s
//! types; 3.1 documents pass [`super::shape31`]. Both then build the same [`Spec`].
//!
//! Every way a file can be unreadable ends here as one located `Diagnostic` (the run's exit 2),
//! never as a panic: a missing file, a directory, an empty file, broken syntax, a JSON array,
//! Swagger 2.0, an unknown OpenAPI version, or a document of the wrong shape.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::diagnostic::{Diagnostic, Kind};
use crate::pointer::{Pointer, Walk};
use crate::source::{SourceFile, SourceFormat};

use super::model::{self, OpenApiVersion, Spec};

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
    // The typed read is most of a big 3.0 spec's load (GitHub's: 70 of 130 ms) and needs only
    // the text: it runs beside the tree's parse, bundling and the model's build, which need the
    // other core. On GitHub's description the typed read is still the longer of the two (235 M
    // against 160 M instructions), so the model is built before waiting for it.
    // The main thread's stack size: the typed read recurses as deep as the document nests.
    const TYPED_READ_STACK: usize = 8 << 20;
    let (read_as_3_0, tree) = std::thread::scope(|scope| {
        let typed = std::thread::Builder::new()
            .stack_size(TYPED_READ_STACK)
            .spawn_scoped(scope, || reads_as_3_0(&source));
        let tree = read_tree(&source);
        // A panic inside `openapiv3`'s read (its message is on stderr) leaves the document to
        // the tree's check, which locates what is wrong, rather than ending the run.
        let read = match typed {
            Ok(typed) => typed.join().unwrap_or(false),
            Err(_) => reads_as_3_0(&source), // no thread to be had: read it here
        };
        (read, tree)
    });
    let Tree {
        spec,
        self_contained,
    } = tree?;
    if !(read_as_3_0 && self_contained) {
        check_shape(&source, &spec.document, spec.openapi_version)
            .map_err(|d| relocate(&spec.parts, d))?;
    }
    Ok(spec)
}

/// A spec read, bundled and built, before its shape is checked (the model is built from any
/// JSON value; a document of the wrong shape is refused after, and its model dropped).
struct Tree {
    spec: Spec,
    /// Whether the root names no other file (bundling then changes nothing the typed read saw).
    self_contained: bool,
}

fn read_tree(source: &SourceFile) -> Result<Tree, Box<Diagnostic>> {
    let mut document = parse_value(source)?;
    let version = check_version(source, &document)?;
    if version == OpenApiVersion::V3_1 {
        super::refs::resolve_schema_ids(&mut document);
    }
    let bundled = super::bundle::bundle(source, &mut document, &read_part);
    let mut spec = model::build(source.clone(), document, version);
    spec.parts = bundled.parts;
    spec.ref_problems = bundled.problems;
    spec.schema_ref_problems = bundled.schema_problems;
    Ok(Tree {
        spec,
        self_contained: bundled.self_contained,
    })
}

/// Whether `source` is JSON text of an OpenAPI 3.0 document that `openapiv3` reads: its shape
/// check, made from the text, so it runs beside the tree's parse and the model's build (all
/// alive at once: GitHub's 3.6 MB description peaks at 58 MB loading, 53 MB when the model
/// waited for the typed read, under the 61-62 MB of validating its traffic; 2026-11-30). The
/// text and the tree it parses to hold the same data (the tree
/// keeps the last of duplicate keys, which the typed read refuses), so a document read here
/// passes the tree's check; any other document, and any document that bundling changes, is
/// checked on its tree, which also locates what is wrong.
///
/// The version is read from the typed document; the scan for `openapi` before it only spares
/// the typed read of a 3.1 document. It skips the members before `openapi` byte-wise, where a
/// derived reader of the one field parsed the whole text (GitHub's: 30 M instructions, on the
/// load's longest thread), and whatever it answers, only the typed read lets the check be
/// skipped.
fn reads_as_3_0(source: &SourceFile) -> bool {
    let is_3_0 = |version: &str| OpenApiVersion::parse(version) == Some(OpenApiVersion::V3_0);
    if source.format() != SourceFormat::Json {
        return false;
    }
    let text = source.text();
    let declared = crate::source::json_pointer_span(text, "/openapi")
        .and_then(|span| text.get(span.value.start..span.value.end))
        .and_then(|value| serde_json::from_str::<String>(value).ok());
    if !declared.is_some_and(|v| is_3_0(&v)) {
        return false;
    }
    super::shape30::reads(text, is_3_0)
}

/// Reads a file that a `$ref` names, the way the root is read. A file that is neither YAML nor
/// JSON by its extension (a code sample, a Markdown description) is its text, one string, as
/// bundlers such as `redocly bundle` include it.
fn read_part(path: &Path) -> Result<(SourceFile, Value), Box<Diagnostic>> {
    let text = read_text(path)?;
    let format = detect_format(path, &text);
    let is_text = path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| !matches!(e.to_ascii_lowercase().as_str(), "yaml" | "yml" | "json"));
    let source = SourceFile::new(path, text, format);
    let value = if is_text {
        Value::String(source.text().to_string())
    } else {
        parse_value(&source)?
    };
    Ok((source, value))
}

/// A diagnostic located by its pointer in the root file, moved to the file that part came from.
fn relocate(parts: &super::Parts, d: Box<Diagnostic>) -> Box<Diagnostic> {
    match (&d.pointer, parts.is_multi_file()) {
        (Some(pointer), true) => {
            let pointer = pointer.clone();
            Box::new(parts.pin(*d, &pointer))
        }
        _ => d,
    }
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
                "{} is empty; expected an OpenAPI 3.0 or 3.1 document",
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
            let loc = source.location(crate::source::json_error_span(source.text(), &e));
            Box::new(
                Diagnostic::error(
                    Kind::SyntaxError,
                    format!(
                        "invalid JSON: {}",
                        crate::source::without_serde_position(&e.to_string())
                    ),
                )
                .in_file(path)
                .at(Some(loc)),
            )
        }),
        SourceFormat::Yaml => serde_yaml::from_str::<YamlJson>(source.text())
            .map(|YamlJson(value)| value)
            .map_err(|e| {
                let loc = e
                    .location()
                    .map(|l| source.location_at(l.line(), l.column()));
                Box::new(
                    Diagnostic::error(
                        Kind::SyntaxError,
                        format!(
                            "invalid YAML: {}",
                            crate::source::without_serde_position(&e.to_string())
                        ),
                    )
                    .in_file(path)
                    .at(loc),
                )
            }),
    }
}

/// A YAML document read straight into the JSON value the rest of specsmith works on.
///
/// `serde_yaml::Value` refuses integers beyond 64 bits (OpenAI's published spec has
/// `minimum: -9223372036854776000`), which JSON reads as numbers; this reader takes them as
/// `serde_json` does, as f64. YAML allows keys that JSON does not (`200:` is an integer key;
/// OpenAPI means them as strings), and merge keys (`<<: *base`) are applied as
/// `serde_yaml::Value::apply_merge` would: explicit keys win, then earlier merged maps.
struct YamlJson(Value);

impl<'de> serde::Deserialize<'de> for YamlJson {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(YamlJsonVisitor).map(YamlJson)
    }
}

struct YamlJsonVisitor;

/// A number beyond 64 bits as JSON reads it: the nearest f64.
fn wide_number(n: f64) -> Value {
    serde_json::Number::from_f64(n).map_or(Value::Null, Value::Number)
}

impl<'de> serde::de::Visitor<'de> for YamlJsonVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_i128<E>(self, v: i128) -> Result<Value, E> {
        Ok(i64::try_from(v).map_or_else(|_| wide_number(v as f64), Value::from))
    }
    fn visit_u128<E>(self, v: u128) -> Result<Value, E> {
        Ok(u64::try_from(v).map_or_else(|_| wide_number(v as f64), Value::from))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(wide_number(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(YamlJson(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut object = serde_json::Map::new();
        let mut merged = Vec::new();
        while let Some((YamlJson(key), YamlJson(value))) = map.next_entry()? {
            let key = yaml_key(key);
            if key == "<<" {
                merged.push(value);
            } else {
                object.insert(key, value);
            }
        }
        for value in merged {
            merge_into(&mut object, value);
        }
        Ok(Value::Object(object))
    }
    /// A tagged value (`!custom x`): the tag is dropped, as JSON has none.
    fn visit_enum<A: serde::de::EnumAccess<'de>>(self, data: A) -> Result<Value, A::Error> {
        use serde::de::VariantAccess;
        let (_tag, variant): (serde::de::IgnoredAny, _) = data.variant()?;
        variant.newtype_variant::<YamlJson>().map(|YamlJson(v)| v)
    }
}

/// Applies one `<<` value (a mapping or a list of mappings): keys already present win.
fn merge_into(object: &mut serde_json::Map<String, Value>, merged: Value) {
    match merged {
        Value::Object(from) => {
            for (k, v) in from {
                object.entry(k).or_insert(v);
            }
        }
        Value::Array(list) => {
            for item in list {
                merge_into(object, item);
            }
        }
        _ => {}
    }
}

/// A YAML key as the JSON key OpenAPI means: `200` → `"200"`, `true` → `"true"`.
fn yaml_key(key: Value) -> String {
    match key {
        Value::String(s) => s,
        other => other.to_string(),
    }
}

/// Which OpenAPI line the document follows, or why specsmith cannot read it.
fn check_version(source: &SourceFile, document: &Value) -> Result<OpenApiVersion, Box<Diagnostic>> {
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
                    "this is a Swagger {} document; specsmith reads OpenAPI 3.0 and 3.1",
                    swagger.as_str().unwrap_or("2.x")
                ),
            )
            .in_file(path)
            .at(source.locate("/swagger"))
            .with_suggestion(
                "convert it to OpenAPI 3 first, for example with `npx swagger2openapi spec.yaml -o openapi.yaml` or https://converter.swagger.io",
            ),
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
                    "no `openapi` field: this is not an OpenAPI 3.0 or 3.1 document",
                )
                .in_file(path)
                .at(source.locate("")),
            ))
        }
    };
    if let Some(known) = OpenApiVersion::parse(version) {
        return Ok(known);
    }
    Err(Box::new(
        Diagnostic::error(
            Kind::UnsupportedVersion,
            format!("unknown OpenAPI version {version:?}; specsmith reads OpenAPI 3.0.x and 3.1.x"),
        )
        .in_file(path)
        .at(source.locate("/openapi")),
    ))
}

/// A value's JSON type, for messages ("found an array").
pub(crate) fn describe(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Rejects a document the model cannot be built from, at the first wrong place.
fn check_shape(
    source: &SourceFile,
    document: &Value,
    version: OpenApiVersion,
) -> Result<(), Box<Diagnostic>> {
    match version {
        OpenApiVersion::V3_0 => check_openapiv3(source, document),
        OpenApiVersion::V3_1 => super::shape31::check(document).map_err(|(pointer, message)| {
            Box::new(
                Diagnostic::error(
                    Kind::InvalidDocument,
                    format!("not a valid OpenAPI 3.1 document at {pointer}: {message}"),
                )
                .in_file(source.path())
                .at(source.locate(&pointer))
                .with_pointer(pointer),
            )
        }),
    }
}

/// 3.0's shape is whatever `openapiv3` deserialises; its types are not kept (the model is built
/// from the JSON document).
fn check_openapiv3(source: &SourceFile, document: &Value) -> Result<(), Box<Diagnostic>> {
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
    let Some(below) = document.pointer(&pointer) else {
        return pointer;
    };
    let mut found = None;
    crate::pointer::walk(below, &mut Pointer::new(&pointer), &mut |_, node, at| {
        if node.as_str() == Some(token) {
            found = Some(at.as_str().to_string());
            return Walk::Stop;
        }
        Walk::Descend
    });
    found.unwrap_or(pointer)
}

/// `serde_path_to_error` paths (`paths./a.get.responses`) as JSON pointers.
fn path_to_pointer(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut pointer = Pointer::default();
    for segment in path.iter() {
        match segment {
            Segment::Seq { index } => {
                pointer.push_index(*index);
            }
            Segment::Map { key } | Segment::Enum { variant: key } => {
                pointer.push_key(key);
            }
            Segment::Unknown => {}
        }
    }
    pointer.into_string()
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

#[cfg(test)]
mod tests {
    use super::*;

    fn yaml(text: &str) -> Value {
        let source = SourceFile::new("t.yaml", text.to_string(), SourceFormat::Yaml);
        parse_value(&source).expect("parses")
    }

    /// The shape check made from JSON text agrees with the one made on the tree: a document
    /// with a duplicated key (which the typed read of the text refuses) still loads, and a
    /// wrong shape is still reported at its place.
    #[test]
    fn json_3_0_shape_checked_from_text_agrees_with_the_tree() {
        let ok = r#"{"openapi": "3.0.3", "info": {"title": "t", "version": "1", "title": "u"}, "paths": {}}"#;
        assert!(!reads_as_3_0(&SourceFile::new(
            "t.json",
            ok.to_string(),
            SourceFormat::Json
        )));
        let spec = load_str(Path::new("t.json"), ok.to_string()).expect("loads");
        assert_eq!(spec.title, "u");
        let bad = "{\n  \"openapi\": \"3.0.3\",\n  \"info\": {\"title\": \"t\", \"version\": \"1\"},\n  \"paths\": {\"/a\": {\"get\": {\"responses\": 7}}}\n}";
        let err = load_str(Path::new("t.json"), bad.to_string()).expect_err("refused");
        assert!(
            err.message
                .contains("not a valid OpenAPI 3.0 document at /paths"),
            "{}",
            err.message
        );
        assert_eq!(err.location.as_ref().map(|l| l.line), Some(4));
        let json = |text: &str| SourceFile::new("t.json", text.to_string(), SourceFormat::Json);
        let good = r#"{"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {}}"#;
        assert!(reads_as_3_0(&json(good)));
        // The version may come last; a 3.1 document is left to the tree's check.
        let last = r#"{"info": {"title": "t", "version": "1"}, "paths": {}, "openapi": "3.0.0"}"#;
        assert!(reads_as_3_0(&json(last)));
        let v31 = r#"{"openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "paths": {}}"#;
        assert!(!reads_as_3_0(&json(v31)));
        // Declared twice: the scan sees the first, the typed read refuses the duplicate.
        let twice = r#"{"openapi": "3.0.3", "openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {}}"#;
        assert!(!reads_as_3_0(&json(twice)));
    }

    /// Issue 15/16: OpenAI's `minimum: -9223372036854776000` and DigitalOcean's
    /// `maximum: 18446744073709552000` are numbers, as the same text in JSON is.
    #[test]
    fn yaml_integers_beyond_64_bits_read_as_json_reads_them() {
        let text = "a: -9223372036854776000\nb: 18446744073709552000\nc: 12345678901234567890123456789012345678901234\nd: 7\ne: -3\n";
        let got = yaml(text);
        let json: Value = serde_json::from_str(
            r#"{"a": -9223372036854776000, "b": 18446744073709552000, "c": 12345678901234567890123456789012345678901234, "d": 7, "e": -3}"#,
        )
        .expect("json");
        assert_eq!(got, json);
        assert!(got["d"].is_i64() && got["b"].is_f64());
    }

    #[test]
    fn yaml_keys_merges_and_tags_read_as_openapi_means_them() {
        let got =
            yaml("base: &b {x: 1, y: 2}\nm:\n  <<: *b\n  y: 3\n200: !tag {a: 1}\ntrue: null\n");
        assert_eq!(
            got,
            serde_json::json!({"base": {"x": 1, "y": 2}, "m": {"y": 3, "x": 1}, "200": {"a": 1}, "true": null})
        );
    }
}
