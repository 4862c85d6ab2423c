//! `specsmith patch`: observed drift → a reviewed, format-preserving spec change.
//!
//! The pipeline reuses `validate` whole (readers, matcher, `--server`, findings), then:
//!
//! ```text
//! checked exchanges ─ collect (evidence per spec place; what is never documented, and why)
//!                   ─ plan (inferred schemas → additions) ─ text insertions ─ diff or files
//! ```
//!
//! An edit only ever inserts text: the spec's own bytes (key order, comments, quoting, flow or
//! block style, line ends, a missing final newline) stay as they were. Where that is not
//! possible (flow collections that must grow, anchors, aliases) nothing is proposed there and
//! the reason is reported.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::Value;

use crate::diagnostic::Kind;
use crate::source::{pointer_segments, SourceFormat};
use crate::spec::Spec;
use crate::validate::{RunError, Validator};

mod collect;
mod infer;
mod json;
mod observe;
mod plan;
mod yaml;

/// How patch decides.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// `--widen-enums`: values outside an enum that are not near-misses become enum values.
    pub widen_enums: bool,
    /// `--min-occurrences N`: an edit needs this many exchanges behind it.
    pub min_occurrences: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            widen_enums: false,
            min_occurrences: 1,
        }
    }
}

/// One proposed edit.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Edit {
    /// The spec file, as loaded.
    pub file: PathBuf,
    /// Where the new thing lands in the spec document.
    pub pointer: String,
    /// What is added.
    pub what: String,
    /// The finding it answers and the traffic behind it.
    pub why: String,
    /// Exchanges that showed it.
    pub evidence: usize,
}

impl Edit {
    fn new(
        specs: &[Spec],
        s: usize,
        pointer: String,
        what: String,
        why: String,
        evidence: usize,
    ) -> Self {
        Edit {
            file: specs[s].source.path().to_path_buf(),
            pointer,
            what,
            why,
            evidence,
        }
    }
}

/// A finding patch leaves to a person, with the reason.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct NotPatched {
    /// The finding's problem id (as `validate` and baselines name it).
    pub problem: String,
    /// The finding's kind.
    pub kind: Kind,
    /// The operation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operation: Option<String>,
    /// The finding's pointer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pointer: Option<String>,
    /// The key it is about.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// The finding's message.
    pub message: String,
    /// Why no edit is proposed.
    pub reason: String,
    /// How many times it was found.
    pub occurrences: usize,
}

/// A spec file before and after the edits.
#[derive(Debug, Clone)]
pub struct FileChange {
    /// The spec file, as loaded.
    pub path: PathBuf,
    /// The text as read (byte for byte).
    pub before: String,
    /// The text with the edits.
    pub after: String,
}

/// What a patch run proposes.
#[derive(Debug, Clone, Default)]
pub struct Patch {
    /// Edits, by file and pointer.
    pub edits: Vec<Edit>,
    /// Findings left to a person.
    pub not_patched: Vec<NotPatched>,
    /// Changed files.
    pub files: Vec<FileChange>,
    /// Exchanges read.
    pub exchanges: usize,
    /// Capture files read.
    pub capture_files: usize,
}

/// Reads the captures through `validator` and proposes the edits that document their drift.
pub fn propose(
    specs: &[Spec],
    validator: &Validator<'_>,
    captures: &[PathBuf],
    options: Options,
) -> Result<Patch, RunError> {
    let mut evidence = collect::Evidence::default();
    let capture_files = validator.each_checked(captures, &mut |checked| {
        evidence.add(specs, &checked, options.widen_enums);
    })?;
    let additions = plan::plan(specs, &mut evidence, options.min_occurrences.max(1));
    let mut patch = Patch {
        exchanges: evidence.exchanges,
        capture_files,
        ..Patch::default()
    };
    let mut by_spec: BTreeMap<usize, Vec<plan::Addition>> = BTreeMap::new();
    for a in additions {
        by_spec.entry(a.spec).or_default().push(a);
    }
    for (s, additions) in by_spec {
        let (change, edits) = edit_file(&specs[s], additions, &mut evidence);
        patch.edits.extend(edits);
        patch.files.extend(change);
    }
    patch
        .edits
        .sort_by(|a, b| (&a.file, &a.pointer).cmp(&(&b.file, &b.pointer)));
    patch.not_patched = evidence.not_patched();
    Ok(patch)
}

