//! `lambda-wasm serve` and `lambda-wasm emulate`: the Lambda emulator around the real `bootstrap` (serve) or
//! around any bootstrap command (emulate), until Ctrl-C.

use std::ffi::OsString;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context as _, bail};
use lambda_wasm_emulator::{Emulator, EmulatorConfig};

/// Options shared by `serve` and `emulate`; the defaults are those of AWS's runtime interface emulator.
#[derive(clap::Args, Clone)]
pub struct EmulatorArgs {
    /// The invoke API's port on 127.0.0.1 (0 picks a free one; the URL is printed).
    #[arg(long, default_value_t = 9000)]
    pub(crate) port: u16,
    /// The function timeout in seconds: the emulator kills the bootstrap at the deadline, like Lambda (under
    /// `--concurrency`, it answers the timed-out caller and lets the bootstrap live, like Managed Instances).
    #[arg(long, default_value_t = 300)]
    pub(crate) timeout: u64,
    /// Invocations run at once in the one environment (Lambda Managed Instances). Above 1 the bootstrap gets
    /// `AWS_LAMBDA_MAX_CONCURRENCY` and `AWS_LAMBDA_INITIALIZATION_TYPE=lambda-managed-instances`.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=1024))]
    concurrency: u16,
    /// The function memory size in MB (`AWS_LAMBDA_FUNCTION_MEMORY_SIZE`).
    #[arg(long, default_value_t = 3008)]
    memory: u32,
    /// The function name (`AWS_LAMBDA_FUNCTION_NAME`).
    #[arg(long, default_value = "test_function")]
    function_name: String,
    /// An environment variable for the function, `KEY=VALUE`; repeatable.
    #[arg(long = "env", value_name = "KEY=VALUE", value_parser = parse_env)]
    pub(crate) env: Vec<(String, String)>,
}

/// Arguments of `serve`.
#[derive(clap::Args)]
pub struct ServeArgs {
    /// The handler component (`.wasm` or `.cwasm`).
    component: PathBuf,
    /// The `bootstrap` to run (default: the one next to `lambda-wasm`).
    #[arg(long)]
    bootstrap: Option<PathBuf>,
    #[command(flatten)]
    emulator: EmulatorArgs,
}

/// Arguments of `emulate`.
#[derive(clap::Args)]
pub struct EmulateArgs {
    #[command(flatten)]
    emulator: EmulatorArgs,
    /// The bootstrap command and its arguments, after `--`.
    #[arg(last = true, required = true)]
    command: Vec<OsString>,
}

fn parse_env(value: &str) -> Result<(String, String), String> {
    match value.split_once('=') {
        Some((key, value)) if !key.is_empty() => Ok((key.to_owned(), value.to_owned())),
        _ => Err(format!("`{value}` is not KEY=VALUE")),
    }
}

/// Runs the real `bootstrap` with `component` behind the emulator.
pub async fn serve(args: ServeArgs) -> anyhow::Result<ExitCode> {
    let component = std::path::absolute(&args.component)
        .with_context(|| format!("resolving {}", args.component.display()))?;
    let bootstrap = match args.bootstrap {
        Some(path) => path,
        None => default_bootstrap()?,
    };
    let config = serve_config(&component, bootstrap, &args.emulator)?;
    run(config, &format!("serving {}", component.display())).await
}

/// The emulator's configuration to serve `component` (absolute) with `bootstrap`: a `.wasm` is compiled first.
pub(crate) fn serve_config(
    component: &Path,
    bootstrap: PathBuf,
    args: &EmulatorArgs,
) -> anyhow::Result<EmulatorConfig> {
    if !component.is_file() {
        bail!("no component at {}", component.display());
    }
    let task_root = component.parent().map(Path::to_path_buf).unwrap_or_default();
    // A `.wasm` is compiled here, before the bootstrap starts, so its INIT does not spend seconds compiling
    // (a Python or JavaScript component would not fit Lambda's 10 s init limit); the artifact is cached.
    let handler = match precompiled_for_serve(component)? {
        Some(cwasm) => cwasm.display().to_string(),
        None => component
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
    };
    let mut env = vec![
        ("LAMBDA_TASK_ROOT".to_owned(), task_root.display().to_string()),
        ("_HANDLER".to_owned(), handler),
    ];
    env.extend(args.env.iter().cloned());
    let mut config = emulator_config(args, vec![bootstrap.into_os_string()], env);
    config.working_dir = Some(task_root);
    Ok(config)
}

