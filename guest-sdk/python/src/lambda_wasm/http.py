"""Outbound HTTP through `wasi:http` (worlds `http-handler` and `streaming-http-handler`): `fetch` sends a request
and returns a `Response` whose body is read as it arrives, whole or chunk by chunk, line by line, as server-sent
events, or as AWS event-stream events.

    from lambda_wasm import http

    response = http.fetch("https://api.example.com/v1/chat", method="POST", json={...}, timeout=30)
    for event in response.iter_sse():
        print(event.data)

The host decides what may go out (`LAMBDA_WASM_ALLOW_HTTP`) and clamps every timeout to the invocation's time.
Errors raise `HttpError` with `error_type` `Http.Denied` (not allowed), `Http.Timeout` or `Http.Error`.
"""

import json as _json
import urllib.parse
from typing import Dict, Iterator, List, Optional, Tuple, Union

from . import eventstream

try:
    from componentize_py_types import Err
    from wit_world.imports import outgoing_handler
    from wit_world.imports import wasi_http_types as types

    AVAILABLE = True
except ImportError:  # Plain CPython, or a world without wasi:http.
    AVAILABLE = False

#: Bytes asked for per read; the host answers with what has arrived, up to this.
READ_SIZE = 64 * 1024
#: Bytes written per call (wasi:io's blocking write takes at most 4096).
WRITE_SIZE = 4096


class HttpError(Exception):
    """A request that could not be made or answered; `error_type` is `Http.Denied`, `Http.Timeout` or
    `Http.Error`, as the Rust SDK's."""

    def __init__(self, error_type: str, message: str):
        super().__init__(message)
        self.error_type = error_type


class Headers:
    """Response headers, looked up case-insensitively; repeated names keep every value."""

    def __init__(self, pairs: List[Tuple[str, str]]):
        self._pairs = pairs

    def get(self, name: str, default: Optional[str] = None) -> Optional[str]:
        """The first value of `name`, or `default`."""
        name = name.lower()
        for key, value in self._pairs:
            if key.lower() == name:
                return value
        return default

    def get_all(self, name: str) -> List[str]:
        """Every value of `name`."""
        name = name.lower()
        return [value for key, value in self._pairs if key.lower() == name]

    def __getitem__(self, name: str) -> str:
        value = self.get(name)
        if value is None:
            raise KeyError(name)
        return value

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self.get(name) is not None

    def items(self) -> List[Tuple[str, str]]:
        """Every (name, value), in order."""
        return list(self._pairs)


class ServerSentEvent:
    """One server-sent event: `event` (default `message`), `data` (lines joined with `\\n`), `id`, `retry`."""

    def __init__(self, event: str, data: str, id: Optional[str], retry: Optional[int]):
        self.event = event
        self.data = data
        self.id = id
        self.retry = retry

    def json(self):
        """`data` decoded as JSON."""
        return _json.loads(self.data)

    def __repr__(self):
        return f"ServerSentEvent({self.event!r}, {self.data!r})"


class Response:
    """An HTTP response whose body is read as it arrives. Read it once: `read()`/`text()`/`json()` whole, or
    `iter_bytes()`, `iter_lines()`, `iter_sse()`, `iter_events()` as it comes."""

    def __init__(self, status: int, headers: Headers, chunks: Iterator[bytes]):
        self.status = status
        self.headers = headers
        self._chunks = chunks
        self._consumed = False

    @property
    def ok(self) -> bool:
        """Whether the status is 2xx."""
        return 200 <= self.status < 300

    def iter_bytes(self) -> Iterator[bytes]:
        """The body, chunk by chunk, as the host receives it."""
        if self._consumed:
            raise HttpError("Http.Error", "the body was already read")
        self._consumed = True
        yield from self._chunks

    def read(self) -> bytes:
        """The whole body."""
        return b"".join(self.iter_bytes())

    def text(self, encoding: str = "utf-8") -> str:
        """The whole body as text."""
        return self.read().decode(encoding, "replace")

    def json(self):
        """The whole body decoded as JSON."""
        return _json.loads(self.read())

    def iter_lines(self) -> Iterator[str]:
        """The body line by line (`\\n`, `\\r\\n` or `\\r`), without the line ends, as each line arrives."""
        pending = b""
        for chunk in self.iter_bytes():
            pending += chunk
            lines = pending.splitlines(keepends=True)
            pending = b""
            if lines and not lines[-1].endswith((b"\n", b"\r")):
                pending = lines.pop()
            elif lines and lines[-1].endswith(b"\r"):
                # A `\r` at the end may be the first half of `\r\n`: wait for the next byte.
                pending = lines.pop()
            for line in lines:
                yield line.rstrip(b"\r\n").decode("utf-8", "replace")
        if pending:
            yield pending.rstrip(b"\r\n").decode("utf-8", "replace")

    def iter_sse(self) -> Iterator[ServerSentEvent]:
        """Server-sent events, parsed as the WHATWG rules say: `field: value` lines, a blank line dispatches,
        `data` lines joined with `\\n`, comments (`:`) ignored, an event without data not dispatched."""
        event, data, last_id, retry = "", [], None, None
        for line in self.iter_lines():
            if line == "":
                if data:
                    yield ServerSentEvent(event or "message", "\n".join(data), last_id, retry)
                event, data = "", []
                continue
            if line.startswith(":"):
                continue
            field, _, value = line.partition(":")
            if value.startswith(" "):
                value = value[1:]
            if field == "event":
                event = value
            elif field == "data":
                data.append(value)
            elif field == "id" and "\0" not in value:
                last_id = value
            elif field == "retry" and value.isdigit():
                retry = int(value)
        if data:
            yield ServerSentEvent(event or "message", "\n".join(data), last_id, retry)

    def iter_events(self) -> Iterator[eventstream.Event]:
        """AWS event-stream events (Bedrock's streaming answers), each as soon as it is whole."""
        return eventstream.events(self.iter_bytes())


