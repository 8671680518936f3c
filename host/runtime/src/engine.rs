//! The wasmtime engine: the ONE settings function used by every place that compiles or loads a component, so
//! a `.cwasm` made by `lambda-wasm compile` always matches the `bootstrap` that loads it.

use std::time::Duration;

use wasmtime::{Config, Engine};

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

/// Builds the engine from [`config`].
pub fn new() -> anyhow::Result<Engine> {
    Ok(Engine::new(&config())?)
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
