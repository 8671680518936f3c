//! [`Context`] and [`LambdaEvent`]: what a handler receives.

use std::time::Duration;

use crate::bindings;

/// What Lambda says about the invocation in progress: the headers of the Runtime API's
/// `GET /runtime/invocation/next`, named like the `lambda_runtime` crate's `Context`.
///
/// `Default` gives empty strings, `None`s and a `deadline` of 0, for unit tests; the struct is
/// `#[non_exhaustive]` so that fields can be added, so a test sets the fields it needs on a default:
///
/// ```
/// let mut ctx = lambda_wasm_sdk::Context::default();
/// ctx.request_id = "test-request".to_owned();
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Context {
    /// `Lambda-Runtime-Aws-Request-Id`: the id of this invocation, as shown in the function's logs.
    pub request_id: String,
    /// `Lambda-Runtime-Deadline-Ms`: Unix epoch milliseconds after which Lambda stops waiting.
    pub deadline: u64,
    /// `Lambda-Runtime-Invoked-Function-Arn`: the function, version or alias that was invoked.
    pub invoked_function_arn: String,
    /// `Lambda-Runtime-Trace-Id`: the X-Ray trace header, when tracing is on.
    pub xray_trace_id: Option<String>,
    /// `Lambda-Runtime-Client-Context`: the raw JSON a mobile SDK caller sent, when it sent one.
    pub client_context: Option<String>,
    /// `Lambda-Runtime-Cognito-Identity`: the raw JSON identity of a Cognito caller, when there is one.
    pub identity: Option<String>,
    /// `Lambda-Runtime-Aws-Tenant-Id`: the tenant, for functions with tenant isolation.
    pub tenant_id: Option<String>,
}

impl Context {
    /// Time left before the invocation's deadline; zero once it has passed.
    ///
    /// Inside a component this asks the host (`remaining-time-ms`), whose clock is the one that
    /// enforces the deadline. Elsewhere (a native unit test) it is computed from [`Context::deadline`]
    /// and the system clock, so a `Context::default()` has no time left.
    pub fn remaining_time(&self) -> Duration {
        #[cfg(target_arch = "wasm32")]
        {
            Duration::from_millis(bindings::runtime::remaining_time_ms())
        }
        #[cfg(not(target_arch = "wasm32"))]
        {
            let now_ms = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |since_epoch| since_epoch.as_millis());
            let left_ms = u128::from(self.deadline).saturating_sub(now_ms);
            Duration::from_millis(u64::try_from(left_ms).unwrap_or(u64::MAX))
        }
    }

    /// Converts the host's WIT record, renaming fields to their `lambda_runtime` names.
    pub(crate) fn from_wit(ctx: bindings::Context) -> Self {
        Self {
            request_id: ctx.request_id,
            deadline: ctx.deadline_ms,
            invoked_function_arn: ctx.invoked_function_arn,
            xray_trace_id: ctx.xray_trace_id,
            client_context: ctx.client_context,
            identity: ctx.cognito_identity,
            tenant_id: ctx.tenant_id,
        }
    }
}

/// One invocation as a handler sees it: the decoded event and its [`Context`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LambdaEvent<T> {
    /// The event, decoded from the invocation's payload (see [`FromPayload`](crate::FromPayload)).
    pub payload: T,
    /// What Lambda says about this invocation.
    pub context: Context,
}

impl<T> LambdaEvent<T> {
    /// Pairs a payload with its context, e.g. to call a handler from a unit test.
    pub fn new(payload: T, context: Context) -> Self {
        Self { payload, context }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remaining_time_counts_down_to_the_deadline() {
        let now_ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as u64);
        let ctx = Context {
            deadline: now_ms + 60_000,
            ..Context::default()
        };
        let left = ctx.remaining_time();
        assert!(
            left > Duration::from_secs(50) && left <= Duration::from_secs(60),
            "{left:?}"
        );
    }

    #[test]
    fn remaining_time_is_zero_past_the_deadline() {
        assert_eq!(Context::default().remaining_time(), Duration::ZERO);
    }

    #[test]
    fn wit_fields_keep_their_values() {
        let ctx = Context::from_wit(bindings::Context {
            request_id: "req".into(),
            deadline_ms: 42,
            invoked_function_arn: "arn".into(),
            xray_trace_id: Some("trace".into()),
            client_context: None,
            cognito_identity: Some("{}".into()),
            tenant_id: Some("tenant".into()),
        });
        assert_eq!(ctx.request_id, "req");
        assert_eq!(ctx.deadline, 42);
        assert_eq!(ctx.identity.as_deref(), Some("{}"));
        assert_eq!(ctx.tenant_id.as_deref(), Some("tenant"));
    }
}
