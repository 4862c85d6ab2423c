//! Multi-file specs: relative-file `$ref`s are bundled into one document, and every pointer of
//! that document maps back to the file and the pointer it came from.
//!
//! Everything after loading (the model, lint, codegen, the validator) reads one JSON document
//! with local `#/...` references, so bundling happens once, at the loader's edge:
//! - a reference in a component position (schema, parameter, response, request body, header,
//!   example, link, callback, security scheme) gives its target one home under
//!   `/components/<section>/<name>` (named after the pointer's last segment or the file stem),
//!   and every reference to the same target is rewritten to that home; a component the root
//!   file defines as a bare `$ref` becomes the home itself, so its name stays. Recursion and
//!   cycles across files become local references, which lint's `cyclic_ref` already checks;
//! - a path item (which has no component section in OpenAPI 3.0) is copied where it is
//!   referenced; a chain of path items that comes back to itself is a `cyclic_ref` error;
//! - a `discriminator.mapping` value naming a file (`./Dog.yaml`) is rewritten to its schema's
//!   home, so the mapping still names the variant it meant.
//!
//! [`Parts`] records, for each place content was copied to, the file and pointer it came from,
//! so a finding at any bundled pointer is located in its own file. URLs are never fetched: they
//! stay as they are and lint reports them as `external_ref`. A reference that cannot be followed
//! (missing file, pointer that points at nothing) is a located `unresolved_ref` error kept in
//! [`Spec::ref_problems`](super::Spec), never dropped in silence.

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};

use serde_json::Value;

use crate::diagnostic::{Diagnostic, Kind};
use crate::source::{pointer_push, Location, SourceFile};

use super::refs::{
    collect_sites, component_section_of, deref, is_url, ref_pointer, Pos, RefError, Site,
};

/// Where each part of a bundled document came from.
#[derive(Debug, Clone)]
pub struct Parts {
    root: SourceFile,
    /// Bundled pointer of a copied subtree → its origin. The root file owns everything else.
    by_prefix: HashMap<String, Part>,
}

#[derive(Debug, Clone)]
struct Part {
    source: SourceFile,
    pointer: String,
}

/// A bundled pointer as the file it came from sees it.
#[derive(Debug, Clone)]
pub struct Place<'a> {
    /// The file.
    pub file: &'a Path,
    /// The pointer inside that file.
    pub pointer: String,
    /// Line and column in that file, when found.
    pub location: Option<Location>,
}

impl Parts {
    /// A spec of one file.
    pub fn single(root: SourceFile) -> Self {
        Parts {
            root,
            by_prefix: HashMap::new(),
        }
    }

    /// Whether any content came from another file.
    pub fn is_multi_file(&self) -> bool {
        !self.by_prefix.is_empty()
    }

    /// The file and pointer that the bundled `pointer` came from: the deepest copied subtree
    /// containing it, else the root file.
    pub fn place(&self, pointer: &str) -> Place<'_> {
        let found = crate::pointer::ancestors(pointer)
            .find_map(|prefix| Some((prefix, self.by_prefix.get(prefix)?)));
        if let Some((prefix, part)) = found {
            let pointer = format!("{}{}", part.pointer, &pointer[prefix.len()..]);
            return Place {
                file: part.source.path(),
                location: part.source.locate(&pointer),
                pointer,
            };
        }
        Place {
            file: self.root.path(),
            location: self.root.locate(pointer),
            pointer: pointer.to_string(),
        }
    }

    /// Sets `diagnostic`'s file, location and pointer from the bundled `pointer`.
    pub fn pin(&self, diagnostic: Diagnostic, pointer: &str) -> Diagnostic {
        let place = self.place(pointer);
        diagnostic
            .in_file(place.file)
            .at(place.location)
            .with_pointer(place.pointer)
    }
}

/// The outcome of bundling: where parts came from, and the references that could not be followed.
pub(super) struct Bundled {
    pub parts: Parts,
    pub problems: Vec<Diagnostic>,
    /// Those of `problems`' kind whose `$ref` stands where a schema goes.
    pub schema_problems: Vec<Diagnostic>,
    /// Whether the root named no other file, so bundling left it as it was read. Answered by
    /// the walk that decides whether to bundle at all: a second walk of GitHub's description
    /// was 4 % of its load.
    pub self_contained: bool,
}

