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
    /// Every response keeps the example's undocumented `mobile_feature_version`, as Kommo sends
    /// it: the common real case of one known problem on every exchange.
    Undocumented,
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
        if drift != Drift::Undocumented {
            map.remove("mobile_feature_version");
        }
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
    write_lines(path, n, |i| {
        let mut body = example.clone();
        body["id"] = Value::from(30_000_000 + i as u64);
        match (drift, i % 100) {
            (Drift::Every, _) | (Drift::Few, 31) => rename(&mut body),
            (Drift::Undocumented, _) => {}
            (Drift::Few, 7) => body["customers_mode"] = Value::from("disbled"),
            (Drift::Few, 53) => body["is_unsorted_on"] = Value::from("yes"),
            (Drift::Few, 89) => {
                if let Some(map) = body.as_object_mut() {
                    map.remove("subdomain");
                }
            }
            _ => {}
        }
        serde_json::json!({
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
        })
    })
}

/// GitHub's published description in the shared corpus (`SPECSMITH_GITHUB_SPEC` names another
/// copy, for a worktree placed elsewhere), when it is there.
#[allow(dead_code)]
pub fn github_spec() -> Option<PathBuf> {
    let path = std::env::var_os("SPECSMITH_GITHUB_SPEC").map_or_else(
        || root().join("../shared/corpus/official/octokit__openapi/cache/api.github.com.json"),
        PathBuf::from,
    );
    path.exists().then_some(path)
}

/// Writes `n` GitHub exchanges to `path` and returns the file's size in bytes: every `GET` of
/// the description with a JSON example for its 200 response, in turn, path variables filled
/// (numbers for integers, names otherwise, `heads/main` for multi-segment ones), required query
/// parameters given, the example as the body. Realistic bodies, and the examples' own drift.
#[allow(dead_code)]
pub fn github_capture(spec: &Path, path: &Path, n: usize) -> u64 {
    let doc: Value =
        serde_json::from_str(&std::fs::read_to_string(spec).expect("the GitHub description"))
            .expect("JSON");
    let resolve = |v: &Value| -> Value {
        match v.get("$ref").and_then(Value::as_str) {
            Some(r) => doc
                .pointer(r.trim_start_matches('#'))
                .cloned()
                .unwrap_or(Value::Null),
            None => v.clone(),
        }
    };
    let mut cases: Vec<(String, Vec<Value>, Value)> = Vec::new();
    for (template, item) in doc["paths"].as_object().expect("paths") {
        let Some(op) = item.get("get") else { continue };
        let media = &op["responses"]["200"]["content"]["application/json"];
        let Some(example) = media
            .get("examples")
            .and_then(Value::as_object)
            .and_then(|e| e.values().next())
            .map(&resolve)
            .and_then(|e| e.get("value").cloned())
        else {
            continue;
        };
        let params: Vec<Value> = item["parameters"]
            .as_array()
            .into_iter()
            .chain(op["parameters"].as_array())
            .flatten()
            .map(&resolve)
            .collect();
        cases.push((template.clone(), params, example));
    }
    write_lines(path, n, |i| {
        let (template, params, body) = &cases[i % cases.len()];
        serde_json::json!({
            "method": "GET",
            "url": github_url(template, params, i),
            "status": 200,
            "headers": {"content-type": "application/json; charset=utf-8"},
            "request_headers": {
                "Accept": "application/vnd.github+json",
                "Authorization": "Bearer bench-token",
                "User-Agent": "bench/1.0"
            },
            "body": body,
        })
    })
}

/// Writes `line(i)` for `i` in `0..n`, one JSON object a line; returns the file's size.
fn write_lines(path: &Path, n: usize, mut line: impl FnMut(usize) -> Value) -> u64 {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).expect("create"));
    for i in 0..n {
        serde_json::to_writer(&mut out, &line(i)).expect("write");
        out.write_all(b"\n").expect("write");
    }
    out.flush().expect("flush");
    std::fs::metadata(path).expect("metadata").len()
}

fn github_url(template: &str, params: &[Value], i: usize) -> String {
    let value = |p: &Value| -> String {
        let schema = &p["schema"];
        if let Some(first) = schema["enum"].as_array().and_then(|e| e.first()) {
            return first.as_str().map_or(first.to_string(), str::to_string);
        }
        match schema["type"].as_str() {
            Some("integer") | Some("number") => (1000 + i % 977).to_string(),
            Some("boolean") => "true".to_string(),
            _ if p["x-multi-segment"] == true => "heads/main".to_string(),
            _ => ["octocat", "hello-world", "main", "v1.2.3", "docs"][i % 5].to_string(),
        }
    };
    let mut url = format!("https://api.github.com{template}");
    let mut query = Vec::new();
    for p in params {
        let name = p["name"].as_str().unwrap_or("");
        match p["in"].as_str() {
            Some("path") => url = url.replace(&format!("{{{name}}}"), &value(p)),
            Some("query") if p["required"] == true => query.push(format!("{name}={}", value(p))),
            _ => {}
        }
    }
    if !query.is_empty() {
        url.push('?');
        url.push_str(&query.join("&"));
    }
    url
}
