//! Outbound HTTP from a handler: a small blocking client over `wasi:http/outgoing-handler`.
//!
//! Needs the crate's `http` feature (`lambda-wasm-sdk = { ..., features = ["http"] }`); without it
//! this module does not exist and the component does not link the `wasi:http` bindings at all.
//! Cargo unifies features across the packages of one build: a component built in the same `cargo
//! build` as one that enables `http` gets the bindings linked too. It still imports no `wasi:http`
//! (unused imports are dropped), but its other WASI imports take the bindings' version (0.2.12
//! instead of Rust std's 0.2.6, which a wasmtime host matches either way). Build it on its own to
//! keep it byte-for-byte unchanged.
//!
//! ```
//! use std::time::Duration;
//!
//! use lambda_wasm_sdk::Error;
//! use lambda_wasm_sdk::http::{self, Method, Request};
//!
//! /// The caller's public IP address, as AWS sees it.
//! fn public_ip() -> Result<String, Error> {
//!     let response = http::get("https://checkip.amazonaws.com")?;
//!     Ok(response.text().trim().to_owned())
//! }
//!
//! /// Posts a JSON document and decodes the JSON answer.
//! fn create(doc: &serde_json::Value) -> Result<serde_json::Value, Error> {
//!     let response = Request::new(Method::Post, "https://api.example.com/items")
//!         .header("content-type", "application/json")
//!         .body(serde_json::to_vec(doc)?)
//!         .timeout(Duration::from_secs(5))
//!         .send()?;
//!     if !response.is_success() {
//!         return Err(Error::new("ApiError", format!("status {}", response.status)));
//!     }
//!     response.json()
//! }
//!
//! // Natively (a unit test) nothing is sent: every request fails with `Http.Error`.
//! let error = public_ip().unwrap_err();
//! assert_eq!(error.error_type(), http::ERROR);
//! assert!(error.message().starts_with("outbound HTTP needs the wasm host"));
//! assert_eq!(create(&serde_json::json!({})).unwrap_err().error_type(), http::ERROR);
//! ```
//!
//! # What the host allows
//! The `lambda-wasm` bootstrap denies every request unless the function lists its host in the
//! environment variable `LAMBDA_WASM_ALLOW_HTTP=host[:port],...` (`api.example.com`,
//! `127.0.0.1:8080`, `*.amazonaws.com`, or `*` for any). It also clamps every timeout to the time the
//! invocation has left, so a request never outlives its invocation.
//!
//! # Errors
//! Every failure is an [`Error`] whose type says what happened:
//! - [`DENIED`] (`Http.Denied`): the host refused the destination (`wasi:http` error code
//!   `HTTP-request-denied`); the message names the host and says to list it in
//!   `LAMBDA_WASM_ALLOW_HTTP`;
//! - [`TIMEOUT`] (`Http.Timeout`): the [`timeout`](Request::timeout) passed, or the host gave up
//!   (`DNS-timeout`, `connection-timeout`, `connection-read-timeout`, `connection-write-timeout`,
//!   `HTTP-response-timeout`);
//! - [`ERROR`] (`Http.Error`): anything else: a bad URL or header, a body over
//!   [`max_response_bytes`](Request::max_response_bytes), a response that is not the JSON asked for,
//!   or any other `wasi:http` error code (named in the message, e.g. `connection-refused`).
//!
//! A response with a 4xx or 5xx status is not an error: check [`Response::status`] or
//! [`Response::is_success`].
//!
//! # Bounds
//! - The response body is read into memory up to [`Request::max_response_bytes`]
//!   ([`DEFAULT_MAX_RESPONSE_BYTES`], 6 MiB, by default); a longer one fails with [`ERROR`] instead of
//!   filling the guest's memory.
//! - The response's headers are bounded by the host's HTTP client.
//! - Time: [`Request::timeout`] bounds the whole exchange; without it the invocation's deadline does.
//!
//! # Streaming
//! [`Request::send_streaming`] returns a [`StreamingResponse`] once the status and headers have arrived; its
//! body is read as it comes: [`chunks`](StreamingResponse::chunks), [`lines`](StreamingResponse::lines) or
//! server-sent [`events`](StreamingResponse::events) (an LLM's tokens, relayed to a streaming handler's writer
//! as each arrives). Each wait for more of the body is bounded by the request's timeout, and the total by
//! [`Request::max_response_bytes`].

pub mod aws;
mod request;
mod response;
mod streaming;
#[cfg(target_arch = "wasm32")]
mod wasi;

pub use request::{Method, Request};
pub use response::Response;
pub use streaming::{MAX_LINE, ServerSentEvent, StreamingResponse};

use crate::Error;

/// Error type of a request the host refused to send: its host is not in `LAMBDA_WASM_ALLOW_HTTP`.
pub const DENIED: &str = "Http.Denied";
/// Error type of a request that ran out of time: its [`timeout`](Request::timeout), or a timeout of the
/// host's (which never waits past the invocation's deadline).
pub const TIMEOUT: &str = "Http.Timeout";
/// Error type of every other failure of a request (see the [module docs](self#errors)).
pub const ERROR: &str = "Http.Error";

/// How many bytes of response body a request reads at most, unless
/// [`Request::max_response_bytes`] says otherwise: 6 MiB, Lambda's own response limit, so that
/// anything a handler could return whole fits.
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 6 * 1024 * 1024;

