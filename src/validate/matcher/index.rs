//! The route index: path templates in a tree of segments, so finding the templates a path
//! matches costs about one hash lookup per segment, however many operations the specs have.
//!
//! A node's children are split three ways: literal segments by exact text (the segment is looked
//! up as recorded and percent-decoded), segments that mix literals and variables
//! (`{name}.{ext}`, tried one by one), and the lone variable (`{id}`, one child whatever its
//! name, since any non-empty segment fills it). The answer is every route whose template
//! matches, exactly the set a one-by-one [`PathPattern::matches`](super::pattern::PathPattern)
//! over all routes would give; the router ranks them.

use crate::hash::KeyMap;

use super::pattern::{decoded, segment_matches, segment_ranges, Token};

#[derive(Debug, Default, Clone)]
struct Node {
    literal: KeyMap<String, usize>,
    mixed: Vec<(Vec<Token>, usize)>,
    var: Option<usize>,
    /// Routes whose template ends here, ascending.
    routes: Vec<usize>,
}

/// Every route's path template, by segment.
#[derive(Debug, Clone)]
pub(super) struct Index {
    nodes: Vec<Node>,
}

impl Default for Index {
    fn default() -> Self {
        Index {
            nodes: vec![Node::default()],
        }
    }
}

impl Index {
    /// Adds route `id` (ids come in ascending order) with its template's segments.
    pub(super) fn insert(&mut self, id: usize, segments: &[Vec<Token>]) {
        let mut at = 0;
        for tokens in segments {
            at = match tokens.as_slice() {
                [Token::Literal(text)] => match self.nodes[at].literal.get(text) {
                    Some(&next) => next,
                    None => {
                        let next = self.push();
                        self.nodes[at].literal.insert(text.clone(), next);
                        next
                    }
                },
                [Token::Var { .. }] => match self.nodes[at].var {
                    Some(next) => next,
                    None => {
                        let next = self.push();
                        self.nodes[at].var = Some(next);
                        next
                    }
                },
                _ => match self.nodes[at].mixed.iter().find(|(t, _)| t == tokens) {
                    Some(&(_, next)) => next,
                    None => {
                        let next = self.push();
                        self.nodes[at].mixed.push((tokens.clone(), next));
                        next
                    }
                },
            };
        }
        self.nodes[at].routes.push(id);
    }

    fn push(&mut self) -> usize {
        self.nodes.push(Node::default());
        self.nodes.len() - 1
    }

    /// The routes whose template matches `path` segment by segment, ascending.
    pub(super) fn lookup(&self, path: &str) -> Vec<usize> {
        let mut out = Vec::new();
        self.lookup_into(path, &mut out);
        out.sort_unstable();
        out
    }

    /// The routes whose template matches `path`, appended to `out` in no set order. Every
    /// exchange looks up several paths, so the caller's buffer is reused and the segments are
    /// read as the walk goes rather than collected.
    pub(super) fn lookup_into(&self, path: &str, out: &mut Vec<usize>) {
        let segments = segment_ranges(path, 0, path.len()).map(|(a, b)| &path[a..b]);
        self.walk(0, segments, out);
    }

    fn walk<'p, I>(&self, at: usize, mut segments: I, out: &mut Vec<usize>)
    where
        I: Iterator<Item = &'p str> + Clone,
    {
        let node = &self.nodes[at];
        let Some(seg) = segments.next() else {
            out.extend_from_slice(&node.routes);
            return;
        };
        if let Some(&next) = node.literal.get(seg) {
            self.walk(next, segments.clone(), out);
        }
        if !node.literal.is_empty() {
            if let Some(&next) = decoded(seg).and_then(|d| node.literal.get(d.as_ref())) {
                self.walk(next, segments.clone(), out);
            }
        }
        for (tokens, next) in &node.mixed {
            if segment_matches(tokens, seg) {
                self.walk(*next, segments.clone(), out);
            }
        }
        if let Some(next) = node.var {
            self.walk(next, segments, out);
        }
    }
}
