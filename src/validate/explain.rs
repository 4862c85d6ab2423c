//! Validator errors and undocumented keys → findings a person can act on.
//!
//! Two sources feed it: `jsonschema`'s errors (types, required keys, enums, formats,
//! constraints), and a walk of the body alongside the schema's [`Shapes`] that finds keys the
//! schema does not document, which JSON Schema itself allows. The two are then read together so
//! one root cause gives one finding: a required `date_format` that is missing next to an unknown
//! `date_formant` is one rename, not two problems; a `oneOf` failure reports the branch that fits
//! best, not every branch; a value of the wrong type is not also reported for its enum or format.

use std::borrow::Cow;
use std::collections::HashSet;
use std::rc::Rc;

use jsonschema::error::{TypeKind, ValidationErrorKind};
use jsonschema::ValidationError;
use serde_json::Value;

use crate::diagnostic::{Kind, Severity};
use crate::hash::KeyMap;
use crate::pointer::Pointer;
use crate::source::pointer_push;

use super::compile::{types, Additional, Compiled, ShapeId, Shapes};
use super::tape::TapeNode;

/// What a finding underlines in the body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// The key of the member at this pointer (its value when it has no key: the root, array
    /// items).
    Key(String),
    /// The value at this pointer.
    Value(String),
}

/// A finding inside one body, before it is located in the capture file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// Stable id.
    pub kind: Kind,
    /// Severity after `--strict` and the rename rule.
    pub severity: Severity,
    /// JSON pointer reported with the finding.
    pub pointer: String,
    /// What to underline.
    pub target: Target,
    /// One sentence.
    pub message: String,
    /// The fix to try.
    pub suggestion: Option<String>,
    /// Further context (repeats folded into this finding).
    pub notes: Vec<String>,
    /// The key a `missing_required` finding is about, for pairing it with a look-alike.
    missing_key: Option<String>,
}

impl Finding {
    /// A finding about no particular required key.
    pub fn new(
        kind: Kind,
        severity: Severity,
        pointer: String,
        target: Target,
        message: String,
    ) -> Self {
        Finding {
            kind,
            severity,
            pointer,
            target,
            message,
            suggestion: None,
            notes: Vec::new(),
            missing_key: None,
        }
    }

    /// The key the finding is about when its pointer names the object that holds (or lacks)
    /// it: an unknown, moved or missing key. Two unknown keys in one object are two problems.
    pub fn key(&self) -> Option<String> {
        if let Some(k) = &self.missing_key {
            return Some(k.clone());
        }
        let (Target::Key(p) | Target::Value(p)) = &self.target;
        let rest = p.strip_prefix(self.pointer.as_str())?.strip_prefix('/')?;
        (!rest.contains('/')).then(|| crate::pointer::unescape(rest).into_owned())
    }
}

/// How to judge undocumented keys.
#[derive(Debug, Clone, Copy, Default)]
pub struct Policy {
    /// `--strict`: undocumented keys are errors.
    pub strict: bool,
}

/// An undocumented key found by the walk.
#[derive(Debug, Clone)]
struct Unknown {
    /// Pointer of the object holding the key.
    object: String,
    /// The object's place in the schema, with `*` for array items and map values.
    pattern: String,
    key: String,
    /// Documented keys of the object that the body lacks: rename candidates.
    absent: Rc<[String]>,
    /// `additionalProperties: false`.
    closed: bool,
    /// The types of the key's value (see [`types::of_value`]): a key documented elsewhere only
    /// with another type has not moved there.
    value_types: u8,
}

/// Every finding for `value` against `compiled`. `valid` is the validator's fast verdict.
pub fn explain(
    compiled: &Compiled,
    value: TapeNode<'_>,
    valid: bool,
    policy: Policy,
) -> Vec<Finding> {
    let mut unknowns = Vec::new();
    let mut path = Vec::new();
    walk(
        &compiled.shapes,
        compiled.root,
        value,
        &mut path,
        &mut unknowns,
    );
    let mut findings = Vec::new();
    if !valid {
        if let Ok(validator) = &compiled.validator {
            for error in validator.iter_errors(value) {
                from_error(&error, value, &mut findings);
            }
        }
        findings = without_cascades(findings);
    }
    pair_renames(&mut findings, &mut unknowns);
    for u in unknowns {
        findings.push(judge_unknown(compiled, value, u, policy));
    }
    fold_repeats(findings)
}

