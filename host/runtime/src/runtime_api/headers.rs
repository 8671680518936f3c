//! Every header name the runtime reads from or sends to the Runtime API, in one place.

/// `Lambda-Runtime-Aws-Request-Id` (on `/next`).
pub const REQUEST_ID: &str = "lambda-runtime-aws-request-id";
/// `Lambda-Runtime-Deadline-Ms` (on `/next`).
pub const DEADLINE_MS: &str = "lambda-runtime-deadline-ms";
/// `Lambda-Runtime-Invoked-Function-Arn` (on `/next`).
pub const FUNCTION_ARN: &str = "lambda-runtime-invoked-function-arn";
/// `Lambda-Runtime-Trace-Id` (on `/next`).
pub const TRACE_ID: &str = "lambda-runtime-trace-id";
/// `Lambda-Runtime-Client-Context` (on `/next`).
pub const CLIENT_CONTEXT: &str = "lambda-runtime-client-context";
/// `Lambda-Runtime-Cognito-Identity` (on `/next`).
pub const COGNITO_IDENTITY: &str = "lambda-runtime-cognito-identity";
/// `Lambda-Runtime-Aws-Tenant-Id` (on `/next`).
pub const TENANT_ID: &str = "lambda-runtime-aws-tenant-id";
/// `Lambda-Runtime-Invocation-Id`: a nonce per invoke, sent on `/next` and echoed on every answer so Lambda can
/// refuse a late answer to a reused request id (410 Gone).
pub const INVOCATION_ID: &str = "lambda-runtime-invocation-id";
/// The error type of `/error` and `/init/error`, and of a streamed response's error trailer.
pub const ERROR_TYPE: &str = "lambda-runtime-function-error-type";
/// The base64 error JSON of a streamed response's error trailer.
pub const ERROR_BODY: &str = "lambda-runtime-function-error-body";
/// `streaming` on a streamed `POST /response`.
pub const RESPONSE_MODE: &str = "lambda-runtime-function-response-mode";
/// What a streamed `POST /response` declares as its trailers (hyper sends only declared ones).
pub const TRAILER_DECLARATION: &str =
    "Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body";
/// The name an extension registers under (Extensions API).
pub const EXTENSION_NAME: &str = "lambda-extension-name";
/// The identifier the Extensions API gives a registered extension.
pub const EXTENSION_IDENTIFIER: &str = "lambda-extension-identifier";
/// Content type of an error body, as the Runtime API specifies.
pub const ERROR_CONTENT_TYPE: &str = "application/vnd.aws.lambda.error+json";
