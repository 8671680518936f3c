//! One invocation, from the invoke endpoint to its answer: queue it, wait for its turn and for the
//! bootstrap, enforce the init and function deadlines, and turn what happened into the caller's answer.
//!
//! States: waiting for its turn -> queued (the bootstrap initializing or busy; init deadline, or the
//! function timeout as a bound) -> handed out by `/next` (function deadline) -> answered, failed at init,
//! exited, or timed out (the bootstrap is killed exactly at the deadline).

use std::time::Duration;

use bytes::Bytes;
use hyper::header::HeaderValue;
use tokio::sync::mpsc;
use tokio::time::Instant;

use crate::config::INIT_TIMEOUT;
use crate::error::{FunctionFailure, error_json};
use crate::report::{self, Report};
use crate::sandbox::{Sandbox, later};
use crate::supervisor::Exit;

/// How long to wait for a killed bootstrap to be reaped before answering anyway (SIGKILL is immediate;
/// this only bounds the wait should the operating system lag).
const KILL_WAIT: Duration = Duration::from_secs(5);

/// An invocation as the invoke endpoint received it, waiting to be handed out by `/next`.
pub(crate) struct Queued {
    /// `Lambda-Runtime-Aws-Request-Id`.
    pub(crate) request_id: String,
    /// The event, passed to the runtime byte for byte.
    pub(crate) event: Bytes,
    /// `Lambda-Runtime-Trace-Id`: the caller's `X-Amzn-Trace-Id`, or a new one.
    pub(crate) trace_id: HeaderValue,
    /// `Lambda-Runtime-Client-Context`: the decoded `X-Amz-Client-Context`, when the caller sent one.
    pub(crate) client_context: Option<HeaderValue>,
}

/// What the Runtime API tells the driver of an invocation.
pub(crate) enum Event {
    /// `/next` handed it out; the function deadline now runs.
    HandedOut {
        /// When it was handed out (the REPORT line's `Duration` starts here).
        at: Instant,
        /// When to kill the bootstrap.
        deadline: Instant,
    },
    /// The runtime answered it.
    Answered(Answer),
    /// The runtime posted `/init/error`.
    InitError(Answer),
}

/// What a runtime posted.
pub(crate) enum Answer {
    /// `/response`: the function's result.
    Response {
        /// The payload, as posted.
        body: Bytes,
        /// The payload's content type, as posted.
        content_type: Option<HeaderValue>,
    },
    /// `/error` or `/init/error`.
    Error {
        /// The error JSON, as posted.
        body: Bytes,
        /// `Lambda-Runtime-Function-Error-Type` (checked; `Runtime.Unknown` if absent or malformed), used
        /// when the body is empty.
        error_type: String,
    },
    /// A `/response` over the size limit (answered 413).
    TooLarge,
}

/// What the invoke caller receives.
pub(crate) enum Outcome {
    /// 200 with the body as posted.
    Success {
        /// The payload.
        body: Bytes,
        /// Its content type, if the runtime gave one.
        content_type: Option<HeaderValue>,
    },
    /// 200 with `X-Amz-Function-Error: Unhandled` and this error JSON.
    Unhandled(Bytes),
}

impl From<Answer> for Outcome {
    fn from(answer: Answer) -> Self {
        match answer {
            Answer::Response { body, content_type } => Self::Success { body, content_type },
            Answer::Error { body, error_type } if body.is_empty() => {
                Self::Unhandled(error_json(&error_type, ""))
            }
            Answer::Error { body, .. } => Self::Unhandled(body),
            Answer::TooLarge => Self::Unhandled(FunctionFailure::ResponseTooLarge.body()),
        }
    }
}

impl From<FunctionFailure> for Outcome {
    fn from(failure: FunctionFailure) -> Self {
        Self::Unhandled(failure.body())
    }
}

/// The deadline in force.
#[derive(Clone, Copy)]
enum Limit {
    /// The bootstrap must reach `/next` by then.
    Init(Instant),
    /// The invocation must be answered by then.
    Task(Instant),
}

/// Removes the invocation from the sandbox when the driver ends, even if the caller went away.
struct FinishGuard<'a> {
    /// Where the invocation is registered.
    sandbox: &'a Sandbox,
    /// Which one.
    request_id: &'a str,
}

impl Drop for FinishGuard<'_> {
    fn drop(&mut self) {
        self.sandbox.finish(self.request_id);
    }
}

/// Runs one invocation to its end and returns the caller's answer.
pub(crate) async fn run(
    sandbox: &Sandbox,
    event: Bytes,
    trace_id: HeaderValue,
    client_context: Option<HeaderValue>,
) -> Outcome {
    let _turn = sandbox.turn.lock().await;
    let settings = &sandbox.settings;
    let sink = &settings.log_sink;
    let request_id = crate::ids::request_id();
    let started = Instant::now();
    sink(&report::start_line(&request_id));

    let (events_tx, mut events) = mpsc::unbounded_channel();
    let queued = Queued {
        request_id: request_id.clone(),
        event,
        trace_id,
        client_context,
    };
    let begun = match sandbox.begin(queued, events_tx) {
        Ok(begun) => begun,
        Err(error) => {
            let failure = FunctionFailure::InvalidEntrypoint {
                request_id: request_id.clone(),
                reason: error.to_string(),
            };
            let report = Report::new(&request_id, started.elapsed(), settings.memory_mb);
            sink(&report::end_line(&request_id));
            sink(&report.to_string());
            return failure.into();
        }
    };
    let guard = FinishGuard {
        sandbox,
        request_id: &request_id,
    };
    let mut exit = begun.exit;
    let mut handed_out_at = None;
    let mut limit = match begun.init_deadline {
        Some(at) => Limit::Init(at),
        // A warm bootstrap still busy elsewhere gets the function timeout to come back to `/next`.
        None => Limit::Task(later(Instant::now(), settings.timeout)),
    };

    let outcome = loop {
        let at = match limit {
            Limit::Init(at) | Limit::Task(at) => at,
        };
        tokio::select! {
            // An answer posted just before the bootstrap exits wins over the exit.
            biased;
            Some(event) = events.recv() => match event {
                Event::HandedOut { at, deadline } => {
                    handed_out_at = Some(at);
                    limit = Limit::Task(deadline);
                }
                Event::Answered(answer) | Event::InitError(answer) => break Outcome::from(answer),
            },
            ended = exit.wait() => break exited(&request_id, &ended).into(),
            () = tokio::time::sleep_until(at) => {
                sandbox.kill(begun.generation);
                let _ = tokio::time::timeout(KILL_WAIT, exit.wait()).await;
                break match limit {
                    Limit::Init(_) => FunctionFailure::InitTimeout(INIT_TIMEOUT),
                    Limit::Task(_) => FunctionFailure::Timeout(settings.timeout),
                }
                .into();
            }
        }
    };
    drop(guard);

    let duration = handed_out_at.unwrap_or(started).elapsed();
    let mut report = Report::new(&request_id, duration, settings.memory_mb);
    report.max_memory_mb = sandbox.pid(begun.generation).and_then(report::max_memory_mb);
    if begun.first {
        report.init_duration = sandbox.init_duration(begun.generation);
    }
    sink(&report::end_line(&request_id));
    sink(&report.to_string());
    outcome
}

/// The failure for a bootstrap that ended before answering.
fn exited(request_id: &str, exit: &Exit) -> FunctionFailure {
    let request_id = request_id.to_owned();
    match exit {
        Exit::Code(0) => FunctionFailure::ExitedWithoutReason { request_id },
        other => FunctionFailure::Exited {
            request_id,
            reason: other.describe(),
        },
    }
}
