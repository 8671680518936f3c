//! Starting a function (emulator + real bootstrap + component) and invoking it, with every wait bounded.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use lambda_wasm_emulator::{Emulator, EmulatorConfig};
use lambda_wasm_tests::Guest;

/// The longest any single invocation may take in a test before it counts as hung.
pub const INVOKE_LIMIT: Duration = Duration::from_secs(60);

/// A binary of this workspace, built next to the test executable's `deps/` folder.
pub fn workspace_binary(name: &str) -> PathBuf {
    let exe = std::env::current_exe().unwrap_or_default();
    let dir = exe
        .parent()
        .and_then(Path::parent)
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let path = dir.join(name);
    assert!(
        path.is_file(),
        "{} is missing: build the workspace's binaries first (`make test` does)",
        path.display()
    );
    path
}

/// What the invoke endpoint answered.
#[derive(Debug)]
pub struct Answer {
    /// HTTP status.
    pub status: u16,
    /// `X-Amz-Function-Error`, when the function failed.
    pub function_error: Option<String>,
    /// The body, byte for byte.
    pub body: Bytes,
}

impl Answer {
    /// The body as JSON (`Null` when it is not JSON).
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_default()
    }

    /// Asserts a function error of `error_type` and returns its JSON body.
    pub fn expect_error(&self, error_type: &str) -> serde_json::Value {
        let body = self.json();
        assert_eq!(self.status, 200, "{self:?}");
        assert_eq!(self.function_error.as_deref(), Some("Unhandled"), "{self:?}");
        assert_eq!(body["errorType"], error_type, "{body}");
        body
    }

    /// Asserts a success and returns its JSON body.
    pub fn expect_ok(&self) -> serde_json::Value {
        assert_eq!(
            (self.status, self.function_error.as_deref()),
            (200, None),
            "{self:?}"
        );
        self.json()
    }
}

/// A function served by the emulator with the real bootstrap.
pub struct Function {
    emulator: Emulator,
    logs: Arc<Mutex<Vec<String>>>,
    client: Client<HttpConnector, Full<Bytes>>,
}

impl Function {
    /// Serves `guest` with default settings.
    pub async fn start(guest: Guest) -> Self {
        Self::with(Path::new(guest.path), &[], Duration::from_secs(60)).await
    }

    /// Serves the component at `component` with extra environment variables and a function timeout.
    pub async fn with(component: &Path, env: &[(&str, &str)], timeout: Duration) -> Self {
        let (command, vars) = bootstrap_for(component, env);
        Self::command(command, vars, timeout).await
    }

    /// Like [`Function::with`], as a Managed Instances environment running `concurrency` invocations at once
    /// (1: on demand, one at a time).
    pub async fn managed(
        component: &Path,
        env: &[(&str, &str)],
        timeout: Duration,
        concurrency: usize,
    ) -> Self {
        Self::configured(component, env, timeout, |config| config.concurrency = concurrency).await
    }

    /// Like [`Function::with`], with the emulator's configuration changed by `adjust`.
    pub async fn configured(
        component: &Path,
        env: &[(&str, &str)],
        timeout: Duration,
        adjust: impl FnOnce(&mut EmulatorConfig),
    ) -> Self {
        let (command, vars) = bootstrap_for(component, env);
        Self::spawn(command, vars, timeout, adjust).await
    }

    /// Serves any bootstrap command, one invocation at a time.
    pub async fn command(
        command: Vec<std::ffi::OsString>,
        env: Vec<(String, String)>,
        timeout: Duration,
    ) -> Self {
        Self::spawn(command, env, timeout, |_| {}).await
    }

    async fn spawn(
        command: Vec<std::ffi::OsString>,
        env: Vec<(String, String)>,
        timeout: Duration,
        adjust: impl FnOnce(&mut EmulatorConfig),
    ) -> Self {
        let logs = Arc::new(Mutex::new(Vec::new()));
        let sink_logs = logs.clone();
        let mut config = EmulatorConfig {
            command,
            env,
            timeout,
            invoke_addr: "127.0.0.1:0".parse().unwrap_or_else(|_| unreachable!()),
            log_sink: Arc::new(move |line: &str| {
                println!("{line}");
                sink_logs
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .push(line.to_owned());
            }),
            ..EmulatorConfig::default()
        };
        adjust(&mut config);
        let emulator = tokio::time::timeout(INVOKE_LIMIT, Emulator::start(config))
            .await
            .unwrap_or_else(|_| panic!("the emulator did not start"))
            .unwrap_or_else(|e| panic!("the emulator did not start: {e:#}"));
        Self {
            emulator,
            logs,
            client: Client::builder(TokioExecutor::new()).build_http(),
        }
    }

    /// Sends one event and waits (bounded) for the answer.
    pub async fn invoke(&self, event: impl Into<Bytes>) -> Answer {
        self.invoke_with(&[], event).await
    }

    /// Sends one event with extra invoke headers (`X-Amz-Tenant-Id`, say) and waits (bounded) for the answer.
    pub async fn invoke_with(&self, headers: &[(&str, &str)], event: impl Into<Bytes>) -> Answer {
        let url = format!(
            "http://{}/2015-03-31/functions/function/invocations",
            self.emulator.invoke_addr()
        );
        let mut request = hyper::Request::post(url);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let request = request
            .body(Full::new(event.into()))
            .unwrap_or_else(|e| panic!("{e}"));
        let call = async {
            let response = self
                .client
                .request(request)
                .await
                .unwrap_or_else(|e| panic!("invoke failed: {e}"));
            let status = response.status().as_u16();
            let function_error = response
                .headers()
                .get("x-amz-function-error")
                .map(|v| v.to_str().unwrap_or_default().to_owned());
            let body = response
                .into_body()
                .collect()
                .await
                .unwrap_or_else(|e| panic!("{e}"))
                .to_bytes();
            Answer {
                status,
                function_error,
                body,
            }
        };
        tokio::time::timeout(INVOKE_LIMIT, call)
            .await
            .unwrap_or_else(|_| panic!("no answer within {INVOKE_LIMIT:?}"))
    }

