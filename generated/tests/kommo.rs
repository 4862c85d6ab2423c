//! Wire tests of the Kommo client: the exact request it sends and what it decodes, against a
//! loopback server serving the documents' example bodies.

mod common;

use common::{capture, only, serve};
use specsmith_generated::kommo::types::{
    AccountWith, ContactNameDisplayOrder, CustomersMode, GetAccountError, GetAccountParams,
};
use specsmith_generated::kommo::Client;
use specsmith_generated::runtime::Error;

const ALL_WITH: [AccountWith; 7] = [
    AccountWith::AmojoId,
    AccountWith::AmojoRights,
    AccountWith::UsersGroups,
    AccountWith::TaskTypes,
    AccountWith::Version,
    AccountWith::EntityNames,
    AccountWith::DatetimeSettings,
];

#[tokio::test]
async fn get_account_sends_with_comma_separated_and_bearer_token() {
    let server = serve(200, "application/hal+json", capture("kommo-account.json")).await;
    let client = Client::new(server.uri()).with_bearer_auth("tok-123");
    let response = client
        .get_account(GetAccountParams::default().with_with(ALL_WITH.to_vec()))
        .await
        .expect("decodes");

    let seen = only(&server).await;
    assert_eq!(seen.method, "GET");
    assert_eq!(seen.path, "/api/v4/account");
    assert_eq!(
        seen.query.as_deref(),
        Some("with=amojo_id,amojo_rights,users_groups,task_types,version,entity_names,datetime_settings")
    );
    assert_eq!(seen.header("authorization"), Some("Bearer tok-123"));
    assert!(seen.body.is_empty());

    assert_eq!(response.status.as_u16(), 200);
    assert_eq!(
        response.headers.get("content-type").map(|v| v.as_bytes()),
        Some(&b"application/hal+json"[..])
    );
    let account = response.into_body();
    assert_eq!(account.id, 30896271);
    assert_eq!(account.name, "Developers Team");
    assert_eq!(account.subdomain, "devteam");
    assert_eq!(account.currency.as_deref(), Some("USD"));
    assert_eq!(account.customers_mode, CustomersMode::Disabled);
    assert_eq!(
        account.contact_name_display_order,
        ContactNameDisplayOrder::VALUE_1
    );
    assert_eq!(
        account.amojo_id.as_deref(),
        Some("b46280ba-68e1-44ff-b74a-ff0f577d49d7")
    );
    assert_eq!(account.version, Some(15));
    let embedded = account.embedded.expect("_embedded");
    let rights = embedded.amojo_rights.expect("amojo_rights");
    assert_eq!(rights.can_direct, Some(true));
    let task_types = embedded.task_types.expect("task_types");
    assert!(!task_types.is_empty());
    // Nullable fields decode `null` as None.
    assert_eq!(task_types[0].color, None);
    let datetime = embedded.datetime_settings.expect("datetime_settings");
    assert_eq!(datetime.date_format.as_deref(), Some("m/d/Y"));
    let links = account.links.expect("_links");
    assert!(links.self_.expect("self").href.starts_with("https://"));
}

#[tokio::test]
async fn the_amocrm_edition_decodes_despite_undocumented_keys() {
    // uuid, users_groups[].uuid and the `date_formant` typo are not in the spec: structs do not
    // deny unknown fields, so the body still decodes.
    let server = serve(200, "application/hal+json", capture("amocrm-account.json")).await;
    let account = Client::new(server.uri())
        .get_account(GetAccountParams::default())
        .await
        .expect("decodes")
        .into_body();
    assert!(account.id > 0);
    let seen = only(&server).await;
    assert_eq!(seen.query, None, "no optional parameter, no query string");
    // No credential configured, none sent.
    assert_eq!(seen.header("authorization"), None);
}

#[tokio::test]
async fn unauthorized_is_a_typed_problem_document() {
    let problem = br#"{"type":"https://httpstatus.es/401","title":"Unauthorized","status":401,"detail":"Unauthorized"}"#;
    let server = serve(401, "application/problem+json", problem.to_vec()).await;
    let err = Client::new(server.uri())
        .get_account(GetAccountParams::default())
        .await
        .expect_err("401 is an error");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(401));
    match err {
        Error::Status(response) => match response.body {
            GetAccountError::Unauthorized(p) => {
                assert_eq!(p.title.as_deref(), Some("Unauthorized"));
                assert_eq!(p.status, Some(401));
                assert_eq!(p.r#type.as_deref(), Some("https://httpstatus.es/401"));
            }
        },
        other => panic!("expected a typed 401, got {other:?}"),
    }
}

#[tokio::test]
async fn an_undocumented_status_keeps_the_raw_body() {
    let server = serve(503, "text/plain", b"maintenance".to_vec()).await;
    let err = Client::new(server.uri())
        .get_account(GetAccountParams::default())
        .await
        .expect_err("503 is not documented");
    match &err {
        Error::UnexpectedStatus(raw) => {
            assert_eq!(raw.status.as_u16(), 503);
            assert_eq!(&raw.body[..], b"maintenance");
        }
        other => panic!("expected UnexpectedStatus, got {other:?}"),
    }
    assert_eq!(err.raw_body(), Some(&b"maintenance"[..]));
}

#[tokio::test]
async fn an_undecodable_body_keeps_the_raw_body() {
    let server = serve(
        200,
        "application/hal+json",
        b"{\"id\": \"not a number\"}".to_vec(),
    )
    .await;
    let err = Client::new(server.uri())
        .get_account(GetAccountParams::default())
        .await
        .expect_err("wrong type");
    match err {
        Error::Decode {
            response,
            path,
            error,
        } => {
            assert_eq!(&response.body[..], b"{\"id\": \"not a number\"}");
            assert!(error.to_string().contains("invalid type"), "{error}");
            assert_eq!(path, "id", "the failing field is named");
        }
        other => panic!("expected Decode, got {other:?}"),
    }
}

#[tokio::test]
async fn a_new_enum_value_decodes_as_unknown() {
    let mut body: serde_json::Value =
        serde_json::from_slice(&capture("kommo-account.json")).expect("json");
    body["customers_mode"] = "brand_new_mode".into();
    body["contact_name_display_order"] = 3.into();
    let server = serve(200, "application/hal+json", body.to_string().into_bytes()).await;
    let account = Client::new(server.uri())
        .get_account(GetAccountParams::default())
        .await
        .expect("decodes")
        .into_body();
    assert_eq!(
        account.customers_mode,
        CustomersMode::Unknown("brand_new_mode".to_string())
    );
    assert_eq!(
        account.contact_name_display_order,
        ContactNameDisplayOrder(3)
    );
    // And it round-trips as the same string.
    assert_eq!(
        serde_json::to_value(&account.customers_mode).expect("serialises"),
        serde_json::json!("brand_new_mode")
    );
}

#[test]
fn server_helpers_fill_the_templates() {
    assert_eq!(
        Client::for_kommo_com("devteam").base_url(),
        "https://devteam.kommo.com"
    );
    assert_eq!(
        Client::for_amocrm_com("devteam").base_url(),
        "https://devteam.amocrm.com"
    );
}
