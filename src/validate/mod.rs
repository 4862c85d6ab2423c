//! Drift validation: capture → exchanges → match → compiled schema → findings.
//!
//! [`Validator`] is built once per run from the loaded specs (routes and a cache of compiled
//! schemas, both shared by every thread). [`Validator::run`] walks the capture paths in a fixed
//! order, cuts files into units with bounded memory, checks batches of units in parallel with
//! `rayon`, and gathers the findings in input order, so the output is the same on one core or
//! many.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use rayon::prelude::*;

pub use crate::diagnostic::OperationCounts;
use crate::diagnostic::{Diagnostic, ExchangeRef, Kind, Severity};
use crate::source::Location;
use crate::spec::model::{is_json_media, media_essence, Operation};
use crate::spec::Spec;

mod body_check;
mod capture;
mod compile;
mod coverage;
mod explain;
mod matcher;
mod request;
mod tape;
mod targets;

pub use capture::{Body, CaptureFormat, Exchange, Field, RawMeta, Request};
pub use coverage::Coverage;

use capture::{Masking, Unit};
use compile::Cache;
use coverage::{Hit, Observer};
use explain::Policy;
use matcher::{Base, MatchKind, Matched, NoMatch, Router};
use request::RequestChecks;

/// What a reader hands over: a unit to check, or a located reason it could not cut one.
type Item = Result<Unit, Box<Diagnostic>>;

/// Bytes per parallel batch, by [`weight`] (a unit that fills it closes the batch it joins).
/// Bounded by bytes, not units, so that memory does not depend on how long exchanges are: at
/// most three batches are alive: one being read, one being checked (with the parse trees its
/// threads hold), and the findings of the one before being reported. Smaller batches cost no CPU that the `validate` bench can see (512 KiB:
/// 150 to 200 Kommo or GitHub exchanges, enough to keep every core busy) and lower the peak:
/// with 1,024 units or 16 MiB per batch and two more queued, the batches in flight were most of
/// the heap on the Kommo load (BENCHMARKS.md).
const BATCH_BYTES: usize = 512 << 10;

/// Items gathered for the next parallel check, up to [`BATCH_BYTES`].
#[derive(Default)]
struct Batch {
    items: Vec<Item>,
    bytes: usize,
}

impl Batch {
    /// Adds `item`; the batch's items when they reach [`BATCH_BYTES`] (this one included).
    fn push(&mut self, item: Item) -> Option<Vec<Item>> {
        self.bytes += weight(&item);
        self.items.push(item);
        (self.bytes >= BATCH_BYTES).then(|| {
            self.bytes = 0;
            std::mem::take(&mut self.items)
        })
    }
}

/// What an item weighs in a batch: its text, and the unit's own size, so that a file of tiny
/// lines (or of unreadable ones, whose reason is a message and a location) is bounded too.
fn weight(item: &Item) -> usize {
    const REASON: usize = 256;
    std::mem::size_of::<Item>() + item.as_ref().map_or(REASON, |u| u.text.capacity())
}

/// How a run judges what it finds.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// `--strict`: undocumented and moved keys are errors.
    pub strict: bool,
    /// `--operation`/`--status` for raw bodies (they override `NAME.meta.json`).
    pub raw: RawMeta,
    /// Keep a list of every exchange checked (for reports with one entry per exchange).
    pub record_exchanges: bool,
    /// `--coverage`: count what the traffic exercised and which documented properties it never
    /// showed (one extra walk of each body).
    pub coverage: bool,
    /// Check responses only: no request checks (for comparing the cost of both in benchmarks).
    pub skip_requests: bool,
    /// `--server URL`: only exchanges under this base are checked, matched on the rest of their
    /// path; the others are skipped and counted in [`Stats::outside_server`].
    pub server: Option<String>,
    /// `--max-entry-mib`: the largest exchange (NDJSON line, HAR entry, raw body) read, in
    /// bytes; larger ones are reported and skipped. `None`: [`capture::MAX_UNIT_BYTES`].
    pub max_entry: Option<usize>,
    /// Called on the reader thread before the first exchange of [`HUGE_ENTRY`] bytes or more
    /// is checked: the binary then has its allocator return freed pages at once
    /// (`src/allocator.rs`), which the library, not choosing its users' allocator, cannot do.
    pub on_huge_entry: Option<fn()>,
}

/// An exchange this big (a 255 MB NDJSON line) frees buffers of its own size while it is
/// checked; see [`Options::on_huge_entry`].
pub const HUGE_ENTRY: usize = 64 << 20;

/// Which operation an exchange is counted under. It is indices, not a name: counting stays a
/// map lookup with no text built per exchange, and reports name it with [`OperationKey::label`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum OperationKey {
    /// `specs[spec].operations[operation]`.
    Operation {
        /// Index of the spec in the run's specs.
        spec: usize,
        /// Index of the operation in that spec.
        operation: usize,
    },
    /// Exchanges no operation answers.
    Unmatched,
}

