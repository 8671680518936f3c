//! Log records attributed to the current invocation, through the host's `log` import.
//!
//! The host filters them by `AWS_LAMBDA_LOG_LEVEL` and writes them as text or JSON per
//! `AWS_LAMBDA_LOG_FORMAT`, with the request id. Outside a component (a native unit test) they go to
//! stderr as `[LEVEL] message`.
//!
//! Functions take a `&str`; the macros of the same names take `format!` arguments:
//!
//! ```
//! use lambda_wasm_sdk::log;
//!
//! log::info("starting");
//! let user = "Ada";
//! log::warn!("no greeting configured for {user}");
//! ```
//!
//! Plain `println!` and `eprintln!` also reach the function's logs, as untagged lines.

use std::fmt;

/// Severity of a log record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// Step-by-step detail.
    Trace,
    /// Detail for debugging.
    Debug,
    /// Normal progress.
    Info,
    /// Something unexpected that the handler survived.
    Warn,
    /// A failure.
    Error,
}

impl fmt::Display for Level {
    /// `TRACE`, `DEBUG`, `INFO`, `WARN` or `ERROR`, as Lambda spells levels.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Level::Trace => "TRACE",
            Level::Debug => "DEBUG",
            Level::Info => "INFO",
            Level::Warn => "WARN",
            Level::Error => "ERROR",
        })
    }
}

/// Writes one record at `level`.
pub fn log(level: Level, message: &str) {
    #[cfg(target_arch = "wasm32")]
    {
        use crate::bindings::runtime;
        let level = match level {
            Level::Trace => runtime::Level::Trace,
            Level::Debug => runtime::Level::Debug,
            Level::Info => runtime::Level::Info,
            Level::Warn => runtime::Level::Warn,
            Level::Error => runtime::Level::Error,
        };
        runtime::log(level, message);
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        // `eprintln!`, so that the test harness captures it.
        eprintln!("[{level}] {message}");
    }
}

/// Writes one record at [`Level::Trace`].
pub fn trace(message: &str) {
    log(Level::Trace, message);
}

/// Writes one record at [`Level::Debug`].
pub fn debug(message: &str) {
    log(Level::Debug, message);
}

/// Writes one record at [`Level::Info`].
pub fn info(message: &str) {
    log(Level::Info, message);
}

/// Writes one record at [`Level::Warn`].
pub fn warn(message: &str) {
    log(Level::Warn, message);
}

/// Writes one record at [`Level::Error`].
pub fn error(message: &str) {
    log(Level::Error, message);
}

#[doc(inline)]
pub use crate::{debug, error, info, trace, warn};
