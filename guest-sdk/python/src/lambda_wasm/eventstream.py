"""AWS's event-stream framing (`application/vnd.amazon.eventstream`), as Bedrock's `ConverseStream` and
`InvokeModelWithResponseStream` answer: a prelude (total length, headers length, CRC32 of both), typed headers,
the payload, and a CRC32 of the whole message. Pure Python: it runs in a component and in a unit test alike.
"""

import json
import struct
import zlib
from typing import Dict, Iterable, Iterator, Union

#: The largest message accepted (AWS's limit for one event-stream message is 16 MiB).
MAX_MESSAGE = 16 * 1024 * 1024

HeaderValue = Union[bool, int, bytes, str]


class EventStreamError(Exception):
    """A malformed message (bad length or CRC), or a message of type `exception`/`error` from the service."""

    def __init__(self, error_type: str, message: str):
        super().__init__(message)
        self.error_type = error_type


class Event:
    """One event: its `:event-type`, its headers and its payload."""

    def __init__(self, headers: Dict[str, HeaderValue], payload: bytes):
        self.headers = headers
        self.payload = payload
        self.event_type = headers.get(":event-type")

    def json(self):
        """The payload decoded as JSON."""
        return json.loads(self.payload)

    def __repr__(self):
        return f"Event({self.event_type!r}, {len(self.payload)} bytes)"


def _headers(data: bytes) -> Dict[str, HeaderValue]:
    headers: Dict[str, HeaderValue] = {}
    i = 0
    while i < len(data):
        name_len = data[i]
        name = data[i + 1 : i + 1 + name_len].decode("utf-8")
        i += 1 + name_len
        kind = data[i]
        i += 1
        if kind in (0, 1):
            value: HeaderValue = kind == 0
        elif kind == 2:
            value = struct.unpack_from(">b", data, i)[0]
            i += 1
        elif kind == 3:
            value = struct.unpack_from(">h", data, i)[0]
            i += 2
        elif kind == 4:
            value = struct.unpack_from(">i", data, i)[0]
            i += 4
        elif kind in (5, 8):
            value = struct.unpack_from(">q", data, i)[0]
            i += 8
        elif kind in (6, 7):
            (length,) = struct.unpack_from(">H", data, i)
            raw = data[i + 2 : i + 2 + length]
            value = raw.decode("utf-8") if kind == 7 else raw
            i += 2 + length
        elif kind == 9:
            value = data[i : i + 16]
            i += 16
        else:
            raise EventStreamError("EventStream.BadHeader", f"unknown header type {kind}")
        headers[name] = value
    return headers


def events(chunks: Iterable[bytes]) -> Iterator[Event]:
    """Yields each event of a stream that arrives in `chunks`, as soon as it is whole. A message whose
    `:message-type` is `exception` or `error` raises `EventStreamError` with the service's error type."""
    buffer = bytearray()
    for chunk in chunks:
        buffer.extend(chunk)
        while len(buffer) >= 12:
            total, headers_len, prelude_crc = struct.unpack_from(">III", buffer, 0)
            if zlib.crc32(bytes(buffer[:8])) != prelude_crc:
                raise EventStreamError("EventStream.BadChecksum", "the prelude's CRC does not match")
            if total < 16 or total > MAX_MESSAGE or headers_len > total - 16:
                raise EventStreamError("EventStream.BadLength", f"a message of {total} bytes")
            if len(buffer) < total:
                break
            message = bytes(buffer[:total])
            del buffer[:total]
            (message_crc,) = struct.unpack_from(">I", message, total - 4)
            if zlib.crc32(message[:-4]) != message_crc:
                raise EventStreamError("EventStream.BadChecksum", "the message's CRC does not match")
            headers = _headers(message[12 : 12 + headers_len])
            payload = message[12 + headers_len : total - 4]
            kind = headers.get(":message-type", "event")
            if kind in ("exception", "error"):
                error_type = headers.get(":exception-type") or headers.get(":error-code") or "EventStream.Error"
                text = headers.get(":error-message") or payload.decode("utf-8", "replace")
                raise EventStreamError(str(error_type), str(text))
            yield Event(headers, payload)
    if buffer:
        raise EventStreamError("EventStream.Truncated", f"the stream ended inside a message ({len(buffer)} bytes)")


def encode(headers: Dict[str, str], payload: bytes) -> bytes:
    """One message with string headers: for tests and stand-ins."""
    encoded = b""
    for name, value in headers.items():
        raw_name, raw_value = name.encode(), value.encode()
        encoded += bytes([len(raw_name)]) + raw_name + b"\x07" + struct.pack(">H", len(raw_value)) + raw_value
    total = 12 + len(encoded) + len(payload) + 4
    prelude = struct.pack(">II", total, len(encoded))
    prelude += struct.pack(">I", zlib.crc32(prelude))
    message = prelude + encoded + payload
    return message + struct.pack(">I", zlib.crc32(message))
