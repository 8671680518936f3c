//! Invocations that fail: the guest's own error, bad input, panics, traps, timeouts; and the environment keeps
//! serving after each.

use std::path::Path;
use std::time::Duration;

use serde_json::json;

use crate::harness::Function;
use lambda_wasm_tests::BEHAVIORS;

#[tokio::test]
async fn handler_error_keeps_its_type_message_and_trace() {
    let function = Function::start(BEHAVIORS).await;
    let answer = function
        .invoke_json(json!({"action": "error", "message": "name is required"}))
        .await;
    let body = answer.expect_error("ValidationError");
    assert_eq!(body["errorMessage"], "name is required");
    let trace = body["stackTrace"].as_array().cloned().unwrap_or_default();
    assert!(
        trace
            .iter()
            .any(|f| f.as_str().is_some_and(|f| f.contains("inner cause"))),
        "{body}"
    );
    // A returned error is a normal return: the same instance serves on.
    function.invoke_json(json!({"action": "count"})).await.expect_ok();
    assert_eq!(function.inits(), 1);
}

#[tokio::test]
async fn payload_that_does_not_deserialize_is_an_unmarshal_error() {
    let function = Function::start(BEHAVIORS).await;
    let body = function
        .invoke("this is not json")
        .await
        .expect_error("Runtime.UnmarshalError");
    assert!(
        body["errorMessage"].as_str().is_some_and(|m| !m.is_empty()),
        "{body}"
    );
}

#[tokio::test]
async fn panic_is_reported_and_the_next_invocation_succeeds() {
    let function = Function::start(BEHAVIORS).await;
    function.invoke_json(json!({"action": "count"})).await.expect_ok();
    let answer = function
        .invoke_json(json!({"action": "panic", "message": "the answer is not 42"}))
        .await;
    let body = answer.expect_error("Runtime.Panic");
    let message = body["errorMessage"].as_str().unwrap_or_default();
    assert!(message.contains("the answer is not 42"), "{body}");
    assert!(
        body["stackTrace"].as_array().is_some_and(|t| !t.is_empty()),
        "{body}"
    );
    // Same environment (no second INIT), fresh instance (the counter starts again).
    let body = function.invoke_json(json!({"action": "count"})).await.expect_ok();
    assert_eq!(body["count"], 1);
    assert_eq!(function.inits(), 1);
}

#[tokio::test]
async fn trap_is_reported_with_its_code_and_the_environment_recovers() {
    let function = Function::start(BEHAVIORS).await;
    let body = function
        .invoke_json(json!({"action": "trap"}))
        .await
        .expect_error("Runtime.WasmTrap");
    assert!(
        body["errorMessage"]
            .as_str()
            .is_some_and(|m| m.contains("unreachable")),
        "{body}"
    );
    function.invoke_json(json!({"action": "echo"})).await.expect_ok();
    assert_eq!(function.inits(), 1);
}

#[tokio::test]
async fn deadline_stops_the_guest_inside_the_sandbox() {
    let function = Function::with(Path::new(BEHAVIORS.path), &[], Duration::from_secs(2)).await;
    let body = function
        .invoke_json(json!({"action": "spin"}))
        .await
        .expect_error("Sandbox.Timeout");
    assert_eq!(body["errorMessage"], "Task timed out after 2.00 seconds");
    // The host stopped the guest itself, so the environment stays warm.
    function.invoke_json(json!({"action": "echo"})).await.expect_ok();
    assert_eq!(function.inits(), 1);
}
