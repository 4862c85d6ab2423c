//! JSON pointers (RFC 6901): the one home for their syntax and for walks over JSON trees that
//! name each node by its pointer.
//!
//! Specs, captures and reports all speak in pointers, so escaping (`~` → `~0`, `/` → `~1`) is
//! written once, here. A walk grows one [`Pointer`] buffer as it descends and cuts it back as it
//! returns: naming a node costs nothing until a caller keeps the name, which matters on bodies
//! of a million nodes where almost none is kept.

use std::borrow::Cow;
use std::fmt::Write;

use serde_json::Value;

/// `pointer`, then each of its ancestors, nearest first, down to the root (`/a/b`, `/a`, ``):
/// the one walk of every lookup that falls back to the nearest place it can find.
pub fn ancestors(pointer: &str) -> impl Iterator<Item = &str> {
    std::iter::successors(Some(pointer), |p| p.rfind('/').map(|i| &p[..i]))
}

/// Escapes one JSON pointer segment (`~` → `~0`, `/` → `~1`).
pub fn escape_pointer_segment(segment: &str) -> String {
    if segment.contains(['~', '/']) {
        segment.replace('~', "~0").replace('/', "~1")
    } else {
        segment.to_string()
    }
}

/// Splits a JSON pointer into unescaped segments; `""` is the root.
pub fn pointer_segments(pointer: &str) -> Vec<String> {
    segments(pointer).map(Cow::into_owned).collect()
}

/// [`pointer_segments`] borrowed from the pointer where no segment needs unescaping (nearly
/// all): masking looks up every secret pointer of every capture line.
pub fn segments(pointer: &str) -> impl Iterator<Item = Cow<'_, str>> {
    let rest = (!pointer.is_empty()).then(|| pointer.trim_start_matches('/'));
    rest.into_iter()
        .flat_map(|rest| rest.split('/'))
        .map(unescape)
}

/// One pointer segment as the key it names (`~1` is `/`, `~0` is `~`); borrowed when it has
/// no escape.
pub fn unescape(segment: &str) -> Cow<'_, str> {
    if segment.contains('~') {
        Cow::Owned(segment.replace("~1", "/").replace("~0", "~"))
    } else {
        Cow::Borrowed(segment)
    }
}

/// The node `pointer` names in `value`, as [`Value::pointer`] finds it (same tokens, same
/// array index rules) without allocating a `String` per token: the model, the shared targets
/// and the shape builder look up tens of thousands of pointers in GitHub's description, and
/// `serde_json`'s two `replace` calls per token were most of that work.
pub fn lookup<'v>(value: &'v Value, pointer: &str) -> Option<&'v Value> {
    if pointer.is_empty() {
        return Some(value);
    }
    let rest = pointer.strip_prefix('/')?;
    rest.split('/').try_fold(value, |node, token| match node {
        Value::Object(map) => map.get(unescape(token).as_ref()),
        Value::Array(items) => array_index(&unescape(token)).and_then(|i| items.get(i)),
        _ => None,
    })
}

/// An array token as RFC 6901 reads it: digits without a sign or a leading zero.
pub(crate) fn array_index(token: &str) -> Option<usize> {
    if token.starts_with('+') || (token.starts_with('0') && token.len() != 1) {
        return None;
    }
    token.parse().ok()
}

/// Joins a pointer and one more segment.
pub fn pointer_push(pointer: &str, segment: &str) -> String {
    let mut out = Pointer::with_capacity(pointer, pointer.len() + 1 + segment.len());
    out.push_key(segment);
    out.into_string()
}

/// A pointer built in place: segments are pushed on the way down and cut back on the way up,
/// so a whole walk uses one buffer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pointer(String);

/// Where a pointer stood before a push; [`Pointer::cut`] goes back to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mark(usize);

impl Pointer {
    /// A pointer starting at `start` (`""` for the root of a document).
    pub fn new(start: &str) -> Self {
        Pointer(start.to_string())
    }

    /// [`Pointer::new`] with room for `capacity` bytes: a pointer written whole and kept grows
    /// in one allocation.
    pub fn with_capacity(start: &str, capacity: usize) -> Self {
        let mut text = String::with_capacity(capacity);
        text.push_str(start);
        Pointer(text)
    }