/// The precompiled artifact of `component` when it is a `.wasm`, compiled now (with progress) or taken from the
/// cache (`$TMPDIR/lambda-wasm-serve`, keyed by the component's and the engine's hashes); `None` for a `.cwasm`.
fn precompiled_for_serve(component: &Path) -> anyhow::Result<Option<PathBuf>> {
    let bytes = std::fs::read(component).with_context(|| format!("reading {}", component.display()))?;
    if wasmtime::Engine::detect_precompiled(&bytes).is_some() {
        return Ok(None);
    }
    let target = crate::compile::target_or_host(None)?;
    let engine = crate::compile::engine_for(target)?;
    let cache = lambda_wasm_host::cache::Cache::new(std::env::temp_dir().join("lambda-wasm-serve"));
    let key = lambda_wasm_host::cache::Cache::key(&engine, &bytes);
    let path = cache.artifact_path(&key);
    if path.is_file() && cache.checksum_path(&key).is_file() {
        eprintln!(
            "lambda-wasm: using the compiled {} from {}",
            component.display(),
            path.display()
        );
        return Ok(Some(path));
    }
    let label = component.display().to_string();
    let (artifact, took) = crate::compile::precompile(&bytes, &label, target)?;
    let stored = cache
        .store(&key, &artifact)
        .with_context(|| format!("caching the compiled component in {}", path.display()))?;
    eprintln!(
        "lambda-wasm: compiled {label} in {took:.1?} (cached at {})",
        stored.display()
    );
    Ok(Some(stored))
}

/// Runs any bootstrap command behind the emulator.
pub async fn emulate(args: EmulateArgs) -> anyhow::Result<ExitCode> {
    let env = args.emulator.env.clone();
    let what = format!(
        "emulating {}",
        args.command
            .first()
            .map(|c| c.to_string_lossy())
            .unwrap_or_default()
    );
    run(emulator_config(&args.emulator, args.command, env), &what).await
}

fn emulator_config(
    args: &EmulatorArgs,
    command: Vec<OsString>,
    env: Vec<(String, String)>,
) -> EmulatorConfig {
    EmulatorConfig {
        command,
        env,
        function_name: args.function_name.clone(),
        memory_mb: args.memory,
        timeout: Duration::from_secs(args.timeout),
        invoke_addr: SocketAddr::from((Ipv4Addr::LOCALHOST, args.port)),
        concurrency: usize::from(args.concurrency),
        ..EmulatorConfig::default()
    }
}

async fn run(config: EmulatorConfig, what: &str) -> anyhow::Result<ExitCode> {
    let config_concurrency = config.concurrency;
    let emulator = Emulator::start(config).await?;
    let url = format!(
        "http://{}/2015-03-31/functions/function/invocations",
        emulator.invoke_addr()
    );
    println!("lambda-wasm: {what}");
    println!("lambda-wasm: invoke URL: {url}");
    if config_concurrency > 1 {
        println!("lambda-wasm: Managed Instances: {config_concurrency} invocations at once");
    }
    println!("lambda-wasm: try `curl -d '{{}}' {url}`; Ctrl-C stops");
    tokio::signal::ctrl_c().await.context("waiting for Ctrl-C")?;
    emulator.shutdown().await;
    Ok(ExitCode::SUCCESS)
}

/// The `bootstrap` installed next to this executable.
pub(crate) fn default_bootstrap() -> anyhow::Result<PathBuf> {
    let exe = std::env::current_exe().context("finding lambda-wasm's own path")?;
    let bootstrap = exe.with_file_name("bootstrap");
    if !bootstrap.is_file() {
        bail!(
            "no bootstrap next to {} (build it with `cargo build -p lambda-wasm-host`, or pass --bootstrap)",
            exe.display()
        );
    }
    Ok(bootstrap)
}
