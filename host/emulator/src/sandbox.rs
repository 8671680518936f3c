//! The execution environment both APIs share: which bootstrap runs (and whether it is still in its init
//! phase), the invocations waiting for `/next`, those handed out, the ids already finished, and the extensions
//! registered. One invocation runs at a time, or up to the configured concurrency (Managed Instances).
//!
//! All state sits behind one short-lived lock that is never held across an `.await`; waiting is done with
//! [`Notify`] (for `/next` pollers) and a channel per invocation (for its driver, see `invocation.rs`).

use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::net::SocketAddr;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::sync::{Notify, mpsc};
use tokio::task::JoinSet;
use tokio::time::Instant;

use crate::config::INIT_TIMEOUT;
use crate::error::ApiError;
use crate::messages::{Answer, Event, Queued};
use crate::settings::Settings;
use crate::supervisor::{ExitWatch, Process};

/// How many finished request ids are remembered, so that a late answer gets 403 or 410 (not 400).
const FINISHED_MEMORY: usize = 1024;
/// The most extensions one bootstrap may register (Lambda allows 10).
const MAX_EXTENSIONS: usize = 10;

/// The shared execution environment.
pub(crate) struct Sandbox {
    /// The checked configuration.
    pub(crate) settings: Settings,
    /// The Runtime API address given to the bootstrap.
    runtime_api: SocketAddr,
    /// Everything that changes; see [`State`].
    state: Mutex<State>,
    /// Wakes `/next` pollers: an invocation was queued, or the bootstrap was replaced.
    changed: Notify,
    /// Lets invocations in, in arrival order (tokio's semaphore is fair): one at a time as RIE does, or up to
    /// the configured concurrency (Managed Instances).
    pub(crate) turn: tokio::sync::Semaphore,
    /// The invocation drivers (see `invocation.rs`), each a task of its own so that a streamed response
    /// outlives the invoke request's handler; aborted all at once by [`Sandbox::stop`].
    drivers: Mutex<Drivers>,
}

/// The running invocation drivers.
#[derive(Default)]
struct Drivers {
    /// The tasks (finished ones are reaped at each spawn).
    tasks: JoinSet<()>,
    /// Set by [`Sandbox::stop`]: no driver starts after it (it would spawn a bootstrap again).
    stopped: bool,
}

/// The mutable part of the [`Sandbox`].
#[derive(Default)]
struct State {
    /// Bumped at every spawn: a `/next` poller from an older bootstrap is stale and is told to exit.
    generation: u64,
    /// The current bootstrap, if one was spawned.
    runtime: Option<Runtime>,
    /// The invocations waiting to be handed out by `/next`, oldest first.
    pending: VecDeque<Queued>,
    /// The invocations handed out and not answered yet: request id -> invocation id.
    current: HashMap<String, String>,
    /// The invocations being driven, and where to tell each driver what happened.
    drivers: HashMap<String, mpsc::UnboundedSender<Event>>,
    /// Recently finished invocations, oldest first.
    finished: VecDeque<Finished>,
    /// The extensions the current bootstrap registered (their identifiers).
    extensions: Vec<String>,
}

/// An invocation that is over.
struct Finished {
    /// Its request id.
    request_id: String,
    /// Its invocation id.
    invocation_id: String,
    /// It timed out while its runtime lived on (Managed Instances): a late answer gets 410, not 403.
    timed_out: bool,
}

/// One spawned bootstrap.
struct Runtime {
    /// The process.
    process: Process,
    /// When it was spawned: the init phase is timed from here.
    spawned_at: Instant,
    /// How long its init phase took (spawn to first `/next`); `None` while it is initializing.
    init_took: Option<Duration>,
    /// It posted `/init/error` or was killed: the next invocation spawns a new one.
    doomed: bool,
    /// Whether it already served an invocation (the first one's REPORT carries `Init Duration`).
    served: bool,
}

/// What the driver of an invocation learns when it queues it.
pub(crate) struct Begun {
    /// The bootstrap generation that will serve it.
    pub(crate) generation: u64,
    /// Resolves when that bootstrap ends.
    pub(crate) exit: ExitWatch,
    /// The init deadline, when the bootstrap is still initializing.
    pub(crate) init_deadline: Option<Instant>,
    /// Whether this is the bootstrap's first invocation (for `Init Duration`).
    pub(crate) first: bool,
}

