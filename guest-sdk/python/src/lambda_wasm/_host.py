"""The host's imports (`lambda:handler/runtime`, `lambda:handler/response-stream`), or stand-ins outside a
component.

Inside a component built by componentize-py, the generated module `wit_world` exists and its functions call
the host. In plain CPython (a unit test) it does not: `IN_COMPONENT` is false and the stand-ins log to stderr and
compute the remaining time from the deadline.
"""

import sys
import time

try:
    from componentize_py_types import Err
    from wit_world.imports import runtime as _runtime

    try:
        from wit_world.imports import types as _types
    except ImportError:
        # A world that also imports wasi:http has two interfaces named `types`: componentize-py names ours
        # `lambda_handler_types` then.
        from wit_world.imports import lambda_handler_types as _types

    IN_COMPONENT = True
except ImportError:  # Plain CPython: a unit test, not a component.
    _runtime = None
    _types = None
    IN_COMPONENT = False

    class Err(Exception):  # type: ignore[no-redef]
        """Stand-in for componentize-py's `Err`: how an export returns the `err` case of a WIT `result`."""

        def __init__(self, value):
            super().__init__(value)
            self.value = value


#: Level names, in the order of the WIT enum `level`.
LEVELS = ("TRACE", "DEBUG", "INFO", "WARN", "ERROR")


def log(level: str, message: str) -> None:
    """Writes one log record at `level` (one of `LEVELS`) for the invocation in progress."""
    if _runtime is not None:
        _runtime.log(_runtime.Level[level], message)
    else:
        print(f"[{level}] {message}", file=sys.stderr, flush=True)


def remaining_time_ms(deadline_ms: int) -> int:
    """Milliseconds left before the deadline: the host's clock inside a component, else the system clock."""
    if _runtime is not None:
        return _runtime.remaining_time_ms()
    return max(0, deadline_ms - int(time.time() * 1000))


def record_panic(message: str) -> None:
    """Tells the host why the guest is about to trap, so that Lambda reports `Runtime.Panic` with `message`."""
    if _runtime is not None:
        _runtime.record_panic(message)


def handler_error(error_type: str, message: str, stack_trace: list) -> Err:
    """The exception an export raises to return the WIT `handler-error`."""
    if _types is not None:
        return Err(_types.HandlerError(error_type, message, stack_trace))
    return Err(
        {"error_type": error_type, "error_message": message, "stack_trace": stack_trace}
    )


def http_prelude(status_code: int, headers: list, cookies: list):
    """The WIT `http-prelude` record (the host's writer takes it); a dict outside a component."""
    try:
        from wit_world.imports.response_stream import HttpPrelude
    except ImportError:
        return {"status_code": status_code, "headers": headers, "cookies": cookies}
    return HttpPrelude(status_code, headers, cookies)
