//! `$ref`s inside one document: what a reference names, following chains, finding every
//! reference, and what position in the OpenAPI tree each stands in.
//!
//! Relative-file references were already brought into the document by `bundle` when it was
//! loaded; what stays external here is a URL (never fetched, reported by lint) or a file that
//! could not be read (reported by the loader).

use std::collections::HashMap;

use crate::pointer::{walk_with, Flow, Pointer, Step};
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
        current = crate::pointer::lookup(document, &current_pointer)
            .ok_or_else(|| RefError::Missing(reference.to_string()))?;
    }
    Ok((current, current_pointer))
}

/// Every `$ref` in the document outside example and default data: the pointer of the object
/// holding it, and the reference.
pub fn all_refs(document: &Value) -> Vec<(String, String)> {
    let mut sites = Vec::new();
    collect_sites(document, Pos::Root, "", &mut sites);
    sites
        .into_iter()
        .filter(|s| !matches!(s.pos, Pos::Data | Pos::Mapping))
        .map(|s| (s.at, s.reference))
        .collect()
}

/// Each position a reference object can take the place of, and the `components` section whose
/// members belong there.
const COMPONENT_SECTIONS: [(Pos, &str); 10] = [
    (Pos::Parameter, "parameters"),
    (Pos::RequestBody, "requestBodies"),
    (Pos::Response, "responses"),
    (Pos::Header, "headers"),
    (Pos::Example, "examples"),
    (Pos::Link, "links"),
    (Pos::Callback, "callbacks"),
    (Pos::SecurityScheme, "securitySchemes"),
    (Pos::Schema, "schemas"),
    (Pos::PathItem, "pathItems"),
];

impl Pos {
    /// The `components` section whose members may stand in this position.
    pub(crate) fn component_section(self) -> Option<&'static str> {
        COMPONENT_SECTIONS
            .iter()
            .find(|(pos, _)| *pos == self)
            .map(|(_, section)| *section)
    }

    /// Whether `name` is a section of `components` that holds one kind of object.
    pub(crate) fn is_component_section(name: &str) -> bool {
        COMPONENT_SECTIONS
            .iter()
            .any(|(_, section)| *section == name)
    }
}

/// The section of a pointer to one whole component (`/components/schemas/Pet` → `schemas`);
/// `None` for anything else, a pointer into a component (`/components/schemas/Pet/items`)
/// included.
pub(crate) fn component_section_of(pointer: &str) -> Option<&str> {
    let (section, name) = pointer.strip_prefix("/components/")?.split_once('/')?;
    (!name.contains('/')).then_some(section)
}

/// A reference object (or a `discriminator.mapping` value naming a file): its bundled pointer,
/// the `$ref` text, and the position it stands in.
pub(crate) struct Site {
    /// Pointer of the reference object, or of the mapping value.
    pub at: String,
    /// The `$ref` text.
    pub reference: String,
    /// The position it stands in.
    pub pos: Pos,
}

/// Every reference object below `value` (which stands at `at`, in position `pos`). In example
/// and default data a `$ref` is a plain key, except one naming another file: bundlers
/// (`redocly bundle`, `swagger-cli`) follow those, and DigitalOcean keeps its examples so.
pub(crate) fn collect_sites(value: &Value, pos: Pos, at: &str, out: &mut Vec<Site>) {
    walk_with(
        value,
        &mut Pointer::new(at),
        pos,
        &mut |step, node, at, parent| {
            let pos = match step {
                Step::Start => *parent,
                Step::Key(key) => parent.child(key),
                Step::Index(_) => parent.child(""),
            };
            let reference = match node {
                Value::Object(_) => ref_of(node)
                    .filter(|r| pos != Pos::Data || !(r.starts_with('#') || is_url(r)))
                    .map(str::to_string),
                Value::String(name) if pos == Pos::Mapping && is_file_mapping(name) => {
                    Some(name.clone())
                }
                _ => None,
            };
            match reference {
                Some(reference) => {
                    out.push(Site {
                        at: at.as_str().to_string(),
                        reference,
                        pos,
                    });
                    Flow::Skip
                }
                None => Flow::Descend(pos),
            }
        },
    );
}

