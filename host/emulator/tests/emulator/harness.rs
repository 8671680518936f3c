//! The test harness: an emulator whose bootstrap is a shell command that announces itself and sleeps,
//! HTTP clients for the invoke endpoint and the Runtime API, a streaming runtime client whose body is fed
//! from a channel (trailers included), and an event-stream reader. Every wait is bounded.

use std::convert::Infallible;
use std::ffi::OsString;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_smithy_eventstream::frame::{DecodedFrame, MessageFrameDecoder};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use bytes::{Bytes, BytesMut};
use http_body_util::{BodyExt as _, Full};
use hyper::body::{Frame, Incoming};
use hyper::header::{HOST, HeaderMap, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use lambda_wasm_emulator::{Emulator, EmulatorConfig, LogSink};
use serde_json::Value;
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// The bound on every wait in these tests.
pub const WAIT: Duration = Duration::from_secs(15);
/// A bootstrap that announces itself and then does nothing: the test plays the runtime.
pub const IDLE_BOOTSTRAP: &str = "echo spawned $$; exec sleep 30";
/// The RIE-compatible invoke path.
pub const INVOKE_PATH: &str = "/2015-03-31/functions/function/invocations";
/// InvokeWithResponseStream's path.
pub const STREAM_INVOKE_PATH: &str = "/2021-11-15/functions/function/response-streaming-invocations";
/// The Runtime API's long poll.
pub const NEXT_PATH: &str = "/2018-06-01/runtime/invocation/next";

/// An answer, fully read.
pub struct Reply {
    /// The status code.
    pub status: StatusCode,
    /// The headers.
    pub headers: HeaderMap,
    /// The whole body.
    pub body: Bytes,
}

impl Reply {
    /// A header's value, if present.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(|value| value.to_str().unwrap())
    }

    /// The body as JSON.
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap()
    }
}

/// A running emulator and the lines it logged.
pub struct Harness {
    /// The emulator under test.
    pub emulator: Emulator,
    /// What it logged (the bootstrap's output, START/END/REPORT, Function URL errors).
    pub lines: mpsc::UnboundedReceiver<String>,
    /// Lines received while waiting for another one.
    pub seen: Vec<String>,
}

impl Harness {
    /// Starts an emulator that runs `script` as its bootstrap, with `timeout` as the function timeout.
    pub async fn start(script: &str, timeout: Duration) -> Self {
        Self::start_with(script, timeout, |_| {}).await
    }

    /// Starts with the configuration changed by `adjust`.
    pub async fn start_with(
        script: &str,
        timeout: Duration,
        adjust: impl FnOnce(&mut EmulatorConfig),
    ) -> Self {
        let (tx, lines) = mpsc::unbounded_channel();
        let log_sink: LogSink = Arc::new(move |line: &str| {
            let _ = tx.send(line.to_owned());
        });
        let mut config = EmulatorConfig {
            command: ["/bin/sh", "-c", script]
                .into_iter()
                .map(OsString::from)
                .collect(),
            timeout,
            invoke_addr: "127.0.0.1:0".parse().unwrap(),
            log_sink,
            ..EmulatorConfig::default()
        };
        adjust(&mut config);
        let emulator = Emulator::start(config).await.unwrap();
        Self {
            emulator,
            lines,
            seen: Vec::new(),
        }
    }

    /// Takes the first logged line, not taken yet, that starts with `prefix` (waiting for it if need be).
    pub async fn line(&mut self, prefix: &str) -> String {
        if let Some(index) = self.seen.iter().position(|line| line.starts_with(prefix)) {
            return self.seen.remove(index);
        }
        bounded(async {
            loop {
                let line = self.lines.recv().await.unwrap();
                if line.starts_with(prefix) {
                    return line;
                }
                self.seen.push(line);
            }
        })
        .await
    }

    /// Waits for the bootstrap to announce itself; returns its pid.
    pub async fn spawned(&mut self) -> u32 {
        let line = self.line("spawned ").await;
        line.trim_start_matches("spawned ").parse().unwrap()
    }