/// Every finding for `value` against `compiled`, the validator's fast verdict first: most values
/// are valid and need no error walk.
pub fn check(compiled: &Compiled, value: TapeNode<'_>, policy: Policy) -> Vec<Finding> {
    let valid = compiled
        .validator
        .as_ref()
        .map(|v| v.is_valid(value))
        .unwrap_or(true);
    explain(compiled, value, valid, policy)
}

/// `/data/12/is_admin` → `/data/*/is_admin`: where a finding stands in the schema.
fn pattern(pointer: &str) -> String {
    crate::problem::generalise_pointer(pointer)
}

/// One root cause, one finding: the same drift in every item of an array (an undocumented
/// `uuid` in each of 200 users) is reported once, at the first item, with a count.
fn fold_repeats(findings: Vec<Finding>) -> Vec<Finding> {
    if findings.len() < 2 {
        return findings; // nothing to fold: most bodies with a finding have one
    }
    let mut out: Vec<Finding> = Vec::new();
    let mut firsts: std::collections::HashMap<(Kind, String, String), (usize, usize)> =
        std::collections::HashMap::new();
    for f in findings {
        let target = match &f.target {
            Target::Key(p) | Target::Value(p) => p,
        };
        // Messages that carry the value differ item by item; the others name the key.
        let text = match f.kind {
            Kind::UnknownProperty | Kind::MovedProperty | Kind::MissingRequired => {
                f.message.clone()
            }
            _ => String::new(),
        };
        let key = (f.kind, pattern(target), text);
        match firsts.get_mut(&key) {
            Some((_, count)) => *count += 1,
            None => {
                firsts.insert(key, (out.len(), 0));
                out.push(f);
            }
        }
    }
    for ((_, at, _), (index, count)) in firsts {
        if count > 0 {
            let f = &mut out[index];
            f.notes.push(format!(
                "the same finding repeats at {count} more place{} matching {}",
                if count == 1 { "" } else { "s" },
                if at.is_empty() { "/" } else { &at }
            ));
        }
    }
    out
}

