//! `--format sarif`: a SARIF 2.1.0 log, for GitHub code scanning and other SARIF viewers.
//!
//! Written with serde structs that mirror the parts of the standard we use; a test validates the
//! output against the official schema (`tests/fixtures/sarif-schema-2.1.0.json`). Each `Kind`
//! is a rule, so code scanning groups and filters findings by kind. Paths become relative URI
//! references (GitHub resolves them against the repository root).

use std::io::{self, Write};
use std::path::Path;

use serde::Serialize;

use crate::diagnostic::{Diagnostic, Kind, Severity};

use super::{Emitter, Ending};
use crate::diagnostic::problem::Treatment;
use crate::diagnostic::State;

#[derive(Serialize)]
struct Tool {
    driver: Driver,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    name: &'static str,
    version: &'static str,
    rules: Vec<Rule>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Rule {
    id: &'static str,
    short_description: Text,
    default_configuration: Configuration,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: &'static str,
    rule_index: usize,
    level: &'static str,
    message: Text,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    locations: Vec<SarifLocation>,
    /// The problem id, so code scanning keeps one alert per root cause across runs.
    partial_fingerprints: PartialFingerprints,
    /// Against `--baseline`: `new`, or `unchanged` for an accepted problem.
    #[serde(skip_serializing_if = "Option::is_none")]
    baseline_state: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    properties: Option<Properties<'a>>,
}

#[derive(Serialize)]
struct PartialFingerprints {
    #[serde(rename = "specsmithProblem/v1")]
    problem: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifLocation {
    physical_location: PhysicalLocation,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    region: Option<Region>,
}

#[derive(Serialize)]
struct ArtifactLocation {
    uri: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: usize,
    start_column: usize,
    end_column: usize,
}

/// Extra, machine-readable context of a finding (SARIF property bag).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Properties<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pointer: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    entry: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    method: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<std::borrow::Cow<'a, str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    operation: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    suggestion: Option<&'a str>,
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// A relative URI reference for a path (forward slashes, percent-encoded), or a `file:` URI for
/// an absolute one.
pub(crate) fn path_uri(path: &Path) -> String {
    if path.is_absolute() {
        if let Ok(url) = url::Url::from_file_path(path) {
            return url.to_string();
        }
    }
    const SET: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'/')
        .remove(b'.')
        .remove(b'-')
        .remove(b'_')
        .remove(b'~');
    let text = path.to_string_lossy().replace('\\', "/");
    let text = text.strip_prefix("./").unwrap_or(&text);
    percent_encoding::utf8_percent_encode(text, SET).to_string()
}

fn rules() -> Vec<Rule> {
    Kind::ALL
        .iter()
        .map(|k| Rule {
            id: k.as_str(),
            short_description: Text {
                text: k.description().to_string(),
            },
            default_configuration: Configuration {
                level: level(k.default_severity()),
            },
        })
        .collect()
}

fn result<'a>(d: &'a Diagnostic, problem: &str, treatment: Treatment) -> SarifResult<'a> {
    let rule_index = Kind::ALL.iter().position(|k| *k == d.kind).unwrap_or(0);
    let mut text = d.message.clone();
    if let Some(s) = &d.suggestion {
        text.push_str("\nhelp: ");
        text.push_str(s);
    }
    let locations = d
        .file
        .as_ref()
        .map(|file| SarifLocation {
            physical_location: PhysicalLocation {
                artifact_location: ArtifactLocation {
                    uri: path_uri(file),
                },
                region: d.location.as_ref().map(|l| Region {
                    start_line: l.line.max(1),
                    start_column: l.column.max(1),
                    end_column: l.column.max(1) + l.len.max(1),
                }),
            },
        })
        .into_iter()
        .collect();
    let ex = d.exchange.as_ref();
    SarifResult {
        rule_id: d.kind.as_str(),
        rule_index,
        level: level(d.severity),
        message: Text { text },
        locations,
        partial_fingerprints: PartialFingerprints {
            problem: problem.to_string(),
        },
        baseline_state: match treatment.state {
            None => None,
            Some(State::New) => Some("new"),
            Some(State::Known) => Some("unchanged"),
        },
        properties: Some(Properties {
            pointer: d.pointer.as_deref(),
            entry: ex.and_then(|e| e.entry),
            method: ex.and_then(|e| e.method.as_deref()),
            url: ex.and_then(|e| e.url.as_deref()).map(super::short_url),
            operation: ex.and_then(|e| e.operation.as_deref()),
            status: ex.and_then(|e| e.status),
            suggestion: d.suggestion.as_deref(),
        }),
    }
}

