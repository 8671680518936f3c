//! The Runtime API (`/2018-06-01/runtime/...`) the bootstrap talks to, and the part of the Extensions API
//! (`/2020-01-01/extension/...`) an internal extension needs: `register` and `event/next`. Every route is listed
//! in [`route`]; status codes and headers follow `RUNTIME-API.md`.

use std::sync::Arc;

use bytes::Bytes;
use hyper::body::Incoming;
use hyper::header::{CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};

use crate::config::MAX_RESPONSE_BYTES;
use crate::error::{ApiError, is_valid_error_type};
use crate::headers::{
    CLIENT_CONTEXT, DEADLINE_MS, EXTENSION_IDENTIFIER, EXTENSION_NAME, FUNCTION_ERROR_TYPE, INVOCATION_ID,
    INVOKED_FUNCTION_ARN, REQUEST_ID, RESPONSE_MODE, TENANT_ID, TRACE_ID, echoed_invocation_id,
};
use crate::messages::Answer;
use crate::reply::FunctionError;
use crate::sandbox::{HandOut, Sandbox};
use crate::server::{Body, BodyError, error_response, json, read_body, respond};

/// The API version prefix of every route.
const PREFIX: &str = "/2018-06-01/runtime/";

/// The Extensions API's prefix.
const EXTENSION_PREFIX: &str = "/2020-01-01/extension/";

/// What the Runtime API can be asked.
enum Route<'a> {
    /// `POST /2020-01-01/extension/register`.
    RegisterExtension,
    /// `GET /2020-01-01/extension/event/next`.
    ExtensionNext,
    /// `GET /runtime/invocation/next`.
    Next,
    /// `POST /runtime/invocation/{id}/response`.
    Response(&'a str),
    /// `POST /runtime/invocation/{id}/error`.
    Error(&'a str),
    /// `POST /runtime/init/error`.
    InitError,
}

/// Maps a method and path to its route: the whole Runtime API in one place.
fn route<'a>(method: &Method, path: &'a str) -> Option<Route<'a>> {
    if let Some(rest) = path.strip_prefix(EXTENSION_PREFIX) {
        return match (method, rest) {
            (&Method::POST, "register") => Some(Route::RegisterExtension),
            (&Method::GET, "event/next") => Some(Route::ExtensionNext),
            _ => None,
        };
    }
    let rest = path.strip_prefix(PREFIX)?;
    if *method == Method::GET && rest == "invocation/next" {
        return Some(Route::Next);
    }
    if *method != Method::POST {
        return None;
    }
    if rest == "init/error" {
        return Some(Route::InitError);
    }
    let (id, action) = rest.strip_prefix("invocation/")?.split_once('/')?;
    if id.is_empty() {
        return None;
    }
    match action {
        "response" => Some(Route::Response(id)),
        "error" => Some(Route::Error(id)),
        _ => None,
    }
}

/// Answers one Runtime API request.
pub(crate) async fn routes(sandbox: Arc<Sandbox>, request: Request<Incoming>) -> Response<Body> {
    let (parts, body) = request.into_parts();
    let result = match route(&parts.method, parts.uri.path()) {
        Some(Route::Next) => next(&sandbox).await,
        Some(Route::Response(id)) => response(&sandbox, id, &parts.headers, body).await,
        Some(Route::Error(id)) => error(&sandbox, id, &parts.headers, body).await,
        Some(Route::InitError) => init_error(&sandbox, &parts.headers, body).await,
        Some(Route::RegisterExtension) => register_extension(&sandbox, &parts.headers),
        Some(Route::ExtensionNext) => extension_next(&sandbox, &parts.headers).await,
        None => Err(ApiError::NotFound(format!(
            "{} {}",
            parts.method,
            parts.uri.path()
        ))),
    };
    result.unwrap_or_else(|error| error_response(&error))
}

