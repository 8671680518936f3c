//! The function's log: guest stdout/stderr, guest `log` calls and the host's own records, one line per record,
//! each with the request id, as text or JSON (`AWS_LAMBDA_LOG_FORMAT`), filtered by `AWS_LAMBDA_LOG_LEVEL`.

use std::io::Write;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::SystemTime;

use bytes::Bytes;
use wasmtime_wasi::cli::{IsTerminal, StdoutStream};
use wasmtime_wasi::p2::{OutputStream, Pollable, StreamResult};

/// Longest record written, in bytes (Lambda's own limit for one log event is 256 KiB); a longer line is split.
pub const MAX_RECORD: usize = 256 * 1024;

/// Severity of a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// Finest detail.
    Trace,
    /// Debugging detail.
    Debug,
    /// Normal operation.
    Info,
    /// Something unexpected that did not fail the invocation.
    Warn,
    /// A failure.
    Error,
}

impl Level {
    fn name(self) -> &'static str {
        match self {
            Self::Trace => "TRACE",
            Self::Debug => "DEBUG",
            Self::Info => "INFO",
            Self::Warn => "WARN",
            Self::Error => "ERROR",
        }
    }

    fn parse(value: &str) -> Option<Self> {
        match value.trim().to_ascii_uppercase().as_str() {
            "TRACE" => Some(Self::Trace),
            "DEBUG" => Some(Self::Debug),
            "INFO" => Some(Self::Info),
            "WARN" | "WARNING" => Some(Self::Warn),
            "ERROR" | "FATAL" | "CRITICAL" => Some(Self::Error),
            _ => None,
        }
    }
}

/// The function's log, as one worker sees it: the process-wide settings, and the invocation this worker is
/// running, stamped on every record it writes. Cheap to clone; clones share the invocation (a store's stdout
/// and the worker's own records carry the same request id). Each worker has its own (see
/// [`Logger::for_worker`]), so concurrent invocations never label each other's records.
#[derive(Clone)]
pub struct Logger {
    /// Format and level: the same for the whole process.
    settings: Arc<Settings>,
    /// The invocation in progress on this worker; `None` during INIT and between invocations.
    invocation: Arc<Mutex<Option<Label>>>,
}

/// What `AWS_LAMBDA_LOG_FORMAT` and `AWS_LAMBDA_LOG_LEVEL` say.
struct Settings {
    /// `AWS_LAMBDA_LOG_FORMAT=JSON`: one JSON object per line instead of tab-separated text.
    json: bool,
    /// Records below this level are dropped (`AWS_LAMBDA_LOG_LEVEL`, default everything).
    min_level: Level,
}

/// The invocation a record belongs to.
#[derive(Clone)]
struct Label {
    /// `requestId`.
    request_id: String,
    /// `tenantId` (JSON records only), for functions with tenant isolation.
    tenant_id: Option<String>,
}

impl Logger {
    /// A logger configured from `AWS_LAMBDA_LOG_FORMAT` and `AWS_LAMBDA_LOG_LEVEL` in `vars`. Unknown values fall
    /// back to text and to every level: a log setting must never stop a function from starting.
    pub fn from_vars(vars: &[(String, String)]) -> Self {
        let get = |name: &str| {
            vars.iter()
                .rev()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        };
        let json = get("AWS_LAMBDA_LOG_FORMAT").is_some_and(|f| f.trim().eq_ignore_ascii_case("json"));
        let min_level = get("AWS_LAMBDA_LOG_LEVEL")
            .and_then(Level::parse)
            .unwrap_or(Level::Trace);
        Self::new(json, min_level)
    }

    /// A logger with an explicit format and level.
    pub fn new(json: bool, min_level: Level) -> Self {
        Self {
            settings: Arc::new(Settings { json, min_level }),
            invocation: Arc::new(Mutex::new(None)),
        }
    }

    /// A logger for one more worker: the same settings, and an invocation label of its own.
    pub fn for_worker(&self) -> Self {
        Self {
            settings: Arc::clone(&self.settings),
            invocation: Arc::new(Mutex::new(None)),
        }
    }

    /// Stamps this worker's later records with an invocation's request id (and tenant id, in JSON), or with
    /// none between invocations.
    pub fn set_invocation(&self, invocation: Option<(&str, Option<&str>)>) {
        *self.invocation.lock().unwrap_or_else(PoisonError::into_inner) =
            invocation.map(|(request_id, tenant_id)| Label {
                request_id: request_id.to_owned(),
                tenant_id: tenant_id.map(str::to_owned),
            });
    }

