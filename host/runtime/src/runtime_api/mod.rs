//! The Lambda Runtime API client: every call the runtime makes to Lambda goes through here (the streamed
//! `POST /response` included, see [`streamed`]), over hyper HTTP/1.1 on one kept-alive connection per worker.
//!
//! Every wait is bounded except the `/next` long poll itself: connecting, and each answer's round trip, have
//! deadlines. A request that fails on the wire (refused, reset, closed before an answer) is retried a bounded
//! number of times with backoff, then the error ends the worker; a 5xx is never retried (the environment is
//! broken: the runtime exits). Any 2xx is an acceptance: cargo-lambda answers 200 where Lambda answers 202.

pub mod extension;
pub mod headers;
mod invocation;
pub mod streamed;

pub use invocation::{AnswerTo, Invocation, epoch_ms};

use std::time::Duration;

use anyhow::{Context as _, bail};
use bytes::Bytes;
use http_body_util::{BodyExt, Full, LengthLimitError, Limited};
use hyper::client::conn::http1::SendRequest;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

use crate::config::RuntimeApiAddress;
use crate::error::{ErrorReport, InvocationError};

/// Largest event accepted from `/next`: Lambda's synchronous payload limit (6 MiB) plus headroom.
pub const MAX_EVENT: usize = 6 * 1024 * 1024 + 1024;
/// Largest body read from any other Runtime API answer (they are short JSON documents).
const MAX_ANSWER: usize = 64 * 1024;
/// The Runtime API's version prefix.
const RUNTIME: &str = "/2018-06-01/runtime";
/// How long opening a connection (TCP and HTTP handshake) may take.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// How long an answer's round trip (`/response`, `/error`, `/init/error`) may take once connected.
pub const POST_TIMEOUT: Duration = Duration::from_secs(30);
/// How many times a request that failed on the wire is sent again.
pub const RETRIES: u32 = 3;
/// The wait before the first retry; it doubles before each next one.
const RETRY_BACKOFF: Duration = Duration::from_millis(50);
/// The wait after a 204 on `/next` (cargo-lambda, when idle); it doubles up to [`IDLE_BACKOFF_MAX`].
const IDLE_BACKOFF: Duration = Duration::from_millis(10);
/// The longest wait between two `/next` polls answered 204.
const IDLE_BACKOFF_MAX: Duration = Duration::from_secs(1);

/// What posting an answer came to (a 5xx, or a request that could not be sent, is an error instead).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Posted {
    /// Any 2xx: Lambda took it. Also a 400/403 to a request sent again after a failure on the wire: the first
    /// attempt arrived, and nothing is posted twice.
    Accepted,
    /// 413: Lambda refused it as too large; the caller sees `Function.ResponseSizeTooLarge`. Nothing more may
    /// be posted for this invocation.
    TooLarge,
    /// 410: the invocation is over (it timed out, and its request id may already serve another invocation):
    /// the answer is late and was refused, as the invocation id asks.
    Gone(String),
    /// Any other 4xx: the message says what the Runtime API answered.
    Refused(String),
}

/// What `/next` delivered.
#[derive(Debug)]
pub enum Next {
    /// An event to handle.
    Event(Invocation),
    /// An invocation whose event cannot be handled (over [`MAX_EVENT`], or its body broke off): it is answered
    /// with this error instead, so its caller is not left waiting.
    Unusable(AnswerTo, InvocationError),
}

/// A client of one Runtime API, with a connection of its own.
pub struct RuntimeApi {
    /// Where to connect and which prefix to put before the paths.
    address: RuntimeApiAddress,
    /// The kept-alive connection; reopened when the server closed it.
    sender: Option<SendRequest<Full<Bytes>>>,
}

impl RuntimeApi {
    /// A client for `address`; it connects on first use.
    pub fn new(address: RuntimeApiAddress) -> Self {
        Self {
            address,
            sender: None,
        }
    }

    /// Where this client connects.
    pub fn address(&self) -> &RuntimeApiAddress {
        &self.address
    }

