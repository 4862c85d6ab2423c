//! What a generated client sends, the validator's parameter model reads back as sent, and the
//! validator's request checks accept: the generated runtime (templates) and `spec::style`
//! (library) implement one set of rules twice, so this holds them together on the real wire.

use std::path::PathBuf;

use serde_json::{json, Value};
use specsmith::spec::{self, style};
use specsmith::validate::{Options, Validator};
use specsmith::Kind;
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
use specsmith_generated::runtime as rt;
use specsmith_generated::v4_marketing::{self as v4marketing, types::ListUsersParams};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

async fn server() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(500))
        .mount(&server)
        .await;
    server
}

/// The decoded query pairs of the one request the server received.
async fn received_pairs(server: &MockServer) -> Vec<(String, String)> {
    let requests = server.received_requests().await.expect("recording on");
    assert_eq!(requests.len(), 1);
    requests[0]
        .url
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// Reads parameter `name` of operation `op` in `spec_file` from the pairs, as the spec says.
fn read(spec_file: &str, op: &str, name: &str, pairs: &[(String, String)]) -> Option<Value> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let spec = spec::load(&root.join("spec").join(spec_file)).expect("spec loads");
    let param = spec
        .operation(op)
        .and_then(|o| o.parameters.iter().find(|p| p.name == name))
        .expect("parameter");
    style::parse_pairs(&style::Wire::of(&spec.document, param), pairs).expect("parses")
}

#[tokio::test]
async fn kommo_with_reads_back_as_sent() {
    let server = server().await;
    let _ = kommo::Client::new(server.uri())
        .with_bearer_auth("t")
        .get_account(
            GetAccountParams::default().with_with(vec![AccountWith::AmojoId, AccountWith::Version]),
        )
        .await;
    let pairs = received_pairs(&server).await;
    assert_eq!(
        read("kommo.yaml", "getAccount", "with", &pairs),
        Some(json!(["amojo_id", "version"]))
    );
}

/// EspoCRM's list call with every query parameter set.
fn every_list_parameter(order: Order, filter: Vec<WhereItem>) -> ListAccountsParams {
    ListAccountsParams::default()
        .with_select(vec!["name".into(), "assignedUserId".into()])
        .with_max_size(2)
        .with_offset(40)
        .with_order_by("name")
        .with_order(order)
        .with_where(filter)
}

#[tokio::test]
async fn espocrm_list_parameters_read_back_as_sent() {
    let server = server().await;
    let filter = vec![WhereItem {
        r#type: Some("equals".into()),
        attribute: Some("name".into()),
        value: Some("Acme & Sons".into()),
    }];
    let espo = espocrm::Client::new(server.uri()).with_api_key_auth("k");
    let _ = espo
        .list_accounts(every_list_parameter(Order::Asc, filter))
        .await;
    let pairs = received_pairs(&server).await;
    let expected = [
        ("select", json!(["name", "assignedUserId"])),
        ("maxSize", json!(2)),
        ("offset", json!(40)),
        ("orderBy", json!("name")),
        ("order", json!("asc")),
        (
            "where",
            json!([{"type": "equals", "attribute": "name", "value": "Acme & Sons"}]),
        ),
    ];
    for (name, value) in expected {
        assert_eq!(
            read("espocrm.yaml", "listAccounts", name, &pairs),
            Some(value),
            "{name} in {pairs:?}"
        );
    }
}

