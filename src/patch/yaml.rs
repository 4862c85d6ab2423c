//! Insertions into YAML text that keep every other byte: the spans come from `yaml-rust2`'s
//! parser events (the loader's parser), the new entries are small fragments indented to sit
//! where the file's own entries sit.
//!
//! Nothing here prints the document: a block mapping grows by new lines after its last entry, a
//! block sequence by new items after its last item. A flow collection (`{a: 1}`, `[a, b]`), an
//! anchored node or a path through an alias would need the file restructured, so those are
//! refused with the reason.

use std::collections::HashMap;

use serde_json::Value;
use yaml_rust2::parser::{Event, Parser};

use crate::pointer::{EventPath, Place};

/// The kind of a collection node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    Map,
    Seq,
}

/// One collection node of the document, as the parser saw it.
#[derive(Debug, Clone)]
struct Node {
    shape: Shape,
    /// Written `{...}` or `[...]`.
    flow: bool,
    /// Carries an `&anchor`: aliases elsewhere would change with it.
    anchored: bool,
    /// Byte offset where the node's end event is marked (the next token after it).
    end: usize,
    /// Byte offset of the first key (mapping) or first item's content (sequence).
    first_child: Option<usize>,
}

/// The collection nodes of a YAML text by JSON pointer, and the pointers of aliases.
#[derive(Debug, Default)]
pub struct Index {
    nodes: HashMap<String, Node>,
    aliases: Vec<String>,
}

impl Index {
    /// Indexes `text`; a syntax error stops the index where it happened.
    pub fn new(text: &str) -> Self {
        let lines = crate::source::LineIndex::new(text);
        let mut parser = Parser::new_from_str(text);
        let mut events: Vec<(Event, usize)> = Vec::new();
        while let Ok((event, mark)) = parser.next_token() {
            let end = matches!(event, Event::StreamEnd);
            events.push((event, crate::source::mark_offset(text, &lines, mark)));
            if end {
                break;
            }
        }
        let mut index = Index::default();
        let mut path = EventPath::default();
        for (i, (event, at)) in events.iter().enumerate() {
            let at = *at;
            match event {
                Event::Scalar(value, ..) => {
                    path.scalar(value);
                }
                Event::Alias(..) => {
                    if let Place::Node { pointer, .. } = path.node() {
                        index.aliases.push(pointer);
                    }
                }
                Event::MappingStart(anchor, _) | Event::SequenceStart(anchor, _) => {
                    let shape = if matches!(event, Event::MappingStart(..)) {
                        Shape::Map
                    } else {
                        Shape::Seq
                    };
                    let Place::Node { pointer, .. } = path.open(shape == Shape::Map) else {
                        continue;
                    };
                    // A block mapping's start is marked after its first key, so an item that is a
                    // mapping is placed by that key.
                    let first_child = events[i + 1..]
                        .iter()
                        .find(|(e, at)| {
                            !matches!(e, Event::MappingStart(..))
                                || text.as_bytes().get(*at) == Some(&b'{')
                        })
                        .filter(|(e, _)| !matches!(e, Event::MappingEnd | Event::SequenceEnd))
                        .map(|(_, next)| *next);
                    let open = text.as_bytes().get(at).copied();
                    index.nodes.insert(
                        pointer,
                        Node {
                            shape,
                            flow: matches!(open, Some(b'{' | b'[')),
                            anchored: *anchor != 0,
                            end: at,
                            first_child,
                        },
                    );
                }
                Event::MappingEnd | Event::SequenceEnd => {
                    if let Some(pointer) = path.close() {
                        if let Some(node) = index.nodes.get_mut(&pointer) {
                            node.end = at;
                        }
                    }
                }
                _ => {}
            }
        }
        index
    }
}

/// How the file writes things.
#[derive(Debug, Clone)]
pub struct Style {
    /// `\n` or `\r\n`.
    pub newline: &'static str,
    /// Spaces per nesting level.
    pub step: usize,
}

impl Style {
    /// Reads the line ending and indentation step of `text`.
    pub fn of(text: &str) -> Self {
        let newline = if text.contains("\r\n") { "\r\n" } else { "\n" };
        let step = text
            .lines()
            .map(|l| l.len() - l.trim_start_matches(' ').len())
            .filter(|n| *n > 0)
            .min()
            .unwrap_or(2);
        Style { newline, step }
    }
}

/// Start of the line holding `offset`.
pub(super) fn line_start(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())]
        .rfind('\n')
        .map_or(0, |i| i + 1)
}

