//! specsmith keeps API clients and API reality in step.
//!
//! Two pipelines share one spec model and one diagnostic type:
//!
//! ```text
//! spec file ─ load ─ resolve ─┬─ lint ──────────────────────────────┐
//!                             ├─ codegen model ─ templates ─ code   ├─ diagnostics ─ report
//! capture ─ exchanges ─ match ┴─ compiled schema ─ findings ────────┘
//! ```
//!
//! - [`spec`] reads a YAML/JSON file into a resolved [`Spec`] (built once, shared), lints it,
//!   and converts OpenAPI 3.0 schemas to JSON Schema.
//! - [`codegen`] turns specs into Rust client crates through minijinja templates.
//! - [`validate`] checks recorded traffic against the specs; [`patch`] turns what it finds into
//!   a format-preserving spec change.
//! - [`Diagnostic`] is the one finding type all of them produce. The private `report` module
//!   renders findings for people and CI tools, knowing nothing of how they were found; `cli`
//!   (the only module that knows clap) decides what each report shows before it renders.
//!
//! The library's API is what `main.rs`, the benches and the integration tests call: the four
//! pipeline modules and the items re-exported here. Everything else is private, so it can be
//! reshaped without breaking a caller.

// The four pipelines are public modules: the benches and integration tests drive each stage
// the way the CLI does. Everything else is reached through the items re-exported below.
mod baseline;
mod cli;
pub mod codegen;
mod diagnostic;
mod error;
mod hash;
pub mod patch;
mod pointer;
mod problem;
mod report;
mod secrecy;
mod source;
pub mod spec;
mod suggest;
pub mod validate;

/// The command line: `main.rs` only maps its [`Outcome`] to the process exit status.
pub use cli::{main as run, main_with as run_with, Hooks, Outcome};
/// The one finding type every command produces, its stable kinds and severities.
pub use diagnostic::{Diagnostic, ExchangeRef, Kind, Severity};
/// Errors that stop a run (exit status 2), as opposed to findings.
pub use error::Error;
/// JSON pointer syntax, for callers that name a place in a spec or a body.
pub use pointer::{escape_pointer_segment, pointer_push};
/// Findings grouped by root cause: what baselines, SARIF fingerprints and the human report
/// count, and what tests and benches compare.
pub use problem::{group, problem_id, Problem, ProblemSet};
pub use spec::Spec;
