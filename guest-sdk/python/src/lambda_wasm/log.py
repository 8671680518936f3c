"""Log records attributed to the invocation in progress, through the host's `log` import.

The host filters them by `AWS_LAMBDA_LOG_LEVEL` and writes them as text or JSON per `AWS_LAMBDA_LOG_FORMAT`,
with the request id. Outside a component (a unit test) they go to stderr as `[LEVEL] message`.

    from lambda_wasm import log
    log.info("starting")
    log.warn(f"no greeting configured for {user}")

The standard `logging` module reaches the host too: importing `lambda_wasm` adds a `LambdaLogHandler` to the
root logger when it has none. The root logger's level stays Python's default (WARNING), as in the AWS Python
runtime; `logging.getLogger().setLevel(logging.INFO)` lets `logging.info` through. `print()` also reaches the
function's log (stdout as INFO, stderr as WARN), without a level of its own.
"""

import logging

from . import _host


def log(level: str, message: str) -> None:
    """Writes one record; `level` is `TRACE`, `DEBUG`, `INFO`, `WARN` or `ERROR` (case does not matter)."""
    level = level.upper()
    if level == "WARNING":
        level = "WARN"
    if level not in _host.LEVELS:
        raise ValueError(f"unknown log level {level!r}: expected one of {', '.join(_host.LEVELS)}")
    _host.log(level, str(message))


def trace(message: str) -> None:
    """Step-by-step detail."""
    _host.log("TRACE", str(message))


def debug(message: str) -> None:
    """Detail for debugging."""
    _host.log("DEBUG", str(message))


def info(message: str) -> None:
    """Normal progress."""
    _host.log("INFO", str(message))


def warn(message: str) -> None:
    """Something unexpected that the handler survived."""
    _host.log("WARN", str(message))


warning = warn


def error(message: str) -> None:
    """A failure."""
    _host.log("ERROR", str(message))


class LambdaLogHandler(logging.Handler):
    """A `logging` handler that sends each record to the host at the matching level: below DEBUG is TRACE,
    then DEBUG, INFO, WARNING (WARN), and ERROR for ERROR and CRITICAL."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            _host.log(_level_of(record.levelno), self.format(record))
        except Exception:  # As logging.Handler does: a failing handler must not fail the program.
            self.handleError(record)


def _level_of(levelno: int) -> str:
    if levelno >= logging.ERROR:
        return "ERROR"
    if levelno >= logging.WARNING:
        return "WARN"
    if levelno >= logging.INFO:
        return "INFO"
    if levelno >= logging.DEBUG:
        return "DEBUG"
    return "TRACE"


def install() -> None:
    """Adds a `LambdaLogHandler` to the root logger, unless it has a handler already (called on import)."""
    root = logging.getLogger()
    if not root.handlers:
        root.addHandler(LambdaLogHandler())