#[derive(Clone, Copy)]
enum Seg<'v> {
    Key(&'v str),
    /// A key of a map (`additionalProperties`): `*` in patterns.
    MapKey(&'v str),
    Index(usize),
}

fn pointer_of(path: &[Seg<'_>]) -> String {
    let mut out = Pointer::default();
    for seg in path {
        match seg {
            Seg::Key(k) | Seg::MapKey(k) => out.push_key(k),
            Seg::Index(i) => out.push_index(*i),
        };
    }
    out.into_string()
}

fn pattern_of(path: &[Seg<'_>]) -> String {
    let mut out = Pointer::default();
    for seg in path {
        match seg {
            Seg::Key(k) => out.push_key(k),
            Seg::MapKey(_) | Seg::Index(_) => out.push_raw("*"),
        };
    }
    out.into_string()
}

/// Walks `value` under `seg` of `path` (see [`walk`]); a scalar has no keys, so it is not
/// visited (most members are scalars, and the visit cost more than the check).
fn walk_below<'v>(
    shapes: &Shapes,
    id: ShapeId,
    seg: Seg<'v>,
    value: TapeNode<'v>,
    path: &mut Vec<Seg<'v>>,
    out: &mut Vec<Unknown>,
) {
    if value.is_object() || value.is_array() {
        path.push(seg);
        walk(shapes, id, value, path, out);
        path.pop();
    }
}

/// Finds undocumented keys. Cheap: one pass over the body, hash lookups per key, no allocation
/// unless something is found.
fn walk<'v>(
    shapes: &Shapes,
    id: ShapeId,
    value: TapeNode<'v>,
    path: &mut Vec<Seg<'v>>,
    out: &mut Vec<Unknown>,
) {
    if value.is_object() {
        let view = shapes.view(id, value);
        if view
            .iter()
            .any(|s| !types::admits(shapes.get(*s).types, value))
        {
            return; // a type mismatch: the validator reports it.
        }
        let mut additional = Additional::Unspecified;
        for s in view.iter() {
            match (additional, shapes.get(*s).additional) {
                (Additional::Allowed(_), _) => {}
                (_, a @ Additional::Allowed(_)) => additional = a,
                (_, Additional::Forbidden) => additional = Additional::Forbidden,
                _ => {}
            }
        }
        let free = view.iter().all(|s| shapes.get(*s).free_form());
        if free
            && matches!(
                additional,
                Additional::Unspecified | Additional::Allowed(None)
            )
        {
            return; // any key is fine and no member has a shape to walk
        }
        let mut absent: Option<Rc<[String]>> = None;
        let mut documented = Documented::new(shapes, &view);
        for (k, v) in value.members() {
            if let Some(p) = documented.prop(k) {
                walk_below(shapes, p, Seg::Key(k), v, path, out);
                continue;
            }
            if let Some(p) = view.iter().find_map(|s| shapes.get(*s).pattern_prop(k)) {
                walk_below(shapes, p, Seg::MapKey(k), v, path, out);
                continue;
            }
            match additional {
                Additional::Allowed(Some(a)) => walk_below(shapes, a, Seg::MapKey(k), v, path, out),
                Additional::Allowed(None) => {}
                _ if free && additional != Additional::Forbidden => {}
                _ => {
                    // The same for every unknown key of the object: found once (a lookup in
                    // the tape is a scan of the object's members).
                    let absent =
                        absent.get_or_insert_with(|| absent_keys(shapes, &view, value).into());
                    out.push(unknown(path, k, v, absent.clone(), additional));
                }
            }
        }
    } else if value.is_array() {
        let view = shapes.view(id, value);
        for (i, v) in value.items().enumerate() {
            let Some(item) = view.iter().find_map(|s| shapes.get(*s).item(i)) else {
                continue;
            };
            walk_below(shapes, item, Seg::Index(i), v, path, out);
        }
    }
}

/// The documented properties of one object's view, looked up member after member in the
/// order the first shape with properties lists them (see [`super::compile::Shape::prop_from`]); the shapes
/// before it document none, the ones after it are asked in turn, as `find_map` would.
struct Documented<'s> {
    shapes: &'s Shapes,
    /// The view from its first shape with properties on (empty if none has any).
    view: &'s [ShapeId],
    /// Where in that shape's properties the next member is looked for first.
    next: usize,
}

impl<'s> Documented<'s> {
    fn new(shapes: &'s Shapes, view: &'s [ShapeId]) -> Self {
        let first = view
            .iter()
            .position(|s| !shapes.get(*s).props.is_empty())
            .unwrap_or(view.len());
        Documented {
            shapes,
            view: &view[first..],
            next: 0,
        }
    }

    /// The shape of property `key` in the first shape of the view that documents it.
    #[inline]
    fn prop(&mut self, key: &str) -> Option<ShapeId> {
        let (first, rest) = self.view.split_first()?;
        let shapes = self.shapes;
        shapes
            .get(*first)
            .prop_from(&mut self.next, key)
            .or_else(|| rest.iter().find_map(|s| shapes.get(*s).prop(key)))
    }
}

/// The keys the shapes of `view` document that `object` lacks: rename candidates.
fn absent_keys(shapes: &Shapes, view: &[ShapeId], object: TapeNode<'_>) -> Vec<String> {
    // The object's keys read once: a lookup on the tape scans its members, and every absent
    // key is a full scan (a fifth of the walk's time on the Kommo load).
    let present: KeyMap<&str, ()> = object.members().map(|(k, _)| (k, ())).collect();
    let mut absent = Vec::new();
    for s in view.iter() {
        for (name, _) in shapes.get(*s).props.iter() {
            if !present.contains_key(name.as_str()) && !absent.contains(name) {
                absent.push(name.clone());
            }
        }
    }
    absent
}

