//! Every paging shape on the wire: the module generated from `tests/fixtures/paging/paging.yaml`
//! (`paging_shapes.rs` and its `types.rs`, committed beside it, kept in step by `tests/it/generate.rs`), compiled here against the
//! bundled runtime, walks a local server's pages: several pages, an empty page, an error
//! mid-way, a cursor that ends empty, and `Link` headers that are relative, absolute or on
//! another origin.

use futures_util::StreamExt;
use wiremock::matchers::{header, method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// The generated module names its runtime `crate::runtime`.
pub mod runtime {
    pub use specsmith_generated::runtime::*;
}

/// The committed fixture module, laid out as in a generated crate's `src/`.
#[path = "../../tests/fixtures/paging"]
#[allow(dead_code)]
mod fixture {
    #[rustfmt::skip]
    pub mod paging_shapes;
}

use fixture::paging_shapes as paging;

use paging::types::{
    ListChannelsParams, ListCustomersError, ListCustomersParams, ListEventsParams, ListFilesParams,
    ListOrgReposParams,
};
use paging::Client;

fn json(body: serde_json::Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(body)
}

/// The query strings the server received, in order.
async fn queries(server: &MockServer) -> Vec<String> {
    let requests = server.received_requests().await.expect("recording on");
    requests
        .iter()
        .map(|r| r.url.query().unwrap_or("").to_string())
        .collect()
}

#[tokio::test]
async fn page_numbers_advance_until_the_flag_is_false() {
    let server = MockServer::start().await;
    for (page, more, names) in [(None, true, ["a", "b"]), (Some("2"), false, ["c", "d"])] {
        let mock = Mock::given(path("/events"));
        let mock = match page {
            Some(n) => mock.and(query_param("page", n)),
            None => mock.and(query_param_is_missing("page")),
        };
        let events: Vec<_> = names
            .iter()
            .map(|n| serde_json::json!({"name": n}))
            .collect();
        mock.respond_with(json(
            serde_json::json!({"events": events, "has_next_page": more}),
        ))
        .mount(&server)
        .await;
    }
    let client = Client::new(server.uri());
    let names: Vec<String> = client
        .list_events_stream(ListEventsParams::default().with_per_page(2))
        .collect_all()
        .await
        .expect("walks")
        .into_iter()
        .map(|e| e.name)
        .collect();
    assert_eq!(names, ["a", "b", "c", "d"]);
    assert_eq!(queries(&server).await, ["per_page=2", "page=2&per_page=2"]);
}

#[tokio::test]
async fn next_page_tokens_are_fed_back_until_none_is_given() {
    let server = MockServer::start().await;
    let pages = [
        (
            None,
            serde_json::json!({"files": [{"name": "a"}], "nextPageToken": "t1"}),
        ),
        (
            Some("t1"),
            serde_json::json!({"files": [{"name": "b"}], "nextPageToken": "t2"}),
        ),
        (Some("t2"), serde_json::json!({"files": [{"name": "c"}]})),
    ];
    for (token, body) in pages {
        let mock = Mock::given(path("/files"));
        let mock = match token {
            Some(t) => mock.and(query_param("pageToken", t)),
            None => mock.and(query_param_is_missing("pageToken")),
        };
        mock.respond_with(json(body)).mount(&server).await;
    }
    let client = Client::new(server.uri());
    let files = client
        .list_files_stream(ListFilesParams::default())
        .collect_all()
        .await
        .expect("walks");
    assert_eq!(files.len(), 3);
    assert_eq!(queries(&server).await, ["", "pageToken=t1", "pageToken=t2"]);
}

#[tokio::test]
async fn a_nested_cursor_ends_when_it_is_empty() {
    let server = MockServer::start().await;
    Mock::given(path("/channels"))
        .and(query_param_is_missing("cursor"))
        .respond_with(json(serde_json::json!({
            "ok": true, "channels": [{"id": "C1"}], "response_metadata": {"next_cursor": "dGVhbTpD"}
        })))
        .mount(&server)
        .await;
    Mock::given(path("/channels"))
        .and(query_param("cursor", "dGVhbTpD"))
        .respond_with(json(serde_json::json!({
            "ok": true, "channels": [{"id": "C2"}], "response_metadata": {"next_cursor": ""}
        })))
        .mount(&server)
        .await;
    let client = Client::new(server.uri());
    let ids: Vec<String> = client
        .list_channels_stream(ListChannelsParams::default())
        .collect_all()
        .await
        .expect("walks")
        .into_iter()
        .map(|c| c.id)
        .collect();
    assert_eq!(ids, ["C1", "C2"]);
    assert_eq!(
        queries(&server).await.len(),
        2,
        "an empty cursor is the end"
    );
}

#[tokio::test]
async fn the_last_id_is_sent_as_starting_after_while_has_more() {
    let server = MockServer::start().await;
    Mock::given(path("/customers"))
        .and(query_param_is_missing("starting_after"))
        .respond_with(json(serde_json::json!({
            "object": "list", "data": [{"id": "cus_1"}, {"id": "cus_2"}], "has_more": true
        })))
        .mount(&server)
        .await;
    Mock::given(path("/customers"))
        .and(query_param("starting_after", "cus_2"))
        .respond_with(json(serde_json::json!({
            "object": "list", "data": [{"id": "cus_3"}], "has_more": false
        })))
        .mount(&server)
        .await;
    let client = Client::new(server.uri());
    let ids: Vec<String> = client
        .list_customers_stream(ListCustomersParams::default().with_limit(2))
        .collect_all()
        .await
        .expect("walks")
        .into_iter()
        .map(|c| c.id)
        .collect();
    assert_eq!(ids, ["cus_1", "cus_2", "cus_3"]);
    assert_eq!(
        queries(&server).await,
        ["limit=2", "starting_after=cus_2&limit=2"]
    );
}

#[tokio::test]
async fn a_documented_error_mid_way_is_yielded_once_after_the_items() {
    let server = MockServer::start().await;
    Mock::given(path("/customers"))
        .and(query_param_is_missing("starting_after"))
        .respond_with(json(serde_json::json!({
            "object": "list", "data": [{"id": "cus_1"}], "has_more": true
        })))
        .mount(&server)
        .await;
    Mock::given(path("/customers"))
        .and(query_param("starting_after", "cus_1"))
        .respond_with(
            ResponseTemplate::new(429).set_body_json(serde_json::json!({"message": "slow down"})),
        )
        .mount(&server)
        .await;
    let client = Client::new(server.uri());
    let results: Vec<_> = client
        .list_customers_stream(ListCustomersParams::default())
        .collect()
        .await;
    assert_eq!(results.len(), 2, "one item, then the error, then the end");
    assert_eq!(results[0].as_ref().expect("an item").id, "cus_1");
    let Err(runtime::Error::Status(response)) = &results[1] else {
        panic!("expected the documented error, got {:?}", results[1]);
    };
    let ListCustomersError::Default(problem) = &response.body;
    assert_eq!(problem.message.as_deref(), Some("slow down"));
}

#[tokio::test]
async fn an_empty_first_page_is_an_empty_stream() {
    let server = MockServer::start().await;
    Mock::given(path("/customers"))
        .respond_with(json(serde_json::json!({
            "object": "list", "data": [], "has_more": true
        })))
        .mount(&server)
        .await;
    let client = Client::new(server.uri());
    let mut stream = client.list_customers_stream(ListCustomersParams::default());
    assert!(stream.next().await.is_none());
    assert_eq!(queries(&server).await.len(), 1);
}

/// Three pages: the first links to the second absolutely, the second to the third relatively,
/// the third to another origin, which is not followed.
#[tokio::test]
async fn link_next_is_followed_on_the_same_origin_only_with_credentials() {
    let server = MockServer::start().await;
    let uri = server.uri();
    let repos = |names: &[&str]| {
        serde_json::Value::Array(
            names
                .iter()
                .map(|n| serde_json::json!({"name": n}))
                .collect(),
        )
    };
    Mock::given(method("GET"))
        .and(path("/orgs/acme/repos"))
        .and(query_param_is_missing("page"))
        .respond_with(json(repos(&["a", "b"])).insert_header(
            "link",
            format!(r#"<{uri}/orgs/acme/repos?per_page=2&page=2>; rel="next", <{uri}/orgs/acme/repos?per_page=2&page=3>; rel="last""#),
        ))
        .mount(&server)
        .await;
    Mock::given(path("/orgs/acme/repos"))
        .and(query_param("page", "2"))
        .and(header("authorization", "Bearer secret"))
        .respond_with(json(repos(&["c", "d"])).insert_header(
            "link",
            r#"</orgs/acme/repos?per_page=2&page=1>; rel=prev; title="a, b", </orgs/acme/repos?per_page=2&page=3>; rel="next""#,
        ))
        .mount(&server)
        .await;
    Mock::given(path("/orgs/acme/repos"))
        .and(query_param("page", "3"))
        .and(header("authorization", "Bearer secret"))
        .respond_with(json(repos(&["e"])).insert_header(
            "link",
            r#"<https://elsewhere.example/orgs/acme/repos?page=4>; rel="next""#,
        ))
        .mount(&server)
        .await;
    let client = Client::new(&uri).with_token("secret");
    let names: Vec<String> = client
        .list_org_repos_stream("acme", ListOrgReposParams::default().with_per_page(2))
        .collect_all()
        .await
        .expect("walks")
        .into_iter()
        .map(|r| r.name)
        .collect();
    assert_eq!(names, ["a", "b", "c", "d", "e"]);
    assert_eq!(
        queries(&server).await,
        ["per_page=2", "per_page=2&page=2", "per_page=2&page=3"]
    );
}

#[tokio::test]
async fn a_link_back_to_the_same_page_ends_the_stream() {
    let server = MockServer::start().await;
    let uri = server.uri();
    Mock::given(path("/orgs/acme/repos"))
        .respond_with(json(serde_json::json!([{"name": "a"}])).insert_header(
            "link",
            format!(r#"<{uri}/orgs/acme/repos?page=2>; rel="next""#),
        ))
        .mount(&server)
        .await;
    let client = Client::new(&uri);
    let repos = client
        .list_org_repos_stream("acme", ListOrgReposParams::default())
        .collect_all()
        .await
        .expect("walks");
    assert_eq!(repos.len(), 2, "page 1, then page 2 once");
    assert_eq!(queries(&server).await, ["", "page=2"]);
}

#[test]
fn link_headers_are_read_as_rfc_8288_says() {
    let context = reqwest::Url::parse("https://api.example.com/v1/items?page=1").expect("url");
    let next = |value: &str| {
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert("link", value.parse().expect("header value"));
        runtime::next_link(&headers, &context, "https://api.example.com/v1").map(|u| u.to_string())
    };
    let cases = [
        (
            r#"<https://api.example.com/v1/items?page=2>; rel="next""#,
            Some("https://api.example.com/v1/items?page=2"),
        ),
        (
            r#"<?page=2>; rel=next"#,
            Some("https://api.example.com/v1/items?page=2"),
        ),
        (
            r#"<items?page=2>; REL="NEXT""#,
            Some("https://api.example.com/v1/items?page=2"),
        ),
        (
            r#"<https://api.example.com/a,b>; rel="last next""#,
            Some("https://api.example.com/a,b"),
        ),
        (
            r#"<x>; title="rel=next, <y>"; rel="prev", <z>; rel="next""#,
            Some("https://api.example.com/v1/z"),
        ),
        (r#"<x>; rel="prev"; rel="next""#, None),
        (
            r#"<https://evil.example/v1/items?page=2>; rel="next""#,
            None,
        ),
        (
            r#"<http://api.example.com/v1/items?page=2>; rel="next""#,
            None,
        ),
        (
            r#"garbage, <y>; rel="next""#,
            Some("https://api.example.com/v1/y"),
        ),
        (
            r#"garbage "a \", <x>; rel=next", <y>; rel="next""#,
            Some("https://api.example.com/v1/y"),
        ),
        (
            r#"<x>; title="a \"rel=next, <y>\""; rel="prev", <z>; rel="next""#,
            Some("https://api.example.com/v1/z"),
        ),
        (r#"<unclosed; rel="next""#, None),
        ("", None),
    ];
    for (value, expected) in cases {
        assert_eq!(next(value).as_deref(), expected, "{value}");
    }
}

#[test]
fn a_followed_url_keeps_its_query_and_gets_credentials_once() {
    let mut core = runtime::Core::new("https://api.example.com");
    core.set_credential("key", runtime::Place::Query, "api_key", "s");
    let url = reqwest::Url::parse("https://api.example.com/items?page=2&api_key=s").expect("url");
    let request = core.request_url(reqwest::Method::GET, &url, &["key"]);
    assert_eq!(request.query_string(), "page=2&api_key=s");
    let url = reqwest::Url::parse("https://api.example.com/items?page=2").expect("url");
    let request = core.request_url(reqwest::Method::GET, &url, &["key"]);
    assert_eq!(request.query_string(), "page=2&api_key=s");
}

/// A stream can move to another task (it is `Send`) and be read without pinning (`Unpin`).
#[test]
fn streams_are_send_and_unpin() {
    fn send_and_unpin<T: Send + Unpin>(_: &T) {}
    let client = Client::new("http://localhost");
    send_and_unpin(&client.list_org_repos_stream("acme", ListOrgReposParams::default()));
    send_and_unpin(&client.list_customers_stream(ListCustomersParams::default()));
}
