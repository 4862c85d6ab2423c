//! Recording (issue 17): the generated clients append what they send and receive to an NDJSON
//! file that `specsmith validate` reads. Every operation of the three bundled specs is called
//! against a loopback server answering as the documents' examples do, with a recorder on; the
//! file validates with 0 findings and holds no credential value.

use std::path::{Path, PathBuf};

use serde_json::{json, Value};
use specsmith::Severity;
use specsmith_generated::espocrm::{
    self,
    types::{
        AccountInput, AccountLink, GetAccountStreamParams, LinkById, LinkByIds, LinkPayload,
        ListAccountLinksParams, ListAccountsParams, Order, WhereItem,
    },
};
use specsmith_generated::kommo::{
    self,
    types::{AccountWith, GetAccountParams},
};
use specsmith_generated::runtime::{RecordOptions, Recorder};
use specsmith_generated::v4_marketing::{self as v4marketing, types::ListUsersParams};
use wiremock::matchers::{method, path, path_regex};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// Credential values the clients are given: none may reach the file.
const SECRETS: [&str; 5] = [
    "bearer-tok-7f3a",
    "client-id-51c2",
    "client-secret-9d0e",
    "api-key-c4b8",
    "espo-auth-62aa",
];

/// One of the documents' example bodies (`captures/docs/NAME`).
fn doc(name: &str) -> Vec<u8> {
    let file = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("captures/docs")
        .join(name);
    std::fs::read(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()))
}

async fn answer(server: &MockServer, verb: &str, route: &str, content_type: &str, body: Vec<u8>) {
    let matcher = if route.contains('[') {
        Mock::given(method(verb)).and(path_regex(route))
    } else {
        Mock::given(method(verb)).and(path(route))
    };
    // The stream route is more specific than the link route beside it.
    let priority = if route.ends_with("stream$") { 1 } else { 5 };
    matcher
        .respond_with(ResponseTemplate::new(200).set_body_raw(body, content_type))
        .with_priority(priority)
        .mount(server)
        .await;
}

/// Kommo's documented example less the two keys it has that the spec does not document (drift
/// the bundled captures exist to show): the recording must validate with no finding at all.
fn kommo_account() -> Vec<u8> {
    let mut body: Value = serde_json::from_slice(&doc("kommo-account.json")).expect("json");
    let object = body.as_object_mut().expect("an object");
    object.remove("mobile_feature_version");
    object.remove("entity_names");
    body.to_string().into_bytes()
}

/// A server answering every operation of the three specs with a documented 200 body.
async fn documented_server() -> MockServer {
    let server = MockServer::start().await;
    let json = "application/json";
    let empty_list = br#"{"total":0,"list":[]}"#.to_vec();
    let account = doc("espocrm-get-account.json");
    let one = "^/Account/[^/]+$";
    let link = "^/Account/[^/]+/[^/]+$";
    for (verb, route, content_type, body) in [
        (
            "GET",
            "/api/v4/account",
            "application/hal+json",
            kommo_account(),
        ),
        (
            "GET",
            "/v1/kommo/users",
            json,
            doc("v4marketing-users.json"),
        ),
        ("GET", "/Account", json, doc("espocrm-list-accounts.json")),
        ("POST", "/Account", json, account.clone()),
        ("GET", one, json, account.clone()),
        ("PUT", one, json, account),
        ("DELETE", one, json, b"true".to_vec()),
        ("GET", "^/Account/[^/]+/stream$", json, empty_list.clone()),
        ("GET", link, json, empty_list),
        ("POST", link, json, b"true".to_vec()),
        ("DELETE", link, json, b"true".to_vec()),
    ] {
        answer(&server, verb, route, content_type, body).await;
    }
    server
}

/// Calls every operation of the three specs once (espocrm's delete twice, once per credential),
/// through clients that all record to `recorder`.
async fn call_every_operation(base: &str, recorder: &Recorder) {
    let kommo = kommo::Client::new(base)
        .with_bearer_auth(SECRETS[0])
        .with_recording(recorder.clone());
    let every_with = vec![AccountWith::AmojoId, AccountWith::Version];
    kommo
        .get_account(GetAccountParams::default().with_with(every_with))
        .await
        .expect("kommo");
    let v4 = v4marketing::Client::new(base)
        .with_client_id_and_client_secret(SECRETS[1], SECRETS[2])
        .with_recording(recorder.clone());
    v4.list_users(
        "ws-1",
        ListUsersParams::default().with_page(1).with_limit(10),
    )
    .await
    .expect("v4marketing");
    let espo = espocrm::Client::new(base)
        .with_api_key_auth(SECRETS[3])
        .with_recording(recorder.clone());
    call_espocrm(&espo).await;
    let espo_auth = espocrm::Client::new(base)
        .with_espo_auth(SECRETS[4])
        .with_recording(recorder.clone());
    espo_auth.delete_account("a2").await.expect("delete");
}

