//! NDJSON / JSON Lines captures: one exchange per line,
//! `{"method", "url", "status", "headers": {name: value}, "body": <JSON value or string>}`.
//!
//! The request is read from the same line: its query from `url`, and, when present,
//! `request_headers` (`{name: value}`, a value may be an array of values for a repeated header;
//! cookies come from its `Cookie`) and `request_body` (a JSON value, or a string holding the body
//! as sent, e.g. a form; `null` or `""` for no body; its media type is the `Content-Type` of
//! `request_headers`, else JSON for a JSON value). Without `request_headers`, headers, cookies and
//! credentials are not checked; without `request_body`, a missing required body is not reported
//! (many loggers record neither).
//!
//! The file is read line by line with a bounded buffer, so memory stays flat however long the
//! file is; lines are parsed later, in parallel.

use std::io::{BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::Value;

use crate::diagnostic::Diagnostic;
use crate::source::ByteSpan;
use crate::validate::tape::{Tape, TapeNode};
use jsonschema::json::Node;

use super::{
    bom_warning, looks_binary, mask_secrets, normalize_method, parse_error, serde_message,
    without_snippet, Anchor, Body, Exchange, Field, Masking, Origin, Parsed, Request, Secret,
    SecretWalk, Unit, UnitKind,
};

/// Cuts the file into lines (units), reporting unreadable ones.
pub fn read(
    file: &Arc<PathBuf>,
    max_entry: usize,
    sink: &mut dyn FnMut(Result<Unit, Box<Diagnostic>>),
) {
    if let Some(f) = super::open(file, sink) {
        read_from(file, f, max_entry, sink);
    }
}

/// [`read`] over any reader, with a line size limit (tests use a small one).
pub fn read_from(
    file: &Arc<PathBuf>,
    reader: impl Read + Seek,
    max_line: usize,
    sink: &mut dyn FnMut(Result<Unit, Box<Diagnostic>>),
) {
    read_lines(file, Lines::new(reader, max_line, GATHER), sink);
}

/// Lines up to this long are gathered from the reader's buffer as they come. A longer one is
/// measured first and then read once into a buffer of its exact size: a buffer grown by
/// doubling costs up to twice the line while it is copied, and the allocator keeps what it
/// frees for a while, so a huge line would peak far above its size before it is even parsed.
const GATHER: usize = 4 << 20;

/// The file cut into lines, with the state that outlives one line.
fn read_lines<R: Read + Seek>(
    file: &Arc<PathBuf>,
    mut lines: Lines<R>,
    sink: &mut dyn FnMut(Result<Unit, Box<Diagnostic>>),
) {
    let mut line_no = 0usize;
    let mut entry = 0usize;
    let mut line: Vec<u8> = Vec::new();
    let mut any = false;
    loop {
        line_no += 1;
        let cut = match lines.next(&mut line) {
            Ok(cut) => cut,
            Err(e) => {
                sink(Err(parse_error(
                    file,
                    Origin::file_start().location(""),
                    format!("cannot read {}: {e}", file.display()),
                )));
                return;
            }
        };
        if cut.ended && line.is_empty() && !cut.too_long {
            break;
        }
        any = true;
        if line_no == 1 && !first_line(file, &mut line, sink) {
            return;
        }
        if emit(file, line_no, entry, cut, &mut line, sink) {
            entry += 1;
        }
        if cut.ended {
            break;
        }
    }
    if !any {
        sink(Err(parse_error(
            file,
            Origin::file_start().location(""),
            "empty file: no exchanges",
        )));
    }
}

/// Drops a byte order mark (with a warning); `false` when the file is binary, not NDJSON.
fn first_line(
    file: &Arc<PathBuf>,
    line: &mut Vec<u8>,
    sink: &mut dyn FnMut(Result<Unit, Box<Diagnostic>>),
) -> bool {
    if line.starts_with(b"\xEF\xBB\xBF") {
        sink(Err(bom_warning(file)));
        line.drain(..3);
    }
    if looks_binary(line) {
        sink(Err(parse_error(
            file,
            Origin::file_start().location(""),
            "binary data, not NDJSON (a NUL byte in the first line)",
        )));
        return false;
    }
    true
}

/// Hands one line to `sink` as a unit (its buffer moves into the unit), or reports why it is
/// not one. Whether it counted as an exchange: blank lines do not.
fn emit(
    file: &Arc<PathBuf>,
    line_no: usize,
    entry: usize,
    cut: Cut,
    line: &mut Vec<u8>,
    sink: &mut dyn FnMut(Result<Unit, Box<Diagnostic>>),
) -> bool {
    let origin = Origin {
        line: line_no,
        column: 1,
        prefix: Some(String::new()),
    };
    if cut.too_long {
        sink(Err(parse_error(
            file,
            origin.location(""),
            format!(
                "line {line_no} is longer than {} MiB; skipped",
                cut.max_line / (1024 * 1024)
            ),
        )));
        return true;
    }
    while matches!(line.last(), Some(b'\n' | b'\r')) {
        line.pop();
    }
    if line.iter().all(u8::is_ascii_whitespace) {
        return false;
    }
    match String::from_utf8(std::mem::take(line)) {
        Ok(text) => sink(Ok(Unit {
            file: file.clone(),
            entry: Some(entry),
            text,
            origin,
            kind: UnitKind::NdjsonLine,
        })),
        Err(e) => {
            let valid = e.utf8_error().valid_up_to();
            let prefix = String::from_utf8_lossy(&e.as_bytes()[..valid]).into_owned();
            sink(Err(parse_error(
                file,
                origin.locate(
                    &prefix,
                    ByteSpan {
                        start: valid,
                        end: valid,
                    },
                ),
                format!("line {line_no} is not UTF-8 text (binary data?)"),
            )));
        }
    }
    true
}

/// How a line read by [`Lines::next`] ended.
#[derive(Clone, Copy)]
struct Cut {
    /// Longer than `max_line`: skipped, not kept.
    too_long: bool,
    /// The input ended (with no line break after this line).
    ended: bool,
    max_line: usize,
}

/// Reads lines with a capped size, each into a buffer no bigger than it needs.
struct Lines<R> {
    reader: BufReader<R>,
    max_line: usize,
    gather: usize,
    /// Whether the input can seek back (a file can; a pipe cannot: its long lines are gathered
    /// as they come).
    seekable: bool,
}

impl<R: Read + Seek> Lines<R> {
    fn new(reader: R, max_line: usize, gather: usize) -> Self {
        let mut reader = BufReader::with_capacity(1 << 20, reader);
        let seekable = reader.stream_position().is_ok();
        Lines {
            reader,
            max_line,
            gather,
            seekable,
        }
    }

    /// The next line into `line` (cleared first), its line break included; past `max_line` the
    /// rest of the line is skipped unbuffered.
    fn next(&mut self, line: &mut Vec<u8>) -> std::io::Result<Cut> {
        line.clear();
        let max_line = self.max_line;
        let cut = |too_long, ended| Cut {
            too_long,
            ended,
            max_line,
        };
        loop {
            let available = self.reader.fill_buf()?;
            if available.is_empty() {
                return Ok(cut(false, true));
            }
            let (used, done) = match memchr::memchr(b'\n', available) {
                Some(i) => (i + 1, true),
                None => (available.len(), false),
            };
            if line.len() + used > self.max_line {
                line.clear();
                let (_, ended) = self.skip_line()?;
                return Ok(cut(true, ended));
            }
            if self.seekable && line.len() + used > self.gather {
                return self.read_long(line);
            }
            line.extend_from_slice(&available[..used]);
            self.reader.consume(used);
            if done {
                return Ok(cut(false, false));
            }
        }
    }

    /// The rest of a long line, measured and then read into `line` grown to its exact size.
    fn read_long(&mut self, line: &mut Vec<u8>) -> std::io::Result<Cut> {
        let resume = self.reader.stream_position()?;
        let (rest, ended) = self.skip_line()?;
        let too_long = line.len() + rest > self.max_line;
        if too_long {
            line.clear();
        } else {
            self.reader.seek(SeekFrom::Start(resume))?;
            let at = line.len();
            line.reserve_exact(rest);
            line.resize(at + rest, 0);
            self.reader.read_exact(&mut line[at..])?;
        }
        Ok(Cut {
            too_long,
            ended,
            max_line: self.max_line,
        })
    }

    /// Consumes the rest of the line without keeping it: its length (line break included), and
    /// whether the input ended first.
    fn skip_line(&mut self) -> std::io::Result<(usize, bool)> {
        let mut skipped = 0;
        loop {
            let available = self.reader.fill_buf()?;
            if available.is_empty() {
                return Ok((skipped, true));
            }
            match memchr::memchr(b'\n', available) {
                Some(i) => {
                    self.reader.consume(i + 1);
                    return Ok((skipped + i + 1, false));
                }
                None => {
                    let n = available.len();
                    self.reader.consume(n);
                    skipped += n;
                }
            }
        }
    }
}

/// The strings of a line that may carry credentials: every header value but the response's
/// `Content-Type`, every request header value, the URL when it hides a credential, every string
/// of the request body, and every string under a credential-named key (see [`crate::secrecy`]),
/// the body's included when the line's tape holds it.
fn line_secrets(line: &LineView<'_>, walk: &mut SecretWalk<'_>) {
    let fields = [
        (line.headers, "/headers", true),
        (line.request_headers, "/request_headers", false),
    ];
    for (field, field_at, keep_content_type) in fields {
        let Some(headers) = field.filter(TapeNode::is_object) else {
            continue;
        };
        for (name, value) in headers.members() {
            if keep_content_type && name.eq_ignore_ascii_case("content-type") {
                continue;
            }
            let at = || crate::source::pointer_push(field_at, name);
            // A repeated header given as an array (`Set-Cookie`, a repeated request header):
            // each of its values.
            for (i, item) in value.items().enumerate() {
                walk.string(item, || format!("{}/{i}", at()));
            }
            walk.string(value, at);
        }
    }
    if let Some(url) = line.url.filter(|_| line.redacted_url.is_some()) {
        walk.string(url, || "/url".to_string());
    }
    if let Some(body) = line.request_body {
        walk.every_string(body, "/request_body");
    }
    walk.credential_strings(line.line, "");
}

/// What the reader reads of a line's object: the members it looks at, found in one pass over
/// the members (a lookup by name scans them each time, and a line was asked for ten; a line's
/// keys are unique on its tape, so the member found is the one a lookup finds), and its URL as
/// reports show it, when that differs from the URL (see [`super::Exchange::shown_url`]).
struct LineView<'a> {
    line: TapeNode<'a>,
    redacted_url: Option<String>,
    method: Option<TapeNode<'a>>,
    url: Option<TapeNode<'a>>,
    status: Option<TapeNode<'a>>,
    headers: Option<TapeNode<'a>>,
    request_headers: Option<TapeNode<'a>>,
    request_body: Option<TapeNode<'a>>,
    body: Option<TapeNode<'a>>,
}

