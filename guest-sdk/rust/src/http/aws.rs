//! AWS calls signed by the host: [`request`] builds a request to an AWS service marked for signing
//! (`x-lambda-wasm-sign: aws`); the `lambda-wasm` host signs it with the function's credentials (SigV4), so the
//! handler never holds a credential. The host decides what the signature is for (the endpoint's service and
//! region from its own table, or an origin `LAMBDA_WASM_SIGN_ENDPOINTS` maps) and refuses a marked request to
//! anything else; the allow-list (`LAMBDA_WASM_ALLOW_HTTP`) must let it out too.
//!
//! ```
//! use lambda_wasm_sdk::http::{Method, aws};
//!
//! # fn run() -> Result<(), lambda_wasm_sdk::Error> {
//! let reply = aws::request("bedrock-runtime", Method::Post, "/model/m/converse")?
//!     .header("content-type", "application/json")
//!     .body(r#"{"messages":[{"role":"user","content":[{"text":"hi"}]}]}"#)
//!     .send()?;
//! # Ok(()) }
//! # // Natively no region is set and nothing is sent.
//! # assert!(run().is_err());
//! ```

use super::{Method, Request, failed};
use crate::Error;

/// The header that asks the host for a signature; the host strips it.
pub const SIGN_HEADER: &str = "x-lambda-wasm-sign";

/// The endpoint of `service` (its endpoint name: `bedrock-runtime`, `dynamodb`, ...):
/// `AWS_ENDPOINT_URL_<SERVICE>` or `AWS_ENDPOINT_URL` when set (as the AWS SDKs allow), else
/// `https://<service>.<region>.amazonaws.com` with the region from `AWS_REGION` (or `AWS_DEFAULT_REGION`).
pub fn endpoint(service: &str) -> Result<String, Error> {
    let specific = format!("AWS_ENDPOINT_URL_{}", service.to_ascii_uppercase().replace(['-', '.'], "_"));
    if let Some(url) = std::env::var(&specific)
        .ok()
        .or_else(|| std::env::var("AWS_ENDPOINT_URL").ok())
        .filter(|url| !url.is_empty())
    {
        return Ok(url.trim_end_matches('/').to_owned());
    }
    let region = std::env::var("AWS_REGION")
        .or_else(|_| std::env::var("AWS_DEFAULT_REGION"))
        .map_err(|_| failed("no region: AWS_REGION is not set"))?;
    Ok(format!("https://{service}.{region}.amazonaws.com"))
}

/// A request to `path` of the AWS service `service`, marked for the host's signature.
pub fn request(service: &str, method: Method, path: &str) -> Result<Request, Error> {
    let slash = if path.starts_with('/') { "" } else { "/" };
    let url = format!("{}{slash}{path}", endpoint(service)?);
    Ok(Request::new(method, url).header(SIGN_HEADER, "aws"))
}
