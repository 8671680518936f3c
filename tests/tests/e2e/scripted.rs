//! The real `bootstrap` against a scripted Runtime API on loopback, for what the emulator does not do: the
//! invocation id's echo checked against the id each event was given, cargo-lambda's `200` to an answer, a 410,
//! a 204 on `/next`, an oversized event, a streamed POST that cannot connect, the graceful-shutdown extension,
//! and SIGTERM with an invocation in flight.

use std::collections::{HashMap, VecDeque};
use std::convert::Infallible;
use std::path::Path;
use std::process::Stdio;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use lambda_wasm_tests::{BEHAVIORS, ECHO, STREAMING};
use serde_json::json;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::Notify;

use crate::harness::workspace_binary;

/// The bound on every wait here.
const LIMIT: Duration = Duration::from_secs(60);

/// One request the scripted Runtime API received.
#[derive(Debug, Clone)]
struct Seen {
    method: String,
    path: String,
    headers: HashMap<String, String>,
    body: Bytes,
}

/// One event to hand out: request id, invocation id (none: the header is not sent), body.
struct Event {
    request_id: &'static str,
    invocation_id: Option<&'static str>,
    body: Bytes,
}

/// How the scripted API answers.
#[derive(Clone, Copy)]
struct Script {
    /// The status of every answer to `/response` and `/error` (Lambda: 202; cargo-lambda: 200).
    answer_status: u16,
    /// The first answer to `/response` gets this status instead (410, say).
    first_answer_status: Option<u16>,
    /// `/next` is answered 204 for this long after the first poll, before the first event.
    idle_for: Duration,
    /// Accept only the first connection, then close the listener (a later connection is refused).
    one_connection: bool,
}

impl Default for Script {
    fn default() -> Self {
        Self {
            answer_status: 202,
            first_answer_status: None,
            idle_for: Duration::ZERO,
            one_connection: false,
        }
    }
}

/// A Runtime API that hands out `events` in order (then holds `/next` forever) and records every request.
struct ScriptedApi {
    address: String,
    seen: Arc<Mutex<Vec<Seen>>>,
    changed: Arc<Notify>,
}

struct Shared {
    events: Mutex<VecDeque<Event>>,
    script: Script,
    answers: Mutex<usize>,
    first_poll: Mutex<Option<std::time::Instant>>,
    seen: Arc<Mutex<Vec<Seen>>>,
    changed: Arc<Notify>,
}

