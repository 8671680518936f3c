//! [`StreamingResponse`]: a response whose body is read as it arrives, chunk by chunk, line by line, or as
//! server-sent events (an LLM's tokens), from [`Request::send_streaming`](super::Request::send_streaming).

use super::failed;
use crate::Error;

/// Where a streaming response's body comes from: the host's stream in a component, chunks given in a test.
pub(super) trait ChunkSource {
    /// The next chunk of the body, as soon as the host has one; `None` at the end.
    fn next_chunk(&mut self) -> Result<Option<Vec<u8>>, Error>;
}

/// Chunks given up front, for tests.
struct Given(std::collections::VecDeque<Vec<u8>>);

impl ChunkSource for Given {
    fn next_chunk(&mut self) -> Result<Option<Vec<u8>>, Error> {
        Ok(self.0.pop_front())
    }
}

/// A response whose status and headers have arrived, and whose body is read as it comes.
///
/// ```
/// use lambda_wasm_sdk::http::StreamingResponse;
///
/// // Built from chunks here (a unit test); `Request::send_streaming` returns one from the network.
/// let mut response = StreamingResponse::from_chunks(
///     200,
///     vec![("content-type".into(), "text/event-stream".into())],
///     vec![b"data: Hel".to_vec(), b"lo\n\ndata: [DONE]\n\n".to_vec()],
/// );
/// let data: Vec<String> = response.events().map(|e| e.map(|e| e.data)).collect::<Result<_, _>>()?;
/// assert_eq!(data, ["Hello", "[DONE]"]);
/// # Ok::<(), lambda_wasm_sdk::Error>(())
/// ```
pub struct StreamingResponse {
    /// The status code (any status is a response, not an error).
    pub status: u16,
    /// Header names and values in the order received.
    pub headers: Vec<(String, String)>,
    /// The body's source.
    body: Box<dyn ChunkSource>,
    /// Bytes read and not yet handed out as a line.
    pending: Vec<u8>,
    /// The body has ended.
    ended: bool,
}

/// One server-sent event: `event` (`message` by default), `data` (its lines joined with `\n`), `id`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ServerSentEvent {
    /// The event's type.
    pub event: String,
    /// The event's data.
    pub data: String,
    /// The last event id seen, if any.
    pub id: Option<String>,
}

/// The longest line the line and event readers buffer: a longer one fails rather than grow without bound.
pub const MAX_LINE: usize = 1024 * 1024;

impl StreamingResponse {
    pub(super) fn new(status: u16, headers: Vec<(String, String)>, body: Box<dyn ChunkSource>) -> Self {
        Self {
            status,
            headers,
            body,
            pending: Vec::new(),
            ended: false,
        }
    }

    /// A response made of `chunks`, for tests of code that reads one.
    pub fn from_chunks(status: u16, headers: Vec<(String, String)>, chunks: Vec<Vec<u8>>) -> Self {
        Self::new(status, headers, Box::new(Given(chunks.into())))
    }

    /// Whether the status is 2xx.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The value of the first header named `name`, compared case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(header, _)| header.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    /// The next chunk of the body as the host received it; `None` at the end.
    pub fn next_chunk(&mut self) -> Result<Option<Vec<u8>>, Error> {
        if !self.pending.is_empty() {
            return Ok(Some(std::mem::take(&mut self.pending)));
        }
        if self.ended {
            return Ok(None);
        }
        let chunk = self.body.next_chunk()?;
        self.ended = chunk.is_none();
        Ok(chunk)
    }

