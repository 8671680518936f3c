//! Configuration from the environment, read once at init and never by panicking.
//!
//! Lambda's own variables are read as Lambda documents them; the host's own start with `LAMBDA_WASM_`.
//! A bad value is an [`InitError::InvalidConfiguration`] naming the variable, the value and what is accepted.

use std::ops::Deref;
use std::path::{Component, Path, PathBuf};
use std::time::Duration;

use crate::error::InitError;
use std::sync::Arc;

use crate::outbound::{AllowList, Forbidden, Signer};

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

/// The handler's component file, and what the loader needs around it.
///
/// It dereferences to the file's path, so it reads like one (`config.component_path.display()`).
#[derive(Debug, Clone)]
pub struct ComponentFile {
    /// The file loaded: `LAMBDA_TASK_ROOT` joined with `_HANDLER`, or, when that names no file (the console's
    /// default `hello.handler`, say), the only `.wasm` or `.cwasm` in the task root.
    pub path: PathBuf,
    /// `_HANDLER` as set, for the log line that says the only component was used instead.
    pub handler: String,
    /// `LAMBDA_TASK_ROOT`, listed in the error when no component is found.
    pub task_root: PathBuf,
    /// `LAMBDA_WASM_CACHE_DIR` (default `/tmp/lambda-wasm/cache`): where a `.wasm` handler's compiled artifact
    /// is kept between cold starts of one execution environment; never inside the guest's `/tmp`.
    pub cache_dir: PathBuf,
}

impl ComponentFile {
    /// Whether the file is not the one `_HANDLER` names but the only component of the task root.
    pub fn is_substitute(&self) -> bool {
        self.path != self.task_root.join(self.handler.trim())
    }
}

impl Deref for ComponentFile {
    type Target = Path;

    fn deref(&self) -> &Path {
        &self.path
    }
}

/// The file extensions of components: `.wasm` (compiled at INIT) and `.cwasm` (precompiled).
pub const COMPONENT_EXTENSIONS: [&str; 2] = ["wasm", "cwasm"];

/// The components (`.wasm`, `.cwasm` files) directly in `dir`, sorted by name; empty when it cannot be read.
pub fn components_in(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut found: Vec<PathBuf> = entries
        .filter_map(|entry| Some(entry.ok()?.path()))
        .filter(|path| {
            path.is_file()
                && path
                    .extension()
                    .and_then(|e| e.to_str())
                    .is_some_and(|e| COMPONENT_EXTENSIONS.contains(&e))
        })
        .collect();
    found.sort();
    found
}

