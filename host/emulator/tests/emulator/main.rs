//! Drives the emulator over real HTTP on 127.0.0.1: a shell command stands in for the bootstrap process
//! (it prints `spawned <pid>` and sleeps), and the test itself speaks the Runtime API as the runtime would,
//! streamed responses included. Every wait is bounded; nothing sleeps for readiness.
#![expect(clippy::unwrap_used, reason = "test code: a failed unwrap is a failed test")]

mod buffered;
mod function_url;
mod harness;
mod managed;
mod streaming;
