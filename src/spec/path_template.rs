//! Path templates (`/repos/{owner}/{repo}/contents/{path}`), parsed once when a spec loads.
//!
//! Lint (variables against declared parameters), the validator's router (which URL answers
//! which operation) and the generator (how a client builds the URL) all read the same
//! [`PathTemplate`], so they cannot disagree on what a template names. An unclosed `{` is
//! literal text from there on, for all three.
//!
//! A variable also carries what its parameter says about the values it takes in a URL:
//! `x-multi-segment: true` (GitHub's `git/refs/{ref}` takes `heads/main`) and whether its schema
//! accepts the empty string (`contents/{path}` is `contents/` for the root folder).

use serde_json::Value;

use super::model::{ParamLocation, Parameter};
use super::refs::deref;
use crate::pointer::lookup;

/// One piece of a template: literal text or a `{name}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Piece {
    /// Text sent as written (may contain `/` in [`PathTemplate::pieces`], never in a segment).
    Literal(String),
    /// A variable.
    Var(Variable),
}

/// A `{name}` of a template, with what its path parameter allows.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Variable {
    /// The name between the braces.
    pub name: String,
    /// Its parameter says `x-multi-segment: true`: the value may span several segments.
    pub multi_segment: bool,
    /// Its parameter's schema is a string schema that accepts `""`.
    pub allows_empty: bool,
}

/// A parsed path template.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PathTemplate {
    pieces: Vec<Piece>,
    /// The non-empty `/`-separated segments, each parsed on its own.
    segments: Vec<Vec<Piece>>,
}

impl PathTemplate {
    /// Parses `text`; never fails (an unclosed `{` is literal).
    pub fn parse(text: &str) -> Self {
        PathTemplate {
            pieces: pieces(text),
            segments: text
                .split('/')
                .filter(|s| !s.is_empty())
                .map(pieces)
                .collect(),
        }
    }

    /// Marks each variable with what its `in: path` parameter in `parameters` allows; `document`
    /// resolves schema `$ref`s.
    pub fn with_parameters(mut self, parameters: &[Parameter], document: &Value) -> Self {
        let mark = |piece: &mut Piece| {
            let Piece::Var(var) = piece else { return };
            let Some(p) = parameters
                .iter()
                .find(|p| p.location == ParamLocation::Path && p.name == var.name)
            else {
                return;
            };
            var.multi_segment = lookup(document, &p.pointer)
                .and_then(|v| v.get("x-multi-segment"))
                .and_then(Value::as_bool)
                .unwrap_or(false);
            var.allows_empty = p
                .schema
                .as_ref()
                .and_then(|s| lookup(document, &s.pointer))
                .and_then(|s| deref(document, s, "").ok())
                .is_some_and(|(schema, _)| string_allows_empty(schema));
        };
        self.pieces.iter_mut().for_each(mark);
        self.segments.iter_mut().flatten().for_each(mark);
        self
    }

    /// Literals and variables over the whole text, in order.
    pub fn pieces(&self) -> &[Piece] {
        &self.pieces
    }

    /// The non-empty segments, each as its pieces.
    pub fn segments(&self) -> &[Vec<Piece>] {
        &self.segments
    }

    /// Each variable, in template order (a name used twice comes twice).
    pub fn variables(&self) -> impl Iterator<Item = &Variable> {
        self.pieces.iter().filter_map(|p| match p {
            Piece::Var(v) => Some(v),
            Piece::Literal(_) => None,
        })
    }

    /// Whether some variable takes several segments or an empty value, so the router must try
    /// more than one URL segment per template segment.
    pub fn has_flexible_variables(&self) -> bool {
        self.variables().any(|v| v.multi_segment || v.allows_empty)
    }
}

/// Splits `text` at `{name}`s (for path and server templates alike).
pub fn pieces(text: &str) -> Vec<Piece> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}') else {
            break;
        };
        if open > 0 {
            out.push(Piece::Literal(rest[..open].to_string()));
        }
        out.push(Piece::Var(Variable {
            name: rest[open + 1..open + close].to_string(),
            multi_segment: false,
            allows_empty: false,
        }));
        rest = &rest[open + close + 1..];
    }
    if !rest.is_empty() {
        out.push(Piece::Literal(rest.to_string()));
    }
    out
}

/// A string schema without a constraint that rules out `""` (a `pattern` is taken to rule it
/// out: no regex engine is consulted for this).
fn string_allows_empty(schema: &Value) -> bool {
    let is_string = match schema.get("type") {
        Some(Value::String(t)) => t == "string",
        Some(Value::Array(ts)) => ts.iter().any(|t| t == "string"),
        _ => false,
    };
    is_string
        && schema
            .get("minLength")
            .and_then(Value::as_u64)
            .is_none_or(|n| n == 0)
        && schema.get("pattern").is_none()
        && schema
            .get("enum")
            .and_then(Value::as_array)
            .is_none_or(|e| e.iter().any(|v| v == ""))
        && schema.get("const").is_none_or(|c| c == "")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(t: &PathTemplate) -> Vec<&str> {
        t.variables().map(|v| v.name.as_str()).collect()
    }

    #[test]
    fn variables_in_order_even_several_in_a_segment() {
        assert_eq!(
            names(&PathTemplate::parse("/a/{id}/{link}")),
            ["id", "link"]
        );
        assert_eq!(names(&PathTemplate::parse("/a/{x}.{y}")), ["x", "y"]);
        assert_eq!(names(&PathTemplate::parse("/a/{id}/{id}")), ["id", "id"]);
        assert!(names(&PathTemplate::parse("/plain")).is_empty());
        let t = PathTemplate::parse("/files/{name}.{ext}//v1");
        assert_eq!(t.segments().len(), 3);
        assert_eq!(t.segments()[1].len(), 3);
    }

    #[test]
    fn an_unclosed_brace_is_literal() {
        let t = PathTemplate::parse("/a/{id}/{oops");
        assert_eq!(names(&t), ["id"]);
        assert_eq!(
            t.pieces().last(),
            Some(&Piece::Literal("/{oops".to_string()))
        );
    }

    #[test]
    fn empty_values_need_a_permissive_string_schema() {
        let ok = |s: Value| string_allows_empty(&s);
        assert!(ok(serde_json::json!({"type": "string"})));
        assert!(ok(serde_json::json!({"type": "string", "minLength": 0})));
        assert!(!ok(serde_json::json!({"type": "string", "minLength": 1})));
        assert!(!ok(serde_json::json!({"type": "integer"})));
        assert!(!ok(serde_json::json!({"type": "string", "pattern": "^a"})));
        assert!(!ok(serde_json::json!({"type": "string", "enum": ["a"]})));
    }
}