/// The undocumented key `key` (its value `v`) of the object at `path`, which lacks `absent`.
fn unknown(
    path: &[Seg<'_>],
    key: &str,
    v: TapeNode<'_>,
    absent: Rc<[String]>,
    additional: Additional,
) -> Unknown {
    Unknown {
        object: pointer_of(path),
        pattern: pattern_of(path),
        key: key.to_string(),
        absent,
        closed: additional == Additional::Forbidden,
        value_types: types::of_value(v),
    }
}

/// The candidate key most like `key` (see [`crate::suggest`]).
fn closest<'a>(key: &str, candidates: impl IntoIterator<Item = &'a String>) -> Option<&'a String> {
    crate::suggest::suggest(key, candidates)
}

/// A missing required key next to an unknown key that looks like it: one rename.
fn pair_renames(findings: &mut [Finding], unknowns: &mut Vec<Unknown>) {
    for f in findings.iter_mut() {
        if f.kind != Kind::MissingRequired {
            continue;
        }
        let Some(missing) = f.missing_key.clone() else {
            continue;
        };
        let candidates: Vec<&Unknown> = unknowns.iter().filter(|u| u.object == f.pointer).collect();
        let keys: Vec<String> = candidates.iter().map(|u| u.key.clone()).collect();
        if let Some(found) = closest(&missing, keys.iter()).cloned() {
            f.message =
                format!("missing required property {missing}; the body has {found} instead");
            f.suggestion = Some(format!("rename {found} to {missing}"));
            f.target = Target::Key(pointer_push(&f.pointer, &found));
            let object = f.pointer.clone();
            unknowns.retain(|u| !(u.object == object && u.key == found));
        }
    }
}

/// Whether `value` has something at the schema place `pattern` (`/data/*/apps`: `*` is any
/// array item or map value).
fn present_at(value: TapeNode<'_>, segments: &[String]) -> bool {
    let Some((first, rest)) = segments.split_first() else {
        return true;
    };
    if first == "*" && value.is_array() {
        value.items().any(|v| present_at(v, rest))
    } else if first == "*" {
        value.members().any(|(_, v)| present_at(v, rest))
    } else {
        value.get(first).is_some_and(|v| present_at(v, rest))
    }
}

fn judge_unknown(compiled: &Compiled, value: TapeNode<'_>, u: Unknown, policy: Policy) -> Finding {
    let key_pointer = pointer_push(&u.object, &u.key);
    let strict = if policy.strict || u.closed {
        Severity::Error
    } else {
        Severity::Warning
    };
    if let Some(name) = closest(&u.key, u.absent.iter()) {
        return Finding {
            notes: Vec::new(),
        missing_key: None,
            kind: Kind::UnknownProperty,
            severity: Severity::Error,
            pointer: u.object.clone(),
            target: Target::Key(key_pointer),
            message: format!("unknown property {}, did you mean {name}?", u.key),
            suggestion: Some(format!(
                "rename {} to {name}: the spec documents {name} in this object and the body lacks it (a likely rename, so this is an error)",
                u.key
            )),
        };
    }
    let here = pointer_push(&u.pattern, &u.key);
    let elsewhere = compiled.documented().get(&u.key).and_then(|places| {
        places
            .iter()
            .filter(|(at, shape)| {
                *at != here && types::overlaps(compiled.shapes.get(*shape).types, u.value_types)
            })
            // Moved only if the body lacks it where the spec documents it: a key the body
            // also has there is a new key here, not a moved one.
            .filter(|(at, _)| !present_at(value, &crate::source::pointer_segments(at)))
            .min_by_key(|(at, _)| at.len())
    });
    if let Some((at, _)) = elsewhere {
        return Finding {
            notes: Vec::new(),
            missing_key: None,
            kind: Kind::MovedProperty,
            severity: strict,
            pointer: key_pointer,
            target: Target::Key(pointer_push(&u.object, &u.key)),
            message: format!(
                "property {} is not documented here; the spec documents it at {at}",
                u.key
            ),
            suggestion: Some(format!(
                "the server sends {} at {}; move it to {at} in the spec or the server",
                u.key,
                if u.object.is_empty() {
                    "the top level"
                } else {
                    &u.object
                }
            )),
        };
    }
    let message = if u.closed {
        format!(
            "unknown property {} (the schema allows no other properties)",
            u.key
        )
    } else {
        format!("unknown property {}", u.key)
    };
    Finding {
        notes: Vec::new(),
        missing_key: None,
        kind: Kind::UnknownProperty,
        severity: strict,
        pointer: u.object.clone(),
        target: Target::Key(key_pointer),
        message,
        suggestion: Some(format!(
            "document {} in the spec if the API really sends it",
            u.key
        )),
    }
}

