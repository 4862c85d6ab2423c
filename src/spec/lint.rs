//! `specsmith lint`: checks that a loaded spec means what it says.
//!
//! Each check reads the JSON document and the resolved model and returns located diagnostics:
//! unresolved, external and inescapably cyclic `$ref`s, duplicate `operationId`s, path template
//! variables without a parameter (and the reverse), and every `example`/`examples` value that its
//! own schema rejects. OpenAPI 3.1 documents get the same checks (webhooks and
//! `components/pathItems` included, examples judged as JSON Schema 2020-12) and one of their
//! own: a `jsonSchemaDialect` specsmith does not know.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

use serde_json::Value;

use crate::diagnostic::{Diagnostic, Kind};
use crate::pointer::{walk, Pointer, Step, Walk};
use crate::source::pointer_push;

use super::json_schema::{
    compile, to_json_schema, ConvertOptions, Direction, SUBSCHEMA_KEYS, SUBSCHEMA_LISTS,
    SUBSCHEMA_MAPS,
};
use super::model::{OpenApiVersion, Operation, ParamLocation, Spec};
use super::refs::{
    all_refs, collect_sites, component_section_of, deref, ref_of, ref_pointer, Pos, RefError, Site,
};

/// Runs every check; diagnostics come back in document order.
pub fn lint(spec: &Spec) -> Vec<Diagnostic> {
    let mut out = broken_refs(spec);
    check_external_refs(spec, &mut out);
    check_cycles(spec, &mut out);
    check_operation_ids(spec, &mut out);
    check_path_parameters(spec, &mut out);
    check_examples(spec, &mut out);
    check_dialect(spec, &mut out);
    // By file first: a multi-file spec's findings read file by file, the root's first.
    let root = spec.source.path();
    out.sort_by_cached_key(|d| {
        let file = d
            .file
            .as_deref()
            .filter(|f| *f != root)
            .map(Path::to_path_buf);
        let at = d
            .location
            .as_ref()
            .map_or((usize::MAX, 0), |l| (l.line, l.column));
        (file, at)
    });
    out
}

/// A diagnostic located at `pointer` in the spec.
pub(crate) fn located(spec: &Spec, kind: Kind, pointer: &str, message: String) -> Diagnostic {
    spec.pin(Diagnostic::error(kind, message), pointer)
}

/// Every `$ref` that cannot be followed, as located errors: the relative-file ones the loader
/// could not bundle ([`Spec::ref_problems`]), the local `#/...` ones that point at nothing
/// (`unresolved_ref`), and chains of references outside schemas that come back to themselves
/// (`cyclic_ref`). The one home of that rule: `lint` reports all of them.
pub fn broken_refs(spec: &Spec) -> Vec<Diagnostic> {
    let BrokenRefs {
        mut blocking,
        in_schemas,
    } = broken_refs_by_place(spec);
    blocking.extend(in_schemas);
    blocking
}

/// [`broken_refs`], split by what `generate` can do about them. Behind a parameter, response,
/// body, header or path item the model would lose something without a word, so `generate`
/// refuses the spec; where a schema goes, the type becomes `serde_json::Value` and the error is
/// reported beside the generated code. (A cycle of schemas is a type, not a loss:
/// [`check_cycles`] judges those.)
pub struct BrokenRefs {
    /// References whose loss would drop a parameter, response, body, header or path item.
    pub blocking: Vec<Diagnostic>,
    /// References in schema positions.
    pub in_schemas: Vec<Diagnostic>,
}

/// See [`BrokenRefs`].
pub fn broken_refs_by_place(spec: &Spec) -> BrokenRefs {
    let mut blocking = spec.ref_problems.clone();
    let mut in_schemas = spec.schema_ref_problems.clone();
    let mut sites = Vec::new();
    collect_sites(&spec.document, Pos::Root, "", &mut sites);
    local_cycles(spec, &sites, &mut blocking);
    for site in &sites {
        if let Some(d) = wrong_kind(spec, site) {
            match site.pos {
                Pos::Schema => in_schemas.push(d),
                _ => blocking.push(d),
            }
        }
    }
    for site in &sites {
        if matches!(site.pos, Pos::Data | Pos::Mapping) {
            continue;
        }
        let (pointer, reference) = (site.at.as_str(), site.reference.as_str());
        let Ok(target) = ref_pointer(reference) else {
            continue;
        };
        if spec.document.pointer(&target).is_some() {
            continue;
        }
        let mut d = located(
            spec,
            Kind::UnresolvedRef,
            &pointer_push(pointer, "$ref"),
            format!("$ref {reference:?} points at nothing: no {target} in this document"),
        );
        if let Some(hint) = closest_sibling(&spec.document, &target) {
            d = d.with_suggestion(format!("did you mean \"#{hint}\"?"));
        }
        if site.pos == Pos::Schema {
            in_schemas.push(d);
        } else {
            blocking.push(d);
        }
    }
    BrokenRefs {
        blocking,
        in_schemas,
    }
}

