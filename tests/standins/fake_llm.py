"""A stand-in for an OpenAI-compatible chat API on 127.0.0.1, for tests: `POST /v1/chat/completions` with
`"stream": true` answers server-sent events, one content delta each, then `data: [DONE]`. After the first delta
it holds the rest until the test calls GET /release. A request without `Authorization: Bearer $EXPECT_KEY` is
refused with 401. Standard library only.

Configuration (environment): EXPECT_KEY, TOKENS (a JSON list). Prints `ready <port>` once listening.
GET /stats answers {"served": n, "refused": n}.
"""

import http.server
import json
import os
import sys
import threading

STATS = {"served": 0, "refused": 0}
GATE = threading.Event()
LOCK = threading.Lock()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, status, payload):
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path == "/stats":
            with LOCK:
                self.reply(200, dict(STATS))
        elif self.path == "/release":
            GATE.set()
            self.reply(200, {"released": True})
        else:
            self.reply(404, {"error": "not found"})

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers.get("content-length", "0"))) or b"{}")
        if self.headers.get("authorization") != f"Bearer {os.environ['EXPECT_KEY']}":
            with LOCK:
                STATS["refused"] += 1
            self.reply(401, {"error": {"message": "Incorrect API key provided"}})
            return
        if self.path != "/v1/chat/completions" or not body.get("stream"):
            self.reply(400, {"error": {"message": "expected a streamed chat completion"}})
            return
        with LOCK:
            STATS["served"] += 1
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.send_header("transfer-encoding", "chunked")
        self.end_headers()

        def chunk(text):
            data = text.encode()
            self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
            self.wfile.flush()

        chunk(": keep-alive comment\n\n")
        for i, token in enumerate(json.loads(os.environ.get("TOKENS", '["Hi"]'))):
            delta = {"id": "c1", "object": "chat.completion.chunk", "choices": [{"index": 0, "delta": {"content": token}}]}
            chunk(f"data: {json.dumps(delta)}\n\n")
            if i == 0:
                GATE.wait(timeout=60)
        chunk("data: [DONE]\n\n")
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(f"ready {server.server_address[1]}", flush=True)
try:
    server.serve_forever()
except KeyboardInterrupt:
    sys.exit(0)
