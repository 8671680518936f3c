//! The only `bindgen!` of the host: Rust types and traits generated from `wit/handler.wit`.
#![expect(
    missing_docs,
    reason = "the generated bindings carry the WIT docs, not every item's"
)]

wasmtime::component::bindgen!({
    path: "../../wit",
    world: "handler",
    imports: { default: trappable },
    exports: { default: async },
});
