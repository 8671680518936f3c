//! What a store holds: the guest's WASI context under the sandbox policy, and the state of the invocation in
//! progress that the `runtime` imports read and write.

use std::time::{Duration, Instant};

use wasmtime::component::ResourceTable;
use wasmtime_wasi::{FsPerms, WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};

use wasmtime::component::Resource;

use crate::bindings::HttpPrelude;
use crate::bindings::buffered::lambda::handler::{runtime, types};
use crate::bindings::streaming::lambda::handler::response_stream;
use crate::config::{Config, Isolation};
use crate::error::truncate;
use crate::instance_tmp::InstanceTmp;
use std::sync::Arc;

use crate::limits::{MemoryBudget, MemoryCap};
use crate::logging::{GuestOutput, Level, Logger};
use crate::outbound::Outbound;
use crate::stream::{ResponseStream, Writer};
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpView};

/// Longest panic message kept, in bytes.
const MAX_PANIC_MESSAGE: usize = 16 * 1024;
/// Most bytes one `get-random-bytes` call returns (wasmtime's default is 64 MiB, allocated on the host).
pub const MAX_RANDOM_BYTES: u64 = 1024 * 1024;
/// Most bytes of one `wasi:http` `fields` resource (wasmtime's default is 128 KiB): HTTP header blocks are
/// rarely over a few KiB, and servers refuse more than 8 to 64 KiB.
pub const MAX_FIELDS_BYTES: usize = 16 * 1024;

/// The data of one store (one instance of the component).
pub struct HostState {
    /// The guest's WASI view of the world: env, preopens, stdio.
    wasi: WasiCtx,
    /// WASI resources (streams, files) the guest holds.
    table: ResourceTable,
    /// The function's log, for the `log` import.
    logger: Logger,
    /// The guest's stdout and stderr, flushed at the end of each invocation.
    outputs: [GuestOutput; 2],
    /// Lambda's deadline for the invocation in progress (host clock), for `remaining-time-ms`.
    pub deadline: Option<Instant>,
    /// When the guest is interrupted: the deadline minus the configured margin.
    pub stop_at: Option<Instant>,
    /// This store's draw on the environment's memory budget, checked by wasmtime on every growth.
    pub limits: MemoryCap,
    /// The streamed response of the invocation in progress (streaming handlers only).
    pub stream: Option<ResponseStream>,
    /// `wasi:http`'s own state (field size limits).
    http: WasiHttpCtx,
    /// The outbound HTTP policy: the allow-list, and the deadline every request is clamped to.
    pub outbound: Outbound,
    /// The message the guest passed to `record-panic` during the invocation in progress.
    pub panic_message: Option<String>,
    /// The instance's own `/tmp` (invocation isolation), removed when the store is dropped.
    #[expect(dead_code, reason = "held for its Drop: the folder goes with the store")]
    own_tmp: Option<InstanceTmp>,
}

impl HostState {
    /// A fresh state with the sandbox policy: the guest's `/tmp` is a host folder of its own (read-write), the
    /// task root is read-only at its own path, nothing else of the filesystem is visible; the environment is the
    /// filtered one from [`Config`]; no sockets (the WASI builder's default); outbound HTTP only to the hosts
    /// of `LAMBDA_WASM_ALLOW_HTTP`; stdout/stderr go to the log.
    pub fn new(config: &Config, logger: &Logger, budget: Arc<MemoryBudget>) -> anyhow::Result<Self> {
        let outputs = [logger.guest_stream(Level::Info), logger.guest_stream(Level::Warn)];
        let mut wasi = WasiCtxBuilder::new();
        wasi.stdout(outputs[0].clone())
            .stderr(outputs[1].clone())
            .envs(&config.guest_env)
            .max_random_size(MAX_RANDOM_BYTES);
        // Environment isolation: one `/tmp` for every instance, as Lambda shares `/tmp` between the invocations of
        // an environment. Invocation isolation: a folder of the instance's own, removed with it, so nothing a
        // guest writes reaches the next event.
        let own_tmp = match config.isolation {
            Isolation::Environment => {
                std::fs::create_dir_all(&config.guest_tmp)?;
                None
            }
            Isolation::Invocation => Some(InstanceTmp::take(&config.guest_tmp)?),
        };
        let tmp = own_tmp
            .as_ref()
            .map_or(config.guest_tmp.as_path(), InstanceTmp::path);
        wasi.preopened_dir(tmp, "/tmp", FsPerms::ReadWrite)?;
        if let Some(task_root) = config.task_root.to_str()
            && config.task_root.is_dir()
        {
            wasi.preopened_dir(&config.task_root, task_root, FsPerms::ReadOnly)?;
        }
        let mut table = ResourceTable::new();
        // Every resource a guest holds (files, streams, HTTP fields, pollables) is an entry: the bound caps the
        // host memory and the descriptors one instance can hold (see `Config::max_resources`).
        table.set_max_capacity(config.max_resources);
        let mut http = WasiHttpCtx::new();
        http.set_field_size_limit(MAX_FIELDS_BYTES);
        Ok(Self {
            wasi: wasi.build(),
            table,
            logger: logger.clone(),
            outputs,
            deadline: None,
            stop_at: None,
            limits: MemoryCap::new(budget),
            stream: None,
            http,
            outbound: Outbound::new(
                config.allow_http.clone(),
                Arc::clone(&config.forbidden),
                Arc::clone(&config.signer),
                logger.clone(),
            ),
            panic_message: None,
            own_tmp,
        })
    }

