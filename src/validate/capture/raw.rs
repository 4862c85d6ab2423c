//! Raw JSON bodies (`NAME.json`): the exchange is described by a sibling `NAME.meta.json`
//! (`{"method", "url", "status", "content_type"}`) or by `--operation` and `--status`, which win
//! when given.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Deserialize;

use crate::diagnostic::{Diagnostic, Kind};

use super::{
    bom_warning, looks_binary, mask_secrets, normalize_method, parse_error, serde_error_location,
    serde_message, Anchor, Body, Exchange, Origin, Parsed, RawMeta, SecretWalk, Slice, Unit,
    UnitKind,
};
use crate::validate::tape::Tape;

#[derive(Deserialize)]
struct MetaFile {
    #[serde(default)]
    method: Option<String>,
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    status: Option<u16>,
    #[serde(default)]
    content_type: Option<String>,
}

/// `dir/NAME.json` → `dir/NAME.meta.json`.
pub fn meta_path(body: &Path) -> Option<PathBuf> {
    let name = body.file_name()?.to_str()?;
    let stem = name
        .strip_suffix(".json")
        .or_else(|| name.strip_suffix(".JSON"))?;
    Some(body.with_file_name(format!("{stem}.meta.json")))
}

fn read_meta(path: &Path) -> Result<Option<RawMeta>, Box<Diagnostic>> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(parse_error(
                path,
                Origin::file_start().location(""),
                format!("cannot read {}: {e}", path.display()),
            ))
        }
    };
    let trimmed = text.trim_start_matches('\u{feff}');
    let meta: MetaFile = serde_json::from_str(trimmed).map_err(|e| {
        parse_error(
            path,
            serde_error_location(&Origin::file_start(), trimmed, 0, &e),
            format!("not a capture description: {}", serde_message(&e)),
        )
    })?;
    Ok(Some(RawMeta {
        method: meta.method.map(|m| normalize_method(&m)),
        url: meta.url,
        status: meta.status,
        content_type: meta.content_type,
        operation: None,
    }))
}

/// Reads a raw body file as one unit.
pub fn read(
    file: &Arc<PathBuf>,
    defaults: &RawMeta,
    max_entry: usize,
    sink: &mut dyn FnMut(Result<Unit, Box<Diagnostic>>),
) {
    let start = Origin::file_start().location("");
    let fail = |message: String| parse_error(file, start.clone(), message);
    match std::fs::metadata(file.as_path()) {
        Ok(m) if m.len() > max_entry as u64 => {
            return sink(Err(fail(format!(
                "{} MiB is too large for a raw body (limit {} MiB); record large traffic as NDJSON, which is streamed",
                m.len() / (1024 * 1024),
                max_entry / (1024 * 1024)
            ))));
        }
        Ok(_) => {}
        Err(e) => return sink(Err(fail(format!("cannot read {}: {e}", file.display())))),
    }
    let mut bytes = match std::fs::read(file.as_path()) {
        Ok(b) => b,
        Err(e) => return sink(Err(fail(format!("cannot read {}: {e}", file.display())))),
    };
    if bytes.starts_with(b"\xEF\xBB\xBF") {
        sink(Err(bom_warning(file)));
        bytes.drain(..3);
    }
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return sink(Err(fail("empty file: no response body".to_string())));
    }
    if looks_binary(&bytes) {
        return sink(Err(fail("binary data, not a JSON body".to_string())));
    }
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let valid = e.utf8_error().valid_up_to();
            let prefix = String::from_utf8_lossy(&e.as_bytes()[..valid]).into_owned();
            let loc = Origin::file_start().locate(
                &prefix,
                crate::source::ByteSpan {
                    start: valid,
                    end: valid,
                },
            );
            return sink(Err(parse_error(file, loc, "not UTF-8 text (binary data?)")));
        }
    };
    let mut meta = if defaults.operation.is_some() || defaults.status.is_some() {
        defaults.clone()
    } else {
        match meta_path(file).map(|p| read_meta(&p)) {
            Some(Ok(Some(m))) => m,
            Some(Err(d)) => return sink(Err(d)),
            _ => RawMeta::default(),
        }
    };
    if meta.operation.is_none() && defaults.operation.is_some() {
        meta.operation.clone_from(&defaults.operation);
    }
    sink(Ok(Unit {
        file: file.clone(),
        entry: None,
        text,
        origin: Origin::file_start(),
        kind: UnitKind::RawBody(meta),
    }))
}

/// Turns a raw body unit into an exchange.
pub fn parse_body(mut unit: Unit, meta: &RawMeta) -> Parsed {
    let file = unit.file.as_path();
    let text = Arc::new(std::mem::take(&mut unit.text));
    let shown = masked(&text).map(Arc::new);
    let anchor = Anchor::new(unit.origin.clone(), shown.clone().unwrap_or(text.clone()));
    let Some(status) = meta.status else {
        let hint = meta_path(file)
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| "NAME.meta.json".to_string());
        return Err(Box::new(
            Diagnostic::error(
                Kind::UnmatchedOperation,
                "a raw body without a description: cannot tell which request it answers",
            )
            .in_file(file)
            .at(Some(anchor.location()))
            .with_suggestion(format!(
                "write {hint} with method, url and status, or pass --operation ID --status CODE"
            )),
        ));
    };
    Ok(Exchange {
        file: unit.file.clone(),
        entry: None,
        method: meta.method.clone().unwrap_or_default(),
        redacted_url: meta.url.as_deref().and_then(super::redacted_url),
        url: meta.url.clone().unwrap_or_default(),
        status,
        content_type: meta.content_type.clone(),
        body: Some(Body {
            text,
            parsed: None,
            origin: Some(unit.origin.clone()),
            escaped: None,
            within: "",
            snippet: shown.and_then(|shown| Slice::of(&shown, 0..shown.len())),
        }),
        anchor,
        operation: meta.operation.clone(),
        // A raw body records no request: request checks are skipped.
        request: None,
        unmasked: None,
    })
}

/// A raw body as snippets show it, when it has something to hide: the strings under
/// credential-named keys masked (every string value if a key stands twice), as on every other
/// capture. A body that is not JSON is shown as it is: its secrets cannot be told apart, and
/// only the line of its error is shown.
fn masked(text: &str) -> Option<String> {
    let tape = Tape::parse(text).ok()?;
    let mut walk = SecretWalk::new(text);
    walk.credential_strings(tape.root(text), "");
    if walk.found.is_empty() && !tape.duplicates() {
        return None;
    }
    let mut shown = text.to_string();
    mask_secrets(&mut shown, &walk.found, tape.duplicates());
    Some(shown)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meta_sibling_name() {
        assert_eq!(
            meta_path(Path::new("d/kommo-account.json")),
            Some(PathBuf::from("d/kommo-account.meta.json"))
        );
    }
}
