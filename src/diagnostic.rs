//! One `Diagnostic` type for everything specsmith reports: lint findings, generator warnings and
//! validator drift.
//!
//! A diagnostic is data, never formatted text for one output: renderers in `report` decide how it
//! reads. Its `kind` is a stable machine id that CI scripts, baselines and SARIF rules key on, so
//! kinds are only ever added, never renamed.

use std::path::PathBuf;

use serde::Serialize;

use crate::source::Location;

pub mod coverage;
pub mod problem;

pub use problem::{Occurrence, Problem, State};

/// How bad a diagnostic is; decides the exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing, never fails a run.
    Info,
    /// Fails a run only with `--deny-warnings`.
    Warning,
    /// Fails a run.
    Error,
}

impl Severity {
    /// Lower-case name used in every output format.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// The kind table: each kind's doc line is its description (rustdoc, SARIF rules, the README's
/// list) and the severity after it is its default (SARIF `defaultConfiguration.level`, and what
/// a finding of that kind has unless the checker knows better, as `--strict` does).
macro_rules! kinds {
    ($( $(#[doc = $doc:literal])+ $variant:ident = $name:literal, $severity:ident; )*) => {
        /// The stable id of what was found. Serialised in snake_case.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
        pub enum Kind {
            $( $(#[doc = $doc])+ #[serde(rename = $name)] $variant, )*
        }

        impl Kind {
            /// The snake_case id.
            pub fn as_str(self) -> &'static str {
                match self { $( Kind::$variant => $name, )* }
            }

            /// One sentence saying what the kind means: its doc comment in the table.
            pub fn description(self) -> &'static str {
                match self { $( Kind::$variant => concat!($($doc),+).trim_ascii(), )* }
            }

            /// The severity a finding of this kind has by default.
            pub fn default_severity(self) -> Severity {
                match self { $( Kind::$variant => Severity::$severity, )* }
            }

            /// Every kind, in declaration order (for documentation and SARIF rule tables).
            pub const ALL: &'static [Kind] = &[ $( Kind::$variant, )* ];
        }
    };
}

kinds! {
    // Reading a spec.
    /// The file is not valid YAML or JSON.
    SyntaxError = "syntax_error", Error;
    /// The file parses but is not an OpenAPI 3.0 or 3.1 document.
    InvalidDocument = "invalid_document", Error;
    /// An OpenAPI or Swagger version specsmith does not read.
    UnsupportedVersion = "unsupported_version", Error;
    /// The file could not be read at all.
    UnreadableFile = "unreadable_file", Error;
    // Lint.
    /// A `$ref` that points at nothing.
    UnresolvedRef = "unresolved_ref", Error;
    /// A `$ref` to a component of another kind than its place takes (a schema where a parameter
    /// goes).
    WrongRefKind = "wrong_ref_kind", Error;
    /// A `$ref` to another file or URL, which specsmith does not follow.
    ExternalRef = "external_ref", Error;
    /// A `$ref` cycle that no finite value can satisfy.
    CyclicRef = "cyclic_ref", Error;
    /// Two operations share an `operationId`.
    DuplicateOperationId = "duplicate_operation_id", Error;
    /// A `{name}` in a path template with no matching `in: path` parameter.
    UndeclaredPathParameter = "undeclared_path_parameter", Error;
    /// An `in: path` parameter whose name is not in the path template.
    UnusedPathParameter = "unused_path_parameter", Error;
    /// A path template that names one variable twice (`/a/{id}/{id}`).
    DuplicatePathVariable = "duplicate_path_variable", Error;
    /// A parameter list that declares one name and location twice.
    DuplicateParameter = "duplicate_parameter", Error;
    /// An `example`/`examples` value that its own schema rejects.
    InvalidExample = "invalid_example", Error;
    /// A schema the JSON Schema compiler rejects.
    InvalidSchema = "invalid_schema", Error;
    /// A `jsonSchemaDialect` specsmith does not know; its schemas are checked as JSON Schema
    /// 2020-12 all the same.
    UnknownDialect = "unknown_dialect", Warning;
    // Generate.
    /// A spec construct the generator cannot express; it falls back to a loose type.
    UnsupportedConstruct = "unsupported_construct", Warning;
    // Validate.
    /// A key the schema does not document (`specsmith patch` proposes the spec edit).
    UnknownProperty = "unknown_property", Warning;
    /// A key documented elsewhere in the same body.
    MovedProperty = "moved_property", Warning;
    /// A required key is absent.
    MissingRequired = "missing_required", Error;
    /// A value of the wrong JSON type.
    TypeMismatch = "type_mismatch", Error;
    /// `null` where the schema is not nullable.
    NullNotAllowed = "null_not_allowed", Error;
    /// A value outside the documented enum.
    EnumMismatch = "enum_mismatch", Error;
    /// A string that does not match its `format`.
    FormatMismatch = "format_mismatch", Error;
    /// Lengths, ranges, patterns and other constraints.
    Constraint = "constraint", Error;
    /// A status the operation does not document (`specsmith patch` proposes the spec edit).
    UndocumentedStatus = "undocumented_status", Error;
    /// A media type not documented for the status (`specsmith patch` proposes the spec edit).
    UndocumentedContentType = "undocumented_content_type", Error;
    /// No operation matches the exchange's method and URL.
    UnmatchedOperation = "unmatched_operation", Error;
    /// A capture that could not be read.
    ParseError = "parse_error", Error;
    /// The exchange matched on its path alone: its host is not one of the spec's servers.
    MatchedByPath = "matched_by_path", Info;
    /// A required parameter is absent from a request.
    MissingParameter = "missing_parameter", Error;
    /// A query or header parameter the operation does not document (`specsmith patch` proposes
    /// the spec edit).
    UndocumentedParameter = "undocumented_parameter", Warning;
    /// A parameter whose value its schema rejects.
    InvalidParameter = "invalid_parameter", Error;
    /// A request body its schema rejects, or a missing required body.
    RequestBodyMismatch = "request_body_mismatch", Error;
    /// The request lacks the credentials the operation's security requires.
    MissingCredentials = "missing_credentials", Error;
    /// A baseline problem that no longer occurs.
    FixedSinceBaseline = "fixed_since_baseline", Info;
}

/// How reports name the operation of exchanges no operation answers (summaries, baseline
/// notes), so the two cannot drift apart.
pub const UNMATCHED: &str = "(unmatched)";

/// What an exchange-level finding is about: which recorded request/response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct ExchangeRef {
    /// Index of the exchange in a HAR or NDJSON file; `None` for a raw body file.
    pub entry: Option<usize>,
    /// HTTP method, upper case.
    pub method: Option<String>,
    /// The request URL as recorded.
    pub url: Option<String>,
    /// The matched operation's id.
    pub operation: Option<String>,
    /// The matched operation's method and path template (`GET /api/v4/account`): with the id it
    /// names the operation across specs (Kommo and EspoCRM both have a `getAccount`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub route: Option<String>,
    /// The response status.
    pub status: Option<u16>,
    /// For an exchange no operation answers: its method and route shape
    /// (`GET /repositories/*/issues`, or the template it misses only by a multi-segment value),
    /// which its problem id groups by. Not shown: the message says it in words.
    #[serde(skip)]
    pub shape: Option<String>,
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// Stable id of what was found.
    pub kind: Kind,
    /// How bad it is.
    pub severity: Severity,
    /// One sentence a person can act on, without the suggestion.
    pub message: String,
    /// The file the finding is in (spec or capture).
    #[serde(serialize_with = "lossy_path")]
    pub file: Option<PathBuf>,
    /// Line and column in `file`, when known.
    pub location: Option<Location>,
    /// JSON pointer into the spec document or the response body.
    pub pointer: Option<String>,
    /// The fix to try (`did you mean date_format?`), shown as `help:`.
    pub suggestion: Option<String>,
    /// Further context, shown as `note:` lines.
    pub notes: Vec<String>,
    /// The exchange a validator finding is about.
    pub exchange: Option<ExchangeRef>,
    /// The key an unknown, moved or missing property finding is about (its pointer names the
    /// object), so two different keys of one object group as two problems.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
}

impl Diagnostic {
    /// A diagnostic with `kind`'s default severity and no location yet.
    pub fn new(kind: Kind, severity: Severity, message: impl Into<String>) -> Self {
        Diagnostic {
            kind,
            severity,
            message: message.into(),
            file: None,
            location: None,
            pointer: None,
            suggestion: None,
            notes: Vec::new(),
            exchange: None,
            key: None,
        }
    }

    /// An error-severity diagnostic.
    pub fn error(kind: Kind, message: impl Into<String>) -> Self {
        Self::new(kind, Severity::Error, message)
    }

    /// A warning-severity diagnostic.
    pub fn warning(kind: Kind, message: impl Into<String>) -> Self {
        Self::new(kind, Severity::Warning, message)
    }

    /// Sets the file.
    pub fn in_file(mut self, file: impl Into<PathBuf>) -> Self {
        self.file = Some(file.into());
        self
    }

    /// Sets the line and column.
    pub fn at(mut self, location: Option<Location>) -> Self {
        self.location = location;
        self
    }

    /// Sets the JSON pointer.
    pub fn with_pointer(mut self, pointer: impl Into<String>) -> Self {
        self.pointer = Some(pointer.into());
        self
    }

    /// Sets the suggestion.
    pub fn with_suggestion(mut self, suggestion: impl Into<String>) -> Self {
        self.suggestion = Some(suggestion.into());
        self
    }

    /// Adds a note.
    pub fn with_note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }
}

/// Serialises a file name that may not be UTF-8 (any byte but `/` is allowed on Unix) with
/// U+FFFD in place of what is not: serde's own `Path` impl fails there, and a report half
/// written then exits 2.
pub(crate) fn lossy_path<S: serde::Serializer>(
    path: &Option<PathBuf>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match path {
        Some(p) => serializer.serialize_some(&p.to_string_lossy()),
        None => serializer.serialize_none(),
    }
}

/// Counts for one operation: what `validate` counts per exchange and every report's summary
/// shows, one plain type for both.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct OperationCounts {
    /// Exchanges matched to it.
    pub exchanges: usize,
    /// Error findings.
    pub errors: usize,
    /// Warning findings.
    pub warnings: usize,
}

