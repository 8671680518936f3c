//! Response streaming: the `writer` a streaming handler writes to, and the chunked `POST /response` that
//! carries each write to Lambda as it happens, on a connection of its own, with errors after the first byte sent
//! as real HTTP trailers.

use anyhow::Context as _;
use base64::Engine as _;
use bytes::Bytes;
use hyper::body::Frame;
use hyper::header::{HeaderMap, HeaderName, HeaderValue};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::bindings::HttpPrelude;
use crate::error::ErrorReport;
use crate::runtime_api::Posted;
use crate::runtime_api::headers::{ERROR_BODY, ERROR_TYPE};
use crate::runtime_api::streamed::{StreamFailure, StreamTarget};

/// Lambda's limit on a streamed response: 200 MB.
pub const MAX_STREAM: u64 = 200 * 1024 * 1024;
/// Frames buffered between the guest and the socket: memory stays bounded, and a slow caller slows the
/// guest's writes (backpressure).
const CHANNEL_FRAMES: usize = 8;
/// The largest frame: a write is cut into frames of at most this, so the buffer holds at most
/// [`CHANNEL_FRAMES`] x 64 KiB = 512 KiB whatever the writes' sizes.
pub const MAX_FRAME: usize = 64 * 1024;
/// The most the error trailers of a failed stream carry (Lambda's and hyper's limits on trailers are about 16
/// KiB): the error body is cut to fit, `stackTrace` first.
pub const MAX_TRAILER: usize = 8 * 1024;
/// Content type of a Function URL / API Gateway response with an HTTP prelude.
const HTTP_INTEGRATION: &str = "application/vnd.awslambda.http-integration-response";
/// The separator between the prelude and the payload.
const PRELUDE_END: [u8; 8] = [0; 8];

/// The `writer` resource as the guest sees it. The state lives in [`ResponseStream`]: there is one writer per
/// invocation.
pub struct Writer;

/// A streamed `POST /response` under way.
struct OpenPost {
    /// Frames for the request body.
    frames: mpsc::Sender<Frame<Bytes>>,
    /// The task sending the request; it ends with what the Runtime API answered.
    task: JoinHandle<Result<Posted, StreamFailure>>,
}

/// A streamed response in progress.
pub struct ResponseStream {
    /// Where to post, and for which invocation.
    target: StreamTarget,
    /// `set-content-type`'s value (default `application/octet-stream`).
    content_type: String,
    /// `set-http-prelude`'s value.
    prelude: Option<HttpPrelude>,
    /// The open POST. `None` until the first byte.
    open: Option<OpenPost>,
    /// Bytes written so far, against [`MAX_STREAM`].
    written: u64,
}

impl ResponseStream {
    /// A stream for one invocation; nothing is sent until the first write.
    pub fn new(target: StreamTarget) -> Self {
        Self {
            target,
            content_type: "application/octet-stream".to_owned(),
            prelude: None,
            open: None,
            written: 0,
        }
    }

    /// Whether a byte has been sent: after it, errors go out as trailers.
    pub fn started(&self) -> bool {
        self.open.is_some()
    }

    /// `set-content-type`.
    pub fn set_content_type(&mut self, content_type: String) -> Result<(), String> {
        if self.started() {
            return Err("the content type can only be set before the first write".to_owned());
        }
        HeaderValue::from_str(&content_type)
            .map_err(|_| format!("{content_type:?} is not a valid content type"))?;
        self.content_type = content_type;
        Ok(())
    }

    /// `set-http-prelude`.
    pub fn set_http_prelude(&mut self, prelude: HttpPrelude) -> Result<(), String> {
        if self.started() {
            return Err("the HTTP response can only be set before the first write".to_owned());
        }
        if !(100..=599).contains(&prelude.status_code) {
            return Err(format!("{} is not an HTTP status code", prelude.status_code));
        }
        self.prelude = Some(prelude);
        Ok(())
    }

    /// `write`: sends `bytes` now, waiting while the caller is slower (the channel is full).
    pub async fn write(&mut self, bytes: Vec<u8>) -> Result<(), String> {
        if bytes.is_empty() {
            return Ok(());
        }
        let total = self.written.saturating_add(bytes.len() as u64);
        if total > MAX_STREAM {
            return Err(format!(
                "the response stream limit of {MAX_STREAM} bytes is reached"
            ));
        }
        self.written = total;
        let sender = self.open().map_err(|e| format!("{e:#}"))?.clone();
        let mut bytes = Bytes::from(bytes);
        while !bytes.is_empty() {
            let frame = bytes.split_to(bytes.len().min(MAX_FRAME));
            sender
                .send(Frame::data(frame))
                .await
                .map_err(|_| "the caller is gone".to_owned())?;
        }
        // Let the sending task put the chunk on the wire now, not when the guest next waits.
        tokio::task::yield_now().await;
        Ok(())
    }

