//! [`ResponseStream`]: where a streaming handler writes its response, and its native test double.

use std::fmt;
use std::io;

use crate::bindings::Writer;
use crate::{Error, HttpResponse};

/// Error type of a write, content type or HTTP response the stream refused: the host's stream limit
/// is reached, the caller is gone, or a content type or HTTP response comes after the first write.
pub const STREAM_ERROR: &str = "Runtime.StreamError";

/// The response of a streaming handler, sent to the caller as it is written.
///
/// A handler exported with [`streaming_handler!`](crate::streaming_handler) gets one per invocation:
/// - [`write`](Self::write) sends bytes at once; it blocks while the caller reads slower than the
///   handler writes (backpressure), so a handler never buffers a whole response;
/// - [`set_content_type`](Self::set_content_type) or, for Function URLs,
///   [`set_http_response`](Self::set_http_response) describe the response; only before the first
///   write, since the caller has them once a byte has gone;
/// - it implements [`std::io::Write`], so `write!(out, ...)` and `std::io::copy` work; a `write!` is
///   formatted first and sent as one write.
///
/// Failures are [`Error`]s of type [`STREAM_ERROR`] with the host's message (through `io::Write`,
/// an [`io::Error`] that `?` turns back into that same [`Error`]).
///
/// Empty writes send nothing. Writes longer than [`MAX_WRITE`](Self::MAX_WRITE) are sent in several
/// pieces, because the host bounds what one write may carry.
///
/// # Unit tests
/// [`ResponseStream::collecting`] makes a stream that keeps what it is given instead of sending
/// it, so a test can call a streaming handler directly and read [`body`](Self::body),
/// [`content_type`](Self::content_type) and [`http_response`](Self::http_response). It refuses
/// what the host refuses (a content type after the first write), so such mistakes show in tests.
#[derive(Debug)]
pub struct ResponseStream<'a> {
    /// Where the bytes go.
    sink: Sink<'a>,
    /// Whether a byte has been written: from then on the content type and HTTP response are fixed.
    started: bool,
}

/// Where a [`ResponseStream`]'s bytes go.
#[derive(Debug)]
enum Sink<'a> {
    /// The host's `writer`, borrowed for the invocation.
    Host(&'a Writer),
    /// Kept in memory, for tests.
    Collecting(Collected),
}

/// What a collecting stream was given.
#[derive(Debug, Default)]
struct Collected {
    /// The last content type set.
    content_type: Option<String>,
    /// The last HTTP response set.
    http_response: Option<HttpResponse>,
    /// Every byte written.
    body: Vec<u8>,
    /// Where each write (as the host would have received it) ends in `body`.
    write_ends: Vec<usize>,
}

impl ResponseStream<'static> {
    /// A stream that keeps everything written to it, for unit tests:
    ///
    /// ```
    /// use lambda_wasm_sdk::ResponseStream;
    /// use std::io::Write;
    ///
    /// let mut out = ResponseStream::collecting();
    /// out.set_content_type("text/plain")?;
    /// out.write(b"Hello")?;
    /// write!(out, ", {}!", "world")?;
    /// assert_eq!(out.body(), b"Hello, world!");
    /// assert_eq!(out.content_type(), Some("text/plain"));
    /// assert_eq!(out.writes().count(), 2);
    /// // Like the host, it refuses a content type once the body has started.
    /// assert!(out.set_content_type("text/html").is_err());
    /// # Ok::<(), lambda_wasm_sdk::Error>(())
    /// ```
    pub fn collecting() -> Self {
        Self {
            sink: Sink::Collecting(Collected::default()),
            started: false,
        }
    }
}

impl<'a> ResponseStream<'a> {
    /// The most one host `write` carries: 64 KiB. Longer writes are split into pieces of this size.
    pub const MAX_WRITE: usize = 64 * 1024;

    /// The stream of the invocation in progress.
    pub(crate) fn for_host(writer: &'a Writer) -> Self {
        Self {
            sink: Sink::Host(writer),
            started: false,
        }
    }

    /// Sets the response's content type (the host's default is `application/octet-stream`). Only
    /// before the first write.
    pub fn set_content_type(&mut self, content_type: &str) -> Result<(), Error> {
        self.before_first_write("the content type")?;
        match &mut self.sink {
            Sink::Host(writer) => writer.set_content_type(content_type).map_err(refused),
            Sink::Collecting(collected) => {
                collected.content_type = Some(content_type.to_owned());
                Ok(())
            }
        }
    }

    /// Makes the response an HTTP response with this status, headers and cookies, as a Function URL
    /// or API Gateway streaming integration sends it. Only before the first write.
    pub fn set_http_response(&mut self, response: HttpResponse) -> Result<(), Error> {
        self.before_first_write("the HTTP response")?;
        match &mut self.sink {
            Sink::Host(writer) => writer.set_http_prelude(&response.into_wit()).map_err(refused),
            Sink::Collecting(collected) => {
                collected.http_response = Some(response);
                Ok(())
            }
        }
    }

    /// Sends `bytes` to the caller now, waiting while the caller is slower. Empty `bytes` send nothing;
    /// more than [`MAX_WRITE`](Self::MAX_WRITE) go in several host writes.
    ///
    /// Fails with [`STREAM_ERROR`] once the stream limit is reached or the caller is gone; the bytes
    /// of that write may have been partly sent.
    pub fn write(&mut self, bytes: &[u8]) -> Result<(), Error> {
        for piece in bytes.chunks(Self::MAX_WRITE) {
            self.started = true;
            match &mut self.sink {
                Sink::Host(writer) => writer.write(piece).map_err(refused)?,
                Sink::Collecting(collected) => {
                    collected.body.extend_from_slice(piece);
                    collected.write_ends.push(collected.body.len());
                }
            }
        }
        Ok(())
    }

