//! Greets the caller: `{"name": "Ada"}` in, `{"message": "Hello, Ada!", "request_id": "..."}` out.
//!
//! Without a `name` it greets the world.

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

/// Builds the greeting.
pub fn hello(event: LambdaEvent<Request>) -> Result<Response, Error> {
    let name = event.payload.name.as_deref().unwrap_or("world");
    lambda_wasm_sdk::info!("greeting {name}");
    Ok(Response {
        message: format!("Hello, {name}!"),
        request_id: event.context.request_id,
    })
}

lambda_wasm_sdk::handler!(hello);

#[cfg(test)]
mod tests {
    use lambda_wasm_sdk::{Context, FromPayload};

    use super::*;

    fn context() -> Context {
        let mut context = Context::default();
        context.request_id = "test-request".to_owned();
        context
    }

    #[test]
    fn greets_by_name() -> Result<(), Error> {
        let request = Request {
            name: Some("Ada".to_owned()),
        };
        let response = hello(LambdaEvent::new(request, context()))?;
        assert_eq!(response.message, "Hello, Ada!");
        assert_eq!(response.request_id, "test-request");
        Ok(())
    }

    #[test]
    fn greets_the_world_without_a_name() -> Result<(), Error> {
        // Decoded as the component decodes it, from the event's bytes.
        let request = Request::from_payload(b"{}".to_vec())?;
        let response = hello(LambdaEvent::new(request, Context::default()))?;
        assert_eq!(response.message, "Hello, world!");
        Ok(())
    }
}
