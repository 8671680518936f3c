//! The bootstrap process: spawn it, forward its output line by line, notice its exit, kill it.

use std::ffi::OsString;
use std::io;
use std::process::{ExitStatus, Stdio};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt as _, AsyncRead, BufReader};
use tokio::process::Command;
use tokio::sync::{oneshot, watch};
use tokio::task::JoinSet;

use crate::config::LogSink;

/// The longest line forwarded as one: longer output is split, so a runtime that never writes a newline
/// cannot make the emulator buffer without bound.
pub(crate) const MAX_LINE_BYTES: usize = 256 * 1024;

/// How long to let the last output reach the sink after the bootstrap exits, before its exit is reported.
/// It keeps a crash's last stderr lines ahead of END/REPORT, without waiting on a grandchild process that
/// keeps the pipes open.
const OUTPUT_DRAIN: Duration = Duration::from_millis(200);

/// How a bootstrap ended, as Lambda words it (Go's `ProcessState` text).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Exit {
    /// It exited with this status code.
    Code(i32),
    /// A signal ended it.
    Signal(i32),
    /// Its end could not be observed (the wait itself failed).
    Unknown(String),
}

impl Exit {
    /// `exit status 3`, `signal: 9`.
    pub(crate) fn describe(&self) -> String {
        match self {
            Self::Code(code) => format!("exit status {code}"),
            Self::Signal(signal) => format!("signal: {signal}"),
            Self::Unknown(reason) => reason.clone(),
        }
    }

    fn from_status(status: ExitStatus) -> Self {
        if let Some(code) = status.code() {
            return Self::Code(code);
        }
        #[cfg(unix)]
        {
            use std::os::unix::process::ExitStatusExt as _;
            if let Some(signal) = status.signal() {
                return Self::Signal(signal);
            }
        }
        Self::Unknown(status.to_string())
    }
}

/// A handle on a running (or ended) bootstrap. Dropping it kills the process.
pub(crate) struct Process {
    /// The operating system's id, for reading `/proc/<pid>/status` in REPORT lines.
    pid: Option<u32>,
    /// Sending (or dropping) it makes the supervising task kill the process.
    kill: Option<oneshot::Sender<()>>,
    /// `None` while running, then how it ended (set once the process has been reaped).
    exit: watch::Receiver<Option<Exit>>,
}

impl Process {
    /// Spawns `command` with the inherited environment plus `env`, pipes its stdout and stderr to `sink`
    /// line by line, and supervises it in a task of its own.
    pub(crate) fn spawn(
        command: &[OsString],
        env: Vec<(String, OsString)>,
        working_dir: Option<&std::path::Path>,
        sink: &LogSink,
    ) -> io::Result<Self> {
        let Some((program, args)) = command.split_first() else {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "empty bootstrap command",
            ));
        };
        let mut builder = Command::new(program);
        builder
            .args(args)
            .envs(env)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            // Also covers a dropped emulator whose tokio runtime is going away.
            .kill_on_drop(true);
        if let Some(dir) = working_dir {
            builder.current_dir(dir);
        }
        let mut child = builder.spawn()?;
        let pid = child.id();

        let mut output = JoinSet::new();
        if let Some(stdout) = child.stdout.take() {
            output.spawn(forward_lines(stdout, sink.clone()));
        }
        if let Some(stderr) = child.stderr.take() {
            output.spawn(forward_lines(stderr, sink.clone()));
        }

        let (kill_tx, kill_rx) = oneshot::channel::<()>();
        let (exit_tx, exit_rx) = watch::channel(None);
        tokio::spawn(async move {
            let status = tokio::select! {
                status = child.wait() => status,
                // Sent or dropped: either way the process must go.
                _ = kill_rx => {
                    let _ = child.start_kill();
                    child.wait().await
                }
            };
            let exit = match status {
                Ok(status) => Exit::from_status(status),
                Err(error) => Exit::Unknown(format!("wait failed: {error}")),
            };
            let drained = async { while output.join_next().await.is_some() {} };
            let _ = tokio::time::timeout(OUTPUT_DRAIN, drained).await;
            // Dropping `output` here stops forwarding for grandchildren still holding the pipes.
            let _ = exit_tx.send(Some(exit));
        });

        Ok(Self {
            pid,
            kill: Some(kill_tx),
            exit: exit_rx,
        })
    }

    /// The process id, while the operating system still knows it.
    pub(crate) fn pid(&self) -> Option<u32> {
        self.pid
    }

    /// Asks for the process to be killed (SIGKILL, as Lambda does); [`ExitWatch::wait`] sees it end.
    pub(crate) fn kill(&mut self) {
        if let Some(kill) = self.kill.take() {
            let _ = kill.send(());
        }
    }

    /// Sends SIGTERM (shutdown: the process may finish its work and exit within the grace).
    pub(crate) fn terminate(&self) {
        if let Some(pid) = self.pid.and_then(|pid| i32::try_from(pid).ok())
            && !self.has_exited()
        {
            // SAFETY: kill(2) has no memory effects; the pid is our child's, not yet reaped (so not reused).
            unsafe {
                libc::kill(pid, libc::SIGTERM);
            }
        }
    }

    /// Whether the process has ended and been reaped.
    pub(crate) fn has_exited(&self) -> bool {
        self.exit.borrow().is_some()
    }

    /// A handle that waits for the end of the process.
    pub(crate) fn exit_watch(&self) -> ExitWatch {
        ExitWatch(self.exit.clone())
    }
}

