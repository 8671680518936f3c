//! `lambda-wasm invoke`: one event to a running emulator, the answer to stdout.

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

/// Arguments of `invoke`.
#[derive(clap::Args)]
pub struct InvokeArgs {
    /// The emulator's invoke port.
    #[arg(long, default_value_t = 9000)]
    port: u16,
    /// The event, inline (JSON or any text).
    #[arg(long, conflicts_with = "file")]
    data: Option<String>,
    /// The event, from a file. Without `--data` or `--file`, the event is read from stdin.
    #[arg(long)]
    file: Option<PathBuf>,
}

/// Sends the event and prints the response body; exit status 1 when the function failed.
pub async fn invoke(args: InvokeArgs) -> anyhow::Result<ExitCode> {
    let event = match (args.data, args.file) {
        (Some(data), _) => data.into_bytes(),
        (None, Some(file)) => std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?,
        (None, None) => {
            let mut event = Vec::new();
            std::io::stdin()
                .read_to_end(&mut event)
                .context("reading the event from stdin")?;
            event
        }
    };
    let url = format!(
        "http://127.0.0.1:{}/2015-03-31/functions/function/invocations",
        args.port
    );
    let request = hyper::Request::post(&url)
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(event)))?;
    let client = Client::builder(TokioExecutor::new()).build_http();
    let response = client
        .request(request)
        .await
        .with_context(|| format!("POST {url}"))?;
    let failed = response.headers().contains_key("x-amz-function-error");
    let status = response.status();
    let body = response
        .into_body()
        .collect()
        .await
        .context("reading the response")?
        .to_bytes();
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(&body)?;
    stdout.write_all(b"\n")?;
    stdout.flush()?;
    if !status.is_success() {
        eprintln!("lambda-wasm: the emulator answered {status}");
        return Ok(ExitCode::FAILURE);
    }
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}
