//! The panic hook that tells the host why the guest is about to trap.
//!
//! `wasm32-wasip2` aborts on panic: nothing can catch it, and the host would only see
//! `wasm 'unreachable' instruction executed`. The hook hands the panic's message and location to the
//! host's `record-panic` first, so Lambda reports `Runtime.Panic` with that message.

/// Installs the hook, once per instance; later calls do nothing. A no-op outside a component, where
/// `record-panic` does not exist and panics are the test harness's business.
pub(crate) fn install_hook() {
    #[cfg(target_arch = "wasm32")]
    {
        static INSTALL: std::sync::Once = std::sync::Once::new();
        INSTALL.call_once(|| std::panic::set_hook(Box::new(report)));
    }
}

/// The hook: hand the message to the host, which logs it and puts it in the error report. Nothing is
/// printed here, so the function's logs do not show it twice.
#[cfg(target_arch = "wasm32")]
fn report(info: &std::panic::PanicHookInfo<'_>) {
    let message = describe(info.location(), info.payload_as_str());
    crate::bindings::runtime::record_panic(&message);
}

/// `panicked at src/lib.rs:10:5: boom`, like Rust's default hook but on one line.
#[cfg(any(target_arch = "wasm32", test))]
fn describe(location: Option<&std::panic::Location<'_>>, payload: Option<&str>) -> String {
    // A payload that is not a string comes from `std::panic::panic_any`; the default hook says this too.
    let payload = payload.unwrap_or("Box<dyn Any>");
    match location {
        Some(location) => format!("panicked at {location}: {payload}"),
        None => format!("panicked: {payload}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn describes_location_and_message_on_one_line() {
        let location = std::panic::Location::caller();
        let expected = format!(
            "panicked at {}:{}:{}: boom",
            location.file(),
            location.line(),
            location.column()
        );
        assert_eq!(describe(Some(location), Some("boom")), expected);
        assert_eq!(describe(None, None), "panicked: Box<dyn Any>");
    }
}
