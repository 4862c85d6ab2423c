//! Where things are in a text file: byte offsets to line:column, and JSON pointers to spans.
//!
//! Specs and captures share this module, so a spec's bad `$ref` and a capture's unknown key are
//! located the same way. Nothing here parses for meaning: the JSON scanner skips values without
//! building them, and the YAML index is built from parser events only when a finding needs a
//! location.

use std::borrow::Cow;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

use std::collections::HashMap;

use yaml_rust2::parser::{Event as YamlEvent, MarkedEventReceiver, Parser as YamlParser};

use crate::pointer::{ancestors, EventPath, Place};
use yaml_rust2::scanner::Marker;

/// A byte range into a source text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ByteSpan {
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
}

/// Maps byte offsets of one text to 1-based lines and columns (columns count characters, as
/// editors do, not bytes).
#[derive(Debug, Clone)]
pub struct LineIndex {
    line_starts: Vec<usize>,
}

impl LineIndex {
    /// Indexes the line starts of `text`.
    pub fn new(text: &str) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(newline_offsets(text.as_bytes()).map(|i| i + 1));
        LineIndex { line_starts }
    }

    /// 1-based line and column of `offset` (clamped to the text).
    pub fn line_col(&self, text: &str, offset: usize) -> (usize, usize) {
        let offset = offset.min(text.len());
        let line = match self.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let start = self.line_starts[line];
        let column = text
            .get(start..offset)
            .map(|s| s.chars().count())
            .unwrap_or(offset - start);
        (line + 1, column + 1)
    }

    /// The text of 1-based `line`, without its line break.
    pub fn line_text<'t>(&self, text: &'t str, line: usize) -> &'t str {
        let Some(&start) = self.line_starts.get(line.saturating_sub(1)) else {
            return "";
        };
        let end = self.line_starts.get(line).copied().unwrap_or(text.len());
        text.get(start..end)
            .unwrap_or("")
            .trim_end_matches(['\n', '\r'])
    }

    /// Byte offset where 1-based `line` starts.
    pub fn line_start(&self, line: usize) -> Option<usize> {
        self.line_starts.get(line.saturating_sub(1)).copied()
    }
}

/// `memchr`: a byte-at-a-time scan was 27 M instructions of GitHub's 3.6 MB description.
fn newline_offsets(bytes: &[u8]) -> impl Iterator<Item = usize> + '_ {
    memchr::memchr_iter(b'\n', bytes)
}

/// The syntax a source file is written in, which decides how pointers are located.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceFormat {
    /// JSON text.
    Json,
    /// YAML text (JSON is YAML too, but is located faster by the JSON scanner).
    Yaml,
}

/// A file's text kept beside what was parsed from it, so any finding can be pointed at.
#[derive(Debug, Clone)]
pub struct SourceFile {
    inner: Arc<SourceInner>,
}

#[derive(Debug)]
struct SourceInner {
    path: PathBuf,
    text: String,
    format: SourceFormat,
    lines: LineIndex,
    yaml_index: OnceLock<HashMap<String, usize>>,
    /// YAML lookups answered by a targeted scan so far (see [`SourceFile::locate`]).
    yaml_scans: AtomicUsize,
}

/// How many YAML lookups scan for their one pointer before the whole-file index is built: a
/// scan stops at its node and allocates nothing per node, so a run with a handful of findings
/// (generating Stripe raises one warning) never pays for indexing 4 MB; lint, which may locate
/// hundreds of findings in one file, builds the index once.
const YAML_SCANS_BEFORE_INDEX: usize = 8;

/// A resolved location: what renderers print and CI tools read.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Location {
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    /// Length of the underlined text in characters on that line (at least 1).
    pub len: usize,
    /// The line's text, kept so a snippet can be shown without reading the file again.
    #[serde(skip)]
    pub line_text: String,
}

impl SourceFile {
    /// Wraps `text` read from `path`.
    pub fn new(path: impl Into<PathBuf>, text: String, format: SourceFormat) -> Self {
        let lines = LineIndex::new(&text);
        SourceFile {
            inner: Arc::new(SourceInner {
                path: path.into(),
                text,
                format,
                lines,
                yaml_index: OnceLock::new(),
                yaml_scans: AtomicUsize::new(0),
            }),
        }
    }

    /// The path the text was read from.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// The whole text.
    pub fn text(&self) -> &str {
        &self.inner.text
    }

    /// The syntax of the text.
    pub fn format(&self) -> SourceFormat {
        self.inner.format
    }

