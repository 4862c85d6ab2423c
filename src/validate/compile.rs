//! The compiled schema cache: one validator per (spec, operation, status key, media type).
//!
//! Every documented response media type gets a slot up front (a spec has a few dozen); a slot is
//! filled on first use with `OnceLock`, so compilation happens once, lazily, and the result is
//! shared by every thread without locks on the hot path. Slots whose schemas read the same share
//! one compilation (see [`Shelf`]), and the components a slot's schema reaches are compiled once
//! per spec and shared between slots (see [`super::targets`]).
//!
//! Besides the `jsonschema` validator, a slot holds [`Shapes`]: the schema's objects flattened
//! (properties merged through `$ref` and `allOf`, `required`, `additionalProperties`,
//! alternatives of `oneOf`/`anyOf`). JSON Schema treats undocumented keys as allowed, so the
//! validator never reports them; walking a body alongside its shapes finds them, and the shapes
//! are computed here once rather than per body.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use serde_json::Value;

use crate::pointer::lookup;
use crate::spec::json_schema::{compile_for, to_json_schema, ConvertOptions, Direction};
use crate::spec::refs::ref_pointer;
use crate::spec::Spec;

use super::tape::{TapeJson, TapeNode};
use super::targets::{Shared, Targets};

use crate::hash::KeyMap;

type KeyIndex = KeyMap<String, ShapeId>;

/// Index of a shape in [`Shapes`].
pub type ShapeId = usize;

/// Whether keys beyond `properties` are allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Additional {
    /// Not said: extra keys are valid JSON Schema but undocumented (reported as drift).
    Unspecified,
    /// `additionalProperties: false`.
    Forbidden,
    /// `additionalProperties: true` or a schema (the schema's shape, if any).
    Allowed(Option<ShapeId>),
}

/// JSON type bits, as in `type`.
pub mod types {
    use super::super::tape::TapeNode;
    use jsonschema::JsonType;

    /// `null`.
    pub const NULL: u8 = 1;
    /// `boolean`.
    pub const BOOLEAN: u8 = 2;
    /// `integer`.
    pub const INTEGER: u8 = 4;
    /// `number`.
    pub const NUMBER: u8 = 8;
    /// `string`.
    pub const STRING: u8 = 16;
    /// `array`.
    pub const ARRAY: u8 = 32;
    /// `object`.
    pub const OBJECT: u8 = 64;

    /// The bit of a type name.
    pub fn of_name(name: &str) -> u8 {
        match name {
            "null" => NULL,
            "boolean" => BOOLEAN,
            "integer" => INTEGER,
            "number" => NUMBER | INTEGER,
            "string" => STRING,
            "array" => ARRAY,
            "object" => OBJECT,
            _ => 0,
        }
    }

    /// The bits of the types `value` is of: an integer is a `number` too.
    pub fn of_value(value: TapeNode<'_>) -> u8 {
        use jsonschema::json::Node;
        match value.json_type() {
            JsonType::Null => NULL,
            JsonType::Boolean => BOOLEAN,
            JsonType::Number if value.number().is_some_and(|n| n.is_i64() || n.is_u64()) => {
                INTEGER | NUMBER
            }
            JsonType::Number | JsonType::Integer => NUMBER,
            JsonType::String => STRING,
            JsonType::Array => ARRAY,
            JsonType::Object => OBJECT,
        }
    }

    /// Whether `value` is of a type in `mask` (0 means any).
    pub fn admits(mask: u8, value: TapeNode<'_>) -> bool {
        overlaps(mask, of_value(value))
    }

    /// Whether a value of the types `bits` (see [`of_value`]) is of a type in `mask` (0 means
    /// any).
    pub fn overlaps(mask: u8, bits: u8) -> bool {
        mask == 0 || mask & bits != 0
    }
}

/// One schema node, flattened through `$ref` and `allOf`.
#[derive(Debug, Clone)]
pub struct Shape {
    /// Documented properties, in document order. Shared (with `index`) by the shapes that
    /// only merge one other's through `$ref` or `allOf`: a component's keys are held once.
    pub props: Arc<Vec<(String, ShapeId)>>,
    index: Arc<KeyIndex>,
    /// `required`.
    pub required: Arc<Vec<String>>,
    /// `additionalProperties`, or else `unevaluatedProperties` (2020-12).
    pub additional: Additional,
    /// `patternProperties` (2020-12; 3.0 has none): keys matching one are documented. A pattern
    /// the `regex` crate cannot read matches every key, so it never invents an unknown key.
    pub patterns: Vec<(Option<regex::Regex>, ShapeId)>,
    /// `items` (in 2020-12, the items after `prefixItems`).
    pub items: Option<ShapeId>,
    /// `prefixItems` (2020-12): the shapes of the first items, by position.
    pub prefix_items: Vec<ShapeId>,
    /// `oneOf`/`anyOf` branches.
    pub alternatives: Vec<ShapeId>,
    /// Allowed types (0: any).
    pub types: u8,
    links: Vec<ShapeId>,
    /// Schemas that may apply (`if`/`then`/`else`, `dependentSchemas`): the keys they document
    /// are documented here too, but what they require is not required.
    soft_links: Vec<ShapeId>,
}