impl<'a> LineView<'a> {
    fn of(line: TapeNode<'a>) -> Self {
        let mut found = LineView::members(line);
        found.redacted_url = found
            .url
            .and_then(|url| url.as_str())
            .and_then(super::redacted_url);
        found
    }

    /// The members the reader reads, without the URL's redaction (`redacted_url` is `None`):
    /// for a line read lazily, whose URL hides nothing (see [`parse_line_with`]).
    fn members(line: TapeNode<'a>) -> Self {
        let mut found = LineView {
            line,
            redacted_url: None,
            method: None,
            url: None,
            status: None,
            headers: None,
            request_headers: None,
            request_body: None,
            body: None,
        };
        for (key, value) in line.members() {
            let slot = match key {
                "method" => &mut found.method,
                "url" => &mut found.url,
                "status" => &mut found.status,
                "headers" => &mut found.headers,
                "request_headers" => &mut found.request_headers,
                "request_body" => &mut found.request_body,
                "body" => &mut found.body,
                _ => continue,
            };
            *slot = Some(value);
        }
        found
    }
}

/// The recorded request headers, each pointing at its value: one field per item of a value
/// given as an array (a repeated header).
fn request_headers(h: TapeNode<'_>) -> Vec<Field> {
    let mut out = Vec::new();
    for (name, value) in h.members() {
        let at = crate::source::pointer_push("/request_headers", name);
        let field = |value: String, at: String| Field {
            name: name.to_string(),
            value,
            at,
            within: None,
        };
        if value.is_array() {
            for (i, item) in value.items().enumerate() {
                if let Some(v) = item.as_str() {
                    out.push(field(v.to_string(), format!("{at}/{i}")));
                }
            }
        } else if let Some(v) = value.as_str() {
            out.push(field(v.to_string(), at));
        } else if let Some(n) = value.number() {
            // Numbers and booleans as their text; null and objects are not header values.
            out.push(field(n.to_string(), at));
        } else if let Some(b) = value.as_boolean() {
            out.push(field(b.to_string(), at));
        }
    }
    out
}