impl OperationKey {
    /// How reports name it: `getAccount (kommo)` (the spec's stem tells apart operations of
    /// different specs that share an id), or `(unmatched)`.
    pub fn label(self, specs: &[Spec]) -> String {
        match self {
            OperationKey::Operation { spec, operation } => {
                let spec = &specs[spec];
                format!("{} ({})", spec.operations[operation].id, spec.stem())
            }
            OperationKey::Unmatched => crate::diagnostic::UNMATCHED.to_string(),
        }
    }
}

/// What a run checked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stats {
    /// Capture files read.
    pub files: usize,
    /// Exchanges read (parse errors excluded).
    pub exchanges: usize,
    /// Per operation, and for unmatched exchanges.
    pub per_operation: BTreeMap<OperationKey, OperationCounts>,
    /// Findings per kind.
    pub per_kind: BTreeMap<Kind, usize>,
    /// Exchanges skipped because their URL is not under `--server`.
    pub outside_server: usize,
}

impl Stats {
    /// The per-operation counts under the names reports show, in name order; `specs` are the
    /// specs the run checked against. Operations that share a name (a spec that repeats an
    /// operationId, which lint reports) share its counts.
    pub fn per_operation_named(&self, specs: &[Spec]) -> BTreeMap<String, OperationCounts> {
        let mut named: BTreeMap<String, OperationCounts> = BTreeMap::new();
        for (key, counts) in &self.per_operation {
            named.entry(key.label(specs)).or_default().merge(counts);
        }
        named
    }
}

/// The result of a run.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Findings in input order; empty after [`Validator::run_with`], which hands them to its
    /// sink instead.
    pub diagnostics: Vec<Diagnostic>,
    /// What the traffic exercised, with `Options::coverage`.
    pub coverage: Option<Coverage>,
    /// Counts.
    pub stats: Stats,
    /// Every exchange checked, in input order, when `Options::record_exchanges` is set.
    pub exchanges: Vec<(PathBuf, ExchangeRef)>,
}

/// A run could not proceed (exit 2).
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// A capture path does not exist or cannot be listed.
    #[error("cannot read capture {path}: {reason}")]
    Capture {
        /// The path given.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// `--operation` names no operation, or several.
    #[error("{0}")]
    Operation(String),
    /// `--server` is not a base URL.
    #[error("{0}")]
    Server(String),
}

/// One exchange as `validate` read, matched and checked it, for commands that act on the drift
/// (`specsmith patch` turns it into spec edits).
#[derive(Debug)]
pub struct Checked {
    /// The exchange as read.
    pub exchange: Exchange,
    /// The spec and operation (indices) it matched, if any.
    pub operation: Option<(usize, usize)>,
    /// What `validate` reports for it.
    pub diagnostics: Vec<Diagnostic>,
}

/// Matches and checks exchanges against a set of specs.
pub struct Validator<'s> {
    specs: &'s [Spec],
    router: Router,
    cache: Cache<'s>,
    observer: Option<Observer>,
    requests: RequestChecks<'s>,
    base: Option<Base>,
    options: Options,
}

/// What checking one unit gave.
#[derive(Default)]
struct UnitResult {
    diagnostics: Vec<Diagnostic>,
    /// What an exchange that was read is counted under.
    operation: Option<OperationKey>,
    /// Host and spec of a path-only match, for the once-per-host note.
    path_only: Option<(String, usize)>,
    anchor: Option<(PathBuf, Location, ExchangeRef)>,
    /// The exchange, for `Report::exchanges`.
    case: Option<(PathBuf, ExchangeRef)>,
    /// The operation and documented response it answered, for coverage.
    hit: Option<Hit>,
    /// Not under `--server`: skipped, only counted.
    outside_server: bool,
}

impl UnitResult {
    /// Masks what the result shows of `exchange`'s text, read with [`Masking::Lazy`] (see
    /// [`Exchange::mask_snippets`]): the snippets of its findings in its file (or in no file:
    /// when in doubt, mask) and of its anchor, every location the result holds. The exchange is
    /// dropped right after.
    fn mask_snippets(&mut self, exchange: &Exchange) {
        let file = exchange.file.as_path();
        let findings = self
            .diagnostics
            .iter_mut()
            .filter(|d| d.file.as_deref().is_none_or(|f| f == file))
            .filter_map(|d| d.location.as_mut());
        let anchor = self.anchor.as_mut().map(|(_, location, _)| location);
        exchange.mask_snippets(findings.chain(anchor));
    }
}