impl ScriptedApi {
    async fn start(events: Vec<Event>, script: Script) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap().to_string();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let changed = Arc::new(Notify::new());
        let shared = Arc::new(Shared {
            events: Mutex::new(events.into()),
            script,
            answers: Mutex::new(0),
            first_poll: Mutex::new(None),
            seen: seen.clone(),
            changed: changed.clone(),
        });
        tokio::spawn(async move {
            let mut listener = Some(listener);
            while let Some(open) = &listener {
                let Ok((stream, _)) = open.accept().await else {
                    return;
                };
                if shared.script.one_connection {
                    listener = None;
                }
                let shared = shared.clone();
                tokio::spawn(async move {
                    let service = service_fn(move |request| respond(shared.clone(), request));
                    let _ = http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Self {
            address,
            seen,
            changed,
        }
    }

    /// Waits (bounded) until the requests seen satisfy `done`; returns them.
    async fn wait_for(&self, what: &str, done: impl Fn(&[Seen]) -> bool) -> Vec<Seen> {
        let wait = async {
            loop {
                let notified = self.changed.notified();
                tokio::pin!(notified);
                notified.as_mut().enable();
                let seen = self.seen.lock().unwrap_or_else(PoisonError::into_inner).clone();
                if done(&seen) {
                    return seen;
                }
                notified.await;
            }
        };
        match tokio::time::timeout(LIMIT, wait).await {
            Ok(seen) => seen,
            Err(_) => panic!(
                "waiting for {what}: saw {:#?}",
                self.seen.lock().unwrap_or_else(PoisonError::into_inner)
            ),
        }
    }

    /// Starts the real bootstrap against this API, serving `component`.
    fn bootstrap(&self, component: &str, env: &[(&str, &str)]) -> Child {
        self.bootstrap_with(component, env, Stdio::null())
    }

    /// Like `bootstrap`, with its stdout (the function's log) going to `stdout`.
    fn bootstrap_with(&self, component: &str, env: &[(&str, &str)], stdout: Stdio) -> Child {
        let component = Path::new(component);
        Command::new(workspace_binary("bootstrap"))
            .env("AWS_LAMBDA_RUNTIME_API", &self.address)
            .env("LAMBDA_TASK_ROOT", component.parent().unwrap())
            .env("_HANDLER", component.file_name().unwrap())
            .envs(env.iter().copied())
            .stdout(stdout)
            .kill_on_drop(true)
            .spawn()
            .unwrap()
    }
}

async fn respond(
    shared: Arc<Shared>,
    request: hyper::Request<hyper::body::Incoming>,
) -> Result<hyper::Response<Full<Bytes>>, Infallible> {
    let (parts, body) = request.into_parts();
    let body = body.collect().await.map(|b| b.to_bytes()).unwrap_or_default();
    let seen = Seen {
        method: parts.method.to_string(),
        path: parts.uri.path().to_owned(),
        headers: parts
            .headers
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or_default().to_owned()))
            .collect(),
        body,
    };
    shared
        .seen
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .push(seen.clone());
    shared.changed.notify_waiters();
    let path = seen.path.as_str();
    let response = hyper::Response::builder();
    let response = if path.ends_with("/invocation/next") {
        {
            let mut first = shared.first_poll.lock().unwrap_or_else(PoisonError::into_inner);
            let first = *first.get_or_insert_with(std::time::Instant::now);
            if first.elapsed() < shared.script.idle_for {
                return Ok(response.status(204).body(Full::new(Bytes::new())).unwrap());
            }
        }
        let event = shared
            .events
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop_front();
        let Some(event) = event else {
            // No more events: hold the long poll.
            std::future::pending::<()>().await;
            unreachable!()
        };
        let deadline = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis()
            + 30_000;
        let mut response = response
            .header("lambda-runtime-aws-request-id", event.request_id)
            .header("lambda-runtime-deadline-ms", deadline.to_string())
            .header(
                "lambda-runtime-invoked-function-arn",
                "arn:aws:lambda:us-east-1:1:function:f",
            );
        if let Some(id) = event.invocation_id {
            response = response.header("lambda-runtime-invocation-id", id);
        }
        response.body(Full::new(event.body))
    } else if path.ends_with("/extension/register") {
        response
            .header("lambda-extension-identifier", "ext-1")
            .body(Full::new(Bytes::from_static(b"{}")))
    } else if path.ends_with("/extension/event/next") {
        std::future::pending::<()>().await;
        unreachable!()
    } else {
        let mut answers = shared.answers.lock().unwrap_or_else(PoisonError::into_inner);
        *answers += 1;
        let status = match shared.script.first_answer_status {
            Some(status) if *answers == 1 => status,
            _ => shared.script.answer_status,
        };
        response.status(status).body(Full::new(Bytes::from_static(b"{}")))
    };
    Ok(response.unwrap())
}

fn event(request_id: &'static str, invocation_id: Option<&'static str>, body: serde_json::Value) -> Event {
    Event {
        request_id,
        invocation_id,
        body: Bytes::from(body.to_string()),
    }
}

/// The requests that answered an invocation.
fn answers(seen: &[Seen]) -> Vec<&Seen> {
    seen.iter()
        .filter(|s| s.path.ends_with("/response") || s.path.ends_with("/error"))
        .collect()
}

/// How many `/next` polls were made.
fn polls(seen: &[Seen]) -> usize {
    seen.iter()
        .filter(|s| s.path.ends_with("/invocation/next"))
        .count()
}

#[tokio::test]
async fn each_answer_echoes_its_own_invocation_id_and_200_is_accepted() {
    // cargo-lambda's emulator answers 200 (not 202) to an answer.
    let script = Script {
        answer_status: 200,
        ..Script::default()
    };
    let events = vec![
        event("req-1", Some("inv-1"), json!({"action": "echo"})),
        event("req-2", None, json!({"action": "error", "message": "no"})),
        event("req-3", Some("inv-3"), json!({"action": "echo"})),
    ];
    let api = ScriptedApi::start(events, script).await;
    let mut bootstrap = api.bootstrap(BEHAVIORS.path, &[]);
    // Three answers, then a fourth poll: one process answered them all and lives on.
    let seen = api
        .wait_for("three answers and a fourth poll", |s| {
            answers(s).len() == 3 && polls(s) == 4
        })
        .await;
    let expected = HashMap::from([
        ("req-1", Some("inv-1")),
        ("req-2", None),
        ("req-3", Some("inv-3")),
    ]);
    for answer in answers(&seen) {
        let request_id = answer.path.split('/').nth(4).unwrap();
        let echoed = answer
            .headers
            .get("lambda-runtime-invocation-id")
            .map(String::as_str);
        assert_eq!(echoed, expected[request_id], "{answer:?}");
    }
    assert!(answers(&seen)[1].path.ends_with("/req-2/error"));
    assert!(bootstrap.try_wait().unwrap().is_none(), "the bootstrap exited");
}

#[tokio::test]
async fn a_410_is_logged_and_the_loop_goes_on() {
    let script = Script {
        first_answer_status: Some(410),
        ..Script::default()
    };
    let events = vec![
        event("late-1", Some("inv-a"), json!({"action": "echo"})),
        event("next-2", Some("inv-b"), json!({"action": "echo"})),
    ];
    let api = ScriptedApi::start(events, script).await;
    let mut bootstrap = api.bootstrap(BEHAVIORS.path, &[]);
    let seen = api
        .wait_for("both answered", |s| answers(s).len() == 2 && polls(s) == 3)
        .await;
    assert!(answers(&seen)[1].path.ends_with("/next-2/response"));
    assert!(
        bootstrap.try_wait().unwrap().is_none(),
        "a 410 ended the bootstrap"
    );
}

#[tokio::test]
async fn a_204_on_next_backs_off_instead_of_spinning() {
    // Idle (204) for half a second: a loop that polls again at once would make thousands of requests.
    let script = Script {
        idle_for: Duration::from_millis(500),
        ..Script::default()
    };
    let api = ScriptedApi::start(vec![event("after-idle", None, json!({"action": "echo"}))], script).await;
    let _bootstrap = api.bootstrap(BEHAVIORS.path, &[]);
    let seen = api
        .wait_for("the answer after the idle polls", |s| !answers(s).is_empty())
        .await;
    let polled = polls(&seen);
    assert!(
        (2..=20).contains(&polled),
        "{polled} polls in the idle half second"
    );
}

#[tokio::test]
async fn an_oversized_event_gets_an_error_and_the_loop_goes_on() {
    let big = Bytes::from(vec![b' '; 6 * 1024 * 1024 + 2048]);
    let events = vec![
        Event {
            request_id: "too-big",
            invocation_id: Some("inv-big"),
            body: big,
        },
        event("after", None, json!({"action": "echo"})),
    ];
    let api = ScriptedApi::start(events, Script::default()).await;
    let _bootstrap = api.bootstrap(BEHAVIORS.path, &[]);
    let seen = api.wait_for("both answered", |s| answers(s).len() == 2).await;
    let first = answers(&seen)[0];
    assert!(first.path.ends_with("/too-big/error"), "{first:?}");
    assert_eq!(
        first
            .headers
            .get("lambda-runtime-invocation-id")
            .map(String::as_str),
        Some("inv-big")
    );
    let report: serde_json::Value = serde_json::from_slice(&first.body).unwrap();
    assert_eq!(report["errorType"], "Runtime.EventTooLarge");
    assert!(answers(&seen)[1].path.ends_with("/after/response"));
}

#[tokio::test]
async fn a_streamed_response_that_cannot_connect_is_answered_with_an_error() {
    // The kept-alive connection works; the streamed POST's own connection is refused.
    let script = Script {
        one_connection: true,
        ..Script::default()
    };
    let events = vec![event(
        "stream-1",
        Some("inv-s"),
        json!({"action": "chunks", "count": 2, "size": 3}),
    )];
    let api = ScriptedApi::start(events, script).await;
    let _bootstrap = api.bootstrap(STREAMING.path, &[]);
    let seen = api.wait_for("the error", |s| !answers(s).is_empty()).await;
    let answer = answers(&seen)[0];
    assert!(answer.path.ends_with("/stream-1/error"), "{answer:?}");
    assert_eq!(
        answer
            .headers
            .get("lambda-runtime-invocation-id")
            .map(String::as_str),
        Some("inv-s")
    );
}

#[tokio::test]
async fn graceful_shutdown_registers_a_no_op_extension_before_the_first_poll() {
    let api = ScriptedApi::start(vec![], Script::default()).await;
    let _bootstrap = api.bootstrap(ECHO.path, &[("LAMBDA_WASM_GRACEFUL_SHUTDOWN", "true")]);
    let seen = api
        .wait_for("the first poll", |s| polls(s) == 1 && s.len() >= 3)
        .await;
    let register = seen
        .iter()
        .position(|s| s.path == "/2020-01-01/extension/register")
        .unwrap();
    let events = seen
        .iter()
        .position(|s| s.path == "/2020-01-01/extension/event/next")
        .unwrap();
    let next = seen
        .iter()
        .position(|s| s.path.ends_with("/invocation/next"))
        .unwrap();
    assert!(register < next, "{seen:#?}");
    assert_eq!(seen[register].method, "POST");
    assert!(seen[register].headers.contains_key("lambda-extension-name"));
    assert_eq!(
        seen[events]
            .headers
            .get("lambda-extension-identifier")
            .map(String::as_str),
        Some("ext-1")
    );
}

#[tokio::test]
async fn sigterm_finishes_the_invocation_in_flight_then_exits_zero() {
    // The handler logs a line, then sleeps 300 ms: the line says the invocation is in flight (the `/next` request
    // alone does not: SIGTERM before its answer arrives rightly stops the poll with no event taken).
    let events = vec![event(
        "in-flight",
        Some("inv-f"),
        json!({"action": "log-lines", "count": 1, "pause_ms": 300}),
    )];
    let api = ScriptedApi::start(events, Script::default()).await;
    let mut bootstrap = api.bootstrap_with(
        BEHAVIORS.path,
        &[("LAMBDA_WASM_SHUTDOWN_GRACE_MS", "5000")],
        Stdio::piped(),
    );
    let mut log = BufReader::new(bootstrap.stdout.take().unwrap()).lines();
    let running = async {
        while let Some(line) = log.next_line().await.unwrap() {
            if line.ends_with("line 0 of in-flight") {
                return;
            }
        }
        panic!("the bootstrap's log ended before the handler ran");
    };
    tokio::time::timeout(LIMIT, running)
        .await
        .expect("the handler never ran");
    let pid = bootstrap.id().unwrap().to_string();
    let signalled = Command::new("kill").args(["-TERM", &pid]).status().await.unwrap();
    assert!(signalled.success());
    let status = tokio::time::timeout(LIMIT, bootstrap.wait())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(status.code(), Some(0), "{status}");
    let seen = api.seen.lock().unwrap_or_else(PoisonError::into_inner).clone();
    let answered = answers(&seen);
    assert_eq!(answered.len(), 1, "{seen:#?}");
    assert!(answered[0].path.ends_with("/in-flight/response"));
    assert_eq!(polls(&seen), 1, "no polling after SIGTERM");
}

#[tokio::test]
async fn an_instance_whose_start_never_returns_is_stopped_at_its_deadline() {
    let api = ScriptedApi::start(vec![], Script::default()).await;
    let mut bootstrap = api.bootstrap(lambda_wasm_tests::START_LOOP.path, &[]);
    // Making the first instance at INIT is bounded (10 s): INIT fails with why, instead of hanging forever.
    let seen = api
        .wait_for("the init error", |s| {
            s.iter().any(|s| s.path.ends_with("/init/error"))
        })
        .await;
    let posted = seen.iter().find(|s| s.path.ends_with("/init/error")).unwrap();
    let report: serde_json::Value = serde_json::from_slice(&posted.body).unwrap();
    assert_eq!(report["errorType"], "Runtime.InitError");
    let message = report["errorMessage"].as_str().unwrap_or_default();
    assert!(message.contains("did not finish within 10.0s"), "{message}");
    let status = tokio::time::timeout(LIMIT, bootstrap.wait())
        .await
        .unwrap()
        .unwrap();
    assert!(!status.success(), "{status}");
}