/// An invocation handed out to a `/next` poller.
pub(crate) struct HandOut {
    /// The invocation.
    pub(crate) invocation: Queued,
    /// `Lambda-Runtime-Deadline-Ms`: Unix epoch milliseconds.
    pub(crate) deadline_ms: u64,
}

impl Sandbox {
    /// An environment with no bootstrap yet.
    pub(crate) fn new(settings: Settings, runtime_api: SocketAddr) -> Self {
        Self {
            runtime_api,
            state: Mutex::new(State::default()),
            changed: Notify::new(),
            turn: tokio::sync::Semaphore::new(settings.concurrency.max(1)),
            drivers: Mutex::new(Drivers::default()),
            settings,
        }
    }

    /// Runs an invocation driver in a task of its own; `false` (and nothing runs) once stopped.
    pub(crate) fn spawn_driver(&self, driver: impl Future<Output = ()> + Send + 'static) -> bool {
        let mut drivers = self
            .drivers
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if drivers.stopped {
            return false;
        }
        while drivers.tasks.try_join_next().is_some() {}
        drivers.tasks.spawn(driver);
        true
    }

    /// The state; a poisoned lock is taken over (every update leaves the state consistent).
    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Queues `invocation` for `/next`, spawning a bootstrap first if none is usable.
    pub(crate) fn begin(
        &self,
        invocation: Queued,
        events: mpsc::UnboundedSender<Event>,
    ) -> std::io::Result<Begun> {
        let mut state = self.state();
        let usable = state
            .runtime
            .as_ref()
            .is_some_and(|runtime| !runtime.doomed && !runtime.process.has_exited());
        if !usable {
            // Dropping the old process kills it, if it still runs.
            state.runtime = None;
            let settings = &self.settings;
            // Init is timed from before the spawn: `Process::spawn` returns only once the program is exec'd,
            // and that is part of a cold start as Lambda counts it.
            let spawned_at = Instant::now();
            let process = Process::spawn(
                &settings.command,
                settings.bootstrap_env(self.runtime_api),
                settings.working_dir.as_deref(),
                &settings.log_sink,
            )?;
            state.generation += 1;
            state.extensions.clear();
            state.runtime = Some(Runtime {
                process,
                spawned_at,
                init_took: None,
                doomed: false,
                served: false,
            });
        }
        let generation = state.generation;
        let Some(runtime) = state.runtime.as_mut() else {
            return Err(std::io::Error::other("no bootstrap after spawning one"));
        };
        let first = !runtime.served;
        runtime.served = true;
        let init_deadline = runtime
            .init_took
            .is_none()
            .then(|| later(runtime.spawned_at, INIT_TIMEOUT));
        let exit = runtime.process.exit_watch();
        state.drivers.insert(invocation.request_id.clone(), events);
        state.pending.push_back(invocation);
        drop(state);
        self.changed.notify_waiters();
        Ok(Begun {
            generation,
            exit,
            init_deadline,
            first,
        })
    }

    /// The current bootstrap generation (a `/next` poller remembers it on arrival).
    pub(crate) fn generation(&self) -> u64 {
        self.state().generation
    }

    /// Waits for an invocation for a `/next` poller that arrived during `generation`.
    pub(crate) async fn next(&self, generation: u64) -> Result<HandOut, ApiError> {
        loop {
            let notified = self.changed.notified();
            tokio::pin!(notified);
            // Registered before looking, so a notification between the look and the wait is not lost.
            notified.as_mut().enable();
            if let Some(hand_out) = self.try_hand_out(generation)? {
                return Ok(hand_out);
            }
            notified.await;
        }
    }

