//! Request checks: an exchange's request read as the spec says it is sent, then judged.
//!
//! Path, query, header and cookie parameters are parsed by [`crate::spec::style`] (the same model
//! the generator serialises with) and checked against their schemas with the explanations bodies
//! get (enum near-miss, type, format); request bodies (JSON and form-urlencoded) against the
//! request schema; the operation's security alternatives against the credentials present.
//!
//! Findings point into the request with a JSON pointer whose first segment is the part of the
//! request: `/path/id`, `/query/with/1` (item 1 of the parsed value), `/header/X-Api-Key`,
//! `/cookie/session`, `/body/name`. Numeric segments are item indices, so problem grouping
//! generalises them like body pointers.
//!
//! Credential values never reach a finding: a parameter that a security scheme names, a header
//! like `Authorization`, or a name that looks like a credential (`token`, `secret`, ...) is
//! reported by its name only.

use std::collections::HashSet;

use serde_json::Value;

use crate::diagnostic::{Diagnostic, ExchangeRef, Kind, Severity};
use crate::source::{pointer_push, ByteSpan, Location};
use crate::spec::model::{
    is_json_media, media_essence, Operation, ParamLocation, ParamStyle, SecurityKind,
};
use crate::spec::style::{self, Scalar, Shape, Wire};
use crate::spec::Spec;

use super::capture::{Exchange, Field, Request};
use super::compile::RequestCache;
use super::explain::{self, Finding, Policy, Target};
use super::tape::{Tape, TapeNode};

use super::matcher::PathValue;

mod body;
mod params;
mod security;

use security::looks_secret;

/// One parameter, ready to read: its wire description and where its schema stands.
struct Param {
    wire: Wire,
    required: bool,
    schema: Option<String>,
    /// The value carries a credential: never echoed.
    secret: bool,
}

/// What one credential of a security scheme looks like on the wire.
#[derive(Clone)]
struct Credential {
    scheme: String,
    location: ParamLocation,
    /// Header, query key or cookie name.
    name: String,
    /// For `http` schemes: the `Authorization` scheme word (`Bearer`, `Basic`).
    auth_scheme: Option<String>,
}

/// The request side of one operation, prepared once per run.
struct OperationPlan {
    params: Vec<Param>,
    /// Security alternatives; an empty alternative means anonymous access.
    security: Vec<Vec<Credential>>,
    /// Header, query and cookie names that carry credentials (headers compare case-insensitively).
    credential_names: Vec<(ParamLocation, String)>,
}

/// Checks requests; built once per run, shared by every thread.
pub struct RequestChecks<'s> {
    /// Per spec, per operation.
    plans: Vec<Vec<OperationPlan>>,
    cache: RequestCache<'s>,
    policy: Policy,
}

impl<'s> RequestChecks<'s> {
    /// Prepares every operation's parameters and security, and an empty schema cache.
    pub fn new(specs: &[Spec], strict: bool) -> Self {
        let plans = specs
            .iter()
            .map(|spec| spec.operations.iter().map(|op| plan(spec, op)).collect())
            .collect();
        RequestChecks {
            plans,
            cache: RequestCache::new(specs),
            policy: Policy { strict },
        }
    }

    /// Request schemas that were used and did not compile: spec, pointer, error.
    pub fn failures(&self) -> impl Iterator<Item = (usize, &str, &str)> + use<'_, 's> {
        self.cache.failures()
    }

    /// Every finding about the request of `ex`, which matched operation `o` of spec `s` with
    /// `path_values` for its path template variables.
    pub fn check(
        &self,
        specs: &'s [Spec],
        (s, o): (usize, usize),
        ex: &Exchange,
        path_values: &[PathValue],
        exref: &ExchangeRef,
    ) -> Vec<Diagnostic> {
        let Some(request) = ex.request.as_ref() else {
            return Vec::new();
        };
        let (Some(spec), Some(plan)) = (specs.get(s), self.plans.get(s).and_then(|p| p.get(o)))
        else {
            return Vec::new();
        };
        let op = &spec.operations[o];
        let mut run = Run {
            checks: self,
            specs,
            s,
            op,
            plan,
            ex,
            request,
            exref,
            out: Vec::new(),
        };
        run.path(path_values);
        run.query();
        run.headers();
        run.cookies();
        run.credentials();
        run.body();
        refused_as_documented(ex.status, &mut run.out);
        run.out
    }
}

