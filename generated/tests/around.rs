//! What a client does around each request: the retry policy (idempotent methods on 429/503,
//! `Retry-After`, bounded, off by default), the per-attempt timeout and hooks, against a
//! loopback server.

mod common;

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{capture, seen};
use specsmith_generated::espocrm::{self, types::AccountInput};
use specsmith_generated::kommo::{types::GetAccountParams, Client};
use specsmith_generated::runtime::{Error, Hook, ResponseView, RetryPolicy};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

/// A server answering the first request with `first`, every later one with `then`.
async fn first_then(first: ResponseTemplate, then: ResponseTemplate) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(first)
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(any())
        .respond_with(then)
        .with_priority(2)
        .mount(&server)
        .await;
    server
}

fn account() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(capture("kommo-account.json"), "application/hal+json")
}

fn acme() -> AccountInput {
    AccountInput {
        name: Some("Acme".into()),
        assigned_user_id: None,
    }
}

fn too_many(retry_after: &str) -> ResponseTemplate {
    ResponseTemplate::new(429).insert_header("retry-after", retry_after)
}

#[tokio::test]
async fn a_get_is_retried_once_after_429_with_retry_after_0() {
    let server = first_then(too_many("0"), account()).await;
    let response = Client::new(server.uri())
        .with_retry(RetryPolicy::retries(3))
        .get_account(GetAccountParams::default())
        .await
        .expect("the retry succeeds");
    assert_eq!(response.status.as_u16(), 200);
    assert_eq!(seen(&server).await.len(), 2, "one retry");
}

#[tokio::test]
async fn retry_after_in_seconds_is_waited() {
    let server = first_then(too_many("1"), account()).await;
    let started = Instant::now();
    Client::new(server.uri())
        .with_retry(RetryPolicy::retries(1).with_base_delay(Duration::ZERO))
        .get_account(GetAccountParams::default())
        .await
        .expect("retried");
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "Retry-After: 1 waits a second"
    );
}

#[tokio::test]
async fn retries_are_off_by_default() {
    let server = first_then(too_many("0"), account()).await;
    let err = Client::new(server.uri())
        .get_account(GetAccountParams::default())
        .await
        .expect_err("429 is not documented");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(429));
    assert_eq!(seen(&server).await.len(), 1, "no retry");
}

#[tokio::test]
async fn a_post_is_never_retried() {
    let server = first_then(too_many("0"), ResponseTemplate::new(200)).await;
    let input = acme();
    let err = espocrm::Client::new(server.uri())
        .with_retry(RetryPolicy::retries(3))
        .create_account(&input)
        .await
        .expect_err("429 is not documented");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(429));
    assert_eq!(seen(&server).await.len(), 1, "POST is not idempotent");
}

#[tokio::test]
async fn a_put_is_retried_on_503_with_backoff_and_the_same_body() {
    let server = first_then(ResponseTemplate::new(503), ResponseTemplate::new(500)).await;
    let input = acme();
    let _ = espocrm::Client::new(server.uri())
        .with_retry(RetryPolicy::retries(1).with_base_delay(Duration::from_millis(5)))
        .update_account("a1", &input)
        .await;
    let seen = seen(&server).await;
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[0].body, seen[1].body, "the retry sends the same body");
    assert_eq!(seen[1].body, br#"{"name":"Acme"}"#);
}

#[tokio::test]
async fn retries_are_bounded() {
    let server = first_then(ResponseTemplate::new(503), ResponseTemplate::new(503)).await;
    let err = Client::new(server.uri())
        .with_retry(RetryPolicy::retries(2).with_base_delay(Duration::from_millis(1)))
        .get_account(GetAccountParams::default())
        .await
        .expect_err("still unavailable");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(503));
    assert_eq!(
        seen(&server).await.len(),
        3,
        "the first attempt and two retries"
    );
}

#[tokio::test]
async fn retry_after_as_an_http_date_is_honoured_and_capped() {
    // A date in the past: retry now.
    let server = first_then(too_many("Wed, 21 Oct 2015 07:28:00 GMT"), account()).await;
    let started = Instant::now();
    Client::new(server.uri())
        .with_retry(RetryPolicy::retries(1))
        .get_account(GetAccountParams::default())
        .await
        .expect("retried");
    assert!(started.elapsed() < Duration::from_secs(5));
    // A date far ahead: the maximum delay wins.
    let server = first_then(too_many("Fri, 31 Dec 9999 23:59:59 GMT"), account()).await;
    let started = Instant::now();
    Client::new(server.uri())
        .with_retry(RetryPolicy::retries(1).with_max_delay(Duration::from_millis(20)))
        .get_account(GetAccountParams::default())
        .await
        .expect("retried");
    let waited = started.elapsed();
    assert!(waited >= Duration::from_millis(20) && waited < Duration::from_secs(5));
    assert_eq!(seen(&server).await.len(), 2);
}

#[tokio::test]
async fn a_late_response_times_out() {
    let server = first_then(
        account().set_delay(Duration::from_secs(3)),
        account().set_delay(Duration::from_secs(3)),
    )
    .await;
    let started = Instant::now();
    let err = Client::new(server.uri())
        .with_timeout(Duration::from_millis(100))
        .get_account(GetAccountParams::default())
        .await
        .expect_err("too late");
    match err {
        Error::Transport(e) => assert!(e.is_timeout(), "{e}"),
        other => panic!("expected a timeout, got {other:?}"),
    }
    assert!(started.elapsed() < Duration::from_secs(2));
}

/// Tags each request and counts the responses it sees.
#[derive(Default)]
struct Tagger {
    responses: Arc<AtomicU32>,
}

impl Hook for Tagger {
    fn on_request(&self, request: &mut reqwest::Request) {
        request
            .headers_mut()
            .insert("x-trace", reqwest::header::HeaderValue::from_static("t-1"));
    }

    fn on_response(&self, response: &ResponseView<'_>) {
        assert_eq!(response.url.path(), "/api/v4/account");
        self.responses.fetch_add(1, Ordering::Relaxed);
    }
}

#[tokio::test]
async fn hooks_change_what_is_sent_and_see_every_response() {
    let server = first_then(too_many("0"), account()).await;
    let responses = Arc::new(AtomicU32::new(0));
    Client::new(server.uri())
        .with_retry(RetryPolicy::retries(1))
        .with_hook(Tagger {
            responses: responses.clone(),
        })
        .get_account(GetAccountParams::default())
        .await
        .expect("decodes");
    let seen = seen(&server).await;
    assert!(
        seen.iter().all(|s| s.header("x-trace") == Some("t-1")),
        "{seen:?}"
    );
    assert_eq!(responses.load(Ordering::Relaxed), 2, "the 429 and the 200");
}
