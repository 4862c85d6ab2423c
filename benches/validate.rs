//! Validation throughput on a large NDJSON capture, next to a plain `serde_json` parse of the
//! same file.
//!
//! The input is made here (no fixture of that size is committed, see `common`): 40,000 Kommo
//! account exchanges with their request headers and query, a few percent drifted. The targets:
//! validation costs at most about twice the parse on one core and uses every core; request
//! checks and grouping into problems cost at most 15 % over the response-only run.
//!
//! Two more loads, each timed against the parse floor in the same run (issue 13): the Kommo
//! capture as Kommo sends it (the undocumented `mobile_feature_version` in every response: one
//! known problem on every exchange), and GitHub traffic against GitHub's 3.6 MB description
//! (`../shared/corpus`; skipped, loudly, without it). Before criterion's groups the bench prints
//! `ratio` lines: best of three wall times of validating (all threads) over the best of three
//! single-threaded `serde_json` parses, and the same for process CPU time (both threads' work
//! against the floor's one thread: the figure that holds when other builds share the machine).
//! Each load is timed twice: in process, one loaded `Validator` reused across rounds (the
//! steady state of a long capture), and end to end, the release `specsmith` binary run as a
//! user runs it (spec loading and first compiles included: what issue 13 asks of short runs).
//! `SPECSMITH_BENCH_RATIOS=1` prints only those; `SPECSMITH_BENCH_DIR=DIR` writes the inputs
//! there and keeps them (to profile the release binary on them).

use std::io::{BufRead, BufReader};
use std::path::Path;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use serde_json::Value;
use specsmith::validate::{Options, Validator};
use specsmith::ProblemSet;

mod common;

/// The allocator the `specsmith` binary runs with, settings included, so the ratios hold for
/// it (the parse floor uses it too).
#[path = "../src/allocator.rs"]
mod allocator;

use common::{github_capture, github_spec, kommo_capture, root, Drift};

const RESPONSES: usize = 40_000;
/// GitHub exchanges: about the size of the traffic issue 13 measured (21,300, 80 MB).
const GITHUB_EXCHANGES: usize = 21_300;

/// Whose CPU time [`cpu_seconds`] reads.
#[derive(Clone, Copy)]
enum Whose {
    /// This process: every thread, user and system.
    This,
    /// The children this process has waited for (the binary timed end to end).
    Children,
}

/// CPU time of `whose` so far, in seconds.
#[cfg(unix)]
fn cpu_seconds(whose: Whose) -> f64 {
    let who = match whose {
        Whose::This => libc::RUSAGE_SELF,
        Whose::Children => libc::RUSAGE_CHILDREN,
    };
    // SAFETY: getrusage only writes the struct it is given.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(who, &mut usage) };
    let seconds = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    seconds(usage.ru_utime) + seconds(usage.ru_stime)
}

/// Elsewhere CPU time is not measured: the CPU ratio reads 0/0.
#[cfg(not(unix))]
fn cpu_seconds(_: Whose) -> f64 {
    0.0
}

/// Best of three wall times and best of three CPU times (of `whose`) of `f`, in seconds.
fn best_of_three(whose: Whose, mut f: impl FnMut()) -> (f64, f64) {
    (0..3)
        .map(|_| {
            let (start, cpu) = (std::time::Instant::now(), cpu_seconds(whose));
            f();
            (start.elapsed().as_secs_f64(), cpu_seconds(whose) - cpu)
        })
        .fold((f64::INFINITY, f64::INFINITY), |(w, c), (w2, c2)| {
            (w.min(w2), c.min(c2))
        })
}

/// Prints validating `capture` against `spec` (all threads, findings grouped into problems)
/// over the single-threaded parse floor, measured here and now.
fn print_ratio(name: &str, spec: &Path, capture: &Path) {
    let mut spec = specsmith::spec::load(spec).expect("spec");
    spec.drop_examples(); // as `specsmith validate` does
    let specs = vec![spec];
    let options = Options {
        on_huge_entry: Some(allocator::huge_entry), // as the binary does
        ..Options::default()
    };
    let validator = Validator::new(&specs, options).expect("options");
    allocator::specs_loaded(); // as the binary does
    let paths = [capture.to_path_buf()];
    let mut problems = 0;
    let floor = best_of_three(Whose::This, || {
        parse_only(capture);
    });
    let validate = best_of_three(Whose::This, || {
        let mut set = ProblemSet::new();
        validator
            .run_with(&paths, &mut |d| {
                set.add(&d);
            })
            .expect("runs");
        problems = set.len();
    });
    eprintln!(
        "ratio {name}: validate {} ({problems} problems, {} threads)",
        against_floor(validate, floor),
        rayon::current_num_threads()
    );
}

/// `run`'s wall and CPU times (seconds) over the floor's, as the `ratio` lines print them.
fn against_floor(run: (f64, f64), floor: (f64, f64)) -> String {
    format!(
        "{:.2} s / parse floor {:.2} s = {:.2}x wall; CPU {:.2} s / {:.2} s = {:.2}x",
        run.0,
        floor.0,
        run.0 / floor.0,
        run.1,
        floor.1,
        run.1 / floor.1
    )
}

