//! Errors as the outside sees them: the Runtime API's and invoke endpoint's HTTP errors, and the function
//! errors the emulator reports to an invoke caller on the runtime's behalf. Each has a stable `errorType`.

use std::time::Duration;

use bytes::Bytes;
use hyper::StatusCode;
use serde::Serialize;

use crate::config::MAX_EVENT_BYTES;

/// The JSON error body Lambda uses everywhere. Field order matters to byte-exact clients: the Runtime
/// API's 413 body is `{"errorMessage":...,"errorType":...}`, so `errorMessage` comes first.
#[derive(Serialize)]
struct ErrorBody<'a> {
    /// Human-readable text.
    #[serde(rename = "errorMessage")]
    message: &'a str,
    /// The stable machine-readable name.
    #[serde(rename = "errorType")]
    error_type: &'a str,
}

/// `{"errorMessage":...,"errorType":...}` as bytes.
pub(crate) fn error_json(error_type: &str, message: &str) -> Bytes {
    let body = ErrorBody { message, error_type };
    // Serializing two strings cannot fail; fall back to an empty object rather than panic.
    Bytes::from(serde_json::to_vec(&body).unwrap_or_else(|_| b"{}".to_vec()))
}

/// An HTTP error answered by the Runtime API or the invoke endpoint.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ApiError {
    /// The request id is not one this emulator handed out (RUNTIME-API.md: 400).
    #[error("Invalid request ID: {0}")]
    UnknownRequestId(String),
    /// The request id was already answered, or the init phase is over (RUNTIME-API.md: 403).
    #[error("Invalid state transition: {0}")]
    InvalidStateTransition(&'static str),
    /// A runtime response over its limit (6 MiB + 100 bytes buffered, the configured limit streamed): the
    /// exact body Lambda answers.
    #[error("Exceeded maximum allowed payload size ({0} bytes).")]
    ResponseTooLarge(usize),
    /// `Lambda-Runtime-Function-Response-Mode` has a value other than `streaming`.
    #[error(
        "Invalid Lambda-Runtime-Function-Response-Mode: {0:?} (the only accepted value is \"streaming\")"
    )]
    InvalidResponseMode(String),
    /// A streamed HTTP-integration response whose prelude is not JSON followed by 8 NUL bytes within
    /// 64 KiB.
    #[error("Invalid HTTP integration response prelude: {0}")]
    InvalidHttpPrelude(String),
    /// The request body could not be read (a truncated upload, a dropped connection).
    #[error("The request body could not be read: {0}")]
    BadBody(String),
    /// The `/next` poller belongs to a bootstrap that has been replaced: it must exit.
    #[error("This runtime was replaced by a new one; exit now")]
    StaleRuntime,
    /// An answer to an invocation that is over: it timed out while its runtime lived on (Managed
    /// Instances), or its invocation id names an earlier invocation of a reused request id.
    #[error("Gone: {0}")]
    Gone(String),
    /// No route matches.
    #[error("No route for {0}")]
    NotFound(String),
    /// An invoke event over 6 MiB.
    #[error("Request must be smaller than {MAX_EVENT_BYTES} bytes for the InvokeFunction operation")]
    EventTooLarge,
    /// `X-Amz-Client-Context` is not base64 of a JSON object.
    #[error("Client context must be a valid Base64-encoded JSON object")]
    InvalidClientContext,
}

impl ApiError {
    /// The HTTP status code Lambda answers with.
    pub(crate) fn status(&self) -> StatusCode {
        match self {
            Self::UnknownRequestId(_)
            | Self::InvalidResponseMode(_)
            | Self::InvalidHttpPrelude(_)
            | Self::BadBody(_)
            | Self::InvalidClientContext => StatusCode::BAD_REQUEST,
            Self::InvalidStateTransition(_) => StatusCode::FORBIDDEN,
            Self::ResponseTooLarge(_) | Self::EventTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::StaleRuntime => StatusCode::INTERNAL_SERVER_ERROR,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::Gone(_) => StatusCode::GONE,
        }
    }

    /// The stable `errorType`.
    pub(crate) fn error_type(&self) -> &'static str {
        match self {
            Self::UnknownRequestId(_) => "InvalidRequestID",
            Self::InvalidStateTransition(_) => "InvalidStateTransition",
            Self::ResponseTooLarge(_) | Self::EventTooLarge => "RequestEntityTooLarge",
            Self::InvalidResponseMode(_) => "InvalidResponseMode",
            Self::InvalidHttpPrelude(_) => "InvalidHttpPrelude",
            Self::BadBody(_) => "InvalidRequestBody",
            Self::StaleRuntime => "Runtime.Replaced",
            Self::NotFound(_) => "NotFound",
            Self::Gone(_) => "InvocationGone",
            Self::InvalidClientContext => "InvalidRequestContentException",
        }
    }

    /// The JSON body.
    pub(crate) fn body(&self) -> Bytes {
        error_json(self.error_type(), &self.to_string())
    }
}