impl Shape {
    fn empty() -> Self {
        Shape {
            props: Arc::default(),
            index: Arc::default(),
            required: Arc::default(),
            additional: Additional::Unspecified,
            patterns: Vec::new(),
            items: None,
            prefix_items: Vec::new(),
            alternatives: Vec::new(),
            types: 0,
            links: Vec::new(),
            soft_links: Vec::new(),
        }
    }

    /// The shape of property `key`, if documented. Inlined: the unknown-key walk asks this for
    /// every member of every body, and a call per lookup showed as +0.7 % of Kommo's
    /// instructions when the code around it moved.
    #[inline]
    pub fn prop(&self, key: &str) -> Option<ShapeId> {
        self.index.get(key).copied()
    }

    /// The shape of the first `patternProperties` entry whose pattern matches `key`.
    pub fn pattern_prop(&self, key: &str) -> Option<ShapeId> {
        self.patterns
            .iter()
            .find(|(re, _)| re.as_ref().is_none_or(|re| re.is_match(key)))
            .map(|(_, id)| *id)
    }

    /// The shape of item `index` of an array: its `prefixItems` entry, else `items`.
    pub fn item(&self, index: usize) -> Option<ShapeId> {
        self.prefix_items.get(index).copied().or(self.items)
    }

    /// Whether this object says nothing about its keys (no properties, no branches): any key is
    /// fine, as in `type: object` placeholders.
    pub fn free_form(&self) -> bool {
        self.props.is_empty() && self.alternatives.is_empty() && self.patterns.is_empty()
    }
}

/// The shapes of one compiled schema.
#[derive(Debug, Clone)]
pub struct Shapes {
    nodes: Vec<Shape>,
}

impl Shapes {
    /// Builds the shapes of a converted schema document; returns them and the root's id.
    pub fn build(root: &Value) -> (Shapes, ShapeId) {
        let mut builder = Builder {
            root,
            nodes: Vec::new(),
            memo: KeyMap::default(),
        };
        let id = builder.node(root);
        let nodes = builder.nodes.into_iter();
        let mut shapes = Shapes {
            nodes: nodes.map(|n| n.unwrap_or_else(Shape::empty)).collect(),
        };
        let id = shapes.share_leaves(id);
        shapes.flatten();
        (shapes, id)
    }

    /// Keeps one shape for each kind of leaf (a `{type: string}` property, say: no properties,
    /// items, branches or references), where the schema has one per property: nothing tells
    /// two equal leaves apart (coverage marks properties, which leaves have none). Runs before
    /// [`Shapes::flatten`], which shares what it merges. Returns the new id of `root`.
    fn share_leaves(&mut self, root: ShapeId) -> ShapeId {
        let mut canonical: HashMap<(u8, Additional), ShapeId> = HashMap::new();
        let mut new_id = Vec::with_capacity(self.nodes.len());
        let mut kept = Vec::with_capacity(self.nodes.len());
        for (id, shape) in std::mem::take(&mut self.nodes).into_iter().enumerate() {
            if let Some(key) = shape.leaf_key() {
                if let Some(&same) = canonical.get(&key) {
                    new_id.push(same);
                    continue;
                }
                canonical.insert(key, kept.len());
            }
            debug_assert_eq!(new_id.len(), id);
            new_id.push(kept.len());
            kept.push(shape);
        }
        for shape in &mut kept {
            shape.renumber(&new_id);
        }
        self.nodes = kept;
        new_id[root]
    }

    /// The shape with `id`.
    pub fn get(&self, id: ShapeId) -> &Shape {
        &self.nodes[id]
    }

    /// How many shapes there are (ids are `0..len`).
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    fn flatten(&mut self) {
        let mut done: Vec<Option<Shape>> = vec![None; self.nodes.len()];
        for id in 0..self.nodes.len() {
            let mut visiting = HashSet::new();
            self.flatten_one(id, &mut done, &mut visiting);
        }
        self.nodes = done
            .into_iter()
            .zip(std::mem::take(&mut self.nodes))
            .map(|(d, n)| d.unwrap_or(n))
            .collect();
    }

