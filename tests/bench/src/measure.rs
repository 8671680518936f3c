//! The measurements, each through the emulator: cold starts (a new emulator, so a new process, per start) and
//! warm invocations over one kept-alive connection to the invoke endpoint.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use bytes::Bytes;
use http_body_util::{BodyExt as _, Full};
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use lambda_wasm_emulator::{Emulator, EmulatorConfig};
use tokio::sync::watch;

use crate::runtimes::Runtime;
use crate::stats::Summary;

/// The invoke endpoint's path for the emulator's default function.
const INVOKE_PATH: &str = "/2015-03-31/functions/function/invocations";
/// The longest any one invocation (a cold start included) may take before the run fails.
const INVOKE_LIMIT: Duration = Duration::from_secs(60);
/// The event's size: the 1 KiB JSON echo.
pub const EVENT_BYTES: usize = 1024;

/// How much to measure.
#[derive(Debug, Clone, Copy)]
pub struct Plan {
    /// Cold starts (new processes).
    pub spawns: usize,
    /// Measured warm invocations.
    pub invocations: usize,
    /// Unmeasured warm invocations first.
    pub warmup: usize,
}

/// What one runtime measured.
#[derive(Debug)]
pub struct Measured {
    /// The runtime.
    pub runtime: Runtime,
    /// Spawn to first response, per cold start.
    pub cold: Summary,
    /// The emulator's `Init Duration` (spawn to the first `/next`), per cold start.
    pub init: Summary,
    /// Per warm invocation.
    pub warm: Summary,
    /// Peak resident memory of the runtime process after the warm run (`Max Memory Used`, MB).
    pub peak_rss_mb: Option<u64>,
}

impl Measured {
    /// One line for the progress output.
    pub fn summary(&self) -> String {
        format!(
            "cold median {:.1} ms, warm p50 {:.1} us p99 {:.1} us, peak RSS {} MB",
            self.cold.median_ms(),
            self.warm.p50_us(),
            self.warm.p99_us(),
            self.peak_rss_mb
                .map_or_else(|| "?".to_owned(), |mb| mb.to_string())
        )
    }
}

/// One cold start of `runtime`: a new emulator, so a new process. Returns spawn to first response (as the
/// client sees it) and the emulator's `Init Duration` (spawn to the first `/next`).
pub async fn cold_start(runtime: &Runtime) -> anyhow::Result<(Duration, Duration)> {
    let event = event();
    let function = Function::start(runtime).await?;
    let mut client = function.connect().await?;
    let started = Instant::now();
    let body = invoke(&mut client, &event)
        .await
        .context("the first invocation")?;
    let cold = started.elapsed();
    check_echo(&event, &body)?;
    // The REPORT line follows the response: wait for it (bounded) to read the init duration.
    let report = function.report(1).await?;
    let init = field_ms(&report, "Init Duration").context("the REPORT line has no Init Duration")?;
    function.emulator.shutdown().await;
    Ok((cold, init))
}

/// A runtime kept warm: one process, one kept-alive connection, its measured latencies so far.
pub struct Warm {
    function: Function,
    client: SendRequest<Full<Bytes>>,
    event: Bytes,
    samples: Vec<Duration>,
    sent: usize,
}

impl Warm {
    /// Starts `runtime` and sends it `warmup` unmeasured invocations (the first is its cold start).
    pub async fn start(runtime: &Runtime, warmup: usize) -> anyhow::Result<Self> {
        let function = Function::start(runtime).await?;
        let client = function.connect().await?;
        let mut warm = Self {
            function,
            client,
            event: event(),
            samples: Vec::new(),
            sent: 0,
        };
        for _ in 0..warmup.max(1) {
            warm.invoke().await?;
        }
        Ok(warm)
    }

    /// `count` measured invocations, one after the other.
    pub async fn measure(&mut self, count: usize) -> anyhow::Result<()> {
        for _ in 0..count {
            let started = Instant::now();
            let body = self.invoke_raw().await?;
            self.samples.push(started.elapsed());
            check_echo(&self.event, &body)?;
        }
        Ok(())
    }

    async fn invoke(&mut self) -> anyhow::Result<()> {
        let body = self.invoke_raw().await?;
        check_echo(&self.event, &body)
    }

    async fn invoke_raw(&mut self) -> anyhow::Result<Bytes> {
        self.sent += 1;
        invoke(&mut self.client, &self.event).await
    }

    /// The measured latencies and the process's peak RSS (MB) after them; stops the runtime.
    pub async fn finish(self) -> anyhow::Result<(Summary, Option<u64>)> {
        let last = self.function.report(self.sent).await?;
        let peak_rss_mb =
            field(&last, "Max Memory Used").and_then(|value| value.trim_end_matches(" MB").parse().ok());
        self.function.emulator.shutdown().await;
        Ok((Summary::of(self.samples), peak_rss_mb))
    }
}