    /// Line, column and line text of a byte span.
    pub fn location(&self, span: ByteSpan) -> Location {
        let text = self.text();
        let (line, column) = self.inner.lines.line_col(text, span.start);
        let line_text = self.inner.lines.line_text(text, line).to_string();
        let len = text
            .get(span.start..span.end.min(text.len()))
            .map(|s| s.lines().next().unwrap_or("").chars().count())
            .unwrap_or(1)
            .max(1);
        Location {
            line,
            column,
            len,
            line_text,
        }
    }

    /// Location of a 1-based line and column (as reported by a parser).
    pub fn location_at(&self, line: usize, column: usize) -> Location {
        let line_text = self.inner.lines.line_text(self.text(), line).to_string();
        Location {
            line,
            column: column.max(1),
            len: 1,
            line_text,
        }
    }

    /// Location of the node at `pointer`: the key for an object member, else the value.
    /// Falls back to the nearest ancestor that can be found.
    pub fn locate(&self, pointer: &str) -> Option<Location> {
        match self.format() {
            SourceFormat::Json => {
                let found = ancestors(pointer).find_map(|p| json_pointer_span(self.text(), p))?;
                Some(self.location(found.key.unwrap_or(found.value)))
            }
            SourceFormat::Yaml => {
                // Not even the first segment found (or the root itself, which the parser marks
                // nowhere useful): the document's first line of content, as JSON falls back to `{`.
                let start = self
                    .yaml_offset(pointer)
                    .unwrap_or_else(|| yaml_content_start(self.text()));
                let mut loc = self.location(ByteSpan { start, end: start });
                loc.len = key_len_at(&loc.line_text, loc.column);
                Some(loc)
            }
        }
    }

    /// Byte offset of the YAML node at `pointer` or of its nearest ancestor: from the index when
    /// it exists or enough lookups have been made to be worth it, else by a scan that stops at
    /// the node.
    fn yaml_offset(&self, pointer: &str) -> Option<usize> {
        let inner = &self.inner;
        let index = match inner.yaml_index.get() {
            Some(index) => index,
            None if inner.yaml_scans.fetch_add(1, Ordering::Relaxed) < YAML_SCANS_BEFORE_INDEX => {
                return yaml_pointer_scan(self.text(), &inner.lines, &pointer_segments(pointer));
            }
            None => inner
                .yaml_index
                .get_or_init(|| yaml_pointer_index(self.text(), &inner.lines)),
        };
        ancestors(pointer).find_map(|p| index.get(p).copied())
    }
}

/// The byte span a `serde_json` error points at in `text`: its columns count bytes (1-based; 0
/// at a line's very start), while [`Location`] columns count characters.
pub fn json_error_span(text: &str, err: &serde_json::Error) -> ByteSpan {
    let index = LineIndex::new(text);
    let start = index.line_start(err.line().max(1)).unwrap_or(text.len());
    let offset = floor_char_boundary(text, start + err.column().saturating_sub(1));
    ByteSpan {
        start: offset,
        end: offset + 1,
    }
}

/// `offset` clamped to `text` and moved back to the start of the character it falls in.
pub fn floor_char_boundary(text: &str, offset: usize) -> usize {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// The 1-based line and column, in characters, a `serde_json` error points at in `text`: what a
/// message shows the user, where `err.column()` would count bytes.
pub fn json_error_position(text: &str, err: &serde_json::Error) -> (usize, usize) {
    LineIndex::new(text).line_col(text, json_error_span(text, err).start)
}

/// Byte offset of the first line of a YAML text that is not blank, a comment, a directive or a
/// document marker.
fn yaml_content_start(text: &str) -> usize {
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let content = line.trim_start();
        let skip =
            content.is_empty() || content.starts_with(['#', '%']) || content.trim_end() == "---";
        if !skip {
            return offset + (line.len() - content.len());
        }
        offset += line.len();
    }
    0
}

/// Length in characters of the key or scalar starting at `column` on a YAML line, for underlining.
fn key_len_at(line: &str, column: usize) -> usize {
    let rest: String = line.chars().skip(column.saturating_sub(1)).collect();
    let stop = rest
        .find(": ")
        .or_else(|| rest.strip_suffix(':').map(str::len))
        .unwrap_or(rest.trim_end().len());
    rest[..stop].chars().count().max(1)
}

/// Pointer syntax has its home in [`crate::pointer`]; these are here too because spans and
/// pointers meet in this module, and every reader and checker already looks for them here.
pub use crate::pointer::{pointer_push, pointer_segments};

/// Where the member or element at a JSON pointer stands in JSON text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PointerSpan {
    /// The member's key (with quotes), when the pointer ends in an object member.
    pub key: Option<ByteSpan>,
    /// The value.
    pub value: ByteSpan,
}

