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
