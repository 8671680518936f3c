//! `lambda-wasm`: the developer CLI. Make a handler project (`new`), build its component in any language
//! (`build`), run it locally through the real `bootstrap` and the Lambda emulator (`serve`, or `watch`, which
//! rebuilds and swaps it on every change), put the emulator around any bootstrap (`emulate`), send it events
//! (`invoke`), precompile components for the fast cold-start path (`compile`), and make the function's zip
//! (`package`).
//!
//! Layout: one module per command (`serve` holds `emulate` too; `project` holds `new`, `build` and `watch`);
//! `elf` reads the ELF headers `package` checks.

mod compile;
mod elf;
mod invoke;
mod package;
mod project;
mod serve;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Run WebAssembly handlers for AWS Lambda locally.
#[derive(Parser)]
#[command(name = "lambda-wasm", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Make a handler project: Rust, Python, JavaScript, TypeScript or C, with a unit test and a sample event.
    New(project::new::NewArgs),
    /// Build a project's component (any language) into `target/lambda-wasm/handler.wasm`.
    Build(project::build::BuildArgs),
    /// Serve a project, rebuild it on every change, and swap the new component in without the invoke endpoint
    /// going down.
    Watch(project::watch::WatchArgs),
    /// Serve a component through the real `bootstrap` and a Lambda emulator (RIE-compatible invoke API).
    Serve(serve::ServeArgs),
    /// Run the emulator around any bootstrap command, as `aws-lambda-rie <bootstrap>` does.
    Emulate(serve::EmulateArgs),
    /// Send one event to a running emulator and print the response (exit status 1 on a function error).
    Invoke(invoke::InvokeArgs),
    /// Precompile a component into a `.cwasm` for a Lambda architecture (x86_64 or arm64), with the engine
    /// settings of `bootstrap` and the architecture's documented CPU baseline.
    Compile(compile::CompileArgs),
    /// Make the function's zip: `bootstrap` for the architecture and the precompiled `handler.cwasm`.
    Package(package::PackageArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("lambda-wasm: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        match cli.command {
            Command::New(args) => project::new::new(args),
            Command::Build(args) => project::build::build(args),
            Command::Watch(args) => project::watch::watch(args).await,
            Command::Serve(args) => serve::serve(args).await,
            Command::Emulate(args) => serve::emulate(args).await,
            Command::Invoke(args) => invoke::invoke(args).await,
            Command::Compile(args) => compile::compile(args),
            Command::Package(args) => package::package(args),
        }
    });
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("lambda-wasm: {e:#}");
            ExitCode::FAILURE
        }
    }
}