/// What a line records besides its response body, copied out before the line is masked in
/// place (a header's value must reach the checks as it was sent).
struct Envelope {
    method: Option<String>,
    url: Option<String>,
    status: Option<u16>,
    /// The response's `Content-Type`.
    content_type: Option<String>,
    request_headers: Option<Vec<Field>>,
    request_body: RequestBody,
}

/// A line's `request_body` member.
enum RequestBody {
    Absent,
    /// `null` or `""`: recorded as empty.
    Empty,
    /// A string: the body as sent (a form, say).
    Text(String),
    /// Any other JSON value: a JSON body.
    Value(Value),
}

impl Envelope {
    /// Whether the line records what every exchange needs: a method, a URL and a status.
    fn complete(&self) -> bool {
        self.method.is_some() && self.url.is_some() && self.status.is_some()
    }

    fn of(line: &LineView<'_>) -> Envelope {
        let text = |v: Option<TapeNode<'_>>| v.and_then(|v| v.as_str()).map(str::to_string);
        let content_type = line.headers.and_then(|h| {
            h.members()
                .find(|(k, _)| k.eq_ignore_ascii_case("content-type"))
                .and_then(|(_, v)| v.as_str().map(str::to_string))
        });
        let request_body = match line.request_body {
            None => RequestBody::Absent,
            Some(v) if v.is_null() || v.as_str() == Some("") => RequestBody::Empty,
            Some(v) => match v.as_str() {
                Some(s) => RequestBody::Text(s.to_string()),
                None => RequestBody::Value(v.to_value()),
            },
        };
        Envelope {
            method: text(line.method).map(|m| normalize_method(&m)),
            url: text(line.url),
            status: line.status.and_then(status_of),
            content_type,
            request_headers: line
                .request_headers
                .filter(TapeNode::is_object)
                .map(request_headers),
            request_body,
        }
    }
}

/// The request recorded on a line (see the module docs).
fn request_of(
    headers: Option<Vec<Field>>,
    request_body: RequestBody,
    url: &str,
    origin: &Origin,
    shown: &Arc<String>,
    body_raw: Option<(ByteSpan, Option<String>)>,
) -> Request {
    let cookies = headers.as_deref().map(super::header_cookies);
    let mut content_type = headers
        .as_deref()
        .and_then(|h| super::find_header(h, "content-type"))
        .map(|f| f.value.clone());
    let body_known = !matches!(request_body, RequestBody::Absent);
    let body = match request_body {
        RequestBody::Absent | RequestBody::Empty => None,
        RequestBody::Text(s) => Some(super::masked_string_body(origin, body_raw, shown, s)),
        RequestBody::Value(v) => {
            if content_type.is_none() {
                content_type = Some("application/json".to_string());
            }
            Some(Body {
                text: shown.clone(),
                parsed: Some(Tape::from_value(&v)),
                origin: Some(origin.clone()),
                escaped: None,
                within: "/request_body",
                snippet: None,
            })
        }
    };
    Request {
        query: super::query_fields(url, "/url"),
        headers,
        cookies,
        body,
        body_known,
        content_type,
        text: shown.clone(),
        origin: origin.clone(),
        url_at: "/url",
        headers_at: "/request_headers",
        cookies_at: "/request_headers",
        body_at: "/request_body",
    }
}

/// Parses one line into an exchange, masked while it is read (as the tests read lines).
#[cfg(test)]
pub fn parse_line(unit: Unit) -> Parsed {
    parse_line_with(unit, Masking::Eager)
}