    /// Hands out the pending invocation, if any; the first `/next` of a bootstrap ends its init phase.
    fn try_hand_out(&self, generation: u64) -> Result<Option<HandOut>, ApiError> {
        let mut state = self.state();
        if state.generation != generation {
            return Err(ApiError::StaleRuntime);
        }
        if let Some(runtime) = state.runtime.as_mut()
            && runtime.init_took.is_none()
        {
            runtime.init_took = Some(runtime.spawned_at.elapsed());
        }
        if state.runtime.as_ref().is_none_or(|runtime| runtime.doomed) {
            // A bootstrap that failed its init gets nothing more; it is replaced on the next invoke.
            return Ok(None);
        }
        let Some(invocation) = state.pending.pop_front() else {
            return Ok(None);
        };
        let now = Instant::now();
        let deadline = later(now, self.settings.timeout);
        let deadline_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|since| since.saturating_add(self.settings.timeout).as_millis())
            .map(|millis| u64::try_from(millis).unwrap_or(u64::MAX))
            .unwrap_or(0);
        state
            .current
            .insert(invocation.request_id.clone(), invocation.invocation_id.clone());
        if let Some(events) = state.drivers.get(&invocation.request_id) {
            let _ = events.send(Event::HandedOut { at: now, deadline });
        }
        Ok(Some(HandOut {
            invocation,
            deadline_ms,
        }))
    }

    /// Checks that `request_id` may still be answered by an answer carrying `invocation_id` (the echo of
    /// `Lambda-Runtime-Invocation-Id`, when the runtime sent one): 400 if unknown, 403 if already answered,
    /// 410 if it timed out or the echo names another invocation of that request id.
    pub(crate) fn check_answerable(
        &self,
        request_id: &str,
        invocation_id: Option<&str>,
    ) -> Result<(), ApiError> {
        check_answerable(&self.state(), request_id, invocation_id)
    }

    /// Records the answer to `request_id` and passes it to its driver.
    pub(crate) fn answer(
        &self,
        request_id: &str,
        invocation_id: Option<&str>,
        answer: Answer,
    ) -> Result<(), ApiError> {
        let mut state = self.state();
        check_answerable(&state, request_id, invocation_id)?;
        let invocation_id = state.current.remove(request_id).unwrap_or_default();
        remember_finished(&mut state, request_id, invocation_id, false);
        if let Some(events) = state.drivers.get(request_id) {
            let _ = events.send(Event::Answered(answer));
        }
        Ok(())
    }

    /// Records an `/init/error`: allowed once, during the init phase. The bootstrap is doomed.
    pub(crate) fn init_error(&self, answer: Answer) -> Result<(), ApiError> {
        let mut state = self.state();
        let in_init = |runtime: &&mut Runtime| runtime.init_took.is_none() && !runtime.doomed;
        let Some(runtime) = state.runtime.as_mut().filter(in_init) else {
            return Err(ApiError::InvalidStateTransition(
                "not in the init phase, or init error already posted",
            ));
        };
        runtime.doomed = true;
        // Every invocation waiting for this bootstrap fails with its init error.
        for events in state.drivers.values() {
            let error = match &answer {
                Answer::Error(error) => Answer::Error(error.clone()),
                _ => continue,
            };
            let _ = events.send(Event::InitError(error));
        }
        Ok(())
    }

    /// Kills the bootstrap of `generation` (at a deadline); the next invocation spawns a new one.
    pub(crate) fn kill(&self, generation: u64) {
        let mut state = self.state();
        if state.generation == generation
            && let Some(runtime) = state.runtime.as_mut()
        {
            runtime.doomed = true;
            runtime.process.kill();
        }
    }

    /// Forgets `request_id` as pending, current or driven; a late answer to it then gets 403, or 410 when it
    /// `timed_out` (its runtime lives on, Managed Instances).
    pub(crate) fn finish(&self, request_id: &str, timed_out: bool) {
        let mut state = self.state();
        state.pending.retain(|pending| pending.request_id != request_id);
        state.drivers.remove(request_id);
        if let Some(invocation_id) = state.current.remove(request_id) {
            remember_finished(&mut state, request_id, invocation_id, timed_out);
        }
    }

    /// Registers an extension of the current bootstrap (Extensions API); allowed during its init phase only.
    pub(crate) fn register_extension(&self) -> Result<String, ApiError> {
        let mut state = self.state();
        let initializing = state
            .runtime
            .as_ref()
            .is_some_and(|runtime| runtime.init_took.is_none() && !runtime.doomed);
        if !initializing {
            return Err(ApiError::InvalidStateTransition(
                "extensions register during the init phase only",
            ));
        }
        if state.extensions.len() >= MAX_EXTENSIONS {
            return Err(ApiError::InvalidStateTransition("too many extensions"));
        }
        let id = crate::ids::request_id();
        state.extensions.push(id.clone());
        Ok(id)
    }

    /// Whether `id` is an extension the current bootstrap registered.
    pub(crate) fn is_extension(&self, id: &str) -> bool {
        self.state().extensions.iter().any(|known| known == id)
    }

    /// Whether the current bootstrap gets SIGTERM before SIGKILL at shutdown: as on Lambda, when an extension is
    /// registered, and always under Managed Instances.
    pub(crate) fn terminates_gracefully(&self) -> bool {
        self.settings.concurrency > 1 || !self.state().extensions.is_empty()
    }

    /// The init duration of the bootstrap of `generation`: until its first `/next`, or until now.
    pub(crate) fn init_duration(&self, generation: u64) -> Option<Duration> {
        let state = self.state();
        let runtime = state
            .runtime
            .as_ref()
            .filter(|_| state.generation == generation)?;
        Some(runtime.init_took.unwrap_or_else(|| runtime.spawned_at.elapsed()))
    }

    /// The process id of the bootstrap of `generation`.
    pub(crate) fn pid(&self, generation: u64) -> Option<u32> {
        let state = self.state();
        state
            .runtime
            .as_ref()
            .filter(|_| state.generation == generation)?
            .process
            .pid()
    }

    /// Sends the bootstrap SIGTERM (shutdown with a grace); `None` when none runs.
    pub(crate) fn terminate(&self) -> Option<ExitWatch> {
        let state = self.state();
        let runtime = state.runtime.as_ref()?;
        runtime.process.terminate();
        Some(runtime.process.exit_watch())
    }

    /// Stops every invocation driver, kills the bootstrap, if any, and wakes every poller; returns a
    /// handle to wait for the bootstrap's end.
    pub(crate) fn stop(&self) -> Option<ExitWatch> {
        {
            let mut drivers = self
                .drivers
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            drivers.stopped = true;
            drivers.tasks.abort_all();
        }
        let mut state = self.state();
        let mut runtime = state.runtime.take()?;
        state.generation += 1;
        drop(state);
        self.changed.notify_waiters();
        runtime.process.kill();
        Some(runtime.process.exit_watch())
    }
}

