//! One invocation: the store (kept or fresh), the deadline, the call to `handle`, and what its result becomes.

use std::time::{Duration, Instant};

use bytes::Bytes;
use wasmtime::{Engine, Store, Trap, UpdateDeadline, WasmBacktrace};

use wasmtime::component::Resource;

use crate::bindings::{Context, Handler, StreamingHandler};
use crate::config::{Config, Isolation};
use crate::error::{ErrorReport, InitError};
use crate::loader::Pre;
use crate::logging::{Level, Logger};
use crate::runtime_api::Invocation;
use crate::runtime_api::Posted;
use crate::state::HostState;
use crate::stream::{ResponseStream, Writer};

/// Lambda's limit on a buffered response: 6 MiB + 100 bytes. Checked before posting, so the host reports the
/// error itself instead of leaving a 413 unexplained.
pub const MAX_RESPONSE: usize = 6 * 1024 * 1024 + 100;

/// What an invocation comes to, ready to post.
#[derive(Debug)]
pub enum Outcome {
    /// `POST /response` with these bytes.
    Response(Bytes),
    /// `POST /error` with this report.
    Error(ErrorReport),
    /// The response was streamed; this is what the Runtime API answered (nothing more to post).
    Streamed(anyhow::Result<Posted>),
}

/// A live instance: its store and its exports.
struct Instance {
    store: Store<HostState>,
    exports: Exports,
}

/// The export to call, by world.
enum Exports {
    Buffered(Handler),
    Streaming(StreamingHandler),
}

/// How a call ended, before it is posted.
enum Called {
    /// `handle` returned these bytes.
    Bytes(Vec<u8>),
    /// `handle-stream` returned `ok`.
    Streamed,
    /// The guest returned an error (a normal return: the instance stays usable).
    Failed(ErrorReport),
    /// A trap, a timeout or an out-of-memory: the instance is discarded.
    Trapped(ErrorReport),
}

/// The component, linked and ready, plus the instance reused across warm invocations.
pub struct Worker {
    config: Config,
    logger: Logger,
    engine: Engine,
    /// Pre-linked component: every instance is made from it without linking again.
    pre: Pre,
    /// The instance the next invocation runs in: kept between invocations (environment isolation), or made
    /// fresh by [`Worker::prepare`] (invocation isolation, and after a trap); `None` until then.
    instance: Option<Instance>,
    /// An instance done with (invocation isolation, or trapped), torn down by [`Worker::prepare`] after the
    /// answer is posted rather than before.
    spent: Option<Instance>,
    /// How long INIT's steps took: the engine, loading and linking the component, the first instance.
    init_steps: [Duration; 3],
}

impl Worker {
    /// INIT: the engine, the component, the linker, and the first instance.
    pub async fn init(config: Config, logger: Logger) -> Result<Self, InitError> {
        let started = Instant::now();
        let engine = crate::engine::for_isolation(config.isolation, config.memory_limit)
            .map_err(|e| InitError::Other(format!("{e:#}")))?;
        crate::engine::start_epoch_ticker(&engine).map_err(|e| InitError::Other(format!("{e:#}")))?;
        let engine_ready = Instant::now();
        let pre = crate::loader::load(&engine, &config.component_path, &logger)?;
        let loaded = Instant::now();
        let mut worker = Self {
            config,
            logger,
            engine,
            pre,
            instance: None,
            spent: None,
            init_steps: [engine_ready - started, loaded - engine_ready, Duration::ZERO],
        };
        // The first invocation's instance, in either isolation mode: a component that cannot be instantiated
        // fails INIT.
        let instance = worker.instantiate().await.map_err(|e| {
            InitError::Other(format!(
                "instantiating {} failed: {e:#}",
                worker.config.component_path.display()
            ))
        })?;
        worker.instance = Some(instance);
        worker.init_steps[2] = loaded.elapsed();
        Ok(worker)
    }

    /// What was loaded and how it runs, for the INIT log line.
    pub fn describe(&self) -> String {
        let isolation = match self.config.isolation {
            Isolation::Environment => "environment",
            Isolation::Invocation => "invocation",
        };
        let world = match self.pre {
            Pre::Buffered(_) => "handler",
            Pre::Streaming(_) => "streaming-handler",
        };
        let [engine, load, instantiate] = self.init_steps;
        format!(
            "{} (world {world}, {isolation} isolation, memory cap {} MiB, pid {}; engine {engine:.1?}, load and \
             link {load:.1?}, instantiate {instantiate:.1?})",
            self.config.component_path.display(),
            self.config.memory_limit >> 20,
            std::process::id()
        )
    }

