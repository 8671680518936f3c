//! The `make dist` binaries, `target/dist/<arch>/bootstrap` (or under `LAMBDA_WASM_DIST_DIR`): each is an ELF
//! file for its CPU that needs no glibc newer than `provided.al2023`'s, and serves a component that
//! `lambda-wasm compile` made for that CPU (the other architecture's under qemu) and refuses a `.wasm` with the
//! command that precompiles it.
//!
//! Building them takes two release builds of wasmtime, so this suite needs the `dist` feature and `make dist`
//! runs it right after building them (`.ci/run` runs `make dist`; `make test` does not).
#![allow(
    clippy::panic,
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails by panicking"
)]

#[allow(
    dead_code,
    reason = "the e2e suite's harness, of which this suite uses a part"
)]
#[path = "e2e/harness.rs"]
mod harness;

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use lambda_wasm_tests::ECHO;
use object::Endianness;
use object::elf::{EM_AARCH64, EM_X86_64, FileHeader64, PT_INTERP};
use object::read::elf::{FileHeader as _, ProgramHeader as _};

use harness::{Function, TaskRoot, workspace_binary};

/// The newest glibc `provided.al2023` has.
const LAMBDA_GLIBC: (u32, u32) = (2, 34);

/// Lambda's architecture names and their ELF machines.
const ARCHITECTURES: [(&str, u16); 2] = [("x86_64", EM_X86_64), ("arm64", EM_AARCH64)];

fn dist_dir() -> PathBuf {
    match std::env::var_os("LAMBDA_WASM_DIST_DIR") {
        Some(dir) => PathBuf::from(dir),
        // target/debug/lambda-wasm -> target/dist
        None => workspace_binary("lambda-wasm")
            .parent()
            .and_then(Path::parent)
            .unwrap()
            .join("dist"),
    }
}

fn bootstrap(arch: &str) -> PathBuf {
    let path = dist_dir().join(arch).join("bootstrap");
    assert!(path.is_file(), "{} is missing: run `make dist`", path.display());
    path
}

/// Lambda's name of this machine's architecture.
fn host_arch() -> &'static str {
    match std::env::consts::ARCH {
        "x86_64" => "x86_64",
        "aarch64" => "arm64",
        other => panic!("the tests run on x86_64 or aarch64, not {other}"),
    }
}

/// The highest `GLIBC_x.y` symbol version an ELF file needs, if it needs any.
fn highest_glibc(data: &[u8], header: &FileHeader64<Endianness>, endian: Endianness) -> Option<(u32, u32)> {
    let sections = header.sections(endian, data).unwrap();
    let (mut needs, link) = sections.gnu_verneed(endian, data).unwrap()?;
    let strings = sections.strings(endian, data, link).unwrap();
    let mut highest = None;
    while let Some((_, mut versions)) = needs.next().unwrap() {
        while let Some(version) = versions.next().unwrap() {
            let name = String::from_utf8_lossy(version.name(endian, strings).unwrap()).into_owned();
            if let Some(number) = name.strip_prefix("GLIBC_") {
                let mut parts = number.split('.').map(|p| p.parse::<u32>().unwrap());
                let found = (parts.next().unwrap(), parts.next().unwrap_or(0));
                highest = highest.max(Some(found));
            }
        }
    }
    highest
}

#[test]
fn each_bootstrap_is_for_its_cpu_and_needs_no_newer_glibc_than_lambdas() {
    for (arch, machine) in ARCHITECTURES {
        let path = bootstrap(arch);
        let data = std::fs::read(&path).unwrap();
        let header = FileHeader64::<Endianness>::parse(data.as_slice()).unwrap();
        let endian = header.endian().unwrap();
        assert_eq!(
            header.e_machine(endian),
            machine,
            "{} is for another CPU",
            path.display()
        );
        let program = header.program_headers(endian, data.as_slice()).unwrap();
        let interpreted = program.iter().any(|p| p.p_type(endian) == PT_INTERP);
        let glibc = highest_glibc(&data, header, endian);
        println!(
            "{}: {} bytes, {}, highest GLIBC symbol version: {glibc:?}",
            path.display(),
            data.len(),
            if interpreted { "dynamic" } else { "static" }
        );
        if let Some(version) = glibc {
            assert!(
                version <= LAMBDA_GLIBC,
                "{} needs GLIBC_{version:?}",
                path.display()
            );
        }
        // `make dist` links statically (musl): nothing to resolve on the host at all.
        assert!(!interpreted, "{} is dynamically linked", path.display());
    }
}

/// Each lean bootstrap (no compiler) serves what `lambda-wasm compile --target <its arch>` makes, and refuses a
/// `.wasm` with the command that precompiles it. The other architecture's runs under qemu's user-mode emulator
/// (`make dist` installs it), so the arm64 build is run, not only read, on an x86_64 machine.
#[tokio::test]
async fn each_lean_bootstrap_serves_a_component_compiled_for_it_and_refuses_a_wasm() {
    for (arch, _) in ARCHITECTURES {
        let lean = bootstrap(arch);
        let command: Vec<OsString> = if arch == host_arch() {
            vec![lean.into_os_string()]
        } else {
            let qemu = match arch {
                "arm64" => "qemu-aarch64",
                _ => "qemu-x86_64",
            };
            vec![qemu.into(), lean.into_os_string()]
        };
        let root = TaskRoot::new(ECHO, &[]);
        let cwasm = root.dir.path().join("handler.cwasm");
        let compiled = Command::new(workspace_binary("lambda-wasm"))
            .args(["compile", ECHO.path, "-o"])
            .arg(&cwasm)
            .args(["--target", arch])
            .output()
            .unwrap();
        assert!(
            compiled.status.success(),
            "{}",
            String::from_utf8_lossy(&compiled.stderr)
        );

        let task_root = root.dir.path().display().to_string();
        let env = |handler: &str| {
            vec![
                ("LAMBDA_TASK_ROOT".to_owned(), task_root.clone()),
                ("_HANDLER".to_owned(), handler.to_owned()),
            ]
        };
        let function =
            Function::command(command.clone(), env("handler.cwasm"), Duration::from_secs(60)).await;
        assert_eq!(
            function.invoke(arch).await.body.as_ref(),
            arch.as_bytes(),
            "{arch}"
        );
        assert_eq!(function.invoke("again").await.body.as_ref(), b"again", "{arch}");
        function.assert_one_process();

        let function = Function::command(command, env("handler.wasm"), Duration::from_secs(60)).await;
        let body = function
            .invoke("{}")
            .await
            .expect_error("Runtime.IncompatibleArtifact");
        let message = body["errorMessage"].as_str().unwrap();
        let rebuild = format!("lambda-wasm compile handler.wasm -o handler.cwasm --target {arch}");
        assert!(
            message.contains("built without the compiler") && message.contains(&rebuild),
            "{arch}: {message}"
        );
    }
}
