//! The runtime's side of a streamed response: `POST /runtime/invocation/{id}/response` with
//! `Lambda-Runtime-Function-Response-Mode: streaming` and a chunked body.
//!
//! The body is passed on as it arrives, through a bounded channel (backpressure: memory stays bounded
//! whatever the length). The total is capped at the configured limit (200 MiB, as Lambda); past it
//! nothing more is passed on, the caller's stream ends with `Function.ResponseSizeTooLarge` at once, and
//! the runtime is answered 413 (the rest of its body is read and thrown away, 64 MiB at most, so that it
//! gets the answer on a clean connection; past that the connection is dropped). An
//! HTTP-integration response must start with its prelude (see `prelude.rs`); a missing one ends the
//! caller's stream with `Runtime.InvalidHttpPrelude` and the runtime is answered 400. At the end, the
//! HTTP/1.1 trailers `Lambda-Runtime-Function-Error-Type` and `Lambda-Runtime-Function-Error-Body` (base64
//! of the error JSON) make it a function error. The runtime is answered 202 once its body has been read.
//!
//! Lambda sends the first 6 MB of a stream at full speed and the rest at 2 MB/s at most; the emulator does
//! not throttle.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
use bytes::Bytes;
use http_body_util::BodyExt as _;
use hyper::body::Incoming;
use hyper::header::{CONTENT_TYPE, HeaderMap};
use tokio::sync::mpsc;

use crate::error::{ApiError, FunctionFailure, is_valid_error_type};
use crate::headers::{FUNCTION_ERROR_BODY, FUNCTION_ERROR_TYPE};
use crate::messages::Answer;
use crate::prelude::{PreludeScanner, Scan, is_http_integration};
use crate::reply::{FunctionError, PIECES_IN_FLIGHT, Piece};
use crate::sandbox::Sandbox;
use crate::server::drain;

/// Why reading the stream stopped before its end.
enum Stop {
    /// Tell the caller this, and answer the runtime with that.
    Refuse(FunctionFailure, ApiError),
    /// The invocation ended (its deadline passed, or the emulator stopped): answer the runtime 403.
    Ended,
}

/// Reads a streamed response and passes it to the invocation `id`, as it arrives.
pub(crate) async fn receive(
    sandbox: &Sandbox,
    id: &str,
    headers: &HeaderMap,
    mut body: Incoming,
) -> Result<(), ApiError> {
    let invocation_id = crate::headers::echoed_invocation_id(headers);
    sandbox.check_answerable(id, invocation_id)?;
    let content_type = headers.get(CONTENT_TYPE).cloned();
    let scanner = is_http_integration(content_type.as_ref()).then(PreludeScanner::default);
    let (to_driver, pieces) = mpsc::channel(PIECES_IN_FLIGHT);
    sandbox.answer(id, invocation_id, Answer::Stream { content_type, pieces })?;
    let mut reader = Reader {
        pieces: to_driver,
        scanner,
        read: 0,
        limit: sandbox.settings.max_stream_bytes,
        error: None,
    };
    match reader.read(&mut body).await {
        Ok(()) => Ok(()),
        Err(Stop::Refuse(failure, answer)) => {
            let _ = reader.pieces.send(Piece::Failed(failure.into())).await;
            drain(&mut body).await;
            Err(answer)
        }
        Err(Stop::Ended) => Err(ApiError::InvalidStateTransition(
            "the invocation ended while its response was streaming",
        )),
    }
}

/// The state of one streamed body.
struct Reader {
    /// Where the pieces go (to the invocation's driver).
    pieces: mpsc::Sender<Piece>,
    /// Looks for the end of the prelude, until it is found (HTTP-integration responses only).
    scanner: Option<PreludeScanner>,
    /// Bytes read so far.
    read: u64,
    /// The most bytes allowed.
    limit: usize,
    /// The error the trailers reported.
    error: Option<FunctionError>,
}