/// `GET /next`: long-polls (no timeout) until an invocation is queued, then hands it out.
async fn next(sandbox: &Sandbox) -> Result<Response<Body>, ApiError> {
    // The generation at arrival: a poller left over from a replaced bootstrap must not take an event.
    let generation = sandbox.generation();
    let HandOut {
        invocation,
        deadline_ms,
    } = sandbox.next(generation).await?;
    let mut response = respond(
        StatusCode::OK,
        HeaderValue::from_static("application/json"),
        invocation.event,
    );
    let headers = response.headers_mut();
    // A UUID, digits and an ARN made of the function name are valid header values; a name that is not
    // (a control character in it) leaves the header out rather than failing the invocation.
    insert(
        headers,
        REQUEST_ID,
        HeaderValue::from_str(&invocation.request_id).ok(),
    );
    insert(headers, DEADLINE_MS, Some(HeaderValue::from(deadline_ms)));
    insert(
        headers,
        INVOKED_FUNCTION_ARN,
        HeaderValue::from_str(&sandbox.settings.function_arn).ok(),
    );
    insert(headers, TRACE_ID, Some(invocation.trace_id));
    insert(headers, CLIENT_CONTEXT, invocation.client_context);
    insert(headers, TENANT_ID, invocation.tenant_id);
    insert(
        headers,
        INVOCATION_ID,
        HeaderValue::from_str(&invocation.invocation_id).ok(),
    );
    Ok(response)
}

/// `POST /extension/register`: an extension of the bootstrap registers during its init phase. Any event list
/// is taken (the emulator sends none: an internal extension gets no events, and SHUTDOWN is not emulated).
fn register_extension(sandbox: &Sandbox, headers: &HeaderMap) -> Result<Response<Body>, ApiError> {
    let named = headers
        .get(EXTENSION_NAME)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|name| !name.trim().is_empty());
    if !named {
        return Err(ApiError::BadBody(format!("{EXTENSION_NAME} is missing")));
    }
    let id = sandbox.register_extension()?;
    let body = serde_json::json!({
        "functionName": sandbox.settings.function_name,
        "functionVersion": "$LATEST",
        "handler": sandbox
            .settings
            .extra_env
            .iter()
            .rev()
            .find(|(name, _)| name == "_HANDLER")
            .map(|(_, value)| value.as_str())
            .unwrap_or_default(),
    });
    let mut response = json(StatusCode::OK, Bytes::from(body.to_string()));
    insert(
        response.headers_mut(),
        EXTENSION_IDENTIFIER,
        HeaderValue::from_str(&id).ok(),
    );
    Ok(response)
}

/// `GET /extension/event/next`: held until the bootstrap goes away (the emulator emits no extension events).
async fn extension_next(sandbox: &Sandbox, headers: &HeaderMap) -> Result<Response<Body>, ApiError> {
    let id = headers
        .get(EXTENSION_IDENTIFIER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if !sandbox.is_extension(id) {
        return Err(ApiError::InvalidStateTransition("unknown extension identifier"));
    }
    std::future::pending().await
}

/// Adds a header when there is a value.
fn insert(headers: &mut HeaderMap, name: HeaderName, value: Option<HeaderValue>) {
    if let Some(value) = value {
        headers.insert(name, value);
    }
}

/// `POST /{id}/response`: the function's result.
async fn response(
    sandbox: &Sandbox,
    id: &str,
    headers: &HeaderMap,
    body: Incoming,
) -> Result<Response<Body>, ApiError> {
    if response_mode(headers)? == Mode::Streaming {
        return crate::stream::receive(sandbox, id, headers, body)
            .await
            .map(|()| accepted());
    }
    let invocation_id = echoed_invocation_id(headers);
    sandbox.check_answerable(id, invocation_id)?;
    let content_type = headers.get(CONTENT_TYPE).cloned();
    match read_body(headers, body, MAX_RESPONSE_BYTES).await {
        Ok(body) => sandbox
            .answer(id, invocation_id, Answer::Response { body, content_type })
            .map(|()| accepted()),
        Err(BodyError::TooLarge) => {
            // The caller learns it as Function.ResponseSizeTooLarge; a later /error gets 403.
            let _ = sandbox.answer(id, invocation_id, Answer::TooLarge);
            Err(ApiError::ResponseTooLarge(MAX_RESPONSE_BYTES))
        }
        Err(BodyError::Broken(reason)) => Err(ApiError::BadBody(reason)),
    }
}

/// How a `/response` body is sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    /// Whole, at most 6 MiB + 100 bytes (no `Lambda-Runtime-Function-Response-Mode`).
    Buffered,
    /// Chunked, passed on as it arrives (see `stream.rs`).
    Streaming,
}

