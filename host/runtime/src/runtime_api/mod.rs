//! The Lambda Runtime API client: hyper HTTP/1.1 over one kept-alive connection, one method per endpoint.

mod invocation;

pub use invocation::{Invocation, epoch_ms};

use std::time::Duration;

use anyhow::{Context as _, bail};
use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::client::conn::http1::SendRequest;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

use crate::config::RuntimeApiAddress;
use crate::error::ErrorReport;

/// Largest event accepted from `/next`: Lambda's synchronous payload limit (6 MiB) plus headroom.
pub const MAX_EVENT: usize = 6 * 1024 * 1024 + 1024;
/// Largest body read from any other Runtime API answer (they are short JSON documents).
const MAX_ANSWER: usize = 64 * 1024;
/// Content type of an error body, as the Runtime API specifies.
const ERROR_CONTENT_TYPE: &str = "application/vnd.aws.lambda.error+json";
/// Header carrying the error type of `/error` and `/init/error`.
const ERROR_TYPE_HEADER: &str = "lambda-runtime-function-error-type";

/// What `POST /response` came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Posted {
    /// 202: Lambda took it.
    Accepted,
    /// 413: Lambda refused it as too large; the caller sees `Function.ResponseSizeTooLarge`. Nothing more may
    /// be posted for this invocation.
    TooLarge,
    /// Any other 4xx: the message says what the Runtime API answered.
    Refused(String),
}

/// A client of one Runtime API.
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

    /// Long-polls for the next event. A 204 (cargo-lambda, when idle) polls again; 500 or any other failure is
    /// an error, after which the runtime must exit.
    pub async fn next(&mut self, default_timeout: Duration) -> anyhow::Result<Invocation> {
        loop {
            let response = self
                .send(Method::GET, "/runtime/invocation/next", &[], Bytes::new())
                .await?;
            match response.status() {
                StatusCode::OK => {}
                StatusCode::NO_CONTENT => continue,
                status => bail!("GET /next answered {status}: {}", read_text(response).await),
            }
            let (parts, body) = response.into_parts();
            let event = Limited::new(body, MAX_EVENT)
                .collect()
                .await
                .map_err(|e| anyhow::anyhow!("reading the event failed: {e}"))?
                .to_bytes();
            match Invocation::from_parts(&parts.headers, event, default_timeout) {
                Some(invocation) => return Ok(invocation),
                None => bail!("GET /next answered an event without a Lambda-Runtime-Aws-Request-Id"),
            }
        }
    }

    /// Posts a handler's result.
    pub async fn response(&mut self, request_id: &str, body: Bytes) -> anyhow::Result<Posted> {
        let path = format!("/runtime/invocation/{request_id}/response");
        let response = self.send(Method::POST, &path, &[], body).await?;
        Ok(match response.status() {
            StatusCode::ACCEPTED => Posted::Accepted,
            StatusCode::PAYLOAD_TOO_LARGE => Posted::TooLarge,
            status if status.is_client_error() => {
                Posted::Refused(format!("{status}: {}", read_text(response).await))
            }
            status => bail!("POST /response answered {status}: {}", read_text(response).await),
        })
    }

    /// Posts a function or runtime error for one invocation.
    pub async fn error(&mut self, request_id: &str, report: &ErrorReport) -> anyhow::Result<Posted> {
        let path = format!("/runtime/invocation/{request_id}/error");
        self.post_error(&path, report).await
    }

    /// Posts an init failure; the runtime exits after it.
    pub async fn init_error(&mut self, report: &ErrorReport) -> anyhow::Result<Posted> {
        self.post_error("/runtime/init/error", report).await
    }

    async fn post_error(&mut self, path: &str, report: &ErrorReport) -> anyhow::Result<Posted> {
        let header_type = report.header_type();
        let headers = [
            ("content-type", ERROR_CONTENT_TYPE),
            (ERROR_TYPE_HEADER, header_type.as_str()),
        ];
        let response = self
            .send(Method::POST, path, &headers, Bytes::from(report.to_json()))
            .await?;
        Ok(match response.status() {
            StatusCode::ACCEPTED => Posted::Accepted,
            status if status.is_client_error() => {
                Posted::Refused(format!("{status}: {}", read_text(response).await))
            }
            status => bail!("POST {path} answered {status}: {}", read_text(response).await),
        })
    }

    /// Sends one request on the kept-alive connection, opening a new one when the old one is gone. A request
    /// is only retried when it could not be sent at all, so nothing is ever posted twice.
    async fn send(
        &mut self,
        method: Method,
        path: &str,
        headers: &[(&str, &str)],
        body: Bytes,
    ) -> anyhow::Result<Response<hyper::body::Incoming>> {
        let uri = format!("{}/2018-06-01{path}", self.address.prefix);
        let mut request = Request::builder()
            .method(method)
            .uri(&uri)
            .header("host", &self.address.authority);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let request = request
            .body(Full::new(body))
            .with_context(|| format!("building the request to {uri}"))?;
        let sender = self.ready_sender().await?;
        sender
            .send_request(request)
            .await
            .with_context(|| format!("{uri} failed"))
    }

    async fn ready_sender(&mut self) -> anyhow::Result<&mut SendRequest<Full<Bytes>>> {
        if let Some(sender) = &mut self.sender
            && sender.ready().await.is_err()
        {
            self.sender = None;
        }
        if self.sender.is_none() {
            self.sender = Some(self.connect().await?);
        }
        self.sender.as_mut().context("no connection to the Runtime API")
    }

    async fn connect(&self) -> anyhow::Result<SendRequest<Full<Bytes>>> {
        let authority = &self.address.authority;
        let stream = TcpStream::connect(authority)
            .await
            .with_context(|| format!("connecting to the Runtime API at {authority}"))?;
        stream.set_nodelay(true)?;
        let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
        tokio::spawn(connection);
        Ok(sender)
    }
}

async fn read_text(response: Response<hyper::body::Incoming>) -> String {
    match Limited::new(response.into_body(), MAX_ANSWER).collect().await {
        Ok(body) => String::from_utf8_lossy(&body.to_bytes()).into_owned(),
        Err(e) => format!("(body unreadable: {e})"),
    }
}