/// Whether [`json_pointer_span`] reads `pointer` as its segments say: not when a key is empty
/// (`//`, a trailing `/`: the scan drops leading empty keys). Other indexes of a body's keys
/// (the tape, a per-object member index) answer only for such pointers, so they find what
/// the scan finds.
pub(crate) fn scanned_plainly(pointer: &str) -> bool {
    !pointer.contains("//") && !pointer.ends_with('/')
}

/// Finds the span of the value at `pointer` in JSON `text` without building the document.
///
/// Only the path to the target is descended; siblings are skipped byte-wise, so locating one
/// finding in a large body costs one pass over at most the bytes before it.
pub fn json_pointer_span(text: &str, pointer: &str) -> Option<PointerSpan> {
    let mut scanner = JsonScanner {
        bytes: text.as_bytes(),
        pos: 0,
    };
    scanner.skip_bom_and_ws();
    let mut key = None;
    for segment in pointer_segments(pointer) {
        scanner.skip_ws();
        match scanner.peek()? {
            b'{' => {
                scanner.pos += 1;
                key = Some(scanner.find_member(&segment)?);
            }
            b'[' => {
                scanner.pos += 1;
                let index: usize = segment.parse().ok()?;
                scanner.find_element(index)?;
                key = None;
            }
            _ => return None,
        }
    }
    scanner.skip_ws();
    let start = scanner.pos;
    scanner.skip_value()?;
    Some(PointerSpan {
        key,
        value: ByteSpan {
            start,
            end: scanner.pos,
        },
    })
}

/// Where `part`, a slice of `text` (a string serde borrowed, a body a reader cut out), stands
/// in it; `None` if it is not inside `text`.
pub(crate) fn slice_span(text: &str, part: &str) -> Option<ByteSpan> {
    let start = (part.as_ptr() as usize).checked_sub(text.as_ptr() as usize)?;
    let end = start + part.len();
    (end <= text.len()).then_some(ByteSpan { start, end })
}

/// The span of the value of the member whose key (quotes included) ends at `key_end`: the
/// value [`json_pointer_span`] finds for that member, read from its key on instead of from the
/// start of the text.
pub(crate) fn member_value_span(text: &str, key_end: usize) -> Option<ByteSpan> {
    let start = member_value_start(text.as_bytes(), key_end)?;
    let mut scanner = JsonScanner {
        bytes: text.as_bytes(),
        pos: start,
    };
    scanner.skip_value()?;
    Some(ByteSpan {
        start,
        end: scanner.pos,
    })
}

/// Where a member's value starts, its key ending just before `after_key` (past the key's
/// closing quote): past whitespace, the `:` and whitespace. The one reading of what lies
/// between a key and its value, for the scanner and the tape alike. Inlined: the tape reads
/// every string member's value through it.
#[inline]
pub(crate) fn member_value_start(bytes: &[u8], after_key: usize) -> Option<usize> {
    let colon = skip_json_space(bytes, after_key);
    (bytes.get(colon) == Some(&b':')).then(|| skip_json_space(bytes, colon + 1))
}

/// The first byte at or after `at` that is not JSON whitespace (or the end).
#[inline]
pub(crate) fn skip_json_space(bytes: &[u8], mut at: usize) -> usize {
    while bytes.get(at).copied().is_some_and(is_json_space) {
        at += 1;
    }
    at
}

/// What [`json_pointer_span`] finds for `pointer/KEY`, for every key of the object at `pointer`
/// in one pass over it (the first of a repeated key, as there); `None` when no object stands
/// there or it cannot be read through (then ask [`json_pointer_span`] key by key).
pub fn json_object_members(
    text: &str,
    pointer: &str,
) -> Option<std::collections::HashMap<String, PointerSpan>> {
    let at = json_pointer_span(text, pointer)?.value;
    let mut scanner = JsonScanner {
        bytes: text.as_bytes(),
        pos: at.start,
    };
    if scanner.peek()? != b'{' {
        return None;
    }
    scanner.pos += 1;
    let mut out = std::collections::HashMap::new();
    while let Some((key, name)) = scanner.next_member()? {
        let name = String::from_utf8(name.into_owned()).ok()?;
        let start = scanner.pos;
        scanner.skip_value()?;
        out.entry(name).or_insert(PointerSpan {
            key: Some(key),
            value: ByteSpan {
                start,
                end: scanner.pos,
            },
        });
    }
    Some(out)
}

/// Whether `b` is whitespace as JSON has it (RFC 8259: space, tab, line feed, carriage
/// return; not form feed, which `u8::is_ascii_whitespace` admits).
pub(crate) fn is_json_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