async fn call_espocrm(espo: &espocrm::Client) {
    let filter = vec![WhereItem {
        r#type: Some("equals".into()),
        attribute: Some("name".into()),
        value: Some("Acme".into()),
    }];
    let list = ListAccountsParams::default()
        .with_max_size(2)
        .with_order(Order::Desc)
        .with_where(filter.clone());
    espo.list_accounts(list).await.expect("list");
    let input = AccountInput {
        name: Some("Acme, Inc.".into()),
        assigned_user_id: Some("u1".into()),
    };
    espo.create_account(&input).await.expect("create");
    espo.get_account("6650ab").await.expect("get");
    espo.update_account("6650ab", &input).await.expect("update");
    let stream = GetAccountStreamParams::default().with_max_size(5);
    espo.get_account_stream("6650ab", stream)
        .await
        .expect("stream");
    let links = ListAccountLinksParams::default()
        .with_offset(0)
        .with_where(filter);
    espo.list_account_links("6650ab", &AccountLink::Contacts, links)
        .await
        .expect("links");
    let one = LinkPayload::ById(LinkById::new("c1"));
    espo.link_account("6650ab", &AccountLink::Contacts, &one)
        .await
        .expect("link");
    let many = LinkPayload::from(LinkByIds::new(vec!["c1".into(), "c2".into()]));
    espo.unlink_account("6650ab", &AccountLink::Opportunities, &many)
        .await
        .expect("unlink");
}

/// Validates `file` against the three specs with the server's URL as `--server`: the findings
/// (`kind: message`) and the operations matched.
fn validate(server: &str, file: PathBuf) -> (Vec<String>, Vec<String>) {
    let (report, ops) = crate::wire::validate_bundled(server, file);
    let findings = report
        .diagnostics
        .iter()
        .filter(|d| d.severity >= Severity::Warning)
        .map(|d| format!("{}: {} {:?}", d.kind.as_str(), d.message, d.pointer))
        .collect();
    (findings, ops)
}

#[tokio::test]
async fn recorded_traffic_of_every_operation_validates_clean_and_holds_no_credential() {
    let server = documented_server().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("traffic.ndjson");
    let recorder = Recorder::new(&file).expect("recorder");
    call_every_operation(&server.uri(), &recorder).await;
    recorder.flush().expect("flushed");
    assert_eq!(recorder.stats().queued, 11, "{:?}", recorder.stats());

    let text = std::fs::read_to_string(&file).expect("recorded");
    assert_eq!(text.lines().count(), 11);
    for secret in SECRETS {
        assert!(!text.contains(secret), "{secret} leaked:\n{text}");
    }
    let (findings, ops) = validate(&server.uri(), file);
    assert!(findings.is_empty(), "{findings:#?}\n{text}");
    assert_eq!(
        ops,
        crate::requests::ALL_OPERATIONS,
        "every operation recorded"
    );

    // The line carries what the validator needs, credentials masked but still present.
    let first: Value = serde_json::from_str(text.lines().next().expect("a line")).expect("json");
    assert_eq!(first["method"], "GET");
    assert_eq!(first["status"], 200);
    assert_eq!(first["request_headers"]["authorization"], "Bearer REDACTED");
    assert_eq!(first["headers"]["content-type"], "application/hal+json");
    assert_eq!(first["body"]["id"], json!(30896271));
    assert_eq!(first["request_body"], Value::Null);
}

#[tokio::test]
async fn query_and_cookie_credentials_are_masked_by_name() {
    // The bundled specs send credentials in headers only; the runtime's `Core` is what the
    // generated `with_*` setters call for query keys and cookies.
    use specsmith_generated::runtime::{Core, Place};
    let server = documented_server().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("traffic.ndjson");
    let mut core = Core::new(server.uri());
    core.set_credential("q", Place::Query, "api_key", "query-secret-1");
    core.set_credential("c", Place::Cookie, "session", "cookie-secret-2");
    core.set_recorder(Recorder::new(&file).expect("recorder"));
    let mut request = core.request(reqwest::Method::GET, "/Account", &["q", "c"]);
    request
        .query(
            "maxSize",
            &5,
            specsmith_generated::runtime::Style::Form,
            true,
            false,
        )
        .expect("query");
    core.send(request).await.expect("sent");
    core.recorder().expect("set").flush().expect("flushed");
    let text = std::fs::read_to_string(&file).expect("recorded");
    assert!(
        !text.contains("query-secret-1") && !text.contains("cookie-secret-2"),
        "{text}"
    );
    let line: Value = serde_json::from_str(text.trim()).expect("json");
    let url = line["url"].as_str().expect("url");
    assert!(
        url.ends_with("/Account?api_key=REDACTED&maxSize=5"),
        "{url}"
    );
    assert_eq!(line["request_headers"]["cookie"], "session=REDACTED");
}