/// A reference to a whole component of another kind (`$ref: '#/components/schemas/Id'` where a
/// parameter goes). Every reader would take the schema for a parameter, find no `name` or `in`,
/// and drop it without a word. Only `#/components/<section>/<name>` targets are judged: a
/// pointer into a component (`#/components/parameters/id/schema` where a schema goes) is fine.
fn wrong_kind(spec: &Spec, site: &Site) -> Option<Diagnostic> {
    let expected = site.pos.component_section()?;
    let target = ref_pointer(&site.reference).ok()?;
    let section = component_section_of(&target)?;
    if !Pos::is_component_section(section) || section == expected {
        return None;
    }
    spec.document.pointer(&target)?;
    Some(located(
        spec,
        Kind::WrongRefKind,
        &pointer_push(&site.at, "$ref"),
        format!(
            "$ref {:?} points at a member of components/{section} where a member of components/{expected} belongs",
            site.reference
        ),
    ))
}

/// A reference object outside schemas whose chain of `$ref`s never reaches a definition
/// (`A: {$ref: B}`, `B: {$ref: A}`): one `cyclic_ref` per cycle, at its first member, unless the
/// loader already reported the same cycle across files.
fn local_cycles(spec: &Spec, sites: &[Site], out: &mut Vec<Diagnostic>) {
    for site in sites {
        if matches!(site.pos, Pos::Schema | Pos::Data | Pos::Mapping) {
            continue;
        }
        let Some(value) = spec.document.pointer(&site.at) else {
            continue;
        };
        let Err(RefError::Cycle(chain)) = deref(&spec.document, value, &site.at) else {
            continue;
        };
        let members: Vec<String> = chain.iter().filter_map(|r| ref_pointer(r).ok()).collect();
        // Report once, at the cycle's first member; a use of the cycle from outside is not one.
        if members.iter().min() != Some(&site.at) {
            continue;
        }
        let d = located(
            spec,
            Kind::CyclicRef,
            &site.at,
            format!(
                "$ref cycle with no definition: #{} -> {}",
                site.at,
                chain[..chain.len().saturating_sub(1)].join(" -> ")
            ),
        )
        .with_suggestion("point one of these references at the definition itself");
        let known = out
            .iter()
            .any(|o| o.kind == Kind::CyclicRef && o.file == d.file && o.location == d.location);
        if !known {
            out.push(d);
        }
    }
}

/// URLs are never fetched: each one is an `external_ref`. A relative file still here could not
/// be followed, and [`broken_refs`] reports why.
fn check_external_refs(spec: &Spec, out: &mut Vec<Diagnostic>) {
    for (pointer, reference) in all_refs(&spec.document) {
        let Err(RefError::External(r)) = ref_pointer(&reference) else {
            continue;
        };
        if !super::refs::is_url(&r) {
            continue;
        }
        out.push(
            located(
                spec,
                Kind::ExternalRef,
                &pointer_push(&pointer, "$ref"),
                format!("$ref {r:?} is a URL; specsmith never fetches URLs, it follows local references and relative files"),
            )
            .with_suggestion("save the document beside the spec and refer to it by relative path, or bundle the spec into one file (for example with `redocly bundle`)"),
        );
    }
}

/// For a missing `/components/schemas/Acount`, the existing sibling most like it.
fn closest_sibling(document: &Value, target: &str) -> Option<String> {
    let (parent, name) = target.rsplit_once('/')?;
    let siblings = document.pointer(parent)?.as_object()?;
    crate::suggest::suggest(name, siblings.keys()).map(|k| pointer_push(parent, k))
}

