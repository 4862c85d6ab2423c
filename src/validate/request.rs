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

use super::matcher::PathValue;

/// Headers every HTTP stack, browser, proxy or tracer adds, which no spec is expected to
/// document: never reported as undocumented. Names ending in `-` are prefixes.
pub const TRANSPORT_HEADERS: &[&str] = &[
    "accept",
    "accept-",
    "access-control-request-",
    "authorization",
    "b3",
    "baggage",
    "cache-control",
    "cdn-loop",
    "connection",
    "content-encoding",
    "content-length",
    "content-type",
    "cookie",
    "date",
    "dnt",
    "expect",
    "forwarded",
    "host",
    "if-",
    "keep-alive",
    "origin",
    "pragma",
    "priority",
    "proxy-authorization",
    "proxy-connection",
    "purpose",
    "range",
    "referer",
    "sec-",
    "sentry-trace",
    "te",
    "traceparent",
    "tracestate",
    "transfer-encoding",
    "upgrade",
    "upgrade-insecure-requests",
    "user-agent",
    "via",
    "x-amzn-trace-id",
    "x-b3-",
    "x-correlation-id",
    "x-forwarded-",
    "x-real-ip",
    "x-request-id",
    "x-requested-with",
    ":",
];

/// How many undocumented parameters of one kind a request reports one by one before the rest
/// are folded into one finding.
const FOLD: usize = 10;

/// Whether `name` is a transport header (see [`TRANSPORT_HEADERS`]).
pub fn is_transport_header(name: &str) -> bool {
    TRANSPORT_HEADERS.iter().any(|t| {
        if t.ends_with('-') || *t == ":" {
            name.get(..t.len())
                .is_some_and(|p| p.eq_ignore_ascii_case(t))
        } else {
            name.eq_ignore_ascii_case(t)
        }
    })
}

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

impl Credential {
    fn describe(&self) -> String {
        match (&self.auth_scheme, self.location) {
            (Some(word), _) => format!(
                "an Authorization header with a {} credential ({})",
                word.to_ascii_lowercase(),
                self.scheme
            ),
            (None, ParamLocation::Header) => format!("the {} header ({})", self.name, self.scheme),
            (None, ParamLocation::Query) => {
                format!("the {} query parameter ({})", self.name, self.scheme)
            }
            (None, _) => format!("the {} cookie ({})", self.name, self.scheme),
        }
    }

    fn pointer(&self) -> String {
        pointer_push(part(self.location), &self.name)
    }
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
pub struct RequestChecks {
    /// Per spec, per operation.
    plans: Vec<Vec<OperationPlan>>,
    cache: RequestCache,
    policy: Policy,
}

impl RequestChecks {
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
    pub fn failures(&self) -> impl Iterator<Item = (usize, &str, &str)> {
        self.cache.failures()
    }