    /// The body's chunks, as they arrive.
    pub fn chunks(&mut self) -> impl Iterator<Item = Result<Vec<u8>, Error>> + '_ {
        std::iter::from_fn(move || self.next_chunk().transpose())
    }

    /// The next line (ended by `\n`, `\r\n` or the body's end), without its line end; `None` at the end.
    pub fn next_line(&mut self) -> Result<Option<String>, Error> {
        loop {
            if let Some(end) = self.pending.iter().position(|&b| b == b'\n') {
                let mut line: Vec<u8> = self.pending.drain(..=end).collect();
                line.pop();
                if line.last() == Some(&b'\r') {
                    line.pop();
                }
                return Ok(Some(String::from_utf8_lossy(&line).into_owned()));
            }
            if self.pending.len() > MAX_LINE {
                return Err(failed(format!(
                    "a line of the response is longer than {MAX_LINE} bytes"
                )));
            }
            if self.ended {
                if self.pending.is_empty() {
                    return Ok(None);
                }
                let line = std::mem::take(&mut self.pending);
                return Ok(Some(
                    String::from_utf8_lossy(&line).trim_end_matches('\r').to_owned(),
                ));
            }
            match self.body.next_chunk()? {
                Some(chunk) => self.pending.extend_from_slice(&chunk),
                None => self.ended = true,
            }
        }
    }

    /// The body's lines, as each arrives.
    pub fn lines(&mut self) -> impl Iterator<Item = Result<String, Error>> + '_ {
        std::iter::from_fn(move || self.next_line().transpose())
    }

    /// The next server-sent event (WHATWG rules: `field: value` lines, a blank line dispatches, `data` lines
    /// joined with `\n`, comments ignored, an event without data not dispatched); `None` at the end.
    pub fn next_event(&mut self) -> Result<Option<ServerSentEvent>, Error> {
        let mut event = ServerSentEvent::default();
        let mut data: Vec<String> = Vec::new();
        loop {
            let Some(line) = self.next_line()? else {
                return Ok((!data.is_empty()).then(|| finish(event, data)));
            };
            if line.is_empty() {
                if data.is_empty() {
                    event.event.clear();
                    continue;
                }
                return Ok(Some(finish(event, data)));
            }
            if line.starts_with(':') {
                continue;
            }
            let (field, value) = line.split_once(':').unwrap_or((line.as_str(), ""));
            let value = value.strip_prefix(' ').unwrap_or(value);
            match field {
                "event" => event.event = value.to_owned(),
                "data" => data.push(value.to_owned()),
                "id" if !value.contains('\0') => event.id = Some(value.to_owned()),
                _ => {}
            }
        }
    }

    /// The body's server-sent events, as each arrives.
    pub fn events(&mut self) -> impl Iterator<Item = Result<ServerSentEvent, Error>> + '_ {
        std::iter::from_fn(move || self.next_event().transpose())
    }
}

fn finish(mut event: ServerSentEvent, data: Vec<String>) -> ServerSentEvent {
    if event.event.is_empty() {
        event.event = "message".to_owned();
    }
    event.data = data.join("\n");
    event
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(chunks: &[&[u8]]) -> StreamingResponse {
        StreamingResponse::from_chunks(200, vec![], chunks.iter().map(|c| c.to_vec()).collect())
    }

    #[test]
    fn lines_across_chunks() {
        let lines: Vec<String> = response(&[b"one\r", b"\ntw", b"o\nthree"])
            .lines()
            .map(Result::unwrap)
            .collect();
        assert_eq!(lines, ["one", "two", "three"]);
    }

    #[test]
    fn events_follow_the_whatwg_rules() {
        let mut r = response(&[
            b": hi\n\nevent: delta\ndata: a\ndata: b\nid: 7\n\n",
            b"event: x\n\ndata: last",
        ]);
        let events: Vec<ServerSentEvent> = r.events().map(Result::unwrap).collect();
        assert_eq!(
            events,
            [
                ServerSentEvent {
                    event: "delta".into(),
                    data: "a\nb".into(),
                    id: Some("7".into())
                },
                ServerSentEvent {
                    event: "message".into(),
                    data: "last".into(),
                    id: None
                },
            ]
        );
    }

    #[test]
    fn chunks_come_as_given() {
        let chunks: Vec<Vec<u8>> = response(&[b"a", b"bc"]).chunks().map(Result::unwrap).collect();
        assert_eq!(chunks, [b"a".to_vec(), b"bc".to_vec()]);
    }
}
