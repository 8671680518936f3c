//! One invocation, from the invoke endpoint to its answer: queue it, wait for its turn and for the
//! bootstrap, enforce the init and function deadlines, and turn what happened into the caller's answer.
//!
//! States: waiting for its turn -> queued (the bootstrap initializing or busy; init deadline, or the
//! function timeout as a bound) -> handed out by `/next` (function deadline) -> answered, failed at init,
//! exited, or timed out (the bootstrap is killed exactly at the deadline). A streamed answer goes on:
//! streaming (function deadline) -> ended, failed mid-stream, or timed out.
//!
//! Each invocation is driven by a task of its own (see [`start`]), so that a streamed response can be
//! passed on after the invoke request's handler has returned the response head.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;

use crate::config::{INIT_TIMEOUT, MAX_RESPONSE_BYTES};
use crate::error::FunctionFailure;
use crate::messages::{Answer, Event, Queued};
use crate::reply::{PIECES_IN_FLIGHT, Piece, Reply, next_piece};
use crate::report::{self, Report};
use crate::sandbox::{Sandbox, later};
use crate::supervisor::{Exit, ExitWatch};

/// How long to wait for a killed bootstrap to be reaped before answering anyway (SIGKILL is immediate;
/// this only bounds the wait should the operating system lag).
const KILL_WAIT: Duration = Duration::from_secs(5);

/// The deadline in force.
#[derive(Clone, Copy)]
enum Limit {
    /// The bootstrap must reach `/next` by then.
    Init(Instant),
    /// The invocation must be answered (a streamed response ended) by then.
    Task(Instant),
}

impl Limit {
    /// When it expires.
    fn at(self) -> Instant {
        match self {
            Self::Init(at) | Self::Task(at) => at,
        }
    }
}

/// How the wait for the runtime's answer ended.
enum Waited {
    /// The runtime answered (or posted `/init/error`).
    Answered(Answer),
    /// It ended without an answer: the bootstrap exited, or a deadline passed.
    Failed(FunctionFailure),
    /// The invoke caller went away before the answer: the invocation is abandoned (a late answer gets
    /// 403) and the next one may be queued while the bootstrap is still busy with it.
    Abandoned,
}

/// Removes the invocation from the sandbox when the driver ends, even if the caller went away.
struct FinishGuard<'a> {
    /// Where the invocation is registered.
    sandbox: &'a Sandbox,
    /// Which one.
    request_id: &'a str,
    /// It timed out and its runtime lives on (Managed Instances): its late answer gets 410.
    timed_out: bool,
}

impl Drop for FinishGuard<'_> {
    fn drop(&mut self) {
        self.sandbox.finish(self.request_id, self.timed_out);
    }
}

/// Starts `invocation` in a driver task of its own and waits for the head of its answer: a whole
/// response, a function error, or the start of a stream (which the driver keeps feeding, under the
/// function deadline, until its end).
pub(crate) async fn invoke(sandbox: &Arc<Sandbox>, invocation: Queued) -> Reply {
    let request_id = invocation.request_id.clone();
    let reply = start(sandbox, invocation);
    reply
        .await
        .unwrap_or_else(|_| Reply::Failed(FunctionFailure::Stopped { request_id }.into()))
}

/// Starts `invocation` in a driver task of its own; the receiver gets its answer (it is closed if the
/// emulator stops first). Dropping the receiver before the answer abandons the invocation.
pub(crate) fn start(sandbox: &Arc<Sandbox>, invocation: Queued) -> oneshot::Receiver<Reply> {
    let (reply_tx, reply_rx) = oneshot::channel();
    // Refused once the emulator stopped: the sender is dropped with the driver, closing the receiver.
    let _ = sandbox.spawn_driver(drive(Arc::clone(sandbox), invocation, reply_tx));
    reply_rx
}

