//! Configuration from the environment, read once at init and never by panicking.
//!
//! Lambda's own variables are read as Lambda documents them; the host's own start with `LAMBDA_WASM_`.
//! A bad value is an [`InitError::InvalidConfiguration`] naming the variable, the value and what is accepted.

use std::path::PathBuf;
use std::time::Duration;

use crate::error::InitError;

/// Where the Runtime API lives, parsed from `AWS_LAMBDA_RUNTIME_API`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuntimeApiAddress {
    /// `host:port` to connect to and to send as the `Host` header.
    pub authority: String,
    /// A path prefix put before `/2018-06-01/...` (empty on Lambda; cargo-lambda uses one).
    pub prefix: String,
}

impl RuntimeApiAddress {
    /// Accepts `host:port`, `http://host:port` and `http://host:port/prefix`.
    pub fn parse(value: &str) -> Result<Self, String> {
        let value = value.trim();
        let rest = match value.split_once("://") {
            Some(("http", rest)) => rest,
            Some((scheme, _)) => return Err(format!("scheme `{scheme}` is not supported, only http")),
            None => value,
        };
        let (authority, prefix) = match rest.find('/') {
            Some(i) => (&rest[..i], rest[i..].trim_end_matches('/')),
            None => (rest, ""),
        };
        let port = authority
            .rsplit_once(':')
            .map(|(host, port)| (host, port.parse::<u16>()));
        match port {
            Some((host, Ok(_))) if !host.is_empty() => Ok(Self {
                authority: authority.to_owned(),
                prefix: prefix.to_owned(),
            }),
            _ => Err("expected `host:port`, `http://host:port` or `http://host:port/prefix`".to_owned()),
        }
    }
}

/// How each invocation gets its instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Isolation {
    /// One instance per execution environment; state survives warm invocations (the default).
    Environment,
    /// A fresh instance per invocation, so no state can leak between events.
    Invocation,
}

/// Everything the host reads from its environment.
#[derive(Debug, Clone)]
pub struct Config {
    /// The Runtime API to poll.
    pub runtime_api: RuntimeApiAddress,
    /// The component file: `LAMBDA_TASK_ROOT` joined with `_HANDLER`.
    pub component_path: PathBuf,
    /// `LAMBDA_TASK_ROOT`: the function's code, mounted read-only in the guest at the same path.
    pub task_root: PathBuf,
    /// `AWS_LAMBDA_FUNCTION_MEMORY_SIZE` in MB (128 when unset, Lambda's minimum).
    pub memory_mb: u64,
    /// `AWS_LAMBDA_FUNCTION_NAME`, for log lines.
    pub function_name: String,
    /// `AWS_LAMBDA_FUNCTION_VERSION`, for log lines.
    pub function_version: String,
    /// The cap on the guest's linear memories, in bytes: `LAMBDA_WASM_MEMORY_LIMIT_MB` when set, else the
    /// function's memory minus [`HOST_SHARE_MB`] for the host itself.
    pub memory_limit: usize,
    /// `LAMBDA_WASM_TIMEOUT_MARGIN_MS` (default 50): the guest is stopped this long before Lambda's deadline,
    /// so the host can still report a clean timeout.
    pub timeout_margin: Duration,
    /// `LAMBDA_WASM_DEFAULT_TIMEOUT` seconds (default 900, Lambda's maximum): used when the Runtime API sends no
    /// plausible deadline, since Lambda never tells a runtime its configured timeout.
    pub default_timeout: Duration,
    /// `LAMBDA_WASM_ISOLATION`: `environment` (default) or `invocation`.
    pub isolation: Isolation,
    /// `LAMBDA_WASM_EXPOSE_CREDENTIALS` (default false): whether the guest sees the AWS credentials.
    pub expose_credentials: bool,
    /// The host folder mounted as the guest's `/tmp` (`LAMBDA_WASM_GUEST_TMP`, default `/tmp/lambda-wasm/guest`).
    pub guest_tmp: PathBuf,
    /// The variables the guest sees (the function's own and Lambda's non-secret metadata).
    pub guest_env: Vec<(String, String)>,
}

/// Memory the host keeps for itself out of the function's (its RSS is about 10-20 MB; the rest is headroom).
pub const HOST_SHARE_MB: u64 = 32;
/// The guest gets at least this much, even in the smallest function.
const MIN_GUEST_MB: u64 = 16;

