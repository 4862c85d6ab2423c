//! `specsmith validate`: drift found where the documents and the samples say it is, located in
//! the capture file, in every report format, without leaking secrets or panicking on bad input.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::{Command, Output};

use serde_json::Value;
use specsmith::validate::{Options, Report, Validator};
use specsmith::{Diagnostic, Kind, Severity, Spec};

pub(crate) fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub(crate) fn specs() -> Vec<Spec> {
    ["kommo", "v4marketing", "espocrm"]
        .iter()
        .map(|s| specsmith::spec::load(&root().join(format!("spec/{s}.yaml"))).expect("spec loads"))
        .collect()
}

pub(crate) fn validate_with(paths: &[PathBuf], options: Options) -> Report {
    let specs = specs();
    let validator = Validator::new(&specs, options).expect("options are valid");
    validator.run(paths).expect("captures are readable")
}

/// Runs [`validate`], also returning the exchanges per operation under the names reports show
/// (`getAccount (kommo)`, `(unmatched)`).
pub(crate) fn validate_counted(paths: &[PathBuf]) -> (Report, BTreeMap<String, usize>) {
    let specs = specs();
    let validator = Validator::new(&specs, Options::default()).expect("options are valid");
    let report = validator.run(paths).expect("captures are readable");
    let ops = exchanges_per_operation(&report, &specs);
    (report, ops)
}

/// Exchanges per operation of `report`, a run against `specs`, named as reports name them.
pub(crate) fn exchanges_per_operation(report: &Report, specs: &[Spec]) -> BTreeMap<String, usize> {
    report
        .stats
        .per_operation_named(specs)
        .into_iter()
        .map(|(name, stats)| (name, stats.exchanges))
        .collect()
}

pub(crate) fn validate(paths: &[PathBuf]) -> Report {
    validate_with(paths, Options::default())
}