/// The benchmark's event: a JSON object of exactly [`EVENT_BYTES`] bytes.
pub fn event() -> Bytes {
    let head = r#"{"id":"0b8a9d3e-5c1f-4f61-9a6e-2d1f3b7c8e90","items":[1,2,3,4,5],"nested":{"ok":true,"n":42},"pad":""#;
    let tail = r#""}"#;
    let pad = "x".repeat(EVENT_BYTES - head.len() - tail.len());
    Bytes::from(format!("{head}{pad}{tail}"))
}

/// The response must be the event, as JSON (a runtime may write it with other spacing).
fn check_echo(event: &Bytes, body: &Bytes) -> anyhow::Result<()> {
    if event == body {
        return Ok(());
    }
    let sent: serde_json::Value = serde_json::from_slice(event)?;
    let got: serde_json::Value = serde_json::from_slice(body)
        .with_context(|| format!("the response is not JSON: {}", String::from_utf8_lossy(body)))?;
    anyhow::ensure!(sent == got, "the response is not the event: {got}");
    Ok(())
}

/// One invocation on the kept-alive connection; its body when the function succeeded.
async fn invoke(client: &mut SendRequest<Full<Bytes>>, event: &Bytes) -> anyhow::Result<Bytes> {
    let request = hyper::Request::post(INVOKE_PATH)
        .header(hyper::header::HOST, "localhost")
        .body(Full::new(event.clone()))?;
    let call = async {
        client.ready().await?;
        let response = client.send_request(request).await?;
        let failed = response.headers().get("x-amz-function-error").cloned();
        let status = response.status();
        let body = response.into_body().collect().await?.to_bytes();
        anyhow::ensure!(
            status.is_success() && failed.is_none(),
            "the invocation failed ({status}, {failed:?}): {}",
            String::from_utf8_lossy(&body)
        );
        Ok(body)
    };
    tokio::time::timeout(INVOKE_LIMIT, call)
        .await
        .with_context(|| format!("no answer within {INVOKE_LIMIT:?}"))?
}

/// An emulator serving `runtime` (which it spawns at the first invocation), keeping its REPORT lines.
struct Function {
    emulator: Emulator,
    reports: watch::Receiver<Vec<String>>,
}

impl Function {
    async fn start(runtime: &Runtime) -> anyhow::Result<Self> {
        let (sink, reports) = watch::channel(Vec::new());
        let config = EmulatorConfig {
            command: runtime.command.clone(),
            env: runtime.env.clone(),
            invoke_addr: "127.0.0.1:0".parse()?,
            working_dir: Some(runtime.working_dir.clone()),
            timeout: INVOKE_LIMIT,
            log_sink: Arc::new(move |line: &str| {
                if line.starts_with("REPORT") {
                    sink.send_modify(|reports| reports.push(line.to_owned()));
                }
            }),
            ..EmulatorConfig::default()
        };
        let emulator = Emulator::start(config).await?;
        Ok(Self { emulator, reports })
    }

    /// One HTTP/1.1 connection to the invoke endpoint, kept alive for every invocation sent on it.
    async fn connect(&self) -> anyhow::Result<SendRequest<Full<Bytes>>> {
        let stream = tokio::net::TcpStream::connect(self.emulator.invoke_addr()).await?;
        stream.set_nodelay(true)?;
        let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
        tokio::spawn(connection);
        Ok(sender)
    }

    /// The `count`th REPORT line (1-based), waiting for it (bounded).
    async fn report(&self, count: usize) -> anyhow::Result<String> {
        let mut reports = self.reports.clone();
        let wait = reports.wait_for(|reports| reports.len() >= count);
        let reports = tokio::time::timeout(Duration::from_secs(10), wait)
            .await
            .with_context(|| format!("REPORT line {count} never came"))?
            .context("the emulator is gone")?;
        Ok(reports[count - 1].clone())
    }
}

/// `Name: value` from a tab-separated REPORT line.
fn field<'a>(report: &'a str, name: &str) -> Option<&'a str> {
    report
        .split('\t')
        .find_map(|part| part.trim().strip_prefix(name)?.strip_prefix(": "))
}

/// A `Name: 1.23 ms` field as a duration.
fn field_ms(report: &str, name: &str) -> Option<Duration> {
    let ms: f64 = field(report, name)?.trim_end_matches(" ms").parse().ok()?;
    Some(Duration::from_secs_f64(ms / 1000.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_event_is_one_kib_of_json() {
        let event = event();
        assert_eq!(event.len(), EVENT_BYTES);
        assert!(serde_json::from_slice::<serde_json::Value>(&event).is_ok());
    }

    #[test]
    fn report_fields_are_read() {
        let line = "REPORT RequestId: x\tDuration: 1.00 ms\tMax Memory Used: 12 MB\tInit Duration: 4.56 ms";
        assert_eq!(field(line, "Max Memory Used"), Some("12 MB"));
        assert_eq!(field_ms(line, "Init Duration"), Some(Duration::from_micros(4560)));
        assert_eq!(field(line, "Billed Duration"), None);
    }
}