#[tokio::test]
async fn sampling_and_the_size_cap_leave_exchanges_out_and_say_so() {
    let server = documented_server().await;
    let dir = tempfile::tempdir().expect("tempdir");

    let sampled = dir.path().join("sampled.ndjson");
    let recorder =
        Recorder::with_options(&sampled, RecordOptions::default().sample_every(2)).expect("rec");
    let espo = espocrm::Client::new(server.uri()).with_recording(recorder.clone());
    for _ in 0..4 {
        espo.delete_account("a1").await.expect("delete");
    }
    recorder.flush().expect("flushed");
    let stats = recorder.stats();
    assert_eq!((stats.queued, stats.sampled_out), (2, 2), "{stats:?}");
    let text = std::fs::read_to_string(&sampled).expect("recorded");
    assert_eq!(text.lines().count(), 2);

    let capped = dir.path().join("capped.ndjson");
    let recorder =
        Recorder::with_options(&capped, RecordOptions::default().max_body_bytes(64)).expect("rec");
    let espo = espocrm::Client::new(server.uri()).with_recording(recorder.clone());
    espo.get_account("a1").await.expect("a large body");
    espo.delete_account("a1").await.expect("a small body");
    recorder.flush().expect("flushed");
    let stats = recorder.stats();
    assert_eq!((stats.queued, stats.too_large), (1, 1), "{stats:?}");
    let text = std::fs::read_to_string(&capped).expect("recorded");
    assert!(
        text.contains("\"DELETE\"") && !text.contains("\"GET\""),
        "{text}"
    );
}

#[tokio::test]
async fn recording_appends_to_an_existing_file() {
    let server = documented_server().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("traffic.ndjson");
    for _ in 0..2 {
        let espo = espocrm::Client::new(server.uri())
            .with_recorder(&file)
            .expect("recorder");
        espo.delete_account("a1").await.expect("delete");
        espo.recorder().expect("set").flush().expect("flushed");
    }
    let text = std::fs::read_to_string(&file).expect("recorded");
    assert_eq!(text.lines().count(), 2);
}

/// The README's usage example, line for line (checked below): builders, a paging stream and
/// the recorder against a server with two pages of accounts. Not formatted by rustfmt, so that
/// it stays as the README shows it.
#[rustfmt::skip]
async fn readme_example(
    site: &str,
    key: &str,
    traffic: &Path,
) -> Result<(usize, Option<String>), Box<dyn std::error::Error>> {
    // README example start
    use futures_util::StreamExt;
    use specsmith_generated::espocrm::{types::{AccountInput, ListAccountsParams}, Client};
    use specsmith_generated::runtime::RetryPolicy;
    use std::time::Duration;

    let client = Client::for_site(site)                    // {site}/api/v1, from the spec's servers
        .with_api_key_auth(key)
        .with_timeout(Duration::from_secs(10))
        .with_retry(RetryPolicy::retries(3))               // opt-in: idempotent methods on 429/503
        .with_recorder(traffic)?;                          // every exchange as NDJSON, credentials masked

    let acme = client
        .create_account(&AccountInput::default().with_name("Acme").with_assigned_user_id("u1"))
        .await?
        .into_body();                                      // Account, by status
    let mut accounts = client.list_accounts_stream(ListAccountsParams::default().with_max_size(50));
    while let Some(account) = accounts.next().await {      // pages fetched as the stream is read
        println!("{:?}", account?.name);
    }
    let all = client.list_accounts_stream(ListAccountsParams::default()).collect_all().await?;
    // README example end
    client.recorder().ok_or("no recorder")?.flush()?;
    Ok((all.len(), acme.name))
}

#[tokio::test]
async fn the_readme_example_runs_and_its_recorded_traffic_validates_clean() {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .expect("README.md");
    let start = readme
        .find("```rust\nuse futures_util::StreamExt;")
        .expect("the README's usage example");
    let shown: Vec<&str> = readme[start..]
        .lines()
        .skip(1)
        .take_while(|l| *l != "```")
        .collect();
    let source = include_str!("record.rs");
    let ours: Vec<String> = source
        .split("// README example start\n")
        .nth(1)
        .and_then(|rest| rest.split("    // README example end").next())
        .expect("markers")
        .lines()
        .map(|l| l.strip_prefix("    ").unwrap_or(l).to_string())
        .collect();
    assert_eq!(
        shown, ours,
        "README.md's usage example and this test differ"
    );

    let server = MockServer::start().await;
    let page = |items: &[&str], total: usize| {
        let list: Vec<Value> = items.iter().map(|n| json!({"id": n, "name": n})).collect();
        ResponseTemplate::new(200).set_body_json(json!({"total": total, "list": list}))
    };
    Mock::given(method("GET"))
        .and(path("/api/v1/Account"))
        .and(wiremock::matchers::query_param("offset", "2"))
        .respond_with(page(&["c"], 3))
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/Account"))
        .respond_with(page(&["a", "b"], 3))
        .with_priority(5)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v1/Account"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": "x", "name": "Acme"})))
        .mount(&server)
        .await;

    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("traffic.ndjson");
    let (count, name) = readme_example(&server.uri(), SECRETS[3], &file)
        .await
        .expect("the example runs");
    assert_eq!((count, name.as_deref()), (3, Some("Acme")));
    let text = std::fs::read_to_string(&file).expect("recorded");
    assert_eq!(text.lines().count(), 5, "create, two pages twice:\n{text}");
    assert!(!text.contains(SECRETS[3]), "the key leaked:\n{text}");
    let (findings, _) = validate(&format!("{}/api/v1", server.uri()), file);
    assert!(findings.is_empty(), "{findings:#?}\n{text}");
}
