//! The streamed `POST /response`: chunked, on a connection of its own (closed after the body, as AWS's
//! custom-runtime guide asks), with a failure after the first byte sent as real HTTP trailers.

use std::pin::Pin;
use std::task::{Context, Poll};

use anyhow::Context as _;
use bytes::Bytes;
use hyper::body::{Body, Frame};
use hyper::{Request, StatusCode};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::{AnswerTo, Posted, RETRIES, RETRY_BACKOFF, RUNTIME, headers};
use crate::config::RuntimeApiAddress;

/// Why a streamed POST did not end in an answer from Lambda.
#[derive(Debug)]
pub enum StreamFailure {
    /// No connection could be opened: nothing reached Lambda, so the invocation can still be answered with
    /// `POST /error`.
    NotSent(anyhow::Error),
    /// The POST broke off after it started: Lambda has part of the response, and no other answer is allowed.
    Broken(anyhow::Error),
    /// The Runtime API answered 5xx: the environment is broken and the runtime must exit.
    Fatal(anyhow::Error),
}

impl std::fmt::Display for StreamFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::NotSent(e) => write!(f, "the streamed response could not be opened: {e:#}"),
            Self::Broken(e) => write!(f, "the streamed response broke off: {e:#}"),
            Self::Fatal(e) => write!(f, "{e:#}"),
        }
    }
}

/// Where a streamed response goes: the Runtime API, and the invocation it answers.
#[derive(Debug, Clone)]
pub struct StreamTarget {
    /// The Runtime API.
    pub address: RuntimeApiAddress,
    /// The invocation.
    pub to: AnswerTo,
}

impl StreamTarget {
    /// Starts the POST in a task of its own; its body is every frame `frames` yields, until the sender is
    /// dropped. The task ends with what the Runtime API answered.
    pub fn post(
        &self,
        content_type: String,
        frames: mpsc::Receiver<Frame<Bytes>>,
    ) -> JoinHandle<Result<Posted, StreamFailure>> {
        tokio::spawn(post(self.clone(), content_type, frames))
    }
}

async fn post(
    target: StreamTarget,
    content_type: String,
    frames: mpsc::Receiver<Frame<Bytes>>,
) -> Result<Posted, StreamFailure> {
    let mut attempt = 0;
    // Nothing is sent before the connection is up, so opening it is retried like any other request.
    let mut sender = loop {
        match super::connect::<ChannelBody>(&target.address).await {
            Ok(sender) => break sender,
            Err(_) if attempt < RETRIES => {
                tokio::time::sleep(RETRY_BACKOFF * 2u32.pow(attempt)).await;
                attempt += 1;
            }
            Err(e) => return Err(StreamFailure::NotSent(e)),
        }
    };
    let path = format!(
        "{}{RUNTIME}/invocation/{}/response",
        target.address.prefix, target.to.request_id
    );
    let mut request = Request::post(&path)
        .header("host", &target.address.authority)
        .header(headers::RESPONSE_MODE, "streaming")
        .header("content-type", content_type)
        .header("trailer", headers::TRAILER_DECLARATION);
    if let Some(id) = &target.to.invocation_id {
        request = request.header(headers::INVOCATION_ID, id);
    }
    let request = request
        .body(ChannelBody { frames })
        .context("building the streamed POST")
        .map_err(StreamFailure::NotSent)?;
    // The body's pace is the guest's; the wait is bounded by the invocation (the guest stops at its deadline
    // and the frames end), then by the answer's own round trip.
    let response = sender
        .send_request(request)
        .await
        .with_context(|| format!("POST {path}"))
        .map_err(StreamFailure::Broken)?;
    let status = response.status();
    let text = super::read_text(response).await;
    match status {
        status if status.is_success() => Ok(Posted::Accepted),
        StatusCode::PAYLOAD_TOO_LARGE => Ok(Posted::TooLarge),
        StatusCode::GONE => Ok(Posted::Gone(text)),
        status if status.is_client_error() => Ok(Posted::Refused(format!("{status}: {text}"))),
        status => Err(StreamFailure::Fatal(anyhow::anyhow!(
            "the streamed POST {path} answered {status}: {text}"
        ))),
    }
}

/// A request body fed by a channel: each frame is one chunk on the wire; the trailers frame, if any, ends it.
pub struct ChannelBody {
    /// The frames, in order; the body ends when every sender is dropped.
    frames: mpsc::Receiver<Frame<Bytes>>,
}

impl Body for ChannelBody {
    type Data = Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        self.frames.poll_recv(cx).map(|frame| frame.map(Ok))
    }
}