    /// Flattens shape `id` into `done[id]`, its links first. A link met again inside its own
    /// flattening (a cycle through `allOf`/`$ref`) lends what is known so far: its shape as
    /// built. Links are read in place, not copied: a copy per link and per node was a fifth of
    /// building GitHub's shapes.
    fn flatten_one(
        &self,
        id: ShapeId,
        done: &mut Vec<Option<Shape>>,
        visiting: &mut HashSet<ShapeId>,
    ) {
        if done[id].is_some() || !visiting.insert(id) {
            return;
        }
        let mut shape = self.nodes[id].clone();
        for &link in &self.nodes[id].links {
            self.flatten_one(link, done, visiting);
            let other = done[link].as_ref().unwrap_or(&self.nodes[link]);
            shape.merge_props(other);
            if shape.required.is_empty() {
                shape.required = Arc::clone(&other.required);
            }
            for r in other.required.iter() {
                if !shape.required.contains(r) {
                    Arc::make_mut(&mut shape.required).push(r.clone());
                }
            }
            shape.additional = match (shape.additional, other.additional) {
                (Additional::Forbidden, _) | (_, Additional::Forbidden) => Additional::Forbidden,
                (Additional::Allowed(a), _) => Additional::Allowed(a),
                (_, b) => b,
            };
            shape.items = shape.items.or(other.items);
            if shape.prefix_items.is_empty() {
                shape.prefix_items = other.prefix_items.clone();
            }
            shape
                .alternatives
                .extend(other.alternatives.iter().copied());
            shape.types = match (shape.types, other.types) {
                (0, t) | (t, 0) => t,
                (a, b) => a & b,
            };
        }
        for &link in &self.nodes[id].soft_links {
            self.flatten_one(link, done, visiting);
            let other = done[link].as_ref().unwrap_or(&self.nodes[link]);
            shape.merge_props(other);
        }
        shape.links.clear();
        shape.soft_links.clear();
        visiting.remove(&id);
        done[id] = Some(shape);
    }

    /// The shapes that describe `value` at `id`: the node, then the `oneOf`/`anyOf` branch that
    /// fits `value` best, and so on down nested branches (at most [`View::MAX`] deep). No
    /// allocation: this runs for every object of every body.
    pub fn view(&self, id: ShapeId, value: TapeNode<'_>) -> View {
        let mut view = View {
            ids: [0; View::MAX],
            len: 0,
        };
        let mut current = id;
        while view.len < View::MAX {
            view.ids[view.len] = current;
            view.len += 1;
            let shape = &self.nodes[current];
            if shape.alternatives.is_empty() {
                break;
            }
            match self.best_branch(&shape.alternatives, value) {
                Some(b) => current = b,
                None => break,
            }
        }
        view
    }

    /// The branch that fits `value` best: its type admits it, and (for objects) it documents the
    /// most of the value's keys and misses the fewest of its required ones.
    pub fn best_branch(&self, branches: &[ShapeId], value: TapeNode<'_>) -> Option<ShapeId> {
        let mut best: Option<(i64, ShapeId)> = None;
        for &b in branches {
            let shape = &self.nodes[b];
            if !types::admits(shape.types, value) {
                continue;
            }
            let score = if value.is_object() {
                let known = value
                    .members()
                    .filter(|(k, _)| shape.index.contains_key(*k))
                    .count() as i64;
                let missing = shape
                    .required
                    .iter()
                    .filter(|r| value.get(r).is_none())
                    .count() as i64;
                known * 2 - missing * 3
            } else {
                0
            };
            if best.is_none_or(|(s, _)| score > s) {
                best = Some((score, b));
            }
        }
        best.map(|(_, b)| b)
    }
}

impl Shape {
    /// What tells this shape from another when it is a leaf; `None` for any other shape.
    fn leaf_key(&self) -> Option<(u8, Additional)> {
        let leaf = self.props.is_empty()
            && self.required.is_empty()
            && self.patterns.is_empty()
            && self.items.is_none()
            && self.prefix_items.is_empty()
            && self.alternatives.is_empty()
            && self.links.is_empty()
            && self.soft_links.is_empty()
            && !matches!(self.additional, Additional::Allowed(Some(_)));
        leaf.then_some((self.types, self.additional))
    }

    /// Rewrites every shape id this shape holds through `new_id`.
    fn renumber(&mut self, new_id: &[ShapeId]) {
        let ids = Arc::make_mut(&mut self.props)
            .iter_mut()
            .map(|(_, id)| id)
            .chain(Arc::make_mut(&mut self.index).values_mut())
            .chain(self.patterns.iter_mut().map(|(_, id)| id))
            .chain(self.items.iter_mut())
            .chain(self.prefix_items.iter_mut())
            .chain(self.alternatives.iter_mut())
            .chain(self.links.iter_mut())
            .chain(self.soft_links.iter_mut());
        for id in ids {
            *id = new_id[*id];
        }
        if let Additional::Allowed(Some(id)) = &mut self.additional {
            *id = new_id[*id];
        }
    }

    /// Takes the keys `other` documents (properties and patterns) that this shape lacks.
    fn merge_props(&mut self, other: &Shape) {
        if self.props.is_empty() {
            self.props = Arc::clone(&other.props);
            self.index = Arc::clone(&other.index);
        }
        for (k, v) in other.props.iter() {
            if !self.index.contains_key(k) {
                Arc::make_mut(&mut self.index).insert(k.clone(), *v);
                Arc::make_mut(&mut self.props).push((k.clone(), *v));
            }
        }
        self.patterns.extend(other.patterns.iter().cloned());
    }
}

