//! Hostile guests, each attack performed for real by a fixture and shown contained: the exact error for that
//! invocation, the bound on what it got, the same `bootstrap` process, and the next invocation answered. Every
//! "cannot" has its "can" beside it.

use std::convert::Infallible;
use std::path::Path;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use lambda_wasm_tests::{
    BEHAVIORS, ENVIRONMENT, FILESYSTEM, Guest, OPS, OPS_STREAMING, OUTBOUND, STREAMING, TRAPS,
};
use serde_json::json;

use crate::harness::Function;
use crate::stream::EventStream;

const MINUTE: Duration = Duration::from_secs(60);

/// The memory size of the functions the resource attacks run in, in MB.
const SMALL_MB: u32 = 128;

/// `guest` with `env` on a function of `SMALL_MB`, so that the environment's peak can be held to its size.
async fn small_function(guest: Guest, env: &[(&str, &str)]) -> Function {
    Function::configured(Path::new(guest.path), env, MINUTE, |config| {
        config.memory_mb = SMALL_MB;
    })
    .await
}

/// Asserts the environment's peak (the REPORT's Max Memory Used: host and guest) stayed under the function's size.
fn assert_peak_under_memory_size(function: &Function) {
    let peak = function.last_max_memory_mb().expect("a REPORT line");
    assert!(peak < u64::from(SMALL_MB), "the environment's peak was {peak} MB");
}

/// A loopback HTTP server that answers `hello` to everything; returns its port.
async fn hello_server() -> u16 {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                let service = service_fn(|_request: hyper::Request<hyper::body::Incoming>| async {
                    Ok::<_, Infallible>(hyper::Response::new(Full::new(Bytes::from_static(b"hello"))))
                });
                let _ = http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    port
}

/// A free loopback port, for a listener the emulator binds next.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[tokio::test]
async fn a_guest_cannot_reach_the_runtime_api_even_when_it_is_listed() {
    for listing in ["*", "{api}", "*,{api}"] {
        let runtime_api = format!("127.0.0.1:{}", free_port());
        let allow = listing.replace("{api}", &runtime_api);
        let allow = allow.as_str();
        let function = Function::configured(
            Path::new(OUTBOUND.path),
            &[("LAMBDA_WASM_ALLOW_HTTP", allow)],
            MINUTE,
            |config| config.runtime_api_addr = runtime_api.parse().unwrap(),
        )
        .await;
        for path in [
            "/2018-06-01/runtime/invocation/next",
            "/2018-06-01/runtime/invocation/x/response",
        ] {
            let url = format!("http://{runtime_api}{path}");
            function
                .invoke_json(json!({"url": url}))
                .await
                .expect_error("Http.Denied");
        }
        // The environment is intact: the next invocation is answered by the host, by the same process.
        function
            .invoke_json(json!({"url": format!("http://{runtime_api}/other")}))
            .await
            .expect_error("Http.Denied");
        assert!(
            function
                .logs()
                .iter()
                .any(|l| l.contains("the Lambda Runtime API")),
            "the denial says why ({allow})"
        );
        function.assert_one_process();
    }
}

#[tokio::test]
async fn loopback_is_reached_only_when_listed_as_ip_and_port() {
    let port = hello_server().await;
    let cases = [
        // `*` is any PUBLIC host; a name that resolves to loopback is not enough either.
        ("*", format!("http://127.0.0.1:{port}/"), false),
        (
            &*format!("localhost:{port}"),
            format!("http://localhost:{port}/"),
            false,
        ),
        (
            &*format!("127.0.0.1:{port}"),
            format!("http://127.0.0.1:{port}/"),
            true,
        ),
    ];
    for (allow, url, reached) in cases {
        let function = Function::with(
            Path::new(OUTBOUND.path),
            &[("LAMBDA_WASM_ALLOW_HTTP", allow)],
            MINUTE,
        )
        .await;
        let answer = function.invoke_json(json!({"url": url})).await;
        if reached {
            assert_eq!(
                answer.expect_ok(),
                json!({"status": 200, "body": "hello"}),
                "{allow}"
            );
        } else {
            answer.expect_error("Http.Denied");
        }
    }
}

