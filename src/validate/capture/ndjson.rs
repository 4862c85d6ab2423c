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

use std::io::{BufRead, BufReader, Read};
use std::path::PathBuf;
use std::sync::Arc;

use serde_json::Value;

use crate::diagnostic::Diagnostic;
use crate::source::ByteSpan;

use super::{
    bom_warning, looks_binary, mask_strings, normalize_method, parse_error, serde_error_location,
    serde_message, without_snippet, Body, Exchange, Field, Origin, Parsed, Request, Unit, UnitKind,
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
    reader: impl Read,
    max_line: usize,
    sink: &mut dyn FnMut(Result<Unit, Box<Diagnostic>>),
) {
    let mut reader = BufReader::with_capacity(1 << 20, reader);
    let mut line_no = 0usize;
    let mut entry = 0usize;
    let mut line: Vec<u8> = Vec::new();
    let mut any = false;
    loop {
        line.clear();
        line_no += 1;
        let mut too_long = false;
        let mut ended = false;
        // read_until with a cap: past `max_line` the rest of the line is skipped unbuffered.
        loop {
            let available = match reader.fill_buf() {
                Ok(b) => b,
                Err(e) => {
                    sink(Err(parse_error(
                        file,
                        Origin::file_start().location(""),
                        format!("cannot read {}: {e}", file.display()),
                    )));
                    return;
                }
            };
            if available.is_empty() {
                ended = true;
                break;
            }
            let (chunk, done) = match available.iter().position(|b| *b == b'\n') {
                Some(i) => (&available[..=i], true),
                None => (available, false),
            };
            let used = chunk.len();
            if !too_long {
                if line.len() + used > max_line {
                    too_long = true;
                    line.clear();
                } else {
                    line.extend_from_slice(chunk);
                }
            }
            reader.consume(used);
            if done {
                break;
            }
        }
        if ended && line.is_empty() && !too_long {
            break;
        }
        any = true;
        if line_no == 1 {
            if line.starts_with(b"\xEF\xBB\xBF") {
                sink(Err(bom_warning(file)));
                line.drain(..3);
            }
            if looks_binary(&line) {
                sink(Err(parse_error(
                    file,
                    Origin::file_start().location(""),
                    "binary data, not NDJSON (a NUL byte in the first line)",
                )));
                return;
            }
        }
        let origin = Origin {
            line: line_no,
            column: 1,
            prefix: Some(String::new()),
        };
        if too_long {
            sink(Err(parse_error(
                file,
                origin.location(""),
                format!(
                    "line {line_no} is longer than {} MiB; skipped",
                    max_line / (1024 * 1024)
                ),
            )));
            entry += 1;
            continue;
        }
        while matches!(line.last(), Some(b'\n' | b'\r')) {
            line.pop();
        }
        if line.iter().all(u8::is_ascii_whitespace) {
            if ended {
                break;
            }
            continue;
        }
        match String::from_utf8(std::mem::take(&mut line)) {
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
        entry += 1;
        if ended {
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

/// The pointers of a line's values that may carry credentials: every header value but
/// `Content-Type`, every request header value, and the URL when its query holds a credential.
fn secret_pointers(line: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for (field, keep_content_type) in [("headers", true), ("request_headers", false)] {
        if let Some(headers) = line.get(field).and_then(Value::as_object) {
            for name in headers.keys() {
                if !(keep_content_type && name.eq_ignore_ascii_case("content-type")) {
                    out.push(crate::source::pointer_push(&format!("/{field}"), name));
                }
            }
        }
    }
    if let Some(url) = line.get("url").and_then(Value::as_str) {
        if crate::validate::redact_url(url) != url {
            out.push("/url".to_string());
        }
    }
    // Repeated request headers given as arrays, and every string of the request body.
    if let Some(headers) = line.get("request_headers").and_then(Value::as_object) {
        for (name, value) in headers {
            if let Some(items) = value.as_array() {
                let at = crate::source::pointer_push("/request_headers", name);
                out.extend((0..items.len()).map(|i| format!("{at}/{i}")));
            }
        }
    }
    if let Some(body) = line.get("request_body") {
        let mut at = crate::pointer::Pointer::new("/request_body");
        crate::pointer::string_pointers(body, &mut at, super::MAX_SECRET_POINTERS, &mut out);
    }
    super::credential_strings(line, "", &mut out);
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
        .map(|h| {
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
        });
    let cookies = headers.as_ref().map(|h| {
        h.iter()
            .filter(|f| f.name.eq_ignore_ascii_case("cookie"))
            .flat_map(super::cookie_fields)
            .collect()
    });
    let mut content_type = headers.as_ref().and_then(|h| {
        h.iter()
            .find(|f| f.name.eq_ignore_ascii_case("content-type"))
            .map(|f| f.value.clone())
    });
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
                parsed: Some(v),
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
pub fn parse_line(mut unit: Unit) -> Parsed {
    let file = unit.file.as_path();
    let mut text = std::mem::take(&mut unit.text);
    let mut value: Value = serde_json::from_str(&text).map_err(|e| {
        parse_error(
            file,
            without_snippet(serde_error_location(&unit.origin, &text, &e)),
            format!(
                "line {} is not valid JSON: {}",
                unit.origin.line,
                serde_message(&e)
            ),
        )
    })?;
    let body_raw = match value.get("request_body") {
        Some(Value::String(s)) if !s.is_empty() => super::string_raw(&text, "/request_body"),
        _ => None,
    };
    mask_strings(&mut text, &secret_pointers(&value));
    // From here on, snippets come from the masked line: same positions, no secrets.
    let shown = Arc::new(text);
    let anchor = unit.origin.location(&shown);
    let line = unit.origin.line;
    let Some(obj) = value.as_object_mut() else {
        // Not an exchange: nothing in it is known to be harmless, so none of it is shown.
        return Err(parse_error(
            file,
            without_snippet(anchor),
            format!(
                "line {line} is not an exchange object ({{\"method\", \"url\", \"status\", ...}})"
            ),
        ));
    };
    let missing = |what: &str| {
        parse_error(
            file,
            unit.origin.location(&shown),
            format!("line {line} has no {what}"),
        )
    };
    let method = obj
        .get("method")
        .and_then(Value::as_str)
        .map(normalize_method)
        .ok_or_else(|| missing("\"method\" string"))?;
    let url = obj
        .get("url")
        .and_then(Value::as_str)
        .map(str::to_string)
        .ok_or_else(|| missing("\"url\" string"))?;
    let status = match obj.get("status") {
        Some(Value::Number(n)) => n.as_u64(),
        Some(Value::String(s)) => s.trim().parse().ok(),
        _ => None,
    }
    .and_then(|s| u16::try_from(s).ok())
    .filter(|s| (100..600).contains(s))
    .ok_or_else(|| missing("\"status\" between 100 and 599"))?;
    let headers: Vec<(String, Option<String>)> = obj
        .get("headers")
        .and_then(Value::as_object)
        .map(|h| {
            h.iter()
                .map(|(k, v)| (k.clone(), v.as_str().map(str::to_string)))
                .collect()
        })
        .unwrap_or_default();
    let content_type = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-type"))
        .and_then(|(_, v)| v.clone());
    let body = match obj.remove("body") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => {
            // A body stored as a JSON string: positions map back through its escapes.
            let (origin, escaped) = super::har::string_origin(&unit.origin, &shown, "/body");
            Some(Body {
                text: Arc::new(s),
                parsed: None,
                origin,
                escaped,
                within: "",
                snippet: None,
            })
        }
        Some(v) => Some(Body {
            // The whole line: the body is located inside it through `within`.
            text: shown.clone(),
            parsed: Some(v),
            origin: Some(unit.origin.clone()),
            escaped: None,
            within: "/body",
            snippet: None,
        }),
    };
    let request = request_of(obj, &url, &unit.origin, &shown, body_raw);
    Ok(Exchange {
        file: unit.file.clone(),
        entry: unit.entry,
        method,
        url,
        status,
        content_type,
        body,
        anchor,
        operation: None,
        request: Some(request),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::capture::testing::Trickle;

    fn units(input: &[u8], max: usize) -> Vec<Result<Unit, Box<Diagnostic>>> {
        let file = Arc::new(PathBuf::from("t.ndjson"));
        let mut out = Vec::new();
        read_from(&file, input, max, &mut |u| out.push(u));
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
                Trickle(&input, step),
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
}
