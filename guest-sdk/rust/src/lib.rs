//! Write AWS Lambda handlers in Rust that run as WebAssembly components under the `lambda-wasm`
//! bootstrap.
//!
//! The bootstrap is a native Lambda custom runtime: for each invocation it calls the component's WIT
//! export `handle` (world `handler` of `lambda:handler@0.1.0`, in this crate's `wit/` folder), or
//! `handle-stream` for a [streaming handler](#streaming-responses). This crate turns an ordinary
//! function into that export:
//!
//! ```
//! use lambda_wasm_sdk::{Error, LambdaEvent};
//! use serde::{Deserialize, Serialize};
//!
//! #[derive(Deserialize)]
//! struct Request {
//!     name: String,
//! }
//!
//! #[derive(Serialize)]
//! struct Response {
//!     message: String,
//! }
//!
//! fn my_handler(event: LambdaEvent<Request>) -> Result<Response, Error> {
//!     lambda_wasm_sdk::info!("greeting {}", event.payload.name);
//!     Ok(Response { message: format!("Hello, {}!", event.payload.name) })
//! }
//!
//! lambda_wasm_sdk::handler!(my_handler);
//!
//! // A unit test calls the function directly, natively.
//! fn main() {
//!     let event = LambdaEvent::new(Request { name: "Ada".into() }, Default::default());
//!     assert_eq!(my_handler(event).map(|r| r.message).ok().as_deref(), Some("Hello, Ada!"));
//! }
//! ```
//!
//! Build the crate with `crate-type = ["cdylib"]` (add `"rlib"` to unit-test it natively) and
//! `cargo build --release --target wasm32-wasip2`: the `.wasm` it writes is the component. It
//! depends on this crate and `serde` only.
//!
//! # What a handler gets and returns
//! - The event is any `serde` type, parsed from JSON ([`serde_json::Value`] and `aws_lambda_events`
//!   types included), or [`RawPayload`] for the exact bytes. An event that does not parse is
//!   reported as `Runtime.UnmarshalError` with the parser's message; the handler is not called.
//! - The result is any `serde` type, written as JSON (`Runtime.MarshalError` if that fails), or
//!   [`RawPayload`].
//! - The error is an [`Error`], which any [`std::error::Error`] converts into, so `?` works; its type
//!   defaults to the Rust type's name (see [`Error`]).
//! - A panic aborts the instance (`wasm32-wasip2` cannot unwind): a hook installed before the first
//!   call passes its message (`panicked at src/lib.rs:10:5: boom`) to the host, which reports
//!   `Runtime.Panic`. The host then starts a fresh instance for the next event.
//!
//! [`Context::remaining_time`] and the [`log`] functions call the host inside a component and have
//! native fallbacks, so unit tests can use them.
//!
//! # Streaming responses
//! A handler exported with [`streaming_handler!`] (world `streaming-handler`, export
//! `handle-stream`) writes its response to a [`ResponseStream`] as it produces it, and the caller
//! (a Function URL, `InvokeWithResponseStream`) receives each write at once, up to Lambda's 200 MB
//! instead of 6 MB. Everything above holds for it too, except that it returns `Result<(), E>`:
//!
//! ```
//! use std::io::Write;
//!
//! use lambda_wasm_sdk::{Error, HttpResponse, LambdaEvent, ResponseStream};
//! use serde::Deserialize;
//!
//! #[derive(Deserialize)]
//! struct Request {
//!     name: String,
//! }
//!
//! fn my_handler(event: LambdaEvent<Request>, out: &mut ResponseStream) -> Result<(), Error> {
//!     // Before the first write: a content type, or for a Function URL a whole HTTP response.
//!     out.set_http_response(
//!         HttpResponse::builder().status(200).header("content-type", "text/plain").build(),
//!     )?;
//!     for token in ["Hello", ", "] {
//!         out.write(token.as_bytes())?; // Sent now; waits while the caller reads slower.
//!     }
//!     write!(out, "{}!", event.payload.name)?; // `ResponseStream` is an `io::Write` too.
//!     Ok(())
//! }
//!
//! lambda_wasm_sdk::streaming_handler!(my_handler);
//!
//! // A unit test writes to a collecting stream and reads what it kept.
//! fn main() {
//!     let mut out = ResponseStream::collecting();
//!     let event = LambdaEvent::new(Request { name: "Ada".into() }, Default::default());
//!     assert!(my_handler(event, &mut out).is_ok());
//!     assert_eq!(out.body(), b"Hello, Ada!");
//!     assert_eq!(out.http_response().map(|r| r.status()), Some(200));
//! }
//! ```
//!
//! A write the host refuses (Lambda's stream limit reached, caller gone, a content type after the
//! first write) fails with an [`Error`] of type [`STREAM_ERROR`] (`Runtime.StreamError`). An error
//! the handler returns before its first write is an ordinary error response; after it, the host
//! ends the stream with it (Lambda's error trailers). A panic is reported as `Runtime.Panic` either
//! way.
//!
//! # Outbound HTTP
//! With the crate's `http` feature, `lambda_wasm_sdk::http` sends HTTP requests from a handler
//! (`http::get(url)`, or `http::Request::new(method, url)...send()`) through the host's
//! `wasi:http/outgoing-handler`, which allows only the hosts the function lists in
//! `LAMBDA_WASM_ALLOW_HTTP`. The feature is off by default: a component built without it does not
//! link the `wasi:http` bindings.
//!
//! A crate uses [`handler!`] or [`streaming_handler!`], once: each component exports only the
//! function of its world (`handle` or `handle-stream`) and imports only what it calls.
//!
//! # Layout
//! - `context`: [`Context`] and [`LambdaEvent`];
//! - `error`: [`Error`];
//! - `payload`: [`FromPayload`], [`IntoPayload`] and [`RawPayload`];
//! - `stream`: [`ResponseStream`], the response of a streaming handler, and its test double;
//! - `http_response`: [`HttpResponse`], the status, headers and cookies of a streamed HTTP response;
//! - `http` (feature `http`): outbound HTTP requests, a blocking client over `wasi:http`;
//! - [`log`]: log functions and macros;
//! - `panic`: the panic hook;
//! - `macros`: [`handler!`], [`streaming_handler!`] and the log macros;
//! - `export`: what their expansions call for each invocation;
//! - `bindings`: the WIT bindings (world `handler`, interface `response-stream`), the crate's only
//!   `wit_bindgen::generate!`s; why world `streaming-handler` is generated by `streaming_handler!`
//!   in the handler's crate instead is explained there;
//! - `build.rs`: hands `wit/handler.wit` to `streaming_handler!` as a string literal.

// Lets the generated bindings name this crate as `lambda_wasm_sdk::...`, the paths they also use
// when expanded in a handler's crate.
extern crate self as lambda_wasm_sdk;

#[doc(hidden)]
pub mod bindings;
mod context;
mod error;
mod export;
#[cfg(feature = "http")]
pub mod http;
mod http_response;
pub mod log;
mod macros;
mod panic;
mod payload;
mod stream;

pub use context::{Context, LambdaEvent};
pub use error::Error;
pub use http_response::{HttpResponse, HttpResponseBuilder};
pub use payload::{FromPayload, IntoPayload, MARSHAL_ERROR, RawPayload, UNMARSHAL_ERROR};
pub use stream::{ResponseStream, STREAM_ERROR};

/// What `handler!` and the generated bindings name. Not a stable API.
#[doc(hidden)]
pub mod __private {
    pub use crate::bindings;
    pub use crate::bindings::handler::Guest;
    pub use crate::bindings::{Context as WitContext, HandlerError, Writer};
    pub use crate::export::{handle, handle_stream};
    pub use std::{format, result::Result, vec::Vec};
    pub use wit_bindgen::{generate, rt};
}
