//! `lambda-wasm compile`: precompile a component with the exact engine settings `bootstrap` loads with, for an
//! explicit Lambda architecture and its documented CPU baseline (never this machine's own CPU features).

use std::io::{IsTerminal as _, Write as _};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use lambda_wasm_host::engine::Target;
use wasmtime::{Engine, Precompiled};

/// The first 8 bytes of a component: the wasm magic, then version 0x0d and layer 1.
const COMPONENT_HEADER: [u8; 8] = [0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00];

/// Arguments of `compile`.
#[derive(clap::Args)]
pub struct CompileArgs {
    /// The component to compile (`.wasm`).
    input: PathBuf,
    /// Where to write the precompiled component (`.cwasm`).
    #[arg(short, long)]
    output: PathBuf,
    /// The Lambda architecture to compile for: `x86_64` or `arm64` (`aarch64`). Default: this machine's.
    #[arg(long, value_name = "ARCH")]
    target: Option<Target>,
}

/// Compiles `input` for the target and writes the artifact.
pub fn compile(args: CompileArgs) -> anyhow::Result<ExitCode> {
    let target = target_or_host(args.target)?;
    let bytes = std::fs::read(&args.input).with_context(|| format!("reading {}", args.input.display()))?;
    let label = args.input.display().to_string();
    let (artifact, elapsed) = precompile(&bytes, &label, target)?;
    std::fs::write(&args.output, &artifact).with_context(|| format!("writing {}", args.output.display()))?;
    println!(
        "compiled {} ({}) -> {} ({}) for {target} in {:.2}s",
        args.input.display(),
        size(bytes.len()),
        args.output.display(),
        size(artifact.len()),
        elapsed.as_secs_f64()
    );
    Ok(ExitCode::SUCCESS)
}

/// The given target, or this machine's architecture when Lambda has it.
pub fn target_or_host(target: Option<Target>) -> anyhow::Result<Target> {
    match target.or_else(Target::host) {
        Some(target) => Ok(target),
        None => bail!(
            "this machine is {}, not a Lambda architecture: pass --target x86_64 or --target arm64",
            std::env::consts::ARCH
        ),
    }
}

/// The engine `lambda-wasm compile` uses for `target`: `bootstrap`'s settings, the target's CPU baseline.
pub fn engine_for(target: Target) -> anyhow::Result<Engine> {
    let config = lambda_wasm_host::engine::for_target(target)?;
    Engine::new(&config).map_err(|e| anyhow::anyhow!("setting up the compiler for {target}: {e:#}"))
}

/// Compiles the component `bytes` (named `label` in messages) for `target`, showing progress on stderr: a line
/// before, then the elapsed time every second (in place on a terminal). Returns the artifact and the time taken.
pub fn precompile(bytes: &[u8], label: &str, target: Target) -> anyhow::Result<(Vec<u8>, Duration)> {
    match Engine::detect_precompiled(bytes) {
        Some(Precompiled::Component) => {
            bail!("{label} is already precompiled (a .cwasm): nothing to compile")
        }
        Some(Precompiled::Module) => bail!("{label} is a precompiled core module, not a component"),
        None if bytes.starts_with(&COMPONENT_HEADER) => {}
        None => bail!(
            "{label} is not a WebAssembly component: build it for `wasm32-wasip2` (a core module needs \
             `wasm-tools component new`)"
        ),
    }
    let engine = engine_for(target)?;
    eprintln!(
        "compiling {label} ({}) for {target} ({}, {})...",
        size(bytes.len()),
        target.triple(),
        target.baseline()
    );
    let started = Instant::now();
    let artifact = with_progress(started, || engine.precompile_component(bytes))
        .map_err(|e| anyhow::anyhow!("compiling {label}: {e:#}"))?;
    Ok((artifact, started.elapsed()))
}

/// Runs `work`, printing the elapsed time to stderr every second until it is done: in place with a spinner on a
/// terminal, one line per second otherwise (a log, CI).
fn with_progress<T>(started: Instant, work: impl FnOnce() -> T) -> T {
    let terminal = std::io::stderr().is_terminal();
    let (done, finished) = mpsc::channel::<()>();
    let ticker = std::thread::spawn(move || {
        const FRAMES: [char; 4] = ['|', '/', '-', '\\'];
        let period = if terminal {
            Duration::from_millis(250)
        } else {
            Duration::from_secs(1)
        };
        let mut shown = false;
        for frame in FRAMES.iter().cycle() {
            match finished.recv_timeout(period) {
                Err(RecvTimeoutError::Timeout) => {}
                Ok(()) | Err(RecvTimeoutError::Disconnected) => break,
            }
            let elapsed = started.elapsed();
            if terminal {
                eprint!("\r  {frame} compiling, {:.0}s", elapsed.as_secs_f64().floor());
                let _ = std::io::stderr().flush();
                shown = true;
            } else {
                eprintln!("  still compiling, {:.0}s", elapsed.as_secs_f64().round());
            }
        }
        if shown {
            eprint!("\r\x1b[K");
        }
    });
    let result = work();
    drop(done);
    let _ = ticker.join();
    result
}

/// `bytes` for people: `812 B`, `41.2 KiB`, `17.9 MiB`.
pub fn size(bytes: usize) -> String {
    // Rounded for display only.
    let value = bytes as f64;
    if bytes < 1024 {
        format!("{bytes} B")
    } else if bytes < 1024 * 1024 {
        format!("{:.1} KiB", value / 1024.0)
    } else {
        format!("{:.1} MiB", value / (1024.0 * 1024.0))
    }
}
