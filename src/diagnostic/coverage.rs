//! Coverage as plain data: what the traffic exercised of the specs.
//!
//! `validate` computes it (see `validate/coverage.rs`); every report format renders it. It lives
//! beside [`Diagnostic`](super::Diagnostic) so `report` needs nothing of `validate` to show it.

use std::collections::BTreeMap;

use serde::Serialize;

/// The coverage of a run, as every report format shows it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Coverage {
    /// Every operation of the specs, in spec and document order.
    pub operations: Vec<OperationCoverage>,
    /// Operations no exchange reached (`ID`, or `SPEC:ID` when the id is in several specs).
    pub unexercised: Vec<String>,
    /// Documented response properties no body carried, for responses that were seen.
    pub unobserved_properties: Vec<UnobservedProperty>,
}

/// One operation's share of the traffic.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct OperationCoverage {
    /// The operation id.
    pub operation: String,
    /// The spec's file stem.
    pub spec: String,
    /// Upper-case method.
    pub method: String,
    /// The path template.
    pub path: String,
    /// Exchanges matched to it.
    pub exchanges: usize,
    /// Exchanges per status seen, documented or not (`"200": 40000`).
    pub statuses: BTreeMap<String, usize>,
    /// Each documented response and media type, with what was seen of it.
    pub responses: Vec<ResponseCoverage>,
    /// Exchanges per status seen that no response documents.
    pub undocumented_statuses: BTreeMap<String, usize>,
    /// Distinct problems found in its exchanges.
    pub problems: usize,
}

/// One documented status and media type.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ResponseCoverage {
    /// The documented status key (`200`, `4XX`, `default`).
    pub status: String,
    /// The documented media type; `None` for a response without a body, and for the row of
    /// exchanges whose media type the status does not document.
    pub media_type: Option<String>,
    /// `false` for that row of undocumented media types.
    pub documented: bool,
    /// Exchanges answered with it.
    pub exchanges: usize,
    /// Distinct problems found in those exchanges.
    pub problems: usize,
}

/// A documented response property never observed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnobservedProperty {
    /// The operation id.
    pub operation: String,
    /// The documented status key.
    pub status: String,
    /// The media type.
    pub media_type: String,
    /// Where the property is in the body, array items as `*` (`/_embedded/users/*/rights`).
    pub pointer: String,
}