    /// Every finding about the request of `ex`, which matched operation `o` of spec `s` with
    /// `path_values` for its path template variables.
    pub fn check(
        &self,
        specs: &[Spec],
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

fn looks_secret(
    location: ParamLocation,
    name: &str,
    plan_names: &[(ParamLocation, String)],
) -> bool {
    (location == ParamLocation::Header && crate::secrecy::is_credential_header(name))
        || crate::secrecy::is_credential_name(name)
        || plan_names.iter().any(|(l, n)| {
            *l == location
                && if location == ParamLocation::Header {
                    n.eq_ignore_ascii_case(name)
                } else {
                    n == name
                }
        })
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
struct Run<'a> {
    checks: &'a RequestChecks,
    specs: &'a [Spec],
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

impl Run<'_> {
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

    /// A `request_body_mismatch` about the body as a whole, located where the body stands.
    fn body_error(&mut self, message: String, suggestion: String) {
        let location = self.request.locate(self.request.body_at);
        self.push(
            Kind::RequestBodyMismatch,
            Severity::Error,
            "/body".to_string(),
            location,
            message,
            Some(suggestion),
        );
    }

    fn missing(&mut self, p: &Param, at: &str) {
        let wire = &p.wire;
        let location = self.request.locate(at);
        self.push(
            Kind::MissingParameter,
            Severity::Error,
            pointer_push(part(wire.location), &wire.name),
            location,
            format!(
                "missing required {} parameter {} of {}",
                wire.location.as_str(),
                wire.name,
                self.op.id
            ),
            Some(format!("send {} as the spec documents it", wire.name)),
        );
    }

    /// The undocumented query keys or headers of one request: the first [`FOLD`] each as a
    /// finding, the rest folded into one finding with their count, so a request with 10,000
    /// undocumented parameters gives a report of bounded size.
    fn undocumented_all(&mut self, location: ParamLocation, fields: &[&Field]) {
        for f in fields.iter().take(FOLD) {
            self.undocumented(location, f);
        }
        let rest = fields.get(FOLD..).unwrap_or_default();
        let Some(first) = rest.first() else {
            return;
        };
        let what = match location {
            ParamLocation::Header => "headers",
            _ => "query parameters",
        };
        let names: Vec<String> = rest
            .iter()
            .take(FOLD)
            .map(|f| shown_name(&f.name))
            .collect();
        let more = if rest.len() > FOLD { ", …" } else { "" };
        self.push(
            Kind::UndocumentedParameter,
            Severity::Warning,
            part(location).to_string(),
            self.request.locate_field(first),
            format!(
                "{} more {what} are not documented for {}: {}{more}",
                rest.len(),
                self.op.id,
                names.join(", ")
            ),
            Some(format!(
                "document them as {} parameters if the API reads them, or stop sending them",
                location.as_str()
            )),
        );
    }

    /// A query key or header the operation does not document, named (cut short), never valued.
    fn undocumented(&mut self, location: ParamLocation, field: &Field) {
        let shown = shown_name(&field.name);
        let what = match location {
            ParamLocation::Header => "header",
            _ => "query parameter",
        };
        self.push(
            Kind::UndocumentedParameter,
            Severity::Warning,
            pointer_push(part(location), &field.name),
            self.request.locate_field(field),
            format!("{what} {shown} is not documented for {}", self.op.id),
            Some(format!(
                "document {shown} as a {} parameter if the API reads it, or stop sending it",
                location.as_str()
            )),
        );
    }

    /// A value that its style could not read, or that its schema rejects.
    fn invalid(&mut self, p: &Param, pointer: &str, location: Location, what: Invalid) {
        let wire = &p.wire;
        let subject = format!("{} parameter {}", wire.location.as_str(), wire.name);
        let (message, suggestion, severity) = match what {
            Invalid::Parse(_) | Invalid::Schema(_) if p.secret => (
                format!(
                    "{subject} is not valid (its value carries a credential, so it is not shown)"
                ),
                None,
                Severity::Error,
            ),
            Invalid::Parse(e) => (
                format!(
                    "{subject}: {} (read as style {}, explode {})",
                    e.message,
                    wire.style.as_str(),
                    wire.explode
                ),
                None,
                Severity::Error,
            ),
            Invalid::Schema(f) => (
                format!("{subject}: {}", f.message),
                f.suggestion,
                f.severity,
            ),
        };
        self.push(
            Kind::InvalidParameter,
            severity,
            format!("{}{pointer}", pointer_push(part(wire.location), &wire.name)),
            location,
            message,
            suggestion,
        );
    }

    /// Checks a parsed value against the parameter's schema.
    fn schema_check(&mut self, p: &Param, value: &Value, locate: &dyn Fn(&str) -> Location) {
        let Some(pointer) = &p.schema else { return };
        for f in self.explain(pointer, value) {
            let at = match &f.target {
                Target::Key(t) | Target::Value(t) => t.clone(),
            };
            let location = locate(&at);
            let pointer = f.pointer.clone();
            self.invalid(p, &pointer, location, Invalid::Schema(f));
        }
    }

    fn explain(&self, schema: &str, value: &Value) -> Vec<Finding> {
        match self.checks.cache.get(self.specs, self.s, schema) {
            Some(compiled) => explain::check(compiled, value, self.checks.policy),
            None => Vec::new(),
        }
    }

    fn path(&mut self, values: &[PathValue]) {
        let url_at = self.request.url_at;
        let params: Vec<&Param> = params_at(self.plan, ParamLocation::Path);
        for p in params {
            let Some(v) = values.iter().find(|v| v.name == p.wire.name) else {
                continue; // the template lacks it: lint's undeclared/unused path parameter
            };
            let location = self.request.locate_in(url_at, v.span);
            match style::parse_text(&p.wire, &v.text) {
                Ok(value) => self.schema_check(p, &value, &|_| location.clone()),
                Err(e) => self.invalid(p, "", location, Invalid::Parse(e)),
            }
        }
    }

    fn query(&mut self) {
        let pairs: Vec<(String, String)> = self
            .request
            .query
            .iter()
            .map(|f| (f.name.clone(), f.value.clone()))
            .collect();
        let request = self.request;
        let url_at = request.url_at;
        let params: Vec<&Param> = params_at(self.plan, ParamLocation::Query);
        for p in &params {
            let own: Vec<&Field> = request.query.iter().filter(|f| owns(p, &f.name)).collect();
            match style::parse_pairs(&p.wire, &pairs) {
                Ok(None) if p.required => self.missing(p, url_at),
                Ok(None) => {}
                Ok(Some(value)) => {
                    let exploded = p.wire.explode && p.wire.style == ParamStyle::Form;
                    let locate = |at: &str| -> Location {
                        // Item i of a form+explode array is the i-th pair; else the first pair.
                        let item = at
                            .strip_prefix('/')
                            .and_then(|s| s.split('/').next())
                            .and_then(|s| s.parse::<usize>().ok());
                        let field = match item {
                            Some(i) if exploded => own.get(i).or(own.first()),
                            _ => own.first(),
                        };
                        field.map_or_else(|| request.locate(url_at), |f| request.locate_field(f))
                    };
                    self.schema_check(p, &value, &locate);
                }
                Err(e) => {
                    let location = own
                        .first()
                        .map_or_else(|| request.locate(url_at), |f| request.locate_field(f));
                    self.invalid(p, "", location, Invalid::Parse(e));
                }
            }
        }
        // Undocumented keys: reported once per name, at their first occurrence.
        let mut seen: HashSet<&str> = HashSet::new();
        let undocumented: Vec<&Field> = request
            .query
            .iter()
            .filter(|f| {
                let documented = params.iter().any(|p| owns(p, &f.name))
                    || self
                        .plan
                        .credential_names
                        .iter()
                        .any(|(l, n)| *l == ParamLocation::Query && *n == f.name);
                !documented && seen.insert(f.name.as_str())
            })
            .collect();
        self.undocumented_all(ParamLocation::Query, &undocumented);
    }

    fn headers(&mut self) {
        let request = self.request;
        let Some(headers) = request.headers.as_ref() else {
            return;
        };
        let headers_at = request.headers_at;
        let params: Vec<&Param> = params_at(self.plan, ParamLocation::Header);
        for p in &params {
            let own: Vec<&Field> = headers
                .iter()
                .filter(|h| h.name.eq_ignore_ascii_case(&p.wire.name))
                .collect();
            let Some(first) = own.first() else {
                if p.required {
                    self.missing(p, headers_at);
                }
                continue;
            };
            // Repeated headers are one comma-separated list (RFC 9110 §5.3).
            let text = own
                .iter()
                .map(|h| h.value.trim())
                .collect::<Vec<_>>()
                .join(",");
            let location = request.locate_field(first);
            match style::parse_text(&p.wire, &text) {
                Ok(value) => self.schema_check(p, &value, &|_| location.clone()),
                Err(e) => self.invalid(p, "", location, Invalid::Parse(e)),
            }
        }
        let mut seen: HashSet<String> = HashSet::new();
        let undocumented: Vec<&Field> = headers
            .iter()
            .filter(|h| {
                let documented = params
                    .iter()
                    .any(|p| p.wire.name.eq_ignore_ascii_case(&h.name))
                    || self.plan.credential_names.iter().any(|(l, n)| {
                        *l == ParamLocation::Header && n.eq_ignore_ascii_case(&h.name)
                    });
                !documented
                    && !is_transport_header(&h.name)
                    && seen.insert(h.name.to_ascii_lowercase())
            })
            .collect();
        self.undocumented_all(ParamLocation::Header, &undocumented);
    }

    fn cookies(&mut self) {
        let request = self.request;
        let Some(cookies) = request.cookies.as_ref() else {
            return;
        };
        let pairs: Vec<(String, String)> = cookies
            .iter()
            .map(|c| (c.name.clone(), style::cookie_value(&c.value)))
            .collect();
        let params: Vec<&Param> = params_at(self.plan, ParamLocation::Cookie);
        let cookies_at = request.cookies_at;
        for p in params {
            let first = cookies.iter().find(|c| c.name == p.wire.name);
            let location =
                first.map_or_else(|| request.locate(cookies_at), |c| request.locate_field(c));
            match style::parse_pairs(&p.wire, &pairs) {
                Ok(None) if p.required => self.missing(p, cookies_at),
                Ok(None) => {}
                Ok(Some(value)) => self.schema_check(p, &value, &|_| location.clone()),
                Err(e) => self.invalid(p, "", location, Invalid::Parse(e)),
            }
        }
    }

    /// Whether one credential is in the request: `Some(true/false)`, or `None` when the capture
    /// does not record where it would be.
    fn has(&self, c: &Credential) -> Option<bool> {
        let request = self.request;
        match c.location {
            ParamLocation::Query => Some(request.query.iter().any(|f| f.name == c.name)),
            ParamLocation::Cookie => {
                Some(request.cookies.as_ref()?.iter().any(|f| f.name == c.name))
            }
            _ => {
                request.headers.as_ref()?;
                let Some(h) = request.header(&c.name) else {
                    return Some(false);
                };
                Some(match &c.auth_scheme {
                    Some(word) => h
                        .value
                        .split_whitespace()
                        .next()
                        .is_some_and(|w| w.eq_ignore_ascii_case(word)),
                    None => !h.value.trim().is_empty(),
                })
            }
        }
    }

    fn credentials(&mut self) {
        let plan = self.plan;
        if plan.security.is_empty() || plan.security.iter().any(Vec::is_empty) {
            return;
        }
        // Missing credentials per alternative; an alternative whose place is unrecorded counts as
        // satisfied (nothing is guessed).
        let mut best: Option<Vec<&Credential>> = None;
        for alt in &plan.security {
            let mut missing = Vec::new();
            for c in alt {
                match self.has(c) {
                    None => return,
                    Some(true) => {}
                    Some(false) => missing.push(c),
                }
            }
            if missing.is_empty() {
                return;
            }
            if best.as_ref().is_none_or(|b| missing.len() < b.len()) {
                best = Some(missing);
            }
        }
        // `best` is only set to a non-empty list.
        let Some(missing) = best.filter(|m| !m.is_empty()) else {
            return;
        };
        let expected: Vec<String> = plan
            .security
            .iter()
            .map(|alt| {
                alt.iter()
                    .map(Credential::describe)
                    .collect::<Vec<_>>()
                    .join(" and ")
            })
            .collect();
        let lacks: Vec<String> = missing.iter().map(|c| c.describe()).collect();
        let message = if plan.security.len() == 1 && plan.security[0].len() == 1 {
            format!(
                "missing credentials: {} requires {}",
                self.op.id, expected[0]
            )
        } else if plan.security.len() == 1 {
            format!(
                "missing credentials: {} requires {}; the request lacks {}",
                self.op.id,
                expected[0],
                lacks.join(" and ")
            )
        } else {
            format!(
                "missing credentials: {} requires {}; the request has none of them",
                self.op.id,
                expected.join(" or ")
            )
        };
        let request = self.request;
        let at = match missing[0].location {
            ParamLocation::Query => request.url_at,
            ParamLocation::Cookie => request.cookies_at,
            _ => request.headers_at,
        };
        let location = request.locate(at);
        let pointer = missing[0].pointer();
        self.push(
            Kind::MissingCredentials,
            Severity::Error,
            pointer,
            location,
            message,
            Some(
                "send the credentials the operation's security requirement names (their values are never shown)"
                    .to_string(),
            ),
        );
    }

    fn body(&mut self) {
        let Some(rb) = self.op.request_body.as_ref() else {
            return;
        };
        let request = self.request;
        let body_at = request.body_at;
        let documented: Vec<&str> = rb.content.iter().map(|m| m.name.as_str()).collect();
        let Some(body) = request.body.as_ref().filter(|b| !b.text.trim().is_empty()) else {
            if rb.required && request.body_known {
                let message = format!(
                    "missing required request body of {} ({})",
                    self.op.id,
                    documented.join(", ")
                );
                self.body_error(message, "send the body the spec documents".to_string());
            }
            return;
        };
        let content_type = request
            .content_type
            .as_deref()
            .filter(|c| !c.trim().is_empty());
        let media = match content_type {
            None => rb.content.first(),
            Some(ct) => crate::spec::media::to_check(&rb.content, ct),
        };
        let Some(media) = media else {
            let essence = content_type.map(media_essence).unwrap_or_default();
            let message = format!(
                "request media type {essence} is not documented for {} (documented: {})",
                self.op.id,
                documented.join(", ")
            );
            self.body_error(message, format!("send {}", documented.join(" or ")));
            return;
        };
        let Some(schema) = media.schema.as_ref() else {
            return;
        };
        let essence = media_essence(content_type.unwrap_or(&media.name));
        let value = if is_json_media(&essence) {
            match &body.parsed {
                Some(v) => v.clone(),
                None => match serde_json::from_str::<Value>(&body.text) {
                    Ok(v) => v,
                    Err(e) => {
                        let location = body
                            .locate(super::capture::serde_error_span(&body.text, &e))
                            .unwrap_or_else(|| request.locate(body_at));
                        self.push(
                            Kind::RequestBodyMismatch,
                            Severity::Error,
                            "/body".to_string(),
                            location,
                            format!(
                                "the request body is not valid JSON: {}",
                                super::capture::serde_message(&e)
                            ),
                            None,
                        );
                        return;
                    }
                },
            }
        } else if essence == "application/x-www-form-urlencoded" {
            let document = &self.specs[self.s].document;
            form_value(&body.text, &Shape::of_schema(document, &schema.pointer))
        } else {
            return; // multipart, binary: not checked
        };
        let form = essence == "application/x-www-form-urlencoded";
        let mut located: Vec<(usize, Diagnostic)> = Vec::new();
        for f in self.explain(&schema.pointer, &value) {
            let (at, want_key) = match &f.target {
                Target::Key(p) => (p.as_str(), true),
                Target::Value(p) => (p.as_str(), false),
            };
            let span = if form {
                form_span(&body.text, at)
            } else {
                body.span_of(at, want_key)
            };
            let location = span
                .and_then(|sp| body.locate(sp))
                .unwrap_or_else(|| request.locate(body_at));
            let mut d = Diagnostic::new(
                Kind::RequestBodyMismatch,
                f.severity,
                format!("request body: {}", f.message),
            )
            .in_file(self.ex.file.as_path())
            .with_pointer(format!("/body{}", f.pointer))
            .at(Some(location));
            d.suggestion = f.suggestion;
            d.notes = f.notes;
            d.exchange = Some(self.exref.clone());
            located.push((span.map_or(0, |s| s.start), d));
        }
        located.sort_by_key(|(at, _)| *at);
        self.out.extend(located.into_iter().map(|(_, d)| d));
    }
}

enum Invalid {
    Parse(style::ParseError),
    Schema(Finding),
}

/// The parameters of a plan sent in `location`.
fn params_at(plan: &OperationPlan, location: ParamLocation) -> Vec<&Param> {
    plan.params
        .iter()
        .filter(|p| p.wire.location == location)
        .collect()
}

/// Whether a query key belongs to parameter `p` (its name, `name[...]` for deepObject, a
/// documented property for form+explode objects).
fn owns(p: &Param, key: &str) -> bool {
    let name = p.wire.name.as_str();
    if key == name {
        return true;
    }
    match (&p.wire.shape, p.wire.style) {
        (Shape::Object(_) | Shape::ArrayOfObjects(_), ParamStyle::DeepObject) => key
            .strip_prefix(name)
            .is_some_and(|rest| rest.starts_with('[')),
        (Shape::Object(fields), ParamStyle::Form) if p.wire.explode => {
            fields.iter().any(|(f, _)| f == key)
        }
        _ => false,
    }
}

/// A name for a message, cut short (a recorder may log a whole token as a key).
fn shown_name(name: &str) -> String {
    if name.chars().count() <= 64 {
        name.to_string()
    } else {
        format!("{}…", name.chars().take(63).collect::<String>())
    }
}

/// A form body as an object: documented properties coerced to their schema's scalar types
/// (through `spec::style`, as a `form` + `explode` object), other keys kept as strings so the
/// schema walk reports them; a key given twice becomes an array of its values.
fn form_value(text: &str, shape: &Shape) -> Value {
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(text.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let fields = match shape {
        Shape::Object(fields) => fields.clone(),
        _ => Vec::new(),
    };
    let mut map = serde_json::Map::new();
    for (k, v) in &pairs {
        let scalar = fields
            .iter()
            .find(|(f, _)| f == k)
            .map_or(Scalar::String, |(_, s)| *s);
        let wire = Wire {
            name: k.clone(),
            location: ParamLocation::Query,
            style: ParamStyle::Form,
            explode: true,
            shape: Shape::Scalar(scalar),
        };
        // A value that does not coerce stays a string, so the schema reports its type.
        let value = style::parse_pairs(&wire, &[(k.clone(), v.clone())])
            .ok()
            .flatten()
            .unwrap_or_else(|| Value::String(v.clone()));
        match map.get_mut(k) {
            Some(Value::Array(items)) => items.push(value),
            Some(first) => {
                let first = first.take();
                map.insert(k.clone(), Value::Array(vec![first, value]));
            }
            None => {
                map.insert(k.clone(), value);
            }
        }
    }
    Value::Object(map)
}

/// Where the pair of the first key of `pointer` stands in a form body (`/name` → `name=...`).
fn form_span(text: &str, pointer: &str) -> Option<ByteSpan> {
    let key = crate::source::pointer_segments(pointer)
        .into_iter()
        .next()?;
    let mut start = 0;
    for pair in text.split('&') {
        let name = pair.split('=').next().unwrap_or("");
        let decoded: String = url::form_urlencoded::parse(name.as_bytes())
            .map(|(k, _)| k.into_owned())
            .next()
            .unwrap_or_default();
        if decoded == key {
            return Some(ByteSpan {
                start,
                end: start + pair.len().max(1),
            });
        }
        start += pair.len() + 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transport_headers_are_recognised_by_name_and_prefix() {
        for h in [
            "Host",
            "user-agent",
            "Sec-Fetch-Mode",
            "X-Forwarded-For",
            ":authority",
            "If-None-Match",
        ] {
            assert!(is_transport_header(h), "{h}");
        }
        for h in ["X-Api-Key", "x-client-id", "Espo-Authorization", "te-x"] {
            assert!(!is_transport_header(h), "{h}");
        }
    }

    #[test]
    fn form_bodies_coerce_documented_properties() {
        let shape = Shape::Object(vec![
            ("n".to_string(), Scalar::Integer),
            ("ok".to_string(), Scalar::Boolean),
        ]);
        let value = form_value("n=5&ok=true&x=a+b&x=c&n2=%20", &shape);
        assert_eq!(
            value,
            serde_json::json!({"n": 5, "ok": true, "x": ["a b", "c"], "n2": " "})
        );
        let bad = form_value("n=five", &shape);
        assert_eq!(bad, serde_json::json!({"n": "five"}));
        assert_eq!(
            form_span("a=1&n=five", "/n"),
            Some(ByteSpan { start: 4, end: 10 })
        );
    }
}