    /// Long-polls for the next event, for as long as Lambda holds the request. A 204 (cargo-lambda, when idle)
    /// polls again after a growing pause; a 5xx, another status or a failure past the retries is an error,
    /// after which the runtime must exit.
    pub async fn next(&mut self, default_timeout: Duration) -> anyhow::Result<Next> {
        let mut idle = IDLE_BACKOFF;
        loop {
            let path = format!("{RUNTIME}/invocation/next");
            let (response, _) = self.send(Method::GET, &path, &[], Bytes::new(), None).await?;
            match response.status() {
                StatusCode::OK => {}
                StatusCode::NO_CONTENT => {
                    tokio::time::sleep(idle).await;
                    idle = (idle * 2).min(IDLE_BACKOFF_MAX);
                    continue;
                }
                status => bail!("GET /next answered {status}: {}", read_text(response).await),
            }
            let (parts, body) = response.into_parts();
            let read = Limited::new(body, MAX_EVENT).collect().await;
            let event = match &read {
                Ok(_) => Bytes::new(),
                // The connection may be mid-body: the next request opens a new one.
                Err(_) => {
                    self.sender = None;
                    Bytes::new()
                }
            };
            let Some(mut invocation) = Invocation::from_parts(&parts.headers, event, default_timeout) else {
                bail!(
                    "GET /next answered an event without a Lambda-Runtime-Aws-Request-Id: nothing can answer it"
                )
            };
            return Ok(match read {
                Ok(body) => {
                    invocation.event = body.to_bytes();
                    Next::Event(invocation)
                }
                Err(e) if e.downcast_ref::<LengthLimitError>().is_some() => Next::Unusable(
                    invocation.answer_to(),
                    InvocationError::EventTooLarge { limit: MAX_EVENT },
                ),
                Err(e) => Next::Unusable(
                    invocation.answer_to(),
                    InvocationError::EventUnreadable(e.to_string()),
                ),
            });
        }
    }

    /// Posts a handler's result.
    pub async fn response(&mut self, to: &AnswerTo, body: Bytes) -> anyhow::Result<Posted> {
        let path = format!("{RUNTIME}/invocation/{}/response", to.request_id);
        let mut headers = Vec::new();
        push_invocation_id(&mut headers, to);
        self.post(&path, &headers, body).await
    }

    /// Posts a function or runtime error for one invocation.
    pub async fn error(&mut self, to: &AnswerTo, report: &ErrorReport) -> anyhow::Result<Posted> {
        let path = format!("{RUNTIME}/invocation/{}/error", to.request_id);
        let header_type = report.header_type();
        let mut headers = vec![
            ("content-type", headers::ERROR_CONTENT_TYPE),
            (headers::ERROR_TYPE, header_type.as_str()),
        ];
        push_invocation_id(&mut headers, to);
        self.post(&path, &headers, Bytes::from(report.to_json())).await
    }

    /// Posts an init failure; the runtime exits after it.
    pub async fn init_error(&mut self, report: &ErrorReport) -> anyhow::Result<Posted> {
        let header_type = report.header_type();
        let headers = [
            ("content-type", headers::ERROR_CONTENT_TYPE),
            (headers::ERROR_TYPE, header_type.as_str()),
        ];
        let path = format!("{RUNTIME}/init/error");
        self.post(&path, &headers, Bytes::from(report.to_json())).await
    }

    /// Posts one answer and sorts what came back (see [`Posted`]); a 5xx is an error.
    async fn post(&mut self, path: &str, headers: &[(&str, &str)], body: Bytes) -> anyhow::Result<Posted> {
        let (response, retried) = self
            .send(Method::POST, path, headers, body, Some(POST_TIMEOUT))
            .await?;
        let status = response.status();
        Ok(match status {
            status if status.is_success() => Posted::Accepted,
            StatusCode::PAYLOAD_TOO_LARGE => Posted::TooLarge,
            StatusCode::GONE => Posted::Gone(read_text(response).await),
            // The first attempt did arrive: Lambda says the answer was already received.
            StatusCode::BAD_REQUEST | StatusCode::FORBIDDEN if retried => Posted::Accepted,
            status if status.is_client_error() => {
                Posted::Refused(format!("{status}: {}", read_text(response).await))
            }
            status => bail!("POST {path} answered {status}: {}", read_text(response).await),
        })
    }

