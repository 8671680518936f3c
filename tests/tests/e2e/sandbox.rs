//! The sandbox holds: one test per attack, each asserting the exact error type, that the same bootstrap process
//! answers the next invocation, and, for every "cannot", its "can" twin so an empty sandbox cannot pass.

use std::path::Path;
use std::time::Duration;

use serde_json::{Value, json};

use crate::harness::{Function, TaskRoot};
use lambda_wasm_tests::{
    BEHAVIORS, BIG_RESPONSE, ENVIRONMENT, FILESYSTEM, Guest, MEMORY, NETWORK, STDOUT_FLOOD, TRAPS,
};

const MINUTE: Duration = Duration::from_secs(60);

async fn serve(guest: Guest, env: &[(&str, &str)]) -> Function {
    Function::with(Path::new(guest.path), env, MINUTE).await
}

#[tokio::test]
async fn infinite_loop_times_out_and_the_environment_stays_warm() {
    let function = Function::with(Path::new(BEHAVIORS.path), &[], Duration::from_secs(2)).await;
    let body = function
        .invoke_json(json!({"action": "spin"}))
        .await
        .expect_error("Sandbox.Timeout");
    assert_eq!(body["errorMessage"], "Task timed out after 2.00 seconds");
    function.invoke_json(json!({"action": "echo"})).await.expect_ok();
    function.assert_one_process();
}

#[tokio::test]
async fn waiting_in_a_host_call_times_out_too() {
    let function = Function::with(Path::new(BEHAVIORS.path), &[], Duration::from_secs(2)).await;
    let body = function
        .invoke_json(json!({"action": "sleep", "seconds": 30}))
        .await
        .expect_error("Sandbox.Timeout");
    assert_eq!(body["errorMessage"], "Task timed out after 2.00 seconds");
    function
        .invoke_json(json!({"action": "sleep", "seconds": 0}))
        .await
        .expect_ok();
    function.assert_one_process();
}

#[tokio::test]
async fn memory_bomb_hits_the_cap_and_memory_under_it_is_granted() {
    // 128 MB function: the guest's cap is 128 - 32 = 96 MiB.
    let function = serve(MEMORY, &[("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")]).await;
    let body = function.invoke_json(json!({"mib": 64})).await.expect_ok();
    assert_eq!(body["allocated_mib"], 64);
    let body = function
        .invoke_json(json!({"mib": 512}))
        .await
        .expect_error("Runtime.OutOfMemory");
    assert!(
        body["errorMessage"]
            .as_str()
            .is_some_and(|m| m.contains("96 MiB")),
        "{body}"
    );
    let body = function.invoke_json(json!({"mib": 64})).await.expect_ok();
    assert_eq!(body["allocated_mib"], 64);
    function.assert_one_process();
}

#[tokio::test]
async fn every_trap_kind_is_reported_with_its_code() {
    let function = serve(TRAPS, &[]).await;
    let cases = [
        ("d", "integer divide by zero"),
        ("o", "out of bounds memory access"),
        ("u", "wasm `unreachable` instruction executed"),
        ("s", "call stack exhausted"),
    ];
    for (event, code) in cases {
        let body = function.invoke(event).await.expect_error("Runtime.WasmTrap");
        assert_eq!(
            body["errorMessage"],
            format!("wasm trap: {code}"),
            "{event}: {body}"
        );
        let trace = body["stackTrace"].as_array().cloned().unwrap_or_default();
        assert!(!trace.is_empty(), "{event}: no backtrace: {body}");
        // The fixture's answer when it does not trap: an empty response from a fresh instance.
        let answer = function.invoke("fine").await;
        assert_eq!(
            (answer.function_error.as_deref(), answer.body.len()),
            (None, 0),
            "after {event}"
        );
    }
    let body = function.invoke("s").await.expect_error("Runtime.WasmTrap");
    assert!(
        body["stackTrace"].to_string().contains("recurse"),
        "frames carry function names: {body}"
    );
    function.assert_one_process();
}

