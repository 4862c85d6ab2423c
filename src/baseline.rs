//! Baselines: the problems a team has accepted, committed beside its captures.
//!
//! `--write-baseline FILE` records today's problems; `--baseline FILE` then fails a run only on
//! problems not in it, and reports baseline problems that no longer occur so the file can be
//! tightened. The file is small, sorted and stable so it reviews well in a diff.

use std::path::Path;

use serde::{Deserialize, Serialize};

pub use crate::diagnostic::problem::State;
use crate::diagnostic::problem::{Problem, Treatment};
use crate::diagnostic::{Diagnostic, Kind, Severity};
use crate::error::Error;

/// The on-disk format version; bumped only with a migration.
pub const VERSION: u32 = 1;

/// One accepted problem.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// The problem id (see [`crate::problem::problem_id`]).
    pub id: String,
    /// Its kind, for people reading the file.
    pub kind: String,
    /// Its operation.
    pub operation: Option<String>,
    /// Its status.
    pub status: Option<u16>,
    /// Its generalised pointer.
    pub pointer: Option<String>,
    /// How often it occurred when recorded.
    pub occurrences: usize,
}

/// A baseline file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Baseline {
    /// Format version.
    pub version: u32,
    /// Accepted problems, sorted by id.
    pub problems: Vec<Entry>,
}

/// The one baseline policy every report applies: a problem the baseline accepts (`known`) is
/// hidden where only what needs attention is shown, fails neither the run nor a CI test case
/// (an accepted error counts as a warning there, noted as accepted), and is still listed by
/// machine-readable formats. `state` is `None` without `--baseline`.
pub fn treatment(state: Option<State>, severity: Severity) -> Treatment {
    let plain = Treatment {
        state,
        ..Treatment::plain(severity)
    };
    if state != Some(State::Known) {
        return plain;
    }
    let ci_severity = severity.min(Severity::Warning);
    Treatment {
        shown: false,
        fails: false,
        ci_severity,
        note: (ci_severity != severity).then_some("accepted in the baseline"),
        ..plain
    }
}

impl Baseline {
    /// A baseline accepting `problems`.
    pub fn of(problems: &[Problem]) -> Self {
        let mut entries: Vec<Entry> = problems
            .iter()
            .map(|p| Entry {
                id: p.id.clone(),
                kind: p.kind.as_str().to_string(),
                operation: p.operation.clone(),
                status: p.status,
                pointer: p.pointer.clone(),
                occurrences: p.occurrences,
            })
            .collect();
        entries.sort_by(|a, b| a.id.cmp(&b.id));
        Baseline {
            version: VERSION,
            problems: entries,
        }
    }

