//! One call into an instance: the deadline, the export of its world, and what the result becomes, ready to
//! answer (see [`Outcome`]); traps are sorted into the error table here.

use std::time::{Duration, Instant};

use bytes::Bytes;
use wasmtime::component::Resource;
use wasmtime::{Store, Trap, WasmBacktrace};

use crate::bindings::{Context, Handler, StreamingHandler};
use crate::config::RuntimeApiAddress;
use crate::error::{ErrorReport, InvocationError};
use crate::logging::{Level, Logger};
use crate::runtime_api::Invocation;
use crate::runtime_api::streamed::StreamTarget;
use crate::state::HostState;
use crate::stream::{ResponseStream, Writer};

/// Lambda's limit on a buffered response: 6 MiB + 100 bytes. Checked before posting, so the host reports the
/// error itself instead of leaving a 413 unexplained.
pub const MAX_RESPONSE: usize = 6 * 1024 * 1024 + 100;

/// What an invocation comes to, ready to answer.
pub enum Outcome {
    /// `POST /response` with these bytes.
    Response(Bytes),
    /// `POST /error` with this report.
    Error(ErrorReport),
    /// A streamed response, to end: cleanly, or with this error as its trailers (it has sent bytes already).
    Stream(ResponseStream, Option<ErrorReport>),
}

/// A live instance: its store and its exports.
pub struct Instance {
    /// The store: the instance's memory, its WASI context and the invocation's state.
    pub(crate) store: Store<HostState>,
    /// The export to call.
    pub(crate) exports: Exports,
}

/// The export to call, by world.
pub(crate) enum Exports {
    /// `handle`.
    Buffered(Handler),
    /// `handle-stream`.
    Streaming(StreamingHandler),
}

/// How a call ended.
enum Called {
    /// `handle` returned these bytes, or `handle-stream` returned `ok` (empty).
    Returned(Vec<u8>),
    /// The guest returned an error (a normal return: the instance stays usable).
    Failed(ErrorReport),
    /// A trap, a timeout or an out-of-memory: the instance must be discarded.
    Trapped(ErrorReport),
}

impl Instance {
    /// Calls the handler with `invocation`, stopping it `margin` before the deadline (a streaming handler's
    /// response goes to `runtime_api`). Returns what to answer,
    /// and whether the instance may be used again (not after a trap: its store cannot be entered again).
    pub async fn call(
        &mut self,
        invocation: &Invocation,
        runtime_api: &RuntimeApiAddress,
        margin: Duration,
        logger: &Logger,
    ) -> (Outcome, bool) {
        let budget = invocation.time_left();
        let started = Instant::now();
        let deadline = started + budget;
        let stop_at = deadline.checked_sub(margin).unwrap_or(started).max(started);
        self.store.data_mut().begin(deadline, stop_at);
        self.store.set_epoch_deadline(1);
        let context = Context {
            request_id: invocation.request_id.clone(),
            deadline_ms: invocation.deadline_ms,
            invoked_function_arn: invocation.invoked_function_arn.clone(),
            xray_trace_id: invocation.xray_trace_id.clone(),
            client_context: invocation.client_context.clone(),
            cognito_identity: invocation.cognito_identity.clone(),
            tenant_id: invocation.tenant_id.clone(),
        };
        let store = &mut self.store;
        let result = match &self.exports {
            Exports::Buffered(handler) => {
                let call = handler.call_handle(&mut *store, &context, &invocation.event);
                bounded(stop_at, call).await
            }
            Exports::Streaming(handler) => {
                // Only a streaming handler answers on a connection of its own.
                let target = StreamTarget {
                    address: runtime_api.clone(),
                    to: invocation.answer_to(),
                };
                store.data_mut().stream = Some(ResponseStream::new(target));
                match store.data_mut().push_writer() {
                    Ok(writer) => {
                        let borrow = Resource::<Writer>::new_borrow(writer.rep());
                        let call =
                            handler.call_handle_stream(&mut *store, &context, &invocation.event, borrow);
                        let result = bounded(stop_at, call).await;
                        store.data_mut().delete_writer(writer);
                        result.map(|r| r.map(|()| Vec::new()))
                    }
                    Err(e) => Err(wasmtime::Error::from_anyhow(e)),
                }
            }
        };
        let called = classify(store, result, budget, logger);
        let stream = store.data_mut().stream.take();
        store.data_mut().end();
        let reusable = !matches!(called, Called::Trapped(_));
        let outcome = match (called, stream) {
            (Called::Returned(response), None) if response.len() > MAX_RESPONSE => {
                let error = InvocationError::ResponseTooLarge {
                    size: response.len(),
                    limit: MAX_RESPONSE,
                };
                Outcome::Error(error.report(Vec::new()))
            }
            (Called::Returned(response), None) => Outcome::Response(Bytes::from(response)),
            (Called::Returned(_), Some(stream)) => Outcome::Stream(stream, None),
            // After the first byte an error can only travel as the stream's trailers.
            (Called::Failed(report) | Called::Trapped(report), Some(stream)) if stream.started() => {
                Outcome::Stream(stream, Some(report))
            }
            (Called::Failed(report) | Called::Trapped(report), _) => Outcome::Error(report),
        };
        (outcome, reusable)
    }
}