/// Column (in bytes; indentation is ASCII) of `offset` on its line.
fn column(text: &str, offset: usize) -> usize {
    offset - line_start(text, offset)
}

/// Where new lines go at the end of a block collection: after its last line of content, before
/// blank lines and before comments less indented than its entries (they belong to what follows).
/// Returns the offset and whether a line break must come first (the text ends without one).
fn end_of_content(text: &str, node: &Node, indent: usize) -> (usize, bool) {
    let boundary = if node.end >= text.len() {
        text.len()
    } else {
        line_start(text, node.end)
    };
    let mut end = boundary;
    while end > 0 {
        let start = line_start(text, end - 1);
        let line = text[start..end].trim_end_matches(['\n', '\r']);
        let trimmed = line.trim_start();
        let own_indent = line.len() - trimmed.len();
        let blank = trimmed.is_empty();
        let outer_comment = trimmed.starts_with('#') && own_indent < indent;
        if !(blank || outer_comment) {
            break;
        }
        end = start;
    }
    if end == 0 {
        return (boundary, false);
    }
    let ends_line = text[..end].ends_with('\n');
    (end, !ends_line)
}

/// One insertion into the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Insertion {
    /// Byte offset.
    pub offset: usize,
    /// The text to insert.
    pub text: String,
}

/// The insertion that adds `add`'s members (a mapping) or items (a sequence) to the collection
/// at `pointer`, or why it cannot be done without restructuring.
pub fn insert(
    text: &str,
    index: &Index,
    style: &Style,
    pointer: &str,
    add: &Value,
) -> Result<Insertion, String> {
    if let Some(alias) = index
        .aliases
        .iter()
        .find(|a| pointer == a.as_str() || pointer.starts_with(&format!("{a}/")))
    {
        return Err(format!(
            "the path goes through the alias at {alias}; editing it would need the anchor restructured"
        ));
    }
    let Some(node) = index.nodes.get(pointer) else {
        return Err(format!("no block collection found at {pointer}"));
    };
    let anchored = index
        .nodes
        .iter()
        .any(|(p, n)| n.anchored && (p == pointer || pointer.starts_with(&format!("{p}/"))));
    if anchored {
        return Err(format!(
            "{pointer} carries or sits under an &anchor; aliases would change with it, so it needs restructuring by hand"
        ));
    }
    if node.flow {
        return Err(format!(
            "{pointer} is written in flow style ({{...}} or [...]); growing it would mean reformatting it"
        ));
    }
    let Some(first) = node.first_child else {
        return Err(format!("{pointer} is empty, so its indentation is unknown"));
    };
    let child_col = column(text, first);
    let body = match (node.shape, add) {
        (Shape::Map, Value::Object(members)) => {
            let mut out = String::new();
            for (k, v) in members {
                let mut one = serde_yaml::Mapping::new();
                one.insert(
                    serde_yaml::Value::String(k.clone()),
                    to_yaml(v).map_err(|e| e.to_string())?,
                );
                let fragment = serde_yaml::to_string(&one).map_err(|e| e.to_string())?;
                let fragment = match text.as_bytes().get(first) {
                    Some(b'"') => requote_key(&fragment),
                    _ => fragment,
                };
                out.push_str(&reindent(&fragment, child_col, "", style));
            }
            out
        }
        (Shape::Seq, Value::Array(items)) => {
            let dash = dash_before(text, first).ok_or_else(|| {
                format!("{pointer}'s items are not written one per line with `-`")
            })?;
            let gap = " ".repeat(first - dash - 1);
            let mut out = String::new();
            for v in items {
                let fragment = serde_yaml::to_string(&to_yaml(v).map_err(|e| e.to_string())?)
                    .map_err(|e| e.to_string())?;
                let lead = format!("-{gap}");
                out.push_str(&reindent(&fragment, column(text, dash), &lead, style));
            }
            out
        }
        _ => return Err(format!("{pointer} is not the kind of collection expected")),
    };
    let (offset, break_first) = end_of_content(text, node, child_col);
    let text = if break_first {
        // The file ends without a line break: keep it that way after the new lines.
        let trimmed = body.strip_suffix(style.newline).unwrap_or(&body);
        format!("{}{trimmed}", style.newline)
    } else {
        body
    };
    Ok(Insertion { offset, text })
}