/// The one place response modes are decided: buffered (no header) or `streaming`; anything else is
/// invalid (400).
fn response_mode(headers: &HeaderMap) -> Result<Mode, ApiError> {
    match headers.get(RESPONSE_MODE) {
        None => Ok(Mode::Buffered),
        Some(mode) if mode.as_bytes() == b"streaming" => Ok(Mode::Streaming),
        Some(mode) => Err(ApiError::InvalidResponseMode(
            String::from_utf8_lossy(mode.as_bytes()).into_owned(),
        )),
    }
}

/// `POST /{id}/error`: a function or runtime error, passed to the caller as posted.
async fn error(
    sandbox: &Sandbox,
    id: &str,
    headers: &HeaderMap,
    body: Incoming,
) -> Result<Response<Body>, ApiError> {
    let invocation_id = echoed_invocation_id(headers);
    sandbox.check_answerable(id, invocation_id)?;
    let answer = read_error(headers, body).await?;
    sandbox.answer(id, invocation_id, answer).map(|()| accepted())
}

/// `POST /init/error`: init failed; the waiting caller gets the posted error.
async fn init_error(
    sandbox: &Sandbox,
    headers: &HeaderMap,
    body: Incoming,
) -> Result<Response<Body>, ApiError> {
    let answer = read_error(headers, body).await?;
    sandbox.init_error(answer).map(|()| accepted())
}

/// Reads an error body and its `Lambda-Runtime-Function-Error-Type`.
async fn read_error(headers: &HeaderMap, body: Incoming) -> Result<Answer, ApiError> {
    let error_type = headers
        .get(FUNCTION_ERROR_TYPE)
        .and_then(|value| value.to_str().ok())
        .filter(|name| is_valid_error_type(name))
        .map(str::to_owned);
    match read_body(headers, body, MAX_RESPONSE_BYTES).await {
        Ok(body) => Ok(Answer::Error(FunctionError::posted(body, error_type))),
        Err(BodyError::TooLarge) => Err(ApiError::ResponseTooLarge(MAX_RESPONSE_BYTES)),
        Err(BodyError::Broken(reason)) => Err(ApiError::BadBody(reason)),
    }
}

/// 202 `{"status":"OK"}`.
fn accepted() -> Response<Body> {
    json(StatusCode::ACCEPTED, Bytes::from_static(br#"{"status":"OK"}"#))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routing() {
        let route_of = |method: Method, path: &str| match route(&method, path) {
            Some(Route::Next) => "next".to_owned(),
            Some(Route::Response(id)) => format!("response {id}"),
            Some(Route::Error(id)) => format!("error {id}"),
            Some(Route::InitError) => "init".to_owned(),
            Some(Route::RegisterExtension) => "register".to_owned(),
            Some(Route::ExtensionNext) => "extension next".to_owned(),
            None => "none".to_owned(),
        };
        assert_eq!(
            route_of(Method::GET, "/2018-06-01/runtime/invocation/next"),
            "next"
        );
        assert_eq!(
            route_of(Method::POST, "/2018-06-01/runtime/invocation/abc/response"),
            "response abc"
        );
        assert_eq!(
            route_of(Method::POST, "/2018-06-01/runtime/invocation/abc/error"),
            "error abc"
        );
        assert_eq!(route_of(Method::POST, "/2018-06-01/runtime/init/error"), "init");
        assert_eq!(
            route_of(Method::POST, "/2020-01-01/extension/register"),
            "register"
        );
        assert_eq!(
            route_of(Method::GET, "/2020-01-01/extension/event/next"),
            "extension next"
        );
        assert_eq!(route_of(Method::GET, "/2020-01-01/extension/register"), "none");
        assert_eq!(
            route_of(Method::POST, "/2018-06-01/runtime/invocation/next"),
            "none"
        );
        assert_eq!(
            route_of(Method::POST, "/2018-06-01/runtime/invocation//response"),
            "none"
        );
        assert_eq!(
            route_of(Method::POST, "/2018-06-01/runtime/invocation/a/b/response"),
            "none"
        );
        assert_eq!(
            route_of(Method::GET, "/2018-06-01/runtime/invocation/abc/response"),
            "none"
        );
    }
}
