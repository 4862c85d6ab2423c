//! `$ref` targets compiled once per spec and direction, shared by every schema that reaches them.
//!
//! `jsonschema` compiles a schema with everything its `$ref`s reach inlined, so GitHub's
//! `repository` and `simple-user` were compiled again for every operation whose response holds
//! one: 59 MB of validators for the 385 `GET` 200 responses of its description, eight times
//! what the schemas they reach would take once (counting allocator, 2026-11-30). Here a `$ref`
//! becomes a keyword of ours that asks the target's own validator, compiled the first time a
//! schema reaches it. References inside a cycle (a schema that reaches itself) stay `$ref`s
//! and are compiled together, since `jsonschema` must see a cycle whole.
//!
//! This shared form answers one question, whether a value is valid, which is all that most
//! bodies need. Its errors would lose their place in the body (a keyword's error stands where
//! the keyword is), so an invalid body is explained with the inlined form, compiled only for the
//! schemas that meet one (see [`super::compile::Checker`]). Where the two forms could disagree
//! — `unevaluatedProperties` sees through `$ref`, a reference that is not a pointer into the
//! document, a target that does not compile — there is no shared form, and the inlined one
//! answers both questions.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, PoisonError};

use jsonschema::{Keyword, ValidationError};
use serde_json::{Map, Value};

use crate::pointer::lookup;
use crate::spec::json_schema::{
    compile_options, convert, ConvertOptions, DIALECT, SUBSCHEMA_KEYS, SUBSCHEMA_LISTS,
    SUBSCHEMA_MAPS,
};
use crate::spec::refs::ref_pointer;

use super::tape::{TapeJson, TapeNode};

/// The keyword a shared `$ref` becomes; its value is the target's pointer.
const SHARED_REF: &str = "x-specsmith-shared-ref";

/// Keywords that make a schema's meaning depend on what its `$ref` targets evaluated: such a
/// schema has no shared form.
const SEES_THROUGH_REFS: [&str; 4] = [
    "unevaluatedProperties",
    "unevaluatedItems",
    "$dynamicRef",
    "$recursiveRef",
];

/// A compiled validator that several schemas share.
pub type Shared = Arc<jsonschema::Validator<TapeJson>>;

/// The shared targets of one spec, for values travelling one way.
pub struct Targets {
    options: ConvertOptions,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    /// The shared form of each schema compiled so far, by pointer; `None`: it has none.
    units: HashMap<String, Option<Shared>>,
    /// The pointers each schema's `$ref`s name; `None`: one names no schema of the document.
    refs: HashMap<String, Option<Vec<String>>>,
}

impl Targets {
    /// An empty registry for schemas converted with `options`.
    pub fn new(options: ConvertOptions) -> Self {
        Targets {
            options,
            state: Mutex::new(State::default()),
        }
    }

    /// The shared form of the schema at `pointer` of `document`, compiling it and what it
    /// reaches on first use; `None` when only the inlined form is exact.
    pub fn validator(&self, document: &Value, pointer: &str) -> Option<Shared> {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let mut unit = Unit {
            document,
            options: self.options,
            state: &mut state,
        };
        unit.shared(pointer)
    }
}

/// One compilation pass over a document, holding the registry's lock.
struct Unit<'a> {
    document: &'a Value,
    options: ConvertOptions,
    state: &'a mut State,
}

