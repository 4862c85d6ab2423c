//! Problems as plain data: findings that share one root cause, and where each stands against a
//! baseline.
//!
//! `problem` groups findings into these and `baseline` decides their [`State`]; reports only
//! render them, so the types live here, beside [`Diagnostic`], where both sides can see them
//! without importing each other.

use std::path::PathBuf;

use serde::Serialize;

use super::{Diagnostic, Kind, Severity};

/// Where a problem stands against a baseline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    /// Not in the baseline: it fails the run.
    New,
    /// Accepted in the baseline.
    Known,
}

/// What a run decided about a finding or problem before any report sees it. Formats apply it
/// and decide nothing: the baseline policy that fills it lives in `baseline::treatment`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Treatment {
    /// `new` or `known` against `--baseline`; `None` without one.
    #[serde(rename = "baseline", skip_serializing_if = "Option::is_none")]
    pub state: Option<State>,
    /// Whether the formats that show only what needs attention (human text, GitHub
    /// annotations) show it; machine-readable formats list everything.
    #[serde(skip)]
    pub shown: bool,
    /// Whether it can fail the run at its severity (exit status 1).
    #[serde(skip)]
    pub fails: bool,
    /// The severity a CI test case (JUnit) counts it at.
    #[serde(skip)]
    pub ci_severity: Severity,
    /// Why `ci_severity` is milder than its own, for formats that note it.
    #[serde(skip)]
    pub note: Option<&'static str>,
}

impl Treatment {
    /// A finding of `severity` with no baseline to judge it: shown, and failing at its severity.
    pub fn plain(severity: Severity) -> Self {
        Treatment {
            state: None,
            shown: true,
            fails: true,
            ci_severity: severity,
            note: None,
        }
    }
}

/// Where one occurrence of a problem stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Occurrence {
    /// The capture file.
    #[serde(serialize_with = "super::lossy_path")]
    pub file: Option<PathBuf>,
    /// The exchange's index in a HAR or NDJSON file.
    pub entry: Option<usize>,
    /// 1-based line in the file.
    pub line: Option<usize>,
    /// 1-based column in the file.
    pub column: Option<usize>,
}

/// One root cause and where it was seen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// Stable fingerprint (16 hex digits).
    pub id: String,
    /// What was found.
    pub kind: Kind,
    /// The worst severity among its occurrences.
    pub severity: Severity,
    /// The operation, when matched.
    pub operation: Option<String>,
    /// The response status.
    pub status: Option<u16>,
    /// The pointer with array indices generalised to `*`.
    pub pointer: Option<String>,
    /// The key an unknown, moved or missing property problem is about.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// The first occurrence's message.
    pub message: String,
    /// The first occurrence's suggestion.
    pub suggestion: Option<String>,
    /// How many findings it groups.
    pub occurrences: usize,
    /// Where it was first seen (in report order).
    pub first: Occurrence,
    /// Where it was last seen.
    pub last: Occurrence,
    /// Up to [`SAMPLES`] locations, the first among them.
    pub samples: Vec<Occurrence>,
    /// Where it stands against `--baseline` and how reports treat it; its state serialises as
    /// `baseline` (`new` or `known`, absent without one).
    #[serde(flatten)]
    pub treatment: Treatment,
    /// The first occurrence in full, so a report can show its snippet and context.
    #[serde(skip)]
    pub example: Box<Diagnostic>,
}
