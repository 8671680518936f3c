//! The only `bindgen!`s of the host: Rust types and traits generated from `wit/handler.wit`, one module per
//! world. The streaming world reuses the buffered world's `types` and `runtime`, so both kinds of handler share
//! one context type and one implementation of the `runtime` imports.
#![expect(
    missing_docs,
    reason = "the generated bindings carry the WIT docs, not every item's"
)]

/// World `handler`: `handle(ctx, event) -> result<response, handler-error>`.
pub mod buffered {
    wasmtime::component::bindgen!({
        path: "../../wit",
        world: "handler",
        imports: { default: trappable },
        exports: { default: async },
    });
}

/// World `streaming-handler`: `handle-stream(ctx, event, writer) -> result<_, handler-error>`.
pub mod streaming {
    wasmtime::component::bindgen!({
        path: "../../wit",
        world: "streaming-handler",
        imports: {
            // A write waits while the caller is slower than the handler (backpressure).
            "lambda:handler/response-stream.[method]writer.write": async | trappable,
            default: trappable,
        },
        exports: { default: async },
        with: {
            "lambda:handler/types": super::buffered::lambda::handler::types,
            "lambda:handler/runtime": super::buffered::lambda::handler::runtime,
            "lambda:handler/response-stream.writer": crate::stream::Writer,
        },
    });
}

pub use buffered::lambda::handler::types::{Context, HandlerError};
pub use buffered::{Handler, HandlerPre};
pub use streaming::lambda::handler::response_stream::HttpPrelude;
pub use streaming::{StreamingHandler, StreamingHandlerPre};
