//! Capture readers: files of recorded traffic → units of text → [`Exchange`]s.
//!
//! Reading happens in two steps so that big files stream and parse in parallel: a reader walks a
//! file sequentially and cuts it into [`Unit`]s (one NDJSON line, one HAR entry, one raw body)
//! without parsing them; [`parse_unit`] then turns a unit into an exchange on any thread. A unit
//! remembers where its text stands in the file, so every finding can be located at the
//! offending key's line and column in the capture itself.
//!
//! An exchange carries its request ([`Request`]: query pairs, headers, cookies, body) so the
//! validator can check it against the operation's parameters, body and security. The values are
//! used only for checking: the text a snippet can show is masked first ([`mask_strings`]), and the
//! request checks never put a credential's value in a message, so no report can leak
//! `Authorization`, `x-client-secret` or a cookie.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::Value;

use crate::diagnostic::{Diagnostic, Kind, Severity};
use crate::pointer::Pointer;
use crate::source::{floor_char_boundary, ByteSpan, Location};

use super::tape::{Tape, TapeNode};

pub mod har;
pub mod ndjson;
pub mod raw;

/// Files larger than this are refused as raw bodies (a raw body is parsed whole); HAR entries and
/// NDJSON lines larger than this are skipped with a `parse_error`. Keeps memory bounded whatever
/// the input.
pub const MAX_UNIT_BYTES: usize = 256 * 1024 * 1024;

/// The kind of capture file, from its extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaptureFormat {
    /// HTTP Archive 1.2.
    Har,
    /// One exchange per line.
    Ndjson,
    /// One response body, described by a sibling `NAME.meta.json` or by `--operation`/`--status`.
    Raw,
}

impl CaptureFormat {
    /// The format a path's extension names; `None` for files that are not captures (including
    /// the `*.meta.json` descriptions of raw bodies).
    pub fn of(path: &Path) -> Option<Self> {
        let name = path.file_name()?.to_string_lossy().to_ascii_lowercase();
        if name.ends_with(".meta.json") {
            return None;
        }
        let ext = name.rsplit_once('.')?.1;
        match ext {
            "har" => Some(CaptureFormat::Har),
            "ndjson" | "jsonl" => Some(CaptureFormat::Ndjson),
            "json" => Some(CaptureFormat::Raw),
            _ => None,
        }
    }
}

/// Lines longer than this are not kept for snippets (a minified HAR is one line of hundreds of
/// megabytes): the finding keeps its exact line and column and is shown without a snippet.
pub const MAX_SNIPPET_LINE: usize = 64 * 1024;

/// Where the first byte of a text stands in its capture file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// 1-based line in the file.
    pub line: usize,
    /// 1-based column (characters) in the file.
    pub column: usize,
    /// The file's text on that line before the first byte, so a snippet shows the whole line;
    /// `None` when that is too long to keep (see [`MAX_SNIPPET_LINE`]).
    pub prefix: Option<String>,
}

impl Origin {
    /// The start of a file.
    pub fn file_start() -> Self {
        Origin {
            line: 1,
            column: 1,
            prefix: Some(String::new()),
        }
    }

    /// The origin of `text[offset..]`, when `self` is the origin of `text`.
    pub fn advance(&self, text: &str, offset: usize) -> Origin {
        let offset = floor_char_boundary(text, offset);
        let before = &text[..offset];
        let keep = |p: String| (p.len() <= MAX_SNIPPET_LINE).then_some(p);
        match before.rfind('\n') {
            Some(nl) => Origin {
                line: self.line + before.matches('\n').count(),
                column: before[nl + 1..].chars().count() + 1,
                prefix: keep(before[nl + 1..].to_string()),
            },
            None => Origin {
                line: self.line,
                column: self.column + before.chars().count(),
                prefix: self
                    .prefix
                    .as_ref()
                    .filter(|p| p.len() + before.len() <= MAX_SNIPPET_LINE)
                    .map(|p| format!("{p}{before}")),
            },
        }
    }

    /// The file location of `span` inside `text`, when `self` is the origin of `text`.
    pub fn locate(&self, text: &str, span: ByteSpan) -> Location {
        Locator::new(self, text).locate(span)
    }

    /// The location of this origin itself, underlining one character.
    pub fn location(&self, first_line: &str) -> Location {
        Location {
            line: self.line,
            column: self.column,
            len: 1,
            line_text: snippet_line(self.prefix.as_deref(), first_line),
        }
    }
}

/// Locates spans of one text, which starts at `origin`, in a forward pass: line and column are
/// carried from one span to the next rather than counted again from the start of the text, so a
/// body with many findings (sorted by place) is scanned once. A span before the last one is
/// located from the start again: slower, never wrong.
pub struct Locator<'t> {
    origin: &'t Origin,
    text: &'t str,
    /// The offset reached, on a character boundary.
    at: usize,
    /// Line and column at `at`.
    line: usize,
    column: usize,
    /// Where the line holding `at` starts in `text`; `None` while on the origin's line.
    line_start: Option<usize>,
    /// Where the line holding `at` ends (its `\n`, or the end of the text), once looked for:
    /// found once per line, so many findings on one long line (an NDJSON exchange) do not each
    /// search to its end.
    line_end: Option<usize>,
}

impl<'t> Locator<'t> {
    /// A locator at the start of `text`.
    pub fn new(origin: &'t Origin, text: &'t str) -> Self {
        Locator {
            origin,
            text,
            at: 0,
            line: origin.line,
            column: origin.column,
            line_start: None,
            line_end: None,
        }
    }

    /// Moves to `offset` (a character boundary at or after the current one).
    fn advance_to(&mut self, offset: usize) {
        if offset < self.at {
            *self = Locator::new(self.origin, self.text);
        }
        let seg = &self.text[self.at..offset];
        match seg.rfind('\n') {
            Some(nl) => {
                self.line += seg.bytes().filter(|b| *b == b'\n').count();
                let start = self.at + nl + 1;
                self.line_start = Some(start);
                self.column = self.text[start..offset].chars().count() + 1;
            }
            None => self.column += seg.chars().count(),
        }
        self.at = offset;
    }

    /// The file location of `span` of the text, with its whole line for a snippet when it is
    /// short enough to keep (see [`MAX_SNIPPET_LINE`]).
    pub fn locate(&mut self, span: ByteSpan) -> Location {
        let text = self.text;
        let start = floor_char_boundary(text, span.start);
        self.advance_to(start);
        let line_end = match self.line_end {
            Some(end) if end >= start => end,
            _ => text[start..].find('\n').map_or(text.len(), |nl| start + nl),
        };
        self.line_end = Some(line_end);
        let rest = text[start..line_end].trim_end_matches('\r');
        let end = floor_char_boundary(text, span.end.max(start));
        let len = text[start..end]
            .split('\n')
            .next()
            .unwrap_or("")
            .chars()
            .count()
            .max(1);
        let line_text = match (self.line_start, self.origin.prefix.as_deref()) {
            (Some(from), _) if start - from + rest.len() <= MAX_SNIPPET_LINE => {
                text[from..start + rest.len()].to_string()
            }
            (None, Some(p)) if p.len() + start + rest.len() <= MAX_SNIPPET_LINE => {
                let mut line = String::with_capacity(p.len() + start + rest.len());
                line.push_str(p);
                line.push_str(&text[..start + rest.len()]);
                line
            }
            _ => String::new(),
        };
        Location {
            line: self.line,
            column: self.column,
            len,
            line_text,
        }
    }
}

/// The whole line for a snippet, or nothing when it is unknown or too long to show.
fn snippet_line(prefix: Option<&str>, rest: &str) -> String {
    let rest = rest.trim_end_matches('\r');
    match prefix {
        Some(p) if p.len() + rest.len() <= MAX_SNIPPET_LINE => format!("{p}{rest}"),
        _ => String::new(),
    }
}

/// A piece of a capture file that holds one exchange, not yet parsed.
#[derive(Debug, Clone)]
pub struct Unit {
    /// The capture file.
    pub file: Arc<PathBuf>,
    /// Index of the exchange in a HAR or NDJSON file; `None` for a raw body.
    pub entry: Option<usize>,
    /// The unit's text: an NDJSON line, a HAR entry object, or a raw body.
    pub text: String,
    /// Where `text` starts in the file.
    pub origin: Origin,
    /// What the text is.
    pub kind: UnitKind,
}

/// What a unit's text holds.
#[derive(Debug, Clone)]
pub enum UnitKind {
    /// One NDJSON line.
    NdjsonLine,
    /// One object of a HAR's `log.entries`.
    HarEntry,
    /// A raw response body with what is known about its exchange.
    RawBody(RawMeta),
}

/// What describes a raw body: its sibling `NAME.meta.json` or the command line.
#[derive(Debug, Clone, Default)]
pub struct RawMeta {
    /// Request method.
    pub method: Option<String>,
    /// Request URL.
    pub url: Option<String>,
    /// Response status.
    pub status: Option<u16>,
    /// Response media type.
    pub content_type: Option<String>,
    /// `--operation`: the operation to check against, bypassing URL matching.
    pub operation: Option<String>,
}

