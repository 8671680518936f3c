//! Response streaming end to end: the real bootstrap, a streaming guest, and the emulator's streaming invoke
//! (AWS event-stream framing), Function URL and buffered endpoints.

use std::path::Path;
use std::time::Duration;

use aws_smithy_eventstream::frame::{DecodedFrame, MessageFrameDecoder};
use bytes::{Bytes, BytesMut};
use http_body_util::BodyExt;
use serde_json::{Value, json};

use crate::harness::{Function, TaskRoot, next_data, workspace_binary};
use lambda_wasm_tests::{ECHO, STREAMING};

const MINUTE: Duration = Duration::from_secs(60);
const STREAM_PATH: &str = "/2021-11-15/functions/function/response-streaming-invocations";

/// One decoded event of an InvokeWithResponseStream answer.
#[derive(Debug)]
struct Event {
    kind: String,
    payload: Bytes,
}

/// Reads an event stream one event at a time.
pub struct EventStream {
    body: hyper::body::Incoming,
    buffer: BytesMut,
    decoder: MessageFrameDecoder,
}

impl EventStream {
    pub async fn open(function: &Function, event: Value) -> Self {
        Self::open_raw(function, event.to_string()).await
    }

    /// Like [`EventStream::open`], with the event's bytes as they are.
    pub async fn open_raw(function: &Function, event: impl Into<Bytes>) -> Self {
        let response = function.request("POST", STREAM_PATH, event).await;
        assert_eq!(response.status(), 200);
        let content_type = response
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap_or_default().to_owned());
        assert_eq!(
            content_type.as_deref(),
            Some("application/vnd.amazon.eventstream")
        );
        Self {
            body: response.into_body(),
            buffer: BytesMut::new(),
            decoder: MessageFrameDecoder::new(),
        }
    }

    async fn next(&mut self) -> Option<Event> {
        loop {
            if let DecodedFrame::Complete(message) = self
                .decoder
                .decode_frame(&mut self.buffer)
                .expect("a valid frame")
            {
                let kind = message
                    .headers()
                    .iter()
                    .find(|h| h.name().as_str() == ":event-type")
                    .and_then(|h| h.value().as_string().ok())
                    .map(|v| v.as_str().to_owned())
                    .unwrap_or_default();
                return Some(Event {
                    kind,
                    payload: message.payload().clone(),
                });
            }
            let data = next_data(&mut self.body).await?;
            self.buffer.extend_from_slice(&data);
        }
    }

    /// Reads to the end: the payload bytes and the InvokeComplete JSON.
    pub async fn rest(&mut self) -> (Vec<u8>, Value) {
        self.rest_slowly(usize::MAX, Duration::ZERO).await
    }

    /// Like [`EventStream::rest`], as a slow client: it stops reading for `pause` after every `every` bytes.
    pub async fn rest_slowly(&mut self, every: usize, pause: Duration) -> (Vec<u8>, Value) {
        let mut payload = Vec::new();
        let mut next_pause = every;
        while let Some(event) = self.next().await {
            if payload.len() >= next_pause {
                next_pause = next_pause.saturating_add(every);
                tokio::time::sleep(pause).await;
            }
            match event.kind.as_str() {
                "PayloadChunk" => payload.extend_from_slice(&event.payload),
                "InvokeComplete" => {
                    return (
                        payload,
                        serde_json::from_slice(&event.payload).unwrap_or_default(),
                    );
                }
                other => panic!("unexpected event {other}"),
            }
        }
        panic!("the stream ended without InvokeComplete");
    }
}

#[tokio::test]
async fn first_chunk_reaches_the_stream_client_before_the_handler_finishes() {
    let guest_tmp = tempfile::tempdir().unwrap();
    let tmp = guest_tmp.path().display().to_string();
    let function = Function::with(
        Path::new(STREAMING.path),
        &[("LAMBDA_WASM_GUEST_TMP", &tmp)],
        MINUTE,
    )
    .await;
    let mut stream = EventStream::open(&function, json!({"action": "wait-file", "path": "/tmp/go"})).await;
    let first = stream.next().await.expect("a first event");
    assert_eq!(
        (first.kind.as_str(), first.payload.as_ref()),
        ("PayloadChunk", b"first\n".as_slice())
    );
    // Only now may the handler go on: it has been waiting for this file.
    std::fs::write(guest_tmp.path().join("go"), "").unwrap();
    let (rest, complete) = stream.rest().await;
    assert_eq!(rest, b"second\n");
    assert!(complete.get("ErrorCode").is_none(), "{complete}");
    function.assert_one_process();
}

#[tokio::test]
async fn function_url_streams_live_with_the_prelude() {
    let guest_tmp = tempfile::tempdir().unwrap();
    let tmp = guest_tmp.path().display().to_string();
    let function = Function::with(
        Path::new(STREAMING.path),
        &[("LAMBDA_WASM_GUEST_TMP", &tmp)],
        MINUTE,
    )
    .await;
    let event = json!({"action": "wait-file", "path": "/tmp/go", "http": {"status": 202, "headers": {"x-live": "yes"}, "cookies": ["session=abc; Path=/"]}});
    let response = function
        .request("POST", "/lambda-url/function/chat?x=1", event.to_string())
        .await;
    assert_eq!(response.status(), 202);
    assert_eq!(response.headers()["x-live"], "yes");
    assert_eq!(response.headers()["set-cookie"], "session=abc; Path=/");
    let mut body = response.into_body();
    assert_eq!(next_data(&mut body).await.as_deref(), Some(b"first\n".as_slice()));
    std::fs::write(guest_tmp.path().join("go"), "").unwrap();
    let mut rest = Vec::new();
    while let Some(data) = next_data(&mut body).await {
        rest.extend_from_slice(&data);
    }
    assert_eq!(rest, b"second\n");
}

