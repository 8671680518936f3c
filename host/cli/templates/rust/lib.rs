//! `{"name": "Ada"}` in, `{"message": "Hello, Ada!", "request_id": "..."}` out.

use lambda_wasm_sdk::{Error, LambdaEvent};
use serde::{Deserialize, Serialize};

/// The event.
#[derive(Debug, Default, Deserialize)]
pub struct Request {
    /// Who to greet; `world` when absent.
    #[serde(default)]
    pub name: Option<String>,
}

/// The response.
#[derive(Debug, Serialize)]
pub struct Response {
    /// The greeting.
    pub message: String,
    /// The invocation's request id, to find it in the logs.
    pub request_id: String,
}

/// The handler.
pub fn handle(event: LambdaEvent<Request>) -> Result<Response, Error> {
    let name = event.payload.name.as_deref().unwrap_or("world");
    lambda_wasm_sdk::info!("greeting {name}");
    Ok(Response {
        message: format!("Hello, {name}!"),
        request_id: event.context.request_id,
    })
}

lambda_wasm_sdk::handler!(handle);

#[cfg(test)]
mod tests {
    use lambda_wasm_sdk::{Context, FromPayload};

    use super::*;

    #[test]
    fn greets_by_name() -> Result<(), Error> {
        let request = Request::from_payload(br#"{"name": "Ada"}"#.to_vec())?;
        let response = handle(LambdaEvent::new(request, Context::default()))?;
        assert_eq!(response.message, "Hello, Ada!");
        Ok(())
    }
}