/// A response body as recorded.
#[derive(Debug, Clone)]
pub struct Body {
    /// The body text as the server sent it (decoded from base64 or from a JSON string if the
    /// capture stored it so). Shared, not copied, when it is a whole NDJSON line that the
    /// request also points into: a huge entry is held once.
    pub text: Arc<String>,
    /// The body already parsed, as a tape over `text`, when the reader had to parse it anyway
    /// (NDJSON bodies stored as JSON values).
    pub parsed: Option<Tape>,
    /// Where the body stands in the capture file: where `text` starts when it is stored
    /// verbatim, or where `escaped` starts when it is stored as a JSON string. `None` for
    /// base64 bodies: findings then point at the exchange.
    pub origin: Option<Origin>,
    /// The raw contents of the JSON string the body was decoded from (HAR `content.text`, an
    /// NDJSON string body), to map offsets in `text` back through the escapes: a part of the
    /// unit's text, shared rather than copied.
    pub escaped: Option<Slice>,
    /// Where the body stands inside `text`, as a JSON pointer: `/body` when `text` is a whole
    /// NDJSON line (the body is parsed already, so it is never cut out: only findings need its
    /// place), else empty.
    pub within: &'static str,
    /// The masked raw contents of the JSON string the body came from, byte for byte as long as
    /// `escaped`: snippets are drawn from it while offsets map through `escaped`. Set for request
    /// bodies, whose text may hold credentials. For a body stored verbatim (no `escaped`), the
    /// masked `text`, byte for byte as long: a raw body with secrets.
    pub snippet: Option<Slice>,
}

impl Body {
    /// A body whose place in the capture is unknown (base64, rebuilt from HAR `params`):
    /// findings about it point at the exchange.
    pub fn unlocated(text: String) -> Self {
        Body {
            text: Arc::new(text),
            parsed: None,
            origin: None,
            escaped: None,
            within: "",
            snippet: None,
        }
    }

    /// The span in `text` of the key (or value) at `pointer` of the body, falling back to the
    /// nearest ancestor that can be found.
    pub fn span_of(&self, pointer: &str, want_key: bool) -> Option<ByteSpan> {
        if pointer.is_empty() && want_key {
            // The whole body: its first character, where the tape says it starts (not with a key
            // twice: the scan points at the first copy, as it does for keys).
            let tape = self.parsed.as_ref().filter(|t| !t.duplicates());
            if let Some(start) = tape.and_then(|t| t.root_start(&self.text)) {
                return Some(ByteSpan {
                    start,
                    end: start + 1,
                });
            }
        }
        if let Some(key) = self.key_span_from_tape(pointer) {
            if want_key {
                return Some(key);
            }
            if let Some(value) = crate::source::member_value_span(&self.text, key.end) {
                return Some(value);
            }
        }
        let full = format!("{}{pointer}", self.within);
        let (p, found) = crate::pointer::ancestors(&full)
            .take_while(|p| p.len() >= self.within.len())
            .find_map(|p| Some((p, crate::source::json_pointer_span(&self.text, p)?)))?;
        Some(match (want_key, found.key) {
            (true, Some(key)) if p.len() > self.within.len() => key,
            // No key (the root, an array item): the value's first character, not the
            // whole object.
            (true, _) => ByteSpan {
                start: found.value.start,
                end: found.value.start + 1,
            },
            (false, _) => found.value,
        })
    }

    /// The span (quotes included) of the key that ends `pointer`, read off the body's tape when
    /// the tape took that key straight from `text`: what [`Body::span_of`] finds by scanning
    /// `text` up to it (a finding about an undocumented key, on every exchange of a drifted
    /// API), without the scan; the member's value is read on from there. `None` where the tape cannot say for sure: no tape, a key twice
    /// in some object, a pointer with an empty key (the scan reads those its own way), a key
    /// the body lacks or one with escapes (unescaped beside the text).
    fn key_span_from_tape(&self, pointer: &str) -> Option<ByteSpan> {
        let tape = self.parsed.as_ref().filter(|t| !t.duplicates())?;
        if !crate::source::scanned_plainly(pointer) {
            return None;
        }
        let (parent, last) = pointer.rsplit_once('/')?;
        let last = crate::pointer::unescape(last);
        let object = tape.root(&self.text).pointer(parent)?;
        let (key, _) = object.members().find(|(k, _)| *k == last)?;
        quoted_span_in(&self.text, key)
    }

    /// The text snippets of a body stored verbatim are drawn from: `snippet` when it masks
    /// `text` (a raw body with secrets), else `text`.
    fn shown_verbatim(&self) -> &str {
        self.snippet
            .as_ref()
            .map(Slice::as_str)
            .filter(|s| s.len() == self.text.len())
            .unwrap_or(&self.text)
    }

    /// The file location of `span` of `text`, if the body's place in the file is known.
    pub fn locate(&self, span: ByteSpan) -> Option<Location> {
        self.locator().map(|mut l| l.locate(span))
    }

    /// A [`BodyLocator`] for spans of `text`, if the body's place in the file is known.
    pub fn locator(&self) -> Option<BodyLocator<'_>> {
        let origin = self.origin.as_ref()?;
        Some(match self.escaped.as_ref().map(Slice::as_str) {
            None => BodyLocator {
                lines: Locator::new(origin, self.shown_verbatim()),
                raw: None,
            },
            Some(raw) => {
                let shown = self
                    .snippet
                    .as_ref()
                    .map(Slice::as_str)
                    .filter(|s| s.len() == raw.len())
                    .unwrap_or(raw);
                BodyLocator {
                    lines: Locator::new(origin, shown),
                    raw: Some((raw, RawCursor::default())),
                }
            }
        })
    }
}

/// Locates spans of a body's `text` in the capture file, in a forward pass (see [`Locator`]):
/// through the escapes of the JSON string the body was stored as, when it was.
pub struct BodyLocator<'b> {
    lines: Locator<'b>,
    raw: Option<(&'b str, RawCursor)>,
}

impl BodyLocator<'_> {
    /// The file location of `span` of the body's text.
    pub fn locate(&mut self, span: ByteSpan) -> Location {
        let span = match &mut self.raw {
            None => span,
            Some((raw, cursor)) => {
                let start = cursor.seek(raw, span.start);
                let mut ahead = *cursor;
                let end = ahead.seek(raw, span.end).max(start + 1);
                ByteSpan { start, end }
            }
        };
        self.lines.locate(span)
    }
}

/// A place in the raw contents of a JSON string and the decoded offset it stands for, carried
/// forward so mapping sorted offsets reads the raw text once.
#[derive(Debug, Clone, Copy, Default)]
pub struct RawCursor {
    raw: usize,
    decoded: usize,
}

impl RawCursor {
    /// Moves to the raw offset of `decoded` bytes of decoded text (from the start again when
    /// that lies behind) and returns it.
    fn seek(&mut self, raw: &str, decoded: usize) -> usize {
        if decoded < self.decoded {
            *self = RawCursor::default();
        }
        let (i, d) = raw_step(raw, self.raw, self.decoded, decoded);
        *self = RawCursor { raw: i, decoded: d };
        i
    }
}

/// The offset in the raw contents of a JSON string that corresponds to `decoded` bytes of its
/// decoded text: each escape is several raw bytes for one decoded character.
pub fn raw_offset(raw: &str, decoded: usize) -> usize {
    raw_step(raw, 0, 0, decoded).0
}

/// From raw offset `i` standing for decoded offset `d`, reads on to decoded offset `decoded`;
/// returns the raw and decoded offsets reached.
fn raw_step(raw: &str, mut i: usize, mut d: usize, decoded: usize) -> (usize, usize) {
    let bytes = raw.as_bytes();
    while i < bytes.len() && d < decoded {
        if bytes[i] == b'\\' {
            let (used, width) = match bytes.get(i + 1) {
                Some(b'u') => match unicode_escape(raw, i) {
                    Some((c, used)) => (used, c.len_utf8()),
                    // A lone surrogate, shown as U+FFFD.
                    None if hex_unit(raw, i + 2).is_some() => (6, 3),
                    None => (2, 1),
                },
                _ => (2, 1),
            };
            i += used;
            d += width;
        } else {
            let width = utf8_width(bytes[i]);
            i += width;
            d += width;
        }
    }
    (i.min(bytes.len()), d)
}

