//! HAR 1.2 captures: every object of `log.entries`.
//!
//! A HAR is one JSON document, often hundreds of megabytes. Rather than build it as a `Value`,
//! a byte-level scanner follows the structure (strings, escapes, nesting, object keys) through a
//! bounded buffer and cuts out each entry's text with its position in the file; entries are then
//! parsed one by one, in parallel. Memory holds one buffer and the entries of one batch, whatever
//! the file's size, and positions inside `content.text` map back to the file.

use std::borrow::Cow;
use std::io::{Read, Seek, SeekFrom};
use std::path::PathBuf;
use std::sync::Arc;

use base64::Engine;
use serde::de::IgnoredAny;
use serde::Deserialize;
use serde_json::Value;

use crate::diagnostic::Diagnostic;
use crate::source::json_pointer_span;

use super::{
    bom_warning, mask_strings, normalize_method, parse_error, serde_message, without_snippet,
    Anchor, Body, Exchange, Field, Origin, Parsed, Request, Slice, Unit, UnitKind,
};

/// Cuts the file into entries (units), reporting what is not a HAR.
pub fn read(
    file: &Arc<PathBuf>,
    max_entry: usize,
    sink: &mut dyn FnMut(Result<Unit, Box<Diagnostic>>),
) {
    if let Some(f) = super::open(file, sink) {
        read_from(file, f, max_entry, sink);
    }
}

struct Frame {
    object: bool,
    /// Whether the next string in this object is a key.
    expect_key: bool,
    /// The last key seen (kept only near the root, where `log.entries` is looked for).
    key: Option<Vec<u8>>,
}

struct EntryStart {
    /// Absolute file offset of the entry's `{`.
    offset: usize,
    origin: Origin,
    /// Set when the entry outgrew the limit: it is skipped, not kept.
    dropped: bool,
    /// Set when the entry outgrew [`GATHER`] in a file that can seek: its bytes are no longer
    /// kept as they are scanned, and the whole entry is read again at once when it ends.
    spilled: bool,
}

/// Entries up to this long are gathered from the reads as they come. A longer one is read
/// again from the file when its end is found, into a buffer of its exact size: a buffer grown
/// by doubling costs up to twice the entry while it is copied, and the allocator keeps what it
/// frees for a while, so a huge entry would peak far above its size before it is even parsed.
const GATHER: usize = 4 << 20;

/// Reads a byte range of the file again, then goes back to where it was.
trait Reread {
    fn reread(&mut self, offset: usize, len: usize) -> std::io::Result<Vec<u8>>;
}

impl<R: Read + Seek> Reread for R {
    fn reread(&mut self, offset: usize, len: usize) -> std::io::Result<Vec<u8>> {
        let back = self.stream_position()?;
        self.seek(SeekFrom::Start(offset as u64))?;
        let mut out = vec![0u8; len];
        self.read_exact(&mut out)?;
        self.seek(SeekFrom::Start(back))?;
        Ok(out)
    }
}

/// [`read`] over any reader, with an entry size limit (tests use a small one).
pub fn read_from(
    file: &Arc<PathBuf>,
    reader: impl Read + Seek,
    max_entry: usize,
    sink: &mut dyn FnMut(Result<Unit, Box<Diagnostic>>),
) {
    read_entries(file, reader, max_entry, GATHER, sink);
}

/// [`read_from`], gathering entries up to `gather` bytes (tests use a small size).
fn read_entries(
    file: &Arc<PathBuf>,
    mut reader: impl Read + Seek,
    max_entry: usize,
    gather: usize,
    sink: &mut dyn FnMut(Result<Unit, Box<Diagnostic>>),
) {
    // A pipe cannot seek: its long entries are gathered as they come.
    let gather = match reader.stream_position() {
        Ok(_) => gather,
        Err(_) => usize::MAX,
    };
    let mut scanner = Scanner::new(file, max_entry, gather);
    let mut chunk = vec![0u8; 1 << 20];
    loop {
        let n = match reader.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => {
                let message = format!("cannot read {}: {e}", file.display());
                scanner.fail(sink, message);
                return;
            }
        };
        if scanner.feed(&chunk[..n], sink, &mut reader).is_err() {
            return;
        }
    }
    scanner.finish(sink);
}

/// The scan stopped at an error it already reported.
struct Stopped;

/// The byte-level HAR scanner: where it is in the file, the structure around it, and the entry
/// being cut out. Each step of the scan is a method.
struct Scanner<'f> {
    file: &'f Arc<PathBuf>,
    max_entry: usize,
    /// Entries longer than this are spilled (see [`EntryStart::spilled`]).
    gather: usize,
    buf: Vec<u8>,
    /// File offset of `buf[0]`.
    base: usize,
    /// Next file offset to scan.
    pos: usize,
    line: usize,
    /// Column of `pos`, in characters.
    column: usize,
    /// File offset of the current line.
    line_start: usize,
    stack: Vec<Frame>,
    in_string: bool,
    escape: bool,
    /// The key being read, near the root (where `log.entries` is looked for).
    key_bytes: Option<Vec<u8>>,
    entry: Option<EntryStart>,
    entries: usize,
    found_entries: bool,
    started: bool,
    finished: bool,
}