    /// The content type last set on a [`collecting`](ResponseStream::collecting) stream; `None`
    /// on the host's stream, which keeps nothing.
    pub fn content_type(&self) -> Option<&str> {
        match &self.sink {
            Sink::Host(_) => None,
            Sink::Collecting(collected) => collected.content_type.as_deref(),
        }
    }

    /// The HTTP response last set on a [`collecting`](ResponseStream::collecting) stream; `None`
    /// on the host's stream.
    pub fn http_response(&self) -> Option<&HttpResponse> {
        match &self.sink {
            Sink::Host(_) => None,
            Sink::Collecting(collected) => collected.http_response.as_ref(),
        }
    }

    /// Every byte written to a [`collecting`](ResponseStream::collecting) stream; empty on the
    /// host's stream.
    pub fn body(&self) -> &[u8] {
        match &self.sink {
            Sink::Host(_) => &[],
            Sink::Collecting(collected) => &collected.body,
        }
    }

    /// The writes a [`collecting`](ResponseStream::collecting) stream received, one item per host
    /// write (so after splitting long ones and skipping empty ones); none on the host's stream.
    pub fn writes(&self) -> impl Iterator<Item = &[u8]> {
        let (body, ends): (&[u8], &[usize]) = match &self.sink {
            Sink::Host(_) => (&[], &[]),
            Sink::Collecting(collected) => (&collected.body, &collected.write_ends),
        };
        let starts = std::iter::once(0).chain(ends.iter().copied());
        starts
            .zip(ends.iter().copied())
            .map(move |(start, end)| &body[start..end])
    }

    /// Refuses to change the response's description once its body has started.
    fn before_first_write(&self, what: &str) -> Result<(), Error> {
        if self.started {
            return Err(Error::new(
                STREAM_ERROR,
                format!("{what} can only be set before the first write"),
            ));
        }
        Ok(())
    }
}

impl io::Write for ResponseStream<'_> {
    /// Sends all of `buf`, as [`ResponseStream::write`].
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        ResponseStream::write(self, buf).map_err(Error::into_io)?;
        Ok(buf.len())
    }

    /// Sends all of `buf` in one write, not the piece-by-piece default.
    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        ResponseStream::write(self, buf).map_err(Error::into_io)
    }

    /// Formats first, then sends the text as one write, so that a `write!` reaches the caller as one
    /// piece instead of one host call per argument.
    fn write_fmt(&mut self, args: fmt::Arguments<'_>) -> io::Result<()> {
        match args.as_str() {
            Some(text) => self.write_all(text.as_bytes()),
            None => self.write_all(args.to_string().as_bytes()),
        }
    }

    /// Nothing to do: every write is sent at once.
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The host's refusal as an [`Error`].
fn refused(message: String) -> Error {
    Error::new(STREAM_ERROR, message)
}

#[cfg(test)]
mod tests {
    use std::io::Write as _;

    use super::*;

    #[test]
    fn writes_are_kept_in_order() -> Result<(), Error> {
        let mut out = ResponseStream::collecting();
        out.write(b"ab")?;
        out.write(b"")?;
        let (c, d) = ('c', "d");
        // Formatted in pieces, sent as one write.
        write!(out, "{c}{d}").map_err(Error::from)?;
        assert_eq!(out.body(), b"abcd");
        assert_eq!(out.writes().collect::<Vec<_>>(), [&b"ab"[..], b"cd"]);
        Ok(())
    }

    #[test]
    fn empty_writes_do_not_start_the_body() -> Result<(), Error> {
        let mut out = ResponseStream::collecting();
        out.write(&[])?;
        write!(out, "").map_err(Error::from)?;
        out.set_content_type("text/plain")?;
        assert_eq!(out.writes().count(), 0);
        assert_eq!(out.content_type(), Some("text/plain"));
        Ok(())
    }

    #[test]
    fn long_writes_are_split() -> Result<(), Error> {
        let mut out = ResponseStream::collecting();
        let bytes = vec![7u8; 2 * ResponseStream::MAX_WRITE + 1];
        out.write(&bytes)?;
        let sizes: Vec<usize> = out.writes().map(<[u8]>::len).collect();
        assert_eq!(sizes, [ResponseStream::MAX_WRITE, ResponseStream::MAX_WRITE, 1]);
        assert_eq!(out.body(), bytes);
        Ok(())
    }

    #[test]
    fn the_description_is_fixed_by_the_first_write() -> Result<(), Error> {
        let mut out = ResponseStream::collecting();
        out.set_http_response(HttpResponse::builder().status(202).build())?;
        out.write(b"x")?;
        let late_type = out.set_content_type("text/plain").err();
        let late_response = out.set_http_response(HttpResponse::default()).err();
        assert_eq!(late_type.as_ref().map(Error::error_type), Some(STREAM_ERROR));
        assert_eq!(
            late_response.as_ref().map(Error::message),
            Some("the HTTP response can only be set before the first write")
        );
        assert_eq!(out.http_response().map(HttpResponse::status), Some(202));
        Ok(())
    }

    #[test]
    fn refusals_through_io_turn_back_into_the_stream_error() {
        let refusal: io::Result<()> = Err(refused("caller gone".to_owned()).into_io());
        let error = refusal.map_err(Error::from).err();
        assert_eq!(error, Some(Error::new(STREAM_ERROR, "caller gone")));
    }
}
