//! [`HttpResponse`]: the status, headers and cookies a streaming handler sends before its body, for
//! Function URLs and API Gateway streaming.

use crate::bindings::HttpPrelude;

/// Status, headers and cookies of a streamed HTTP response, set with
/// [`ResponseStream::set_http_response`](crate::ResponseStream::set_http_response) before the first
/// write. Build one with [`HttpResponse::builder`]:
///
/// ```
/// use lambda_wasm_sdk::HttpResponse;
///
/// let response = HttpResponse::builder()
///     .status(200)
///     .header("content-type", "text/html")
///     .cookie("session=abc; Path=/; HttpOnly")
///     .build();
/// assert_eq!(response.header("Content-Type"), Some("text/html"));
/// ```
///
/// Defaults (also those of `HttpResponse::default()`):
/// - status 200;
/// - no headers: Lambda then answers `content-type: application/octet-stream`, so set it;
/// - no cookies.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpResponse {
    /// The HTTP status code.
    status: u16,
    /// Header names and values in the order they were added; a name may repeat.
    headers: Vec<(String, String)>,
    /// `Set-Cookie` values, one per cookie: Function URLs carry cookies apart from the headers.
    cookies: Vec<String>,
}

impl HttpResponse {
    /// A builder starting from the defaults: status 200, no headers, no cookies.
    pub fn builder() -> HttpResponseBuilder {
        HttpResponseBuilder::default()
    }

    /// The status code.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// Every header, in the order added.
    pub fn headers(&self) -> &[(String, String)] {
        &self.headers
    }

    /// The value of the first header named `name`, compared case-insensitively as HTTP does.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(header, _)| header.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    /// The cookies (`Set-Cookie` values).
    pub fn cookies(&self) -> &[String] {
        &self.cookies
    }

    /// The WIT record the host turns into Lambda's HTTP integration prelude.
    pub(crate) fn into_wit(self) -> HttpPrelude {
        HttpPrelude {
            status_code: self.status,
            headers: self.headers,
            cookies: self.cookies,
        }
    }
}

impl Default for HttpResponse {
    fn default() -> Self {
        Self {
            status: 200,
            headers: Vec::new(),
            cookies: Vec::new(),
        }
    }
}

/// Builds an [`HttpResponse`]; see there for the defaults. Values are passed to the host as they are:
/// it checks them when the response is set.
#[derive(Clone, Debug, Default)]
#[must_use = "a builder does nothing until `build` is called"]
pub struct HttpResponseBuilder {
    /// The response built so far.
    response: HttpResponse,
}

impl HttpResponseBuilder {
    /// Sets the status code (default 200).
    pub fn status(mut self, status: u16) -> Self {
        self.response.status = status;
        self
    }

    /// Adds a header; adding a name twice sends it twice.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.response.headers.push((name.into(), value.into()));
        self
    }

    /// Adds a cookie: one `Set-Cookie` value, such as `id=42; Path=/; Secure`.
    pub fn cookie(mut self, cookie: impl Into<String>) -> Self {
        self.response.cookies.push(cookie.into());
        self
    }

    /// The response.
    pub fn build(self) -> HttpResponse {
        self.response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_200_and_nothing_else() {
        let response = HttpResponse::builder().build();
        assert_eq!(response, HttpResponse::default());
        assert_eq!(response.status(), 200);
        assert!(response.headers().is_empty() && response.cookies().is_empty());
    }

    #[test]
    fn the_builder_keeps_order_and_repeats() {
        let response = HttpResponse::builder()
            .status(201)
            .header("x-a", "1")
            .header("X-A", "2")
            .cookie("a=b")
            .build();
        assert_eq!(response.header("x-a"), Some("1"));
        assert_eq!(response.headers().len(), 2);
        let wit = response.into_wit();
        assert_eq!(wit.status_code, 201);
        assert_eq!(wit.headers[1], ("X-A".to_owned(), "2".to_owned()));
        assert_eq!(wit.cookies, ["a=b"]);
    }
}
