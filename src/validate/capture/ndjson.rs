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
use std::path::PathBuf;
use std::sync::Arc;

use serde_json::Value;

use crate::diagnostic::Diagnostic;
use crate::source::ByteSpan;
use crate::validate::tape::Tape;

use super::{
    bom_warning, looks_binary, mask_strings_knowing, normalize_method, parse_error, serde_message,
    without_snippet, Body, Exchange, Field, Origin, Parsed, Request, Unit, UnitKind,
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

/// The pointers of a line's values that may carry credentials: every header value but
/// `Content-Type`, every request header value, and the URL when its query holds a credential.
fn secret_pointers(line: &serde_json::Map<String, Value>) -> Vec<String> {
    let mut out = Vec::new();
    let fields = [
        ("headers", "/headers", true),
        ("request_headers", "/request_headers", false),
    ];
    for (field, field_at, keep_content_type) in fields {
        let Some(headers) = line.get(field).and_then(Value::as_object) else {
            continue;
        };
        for (name, value) in headers {
            if keep_content_type && name.eq_ignore_ascii_case("content-type") {
                continue;
            }
            let at = crate::source::pointer_push(field_at, name);
            // A repeated header given as an array (`Set-Cookie`, a repeated request header):
            // each of its values.
            if let Some(items) = value.as_array() {
                out.extend((0..items.len()).map(|i| format!("{at}/{i}")));
            }
            out.push(at);
        }
    }
    if let Some(url) = line.get("url").and_then(Value::as_str) {
        if crate::validate::redact_url(url) != url {
            out.push("/url".to_string());
        }
    }
    // Every string of the request body.
    if let Some(body) = line.get("request_body") {
        let mut at = crate::pointer::Pointer::new("/request_body");
        crate::pointer::string_pointers(body, &mut at, super::MAX_SECRET_POINTERS, &mut out);
    }
    super::credential_members(line, "", &mut out);
    out
}

/// The recorded request headers, each pointing at its value: one field per item of a value
/// given as an array (a repeated header).
fn request_headers(h: &serde_json::Map<String, Value>) -> Vec<Field> {
    let mut out = Vec::new();
    for (name, value) in h {
        let at = crate::source::pointer_push("/request_headers", name);
        match value {
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    if let Some(v) = item.as_str() {
                        out.push(Field {
                            name: name.clone(),
                            value: v.to_string(),
                            at: format!("{at}/{i}"),
                            within: None,
                        });
                    }
                }
            }
            Value::String(v) => out.push(Field {
                name: name.clone(),
                value: v.clone(),
                at,
                within: None,
            }),
            // Numbers and booleans as their text; null and objects are not header values.
            Value::Number(_) | Value::Bool(_) => out.push(Field {
                name: name.clone(),
                value: value.to_string(),
                at,
                within: None,
            }),
            _ => {}
        }
    }
    out
}