impl OperationCounts {
    /// Counts one more finding (infos are not counted).
    pub fn add_finding(&mut self, severity: Severity) {
        match severity {
            Severity::Error => self.errors += 1,
            Severity::Warning => self.warnings += 1,
            Severity::Info => {}
        }
    }

    /// Adds `other`'s counts.
    pub fn merge(&mut self, other: &OperationCounts) {
        self.exchanges += other.exchanges;
        self.errors += other.errors;
        self.warnings += other.warnings;
    }
}

/// Counts by severity, which decide a run's exit code.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Tally {
    /// Error-severity diagnostics.
    pub errors: usize,
    /// Warning-severity diagnostics.
    pub warnings: usize,
    /// Info-severity diagnostics.
    pub infos: usize,
}

impl Tally {
    /// Counts `diagnostics`.
    pub fn of<'a>(diagnostics: impl IntoIterator<Item = &'a Diagnostic>) -> Self {
        let mut tally = Tally::default();
        for d in diagnostics {
            tally.add(d.severity);
        }
        tally
    }

    /// Counts one more.
    pub fn add(&mut self, severity: Severity) {
        match severity {
            Severity::Error => self.errors += 1,
            Severity::Warning => self.warnings += 1,
            Severity::Info => self.infos += 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_a_description_and_the_default_severity_it_is_reported_with() {
        for kind in Kind::ALL {
            let text = kind.description();
            assert!(
                !text.starts_with(char::is_lowercase) && text.ends_with('.'),
                "{}: {text:?}",
                kind.as_str()
            );
        }
        assert_eq!(
            Kind::UndocumentedParameter.default_severity(),
            Severity::Warning
        );
        assert_eq!(
            Kind::UnsupportedConstruct.default_severity(),
            Severity::Warning
        );
        assert_eq!(Kind::FixedSinceBaseline.default_severity(), Severity::Info);
        assert_eq!(Kind::TypeMismatch.default_severity(), Severity::Error);
    }
}
