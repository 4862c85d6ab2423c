//! Whether `openapiv3` reads a JSON text: the load's verdict on a 3.0 document's shape, made
//! cheaper where the answer is sure.
//!
//! `openapiv3` reads every example's `value` into a `serde_json::Value` that the verdict then
//! drops; GitHub's `components/examples` are 31 % of its description (2026-12-01). [`Light`]
//! is `openapiv3::OpenAPI` with only that changed: its fields, names and types are openapiv3's
//! own, except that the examples of `components` are read by [`LightExample`], which skips
//! their values. It accepts no document that `openapiv3` refuses (each part below says why),
//! so a document it accepts is one `openapiv3` reads; any other is read by `openapiv3` itself,
//! and the verdict is the same on every document. It refuses more than `openapiv3` does only
//! where being exact would take more reading (an example that is an array, a known key
//! written twice), and those documents pay for both reads.

use indexmap::IndexMap;
use openapiv3::{
    Callback, ExternalDocumentation, Header, Info, Link, Parameter, Paths, ReferenceOr,
    RequestBody, Response, Schema, SecurityRequirement, SecurityScheme, Server, Tag,
};
use serde::de::{Deserializer, IgnoredAny, MapAccess, Visitor};
use serde::Deserialize;

/// Whether `openapiv3` reads `text` as an OpenAPI document, and its `openapi` (the version)
/// answers `is_version`.
pub(super) fn reads(text: &str, is_version: impl Fn(&str) -> bool) -> bool {
    if serde_json::from_str::<MapOnly<Light>>(text).is_ok_and(|MapOnly(l)| is_version(&l.openapi)) {
        return true;
    }
    serde_json::from_str::<openapiv3::OpenAPI>(text).is_ok_and(|api| is_version(&api.openapi))
}

/// `openapiv3::OpenAPI`'s fields, with its serde attributes. Its `extensions` are not read:
/// `openapiv3` keeps the `x-` keys as any JSON value and ignores the other unknown keys, so
/// no unknown key makes it refuse a document, and none does here. Each field is read from the
/// text rather than from serde's buffered copy (`flatten` buffers the map), which reads JSON
/// the same way.
#[derive(Deserialize)]
struct Light {
    openapi: String,
    #[serde(rename = "info")]
    _info: Info,
    #[serde(default, rename = "servers")]
    _servers: Vec<Server>,
    #[serde(rename = "paths")]
    _paths: Paths,
    #[serde(rename = "components")]
    _components: Option<MapOnly<LightComponents>>,
    #[serde(default, rename = "security")]
    _security: Option<Vec<SecurityRequirement>>,
    #[serde(default, rename = "tags")]
    _tags: Vec<Tag>,
    #[serde(rename = "externalDocs")]
    _external_docs: Option<ExternalDocumentation>,
}

/// `openapiv3::Components`, the examples read by [`LightExample`].
#[derive(Deserialize)]
struct LightComponents {
    #[serde(default, rename = "schemas")]
    _schemas: IndexMap<String, ReferenceOr<Schema>>,
    #[serde(default, rename = "responses")]
    _responses: IndexMap<String, ReferenceOr<Response>>,
    #[serde(default, rename = "parameters")]
    _parameters: IndexMap<String, ReferenceOr<Parameter>>,
    #[serde(default, rename = "examples")]
    _examples: IndexMap<String, LightExample>,
    #[serde(default, rename = "requestBodies")]
    _request_bodies: IndexMap<String, ReferenceOr<RequestBody>>,
    #[serde(default, rename = "headers")]
    _headers: IndexMap<String, ReferenceOr<Header>>,
    #[serde(default, rename = "securitySchemes")]
    _security_schemes: IndexMap<String, ReferenceOr<SecurityScheme>>,
    #[serde(default, rename = "links")]
    _links: IndexMap<String, ReferenceOr<Link>>,
    #[serde(default, rename = "callbacks")]
    _callbacks: IndexMap<String, ReferenceOr<Callback>>,
}

/// A struct read only from a JSON object. A derived `Deserialize` also reads an array, field by
/// field, which `openapiv3`'s structs with `flatten` (as `OpenAPI` and `Components`) refuse.
struct MapOnly<T>(T);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for MapOnly<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(MapOnlyVisitor(std::marker::PhantomData))
    }
}

struct MapOnlyVisitor<T>(std::marker::PhantomData<T>);

impl<'de, T: Deserialize<'de>> Visitor<'de> for MapOnlyVisitor<T> {
    type Value = MapOnly<T>;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an object")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<MapOnly<T>, A::Error> {
        T::deserialize(serde::de::value::MapAccessDeserializer::new(map)).map(MapOnly)
    }
}

/// An entry of `components/examples`, accepted only where `openapiv3`'s
/// `ReferenceOr<Example>` reads it as an `Example`: an object whose `summary`, `description`
/// and `externalValue` are strings or null, each at most once (`value` is any JSON value, and
/// `$ref` and every other key are ignored, as `Example` reads them). An array, which `Example`
/// never reads, is refused here.
struct LightExample;

impl<'de> Deserialize<'de> for LightExample {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(LightExampleVisitor)
    }
}

