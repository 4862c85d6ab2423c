//! Wire tests of the V4 Marketing client: both API-key headers, integer paging, the
//! page-walking helper, and the 400/500 error bodies.

mod common;

use common::{capture, only, seen, serve, serve_sequence};
use specsmith_generated::runtime::Error;
use specsmith_generated::v4_marketing::types::{ListUsersError, ListUsersParams};
use specsmith_generated::v4_marketing::Client;

fn client(uri: String) -> Client {
    Client::new(uri).with_client_id_and_client_secret("id-1", "secret-2")
}

#[tokio::test]
async fn list_users_sends_both_keys_and_the_query_in_spec_order() {
    let server = serve(200, "application/json", capture("v4marketing-users.json")).await;
    let response = client(server.uri())
        .list_users(
            "workspace_123",
            ListUsersParams::default()
                .with_user_id("u 1&2")
                .with_page(2)
                .with_limit(50),
        )
        .await
        .expect("decodes");

    let seen = only(&server).await;
    assert_eq!(seen.method, "GET");
    assert_eq!(seen.path, "/v1/kommo/users");
    // Strings are never JSON-quoted; reserved characters in values are percent-encoded.
    assert_eq!(
        seen.query.as_deref(),
        Some("workspaceId=workspace_123&userId=u%201%262&page=2&limit=50")
    );
    assert_eq!(seen.header("x-client-id"), Some("id-1"));
    assert_eq!(seen.header("x-client-secret"), Some("secret-2"));

    let list = response.into_body();
    assert_eq!(list.data.len(), 1);
    let user = &list.data[0];
    assert_eq!(user.user_id.as_deref(), Some("string"));
    assert_eq!(user.is_admin, Some(true));
    assert_eq!(
        user.inserted_at.as_deref(),
        Some("2019-08-24T14:15:22.123Z")
    );
    assert_eq!(user.rights.as_ref().map(|r| r.len()), Some(0));
    assert_eq!(list.meta.has_next_page, Some(true));
    assert_eq!(list.meta.page, Some(0));
}

#[tokio::test]
async fn bad_request_and_server_error_are_typed() {
    for (status, expect_bad_request) in [(400, true), (500, false)] {
        let server = serve(
            status,
            "application/json",
            br#"{"message":"nope"}"#.to_vec(),
        )
        .await;
        let err = client(server.uri())
            .list_users("w", ListUsersParams::default())
            .await
            .expect_err("error status");
        let Error::Status(response) = err else {
            panic!("expected a typed error for {status}, got {err:?}");
        };
        assert_eq!(response.status.as_u16(), status);
        match (response.body, expect_bad_request) {
            (ListUsersError::BadRequest(e), true)
            | (ListUsersError::InternalServerError(e), false) => {
                assert_eq!(e.message.as_deref(), Some("nope"))
            }
            (other, _) => panic!("wrong variant for {status}: {other:?}"),
        }
    }
}

#[tokio::test]
async fn an_error_status_with_an_undecodable_body_keeps_the_bytes() {
    let server = serve(500, "text/html", b"<html>oops</html>".to_vec()).await;
    let err = client(server.uri())
        .list_users("w", ListUsersParams::default())
        .await
        .expect_err("error status");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(500));
    assert_eq!(err.raw_body(), Some(&b"<html>oops</html>"[..]));
    assert!(matches!(err, Error::Decode { .. }));
}

#[tokio::test]
async fn list_users_stream_walks_every_page() {
    let page = |n: i64, has_next: bool, ids: &[&str]| {
        let data: Vec<_> = ids
            .iter()
            .map(|id| serde_json::json!({"user_id": id}))
            .collect();
        serde_json::json!({"data": data, "meta": {"page": n, "limit": 2, "hasNextPage": has_next}})
            .to_string()
            .into_bytes()
    };
    let server = serve_sequence(vec![
        (200, "application/json", page(1, true, &["a", "b"])),
        (200, "application/json", page(2, true, &["c", "d"])),
        (200, "application/json", page(3, false, &["e"])),
    ])
    .await;
    let users = client(server.uri())
        .list_users_stream("w", ListUsersParams::default().with_limit(2))
        .collect_all()
        .await
        .expect("walks");
    let ids: Vec<_> = users.iter().filter_map(|u| u.user_id.as_deref()).collect();
    assert_eq!(ids, ["a", "b", "c", "d", "e"]);
    let queries: Vec<_> = seen(&server)
        .await
        .into_iter()
        .map(|s| s.query.unwrap_or_default())
        .collect();
    assert_eq!(
        queries,
        [
            "workspaceId=w&limit=2",
            "workspaceId=w&page=2&limit=2",
            "workspaceId=w&page=3&limit=2"
        ]
    );
}

#[tokio::test]
async fn the_keys_can_be_set_one_by_one_too() {
    let server = serve(200, "application/json", capture("v4marketing-users.json")).await;
    Client::new(server.uri())
        .with_client_secret("s")
        .with_client_id("i")
        .with_client_id("i2")
        .list_users("w", ListUsersParams::default())
        .await
        .expect("decodes");
    let seen = only(&server).await;
    // Setting a scheme twice replaces it; the header is sent once.
    let ids: Vec<_> = seen
        .headers
        .iter()
        .filter(|(k, _)| k == "x-client-id")
        .collect();
    assert_eq!(ids.len(), 1, "{:?}", seen.headers);
    assert_eq!(seen.header("x-client-id"), Some("i2"));
    assert_eq!(seen.header("x-client-secret"), Some("s"));
}

#[test]
fn the_spec_server_is_a_constructor() {
    assert_eq!(
        Client::for_api_data_v4_marketing().base_url(),
        "https://api.data.v4.marketing"
    );
}
