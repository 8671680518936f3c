//! Streams a greeting word by word: `{"name": "Ada"}` in, `Hello, Ada!` out as `text/plain`, each word written
//! as soon as it is ready (a Function URL or InvokeWithResponseStream shows them as they come).

use lambda_wasm_sdk::{Error, LambdaEvent, ResponseStream};
use serde::Deserialize;

/// The event.
#[derive(Debug, Default, Deserialize)]
pub struct Request {
    /// Who to greet; `world` when absent.
    #[serde(default)]
    pub name: Option<String>,
}

/// The handler: sets the content type, then writes each word.
pub fn handle(event: LambdaEvent<Request>, out: &mut ResponseStream) -> Result<(), Error> {
    let name = event.payload.name.as_deref().unwrap_or("world");
    out.set_content_type("text/plain; charset=utf-8")?;
    for word in ["Hello, ", name, "!\n"] {
        out.write(word.as_bytes())?;
    }
    Ok(())
}

lambda_wasm_sdk::streaming_handler!(handle);

#[cfg(test)]
mod tests {
    use lambda_wasm_sdk::{Context, FromPayload};

    use super::*;

    #[test]
    fn streams_the_greeting_word_by_word() -> Result<(), Error> {
        let request = Request::from_payload(br#"{"name": "Ada"}"#.to_vec())?;
        let mut out = ResponseStream::collecting();
        handle(LambdaEvent::new(request, Context::default()), &mut out)?;
        assert_eq!(out.body(), b"Hello, Ada!\n");
        assert_eq!(out.writes().count(), 3);
        Ok(())
    }
}
