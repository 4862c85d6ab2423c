//! HAR 1.2 captures: every object of `log.entries`.
//!
//! A HAR is one JSON document, often hundreds of megabytes. Rather than build it as a `Value`,
//! a byte-level scanner follows the structure (strings, escapes, nesting, object keys) through a
//! bounded buffer and cuts out each entry's text with its position in the file; entries are then
//! parsed one by one, in parallel. Memory holds one buffer and the entries of one batch, whatever
//! the file's size, and positions inside `content.text` map back to the file.

use std::io::Read;
use std::path::PathBuf;
use std::sync::Arc;

use base64::Engine;
use serde::de::IgnoredAny;
use serde::Deserialize;
use serde_json::Value;

use crate::diagnostic::Diagnostic;
use crate::source::json_pointer_span;

use super::{
    bom_warning, mask_strings, normalize_method, parse_error, serde_error_location, serde_message,
    without_snippet, Body, Exchange, Field, Origin, Parsed, Request, Unit, UnitKind,
    MAX_UNIT_BYTES,
};

/// Cuts the file into entries (units), reporting what is not a HAR.
pub fn read(file: &Arc<PathBuf>, sink: &mut dyn FnMut(Result<Unit, Box<Diagnostic>>)) {
    if let Some(f) = super::open(file, sink) {
        read_from(file, f, MAX_UNIT_BYTES, sink);
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
}

/// [`read`] over any reader, with an entry size limit (tests use a small one).
pub fn read_from(
    file: &Arc<PathBuf>,
    mut reader: impl Read,
    max_entry: usize,
    sink: &mut dyn FnMut(Result<Unit, Box<Diagnostic>>),
) {
    let mut buf: Vec<u8> = Vec::with_capacity(1 << 20);
    let mut base = 0usize; // file offset of buf[0]
    let mut pos = 0usize; // next file offset to scan
    let mut line = 1usize;
    let mut column = 1usize; // of `pos`, in characters
    let mut line_start = 0usize; // file offset of the current line
    let mut stack: Vec<Frame> = Vec::new();
    let mut in_string = false;
    let mut escape = false;
    let mut key_bytes: Option<Vec<u8>> = None;
    let mut entry: Option<EntryStart> = None;
    let mut entries = 0usize;
    let mut found_entries = false;
    let mut started = false;
    let mut finished = false;
    let mut chunk = vec![0u8; 1 << 20];
    let here = |line: usize, column: usize, prefix: Option<String>| Origin {
        line,
        column,
        prefix,
    };
    loop {
        let n = match reader.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => {
                sink(Err(parse_error(
                    file,
                    here(line, column, Some(String::new())).location(""),
                    format!("cannot read {}: {e}", file.display()),
                )));
                return;
            }
        };
        buf.extend_from_slice(&chunk[..n]);
        if base == 0 && pos == 0 && buf.starts_with(b"\xEF\xBB\xBF") {
            sink(Err(bom_warning(file)));
            pos = 3;
            line_start = 3;
        }
        while pos < base + buf.len() {
            if in_string && !escape {
                // Fast path through string contents (most of a HAR's bytes, escapes included):
                // stop only at the closing quote or a line break, counting characters for the
                // column.
                let rest = &buf[pos - base..];
                let mut i = 0;
                while i < rest.len() {
                    match rest[i] {
                        b'"' | b'\n' => break,
                        b'\\' if i + 1 < rest.len() => i += 2,
                        b'\\' => break, // the escaped byte is in the next chunk
                        _ => i += 1,
                    }
                }
                if i > 0 {
                    let run = &rest[..i.min(rest.len())];
                    if let Some(k) = key_bytes.as_mut() {
                        k.extend_from_slice(&run[..run.len().min(64usize.saturating_sub(k.len()))]);
                    }
                    column += run.iter().filter(|&&b| b & 0xC0 != 0x80).count();
                    pos += run.len();
                    continue;
                }
            }
            let b = buf[pos - base];
            if finished {
                if !b.is_ascii_whitespace() {
                    sink(Err(parse_error(
                        file,
                        here(line, column, Some(String::new())).location(""),
                        "unexpected data after the end of the HAR document",
                    )));
                    return;
                }
            } else if in_string {
                if escape {
                    escape = false;
                } else if b == b'\\' {
                    escape = true;
                } else if b == b'"' {
                    in_string = false;
                    if let (Some(k), Some(top)) = (key_bytes.take(), stack.last_mut()) {
                        top.key = Some(k);
                    }
                } else if b == b'\n' {
                    // JSON strings cannot hold a raw line break (other control characters are
                    // caught when the entry is parsed).
                    sink(Err(parse_error(
                        file,
                        here(line, column, Some(String::new())).location(""),
                        "a line break inside a string: binary data or a broken HAR",
                    )));
                    return;
                }
            } else {
                match b {
                    b' ' | b'\t' | b'\n' | b'\r' => {}
                    _ if !started && b != b'{' => {
                        let message = if !(0x20..0x80).contains(&b) {
                            "binary data, not a HAR file (expected `{`)"
                        } else {
                            "not a HAR file: expected a JSON object `{`"
                        };
                        sink(Err(parse_error(
                            file,
                            here(line, column, Some(String::new())).location(""),
                            message,
                        )));
                        return;
                    }
                    b'{' | b'[' => {
                        started = true;
                        let in_entries = is_entries(&stack);
                        if in_entries && b == b'{' {
                            found_entries = true;
                            // The line's text before the entry, for snippets: known while it
                            // is still buffered and short (a minified HAR is one huge line).
                            let prefix =
                                (line_start >= base && pos - line_start <= 4096).then(|| {
                                    String::from_utf8_lossy(&buf[line_start - base..pos - base])
                                        .into_owned()
                                });
                            entry = Some(EntryStart {
                                offset: pos,
                                origin: here(line, column, prefix),
                                dropped: false,
                            });
                        } else if in_entries {
                            found_entries = true;
                        }
                        stack.push(Frame {
                            object: b == b'{',
                            expect_key: b == b'{',
                            key: None,
                        });
                    }
                    b'}' | b']' => {
                        if stack.pop().is_none() {
                            sink(Err(parse_error(
                                file,
                                here(line, column, Some(String::new())).location(""),
                                format!("unbalanced `{}`", b as char),
                            )));
                            return;
                        }
                        if is_entries(&stack) {
                            if let Some(start) = entry.take() {
                                if !start.dropped {
                                    let bytes = &buf[start.offset - base..=pos - base];
                                    let unit = match std::str::from_utf8(bytes) {
                                        Ok(text) => Ok(Unit {
                                            file: file.clone(),
                                            entry: Some(entries),
                                            text: text.to_string(),
                                            origin: start.origin,
                                            kind: UnitKind::HarEntry,
                                        }),
                                        Err(_) => Err(parse_error(
                                            file,
                                            start.origin.location(""),
                                            format!("entry {entries} is not UTF-8 text"),
                                        )),
                                    };
                                    sink(unit);
                                }
                                entries += 1;
                            }
                        }
                        if stack.is_empty() {
                            finished = true;
                        }
                    }
                    b'"' => {
                        in_string = true;
                        let keyed = stack.last().is_some_and(|top| top.object && top.expect_key);
                        key_bytes = (keyed && stack.len() <= 2).then(Vec::new);
                    }
                    b':' => {
                        if let Some(top) = stack.last_mut() {
                            top.expect_key = false;
                        }
                    }
                    b',' => {
                        if let Some(top) = stack.last_mut() {
                            top.expect_key = top.object;
                        }
                    }
                    _ => {}
                }
            }
            if b == b'\n' {
                line += 1;
                column = 1;
                line_start = pos + 1;
            } else if b & 0xC0 != 0x80 {
                column += 1;
            }
            pos += 1;
        }
        if let Some(start) = entry.as_mut() {
            if !start.dropped && pos - start.offset > max_entry {
                start.dropped = true;
                sink(Err(parse_error(
                    file,
                    start.origin.location(""),
                    format!(
                        "entry {entries} is larger than {} MiB; skipped",
                        max_entry / (1024 * 1024)
                    ),
                )));
            }
        }
        // Keep only what is still needed: the entry being read, or the current line's start
        // (for snippets) when it is short.
        let keep_from = match &entry {
            Some(start) if !start.dropped => start.offset,
            _ if pos - line_start <= 4096 => line_start.max(base),
            _ => pos,
        };
        if keep_from > base {
            buf.drain(..keep_from - base);
            base = keep_from;
        }
    }
    let end = here(line, column, Some(String::new())).location("");
    if !started {
        sink(Err(parse_error(file, end, "empty file: no HAR document")));
    } else if !finished {
        let what = match &entry {
            Some(_) => format!("truncated: the file ends inside entry {entries}"),
            None => "truncated: the file ends before the HAR document closes".to_string(),
        };
        sink(Err(parse_error(file, end, what)));
    } else if !found_entries {
        sink(Err(parse_error(
            file,
            Origin::file_start().location(""),
            "not a HAR file: no `log.entries` array",
        )));
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
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    encoding: Option<String>,
}

/// Parses one entry into an exchange.
pub fn parse_entry(unit: &Unit) -> Parsed {
    let file = unit.file.as_path();
    let text = unit.text.as_str();
    let index = unit.entry.unwrap_or(0);
    let entry: HarEntry = serde_json::from_str(text).map_err(|e| {
        parse_error(
            file,
            without_snippet(serde_error_location(&unit.origin, text, &e)),
            format!("entry {index} is not a HAR entry: {}", serde_message(&e)),
        )
    })?;
    let masked = mask_strings(text, &secret_pointers(&entry));
    // From here on, snippets come from the masked text: same positions, no secrets.
    let shown = masked.as_deref().unwrap_or(text);
    let anchor = unit.origin.location(shown.split('\n').next().unwrap_or(""));
    let status = u16::try_from(entry.response.status)
        .ok()
        .filter(|s| (100..600).contains(s))
        .ok_or_else(|| {
            // Browsers record aborted and blocked requests with status 0: nothing to check,
            // but worth knowing, so a warning rather than an error.
            let mut d = parse_error(
                file,
                anchor.clone(),
                format!(
                    "entry {index} has no response (status {}): the request failed or was blocked; skipped",
                    entry.response.status
                ),
            );
            d.severity = crate::diagnostic::Severity::Warning;
            d
        })?;
    let header_type = entry
        .response
        .headers
        .iter()
        .find(|h| h.name.eq_ignore_ascii_case("content-type"))
        .map(|h| h.value.clone());
    let content = entry.response.content;
    let content_type = content
        .as_ref()
        .and_then(|c| c.mime_type.clone())
        .filter(|m| !m.trim().is_empty())
        .or(header_type);
    let body = match content.and_then(|c| c.text.map(|t| (t, c.encoding))) {
        None => None,
        Some((t, _)) if t.is_empty() => None,
        Some((t, Some(enc))) if enc.eq_ignore_ascii_case("base64") => {
            let cleaned: String = t.chars().filter(|c| !c.is_ascii_whitespace()).collect();
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(cleaned.as_bytes())
                .map_err(|e| {
                    parse_error(
                        file,
                        locate_text(&unit.origin, shown).unwrap_or_else(|| anchor.clone()),
                        format!("entry {index}: content.text is not valid base64: {e}"),
                    )
                })?;
            let decoded = String::from_utf8(bytes).map_err(|_| {
                parse_error(
                    file,
                    locate_text(&unit.origin, shown).unwrap_or_else(|| anchor.clone()),
                    format!("entry {index}: the base64 body is not UTF-8 text"),
                )
            })?;
            Some(Body::unlocated(decoded))
        }
        Some((t, _)) => {
            let (origin, escaped) = string_origin(&unit.origin, shown, "/response/content/text");
            Some(Body {
                text: t,
                parsed: None,
                origin,
                escaped,
                within: "",
                snippet: None,
            })
        }
    };
    let request = request_of(&entry.request, &unit.origin, text, shown);
    Ok(Exchange {
        file: unit.file.clone(),
        entry: unit.entry,
        method: normalize_method(&entry.request.method),
        url: entry.request.url,
        status,
        content_type,
        body,
        anchor,
        operation: None,
        request: Some(request),
    })
}

/// The request of an entry. Its text is the masked `request` object only (small, whatever the
/// response's size), so findings can be located without keeping the whole entry.
fn request_of(har: &HarRequest, origin: &Origin, entry: &str, shown: &str) -> Request {
    let cut = json_pointer_span(shown, "/request")
        .map(|found| found.value)
        .filter(|v| entry.len() == shown.len() && entry.get(v.start..v.end).is_some());
    let (text, real, origin) = match cut {
        Some(v) => (
            shown[v.start..v.end].to_string(),
            &entry[v.start..v.end],
            origin.advance(shown, v.start),
        ),
        None => (String::new(), "", origin.clone()),
    };
    let fields = |list: &[Value], what: &str| -> Vec<Field> {
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
    };
    // The URL is what was sent; `queryString` (often empty, sometimes encoded differently by
    // each browser) only tells where each pair's value stands in the file.
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
    let headers = fields(&har.headers, "headers");
    let headers = (!headers.is_empty()).then_some(headers);
    let cookies = headers.as_ref().map(|h| {
        let listed = fields(&har.cookies, "cookies");
        if listed.is_empty() {
            h.iter()
                .filter(|f| f.name.eq_ignore_ascii_case("cookie"))
                .flat_map(super::cookie_fields)
                .collect()
        } else {
            listed
        }
    });
    let header_type = headers.as_ref().and_then(|h| {
        h.iter()
            .find(|f| f.name.eq_ignore_ascii_case("content-type"))
            .map(|f| f.value.clone())
    });
    let mut content_type = header_type;
    let body = har.post_data.as_ref().and_then(|post| {
        if let Some(m) = post.mime_type.as_deref().filter(|m| !m.trim().is_empty()) {
            content_type = Some(m.to_string());
        }
        match &post.text {
            Some(t) => Some(super::masked_string_body(
                &origin,
                real,
                &text,
                "/postData/text",
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
    });
    // A body was sent but not recorded (`bodySize` > 0 without `postData`): not judged.
    let body_known = body.is_some() || har.body_size.is_none_or(|n| n <= 0);
    Request {
        query,
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

/// The JSON pointers of an entry's values that may carry credentials: every request header,
/// cookie, query and post value, and every response header but `Content-Type`.
fn secret_pointers(entry: &HarEntry) -> Vec<String> {
    let mut out = Vec::new();
    let request = &entry.request;
    out.extend((0..request.headers.len()).map(|i| format!("/request/headers/{i}/value")));
    out.extend((0..request.cookies.len()).map(|i| format!("/request/cookies/{i}/value")));
    out.extend((0..request.query_string.len()).map(|i| format!("/request/queryString/{i}/value")));
    if let Some(post) = &request.post_data {
        out.push("/request/postData/text".to_string());
        out.extend((0..post.params.len()).map(|i| format!("/request/postData/params/{i}/value")));
    }
    if crate::validate::redact_url(&request.url) != request.url {
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
    text: &str,
    pointer: &str,
) -> (Option<Origin>, Option<String>) {
    let Some(span) = json_pointer_span(text, pointer) else {
        return (None, None);
    };
    let Some(raw) = text.get(span.value.start + 1..span.value.end.saturating_sub(1)) else {
        return (None, None);
    };
    let start = origin.advance(text, span.value.start + 1);
    let escaped = raw.contains('\\').then(|| raw.to_string());
    (Some(start), escaped)
}

fn locate_text(origin: &Origin, text: &str) -> Option<crate::source::Location> {
    let span = json_pointer_span(text, "/response/content/text")?;
    Some(origin.locate(text, span.value))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::capture::testing::Trickle;

    fn units(input: &[u8]) -> Vec<Result<Unit, Box<Diagnostic>>> {
        let file = Arc::new(PathBuf::from("t.har"));
        let mut out = Vec::new();
        read_from(&file, input, 1 << 20, &mut |u| out.push(u));
        out
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
            read_from(&file, Trickle(&input, step), 1 << 20, &mut |u| {
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
    fn an_oversized_entry_is_skipped_and_the_next_one_read() {
        let big = "x".repeat(3000);
        let input = format!("{{\"log\": {{\"entries\": [{{\"a\": \"{big}\"}}, {{\"b\": 1}}]}}}}");
        let file = Arc::new(PathBuf::from("t.har"));
        let mut got = Vec::new();
        read_from(&file, Trickle(input.as_bytes(), 512), 1024, &mut |u| {
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
