//! The large Kommo capture the `validate` and `memory` benches share.
//!
//! No fixture of that size is committed: the capture is built from the document's example
//! (`captures/docs/kommo-account.json`), one response per line, put right first (the example
//! itself drifts), then drifted on purpose.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::Value;

/// The project root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// How much of the capture drifts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(dead_code)]
pub enum Drift {
    /// About 4 % of responses, four kinds (an enum near-miss, a renamed key, a wrong type, a
    /// missing required key): a realistic run.
    Few,
    /// Every response renames `current_user_id`: one problem with as many findings as
    /// exchanges, the worst case for a report that lists every finding.
    Every,
}

/// Writes `n` exchanges to `path` and returns the file's size in bytes.
pub fn kommo_capture(path: &Path, n: usize, drift: Drift) -> u64 {
    let example: Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("captures/docs/kommo-account.json"))
            .expect("the Kommo example"),
    )
    .expect("the example is JSON");
    // The example itself drifts (a top-level entity_names, an undocumented key): put it right
    // first, so only the injected drift shows.
    let mut example = example;
    if let Some(map) = example.as_object_mut() {
        map.remove("mobile_feature_version");
        if let Some(names) = map.remove("entity_names") {
            if let Some(embedded) = map.get_mut("_embedded").and_then(Value::as_object_mut) {
                embedded.insert("entity_names".to_string(), names);
            }
        }
    }
    let rename = |body: &mut Value| {
        if let Some(map) = body.as_object_mut() {
            if let Some(v) = map.remove("current_user_id") {
                map.insert("current_user_ids".to_string(), v);
            }
        }
    };
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).expect("create"));
    for i in 0..n {
        let mut body = example.clone();
        body["id"] = Value::from(30_000_000 + i as u64);
        match (drift, i % 100) {
            (Drift::Every, _) | (Drift::Few, 31) => rename(&mut body),
            (Drift::Few, 7) => body["customers_mode"] = Value::from("disbled"),
            (Drift::Few, 53) => body["is_unsorted_on"] = Value::from("yes"),
            (Drift::Few, 89) => {
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
            "request_headers": {
                "Host": format!("team{}.kommo.com", i % 50),
                "Accept": "application/hal+json",
                "Authorization": "Bearer bench-token",
                "User-Agent": "bench/1.0"
            },
            "body": body,
        });
        serde_json::to_writer(&mut out, &line).expect("write");
        out.write_all(b"\n").expect("write");
    }
    out.flush().expect("flush");
    std::fs::metadata(path).expect("metadata").len()
}
