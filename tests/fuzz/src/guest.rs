//! A guest driven by the fuzzer: the real `bootstrap` (a Managed Instances environment of two workers, so two
//! invocations run at once) serving `tests/fixtures/ops` (world `handler`) or `tests/fixtures/ops-streaming`
//! (world `streaming-handler`, invoked with InvokeWithResponseStream), whose events are sequences of operations
//! (allocate toward the memory cap, log and print without bound, hold files, sleep, answer big, fail with many
//! frames, panic, trap, spin, keep HTTP fields, ask for random bytes, send requests denied and to a loopback
//! sink, write to the stream, set the prelude). The input's first byte picks the world; the rest is split into
//! up to four events, sent two at a time. Invariants: every invocation is answered, the bootstrap is the same
//! process after every input (nothing the guest does ends it), and its peak memory stays under the function's
//! memory size plus the host's own.
//!
//! It runs `target/debug/bootstrap` and the fixtures in `target/wasm-guests/wasm32-wasip2/release/` (`make test`
//! builds them), or the paths in `LAMBDA_WASM_FUZZ_BOOTSTRAP` and `LAMBDA_WASM_FUZZ_OPS` (the folder holding
//! both fixtures).

use std::convert::Infallible;
use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use lambda_wasm_emulator::{Emulator, EmulatorConfig};
use tokio::runtime::Runtime;

/// The function's memory size, in MB.
const MEMORY_MB: u32 = 256;
/// The most the environment may take: the function's memory, plus what the host needs above the guest's budget.
const PEAK_LIMIT_KB: u64 = (MEMORY_MB as u64 + 128) * 1024;
/// The longest one invocation may take before it counts as lost (the function timeout is 3 s).
const BOUND: Duration = Duration::from_secs(30);

/// The component's world, and so how it is invoked.
#[derive(Clone, Copy)]
enum World {
    /// `handler`, through Invoke.
    Plain,
    /// `streaming-handler`, through InvokeWithResponseStream.
    Streaming,
}

impl World {
    fn artifact(self) -> &'static str {
        match self {
            Self::Plain => "fixture_ops.wasm",
            Self::Streaming => "fixture_ops_streaming.wasm",
        }
    }

    fn invoke_path(self) -> &'static str {
        match self {
            Self::Plain => "/2015-03-31/functions/function/invocations",
            Self::Streaming => "/2021-11-15/functions/function/response-streaming-invocations",
        }
    }
}

struct Rig {
    runtime: Runtime,
    emulator: Emulator,
    client: Client<HttpConnector, Full<Bytes>>,
    pid: OnceLock<u32>,
    world: World,
}

fn path(variable: &str, default: &str) -> PathBuf {
    std::env::var_os(variable).map_or_else(
        || {
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("../..")
                .join(default)
        },
        PathBuf::from,
    )
}

fn rig(world: World) -> &'static Rig {
    static RIGS: [OnceLock<Rig>; 2] = [OnceLock::new(), OnceLock::new()];
    RIGS[world as usize].get_or_init(|| {
        let bootstrap = path("LAMBDA_WASM_FUZZ_BOOTSTRAP", "target/debug/bootstrap");
        let ops =
            path("LAMBDA_WASM_FUZZ_OPS", "target/wasm-guests/wasm32-wasip2/release").join(world.artifact());
        assert!(
            bootstrap.is_file() && ops.is_file(),
            "{} and {} must exist: run `make test` first",
            bootstrap.display(),
            ops.display()
        );
        let tmp = std::env::temp_dir().join(format!("lambda-wasm-fuzz-{}", std::process::id()));
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap_or_else(|e| panic!("a tokio runtime: {e}"));
        let emulator = runtime.block_on(async {
            let sink = sink().await;
            let config = EmulatorConfig {
                command: vec![bootstrap.into_os_string()],
                env: vec![
                    (
                        "LAMBDA_TASK_ROOT".into(),
                        ops.parent().map(|p| p.display().to_string()).unwrap_or_default(),
                    ),
                    ("_HANDLER".into(), world.artifact().into()),
                    ("LAMBDA_WASM_ALLOW_HTTP".into(), sink.clone()),
                    ("OPS_SINK_URL".into(), format!("http://{sink}/sink")),
                    (
                        "LAMBDA_WASM_GUEST_TMP".into(),
                        tmp.join("guest").display().to_string(),
                    ),
                    (
                        "LAMBDA_WASM_CACHE_DIR".into(),
                        tmp.join("cache").display().to_string(),
                    ),
                ],
                memory_mb: MEMORY_MB,
                timeout: Duration::from_secs(3),
                concurrency: 2,
                invoke_addr: "127.0.0.1:0".parse().unwrap_or_else(|_| unreachable!()),
                log_sink: std::sync::Arc::new(|_: &str| {}),
                ..EmulatorConfig::default()
            };
            Emulator::start(config)
                .await
                .unwrap_or_else(|e| panic!("the emulator: {e:#}"))
        });
        Rig {
            runtime,
            emulator,
            client: Client::builder(TokioExecutor::new()).build_http(),
            pid: OnceLock::new(),
            world,
        }
    })
}

