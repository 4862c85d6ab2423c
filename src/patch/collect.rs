//! Reads the validator's findings for every exchange and gathers, per place in the spec, the
//! evidence an edit would rest on; what patch never documents is set aside with its reason.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::diagnostic::{Diagnostic, Kind, Severity};
use crate::problem::{generalise_pointer, problem_id};
use crate::source::pointer_segments;
use crate::spec::model::{is_json_media, media_essence};
use crate::spec::Spec;
use crate::validate::{Checked, Exchange};

use super::infer::Inferred;
use super::observe::{observe, Home, Observed};
use super::NotPatched;

/// Counts the exchanges behind a piece of evidence, each once however often it shows it.
#[derive(Debug, Default, Clone, Copy)]
pub struct Witness {
    /// Exchanges counted.
    pub exchanges: usize,
    last: Option<usize>,
}

impl Witness {
    /// Counts exchange number `n` unless it was the last one counted.
    fn saw(&mut self, n: usize) {
        if self.last != Some(n) {
            self.last = Some(n);
            self.exchanges += 1;
        }
    }
}

/// Evidence for one new property of one schema, per operation that showed it.
#[derive(Debug, Default)]
pub struct PropertyEvidence {
    /// Operation id → what its bodies carried.
    pub per_operation: BTreeMap<String, Inferred>,
    /// Exchanges that showed it.
    pub seen: Witness,
    /// Problem ids of the findings it answers.
    pub problems: BTreeSet<String>,
}

/// Evidence for a body under an undocumented status or media type.
#[derive(Debug, Default)]
pub struct BodyEvidence {
    /// What the JSON bodies carried (none: no JSON body).
    pub bodies: Inferred,
    /// Exchanges that showed it.
    pub seen: Witness,
    /// Problem ids.
    pub problems: BTreeSet<String>,
}

/// Evidence for an undocumented parameter.
#[derive(Debug, Default)]
pub struct ParamEvidence {
    /// Every value sent.
    pub values: Vec<String>,
    /// Exchanges that showed it.
    pub seen: Witness,
    /// Problem ids.
    pub problems: BTreeSet<String>,
    /// The operation's id.
    pub operation: String,
    /// The name as first sent (headers are grouped whatever their case).
    pub name: String,
}

/// Evidence for values outside an enum.
#[derive(Debug, Default)]
pub struct EnumEvidence {
    /// New values, in first-seen order.
    pub values: Vec<Value>,
    /// Exchanges that showed it.
    pub seen: Witness,
    /// Problem ids.
    pub problems: BTreeSet<String>,
}

/// Everything gathered from a run, keyed by spec index and spec pointer.
#[derive(Debug, Default)]
pub struct Evidence {
    /// (spec, schema pointer, key).
    pub properties: BTreeMap<(usize, String, String), PropertyEvidence>,
    /// (spec, operation pointer, status, media type or "" for no body).
    pub statuses: BTreeMap<(usize, String, String, String), BodyEvidence>,
    /// (spec, response pointer, media type).
    pub media: BTreeMap<(usize, String, String), BodyEvidence>,
    /// (spec, operation pointer, location, name; lower case for headers).
    pub parameters: BTreeMap<(usize, String, String, String), ParamEvidence>,
    /// (spec, schema pointer).
    pub enums: BTreeMap<(usize, String), EnumEvidence>,
    /// Every finding by problem id; those with a reason are not patched.
    pub findings: BTreeMap<String, NotPatched>,
    /// Exchanges read.
    pub exchanges: usize,
}

impl Evidence {
    /// Counts a finding under its problem id.
    fn count(&mut self, d: &Diagnostic) {
        let id = problem_id(d);
        let entry = self
            .findings
            .entry(id.clone())
            .or_insert_with(|| NotPatched {
                problem: id,
                kind: d.kind,
                operation: d.exchange.as_ref().and_then(|e| e.operation.clone()),
                pointer: d.pointer.clone(),
                key: d.key.clone(),
                message: d.message.clone(),
                reason: String::new(),
                occurrences: 0,
            });
        entry.occurrences += 1;
    }

    /// Sets a finding aside as not patched, with the reason.
    pub fn refuse(&mut self, d: &Diagnostic, reason: impl Into<String>) {
        self.refuse_id(&problem_id(d), reason.into());
    }

    /// Sets the problem `id` aside as not patched, with the reason.
    pub fn refuse_id(&mut self, id: &str, reason: String) {
        if let Some(entry) = self.findings.get_mut(id) {
            entry.reason = reason;
        }
    }

