//! Lambda Managed Instances through the emulator: N invocations in one `bootstrap` at once, each log record
//! labelled with its own invocation, a trap or a timeout ending only its own invocation, and SIGTERM at
//! shutdown.

use std::convert::Infallible;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use lambda_wasm_tests::{BEHAVIORS, OUTBOUND};
use serde_json::json;
use tokio::sync::Notify;

use crate::harness::Function;

/// How many invocations run at once in these tests.
const N: usize = 8;

/// A loopback server that answers no request until `expected` requests are waiting at it, then all of them.
/// Returns its port and how many requests it has seen.
async fn barrier(expected: usize) -> (u16, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let arrived = Arc::new(AtomicUsize::new(0));
    let released = Arc::new(Notify::new());
    let seen = arrived.clone();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let (arrived, released) = (arrived.clone(), released.clone());
            tokio::spawn(async move {
                let service = service_fn(move |_request: hyper::Request<hyper::body::Incoming>| {
                    let (arrived, released) = (arrived.clone(), released.clone());
                    async move {
                        let notified = released.notified();
                        tokio::pin!(notified);
                        notified.as_mut().enable();
                        if arrived.fetch_add(1, Ordering::SeqCst) + 1 >= expected {
                            released.notify_waiters();
                        } else {
                            notified.await;
                        }
                        Ok::<_, Infallible>(hyper::Response::new(Full::new(Bytes::from_static(b"released"))))
                    }
                });
                let _ = http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    (port, seen)
}

#[tokio::test]
async fn n_invocations_run_at_once_in_one_bootstrap() {
    let (port, arrived) = barrier(N).await;
    let allow = format!("127.0.0.1:{port}");
    let function = Function::managed(
        Path::new(OUTBOUND.path),
        &[("LAMBDA_WASM_ALLOW_HTTP", &allow)],
        Duration::from_secs(60),
        N,
    )
    .await;
    let url = format!("http://127.0.0.1:{port}/wait");
    // Each call waits at the barrier until all N are there: they complete only if N run at once.
    let calls = (0..N).map(|_| function.invoke_json(json!({ "url": url })));
    let answers = futures_join_all(calls).await;
    for answer in &answers {
        let body = answer.expect_ok();
        assert_eq!(body, json!({"status": 200, "body": "released"}));
    }
    assert_eq!(arrived.load(Ordering::SeqCst), N, "each invocation called once");
    function.assert_one_process();
    let ready = function
        .logs()
        .into_iter()
        .find(|l| l.contains("bootstrap ready"))
        .unwrap_or_default();
    assert!(ready.contains(&format!("{N} workers")), "{ready}");
}

#[tokio::test]
async fn every_log_record_carries_its_own_request_id() {
    let function = Function::managed(Path::new(BEHAVIORS.path), &[], Duration::from_secs(60), N).await;
    let calls =
        (0..N).map(|_| function.invoke_json(json!({"action": "log-lines", "count": 100, "pause_ms": 1})));
    for answer in futures_join_all(calls).await {
        assert_eq!(answer.expect_ok(), json!({"lines": 100}));
    }
    let logs = function.logs();
    let mut checked = 0;
    let mut ids = std::collections::HashSet::new();
    for line in &logs {
        // Text format: timestamp, request id, level, message.
        let fields: Vec<&str> = line.splitn(4, '\t').collect();
        let Some(message) = fields.get(3) else { continue };
        let Some((_, owner)) = message.split_once(" of ") else {
            continue;
        };
        assert_eq!(
            fields[1], owner,
            "a record labelled with another invocation: {line}"
        );
        ids.insert(owner.to_owned());
        checked += 1;
    }
    assert_eq!(checked, N * 100, "every line was logged once");
    assert_eq!(ids.len(), N);
}

#[tokio::test]
async fn json_records_carry_the_tenant_of_their_own_invocation() {
    let function = Function::managed(
        Path::new(BEHAVIORS.path),
        &[("AWS_LAMBDA_LOG_FORMAT", "JSON")],
        Duration::from_secs(60),
        2,
    )
    .await;
    let event = json!({"action": "log-lines", "count": 20, "pause_ms": 1}).to_string();
    let (a, b) = tokio::join!(
        function.invoke_with(&[("X-Amz-Tenant-Id", "tenant-a")], event.clone()),
        function.invoke_with(&[("X-Amz-Tenant-Id", "tenant-b")], event.clone()),
    );
    a.expect_ok();
    b.expect_ok();
    let mut tenants = std::collections::HashMap::new();
    for line in function.logs() {
        let Ok(record) = serde_json::from_str::<serde_json::Value>(&line) else {
            continue;
        };
        let Some(message) = record["message"].as_str() else {
            continue;
        };
        let Some((_, owner)) = message.split_once(" of ") else {
            continue;
        };
        assert_eq!(record["requestId"], owner, "{line}");
        let tenant = record["tenantId"].as_str().unwrap_or_default().to_owned();
        assert!(tenant == "tenant-a" || tenant == "tenant-b", "{line}");
        assert_eq!(
            tenants.entry(owner.to_owned()).or_insert(tenant.clone()),
            &tenant,
            "{line}"
        );
    }
    assert_eq!(tenants.len(), 2, "{tenants:?}");
}

#[tokio::test]
async fn a_trap_or_a_timeout_ends_only_its_own_invocation() {
    let function = Function::managed(Path::new(BEHAVIORS.path), &[], Duration::from_secs(2), 2).await;
    let (trapped, counted) = tokio::join!(
        function.invoke_json(json!({"action": "trap"})),
        function.invoke_json(json!({"action": "count"})),
    );
    trapped.expect_error("Runtime.WasmTrap");
    counted.expect_ok();
    // Managed Instances do not kill the environment at a timeout: the host stops the guest itself.
    let slow = function
        .invoke_json(json!({"action": "sleep", "seconds": 3600}))
        .await;
    let body = slow.expect_error("Sandbox.Timeout");
    assert_eq!(body["errorMessage"], "Task timed out after 2.00 seconds");
    let spun = function.invoke_json(json!({"action": "spin"})).await;
    spun.expect_error("Sandbox.Timeout");
    function.invoke_json(json!({"action": "echo"})).await.expect_ok();
    function.assert_one_process();
}

#[tokio::test]
async fn managed_instances_get_sigterm_at_shutdown_and_exit_cleanly() {
    let function = Function::managed(
        Path::new(BEHAVIORS.path),
        &[("LAMBDA_WASM_SHUTDOWN_GRACE_MS", "1500")],
        Duration::from_secs(60),
        2,
    )
    .await;
    function.invoke_json(json!({"action": "echo"})).await.expect_ok();
    let logs = function.shutdown().await;
    assert!(
        logs.iter().any(|l| l.contains("SIGTERM: no more polling")),
        "{logs:#?}"
    );
}

#[tokio::test]
async fn graceful_shutdown_registers_an_extension_so_on_demand_functions_get_sigterm() {
    let function = Function::with(
        Path::new(BEHAVIORS.path),
        &[("LAMBDA_WASM_GRACEFUL_SHUTDOWN", "true")],
        Duration::from_secs(60),
    )
    .await;
    function.invoke_json(json!({"action": "echo"})).await.expect_ok();
    let logs = function.shutdown().await;
    assert!(
        logs.iter().any(|l| l.contains("SIGTERM: no more polling")),
        "{logs:#?}"
    );
    assert!(
        !logs
            .iter()
            .any(|l| l.contains("registering the extension failed")),
        "{logs:#?}"
    );
}

/// Waits for every future, concurrently.
async fn futures_join_all<F: std::future::Future>(futures: impl Iterator<Item = F>) -> Vec<F::Output> {
    let mut set = Vec::new();
    for future in futures {
        set.push(Box::pin(future));
    }
    let mut outputs = Vec::with_capacity(set.len());
    let mut pending: Vec<_> = set.into_iter().map(Some).collect();
    let mut results: Vec<Option<F::Output>> = (0..pending.len()).map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut done = true;
        for (slot, result) in pending.iter_mut().zip(results.iter_mut()) {
            if let Some(future) = slot {
                match future.as_mut().poll(cx) {
                    std::task::Poll::Ready(output) => {
                        *result = Some(output);
                        *slot = None;
                    }
                    std::task::Poll::Pending => done = false,
                }
            }
        }
        if done {
            std::task::Poll::Ready(())
        } else {
            std::task::Poll::Pending
        }
    })
    .await;
    outputs.extend(results.into_iter().flatten());
    outputs
}
