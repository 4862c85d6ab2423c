//! Multi-file specs (`tests/fixtures/multifile/`): relative `$ref`s in every position are
//! followed, and lint, generate and validate locate what they find in the file it came from.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{json, Value};
use specsmith::spec;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The fixture path as the CLI is given it (relative to the project, as a user would type it).
const API: &str = "tests/fixtures/multifile/api.yaml";
const BROKEN: &str = "tests/fixtures/multifile/broken.yaml";

use crate::specsmith_json as run;

/// Runs `generate --out` for `spec` into a fresh `crate/` folder of a temporary directory.
fn generate(spec: &str) -> (tempfile::TempDir, i32, Value) {
    let out = tempfile::tempdir().expect("tempdir");
    let dir = out.path().join("crate");
    let (code, report) = run(&[
        "generate",
        "--spec",
        spec,
        "--out",
        dir.to_str().expect("utf-8"),
    ]);
    (out, code, report)
}

/// (kind, file relative to the fixture folder, line, column) of each finding, sorted.
fn located(report: &Value) -> Vec<(String, String, u64, u64)> {
    let base = "tests/fixtures/multifile/";
    let mut out: Vec<_> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            let file = f["file"].as_str().unwrap_or("");
            (
                f["kind"].as_str().unwrap_or("").to_string(),
                file.strip_prefix(base).unwrap_or(file).to_string(),
                f["line"].as_u64().unwrap_or(0),
                f["column"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    out.sort();
    out
}

#[test]
fn every_position_resolves_across_three_folders() {
    let spec = spec::load(&root().join(API)).expect("loads");
    assert!(spec.ref_problems.is_empty(), "{:?}", spec.ref_problems);
    let list = spec
        .operation("listPets")
        .expect("listPets from paths/pets.yaml");
    let names: Vec<&str> = list.parameters.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["limit", "kind"], "external parameters are kept");
    let ok = list.response_for(200).expect("200");
    assert_eq!(ok.headers, ["X-Next"]);
    let error = list
        .response_for(500)
        .expect("external default response kept");
    assert_eq!(error.content[0].name, "application/json");
    let create = spec.operation("createPet").expect("createPet");
    assert!(create.request_body.as_ref().is_some_and(|b| b.required));
    let get = spec
        .operation("getPet")
        .expect("getPet from paths/pet.yaml#/item");
    assert_eq!(get.parameters[0].name, "petId", "path-level parameter");
    assert!(get.response_for(404).is_some());
    assert_eq!(spec.security_schemes[0].name, "key");

    // Each target has one home; the cycle pet.yaml -> owner.yaml -> pet.yaml is local now.
    let schemas = spec.at("/components/schemas").expect("schemas");
    let homes: Vec<&String> = schemas.as_object().expect("object").keys().collect();
    assert_eq!(
        homes,
        ["Pet", "Error", "owner", "new-pet"],
        "named by file stem"
    );
    assert_eq!(
        spec.at("/components/schemas/owner/properties/pets/items"),
        Some(&json!({"$ref": "#/components/schemas/Pet"}))
    );
    assert_eq!(
        spec.at("/components/schemas/Pet/properties/friends/items"),
        Some(&json!({"$ref": "#/components/schemas/Pet"})),
        "`#` inside pet.yaml is pet.yaml itself"
    );
    assert_eq!(
        spec.at("/components/schemas/new-pet/properties/kind"),
        Some(&json!({"$ref": "#/components/schemas/Pet/properties/kind"})),
        "a pointer inside a file that already has a home is not copied again"
    );
}

#[test]
fn bundled_pointers_map_back_to_their_file_line_and_column() {
    let spec = spec::load(&root().join(API)).expect("loads");
    let cases = [
        (
            "/paths/~1pets/get/parameters/0",
            "paths/pets.yaml",
            "/get/parameters/0",
            (5, 7),
        ),
        (
            "/components/schemas/Pet/properties/kind",
            "schemas/pet.yaml",
            "/properties/kind",
            (9, 3),
        ),
        (
            "/components/schemas/Error/properties/code",
            "schemas/common.json",
            "/Error/properties/code",
            (7, 7),
        ),
        (
            "/paths/~1pets~1{petId}/get",
            "paths/pet.yaml",
            "/item/get",
            (5, 3),
        ),
        (
            "/components/parameters/limit/schema",
            "components/parameters.yaml",
            "/limit/schema",
            (4, 3),
        ),
        ("/info/title", "api.yaml", "/info/title", (4, 3)),
    ];
    for (pointer, file, in_file, (line, column)) in cases {
        let place = spec.parts.place(pointer);
        assert!(
            place.file.ends_with(file),
            "{pointer}: {}",
            place.file.display()
        );
        assert_eq!(place.pointer, in_file, "{pointer}");
        let at = place.location.expect("located");
        assert_eq!((at.line, at.column), (line, column), "{pointer} in {file}");
    }
}

#[test]
fn multi_file_spec_lints_clean() {
    let (code, report) = run(&["lint", "--spec", API]);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(report["findings"], json!([]));
}

#[test]
fn unfollowable_references_are_located_errors_in_their_own_files() {
    let (code, report) = run(&["lint", "--spec", BROKEN]);
    assert_eq!(code, 1, "{report:#}");
    let expected = [
        ("cyclic_ref", "paths/loop-b.yaml", 2, 1),
        ("cyclic_ref", "schemas/chain-a.yaml", 2, 1),
        ("external_ref", "broken.yaml", 18, 11),
        ("unresolved_ref", "broken.yaml", 13, 11),
        ("unresolved_ref", "broken.yaml", 16, 11),
    ];
    let expected: Vec<_> = expected
        .iter()
        .map(|(k, f, l, c)| (k.to_string(), f.to_string(), *l, *c))
        .collect();
    assert_eq!(located(&report), expected, "{report:#}");
    let text = report.to_string();
    assert!(
        text.contains("components/missing.yaml"),
        "names the missing file"
    );
    assert!(text.contains("no /Nope in"), "names the missing pointer");
}

#[test]
fn generate_refuses_to_drop_an_unfollowable_reference() {
    let (out, code, report) = generate(BROKEN);
    let dir = out.path().join("crate");
    assert_eq!(code, 2, "{report:#}");
    let kinds: Vec<String> = located(&report).into_iter().map(|f| f.0).collect();
    assert!(
        kinds.iter().filter(|k| *k == "unresolved_ref").count() == 2,
        "{kinds:?}"
    );
    assert!(!dir.exists(), "no code generated");
}

#[test]
fn multi_file_spec_generates_every_external_piece() {
    let (out, code, report) = generate(API);
    let dir = out.path().join("crate");
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(report["findings"], json!([]), "no warnings");
    let code = crate::generated_code(&dir);
    for piece in [
        "pub struct Pet",
        "pub struct Owner",
        "pub friends: Option<Vec<Pet>>",
        "pub struct Error",
        "pub struct NewPet",
        "pub limit: Option<i64>",
        "pub kind: Option<PetKind>",
        "pub async fn get_pet",
        "X-Api-Key",
    ] {
        assert!(
            code.contains(piece),
            "{piece} missing from the generated module"
        );
    }
}

#[test]
fn capture_against_a_multi_file_spec_is_checked_by_the_external_schemas() {
    let capture = "tests/fixtures/multifile/pets.ndjson";
    let (code, report) = run(&["validate", "--spec", API, capture]);
    assert_eq!(code, 1, "{report:#}");
    let got: Vec<(String, String, u64, u64)> = located(&report);
    assert_eq!(
        got,
        [
            (
                "enum_mismatch".to_string(),
                "pets.ndjson".to_string(),
                3,
                170
            ),
            (
                "type_mismatch".to_string(),
                "pets.ndjson".to_string(),
                2,
                168
            ),
            (
                "unknown_property".to_string(),
                "pets.ndjson".to_string(),
                1,
                277
            ),
        ]
    );
}

/// An error in a part's shape (what `openapiv3` rejects) names the part, not the root.
#[test]
fn a_malformed_part_is_refused_at_its_own_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let write = |name: &str, text: &str| {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(&path, text).expect("write");
        path
    };
    let root = write(
        "root.yaml",
        "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    $ref: parts/a.yaml\n",
    );
    write(
        "parts/a.yaml",
        "# — a part\nget:\n  parameters:\n    - name: q\n      in: somewhere\n  responses:\n    '200': {description: ok}\n",
    );
    write(
        "parts/b.yaml",
        "get:\n  responses:\n    '200': {description: [unclosed\n",
    );
    let broken = write(
        "broken.yaml",
        "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /b:\n    $ref: parts/b.yaml\n",
    );
    let spec = spec::load(&broken).expect("loads; the part is a located problem");
    let problem = &spec.ref_problems[0];
    assert_eq!(problem.kind, specsmith::Kind::UnresolvedRef);
    assert_eq!(
        problem.location.as_ref().map(|l| (l.line, l.column)),
        Some((5, 5))
    );
    assert!(
        problem.message.contains("invalid YAML") && problem.message.contains("b.yaml:"),
        "the part's syntax error and its place: {}",
        problem.message
    );
    let err = spec::load(&root).expect_err("refused");
    assert_eq!(err.kind, specsmith::Kind::InvalidDocument);
    assert!(
        err.file
            .as_deref()
            .is_some_and(|f| f.ends_with(Path::new("parts/a.yaml"))),
        "{err:?}"
    );
    let at = err.location.as_ref().expect("located");
    assert_eq!((at.line, at.column), (5, 7), "{err:?}");
}

