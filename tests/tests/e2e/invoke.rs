//! Invocations that succeed: typed JSON, raw bytes, warm state, the context, the log, many in a row.

use serde_json::json;

use crate::harness::Function;
use lambda_wasm_tests::{BEHAVIORS, ECHO, RUST_HELLO};

#[tokio::test]
async fn typed_json_in_and_out() {
    let function = Function::start(RUST_HELLO).await;
    let body = function.invoke_json(json!({"name": "Ada"})).await.expect_ok();
    assert_eq!(body["message"], "Hello, Ada!");
    assert!(
        body["request_id"].as_str().is_some_and(|id| !id.is_empty()),
        "{body}"
    );
}

#[tokio::test]
async fn json_echo_is_exact() {
    let function = Function::start(BEHAVIORS).await;
    let event =
        json!({"action": "echo", "nested": {"list": [1, 2.5, "three", null, true]}, "unicode": "héllo ✓"});
    assert_eq!(function.invoke_json(event.clone()).await.expect_ok(), event);
}

#[tokio::test]
async fn non_utf8_event_comes_back_byte_exact() {
    let function = Function::start(ECHO).await;
    let event: Vec<u8> = (0..=255u8).rev().chain([0xff, 0xfe, 0x00, 0xc3, 0x28]).collect();
    let answer = function.invoke(event.clone()).await;
    assert_eq!((answer.status, answer.function_error.as_deref()), (200, None));
    assert_eq!(answer.body.as_ref(), event.as_slice());
}

#[tokio::test]
async fn empty_event_is_an_empty_payload() {
    let function = Function::start(ECHO).await;
    let answer = function.invoke(Vec::new()).await;
    assert_eq!(
        (answer.status, answer.function_error.as_deref(), answer.body.len()),
        (200, None, 0)
    );
}

#[tokio::test]
async fn state_survives_warm_invocations() {
    let function = Function::start(BEHAVIORS).await;
    for expected in 1..=3 {
        let body = function.invoke_json(json!({"action": "count"})).await.expect_ok();
        assert_eq!(body["count"], expected);
    }
    assert_eq!(function.inits(), 1);
}

#[tokio::test]
async fn context_carries_the_invocation_headers() {
    let function = Function::start(BEHAVIORS).await;
    let body = function
        .invoke_json(json!({"action": "context"}))
        .await
        .expect_ok();
    let request_id = body["request_id"].as_str().unwrap_or_default();
    assert_eq!(request_id.len(), 36, "{body}");
    let arn = body["invoked_function_arn"].as_str().unwrap_or_default();
    assert!(
        arn.starts_with("arn:aws:lambda:") && arn.ends_with(":function:test_function"),
        "{body}"
    );
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64;
    let deadline = body["deadline"].as_u64().unwrap_or_default();
    assert!(
        deadline > now && deadline <= now + 60_000,
        "deadline {deadline} vs now {now}"
    );
    let remaining = body["remaining_ms"].as_u64().unwrap_or_default();
    assert!(remaining > 50_000 && remaining <= 60_000, "{body}");
    assert!(
        body["xray_trace_id"]
            .as_str()
            .is_some_and(|t| t.starts_with("Root=1-")),
        "{body}"
    );
    let start = function
        .logs()
        .into_iter()
        .find(|l| l.starts_with("START RequestId: "))
        .unwrap_or_default();
    assert!(start.contains(request_id), "{start} does not name {request_id}");
}

#[tokio::test]
async fn guest_output_is_logged_with_the_request_id() {
    let function = Function::start(BEHAVIORS).await;
    let body = function
        .invoke_json(json!({"action": "log", "message": "hi there"}))
        .await
        .expect_ok();
    assert_eq!(body["logged"], true);
    let logs = function.logs();
    let start = logs
        .iter()
        .find(|l| l.starts_with("START RequestId: "))
        .cloned()
        .unwrap_or_default();
    let request_id = start
        .trim_start_matches("START RequestId: ")
        .split_whitespace()
        .next()
        .unwrap_or("-");
    for needle in [
        "stdout says hi there",
        "stderr says hi there",
        "log says hi there",
    ] {
        let line = logs.iter().find(|l| l.contains(needle));
        assert!(
            line.is_some_and(|l| l.contains(request_id)),
            "no line with {needle:?} and {request_id}: {logs:#?}"
        );
    }
}

#[tokio::test]
async fn a_thousand_sequential_invocations_lose_nothing() {
    let function = Function::start(ECHO).await;
    for i in 0..1000 {
        let event = format!("{{\"i\":{i},\"pad\":\"{}\"}}", "x".repeat(i % 64));
        let answer = function.invoke(event.clone()).await;
        assert_eq!(answer.function_error, None, "invocation {i}: {answer:?}");
        assert_eq!(answer.body.as_ref(), event.as_bytes(), "invocation {i}");
    }
    assert_eq!(function.inits(), 1);
}

#[tokio::test]
async fn an_sqs_batch_on_aws_lambda_events_reports_its_partial_failures() {
    let function = crate::harness::Function::with(
        std::path::Path::new(lambda_wasm_tests::RUST_SQS_BATCH.path),
        &[],
        std::time::Duration::from_secs(60),
    )
    .await;
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let event = std::fs::read(root.join("examples/rust-sqs-batch/event.json")).unwrap();
    let body = function.invoke(event).await.expect_ok();
    assert_eq!(
        body,
        serde_json::json!({"batchItemFailures": [{"itemIdentifier": "m-2"}]})
    );
}
