use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn validate(args: &[&str]) -> (i32, Value) {
    let output = Command::new(env!("CARGO_BIN_EXE_specsmith"))
        .args(["validate", "--format", "json"])
        .args(args)
        .current_dir(root())
        .output()
        .expect("specsmith runs");
    let report = serde_json::from_slice(&output.stdout).unwrap_or(Value::Null);
    (output.status.code().expect("exit code"), report)
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

/// Copies the amoCRM document example (with its `date_formant` rename, an error) into `dir`.
fn amocrm_capture(dir: &Path, name: &str) -> PathBuf {
    let docs = root().join("captures/docs");
    let body = dir.join(format!("{name}.json"));
    std::fs::copy(docs.join("amocrm-account.json"), &body).expect("copy body");
    std::fs::copy(
        docs.join("amocrm-account.meta.json"),
        dir.join(format!("{name}.meta.json")),
    )
    .expect("copy meta");
    body
}

#[test]
fn problems_group_findings_with_stable_ids() {
    let (_, report) = validate(&["captures/samples"]);
    let findings = report["findings"].as_array().expect("findings");
    let problems = report["problems"].as_array().expect("problems");
    assert!(!problems.is_empty());
    let total: u64 = problems
        .iter()
        .map(|p| p["occurrences"].as_u64().unwrap_or(0))
        .sum();
    assert_eq!(
        total as usize,
        findings.len(),
        "every finding belongs to one problem"
    );
    for f in findings {
        let id = f["problem"].as_str().expect("problem id");
        assert!(problems.iter().any(|p| p["id"] == id), "{id} listed");
    }
    // The same drift in another file has the same id.
    let (_, docs) = validate(&["captures/docs"]);
    let rename = |r: &Value| {
        r["findings"]
            .as_array()
            .and_then(|f| {
                f.iter()
                    .find(|d| d["message"].as_str().unwrap_or("").contains("date_formant"))
                    .map(|d| d["problem"].clone())
            })
            .expect("date_formant finding")
    };
    let dir = tempfile::tempdir().expect("tempdir");
    amocrm_capture(dir.path(), "copy");
    let (_, copy) = validate(&[s(dir.path())]);
    assert_eq!(rename(&docs), rename(&copy));
}

#[test]
fn baseline_round_trip() {
    let dir = tempfile::tempdir().expect("tempdir");
    let captures = dir.path().join("captures");
    std::fs::create_dir(&captures).expect("mkdir");
    let body = amocrm_capture(&captures, "amocrm");
    let baseline = dir.path().join("baseline.json");

    let (code, _) = validate(&[s(&captures)]);
    assert_eq!(code, 1, "the rename is an error without a baseline");
    let (code, _) = validate(&["--write-baseline", s(&baseline), s(&captures)]);
    assert_eq!(code, 0);
    let written: Value =
        serde_json::from_str(&std::fs::read_to_string(&baseline).expect("written")).expect("json");
    assert_eq!(written["version"], 1);
    let ids: Vec<&str> = written["problems"]
        .as_array()
        .expect("problems")
        .iter()
        .map(|p| p["id"].as_str().expect("id"))
        .collect();
    let mut sorted = ids.clone();
    sorted.sort();
    assert_eq!(ids, sorted, "the file is sorted for review");

    let (code, _) = validate(&["--baseline", s(&baseline), s(&captures)]);
    assert_eq!(code, 0, "nothing new since the baseline");

    // A new drift fails the run, and only it is new.
    let text = std::fs::read_to_string(&body).expect("body");
    std::fs::write(
        &body,
        text.replacen("\"id\": 1231414", "\"id\": \"1231414\"", 1),
    )
    .expect("write drift");
    let (code, report) = validate(&["--baseline", s(&baseline), s(&captures)]);
    assert_eq!(code, 1, "{report:#}");
    let new: Vec<&Value> = report["problems"]
        .as_array()
        .expect("problems")
        .iter()
        .filter(|p| p["baseline"] == "new")
        .collect();
    assert_eq!(new.len(), 1, "only the new drift is new: {report:#}");
    assert_eq!(new[0]["kind"], "type_mismatch");
    assert_eq!(new[0]["pointer"], "/id");
    // The human report names only it; accepted problems are counted, not shown.
    let human = Command::new(env!("CARGO_BIN_EXE_specsmith"))
        .args(["validate", "--baseline", s(&baseline), s(&captures)])
        .current_dir(root())
        .output()
        .expect("specsmith runs");
    let shown = String::from_utf8_lossy(&human.stdout);
    assert!(shown.contains("type_mismatch: expected integer"), "{shown}");
    assert!(!shown.contains("date_formant"), "{shown}");
    assert!(
        shown.contains("known problems accepted in the baseline not shown"),
        "{shown}"
    );

    // Fixing the rename reports it as fixed since the baseline.
    let fixed_text = text.replace("date_formant", "date_format");
    std::fs::write(&body, fixed_text).expect("write fix");
    let (code, report) = validate(&["--baseline", s(&baseline), s(&captures)]);
    assert_eq!(code, 0);
    let fixed: Vec<&Value> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["kind"] == "fixed_since_baseline")
        .collect();
    assert_eq!(fixed.len(), 1, "{report:#}");
    assert_eq!(fixed[0]["severity"], "info");

    // An unreadable baseline stops the run.
    std::fs::write(&baseline, "{").expect("truncate");
    let (code, _) = validate(&["--baseline", s(&baseline), s(&captures)]);
    assert_eq!(code, 2);
}

