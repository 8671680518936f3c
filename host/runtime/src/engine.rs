//! The wasmtime engine: the ONE settings function used by every place that compiles or loads a component, so
//! a `.cwasm` made by `lambda-wasm compile` always matches the `bootstrap` that loads it.

use std::time::Duration;

use wasmtime::{Config, Engine, InstanceAllocationStrategy, PoolingAllocationConfig};

use crate::config::Isolation;
use crate::limits::MAX_TABLE_ELEMENTS;

/// The wasmtime major version artifacts must be built with (only the major version is checked at load).
pub const WASMTIME_MAJOR: &str = "48";

/// How often the epoch advances; a deadline is enforced to within about this much.
pub const EPOCH_TICK: Duration = Duration::from_millis(10);

/// The engine settings shared by compile and load. Every knob that changes the compiled code is set here.
pub fn config() -> Config {
    let mut config = Config::new();
    // Handlers are components (the WIT contract), never core modules.
    config.wasm_component_model(true);
    // Deadlines are enforced inside the sandbox by epoch interruption (about 10% overhead; fuel costs ~2x).
    // It changes the generated code, so a `.cwasm` built without it is refused.
    config.epoch_interruption(true);
    // Frame names come from the component's name section; DWARF file/line parsing would slow every load.
    config.wasm_backtrace_details(wasmtime::WasmBacktraceDetails::Disable);
    config
}

/// Builds the engine from [`config`], for compiling or for an environment-isolated runtime.
pub fn new() -> anyhow::Result<Engine> {
    Ok(Engine::new(&config())?)
}

/// Builds the runtime engine for `isolation`. Invocation isolation makes an instance per event, so it takes
/// them from a pooling allocator sized for ONE environment (wasmtime's defaults reserve a thousand of
/// everything); the pool changes how instances are allocated, not the compiled code, so the same `.cwasm`
/// loads in both modes.
pub fn for_isolation(isolation: Isolation, memory_limit: usize) -> anyhow::Result<Engine> {
    let mut config = config();
    if isolation == Isolation::Invocation {
        let mut pool = PoolingAllocationConfig::default();
        // One instance runs at a time; the one just used is dropped before the next is made. Room for two.
        pool.total_component_instances(2)
            // A wasip2 component holds several core instances (Python's about a dozen): 32 each.
            .max_core_instances_per_component(32)
            .total_core_instances(64)
            .max_memories_per_component(8)
            .total_memories(16)
            .max_tables_per_component(16)
            .total_tables(32)
            .table_elements(MAX_TABLE_ELEMENTS)
            // One async stack per running call.
            .total_stacks(2)
            // The memory cap, within what a 32-bit memory can address.
            .max_memory_size(memory_limit.min(4 << 30));
        config.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
    }
    Ok(Engine::new(&config)?)
}

/// Starts the thread that advances the engine's epoch every [`EPOCH_TICK`]. It holds only a weak reference,
/// so it ends by itself when the engine is dropped.
pub fn start_epoch_ticker(engine: &Engine) -> anyhow::Result<()> {
    let weak = engine.weak();
    std::thread::Builder::new()
        .name("epoch-ticker".into())
        .spawn(move || {
            while let Some(engine) = weak.upgrade() {
                engine.increment_epoch();
                drop(engine);
                std::thread::sleep(EPOCH_TICK);
            }
        })?;
    Ok(())
}
