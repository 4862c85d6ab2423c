//! The redaction policy: which names mark a credential, and how URLs, values and messages are
//! shown without one. Every reader and checker asks this module; nothing else keeps a list.
//!
//! A name is a credential's when one of its words (split at `_`, `-`, `.`, spaces and camelCase
//! humps, lower-cased) is a credential word (`token`, `secret`, `password`, `signature`, `sig`,
//! `session`, `auth`, `cookie`, `credential`, ...), when it ends in one (`accesstoken`,
//! `apikey`), when `key` follows `api`, `access`, `secret`, `private`, `client` or `signing`, or
//! when the whole name is `key` or `code` (an OAuth authorization code). Words, not substrings:
//! `author`, `country_code` and `monkey` are not credentials.
//!
//! What is hidden:
//! - URLs: the userinfo password, and the value of every query, fragment (`#access_token=`) and
//!   `;param` (`;jsessionid=`) pair whose name, percent-decoded (`%74oken`), is a credential's.
//! - Values: a value under a credential-named key, or under any ancestor key that is one, is
//!   never shown; objects shown in a message have credential-named members masked.
//! - Headers `Authorization`, `Proxy-Authorization`, `Cookie` and `Set-Cookie`, whatever the
//!   spec says, and any header whose name is a credential's.

use std::borrow::Cow;

use serde_json::Value;

/// What a hidden value is shown as.
pub const MASK: &str = "REDACTED";

/// Words that mark a credential wherever they stand in a name.
const WORDS: &[&str] = &[
    "token",
    "tokens",
    "secret",
    "secrets",
    "password",
    "passwd",
    "pwd",
    "passphrase",
    "signature",
    "sig",
    "session",
    "sessionid",
    "jsessionid",
    "phpsessid",
    "sid",
    "auth",
    "authorization",
    "bearer",
    "cookie",
    "credential",
    "credentials",
    "apikey",
    "csrf",
    "xsrf",
    "otp",
    "jwt",
    "privatekey",
];

/// Endings that mark a credential in a name written as one word (`accesstoken`, `clientsecret`).
const ENDINGS: &[&str] = &[
    "token",
    "secret",
    "password",
    "passwd",
    "apikey",
    "sessionid",
    "signature",
];

/// Words after which `key` names a credential (`api_key`, `x-api-key`, `secretKey`).
const KEY_QUALIFIERS: &[&str] = &[
    "api", "access", "secret", "private", "client", "signing", "auth", "app", "master",
];

/// Names that are credentials only on their own (`key=`, OAuth's `code=`).
const WHOLE: &[&str] = &["key", "code"];

/// Headers that carry credentials whatever the spec says.
const HEADERS: &[&str] = &[
    "authorization",
    "proxy-authorization",
    "cookie",
    "set-cookie",
];

/// The lower-case words of a name: `x-api-key` → `x api key`, `accessToken` → `access token`.
fn words(name: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut previous_lower = false;
    for c in name.chars() {
        if !c.is_alphanumeric() {
            out.extend((!word.is_empty()).then(|| std::mem::take(&mut word)));
            previous_lower = false;
            continue;
        }
        if c.is_uppercase() && previous_lower {
            out.push(std::mem::take(&mut word));
        }
        previous_lower = c.is_lowercase() || c.is_ascii_digit();
        word.extend(c.to_lowercase());
    }
    out.extend((!word.is_empty()).then_some(word));
    out
}

/// Substrings one of which every credential name holds, lower-cased: each word, ending, key
/// qualifier rule and whole name above contains one of them.
const NEEDLES: &[&[u8]] = &[
    b"token",
    b"secret",
    b"passwd",
    b"pwd",
    b"passphrase",
    b"password",
    b"sig",
    b"session",
    b"sid",
    b"auth",
    b"bearer",
    b"cookie",
    b"credential",
    b"csrf",
    b"xsrf",
    b"otp",
    b"jwt",
    b"key",
    b"code",
];