    /// Ends the stream: cleanly, or with the error as trailers. Returns what the Runtime API answered.
    pub async fn finish(mut self, error: Option<&ErrorReport>) -> Result<Posted, StreamFailure> {
        let sender = self.open().map_err(StreamFailure::NotSent)?.clone();
        if let Some(report) = error {
            let mut trailers = HeaderMap::new();
            trailers.insert(
                HeaderName::from_static(ERROR_TYPE),
                HeaderValue::from_str(&report.header_type())
                    .unwrap_or(HeaderValue::from_static("Function.Unhandled")),
            );
            let body = base64::engine::general_purpose::STANDARD.encode(trailer_json(report));
            trailers.insert(
                HeaderName::from_static(ERROR_BODY),
                HeaderValue::from_str(&body).unwrap_or(HeaderValue::from_static("")),
            );
            // A closed channel means the POST already ended; its task says how.
            let _ = sender.send(Frame::trailers(trailers)).await;
        }
        drop(sender);
        let open = self
            .open
            .take()
            .context("the stream was never opened")
            .map_err(StreamFailure::NotSent)?;
        drop(open.frames);
        match open.task.await {
            Ok(posted) => posted,
            Err(e) => Err(StreamFailure::Broken(anyhow::anyhow!(
                "the streaming task failed: {e}"
            ))),
        }
    }

    /// Opens the POST on the first byte: a connection of its own (closed after the body, as AWS's guide asks),
    /// the prelude and its 8 NUL bytes as two separate chunks.
    fn open(&mut self) -> anyhow::Result<&mpsc::Sender<Frame<Bytes>>> {
        if self.open.is_none() {
            let (sender, receiver) = mpsc::channel(CHANNEL_FRAMES);
            let mut content_type = self.content_type.clone();
            if let Some(prelude) = &self.prelude {
                content_type = HTTP_INTEGRATION.to_owned();
                let json = prelude_json(prelude, &self.content_type);
                sender
                    .try_send(Frame::data(Bytes::from(json)))
                    .ok()
                    .context("queueing the prelude")?;
                sender
                    .try_send(Frame::data(Bytes::from_static(&PRELUDE_END)))
                    .ok()
                    .context("queueing the prelude")?;
            }
            let task = self.target.post(content_type, receiver);
            self.open = Some(OpenPost { frames: sender, task });
        }
        self.open
            .as_ref()
            .map(|open| &open.frames)
            .context("the stream is not open")
    }
}

/// The prelude's JSON: status, headers (the content type set by the handler included unless the prelude names
/// one), multi-value headers for repeated names, cookies.
fn prelude_json(prelude: &HttpPrelude, content_type: &str) -> Vec<u8> {
    let mut headers = serde_json::Map::new();
    let mut multi = serde_json::Map::new();
    for (name, value) in &prelude.headers {
        let name = name.to_ascii_lowercase();
        match headers.get(&name) {
            Some(_) => {
                let entry = multi
                    .entry(name.clone())
                    .or_insert_with(|| serde_json::json!([headers[&name].clone()]));
                if let Some(list) = entry.as_array_mut() {
                    list.push(value.clone().into());
                }
            }
            None => {
                headers.insert(name, value.clone().into());
            }
        }
    }
    headers
        .entry("content-type")
        .or_insert_with(|| content_type.into());
    let json = serde_json::json!({
        "statusCode": prelude.status_code,
        "headers": headers,
        "multiValueHeaders": multi,
        "cookies": prelude.cookies,
    });
    json.to_string().into_bytes()
}

/// The error JSON for the trailer, within [`MAX_TRAILER`] once base64-encoded: the whole report when it fits,
/// else without its stack trace, else with its message cut.
pub fn trailer_json(report: &ErrorReport) -> Vec<u8> {
    // base64 grows by 4/3.
    let budget = MAX_TRAILER / 4 * 3;
    let whole = report.to_json();
    if whole.len() <= budget {
        return whole;
    }
    let mut cut = ErrorReport::new(
        report.error_type.clone(),
        report.error_message.clone(),
        Vec::new(),
    );
    let mut json = cut.to_json();
    while json.len() > budget && !cut.error_message.is_empty() {
        let over = json.len() - budget;
        let keep = cut.error_message.len().saturating_sub(over + 8);
        crate::error::truncate(&mut cut.error_message, keep);
        json = cut.to_json();
    }
    json
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_trailer_fits_whatever_the_report() {
        let huge = ErrorReport::new("Big", "m".repeat(64 * 1024), vec!["f".repeat(4096); 128]);
        let json = trailer_json(&huge);
        assert!(base64::engine::general_purpose::STANDARD.encode(&json).len() <= MAX_TRAILER);
        let parsed: serde_json::Value = serde_json::from_slice(&json).unwrap_or_default();
        assert_eq!(parsed["errorType"], "Big");
        assert_eq!(parsed["stackTrace"], serde_json::json!([]));
        let small = ErrorReport::new("Small", "m", vec!["frame".into()]);
        assert_eq!(
            trailer_json(&small),
            small.to_json(),
            "a small report is sent whole"
        );
    }
}
