//! Hostile captures: odd file names, planted secrets, control characters and floods must give
//! complete, bounded, secret-free reports in every format. Every input is written by the test
//! itself (no recordings are copied).

use std::path::Path;

use crate::validate::{get_x_spec, root, run_cli, stdout, FORMATS};

/// One Kommo exchange whose body drifts (`customers_mode` is not an allowed value).
const KOMMO_DRIFT: &str = r#"{"method": "GET", "url": "https://devteam.kommo.com/api/v4/account", "status": 200, "headers": {"content-type": "application/hal+json"}, "body": {"id": 1, "name": "n", "subdomain": "s", "current_user_id": 2, "country": "US", "currency": "USD", "customers_mode": "disbled", "is_unsorted_on": true, "is_loss_reason_enabled": true, "is_helpbot_enabled": false, "is_technical_account": true, "contact_name_display_order": 1}}"#;

fn validate_dir(dir: &Path, format: &str) -> std::process::Output {
    let path = dir.to_str().expect("temp dirs are UTF-8");
    let kommo = root().join("spec/kommo.yaml");
    run_cli(&[
        "validate",
        "--spec",
        kommo.to_str().expect("UTF-8 checkout"),
        "--format",
        format,
        path,
    ])
}

/// Each format's whole output (stdout and stderr) for `dir`, each checked to be a run with
/// findings (exit 1) that shows no planted secret: the rule both secret tests rely on.
fn every_format_without_planted(dir: &Path) -> Vec<(&'static str, String)> {
    FORMATS
        .into_iter()
        .map(|format| {
            let out = validate_dir(dir, format);
            assert_eq!(out.status.code(), Some(1), "{format}");
            let all = format!("{}{}", stdout(&out), String::from_utf8_lossy(&out.stderr));
            assert!(!all.contains("PLANTED"), "{format} leaks:\n{all}");
            (format, all)
        })
        .collect()
}

