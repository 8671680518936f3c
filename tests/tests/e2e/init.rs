//! INIT failures reach the invoker with a message naming the problem.

use std::path::Path;
use std::time::Duration;

use crate::harness::Function;
use lambda_wasm_tests::{ECHO, OTHER_WORLD};

async fn init_error(component: &Path, env: &[(&str, &str)], error_type: &str) -> String {
    let function = Function::with(component, env, Duration::from_secs(60)).await;
    let body = function.invoke("{}").await.expect_error(error_type);
    body["errorMessage"].as_str().unwrap_or_default().to_owned()
}

#[tokio::test]
async fn missing_component_file() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nowhere.wasm");
    let message = init_error(&missing, &[], "Runtime.HandlerNotFound").await;
    assert!(message.contains(&missing.display().to_string()), "{message}");
}

#[tokio::test]
async fn file_that_is_not_wasm() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("handler.wasm");
    std::fs::write(&path, "#!/bin/sh\necho not wasm\n").unwrap();
    let message = init_error(&path, &[], "Runtime.InvalidComponent").await;
    assert!(message.contains("not a WebAssembly component"), "{message}");
}

#[tokio::test]
async fn core_module_instead_of_a_component() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("module.wasm");
    std::fs::write(&path, b"\0asm\x01\0\0\0").unwrap();
    let message = init_error(&path, &[], "Runtime.InvalidComponent").await;
    assert!(
        message.contains("core WebAssembly module, not a component"),
        "{message}"
    );
}

#[tokio::test]
async fn component_of_another_world() {
    let message = init_error(Path::new(OTHER_WORLD.path), &[], "Runtime.InvalidComponent").await;
    assert!(
        message.contains("greet") && message.contains("handle"),
        "{message}"
    );
}

#[tokio::test]
async fn bad_configuration_values_name_the_variable() {
    let cases = [
        ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "lots"),
        ("LAMBDA_WASM_ISOLATION", "sideways"),
    ];
    for (variable, value) in cases {
        let message = init_error(
            Path::new(ECHO.path),
            &[(variable, value)],
            "Runtime.InvalidConfiguration",
        )
        .await;
        assert!(message.contains(variable) && message.contains(value), "{message}");
    }
}

#[tokio::test]
async fn init_error_then_the_next_invoke_inits_again() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("later.wasm");
    let function = Function::with(&path, &[], Duration::from_secs(60)).await;
    function
        .invoke("{}")
        .await
        .expect_error("Runtime.HandlerNotFound");
    std::fs::copy(ECHO.path, &path).unwrap();
    let answer = function.invoke("after the fix").await;
    assert_eq!(
        (answer.function_error.as_deref(), answer.body.as_ref()),
        (None, b"after the fix".as_slice())
    );
}
