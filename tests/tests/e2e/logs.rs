//! The function's log: JSON format and level filtering, for guest and host records alike.

use std::path::Path;
use std::time::Duration;

use serde_json::{Value, json};

use crate::harness::Function;
use lambda_wasm_tests::BEHAVIORS;

#[tokio::test]
async fn json_format_with_level_filtering() {
    let env = [
        ("AWS_LAMBDA_LOG_FORMAT", "JSON"),
        ("AWS_LAMBDA_LOG_LEVEL", "WARN"),
    ];
    let function = Function::with(
        std::path::Path::new(BEHAVIORS.path),
        &env,
        std::time::Duration::from_secs(60),
    )
    .await;
    function
        .invoke_json(json!({"action": "log", "message": "hi"}))
        .await
        .expect_ok();
    function
        .invoke_json(json!({"action": "trap"}))
        .await
        .expect_error("Runtime.WasmTrap");
    let records: Vec<Value> = function
        .logs()
        .iter()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    let stderr = records
        .iter()
        .find(|r| r["message"] == "stderr says hi")
        .expect("the WARN record");
    assert_eq!(stderr["level"], "WARN");
    assert!(
        stderr["requestId"].as_str().is_some_and(|id| id.len() == 36),
        "{stderr}"
    );
    assert!(
        stderr["timestamp"].as_str().is_some_and(|t| t.ends_with('Z')),
        "{stderr}"
    );
    // The host's own ERROR record of the trap passes the filter; INFO records (stdout, SDK info) do not.
    assert!(records.iter().any(|r| {
        r["level"] == "ERROR"
            && r["message"]
                .as_str()
                .is_some_and(|m| m.contains("Runtime.WasmTrap"))
    }));
    assert!(
        !records
            .iter()
            .any(|r| r["message"] == "stdout says hi" || r["message"] == "log says hi")
    );
    assert!(
        !function
            .logs()
            .iter()
            .any(|l| l.contains("says hi") && serde_json::from_str::<Value>(l).is_err())
    );
}

/// Powertools-style structured records: a Logger line per level, and a CloudWatch EMF metrics document.
fn structured_lines() -> serde_json::Value {
    json!({"action": "print", "lines": [
        r#"{"level":"INFO","message":"info record","service":"orders","requestId":"forged"}"#,
        r#"{"level":"WARNING","message":"warning record","service":"orders"}"#,
        r#"{"level":"ERROR","message":"error record","service":"orders"}"#,
        r#"{"_aws":{"Timestamp":1,"CloudWatchMetrics":[{"Namespace":"shop","Dimensions":[["service"]],"Metrics":[{"Name":"orders","Unit":"Count"}]}]},"service":"orders","orders":1}"#,
        "a plain line"
    ]})
}

#[tokio::test]
async fn structured_records_pass_as_written_with_their_own_levels() {
    for format in ["Text", "JSON"] {
        let function = Function::with(
            Path::new(BEHAVIORS.path),
            &[
                ("AWS_LAMBDA_LOG_FORMAT", format),
                ("AWS_LAMBDA_LOG_LEVEL", "ERROR"),
            ],
            Duration::from_secs(60),
        )
        .await;
        let answer = function.invoke_json(structured_lines()).await.expect_ok();
        assert_eq!(answer["printed"], 5);
        let records: Vec<serde_json::Value> = function
            .logs()
            .iter()
            .filter(|l| l.starts_with('{') && l.contains("\"service\":\"orders\""))
            .map(|l| serde_json::from_str(l).expect("a record as written: one JSON object"))
            .collect();
        // ERROR passes, INFO and WARNING are filtered by their own level, the EMF document is never dropped.
        let messages: Vec<&str> = records.iter().filter_map(|r| r["message"].as_str()).collect();
        assert_eq!(messages, ["error record"], "{format}: {records:?}");
        let metrics: Vec<_> = records.iter().filter(|r| r.get("_aws").is_some()).collect();
        assert_eq!(metrics.len(), 1, "{format}: the EMF document");
        for record in &records {
            let id = record["requestId"].as_str().unwrap_or_default();
            assert_eq!(id.len(), 36, "{format}: the host's request id on {record}");
        }
        assert!(
            !function.logs().iter().any(|l| l.contains("a plain line")),
            "{format}: a plain INFO line is below ERROR"
        );
    }
}

#[tokio::test]
async fn a_structured_record_cannot_carry_another_request_id() {
    let function = Function::with(Path::new(BEHAVIORS.path), &[], Duration::from_secs(60)).await;
    function.invoke_json(structured_lines()).await.expect_ok();
    let info = function
        .logs()
        .into_iter()
        .find(|l| l.contains("info record"))
        .expect("the INFO record, with no level filter");
    let record: serde_json::Value = serde_json::from_str(&info).unwrap();
    assert_ne!(record["requestId"], "forged");
    assert_eq!(record["service"], "orders", "the rest as written");
}