/// Whether a `discriminator.mapping` value names a file (`./Dog.yaml`, `pets.yaml#/Dog`) rather
/// than a component (`Dog`) or a local reference (`#/components/schemas/Dog`).
pub(crate) fn is_file_mapping(value: &str) -> bool {
    let lower = value.to_ascii_lowercase();
    !value.starts_with('#')
        && !is_url(value)
        && (value.contains('/')
            || value.contains('#')
            || [".yaml", ".yml", ".json"]
                .iter()
                .any(|e| lower.ends_with(e)))
}

/// What a node of an OpenAPI document is, from its place in the tree: decides where a
/// referenced target gets its home, and where `$ref` is data rather than a reference.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Pos {
    Root,
    Components,
    Paths,
    PathItem,
    Operation,
    Parameters,
    Parameter,
    RequestBodies,
    RequestBody,
    Content,
    MediaType,
    Encodings,
    Encoding,
    Responses,
    Response,
    Headers,
    Header,
    Examples,
    Example,
    Links,
    Link,
    Callbacks,
    Callback,
    SecuritySchemes,
    SecurityScheme,
    Schemas,
    Schema,
    /// A schema's `discriminator`.
    Discriminator,
    /// Its `mapping`.
    Mappings,
    /// One value of the mapping: a schema, by component name or by reference.
    Mapping,
    /// Example values, defaults, enums: a `$ref` key in them is a value.
    Data,
    /// Anything else (info, servers, extensions).
    Other,
}

impl Pos {
    /// The position of the member `key` (or of an array item, `""`) of a node in this position.
    pub(crate) fn child(self, key: &str) -> Pos {
        use Pos::*;
        match (self, key) {
            (Root, "paths" | "webhooks") => Paths,
            (Root, "components") => Components,
            (Components, "schemas") => Schemas,
            (Components, "parameters") => Parameters,
            (Components, "responses") => Responses,
            (Components, "requestBodies") => RequestBodies,
            (Components, "headers") => Headers,
            (Components, "examples") => Examples,
            (Components, "links") => Links,
            (Components, "callbacks") => Callbacks,
            (Components, "securitySchemes") => SecuritySchemes,
            (Components, "pathItems") => Paths,
            (Callback, _) => PathItem,
            (Paths, _) => PathItem,
            (PathItem | Operation, "parameters") => Parameters,
            (PathItem, m) if super::model::METHODS.contains(&m) => Operation,
            (Operation, "requestBody") => RequestBody,
            (Operation, "responses") => Responses,
            (Operation, "callbacks") => Callbacks,
            (Parameters, _) => Parameter,
            (RequestBodies, _) => RequestBody,
            (Responses, _) => Response,
            (Headers, _) => Header,
            (Examples, _) => Example,
            (Links, _) => Link,
            (Callbacks, _) => Callback,
            (SecuritySchemes, _) => SecurityScheme,
            (Schemas, _) => Schema,
            (Parameter | Header | MediaType, "schema") => Schema,
            (Parameter | Header | RequestBody | Response, "content") => Content,
            (Parameter | Header | MediaType, "examples") => Examples,
            (Content, _) => MediaType,
            (MediaType, "encoding") => Encodings,
            (Encodings, _) => Encoding,
            (Encoding | Response, "headers") => Headers,
            (Response, "links") => Links,
            (Schema, "properties" | "patternProperties" | "$defs" | "definitions") => Schemas,
            (Schema, "allOf" | "oneOf" | "anyOf" | "prefixItems") => Schemas,
            (Schema, "items" | "additionalProperties" | "not") => Schema,
            (Schema, "example" | "examples" | "default" | "enum" | "const") => Data,
            (Schema, "discriminator") => Discriminator,
            (Discriminator, "mapping") => Mappings,
            (Mappings, _) => Mapping,
            (Parameter | Header | MediaType, "example") => Data,
            (Example, "value") | (Link, _) | (Data, _) => Data,
            _ => Other,
        }
    }