impl<'f> Scanner<'f> {
    fn new(file: &'f Arc<PathBuf>, max_entry: usize, gather: usize) -> Self {
        Scanner {
            file,
            max_entry,
            gather,
            buf: Vec::with_capacity(1 << 20),
            base: 0,
            pos: 0,
            line: 1,
            column: 1,
            line_start: 0,
            stack: Vec::new(),
            in_string: false,
            escape: false,
            key_bytes: None,
            entry: None,
            entries: 0,
            found_entries: false,
            started: false,
            finished: false,
        }
    }

    /// Where the scan stands, as a location without snippet.
    fn here(&self) -> crate::source::Location {
        self.origin(Some(String::new())).location("")
    }

    fn origin(&self, prefix: Option<String>) -> Origin {
        Origin {
            line: self.line,
            column: self.column,
            prefix,
        }
    }

    /// Reports `message` at the current position; the scan stops.
    fn fail(
        &self,
        sink: &mut dyn FnMut(Result<Unit, Box<Diagnostic>>),
        message: impl Into<String>,
    ) {
        sink(Err(parse_error(self.file, self.here(), message)));
    }

    /// Scans one chunk read from the file.
    fn feed(
        &mut self,
        chunk: &[u8],
        sink: &mut dyn FnMut(Result<Unit, Box<Diagnostic>>),
        file: &mut dyn Reread,
    ) -> Result<(), Stopped> {
        self.buf.extend_from_slice(chunk);
        if self.base == 0 && self.pos == 0 && self.buf.starts_with(b"\xEF\xBB\xBF") {
            sink(Err(bom_warning(self.file)));
            self.pos = 3;
            self.line_start = 3;
        }
        while self.pos < self.base + self.buf.len() {
            if self.in_string && !self.escape && self.skip_string_run() {
                continue;
            }
            let b = self.buf[self.pos - self.base];
            self.byte(b, sink, file)?;
            self.advance(b);
        }
        self.check_entry_size(sink);
        self.trim();
        Ok(())
    }

    /// Fast path through string contents (most of a HAR's bytes, escapes included): stops only
    /// at the closing quote or a line break, counting characters for the column. Whether it
    /// moved.
    fn skip_string_run(&mut self) -> bool {
        let rest = &self.buf[self.pos - self.base..];
        let mut i = 0;
        while i < rest.len() {
            match rest[i] {
                b'"' | b'\n' => break,
                b'\\' if i + 1 < rest.len() => i += 2,
                b'\\' => break, // the escaped byte is in the next chunk
                _ => i += 1,
            }
        }
        if i == 0 {
            return false;
        }
        let run = &rest[..i.min(rest.len())];
        if let Some(k) = self.key_bytes.as_mut() {
            k.extend_from_slice(&run[..run.len().min(64usize.saturating_sub(k.len()))]);
        }
        self.column += run.iter().filter(|&&b| b & 0xC0 != 0x80).count();
        self.pos += run.len();
        true
    }