    /// Starts an invoke in the background (it returns when the function answers).
    pub fn invoke(&self, headers: &[(&'static str, &'static str)], event: &'static str) -> JoinHandle<Reply> {
        let addr = self.emulator.invoke_addr();
        let headers = headers.to_vec();
        tokio::spawn(async move { request(addr, Method::POST, INVOKE_PATH, &headers, event.into()).await })
    }

    /// A Runtime API request.
    pub async fn runtime(&self, method: Method, path: &str, headers: &[(&str, &str)], body: Bytes) -> Reply {
        request(self.emulator.runtime_api_addr(), method, path, headers, body).await
    }

    /// `GET /next`.
    pub async fn next(&self) -> Reply {
        self.runtime(Method::GET, NEXT_PATH, &[], Bytes::new()).await
    }

    /// `/next`, and the request id it handed out.
    pub async fn next_id(&self) -> (Reply, String) {
        let next = self.next().await;
        let id = next.header("lambda-runtime-aws-request-id").unwrap().to_owned();
        (next, id)
    }

    /// A buffered `POST /invocation/{id}/{action}`.
    pub async fn post(
        &self,
        id: &str,
        action: &str,
        headers: &[(&str, &str)],
        body: impl Into<Bytes>,
    ) -> Reply {
        let path = format!("/2018-06-01/runtime/invocation/{id}/{action}");
        self.runtime(Method::POST, &path, headers, body.into()).await
    }

    /// Starts a streamed `/response` for `id`, as a runtime does: chunked, with the error trailers
    /// declared.
    pub async fn stream(&self, id: &str, content_type: &str) -> Streamer {
        let addr = self.emulator.runtime_api_addr();
        let (frames, receiver) = mpsc::channel(1);
        let request = Request::builder()
            .method(Method::POST)
            .uri(format!("/2018-06-01/runtime/invocation/{id}/response"))
            .header(HOST, addr.to_string())
            .header("Lambda-Runtime-Function-Response-Mode", "streaming")
            .header("Content-Type", content_type)
            .header(
                "Trailer",
                "Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body",
            )
            .body(ChannelBody(receiver))
            .unwrap();
        let mut sender = handshake(addr).await;
        let answer = tokio::spawn(async move {
            let response = sender.send_request(request).await.unwrap();
            read_whole(response).await
        });
        Streamer { frames, answer }
    }

    /// Opens a request on the invoke endpoint in the background; the task returns the response as soon
    /// as its head arrives (see [`opened`]).
    pub fn open(
        &self,
        method: Method,
        path: &str,
        headers: &[(&'static str, &'static str)],
        body: &'static str,
    ) -> JoinHandle<Response<Incoming>> {
        let addr = self.emulator.invoke_addr();
        let mut builder = Request::builder()
            .method(method)
            .uri(path)
            .header(HOST, addr.to_string());
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        let request = builder
            .body(Full::new(Bytes::from_static(body.as_bytes())))
            .unwrap();
        tokio::spawn(async move {
            let mut sender = handshake(addr).await;
            sender.send_request(request).await.unwrap()
        })
    }
}

/// The response of [`Harness::open`], once its head has arrived.
pub async fn opened(open: JoinHandle<Response<Incoming>>) -> Response<Incoming> {
    bounded(open).await.unwrap()
}

/// A streamed `/response` in progress, fed by the test.
pub struct Streamer {
    /// The frames of the request body.
    frames: mpsc::Sender<Frame<Bytes>>,
    /// The Runtime API's answer, once the body is over.
    answer: JoinHandle<Reply>,
}

impl Streamer {
    /// Sends one chunk.
    pub async fn send(&self, chunk: impl Into<Bytes>) {
        bounded(self.frames.send(Frame::data(chunk.into())))
            .await
            .unwrap();
    }

    /// Ends the body cleanly; returns the Runtime API's answer.
    pub async fn end(self) -> Reply {
        drop(self.frames);
        finished(self.answer).await
    }