/// A cheap necessary condition for [`is_credential_name`]: the capture readers ask about every
/// key of every body, and nearly all keys hold no needle, so they are answered without splitting
/// the name into allocated words. Names that are not plain ASCII, or are percent-encoded, take
/// the full path.
fn may_be_credential_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    if !name.is_ascii() || bytes.contains(&b'%') {
        return true;
    }
    // One pass over the name: at each pair of letters, only the needles that start with that
    // pair are tried (most pairs start none). Each byte is read once, as a letter or not.
    let mut previous = NOT_A_LETTER;
    for (at, &b) in bytes.iter().enumerate() {
        let letter = LETTERS[usize::from(b & 0x7F)];
        if previous != NOT_A_LETTER && letter != NOT_A_LETTER {
            let mut set = NEEDLES_BY_PAIR[usize::from(previous) * 26 + usize::from(letter)];
            while set != 0 {
                let needle = NEEDLES[set.trailing_zeros() as usize];
                set &= set - 1;
                if bytes[at - 1..]
                    .get(..needle.len())
                    .is_some_and(|w| w.eq_ignore_ascii_case(needle))
                {
                    return true;
                }
            }
        }
        previous = letter;
    }
    false
}

/// What [`LETTERS`] gives a byte that is not an ASCII letter.
const NOT_A_LETTER: u8 = u8::MAX;

/// For each ASCII byte, its letter's place in the alphabet whatever its case, or
/// [`NOT_A_LETTER`].
const LETTERS: [u8; 128] = {
    let mut table = [NOT_A_LETTER; 128];
    let mut i = 0;
    while i < 26 {
        table[b'a' as usize + i] = i as u8;
        table[b'A' as usize + i] = i as u8;
        i += 1;
    }
    table
};

/// For each pair of lower-case letters, the [`NEEDLES`] that start with it (bit `i`:
/// `NEEDLES[i]`).
const NEEDLES_BY_PAIR: [u32; 26 * 26] = {
    let mut table = [0u32; 26 * 26];
    let mut i = 0;
    while i < NEEDLES.len() {
        // Every needle is two or more lower-case ASCII letters (a test checks it).
        let pair = (NEEDLES[i][0] - b'a') as usize * 26 + (NEEDLES[i][1] - b'a') as usize;
        table[pair] |= 1 << i;
        i += 1;
    }
    table
};

/// Whether a key, parameter, header or cookie name marks its value as a credential.
pub fn is_credential_name(name: &str) -> bool {
    let Some(key) = NameKey::of(name.as_bytes()) else {
        return judge_name(name);
    };
    VERDICTS.with(|cache| {
        let mut cache = cache.borrow_mut();
        let set = key.set();
        let ways = &mut cache[set..set + 2];
        if let Some(way) = ways.iter().find(|way| way.key == key) {
            return way.verdict;
        }
        let verdict = judge_name(name);
        // The newer verdict in the first way, the one it displaces in the second.
        ways[1] = ways[0];
        ways[0] = Verdict { key, verdict };
        verdict
    })
}

/// The longest name [`VERDICTS`] keeps; longer ones are judged every time.
const VERDICT_NAME_LEN: usize = 32;

/// How many names [`VERDICTS`] keeps per thread, in sets of two (see [`NameKey::set`]): a
/// power of two. GitHub's bodies have hundreds of distinct keys; 1024 slots of one way each
/// missed one lookup in eleven.
const VERDICT_SLOTS: usize = 2048;
const _: () = assert!(VERDICT_SLOTS.is_power_of_two());

/// A name of at most [`VERDICT_NAME_LEN`] bytes as [`VERDICTS`] keeps it: its length and up to
/// four overlapping words of it that together cover every byte, so two names have the same key
/// exactly when they are the same name. Compared as five integers: no call to `memcmp`, and the
/// words are the ones the slot is found by.
#[derive(Clone, Copy, PartialEq, Eq)]
struct NameKey {
    len: u8,
    words: [u64; 4],
}

impl NameKey {
    /// `u8::MAX` is no name's length: an empty slot.
    const EMPTY: NameKey = NameKey {
        len: u8::MAX,
        words: [0; 4],
    };