/// The offset just past the JSON string whose opening quote is at `start` of `bytes`; `None`
/// when the text ends inside it. One home for "scan a JSON string to its end": the pointer
/// lookup here and the capture scanners read strings the same way.
pub(crate) fn string_end(bytes: &[u8], start: usize) -> Option<usize> {
    let mut i = start + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => return Some(i + 1),
            b'\\' => i += 2,
            _ => i += 1,
        }
    }
    None
}

struct JsonScanner<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> JsonScanner<'a> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn skip_bom_and_ws(&mut self) {
        if self.bytes.starts_with(b"\xEF\xBB\xBF") {
            self.pos = 3;
        }
        self.skip_ws();
    }

    fn skip_ws(&mut self) {
        self.pos = skip_json_space(self.bytes, self.pos);
    }

    /// Skips a string starting at the current quote; returns its raw span (with quotes).
    fn skip_string(&mut self) -> Option<ByteSpan> {
        let start = self.pos;
        if self.peek()? != b'"' {
            return None;
        }
        self.pos = string_end(self.bytes, start)?;
        Some(ByteSpan {
            start,
            end: self.pos,
        })
    }

    fn skip_value(&mut self) -> Option<()> {
        self.skip_ws();
        match self.peek()? {
            b'"' => self.skip_string().map(|_| ()),
            b'{' | b'[' => {
                let mut depth = 0usize;
                loop {
                    match self.peek()? {
                        b'"' => {
                            self.skip_string()?;
                            continue;
                        }
                        b'{' | b'[' => depth += 1,
                        b'}' | b']' => {
                            depth -= 1;
                            if depth == 0 {
                                self.pos += 1;
                                return Some(());
                            }
                        }
                        _ => {}
                    }
                    self.pos += 1;
                }
            }
            _ => {
                let start = self.pos;
                while let Some(b) = self.peek() {
                    if matches!(b, b',' | b'}' | b']') || is_json_space(b) {
                        break;
                    }
                    self.pos += 1;
                }
                (self.pos > start).then_some(())
            }
        }
    }

    /// Inside an object (after `{`): positions at the value of member `name`, returns the key span.
    fn find_member(&mut self, name: &str) -> Option<ByteSpan> {
        while let Some((key, found)) = self.next_member()? {
            if found.as_ref() == name.as_bytes() {
                return Some(key);
            }
            self.skip_value()?;
        }
        None
    }

    /// Inside an object (after `{` or a member's value): the next member's key span and its
    /// name, unescaped, positioned at its value; `Some(None)` at the closing `}`, left for the
    /// caller; `None` where the text is not an object's member. The one reading of a member
    /// for every scan here.
    fn next_member(&mut self) -> Option<Option<(ByteSpan, Cow<'a, [u8]>)>> {
        loop {
            self.skip_ws();
            match self.peek()? {
                b'}' => return Some(None),
                b',' => self.pos += 1,
                _ => break,
            }
        }
        let key = self.skip_string()?;
        let bytes = self.bytes;
        let raw = bytes.get(key.start + 1..key.end - 1)?;
        let name = if raw.contains(&b'\\') {
            let quoted = std::str::from_utf8(bytes.get(key.start..key.end)?).ok()?;
            Cow::Owned(serde_json::from_str::<String>(quoted).ok()?.into_bytes())
        } else {
            Cow::Borrowed(raw)
        };
        self.pos = member_value_start(bytes, key.end)?;
        Some(Some((key, name)))
    }

    /// Inside an array (after `[`): positions at element `index`.
    fn find_element(&mut self, index: usize) -> Option<()> {
        let mut i = 0;
        loop {
            self.skip_ws();
            match self.peek()? {
                b']' => return None,
                b',' => {
                    self.pos += 1;
                    continue;
                }
                _ => {}
            }
            if i == index {
                return Some(());
            }
            self.skip_value()?;
            i += 1;
        }
    }
}

/// The value spans of `pointers` in JSON `text` (those found, each as often as it is given), in
/// text order, from one pass: the spans [`json_pointer_span`] gives one pointer at a time.
/// Masking asks for every header and every credential string of a capture line at once; one
/// lookup each rescanned the line up to each target (past the whole body, for a line that
/// begins with it). Only members on the way to a target are descended, the rest skipped, and
/// the scan stops at the last target.
pub fn json_pointer_spans(text: &str, pointers: &[String]) -> Vec<ByteSpan> {
    let mut trie = PointerTrie {
        nodes: Vec::with_capacity(1 + 4 * pointers.len()),
        left: 0,
    };
    trie.nodes.push(TrieNode::default());
    for pointer in pointers {
        trie.insert(pointer);
    }
    let mut scanner = JsonScanner {
        bytes: text.as_bytes(),
        pos: 0,
    };
    scanner.skip_bom_and_ws();
    let mut out = Vec::new();
    // A text that ends early keeps what was found before (a parsed text does not).
    let _ = trie.visit(&mut scanner, &[0], &mut out);
    out.sort_by_key(|s| s.start);
    out
}