impl<'s> Validator<'s> {
    /// Prepares routes and an empty compile cache for `specs`.
    pub fn new(specs: &'s [Spec], options: Options) -> Result<Self, RunError> {
        let base = options
            .server
            .as_deref()
            .map(Base::parse)
            .transpose()
            .map_err(RunError::Server)?;
        let cache = Cache::new(specs);
        let validator = Validator {
            specs,
            router: Router::new(specs),
            observer: options.coverage.then(|| Observer::new(&cache)),
            cache,
            requests: RequestChecks::new(specs, options.strict),
            base,
            options,
        };
        if let Some(id) = &validator.options.raw.operation {
            validator.operation_by_id(id)?;
        }
        Ok(validator)
    }

    /// Finds `ID` or `STEM:ID` (`kommo:getAccount`) among the specs.
    pub fn operation_by_id(&self, id: &str) -> Result<(usize, usize), RunError> {
        let (stem, id) = match id.split_once(':') {
            Some((s, i)) => (Some(s), i),
            None => (None, id),
        };
        let found: Vec<(usize, usize)> = self
            .specs
            .iter()
            .enumerate()
            .filter(|(_, spec)| stem.is_none_or(|s| spec.stem() == s))
            .flat_map(|(s, spec)| {
                spec.operations
                    .iter()
                    .enumerate()
                    .filter(|(_, op)| op.id == id)
                    .map(move |(o, _)| (s, o))
            })
            .collect();
        match found.as_slice() {
            [one] => Ok(*one),
            [] => Err(RunError::Operation(format!(
                "--operation {id}: no operation with this id in the specs"
            ))),
            many => Err(RunError::Operation(format!(
                "--operation {id} is ambiguous: {}; write SPEC:ID",
                many.iter()
                    .map(|(s, _)| format!("{}:{id}", self.specs[*s].stem()))
                    .collect::<Vec<_>>()
                    .join(", ")
            ))),
        }
    }

    /// Validates every capture under `paths` (files, or folders walked recursively), keeping
    /// every finding in `Report::diagnostics`.
    pub fn run(&self, paths: &[PathBuf]) -> Result<Report, RunError> {
        let mut diagnostics = Vec::new();
        let mut report = self.run_with(paths, &mut |d| diagnostics.push(d))?;
        report.diagnostics = diagnostics;
        Ok(report)
    }

    /// Validates every capture under `paths`, handing each finding to `sink` in input order as
    /// soon as its batch is checked, so memory does not grow with the number of findings.
    pub fn run_with(
        &self,
        paths: &[PathBuf],
        sink: &mut dyn FnMut(Diagnostic),
    ) -> Result<Report, RunError> {
        let files = list_captures(paths)?;
        let mut acc = Accumulator {
            report: Report::default(),
            noted: HashSet::new(),
            specs: self.specs,
            record: self.options.record_exchanges,
            sink,
            coverage: self.options.coverage.then(coverage::Tally::default),
        };
        acc.report.stats.files = files.len();
        // Three stages run at once: a reader thread cuts files into the next batch, a checker
        // thread has the rayon pool check the batch before it, and this thread hands the
        // findings of the batch before that to the sink (a report emitter: about a tenth of the
        // work on the Kommo load, which left the pool idle while it ran in turn with the
        // checks). The rendezvous channels hold nothing in between, so each stage waits with
        // one batch until the next takes it, and at most one batch is in each stage.
        let (send, receive) = std::sync::mpsc::sync_channel::<Vec<Item>>(0);
        let (send_checked, checked) = std::sync::mpsc::sync_channel::<Vec<UnitResult>>(0);
        let raw = &self.options.raw;
        let max_entry = self.options.max_entry.unwrap_or(capture::MAX_UNIT_BYTES);
        std::thread::scope(|scope| {
            scope.spawn(move || {
                let mut batch = Batch::default();
                // The receiver only stops early if a later stage panicked: the scope re-raises
                // that panic, and the rest of the captures is not read.
                let mut stopped = false;
                let mut on_huge = self.options.on_huge_entry;
                for file in &files {
                    capture::read_file(file, raw, max_entry, &mut |item| {
                        if stopped {
                            return;
                        }
                        if item.as_ref().is_ok_and(|u| u.text.len() >= HUGE_ENTRY) {
                            if let Some(hook) = on_huge.take() {
                                hook();
                            }
                        }
                        if let Some(full) = batch.push(item) {
                            stopped = send.send(full).is_err();
                        }
                    });
                    if stopped {
                        return;
                    }
                }
                let _ = send.send(batch.items);
            });
            scope.spawn(move || {
                for mut batch in receive {
                    if send_checked.send(self.check_batch(&mut batch)).is_err() {
                        return; // the sink panicked
                    }
                }
            });
            for results in checked {
                for r in results {
                    acc.add(r);
                }
            }
        });
        for (key, pointer, error) in self.cache.failures() {
            let spec = &self.specs[key.spec];
            acc.push_diagnostic(spec.pin(
                Diagnostic::error(
                    Kind::InvalidSchema,
                    format!(
                        "the response schema of {} does not compile, so its bodies were not checked: {error}",
                        spec.operations[key.operation].id
                    ),
                ),
                pointer,
            ));
        }
        for (s, pointer, error) in self.requests.failures() {
            let spec = &self.specs[s];
            acc.push_diagnostic(spec.pin(
                Diagnostic::error(
                    Kind::InvalidSchema,
                    format!("this request schema does not compile, so its values were not checked: {error}"),
                ),
                pointer,
            ));
        }
        if let (Some(tally), Some(observer)) = (acc.coverage.take(), &self.observer) {
            acc.report.coverage = Some(tally.finish(self.specs, &self.cache, observer));
        }
        Ok(acc.report)
    }

