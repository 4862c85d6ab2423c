//! Wire tests of the EspoCRM client: every operation of the spec, the PHP-style `where` filter,
//! percent-encoded path segments, JSON bodies, and offset paging.

mod common;

use common::{capture, only, seen, serve, serve_sequence};
use futures_util::StreamExt;
use specsmith_generated::espocrm::types::{
    AccountInput, AccountLink, GetAccountStreamParams, LinkById, LinkByIds, LinkPayload,
    ListAccountLinksParams, ListAccountsParams, Order, WhereItem,
};
use specsmith_generated::espocrm::Client;
use specsmith_generated::runtime::Error;

fn client(uri: String) -> Client {
    Client::new(format!("{uri}/api/v1")).with_api_key_auth("key-1")
}

#[tokio::test]
async fn list_accounts_sends_the_documented_query() {
    let server = serve(
        200,
        "application/json",
        capture("espocrm-list-accounts.json"),
    )
    .await;
    let list = client(server.uri())
        .list_accounts(
            ListAccountsParams::default()
                .with_select(vec!["name".to_string()])
                .with_max_size(2)
                .with_order_by("name")
                .with_order(Order::Asc),
        )
        .await
        .expect("decodes")
        .into_body();
    let seen = only(&server).await;
    assert_eq!(
        (seen.method.as_str(), seen.path.as_str()),
        ("GET", "/api/v1/Account")
    );
    // The spec's parameter order (maxSize, offset, orderBy, order, select, where).
    assert_eq!(
        seen.query.as_deref(),
        Some("maxSize=2&orderBy=name&order=asc&select=name")
    );
    assert_eq!(seen.header("x-api-key"), Some("key-1"));
    assert_eq!(seen.header("espo-authorization"), None);
    assert_eq!(list.total, 2100);
    assert_eq!(list.list.len(), 2);
    assert_eq!(list.list[0].id, "someId1");
    assert_eq!(list.list[1].name.as_deref(), Some("Test 2"));
}

#[tokio::test]
async fn where_goes_php_style_and_select_comma_separated() {
    let server = serve(
        200,
        "application/json",
        br#"{"total":0,"list":[]}"#.to_vec(),
    )
    .await;
    let filter = vec![
        WhereItem {
            r#type: Some("equals".into()),
            attribute: Some("name".into()),
            value: Some("Acme".into()),
        },
        WhereItem {
            r#type: Some("in".into()),
            attribute: Some("type".into()),
            value: Some(serde_json::json!(["Customer", "Partner"])),
        },
    ];
    client(server.uri())
        .list_accounts(
            ListAccountsParams::default()
                .with_select(vec!["name".into(), "assignedUserId".into()])
                .with_where(filter),
        )
        .await
        .expect("decodes");
    let seen = only(&server).await;
    assert_eq!(
        seen.query.as_deref(),
        Some(
            "select=name,assignedUserId\
             &where[0][type]=equals&where[0][attribute]=name&where[0][value]=Acme\
             &where[1][type]=in&where[1][attribute]=type&where[1][value][0]=Customer&where[1][value][1]=Partner"
        )
    );
}

#[tokio::test]
async fn get_account_encodes_the_path_segment() {
    let server = serve(200, "application/json", capture("espocrm-get-account.json")).await;
    let account = client(server.uri())
        .get_account("some/Id with space")
        .await
        .expect("decodes")
        .into_body();
    let seen = only(&server).await;
    assert_eq!(seen.path, "/api/v1/Account/some%2FId%20with%20space");
    assert_eq!(seen.query, None);
    assert_eq!(account.id, "someId");
    assert_eq!(account.name.as_deref(), Some("Test"));
}

