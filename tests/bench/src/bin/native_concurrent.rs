//! The native peer of the Managed Instances table: AWS's `lambda_runtime::run_concurrent` (N tokio pollers in one
//! process when `AWS_LAMBDA_MAX_CONCURRENCY` is set), with the same work as the guests: `{"sleep_ms": n}` waits
//! (without blocking a thread, as a Rust function calling an API would), `{"burn": n}` spins.

use std::time::Duration;

use lambda_runtime::{Error, LambdaEvent, service_fn};
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::run_concurrent(service_fn(|event: LambdaEvent<Value>| async move {
        if let Some(ms) = event.payload.get("sleep_ms").and_then(Value::as_u64) {
            tokio::time::sleep(Duration::from_millis(ms)).await;
        }
        if let Some(rounds) = event.payload.get("burn").and_then(Value::as_u64) {
            let mut x: u64 = 1;
            for i in 0..rounds {
                x = std::hint::black_box(x.wrapping_mul(6364136223846793005).wrapping_add(i));
            }
            std::hint::black_box(x);
        }
        Ok::<Value, Error>(event.payload)
    }))
    .await
}
