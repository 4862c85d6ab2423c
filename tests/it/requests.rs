//! Requests checked as the spec says they are sent: clean traffic in every parameter style gives
//! no finding, each request kind is found once with its message and location, `--server` scopes
//! a run, raw bodies skip the checks, and no credential reaches any report format.

use std::path::PathBuf;

use specsmith::validate::{Options, Report, Validator};
use specsmith::{Diagnostic, Kind};

use crate::validate::{
    digest, root, run_cli, stdout, validate, validate_counted, validate_with, Lcg, FORMATS,
};

/// Every operation of the three bundled specs, as reports name them.
pub(crate) const ALL_OPERATIONS: [&str; 11] = [
    "createAccount (espocrm)",
    "deleteAccount (espocrm)",
    "getAccount (espocrm)",
    "getAccount (kommo)",
    "getAccountStream (espocrm)",
    "linkAccount (espocrm)",
    "listAccountLinks (espocrm)",
    "listAccounts (espocrm)",
    "listUsers (v4marketing)",
    "unlinkAccount (espocrm)",
    "updateAccount (espocrm)",
];

/// The kinds only request checks give.
pub(crate) const REQUEST_KINDS: [Kind; 5] = [
    Kind::MissingParameter,
    Kind::UndocumentedParameter,
    Kind::InvalidParameter,
    Kind::RequestBodyMismatch,
    Kind::MissingCredentials,
];

fn fixture(name: &str) -> PathBuf {
    root().join("tests/fixtures/requests").join(name)
}

/// Validates `paths` against `tests/fixtures/specs/styles.yaml` alone.
fn validate_styles(paths: &[PathBuf]) -> Report {
    let spec = specsmith::spec::load(&root().join("tests/fixtures/specs/styles.yaml"))
        .expect("spec loads");
    let specs = [spec];
    Validator::new(&specs, Options::default())
        .expect("valid options")
        .run(paths)
        .expect("readable")
}

fn request_findings(diagnostics: &[Diagnostic]) -> Vec<&Diagnostic> {
    diagnostics
        .iter()
        .filter(|d| REQUEST_KINDS.contains(&d.kind))
        .collect()
}

#[test]
fn clean_requests_of_every_operation_of_the_bundled_specs_give_no_findings() {
    let (report, ops) = validate_counted(&[fixture("requests-clean.ndjson")]);
    assert!(
        report.diagnostics.is_empty(),
        "{}",
        digest(&report.diagnostics)
    );
    // Every operation of the three specs was matched, so the checks really ran on each.
    let ops: Vec<&str> = ops.keys().map(String::as_str).collect();
    assert_eq!(ops, ALL_OPERATIONS);
}

#[test]
fn kommo_with_is_two_values_each_checked_against_the_enum() {
    // Redocly's drift reads `with=amojo_rights,version` as one enum value; it is a form,
    // explode: false array of two valid values.
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("with.ndjson");
    let line = |with: &str| {
        format!(
            r#"{{"method": "GET", "url": "https://devteam.kommo.com/api/v4/account?with={with}", "status": 200, "request_headers": {{"Authorization": "Bearer t"}}}}"#
        )
    };
    std::fs::write(
        &file,
        [line("amojo_rights,version"), line("version,amojo_rigths")].join("\n"),
    )
    .expect("write");
    let report = validate(&[file]);
    assert_eq!(
        digest(&report.diagnostics),
        r#"with.ndjson #1 2:68 error invalid_parameter /query/with/1 | query parameter with: "amojo_rigths" is not one of the allowed values: "amojo_id", "amojo_rights", "users_groups", "task_types", "version", "entity_names", "datetime_settings" | help: did you mean "amojo_rights"?"#
    );
}

