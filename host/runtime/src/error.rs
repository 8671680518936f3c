//! What Lambda and the caller see when something fails: stable `errorType` strings and the error body.

use serde::Serialize;

/// Longest `errorMessage` posted, in bytes: a guest controls it, and Lambda truncates far shorter ones.
pub const MAX_ERROR_MESSAGE: usize = 64 * 1024;
/// Most `stackTrace` entries posted.
pub const MAX_STACK_FRAMES: usize = 128;
/// Longest single `stackTrace` entry, in bytes.
pub const MAX_STACK_FRAME: usize = 4 * 1024;

/// A failure during INIT, posted to `/runtime/init/error` before the process exits.
#[derive(Debug, thiserror::Error)]
pub enum InitError {
    /// A configuration variable is missing or has a value the host cannot use.
    #[error("{variable}={value:?} is not valid: expected {accepted}")]
    InvalidConfiguration {
        /// The variable's name.
        variable: String,
        /// The value found (empty when missing).
        value: String,
        /// What is accepted.
        accepted: String,
    },
    /// The component file does not exist.
    #[error("no component at {path}: set _HANDLER to the component's file name in LAMBDA_TASK_ROOT")]
    HandlerNotFound {
        /// The path looked for.
        path: String,
    },
    /// The file is not a component, or exports neither handler world.
    #[error("{0}")]
    InvalidComponent(String),
    /// A `.cwasm` built by another wasmtime version, for another CPU or with other settings.
    #[error("{0}")]
    IncompatibleArtifact(String),
    /// Anything else that stops INIT (e.g. instantiation trapped).
    #[error("{0}")]
    Other(String),
}

impl InitError {
    /// The `errorType` Lambda shows for this failure.
    pub fn error_type(&self) -> &'static str {
        match self {
            Self::InvalidConfiguration { .. } => "Runtime.InvalidConfiguration",
            Self::HandlerNotFound { .. } => "Runtime.HandlerNotFound",
            Self::InvalidComponent(_) => "Runtime.InvalidComponent",
            Self::IncompatibleArtifact(_) => "Runtime.IncompatibleArtifact",
            Self::Other(_) => "Runtime.InitError",
        }
    }

    /// The body posted to `/runtime/init/error`.
    pub fn report(&self) -> ErrorReport {
        ErrorReport::new(self.error_type(), self.to_string(), Vec::new())
    }
}

/// A failure of one invocation that is the host's to report (a guest's own error travels as it returned it).
#[derive(Debug, Clone, thiserror::Error)]
pub enum InvocationError {
    /// The deadline passed (less the margin) while the guest ran or waited in a host call.
    #[error("Task timed out after {seconds:.2} seconds")]
    Timeout {
        /// The function's timeout as Lambda words it (whole seconds when at least one).
        seconds: f64,
    },
    /// A memory growth was refused by the environment's memory budget, and the guest trapped.
    #[error(
        "the guest ran out of memory: its budget is {cap_mib} MiB (AWS_LAMBDA_FUNCTION_MEMORY_SIZE minus the \
         host's share, or LAMBDA_WASM_MEMORY_LIMIT_MB), shared by every concurrent invocation"
    )]
    OutOfMemory {
        /// The budget, in MiB.
        cap_mib: usize,
    },
    /// The guest panicked; the message is the one it passed to `record-panic`.
    #[error("{0}")]
    Panic(String),
    /// Any other trap: the trap's words.
    #[error("{0}")]
    Trap(String),
    /// The guest passed the host more than it copies in one call.
    #[error(
        "the guest passed the host more than {limit} bytes in one call (its result, a log record or a stream \
         write; strings that repeat one buffer count each time): nothing was copied"
    )]
    OutputTooLarge {
        /// The limit, in bytes.
        limit: usize,
    },
    /// The guest holds as many resources (files, streams, HTTP fields) as an instance may.
    #[error(
        "the guest holds {limit} resources (open files, streams, HTTP fields), the most one instance may: close \
         some before opening more"
    )]
    TooManyResources {
        /// The limit.
        limit: usize,
    },
    /// The guest put more into one `wasi:http` `fields` resource than the host keeps.
    #[error(
        "the guest's HTTP header fields exceed {limit} bytes (names and values, plus the host's own per field), \
         the most one `fields` resource holds"
    )]
    FieldsTooLarge {
        /// The limit, in bytes.
        limit: usize,
    },
    /// The guest asked `wasi:random` for more bytes in one call than the host gives at once.
    #[error(
        "the guest asked for {requested} random bytes in one call, more than the {limit} the host gives at once: \
         ask in parts"
    )]
    RandomTooLarge {
        /// What the guest asked for, in bytes.
        requested: u64,
        /// The limit, in bytes.
        limit: u64,
    },
    /// A buffered response over Lambda's limit, caught before posting.
    #[error("Response payload size ({size} bytes) exceeded maximum allowed payload size ({limit} bytes).")]
    ResponseTooLarge {
        /// The response's size.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// No instance could be made for the invocation (its start function trapped, ran past its deadline, or
    /// the memory budget was spent).
    #[error("instantiating the component failed: {0}")]
    Instantiation(String),
    /// The streamed response could not be carried.
    #[error("{0}")]
    Stream(String),
    /// `/next` delivered an event larger than the runtime accepts.
    #[error("the event is larger than {limit} bytes, the most this runtime reads")]
    EventTooLarge {
        /// The limit, in bytes.
        limit: usize,
    },
    /// `/next`'s event body broke off.
    #[error("the event could not be read: {0}")]
    EventUnreadable(String),
}