#[tokio::test]
async fn panic_is_reported_with_its_message_and_the_environment_stays_warm() {
    let function = serve(BEHAVIORS, &[]).await;
    let body = function
        .invoke_json(json!({"action": "panic", "message": "boom"}))
        .await
        .expect_error("Runtime.Panic");
    assert!(
        body["errorMessage"]
            .as_str()
            .is_some_and(|m| m.contains("boom") && m.contains(".rs:")),
        "{body}"
    );
    function.invoke_json(json!({"action": "echo"})).await.expect_ok();
    function.assert_one_process();
}

async fn fs(function: &Function, event: Value) -> Value {
    function.invoke_json(event).await.expect_ok()
}

#[tokio::test]
async fn filesystem_is_only_tmp_and_the_read_only_task_root() {
    let guest_tmp = tempfile::tempdir().unwrap();
    let host_secret = tempfile::NamedTempFile::new_in("/tmp").unwrap();
    std::fs::write(host_secret.path(), "host only").unwrap();
    let task_root = TaskRoot::new(FILESYSTEM, &[("data.txt", "shipped with the function")]);
    let root = task_root.dir.path().display().to_string();
    let tmp = guest_tmp.path().display().to_string();
    let function = Function::with(&task_root.component(), &[("LAMBDA_WASM_GUEST_TMP", &tmp)], MINUTE).await;

    // Can: read the task root, write then read /tmp (which lands in the host folder given).
    let read = fs(
        &function,
        json!({"action": "read", "path": format!("{root}/data.txt")}),
    )
    .await;
    assert_eq!(read, json!({"ok": true, "result": "shipped with the function"}));
    let write = fs(
        &function,
        json!({"action": "write", "path": "/tmp/note.txt", "content": "hello"}),
    )
    .await;
    assert_eq!(write, json!({"ok": true, "result": "hello"}));
    assert_eq!(
        std::fs::read_to_string(guest_tmp.path().join("note.txt")).unwrap(),
        "hello"
    );

    // Cannot: anything outside, by absolute path, by `..`, by listing; nor write the task root.
    let host_file = host_secret
        .path()
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    let denied = [
        json!({"action": "read", "path": "/etc/passwd"}),
        json!({"action": "read", "path": "/tmp/../etc/passwd"}),
        json!({"action": "read", "path": "../../../../etc/passwd"}),
        json!({"action": "read", "path": format!("{root}/../../../etc/passwd")}),
        json!({"action": "read", "path": format!("/tmp/{host_file}")}),
        json!({"action": "list", "path": "/"}),
        json!({"action": "list", "path": "/tmp/.."}),
        json!({"action": "write", "path": format!("{root}/data.txt"), "content": "changed"}),
        json!({"action": "write", "path": "/etc/evil", "content": "x"}),
        json!({"action": "write", "path": "/evil", "content": "x"}),
    ];
    for event in denied {
        let answer = fs(&function, event.clone()).await;
        assert_eq!(answer["ok"], false, "{event} was allowed: {answer}");
    }
    let list = fs(&function, json!({"action": "list", "path": "/tmp"})).await;
    assert_eq!(list, json!({"ok": true, "result": ["note.txt"]}));
    assert_eq!(
        std::fs::read_to_string(task_root.dir.path().join("data.txt")).unwrap(),
        "shipped with the function"
    );
    function.assert_one_process();
}

