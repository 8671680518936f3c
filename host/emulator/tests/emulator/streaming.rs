//! Streamed responses (`Lambda-Runtime-Function-Response-Mode: streaming`) seen through the RIE endpoint
//! and through InvokeWithResponseStream's event stream: whole, failed mid-stream by trailers, over the
//! limit, with a bad prelude, timed out.

use std::time::Duration;

use bytes::Bytes;
use hyper::{Method, StatusCode};
use serde_json::Value;

use crate::harness::{Events, Harness, IDLE_BOOTSTRAP, STREAM_INVOKE_PATH, finished, opened};

const STREAMING: (&str, &str) = ("Lambda-Runtime-Function-Response-Mode", "streaming");
const HTTP_INTEGRATION: &str = "application/vnd.awslambda.http-integration-response";
const LATE_ERROR: &str = r#"{"errorMessage":"late","errorType":"Function.Late","stackTrace":["at x"]}"#;

#[tokio::test]
async fn streamed_response_reaches_the_rie_endpoint_whole() {
    let mut h = Harness::start(IDLE_BOOTSTRAP, Duration::from_secs(30)).await;
    let invoke = h.invoke(&[], "{}");
    h.spawned().await;
    let (_, id) = h.next_id().await;

    let unknown = h.post("no-such-id", "response", &[STREAMING], "x").await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    let stream = h.stream(&id, "text/plain").await;
    // Started: the invocation counts as answered.
    assert_eq!(
        h.post(&id, "error", &[], "{}").await.status,
        StatusCode::FORBIDDEN
    );
    for chunk in ["hello ", "streamed ", "world"] {
        stream.send(chunk).await;
    }
    let posted = stream.end().await;
    assert_eq!(
        (posted.status, &posted.body[..]),
        (StatusCode::ACCEPTED, &b"{\"status\":\"OK\"}"[..])
    );
    let answer = finished(invoke).await;
    assert_eq!(
        (answer.status, &answer.body[..]),
        (StatusCode::OK, &b"hello streamed world"[..])
    );
    assert_eq!(answer.header("content-type"), Some("text/plain"));
    assert_eq!(answer.header("x-amz-function-error"), None);
    assert_eq!(
        h.post(&id, "response", &[STREAMING], "again").await.status,
        StatusCode::FORBIDDEN
    );
    h.line("REPORT").await;

    // An HTTP-integration response: the RIE endpoint gives the payload, without the prelude, with the
    // prelude's content type; the separator may come in any chunking.
    let invoke = h.invoke(&[], "{}");
    let (_, id) = h.next_id().await;
    let stream = h.stream(&id, HTTP_INTEGRATION).await;
    stream
        .send(r#"{"statusCode":200,"headers":{"Content-Type":"text/html"}}"#)
        .await;
    stream.send(&b"\0\0\0"[..]).await;
    stream.send(&b"\0\0\0\0\0<p>"[..]).await;
    stream.send("hi</p>").await;
    assert_eq!(stream.end().await.status, StatusCode::ACCEPTED);
    let answer = finished(invoke).await;
    assert_eq!(
        (answer.status, &answer.body[..]),
        (StatusCode::OK, &b"<p>hi</p>"[..])
    );
    assert_eq!(answer.header("content-type"), Some("text/html"));
    h.emulator.shutdown().await;
}

#[tokio::test]
async fn mid_stream_error_in_trailers_is_a_function_error() {
    let mut h = Harness::start(IDLE_BOOTSTRAP, Duration::from_secs(30)).await;
    let invoke = h.invoke(&[], "{}");
    h.spawned().await;
    let (_, id) = h.next_id().await;
    let stream = h.stream(&id, "application/octet-stream").await;
    stream.send("partial").await;
    let posted = stream.fail("Function.Late", LATE_ERROR).await;
    assert_eq!(posted.status, StatusCode::ACCEPTED);
    let answer = finished(invoke).await;
    assert_eq!(
        (answer.status, answer.header("x-amz-function-error")),
        (StatusCode::OK, Some("Unhandled"))
    );
    assert_eq!(&answer.body[..], LATE_ERROR.as_bytes());
    h.emulator.shutdown().await;
}

/// Reads the `InvokeComplete` payload and checks that nothing follows.
async fn complete(mut events: Events) -> Value {
    let (event_type, payload) = events.next().await;
    assert_eq!(event_type, "InvokeComplete");
    events.end().await;
    serde_json::from_slice(&payload).unwrap()
}

#[tokio::test]
async fn streaming_invocations_yield_events() {
    let mut h = Harness::start(IDLE_BOOTSTRAP, Duration::from_secs(30)).await;

    // The head comes at once, before the function has even started.
    let response = opened(h.open(Method::POST, STREAM_INVOKE_PATH, &[], "{\"n\":1}")).await;
    assert_eq!(response.status(), StatusCode::OK);
    let header = |name: &str| response.headers().get(name).and_then(|value| value.to_str().ok());
    assert_eq!(header("content-type"), Some("application/vnd.amazon.eventstream"));
    assert_eq!(header("x-amz-executed-version"), Some("$LATEST"));
    let mut events = Events::new(response.into_body());
    h.spawned().await;
    let (next, id) = h.next_id().await;
    assert_eq!(&next.body[..], b"{\"n\":1}");
    let stream = h.stream(&id, "text/plain").await;
    // Each chunk is an event, sent as it arrives: the second is held until the first was read.
    stream.send("one").await;
    assert_eq!(
        events.next().await,
        ("PayloadChunk".to_owned(), Bytes::from("one"))
    );
    stream.send("two").await;
    assert_eq!(
        events.next().await,
        ("PayloadChunk".to_owned(), Bytes::from("two"))
    );
    assert_eq!(stream.end().await.status, StatusCode::ACCEPTED);
    assert_eq!(complete(events).await, serde_json::json!({}));

    // A mid-stream error: InvokeComplete carries the trailer's error type and message.
    let response = opened(h.open(Method::POST, STREAM_INVOKE_PATH, &[], "{}")).await;
    let mut events = Events::new(response.into_body());
    let (_, id) = h.next_id().await;
    let stream = h.stream(&id, "text/plain").await;
    stream.send("x").await;
    assert_eq!(
        stream.fail("Function.Late", LATE_ERROR).await.status,
        StatusCode::ACCEPTED
    );
    assert_eq!(events.next().await, ("PayloadChunk".to_owned(), Bytes::from("x")));
    let json = complete(events).await;
    assert_eq!(
        (json["ErrorCode"].as_str(), json["ErrorDetails"].as_str()),
        (Some("Function.Late"), Some("late"))
    );

    // A buffered response is one chunk; an `/error`, InvokeComplete alone.
    let response = opened(h.open(Method::POST, STREAM_INVOKE_PATH, &[], "{}")).await;
    let mut events = Events::new(response.into_body());
    let (_, id) = h.next_id().await;
    assert_eq!(
        h.post(&id, "response", &[], "whole").await.status,
        StatusCode::ACCEPTED
    );
    assert_eq!(
        events.next().await,
        ("PayloadChunk".to_owned(), Bytes::from("whole"))
    );
    assert_eq!(complete(events).await, serde_json::json!({}));
    let response = opened(h.open(Method::POST, STREAM_INVOKE_PATH, &[], "{}")).await;
    let events = Events::new(response.into_body());
    let (_, id) = h.next_id().await;
    let error = r#"{"errorMessage":"boom","errorType":"Function.Boom"}"#;
    let headers = [("Lambda-Runtime-Function-Error-Type", "Function.Boom")];
    assert_eq!(
        h.post(&id, "error", &headers, error).await.status,
        StatusCode::ACCEPTED
    );
    let json = complete(events).await;
    assert_eq!(
        (json["ErrorCode"].as_str(), json["ErrorDetails"].as_str()),
        (Some("Function.Boom"), Some("boom"))
    );
    h.emulator.shutdown().await;
}

#[tokio::test]
async fn over_the_stream_limit_is_refused() {
    let mut h = Harness::start_with(IDLE_BOOTSTRAP, Duration::from_secs(30), |config| {
        config.max_stream_bytes = 1000;
    })
    .await;
    let invoke = h.invoke(&[], "{}");
    h.spawned().await;
    let (_, id) = h.next_id().await;
    let stream = h.stream(&id, "text/plain").await;
    stream.send(vec![b'a'; 600]).await;
    stream.send(vec![b'b'; 600]).await;
    // The caller learns it at once, without waiting for the runtime to finish sending.
    let answer = finished(invoke).await;
    assert_eq!(answer.header("x-amz-function-error"), Some("Unhandled"));
    assert_eq!(answer.json()["errorType"], "Function.ResponseSizeTooLarge");
    assert_eq!(
        answer.json()["errorMessage"],
        "Response payload size exceeded maximum allowed payload size (1000 bytes)."
    );
    stream.send(vec![b'c'; 600]).await;
    let refused = stream.end().await;
    assert_eq!(refused.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(
        &refused.body[..],
        br#"{"errorMessage":"Exceeded maximum allowed payload size (1000 bytes).","errorType":"RequestEntityTooLarge"}"#
    );
    assert_eq!(
        h.post(&id, "error", &[], "{}").await.status,
        StatusCode::FORBIDDEN
    );

    // An HTTP-integration stream without the prelude's separator: 400, and a function error.
    let invoke = h.invoke(&[], "{}");
    let (_, id) = h.next_id().await;
    let stream = h.stream(&id, HTTP_INTEGRATION).await;
    stream.send(r#"{"statusCode":200}"#).await;
    let refused = stream.end().await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert_eq!(refused.json()["errorType"], "InvalidHttpPrelude");
    let answer = finished(invoke).await;
    assert_eq!(answer.header("x-amz-function-error"), Some("Unhandled"));
    assert_eq!(answer.json()["errorType"], "Runtime.InvalidHttpPrelude");
    h.emulator.shutdown().await;
}

#[tokio::test]
async fn timeout_mid_stream_ends_the_event_stream() {
    let mut h = Harness::start(IDLE_BOOTSTRAP, Duration::from_secs(1)).await;
    let response = opened(h.open(Method::POST, STREAM_INVOKE_PATH, &[], "{}")).await;
    let mut events = Events::new(response.into_body());
    h.spawned().await;
    let (_, id) = h.next_id().await;
    let stream = h.stream(&id, "text/plain").await;
    stream.send("slow").await;
    assert_eq!(
        events.next().await,
        ("PayloadChunk".to_owned(), Bytes::from("slow"))
    );
    // The stream never ends: the deadline does.
    let json = complete(events).await;
    assert_eq!(json["ErrorCode"], "Sandbox.Timeout");
    assert_eq!(json["ErrorDetails"], "Task timed out after 1.00 seconds");
    drop(stream);
    h.line("REPORT").await;
    h.emulator.shutdown().await;
}
