//! Sends a [`Request`] through `wasi:http/outgoing-handler` (the `wasip2` crate's bindings) and reads
//! the response, bounded in size and, with a timeout, in time.
//!
//! Every wait goes through [`Deadline::wait`], which polls the resource together with a timer when the
//! request has a timeout, so that no stage blocks past it. Child resources (streams, pollables,
//! header fields) are dropped before their parents, as `wasi:http` requires.

use std::time::Duration;

use wasip2::clocks::monotonic_clock;
use wasip2::http::outgoing_handler;
use wasip2::http::types::{
    self as wasi, ErrorCode, Fields, FutureIncomingResponse, IncomingBody, IncomingResponse, OutgoingBody,
    OutgoingRequest, RequestOptions, Scheme,
};
use wasip2::io::poll::{Pollable, poll};
use wasip2::io::streams::{InputStream, StreamError};

use super::request::Target;
use super::{Method, Request, Response, StreamingResponse, denied, failed, timed_out, wit_name};
use crate::Error;

/// The most one read of the response body asks for: a guest buffer of this size at most per call.
const READ_CHUNK: usize = 64 * 1024;

/// Sends `request` to `target` (its parsed URL) and reads the whole response.
pub(super) fn send(request: &Request, target: &Target<'_>) -> Result<Response, Error> {
    let deadline = Deadline::new(request.timeout, target.authority);
    let (response, status, headers) = exchange(request, target, &deadline)?;
    let announced = announced_length(&request.method, status, &headers);
    let body = read_body(
        &response,
        announced,
        request.max_response_bytes,
        &deadline,
        target,
    )?;
    Ok(Response {
        status,
        headers,
        body,
    })
}

/// Sends `request` and returns once the status and headers have arrived; the body is read as it comes.
pub(super) fn send_streaming(request: &Request, target: &Target<'_>) -> Result<StreamingResponse, Error> {
    let deadline = Deadline::new(request.timeout, target.authority);
    let (response, status, headers) = exchange(request, target, &deadline)?;
    let body = response
        .consume()
        .map_err(|()| failed("the response body was already taken"))?;
    let stream = body
        .stream()
        .map_err(|()| failed("the response body stream could not be opened"))?;
    let source = BodyStream {
        stream: Some(stream),
        body: Some(body),
        _response: response,
        timeout: request.timeout,
        authority: target.authority.to_owned(),
        https: target.https,
        max: request.max_response_bytes,
        read: 0,
    };
    Ok(StreamingResponse::new(status, headers, Box::new(source)))
}

/// A response body read from the host as it arrives. Its resources are dropped children first.
struct BodyStream {
    /// The body's stream (a child of `body`).
    stream: Option<InputStream>,
    /// The body (a child of the response).
    body: Option<IncomingBody>,
    /// The response, kept alive until its body is done.
    _response: IncomingResponse,
    /// Each wait for more of the body is bounded by this.
    timeout: Option<Duration>,
    /// For errors.
    authority: String,
    /// For errors.
    https: bool,
    /// The most bytes read in all.
    max: usize,
    /// Bytes read so far.
    read: usize,
}

impl super::streaming::ChunkSource for BodyStream {
    fn next_chunk(&mut self) -> Result<Option<Vec<u8>>, Error> {
        let Some(stream) = &self.stream else {
            return Ok(None);
        };
        let target = Target {
            https: self.https,
            authority: &self.authority,
            path_with_query: std::borrow::Cow::Borrowed("/"),
        };
        let deadline = Deadline::new(self.timeout, &self.authority);
        loop {
            match stream.read(u64::try_from(READ_CHUNK).unwrap_or(u64::MAX)) {
                Ok(chunk) if chunk.is_empty() => {
                    deadline.wait(&stream.subscribe(), "reading the response body")?
                }
                Ok(chunk) => {
                    self.read = self.read.saturating_add(chunk.len());
                    if self.read > self.max {
                        return Err(failed(format!(
                            "the response body from {} is larger than {} bytes, the limit set by \
                             Request::max_response_bytes",
                            self.authority, self.max
                        )));
                    }
                    return Ok(Some(chunk));
                }
                Err(StreamError::Closed) => {
                    self.stream = None;
                    if let Some(body) = self.body.take() {
                        drop(IncomingBody::finish(body));
                    }
                    return Ok(None);
                }
                Err(error) => return Err(stream_failure(error, "reading the response body", &target)),
            }
        }
    }
}

