//! Handlers in Python, JavaScript, TypeScript and C through the real bootstrap and the emulator: the hello
//! contract, a typed error, log lines with the request id, and each one's cold start, measured and printed.
//! The components are built from source by `examples/build-all.sh` (`make test` runs it first).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::json;

use crate::harness::{Function, next_data, workspace_binary};

const MINUTE: Duration = Duration::from_secs(60);

/// `target/wasm-guests/<name>.wasm`, as `examples/build-all.sh` writes it.
pub fn built(name: &str) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let path = root
        .join("target")
        .join("wasm-guests")
        .join(format!("{name}.wasm"));
    assert!(
        path.is_file(),
        "{} is missing: run examples/build-all.sh (make test does)",
        path.display()
    );
    path
}

/// Precompiles a component into a fresh task root, as a deployment does (large components must be: compiling
/// them at INIT would not fit Lambda's 10 s init limit).
pub async fn precompiled(name: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let cwasm = dir.path().join("handler.cwasm");
    let output = tokio::process::Command::new(workspace_binary("lambda-wasm"))
        .args([
            "compile",
            built(name).to_str().unwrap(),
            "-o",
            cwasm.to_str().unwrap(),
        ])
        .output()
        .await
        .unwrap();
    assert!(
        output.status.success(),
        "compile {name}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    (dir, cwasm)
}

/// The hello contract every example implements, and its cold start.
async fn hello_contract(name: &str) {
    let (_dir, cwasm) = precompiled(name).await;
    let started = Instant::now();
    let function = Function::with(&cwasm, &[], MINUTE).await;
    let body = function.invoke_json(json!({"name": "Ada"})).await.expect_ok();
    let cold = started.elapsed();
    let warm_started = Instant::now();
    let world = function.invoke_json(json!({})).await.expect_ok();
    let warm = warm_started.elapsed();
    println!(
        "cold start {name}: {:.1} ms (process spawn to first answer, precompiled); warm: {:.2} ms",
        cold.as_secs_f64() * 1e3,
        warm.as_secs_f64() * 1e3
    );
    assert_eq!(body["message"], "Hello, Ada!", "{body}");
    assert_eq!(world["message"], "Hello, world!", "{world}");
    let request_id = body["request_id"].as_str().unwrap_or_default().to_owned();
    assert_eq!(request_id.len(), 36, "{body}");
    let error = function
        .invoke_json(json!({"fail": "no name today"}))
        .await
        .expect_error("ValidationError");
    assert_eq!(error["errorMessage"], "no name today");
    assert!(
        error["stackTrace"].as_array().is_some_and(|t| !t.is_empty()),
        "{error}"
    );
    let logs = function.logs();
    assert!(
        logs.iter()
            .any(|l| l.contains(&request_id) && l.contains("greeting Ada")),
        "no log line of the handler with its request id {request_id}: {logs:#?}"
    );
    function.assert_one_process();
}

#[tokio::test]
async fn python_hello() {
    hello_contract("python-hello").await;
}

#[tokio::test]
async fn javascript_hello() {
    hello_contract("js-hello").await;
}

#[tokio::test]
async fn typescript_hello() {
    hello_contract("ts-hello").await;
}

#[tokio::test]
async fn c_hello() {
    hello_contract("c-hello").await;
}

#[tokio::test]
async fn c_hello_compiles_at_init_as_a_plain_wasm() {
    let function = Function::with(&built("c-hello"), &[], MINUTE).await;
    let body = function.invoke_json(json!({"name": "Ada"})).await.expect_ok();
    assert_eq!(body["message"], "Hello, Ada!");
}

#[tokio::test]
async fn python_streams_tokens_through_a_function_url() {
    let (_dir, cwasm) = precompiled("python-streaming").await;
    let function = Function::with(&cwasm, &[], MINUTE).await;
    let response = function
        .request("GET", "/lambda-url/function/chat?prompt=why%20stream", "")
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "text/plain; charset=utf-8");
    assert_eq!(response.headers()["x-streamed-by"], "lambda-wasm");
    let mut body = response.into_body();
    let mut chunks = Vec::new();
    while let Some(data) = next_data(&mut body).await {
        chunks.push(data);
    }
    let text: String = chunks
        .iter()
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect();
    assert!(text.contains("why stream"), "{text}");
    assert!(
        chunks.len() > 3,
        "the reply came in {} chunks, not token by token",
        chunks.len()
    );
    let error = function
        .invoke_json(json!({"fail": "no prompt"}))
        .await
        .expect_error("ValidationError");
    assert_eq!(error["errorMessage"], "no prompt");
}