#[tokio::test]
async fn function_url_without_a_prelude_is_200_and_the_bytes() {
    let function = Function::with(Path::new(STREAMING.path), &[], MINUTE).await;
    let event = json!({"action": "chunks", "count": 2, "size": 3});
    let response = function
        .request("POST", "/lambda-url/function/", event.to_string())
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/octet-stream");
    let body = response.into_body().collect().await.unwrap().to_bytes();
    assert_eq!(body.as_ref(), b"aaabbb");
}

#[tokio::test]
async fn failure_mid_stream_reaches_the_caller_as_an_error() {
    let function = Function::with(Path::new(STREAMING.path), &[], MINUTE).await;
    let mut stream =
        EventStream::open(&function, json!({"action": "fail-after", "message": "half way"})).await;
    let (payload, complete) = stream.rest().await;
    assert_eq!(payload, b"partial\n");
    assert_eq!(complete["ErrorCode"], "ValidationError", "{complete}");
    assert!(
        complete["ErrorDetails"]
            .as_str()
            .is_some_and(|d| d.contains("half way")),
        "{complete}"
    );
    // The buffered endpoint sees it as a function error with the trailer's JSON.
    let body = function
        .invoke_json(json!({"action": "fail-after", "message": "again"}))
        .await
        .expect_error("ValidationError");
    assert_eq!(body["errorMessage"], "again");
    function.assert_one_process();
}

#[tokio::test]
async fn failure_before_the_first_byte_is_a_normal_error() {
    let function = Function::with(Path::new(STREAMING.path), &[], MINUTE).await;
    let body = function
        .invoke_json(json!({"action": "fail-before", "message": "too early"}))
        .await
        .expect_error("ValidationError");
    assert_eq!(body["errorMessage"], "too early");
    let response = function
        .request(
            "POST",
            "/lambda-url/function/",
            json!({"action": "fail-before"}).to_string(),
        )
        .await;
    assert_eq!(response.status(), 502);
}

#[tokio::test]
async fn timeout_mid_stream_ends_the_stream_and_the_environment_stays_warm() {
    let function = Function::with(Path::new(STREAMING.path), &[], Duration::from_secs(2)).await;
    let body = function
        .invoke_json(json!({"action": "spin-after"}))
        .await
        .expect_error("Sandbox.Timeout");
    assert_eq!(body["errorMessage"], "Task timed out after 2.00 seconds");
    let answer = function
        .invoke_json(json!({"action": "chunks", "count": 1, "size": 4}))
        .await;
    assert_eq!(
        (answer.function_error.as_deref(), answer.body.as_ref()),
        (None, b"aaaa".as_slice())
    );
    function.assert_one_process();
}

#[tokio::test]
async fn empty_stream_and_buffered_handlers_on_every_endpoint() {
    let function = Function::with(Path::new(STREAMING.path), &[], MINUTE).await;
    let answer = function.invoke_json(json!({"action": "empty"})).await;
    assert_eq!((answer.function_error.as_deref(), answer.body.len()), (None, 0));
    // A buffered handler answers the streaming endpoint with one chunk.
    let echo = Function::with(Path::new(ECHO.path), &[], MINUTE).await;
    let mut stream = EventStream::open(&echo, json!({"hello": "stream"})).await;
    let (payload, complete) = stream.rest().await;
    assert_eq!(
        serde_json::from_slice::<Value>(&payload).unwrap(),
        json!({"hello": "stream"})
    );
    assert!(complete.get("ErrorCode").is_none(), "{complete}");
}

#[tokio::test]
async fn fifty_megabytes_stream_through_with_bounded_memory() {
    // Precompiled, as a deployment would be: the measurement is the stream's cost, not the compiler's.
    let root = TaskRoot::new(STREAMING, &[]);
    let cwasm = root.dir.path().join("handler.cwasm");
    let status = tokio::process::Command::new(workspace_binary("lambda-wasm"))
        .args(["compile", STREAMING.path, "-o"])
        .arg(&cwasm)
        .status()
        .await
        .unwrap();
    assert!(status.success());
    let function = Function::with(&cwasm, &[], MINUTE).await;
    let mut stream = EventStream::open(&function, json!({"action": "big", "mib": 50})).await;
    let (payload, complete) = stream.rest().await;
    assert_eq!(payload.len(), 50 * 1024 * 1024);
    assert!(payload.iter().all(|&b| b == b'x'));
    assert!(complete.get("ErrorCode").is_none(), "{complete}");
    let peak = function
        .last_max_memory_mb()
        .expect("a REPORT line with Max Memory Used");
    assert!(peak < 64, "the bootstrap's peak RSS was {peak} MB");
}
