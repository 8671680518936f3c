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
    // No native unwinding tables (`.eh_frame`) for the compiled code. wasmtime's own backtraces and traps never
    // use them (it walks frame pointers); only a system unwinder would, and none unwinds through a guest here. The
    // static musl `bootstrap` unwinds with LLVM's libunwind, where registering them takes one call per function
    // at load (a quarter of a Python component's load) and unregistering them at shutdown is quadratic (about
    // 2 G instructions for the Python component, after SIGTERM). It changes the artifact, so an older `.cwasm` is
    // refused as incompatible.
    config.native_unwind_info(false);
    config
}

/// Builds the engine from [`config`], for compiling or for an environment-isolated runtime.
pub fn new() -> anyhow::Result<Engine> {
    Ok(Engine::new(&config())?)
}

/// A CPU architecture Lambda runs functions on, and the CPU features compiled code may assume there.
///
/// `lambda-wasm compile` never uses the build machine's features: an artifact built on a newer CPU (AVX-512,
/// say) would be refused by the older ones Lambda also runs on. It compiles for one of these documented
/// baselines instead, which every Lambda CPU of that architecture has:
/// - `x86_64`: x86-64-v3 (Intel Haswell / AMD Excavator and later; Lambda has supported AVX2 on every x86_64
///   host since 2020): SSE3, SSSE3, CMPXCHG16B, SSE4.1, SSE4.2, POPCNT, AVX, AVX2, FMA, BMI1, BMI2, LZCNT;
/// - `arm64`: Graviton2 (Neoverse N1, Armv8.2) and later: LSE atomics. FP16 and dot-product are left off:
///   wasm rarely needs them, and an artifact that asks for a feature a CPU lacks is refused there.
///
/// wasmtime records the flags in the artifact and checks each against the CPU that loads it, so a wrong
/// baseline shows as `Runtime.IncompatibleArtifact` at INIT, never as an illegal instruction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Target {
    /// Lambda's `x86_64` architecture.
    X86_64,
    /// Lambda's `arm64` architecture (Graviton).
    Arm64,
}

impl Target {
    /// Both architectures, in the order Lambda lists them.
    pub const ALL: [Self; 2] = [Self::X86_64, Self::Arm64];

    /// The architecture this program runs on, when Lambda has it.
    pub fn host() -> Option<Self> {
        Self::from_arch(std::env::consts::ARCH)
    }

    /// Parses Lambda's name (`x86_64`, `arm64`) or Rust's (`aarch64`), case-insensitively.
    pub fn parse(name: &str) -> Option<Self> {
        match name.trim().to_ascii_lowercase().as_str() {
            "x86_64" | "x86-64" | "amd64" => Some(Self::X86_64),
            "arm64" | "aarch64" => Some(Self::Arm64),
            _ => None,
        }
    }

    /// The architecture for Rust's and wasmtime's name of it (`std::env::consts::ARCH`, an ELF's machine).
    pub fn from_arch(arch: &str) -> Option<Self> {
        match arch {
            "x86_64" => Some(Self::X86_64),
            "aarch64" => Some(Self::Arm64),
            _ => None,
        }
    }

    /// Lambda's name: `x86_64` or `arm64` (the function's `Architectures` setting).
    pub fn name(self) -> &'static str {
        match self {
            Self::X86_64 => "x86_64",
            Self::Arm64 => "arm64",
        }
    }

    /// Rust's and wasmtime's name: `x86_64` or `aarch64` (what wasmtime's errors say).
    pub fn arch(self) -> &'static str {
        match self {
            Self::X86_64 => "x86_64",
            Self::Arm64 => "aarch64",
        }
    }

    /// The target triple artifacts are compiled for. Only the architecture and the OS are checked at load, so
    /// a musl-linked `bootstrap` loads them too.
    pub fn triple(self) -> &'static str {
        match self {
            Self::X86_64 => "x86_64-unknown-linux-gnu",
            Self::Arm64 => "aarch64-unknown-linux-gnu",
        }
    }

    /// The Cranelift ISA flags of the baseline (see the type's doc).
    pub fn cpu_flags(self) -> &'static [&'static str] {
        match self {
            Self::X86_64 => &[
                "has_sse3",
                "has_ssse3",
                "has_cmpxchg16b",
                "has_sse41",
                "has_sse42",
                "has_popcnt",
                "has_avx",
                "has_avx2",
                "has_fma",
                "has_bmi1",
                "has_bmi2",
                "has_lzcnt",
            ],
            Self::Arm64 => &["has_lse"],
        }
    }

    /// The baseline in words, for messages.
    pub fn baseline(self) -> &'static str {
        match self {
            Self::X86_64 => "x86-64-v3: AVX2, BMI1/2, FMA, LZCNT and earlier",
            Self::Arm64 => "Graviton2 and later: LSE atomics",
        }
    }
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Target {
    type Err = String;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Self::parse(name).ok_or_else(|| {
            format!("`{name}` is not a Lambda architecture: expected x86_64 or arm64 (aarch64)")
        })
    }
}

