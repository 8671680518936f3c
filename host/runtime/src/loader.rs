//! Loading the handler: `.cwasm` by mmap, `.wasm` by compiling (and caching the result, see [`crate::cache`]);
//! the linker with WASI 0.2 and our imports; and the pre-instantiated component every instance is made from, of
//! whichever world it exports.
//!
//! A `bootstrap` built without the `compiler` feature loads only `.cwasm` files and refuses a `.wasm` with an
//! error that says how to precompile it.

use std::path::Path;

use wasmtime::component::{Component, Linker};
use wasmtime::{Engine, Precompiled};

use crate::bindings::{HandlerPre, StreamingHandlerPre};
use crate::config::{ComponentFile, components_in};
use crate::engine::{Target, WASMTIME_MAJOR};
use crate::error::InitError;
use crate::logging::{Level, Logger};
use crate::state::HostState;

/// The first 8 bytes of a component: the wasm magic, then version 0x0d and layer 1.
const COMPONENT_HEADER: [u8; 8] = [0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00];
/// The first 8 bytes of a core module: the wasm magic, then version 1 and layer 0.
const MODULE_HEADER: [u8; 8] = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];

/// A linked component ready to instantiate, by the world it exports.
pub enum Pre {
    /// World `handler`: exports `handle`.
    Buffered(HandlerPre<HostState>),
    /// World `streaming-handler`: exports `handle-stream`.
    Streaming(StreamingHandlerPre<HostState>),
}

/// Loads the component `file` names and links it; the world is chosen by what the component exports. What the
/// loader has to say (a substitute handler, the compile cache) goes to `logger`.
pub fn load(engine: &Engine, file: &ComponentFile, logger: &Logger) -> Result<Pre, InitError> {
    let path = file.path.as_path();
    let component = load_component(engine, file, logger)?;
    let mut linker = Linker::<HostState>::new(engine);
    crate::imports::link_for(&mut linker, engine, &component)
        .map_err(|e| InitError::Other(format!("linking the host imports failed: {e:#}")))?;
    let pre = linker.instantiate_pre(&component).map_err(|e| {
        InitError::InvalidComponent(format!(
            "{} imports something this host does not provide: {e:#}",
            path.display()
        ))
    })?;
    let buffered = match HandlerPre::new(pre.clone()) {
        Ok(buffered) => return Ok(Pre::Buffered(buffered)),
        Err(e) => e,
    };
    let streaming = match StreamingHandlerPre::new(pre) {
        Ok(streaming) => return Ok(Pre::Streaming(streaming)),
        Err(e) => e,
    };
    let exports: Vec<String> = component
        .component_type()
        .exports(engine)
        .map(|(name, _)| name.to_owned())
        .collect();
    Err(InitError::InvalidComponent(format!(
        "{} exports [{}], expected `handle` (world `lambda:handler/handler@0.1.0`: {buffered:#}) or \
         `handle-stream` (world `lambda:handler/streaming-handler@0.1.0`: {streaming:#})",
        path.display(),
        exports.join(", ")
    )))
}

fn load_component(engine: &Engine, file: &ComponentFile, logger: &Logger) -> Result<Component, InitError> {
    let path = file.path.as_path();
    if !path.is_file() {
        return Err(not_found(file));
    }
    if file.is_substitute() {
        logger.log(
            Level::Info,
            &format!(
                "_HANDLER={} names no file in {}: using {}, the only component there",
                file.handler,
                file.task_root.display(),
                path.display()
            ),
        );
    }
    match Engine::detect_precompiled_file(path) {
        Ok(Some(Precompiled::Component)) => {
            // SAFETY: the file is the function's own artifact, and wasmtime checks the version, target and
            // settings recorded in it before it maps any code.
            unsafe { Component::deserialize_file(engine, path) }
                .map_err(|e| incompatible(path, &format!("{e:#}")))
        }
        Ok(Some(Precompiled::Module)) => Err(InitError::InvalidComponent(format!(
            "{} is a precompiled core module; expected a component",
            path.display()
        ))),
        Ok(None) | Err(_) => compile(engine, file, logger),
    }
}