/// The pointers of [`json_pointer_spans`] as a tree of segments.
struct PointerTrie<'p> {
    nodes: Vec<TrieNode<'p>>,
    /// Targets not found yet: at none, the scan stops.
    left: usize,
}

#[derive(Default)]
struct TrieNode<'p> {
    /// The segment, unescaped, that leads here from the parent.
    segment: Cow<'p, str>,
    /// The segment read as an array index, as [`json_pointer_span`] reads it.
    index: Option<usize>,
    /// The first child and the next sibling (node 0, the root, is no one's child): linked
    /// rather than a vector each, so a line's few pointers cost few allocations.
    child: usize,
    sibling: usize,
    /// How many of the pointers end here.
    targets: usize,
    /// Found already: like [`json_pointer_span`], only a key's first member counts.
    taken: bool,
}

impl<'p> PointerTrie<'p> {
    fn insert(&mut self, pointer: &'p str) {
        let mut at = 0;
        for segment in crate::pointer::segments(pointer) {
            let found = self
                .children(at)
                .find(|&c| self.nodes[c].segment == segment);
            at = found.unwrap_or_else(|| {
                self.nodes.push(TrieNode {
                    index: segment.parse().ok(),
                    segment,
                    sibling: self.nodes[at].child,
                    ..TrieNode::default()
                });
                let id = self.nodes.len() - 1;
                self.nodes[at].child = id;
                id
            });
        }
        self.nodes[at].targets += 1;
        self.left += 1;
    }

    /// The children of node `at`.
    fn children(&self, at: usize) -> impl Iterator<Item = usize> + '_ {
        let first = self.nodes[at].child;
        std::iter::successors((first != 0).then_some(first), |&c| {
            let next = self.nodes[c].sibling;
            (next != 0).then_some(next)
        })
    }

    /// Scans the value at the scanner, which the pointers of `nodes` reach: records the spans
    /// of those that end here and descends for the others.
    fn visit(
        &mut self,
        s: &mut JsonScanner<'_>,
        nodes: &[usize],
        out: &mut Vec<ByteSpan>,
    ) -> Option<()> {
        s.skip_ws();
        let start = s.pos;
        let deeper = nodes.iter().any(|&n| self.nodes[n].child != 0);
        match s.peek()? {
            b'{' if deeper => {
                s.pos += 1;
                self.visit_items(s, nodes, out, true)?;
            }
            b'[' if deeper => {
                s.pos += 1;
                self.visit_items(s, nodes, out, false)?;
            }
            _ => s.skip_value()?,
        }
        for &n in nodes {
            let targets = self.nodes[n].targets;
            out.extend(std::iter::repeat_n(ByteSpan { start, end: s.pos }, targets));
            self.left -= targets;
        }
        Some(())
    }

    /// The members (`object`) or elements of the value just opened, up to its end; past the last
    /// target the scan stops where it is.
    fn visit_items(
        &mut self,
        s: &mut JsonScanner<'_>,
        nodes: &[usize],
        out: &mut Vec<ByteSpan>,
        object: bool,
    ) -> Option<()> {
        let mut index = 0usize;
        loop {
            if self.left == 0 {
                return Some(());
            }
            let next: Vec<usize> = if object {
                let Some((_, name)) = s.next_member()? else {
                    s.pos += 1; // the closing `}`
                    return Some(());
                };
                self.take(nodes, |n| n.segment.as_bytes() == name.as_ref())
            } else {
                s.skip_ws();
                match s.peek()? {
                    b']' => {
                        s.pos += 1;
                        return Some(());
                    }
                    b',' => {
                        s.pos += 1;
                        continue;
                    }
                    _ => {}
                }
                index += 1;
                self.take(nodes, |n| n.index == Some(index - 1))
            };
            if next.is_empty() {
                s.skip_value()?;
            } else {
                self.visit(s, &next, out)?;
            }
        }
    }

    /// The children of `nodes` that `fits` and are not taken yet, now taken.
    fn take(&mut self, nodes: &[usize], fits: impl Fn(&TrieNode<'_>) -> bool) -> Vec<usize> {
        let mut out = Vec::new();
        for &n in nodes {
            let mut c = self.nodes[n].child;
            while c != 0 {
                if !self.nodes[c].taken && fits(&self.nodes[c]) {
                    self.nodes[c].taken = true;
                    out.push(c);
                }
                c = self.nodes[c].sibling;
            }
        }
        out
    }
}

