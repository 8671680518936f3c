//! The Runtime API client against a scripted server on port 0: path prefix, 204 on `/next`, 500, 413, any 2xx
//! as an acceptance, 410, the invocation id's echo, retries after a failure on the wire, an oversized event,
//! and the error body's shape.
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
use lambda_wasm_host::runtime_api::{AnswerTo, Next, Posted, RuntimeApi};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};

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
                    if status == 200 && parts.uri.path().ends_with("/next") {
                        response = response
                            .header("lambda-runtime-aws-request-id", "req-1")
                            .header("lambda-runtime-deadline-ms", "600000");
                        if body.starts_with("{\"invocation\"") {
                            response = response.header("lambda-runtime-invocation-id", "inv-1");
                        }
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

fn to(request_id: &str, invocation_id: Option<&str>) -> AnswerTo {
    AnswerTo {
        request_id: request_id.to_owned(),
        invocation_id: invocation_id.map(str::to_owned),
    }
}

async fn next_event(api: &mut RuntimeApi) -> lambda_wasm_host::runtime_api::Invocation {
    match tokio::time::timeout(Duration::from_secs(10), api.next(Duration::from_secs(900)))
        .await
        .unwrap()
        .unwrap()
    {
        Next::Event(invocation) => invocation,
        Next::Unusable(to, error) => panic!("{to:?}: {error}"),
    }
}

fn client(address: &str, prefix: &str) -> RuntimeApi {
    RuntimeApi::new(RuntimeApiAddress::parse(&format!("http://{address}{prefix}")).unwrap())
}

#[tokio::test]
async fn next_polls_again_on_204_and_uses_the_prefix() {
    let (address, seen) = serve(vec![(204, ""), (204, ""), (200, "{\"x\":1}")]).await;
    let mut api = client(&address, "/.rt/fn");
    let invocation = next_event(&mut api).await;
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
        api.response(&to("a", None), Bytes::from_static(b"ok"))
            .await
            .unwrap(),
        Posted::Accepted
    );
    assert_eq!(
        api.response(&to("a", None), Bytes::from_static(b"big"))
            .await
            .unwrap(),
        Posted::TooLarge
    );
    let refused = api
        .response(&to("a", None), Bytes::from_static(b"again"))
        .await
        .unwrap();
    assert!(matches!(refused, Posted::Refused(why) if why.contains("403") && why.contains("twice")));
}

#[tokio::test]
async fn error_posts_the_spec_body_and_headers() {
    let (address, seen) = serve(vec![(202, ""), (202, "")]).await;
    let mut api = client(&address, "");
    let report = ErrorReport::new("ValidationError", "bad", vec!["frame 1".into()]);
    assert_eq!(
        api.error(&to("req-9", None), &report).await.unwrap(),
        Posted::Accepted
    );
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

#[tokio::test]
async fn any_2xx_is_an_acceptance_and_410_is_gone() {
    // cargo-lambda answers 200 where Lambda answers 202.
    let (address, _) = serve(vec![(200, ""), (204, ""), (200, ""), (410, "late")]).await;
    let mut api = client(&address, "");
    let report = ErrorReport::new("E", "m", vec![]);
    assert_eq!(
        api.response(&to("a", None), Bytes::new()).await.unwrap(),
        Posted::Accepted
    );
    assert_eq!(
        api.error(&to("b", None), &report).await.unwrap(),
        Posted::Accepted
    );
    assert_eq!(api.init_error(&report).await.unwrap(), Posted::Accepted);
    let gone = api.response(&to("c", Some("old")), Bytes::new()).await.unwrap();
    assert!(matches!(gone, Posted::Gone(why) if why.contains("late")));
}

#[tokio::test]
async fn a_5xx_on_an_answer_is_an_error_and_is_not_retried() {
    let (address, seen) = serve(vec![(500, "broken"), (202, "")]).await;
    let error = client(&address, "")
        .response(&to("a", None), Bytes::new())
        .await
        .unwrap_err();
    assert!(format!("{error:#}").contains("500"), "{error:#}");
    assert_eq!(seen.lock().unwrap().len(), 1, "a 5xx is never sent again");
}

#[tokio::test]
async fn the_invocation_id_is_echoed_only_when_sent() {
    let (address, seen) = serve(vec![
        (200, "{\"invocation\": 1}"),
        (202, ""),
        (202, ""),
        (200, "{\"plain\": 1}"),
        (202, ""),
    ])
    .await;
    let mut api = client(&address, "");
    let first = next_event(&mut api).await;
    assert_eq!(first.invocation_id.as_deref(), Some("inv-1"));
    api.response(&first.answer_to(), Bytes::new()).await.unwrap();
    api.error(&first.answer_to(), &ErrorReport::new("E", "m", vec![]))
        .await
        .unwrap();
    let second = next_event(&mut api).await;
    assert_eq!(second.invocation_id, None);
    api.response(&second.answer_to(), Bytes::new()).await.unwrap();
    let seen = seen.lock().unwrap();
    let echoed = |i: usize| {
        seen[i]
            .2
            .iter()
            .find(|(k, _)| k == "lambda-runtime-invocation-id")
            .map(|(_, v)| v.clone())
    };
    assert_eq!(echoed(1).as_deref(), Some("inv-1"), "on /response");
    assert_eq!(echoed(2).as_deref(), Some("inv-1"), "on /error");
    assert_eq!(echoed(4), None, "nothing when /next sent none");
}

/// Reads one request's head and its `content-length` body from a raw connection.
async fn read_request(reader: &mut BufReader<tokio::net::TcpStream>) -> String {
    let mut head = String::new();
    let mut length = 0;
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).await.unwrap();
        if let Some(value) = line.to_ascii_lowercase().strip_prefix("content-length:") {
            length = value.trim().parse().unwrap();
        }
        if line == "\r\n" || line.is_empty() {
            break;
        }
        head.push_str(&line);
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).await.unwrap();
    head
}

