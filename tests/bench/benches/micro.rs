//! Micro-benchmarks of the host's steps, on the library `bootstrap` is built from (lean: no compiler):
//! - `load`: the engine, the linker (every host import, and only the echo's), `Component::deserialize_file` of a
//!   `.cwasm` (mmap), then the whole loader (deserialize, link, pre-instantiate);
//! - `instantiate`: one instance from the pre-instantiated component, with the on-demand allocator
//!   (environment isolation) and with the pooling one (invocation isolation);
//! - `call`: one warm invocation of the Rust JSON echo with a 1 KiB and a 1 MiB event;
//! - `runtime_api`: `/next` then `/response` (1 KiB) against a server on loopback.
//!
//! Reads the components `tests/bench/build.sh` put in `target/bench/task` (or `$LAMBDA_WASM_BENCH_DIR/task`).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    missing_docs,
    reason = "a benchmark fails by panicking"
)]

use std::convert::Infallible;
use std::path::PathBuf;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use http_body_util::Full;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use lambda_wasm_host::bindings::HandlerPre;
use lambda_wasm_host::config::{Config, Isolation};
use lambda_wasm_host::function::Function;
use lambda_wasm_host::invoke::Outcome;
use lambda_wasm_host::limits::MemoryBudget;
use lambda_wasm_host::loader::{self, Pre};
use lambda_wasm_host::logging::{Level, Logger};
use lambda_wasm_host::runtime_api::Invocation;
use lambda_wasm_host::runtime_api::{Next, RuntimeApi};
use lambda_wasm_host::state::HostState;
use tokio::runtime::Runtime;
use wasmtime::Store;
use wasmtime::component::{Component, Linker};

/// The folder of the benchmark's components.
fn task_dir() -> PathBuf {
    let dir = std::env::var_os("LAMBDA_WASM_BENCH_DIR").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/bench"),
        PathBuf::from,
    );
    let task = dir.join("task");
    assert!(
        task.join("rust-echo.cwasm").is_file(),
        "{} has no rust-echo.cwasm: run tests/bench/build.sh (or `make bench`) first",
        task.display()
    );
    task
}

/// The host's configuration for `component` in the benchmark's task folder.
fn config(component: &str, isolation: &str) -> Config {
    let vars: Vec<(String, String)> = [
        ("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:9001"),
        ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "1024"),
        ("_HANDLER", component),
        ("LAMBDA_WASM_ISOLATION", isolation),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .chain([("LAMBDA_TASK_ROOT".to_owned(), task_dir().display().to_string())])
    .collect();
    Config::from_vars(&vars).unwrap()
}

fn quiet() -> Logger {
    Logger::new(false, Level::Error)
}

fn runtime() -> Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn load(c: &mut Criterion) {
    let mut group = c.benchmark_group("load");
    group.bench_function("engine", |b| {
        b.iter(|| lambda_wasm_host::engine::for_isolation(Isolation::Environment, 1 << 30, 1).unwrap());
    });
    {
        let engine = lambda_wasm_host::engine::for_isolation(Isolation::Environment, 1 << 30, 1).unwrap();
        group.bench_function("linker_all", |b| {
            b.iter(|| {
                let mut linker = Linker::<HostState>::new(&engine);
                lambda_wasm_host::imports::link_all(&mut linker).unwrap();
                linker
            });
        });
        let config = config("rust-echo.cwasm", "environment");
        // SAFETY: the file is a `.cwasm` made by `lambda-wasm compile` for this engine's settings.
        let component = unsafe { Component::deserialize_file(&engine, &config.component_path.path) }.unwrap();
        group.bench_function("linker_for/rust-echo", |b| {
            b.iter(|| {
                let mut linker = Linker::<HostState>::new(&engine);
                lambda_wasm_host::imports::link_for(&mut linker, &engine, &component).unwrap();
                linker
            });
        });
    }
    for component in ["rust-echo", "python-echo", "js-echo"] {
        let config = config(&format!("{component}.cwasm"), "environment");
        let engine =
            lambda_wasm_host::engine::for_isolation(Isolation::Environment, config.memory_limit, 1).unwrap();
        let path = config.component_path.path.clone();
        group.bench_function(BenchmarkId::new("deserialize_file", component), |b| {
            // SAFETY: the file is a `.cwasm` made by `lambda-wasm compile` for this engine's settings.
            b.iter(|| unsafe { Component::deserialize_file(&engine, &path) }.unwrap());
        });
        group.bench_function(BenchmarkId::new("load_and_link", component), |b| {
            let logger = quiet();
            b.iter(|| loader::load(&engine, &config.component_path, &logger).unwrap());
        });
    }
    group.finish();
}

