//! The plain HTTP answer of a Function URL, from the function's reply:
//! - a streamed HTTP-integration response: the prelude's status, headers, multi-value headers and one
//!   `Set-Cookie` per cookie, then the payload, chunked as the handler writes it;
//! - a streamed response without prelude: 200, the runtime's content type (`application/octet-stream`
//!   if it gave none), the bytes as they come;
//! - a buffered response: a JSON object with `statusCode` is a payload-2.0 response (`statusCode`,
//!   `headers`, `multiValueHeaders`, `cookies`, `body`, `isBase64Encoded`); anything else is the body of a
//!   200 `application/json` answer, as is;
//! - a function error before the first byte (a timeout included): 502 `{"message":"Internal Server
//!   Error"}`, as Lambda answers; after it, the body is cut short (the client sees a truncated chunked
//!   body) and the error goes to the log sink.

use std::collections::VecDeque;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use bytes::Bytes;
use hyper::header::{
    CONNECTION, CONTENT_LENGTH, CONTENT_TYPE, HeaderName, HeaderValue, SET_COOKIE, TRANSFER_ENCODING,
};
use hyper::{Response, StatusCode};
use serde_json::Value;

use crate::body::{Aborted, Body, Render};
use crate::config::LogSink;
use crate::prelude::Prelude;
use crate::reply::{FunctionError, Piece, PieceSource, Reply, next_piece};
use crate::server::{json, respond};

/// Who the answer is for, to log a failure.
pub(crate) struct Answering {
    /// Where a failure is logged.
    pub(crate) sink: LogSink,
    /// The invocation.
    pub(crate) request_id: String,
}

impl Answering {
    /// The answer to `reply`.
    pub(crate) async fn answer(self, reply: Reply) -> Response<Body> {
        match reply {
            Reply::Whole { body, .. } => self.buffered(body),
            Reply::Failed(error) => self.bad_gateway(&error),
            Reply::Stream {
                content_type,
                mut pieces,
            } => {
                let content_type =
                    content_type.unwrap_or(HeaderValue::from_static("application/octet-stream"));
                // The head waits for the first piece: an error before it is still a 502.
                match next_piece(&mut pieces).await {
                    Piece::Prelude { prelude, .. } => {
                        let body = Body::stream(None, PieceSource::Streaming(pieces), self.payload());
                        http_response(&prelude, body)
                    }
                    Piece::Data(first) => {
                        let body = Body::stream(Some(first), PieceSource::Streaming(pieces), self.payload());
                        let mut response = Response::new(body);
                        response.headers_mut().insert(CONTENT_TYPE, content_type);
                        response
                    }
                    Piece::End => respond(StatusCode::OK, content_type, Bytes::new()),
                    Piece::Failed(error) => self.bad_gateway(&error),
                }
            }
        }
    }

    /// The answer to a buffered response.
    fn buffered(self, body: Bytes) -> Response<Body> {
        let json_body = serde_json::from_slice::<Value>(&body).ok();
        let Some(object) = json_body.as_ref().and_then(Value::as_object) else {
            return json(StatusCode::OK, body);
        };
        if !object.contains_key("statusCode") {
            return json(StatusCode::OK, body);
        }
        let prelude = match json_body.as_ref().map(Prelude::from_json) {
            Some(Ok(prelude)) => prelude,
            Some(Err(reason)) => return self.invalid(&reason),
            None => return json(StatusCode::OK, body),
        };
        let payload = match object.get("body") {
            None | Some(Value::Null) => Bytes::new(),
            Some(Value::String(text)) => Bytes::from(text.clone()),
            Some(other) => Bytes::from(other.to_string()),
        };
        let payload = if object.get("isBase64Encoded") == Some(&Value::Bool(true)) {
            match STANDARD.decode(&payload) {
                Ok(decoded) => Bytes::from(decoded),
                Err(_) => return self.invalid("body is not base64 although isBase64Encoded is true"),
            }
        } else {
            payload
        };
        http_response(&prelude, Body::full(payload))
    }

    /// Renders the payload of a stream whose head was sent.
    fn payload(self) -> Payload {
        Payload { answering: self }
    }

    /// A response the function got wrong.
    fn invalid(self, reason: &str) -> Response<Body> {
        (self.sink)(&format!(
            "Function URL RequestId: {} invalid response: {reason}",
            self.request_id
        ));
        bad_gateway()
    }

    /// A function error before the first byte.
    fn bad_gateway(self, error: &FunctionError) -> Response<Body> {
        self.log(error);
        bad_gateway()
    }