/// Finds the node at `segments` (unescaped pointer segments) in YAML `text` by walking parser
/// events down that one path, skipping every other subtree, and stopping there. Returns the
/// offset [`yaml_pointer_index`] would give for the deepest segment found (the node itself, or
/// its nearest ancestor; `None` when not even the first segment exists), so both agree.
fn yaml_pointer_scan(text: &str, lines: &LineIndex, segments: &[String]) -> Option<usize> {
    let mut events = ScanEvents {
        parser: YamlParser::new_from_str(text),
        text,
        lines,
    };
    let mut node = events.root()?;
    let mut best: Option<usize> = None;
    for segment in segments {
        let child = match node {
            YamlEvent::MappingStart(..) => events.member(segment, &mut best),
            YamlEvent::SequenceStart(..) => events.item(segment, &mut best),
            _ => None,
        };
        let Some(child) = child else {
            return best;
        };
        node = child;
    }
    if matches!(node, YamlEvent::MappingStart(..)) {
        if let Some((YamlEvent::Scalar(..), mark)) = events.next() {
            best = best.map(|b| b.min(events.offset(mark)));
        }
    }
    best
}

/// The parser events [`yaml_pointer_scan`] walks; a syntax error ends them, like the end of
/// the text.
struct ScanEvents<'t> {
    parser: YamlParser<std::str::Chars<'t>>,
    text: &'t str,
    lines: &'t LineIndex,
}

impl ScanEvents<'_> {
    fn next(&mut self) -> Option<(YamlEvent, Marker)> {
        self.parser.next_token().ok()
    }

    fn offset(&self, mark: Marker) -> usize {
        mark_offset(self.text, self.lines, mark)
    }

    /// The root node: the first event that is not stream or document framing.
    fn root(&mut self) -> Option<YamlEvent> {
        loop {
            match self.next()?.0 {
                YamlEvent::StreamStart | YamlEvent::DocumentStart | YamlEvent::Nothing => {}
                YamlEvent::StreamEnd | YamlEvent::DocumentEnd => return None,
                event => return Some(event),
            }
        }
    }

    /// Consumes the rest of the node that `first` opens; false if the events end first.
    fn skip(&mut self, first: &YamlEvent) -> bool {
        let opens = |e: &YamlEvent| {
            matches!(
                e,
                YamlEvent::MappingStart(..) | YamlEvent::SequenceStart(..)
            )
        };
        let mut depth = usize::from(opens(first));
        while depth > 0 {
            match self.next() {
                Some((e, _)) if opens(&e) => depth += 1,
                Some((YamlEvent::MappingEnd | YamlEvent::SequenceEnd, _)) => depth -= 1,
                Some((YamlEvent::StreamEnd, _)) | None => return false,
                Some(_) => {}
            }
        }
        true
    }

    /// Inside a mapping (after its start): the value event of member `name`, with `best` moved
    /// to its key; `None` when the mapping has no such member.
    fn member(&mut self, name: &str, best: &mut Option<usize>) -> Option<YamlEvent> {
        loop {
            let (key, mark) = self.next()?;
            match key {
                YamlEvent::Scalar(key, ..) => {
                    // A block mapping's start is marked after its first key (see the index).
                    let at = self.offset(mark);
                    *best = best.map(|b| b.min(at));
                    let (value, _) = self.next()?;
                    if key == name {
                        *best = Some(at);
                        return Some(value);
                    }
                    if !self.skip(&value) {
                        return None;
                    }
                }
                YamlEvent::MappingEnd => return None,
                // A complex key (a mapping or sequence used as a key) is never on a path.
                complex => {
                    if !self.skip(&complex) {
                        return None;
                    }
                    let (value, _) = self.next()?;
                    if !self.skip(&value) {
                        return None;
                    }
                }
            }
        }
    }

    /// Inside a sequence (after its start): the event of item `segment`, with `best` moved to
    /// it; `None` when the sequence is shorter.
    fn item(&mut self, segment: &str, best: &mut Option<usize>) -> Option<YamlEvent> {
        let mut position = 0usize;
        loop {
            let (item, mark) = self.next()?;
            if matches!(item, YamlEvent::SequenceEnd) {
                return None;
            }
            if position.to_string() == segment {
                *best = Some(self.offset(mark));
                return Some(item);
            }
            if !self.skip(&item) {
                return None;
            }
            position += 1;
        }
    }
}

