//! What a `handler!` or `streaming_handler!` expansion calls: one invocation from WIT values to WIT
//! values. Both run the handler through [`run`], so decoding, the panic hook and error mapping are the
//! same for either world.

use crate::bindings::{self, HandlerError, Writer};
use crate::{Context, Error, FromPayload, IntoPayload, LambdaEvent, ResponseStream, panic};

/// Runs `handler` on one invocation of `handle`: installs the panic hook, decodes the event, calls the
/// handler and encodes its result or error.
pub fn handle<T, R, E, F>(ctx: bindings::Context, event: Vec<u8>, handler: F) -> Result<Vec<u8>, HandlerError>
where
    T: FromPayload,
    R: IntoPayload,
    E: Into<Error>,
    F: FnOnce(LambdaEvent<T>) -> Result<R, E>,
{
    run(ctx, event, |event| {
        handler(event).map_err(Into::into)?.into_payload()
    })
}

/// Runs `handler` on one invocation of `handle-stream`, writing to the host's `out`: as [`handle`], with
/// the response written to a [`ResponseStream`] instead of returned.
pub fn handle_stream<T, E, F>(
    ctx: bindings::Context,
    event: Vec<u8>,
    out: &Writer,
    handler: F,
) -> Result<(), HandlerError>
where
    T: FromPayload,
    E: Into<Error>,
    F: FnOnce(LambdaEvent<T>, &mut ResponseStream<'_>) -> Result<(), E>,
{
    stream_to(ctx, event, &mut ResponseStream::for_host(out), handler)
}

/// [`handle_stream`] on any stream, so that tests can pass a collecting one.
fn stream_to<T, E, F>(
    ctx: bindings::Context,
    event: Vec<u8>,
    out: &mut ResponseStream<'_>,
    handler: F,
) -> Result<(), HandlerError>
where
    T: FromPayload,
    E: Into<Error>,
    F: FnOnce(LambdaEvent<T>, &mut ResponseStream<'_>) -> Result<(), E>,
{
    run(ctx, event, |event| handler(event, out).map_err(Into::into))
}

/// What every invocation does around its handler: installs the panic hook, converts the context,
/// decodes the event (a failure never reaches the handler) and maps the error to the WIT record.
fn run<T, R>(
    ctx: bindings::Context,
    event: Vec<u8>,
    handler: impl FnOnce(LambdaEvent<T>) -> Result<R, Error>,
) -> Result<R, HandlerError>
where
    T: FromPayload,
{
    panic::install_hook();
    let context = Context::from_wit(ctx);
    T::from_payload(event)
        .and_then(|payload| handler(LambdaEvent { payload, context }))
        .map_err(Error::into_wit)
}

#[cfg(test)]
mod tests {
    use std::fmt;

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

    #[test]
    fn streaming_handlers_write_to_the_stream_and_get_their_context() {
        let mut out = ResponseStream::collecting();
        let result = stream_to(
            wit_context(),
            br#"{"n": 2}"#.to_vec(),
            &mut out,
            |event: LambdaEvent<serde_json::Value>, out: &mut ResponseStream<'_>| {
                out.set_content_type("text/plain")?;
                out.write(event.context.request_id.as_bytes())?;
                out.write(event.payload["n"].to_string().as_bytes())
            },
        );
        assert!(result.is_ok());
        assert_eq!(out.body(), b"req-12");
        assert_eq!(out.content_type(), Some("text/plain"));
    }

    #[test]
    fn streaming_handlers_get_the_same_decoding_and_errors() {
        let mut out = ResponseStream::collecting();
        let bad_event = stream_to(
            wit_context(),
            b"not json".to_vec(),
            &mut out,
            |_: LambdaEvent<serde_json::Value>, _: &mut ResponseStream<'_>| -> Result<(), Error> {
                unreachable!("the event does not decode")
            },
        );
        assert_eq!(
            bad_event.err().map(|e| e.error_type),
            Some("Runtime.UnmarshalError".to_owned())
        );
        let failed = stream_to(
            wit_context(),
            Vec::new(),
            &mut out,
            |_: LambdaEvent<RawPayload>, out: &mut ResponseStream<'_>| {
                out.write(b"partial").map_err(|_| fmt::Error)?;
                Err(fmt::Error)
            },
        );
        assert_eq!(failed.err().map(|e| e.error_type), Some("Error".to_owned()));
        assert_eq!(out.body(), b"partial");
    }
}