impl Drop for BodyStream {
    fn drop(&mut self) {
        // Children before parents, as wasi:http requires: the stream, then the body, then the response.
        drop(self.stream.take());
        drop(self.body.take());
    }
}

/// A response whose status and headers have arrived: the resource, the status, the headers.
type Head = (IncomingResponse, u16, Vec<(String, String)>);

/// Sends `request` and waits for its status and headers.
fn exchange(request: &Request, target: &Target<'_>, deadline: &Deadline<'_>) -> Result<Head, Error> {
    let outgoing = outgoing_request(request, target)?;
    // The body resource must be taken before `handle` consumes the request; it is written after, as
    // the host only starts reading it then (writing first could fill its buffer and block forever).
    let body = if request.body.is_empty() {
        None
    } else {
        Some(
            outgoing
                .body()
                .map_err(|()| failed("the request's body could not be opened"))?,
        )
    };
    let options = request.timeout.map(request_options);
    let future = outgoing_handler::handle(outgoing, options).map_err(|code| from_code(&code, target))?;
    if let Some(body) = body {
        write_body(body, &request.body, deadline, target)?;
    }
    let response = wait_for_response(&future, deadline, target)?;
    drop(future);
    let status = response.status();
    let headers: Vec<(String, String)> = response
        .headers()
        .entries()
        .into_iter()
        .map(|(name, value)| (name, String::from_utf8_lossy(&value).into_owned()))
        .collect();
    Ok((response, status, headers))
}

/// The body length the response's `content-length` announces, if it will have a body of that length:
/// not for `HEAD`, nor for statuses without a body (1xx, 204, 304).
fn announced_length(method: &Method, status: u16, headers: &[(String, String)]) -> Option<u64> {
    if *method == Method::Head || status < 200 || status == 204 || status == 304 {
        return None;
    }
    headers
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, value)| value.trim().parse().ok())
}

/// The most bytes of header fields one request may carry: the host's bound on a `fields` resource (past it the
/// host stops the instance rather than answer an error), counted as the host does, with a slot's overhead.
const MAX_FIELDS_BYTES: usize = 16 * 1024;
/// What the host counts for each header besides its name and value (the size of its map's slots; rounded up).
const FIELD_OVERHEAD: usize = 128;

/// The `outgoing-request` for `request`: method, URL parts and headers. A non-empty body gets a
/// `content-length` unless the caller set one, so that it is not sent chunked.
fn outgoing_request(request: &Request, target: &Target<'_>) -> Result<OutgoingRequest, Error> {
    let size: usize = request
        .headers
        .iter()
        .map(|(name, value)| name.len() + value.len() + FIELD_OVERHEAD)
        .sum();
    if size > MAX_FIELDS_BYTES {
        return Err(failed(format!(
            "the request's headers take {size} bytes, more than the {MAX_FIELDS_BYTES} the host accepts"
        )));
    }
    let headers = Fields::new();
    for (name, value) in &request.headers {
        headers
            .append(name, value.as_bytes())
            .map_err(|error| failed(format!("header `{name}` cannot be sent: {}", header_error(error))))?;
    }
    let has_length = request
        .headers
        .iter()
        .any(|(name, _)| name.eq_ignore_ascii_case("content-length"));
    if !request.body.is_empty() && !has_length {
        let length = request.body.len().to_string();
        headers
            .append("content-length", length.as_bytes())
            .map_err(|error| failed(format!("header `content-length`: {}", header_error(error))))?;
    }
    let outgoing = OutgoingRequest::new(headers);
    let refused = |what: &str| failed(format!("the host refused the request's {what}"));
    outgoing
        .set_method(&wasi_method(&request.method))
        .map_err(|()| refused(&format!("method `{}`", request.method)))?;
    let scheme = if target.https { Scheme::Https } else { Scheme::Http };
    outgoing
        .set_scheme(Some(&scheme))
        .map_err(|()| refused("scheme"))?;
    outgoing
        .set_authority(Some(target.authority))
        .map_err(|()| refused(&format!("authority `{}`", target.authority)))?;
    outgoing
        .set_path_with_query(Some(&target.path_with_query))
        .map_err(|()| refused(&format!("path `{}`", target.path_with_query)))?;
    Ok(outgoing)
}

