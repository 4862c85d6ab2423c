//! `specsmith patch`: drift becomes a diff that `git apply` takes, that only inserts lines, that
//! documents what the traffic really carries and never a typo, and after which `validate` is
//! quiet about what was patched and a second run proposes nothing.

use std::path::{Path, PathBuf};
use std::process::Command;

use specsmith::patch::{self, Options, Patch};
use specsmith::validate::{self, Validator};
use specsmith::{Kind, Spec};

use crate::validate::root;

fn fixture(name: &str) -> PathBuf {
    root().join("tests/fixtures/patch").join(name)
}

fn load(paths: &[PathBuf]) -> Vec<Spec> {
    paths
        .iter()
        .map(|p| specsmith::spec::load(p).expect("spec loads"))
        .collect()
}

fn propose(specs: &[PathBuf], captures: &[PathBuf], options: Options) -> Patch {
    let specs = load(specs);
    let validator = Validator::new(&specs, validate::Options::default()).expect("options");
    patch::propose(&specs, &validator, captures, options).expect("captures readable")
}

fn bundled_specs() -> Vec<PathBuf> {
    ["espocrm", "kommo", "v4marketing"]
        .iter()
        .map(|s| root().join(format!("spec/{s}.yaml")))
        .collect()
}

/// The diff and the human summary, paths relative to the checkout.
fn render(p: &Patch, base: &Path) -> String {
    format!(
        "{}\n----- stderr -----\n{}",
        patch::unified_diff(&p.files, base),
        patch::summary(p, false, base)
    )
}

/// Copies `files` (relative to `from`) into a fresh temporary folder.
fn copy_into(from: &Path, files: &[&str]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for f in files {
        let to = dir.path().join(f);
        std::fs::create_dir_all(to.parent().expect("parent")).expect("mkdir");
        std::fs::copy(from.join(f), &to).expect("copy");
    }
    dir
}

