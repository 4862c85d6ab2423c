//! What a generated client sends, the validator's parameter model reads back as sent: the
//! generated runtime (templates) and `spec::style` (library) implement one set of rules twice,
//! so this holds them together on the real wire.

use std::path::PathBuf;

use serde_json::{json, Value};
use specsmith::spec::{self, style};
use specsmith_generated::espocrm::{self, ListAccountsParams, Order, WhereItem};
use specsmith_generated::kommo::{self, AccountWith, GetAccountParams};
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
            GetAccountParams::default().with(vec![AccountWith::AmojoId, AccountWith::Version]),
        )
        .await;
    let pairs = received_pairs(&server).await;
    assert_eq!(
        read("kommo.yaml", "getAccount", "with", &pairs),
        Some(json!(["amojo_id", "version"]))
    );
}

#[tokio::test]
async fn espocrm_list_parameters_read_back_as_sent() {
    let server = server().await;
    let filter = vec![WhereItem {
        r#type: Some("equals".into()),
        attribute: Some("name".into()),
        value: Some("Acme & Sons".into()),
    }];
    let _ = espocrm::Client::new(server.uri())
        .with_api_key_auth("k")
        .list_accounts(
            ListAccountsParams::default()
                .select(vec!["name".into(), "assignedUserId".into()])
                .max_size(2)
                .offset(40)
                .order_by("name")
                .order(Order::Asc)
                .r#where(filter),
        )
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
