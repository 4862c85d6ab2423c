//! Evidence → additions: what each edit adds, where, and why; evidence too thin or
//! contradictory becomes a reason instead.

use std::collections::BTreeSet;

use serde_json::{json, Map, Value};

use crate::source::pointer_push;
use crate::spec::Spec;

use super::collect::{BodyEvidence, Evidence, PropertyEvidence};
use super::infer::{Dialect, Inferred};
use super::Edit;

/// Something to add to a spec: `add`'s members (an object) or items (an array) go into the
/// container at `pointer`, which may not exist yet.
#[derive(Debug, Clone)]
pub struct Addition {
    /// Index of the spec.
    pub spec: usize,
    /// The container's pointer.
    pub pointer: String,
    /// What goes in it.
    pub add: Value,
    /// The edit, as reported.
    pub edit: Edit,
    /// The problems it answers (they become not patched if the text cannot take the edit).
    pub problems: BTreeSet<String>,
}

/// Turns the evidence into additions, moving what cannot be documented into `not_patched`.
pub fn plan(specs: &[Spec], evidence: &mut Evidence, min_occurrences: usize) -> Vec<Addition> {
    let mut out = Vec::new();
    let properties = std::mem::take(&mut evidence.properties);
    for ((s, home, key), ev) in properties {
        let dialect = Dialect::of(&specs[s].document);
        match property_schema(&ev, dialect) {
            Err(reason) => refuse_all(evidence, &ev.problems, &reason),
            Ok(_) if thin(evidence, ev.seen.exchanges, &ev.problems, min_occurrences) => {}
            Ok(schema) => {
                let ops: Vec<&str> = ev.per_operation.keys().map(String::as_str).collect();
                let container = format!("{home}/properties");
                out.push(Addition {
                    spec: s,
                    edit: Edit::new(
                        specs,
                        s,
                        pointer_push(&container, &key),
                        format!("add property {key} ({})", describe(&schema)),
                        format!(
                            "unknown_property: sent by {} of {}",
                            plural(ev.seen.exchanges, "exchange"),
                            ops.join(", ")
                        ),
                        ev.seen.exchanges,
                    ),
                    pointer: container,
                    add: json!({ key: schema }),
                    problems: ev.problems,
                });
            }
        }
    }
    plan_bodies(specs, evidence, min_occurrences, &mut out);
    plan_parameters(specs, evidence, min_occurrences, &mut out);
    plan_enums(specs, evidence, min_occurrences, &mut out);
    out
}

/// The schema of a new property, unless the operations that sent it disagree.
fn property_schema(ev: &PropertyEvidence, dialect: Dialect) -> Result<Value, String> {
    let mut merged = Inferred::default();
    for inferred in ev.per_operation.values() {
        merged.merge(inferred);
    }
    merged.schema(dialect).map_err(|unsure| {
        let each: Vec<String> = ev
            .per_operation
            .iter()
            .filter_map(|(op, i)| {
                let types = i.types();
                (types.len() == 1).then(|| format!("{op} sends {}", types[0]))
            })
            .collect();
        if ev.per_operation.len() > 1 && each.len() == ev.per_operation.len() {
            format!(
                "operations sharing this schema disagree ({}), so nothing is patched there",
                each.join(", ")
            )
        } else {
            unsure.to_string()
        }
    })
}

fn plan_bodies(specs: &[Spec], evidence: &mut Evidence, min: usize, out: &mut Vec<Addition>) {
    let statuses = std::mem::take(&mut evidence.statuses);
    for ((s, op_pointer, status, media), ev) in statuses {
        let dialect = Dialect::of(&specs[s].document);
        let content = match body_content(&ev, &media, dialect, min) {
            Ok(c) => c,
            Err(reason) => {
                refuse_all(evidence, &ev.problems, &reason);
                continue;
            }
        };
        let mut response = Map::new();
        response.insert(
            "description".into(),
            json!(format!("Status {status}, as observed in recorded traffic.")),
        );
        if let Some(c) = content {
            response.insert("content".into(), c);
        }
        let container = format!("{op_pointer}/responses");
        out.push(Addition {
            spec: s,
            edit: Edit::new(
                specs,
                s,
                pointer_push(&container, &status),
                format!(
                    "add response {status}{}",
                    if media.is_empty() {
                        String::new()
                    } else {
                        format!(" ({media})")
                    }
                ),
                format!(
                    "undocumented_status: answered {}",
                    plural(ev.seen.exchanges, "exchange")
                ),
                ev.seen.exchanges,
            ),
            pointer: container,
            add: json!({ status: Value::Object(response) }),
            problems: ev.problems,
        });
    }
    let media_types = std::mem::take(&mut evidence.media);
    for ((s, response, media), ev) in media_types {
        let dialect = Dialect::of(&specs[s].document);
        let content = match body_content(&ev, &media, dialect, min) {
            Ok(Some(Value::Object(c))) => c,
            Ok(_) => continue,
            Err(reason) => {
                refuse_all(evidence, &ev.problems, &reason);
                continue;
            }
        };
        let container = format!("{response}/content");
        out.push(Addition {
            spec: s,
            edit: Edit::new(
                specs,
                s,
                pointer_push(&container, &media),
                format!("add media type {media}"),
                format!(
                    "undocumented_content_type: sent by {}",
                    plural(ev.seen.exchanges, "exchange")
                ),
                ev.seen.exchanges,
            ),
            pointer: container,
            add: Value::Object(content),
            problems: ev.problems,
        });
    }
}