/// `git apply --check` accepts `diff` in `dir`, which holds the files as before the patch.
fn assert_git_applies(dir: &Path, diff: &str) {
    let mut child = Command::new("git")
        .args(["apply", "--check", "-"])
        .current_dir(dir)
        .stdin(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("git runs");
    std::io::Write::write_all(child.stdin.as_mut().expect("stdin"), diff.as_bytes())
        .expect("diff written");
    let out = child.wait_with_output().expect("git finishes");
    assert!(
        out.status.success(),
        "git apply --check refused the diff: {}\n{diff}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Every change is an insertion: the old text is the new one with characters left out.
fn assert_only_insertions(p: &Patch) {
    for f in &p.files {
        let diff = similar::TextDiff::from_chars(&f.before, &f.after);
        for op in diff.ops() {
            assert!(
                matches!(
                    op,
                    similar::DiffOp::Equal { .. } | similar::DiffOp::Insert { .. }
                ),
                "{}: {op:?}",
                f.path.display()
            );
        }
    }
}

fn reason_of(p: &Patch, key: &str) -> String {
    p.not_patched
        .iter()
        .find(|n| {
            n.key.as_deref() == Some(key) || n.pointer.as_deref().is_some_and(|x| x.ends_with(key))
        })
        .map(|n| n.reason.clone())
        .unwrap_or_else(|| panic!("{key} is listed as not patched"))
}

#[test]
fn bundled_specs_document_mobile_feature_version_and_never_the_typo() {
    let p = propose(
        &bundled_specs(),
        &[root().join("captures")],
        Options::default(),
    );
    let text = render(&p, &root());
    insta::assert_snapshot!(text);
    let diff = patch::unified_diff(&p.files, &root());
    assert!(diff.contains("+        mobile_feature_version:\n+          type: integer"));
    assert!(!diff.contains("date_formant"));
    assert!(reason_of(&p, "date_formant").contains("likely a rename of the documented date_format"));
    assert_only_insertions(&p);
    let copy = copy_into(
        &root(),
        &[
            "spec/espocrm.yaml",
            "spec/kommo.yaml",
            "spec/v4marketing.yaml",
        ],
    );
    assert_git_applies(copy.path(), &diff);
}

#[test]
fn awkward_yaml_keeps_its_comments_quoting_and_flow_style() {
    let options = Options {
        widen_enums: true,
        ..Options::default()
    };
    let p = propose(
        &[fixture("awkward.yaml")],
        &[fixture("awkward.ndjson")],
        options,
    );
    insta::assert_snapshot!(render(&p, &root()));
    assert_only_insertions(&p);
    let copy = copy_into(&root(), &["tests/fixtures/patch/awkward.yaml"]);
    assert_git_applies(copy.path(), &patch::unified_diff(&p.files, &root()));
    // The flow schema would have to be rewritten: nothing is proposed there, and it says why.
    assert!(reason_of(&p, "extra").contains("flow style"));
}

#[test]
fn a_shared_component_is_patched_once_and_disagreement_patches_nothing() {
    let p = propose(
        &[fixture("awkward.yaml")],
        &[fixture("awkward.ndjson")],
        Options::default(),
    );
    let email: Vec<_> = p
        .edits
        .iter()
        .filter(|e| e.pointer.ends_with("/email"))
        .collect();
    assert_eq!(email.len(), 1, "{email:?}");
    assert_eq!(
        email[0].pointer,
        "/components/schemas/User/properties/email"
    );
    assert_eq!(email[0].evidence, 2);
    assert!(reason_of(&p, "nickname").contains("getTeam sends string, getUser sends integer"));
    assert!(!p.edits.iter().any(|e| e.pointer.contains("nickname")));
    // A header sent in two spellings is one parameter, named as first sent.
    let trace: Vec<_> = p
        .edits
        .iter()
        .filter(|e| e.what.to_ascii_lowercase().contains("x-trace"))
        .collect();
    assert_eq!(trace.len(), 1, "{trace:?}");
    assert!(trace[0].what.contains("header parameter X-Trace") && trace[0].evidence == 2);
    // A credential in the query is never documented.
    assert!(!p.edits.iter().any(|e| e.what.contains("api_key")));
    assert!(!patch::unified_diff(&p.files, &root()).contains("api_key"));
}

#[test]
fn enums_widen_only_when_asked_and_never_for_a_near_miss() {
    let without = propose(
        &[fixture("awkward.yaml")],
        &[fixture("awkward.ndjson")],
        Options::default(),
    );
    assert!(!without.edits.iter().any(|e| e.pointer.ends_with("/enum")));
    assert!(reason_of(&without, "/owner/mode").contains("--widen-enums"));
    let with = propose(
        &[fixture("awkward.yaml")],
        &[fixture("awkward.ndjson")],
        Options {
            widen_enums: true,
            ..Options::default()
        },
    );
    let widened: Vec<_> = with
        .edits
        .iter()
        .filter(|e| e.pointer.ends_with("/enum"))
        .collect();
    assert_eq!(widened.len(), 1);
    assert!(widened[0].what.contains("\"archived\""), "{:?}", widened[0]);
    assert!(reason_of(&with, "/members/0/mode").contains("near-miss"));
}

#[test]
fn min_occurrences_holds_back_thin_evidence() {
    let p = propose(
        &[fixture("awkward.yaml")],
        &[fixture("awkward.ndjson")],
        Options {
            min_occurrences: 2,
            ..Options::default()
        },
    );
    let kept: Vec<&str> = p.edits.iter().map(|e| e.pointer.as_str()).collect();
    assert!(
        kept.contains(&"/components/schemas/User/properties/email"),
        "{kept:?}"
    );
    assert!(!kept.iter().any(|k| k.ends_with("/created")), "{kept:?}");
    assert!(reason_of(&p, "created").contains("fewer than --min-occurrences 2"));
}

#[test]
fn crlf_and_a_missing_final_newline_survive() {
    let text = std::fs::read_to_string(fixture("awkward.yaml")).expect("fixture");
    let text = text
        .trim_end()
        .trim_end_matches("# the end of the file")
        .trim_end();
    let crlf = text.replace('\n', "\r\n");
    let dir = tempfile::tempdir().expect("temp dir");
    let spec = dir.path().join("awkward.yaml");
    std::fs::write(&spec, &crlf).expect("written");
    let p = propose(&[spec], &[fixture("awkward.ndjson")], Options::default());
    assert!(!p.edits.is_empty());
    let after = &p.files[0].after;
    assert!(!after.ends_with('\n'), "no final newline was added");
    assert_eq!(
        after.matches('\n').count(),
        after.matches("\r\n").count(),
        "every line ends in CRLF"
    );
    assert!(after.ends_with("        scores:\r\n          type: array\r\n          items:\r\n            type: object\r\n            properties:\r\n              at:\r\n                type: string\r\n                format: date\r\n              points:\r\n                type: number"));
    assert_only_insertions(&p);
    assert_git_applies(dir.path(), &patch::unified_diff(&p.files, dir.path()));
}

#[test]
fn a_json_spec_gets_nested_objects_and_arrays_in_its_own_indentation() {
    let p = propose(
        &[fixture("nested.json")],
        &[fixture("nested.ndjson")],
        Options::default(),
    );
    insta::assert_snapshot!(render(&p, &root()));
    let after: serde_json::Value = serde_json::from_str(&p.files[0].after).expect("still JSON");
    let props = &after["components"]["schemas"]["Order"]["properties"];
    assert_eq!(props["customer"]["properties"]["address"]["nullable"], true);
    assert_eq!(
        props["lines"]["items"]["properties"]["price"]["type"],
        "number"
    );
    assert_eq!(props["placed_at"]["format"], "date-time");
    assert_only_insertions(&p);
    let copy = copy_into(&root(), &["tests/fixtures/patch/nested.json"]);
    assert_git_applies(copy.path(), &patch::unified_diff(&p.files, &root()));
}

/// Problem ids and kinds `validate` reports for `captures` against the specs in `dir/spec`.
fn problems(specs: &[PathBuf], captures: &[PathBuf]) -> Vec<(String, Kind)> {
    let specs = load(specs);
    let validator = Validator::new(&specs, validate::Options::default()).expect("options");
    let report = validator.run(captures).expect("captures readable");
    let mut out: Vec<(String, Kind)> = specsmith::group(&report.diagnostics)
        .into_iter()
        .map(|p| (p.id, p.kind))
        .collect();
    out.sort();
    out
}

#[test]
fn round_trip_on_the_bundled_specs() {
    let names = [
        "spec/espocrm.yaml",
        "spec/kommo.yaml",
        "spec/v4marketing.yaml",
    ];
    let copy = copy_into(&root(), &names);
    let specs: Vec<PathBuf> = names.iter().map(|n| copy.path().join(n)).collect();
    let captures = [root().join("captures")];
    let before = problems(&specs, &captures);
    let p = propose(&specs, &captures, Options::default());
    for f in &p.files {
        std::fs::write(&f.path, &f.after).expect("applied");
    }
    // validate: what was patched is gone, everything else stays.
    let after = problems(&specs, &captures);
    let patched: Vec<&(String, Kind)> = before.iter().filter(|b| !after.contains(b)).collect();
    assert!(
        after.iter().all(|a| before.contains(a)),
        "new problems: {after:?}"
    );
    assert_eq!(patched.len(), 6, "{patched:?}");
    for n in &p.not_patched {
        assert!(
            after.iter().any(|(id, _)| *id == n.problem),
            "{} still reported",
            n.problem
        );
    }
    // A second run proposes nothing.
    let again = propose(&specs, &captures, Options::default());
    assert!(again.edits.is_empty(), "{:?}", again.edits);
    // lint stays clean, generate gives the new field.
    let bin = env!("CARGO_BIN_EXE_specsmith");
    let lint = Command::new(bin)
        .arg("lint")
        .current_dir(copy.path())
        .output()
        .expect("lint runs");
    assert!(
        lint.status.success(),
        "{}",
        String::from_utf8_lossy(&lint.stdout)
    );
    let out = copy.path().join("client");
    let generate = Command::new(bin)
        .args(["generate", "--spec", "spec/kommo.yaml", "--out"])
        .arg(&out)
        .current_dir(copy.path())
        .output()
        .expect("generate runs");
    assert!(
        generate.status.success(),
        "{}",
        String::from_utf8_lossy(&generate.stderr)
    );
    let code = crate::generated_code(&out);
    assert!(code.contains("mobile_feature_version"));
}

#[test]
fn the_live_amocrm_capture_documents_mobile_feature_version() {
    let mut captures = vec![root().join("tests/fixtures/captures/amocrm-account-live.ndjson")];
    // `../shared` beside the checkout (or beside the folder of worktrees).
    let shared = root()
        .ancestors()
        .map(|a| a.join("shared/real-captures/amocrm-account-live.ndjson"))
        .find(|p| p.is_file());
    match shared {
        Some(path) => captures.push(path),
        None => crate::skipped("the shared live capture: ../shared/real-captures is absent"),
    }
    let p = propose(
        &[root().join("spec/kommo.yaml")],
        &captures,
        Options::default(),
    );
    let what: Vec<&str> = p.edits.iter().map(|e| e.what.as_str()).collect();
    assert_eq!(what, ["add property mobile_feature_version (integer)"]);
    assert_only_insertions(&p);
}

/// `../shared/corpus` beside the checkout or beside the folder of worktrees, if present.
fn shared_corpus_file(path: &str) -> Option<PathBuf> {
    root()
        .ancestors()
        .map(|a| a.join("shared/corpus").join(path))
        .find(|p| p.is_file())
}

/// The first example of `path`'s GET 200 JSON response, `$ref`s followed.
fn example(document: &serde_json::Value, path: &str) -> serde_json::Value {
    use specsmith::spec::deref;
    let pointer = format!(
        "/paths/{}/get/responses/200",
        specsmith::escape_pointer_segment(path)
    );
    let response = document.pointer(&pointer).expect("documented");
    let (response, _) = deref(document, response, &pointer).expect("resolves");
    let media = &response["content"]["application/json"];
    let first = media["examples"]
        .as_object()
        .and_then(|e| e.values().next())
        .expect("an example");
    let (example, _) = deref(document, first, "").expect("resolves");
    example["value"].clone()
}

#[test]
fn github_spec_with_new_fields_on_shared_components_gets_a_small_local_diff() {
    let Some(github) = shared_corpus_file("official/octokit__openapi/cache/api.github.com.json")
    else {
        crate::skipped("patch on GitHub's spec: ../shared/corpus is absent");
        return;
    };
    let copy = tempfile::tempdir().expect("temp dir");
    let spec = copy.path().join("api.github.com.json");
    std::fs::copy(&github, &spec).expect("copied");
    let document: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&spec).expect("read")).expect("JSON");
    // Traffic built from the spec's own examples, with fields the spec lacks added to shared
    // components: a repository's owner (simple-user), an issue's user (nullable-simple-user).
    let mut repo = example(&document, "/repos/{owner}/{repo}");
    repo["owner"]["pronouns"] = "they/them".into();
    repo["custom_properties_count"] = 2.into();
    let mut issue = example(&document, "/repos/{owner}/{repo}/issues/{issue_number}");
    issue["user"]["pronouns"] = "she/her".into();
    let user = example(&document, "/users/{username}");
    let lines: Vec<String> = [
        ("repos/octocat/Hello-World", repo),
        ("repos/octocat/Hello-World/issues/1347", issue),
        ("users/octocat", user),
    ]
    .into_iter()
    .map(|(path, body)| {
        serde_json::json!({"method": "GET", "url": format!("https://api.github.com/{path}"),
            "status": 200, "headers": {"content-type": "application/json"}, "body": body})
        .to_string()
    })
    .collect();
    let traffic = copy.path().join("traffic.ndjson");
    std::fs::write(&traffic, lines.join("\n") + "\n").expect("written");
    let captures = [traffic];
    let p = propose(std::slice::from_ref(&spec), &captures, Options::default());
    let pointers: Vec<&str> = p.edits.iter().map(|e| e.pointer.as_str()).collect();
    assert_eq!(
        pointers,
        [
            "/components/schemas/full-repository/properties/custom_properties_count",
            "/components/schemas/nullable-simple-user/properties/pronouns",
            "/components/schemas/simple-user/properties/pronouns",
        ]
    );
    let diff = patch::unified_diff(&p.files, copy.path());
    let added = diff
        .lines()
        .filter(|l| l.starts_with('+') && !l.starts_with("+++"))
        .count();
    assert_eq!(added, 9, "{diff}");
    assert_only_insertions(&p);
    assert_git_applies(copy.path(), &diff);
    for f in &p.files {
        std::fs::write(&f.path, &f.after).expect("applied");
    }
    assert_eq!(problems(&[spec], &captures), Vec::new());
}

#[test]
fn openapi_31_spells_null_as_a_type() {
    let text = std::fs::read_to_string(fixture("awkward.yaml")).expect("fixture");
    let dir = tempfile::tempdir().expect("temp dir");
    let spec = dir.path().join("awkward31.yaml");
    std::fs::write(
        &spec,
        text.replace("openapi: \"3.0.3\"", "openapi: \"3.1.0\""),
    )
    .expect("written");
    let p = propose(
        std::slice::from_ref(&spec),
        &[fixture("awkward.ndjson")],
        Options::default(),
    );
    let after = &p.files[0].after;
    assert!(
        after.contains("        label:\n          type:\n          - string\n          - 'null'\n"),
        "{after}"
    );
    assert!(!after.contains("nullable"));
    for f in &p.files {
        std::fs::write(&f.path, &f.after).expect("applied");
    }
    let left = problems(&[spec], &[fixture("awkward.ndjson")]);
    assert!(
        !left.iter().any(|(_, k)| *k == Kind::NullNotAllowed),
        "{left:?}"
    );
    let again = propose(
        &[dir.path().join("awkward31.yaml")],
        &[fixture("awkward.ndjson")],
        Options::default(),
    );
    assert!(again.edits.is_empty(), "{:?}", again.edits);
}

#[test]
fn the_command_prints_a_diff_or_json_and_exits_by_what_it_proposes() {
    let bin = env!("CARGO_BIN_EXE_specsmith");
    let run = |args: &[&str]| {
        Command::new(bin)
            .arg("patch")
            .args(args)
            .current_dir(root())
            .output()
            .expect("runs")
    };
    let diff = run(&[
        "--spec",
        "tests/fixtures/patch/nested.json",
        "tests/fixtures/patch/nested.ndjson",
    ]);
    assert_eq!(diff.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&diff.stdout);
    assert!(
        stdout.starts_with(
            "diff --git a/tests/fixtures/patch/nested.json b/tests/fixtures/patch/nested.json\n"
        ),
        "{stdout}"
    );
    let stderr = String::from_utf8_lossy(&diff.stderr);
    assert!(
        stderr.starts_with("patch: 3 edits in tests/fixtures/patch/nested.json from 2 exchanges"),
        "{stderr}"
    );
    let json = run(&[
        "--format",
        "json",
        "--spec",
        "tests/fixtures/patch/awkward.yaml",
        "tests/fixtures/patch/awkward.ndjson",
    ]);
    assert_eq!(json.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&json.stdout).expect("JSON");
    let edit = &report["edits"][0];
    assert_eq!(edit["file"], "tests/fixtures/patch/awkward.yaml");
    for field in ["file", "pointer", "what", "why", "evidence"] {
        assert!(!edit[field].is_null(), "{field} in {edit}");
    }
    let refused = report["not_patched"].as_array().expect("list");
    assert!(refused.iter().any(|n| n["kind"] == "unknown_property"
        && n["key"] == "nickname"
        && n["problem"].is_string()));
    // Nothing to patch: exit 0, empty diff.
    let clean = run(&[
        "--spec",
        "tests/fixtures/patch/nested.json",
        "tests/fixtures/patch/awkward.ndjson",
    ]);
    assert_eq!(
        clean.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&clean.stderr)
    );
    assert!(clean.stdout.is_empty());
    // --apply writes the file in place and prints no diff; a second run has nothing to do.
    let copy = copy_into(&root(), &["tests/fixtures/patch/nested.json"]);
    let spec = copy.path().join("tests/fixtures/patch/nested.json");
    let traffic = fixture("nested.ndjson");
    let apply = |extra: &[&str]| {
        Command::new(bin)
            .arg("patch")
            .args(extra)
            .arg("--spec")
            .arg(&spec)
            .arg(&traffic)
            .current_dir(copy.path())
            .output()
            .expect("runs")
    };
    let applied = apply(&["--apply"]);
    assert_eq!(applied.status.code(), Some(1));
    assert!(applied.stdout.is_empty());
    assert!(std::fs::read_to_string(&spec)
        .expect("read")
        .contains("\"placed_at\""));
    assert_eq!(apply(&[]).status.code(), Some(0));
    // The run cannot proceed: exit 2.
    let broken = run(&["--spec", "tests/fixtures/patch/missing.yaml"]);
    assert_eq!(broken.status.code(), Some(2));
}

#[test]
fn a_byte_order_mark_stays() {
    let text = std::fs::read_to_string(fixture("awkward.yaml")).expect("fixture");
    let dir = tempfile::tempdir().expect("temp dir");
    let spec = dir.path().join("awkward.yaml");
    std::fs::write(&spec, format!("\u{feff}{text}")).expect("written");
    let p = propose(&[spec], &[fixture("awkward.ndjson")], Options::default());
    assert!(p.files[0].before.starts_with('\u{feff}'));
    assert!(p.files[0].after.starts_with('\u{feff}'));
    assert_only_insertions(&p);
    assert_git_applies(dir.path(), &patch::unified_diff(&p.files, dir.path()));
}
