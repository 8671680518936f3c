//! `lambda-wasm`: the developer CLI. Run a WebAssembly handler locally through the real `bootstrap` and the
//! Lambda emulator (`serve`), put the emulator around any bootstrap (`emulate`), send it events (`invoke`), and
//! precompile components for the fast cold-start path (`compile`).

mod compile;
mod invoke;
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
    /// Serve a component through the real `bootstrap` and a Lambda emulator (RIE-compatible invoke API).
    Serve(serve::ServeArgs),
    /// Run the emulator around any bootstrap command, as `aws-lambda-rie <bootstrap>` does.
    Emulate(serve::EmulateArgs),
    /// Send one event to a running emulator and print the response (exit status 1 on a function error).
    Invoke(invoke::InvokeArgs),
    /// Precompile a component into a `.cwasm` for this machine's CPU, with the engine settings of `bootstrap`.
    Compile(compile::CompileArgs),
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
            Command::Serve(args) => serve::serve(args).await,
            Command::Emulate(args) => serve::emulate(args).await,
            Command::Invoke(args) => invoke::invoke(args).await,
            Command::Compile(args) => compile::compile(args),
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