/// The file is missing: the error names it and lists the components the task root does hold.
fn not_found(file: &ComponentFile) -> InitError {
    let root = file.task_root.display();
    let found: Vec<String> = components_in(&file.task_root)
        .iter()
        .filter_map(|p| Some(p.file_name()?.to_string_lossy().into_owned()))
        .collect();
    let listing = match found.as_slice() {
        _ if !file.task_root.is_dir() => format!("LAMBDA_TASK_ROOT {root} is not a folder"),
        [] => format!("LAMBDA_TASK_ROOT {root} holds no .wasm or .cwasm file"),
        names => format!(
            "LAMBDA_TASK_ROOT {root} holds {} components: {}; set _HANDLER to one of them",
            names.len(),
            names.join(", ")
        ),
    };
    InitError::HandlerNotFound {
        path: format!("{} ({listing})", file.path.display()),
    }
}

/// A `.cwasm` wasmtime refused: which kind of mismatch, wasmtime's own words, and the command that rebuilds it.
fn incompatible(path: &Path, detail: &str) -> InitError {
    let host = Target::host();
    let host_name = host.map_or(std::env::consts::ARCH, Target::name);
    let stem = path.file_stem().map(|s| s.to_string_lossy()).unwrap_or_default();
    let name = path.file_name().map(|s| s.to_string_lossy()).unwrap_or_default();
    InitError::IncompatibleArtifact(format!(
        "{} cannot be loaded by this bootstrap (lambda-wasm {}, wasmtime {WASMTIME_MAJOR}, {host_name}): {} \
         [wasmtime: {detail}]. Rebuild it with this release: `lambda-wasm compile {stem}.wasm -o {name} --target \
         {host_name}`",
        path.display(),
        env!("CARGO_PKG_VERSION"),
        diagnose(detail, host),
    ))
}

/// Says in a user's terms what wasmtime's refusal of an artifact means: another version, another CPU
/// architecture, a CPU feature this CPU lacks, or other engine settings.
pub fn diagnose(detail: &str, host: Option<Target>) -> String {
    let host_name = host.map_or(std::env::consts::ARCH, Target::name);
    if let Some(version) = between(detail, "incompatible version '", "'") {
        return format!(
            "it was compiled by another wasmtime version ({version}, this bootstrap has {WASMTIME_MAJOR}), so by \
             another lambda-wasm release"
        );
    }
    if let Some(arch) = between(detail, "compiled for architecture '", "'") {
        let lambda = Target::from_arch(arch)
            .map(|t| format!(" ({})", t.name()))
            .unwrap_or_default();
        return format!(
            "it was compiled for another CPU architecture: {arch}{lambda}, but this bootstrap runs on {host_name}"
        );
    }
    if let Some(os) = between(detail, "compiled for operating system '", "'") {
        return format!("it was compiled for another operating system ({os}), not Linux");
    }
    if let Some(flag) = between(
        detail,
        "compilation setting \"",
        "\" is enabled, but not available",
    ) {
        return format!(
            "it was compiled for a CPU feature this {host_name} CPU lacks ({flag}): it was built for the build \
             machine's CPU rather than the Lambda baseline `lambda-wasm compile` uses"
        );
    }
    let setting = between(detail, "compiled without ", " but it")
        .or_else(|| between(detail, "compiled with a ", " of '"))
        .or_else(|| between(detail, "WebAssembly feature `", "`"))
        .or_else(|| between(detail, "compiled with ", " but it"));
    if let Some(setting) = setting {
        return format!(
            "it was compiled with other engine settings ({setting} differs), not by `lambda-wasm compile` of \
             this release"
        );
    }
    if detail.contains("incompatible with native host") || detail.contains("Module was compiled") {
        return "it was compiled with other engine settings, not by `lambda-wasm compile` of this release"
            .to_owned();
    }
    "it is not an artifact this bootstrap can read (truncated, corrupted, or not made by lambda-wasm)"
        .to_owned()
}

/// The text in `haystack` between the first `start` and the next `end`.
fn between<'a>(haystack: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let from = haystack.find(start)? + start.len();
    let length = haystack[from..].find(end)?;
    Some(&haystack[from..from + length])
}

fn compile(engine: &Engine, file: &ComponentFile, logger: &Logger) -> Result<Component, InitError> {
    let path = file.path.as_path();
    let bytes = std::fs::read(path).map_err(|e| InitError::HandlerNotFound {
        path: format!("{} ({e})", path.display()),
    })?;
    if bytes.starts_with(&MODULE_HEADER) {
        return Err(InitError::InvalidComponent(format!(
            "{} is a core WebAssembly module, not a component: build it for `wasm32-wasip2` or wrap it with \
             `wasm-tools component new`",
            path.display()
        )));
    }
    if !bytes.starts_with(&COMPONENT_HEADER) {
        return Err(InitError::InvalidComponent(format!(
            "{} is not a WebAssembly component (it does not start with the component header)",
            path.display()
        )));
    }
    compile_component(engine, file, &bytes, logger)
}

