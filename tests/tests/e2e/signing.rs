//! AWS calls signed by the host, end to end: the Bedrock chat example (Python) streams a reply from a stand-in
//! Bedrock on 127.0.0.1 that verifies each signature with botocore against the credentials and scope THIS test
//! expects. The first token reaches the Function URL client while the stand-in still holds the rest; a wrong
//! signature is refused by the stand-in; a marked request to an origin the host does not sign for never leaves;
//! an unmarked request carries no signature; and the guest never sees a credential.

use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use lambda_wasm_tests::{ENVIRONMENT, OUTBOUND};
use serde_json::json;

use crate::harness::{Function, next_data};
use crate::standin::StandIn;

const MINUTE: Duration = Duration::from_secs(60);
/// The tokens the stand-in streams.
const TOKENS: [&str; 4] = ["Streaming", " keeps", " callers", " engaged."];

/// The function's credentials for one test: random, so a scan for them cannot be fooled by a constant.
struct Keys {
    access: String,
    secret: String,
    token: String,
}

impl Keys {
    fn new() -> Self {
        let nanos = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_nanos();
        let seed = format!("{nanos:032x}{:08x}", std::process::id());
        Self {
            access: format!("AKIA{}", seed[..16].to_ascii_uppercase()),
            secret: format!("secret{seed}"),
            token: format!("token{seed}"),
        }
    }
}

/// The stand-in Bedrock (tests/standins/fake_bedrock.py, botocore in target/standins/venv), expecting `keys`.
async fn bedrock(expect: &Keys) -> StandIn {
    let tokens = serde_json::to_string(&TOKENS).unwrap();
    StandIn::start(
        "fake_bedrock.py",
        &[
            ("EXPECT_ACCESS_KEY", expect.access.as_str()),
            ("EXPECT_SECRET_KEY", expect.secret.as_str()),
            ("EXPECT_SESSION_TOKEN", expect.token.as_str()),
            ("EXPECT_SERVICE", "bedrock"),
            ("EXPECT_REGION", "us-east-1"),
            ("TOKENS", tokens.as_str()),
            ("EXPECT_AUTH_TOKEN", "container-token"),
        ],
    )
    .await
}

/// The function's environment: its credentials, and (when `signed`) the stand-in mapped for signing.
fn env(keys: &Keys, stand_in: &StandIn, signed: bool) -> Vec<(String, String)> {
    let origin = stand_in.origin();
    let mut vars = vec![
        ("AWS_ACCESS_KEY_ID".to_owned(), keys.access.clone()),
        ("AWS_SECRET_ACCESS_KEY".to_owned(), keys.secret.clone()),
        ("AWS_SESSION_TOKEN".to_owned(), keys.token.clone()),
        ("AWS_REGION".to_owned(), "us-east-1".to_owned()),
        ("AWS_ENDPOINT_URL_BEDROCK_RUNTIME".to_owned(), origin.clone()),
        (
            "LAMBDA_WASM_ALLOW_HTTP".to_owned(),
            format!("127.0.0.1:{}", stand_in.port),
        ),
    ];
    if signed {
        vars.push((
            "LAMBDA_WASM_SIGN_ENDPOINTS".to_owned(),
            format!("{origin}=bedrock/us-east-1"),
        ));
    }
    vars
}

async fn chat_function(vars: &[(String, String)]) -> (tempfile::TempDir, Function) {
    let (dir, cwasm) = crate::languages::precompiled("python-bedrock-chat").await;
    let env: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    (dir, Function::with(&cwasm, &env, MINUTE).await)
}

#[tokio::test]
async fn the_first_token_arrives_while_bedrock_still_holds_the_rest() {
    let keys = Keys::new();
    let stand_in = bedrock(&keys).await;
    let (_dir, function) = chat_function(&env(&keys, &stand_in, true)).await;
    let response = function
        .request("GET", "/lambda-url/function/?prompt=why%20stream", "")
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "text/plain; charset=utf-8");
    let mut body = response.into_body();
    let first = next_data(&mut body).await.expect("a first chunk");
    assert_eq!(&first[..], TOKENS[0].as_bytes(), "the first token, alone");
    // Only now does the stand-in send the rest: the first token was not waiting for it.
    stand_in.get("/release").await;
    let mut rest = Vec::new();
    while let Some(data) = next_data(&mut body).await {
        rest.extend_from_slice(&data);
    }
    assert_eq!(String::from_utf8_lossy(&rest), TOKENS[1..].concat());
    assert_eq!(
        stand_in.get("/stats").await,
        json!({"verified": 1, "refused": 0, "unsigned": 0, "credentials": 0})
    );
    function.assert_one_process();
}

