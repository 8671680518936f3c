"""How a Python exception becomes what Lambda reports: `errorType`, `errorMessage` and `stackTrace`."""

import os
import traceback
from typing import List, Optional, Tuple

#: Error type of an event that is not JSON (the handler is not called).
UNMARSHAL_ERROR = "Runtime.UnmarshalError"
#: Error type of a result that `json.dumps` refuses.
MARSHAL_ERROR = "Runtime.MarshalError"
#: Error type of a write, content type or HTTP response the response stream refused.
STREAM_ERROR = "Runtime.StreamError"

#: The most frames a stack trace keeps (a deep recursion has a thousand), after collapsing repeats.
MAX_FRAMES = 50

#: Frames of this package are left out of stack traces: they are the same for every handler.
_SDK_DIR = os.path.dirname(os.path.abspath(__file__))


class LambdaError(Exception):
    """An error whose `errorType` you choose, instead of the exception class's name.

    `raise LambdaError("ValidationError", "name must be a string")`. Any exception class can do the same with
    an `error_type` attribute (on the class or the instance); without one, the class name is the type.
    """

    def __init__(self, error_type: str, message: str):
        super().__init__(message)
        self.error_type = error_type


class InvocationError(Exception):
    """What `invoke` raises when the handler fails: the error exactly as the host would report it."""

    def __init__(self, error_type: str, error_message: str, stack_trace: List[str]):
        super().__init__(f"{error_type}: {error_message}")
        #: `errorType`.
        self.error_type = error_type
        #: `errorMessage`.
        self.error_message = error_message
        #: `stackTrace`: frames innermost first, then the causes.
        self.stack_trace = stack_trace


def error_type(exc: BaseException) -> str:
    """The exception's `error_type` attribute when it is a non-empty string, else its class name."""
    chosen = getattr(exc, "error_type", None)
    if isinstance(chosen, str) and chosen:
        return chosen
    return type(exc).__name__


def message(exc: BaseException) -> str:
    """`str(exc)`; for an exception raised without arguments, its class name."""
    text = str(exc)
    return text if text else type(exc).__name__


def stack_trace(exc: BaseException) -> List[str]:
    """One line per frame, innermost first (`File "app.py", line 12, in hello: raise ...`), without this
    package's own frames, a run of identical frames shown as 3 and a count (as Python's own tracebacks do), at most
    `MAX_FRAMES`; then one `caused by: Type: message` line per cause (`raise ... from` or an exception
    raised while handling another), nearest first."""
    frames = [_frame(frame) for frame in reversed(traceback.extract_tb(exc.__traceback__)) if not _in_sdk(frame)]
    lines = _collapse(frames)
    cause = _cause(exc)
    seen = {id(exc)}
    while cause is not None and id(cause) not in seen:
        seen.add(id(cause))
        lines.append(f"caused by: {error_type(cause)}: {message(cause)}")
        cause = _cause(cause)
    return lines


def describe(exc: BaseException) -> Tuple[str, str, List[str]]:
    """`(errorType, errorMessage, stackTrace)` of an exception."""
    return error_type(exc), message(exc), stack_trace(exc)


def _collapse(frames: List[str]) -> List[str]:
    """Keeps 3 frames of a run of identical ones and says how many more there were; then at most MAX_FRAMES."""
    lines: List[str] = []
    i = 0
    while i < len(frames):
        run = 1
        while i + run < len(frames) and frames[i + run] == frames[i]:
            run += 1
        lines.extend(frames[i : i + min(run, 3)])
        if run > 3:
            lines.append(f"[previous frame repeated {run - 3} more times]")
        i += run
    if len(lines) > MAX_FRAMES:
        lines = lines[:MAX_FRAMES] + [f"[{len(lines) - MAX_FRAMES} more frames]"]
    return lines


def _frame(frame: traceback.FrameSummary) -> str:
    text = f'File "{_short_path(frame.filename)}", line {frame.lineno}, in {frame.name}'
    line: Optional[str] = frame.line
    return f"{text}: {line.strip()}" if line else text


def _short_path(path: str) -> str:
    """componentize-py mounts each `-p` folder as `/0`, `/1`, ...: `/0/app.py` is shown as `app.py`."""
    parts = path.split("/", 2)
    if len(parts) == 3 and parts[0] == "" and parts[1].isdigit():
        return parts[2]
    return path


def _in_sdk(frame: traceback.FrameSummary) -> bool:
    return os.path.dirname(os.path.abspath(frame.filename)) == _SDK_DIR


def _cause(exc: BaseException) -> Optional[BaseException]:
    if exc.__cause__ is not None:
        return exc.__cause__
    if not exc.__suppress_context__:
        return exc.__context__
    return None