/// Reads one referenced file into its text and value (the loader's reader, so YAML and JSON
/// are read the same way as the root).
pub(super) type ReadPart<'r> = &'r dyn Fn(&Path) -> Result<(SourceFile, Value), Box<Diagnostic>>;

/// Bundles the relative-file references of `document` (read from `root`) into it.
pub(super) fn bundle(root: &SourceFile, document: &mut Value, read: ReadPart<'_>) -> Bundled {
    let mut bundler = Bundler {
        root_path: normalize(root.path()),
        parts: Parts::single(root.clone()),
        files: HashMap::new(),
        homes: HashMap::new(),
        problems: Vec::new(),
        schema_problems: Vec::new(),
        read,
    };
    if !has_file_ref(document, Pos::Root) {
        return bundler.finish(document, true);
    }
    let mut queue = vec![Job {
        at: String::new(),
        file: bundler.root_path.clone(),
        pos: Pos::Root,
        chain: Vec::new(),
    }];
    while let Some(job) = queue.pop() {
        let Some(subtree) = document.pointer(&job.at) else {
            continue;
        };
        let mut sites = Vec::new();
        collect_sites(subtree, job.pos, &job.at, &mut sites);
        for site in sites {
            if let Some(next) = bundler.follow(document, &job, site) {
                queue.push(next);
            }
        }
    }
    bundler.finish(document, false)
}

/// One subtree to scan for references: where it stands in the bundle and which file it is from.
struct Job {
    at: String,
    file: PathBuf,
    pos: Pos,
    /// Path items copied on the way here (file, pointer), to stop a cycle of copies.
    chain: Vec<(PathBuf, String)>,
}

type Loaded = Result<(SourceFile, Value), String>;

struct Bundler<'r> {
    root_path: PathBuf,
    parts: Parts,
    files: HashMap<PathBuf, Loaded>,
    /// (file, pointer) → the bundled pointer of its one home.
    homes: HashMap<(PathBuf, String), String>,
    problems: Vec<Diagnostic>,
    schema_problems: Vec<Diagnostic>,
    read: ReadPart<'r>,
}

