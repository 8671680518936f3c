//! The emulator's invoke side (RIE-compatible invoke, InvokeWithResponseStream, Function URLs) and its Runtime API
//! side, driven together: the input is the caller's request, and the event's first byte picks how a scripted
//! runtime answers it (buffered, error, streamed as an HTTP-integration response whose prelude is the input's
//! bytes, streamed with error trailers, or with a bad response mode). Invariants: every request is answered
//! within a bound, and nothing in the emulator panics.

use std::collections::VecDeque;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Frame;
use hyper::header::{HeaderMap, HeaderName, HeaderValue};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use lambda_wasm_emulator::{Emulator, EmulatorConfig};
use tokio::runtime::Runtime;

/// How long one request may take before it counts as hung (the function timeout is 5 s).
const BOUND: Duration = Duration::from_secs(20);

/// Set by the panic hook: a panic anywhere, in any task, fails the input that caused it.
static PANICKED: AtomicBool = AtomicBool::new(false);

/// The emulator, its scripted runtime, and a client, made once for every input.
struct Rig {
    runtime: Runtime,
    emulator: Emulator,
    client: Client<HttpConnector, Full<Bytes>>,
}

fn rig() -> &'static Rig {
    static RIG: OnceLock<Rig> = OnceLock::new();
    RIG.get_or_init(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            PANICKED.store(true, Ordering::SeqCst);
            previous(info);
        }));
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap_or_else(|e| panic!("a tokio runtime: {e}"));
        let emulator = runtime.block_on(async {
            let config = EmulatorConfig {
                // A bootstrap that only exists: the scripted runtime below speaks the Runtime API.
                command: ["/bin/sh", "-c", "exec sleep 3600"].map(Into::into).to_vec(),
                timeout: Duration::from_secs(5),
                invoke_addr: "127.0.0.1:0".parse().unwrap_or_else(|_| unreachable!()),
                log_sink: std::sync::Arc::new(|_: &str| {}),
                max_stream_bytes: 1024 * 1024,
                ..EmulatorConfig::default()
            };
            Emulator::start(config)
                .await
                .unwrap_or_else(|e| panic!("the emulator: {e:#}"))
        });
        let api = emulator.runtime_api_addr();
        runtime.spawn(scripted_runtime(api));
        let client = Client::builder(TokioExecutor::new()).build_http();
        Rig {
            runtime,
            emulator,
            client,
        }
    })
}

/// One input: a request to the invoke side, answered within [`BOUND`], with no panic.
pub fn emulator(data: &[u8]) {
    let rig = rig();
    let Some((&kind, rest)) = data.split_first() else {
        return;
    };
    let (method, path, headers, body) = request(kind, rest);
    let url = format!("http://{}{path}", rig.emulator.invoke_addr());
    let mut builder = hyper::Request::builder().method(method).uri(url);
    if let Some(map) = builder.headers_mut() {
        map.extend(headers);
    }
    let Ok(request) = builder.body(Full::new(body)) else {
        return;
    };
    let answered = rig.runtime.block_on(async {
        tokio::time::timeout(BOUND, async {
            let response = rig.client.request(request).await.ok()?;
            let status = response.status();
            let body = response.into_body().collect().await.ok()?.to_bytes();
            if std::env::var_os("FUZZ_SHOW").is_some() {
                eprintln!(
                    "{status} {:?}",
                    String::from_utf8_lossy(&body[..body.len().min(120)])
                );
            }
            Some(())
        })
        .await
    });
    assert!(answered.is_ok(), "no answer within {BOUND:?}");
    assert!(!PANICKED.load(Ordering::SeqCst), "the emulator panicked");
}

/// The request the input describes: which endpoint, which method and path, which caller headers, which body.
fn request(kind: u8, rest: &[u8]) -> (hyper::Method, String, HeaderMap, Bytes) {
    let (head, body) = rest.split_at(rest.len().min(usize::from(kind >> 3)));
    let mut headers = HeaderMap::new();
    let names = [
        "x-amz-tenant-id",
        "x-amzn-trace-id",
        "x-amz-client-context",
        "content-type",
        "cookie",
    ];
    for (i, part) in head.split(|&b| b == b'\n').enumerate() {
        if part.is_empty() {
            continue;
        }
        if let Ok(value) = HeaderValue::from_bytes(part) {
            headers.append(HeaderName::from_static(names[i % names.len()]), value);
        }
    }
    let body = Bytes::copy_from_slice(body);
    match kind % 3 {
        0 => (
            hyper::Method::POST,
            "/2015-03-31/functions/function/invocations".to_owned(),
            headers,
            body,
        ),
        1 => (
            hyper::Method::POST,
            "/2021-11-15/functions/function/response-streaming-invocations".to_owned(),
            headers,
            body,
        ),
        _ => {
            let methods = [
                hyper::Method::GET,
                hyper::Method::POST,
                hyper::Method::PUT,
                hyper::Method::DELETE,
            ];
            let method = methods[usize::from(kind >> 2) % methods.len()].clone();
            // A path and query from the body's first bytes, as a URL can carry them.
            let tail: String = body
                .iter()
                .take(24)
                .map(|&b| match b {
                    b'a'..=b'z' | b'0'..=b'9' | b'/' | b'?' | b'=' | b'&' | b'%' | b'-' | b'.' => {
                        char::from(b)
                    }
                    _ => 'x',
                })
                .collect();
            (method, format!("/lambda-url/function/{tail}"), headers, body)
        }
    }
}

