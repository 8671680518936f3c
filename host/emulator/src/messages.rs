//! What the two APIs and the invocation drivers pass each other: an invocation waiting to be handed out, what
//! the Runtime API tells a driver, and what a runtime posted. A leaf module, so neither side depends on the
//! other to name them.

use bytes::Bytes;
use hyper::header::{HeaderMap, HeaderValue};
use tokio::sync::mpsc;
use tokio::time::Instant;

use crate::headers::{CALLER_TENANT_ID, CALLER_TRACE_ID};
use crate::reply::{FunctionError, Piece};

/// A well-formed trace id, should a generated one ever fail to be a header value.
const FALLBACK_TRACE_ID: &str = "Root=1-00000000-000000000000000000000000;Parent=0000000000000000;Sampled=0";

/// An invocation as the invoke endpoint received it, waiting to be handed out by `/next`.
pub(crate) struct Queued {
    /// `Lambda-Runtime-Aws-Request-Id`.
    pub(crate) request_id: String,
    /// The event, passed to the runtime byte for byte.
    pub(crate) event: Bytes,
    /// `Lambda-Runtime-Trace-Id`: the caller's `X-Amzn-Trace-Id`, or a new one.
    pub(crate) trace_id: HeaderValue,
    /// `Lambda-Runtime-Client-Context`: the decoded `X-Amz-Client-Context`, when the caller sent one.
    pub(crate) client_context: Option<HeaderValue>,
    /// `Lambda-Runtime-Invocation-Id`: a nonce for this invoke, which the runtime echoes on its answers.
    pub(crate) invocation_id: String,
    /// `Lambda-Runtime-Aws-Tenant-Id`: the caller's `X-Amz-Tenant-Id`, when it sent one.
    pub(crate) tenant_id: Option<HeaderValue>,
}

/// What the Runtime API tells the driver of an invocation.
pub(crate) enum Event {
    /// `/next` handed it out; the function deadline now runs.
    HandedOut {
        /// When it was handed out (the REPORT line's `Duration` starts here).
        at: Instant,
        /// When to kill the bootstrap.
        deadline: Instant,
    },
    /// The runtime answered it.
    Answered(Answer),
    /// The runtime posted `/init/error`.
    InitError(Answer),
}

/// What a runtime posted.
pub(crate) enum Answer {
    /// A buffered `/response`: the function's result.
    Response {
        /// The payload, as posted.
        body: Bytes,
        /// The payload's content type, as posted.
        content_type: Option<HeaderValue>,
    },
    /// A streamed `/response`, whose pieces arrive as the runtime sends them.
    Stream {
        /// The payload's content type, as posted.
        content_type: Option<HeaderValue>,
        /// The pieces, ending with [`Piece::End`] or [`Piece::Failed`].
        pieces: mpsc::Receiver<Piece>,
    },
    /// `/error` or `/init/error`.
    Error(FunctionError),
    /// A buffered `/response` over the size limit (answered 413).
    TooLarge,
}

impl Queued {
    /// Invocation `request_id` of `event`, with a fresh invocation id, the caller's trace id (or a new one) and
    /// tenant id, and its decoded client context.
    pub(crate) fn new(
        request_id: String,
        event: Bytes,
        headers: &HeaderMap,
        client_context: Option<HeaderValue>,
    ) -> Self {
        Self {
            request_id,
            invocation_id: crate::ids::request_id(),
            event,
            trace_id: trace_id(headers),
            client_context,
            tenant_id: headers.get(CALLER_TENANT_ID).cloned(),
        }
    }
}

/// The caller's `X-Amzn-Trace-Id`, or a new trace id.
fn trace_id(headers: &HeaderMap) -> HeaderValue {
    match headers.get(CALLER_TRACE_ID) {
        Some(trace_id) => trace_id.clone(),
        // A fresh id is hex, digits and punctuation: always a valid header value.
        None => HeaderValue::from_str(&crate::ids::trace_id())
            .unwrap_or(HeaderValue::from_static(FALLBACK_TRACE_ID)),
    }
}
