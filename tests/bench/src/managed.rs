//! The Managed Instances table: one environment taking N invocations at once (`AWS_LAMBDA_MAX_CONCURRENCY`),
//! through the emulator in its Managed Instances mode, for this project's `bootstrap` (Rust and Python
//! components), AWS's `lambda_runtime::run_concurrent`, and `awslambdaric` (processes). Two workloads: a
//! handler that waits 20 ms (a function calling an API) and one that burns CPU. For each concurrency: N clients
//! each invoke in a loop on its own connection; invocations per second, latency p50/p99, and the peak
//! proportional set size (PSS: shared pages split between the processes sharing them) of the whole environment,
//! every process of it, sampled while it runs.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use bytes::Bytes;
use http_body_util::{BodyExt as _, Full};
use hyper_util::rt::TokioIo;
use lambda_wasm_emulator::{Emulator, EmulatorConfig};

use crate::runtimes::Runtime;
use crate::stats::Summary;

/// The concurrencies measured.
pub const CONCURRENCY: [usize; 3] = [1, 8, 64];
/// How often the environment's memory is sampled.
const SAMPLE_EVERY: Duration = Duration::from_millis(20);
/// The longest one invocation may take.
const INVOKE_LIMIT: Duration = Duration::from_secs(60);

/// What a handler does before it echoes the event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Workload {
    /// Waits 20 ms in a host call.
    Wait,
    /// Spins: `rounds` of arithmetic.
    Burn {
        /// Rounds of the loop (chosen per language so one invocation takes a few milliseconds).
        rounds: u64,
    },
}