/// How many characters of a value's JSON text a message shows.
const SHOWN_CHARS: usize = 60;

/// Shortens a value for a message: JSON text with credential-named members masked (see
/// [`crate::secrecy`]), cut at 60 characters.
pub fn shorten(value: &Value) -> String {
    let text = crate::secrecy::masked_value(value).to_string();
    if text.chars().count() <= SHOWN_CHARS {
        return text;
    }
    let cut: String = text.chars().take(SHOWN_CHARS - 3).collect();
    format!("{cut}…")
}

/// The JSON type of an error's instance, read in the body where it can be: a big instance is
/// made only when read (see `TapeNode::lazy_value`), and for a type that would be the whole
/// value.
fn found_type(error: &ValidationError<'_>, body: TapeNode<'_>) -> &'static str {
    match instance_in_body(error, body) {
        Some(node) => type_name(&node.preview(0)),
        None => type_name(error.instance()),
    }
}

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn expected_types(kind: &TypeKind) -> String {
    match kind {
        TypeKind::Single(t) => t.to_string(),
        TypeKind::Multiple(set) => set
            .iter()
            .map(|t| t.to_string())
            .collect::<Vec<_>>()
            .join(" or "),
    }
}

fn nearest_allowed(value: &Value, options: &[Value]) -> Option<Value> {
    match value {
        Value::String(s) => {
            let names: Vec<&str> = options.iter().filter_map(Value::as_str).collect();
            crate::suggest::suggest(s, names.iter().copied())
                .map(|name| Value::String(name.to_string()))
        }
        Value::Number(n) => {
            let x = n.as_f64()?;
            options
                .iter()
                .filter_map(|o| o.as_f64().map(|f| ((f - x).abs(), o)))
                .min_by(|a, b| a.0.total_cmp(&b.0))
                .map(|(_, o)| o.clone())
        }
        _ => None,
    }
}

fn finding(kind: Kind, pointer: String, message: String) -> Finding {
    Finding::new(
        kind,
        Severity::Error,
        pointer.clone(),
        Target::Value(pointer),
        message,
    )
}

