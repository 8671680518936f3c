//! The Extensions API, for one purpose: a no-op internal extension, registered at INIT when
//! `LAMBDA_WASM_GRACEFUL_SHUTDOWN=true`, so that Lambda sends the runtime SIGTERM before it shuts an on-demand
//! environment down (without a registered extension it sends SIGKILL).

use bytes::Bytes;
use http_body_util::Full;
use hyper::{Method, Request, StatusCode};

use super::{POST_TIMEOUT, headers};
use crate::config::RuntimeApiAddress;

/// The Extensions API's version prefix.
const EXTENSION: &str = "/2020-01-01/extension";
/// The name the extension registers under.
pub const NAME: &str = "lambda-wasm-graceful-shutdown";

/// Registers the internal extension (no events: internal extensions cannot take SHUTDOWN, and the runtime gets
/// SIGTERM either way), then keeps its `event/next` poll open in a task of its own, as Lambda expects of a
/// registered extension. Returns once registered; a failure here is logged by the caller and INIT goes on.
pub async fn register_no_op(address: &RuntimeApiAddress) -> anyhow::Result<()> {
    // `connect` is bounded by CONNECT_TIMEOUT itself.
    let mut sender = super::connect::<Full<Bytes>>(address).await?;
    let request = Request::builder()
        .method(Method::POST)
        .uri(format!("{}{EXTENSION}/register", address.prefix))
        .header("host", &address.authority)
        .header(headers::EXTENSION_NAME, NAME)
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from_static(br#"{"events":[]}"#)))?;
    let response = tokio::time::timeout(POST_TIMEOUT, sender.send_request(request))
        .await
        .map_err(|_| anyhow::anyhow!("registering the extension: no answer within {POST_TIMEOUT:?}"))??;
    if response.status() != StatusCode::OK {
        anyhow::bail!("registering the extension answered {}", response.status());
    }
    let identifier = response
        .headers()
        .get(headers::EXTENSION_IDENTIFIER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .ok_or_else(|| {
            anyhow::anyhow!(
                "registering the extension: no {} in the answer",
                headers::EXTENSION_IDENTIFIER
            )
        })?;
    let address = address.clone();
    tokio::spawn(async move {
        // Lambda holds this poll until shutdown (an extension with no events gets none): a failure only means
        // the environment is going away.
        let request = Request::builder()
            .method(Method::GET)
            .uri(format!("{}{EXTENSION}/event/next", address.prefix))
            .header("host", &address.authority)
            .header(headers::EXTENSION_IDENTIFIER, identifier)
            .body(Full::new(Bytes::new()));
        if let Ok(request) = request
            && sender.ready().await.is_ok()
        {
            let _ = sender.send_request(request).await;
        }
    });
    Ok(())
}
