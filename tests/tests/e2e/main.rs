//! End-to-end tests: each starts the emulator on port 0, which spawns the real `bootstrap` process, and drives
//! it over HTTP with guest components built from source.
#![allow(
    clippy::panic,
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails by panicking"
)]

mod cli;
mod deploy;
mod errors;
mod harness;
mod hostile;
mod init;
mod invoke;
mod languages;
mod llm;
mod logs;
mod managed;
mod outbound;
mod project;
mod raw_stream;
mod sandbox;
mod scripted;
mod signing;
mod standin;
mod stream;