/// Parses one line into an exchange. The line's text is shared by the request and the body's
/// tape, so a huge line is held once beside its tape; the line is read once, body included (see
/// [`read_line`]), and what the exchange needs besides the body is copied out of it.
///
/// [`Masking::Eager`] masks the line in place before anything is built on it. [`Masking::Lazy`]
/// keeps it as recorded ([`Unmasked`]) where masking it later is sure to give the same text: a
/// line whose body is a JSON value read with it, so the body's tape still holds the whole line
/// to walk for secrets. Not a line with a key twice (every string masked), a URL that hides a
/// credential (query findings map offsets through the masked URL), a line that lacks what an
/// exchange needs (its error shows the line at once), a body read apart (a long line: it would
/// be read again) or stored as a string (its offsets map through the string as masked).
pub fn parse_line_with(mut unit: Unit, masking: Masking) -> Parsed {
    let mut text = std::mem::take(&mut unit.text);
    let read = read_line(&unit.file, &unit.origin, &text)?;
    let duplicates = read.duplicates;
    let mut walk = SecretWalk::new(&text);
    let (envelope, redacted_url, lazy) = {
        let line = LineView::of(read.line.root(&text));
        let envelope = Envelope::of(&line);
        let lazy = masking == Masking::Lazy
            && !duplicates
            && read.apart.is_none()
            && line.redacted_url.is_none()
            && envelope.complete()
            && line
                .body
                .is_some_and(|b| b.as_str().is_none() && !b.is_null());
        if !lazy {
            read.secrets(&line, &text, &mut walk);
        }
        (envelope, line.redacted_url, lazy)
    };
    let mut body = read.body(&text);
    let body_raw = match &envelope.request_body {
        RequestBody::Text(_) => super::string_raw(&text, "/request_body"),
        _ => None,
    };
    let (shown, unmasked) = if lazy {
        let shown = Arc::new(text);
        let unmasked = Unmasked {
            line: shown.clone(),
        };
        (shown, Some(unmasked))
    } else {
        let secrets = walk.found;
        body.keep_originals(&text, &secrets, duplicates);
        mask_secrets(&mut text, &secrets, duplicates);
        (Arc::new(text), None)
    };
    // From here on, snippets come from `shown`: the masked line, or the line as recorded when
    // its masking waits for a report to show it.
    exchange_of(
        unit,
        envelope,
        redacted_url,
        body,
        body_raw,
        shown,
        unmasked,
    )
}

/// The exchange of a line read into `envelope` and `body`, whose text as snippets show it is
/// `shown`.
fn exchange_of(
    unit: Unit,
    envelope: Envelope,
    redacted_url: Option<String>,
    body: LineBody,
    body_raw: Option<(ByteSpan, Option<String>)>,
    shown: Arc<String>,
    unmasked: Option<Unmasked>,
) -> Parsed {
    let file = unit.file.as_path();
    let line = unit.origin.line;
    let missing = |what: &str| {
        parse_error(
            file,
            unit.origin.location(&shown),
            format!("line {line} has no {what}"),
        )
    };
    let Envelope {
        method,
        url,
        status,
        content_type,
        request_headers,
        request_body,
    } = envelope;
    let method = method.ok_or_else(|| missing("\"method\" string"))?;
    let url = url.ok_or_else(|| missing("\"url\" string"))?;
    let status = status.ok_or_else(|| missing("\"status\" between 100 and 599"))?;
    let body = body.into_body(&unit.origin, &shown);
    let request = request_of(
        request_headers,
        request_body,
        &url,
        &unit.origin,
        &shown,
        body_raw,
    );
    Ok(Exchange {
        file: unit.file.clone(),
        entry: unit.entry,
        method,
        url,
        redacted_url,
        status,
        content_type,
        body,
        anchor: Anchor::new(unit.origin.clone(), shown),
        operation: None,
        request: Some(request),
        unmasked: unmasked.map(Box::new),
    })
}

/// An NDJSON line held as recorded ([`Masking::Lazy`]), its response body's tape holding the
/// whole line.
#[derive(Debug, Clone)]
pub struct Unmasked {
    /// The line, shared with the exchange's body, request and anchor.
    line: Arc<String>,
}

impl Unmasked {
    /// The line as [`Masking::Eager`] would have masked it: the same walk over the same tape
    /// (the line's, which the body's tape is, narrowed to its `body` member), so the same
    /// secrets in the same order. Should `body` (the exchange's) not be that tape, the line is
    /// read again as the eager reader reads it.
    pub fn masked(&self, file: &Path, origin: &Origin, body: Option<&Body>) -> String {
        let tape = body
            .filter(|b| b.within == "/body" && Arc::ptr_eq(&b.text, &self.line))
            .and_then(|b| b.parsed.as_ref());
        let secrets = match tape {
            Some(tape) => {
                let mut walk = SecretWalk::new(&self.line);
                // The URL hides nothing (else the line is read eagerly): not redacted again.
                let line = LineView::members(tape.document_root(&self.line));
                line_secrets(&line, &mut walk);
                Some(walk.found)
            }
            None => eager_secrets(file, origin, &self.line),
        };
        let mut text = String::clone(&self.line);
        match secrets {
            Some(secrets) => mask_secrets(&mut text, &secrets, false),
            // The line parsed once, so it parses again; were it not to, nothing is shown.
            None => super::mask_every_value(&mut text),
        }
        text
    }
}

/// The secrets of `line` in the order the eager reader finds them.
fn eager_secrets(file: &Path, origin: &Origin, line: &str) -> Option<Vec<Secret>> {
    let read = read_line(file, origin, line).ok()?;
    let mut walk = SecretWalk::new(line);
    read.secrets(&LineView::of(read.line.root(line)), line, &mut walk);
    Some(walk.found)
}

/// The recorded status, if it is one (a number, or a string holding one, from 100 to 599).
fn status_of(status: TapeNode<'_>) -> Option<u16> {
    match status.as_str() {
        Some(s) => s.trim().parse().ok(),
        None => status.number().and_then(|n| n.as_u64()),
    }
    .and_then(|s| u16::try_from(s).ok())
    .filter(|s| (100..600).contains(s))
}

/// Whether a line's pointer names the body or a value in it.
fn under_body(pointer: &str) -> bool {
    pointer
        .strip_prefix("/body")
        .is_some_and(|r| r.is_empty() || r.starts_with('/'))
}

/// A line's response body, read from the line in the form it needs.
enum LineBody {
    None,
    /// A JSON value: parsed, as a tape over the line, and located inside the line through
    /// `/body`.
    Value(Tape),
    /// A JSON string: its decoded text, located through the string's escapes.
    Text(String),
}

