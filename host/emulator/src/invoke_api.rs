//! The invoke endpoint, compatible with AWS's runtime interface emulator:
//! `POST /2015-03-31/functions/{function}/invocations`, answered like Lambda's Invoke API.

use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
use hyper::body::Incoming;
use hyper::header::{HeaderMap, HeaderName, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};

use crate::config::MAX_EVENT_BYTES;
use crate::error::ApiError;
use crate::invocation::{self, Outcome};
use crate::sandbox::Sandbox;
use crate::server::{Body, BodyError, error_response, read_body, respond};

/// The caller's client context: base64 of a JSON object.
const CLIENT_CONTEXT: HeaderName = HeaderName::from_static("x-amz-client-context");
/// The caller's X-Ray trace header.
const TRACE_ID: HeaderName = HeaderName::from_static("x-amzn-trace-id");
/// Marks a function error in the answer (`Unhandled`), as Lambda's Invoke API does.
const FUNCTION_ERROR: HeaderName = HeaderName::from_static("x-amz-function-error");
/// The version that ran, as Lambda's Invoke API reports it.
const EXECUTED_VERSION: HeaderName = HeaderName::from_static("x-amz-executed-version");
/// A well-formed trace id, should a generated one ever fail to be a header value.
const FALLBACK_TRACE_ID: &str = "Root=1-00000000-000000000000000000000000;Parent=0000000000000000;Sampled=0";

/// Whether `path` is `/2015-03-31/functions/<any name>/invocations` (RIE's name is `function`).
fn is_invoke_path(path: &str) -> bool {
    path.strip_prefix("/2015-03-31/functions/")
        .and_then(|rest| rest.strip_suffix("/invocations"))
        .is_some_and(|name| !name.is_empty() && !name.contains('/'))
}

/// Answers one request to the invoke endpoint.
pub(crate) async fn routes(sandbox: Arc<Sandbox>, request: Request<Incoming>) -> Response<Body> {
    let (parts, body) = request.into_parts();
    if parts.method != Method::POST || !is_invoke_path(parts.uri.path()) {
        return error_response(&ApiError::NotFound(format!(
            "{} {}",
            parts.method,
            parts.uri.path()
        )));
    }
    match invoke(&sandbox, &parts.headers, body).await {
        Ok(outcome) => answer(outcome),
        Err(error) => error_response(&error),
    }
}

/// Reads the event and runs the invocation.
async fn invoke(sandbox: &Sandbox, headers: &HeaderMap, body: Incoming) -> Result<Outcome, ApiError> {
    let client_context = headers.get(CLIENT_CONTEXT).map(client_context).transpose()?;
    let trace_id = match headers.get(TRACE_ID) {
        Some(trace_id) => trace_id.clone(),
        // A fresh id is hex, digits and punctuation: always a valid header value.
        None => HeaderValue::from_str(&crate::ids::trace_id())
            .unwrap_or(HeaderValue::from_static(FALLBACK_TRACE_ID)),
    };
    let event = match read_body(headers, body, MAX_EVENT_BYTES).await {
        Ok(event) => event,
        Err(BodyError::TooLarge) => return Err(ApiError::EventTooLarge),
        Err(BodyError::Broken(reason)) => return Err(ApiError::BadBody(reason)),
    };
    Ok(invocation::run(sandbox, event, trace_id, client_context).await)
}

/// Decodes `X-Amz-Client-Context` into the JSON passed as `Lambda-Runtime-Client-Context`: as decoded,
/// or re-serialized compactly when the decoded text cannot be a header value (a newline in it, say).
fn client_context(encoded: &HeaderValue) -> Result<HeaderValue, ApiError> {
    let encoded = encoded.as_bytes();
    let decoded = STANDARD
        .decode(encoded)
        .or_else(|_| STANDARD_NO_PAD.decode(encoded))
        .map_err(|_| ApiError::InvalidClientContext)?;
    let json: serde_json::Value =
        serde_json::from_slice(&decoded).map_err(|_| ApiError::InvalidClientContext)?;
    if !json.is_object() {
        return Err(ApiError::InvalidClientContext);
    }
    HeaderValue::from_bytes(&decoded)
        .or_else(|_| HeaderValue::from_str(&json.to_string()))
        .map_err(|_| ApiError::InvalidClientContext)
}

/// The Invoke API's answer: 200 either way, a function error marked `X-Amz-Function-Error: Unhandled`.
fn answer(outcome: Outcome) -> Response<Body> {
    let json = HeaderValue::from_static("application/json");
    let mut response = match outcome {
        Outcome::Success { body, content_type } => {
            respond(StatusCode::OK, content_type.unwrap_or(json), body)
        }
        Outcome::Unhandled(body) => {
            let mut response = respond(StatusCode::OK, json, body);
            response
                .headers_mut()
                .insert(FUNCTION_ERROR, HeaderValue::from_static("Unhandled"));
            response
        }
    };
    response
        .headers_mut()
        .insert(EXECUTED_VERSION, HeaderValue::from_static("$LATEST"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invoke_paths() {
        assert!(is_invoke_path("/2015-03-31/functions/function/invocations"));
        assert!(is_invoke_path("/2015-03-31/functions/my-fn/invocations"));
        assert!(!is_invoke_path("/2015-03-31/functions//invocations"));
        assert!(!is_invoke_path("/2015-03-31/functions/a/b/invocations"));
        assert!(!is_invoke_path("/2018-06-01/runtime/invocation/next"));
    }

    #[test]
    fn client_context_is_decoded_and_checked() {
        let encoded = HeaderValue::from_static("eyJjdXN0b20iOiB7ImEiOiAxfX0="); // {"custom": {"a": 1}}
        assert_eq!(
            client_context(&encoded).ok(),
            Some(HeaderValue::from_static(r#"{"custom": {"a": 1}}"#))
        );
        let multiline = HeaderValue::from_static("eyJhIjoKMX0"); // {"a":\n1} without padding
        assert_eq!(
            client_context(&multiline).ok(),
            Some(HeaderValue::from_static(r#"{"a":1}"#))
        );
        assert!(client_context(&HeaderValue::from_static("not base64!")).is_err());
        assert!(client_context(&HeaderValue::from_static("WzFd")).is_err()); // [1]: not an object
    }
}