/// Variables the guest never sees unless the function opts in.
const CREDENTIAL_VARS: [&str; 3] = ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"];
/// Variables that are the host's business only.
const HOST_ONLY_VARS: [&str; 1] = ["AWS_LAMBDA_RUNTIME_API"];

impl Config {
    /// Reads the configuration from the process environment.
    pub fn from_env() -> Result<Self, InitError> {
        let vars: Vec<(String, String)> = std::env::vars_os()
            .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
            .collect();
        Self::from_vars(&vars)
    }

    /// Reads the configuration from a list of variables (the process environment, or a test's).
    pub fn from_vars(vars: &[(String, String)]) -> Result<Self, InitError> {
        let get = |name: &str| {
            vars.iter()
                .rev()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        };
        let runtime_api = Self::runtime_api(vars)?;
        let task_root = PathBuf::from(get("LAMBDA_TASK_ROOT").unwrap_or("/var/task"));
        let handler = get("_HANDLER").filter(|h| !h.trim().is_empty()).ok_or_else(|| {
            invalid(
                "_HANDLER",
                "",
                "the component's file name, relative to LAMBDA_TASK_ROOT (e.g. `handler.cwasm`)",
            )
        })?;
        let memory_mb = parse(
            get,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
            128,
            "a whole number of MB, 1 to 10240",
        )?;
        if !(1..=10_240).contains(&memory_mb) {
            return Err(invalid(
                "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
                &memory_mb.to_string(),
                "a whole number of MB, 1 to 10240",
            ));
        }
        let default_limit = memory_mb.saturating_sub(HOST_SHARE_MB).max(MIN_GUEST_MB);
        let limit_mb = parse(
            get,
            "LAMBDA_WASM_MEMORY_LIMIT_MB",
            default_limit,
            "a whole number of MB, 1 or more",
        )?;
        if limit_mb == 0 {
            return Err(invalid(
                "LAMBDA_WASM_MEMORY_LIMIT_MB",
                "0",
                "a whole number of MB, 1 or more",
            ));
        }
        let margin_ms = parse(
            get,
            "LAMBDA_WASM_TIMEOUT_MARGIN_MS",
            50,
            "a whole number of milliseconds",
        )?;
        let default_timeout_s = parse(
            get,
            "LAMBDA_WASM_DEFAULT_TIMEOUT",
            900,
            "a whole number of seconds, 1 or more",
        )?;
        if default_timeout_s == 0 {
            return Err(invalid(
                "LAMBDA_WASM_DEFAULT_TIMEOUT",
                "0",
                "a whole number of seconds, 1 or more",
            ));
        }
        let isolation = match get("LAMBDA_WASM_ISOLATION").map(str::trim) {
            None | Some("") | Some("environment") => Isolation::Environment,
            Some("invocation") => Isolation::Invocation,
            Some(other) => {
                return Err(invalid(
                    "LAMBDA_WASM_ISOLATION",
                    other,
                    "`environment` or `invocation`",
                ));
            }
        };
        let expose_credentials = parse_bool(get, "LAMBDA_WASM_EXPOSE_CREDENTIALS")?;
        let guest_tmp = PathBuf::from(get("LAMBDA_WASM_GUEST_TMP").unwrap_or("/tmp/lambda-wasm/guest"));
        let guest_env = vars
            .iter()
            .filter(|(k, _)| !HOST_ONLY_VARS.contains(&k.as_str()))
            .filter(|(k, _)| expose_credentials || !CREDENTIAL_VARS.contains(&k.as_str()))
            .cloned()
            .collect();
        Ok(Self {
            runtime_api,
            component_path: task_root.join(handler.trim()),
            task_root,
            memory_mb,
            memory_limit: usize::try_from(limit_mb.saturating_mul(1024 * 1024)).unwrap_or(usize::MAX),
            function_name: get("AWS_LAMBDA_FUNCTION_NAME").unwrap_or_default().to_owned(),
            function_version: get("AWS_LAMBDA_FUNCTION_VERSION").unwrap_or("$LATEST").to_owned(),
            timeout_margin: Duration::from_millis(margin_ms),
            default_timeout: Duration::from_secs(default_timeout_s),
            isolation,
            expose_credentials,
            guest_tmp,
            guest_env,
        })
    }

