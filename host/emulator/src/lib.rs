//! An emulator of the AWS Lambda Runtime API, with an invoke endpoint compatible with AWS's runtime
//! interface emulator (RIE), that spawns and supervises any bootstrap process.
//!
//! It is written from AWS's documentation (see `RUNTIME-API.md`), independently of this project's runtime,
//! so that the two cannot share a mistake.
//!
//! What it does, like Lambda and RIE:
//! - serves `POST /2015-03-31/functions/function/invocations` (any function name), one invocation at a
//!   time, and answers like Lambda's Invoke API (a function error is 200 with
//!   `X-Amz-Function-Error: Unhandled`); a streamed response is gathered whole;
//! - serves `POST /2021-11-15/functions/{name}/response-streaming-invocations` (InvokeWithResponseStream)
//!   as an AWS event stream of `PayloadChunk` events and a final `InvokeComplete`, sent as the runtime
//!   streams;
//! - serves Function URLs on `/lambda-url/{name}/...` (any method): the request becomes a payload-2.0
//!   event and the function's answer a plain HTTP response, streamed as the handler writes it;
//! - spawns the bootstrap lazily on the first invoke, with the environment Lambda sets
//!   (`AWS_LAMBDA_RUNTIME_API` and the rest), and forwards its output line by line to a [`LogSink`];
//! - serves the Runtime API (`/2018-06-01/runtime/...`) with Lambda's status codes and limits, streamed
//!   responses included (chunked, 200 MiB at most, error trailers; not throttled, unlike Lambda);
//! - kills the bootstrap exactly at the function deadline (or after 10 s of init) and re-spawns it on the
//!   next invoke, as it does after an init error or an exit;
//! - writes START/END/REPORT lines.
//!
//! Layout:
//! - `config`: [`EmulatorConfig`] and its defaults; `settings`: what is derived from it;
//! - `server`: the HTTP accept loop and body limits shared by both endpoints; `body`: the answer body,
//!   whole or rendered piece by piece;
//! - `invoke_api`: the invoke endpoint's routes and the RIE-compatible answer; `event_stream`: the
//!   InvokeWithResponseStream answer; `function_url`: Function URL events and answers;
//! - `runtime_api`: every Runtime API route; `stream`: a streamed `/response`; `prelude`: the
//!   HTTP-integration prelude;
//! - `invocation`: the state machine of one invocation; `reply`: what it hands the invoke endpoint (a
//!   whole answer, an error, or a stream of pieces); `sandbox`: the state both APIs share;
//! - `supervisor`: spawn, kill and output forwarding; `report`: START/END/REPORT;
//! - `ids`: request and trace ids, ARNs; `error`: the error types and their `errorType` names.

mod body;
mod config;
mod error;
mod event_stream;
mod function_url;
mod headers;
mod ids;
mod invocation;
mod invoke_api;
mod messages;
mod prelude;
mod reply;
mod report;
mod runtime_api;
mod sandbox;
mod server;
mod settings;
mod stream;
mod supervisor;

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use tokio::net::TcpListener;
use tokio::task::JoinSet;

pub use crate::config::{
    DEFAULT_FUNCTION_NAME, DEFAULT_INVOKE_PORT, DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT, EmulatorConfig,
    INIT_TIMEOUT, LogSink, MAX_EVENT_BYTES, MAX_RESPONSE_BYTES, MAX_STREAM_BYTES, SHUTDOWN_GRACE,
    stdout_sink,
};
use crate::sandbox::Sandbox;
use crate::settings::Settings;

/// How long [`Emulator::shutdown`] waits for the killed bootstrap to be reaped.
const SHUTDOWN_WAIT: Duration = Duration::from_secs(5);

