//! Fuzz targets: each takes the fuzzer's bytes and checks the invariants of one part that reads untrusted
//! input. `make fuzz` runs them under libFuzzer (`cargo fuzz`, on the nightly toolchain, from
//! `tests/fuzz/cargo-fuzz`); `make test` replays every target's committed corpus (`tests/fuzz/corpus/<target>`)
//! through the same functions on the stable toolchain (`tests/replay.rs`).
//!
//! - `allow_list`: `LAMBDA_WASM_ALLOW_HTTP` parsing, name matching and the address check;
//! - `next_headers`: the headers and body of a `/next` answer into an invocation;
//! - `config`: the whole configuration from arbitrary variables;
//! - `error_report`: an error report's bounds, header type and streamed-trailer cap;
//! - `emulator`: requests to the emulator's invoke endpoint, InvokeWithResponseStream and Function URLs, answered
//!   by a scripted runtime whose answers (buffered, error, streamed with a prelude and trailers) the input also
//!   picks;
//! - `guest`: a guest driven by the fuzzer (operations read from its events) under the real `bootstrap`, two
//!   invocations at a time: every invocation answered, the same process after every input, memory bounded.

#![allow(
    clippy::panic,
    reason = "a fuzz target reports a broken invariant by panicking, which libFuzzer records as a crash"
)]

mod emulator;
mod guest;
mod parsers;

pub use emulator::emulator;
pub use guest::guest;
pub use parsers::{allow_list, config, error_report, next_headers};

/// A fuzz target: panics when an invariant breaks.
pub type Target = fn(&[u8]);

/// Every target, by name (the corpus folder's name).
pub const TARGETS: [(&str, Target); 6] = [
    ("allow_list", allow_list),
    ("next_headers", next_headers),
    ("config", config),
    ("error_report", error_report),
    ("emulator", emulator),
    ("guest", guest),
];
