"""A stand-in for Bedrock's ConverseStream on 127.0.0.1, for tests: it VERIFIES each request's SigV4 signature
with botocore (an implementation independent of the host's) against the credentials, service and region the test
expects (never the scope the request claims), and answers an AWS event stream of text deltas. After the first
delta it holds the rest until the test calls GET /release, so a test can show the first token reached its client
while the rest was still held, without timing.

Configuration (environment): EXPECT_ACCESS_KEY, EXPECT_SECRET_KEY, EXPECT_SESSION_TOKEN, EXPECT_SERVICE,
EXPECT_REGION, TOKENS (a JSON list). Prints `ready <port>` once listening. GET /stats answers
{"verified": n, "refused": n, "unsigned": n, "credentials": n}; GET /plain counts a request that carries no
signature. GET /credentials stands in for the container-credentials endpoint: with `Authorization:
$EXPECT_AUTH_TOKEN` it answers the expected credentials as that endpoint does.
"""

import http.server
import json
import os
import struct
import sys
import threading
import zlib

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

STATS = {"verified": 0, "refused": 0, "unsigned": 0, "credentials": 0}
GATE = threading.Event()
LOCK = threading.Lock()


def count(key):
    with LOCK:
        STATS[key] += 1


def message(headers, payload):
    """One event-stream message with string headers."""
    encoded = b""
    for name, value in headers.items():
        raw_name, raw_value = name.encode(), value.encode()
        encoded += bytes([len(raw_name)]) + raw_name + b"\x07" + struct.pack(">H", len(raw_value)) + raw_value
    total = 12 + len(encoded) + len(payload) + 4
    prelude = struct.pack(">II", total, len(encoded))
    prelude += struct.pack(">I", zlib.crc32(prelude))
    body = prelude + encoded + payload
    return body + struct.pack(">I", zlib.crc32(body))


def event(kind, payload):
    return message({":event-type": kind, ":content-type": "application/json", ":message-type": "event"},
                   json.dumps(payload).encode())


def verified(handler, body):
    """Whether the request's signature is the one botocore computes with the EXPECTED credentials and scope."""
    authorization = handler.headers.get("authorization", "")
    if not authorization.startswith("AWS4-HMAC-SHA256 "):
        return False, "no SigV4 authorization"
    fields = dict(part.strip().split("=", 1) for part in authorization[len("AWS4-HMAC-SHA256 "):].split(","))
    signed = fields.get("SignedHeaders", "").split(";")
    headers = {name: handler.headers.get(name, "") for name in signed}
    port = handler.server.server_address[1]
    request = AWSRequest(method=handler.command, url=f"http://127.0.0.1:{port}{handler.path}", data=body,
                         headers=headers)
    request.context["timestamp"] = handler.headers.get("x-amz-date", "")
    credentials = Credentials(os.environ["EXPECT_ACCESS_KEY"], os.environ["EXPECT_SECRET_KEY"],
                              os.environ.get("EXPECT_SESSION_TOKEN") or None)
    auth = SigV4Auth(credentials, os.environ["EXPECT_SERVICE"], os.environ["EXPECT_REGION"])
    canonical = auth.canonical_request(request)
    expected = auth.signature(auth.string_to_sign(request, canonical), request)
    scope_ok = fields.get("Credential", "").startswith(os.environ["EXPECT_ACCESS_KEY"] + "/") and fields.get(
        "Credential", "").endswith(f"/{os.environ['EXPECT_REGION']}/{os.environ['EXPECT_SERVICE']}/aws4_request")
    token_ok = handler.headers.get("x-amz-security-token") == (os.environ.get("EXPECT_SESSION_TOKEN") or None)
    if expected != fields.get("Signature") or not scope_ok or not token_ok:
        return False, "the signature does not match"
    return True, ""


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, status, payload, extra=()):
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        for name, value in extra:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path == "/stats":
            with LOCK:
                self.reply(200, dict(STATS))
        elif self.path == "/release":
            GATE.set()
            self.reply(200, {"released": True})
        elif self.path == "/credentials":
            if self.headers.get("authorization") != os.environ.get("EXPECT_AUTH_TOKEN"):
                self.reply(401, {"message": "wrong authorization token"})
                return
            count("credentials")
            self.reply(200, {"AccessKeyId": os.environ["EXPECT_ACCESS_KEY"],
                             "SecretAccessKey": os.environ["EXPECT_SECRET_KEY"],
                             "Token": os.environ.get("EXPECT_SESSION_TOKEN", ""),
                             "Expiration": "2099-01-01T00:00:00Z"})
        elif self.path == "/plain":
            if "authorization" not in self.headers:
                count("unsigned")
            self.reply(200, {"authorization": self.headers.get("authorization")})
        else:
            self.reply(404, {"message": "not found"})

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("content-length", "0")))
        ok, why = verified(self, body)
        if not ok:
            count("refused")
            self.reply(403, {"message": why}, [("x-amzn-errortype", "InvalidSignatureException")])
            return
        count("verified")
        tokens = json.loads(os.environ.get("TOKENS", '["Hello", " world"]'))
        if self.path.endswith("/converse"):
            self.reply(200, {"output": {"message": {"role": "assistant", "content": [{"text": "".join(tokens)}]}},
                             "stopReason": "end_turn", "usage": {"inputTokens": 1, "outputTokens": len(tokens)}})
            return
        if not self.path.endswith("/converse-stream"):
            self.reply(404, {"message": "only converse and converse-stream"})
            return
        self.send_response(200)
        self.send_header("content-type", "application/vnd.amazon.eventstream")
        self.send_header("transfer-encoding", "chunked")
        self.end_headers()

        def chunk(data):
            self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
            self.wfile.flush()

        chunk(event("messageStart", {"role": "assistant"}))
        for i, token in enumerate(tokens):
            chunk(event("contentBlockDelta", {"contentBlockIndex": 0, "delta": {"text": token}}))
            if i == 0:
                GATE.wait(timeout=60)
        chunk(event("contentBlockStop", {"contentBlockIndex": 0}))
        chunk(event("messageStop", {"stopReason": "end_turn"}))
        chunk(event("metadata", {"usage": {"inputTokens": 1, "outputTokens": len(tokens)}}))
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(f"ready {server.server_address[1]}", flush=True)
try:
    server.serve_forever()
except KeyboardInterrupt:
    sys.exit(0)