fn instantiate(c: &mut Criterion) {
    let rt = runtime();
    let mut group = c.benchmark_group("instantiate");
    for (allocator, isolation) in [("on-demand", "environment"), ("pooling", "invocation")] {
        let config = config("rust-echo.cwasm", isolation);
        let engine =
            lambda_wasm_host::engine::for_isolation(config.isolation, config.memory_limit, 1).unwrap();
        let logger = quiet();
        let budget = MemoryBudget::new(config.memory_limit);
        let Pre::Buffered(pre): Pre = loader::load(&engine, &config.component_path, &logger).unwrap() else {
            panic!("rust-echo exports `handle`");
        };
        group.bench_function(BenchmarkId::new(allocator, "rust-echo"), |b| {
            b.iter(|| {
                rt.block_on(async {
                    let mut store =
                        Store::new(&engine, HostState::new(&config, &logger, budget.clone()).unwrap());
                    store.limiter(|state| &mut state.limits);
                    // The engine interrupts at epoch deadlines; no ticker runs here, so one tick away is never.
                    store.set_epoch_deadline(1);
                    instantiate_one(&pre, &mut store).await;
                });
            });
        });
    }
    group.finish();
}

async fn instantiate_one(pre: &HandlerPre<HostState>, store: &mut Store<HostState>) {
    pre.instantiate_async(store).await.unwrap();
}

/// A JSON event of `size` bytes.
fn event(size: usize) -> Bytes {
    let head = r#"{"pad":""#;
    let tail = r#""}"#;
    Bytes::from(format!(
        "{head}{}{tail}",
        "x".repeat(size - head.len() - tail.len())
    ))
}

fn invocation(event: Bytes) -> Invocation {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    Invocation {
        request_id: "8476a536-e9f4-11e8-9739-2dfe598c3fcd".to_owned(),
        // Far enough that no benchmark iteration meets it.
        deadline_ms: u64::try_from((now + Duration::from_secs(3600)).as_millis()).unwrap_or(u64::MAX),
        deadline_from_header: true,
        invoked_function_arn: "arn:aws:lambda:us-east-1:123456789012:function:bench".to_owned(),
        xray_trace_id: None,
        client_context: None,
        cognito_identity: None,
        tenant_id: None,
        invocation_id: None,
        event,
    }
}

fn call(c: &mut Criterion) {
    let rt = runtime();
    let logger = quiet();
    let config = config("rust-echo.cwasm", "environment");
    let runtime_api = config.runtime_api.clone();
    let (_function, mut instance) = rt.block_on(Function::init(config, &logger)).unwrap();
    let mut group = c.benchmark_group("call");
    for (label, size) in [("1KiB", 1024), ("1MiB", 1024 * 1024)] {
        let invocation = invocation(event(size));
        group.throughput(Throughput::Bytes(size as u64));
        group.bench_function(BenchmarkId::new("rust-echo", label), |b| {
            b.iter(|| {
                let called = instance.call(&invocation, &runtime_api, Duration::from_millis(50), &logger);
                match rt.block_on(called) {
                    (Outcome::Response(body), true) => assert_eq!(body.len(), size),
                    (Outcome::Error(report), _) => panic!("the echo failed: {report:?}"),
                    _ => panic!("the echo did not answer a buffered response"),
                }
            });
        });
    }
    group.finish();
}

/// A Runtime API on loopback that hands out the same 1 KiB event at every `/next` and accepts every response.
async fn fake_runtime_api() -> std::net::SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let event = event(1024);
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let event = event.clone();
            tokio::spawn(async move {
                let service = service_fn(move |request: hyper::Request<hyper::body::Incoming>| {
                    let event = event.clone();
                    async move {
                        let response = if request.uri().path().ends_with("/next") {
                            hyper::Response::builder()
                                .header(
                                    "Lambda-Runtime-Aws-Request-Id",
                                    "8476a536-e9f4-11e8-9739-2dfe598c3fcd",
                                )
                                .header("Lambda-Runtime-Deadline-Ms", "4102444800000")
                                .header("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:bench")
                                .body(Full::new(event))
                        } else {
                            hyper::Response::builder()
                                .status(202)
                                .body(Full::new(Bytes::new()))
                        };
                        Ok::<_, Infallible>(response.unwrap())
                    }
                });
                let _ = http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    addr
}

fn runtime_api(c: &mut Criterion) {
    let rt = runtime();
    let addr = rt.block_on(fake_runtime_api());
    let address = lambda_wasm_host::config::RuntimeApiAddress::parse(&addr.to_string()).unwrap();
    let mut api = RuntimeApi::new(address);
    let body = event(1024);
    c.bench_function("runtime_api/next_and_response_1KiB", |b| {
        b.iter(|| {
            rt.block_on(async {
                let Next::Event(invocation) = api.next(Duration::from_secs(900)).await.unwrap() else {
                    panic!("the event was refused");
                };
                api.response(&invocation.answer_to(), body.clone()).await.unwrap();
            });
        });
    });
}

criterion_group! {
    name = micro;
    config = Criterion::default().measurement_time(Duration::from_secs(3)).warm_up_time(Duration::from_secs(1));
    targets = load, instantiate, call, runtime_api
}
criterion_main!(micro);