/// `from + by`, or as far as the clock goes: a huge configured timeout must not overflow (and panic).
pub(crate) fn later(from: Instant, by: Duration) -> Instant {
    /// Far enough to be "never" for an emulator, near enough for any clock to represent.
    const FAR: Duration = Duration::from_secs(100 * 365 * 24 * 3600);
    from.checked_add(by)
        .or_else(|| from.checked_add(FAR))
        .unwrap_or(from)
}

/// See [`Sandbox::check_answerable`].
fn check_answerable(state: &State, request_id: &str, invocation_id: Option<&str>) -> Result<(), ApiError> {
    if let Some(current) = state.current.get(request_id) {
        return match invocation_id {
            Some(echoed) if echoed != current => Err(ApiError::Gone(format!(
                "invocation {echoed} of request {request_id} is over; {current} is the one in progress"
            ))),
            _ => Ok(()),
        };
    }
    match state.finished.iter().rev().find(|f| f.request_id == request_id) {
        Some(finished) if finished.timed_out => Err(ApiError::Gone(format!(
            "invocation {} of request {request_id} timed out; its answer is no longer accepted",
            finished.invocation_id
        ))),
        Some(_) => Err(ApiError::InvalidStateTransition(
            "this invocation was already answered or has ended",
        )),
        None => Err(ApiError::UnknownRequestId(request_id.to_owned())),
    }
}

/// Adds an invocation to the bounded list of finished ones.
fn remember_finished(state: &mut State, request_id: &str, invocation_id: String, timed_out: bool) {
    if state.finished.len() >= FINISHED_MEMORY {
        state.finished.pop_front();
    }
    state.finished.push_back(Finished {
        request_id: request_id.to_owned(),
        invocation_id,
        timed_out,
    });
}