/// A runtime that polls `/next` forever and answers each event as its first byte says.
async fn scripted_runtime(api: std::net::SocketAddr) {
    let client: Client<HttpConnector, Full<Bytes>> = Client::builder(TokioExecutor::new()).build_http();
    loop {
        let next = hyper::Request::get(format!("http://{api}/2018-06-01/runtime/invocation/next"))
            .body(Full::new(Bytes::new()));
        let Ok(next) = next else { return };
        let Ok(response) = client.request(next).await else {
            tokio::time::sleep(Duration::from_millis(5)).await;
            continue;
        };
        let id = response
            .headers()
            .get("lambda-runtime-aws-request-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let event = response
            .into_body()
            .collect()
            .await
            .map(|b| b.to_bytes())
            .unwrap_or_default();
        let Some(id) = id else {
            // Replaced bootstrap (500), or nothing yet: poll again.
            tokio::time::sleep(Duration::from_millis(5)).await;
            continue;
        };
        tokio::spawn(answer(api, id, event));
    }
}

/// Answers one invocation as the event's first byte says.
async fn answer(api: std::net::SocketAddr, id: String, event: Bytes) {
    let url = format!("http://{api}/2018-06-01/runtime/invocation/{id}");
    let choice = event.first().copied().unwrap_or(0) % 5;
    let rest = event.slice(event.len().min(1)..);
    let client: Client<HttpConnector, BoxBody> = Client::builder(TokioExecutor::new()).build_http();
    let request = match choice {
        0 => hyper::Request::post(format!("{url}/response")).body(boxed_full(rest)),
        1 => hyper::Request::post(format!("{url}/error"))
            .header("lambda-runtime-function-error-type", "Function.Fuzzed")
            .body(boxed_full(rest)),
        2 => hyper::Request::post(format!("{url}/response"))
            .header("lambda-runtime-function-response-mode", "streaming")
            .header(
                "content-type",
                "application/vnd.awslambda.http-integration-response",
            )
            .body(chunked(rest, None)),
        3 => hyper::Request::post(format!("{url}/response"))
            .header("lambda-runtime-function-response-mode", "streaming")
            .header(
                "trailer",
                "Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body",
            )
            .body(chunked(rest.clone(), Some(rest))),
        _ => hyper::Request::post(format!("{url}/response"))
            .header("lambda-runtime-function-response-mode", "fuzzed")
            .body(boxed_full(rest)),
    };
    let Ok(request) = request else { return };
    let refused = match tokio::time::timeout(BOUND, client.request(request)).await {
        Ok(Ok(response)) => response.status().is_client_error(),
        _ => false,
    };
    // A refused answer leaves the invocation open until its deadline; an error ends it sooner, so the fuzzer
    // spends its time on inputs rather than on timeouts.
    if refused {
        let fallback = hyper::Request::post(format!("{url}/error")).body(boxed_full(Bytes::new()));
        if let Ok(fallback) = fallback {
            let _ = tokio::time::timeout(BOUND, client.request(fallback)).await;
        }
    }
}

/// A request body of either kind.
type BoxBody = http_body_util::combinators::BoxBody<Bytes, std::convert::Infallible>;

fn boxed_full(bytes: Bytes) -> BoxBody {
    Full::new(bytes).boxed()
}

/// `bytes` in chunks of up to 7 bytes (so a prelude is split anywhere), then the trailers made of `trailer`.
fn chunked(bytes: Bytes, trailer: Option<Bytes>) -> BoxBody {
    let mut frames: VecDeque<Frame<Bytes>> = bytes
        .chunks(7)
        .map(|chunk| Frame::data(Bytes::copy_from_slice(chunk)))
        .collect();
    if let Some(trailer) = trailer {
        let mut map = HeaderMap::new();
        let error_type = HeaderValue::from_bytes(&trailer).unwrap_or(HeaderValue::from_static("Function.X"));
        map.insert("lambda-runtime-function-error-type", error_type);
        let body = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, &trailer);
        if let Ok(body) = HeaderValue::from_str(&body) {
            map.insert("lambda-runtime-function-error-body", body);
        }
        frames.push_back(Frame::trailers(map));
    }
    Frames(frames).boxed()
}

/// A body of the given frames, in order.
struct Frames(VecDeque<Frame<Bytes>>);

impl hyper::body::Body for Frames {
    type Data = Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        std::task::Poll::Ready(self.0.pop_front().map(Ok))
    }
}
