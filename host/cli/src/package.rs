//! `lambda-wasm package`: the function's zip, `bootstrap` (executable, at the root) for the target's CPU and
//! `handler.cwasm` for the same target, byte for byte the same for the same inputs (fixed timestamps, order and
//! permissions), so a deploy tool sees no change when there is none.

use std::io::{Cursor, Write as _};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context as _, bail};
use lambda_wasm_host::engine::Target;
use wasmtime::{Engine, Precompiled};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, System, ZipWriter};

use crate::compile::{engine_for, precompile, size, target_or_host};
use crate::elf::{Artifact, Executable, LAMBDA_GLIBC};

/// The component's name in the zip; `_HANDLER` names it (or names nothing: `bootstrap` then uses the only
/// component in the task root).
pub const HANDLER_FILE: &str = "handler.cwasm";
/// Lambda's limit on a zip uploaded directly (larger ones go through S3).
const DIRECT_UPLOAD_LIMIT: usize = 50 * 1024 * 1024;
/// Lambda's limit on a function's unzipped code.
const UNZIPPED_LIMIT: usize = 250 * 1024 * 1024;
/// The smallest component, compiled to read the engine record `lambda-wasm compile` writes.
const EMPTY_COMPONENT: [u8; 8] = [0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00];

/// Arguments of `package`.
#[derive(clap::Args)]
pub struct PackageArgs {
    /// The handler: a component (`.wasm`, compiled here for the target) or a `.cwasm` made by
    /// `lambda-wasm compile --target` (checked to be for the target).
    input: PathBuf,
    /// The zip to write.
    #[arg(short, long)]
    output: PathBuf,
    /// The Lambda architecture: `x86_64` or `arm64` (`aarch64`). Default: this machine's.
    #[arg(long, value_name = "ARCH")]
    target: Option<Target>,
    /// The `bootstrap` to put in the zip. Default: the Lambda build `make dist` leaves in
    /// `target/dist/<arch>/bootstrap`, else (for this machine's architecture) the one next to `lambda-wasm`.
    #[arg(long)]
    bootstrap: Option<PathBuf>,
}

/// Writes the zip.
pub fn package(args: PackageArgs) -> anyhow::Result<ExitCode> {
    let target = target_or_host(args.target)?;
    let bootstrap_path = match args.bootstrap {
        Some(path) => path,
        None => default_bootstrap(target)?,
    };
    let bootstrap =
        std::fs::read(&bootstrap_path).with_context(|| format!("reading {}", bootstrap_path.display()))?;
    let executable = check_bootstrap(&bootstrap, &bootstrap_path, target)?;

    let input = std::fs::read(&args.input).with_context(|| format!("reading {}", args.input.display()))?;
    let label = args.input.display().to_string();
    let artifact = match Engine::detect_precompiled(&input) {
        Some(Precompiled::Component) => {
            check_artifact(&input, &label, target)?;
            input
        }
        Some(Precompiled::Module) => bail!("{label} is a precompiled core module, not a component"),
        None => precompile(&input, &label, target)?.0,
    };

    let zip = zip(&[("bootstrap", 0o755, &bootstrap), (HANDLER_FILE, 0o644, &artifact)])?;
    write_atomically(&args.output, &zip)?;

    println!(
        "packaged {} ({}) for {target}:",
        args.output.display(),
        size(zip.len())
    );
    println!(
        "  bootstrap      {:>10}  {} ({})",
        size(bootstrap.len()),
        bootstrap_path.display(),
        executable.linkage()
    );
    println!("  {HANDLER_FILE}  {:>10}", size(artifact.len()));
    println!(
        "deploy it with runtime provided.al2023, architecture {target}, handler {HANDLER_FILE} (see the README's \
         Deploying section)"
    );
    if zip.len() > DIRECT_UPLOAD_LIMIT {
        eprintln!(
            "note: the zip is over Lambda's 50 MB direct-upload limit: upload it to S3 and create the function from \
             there (`--code S3Bucket=...,S3Key=...`)"
        );
    }
    if bootstrap.len() + artifact.len() > UNZIPPED_LIMIT {
        eprintln!("warning: the unzipped code is over Lambda's 250 MB limit: Lambda will refuse it");
    }
    Ok(ExitCode::SUCCESS)
}