    /// The key of `name`; `None` when it is longer than [`VERDICT_NAME_LEN`].
    fn of(name: &[u8]) -> Option<NameKey> {
        let n = name.len();
        let word = |at: usize| {
            name.get(at..at + 8)
                .and_then(|w| w.first_chunk::<8>())
                .map_or(0, |w| u64::from_le_bytes(*w))
        };
        let half = |at: usize| {
            name.get(at..at + 4)
                .and_then(|w| w.first_chunk::<4>())
                .map_or(0, |w| u64::from(u32::from_le_bytes(*w)))
        };
        let words = match n {
            0 => [0; 4],
            // Byte 0, the middle one and the last: every byte of one to three.
            1..=3 => [
                u64::from(name[0]) | u64::from(name[n / 2]) << 8 | u64::from(name[n - 1]) << 16,
                0,
                0,
                0,
            ],
            4..=7 => [half(0) | half(n - 4) << 32, 0, 0, 0],
            8..=16 => [word(0), word(n - 8), 0, 0],
            17..=VERDICT_NAME_LEN => [word(0), word(8), word(n - 16), word(n - 8)],
            _ => return None,
        };
        Some(NameKey {
            len: n as u8,
            words,
        })
    }

    /// The first slot of the key's set of two in [`VERDICTS`].
    fn set(&self) -> usize {
        let [a, b, c, d] = self.words;
        let mixed =
            (a ^ b.rotate_left(29) ^ c.rotate_left(43) ^ d.rotate_left(13) ^ u64::from(self.len))
                .wrapping_mul(0x9E37_79B9_7F4A_7C15);
        // The top bits of the product are the best mixed: as many as the sets need.
        let sets = VERDICT_SLOTS / 2;
        ((mixed >> (64 - sets.trailing_zeros())) as usize) * 2
    }
}

/// One remembered verdict.
#[derive(Clone, Copy)]
struct Verdict {
    key: NameKey,
    verdict: bool,
}

impl Verdict {
    const EMPTY: Verdict = Verdict {
        key: NameKey::EMPTY,
        verdict: false,
    };
}

thread_local! {
    /// The readers ask about every key of every body, and the same few dozen key names come
    /// back in every exchange: a small memo per thread, two ways a set, answers a repeat with
    /// a few compares instead of a scan (issue 13). A verdict depends on the name alone, so a
    /// memo answer is the judged one; bounded, a colliding name just replaces the older way.
    static VERDICTS: std::cell::RefCell<[Verdict; VERDICT_SLOTS]> =
        const { std::cell::RefCell::new([Verdict::EMPTY; VERDICT_SLOTS]) };
}

/// [`is_credential_name`], judged afresh.
fn judge_name(name: &str) -> bool {
    if !may_be_credential_name(name) {
        return false;
    }
    let decoded = percent_decode(name);
    let words = words(&decoded);
    if let [only] = words.as_slice() {
        if WHOLE.contains(&only.as_str()) {
            return true;
        }
    }
    words.iter().enumerate().any(|(i, w)| {
        WORDS.contains(&w.as_str())
            || ENDINGS.iter().any(|e| w.len() > e.len() && w.ends_with(e))
            || (w == "key" && i > 0 && KEY_QUALIFIERS.contains(&words[i - 1].as_str()))
    })
}

/// Whether a header's value is a credential: the credential headers, or a credential name.
pub fn is_credential_header(name: &str) -> bool {
    HEADERS.iter().any(|h| h.eq_ignore_ascii_case(name)) || is_credential_name(name)
}

/// Whether a JSON pointer passes through a credential-named key (`/auth/0/value`): a value at
/// or below it is never shown.
pub fn hides_pointer(pointer: &str) -> bool {
    crate::source::pointer_segments(pointer)
        .iter()
        .any(|s| is_credential_name(s))
}

fn percent_decode(text: &str) -> Cow<'_, str> {
    if text.contains('%') {
        percent_encoding::percent_decode_str(text).decode_utf8_lossy()
    } else {
        Cow::Borrowed(text)
    }
}

/// A copy of `value` with every member under a credential-named key replaced by [`MASK`], for
/// showing a value in a message. Borrowed when there is nothing to mask.
pub fn masked_value(value: &Value) -> Cow<'_, Value> {
    if !has_credential_key(value) {
        return Cow::Borrowed(value);
    }
    Cow::Owned(mask_members(value))
}

