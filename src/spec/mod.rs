//! Specs: loading, `$ref` resolution, the resolved model, lint, and the JSON Schema view of
//! OpenAPI schemas.
//!
//! `load` is the one entry point the generator and the validator share: it turns a file into a
//! [`Spec`] once, and every later stage reads that.

mod bundle;
pub mod json_schema;
pub mod lint;
mod load;
pub mod media;
pub mod model;
pub mod path_template;
pub mod refs;
mod shape31;
pub mod style;

pub use bundle::{Parts, Place};
pub use load::{load, load_str, spec_files_in};
pub use model::Spec;