/// Schemas that a value must contain, so a cycle through them has no finite instance: a `$ref`,
/// an `allOf` member, a required non-nullable property, the items of a non-empty array.
fn must_contain(document: &Value, pointer: &str) -> Vec<String> {
    let Some(schema) = document.pointer(pointer) else {
        return Vec::new();
    };
    if schema.get("nullable").and_then(Value::as_bool) == Some(true) || admits_null(schema) {
        return Vec::new();
    }
    let mut out = Vec::new();
    if let Some(r) = ref_of(schema) {
        if let Ok(p) = ref_pointer(r) {
            out.push(p);
        }
        return out;
    }
    if let Some(all) = schema.get("allOf").and_then(Value::as_array) {
        for i in 0..all.len() {
            out.push(format!("{pointer}/allOf/{i}"));
        }
    }
    if let (Some(required), Some(props)) = (
        schema.get("required").and_then(Value::as_array),
        schema.get("properties").and_then(Value::as_object),
    ) {
        for name in required.iter().filter_map(Value::as_str) {
            if props.contains_key(name) {
                out.push(pointer_push(&pointer_push(pointer, "properties"), name));
            }
        }
    }
    let min_items = schema.get("minItems").and_then(Value::as_u64).unwrap_or(0);
    if min_items > 0 && schema.get("items").is_some_and(Value::is_object) {
        out.push(pointer_push(pointer, "items"));
    }
    out
}

/// 3.1's `type: [X, "null"]`: null is a finite way out of a cycle, as `nullable` is in 3.0.
fn admits_null(schema: &Value) -> bool {
    match schema.get("type") {
        Some(Value::Array(types)) => types.iter().any(|t| t == "null"),
        _ => false,
    }
}

fn check_cycles(spec: &Spec, out: &mut Vec<Diagnostic>) {
    let Some(schemas) = spec
        .document
        .pointer("/components/schemas")
        .and_then(Value::as_object)
    else {
        return;
    };
    // Iterative DFS with colours; each cycle is reported once, at its first member in document order.
    let mut state: HashMap<String, u8> = HashMap::new();
    let mut reported: BTreeSet<Vec<String>> = BTreeSet::new();
    for name in schemas.keys() {
        let start = pointer_push("/components/schemas", name);
        if state.contains_key(&start) {
            continue;
        }
        let mut stack: Vec<(String, Vec<String>, usize)> = Vec::new();
        let edges = must_contain(&spec.document, &start);
        state.insert(start.clone(), 1);
        stack.push((start, edges, 0));
        while let Some((node, edges, next)) = stack.last_mut() {
            if *next >= edges.len() {
                state.insert(node.clone(), 2);
                stack.pop();
                continue;
            }
            let target = edges[*next].clone();
            *next += 1;
            match state.get(&target).copied() {
                Some(1) => {
                    let from = stack.iter().position(|(n, _, _)| *n == target).unwrap_or(0);
                    let mut cycle: Vec<String> =
                        stack[from..].iter().map(|(n, _, _)| n.clone()).collect();
                    let mut key = cycle.clone();
                    key.sort();
                    if reported.insert(key) {
                        cycle.push(target.clone());
                        let names: Vec<String> = cycle
                            .iter()
                            .filter(|p| p.matches('/').count() == 3)
                            .map(|p| p.rsplit('/').next().unwrap_or(p).to_string())
                            .collect();
                        let at = cycle[0].clone();
                        out.push(
                            located(
                                spec,
                                Kind::CyclicRef,
                                &at,
                                format!(
                                    "schema cycle with no way out: {} (every step is a $ref, allOf member, required property or non-empty array)",
                                    if names.is_empty() { cycle.join(" -> ") } else { names.join(" -> ") }
                                ),
                            )
                            .with_suggestion(
                                "make one step optional or `nullable: true` so a finite value can exist",
                            ),
                        );
                    }
                }
                Some(_) => {}
                None => {
                    let edges = must_contain(&spec.document, &target);
                    state.insert(target.clone(), 1);
                    stack.push((target, edges, 0));
                }
            }
        }
    }
}