/// The decoded contents of the JSON string literal `raw` (quotes included, syntax checked
/// already), written once into a buffer of the literal's size: serde_json would unescape a long
/// string into a scratch buffer grown by doubling and then copy it. `None` for an escape that
/// names no character (a lone surrogate): serde_json's own error then says which.
pub fn unescape(raw: &str) -> Option<String> {
    let inner = raw.strip_prefix('"')?.strip_suffix('"')?;
    let bytes = inner.as_bytes();
    let mut out = Vec::with_capacity(inner.len());
    let mut i = 0;
    while i < bytes.len() {
        let Some(k) = bytes[i..].iter().position(|b| *b == b'\\') else {
            out.extend_from_slice(&bytes[i..]);
            break;
        };
        out.extend_from_slice(&bytes[i..i + k]);
        i += k;
        let simple = match bytes.get(i + 1)? {
            b'"' => b'"',
            b'\\' => b'\\',
            b'/' => b'/',
            b'b' => 0x08,
            b'f' => 0x0c,
            b'n' => b'\n',
            b'r' => b'\r',
            b't' => b'\t',
            b'u' => {
                let (c, used) = unicode_escape(inner, i)?;
                let mut buf = [0u8; 4];
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                i += used;
                continue;
            }
            _ => return None,
        };
        out.push(simple);
        i += 2;
    }
    String::from_utf8(out).ok()
}

/// The decoded JSON string `literal` (quotes included): [`unescape`]d into one buffer, or
/// serde_json's own error (what, and where in `literal`) when it is not a readable string.
pub fn decode_string(literal: &str) -> Result<String, serde_json::Error> {
    match unescape(literal) {
        Some(s) => Ok(s),
        None => serde_json::from_str::<String>(literal),
    }
}

/// The character of the `\uXXXX` escape (or surrogate pair of them) at `at` of `raw`, and how
/// many bytes of `raw` it takes; `None` for a lone surrogate or a broken escape. One home for
/// reading `\uXXXX`: decoding ([`unescape`]) and offset mapping ([`raw_step`]) must agree.
fn unicode_escape(raw: &str, at: usize) -> Option<(char, usize)> {
    let hi = hex_unit(raw, at + 2)?;
    if !(0xD800..0xDC00).contains(&hi) {
        return Some((char::from_u32(hi)?, 6));
    }
    if raw.get(at + 6..at + 8) != Some("\\u") {
        return None;
    }
    let lo = hex_unit(raw, at + 8).filter(|lo| (0xDC00..0xE000).contains(lo))?;
    Some((
        char::from_u32(0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00))?,
        12,
    ))
}

/// The UTF-16 code unit written as four hex digits at `at` of `raw`.
fn hex_unit(raw: &str, at: usize) -> Option<u32> {
    raw.get(at..at + 4)
        .and_then(|h| u32::from_str_radix(h, 16).ok())
}

/// A byte range of a shared text: the raw contents of a JSON string inside a unit's text,
/// kept without copying them (a huge body stored as a string would otherwise be held twice).
#[derive(Debug, Clone)]
pub struct Slice {
    text: Arc<String>,
    range: std::ops::Range<usize>,
}

impl Slice {
    /// `range` of `text`; `None` unless it is a valid range on character boundaries.
    pub fn of(text: &Arc<String>, range: std::ops::Range<usize>) -> Option<Self> {
        text.get(range.clone()).map(|_| Slice {
            text: text.clone(),
            range,
        })
    }

    /// A slice holding all of `text`.
    pub fn owned(text: String) -> Self {
        let range = 0..text.len();
        Slice {
            text: Arc::new(text),
            range,
        }
    }

    /// The text of the slice.
    pub fn as_str(&self) -> &str {
        // The range was checked when the slice was made, and the text never changes.
        self.text.get(self.range.clone()).unwrap_or("")
    }
}

/// One recorded request/response pair.
#[derive(Debug, Clone)]
pub struct Exchange {
    /// The capture file.
    pub file: Arc<PathBuf>,
    /// Index in a HAR or NDJSON file.
    pub entry: Option<usize>,
    /// Request method, upper case.
    pub method: String,
    /// Request URL as recorded.
    pub url: String,
    /// The URL as reports show it, when that differs from `url` (see [`Exchange::shown_url`]).
    redacted_url: Option<String>,
    /// Response status.
    pub status: u16,
    /// Response `Content-Type`, if recorded.
    pub content_type: Option<String>,
    /// The response body, if one was recorded.
    pub body: Option<Body>,
    /// Where the exchange starts in the file, for findings that have no place in the body.
    pub anchor: Anchor,
    /// `--operation` for raw bodies.
    pub operation: Option<String>,
    /// The request as recorded; `None` for raw bodies, which record no request (request checks
    /// are then skipped).
    pub request: Option<Request>,
    /// The capture text the exchange holds as recorded, secrets and all, when it was read with
    /// [`Masking::Lazy`]: no snippet may leave without [`Exchange::mask_snippets`].
    unmasked: Option<Box<ndjson::Unmasked>>,
}

impl Exchange {
    /// The URL as every report shows it: credentials hidden (see [`crate::secrecy::redact_url`]).
    /// Redacted once, when the exchange is read: its reader needs to know already whether the
    /// URL hides something.
    pub fn shown_url(&self) -> &str {
        self.redacted_url.as_deref().unwrap_or(&self.url)
    }

    /// Masks the snippets of `locations` (found in this exchange's file) that show its text,
    /// when it was read with [`Masking::Lazy`]: the one place that decides, for such an
    /// exchange, what of its text a report may show. Each snippet becomes the same span of the
    /// line masked as [`Masking::Eager`] masks it (a snippet of an NDJSON line is always a
    /// prefix of the line: the line holds no line break, and every locator starts at its start;
    /// one longer than the line is dropped). Every snippet is replaced, so none of the unmasked
    /// line is left. The line is masked once, and only when some location shows it.
    ///
    /// Nothing else of the unmasked line can reach a report:
    /// - values reach findings through the tapes and the request's fields, which hold the line's
    ///   real values either way (an eager read copies the strings it masks out first), and keys
    ///   are never masked;
    /// - spans are found in the line by its structure and keys, which masking keeps byte for
    ///   byte, so every line and column is the same;
    /// - URLs reach reports through [`Exchange::shown_url`], redacted as ever, and a line whose
    ///   URL hides something is read eagerly (query findings map through the masked URL);
    /// - a line with a key twice, whose every string is masked, is read eagerly;
    /// - only `Validator::run_with` reads lazily, and keeps no exchange: `each_checked` hands
    ///   exchanges to `specsmith patch` and reads them eagerly; HAR entries and raw bodies are
    ///   always read eagerly (a HAR snippet can hold text of the file around the entry).
    pub fn mask_snippets<'l>(&self, locations: impl IntoIterator<Item = &'l mut Location>) {
        let Some(unmasked) = &self.unmasked else {
            return;
        };
        let line = self.anchor.text.as_str();
        let mut masked: Option<String> = None;
        for location in locations {
            if location.line_text.is_empty() {
                continue;
            }
            let masked = masked.get_or_insert_with(|| {
                unmasked.masked(&self.file, &self.anchor.origin, self.body.as_ref())
            });
            debug_assert!(line.starts_with(location.line_text.as_str()));
            let len = location.line_text.len();
            location.line_text.clear();
            if let Some(shown) = masked.get(..len) {
                location.line_text.push_str(shown);
            }
        }
    }
}

/// [`Exchange::redacted_url`] of `url`: `None` when it hides nothing.
fn redacted_url(url: &str) -> Option<String> {
    match crate::secrecy::redact_url(url) {
        std::borrow::Cow::Owned(shown) => Some(shown),
        std::borrow::Cow::Borrowed(_) => None,
    }
}

/// Where an exchange starts in its file: the first line of its text (masked as reports may
/// show it), located only when a finding is placed there. Its snippet is a copy of that whole
/// line (an NDJSON exchange's), and most exchanges have no such finding.
#[derive(Debug, Clone)]
pub struct Anchor {
    origin: Origin,
    text: Arc<String>,
}

impl Anchor {
    /// The anchor of an exchange whose `text` starts at `origin`.
    pub fn new(origin: Origin, text: Arc<String>) -> Self {
        Anchor { origin, text }
    }

    /// Where the exchange starts, with its first line as the snippet.
    pub fn location(&self) -> Location {
        let first_line = self.text.split('\n').next().unwrap_or("");
        self.origin.location(first_line)
    }
}

/// One recorded name/value pair of a request: a query pair, a header or a cookie.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    /// The name as recorded (query names decoded).
    pub name: String,
    /// The value as recorded (query values decoded).
    pub value: String,
    /// JSON pointer, in [`Request::text`], of the value in the capture (a HAR header's `value`,
    /// an NDJSON `request_headers` member, the `url` for query pairs read from it).
    pub at: String,
    /// Where the pair stands inside the string at `at` (byte range of the decoded string), when
    /// that string holds more than this field: a query pair inside the `url`.
    pub within: Option<(usize, usize)>,
}