    /// The position of what a reference in this position names: a mapping value names a schema.
    pub(crate) fn target(self) -> Pos {
        match self {
            Pos::Mapping => Pos::Schema,
            other => other,
        }
    }

    /// The `components` section a referenced target in this position lives in; `None` for path
    /// items and anything without one, which are copied in place (3.0 has no `pathItems`).
    pub(crate) fn section(self) -> Option<&'static str> {
        match self.target() {
            Pos::PathItem => None,
            pos => pos.component_section(),
        }
    }
}

/// `https://…`, `//host/…`, `urn:…`: never fetched. A one-letter scheme is a Windows drive.
pub(crate) fn is_url(reference: &str) -> bool {
    if reference.starts_with("//") {
        return true;
    }
    let head = reference.split(['#', '/']).next().unwrap_or("");
    head.split_once(':').is_some_and(|(scheme, _)| {
        scheme.len() > 1
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    })
}

/// Rewrites the `$ref`s of a 3.1 document that name a schema by its `$id` or `$anchor`
/// (`/components/schemas/petdetails#pet_details_id`, as the official Petstore 3.1 does) into
/// local pointers, before bundling would read them as file paths. JSON Schema 2020-12 resolves
/// them within the document; specsmith resolves every reference against the document, so an
/// identifier becomes the pointer of the schema that declares it. Only exact identifiers are
/// matched (no base-URI arithmetic); anything else is left for the bundler to judge.
pub(super) fn resolve_schema_ids(document: &mut Value) {
    let mut names = HashMap::new();
    collect_ids(document, &mut names);
    if !names.is_empty() {
        rewrite_id_refs(document, &names);
    }
}

/// `$id` → pointer, `$id#anchor` → pointer (and `#anchor` for anchors outside any `$id`).
/// One walk with one growing pointer: it runs on every 3.1 document, most of which have no
/// identifiers at all.
fn collect_ids(document: &Value, out: &mut HashMap<String, String>) {
    walk_with(
        document,
        &mut Pointer::default(),
        None,
        &mut |_, node, at, base| {
            let Value::Object(map) = node else {
                return if node.is_array() {
                    Flow::Descend(*base)
                } else {
                    Flow::Skip
                };
            };
            let id = map.get("$id").and_then(Value::as_str);
            if let Some(id) = id {
                out.entry(id.to_string())
                    .or_insert_with(|| at.as_str().to_string());
            }
            let base = id.or(*base);
            if let Some(anchor) = map.get("$anchor").and_then(Value::as_str) {
                let key = format!("{}#{anchor}", base.unwrap_or(""));
                out.entry(key).or_insert_with(|| at.as_str().to_string());
            }
            Flow::Descend(base)
        },
    );
}

fn rewrite_id_refs(value: &mut Value, names: &HashMap<String, String>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(reference)) = map.get_mut("$ref") {
                if let Some(pointer) = id_target(reference, names) {
                    *reference = format!("#{pointer}");
                }
            }
            for v in map.values_mut() {
                rewrite_id_refs(v, names);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| rewrite_id_refs(v, names)),
        _ => {}
    }
}

