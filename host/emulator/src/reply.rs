//! What an invoke endpoint receives from an invocation: a whole answer, a function error, or a stream of
//! pieces that ends with [`Piece::End`] or [`Piece::Failed`].

use std::collections::VecDeque;
use std::future::Future as _;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use hyper::header::HeaderValue;
use serde_json::Value;
use tokio::sync::{mpsc, oneshot};

use crate::error::{FunctionFailure, error_json};
use crate::prelude::Prelude;

/// How many pieces wait between two tasks of a stream (runtime to driver, driver to caller): with
/// pieces of at most hyper's read buffer (about 400 KiB), a stream holds a few MiB at most, whatever its
/// length, and a slow reader slows the runtime down (backpressure).
pub(crate) const PIECES_IN_FLIGHT: usize = 8;

/// A function error as the invoke caller receives it.
#[derive(Debug, Clone)]
pub(crate) struct FunctionError {
    /// The error JSON (`{"errorMessage","errorType",...}`) as the runtime posted it, or as the emulator
    /// wrote it on the runtime's behalf.
    pub(crate) body: Bytes,
    /// The well-formed `Category.Reason` the runtime gave in its header or trailer, or the emulator's own.
    error_type: Option<String>,
}

impl FunctionError {
    /// An error the runtime posted (by `/error`, `/init/error` or trailers); an empty body becomes
    /// `{"errorMessage":"","errorType":<type or Runtime.Unknown>}`.
    pub(crate) fn posted(body: Bytes, error_type: Option<String>) -> Self {
        let body = if body.is_empty() {
            error_json(error_type.as_deref().unwrap_or("Runtime.Unknown"), "")
        } else {
            body
        };
        Self { body, error_type }
    }

    /// The error's name, for `InvokeComplete.ErrorCode`: the body's `errorType` (the name the buffered
    /// endpoints show too, since they pass the body on), else the runtime's header or trailer, else
    /// `Runtime.Unknown`.
    pub(crate) fn code(&self) -> String {
        self.field("errorType")
            .or_else(|| self.error_type.clone())
            .unwrap_or_else(|| "Runtime.Unknown".to_owned())
    }

    /// The error's text, for `InvokeComplete.ErrorDetails`: the body's `errorMessage`, else the body
    /// itself when it is not JSON.
    pub(crate) fn message(&self) -> String {
        self.field("errorMessage")
            .unwrap_or_else(|| match serde_json::from_slice::<Value>(&self.body) {
                Ok(_) => String::new(),
                Err(_) => String::from_utf8_lossy(&self.body).into_owned(),
            })
    }

    /// A string field of the body, when the body is a JSON object.
    fn field(&self, name: &str) -> Option<String> {
        let json: Value = serde_json::from_slice(&self.body).ok()?;
        json.get(name)?.as_str().map(str::to_owned)
    }
}

impl From<FunctionFailure> for FunctionError {
    fn from(failure: FunctionFailure) -> Self {
        let error_type = failure.error_type();
        Self {
            body: error_json(error_type, &failure.to_string()),
            error_type: Some(error_type.to_owned()),
        }
    }
}

/// One piece of a streamed response, in the order the runtime sent it.
#[derive(Debug)]
pub(crate) enum Piece {
    /// The HTTP-integration prelude, first (only for that content type).
    Prelude {
        /// The bytes as the runtime sent them: the JSON and the 8 NUL bytes.
        raw: Bytes,
        /// The parsed prelude.
        prelude: Prelude,
    },
    /// Payload bytes, as they arrived.
    Data(Bytes),
    /// The stream ended cleanly: the last piece.
    End,
    /// The stream ended with a function error (error trailers, the size limit, a timeout, an exit): the
    /// last piece.
    Failed(FunctionError),
}

impl Piece {
    /// Whether nothing follows this piece.
    pub(crate) fn is_last(&self) -> bool {
        matches!(self, Self::End | Self::Failed(_))
    }
}