    /// The pointer as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The pointer as an owned string.
    pub fn into_string(self) -> String {
        self.0
    }

    /// Appends an object member's key, escaped.
    pub fn push_key(&mut self, key: &str) -> Mark {
        let mark = Mark(self.0.len());
        self.0.push('/');
        // Most keys need no escape: copied whole, not char by char (a few percent of the
        // Kommo run went to pushing keys one char at a time).
        let mut rest = key;
        while let Some(at) = rest.bytes().position(|b| b == b'~' || b == b'/') {
            self.0.push_str(&rest[..at]);
            self.0.push_str(if rest.as_bytes()[at] == b'~' {
                "~0"
            } else {
                "~1"
            });
            rest = &rest[at + 1..];
        }
        self.0.push_str(rest);
        mark
    }

    /// Appends an array index.
    pub fn push_index(&mut self, index: usize) -> Mark {
        let mark = Mark(self.0.len());
        let _ = write!(self.0, "/{index}");
        mark
    }

    /// Appends a segment read literally, unescaped (`*` in a pattern of pointers).
    pub fn push_raw(&mut self, segment: &str) -> Mark {
        let mark = Mark(self.0.len());
        self.0.push('/');
        self.0.push_str(segment);
        mark
    }

    /// Goes back to where the pointer stood at `mark`.
    pub fn cut(&mut self, mark: Mark) {
        self.0.truncate(mark.0);
    }
}

/// The step that led to a node in a walk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step<'v> {
    /// The node the walk started from.
    Start,
    /// An object member, by its key.
    Key(&'v str),
    /// An array item, by its index.
    Index(usize),
}

/// What a walk does after visiting a node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Walk {
    /// Visit the node's members or items.
    Descend,
    /// Leave what is below the node, and go on with its siblings.
    Skip,
    /// End the whole walk.
    Stop,
}

/// What a walk that carries context does after visiting a node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow<C> {
    /// Visit the node's members or items, handing them this context.
    Descend(C),
    /// Leave what is below the node, and go on with its siblings.
    Skip,
    /// End the whole walk.
    Stop,
}

/// Visits `value` and everything below it, depth-first in document order, each node before
/// what is below it. `at` names the node being visited (it starts as `value`'s pointer) and is
/// back where it started when the walk returns.
pub fn walk<'v, F>(value: &'v Value, at: &mut Pointer, visit: &mut F)
where
    F: FnMut(Step<'v>, &'v Value, &Pointer) -> Walk,
{
    walk_with(
        value,
        at,
        (),
        &mut |step, node, at, ()| match visit(step, node, at) {
            Walk::Descend => Flow::Descend(()),
            Walk::Skip => Flow::Skip,
            Walk::Stop => Flow::Stop,
        },
    );
}

/// [`walk`] for visits that depend on where a node stands: each node is visited with the
/// context its parent descended with (`start` for `value`), and hands its own to its children.
pub fn walk_with<'v, C, F>(value: &'v Value, at: &mut Pointer, start: C, visit: &mut F)
where
    F: FnMut(Step<'v>, &'v Value, &Pointer, &C) -> Flow<C>,
{
    walk_from(Step::Start, value, at, &start, visit);
}

/// One node of [`walk_with`]; `false` when the walk was stopped.
fn walk_from<'v, C, F>(
    step: Step<'v>,
    value: &'v Value,
    at: &mut Pointer,
    context: &C,
    visit: &mut F,
) -> bool
where
    F: FnMut(Step<'v>, &'v Value, &Pointer, &C) -> Flow<C>,
{
    let context = match visit(step, value, at, context) {
        Flow::Stop => return false,
        Flow::Skip => return true,
        Flow::Descend(c) => c,
    };
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                let mark = at.push_key(key);
                let go_on = walk_from(Step::Key(key), child, at, &context, visit);
                at.cut(mark);
                if !go_on {
                    return false;
                }
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                let mark = at.push_index(i);
                let go_on = walk_from(Step::Index(i), child, at, &context, visit);
                at.cut(mark);
                if !go_on {
                    return false;
                }
            }
        }
        _ => {}
    }
    true
}

