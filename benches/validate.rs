//! Validation throughput on a large NDJSON capture, next to a plain `serde_json` parse of the
//! same file.
//!
//! The input is made here (no fixture of that size is committed, see `common`): 40,000 Kommo
//! account exchanges with their request headers and query, a few percent drifted. The targets:
//! validation costs at most about twice the parse on one core and uses every core; request
//! checks and grouping into problems cost at most 15 % over the response-only run.

use std::io::{BufRead, BufReader};
use std::path::Path;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use serde_json::Value;
use specsmith::problem::ProblemSet;
use specsmith::validate::{Options, Validator};

mod common;

use common::{kommo_capture, root, Drift};

const RESPONSES: usize = 40_000;

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