    /// Reads a baseline; the error names the file and what is wrong (exit 2 for the caller).
    ///
    /// The entries are sorted after reading: a hand-edited or merged file may list them in any
    /// order, and [`Baseline::contains`] binary-searches them.
    pub fn read(path: &Path) -> Result<Self, Error> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::Read {
            what: "baseline",
            path: path.to_path_buf(),
            source,
        })?;
        let mut baseline: Baseline = serde_json::from_str(&text).map_err(|e| Error::Baseline {
            path: path.to_path_buf(),
            reason: {
                let (line, column) = crate::source::json_error_position(&text, &e);
                let message = e.to_string();
                let message = crate::source::without_serde_position(&message);
                format!("{message} (line {line}, column {column})")
            },
        })?;
        if baseline.version != VERSION {
            return Err(Error::Baseline {
                path: path.to_path_buf(),
                reason: format!(
                    "it has version {}; this specsmith reads version {VERSION}",
                    baseline.version
                ),
            });
        }
        baseline.problems.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(baseline)
    }

    /// Writes the baseline as pretty, sorted JSON with a final newline.
    pub fn write(&self, path: &Path) -> Result<(), Error> {
        let write = |source| Error::Write {
            what: "baseline",
            path: path.to_path_buf(),
            source,
        };
        let mut text = serde_json::to_string_pretty(self).map_err(|e| write(e.into()))?;
        text.push('\n');
        std::fs::write(path, text).map_err(write)
    }

    /// Whether a problem id is accepted.
    pub fn contains(&self, id: &str) -> bool {
        self.problems
            .binary_search_by(|e| e.id.as_str().cmp(id))
            .is_ok()
    }

    /// Where the problem with `id` stands.
    pub fn state_of(&self, id: &str) -> State {
        if self.contains(id) {
            State::Known
        } else {
            State::New
        }
    }

    /// Baseline problems that no longer occur, as info diagnostics.
    pub fn fixed(&self, current: &[Problem]) -> Vec<Diagnostic> {
        self.problems
            .iter()
            .filter(|e| !current.iter().any(|p| p.id == e.id))
            .map(|e| {
                let mut d = Diagnostic::new(
                    Kind::FixedSinceBaseline,
                    Severity::Info,
                    format!(
                        "fixed since baseline: {} {}{} no longer occurs (was {}×)",
                        e.kind,
                        e.operation
                            .as_deref()
                            .unwrap_or(crate::diagnostic::UNMATCHED),
                        e.pointer
                            .as_deref()
                            .map(|p| format!(" at {p}"))
                            .unwrap_or_default(),
                        e.occurrences
                    ),
                )
                .with_suggestion("run with --write-baseline to drop it from the file");
                d.pointer = e.pointer.clone();
                d
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::problem::{Occurrence, Problem, Treatment};

    /// A baseline that does not parse names its place once, with the column in characters.
    #[test]
    fn an_unreadable_baseline_names_line_and_character_column_once() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("baseline.json");
        std::fs::write(&path, "{\"note\": \"\u{2014}\", x}").expect("write");
        let err = Baseline::read(&path).expect_err("not JSON");
        let text = err.to_string();
        assert!(text.ends_with("(line 1, column 15)"), "{text}");
        assert!(!text.contains(" at line "), "{text}");
    }

    fn problem(id: &str) -> Problem {
        let at = Occurrence {
            file: None,
            entry: None,
            line: None,
            column: None,
        };
        Problem {
            id: id.to_string(),
            kind: Kind::UnknownProperty,
            severity: Severity::Warning,
            operation: Some("getAccount".into()),
            status: Some(200),
            pointer: Some("/uuid".into()),
            key: None,
            message: "m".into(),
            suggestion: None,
            occurrences: 2,
            first: at.clone(),
            last: at.clone(),
            samples: vec![at],
            treatment: Treatment::plain(Severity::Warning),
            example: Box::new(Diagnostic::warning(Kind::UnknownProperty, "m")),
        }
    }

    #[test]
    fn round_trip_and_compare() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("baseline.json");
        Baseline::of(&[problem("b"), problem("a")])
            .write(&path)
            .expect("writes");
        let read = Baseline::read(&path).expect("reads");
        assert_eq!(read.problems[0].id, "a", "sorted by id");
        assert!(read.contains("b") && !read.contains("c"));
        let fixed = read.fixed(&[problem("a")]);
        assert_eq!(fixed.len(), 1);
        assert_eq!(fixed[0].kind, Kind::FixedSinceBaseline);
        assert!(fixed[0].message.contains("fixed since baseline"));
    }

    #[test]
    fn a_reordered_baseline_keeps_every_problem_known() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("baseline.json");
        let ids = ["c3", "a1", "e5", "b2", "d4"];
        let mut baseline = Baseline::of(&ids.map(problem));
        // As a hand edit or a merge leaves it: out of order.
        baseline.problems.reverse();
        let text = serde_json::to_string_pretty(&baseline).expect("serialises");
        std::fs::write(&path, text).expect("write");
        let read = Baseline::read(&path).expect("reads");
        for id in ids {
            assert_eq!(read.state_of(id), State::Known, "{id} stays known");
        }
        assert_eq!(read.state_of("f6"), State::New);
    }

    /// Accepted problems fail nothing and are hidden from people, but machine formats keep
    /// them; new problems and runs without a baseline are untouched.
    #[test]
    fn the_treatment_of_known_problems_is_decided_here() {
        let known = treatment(Some(State::Known), Severity::Error);
        assert!(!known.shown && !known.fails);
        assert_eq!(known.ci_severity, Severity::Warning);
        assert_eq!(known.note, Some("accepted in the baseline"));
        let known_warning = treatment(Some(State::Known), Severity::Warning);
        assert_eq!(
            (known_warning.ci_severity, known_warning.note),
            (Severity::Warning, None)
        );
        for state in [None, Some(State::New)] {
            let t = treatment(state, Severity::Error);
            assert!(t.shown && t.fails, "{state:?}");
            assert_eq!(
                (t.state, t.ci_severity, t.note),
                (state, Severity::Error, None)
            );
        }
    }

    #[test]
    fn unreadable_baselines_are_named() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("b.json");
        std::fs::write(&path, "{\"version\": 1, \"problems\": [").expect("write");
        let err = Baseline::read(&path).expect_err("truncated").to_string();
        assert!(err.contains("b.json") && err.contains("line 1"), "{err}");
        assert!(Baseline::read(&dir.path().join("none.json")).is_err());
    }
}