    /// The invocation this worker's records belong to now.
    fn label(&self) -> Option<Label> {
        self.invocation
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Writes one record, split into several when it is longer than [`MAX_RECORD`].
    pub fn log(&self, level: Level, message: &str) {
        if level < self.settings.min_level {
            return;
        }
        let label = self.label();
        let timestamp = humantime::format_rfc3339_millis(SystemTime::now()).to_string();
        let mut out = std::io::stdout().lock();
        // In text, one line is one record: a line break inside a message starts a record of its own (with the
        // timestamp and request id), so a message cannot forge a record. JSON escapes it.
        let lines: Vec<&str> = if self.settings.json {
            vec![message]
        } else {
            message.split(['\n', '\r']).filter(|l| !l.is_empty()).collect()
        };
        let lines = if lines.is_empty() { vec![""] } else { lines };
        for part in lines.into_iter().flat_map(|line| chunks(line, MAX_RECORD)) {
            let line = if self.settings.json {
                let mut record = serde_json::json!({
                    "timestamp": timestamp,
                    "level": level.name(),
                    "message": part,
                });
                if let Some(label) = &label {
                    record["requestId"] = label.request_id.as_str().into();
                    if let Some(tenant) = &label.tenant_id {
                        record["tenantId"] = tenant.as_str().into();
                    }
                }
                record.to_string()
            } else {
                let id = label.as_ref().map_or("-", |l| l.request_id.as_str());
                format!("{timestamp}\t{id}\t{}\t{part}", level.name())
            };
            // A closed stdout cannot be reported anywhere; the invocation goes on.
            let _ = writeln!(out, "{line}");
        }
        let _ = out.flush();
    }

    /// One line a guest wrote to stdout or stderr. A line that is a JSON object is a structured record already
    /// (Powertools' Logger and Metrics write them): it goes to the log as written, in either format, filtered by
    /// its own `level` when it has one and never dropped when it is a CloudWatch EMF document (`_aws`), with
    /// `requestId` (and `tenantId`) set by the host over whatever the guest put there, so a guest cannot label a
    /// record with another invocation. Any other line is a record at `default`.
    pub fn guest_line(&self, default: Level, line: &str) {
        let object = line
            .trim_start()
            .starts_with('{')
            .then(|| serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(line).ok())
            .flatten();
        let Some(mut record) = object else {
            self.log(default, line);
            return;
        };
        let metrics = record.contains_key("_aws");
        let level = ["level", "levelname", "log_level"]
            .iter()
            .find_map(|key| record.get(*key).and_then(|v| v.as_str()).and_then(Level::parse));
        if !metrics && level.unwrap_or(default) < self.settings.min_level {
            return;
        }
        let label = self.label();
        match &label {
            Some(label) => {
                record.insert("requestId".to_owned(), label.request_id.as_str().into());
                match &label.tenant_id {
                    Some(tenant) => record.insert("tenantId".to_owned(), tenant.as_str().into()),
                    None => record.remove("tenantId"),
                };
            }
            None => {
                record.remove("requestId");
                record.remove("tenantId");
            }
        }
        let text = serde_json::Value::Object(record).to_string();
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{text}");
        let _ = out.flush();
    }

    /// A WASI stdout or stderr for a guest: each complete line becomes one record at `level`.
    pub fn guest_stream(&self, level: Level) -> GuestOutput {
        GuestOutput {
            logger: self.clone(),
            level,
            pending: Arc::new(Mutex::new(Vec::new())),
        }
    }
}

/// Splits `text` into parts of at most `max` bytes, on character boundaries.
fn chunks(text: &str, max: usize) -> impl Iterator<Item = &str> {
    let mut rest = text;
    let mut first = true;
    std::iter::from_fn(move || {
        if rest.is_empty() && !std::mem::take(&mut first) {
            return None;
        }
        first = false;
        let mut end = rest.len().min(max);
        while !rest.is_char_boundary(end) {
            end -= 1;
        }
        let (part, tail) = rest.split_at(end);
        rest = tail;
        Some(part)
    })
}

/// A guest's stdout or stderr: buffers a partial line (at most [`MAX_RECORD`] bytes) and logs each line.
#[derive(Clone)]
pub struct GuestOutput {
    logger: Logger,
    level: Level,
    /// Bytes after the last newline; shared by every stream handle the guest opens on this output.
    pending: Arc<Mutex<Vec<u8>>>,
}

impl GuestOutput {
    fn write_bytes(&self, mut bytes: &[u8]) {
        let mut pending = self.pending.lock().unwrap_or_else(PoisonError::into_inner);
        while !bytes.is_empty() {
            let room = MAX_RECORD - pending.len();
            match bytes.iter().take(room).position(|&b| b == b'\n') {
                Some(newline) => {
                    pending.extend_from_slice(&bytes[..newline]);
                    bytes = &bytes[newline + 1..];
                    self.emit(&mut pending);
                }
                None => {
                    let take = bytes.len().min(room);
                    pending.extend_from_slice(&bytes[..take]);
                    bytes = &bytes[take..];
                    if pending.len() >= MAX_RECORD {
                        self.emit(&mut pending);
                    }
                }
            }
        }
    }