#[tokio::test]
async fn credentials_are_hidden_unless_the_function_opts_in() {
    let names = json!({"names": ["MY_SETTING", "AWS_REGION", "AWS_SECRET_ACCESS_KEY", "AWS_ACCESS_KEY_ID", "AWS_LAMBDA_RUNTIME_API"]});
    let env = [
        ("MY_SETTING", "42"),
        ("AWS_SECRET_ACCESS_KEY", "shh"),
        ("AWS_ACCESS_KEY_ID", "AKIA"),
    ];
    let hidden = serve(ENVIRONMENT, &env)
        .await
        .invoke_json(names.clone())
        .await
        .expect_ok();
    assert_eq!(hidden["MY_SETTING"], "42");
    assert!(hidden["AWS_REGION"].is_string(), "{hidden}");
    assert_eq!(hidden["AWS_SECRET_ACCESS_KEY"], Value::Null);
    assert_eq!(hidden["AWS_ACCESS_KEY_ID"], Value::Null);
    assert_eq!(hidden["AWS_LAMBDA_RUNTIME_API"], Value::Null);

    let opted_in = [env.as_slice(), &[("LAMBDA_WASM_EXPOSE_CREDENTIALS", "true")]].concat();
    let shown = serve(ENVIRONMENT, &opted_in)
        .await
        .invoke_json(names)
        .await
        .expect_ok();
    assert_eq!(
        (&shown["AWS_SECRET_ACCESS_KEY"], &shown["AWS_ACCESS_KEY_ID"]),
        (&json!("shh"), &json!("AKIA"))
    );
}

#[tokio::test]
async fn sockets_cannot_be_opened() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let address = listener.local_addr().unwrap().to_string();
    let function = serve(NETWORK, &[]).await;
    let body = function
        .invoke_json(json!({"address": address}))
        .await
        .expect_ok();
    assert_ne!(body["tcp"], "connected", "{body}");
    assert_ne!(body["udp"], "bound", "{body}");
    assert!(listener.accept().is_err(), "the guest reached the host's socket");
    function.assert_one_process();
}

#[tokio::test]
async fn ten_megabytes_of_stdout_in_one_call_are_split_and_bounded() {
    let function = serve(STDOUT_FLOOD, &[]).await;
    let body = function.invoke("{}").await.expect_ok();
    assert_eq!(body["written"], 10 * 1024 * 1024);
    let logs = function.logs();
    assert!(
        logs.iter().any(|l| l.ends_with("\tflood done")),
        "the last line was lost"
    );
    let longest = logs.iter().map(String::len).max().unwrap_or_default();
    assert!(longest <= 256 * 1024 + 128, "a record of {longest} bytes");
    let flood_lines = logs.iter().filter(|l| l.ends_with("xxxx")).count();
    assert!(flood_lines >= 5 * 1024 + 20, "only {flood_lines} records");
    function.invoke("{}").await.expect_ok();
    function.assert_one_process();
}

#[tokio::test]
async fn a_response_over_six_mebibytes_is_refused_and_one_at_the_limit_passes() {
    let function = serve(BIG_RESPONSE, &[]).await;
    let body = function
        .invoke_json(json!({"bytes": 7 * 1024 * 1024}))
        .await
        .expect_error("Function.ResponseSizeTooLarge");
    assert!(
        body["errorMessage"]
            .as_str()
            .is_some_and(|m| m.contains("7340032") && m.contains("6291556")),
        "{body}"
    );
    let answer = function
        .invoke_json(json!({"bytes": 6 * 1024 * 1024 + 100}))
        .await;
    assert_eq!(
        (answer.function_error.as_deref(), answer.body.len()),
        (None, 6 * 1024 * 1024 + 100)
    );
    function.assert_one_process();
}

#[tokio::test]
async fn isolation_modes_keep_or_reset_guest_state() {
    for (mode, expected) in [("environment", [1, 2, 3]), ("invocation", [1, 1, 1])] {
        let function = serve(BEHAVIORS, &[("LAMBDA_WASM_ISOLATION", mode)]).await;
        let mut counts = Vec::new();
        for _ in 0..3 {
            counts.push(
                function.invoke_json(json!({"action": "count"})).await.expect_ok()["count"]
                    .as_u64()
                    .unwrap(),
            );
        }
        assert_eq!(counts, expected, "{mode}");
        function.assert_one_process();
    }
}
