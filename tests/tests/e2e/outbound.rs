//! Outbound HTTP from a guest (`wasi:http`), against a local server on port 0: denied by default and for hosts
//! not on the allow-list, allowed for listed ones, and cut at the invocation's deadline.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use serde_json::json;

use crate::harness::Function;
use lambda_wasm_tests::OUTBOUND;

/// A server that answers `/ok` at once and never answers `/slow`.
async fn local_server() -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let service = hyper::service::service_fn(|request: Request<hyper::body::Incoming>| async move {
                if request.uri().path() == "/slow" {
                    tokio::time::sleep(Duration::from_secs(3600)).await;
                }
                Ok::<_, Infallible>(Response::new(Full::new(Bytes::from_static(
                    b"hello from the host",
                ))))
            });
            tokio::spawn(
                hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), service),
            );
        }
    });
    address
}

#[tokio::test]
async fn outbound_http_is_denied_by_default() {
    let address = local_server().await;
    let function = Function::with(Path::new(OUTBOUND.path), &[], Duration::from_secs(60)).await;
    let body = function
        .invoke_json(json!({"url": format!("http://{address}/ok")}))
        .await
        .expect_error("Http.Denied");
    assert!(
        body["errorMessage"]
            .as_str()
            .is_some_and(|m| m.contains("LAMBDA_WASM_ALLOW_HTTP")),
        "{body}"
    );
    let denial = format!("outbound HTTP to {address} denied");
    assert!(
        function.logs().iter().any(|l| l.contains(&denial)),
        "no log line saying {denial:?}"
    );
}

#[tokio::test]
async fn a_listed_host_answers_and_others_are_refused() {
    let address = local_server().await;
    let allowed = format!("example.com, {address}");
    let env = [("LAMBDA_WASM_ALLOW_HTTP", allowed.as_str())];
    let function = Function::with(Path::new(OUTBOUND.path), &env, Duration::from_secs(60)).await;
    let body = function
        .invoke_json(json!({"url": format!("http://{address}/ok")}))
        .await
        .expect_ok();
    assert_eq!(
        (body["status"].as_u64(), body["body"].as_str()),
        (Some(200), Some("hello from the host"))
    );
    // The same server on another name, and another port, are not on the list.
    let other_port = format!("http://127.0.0.1:{}/ok", address.port() + 1);
    function
        .invoke_json(json!({"url": other_port}))
        .await
        .expect_error("Http.Denied");
    let other_name = format!("http://localhost:{}/ok", address.port());
    function
        .invoke_json(json!({"url": other_name}))
        .await
        .expect_error("Http.Denied");
    function.assert_one_process();
}

#[tokio::test]
async fn a_slow_server_is_cut_at_the_deadline() {
    let address = local_server().await;
    let allowed = address.to_string();
    let env = [("LAMBDA_WASM_ALLOW_HTTP", allowed.as_str())];
    let function = Function::with(Path::new(OUTBOUND.path), &env, Duration::from_secs(3)).await;
    let answer = function
        .invoke_json(json!({"url": format!("http://{address}/slow")}))
        .await;
    let body = answer.json();
    assert_eq!(answer.function_error.as_deref(), Some("Unhandled"), "{body}");
    // The request's timeouts are clamped to the invocation's time: the guest sees the HTTP timeout, or, when the
    // machine is slow to deliver it, the sandbox stops the guest at the same instant. Either way the host cut it,
    // not the emulator's kill: the same process answers next.
    let error_type = body["errorType"].as_str().unwrap_or_default();
    assert!(
        error_type == "Http.Timeout" || error_type == "Sandbox.Timeout",
        "{body}"
    );
    let body = function
        .invoke_json(json!({"url": format!("http://{address}/ok")}))
        .await
        .expect_ok();
    assert_eq!(body["status"], 200);
    function.assert_one_process();
}

/// A server that answers server-sent events, one body frame (one chunk on the wire) per piece, cut mid-event.
async fn sse_server() -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let service = hyper::service::service_fn(|_request: Request<hyper::body::Incoming>| async move {
                let pieces = [
                    ": comment\n\n",
                    "event: delta\ndata: Str",
                    "eam\n\ndata: ing\n\n",
                    "data: [DONE]\n\n",
                ];
                let body = Pieces(pieces.iter().map(|p| Bytes::from_static(p.as_bytes())).collect());
                Ok::<_, Infallible>(
                    Response::builder()
                        .header("content-type", "text/event-stream")
                        .body(body)
                        .unwrap(),
                )
            });
            tokio::spawn(
                hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), service),
            );
        }
    });
    address
}

/// A body of the given pieces, each its own frame.
struct Pieces(std::collections::VecDeque<Bytes>);

impl hyper::body::Body for Pieces {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<hyper::body::Frame<Bytes>, Infallible>>> {
        std::task::Poll::Ready(
            self.0
                .pop_front()
                .map(|piece| Ok(hyper::body::Frame::data(piece))),
        )
    }
}

#[tokio::test]
async fn a_response_is_read_as_it_arrives_as_lines_and_server_sent_events() {
    let address = sse_server().await;
    let allow = address.to_string();
    let function = Function::with(
        Path::new(OUTBOUND.path),
        &[("LAMBDA_WASM_ALLOW_HTTP", &allow)],
        Duration::from_secs(60),
    )
    .await;
    let url = format!("http://{address}/events");
    let events = function
        .invoke_json(json!({"url": url, "mode": "sse"}))
        .await
        .expect_ok();
    assert_eq!(
        events,
        json!({"status": 200, "events": ["Stream", "ing", "[DONE]"]})
    );
    let lines = function
        .invoke_json(json!({"url": url, "mode": "lines"}))
        .await
        .expect_ok();
    assert_eq!(
        lines["lines"],
        json!([
            ": comment",
            "",
            "event: delta",
            "data: Stream",
            "",
            "data: ing",
            "",
            "data: [DONE]",
            ""
        ])
    );
}

#[tokio::test]
async fn javascript_reads_a_response_as_it_arrives_with_fetch() {
    let address = sse_server().await;
    let allow = address.to_string();
    let (_dir, cwasm) = crate::languages::precompiled("js-fetch-stream").await;
    let function = Function::with(
        &cwasm,
        &[("LAMBDA_WASM_ALLOW_HTTP", &allow)],
        Duration::from_secs(60),
    )
    .await;
    let body = function
        .invoke_json(json!({"url": format!("http://{address}/events")}))
        .await
        .expect_ok();
    assert_eq!(body["status"], 200);
    assert_eq!(body["events"], json!(["Stream", "ing", "[DONE]"]));
    assert!(
        body["chunks"].as_u64().is_some_and(|n| n >= 2),
        "read in pieces: {body}"
    );
}

#[tokio::test]
async fn c_fetches_through_the_http_handler_world() {
    let address = local_server().await;
    let allow = address.to_string();
    let function = Function::with(
        &crate::languages::built("c-fetch"),
        &[("LAMBDA_WASM_ALLOW_HTTP", &allow)],
        Duration::from_secs(60),
    )
    .await;
    let body = function
        .invoke_json(json!({"url": format!("http://{address}/ok")}))
        .await
        .expect_ok();
    assert_eq!(body, json!({"status": 200, "body": "hello from the host"}));
    // The allow-list holds for C too: another port is denied, before any packet.
    let other_port = format!("http://127.0.0.1:{}/ok", address.port() + 1);
    function
        .invoke_json(json!({"url": other_port}))
        .await
        .expect_error("Http.Denied");
    function.assert_one_process();
}