/// Additions to one container, merged.
struct Group {
    pointer: String,
    add: Value,
    additions: Vec<plan::Addition>,
}

/// The deepest existing container for `pointer`, with `add` wrapped in what is missing on the
/// way (a new `properties` or `parameters` entry).
fn existing_container(document: &Value, pointer: &str, add: Value) -> (String, Value) {
    let mut pointer = pointer.to_string();
    let mut add = add;
    while document.pointer(&pointer).is_none() && !pointer.is_empty() {
        let segments = pointer_segments(&pointer);
        let Some(last) = segments.last() else { break };
        let mut wrapped = serde_json::Map::new();
        wrapped.insert(last.clone(), add);
        add = Value::Object(wrapped);
        pointer = pointer[..pointer.rfind('/').unwrap_or(0)].to_string();
    }
    (pointer, add)
}

/// Merges `more` into `into`: members of objects recursively, items of arrays appended.
fn merge(into: &mut Value, more: Value) {
    match (into, more) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, v) in b {
                match a.get_mut(&k) {
                    Some(existing) => merge(existing, v),
                    None => {
                        a.insert(k, v);
                    }
                }
            }
        }
        (Value::Array(a), Value::Array(b)) => a.extend(b),
        (slot, other) => *slot = other,
    }
}

/// Applies the additions to one spec's text; additions whose container cannot take them are
/// set aside with the reason.
fn edit_file(
    spec: &Spec,
    additions: Vec<plan::Addition>,
    evidence: &mut collect::Evidence,
) -> (Option<FileChange>, Vec<Edit>) {
    let text = spec.source.text();
    let (insertions, placed) = place(spec, group(&spec.document, additions), evidence);
    if insertions.is_empty() {
        return (None, Vec::new());
    }
    let after = splice(text, insertions);
    if let Err(reason) = reads_back(spec, &after, &placed) {
        for a in placed.into_iter().flat_map(|g| g.additions) {
            plan::refuse_all(evidence, &a.problems, &reason);
        }
        return (None, Vec::new());
    }
    let edits = placed
        .into_iter()
        .flat_map(|g| g.additions)
        .map(|a| a.edit)
        .collect();
    let bom = std::fs::read(spec.source.path())
        .map(|b| b.starts_with(b"\xEF\xBB\xBF"))
        .unwrap_or(false);
    let with_bom = |t: &str| {
        if bom {
            format!("\u{feff}{t}")
        } else {
            t.to_string()
        }
    };
    (
        Some(FileChange {
            path: spec.source.path().to_path_buf(),
            before: with_bom(text),
            after: with_bom(&after),
        }),
        edits,
    )
}

/// Additions gathered by the existing container they go into.
fn group(document: &Value, additions: Vec<plan::Addition>) -> Vec<Group> {
    let mut groups: Vec<Group> = Vec::new();
    for a in additions {
        let (pointer, add) = existing_container(document, &a.pointer, a.add.clone());
        match groups.iter_mut().find(|g| g.pointer == pointer) {
            Some(g) => {
                merge(&mut g.add, add);
                g.additions.push(a);
            }
            None => groups.push(Group {
                pointer,
                add,
                additions: vec![a],
            }),
        }
    }
    groups
}

/// The text insertion of each group (with its depth, for ordering at one offset), and the
/// groups that got one; the others are set aside with the reason.
fn place(
    spec: &Spec,
    groups: Vec<Group>,
    evidence: &mut collect::Evidence,
) -> (Vec<(yaml::Insertion, usize)>, Vec<Group>) {
    let text = spec.source.text();
    let style = yaml::Style::of(text);
    let index = (spec.source.format() == SourceFormat::Yaml).then(|| yaml::Index::new(text));
    let mut insertions = Vec::new();
    let mut placed = Vec::new();
    for g in groups {
        let part = spec.parts.place(&g.pointer).file;
        if part != spec.source.path() {
            // A multi-file spec: the text at hand is the root's, and this place is another file's.
            let reason = format!(
                "the place is in {}, a part of a multi-file spec; patch edits only the root file",
                part.display()
            );
            for a in &g.additions {
                plan::refuse_all(evidence, &a.problems, &reason);
            }
            continue;
        }
        let found = match &index {
            Some(index) => yaml::insert(text, index, &style, &g.pointer, &g.add),
            None => json::insert(text, &spec.document, &style, &g.pointer, &g.add),
        };
        match found {
            Ok(ins) => {
                insertions.push((ins, g.pointer.matches('/').count()));
                placed.push(g);
            }
            Err(reason) => {
                for a in &g.additions {
                    plan::refuse_all(evidence, &a.problems, &reason);
                }
            }
        }
    }
    (insertions, placed)
}