    /// Reads, matches and checks every exchange under `paths` one by one, in input order,
    /// handing each with its findings to `each`; exchanges outside `--server` and units that
    /// are not readable exchanges are left out. Returns how many capture files were read.
    pub fn each_checked(
        &self,
        paths: &[PathBuf],
        each: &mut dyn FnMut(Checked),
    ) -> Result<usize, RunError> {
        let files = list_captures(paths)?;
        let max_entry = self.options.max_entry.unwrap_or(capture::MAX_UNIT_BYTES);
        for file in &files {
            capture::read_file(file, &self.options.raw, max_entry, &mut |item| {
                // Eager: the exchange itself is handed on, so its text must be masked already.
                let Some(exchange) = item
                    .ok()
                    .and_then(|u| capture::parse_unit(u, Masking::Eager).ok())
                else {
                    return;
                };
                let result = self.check_exchange(&exchange);
                if result.outside_server {
                    return;
                }
                let operation = self
                    .match_operation(&exchange)
                    .ok()
                    .map(|m| (m.spec, m.operation));
                each(Checked {
                    exchange,
                    operation,
                    diagnostics: result.diagnostics,
                });
            });
        }
        Ok(files.len())
    }

    /// Checks a batch on the rayon pool; the results in input order.
    fn check_batch(&self, batch: &mut Vec<Item>) -> Vec<UnitResult> {
        // Units are handed over, not lent: each becomes its exchange without a copy.
        batch
            .par_drain(..)
            .map(|item| match item {
                Ok(unit) => self.check_unit(unit),
                Err(d) => UnitResult {
                    diagnostics: vec![*d],
                    ..UnitResult::default()
                },
            })
            .collect()
    }

    fn check_unit(&self, unit: Unit) -> UnitResult {
        let entry = unit.entry;
        match capture::parse_unit(unit, Masking::Lazy) {
            Ok(exchange) => {
                let mut result = self.check_exchange(&exchange);
                result.mask_snippets(&exchange);
                result
            }
            Err(mut d) => {
                // A line or entry that is not a readable exchange still names its index.
                if entry.is_some() && d.exchange.is_none() {
                    d.exchange = Some(ExchangeRef {
                        entry,
                        ..ExchangeRef::default()
                    });
                }
                UnitResult {
                    diagnostics: vec![*d],
                    ..UnitResult::default()
                }
            }
        }
    }

    /// Checks one exchange: operation, status, media type, then the body.
    fn check_exchange(&self, ex: &Exchange) -> UnitResult {
        let file = ex.file.as_path();
        let mut exref = ExchangeRef {
            entry: ex.entry,
            method: (!ex.method.is_empty()).then(|| ex.method.clone()),
            url: (!ex.url.is_empty()).then(|| ex.shown_url().to_string()),
            operation: None,
            route: None,
            status: Some(ex.status),
            shape: None,
        };
        let Matched {
            spec: s,
            operation: o,
            kind,
            path_values,
        } = match self.match_operation(ex) {
            Ok(m) => m,
            Err(NoMatch::OutsideServer) => {
                return UnitResult {
                    outside_server: true,
                    ..UnitResult::default()
                }
            }
            Err(why) => return unmatched(ex, exref, why),
        };
        let spec = &self.specs[s];
        let op = &spec.operations[o];
        exref.operation = Some(op.id.clone());
        exref.route = Some(self.router.label(s, o).to_string());
        let mut result = UnitResult {
            diagnostics: Vec::new(),
            operation: Some(OperationKey::Operation {
                spec: s,
                operation: o,
            }),
            path_only: (kind == MatchKind::PathOnly)
                .then(|| (matcher::split_url(&ex.url).0.into_owned(), s)),
            // Only what the accumulator reads: the anchor of a path-only match (its note), the
            // exchange when they are recorded. An NDJSON anchor holds its whole line as the
            // snippet: a copy per exchange showed in the Kommo profile (2 % of the CPU).
            anchor: (kind == MatchKind::PathOnly)
                .then(|| (file.to_path_buf(), ex.anchor.location(), exref.clone())),
            case: self
                .options
                .record_exchanges
                .then(|| (file.to_path_buf(), exref.clone())),
            ..UnitResult::default()
        };
        if !self.options.skip_requests {
            let found = self
                .requests
                .check(self.specs, (s, o), ex, &path_values, &exref);
            result.diagnostics.extend(found);
        }
        let checked = self.check_status_and_media(ex, op, &exref, &mut result.diagnostics);
        if self.observer.is_some() {
            result.hit = Some(Hit {
                spec: s,
                operation: o,
                status: ex.status,
                response: checked.map(|(r, _)| r).or_else(|| {
                    let found = op.response_for(ex.status)?;
                    op.responses.iter().position(|x| std::ptr::eq(x, found))
                }),
                media: checked.map(|(_, m)| m),
            });
        }
        let Some((r, m)) = checked else {
            return result;
        };
        let response = &op.responses[r];
        let content_type = ex
            .content_type
            .as_deref()
            .filter(|c| !c.trim().is_empty())
            .unwrap_or(&response.content[m].name);
        let body = ex
            .body
            .as_ref()
            .filter(|b| !b.text.trim().is_empty() && is_json_media(content_type));
        if let Some(body) = body {
            let slot = compile::SlotKey {
                spec: s,
                operation: o,
                response: r,
                media: m,
            };
            let found = self.check_body(ex, body, slot, &exref);
            result.diagnostics.extend(found);
        }
        result
    }