    /// Sends a JSON event.
    pub async fn invoke_json(&self, event: serde_json::Value) -> Answer {
        self.invoke(event.to_string()).await
    }

    /// Shuts the environment down as Lambda does (SIGTERM first when the bootstrap registered an extension or
    /// runs under Managed Instances) and returns every log line.
    pub async fn shutdown(self) -> Vec<String> {
        tokio::time::timeout(INVOKE_LIMIT, self.emulator.shutdown())
            .await
            .expect("the shutdown did not end");
        self.logs.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// Every log line so far (bootstrap output and the emulator's START/END/REPORT).
    pub fn logs(&self) -> Vec<String> {
        self.logs.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// How many times the bootstrap finished INIT (its "ready" log line).
    pub fn inits(&self) -> usize {
        self.logs()
            .iter()
            .filter(|l| l.contains("lambda-wasm bootstrap ready"))
            .count()
    }

    /// The process ids of every bootstrap that finished INIT, in order (from their "ready" log lines).
    pub fn pids(&self) -> Vec<u32> {
        self.logs()
            .iter()
            .filter(|l| l.contains("lambda-wasm bootstrap ready"))
            .filter_map(|l| {
                let after = l.rsplit("pid ").next()?;
                after.split(|c: char| !c.is_ascii_digit()).next()?.parse().ok()
            })
            .collect()
    }

    /// Asserts that one bootstrap process served everything so far: no crash, no re-init.
    pub fn assert_one_process(&self) {
        let pids = self.pids();
        assert_eq!(pids.len(), 1, "expected one bootstrap process, saw {pids:?}");
    }
}

/// The real `bootstrap` serving `component`, and its variables: the task root, `_HANDLER`, then `env`.
fn bootstrap_for(component: &Path, env: &[(&str, &str)]) -> (Vec<std::ffi::OsString>, Vec<(String, String)>) {
    let task_root = component.parent().map(Path::to_path_buf).unwrap_or_default();
    let handler = component
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut vars = vec![
        ("LAMBDA_TASK_ROOT".to_owned(), task_root.display().to_string()),
        ("_HANDLER".to_owned(), handler),
    ];
    vars.extend(env.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    (vec![workspace_binary("bootstrap").into_os_string()], vars)
}

/// A task root of its own: a temporary folder holding a copy of `guest` as `handler.wasm` and `files`.
pub struct TaskRoot {
    /// The folder (deleted on drop).
    pub dir: tempfile::TempDir,
}

impl TaskRoot {
    /// Copies `guest` and writes `files` (name, content) into a new temporary folder.
    pub fn new(guest: Guest, files: &[(&str, &str)]) -> Self {
        let dir = tempfile::tempdir().expect("a temporary folder");
        std::fs::copy(guest.path, dir.path().join("handler.wasm")).expect("copying the component");
        for (name, content) in files {
            std::fs::write(dir.path().join(name), content).expect("writing a task-root file");
        }
        Self { dir }
    }

    /// The component's path in this task root.
    pub fn component(&self) -> PathBuf {
        self.dir.path().join("handler.wasm")
    }
}

impl Function {
    /// Sends any request to the emulator's invoke listener and returns the response as it starts, so a test
    /// can read a streamed body frame by frame.
    pub async fn request(
        &self,
        method: &str,
        path: &str,
        body: impl Into<Bytes>,
    ) -> hyper::Response<hyper::body::Incoming> {
        self.request_with(method, path, &[], body).await
    }

    /// Like [`Function::request`], with extra request headers.
    pub async fn request_with(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: impl Into<Bytes>,
    ) -> hyper::Response<hyper::body::Incoming> {
        let url = format!("http://{}{path}", self.emulator.invoke_addr());
        let mut request = hyper::Request::builder()
            .method(method)
            .uri(url)
            .header("user-agent", "lambda-wasm-tests");
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let request = request.body(Full::new(body.into())).expect("a request");
        tokio::time::timeout(INVOKE_LIMIT, self.client.request(request))
            .await
            .expect("no response head in time")
            .expect("the request failed")
    }

    /// The `Max Memory Used` of the last REPORT line, in MB.
    pub fn last_max_memory_mb(&self) -> Option<u64> {
        let logs = self.logs();
        let report = logs.iter().rev().find(|l| l.starts_with("REPORT "))?;
        let used = report
            .split('\t')
            .find_map(|field| field.trim().strip_prefix("Max Memory Used: "))?;
        used.trim_end_matches(" MB").trim().parse().ok()
    }
}

/// Reads the next data frame of a streamed body (skipping trailers); `None` at the end.
pub async fn next_data(body: &mut hyper::body::Incoming) -> Option<Bytes> {
    loop {
        let frame = tokio::time::timeout(INVOKE_LIMIT, body.frame())
            .await
            .expect("the stream stalled")?;
        if let Ok(data) = frame.expect("the stream broke").into_data() {
            return Some(data);
        }
    }
}