    /// Sends one request on the kept-alive connection, opening a new one when the old one is gone, and
    /// sending again (at most [`RETRIES`] times, with backoff) when it fails on the wire. `timeout` bounds each
    /// attempt's round trip (`None`: the `/next` long poll). Says whether the answer came to a retry.
    async fn send(
        &mut self,
        method: Method,
        path: &str,
        headers: &[(&str, &str)],
        body: Bytes,
        timeout: Option<Duration>,
    ) -> anyhow::Result<(Response<hyper::body::Incoming>, bool)> {
        let uri = format!("{}{path}", self.address.prefix);
        let mut attempt = 0;
        // Whether an earlier attempt may have reached Lambda (it failed after the request went out).
        let mut maybe_sent = false;
        loop {
            let mut request = Request::builder()
                .method(method.clone())
                .uri(&uri)
                .header("host", &self.address.authority);
            for (name, value) in headers {
                request = request.header(*name, *value);
            }
            let request = request
                .body(Full::new(body.clone()))
                .with_context(|| format!("building the request to {uri}"))?;
            match self.send_once(request, timeout).await {
                Ok(response) => return Ok((response, maybe_sent)),
                Err((_, sent)) if attempt < RETRIES => {
                    maybe_sent |= sent;
                    self.sender = None;
                    tokio::time::sleep(RETRY_BACKOFF * 2u32.pow(attempt)).await;
                    attempt += 1;
                }
                Err((e, _)) => {
                    self.sender = None;
                    return Err(e.context(format!("{method} {uri} failed {} times", attempt + 1)));
                }
            }
        }
    }

    /// One attempt; its error says whether the request may have gone out (false: no connection was made).
    async fn send_once(
        &mut self,
        request: Request<Full<Bytes>>,
        timeout: Option<Duration>,
    ) -> Result<Response<hyper::body::Incoming>, (anyhow::Error, bool)> {
        let sender = self.ready_sender().await.map_err(|e| (e, false))?;
        let sent = sender.send_request(request);
        let answered = match timeout {
            None => sent.await.map_err(anyhow::Error::from),
            Some(limit) => match tokio::time::timeout(limit, sent).await {
                Ok(answered) => answered.map_err(anyhow::Error::from),
                Err(_) => Err(anyhow::anyhow!("no answer within {limit:?}")),
            },
        };
        answered.map_err(|e| (e, true))
    }

    async fn ready_sender(&mut self) -> anyhow::Result<&mut SendRequest<Full<Bytes>>> {
        if let Some(sender) = &mut self.sender
            && sender.ready().await.is_err()
        {
            self.sender = None;
        }
        if self.sender.is_none() {
            self.sender = Some(connect(&self.address).await?);
        }
        self.sender.as_mut().context("no connection to the Runtime API")
    }
}

/// Opens an HTTP/1.1 connection to the Runtime API, within [`CONNECT_TIMEOUT`].
async fn connect<B>(address: &RuntimeApiAddress) -> anyhow::Result<SendRequest<B>>
where
    B: hyper::body::Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let authority = &address.authority;
    let open = async {
        let stream = TcpStream::connect(authority)
            .await
            .with_context(|| format!("connecting to the Runtime API at {authority}"))?;
        stream.set_nodelay(true)?;
        let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
        tokio::spawn(connection);
        anyhow::Ok(sender)
    };
    tokio::time::timeout(CONNECT_TIMEOUT, open).await.map_err(|_| {
        anyhow::anyhow!("connecting to the Runtime API at {authority}: no answer within {CONNECT_TIMEOUT:?}")
    })?
}

/// Adds `Lambda-Runtime-Invocation-Id` when `/next` sent one.
fn push_invocation_id<'a>(headers: &mut Vec<(&'static str, &'a str)>, to: &'a AnswerTo) {
    if let Some(id) = &to.invocation_id {
        headers.push((headers::INVOCATION_ID, id.as_str()));
    }
}

async fn read_text(response: Response<hyper::body::Incoming>) -> String {
    let read = Limited::new(response.into_body(), MAX_ANSWER).collect();
    match tokio::time::timeout(POST_TIMEOUT, read).await {
        Ok(Ok(body)) => String::from_utf8_lossy(&body.to_bytes()).into_owned(),
        Ok(Err(e)) => format!("(body unreadable: {e})"),
        Err(_) => "(body not sent in time)".to_owned(),
    }
}