    /// Prepares for a new invocation.
    pub fn begin(&mut self, deadline: Instant, stop_at: Instant) {
        self.deadline = Some(deadline);
        self.stop_at = Some(stop_at);
        self.outbound.stop_at = Some(stop_at);
        self.panic_message = None;
        self.limits.refused = false;
    }

    /// The most resources this instance may hold.
    pub fn max_resources(&self) -> usize {
        self.table.max_capacity()
    }

    /// Bounds instantiation (the component's start functions) by `stop_at`, outside any invocation.
    pub fn bound_instantiation(&mut self, stop_at: Instant) {
        self.stop_at = Some(stop_at);
        self.outbound.stop_at = Some(stop_at);
    }

    /// Ends the invocation: logs what is left of unterminated stdout/stderr lines, so they carry this
    /// invocation's request id.
    pub fn end(&mut self) {
        self.outputs.iter().for_each(GuestOutput::flush_partial);
        self.stop_at = None;
    }
}

impl WasiView for HostState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl WasiHttpView for HostState {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView {
            ctx: &mut self.http,
            table: &mut self.table,
            hooks: &mut self.outbound,
        }
    }
}

impl types::Host for HostState {}

impl runtime::Host for HostState {
    fn log(&mut self, level: runtime::Level, message: String) -> wasmtime::Result<()> {
        let level = match level {
            runtime::Level::Trace => Level::Trace,
            runtime::Level::Debug => Level::Debug,
            runtime::Level::Info => Level::Info,
            runtime::Level::Warn => Level::Warn,
            runtime::Level::Error => Level::Error,
        };
        self.logger.log(level, &message);
        Ok(())
    }

    fn remaining_time_ms(&mut self) -> wasmtime::Result<u64> {
        let left = self
            .deadline
            .map_or(Duration::ZERO, |d| d.saturating_duration_since(Instant::now()));
        Ok(u64::try_from(left.as_millis()).unwrap_or(u64::MAX))
    }

    fn record_panic(&mut self, mut message: String) -> wasmtime::Result<()> {
        truncate(&mut message, MAX_PANIC_MESSAGE);
        self.panic_message = Some(message);
        Ok(())
    }
}

impl response_stream::Host for HostState {}

impl response_stream::HostWriter for HostState {
    fn set_content_type(
        &mut self,
        _: Resource<Writer>,
        content_type: String,
    ) -> wasmtime::Result<Result<(), String>> {
        Ok(self.stream_mut().and_then(|s| s.set_content_type(content_type)))
    }

    fn set_http_prelude(
        &mut self,
        _: Resource<Writer>,
        prelude: HttpPrelude,
    ) -> wasmtime::Result<Result<(), String>> {
        Ok(self.stream_mut().and_then(|s| s.set_http_prelude(prelude)))
    }

    async fn write(&mut self, _: Resource<Writer>, bytes: Vec<u8>) -> wasmtime::Result<Result<(), String>> {
        Ok(match self.stream.as_mut() {
            Some(stream) => stream.write(bytes).await,
            None => Err(NO_STREAM.to_owned()),
        })
    }

    fn drop(&mut self, writer: Resource<Writer>) -> wasmtime::Result<()> {
        // The host owns the writer and deletes it after the call; a guest drop of its borrow is a no-op.
        let _ = writer;
        Ok(())
    }
}

/// What a writer answers outside the invocation it belongs to.
const NO_STREAM: &str = "this writer's invocation has ended";

impl HostState {
    /// Puts the invocation's writer in the resource table, for the guest to borrow.
    pub fn push_writer(&mut self) -> anyhow::Result<Resource<Writer>> {
        Ok(self.table.push(Writer)?)
    }

    /// Removes the invocation's writer once the call has returned.
    pub fn delete_writer(&mut self, writer: Resource<Writer>) {
        let _ = self.table.delete(writer);
    }

    fn stream_mut(&mut self) -> Result<&mut ResponseStream, String> {
        self.stream.as_mut().ok_or_else(|| NO_STREAM.to_owned())
    }
}