impl Unit<'_> {
    fn shared(&mut self, pointer: &str) -> Option<Shared> {
        if let Some(done) = self.state.units.get(pointer) {
            return done.clone();
        }
        // Marked before compiling: a target outside this schema's cycle never leads back here,
        // but if it did, the answer would be "no shared form", not endless recursion.
        self.state.units.insert(pointer.to_string(), None);
        let built = self.build(pointer);
        self.state.units.insert(pointer.to_string(), built.clone());
        built
    }

    /// Compiles the schema at `pointer` with the members of its cycle beside it and every
    /// other target compiled first and asked through [`SHARED_REF`].
    fn build(&mut self, pointer: &str) -> Option<Shared> {
        let cycle = self.cycle(pointer)?;
        let mut targets = HashMap::new();
        for member in std::iter::once(pointer).chain(cycle.iter().map(String::as_str)) {
            for target in self.refs(member)? {
                if !cycle.contains(&target) && !targets.contains_key(&target) {
                    let shared = self.shared(&target)?;
                    targets.insert(target, shared);
                }
            }
        }
        let mut root = self.shared_form(pointer, &cycle)?;
        for member in &cycle {
            let converted = self.shared_form(member, &cycle)?;
            crate::spec::json_schema::insert_at(&mut root, member, converted);
        }
        if let Value::Object(map) = &mut root {
            map.insert("$schema".to_string(), Value::String(DIALECT.to_string()));
        }
        let targets = Arc::new(targets);
        let validator = compile_options()
            .with_keyword(SHARED_REF, move |_, value, _| {
                let target = value
                    .as_str()
                    .and_then(|p| targets.get(p))
                    .ok_or_else(|| ValidationError::custom("no compiled target"))?;
                Ok(Box::new(SharedRef(Arc::clone(target)))
                    as Box<dyn for<'i> Keyword<'i, TapeJson>>)
            })
            .build(&root)
            .ok()?;
        Some(Arc::new(validator))
    }

    /// The schema at `pointer` converted, its references outside `cycle` made [`SHARED_REF`]s.
    fn shared_form(&self, pointer: &str, cycle: &HashSet<String>) -> Option<Value> {
        let mut converted = convert(lookup(self.document, pointer)?, self.options);
        each_schema(&mut converted, &mut |map| {
            if let Some(Value::String(r)) = map.get("$ref") {
                let target = ref_pointer(r).ok()?;
                if !cycle.contains(&target) {
                    map.remove("$ref");
                    map.insert(SHARED_REF.to_string(), Value::String(target));
                }
            }
            Some(())
        })?;
        Some(converted)
    }

    /// The pointers the `$ref`s of the schema at `pointer` name (each once), read from its
    /// converted form; `None` when one is not a pointer into the document or names nothing, or
    /// the schema has no shared form.
    fn refs(&mut self, pointer: &str) -> Option<Vec<String>> {
        if let Some(known) = self.state.refs.get(pointer) {
            return known.clone();
        }
        let found = self.read_refs(pointer);
        self.state.refs.insert(pointer.to_string(), found.clone());
        found
    }

    fn read_refs(&self, pointer: &str) -> Option<Vec<String>> {
        let mut converted = convert(lookup(self.document, pointer)?, self.options);
        let mut found: Vec<String> = Vec::new();
        each_schema(&mut converted, &mut |map| {
            if SEES_THROUGH_REFS
                .iter()
                .chain([&SHARED_REF])
                .any(|k| map.contains_key(*k))
            {
                return None;
            }
            if let Some(Value::String(r)) = map.get("$ref") {
                let target = ref_pointer(r).ok()?;
                lookup(self.document, &target)?;
                if !found.contains(&target) {
                    found.push(target);
                }
            }
            Some(())
        })?;
        Some(found)
    }

    /// The schemas that reach `pointer` and that `pointer` reaches (itself included when it
    /// reaches itself): empty for the usual schema, which is part of no cycle.
    fn cycle(&mut self, pointer: &str) -> Option<HashSet<String>> {
        let reached = self.reach(pointer)?;
        if !reached.contains(pointer) {
            return Some(HashSet::new());
        }
        let mut cycle = HashSet::new();
        for other in &reached {
            if other == pointer || self.reach(other)?.contains(pointer) {
                cycle.insert(other.clone());
            }
        }
        Some(cycle)
    }

    /// Every pointer reachable from `pointer` through one `$ref` or more.
    fn reach(&mut self, pointer: &str) -> Option<HashSet<String>> {
        let mut reached = HashSet::new();
        let mut pending = self.refs(pointer)?;
        while let Some(next) = pending.pop() {
            if reached.insert(next.clone()) {
                pending.extend(self.refs(&next)?);
            }
        }
        Some(reached)
    }
}

/// Calls `visit` on every schema object of a converted schema, through the keywords that hold
/// schemas (not through `enum`, `const` or `default`, whose values are data); stops at the
/// first `None`.
fn each_schema(
    schema: &mut Value,
    visit: &mut impl FnMut(&mut Map<String, Value>) -> Option<()>,
) -> Option<()> {
    let Value::Object(map) = schema else {
        return Some(());
    };
    visit(map)?;
    for (key, value) in map.iter_mut() {
        let key = key.as_str();
        if SUBSCHEMA_KEYS.contains(&key) {
            each_schema(value, visit)?;
        } else if SUBSCHEMA_LISTS.contains(&key) {
            for item in value.as_array_mut().into_iter().flatten() {
                each_schema(item, visit)?;
            }
        } else if SUBSCHEMA_MAPS.contains(&key) {
            for item in value
                .as_object_mut()
                .into_iter()
                .flat_map(|m| m.values_mut())
            {
                each_schema(item, visit)?;
            }
        }
    }
    Some(())
}