    /// Reads just the Runtime API address: the one variable without which no error can be reported.
    pub fn runtime_api(vars: &[(String, String)]) -> Result<RuntimeApiAddress, InitError> {
        let value = vars
            .iter()
            .rev()
            .find(|(k, _)| k == "AWS_LAMBDA_RUNTIME_API")
            .map(|(_, v)| v.as_str());
        let value =
            value.ok_or_else(|| invalid("AWS_LAMBDA_RUNTIME_API", "", "`host:port` (set by Lambda)"))?;
        RuntimeApiAddress::parse(value)
            .map_err(|accepted| invalid("AWS_LAMBDA_RUNTIME_API", value, &accepted))
    }
}

fn invalid(variable: &str, value: &str, accepted: &str) -> InitError {
    InitError::InvalidConfiguration {
        variable: variable.to_owned(),
        value: value.to_owned(),
        accepted: accepted.to_owned(),
    }
}

fn parse<'a>(
    get: impl Fn(&str) -> Option<&'a str>,
    name: &str,
    default: u64,
    accepted: &str,
) -> Result<u64, InitError> {
    match get(name).map(str::trim) {
        None | Some("") => Ok(default),
        Some(value) => value.parse().map_err(|_| invalid(name, value, accepted)),
    }
}

fn parse_bool<'a>(get: impl Fn(&str) -> Option<&'a str>, name: &str) -> Result<bool, InitError> {
    match get(name).map(|v| v.trim().to_ascii_lowercase()).as_deref() {
        None | Some("") | Some("false") | Some("0") | Some("no") => Ok(false),
        Some("true") | Some("1") | Some("yes") => Ok(true),
        Some(_) => Err(invalid(name, get(name).unwrap_or_default(), "`true` or `false`")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn runtime_api_accepts_the_three_forms() {
        let bare = RuntimeApiAddress::parse("127.0.0.1:9001").ok();
        assert_eq!(
            bare.map(|a| (a.authority, a.prefix)),
            Some(("127.0.0.1:9001".into(), "".into()))
        );
        let url = RuntimeApiAddress::parse("http://localhost:9001").ok();
        assert_eq!(
            url.map(|a| (a.authority, a.prefix)),
            Some(("localhost:9001".into(), "".into()))
        );
        let prefixed = RuntimeApiAddress::parse("http://[::]:9000/.rt/my-fn/").ok();
        assert_eq!(
            prefixed.map(|a| (a.authority, a.prefix)),
            Some(("[::]:9000".into(), "/.rt/my-fn".into()))
        );
    }

    #[test]
    fn runtime_api_rejects_garbage() {
        for bad in [
            "",
            "localhost",
            "https://x:1",
            "host:notaport",
            ":9000",
            "http://",
        ] {
            assert!(RuntimeApiAddress::parse(bad).is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn bad_values_name_the_variable() {
        let base = [("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:1"), ("_HANDLER", "h.wasm")];
        let cases = [
            ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "lots"),
            ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "0"),
            ("LAMBDA_WASM_ISOLATION", "none"),
            ("LAMBDA_WASM_TIMEOUT_MARGIN_MS", "-1"),
            ("LAMBDA_WASM_EXPOSE_CREDENTIALS", "maybe"),
        ];
        for (name, value) in cases {
            let mut v = vars(&base);
            v.push((name.into(), value.into()));
            let message = Config::from_vars(&v)
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default();
            assert!(
                message.contains(name) && message.contains(value),
                "{name}={value}: {message}"
            );
        }
        let message = Config::from_vars(&vars(&base[..1]))
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(message.contains("_HANDLER"), "{message}");
    }

    #[test]
    fn credentials_are_hidden_unless_exposed() {
        let mut v = vars(&[
            ("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:1"),
            ("_HANDLER", "h.wasm"),
            ("AWS_SECRET_ACCESS_KEY", "s3cr3t"),
            ("MY_SETTING", "x"),
        ]);
        let hidden = Config::from_vars(&v).map(|c| c.guest_env).unwrap_or_default();
        assert!(hidden.iter().any(|(k, _)| k == "MY_SETTING"));
        assert!(
            !hidden
                .iter()
                .any(|(k, _)| k == "AWS_SECRET_ACCESS_KEY" || k == "AWS_LAMBDA_RUNTIME_API")
        );
        v.push(("LAMBDA_WASM_EXPOSE_CREDENTIALS".into(), "true".into()));
        let shown = Config::from_vars(&v).map(|c| c.guest_env).unwrap_or_default();
        assert!(shown.iter().any(|(k, _)| k == "AWS_SECRET_ACCESS_KEY"));
    }
}