/// The engine settings of [`config`] compiling for `target` and its documented CPU baseline instead of this
/// machine: what `lambda-wasm compile` uses. Cross-compiling (arm64 on an x86_64 machine) also needs wasmtime's
/// `all-arch` feature, which only the CLI enables.
#[cfg(feature = "compiler")]
pub fn for_target(target: Target) -> anyhow::Result<Config> {
    let mut config = config();
    config.target(target.triple())?;
    for flag in target.cpu_flags() {
        // SAFETY: every flag names a CPU feature the baseline guarantees; wasmtime also records the flags in the
        // artifact and refuses to load it on a CPU that lacks one, so no code runs with a missing instruction.
        unsafe {
            config.cranelift_flag_enable(flag);
        }
    }
    Ok(config)
}

/// Bytes of each pooled memory, table and async stack kept resident when an instance is freed (see
/// [`for_isolation`]).
const KEEP_RESIDENT: usize = 2 << 20;

/// Builds the runtime engine for `isolation` and `workers` concurrent invocations. Invocation isolation makes
/// an instance per event, so it takes them from a pooling allocator sized for ONE environment (wasmtime's
/// defaults reserve a thousand of everything); the pool changes how instances are allocated, not the compiled
/// code, so the same `.cwasm` loads in both modes.
pub fn for_isolation(isolation: Isolation, memory_limit: usize, workers: usize) -> anyhow::Result<Engine> {
    let mut config = config();
    if isolation == Isolation::Invocation {
        let mut pool = PoolingAllocationConfig::default();
        // Each worker runs one instance at a time; the one it just used is dropped before its next is made, so
        // two slots a worker: the instance in use and the one made for its next event.
        let slots = u32::try_from(workers.max(1) * 2).unwrap_or(u32::MAX);
        pool.total_component_instances(slots)
            // A wasip2 component holds several core instances (Python's about a dozen): 32 each.
            .max_core_instances_per_component(32)
            .total_core_instances(slots.saturating_mul(32))
            .max_memories_per_component(8)
            .total_memories(slots.saturating_mul(4))
            .max_tables_per_component(16)
            .total_tables(slots.saturating_mul(16))
            .table_elements(MAX_TABLE_ELEMENTS)
            // One async stack per running call.
            .total_stacks(slots)
            // The memory cap, within what a 32-bit memory can address.
            .max_memory_size(memory_limit.min(4 << 30))
            // A freed slot's first pages are zeroed with memset rather than given back to the kernel, so the
            // next instance does not take a page fault on each of them during its call: the zeroing happens
            // between invocations, the faults would happen inside one. Covers a Rust guest's 1 MiB stack and
            // the start of its heap.
            .linear_memory_keep_resident(KEEP_RESIDENT)
            .table_keep_resident(KEEP_RESIDENT)
            .async_stack_keep_resident(KEEP_RESIDENT)
            // Where the kernel has `PAGEMAP_SCAN` (Linux 6.7 and later), only the pages the guest wrote are
            // zeroed, not all of the slot's resident bytes; elsewhere wasmtime falls back to zeroing them all.
            .pagemap_scan(wasmtime::Enabled::Auto);
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