/// Everything the host reads from its environment.
#[derive(Debug, Clone)]
pub struct Config {
    /// The Runtime API to poll.
    pub runtime_api: RuntimeApiAddress,
    /// The component file: `LAMBDA_TASK_ROOT` joined with `_HANDLER` (or the task root's only component), and
    /// the compile cache's folder.
    pub component_path: ComponentFile,
    /// `LAMBDA_TASK_ROOT`: the function's code, mounted read-only in the guest at the same path.
    pub task_root: PathBuf,
    /// `AWS_LAMBDA_FUNCTION_MEMORY_SIZE` in MB (128 when unset, Lambda's minimum).
    pub memory_mb: u64,
    /// `AWS_LAMBDA_FUNCTION_NAME`, for log lines.
    pub function_name: String,
    /// `AWS_LAMBDA_FUNCTION_VERSION`, for log lines.
    pub function_version: String,
    /// The cap on the guest's linear memories, in bytes: `LAMBDA_WASM_MEMORY_LIMIT_MB` when set, else the
    /// function's memory minus the host's share ([`HOST_SHARE_MB`], plus [`HOST_SHARE_PER_WORKER_MB`] per worker
    /// past the first). One budget for the whole environment: concurrent invocations share it.
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
    /// `LAMBDA_WASM_ALLOW_HTTP` (default empty: none): the hosts the guest may call over `wasi:http`.
    pub allow_http: AllowList,
    /// What no outbound request may reach, whatever the allow-list says: the Runtime API
    /// (`AWS_LAMBDA_RUNTIME_API`) and the container-credentials endpoint (`AWS_CONTAINER_CREDENTIALS_FULL_URI`).
    pub forbidden: Arc<Forbidden>,
    /// The host-side AWS signer (`LAMBDA_WASM_SIGN_ENDPOINTS` and the function's credentials), shared by every
    /// store: credentials are read, or fetched, only when a guest first asks for a signature.
    pub signer: Arc<Signer>,
    /// The host folder mounted as the guest's `/tmp` (`LAMBDA_WASM_GUEST_TMP`, default `/tmp/lambda-wasm/guest`).
    pub guest_tmp: PathBuf,
    /// The variables the guest sees (the function's own and Lambda's non-secret metadata).
    pub guest_env: Vec<(String, String)>,
    /// `AWS_LAMBDA_MAX_CONCURRENCY` (Lambda Managed Instances; default 1): how many invocations run at once, each
    /// on a worker of its own (its `/next` loop, Runtime API connection and store).
    pub max_concurrency: usize,
    /// `LAMBDA_WASM_SHUTDOWN_GRACE_MS` (default 500, Lambda's grace for a runtime): after SIGTERM, how long
    /// invocations in flight may run on to post their answers before the process exits.
    pub shutdown_grace: Duration,
    /// `LAMBDA_WASM_GRACEFUL_SHUTDOWN` (default false): register a no-op internal extension at INIT, so Lambda
    /// sends SIGTERM (not SIGKILL) when it shuts an on-demand environment down.
    pub graceful_shutdown: bool,
    /// The most resources (open files, streams, HTTP fields, pollables) one instance may hold: the process's
    /// descriptor limit (1,024 on Lambda), less a reserve for the host, split between the workers, at most
    /// [`MAX_RESOURCES`]. Past it the guest's call fails, never the host's own connections.
    pub max_resources: usize,
}

/// The most resources one instance may hold, whatever the descriptor limit: with HTTP fields of 16 KiB at most,
/// 8 MiB of host memory.
pub const MAX_RESOURCES: usize = 512;
/// The fewest: enough for a handler's stdio, preopens and a few requests in flight.
const MIN_RESOURCES: usize = 32;

/// The soft limit on open descriptors (1,024 when it cannot be read).
fn descriptor_limit() -> usize {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes the struct it is given, which lives for the call.
    let read = unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) };
    if read == 0 {
        usize::try_from(limit.rlim_cur).unwrap_or(usize::MAX)
    } else {
        1024
    }
}

/// [`Config::max_resources`] for `workers` workers under a descriptor limit of `limit`: a reserve of 64 for the
/// host plus 10 a worker (its Runtime API connection, a streamed response's, outbound HTTP, and for each of its
/// two instances, the one in use and the one made for the next event, the two preopened folders and the `/tmp`
/// folder the host holds in invocation isolation), the rest split.
pub fn resources_per_instance(limit: usize, workers: usize) -> usize {
    let workers = workers.max(1);
    let reserve = 64 + 10 * workers;
    (limit.saturating_sub(reserve) / workers).clamp(MIN_RESOURCES, MAX_RESOURCES)
}

/// Memory the host keeps for itself out of the function's (its RSS is about 10-20 MB; the rest is headroom).
pub const HOST_SHARE_MB: u64 = 32;
/// What each worker past the first adds to the host's share: its store's host-side state, its async stack,
/// its connection's buffers.
pub const HOST_SHARE_PER_WORKER_MB: u64 = 2;
/// The most workers one environment runs (`AWS_LAMBDA_MAX_CONCURRENCY`).
pub const MAX_CONCURRENCY: u64 = 1024;
/// The guest gets at least this much, even in the smallest function.
const MIN_GUEST_MB: u64 = 16;