impl InvocationError {
    /// The `errorType` Lambda shows for this failure.
    pub fn error_type(&self) -> &'static str {
        match self {
            Self::Timeout { .. } => "Sandbox.Timeout",
            Self::OutOfMemory { .. } => "Runtime.OutOfMemory",
            Self::Panic(_) => "Runtime.Panic",
            Self::Trap(_) => "Runtime.WasmTrap",
            Self::ResponseTooLarge { .. } => "Function.ResponseSizeTooLarge",
            Self::OutputTooLarge { .. } => "Runtime.OutputTooLarge",
            Self::TooManyResources { .. } => "Runtime.TooManyResources",
            Self::RandomTooLarge { .. } => "Runtime.RandomTooLarge",
            Self::FieldsTooLarge { .. } => "Runtime.FieldsTooLarge",
            Self::Instantiation(_) => "Runtime.InstantiationError",
            Self::Stream(_) => "Runtime.StreamError",
            Self::EventTooLarge { .. } => "Runtime.EventTooLarge",
            Self::EventUnreadable(_) => "Runtime.EventUnreadable",
        }
    }

    /// The error body, with the guest's stack (innermost first) when there is one.
    pub fn report(&self, stack_trace: Vec<String>) -> ErrorReport {
        ErrorReport::new(self.error_type(), self.to_string(), stack_trace)
    }
}

/// The Runtime API's error body: `{"errorMessage", "errorType", "stackTrace"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ErrorReport {
    /// `errorMessage`, at most [`MAX_ERROR_MESSAGE`] bytes.
    #[serde(rename = "errorMessage")]
    pub error_message: String,
    /// `errorType`: ours (`Runtime.WasmTrap`) or a guest's own, unchanged.
    #[serde(rename = "errorType")]
    pub error_type: String,
    /// `stackTrace`: an array of strings, innermost first.
    #[serde(rename = "stackTrace")]
    pub stack_trace: Vec<String>,
}

impl ErrorReport {
    /// Builds a report, cutting every guest-controlled part to its bound.
    pub fn new(error_type: impl Into<String>, message: impl Into<String>, stack_trace: Vec<String>) -> Self {
        let mut error_type = error_type.into();
        truncate(&mut error_type, 256);
        let mut error_message = message.into();
        truncate(&mut error_message, MAX_ERROR_MESSAGE);
        let stack_trace = stack_trace
            .into_iter()
            .take(MAX_STACK_FRAMES)
            .map(|mut frame| {
                truncate(&mut frame, MAX_STACK_FRAME);
                frame
            })
            .collect();
        Self {
            error_message,
            error_type,
            stack_trace,
        }
    }

    /// The JSON body.
    pub fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_else(|_| b"{}".to_vec())
    }

    /// The `Lambda-Runtime-Function-Error-Type` header: always `Runtime.<Reason>` or `Function.<Reason>`
    /// (the form the Runtime API accepts), while the body keeps the guest's own type unchanged.
    pub fn header_type(&self) -> String {
        if let Some((category, reason)) = self.error_type.split_once('.')
            && matches!(category, "Runtime" | "Function")
            && is_reason(reason)
        {
            return self.error_type.clone();
        }
        let mut reason: String = self
            .error_type
            .chars()
            .filter(char::is_ascii_alphabetic)
            .collect();
        if let Some(first) = reason.get_mut(..1) {
            first.make_ascii_uppercase();
        }
        if reason.len() < 2 {
            reason = "Unhandled".to_owned();
        }
        format!("Function.{reason}")
    }
}

fn is_reason(reason: &str) -> bool {
    let mut chars = reason.chars();
    chars.next().is_some_and(|c| c.is_ascii_uppercase()) && chars.all(|c| c.is_ascii_alphabetic())
}

/// Cuts `text` to at most `max` bytes on a character boundary, marking the cut.
pub fn truncate(text: &mut String, max: usize) {
    if text.len() <= max {
        return;
    }
    let mut end = max.saturating_sub(3);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text.truncate(end);
    text.push_str("...");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_type_keeps_runtime_types_and_wraps_guest_types() {
        let header = |t: &str| ErrorReport::new(t, "m", vec![]).header_type();
        assert_eq!(header("Runtime.Panic"), "Runtime.Panic");
        assert_eq!(
            header("Function.ResponseSizeTooLarge"),
            "Function.ResponseSizeTooLarge"
        );
        assert_eq!(header("ValidationError"), "Function.ValidationError");
        assert_eq!(header("my_error::thing"), "Function.Myerrorthing");
        assert_eq!(header("Sandbox.Timeout"), "Function.SandboxTimeout");
        assert_eq!(header("??"), "Function.Unhandled");
    }

    #[test]
    fn guest_controlled_parts_are_bounded() {
        let long = "é".repeat(MAX_ERROR_MESSAGE);
        let report = ErrorReport::new("T", long.clone(), vec![long; 1000]);
        assert!(report.error_message.len() <= MAX_ERROR_MESSAGE);
        assert_eq!(report.stack_trace.len(), MAX_STACK_FRAMES);
        assert!(report.stack_trace.iter().all(|f| f.len() <= MAX_STACK_FRAME));
    }
}
