//! The buffered Runtime API and the RIE-compatible invoke endpoint: round trips, errors, limits,
//! init errors, exits and timeouts.

use std::time::Duration;

use bytes::Bytes;
use hyper::header::CONTENT_TYPE;
use hyper::{Method, StatusCode};

use crate::harness::{Harness, IDLE_BOOTSTRAP, INVOKE_PATH, bounded, finished, now_ms, request};

#[tokio::test]
async fn round_trip_then_warm_error_and_answer_rules() {
    let mut h = Harness::start(IDLE_BOOTSTRAP, Duration::from_secs(30)).await;
    // {"custom":{"k":"v"}}
    let context = ("X-Amz-Client-Context", "eyJjdXN0b20iOnsiayI6InYifX0=");
    let invoke = h.invoke(
        &[
            context,
            (
                "X-Amzn-Trace-Id",
                "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1",
            ),
        ],
        "{\"hi\":1}",
    );
    h.spawned().await;

    let before = now_ms();
    let next = h.next().await;
    assert_eq!(next.status, StatusCode::OK);
    assert_eq!(&next.body[..], b"{\"hi\":1}");
    assert_eq!(next.header("content-type"), Some("application/json"));
    let id = next.header("lambda-runtime-aws-request-id").unwrap().to_owned();
    assert_eq!(id.len(), 36, "{id}");
    let deadline: u64 = next
        .header("lambda-runtime-deadline-ms")
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        deadline >= before + 29_000 && deadline <= now_ms() + 30_000,
        "{deadline}"
    );
    let arn = next.header("lambda-runtime-invoked-function-arn").unwrap();
    assert!(
        arn.starts_with("arn:aws:lambda:") && arn.ends_with(":012345678912:function:test_function"),
        "{arn}"
    );
    assert_eq!(
        next.header("lambda-runtime-trace-id"),
        Some("Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1")
    );
    assert_eq!(
        next.header("lambda-runtime-client-context"),
        Some("{\"custom\":{\"k\":\"v\"}}")
    );

    // Unknown id: 400; the init phase is over: 403; unknown route: 404.
    assert_eq!(
        h.post("no-such-id", "response", &[], "x").await.status,
        StatusCode::BAD_REQUEST
    );
    let init = h
        .runtime(Method::POST, "/2018-06-01/runtime/init/error", &[], Bytes::new())
        .await;
    assert_eq!(init.status, StatusCode::FORBIDDEN);
    assert_eq!(
        h.runtime(Method::GET, "/2018-06-01/runtime/nope", &[], Bytes::new())
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    // A response mode other than buffered or streaming is refused, and leaves the invocation open.
    let bogus = h
        .post(
            &id,
            "response",
            &[("Lambda-Runtime-Function-Response-Mode", "bogus")],
            "x",
        )
        .await;
    assert_eq!(bogus.status, StatusCode::BAD_REQUEST);
    assert_eq!(bogus.json()["errorType"], "InvalidResponseMode");

    let posted = h
        .post(&id, "response", &[("content-type", "text/plain")], "pong")
        .await;
    assert_eq!(
        (posted.status, &posted.body[..]),
        (StatusCode::ACCEPTED, &b"{\"status\":\"OK\"}"[..])
    );
    let answer = finished(invoke).await;
    assert_eq!((answer.status, &answer.body[..]), (StatusCode::OK, &b"pong"[..]));
    assert_eq!(answer.header("content-type"), Some("text/plain"));
    assert_eq!(answer.header("x-amz-function-error"), None);
    // Answered already: 403, for /response and /error alike.
    assert_eq!(
        h.post(&id, "response", &[], "again").await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        h.post(&id, "error", &[], "{}").await.status,
        StatusCode::FORBIDDEN
    );

    assert_eq!(
        h.line("START").await,
        format!("START RequestId: {id} Version: $LATEST")
    );
    assert_eq!(h.line("END").await, format!("END RequestId: {id}"));
    let report = h.line("REPORT").await;
    assert!(
        report.starts_with(&format!("REPORT RequestId: {id}\tDuration: ")),
        "{report}"
    );
    assert!(
        report.contains("\tMemory Size: 3008 MB") && report.contains("\tInit Duration: "),
        "{report}"
    );

    // Warm: no new spawn, a generated trace id, and an error passed through as posted.
    let invoke = h.invoke(&[], "{}");
    let next = h.next().await;
    let id = next.header("lambda-runtime-aws-request-id").unwrap().to_owned();
    assert!(
        next.header("lambda-runtime-trace-id")
            .unwrap()
            .starts_with("Root=1-")
    );
    assert_eq!(next.header("lambda-runtime-client-context"), None);
    let error = r#"{"errorMessage":"boom","errorType":"Function.Boom","stackTrace":["a"]}"#;
    let posted = h
        .post(
            &id,
            "error",
            &[("Lambda-Runtime-Function-Error-Type", "Function.Boom")],
            error,
        )
        .await;
    assert_eq!(posted.status, StatusCode::ACCEPTED);
    let answer = finished(invoke).await;
    assert_eq!(
        (answer.status, answer.header("x-amz-function-error")),
        (StatusCode::OK, Some("Unhandled"))
    );
    assert_eq!(&answer.body[..], error.as_bytes());
    let report = h.line("REPORT").await;
    assert!(!report.contains("Init Duration"), "{report}");
    h.emulator.shutdown().await;
}