impl Bundler<'_> {
    /// Rewrites or copies one reference; returns the job that scans what was brought in.
    fn follow(&mut self, document: &mut Value, job: &Job, site: Site) -> Option<Job> {
        let (file, pointer) = match self.target(&job.file, &site.reference) {
            Target::Stay => return None,
            Target::Root(pointer) => {
                set_ref(document, &site.at, &pointer);
                return None;
            }
            Target::File(file, pointer) => (file, pointer),
        };
        self.reachable(&file, &pointer, &site)?;
        if let Some(home) = self.home_of(&file, &pointer) {
            set_ref(document, &site.at, &home);
            return None;
        }
        // Cloned only when it gets a place: most references find an existing home.
        let content = match self.files.get(&file) {
            Some(Ok((_, value))) => value.pointer(&pointer)?.clone(),
            _ => return None,
        };
        let key = (file.clone(), pointer.clone());
        let Some(section) = site.pos.section() else {
            return self.copy_in_place(document, job, site, key, content);
        };
        let home = if job.at.is_empty() && component_section_of(&site.at) == Some(section) {
            site.at.clone()
        } else {
            let home = self.free_home(document, section, &file, &pointer);
            set_ref(document, &site.at, &home);
            home
        };
        put(document, &home, content);
        self.homes.insert(key.clone(), home.clone());
        self.record(&home, &key);
        Some(Job {
            at: home,
            file,
            pos: site.pos.target(),
            chain: Vec::new(),
        })
    }

    /// Where a target already stands in the bundle: its own home, or a place inside the home of
    /// an ancestor (`pet.yaml#/properties/kind` inside `pet.yaml`'s), so it is not copied twice.
    fn home_of(&self, file: &Path, pointer: &str) -> Option<String> {
        crate::pointer::ancestors(pointer).find_map(|prefix| {
            let home = self.homes.get(&(file.to_path_buf(), prefix.to_string()))?;
            Some(format!("{home}{}", &pointer[prefix.len()..]))
        })
    }

    /// Copies a path item (or anything without a component section: data, a description)
    /// where it is referenced.
    fn copy_in_place(
        &mut self,
        document: &mut Value,
        job: &Job,
        site: Site,
        key: (PathBuf, String),
        content: Value,
    ) -> Option<Job> {
        if job.chain.contains(&key) {
            let mut names: Vec<String> = job.chain.iter().map(|k| self.shown(k)).collect();
            names.push(self.shown(&key));
            let d = Diagnostic::error(
                Kind::CyclicRef,
                format!("path item $ref cycle across files: {}", names.join(" -> ")),
            );
            self.problems
                .push(self.parts.pin(d, &pointer_push(&site.at, "$ref")));
            return None;
        }
        put(document, &site.at, content);
        self.record(&site.at, &key);
        let mut chain = job.chain.clone();
        chain.push(key.clone());
        Some(Job {
            at: site.at,
            file: key.0,
            pos: site.pos.target(),
            chain,
        })
    }

    fn record(&mut self, at: &str, (file, pointer): &(PathBuf, String)) {
        if let Some(Ok((source, _))) = self.files.get(file) {
            let part = Part {
                source: source.clone(),
                pointer: pointer.clone(),
            };
            self.parts.by_prefix.insert(at.to_string(), part);
        }
    }

    fn shown(&self, (file, pointer): &(PathBuf, String)) -> String {
        let name = file.file_name().map_or_else(
            || file.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        if pointer.is_empty() {
            name
        } else {
            format!("{name}#{pointer}")
        }
    }

    /// What a `$ref` written in `from` names.
    fn target(&self, from: &Path, reference: &str) -> Target {
        if is_url(reference) {
            return Target::Stay;
        }
        let (file_part, fragment) = reference.split_once('#').unwrap_or((reference, ""));
        let pointer = percent_encoding::percent_decode_str(fragment)
            .decode_utf8_lossy()
            .into_owned();
        let file = if file_part.is_empty() {
            from.to_path_buf()
        } else {
            let relative = percent_encoding::percent_decode_str(file_part).decode_utf8_lossy();
            let base = from.parent().unwrap_or(Path::new(""));
            normalize(&base.join(relative.as_ref()))
        };
        match (file == self.root_path, file_part.is_empty()) {
            (true, true) => Target::Stay,
            (true, false) => Target::Root(pointer),
            (false, _) => Target::File(file, pointer),
        }
    }

    /// Whether a reference names something (reading its file once), else a located problem at
    /// the reference.
    fn reachable(&mut self, file: &Path, pointer: &str, site: &Site) -> Option<()> {
        let read = self.read;
        let loaded = self
            .files
            .entry(file.to_path_buf())
            .or_insert_with(|| read(file).map_err(|d| read_failure(file, &d)));
        let message = match loaded {
            Ok((_, value)) => match value.pointer(pointer) {
                Some(_) => return Some(()),
                None => format!(
                    "$ref {:?} points at nothing: no {pointer} in {}",
                    site.reference,
                    file.display()
                ),
            },
            Err(reason) => format!("$ref {:?} cannot be followed: {reason}", site.reference),
        };
        if site.pos == Pos::Data {
            // Example data that merely looks like a reference stays as written.
            return None;
        }
        let d = Diagnostic::error(Kind::UnresolvedRef, message);
        let d = self.parts.pin(d, &pointer_push(&site.at, "$ref"));
        if site.pos == Pos::Schema {
            self.schema_problems.push(d);
        } else {
            self.problems.push(d);
        }
        None
    }

    /// A free `/components/<section>/<name>` for a target, named after its pointer's last
    /// segment or its file's stem.
    fn free_home(&self, document: &Value, section: &str, file: &Path, pointer: &str) -> String {
        let last = pointer.rsplit('/').next().filter(|s| !s.is_empty());
        let stem = file.file_stem().map(|s| s.to_string_lossy().into_owned());
        let wanted: String = last
            .map(str::to_string)
            .or(stem)
            .unwrap_or_else(|| "Part".to_string())
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        let taken = |name: &str| {
            let at = pointer_push(&format!("/components/{section}"), name);
            document.pointer(&at).is_some() || self.parts.by_prefix.contains_key(&at)
        };
        let mut name = wanted.clone();
        let mut n = 2;
        while taken(&name) {
            name = format!("{wanted}_{n}");
            n += 1;
        }
        pointer_push(&format!("/components/{section}"), &name)
    }

    /// Reports reference chains that come back to themselves outside schemas (schema cycles
    /// are lint's `cyclic_ref`), then hands over the parts.
    fn finish(mut self, document: &Value, self_contained: bool) -> Bundled {
        let mut homes: Vec<&String> = self
            .homes
            .values()
            .filter(|h| !h.starts_with("/components/schemas/"))
            .collect();
        homes.sort();
        for home in homes {
            let Some(value) = document.pointer(home) else {
                continue;
            };
            if let Err(RefError::Cycle(chain)) = deref(document, value, home) {
                // Reported once, at the cycle's first member.
                let repeated = chain.last().and_then(|r| chain.iter().position(|c| c == r));
                let members: Vec<String> = chain[repeated.unwrap_or(0)..chain.len() - 1]
                    .iter()
                    .filter_map(|r| ref_pointer(r).ok())
                    .collect();
                if members.iter().min() == Some(home) {
                    let d = Diagnostic::error(
                        Kind::CyclicRef,
                        format!("reference cycle across files: {}", chain.join(" -> ")),
                    );
                    self.problems.push(self.parts.pin(d, home));
                }
            }
        }
        Bundled {
            parts: self.parts,
            problems: self.problems,
            schema_problems: self.schema_problems,
            self_contained,
        }
    }
}

