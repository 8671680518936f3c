//! Builds the guest components the tests run, from source, for `wasm32-wasip2`, and hands their paths to the
//! tests as `GUEST_<NAME>` environment variables. A guest that does not build fails the build: no test is ever
//! skipped for want of its component.

use std::path::{Path, PathBuf};
use std::process::Command;

/// (env suffix, crate folder relative to the workspace root, artifact file name).
const GUESTS: [(&str, &str, &str); 4] = [
    ("ECHO", "tests/fixtures/echo", "fixture_echo.wasm"),
    ("BEHAVIORS", "tests/fixtures/behaviors", "fixture_behaviors.wasm"),
    (
        "OTHER_WORLD",
        "tests/fixtures/other-world",
        "fixture_other_world.wasm",
    ),
    ("RUST_HELLO", "examples/rust-hello", "rust_hello.wasm"),
];

fn main() {
    let manifest_dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| ".".into()));
    let root = manifest_dir.parent().map(Path::to_path_buf).unwrap_or_default();
    // The outer build holds the lock on `target/`: the guests get a target dir of their own.
    let target_dir = root.join("target").join("wasm-guests");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    for watched in [
        "tests/fixtures",
        "examples/rust-hello/src",
        "examples/rust-hello/Cargo.toml",
        "guest-sdk/rust",
        "wit",
    ] {
        println!("cargo:rerun-if-changed={}", root.join(watched).display());
    }
    for (name, folder, artifact) in GUESTS {
        let manifest = root.join(folder).join("Cargo.toml");
        let mut command = Command::new(&cargo);
        command
            .args([
                "build",
                "--release",
                "--locked",
                "--target",
                "wasm32-wasip2",
                "--manifest-path",
            ])
            .arg(&manifest)
            .env("CARGO_TARGET_DIR", &target_dir);
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
            println!(
                "cargo:warning=building the guest {folder} failed ({status:?}); run `rustup target add wasm32-wasip2`"
            );
            std::process::exit(1);
        }
        let path = target_dir.join("wasm32-wasip2").join("release").join(artifact);
        println!("cargo:rustc-env=GUEST_{name}={}", path.display());
    }
}
