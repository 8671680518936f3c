//! Function URL emulation: any method on `/lambda-url/{name}` or `/lambda-url/{name}/{path}` becomes a
//! payload-2.0 event (see `event.rs`), and the function's reply becomes a plain HTTP answer (see
//! `response.rs`), streamed as the handler writes it.

mod event;
mod response;

use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;
use std::time::SystemTime;

use bytes::Bytes;
use hyper::body::Incoming;
use hyper::{Request, Response};

use crate::config::MAX_EVENT_BYTES;
use crate::error::ApiError;
use crate::invocation;
use crate::messages::Queued;
use crate::sandbox::Sandbox;
use crate::server::{Body, BodyError, Peer, error_response, read_body};

/// Where Function URLs are served.
const PREFIX: &str = "/lambda-url/";

/// Splits a Function URL path into the function's name and the path the function sees (`/` at least).
pub(crate) fn split_path(path: &str) -> Option<(&str, &str)> {
    let rest = path.strip_prefix(PREFIX)?;
    let (name, path) = match rest.find('/') {
        Some(slash) => rest.split_at(slash),
        None => (rest, "/"),
    };
    (!name.is_empty()).then_some((name, path))
}

/// Answers one Function URL request.
pub(crate) async fn invoke(sandbox: &Arc<Sandbox>, request: Request<Incoming>) -> Response<Body> {
    let (parts, body) = request.into_parts();
    let Some((_name, raw_path)) = split_path(parts.uri.path()) else {
        return error_response(&ApiError::NotFound(parts.uri.path().to_owned()));
    };
    let body = match read_body(&parts.headers, body, MAX_EVENT_BYTES).await {
        Ok(body) => body,
        Err(BodyError::TooLarge) => return error_response(&ApiError::EventTooLarge),
        Err(BodyError::Broken(reason)) => return error_response(&ApiError::BadBody(reason)),
    };
    let source_ip = parts
        .extensions
        .get::<Peer>()
        .map_or(IpAddr::V4(Ipv4Addr::LOCALHOST), |peer| peer.0.ip());
    let request_id = crate::ids::request_id();
    let url_request = event::UrlRequest {
        method: &parts.method,
        raw_path,
        raw_query: parts.uri.query().unwrap_or_default(),
        headers: &parts.headers,
        body: &body,
        source_ip,
        request_id: &request_id,
    };
    let event = event::event(&url_request, SystemTime::now());
    // Serializing a JSON value cannot fail.
    let event = Bytes::from(serde_json::to_vec(&event).unwrap_or_default());
    let invocation = Queued::new(request_id.clone(), event, &parts.headers, None);
    let reply = invocation::invoke(sandbox, invocation).await;
    let answering = response::Answering {
        sink: sandbox.settings.log_sink.clone(),
        request_id: request_id.clone(),
    };
    let mut response = answering.answer(reply).await;
    if let Ok(request_id) = hyper::header::HeaderValue::from_str(&request_id) {
        response.headers_mut().insert("x-amzn-requestid", request_id);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths() {
        assert_eq!(split_path("/lambda-url/fn"), Some(("fn", "/")));
        assert_eq!(split_path("/lambda-url/fn/"), Some(("fn", "/")));
        assert_eq!(split_path("/lambda-url/fn/a/b"), Some(("fn", "/a/b")));
        assert_eq!(split_path("/lambda-url/"), None);
        assert_eq!(split_path("/lambda-url//x"), None);
        assert_eq!(split_path("/2015-03-31/functions/fn/invocations"), None);
    }
}