/// The request half of an exchange, as far as the capture records it.
///
/// Parts a capture does not record are `None` (an NDJSON line without `request_headers`, a HAR
/// entry whose `headers` list is empty because the recorder stripped it: every real request
/// carries at least `Host`), and checks that need them are skipped rather than guessed.
#[derive(Debug, Clone)]
pub struct Request {
    /// Query pairs of the URL, percent-decoded (`+` as space), in order, duplicates kept.
    pub query: Vec<Field>,
    /// Headers in order, or `None` when not recorded.
    pub headers: Option<Vec<Field>>,
    /// Cookies (HAR `cookies`, else the `Cookie` header split), or `None` when not recorded.
    pub cookies: Option<Vec<Field>>,
    /// The request body, if one was sent.
    pub body: Option<Body>,
    /// Whether the capture says if a body was sent (HAR always; NDJSON when the line has a
    /// `request_body` member). A missing required body is only reported when it does.
    pub body_known: bool,
    /// The body's `Content-Type` (HAR `postData.mimeType`, else the header), if recorded.
    pub content_type: Option<String>,
    /// The masked capture text that the fields' pointers refer to: a HAR entry's `request`
    /// object, or an NDJSON line (shared with the body, not copied). Only for locating
    /// findings; secrets in it are masked.
    pub text: Arc<String>,
    /// Where `text` starts in the capture file.
    pub origin: Origin,
    /// Pointer of the URL in `text`: where query findings point when no pair is listed apart.
    pub url_at: &'static str,
    /// Pointer of the headers in `text`: where a missing header or credential points.
    pub headers_at: &'static str,
    /// Pointer of the cookies in `text` (the headers, for NDJSON).
    pub cookies_at: &'static str,
    /// Pointer of the body in `text`: where a missing or unreadable body points.
    pub body_at: &'static str,
}

impl Request {
    /// The location in the capture of the value at `pointer` of [`Request::text`], falling back
    /// to the start of the request.
    pub fn locate(&self, pointer: &str) -> Location {
        self.locate_in(pointer, None)
    }

    /// The location of a field's value: its own text inside the `url` for query pairs.
    pub fn locate_field(&self, field: &Field) -> Location {
        self.locate_in(&field.at, field.within)
    }

    /// The location of bytes `within` (of the decoded string) of the JSON string at `pointer`,
    /// mapped through its escapes (`\/` in URLs written by PHP); the whole value without `within`.
    pub fn locate_in(&self, pointer: &str, within: Option<(usize, usize)>) -> Location {
        let Some(found) = crate::source::json_pointer_span(&self.text, pointer) else {
            return self
                .origin
                .location(self.text.split('\n').next().unwrap_or(""));
        };
        let value = found.value;
        let raw = self
            .text
            .get(value.start + 1..value.end.saturating_sub(1))
            .filter(|_| self.text.as_bytes().get(value.start) == Some(&b'"'));
        let span = match (within, raw) {
            (Some((start, end)), Some(raw)) => {
                let s = raw_offset(raw, start);
                let e = raw_offset(raw, end).max(s + 1);
                ByteSpan {
                    start: value.start + 1 + s,
                    end: value.start + 1 + e,
                }
            }
            _ => value,
        };
        self.origin.locate(&self.text, span)
    }

    /// A header's value by name (case-insensitive), if headers were recorded and it is there.
    pub fn header(&self, name: &str) -> Option<&Field> {
        find_header(self.headers.as_deref()?, name)
    }
}

/// The header named `name` (case-insensitive) among `headers`: one lookup for a built request
/// and for each capture format while it builds one.
pub fn find_header<'h>(headers: &'h [Field], name: &str) -> Option<&'h Field> {
    headers.iter().find(|h| h.name.eq_ignore_ascii_case(name))
}

/// The cookies sent in the `Cookie` headers among `headers`, each located at its header.
pub fn header_cookies(headers: &[Field]) -> Vec<Field> {
    headers
        .iter()
        .filter(|f| f.name.eq_ignore_ascii_case("cookie"))
        .flat_map(cookie_fields)
        .collect()
}

/// Query pairs of `url`, decoded as a server decodes them (`+` is a space), in order, each
/// located at its own text inside the URL at `url_at`.
pub fn query_fields(url: &str, url_at: &str) -> Vec<Field> {
    let Some(q) = url.find('?') else {
        return Vec::new();
    };
    let query = &url[q + 1..];
    let query = query.split('#').next().unwrap_or("");
    let mut out = Vec::new();
    let mut at = q + 1;
    for piece in query.split('&') {
        let start = at;
        at += piece.len() + 1;
        // Each piece alone, so empty pieces (`a=1&&b=2`) are skipped as servers skip them and
        // every pair keeps its offset.
        if let Some((k, v)) = url::form_urlencoded::parse(piece.as_bytes()).next() {
            out.push(Field {
                name: k.into_owned(),
                value: v.into_owned(),
                at: url_at.to_string(),
                within: Some((start, start + piece.len())),
            });
        }
    }
    out
}

/// The cookies of a `Cookie` header value (`a=1; b=2`), each located at the header's value.
fn cookie_fields(header: &Field) -> Vec<Field> {
    header
        .value
        .split(';')
        .filter_map(|part| {
            let (name, value) = part.split_once('=')?;
            let name = name.trim();
            (!name.is_empty()).then(|| Field {
                name: name.to_string(),
                value: value.trim().trim_matches('"').to_string(),
                at: header.at.clone(),
                within: None,
            })
        })
        .collect()
}

/// Where the JSON string at `pointer` of `text` stands (quotes included), and its raw contents
/// when they hold escapes. Read before `text` is masked in place: masking keeps positions but
/// not the escapes that offsets map through.
pub fn string_raw(text: &str, pointer: &str) -> Option<(ByteSpan, Option<String>)> {
    let span = crate::source::json_pointer_span(text, pointer)
        .map(|found| found.value)
        .filter(|v| v.end >= v.start + 2)?;
    let raw = text.get(span.start + 1..span.end - 1)?;
    Some((span, raw.contains('\\').then(|| raw.to_string())))
}

/// A request body stored as a JSON string found by [`string_raw`] in a unit's text, whose
/// masked form is `shown`: positions map through the real escapes, snippets come from the
/// masked text (shared, not copied).
pub fn masked_string_body(
    origin: &Origin,
    found: Option<(ByteSpan, Option<String>)>,
    shown: &Arc<String>,
    decoded: String,
) -> Body {
    let Some((span, raw)) = found else {
        return Body::unlocated(decoded);
    };
    let inner = span.start + 1..span.end - 1;
    let masked = Slice::of(shown, inner.clone());
    // Without escapes the masked contents map offsets as well as the raw ones would.
    let (escaped, snippet) = match raw {
        Some(raw) => (Some(Slice::owned(raw)), masked),
        None => (masked, None),
    };
    Body {
        text: Arc::new(decoded),
        parsed: None,
        origin: Some(origin.advance(shown, inner.start)),
        escaped,
        within: "",
        snippet,
    }
}

/// What reading one unit gave.
pub type Parsed = Result<Exchange, Box<Diagnostic>>;

/// When a reader masks the secrets of a unit's text that snippets may show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Masking {
    /// While reading it: every text the exchange holds can be shown.
    Eager,
    /// Only once a finding shows some of it ([`Exchange::mask_snippets`]), for an NDJSON line
    /// whose masking can wait (see [`ndjson::parse_line_with`]): most exchanges show nothing,
    /// and finding the secrets of a line costs a walk over all of it. HAR entries and raw
    /// bodies are masked eagerly whatever is asked.
    Lazy,
}

/// Parses a unit into an exchange; a unit that is not a readable exchange gives a located
/// `parse_error`. The unit is consumed: its text becomes the exchange's (masked in place unless
/// `masking` lets it wait, body parsed from it), so a huge entry is not held twice.
pub fn parse_unit(unit: Unit, masking: Masking) -> Parsed {
    match &unit.kind {
        UnitKind::NdjsonLine => ndjson::parse_line_with(unit, masking),
        UnitKind::HarEntry => har::parse_entry(unit),
        UnitKind::RawBody(meta) => {
            let meta = meta.clone();
            raw::parse_body(unit, &meta)
        }
    }
}

/// Opens a capture file, or reports why it cannot be read.
fn open(file: &Path, sink: &mut dyn FnMut(Result<Unit, Box<Diagnostic>>)) -> Option<std::fs::File> {
    match std::fs::File::open(file) {
        Ok(f) => Some(f),
        Err(e) => {
            sink(Err(parse_error(
                file,
                Origin::file_start().location(""),
                format!("cannot read {}: {e}", file.display()),
            )));
            None
        }
    }
}

/// Replaces, in place, the contents of the JSON strings at `pointers` in `text` by placeholders
/// of the same byte length and character count. Snippets show capture lines, and a capture line
/// can hold a request header's value (`Authorization`, `x-client-secret`, a cookie): masked this
/// way no secret reaches a report while every offset and column stays exact. In place, because
/// a copy of a huge entry would double its cost. `false` when nothing was masked.
///
/// A text with a key twice in one object has every string value masked, secrets found or not:
/// serde keeps the last copy, a pointer finds the first, so the copy a snippet would show might
/// be a secret nobody read.
/// Keys stay, as on every other line: they are names, which messages show anyway.
pub fn mask_strings(text: &mut String, pointers: &[String]) -> bool {
    let duplicates = has_duplicate_keys(text);
    mask_strings_knowing(text, pointers, Vec::new(), duplicates)
}

