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

/// The name without a raw prefix (`r#type` → `type`), for building derived names.
pub fn bare(name: &str) -> &str {
    name.strip_prefix("r#").unwrap_or(name)
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
    fn docs_cannot_become_doctests() {
        assert_eq!(doc_text("a\n```\ncode\n```"), "a\n```text\ncode\n```");
        assert_eq!(doc_text("a\n\n    indented"), "a\n\nindented");
    }
}