def _method(name: str):
    known = {
        "GET": types.Method_Get,
        "HEAD": types.Method_Head,
        "POST": types.Method_Post,
        "PUT": types.Method_Put,
        "DELETE": types.Method_Delete,
        "OPTIONS": types.Method_Options,
        "PATCH": types.Method_Patch,
    }
    upper = name.upper()
    return known[upper]() if upper in known else types.Method_Other(upper)


def _error(code) -> HttpError:
    name = type(code).__name__.replace("ErrorCode_", "")
    if name == "HttpRequestDenied":
        return HttpError("Http.Denied", "the host denied the request (see LAMBDA_WASM_ALLOW_HTTP, and the log)")
    if "Timeout" in name:
        return HttpError("Http.Timeout", f"the request timed out ({name})")
    detail = getattr(code, "value", None)
    return HttpError("Http.Error", f"{name}{f': {detail}' if detail is not None else ''}")


def fetch(
    url: str,
    *,
    method: str = "GET",
    headers: Optional[Union[Dict[str, str], List[Tuple[str, str]]]] = None,
    body: Optional[Union[bytes, str]] = None,
    json=None,
    timeout: Optional[float] = None,
) -> Response:
    """Sends a request and returns its `Response` once the status and headers have arrived; the body is read
    from the response as it arrives. `json` sends a JSON body (and its content type); `timeout` (seconds) bounds
    the connection and each wait for data, within the invocation's remaining time."""
    if not AVAILABLE:
        raise HttpError(
            "Http.Error",
            "outbound HTTP needs a component built for the world `http-handler` or `streaming-http-handler`",
        )
    pairs = list(headers.items()) if isinstance(headers, dict) else list(headers or [])
    if json is not None:
        body = _json.dumps(json, separators=(",", ":"))
        if not any(k.lower() == "content-type" for k, _ in pairs):
            pairs.append(("content-type", "application/json"))
    if isinstance(body, str):
        body = body.encode("utf-8")
    if body is not None and not any(k.lower() in ("content-length", "transfer-encoding") for k, _ in pairs):
        # The size is known: say it, rather than chunking (some servers do not read chunked requests).
        pairs.append(("content-length", str(len(body))))
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise HttpError("Http.Error", f"{url!r} is not an http(s) URL")
    try:
        fields = types.Fields.from_list([(k.lower(), v.encode("utf-8")) for k, v in pairs])
    except Err as e:
        raise HttpError("Http.Error", f"invalid headers: {e.value}") from None
    request = types.OutgoingRequest(fields)
    request.set_method(_method(method))
    request.set_scheme(types.Scheme_Https() if parts.scheme == "https" else types.Scheme_Http())
    request.set_authority(parts.netloc)
    request.set_path_with_query((parts.path or "/") + (f"?{parts.query}" if parts.query else ""))
    options = types.RequestOptions()
    if timeout is not None:
        nanos = int(timeout * 1e9)
        options.set_connect_timeout(nanos)
        options.set_first_byte_timeout(nanos)
        options.set_between_bytes_timeout(nanos)
    outgoing = request.body()
    try:
        future = outgoing_handler.handle(request, options)
    except Err as e:
        raise _error(e.value) from None
    # A failure while sending the body is reported after the response's own: a request the host denied fails
    # its body too, and the denial is what the handler must see.
    body_error = None
    stream = outgoing.write()
    try:
        for i in range(0, len(body or b""), WRITE_SIZE):
            stream.blocking_write_and_flush(body[i : i + WRITE_SIZE])
    except Err as e:
        body_error = e
    stream.__exit__(None, None, None)
    try:
        types.OutgoingBody.finish(outgoing, None)
    except Err as e:
        body_error = body_error or e
    while True:
        answered = future.get()
        if answered is not None:
            break
        pollable = future.subscribe()
        pollable.block()
        pollable.__exit__(None, None, None)
    future.__exit__(None, None, None)
    # option<result<result<incoming-response, error-code>>>: the outer result fails only if taken twice.
    if isinstance(answered, Err):
        raise HttpError("Http.Error", "the response was already taken")
    inner = answered.value
    if isinstance(inner, Err):
        raise _error(inner.value)
    if body_error is not None:
        value = body_error.value
        raise HttpError("Http.Error", f"sending the request body failed: {type(value).__name__}")
    response = inner.value
    status = response.status()
    header_fields = response.headers()
    pairs = [(k, v.decode("utf-8", "replace")) for k, v in header_fields.entries()]
    header_fields.__exit__(None, None, None)
    incoming = response.consume()
    return Response(status, Headers(pairs), _chunks(response, incoming))


def _chunks(response, incoming) -> Iterator[bytes]:
    """The body's chunks as they arrive; the resources are dropped children first."""
    stream = incoming.stream()
    try:
        while True:
            try:
                chunk = stream.blocking_read(READ_SIZE)
            except Err as e:
                if type(e.value).__name__ == "StreamError_Closed":
                    return
                raise HttpError("Http.Error", "the response body broke off") from None
            if chunk:
                yield chunk
    finally:
        stream.__exit__(None, None, None)
        incoming.__exit__(None, None, None)
        response.__exit__(None, None, None)