/// Variables the guest never sees unless the function opts in (`LAMBDA_WASM_EXPOSE_CREDENTIALS`).
const CREDENTIAL_VARS: [&str; 3] = ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"];
/// Name prefixes Lambda reserves for the variables it sets: of those, the guest sees only [`PLATFORM_PUBLIC`], so
/// a secret the platform adds (container credentials today, something else tomorrow) stays out by default.
const RESERVED_PREFIXES: [&str; 3] = ["AWS_", "_", "LAMBDA_"];
/// The variables Lambda sets that are documented and not secret: the guest sees these.
pub const PLATFORM_PUBLIC: [&str; 16] = [
    "_HANDLER",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_EXECUTION_ENV",
    "AWS_LAMBDA_FUNCTION_NAME",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
    "AWS_LAMBDA_FUNCTION_VERSION",
    "AWS_LAMBDA_INITIALIZATION_TYPE",
    "AWS_LAMBDA_LOG_GROUP_NAME",
    "AWS_LAMBDA_LOG_STREAM_NAME",
    "AWS_LAMBDA_LOG_FORMAT",
    "AWS_LAMBDA_LOG_LEVEL",
    "AWS_LAMBDA_MAX_CONCURRENCY",
    "AWS_XRAY_CONTEXT_MISSING",
    "LAMBDA_TASK_ROOT",
    "LAMBDA_RUNTIME_DIR",
];

/// The AWS SDKs' own configuration a function sets for its code (not the platform): the guest sees these.
pub const SDK_SETTINGS: [&str; 7] = [
    "AWS_ENDPOINT_URL",
    "AWS_MAX_ATTEMPTS",
    "AWS_RETRY_MODE",
    "AWS_USE_FIPS_ENDPOINT",
    "AWS_USE_DUALSTACK_ENDPOINT",
    "AWS_STS_REGIONAL_ENDPOINTS",
    "AWS_DEFAULTS_MODE",
];