impl LineBody {
    /// Before the line is masked in place (`secrets`, or every string value if `duplicates`): the
    /// tape copies the strings masking will overwrite, so validation still sees the real values.
    fn keep_originals(&mut self, line: &str, secrets: &[Secret], duplicates: bool) {
        let LineBody::Value(tape) = self else { return };
        if duplicates {
            tape.detach(line, ""); // every string is masked (`mask_strings_knowing`)
            return;
        }
        if secrets.is_empty() {
            return; // nothing is masked
        }
        for secret in secrets.iter().filter(|s| under_body(&s.pointer)) {
            tape.detach_place(line, secret.place);
        }
    }

    fn into_body(self, origin: &Origin, shown: &Arc<String>) -> Option<Body> {
        match self {
            LineBody::None => None,
            LineBody::Text(s) => {
                // A body stored as a JSON string: positions map back through its escapes.
                let (origin, escaped) = super::har::string_origin(origin, shown, "/body");
                Some(Body {
                    text: Arc::new(s),
                    parsed: None,
                    origin,
                    escaped,
                    within: "",
                    snippet: None,
                })
            }
            LineBody::Value(v) => Some(Body {
                // The whole line: the body is located inside it through `within`.
                text: shown.clone(),
                parsed: Some(v),
                origin: Some(origin.clone()),
                escaped: None,
                within: "/body",
                snippet: None,
            }),
        }
    }
}

/// Lines up to this long are read in one pass, body included. A longer line's body is read
/// apart (see [`Tape::parse_skipping`]): a huge body stored as a JSON string is then unescaped
/// once, into its own buffer, not into the tape and again out of it.
const READ_WHOLE_MAX: usize = 1 << 20;

/// A line read into a tape: its root object, and its body inside that tape or read apart.
struct LineRead {
    line: Tape,
    /// The body read apart (a long line, or one the one-pass read refused), if it was.
    apart: Option<LineBody>,
    /// Whether some object of the line, body included, has a key twice (noted while parsing,
    /// so masking need not read the line again to find out).
    duplicates: bool,
}

impl LineRead {
    /// Walks every secret of the line read (`line` is its view): its members' (see
    /// [`line_secrets`]), then the credential-named strings of a body read apart, which the
    /// line's tape does not hold. The one walk of the eager reader and of a lazy line's masking.
    fn secrets(&self, line: &LineView<'_>, text: &str, walk: &mut SecretWalk<'_>) {
        line_secrets(line, walk);
        if let Some(LineBody::Value(v)) = &self.apart {
            walk.credential_strings(v.root(text), "/body");
        }
    }

    /// The response body, read apart or narrowed from the line's tape.
    fn body(self, text: &str) -> LineBody {
        match self.apart {
            Some(body) => body,
            None => self
                .line
                .into_member(text, "body")
                .map_or(LineBody::None, |b| LineBody::from_tape(b, text)),
        }
    }
}

/// Reads a line as one JSON object, in one pass when it is short. A line that is not an
/// exchange object is an error that shows none of its text.
///
/// A line the one pass refuses is read again with its body apart, which decides the error: the
/// same as a `Value` parse of the line would give, except that a body nested to `serde_json`'s
/// depth limit is accepted as if it were sent alone (the line's own object does not count).
fn read_line(file: &Path, origin: &Origin, text: &str) -> Result<LineRead, Box<Diagnostic>> {
    let whole = (text.len() <= READ_WHOLE_MAX).then(|| Tape::parse(text));
    let whole_error = match whole {
        Some(Ok(line)) => {
            let duplicates = line.duplicates();
            return exchange_object(file, origin, text, line).map(|line| LineRead {
                line,
                apart: None,
                duplicates,
            });
        }
        Some(Err(e)) => Some(e),
        None => None,
    };
    let not_json = |e: serde_json::Error, at: usize| {
        parse_error(
            file,
            without_snippet(super::serde_error_location(origin, text, at, &e)),
            format!(
                "line {} is not valid JSON: {}",
                origin.line,
                serde_message(&e)
            ),
        )
    };
    let (line, bodies) = Tape::parse_skipping(text, "body").map_err(|skipped| {
        // The error a reader of JSON expects: the line's, read in one pass (skipping a value
        // words some errors another way).
        let whole = whole_error.or_else(|| Tape::parse(text).err());
        not_json(whole.unwrap_or(skipped), 0)
    })?;
    let line = exchange_object(file, origin, text, line)?;
    // Twice: the last one counts, as it would in a `Value`.
    let mut duplicates = line.duplicates() || bodies.len() > 1;
    let mut apart = match bodies
        .last()
        .and_then(|raw| crate::source::slice_span(text, raw))
    {
        Some(span) => {
            let (body, twice) = body_at(text, span).map_err(|(e, at)| not_json(e, at))?;
            duplicates |= twice;
            body
        }
        None => LineBody::None,
    };
    if let (LineBody::Value(tape), true) = (&mut apart, duplicates) {
        tape.note_duplicates(); // as the line's one tape would say
    }
    Ok(LineRead {
        line,
        apart: Some(apart),
        duplicates,
    })
}

/// `line`, the tape of a whole line, if it is an object; else the error saying a line is not an
/// exchange.
fn exchange_object(
    file: &Path,
    origin: &Origin,
    text: &str,
    line: Tape,
) -> Result<Tape, Box<Diagnostic>> {
    if line.root(text).is_object() {
        return Ok(line);
    }
    Err(parse_error(
        file,
        without_snippet(origin.location(text)),
        format!(
            "line {} is not an exchange object ({{\"method\", \"url\", \"status\", ...}})",
            origin.line
        ),
    ))
}