/// Sorts a call's result into the error table, logging traps.
fn classify(
    store: &mut Store<HostState>,
    result: wasmtime::Result<Result<Vec<u8>, crate::bindings::HandlerError>>,
    budget: Duration,
    logger: &Logger,
) -> Called {
    match result {
        Ok(Ok(bytes)) => Called::Returned(bytes),
        Ok(Err(error)) => Called::Failed(ErrorReport::new(
            error.error_type,
            error.error_message,
            error.stack_trace,
        )),
        Err(trap) => {
            let state = store.data_mut();
            let out_of_memory = state.limits.refused.then(|| state.limits.cap());
            let (mut error, trace) = trap_error(&trap, state.panic_message.take(), out_of_memory, budget);
            let text = format!("{trap:#}");
            if text.contains("too much data is being copied between the host and the guest") {
                error = InvocationError::OutputTooLarge {
                    limit: crate::function::MAX_LIFT,
                };
            } else if text.contains("resource table has no free keys") {
                error = InvocationError::TooManyResources {
                    limit: state.max_resources(),
                };
            } else if text.contains("total size of fields exceeds limit")
                || text.contains("too many fields in the field map")
            {
                error = InvocationError::FieldsTooLarge {
                    limit: crate::state::MAX_FIELDS_BYTES,
                };
            } else if let Some(requested) = random_requested(&text) {
                error = InvocationError::RandomTooLarge {
                    requested,
                    limit: crate::state::MAX_RANDOM_BYTES,
                };
            }
            logger.log(Level::Error, &format!("{}: {error}", error.error_type()));
            Called::Trapped(error.report(trace))
        }
    }
}

/// The length of a `get-random-bytes` call wasmtime refused over `max_random_size` ("requested len N exceeds
/// limit M", its only wording of it in 48.x), when `text` is that refusal.
fn random_requested(text: &str) -> Option<u64> {
    let rest = text.split("requested len ").nth(1)?;
    let (requested, rest) = rest.split_once(' ')?;
    rest.starts_with("exceeds limit ")
        .then(|| requested.parse().ok())
        .flatten()
}

/// Runs a call until it returns or `stop_at`. Epoch interruption stops wasm that runs; this bounds time spent
/// waiting in host calls (a WASI sleep, a blocked write). Dropping the call midway poisons the store, which is
/// then discarded like after a trap.
pub(crate) async fn bounded<T>(
    stop_at: Instant,
    call: impl std::future::Future<Output = wasmtime::Result<T>>,
) -> wasmtime::Result<T> {
    match tokio::time::timeout_at(stop_at.into(), call).await {
        Ok(result) => result,
        Err(_) => Err(wasmtime::Error::from(Trap::Interrupt)),
    }
}

/// Maps a failed call to the error table: out of memory, timeout, panic (with the guest's message), or another
/// trap; with the wasm backtrace, innermost first.
fn trap_error(
    error: &wasmtime::Error,
    panic_message: Option<String>,
    out_of_memory: Option<usize>,
    budget: Duration,
) -> (InvocationError, Vec<String>) {
    let trace: Vec<String> = error
        .downcast_ref::<WasmBacktrace>()
        .map(|backtrace| backtrace.frames().iter().map(frame_text).collect())
        .unwrap_or_default();
    let kind = match (out_of_memory, error.downcast_ref::<Trap>(), panic_message) {
        (_, Some(Trap::Interrupt), _) => InvocationError::Timeout {
            seconds: configured_timeout(budget),
        },
        (Some(cap), _, _) => InvocationError::OutOfMemory { cap_mib: cap >> 20 },
        (None, _, Some(message)) => InvocationError::Panic(message),
        (None, Some(trap), None) => InvocationError::Trap(trap.to_string()),
        (None, None, None) => InvocationError::Trap(format!("{error:#}")),
    };
    (kind, trace)
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

#[cfg(test)]
mod tests {
    use super::random_requested;

    #[test]
    fn a_refused_random_request_is_recognised_by_its_length() {
        let text =
            "error while executing at wasm backtrace: ...: requested len 16711680 exceeds limit 1048576";
        assert_eq!(random_requested(text), Some(16_711_680));
        assert_eq!(random_requested("requested len many exceeds limit 1"), None);
        assert_eq!(random_requested("wasm trap: unreachable"), None);
    }
}