#[test]
fn every_parameter_style_reads_clean_and_catches_drift() {
    // spaceDelimited, pipeDelimited, deepObject, form+explode, label, matrix, two variables in
    // one path segment, header and cookie parameters, form and JSON bodies, in HAR and NDJSON.
    let clean = [fixture("styles-clean.ndjson"), fixture("styles-clean.har")];
    let report = validate_styles(&clean);
    assert!(
        report.diagnostics.is_empty(),
        "{}",
        digest(&report.diagnostics)
    );
    assert_eq!(report.stats.exchanges, 7);
    // The same lines with one wrong value per parameter: every style's reading is live.
    let text = std::fs::read_to_string(&clean[0]).expect("read");
    let drifted = [
        (".red,green", ".red,purple"),
        (";y=-2", ";y=b"),
        ("ids=1|2|3", "ids=1|x"),
        ("filter[status]=open", "filter[status]=opne"),
        ("tags=new%20hot", "tags=new%20hot&fields=a&extra=1"),
        (r#""X-Trace-Level": "3""#, r#""X-Trace-Level": "9""#),
        ("theme=dark", "theme=blue"),
        ("report.2024.pdf", "report.2024.doc"),
        ("count=2&active=true", "count=two"),
        (r#""count": 2}"#, r#""count": 2, "colour": "red"}"#),
    ]
    .iter()
    .fold(text, |t, (from, to)| t.replacen(from, to, 1));
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("styles-drift.ndjson");
    std::fs::write(&file, drifted).expect("write");
    let report = validate_styles(&[file]);
    let found: Vec<(Kind, &str)> = report
        .diagnostics
        .iter()
        .map(|d| (d.kind, d.pointer.as_deref().unwrap_or("")))
        .collect();
    assert_eq!(
        found,
        [
            (Kind::InvalidParameter, "/path/labels/1"),
            (Kind::InvalidParameter, "/path/coords"),
            (Kind::InvalidParameter, "/query/ids"),
            (Kind::InvalidParameter, "/query/filter/status"),
            (Kind::UndocumentedParameter, "/query/extra"),
            (Kind::InvalidParameter, "/header/X-Trace-Level"),
            (Kind::InvalidParameter, "/cookie/theme"),
            (Kind::InvalidParameter, "/path/ext"),
            (Kind::RequestBodyMismatch, "/body/count"),
            (Kind::RequestBodyMismatch, "/body"),
        ],
        "{}",
        digest(&report.diagnostics)
    );
}

#[test]
fn each_request_kind_is_found_once_with_its_message_and_location() {
    let report = validate(&[fixture("requests-drift.har")]);
    insta::assert_snapshot!(digest(&report.diagnostics), @r#"
    requests-drift.har #0 30:24 error invalid_parameter /query/with/0 | query parameter with: "amojo_rigths" is not one of the allowed values: "amojo_id", "amojo_rights", "users_groups", "task_types", "version", "entity_names", "datetime_settings" | help: did you mean "amojo_rights"?
    requests-drift.har #1 62:18 error missing_parameter /query/workspaceId | missing required query parameter workspaceId of listUsers | help: send workspaceId as the spec documents it
    requests-drift.har #2 128:24 warning undocumented_parameter /header/X-Tenant | header X-Tenant is not documented for listAccounts | help: document X-Tenant as a header parameter if the API reads it, or stop sending it
    requests-drift.har #3 188:33 error request_body_mismatch /body/name | request body: expected string, found integer 5
    requests-drift.har #4 220:22 error missing_credentials /header/X-Api-Key | missing credentials: deleteAccount requires the X-Api-Key header (apiKeyAuth) or the Espo-Authorization header (espoAuth); the request has none of them | help: send the credentials the operation's security requirement names (their values are never shown)
    "#);
    // The HAR lines they point at: the queryString value, the url, the header value, the key's
    // value inside postData.text, the headers list.
    let lines: Vec<String> = report
        .diagnostics
        .iter()
        .map(|d| {
            d.location
                .as_ref()
                .expect("located")
                .line_text
                .trim()
                .to_string()
        })
        .collect();
    assert_eq!(lines[0], r#""value": "************""#, "masked");
    assert!(lines[1].starts_with(r#""url": "https://api.data.v4.marketing"#));
    assert!(lines[3].starts_with(r#""text": "****"#), "{}", lines[3]);
    assert_eq!(lines[4], r#""headers": ["#);
}

#[test]
fn ndjson_request_findings_point_at_their_key_in_the_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("r.ndjson");
    let line = r#"{"method": "POST", "url": "https://espo.example.com/api/v1/Account/a1/contacts", "status": 200, "request_headers": {"X-Api-Key": "k", "X-Debug": "1"}, "request_body": {"ids": "c1"}}"#;
    std::fs::write(&file, line).expect("write");
    let report = validate(&[file]);
    let at = |needle: &str| line.find(needle).expect("in line") + 1;
    let found: Vec<(Kind, usize)> = report
        .diagnostics
        .iter()
        .map(|d| (d.kind, d.location.as_ref().map_or(0, |l| l.column)))
        .collect();
    assert_eq!(
        found,
        [
            (Kind::UndocumentedParameter, at(r#""1""#)),
            (Kind::RequestBodyMismatch, at(r#""c1""#)),
        ],
        "{}",
        digest(&report.diagnostics)
    );
}

#[test]
fn path_and_query_findings_point_inside_the_url_even_through_escapes() {
    // PHP's json_encode writes `\/` for every slash: columns still land on the value itself.
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("php.ndjson");
    let line = r#"{"method": "GET", "url": "https:\/\/espo.example.com\/api\/v1\/Account\/a1\/callz?offset=0&maxSize=x", "status": 200, "request_headers": {"X-Api-Key": "k"}}"#;
    std::fs::write(&file, line).expect("write");
    let report = validate(&[file]);
    let at = |needle: &str| line.find(needle).expect("in line") + 1;
    let found: Vec<(Kind, &str, usize)> = report
        .diagnostics
        .iter()
        .map(|d| {
            (
                d.kind,
                d.pointer.as_deref().unwrap_or(""),
                d.location.as_ref().map_or(0, |l| l.column),
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            (Kind::InvalidParameter, "/path/link", at("callz")),
            (Kind::InvalidParameter, "/query/maxSize", at("maxSize=x")),
        ],
        "{}",
        digest(&report.diagnostics)
    );
}

#[test]
fn skip_requests_checks_responses_only() {
    let path = [fixture("requests-drift.har")];
    let report = validate_with(
        &path,
        Options {
            skip_requests: true,
            ..Options::default()
        },
    );
    assert!(
        report.diagnostics.is_empty(),
        "{}",
        digest(&report.diagnostics)
    );
    assert_eq!(report.stats.exchanges, 5);
}

#[test]
fn raw_bodies_record_no_request_and_skip_request_checks() {
    // createAccount requires a body and credentials; a raw response body says nothing of them.
    let body = root().join("captures/docs/espocrm-get-account.json");
    let out = run_cli(&[
        "validate",
        "--operation",
        "espocrm:createAccount",
        "--status",
        "200",
        "--format",
        "json",
        body.to_str().expect("utf-8"),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let report = validate(&[root().join("captures/docs")]);
    assert!(request_findings(&report.diagnostics).is_empty());
}

#[test]
fn server_scopes_a_run_to_traffic_under_a_gateway_prefix() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("gateway.ndjson");
    let line = |url: &str| {
        format!(
            r#"{{"method": "GET", "url": "{url}", "status": 200, "request_headers": {{"X-Api-Key": "k"}}, "headers": {{"content-type": "application/json"}}, "body": {{"total": 0, "list": []}}}}"#
        )
    };
    std::fs::write(
        &file,
        [
            line("http://localhost:9000/api/Account?maxSize=2"),
            line("http://LOCALHOST:9000/api/Account/a1/callz"),
            line("http://localhost:9000/kommo/api/v4/account"),
            line("http://localhost:9000/apis/Account"),
            line("http://localhost:9001/api/Account"),
            line("http://localhost:9000/api/Nope"),
        ]
        .join("\n"),
    )
    .expect("write");
    let options = |server: Option<&str>| Options {
        server: server.map(str::to_string),
        ..Options::default()
    };
    let scoped = validate_with(
        std::slice::from_ref(&file),
        options(Some("http://localhost:9000/api")),
    );
    assert_eq!(scoped.stats.outside_server, 3);
    assert_eq!(scoped.stats.exchanges, 3);
    let found: Vec<(Option<usize>, Kind)> = scoped
        .diagnostics
        .iter()
        .map(|d| (d.exchange.as_ref().and_then(|e| e.entry), d.kind))
        .collect();
    assert_eq!(
        found,
        [
            (Some(1), Kind::InvalidParameter),
            (Some(5), Kind::UnmatchedOperation)
        ],
        "{}",
        digest(&scoped.diagnostics)
    );
    // Without --server the gateway prefix hides the spec's paths: nothing matches.
    let unscoped = validate_with(std::slice::from_ref(&file), options(None));
    assert_eq!(unscoped.stats.outside_server, 0);
    assert!(unscoped
        .diagnostics
        .iter()
        .all(|d| d.kind == Kind::UnmatchedOperation));
    // The command line says how many were skipped; a URL that is no base stops the run.
    let path = file.to_str().expect("utf-8");
    let out = run_cli(&["validate", "--server", "http://localhost:9000/api", path]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).contains("skipped 3 exchanges outside --server"),
        "{}",
        stdout(&out)
    );
    let json = run_cli(&[
        "validate",
        "--format",
        "json",
        "--server",
        "http://localhost:9000/api",
        path,
    ]);
    let report: serde_json::Value = serde_json::from_str(&stdout(&json)).expect("json");
    assert_eq!(report["summary"]["outside_server"], 3);
    let bad = run_cli(&["validate", "--server", "localhost/api", path]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--server"));
}

#[test]
fn no_report_format_prints_a_credential_from_a_request_finding() {
    // Findings about credentials and about parameters that carry them: the header, query key
    // and cookie are named, their values never shown, in messages, snippets or URLs.
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("secret.ndjson"),
        concat!(
            r#"{"method": "GET", "url": "https://styles.test/v1/files/a.txt?api_key=PLANTED-SECRET-q1&token=PLANTED-SECRET-q2", "status": 200, "request_headers": {"X-Session-Token": "PLANTED-SECRET-h1", "Authorization": "Basic PLANTED-SECRET-h2", "Cookie": "sid=PLANTED-SECRET-c1"}}"#,
            "\n",
            r#"{"method": "POST", "url": "https://styles.test/v1/items", "status": 201, "request_headers": {"Proxy-Authorization": "PLANTED-SECRET-h3", "Content-Type": "application/x-www-form-urlencoded"}, "request_body": "name=PLANTED-SECRET-b1&count=two"}"#,
            "\n",
        ),
    )
    .expect("write");
    let spec = root().join("tests/fixtures/specs/styles.yaml");
    let report = validate_styles(&[dir.path().to_path_buf()]);
    let kinds: Vec<Kind> = report.diagnostics.iter().map(|d| d.kind).collect();
    assert_eq!(
        kinds,
        [
            Kind::UndocumentedParameter,
            Kind::InvalidParameter,
            Kind::MissingCredentials,
            Kind::RequestBodyMismatch
        ],
        "{}",
        digest(&report.diagnostics)
    );
    let spec = spec.to_str().expect("utf-8");
    let path = dir.path().to_str().expect("utf-8");
    for format in FORMATS {
        let out = run_cli(&["validate", "--spec", spec, "--format", format, path]);
        assert_eq!(out.status.code(), Some(1), "{format}");
        let all = format!("{}{}", stdout(&out), String::from_utf8_lossy(&out.stderr));
        assert!(!all.contains("PLANTED-SECRET"), "{format} leaks:\n{all}");
        assert!(all.contains("X-Session-Token"), "{format} names the header");
    }
}

#[test]
fn mangled_request_parts_never_panic() {
    // Every request field a reader takes, truncated or given the wrong type, in both streamed
    // formats: findings stay located, the run never panics.
    let urls = [
        "https://styles.test/v1/items/%zz/.%/;?",
        "https://styles.test/v1/items/1/.red/;x=1;y?tags=%&ids=||&filter[=1&filter]]=2&&==&fields",
        "https://styles.test/v1/files/..?api_key",
        "https://espo.example.com/api/v1/Account?where[x][type]=1&where[0]=2&where[99999999999999999999][a]=b",
        "https://devteam.kommo.com/api/v4/account?with=,,,&with",
        "/v1/items/\u{1F512}/.\u{e9}/;x=\u{e9}",
        "",
    ];
    let headers = [
        r#"{"X-Trace-Level": ["1", 2, null], "Cookie": "=; ;a=; sid"}"#,
        r#"{"X-Flags": {"a": 1}, "X-Trace-Level": 99999999999999999999999}"#,
        r#"{"Cookie": "sid=\"x\"; theme=\u00e9", "": ""}"#,
        r#"[]"#,
        r#""text""#,
    ];
    let bodies = [
        r#""name=%&count=&&=""#,
        r#""{\"name\": ""#,
        r#"[1, {"a": null}]"#,
        r#"{"name": {"nested": [1, 2, {"x": "\ud83d\ude00"}]}}"#,
        "null",
        "42",
    ];
    let mut rng = Lcg(11);
    let mut lines = Vec::new();
    for i in 0..120 {
        let url = urls[rng.next() as usize % urls.len()];
        let h = headers[rng.next() as usize % headers.len()];
        let b = bodies[rng.next() as usize % bodies.len()];
        let method = ["GET", "POST", "PUT", "DELETE"][i % 4];
        let line = format!(
            r#"{{"method": "{method}", "url": {}, "status": 200, "request_headers": {h}, "request_body": {b}}}"#,
            serde_json::to_string(url).expect("json")
        );
        // Every third line cut short somewhere.
        let cut = if i % 3 == 0 {
            line.char_indices()
                .nth(rng.next() as usize % line.chars().count())
                .map_or(line.len(), |(at, _)| at)
        } else {
            line.len()
        };
        lines.push(line[..cut].to_string());
    }
    let har_entries: Vec<serde_json::Value> = (0..40)
        .map(|i| {
            let odd = serde_json::json!([{"name": 1, "value": null}, {"name": "X-Flags"}, "x", {"value": "v"}]);
            serde_json::json!({
                "request": {
                    "method": "POST",
                    "url": urls[i % urls.len()],
                    "headers": if i % 2 == 0 { odd.clone() } else { serde_json::json!([{"name": "Cookie", "value": ";;=;"}]) },
                    "cookies": odd,
                    "queryString": [{"name": "%", "value": "%"}, {"name": "tags"}],
                    "postData": if i % 3 == 0 { serde_json::json!({"mimeType": "application/x-www-form-urlencoded", "params": [{"name": "a"}, {"name": "name", "value": "x"}]}) } else { serde_json::json!({"text": "{\"na"}) },
                    "bodySize": i64::from(i % 2 == 0) * 7 - 1
                },
                "response": {"status": 201, "headers": []}
            })
        })
        .collect();
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("mangled.ndjson"), lines.join("\n")).expect("write");
    std::fs::write(
        dir.path().join("mangled.har"),
        serde_json::json!({"log": {"entries": har_entries}}).to_string(),
    )
    .expect("write");
    for report in [
        validate_styles(&[dir.path().to_path_buf()]),
        validate(&[dir.path().to_path_buf()]),
    ] {
        assert!(report.stats.exchanges > 60);
        for d in &report.diagnostics {
            assert!(d.location.is_some(), "unlocated: {}", d.message);
        }
        assert!(
            !request_findings(&report.diagnostics).is_empty(),
            "the mangled requests are still checked"
        );
    }
}
