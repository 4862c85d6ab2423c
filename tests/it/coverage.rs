//! `validate --coverage`: what the traffic exercised of the specs, in every report format.

use std::path::PathBuf;
use std::process::Command;

use serde_json::{json, Value};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn run(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_specsmith"))
        .arg("validate")
        .args(args)
        .current_dir(root())
        .output()
        .expect("specsmith runs");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Traffic that skips most operations, written for this test from the documents' examples: the
/// EspoCRM account without its team fields, a 404 EspoCRM does not document, and the V4
/// Marketing users page as documented.
fn capture(dir: &std::path::Path) -> PathBuf {
    let docs = root().join("captures/docs");
    let read = |name: &str| -> Value {
        serde_json::from_str(&std::fs::read_to_string(docs.join(name)).expect("example"))
            .expect("json")
    };
    let mut account = read("espocrm-get-account.json");
    if let Some(map) = account.as_object_mut() {
        map.remove("teamsIds");
        map.remove("teamsNames");
    }
    let lines = [
        json!({"method": "GET", "url": "https://espo.example.com/api/v1/Account/someId", "status": 200,
               "headers": {"content-type": "application/json"}, "body": account}),
        json!({"method": "GET", "url": "https://espo.example.com/api/v1/Account/gone", "status": 404,
               "headers": {"content-type": "application/json"}, "body": {"error": "not found"}}),
        json!({"method": "GET", "url": "https://api.data.v4.marketing/v1/kommo/users?workspaceId=w", "status": 200,
               "headers": {"content-type": "application/json"}, "body": read("v4marketing-users.json")}),
    ];
    let path = dir.join("partial.ndjson");
    let text: Vec<String> = lines.iter().map(Value::to_string).collect();
    std::fs::write(&path, text.join("\n") + "\n").expect("write capture");
    path
}

#[test]
fn coverage_counts_exercised_operations_and_lists_the_rest() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = capture(dir.path());
    let file = path.to_str().expect("utf-8");
    let report: Value =
        serde_json::from_str(&run(&["--coverage", "--format", "json", file])).expect("json");
    let coverage = &report["coverage"];
    let ops = coverage["operations"].as_array().expect("operations");
    assert_eq!(ops.len(), 11, "every operation of the three specs");
    let espo = ops
        .iter()
        .find(|o| o["spec"] == "espocrm" && o["operation"] == "getAccount")
        .expect("espocrm getAccount");
    assert_eq!(espo["method"], "GET");
    assert_eq!(espo["path"], "/Account/{id}");
    assert_eq!(espo["exchanges"], 2);
    assert_eq!(espo["statuses"], json!({"200": 1, "404": 1}));
    assert_eq!(espo["undocumented_statuses"], json!({"404": 1}));
    assert_eq!(espo["responses"][0]["status"], "200");
    assert_eq!(espo["responses"][0]["media_type"], "application/json");
    assert_eq!(espo["responses"][0]["exchanges"], 1);
    assert_eq!(espo["responses"][0]["problems"], 0);
    assert_eq!(espo["problems"], 1, "the undocumented 404");

    let unexercised: Vec<&str> = coverage["unexercised"]
        .as_array()
        .expect("unexercised")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(unexercised.contains(&"createAccount"), "{unexercised:?}");
    // Kommo and EspoCRM both have a getAccount: the unexercised one is named with its spec.
    assert!(unexercised.contains(&"kommo:getAccount"), "{unexercised:?}");
    assert!(!unexercised.contains(&"listUsers"), "{unexercised:?}");
    assert_eq!(unexercised.len(), 9, "{unexercised:?}");

    assert_eq!(
        coverage["unobserved_properties"],
        json!([
            {"operation": "getAccount", "status": "200", "media_type": "application/json", "pointer": "/teamsIds"},
            {"operation": "getAccount", "status": "200", "media_type": "application/json", "pointer": "/teamsNames"}
        ])
    );

    // Without the flag, no coverage.
    let plain: Value = serde_json::from_str(&run(&["--format", "json", file])).expect("json");
    assert!(plain.get("coverage").is_none());
}

#[test]
fn coverage_reaches_every_format() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = capture(dir.path());
    let file = path.to_str().expect("utf-8");

    let human = run(&["--coverage", file]);
    assert!(
        human.contains("coverage: 2 of 11 operations exercised"),
        "{human}"
    );
    let create = human
        .lines()
        .find(|l| l.contains("espocrm:createAccount"))
        .expect("a row for an unexercised operation");
    assert!(create.contains("(never exercised)"), "{create}");
    assert!(human.contains("(undocumented status)"), "{human}");
    assert!(
        human.contains("documented but never observed in a response body: 2"),
        "{human}"
    );
    assert!(
        human.contains("getAccount 200 application/json /teamsIds"),
        "{human}"
    );

    let sarif: Value =
        serde_json::from_str(&run(&["--coverage", "--format", "sarif", file])).expect("sarif");
    assert_eq!(
        sarif["runs"][0]["properties"]["coverage"]["unobserved_properties"][0]["pointer"],
        "/teamsIds"
    );
    let junit = run(&["--coverage", "--format", "junit", file]);
    assert!(junit.contains("<testsuite name=\"coverage\""), "{junit}");
    assert!(junit.contains("never exercised: "), "{junit}");
    let github = run(&["--coverage", "--format", "github", file]);
    assert!(
        github.contains("coverage: 2 of 11 operations exercised"),
        "{github}"
    );
}