/// The offset of the `-` that opens the sequence item whose content starts at `item`, when it
/// stands on the same line.
fn dash_before(text: &str, item: usize) -> Option<usize> {
    let start = line_start(text, item);
    let before = &text[start..item];
    let i = before.rfind('-')?;
    before[i + 1..]
        .chars()
        .all(|c| c == ' ')
        .then_some(start + i)
}

/// `'404':` → `"404":`, for files whose keys are double-quoted.
fn requote_key(fragment: &str) -> String {
    let Some(rest) = fragment.strip_prefix('\'') else {
        return fragment.to_string();
    };
    match rest.split_once("':") {
        Some((key, tail)) if !key.contains(['\'', '"', '\\']) => format!("\"{key}\":{tail}"),
        _ => fragment.to_string(),
    }
}

fn to_yaml(v: &Value) -> Result<serde_yaml::Value, serde_yaml::Error> {
    serde_yaml::to_value(v)
}

/// Shifts a fragment printed at two spaces per level to `base` columns and the file's step; the
/// first line starts with `lead` (a sequence dash), the others line up under it.
fn reindent(fragment: &str, base: usize, lead: &str, style: &Style) -> String {
    let mut out = String::new();
    for (i, line) in fragment.lines().enumerate() {
        let trimmed = line.trim_start_matches(' ');
        let levels = (line.len() - trimmed.len()) / 2;
        let pad = if i == 0 {
            format!("{}{lead}", " ".repeat(base))
        } else {
            " ".repeat(base + lead.len() + levels * style.step)
        };
        out.push_str(&pad);
        out.push_str(trimmed);
        out.push_str(style.newline);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn apply(text: &str, pointer: &str, add: Value) -> Result<String, String> {
        let index = Index::new(text);
        let ins = insert(text, &index, &Style::of(text), pointer, &add)?;
        let mut out = text.to_string();
        out.insert_str(ins.offset, &ins.text);
        Ok(out)
    }

    #[test]
    fn a_mapping_grows_after_its_last_entry_before_outer_comments() {
        let text = "a:\n  b: 1   # c\n  c: |\n    text\n\n  # inner\n# outer\nd: 2\n";
        assert_eq!(
            apply(text, "/a", json!({"e": {"type": "string"}})).as_deref(),
            Ok("a:\n  b: 1   # c\n  c: |\n    text\n\n  # inner\n  e:\n    type: string\n# outer\nd: 2\n")
        );
    }

    #[test]
    fn positions_count_bytes_after_non_ascii_text() {
        let text = "a:\n  b: “quoted” ü\n  c:\n    d: 1\ne: 2\n";
        assert_eq!(
            apply(text, "/a", json!({"f": 1})).as_deref(),
            Ok("a:\n  b: “quoted” ü\n  c:\n    d: 1\n  f: 1\ne: 2\n")
        );
    }

    #[test]
    fn crlf_and_a_missing_final_newline_survive() {
        let text = "a:\r\n    b: 1\r\n    c:\r\n        d: 2";
        assert_eq!(
            apply(text, "/a/c", json!({"e": {"x": 1}})).as_deref(),
            Ok("a:\r\n    b: 1\r\n    c:\r\n        d: 2\r\n        e:\r\n            x: 1")
        );
    }

    #[test]
    fn sequences_grow_by_items_in_the_file_style() {
        let text = "p:\n- name: a\n  in: query\nq: 1\n";
        assert_eq!(
            apply(text, "/p", json!([{"name": "b", "in": "header"}])).as_deref(),
            Ok("p:\n- name: a\n  in: query\n- name: b\n  in: header\nq: 1\n")
        );
    }

    #[test]
    fn a_sequence_of_flow_mappings_grows_by_a_block_item() {
        let text = "p:\n  - {name: a, in: path}\n";
        assert_eq!(
            apply(text, "/p", json!([{"name": "b"}])).as_deref(),
            Ok("p:\n  - {name: a, in: path}\n  - name: b\n")
        );
    }

    #[test]
    fn flow_style_anchors_and_aliases_are_refused() {
        assert!(apply("a: {b: 1}\n", "/a", json!({"c": 1}))
            .unwrap_err()
            .contains("flow style"));
        assert!(apply("a: &x\n  b: 1\nc: *x\n", "/a", json!({"c": 1}))
            .unwrap_err()
            .contains("anchor"));
        assert!(apply("a: &x\n  b: 1\nc: *x\n", "/c", json!({"c": 1}))
            .unwrap_err()
            .contains("alias"));
    }
}
