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
//! - [`spec`] reads a YAML/JSON file into a resolved [`spec::Spec`] (built once, shared), lints it,
//!   and converts OpenAPI 3.0 schemas to JSON Schema.
//! - [`codegen`] turns specs into Rust client crates through minijinja templates.
//! - [`validate`] checks recorded traffic against the specs.
//! - [`diagnostic`] is the one finding type all of them produce; [`report`] renders findings for
//!   people and CI tools, knowing nothing of how they were found.
//! - [`source`] maps JSON pointers and byte offsets to line:column for specs and captures alike.

pub mod baseline;
pub mod cli;
pub mod codegen;
pub mod diagnostic;
mod error;
mod hash;
pub mod patch;
mod pointer;
pub mod problem;
pub mod report;
mod secrecy;
pub mod source;
pub mod spec;
mod suggest;
pub mod validate;

pub use diagnostic::{Diagnostic, Kind, Severity};
pub use error::Error;
pub use spec::Spec;
