//! The function as INIT leaves it, shared by every worker: the engine, the linked component, the configuration
//! and the environment's memory budget. Instances are made from it, each under a deadline.

use std::sync::Arc;
use std::time::{Duration, Instant};

use wasmtime::{Engine, Store, UpdateDeadline};

use crate::config::{Config, Isolation};
use crate::error::{InitError, InvocationError};
use crate::invoke::{Exports, Instance, bounded};
use crate::limits::MemoryBudget;
use crate::loader::Pre;
use crate::logging::Logger;
use crate::state::HostState;

/// The longest making an instance may take (the component's start functions): Lambda's on-demand INIT limit.
/// A start function that loops forever is stopped here rather than hanging its worker.
pub const INSTANTIATE_LIMIT: Duration = Duration::from_secs(10);
/// The most bytes the host copies out of a guest in one call (wasmtime's "hostcall fuel", 128 MiB by default):
/// the largest legitimate one is a 6 MiB response, or an error report (64 KiB of message, 128 frames of 4 KiB).
/// A guest that passes more (a huge log record or stream write, or a result whose strings alias one buffer
/// thousands of times) fails with `Runtime.OutputTooLarge` before the host allocates it.
pub const MAX_LIFT: usize = 8 * 1024 * 1024;
/// The most component-model handles one store may hold at once (wasmtime's default is 100,000).
pub const MAX_HANDLES: usize = 10_000;

/// The loaded function, shared by the workers.
pub struct Function {
    /// The configuration read at INIT.
    config: Config,
    /// The engine every instance runs on; its epoch ticker enforces deadlines.
    engine: Engine,
    /// Pre-linked component: every instance is made from it without linking again.
    pre: Pre,
    /// The memory every store of the environment draws on together.
    budget: Arc<MemoryBudget>,
    /// How long INIT's steps took: the engine, loading and linking the component, the first instance.
    init_steps: [Duration; 3],
}

impl Function {
    /// INIT: the engine (sized for the configured concurrency), the component, the linker, and the first
    /// instance, made for the worker whose log is `logger`.
    pub async fn init(config: Config, logger: &Logger) -> Result<(Arc<Self>, Instance), InitError> {
        let started = Instant::now();
        let engine =
            crate::engine::for_isolation(config.isolation, config.memory_limit, config.max_concurrency)
                .map_err(|e| InitError::Other(format!("{e:#}")))?;
        crate::engine::start_epoch_ticker(&engine).map_err(|e| InitError::Other(format!("{e:#}")))?;
        let engine_ready = Instant::now();
        let pre = crate::loader::load(&engine, &config.component_path, logger)?;
        let loaded = Instant::now();
        let mut function = Self {
            budget: MemoryBudget::new(config.memory_limit),
            config,
            engine,
            pre,
            init_steps: [engine_ready - started, loaded - engine_ready, Duration::ZERO],
        };
        // The first invocation's instance, in either isolation mode: a component that cannot be instantiated
        // fails INIT.
        let instance = function.instantiate(logger, None).await.map_err(|e| {
            InitError::Other(format!(
                "instantiating {} failed: {e}",
                function.config.component_path.display()
            ))
        })?;
        function.init_steps[2] = loaded.elapsed();
        Ok((Arc::new(function), instance))
    }

    /// The configuration read at INIT.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Makes an instance whose output goes to `logger`, stopped at `stop_at` (or after [`INSTANTIATE_LIMIT`],
    /// whichever is sooner).
    pub async fn instantiate(
        &self,
        logger: &Logger,
        stop_at: Option<Instant>,
    ) -> Result<Instance, InvocationError> {
        let began = Instant::now();
        let limit = began + INSTANTIATE_LIMIT;
        let stop_at = stop_at.map_or(limit, |at| at.min(limit));
        let state = HostState::new(&self.config, logger, Arc::clone(&self.budget))
            .map_err(|e| InvocationError::Instantiation(format!("{e:#}")))?;
        let mut store = Store::new(&self.engine, state);
        store.limiter(|state| &mut state.limits);
        store.set_hostcall_fuel(MAX_LIFT);
        store.set_max_component_handles(MAX_HANDLES);
        // Epochs only count while wasm runs; the callback turns the wall-clock deadline into an interrupt, and
        // otherwise yields at each tick so other workers, and the streaming task, get their turn.
        store.epoch_deadline_callback(|store| {
            let stop = store.data().stop_at.is_some_and(|at| Instant::now() >= at);
            Ok(if stop {
                UpdateDeadline::Interrupt
            } else {
                UpdateDeadline::Yield(1)
            })
        });
        store.set_epoch_deadline(1);
        store.data_mut().bound_instantiation(stop_at);
        let made = match &self.pre {
            Pre::Buffered(pre) => bounded(stop_at, pre.instantiate_async(&mut store))
                .await
                .map(Exports::Buffered),
            Pre::Streaming(pre) => bounded(stop_at, pre.instantiate_async(&mut store))
                .await
                .map(Exports::Streaming),
        };
        match made {
            Ok(exports) => Ok(Instance { store, exports }),
            Err(e) if e.downcast_ref::<wasmtime::Trap>() == Some(&wasmtime::Trap::Interrupt) => {
                Err(InvocationError::Instantiation(format!(
                    "the component's start did not finish within {:.1?}",
                    stop_at.saturating_duration_since(began)
                )))
            }
            Err(e) if store.data().limits.refused => Err(InvocationError::Instantiation(format!(
                "the environment's memory budget ({} MiB) is spent: {e:#}",
                self.budget.cap() >> 20
            ))),
            Err(e) => Err(InvocationError::Instantiation(format!("{e:#}"))),
        }
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
            "{} (world {world}, {isolation} isolation, {} worker{}, memory budget {} MiB, pid {}; engine \
             {engine:.1?}, load and link {load:.1?}, instantiate {instantiate:.1?})",
            self.config.component_path.display(),
            self.config.max_concurrency,
            if self.config.max_concurrency == 1 { "" } else { "s" },
            self.config.memory_limit >> 20,
            std::process::id()
        )
    }
}