impl Workload {
    fn event(self) -> Bytes {
        Bytes::from(match self {
            Self::Wait => r#"{"sleep_ms":20}"#.to_owned(),
            Self::Burn { rounds } => format!(r#"{{"burn":{rounds}}}"#),
        })
    }

    /// The workload's name in the table.
    pub fn name(self) -> String {
        match self {
            Self::Wait => "wait 20 ms".to_owned(),
            Self::Burn { rounds } => format!("burn {rounds} rounds"),
        }
    }
}

/// One row: a runtime, a workload, a concurrency.
#[derive(Debug)]
pub struct Row {
    /// The runtime's name.
    pub runtime: String,
    /// The workload.
    pub workload: Workload,
    /// Invocations in flight at once.
    pub concurrency: usize,
    /// Completed invocations per second.
    pub per_second: f64,
    /// Per invocation, as the client sees it.
    pub latency: Summary,
    /// The environment's peak PSS, in MB.
    pub peak_pss_mb: f64,
}

/// Measures `runtime` under `workload` at `concurrency`: `per_client` invocations by each of `concurrency`
/// clients after one unmeasured round.
pub async fn measure(
    runtime: &Runtime,
    workload: Workload,
    concurrency: usize,
    per_client: usize,
) -> anyhow::Result<Row> {
    let config = EmulatorConfig {
        command: runtime.command.clone(),
        env: runtime.env.clone(),
        invoke_addr: "127.0.0.1:0".parse()?,
        working_dir: Some(runtime.working_dir.clone()),
        timeout: INVOKE_LIMIT,
        concurrency,
        log_sink: Arc::new(|_: &str| {}),
        ..EmulatorConfig::default()
    };
    let emulator = Emulator::start(config).await?;
    let event = workload.event();
    // The first invocation spawns the environment; then every client makes one unmeasured round.
    let mut first = connect(&emulator).await?;
    invoke(&mut first, &event).await.context("the first invocation")?;
    let pid = emulator
        .bootstrap_pid()
        .context("no bootstrap after the first invocation")?;
    let running = Arc::new(AtomicBool::new(true));
    let peak_kb = Arc::new(AtomicU64::new(0));
    let sampler = tokio::spawn(sample(pid, Arc::clone(&running), Arc::clone(&peak_kb)));
    let mut clients = Vec::with_capacity(concurrency);
    for _ in 0..concurrency {
        let mut client = connect(&emulator).await?;
        let event = event.clone();
        clients.push(async move {
            invoke(&mut client, &event).await?;
            anyhow::Ok((client, event))
        });
    }
    let mut warmed = Vec::new();
    for client in futures_all(clients).await {
        warmed.push(client?);
    }
    let started = Instant::now();
    let runs = warmed.into_iter().map(|(mut client, event)| async move {
        let mut samples = Vec::with_capacity(per_client);
        for _ in 0..per_client {
            let began = Instant::now();
            invoke(&mut client, &event).await?;
            samples.push(began.elapsed());
        }
        anyhow::Ok(samples)
    });
    let mut samples = Vec::new();
    for run in futures_all(runs.collect()).await {
        samples.extend(run?);
    }
    let elapsed = started.elapsed();
    running.store(false, Ordering::SeqCst);
    let _ = sampler.await;
    emulator.shutdown().await;
    #[allow(clippy::cast_precision_loss, reason = "counts for reading")]
    let per_second = samples.len() as f64 / elapsed.as_secs_f64();
    #[allow(clippy::cast_precision_loss, reason = "kB for reading")]
    let peak_pss_mb = peak_kb.load(Ordering::SeqCst) as f64 / 1024.0;
    Ok(Row {
        runtime: runtime.name.to_owned(),
        workload,
        concurrency,
        per_second,
        latency: Summary::of(samples),
        peak_pss_mb,
    })
}

/// Samples the PSS of `root` and every process under it until `running` turns false; keeps the peak (kB).
async fn sample(root: u32, running: Arc<AtomicBool>, peak_kb: Arc<AtomicU64>) {
    while running.load(Ordering::SeqCst) {
        let total: u64 = tree(root).iter().filter_map(|pid| pss_kb(*pid)).sum();
        peak_kb.fetch_max(total, Ordering::SeqCst);
        tokio::time::sleep(SAMPLE_EVERY).await;
    }
}

/// `root` and its descendants, from `/proc/<pid>/task/<tid>/children`.
fn tree(root: u32) -> Vec<u32> {
    let mut all = vec![root];
    let mut i = 0;
    while i < all.len() {
        let pid = all[i];
        let tasks = Path::new("/proc").join(pid.to_string()).join("task");
        for task in std::fs::read_dir(&tasks).into_iter().flatten().flatten() {
            let children: PathBuf = task.path().join("children");
            let text = std::fs::read_to_string(children).unwrap_or_default();
            all.extend(text.split_whitespace().filter_map(|c| c.parse::<u32>().ok()));
        }
        i += 1;
    }
    all
}

/// A process's PSS in kB, from `/proc/<pid>/smaps_rollup`.
fn pss_kb(pid: u32) -> Option<u64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).ok()?;
    let line = text.lines().find(|l| l.starts_with("Pss:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// One HTTP/1.1 connection to the invoke endpoint.
async fn connect(
    emulator: &Emulator,
) -> anyhow::Result<hyper::client::conn::http1::SendRequest<Full<Bytes>>> {
    let stream = tokio::net::TcpStream::connect(emulator.invoke_addr()).await?;
    stream.set_nodelay(true)?;
    let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(connection);
    Ok(sender)
}

/// One invocation; fails unless the function answered the event back.
async fn invoke(
    client: &mut hyper::client::conn::http1::SendRequest<Full<Bytes>>,
    event: &Bytes,
) -> anyhow::Result<()> {
    let request = hyper::Request::post("/2015-03-31/functions/function/invocations")
        .header(hyper::header::HOST, "localhost")
        .body(Full::new(event.clone()))?;
    let call = async {
        client.ready().await?;
        let response = client.send_request(request).await?;
        let failed = response.headers().get("x-amz-function-error").is_some();
        let body = response.into_body().collect().await?.to_bytes();
        let sent: serde_json::Value = serde_json::from_slice(event)?;
        let got: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
        anyhow::ensure!(
            !failed && sent == got,
            "the invocation failed: {}",
            String::from_utf8_lossy(&body)
        );
        Ok(())
    };
    tokio::time::timeout(INVOKE_LIMIT, call)
        .await
        .with_context(|| format!("no answer within {INVOKE_LIMIT:?}"))?
}

/// Runs every future at once (each a task), in order of the results.
async fn futures_all<F>(futures: Vec<F>) -> Vec<F::Output>
where
    F: std::future::Future + Send + 'static,
    F::Output: Send + 'static,
{
    let handles: Vec<_> = futures.into_iter().map(tokio::spawn).collect();
    let mut outputs = Vec::with_capacity(handles.len());
    for handle in handles {
        if let Ok(output) = handle.await {
            outputs.push(output);
        }
    }
    outputs
}

/// The Markdown table, with memory per slot (peak PSS / concurrency).
pub fn render(rows: &[Row]) -> String {
    use std::fmt::Write as _;
    let mut out = String::from(
        "\n### Managed Instances\n\nOne environment taking N invocations at once (`AWS_LAMBDA_MAX_CONCURRENCY`), \
         the emulator in its Managed Instances mode; N clients invoke in a loop, each on its own connection. \
         Memory: the peak PSS of every process of the environment, sampled every 20 ms.\n\n\
         | Runtime | Workload | N | Invocations/s | p50 | p99 | Peak PSS | PSS per slot |\n\
         |---|---|---:|---:|---:|---:|---:|---:|\n",
    );
    for row in rows {
        #[allow(clippy::cast_precision_loss, reason = "a ratio for reading")]
        let per_slot = row.peak_pss_mb / row.concurrency as f64;
        let _ = writeln!(
            out,
            "| {} | {} | {} | {:.0} | {:.2} ms | {:.2} ms | {:.1} MB | {:.1} MB |",
            row.runtime,
            row.workload.name(),
            row.concurrency,
            row.per_second,
            row.latency.percentile(50.0).as_secs_f64() * 1e3,
            row.latency.percentile(99.0).as_secs_f64() * 1e3,
            row.peak_pss_mb,
            per_slot,
        );
    }
    out
}