/// Byte offset of a YAML parser mark. `Marker::index` counts characters, not bytes (its doc
/// says bytes; its scanner adds one per character), so on a line after a multi-byte character
/// it points too early: an em dash on line 1 put a line-5 finding at 4:54. Line and column are
/// exact, and the line index turns them into bytes.
pub(crate) fn mark_offset(text: &str, lines: &LineIndex, mark: Marker) -> usize {
    let Some(start) = lines.line_start(mark.line()) else {
        return text.len();
    };
    text.get(start..)
        .and_then(|rest| rest.char_indices().nth(mark.col()))
        .map_or(text.len(), |(i, _)| start + i)
}

/// Builds pointer → byte offset for every node of a YAML document: mapping members point at
/// their key, sequence items at the item.
fn yaml_pointer_index(text: &str, lines: &LineIndex) -> HashMap<String, usize> {
    let mut recv = IndexRecv {
        text,
        lines,
        path: EventPath::default(),
        index: HashMap::new(),
    };
    let mut parser = YamlParser::new_from_str(text);
    // A syntax error stops the index where it happened; what was indexed before is still right.
    let _ = parser.load(&mut recv, false);
    recv.index
}

/// Receives the parser's events for [`yaml_pointer_index`].
struct IndexRecv<'t> {
    text: &'t str,
    lines: &'t LineIndex,
    path: EventPath,
    index: HashMap<String, usize>,
}

impl IndexRecv<'_> {
    /// Indexes what an event at `mark` stands for: a key names its member there, an item is
    /// placed there (a member's value was placed at its key).
    fn place(&mut self, place: Place, mark: Marker) {
        let at = || mark_offset(self.text, self.lines, mark);
        match place {
            Place::Key { member, parent } => {
                let at = at();
                // A block mapping's start event is marked after its first key; the mapping
                // itself is better shown at that key.
                if let Some(start) = self.index.get_mut(&member[..parent]) {
                    *start = (*start).min(at);
                }
                self.index.insert(member, at);
            }
            Place::Node {
                pointer,
                item: true,
            } => {
                let at = at();
                self.index.insert(pointer, at);
            }
            Place::Node { .. } | Place::Hidden => {}
        }
    }
}

impl MarkedEventReceiver for IndexRecv<'_> {
    fn on_event(&mut self, ev: YamlEvent, mark: Marker) {
        let place = match ev {
            YamlEvent::Scalar(ref value, ..) => self.path.scalar(value),
            YamlEvent::Alias(..) => self.path.node(),
            YamlEvent::MappingStart(..) => self.path.open(true),
            YamlEvent::SequenceStart(..) => self.path.open(false),
            YamlEvent::MappingEnd | YamlEvent::SequenceEnd => {
                self.path.close();
                return;
            }
            _ => return,
        };
        self.place(place, mark);
    }
}

