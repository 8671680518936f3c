//! `lambda-wasm-host`: an AWS Lambda custom runtime (`bootstrap`) that runs every invocation inside a
//! WebAssembly component.
//!
//! INIT reads the [`config`], loads the component ([`loader`]: `.cwasm` by mmap, `.wasm` compiled) with the
//! engine settings of [`engine`], links WASI 0.2 and the `lambda:handler` imports ([`state`]) and makes the
//! first instance ([`function`]). Then [`run`] starts one [`worker`] per concurrent invocation
//! (`AWS_LAMBDA_MAX_CONCURRENCY`, 1 by default): each polls the [`runtime_api`] for events and calls its
//! instance ([`invoke`]), turning the result, or the trap, into a response or an [`error`] report. Everything
//! the guest prints goes to the function's log through [`logging`], labelled with its own invocation.
//!
//! Layout:
//! - `config`: the environment, parsed without panicking;
//! - `runtime_api/`: every call to the Runtime API (one method per endpoint, the streamed POST, the
//!   graceful-shutdown extension), the header names, and the invocation's headers;
//! - `engine`: the one wasmtime settings function, shared with `lambda-wasm compile`;
//! - `loader`: load, link, pre-instantiate; `imports`: what a component is linked with; `cache` (feature
//!   `compiler`): the verified cache of compiled `.wasm`;
//! - `bindings`: the only `bindgen!`;
//! - `function`: what INIT leaves, shared by the workers; `worker`: one invocation loop; `invoke`: one call;
//! - `state`: the store's data, the sandbox policy and the `runtime` imports; `limits`: the memory budget;
//!   `instance_tmp`: invocation isolation's `/tmp` folders, made ahead and removed after;
//! - `stream`: the streaming handler's writer; `outbound`: `wasi:http`'s allow-list;
//! - `error`: what Lambda sees; `logging`: the function's log.

pub mod bindings;
#[cfg(feature = "compiler")]
pub mod cache;
pub mod config;
pub mod engine;
pub mod error;
pub mod function;
pub mod imports;
pub mod instance_tmp;
pub mod invoke;
pub mod limits;
pub mod loader;
pub mod logging;
pub mod outbound;
pub mod runtime_api;
pub mod state;
pub mod stream;
pub mod worker;

use std::future::Future;
use std::sync::Arc;

use tokio::sync::watch;
use tokio::task::JoinSet;

use crate::config::{Config, RuntimeApiAddress};
use crate::error::InitError;
use crate::function::Function;
use crate::logging::{Level, Logger};
use crate::runtime_api::{Posted, RuntimeApi};
use crate::worker::Worker;

/// Runs the bootstrap with the environment `vars`: INIT, then the workers, until `shutdown` resolves (SIGTERM)
/// or the Runtime API fails. After `shutdown`, invocations in flight get `LAMBDA_WASM_SHUTDOWN_GRACE_MS` to
/// post their answers, and the result is `Ok`: the process exits 0. An error means the process must exit
/// non-zero (Lambda then starts a new environment).
pub async fn run(
    vars: Vec<(String, String)>,
    logger: Logger,
    shutdown: impl Future<Output = ()>,
) -> anyhow::Result<()> {
    // Without the Runtime API's address no error can be reported to Lambda: only the log shows it.
    let address = Config::runtime_api(&vars).inspect_err(|e| logger.log(Level::Error, &e.to_string()))?;
    let mut api = RuntimeApi::new(address.clone());
    let started = std::time::Instant::now();
    let config = match Config::from_vars(&vars) {
        Ok(config) => config,
        Err(e) => return report_init_error(&mut api, &logger, e).await,
    };
    if config.graceful_shutdown
        && let Err(e) = runtime_api::extension::register_no_op(&address).await
    {
        logger.log(
            Level::Warn,
            &format!(
                "LAMBDA_WASM_GRACEFUL_SHUTDOWN: registering the extension failed, SIGTERM may not come: {e:#}"
            ),
        );
    }
    let first = logger.for_worker();
    let (function, instance) = match Function::init(config, &first).await {
        Ok(loaded) => loaded,
        Err(e) => return report_init_error(&mut api, &logger, e).await,
    };
    logger.log(
        Level::Info,
        &format!(
            "lambda-wasm bootstrap ready: {} in {:.1?}",
            function.describe(),
            started.elapsed()
        ),
    );
    let (stop, stopped) = watch::channel(false);
    let mut workers = JoinSet::new();
    workers.spawn(Worker::new(Arc::clone(&function), api, first, Some(instance)).run(stopped.clone()));
    for _ in 1..function.config().max_concurrency {
        spawn_worker(&mut workers, &function, &address, &logger, &stopped);
    }
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            () = &mut shutdown => break,
            joined = workers.join_next() => match joined {
                // A worker returns only when stopped, or with the Runtime API's failure: the environment is broken.
                Some(Ok(result)) => result?,
                // A panic ends only its worker: another takes its place.
                Some(Err(e)) => {
                    logger.log(Level::Error, &format!("a worker ended unexpectedly ({e}): starting another"));
                    spawn_worker(&mut workers, &function, &address, &logger, &stopped);
                }
                None => return Ok(()),
            },
        }
    }
    let grace = function.config().shutdown_grace;
    logger.log(
        Level::Info,
        &format!("SIGTERM: no more polling; invocations in flight have {grace:?} to finish"),
    );
    let _ = stop.send(true);
    let drained = tokio::time::timeout(grace, async { while workers.join_next().await.is_some() {} }).await;
    if drained.is_err() {
        logger.log(
            Level::Warn,
            &format!("invocations still running after the {grace:?} grace are abandoned: exiting"),
        );
    }
    Ok(())
}

/// Starts one more worker, with a connection, a log label and (soon) an instance of its own.
fn spawn_worker(
    workers: &mut JoinSet<anyhow::Result<()>>,
    function: &Arc<Function>,
    address: &RuntimeApiAddress,
    logger: &Logger,
    stopped: &watch::Receiver<bool>,
) {
    let worker = Worker::new(
        Arc::clone(function),
        RuntimeApi::new(address.clone()),
        logger.for_worker(),
        None,
    );
    workers.spawn(worker.run(stopped.clone()));
}

async fn report_init_error(api: &mut RuntimeApi, logger: &Logger, error: InitError) -> anyhow::Result<()> {
    let report = error.report();
    logger.log(
        Level::Error,
        &format!("INIT failed: {}: {}", report.error_type, report.error_message),
    );
    match api.init_error(&report).await {
        Ok(Posted::Accepted) => {}
        Ok(other) => logger.log(Level::Error, &format!("posting the init error: {other:?}")),
        Err(e) => logger.log(Level::Error, &format!("posting the init error failed: {e:#}")),
    }
    Err(error.into())
}