/// The host's own timeouts for each stage, all set to the request's timeout (the host lowers them
/// to the invocation's remaining time).
fn request_options(timeout: Duration) -> RequestOptions {
    let nanos = u64::try_from(timeout.as_nanos()).unwrap_or(u64::MAX);
    let options = RequestOptions::new();
    // A host that does not support one of them refuses it; the guest-side deadline still holds.
    let _ = options.set_connect_timeout(Some(nanos));
    let _ = options.set_first_byte_timeout(Some(nanos));
    let _ = options.set_between_bytes_timeout(Some(nanos));
    options
}

/// Writes the whole body as the host accepts it, then finishes it.
fn write_body(
    body: OutgoingBody,
    bytes: &[u8],
    deadline: &Deadline<'_>,
    target: &Target<'_>,
) -> Result<(), Error> {
    {
        let stream = body
            .write()
            .map_err(|()| failed("the request's body stream could not be opened"))?;
        let broken = |error: StreamError| stream_failure(error, "sending the request body", target);
        let mut rest = bytes;
        while !rest.is_empty() {
            let ready = stream.check_write().map_err(broken)?;
            if ready == 0 {
                deadline.wait(&stream.subscribe(), "sending the request body")?;
                continue;
            }
            let n = usize::try_from(ready).unwrap_or(usize::MAX).min(rest.len());
            let (now, later) = rest.split_at(n);
            stream.write(now).map_err(broken)?;
            rest = later;
        }
        stream.flush().map_err(broken)?;
        // `check-write` fails if the flush did; once it reports room again, everything has gone.
        while stream.check_write().map_err(broken)? == 0 {
            deadline.wait(&stream.subscribe(), "sending the request body")?;
        }
    }
    OutgoingBody::finish(body, None).map_err(|code| from_code(&code, target))
}

/// Waits for the response's status and headers.
fn wait_for_response(
    future: &FutureIncomingResponse,
    deadline: &Deadline<'_>,
    target: &Target<'_>,
) -> Result<IncomingResponse, Error> {
    loop {
        match future.get() {
            None => deadline.wait(&future.subscribe(), "waiting for the response")?,
            Some(Ok(Ok(response))) => return Ok(response),
            Some(Ok(Err(code))) => return Err(from_code(&code, target)),
            Some(Err(())) => return Err(failed("the response was already taken")),
        }
    }
}

/// Reads the whole body, failing as soon as it would pass `max` bytes (before reading it at all
/// when the `announced` length says so).
fn read_body(
    response: &IncomingResponse,
    announced: Option<u64>,
    max: usize,
    deadline: &Deadline<'_>,
    target: &Target<'_>,
) -> Result<Vec<u8>, Error> {
    let too_large = || {
        failed(format!(
            "the response body from {} is larger than {max} bytes, the limit set by \
             Request::max_response_bytes",
            target.authority
        ))
    };
    if announced.is_some_and(|length| length > u64::try_from(max).unwrap_or(u64::MAX)) {
        return Err(too_large());
    }
    let body = response
        .consume()
        .map_err(|()| failed("the response body was already taken"))?;
    let capacity = announced.map_or(0, |length| usize::try_from(length).unwrap_or(max).min(max));
    let mut bytes = Vec::with_capacity(capacity);
    {
        let stream = body
            .stream()
            .map_err(|()| failed("the response body stream could not be opened"))?;
        loop {
            let room = max - bytes.len();
            // One byte more than there is room for tells a body that is too long from one that fits.
            let ask = room.saturating_add(1).min(READ_CHUNK);
            match stream.read(u64::try_from(ask).unwrap_or(u64::MAX)) {
                Ok(chunk) if chunk.is_empty() => {
                    deadline.wait(&stream.subscribe(), "reading the response body")?
                }
                Ok(chunk) if chunk.len() > room => return Err(too_large()),
                Ok(chunk) => bytes.extend_from_slice(&chunk),
                Err(StreamError::Closed) => break,
                Err(error) => return Err(stream_failure(error, "reading the response body", target)),
            }
        }
    }
    // Trailers are not read: dropping their future discards them.
    drop(IncomingBody::finish(body));
    Ok(bytes)
}