/// Dialects whose schemas are JSON Schema 2020-12 as specsmith compiles them: 2020-12 itself and
/// the OpenAPI 3.1 base dialect (2020-12 plus annotations such as `discriminator`).
const KNOWN_DIALECTS: [&str; 2] = [
    "https://json-schema.org/draft/2020-12/schema",
    "https://spec.openapis.org/oas/3.1/dialect/base",
];

/// A `jsonSchemaDialect` outside [`KNOWN_DIALECTS`]: the schemas are still compiled, as 2020-12,
/// which may judge them differently from what their authors meant.
fn check_dialect(spec: &Spec, out: &mut Vec<Diagnostic>) {
    let Some(dialect) = spec.json_schema_dialect.as_deref() else {
        return;
    };
    if KNOWN_DIALECTS.contains(&dialect.trim_end_matches('#')) {
        return;
    }
    let mut d = located(
        spec,
        Kind::UnknownDialect,
        "/jsonSchemaDialect",
        format!("jsonSchemaDialect {dialect:?} is not one specsmith knows; schemas are checked as JSON Schema 2020-12"),
    );
    d.severity = Kind::UnknownDialect.default_severity();
    out.push(
        match crate::suggest::suggest(dialect, KNOWN_DIALECTS.iter()) {
            Some(k) => d.with_suggestion(format!("did you mean {k:?}?")),
            None => d.with_suggestion(format!(
                "use {:?} (or leave jsonSchemaDialect out)",
                KNOWN_DIALECTS[1]
            )),
        },
    );
}

fn check_operation_ids(spec: &Spec, out: &mut Vec<Diagnostic>) {
    let mut first: BTreeMap<&str, &str> = BTreeMap::new();
    let all = spec.operations.iter().chain(&spec.webhooks);
    for op in all.filter(|o| o.explicit_id) {
        match first.get(op.id.as_str()) {
            Some(first_pointer) => out.push(
                located(
                    spec,
                    Kind::DuplicateOperationId,
                    &pointer_push(&op.pointer, "operationId"),
                    format!(
                        "operationId {:?} is used twice ({} {} here)",
                        op.id,
                        op.method.to_uppercase(),
                        op.path
                    ),
                )
                .with_note(format!("first used at {first_pointer}"))
                .with_suggestion("give each operation its own operationId"),
            ),
            None => {
                first.insert(&op.id, &op.pointer);
            }
        }
    }
}

fn check_path_parameters(spec: &Spec, out: &mut Vec<Diagnostic>) {
    for op in &spec.operations {
        let vars: Vec<&str> = op.template.variables().map(|v| v.name.as_str()).collect();
        check_repeated_variables(spec, op, &vars, out);
        check_repeated_parameters(spec, op, out);
        let firsts = vars
            .iter()
            .enumerate()
            .filter(|(i, v)| !vars[..*i].contains(v));
        for (_, var) in firsts {
            let declared = op
                .parameters
                .iter()
                .any(|p| p.location == ParamLocation::Path && p.name == *var);
            if !declared {
                out.push(
                    located(
                        spec,
                        Kind::UndeclaredPathParameter,
                        &op.pointer,
                        format!(
                            "{} {} uses {{{var}}} but declares no `in: path` parameter named {var:?}",
                            op.method.to_uppercase(),
                            op.path
                        ),
                    )
                    .with_suggestion(format!(
                        "add `- {{name: {var}, in: path, required: true, schema: {{type: string}}}}` to its parameters"
                    )),
                );
            }
        }
        for p in op
            .parameters
            .iter()
            .filter(|p| p.location == ParamLocation::Path && !vars.contains(&p.name.as_str()))
        {
            out.push(located(
                spec,
                Kind::UnusedPathParameter,
                &p.pointer,
                format!(
                    "path parameter {:?} does not appear in the path {}",
                    p.name, op.path
                ),
            ));
        }
    }
}

/// `/a/{id}/{id}`: one name cannot stand for two values, so a client cannot fill the template
/// and a router cannot tell which value the parameter has.
fn check_repeated_variables(spec: &Spec, op: &Operation, vars: &[&str], out: &mut Vec<Diagnostic>) {
    for (i, var) in vars.iter().enumerate() {
        if vars[..i].contains(var) && !vars[i + 1..].contains(var) {
            out.push(
                located(
                    spec,
                    Kind::DuplicatePathVariable,
                    &op.pointer,
                    format!(
                        "{} {} uses {{{var}}} more than once",
                        op.method.to_uppercase(),
                        op.path
                    ),
                )
                .with_suggestion("give each variable of the path its own name and parameter"),
            );
        }
    }
}

