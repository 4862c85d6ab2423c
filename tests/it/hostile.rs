//! Hostile captures: odd file names, planted secrets, control characters and floods must give
//! complete, bounded, secret-free reports in every format. Every input is written by the test
//! itself (no recordings are copied).

use std::path::Path;

use crate::validate::{root, run_cli, stdout, FORMATS};

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
