//! What the embedder chooses: the bootstrap command, the function's settings and where logs go.

use std::ffi::OsString;
use std::io::Write as _;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// Where the bootstrap's stdout/stderr lines and the emulator's START/END/REPORT lines go.
///
/// Each call receives one line without its line terminator. A sink shared by both outputs keeps their
/// lines whole (they are never interleaved inside a line).
pub type LogSink = Arc<dyn Fn(&str) + Send + Sync>;

/// A [`LogSink`] that prints each line to the emulator's own stdout.
///
/// A failed write (a closed pipe, say) is ignored: losing a log line must not stop the emulator.
pub fn stdout_sink() -> LogSink {
    Arc::new(|line: &str| {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{line}");
    })
}

/// Lambda's default function name in AWS's runtime interface emulator (RIE).
pub const DEFAULT_FUNCTION_NAME: &str = "test_function";
/// RIE's default memory size, in MB.
pub const DEFAULT_MEMORY_MB: u32 = 3008;
/// RIE's default function timeout.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(300);
/// The invoke port used by convention with RIE (`-p 9000:8080`).
pub const DEFAULT_INVOKE_PORT: u16 = 9000;

/// The largest event the invoke endpoint accepts: Lambda's synchronous payload limit, 6 MiB.
pub const MAX_EVENT_BYTES: usize = 6 * 1024 * 1024;
/// The largest response a runtime may post: Lambda allows 6 MiB plus 100 bytes; over it answers 413.
pub const MAX_RESPONSE_BYTES: usize = MAX_EVENT_BYTES + 100;
/// The largest streamed response (`Lambda-Runtime-Function-Response-Mode: streaming`): 200 MiB, Lambda's
/// limit since July 2025. Past it the runtime is answered 413 and the caller gets
/// `Function.ResponseSizeTooLarge`.
///
/// Lambda also sends the first 6 MB of a stream unthrottled and the rest at 2 MB/s at most; the emulator
/// does not throttle.
pub const MAX_STREAM_BYTES: usize = 200 * 1024 * 1024;
/// The longest shutdown phase Lambda allows (with an external extension): SIGTERM, then SIGKILL this much later.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(2);
/// How long the init phase (spawn to first `/next`) may last for an on-demand function.
pub const INIT_TIMEOUT: Duration = Duration::from_secs(10);

/// How to run the emulator.
///
/// Defaults (those of AWS's runtime interface emulator):
/// - `command`: empty (it must be set: [`crate::Emulator::start`] refuses an empty command);
/// - `env`: none;
/// - `function_name`: `test_function`;
/// - `memory_mb`: 3008;
/// - `timeout`: 300 s;
/// - `invoke_addr`: `127.0.0.1:9000`;
/// - `runtime_api_addr`: `127.0.0.1:0` (any free port; the bootstrap is told which);
/// - `log_sink`: [`stdout_sink`];
/// - `working_dir`: none (the emulator's own current directory);
/// - `max_stream_bytes`: [`MAX_STREAM_BYTES`] (200 MiB);
/// - `concurrency`: 1 (one invocation at a time, as on-demand Lambda and RIE);
/// - `shutdown_grace`: [`SHUTDOWN_GRACE`] (2 s).
#[derive(Clone)]
pub struct EmulatorConfig {
    /// Program and arguments of the bootstrap to spawn: any program that speaks the Runtime API.
    pub command: Vec<OsString>,
    /// Extra environment variables for the bootstrap (the user's `--env`, `_HANDLER`, `LAMBDA_TASK_ROOT`);
    /// they are set last, so they override the inherited environment and the Lambda defaults.
    pub env: Vec<(String, String)>,
    /// The function name the bootstrap sees (`AWS_LAMBDA_FUNCTION_NAME`, the ARN, the log group).
    pub function_name: String,
    /// The memory size reported to the bootstrap and in REPORT lines; not enforced.
    pub memory_mb: u32,
    /// The function timeout: the bootstrap is killed this long after an invocation is handed out.
    pub timeout: Duration,
    /// Where the invoke endpoint listens; port 0 picks a free port (see [`crate::Emulator::invoke_addr`]).
    pub invoke_addr: SocketAddr,
    /// Where the Runtime API listens; port 0 picks a free port, which is passed to the bootstrap.
    pub runtime_api_addr: SocketAddr,
    /// Receives the bootstrap's output and the START/END/REPORT lines, one line per call.
    pub log_sink: LogSink,
    /// The bootstrap's working directory, and the default `LAMBDA_TASK_ROOT`.
    pub working_dir: Option<PathBuf>,
    /// The largest streamed response, in bytes (HTTP-integration prelude included); a smaller value makes
    /// the limit testable without sending 200 MiB.
    pub max_stream_bytes: usize,
    /// How many invocations run at once in the one environment. Above 1 it is a Lambda Managed Instances
    /// environment: the bootstrap gets `AWS_LAMBDA_MAX_CONCURRENCY` and
    /// `AWS_LAMBDA_INITIALIZATION_TYPE=lambda-managed-instances`, and a timed-out invocation is answered to its
    /// caller while the bootstrap lives on (its late answer is refused with 410), as Lambda does there.
    pub concurrency: usize,
    /// At shutdown, how long the bootstrap has between SIGTERM and SIGKILL. SIGTERM is sent, as on Lambda, when
    /// the bootstrap registered an extension or runs under Managed Instances; otherwise it is killed at once.
    pub shutdown_grace: Duration,
}

impl Default for EmulatorConfig {
    fn default() -> Self {
        Self {
            command: Vec::new(),
            env: Vec::new(),
            function_name: DEFAULT_FUNCTION_NAME.to_owned(),
            memory_mb: DEFAULT_MEMORY_MB,
            timeout: DEFAULT_TIMEOUT,
            invoke_addr: SocketAddr::from((Ipv4Addr::LOCALHOST, DEFAULT_INVOKE_PORT)),
            runtime_api_addr: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            log_sink: stdout_sink(),
            working_dir: None,
            max_stream_bytes: MAX_STREAM_BYTES,
            concurrency: 1,
            shutdown_grace: SHUTDOWN_GRACE,
        }
    }
}

impl std::fmt::Debug for EmulatorConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmulatorConfig")
            .field("command", &self.command)
            .field("env", &self.env)
            .field("function_name", &self.function_name)
            .field("memory_mb", &self.memory_mb)
            .field("timeout", &self.timeout)
            .field("invoke_addr", &self.invoke_addr)
            .field("runtime_api_addr", &self.runtime_api_addr)
            .field("working_dir", &self.working_dir)
            .field("max_stream_bytes", &self.max_stream_bytes)
            .field("concurrency", &self.concurrency)
            .field("shutdown_grace", &self.shutdown_grace)
            .finish_non_exhaustive()
    }
}