/// Waits for a bootstrap's end, independently of the [`Process`] handle.
#[derive(Clone)]
pub(crate) struct ExitWatch(watch::Receiver<Option<Exit>>);

impl ExitWatch {
    /// Resolves once the process has ended, with how it ended.
    pub(crate) async fn wait(&mut self) -> Exit {
        match self.0.wait_for(Option::is_some).await {
            Ok(exit) => exit
                .clone()
                .unwrap_or_else(|| Exit::Unknown("unknown".to_owned())),
            // The supervising task is gone (the tokio runtime is shutting down): the process went with it.
            Err(_) => Exit::Unknown("the supervisor stopped".to_owned()),
        }
    }
}

/// Sends each line read from `reader` to `sink`: lines are split at [`MAX_LINE_BYTES`], `\r\n` and `\n`
/// are stripped, and bytes that are not UTF-8 are replaced (never refused).
pub(crate) async fn forward_lines<R: AsyncRead + Unpin>(reader: R, sink: LogSink) {
    let mut reader = BufReader::new(reader);
    let mut line: Vec<u8> = Vec::new();
    loop {
        let available = match reader.fill_buf().await {
            Ok([]) | Err(_) => break,
            Ok(available) => available,
        };
        let room = MAX_LINE_BYTES.saturating_sub(line.len());
        let window = &available[..available.len().min(room)];
        match window.iter().position(|&byte| byte == b'\n') {
            Some(end) => {
                line.extend_from_slice(&window[..end]);
                reader.consume(end + 1);
                emit(&sink, &mut line);
            }
            None => {
                let taken = window.len();
                line.extend_from_slice(window);
                reader.consume(taken);
                if line.len() >= MAX_LINE_BYTES {
                    emit(&sink, &mut line);
                }
            }
        }
    }
    if !line.is_empty() {
        emit(&sink, &mut line);
    }
}

/// Sends one line and empties the buffer.
fn emit(sink: &LogSink, line: &mut Vec<u8>) {
    if line.last() == Some(&b'\r') {
        line.pop();
    }
    sink(&String::from_utf8_lossy(line));
    line.clear();
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    #[expect(clippy::unwrap_used, reason = "test code")]
    fn collect(input: Vec<u8>) -> Vec<String> {
        let lines = Arc::new(Mutex::new(Vec::new()));
        let sink_lines = lines.clone();
        let sink: LogSink = Arc::new(move |line: &str| sink_lines.lock().unwrap().push(line.to_owned()));
        let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
        runtime.block_on(forward_lines(&input[..], sink));
        lines.lock().unwrap().clone()
    }

    #[test]
    fn splits_lines_and_strips_terminators() {
        assert_eq!(collect(b"a\r\nb\n\nlast".to_vec()), ["a", "b", "", "last"]);
    }

    #[test]
    fn bounds_long_lines_and_passes_bad_utf8() {
        let mut input = vec![b'x'; MAX_LINE_BYTES + 10];
        input.extend_from_slice(b"\n\xff\xfeok\n");
        let lines = collect(input);
        assert_eq!(lines.len(), 3);
        assert_eq!(lines[0].len(), MAX_LINE_BYTES);
        assert_eq!(lines[1], "x".repeat(10));
        assert_eq!(lines[2], "\u{fffd}\u{fffd}ok");
    }

    #[test]
    fn exit_texts() {
        assert_eq!(Exit::Code(3).describe(), "exit status 3");
        assert_eq!(Exit::Signal(9).describe(), "signal: 9");
    }
}