/// Prints what a user waits for: the `specsmith` binary run end to end (spec loaded, schemas
/// compiled as the traffic reaches them, the json report written) over the same parse floor.
/// The in-process ratio above reuses one loaded `Validator` and its compiled schemas across
/// rounds, so it leaves out what a run pays once.
fn print_end_to_end(name: &str, spec: &Path, capture: &Path) {
    let floor = best_of_three(Whose::This, || {
        parse_only(capture);
    });
    let best = best_of_three(Whose::Children, || {
        let status = std::process::Command::new(env!("CARGO_BIN_EXE_specsmith"))
            .arg("validate")
            .arg("--spec")
            .arg(spec)
            .args(["--format", "json"])
            .arg(capture)
            .stdout(std::process::Stdio::null())
            .status()
            .expect("the specsmith binary runs");
        assert!(
            matches!(status.code(), Some(0 | 1)),
            "specsmith validate failed: {status}"
        );
    });
    eprintln!(
        "ratio {name} end to end: the binary {}",
        against_floor(best, floor)
    );
}

/// The issue 13 loads: Kommo as sent, and GitHub when the corpus is there.
fn print_ratios(dir: &Path) {
    let kommo = dir.join("kommo-40k-undocumented.ndjson");
    let bytes = kommo_capture(&kommo, RESPONSES, Drift::Undocumented);
    eprintln!(
        "kommo as sent: {RESPONSES} responses, {:.1} MB",
        bytes as f64 / 1e6
    );
    let kommo_spec = root().join("spec/kommo.yaml");
    print_ratio("kommo-40k-undocumented", &kommo_spec, &kommo);
    print_end_to_end("kommo-40k-undocumented", &kommo_spec, &kommo);
    match github_spec() {
        Some(spec) => {
            let github = dir.join("github.ndjson");
            let bytes = github_capture(&spec, &github, GITHUB_EXCHANGES);
            eprintln!(
                "github: {GITHUB_EXCHANGES} exchanges, {:.1} MB",
                bytes as f64 / 1e6
            );
            print_ratio("github-21k", &spec, &github);
            print_end_to_end("github-21k", &spec, &github);
        }
        None => eprintln!(
            "SKIPPED the GitHub case: ../shared/corpus/official/octokit__openapi is not here"
        ),
    }
}

fn parse_only(path: &Path) -> usize {
    let reader = BufReader::new(std::fs::File::open(path).expect("open"));
    let mut n = 0;
    for line in reader.lines() {
        let line = line.expect("line");
        let value: Value = serde_json::from_str(&line).expect("json");
        n += usize::from(value.is_object());
    }
    n
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let kept = std::env::var_os("SPECSMITH_BENCH_DIR").map(std::path::PathBuf::from);
    // `cargo test --benches` runs this without `--bench`: no timing then.
    if std::env::args().any(|a| a == "--bench") {
        print_ratios(kept.as_deref().unwrap_or(dir.path()));
    }
    if std::env::var_os("SPECSMITH_BENCH_RATIOS").is_some() {
        return;
    }
    let capture = dir.path().join("kommo-40k.ndjson");
    let bytes = kommo_capture(&capture, RESPONSES, Drift::Few);
    eprintln!(
        "input: {RESPONSES} responses, {:.1} MB; {} threads available",
        bytes as f64 / 1e6,
        rayon::current_num_threads()
    );
    let specs = vec![specsmith::spec::load(&root().join("spec/kommo.yaml")).expect("spec")];
    let full = Validator::new(&specs, Options::default()).expect("options");
    let responses_only = Validator::new(
        &specs,
        Options {
            skip_requests: true,
            ..Options::default()
        },
    )
    .expect("options");
    let paths = [capture.clone()];
    // Round one: responses checked, findings counted. Round two: requests checked too, and
    // every finding grouped into problems as the CLI does.
    let count = |v: &Validator| {
        let mut n = 0usize;
        v.run_with(&paths, &mut |_| n += 1).expect("runs");
        n
    };
    let grouped = |v: &Validator| {
        let mut problems = ProblemSet::new();
        v.run_with(&paths, &mut |d| {
            problems.add(&d);
        })
        .expect("runs");
        problems.len()
    };
    eprintln!(
        "findings per run: {} responses only, {} with requests ({} problems)",
        count(&responses_only),
        count(&full),
        grouped(&full)
    );

    let mut group = c.benchmark_group("kommo-40k");
    group.sample_size(10);
    group.throughput(Throughput::Elements(RESPONSES as u64));
    group.bench_function("serde_json parse, 1 thread", |b| {
        b.iter(|| parse_only(&capture));
    });
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("pool");
    group.bench_function("validate responses, 1 thread", |b| {
        b.iter(|| one.install(|| count(&responses_only)));
    });
    group.bench_function("validate requests+responses, grouped, 1 thread", |b| {
        b.iter(|| one.install(|| grouped(&full)));
    });
    group.bench_function("validate responses, all threads", |b| {
        b.iter(|| count(&responses_only));
    });
    group.bench_function("validate requests+responses, grouped, all threads", |b| {
        b.iter(|| grouped(&full));
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