/// The text with every insertion made.
fn splice(text: &str, mut insertions: Vec<(yaml::Insertion, usize)>) -> String {
    // At one offset, the deeper container's lines come first: they close it before the outer
    // container's new entries.
    insertions.sort_by(|(a, da), (b, db)| a.offset.cmp(&b.offset).then(db.cmp(da)));
    let mut after = String::with_capacity(text.len() + 256);
    let mut at = 0;
    for (ins, _) in &insertions {
        after.push_str(&text[at..ins.offset]);
        after.push_str(&ins.text);
        at = ins.offset;
    }
    after.push_str(&text[at..]);
    after
}

/// Reads the edited text back as the loader would and checks it holds exactly the old document
/// plus the additions: a safety net under the text insertions, so a YAML corner case can never
/// turn into a wrong spec.
fn reads_back(spec: &Spec, after: &str, placed: &[Group]) -> Result<(), String> {
    let mut expected = spec.document.clone();
    for g in placed {
        if let Some(container) = expected.pointer_mut(&g.pointer) {
            merge(container, g.add.clone());
        }
    }
    let reread = crate::spec::load_str(spec.source.path(), after.to_string()).map_err(|d| {
        format!(
            "the edited file would not load ({}); nothing is proposed in it",
            d.message
        )
    })?;
    if reread.document == expected {
        Ok(())
    } else {
        Err(
            "the edited file would not read back as the intended change; nothing is proposed in it"
                .to_string(),
        )
    }
}

/// `path` relative to `cwd` when it lies under it, as `git apply` wants.
pub fn relative_to(path: &Path, cwd: &Path) -> PathBuf {
    let absolute = if path.is_absolute() {
        path.to_path_buf()
    } else {
        cwd.join(path)
    };
    absolute
        .strip_prefix(cwd)
        .map(Path::to_path_buf)
        .unwrap_or_else(|_| path.to_path_buf())
}

/// A unified diff of every changed file, `a/` and `b/` prefixed, paths relative to `cwd`.
pub fn unified_diff(files: &[FileChange], cwd: &Path) -> String {
    let mut out = String::new();
    for f in files {
        let shown = relative_to(&f.path, cwd)
            .to_string_lossy()
            .replace('\\', "/");
        let diff = similar::TextDiff::from_lines(&f.before, &f.after);
        out.push_str(&format!("diff --git a/{shown} b/{shown}\n"));
        out.push_str(
            &diff
                .unified_diff()
                .context_radius(3)
                .header(&format!("a/{shown}"), &format!("b/{shown}"))
                .to_string(),
        );
    }
    out
}

/// The human summary: edits per file, exchanges read, and each finding left to a person. It
/// lives beside [`unified_diff`]: the CLI prints the two, and tests compare them.
pub fn summary(p: &Patch, applied: bool, cwd: &Path) -> String {
    let files: Vec<String> = p
        .files
        .iter()
        .map(|f| relative_to(&f.path, cwd).display().to_string())
        .collect();
    let mut out = format!(
        "patch: {} {} in {} from {} {} ({} {})\n",
        p.edits.len(),
        if p.edits.len() == 1 { "edit" } else { "edits" },
        if files.is_empty() {
            "no file".to_string()
        } else {
            files.join(", ")
        },
        p.exchanges,
        if p.exchanges == 1 {
            "exchange"
        } else {
            "exchanges"
        },
        if applied { "applied" } else { "proposed" },
        if applied { "in place" } else { "as a diff" },
    );
    for e in &p.edits {
        out.push_str(&format!(
            "  {} {}: {} ({})\n",
            relative_to(&e.file, cwd).display(),
            e.pointer,
            e.what,
            e.why
        ));
    }
    for n in &p.not_patched {
        let at = match (&n.pointer, &n.key) {
            (Some(p), Some(k)) => crate::source::pointer_push(p, k),
            (Some(p), None) => p.clone(),
            _ => String::new(),
        };
        out.push_str(&format!(
            "not patched: {} {at}{} [{}]: {}\n",
            n.kind.as_str(),
            n.operation
                .as_deref()
                .map(|o| format!(" in {o}"))
                .unwrap_or_default(),
            n.problem,
            n.reason
        ));
    }
    out
}
