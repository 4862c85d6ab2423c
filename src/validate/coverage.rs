//! Coverage: what the traffic exercised of the specs, and what it never showed.
//!
//! Drift findings say where traffic and spec disagree; coverage says how far to trust a clean
//! run. Per operation it counts exchanges by seen status and by documented response and media
//! type, with the problems found there; it lists operations no exchange reached; and, the mirror
//! of `unknown_property`, it lists documented response properties that no body ever carried
//! (dead documentation, or a field the server dropped).
//!
//! Observation is cheap and lock-free: each compiled response schema gets one flag per
//! documented property, set with a relaxed store while its bodies are walked along the schema's
//! flattened [`Shapes`] on any thread. Only the topmost unobserved property of a subtree is
//! listed, so a missing object does not also list each of its fields.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;

use crate::spec::Spec;

pub use crate::diagnostic::coverage::{
    Coverage, OperationCoverage, ResponseCoverage, UnobservedProperty,
};

use super::compile::{Additional, Cache, Compiled, ShapeId, Shapes, SlotKey};
use super::tape::TapeNode;
use crate::hash::KeyMap;

/// How deep bodies and schemas are followed (recursive schemas repeat below this).
const MAX_DEPTH: usize = 32;

/// Which documented response (and media type) an exchange answered with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hit {
    /// Spec index.
    pub spec: usize,
    /// Operation index.
    pub operation: usize,
    /// The status seen.
    pub status: u16,
    /// The documented response, if the status is documented.
    pub response: Option<usize>,
    /// The documented media type, if the exchange's is documented (or assumed).
    pub media: Option<usize>,
}

/// One flag per documented property of one compiled schema.
struct Marks {
    /// Where each shape's flags start.
    base: Vec<usize>,
    /// Each shape's property name → position among its properties.
    position: Vec<KeyMap<String, usize>>,
    seen: Vec<AtomicBool>,
}

impl Marks {
    fn new(shapes: &Shapes) -> Self {
        let mut base = Vec::with_capacity(shapes.len());
        let mut position = Vec::with_capacity(shapes.len());
        let mut total = 0;
        for id in 0..shapes.len() {
            let props = &shapes.get(id).props;
            base.push(total);
            position.push(
                props
                    .iter()
                    .enumerate()
                    .map(|(i, (k, _))| (k.clone(), i))
                    .collect(),
            );
            total += props.len();
        }
        Marks {
            base,
            position,
            seen: (0..total).map(|_| AtomicBool::new(false)).collect(),
        }
    }

    fn is_seen(&self, id: ShapeId, position: usize) -> bool {
        self.seen[self.base[id] + position].load(Ordering::Relaxed)
    }

    /// Marks the keys of `value` documented at `id`, and below.
    fn observe(&self, shapes: &Shapes, id: ShapeId, value: TapeNode<'_>, depth: usize) {
        if depth > MAX_DEPTH {
            return;
        }
        let view = shapes.view(id, value);
        for (key, child) in value.members() {
            let mut followed = false;
            for &at in view.iter() {
                if let Some(&i) = self.position[at].get(key) {
                    let flag = &self.seen[self.base[at] + i];
                    if !flag.load(Ordering::Relaxed) {
                        flag.store(true, Ordering::Relaxed);
                    }
                    if !followed {
                        self.observe(shapes, shapes.get(at).props[i].1, child, depth + 1);
                        followed = true;
                    }
                }
            }
            if !followed {
                let additional = view.iter().find_map(|&at| match shapes.get(at).additional {
                    Additional::Allowed(Some(a)) => Some(a),
                    _ => None,
                });
                if let Some(a) = additional {
                    self.observe(shapes, a, child, depth + 1);
                }
            }
        }
        if value.is_array() {
            if let Some(item) = view.iter().find_map(|&at| shapes.get(at).items) {
                for v in value.items() {
                    self.observe(shapes, item, v, depth + 1);
                }
            }
        }
    }