/// Scores a `oneOf`/`anyOf` branch's errors: lower fits better. A branch whose type does not
/// even admit the value fits worst; then one that misses required keys at the value itself (its
/// shape is not the value's); then the fewer errors the better.
fn branch_score(errors: &[ValidationError<'_>], at: &str) -> (bool, usize, usize) {
    let here = |e: &&ValidationError<'_>| e.instance_path().as_str() == at;
    let root_type = errors
        .iter()
        .filter(here)
        .any(|e| matches!(e.kind(), ValidationErrorKind::Type { .. }));
    let missing = errors
        .iter()
        .filter(here)
        .filter(|e| matches!(e.kind(), ValidationErrorKind::Required { .. }))
        .count();
    (root_type, missing, errors.len())
}

/// A value of the wrong type: `null_not_allowed` when it is null, else `type_mismatch`.
fn wrong_type(kind: &TypeKind, instance: &Value, pointer: String) -> Finding {
    let expected = expected_types(kind);
    if instance.is_null() {
        finding(
            Kind::NullNotAllowed,
            pointer,
            format!("null is not allowed here: expected {expected}"),
        )
    } else {
        finding(
            Kind::TypeMismatch,
            pointer,
            format!(
                "expected {expected}, found {} {}",
                type_name(instance),
                shorten(instance)
            ),
        )
    }
}

/// A required key the object at `pointer` lacks; the key is kept for pairing with a look-alike.
fn missing(property: &Value, pointer: String) -> Finding {
    let name = property
        .as_str()
        .map_or_else(|| property.to_string(), str::to_string);
    let mut f = finding(
        Kind::MissingRequired,
        pointer.clone(),
        format!("missing required property {name}"),
    );
    f.target = Target::Key(pointer);
    f.missing_key = Some(name);
    f
}

/// A value outside its `enum`, with the nearest allowed value as the suggestion.
fn not_allowed(options: &Value, instance: &Value, pointer: String) -> Finding {
    let list = options.as_array().cloned().unwrap_or_default();
    let shown: Vec<String> = list.iter().take(12).map(Value::to_string).collect();
    let more = if list.len() > 12 { ", …" } else { "" };
    let mut f = finding(
        Kind::EnumMismatch,
        pointer,
        format!(
            "{} is not one of the allowed values: {}{more}",
            shorten(instance),
            shown.join(", ")
        ),
    );
    f.suggestion = nearest_allowed(instance, &list).map(|v| format!("did you mean {v}?"));
    f
}

/// What a message shows of an error's instance: the error's own, or for a big value of the body
/// (a type error at the root of a 255 MB body) the start of it read from the body, which shows
/// the same. Not for `propertyNames`, whose instance is a key, not the value at its path.
fn shown_instance<'e>(error: &'e ValidationError<'_>, body: TapeNode<'_>) -> Cow<'e, Value> {
    if let Some(node) = instance_in_body(error, body).filter(TapeNode::is_big) {
        return Cow::Owned(node.preview(SHOWN_CHARS + 4));
    }
    Cow::Borrowed(error.instance())
}

/// The body's node an error is about, where the body has it: under `propertyNames` the
/// instance is a key, which no pointer names.
fn instance_in_body<'b>(error: &ValidationError<'_>, body: TapeNode<'b>) -> Option<TapeNode<'b>> {
    if error.schema_path().as_str().contains("/propertyNames") {
        return None;
    }
    body.pointer(error.instance_path().as_str())
}

fn from_error(error: &ValidationError<'_>, body: TapeNode<'_>, out: &mut Vec<Finding>) {
    let pointer = error.instance_path().as_str().to_string();
    let about_a_key = matches!(error.kind(), ValidationErrorKind::Required { .. });
    if !about_a_key && crate::secrecy::hides_pointer(&pointer) {
        return out.push(hidden_value(error, body, pointer));
    }
    // Read only where a message shows it: a big body's instance is made when it is read.
    let shown = std::cell::OnceCell::new();
    let instance = || -> &Value { shown.get_or_init(|| shown_instance(error, body)) };
    match error.kind() {
        ValidationErrorKind::Type { kind } => out.push(wrong_type(kind, instance(), pointer)),
        ValidationErrorKind::Required { property } => out.push(missing(property, pointer)),
        ValidationErrorKind::Enum { options } => {
            out.push(not_allowed(options, instance(), pointer))
        }
        ValidationErrorKind::Constant { expected_value } => {
            let mut f = finding(
                Kind::EnumMismatch,
                pointer,
                format!(
                    "{} is not {expected_value}, the only allowed value",
                    shorten(instance())
                ),
            );
            f.suggestion = Some(format!("did you mean {expected_value}?"));
            out.push(f);
        }
        ValidationErrorKind::Format { format } => out.push(finding(
            Kind::FormatMismatch,
            pointer,
            format!("{} is not a valid {format}", shorten(instance())),
        )),
        ValidationErrorKind::AnyOf { context } | ValidationErrorKind::OneOfNotValid { context } => {
            from_union(error, context, pointer, body, out)
        }
        // `items: false` after `prefixItems`, a `false` property: nothing may stand here.
        ValidationErrorKind::FalseSchema => out.push(finding(
            Kind::Constraint,
            pointer,
            format!(
                "{} is not allowed here: the schema at this place is false",
                shorten(instance())
            ),
        )),
        ValidationErrorKind::OneOfMultipleValid { .. } => out.push(finding(
            Kind::Constraint,
            pointer,
            "the value matches more than one oneOf branch; exactly one must match".to_string(),
        )),
        // Undocumented keys are found by the walk, which also knows `additionalProperties`.
        ValidationErrorKind::AdditionalProperties { .. }
        | ValidationErrorKind::UnevaluatedProperties { .. } => {}
        _ => out.push(finding(
            Kind::Constraint,
            pointer,
            constraint_message(error, instance()),
        )),
    }
}

