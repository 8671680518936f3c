//! A component's world, decoded from its binary: what it imports and exports.

use std::fmt::Write as _;

use anyhow::{Result, bail};
use wit_component::{DecodedWasm, WitPrinter};
use wit_parser::{Resolve, WorldId, WorldItem};

/// The first 8 bytes of a component: magic, then version 0x0d and layer 1.
const COMPONENT_HEADER: [u8; 8] = [0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00];

/// The component's world as WIT, like `wasm-tools component wit`.
pub fn world_text(bytes: &[u8]) -> Result<String> {
    let (resolve, world) = decode(bytes)?;
    let mut printer = WitPrinter::default();
    let package = resolve.worlds[world].package;
    let Some(package) = package else {
        bail!("the decoded world has no package");
    };
    let nested: Vec<_> = resolve
        .packages
        .iter()
        .map(|(id, _)| id)
        .filter(|id| *id != package)
        .collect();
    printer.print(&resolve, package, &nested)?;
    Ok(printer.output.to_string())
}

/// One line per import and per export: `import wasi:cli/stdin@0.2.12`, `export handle: func`, `import context: type`.
pub fn summary(bytes: &[u8]) -> Result<String> {
    let (resolve, world) = decode(bytes)?;
    let world = &resolve.worlds[world];
    let mut out = String::new();
    for (direction, items) in [("import", &world.imports), ("export", &world.exports)] {
        for (key, item) in items {
            let name = resolve.name_world_key(key);
            match item {
                WorldItem::Interface { .. } => writeln!(out, "{direction} {name}")?,
                WorldItem::Function(_) => writeln!(out, "{direction} {name}: func")?,
                WorldItem::Type { .. } => writeln!(out, "{direction} {name}: type")?,
            }
        }
    }
    Ok(out)
}

/// The component's resolve and world; an error for a core module or anything else.
fn decode(bytes: &[u8]) -> Result<(Resolve, WorldId)> {
    if !bytes.starts_with(&COMPONENT_HEADER) {
        bail!(
            "not a component: the header is {:02x?}, a component's is {COMPONENT_HEADER:02x?}",
            &bytes[..bytes.len().min(8)]
        );
    }
    match wit_component::decode(bytes)? {
        DecodedWasm::Component(resolve, world) => Ok((resolve, world)),
        DecodedWasm::WitPackage(..) => bail!("a WIT package, not a component"),
    }
}
