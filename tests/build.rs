//! Builds the guest components the tests run, from source, for `wasm32-wasip2`, and hands their paths to the
//! tests as `GUEST_<NAME>` environment variables. A guest that does not build fails the build: no test is ever
//! skipped for want of its component.
//!
//! - `tests/fixtures/*` (one Cargo workspace of small Rust components) and the Rust examples: cargo, with a
//!   target dir of its own (the outer build holds the lock on `target/`);
//! - `tests/fixtures/traps/traps.wat`: a hand-written core module, made a component of the `handler` world with
//!   `wit-component`.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Rust guests: (env suffix, artifact file name). All are built by the two cargo invocations below.
const RUST_GUESTS: [(&str, &str); 18] = [
    ("ECHO", "fixture_echo.wasm"),
    ("BEHAVIORS", "fixture_behaviors.wasm"),
    ("OTHER_WORLD", "fixture_other_world.wasm"),
    ("MEMORY", "fixture_memory.wasm"),
    ("FILESYSTEM", "fixture_filesystem.wasm"),
    ("ENVIRONMENT", "fixture_environment.wasm"),
    ("NETWORK", "fixture_network.wasm"),
    ("STDOUT_FLOOD", "fixture_stdout_flood.wasm"),
    ("BIG_RESPONSE", "fixture_big_response.wasm"),
    ("STREAMING", "fixture_streaming.wasm"),
    ("OUTBOUND", "fixture_outbound.wasm"),
    ("OPS", "fixture_ops.wasm"),
    ("OPS_STREAMING", "fixture_ops_streaming.wasm"),
    ("RUST_FETCH", "rust_fetch.wasm"),
    ("RUST_BEDROCK", "rust_bedrock.wasm"),
    ("RUST_SQS_BATCH", "rust_sqs_batch.wasm"),
    ("RUST_HELLO", "rust_hello.wasm"),
    ("RUST_STREAMING", "rust_streaming.wasm"),
];

fn main() {
    let manifest_dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| ".".into()));
    let root = manifest_dir.parent().map(Path::to_path_buf).unwrap_or_default();
    let target_dir = root.join("target").join("wasm-guests");
    for watched in [
        "tests/fixtures",
        "examples/rust-hello/src",
        "examples/rust-hello/Cargo.toml",
        "examples/rust-streaming/src",
        "examples/rust-streaming/Cargo.toml",
        "examples/rust-fetch/src",
        "examples/rust-fetch/Cargo.toml",
        "examples/rust-bedrock/src",
        "examples/rust-bedrock/Cargo.toml",
        "examples/rust-sqs-batch/src",
        "examples/rust-sqs-batch/Cargo.toml",
        "guest-sdk/rust",
        "wit",
    ] {
        println!("cargo:rerun-if-changed={}", root.join(watched).display());
    }
    // The SDK's `http` feature (wasi:http bindings) is built for the outbound and ops fixtures alone: Cargo
    // unifies features across a workspace, and every other fixture must keep the plain world.
    let fixtures = root.join("tests/fixtures/Cargo.toml");
    cargo_build(
        &fixtures,
        &target_dir,
        &[
            "--workspace",
            "--exclude",
            "fixture-outbound",
            "--exclude",
            "fixture-ops",
            "--exclude",
            "fixture-ops-streaming",
        ],
    );
    cargo_build(
        &fixtures,
        &target_dir,
        &[
            "-p",
            "fixture-outbound",
            "-p",
            "fixture-ops",
            "-p",
            "fixture-ops-streaming",
        ],
    );
    for example in [
        "rust-hello",
        "rust-streaming",
        "rust-fetch",
        "rust-bedrock",
        "rust-sqs-batch",
    ] {
        cargo_build(
            &root.join("examples").join(example).join("Cargo.toml"),
            &target_dir,
            &[],
        );
    }
    let release = target_dir.join("wasm32-wasip2").join("release");
    for (name, artifact) in RUST_GUESTS {
        println!(
            "cargo:rustc-env=GUEST_{name}={}",
            release.join(artifact).display()
        );
    }
    let traps = release.join("fixture_traps.wasm");
    if let Err(e) = wat_component(
        &root.join("tests/fixtures/traps/traps.wat"),
        &root.join("wit"),
        &traps,
    ) {
        fail(&format!("making the traps fixture a component failed: {e:#}"));
    }
    println!("cargo:rustc-env=GUEST_TRAPS={}", traps.display());
    let start_loop = release.join("fixture_start_loop.wasm");
    if let Err(e) = wat_component(
        &root.join("tests/fixtures/traps/start-loop.wat"),
        &root.join("wit"),
        &start_loop,
    ) {
        fail(&format!(
            "making the start-loop fixture a component failed: {e:#}"
        ));
    }
    println!("cargo:rustc-env=GUEST_START_LOOP={}", start_loop.display());
}

fn cargo_build(manifest: &Path, target_dir: &Path, packages: &[&str]) {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut command = Command::new(cargo);
    command
        .args([
            "build",
            "--release",
            "--locked",
            "--target",
            "wasm32-wasip2",
            "--manifest-path",
        ])
        .arg(manifest)
        .args(packages)
        .env("CARGO_TARGET_DIR", target_dir);
    // Nothing of the outer build (its flags, wrappers such as clippy-driver, its jobserver) leaks in.
    for (key, _) in std::env::vars_os() {
        let key = key.to_string_lossy();
        let outer = (key.starts_with("CARGO_") && key != "CARGO_HOME")
            || [
                "RUSTC",
                "RUSTC_WRAPPER",
                "RUSTC_WORKSPACE_WRAPPER",
                "RUSTDOC",
                "RUSTFLAGS",
                "TARGET",
            ]
            .contains(&key.as_ref());
        if outer {
            command.env_remove(key.as_ref());
        }
    }
    let status = command.status();
    if !status.as_ref().is_ok_and(|s| s.success()) {
        fail(&format!(
            "building the guests of {} failed ({status:?}); `make test` adds the wasm32-wasip2 target first",
            manifest.display()
        ));
    }
}

/// Parses `wat`, embeds the `handler` world of `wit_dir` and encodes the component to `out`.
fn wat_component(wat: &Path, wit_dir: &Path, out: &Path) -> anyhow::Result<()> {
    println!("cargo:rerun-if-changed={}", wat.display());
    let mut module = wat::parse_file(wat)?;
    let mut resolve = wit_parser::Resolve::default();
    let (package, _) = resolve.push_path(wit_dir)?;
    let world = resolve.select_world(&[package], Some("handler"))?;
    wit_component::embed_component_metadata(
        &mut module,
        &resolve,
        world,
        wit_component::StringEncoding::UTF8,
        false,
    )?;
    let component = wit_component::ComponentEncoder::default()
        .module(&module)?
        .validate(true)
        .encode()?;
    if let Some(dir) = out.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(out, component)?;
    Ok(())
}

fn fail(message: &str) -> ! {
    println!("cargo:warning={message}");
    std::process::exit(1);
}
