//! The answer of `POST /2021-11-15/functions/{name}/response-streaming-invocations` (Lambda's
//! InvokeWithResponseStream, the path AWS SDKs use): 200 at once, `Content-Type:
//! application/vnd.amazon.eventstream`, and a body of AWS event-stream messages sent as the runtime's
//! bytes arrive:
//! - one `PayloadChunk` event per piece of the response (`:content-type` `application/octet-stream`, the
//!   bytes as payload): each data frame the runtime sent, the HTTP-integration prelude included as sent
//!   (Lambda passes it through: only Function URLs interpret it); a buffered response is one chunk;
//! - then one `InvokeComplete` event (`:content-type` `application/json`): `{}` on success,
//!   `{"ErrorCode":<errorType>,"ErrorDetails":<errorMessage>}` on a function error (before or during the
//!   stream, a timeout included), read from the error JSON (the `Lambda-Runtime-Function-Error-Type`
//!   header or trailer names it when the JSON does not). `LogResult` is left out: Lambda sends it only for `LogType: Tail`, which
//!   the emulator does not offer.
//!
//! The framing (prelude, headers, CRCs) is `aws-smithy-eventstream`'s, the one AWS SDKs decode with.

use std::collections::VecDeque;

use aws_smithy_eventstream::frame::write_message_to;
use aws_smithy_types::event_stream::{Header, HeaderValue as EventHeaderValue, Message};
use bytes::{Bytes, BytesMut};
use hyper::header::{CONTENT_TYPE, HeaderValue};
use hyper::{Response, StatusCode};
use serde::Serialize;

use crate::body::{Aborted, Body, Render};
use crate::reply::{FunctionError, Piece, PieceSource};

/// The content type of an event-stream answer.
pub(crate) const EVENT_STREAM: &str = "application/vnd.amazon.eventstream";

/// The 200 answer whose body renders `source` as events.
pub(crate) fn respond(source: PieceSource) -> Response<Body> {
    let mut response = Response::new(Body::stream(None, source, Events));
    *response.status_mut() = StatusCode::OK;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(EVENT_STREAM));
    response
}

/// Renders pieces as event-stream messages.
struct Events;

impl Render for Events {
    fn render(&mut self, piece: Piece, out: &mut VecDeque<Bytes>) -> Result<(), Aborted> {
        let message = match piece {
            Piece::Prelude { raw: bytes, .. } | Piece::Data(bytes) => payload_chunk(bytes),
            Piece::End => invoke_complete(None),
            Piece::Failed(error) => invoke_complete(Some(&error)),
        };
        out.push_back(message);
        Ok(())
    }
}

/// The payload of `InvokeComplete`.
#[derive(Serialize)]
struct Complete {
    /// The error's `errorType`; absent on success.
    #[serde(rename = "ErrorCode", skip_serializing_if = "Option::is_none")]
    error_code: Option<String>,
    /// The error's `errorMessage`; absent on success.
    #[serde(rename = "ErrorDetails", skip_serializing_if = "Option::is_none")]
    error_details: Option<String>,
}

/// A `PayloadChunk` event carrying `bytes`.
pub(crate) fn payload_chunk(bytes: Bytes) -> Bytes {
    event("PayloadChunk", "application/octet-stream", bytes)
}

/// The `InvokeComplete` event: `{}`, or the error's code and message.
pub(crate) fn invoke_complete(error: Option<&FunctionError>) -> Bytes {
    let complete = Complete {
        error_code: error.map(FunctionError::code),
        error_details: error.map(FunctionError::message),
    };
    // Serializing two optional strings cannot fail; an empty object is the success payload anyway.
    let payload = serde_json::to_vec(&complete).unwrap_or_else(|_| b"{}".to_vec());
    event("InvokeComplete", "application/json", Bytes::from(payload))
}

/// One event message with the three headers Lambda sets.
fn event(event_type: &'static str, content_type: &'static str, payload: Bytes) -> Bytes {
    let header =
        |name: &'static str, value: &'static str| Header::new(name, EventHeaderValue::String(value.into()));
    let message = Message::new(payload)
        .add_header(header(":event-type", event_type))
        .add_header(header(":message-type", "event"))
        .add_header(header(":content-type", content_type));
    let mut buffer = BytesMut::new();
    // Writing fails only for a payload over 4 GiB; pieces are at most a few hundred KiB, a buffered
    // response 6 MiB. Should it fail anyway, the event is left out rather than the emulator stopped.
    match write_message_to(&message, &mut buffer) {
        Ok(()) => buffer.freeze(),
        Err(_) => Bytes::new(),
    }
}

#[cfg(test)]
mod tests {
    use aws_smithy_eventstream::frame::read_message_from;

    use super::*;
    use crate::error::FunctionFailure;

    fn decoded(bytes: Bytes) -> (Vec<(String, String)>, Bytes) {
        let Ok(message) = read_message_from(bytes) else {
            unreachable!("an event the emulator wrote does not decode");
        };
        let headers = message
            .headers()
            .iter()
            .map(|header| {
                let value = header.value().as_string().map(|value| value.as_str().to_owned());
                (header.name().as_str().to_owned(), value.unwrap_or_default())
            })
            .collect();
        (headers, message.payload().clone())
    }

    #[test]
    fn events_decode() {
        let (headers, payload) = decoded(payload_chunk(Bytes::from_static(b"hi")));
        assert_eq!(&payload[..], b"hi");
        assert!(headers.contains(&(":event-type".to_owned(), "PayloadChunk".to_owned())));
        assert!(headers.contains(&(":message-type".to_owned(), "event".to_owned())));
        let (headers, payload) = decoded(invoke_complete(None));
        assert_eq!(&payload[..], b"{}");
        assert!(headers.contains(&(":content-type".to_owned(), "application/json".to_owned())));
        let error = FunctionError::from(FunctionFailure::Truncated);
        let (_, payload) = decoded(invoke_complete(Some(&error)));
        let json: serde_json::Value = serde_json::from_slice(&payload).unwrap_or_default();
        assert_eq!(json["ErrorCode"], "Runtime.TruncatedResponse");
        assert!(json["ErrorDetails"].as_str().is_some_and(|text| !text.is_empty()));
    }
}
