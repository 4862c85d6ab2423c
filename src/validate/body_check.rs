//! Body checking, shared by responses and requests: the body's tape (the reader's, or parsed
//! here), and each finding of the schema located in the capture, in the order of the body.
//!
//! One home, so both sides locate findings alike: a response's `unknown_property` and a request
//! body's land on the same key in the same way, and line:column is computed once per body, in one
//! forward pass over the findings sorted by place, not by rescanning the text for each one.

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::HashMap;

use crate::source::{json_object_members, ByteSpan, Location, PointerSpan};

use super::capture::{self, Body};
use super::explain::{Finding, Target};
use super::tape::Tape;

/// A body's JSON as a tape over `body.text` (read it with `tape.root(&body.text)`): the one the
/// reader built already (NDJSON bodies stored as values), else parsed here from its text.
pub fn json_value(body: &Body) -> Result<Cow<'_, Tape>, serde_json::Error> {
    match &body.parsed {
        Some(v) => Ok(Cow::Borrowed(v)),
        None => Tape::parse(&body.text).map(Cow::Owned),
    }
}

/// Where a body that is not JSON goes wrong, in the capture; `None` when the body's place in the
/// capture is unknown (base64).
pub fn parse_error_location(body: &Body, e: &serde_json::Error) -> Option<Location> {
    body.locate(capture::serde_error_span(&body.text, e))
}

/// The span in the body of what `target` underlines: the key, or the value.
pub fn span_of_target(body: &Body, target: &Target) -> Option<ByteSpan> {
    match target {
        Target::Key(p) => body.span_of(p, true),
        Target::Value(p) => body.span_of(p, false),
    }
}

/// Findings from this many on in one body are located through [`Spans`]' member index.
const MANY_FINDINGS: usize = 16;

/// [`span_of_target`] for the findings of one body: with many of them, the members of each
/// object they stand in are found in one pass over it and kept, so 20,000 undocumented keys of
/// one object are located in one scan of it, not one scan from the start each. Few findings
/// take the plain lookup (building an index costs more than one scan).
pub struct Spans<'b> {
    body: &'b Body,
    many: bool,
    /// The members of each object a finding stands in, by the object's pointer in the body (not
    /// in the capture: the body's `within` is the same for all, so a lookup copies nothing).
    objects: RefCell<HashMap<String, Option<HashMap<String, PointerSpan>>>>,
}

impl<'b> Spans<'b> {
    /// For `findings` findings of `body`.
    pub fn new(body: &'b Body, findings: usize) -> Self {
        Spans {
            body,
            many: findings >= MANY_FINDINGS,
            objects: RefCell::default(),
        }
    }

    /// The span of what `target` underlines (as [`span_of_target`]).
    pub fn of_target(&self, target: &Target) -> Option<ByteSpan> {
        let (Target::Key(p) | Target::Value(p)) = target;
        let want_key = matches!(target, Target::Key(_));
        match self.member(p) {
            Some(found) if want_key => found.key,
            Some(found) => Some(found.value),
            None => span_of_target(self.body, target),
        }
    }

    /// The member at `pointer`, from the index of the object holding it.
    fn member(&self, pointer: &str) -> Option<PointerSpan> {
        if !self.many || !crate::source::scanned_plainly(pointer) {
            return None;
        }
        let (parent, last) = pointer.rsplit_once('/')?;
        let key = crate::pointer::unescape(last);
        let mut objects = self.objects.borrow_mut();
        if !objects.contains_key(parent) {
            let in_capture = format!("{}{parent}", self.body.within);
            let members = json_object_members(&self.body.text, &in_capture);
            objects.insert(parent.to_string(), members);
        }
        objects.get(parent)?.as_ref()?.get(key.as_ref()).copied()
    }
}

/// A finding and where it stands in the capture (`None` when the body's place is unknown: the
/// caller points at the exchange or the request instead).
pub struct Located {
    /// What was found.
    pub finding: Finding,
    /// Where, in the capture file.
    pub location: Option<Location>,
}

/// Locates `findings` in `body`, ordered by their place in it (a finding without a place first,
/// then by offset; ties keep the validator's order). `span` says what each finding underlines.
pub fn locate(
    body: &Body,
    findings: Vec<Finding>,
    span: impl Fn(&Finding) -> Option<ByteSpan>,
) -> Vec<Located> {
    let mut spanned: Vec<(Option<ByteSpan>, Finding)> =
        findings.into_iter().map(|f| (span(&f), f)).collect();
    spanned.sort_by_key(|(s, _)| s.map_or(0, |s| s.start));
    let mut locator = body.locator();
    spanned
        .into_iter()
        .map(|(s, finding)| Located {
            location: s.and_then(|s| locator.as_mut().map(|l| l.locate(s))),
            finding,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::{Kind, Severity};
    use crate::validate::capture::Origin;

    fn finding(pointer: &str) -> Finding {
        Finding::new(
            Kind::UnknownProperty,
            Severity::Warning,
            String::new(),
            Target::Key(pointer.to_string()),
            format!("at {pointer}"),
        )
    }

    /// The member index finds what the plain lookup finds, key and value, for every pointer.
    #[test]
    fn spans_of_many_findings_are_the_plain_ones() {
        let text = r#"{"a": {"k": 1, "k": [2, {"x": 3}], "\u006b2": "v", "e\"q": {}, "t/~": 4},
            "b": [{"c": 1}, {"c": 2}], "": {"x": 5}, "s": "str"}"#;
        let body = Body::unlocated(text.to_string());
        let pointers = [
            "/a",
            "/a/k",
            "/a/k/1",
            "/a/k/1/x",
            "/a/k2",
            "/a/e\"q",
            "/a/t~1~0",
            "/a/missing",
            "/b",
            "/b/0/c",
            "/b/1/c",
            "/b/2",
            "//x",
            "/",
            "/s",
            "/s/x",
            "/a/k/9",
            "",
        ];
        let spans = Spans::new(&body, MANY_FINDINGS);
        for p in pointers {
            for target in [Target::Key(p.to_string()), Target::Value(p.to_string())] {
                assert_eq!(
                    spans.of_target(&target),
                    span_of_target(&body, &target),
                    "{target:?}"
                );
            }
        }
        assert!(spans.member("/a/k").is_some(), "the index answered");
    }

    #[test]
    fn findings_are_located_in_body_order_on_their_lines() {
        let text = "{\"b\": 1,\n \"a\": {\"é\": 2,\n  \"c\": 3}}";
        let mut body = Body::unlocated(text.to_string());
        body.origin = Some(Origin {
            line: 10,
            column: 3,
            prefix: Some("  ".to_string()),
        });
        let located = locate(
            &body,
            vec![finding("/a/c"), finding("/b"), finding("/a/é")],
            |f| span_of_target(&body, &f.target),
        );
        let got: Vec<(String, usize, usize)> = located
            .iter()
            .map(|l| {
                let loc = l.location.as_ref().expect("located");
                (l.finding.message.clone(), loc.line, loc.column)
            })
            .collect();
        assert_eq!(
            got,
            vec![
                ("at /b".to_string(), 10, 4),
                ("at /a/é".to_string(), 11, 8),
                ("at /a/c".to_string(), 12, 3),
            ]
        );
        // Each located exactly as the one-off path does.
        for l in &located {
            let span = span_of_target(&body, &l.finding.target).expect("span");
            assert_eq!(l.location, body.locate(span));
        }
        assert_eq!(
            located[2].location.as_ref().map(|l| l.line_text.as_str()),
            Some("  \"c\": 3}}")
        );
    }
}