struct Builder<'a> {
    root: &'a Value,
    /// `None` while a node's children are built (an empty shape costs three allocations).
    nodes: Vec<Option<Shape>>,
    memo: KeyMap<*const Value, ShapeId>,
}

/// The keywords of one schema object that shapes read, found in one pass over its members:
/// looking each of sixteen up by hash was most of building GitHub's shapes (485 K lookups for
/// its first 3,000 exchanges).
#[derive(Default)]
struct Keywords<'a> {
    reference: Option<&'a Value>,
    all_of: Option<&'a Value>,
    one_of: Option<&'a Value>,
    any_of: Option<&'a Value>,
    properties: Option<&'a Value>,
    required: Option<&'a Value>,
    additional: Option<&'a Value>,
    unevaluated: Option<&'a Value>,
    items: Option<&'a Value>,
    types: Option<&'a Value>,
    pattern_properties: Option<&'a Value>,
    prefix_items: Option<&'a Value>,
    if_then_else: [Option<&'a Value>; 3],
    dependent_schemas: Option<&'a Value>,
}

impl<'a> Keywords<'a> {
    fn of(map: &'a serde_json::Map<String, Value>) -> Self {
        let mut k = Keywords::default();
        for (key, value) in map {
            let slot = match key.as_str() {
                "$ref" => &mut k.reference,
                "allOf" => &mut k.all_of,
                "oneOf" => &mut k.one_of,
                "anyOf" => &mut k.any_of,
                "properties" => &mut k.properties,
                "required" => &mut k.required,
                "additionalProperties" => &mut k.additional,
                "unevaluatedProperties" => &mut k.unevaluated,
                "items" => &mut k.items,
                "type" => &mut k.types,
                "patternProperties" => &mut k.pattern_properties,
                "prefixItems" => &mut k.prefix_items,
                "if" => &mut k.if_then_else[0],
                "then" => &mut k.if_then_else[1],
                "else" => &mut k.if_then_else[2],
                "dependentSchemas" => &mut k.dependent_schemas,
                _ => continue,
            };
            *slot = Some(value);
        }
        k
    }
}

impl<'a> Builder<'a> {
    fn node(&mut self, value: &'a Value) -> ShapeId {
        let key = value as *const Value;
        if let Some(&id) = self.memo.get(&key) {
            return id;
        }
        let id = self.nodes.len();
        self.nodes.push(None);
        self.memo.insert(key, id);
        let mut shape = Shape::empty();
        match value {
            Value::Bool(true) => shape.additional = Additional::Allowed(None),
            Value::Object(map) => self.object(&Keywords::of(map), &mut shape),
            _ => {}
        }
        self.nodes[id] = Some(shape);
        id
    }

    /// The shape of a schema object. Children get their ids in the order the keywords are read
    /// here.
    fn object(&mut self, k: &Keywords<'a>, shape: &mut Shape) {
        if let Some(Value::String(r)) = k.reference {
            if let Some(target) = ref_pointer(r).ok().and_then(|p| lookup(self.root, &p)) {
                let t = self.node(target);
                shape.links.push(t);
            }
        }
        if let Some(Value::Array(all)) = k.all_of {
            for member in all {
                let m = self.node(member);
                shape.links.push(m);
            }
        }
        for branches in [k.one_of, k.any_of] {
            if let Some(Value::Array(branches)) = branches {
                for b in branches {
                    let b = self.node(b);
                    shape.alternatives.push(b);
                }
            }
        }
        if let Some(Value::Object(props)) = k.properties {
            for (k, v) in props {
                let p = self.node(v);
                Arc::make_mut(&mut shape.index).insert(k.clone(), p);
                Arc::make_mut(&mut shape.props).push((k.clone(), p));
            }
        }
        if let Some(Value::Array(req)) = k.required {
            shape.required = Arc::new(
                req.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect(),
            );
        }
        shape.additional = self.additional(k.additional);
        if shape.additional == Additional::Unspecified {
            shape.additional = self.additional(k.unevaluated);
        }
        if let Some(items @ (Value::Object(_) | Value::Bool(_))) = k.items {
            shape.items = Some(self.node(items));
        }
        self.node_2020_12(k, shape);
        shape.types = match k.types {
            Some(Value::String(t)) => types::of_name(t),
            Some(Value::Array(ts)) => ts
                .iter()
                .filter_map(Value::as_str)
                .map(types::of_name)
                .fold(0, |a, b| a | b),
            _ => 0,
        };
    }

    fn additional(&mut self, value: Option<&'a Value>) -> Additional {
        match value {
            Some(Value::Bool(false)) => Additional::Forbidden,
            Some(Value::Bool(true)) => Additional::Allowed(None),
            Some(v @ Value::Object(_)) => Additional::Allowed(Some(self.node(v))),
            _ => Additional::Unspecified,
        }
    }