/// Every request the server received, as NDJSON lines a recorder would write (request headers
/// and body included; the response is left out, only the request is judged here).
async fn recorded(server: &MockServer) -> String {
    let requests = server.received_requests().await.expect("recording on");
    let base = server.uri();
    requests
        .iter()
        .map(|r| {
            let mut headers = serde_json::Map::new();
            for (name, value) in &r.headers {
                let value = value.to_str().expect("ASCII header").to_string();
                match headers.get_mut(name.as_str()) {
                    Some(Value::Array(items)) => items.push(Value::from(value)),
                    Some(first) => *first = json!([first.take(), value]),
                    None => {
                        headers.insert(name.as_str().to_string(), Value::from(value));
                    }
                }
            }
            let mut line = json!({
                "method": r.method.as_str(),
                // wiremock names every request `http://localhost/...`; a recorder writes the
                // address it was sent to.
                "url": format!(
                    "{base}{}{}",
                    r.url.path(),
                    r.url.query().map(|q| format!("?{q}")).unwrap_or_default()
                ),
                "status": 200,
                "request_headers": headers,
                "request_body": String::from_utf8_lossy(&r.body),
            });
            if r.body.is_empty() {
                line["request_body"] = Value::Null;
            }
            line.to_string()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Validates `file` against the three bundled specs with `server` as `--server`; also returns
/// the operations matched, named as reports name them.
pub(crate) fn validate_bundled(
    server: &str,
    file: PathBuf,
) -> (specsmith::validate::Report, Vec<String>) {
    let specs = crate::validate::specs();
    let options = Options {
        server: Some(server.to_string()),
        ..Options::default()
    };
    let report = Validator::new(&specs, options)
        .expect("a base URL")
        .run(&[file])
        .expect("readable");
    let ops = crate::validate::exchanges_per_operation(&report, &specs);
    (report, ops.into_keys().collect())
}

/// Runs the validator's request checks over what `server` received, with the server's URL as
/// `--server`, and returns the request findings and the operations matched.
fn check_requests(server: &MockServer, lines: &str) -> (Vec<String>, Vec<String>) {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("sent.ndjson");
    std::fs::write(&file, lines).expect("write");
    let (report, ops) = validate_bundled(&server.uri(), file);
    let findings = report
        .diagnostics
        .iter()
        .filter(|d| {
            crate::requests::REQUEST_KINDS.contains(&d.kind) || d.kind == Kind::UnmatchedOperation
        })
        .map(|d| format!("{}: {} {:?}", d.kind.as_str(), d.message, d.pointer))
        .collect();
    (findings, ops)
}

#[tokio::test]
async fn what_the_generated_clients_send_the_request_checks_accept() {
    // Every operation of the three specs, every parameter given a value (the enums' values
    // included), through the generated clients; the validator reads what arrived on the wire.
    let server = server().await;
    let base = server.uri();
    let kommo = kommo::Client::new(&base).with_bearer_auth("t");
    let every_with = vec![
        AccountWith::AmojoId,
        AccountWith::AmojoRights,
        AccountWith::UsersGroups,
        AccountWith::TaskTypes,
        AccountWith::Version,
        AccountWith::EntityNames,
        AccountWith::DatetimeSettings,
    ];
    let _ = kommo
        .get_account(GetAccountParams::default().with_with(every_with))
        .await;
    let _ = kommo.get_account(GetAccountParams::default()).await;
    let v4 = v4marketing::Client::new(&base).with_client_id_and_client_secret("id", "secret");
    let _ = v4
        .list_users(
            "workspace 123/ä",
            ListUsersParams::default()
                .with_integration_id("i&1")
                .with_organization_id("o=1")
                .with_user_id("u+1")
                .with_page(2)
                .with_limit(50),
        )
        .await;
    let espo = espocrm::Client::new(&base).with_api_key_auth("k");
    let filter = vec![
        WhereItem {
            r#type: Some("equals".into()),
            attribute: Some("name".into()),
            value: Some("Acme & Sons [EU]".into()),
        },
        WhereItem {
            r#type: Some("isNotNull".into()),
            attribute: Some("assignedUserId".into()),
            value: None,
        },
    ];
    let _ = espo
        .list_accounts(every_list_parameter(Order::Desc, filter.clone()))
        .await;
    let input = AccountInput {
        name: Some("Acme, Inc.".into()),
        assigned_user_id: Some("u1".into()),
    };
    let _ = espo.create_account(&input).await;
    let _ = espo.get_account("6650ab/x y").await;
    let _ = espo.update_account("6650ab", &input).await;
    let _ = espo.delete_account("6650ab").await;
    let _ = espo
        .get_account_stream(
            "6650ab",
            GetAccountStreamParams::default()
                .with_max_size(5)
                .with_limit(10),
        )
        .await;
    let _ = espo
        .list_account_links(
            "6650ab",
            &AccountLink::TasksPrimary,
            ListAccountLinksParams::default()
                .with_select(vec!["name".into()])
                .with_offset(0)
                .with_max_size(20)
                .with_order_by("createdAt")
                .with_order(Order::Asc)
                .with_where(filter),
        )
        .await;
    let one = LinkPayload::ById(LinkById::new("c1"));
    let many = LinkPayload::from(LinkByIds::new(vec!["c1".into(), "c2".into()]));
    let _ = espo
        .link_account("6650ab", &AccountLink::Contacts, &one)
        .await;
    let _ = espo
        .unlink_account("6650ab", &AccountLink::Opportunities, &many)
        .await;
    let espo_auth = espocrm::Client::new(&base).with_espo_auth("user:pass");
    let _ = espo_auth.delete_account("a2").await;
    let lines = recorded(&server).await;
    let (findings, ops) = check_requests(&server, &lines);
    assert!(findings.is_empty(), "{findings:#?}\n{lines}");
    assert_eq!(
        ops,
        crate::requests::ALL_OPERATIONS,
        "every operation of the three specs was sent and matched"
    );
    // The checks are live on this path: a client that forgets its key and misspells a value is
    // caught.
    let tampered = lines
        .replacen("amojo_rights", "amojo_rigths", 1)
        .replace("\"x-api-key\"", "\"x-api-kee\"");
    let (findings, _) = check_requests(&server, &tampered);
    assert!(
        findings.iter().any(|f| f.starts_with("invalid_parameter"))
            && findings
                .iter()
                .any(|f| f.starts_with("missing_credentials")),
        "{findings:#?}"
    );
}

/// Issue 16 (PagerDuty): a declared `Accept` header parameter is not an argument; its one value
/// is sent as the request's `Accept`, once (replacing reqwest's `*/*`), and a JSON body's
/// `Content-Type` goes out once. The rendered method makes exactly the runtime calls driven here.
#[tokio::test]
async fn a_pinned_accept_and_the_body_media_type_are_sent_once() {
    const ACCEPT: &str = "application/vnd.pagerduty+json;version=2";
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let fixture = spec::load(&root.join("tests/fixtures/codegen/classes/reserved_headers.yaml"))
        .expect("fixture loads");
    let generator = specsmith::codegen::Generator::new(None).expect("templates load");
    let input = specsmith::codegen::Input {
        spec: &fixture,
        source: "reserved_headers.yaml".to_string(),
        name: None,
    };
    let (module, _) = generator
        .module(&input, "reserved_headers")
        .expect("renders");
    let module = module.client;
    let method = &module[module.find("pub async fn create_incident").expect("method")..];
    let method = &method[..method.find("\n    }\n").expect("method end")];
    assert!(
        !method.contains("accept:") && !method.contains("content_type"),
        "{method}"
    );
    assert!(method.contains(&format!("{ACCEPT:?}")), "{method}");
    assert!(
        method.contains(r#"request.json_body("application/json", body)"#),
        "{method}"
    );

    let server = server().await;
    let core = rt::Core::new(server.uri());
    let mut request = core.request(reqwest::Method::POST, "/incidents", &[]);
    request
        .header("accept", ACCEPT, rt::Style::Simple, false)
        .expect("header");
    request
        .json_body("application/json", &json!({"title": "disk full"}))
        .expect("body");
    core.send(request).await.expect("sent");
    let received = server.received_requests().await.expect("recording on");
    let headers = &received[0].headers;
    let accepts: Vec<&str> = headers
        .get_all("accept")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    assert_eq!(accepts, [ACCEPT]);
    assert_eq!(headers.get_all("content-type").iter().count(), 1);
}