/// Runs one invocation to its end: its turn, the bootstrap, the deadlines, the answer, START/END/REPORT.
async fn drive(sandbox: Arc<Sandbox>, invocation: Queued, mut reply: oneshot::Sender<Reply>) {
    let _turn = tokio::select! {
        turn = sandbox.turn.acquire() => match turn {
            Ok(turn) => turn,
            Err(_) => return,
        },
        // The caller gave up while waiting for its turn.
        () = reply.closed() => return,
    };
    // Managed Instances: the environment lives on past a timeout; the timed-out caller is answered and the
    // runtime's late answer refused (410). Classic Lambda kills the environment instead.
    let managed = sandbox.settings.concurrency > 1;
    let settings = &sandbox.settings;
    let sink = &settings.log_sink;
    let request_id = invocation.request_id.clone();
    let started = Instant::now();
    sink(&report::start_line(&request_id));

    let (events_tx, mut events) = mpsc::unbounded_channel();
    let begun = match sandbox.begin(invocation, events_tx) {
        Ok(begun) => begun,
        Err(error) => {
            let failure = FunctionFailure::InvalidEntrypoint {
                request_id: request_id.clone(),
                reason: error.to_string(),
            };
            let _ = reply.send(Reply::Failed(failure.into()));
            let report = Report::new(&request_id, started.elapsed(), settings.memory_mb);
            sink(&report::end_line(&request_id));
            sink(&report.to_string());
            return;
        }
    };
    let mut guard = FinishGuard {
        sandbox: &sandbox,
        request_id: &request_id,
        timed_out: false,
    };
    let mut exit = begun.exit;
    let mut handed_out_at = None;
    let mut limit = match begun.init_deadline {
        Some(at) => Limit::Init(at),
        // A warm bootstrap still busy elsewhere gets the function timeout to come back to `/next`.
        None => Limit::Task(later(Instant::now(), settings.timeout)),
    };

    let waited = loop {
        tokio::select! {
            // An answer posted just before the bootstrap exits wins over the exit.
            biased;
            Some(event) = events.recv() => match event {
                Event::HandedOut { at, deadline } => {
                    handed_out_at = Some(at);
                    limit = Limit::Task(deadline);
                }
                Event::Answered(answer) | Event::InitError(answer) => break Waited::Answered(answer),
            },
            ended = exit.wait() => break Waited::Failed(exited(&request_id, &ended)),
            () = tokio::time::sleep_until(limit.at()) => {
                if managed && matches!(limit, Limit::Task(_)) && handed_out_at.is_some() {
                    guard.timed_out = true;
                    break Waited::Failed(FunctionFailure::Timeout(settings.timeout));
                }
                sandbox.kill(begun.generation);
                let _ = tokio::time::timeout(KILL_WAIT, exit.wait()).await;
                break Waited::Failed(match limit {
                    Limit::Init(_) => FunctionFailure::InitTimeout(INIT_TIMEOUT),
                    Limit::Task(_) => FunctionFailure::Timeout(settings.timeout),
                });
            }
            () = reply.closed() => break Waited::Abandoned,
        }
    };
    match waited {
        Waited::Answered(Answer::Stream { content_type, pieces }) => {
            let (caller, caller_pieces) = mpsc::channel(PIECES_IN_FLIGHT);
            let answered = reply.send(Reply::Stream {
                content_type,
                pieces: caller_pieces,
            });
            let forwarding = Forwarding {
                sandbox: &sandbox,
                generation: begun.generation,
                exit: &mut exit,
                deadline: limit.at(),
                managed,
            };
            forwarding.forward(pieces, answered.ok().map(|()| caller)).await;
        }
        Waited::Answered(answer) => {
            let _ = reply.send(whole(answer));
        }
        Waited::Failed(failure) => {
            let _ = reply.send(Reply::Failed(failure.into()));
        }
        Waited::Abandoned => {}
    }
    drop(guard);

    let duration = handed_out_at.unwrap_or(started).elapsed();
    let mut report = Report::new(&request_id, duration, settings.memory_mb);
    report.max_memory_mb = sandbox.pid(begun.generation).and_then(report::max_memory_mb);
    if begun.first {
        report.init_duration = sandbox.init_duration(begun.generation);
    }
    sink(&report::end_line(&request_id));
    sink(&report.to_string());
}

/// The caller's answer for a runtime answer that is not a stream.
fn whole(answer: Answer) -> Reply {
    match answer {
        Answer::Response { body, content_type } => Reply::Whole { body, content_type },
        Answer::Error(error) => Reply::Failed(error),
        Answer::TooLarge => Reply::Failed(FunctionFailure::ResponseTooLarge(MAX_RESPONSE_BYTES).into()),
        // Streams are forwarded by the driver; never reached.
        Answer::Stream { .. } => Reply::Failed(FunctionFailure::Truncated.into()),
    }
}

/// A streamed response being passed from the runtime to the caller.
struct Forwarding<'a> {
    /// Where the bootstrap is killed at the deadline.
    sandbox: &'a Sandbox,
    /// Which bootstrap serves the invocation.
    generation: u64,
    /// Its end, waited for after a kill.
    exit: &'a mut ExitWatch,
    /// The function deadline: the stream must have ended by then.
    deadline: Instant,
    /// Managed Instances: a stream still open at the deadline is cut off for the caller, and the runtime lives.
    managed: bool,
}

impl Forwarding<'_> {
    /// Passes pieces from the runtime to the caller until the last one, at the pace the caller reads
    /// (backpressure). A caller that went away stops receiving, but the stream is still read to its end,
    /// as Lambda lets a function finish. At the deadline the bootstrap is killed and the stream ends with
    /// `Sandbox.Timeout`.
    ///
    /// The bootstrap's exit is not watched here: its connection closes with it, so the runtime side ends
    /// the stream (whole, or `Runtime.TruncatedResponse`) from the bytes that did arrive.
    async fn forward(self, mut from: mpsc::Receiver<Piece>, mut to: Option<mpsc::Sender<Piece>>) {
        loop {
            let piece = tokio::select! {
                biased;
                piece = next_piece(&mut from) => piece,
                () = tokio::time::sleep_until(self.deadline) => break,
            };
            let last = piece.is_last();
            if let Some(caller) = &to {
                let sent = tokio::select! {
                    biased;
                    sent = caller.send(piece) => sent.is_ok(),
                    () = tokio::time::sleep_until(self.deadline) => break,
                };
                if !sent {
                    to = None;
                }
            }
            if last {
                return;
            }
        }
        if !self.managed {
            self.sandbox.kill(self.generation);
            let _ = tokio::time::timeout(KILL_WAIT, self.exit.wait()).await;
        }
        if let Some(caller) = to {
            let timeout = FunctionFailure::Timeout(self.sandbox.settings.timeout);
            let _ = tokio::time::timeout(KILL_WAIT, caller.send(Piece::Failed(timeout.into()))).await;
        }
    }
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