    /// The keywords only 2020-12 (OpenAPI 3.1) schemas carry.
    fn node_2020_12(&mut self, k: &Keywords<'a>, shape: &mut Shape) {
        if let Some(Value::Object(patterns)) = k.pattern_properties {
            for (pattern, schema) in patterns {
                let id = self.node(schema);
                shape.patterns.push((regex::Regex::new(pattern).ok(), id));
            }
        }
        if let Some(Value::Array(prefix)) = k.prefix_items {
            shape.prefix_items = prefix.iter().map(|s| self.node(s)).collect();
        }
        for schema in k.if_then_else.into_iter().flatten() {
            let id = self.node(schema);
            shape.soft_links.push(id);
        }
        if let Some(Value::Object(dependent)) = k.dependent_schemas {
            for schema in dependent.values() {
                let id = self.node(schema);
                shape.soft_links.push(id);
            }
        }
    }
}

/// Where the schema documents each key: `entity_names` → `/_embedded/entity_names`, for telling
/// a moved property from an unknown one. Array items and additional properties read `*`.
pub fn documented_at(shapes: &Shapes, root: ShapeId) -> HashMap<String, Vec<(String, ShapeId)>> {
    let mut out: HashMap<String, Vec<(String, ShapeId)>> = HashMap::new();
    shapes.each_property(root, 12, |id, i, path| {
        let (key, child) = &shapes.get(id).props[i];
        out.entry(key.clone())
            .or_default()
            .push((path.to_string(), *child));
        true
    });
    out
}

impl Shapes {
    /// Visits every documented property reachable from `root`, breadth first, each shape once
    /// (recursive schemas end) and at most `max_depth` levels down: `visit(shape, position of the
    /// property among its props, pointer)` returns whether to descend into the property's
    /// value. Array items and additional properties read `*` in the pointer; `oneOf`/`anyOf`
    /// branches share their parent's.
    pub fn each_property(
        &self,
        root: ShapeId,
        max_depth: usize,
        mut visit: impl FnMut(ShapeId, usize, &str) -> bool,
    ) {
        let mut seen = HashSet::new();
        let mut queue = std::collections::VecDeque::from([(root, String::new(), 0usize)]);
        while let Some((id, at, depth)) = queue.pop_front() {
            if depth > max_depth || !seen.insert(id) {
                continue;
            }
            let shape = self.get(id);
            for (i, (k, v)) in shape.props.iter().enumerate() {
                let path = crate::source::pointer_push(&at, k);
                if visit(id, i, &path) {
                    queue.push_back((*v, path, depth + 1));
                }
            }
            for items in shape.items.iter().chain(&shape.prefix_items) {
                queue.push_back((*items, format!("{at}/*"), depth + 1));
            }
            if let Additional::Allowed(Some(a)) = shape.additional {
                queue.push_back((a, format!("{at}/*"), depth + 1));
            }
            for &b in &shape.alternatives {
                queue.push_back((b, at.clone(), depth + 1));
            }
        }
    }
}

/// The shapes that apply to one value (see [`Shapes::view`]).
#[derive(Debug, Clone, Copy)]
pub struct View {
    ids: [ShapeId; View::MAX],
    len: usize,
}

impl View {
    /// How deep nested `oneOf`/`anyOf` branches are followed.
    pub const MAX: usize = 4;
}

impl std::ops::Deref for View {
    type Target = [ShapeId];

    fn deref(&self) -> &[ShapeId] {
        &self.ids[..self.len]
    }
}

/// What one schema compiles to.
pub struct Compiled<'s> {
    /// The validator, or why the schema would not compile.
    pub validator: Result<Checker<'s>, String>,
    /// The flattened shapes for the unknown-key walk.
    pub shapes: Shapes,
    /// The root shape.
    pub root: ShapeId,
    /// Where each key is documented (see [`documented_at`]): read only to judge an unknown key,
    /// so built the first time one turns up.
    documented: OnceLock<HashMap<String, Vec<(String, ShapeId)>>>,
}

impl<'s> Compiled<'s> {
    /// Converts and compiles the schema at `pointer` of `spec`, read in the spec's dialect, its
    /// `$ref` targets shared through `targets`.
    pub fn new(spec: &'s Spec, pointer: &str, targets: &Targets) -> Self {
        let options = ConvertOptions::new(spec.openapi_version, Direction::Response);
        let schema = inlined(&spec.document, pointer, options);
        let source = Source {
            document: &spec.document,
            pointer: pointer.to_string(),
            options,
        };
        let validator = match targets.validator(&spec.document, pointer) {
            Some(shared) => Ok(Checker {
                shared: Some(shared),
                source,
                inlined: OnceLock::new(),
            }),
            None => compile_for(&schema).map(|v| Checker {
                shared: None,
                source,
                inlined: OnceLock::from(Ok(v)),
            }),
        };
        let (shapes, root) = Shapes::build(&schema);
        Compiled {
            validator,
            shapes,
            root,
            documented: OnceLock::new(),
        }
    }

