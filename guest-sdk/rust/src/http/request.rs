//! [`Request`], its [`Method`], and how its URL is split into what `wasi:http` asks for.

use std::borrow::Cow;
use std::fmt;
use std::time::Duration;

use super::{
    DEFAULT_MAX_RESPONSE_BYTES, Response, StreamingResponse, failed, transport, transport_streaming,
};
use crate::Error;

/// An HTTP method.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Method {
    /// `GET`.
    Get,
    /// `HEAD`.
    Head,
    /// `POST`.
    Post,
    /// `PUT`.
    Put,
    /// `DELETE`.
    Delete,
    /// `CONNECT`.
    Connect,
    /// `OPTIONS`.
    Options,
    /// `TRACE`.
    Trace,
    /// `PATCH`.
    Patch,
    /// Any other method, sent as it is written.
    Other(String),
}

impl Method {
    /// The method as sent: `GET`, `POST`, ...
    pub fn as_str(&self) -> &str {
        match self {
            Method::Get => "GET",
            Method::Head => "HEAD",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Delete => "DELETE",
            Method::Connect => "CONNECT",
            Method::Options => "OPTIONS",
            Method::Trace => "TRACE",
            Method::Patch => "PATCH",
            Method::Other(method) => method,
        }
    }
}

impl From<&str> for Method {
    /// The variant of a standard method, written as sent (`"GET"`, `"POST"`; methods are
    /// case-sensitive), else [`Method::Other`].
    fn from(method: &str) -> Self {
        match method {
            "GET" => Method::Get,
            "HEAD" => Method::Head,
            "POST" => Method::Post,
            "PUT" => Method::Put,
            "DELETE" => Method::Delete,
            "CONNECT" => Method::Connect,
            "OPTIONS" => Method::Options,
            "TRACE" => Method::Trace,
            "PATCH" => Method::Patch,
            other => Method::Other(other.to_owned()),
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An outbound HTTP request, built step by step and sent with [`send`](Request::send), which blocks
/// until the whole response is read:
///
/// ```
/// use std::time::Duration;
///
/// use lambda_wasm_sdk::http::{Method, Request};
///
/// let request = Request::new(Method::Put, "https://api.example.com/items/1")
///     .header("content-type", "text/plain")
///     .header("x-request-id", "abc")
///     .body("hello")
///     .timeout(Duration::from_secs(3))
///     .max_response_bytes(64 * 1024);
/// assert_eq!(request.url(), "https://api.example.com/items/1");
/// // `request.send()` sends it inside a component (natively it fails: nothing is sent).
/// ```
///
/// Defaults:
/// - no headers (the host adds `host`; a non-empty body gets a `content-length` unless one is set);
/// - an empty body (none is sent);
/// - no timeout of its own: the host bounds each stage (connect, first byte, between bytes) by the
///   time the invocation has left;
/// - at most [`DEFAULT_MAX_RESPONSE_BYTES`] (6 MiB) of response body.
#[derive(Clone, Debug)]
#[must_use = "a request does nothing until `send` is called"]
pub struct Request {
    /// The method.
    pub(super) method: Method,
    /// The absolute `http://` or `https://` URL, checked when sent.
    pub(super) url: String,
    /// Header names and values in the order added; a name may repeat.
    pub(super) headers: Vec<(String, String)>,
    /// The body; empty: none is sent.
    pub(super) body: Vec<u8>,
    /// Bound on the whole exchange, from sending to the last byte of the response body.
    pub(super) timeout: Option<Duration>,
    /// The most response body read into memory; a longer body fails the request.
    pub(super) max_response_bytes: usize,
}

impl Request {
    /// A request with the defaults listed above.
    pub fn new(method: Method, url: impl Into<String>) -> Self {
        Self {
            method,
            url: url.into(),
            headers: Vec::new(),
            body: Vec::new(),
            timeout: None,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
        }
    }

    /// Adds a header; adding a name twice sends it twice. Names the host forbids (`host`,
    /// `connection`, `transfer-encoding`, ...) fail the request with [`ERROR`](super::ERROR).
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Sets the body (default: none).
    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = body.into();
        self
    }

    /// Bounds the whole exchange, from sending to the last byte of the response body (default: no
    /// bound of its own; the host's are described in the [module docs](super#what-the-host-allows)).
    /// Passing it fails the request with [`TIMEOUT`](super::TIMEOUT).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Sets the most response body read into memory (default [`DEFAULT_MAX_RESPONSE_BYTES`]); a
    /// longer body fails the request with [`ERROR`](super::ERROR) rather than being cut short.
    pub fn max_response_bytes(mut self, max: usize) -> Self {
        self.max_response_bytes = max;
        self
    }

    /// The method.
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// The URL, as given.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The headers, in the order added.
    pub fn headers(&self) -> &[(String, String)] {
        &self.headers
    }

    /// Sends the request and reads the whole response, blocking until then. A response of any
    /// status is `Ok`; the errors are listed in the [module docs](super#errors).
    pub fn send(self) -> Result<Response, Error> {
        let target = Target::parse(&self.url)?;
        transport(&self, &target)
    }

    /// Sends the request and returns once the status and headers have arrived: the body is read from the
    /// [`StreamingResponse`] as it arrives (chunks, lines, server-sent events), each wait bounded by the
    /// [`timeout`](Self::timeout), the total by [`max_response_bytes`](Self::max_response_bytes).
    pub fn send_streaming(self) -> Result<StreamingResponse, Error> {
        let target = Target::parse(&self.url)?;
        transport_streaming(&self, &target)
    }
}

/// Where a request goes, split out of its URL as `wasi:http` asks for it.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Target<'a> {
    /// `https://` rather than `http://`.
    pub https: bool,
    /// `host[:port]`, as written: also what a denial names, since `LAMBDA_WASM_ALLOW_HTTP` lists that.
    pub authority: &'a str,
    /// The path and query, at least `/`; the fragment is not sent.
    pub path_with_query: Cow<'a, str>,
}

impl<'a> Target<'a> {
    /// Splits an absolute `http://` or `https://` URL; anything else is an [`ERROR`](super::ERROR).
    pub fn parse(url: &'a str) -> Result<Self, Error> {
        let invalid = |why: &str| failed(format!("`{url}` is not a URL this client can send to: {why}"));
        let (scheme, rest) = url
            .split_once("://")
            .ok_or_else(|| invalid("it must be absolute, starting with http:// or https://"))?;
        let https = if scheme.eq_ignore_ascii_case("https") {
            true
        } else if scheme.eq_ignore_ascii_case("http") {
            false
        } else {
            return Err(invalid("only http:// and https:// are supported"));
        };
        if rest
            .chars()
            .any(|c| c.is_ascii_whitespace() || c.is_ascii_control())
        {
            return Err(invalid(
                "it contains spaces or control characters; percent-encode them",
            ));
        }
        let rest = rest.split_once('#').map_or(rest, |(before, _fragment)| before);
        let (authority, path_with_query) = rest.split_at(rest.find(['/', '?']).unwrap_or(rest.len()));
        if authority.is_empty() {
            return Err(invalid("it has no host"));
        }
        if authority.contains('@') {
            return Err(invalid(
                "credentials in a URL are not supported; send an `authorization` header",
            ));
        }
        let path_with_query = match path_with_query {
            "" => Cow::Borrowed("/"),
            query if query.starts_with('?') => Cow::Owned(format!("/{query}")),
            path => Cow::Borrowed(path),
        };
        Ok(Self {
            https,
            authority,
            path_with_query,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(url: &str) -> Option<(bool, &str, String)> {
        let target = Target::parse(url).ok()?;
        Some((
            target.https,
            target.authority,
            target.path_with_query.into_owned(),
        ))
    }

    #[test]
    fn urls_split_into_scheme_authority_and_path() {
        assert_eq!(
            target("https://checkip.amazonaws.com"),
            Some((true, "checkip.amazonaws.com", "/".to_owned()))
        );
        assert_eq!(
            target("HTTP://127.0.0.1:8080/a/b?c=d#frag"),
            Some((false, "127.0.0.1:8080", "/a/b?c=d".to_owned()))
        );
        assert_eq!(target("http://h?x=1"), Some((false, "h", "/?x=1".to_owned())));
        assert_eq!(
            target("http://[::1]:9/"),
            Some((false, "[::1]:9", "/".to_owned()))
        );
    }

    #[test]
    fn urls_it_cannot_send_to_are_refused_with_a_reason() {
        for (url, why) in [
            ("example.com/x", "absolute"),
            ("ftp://example.com/", "only http:// and https://"),
            ("http:///path", "no host"),
            ("http://user:pw@example.com/", "credentials"),
            ("http://example.com/a b", "percent-encode"),
        ] {
            let error = Target::parse(url).err();
            assert_eq!(error.as_ref().map(Error::error_type), Some(super::super::ERROR));
            let message = error.map(|e| e.message().to_owned()).unwrap_or_default();
            assert!(message.contains(why), "{url}: {message}");
        }
    }

    #[test]
    fn methods_parse_and_print_as_sent() {
        for method in [
            "GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH", "PURGE",
        ] {
            assert_eq!(Method::from(method).as_str(), method);
        }
        assert_eq!(Method::from("POST"), Method::Post);
        assert_eq!(Method::from("get"), Method::Other("get".to_owned()));
    }

    #[test]
    fn the_builder_keeps_what_it_is_given() {
        let request = Request::new(Method::Other("PURGE".into()), "http://h/")
            .header("a", "1")
            .header("a", "2")
            .body(vec![1, 2])
            .timeout(Duration::from_millis(5))
            .max_response_bytes(10);
        assert_eq!(request.method().to_string(), "PURGE");
        assert_eq!(request.headers().len(), 2);
        assert_eq!(request.body, [1, 2]);
        assert_eq!(request.timeout, Some(Duration::from_millis(5)));
        assert_eq!(request.max_response_bytes, 10);
        let defaults = Request::new(Method::Get, "http://h/");
        assert_eq!(defaults.max_response_bytes, DEFAULT_MAX_RESPONSE_BYTES);
        assert!(defaults.timeout.is_none() && defaults.body.is_empty() && defaults.headers.is_empty());
    }
}
