//! Every header name the emulator reads or writes, on both sides: the Runtime API's (what Lambda sends a
//! runtime and what a runtime posts back), the Extensions API's, and the invoke endpoint's (what a caller sends
//! and what Lambda's Invoke API answers). A leaf module: both APIs use it, it uses neither.

use hyper::header::{HeaderMap, HeaderName};

/// The request id of the invocation (on `/next`).
pub(crate) const REQUEST_ID: HeaderName = HeaderName::from_static("lambda-runtime-aws-request-id");
/// The invocation's deadline, in Unix epoch milliseconds (on `/next`).
pub(crate) const DEADLINE_MS: HeaderName = HeaderName::from_static("lambda-runtime-deadline-ms");
/// The ARN of the invoked function (on `/next`).
pub(crate) const INVOKED_FUNCTION_ARN: HeaderName =
    HeaderName::from_static("lambda-runtime-invoked-function-arn");
/// The X-Ray trace header (on `/next`).
pub(crate) const TRACE_ID: HeaderName = HeaderName::from_static("lambda-runtime-trace-id");
/// The caller's client context, JSON (on `/next`, only when the caller sent one).
pub(crate) const CLIENT_CONTEXT: HeaderName = HeaderName::from_static("lambda-runtime-client-context");
/// The tenant, for functions with tenant isolation (on `/next`, only when the caller named one).
pub(crate) const TENANT_ID: HeaderName = HeaderName::from_static("lambda-runtime-aws-tenant-id");
/// A nonce per invoke (on `/next`); a runtime echoes it on its answers, and a late answer of an invocation
/// that timed out is refused with 410.
pub(crate) const INVOCATION_ID: HeaderName = HeaderName::from_static("lambda-runtime-invocation-id");
/// The error's `Category.Reason` (on `/error` and `/init/error`, and as a trailer of a streamed response).
pub(crate) const FUNCTION_ERROR_TYPE: HeaderName =
    HeaderName::from_static("lambda-runtime-function-error-type");
/// The error JSON, base64-encoded (a trailer of a streamed response).
pub(crate) const FUNCTION_ERROR_BODY: HeaderName =
    HeaderName::from_static("lambda-runtime-function-error-body");
/// `streaming` for a streamed response (on `/response`).
pub(crate) const RESPONSE_MODE: HeaderName = HeaderName::from_static("lambda-runtime-function-response-mode");
/// The name an extension registers under (Extensions API `register`).
pub(crate) const EXTENSION_NAME: HeaderName = HeaderName::from_static("lambda-extension-name");
/// The id the Extensions API gives a registered extension, which it sends on `event/next`.
pub(crate) const EXTENSION_IDENTIFIER: HeaderName = HeaderName::from_static("lambda-extension-identifier");

/// The caller's client context: base64 of a JSON object (on invoke).
pub(crate) const CALLER_CLIENT_CONTEXT: HeaderName = HeaderName::from_static("x-amz-client-context");
/// The caller's X-Ray trace header (on invoke).
pub(crate) const CALLER_TRACE_ID: HeaderName = HeaderName::from_static("x-amzn-trace-id");
/// The tenant the caller invokes for (on invoke), passed on as [`TENANT_ID`], as AWS's emulator does.
pub(crate) const CALLER_TENANT_ID: HeaderName = HeaderName::from_static("x-amz-tenant-id");
/// Marks a function error in the answer (`Unhandled`), as Lambda's Invoke API does.
pub(crate) const FUNCTION_ERROR: HeaderName = HeaderName::from_static("x-amz-function-error");
/// The version that ran, as Lambda's Invoke API reports it.
pub(crate) const EXECUTED_VERSION: HeaderName = HeaderName::from_static("x-amz-executed-version");

/// The `Lambda-Runtime-Invocation-Id` a runtime echoed on an answer, when it did.
pub(crate) fn echoed_invocation_id(headers: &HeaderMap) -> Option<&str> {
    headers.get(INVOCATION_ID).and_then(|value| value.to_str().ok())
}