/// A serde (JSON or YAML) error message without its ` at line L column C` tail: every report
/// shows the location apart, from the error's own line and column.
pub fn without_serde_position(message: &str) -> &str {
    message
        .rfind(" at line ")
        .map_or(message, |i| &message[..i])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_pointer_finds_key_of_nested_member() {
        let text = "{\n  \"a\": {\"b\": [1, {\"c\": \"x\"}]},\n  \"d\": 2\n}";
        let span = json_pointer_span(text, "/a/b/1/c").expect("found");
        let key = span.key.expect("key");
        assert_eq!(&text[key.start..key.end], "\"c\"");
        assert_eq!(&text[span.value.start..span.value.end], "\"x\"");
        let d = json_pointer_span(text, "/d").expect("found d");
        assert_eq!(&text[d.value.start..d.value.end], "2");
        assert!(json_pointer_span(text, "/a/zz").is_none());
        assert!(json_pointer_span("[1,2", "/5").is_none());
    }

    #[test]
    fn json_pointer_handles_escaped_keys_and_strings_with_braces() {
        let text = r#"{"x": "}{][", "a/b": {"q\"k": 1}}"#;
        let span = json_pointer_span(text, "/a~1b/q\"k").expect("found");
        assert_eq!(&text[span.value.start..span.value.end], "1");
    }

    #[test]
    fn yaml_index_points_at_keys_and_items() {
        let text = "openapi: 3.0.3\npaths:\n  /a:\n    get:\n      responses:\n        '200':\n          description: ok\nlist:\n  - one\n  - {k: v}\n";
        let file = SourceFile::new("x.yaml", text.to_string(), SourceFormat::Yaml);
        let loc = file
            .locate("/paths/~1a/get/responses/200")
            .expect("located");
        assert_eq!((loc.line, loc.column), (6, 9));
        let loc = file.locate("/list/1/k").expect("located");
        assert_eq!((loc.line, loc.column), (10, 6));
        // Missing leaf falls back to the nearest ancestor.
        let loc = file.locate("/paths/~1a/get/nothing").expect("ancestor");
        assert_eq!((loc.line, loc.column), (4, 5));
    }

    #[test]
    fn yaml_scan_agrees_with_the_index_on_every_node() {
        let inline =
            "a: 1\nb:\n  - x\n  - {k: v, '~/': [1, {z: 2}]}\n  -\n    m: 1\n    n: 2\nc: {d: e}\n";
        // Broken at the end: both stop at the error and agree on what came before it.
        let broken = "a:\n  b: 1\n  c: [1, {d: 2}\ne: [";
        let wide = "# Café — API\nпривет: {ключ: [—, {é: 1}]}\nb:\n  - x — y\n  - z: 'ü'\n";
        let mut texts = vec![inline.to_string(), broken.to_string(), wide.to_string()];
        for file in [
            "spec/kommo.yaml",
            "spec/espocrm.yaml",
            "tests/fixtures/codegen/hostile.yaml",
        ] {
            let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
            texts.push(std::fs::read_to_string(path).expect("fixture readable"));
        }
        for text in &texts {
            let lines = LineIndex::new(text);
            let index = yaml_pointer_index(text, &lines);
            assert!(index.len() >= 3, "{} nodes indexed", index.len());
            for (pointer, &offset) in &index {
                let segments = pointer_segments(pointer);
                assert_eq!(
                    yaml_pointer_scan(text, &lines, &segments),
                    Some(offset),
                    "{pointer}"
                );
                // A missing child falls back to its parent, as the index lookup does.
                let missing = pointer_push(pointer, "no such key");
                assert_eq!(
                    yaml_pointer_scan(text, &lines, &pointer_segments(&missing)),
                    Some(offset)
                );
            }
            assert_eq!(
                yaml_pointer_scan(text, &lines, &pointer_segments("/no such key")),
                None
            );
        }
    }

    #[test]
    fn yaml_keys_are_underlined_by_characters() {
        assert_eq!(key_len_at("  имя: x", 3), 3);
        assert_eq!(key_len_at("- name: id", 3), 4);
        assert_eq!(key_len_at("key:", 1), 3);
        assert_eq!(key_len_at("", 1), 1);
    }

    #[test]
    fn line_col_counts_characters() {
        let text = "ab\nпривет: 1\n";
        let idx = LineIndex::new(text);
        let offset = text.find(": 1").expect("present");
        assert_eq!(idx.line_col(text, offset), (2, 7));
        assert_eq!(idx.line_text(text, 2), "привет: 1");
    }

    /// Issue 15's held-out defect: an em dash on the first line put a finding at 4:54 instead of
    /// 5:1, because the YAML parser's mark index counts characters and was used as a byte offset.
    #[test]
    fn multi_byte_characters_do_not_shift_later_locations() {
        let text = "# Orders API — internal\nopenapi: 3.0.3\ninfo: {title: t — x, version: '1'}\npaths:\n/a: 1\n";
        let file = SourceFile::new("x.yaml", text.to_string(), SourceFormat::Yaml);
        for _ in 0..=YAML_SCANS_BEFORE_INDEX {
            // Both the targeted scan and, after enough lookups, the whole-file index.
            let loc = file.locate("/~1a").expect("located");
            assert_eq!((loc.line, loc.column, loc.len), (5, 1, 2));
            let loc = file.locate("/info/version").expect("located");
            assert_eq!((loc.line, loc.column), (3, 22));
        }
        let json = "{\"title\": \"t — x\",\n \"a\": {\"é\": 1, \"b\": 2}}";
        let file = SourceFile::new("x.json", json.to_string(), SourceFormat::Json);
        let loc = file.locate("/a/b").expect("located");
        assert_eq!((loc.line, loc.column, loc.len), (2, 16, 3));
    }

    #[test]
    fn json_error_columns_are_bytes_turned_into_characters() {
        let text = "{\"a\": \"—\", \"b\": x}";
        let err = serde_json::from_str::<serde_json::Value>(text).expect_err("invalid");
        let span = json_error_span(text, &err);
        assert_eq!(&text[span.start..span.end], "x");
        let file = SourceFile::new("x.json", text.to_string(), SourceFormat::Json);
        assert_eq!(file.location(span).column, 17);
        assert_eq!(json_error_position(text, &err), (1, 17));
        assert_eq!(err.column(), 19, "serde counts the em dash's three bytes");
    }
}
