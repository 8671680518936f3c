//! [`Response`]: what a request got back, read whole.

use std::borrow::Cow;

use serde::de::DeserializeOwned;

use super::failed;
use crate::Error;

/// A response, read whole: status, headers and body.
///
/// ```
/// use lambda_wasm_sdk::http::Response;
///
/// // Built by hand here; `send` or `get` return one.
/// let response = Response {
///     status: 200,
///     headers: vec![("Content-Type".into(), "application/json".into())],
///     body: br#"{"ip": "203.0.113.7"}"#.to_vec(),
/// };
/// assert!(response.is_success());
/// assert_eq!(response.header("content-type"), Some("application/json"));
/// let parsed: serde_json::Value = response.json()?;
/// assert_eq!(parsed["ip"], "203.0.113.7");
/// assert_eq!(response.text(), r#"{"ip": "203.0.113.7"}"#);
/// # Ok::<(), lambda_wasm_sdk::Error>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Response {
    /// The status code: any status, 4xx and 5xx included, is a response, not an error.
    pub status: u16,
    /// Header names and values in the order received; a name may repeat. A value that is not
    /// UTF-8 has its invalid bytes replaced by `U+FFFD`.
    pub headers: Vec<(String, String)>,
    /// The body, at most [`max_response_bytes`](super::Request::max_response_bytes) long.
    pub body: Vec<u8>,
}

impl Response {
    /// Whether the status is 2xx.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The value of the first header named `name`, compared case-insensitively as HTTP does.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(header, _)| header.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    /// The body as text: UTF-8, with invalid bytes replaced by `U+FFFD` (whatever `charset` the
    /// `content-type` names).
    pub fn text(&self) -> Cow<'_, str> {
        String::from_utf8_lossy(&self.body)
    }

    /// The body parsed as JSON into `T`; a body that is not that JSON fails with
    /// [`ERROR`](super::ERROR) and the parser's message.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, Error> {
        serde_json::from_slice(&self.body).map_err(|error| {
            failed(format!(
                "the response body (status {}) is not the JSON expected: {error}",
                self.status
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_replaces_what_is_not_utf8() {
        let response = Response {
            body: vec![b'o', b'k', 0xff],
            ..Response::default()
        };
        assert_eq!(response.text(), "ok\u{fffd}");
    }

    #[test]
    fn bad_json_is_an_http_error_with_the_parsers_message() {
        let response = Response {
            status: 502,
            body: b"<html>".to_vec(),
            ..Response::default()
        };
        let error = response.json::<serde_json::Value>().err();
        assert_eq!(error.as_ref().map(Error::error_type), Some(super::super::ERROR));
        assert!(error.is_some_and(|e| {
            e.message()
                .starts_with("the response body (status 502) is not the JSON")
        }));
    }

    #[test]
    fn success_is_2xx_only() {
        let status = |status| Response {
            status,
            ..Response::default()
        };
        assert!(status(204).is_success());
        assert!(!status(199).is_success() && !status(301).is_success() && !status(500).is_success());
    }
}