fn has_credential_key(value: &Value) -> bool {
    match value {
        Value::Object(map) => map
            .iter()
            .any(|(k, v)| is_credential_name(k) || has_credential_key(v)),
        Value::Array(items) => items.iter().any(has_credential_key),
        _ => false,
    }
}

fn mask_members(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| {
                    let shown = if is_credential_name(k) {
                        Value::String(MASK.to_string())
                    } else {
                        mask_members(v)
                    };
                    (k.clone(), shown)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(mask_members).collect()),
        other => other.clone(),
    }
}

/// A URL as reports show it: userinfo password, and credential values in the query, the
/// fragment and `;param` path parameters replaced by [`MASK`]. Unchanged (borrowed) when it
/// holds none: every exchange's URL is asked about, and nearly none holds a credential, so each
/// part says whether it changed and the copy is built only when one did.
pub fn redact_url(url: &str) -> Cow<'_, str> {
    let (before_query, query, fragment) = url_parts(url);
    let userinfo = redact_userinfo(before_query);
    let head = redact_path_params(userinfo.as_deref().unwrap_or(before_query)).or(userinfo);
    let query_redacted = query.and_then(|q| redact_pairs(q, '&'));
    let fragment_redacted = fragment.and_then(|f| redact_pairs(f, '&'));
    if head.is_none() && query_redacted.is_none() && fragment_redacted.is_none() {
        return Cow::Borrowed(url);
    }
    let mut out = head.unwrap_or_else(|| before_query.to_string());
    for (mark, part, redacted) in [
        ('?', query, query_redacted),
        ('#', fragment, fragment_redacted),
    ] {
        if let Some(part) = part {
            out.push(mark);
            out.push_str(redacted.as_deref().unwrap_or(part));
        }
    }
    Cow::Owned(out)
}

/// A URL's text before its query, its query and its fragment.
fn url_parts(url: &str) -> (&str, Option<&str>, Option<&str>) {
    let (before_fragment, fragment) = split_at_byte(url, b'#');
    let (before_query, query) = split_at_byte(before_fragment, b'?');
    (before_query, query, fragment)
}

/// `text` before and after the first `mark`, an ASCII byte. Found by `memchr`: every URL of a
/// capture is split, and a search for a `char` cost more than the rest of a clean URL's
/// redaction.
fn split_at_byte(text: &str, mark: u8) -> (&str, Option<&str>) {
    match memchr::memchr(mark, text.as_bytes()) {
        Some(at) => (&text[..at], Some(&text[at + 1..])),
        None => (text, None),
    }
}

/// `https://admin:pw@host/…` → `https://admin:REDACTED@host/…`; `None` without a password.
fn redact_userinfo(head: &str) -> Option<String> {
    // No `@`, no userinfo: most URLs are answered before the search for `://`.
    memchr::memchr(b'@', head.as_bytes())?;
    let (scheme, rest) = head.split_once("://")?;
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let (authority, path) = rest.split_at(authority_end);
    let (userinfo, host) = authority.rsplit_once('@')?;
    let (user, _) = userinfo.split_once(':')?;
    Some(format!("{scheme}://{user}:{MASK}@{host}{path}"))
}

/// `/a;jsessionid=X/b` → `/a;jsessionid=REDACTED/b`; `None` when no parameter is a credential.
fn redact_path_params(head: &str) -> Option<String> {
    // No `;`, no path parameters: most URLs are answered here.
    memchr::memchr(b';', head.as_bytes())?;
    let mut changed = false;
    let segments: Vec<String> = head
        .split('/')
        .map(|segment| match segment.split_once(';') {
            Some((name, params)) => match redact_pairs(params, ';') {
                Some(redacted) => {
                    changed = true;
                    format!("{name};{redacted}")
                }
                None => segment.to_string(),
            },
            None => segment.to_string(),
        })
        .collect();
    changed.then(|| segments.join("/"))
}