    /// The operation an exchange answers (`--operation` for raw bodies, else its method and URL
    /// under `--server` or the spec's servers) and the text of its path variables.
    fn match_operation(&self, ex: &Exchange) -> Result<Matched, NoMatch> {
        match (&ex.operation, &self.base) {
            (Some(id), _) => self
                .operation_by_id(id)
                .map(|(spec, operation)| Matched {
                    spec,
                    operation,
                    kind: MatchKind::Full,
                    path_values: Vec::new(),
                })
                .map_err(|_| NoMatch::UnknownPath {
                    shape: String::new(),
                    stretch: None,
                }),
            (None, Some(base)) => self.router.find_under(base, &ex.method, &ex.url),
            (None, None) => self.router.find(&ex.method, &ex.url),
        }
    }

    /// Finds the documented response and media type; reports an undocumented status or media
    /// type. Returns the response and media indices whose schema the body is checked against.
    fn check_status_and_media(
        &self,
        ex: &Exchange,
        op: &Operation,
        exref: &ExchangeRef,
        out: &mut Vec<Diagnostic>,
    ) -> Option<(usize, usize)> {
        let Some((r, response)) = op.response_for(ex.status).and_then(|resp| {
            let r = op.responses.iter().position(|x| std::ptr::eq(x, resp))?;
            Some((r, resp))
        }) else {
            out.push(at_exchange(
                ex,
                exref,
                Kind::UndocumentedStatus,
                format!(
                    "status {} is not documented for {} (documented: {})",
                    ex.status,
                    op.id,
                    documented_statuses(op)
                ),
            ));
            return None;
        };
        if response.content.is_empty() {
            if ex.body.as_ref().is_some_and(|b| !b.text.trim().is_empty()) {
                let mut d = at_exchange(
                    ex,
                    exref,
                    Kind::UndocumentedContentType,
                    format!(
                        "status {} of {} documents no body, but the response has one ({})",
                        ex.status,
                        op.id,
                        ex.content_type.as_deref().unwrap_or("no Content-Type")
                    ),
                );
                d.suggestion =
                    Some("document the body in the spec, or drop it on the server".to_string());
                out.push(d);
            }
            return None;
        }
        // No recorded Content-Type: the documented one is assumed (many loggers drop headers).
        let Some(ct) = ex.content_type.as_deref().filter(|c| !c.trim().is_empty()) else {
            return Some((r, 0));
        };
        let exact = response
            .media_type_for(ct)
            .and_then(|found| response.content.iter().position(|m| std::ptr::eq(m, found)));
        if exact.is_none() {
            let essence = media_essence(ct);
            let documented: Vec<&str> = response.content.iter().map(|m| m.name.as_str()).collect();
            let mut d = at_exchange(
                ex,
                exref,
                Kind::UndocumentedContentType,
                format!(
                    "media type {essence} is not documented for status {} of {} (documented: {})",
                    ex.status,
                    op.id,
                    documented.join(", ")
                ),
            );
            d.suggestion = Some(format!(
                "send {} or document {essence} for this status",
                documented.join(" or ")
            ));
            out.push(d);
        }
        // A JSON body under an undocumented JSON type (`application/json` where `hal+json` is
        // documented) is still checked against the documented JSON schema, so the body's own
        // drift is not hidden behind the media type.
        let m = exact.or_else(|| {
            let found = crate::spec::media::to_check(&response.content, ct)?;
            response.content.iter().position(|m| std::ptr::eq(m, found))
        })?;
        Some((r, m))
    }