/// The answer to an invocation, as its driver hands it to the invoke endpoint.
#[derive(Debug)]
pub(crate) enum Reply {
    /// A buffered response.
    Whole {
        /// The payload, as posted.
        body: Bytes,
        /// Its content type, as posted.
        content_type: Option<HeaderValue>,
    },
    /// A function error before any byte of a response.
    Failed(FunctionError),
    /// A streamed response: its pieces arrive as the runtime sends them.
    Stream {
        /// The content type the runtime declared.
        content_type: Option<HeaderValue>,
        /// The pieces; see [`next_piece`].
        pieces: mpsc::Receiver<Piece>,
    },
}

/// The next piece of a stream; a stream that stops without its last piece (its driver was stopped) ends
/// with `Runtime.TruncatedResponse`.
pub(crate) async fn next_piece(pieces: &mut mpsc::Receiver<Piece>) -> Piece {
    pieces
        .recv()
        .await
        .unwrap_or_else(|| Piece::Failed(FunctionFailure::Truncated.into()))
}

/// Any answer as a sequence of pieces, for an endpoint that answers before the function does (the
/// streaming invoke endpoint): a whole response is one `Data` and `End`, an error one `Failed`.
pub(crate) enum PieceSource {
    /// The invocation has not answered yet.
    Waiting(oneshot::Receiver<Reply>),
    /// The pieces of a whole answer, in order.
    Ready(VecDeque<Piece>),
    /// A stream being received.
    Streaming(mpsc::Receiver<Piece>),
    /// The last piece was given out.
    Done,
}

impl PieceSource {
    /// Polls for the next piece; `None` once the last piece was given out.
    pub(crate) fn poll_piece(&mut self, cx: &mut Context<'_>) -> Poll<Option<Piece>> {
        loop {
            let piece = match self {
                Self::Done => return Poll::Ready(None),
                Self::Waiting(reply) => {
                    let reply = match Pin::new(reply).poll(cx) {
                        Poll::Pending => return Poll::Pending,
                        Poll::Ready(reply) => {
                            reply.unwrap_or_else(|_| Reply::Failed(FunctionFailure::Truncated.into()))
                        }
                    };
                    *self = Self::from(reply);
                    continue;
                }
                Self::Ready(pieces) => pieces
                    .pop_front()
                    .unwrap_or_else(|| Piece::Failed(FunctionFailure::Truncated.into())),
                Self::Streaming(pieces) => match pieces.poll_recv(cx) {
                    Poll::Pending => return Poll::Pending,
                    Poll::Ready(piece) => {
                        piece.unwrap_or_else(|| Piece::Failed(FunctionFailure::Truncated.into()))
                    }
                },
            };
            if piece.is_last() {
                *self = Self::Done;
            }
            return Poll::Ready(Some(piece));
        }
    }
}

impl From<Reply> for PieceSource {
    fn from(reply: Reply) -> Self {
        match reply {
            Reply::Whole { body, .. } => Self::Ready([Piece::Data(body), Piece::End].into()),
            Reply::Failed(error) => Self::Ready([Piece::Failed(error)].into()),
            Reply::Stream { pieces, .. } => Self::Streaming(pieces),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_messages() {
        let posted = FunctionError::posted(
            Bytes::from_static(br#"{"errorMessage":"boom","errorType":"Function.Body"}"#),
            Some("Function.Header".to_owned()),
        );
        assert_eq!(
            (posted.code(), posted.message()),
            ("Function.Body".to_owned(), "boom".to_owned())
        );
        let headed = FunctionError::posted(
            Bytes::from_static(br#"{"errorMessage":"x"}"#),
            Some("Function.Header".to_owned()),
        );
        assert_eq!(headed.code(), "Function.Header");
        let untyped = FunctionError::posted(Bytes::from_static(br#"{"errorType":"Function.Body"}"#), None);
        assert_eq!(
            (untyped.code(), untyped.message()),
            ("Function.Body".to_owned(), String::new())
        );
        let empty = FunctionError::posted(Bytes::new(), None);
        assert_eq!(empty.code(), "Runtime.Unknown");
        assert_eq!(
            &empty.body[..],
            br#"{"errorMessage":"","errorType":"Runtime.Unknown"}"#
        );
        let text = FunctionError::posted(Bytes::from_static(b"not json"), None);
        assert_eq!(text.message(), "not json");
        let failure = FunctionError::from(FunctionFailure::Truncated);
        assert_eq!(failure.code(), "Runtime.TruncatedResponse");
    }
}