/// When a request with a timeout must be done by, on the host's monotonic clock.
struct Deadline<'a> {
    /// `None`: no timeout; waits block until the resource is ready.
    at: Option<(monotonic_clock::Instant, Duration)>,
    /// Named in the timeout error.
    authority: &'a str,
}

impl<'a> Deadline<'a> {
    /// The deadline `timeout` from now, if there is a timeout.
    fn new(timeout: Option<Duration>, authority: &'a str) -> Self {
        let at = timeout.map(|timeout| {
            let nanos = u64::try_from(timeout.as_nanos()).unwrap_or(u64::MAX);
            (monotonic_clock::now().saturating_add(nanos), timeout)
        });
        Self { at, authority }
    }

    /// Blocks until `ready` is, or fails with [`TIMEOUT`](super::TIMEOUT) once the deadline passes
    /// while `doing` this.
    fn wait(&self, ready: &Pollable, doing: &str) -> Result<(), Error> {
        let Some((at, timeout)) = self.at else {
            ready.block();
            return Ok(());
        };
        let timer = monotonic_clock::subscribe_instant(at);
        if poll(&[ready, &timer]).contains(&0) {
            return Ok(());
        }
        Err(timed_out(
            self.authority,
            &format!("the request's timeout of {timeout:?} passed while {doing}"),
        ))
    }
}

/// A failed stream operation as an [`Error`]: the `wasi:http` error code behind it when there is one.
fn stream_failure(error: StreamError, doing: &str, target: &Target<'_>) -> Error {
    match error {
        StreamError::LastOperationFailed(error) => match wasi::http_error_code(&error) {
            Some(code) => from_code(&code, target),
            None => failed(format!(
                "{doing} to or from {} failed: {}",
                target.authority,
                error.to_debug_string()
            )),
        },
        StreamError::Closed => failed(format!("{doing}: {} closed the connection", target.authority)),
    }
}

/// A `wasi:http` error code as an [`Error`]: [`DENIED`](super::DENIED), [`TIMEOUT`](super::TIMEOUT)
/// or [`ERROR`](super::ERROR), with the code's WIT name (and payload, if any) in the message.
fn from_code(code: &ErrorCode, target: &Target<'_>) -> Error {
    let authority = target.authority;
    let name = code_name(code);
    match code {
        ErrorCode::HttpRequestDenied => denied(authority),
        ErrorCode::DnsTimeout
        | ErrorCode::ConnectionTimeout
        | ErrorCode::ConnectionReadTimeout
        | ErrorCode::ConnectionWriteTimeout
        | ErrorCode::HttpResponseTimeout => timed_out(authority, &format!("wasi:http error code `{name}`")),
        _ => failed(format!(
            "HTTP request to {authority} failed: wasi:http error code `{name}`"
        )),
    }
}

/// `connection-refused`, `DNS-error(DnsErrorPayload { rcode: .. })`: the WIT name, then the payload.
fn code_name(code: &ErrorCode) -> String {
    // The generated `Debug` is `ErrorCode::Variant` or `ErrorCode::Variant(payload)`.
    let debug = format!("{code:?}");
    let debug = debug.strip_prefix("ErrorCode::").unwrap_or(&debug);
    let split = debug.find('(').unwrap_or(debug.len());
    let (variant, payload) = debug.split_at(split);
    format!("{}{payload}", wit_name(variant))
}

/// What `Fields::append` refused, in words.
fn header_error(error: wasi::HeaderError) -> &'static str {
    match error {
        wasi::HeaderError::InvalidSyntax => "its name or value is not valid HTTP",
        wasi::HeaderError::Forbidden => "the host sets or forbids it",
        wasi::HeaderError::Immutable => "the headers can no longer be changed",
    }
}

/// The `wasi:http` method.
fn wasi_method(method: &Method) -> wasi::Method {
    match method {
        Method::Get => wasi::Method::Get,
        Method::Head => wasi::Method::Head,
        Method::Post => wasi::Method::Post,
        Method::Put => wasi::Method::Put,
        Method::Delete => wasi::Method::Delete,
        Method::Connect => wasi::Method::Connect,
        Method::Options => wasi::Method::Options,
        Method::Trace => wasi::Method::Trace,
        Method::Patch => wasi::Method::Patch,
        Method::Other(other) => wasi::Method::Other(other.clone()),
    }
}
