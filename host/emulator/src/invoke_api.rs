//! The invoke endpoint:
//! - `POST /2015-03-31/functions/{function}/invocations`, compatible with AWS's runtime interface
//!   emulator and answered like Lambda's Invoke API; a streamed response is gathered whole (bounded by the
//!   streamed limit) and, for an HTTP-integration response, given without its prelude;
//! - `POST /2021-11-15/functions/{function}/response-streaming-invocations` (InvokeWithResponseStream),
//!   answered as an event stream (see `event_stream.rs`);
//! - any method on `/lambda-url/{function}/...`, a Function URL (see `function_url`).
//!
//! Any function name is accepted: the emulator runs one function.

use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
use bytes::{Bytes, BytesMut};
use hyper::body::Incoming;
use hyper::header::{HeaderMap, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};
use tokio::sync::mpsc;

use crate::config::MAX_EVENT_BYTES;
use crate::error::ApiError;
use crate::headers::{CALLER_CLIENT_CONTEXT as CLIENT_CONTEXT, EXECUTED_VERSION, FUNCTION_ERROR};
use crate::invocation;
use crate::messages::Queued;
use crate::reply::{FunctionError, Piece, PieceSource, Reply, next_piece};
use crate::sandbox::Sandbox;
use crate::server::{Body, BodyError, error_response, read_body, respond};

/// The invoke endpoint's routes.
#[derive(Debug, PartialEq, Eq)]
enum Route {
    /// `POST /2015-03-31/functions/{name}/invocations` (RIE's name is `function`).
    Invoke,
    /// `POST /2021-11-15/functions/{name}/response-streaming-invocations`.
    InvokeStreaming,
    /// `/lambda-url/{name}[/{path}]`, any method.
    FunctionUrl,
}

/// Maps a method and path to its route: the whole invoke endpoint in one place.
fn route(method: &Method, path: &str) -> Option<Route> {
    if crate::function_url::split_path(path).is_some() {
        return Some(Route::FunctionUrl);
    }
    let name_between = |prefix: &str, suffix: &str| {
        path.strip_prefix(prefix)
            .and_then(|rest| rest.strip_suffix(suffix))
            .is_some_and(|name| !name.is_empty() && !name.contains('/'))
    };
    if *method != Method::POST {
        None
    } else if name_between("/2015-03-31/functions/", "/invocations") {
        Some(Route::Invoke)
    } else if name_between("/2021-11-15/functions/", "/response-streaming-invocations") {
        Some(Route::InvokeStreaming)
    } else {
        None
    }
}

/// Answers one request to the invoke endpoint.
pub(crate) async fn routes(sandbox: Arc<Sandbox>, request: Request<Incoming>) -> Response<Body> {
    let route = route(request.method(), request.uri().path());
    if route == Some(Route::FunctionUrl) {
        return crate::function_url::invoke(&sandbox, request).await;
    }
    let (parts, body) = request.into_parts();
    let invocation = match route {
        Some(_) => read_invocation(&parts.headers, body).await,
        None => Err(ApiError::NotFound(format!(
            "{} {}",
            parts.method,
            parts.uri.path()
        ))),
    };
    let invocation = match invocation {
        Ok(invocation) => invocation,
        Err(error) => return error_response(&error),
    };
    let mut response = if route == Some(Route::InvokeStreaming) {
        let reply = invocation::start(&sandbox, invocation);
        crate::event_stream::respond(PieceSource::Waiting(reply))
    } else {
        answer(invocation::invoke(&sandbox, invocation).await).await
    };
    response
        .headers_mut()
        .insert(EXECUTED_VERSION, HeaderValue::from_static("$LATEST"));
    response
}

/// Reads the event and the invoke headers into an invocation with a new request id.
async fn read_invocation(headers: &HeaderMap, body: Incoming) -> Result<Queued, ApiError> {
    let client_context = headers.get(CLIENT_CONTEXT).map(client_context).transpose()?;
    let event = match read_body(headers, body, MAX_EVENT_BYTES).await {
        Ok(event) => event,
        Err(BodyError::TooLarge) => return Err(ApiError::EventTooLarge),
        Err(BodyError::Broken(reason)) => return Err(ApiError::BadBody(reason)),
    };
    Ok(Queued::new(
        crate::ids::request_id(),
        event,
        headers,
        client_context,
    ))
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
/// A streamed response is gathered whole first.
async fn answer(reply: Reply) -> Response<Body> {
    let json = HeaderValue::from_static("application/json");
    let gathered = match reply {
        Reply::Whole { body, content_type } => Ok((body, content_type)),
        Reply::Failed(error) => Err(error),
        Reply::Stream { content_type, pieces } => gather(content_type, pieces).await,
    };
    match gathered {
        Ok((body, content_type)) => respond(StatusCode::OK, content_type.unwrap_or(json), body),
        Err(error) => {
            let mut response = respond(StatusCode::OK, json, error.body);
            response
                .headers_mut()
                .insert(FUNCTION_ERROR, HeaderValue::from_static("Unhandled"));
            response
        }
    }
}

/// Reads a streamed response to its end (it is bounded by the streamed limit): its payload, without an
/// HTTP-integration prelude, and its content type (the prelude's, for an HTTP-integration response).
async fn gather(
    mut content_type: Option<HeaderValue>,
    mut pieces: mpsc::Receiver<Piece>,
) -> Result<(Bytes, Option<HeaderValue>), FunctionError> {
    let mut body = BytesMut::new();
    loop {
        match next_piece(&mut pieces).await {
            Piece::Prelude { prelude, .. } => content_type = prelude.content_type(),
            Piece::Data(data) => body.extend_from_slice(&data),
            Piece::End => return Ok((body.freeze(), content_type)),
            Piece::Failed(error) => return Err(error),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invoke_paths() {
        let post = |path: &str| route(&Method::POST, path);
        assert_eq!(
            post("/2015-03-31/functions/function/invocations"),
            Some(Route::Invoke)
        );
        assert_eq!(
            post("/2015-03-31/functions/my-fn/invocations"),
            Some(Route::Invoke)
        );
        assert_eq!(post("/2015-03-31/functions//invocations"), None);
        assert_eq!(post("/2015-03-31/functions/a/b/invocations"), None);
        assert_eq!(post("/2018-06-01/runtime/invocation/next"), None);
        assert_eq!(
            post("/2021-11-15/functions/fn/response-streaming-invocations"),
            Some(Route::InvokeStreaming)
        );
        assert_eq!(route(&Method::GET, "/2015-03-31/functions/fn/invocations"), None);
        assert_eq!(route(&Method::GET, "/lambda-url/fn"), Some(Route::FunctionUrl));
        assert_eq!(
            route(&Method::DELETE, "/lambda-url/fn/a/b"),
            Some(Route::FunctionUrl)
        );
        assert_eq!(route(&Method::GET, "/lambda-url/"), None);
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
