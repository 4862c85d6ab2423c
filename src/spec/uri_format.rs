//! The `uri` format, checked first by a fast path that answers only for the plainest URLs.
//!
//! Bodies are full of URLs (GitHub's objects hold a dozen each: 249,424 `format: uri` strings
//! on the GitHub load), and `jsonschema`'s RFC 3986 check reads them a byte at a time through
//! several passes (scheme, authority, host, path): 167 M instructions, 3.4 % of the run. Most
//! are `https://host/path` with nothing but letters, digits, `-._~` and `/`, which that check
//! always accepts; every other string goes to it unchanged, so the verdict is always its own.

/// Whether `text` is a URI, as `jsonschema`'s `uri` format says.
pub(crate) fn is_valid_uri(text: &str) -> bool {
    is_plain_url(text) || jsonschemas_verdict(text)
}

/// `jsonschema`'s own `uri` check, through a validator of that format alone: the function is
/// not public, and the strings that come here are few (GitHub's URL templates are not `uri`).
fn jsonschemas_verdict(text: &str) -> bool {
    static URI: std::sync::OnceLock<Option<jsonschema::Validator>> = std::sync::OnceLock::new();
    let validator = URI.get_or_init(|| {
        jsonschema::options()
            .with_draft(jsonschema::Draft::Draft202012)
            .should_validate_formats(true)
            .build(&serde_json::json!({"format": "uri"}))
            .ok()
    });
    // It compiles (see the tests); were it not to, the format would be unknown, and ignored.
    validator
        .as_ref()
        .is_none_or(|v| v.is_valid(&serde_json::Value::String(text.to_owned())))
}

/// Whether `text` is `http://` or `https://` followed only by unreserved characters and `/`:
/// RFC 3986 reads that as a scheme, an authority of one `reg-name` host (possibly empty, as
/// the grammar allows) and a path of `pchar` segments, with no query, fragment, userinfo, port,
/// percent-encoding or IP literal to check.
fn is_plain_url(text: &str) -> bool {
    let rest = text
        .strip_prefix("https://")
        .or_else(|| text.strip_prefix("http://"));
    rest.is_some_and(|rest| all_plain(rest.as_bytes()))
}

/// Whether every byte is [`PLAIN`], eight at a time with no branch between them (a URL is
/// plain far more often than not, so nothing is lost by reading a chunk to its end).
fn all_plain(bytes: &[u8]) -> bool {
    let plain = |ok: bool, b: &u8| ok & PLAIN[usize::from(*b)];
    let mut chunks = bytes.chunks_exact(8);
    chunks.all(|chunk| chunk.iter().fold(true, plain))
        && chunks.remainder().iter().fold(true, plain)
}

/// Letters, digits, `-._~` (RFC 3986 `unreserved`) and `/`.
const PLAIN: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        table[b] = c.is_ascii_alphanumeric() || matches!(c, b'-' | b'.' | b'_' | b'~' | b'/');
        b += 1;
    }
    table
};

#[cfg(test)]
mod tests {
    use super::*;

    /// `jsonschema`'s verdict with its built-in `uri` check.
    fn reference(text: &str) -> bool {
        jsonschemas_verdict(text)
    }

    /// Strings the fast path takes, and strings near them that it must leave to the full check.
    fn samples() -> Vec<String> {
        let mut out: Vec<String> = [
            "https://api.github.com/repos/octocat/Hello-World",
            "http://example.com",
            "https://",
            "http://",
            "https:///path",
            "https://a.b/c//d/~x/_y/-z/.",
            "https://api.github.com/users/octocat/following{/other_user}",
            "https://example.com/a b",
            "https://example.com/a?b=c#d",
            "https://user@example.com/",
            "https://example.com:8080/",
            "https://[::1]/",
            "https://example.com/%41",
            "https://example.com/%4",
            "https://exa%mple.com/",
            "https://ex\u{e9}mple.com/",
            "HTTPS://EXAMPLE.COM/",
            "https:/example.com",
            "https//example.com",
            "httpss://x",
            "ftp://x",
            "//example.com",
            "",
            "https://a/\\",
            "https://a/\"",
            "https://a/\u{0}",
        ]
        .map(String::from)
        .into();
        // Every single byte after a plain prefix and host.
        for b in 0..=127u8 {
            let c = char::from(b);
            out.push(format!("https://example.com/{c}"));
            out.push(format!("https://{c}example.com/"));
            out.push(format!("http://{c}"));
        }
        out
    }

    /// URL-looking strings of the GitHub capture, when it is on this machine (see COMMON
    /// notes of session 9: /tmp/speed-bench/github.ndjson, made from GitHub's spec examples).
    fn capture_urls() -> Vec<String> {
        let Ok(text) = std::fs::read_to_string("/tmp/speed-bench/github.ndjson") else {
            eprintln!("SKIPPED: the GitHub capture is absent");
            return Vec::new();
        };
        let mut out = std::collections::BTreeSet::new();
        for piece in text.split('"') {
            if piece.starts_with("http") && piece.contains("://") {
                out.insert(piece.to_string());
            }
        }
        out.into_iter().collect()
    }

    #[test]
    fn the_fast_path_gives_jsonschemas_verdict() {
        let (mut plain, mut checked) = (0, 0);
        for s in samples().iter().chain(capture_urls().iter()) {
            if is_plain_url(s) {
                assert!(
                    reference(s),
                    "the fast path accepted {s:?}, jsonschema does not"
                );
                plain += 1;
            }
            assert_eq!(is_valid_uri(s), reference(s), "{s:?}");
            checked += 1;
        }
        eprintln!("{checked} strings compared, {plain} on the fast path");
        assert!(
            !reference("https://a b") && reference("urn:x"),
            "the reference checks"
        );
        assert!(plain > 10 && plain < checked);
    }
}