#[tokio::test]
async fn python_packages_are_bundled_and_run_without_their_native_parts() {
    let (_dir, cwasm) = precompiled("python-packages").await;
    let function = Function::with(
        &cwasm,
        &[("GREETING_SUFFIX", "<!-- read at run time -->")],
        MINUTE,
    )
    .await;
    let body = function
        .invoke_json(json!({"yaml": "name: Ada\nitems: [tea, <cake>]"}))
        .await
        .expect_ok();
    assert_eq!(
        body["html"],
        "<p>Hello Ada!</p><ul><li>tea</li><li>&lt;cake&gt;</li></ul><!-- read at run time -->"
    );
    assert_eq!(body["yaml_native"], false, "PyYAML's native binding was left out");
    function
        .invoke_json(json!({}))
        .await
        .expect_error("ValidationError");
}

/// Runs the Python SDK's build on an app written here; returns whether it succeeded and what it printed.
async fn python_build(app: &str, requirements: &str) -> (bool, String) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("app.py"), app).unwrap();
    if !requirements.is_empty() {
        std::fs::write(dir.path().join("requirements.txt"), requirements).unwrap();
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let output = tokio::process::Command::new(root.join("guest-sdk/python/build.sh"))
        .arg(dir.path())
        .args(["app", "handler"])
        .arg(dir.path().join("app.wasm"))
        .output()
        .await
        .unwrap();
    let said = String::from_utf8_lossy(&output.stderr).into_owned();
    (output.status.success(), said)
}

#[tokio::test]
async fn a_package_that_needs_its_native_part_fails_the_build_naming_it() {
    let app = "import pydantic\nimport lambda_wasm\n\ndef h(event, context):\n    return event\n\nWitWorld = lambda_wasm.handler(h)\n";
    let (built, said) = python_build(app, "pydantic==2.11.7\n").await;
    assert!(!built, "{said}");
    assert!(
        said.contains("`pydantic_core` needs its native extension"),
        "{said}"
    );
}

#[tokio::test]
async fn the_build_never_bundles_the_machines_own_packages() {
    // pip is in the build machine's site-packages, and not listed by the app: the build must not find it.
    let app = "import pip\nimport lambda_wasm\n\ndef h(event, context):\n    return event\n\nWitWorld = lambda_wasm.handler(h)\n";
    let (built, said) = python_build(app, "").await;
    assert!(!built, "an unlisted package of the machine was bundled: {said}");
    assert!(
        said.contains("`pip` is not importable in the component"),
        "{said}"
    );
}

#[tokio::test]
async fn the_packages_app_without_its_requirements_fails_to_build_naming_the_package() {
    // examples/python-packages' own app.py, without requirements.txt beside it.
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let app = std::fs::read_to_string(root.join("examples/python-packages/app.py")).unwrap();
    let (built, said) = python_build(&app, "").await;
    assert!(!built, "built without its packages: {said}");
    assert!(
        said.contains("`jinja2` is not importable in the component"),
        "{said}"
    );
}

/// The whole body of a Function URL request, and its status.
async fn url_request(function: &Function, method: &str, path: &str, body: &str) -> (u16, serde_json::Value) {
    url_request_with(function, method, path, &[], body).await
}

