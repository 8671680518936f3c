//! The WIT bindings this crate calls and exports through: the crate's only `generate!`s.
//!
//! - [`handler`]: world `handler`, its imports and the export glue of `handle`;
//! - [`stream`]: interface `response-stream` (the `writer`), through an SDK-internal world that only
//!   imports it.
//!
//! The options make the `handler` world's `__export!` macro usable from the user's crate through
//! `lambda_wasm_sdk::__private` paths alone, so a handler crate never depends on `wit-bindgen` itself:
//! - `pub_export_macro`: the export macro is `#[macro_export]`ed instead of `pub(crate)`;
//! - `export_macro_name`: named `__export` (hidden; `handler!` is the public way in);
//! - `default_bindings_module` and `runtime_path`: generated code names these bindings and
//!   wit-bindgen's runtime support through this crate (`extern crate self as lambda_wasm_sdk` in
//!   `lib.rs` makes the same paths work inside the SDK).
//!
//! # Why world `streaming-handler` is not generated here
//! Every `generate!` puts a component-type custom section in the crate's code, and every section
//! linked into a component is merged into its world. With `pub_export_macro` the library's own
//! section describes the world without its exports (these come with the export macro), and
//! `wit-component` drops the imports the core module never calls, but it keeps a world's own types
//! unconditionally. World `streaming-handler` has `use response-stream.{writer}`: its section here
//! would make every `handler!` component import `response-stream` (checked: it did), which a host
//! running world `handler` does not provide. A Cargo feature cannot help either: features are
//! unified, so one streaming crate in a workspace would turn it on for every handler built with it.
//!
//! So this crate only generates what is harmless in any component:
//! - world `handler` with its exports removed: `runtime` and the `types` records, which a streaming
//!   component imports too;
//! - `response-stream` as an interface import with no world-level type, dropped from any component
//!   that never writes.
//!
//! and `streaming_handler!` generates world `streaming-handler` in the handler's crate (the WIT
//! reaches it as a literal from `build.rs`), with its three interfaces mapped onto the modules here,
//! so that it adds only the world's export glue and section. Each component then exports exactly its
//! macro's function and imports only what it calls: a `handler!` component `runtime` (plus the
//! `types` records), a `streaming_handler!` one `runtime` and `response-stream`.

/// World `handler`: a handler that returns its whole response at once.
pub mod handler {
    wit_bindgen::generate!({
        world: "handler",
        path: "wit",
        pub_export_macro: true,
        export_macro_name: "__export",
        default_bindings_module: "lambda_wasm_sdk::__private::bindings::handler",
        runtime_path: "lambda_wasm_sdk::__private::rt",
    });
}

/// Interface `response-stream`, imported by an SDK-internal world with nothing else in it: the
/// `writer` that [`ResponseStream`](crate::ResponseStream) wraps. The world `streaming-handler` itself
/// is generated in the handler's crate by `streaming_handler!` (see the module docs).
pub mod stream {
    wit_bindgen::generate!({
        inline: "
            package lambda-wasm-sdk:internal;

            world response-stream-import {
                import lambda:handler/response-stream@0.1.0;
            }
        ",
        path: "wit",
        world: "response-stream-import",
        // The interface is from another package than the world: generate it here.
        generate_all,
        runtime_path: "lambda_wasm_sdk::__private::rt",
    });
}

pub use handler::lambda::handler::runtime;
pub use handler::{Context, HandlerError};
pub use stream::lambda::handler::response_stream::{HttpPrelude, Writer};
