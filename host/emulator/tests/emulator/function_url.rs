//! Function URLs: the event a request becomes, and the plain HTTP answer a streamed or buffered response
//! becomes.

use std::time::Duration;

use bytes::Bytes;
use http_body_util::BodyExt as _;
use hyper::body::Incoming;
use hyper::header::HeaderMap;
use hyper::{Method, StatusCode};
use serde_json::{Value, json};

use tokio::task::JoinHandle;

use crate::harness::{Harness, IDLE_BOOTSTRAP, Reply, bounded, finished, now_ms, opened, request};

const HTTP_INTEGRATION: &str = "application/vnd.awslambda.http-integration-response";

/// The values of a header, in order.
fn all<'a>(headers: &'a HeaderMap, name: &str) -> Vec<&'a str> {
    headers
        .get_all(name)
        .iter()
        .map(|value| value.to_str().unwrap())
        .collect()
}

/// The next data frame of a body (`None` at its end).
async fn next_data(body: &mut Incoming) -> Option<Bytes> {
    loop {
        let frame = bounded(body.frame()).await?.unwrap();
        if let Ok(data) = frame.into_data() {
            return Some(data);
        }
    }
}

#[tokio::test]
async fn streamed_http_integration_response_is_passed_on_live() {
    let mut h = Harness::start(IDLE_BOOTSTRAP, Duration::from_secs(30)).await;
    let before = now_ms();
    let client = h.open(
        Method::POST,
        "/lambda-url/test_function/some/path?a=1&a=2&b=x%20y",
        &[
            ("Cookie", "c1=v1; c2=v2"),
            ("X-Custom", "one"),
            ("X-Custom", "two"),
            ("User-Agent", "tester/1.0"),
            ("Content-Type", "text/plain"),
        ],
        "hello body",
    );
    h.spawned().await;
    let (next, id) = h.next_id().await;

    // The event: API Gateway HTTP API payload format 2.0.
    let event: Value = serde_json::from_slice(&next.body).unwrap();
    let host = h.emulator.invoke_addr().to_string();
    assert_eq!(event["version"], "2.0");
    assert_eq!(event["routeKey"], "$default");
    assert_eq!(event["rawPath"], "/some/path");
    assert_eq!(event["rawQueryString"], "a=1&a=2&b=x%20y");
    assert_eq!(event["cookies"], json!(["c1=v1", "c2=v2"]));
    assert_eq!(event["headers"]["x-custom"], "one,two");
    assert_eq!(event["headers"]["user-agent"], "tester/1.0");
    assert_eq!(event["headers"]["content-type"], "text/plain");
    assert_eq!(event["headers"]["host"], host.as_str());
    assert!(event["headers"].get("cookie").is_none(), "{event}");
    assert_eq!(event["queryStringParameters"], json!({"a": "1,2", "b": "x y"}));
    assert_eq!(
        (&event["body"], &event["isBase64Encoded"]),
        (&json!("hello body"), &json!(false))
    );
    let context = &event["requestContext"];
    assert_eq!(context["accountId"], "anonymous");
    assert_eq!(context["apiId"], "127");
    assert_eq!(context["domainName"], host.as_str());
    assert_eq!(context["domainPrefix"], "127");
    assert_eq!(
        context["http"],
        json!({
            "method": "POST",
            "path": "/some/path",
            "protocol": "HTTP/1.1",
            "sourceIp": "127.0.0.1",
            "userAgent": "tester/1.0",
        })
    );
    assert_eq!(context["requestId"], id.as_str());
    assert_eq!(
        (&context["routeKey"], &context["stage"]),
        (&json!("$default"), &json!("$default"))
    );
    let epoch = context["timeEpoch"].as_u64().unwrap();
    assert!(epoch >= before && epoch <= now_ms(), "{epoch}");
    let time = context["time"].as_str().unwrap();
    assert!(time.len() == 26 && time.ends_with(" +0000"), "{time}");

    // The prelude and its separator as two chunks, as runtimes send them, then the payload.
    let stream = h.stream(&id, HTTP_INTEGRATION).await;
    let prelude = json!({
        "statusCode": 201,
        "headers": {"Content-Type": "text/plain", "X-One": "1"},
        "multiValueHeaders": {"X-Multi": ["a", "b"]},
        "cookies": ["s1=1; Path=/", "s2=2"],
    });
    stream.send(prelude.to_string()).await;
    stream.send(vec![0u8; 8]).await;
    stream.send("first").await;
    let response = opened(client).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let headers = response.headers();
    assert_eq!(all(headers, "content-type"), ["text/plain"]);
    assert_eq!(all(headers, "x-one"), ["1"]);
    assert_eq!(all(headers, "x-multi"), ["a", "b"]);
    assert_eq!(all(headers, "set-cookie"), ["s1=1; Path=/", "s2=2"]);
    assert_eq!(all(headers, "x-amzn-requestid"), [id.as_str()]);
    assert_eq!(all(headers, "transfer-encoding"), ["chunked"]);
    let mut body = response.into_body();
    // The first chunk arrives while the runtime still holds the second one.
    assert_eq!(next_data(&mut body).await.as_deref(), Some(&b"first"[..]));
    stream.send("second").await;
    assert_eq!(next_data(&mut body).await.as_deref(), Some(&b"second"[..]));
    assert_eq!(stream.end().await.status, StatusCode::ACCEPTED);
    assert_eq!(next_data(&mut body).await, None);
    h.emulator.shutdown().await;
}