    /// Logs a function error.
    fn log(&self, error: &FunctionError) {
        (self.sink)(&format!(
            "Function URL RequestId: {} function error: {}: {}",
            self.request_id,
            error.code(),
            error.message()
        ));
    }
}

/// Renders the payload of a streamed answer; an error cuts it short.
struct Payload {
    /// Where an error is logged.
    answering: Answering,
}

impl Render for Payload {
    fn render(&mut self, piece: Piece, out: &mut VecDeque<Bytes>) -> Result<(), Aborted> {
        match piece {
            Piece::Data(data) => out.push_back(data),
            // Only the first piece can be a prelude; it was used for the head.
            Piece::Prelude { .. } | Piece::End => {}
            Piece::Failed(error) => {
                self.answering.log(&error);
                return Err(Aborted);
            }
        }
        Ok(())
    }
}

/// What Lambda answers on a function error.
fn bad_gateway() -> Response<Body> {
    json(
        StatusCode::BAD_GATEWAY,
        Bytes::from_static(br#"{"message":"Internal Server Error"}"#),
    )
}

/// Headers the emulator frames itself: a function's values for them would contradict the body.
const FRAMING: [HeaderName; 3] = [CONTENT_LENGTH, TRANSFER_ENCODING, CONNECTION];

/// A response with the prelude's status, headers and cookies; names or values that HTTP cannot carry
/// are left out.
fn http_response(prelude: &Prelude, body: Body) -> Response<Body> {
    let mut response = Response::new(body);
    *response.status_mut() = StatusCode::from_u16(prelude.status).unwrap_or(StatusCode::OK);
    let headers = response.headers_mut();
    let valid = |name: &str, value: &str| {
        let name = HeaderName::from_bytes(name.as_bytes()).ok()?;
        let value = HeaderValue::from_str(value).ok()?;
        (!FRAMING.contains(&name)).then_some((name, value))
    };
    for (name, value) in &prelude.headers {
        if let Some((name, value)) = valid(name, value) {
            headers.insert(name, value);
        }
    }
    // Multi-value headers replace single ones of the same name (API Gateway's rule).
    for (name, values) in &prelude.multi_value_headers {
        if let Ok(name) = HeaderName::from_bytes(name.as_bytes()) {
            headers.remove(&name);
        }
        for value in values {
            if let Some((name, value)) = valid(name, value) {
                headers.append(name, value);
            }
        }
    }
    for cookie in &prelude.cookies {
        if let Ok(cookie) = HeaderValue::from_str(cookie) {
            headers.append(SET_COOKIE, cookie);
        }
    }
    response
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    fn fresh() -> (Answering, Arc<Mutex<Vec<String>>>) {
        let lines = Arc::new(Mutex::new(Vec::new()));
        let sink_lines = Arc::clone(&lines);
        let sink: LogSink = Arc::new(move |line: &str| {
            if let Ok(mut lines) = sink_lines.lock() {
                lines.push(line.to_owned());
            }
        });
        let answering = Answering {
            sink,
            request_id: "id".to_owned(),
        };
        (answering, lines)
    }

    #[test]
    fn buffered_payload_format() {
        let (answering, _) = fresh();
        let body = br#"{"statusCode":201,"headers":{"x-a":"1","content-length":"9"},"cookies":["a=1","b=2"],"body":"aGk=","isBase64Encoded":true}"#;
        let response = answering.buffered(Bytes::from_static(body));
        assert_eq!(response.status(), StatusCode::CREATED);
        assert_eq!(
            response.headers().get("x-a").map(HeaderValue::as_bytes),
            Some(&b"1"[..])
        );
        assert!(response.headers().get(CONTENT_LENGTH).is_none());
        assert_eq!(response.headers().get_all(SET_COOKIE).iter().count(), 2);
        assert_eq!(hyper::body::Body::size_hint(response.body()).exact(), Some(2));

        let (answering, _) = fresh();
        let response = answering.buffered(Bytes::from_static(br#"{"message":"no status"}"#));
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(hyper::body::Body::size_hint(response.body()).exact(), Some(23));

        let (answering, lines) = fresh();
        let response = answering.buffered(Bytes::from_static(br#"{"statusCode":"x"}"#));
        assert_eq!(response.status(), StatusCode::BAD_GATEWAY);
        assert_eq!(lines.lock().map(|lines| lines.len()).unwrap_or_default(), 1);
    }
}
