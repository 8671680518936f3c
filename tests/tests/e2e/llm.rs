//! The OpenAI-compatible chat example (Python) against a stand-in on 127.0.0.1 that streams server-sent events:
//! the first token reaches the Function URL client while the stand-in still holds the rest, the API key is read
//! from the function's environment at run time, and a refusal by the API is the invocation's error.

use std::time::Duration;

use serde_json::json;

use crate::harness::{Function, next_data};
use crate::standin::StandIn;

const MINUTE: Duration = Duration::from_secs(60);
const TOKENS: [&str; 3] = ["Tokens", " arrive", " one by one."];

async fn chat(stand_in: &StandIn, key: &str) -> (tempfile::TempDir, Function) {
    let (dir, cwasm) = crate::languages::precompiled("python-openai-chat").await;
    let base = format!("{}/v1", stand_in.origin());
    let allow = format!("127.0.0.1:{}", stand_in.port);
    let env = [
        ("OPENAI_API_KEY", key),
        ("OPENAI_BASE_URL", base.as_str()),
        ("LAMBDA_WASM_ALLOW_HTTP", allow.as_str()),
    ];
    (dir, Function::with(&cwasm, &env, MINUTE).await)
}

#[tokio::test]
async fn server_sent_events_are_relayed_token_by_token() {
    let tokens = serde_json::to_string(&TOKENS).unwrap();
    let stand_in = StandIn::start("fake_llm.py", &[("EXPECT_KEY", "sk-test"), ("TOKENS", &tokens)]).await;
    let (_dir, function) = chat(&stand_in, "sk-test").await;
    let response = function
        .request(
            "POST",
            "/lambda-url/function/",
            json!({"prompt": "why stream"}).to_string(),
        )
        .await;
    assert_eq!(response.status(), 200);
    let mut body = response.into_body();
    let first = next_data(&mut body).await.expect("a first chunk");
    assert_eq!(&first[..], TOKENS[0].as_bytes());
    stand_in.get("/release").await;
    let mut rest = Vec::new();
    while let Some(data) = next_data(&mut body).await {
        rest.extend_from_slice(&data);
    }
    assert_eq!(String::from_utf8_lossy(&rest), TOKENS[1..].concat());
    assert_eq!(stand_in.get("/stats").await, json!({"served": 1, "refused": 0}));
}

#[tokio::test]
async fn a_refused_key_is_the_invocations_error() {
    let stand_in = StandIn::start("fake_llm.py", &[("EXPECT_KEY", "sk-right")]).await;
    let (_dir, function) = chat(&stand_in, "sk-wrong").await;
    let body = function
        .invoke_json(json!({"prompt": "hello"}))
        .await
        .expect_error("Upstream.Error");
    assert!(
        body["errorMessage"].as_str().is_some_and(|m| m.contains("401")),
        "{body}"
    );
    assert_eq!(stand_in.get("/stats").await["refused"], 1);
}