/// A function error the emulator reports to the invoke caller on the runtime's behalf (200 with
/// `X-Amz-Function-Error: Unhandled`), named as Lambda names them.
#[derive(Debug, thiserror::Error)]
pub(crate) enum FunctionFailure {
    /// The bootstrap exited (or died) with a failure before answering.
    #[error("RequestId: {request_id} Error: Runtime exited with error: {reason}")]
    Exited {
        /// The invocation that was waiting.
        request_id: String,
        /// Go-style exit text, as Lambda shows it: `exit status 3`, `signal: 9`.
        reason: String,
    },
    /// The bootstrap exited with status 0 before answering.
    #[error("RequestId: {request_id} Error: Runtime exited without providing a reason")]
    ExitedWithoutReason {
        /// The invocation that was waiting.
        request_id: String,
    },
    /// The bootstrap could not be started at all.
    #[error("RequestId: {request_id} Error: Could not start the bootstrap: {reason}")]
    InvalidEntrypoint {
        /// The invocation that was waiting.
        request_id: String,
        /// The operating system's error.
        reason: String,
    },
    /// The invocation outlived the function timeout; the bootstrap was killed.
    #[error("Task timed out after {:.2} seconds", .0.as_secs_f64())]
    Timeout(Duration),
    /// The init phase outlived its limit; the bootstrap was killed.
    #[error("Init timed out after {:.2} seconds", .0.as_secs_f64())]
    InitTimeout(Duration),
    /// The runtime posted or streamed a response over this limit (it was answered 413).
    #[error("Response payload size exceeded maximum allowed payload size ({0} bytes).")]
    ResponseTooLarge(usize),
    /// A streamed HTTP-integration response had no valid prelude (the runtime was answered 400).
    #[error("Invalid HTTP integration response prelude: {0}")]
    InvalidHttpPrelude(String),
    /// A streamed response broke off without its end (the connection dropped).
    #[error("The runtime's streamed response ended before it was complete")]
    Truncated,
    /// The emulator stopped before the invocation ended.
    #[error("RequestId: {request_id} Error: The emulator stopped")]
    Stopped {
        /// The invocation that was running.
        request_id: String,
    },
}

impl FunctionFailure {
    /// The stable `errorType`.
    pub(crate) fn error_type(&self) -> &'static str {
        match self {
            Self::Exited { .. } | Self::ExitedWithoutReason { .. } | Self::Stopped { .. } => {
                "Runtime.ExitError"
            }
            Self::InvalidEntrypoint { .. } => "Runtime.InvalidEntrypoint",
            Self::Timeout(_) | Self::InitTimeout(_) => "Sandbox.Timeout",
            Self::ResponseTooLarge(_) => "Function.ResponseSizeTooLarge",
            Self::InvalidHttpPrelude(_) => "Runtime.InvalidHttpPrelude",
            Self::Truncated => "Runtime.TruncatedResponse",
        }
    }
}

/// Whether `name` has the shape Lambda accepts in `Lambda-Runtime-Function-Error-Type`:
/// `(Runtime|Function)\.[A-Z][a-zA-Z]+`. RIE rewrites anything else to `Runtime.Unknown`.
pub(crate) fn is_valid_error_type(name: &str) -> bool {
    let Some(reason) = name
        .strip_prefix("Runtime.")
        .or_else(|| name.strip_prefix("Function."))
    else {
        return false;
    };
    let mut chars = reason.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_uppercase())
        && reason.len() >= 2
        && chars.all(|c| c.is_ascii_alphabetic())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn too_large_body_is_exact() {
        assert_eq!(
            ApiError::ResponseTooLarge(crate::config::MAX_RESPONSE_BYTES).body(),
            Bytes::from_static(
                b"{\"errorMessage\":\"Exceeded maximum allowed payload size (6291556 bytes).\",\"errorType\":\"RequestEntityTooLarge\"}"
            )
        );
    }

    #[test]
    fn timeout_message_has_two_decimals() {
        assert_eq!(
            FunctionFailure::Timeout(Duration::from_secs(3)).to_string(),
            "Task timed out after 3.00 seconds"
        );
        assert_eq!(
            FunctionFailure::InitTimeout(Duration::from_millis(10_000)).to_string(),
            "Init timed out after 10.00 seconds"
        );
    }

    #[test]
    fn error_type_shape() {
        assert!(is_valid_error_type("Runtime.HandlerNotFound"));
        assert!(is_valid_error_type("Function.Oops"));
        assert!(!is_valid_error_type("Function.O"));
        assert!(!is_valid_error_type("Runtime.lower"));
        assert!(!is_valid_error_type("Other.Thing"));
        assert!(!is_valid_error_type("Runtime.Bad_Name"));
    }
}