    /// The findings set aside, each with its reason.
    pub fn not_patched(&self) -> Vec<NotPatched> {
        self.findings
            .values()
            .filter(|f| !f.reason.is_empty())
            .cloned()
            .collect()
    }

    /// Takes in one checked exchange.
    pub fn add(&mut self, specs: &[Spec], checked: &Checked, widen_enums: bool) {
        self.exchanges += 1;
        for d in checked
            .diagnostics
            .iter()
            .filter(|d| d.severity != Severity::Info)
        {
            self.count(d);
        }
        let Some((s, o)) = checked.operation else {
            for d in checked
                .diagnostics
                .iter()
                .filter(|d| d.severity != Severity::Info)
            {
                self.refuse(d, reason_for(d.kind));
            }
            return;
        };
        let spec = &specs[s];
        let seen = body_value(&checked.exchange).map(|body| {
            let schema = schema_pointer(spec, o, &checked.exchange);
            schema.map_or_else(Observed::default, |p| observe(&spec.document, &p, &body))
        });
        let seen = seen.unwrap_or_default();
        for d in &checked.diagnostics {
            match d.kind {
                _ if d.severity == Severity::Info => {}
                Kind::UnknownProperty => self.unknown(spec, s, o, d, &seen),
                Kind::EnumMismatch => self.off_enum(s, d, &seen, widen_enums),
                Kind::UndocumentedStatus | Kind::UndocumentedContentType => {
                    self.undocumented_body(spec, s, o, d, &checked.exchange)
                }
                Kind::UndocumentedParameter => self.parameter(spec, s, o, d, &checked.exchange),
                kind => self.refuse(d, reason_for(kind)),
            }
        }
    }

    fn unknown(&mut self, spec: &Spec, s: usize, o: usize, d: &Diagnostic, seen: &Observed) {
        let (Some(pointer), Some(key)) = (&d.pointer, &d.key) else {
            return self.refuse(d, "the finding names no key");
        };
        let pattern = generalise_pointer(pointer);
        let matching: Vec<_> = seen
            .unknowns
            .iter()
            .filter(|u| u.key == *key && generalise_pointer(&u.object) == pattern)
            .collect();
        let Some(first) = matching.first() else {
            return self.refuse(d, "no schema in the spec could be tied to this object");
        };
        if let Some(name) = &first.look_alike {
            return self.refuse(
                d,
                format!("likely a rename of the documented {name}, which the body lacks: a server bug, never documented"),
            );
        }
        let home = match &first.home {
            Home::Schema(p) => p.clone(),
            Home::Refused(why) => return self.refuse(d, why.clone()),
        };
        let entry = self.properties.entry((s, home, key.clone())).or_default();
        let inferred = entry
            .per_operation
            .entry(spec.operations[o].id.clone())
            .or_default();
        for u in &matching {
            inferred.add(&u.value);
        }
        entry.seen.saw(self.exchanges);
        entry.problems.insert(problem_id(d));
    }

    fn off_enum(&mut self, s: usize, d: &Diagnostic, seen: &Observed, widen: bool) {
        if !widen {
            return self.refuse(d, "new enum values are documented only with --widen-enums");
        }
        if d.suggestion.is_some() {
            return self.refuse(
                d,
                "a near-miss of an allowed value: a server bug, never documented",
            );
        }
        let pattern = d
            .pointer
            .as_deref()
            .map(generalise_pointer)
            .unwrap_or_default();
        let matching: Vec<_> = seen
            .off_enum
            .iter()
            .filter(|e| generalise_pointer(&e.at) == pattern)
            .collect();
        let Some(first) = matching.first() else {
            return self.refuse(d, "no enum in the spec could be tied to this value");
        };
        let entry = self.enums.entry((s, first.schema.clone())).or_default();
        for e in &matching {
            if !entry.values.contains(&e.value) {
                entry.values.push(e.value.clone());
            }
        }
        entry.seen.saw(self.exchanges);
        entry.problems.insert(problem_id(d));
    }