/// Redocly's public starter (MIT, see the fixture README): split into paths/, components/ and
/// webhooks/, with code samples included by `$ref` and a discriminator mapping naming files. It
/// lints clean and its generate warnings name the part they are in.
#[test]
fn public_multi_file_spec_lints_and_generates_with_warnings_in_their_parts() {
    let path = "tests/fixtures/multifile/redocly-starter/openapi.yaml";
    let spec = spec::load(&root().join(path)).expect("loads");
    assert!(spec.ref_problems.is_empty(), "{:?}", spec.ref_problems);
    assert!(
        spec.operations.len() >= 10,
        "{} operations",
        spec.operations.len()
    );
    let sample = spec.at("/paths/~1menu/get/x-codeSamples/1/source");
    assert!(
        sample
            .and_then(Value::as_str)
            .is_some_and(|s| s.starts_with("<?php")),
        "a code sample file is included as text: {sample:?}"
    );
    let menu_item = spec
        .at("/components/schemas/MenuItem")
        .expect("MenuItem's home");
    assert_eq!(
        menu_item["discriminator"]["mapping"],
        json!({"beverage": "#/components/schemas/Beverage", "dessert": "#/components/schemas/Dessert"}),
        "mapping values naming files name their schemas' homes"
    );
    let (code, report) = run(&["lint", "--spec", path]);
    assert_eq!((code, &report["findings"]), (0, &json!([])), "{report:#}");
    let (_out, code, report) = generate(path);
    assert_eq!(code, 0, "{report:#}");
    // The webhook (not generated: a client does not receive requests) and the multipart body.
    let expected = [
        ("redocly-starter/openapi.yaml", 44, 1),
        ("redocly-starter/paths/menu.yaml", 47, 7),
    ]
    .map(|(f, l, c)| ("unsupported_construct".to_string(), f.to_string(), l, c));
    assert_eq!(
        located(&report),
        expected,
        "no discriminator warning: the mapping names homes"
    );
}

/// `patch` edits one file's text; drift documented in a part is left to a person, with the part
/// named, rather than written into the root where the bundled pointer does not exist.
#[test]
fn patch_leaves_places_in_parts_to_a_person() {
    let output = Command::new(env!("CARGO_BIN_EXE_specsmith"))
        .args([
            "patch",
            "--spec",
            API,
            "tests/fixtures/multifile/pets.ndjson",
        ])
        .current_dir(root())
        .output()
        .expect("specsmith runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(text.contains("0 edits"), "{text}");
    assert!(
        text.contains("schemas/pet.yaml, a part of a multi-file spec"),
        "{text}"
    );
}