#[tokio::test]
async fn a_signature_with_other_credentials_is_refused_by_bedrock() {
    let keys = Keys::new();
    let stand_in = bedrock(&keys).await;
    let other = Keys::new();
    let mut vars = env(&keys, &stand_in, true);
    vars[1].1 = format!("{}-wrong", other.secret);
    let (_dir, function) = chat_function(&vars).await;
    let body = function
        .invoke_json(json!({"prompt": "hello"}))
        .await
        .expect_error("InvalidSignatureException");
    assert!(
        body["errorMessage"].as_str().is_some_and(|m| m.contains("403")),
        "{body}"
    );
    assert_eq!(stand_in.get("/stats").await["refused"], 1);
}

#[tokio::test]
async fn a_marked_request_to_an_origin_the_host_does_not_sign_for_never_leaves() {
    let keys = Keys::new();
    let stand_in = bedrock(&keys).await;
    // Allowed out, but neither an AWS endpoint over HTTPS nor a mapped origin.
    let (_dir, function) = chat_function(&env(&keys, &stand_in, false)).await;
    function
        .invoke_json(json!({"prompt": "hello"}))
        .await
        .expect_error("Http.Denied");
    assert_eq!(
        stand_in.get("/stats").await,
        json!({"verified": 0, "refused": 0, "unsigned": 0, "credentials": 0})
    );
    assert!(
        function
            .logs()
            .iter()
            .any(|l| l.contains("signing a request to") && l.contains("refused"))
    );
}

#[tokio::test]
async fn an_unmarked_request_carries_no_signature() {
    let keys = Keys::new();
    let stand_in = bedrock(&keys).await;
    let vars = env(&keys, &stand_in, true);
    let env: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let function = Function::with(Path::new(OUTBOUND.path), &env, MINUTE).await;
    let url = format!("{}/plain", stand_in.origin());
    let body = function.invoke_json(json!({"url": url})).await.expect_ok();
    assert_eq!(body["status"], 200, "{body}");
    assert_eq!(stand_in.get("/stats").await["unsigned"], 1);
}