/// [`mask_strings`] for a text whose parse said already whether a key stands twice in one object
/// (see [`Tape::duplicates`]), so it is not read once more to find out; `known` are the spans of
/// more strings to mask, found already (see [`SecretWalk`]), so the text is scanned only
/// as far as the last of `pointers`.
pub fn mask_strings_knowing(
    text: &mut String,
    pointers: &[String],
    known: Vec<ByteSpan>,
    duplicates: bool,
) -> bool {
    // First: with a key twice, the copy the parse dropped is unread, so it may be a secret
    // even when nothing the parse kept is one.
    if duplicates {
        mask_every_value(text);
        return true;
    }
    if pointers.is_empty() && known.is_empty() {
        return false;
    }
    let scanned = if pointers.is_empty() {
        Vec::new()
    } else {
        crate::source::json_pointer_spans(text, pointers)
    };
    let mut spans: Vec<ByteSpan> = known
        .into_iter()
        .chain(scanned)
        .filter(|v| v.end >= v.start + 2 && text.as_bytes().get(v.start) == Some(&b'"'))
        .filter(|v| text.is_char_boundary(v.end - 1))
        .collect();
    if spans.is_empty() {
        return false;
    }
    spans.sort_by_key(|s| s.start);
    let mut last = 0;
    let mut scratch = String::new();
    for span in spans {
        let (inner_start, inner_end) = (span.start + 1, span.end - 1);
        if inner_start < last {
            continue;
        }
        if mask_range(text, inner_start..inner_end, &mut scratch) {
            last = inner_end;
        }
    }
    true
}

/// Masks, in place, the `secrets` of a text (every string value if it has a key twice): the
/// secrets the tapes placed by span, the text scanned only for the others (strings with
/// escapes), and only as far as the last of them.
pub(super) fn mask_secrets(text: &mut String, secrets: &[Secret], duplicates: bool) {
    let (scan, spans): (Vec<String>, Vec<ByteSpan>) = {
        let (placed, unplaced): (Vec<&Secret>, Vec<&Secret>) =
            secrets.iter().partition(|s| s.span.is_some());
        (
            unplaced.into_iter().map(|s| s.pointer.clone()).collect(),
            placed.into_iter().filter_map(|s| s.span).collect(),
        )
    };
    mask_strings_knowing(text, &scan, spans, duplicates);
}

/// The UTF-8 length of the character starting with byte `b`.
fn utf8_width(b: u8) -> usize {
    match b {
        b if b < 0x80 => 1,
        b if b >= 0xF0 => 4,
        b if b >= 0xE0 => 3,
        _ => 2,
    }
}

/// The placeholder for one masked character: same byte length, one character.
fn mask_char(c: char) -> char {
    mask_char_of_width(c.len_utf8())
}

/// The placeholder for a character of `width` UTF-8 bytes.
fn mask_char_of_width(width: usize) -> char {
    match width {
        1 => '*',
        2 => '\u{b7}',
        3 => '\u{2022}',
        _ => '\u{1f512}',
    }
}

/// Masks the contents of every JSON string value of `text` in place, positions kept: each
/// character becomes one of the same UTF-8 length, so the line is never copied (a 255 MB line
/// with a key twice held two copies of itself). Keys are left as they are: masked, keys of one
/// length would read back alike, and the body's tape finds a member's value through its key.
/// Strings end where [`crate::source::string_end`] says, as for every other scan of a unit's
/// text.
pub(super) fn mask_every_value(text: &mut String) {
    let mut masked = String::new();
    let mut i = 0;
    while let Some(k) = memchr::memchr(b'"', &text.as_bytes()[i..]) {
        let open = i + k + 1;
        // An unterminated string (not in a text that parsed) is masked to the end.
        let (close, end) = match crate::source::string_end(text.as_bytes(), i + k) {
            Some(end) => (end - 1, end),
            None => (text.len(), text.len()),
        };
        i = end;
        let after = text.as_bytes()[end..]
            .iter()
            .find(|&&b| !crate::source::is_json_space(b));
        if after == Some(&b':') {
            continue; // a key
        }
        mask_range(text, open..close, &mut masked);
    }
}

/// Replaces the characters of `text` in `range` by placeholders of the same UTF-8 length, in
/// place: offsets stay, and the line is not checked as UTF-8 again (a pass over all of it, for
/// each line). `scratch` is reused between calls. `false` (nothing masked) for a range off
/// character boundaries.
fn mask_range(text: &mut String, range: std::ops::Range<usize>, scratch: &mut String) -> bool {
    let Some(inner) = text.get(range.clone()) else {
        return false;
    };
    scratch.clear();
    if inner.is_ascii() {
        // Nearly every masked value: one placeholder byte a byte, written in bulk rather than
        // character by character.
        const STARS: &str = "****************************************************************";
        let mut left = inner.len();
        while left > 0 {
            let n = left.min(STARS.len());
            scratch.push_str(&STARS[..n]);
            left -= n;
        }
    } else {
        scratch.extend(inner.chars().map(mask_char));
    }
    text.replace_range(range, scratch);
    true
}

/// Whether some object in the JSON `text`, which parsed already, has a key twice. Checked while
/// masking a unit whose parse did not say (a HAR entry): one extra scan of it. A scan of the
/// bytes rather than a serde pass: only keys are decoded, so a huge string value (a body stored
/// as a JSON string) is skipped, not unescaped into a scratch buffer as big as itself.
pub fn has_duplicate_keys(text: &str) -> bool {
    use std::borrow::Cow;
    use std::collections::HashSet;
    let bytes = text.as_bytes();
    // The keys seen in each open object; `None` for an open array.
    let mut open: Vec<Option<HashSet<Cow<'_, str>>>> = Vec::new();
    let mut expect_key = false;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'{' => {
                open.push(Some(HashSet::new()));
                expect_key = true;
            }
            b'[' => {
                open.push(None);
                expect_key = false;
            }
            b'}' | b']' => {
                open.pop();
            }
            b',' => expect_key = matches!(open.last(), Some(Some(_))),
            b'"' => {
                let end = crate::source::string_end(bytes, i).unwrap_or(bytes.len());
                if expect_key {
                    let raw = &text[i..end];
                    let key = match unescape(raw) {
                        Some(k) if raw.contains('\\') => Cow::Owned(k),
                        _ => Cow::Borrowed(&raw[1..raw.len().saturating_sub(1).max(1)]),
                    };
                    if let Some(Some(keys)) = open.last_mut() {
                        if !keys.insert(key) {
                            return true;
                        }
                    }
                    expect_key = false;
                }
                i = end;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    false
}

/// How many pointers of possible secrets one exchange keeps: a body with more strings than this
/// is masked up to here, and its snippets past it are not shown whole anyway.
pub(crate) const MAX_SECRET_POINTERS: usize = 4096;

/// A string of a line that may hold a credential, found on the line's tape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Secret {
    /// Its pointer in the line.
    pub pointer: String,
    /// Its span, quotes included, where the tape read it straight from the line: masked there.
    /// `None` for a string with escapes (unescaped beside the line), which masking finds by its
    /// pointer.
    pub span: Option<ByteSpan>,
    /// Its node's place in the tape that holds it (see [`Tape::detach_place`]).
    pub place: usize,
}

/// The non-empty strings of a tape, as [`Secret`]s, found by walks that know where each stands:
/// a walk hands over the node it is at, so a secret is never looked up again by its pointer.
pub struct SecretWalk<'t> {
    /// The text the tape reads over: the line.
    text: &'t str,
    /// What the walks found, in the order found, at most [`MAX_SECRET_POINTERS`].
    pub found: Vec<Secret>,
}

impl<'t> SecretWalk<'t> {
    pub fn new(text: &'t str) -> Self {
        SecretWalk {
            text,
            found: Vec::new(),
        }
    }

    /// Whether the walks may go on: `false` once [`MAX_SECRET_POINTERS`] are found.
    fn room(&self) -> bool {
        self.found.len() < MAX_SECRET_POINTERS
    }

    /// `node`, if it is a non-empty string (nothing else can be masked), whose pointer
    /// `pointer` makes.
    pub fn string(&mut self, node: TapeNode<'_>, pointer: impl FnOnce() -> String) {
        let Some(s) = node.as_str().filter(|s| !s.is_empty()) else {
            return;
        };
        if self.room() {
            self.found.push(Secret {
                pointer: pointer(),
                span: quoted_span_in(self.text, s),
                place: node.place(),
            });
        }
    }

    /// The strings of `value` (which stands at `at`) at or below a credential-named key (see
    /// [`crate::secrecy`]): masked in snippets wherever they stand. The walk holds the path as
    /// borrowed keys; a pointer is written only for a string it keeps.
    pub fn credential_strings(&mut self, value: TapeNode<'_>, at: &str) {
        self.walk(value, at, &mut Vec::new(), false);
    }

