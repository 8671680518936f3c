//! `lambda-wasm build [dir]`: the component of a project, in any language, into `target/lambda-wasm/handler.wasm`,
//! with the toolchain set-up the examples use (the checkout's scripts install what is missing).

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

use anyhow::{Context as _, bail};

use super::{Language, Project};

/// Arguments of `build`.
#[derive(clap::Args)]
pub struct BuildArgs {
    /// The project's folder.
    #[arg(default_value = ".")]
    dir: PathBuf,
    /// The lambda-wasm checkout to build with (default: the project's, else `LAMBDA_WASM_SDK`, else the one this
    /// CLI was built from).
    #[arg(long)]
    sdk: Option<PathBuf>,
}

/// Builds the project in `args.dir` and prints the component's path.
pub fn build(args: BuildArgs) -> anyhow::Result<ExitCode> {
    let project = Project::open(&args.dir, args.sdk.as_deref())?;
    let component = component(&project)?;
    println!("{}", component.display());
    Ok(ExitCode::SUCCESS)
}

/// Builds `project`; its component's path. The tools' output goes to stderr; a failed build is an error that
/// names the step.
pub fn component(project: &Project) -> anyhow::Result<PathBuf> {
    let started = Instant::now();
    let out = project.component();
    if let Some(parent) = out.parent() {
        std::fs::create_dir_all(parent).with_context(|| format!("making {}", parent.display()))?;
    }
    eprintln!(
        "lambda-wasm: building {} ({}, world {})",
        project.dir.display(),
        project.language.name(),
        project.world()
    );
    match project.language {
        Language::Rust => rust(project, &out)?,
        Language::Python => {
            let script = project.sdk.join("guest-sdk/python/build.sh");
            run(
                Command::new(script)
                    .arg(&project.dir)
                    .arg("app")
                    .arg(project.world())
                    .arg(&out),
                "guest-sdk/python/build.sh",
            )?;
        }
        Language::Js | Language::Ts => javascript(project, &out)?,
        Language::C => {
            let script = project.sdk.join("guest-sdk/c/build.sh");
            run(
                Command::new(script).arg(&out).arg(project.dir.join("app.c")),
                "guest-sdk/c/build.sh",
            )?;
        }
    }
    if !out.is_file() {
        bail!("the build ended without writing {}", out.display());
    }
    eprintln!(
        "lambda-wasm: built {} in {:.1?}",
        out.display(),
        started.elapsed()
    );
    Ok(out)
}

/// cargo for `wasm32-wasip2` (into `CARGO_TARGET_DIR` when set, else the project's `target/`), then the
/// artifact copied to `out`.
fn rust(project: &Project, out: &Path) -> anyhow::Result<()> {
    let manifest = project.dir.join("Cargo.toml");
    let text =
        std::fs::read_to_string(&manifest).with_context(|| format!("reading {}", manifest.display()))?;
    let package = text
        .lines()
        .skip_while(|l| l.trim() != "[package]")
        .find_map(|l| {
            let (key, value) = l.split_once('=')?;
            (key.trim() == "name").then(|| value.trim().trim_matches('"').to_owned())
        })
        .with_context(|| format!("{} has no [package] name", manifest.display()))?;
    let target_dir = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| project.dir.join("target"));
    run(
        Command::new("cargo")
            .args([
                "build",
                "--release",
                "--target",
                "wasm32-wasip2",
                "--manifest-path",
            ])
            .arg(&manifest)
            .env("CARGO_TARGET_DIR", &target_dir)
            .current_dir(&project.dir),
        "cargo build",
    )?;
    let artifact = target_dir
        .join("wasm32-wasip2/release")
        .join(format!("{}.wasm", package.replace('-', "_")));
    std::fs::copy(&artifact, out)
        .with_context(|| format!("copying {} to {}", artifact.display(), out.display()))?;
    Ok(())
}

/// The packages (`npm install` the first time, making the lock file; then the SDK's `setup.sh`, which installs
/// from the lock files), tsc for TypeScript, then `lambda-wasm-js build --http` (so `fetch` works).
fn javascript(project: &Project, out: &Path) -> anyhow::Result<()> {
    if !project.dir.join("package-lock.json").is_file() {
        run(
            Command::new("npm")
                .args(["install", "--no-audit", "--no-fund", "--loglevel=error"])
                .current_dir(&project.dir),
            "npm install",
        )?;
    }
    run(
        Command::new(project.sdk.join("guest-sdk/js/setup.sh")).arg(&project.dir),
        "guest-sdk/js/setup.sh",
    )?;
    let entry = if project.language == Language::Ts {
        run(
            Command::new(project.dir.join("node_modules/.bin/tsc")).current_dir(&project.dir),
            "tsc",
        )?;
        "dist/app.js"
    } else {
        "app.js"
    };
    run(
        Command::new(project.dir.join("node_modules/.bin/lambda-wasm-js"))
            .args(["build", entry, "--http", "--world", project.world(), "-o"])
            .arg(out)
            .current_dir(&project.dir),
        "lambda-wasm-js build",
    )
}

/// Runs `command` with its output on stderr; an error naming `what` when it fails.
fn run(command: &mut Command, what: &str) -> anyhow::Result<()> {
    let status = command
        .stdout(std::process::Stdio::from(std::io::stderr()))
        .status()
        .with_context(|| format!("starting {what}"))?;
    if !status.success() {
        bail!("{what} failed ({status})");
    }
    Ok(())
}
