//! The one naming pass: every identifier the generator emits is made here, valid and unique.
//!
//! Case comes from `heck`; what `heck` leaves invalid is repaired deterministically:
//! Rust keywords become raw identifiers (`r#type`), or get a `_` suffix where a raw identifier is
//! impossible (`self`, `super`, `crate`, `Self`); names that start with a digit get a prefix;
//! empty names get a placeholder. A [`Scope`] hands out names within one namespace and resolves
//! collisions (`fooBar` and `foo_bar` both want `foo_bar`) by numbering, first come first served,
//! so the same spec always yields the same names.

use std::collections::HashSet;

use heck::{ToShoutySnakeCase, ToSnakeCase, ToUpperCamelCase};

/// Strict and reserved keywords of Rust 2021 (and 2024's `gen`), which need `r#` as identifiers.
const KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "do", "dyn",
    "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl", "in", "let",
    "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref", "return",
    "static", "struct", "trait", "true", "try", "type", "typeof", "union", "unsafe", "unsized",
    "use", "virtual", "where", "while", "yield",
];

/// Keywords that cannot be raw identifiers.
const NOT_RAW: &[&str] = &["self", "Self", "super", "crate", "_"];

/// Splits what `heck` would treat as one word boundary-less blob: every character that is not
/// alphanumeric becomes a separator, so `where[0]`, `a.b`, `x-y` and `two words` all split.
fn words(raw: &str) -> String {
    raw.chars()
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect::<String>()
}

/// The lower-case ASCII words of `raw`, split as [`words`] splits; words with no ASCII left
/// are dropped. API titles and Cargo package names are both read this way.
fn lower_ascii_words(raw: &str) -> Vec<String> {
    words(raw)
        .split_whitespace()
        .map(|w| ascii_only(w).to_ascii_lowercase())
        .filter(|w| !w.is_empty())
        .collect()
}

/// Keeps only ASCII identifier characters (non-ASCII letters are legal in Rust identifiers, but
/// `non_ascii_idents` is a lint some crates deny; transliteration is out of scope).
fn ascii_only(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect()
}

/// `UpperCamelCase` type or variant name.
pub fn type_name(raw: &str) -> String {
    let mut name = ascii_only(&words(raw).to_upper_camel_case());
    if name.is_empty() {
        name = "Unnamed".to_string();
    }
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        name.insert(0, 'V');
    }
    if name == "Self" {
        name.push('_');
    }
    name
}

/// `snake_case` field, method or argument name.
pub fn snake_name(raw: &str) -> String {
    let mut name = ascii_only(&words(raw).to_snake_case());
    if name.is_empty() {
        name = "value".to_string();
    }
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        name.insert(0, '_');
    }
    fix_keyword(name)
}

/// `SHOUTY_SNAKE_CASE` constant name.
pub fn const_name(raw: &str) -> String {
    let mut name = ascii_only(&words(raw).to_shouty_snake_case());
    if name.is_empty() {
        name = "VALUE".to_string();
    }
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        name.insert(0, 'V');
    }
    name
}

fn fix_keyword(name: String) -> String {
    if NOT_RAW.contains(&name.as_str()) {
        format!("{name}_")
    } else if KEYWORDS.contains(&name.as_str()) {
        format!("r#{name}")
    } else {
        name
    }
}

/// A module (and file) name: snake case, and never a keyword, so `type.yaml` gives `type_`
/// (a raw `r#type` module would need `r#` at every use, and `self.yaml` cannot be raw at all).
pub fn module_name(raw: &str) -> String {
    let name = snake_name(raw);
    match name.strip_prefix("r#") {
        Some(keyword) => format!("{keyword}_"),
        None => name,
    }
}

/// Words of an API title that say nothing about which API it is.
const TITLE_NOISE: &[&str] = &[
    "api",
    "apis",
    "openapi",
    "swagger",
    "rest",
    "restful",
    "http",
    "spec",
    "specification",
];

/// Where a title's subtitle starts (`Kommo API v4 - Account`).
const SUBTITLE: &[&str] = &[" - ", " – ", " — ", ": ", " | "];

/// Whether a title word is a version (`v4`, `2`, the pieces of `2.0`).
fn is_version(word: &str) -> bool {
    let digits = word.strip_prefix('v').unwrap_or(word);
    !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit())
}