    /// Where each key is documented in this schema (see [`documented_at`]).
    pub fn documented(&self) -> &HashMap<String, Vec<(String, ShapeId)>> {
        self.documented
            .get_or_init(|| documented_at(&self.shapes, self.root))
    }

    /// Why the schema did not compile, if it did not.
    fn failure(&self) -> Option<&str> {
        match &self.validator {
            Err(e) => Some(e),
            Ok(checker) => checker.inlined.get()?.as_ref().err().map(String::as_str),
        }
    }
}

/// The schema at `pointer` converted with every target it reaches attached (the inlined form);
/// `true` when nothing stands there.
fn inlined(document: &Value, pointer: &str, options: ConvertOptions) -> Value {
    to_json_schema(document, pointer, options).unwrap_or(Value::Bool(true))
}

/// Where a schema stands, to compile its inlined form when it is first needed.
struct Source<'s> {
    document: &'s Value,
    pointer: String,
    options: ConvertOptions,
}

/// A schema's `jsonschema` validators: the shared form (see [`super::targets`]) says whether
/// a value is valid; the inlined form, compiled the first time a value is not, says why.
pub struct Checker<'s> {
    shared: Option<Shared>,
    source: Source<'s>,
    inlined: OnceLock<Result<jsonschema::Validator<TapeJson>, String>>,
}

impl Checker<'_> {
    /// Whether `value` is valid.
    pub fn is_valid(&self, value: TapeNode<'_>) -> bool {
        match &self.shared {
            Some(shared) => shared.is_valid(value),
            None => self.inlined().is_none_or(|v| v.is_valid(value)),
        }
    }

    /// Every error of `value`, each at its place in the body.
    pub fn iter_errors<'i>(
        &'i self,
        value: TapeNode<'i>,
    ) -> impl Iterator<Item = jsonschema::ValidationError<'i>> + 'i {
        self.inlined()
            .into_iter()
            .flat_map(move |v| v.iter_errors(value))
    }

    fn inlined(&self) -> Option<&jsonschema::Validator<TapeJson>> {
        self.inlined
            .get_or_init(|| {
                let Source {
                    document,
                    pointer,
                    options,
                } = &self.source;
                compile_for(&inlined(document, pointer, *options))
            })
            .as_ref()
            .ok()
    }
}

/// A slot address: where one response media type stands among the run's specs, by index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SlotKey {
    /// The spec, in the run's order.
    pub spec: usize,
    /// The operation, in [`Spec::operations`].
    pub operation: usize,
    /// The response, in the operation's `responses`.
    pub response: usize,
    /// The media type, in the response's `content`.
    pub media: usize,
}

/// One schema of a spec, compiled on first use by whichever thread needs it first.
struct Slot<'s> {
    spec: usize,
    pointer: String,
    cell: OnceLock<Arc<Compiled<'s>>>,
}

impl<'s> Slot<'s> {
    fn new(spec: usize, pointer: &str) -> Self {
        Slot {
            spec,
            pointer: pointer.to_string(),
            cell: OnceLock::new(),
        }
    }

    fn compiled(&self, specs: &'s [Spec], shelves: &[Shelf<'s>]) -> &Compiled<'s> {
        self.cell
            .get_or_init(|| shelves[self.spec].compile(&specs[self.spec], &self.pointer))
    }

    /// Why the schema did not compile, if it was used and failed.
    fn failure(&self) -> Option<&str> {
        self.cell.get()?.failure()
    }
}

/// What the slots of one spec share: its `$ref` targets' validators (responses and requests
/// are compiled alike, as responses), and each schema's compilation, by the schema's text.
///
/// Slots whose schemas read the same compile to the same thing: conversion, shapes and
/// validators depend on the schema and the document, not on where the schema stands (a `$ref`
/// is absolute; the inlined form attaches the same targets). GitHub's traffic used 436 slots
/// of 226 distinct schemas: `{"type": "integer"}` parameters, `{"$ref": ".../basic-error"}`
/// written out in each operation (2026-11-30). A slot still has its own cell, so what was
/// used (coverage, the slots reported as not compiling) is still counted per slot.
struct Shelf<'s> {
    targets: Targets,
    by_text: Mutex<KeyMap<String, Arc<OnceLock<Arc<Compiled<'s>>>>>>,
}

impl<'s> Shelf<'s> {
    /// One per spec.
    fn of(specs: &[Spec]) -> Vec<Shelf<'s>> {
        specs
            .iter()
            .map(|spec| Shelf {
                targets: Targets::new(ConvertOptions::new(
                    spec.openapi_version,
                    Direction::Response,
                )),
                by_text: Mutex::default(),
            })
            .collect()
    }

    /// The compilation of the schema at `pointer`, shared with every schema that reads the
    /// same. The lock is held only to find the schema's cell: two threads that need one
    /// schema wait for one compilation, and different schemas compile at once.
    fn compile(&self, spec: &'s Spec, pointer: &str) -> Arc<Compiled<'s>> {
        let compile = || Arc::new(Compiled::new(spec, pointer, &self.targets));
        let Some(text) = spec.at(pointer).map(Value::to_string) else {
            return compile();
        };
        let cell = Arc::clone(
            self.by_text
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .entry(text)
                .or_default(),
        );
        Arc::clone(cell.get_or_init(compile))
    }
}

