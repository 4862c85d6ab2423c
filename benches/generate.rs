//! Generation speed: the three specs of `spec/`, and GitHub's REST spec (3.6 MB of JSON, about
//! 900 operations), end to end in memory: load, codegen model, templates, prettyplease.
//!
//! The GitHub input is read from the shared corpus (`../shared/corpus`, or `SPECSMITH_CORPUS`);
//! without it that benchmark is skipped.

use std::hint::black_box;
use std::path::{Path, PathBuf};

use criterion::{criterion_group, criterion_main, Criterion};
use specsmith::codegen::{Generator, Input};

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
        })
        .collect();
    let output = generator
        .crate_files(&inputs, "bench", false)
        .expect("generates");
    output.files.iter().map(|f| f.contents.len()).sum()
}

fn github_spec() -> Option<PathBuf> {
    let corpus = std::env::var_os("SPECSMITH_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus"));
    let path = corpus.join("official/octokit__openapi/cache/api.github.com.json");
    path.is_file().then_some(path)
}

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
    if let Some(github) = github_spec() {
        let mut group = c.benchmark_group("large");
        group.sample_size(10);
        group.bench_function("generate api.github.com.json", |b| {
            b.iter(|| black_box(generate(&generator, std::slice::from_ref(&github))))
        });
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
                    specsmith::codegen::model::build(&spec, "github", "github")
                        .0
                        .types
                        .len(),
                )
            })
        });
        group.finish();
    } else {
        eprintln!("GitHub spec not found; set SPECSMITH_CORPUS to the corpus folder");
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
