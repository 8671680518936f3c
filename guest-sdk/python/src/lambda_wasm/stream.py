"""`ResponseStream`: where a streaming handler's response goes, and its collecting double for unit tests."""

from typing import Dict, Iterable, List, Optional, Tuple, Union

from . import _host
from .errors import STREAM_ERROR, LambdaError

#: The most one host write carries: 64 KiB. Longer writes are sent in pieces of this size.
MAX_WRITE = 64 * 1024

Headers = Union[Dict[str, str], Iterable[Tuple[str, str]]]


class StreamError(LambdaError):
    """The host refused a write, a content type or an HTTP response (`Runtime.StreamError`): the stream limit
    is reached, the caller is gone, or a content type comes after the first write."""

    def __init__(self, message: str):
        super().__init__(STREAM_ERROR, message)


class ResponseStream:
    """The response of a streaming handler, sent to the caller as it is written.

    - `write(chunk)` sends bytes (a `str` is sent as UTF-8) now; it blocks while the caller reads slower than
      the handler writes, so nothing is buffered whole;
    - `set_content_type(...)`, or for a Function URL `set_http_response(status_code, headers, cookies)`,
      describe the response: only before the first write.

    `ResponseStream.collecting()` keeps what it is given instead (for unit tests): read `body`, `writes`,
    `content_type` and `http_response`. Like the host, it refuses a description after the first write.
    """

    def __init__(self, writer=None):
        self._writer = writer
        self._started = False
        #: Collecting stream only: the last content type set.
        self.content_type: Optional[str] = None
        #: Collecting stream only: the last HTTP response set, `{"status_code", "headers", "cookies"}`.
        self.http_response: Optional[dict] = None
        #: Collecting stream only: each host write, in order.
        self.writes: List[bytes] = []

    @classmethod
    def collecting(cls) -> "ResponseStream":
        """A stream that keeps everything written to it, for unit tests."""
        return cls(None)

    @property
    def body(self) -> bytes:
        """Collecting stream only: every byte written."""
        return b"".join(self.writes)

    def set_content_type(self, content_type: str) -> None:
        """Sets the response's content type (the host's default is `application/octet-stream`)."""
        self._before_first_write("the content type")
        if self._writer is None:
            self.content_type = content_type
            return
        try:
            self._writer.set_content_type(content_type)
        except _host.Err as refused:
            raise StreamError(str(refused.value)) from None

    def set_http_response(
        self, status_code: int = 200, headers: Optional[Headers] = None, cookies: Optional[List[str]] = None
    ) -> None:
        """Makes the response an HTTP response (Function URLs, API Gateway streaming): status, headers (a
        dict, or pairs to repeat a name) and `Set-Cookie` values."""
        self._before_first_write("the HTTP response")
        pairs = list(headers.items()) if isinstance(headers, dict) else list(headers or [])
        cookies = list(cookies or [])
        if self._writer is None:
            self.http_response = {"status_code": status_code, "headers": pairs, "cookies": cookies}
            return
        try:
            self._writer.set_http_prelude(_host.http_prelude(status_code, pairs, cookies))
        except _host.Err as refused:
            raise StreamError(str(refused.value)) from None

    def write(self, chunk: Union[bytes, bytearray, memoryview, str]) -> None:
        """Sends `chunk` now (a `str` as UTF-8); an empty chunk sends nothing. Raises `StreamError` once the
        stream limit is reached or the caller is gone."""
        data = chunk.encode("utf-8") if isinstance(chunk, str) else bytes(chunk)
        for start in range(0, len(data), MAX_WRITE):
            piece = data[start : start + MAX_WRITE]
            self._started = True
            if self._writer is None:
                self.writes.append(piece)
                continue
            try:
                self._writer.write(piece)
            except _host.Err as refused:
                raise StreamError(str(refused.value)) from None

    def _before_first_write(self, what: str) -> None:
        if self._started:
            raise StreamError(f"{what} can only be set before the first write")