/// A parameter list naming one `name` + `in` twice (OpenAPI forbids it): which of the two
/// applies is up to each tool. Read from the document, because the model keeps only the last.
fn check_repeated_parameters(spec: &Spec, op: &Operation, out: &mut Vec<Diagnostic>) {
    let item = op.pointer.rsplit_once('/').map_or("", |(item, _)| item);
    for list in [
        pointer_push(item, "parameters"),
        pointer_push(&op.pointer, "parameters"),
    ] {
        let Some(params) = spec.document.pointer(&list).and_then(Value::as_array) else {
            continue;
        };
        let mut seen: Vec<(String, String)> = Vec::new();
        for (i, param) in params.iter().enumerate() {
            let at = format!("{list}/{i}");
            let Ok((param, _)) = deref(&spec.document, param, &at) else {
                continue;
            };
            let field = |k: &str| {
                param
                    .get(k)
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string()
            };
            let key = (field("name"), field("in"));
            if seen.contains(&key) {
                // A path-level list is shared by every method: report it once, on the first.
                let prefix = format!("{item}/");
                let first_of_item = spec
                    .operations
                    .iter()
                    .find(|o| o.pointer.starts_with(&prefix));
                if list.starts_with(&op.pointer)
                    || first_of_item.is_some_and(|o| o.pointer == op.pointer)
                {
                    out.push(
                        located(
                            spec,
                            Kind::DuplicateParameter,
                            &at,
                            format!(
                                "parameter {:?} in {} is declared twice in this list",
                                key.0, key.1
                            ),
                        )
                        .with_suggestion("remove one of the two declarations"),
                    );
                }
            } else {
                seen.push(key);
            }
        }
    }
}

fn check_examples(spec: &Spec, out: &mut Vec<Diagnostic>) {
    let doc = &spec.document;
    let mut checker = ExampleChecker {
        spec,
        compiled: HashMap::new(),
        out,
    };
    let mut seen = BTreeSet::new();
    if let Some(schemas) = doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
    {
        for name in schemas.keys() {
            checker.walk_schema(&pointer_push("/components/schemas", name), &mut seen);
        }
    }
    // Parameters, headers and media types: any object with a `schema` member.
    for holder in schema_holders(doc) {
        let schema_pointer = pointer_push(&holder, "schema");
        checker.walk_schema(&schema_pointer, &mut seen);
        let Some(object) = doc.pointer(&holder) else {
            continue;
        };
        if object.get("example").is_some() {
            checker.check(&schema_pointer, &pointer_push(&holder, "example"));
        }
        if let Some(examples) = object.get("examples").and_then(Value::as_object) {
            for (name, example) in examples {
                let example_pointer = pointer_push(&pointer_push(&holder, "examples"), name);
                let value_pointer = match ref_of(example).map(ref_pointer) {
                    Some(Ok(target)) => target,
                    Some(Err(_)) => continue,
                    None => example_pointer,
                };
                if doc
                    .pointer(&value_pointer)
                    .and_then(|e| e.get("value"))
                    .is_some()
                {
                    checker.check(&schema_pointer, &pointer_push(&value_pointer, "value"));
                }
            }
        }
    }
}

/// The pointers of the objects in `doc` with a `schema` member (parameters, headers, media
/// types), in document order.
fn schema_holders(doc: &Value) -> Vec<String> {
    let mut out = Vec::new();
    walk(doc, &mut Pointer::default(), &mut |step, node, at| {
        // Data and schemas are not walked for holders: they are checked or walked elsewhere.
        let data_or_schema = matches!(
            step,
            Step::Key("example" | "examples" | "schema" | "schemas")
        );
        let Value::Object(map) = node else {
            return Walk::Skip;
        };
        if data_or_schema {
            return Walk::Skip;
        }
        if map.get("schema").is_some_and(Value::is_object) && !at.as_str().ends_with("/properties")
        {
            out.push(at.as_str().to_string());
        }
        Walk::Descend
    });
    out
}