/// The pointer an identifier reference names: the whole identifier, or an identifier followed
/// by a JSON pointer fragment (`/x/schemas/a#/properties/b`).
fn id_target(reference: &str, names: &HashMap<String, String>) -> Option<String> {
    if reference.starts_with("#/") || reference == "#" {
        return None;
    }
    if let Some(pointer) = names.get(reference) {
        return Some(pointer.clone());
    }
    let (id, fragment) = reference.split_once('#')?;
    let base = names.get(id)?;
    fragment
        .starts_with('/')
        .then(|| format!("{base}{fragment}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_component_slot_is_a_whole_member_of_a_section() {
        assert_eq!(
            component_section_of("/components/schemas/Pet"),
            Some("schemas")
        );
        assert_eq!(
            component_section_of("/components/schemas/a~1b"),
            Some("schemas")
        );
        assert_eq!(
            component_section_of("/components/parameters/id/schema"),
            None
        );
        assert_eq!(component_section_of("/components/schemas"), None);
        assert_eq!(component_section_of("/paths/~1pets/get"), None);
    }

    fn pos_of(pointer: &str) -> Pos {
        crate::source::pointer_segments(pointer)
            .iter()
            .fold(Pos::Root, |pos, s| {
                pos.child(if s.parse::<usize>().is_ok() { "" } else { s })
            })
    }

    #[test]
    fn positions_follow_the_openapi_tree() {
        assert_eq!(pos_of("/paths/~1a"), Pos::PathItem);
        assert_eq!(pos_of("/paths/~1a/get/parameters/0"), Pos::Parameter);
        assert_eq!(pos_of("/paths/~1a/get/responses/200"), Pos::Response);
        assert_eq!(
            pos_of(
                "/paths/~1a/get/responses/200/content/application~1json/schema/properties/x/items"
            ),
            Pos::Schema
        );
        assert_eq!(
            pos_of("/paths/~1a/get/responses/200/headers/X-Rate/examples/one"),
            Pos::Example
        );
        assert_eq!(pos_of("/components/schemas/A/example/$ref"), Pos::Data);
        assert_eq!(
            pos_of("/components/callbacks/cb/{$url}/post"),
            Pos::Operation
        );
        assert_eq!(pos_of("/components/responses/R/links/l"), Pos::Link);
        assert_eq!(
            pos_of("/components/schemas/A/discriminator/mapping/dog"),
            Pos::Mapping
        );
    }

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
        let follow =
            |reference: &str| deref(&doc, &json!({"$ref": reference}), "").map(|(v, _)| v.clone());
        assert_eq!(
            follow("#/components/schemas/Sp%20ace").ok(),
            Some(json!({"type": "integer"}))
        );
        assert!(matches!(
            follow("other.yaml#/x"),
            Err(RefError::External(_))
        ));
        assert!(matches!(
            follow("#/components/schemas/Nope"),
            Err(RefError::Missing(_))
        ));
    }

    #[test]
    fn urls_are_told_from_relative_files() {
        assert!(is_url("https://example.com/a.yaml#/X"));
        assert!(is_url("//example.com/a.yaml"));
        assert!(is_url("urn:example:a"));
        assert!(!is_url("a.yaml#/X"));
        assert!(!is_url("../schemas/a.json#/X"));
        assert!(!is_url("C:/specs/a.yaml"));
    }

    #[test]
    fn schema_ids_and_anchors_become_local_pointers() {
        let mut doc = json!({"components": {"schemas": {
            "Pet": {"properties": {
                "a": {"$ref": "/components/schemas/petdetails#pet_details_id"},
                "b": {"$ref": "/components/schemas/petdetails"},
                "c": {"$ref": "/components/schemas/petdetails#/properties/id"},
                "d": {"$ref": "./other.yaml#/X"}
            }},
            "PetDetails": {
                "$id": "/components/schemas/petdetails",
                "properties": {"id": {"$anchor": "pet_details_id", "type": "integer"}}
            }
        }}});
        resolve_schema_ids(&mut doc);
        let props = &doc["components"]["schemas"]["Pet"]["properties"];
        let home = "#/components/schemas/PetDetails";
        assert_eq!(props["a"]["$ref"], format!("{home}/properties/id"));
        assert_eq!(props["b"]["$ref"], home);
        assert_eq!(props["c"]["$ref"], format!("{home}/properties/id"));
        assert_eq!(props["d"]["$ref"], "./other.yaml#/X", "a file stays a file");
    }
}