    /// Parses and validates a JSON body against the compiled schema of `slot`; findings are
    /// located in the capture and ordered by their place in the body.
    fn check_body(
        &self,
        ex: &Exchange,
        body: &capture::Body,
        slot: compile::SlotKey,
        exref: &ExchangeRef,
    ) -> Vec<Diagnostic> {
        let tape = match body_check::json_value(body) {
            Ok(v) => v,
            Err(e) => return vec![unparsable(ex, body, exref, &e)],
        };
        let value = tape.root(&body.text);
        let Some(compiled) = self.cache.get(self.specs, slot) else {
            return Vec::new();
        };
        if let Some(observer) = &self.observer {
            observer.observe(&self.cache, slot, compiled, value);
        }
        let policy = Policy {
            strict: self.options.strict,
        };
        let findings = explain::check(compiled, value, policy);
        let spans = body_check::Spans::new(body, findings.len());
        body_check::locate(body, findings, |f| spans.of_target(&f.target))
            .into_iter()
            .map(|located| to_diagnostic(located, ex, body, exref))
            .collect()
    }
}

/// The `parse_error` of a response body that is not JSON, located where it goes wrong.
fn unparsable(
    ex: &Exchange,
    body: &capture::Body,
    exref: &ExchangeRef,
    e: &serde_json::Error,
) -> Diagnostic {
    let location =
        body_check::parse_error_location(body, e).unwrap_or_else(|| ex.anchor.location());
    let mut d = at_exchange(
        ex,
        exref,
        Kind::ParseError,
        format!(
            "the response body is not valid JSON: {}",
            capture::serde_message(e)
        ),
    )
    .at(Some(location));
    if body.origin.is_none() {
        let (line, column) = crate::source::json_error_position(&body.text, e);
        d.notes.push(format!(
            "at line {line} column {column} of the decoded body"
        ));
    }
    d
}

/// A response body finding as reported: at its key or value in the body when the body stands
/// verbatim in the file, else at the exchange.
fn to_diagnostic(
    located: body_check::Located,
    ex: &Exchange,
    body: &capture::Body,
    exref: &ExchangeRef,
) -> Diagnostic {
    let f = located.finding;
    let key = f.key();
    let mut d = Diagnostic::new(f.kind, f.severity, f.message)
        .in_file(ex.file.as_path())
        .with_pointer(f.pointer)
        .at(Some(
            located.location.unwrap_or_else(|| ex.anchor.location()),
        ));
    d.key = key;
    d.suggestion = f.suggestion;
    d.notes = f.notes;
    d.exchange = Some(exref.clone());
    if body.origin.is_none() {
        d.notes.push(
            "the body is stored base64-encoded in the capture, so the exchange is shown instead of the key".to_string(),
        );
    }
    d
}

/// The finding for an exchange no operation answers. It groups by the route's shape, so one
/// baseline entry absorbs every id and ref of one unknown route.
fn unmatched(ex: &Exchange, mut exref: ExchangeRef, why: NoMatch) -> UnitResult {
    let (_, path) = matcher::split_url(ex.shown_url());
    let method = &ex.method;
    let (message, shape, suggestion) = match why {
        NoMatch::WrongMethod { allowed, shape } => (
            format!(
                "no operation for {method} {path}: the spec documents {} for this path",
                allowed.join(", ")
            ),
            shape,
            None,
        ),
        NoMatch::UnknownPath {
            shape,
            stretch: Some(s),
        } => (
            format!(
                "no operation matches {method} {path}; it would match {} if {{{}}} could span several segments",
                s.route, s.variable
            ),
            shape,
            Some(format!(
                "if the value may contain `/`, mark the `{}` parameter `x-multi-segment: true` in the spec; otherwise the client should percent-encode `/` as `%2F`",
                s.variable
            )),
        ),
        NoMatch::UnknownPath { shape, .. } => {
            (format!("no operation matches {method} {path}"), shape, None)
        }
        NoMatch::OutsideServer => (
            format!("no operation matches {method} {path}"),
            String::new(),
            None,
        ),
    };
    exref.shape = (!shape.is_empty()).then_some(shape);
    let mut d = at_exchange(ex, &exref, Kind::UnmatchedOperation, message);
    if let Some(s) = suggestion {
        d = d.with_suggestion(s);
    }
    UnitResult {
        diagnostics: vec![d],
        operation: Some(OperationKey::Unmatched),
        case: Some((ex.file.to_path_buf(), exref)),
        ..UnitResult::default()
    }
}

