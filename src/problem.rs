//! Problems: findings that share one root cause, counted once.
//!
//! A capture with 409 copies of one drift is one problem with 409 occurrences, not 409 reports.
//! Findings belong to the same problem when they share operation, status, kind and pointer with
//! array indices generalised (`/_embedded/users_groups/*/uuid`). A problem's id is a fingerprint
//! of exactly those parts, independent of file names and line numbers, so two runs over different
//! captures agree on it; baselines and SARIF `partialFingerprints` are keyed on it.

use crate::diagnostic::problem::Treatment;
pub use crate::diagnostic::problem::{Occurrence, Problem};
use crate::diagnostic::Diagnostic;
use std::borrow::Cow;
use std::collections::BTreeMap;

/// How many sample locations a problem keeps besides its first and last occurrence.
pub const SAMPLES: usize = 3;

/// Where `d` stands, as a problem remembers it.
fn occurrence_of(d: &Diagnostic) -> Occurrence {
    Occurrence {
        file: d.file.clone(),
        entry: d.exchange.as_ref().and_then(|e| e.entry),
        line: d.location.as_ref().map(|l| l.line),
        column: d.location.as_ref().map(|l| l.column),
    }
}

/// `/list/3/teamsIds/0` → `/list/*/teamsIds/*`.
pub fn generalise_pointer(pointer: &str) -> String {
    let mut out = String::with_capacity(pointer.len());
    for (i, s) in pointer.split('/').enumerate() {
        if i > 0 {
            out.push('/');
        }
        let index = !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        out.push_str(if index { "*" } else { s });
    }
    out
}

/// The problem id of a finding.
pub fn problem_id(d: &Diagnostic) -> String {
    let exchange = d.exchange.as_ref();
    let operation = exchange.and_then(|e| e.operation.as_deref()).unwrap_or("");
    let status = exchange
        .and_then(|e| e.status)
        .map(|s| s.to_string())
        .unwrap_or_default();
    let mut pointer = d
        .pointer
        .as_deref()
        .map(generalise_pointer)
        .unwrap_or_default();
    if let Some(key) = &d.key {
        pointer = crate::source::pointer_push(&pointer, key);
    }
    // The route tells apart operations of different specs that share an id; unmatched
    // exchanges have no operation: their method and path are the cause.
    let subject: Cow<'_, str> = if let Some(route) = exchange.and_then(|e| e.route.as_deref()) {
        Cow::Borrowed(route)
    } else if let Some(shape) = exchange.and_then(|e| e.shape.as_deref()) {
        Cow::Borrowed(shape)
    } else if operation.is_empty() {
        exchange
            .and_then(|e| {
                Some(format!(
                    "{} {}",
                    e.method.as_deref()?,
                    url_path(e.url.as_deref()?)
                ))
            })
            .unwrap_or_default()
            .into()
    } else {
        Cow::Borrowed("")
    };
    format!(
        "{:016x}",
        crate::hash::fnv1a(&[operation, &status, d.kind.as_str(), &pointer, &subject])
    )
}

/// The path of a URL without query or fragment, numeric segments generalised.
fn url_path(url: &str) -> String {
    let without_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    let path = without_scheme
        .find('/')
        .map_or("/", |i| &without_scheme[i..]);
    let path = path.split(['?', '#']).next().unwrap_or(path);
    generalise_pointer(path)
}

/// Groups findings into problems as they arrive; memory grows with the number of distinct
/// problems, not with the number of findings.
#[derive(Debug, Default)]
pub struct ProblemSet {
    problems: BTreeMap<String, (usize, Problem)>,
}

impl ProblemSet {
    /// An empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one finding; returns its problem id.
    pub fn add(&mut self, d: &Diagnostic) -> String {
        let id = problem_id(d);
        self.add_with_id(d, id)
    }

    /// Adds one finding whose problem id the caller computed already.
    pub fn add_with_id(&mut self, d: &Diagnostic, id: String) -> String {
        let occurrence = occurrence_of(d);
        let next = self.problems.len();
        match self.problems.get_mut(&id) {
            Some((_, p)) => {
                p.occurrences += 1;
                if d.severity > p.severity {
                    // The problem reads as its worst occurrence (an unknown key is an error
                    // where it looks like a rename, a warning elsewhere).
                    p.severity = d.severity;
                    p.message = d.message.clone();
                    p.suggestion = d.suggestion.clone();
                    *p.example = d.clone();
                }
                if p.samples.len() < SAMPLES {
                    p.samples.push(occurrence.clone());
                }
                p.last = occurrence;
            }
            None => {
                let exchange = d.exchange.as_ref();
                self.problems.insert(
                    id.clone(),
                    (
                        next,
                        Problem {
                            id: id.clone(),
                            kind: d.kind,
                            severity: d.severity,
                            operation: exchange.and_then(|e| e.operation.clone()),
                            status: exchange.and_then(|e| e.status),
                            pointer: d.pointer.as_deref().map(generalise_pointer),
                            key: d.key.clone(),
                            message: d.message.clone(),
                            suggestion: d.suggestion.clone(),
                            occurrences: 1,
                            first: occurrence.clone(),
                            last: occurrence.clone(),
                            samples: vec![occurrence],
                            treatment: Treatment::plain(d.severity),
                            example: Box::new(d.clone()),
                        },
                    ),
                );
            }
        }
        id
    }

