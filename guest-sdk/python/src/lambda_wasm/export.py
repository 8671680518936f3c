"""`handler` and `streaming_handler`: a Python function to the class componentize-py exports.

componentize-py instantiates the class named `WitWorld` in the app module and calls its `handle` (world
`handler`) or `handle_stream` (world `streaming-handler`) once per invocation. Both go through `_run`, so
decoding, error mapping and panics are the same for either world.
"""

import contextlib
import inspect
import json
import os
from typing import Any, Callable, Optional

from . import _host, errors
from .context import Context
from .errors import InvocationError
from .stream import ResponseStream


class _Setup:
    """`init=`: run once, on the first invocation, when the function's environment is there (module-level code
    runs at BUILD time under componentize-py). A failure fails that invocation and is tried again on the next."""

    def __init__(self, init: Optional[Callable[[], Any]]):
        self.init = init
        self.done = init is None

    def ensure(self) -> None:
        if not self.done:
            self.init()
            self.done = True


@contextlib.contextmanager
def _invocation(context: Context):
    """Per invocation: `_X_AMZN_TRACE_ID` is the invocation's trace header (as AWS's runtimes set it, read by
    Powertools and the X-Ray SDK), removed afterwards so the next invocation never sees a stale one."""
    if context.xray_trace_id:
        os.environ["_X_AMZN_TRACE_ID"] = context.xray_trace_id
    else:
        os.environ.pop("_X_AMZN_TRACE_ID", None)
    try:
        yield
    finally:
        os.environ.pop("_X_AMZN_TRACE_ID", None)


def handler(
    fn: Callable[[Any, Context], Any], *, raw: bool = False, init: Optional[Callable[[], Any]] = None
) -> type:
    """The `WitWorld` class for world `handler`: `WitWorld = lambda_wasm.handler(my_handler)`.

    `my_handler(event, context)` gets the event decoded from JSON (`raw=True`: the payload's bytes) and a
    `Context`; what it returns is the response: `bytes` as they are, anything else as JSON. `init` runs once,
    before the first event, with the function's environment (make clients and read configuration there).
    """
    _check(fn)
    setup = _Setup(init)

    class WitWorld:
        __doc__ = f"Exports `handle` for {fn.__qualname__}."

        def handle(self, ctx, event: bytes) -> bytes:
            context = Context._from_wit(ctx)

            def run():
                with _invocation(context):
                    setup.ensure()
                    return _respond(fn, context, event, raw)

            return _to_wit(run)

    WitWorld.handler = staticmethod(fn)
    return WitWorld


def streaming_handler(
    fn: Callable[[Any, Context, ResponseStream], Any],
    *,
    raw: bool = False,
    init: Optional[Callable[[], Any]] = None,
) -> type:
    """The `WitWorld` class for world `streaming-handler`: `WitWorld = lambda_wasm.streaming_handler(chat)`.

    `chat(event, context, response)` writes to `response` (a `ResponseStream`), or returns (or is) a
    generator whose items are written one by one as they are produced (`str` as UTF-8, `bytes` as they are),
    or both: set the content type or HTTP response on `response`, then `yield` chunks. `init` as for `handler`.
    """
    _check(fn)
    setup = _Setup(init)

    class WitWorld:
        __doc__ = f"Exports `handle-stream` for {fn.__qualname__}."

        def handle_stream(self, ctx, event: bytes, out) -> None:
            context = Context._from_wit(ctx)

            def run():
                with _invocation(context):
                    setup.ensure()
                    return _stream(fn, context, event, ResponseStream(out), raw)

            _to_wit(run)

    WitWorld.handler = staticmethod(fn)
    return WitWorld


def invoke(fn: Callable, event: bytes, context: Optional[Context] = None, *, raw: bool = False) -> bytes:
    """Runs a handler on `event` the way the component does (decode, call, encode), natively, for tests:
    returns the response's bytes, or raises `InvocationError` as the host would report it."""
    return _run(lambda: _respond(fn, context or Context(), event, raw))


def invoke_streaming(
    fn: Callable, event: bytes, context: Optional[Context] = None, *, raw: bool = False
) -> ResponseStream:
    """`invoke` for a streaming handler: returns the collecting `ResponseStream` it wrote to."""
    out = ResponseStream.collecting()
    _run(lambda: _stream(fn, context or Context(), event, out, raw))
    return out


def _respond(fn: Callable, context: Context, event: bytes, raw: bool) -> bytes:
    return _encode(fn(_decode(event, raw), context))


def _stream(fn: Callable, context: Context, event: bytes, out: ResponseStream, raw: bool) -> None:
    result = fn(_decode(event, raw), context, out)
    if result is None:
        return
    if isinstance(result, (bytes, bytearray, memoryview, str)):
        out.write(result)
        return
    for chunk in result:
        if chunk is not None:
            out.write(chunk)


def _decode(event: bytes, raw: bool) -> Any:
    if raw:
        return bytes(event)
    try:
        return json.loads(event)
    except ValueError as error:  # json.JSONDecodeError and UnicodeDecodeError are ValueErrors.
        raise _Refused(errors.UNMARSHAL_ERROR, f"the event is not JSON: {error}") from None


def _encode(result: Any) -> bytes:
    if isinstance(result, (bytes, bytearray, memoryview)):
        return bytes(result)
    try:
        return json.dumps(result, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    except (TypeError, ValueError) as error:
        raise _Refused(errors.MARSHAL_ERROR, f"the result is not JSON-serializable: {error}") from None


class _Refused(Exception):
    """An error of the SDK's own (`Runtime.UnmarshalError`, `Runtime.MarshalError`): no stack trace."""

    def __init__(self, error_type: str, message: str):
        super().__init__(message)
        self.error_type = error_type


def _run(body: Callable[[], Any]) -> Any:
    """Runs one invocation; an exception becomes an `InvocationError`. A `BaseException` that is not an
    `Exception` (`SystemExit`, `KeyboardInterrupt`) is a panic: the host is told why, and it goes on up, so the
    instance traps, Lambda reports `Runtime.Panic` and the next event gets a fresh instance."""
    try:
        return body()
    except _Refused as refused:
        raise InvocationError(refused.error_type, str(refused), []) from None
    except Exception as error:
        raise InvocationError(*errors.describe(error)) from None
    except BaseException as fatal:
        _host.record_panic(f"{errors.error_type(fatal)}: {errors.message(fatal)}")
        raise


def _to_wit(body: Callable[[], Any]) -> Any:
    """`_run`, with the failure as componentize-py returns a WIT `err`: an `Err(HandlerError)` exception."""
    try:
        return _run(body)
    except InvocationError as failure:
        raise _host.handler_error(failure.error_type, failure.error_message, failure.stack_trace) from None


def _check(fn: Any) -> None:
    if not callable(fn):
        raise TypeError(f"a handler must be a function, not {type(fn).__name__}")
    if inspect.iscoroutinefunction(fn):
        raise TypeError(f"{fn.__qualname__} is `async def`: a handler must be a plain function here")
