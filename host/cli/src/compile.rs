//! `lambda-wasm compile`: precompile a component with the exact engine settings `bootstrap` loads with.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context as _;

/// Arguments of `compile`.
#[derive(clap::Args)]
pub struct CompileArgs {
    /// The component to compile (`.wasm`).
    input: PathBuf,
    /// Where to write the precompiled component (`.cwasm`).
    #[arg(short, long)]
    output: PathBuf,
}

/// Compiles `input` for this machine and writes the artifact.
pub fn compile(args: CompileArgs) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let bytes = std::fs::read(&args.input).with_context(|| format!("reading {}", args.input.display()))?;
    let engine = lambda_wasm_host::engine::new()?;
    let artifact = engine
        .precompile_component(&bytes)
        .map_err(|e| anyhow::anyhow!("compiling {}: {e:#}", args.input.display()))?;
    std::fs::write(&args.output, &artifact).with_context(|| format!("writing {}", args.output.display()))?;
    println!(
        "compiled {} ({} bytes) -> {} ({} bytes) in {:.2?}",
        args.input.display(),
        bytes.len(),
        args.output.display(),
        artifact.len(),
        started.elapsed()
    );
    Ok(ExitCode::SUCCESS)
}
