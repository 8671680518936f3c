//! The function's log: JSON format and level filtering, for guest and host records alike.

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