/// An error about the exchange as a whole, located at its start in the capture.
fn at_exchange(ex: &Exchange, exref: &ExchangeRef, kind: Kind, message: String) -> Diagnostic {
    let mut d = Diagnostic::error(kind, message)
        .in_file(ex.file.as_path())
        .at(Some(ex.anchor.location()));
    d.exchange = Some(exref.clone());
    d
}

fn documented_statuses(op: &Operation) -> String {
    let list: Vec<String> = op.responses.iter().map(|r| r.status.as_string()).collect();
    if list.is_empty() {
        "none".to_string()
    } else {
        list.join(", ")
    }
}

/// URLs as reports show them: see [`crate::secrecy`], the one redaction policy.
pub use crate::secrecy::redact_url;

struct Accumulator<'s, 'k> {
    report: Report,
    noted: HashSet<(PathBuf, String)>,
    specs: &'s [Spec],
    record: bool,
    sink: &'k mut dyn FnMut(Diagnostic),
    coverage: Option<coverage::Tally>,
}

impl Accumulator<'_, '_> {
    fn push_diagnostic(&mut self, d: Diagnostic) {
        *self.report.stats.per_kind.entry(d.kind).or_default() += 1;
        (self.sink)(d);
    }

    fn add(&mut self, r: UnitResult) {
        if let (Some(tally), Some(hit)) = (&mut self.coverage, r.hit) {
            tally.add(hit, r.diagnostics.iter().map(crate::problem::problem_id));
        }
        if r.outside_server {
            self.report.stats.outside_server += 1;
        }
        if self.record {
            if let Some(case) = &r.case {
                self.report.exchanges.push(case.clone());
            }
        }
        if let Some(key) = r.operation {
            self.report.stats.exchanges += 1;
            let stats = self.report.stats.per_operation.entry(key).or_default();
            stats.exchanges += 1;
            for d in &r.diagnostics {
                stats.add_finding(d.severity);
            }
        }
        if let (Some((host, s)), Some((file, location, exref))) = (&r.path_only, &r.anchor) {
            if self.noted.insert((file.clone(), host.clone())) {
                let spec = &self.specs[*s];
                let servers: Vec<&str> = spec.servers.iter().map(|s| s.url.as_str()).collect();
                let shown = if host.is_empty() {
                    "a relative URL"
                } else {
                    host.as_str()
                };
                let mut d = Diagnostic::new(
                    Kind::MatchedByPath,
                    Severity::Info,
                    format!(
                        "{shown} is not one of {}'s servers ({}); matched on the path alone",
                        spec.source
                            .path()
                            .file_name()
                            .map_or_else(|| spec.stem(), |n| n.to_string_lossy().into_owned()),
                        servers.join(", ")
                    ),
                )
                .in_file(file)
                .at(Some(location.clone()));
                d.exchange = Some(exref.clone());
                d.notes.push(format!(
                    "said once per file and host: later exchanges with {shown} in this file match the same way"
                ));
                self.push_diagnostic(d);
            }
        }
        for d in r.diagnostics {
            self.push_diagnostic(d);
        }
    }
}

/// The capture files under `paths`, in a stable order: each path in the order given, folders
/// walked recursively in name order, only files with a capture extension inside folders.
pub fn list_captures(paths: &[PathBuf]) -> Result<Vec<PathBuf>, RunError> {
    let mut out = Vec::new();
    for path in paths {
        let meta = std::fs::metadata(path).map_err(|e| RunError::Capture {
            path: path.clone(),
            reason: e.to_string(),
        })?;
        if meta.is_dir() {
            walk_dir(path, &mut out)?;
        } else {
            out.push(path.clone());
        }
    }
    Ok(out)
}