#[tokio::test]
async fn the_guest_never_sees_the_credentials_it_is_signed_with() {
    let keys = Keys::new();
    let stand_in = bedrock(&keys).await;
    let names = json!({"names": ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"]});
    let vars = env(&keys, &stand_in, true);
    let env: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let hidden = Function::with(Path::new(ENVIRONMENT.path), &env, MINUTE).await;
    let seen = hidden.invoke_json(names.clone()).await.expect_ok();
    assert!(
        !seen.to_string().contains(&keys.secret) && !seen.to_string().contains(&keys.token),
        "{seen}"
    );
    // The twin: exposed on purpose, the same scan finds them, so the scan works.
    let exposed_env = [env.as_slice(), &[("LAMBDA_WASM_EXPOSE_CREDENTIALS", "true")]].concat();
    let exposed = Function::with(Path::new(ENVIRONMENT.path), &exposed_env, MINUTE).await;
    let seen = exposed.invoke_json(names).await.expect_ok();
    assert_eq!(seen["AWS_SECRET_ACCESS_KEY"], keys.secret.as_str());
}

#[tokio::test]
async fn a_rust_guest_calls_bedrock_signed_by_the_host() {
    let keys = Keys::new();
    let stand_in = bedrock(&keys).await;
    let vars = env(&keys, &stand_in, true);
    let env: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let function = Function::with(Path::new(lambda_wasm_tests::RUST_BEDROCK.path), &env, MINUTE).await;
    let body = function
        .invoke_json(json!({"prompt": "why sign on the host"}))
        .await
        .expect_ok();
    assert_eq!(body, json!({"reply": TOKENS.concat(), "stop": "end_turn"}));
    assert_eq!(stand_in.get("/stats").await["verified"], 1);
}

#[tokio::test]
async fn credentials_from_the_container_endpoint_are_fetched_once_and_sign() {
    let keys = Keys::new();
    let stand_in = bedrock(&keys).await;
    // No keys in the environment: the container-credentials endpoint (a second stand-in, on loopback: the one
    // Bedrock answers on could not be called, being the credentials endpoint) has them.
    let credentials = bedrock(&keys).await;
    let mut vars: Vec<(String, String)> = env(&keys, &stand_in, true)
        .into_iter()
        .filter(|(name, _)| {
            !name.starts_with("AWS_ACCESS_KEY")
                && !name.starts_with("AWS_SECRET")
                && name != "AWS_SESSION_TOKEN"
        })
        .collect();
    vars.push((
        "AWS_CONTAINER_CREDENTIALS_FULL_URI".into(),
        format!("{}/credentials", credentials.origin()),
    ));
    vars.push((
        "AWS_CONTAINER_AUTHORIZATION_TOKEN".into(),
        "container-token".into(),
    ));
    let env: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let function = Function::with(Path::new(lambda_wasm_tests::RUST_BEDROCK.path), &env, MINUTE).await;
    for _ in 0..2 {
        let body = function.invoke_json(json!({"prompt": "hello"})).await.expect_ok();
        assert_eq!(body["reply"], TOKENS.concat());
    }
    assert_eq!(stand_in.get("/stats").await["verified"], 2, "both signed");
    let fetched = credentials.get("/stats").await["credentials"].clone();
    assert_eq!(fetched, 1, "fetched on the first signed request, then reused");
}

/// `secret`, each byte XOR 0xA5, in hex: how a test names a secret to the scanning guest without sending it.
fn masked(secret: &str) -> String {
    secret.bytes().map(|b| format!("{:02x}", b ^ 0xA5)).collect()
}

#[tokio::test]
async fn after_a_signed_call_no_credential_is_anywhere_in_the_guests_memory() {
    let keys = Keys::new();
    let stand_in = bedrock(&keys).await;
    let vars = env(&keys, &stand_in, true);
    let env: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let event = json!({
        "url": format!("{}/model/m/converse", stand_in.origin()),
        "method": "POST",
        "body": "{\"messages\": []}",
        "headers": {"x-lambda-wasm-sign": "aws", "content-type": "application/json"},
        "scan": [masked(&keys.secret), masked(&keys.token)],
    });
    let hidden = Function::with(Path::new(OUTBOUND.path), &env, MINUTE).await;
    let body = hidden.invoke_json(event.clone()).await.expect_ok();
    assert_eq!(body["status"], 200, "{body}");
    assert_eq!(body["found"], json!([]), "a credential is in the guest's memory");
    assert_eq!(
        stand_in.get("/stats").await["verified"],
        1,
        "the call was signed with them"
    );
    // The twin: exposed on purpose, the same scan finds both in memory, so the scan works.
    let exposed_env = [env.as_slice(), &[("LAMBDA_WASM_EXPOSE_CREDENTIALS", "true")]].concat();
    let exposed = Function::with(Path::new(OUTBOUND.path), &exposed_env, MINUTE).await;
    let body = exposed.invoke_json(event).await.expect_ok();
    assert_eq!(body["found"], json!([0, 1]), "{body}");
}

#[tokio::test]
async fn a_javascript_guest_streams_from_bedrock_signed_by_the_host() {
    let keys = Keys::new();
    let stand_in = bedrock(&keys).await;
    // This handler answers once the stream has ended: let the stand-in send every token at once.
    stand_in.get("/release").await;
    let mut vars = env(&keys, &stand_in, true);
    vars.push(("MODEL_ID".to_owned(), "model-from-the-environment".to_owned()));
    let env: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let (_dir, cwasm) = crate::languages::precompiled("js-bedrock").await;
    let function = Function::with(&cwasm, &env, MINUTE).await;
    let body = function
        .invoke_json(json!({"prompt": "why sign on the host"}))
        .await
        .expect_ok();
    assert_eq!(
        body,
        json!({"reply": TOKENS.concat(), "deltas": TOKENS.len(), "stop": "end_turn"})
    );
    assert_eq!(stand_in.get("/stats").await["verified"], 1);
    // The model came from the function's environment, read at the call (`process.env`).
    assert!(
        function
            .logs()
            .iter()
            .any(|l| l.contains("model-from-the-environment: 4 deltas")),
        "{:#?}",
        function.logs()
    );
}