#[cfg(unix)]
#[test]
fn a_capture_file_name_that_is_not_utf8_gives_a_whole_report_in_every_format() {
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().expect("tempdir");
    let name = std::ffi::OsStr::from_bytes(b"bad\xff.ndjson");
    std::fs::write(dir.path().join(name), format!("{KOMMO_DRIFT}\n")).expect("write");
    for format in FORMATS {
        let out = validate_dir(dir.path(), format);
        assert_eq!(
            out.status.code(),
            Some(1),
            "{format}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = stdout(&out);
        assert!(
            text.contains("bad\u{fffd}.ndjson") || text.contains("bad%FF.ndjson"),
            "{format}:\n{text}"
        );
        if format == "json" || format == "sarif" {
            let doc: serde_json::Value =
                serde_json::from_str(&text).expect("a whole JSON document");
            assert!(doc.is_object());
        }
    }
}

/// Lines whose secrets sit in every place a report could show: URL userinfo, fragment,
/// percent-encoded and `sig`/`;jsessionid` parameters, an object value in a message, a
/// request body, and a body key that tries to start a CI command.
fn planted_captures(dir: &Path) {
    let account = |extra: &str| {
        format!(
            r#""body": {{"id": 1, "name": {{"api_key": "sk_live_PLANTED1"}}, "subdomain": "s", "current_user_id": 2, "country": "US", "currency": "USD", "customers_mode": "disabled", "is_unsorted_on": true, "is_loss_reason_enabled": true, "is_helpbot_enabled": false, "is_technical_account": true, "contact_name_display_order": 1{extra}}}"#
        )
    };
    let lines = [
        format!(
            r#"{{"method": "GET", "url": "https://admin:PLANTED2@devteam.kommo.com/api/v4/account?%74oken=PLANTED4&sig=PLANTED5&signature=PLANTED6&author=visible_author#access_token=PLANTED7", "status": 200, "headers": {{"content-type": "application/hal+json", "x-trace": "a\r\u001b[31mred", "x-upstream": ["PLANTED13", "PLANTED14"]}}, "request_headers": {{"Authorization": "Bearer PLANTED8"}}, "request_body": {{"password": "PLANTED9"}}, {}}}"#,
            account(r#", "x\n::error::injected": 1, "esc\u001b[2Jkey": 2"#)
        ),
        // Duplicate keys: the copy a report could show is the second one.
        format!(
            r#"{{"method": "GET", "url": "https://devteam.kommo.com/api/v4/account", "status": 200, "headers": {{"content-type": "application/hal+json"}}, "request_headers": {{"Authorization": "Bearer x", "Authorization": "Bearer PLANTED10"}}, {}}}"#,
            account("")
        ),
        // Duplicate keys whose kept copy holds no secret: the dropped copy, which a snippet
        // shows, may (found by the session 9 review).
        KOMMO_DRIFT.replacen(r#""id": 1,"#, r#""password": "PLANTED15", "password": 5, "id": 1,"#, 1),
        KOMMO_DRIFT.replacen(
            r#""url": "https://devteam.kommo.com/api/v4/account","#,
            r#""url": "https://devteam.kommo.com/api/v4/account?token=PLANTED16", "u\u0072l": "https://devteam.kommo.com/api/v4/account","#,
            1,
        ),
        r#"{"method": "GET", "url": "https://devteam.kommo.com/api/v4/account;jsessionid=PLANTED3", "status": 200, "body": {}}"#.to_string(),
        // Not an exchange object: its raw text is never shown.
        r#"["not an exchange", "PLANTED11"]"#.to_string(),
        r#"{"method": "GET", "url": "https://devteam.kommo.com/api/v4/account?api_key=PLANTED12", "status": 200, "body": {"#.to_string(),
    ];
    std::fs::write(dir.join("planted.ndjson"), lines.join("\n") + "\n").expect("write");
}

#[test]
fn planted_secrets_and_control_characters_never_reach_any_format() {
    let dir = tempfile::tempdir().expect("tempdir");
    planted_captures(dir.path());
    for (format, all) in every_format_without_planted(dir.path()) {
        // GitHub annotations carry no URL.
        if format != "github" {
            assert!(
                all.contains("visible_author"),
                "{format} hides a name:\n{all}"
            );
        }
        let raw = all.chars().find(|c| c.is_control() && *c != '\n');
        assert_eq!(raw, None, "{format} prints a raw control character:\n{all}");
        for line in all.lines() {
            assert!(
                !line.trim_start().starts_with("::error::injected"),
                "{format} lets capture text start a CI command:\n{all}"
            );
        }
    }
}

/// Secrets on exchanges whose only finding stands elsewhere in their text: an NDJSON line whose
/// masking waits until a finding shows it (no key twice, a URL that hides nothing, a body read
/// with the line), the same line with a key twice, a minified HAR whose snippet line holds the
/// entry before, and a raw JSON body on one line.
fn secrets_beside_findings(dir: &Path) {
    let lazy = KOMMO_DRIFT
        .replacen(
            r#""status": 200,"#,
            r#""status": 200, "request_headers": {"Authorization": "Bearer PLANTED_L1", "X-Api-Key": ["PLANTED_L2"]}, "request_body": {"note": "PLANTED_L3"}, "meta": {"token": "PLANTED_L4", "user": {"password": "PLANTED_L5"}},"#,
            1,
        )
        .replacen(
            r#""headers": {"content-type": "application/hal+json"}"#,
            r#""headers": {"content-type": "application/hal+json", "x-session": "PLANTED_L6"}"#,
            1,
        )
        .replacen(
            r#""id": 1,"#,
            r#""id": 1, "_embedded": {"account": {"api_key": "PLANTED_L7", "secrets": ["PLANTED_L8", {"n": "PLANTED_L9"}]}},"#,
            1,
        );
    let twice = KOMMO_DRIFT.replacen(
        r#""status": 200,"#,
        r#""status": 200, "note": "PLANTED_D1", "note": "kept",  "request_headers": {"Accept": "PLANTED_D2"},"#,
        1,
    );
    std::fs::write(dir.join("lazy.ndjson"), format!("{lazy}\n{twice}\n")).expect("write");
    let body: serde_json::Value = serde_json::from_str(
        &KOMMO_DRIFT[KOMMO_DRIFT.find(r#"{"id""#).expect("body")..KOMMO_DRIFT.len() - 1],
    )
    .expect("JSON body");
    let entry = |status: u16, secret: &str| {
        serde_json::json!({
            "request": {"method": "GET", "url": "https://devteam.kommo.com/api/v4/account",
                        "headers": [{"name": "Authorization", "value": format!("Bearer {secret}A")}]},
            "response": {"status": status,
                         "content": {"mimeType": "application/hal+json", "text": body.to_string()},
                         "headers": [{"name": "Set-Cookie", "value": format!("s={secret}B")}]}
        })
    };
    let har = serde_json::json!({"log": {"entries": [entry(200, "PLANTED_H1"), entry(599, "PLANTED_H2")]}});
    std::fs::write(dir.join("min.har"), har.to_string()).expect("write");
    let mut raw = body;
    raw["_embedded"] = serde_json::json!({"account": {"api_key": "PLANTED_R1"}});
    std::fs::write(dir.join("acct.json"), raw.to_string()).expect("write");
    std::fs::write(
        dir.join("acct.meta.json"),
        r#"{"method": "GET", "url": "https://devteam.kommo.com/api/v4/account", "status": 200, "content_type": "application/hal+json"}"#,
    )
    .expect("write");
}

#[test]
fn secrets_beside_the_only_finding_never_reach_any_format() {
    let dir = tempfile::tempdir().expect("tempdir");
    secrets_beside_findings(dir.path());
    for (format, all) in every_format_without_planted(dir.path()) {
        // Each exchange has its finding (four drifts, the undocumented status), located.
        let drifts = all.matches("disbled").count();
        assert!(
            drifts >= 4 || format == "human",
            "{format}: {drifts}:\n{all}"
        );
    }
    // The human report shows the lines themselves, masked: snippets are kept, not dropped.
    let human = stdout(&validate_dir(dir.path(), "human"));
    for shown in [
        r#""request_body": {"note": "**********"}"#,
        r#"{"name":"**********","value":"*************"}]}},{"request""#,
        r#""api_key":"**********""#,
    ] {
        assert!(human.contains(shown), "{shown} in:\n{human}");
    }
}

// ---------------------------------------------------------------------------------------------
// Moved keys: only when the body lacks the key where the spec documents it.

fn protection_findings(body: &str) -> Vec<(String, String)> {
    let dir = tempfile::tempdir().expect("tempdir");
    let line = format!(
        r#"{{"method": "GET", "url": "https://api.example.test/repos/o/r/branches/main/protection", "status": 200, "headers": {{"content-type": "application/json"}}, "body": {body}}}"#
    );
    std::fs::write(dir.path().join("p.ndjson"), line + "\n").expect("write");
    let spec = root().join("tests/fixtures/moved/protection.yaml");
    let out = run_cli(&[
        "validate",
        "--format",
        "json",
        "--spec",
        spec.to_str().expect("UTF-8 checkout"),
        dir.path().to_str().expect("UTF-8 temp dir"),
    ]);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    doc["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                f["kind"].as_str().unwrap_or("").to_string(),
                f["message"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

#[test]
fn a_key_the_body_also_has_where_documented_is_unknown_not_moved() {
    let both = protection_findings(
        r#"{"required_pull_request_reviews": {"dismissal_restrictions": {"users": [], "apps": []}}, "restrictions": {"users": [], "apps": []}}"#,
    );
    assert_eq!(both.len(), 1, "{both:?}");
    assert_eq!(both[0].0, "unknown_property", "{both:?}");
    let moved = protection_findings(
        r#"{"required_pull_request_reviews": {"dismissal_restrictions": {"users": [], "apps": []}}, "restrictions": {"users": []}}"#,
    );
    assert_eq!(moved.len(), 1, "{moved:?}");
    assert_eq!(moved[0].0, "moved_property", "{moved:?}");
    assert!(moved[0].1.contains("/restrictions/apps"), "{moved:?}");
}

// ---------------------------------------------------------------------------------------------
// Bounded output: one exchange with 10,000 undocumented query parameters.

#[test]
fn ten_thousand_undocumented_parameters_give_a_report_of_bounded_size() {
    let dir = tempfile::tempdir().expect("tempdir");
    let query: Vec<String> = (0..10_000).map(|i| format!("p{i}=v{i}")).collect();
    let line = KOMMO_DRIFT.replace(
        "/api/v4/account\"",
        &format!("/api/v4/account?{}\"", query.join("&")),
    );
    std::fs::write(dir.path().join("flood.ndjson"), line + "\n").expect("write");
    for format in FORMATS {
        let out = validate_dir(dir.path(), format);
        assert_eq!(out.status.code(), Some(1), "{format}");
        let size = out.stdout.len();
        // The full URL (about 120 kB) appears only in JSON's `url` of each finding.
        let limit = if format == "json" { 3_000_000 } else { 100_000 };
        assert!(size < limit, "{format}: {size} bytes");
        let text = stdout(&out);
        if format != "github" {
            assert!(
                text.contains("characters)") || format == "json",
                "{format}: URL not cut"
            );
        }
        assert!(
            text.contains("9990 more query parameters"),
            "{format}: not folded"
        );
    }
}

#[test]
fn max_entry_mib_caps_the_entry_read() {
    let dir = tempfile::tempdir().expect("tempdir");
    let padding = "x".repeat(2 * 1024 * 1024);
    let big = KOMMO_DRIFT.replace("\"name\": \"n\"", &format!("\"name\": \"{padding}\""));
    std::fs::write(
        dir.path().join("big.ndjson"),
        format!("{big}\n{KOMMO_DRIFT}\n"),
    )
    .expect("write");
    let path = dir.path().to_str().expect("UTF-8 temp dir");
    let kommo = root().join("spec/kommo.yaml");
    let kommo = kommo.to_str().expect("UTF-8 checkout");
    let run = |cap: &str| {
        let out = run_cli(&[
            "validate",
            "--spec",
            kommo,
            "--format",
            "json",
            "--max-entry-mib",
            cap,
            path,
        ]);
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON report");
        doc["summary"]["exchanges"].as_u64()
    };
    assert_eq!(
        run("1"),
        Some(1),
        "the 2 MiB line is skipped under a 1 MiB cap"
    );
    assert_eq!(run("3"), Some(2), "and read under a 3 MiB cap");
}

/// `validate --spec SPEC EXTRA --format F CAPTURE` in every format, each expected to exit 1
/// (findings): the format and what it printed, stdout then stderr.
fn every_format(spec: &Path, extra: &[&str], capture: &Path) -> Vec<(&'static str, String)> {
    let spec = spec.to_str().expect("UTF-8 temp dir");
    let capture = capture.to_str().expect("UTF-8 temp dir");
    FORMATS
        .iter()
        .map(|&format| {
            let mut args = vec!["validate", "--spec", spec];
            args.extend_from_slice(extra);
            args.extend(["--format", format, capture]);
            let out = run_cli(&args);
            assert_eq!(out.status.code(), Some(1), "{format}");
            let all = format!("{}{}", stdout(&out), String::from_utf8_lossy(&out.stderr));
            (format, all)
        })
        .collect()
}

/// Control characters in a spec's operation id (DEL, C1) and in a capture's URL reach the
/// report's ending too (per-operation counts, JUnit test cases, coverage): written out there as
/// in findings, in every format.
#[test]
fn control_characters_in_operation_ids_and_urls_never_reach_the_ending_raw() {
    let dir = tempfile::tempdir().expect("tempdir");
    let spec = serde_json::json!({
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1"},
        "servers": [{"url": "https://api.example.test"}],
        "paths": {"/items": {"get": {
            "operationId": "get\u{7f}Items\u{9b}31m",
            "responses": {"200": {"description": "ok", "content": {"application/json": {
                "schema": {"type": "object", "properties": {"id": {"type": "integer"}}}}}}}
        }}}
    });
    let spec_path = dir.path().join("spec.json");
    std::fs::write(&spec_path, spec.to_string()).expect("write spec");
    let captures = dir.path().join("captures");
    std::fs::create_dir(&captures).expect("mkdir");
    let line = r#"{"method": "GET", "url": "https://api.example.test/items?q=\u007f\u009b", "status": 200, "headers": {"content-type": "application/json"}, "body": {"id": "x"}}"#;
    std::fs::write(captures.join("c.ndjson"), format!("{line}\n")).expect("write capture");
    for (format, all) in every_format(&spec_path, &["--coverage"], &captures) {
        assert!(
            all.contains("Items"),
            "{format} names the operation:\n{all}"
        );
        let raw = all.chars().find(|c| c.is_control() && *c != '\n');
        assert_eq!(raw, None, "{format} prints a raw control character:\n{all}");
    }
}

/// A 3.0 JSON spec nested as deep as serde_json reads (its typed shape check runs on a thread
/// of its own, beside the tree's parse) loads, lints clean and validates.
#[test]
fn a_spec_nested_to_the_recursion_limit_loads() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut schema = serde_json::json!({"type": "integer"});
    for _ in 0..59 {
        schema = serde_json::json!({"type": "object", "properties": {"a": schema}});
    }
    let spec = serde_json::json!({
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1"},
        "paths": {"/x": {"get": {"operationId": "deep", "responses": {"200": {
            "description": "ok",
            "content": {"application/json": {"schema": schema}}}}}}}
    });
    let spec_path = dir.path().join("deep.json");
    std::fs::write(&spec_path, spec.to_string()).expect("write spec");
    let spec_arg = spec_path.to_str().expect("UTF-8 temp dir");
    let lint = run_cli(&["lint", "--spec", spec_arg]);
    assert_eq!(lint.status.code(), Some(0), "{}", stdout(&lint));
    let capture = dir.path().join("c.ndjson");
    let line = r#"{"method": "GET", "url": "https://api.example.test/x", "status": 200, "headers": {"content-type": "application/json"}, "body": {"a": {"a": 1}}}"#;
    std::fs::write(&capture, format!("{line}\n")).expect("write capture");
    let out = run_cli(&[
        "validate",
        "--spec",
        spec_arg,
        "--format",
        "json",
        capture.to_str().expect("UTF-8"),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(stdout(&out).contains("type_mismatch"), "{}", stdout(&out));
}

// ---------------------------------------------------------------------------------------------
// Constraints that `jsonschema` words itself quote the whole instance: masked and cut.

/// Constraints `jsonschema` words itself, each under its own key.
const CONSTRAINED: &str = "                  obj: {type: object, maxProperties: 1}
                  arr: {type: array, maxItems: 1}
                  few: {type: object, minProperties: 5}
                  nt: {not: {type: object}}
                  uniq: {type: array, uniqueItems: true}
                  long: {type: array, maxItems: 1}
";

#[test]
fn constraint_messages_mask_credentials_and_stay_short() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("spec.yaml"), get_x_spec(CONSTRAINED)).expect("write");
    let long: Vec<String> = (0..2000).map(|i| format!("\"item{i}\"")).collect();
    let line = format!(
        r#"{{"method": "GET", "url": "https://api.example.com/x", "status": 200, "headers": {{"content-type": "application/json"}}, "body": {{"obj": {{"api_key": "PLANTED1", "b": 1}}, "arr": [{{"token": "PLANTED2"}}, 2], "few": {{"password": "PLANTED3"}}, "nt": {{"session": "PLANTED4"}}, "uniq": [{{"token": "PLANTED5"}}, {{"token": "PLANTED5"}}], "long": [{}]}}}}"#,
        long.join(",")
    );
    std::fs::write(dir.path().join("c.ndjson"), line + "\n").expect("write");
    let spec = dir.path().join("spec.yaml");
    let capture = dir.path().join("c.ndjson");
    for (format, all) in every_format(&spec, &[], &capture) {
        assert!(!all.contains("PLANTED"), "{format} leaks:\n{all}");
        if format == "human" {
            for said in [
                r#"{"api_key":"REDACTED","b":1} has more than 1 property"#,
                r#"[{"token":"REDACTED"},2] has more than 1 item"#,
                r#"{"password":"REDACTED"} has less than 5 properties"#,
                r#"is not allowed for {"session":"REDACTED"}"#,
                r#"[{"token":"REDACTED"},{"token":"REDACTED"}] has non-unique elements"#,
            ] {
                assert!(all.contains(said), "human lacks {said}:\n{all}");
            }
            let cut = all
                .lines()
                .find(|l| l.starts_with(r#"error: constraint: ["item0","item1","#))
                .expect("the long array's finding");
            assert!(cut.len() < 120, "a message quotes a whole array: {cut}");
        }
    }
}