/// Walks a folder in name order. Symbolic links to folders and hidden folders (`.git`) are not
/// followed, so a link cycle cannot make the walk endless.
fn walk_dir(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), RunError> {
    let mut entries: Vec<(PathBuf, bool)> = std::fs::read_dir(dir)
        .map_err(|e| RunError::Capture {
            path: dir.to_path_buf(),
            reason: e.to_string(),
        })?
        .filter_map(|e| {
            let e = e.ok()?;
            let real_dir = e.file_type().ok()?.is_dir();
            Some((e.path(), real_dir))
        })
        .collect();
    entries.sort();
    for (path, real_dir) in entries {
        let hidden = path
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with('.'));
        if real_dir {
            if !hidden {
                walk_dir(&path, out)?;
            }
        } else if CaptureFormat::of(&path).is_some() && path.is_file() {
            out.push(path);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(text: String) -> Item {
        Ok(Unit {
            file: std::sync::Arc::new(PathBuf::from("t.ndjson")),
            entry: Some(0),
            text,
            origin: capture::Origin::file_start(),
            kind: capture::UnitKind::NdjsonLine,
        })
    }

    /// Sizes of the batches `items` are cut into (the last one, possibly short, included).
    fn batch_sizes(items: impl Iterator<Item = Item>) -> Vec<usize> {
        let mut batch = Batch::default();
        let mut sizes: Vec<usize> = items
            .filter_map(|i| batch.push(i))
            .map(|b| b.len())
            .collect();
        sizes.push(batch.items.len());
        sizes
    }

    /// Memory in flight is bounded by bytes: a file of tiny lines (or of unreadable ones) does
    /// not make a batch of unbounded length, and a huge line goes to the checks at once, not
    /// held back for more.
    #[test]
    fn batches_are_bounded_by_bytes_whatever_the_units() {
        let tiny = batch_sizes((0..100_000).map(|_| line("{}".into())));
        let per_batch = BATCH_BYTES / std::mem::size_of::<Item>();
        assert!(tiny.iter().all(|&n| n <= per_batch), "{tiny:?}");
        assert!(tiny.len() > 100_000 / per_batch, "{tiny:?}");
        let reasons = batch_sizes(
            (0..100_000).map(|_| Err(Box::new(Diagnostic::error(Kind::ParseError, "not JSON")))),
        );
        assert!(reasons.iter().all(|&n| n <= per_batch), "{reasons:?}");
        let huge = "x".repeat(BATCH_BYTES);
        let mixed = [line("{}".into()), line(huge), line("{}".into())];
        assert_eq!(batch_sizes(mixed.into_iter()), [2, 1]);
    }

    /// `validate` drops the spec's `components.examples` to save memory: the findings, their
    /// locations in the spec and their problem ids stay the same.
    #[test]
    fn findings_do_not_depend_on_the_specs_examples() {
        let text = r##"{"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {
            "/a": {"get": {"operationId": "a", "responses": {"200": {"description": "ok",
                "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/A"},
                    "examples": {"one": {"$ref": "#/components/examples/one"}}}}}}}}},
            "components": {
                "schemas": {"A": {"type": "object", "required": ["id"],
                    "properties": {"id": {"type": "integer"}, "example": {"type": "string"}}}},
                "examples": {"one": {"value": {"id": 1, "example": "x"}}}}}"##;
        let dir = tempfile::tempdir().expect("tempdir");
        let capture = dir.path().join("c.ndjson");
        std::fs::write(
            &capture,
            r#"{"method":"GET","url":"https://h/a","status":200,"headers":{"content-type":"application/json"},"body":{"id":"x","example":2,"extra":true}}"#,
        )
        .expect("write");
        let findings = |drop: bool| {
            let mut spec = crate::spec::load_str(Path::new("t.json"), text.into()).expect("loads");
            if drop {
                spec.drop_examples();
                assert!(spec.document["components"].get("examples").is_none());
            }
            let specs = [spec];
            let validator = Validator::new(&specs, Options::default()).expect("validator");
            let report = validator.run(std::slice::from_ref(&capture)).expect("runs");
            let shown: Vec<String> = report
                .diagnostics
                .iter()
                .map(|d| {
                    format!(
                        "{:?} {} {:?} {:?}",
                        d.kind, d.message, d.pointer, d.location
                    )
                })
                .collect();
            shown
        };
        let kept = findings(false);
        assert_eq!(kept.len(), 3, "{kept:#?}");
        assert_eq!(findings(true), kept);
    }

    /// Counts are keyed by indices and named at the end; two operations that share an id in
    /// one spec (lint reports it) share one line rather than one hiding the other.
    #[test]
    fn per_operation_counts_are_named_late_and_merge_on_a_shared_name() {
        let text = r#"{"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {
            "/a": {"get": {"operationId": "twice", "responses": {"200": {"description": "ok"}}}},
            "/b": {"get": {"operationId": "twice", "responses": {"200": {"description": "ok"}}}}
        }}"#;
        let spec = crate::spec::load_str(Path::new("dup.json"), text.to_string()).expect("loads");
        let specs = [spec];
        let mut stats = Stats::default();
        for (operation, exchanges) in [(0, 2), (1, 3)] {
            let key = OperationKey::Operation { spec: 0, operation };
            stats.per_operation.entry(key).or_default().exchanges = exchanges;
        }
        stats
            .per_operation
            .entry(OperationKey::Unmatched)
            .or_default()
            .exchanges = 1;
        let named = stats.per_operation_named(&specs);
        let names: Vec<(&str, usize)> = named
            .iter()
            .map(|(name, s)| (name.as_str(), s.exchanges))
            .collect();
        assert_eq!(names, [("(unmatched)", 1), ("twice (dup)", 5)]);
    }

    #[test]
    fn secrets_in_query_strings_are_redacted() {
        assert_eq!(
            redact_url("https://h/x?access_token=abc&with=a,b&api_key=k#f"),
            "https://h/x?access_token=REDACTED&with=a,b&api_key=REDACTED#f"
        );
        assert_eq!(redact_url("https://h/x"), "https://h/x");
    }
}