    /// The topmost documented properties never observed, with their pointers.
    fn unobserved(&self, shapes: &Shapes, root: ShapeId) -> Vec<String> {
        let mut out = Vec::new();
        shapes.each_property(root, MAX_DEPTH, |id, i, path| {
            let seen = self.is_seen(id, i);
            if !seen {
                out.push(path.to_string());
            }
            seen
        });
        out
    }
}

/// The properties observed in each compiled response schema, shared by every thread.
pub struct Observer {
    marks: Vec<OnceLock<Marks>>,
}

impl Observer {
    /// Room for every slot of `cache`.
    pub fn new(cache: &Cache) -> Self {
        Observer {
            marks: (0..cache.len()).map(|_| OnceLock::new()).collect(),
        }
    }

    /// Records the properties `value` carries, for the schema of `slot`.
    pub fn observe(&self, cache: &Cache, slot: SlotKey, compiled: &Compiled, value: TapeNode<'_>) {
        let Some(i) = cache.position(slot) else {
            return;
        };
        let marks = self.marks[i].get_or_init(|| Marks::new(&compiled.shapes));
        marks.observe(&compiled.shapes, compiled.root, value, 0);
    }
}

/// Counts gathered in input order by the run's accumulator.
#[derive(Debug, Default)]
pub struct Tally {
    /// Per (spec, operation): exchanges, statuses seen, and per response/media.
    operations: HashMap<(usize, usize), OperationTally>,
}

#[derive(Debug, Default)]
struct OperationTally {
    exchanges: usize,
    statuses: BTreeMap<u16, usize>,
    undocumented: BTreeMap<u16, usize>,
    problems: HashSet<String>,
    /// Per (response, media): exchanges and problem ids.
    responses: HashMap<(usize, Option<usize>), (usize, HashSet<String>)>,
}

impl Tally {
    /// Counts one exchange and the problem ids of its findings.
    pub fn add(&mut self, hit: Hit, problems: impl IntoIterator<Item = String>) {
        let op = self
            .operations
            .entry((hit.spec, hit.operation))
            .or_default();
        op.exchanges += 1;
        *op.statuses.entry(hit.status).or_default() += 1;
        let ids: Vec<String> = problems.into_iter().collect();
        op.problems.extend(ids.iter().cloned());
        match hit.response {
            Some(r) => {
                let slot = op.responses.entry((r, hit.media)).or_default();
                slot.0 += 1;
                slot.1.extend(ids);
            }
            None => *op.undocumented.entry(hit.status).or_default() += 1,
        }
    }