/// Sends `GET path` in the background; the task returns the whole answer.
fn get(h: &Harness, path: &'static str) -> JoinHandle<Reply> {
    let addr = h.emulator.invoke_addr();
    tokio::spawn(async move { request(addr, Method::GET, path, &[], Bytes::new()).await })
}

/// Plays the runtime with `respond` for the request `client` sent; returns the event and the answer.
async fn url_round_trip<F, Fut>(h: &Harness, client: JoinHandle<Reply>, respond: F) -> (Value, Reply)
where
    F: FnOnce(String) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let (next, id) = h.next_id().await;
    respond(id).await;
    let reply = finished(client).await;
    (serde_json::from_slice(&next.body).unwrap(), reply)
}

#[tokio::test]
async fn buffered_responses_errors_and_plain_streams() {
    let mut h = Harness::start(IDLE_BOOTSTRAP, Duration::from_secs(30)).await;
    let first = get(&h, "/lambda-url/test_function");
    h.spawned().await;
    let r = &h;

    // A payload-2.0 response; the bare function path is `/`, without body, cookies or query.
    let buffered = r#"{"statusCode":404,"headers":{"x-why":"missing"},"cookies":["k=v"],"body":"nope"}"#;
    let (event, reply) = url_round_trip(r, first, |id| async move {
        assert_eq!(
            r.post(&id, "response", &[], buffered).await.status,
            StatusCode::ACCEPTED
        );
    })
    .await;
    assert_eq!(
        (&event["rawPath"], &event["rawQueryString"]),
        (&json!("/"), &json!(""))
    );
    assert_eq!(event["requestContext"]["http"]["method"], "GET");
    assert!(event.get("body").is_none() && event.get("cookies").is_none());
    assert!(event.get("queryStringParameters").is_none());
    assert_eq!(
        (reply.status, &reply.body[..]),
        (StatusCode::NOT_FOUND, &b"nope"[..])
    );
    assert_eq!(
        (reply.header("x-why"), reply.header("set-cookie")),
        (Some("missing"), Some("k=v"))
    );

    // JSON without statusCode: the body of a 200 application/json answer, as is.
    let (_, reply) = url_round_trip(r, get(r, "/lambda-url/test_function/"), |id| async move {
        r.post(&id, "response", &[], r#"{"hello":"world"}"#).await;
    })
    .await;
    assert_eq!(
        (reply.status, &reply.body[..]),
        (StatusCode::OK, &br#"{"hello":"world"}"#[..])
    );
    assert_eq!(reply.header("content-type"), Some("application/json"));

    // A function error: 502, as Lambda answers.
    let (_, reply) = url_round_trip(r, get(r, "/lambda-url/test_function/x"), |id| async move {
        r.post(
            &id,
            "error",
            &[],
            r#"{"errorMessage":"boom","errorType":"Function.Boom"}"#,
        )
        .await;
    })
    .await;
    assert_eq!(
        (reply.status, &reply.body[..]),
        (
            StatusCode::BAD_GATEWAY,
            &br#"{"message":"Internal Server Error"}"#[..]
        )
    );

    // A stream without prelude: 200 with the runtime's content type.
    let (_, reply) = url_round_trip(r, get(r, "/lambda-url/test_function/events"), |id| async move {
        let stream = r.stream(&id, "text/event-stream").await;
        stream.send("data: 1\n\n").await;
        stream.send("data: 2\n\n").await;
        stream.end().await;
    })
    .await;
    assert_eq!(
        (reply.status, &reply.body[..]),
        (StatusCode::OK, &b"data: 1\n\ndata: 2\n\n"[..])
    );
    assert_eq!(reply.header("content-type"), Some("text/event-stream"));

    // An error mid-stream: the body is cut short, the error logged.
    let client = h.open(Method::GET, "/lambda-url/test_function", &[], "");
    let (_, id) = h.next_id().await;
    let stream = h.stream(&id, HTTP_INTEGRATION).await;
    stream
        .send(&b"{\"statusCode\":200}\0\0\0\0\0\0\0\0partial"[..])
        .await;
    let response = opened(client).await;
    assert_eq!(response.status(), StatusCode::OK);
    let mut body = response.into_body();
    assert_eq!(next_data(&mut body).await.as_deref(), Some(&b"partial"[..]));
    let error = r#"{"errorMessage":"late","errorType":"Function.Late"}"#;
    assert_eq!(
        stream.fail("Function.Late", error).await.status,
        StatusCode::ACCEPTED
    );
    assert!(bounded(body.frame()).await.is_some_and(|frame| frame.is_err()));
    let logged = h.line(&format!("Function URL RequestId: {id}")).await;
    assert_eq!(
        logged,
        format!("Function URL RequestId: {id} function error: Function.Late: late")
    );
    h.emulator.shutdown().await;
}

/// The test process's peak resident memory, in KiB (the emulator runs in it).
fn peak_memory_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|line| line.starts_with("VmHWM:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

#[tokio::test]
async fn a_long_stream_keeps_memory_bounded() {
    const CHUNK: usize = 64 * 1024;
    const CHUNKS: usize = 1024; // 64 MiB in all
    let mut h = Harness::start(IDLE_BOOTSTRAP, Duration::from_secs(60)).await;
    let client = h.open(Method::GET, "/lambda-url/test_function", &[], "");
    h.spawned().await;
    let (_, id) = h.next_id().await;
    let before = peak_memory_kib();
    let stream = h.stream(&id, "application/octet-stream").await;
    let reader = tokio::spawn(async move {
        let mut body = opened(client).await.into_body();
        let mut total = 0;
        while let Some(data) = next_data(&mut body).await {
            total += data.len();
        }
        total
    });
    let chunk = Bytes::from(vec![b'z'; CHUNK]);
    for _ in 0..CHUNKS {
        stream.send(chunk.clone()).await;
    }
    assert_eq!(stream.end().await.status, StatusCode::ACCEPTED);
    assert_eq!(bounded(reader).await.unwrap(), CHUNK * CHUNKS);
    // Buffering the stream would take 64 MiB at least; the bound leaves room for the other tests of this
    // process, which run meanwhile.
    let grown = peak_memory_kib().saturating_sub(before);
    assert!(grown < 32 * 1024, "peak memory grew by {grown} KiB");
    h.emulator.shutdown().await;
}
