//! A core wasm module to a component: `wasm-tools component new --adapt wasi_snapshot_preview1=<reactor>`.

use anyhow::{Result, bail};
use wasi_preview1_component_adapter_provider::{
    WASI_SNAPSHOT_PREVIEW1_ADAPTER_NAME, WASI_SNAPSHOT_PREVIEW1_REACTOR_ADAPTER,
};
use wit_component::ComponentEncoder;

/// The first 8 bytes of a core module: magic and version 1.
const CORE_MODULE_HEADER: [u8; 8] = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];

/// Wraps `module` (a `wasm32-wasi` reactor, which imports WASI preview 1 and carries its world's type in a
/// `component-type` custom section) in a component: its preview 1 imports are served by the reactor adapter
/// of the same wasmtime release as the host, which imports WASI 0.2, and its `_initialize` runs at
/// instantiation.
pub fn component_from_core(module: &[u8]) -> Result<Vec<u8>> {
    if !module.starts_with(&CORE_MODULE_HEADER) {
        bail!("not a core wasm module (a component already, or not wasm at all)");
    }
    ComponentEncoder::default()
        .validate(true)
        .module(module)?
        .adapter(
            WASI_SNAPSHOT_PREVIEW1_ADAPTER_NAME,
            WASI_SNAPSHOT_PREVIEW1_REACTOR_ADAPTER,
        )?
        .encode()
}