#[tokio::test]
async fn platform_secrets_stay_out_and_the_functions_own_variables_pass() {
    let env = [
        (
            "AWS_CONTAINER_CREDENTIALS_FULL_URI",
            "http://127.0.0.1:9/v2/credentials/x",
        ),
        ("AWS_CONTAINER_AUTHORIZATION_TOKEN", "secret-token"),
        ("AWS_SOMETHING_NEW", "platform"),
        ("OPENAI_API_KEY", "the-users-own"),
    ];
    let function = Function::with(Path::new(ENVIRONMENT.path), &env, MINUTE).await;
    let names: Vec<&str> = env
        .iter()
        .map(|(k, _)| *k)
        .chain(["AWS_REGION", "LAMBDA_TASK_ROOT"])
        .collect();
    let seen = function.invoke_json(json!({"names": names})).await.expect_ok();
    assert_eq!(
        seen["AWS_CONTAINER_CREDENTIALS_FULL_URI"],
        serde_json::Value::Null,
        "{seen}"
    );
    assert_eq!(
        seen["AWS_CONTAINER_AUTHORIZATION_TOKEN"],
        serde_json::Value::Null,
        "{seen}"
    );
    assert_eq!(seen["AWS_SOMETHING_NEW"], serde_json::Value::Null, "{seen}");
    assert_eq!(seen["OPENAI_API_KEY"], "the-users-own");
    assert!(
        seen["AWS_REGION"].is_string() && seen["LAMBDA_TASK_ROOT"].is_string(),
        "{seen}"
    );
}

#[tokio::test]
async fn a_guest_holding_files_is_stopped_before_the_hosts_descriptors_run_out() {
    let tmp = tempfile::tempdir().unwrap();
    let tmp_path = tmp.path().display().to_string();
    let function = small_function(FILESYSTEM, &[("LAMBDA_WASM_GUEST_TMP", &tmp_path)]).await;
    // More files than Lambda's 1,024 descriptors, kept open across invocations.
    let answer = function
        .invoke_json(json!({"action": "hold", "path": "/tmp", "count": 1100}))
        .await;
    let held = match answer.function_error {
        None => {
            let body = answer.json();
            assert!(body["error"].is_string(), "the guest was stopped: {body}");
            body["held"].as_u64().unwrap()
        }
        Some(_) => {
            answer.expect_error("Runtime.TooManyResources");
            0
        }
    };
    assert!(held < 512, "held {held}");
    // The host's own descriptors are intact: it still answers, streams, and reconnects.
    let body = function
        .invoke_json(json!({"action": "write", "path": "/tmp/after", "content": "ok"}))
        .await
        .expect_ok();
    assert_eq!(body["ok"], true, "{body}");
    assert_peak_under_memory_size(&function);
    function.assert_one_process();
}

#[tokio::test]
async fn a_huge_log_record_is_refused_before_the_host_copies_it() {
    let function = small_function(BEHAVIORS, &[]).await;
    let body = function
        .invoke_json(json!({"action": "log-big", "mib": 16}))
        .await
        .expect_error("Runtime.OutputTooLarge");
    assert!(
        body["errorMessage"]
            .as_str()
            .is_some_and(|m| m.contains("8388608")),
        "{body}"
    );
    // A large but legitimate record still goes through (split at 256 KiB).
    let fine = function
        .invoke_json(json!({"action": "log-big", "mib": 1}))
        .await
        .expect_ok();
    assert_eq!(fine["logged_mib"], 1);
    assert_peak_under_memory_size(&function);
    function.assert_one_process();
}