/// A request the server refused with a 4xx status is not drift between the API and its spec: the
/// client sent something the spec does not allow and the server said so (FastAPI's 422s,
/// a 401 for a missing credential). Its findings stay visible, as information.
fn refused_as_documented(status: u16, findings: &mut [Diagnostic]) {
    if !(400..500).contains(&status) {
        return;
    }
    for d in findings.iter_mut().filter(|d| d.severity != Severity::Info) {
        d.severity = Severity::Info;
        d.notes.push(format!(
            "the server refused this request with {status}, so the API behaved as specified"
        ));
    }
}

fn plan(spec: &Spec, op: &Operation) -> OperationPlan {
    let credential = |scheme: &str| -> Option<Credential> {
        let found = spec.security_schemes.iter().find(|x| x.name == scheme)?;
        let (location, name, auth_scheme) = match &found.kind {
            SecurityKind::Http { scheme } => {
                let word = match scheme.as_str() {
                    "bearer" => "Bearer".to_string(),
                    "basic" => "Basic".to_string(),
                    "digest" => "Digest".to_string(),
                    other => other.to_string(),
                };
                (
                    ParamLocation::Header,
                    "Authorization".to_string(),
                    Some(word),
                )
            }
            SecurityKind::ApiKey { name, location } => (*location, name.clone(), None),
            SecurityKind::OAuth2 | SecurityKind::OpenIdConnect => (
                ParamLocation::Header,
                "Authorization".to_string(),
                Some("Bearer".to_string()),
            ),
        };
        Some(Credential {
            scheme: scheme.to_string(),
            location,
            name,
            auth_scheme,
        })
    };
    // A scheme the spec does not define is lint's business; the alternative naming it is
    // treated as satisfied (dropped from the list), so no finding is guessed.
    let security: Vec<Vec<Credential>> = op
        .security
        .iter()
        .filter_map(|alt| {
            alt.iter()
                .map(|n| credential(n))
                .collect::<Option<Vec<_>>>()
        })
        .collect();
    let security = if security.len() < op.security.len() {
        Vec::new()
    } else {
        security
    };
    let mut credential_names: Vec<(ParamLocation, String)> = spec
        .security_schemes
        .iter()
        .filter_map(|x| match &x.kind {
            SecurityKind::ApiKey { name, location } => Some((*location, name.clone())),
            _ => None,
        })
        .collect();
    credential_names.push((ParamLocation::Header, "Authorization".to_string()));
    let params = op
        .parameters
        .iter()
        .map(|p| Param {
            wire: Wire::of(&spec.document, p),
            required: p.required,
            schema: p.schema.as_ref().map(|s| s.pointer.clone()),
            secret: looks_secret(p.location, &p.name, &credential_names),
        })
        .collect();
    OperationPlan {
        params,
        security,
        credential_names,
    }
}

/// One request being checked.
struct Run<'a, 's> {
    checks: &'a RequestChecks<'s>,
    specs: &'s [Spec],
    s: usize,
    op: &'a Operation,
    plan: &'a OperationPlan,
    ex: &'a Exchange,
    request: &'a Request,
    exref: &'a ExchangeRef,
    out: Vec<Diagnostic>,
}

fn part(location: ParamLocation) -> &'static str {
    match location {
        ParamLocation::Path => "/path",
        ParamLocation::Query => "/query",
        ParamLocation::Header => "/header",
        ParamLocation::Cookie => "/cookie",
    }
}

impl Run<'_, '_> {
    fn push(
        &mut self,
        kind: Kind,
        severity: Severity,
        pointer: String,
        location: Location,
        message: String,
        suggestion: Option<String>,
    ) {
        let mut d = Diagnostic::new(kind, severity, message)
            .in_file(self.ex.file.as_path())
            .with_pointer(pointer)
            .at(Some(location));
        d.suggestion = suggestion;
        d.exchange = Some(self.exref.clone());
        self.out.push(d);
    }
}
