//! Body checking, shared by responses and requests: the body's tape (the reader's, or parsed
//! here), and each finding of the schema located in the capture, in the order of the body.
//!
//! One home, so both sides locate findings alike: a response's `unknown_property` and a request
//! body's land on the same key in the same way, and line:column is computed once per body, in one
//! forward pass over the findings sorted by place, not by rescanning the text for each one.

use std::borrow::Cow;

use crate::source::{ByteSpan, Location};

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