/// The default `bootstrap` for `target`: the `make dist` build beside the target folder `lambda-wasm` runs from
/// (`target/dist/<arch>/bootstrap`), else, for this machine's architecture, the `bootstrap` next to it.
fn default_bootstrap(target: Target) -> anyhow::Result<PathBuf> {
    let exe = std::env::current_exe().context("finding lambda-wasm's own path")?;
    let dir = exe.parent().map(Path::to_path_buf).unwrap_or_default();
    let mut candidates = Vec::new();
    if let Some(target_dir) = dir.parent() {
        candidates.push(target_dir.join("dist").join(target.name()).join("bootstrap"));
    }
    if Target::host() == Some(target) {
        candidates.push(dir.join("bootstrap"));
    }
    if let Some(found) = candidates.iter().find(|path| path.is_file()) {
        return Ok(found.clone());
    }
    let looked: Vec<String> = candidates.iter().map(|p| p.display().to_string()).collect();
    bail!(
        "no bootstrap for {target} (looked at {}): build the Lambda ones with `make dist`, or pass --bootstrap PATH",
        looked.join(", ")
    )
}

/// The bootstrap must be an executable for `target`; one that needs a newer glibc than Lambda's is packaged
/// with a warning (it runs locally, not on Lambda).
fn check_bootstrap(bytes: &[u8], path: &Path, target: Target) -> anyhow::Result<Executable> {
    let executable =
        Executable::parse(bytes).with_context(|| format!("{} is not a bootstrap", path.display()))?;
    if executable.target != Some(target) {
        bail!(
            "{} is a bootstrap for {}, not {target}: pass --bootstrap with one for {target} (`make dist` builds both, \
             into target/dist/<arch>/bootstrap)",
            path.display(),
            executable
                .target
                .map_or_else(|| executable.machine.clone(), |t| t.name().to_owned())
        );
    }
    if let Some((major, minor)) = executable.newest_glibc.filter(|&v| v > LAMBDA_GLIBC) {
        eprintln!(
            "warning: {} needs glibc {major}.{minor}, but provided.al2023 has {}.{}: it will not start on Lambda. \
             Use the static build `make dist` makes (--bootstrap target/dist/{target}/bootstrap)",
            path.display(),
            LAMBDA_GLIBC.0,
            LAMBDA_GLIBC.1
        );
    }
    Ok(executable)
}

/// A given `.cwasm` must be exactly what `lambda-wasm compile --target <target>` of this release writes: the same
/// CPU architecture and the same engine record (wasmtime version, settings, CPU features). Anything else
/// `bootstrap` would refuse at INIT, or would load only on some of Lambda's CPUs.
fn check_artifact(bytes: &[u8], label: &str, target: Target) -> anyhow::Result<()> {
    let artifact = Artifact::parse(bytes).with_context(|| format!("reading {label}"))?;
    let rebuild = format!(
        "recompile it with `lambda-wasm compile <component>.wasm -o {label} --target {target}`, or package the \
         .wasm itself"
    );
    if artifact.target != Some(target) {
        bail!(
            "{label} was compiled for {}, not {target}: {rebuild}",
            artifact
                .target
                .map_or_else(|| artifact.machine.clone(), |t| t.name().to_owned())
        );
    }
    let reference = engine_for(target)?
        .precompile_component(&EMPTY_COMPONENT)
        .map_err(|e| anyhow::anyhow!("compiling the reference component: {e:#}"))?;
    let reference = Artifact::parse(&reference)?;
    if artifact.engine != reference.engine {
        let why = match (artifact.wasmtime_version(), reference.wasmtime_version()) {
            (Some(theirs), Some(ours)) if theirs != ours => {
                format!("by wasmtime {theirs}, and this release uses wasmtime {ours}")
            }
            _ => format!(
                "with other engine settings or CPU features than `lambda-wasm compile --target {target}` uses \
                 (compiled by `bootstrap` or for this machine's CPU?)"
            ),
        };
        bail!("{label} was compiled {why}: {rebuild}");
    }
    Ok(())
}

/// A zip of `entries` (name, Unix mode, content), in order, deflated, every timestamp 1980-01-01 00:00.
pub fn zip(entries: &[(&str, u32, &[u8])]) -> anyhow::Result<Vec<u8>> {
    let mut writer = ZipWriter::new(Cursor::new(Vec::new()));
    for &(name, mode, content) in entries {
        let options = SimpleFileOptions::default()
            .compression_method(CompressionMethod::Deflated)
            .compression_level(Some(9))
            .last_modified_time(DateTime::default())
            .system(System::Unix)
            .unix_permissions(mode)
            .large_file(u32::try_from(content.len()).is_err());
        writer.start_file(name, options)?;
        writer.write_all(content)?;
    }
    Ok(writer.finish()?.into_inner())
}

/// Writes `bytes` to a temporary file beside `path`, then renames it: no half-written zip is ever left there.
fn write_atomically(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let name = path.file_name().map(|n| n.to_string_lossy()).unwrap_or_default();
    let temporary = path.with_file_name(format!(".{name}.{}.tmp", std::process::id()));
    let written = std::fs::write(&temporary, bytes).and_then(|()| std::fs::rename(&temporary, path));
    if written.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    written.with_context(|| format!("writing {}", path.display()))
}
