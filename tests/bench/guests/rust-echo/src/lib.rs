//! The benchmarks' Rust guest: the event parsed as JSON and returned, the same work as the native peer on
//! `lambda_runtime`.

use lambda_wasm_sdk::{Error, LambdaEvent};
use serde_json::Value;

fn echo(event: LambdaEvent<Value>) -> Result<Value, Error> {
    Ok(event.payload)
}

lambda_wasm_sdk::handler!(echo);
