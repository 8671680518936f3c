//! Lambda Managed Instances (`concurrency` above 1): invocations in flight together, each with its own request
//! and invocation ids; a timed-out invocation answered while the bootstrap lives on, and its late answer refused
//! with 410; the invocation id's echo checked; the tenant id passed on; and the Extensions API's register and
//! `event/next`, with SIGTERM at shutdown.

use std::collections::HashSet;
use std::time::Duration;

use bytes::Bytes;
use hyper::{Method, StatusCode};

use crate::harness::{Harness, IDLE_BOOTSTRAP, finished};

/// Starts an emulator in Managed Instances mode.
async fn managed(script: &str, concurrency: usize, timeout: Duration) -> Harness {
    Harness::start_with(script, timeout, |config| config.concurrency = concurrency).await
}

#[tokio::test]
async fn invocations_are_in_flight_together_each_with_its_own_ids() {
    let mut h = managed(IDLE_BOOTSTRAP, 3, Duration::from_secs(30)).await;
    let invokes = [
        h.invoke(&[("X-Amz-Tenant-Id", "tenant-a")], "\"first\""),
        h.invoke(&[], "\"second\""),
        h.invoke(&[], "\"third\""),
    ];
    h.spawned().await;
    // Three `/next` in a row, none answered yet: all three are in flight at once.
    let mut handed = Vec::new();
    for _ in 0..3 {
        let next = h.next().await;
        assert_eq!(next.status, StatusCode::OK);
        let id = next.header("lambda-runtime-aws-request-id").unwrap().to_owned();
        let invocation = next.header("lambda-runtime-invocation-id").unwrap().to_owned();
        let tenant = next.header("lambda-runtime-aws-tenant-id").map(str::to_owned);
        handed.push((id, invocation, tenant, next.body.clone()));
    }
    let ids: HashSet<_> = handed.iter().map(|h| h.0.clone()).collect();
    let invocation_ids: HashSet<_> = handed.iter().map(|h| h.1.clone()).collect();
    assert_eq!((ids.len(), invocation_ids.len()), (3, 3), "{handed:?}");
    for (_, _, tenant, body) in &handed {
        let expected = (&body[..] == b"\"first\"").then(|| "tenant-a".to_owned());
        assert_eq!(tenant, &expected, "the tenant id goes with its own invocation");
    }
    // Answered in reverse order, each with its invocation id echoed: each caller gets its own answer.
    for (id, invocation, _, body) in handed.iter().rev() {
        let posted = h
            .post(
                id,
                "response",
                &[("lambda-runtime-invocation-id", invocation)],
                body.clone(),
            )
            .await;
        assert_eq!(posted.status, StatusCode::ACCEPTED);
    }
    for (invoke, expected) in invokes.into_iter().zip(["\"first\"", "\"second\"", "\"third\""]) {
        let reply = finished(invoke).await;
        assert_eq!(&reply.body[..], expected.as_bytes());
    }
}

#[tokio::test]
async fn a_timed_out_invocation_is_answered_and_the_bootstrap_lives_on() {
    let mut h = managed(IDLE_BOOTSTRAP, 2, Duration::from_secs(1)).await;
    let invoke = h.invoke(&[], "{}");
    let pid = h.spawned().await;
    let (next, id) = h.next_id().await;
    let invocation = next.header("lambda-runtime-invocation-id").unwrap().to_owned();
    let reply = finished(invoke).await;
    assert_eq!(reply.header("x-amz-function-error"), Some("Unhandled"));
    assert_eq!(reply.json()["errorMessage"], "Task timed out after 1.00 seconds");
    // The late answer is refused as gone, not delivered.
    let late = h
        .post(
            &id,
            "response",
            &[("lambda-runtime-invocation-id", &invocation)],
            "late",
        )
        .await;
    assert_eq!(late.status, StatusCode::GONE, "{:?}", late.body);
    // The same bootstrap serves the next invocation: it was not killed.
    let again = h.invoke(&[], "\"again\"");
    let (next, id) = h.next_id().await;
    assert_eq!(&next.body[..], b"\"again\"");
    assert_eq!(
        h.post(&id, "response", &[], "ok").await.status,
        StatusCode::ACCEPTED
    );
    assert_eq!(&finished(again).await.body[..], b"ok");
    assert!(
        !h.seen.iter().any(|line| line.starts_with("spawned ")),
        "a second bootstrap was spawned (the first was {pid})"
    );
}

