//! Write AWS Lambda handlers in Rust that run as WebAssembly components under the `lambda-wasm`
//! bootstrap.
//!
//! The bootstrap is a native Lambda custom runtime: for each invocation it calls the component's WIT
//! export `handle` (world `handler` of `lambda:handler@0.1.0`, in this crate's `wit/` folder). This
//! crate turns an ordinary function into that export:
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
//! # Layout
//! - `context`: [`Context`] and [`LambdaEvent`];
//! - `error`: [`Error`];
//! - `payload`: [`FromPayload`], [`IntoPayload`] and [`RawPayload`];
//! - [`log`]: log functions and macros;
//! - `panic`: the panic hook;
//! - `macros`: [`handler!`] and the log macros;
//! - `export`: what a `handler!` expansion calls for each invocation;
//! - `bindings`: the WIT bindings, the crate's only `wit_bindgen::generate!`.

// Lets the generated bindings name this crate as `lambda_wasm_sdk::...`, the paths they also use
// when expanded in a handler's crate.
extern crate self as lambda_wasm_sdk;

#[doc(hidden)]
pub mod bindings;
mod context;
mod error;
mod export;
pub mod log;
mod macros;
mod panic;
mod payload;

pub use context::{Context, LambdaEvent};
pub use error::Error;
pub use payload::{FromPayload, IntoPayload, MARSHAL_ERROR, RawPayload, UNMARSHAL_ERROR};

/// What `handler!` and the generated bindings name. Not a stable API.
#[doc(hidden)]
pub mod __private {
    pub use crate::bindings;
    pub use crate::bindings::{Context as WitContext, Guest, HandlerError};
    pub use crate::export::handle;
    pub use std::{format, result::Result, vec::Vec};
    pub use wit_bindgen::rt;
}