#[tokio::test]
async fn a_log_message_cannot_forge_a_record() {
    let function = Function::with(Path::new(BEHAVIORS.path), &[], MINUTE).await;
    let forged = "x\n2020-01-01T00:00:00.000Z\tforged-request-id\tERROR\tforged record";
    function
        .invoke_json(json!({"action": "log", "message": forged}))
        .await
        .expect_ok();
    let logs = function.logs();
    assert!(
        !logs.iter().any(|l| l.starts_with("2020-01-01")),
        "a forged record: {logs:#?}"
    );
    let carried: Vec<&String> = logs.iter().filter(|l| l.contains("forged record")).collect();
    assert!(!carried.is_empty());
    for line in carried {
        let request_id = line.split('\t').nth(1).unwrap_or_default();
        assert_eq!(request_id.len(), 36, "every part is labelled by the host: {line}");
    }
}

#[tokio::test]
async fn invocation_isolation_gives_each_instance_its_own_tmp() {
    for (isolation, leaks) in [("invocation", false), ("environment", true)] {
        let tmp = tempfile::tempdir().unwrap();
        let tmp_path = tmp.path().display().to_string();
        let function = Function::with(
            Path::new(FILESYSTEM.path),
            &[
                ("LAMBDA_WASM_ISOLATION", isolation),
                ("LAMBDA_WASM_GUEST_TMP", &tmp_path),
            ],
            MINUTE,
        )
        .await;
        let wrote = function
            .invoke_json(json!({"action": "write", "path": "/tmp/left-behind", "content": "state"}))
            .await
            .expect_ok();
        assert_eq!(wrote["ok"], true);
        let read = function
            .invoke_json(json!({"action": "read", "path": "/tmp/left-behind"}))
            .await
            .expect_ok();
        assert_eq!(read["ok"], leaks, "{isolation}: {read}");
    }
}

#[tokio::test]
async fn a_huge_streamed_error_is_cut_to_fit_the_trailers() {
    let function = Function::with(Path::new(STREAMING.path), &[], MINUTE).await;
    let message = "m".repeat(60 * 1024);
    let mut stream = EventStream::open(&function, json!({"action": "fail-after", "message": message})).await;
    let (payload, complete) = stream.rest().await;
    assert_eq!(payload, b"partial\n");
    // The guest's own error reaches the caller (not Runtime.TruncatedResponse), its message cut.
    assert_eq!(complete["ErrorCode"], "ValidationError", "{complete}");
    function.assert_one_process();
}

#[tokio::test]
async fn an_error_whose_strings_alias_one_buffer_is_refused_before_the_host_copies_it() {
    let function = small_function(TRAPS, &[]).await;
    let body = function.invoke("a").await.expect_error("Runtime.OutputTooLarge");
    assert!(
        body["errorMessage"]
            .as_str()
            .is_some_and(|m| m.contains("8388608")),
        "{body}"
    );
    // The host copied at most 8 MiB of the 3 GB the aliases add up to: the environment stayed small.
    assert_peak_under_memory_size(&function);
    let fine = function.invoke("fine").await;
    assert_eq!((fine.function_error.as_deref(), fine.body.len()), (None, 0));
    function.assert_one_process();
}

#[tokio::test]
async fn kept_http_fields_are_bounded_in_size_and_in_number() {
    let function = small_function(OPS, &[]).await;
    // A header block under 16 KiB is kept; one over it stops the instance (wasmtime traps rather than answer
    // `header-error`), with an error that says what was too large.
    let report = function.invoke(vec![11, 15]).await.expect_ok();
    assert_eq!(report["fields"], 1, "{report}");
    let body = function
        .invoke(vec![11, 17])
        .await
        .expect_error("Runtime.FieldsTooLarge");
    assert!(
        body["errorMessage"].as_str().is_some_and(|m| m.contains("16384")),
        "{body}"
    );
    // Keep 15 KiB `fields` until the host says no: 765 asked, the instance's table bound (512 entries) stops it,
    // so the host holds about 7.5 MB of them, not the ~12 MB asked (nor the 250 MB of wasmtime's defaults).
    let answer = function.invoke(vec![10, 255, 10, 255, 10, 255]).await;
    let kept = match answer.function_error {
        None => answer.json()["fields"].as_u64().unwrap(),
        Some(_) => {
            answer.expect_error("Runtime.TooManyResources");
            0
        }
    };
    assert!(kept < 512, "kept {kept} fields");
    assert_peak_under_memory_size(&function);
    // The next invocation is answered, by the same process.
    let report = function.invoke(vec![10, 1]).await.expect_ok();
    assert_eq!(report["field_refused"], 0, "{report}");
    function.assert_one_process();
}

