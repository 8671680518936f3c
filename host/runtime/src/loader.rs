//! Loading the handler: `.cwasm` by mmap, `.wasm` by compiling; the linker with WASI 0.2 and our imports; and
//! the pre-instantiated component every instance is made from, of whichever world it exports.

use std::path::Path;

use wasmtime::component::{Component, HasSelf, Linker};
use wasmtime::{Engine, Precompiled};

use crate::bindings::streaming::lambda::handler::response_stream;
use crate::bindings::{Handler, HandlerPre, StreamingHandlerPre};
use crate::error::InitError;
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

/// Loads the component at `path` and links it; the world is chosen by what the component exports.
pub fn load(engine: &Engine, path: &Path) -> Result<Pre, InitError> {
    let component = load_component(engine, path)?;
    let mut linker = Linker::<HostState>::new(engine);
    link(&mut linker).map_err(|e| InitError::Other(format!("linking the host imports failed: {e:#}")))?;
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

/// Adds WASI 0.2 and the `lambda:handler` imports of both worlds to `linker`.
pub fn link(linker: &mut Linker<HostState>) -> wasmtime::Result<()> {
    wasmtime_wasi::p2::add_to_linker_async(linker)?;
    Handler::add_to_linker::<_, HasSelf<_>>(linker, |state| state)?;
    response_stream::add_to_linker::<_, HasSelf<_>>(linker, |state| state)
}

fn load_component(engine: &Engine, path: &Path) -> Result<Component, InitError> {
    if !path.is_file() {
        return Err(InitError::HandlerNotFound {
            path: path.display().to_string(),
        });
    }
    match Engine::detect_precompiled_file(path) {
        Ok(Some(Precompiled::Component)) => {
            // SAFETY: the file is the function's own artifact, and wasmtime checks the version, target and
            // settings recorded in it before it maps any code.
            unsafe { Component::deserialize_file(engine, path) }.map_err(|e| {
                InitError::IncompatibleArtifact(format!(
                    "{} cannot be loaded by this bootstrap (lambda-wasm {}, wasmtime {}, {}): {e:#}. Rebuild it \
                     with this release: `lambda-wasm compile <handler.wasm> -o {}`",
                    path.display(),
                    env!("CARGO_PKG_VERSION"),
                    crate::engine::WASMTIME_MAJOR,
                    std::env::consts::ARCH,
                    path.display()
                ))
            })
        }
        Ok(Some(Precompiled::Module)) => Err(InitError::InvalidComponent(format!(
            "{} is a precompiled core module; expected a component",
            path.display()
        ))),
        Ok(None) | Err(_) => compile(engine, path),
    }
}

fn compile(engine: &Engine, path: &Path) -> Result<Component, InitError> {
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
    Component::new(engine, &bytes)
        .map_err(|e| InitError::InvalidComponent(format!("{} does not compile: {e:#}", path.display())))
}
