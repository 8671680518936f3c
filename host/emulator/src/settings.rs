//! Values derived once from the [`EmulatorConfig`]: the region, the function ARN and the environment the
//! bootstrap is spawned with.

use std::ffi::OsString;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use crate::config::{EmulatorConfig, LogSink};
use crate::ids;

/// The region when neither the user's `--env` nor the emulator's own environment names one.
const DEFAULT_REGION: &str = "us-east-1";

/// The configuration, checked and completed.
pub(crate) struct Settings {
    /// Program and arguments of the bootstrap (never empty: checked by [`Settings::new`]).
    pub(crate) command: Vec<OsString>,
    /// The user's environment variables, set last.
    pub(crate) extra_env: Vec<(String, String)>,
    /// `AWS_LAMBDA_FUNCTION_NAME`.
    pub(crate) function_name: String,
    /// `AWS_LAMBDA_FUNCTION_MEMORY_SIZE` and the REPORT line's `Memory Size`.
    pub(crate) memory_mb: u32,
    /// The function timeout, counted from hand-out.
    pub(crate) timeout: Duration,
    /// The region in the ARN and, unless inherited, in `AWS_REGION`/`AWS_DEFAULT_REGION`.
    pub(crate) region: String,
    /// `Lambda-Runtime-Invoked-Function-Arn`.
    pub(crate) function_arn: String,
    /// Where output and report lines go.
    pub(crate) log_sink: LogSink,
    /// The bootstrap's working directory.
    pub(crate) working_dir: Option<PathBuf>,
    /// The default `LAMBDA_TASK_ROOT`: the working directory, or the emulator's current directory.
    pub(crate) task_root: Option<PathBuf>,
    /// The largest streamed response.
    pub(crate) max_stream_bytes: usize,
    /// How many invocations run at once (above 1: Managed Instances).
    pub(crate) concurrency: usize,
    /// Between SIGTERM and SIGKILL at shutdown.
    pub(crate) shutdown_grace: Duration,
}

impl Settings {
    /// Checks `config` and derives what every spawn and invocation needs.
    pub(crate) fn new(config: EmulatorConfig) -> anyhow::Result<Self> {
        anyhow::ensure!(
            !config.command.is_empty(),
            "the emulator needs a bootstrap command to spawn (EmulatorConfig::command is empty)"
        );
        let region = lookup(&config.env, "AWS_REGION")
            .or_else(|| std::env::var("AWS_REGION").ok())
            .filter(|region| !region.is_empty())
            .unwrap_or_else(|| DEFAULT_REGION.to_owned());
        let function_arn = ids::function_arn(&region, &config.function_name);
        let task_root = config
            .working_dir
            .clone()
            .or_else(|| std::env::current_dir().ok());
        anyhow::ensure!(config.concurrency >= 1, "the concurrency must be 1 or more");
        Ok(Self {
            concurrency: config.concurrency,
            shutdown_grace: config.shutdown_grace,
            command: config.command,
            extra_env: config.env,
            function_name: config.function_name,
            memory_mb: config.memory_mb,
            timeout: config.timeout,
            region,
            function_arn,
            log_sink: config.log_sink,
            working_dir: config.working_dir,
            task_root,
            max_stream_bytes: config.max_stream_bytes,
        })
    }

    /// The variables Lambda sets for a custom runtime, then the user's on top. The bootstrap also inherits
    /// the emulator's own environment (set by the spawner), which these override.
    pub(crate) fn bootstrap_env(&self, runtime_api: SocketAddr) -> Vec<(String, OsString)> {
        let mut env: Vec<(String, OsString)> = Vec::new();
        let mut set = |name: &str, value: OsString| env.push((name.to_owned(), value));
        // Bare host:port, as on Lambda: AWS's Python client rejects a scheme or a path prefix.
        set("AWS_LAMBDA_RUNTIME_API", runtime_api.to_string().into());
        set("AWS_LAMBDA_FUNCTION_NAME", self.function_name.clone().into());
        set("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST".into());
        set(
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
            self.memory_mb.to_string().into(),
        );
        // A region the user already has (for their SDK calls) is kept.
        for name in ["AWS_REGION", "AWS_DEFAULT_REGION"] {
            if std::env::var_os(name).is_none_or(|value| value.is_empty()) {
                set(name, self.region.clone().into());
            }
        }
        set(
            "AWS_LAMBDA_LOG_GROUP_NAME",
            format!("/aws/lambda/{}", self.function_name).into(),
        );
        set("AWS_LAMBDA_LOG_STREAM_NAME", ids::log_stream_name().into());
        if self.concurrency > 1 {
            set(
                "AWS_LAMBDA_INITIALIZATION_TYPE",
                "lambda-managed-instances".into(),
            );
            set("AWS_LAMBDA_MAX_CONCURRENCY", self.concurrency.to_string().into());
        } else {
            set("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand".into());
        }
        set("TZ", ":UTC".into());
        if let Some(root) = &self.task_root {
            set("LAMBDA_TASK_ROOT", root.clone().into());
        }
        for (name, value) in &self.extra_env {
            set(name, value.into());
        }
        env
    }
}

/// The last value of `name` in a list of variables (later entries win, as on a command line).
fn lookup(env: &[(String, String)], name: &str) -> Option<String> {
    env.iter()
        .rev()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_env_wins_and_runtime_api_is_bare() {
        let config = EmulatorConfig {
            command: vec!["bootstrap".into()],
            env: vec![
                ("AWS_REGION".into(), "eu-west-3".into()),
                ("TZ".into(), "Europe/Paris".into()),
            ],
            function_name: "echo".into(),
            ..EmulatorConfig::default()
        };
        let Ok(settings) = Settings::new(config) else {
            unreachable!("a command is set");
        };
        assert_eq!(
            settings.function_arn,
            "arn:aws:lambda:eu-west-3:012345678912:function:echo"
        );
        let env = settings.bootstrap_env(SocketAddr::from(([127, 0, 0, 1], 9001)));
        let last = |name: &str| {
            env.iter()
                .rev()
                .find(|(key, _)| key == name)
                .map(|(_, value)| value.clone())
        };
        assert_eq!(last("AWS_LAMBDA_RUNTIME_API"), Some("127.0.0.1:9001".into()));
        assert_eq!(last("TZ"), Some("Europe/Paris".into()));
        assert_eq!(last("AWS_LAMBDA_LOG_GROUP_NAME"), Some("/aws/lambda/echo".into()));
    }

    #[test]
    fn empty_command_is_refused() {
        assert!(Settings::new(EmulatorConfig::default()).is_err());
    }
}