/// The words that name an API in its `info.title`: lower-case ASCII, split only where the
/// title has a space or punctuation (`EspoCRM` stays `espocrm`), without noise words (`API`,
/// `OpenAPI`, ...) and without versions after the first word (`Kommo API v4` is `kommo`,
/// `V4 Marketing API` is `v4 marketing`). `full: false` reads only the part before a subtitle
/// (`Kommo API v4 - Account`), unless nothing would be left of it.
pub fn title_words(title: &str, full: bool) -> Vec<String> {
    let pick = |text: &str| -> Vec<String> {
        let noise = |i: usize, w: &str| TITLE_NOISE.contains(&w) || (i > 0 && is_version(w));
        lower_ascii_words(text)
            .into_iter()
            .enumerate()
            .filter(|(i, w)| !noise(*i, w))
            .map(|(_, w)| w)
            .collect()
    };
    if !full {
        let main = SUBTITLE
            .iter()
            .filter_map(|sep| title.find(sep))
            .min()
            .map_or(title, |end| &title[..end]);
        let words = pick(main);
        if !words.is_empty() {
            return words;
        }
    }
    pick(title)
}

/// The module name of an API: its title words joined by `_` (`kommo`, `v4_marketing`), or
/// `fallback`'s (the spec file's stem) when the title has none, or `api`; `api_` goes before a
/// leading digit, and keywords get a `_` suffix as in [`module_name`].
pub fn api_module_name(words: &[String], fallback: &str) -> String {
    let mut name = words.join("_");
    if name.is_empty() {
        name = title_words(fallback, true).join("_");
    }
    if name.is_empty() {
        name = "api".to_string();
    }
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        name.insert_str(0, "api_");
    }
    module_name(&name)
}

/// A Cargo package name: the words of `raw` (a `--name`, or an API's title words) in kebab
/// case, ASCII only, nothing dropped; `api-` goes before a
/// leading digit and `-client` after a Rust keyword, both of which Cargo refuses.
pub fn package_name(raw: &str) -> String {
    let mut name = lower_ascii_words(raw).join("-");
    if name.is_empty() {
        name = "api-client".to_string();
    }
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        name.insert_str(0, "api-");
    }
    if KEYWORDS.contains(&name.as_str()) || NOT_RAW.contains(&name.as_str()) {
        name.push_str("-client");
    }
    name
}

/// The name without a raw prefix (`r#type` → `type`), for building derived names.
pub fn bare(name: &str) -> &str {
    name.strip_prefix("r#").unwrap_or(name)
}

/// The stem of names derived from a field (`with_*`, `clear_*`, `value_*`): its bare name,
/// leading underscores dropped (`_2fa` would give `with__2fa`, which is not snake case).
pub fn field_stem(field: &str) -> &str {
    bare(field).trim_start_matches('_')
}

/// The chainable setter of an optional field or parameter: `with_` and its [`field_stem`].
/// Callers claim it in the method scope of their type, so a clash is numbered.
pub fn setter(field: &str) -> String {
    format!("with_{}", field_stem(field))
}

/// The method that sends `null` for a three-state field: `clear_` and its [`field_stem`].
/// Callers claim it in the same method scope as the setters.
pub fn clearer(field: &str) -> String {
    format!("clear_{}", field_stem(field))
}

/// One namespace: names handed out so far. Reserved names are never handed out.
#[derive(Debug, Default, Clone)]
pub struct Scope {
    used: HashSet<String>,
}

impl Scope {
    /// A scope in which `reserved` are taken already.
    pub fn with_reserved(reserved: &[&str]) -> Self {
        Scope {
            used: reserved.iter().map(|s| s.to_string()).collect(),
        }
    }

    /// Whether `name` is taken.
    pub fn contains(&self, name: &str) -> bool {
        self.used.contains(bare(name))
    }

    /// Claims `wanted` (already valid), or `wanted2`, `wanted3`, ... when taken. Raw identifiers
    /// compare by their bare text, and a numbered name never needs `r#`.
    pub fn claim(&mut self, wanted: &str) -> String {
        let plain = bare(wanted);
        if self.used.insert(plain.to_string()) {
            return wanted.to_string();
        }
        // Snake names read better as `name_2`, camel names as `Name2`. A keyword's trailing
        // underscore (`Self_`) is dropped first, or `Self_2` would not be camel case.
        let plain = plain.trim_end_matches('_');
        let sep = if plain.contains('_') || plain.starts_with(|c: char| c.is_ascii_lowercase()) {
            "_"
        } else {
            ""
        };
        (2..)
            .map(|n| format!("{plain}{sep}{n}"))
            .find(|candidate| self.used.insert(candidate.clone()))
            .expect("an unbounded range always yields a free name")
    }
}

