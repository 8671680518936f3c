//! `bootstrap`: the Lambda custom runtime's entry point. Everything happens in [`lambda_wasm_host::run`].

use std::process::ExitCode;

fn main() -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("bootstrap: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(lambda_wasm_host::run()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bootstrap: exiting: {e:#}");
            ExitCode::FAILURE
        }
    }
}