/// Like [`url_request`], with request headers.
async fn url_request_with(
    function: &Function,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (u16, serde_json::Value) {
    let response = function
        .request_with(
            method,
            &format!("/lambda-url/function{path}"),
            headers,
            body.to_owned(),
        )
        .await;
    let status = response.status().as_u16();
    let mut body = response.into_body();
    let mut bytes = Vec::new();
    while let Some(data) = next_data(&mut body).await {
        bytes.extend_from_slice(&data);
    }
    (status, serde_json::from_slice(&bytes).unwrap_or_default())
}

#[tokio::test]
async fn powertools_routes_a_function_url_and_its_logs_and_metrics_pass_as_written() {
    let (_dir, cwasm) = precompiled("python-powertools-api").await;
    let env = [
        ("POWERTOOLS_SERVICE_NAME", "orders"),
        ("POWERTOOLS_METRICS_NAMESPACE", "shop"),
        ("AWS_LAMBDA_LOG_LEVEL", "ERROR"),
    ];
    let function = Function::with(&cwasm, &env, MINUTE).await;
    let (status, body) = url_request(&function, "GET", "/orders/42", "").await;
    assert_eq!((status, body), (200, json!({"id": "42", "status": "shipped"})));
    let (status, body) = url_request(&function, "POST", "/orders", r#"{"item":"tea"}"#).await;
    assert_eq!((status, body), (201, json!({"id": "o-1", "item": "tea"})));
    let (status, _) = url_request(&function, "GET", "/nope", "").await;
    assert_eq!(status, 404);
    url_request(&function, "GET", "/fail", "").await;
    let records: Vec<serde_json::Value> = function
        .logs()
        .iter()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .collect();
    // Logger's INFO records are below AWS_LAMBDA_LOG_LEVEL=ERROR; its ERROR record and the EMF document pass.
    let messages: Vec<&str> = records.iter().filter_map(|r| r["message"].as_str()).collect();
    assert!(!messages.contains(&"order read"), "{records:#?}");
    let error = records
        .iter()
        .find(|r| r["message"] == "failing on purpose")
        .expect("the ERROR record");
    assert_eq!(error["level"], "ERROR");
    assert_eq!(
        error["service"], "orders",
        "made with the function's environment, not the build's"
    );
    assert_eq!(error["requestId"].as_str().map(str::len), Some(36));
    let emf = records
        .iter()
        .find(|r| r.get("_aws").is_some())
        .expect("the EMF document");
    assert_eq!(emf["_aws"]["CloudWatchMetrics"][0]["Namespace"], "shop");
    assert_eq!(emf["OrdersCreated"], json!([1.0]));
}

#[tokio::test]
async fn middy_and_powertools_route_a_function_url_with_node_builtins() {
    let (_dir, cwasm) = precompiled("js-middy-api").await;
    let env = [
        ("TABLE_NAME", "items-table"),
        ("POWERTOOLS_SERVICE_NAME", "items"),
        ("POWERTOOLS_METRICS_NAMESPACE", "shop"),
    ];
    let function = Function::configured(&cwasm, &env, MINUTE, |config| {
        config.function_name = "items-api".to_owned();
    })
    .await;
    let (status, body) = url_request(&function, "GET", "/items/42", "").await;
    // The table's name from `process.env` and the function's from AWS's context name, both read at the call.
    assert_eq!(
        (status, body),
        (
            200,
            json!({"id": "42", "table": "items-table", "servedBy": "items-api"})
        )
    );
    let json_type = [("content-type", "application/json")];
    let (status, body) =
        url_request_with(&function, "POST", "/items", &json_type, r#"{"name":"kettle"}"#).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["name"], "kettle");
    // node:crypto's SHA-256, as Node computes it.
    assert_eq!(body["etag"], "20cd4732ae60507a");
    assert_eq!(body["id"].as_str().map(str::len), Some(36));
    // Middy's errors: a body that is not JSON is refused by the parser, an unknown route is 404.
    let (status, _) = url_request_with(&function, "POST", "/items", &json_type, "{not json").await;
    assert_eq!(status, 415);
    let (status, _) = url_request(&function, "DELETE", "/nowhere", "").await;
    assert_eq!(status, 404);
    // Powertools for TypeScript: its Logger's record and its Metrics' EMF document reach the log as written,
    // made with the function's environment (read at the first call, not at build time) and the invocation's
    // context, with the host's request id.
    let records: Vec<serde_json::Value> = function
        .logs()
        .iter()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .collect();
    let created = records
        .iter()
        .find(|r| r["message"] == "item created")
        .unwrap_or_else(|| panic!("Logger's record: {records:#?}"));
    assert_eq!(
        (&created["level"], &created["service"], &created["item"]),
        (&json!("INFO"), &json!("items"), &json!("kettle")),
        "{created}"
    );
    assert_eq!(created["function_name"], "items-api", "{created}");
    assert_eq!(created["requestId"].as_str().map(str::len), Some(36), "{created}");
    let emf = records
        .iter()
        .find(|r| r.get("_aws").is_some() && r.get("ItemsCreated").is_some())
        .unwrap_or_else(|| panic!("the EMF document: {records:#?}"));
    assert_eq!(emf["_aws"]["CloudWatchMetrics"][0]["Namespace"], "shop");
    assert_eq!(emf["service"], "items");
    function.assert_one_process();
}
