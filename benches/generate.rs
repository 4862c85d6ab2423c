//! Generation speed: the three specs of `spec/`, and the corpus' three large vendor specs
//! (GitHub's REST spec, 3.6 MB of JSON; Stripe's, 4.1 MB of YAML; Twilio's, 1.5 MB of YAML), end
//! to end in memory: load, codegen model, templates, prettyplease.
//!
//! The large inputs are read from the shared corpus (`../shared/corpus`, or `SPECSMITH_CORPUS`);
//! without it those benchmarks are skipped.
//!
//! `load … as 3.0` / `as 3.1` load the same document under both version lines (only its
//! `openapi` field differs), so their ratio is what the 3.1 loader costs against the 3.0 one on
//! the same bytes.

use std::hint::black_box;
use std::path::{Path, PathBuf};

use criterion::{criterion_group, criterion_main, Criterion};
use specsmith::codegen::{Generator, Input};
use specsmith::spec::OpenApiVersion;

fn generate(generator: &Generator, paths: &[PathBuf]) -> usize {
    let specs: Vec<_> = paths
        .iter()
        .map(|p| specsmith::spec::load(p).expect("spec loads"))
        .collect();
    let inputs: Vec<Input<'_>> = specs
        .iter()
        .map(|spec| Input {
            spec,
            source: spec.source.path().display().to_string(),
            name: None,
        })
        .collect();
    let output = generator
        .crate_files(&inputs, "bench", false)
        .expect("generates");
    output.files.iter().map(|f| f.contents.len()).sum()
}

/// A spec of the shared corpus by its path there, if the corpus is present.
fn corpus_spec(relative: &str) -> Option<PathBuf> {
    let corpus = std::env::var_os("SPECSMITH_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus"));
    let path = corpus.join(relative);
    path.is_file().then_some(path)
}

/// The large vendor specs: (benchmark label, path in the corpus).
const LARGE: &[(&str, &str)] = &[
    (
        "api.github.com.json",
        "official/octokit__openapi/cache/api.github.com.json",
    ),
    (
        "stripe spec3.yaml",
        "official/stripe__openapi/openapi/spec3.yaml",
    ),
    (
        "twilio_api_v2010.yaml",
        "official/twilio__twilio-oai/spec/yaml/twilio_api_v2010.yaml",
    ),
];

fn bench(c: &mut Criterion) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let generator = Generator::new(None).expect("templates load");
    let specs: Vec<PathBuf> = ["espocrm", "kommo", "v4marketing"]
        .iter()
        .map(|s| root.join(format!("spec/{s}.yaml")))
        .collect();
    c.bench_function("generate the three specs", |b| {
        b.iter(|| black_box(generate(&generator, &specs)))
    });
    let mut group = c.benchmark_group("large");
    group.sample_size(10);
    for (label, relative) in LARGE {
        match corpus_spec(relative) {
            Some(path) => {
                group.bench_function(format!("generate {label}"), |b| {
                    b.iter(|| black_box(generate(&generator, std::slice::from_ref(&path))))
                });
            }
            None => eprintln!("{label} not found; set SPECSMITH_CORPUS to the corpus folder"),
        }
    }
    if let Some(github) = corpus_spec(LARGE[0].1) {
        // The stages, to see where the time goes: loading (shared with lint and validate) and
        // the codegen model; templates and formatting are the rest.
        group.bench_function("stage: load api.github.com.json", |b| {
            b.iter(|| {
                black_box(
                    specsmith::spec::load(&github)
                        .expect("loads")
                        .operations
                        .len(),
                )
            })
        });
        let spec = specsmith::spec::load(&github).expect("loads");
        group.bench_function("stage: model of api.github.com.json", |b| {
            b.iter(|| {
                black_box(
                    specsmith::codegen::build(&spec, "github", "github")
                        .0
                        .types
                        .len(),
                )
            })
        });
    }
    // Locating one finding in a large YAML spec, from a fresh load each time (no index yet):
    // generating Stripe raises one warning, and this is what placing it costs.
    if let Some(stripe) = corpus_spec(LARGE[1].1) {
        // Its one warning: the multipart body of `POST /v1/files`, at line 61,311 of 110,140.
        let pointer = "/paths/~1v1~1files/post/requestBody/content/multipart~1form-data";
        group.bench_function("stage: locate one pointer in stripe spec3.yaml", |b| {
            b.iter_batched(
                || specsmith::spec::load(&stripe).expect("loads").source,
                |source| black_box(source.locate(pointer).map(|l| l.line)),
                criterion::BatchSize::LargeInput,
            )
        });
    }
    group.finish();
    bench_load_by_version(c);
}

/// The same text with `openapi: 3.0.x` and with `openapi: 3.1.0`.
fn both_versions(path: &Path) -> (String, String) {
    let text = std::fs::read_to_string(path).expect("spec reads");
    let v31 = text
        .replacen("openapi: 3.0.3", "openapi: 3.1.0", 1)
        .replacen("\"openapi\": \"3.0.3\"", "\"openapi\": \"3.1.0\"", 1);
    assert_ne!(
        text,
        v31,
        "{} names its version as expected",
        path.display()
    );
    (text, v31)
}

fn bench_load_by_version(c: &mut Criterion) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut inputs = vec![("espocrm.yaml", root.join("spec/espocrm.yaml"))];
    if let Some(github) = corpus_spec(LARGE[0].1) {
        inputs.push(("api.github.com.json", github));
    }
    let mut group = c.benchmark_group("load by version");
    group.sample_size(10);
    for (label, path) in inputs {
        let (v30, v31) = both_versions(&path);
        for (version, text) in [(OpenApiVersion::V3_0, v30), (OpenApiVersion::V3_1, v31)] {
            let spec = specsmith::spec::load_str(&path, text.clone()).expect("loads");
            assert_eq!(spec.openapi_version, version);
            let version = if version == OpenApiVersion::V3_0 {
                "3.0"
            } else {
                "3.1"
            };
            group.bench_function(format!("load {label} as {version}"), |b| {
                b.iter(|| {
                    let spec = specsmith::spec::load_str(&path, text.clone()).expect("loads");
                    black_box(spec.operations.len())
                })
            });
        }
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
