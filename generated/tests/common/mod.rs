//! Helpers of the wire tests: a loopback server that answers every request with one canned
//! response and records what the client sent.

#![allow(dead_code)]

use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

/// A request as the server saw it.
#[derive(Debug)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Seen {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// One of the documents' example bodies (`captures/docs/NAME`).
pub fn capture(name: &str) -> Vec<u8> {
    let path = format!("{}/../captures/docs/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// A server answering every request with `status`, `content_type` and `body`.
pub async fn serve(status: u16, content_type: &str, body: Vec<u8>) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(status).set_body_raw(body, content_type))
        .mount(&server)
        .await;
    server
}

/// A server answering the `i`-th request with the `i`-th response (the last one repeats).
pub async fn serve_sequence(responses: Vec<(u16, &str, Vec<u8>)>) -> MockServer {
    let server = MockServer::start().await;
    let count = responses.len();
    for (i, (status, content_type, body)) in responses.into_iter().enumerate() {
        let mock = Mock::given(any())
            .respond_with(ResponseTemplate::new(status).set_body_raw(body, content_type));
        let mock = if i + 1 < count {
            mock.up_to_n_times(1)
        } else {
            mock
        };
        // Earlier mocks take priority; each answers once.
        mock.with_priority(u8::try_from(i + 1).expect("few responses"))
            .mount(&server)
            .await;
    }
    server
}

/// Every request the server received, in order.
pub async fn seen(server: &MockServer) -> Vec<Seen> {
    server
        .received_requests()
        .await
        .expect("recording is on")
        .into_iter()
        .map(|r| Seen {
            method: r.method.to_string(),
            path: r.url.path().to_string(),
            query: r.url.query().map(str::to_string),
            headers: r
                .headers
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_string()))
                .collect(),
            body: r.body,
        })
        .collect()
}

/// The only request the server received.
pub async fn only(server: &MockServer) -> Seen {
    let mut all = seen(server).await;
    assert_eq!(all.len(), 1, "expected exactly one request: {all:?}");
    all.remove(0)
}
