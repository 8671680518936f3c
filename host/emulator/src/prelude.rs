//! The prelude of a streamed HTTP-integration response (content type
//! `application/vnd.awslambda.http-integration-response`): a JSON object
//! `{"statusCode":..,"headers":{..},"multiValueHeaders":{..},"cookies":[..]}`, then 8 NUL bytes, then the
//! payload.
//!
//! The separator is found by scanning the bytes, whatever the chunk boundaries (runtimes send the JSON and
//! the NULs as two chunks, but nothing requires it). The prelude is bounded: no separator within
//! [`MAX_PRELUDE_BYTES`] is a protocol error (`Runtime.InvalidHttpPrelude` for the caller, 400 for the
//! runtime).

use bytes::{Bytes, BytesMut};
use hyper::header::HeaderValue;
use serde_json::Value;

/// The content type of a response that starts with a prelude.
pub(crate) const HTTP_INTEGRATION: &str = "application/vnd.awslambda.http-integration-response";
/// The longest prelude JSON accepted (status, headers and cookies need far less).
pub(crate) const MAX_PRELUDE_BYTES: usize = 64 * 1024;
/// What ends the prelude.
const SEPARATOR: [u8; 8] = [0; 8];

/// Whether a response's content type says that it starts with a prelude.
pub(crate) fn is_http_integration(content_type: Option<&HeaderValue>) -> bool {
    content_type
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .is_some_and(|value| value.trim().eq_ignore_ascii_case(HTTP_INTEGRATION))
}

/// The HTTP answer a function describes: a streamed response's prelude, or a buffered payload-format-2.0
/// response (which adds `body` and `isBase64Encoded`, read elsewhere).
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Prelude {
    /// `statusCode` (200 when absent).
    pub(crate) status: u16,
    /// `headers`: one value each.
    pub(crate) headers: Vec<(String, String)>,
    /// `multiValueHeaders`: several values each; they replace a same-named entry of `headers`.
    pub(crate) multi_value_headers: Vec<(String, Vec<String>)>,
    /// `cookies`: one `Set-Cookie` each.
    pub(crate) cookies: Vec<String>,
}

impl Prelude {
    /// Reads the fields from a JSON object; values of the wrong type are skipped, a `statusCode` that is
    /// not a final HTTP status (200 to 599) is refused.
    pub(crate) fn from_json(json: &Value) -> Result<Self, String> {
        let object = json.as_object().ok_or("the prelude is not a JSON object")?;
        let status = match object.get("statusCode") {
            None | Some(Value::Null) => 200,
            Some(code) => code
                .as_u64()
                .and_then(|code| u16::try_from(code).ok())
                .filter(|code| (200..=599).contains(code))
                .ok_or_else(|| format!("statusCode {code} is not an HTTP status"))?,
        };
        let headers = entries(object.get("headers"))
            .filter_map(|(name, value)| Some((name.clone(), text(value)?)))
            .collect();
        let multi_value_headers = entries(object.get("multiValueHeaders"))
            .filter_map(|(name, values)| {
                let values = values.as_array()?.iter().filter_map(text).collect();
                Some((name.clone(), values))
            })
            .collect();
        let cookies = object
            .get("cookies")
            .and_then(Value::as_array)
            .map(|cookies| cookies.iter().filter_map(text).collect())
            .unwrap_or_default();
        Ok(Self {
            status,
            headers,
            multi_value_headers,
            cookies,
        })
    }
}

impl Prelude {
    /// The `Content-Type` it sets (names compared without case), if any.
    pub(crate) fn content_type(&self) -> Option<HeaderValue> {
        let single = self.headers.iter().map(|(name, value)| (name, value));
        let multi = self
            .multi_value_headers
            .iter()
            .filter_map(|(name, values)| Some((name, values.first()?)));
        multi
            .chain(single)
            .find(|(name, _)| name.eq_ignore_ascii_case("content-type"))
            .and_then(|(_, value)| HeaderValue::from_str(value).ok())
    }
}

/// The entries of a JSON object, none if it is absent or not an object.
fn entries(value: Option<&Value>) -> impl Iterator<Item = (&String, &Value)> {
    value.and_then(Value::as_object).into_iter().flatten()
}

/// A header value from JSON: a string as is, a number or a boolean as written; anything else is skipped.
fn text(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.clone()),
        Value::Number(_) | Value::Bool(_) => Some(value.to_string()),
        _ => None,
    }
}

/// What feeding a chunk to the [`PreludeScanner`] found.
#[derive(Debug)]
pub(crate) enum Scan {
    /// No separator yet: feed more.
    More,
    /// The prelude is complete.
    Done {
        /// The prelude's bytes as sent, separator included.
        raw: Bytes,
        /// The parsed prelude.
        prelude: Prelude,
        /// The payload bytes that followed the separator in the same chunk (maybe none).
        rest: Bytes,
    },
    /// Not a prelude: no separator within the bound, or not a JSON object.
    Invalid(String),
}