/// One line per finding, stable and readable: file name, entry, severity, kind, pointer,
/// line:column, message and help.
pub(crate) fn digest(diagnostics: &[Diagnostic]) -> String {
    diagnostics
        .iter()
        .map(|d| {
            let file = d
                .file
                .as_ref()
                .and_then(|f| f.file_name())
                .map(|f| f.to_string_lossy().into_owned())
                .unwrap_or_default();
            let entry = d
                .exchange
                .as_ref()
                .and_then(|e| e.entry)
                .map(|e| format!(" #{e}"))
                .unwrap_or_default();
            let at = d
                .location
                .as_ref()
                .map(|l| format!("{}:{}", l.line, l.column))
                .unwrap_or_else(|| "-".to_string());
            let help = d
                .suggestion
                .as_deref()
                .map(|s| format!(" | help: {s}"))
                .unwrap_or_default();
            format!(
                "{file}{entry} {at} {} {} {} | {}{help}",
                d.severity.as_str(),
                d.kind.as_str(),
                d.pointer
                    .as_deref()
                    .map_or("-", |p| if p.is_empty() { "/" } else { p }),
                d.message
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The diagnostics of validating one capture file `capture` (its text `lines`) against a spec
/// given as YAML text: for tests whose spec is written next to them.
fn validate_inline(spec_yaml: &str, capture: &str, lines: &str) -> Vec<Diagnostic> {
    let dir = tempfile::tempdir().expect("tempdir");
    let spec_path = dir.path().join("spec.yaml");
    std::fs::write(&spec_path, spec_yaml).expect("write");
    let capture = dir.path().join(capture);
    std::fs::write(&capture, lines).expect("write");
    let spec = specsmith::spec::load(&spec_path).expect("spec loads");
    let specs = [spec];
    Validator::new(&specs, Options::default())
        .expect("valid")
        .run(&[capture])
        .expect("readable")
        .diagnostics
}

/// A spec of one operation, `getX` at `GET https://api.example.com/x`, whose JSON response has
/// the `properties` given (YAML flow mappings, one per line, indented as written here).
pub(crate) fn get_x_spec(properties: &str) -> String {
    format!(
        r#"openapi: 3.0.3
info: {{title: t, version: '1'}}
servers: [{{url: 'https://api.example.com'}}]
paths:
  /x:
    get:
      operationId: getX
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema:
                type: object
                properties:
{properties}"#
    )
}

pub(crate) fn run_cli(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_specsmith"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("the binary runs")
}

pub(crate) fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn amocrm_example_reports_date_formant_as_a_rename_at_its_key() {
    let report = validate(&[root().join("captures/docs/amocrm-account.json")]);
    let found: Vec<&Diagnostic> = report
        .diagnostics
        .iter()
        .filter(|d| d.message.contains("date_formant"))
        .collect();
    assert_eq!(found.len(), 1, "{}", digest(&report.diagnostics));
    let d = found[0];
    assert_eq!(d.kind, Kind::UnknownProperty);
    assert_eq!(
        d.severity,
        Severity::Error,
        "a close absent sibling means a rename"
    );
    assert_eq!(
        d.message,
        "unknown property date_formant, did you mean date_format?"
    );
    assert_eq!(d.pointer.as_deref(), Some("/_embedded/datetime_settings"));
    let loc = d.location.as_ref().expect("located");
    // The example prints one key per line without indentation: line 98 is the key.
    assert_eq!((loc.line, loc.column), (98, 1));
    assert_eq!(loc.line_text, "\"date_formant\": \"d.m.Y\",");
    assert!(d
        .suggestion
        .as_deref()
        .is_some_and(|s| s.contains("date_format")));
    let exchange = d.exchange.as_ref().expect("exchange");
    assert_eq!(exchange.operation.as_deref(), Some("getAccount"));
    assert_eq!(exchange.status, Some(200));
    assert_eq!(exchange.entry, None);
}

#[test]
fn document_examples_give_exactly_the_documented_drift() {
    let report = validate(&[root().join("captures/docs")]);
    insta::assert_snapshot!(digest(&report.diagnostics));
    assert_eq!(report.stats.exchanges, 5);
    assert_eq!(
        report.stats.files, 5,
        "the .meta.json files are not captures"
    );
}

#[test]
fn live_amocrm_capture_has_no_errors() {
    let report = validate(&[root().join("tests/fixtures/captures/amocrm-account-live.ndjson")]);
    insta::assert_snapshot!(digest(&report.diagnostics), @r#"
    amocrm-account-live.ndjson #0 1:1 info matched_by_path - | https://mobilontestdev.amocrm.ru is not one of kommo.yaml's servers (https://{subdomain}.kommo.com, https://{subdomain}.amocrm.com); matched on the path alone
    amocrm-account-live.ndjson #0 1:477 warning unknown_property / | unknown property mobile_feature_version | help: document mobile_feature_version in the spec if the API really sends it
    "#);
}

#[test]
fn bundled_samples_give_the_documented_findings() {
    let (report, ops) = validate_counted(&[root().join("captures/samples")]);
    insta::assert_snapshot!(digest(&report.diagnostics));
    assert_eq!(ops["getAccount (kommo)"], 10);
    assert_eq!(ops["(unmatched)"], 2);
    assert_eq!(ops["createAccount (espocrm)"], 1);
    assert_eq!(report.stats.exchanges, 24);
    // Each request kind once, in both formats.
    for kind in [
        Kind::MissingParameter,
        Kind::UndocumentedParameter,
        Kind::InvalidParameter,
        Kind::RequestBodyMismatch,
        Kind::MissingCredentials,
    ] {
        assert!(
            report.diagnostics.iter().any(|d| d.kind == kind),
            "{}",
            kind.as_str()
        );
    }
}

#[test]
fn strict_turns_undocumented_keys_into_errors() {
    let paths = [root().join("captures/docs/kommo-account.json")];
    let lenient = validate(&paths);
    assert!(lenient
        .diagnostics
        .iter()
        .all(|d| d.severity == Severity::Warning));
    let strict = validate_with(
        &paths,
        Options {
            strict: true,
            ..Options::default()
        },
    );
    let kinds: Vec<(Kind, Severity)> = strict
        .diagnostics
        .iter()
        .map(|d| (d.kind, d.severity))
        .collect();
    assert_eq!(
        kinds,
        vec![
            (Kind::UnknownProperty, Severity::Error),
            (Kind::MovedProperty, Severity::Error)
        ]
    );
}

#[test]
fn raw_bodies_take_operation_and_status_from_the_command_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let body = dir.path().join("account.json");
    std::fs::write(&body, "{\"id\": \"x\", \"name\": 5}\n").expect("write");
    let out = run_cli(&[
        "validate",
        "--operation",
        "espocrm:getAccount",
        "--status",
        "200",
        "--format",
        "json",
        body.to_str().expect("utf-8 path"),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let doc: Value = serde_json::from_str(&stdout(&out)).expect("json");
    let finding = &doc["findings"][0];
    assert_eq!(finding["kind"], "type_mismatch");
    assert_eq!(finding["pointer"], "/name");
    assert_eq!(finding["operation"], "getAccount");
    assert_eq!(
        (finding["line"].as_u64(), finding["column"].as_u64()),
        (Some(1), Some(21))
    );
    assert_eq!(finding["message"], "expected string, found integer 5");

    // getAccount exists in two specs: the bare id is ambiguous, which stops the run.
    let out = run_cli(&[
        "validate",
        "--operation",
        "getAccount",
        "--status",
        "200",
        body.to_str().expect("utf-8 path"),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("kommo:getAccount"));
}

#[test]
fn a_raw_body_without_description_is_reported_not_guessed() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("lonely.json"), "{}").expect("write");
    let report = validate(&[dir.path().to_path_buf()]);
    assert_eq!(report.diagnostics.len(), 1);
    assert_eq!(report.diagnostics[0].kind, Kind::UnmatchedOperation);
    assert!(report.diagnostics[0]
        .suggestion
        .as_deref()
        .is_some_and(|s| s.contains("lonely.meta.json")));
}

#[test]
fn literal_path_segments_win_over_templated_ones() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("t.ndjson");
    std::fs::write(
        &file,
        concat!(
            r#"{"method": "GET", "url": "https://espo.example.com/api/v1/Account/7/stream", "status": 200, "headers": {"content-type": "application/json"}, "body": {"total": 0, "list": []}}"#,
            "\n",
            r#"{"method": "GET", "url": "https://espo.example.com/api/v1/Account/7/calls", "status": 200, "headers": {"content-type": "application/json"}, "body": {"total": 0, "list": []}}"#,
            "\n"
        ),
    )
    .expect("write");
    let (report, ops) = validate_counted(&[file]);
    assert!(
        report.diagnostics.is_empty(),
        "{}",
        digest(&report.diagnostics)
    );
    let ops: Vec<&String> = ops.keys().collect();
    assert_eq!(
        ops,
        ["getAccountStream (espocrm)", "listAccountLinks (espocrm)"]
    );
}

#[test]
fn one_of_failures_report_the_best_branch_only() {
    // Compiled against a schema with a oneOf, through the library: the EspoCRM link payload.
    let diagnostics = validate_inline(
        r##"openapi: 3.0.3
info: {title: t, version: "1"}
servers: [{url: "https://x.test"}]
paths:
  /pets/{id}:
    get:
      operationId: getPet
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema:
                oneOf:
                  - $ref: "#/components/schemas/Cat"
                  - $ref: "#/components/schemas/Dog"
components:
  schemas:
    Cat:
      type: object
      required: [meows]
      properties: {meows: {type: boolean}, name: {type: string}}
    Dog:
      type: object
      required: [barks, name]
      properties: {barks: {type: boolean}, name: {type: string}}
"##,
        "pets.ndjson",
        r#"{"method": "GET", "url": "https://x.test/pets/1", "status": 200, "headers": {"content-type": "application/json"}, "body": {"barks": "loud", "name": "Rex"}}"#,
    );
    insta::assert_snapshot!(digest(&diagnostics), @r#"pets.ndjson #0 1:133 error type_mismatch /barks | expected boolean, found string "loud""#);
}

/// Arrays of small scalars (held packed, several items an entry, in the body's tape): each
/// item is still found at its own pointer and column, and item, count, uniqueness and enum
/// errors read as they do for any array. The expected findings are what the build before
/// packing reported for this capture (the same human report, byte for byte).
#[test]
fn errors_in_arrays_of_small_scalars_name_each_item() {
    let mut scores: Vec<String> = (0..60).map(|i| (i % 10).to_string()).collect();
    scores[37] = "12".to_string();
    let body = format!(
        r#"{{"scores": [{}], "flags": [true, false, null, true], "tags": [0, 1, 2, 3, null, [], 1], "deltas": [-1, -2, -300, 4, -6], "extra": [[], {{}}, 7]}}"#,
        scores.join(", ")
    );
    let diagnostics = validate_inline(
        r##"openapi: 3.0.3
info: {title: t, version: "1"}
servers: [{url: "https://x.test"}]
paths:
  /scores:
    get:
      operationId: getScores
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema:
                type: object
                additionalProperties: false
                properties:
                  scores: {type: array, maxItems: 50, items: {type: integer, maximum: 9}}
                  flags: {type: array, minItems: 8, items: {type: boolean}}
                  tags: {type: array, uniqueItems: true, items: {enum: [0, 1, 2, null]}}
                  deltas: {type: array, items: {type: integer, minimum: -5}}
"##,
        "scores.ndjson",
        &format!(
            r#"{{"method": "GET", "url": "https://x.test/scores", "status": 200, "headers": {{"content-type": "application/json"}}, "body": {body}}}"#
        ),
    );
    insta::assert_snapshot!(digest(&diagnostics), @r#"
    scores.ndjson #0 1:134 error constraint /scores | [0,1,2,3,4,5,6,7,8,9,0,1,2,3,4,5,6,7,8,9,0,1,2,3,4,5,6,7,… has more than 50 items
    scores.ndjson #0 1:246 error constraint /scores/37 | 12 is greater than the maximum of 9
    scores.ndjson #0 1:326 error constraint /flags | [true,false,null,true] has less than 8 items
    scores.ndjson #0 1:340 error null_not_allowed /flags/2 | null is not allowed here: expected boolean
    scores.ndjson #0 1:361 error constraint /tags | [0,1,2,3,null,[],1] has non-unique elements
    scores.ndjson #0 1:371 error enum_mismatch /tags/3 | 3 is not one of the allowed values: 0, 1, 2, null | help: did you mean 2?
    scores.ndjson #0 1:407 error constraint /deltas/2 | -300 is less than the minimum of -5
    scores.ndjson #0 1:421 error unknown_property / | unknown property extra (the schema allows no other properties) | help: document extra in the spec if the API really sends it
    "#);
}

/// Arrays of floats and of strings (held packed, several items an entry, in the body's tape):
/// the human and JSON reports are byte for byte what the build before that packing wrote, but
/// for two messages since shortened (`tests/fixtures/packed/README.md`), and no format shows
/// the credential array's strings.
#[test]
fn arrays_of_floats_and_strings_report_what_they_reported_before_packing() {
    let dir = root().join("tests/fixtures/packed");
    let run = |format: &str| {
        let out = Command::new(env!("CARGO_BIN_EXE_specsmith"))
            .args([
                "validate",
                "--spec",
                "spec.yaml",
                "--format",
                format,
                "lists.ndjson",
            ])
            .current_dir(&dir)
            .output()
            .expect("the binary runs");
        assert_eq!(out.status.code(), Some(1), "{format}");
        stdout(&out)
    };
    for (format, before) in [("human", "lists.human"), ("json", "lists.json")] {
        let expected = std::fs::read_to_string(dir.join(before)).expect("fixture");
        assert_eq!(run(format), expected, "{format}");
    }
    for format in ["human", "json", "sarif", "junit", "github"] {
        assert!(!run(format).contains("sk_live"), "{format}");
    }
}

#[test]
fn missing_required_key_next_to_a_look_alike_is_one_rename() {
    let dir = tempfile::tempdir().expect("tempdir");
    let capture = dir.path().join("t.ndjson");
    std::fs::write(
        &capture,
        r#"{"method": "GET", "url": "https://espo.example.com/api/v1/Account", "status": 200, "headers": {"content-type": "application/json"}, "body": {"totl": 1, "list": [{"id": "a"}]}}"#,
    )
    .expect("write");
    let report = validate(&[capture]);
    insta::assert_snapshot!(digest(&report.diagnostics), @"t.ndjson #0 1:142 error missing_required / | missing required property total; the body has totl instead | help: rename totl to total");
}

#[test]
fn the_same_drift_in_every_array_item_is_one_finding_with_a_count() {
    let dir = tempfile::tempdir().expect("tempdir");
    let capture = dir.path().join("t.ndjson");
    let user = r#"{"user_id": "u", "is_admin": "no", "uuid": null}"#;
    std::fs::write(
        &capture,
        format!(
            r#"{{"method": "GET", "url": "https://api.data.v4.marketing/v1/kommo/users?workspaceId=w", "status": 200, "headers": {{"content-type": "application/json"}}, "body": {{"data": [{user}, {user}, {user}], "meta": {{"page": 1}}}}}}"#
        ),
    )
    .expect("write");
    let report = validate(&[capture]);
    let found: Vec<(Kind, Option<&str>, &[String])> = report
        .diagnostics
        .iter()
        .map(|d| (d.kind, d.pointer.as_deref(), d.notes.as_slice()))
        .collect();
    let note = "the same finding repeats at 2 more places matching /data/*/".to_string();
    assert_eq!(
        found,
        vec![
            (
                Kind::TypeMismatch,
                Some("/data/0/is_admin"),
                &[format!("{note}is_admin")][..]
            ),
            (
                Kind::UnknownProperty,
                Some("/data/0"),
                &[format!("{note}uuid")][..]
            ),
        ]
    );
}

#[test]
fn minified_one_line_har_is_located_by_column_without_a_giant_snippet() {
    // Playwright and other recorders write a HAR as one line: findings still get the exact
    // column of the key inside the escaped content.text, and no megabyte "line" is kept.
    let dir = tempfile::tempdir().expect("tempdir");
    let entry = |i: usize, key: &str| {
        let body = format!(r#"{{"id":"{i}","name":"Acme {i}","{key}":"u{i}","teamsIds":[]}}"#);
        serde_json::json!({
            "request": {"method": "GET", "url": format!("https://espo.example.com/api/v1/Account/{i}"), "headers": []},
            "response": {"status": 200, "headers": [], "content": {"mimeType": "application/json", "text": body}}
        })
    };
    let mut entries: Vec<Value> = (0..3000).map(|i| entry(i, "createdById")).collect();
    entries.push(entry(3000, "createdByID"));
    let har = serde_json::json!({"log": {"version": "1.2", "entries": entries}}).to_string();
    assert!(!har.contains('\n') && har.len() > 300_000);
    let path = dir.path().join("one-line.har");
    std::fs::write(&path, &har).expect("write");
    let report = validate(&[path]);
    assert_eq!(report.stats.exchanges, 3001);
    assert_eq!(
        report.diagnostics.len(),
        1,
        "{}",
        digest(&report.diagnostics)
    );
    let d = &report.diagnostics[0];
    let loc = d.location.as_ref().expect("located");
    let key = har.find(r#"\"createdByID\""#).expect("key in file");
    assert_eq!((loc.line, loc.column), (1, key + 1));
    assert!(
        loc.line_text.len() <= 64 * 1024,
        "a giant line is not kept for the snippet"
    );
}

/// A base64 body cannot be located in the capture file, so its JSON error gets a note with the
/// place in the decoded text; columns count characters there as everywhere else (serde counts
/// bytes: the em dash would push the column from 18 to 20).
#[test]
fn a_decoded_body_error_note_counts_columns_in_characters() {
    use base64::Engine;
    let dir = tempfile::tempdir().expect("tempdir");
    let body = "{\"id\": \"\u{2014}\", \"b\": x}";
    let har = serde_json::json!({"log": {"version": "1.2", "entries": [{
        "request": {"method": "GET", "url": "https://espo.example.com/api/v1/Account/x", "headers": []},
        "response": {"status": 200, "headers": [], "content": {
            "mimeType": "application/json", "encoding": "base64",
            "text": base64::engine::general_purpose::STANDARD.encode(body)}}
    }]}});
    let path = dir.path().join("decoded.har");
    std::fs::write(&path, har.to_string()).expect("write");
    let report = validate(&[path]);
    let d = report
        .diagnostics
        .iter()
        .find(|d| d.kind == Kind::ParseError)
        .unwrap_or_else(|| panic!("{}", digest(&report.diagnostics)));
    assert_eq!(
        d.notes,
        ["at line 1 column 18 of the decoded body".to_string()]
    );
}

#[test]
fn an_undocumented_json_media_type_still_gets_its_body_checked() {
    let dir = tempfile::tempdir().expect("tempdir");
    let capture = dir.path().join("t.ndjson");
    // EspoCRM documents application/json for 200; the server said a vendor +json type.
    let body = std::fs::read_to_string(root().join("captures/docs/espocrm-get-account.json"))
        .expect("example");
    let body: Value = serde_json::from_str(&body).expect("json");
    let mut body = body;
    body["teamsIds"] = Value::from("t1");
    let line = serde_json::json!({
        "method": "GET", "url": "https://espo.example.com/api/v1/Account/x", "status": 200,
        "headers": {"Content-Type": "application/vnd.espo+json; charset=utf-8"}, "body": body
    });
    std::fs::write(&capture, line.to_string()).expect("write");
    let report = validate(&[capture]);
    let kinds: Vec<Kind> = report.diagnostics.iter().map(|d| d.kind).collect();
    assert_eq!(kinds, [Kind::UndocumentedContentType, Kind::TypeMismatch]);
    assert!(report.diagnostics[0]
        .message
        .contains("application/vnd.espo+json is not documented"));
}

#[cfg(unix)]
#[test]
fn folder_walks_skip_link_cycles_and_hidden_folders() {
    let dir = tempfile::tempdir().expect("tempdir");
    let sub = dir.path().join("sub");
    std::fs::create_dir(&sub).expect("mkdir");
    std::os::unix::fs::symlink(dir.path(), sub.join("loop")).expect("symlink");
    std::fs::create_dir(dir.path().join(".git")).expect("mkdir");
    std::fs::write(dir.path().join(".git/x.ndjson"), "garbage").expect("write");
    std::fs::write(
        sub.join("ok.ndjson"),
        r#"{"method": "DELETE", "url": "https://espo.example.com/api/v1/Account/1", "status": 200, "headers": {"content-type": "application/json"}, "body": true}"#,
    )
    .expect("write");
    let report = validate(&[dir.path().to_path_buf()]);
    assert_eq!((report.stats.files, report.stats.exchanges), (1, 1));
    assert!(
        report.diagnostics.is_empty(),
        "{}",
        digest(&report.diagnostics)
    );
}

#[test]
fn sarif_and_junit_serve_lint_too() {
    let sarif = run_cli(&["lint", "--format", "sarif"]);
    let log: Value = serde_json::from_str(&stdout(&sarif)).expect("SARIF is JSON");
    assert_eq!(log["version"], "2.1.0");
    let junit = run_cli(&["lint", "--format", "junit"]);
    quick_junit::Report::deserialize_from_str(&stdout(&junit)).expect("JUnit XML");
}

#[test]
fn findings_are_in_the_same_order_on_one_thread_and_many() {
    let paths = [
        root().join("captures"),
        root().join("tests/fixtures/captures"),
    ];
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("pool")
        .install(|| validate(&paths));
    let many = rayon::ThreadPoolBuilder::new()
        .num_threads(4)
        .build()
        .expect("pool")
        .install(|| validate(&paths));
    assert_eq!(digest(&one.diagnostics), digest(&many.diagnostics));
    assert_eq!(one.stats, many.stats);
}

#[test]
fn large_ndjson_streams_every_line_in_order() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("big.ndjson");
    let clean = r#"{"method": "DELETE", "url": "https://espo.example.com/api/v1/Account/1", "status": 200, "headers": {"content-type": "application/json"}, "body": true}"#;
    let drift = r#"{"method": "DELETE", "url": "https://espo.example.com/api/v1/Account/1", "status": 200, "headers": {"content-type": "application/json"}, "body": "yes"}"#;
    let mut text = String::new();
    for i in 0..6000 {
        text.push_str(if i % 1000 == 999 { drift } else { clean });
        text.push('\n');
    }
    std::fs::write(&file, text).expect("write");
    let report = validate(&[file]);
    assert_eq!(report.stats.exchanges, 6000);
    let entries: Vec<Option<usize>> = report
        .diagnostics
        .iter()
        .map(|d| d.exchange.as_ref().and_then(|e| e.entry))
        .collect();
    assert_eq!(
        entries,
        [999, 1999, 2999, 3999, 4999, 5999].map(Some).to_vec()
    );
    assert_eq!(
        report.diagnostics[0].location.as_ref().map(|l| l.line),
        Some(1000)
    );
}

// ---------------------------------------------------------------------------------------------
// Malformed input: located parse errors, the run goes on, never a panic.

#[test]
fn malformed_captures_give_located_parse_errors_and_the_run_goes_on() {
    let (report, ops) = validate_counted(&[root().join("tests/fixtures/captures")]);
    insta::assert_snapshot!(digest(&report.diagnostics));
    // The clean lines around the bad ones, and the BOM file's line, were still checked.
    assert_eq!(ops["getAccount (espocrm)"], 2);
    assert_eq!(ops["getAccount (kommo)"], 2);
}

#[test]
fn a_one_gigabyte_file_is_refused_or_streamed_without_reading_it_whole() {
    let dir = tempfile::tempdir().expect("tempdir");
    for name in ["huge.json", "huge.har", "huge.ndjson"] {
        let path = dir.path().join(name);
        let f = std::fs::File::create(&path).expect("create");
        // A sparse file of NUL bytes: 1 GiB on paper, nothing on disk.
        f.set_len(1 << 30).expect("set_len");
    }
    std::fs::write(
        dir.path().join("ok.ndjson"),
        r#"{"method": "DELETE", "url": "https://espo.example.com/api/v1/Account/1", "status": 200, "headers": {"content-type": "application/json"}, "body": true}"#,
    )
    .expect("write");
    let started = std::time::Instant::now();
    let report = validate(&[dir.path().to_path_buf()]);
    let kinds: Vec<(String, Kind)> = report
        .diagnostics
        .iter()
        .map(|d| {
            (
                d.file
                    .as_ref()
                    .and_then(|f| f.file_name())
                    .map(|f| f.to_string_lossy().into_owned())
                    .unwrap_or_default(),
                d.kind,
            )
        })
        .collect();
    assert_eq!(
        kinds,
        vec![
            ("huge.har".to_string(), Kind::ParseError),
            ("huge.json".to_string(), Kind::ParseError),
            ("huge.ndjson".to_string(), Kind::ParseError),
        ],
        "{}",
        digest(&report.diagnostics)
    );
    assert!(report.diagnostics.iter().all(|d| d.location.is_some()));
    assert_eq!(report.stats.exchanges, 1, "ok.ndjson is still checked");
    // Not a timing assertion on speed, only that nothing read the gigabyte: minutes would mean it did.
    assert!(started.elapsed().as_secs() < 120);
}

/// A tiny deterministic generator, so the fuzz-like tests need no extra crate.
pub(crate) struct Lcg(pub(crate) u64);

impl Lcg {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
}

#[test]
fn truncations_of_every_bundled_capture_never_panic() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut inputs: Vec<PathBuf> = Vec::new();
    for sub in ["captures/docs", "captures/samples"] {
        for entry in std::fs::read_dir(root().join(sub)).expect("dir") {
            let path = entry.expect("entry").path();
            if path.extension().is_some_and(|e| e != "md") {
                inputs.push(path);
            }
        }
    }
    inputs.sort();
    let mut files = Vec::new();
    let mut rng = Lcg(7);
    for (n, input) in inputs.iter().enumerate() {
        let bytes = std::fs::read(input).expect("read");
        let ext = input.extension().and_then(|e| e.to_str()).unwrap_or("json");
        let mut cuts: Vec<usize> = (0..24)
            .map(|_| rng.next() as usize % bytes.len().max(1))
            .collect();
        cuts.extend([0, 1, bytes.len() / 2, bytes.len().saturating_sub(1)]);
        for (i, cut) in cuts.into_iter().enumerate() {
            let path = dir.path().join(format!("cut{n}_{i}.{ext}"));
            std::fs::write(&path, &bytes[..cut.min(bytes.len())]).expect("write");
            files.push(path);
        }
    }
    for i in 0..16 {
        let len = (rng.next() % 4096) as usize;
        let noise: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        for ext in ["har", "ndjson", "json"] {
            let path = dir.path().join(format!("noise{i}.{ext}"));
            std::fs::write(&path, &noise).expect("write");
            files.push(path);
        }
    }
    let report = validate(&[dir.path().to_path_buf()]);
    assert!(report.stats.files >= files.len());
    // Every finding about a broken file is located somewhere in it.
    for d in &report.diagnostics {
        if d.kind == Kind::ParseError {
            assert!(d.location.is_some(), "unlocated: {}", d.message);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The command line: formats parsed back, secrets, exit codes.

pub(crate) const FORMATS: [&str; 5] = ["human", "json", "sarif", "junit", "github"];

#[test]
fn no_report_format_ever_prints_a_request_secret() {
    for format in FORMATS {
        for strict in [false, true] {
            let mut args = vec!["validate", "--format", format];
            if strict {
                args.push("--strict");
            }
            let out = run_cli(&args);
            let all = format!("{}{}", stdout(&out), String::from_utf8_lossy(&out.stderr));
            assert!(!all.contains("PLANTED-SECRET"), "{format} leaks a secret");
            assert!(
                !all.contains("Bearer"),
                "{format} leaks an Authorization value"
            );
        }
    }
}

#[test]
fn snippets_never_show_secrets_even_on_the_offending_line() {
    // Short lines: the snippet is the whole line, headers and URL included.
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("s.ndjson"),
        concat!(
            r#"{"method": "GET", "url": "https://x.test/nope?access_token=SECRET-1", "status": 200, "headers": {"Authorization": "Bearer SECRET-2", "content-type": "application/json"}, "body": {}}"#,
            "\n",
            r#"{"method": "GET", "url": "https://espo.example.com/api/v1/Account/1", "status": 200, "request_headers": {"Cookie": "s=SECRET-3"}, "headers": {"content-type": "application/json"}, "body": {"id": 1}}"#,
            "\n",
            r#"{"method": "GET", "url": "https://x.test/a", "headers": {"x-client-secret": "SECRET-4"}, "body": {"#,
            "\n",
        ),
    )
    .expect("write");
    let har = serde_json::json!({"log": {"entries": [{
        "request": {"method": "GET", "url": "https://espo.example.com/api/v1/Account/1",
                    "headers": [{"name": "Authorization", "value": "Bearer SECRET-5"}],
                    "cookies": [{"name": "s", "value": "SECRET-6"}]},
        "response": {"status": 200, "headers": [{"name": "Set-Cookie", "value": "SECRET-7"}],
                     "content": {"mimeType": "application/json", "text": "{\"id\": 2}"}}
    }]}});
    std::fs::write(dir.path().join("s.har"), har.to_string()).expect("write");
    let path = dir.path().to_str().expect("utf-8").to_string();
    for format in FORMATS {
        let out = run_cli(&["validate", "--format", format, &path]);
        assert_eq!(out.status.code(), Some(1), "{format}");
        let all = format!("{}{}", stdout(&out), String::from_utf8_lossy(&out.stderr));
        assert!(!all.contains("SECRET"), "{format} leaks:\n{all}");
    }
    // The findings are still there and located (the Authorization and Cookie sent are not
    // EspoCRM's credentials).
    let report = validate(&[dir.path().to_path_buf()]);
    let kinds: Vec<Kind> = report.diagnostics.iter().map(|d| d.kind).collect();
    assert_eq!(
        kinds,
        [
            Kind::MissingCredentials,
            Kind::TypeMismatch,
            Kind::UnmatchedOperation,
            Kind::MissingCredentials,
            Kind::TypeMismatch,
            Kind::ParseError
        ],
        "{}",
        digest(&report.diagnostics)
    );
}

#[test]
fn json_report_has_every_documented_field() {
    let out = run_cli(&["validate", "--format", "json", "captures/docs"]);
    assert_eq!(out.status.code(), Some(1));
    let doc: Value = serde_json::from_str(&stdout(&out)).expect("one JSON document");
    let finding = doc["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| {
            f["message"]
                .as_str()
                .is_some_and(|m| m.contains("date_formant"))
        })
        .expect("the date_formant finding");
    for key in [
        "file",
        "entry",
        "method",
        "url",
        "operation",
        "status",
        "severity",
        "kind",
        "pointer",
        "message",
        "suggestion",
        "line",
        "column",
    ] {
        assert!(finding.get(key).is_some(), "missing {key}");
    }
    assert_eq!(finding["file"], "captures/docs/amocrm-account.json");
    assert_eq!(finding["entry"], Value::Null);
    assert_eq!(finding["severity"], "error");
    assert_eq!(finding["line"], 98);
    assert_eq!(finding["column"], 1);
    let summary = &doc["summary"];
    assert_eq!(summary["exchanges"], 5);
    assert_eq!(summary["tally"]["errors"], 1);
    assert_eq!(
        summary["per_operation"]["getAccount (kommo)"]["exchanges"],
        2
    );
    assert_eq!(summary["per_kind"]["unknown_property"], 4);
}

#[test]
fn sarif_report_is_valid_sarif_2_1_0() {
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("tests/fixtures/sarif-schema-2.1.0.json"))
            .expect("schema"),
    )
    .expect("schema json");
    // The official schema has two `language` patterns (run, toolComponent) that are not valid
    // ECMA 262 regexes (a stray `]`), so `jsonschema`'s meta-validation rejects the schema. Only
    // those patterns are replaced, in memory, by what they mean; the file stays as published.
    let mut schema = schema;
    for at in ["run", "toolComponent"] {
        let language = schema
            .pointer_mut(&format!("/definitions/{at}/properties/language/pattern"))
            .expect("a language pattern");
        *language = Value::from("^[a-zA-Z]{2}(-[a-zA-Z]{2})?$");
    }
    let validator = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft7)
        .build(&schema)
        .expect("the SARIF schema compiles");
    let valid = |log: &Value| {
        let errors: Vec<String> = validator
            .iter_errors(log)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{errors:#?}");
    };
    // With coverage (a run property bag) and a baseline (`baselineState` on each result).
    let dir = tempfile::tempdir().expect("tempdir");
    let baseline = dir.path().join("baseline.json");
    let baseline = baseline.to_str().expect("utf-8");
    run_cli(&["validate", "--write-baseline", baseline, "captures/docs"]);
    let out = run_cli(&[
        "validate",
        "--format",
        "sarif",
        "--coverage",
        "--baseline",
        baseline,
    ]);
    let log: Value = serde_json::from_str(&stdout(&out)).expect("json");
    valid(&log);
    let states: Vec<&str> = log["runs"][0]["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter_map(|r| r["baselineState"].as_str())
        .collect();
    assert!(
        states.contains(&"new") && states.contains(&"unchanged"),
        "{states:?}"
    );
    assert!(log["runs"][0]["properties"]["coverage"]["operations"].is_array());

    let out = run_cli(&["validate", "--format", "sarif"]);
    assert_eq!(out.status.code(), Some(1));
    let log: Value = serde_json::from_str(&stdout(&out)).expect("json");
    valid(&log);
    let results = log["runs"][0]["results"].as_array().expect("results");
    let date = results
        .iter()
        .find(|r| {
            r["message"]["text"]
                .as_str()
                .is_some_and(|m| m.contains("date_formant"))
        })
        .expect("date_formant");
    assert_eq!(date["ruleId"], "unknown_property");
    assert_eq!(date["level"], "error");
    let region = &date["locations"][0]["physicalLocation"]["region"];
    assert_eq!(
        (region["startLine"].as_u64(), region["startColumn"].as_u64()),
        (Some(98), Some(1))
    );
    assert_eq!(
        date["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "captures/docs/amocrm-account.json"
    );
}

#[test]
fn junit_report_has_one_test_case_per_exchange() {
    let out = run_cli(&["validate", "--format", "junit"]);
    assert_eq!(out.status.code(), Some(1));
    let report = quick_junit::Report::deserialize_from_str(&stdout(&out)).expect("JUnit XML");
    let cases: usize = report.test_suites.iter().map(|s| s.test_cases.len()).sum();
    // 5 document examples + 13 NDJSON lines + 11 HAR entries.
    assert_eq!(cases, 29);
    let failures: usize = report.test_suites.iter().map(|s| s.failures).sum();
    // amocrm (date_formant), NDJSON entries 2-9, 11, 12, HAR entries 0, 1, 5, 9 (entry 10 has
    // warnings only).
    assert_eq!(failures, 1 + 10 + 4);
    let amocrm = report
        .test_suites
        .iter()
        .find(|s| s.name.as_str().ends_with("amocrm-account.json"))
        .expect("suite");
    assert!(matches!(
        amocrm.test_cases[0].status,
        quick_junit::TestCaseStatus::NonSuccess { .. }
    ));
}

#[test]
fn github_report_is_workflow_commands() {
    let out = run_cli(&["validate", "--format", "github", "captures/docs"]);
    let text = stdout(&out);
    let line = text
        .lines()
        .find(|l| l.contains("date_formant"))
        .expect("date_formant line");
    assert!(
        line.starts_with(
            "::error file=captures/docs/amocrm-account.json,line=98,col=1,title=unknown_property::"
        ),
        "{line}"
    );
    assert_eq!(
        text.lines().filter(|l| l.starts_with("::warning ")).count(),
        4
    );
}

#[test]
fn human_report_is_rustc_style_with_a_summary() {
    let out = run_cli(&["validate", "captures/docs"]);
    insta::assert_snapshot!(stdout(&out));
}

#[test]
fn exit_codes() {
    // 0: clean, and warnings alone.
    let clean = run_cli(&["validate", "captures/docs/espocrm-get-account.json"]);
    assert_eq!(clean.status.code(), Some(0));
    let warnings = run_cli(&["validate", "captures/docs/kommo-account.json"]);
    assert_eq!(warnings.status.code(), Some(0));
    // 1: drift errors; warnings with --deny-warnings or --strict.
    assert_eq!(
        run_cli(&["validate", "captures/docs/amocrm-account.json"])
            .status
            .code(),
        Some(1)
    );
    assert_eq!(
        run_cli(&[
            "validate",
            "--deny-warnings",
            "captures/docs/kommo-account.json"
        ])
        .status
        .code(),
        Some(1)
    );
    assert_eq!(
        run_cli(&["validate", "--strict", "captures/docs/kommo-account.json"])
            .status
            .code(),
        Some(1)
    );
    // A broken capture is drift, not a failure of the run.
    assert_eq!(
        run_cli(&["validate", "tests/fixtures/captures/err_truncated.har"])
            .status
            .code(),
        Some(1)
    );
    // 2: the run cannot proceed.
    for args in [
        &["validate", "--spec", "spec/missing.yaml", "captures/docs"][..],
        &["validate", "no/such/capture.har"][..],
        &["validate", "--operation", "listUsers", "captures/docs"][..],
        &["validate", "--format", "yaml"][..],
        &[
            "validate",
            "--operation",
            "nope",
            "--status",
            "200",
            "captures/docs",
        ][..],
    ] {
        let out = run_cli(args);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn help_documents_the_exit_codes_and_flags() {
    let out = run_cli(&["validate", "--help"]);
    let help = stdout(&out);
    for needle in [
        "--spec",
        "--format",
        "--strict",
        "--deny-warnings",
        "--operation",
        "--status",
        "0  clean",
        "1  findings",
        "2  the run could not proceed",
    ] {
        assert!(help.contains(needle), "--help lacks {needle}");
    }
}

#[test]
fn several_specs_are_matched_together_and_only_those_given() {
    let out = run_cli(&[
        "validate",
        "--spec",
        "spec/espocrm.yaml",
        "--format",
        "json",
        "captures/docs/espocrm-get-account.json",
        "captures/docs/kommo-account.json",
    ]);
    let doc: Value = serde_json::from_str(&stdout(&out)).expect("json");
    let kinds: Vec<&str> = doc["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter_map(|f| f["kind"].as_str())
        .collect();
    assert_eq!(kinds, ["unmatched_operation"], "kommo is not loaded");
}

/// `text` as the contents of a JSON string the way some recorders write it: every non-ASCII
/// character as `\u` escapes (surrogate pairs past the BMP) and `/` as `\/`.
fn escaped_everywhere(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '/' => out.push_str("\\/"),
            c if c.is_ascii() => out.push(c),
            c => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
        }
    }
    out
}

#[test]
fn a_body_stored_as_a_json_string_gives_the_findings_of_the_same_value_at_its_escaped_keys() {
    let dir = tempfile::tempdir().expect("tempdir");
    let capture = dir.path().join("t.ndjson");
    let body = std::fs::read_to_string(root().join("captures/docs/espocrm-get-account.json"))
        .expect("example");
    let mut body: Value = serde_json::from_str(&body).expect("json");
    body["name"] = Value::from("Café 😀 / Ünïcode");
    body["teamsIds"] = Value::from("t1");
    body["assignedUserID"] = body["assignedUserId"].take();
    let body = body.to_string();
    let head = r#"{"method": "GET", "url": "https://espo.example.com/api/v1/Account/x", "status": 200, "headers": {"Content-Type": "application/json"}, "body": "#;
    let as_value = format!("{head}{body}}}");
    let as_string = format!("{head}\"{}\"}}", escaped_everywhere(&body));
    std::fs::write(&capture, format!("{as_value}\n{as_string}\n")).expect("write");
    let report = validate(&[capture]);
    let (first, second): (Vec<&Diagnostic>, Vec<&Diagnostic>) = report
        .diagnostics
        .iter()
        .partition(|d| d.location.as_ref().is_some_and(|l| l.line == 1));
    // The three drifts made above, each found (the comparison below would pass on none).
    let found: Vec<(Kind, Option<&str>)> = first
        .iter()
        .map(|d| (d.kind, d.pointer.as_deref()))
        .collect();
    assert_eq!(
        found,
        [
            (Kind::NullNotAllowed, Some("/assignedUserId")),
            (Kind::TypeMismatch, Some("/teamsIds")),
            (Kind::UnknownProperty, Some("")),
        ],
        "{}",
        digest(&report.diagnostics)
    );
    assert_eq!(first.len(), second.len(), "{}", digest(&report.diagnostics));
    for (a, b) in first.iter().zip(&second) {
        assert_eq!(
            (a.kind, &a.pointer, &a.message),
            (b.kind, &b.pointer, &b.message)
        );
        // Each points at the same text, escaped in the second line.
        let at = |line: &str, d: &Diagnostic| -> String {
            let column = d.location.as_ref().expect("located").column;
            let rest: String = line.chars().skip(column - 1).take(12).collect();
            rest.replace('\\', "")
        };
        let (a_text, b_text) = (at(&as_value, a), at(&as_string, b));
        assert_eq!(a_text[..6], b_text[..6], "{}", digest(&report.diagnostics));
    }
}

#[test]
fn a_string_body_with_a_lone_surrogate_is_located_in_its_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let capture = dir.path().join("t.ndjson");
    let line = r#"{"method": "GET", "url": "https://espo.example.com/api/v1/Account/x", "status": 200, "body": "{\"name\": \"\ud83d\"}"}"#;
    std::fs::write(&capture, format!("{line}\n")).expect("write");
    let report = validate(&[capture]);
    assert_eq!(
        report.diagnostics.len(),
        1,
        "{}",
        digest(&report.diagnostics)
    );
    let d = &report.diagnostics[0];
    assert_eq!(d.kind, Kind::ParseError);
    assert!(
        d.message.starts_with("line 1 is not valid JSON: "),
        "{}",
        d.message
    );
    let column = d.location.as_ref().expect("located").column;
    let surrogate = line.find("\\ud83d").expect("escape");
    assert!(
        (surrogate..surrogate + 8).contains(&(column - 1)),
        "column {column}, escape at {surrogate}"
    );
}

/// The kind, pointer and message of each finding about entry `n`, in order.
fn findings_of_entry(report: &Report, n: usize) -> Vec<(Kind, Option<String>, String)> {
    report
        .diagnostics
        .iter()
        .filter(|d| d.exchange.as_ref().and_then(|e| e.entry) == Some(n))
        .map(|d| (d.kind, d.pointer.clone(), d.message.clone()))
        .collect()
}

#[test]
fn a_base64_har_body_gives_the_findings_of_the_same_text_body() {
    use base64::Engine;
    let dir = tempfile::tempdir().expect("tempdir");
    let body = std::fs::read_to_string(root().join("captures/docs/espocrm-get-account.json"))
        .expect("example");
    let mut body: Value = serde_json::from_str(&body).expect("json");
    body["name"] = Value::from("Café 😀");
    body["teamsIds"] = Value::from("t1");
    let body = body.to_string();
    // Wrapped at 76 characters, `/` escaped: as some recorders write it.
    let encoded = base64::engine::general_purpose::STANDARD.encode(&body);
    let wrapped: Vec<String> = encoded
        .as_bytes()
        .chunks(76)
        .map(|c| String::from_utf8_lossy(c).replace('/', "\\/"))
        .collect();
    let entry = |text: &str, encoding: &str| {
        format!(
            r#"{{"request": {{"method": "GET", "url": "https://espo.example.com/api/v1/Account/x", "headers": [{{"name": "Host", "value": "espo.example.com"}}]}}, "response": {{"status": 200, "headers": [], "content": {{"mimeType": "application/json", {encoding}"text": "{text}"}}}}}}"#
        )
    };
    let plain = entry(&escaped_everywhere(&body), "");
    let base64 = entry(&wrapped.join("\\r\\n"), r#""encoding": "base64", "#);
    let bad_type = entry("", "").replace(r#""text": """#, r#""text": 5"#);
    let capture = dir.path().join("t.har");
    std::fs::write(
        &capture,
        format!("{{\"log\": {{\"entries\": [\n{plain},\n{base64},\n{bad_type}\n]}}}}"),
    )
    .expect("write");
    let report = validate(&[capture]);
    let of_entry = |n: usize| findings_of_entry(&report, n);
    assert!(!of_entry(0).is_empty(), "{}", digest(&report.diagnostics));
    assert_eq!(of_entry(0), of_entry(1), "{}", digest(&report.diagnostics));
    assert_eq!(
        of_entry(2),
        [(
            Kind::ParseError,
            None,
            "entry 2 is not a HAR entry: invalid type: integer `5`, expected a string".to_string()
        )],
        "{}",
        digest(&report.diagnostics)
    );
}

#[test]
fn exchanges_longer_than_the_gathering_buffer_are_read_whole_and_located() {
    // Past 4 MiB the readers find the end of a line or entry, then read it again from the file.
    let dir = tempfile::tempdir().expect("tempdir");
    let body = std::fs::read_to_string(root().join("captures/docs/espocrm-get-account.json"))
        .expect("example");
    let mut body: Value = serde_json::from_str(&body).expect("json");
    body["description"] = Value::from("x".repeat(5 << 20));
    body["teamsIds"] = Value::from("t1");
    let line = serde_json::json!({
        "method": "GET", "url": "https://espo.example.com/api/v1/Account/x", "status": 200,
        "headers": {"Content-Type": "application/json"}, "body": body
    })
    .to_string();
    let small = line.replace(&"x".repeat(5 << 20), "short");
    let ndjson = dir.path().join("t.ndjson");
    std::fs::write(&ndjson, format!("{small}\n{line}\n{small}\n")).expect("write");
    let report = validate(std::slice::from_ref(&ndjson));
    let at: Vec<(usize, Kind, String)> = report
        .diagnostics
        .iter()
        .map(|d| {
            let l = d.location.as_ref().expect("located");
            let text = if l.line == 2 { &line } else { &small };
            (
                l.line,
                d.kind,
                text.chars().skip(l.column - 1).take(10).collect(),
            )
        })
        .collect();
    let kinds = |n: usize| {
        at.iter()
            .filter(move |a| a.0 == n)
            .map(|a| (a.1, a.2.clone()))
    };
    assert!(kinds(1).count() > 0, "{}", digest(&report.diagnostics));
    assert!(kinds(1).eq(kinds(2)), "{}", digest(&report.diagnostics));
    assert!(kinds(1).eq(kinds(3)), "{}", digest(&report.diagnostics));
    // The same exchanges as HAR entries, the long one in the middle.
    let entry = |line: &str| {
        let v: Value = serde_json::from_str(line).expect("line");
        serde_json::json!({
            "request": {"method": "GET", "url": v["url"], "headers": [{"name": "Host", "value": "espo.example.com"}]},
            "response": {"status": 200, "headers": [], "content": {"mimeType": "application/json", "text": v["body"].to_string()}}
        })
    };
    let har = dir.path().join("t.har");
    let entries = [entry(&small), entry(&line), entry(&small)];
    std::fs::write(
        &har,
        serde_json::json!({"log": {"entries": entries}}).to_string(),
    )
    .expect("write");
    let report = validate(&[har]);
    let of_entry = |n: usize| findings_of_entry(&report, n);
    assert!(!of_entry(0).is_empty(), "{}", digest(&report.diagnostics));
    assert_eq!(of_entry(0), of_entry(1), "{}", digest(&report.diagnostics));
    assert_eq!(of_entry(0), of_entry(2), "{}", digest(&report.diagnostics));
}

/// A big value read again from the masked line is found by how many values stand before it,
/// not by its tape entry: a masked `"\u0062"` reads back as plain bytes and shares an entry with
/// the string before it, so every later entry would be one off (the instance below came back as
/// the array's first object).
#[test]
fn a_big_instance_after_a_masked_escaped_string_is_the_right_value() {
    let spec = get_x_spec("                  api_tokens: {type: object}\n");
    let items = vec![r#"{"a":1}"#; 600].join(",");
    let line = format!(
        r#"{{"method":"GET","url":"https://api.example.com/x","status":200,"headers":{{"content-type":"application/json"}},"body":{{"tokens":["a","\u0062"],"api_tokens":[{items}]}}}}"#
    );
    let diagnostics = validate_inline(&spec, "t.ndjson", &line);
    let wrong_type = diagnostics
        .iter()
        .find(|d| d.pointer.as_deref() == Some("/api_tokens"))
        .expect("a finding about api_tokens");
    assert!(
        wrong_type.message.contains("expected object, found array"),
        "{}",
        wrong_type.message
    );
}

static HUGE_SEEN: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

fn count_huge() {
    HUGE_SEEN.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
}

/// The binary's allocator returns freed pages at once for a huge exchange: the hook runs once,
/// before the first exchange of `HUGE_ENTRY` bytes, and not for ordinary ones.
#[test]
fn the_huge_entry_hook_runs_once_for_huge_exchanges_only() {
    let dir = tempfile::tempdir().expect("tempdir");
    let line = |text_len: usize| {
        format!(
            r#"{{"method":"GET","url":"https://devteam.kommo.com/api/v4/account","status":200,"headers":{{"content-type":"application/hal+json"}},"body":{{"name":"{}"}}}}"#,
            "x".repeat(text_len)
        )
    };
    let small = dir.path().join("small.ndjson");
    std::fs::write(&small, line(10) + "\n").expect("write");
    let huge = dir.path().join("huge.ndjson");
    let big = line(specsmith::validate::HUGE_ENTRY);
    std::fs::write(&huge, format!("{big}\n{big}\n")).expect("write");
    let specs = [specsmith::spec::load(&root().join("spec/kommo.yaml")).expect("spec")];
    let options = Options {
        on_huge_entry: Some(count_huge),
        ..Options::default()
    };
    let validator = Validator::new(&specs, options).expect("valid");
    validator.run_with(&[small], &mut |_| {}).expect("runs");
    assert_eq!(HUGE_SEEN.load(std::sync::atomic::Ordering::Relaxed), 0);
    validator.run_with(&[huge], &mut |_| {}).expect("runs");
    assert_eq!(HUGE_SEEN.load(std::sync::atomic::Ordering::Relaxed), 1);
}
