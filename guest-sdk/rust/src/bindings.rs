//! The WIT bindings of world `handler`: the crate's only `generate!`.
//!
//! The options make the generated `__export!` macro usable from the user's crate through
//! `lambda_wasm_sdk::__private` paths alone, so a handler crate never depends on `wit-bindgen` itself:
//! - `pub_export_macro`: the export macro is `#[macro_export]`ed instead of `pub(crate)`;
//! - `export_macro_name`: named `__export` (hidden; `handler!` is the public way in);
//! - `default_bindings_module` and `runtime_path`: generated code names these bindings and
//!   wit-bindgen's runtime support through this crate (`extern crate self as lambda_wasm_sdk` in
//!   `lib.rs` makes the same paths work inside the SDK).

wit_bindgen::generate!({
    world: "handler",
    path: "wit",
    pub_export_macro: true,
    export_macro_name: "__export",
    default_bindings_module: "lambda_wasm_sdk::__private::bindings",
    runtime_path: "lambda_wasm_sdk::__private::rt",
});

pub use lambda::handler::runtime;