/// Doc text made safe for rustdoc: untagged code fences become `text` (rustdoc would compile them
/// as doctests), indented blocks lose their indentation (same reason), and trailing space goes.
pub fn doc_text(text: &str) -> String {
    let mut out = Vec::new();
    let mut in_fence = false;
    for line in text.trim().lines() {
        let trimmed = line.trim_start();
        if let Some(rest) = trimmed.strip_prefix("```") {
            if !in_fence && rest.trim().is_empty() {
                out.push("```text".to_string());
            } else if !in_fence {
                // Any fence info string other than text-like ones could still be compiled.
                out.push("```text".to_string());
            } else {
                out.push("```".to_string());
            }
            in_fence = !in_fence;
            continue;
        }
        if in_fence {
            out.push(line.trim_end().to_string());
        } else {
            let indent = line.len() - trimmed.len();
            let kept = if indent >= 4 { trimmed } else { line };
            out.push(kept.trim_end().replace('\t', "    "));
        }
    }
    if in_fence {
        out.push("```".to_string());
    }
    out.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_names_become_valid() {
        assert_eq!(snake_name("type"), "r#type");
        assert_eq!(snake_name("self"), "self_");
        assert_eq!(snake_name("2fa"), "_2fa");
        assert_eq!(snake_name("where[0]"), "where_0");
        assert_eq!(snake_name("x-rate.limit"), "x_rate_limit");
        assert_eq!(snake_name(""), "value");
        assert_eq!(snake_name("_links"), "links");
        assert_eq!(snake_name("hasNextPage"), "has_next_page");
        assert_eq!(type_name("self"), "Self_");
        let mut scope = Scope::default();
        assert_eq!(scope.claim("Self_"), "Self_");
        assert_eq!(scope.claim("Self_"), "Self2", "camel case, for clippy");
        assert_eq!(scope.claim("self_"), "self_");
        assert_eq!(scope.claim("self_"), "self_2");
        assert_eq!(scope.claim("FOO_BAR"), "FOO_BAR");
        assert_eq!(scope.claim("FOO_BAR"), "FOO_BAR_2");
        assert_eq!(type_name("200"), "V200");
        assert_eq!(type_name("problem+json"), "ProblemJson");
        assert_eq!(type_name("  "), "Unnamed");
        assert_eq!(const_name("1"), "V1");
        assert_eq!(module_name("type"), "type_");
        assert_eq!(module_name("self"), "self_");
        assert_eq!(module_name("std"), "std");
    }

    #[test]
    fn collisions_are_numbered_deterministically() {
        let mut scope = Scope::with_reserved(&["Client"]);
        assert_eq!(scope.claim("Client"), "Client2");
        assert_eq!(scope.claim("Foo"), "Foo");
        assert_eq!(scope.claim("Foo"), "Foo2");
        let mut fields = Scope::default();
        assert_eq!(fields.claim(&snake_name("fooBar")), "foo_bar");
        assert_eq!(fields.claim(&snake_name("foo_bar")), "foo_bar_2");
        assert_eq!(fields.claim("r#type"), "r#type");
        assert_eq!(fields.claim("r#type"), "type_2");
    }

    #[test]
    fn api_names_come_from_titles_without_noise() {
        let module = |title: &str| api_module_name(&title_words(title, false), "stem");
        assert_eq!(module("Kommo API v4 - Account"), "kommo");
        assert_eq!(module("EspoCRM API - Account"), "espocrm");
        assert_eq!(module("V4 Marketing API - Kommo users"), "v4_marketing");
        assert_eq!(module("Box Platform 2.0 APIs"), "box_platform");
        assert_eq!(module("GitHub v3 REST API"), "github");
        assert_eq!(module("OpenAI API"), "openai");
        assert_eq!(module("Swagger Petstore - OpenAPI 3.0"), "petstore");
        assert_eq!(module("API"), "stem", "nothing left: the file stem");
        assert_eq!(module(""), "stem");
        assert_eq!(api_module_name(&[], ""), "api");
        assert_eq!(module("3D Secure"), "api_3d_secure");
        assert_eq!(module("Type"), "type_");
        assert_eq!(
            module("Crème brûlée"),
            "crme_brle",
            "non-ASCII letters are dropped"
        );
        assert_eq!(
            module("API - Payments"),
            "payments",
            "an empty main title keeps the rest"
        );
        assert_eq!(
            api_module_name(&title_words("Kommo API v4 - Leads", true), "x"),
            "kommo_leads",
            "the full title tells apart specs with one main title"
        );
        assert_eq!(
            package_name("Kommo API v4"),
            "kommo-api-v4",
            "an explicit name keeps its words"
        );
        assert_eq!(package_name("v4_marketing"), "v4-marketing");
        assert_eq!(package_name("My Client"), "my-client");
        assert_eq!(package_name("3d"), "api-3d");
        assert_eq!(package_name("type"), "type-client");
        assert_eq!(package_name("  "), "api-client");
    }

    #[test]
    fn docs_cannot_become_doctests() {
        assert_eq!(doc_text("a\n```\ncode\n```"), "a\n```text\ncode\n```");
        assert_eq!(doc_text("a\n\n    indented"), "a\n\nindented");
    }
}