/// `a=1&access_token=X` → `a=1&access_token=REDACTED`; `None` when no pair is a credential.
fn redact_pairs(pairs: &str, separator: char) -> Option<String> {
    let secret = |pair: &str| {
        pair.split_once('=')
            .is_some_and(|(name, _)| is_credential_name(name))
    };
    if !pairs.split(separator).any(secret) {
        return None;
    }
    let redacted: Vec<String> = pairs
        .split(separator)
        .map(|pair| match pair.split_once('=') {
            Some((name, _)) if secret(pair) => format!("{name}={MASK}"),
            _ => pair.to_string(),
        })
        .collect();
    Some(redacted.join(&separator.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The per-thread memo never changes a verdict: names asked again, names longer than it
    /// keeps, and thousands of names that collide in its slots all get the judged answer.
    #[test]
    fn remembered_verdicts_are_the_judged_ones() {
        let mut names: Vec<String> = ["token", "author", "apiKey", "monkey", "code", "Code"]
            .iter()
            .chain(&[
                "%74oken",
                "country_code",
                "x_api_key_of_the_billing_service",
            ])
            .map(|n| n.to_string())
            .collect();
        for i in 0..2000 {
            names.push(format!("field{i}_token"));
            names.push(format!("field{i}_name"));
        }
        for _ in 0..3 {
            for name in &names {
                assert_eq!(is_credential_name(name), judge_name(name), "{name}");
            }
        }
        assert!(is_credential_name("field7_token") && !is_credential_name("field7_name"));
    }

    /// Two names the memo keeps have one key only when they are one name: for every length it
    /// keeps, names that differ in any one byte, or in two, have different keys.
    #[test]
    fn names_of_one_key_are_one_name() {
        for n in 0..=VERDICT_NAME_LEN {
            let base = vec![b'a'; n];
            let mut keys = vec![(base.clone(), NameKey::of(&base))];
            for i in 0..n {
                for j in i..n {
                    let mut other = base.clone();
                    other[i] = b'b';
                    other[j] = b'c';
                    keys.push((other.clone(), NameKey::of(&other)));
                }
            }
            for (a, ka) in &keys {
                assert!(ka.is_some(), "{n}");
                for (b, kb) in &keys {
                    assert_eq!(ka == kb, a == b, "{a:?} {b:?}");
                }
            }
        }
        assert!(NameKey::of(&[b'a'; VERDICT_NAME_LEN + 1]).is_none());
    }

    #[test]
    fn the_needle_pre_check_finds_each_needle_anywhere() {
        assert!(NEEDLES.len() <= 32);
        assert!(NEEDLES
            .iter()
            .all(|n| n.len() >= 2 && n.iter().all(u8::is_ascii_lowercase)));
        // The plain definition: some needle occurs, case-insensitively, somewhere in the name.
        let plain = |name: &str| {
            NEEDLES.iter().any(|n| {
                name.as_bytes()
                    .windows(n.len())
                    .any(|w| w.eq_ignore_ascii_case(n))
            })
        };
        for name in [
            "id",
            "author",
            "x-Api-KEY",
            "subdomain",
            "mobile_feature_version",
            "SID",
            "s",
            "tokenize",
            "xtoke",
            "passPhrase",
            "jw",
            "JWT_",
            "otp",
            "Ot",
            "credentia",
            "current_user_id",
            "_embedded",
            "users_groups",
            "bearer",
            "cod",
            "@key",
            "[sig]",
            "{Token}",
            "`otp`",
            "k",
            "",
        ] {
            assert_eq!(may_be_credential_name(name), plain(name), "{name}");
        }
    }

    #[test]
    fn every_listed_word_passes_the_cheap_check() {
        // A word added to a list without a needle would never be recognised again.
        for word in WORDS.iter().chain(ENDINGS).chain(WHOLE) {
            assert!(may_be_credential_name(word), "{word}");
            assert!(may_be_credential_name(&word.to_uppercase()), "{word}");
            assert!(is_credential_name(&format!("x_{word}")) || WHOLE.contains(word));
        }
        for qualifier in KEY_QUALIFIERS {
            assert!(
                is_credential_name(&format!("{qualifier}Key")),
                "{qualifier}"
            );
        }
        assert!(!may_be_credential_name("mobile_feature_version"));
    }

    #[test]
    fn credentials_are_recognised() {
        for name in [
            "access_token",
            "accessToken",
            "AccessToken",
            "accesstoken",
            "api_key",
            "x-api-key",
            "apiKey",
            "apikey",
            "X-Client-Secret",
            "client_secret",
            "password",
            "db.password",
            "Authorization",
            "sig",
            "signature",
            "X-Amz-Signature",
            "jsessionid",
            "JSESSIONID",
            "session_id",
            "code",
            "key",
            "%74oken",
            "refresh_token",
            "csrf_token",
            "private_key",
        ] {
            assert!(is_credential_name(name), "{name} is a credential");
        }
    }

    #[test]
    fn harmless_names_are_not_masked() {
        for name in [
            "author",
            "authors",
            "country_code",
            "zip_code",
            "monkey",
            "keyboard",
            "sort_key",
            "primary_key",
            "signal",
            "design",
            "tokenizer",
            "codec",
            "passage",
            "id",
            "with",
            "name",
        ] {
            assert!(!is_credential_name(name), "{name} is not a credential");
        }
    }

    /// A URL comes back borrowed, as it is, exactly when it holds nothing to hide; otherwise
    /// only credential values change.
    #[test]
    fn a_url_is_borrowed_exactly_when_nothing_is_hidden() {
        let urls = [
            "https://h.test/x?with=a,b&page=2#top",
            "https://user@h.test/x",
            "https://user:pw@h.test/x",
            "https://h.test/x/a@b:c",
            "https://h.test/a;v=1/b",
            "https://h.test/a;jsessionid=1",
            "https://h.test/x?token",
            "https://h.test/x?=token&a=",
            "https://h.test/x?code=1",
            "https://h.test/x#state=1&id_token=2",
            "/relative?api_key=1",
            "/relative;x",
            "",
        ];
        for url in urls {
            let redacted = redact_url(url);
            let hides = redacted.contains(MASK);
            assert_eq!(matches!(redacted, Cow::Borrowed(_)), !hides, "{url}");
            assert_eq!(redacted == url, !hides, "{url}");
        }
        assert_eq!(
            redact_url("https://u:pw@h.test/a;jsessionid=1;v=2/b?x=1&token=t#id_token=2"),
            format!("https://u:{MASK}@h.test/a;jsessionid={MASK};v=2/b?x=1&token={MASK}#id_token={MASK}")
        );
    }

    #[test]
    fn urls_lose_every_credential() {
        let cases = [
            (
                "https://admin:PASSWD@h.test/x",
                "https://admin:REDACTED@h.test/x",
            ),
            (
                "https://h.test/x?access_token=S&with=a,b&api_key=K#f",
                "https://h.test/x?access_token=REDACTED&with=a,b&api_key=REDACTED#f",
            ),
            (
                "https://h.test/cb#access_token=S&state=1",
                "https://h.test/cb#access_token=REDACTED&state=1",
            ),
            (
                "https://h.test/x?%74oken=S",
                "https://h.test/x?%74oken=REDACTED",
            ),
            (
                "https://a.blob.test/c?sv=1&sig=S&se=2",
                "https://a.blob.test/c?sv=1&sig=REDACTED&se=2",
            ),
            (
                "https://h.test/a;jsessionid=S/b?x=1",
                "https://h.test/a;jsessionid=REDACTED/b?x=1",
            ),
            (
                "https://h.test/x?author=me&country_code=DE",
                "https://h.test/x?author=me&country_code=DE",
            ),
        ];
        for (url, shown) in cases {
            assert_eq!(redact_url(url), shown, "{url}");
        }
        assert!(matches!(
            redact_url("https://h.test/x?a=1"),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn values_under_credential_keys_are_hidden() {
        assert!(hides_pointer("/auth/0/value"));
        assert!(hides_pointer("/config/api_key"));
        assert!(!hides_pointer("/author/name"));
        let value = serde_json::json!({"name": "n", "nested": {"api_key": "sk_live_1"}});
        // Only the credential member is replaced; its neighbours are shown as they were.
        assert_eq!(
            masked_value(&value).into_owned(),
            serde_json::json!({"name": "n", "nested": {"api_key": MASK}})
        );
        let list = serde_json::json!([{"token": {"a": "s"}}, {"id": 1}]);
        assert_eq!(
            masked_value(&list).into_owned(),
            serde_json::json!([{"token": MASK}, {"id": 1}])
        );
        let plain = serde_json::json!({"author": "a"});
        assert!(matches!(masked_value(&plain), Cow::Borrowed(_)));
    }
}
