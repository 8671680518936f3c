//! The host imports a component is linked with: the WASI 0.2 interfaces it imports (only those: defining all of
//! WASI, sockets and `wasi:http` in the linker is about a third of a small component's cold start), `wasi:http`
//! when it imports it, and the `lambda:handler` imports. A component that imports a `wasi:` interface
//! `wasmtime_wasi::p2::add_to_linker_async` does not add gets everything, as [`link_all`] does, so it still links
//! whenever it would have.

use std::collections::BTreeSet;

use wasmtime::Engine;
use wasmtime::component::{Component, HasData, HasSelf, Linker, ResourceTable};
use wasmtime_wasi::WasiView;
use wasmtime_wasi::cli::{WasiCli, WasiCliView};
use wasmtime_wasi::clocks::{WasiClocks, WasiClocksView};
use wasmtime_wasi::filesystem::{WasiFilesystem, WasiFilesystemView};
use wasmtime_wasi::p2::bindings::{LinkOptions, cli, clocks, filesystem, random, sockets};
use wasmtime_wasi::random::{WasiRandom, WasiRandomView};
use wasmtime_wasi::sockets::{WasiSockets, WasiSocketsView};
use wasmtime_wasi_io::bindings::wasi::io;

use crate::bindings::Handler;
use crate::bindings::streaming::lambda::handler::response_stream;
use crate::state::HostState;

/// `wasi:io`'s host state: the store's resource table.
struct Io;

impl HasData for Io {
    type Data<'a> = &'a mut ResourceTable;
}

/// Adds all of WASI 0.2, `wasi:http` and the `lambda:handler` imports of both worlds to `linker`.
pub fn link_all(linker: &mut Linker<HostState>) -> wasmtime::Result<()> {
    wasmtime_wasi::p2::add_to_linker_async(linker)?;
    link_lambda(linker)?;
    // Outbound HTTP; each request is checked against the allow-list (see `outbound`).
    wasmtime_wasi_http::p2::add_only_http_to_linker_async(linker)
}

/// Adds what `component` imports to `linker` (see the module's documentation).
pub fn link_for(
    linker: &mut Linker<HostState>,
    engine: &Engine,
    component: &Component,
) -> wasmtime::Result<()> {
    let names: Vec<String> = component
        .component_type()
        .imports(engine)
        .map(|(name, _)| name.to_owned())
        .collect();
    // `wasi:cli/environment@0.2.3` -> `wasi:cli/environment`: the linker matches compatible versions itself.
    let interfaces: BTreeSet<&str> = names
        .iter()
        .map(|name| {
            name.split_once('@')
                .map_or(name.as_str(), |(interface, _)| interface)
        })
        .collect();
    let wasi: Option<Vec<AddInterface>> = interfaces
        .iter()
        .filter(|name| name.starts_with("wasi:") && !name.starts_with("wasi:http/"))
        .map(|name| wasi_interface(name))
        .collect();
    let Some(wasi) = wasi else {
        return link_all(linker);
    };
    for add in wasi {
        add(linker)?;
    }
    link_lambda(linker)?;
    if interfaces.iter().any(|name| name.starts_with("wasi:http/")) {
        wasmtime_wasi_http::p2::add_only_http_to_linker_async(linker)?;
    }
    Ok(())
}

/// The `lambda:handler` imports of both worlds.
fn link_lambda(linker: &mut Linker<HostState>) -> wasmtime::Result<()> {
    Handler::add_to_linker::<_, HasSelf<_>>(linker, |state| state)?;
    response_stream::add_to_linker::<_, HasSelf<_>>(linker, |state| state)
}

/// Adds one WASI 0.2 interface to a linker.
type AddInterface = fn(&mut Linker<HostState>) -> wasmtime::Result<()>;