/// Every response media type of the run's specs, each compiled on first use.
pub struct Cache<'s> {
    index: KeyMap<SlotKey, usize>,
    slots: Vec<(SlotKey, Slot<'s>)>,
    shelves: Vec<Shelf<'s>>,
}

impl<'s> Cache<'s> {
    /// A slot for every media type with a schema.
    pub fn new(specs: &[Spec]) -> Self {
        let mut index = KeyMap::default();
        let mut slots = Vec::new();
        for (s, spec) in specs.iter().enumerate() {
            for (o, op) in spec.operations.iter().enumerate() {
                for (r, response) in op.responses.iter().enumerate() {
                    for (m, media) in response.content.iter().enumerate() {
                        if let Some(schema) = &media.schema {
                            let key = SlotKey {
                                spec: s,
                                operation: o,
                                response: r,
                                media: m,
                            };
                            index.insert(key, slots.len());
                            slots.push((key, Slot::new(s, &schema.pointer)));
                        }
                    }
                }
            }
        }
        Cache {
            index,
            slots,
            shelves: Shelf::of(specs),
        }
    }

    /// The compiled schema of a slot, compiling it on first use; `None` when the media type has
    /// no schema.
    pub fn get(&self, specs: &'s [Spec], key: SlotKey) -> Option<&Compiled<'s>> {
        let &i = self.index.get(&key)?;
        Some(self.slots[i].1.compiled(specs, &self.shelves))
    }

    /// The position of a slot, for tables kept beside the cache; `None` without a schema.
    pub fn position(&self, key: SlotKey) -> Option<usize> {
        self.index.get(&key).copied()
    }

    /// How many slots there are.
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// The slots compiled so far (used by at least one exchange), with their position.
    pub fn used(&self) -> impl Iterator<Item = (usize, SlotKey, &Compiled<'s>)> {
        self.slots
            .iter()
            .enumerate()
            .filter_map(|(i, (key, slot))| Some((i, *key, &**slot.cell.get()?)))
    }

    /// The slots that were used and whose schema did not compile, with the error.
    pub fn failures(&self) -> impl Iterator<Item = (SlotKey, &str, &str)> + use<'_, 's> {
        self.slots
            .iter()
            .filter_map(|(key, slot)| Some((*key, slot.pointer.as_str(), slot.failure()?)))
    }
}

/// The request side's schemas: every parameter schema and request body media type schema of the
/// run's specs, keyed by (spec, schema pointer), each compiled on first use and shared by every
/// thread like the response slots. Parameters shared through `$ref` (EspoCRM's `maxSize` in
/// three operations) have one pointer, so one compilation.
pub struct RequestCache<'s> {
    /// Per spec: schema pointer → slot.
    index: Vec<KeyMap<String, usize>>,
    slots: Vec<Slot<'s>>,
    shelves: Vec<Shelf<'s>>,
}

impl<'s> RequestCache<'s> {
    /// A slot for every parameter and request body schema.
    pub fn new(specs: &[Spec]) -> Self {
        let mut cache = RequestCache {
            index: vec![KeyMap::default(); specs.len()],
            slots: Vec::new(),
            shelves: Shelf::of(specs),
        };
        for (s, spec) in specs.iter().enumerate() {
            for op in &spec.operations {
                let params = op.parameters.iter().filter_map(|p| p.schema.as_ref());
                let bodies = op
                    .request_body
                    .iter()
                    .flat_map(|b| b.content.iter().filter_map(|m| m.schema.as_ref()));
                for schema in params.chain(bodies) {
                    if !cache.index[s].contains_key(&schema.pointer) {
                        cache.index[s].insert(schema.pointer.clone(), cache.slots.len());
                        cache.slots.push(Slot::new(s, &schema.pointer));
                    }
                }
            }
        }
        cache
    }

