//! Validation throughput on a large NDJSON capture, next to a plain `serde_json` parse of the
//! same file.
//!
//! The input is made here (no fixture of that size is committed): 40,000 Kommo account
//! responses built from the document's example (`captures/docs/kommo-account.json`), one per
//! line, with a few percent drifted (an enum near-miss, a renamed key, a wrong type, a missing
//! required key). The target: validation costs at most about twice the parse on one core, and
//! uses every core.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use serde_json::Value;
use specsmith::validate::{Options, Validator};

const RESPONSES: usize = 40_000;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Writes the capture and returns its size in bytes.
fn make_capture(path: &Path) -> u64 {
    let example: Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("captures/docs/kommo-account.json"))
            .expect("the Kommo example"),
    )
    .expect("the example is JSON");
    // The example itself drifts (a top-level entity_names, an undocumented key): put it right
    // first, so only the injected few percent drift.
    let mut example = example;
    if let Some(map) = example.as_object_mut() {
        map.remove("mobile_feature_version");
        if let Some(names) = map.remove("entity_names") {
            if let Some(embedded) = map.get_mut("_embedded").and_then(Value::as_object_mut) {
                embedded.insert("entity_names".to_string(), names);
            }
        }
    }
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).expect("create"));
    for i in 0..RESPONSES {
        let mut body = example.clone();
        body["id"] = Value::from(30_000_000 + i as u64);
        match i % 100 {
            // About 4% drift, four kinds.
            7 => body["customers_mode"] = Value::from("disbled"),
            31 => {
                if let Some(map) = body.as_object_mut() {
                    if let Some(v) = map.remove("current_user_id") {
                        map.insert("current_user_ids".to_string(), v);
                    }
                }
            }
            53 => body["is_unsorted_on"] = Value::from("yes"),
            89 => {
                if let Some(map) = body.as_object_mut() {
                    map.remove("subdomain");
                }
            }
            _ => {}
        }
        let line = serde_json::json!({
            "method": "GET",
            "url": format!("https://team{}.kommo.com/api/v4/account?with=amojo_id,version", i % 50),
            "status": 200,
            "headers": {"content-type": "application/hal+json"},
            "body": body,
        });
        serde_json::to_writer(&mut out, &line).expect("write");
        out.write_all(b"\n").expect("write");
    }
    out.flush().expect("flush");
    std::fs::metadata(path).expect("metadata").len()
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
    let capture = dir.path().join("kommo-40k.ndjson");
    let bytes = make_capture(&capture);
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
