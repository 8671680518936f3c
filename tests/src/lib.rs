//! End-to-end tests of lambda-wasm: the real `bootstrap` process, the emulator over HTTP, and guest components
//! built from source by `build.rs` (fixtures in `fixtures/`, plus the examples). The tests live in `tests/e2e/`;
//! this library only carries the paths of the built guests.

/// A guest component built by `build.rs`.
#[derive(Debug, Clone, Copy)]
pub struct Guest {
    /// The crate's name.
    pub name: &'static str,
    /// The `.wasm` component's path.
    pub path: &'static str,
}

/// The raw-bytes echo fixture.
pub const ECHO: Guest = Guest {
    name: "echo",
    path: env!("GUEST_ECHO"),
};
/// The fixture whose behaviour the event picks (error, panic, trap, count, log, context, spin).
pub const BEHAVIORS: Guest = Guest {
    name: "behaviors",
    path: env!("GUEST_BEHAVIORS"),
};
/// A component of another world (exports `greet`, not `handle`).
pub const OTHER_WORLD: Guest = Guest {
    name: "other-world",
    path: env!("GUEST_OTHER_WORLD"),
};
/// `examples/rust-hello`.
pub const RUST_HELLO: Guest = Guest {
    name: "rust-hello",
    path: env!("GUEST_RUST_HELLO"),
};
/// Allocates the MiB the event asks for.
pub const MEMORY: Guest = Guest {
    name: "memory",
    path: env!("GUEST_MEMORY"),
};
/// Tries reads, listings and writes at the paths the event names.
pub const FILESYSTEM: Guest = Guest {
    name: "filesystem",
    path: env!("GUEST_FILESYSTEM"),
};
/// Reports the environment variables the event names.
pub const ENVIRONMENT: Guest = Guest {
    name: "environment",
    path: env!("GUEST_ENVIRONMENT"),
};
/// Tries to open sockets.
pub const NETWORK: Guest = Guest {
    name: "network",
    path: env!("GUEST_NETWORK"),
};
/// Writes 10 MB to stdout in one call.
pub const STDOUT_FLOOD: Guest = Guest {
    name: "stdout-flood",
    path: env!("GUEST_STDOUT_FLOOD"),
};
/// Returns as many bytes as the event asks for.
pub const BIG_RESPONSE: Guest = Guest {
    name: "big-response",
    path: env!("GUEST_BIG_RESPONSE"),
};
/// Hand-written WAT: division by zero, out-of-bounds access, `unreachable`, stack overflow.
pub const TRAPS: Guest = Guest {
    name: "traps",
    path: env!("GUEST_TRAPS"),
};
/// Streaming handler whose behaviour the event picks (chunks, wait-file, fail-after, http, big, ...).
pub const STREAMING: Guest = Guest {
    name: "streaming",
    path: env!("GUEST_STREAMING"),
};
/// `examples/rust-streaming`.
pub const RUST_STREAMING: Guest = Guest {
    name: "rust-streaming",
    path: env!("GUEST_RUST_STREAMING"),
};
/// GETs the URL the event names over `wasi:http` (the SDK's `http` feature).
pub const OUTBOUND: Guest = Guest {
    name: "outbound",
    path: env!("GUEST_OUTBOUND"),
};
/// Hand-written WAT whose start function never returns.
pub const START_LOOP: Guest = Guest {
    name: "start-loop",
    path: env!("GUEST_START_LOOP"),
};
/// Runs the operations its event encodes: the guest the fuzzer drives.
pub const OPS: Guest = Guest {
    name: "ops",
    path: env!("GUEST_OPS"),
};
/// The operations of `OPS`, in the streaming world (stream writes and the HTTP prelude live).
pub const OPS_STREAMING: Guest = Guest {
    name: "ops-streaming",
    path: env!("GUEST_OPS_STREAMING"),
};
/// `examples/rust-sqs-batch`.
pub const RUST_SQS_BATCH: Guest = Guest {
    name: "rust-sqs-batch",
    path: env!("GUEST_RUST_SQS_BATCH"),
};
/// `examples/rust-bedrock`.
pub const RUST_BEDROCK: Guest = Guest {
    name: "rust-bedrock",
    path: env!("GUEST_RUST_BEDROCK"),
};
/// `examples/rust-fetch`.
pub const RUST_FETCH: Guest = Guest {
    name: "rust-fetch",
    path: env!("GUEST_RUST_FETCH"),
};
