//! `lambda-wasm-host`: an AWS Lambda custom runtime (`bootstrap`) that runs every invocation inside a
//! WebAssembly component.
//!
//! INIT reads the [`config`], loads the component ([`loader`]: `.cwasm` by mmap, `.wasm` compiled) with the
//! engine settings of [`engine`], links WASI 0.2 and the `lambda:handler` imports ([`state`]) and creates the
//! instance. Then the loop polls the [`runtime_api`] for events and hands each to [`invoke`], which calls the
//! component's `handle` export and turns its result, or its trap, into a response or an [`error`] report.
//! Everything the guest prints goes to the function's log through [`logging`].
//!
//! Layout:
//! - `config`: the environment, parsed without panicking;
//! - `runtime_api/`: the HTTP client, one method per endpoint, and the invocation's headers;
//! - `engine`: the one wasmtime settings function, shared with `lambda-wasm compile`;
//! - `loader`: load, link, pre-instantiate; `imports`: what a component is linked with; `cache` (feature
//!   `compiler`): the verified cache of compiled `.wasm`;
//! - `bindings`: the only `bindgen!`;
//! - `state`: the store's data, the sandbox policy and the `runtime` imports; `limits`: the memory cap;
//! - `invoke`: one invocation; `error`: what Lambda sees; `logging`: the function's log.

pub mod bindings;
#[cfg(feature = "compiler")]
pub mod cache;
pub mod config;
pub mod engine;
pub mod error;
pub mod imports;
pub mod invoke;
pub mod limits;
pub mod loader;
pub mod logging;
pub mod outbound;
pub mod runtime_api;
pub mod state;
pub mod stream;

use crate::config::Config;
use crate::error::InitError;
use crate::invoke::{Outcome, Worker};
use crate::logging::{Level, Logger};
use crate::runtime_api::{Posted, RuntimeApi};

/// Runs the bootstrap: INIT, then the invocation loop until the Runtime API fails. Returns only with an error,
/// after which the process must exit non-zero (Lambda then starts a new environment).
pub async fn run() -> anyhow::Result<()> {
    let logger = Logger::from_env();
    let vars: Vec<(String, String)> = std::env::vars_os()
        .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
        .collect();
    // Without the Runtime API's address no error can be reported to Lambda: only the log shows it.
    let address = Config::runtime_api(&vars).inspect_err(|e| logger.log(Level::Error, &e.to_string()))?;
    let mut api = RuntimeApi::new(address);
    let started = std::time::Instant::now();
    let worker = match Config::from_vars(&vars) {
        Ok(config) => Worker::init(config, logger.clone()).await,
        Err(e) => Err(e),
    };
    let mut worker = match worker {
        Ok(worker) => worker,
        Err(e) => return report_init_error(&mut api, &logger, e).await,
    };
    logger.log(
        Level::Info,
        &format!(
            "lambda-wasm bootstrap ready: {} in {:.1?}",
            worker.describe(),
            started.elapsed()
        ),
    );
    let default_timeout = worker.default_timeout();
    loop {
        // The next instance (invocation isolation, or after a trap) is made, and the spent one torn down, while
        // the Runtime API waits for an event: the yield lets the `/next` request go out first.
        let (invocation, ()) = tokio::join!(api.next(default_timeout), async {
            tokio::task::yield_now().await;
            worker.prepare().await;
        });
        let invocation = invocation?;
        logger.set_request_id(Some(&invocation.request_id));
        let id = invocation.request_id.as_str();
        match worker.invoke(&invocation).await {
            Outcome::Response(body) => match api.response(id, body).await? {
                Posted::Accepted => {}
                Posted::TooLarge => logger.log(
                    Level::Error,
                    "the Runtime API refused the response as too large (413): the caller sees \
                     Function.ResponseSizeTooLarge",
                ),
                Posted::Refused(why) => logger.log(Level::Error, &format!("the response was refused: {why}")),
            },
            Outcome::Error(report) => {
                if let Posted::Refused(why) = api.error(id, &report).await? {
                    logger.log(Level::Error, &format!("the error report was refused: {why}"));
                }
            }
            Outcome::Streamed(Ok(Posted::Accepted)) => {}
            Outcome::Streamed(Ok(other)) => {
                logger.log(
                    Level::Error,
                    &format!("the streamed response was refused: {other:?}"),
                );
            }
            // The streaming connection is separate: a failure there ends this invocation, not the runtime.
            Outcome::Streamed(Err(e)) => {
                logger.log(Level::Error, &format!("streaming the response failed: {e:#}"))
            }
        }
        logger.set_request_id(None);
    }
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