/// The JSON pointer of each node of a document read as a stream of events (a YAML parser's):
/// one home for "which node is this" shared by the span index and the patch planner.
///
/// Mapping keys are not nodes: a scalar key names the member that follows it. A collection
/// used as a key (YAML allows it) and everything inside it have no pointer.
#[derive(Debug, Default)]
pub struct EventPath {
    stack: Vec<Frame>,
}

/// A collection [`EventPath`] is inside.
#[derive(Debug)]
enum Frame {
    /// A mapping: its pointer, and the key read for the member that comes next.
    Map {
        pointer: String,
        key: Option<String>,
    },
    /// A sequence: its pointer, and the index of its next item.
    Seq { pointer: String, next: usize },
    /// A collection used as a mapping key.
    Hidden,
}

/// What an event stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Place {
    /// A mapping's key: the pointer of the member it names, whose first `parent` bytes are the
    /// mapping's own pointer.
    Key {
        /// The member's pointer.
        member: String,
        /// The length of the mapping's pointer within it.
        parent: usize,
    },
    /// A node: a sequence item, a member's value, or the document itself.
    Node {
        /// The node's pointer.
        pointer: String,
        /// Whether it is a sequence item (a member was already named at its key).
        item: bool,
    },
    /// Inside a collection used as a key.
    Hidden,
}

impl EventPath {
    /// A scalar: a mapping's key, or a node.
    pub fn scalar(&mut self, value: &str) -> Place {
        if let Some(Frame::Map { pointer, key }) = self.stack.last_mut() {
            if key.is_none() {
                *key = Some(value.to_string());
                return Place::Key {
                    member: pointer_push(pointer, value),
                    parent: pointer.len(),
                };
            }
        }
        self.node()
    }

    /// A node that holds nothing the path follows (a scalar value, an alias).
    pub fn node(&mut self) -> Place {
        match self.stack.last_mut() {
            None => Place::Node {
                pointer: String::new(),
                item: false,
            },
            Some(Frame::Seq { pointer, next }) => {
                let mut item = Pointer::new(pointer);
                let _ = item.push_index(*next);
                *next += 1;
                Place::Node {
                    pointer: item.into_string(),
                    item: true,
                }
            }
            Some(Frame::Map { pointer, key }) => match key.take() {
                Some(key) => Place::Node {
                    pointer: pointer_push(pointer, &key),
                    item: false,
                },
                None => Place::Hidden,
            },
            Some(Frame::Hidden) => Place::Hidden,
        }
    }

    /// A mapping (`map`) or sequence starts: its place; events up to its [`EventPath::close`]
    /// are inside it.
    pub fn open(&mut self, map: bool) -> Place {
        let place = self.node();
        self.stack.push(match &place {
            Place::Node { pointer, .. } if map => Frame::Map {
                pointer: pointer.clone(),
                key: None,
            },
            Place::Node { pointer, .. } => Frame::Seq {
                pointer: pointer.clone(),
                next: 0,
            },
            _ => Frame::Hidden,
        });
        place
    }