    /// Between invocations, after the answer is posted, while `/next` waits for an event: tears down the
    /// instance just used when it is not kept, and makes the next one, so neither is on an invocation's
    /// critical path. Invocation isolation still runs every event in an instance of its own. A failure is not
    /// reported here: the next invocation tries again and reports it.
    pub async fn prepare(&mut self) {
        drop(self.spent.take());
        if self.instance.is_none()
            && let Ok(instance) = self.instantiate().await
        {
            self.instance = Some(instance);
        }
    }

    /// The timeout used when the Runtime API sends no plausible deadline.
    pub fn default_timeout(&self) -> Duration {
        self.config.default_timeout
    }

    async fn instantiate(&self) -> anyhow::Result<Instance> {
        let mut store = Store::new(&self.engine, HostState::new(&self.config, &self.logger)?);
        store.limiter(|state| &mut state.limits);
        // Epochs only count while wasm runs; the callback turns the wall-clock deadline into an interrupt, and
        // otherwise yields at each tick so the streaming task can put written chunks on the wire.
        store.epoch_deadline_callback(|store| {
            let stop = store.data().stop_at.is_some_and(|at| Instant::now() >= at);
            Ok(if stop {
                UpdateDeadline::Interrupt
            } else {
                UpdateDeadline::Yield(1)
            })
        });
        store.set_epoch_deadline(1);
        let exports = match &self.pre {
            Pre::Buffered(pre) => Exports::Buffered(pre.instantiate_async(&mut store).await?),
            Pre::Streaming(pre) => Exports::Streaming(pre.instantiate_async(&mut store).await?),
        };
        Ok(Instance { store, exports })
    }

    /// Runs one invocation to its outcome. Never fails: every failure becomes an error report, and a trapped
    /// instance is dropped so the next invocation gets a fresh one.
    pub async fn invoke(&mut self, invocation: &Invocation) -> Outcome {
        let budget = invocation.time_left();
        let started = Instant::now();
        let deadline = started + budget;
        let stop_at = deadline
            .checked_sub(self.config.timeout_margin)
            .unwrap_or(started)
            .max(started);
        let mut instance = match self.instance.take() {
            Some(instance) => instance,
            None => match self.instantiate().await {
                Ok(instance) => instance,
                Err(e) => {
                    let message = format!("instantiating the component failed: {e:#}");
                    return Outcome::Error(ErrorReport::new("Runtime.InstantiationError", message, vec![]));
                }
            },
        };
        instance.store.data_mut().begin(deadline, stop_at);
        instance.store.set_epoch_deadline(1);
        let context = Context {
            request_id: invocation.request_id.clone(),
            deadline_ms: invocation.deadline_ms,
            invoked_function_arn: invocation.invoked_function_arn.clone(),
            xray_trace_id: invocation.xray_trace_id.clone(),
            client_context: invocation.client_context.clone(),
            cognito_identity: invocation.cognito_identity.clone(),
            tenant_id: invocation.tenant_id.clone(),
        };
        let called = match &instance.exports {
            Exports::Buffered(handler) => {
                let store = &mut instance.store;
                let call = handler.call_handle(&mut *store, &context, &invocation.event);
                let result = bounded(stop_at, call).await;
                self.classify(store, result.map(|r| r.map(Called::Bytes)), budget)
            }
            Exports::Streaming(handler) => {
                let store = &mut instance.store;
                let stream =
                    ResponseStream::new(self.config.runtime_api.clone(), invocation.request_id.clone());
                store.data_mut().stream = Some(stream);
                let writer = match store.data_mut().push_writer() {
                    Ok(writer) => writer,
                    Err(e) => {
                        let report = ErrorReport::new("Runtime.InstantiationError", format!("{e:#}"), vec![]);
                        return Outcome::Error(report);
                    }
                };
                let borrow = Resource::<Writer>::new_borrow(writer.rep());
                let call = handler.call_handle_stream(&mut *store, &context, &invocation.event, borrow);
                let result = bounded(stop_at, call).await;
                store.data_mut().delete_writer(writer);
                self.classify(store, result.map(|r| r.map(|()| Called::Streamed)), budget)
            }
        };
        let stream = instance.store.data_mut().stream.take();
        instance.store.data_mut().end();
        let keep = !matches!(called, Called::Trapped(_)) && self.config.isolation == Isolation::Environment;
        // A trapped store cannot be entered again, and invocation isolation never reuses one: either way it is
        // torn down by `prepare`, after the answer is on its way, and the next invocation gets a new instance.
        if keep {
            self.instance = Some(instance);
        } else {
            self.spent = Some(instance);
        }
        match (called, stream) {
            (Called::Bytes(response), _) if response.len() > MAX_RESPONSE => {
                Outcome::Error(ErrorReport::new(
                    "Function.ResponseSizeTooLarge",
                    format!(
                        "Response payload size ({} bytes) exceeded maximum allowed payload size ({MAX_RESPONSE} bytes).",
                        response.len()
                    ),
                    vec![],
                ))
            }
            (Called::Bytes(response), _) => Outcome::Response(Bytes::from(response)),
            (Called::Streamed, Some(stream)) => Outcome::Streamed(stream.finish(None).await),
            // After the first byte an error can only travel as the stream's trailers.
            (Called::Failed(report) | Called::Trapped(report), Some(stream)) if stream.started() => {
                Outcome::Streamed(stream.finish(Some(&report)).await)
            }
            (Called::Failed(report) | Called::Trapped(report), _) => Outcome::Error(report),
            (Called::Streamed, None) => Outcome::Error(ErrorReport::new(
                "Runtime.StreamError",
                "the response stream was lost",
                vec![],
            )),
        }
    }