/// The parts of the run written after its results (JSON objects are unordered, so `results`
/// may come first and stream).
#[derive(Serialize)]
struct RunTail<'a> {
    tool: Tool,
    #[serde(skip_serializing_if = "Option::is_none")]
    properties: Option<RunProperties<'a>>,
}

/// The run's property bag: coverage, when asked for.
#[derive(Serialize)]
struct RunProperties<'a> {
    coverage: &'a crate::diagnostic::coverage::Coverage,
}

/// `--format sarif`: results are written as they arrive; the tool and its rules close the run.
pub(super) struct Sarif<'w> {
    out: &'w mut dyn Write,
    results: usize,
}

impl<'w> Sarif<'w> {
    pub(super) fn new(out: &'w mut dyn Write) -> Self {
        Sarif { out, results: 0 }
    }

    fn head(&mut self) -> io::Result<()> {
        write!(
            self.out,
            "{{\n  \"$schema\": \"{SCHEMA}\",\n  \"version\": \"2.1.0\",\n  \"runs\": [{{\n  \"results\": ["
        )
    }
}

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

impl Emitter for Sarif<'_> {
    fn finding(&mut self, d: &Diagnostic, problem: &str, treatment: Treatment) -> io::Result<()> {
        if self.results == 0 {
            self.head()?;
            self.out.write_all(b"\n    ")?;
        } else {
            self.out.write_all(b",\n    ")?;
        }
        self.results += 1;
        serde_json::to_writer(&mut *self.out, &result(d, problem, treatment))?;
        Ok(())
    }

    fn finish(&mut self, ending: &Ending<'_>) -> io::Result<()> {
        if self.results == 0 {
            self.head()?;
            self.out.write_all(b"],\n  ")?;
        } else {
            self.out.write_all(b"\n  ],\n  ")?;
        }
        let tail = RunTail {
            tool: Tool {
                driver: Driver {
                    name: "specsmith",
                    version: env!("CARGO_PKG_VERSION"),
                    rules: rules(),
                },
            },
            properties: ending
                .breakdown
                .coverage
                .as_ref()
                .map(|coverage| RunProperties { coverage }),
        };
        // The tail's fields continue the run object: write them without their braces.
        let text = serde_json::to_string(&tail)?;
        let inner = text
            .strip_prefix('{')
            .and_then(|t| t.strip_suffix('}'))
            .unwrap_or(&text);
        self.out.write_all(inner.as_bytes())?;
        self.out.write_all(b"\n  }]\n}\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_is_described_with_its_default_level() {
        let rules = rules();
        assert_eq!(rules.len(), Kind::ALL.len());
        for rule in &rules {
            let text = &rule.short_description.text;
            assert!(
                text.len() > 10 && text.ends_with('.') && !text.contains("See the kind id"),
                "{}: {text:?}",
                rule.id
            );
        }
        let level_of = |id: &str| {
            rules
                .iter()
                .find(|r| r.id == id)
                .map(|r| r.default_configuration.level)
        };
        assert_eq!(level_of("undocumented_parameter"), Some("warning"));
        assert_eq!(level_of("unsupported_construct"), Some("warning"));
        assert_eq!(level_of("unknown_property"), Some("warning"));
        assert_eq!(level_of("fixed_since_baseline"), Some("note"));
        assert_eq!(level_of("matched_by_path"), Some("note"));
        assert_eq!(level_of("type_mismatch"), Some("error"));
    }
}