/// How the WASI 0.2 interface `name` is added by itself, as `wasmtime_wasi::p2::add_to_linker_async` adds it
/// among all the others; `None` for an interface that function does not add.
fn wasi_interface(name: &str) -> Option<AddInterface> {
    type T = HostState;
    let add: AddInterface = match name {
        "wasi:io/error" => |l| io::error::add_to_linker::<T, Io>(l, |t| t.ctx().table),
        "wasi:io/poll" => |l| io::poll::add_to_linker::<T, Io>(l, |t| t.ctx().table),
        "wasi:io/streams" => |l| io::streams::add_to_linker::<T, Io>(l, |t| t.ctx().table),
        "wasi:clocks/wall-clock" => |l| clocks::wall_clock::add_to_linker::<T, WasiClocks>(l, T::clocks),
        "wasi:clocks/monotonic-clock" => {
            |l| clocks::monotonic_clock::add_to_linker::<T, WasiClocks>(l, T::clocks)
        }
        "wasi:filesystem/types" => {
            |l| filesystem::types::add_to_linker::<T, WasiFilesystem>(l, T::filesystem)
        }
        "wasi:filesystem/preopens" => {
            |l| filesystem::preopens::add_to_linker::<T, WasiFilesystem>(l, T::filesystem)
        }
        "wasi:random/random" => |l| random::random::add_to_linker::<T, WasiRandom>(l, T::random),
        "wasi:random/insecure" => |l| random::insecure::add_to_linker::<T, WasiRandom>(l, T::random),
        "wasi:random/insecure-seed" => {
            |l| random::insecure_seed::add_to_linker::<T, WasiRandom>(l, T::random)
        }
        "wasi:cli/exit" => |l| cli::exit::add_to_linker::<T, WasiCli>(l, T::cli),
        "wasi:cli/environment" => |l| cli::environment::add_to_linker::<T, WasiCli>(l, T::cli),
        "wasi:cli/stdin" => |l| cli::stdin::add_to_linker::<T, WasiCli>(l, T::cli),
        "wasi:cli/stdout" => |l| cli::stdout::add_to_linker::<T, WasiCli>(l, T::cli),
        "wasi:cli/stderr" => |l| cli::stderr::add_to_linker::<T, WasiCli>(l, T::cli),
        "wasi:cli/terminal-input" => |l| cli::terminal_input::add_to_linker::<T, WasiCli>(l, T::cli),
        "wasi:cli/terminal-output" => |l| cli::terminal_output::add_to_linker::<T, WasiCli>(l, T::cli),
        "wasi:cli/terminal-stdin" => |l| cli::terminal_stdin::add_to_linker::<T, WasiCli>(l, T::cli),
        "wasi:cli/terminal-stdout" => |l| cli::terminal_stdout::add_to_linker::<T, WasiCli>(l, T::cli),
        "wasi:cli/terminal-stderr" => |l| cli::terminal_stderr::add_to_linker::<T, WasiCli>(l, T::cli),
        "wasi:sockets/network" => |l| {
            let options = LinkOptions::default();
            sockets::network::add_to_linker::<T, WasiSockets>(l, &(&options).into(), T::sockets)
        },
        "wasi:sockets/instance-network" => {
            |l| sockets::instance_network::add_to_linker::<T, WasiSockets>(l, T::sockets)
        }
        "wasi:sockets/ip-name-lookup" => {
            |l| sockets::ip_name_lookup::add_to_linker::<T, WasiSockets>(l, T::sockets)
        }
        "wasi:sockets/tcp" => |l| sockets::tcp::add_to_linker::<T, WasiSockets>(l, T::sockets),
        "wasi:sockets/tcp-create-socket" => {
            |l| sockets::tcp_create_socket::add_to_linker::<T, WasiSockets>(l, T::sockets)
        }
        "wasi:sockets/udp" => |l| sockets::udp::add_to_linker::<T, WasiSockets>(l, T::sockets),
        "wasi:sockets/udp-create-socket" => {
            |l| sockets::udp_create_socket::add_to_linker::<T, WasiSockets>(l, T::sockets)
        }
        _ => return None,
    };
    Some(add)
}

#[cfg(test)]
mod tests {
    use anyhow::Context as _;

    use super::*;

    /// The interfaces linked one by one: everything `add_to_linker_async` adds.
    const KNOWN: [&str; 27] = [
        "wasi:io/error",
        "wasi:io/poll",
        "wasi:io/streams",
        "wasi:clocks/wall-clock",
        "wasi:clocks/monotonic-clock",
        "wasi:filesystem/types",
        "wasi:filesystem/preopens",
        "wasi:random/random",
        "wasi:random/insecure",
        "wasi:random/insecure-seed",
        "wasi:cli/exit",
        "wasi:cli/environment",
        "wasi:cli/stdin",
        "wasi:cli/stdout",
        "wasi:cli/stderr",
        "wasi:cli/terminal-input",
        "wasi:cli/terminal-output",
        "wasi:cli/terminal-stdin",
        "wasi:cli/terminal-stdout",
        "wasi:cli/terminal-stderr",
        "wasi:sockets/network",
        "wasi:sockets/instance-network",
        "wasi:sockets/ip-name-lookup",
        "wasi:sockets/tcp",
        "wasi:sockets/tcp-create-socket",
        "wasi:sockets/udp",
        "wasi:sockets/udp-create-socket",
    ];

    #[test]
    fn each_interface_adds_what_the_whole_of_wasi_adds_too() -> anyhow::Result<()> {
        let engine = Engine::default();
        for name in KNOWN {
            let add = wasi_interface(name).with_context(|| format!("{name} is not linked by itself"))?;
            let mut linker = Linker::<HostState>::new(&engine);
            add(&mut linker).map_err(|e| anyhow::anyhow!("{name}: {e:#}"))?;
            // Something it defined is defined again by all of WASI: the names match wasmtime's.
            assert!(
                wasmtime_wasi::p2::add_to_linker_async(&mut linker).is_err(),
                "{name} added nothing that all of WASI adds"
            );
        }
        Ok(())
    }

    #[test]
    fn all_of_them_link_together_and_others_fall_back() -> anyhow::Result<()> {
        let engine = Engine::default();
        let mut linker = Linker::<HostState>::new(&engine);
        for name in KNOWN {
            let add = wasi_interface(name).with_context(|| format!("{name} is not linked by itself"))?;
            add(&mut linker).map_err(|e| anyhow::anyhow!("{name}: {e:#}"))?;
        }
        for other in [
            "wasi:http/types",
            "wasi:keyvalue/store",
            "wasi:cli/run",
            "wasi:io",
        ] {
            assert!(wasi_interface(other).is_none(), "{other}");
        }
        Ok(())
    }
}