    /// Ends the body with error trailers; returns the Runtime API's answer.
    pub async fn fail(self, error_type: &str, error_json: &str) -> Reply {
        let mut trailers = HeaderMap::new();
        trailers.insert(
            "lambda-runtime-function-error-type",
            HeaderValue::from_str(error_type).unwrap(),
        );
        trailers.insert(
            "lambda-runtime-function-error-body",
            HeaderValue::from_str(&STANDARD.encode(error_json)).unwrap(),
        );
        bounded(self.frames.send(Frame::trailers(trailers)))
            .await
            .unwrap();
        self.end().await
    }
}

/// A request body fed from a channel.
struct ChannelBody(mpsc::Receiver<Frame<Bytes>>);

impl hyper::body::Body for ChannelBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        self.0.poll_recv(cx).map(|frame| frame.map(Ok))
    }
}

/// Reads an event stream, one message at a time.
pub struct Events {
    /// The event-stream body.
    body: Incoming,
    /// Bytes received and not decoded yet.
    buffer: BytesMut,
    /// aws-smithy-eventstream's incremental decoder.
    decoder: MessageFrameDecoder,
}

impl Events {
    /// Reads `body`.
    pub fn new(body: Incoming) -> Self {
        Self {
            body,
            buffer: BytesMut::new(),
            decoder: MessageFrameDecoder::new(),
        }
    }

    /// The next message: its `:event-type` and its payload. Checks the other two headers Lambda sets.
    pub async fn next(&mut self) -> (String, Bytes) {
        loop {
            if let DecodedFrame::Complete(message) = self.decoder.decode_frame(&mut self.buffer).unwrap() {
                let header = |name: &str| {
                    let header = message
                        .headers()
                        .iter()
                        .find(|header| header.name().as_str() == name);
                    header.unwrap().value().as_string().unwrap().as_str().to_owned()
                };
                assert_eq!(header(":message-type"), "event");
                let event_type = header(":event-type");
                let content_type = if event_type == "PayloadChunk" {
                    "application/octet-stream"
                } else {
                    "application/json"
                };
                assert_eq!(header(":content-type"), content_type);
                return (event_type, message.payload().clone());
            }
            let frame = bounded(self.body.frame()).await.unwrap().unwrap();
            if let Ok(data) = frame.into_data() {
                self.buffer.extend_from_slice(&data);
            }
        }
    }

    /// Asserts that the stream is over.
    pub async fn end(mut self) {
        assert!(self.buffer.is_empty());
        assert!(bounded(self.body.frame()).await.is_none());
    }
}

/// Waits for `future`, at most [`WAIT`].
pub async fn bounded<T>(future: impl Future<Output = T>) -> T {
    tokio::time::timeout(WAIT, future).await.unwrap()
}

/// Waits for a background request's answer.
pub async fn finished(invoke: JoinHandle<Reply>) -> Reply {
    bounded(invoke).await.unwrap()
}

/// A new HTTP/1.1 connection.
async fn handshake<B>(addr: SocketAddr) -> hyper::client::conn::http1::SendRequest<B>
where
    B: hyper::body::Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    bounded(async {
        let stream = TcpStream::connect(addr).await.unwrap();
        let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .unwrap();
        tokio::spawn(connection);
        sender
    })
    .await
}

/// Reads a response whole.
async fn read_whole(response: Response<Incoming>) -> Reply {
    let (parts, body) = response.into_parts();
    let body = bounded(body.collect()).await.unwrap().to_bytes();
    Reply {
        status: parts.status,
        headers: parts.headers,
        body,
    }
}

/// One HTTP/1.1 request on a connection of its own.
pub async fn request(
    addr: SocketAddr,
    method: Method,
    path: &str,
    headers: &[(&str, &str)],
    body: Bytes,
) -> Reply {
    bounded(async {
        let mut sender = handshake(addr).await;
        let mut builder = Request::builder()
            .method(method)
            .uri(path)
            .header(HOST, addr.to_string());
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        let response = sender
            .send_request(builder.body(Full::new(body)).unwrap())
            .await
            .unwrap();
        read_whole(response).await
    })
    .await
}

/// The Unix time in milliseconds.
pub fn now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis() as u64
}