    /// The innermost collection ends: its pointer (`None` for one used as a key).
    pub fn close(&mut self) -> Option<String> {
        match self.stack.pop()? {
            Frame::Map { pointer, .. } | Frame::Seq { pointer, .. } => Some(pointer),
            Frame::Hidden => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// `lookup` finds what `serde_json`'s `Value::pointer` finds, escapes and odd array tokens
    /// included.
    #[test]
    fn lookup_agrees_with_serde_json() {
        let doc = json!({"a/b": {"~c": [10, 20, {"": 1}]}, "": {"x": 2}, "0": "zero",
            "list": [[1], [2, 3]]});
        for pointer in [
            "",
            "/",
            "/a~1b",
            "/a~1b/~0c",
            "/a~1b/~0c/1",
            "/a~1b/~0c/2/",
            "/a~1b/~0c/01",
            "/a~1b/~0c/+1",
            "/a~1b/~0c/-1",
            "/a~1b/~0c/9",
            "//x",
            "/0",
            "/list/1/0",
            "/list/1/1/0",
            "a",
            "/a~1b/~01c",
            "/~2",
            "/list/00",
        ] {
            assert_eq!(lookup(&doc, pointer), doc.pointer(pointer), "{pointer:?}");
        }
    }

    #[test]
    fn ancestors_run_from_the_pointer_to_the_root() {
        let all: Vec<&str> = ancestors("/paths/~1a/get").collect();
        assert_eq!(all, ["/paths/~1a/get", "/paths/~1a", "/paths", ""]);
        assert_eq!(ancestors("").collect::<Vec<_>>(), [""]);
    }

    #[test]
    fn segments_are_escaped_and_read_back() {
        let p = pointer_push("/paths", "/a/{id}~x");
        assert_eq!(p, "/paths/~1a~1{id}~0x");
        assert_eq!(pointer_segments(&p), ["paths", "/a/{id}~x"]);
        assert_eq!(escape_pointer_segment("a~/b"), "a~0~1b");
        assert!(pointer_segments("").is_empty());
    }

    #[test]
    fn a_walk_names_every_node_in_document_order_and_restores_its_pointer() {
        let value = json!({"a/b": [1, {"c": "x"}], "d": "y"});
        let mut at = Pointer::new("/body");
        let mut seen = Vec::new();
        walk(&value, &mut at, &mut |step, _, at| {
            seen.push((step, at.as_str().to_string()));
            Walk::Descend
        });
        let names: Vec<&str> = seen.iter().map(|(_, p)| p.as_str()).collect();
        assert_eq!(
            names,
            [
                "/body",
                "/body/a~1b",
                "/body/a~1b/0",
                "/body/a~1b/1",
                "/body/a~1b/1/c",
                "/body/d"
            ]
        );
        assert_eq!(seen[1].0, Step::Key("a/b"));
        assert_eq!(seen[2].0, Step::Index(0));
        assert_eq!(at.as_str(), "/body");
    }

    #[test]
    fn skip_leaves_a_subtree_and_stop_ends_the_walk() {
        let value = json!({"skip": {"x": "no"}, "keep": "yes", "then": "stop", "after": "no"});
        let mut at = Pointer::default();
        let mut strings = Vec::new();
        walk(&value, &mut at, &mut |step, node, at| match step {
            Step::Key("skip") => Walk::Skip,
            Step::Key("then") => Walk::Stop,
            _ => {
                if node.is_string() {
                    strings.push(at.as_str().to_string());
                }
                Walk::Descend
            }
        });
        assert_eq!(strings, ["/keep"]);
        assert_eq!(at.as_str(), "");
    }

    #[test]
    fn context_flows_from_parent_to_children_only() {
        let value = json!({"a": {"b": 1}, "c": 2});
        let mut depths = Vec::new();
        walk_with(
            &value,
            &mut Pointer::default(),
            0,
            &mut |step, _, at, &parent| {
                let depth = if step == Step::Start {
                    parent
                } else {
                    parent + 1
                };
                depths.push((at.as_str().to_string(), depth));
                Flow::Descend(depth)
            },
        );
        let expected = [("", 0), ("/a", 1), ("/a/b", 2), ("/c", 1)];
        assert_eq!(depths, expected.map(|(p, d)| (p.to_string(), d)));
    }

    /// `{a: [x, {b: y}], {k: v}: z}` as a parser's events: keys name members, items are
    /// numbered, and a collection used as a key hides what is inside it.
    #[test]
    fn event_paths_name_members_items_and_hide_complex_keys() {
        let mut path = EventPath::default();
        let node = |pointer: &str, item: bool| Place::Node {
            pointer: pointer.to_string(),
            item,
        };
        assert_eq!(path.open(true), node("", false));
        assert_eq!(
            path.scalar("a/b"),
            Place::Key {
                member: "/a~1b".to_string(),
                parent: 0
            }
        );
        assert_eq!(path.open(false), node("/a~1b", false));
        assert_eq!(path.scalar("x"), node("/a~1b/0", true));
        assert_eq!(path.open(true), node("/a~1b/1", true));
        assert!(matches!(path.scalar("b"), Place::Key { parent: 7, .. }));
        assert_eq!(path.node(), node("/a~1b/1/b", false));
        assert_eq!(path.close().as_deref(), Some("/a~1b/1"));
        assert_eq!(path.close().as_deref(), Some("/a~1b"));
        assert_eq!(path.open(true), Place::Hidden);
        assert_eq!(path.scalar("k"), Place::Hidden);
        assert_eq!(path.scalar("v"), Place::Hidden);
        assert_eq!(path.close(), None);
        assert_eq!(path.close().as_deref(), Some(""));
    }
}