/// Accumulates the start of a stream until the 8 NUL bytes, keeping at most
/// [`MAX_PRELUDE_BYTES`] + 8 bytes.
#[derive(Default)]
pub(crate) struct PreludeScanner {
    /// The bytes seen so far (all of them prelude, the separator not being found yet).
    buffer: BytesMut,
}

impl PreludeScanner {
    /// Takes the next chunk of the stream.
    pub(crate) fn feed(&mut self, chunk: &Bytes) -> Scan {
        const BOUND: usize = MAX_PRELUDE_BYTES + SEPARATOR.len();
        let before = self.buffer.len();
        let taken = chunk.len().min(BOUND.saturating_sub(before));
        self.buffer.extend_from_slice(&chunk[..taken]);
        // A separator split across two chunks starts up to 7 bytes before this chunk.
        let from = before.saturating_sub(SEPARATOR.len() - 1);
        let found = self.buffer[from..]
            .windows(SEPARATOR.len())
            .position(|window| window == SEPARATOR);
        let Some(at) = found.map(|offset| from + offset) else {
            return if self.buffer.len() >= BOUND {
                Scan::Invalid(format!(
                    "no 8-NUL separator within the first {MAX_PRELUDE_BYTES} bytes"
                ))
            } else {
                Scan::More
            };
        };
        let end = at + SEPARATOR.len();
        let raw = self.buffer.split_to(end).freeze();
        // The separator was not in the earlier chunks, so it ends inside this one.
        let rest = chunk.slice(end.saturating_sub(before).min(chunk.len())..);
        match serde_json::from_slice::<Value>(&raw[..at]) {
            Ok(json) => match Prelude::from_json(&json) {
                Ok(prelude) => Scan::Done { raw, prelude, rest },
                Err(reason) => Scan::Invalid(reason),
            },
            Err(error) => Scan::Invalid(format!("the prelude is not JSON: {error}")),
        }
    }

    /// What to report when the stream ends before the separator.
    pub(crate) fn unfinished() -> String {
        "the stream ended before the prelude's 8-NUL separator".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn done(scan: Scan) -> (Bytes, Prelude, Bytes) {
        match scan {
            Scan::Done { raw, prelude, rest } => (raw, prelude, rest),
            other => unreachable!("not done: {other:?}"),
        }
    }

    #[test]
    fn separator_found_across_chunk_boundaries() {
        let json = br#"{"statusCode":201,"headers":{"a":"1","n":2},"multiValueHeaders":{"b":["x","y"]},"cookies":["c=1"]}"#;
        let mut whole = json.to_vec();
        whole.extend_from_slice(&[0; 8]);
        whole.extend_from_slice(b"payload");
        for split in [1, json.len(), json.len() + 3, json.len() + 8, whole.len()] {
            let mut scanner = PreludeScanner::default();
            let (first, second) = whole.split_at(split);
            let (raw, prelude, rest) = match scanner.feed(&Bytes::copy_from_slice(first)) {
                Scan::More => done(scanner.feed(&Bytes::copy_from_slice(second))),
                scan => {
                    let (raw, prelude, mut rest) = done(scan);
                    let mut all = rest.to_vec();
                    all.extend_from_slice(second);
                    rest = all.into();
                    (raw, prelude, rest)
                }
            };
            assert_eq!(raw.len(), json.len() + 8, "split at {split}");
            assert_eq!(&rest[..], b"payload", "split at {split}");
            assert_eq!(prelude.status, 201);
            assert_eq!(
                prelude.headers,
                [("a".to_owned(), "1".to_owned()), ("n".to_owned(), "2".to_owned())]
            );
            assert_eq!(
                prelude.multi_value_headers,
                [("b".to_owned(), vec!["x".to_owned(), "y".to_owned()])]
            );
            assert_eq!(prelude.cookies, ["c=1"]);
        }
    }

    #[test]
    fn bounded_and_checked() {
        let mut scanner = PreludeScanner::default();
        let big = Bytes::from(vec![b' '; MAX_PRELUDE_BYTES]);
        assert!(matches!(scanner.feed(&big), Scan::More));
        assert!(matches!(scanner.feed(&big), Scan::Invalid(_)));
        let mut scanner = PreludeScanner::default();
        assert!(matches!(
            scanner.feed(&Bytes::from_static(b"[1]\0\0\0\0\0\0\0\0")),
            Scan::Invalid(_)
        ));
        let mut scanner = PreludeScanner::default();
        assert!(matches!(
            scanner.feed(&Bytes::from_static(b"{\"statusCode\":7}\0\0\0\0\0\0\0\0")),
            Scan::Invalid(_)
        ));
        let mut scanner = PreludeScanner::default();
        let (_, prelude, rest) = done(scanner.feed(&Bytes::from_static(b"{}\0\0\0\0\0\0\0\0")));
        assert_eq!((prelude.status, rest.len()), (200, 0));
    }

    #[test]
    fn content_types() {
        let value = HeaderValue::from_static("application/vnd.awslambda.http-integration-response");
        assert!(is_http_integration(Some(&value)));
        assert!(!is_http_integration(Some(&HeaderValue::from_static(
            "text/plain"
        ))));
        assert!(!is_http_integration(None));
    }
}
