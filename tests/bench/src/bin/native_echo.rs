//! A JSON echo on AWS's own `lambda_runtime` crate: a Runtime API client no one here wrote, so the emulator is
//! checked against more than this project's host. Also the native baseline of the benchmarks.

use lambda_runtime::{Error, LambdaEvent, service_fn};
use serde_json::Value;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    lambda_runtime::run(service_fn(|event: LambdaEvent<Value>| async move {
        Ok::<Value, Error>(event.payload)
    }))
    .await
}