struct ExampleChecker<'a> {
    spec: &'a Spec,
    compiled: HashMap<String, Result<jsonschema::Validator, String>>,
    out: &'a mut Vec<Diagnostic>,
}

impl ExampleChecker<'_> {
    /// Visits a schema and its inline sub-schemas, checking each one's `example`.
    fn walk_schema(&mut self, pointer: &str, seen: &mut BTreeSet<String>) {
        if !seen.insert(pointer.to_string()) {
            return;
        }
        let Some(schema) = self.spec.document.pointer(pointer) else {
            return;
        };
        if !schema.is_object() || ref_of(schema).is_some() {
            return;
        }
        if schema.get("example").is_some() {
            self.check(pointer, &pointer_push(pointer, "example"));
        }
        // JSON Schema's `examples` (3.1): an array of values, each an example of the schema.
        let examples = match self.spec.openapi_version {
            OpenApiVersion::V3_1 => schema.get("examples").and_then(Value::as_array),
            OpenApiVersion::V3_0 => None,
        };
        if let Some(examples) = examples {
            for i in 0..examples.len() {
                self.check(
                    pointer,
                    &format!("{}/{i}", pointer_push(pointer, "examples")),
                );
            }
        }
        for key in SUBSCHEMA_MAPS {
            if let Some(children) = schema.get(key).and_then(Value::as_object) {
                for name in children.keys() {
                    self.walk_schema(&pointer_push(&pointer_push(pointer, key), name), seen);
                }
            }
        }
        for key in SUBSCHEMA_KEYS {
            if schema.get(key).is_some_and(Value::is_object) {
                self.walk_schema(&pointer_push(pointer, key), seen);
            }
        }
        for key in SUBSCHEMA_LISTS {
            if let Some(items) = schema.get(key).and_then(Value::as_array) {
                for i in 0..items.len() {
                    self.walk_schema(&format!("{pointer}/{key}/{i}"), seen);
                }
            }
        }
    }

    fn check(&mut self, schema_pointer: &str, example_pointer: &str) {
        let spec = self.spec;
        let Some(example) = spec.document.pointer(example_pointer) else {
            return;
        };
        // Examples show responses and requests alike; readOnly/writeOnly must not make them fail.
        let validator = self
            .compiled
            .entry(schema_pointer.to_string())
            .or_insert_with(|| {
                let options = ConvertOptions::new(spec.openapi_version, Direction::Request);
                let mut schema = to_json_schema(&spec.document, schema_pointer, options)
                    .ok_or_else(|| "schema not found".to_string())?;
                relax_required_flags(&mut schema);
                compile(&schema)
            });
        match validator {
            Err(message) => {
                let message = format!("schema cannot be compiled to JSON Schema: {message}");
                if !self.out.iter().any(|d| {
                    d.kind == Kind::InvalidSchema && d.pointer.as_deref() == Some(schema_pointer)
                }) {
                    self.out
                        .push(located(spec, Kind::InvalidSchema, schema_pointer, message));
                }
            }
            Ok(validator) => {
                let errors: Vec<(String, String)> = validator
                    .iter_errors(example)
                    .map(|e| (e.instance_path().to_string(), e.to_string()))
                    .take(3)
                    .collect();
                for (instance_path, message) in errors {
                    let at = format!("{example_pointer}{instance_path}");
                    let shown = if instance_path.is_empty() {
                        "example".to_string()
                    } else {
                        format!("example at {instance_path}")
                    };
                    self.out.push(
                        located(
                            spec,
                            Kind::InvalidExample,
                            &at,
                            format!("{shown} does not match its schema: {message}"),
                        )
                        .with_note(format!("schema: {schema_pointer}")),
                    );
                }
            }
        }
    }
}

/// An example may show a response (readOnly present) or a request (writeOnly present); both are
/// fine, so neither kind of property is required when checking examples.
fn relax_required_flags(schema: &mut Value) {
    match schema {
        Value::Object(map) => {
            let hidden = super::json_schema::properties_where(map, |p| {
                p.get("writeOnly").and_then(Value::as_bool) == Some(true)
            });
            super::json_schema::drop_required(map, &hidden);
            map.values_mut().for_each(relax_required_flags);
        }
        Value::Array(items) => items.iter_mut().for_each(relax_required_flags),
        _ => {}
    }
}