    fn undocumented_body(
        &mut self,
        spec: &Spec,
        s: usize,
        o: usize,
        d: &Diagnostic,
        ex: &Exchange,
    ) {
        let op = &spec.operations[o];
        let media = ex
            .body
            .as_ref()
            .filter(|b| !b.text.trim().is_empty())
            .map(|_| {
                ex.content_type
                    .as_deref()
                    .map_or_else(|| "application/json".to_string(), media_essence)
            })
            .unwrap_or_default();
        let entry = match (d.kind, op.response_for(ex.status)) {
            (Kind::UndocumentedContentType, Some(response)) => {
                if media.is_empty() {
                    return self.refuse(d, "the response has no body to document");
                }
                self.media
                    .entry((s, response.pointer.clone(), media))
                    .or_default()
            }
            _ => self
                .statuses
                .entry((s, op.pointer.clone(), ex.status.to_string(), media))
                .or_default(),
        };
        if let Some(body) = body_value(ex) {
            entry.bodies.add(&body);
        }
        entry.seen.saw(self.exchanges);
        entry.problems.insert(problem_id(d));
    }

    fn parameter(&mut self, spec: &Spec, s: usize, o: usize, d: &Diagnostic, ex: &Exchange) {
        let segments = pointer_segments(d.pointer.as_deref().unwrap_or(""));
        let [location, name] = segments.as_slice() else {
            return self.refuse(d, "the finding names no parameter");
        };
        let credential = match location.as_str() {
            "header" => crate::secrecy::is_credential_header(name),
            _ => crate::secrecy::is_credential_name(name),
        };
        if credential {
            return self.refuse(
                d,
                "its name suggests a credential: credentials are documented as security schemes by a person, never from traffic",
            );
        }
        let Some(request) = &ex.request else {
            return self.refuse(d, "the capture records no request");
        };
        let values: Vec<String> = match location.as_str() {
            "query" => request
                .query
                .iter()
                .filter(|f| f.name == *name)
                .map(|f| f.value.clone())
                .collect(),
            "header" => request
                .headers
                .iter()
                .flatten()
                .filter(|f| f.name.eq_ignore_ascii_case(name))
                .map(|f| f.value.clone())
                .collect(),
            _ => return self.refuse(d, "only query and header parameters are documented"),
        };
        let op = &spec.operations[o];
        // Header names are case-insensitive (RFC 9110 §5.1): `X-Tenant` and `x-tenant` are one.
        let grouped = if location == "header" {
            name.to_ascii_lowercase()
        } else {
            name.clone()
        };
        let entry = self
            .parameters
            .entry((s, op.pointer.clone(), location.clone(), grouped))
            .or_default();
        entry.operation = op.id.clone();
        if entry.name.is_empty() {
            entry.name = name.clone();
        }
        entry.values.extend(values);
        entry.seen.saw(self.exchanges);
        entry.problems.insert(problem_id(d));
    }
}

/// Why a finding of `kind` is left to a person.
fn reason_for(kind: Kind) -> &'static str {
    match kind {
        Kind::MovedProperty => {
            "the spec documents this key elsewhere; a moved key is a judgement for a person"
        }
        Kind::MissingRequired => {
            "a missing required key is a judgement for a person (a rename, or a server bug)"
        }
        Kind::TypeMismatch => "a documented field of another type is a judgement for a person",
        Kind::NullNotAllowed => {
            "null in a documented field that is not nullable is a judgement for a person"
        }
        Kind::FormatMismatch | Kind::Constraint => {
            "a broken documented constraint is a judgement for a person"
        }
        Kind::MissingCredentials => "credentials are never documented from traffic",
        Kind::MissingParameter | Kind::InvalidParameter | Kind::RequestBodyMismatch => {
            "a request that breaks the documented contract is a judgement for a person"
        }
        Kind::UnmatchedOperation => "no operation matches; new operations are written by a person",
        _ => "not something patch documents",
    }
}

/// The response body as JSON, when it is a JSON body that parses.
fn body_value(ex: &Exchange) -> Option<Value> {
    let body = ex.body.as_ref()?;
    if ex
        .content_type
        .as_deref()
        .is_some_and(|c| !c.trim().is_empty() && !is_json_media(c))
    {
        return None;
    }
    match &body.parsed {
        Some(tape) => Some(tape.root(&body.text).to_value()),
        None => serde_json::from_str(&body.text).ok(),
    }
}

/// The schema the validator checks this exchange's body against: the documented response for
/// its status, and the media type for its `Content-Type` (or the first JSON one).
fn schema_pointer(spec: &Spec, o: usize, ex: &Exchange) -> Option<String> {
    let response = spec.operations[o].response_for(ex.status)?;
    let media = ex
        .content_type
        .as_deref()
        .filter(|c| !c.trim().is_empty())
        .and_then(|c| response.media_type_for(c))
        .or_else(|| response.content.iter().find(|m| is_json_media(&m.name)))
        .or_else(|| response.content.first())?;
    media.schema.as_ref().map(|r| r.pointer.clone())
}
