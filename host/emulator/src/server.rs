//! The HTTP plumbing both endpoints share: the accept loop (one task per connection, keep-alive on),
//! bounded body reading and JSON answers.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use http_body_util::BodyExt as _;
use hyper::body::Incoming;
use hyper::header::{CONTENT_LENGTH, CONTENT_TYPE, HeaderMap, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::task::JoinSet;

pub(crate) use crate::body::Body;
use crate::error::ApiError;

/// The address of the client, put in every request's extensions (a Function URL event's `sourceIp`).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Peer(pub(crate) SocketAddr);

/// How long to back off after a failed `accept` (out of file descriptors, say) so that a persistent
/// failure does not spin a core; the listener is retried afterwards.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(50);

/// Serves `handle` on every connection accepted from `listener`, until the returned future is dropped.
///
/// Connections live in a [`JoinSet`] owned by this future, so dropping it (on shutdown) aborts them all.
pub(crate) async fn serve<F, Fut>(listener: TcpListener, handle: F)
where
    F: Fn(Request<Incoming>) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = Response<Body>> + Send + 'static,
{
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    // Small request/answer exchanges: do not let Nagle delay them.
                    let _ = stream.set_nodelay(true);
                    let handle = handle.clone();
                    connections.spawn(async move {
                        let service = service_fn(move |mut request: Request<Incoming>| {
                            request.extensions_mut().insert(Peer(peer));
                            let answer = handle(request);
                            async move { Ok::<_, Infallible>(answer.await) }
                        });
                        // A peer that goes away mid-request is its own problem; nothing to report.
                        let _ = http1::Builder::new()
                            .keep_alive(true)
                            .serve_connection(TokioIo::new(stream), service)
                            .await;
                    });
                }
                Err(_) => tokio::time::sleep(ACCEPT_BACKOFF).await,
            },
            // Reap finished connections so the set does not grow without bound.
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

/// Why a body could not be read.
pub(crate) enum BodyError {
    /// It is longer than the limit.
    TooLarge,
    /// The transfer broke off (truncated upload, dropped connection).
    Broken(String),
}

/// How much of an over-limit body is read and thrown away so that the client, still sending, gets its 413
/// on a clean connection (closing on unread data resets it, and the client may see the reset instead).
/// Past this the connection is dropped: nothing is buffered either way.
const DRAIN_LIMIT: u64 = 64 * 1024 * 1024;

/// Reads a whole request body, keeping at most `limit` bytes (more is read, discarded and refused).
pub(crate) async fn read_body(
    headers: &HeaderMap,
    mut body: Incoming,
    limit: usize,
) -> Result<Bytes, BodyError> {
    let announced = headers
        .get(CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    if announced.is_some_and(|length| length > DRAIN_LIMIT) {
        return Err(BodyError::TooLarge);
    }
    let mut kept = BytesMut::new();
    let mut total: u64 = 0;
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|error| BodyError::Broken(error.to_string()))?;
        let Ok(data) = frame.into_data() else {
            continue; // trailers: not used by buffered requests
        };
        total = total.saturating_add(data.len() as u64);
        if total <= limit as u64 {
            kept.extend_from_slice(&data);
        } else if total > DRAIN_LIMIT {
            return Err(BodyError::TooLarge);
        } else if !kept.is_empty() {
            kept = BytesMut::new();
        }
    }
    if total > limit as u64 {
        Err(BodyError::TooLarge)
    } else {
        Ok(kept.freeze())
    }
}

/// Reads the rest of a refused body and throws it away, until its end or for [`DRAIN_LIMIT`] bytes at
/// most, so that a client that is still sending gets its answer on a clean connection.
pub(crate) async fn drain(body: &mut Incoming) {
    let mut read: u64 = 0;
    while read <= DRAIN_LIMIT {
        match body.frame().await {
            Some(Ok(frame)) => {
                let length = frame.data_ref().map_or(0, Bytes::len);
                read = read.saturating_add(length as u64);
            }
            Some(Err(_)) | None => return,
        }
    }
}

/// A response with a body and a content type.
pub(crate) fn respond(status: StatusCode, content_type: HeaderValue, body: Bytes) -> Response<Body> {
    let mut response = Response::new(Body::full(body));
    *response.status_mut() = status;
    response.headers_mut().insert(CONTENT_TYPE, content_type);
    response
}

/// A JSON response.
pub(crate) fn json(status: StatusCode, body: Bytes) -> Response<Body> {
    respond(status, HeaderValue::from_static("application/json"), body)
}

/// The JSON error response for `error`.
pub(crate) fn error_response(error: &ApiError) -> Response<Body> {
    json(error.status(), error.body())
}