#[tokio::test]
async fn an_answer_echoing_another_invocation_id_is_gone() {
    let mut h = managed(IDLE_BOOTSTRAP, 2, Duration::from_secs(30)).await;
    let invoke = h.invoke(&[], "{}");
    h.spawned().await;
    let (next, id) = h.next_id().await;
    let invocation = next.header("lambda-runtime-invocation-id").unwrap().to_owned();
    let stale = h
        .post(
            &id,
            "response",
            &[("lambda-runtime-invocation-id", "not-this-one")],
            "stale",
        )
        .await;
    assert_eq!(stale.status, StatusCode::GONE);
    let error = h
        .post(
            &id,
            "error",
            &[("lambda-runtime-invocation-id", "not-this-one")],
            "{}",
        )
        .await;
    assert_eq!(error.status, StatusCode::GONE);
    let posted = h
        .post(
            &id,
            "response",
            &[("lambda-runtime-invocation-id", &invocation)],
            "right",
        )
        .await;
    assert_eq!(posted.status, StatusCode::ACCEPTED);
    assert_eq!(&finished(invoke).await.body[..], b"right");
}

/// A bootstrap that says when it gets SIGTERM, then exits.
const TERM_AWARE_BOOTSTRAP: &str = "trap 'echo got-term; exit 0' TERM; echo spawned $$; sleep 30 & wait";

#[tokio::test]
async fn an_extension_registers_during_init_and_shutdown_sends_sigterm() {
    let mut h = Harness::start(TERM_AWARE_BOOTSTRAP, Duration::from_secs(30)).await;
    let invoke = h.invoke(&[], "{}");
    h.spawned().await;
    let register = "/2020-01-01/extension/register";
    let unnamed = h
        .runtime(
            Method::POST,
            register,
            &[],
            Bytes::from_static(b"{\"events\":[]}"),
        )
        .await;
    assert_eq!(unnamed.status, StatusCode::BAD_REQUEST);
    let registered = h
        .runtime(
            Method::POST,
            register,
            &[("lambda-extension-name", "no-op")],
            Bytes::from_static(b"{\"events\":[]}"),
        )
        .await;
    assert_eq!(registered.status, StatusCode::OK);
    let identifier = registered
        .header("lambda-extension-identifier")
        .unwrap()
        .to_owned();
    assert_eq!(registered.json()["functionName"], "test_function");
    // Its `event/next` is held (no events are emulated); an unknown identifier is refused at once.
    let unknown = h
        .runtime(
            Method::GET,
            "/2020-01-01/extension/event/next",
            &[("lambda-extension-identifier", "unknown")],
            Bytes::new(),
        )
        .await;
    assert_eq!(unknown.status, StatusCode::FORBIDDEN);
    let addr = h.emulator.runtime_api_addr();
    let held = tokio::spawn(async move {
        crate::harness::request(
            addr,
            Method::GET,
            "/2020-01-01/extension/event/next",
            &[("lambda-extension-identifier", &identifier)],
            Bytes::new(),
        )
        .await
    });
    let (_, id) = h.next_id().await;
    // The init phase is over: no more registering.
    let late = h
        .runtime(
            Method::POST,
            register,
            &[("lambda-extension-name", "late")],
            Bytes::from_static(b"{}"),
        )
        .await;
    assert_eq!(late.status, StatusCode::FORBIDDEN);
    assert_eq!(
        h.post(&id, "response", &[], "ok").await.status,
        StatusCode::ACCEPTED
    );
    finished(invoke).await;
    assert!(!held.is_finished(), "event/next answered with no event to give");
    held.abort();
    // A bootstrap with an extension gets SIGTERM at shutdown, and the grace to act on it.
    let Harness {
        emulator,
        mut lines,
        seen,
    } = h;
    emulator.shutdown().await;
    let got_term = crate::harness::bounded(async {
        loop {
            match lines.recv().await {
                Some(line) if line == "got-term" => return true,
                Some(_) => {}
                None => return seen.iter().any(|line| line == "got-term"),
            }
        }
    })
    .await;
    assert!(got_term, "the bootstrap never saw SIGTERM");
}