    /// One byte outside the fast path.
    fn byte(
        &mut self,
        b: u8,
        sink: &mut dyn FnMut(Result<Unit, Box<Diagnostic>>),
        file: &mut dyn Reread,
    ) -> Result<(), Stopped> {
        if self.finished {
            if !b.is_ascii_whitespace() {
                self.fail(sink, "unexpected data after the end of the HAR document");
                return Err(Stopped);
            }
            return Ok(());
        }
        if self.in_string {
            return self.string_byte(b, sink);
        }
        match b {
            b if crate::source::is_json_space(b) => Ok(()),
            _ if !self.started && b != b'{' => {
                self.fail(
                    sink,
                    if !(0x20..0x80).contains(&b) {
                        "binary data, not a HAR file (expected `{`)"
                    } else {
                        "not a HAR file: expected a JSON object `{`"
                    },
                );
                Err(Stopped)
            }
            b'{' | b'[' => {
                self.open(b);
                Ok(())
            }
            b'}' | b']' => self.close(b, sink, file),
            b'"' => {
                self.in_string = true;
                let keyed = self
                    .stack
                    .last()
                    .is_some_and(|top| top.object && top.expect_key);
                self.key_bytes = (keyed && self.stack.len() <= 2).then(Vec::new);
                Ok(())
            }
            b':' | b',' => {
                if let Some(top) = self.stack.last_mut() {
                    top.expect_key = b == b',' && top.object;
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }

    /// A byte inside a string: escapes, the closing quote (ending a key), a raw line break.
    fn string_byte(
        &mut self,
        b: u8,
        sink: &mut dyn FnMut(Result<Unit, Box<Diagnostic>>),
    ) -> Result<(), Stopped> {
        if self.escape {
            self.escape = false;
        } else if b == b'\\' {
            self.escape = true;
        } else if b == b'"' {
            self.in_string = false;
            if let (Some(k), Some(top)) = (self.key_bytes.take(), self.stack.last_mut()) {
                top.key = Some(k);
            }
        } else if b == b'\n' {
            // JSON strings cannot hold a raw line break (other control characters are caught
            // when the entry is parsed).
            self.fail(
                sink,
                "a line break inside a string: binary data or a broken HAR",
            );
            return Err(Stopped);
        }
        Ok(())
    }

    /// `{` or `[`: a new frame, and an entry's start inside `log.entries`.
    fn open(&mut self, b: u8) {
        self.started = true;
        let in_entries = is_entries(&self.stack);
        if in_entries {
            self.found_entries = true;
        }
        if in_entries && b == b'{' {
            // The line's text before the entry, for snippets: known while it is still buffered
            // and short (a minified HAR is one huge line). Its string values are masked: on a
            // minified HAR it holds the entries before this one as recorded, their secrets too.
            let (start, pos, base) = (self.line_start, self.pos, self.base);
            let prefix = (start >= base && pos - start <= 4096).then(|| {
                let mut prefix =
                    String::from_utf8_lossy(&self.buf[start - base..pos - base]).into_owned();
                super::mask_every_value(&mut prefix);
                prefix
            });
            self.entry = Some(EntryStart {
                offset: pos,
                origin: self.origin(prefix),
                dropped: false,
                spilled: false,
            });
        }
        self.stack.push(Frame {
            object: b == b'{',
            expect_key: b == b'{',
            key: None,
        });
    }

    /// `}` or `]`: the frame ends, and with it an entry inside `log.entries`.
    fn close(
        &mut self,
        b: u8,
        sink: &mut dyn FnMut(Result<Unit, Box<Diagnostic>>),
        file: &mut dyn Reread,
    ) -> Result<(), Stopped> {
        if self.stack.pop().is_none() {
            self.fail(sink, format!("unbalanced `{}`", b as char));
            return Err(Stopped);
        }
        if is_entries(&self.stack) {
            if let Some(start) = self.entry.take() {
                if !start.dropped {
                    sink(self.cut_entry(start, file));
                }
                self.entries += 1;
            }
        }
        if self.stack.is_empty() {
            self.finished = true;
        }
        Ok(())
    }

    /// The entry from its `{` to the current `}`, as a unit. A spilled entry is read again from
    /// the file. An entry that fills the buffer from its start (any entry longer than a read) is
    /// handed over with the buffer rather than copied: a huge entry is not held twice, and its
    /// capacity is not kept for the next one.
    fn cut_entry(
        &mut self,
        start: EntryStart,
        file: &mut dyn Reread,
    ) -> Result<Unit, Box<Diagnostic>> {
        let bytes = if start.spilled {
            file.reread(start.offset, self.pos + 1 - start.offset)
                .map_err(|e| {
                    parse_error(
                        self.file,
                        start.origin.location(""),
                        format!("cannot read {}: {e}", self.file.display()),
                    )
                })?
        } else if start.offset == self.base {
            let last = self.pos - self.base;
            // The new buffer starts at the closing byte, still to be moved past.
            let closing = self.buf[last];
            let rest = self.buf.split_off(last);
            let mut taken = std::mem::replace(&mut self.buf, rest);
            taken.push(closing);
            self.base = self.pos;
            taken
        } else {
            self.buf[start.offset - self.base..=self.pos - self.base].to_vec()
        };
        match String::from_utf8(bytes) {
            Ok(text) => Ok(Unit {
                file: self.file.clone(),
                entry: Some(self.entries),
                text,
                origin: start.origin,
                kind: UnitKind::HarEntry,
            }),
            Err(_) => Err(parse_error(
                self.file,
                start.origin.location(""),
                format!("entry {} is not UTF-8 text", self.entries),
            )),
        }
    }

    /// Moves past `b`: line and column.
    fn advance(&mut self, b: u8) {
        if b == b'\n' {
            self.line += 1;
            self.column = 1;
            self.line_start = self.pos + 1;
        } else if b & 0xC0 != 0x80 {
            self.column += 1;
        }
        self.pos += 1;
    }

    /// An entry that outgrew the limit is reported once and skipped, not kept; one that
    /// outgrew [`GATHER`] is spilled.
    fn check_entry_size(&mut self, sink: &mut dyn FnMut(Result<Unit, Box<Diagnostic>>)) {
        let (pos, max_entry, entries) = (self.pos, self.max_entry, self.entries);
        if let Some(start) = self.entry.as_mut() {
            start.spilled |= pos - start.offset > self.gather;
            if !start.dropped && pos - start.offset > max_entry {
                start.dropped = true;
                sink(Err(parse_error(
                    self.file,
                    start.origin.location(""),
                    format!(
                        "entry {entries} is larger than {} MiB; skipped",
                        max_entry / (1024 * 1024)
                    ),
                )));
            }
        }
    }

    /// Keeps only what is still needed: the entry being read, or the current line's start (for
    /// snippets) when it is short.
    fn trim(&mut self) {
        let keep_from = match &self.entry {
            Some(start) if !start.dropped && !start.spilled => start.offset,
            _ if self.pos - self.line_start <= 4096 => self.line_start.max(self.base),
            _ => self.pos,
        };
        if keep_from > self.base {
            self.buf.drain(..keep_from - self.base);
            self.base = keep_from;
        }
    }

    /// At the end of the file: what is missing, if anything.
    fn finish(self, sink: &mut dyn FnMut(Result<Unit, Box<Diagnostic>>)) {
        if !self.started {
            self.fail(sink, "empty file: no HAR document");
        } else if !self.finished {
            let what = match &self.entry {
                Some(_) => format!("truncated: the file ends inside entry {}", self.entries),
                None => "truncated: the file ends before the HAR document closes".to_string(),
            };
            self.fail(sink, what);
        } else if !self.found_entries {
            sink(Err(parse_error(
                self.file,
                Origin::file_start().location(""),
                "not a HAR file: no `log.entries` array",
            )));
        }
    }
}

fn is_entries(stack: &[Frame]) -> bool {
    stack.len() == 3
        && stack[0].object
        && stack[0].key.as_deref() == Some(b"log".as_slice())
        && stack[1].object
        && stack[1].key.as_deref() == Some(b"entries".as_slice())
        && !stack[2].object
}

#[derive(Deserialize)]
struct HarEntry {
    request: HarRequest,
    response: HarResponse,
}

#[derive(Deserialize)]
struct HarRequest {
    method: String,
    url: String,
    /// Kept as values (a malformed pair is skipped, not fatal); read only for checking.
    #[serde(default)]
    headers: Vec<Value>,
    #[serde(default)]
    cookies: Vec<Value>,
    #[serde(default, rename = "queryString")]
    query_string: Vec<Value>,
    #[serde(default, rename = "postData")]
    post_data: Option<HarPostData>,
    #[serde(default, rename = "bodySize")]
    body_size: Option<i64>,
}

#[derive(Deserialize)]
struct HarPostData {
    #[serde(default, rename = "mimeType")]
    mime_type: Option<String>,
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    params: Vec<Value>,
}

/// The `name` and `value` strings of a HAR pair object, if both are strings.
fn pair(v: &Value) -> Option<(&str, &str)> {
    Some((v.get("name")?.as_str()?, v.get("value")?.as_str()?))
}

#[derive(Deserialize)]
struct HarResponse {
    status: i64,
    #[serde(default)]
    headers: Vec<HarHeader>,
    #[serde(default)]
    cookies: Vec<IgnoredAny>,
    #[serde(default)]
    content: Option<HarContent>,
}

#[derive(Deserialize)]
struct HarHeader {
    name: String,
    #[serde(default)]
    value: String,
}

#[derive(Deserialize)]
struct HarContent {
    #[serde(default, rename = "mimeType")]
    mime_type: Option<String>,
    /// Skipped while the entry is parsed (its syntax is checked): the body is decoded later
    /// from its own slice of the entry, once.
    #[serde(default)]
    text: Option<IgnoredAny>,
    #[serde(default)]
    encoding: Option<String>,
}

/// Parses one entry into an exchange. The entry's text is masked in place and shared with the
/// body's escapes, so a huge entry is held once beside its decoded body. The body is skipped
/// while the entry is parsed and then decoded once from its own slice of the text, straight
/// into a buffer of its size; a base64 body keeps nothing of the text, which is freed before
/// the body is checked.
pub fn parse_entry(mut unit: Unit) -> Parsed {
    let file = unit.file.as_path();
    let mut text = std::mem::take(&mut unit.text);
    let index = unit.entry.unwrap_or(0);
    let not_entry = |e: serde_json::Error, text: &str, at: usize| {
        parse_error(
            file,
            without_snippet(super::serde_error_location(&unit.origin, text, at, &e)),
            format!("entry {index} is not a HAR entry: {}", serde_message(&e)),
        )
    };
    let entry: HarEntry = serde_json::from_str(&text).map_err(|e| not_entry(e, &text, 0))?;
    let content = entry.response.content.as_ref();
    let base64 = content
        .and_then(|c| c.encoding.as_deref())
        .is_some_and(|e| e.eq_ignore_ascii_case("base64"));
    let recorded = match content.and_then(|c| c.text.as_ref()) {
        None => Ok(None),
        Some(_) => match recorded_body(&text, base64) {
            Err((BodyError::Json(e), at)) => return Err(not_entry(e, &text, at)),
            other => other.map_err(|(e, _)| e),
        },
    };
    // The request object as recorded (small, whatever the response's size): its body's escapes.
    let real_request = json_pointer_span(&text, "/request")
        .and_then(|found| text.get(found.value.start..found.value.end))
        .map(str::to_string);
    let redacted_url = super::redacted_url(&entry.request.url);
    mask_strings(&mut text, &secret_pointers(&entry, redacted_url.is_some()));
    // From here on, snippets come from the masked text: same positions, no secrets.
    let shown = Arc::new(text);
    let anchor = Anchor::new(unit.origin.clone(), shown.clone());
    let status = status_of(&entry, index).map_err(|message| {
        // Browsers record aborted and blocked requests with status 0: nothing to check, but
        // worth knowing, so a warning rather than an error.
        let mut d = parse_error(file, anchor.location(), message);
        d.severity = crate::diagnostic::Severity::Warning;
        d
    })?;
    let body_error = |message: String| {
        let at = locate_text(&unit.origin, &shown).unwrap_or_else(|| anchor.location());
        parse_error(file, at, format!("entry {index}: {message}"))
    };
    let body = match recorded {
        Ok(None) => None,
        Ok(Some(Recorded::Decoded(t))) => Some(Body::unlocated(t)),
        Ok(Some(Recorded::Text(t))) => {
            let (origin, escaped) = string_origin(&unit.origin, &shown, "/response/content/text");
            Some(Body {
                text: Arc::new(t),
                parsed: None,
                origin,
                escaped,
                within: "",
                snippet: None,
            })
        }
        Err(BodyError::Base64(e)) => {
            return Err(body_error(format!("content.text is not valid base64: {e}")))
        }
        Err(_) => return Err(body_error("the base64 body is not UTF-8 text".to_string())),
    };
    let request = request_of(&entry.request, &unit.origin, real_request, &shown);
    Ok(Exchange {
        file: unit.file.clone(),
        entry: unit.entry,
        method: normalize_method(&entry.request.method),
        content_type: content_type_of(entry.response),
        url: entry.request.url,
        redacted_url,
        status,
        body,
        anchor,
        operation: None,
        request: Some(request),
        unmasked: None,
    })
}

/// The response status, or why the entry has none to check.
fn status_of(entry: &HarEntry, index: usize) -> Result<u16, String> {
    u16::try_from(entry.response.status)
        .ok()
        .filter(|s| (100..600).contains(s))
        .ok_or_else(|| {
            format!(
                "entry {index} has no response (status {}): the request failed or was blocked; skipped",
                entry.response.status
            )
        })
}

/// The response media type: `content.mimeType`, else the `Content-Type` header.
fn content_type_of(response: HarResponse) -> Option<String> {
    let header_type = response
        .headers
        .into_iter()
        .find(|h| h.name.eq_ignore_ascii_case("content-type"))
        .map(|h| h.value);
    response
        .content
        .and_then(|c| c.mime_type)
        .filter(|m| !m.trim().is_empty())
        .or(header_type)
}

/// A response body read from `content.text`.
enum Recorded {
    /// Decoded from base64: its place in the file is lost.
    Decoded(String),
    /// Decoded from the JSON string, whose escapes map its offsets back to the file.
    Text(String),
}

/// Why `content.text` gave no body.
enum BodyError {
    /// Not a JSON string, or one with an escape that names no character.
    Json(serde_json::Error),
    Base64(base64::DecodeError),
    NotUtf8,
}

/// The response body of an entry whose `content.text` is present and not null, decoded from
/// the entry's `text` as recorded; `None` when it is empty. An error comes with the offset in
/// `text` of the slice it was found in.
fn recorded_body(text: &str, base64: bool) -> Result<Option<Recorded>, (BodyError, usize)> {
    let span = json_pointer_span(text, "/response/content/text")
        .map(|found| found.value)
        .unwrap_or(crate::source::ByteSpan { start: 0, end: 0 });
    let literal = &text[span.start..span.end];
    let json_error = |e| (BodyError::Json(e), span.start);
    if !literal.starts_with('"') {
        // Not a string: serde_json's error for one.
        let e = serde_json::from_str::<String>(literal)
            .err()
            .unwrap_or_else(|| serde::de::Error::custom("content.text is not a string"));
        return Err(json_error(e));
    }
    if literal == "\"\"" {
        return Ok(None);
    }
    let inner = &literal[1..literal.len() - 1];
    // Base64 has nothing to escape, so it is read in place unless a writer escaped `/` anyway.
    let decoded = if inner.contains('\\') {
        Cow::Owned(super::decode_string(literal).map_err(json_error)?)
    } else {
        Cow::Borrowed(inner)
    };
    if !base64 {
        return Ok(Some(Recorded::Text(decoded.into_owned())));
    }
    let bytes = decode_base64(&decoded).map_err(|e| (BodyError::Base64(e), span.start))?;
    String::from_utf8(bytes)
        .map(|t| Some(Recorded::Decoded(t)))
        .map_err(|_| (BodyError::NotUtf8, span.start))
}

/// Decodes base64 `text` (whitespace allowed: some recorders wrap lines) into one buffer of
/// the decoded size, a chunk at a time; errors name offsets in the text without its whitespace,
/// as decoding that at once would.
fn decode_base64(text: &str) -> Result<Vec<u8>, base64::DecodeError> {
    use base64::{DecodeError, DecodeSliceError};
    /// Bytes decoded at a time: a multiple of 4, so only the last chunk may hold padding.
    const CHUNK: usize = 64 * 1024;
    let mut out = Vec::with_capacity(text.len() / 4 * 3 + 3);
    let mut chunk = Vec::with_capacity(CHUNK);
    let mut bytes = text.bytes().filter(|b| !b.is_ascii_whitespace());
    let mut read = 0usize;
    loop {
        chunk.clear();
        chunk.extend(bytes.by_ref().take(CHUNK));
        if chunk.is_empty() {
            break;
        }
        let at = out.len();
        out.resize(at + chunk.len() / 4 * 3 + 3, 0);
        let n = base64::engine::general_purpose::STANDARD
            .decode_slice(&chunk, &mut out[at..])
            .map_err(|e| match e {
                DecodeSliceError::DecodeError(DecodeError::InvalidByte(at, b)) => {
                    DecodeError::InvalidByte(at + read, b)
                }
                DecodeSliceError::DecodeError(DecodeError::InvalidLastSymbol(at, b)) => {
                    DecodeError::InvalidLastSymbol(at + read, b)
                }
                DecodeSliceError::DecodeError(DecodeError::InvalidLength(n)) => {
                    DecodeError::InvalidLength(n + read)
                }
                DecodeSliceError::DecodeError(e) => e,
                // Each chunk has room for what it can decode to.
                DecodeSliceError::OutputSliceTooSmall => {
                    DecodeError::InvalidLength(read + chunk.len())
                }
            })?;
        out.truncate(at + n);
        read += chunk.len();
    }
    Ok(out)
}

/// The request of an entry. Its text is the masked `request` object only (small, whatever the
/// response's size), so findings can be located without keeping the whole entry; `real` is the
/// same object before masking.
fn request_of(
    har: &HarRequest,
    origin: &Origin,
    real: Option<String>,
    shown: &Arc<String>,
) -> Request {
    let cut = json_pointer_span(shown, "/request")
        .map(|found| found.value)
        .filter(|v| real.as_ref().is_some_and(|r| r.len() == v.end - v.start));
    let (text, real, origin) = match cut {
        Some(v) => (
            Arc::new(shown[v.start..v.end].to_string()),
            real.unwrap_or_default(),
            origin.advance(shown, v.start),
        ),
        None => (Arc::new(String::new()), String::new(), origin.clone()),
    };
    let headers = fields(&har.headers, "headers");
    let headers = (!headers.is_empty()).then_some(headers);
    let cookies = headers.as_ref().map(|h| {
        let listed = fields(&har.cookies, "cookies");
        if listed.is_empty() {
            super::header_cookies(h)
        } else {
            listed
        }
    });
    let mut content_type = headers
        .as_deref()
        .and_then(|h| super::find_header(h, "content-type"))
        .map(|f| f.value.clone());
    let body = har.post_data.as_ref().and_then(|post| {
        if let Some(m) = post.mime_type.as_deref().filter(|m| !m.trim().is_empty()) {
            content_type = Some(m.to_string());
        }
        post_body(post, &origin, &real, &text)
    });
    // A body was sent but not recorded (`bodySize` > 0 without `postData`): not judged.
    let body_known = body.is_some() || har.body_size.is_none_or(|n| n <= 0);
    Request {
        query: query_of(har),
        headers,
        cookies,
        body,
        body_known,
        content_type,
        text,
        origin,
        url_at: "/url",
        headers_at: "/headers",
        cookies_at: "/cookies",
        body_at: "/postData",
    }
}

/// The name/value pairs of a HAR list (`headers`, `cookies`, `queryString`), each pointing at
/// its value in the request object.
fn fields(list: &[Value], what: &str) -> Vec<Field> {
    list.iter()
        .enumerate()
        .filter_map(|(i, v)| {
            let (name, value) = pair(v)?;
            Some(Field {
                name: name.to_string(),
                value: value.to_string(),
                at: format!("/{what}/{i}/value"),
                within: None,
            })
        })
        .collect()
}

/// The query pairs of the URL, which is what was sent; `queryString` (often empty, sometimes
/// encoded differently by each browser) only tells where each pair's value stands in the file.
fn query_of(har: &HarRequest) -> Vec<Field> {
    let listed = fields(&har.query_string, "queryString");
    let mut query = super::query_fields(&har.url, "/url");
    let mut used = vec![false; listed.len()];
    for q in &mut query {
        let found = listed.iter().enumerate().position(|(i, l)| {
            !used[i]
                && (l.name == q.name
                    || percent_encoding::percent_decode_str(&l.name).decode_utf8_lossy() == q.name)
        });
        if let Some(i) = found {
            used[i] = true;
            q.at.clone_from(&listed[i].at);
            q.within = None;
        }
    }
    query
}

/// The request body of `postData`: its `text`, located through the escapes of the request
/// object as recorded (`real`) and shown from its masked form (`text`), or its `params`
/// rebuilt as the form that was sent.
fn post_body(post: &HarPostData, origin: &Origin, real: &str, text: &Arc<String>) -> Option<Body> {
    match &post.text {
        Some(t) => Some(super::masked_string_body(
            origin,
            super::string_raw(real, "/postData/text"),
            text,
            t.clone(),
        )),
        // Form posts may be recorded as `params` only: rebuilt as sent.
        None if !post.params.is_empty() => {
            let mut form = url::form_urlencoded::Serializer::new(String::new());
            for (name, value) in post.params.iter().filter_map(pair) {
                form.append_pair(name, value);
            }
            Some(Body::unlocated(form.finish()))
        }
        None => None,
    }
}

/// The JSON pointers of an entry's values that may carry credentials: every request header,
/// cookie, query and post value, the URL when `url_hides` something, and every response header
/// but `Content-Type`.
fn secret_pointers(entry: &HarEntry, url_hides: bool) -> Vec<String> {
    let mut out = Vec::new();
    let request = &entry.request;
    out.extend((0..request.headers.len()).map(|i| format!("/request/headers/{i}/value")));
    out.extend((0..request.cookies.len()).map(|i| format!("/request/cookies/{i}/value")));
    out.extend((0..request.query_string.len()).map(|i| format!("/request/queryString/{i}/value")));
    if let Some(post) = &request.post_data {
        out.push("/request/postData/text".to_string());
        out.extend((0..post.params.len()).map(|i| format!("/request/postData/params/{i}/value")));
    }
    if url_hides {
        out.push("/request/url".to_string());
    }
    let response = &entry.response;
    for (i, h) in response.headers.iter().enumerate() {
        if !h.name.eq_ignore_ascii_case("content-type") {
            out.push(format!("/response/headers/{i}/value"));
        }
    }
    out.extend((0..response.cookies.len()).map(|i| format!("/response/cookies/{i}/value")));
    out
}

/// Where the JSON string at `pointer` of `text` (which starts at `origin`) starts, and its raw
/// contents when escapes make them differ from the decoded text.
pub(super) fn string_origin(
    origin: &Origin,
    text: &Arc<String>,
    pointer: &str,
) -> (Option<Origin>, Option<Slice>) {
    let Some(span) = json_pointer_span(text, pointer) else {
        return (None, None);
    };
    let inner = span.value.start + 1..span.value.end.saturating_sub(1);
    let Some(raw) = text.get(inner.clone()) else {
        return (None, None);
    };
    let start = origin.advance(text, inner.start);
    let escaped = if raw.contains('\\') {
        Slice::of(text, inner)
    } else {
        None
    };
    (Some(start), escaped)
}

fn locate_text(origin: &Origin, text: &str) -> Option<crate::source::Location> {
    let span = json_pointer_span(text, "/response/content/text")?;
    Some(origin.locate(text, span.value))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::capture::testing::{Pipe, Trickle};

    fn units(input: &[u8]) -> Vec<Result<Unit, Box<Diagnostic>>> {
        let file = Arc::new(PathBuf::from("t.har"));
        let mut out = Vec::new();
        read_from(&file, std::io::Cursor::new(input), 1 << 20, &mut |u| {
            out.push(u)
        });
        out
    }

    #[test]
    fn base64_decodes_in_chunks_as_at_once() {
        use base64::Engine;
        let engine = base64::engine::general_purpose::STANDARD;
        // Around the chunk size, with padding and wrapped lines.
        for len in [0, 1, 2, 3, 47, 49_151, 49_152, 49_153, 200_000] {
            let data: Vec<u8> = (0..len).map(|i| (i * 7 % 251) as u8).collect();
            let mut text = engine.encode(&data);
            if len > 100 {
                text.insert_str(76, "\r\n");
            }
            assert_eq!(decode_base64(&text).expect("decodes"), data, "{len}");
        }
        // A bad byte in a later chunk is named at its offset in the whole text.
        let mut bad = engine.encode(vec![0u8; 100_000]);
        bad.replace_range(70_001..70_002, "!");
        assert_eq!(
            decode_base64(&bad).expect_err("bad byte"),
            engine.decode(&bad).expect_err("bad byte")
        );
        let short = format!("{}A", engine.encode(vec![1u8; 99_999]));
        assert_eq!(
            decode_base64(&short).expect_err("bad length"),
            engine.decode(&short).expect_err("bad length")
        );
    }

    #[test]
    fn entries_are_cut_with_their_positions() {
        let input = b"{\"log\": {\"version\": \"1.2\", \"pages\": [{\"x\": \"}\"}],\n  \"entries\": [\n    {\"a\": \"\\\"]\"},\n    {\"b\": [1]}\n  ]}}\n";
        let got = units(input);
        assert_eq!(got.len(), 2, "{got:?}");
        let a = got[0].as_ref().expect("entry");
        assert_eq!(a.text, "{\"a\": \"\\\"]\"}");
        assert_eq!(
            (a.origin.line, a.origin.column, a.origin.prefix.as_deref()),
            (3, 5, Some("    "))
        );
        let b = got[1].as_ref().expect("entry");
        assert_eq!((b.entry, b.origin.line), (Some(1), 4));
    }

    #[test]
    fn chunk_boundaries_do_not_change_what_is_cut() {
        let input = std::fs::read(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("captures/samples/mixed.har"),
        )
        .expect("sample");
        let file = Arc::new(PathBuf::from("t.har"));
        let cut = |step: usize| {
            let mut out = Vec::new();
            read_from(&file, Trickle::new(&input, step), 1 << 20, &mut |u| {
                let u = u.expect("entry");
                out.push((u.text, u.origin));
            });
            out
        };
        let whole = cut(usize::MAX);
        assert_eq!(whole.len(), 11);
        for step in [1, 2, 3, 7, 64] {
            assert_eq!(cut(step), whole, "reading {step} bytes at a time");
        }
    }

    #[test]
    fn long_entries_read_again_at_their_size_are_the_same_entries() {
        let input = std::fs::read(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("captures/samples/mixed.har"),
        )
        .expect("sample");
        let file = Arc::new(PathBuf::from("t.har"));
        type Sink<'a> = &'a mut dyn FnMut(Result<Unit, Box<Diagnostic>>);
        let cut = |reader: &mut dyn FnMut(Sink<'_>)| {
            let mut out = Vec::new();
            reader(&mut |u| {
                let u = u.expect("entry");
                out.push((u.text, u.origin, u.entry));
            });
            out
        };
        let gathered = cut(&mut |sink| {
            read_entries(
                &file,
                std::io::Cursor::new(&input),
                1 << 20,
                usize::MAX,
                sink,
            )
        });
        assert_eq!(gathered.len(), 11);
        for step in [1, 7, 4096] {
            for gather in [0, 100, 2000] {
                let sought = cut(&mut |sink| {
                    read_entries(&file, Trickle::new(&input, step), 1 << 20, gather, sink)
                });
                assert_eq!(sought, gathered, "{step} bytes a read, gathering {gather}");
                let piped = cut(&mut |sink| {
                    read_entries(
                        &file,
                        Pipe(Trickle::new(&input, step)),
                        1 << 20,
                        gather,
                        sink,
                    )
                });
                assert_eq!(
                    piped, gathered,
                    "a pipe, {step} bytes a read, gathering {gather}"
                );
            }
        }
    }

    #[test]
    fn an_oversized_entry_is_skipped_and_the_next_one_read() {
        let big = "x".repeat(3000);
        let input = format!("{{\"log\": {{\"entries\": [{{\"a\": \"{big}\"}}, {{\"b\": 1}}]}}}}");
        let file = Arc::new(PathBuf::from("t.har"));
        let mut got = Vec::new();
        read_from(&file, Trickle::new(input.as_bytes(), 512), 1024, &mut |u| {
            got.push(u)
        });
        assert_eq!(got.len(), 2);
        let skipped = got[0].as_ref().expect_err("too large");
        assert!(skipped.message.contains("entry 0 is larger than"));
        assert_eq!(got[1].as_ref().expect("entry").entry, Some(1));
    }

    #[test]
    fn not_a_har() {
        for (input, needle) in [
            (&b""[..], "empty"),
            (b"{\"log\": {\"version\": \"1.2\"}}", "log.entries"),
            (b"{\"log\": {\"entries\": [{\"a\": 1}", "truncated"),
            (b"\0\0\0", "binary"),
            (b"[1]", "expected a JSON object"),
        ] {
            let got = units(input);
            let err = got.last().and_then(|u| u.as_ref().err()).expect("error");
            assert!(err.message.contains(needle), "{input:?}: {}", err.message);
        }
    }
}
