//! The Runtime API client against a scripted server on port 0: path prefix, 204 on `/next`, 500, 413, and the
//! error body's shape.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test fails by panicking"
)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::{Request, Response, body::Incoming};
use hyper_util::rt::TokioIo;
use lambda_wasm_host::config::RuntimeApiAddress;
use lambda_wasm_host::error::ErrorReport;
use lambda_wasm_host::runtime_api::{Posted, RuntimeApi};

/// What the server saw: method, path, headers of interest, body.
type Seen = Arc<Mutex<Vec<(String, String, Vec<(String, String)>, Bytes)>>>;

/// Serves `script` in order, one response per request, on one kept-alive connection at a time.
async fn serve(script: Vec<(u16, &'static str)>) -> (String, Seen) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap().to_string();
    let seen: Seen = Arc::default();
    let script = Arc::new(Mutex::new(script.into_iter()));
    let log = seen.clone();
    tokio::spawn(async move {
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            let (script, log) = (script.clone(), log.clone());
            let service = hyper::service::service_fn(move |request: Request<Incoming>| {
                let (script, log) = (script.clone(), log.clone());
                async move {
                    let (parts, body) = request.into_parts();
                    let body = body.collect().await.unwrap().to_bytes();
                    let headers = parts
                        .headers
                        .iter()
                        .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or_default().to_owned()))
                        .collect();
                    log.lock().unwrap().push((
                        parts.method.to_string(),
                        parts.uri.to_string(),
                        headers,
                        body,
                    ));
                    let (status, body) = script.lock().unwrap().next().unwrap_or((599, "script ended"));
                    let mut response = Response::builder().status(status);
                    if status == 200 {
                        response = response
                            .header("lambda-runtime-aws-request-id", "req-1")
                            .header("lambda-runtime-deadline-ms", "600000");
                    }
                    Ok::<_, hyper::Error>(response.body(Full::new(Bytes::from(body))).unwrap())
                }
            });
            tokio::spawn(
                hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), service),
            );
        }
    });
    (address, seen)
}

fn client(address: &str, prefix: &str) -> RuntimeApi {
    RuntimeApi::new(RuntimeApiAddress::parse(&format!("http://{address}{prefix}")).unwrap())
}

#[tokio::test]
async fn next_polls_again_on_204_and_uses_the_prefix() {
    let (address, seen) = serve(vec![(204, ""), (204, ""), (200, "{\"x\":1}")]).await;
    let mut api = client(&address, "/.rt/fn");
    let invocation = tokio::time::timeout(Duration::from_secs(10), api.next(Duration::from_secs(900)))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(invocation.request_id, "req-1");
    assert_eq!(invocation.event.as_ref(), b"{\"x\":1}");
    assert!(
        !invocation.deadline_from_header,
        "600000 is not an epoch deadline"
    );
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 3);
    assert!(
        seen.iter()
            .all(|(m, p, ..)| m == "GET" && p == "/.rt/fn/2018-06-01/runtime/invocation/next")
    );
}

#[tokio::test]
async fn next_fails_on_500() {
    let (address, _) = serve(vec![(500, "broken")]).await;
    let error = client(&address, "")
        .next(Duration::from_secs(1))
        .await
        .unwrap_err();
    assert!(format!("{error:#}").contains("500"), "{error:#}");
}

#[tokio::test]
async fn response_reports_413_and_refusals() {
    let (address, _) = serve(vec![(202, ""), (413, "too big"), (403, "twice")]).await;
    let mut api = client(&address, "");
    assert_eq!(
        api.response("a", Bytes::from_static(b"ok")).await.unwrap(),
        Posted::Accepted
    );
    assert_eq!(
        api.response("a", Bytes::from_static(b"big")).await.unwrap(),
        Posted::TooLarge
    );
    let refused = api.response("a", Bytes::from_static(b"again")).await.unwrap();
    assert!(matches!(refused, Posted::Refused(why) if why.contains("403") && why.contains("twice")));
}

#[tokio::test]
async fn error_posts_the_spec_body_and_headers() {
    let (address, seen) = serve(vec![(202, ""), (202, "")]).await;
    let mut api = client(&address, "");
    let report = ErrorReport::new("ValidationError", "bad", vec!["frame 1".into()]);
    assert_eq!(api.error("req-9", &report).await.unwrap(), Posted::Accepted);
    assert_eq!(
        api.init_error(&ErrorReport::new("Runtime.HandlerNotFound", "x", vec![]))
            .await
            .unwrap(),
        Posted::Accepted
    );
    let seen = seen.lock().unwrap();
    let (method, path, headers, body) = &seen[0];
    assert_eq!(
        (method.as_str(), path.as_str()),
        ("POST", "/2018-06-01/runtime/invocation/req-9/error")
    );
    let header = |name: &str| headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    assert_eq!(
        header("content-type"),
        Some("application/vnd.aws.lambda.error+json")
    );
    assert_eq!(
        header("lambda-runtime-function-error-type"),
        Some("Function.ValidationError")
    );
    let body: serde_json::Value = serde_json::from_slice(body).unwrap();
    assert_eq!(
        body,
        serde_json::json!({"errorType": "ValidationError", "errorMessage": "bad", "stackTrace": ["frame 1"]})
    );
    assert_eq!(seen[1].1, "/2018-06-01/runtime/init/error");
    assert_eq!(
        seen.iter()
            .filter(|s| s.2.iter().any(|(k, _)| k == "host"))
            .count(),
        2
    );
}