/// Sends `GET url` with the defaults of [`Request`] and reads the whole response.
///
/// ```
/// # fn main() -> Result<(), lambda_wasm_sdk::Error> {
/// # let run = || -> Result<(), lambda_wasm_sdk::Error> {
/// let response = lambda_wasm_sdk::http::get("https://checkip.amazonaws.com")?;
/// lambda_wasm_sdk::info!("status {}, my address is {}", response.status, response.text().trim());
/// # Ok(()) };
/// # assert!(run().is_err()); // Natively nothing is sent.
/// # Ok(()) }
/// ```
pub fn get(url: &str) -> Result<Response, Error> {
    Request::new(Method::Get, url).send()
}

/// The [`DENIED`] error for a request to `authority` (`host[:port]`).
#[cfg(any(target_arch = "wasm32", test))]
fn denied(authority: &str) -> Error {
    Error::new(
        DENIED,
        format!(
            "outbound HTTP to {authority} was denied by the host (wasi:http error code \
             `HTTP-request-denied`): list {authority} in the function's LAMBDA_WASM_ALLOW_HTTP \
             (host[:port],...) to allow it"
        ),
    )
}

/// The [`TIMEOUT`] error for a request to `authority`, saying what ran out.
#[cfg(target_arch = "wasm32")]
fn timed_out(authority: &str, what: &str) -> Error {
    Error::new(TIMEOUT, format!("HTTP request to {authority} timed out: {what}"))
}

/// An [`ERROR`] with this message.
fn failed(message: impl Into<String>) -> Error {
    Error::new(ERROR, message)
}

/// A `wasi:http` error code's WIT name from its Rust variant name: `DnsTimeout` gives `DNS-timeout`,
/// `HttpRequestUriInvalid` gives `HTTP-request-URI-invalid`, as the WIT spells them.
#[cfg(any(target_arch = "wasm32", test))]
fn wit_name(variant: &str) -> String {
    let mut words: Vec<String> = Vec::new();
    for c in variant.chars() {
        match words.last_mut() {
            Some(word) if !c.is_ascii_uppercase() => word.push(c),
            _ => words.push(c.to_ascii_lowercase().to_string()),
        }
    }
    let words: Vec<String> = words
        .into_iter()
        .map(|word| match word.as_str() {
            "dns" | "http" | "ip" | "tls" | "uri" => word.to_ascii_uppercase(),
            _ => word,
        })
        .collect();
    words.join("-")
}

/// Where requests go natively: nowhere. Unit tests compile and see the error a handler would get
/// from a failed request.
#[cfg(not(target_arch = "wasm32"))]
fn transport(request: &Request, _target: &request::Target<'_>) -> Result<Response, Error> {
    Err(failed(format!(
        "outbound HTTP needs the wasm host: {} {} was not sent (natively, e.g. in a unit test, \
         every request fails)",
        request.method(),
        request.url()
    )))
}

#[cfg(target_arch = "wasm32")]
use wasi::send as transport;

/// Natively nothing is sent (see [`transport`]).
#[cfg(not(target_arch = "wasm32"))]
fn transport_streaming(request: &Request, target: &request::Target<'_>) -> Result<StreamingResponse, Error> {
    transport(request, target).map(|_| unreachable_response())
}

/// Never made: the native transport always fails.
#[cfg(not(target_arch = "wasm32"))]
fn unreachable_response() -> StreamingResponse {
    StreamingResponse::from_chunks(0, Vec::new(), Vec::new())
}

#[cfg(target_arch = "wasm32")]
use wasi::send_streaming as transport_streaming;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_code_names_are_spelled_as_in_the_wit() {
        assert_eq!(wit_name("DnsTimeout"), "DNS-timeout");
        assert_eq!(wit_name("HttpRequestDenied"), "HTTP-request-denied");
        assert_eq!(wit_name("HttpRequestUriTooLong"), "HTTP-request-URI-too-long");
        assert_eq!(wit_name("DestinationIpProhibited"), "destination-IP-prohibited");
        assert_eq!(wit_name("TlsAlertReceived"), "TLS-alert-received");
        assert_eq!(wit_name("ConnectionRefused"), "connection-refused");
        assert_eq!(wit_name("InternalError"), "internal-error");
    }

    #[test]
    fn denials_name_the_host_and_the_variable() {
        let error = denied("api.example.com:8443");
        assert_eq!(error.error_type(), DENIED);
        assert!(
            error
                .message()
                .contains("list api.example.com:8443 in the function's LAMBDA_WASM_ALLOW_HTTP")
        );
        assert!(error.message().contains("HTTP-request-denied"));
    }

    #[test]
    fn natively_nothing_is_sent() {
        let error = get("http://127.0.0.1:1/").err();
        assert_eq!(error.as_ref().map(Error::error_type), Some(ERROR));
        let message = error.map(|e| e.message().to_owned()).unwrap_or_default();
        assert!(
            message.starts_with("outbound HTTP needs the wasm host: GET http://127.0.0.1:1/"),
            "{message}"
        );
    }

    #[test]
    fn bad_urls_fail_before_anything_else() {
        let error = get("ftp://example.com/").err();
        assert_eq!(error.as_ref().map(Error::error_type), Some(ERROR));
        assert!(error.is_some_and(|e| e.message().contains("only http:// and https://")));
    }
}
