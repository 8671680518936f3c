//! The body of every answer: bytes known in advance, or a stream rendered piece by piece as the runtime
//! sends it (the streaming invoke endpoint's events, a Function URL's payload).

use std::collections::VecDeque;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use hyper::body::{Frame, SizeHint};

use crate::reply::{Piece, PieceSource};

/// Turns the pieces of a stream into the bytes an endpoint sends.
pub(crate) trait Render: Send {
    /// Renders `piece` into `out`. Returning `Err` aborts the body: the connection is closed without the
    /// chunked terminator, so the client sees a truncated body.
    fn render(&mut self, piece: Piece, out: &mut VecDeque<Bytes>) -> Result<(), Aborted>;
}

/// A body cut short on purpose (a function error in the middle of a plain HTTP stream).
#[derive(Debug, thiserror::Error)]
#[error("the function's response stream failed")]
pub(crate) struct Aborted;

/// An answer body.
pub(crate) struct Body {
    /// Bytes ready to go, in order.
    ready: VecDeque<Bytes>,
    /// The rest of the stream and how to render it; `None` once it is over (or for a whole body).
    stream: Option<(PieceSource, Box<dyn Render>)>,
}

impl Body {
    /// A body known in advance (sent with `Content-Length`).
    pub(crate) fn full(bytes: Bytes) -> Self {
        Self {
            ready: VecDeque::from([bytes]),
            stream: None,
        }
    }

    /// A body that starts with `first` and goes on with `source`, rendered by `render` (sent chunked).
    pub(crate) fn stream(first: Option<Bytes>, source: PieceSource, render: impl Render + 'static) -> Self {
        Self {
            ready: first.into_iter().collect(),
            stream: Some((source, Box::new(render))),
        }
    }
}

impl hyper::body::Body for Body {
    type Data = Bytes;
    type Error = Aborted;

    fn poll_frame(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Aborted>>> {
        let this = self.get_mut();
        loop {
            if let Some(bytes) = this.ready.pop_front() {
                if bytes.is_empty() {
                    continue;
                }
                return Poll::Ready(Some(Ok(Frame::data(bytes))));
            }
            let Some((source, render)) = this.stream.as_mut() else {
                return Poll::Ready(None);
            };
            match source.poll_piece(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(None) => this.stream = None,
                Poll::Ready(Some(piece)) => {
                    if let Err(aborted) = render.render(piece, &mut this.ready) {
                        this.stream = None;
                        this.ready.clear();
                        return Poll::Ready(Some(Err(aborted)));
                    }
                }
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.stream.is_none() && self.ready.iter().all(Bytes::is_empty)
    }

    fn size_hint(&self) -> SizeHint {
        if self.stream.is_some() {
            return SizeHint::default();
        }
        SizeHint::with_exact(self.ready.iter().map(|bytes| bytes.len() as u64).sum())
    }
}
