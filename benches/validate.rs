//! Validation throughput on a large NDJSON capture, next to a plain `serde_json` parse of the
//! same file.
//!
//! The input is made here (no fixture of that size is committed): 40,000 Kommo account
//! responses built from the document's example (`captures/docs/kommo-account.json`), one per
//! line, with a few percent drifted (an enum near-miss, a renamed key, a wrong type, a missing
//! required key). The target: validation costs at most about twice the parse on one core, and
//! uses every core.

use std::io::{BufRead, BufReader};
use std::path::Path;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use serde_json::Value;
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
    let validator = Validator::new(&specs, Options::default()).expect("options");
    let paths = [capture.clone()];
    let errors = validator.run(&paths).expect("runs").diagnostics.len();
    eprintln!("findings per run: {errors}");

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
    group.bench_function("validate, 1 thread", |b| {
        b.iter(|| one.install(|| validator.run(&paths).expect("runs").diagnostics.len()));
    });
    group.bench_function("validate, all threads", |b| {
        b.iter(|| validator.run(&paths).expect("runs").diagnostics.len());
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