    /// Every string at or below `node`, which stands at `at`, in document order: a request
    /// body's strings are all possible secrets.
    pub fn every_string(&mut self, node: TapeNode<'_>, at: &str) {
        self.walk(node, at, &mut Vec::new(), true);
    }

    /// The strings at or below `node` (at `path`), in document order: every one once `every`,
    /// else those below a credential-named key; `false` once full.
    fn walk<'v>(
        &mut self,
        node: TapeNode<'v>,
        at: &str,
        path: &mut Vec<PathStep<'v>>,
        every: bool,
    ) -> bool {
        if !self.room() {
            return false;
        }
        if every {
            self.string(node, || pointer_at(at, path));
        }
        for (key, child) in node.members() {
            let Some(holds) = may_hold_strings(child) else {
                continue;
            };
            // A key is judged only where its verdict can matter: above a string or a container.
            let every = every || crate::secrecy::is_credential_name(key);
            if (every || holds == Holds::Members)
                && !self.descend(PathStep::Key(key), child, at, path, every)
            {
                return false;
            }
        }
        for (i, child) in node.items().enumerate() {
            let Some(holds) = may_hold_strings(child) else {
                continue;
            };
            if (every || holds == Holds::Members)
                && !self.descend(PathStep::Index(i), child, at, path, every)
            {
                return false;
            }
        }
        true
    }

    /// [`SecretWalk::walk`] one step down, at `step`.
    fn descend<'v>(
        &mut self,
        step: PathStep<'v>,
        child: TapeNode<'v>,
        at: &str,
        path: &mut Vec<PathStep<'v>>,
        every: bool,
    ) -> bool {
        path.push(step);
        let go_on = self.walk(child, at, path, every);
        path.pop();
        go_on
    }
}

/// What a node can give a [`SecretWalk`]: a string, or members and items to look through.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Holds {
    String,
    Members,
}

/// What `node` can give a [`SecretWalk`]; `None` for a number, a boolean or `null`, which hold
/// nothing to mask: the walk neither steps into them nor judges their keys (a third of
/// GitHub's members, and a step or a verdict costs more than this look).
fn may_hold_strings(node: TapeNode<'_>) -> Option<Holds> {
    match jsonschema::json::Node::json_type(&node) {
        jsonschema::JsonType::String => Some(Holds::String),
        jsonschema::JsonType::Object | jsonschema::JsonType::Array => Some(Holds::Members),
        _ => None,
    }
}

/// The span, quotes included, of `s` where the tape took it straight from `text` (a key or a
/// string without escapes); `None` for a string held beside the text.
fn quoted_span_in(text: &str, s: &str) -> Option<ByteSpan> {
    let ByteSpan { start, end } = crate::source::slice_span(text, s)?;
    let bytes = text.as_bytes();
    let quoted = start > 0 && bytes.get(start - 1) == Some(&b'"') && bytes.get(end) == Some(&b'"');
    quoted.then_some(ByteSpan {
        start: start - 1,
        end: end + 1,
    })
}

/// One step of a path in a body: a member's key or an item's index.
#[derive(Clone, Copy)]
enum PathStep<'v> {
    Key(&'v str),
    Index(usize),
}

