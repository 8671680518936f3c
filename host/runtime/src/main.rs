//! `bootstrap`: the Lambda custom runtime's entry point. It collects the environment, picks the async runtime
//! and hands over to [`lambda_wasm_host::run`], with SIGTERM as the shutdown signal.

use std::process::ExitCode;

use lambda_wasm_host::logging::Logger;

/// The allocator of the static musl build (see `Cargo.toml`): musl's own returns memory to the kernel eagerly, and
/// takes it back a page fault at a time.
#[cfg(target_env = "musl")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let vars: Vec<(String, String)> = std::env::vars_os()
        .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
        .collect();
    // One invocation at a time runs on this thread alone (the fastest start). Concurrent invocations (Managed
    // Instances) run on a thread per core, so CPU-bound guests use every core; a bad value is INIT's to report.
    let concurrent = vars
        .iter()
        .rev()
        .find(|(k, _)| k == "AWS_LAMBDA_MAX_CONCURRENCY")
        .and_then(|(_, v)| v.trim().parse::<u32>().ok())
        .is_some_and(|n| n > 1);
    let runtime = if concurrent {
        tokio::runtime::Builder::new_multi_thread().enable_all().build()
    } else {
        tokio::runtime::Builder::new_current_thread().enable_all().build()
    };
    let runtime = match runtime {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("bootstrap: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let logger = Logger::from_vars(&vars);
    let run = async {
        // Registered before INIT, so a SIGTERM at any point is a clean shutdown rather than the default kill.
        let term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate());
        let sigterm = async move {
            match term {
                Ok(mut term) => {
                    term.recv().await;
                }
                Err(_) => std::future::pending().await,
            }
        };
        lambda_wasm_host::run(vars, logger, sigterm).await
    };
    match runtime.block_on(run) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bootstrap: exiting: {e:#}");
            ExitCode::FAILURE
        }
    }
}