    /// Sorts a call's result into the error table, logging traps.
    fn classify(
        &self,
        store: &mut Store<HostState>,
        result: wasmtime::Result<Result<Called, crate::bindings::HandlerError>>,
        budget: Duration,
    ) -> Called {
        match result {
            Ok(Ok(called)) => called,
            Ok(Err(error)) => Called::Failed(ErrorReport::new(
                error.error_type,
                error.error_message,
                error.stack_trace,
            )),
            Err(trap) => {
                let state = store.data_mut();
                let out_of_memory = state.limits.refused.then_some(self.config.memory_limit);
                let report = trap_report(&trap, state.panic_message.take(), out_of_memory, budget);
                self.logger.log(
                    Level::Error,
                    &format!("{}: {}", report.error_type, report.error_message),
                );
                Called::Trapped(report)
            }
        }
    }
}

/// Runs a call until it returns or `stop_at`. Epoch interruption stops wasm that runs; this bounds time spent
/// waiting in host calls (a WASI sleep, a blocked write). Dropping the call midway poisons the store, which is
/// then discarded like after a trap.
async fn bounded<T>(
    stop_at: Instant,
    call: impl std::future::Future<Output = wasmtime::Result<T>>,
) -> wasmtime::Result<T> {
    match tokio::time::timeout_at(stop_at.into(), call).await {
        Ok(result) => result,
        Err(_) => Err(wasmtime::Error::from(Trap::Interrupt)),
    }
}

/// Maps a failed call to the error table: timeout, panic (with the guest's message), or another trap.
fn trap_report(
    error: &wasmtime::Error,
    panic_message: Option<String>,
    out_of_memory: Option<usize>,
    budget: Duration,
) -> ErrorReport {
    let trace: Vec<String> = error
        .downcast_ref::<WasmBacktrace>()
        .map(|backtrace| backtrace.frames().iter().map(frame_text).collect())
        .unwrap_or_default();
    if let Some(cap) = out_of_memory {
        let message = format!(
            "the guest ran out of memory: its cap is {} MiB (AWS_LAMBDA_FUNCTION_MEMORY_SIZE minus the host's share, \
             or LAMBDA_WASM_MEMORY_LIMIT_MB)",
            cap / (1024 * 1024)
        );
        return ErrorReport::new("Runtime.OutOfMemory", message, trace);
    }
    match (error.downcast_ref::<Trap>(), panic_message) {
        (Some(Trap::Interrupt), _) => ErrorReport::new(
            "Sandbox.Timeout",
            format!("Task timed out after {:.2} seconds", configured_timeout(budget)),
            trace,
        ),
        (_, Some(message)) => ErrorReport::new("Runtime.Panic", message, trace),
        (Some(trap), None) => ErrorReport::new("Runtime.WasmTrap", trap.to_string(), trace),
        (None, None) => ErrorReport::new("Runtime.WasmTrap", format!("{error:#}"), trace),
    }
}

/// The function's configured timeout, as Lambda words it, from the time the invocation had when it arrived:
/// Lambda timeouts are whole seconds, and the event reaches the runtime a few milliseconds after the clock
/// started.
fn configured_timeout(budget: Duration) -> f64 {
    let seconds = budget.as_secs_f64();
    if seconds >= 1.0 { seconds.round() } else { seconds }
}

fn frame_text(frame: &wasmtime::FrameInfo) -> String {
    let name = frame.func_name().map_or_else(
        || format!("<wasm function {}>", frame.func_index()),
        str::to_owned,
    );
    let module = frame.module().name().unwrap_or("<module>");
    match frame.module_offset() {
        Some(offset) => format!("{name} ({module} @ {offset:#x})"),
        None => format!("{name} ({module})"),
    }
}
