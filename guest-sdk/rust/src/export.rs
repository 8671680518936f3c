//! What a `handler!` expansion calls: one invocation from WIT values to WIT values.

use crate::bindings::{self, HandlerError};
use crate::{Context, Error, FromPayload, IntoPayload, LambdaEvent, panic};

/// Runs `handler` on one invocation: installs the panic hook, decodes the event, calls the handler and
/// encodes its result or error.
pub fn handle<T, R, E, F>(ctx: bindings::Context, event: Vec<u8>, handler: F) -> Result<Vec<u8>, HandlerError>
where
    T: FromPayload,
    R: IntoPayload,
    E: Into<Error>,
    F: FnOnce(LambdaEvent<T>) -> Result<R, E>,
{
    panic::install_hook();
    let context = Context::from_wit(ctx);
    let run = || {
        let payload = T::from_payload(event)?;
        handler(LambdaEvent { payload, context })
            .map_err(Into::into)?
            .into_payload()
    };
    run().map_err(Error::into_wit)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::RawPayload;

    fn wit_context() -> bindings::Context {
        bindings::Context {
            request_id: "req-1".into(),
            deadline_ms: 0,
            invoked_function_arn: String::new(),
            xray_trace_id: None,
            client_context: None,
            cognito_identity: None,
            tenant_id: None,
        }
    }

    #[test]
    fn typed_handlers_get_json_and_their_context() {
        let out = handle(
            wit_context(),
            br#"{"n": 2}"#.to_vec(),
            |event: LambdaEvent<serde_json::Value>| {
                Ok::<_, Error>(serde_json::json!({"n": event.payload["n"], "id": event.context.request_id}))
            },
        );
        assert_eq!(out.ok(), Some(br#"{"id":"req-1","n":2}"#.to_vec()));
    }

    #[test]
    fn bad_events_never_reach_the_handler() {
        let out = handle(
            wit_context(),
            b"not json".to_vec(),
            |_: LambdaEvent<serde_json::Value>| -> Result<(), Error> {
                unreachable!("the event does not decode")
            },
        );
        assert_eq!(
            out.err().map(|e| e.error_type),
            Some("Runtime.UnmarshalError".to_owned())
        );
    }

    #[test]
    fn handler_errors_convert() {
        let out = handle(wit_context(), Vec::new(), |_: LambdaEvent<RawPayload>| {
            "x".parse::<u8>()
        });
        let error = out.err().map(|e| (e.error_type, e.error_message));
        assert_eq!(
            error,
            Some((
                "ParseIntError".to_owned(),
                "invalid digit found in string".to_owned()
            ))
        );
    }
}