struct LightExampleVisitor;

impl<'de> Visitor<'de> for LightExampleVisitor {
    type Value = LightExample;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an example object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<LightExample, A::Error> {
        const TEXTS: [&str; 3] = ["summary", "description", "externalValue"];
        let mut seen = [false; 4];
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            let known = TEXTS.iter().position(|k| *k == key).or_else(|| {
                let is_value = key == "value";
                is_value.then_some(TEXTS.len())
            });
            if let Some(i) = known {
                if std::mem::replace(&mut seen[i], true) {
                    return Err(serde::de::Error::duplicate_field("example key"));
                }
            }
            match known {
                Some(i) if i < TEXTS.len() => {
                    map.next_value::<Option<String>>()?;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(LightExample)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn light(text: &str) -> bool {
        serde_json::from_str::<MapOnly<Light>>(text).is_ok()
    }

    /// Whether `openapiv3` reads `text`; a panic (its `ReferenceOr` panics on a key written
    /// twice in an object it reads as an item) counts as a refusal, as the load counts it.
    fn full(text: &str) -> bool {
        std::panic::catch_unwind(|| serde_json::from_str::<openapiv3::OpenAPI>(text).is_ok())
            .unwrap_or(false)
    }

    /// A document with `components` holding `extra`, as text.
    fn with_components(extra: &str) -> String {
        format!(
            r#"{{"openapi": "3.0.3", "info": {{"title": "t", "version": "1"}}, "paths": {{}}, "x-a": [1], "other": 2, "components": {{{extra}}}}}"#
        )
    }

    /// Every document the light read accepts, `openapiv3` accepts; where they differ, the
    /// light read refuses. Each field of the top level and of `components` is given a wrong
    /// type once, so a field the light read forgot would be caught accepting it.
    #[test]
    fn the_light_read_accepts_only_what_openapiv3_reads() {
        let top = r#"{"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {}}"#;
        let mut cases: Vec<String> = vec![
            top.to_string(),
            with_components(""),
            r#"["3.0.3", {"title": "t", "version": "1"}, [], {}, null, null, [], null]"#
                .to_string(),
        ];
        for array in ["[]", "[{}, {}, {}, {}, {}, {}, {}, {}, {}]"] {
            let mut doc: serde_json::Value = serde_json::from_str(top).expect("json");
            doc["components"] = serde_json::from_str(array).expect("json");
            cases.push(doc.to_string());
        }
        for field in [
            "openapi",
            "info",
            "servers",
            "paths",
            "components",
            "security",
            "tags",
            "externalDocs",
        ] {
            let mut doc: serde_json::Value = serde_json::from_str(top).expect("json");
            doc[field] = serde_json::json!(7);
            cases.push(doc.to_string());
        }
        for field in [
            "schemas",
            "responses",
            "parameters",
            "examples",
            "requestBodies",
            "headers",
            "securitySchemes",
            "links",
            "callbacks",
        ] {
            cases.push(with_components(&format!(r#""{field}": 7"#)));
            cases.push(with_components(&format!(r#""{field}": {{"a": 7}}"#)));
            cases.push(with_components(&format!(r#""{field}": {{}}"#)));
        }
        for example in [
            r#"{"value": {"any": [1, {"x": null}]}, "summary": "s", "x-k": 1, "other": 2}"#,
            r#"{"summary": null, "description": "d", "externalValue": "u", "value": null}"#,
            r##"{"$ref": "#/components/examples/b"}"##,
            r##"{"$ref": 5, "summary": "s"}"##,
            r##"{"$ref": "#/b", "summary": 5}"##,
            r#"{"summary": 5}"#,
            r#"{"externalValue": ["u"]}"#,
            r#"{"summary": "a", "summary": "b"}"#,
            r#"{"value": 1, "value": 2}"#,
            r#"["s", "d", 1, "u"]"#,
            r##"["#/b"]"##,
            r#""text""#,
            "null",
        ] {
            cases.push(with_components(&format!(
                r#""examples": {{"e": {example}}}"#
            )));
        }
        let mut refused = 0;
        for case in &cases {
            assert!(
                !light(case) || full(case),
                "light accepts what openapiv3 refuses: {case}"
            );
            refused += usize::from(!full(case));
        }
        assert!(refused >= 30, "the cases exercise refusals: {refused}");
    }

    /// The verdict is `openapiv3`'s on documents the light read refuses, both ways.
    #[test]
    fn the_verdict_is_openapiv3s() {
        let is_3_0 = |v: &str| v.starts_with("3.0");
        let ref_beside_bad_summary =
            with_components(r##""examples": {"e": {"$ref": "#/b", "summary": 5}}"##);
        assert!(!light(&ref_beside_bad_summary) && full(&ref_beside_bad_summary));
        assert!(reads(&ref_beside_bad_summary, is_3_0));
        let bad = with_components(r#""examples": {"e": {"summary": 5}}"#);
        assert!(!reads(&bad, is_3_0));
        let good = with_components(r#""examples": {"e": {"value": [1]}}"#);
        assert!(reads(&good, is_3_0) && !reads(&good, |v| v.starts_with("3.1")));
    }
}