    /// The finished coverage of `specs`.
    pub fn finish(self, specs: &[Spec], cache: &Cache, observer: &Observer) -> Coverage {
        let mut coverage = Coverage::default();
        let mut id_count: HashMap<&str, usize> = HashMap::new();
        for spec in specs {
            for op in &spec.operations {
                *id_count.entry(op.id.as_str()).or_default() += 1;
            }
        }
        for (s, spec) in specs.iter().enumerate() {
            for (o, op) in spec.operations.iter().enumerate() {
                let seen = self.operations.get(&(s, o));
                let mut entry = OperationCoverage {
                    operation: op.id.clone(),
                    spec: spec.stem(),
                    method: op.method.to_ascii_uppercase(),
                    path: op.path.clone(),
                    exchanges: seen.map_or(0, |t| t.exchanges),
                    statuses: seen
                        .map(|t| {
                            t.statuses
                                .iter()
                                .map(|(k, v)| (k.to_string(), *v))
                                .collect()
                        })
                        .unwrap_or_default(),
                    responses: Vec::new(),
                    undocumented_statuses: seen
                        .map(|t| {
                            t.undocumented
                                .iter()
                                .map(|(k, v)| (k.to_string(), *v))
                                .collect()
                        })
                        .unwrap_or_default(),
                    problems: seen.map_or(0, |t| t.problems.len()),
                };
                for (r, response) in op.responses.iter().enumerate() {
                    let medias: Vec<Option<usize>> = if response.content.is_empty() {
                        vec![None]
                    } else {
                        (0..response.content.len()).map(Some).collect()
                    };
                    for m in medias {
                        let (exchanges, problems) = seen
                            .and_then(|t| t.responses.get(&(r, m)))
                            .map_or((0, 0), |(n, p)| (*n, p.len()));
                        entry.responses.push(ResponseCoverage {
                            status: response.status.as_string(),
                            media_type: m.map(|m| response.content[m].name.clone()),
                            documented: true,
                            exchanges,
                            problems,
                        });
                    }
                    let stray = seen.and_then(|t| t.responses.get(&(r, None)));
                    if let (false, Some((n, p))) = (response.content.is_empty(), stray) {
                        entry.responses.push(ResponseCoverage {
                            status: response.status.as_string(),
                            media_type: None,
                            documented: false,
                            exchanges: *n,
                            problems: p.len(),
                        });
                    }
                }
                if entry.exchanges == 0 {
                    coverage.unexercised.push(if id_count[op.id.as_str()] > 1 {
                        format!("{}:{}", spec.stem(), op.id)
                    } else {
                        op.id.clone()
                    });
                }
                coverage.operations.push(entry);
            }
        }
        for (i, key, compiled) in cache.used() {
            let Some(marks) = observer.marks[i].get() else {
                continue;
            };
            let op = &specs[key.spec].operations[key.operation];
            let response = &op.responses[key.response];
            for pointer in marks.unobserved(&compiled.shapes, compiled.root) {
                coverage.unobserved_properties.push(UnobservedProperty {
                    operation: op.id.clone(),
                    status: response.status.as_string(),
                    media_type: response.content[key.media].name.clone(),
                    pointer,
                });
            }
        }
        coverage
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    fn marks_after(schema: Value, bodies: &[Value]) -> Vec<String> {
        let (shapes, root) = Shapes::build(&schema);
        let marks = Marks::new(&shapes);
        for body in bodies {
            let tape = crate::validate::tape::Tape::from_value(body);
            marks.observe(&shapes, root, tape.root(""), 0);
        }
        marks.unobserved(&shapes, root)
    }

    #[test]
    fn lists_the_topmost_property_never_seen() {
        let schema = json!({"type": "object", "properties": {
            "id": {"type": "integer"},
            "rights": {"type": "object", "properties": {"a": {}, "b": {}}},
            "users": {"type": "array", "items": {"type": "object", "properties": {
                "name": {}, "uuid": {}
            }}}
        }});
        let unobserved = marks_after(
            schema,
            &[
                json!({"id": 1, "users": [{"name": "x"}]}),
                json!({"id": 2, "users": []}),
            ],
        );
        assert_eq!(unobserved, vec!["/rights", "/users/*/uuid"]);
    }

    #[test]
    fn a_property_seen_in_any_body_counts() {
        let schema = json!({"type": "object", "properties": {"a": {}, "b": {}}});
        assert_eq!(
            marks_after(schema.clone(), &[json!({"a": 1})]),
            vec!["/b".to_string()]
        );
        assert!(marks_after(schema, &[json!({"a": 1}), json!({"b": null})]).is_empty());
    }

    #[test]
    fn follows_refs_all_of_and_branches() {
        let schema = json!({
            "allOf": [{"$ref": "#/$defs/Base"}, {"properties": {"extra": {}}}],
            "$defs": {"Base": {"type": "object", "properties": {
                "pet": {"oneOf": [
                    {"type": "object", "properties": {"bark": {}}, "required": ["bark"]},
                    {"type": "object", "properties": {"meow": {}}, "required": ["meow"]}
                ]}
            }}}
        });
        let unobserved = marks_after(schema, &[json!({"pet": {"meow": true}, "extra": 1})]);
        assert_eq!(unobserved, vec!["/pet/bark"]);
    }
}
