//! The `lambda-wasm` CLI as a user runs it: `serve` + `invoke` with the real bootstrap, and `emulate` around a
//! runtime no one here wrote (AWS's own `lambda_runtime` crate).

use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

use crate::harness::workspace_binary;
use lambda_wasm_tests::{BEHAVIORS, RUST_HELLO};

/// Starts `lambda-wasm <args>` on port 0 and returns it with its invoke port, read from the URL it prints.
pub(crate) async fn start_cli(args: &[&str]) -> (Child, u16) {
    let mut child = Command::new(workspace_binary("lambda-wasm"))
        .args(args)
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    // `serve` compiles a `.wasm` before it starts (a Python component: seconds).
    let port = tokio::time::timeout(Duration::from_secs(120), async {
        while let Some(line) = lines.next_line().await.unwrap() {
            if let Some(url) = line.strip_prefix("lambda-wasm: invoke URL: http://127.0.0.1:") {
                return url.split('/').next().unwrap().parse::<u16>().unwrap();
            }
        }
        panic!("lambda-wasm exited without printing its invoke URL");
    })
    .await
    .expect("no invoke URL within 120 s");
    // Keep forwarding its output so the pipe never fills.
    tokio::spawn(async move {
        while let Ok(Some(line)) = lines.next_line().await {
            println!("{line}")
        }
    });
    (child, port)
}

/// `lambda-wasm invoke --port <port> --data <data>` (bounded): whether it succeeded, and what it printed.
pub(crate) async fn invoke_cli(port: u16, data: &str) -> (bool, String) {
    let output = tokio::time::timeout(
        Duration::from_secs(60),
        Command::new(workspace_binary("lambda-wasm"))
            .args(["invoke", "--port", &port.to_string(), "--data", data])
            .output(),
    )
    .await
    .expect("invoke hung")
    .unwrap();
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
    )
}

#[tokio::test]
async fn serve_and_invoke_the_hello_example() {
    let (_serve, port) = start_cli(&["serve", RUST_HELLO.path, "--port", "0"]).await;
    let (ok, out) = invoke_cli(port, r#"{"name":"Grace"}"#).await;
    assert!(ok, "{out}");
    let body: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(body["message"], "Hello, Grace!");
}

#[tokio::test]
async fn invoke_exits_non_zero_on_a_function_error() {
    let (_serve, port) = start_cli(&["serve", BEHAVIORS.path, "--port", "0"]).await;
    let (ok, out) = invoke_cli(port, r#"{"action":"error","message":"nope"}"#).await;
    assert!(!ok, "{out}");
    let body: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(body["errorType"], "ValidationError");
}

#[tokio::test]
async fn emulate_serves_a_native_lambda_runtime_handler() {
    let native = workspace_binary("native-echo");
    let (_emulate, port) = start_cli(&["emulate", "--port", "0", "--", native.to_str().unwrap()]).await;
    for i in 0..3 {
        let event = format!(r#"{{"hello":"world","i":{i}}}"#);
        let (ok, out) = invoke_cli(port, &event).await;
        assert!(ok, "{out}");
        let body: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
        assert_eq!(body, serde_json::from_str::<serde_json::Value>(&event).unwrap());
    }
}

#[tokio::test]
async fn serve_compiles_a_python_wasm_before_init_so_it_just_works() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let wasm = root.join("target/wasm-guests/python-hello.wasm");
    assert!(
        wasm.is_file(),
        "{} is missing: run examples/build-all.sh (make test does)",
        wasm.display()
    );
    let (_serve, port) = start_cli(&["serve", wasm.to_str().unwrap(), "--port", "0"]).await;
    let (ok, out) = invoke_cli(port, r#"{"name":"Ada"}"#).await;
    assert!(ok, "{out}");
    let body: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(body["message"], "Hello, Ada!");
}