/// Runs `specsmith validate --format FORMAT` with `args`; returns the exit code and stdout.
fn validate_as(format: &str, args: &[&str]) -> (i32, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_specsmith"))
        .args(["validate", "--format", format])
        .args(args)
        .current_dir(root())
        .output()
        .expect("specsmith runs");
    let code = output.status.code().expect("exit code");
    (code, String::from_utf8_lossy(&output.stdout).into_owned())
}

/// With every problem accepted, no CI format fails or annotates anything, yet JUnit still
/// shows the accepted error in its case's output.
#[test]
fn accepted_problems_fail_no_ci_format() {
    let dir = tempfile::tempdir().expect("tempdir");
    let captures = dir.path().join("captures");
    std::fs::create_dir(&captures).expect("mkdir");
    amocrm_capture(&captures, "amocrm");
    let baseline = dir.path().join("baseline.json");
    let (code, _) = validate(&["--write-baseline", s(&baseline), s(&captures)]);
    assert_eq!(code, 0);
    let args = ["--baseline", s(&baseline), s(&captures)];

    let (code, github) = validate_as("github", &args);
    assert_eq!(code, 0);
    assert!(
        !github.contains("::error") && !github.contains("::warning"),
        "{github}"
    );
    let (_, without) = validate_as("github", &[s(&captures)]);
    assert!(
        without.contains("::error"),
        "annotated without a baseline: {without}"
    );

    let (code, junit) = validate_as("junit", &args);
    assert_eq!(code, 0);
    assert!(!junit.contains("<failure"), "{junit}");
    let demoted = "warning[unknown_property]: unknown property date_formant";
    assert!(junit.contains(demoted), "{junit}");
    let (_, without) = validate_as("junit", &[s(&captures)]);
    assert!(
        without.contains("<failure"),
        "fails without a baseline: {without}"
    );
}

/// A HAR of `n` Kommo account exchanges whose bodies are the amoCRM document example (with
/// its `date_formant` rename), pretty-printed so each entry stands on its own lines; written
/// for this test to reflect a load test against one drifting endpoint.
fn repeated_har(n: usize) -> String {
    let body = std::fs::read_to_string(root().join("captures/docs/amocrm-account.json"))
        .expect("document example");
    let entry = serde_json::json!({
        "request": {
            "method": "GET",
            "url": "https://example.amocrm.com/api/v4/account?with=datetime_settings",
            "headers": [{"name": "Authorization", "value": "Bearer PLANTED-SECRET-har"}],
            "queryString": [{"name": "with", "value": "datetime_settings"}],
            "cookies": []
        },
        "response": {
            "status": 200,
            "headers": [{"name": "Content-Type", "value": "application/hal+json"}],
            "content": {"mimeType": "application/hal+json", "text": body}
        }
    });
    let har = serde_json::json!({"log": {"version": "1.2", "creator": {"name": "test", "version": "1"},
        "entries": vec![entry; n]}});
    serde_json::to_string_pretty(&har).expect("har")
}

#[test]
fn hundreds_of_repeated_drifts_are_one_problem_with_the_right_count() {
    let dir = tempfile::tempdir().expect("tempdir");
    let har = dir.path().join("load.har");
    std::fs::write(&har, repeated_har(409)).expect("write har");

    let (code, report) = validate(&[s(&har)]);
    assert_eq!(code, 1);
    let problems = report["problems"].as_array().expect("problems");
    let renames: Vec<&Value> = problems
        .iter()
        .filter(|p| p["key"] == "date_formant")
        .collect();
    assert_eq!(renames.len(), 1, "{problems:#?}");
    let p = renames[0];
    assert_eq!(p["occurrences"], 409);
    assert_eq!(p["severity"], "error");
    assert_eq!(p["pointer"], "/_embedded/datetime_settings");
    assert_eq!(p["first"]["entry"], 0);
    assert_eq!(p["last"]["entry"], 408);
    assert!(p["last"]["line"].as_u64() > p["first"]["line"].as_u64());
    assert_eq!(p["samples"].as_array().map(Vec::len), Some(3));
    assert_eq!(
        problems[0]["id"], p["id"],
        "the only error problem comes first"
    );
    // Every finding is kept in JSON, each naming the problem.
    let findings = report["findings"].as_array().expect("findings");
    let of_it = findings.iter().filter(|f| f["problem"] == p["id"]).count();
    assert_eq!(of_it, 409);

    // The human report shows the problem once, with its count, first, last and samples.
    let human = Command::new(env!("CARGO_BIN_EXE_specsmith"))
        .args(["validate", s(&har)])
        .current_dir(root())
        .output()
        .expect("specsmith runs");
    let text = String::from_utf8_lossy(&human.stdout);
    assert_eq!(
        text.matches("unknown property date_formant").count(),
        1,
        "{text}"
    );
    assert!(text.contains("(×409)"), "{text}");
    let first_line = p["first"]["line"].as_u64().unwrap_or(0);
    let last_line = p["last"]["line"].as_u64().unwrap_or(0);
    assert!(
        text.contains(&format!("409 occurrences: first {}:{first_line}:", s(&har)))
            && text.contains(&format!("last {}:{last_line}:", s(&har)))
            && text.contains("(entry 408)"),
        "{text}"
    );
    assert!(text.contains("samples: "), "{text}");
    assert!(
        text.contains("help: rename date_formant to date_format"),
        "{text}"
    );
    assert!(!text.contains("PLANTED-SECRET"), "{text}");
}