/// A `$ref` answered by its target's shared validator.
struct SharedRef(Shared);

impl<'i> Keyword<'i, TapeJson> for SharedRef {
    fn validate(&self, instance: TapeNode<'i>) -> Result<(), ValidationError<'i>> {
        if self.0.is_valid(instance) {
            Ok(())
        } else {
            Err(ValidationError::custom(
                "does not match the referenced schema",
            ))
        }
    }

    fn is_valid(&self, instance: TapeNode<'i>) -> bool {
        self.0.is_valid(instance)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::json_schema::{compile_for, to_json_schema};
    use crate::validate::tape::Tape;
    use serde_json::json;

    fn both(doc: &Value, pointer: &str) -> (Shared, jsonschema::Validator<TapeJson>) {
        let targets = Targets::new(ConvertOptions::default());
        let shared = targets.validator(doc, pointer).expect("a shared form");
        let inlined = to_json_schema(doc, pointer, ConvertOptions::default()).expect("exists");
        (shared, compile_for(&inlined).expect("compiles"))
    }

    /// The shared form agrees with the inlined one, through plain targets, a cycle, `allOf`
    /// and `nullable` beside a `$ref`.
    #[test]
    fn shared_and_inlined_forms_agree() {
        let doc = json!({"components": {"schemas": {
            "User": {"type": "object", "required": ["login"], "properties": {
                "login": {"type": "string"}, "id": {"type": "integer", "minimum": 1}}},
            "Repo": {"type": "object", "required": ["owner"], "properties": {
                "owner": {"$ref": "#/components/schemas/User"},
                "fork_of": {"allOf": [{"$ref": "#/components/schemas/Repo"}], "nullable": true},
                "tags": {"type": "array", "items": {"enum": ["a", {"$ref": "#/nowhere"}]}}}}
        }}, "list": {"type": "array", "items": {"$ref": "#/components/schemas/Repo"}}});
        let (shared, inlined) = both(&doc, "/list");
        let repo = |owner: Value| json!({"owner": owner, "fork_of": null});
        for value in [
            json!([]),
            json!([repo(json!({"login": "a", "id": 2}))]),
            json!([repo(json!({"id": 2}))]),
            json!([repo(json!({"login": "a", "id": 0}))]),
            json!([{"owner": {"login": "a"}, "fork_of": repo(json!({"login": 5}))}]),
            json!([{"owner": {"login": "a"}, "tags": ["a"]}]),
            json!([{"owner": {"login": "a"}, "tags": ["b"]}]),
            json!([{"owner": {"login": "a"}, "tags": [{"$ref": "#/nowhere"}]}]),
            json!({"owner": {"login": "a"}}),
        ] {
            let tape = Tape::from_value(&value);
            let node = tape.root("");
            assert_eq!(shared.is_valid(node), inlined.is_valid(node), "{value}");
        }
    }

    /// A target compiled for one schema is the one the next schema asks.
    #[test]
    fn targets_compile_once() {
        let doc = json!({"components": {"schemas": {"User": {"type": "object"}}},
            "a": {"$ref": "#/components/schemas/User"},
            "b": {"properties": {"u": {"$ref": "#/components/schemas/User"}}}});
        let targets = Targets::new(ConvertOptions::default());
        assert!(targets.validator(&doc, "/a").is_some());
        assert!(targets.validator(&doc, "/b").is_some());
        let state = targets.state.lock().expect("lock");
        assert_eq!(state.units.len(), 3, "a, b and User, once");
    }

    /// What only the inlined form reads right has no shared form.
    #[test]
    fn no_shared_form_where_the_forms_could_differ() {
        let doc = json!({"components": {"schemas": {"A": {"properties": {"x": {}}}}},
            "dangling": {"$ref": "#/components/schemas/Missing"},
            "outside": {"$ref": "other.yaml#/A"},
            "unevaluated": {"allOf": [{"$ref": "#/components/schemas/A"}],
                "unevaluatedProperties": false}});
        let v31 = ConvertOptions::new(
            crate::spec::model::OpenApiVersion::V3_1,
            crate::spec::json_schema::Direction::Response,
        );
        let targets = Targets::new(v31);
        for pointer in ["/dangling", "/outside", "/unevaluated"] {
            assert!(targets.validator(&doc, pointer).is_none(), "{pointer}");
        }
    }
}