/// A running emulator: both listeners bound and served, the bootstrap spawned on the first invoke.
///
/// Dropping it kills the bootstrap and stops serving, like [`Emulator::shutdown`] without the wait.
pub struct Emulator {
    /// Where the invoke endpoint listens (the bound address, so port 0 is resolved).
    invoke_addr: SocketAddr,
    /// Where the Runtime API listens.
    runtime_api_addr: SocketAddr,
    /// The state both endpoints share; kept here to kill the bootstrap on shutdown.
    sandbox: Arc<Sandbox>,
    /// The two accept loops; aborting them drops every connection they serve.
    servers: JoinSet<()>,
}

impl Emulator {
    /// Binds both listeners and starts serving; the bootstrap is spawned lazily on the first invoke (like RIE).
    ///
    /// Fails if `config.command` is empty or an address cannot be bound. Must be called within a tokio
    /// runtime.
    pub async fn start(config: EmulatorConfig) -> anyhow::Result<Emulator> {
        let (runtime_api_addr, invoke_addr) = (config.runtime_api_addr, config.invoke_addr);
        let settings = Settings::new(config)?;
        let runtime_listener = TcpListener::bind(runtime_api_addr)
            .await
            .with_context(|| format!("binding the Runtime API to {runtime_api_addr}"))?;
        let invoke_listener = TcpListener::bind(invoke_addr)
            .await
            .with_context(|| format!("binding the invoke endpoint to {invoke_addr}"))?;
        let runtime_api_addr = runtime_listener
            .local_addr()
            .context("reading the Runtime API address")?;
        let invoke_addr = invoke_listener
            .local_addr()
            .context("reading the invoke endpoint address")?;

        let sandbox = Arc::new(Sandbox::new(settings, reachable(runtime_api_addr)));
        let mut servers = JoinSet::new();
        let runtime_sandbox = Arc::clone(&sandbox);
        servers.spawn(server::serve(runtime_listener, move |request| {
            runtime_api::routes(Arc::clone(&runtime_sandbox), request)
        }));
        let invoke_sandbox = Arc::clone(&sandbox);
        servers.spawn(server::serve(invoke_listener, move |request| {
            invoke_api::routes(Arc::clone(&invoke_sandbox), request)
        }));
        Ok(Emulator {
            invoke_addr,
            runtime_api_addr,
            sandbox,
            servers,
        })
    }

    /// The bound address of the invoke endpoint.
    pub fn invoke_addr(&self) -> SocketAddr {
        self.invoke_addr
    }

    /// The bound address of the Runtime API.
    pub fn runtime_api_addr(&self) -> SocketAddr {
        self.runtime_api_addr
    }

    /// The process id of the bootstrap running now, if one is (it is spawned on the first invoke): for
    /// measuring its memory, or that of the processes it started.
    pub fn bootstrap_pid(&self) -> Option<u32> {
        self.sandbox.pid(self.sandbox.generation())
    }

    /// Shuts the environment down as Lambda does: SIGTERM to the bootstrap when it registered an extension or
    /// runs under Managed Instances, SIGKILL after the grace (at once otherwise); then stops serving.
    pub async fn shutdown(mut self) {
        if self.sandbox.terminates_gracefully()
            && let Some(mut exit) = self.sandbox.terminate()
        {
            let _ = tokio::time::timeout(self.sandbox.settings.shutdown_grace, exit.wait()).await;
        }
        if let Some(mut exit) = self.sandbox.stop() {
            let _ = tokio::time::timeout(SHUTDOWN_WAIT, exit.wait()).await;
        }
        self.servers.shutdown().await;
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.sandbox.stop();
        self.servers.abort_all();
    }
}

impl std::fmt::Debug for Emulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Emulator")
            .field("invoke_addr", &self.invoke_addr)
            .field("runtime_api_addr", &self.runtime_api_addr)
            .finish_non_exhaustive()
    }
}

/// The address to give the bootstrap: a listener bound to "any" address is reached on loopback.
fn reachable(addr: SocketAddr) -> SocketAddr {
    match addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => SocketAddr::from((Ipv4Addr::LOCALHOST, addr.port())),
        IpAddr::V6(ip) if ip.is_unspecified() => SocketAddr::from((Ipv6Addr::LOCALHOST, addr.port())),
        _ => addr,
    }
}