/// `content` for a response from its observed bodies (`None` when there was no body).
fn body_content(
    ev: &BodyEvidence,
    media: &str,
    dialect: Dialect,
    min: usize,
) -> Result<Option<Value>, String> {
    if ev.seen.exchanges < min {
        return Err(too_few(ev.seen.exchanges, min));
    }
    if media.is_empty() {
        return Ok(None);
    }
    let mut one = Map::new();
    if ev.bodies.count > 0 {
        one.insert(
            "schema".into(),
            ev.bodies.schema(dialect).map_err(|u| u.to_string())?,
        );
    }
    Ok(Some(json!({ media: Value::Object(one) })))
}

fn plan_parameters(specs: &[Spec], evidence: &mut Evidence, min: usize, out: &mut Vec<Addition>) {
    let parameters = std::mem::take(&mut evidence.parameters);
    for ((s, op_pointer, location, _), ev) in parameters {
        let name = ev.name.clone();
        if thin(evidence, ev.seen.exchanges, &ev.problems, min) {
            continue;
        }
        let integer = !ev.values.is_empty() && ev.values.iter().all(|v| v.parse::<i64>().is_ok());
        let schema = json!({ "type": if integer { "integer" } else { "string" } });
        let container = format!("{op_pointer}/parameters");
        out.push(Addition {
            spec: s,
            edit: Edit::new(
                specs,
                s,
                container.clone(),
                format!(
                    "add {location} parameter {name} ({}, not required)",
                    describe(&schema)
                ),
                format!(
                    "undocumented_parameter: sent in {} of {}",
                    plural(ev.seen.exchanges, "exchange"),
                    ev.operation
                ),
                ev.seen.exchanges,
            ),
            pointer: container,
            add: json!([{ "name": name, "in": location, "required": false, "schema": schema }]),
            problems: ev.problems,
        });
    }
}

fn plan_enums(specs: &[Spec], evidence: &mut Evidence, min: usize, out: &mut Vec<Addition>) {
    let enums = std::mem::take(&mut evidence.enums);
    for ((s, schema), ev) in enums {
        if thin(evidence, ev.seen.exchanges, &ev.problems, min) {
            continue;
        }
        let shown: Vec<String> = ev.values.iter().map(Value::to_string).collect();
        let container = format!("{schema}/enum");
        out.push(Addition {
            spec: s,
            edit: Edit::new(
                specs,
                s,
                container.clone(),
                format!(
                    "add enum value{} {}",
                    if shown.len() == 1 { "" } else { "s" },
                    shown.join(", ")
                ),
                format!(
                    "enum_mismatch (--widen-enums): sent by {}",
                    plural(ev.seen.exchanges, "exchange")
                ),
                ev.seen.exchanges,
            ),
            pointer: container,
            add: Value::Array(ev.values),
            problems: ev.problems,
        });
    }
}

/// Sets every problem in `problems` aside as not patched, with `reason`.
pub fn refuse_all(evidence: &mut Evidence, problems: &BTreeSet<String>, reason: &str) {
    for id in problems {
        evidence.refuse_id(id, reason.to_string());
    }
}

/// Whether evidence from `seen` exchanges is fewer than `min`; if so its problems are set aside.
fn thin(evidence: &mut Evidence, seen: usize, problems: &BTreeSet<String>, min: usize) -> bool {
    let thin = seen < min;
    if thin {
        refuse_all(evidence, problems, &too_few(seen, min));
    }
    thin
}

fn too_few(seen: usize, min: usize) -> String {
    format!(
        "seen in {}, fewer than --min-occurrences {min}",
        plural(seen, "exchange")
    )
}

fn plural(n: usize, one: &str) -> String {
    format!("{n} {one}{}", if n == 1 { "" } else { "s" })
}

/// `integer`, `string, date-time`, `object`: a schema in a few words.
fn describe(schema: &Value) -> String {
    let ty = match schema.get("type") {
        Some(Value::String(t)) => t.clone(),
        Some(Value::Array(ts)) => ts
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join(" or "),
        _ => "any".to_string(),
    };
    let mut out = ty;
    if let Some(f) = schema.get("format").and_then(Value::as_str) {
        out.push_str(&format!(", {f}"));
    }
    if schema.get("nullable") == Some(&Value::Bool(true)) {
        out.push_str(", nullable");
    }
    out
}