impl LineBody {
    /// The body whose tape reads over `line`.
    fn from_tape(tape: Tape, line: &str) -> Self {
        let root = tape.root(line);
        if let Some(s) = root.as_str() {
            return LineBody::Text(s.to_string());
        }
        if jsonschema::json::Node::is_null(&root) {
            return LineBody::None;
        }
        LineBody::Value(tape)
    }
}

/// The body whose text is `span` of the line; an error comes with the offset of that slice.
/// With it, whether an object of the body has a key twice.
fn body_at(text: &str, span: ByteSpan) -> Result<(LineBody, bool), (serde_json::Error, usize)> {
    let slice = &text[span.start..span.end];
    if slice.starts_with('"') {
        return super::decode_string(slice)
            .map(|s| (LineBody::Text(s), false))
            .map_err(|e| (e, span.start));
    }
    Tape::parse_in(text, slice)
        .map(|tape| {
            let twice = tape.duplicates();
            (LineBody::from_tape(tape, text), twice)
        })
        .map_err(|e| (e, span.start))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::capture::testing::{Pipe, Trickle};

    fn units(input: &[u8], max: usize) -> Vec<Result<Unit, Box<Diagnostic>>> {
        let file = Arc::new(PathBuf::from("t.ndjson"));
        let mut out = Vec::new();
        read_from(&file, std::io::Cursor::new(input), max, &mut |u| {
            out.push(u)
        });
        out
    }

    /// What a reader cut `input` into, as comparable text: each line's text and place, or the
    /// message and line of its error.
    fn cut_with(lines: Lines<impl Read + Seek>) -> Vec<(String, usize, Option<usize>)> {
        let file = Arc::new(PathBuf::from("t.ndjson"));
        let mut out = Vec::new();
        read_lines(&file, lines, &mut |u| {
            out.push(match u {
                Ok(u) => (u.text, u.origin.line, u.entry),
                Err(e) => (e.message, e.location.map_or(0, |l| l.line), None),
            })
        });
        out
    }

    #[test]
    fn lines_blank_lines_and_overlong_lines() {
        let input = b"{\"a\":1}\n\n  \n{\"b\":2222222222}\r\n{\"c\":3}";
        let got = units(input, 12);
        assert_eq!(got.len(), 3);
        let first = got[0].as_ref().expect("unit");
        assert_eq!((first.origin.line, first.entry), (1, Some(0)));
        let err = got[1].as_ref().expect_err("too long");
        assert_eq!(err.location.as_ref().map(|l| l.line), Some(4));
        let last = got[2].as_ref().expect("unit");
        assert_eq!((last.origin.line, last.text.as_str()), (5, "{\"c\":3}"));
    }

    #[test]
    fn long_lines_read_again_at_their_size_are_the_same_lines() {
        let input = b"\xEF\xBB\xBF{\"a\":1}\n\n{\"b\":\"long line, kept\"}\r\n{\"c\":\"too long to keep at all\"}\n{\"d\":4}";
        let gathered = cut_with(Lines::new(std::io::Cursor::new(input), 30, usize::MAX));
        assert_eq!(gathered.len(), 5, "{gathered:?}");
        assert_eq!(gathered[2].0, "{\"b\":\"long line, kept\"}");
        assert!(
            gathered[3].0.contains("line 4 is longer than"),
            "{gathered:?}"
        );
        for step in [1, 3, 7, 64] {
            for gather in [0, 5, 12] {
                let sought = cut_with(Lines::new(Trickle::new(input, step), 30, gather));
                assert_eq!(sought, gathered, "{step} bytes a read, gathering {gather}");
                let piped = cut_with(Lines::new(Pipe(Trickle::new(input, step)), 30, gather));
                assert_eq!(
                    piped, gathered,
                    "a pipe, {step} bytes a read, gathering {gather}"
                );
            }
        }
    }

    #[test]
    fn a_long_line_gets_a_buffer_of_its_own_size() {
        let long = format!("{{\"k\":\"{}\"}}", "x".repeat(100_000));
        let input = format!("{{}}\n{long}\n{{}}");
        let mut lines = Lines::new(std::io::Cursor::new(input.as_bytes()), 1 << 20, 4096);
        let mut line = Vec::new();
        lines.next(&mut line).expect("first");
        lines.next(&mut line).expect("second");
        assert_eq!(line, format!("{long}\n").as_bytes());
        assert!(line.capacity() < long.len() + 4096, "{}", line.capacity());
    }

    #[test]
    fn short_reads_do_not_change_the_lines() {
        let input = std::fs::read(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("captures/samples/mixed.ndjson"),
        )
        .expect("sample");
        let file = Arc::new(PathBuf::from("t.ndjson"));
        let cut = |step: usize| {
            let mut out = Vec::new();
            read_from(
                &file,
                Trickle::new(&input, step),
                crate::validate::capture::MAX_UNIT_BYTES,
                &mut |u| {
                    let u = u.expect("line");
                    out.push((u.text, u.origin, u.entry));
                },
            );
            out
        };
        let whole = cut(usize::MAX);
        assert_eq!(whole.len(), 13);
        for step in [1, 5, 333] {
            assert_eq!(cut(step), whole, "reading {step} bytes at a time");
        }
    }

    /// A key twice in one object: serde keeps the last copy, a pointer finds the first, so
    /// every string value of the line is masked. The parse notes it; no second read does.
    #[test]
    fn every_header_value_is_a_secret_pointer_each_item_of_an_array_too_content_type_of_the_response_is_not(
    ) {
        let text = r#"{"url":"/x","headers":{"Content-Type":"a/b","X-Req":"r","Set-Cookie":["s=1","t=2"]},"request_headers":{"Cookie":["a=1","b=2"],"Content-Type":"c/d"}}"#;
        let line = Tape::parse(text).expect("json");
        let mut walk = SecretWalk::new(text);
        line_secrets(&LineView::of(line.root(text)), &mut walk);
        let mut got: Vec<&str> = walk.found.iter().map(|s| s.pointer.as_str()).collect();
        // A credential-named header (`Cookie`) is found by the credential walk as well.
        got.sort();
        got.dedup();
        assert_eq!(
            got,
            [
                "/headers/Set-Cookie/0",
                "/headers/Set-Cookie/1",
                "/headers/X-Req",
                "/request_headers/Content-Type",
                "/request_headers/Cookie/0",
                "/request_headers/Cookie/1",
            ]
        );
        // Each is placed in the line, so masking needs no scan.
        assert!(walk.found.iter().all(|s| s.span.is_some()));
    }

    #[test]
    fn a_key_twice_anywhere_masks_the_whole_line() {
        let shown = |text: &str| {
            let unit = Unit {
                file: Arc::new(PathBuf::from("t.ndjson")),
                entry: Some(0),
                text: text.to_string(),
                origin: Origin::file_start(),
                kind: UnitKind::NdjsonLine,
            };
            let ex = parse_line(unit).expect("parses");
            ex.request.expect("request").text.to_string()
        };
        let head = r#"{"method":"get","url":"/x","status":200,"headers":{"Content-Type":"application/json"},"#;
        let twice_in_headers = format!(
            r#"{head}"request_headers":{{"Authorization":"x","Authorization":"Bearer s3cret"}},"body":{{"k":"plain"}}}}"#
        );
        let twice_in_body = format!(
            r#"{head}"request_headers":{{"Authorization":"Bearer s3cret"}},"body":{{"k":"plain","k":"again"}}}}"#
        );
        let once = format!(
            r#"{head}"request_headers":{{"Authorization":"Bearer s3cret"}},"body":{{"k":"plain"}}}}"#
        );
        for text in [&twice_in_headers, &twice_in_body] {
            let masked = shown(text);
            assert!(
                !masked.contains("s3cret") && !masked.contains("plain"),
                "{masked}"
            );
            assert_eq!(masked.len(), text.len());
        }
        let masked = shown(&once);
        assert!(
            !masked.contains("s3cret") && masked.contains("plain"),
            "{masked}"
        );
    }

    #[test]
    fn body_offsets_map_into_the_line() {
        let text = r#"{"method":"get","url":"/x","status":200,"headers":{"Content-Type":"application/json"},"body":{"k":1}}"#;
        let unit = Unit {
            file: Arc::new(PathBuf::from("t.ndjson")),
            entry: Some(0),
            text: text.to_string(),
            origin: Origin {
                line: 7,
                column: 1,
                prefix: Some(String::new()),
            },
            kind: UnitKind::NdjsonLine,
        };
        let ex = parse_line(unit).expect("parses");
        assert_eq!(ex.method, "GET");
        let body = ex.body.expect("body");
        assert_eq!(body.within, "/body");
        let span = body.span_of("/k", true).expect("found");
        let loc = body.locate(span).expect("located");
        assert_eq!(
            (loc.line, loc.column),
            (7, text.find("\"k\"").expect("k") + 1)
        );
    }

    fn unit_of(text: String) -> Unit {
        Unit {
            file: Arc::new(PathBuf::from("t.ndjson")),
            entry: Some(0),
            text,
            origin: Origin::file_start(),
            kind: UnitKind::NdjsonLine,
        }
    }

    /// A body nested as deep as `serde_json` reads a document alone is read inside its line
    /// too (the line's own object does not count against the limit); one level more is an error.
    #[test]
    fn a_body_nests_as_deep_as_a_document_alone() {
        let nested = |depth: usize| format!("{}{}", "[".repeat(depth), "]".repeat(depth));
        let deepest = (1..400)
            .take_while(|&d| serde_json::from_str::<Value>(&nested(d)).is_ok())
            .last()
            .expect("some depth parses");
        let line = |depth: usize| {
            format!(
                r#"{{"method":"GET","url":"/x","status":200,"body":{}}}"#,
                nested(depth)
            )
        };
        let ex = parse_line(unit_of(line(deepest))).expect("parses");
        let body = ex.body.expect("body");
        let tape = body.parsed.as_ref().expect("a tape");
        let expected: Value = serde_json::from_str(&nested(deepest)).expect("JSON");
        assert_eq!(tape.root(&body.text).to_value(), expected);
        let err = parse_line(unit_of(line(deepest + 1))).expect_err("too deep");
        assert!(err.message.contains("recursion limit"), "{}", err.message);
    }

    /// A broken line gets the error a `Value` parse of it gives, whichever way it was read
    /// (skipping a body words some errors another way: "key must be a string").
    #[test]
    fn a_broken_line_gets_the_error_of_a_json_reader() {
        for pad in [1, READ_WHOLE_MAX] {
            let text = format!(
                r#"{{"method":"GET","url":"/x","status":200,"pad":"{}","body":{{"id":1,}}}}"#,
                "x".repeat(pad)
            );
            let expected = serde_json::from_str::<Value>(&text).expect_err("broken");
            let err = parse_line(unit_of(text)).expect_err("broken");
            assert!(
                err.message.ends_with(&serde_message(&expected)),
                "{} / {expected}",
                err.message
            );
            assert!(err.message.contains("trailing comma"), "{}", err.message);
        }
    }

    /// A line past [`READ_WHOLE_MAX`] has its body read apart: the exchange is the one the
    /// one-pass read gives for the same members, secrets masked alike.
    #[test]
    fn a_long_line_reads_as_a_short_one() {
        let head = r#"{"method":"get","url":"/x?api_key=k1","status":200,"request_headers":{"Authorization":"Bearer s3cret"},"request_body":{"password":"p4ss"},"body":"#;
        for body in [
            r#"{"user":{"api_key":"sk_live_1","name":"n"},"pad":"PAD","esc":"a\nb"}"#,
            r#""a string body \"quoted\" PAD""#,
        ] {
            let short = format!("{head}{}}}", body.replace("PAD", "x"));
            let long = format!(
                "{head}{}}}",
                body.replace("PAD", &"x".repeat(READ_WHOLE_MAX))
            );
            let read = |text: &str| {
                let ex = parse_line(unit_of(text.to_string())).expect("parses");
                let body = ex.body.expect("body");
                let value = match &body.parsed {
                    Some(tape) => tape.root(&body.text).to_value(),
                    None => Value::String(body.text.to_string()),
                };
                let request = ex.request.expect("request");
                (value, request.text.to_string())
            };
            let (short_body, short_shown) = read(&short);
            let (long_body, long_shown) = read(&long);
            let unpad = |v: &Value| v.to_string().replace(&"x".repeat(READ_WHOLE_MAX), "x");
            assert_eq!(unpad(&long_body), unpad(&short_body));
            for secret in ["k1", "s3cret", "p4ss", "sk_live_1"] {
                assert!(!short_shown.contains(secret), "{secret} in {short_shown}");
                assert!(!long_shown.contains(secret), "{secret} in the long line");
            }
            assert_eq!(long_shown.len(), long.len());
        }
    }

    /// The line is masked in place once parsed, and the body's tape reads over it: the values
    /// masking overwrites (credential-named keys; every string value of a line with a key
    /// twice) are kept apart first, so the body is validated as the server sent it while
    /// snippets show the masked line.
    #[test]
    fn masked_lines_keep_the_body_the_server_sent() {
        let head = r#"{"method":"get","url":"/x","status":200,"request_headers":{"Authorization":"Bearer s3cret"},"body":"#;
        for (body, secret) in [
            (
                r#"{"user":{"api_key":"sk_live_1","name":"n"},"list":[{"token":["t1","t\u00e9"]}]}"#,
                "sk_live_1",
            ),
            (
                r#"{"k":"plain","k":"again","\u006b2":{"a":1,"a":"x"},"esc":"a\nb"}"#,
                "again",
            ),
            (r#"{"password":"p","password":"q"}"#, "\"q\""),
        ] {
            let text = format!("{head}{body}}}");
            let unit = Unit {
                file: Arc::new(PathBuf::from("t.ndjson")),
                entry: Some(0),
                text: text.clone(),
                origin: Origin::file_start(),
                kind: UnitKind::NdjsonLine,
            };
            let ex = parse_line(unit).expect("parses");
            let got = ex.body.expect("body");
            assert!(
                !got.text.contains(secret),
                "{secret} masked in {}",
                got.text
            );
            let tape = got.parsed.as_ref().expect("a tape");
            let expected: Value = serde_json::from_str(body).expect("JSON");
            assert_eq!(tape.root(&got.text).to_value(), expected);
        }
    }

    /// A line read lazily masks, once a finding shows it, to the very text an eager read masks
    /// it to (the same walk over the same tape), and every snippet of it is swapped for the same
    /// span of that text; the lines whose masking cannot wait are read eagerly.
    #[test]
    fn a_lazy_line_masks_as_an_eager_one() {
        let head = r#"{"method":"get","url":"/x","status":200,"headers":{"Content-Type":"a/b","X-Tok":"h1"},"request_headers":{"Authorization":"Bearer s3cret"},"request_body":{"k":"rb","n":[1,"rb2"]},"#;
        let many: Vec<String> = (0..5000).map(|i| format!(r#""t{i}""#)).collect();
        let lines = [
            format!(
                r#"{head}"body":{{"user":{{"api_key":"sk_1","name":"n"}},"esc":"a\nb","tok\u0065n":"t\u00e9"}}}}"#
            ),
            format!(r#"{head}"body":[{{"password":"p1"}}],"meta":{{"secret":"m1"}}}}"#),
            format!(
                r#"{{"meta":{{"token":"m2"}},"body":{{"token":"b2"}},{}}}"#,
                &head[1..head.len() - 1]
            ),
            format!(r#"{head}"body":{{"tokens":[{}]}}}}"#, many.join(",")),
            format!(r#"{head}"body":5}}"#),
        ];
        for text in &lines {
            let eager = parse_line(unit_of(text.clone())).expect("parses");
            let lazy = parse_line_with(unit_of(text.clone()), Masking::Lazy).expect("parses");
            let unmasked = lazy.unmasked.as_ref().expect("read lazily");
            assert_eq!(lazy.anchor.text.as_str(), text.as_str());
            let masked = unmasked.masked(&lazy.file, &lazy.anchor.origin, lazy.body.as_ref());
            let expected = eager.request.as_ref().expect("request").text.to_string();
            assert_eq!(masked, expected);
            assert!(
                !masked.contains("s3cret") && !masked.contains("h1"),
                "{masked}"
            );
            let mut locations = [lazy.anchor.location(), lazy.anchor.location()];
            locations[1].line_text.truncate(40);
            lazy.mask_snippets(locations.iter_mut());
            assert_eq!(locations[0].line_text, expected);
            assert_eq!(locations[1].line_text, expected[..40]);
        }
        // A key twice, a URL that hides a credential, a body stored as a string, a missing
        // status: masked while read.
        for text in [
            format!(r#"{head}"body":{{"k":1,"k":2}}}}"#),
            head.replace("\"/x\"", "\"/x?token=t\"") + r#""body":{}}"#,
            format!(r#"{head}"body":"a string"}}"#),
            head.replace("\"status\":200,", "") + r#""body":{}}"#,
        ] {
            match parse_line_with(unit_of(text.clone()), Masking::Lazy) {
                Ok(ex) => assert!(ex.unmasked.is_none(), "{text}"),
                Err(e) => assert!(!e.location.expect("located").line_text.contains("s3cret")),
            }
        }
    }
}
