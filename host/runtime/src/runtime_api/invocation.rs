//! One event from `GET /runtime/invocation/next`: its headers turned into a context, never by panicking.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use hyper::HeaderMap;

use super::headers::{
    CLIENT_CONTEXT, COGNITO_IDENTITY, DEADLINE_MS, FUNCTION_ARN, INVOCATION_ID, REQUEST_ID, TENANT_ID,
    TRACE_ID,
};

/// A deadline further than this from now is not a plausible epoch value (cargo-lambda sends `600000`).
const PLAUSIBLE: Duration = Duration::from_secs(24 * 60 * 60);

/// One invocation, as `/next` delivered it.
#[derive(Debug, Clone)]
pub struct Invocation {
    /// The request id; every answer is posted under it.
    pub request_id: String,
    /// The deadline as Unix epoch milliseconds: the header's when plausible, else now + the default timeout.
    pub deadline_ms: u64,
    /// Whether `deadline_ms` came from the Runtime API (false: the configured default was used).
    pub deadline_from_header: bool,
    /// The function ARN that was invoked (empty when absent).
    pub invoked_function_arn: String,
    /// X-Ray trace header.
    pub xray_trace_id: Option<String>,
    /// Client context JSON.
    pub client_context: Option<String>,
    /// Cognito identity JSON.
    pub cognito_identity: Option<String>,
    /// Tenant id.
    pub tenant_id: Option<String>,
    /// `Lambda-Runtime-Invocation-Id`, echoed on every answer when `/next` sent it (absent on older APIs).
    pub invocation_id: Option<String>,
    /// The event, byte for byte.
    pub event: Bytes,
}

impl Invocation {
    /// Reads an invocation from `/next`'s headers; `None` when there is no usable request id (nothing can be
    /// answered without one). A header that is missing or not text is treated as absent.
    pub fn from_parts(headers: &HeaderMap, event: Bytes, default_timeout: Duration) -> Option<Self> {
        let text = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::trim)
                .filter(|v| !v.is_empty())
        };
        let request_id = text(REQUEST_ID)?.to_owned();
        let now_ms = epoch_ms(SystemTime::now());
        let plausible = |ms: &u64| ms.abs_diff(now_ms) <= PLAUSIBLE.as_millis() as u64;
        let header_deadline = text(DEADLINE_MS)
            .and_then(|v| v.parse::<u64>().ok())
            .filter(plausible);
        let deadline_ms =
            header_deadline.unwrap_or_else(|| now_ms.saturating_add(default_timeout.as_millis() as u64));
        Some(Self {
            request_id,
            deadline_ms,
            deadline_from_header: header_deadline.is_some(),
            invoked_function_arn: text(FUNCTION_ARN).unwrap_or_default().to_owned(),
            xray_trace_id: text(TRACE_ID).map(str::to_owned),
            client_context: text(CLIENT_CONTEXT).map(str::to_owned),
            cognito_identity: text(COGNITO_IDENTITY).map(str::to_owned),
            tenant_id: text(TENANT_ID).map(str::to_owned),
            invocation_id: text(INVOCATION_ID).map(str::to_owned),
            event,
        })
    }

    /// The request id and invocation id an answer to this invocation is posted under.
    pub fn answer_to(&self) -> AnswerTo {
        AnswerTo {
            request_id: self.request_id.clone(),
            invocation_id: self.invocation_id.clone(),
        }
    }

    /// Time left before the deadline, measured now (zero once it has passed).
    pub fn time_left(&self) -> Duration {
        Duration::from_millis(self.deadline_ms.saturating_sub(epoch_ms(SystemTime::now())))
    }
}

/// Which invocation an answer belongs to: its request id, and the invocation id to echo when there was one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnswerTo {
    /// The request id, in the answer's path.
    pub request_id: String,
    /// The `Lambda-Runtime-Invocation-Id` `/next` sent, echoed as a header; `None` sends no header.
    pub invocation_id: Option<String>,
}

/// Unix epoch milliseconds of `time` (0 before the epoch).
pub fn epoch_ms(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;
    use hyper::header::HeaderValue;

    fn headers(pairs: &[(&'static str, &[u8])]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            if let Ok(value) = HeaderValue::from_bytes(value) {
                map.insert(*name, value);
            }
        }
        map
    }

    #[test]
    fn missing_optional_headers_are_fine() {
        let inv = Invocation::from_parts(
            &headers(&[(REQUEST_ID, b"abc")]),
            Bytes::new(),
            Duration::from_secs(9),
        );
        let inv = inv.map(|i| {
            (
                i.time_left(),
                i.request_id,
                i.deadline_from_header,
                i.xray_trace_id,
            )
        });
        let (left, id, from_header, trace) = inv.unwrap_or_default();
        assert_eq!((id.as_str(), from_header, trace), ("abc", false, None));
        assert!(
            left > Duration::from_secs(8) && left <= Duration::from_secs(9),
            "{left:?}"
        );
    }

    #[test]
    fn implausible_deadline_falls_back_to_the_default() {
        let map = headers(&[(REQUEST_ID, b"a"), (DEADLINE_MS, b"600000")]);
        let inv = Invocation::from_parts(&map, Bytes::new(), Duration::from_secs(900));
        assert!(inv.is_some_and(|i| !i.deadline_from_header && i.time_left() > Duration::from_secs(890)));
    }

    #[test]
    fn real_deadline_is_used() {
        let deadline = epoch_ms(SystemTime::now()) + 3_000;
        let value = deadline.to_string();
        let map = headers(&[(REQUEST_ID, b"a"), (DEADLINE_MS, value.as_bytes())]);
        let inv = Invocation::from_parts(&map, Bytes::new(), Duration::from_secs(900));
        assert!(inv.is_some_and(|i| i.deadline_from_header && i.deadline_ms == deadline));
    }

    #[test]
    fn invocation_id_is_kept_when_sent() {
        let map = headers(&[(REQUEST_ID, b"a"), (INVOCATION_ID, b"inv-1")]);
        let inv = Invocation::from_parts(&map, Bytes::new(), Duration::from_secs(1));
        assert_eq!(
            inv.map(|i| i.answer_to().invocation_id),
            Some(Some("inv-1".to_owned()))
        );
        let map = headers(&[(REQUEST_ID, b"a")]);
        let inv = Invocation::from_parts(&map, Bytes::new(), Duration::from_secs(1));
        assert_eq!(inv.map(|i| i.answer_to().invocation_id), Some(None));
    }

    #[test]
    fn non_text_headers_are_absent_and_no_request_id_is_none() {
        let map = headers(&[(REQUEST_ID, b"a"), (TRACE_ID, b"\xff\xfe")]);
        let inv = Invocation::from_parts(&map, Bytes::new(), Duration::from_secs(1));
        assert!(inv.is_some_and(|i| i.xray_trace_id.is_none()));
        assert!(Invocation::from_parts(&headers(&[]), Bytes::new(), Duration::from_secs(1)).is_none());
    }
}