/// Compiles the component, or loads its verified artifact from the cache; stores what it compiles.
#[cfg(feature = "compiler")]
fn compile_component(
    engine: &Engine,
    file: &ComponentFile,
    bytes: &[u8],
    logger: &Logger,
) -> Result<Component, InitError> {
    use crate::cache::{Cache, Lookup};

    let name = file
        .path
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    let cache = Cache::new(&file.cache_dir);
    let key = Cache::key(engine, bytes);
    match cache.lookup(engine, &key) {
        Lookup::Hit(component) => {
            logger.log(
                Level::Info,
                &format!(
                    "loaded the compiled {name} from the cache ({})",
                    cache.artifact_path(&key).display()
                ),
            );
            return Ok(component);
        }
        Lookup::Miss => {}
        Lookup::Rejected(why) => logger.log(
            Level::Warn,
            &format!(
                "the cached artifact {} was not loaded and has been deleted ({why}): compiling {name} again",
                cache.artifact_path(&key).display()
            ),
        ),
    }
    let started = std::time::Instant::now();
    let invalid = |e: wasmtime::Error| {
        InitError::InvalidComponent(format!("{} does not compile: {e:#}", file.path.display()))
    };
    let artifact = engine.precompile_component(bytes).map_err(invalid)?;
    // SAFETY: the bytes were compiled just now, by this engine.
    let component = unsafe { Component::deserialize(engine, &artifact) }.map_err(invalid)?;
    let elapsed = started.elapsed();
    match cache.store(&key, &artifact) {
        Ok(cached) => logger.log(
            Level::Info,
            &format!("compiled {name} in {elapsed:.2?} (cached at {})", cached.display()),
        ),
        Err(e) => logger.log(
            Level::Warn,
            &format!(
                "compiled {name} in {elapsed:.2?} (not cached: {} cannot be written: {e}); precompile it with \
                 `lambda-wasm compile` for a faster cold start",
                file.cache_dir.display()
            ),
        ),
    }
    Ok(component)
}

/// Without the compiler a `.wasm` cannot be loaded: the error says how to precompile it.
#[cfg(not(feature = "compiler"))]
fn compile_component(
    _engine: &Engine,
    file: &ComponentFile,
    _bytes: &[u8],
    _logger: &Logger,
) -> Result<Component, InitError> {
    let path = file.path.as_path();
    let stem = path.file_stem().map(|s| s.to_string_lossy()).unwrap_or_default();
    let target = Target::host().map_or(std::env::consts::ARCH, Target::name);
    Err(InitError::IncompatibleArtifact(format!(
        "{} is a WebAssembly component (.wasm), and this bootstrap was built without the compiler: it loads only \
         precompiled .cwasm files. Precompile it with `lambda-wasm compile {}.wasm -o {stem}.cwasm --target \
         {target}` and set _HANDLER to {stem}.cwasm, or package it with `lambda-wasm package {}.wasm -o \
         function.zip --target {target}`",
        path.display(),
        stem,
        stem,
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wasmtime_refusals_are_named() {
        let x86 = Some(Target::X86_64);
        let cases = [
            (
                "Module was compiled with incompatible version '47'",
                "wasmtime version (47",
            ),
            (
                "Module was compiled for architecture 'aarch64'",
                "aarch64 (arm64), but this bootstrap runs on x86_64",
            ),
            (
                "compilation settings of module incompatible with native host: compilation setting \"has_avx512f\" \
                 is enabled, but not available on the host",
                "CPU feature this x86_64 CPU lacks (has_avx512f)",
            ),
            (
                "Module was compiled without epoch interruption but it is enabled for the host",
                "(epoch interruption differs)",
            ),
            (
                "Module was compiled with a memory guard size of '0' but '33554432' is expected for the host",
                "(memory guard size differs)",
            ),
            (
                "failed to parse precompiled artifact as an ELF",
                "truncated, corrupted",
            ),
        ];
        for (detail, expected) in cases {
            let said = diagnose(detail, x86);
            assert!(said.contains(expected), "{detail} -> {said}");
        }
    }
}