    /// How many distinct problems so far.
    pub fn len(&self) -> usize {
        self.problems.len()
    }

    /// Whether no finding was added.
    pub fn is_empty(&self) -> bool {
        self.problems.is_empty()
    }

    /// The problems, worst first: severity, then occurrences, then the order they were first
    /// seen in.
    pub fn finish(self) -> Vec<Problem> {
        let mut problems: Vec<(usize, Problem)> = self.problems.into_values().collect();
        problems.sort_by(|(first_a, a), (first_b, b)| {
            b.severity
                .cmp(&a.severity)
                .then(b.occurrences.cmp(&a.occurrences))
                .then(first_a.cmp(first_b))
        });
        problems.into_iter().map(|(_, p)| p).collect()
    }
}

/// Groups a finished list of findings.
pub fn group(diagnostics: &[Diagnostic]) -> Vec<Problem> {
    let mut set = ProblemSet::new();
    for d in diagnostics {
        set.add(d);
    }
    set.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::ExchangeRef;
    use crate::diagnostic::{Kind, Severity};
    use crate::source::Location;

    fn finding(file: &str, entry: usize, pointer: &str, line: usize) -> Diagnostic {
        let mut d = Diagnostic::warning(Kind::UnknownProperty, "unknown property uuid")
            .in_file(file)
            .with_pointer(pointer)
            .at(Some(Location {
                line,
                column: 5,
                len: 4,
                line_text: String::new(),
            }));
        d.exchange = Some(ExchangeRef {
            entry: Some(entry),
            method: Some("GET".into()),
            url: Some("https://x.kommo.com/api/v4/account".into()),
            operation: Some("getAccount".into()),
            route: Some("GET /api/v4/account".into()),
            status: Some(200),
            shape: None,
        });
        d
    }

    #[test]
    fn repeated_drift_is_one_problem_with_a_count() {
        let findings: Vec<Diagnostic> = (0..409)
            .map(|i| {
                finding(
                    "a.ndjson",
                    i,
                    &format!("/_embedded/users_groups/{}/uuid", i % 3),
                    i + 1,
                )
            })
            .collect();
        let problems = group(&findings);
        assert_eq!(problems.len(), 1);
        let p = &problems[0];
        assert_eq!(p.occurrences, 409);
        assert_eq!(p.pointer.as_deref(), Some("/_embedded/users_groups/*/uuid"));
        assert_eq!(p.first.entry, Some(0));
        assert_eq!(p.last.entry, Some(408));
        assert_eq!(p.samples.len(), SAMPLES);
    }

    #[test]
    fn ids_do_not_depend_on_files_or_lines() {
        let a = finding("a.ndjson", 0, "/x/0/uuid", 10);
        let b = finding("other/b.har", 7, "/x/5/uuid", 99);
        assert_eq!(problem_id(&a), problem_id(&b));
        let c = finding("a.ndjson", 0, "/y", 10);
        assert_ne!(problem_id(&a), problem_id(&c));
        // Two unknown keys of one object are two problems.
        let mut other_key = finding("a.ndjson", 0, "/x/0/uuid", 10);
        other_key.key = Some("color".into());
        assert_ne!(problem_id(&a), problem_id(&other_key));
        // Kommo and EspoCRM both have a `getAccount`: the route keeps their problems apart.
        let mut espo = finding("a.ndjson", 0, "/x/0/uuid", 10);
        if let Some(ex) = espo.exchange.as_mut() {
            ex.route = Some("GET /Account/{id}".into());
        }
        assert_ne!(problem_id(&a), problem_id(&espo));
        // Pinned: changing the fingerprint breaks every committed baseline.
        assert_eq!(problem_id(&a), "fd1048092ff2a759");
    }

    #[test]
    fn worst_first() {
        let mut findings = vec![finding("a", 0, "/w", 1), finding("a", 1, "/w", 2)];
        let mut error = finding("a", 2, "/e", 3);
        error.severity = Severity::Error;
        findings.push(error);
        let problems = group(&findings);
        assert_eq!(problems[0].pointer.as_deref(), Some("/e"));
        assert_eq!(problems[1].occurrences, 2);
    }
}