/// Why a referenced file could not be read, with the place in it when the parser named one: the
/// diagnostic stands at the `$ref`, so the part's own line goes into the message.
fn read_failure(file: &Path, d: &Diagnostic) -> String {
    match &d.location {
        Some(at) => format!(
            "{} (at {}:{}:{})",
            d.message,
            file.display(),
            at.line,
            at.column
        ),
        None => d.message.clone(),
    }
}

enum Target {
    /// A URL, or a local reference inside the root file: left as written.
    Stay,
    /// A pointer into the root file, written as a file reference.
    Root(String),
    /// A pointer into another file.
    File(PathBuf, String),
}

/// The path a file is known by, with `.` and `..` folded so `a/../b.yaml` and `b.yaml` are one
/// file. It stays relative when the root was given relative, so diagnostics name files the way
/// the user named the root.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            Component::CurDir => {}
            Component::ParentDir if out.file_name().is_some() => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// Rewrites the reference at `at` (a reference object's `$ref`, or a mapping value) to the local
/// pointer `pointer`.
fn set_ref(document: &mut Value, at: &str, pointer: &str) {
    let local = format!(
        "#{}",
        percent_encoding::utf8_percent_encode(pointer, FRAGMENT)
    );
    match document.pointer_mut(at) {
        Some(Value::Object(map)) => {
            map.insert("$ref".to_string(), Value::String(local));
        }
        Some(value @ Value::String(_)) => *value = Value::String(local),
        _ => {}
    }
}

/// Characters a `$ref` fragment must escape so [`super::refs::ref_pointer`] reads it back.
const FRAGMENT: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'<')
    .add(b'>')
    .add(b'`')
    .add(b'{')
    .add(b'}');

/// Puts `value` at `at`, creating the objects on the way (`/components/examples` may not exist).
fn put(document: &mut Value, at: &str, value: Value) {
    let segments = crate::source::pointer_segments(at);
    let mut node = document;
    for segment in &segments {
        node = match node {
            Value::Object(map) => map
                .entry(segment.clone())
                .or_insert_with(|| Value::Object(serde_json::Map::new())),
            Value::Array(items) => {
                match segment.parse::<usize>().ok().and_then(|i| items.get_mut(i)) {
                    Some(item) => item,
                    None => return,
                }
            }
            _ => return,
        };
    }
    *node = value;
}

/// Whether `document` names another file anywhere (a `$ref` or a discriminator mapping), so
/// that bundling changes it: the cheap early exit for one-file specs.
fn has_file_ref(value: &Value, pos: Pos) -> bool {
    match value {
        Value::Object(map) => {
            // `$ref` found among the members the walk reads anyway, not hashed for every object.
            let reference = map.iter().find(|(k, _)| *k == "$ref");
            if let Some(r) = reference.and_then(|(_, v)| v.as_str()) {
                return !r.starts_with('#') && !is_url(r);
            }
            map.iter().any(|(k, v)| has_file_ref(v, pos.child(k)))
        }
        Value::Array(items) => items.iter().any(|v| has_file_ref(v, pos.child(""))),
        Value::String(name) => pos == Pos::Mapping && super::refs::is_file_mapping(name),
        _ => false,
    }
}