impl Reader {
    /// Reads the body to its end and sends its last piece; an `Err` leaves the last piece to the caller.
    async fn read(&mut self, body: &mut Incoming) -> Result<(), Stop> {
        while let Some(frame) = body.frame().await {
            let frame = match frame {
                Ok(frame) => frame,
                Err(error) => {
                    let reason = format!("the streamed response broke off: {error}");
                    return Err(Stop::Refuse(
                        FunctionFailure::Truncated,
                        ApiError::BadBody(reason),
                    ));
                }
            };
            match frame.into_data() {
                Ok(data) => self.data(data).await?,
                Err(frame) => {
                    if let Ok(trailers) = frame.into_trailers() {
                        self.error = trailer_error(&trailers);
                    }
                }
            }
        }
        if self.scanner.is_some() && self.error.is_none() {
            let reason = PreludeScanner::unfinished();
            return Err(Stop::Refuse(
                FunctionFailure::InvalidHttpPrelude(reason.clone()),
                ApiError::InvalidHttpPrelude(reason),
            ));
        }
        let last = match self.error.take() {
            Some(error) => Piece::Failed(error),
            None => Piece::End,
        };
        self.send(last).await
    }

    /// Counts and passes on one data frame.
    async fn data(&mut self, data: Bytes) -> Result<(), Stop> {
        if data.is_empty() {
            return Ok(());
        }
        self.read = self.read.saturating_add(data.len() as u64);
        if self.read > self.limit as u64 {
            return Err(Stop::Refuse(
                FunctionFailure::ResponseTooLarge(self.limit),
                ApiError::ResponseTooLarge(self.limit),
            ));
        }
        let Some(scanner) = self.scanner.as_mut() else {
            return self.send(Piece::Data(data)).await;
        };
        match scanner.feed(&data) {
            Scan::More => Ok(()),
            Scan::Invalid(reason) => Err(Stop::Refuse(
                FunctionFailure::InvalidHttpPrelude(reason.clone()),
                ApiError::InvalidHttpPrelude(reason),
            )),
            Scan::Done { raw, prelude, rest } => {
                self.scanner = None;
                self.send(Piece::Prelude { raw, prelude }).await?;
                if rest.is_empty() {
                    Ok(())
                } else {
                    self.send(Piece::Data(rest)).await
                }
            }
        }
    }

    /// Sends a piece, waiting for room.
    async fn send(&self, piece: Piece) -> Result<(), Stop> {
        self.pieces.send(piece).await.map_err(|_| Stop::Ended)
    }
}

/// The function error the trailers report, if any: the type, when well formed, and the decoded body.
fn trailer_error(trailers: &HeaderMap) -> Option<FunctionError> {
    let error_type = trailers.get(FUNCTION_ERROR_TYPE);
    let error_body = trailers.get(FUNCTION_ERROR_BODY);
    if error_type.is_none() && error_body.is_none() {
        return None;
    }
    let error_type = error_type
        .and_then(|value| value.to_str().ok())
        .filter(|name| is_valid_error_type(name))
        .map(str::to_owned);
    // An undecodable body is treated as absent: the caller still learns the error's type.
    let body = error_body
        .map(|value| value.as_bytes().trim_ascii())
        .and_then(|encoded| {
            STANDARD
                .decode(encoded)
                .or_else(|_| STANDARD_NO_PAD.decode(encoded))
                .ok()
        })
        .unwrap_or_default();
    Some(FunctionError::posted(Bytes::from(body), error_type))
}

#[cfg(test)]
mod tests {
    use hyper::header::HeaderValue;

    use super::*;

    #[test]
    fn trailers() {
        let mut trailers = HeaderMap::new();
        assert!(trailer_error(&trailers).is_none());
        trailers.insert(FUNCTION_ERROR_TYPE, HeaderValue::from_static("Function.Boom"));
        // {"errorMessage":"late","errorType":"Function.Boom"}
        trailers.insert(
            FUNCTION_ERROR_BODY,
            HeaderValue::from_static("eyJlcnJvck1lc3NhZ2UiOiJsYXRlIiwiZXJyb3JUeXBlIjoiRnVuY3Rpb24uQm9vbSJ9"),
        );
        let error = trailer_error(&trailers);
        let (code, message) = error.map(|error| (error.code(), error.message())).unzip();
        assert_eq!(code.as_deref(), Some("Function.Boom"));
        assert_eq!(message.as_deref(), Some("late"));
        trailers.insert(FUNCTION_ERROR_BODY, HeaderValue::from_static("%%%"));
        trailers.insert(FUNCTION_ERROR_TYPE, HeaderValue::from_static("bad type"));
        let error = trailer_error(&trailers).map(|error| error.code());
        assert_eq!(error.as_deref(), Some("Runtime.Unknown"));
    }
}