/// The pointer of `path` below `at`.
fn pointer_at(at: &str, path: &[PathStep<'_>]) -> String {
    // Room for the whole pointer at once, indices at a guess: one allocation, not one per step.
    let room = path.iter().fold(at.len(), |n, step| match step {
        PathStep::Key(k) => n + k.len() + 1,
        PathStep::Index(_) => n + 4,
    });
    let mut pointer = Pointer::with_capacity(at, room);
    for step in path {
        match step {
            PathStep::Key(k) => pointer.push_key(k),
            PathStep::Index(i) => pointer.push_index(*i),
        };
    }
    pointer.into_string()
}

/// A location without its snippet: for lines that could not be parsed, whose secrets cannot be
/// told apart from the rest.
pub fn without_snippet(mut location: Location) -> Location {
    location.line_text.clear();
    location
}

/// A `parse_error` at `location` in `file`.
pub fn parse_error(file: &Path, location: Location, message: impl Into<String>) -> Box<Diagnostic> {
    Box::new(
        Diagnostic::error(Kind::ParseError, message)
            .in_file(file)
            .at(Some(location)),
    )
}

/// The byte span in `text` where a serde_json error was found.
pub fn serde_error_span(text: &str, err: &serde_json::Error) -> ByteSpan {
    crate::source::json_error_span(text, err)
}

/// The location of a serde_json error found while parsing `text[at..]` (a body read from its
/// own slice of a unit's text), when `text` starts at `origin`.
pub fn serde_error_location(
    origin: &Origin,
    text: &str,
    at: usize,
    err: &serde_json::Error,
) -> Location {
    let span = serde_error_span(&text[at..], err);
    let span = ByteSpan {
        start: span.start + at,
        end: span.end + at,
    };
    origin.locate(text, span)
}

/// serde_json's message without its ` at line L column C` tail (the location is given apart).
pub fn serde_message(err: &serde_json::Error) -> String {
    crate::source::without_serde_position(&err.to_string()).to_string()
}

/// The warning for a UTF-8 byte order mark, which RFC 8259 forbids in JSON texts but allows
/// parsers to ignore: the rest of the file is still read.
pub fn bom_warning(file: &Path) -> Box<Diagnostic> {
    let mut d = Diagnostic::new(
        Kind::ParseError,
        Severity::Warning,
        "the file starts with a UTF-8 byte order mark; it was skipped (JSON must not have one, RFC 8259 §8.1)",
    )
    .in_file(file)
    .at(Some(Origin::file_start().location("")));
    d.suggestion = Some("save the file as UTF-8 without a BOM".to_string());
    Box::new(d)
}

/// Whether the first bytes of a file look binary (a NUL byte, which no JSON text holds).
pub fn looks_binary(head: &[u8]) -> bool {
    head.iter().take(8192).any(|b| *b == 0)
}

/// Upper-cases a method.
pub fn normalize_method(method: &str) -> String {
    method.trim().to_ascii_uppercase()
}

/// Reads every unit of one capture file, in order, handing each (or a located `parse_error`) to
/// `sink`. HAR and NDJSON files are streamed with bounded memory.
pub fn read_file(
    path: &Path,
    raw_defaults: &RawMeta,
    max_entry: usize,
    sink: &mut dyn FnMut(Result<Unit, Box<Diagnostic>>),
) {
    let file = Arc::new(path.to_path_buf());
    let format = match CaptureFormat::of(path) {
        Some(CaptureFormat::Raw) | None => sniff(path),
        known => known,
    };
    match format {
        Some(CaptureFormat::Har) => har::read(&file, max_entry, sink),
        Some(CaptureFormat::Ndjson) => ndjson::read(&file, max_entry, sink),
        Some(CaptureFormat::Raw) | None => raw::read(&file, raw_defaults, max_entry, sink),
    }
}

/// Tells a HAR or NDJSON file saved as `.json` (or with no extension) from a raw body by its
/// first bytes. A `.json` with a sibling `NAME.meta.json` is always a raw body.
fn sniff(path: &Path) -> Option<CaptureFormat> {
    if raw::meta_path(path).is_some_and(|m| m.is_file()) {
        return Some(CaptureFormat::Raw);
    }
    let mut head = vec![0u8; 4096];
    let n = std::fs::File::open(path)
        .and_then(|mut f| std::io::Read::read(&mut f, &mut head))
        .unwrap_or(0);
    head.truncate(n);
    let text = String::from_utf8_lossy(&head);
    let text = text.trim_start_matches('\u{feff}').trim_start();
    if text.starts_with('{') {
        let start: String = text.chars().take(256).collect();
        if start.contains("\"log\"") {
            return Some(CaptureFormat::Har);
        }
        if let Some((first, _)) = text.split_once('\n') {
            if let Ok(Value::Object(map)) = serde_json::from_str::<Value>(first) {
                if map.contains_key("method") && map.contains_key("url") {
                    return Some(CaptureFormat::Ndjson);
                }
            }
        }
    }
    Some(CaptureFormat::Raw)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origin_advances_over_lines_and_characters() {
        let o = Origin {
            line: 3,
            column: 5,
            prefix: Some("    ".to_string()),
        };
        let text = "{\"é\": 1,\n  \"b\": 2}";
        let a = o.advance(text, 2);
        assert_eq!(
            (a.line, a.column, a.prefix.as_deref()),
            (3, 7, Some("    {\""))
        );
        let b = o.advance(text, text.find("\"b\"").expect("b"));
        assert_eq!((b.line, b.column, b.prefix.as_deref()), (4, 3, Some("  ")));
        let loc = o.locate(text, ByteSpan { start: 1, end: 5 });
        assert_eq!((loc.line, loc.column, loc.len), (3, 6, 3));
        assert_eq!(loc.line_text, "    {\"é\": 1,");
    }

    /// A forward pass over many spans, several on one line and some on the next (the line's end
    /// is looked for once per line), locates each as the one-off path does, snippet included;
    /// a span behind the last one starts over.
    #[test]
    fn many_spans_of_one_line_are_located_as_one_by_one() {
        let o = Origin {
            line: 7,
            column: 2,
            prefix: Some(" ".to_string()),
        };
        let text = "{\"a\": 1, \"é\": 2, \"c\": 3,\r\n \"d\": 4, \"e\": 5}";
        let spans: Vec<ByteSpan> = ["\"a\"", "\"é\"", "\"c\"", "\"d\"", "\"e\"", "\"a\""]
            .iter()
            .map(|k| {
                let start = text.find(k).expect("key");
                ByteSpan {
                    start,
                    end: start + k.len(),
                }
            })
            .collect();
        let mut locator = Locator::new(&o, text);
        for span in spans {
            let loc = locator.locate(span);
            assert_eq!(loc, o.locate(text, span), "{span:?}");
            assert!(!loc.line_text.ends_with('\r'), "{:?}", loc.line_text);
        }
        assert_eq!(
            o.locate(text, ByteSpan { start: 34, end: 37 }).line_text,
            " \"d\": 4, \"e\": 5}"
        );
    }

    /// Every string at or below a credential-named key of a body, by pointer, in document
    /// order; nothing else.
    #[test]
    fn credential_strings_of_a_body() {
        let text = r#"{"a": {"api_key": "x", "n": [{"token": ["t1", {"deep": "t2"}, 3]}], "name": "n"},
            "password": 5, "x~/y": {"secret": "s"}, "list": ["plain"], "token": ""}"#;
        let tape = Tape::parse(text).expect("JSON");
        let mut walk = SecretWalk::new(text);
        walk.credential_strings(tape.root(text), "/body");
        let pointers: Vec<&str> = walk.found.iter().map(|s| s.pointer.as_str()).collect();
        assert_eq!(
            pointers,
            [
                "/body/a/api_key",
                "/body/a/n/0/token/0",
                "/body/a/n/0/token/1/deep",
                "/body/x~0~1y/secret"
            ]
        );
        // Each secret's place is its string's node.
        for secret in &walk.found {
            let inside = &secret.pointer["/body".len()..];
            let node = tape.root(text).pointer(inside).expect("found");
            assert_eq!(node.place(), secret.place, "{}", secret.pointer);
        }
    }

    /// A key's span read off the tape is the one the scan finds, for the keys the tape can
    /// place, and so is its value's; the others fall back to the scan (same answer as before).
    #[test]
    fn key_spans_from_the_tape_are_the_scanned_ones() {
        let line = r#"{"url": "u", "body": {"a": {"k": 1, "e\u0071": 2, "": {"x": 3}, "t/~": 4},
            "list": [{"c": 1}, {"c": 2}], "s": "str"}}"#;
        let body_text = &line[line.find(r#"{"a""#).expect("body")..line.len() - 1];
        let mut body = Body::unlocated(line.to_string());
        body.parsed = Some(Tape::parse_in(line, body_text).expect("JSON"));
        body.within = "/body";
        let keys = [
            "/a",
            "/a/k",
            "/a/eq",
            "/a//x",
            "/a/t~1~0",
            "/list/1/c",
            "/list/1",
            "/s",
            "/s/x",
            "/missing",
            "/a/k/z",
            "",
        ];
        let mut placed = 0;
        for pointer in keys {
            let mut plain = body.clone();
            plain.parsed = None;
            let scanned = plain.span_of(pointer, true);
            assert_eq!(body.span_of(pointer, true), scanned, "{pointer}");
            // The member's value, read on from its key: the span the scan finds too.
            let value = plain.span_of(pointer, false);
            assert_eq!(body.span_of(pointer, false), value, "value of {pointer}");
            placed += usize::from(body.key_span_from_tape(pointer).is_some());
        }
        // `/a`, `/a/k`, `/a/t~1~0`, `/list/1/c`, `/s`: not the escaped key, the empty one,
        // an item, what the body lacks or the root.
        assert_eq!(placed, 5);
        // The root's first character, from a body read apart and from one read with its line.
        let whole = Tape::parse(line).expect("JSON");
        for tape in [
            Tape::parse_in(line, body_text).expect("JSON"),
            whole.into_member(line, "body").expect("body"),
        ] {
            let mut read = Body::unlocated(line.to_string());
            read.within = "/body";
            let scanned = read.span_of("", true);
            read.parsed = Some(tape);
            assert_eq!(read.span_of("", true), scanned);
            assert_eq!(scanned.map(|s| &line[s.start..s.end]), Some("{"));
        }
    }

    /// Masking by the tape's spans covers what the scan covers: each span the tape gives is the
    /// one the scan finds for the same pointer, and the strings it cannot place are left to it.
    #[test]
    fn secret_spans_are_the_scanned_spans() {
        let line = r#"{"headers": {"x": "h"}, "body": {"a": {"api_key": "x", "n": [{"token": ["t1", {"deep": "t\u0032"}, 3, ""]}]},
            "password": "p", "x~/y": {"secret": "s"}, "": {"token": "e"}, "list": ["plain"],
            "tokens": ["s1", "s2",
              "s3" , "s\u0034", "s5", "s6"]}}"#;
        let body = &line[line.find(r#"{"a""#).expect("body")..line.len() - 1];
        let tape = Tape::parse_in(line, body).expect("JSON");
        let mut walk = SecretWalk::new(line);
        walk.credential_strings(tape.root(line), "/body");
        walk.string(tape.root(line).pointer("/list/0").expect("item"), || {
            "/body/list/0".to_string()
        });
        let pointers: Vec<String> = walk.found.iter().map(|s| s.pointer.clone()).collect();
        let mut placed = 0;
        for secret in &walk.found {
            let scanned =
                crate::source::json_pointer_spans(line, std::slice::from_ref(&secret.pointer));
            if let Some(span) = secret.span {
                assert_eq!(scanned, [span], "{}", secret.pointer);
                placed += 1;
            }
        }
        // Only the escaped ones ("t\u0032", "s\u0034") are left to the scan, not the strings
        // that share a run in the tape; the empty one is no secret.
        assert_eq!(placed, pointers.len() - 2, "{:?}", walk.found);
        assert!(pointers.contains(&"/body/tokens/5".to_string()));
        assert!(!pointers.contains(&"/body/a/n/0/token/3".to_string()));
        let (mut by_scan, mut by_both) = (line.to_string(), line.to_string());
        mask_strings_knowing(&mut by_scan, &pointers, Vec::new(), false);
        let rest: Vec<String> = walk
            .found
            .iter()
            .filter(|s| s.span.is_none())
            .map(|s| s.pointer.clone())
            .collect();
        let spans = walk.found.iter().filter_map(|s| s.span).collect();
        mask_strings_knowing(&mut by_both, &rest, spans, false);
        assert_eq!(by_both, by_scan);
        assert!(
            !by_scan.contains("t1")
                && !by_scan.contains("plain")
                && !by_scan.contains("\"e\"")
                && !by_scan.contains("s3")
                && !by_scan.contains("s6"),
            "{by_scan}"
        );
    }

    #[test]
    fn one_parse_gives_serde_json_tree_and_duplicate_keys() {
        for (text, twice) in [
            (
                r#"{"a": [1, -2, 3.5, 1e300, "x\u00e9", null, true], "b": {"c": {}}}"#,
                false,
            ),
            (r#"{"a": 1, "b": {"c": 1, "c": 2}, "d": 3}"#, true),
            (r#"[{"k": 1}, {"k": 2}]"#, false),
            (r#"{"k": 1, "k": 2}"#, true),
        ] {
            let tape = Tape::parse(text).expect("JSON");
            let (value, duplicates) = (tape.root(text).to_value(), tape.duplicates());
            let plain: Value = serde_json::from_str(text).expect("JSON");
            assert_eq!(value, plain, "{text}");
            assert_eq!(duplicates, twice, "{text}");
            assert_eq!(has_duplicate_keys(text), twice, "{text}");
        }
        assert!(Tape::parse("{\"a\": 1} x").is_err());
        assert!(Tape::parse("{\"a\": }").is_err());
    }

    /// One pass finds what one lookup per pointer finds: nested targets, a pointer twice, the
    /// first of two members with one key, escaped keys, array items, the root, missing ones.
    #[test]
    fn spans_found_in_one_pass_are_the_spans_of_each_pointer() {
        let texts = [
            r#"{"h": {"a": "1", "b~c": [1, "2"], "d/e": "3"}, "u": "x", "h2": {"a": 0}}"#,
            r#"{"body": {"k": [{"t": "s"}, {"t": "u"}]}, "h": {"a": "1", "a": "2", "q\"x": "3"}, "n": 7}"#,
            r#" [ {"a" : "1"} , "2" , [ "3" ] ] "#,
        ];
        let pointers: Vec<String> = [
            "/h/a",
            "/h/b~0c/1",
            "/h/b~0c",
            "/h/d~1e",
            "/u",
            "/h2/a",
            "/h/zz",
            "/no/a",
            "/h/a",
            "/body/k/1/t",
            "/body/k/0",
            "/h/q\"x",
            "/n/x",
            "/0/a",
            "/2/0",
            "/1",
            "",
        ]
        .iter()
        .map(|p| p.to_string())
        .collect();
        for text in texts {
            let mut one_by_one: Vec<ByteSpan> = pointers
                .iter()
                .filter_map(|p| crate::source::json_pointer_span(text, p))
                .map(|f| f.value)
                .collect();
            one_by_one.sort_by_key(|s| (s.start, s.end));
            let mut got = crate::source::json_pointer_spans(text, &pointers);
            got.sort_by_key(|s| (s.start, s.end));
            assert_eq!(got, one_by_one, "{text}");
        }
        let first = crate::source::json_pointer_spans(texts[0], &pointers[..8]);
        assert_eq!(first.len(), 6);
    }

    #[test]
    fn masking_keeps_lengths_and_columns() {
        let text = r#"{"h": {"authorization": "Bearer é…x", "ct": "json"}, "b": 1}"#;
        let mut masked = text.to_string();
        assert!(mask_strings(&mut masked, &["/h/authorization".to_string()]));
        assert_eq!(masked.len(), text.len());
        assert_eq!(masked.chars().count(), text.chars().count());
        assert!(!masked.contains("Bearer"));
        assert!(masked.contains(r#""ct": "json""#));
        assert_eq!(masked.find("\"b\""), text.find("\"b\""));
    }

    /// A key twice masks every value even when no secret was found: the dropped copy is unread.
    #[test]
    fn a_key_twice_masks_every_value_with_no_secret_found() {
        let text = r#"{"password": "hunter2", "password": 5, "x": "y"}"#;
        let mut masked = text.to_string();
        assert!(mask_strings(&mut masked, &[]));
        assert_eq!(
            masked,
            r#"{"password": "*******", "password": 5, "x": "*"}"#
        );
        let mut knowing = text.to_string();
        assert!(mask_strings_knowing(&mut knowing, &[], Vec::new(), true));
        assert_eq!(knowing, masked);
        let mut once = r#"{"password": 5, "x": "y"}"#.to_string();
        assert!(!mask_strings(&mut once, &[]));
    }

    #[test]
    fn masking_every_value_keeps_the_keys_the_structure_and_every_offset() {
        let text =
            r#"{"k\"ey": "v\\", "é" : ["s€cr🔒t", 1, "\u00e9\""], "n": null, "o": {"p":"q"}}"#;
        let mut masked = text.to_string();
        mask_every_value(&mut masked);
        assert_eq!(
            masked,
            r#"{"k\"ey": "***", "é" : ["*•**🔒*", 1, "********"], "n": null, "o": {"p":"*"}}"#
        );
        assert_eq!(masked.len(), text.len());
        // An unterminated string (never in a text that parsed) is masked to the end.
        let mut unterminated = r#"["a", "bé"#.to_string();
        mask_every_value(&mut unterminated);
        assert_eq!(unterminated, r#"["*", "*·"#);
    }

    #[test]
    fn offsets_map_through_unicode_escapes_as_unescape_reads_them() {
        // A pair is one 4-byte character; a lone surrogate stands for U+FFFD (3 bytes).
        let raw = r"\ud83d\udd12x\ud83dy\u00e9z\uzz";
        assert_eq!(
            unescape(r#""\ud83d\udd12x""#).as_deref(),
            Some("\u{1f512}x")
        );
        assert_eq!(raw_offset(raw, 4), 12);
        assert_eq!(raw_offset(raw, 5), 13);
        assert_eq!(raw_offset(raw, 8), 19);
        assert_eq!(raw_offset(raw, 9), 20);
        assert_eq!(raw_offset(raw, 11), 26);
        assert_eq!(raw_offset(raw, 12), 27);
        assert_eq!(raw_offset(raw, 13), 29);
    }

    #[test]
    fn offsets_map_through_escapes() {
        let raw = r#"{\"a\": \"\u00e9\n\", \"b\": 1}"#;
        let decoded: String = serde_json::from_str(&format!("\"{raw}\"")).expect("string");
        let b = decoded.find("\"b\"").expect("b");
        assert_eq!(&raw[raw_offset(raw, b)..raw_offset(raw, b) + 4], "\\\"b\\");
        let body = Body {
            text: Arc::new(decoded),
            parsed: None,
            origin: Some(Origin::file_start()),
            escaped: Some(Slice::owned(raw.to_string())),
            within: "",
            snippet: None,
        };
        let loc = body
            .locate(ByteSpan {
                start: b,
                end: b + 3,
            })
            .expect("located");
        assert_eq!(loc.column, raw.find("\\\"b").expect("raw b") + 1);
    }

    #[test]
    fn unescaping_reads_strings_as_serde_json_does() {
        for raw in [
            r#""""#,
            r#""plain""#,
            r#""a\"b\\c\/d\b\f\n\r\t""#,
            r#""\u00e9t\u00C9 \u2022 \ud83d\ude00 \u0000 end""#,
            r#""é • 😀 as they are""#,
            r#""{\"k\": \"\\u0041\"}""#,
        ] {
            let ours = unescape(raw).expect("decodes");
            assert_eq!(
                ours,
                serde_json::from_str::<String>(raw).expect("serde"),
                "{raw}"
            );
            assert!(ours.capacity() <= raw.len(), "{raw}");
        }
        // Lone surrogates name no character: serde_json's error is used instead.
        for raw in [r#""\ud83d""#, r#""\ud83d\u0041""#, r#""\ude00""#] {
            assert_eq!(unescape(raw), None, "{raw}");
            assert!(serde_json::from_str::<String>(raw).is_err(), "{raw}");
        }
    }

    #[test]
    fn duplicate_keys_are_found_at_any_depth_and_through_escapes() {
        for (text, twice) in [
            (r#"{"a": 1, "b": 2}"#, false),
            (r#"{"a": 1, "a": 2}"#, true),
            (r#"{"a": 1, "\u0061": 2}"#, true),
            (r#"{"a": {"a": 1}, "b": [{"a": 1}, {"a": 2}]}"#, false),
            (
                r#"{"a": [1, {"k": "\"k\": 1, \"k\": 2", "j": 1}], "b": {"x": 1, "x": 2}}"#,
                true,
            ),
            (r#"{"s": "{\"a\": 1, \"a\": 2}", "t": ["a", "a"]}"#, false),
            (r#"[{"a": 1}, {"a": 1}, {"": 1, "": 2}]"#, true),
            (r#""a""#, false),
        ] {
            assert_eq!(has_duplicate_keys(text), twice, "{text}");
        }
    }

    #[test]
    fn formats_by_extension() {
        assert_eq!(
            CaptureFormat::of(Path::new("a.HAR")),
            Some(CaptureFormat::Har)
        );
        assert_eq!(
            CaptureFormat::of(Path::new("a.jsonl")),
            Some(CaptureFormat::Ndjson)
        );
        assert_eq!(
            CaptureFormat::of(Path::new("a.json")),
            Some(CaptureFormat::Raw)
        );
        assert_eq!(CaptureFormat::of(Path::new("a.meta.json")), None);
        assert_eq!(CaptureFormat::of(Path::new("README.md")), None);
    }
}

/// Test helpers shared by the readers' tests.
#[cfg(test)]
pub(crate) mod testing {
    use std::io::{Read, Seek, SeekFrom};

    /// Hands out a few bytes per read, so every chunk boundary falls somewhere new; seeks like
    /// a file.
    pub(crate) struct Trickle<'a> {
        data: &'a [u8],
        at: usize,
        step: usize,
    }

    impl<'a> Trickle<'a> {
        pub(crate) fn new(data: &'a [u8], step: usize) -> Self {
            Trickle { data, at: 0, step }
        }
    }

    impl Read for Trickle<'_> {
        fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
            let rest = &self.data[self.at.min(self.data.len())..];
            let n = self.step.min(out.len()).min(rest.len());
            out[..n].copy_from_slice(&rest[..n]);
            self.at += n;
            Ok(n)
        }
    }

    impl Seek for Trickle<'_> {
        fn seek(&mut self, to: SeekFrom) -> std::io::Result<u64> {
            let at = match to {
                SeekFrom::Start(n) => Some(n),
                SeekFrom::Current(d) => (self.at as u64).checked_add_signed(d),
                SeekFrom::End(d) => (self.data.len() as u64).checked_add_signed(d),
            };
            let at = at.ok_or_else(|| std::io::Error::other("seek before the start"))?;
            self.at = usize::try_from(at).map_err(std::io::Error::other)?;
            Ok(at)
        }
    }

    /// Reads like a pipe: it cannot seek.
    pub(crate) struct Pipe<R>(pub R);

    impl<R: Read> Read for Pipe<R> {
        fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
            self.0.read(out)
        }
    }

    impl<R> Seek for Pipe<R> {
        fn seek(&mut self, _: SeekFrom) -> std::io::Result<u64> {
            Err(std::io::Error::other("illegal seek"))
        }
    }
}
