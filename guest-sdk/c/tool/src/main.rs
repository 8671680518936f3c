//! `lambda-wasm-c`: the steps of a C handler's build that need the component-model toolchain, in one small
//! binary built from crates.io (installing `wit-bindgen-cli` and `wasm-tools` from source takes 15+ minutes each
//! on two cores; this crate builds in about a minute).
//!
//! ```text
//! lambda-wasm-c bindgen <wit-dir> <world> <out-dir>         # <world>.c, <world>.h, <world>_component_type.o
//! lambda-wasm-c componentize <core.wasm> -o <component.wasm> # `wasm-tools component new --adapt` (reactor)
//! lambda-wasm-c wit [--summary] <component.wasm>            # the component's world, as WIT
//! ```
//!
//! Layout: `bindgen` (C bindings, `wit-bindgen-c`), `componentize` (core module to component with the WASI
//! preview 1 reactor adapter, `wit-component`), `wit` (decode a component and print its world).

mod bindgen;
mod componentize;
mod wit;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context as _, Result, bail};

const USAGE: &str = "\
usage:
  lambda-wasm-c bindgen <wit-dir> <world> <out-dir>
      C bindings for <world>: <out-dir>/<world>.c, <world>.h and <world>_component_type.o
  lambda-wasm-c componentize <core.wasm> -o <component.wasm>
      turns a wasm32-wasi (preview 1) reactor module into a component, with the reactor adapter
  lambda-wasm-c wit [--summary] <component.wasm>
      prints the component's world as WIT; --summary: one line per import and export";

fn main() -> ExitCode {
    match run(std::env::args().skip(1).collect()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("lambda-wasm-c: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: Vec<String>) -> Result<()> {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match args.as_slice() {
        ["bindgen", wit_dir, world, out_dir] => {
            bindgen::generate(&PathBuf::from(wit_dir), world, &PathBuf::from(out_dir))
        }
        ["componentize", core, "-o", out] | ["componentize", "-o", out, core] => {
            let core = PathBuf::from(core);
            let bytes = std::fs::read(&core).with_context(|| format!("reading {}", core.display()))?;
            let component = componentize::component_from_core(&bytes)
                .with_context(|| format!("componentizing {}", core.display()))?;
            std::fs::write(out, component).with_context(|| format!("writing {out}"))
        }
        ["wit", component] => print_wit(component, false),
        ["wit", "--summary", component] | ["wit", component, "--summary"] => print_wit(component, true),
        ["-h" | "--help" | "help"] => {
            println!("{USAGE}");
            Ok(())
        }
        _ => bail!("unexpected arguments {args:?}\n{USAGE}"),
    }
}

fn print_wit(path: &str, summary: bool) -> Result<()> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {path}"))?;
    let text = if summary {
        wit::summary(&bytes)
    } else {
        wit::world_text(&bytes)
    };
    print!("{}", text.with_context(|| format!("decoding {path}"))?);
    Ok(())
}
