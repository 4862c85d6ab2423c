//! Specs: loading, `$ref` resolution, the resolved model, lint, and the JSON Schema view of
//! OpenAPI schemas.
//!
//! `load` is the one entry point the generator and the validator share: it turns a file into a
//! [`Spec`] once, and every later stage reads that.

mod bundle;
pub(crate) mod json_schema;
pub(crate) mod lint;
mod load;
pub(crate) mod media;
/// The resolved spec model: the types of [`Spec`]'s fields.
pub mod model;
pub(crate) mod path_template;
pub(crate) mod refs;
mod shape30;
mod shape31;
/// The one parameter style model the generated runtime is proven equal to.
pub mod style;
mod uri_format;

pub use bundle::{Parts, Place};
/// The JSON Schema view of OpenAPI schemas, for benches and tests that compile one directly.
pub use json_schema::{compile, to_json_schema, ConvertOptions, Direction};
pub use lint::lint;
pub(crate) use load::spec_files_in;
pub use load::{load, load_str};
pub use model::{OpenApiVersion, ParamLocation, ParamStyle, Spec};
/// Follows `$ref`s from a node to what it names, as every stage reads the document.
pub use refs::deref;