#[tokio::test]
async fn create_and_update_send_json_bodies() {
    let created = br#"{"id":"new1","name":"Test","assignedUserId":"someUserId"}"#.to_vec();
    let server = serve(200, "application/json", created.clone()).await;
    let input = AccountInput {
        name: Some("Test".into()),
        assigned_user_id: Some("someUserId".into()),
    };
    let account = client(server.uri())
        .create_account(&input)
        .await
        .expect("decodes")
        .into_body();
    assert_eq!(account.id, "new1");
    let seen = only(&server).await;
    assert_eq!(
        (seen.method.as_str(), seen.path.as_str()),
        ("POST", "/api/v1/Account")
    );
    assert_eq!(seen.header("content-type"), Some("application/json"));
    assert_eq!(
        seen.body,
        br#"{"name":"Test","assignedUserId":"someUserId"}"#
    );

    let server = serve(200, "application/json", created).await;
    let input = AccountInput {
        assigned_user_id: Some("someUserId".into()),
        ..Default::default()
    };
    client(server.uri())
        .update_account("new1", &input)
        .await
        .expect("decodes");
    let seen = only(&server).await;
    assert_eq!(
        (seen.method.as_str(), seen.path.as_str()),
        ("PUT", "/api/v1/Account/new1")
    );
    // Optional fields left out are not sent as null.
    assert_eq!(seen.body, br#"{"assignedUserId":"someUserId"}"#);
}

#[tokio::test]
async fn delete_returns_the_boolean() {
    let server = serve(200, "application/json", b"true".to_vec()).await;
    let deleted = client(server.uri())
        .delete_account("someId")
        .await
        .expect("decodes");
    assert!(deleted.body);
    let seen = only(&server).await;
    assert_eq!(
        (seen.method.as_str(), seen.path.as_str()),
        ("DELETE", "/api/v1/Account/someId")
    );
    assert!(seen.body.is_empty());
}

#[tokio::test]
async fn stream_sends_max_size_and_limit() {
    let server = serve(
        200,
        "application/json",
        br#"{"total":1,"list":[{"id":"n1","type":"Post"}]}"#.to_vec(),
    )
    .await;
    let stream = client(server.uri())
        .get_account_stream(
            "someId",
            GetAccountStreamParams::default()
                .with_max_size(5)
                .with_limit(10),
        )
        .await
        .expect("decodes")
        .into_body();
    let seen = only(&server).await;
    assert_eq!(seen.path, "/api/v1/Account/someId/stream");
    assert_eq!(seen.query.as_deref(), Some("maxSize=5&limit=10"));
    assert_eq!(stream.total, 1);
    assert_eq!(stream.list[0].get("type"), Some(&serde_json::json!("Post")));
}

#[tokio::test]
async fn related_records_link_and_unlink() {
    let server = serve(
        200,
        "application/json",
        br#"{"total":1,"list":[{"id":"c1","name":"Jo"}]}"#.to_vec(),
    )
    .await;
    let related = client(server.uri())
        .list_account_links(
            "someId",
            &AccountLink::Contacts,
            ListAccountLinksParams::default().with_max_size(1),
        )
        .await
        .expect("decodes")
        .into_body();
    assert_eq!(related.list[0].get("name"), Some(&serde_json::json!("Jo")));
    let seen = only(&server).await;
    assert_eq!(
        (seen.method.as_str(), seen.path.as_str()),
        ("GET", "/api/v1/Account/someId/contacts")
    );
    assert_eq!(seen.query.as_deref(), Some("maxSize=1"));

    let server = serve(200, "application/json", b"true".to_vec()).await;
    let linked = client(server.uri())
        .link_account(
            "someId",
            &AccountLink::Unknown("customLink".into()),
            &LinkPayload::ById(LinkById::new("c1")),
        )
        .await
        .expect("decodes");
    assert!(linked.body);
    let seen = only(&server).await;
    assert_eq!(
        (seen.method.as_str(), seen.path.as_str()),
        ("POST", "/api/v1/Account/someId/customLink")
    );
    assert_eq!(seen.body, br#"{"id":"c1"}"#);

    let server = serve(200, "application/json", b"true".to_vec()).await;
    let payload = LinkPayload::from(LinkByIds::new(vec!["a".into(), "b".into()]));
    client(server.uri())
        .unlink_account("someId", &AccountLink::Opportunities, &payload)
        .await
        .expect("decodes");
    let seen = only(&server).await;
    assert_eq!(
        (seen.method.as_str(), seen.path.as_str()),
        ("DELETE", "/api/v1/Account/someId/opportunities")
    );
    assert_eq!(seen.body, br#"{"ids":["a","b"]}"#);
    // The untagged union decodes back to the variant whose required field is present.
    let back: LinkPayload = serde_json::from_slice(&seen.body).expect("decodes");
    assert_eq!(back, payload);
}

#[tokio::test]
async fn list_accounts_stream_pages_by_offset_until_total() {
    let server = serve_sequence(vec![
        (
            200,
            "application/json",
            br#"{"total":3,"list":[{"id":"a"},{"id":"b"}]}"#.to_vec(),
        ),
        (
            200,
            "application/json",
            br#"{"total":3,"list":[{"id":"c"}]}"#.to_vec(),
        ),
    ])
    .await;
    let accounts = client(server.uri())
        .list_accounts_stream(ListAccountsParams::default().with_max_size(2))
        .collect_all()
        .await
        .expect("walks");
    let ids: Vec<_> = accounts.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(ids, ["a", "b", "c"]);
    let queries: Vec<_> = seen(&server)
        .await
        .into_iter()
        .map(|s| s.query.unwrap_or_default())
        .collect();
    assert_eq!(queries, ["maxSize=2&offset=0", "maxSize=2&offset=2"]);
}

#[tokio::test]
async fn an_error_mid_way_comes_after_the_items_before_it_and_ends_the_stream() {
    let server = serve_sequence(vec![
        (
            200,
            "application/json",
            br#"{"total":5,"list":[{"id":"a"},{"id":"b"}]}"#.to_vec(),
        ),
        (500, "text/plain", b"down".to_vec()),
    ])
    .await;
    let client = client(server.uri());
    let mut stream = client.list_accounts_stream(ListAccountsParams::default());
    let first = stream.next().await.expect("an item").expect("ok");
    let second = stream.next().await.expect("an item").expect("ok");
    assert_eq!((first.id.as_str(), second.id.as_str()), ("a", "b"));
    let err = stream.next().await.expect("the error").expect_err("500");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(500));
    assert!(stream.next().await.is_none(), "an error ends the stream");
    assert_eq!(
        seen(&server).await.len(),
        2,
        "the failing page is not retried"
    );
}

#[tokio::test]
async fn collect_all_returns_the_first_error() {
    let server = serve_sequence(vec![
        (
            200,
            "application/json",
            br#"{"total":5,"list":[{"id":"a"}]}"#.to_vec(),
        ),
        (500, "text/plain", b"down".to_vec()),
    ])
    .await;
    let err = client(server.uri())
        .list_accounts_stream(ListAccountsParams::default())
        .collect_all()
        .await
        .expect_err("500 on page two");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(500));
}

#[tokio::test]
async fn an_empty_page_ends_the_stream_even_below_the_total() {
    let server = serve_sequence(vec![
        (
            200,
            "application/json",
            br#"{"total":9,"list":[{"id":"a"}]}"#.to_vec(),
        ),
        (
            200,
            "application/json",
            br#"{"total":9,"list":[]}"#.to_vec(),
        ),
    ])
    .await;
    let accounts = client(server.uri())
        .list_accounts_stream(ListAccountsParams::default())
        .collect_all()
        .await
        .expect("walks");
    assert_eq!(accounts.len(), 1);
    assert_eq!(seen(&server).await.len(), 2);
}

#[tokio::test]
async fn a_stream_requests_pages_only_as_it_is_read() {
    let server = serve_sequence(vec![(
        200,
        "application/json",
        br#"{"total":9,"list":[{"id":"a"},{"id":"b"}]}"#.to_vec(),
    )])
    .await;
    let client = client(server.uri());
    let stream = client.list_accounts_stream(ListAccountsParams::default());
    assert!(
        seen(&server).await.is_empty(),
        "nothing is sent before reading"
    );
    let taken: Vec<_> = stream.take(2).collect().await;
    assert_eq!(taken.len(), 2);
    assert_eq!(seen(&server).await.len(), 1, "two items come from one page");
}

#[tokio::test]
async fn an_undocumented_error_status_keeps_the_raw_response() {
    let server = serve(
        403,
        "application/json",
        br#"{"error":"forbidden"}"#.to_vec(),
    )
    .await;
    let err = client(server.uri())
        .get_account("x")
        .await
        .expect_err("403");
    let Error::UnexpectedStatus(raw) = err else {
        panic!("expected UnexpectedStatus, got {err:?}")
    };
    assert_eq!(raw.status.as_u16(), 403);
    assert_eq!(&raw.body[..], br#"{"error":"forbidden"}"#);
}

#[test]
fn the_site_is_a_constructor_argument() {
    assert_eq!(
        Client::for_site("https://crm.example.com").base_url(),
        "https://crm.example.com/api/v1"
    );
    assert_eq!(
        Client::new("https://crm.example.com/api/v1/").base_url(),
        "https://crm.example.com/api/v1"
    );
}

#[test]
fn espo_authorization_is_the_alternative_scheme() {
    // Either scheme authenticates; the setter exists for the second one too.
    let _ = Client::new("http://localhost").with_espo_auth("dXNlcjpwYXNz");
}