    /// The compiled schema at `pointer` of spec `s`, compiling it on first use; `None` for a
    /// pointer that is not a parameter or request body schema.
    pub fn get(&self, specs: &'s [Spec], s: usize, pointer: &str) -> Option<&Compiled<'s>> {
        let &i = self.index.get(s)?.get(pointer)?;
        Some(self.slots[i].compiled(specs, &self.shelves))
    }

    /// The slots that were used and whose schema did not compile: spec, pointer, error.
    pub fn failures(&self) -> impl Iterator<Item = (usize, &str, &str)> + use<'_, 's> {
        self.slots
            .iter()
            .filter_map(|slot| Some((slot.spec, slot.pointer.as_str(), slot.failure()?)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::tape::Tape;
    use serde_json::json;

    #[test]
    fn shapes_merge_all_of_and_follow_cycles() {
        let schema = json!({
            "$ref": "#/components/schemas/B",
            "components": {"schemas": {
                "A": {"type": "object", "properties": {"a": {"type": "string"}, "self": {"$ref": "#/components/schemas/B"}}},
                "B": {"allOf": [{"$ref": "#/components/schemas/A"}, {"properties": {"b": {}}, "required": ["b"]}]}
            }}
        });
        let (shapes, root) = Shapes::build(&schema);
        let top = shapes.get(root);
        assert!(top.prop("a").is_some() && top.prop("b").is_some());
        assert_eq!(*top.required, vec!["b".to_string()]);
        let inner = shapes.get(top.prop("self").expect("self"));
        assert!(
            inner.prop("b").is_some(),
            "recursive refs see the full shape"
        );
        let at = documented_at(&shapes, root);
        let places: Vec<&str> = at["b"].iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(places, vec!["/b", "/self/b"], "a cycle is followed once");
    }

    /// Through the shared form a value is judged whole; its errors still stand at their place
    /// in the body (the inlined form, compiled on the first invalid value, gives them).
    #[test]
    fn shared_form_judges_and_inlined_form_explains() {
        let text = r##"{"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {},
            "components": {"schemas": {
                "User": {"type": "object", "required": ["login"], "properties": {"login": {"type": "string"}}},
                "Repos": {"type": "array", "items": {"type": "object", "properties": {
                    "owner": {"$ref": "#/components/schemas/User"}}}}}}}"##;
        let spec =
            crate::spec::load_str(std::path::Path::new("t.json"), text.to_string()).expect("spec");
        let targets = Targets::new(ConvertOptions::default());
        let compiled = Compiled::new(&spec, "/components/schemas/Repos", &targets);
        let checker = compiled.validator.as_ref().expect("compiles");
        assert!(checker.shared.is_some(), "User is shared");
        assert!(checker.inlined.get().is_none(), "nothing inlined yet");
        let good = Tape::from_value(&json!([{"owner": {"login": "a"}}]));
        assert!(checker.is_valid(good.root("")));
        let bad = Tape::from_value(&json!([{"owner": {"login": "a"}}, {"owner": {}}]));
        assert!(!checker.is_valid(bad.root("")));
        let at: Vec<String> = checker
            .iter_errors(bad.root(""))
            .map(|e| e.instance_path().as_str().to_string())
            .collect();
        assert_eq!(at, vec!["/1/owner".to_string()]);
    }

    /// Operations whose response schemas read the same (here written out in each) share one
    /// compilation; a schema that differs gets its own, and a slot counts as used only when
    /// an exchange reached it.
    #[test]
    fn slots_whose_schemas_read_the_same_share_a_compilation() {
        let response = |schema: &str| {
            format!(
                r#"{{"get": {{"responses": {{"200": {{"description": "ok",
                    "content": {{"application/json": {{"schema": {schema}}}}}}}}}}}}}"#
            )
        };
        let user = r##"{"type": "object", "properties": {"login": {"type": "string"}}}"##;
        let text = format!(
            r#"{{"openapi": "3.0.3", "info": {{"title": "t", "version": "1"}},
                "paths": {{"/a": {}, "/b": {}, "/c": {}}}}}"#,
            response(user),
            response(user),
            response(r#"{"type": "string"}"#)
        );
        let spec = crate::spec::load_str(std::path::Path::new("t.json"), text).expect("spec");
        let specs = std::slice::from_ref(&spec);
        let cache = Cache::new(specs);
        let slot = |operation| SlotKey {
            spec: 0,
            operation,
            response: 0,
            media: 0,
        };
        let compiled = |operation| cache.get(specs, slot(operation)).expect("schema") as *const _;
        let a = compiled(0);
        assert_eq!(cache.used().count(), 1, "b and c were not used");
        assert_eq!(a, compiled(1), "b reads as a: one compilation");
        assert_ne!(a, compiled(2), "c differs");
        assert_eq!(cache.used().count(), 3);
        assert_eq!(cache.shelves[0].by_text.lock().expect("lock").len(), 2);
    }

    #[test]
    fn best_branch_prefers_documented_keys_and_types() {
        let schema = json!({"anyOf": [
            {"type": "null"},
            {"type": "object", "properties": {"id": {}}, "required": ["id"]},
            {"type": "object", "properties": {"ids": {}}, "required": ["ids"]}
        ]});
        let (shapes, root) = Shapes::build(&schema);
        let branches = shapes.get(root).alternatives.clone();
        assert_eq!(
            shapes.best_branch(&branches, Tape::from_value(&json!({"ids": []})).root("")),
            Some(branches[2])
        );
        assert_eq!(
            shapes.best_branch(&branches, Tape::from_value(&json!(null)).root("")),
            Some(branches[0])
        );
    }
}