/// The request recorded on a line (see the module docs).
fn request_of(
    obj: &mut serde_json::Map<String, Value>,
    url: &str,
    origin: &Origin,
    shown: &Arc<String>,
    body_raw: Option<(ByteSpan, Option<String>)>,
) -> Request {
    let headers = obj
        .get("request_headers")
        .and_then(Value::as_object)
        .map(request_headers);
    let cookies = headers.as_deref().map(super::header_cookies);
    let mut content_type = headers
        .as_deref()
        .and_then(|h| super::find_header(h, "content-type"))
        .map(|f| f.value.clone());
    let body_known = obj.contains_key("request_body");
    let body = match obj.remove("request_body") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s.is_empty() => None,
        Some(Value::String(s)) => Some(super::masked_string_body(origin, body_raw, shown, s)),
        Some(v) => {
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

/// Parses one line into an exchange. The line's text is masked in place and then shared by the
/// request and a body stored as a JSON value, so a huge line is held once beside its `Value`.
/// The body is skipped while the line is parsed and then read once from its own slice of the
/// line: a body stored as a JSON string is unescaped straight into one buffer of its size.
pub fn parse_line(mut unit: Unit) -> Parsed {
    let file = unit.file.as_path();
    let mut text = std::mem::take(&mut unit.text);
    let (mut obj, mut body, duplicates) = members_of(&unit, &text)?;
    let mut secrets = secret_pointers(&obj);
    let envelope = secrets.len();
    let mut known = Vec::new();
    if let LineBody::Value(v) = &body {
        super::credential_strings(v.root(&text), "/body", &mut secrets);
        if !duplicates {
            known = super::tape_string_spans(v.root(&text), "/body", &text, &secrets[envelope..]);
        }
    }
    let body_raw = match obj.get("request_body") {
        Some(Value::String(s)) if !s.is_empty() => super::string_raw(&text, "/request_body"),
        _ => None,
    };
    body.keep_originals(&text, &secrets, duplicates);
    // The body's secrets the tape located are masked by span: the scan for the others then
    // stops before the body (on Kommo's lines, `code` strings deep in it: 4 % of the CPU).
    let (scan, known) = split_located(secrets, envelope, known);
    mask_strings_knowing(&mut text, &scan, known, duplicates);
    // From here on, snippets come from the masked line: same positions, no secrets.
    let shown = Arc::new(text);
    let line = unit.origin.line;
    let missing = |what: &str| {
        parse_error(
            file,
            unit.origin.location(&shown),
            format!("line {line} has no {what}"),
        )
    };
    let (method, url, status) = (
        obj.get("method")
            .and_then(Value::as_str)
            .map(normalize_method)
            .ok_or_else(|| missing("\"method\" string"))?,
        obj.get("url")
            .and_then(Value::as_str)
            .map(str::to_string)
            .ok_or_else(|| missing("\"url\" string"))?,
        status_of(&obj).ok_or_else(|| missing("\"status\" between 100 and 599"))?,
    );
    let content_type = obj
        .get("headers")
        .and_then(Value::as_object)
        .and_then(|h| {
            h.iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("content-type"))
        })
        .and_then(|(_, v)| v.as_str().map(str::to_string));
    let body = body.into_body(&unit.origin, &shown);
    let request = request_of(&mut obj, &url, &unit.origin, &shown, body_raw);
    Ok(Exchange {
        file: unit.file.clone(),
        entry: unit.entry,
        method,
        url,
        status,
        content_type,
        body,
        anchor: unit.origin.location(&shown),
        operation: None,
        request: Some(request),
    })
}

/// The pointers of `secrets` still to be looked for in the text, and the spans of those found
/// already: `known` holds one entry per secret from `from` on.
fn split_located(
    mut secrets: Vec<String>,
    from: usize,
    known: Vec<Option<ByteSpan>>,
) -> (Vec<String>, Vec<ByteSpan>) {
    if known.is_empty() {
        return (secrets, Vec::new());
    }
    let body = secrets.split_off(from);
    let mut spans = Vec::with_capacity(known.len());
    for (pointer, span) in body.into_iter().zip(known) {
        match span {
            Some(span) => spans.push(span),
            None => secrets.push(pointer),
        }
    }
    (secrets, spans)
}

/// The recorded status, if it is one (a number, or a string holding one, from 100 to 599).
fn status_of(obj: &serde_json::Map<String, Value>) -> Option<u16> {
    match obj.get("status") {
        Some(Value::Number(n)) => n.as_u64(),
        Some(Value::String(s)) => s.trim().parse().ok(),
        _ => None,
    }
    .and_then(|s| u16::try_from(s).ok())
    .filter(|s| (100..600).contains(s))
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
    fn keep_originals(&mut self, line: &str, secrets: &[String], duplicates: bool) {
        let LineBody::Value(tape) = self else { return };
        if secrets.is_empty() {
            return; // nothing is masked
        }
        if duplicates {
            tape.detach(line, "");
            return;
        }
        for p in secrets {
            if let Some(inside) = p
                .strip_prefix("/body")
                .filter(|r| r.is_empty() || r.starts_with('/'))
            {
                tape.detach(line, inside);
            }
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

/// Every member of a line but `body` as a JSON object, and the body apart; a line that is not
/// an exchange object is an error that shows none of its text.
/// The line's members, its body, and whether some object of the line has a key twice (noted
/// while parsing, so masking need not read the line again to find out).
fn members_of(
    unit: &Unit,
    text: &str,
) -> Result<(serde_json::Map<String, Value>, LineBody, bool), Box<Diagnostic>> {
    let not_json = |e: serde_json::Error, at: usize| {
        parse_error(
            &unit.file,
            without_snippet(super::serde_error_location(&unit.origin, text, at, &e)),
            format!(
                "line {} is not valid JSON: {}",
                unit.origin.line,
                serde_message(&e)
            ),
        )
    };
    let members = match serde_json::from_str::<Members>(text) {
        Ok(members) => members,
        // Read again as any JSON, for the error a reader of JSON expects.
        Err(_) => match serde_json::from_str::<Value>(text) {
            Err(e) => return Err(not_json(e, 0)),
            Ok(_) => {
                return Err(parse_error(
                    &unit.file,
                    without_snippet(unit.origin.location(text)),
                    format!(
                    "line {} is not an exchange object ({{\"method\", \"url\", \"status\", ...}})",
                    unit.origin.line
                ),
                ))
            }
        },
    };
    let mut duplicates = members.duplicates || members.bodies > 1;
    let body = match members.bodies {
        0 => LineBody::None,
        // Twice: the last one counts, as it would in a `Value`; read the line as one.
        1 => match members.body.and_then(|raw| slice_span(text, raw.get())) {
            Some(span) => {
                let (body, twice) = body_at(text, span).map_err(|(e, at)| not_json(e, at))?;
                duplicates |= twice;
                body
            }
            None => LineBody::None,
        },
        _ => match Tape::parse(text) {
            Ok(line) => line
                .into_member(text, "body")
                .map_or(LineBody::None, |b| LineBody::from_tape(b, text)),
            Err(e) => return Err(not_json(e, 0)),
        },
    };
    Ok((members.map, body, duplicates))
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

/// Where `slice`, a part of `text`, stands in it.
fn slice_span(text: &str, slice: &str) -> Option<ByteSpan> {
    let start = (slice.as_ptr() as usize).checked_sub(text.as_ptr() as usize)?;
    let end = start + slice.len();
    (end <= text.len()).then_some(ByteSpan { start, end })
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

/// The members of a line, `body` skipped (its syntax checked, nothing built) but kept as its
/// slice of the line, so it is parsed from there without looking for it again.
struct Members<'l> {
    map: serde_json::Map<String, Value>,
    /// How many `body` members the line has.
    bodies: usize,
    /// The text of the last `body`.
    body: Option<&'l serde_json::value::RawValue>,
    /// Whether some object outside the body has a key twice.
    duplicates: bool,
}

impl<'de> serde::Deserialize<'de> for Members<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = Members<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an exchange object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut access: A,
            ) -> Result<Members<'de>, A::Error> {
                let twice = std::cell::Cell::new(false);
                let mut members = Members {
                    map: serde_json::Map::new(),
                    bodies: 0,
                    body: None,
                    duplicates: false,
                };
                while let Some(key) = access.next_key::<String>()? {
                    if key == "body" {
                        members.body = Some(access.next_value()?);
                        members.bodies += 1;
                    } else {
                        let value = access.next_value_seed(super::Tree(&twice))?;
                        if members.map.insert(key, value).is_some() {
                            twice.set(true);
                        }
                    }
                }
                members.duplicates = twice.get();
                Ok(members)
            }
        }
        d.deserialize_map(Visit)
    }
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
        let line: Value = serde_json::from_str(
            r#"{"url":"/x","headers":{"Content-Type":"a/b","X-Req":"r","Set-Cookie":["s=1","t=2"]},"request_headers":{"Cookie":["a=1","b=2"],"Content-Type":"c/d"}}"#,
        )
        .expect("json");
        let mut got = secret_pointers(line.as_object().expect("object"));
        // A credential-named header (`Cookie`) is found by the credential walk as well.
        got.sort();
        got.dedup();
        assert_eq!(
            got,
            [
                "/headers/Set-Cookie",
                "/headers/Set-Cookie/0",
                "/headers/Set-Cookie/1",
                "/headers/X-Req",
                "/request_headers/Content-Type",
                "/request_headers/Cookie",
                "/request_headers/Cookie/0",
                "/request_headers/Cookie/1",
            ]
        );
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
}
