//! Fetches a URL over HTTP: `{"url": "https://checkip.amazonaws.com"}` in,
//! `{"status": 200, "body": "<the first 200 bytes>", "length": <the body's length>}` out.
//!
//! The request goes through the host's `wasi:http/outgoing-handler`, which lets it out only if the
//! function lists the URL's host in `LAMBDA_WASM_ALLOW_HTTP`; otherwise the handler fails with
//! `Http.Denied` (see README.md).

use std::time::Duration;

use lambda_wasm_sdk::{Error, LambdaEvent, http};
use serde::{Deserialize, Serialize};

/// How much of the body the response shows.
pub const PREVIEW_BYTES: usize = 200;

/// The most the whole exchange may take (the host also cuts it at the invocation's deadline).
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// The event.
#[derive(Debug, Deserialize)]
pub struct Request {
    /// What to fetch: an absolute `http://` or `https://` URL.
    pub url: String,
}

/// The response.
#[derive(Debug, Serialize)]
pub struct Response {
    /// The HTTP status the server answered (a 404 is a response too, not an error).
    pub status: u16,
    /// The first [`PREVIEW_BYTES`] bytes of the body, as text (invalid UTF-8 shows as `U+FFFD`).
    pub body: String,
    /// The whole body's length in bytes.
    pub length: usize,
}

/// GETs the URL and previews what came back.
pub fn fetch(event: LambdaEvent<Request>) -> Result<Response, Error> {
    let url = &event.payload.url;
    lambda_wasm_sdk::info!("fetching {url}");
    let response = http::Request::new(http::Method::Get, url)
        .header("user-agent", "lambda-wasm-rust-fetch/0.1")
        .timeout(TIMEOUT)
        .send()?;
    let preview = &response.body[..response.body.len().min(PREVIEW_BYTES)];
    Ok(Response {
        status: response.status,
        body: String::from_utf8_lossy(preview).into_owned(),
        length: response.body.len(),
    })
}

lambda_wasm_sdk::handler!(fetch);

#[cfg(test)]
mod tests {
    use lambda_wasm_sdk::{Context, FromPayload};

    use super::*;

    fn event(url: &str) -> LambdaEvent<Request> {
        LambdaEvent::new(Request { url: url.to_owned() }, Context::default())
    }

    // Natively nothing is sent, so only the error path can be checked here; README.md shows how to
    // run the component for real.
    #[test]
    fn natively_requests_fail_with_an_http_error() {
        let error = fetch(event("https://checkip.amazonaws.com")).err();
        assert_eq!(error.as_ref().map(Error::error_type), Some(http::ERROR));
        let message = error.map(|e| e.message().to_owned()).unwrap_or_default();
        assert!(
            message.starts_with("outbound HTTP needs the wasm host"),
            "{message}"
        );
    }

    #[test]
    fn urls_it_cannot_fetch_are_refused_with_a_reason() {
        let error = fetch(event("ftp://example.com/file")).err();
        assert_eq!(error.as_ref().map(Error::error_type), Some(http::ERROR));
        assert!(error.is_some_and(|e| e.message().contains("only http:// and https://")));
    }

    #[test]
    fn the_sample_event_decodes() -> Result<(), Error> {
        let request = Request::from_payload(include_bytes!("../event.json").to_vec())?;
        assert_eq!(request.url, "https://checkip.amazonaws.com");
        Ok(())
    }
}
