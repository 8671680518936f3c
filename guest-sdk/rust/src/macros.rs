//! `handler!`, which exports a function as the component's `handle`, and the logging macros.

/// Exports a handler function as the component's WIT export `handle`.
///
/// The function takes a [`LambdaEvent<T>`](crate::LambdaEvent) and returns `Result<R, E>`, where `T`
/// is any [`FromPayload`](crate::FromPayload) type (any `serde` type, or
/// [`RawPayload`](crate::RawPayload)), `R` any [`IntoPayload`](crate::IntoPayload) type and `E`
/// anything that converts into [`Error`](crate::Error). Use it once per crate, at module level:
///
/// ```
/// use lambda_wasm_sdk::{Error, LambdaEvent, RawPayload};
///
/// fn echo(event: LambdaEvent<RawPayload>) -> Result<RawPayload, Error> {
///     Ok(event.payload)
/// }
///
/// lambda_wasm_sdk::handler!(echo);
/// # fn main() {}
/// ```
///
/// It expands to a type implementing the bindings' `Guest` trait, whose `handle` runs the function
/// through this crate (decoding, panic hook, error mapping), and to wit-bindgen's export glue
/// (`handle` and `cabi_post_handle` symbols, plus the component-type custom section on `wasm32`).
/// It names only `lambda_wasm_sdk` paths (through `$crate`), so the handler crate needs no
/// `wit-bindgen` dependency.
#[macro_export]
macro_rules! handler {
    ($handler:expr $(,)?) => {
        const _: () = {
            struct __LambdaWasmHandler;

            impl $crate::__private::Guest for __LambdaWasmHandler {
                fn handle(
                    ctx: $crate::__private::WitContext,
                    event: $crate::__private::Vec<u8>,
                ) -> $crate::__private::Result<$crate::__private::Vec<u8>, $crate::__private::HandlerError>
                {
                    $crate::__private::handle(ctx, event, $handler)
                }
            }

            $crate::__private::bindings::__export!(
                __LambdaWasmHandler with_types_in $crate::__private::bindings
            );
        };
    };
}

/// Logs `format!` arguments at [`Level::Trace`](crate::log::Level::Trace).
#[macro_export]
macro_rules! trace {
    ($($arg:tt)+) => {
        $crate::log::log($crate::log::Level::Trace, &$crate::__private::format!($($arg)+))
    };
}

/// Logs `format!` arguments at [`Level::Debug`](crate::log::Level::Debug).
#[macro_export]
macro_rules! debug {
    ($($arg:tt)+) => {
        $crate::log::log($crate::log::Level::Debug, &$crate::__private::format!($($arg)+))
    };
}

/// Logs `format!` arguments at [`Level::Info`](crate::log::Level::Info).
#[macro_export]
macro_rules! info {
    ($($arg:tt)+) => {
        $crate::log::log($crate::log::Level::Info, &$crate::__private::format!($($arg)+))
    };
}

/// Logs `format!` arguments at [`Level::Warn`](crate::log::Level::Warn).
#[macro_export]
macro_rules! warn {
    ($($arg:tt)+) => {
        $crate::log::log($crate::log::Level::Warn, &$crate::__private::format!($($arg)+))
    };
}

/// Logs `format!` arguments at [`Level::Error`](crate::log::Level::Error).
#[macro_export]
macro_rules! error {
    ($($arg:tt)+) => {
        $crate::log::log($crate::log::Level::Error, &$crate::__private::format!($($arg)+))
    };
}
