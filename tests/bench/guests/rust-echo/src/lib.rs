//! The benchmarks' Rust guest: the event parsed as JSON and returned, the same work as the native peer on
//! `lambda_runtime`. For the Managed Instances table, an event `{"sleep_ms": n}` first waits n ms in a host call
//! (a function waiting on an API), and `{"burn": n}` first spins n rounds of arithmetic (a CPU-bound one).

use lambda_wasm_sdk::{Error, LambdaEvent};
use serde_json::Value;

fn echo(event: LambdaEvent<Value>) -> Result<Value, Error> {
    if let Some(ms) = event.payload.get("sleep_ms").and_then(Value::as_u64) {
        std::thread::sleep(std::time::Duration::from_millis(ms));
    }
    if let Some(rounds) = event.payload.get("burn").and_then(Value::as_u64) {
        let mut x: u64 = 1;
        for i in 0..rounds {
            x = std::hint::black_box(x.wrapping_mul(6364136223846793005).wrapping_add(i));
        }
        std::hint::black_box(x);
    }
    Ok(event.payload)
}

lambda_wasm_sdk::handler!(echo);