/// A loopback HTTP server answering `sunk` to every request, the guest's allowed destination; its `IP:port`.
async fn sink() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap_or_else(|e| panic!("the sink: {e}"));
    let addr = listener.local_addr().unwrap_or_else(|e| panic!("the sink: {e}"));
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                let service = hyper::service::service_fn(|_: hyper::Request<hyper::body::Incoming>| async {
                    Ok::<_, Infallible>(hyper::Response::new(Full::new(Bytes::from_static(b"sunk"))))
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    addr.to_string()
}

/// The events of one input: split at 0xFF bytes, at most four, with the slowest operations bounded (a sleep of
/// 20 ms, a spin of 5 million rounds, a stream write of 1 MiB) so that the fuzzer spends its time on variety
/// rather than waiting.
fn events(data: &[u8]) -> Vec<Bytes> {
    data.split(|&b| b == 0xFF)
        .take(4)
        .map(|event| {
            let mut ops = event.to_vec();
            for pair in ops.chunks_mut(2) {
                if let [op, n] = pair {
                    match *op % 16 {
                        4 => *n = (*n).min(20),
                        9 => *n = (*n).min(5),
                        14 => *n = (*n).min(16),
                        _ => {}
                    }
                }
            }
            Bytes::from(ops)
        })
        .collect()
}

/// One input: its events, two at a time; each must be answered, and the environment must survive.
pub fn guest(data: &[u8]) {
    let Some((&selector, data)) = data.split_first() else {
        return;
    };
    let world = if selector & 1 == 0 {
        World::Plain
    } else {
        World::Streaming
    };
    let rig = rig(world);
    let events = events(data);
    rig.runtime.block_on(async {
        for pair in events.chunks(2) {
            // Two at once: the bootstrap runs two workers.
            let answers = match pair {
                [a, b] => {
                    let (a, b) = tokio::join!(invoke(rig, a.clone()), invoke(rig, b.clone()));
                    vec![a, b]
                }
                _ => vec![invoke(rig, pair[0].clone()).await],
            };
            for answer in answers {
                assert!(
                    answer.is_some(),
                    "an invocation was not answered within {BOUND:?}"
                );
            }
        }
    });
    let pid = rig.emulator.bootstrap_pid();
    if let Some(pid) = pid {
        let first = *rig.pid.get_or_init(|| pid);
        assert_eq!(
            pid, first,
            "the bootstrap was replaced: something a guest did ended it"
        );
        if let Some(peak) = peak_kb(pid) {
            assert!(peak <= PEAK_LIMIT_KB, "the environment's peak was {peak} kB");
        }
    }
}

/// One invocation; its status, or `None` when it was not answered in time.
async fn invoke(rig: &Rig, event: Bytes) -> Option<u16> {
    let url = format!("http://{}{}", rig.emulator.invoke_addr(), rig.world.invoke_path());
    let request = hyper::Request::post(url).body(Full::new(event)).ok()?;
    let call = async {
        let response = rig.client.request(request).await.ok()?;
        let status = response.status().as_u16();
        response.into_body().collect().await.ok()?;
        Some(status)
    };
    tokio::time::timeout(BOUND, call).await.ok().flatten()
}

/// The process's peak resident memory (VmHWM), in kB.
fn peak_kb(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