#[tokio::test]
async fn a_post_cut_off_is_sent_again_and_already_received_counts_as_accepted() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap().to_string();
    let server = tokio::spawn(async move {
        // The first attempt arrives, and the connection is closed before any answer.
        let (first, _) = listener.accept().await.unwrap();
        let mut first = BufReader::new(first);
        let head = read_request(&mut first).await;
        drop(first);
        // The retry is told the answer was already received.
        let (second, _) = listener.accept().await.unwrap();
        let mut second = BufReader::new(second);
        let again = read_request(&mut second).await;
        let body = "{\"errorMessage\":\"Invalid request ID\",\"errorType\":\"InvalidStateTransition\"}";
        let answer = format!(
            "HTTP/1.1 403 Forbidden\r\ncontent-length: {}\r\n\r\n{body}",
            body.len()
        );
        second.get_mut().write_all(answer.as_bytes()).await.unwrap();
        (head, again)
    });
    let mut api = client(&address, "");
    let posted = tokio::time::timeout(
        Duration::from_secs(20),
        api.response(&to("req-7", Some("inv-7")), Bytes::from_static(b"ok")),
    )
    .await
    .unwrap()
    .unwrap();
    assert_eq!(posted, Posted::Accepted, "nothing is posted twice");
    let (head, again) = server.await.unwrap();
    assert!(
        head.starts_with("POST /2018-06-01/runtime/invocation/req-7/response"),
        "{head}"
    );
    assert_eq!(head, again, "the same request, sent again");
}

#[tokio::test]
async fn a_refused_connection_is_retried_a_bounded_number_of_times() {
    // A port nothing listens on: bind, note it, close.
    let address = {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        listener.local_addr().unwrap().to_string()
    };
    let error = tokio::time::timeout(
        Duration::from_secs(20),
        client(&address, "").response(&to("a", None), Bytes::new()),
    )
    .await
    .expect("retries are bounded")
    .unwrap_err();
    assert!(format!("{error:#}").contains("4 times"), "{error:#}");
}

#[tokio::test]
async fn an_oversized_event_is_answered_with_an_error_not_an_exit() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap().to_string();
    tokio::spawn(async move {
        let (stream, _) = listener.accept().await.unwrap();
        let mut stream = BufReader::new(stream);
        read_request(&mut stream).await;
        let size = lambda_wasm_host::runtime_api::MAX_EVENT + 1;
        let head = format!(
            "HTTP/1.1 200 OK\r\nlambda-runtime-aws-request-id: big-1\r\nlambda-runtime-invocation-id: inv-big\r\n\
             content-length: {size}\r\n\r\n"
        );
        stream.get_mut().write_all(head.as_bytes()).await.unwrap();
        let _ = stream.get_mut().write_all(&vec![b'x'; size]).await;
    });
    let next = tokio::time::timeout(
        Duration::from_secs(20),
        client(&address, "").next(Duration::from_secs(9)),
    )
    .await
    .unwrap()
    .unwrap();
    match next {
        Next::Unusable(to, error) => {
            assert_eq!(to.request_id, "big-1");
            assert_eq!(to.invocation_id.as_deref(), Some("inv-big"));
            assert_eq!(error.error_type(), "Runtime.EventTooLarge");
        }
        Next::Event(_) => panic!("an event over the limit was accepted"),
    }
}
