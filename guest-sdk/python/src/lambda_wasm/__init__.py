"""Write AWS Lambda handlers in Python that run as WebAssembly components under the `lambda-wasm` bootstrap.

A handler is a function of `(event, context)`, as in the AWS Python runtime; one line exports it as the class
componentize-py needs:

    import lambda_wasm

    def hello(event, context):
        lambda_wasm.log.info(f"greeting {event['name']}")
        return {"message": f"Hello, {event['name']}!", "request_id": context.request_id}

    WitWorld = lambda_wasm.handler(hello)

Build it with `componentize-py -d <lambda-wasm>/wit -w handler componentize app -p . -p
<lambda-wasm>/guest-sdk/python/src -o app.wasm`.

- The event is the payload decoded from JSON; one that is not JSON is refused with `Runtime.UnmarshalError`
  before the handler runs. `handler(fn, raw=True)` passes the payload's bytes instead.
- The result is sent as JSON (`json.dumps`, UTF-8); `bytes` are sent as they are. A result `json.dumps`
  refuses is `Runtime.MarshalError`.
- An exception becomes the invocation's error: `errorType` is the exception's class name (or its `error_type`
  attribute, see `LambdaError`), `errorMessage` is `str(exc)`, `stackTrace` has one line per frame, innermost
  first, then its causes.
- `SystemExit` and other `BaseException`s that are not `Exception`s are panics: `Runtime.Panic`, and the next
  event gets a fresh instance.
- `context` is a `Context`; `log` has the log functions.

Streaming (world `streaming-handler`, `-w streaming-handler`): `WitWorld = lambda_wasm.streaming_handler(chat)`
with `chat(event, context, response)`, which writes to `response` (a `ResponseStream`) or yields chunks.

Outside a component (a unit test in plain CPython) everything works with stand-ins: logs go to stderr,
`remaining_time_ms()` uses the system clock. `invoke` and `invoke_streaming` run a handler through the same
decode/encode path as the component.

Outbound HTTP (worlds `http-handler` and `streaming-http-handler`): `lambda_wasm.http.fetch(url, ...)` returns a
`Response` read as it arrives (`iter_bytes`, `iter_lines`, `iter_sse`, `iter_events`); `lambda_wasm.aws.fetch(
service, path, ...)` calls an AWS service with a signature the host adds, so the handler never holds a credential.

Layout: `context` (`Context`), `errors` (exception to error report), `log`, `stream` (`ResponseStream`),
`export` (`handler`, `streaming_handler`, `invoke`), `http` (outbound HTTP), `aws` (host-signed AWS calls),
`eventstream` (AWS's event-stream framing), `_host` (the host's imports, or their stand-ins).
"""

from . import aws, eventstream, http, log
from .context import Context
from .errors import MARSHAL_ERROR, STREAM_ERROR, UNMARSHAL_ERROR, InvocationError, LambdaError
from .export import handler, invoke, invoke_streaming, streaming_handler
from .stream import MAX_WRITE, ResponseStream, StreamError

__all__ = [
    "Context",
    "InvocationError",
    "LambdaError",
    "MARSHAL_ERROR",
    "MAX_WRITE",
    "ResponseStream",
    "STREAM_ERROR",
    "StreamError",
    "UNMARSHAL_ERROR",
    "handler",
    "invoke",
    "invoke_streaming",
    "log",
    "streaming_handler",
]

log.install()