/// What a finding says of a constraint whose value it may not show.
const BREAKS_A_CONSTRAINT: &str = "the value breaks a constraint of its schema";

/// A constraint `jsonschema` words itself (`maxProperties`, `uniqueItems`, `not`, a union no
/// member fits): the first line of its message, with the value shown as every message shows one
/// ([`shorten`]: credential-named members masked, cut). Its own text prints the whole
/// instance, secrets and all, and renders a big one whole (a 20 MB array over `maxItems` took
/// 1.3 GB); written with a placeholder, the instance is never made.
fn constraint_message(error: &ValidationError<'_>, shown: &Value) -> String {
    let mut message = error.masked_with(shorten(shown)).to_string();
    if let Some(i) = message.find('\n') {
        message.truncate(i);
    }
    message
}

/// A `oneOf`/`anyOf` no member accepts: the tag when members tag themselves, else the findings
/// of the member that fits best (with "or null" when the union is X-or-null).
fn from_union(
    error: &ValidationError<'_>,
    context: &[Vec<ValidationError<'_>>],
    pointer: String,
    body: TapeNode<'_>,
    out: &mut Vec<Finding>,
) {
    if let Some(f) = unmatched_tag(context, &pointer) {
        out.push(f);
        return;
    }
    let best = context
        .iter()
        .min_by_key(|errors| branch_score(errors, &pointer));
    let null = instance_is_null(error, body);
    match best {
        Some(errors) if !(null && branch_score(errors, &pointer).0) => {
            let first = out.len();
            for e in errors {
                from_error(e, body, out);
            }
            if has_null_member(context, &pointer) {
                or_null(&mut out[first..], &pointer);
            }
        }
        _ if null => out.push(finding(
            Kind::NullNotAllowed,
            pointer,
            "null is not allowed here".to_string(),
        )),
        _ => {
            let shown = shown_instance(error, body);
            out.push(finding(
                Kind::Constraint,
                pointer,
                constraint_message(error, &shown),
            ))
        }
    }
}

/// Whether an error's instance is null, read in the body where it can be: a root's instance is
/// made by parsing the body again when it is read (see `TapeNode::lazy_value`).
fn instance_is_null(error: &ValidationError<'_>, body: TapeNode<'_>) -> bool {
    match instance_in_body(error, body) {
        Some(node) => jsonschema::json::Node::is_null(&node),
        None => error.instance().is_null(),
    }
}

/// Whether a union has a member that is only `{type: "null"}` (3.1's `Optional[X]`): its errors
/// are one type error at the value itself, expecting null.
fn has_null_member(branches: &[Vec<ValidationError<'_>>], at: &str) -> bool {
    branches.iter().any(|errors| match errors.as_slice() {
        [e] => {
            e.instance_path().as_str() == at
                && matches!(e.kind(), ValidationErrorKind::Type { kind: TypeKind::Single(t) } if t.to_string() == "null")
        }
        _ => false,
    })
}

/// The type mismatch of a null union's other member names null as allowed too: `expected
/// number or null`, one finding for the one root cause.
fn or_null(findings: &mut [Finding], at: &str) {
    for f in findings
        .iter_mut()
        .filter(|f| f.kind == Kind::TypeMismatch && f.pointer == at)
    {
        if let Some(rest) = f.message.strip_prefix("expected ") {
            if let Some((expected, found)) = rest.split_once(", found ") {
                f.message = format!("expected {expected} or null, found {found}");
            }
        }
    }
}

/// A union whose every member tags itself with a `const` (or one-value `enum`) at the same key —
/// Pydantic's discriminated unions, `oneOf` with a `discriminator` — and a value whose tag is none
/// of them: one root cause, the tag, not one failure per member.
fn unmatched_tag(branches: &[Vec<ValidationError<'_>>], at: &str) -> Option<Finding> {
    let mut tag_pointer: Option<String> = None;
    let mut tags: Vec<Value> = Vec::new();
    let mut found: Option<Value> = None;
    for errors in branches {
        let (pointer, expected, instance) = errors.iter().find_map(|e| {
            let pointer = e.instance_path().as_str();
            let key = pointer.strip_prefix(at)?.strip_prefix('/')?;
            if key.contains('/') {
                return None;
            }
            let expected = match e.kind() {
                ValidationErrorKind::Constant { expected_value } => (**expected_value).clone(),
                ValidationErrorKind::Enum { options } => match options.as_array() {
                    Some(one) if one.len() == 1 => one[0].clone(),
                    _ => return None,
                },
                _ => return None,
            };
            Some((
                pointer.to_string(),
                expected,
                e.instance().clone().into_owned(),
            ))
        })?;
        if tag_pointer.get_or_insert_with(|| pointer.clone()) != &pointer {
            return None;
        }
        tags.push(expected);
        found = Some(instance);
    }
    let (pointer, found) = (tag_pointer?, found?);
    if crate::secrecy::hides_pointer(&pointer) {
        return None; // a credential-named tag: the per-member findings hide its value
    }
    let key = pointer.rsplit('/').next().unwrap_or_default().to_string();
    let shown: Vec<String> = tags.iter().map(Value::to_string).collect();
    let mut f = finding(
        Kind::EnumMismatch,
        pointer,
        format!(
            "{} is not a known {key}: the union's members are tagged {}",
            shorten(&found),
            shown.join(", ")
        ),
    );
    f.suggestion = nearest_allowed(&found, &tags).map(|v| format!("did you mean {v}?"));
    Some(f)
}

/// A finding about a value under a credential-named key: what is wrong, never the value
/// (see [`crate::secrecy`]).
fn hidden_value(error: &ValidationError<'_>, body: TapeNode<'_>, pointer: String) -> Finding {
    let (kind, what) = match error.kind() {
        ValidationErrorKind::Type { kind } if instance_is_null(error, body) => (
            Kind::NullNotAllowed,
            format!(
                "null is not allowed here: expected {}",
                expected_types(kind)
            ),
        ),
        ValidationErrorKind::Type { kind } => (
            Kind::TypeMismatch,
            format!(
                "expected {}, found {}",
                expected_types(kind),
                found_type(error, body)
            ),
        ),
        ValidationErrorKind::Enum { .. } | ValidationErrorKind::Constant { .. } => (
            Kind::EnumMismatch,
            "the value is not one of the allowed values".to_string(),
        ),
        ValidationErrorKind::Format { format } => (
            Kind::FormatMismatch,
            format!("the value is not a valid {format}"),
        ),
        _ => (Kind::Constraint, BREAKS_A_CONSTRAINT.to_string()),
    };
    finding(
        kind,
        pointer,
        format!("{what} (the value is not shown: its key names a credential)"),
    )
}

/// Drops findings that follow from another: anything at or below a value whose type is wrong,
/// and exact repeats.
fn without_cascades(findings: Vec<Finding>) -> Vec<Finding> {
    let wrong_type: Vec<String> = findings
        .iter()
        .filter(|f| matches!(f.kind, Kind::TypeMismatch | Kind::NullNotAllowed))
        .map(|f| f.pointer.clone())
        .collect();
    let mut seen = HashSet::new();
    findings
        .into_iter()
        .filter(|f| {
            let shadowed = !matches!(f.kind, Kind::TypeMismatch | Kind::NullNotAllowed)
                && wrong_type
                    .iter()
                    .any(|p| f.pointer == *p || f.pointer.starts_with(&format!("{p}/")));
            !shadowed && seen.insert((f.kind, f.pointer.clone(), f.message.clone()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_enum_value() {
        let options = vec![Value::from("disabled"), Value::from("segments")];
        assert_eq!(
            nearest_allowed(&Value::from("disbled"), &options),
            Some(Value::from("disabled"))
        );
        assert_eq!(nearest_allowed(&Value::from("zzzzzzzzzz"), &options), None);
    }
}
