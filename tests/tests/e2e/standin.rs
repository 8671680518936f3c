//! Stand-ins for the services a guest calls, run on 127.0.0.1 from `tests/standins/` with the stand-ins'
//! virtualenv (`tests/standins/setup.sh`, which `make test` runs).

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

const LIMIT: Duration = Duration::from_secs(60);

/// A running stand-in, killed on drop.
pub struct StandIn {
    /// Its port on 127.0.0.1.
    pub port: u16,
    _child: Child,
}

impl StandIn {
    /// Starts `tests/standins/<script>` with `env`, and waits (bounded) for its `ready <port>` line.
    pub async fn start(script: &str, env: &[(&str, &str)]) -> Self {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let python = root.join("target/standins/venv/bin/python");
        assert!(
            python.is_file(),
            "{} is missing: run tests/standins/setup.sh (make test does)",
            python.display()
        );
        let mut child = Command::new(python)
            .arg(root.join("tests/standins").join(script))
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut line = String::new();
        tokio::time::timeout(LIMIT, BufReader::new(stdout).read_line(&mut line))
            .await
            .expect("the stand-in did not start")
            .unwrap();
        let port = line
            .trim()
            .strip_prefix("ready ")
            .and_then(|p| p.parse().ok())
            .expect("a ready line");
        Self { port, _child: child }
    }

    /// `http://127.0.0.1:<port>`.
    pub fn origin(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// GETs `path` and returns its JSON answer.
    pub async fn get(&self, path: &str) -> Value {
        let client: Client<_, Full<bytes::Bytes>> = Client::builder(TokioExecutor::new()).build_http();
        let uri = format!("{}{path}", self.origin()).parse().unwrap();
        let response = tokio::time::timeout(LIMIT, client.get(uri))
            .await
            .unwrap()
            .unwrap();
        let body = response.into_body().collect().await.unwrap().to_bytes();
        serde_json::from_slice(&body).unwrap()
    }
}
