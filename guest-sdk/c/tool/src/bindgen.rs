//! C bindings for a world of a WIT package, as `wit-bindgen c` writes them.

use std::path::Path;

use anyhow::{Context as _, Result};
use wit_bindgen_core::Files;
use wit_bindgen_core::wit_parser::Resolve;

/// Writes `<world>.c`, `<world>.h` and `<world>_component_type.o` (the world's type, linked into the core
/// module so that `componentize` knows its imports and exports) for `world` of the package in `wit_dir`.
pub fn generate(wit_dir: &Path, world: &str, out_dir: &Path) -> Result<()> {
    let mut resolve = Resolve::default();
    let (package, _) = resolve
        .push_path(wit_dir)
        .with_context(|| format!("reading WIT from {}", wit_dir.display()))?;
    let world_id = resolve.select_world(&[package], Some(world))?;
    let mut files = Files::default();
    wit_bindgen_c::Opts::default()
        .build()
        .generate(&mut resolve, world_id, &mut files)
        .context("generating C bindings")?;
    std::fs::create_dir_all(out_dir).with_context(|| format!("creating {}", out_dir.display()))?;
    for (name, contents) in files.iter() {
        let path = out_dir.join(name);
        std::fs::write(&path, contents).with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(())
}