#[tokio::test]
async fn oversized_response_is_refused() {
    let mut h = Harness::start(IDLE_BOOTSTRAP, Duration::from_secs(30)).await;
    let invoke = h.invoke(&[], "{}");
    h.spawned().await;
    let id = h
        .next()
        .await
        .header("lambda-runtime-aws-request-id")
        .unwrap()
        .to_owned();

    let too_large = h.post(&id, "response", &[], vec![b'a'; 6_291_557]).await;
    assert_eq!(too_large.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(
        &too_large.body[..],
        br#"{"errorMessage":"Exceeded maximum allowed payload size (6291556 bytes).","errorType":"RequestEntityTooLarge"}"#
    );
    let answer = finished(invoke).await;
    assert_eq!(answer.header("x-amz-function-error"), Some("Unhandled"));
    assert_eq!(answer.json()["errorType"], "Function.ResponseSizeTooLarge");
    assert_eq!(
        answer.json()["errorMessage"],
        "Response payload size exceeded maximum allowed payload size (6291556 bytes)."
    );
    assert_eq!(
        h.post(&id, "error", &[], "{}").await.status,
        StatusCode::FORBIDDEN
    );
    h.emulator.shutdown().await;
}

#[tokio::test]
async fn init_error_reaches_the_caller_and_the_next_invoke_reinits() {
    let mut h = Harness::start(IDLE_BOOTSTRAP, Duration::from_secs(30)).await;
    let invoke = h.invoke(&[], "{}");
    h.spawned().await;
    let error = r#"{"errorMessage":"bad config","errorType":"Runtime.BadConfig"}"#;
    let headers = [("Lambda-Runtime-Function-Error-Type", "Runtime.BadConfig")];
    let path = "/2018-06-01/runtime/init/error";
    let posted = h.runtime(Method::POST, path, &headers, error.into()).await;
    assert_eq!(posted.status, StatusCode::ACCEPTED);
    assert_eq!(
        h.runtime(Method::POST, path, &headers, error.into()).await.status,
        StatusCode::FORBIDDEN
    );
    let answer = finished(invoke).await;
    assert_eq!(
        (answer.status, answer.header("x-amz-function-error")),
        (StatusCode::OK, Some("Unhandled"))
    );
    assert_eq!(&answer.body[..], error.as_bytes());

    let invoke = h.invoke(&[], "{\"again\":true}");
    let pid = h.spawned().await;
    let next = h.next().await;
    assert_eq!(&next.body[..], b"{\"again\":true}");
    let id = next.header("lambda-runtime-aws-request-id").unwrap().to_owned();
    assert_eq!(
        h.post(&id, "response", &[], "\"ok\"").await.status,
        StatusCode::ACCEPTED
    );
    assert_eq!(&finished(invoke).await.body[..], b"\"ok\"");

    // Dropping the emulator kills the bootstrap. The log sink's last holders are the emulator and the
    // output forwarders, which end at end-of-file on the bootstrap's pipes (or are dropped once it has been
    // reaped); `sleep` never closes its output itself, so the channel closing means it was killed.
    let Harness {
        emulator, mut lines, ..
    } = h;
    drop(emulator);
    bounded(async { while lines.recv().await.is_some() {} }).await;
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    assert!(!stat.contains(") S "), "pid {pid} still sleeps: {stat}");
}

#[tokio::test]
async fn exit_before_answering_is_an_exit_error() {
    let h = Harness::start("exit 3", Duration::from_secs(30)).await;
    let answer = finished(h.invoke(&[], "{}")).await;
    assert_eq!(
        (answer.status, answer.header("x-amz-function-error")),
        (StatusCode::OK, Some("Unhandled"))
    );
    let json = answer.json();
    assert_eq!(json["errorType"], "Runtime.ExitError");
    let message = json["errorMessage"].as_str().unwrap();
    assert!(
        message.starts_with("RequestId: ")
            && message.ends_with(" Error: Runtime exited with error: exit status 3"),
        "{message}"
    );

    // The invoke endpoint's own limits need no bootstrap.
    let addr = h.emulator.invoke_addr();
    let huge = request(addr, Method::POST, INVOKE_PATH, &[], vec![b'a'; 6_291_457].into()).await;
    assert_eq!(huge.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(huge.json()["errorType"], "RequestEntityTooLarge");
    let lost = request(addr, Method::POST, "/elsewhere", &[], Bytes::new()).await;
    assert_eq!(lost.status, StatusCode::NOT_FOUND);
    assert_eq!(lost.headers.get(CONTENT_TYPE).unwrap(), "application/json");
    h.emulator.shutdown().await;
}

#[tokio::test]
async fn timeout_kills_the_bootstrap_and_the_next_invoke_respawns() {
    let mut h = Harness::start(IDLE_BOOTSTRAP, Duration::from_secs(1)).await;
    let invoke = h.invoke(&[], "{}");
    let pid = h.spawned().await;
    let next = h.next().await;
    let handed_out = std::time::Instant::now();
    let deadline: u64 = next
        .header("lambda-runtime-deadline-ms")
        .unwrap()
        .parse()
        .unwrap();
    assert!(deadline > now_ms() && deadline <= now_ms() + 1_000, "{deadline}");
    let id = next.header("lambda-runtime-aws-request-id").unwrap().to_owned();

    let answer = finished(invoke).await;
    assert!(
        handed_out.elapsed() >= Duration::from_millis(900),
        "{:?}",
        handed_out.elapsed()
    );
    assert_eq!(
        (answer.status, answer.header("x-amz-function-error")),
        (StatusCode::OK, Some("Unhandled"))
    );
    assert_eq!(answer.json()["errorType"], "Sandbox.Timeout");
    assert_eq!(answer.json()["errorMessage"], "Task timed out after 1.00 seconds");
    // Killed and reaped before the answer.
    assert!(
        !std::path::Path::new(&format!("/proc/{pid}")).exists(),
        "pid {pid} still exists"
    );
    // Too late to answer.
    assert_eq!(
        h.post(&id, "response", &[], "late").await.status,
        StatusCode::FORBIDDEN
    );

    let invoke = h.invoke(&[], "{}");
    let second = h.spawned().await;
    assert_ne!(pid, second);
    let id = h
        .next()
        .await
        .header("lambda-runtime-aws-request-id")
        .unwrap()
        .to_owned();
    assert_eq!(
        h.post(&id, "response", &[], "fine").await.status,
        StatusCode::ACCEPTED
    );
    let answer = finished(invoke).await;
    assert_eq!(
        (answer.header("x-amz-function-error"), &answer.body[..]),
        (None, &b"fine"[..])
    );
    h.emulator.shutdown().await;
}