/// Whether the guest sees variable `name`: the function's own always; of the names Lambda reserves, the
/// documented non-secret ones and the AWS SDKs' settings (`AWS_ENDPOINT_URL_<SERVICE>` included), and the
/// credentials only when exposed.
pub fn guest_sees(name: &str, expose_credentials: bool) -> bool {
    if CREDENTIAL_VARS.contains(&name) {
        return expose_credentials;
    }
    !RESERVED_PREFIXES.iter().any(|prefix| name.starts_with(prefix))
        || PLATFORM_PUBLIC.contains(&name)
        || SDK_SETTINGS.contains(&name)
        || name.starts_with("AWS_ENDPOINT_URL_")
}

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
        let max_concurrency = parse(
            get,
            "AWS_LAMBDA_MAX_CONCURRENCY",
            1,
            &format!("a whole number of concurrent invocations, 1 to {MAX_CONCURRENCY}"),
        )?;
        if !(1..=MAX_CONCURRENCY).contains(&max_concurrency) {
            return Err(invalid(
                "AWS_LAMBDA_MAX_CONCURRENCY",
                &max_concurrency.to_string(),
                &format!("a whole number of concurrent invocations, 1 to {MAX_CONCURRENCY}"),
            ));
        }
        let host_share = HOST_SHARE_MB + HOST_SHARE_PER_WORKER_MB * (max_concurrency - 1);
        let default_limit = memory_mb.saturating_sub(host_share).max(MIN_GUEST_MB);
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
        let graceful_shutdown = parse_bool(get, "LAMBDA_WASM_GRACEFUL_SHUTDOWN")?;
        let grace_ms = parse(
            get,
            "LAMBDA_WASM_SHUTDOWN_GRACE_MS",
            500,
            "a whole number of milliseconds",
        )?;
        let allow_value = get("LAMBDA_WASM_ALLOW_HTTP").unwrap_or_default();
        let allow_http = AllowList::parse(allow_value).map_err(|why| {
            invalid(
                "LAMBDA_WASM_ALLOW_HTTP",
                allow_value,
                &format!("host[:port],... with `*.domain` or `*` ({why})"),
            )
        })?;
        let forbidden = Arc::new(match allow_http == AllowList::default() {
            // Nothing is allowed out: there is nothing to check addresses against.
            true => Forbidden::default(),
            false => Forbidden::new(
                [
                    get("AWS_LAMBDA_RUNTIME_API"),
                    get("AWS_CONTAINER_CREDENTIALS_FULL_URI"),
                ]
                .into_iter()
                .flatten(),
            ),
        });
        let signer = Signer::from_env(get).map_err(|why| {
            invalid(
                "LAMBDA_WASM_SIGN_ENDPOINTS",
                get("LAMBDA_WASM_SIGN_ENDPOINTS").unwrap_or_default(),
                &format!("<scheme://host:port>=<service>/<region>,... ({why})"),
            )
        })?;
        let guest_tmp = PathBuf::from(get("LAMBDA_WASM_GUEST_TMP").unwrap_or("/tmp/lambda-wasm/guest"));
        let cache_dir = PathBuf::from(get("LAMBDA_WASM_CACHE_DIR").unwrap_or("/tmp/lambda-wasm/cache"));
        if is_within(&cache_dir, &guest_tmp) {
            return Err(invalid(
                "LAMBDA_WASM_CACHE_DIR",
                &cache_dir.display().to_string(),
                &format!(
                    "a folder outside the guest's /tmp (LAMBDA_WASM_GUEST_TMP={}): the guest could write the \
                     compiled code the host runs",
                    guest_tmp.display()
                ),
            ));
        }
        let guest_env = vars
            .iter()
            .filter(|(k, _)| guest_sees(k, expose_credentials))
            .cloned()
            .collect();
        Ok(Self {
            runtime_api,
            component_path: ComponentFile {
                path: resolve_handler(&task_root, handler.trim()),
                handler: handler.to_owned(),
                task_root: task_root.clone(),
                cache_dir,
            },
            task_root,
            memory_mb,
            memory_limit: usize::try_from(limit_mb.saturating_mul(1024 * 1024)).unwrap_or(usize::MAX),
            function_name: get("AWS_LAMBDA_FUNCTION_NAME").unwrap_or_default().to_owned(),
            function_version: get("AWS_LAMBDA_FUNCTION_VERSION").unwrap_or("$LATEST").to_owned(),
            timeout_margin: Duration::from_millis(margin_ms),
            default_timeout: Duration::from_secs(default_timeout_s),
            isolation,
            expose_credentials,
            allow_http,
            forbidden,
            signer: Arc::new(signer),
            guest_tmp,
            guest_env,
            max_concurrency: usize::try_from(max_concurrency).unwrap_or(1),
            shutdown_grace: Duration::from_millis(grace_ms),
            graceful_shutdown,
            max_resources: resources_per_instance(
                descriptor_limit(),
                usize::try_from(max_concurrency).unwrap_or(1),
            ),
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

/// `LAMBDA_TASK_ROOT/_HANDLER` when that is a file; else the task root's only component, if it has exactly one;
/// else the named path again (the loader then reports it missing, listing what the task root holds).
fn resolve_handler(task_root: &Path, handler: &str) -> PathBuf {
    let named = task_root.join(handler);
    if named.is_file() {
        return named;
    }
    match components_in(task_root).as_slice() {
        [only] => only.clone(),
        _ => named,
    }
}

/// Whether `inner` is `outer` or inside it: lexically (absolute, `.` and `..` resolved), and through symbolic
/// links for the parts that exist.
fn is_within(inner: &Path, outer: &Path) -> bool {
    let lexical = |path: &Path| {
        let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
        let mut clean = PathBuf::new();
        for part in absolute.components() {
            match part {
                Component::ParentDir => {
                    clean.pop();
                }
                Component::CurDir => {}
                other => clean.push(other),
            }
        }
        clean
    };
    // The longest existing ancestor, canonicalized, with the rest appended.
    let resolved = |path: &Path| {
        let path = lexical(path);
        let mut existing = path.as_path();
        while !existing.exists() {
            match existing.parent() {
                Some(parent) => existing = parent,
                None => return path.clone(),
            }
        }
        let rest = path.strip_prefix(existing).unwrap_or(Path::new(""));
        std::fs::canonicalize(existing)
            .map(|c| c.join(rest))
            .unwrap_or_else(|_| path.clone())
    };
    lexical(inner).starts_with(lexical(outer)) || resolved(inner).starts_with(resolved(outer))
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
    fn the_guest_sees_its_own_variables_and_only_public_platform_ones() {
        for own in ["MY_SETTING", "OPENAI_API_KEY", "PATH", "TZ"] {
            assert!(guest_sees(own, false), "{own}");
        }
        for public in [
            "AWS_REGION",
            "AWS_LAMBDA_FUNCTION_NAME",
            "LAMBDA_TASK_ROOT",
            "_HANDLER",
        ] {
            assert!(guest_sees(public, false), "{public}");
        }
        for secret in [
            "AWS_LAMBDA_RUNTIME_API",
            "AWS_CONTAINER_CREDENTIALS_FULL_URI",
            "AWS_CONTAINER_AUTHORIZATION_TOKEN",
            "AWS_SOMETHING_NEW",
            "_LAMBDA_TELEMETRY_LOG_FD",
            "LAMBDA_WASM_ALLOW_HTTP",
            "AWS_SECRET_ACCESS_KEY",
        ] {
            assert!(!guest_sees(secret, false), "{secret}");
        }
        assert!(guest_sees("AWS_SESSION_TOKEN", true));
        assert!(
            !guest_sees("AWS_CONTAINER_AUTHORIZATION_TOKEN", true),
            "only the three keys are exposed"
        );
    }

    #[test]
    fn descriptors_are_split_between_workers() {
        assert_eq!(resources_per_instance(1024, 1), MAX_RESOURCES);
        assert_eq!(resources_per_instance(1024, 8), (1024 - 64 - 80) / 8);
        assert_eq!(resources_per_instance(1024, 64), MIN_RESOURCES);
        assert!(resources_per_instance(1024, 4) * 4 + 64 + 16 <= 1024);
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
    fn a_cache_inside_the_guest_tmp_is_refused() {
        let base = [
            ("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:1"),
            ("_HANDLER", "h.wasm"),
            ("LAMBDA_WASM_GUEST_TMP", "/tmp/lw-test/guest"),
        ];
        for (cache, refused) in [
            ("/tmp/lw-test/guest", true),
            ("/tmp/lw-test/guest/cache", true),
            ("/tmp/lw-test/cache/../guest/x", true),
            ("/tmp/lw-test/cache", false),
            ("/tmp/lw-test/guest-cache", false),
        ] {
            let mut v = vars(&base);
            v.push(("LAMBDA_WASM_CACHE_DIR".into(), cache.into()));
            let message = Config::from_vars(&v).err().map(|e| e.to_string());
            assert_eq!(message.is_some(), refused, "{cache}: {message:?}");
            if let Some(message) = message {
                assert!(message.contains("LAMBDA_WASM_CACHE_DIR"), "{message}");
            }
        }
        let default = Config::from_vars(&vars(&base[..2])).map(|c| c.component_path.cache_dir);
        assert_eq!(default.ok(), Some(PathBuf::from("/tmp/lambda-wasm/cache")));
    }

    #[test]
    fn a_handler_that_names_no_file_uses_the_only_component() {
        let dir = std::env::temp_dir().join(format!("lw-config-test-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let made = std::fs::create_dir_all(&dir).and_then(|()| std::fs::write(dir.join("bootstrap"), "x"));
        assert!(made.is_ok(), "{made:?}");
        let root = dir.display().to_string();
        let config = |handler: &str| {
            let v = vars(&[
                ("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:1"),
                ("_HANDLER", handler),
                ("LAMBDA_TASK_ROOT", &root),
            ]);
            Config::from_vars(&v).map(|c| c.component_path)
        };
        // No component: the named path stays (and is reported missing by the loader).
        let none = config("hello.handler").map(|f| f.path.clone());
        assert_eq!(none.ok(), Some(dir.join("hello.handler")));
        // One component: it is used.
        let _ = std::fs::write(dir.join("app.cwasm"), "x");
        let one = config("hello.handler");
        assert_eq!(
            one.as_ref().map(|f| f.path.clone()).ok(),
            Some(dir.join("app.cwasm"))
        );
        assert!(one.map(|f| f.is_substitute()).unwrap_or(false));
        // A named file wins; two components and no named file: the named path again.
        let _ = std::fs::write(dir.join("other.wasm"), "x");
        let named = config("other.wasm");
        assert_eq!(
            named.as_ref().map(|f| f.path.clone()).ok(),
            Some(dir.join("other.wasm"))
        );
        assert!(!named.map(|f| f.is_substitute()).unwrap_or(true));
        let two = config("hello.handler").map(|f| f.path.clone());
        assert_eq!(two.ok(), Some(dir.join("hello.handler")));
        let _ = std::fs::remove_dir_all(&dir);
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