#[tokio::test]
async fn random_bytes_are_capped_per_call() {
    let function = small_function(OPS, &[]).await;
    // 1 MiB in one call passes; 16 MiB (wasmtime's default allows 64 MiB, allocated on the host) is refused.
    let report = function.invoke(vec![12, 16]).await.expect_ok();
    assert_eq!(report["random"], 1 << 20, "{report}");
    let body = function
        .invoke(vec![12, 255])
        .await
        .expect_error("Runtime.RandomTooLarge");
    assert!(
        body["errorMessage"]
            .as_str()
            .is_some_and(|m| m.contains("16711680") && m.contains("1048576")),
        "{body}"
    );
    assert_peak_under_memory_size(&function);
    let report = function.invoke(vec![12, 1]).await.expect_ok();
    assert_eq!(report["random"], 1 << 16, "{report}");
    function.assert_one_process();
}

#[tokio::test]
async fn big_stream_writes_are_buffered_in_bounded_frames() {
    let function = small_function(OPS_STREAMING, &[]).await;
    // 96 MiB in writes of 4 MiB, read slowly: a buffer bounded by frames (8) rather than bytes would hold 32 MiB
    // of them; frames of 64 KiB hold 512 KiB.
    let ops: Vec<u8> = std::iter::repeat_n([14u8, 64], 24).flatten().collect();
    let mut stream = EventStream::open_raw(&function, ops).await;
    let (payload, complete) = stream.rest_slowly(4 << 20, Duration::from_millis(100)).await;
    assert!(complete.get("ErrorCode").is_none(), "{complete}");
    let (written, report) = payload.split_at(payload.len().min(96 << 20));
    assert!(
        written.len() == 96 << 20 && written.iter().all(|&b| b == b's'),
        "every byte written arrived"
    );
    let report: serde_json::Value = serde_json::from_slice(report).unwrap();
    assert_eq!(report["streamed"], 96 << 20, "{report}");
    // The guest's 4 MiB write buffer and the host (about 25 MB here): 8 whole writes in flight would add 32 MiB.
    let peak = function.last_max_memory_mb().expect("a REPORT line");
    assert!(peak < 48, "the environment's peak was {peak} MB");
    // One write of 12.5 MiB (over the host's 8 MiB copy bound) goes through too: the SDK cuts it into 64 KiB
    // host writes.
    let mut stream = EventStream::open_raw(&function, vec![14, 200]).await;
    let (payload, complete) = stream.rest().await;
    assert!(complete.get("ErrorCode").is_none(), "{complete}");
    assert!(payload.len() > 200 << 16, "{}", payload.len());
    function.assert_one_process();
}

#[tokio::test]
async fn guest_tables_count_against_the_memory_budget() {
    let function = small_function(TRAPS, &[]).await;
    // 16 tables of 1,000,000 elements would hold 128 MB of host memory: the 96 MiB budget grants some, no table
    // grows past 1,000,000 elements, and the guest learns it from `table.grow` (-1), not from a trap.
    let answer = function.invoke("t").await;
    assert_eq!(answer.function_error, None, "{answer:?}");
    let granted = u32::from_le_bytes(answer.body[..4].try_into().unwrap());
    assert!(
        (1_000_000..16_000_000).contains(&granted),
        "{granted} elements granted"
    );
    assert_eq!(granted % 1_000_000, 0);
    assert_peak_under_memory_size(&function);
    // The instance keeps its tables; the environment still answers.
    let fine = function.invoke("fine").await;
    assert_eq!((fine.function_error.as_deref(), fine.body.len()), (None, 0));
    function.assert_one_process();
}