    fn emit(&self, pending: &mut Vec<u8>) {
        let line = String::from_utf8_lossy(pending);
        self.logger.guest_line(self.level, line.trim_end_matches('\r'));
        pending.clear();
    }

    /// Logs what is left of an unterminated line (at the end of an invocation).
    pub fn flush_partial(&self) {
        let mut pending = self.pending.lock().unwrap_or_else(PoisonError::into_inner);
        if !pending.is_empty() {
            self.emit(&mut pending);
        }
    }
}

impl IsTerminal for GuestOutput {
    fn is_terminal(&self) -> bool {
        false
    }
}

impl StdoutStream for GuestOutput {
    fn async_stream(&self) -> Box<dyn tokio::io::AsyncWrite + Send + Sync> {
        Box::new(self.clone())
    }

    fn p2_stream(&self) -> Box<dyn OutputStream> {
        Box::new(self.clone())
    }
}

#[wasmtime_wasi::async_trait]
impl Pollable for GuestOutput {
    async fn ready(&mut self) {}
}

impl OutputStream for GuestOutput {
    fn write(&mut self, bytes: Bytes) -> StreamResult<()> {
        self.write_bytes(&bytes);
        Ok(())
    }

    fn flush(&mut self) -> StreamResult<()> {
        Ok(())
    }

    fn check_write(&mut self) -> StreamResult<usize> {
        Ok(MAX_RECORD)
    }
}

impl tokio::io::AsyncWrite for GuestOutput {
    fn poll_write(self: Pin<&mut Self>, _: &mut Context<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
        self.write_bytes(buf);
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_split_on_char_boundaries() {
        let parts: Vec<&str> = chunks("ééé", 3).collect();
        assert_eq!(parts, vec!["é", "é", "é"]);
        assert_eq!(chunks("", 3).collect::<Vec<_>>(), vec![""]);
    }

    #[test]
    fn levels_parse_case_insensitively() {
        assert_eq!(Level::parse("warn"), Some(Level::Warn));
        assert_eq!(Level::parse("Warning"), Some(Level::Warn));
        assert_eq!(Level::parse("CRITICAL"), Some(Level::Error));
        assert_eq!(Level::parse("Fatal"), Some(Level::Error));
        assert_eq!(Level::parse("loud"), None);
    }

    #[test]
    fn workers_label_their_own_records() {
        let root = Logger::new(true, Level::Trace);
        let (a, b) = (root.for_worker(), root.for_worker());
        a.set_invocation(Some(("req-a", Some("tenant-a"))));
        b.set_invocation(Some(("req-b", None)));
        let label = |l: &Logger| l.invocation.lock().ok().and_then(|g| g.clone());
        assert_eq!(label(&a).map(|l| l.request_id), Some("req-a".to_owned()));
        assert_eq!(label(&a).and_then(|l| l.tenant_id), Some("tenant-a".to_owned()));
        assert_eq!(label(&b).map(|l| l.request_id), Some("req-b".to_owned()));
        assert!(label(&root).is_none(), "the root logger is nobody's invocation");
        let clone = a.clone();
        a.set_invocation(None);
        assert!(label(&clone).is_none(), "a clone shares its worker's label");
    }

    #[test]
    fn long_lines_are_split_at_the_bound() {
        let output = Logger::new(false, Level::Error).guest_stream(Level::Info);
        output.write_bytes(&vec![b'x'; MAX_RECORD * 2 + 10]);
        let pending = output.pending.lock().map(|p| p.len()).unwrap_or_default();
        assert_eq!(pending, 10);
    }
}
