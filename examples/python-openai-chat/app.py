"""A streaming chat against any OpenAI-compatible API (`/v1/chat/completions` with `stream: true`): each content
delta of the model's server-sent events is written to the caller as it arrives, through a Function URL.

Configuration, read on the first call (never at import: module-level code runs at build time):
OPENAI_API_KEY (the bearer token), OPENAI_BASE_URL (default https://api.openai.com/v1), OPENAI_MODEL (default
gpt-4o-mini). The base URL's host must be listed in LAMBDA_WASM_ALLOW_HTTP.
"""

import json
import os

import lambda_wasm
from lambda_wasm import http, log

CONTENT_TYPE = "text/plain; charset=utf-8"


class ValidationError(Exception):
    """The request has no prompt."""


class UpstreamError(Exception):
    """The API refused the request."""

    error_type = "Upstream.Error"


def settings():
    """The API's settings, from the function's environment at run time."""
    return {
        "key": os.environ.get("OPENAI_API_KEY", ""),
        "base": os.environ.get("OPENAI_BASE_URL", "https://api.openai.com/v1").rstrip("/"),
        "model": os.environ.get("OPENAI_MODEL", "gpt-4o-mini"),
    }


def chat(event, context, response):
    """Sends the prompt and streams the reply's content deltas as they arrive."""
    prompt = prompt_of(event)
    if not prompt:
        raise ValidationError("no prompt: pass ?prompt=... or {\"prompt\": ...}")
    config = settings()
    upstream = http.fetch(
        f"{config['base']}/chat/completions",
        method="POST",
        headers={"authorization": f"Bearer {config['key']}", "accept": "text/event-stream"},
        json={"model": config["model"], "stream": True, "messages": [{"role": "user", "content": prompt}]},
    )
    if not upstream.ok:
        raise UpstreamError(f"the API answered {upstream.status}: {upstream.text()[:500]}")
    if "requestContext" in event:
        response.set_http_response(200, {"content-type": CONTENT_TYPE})
    else:
        response.set_content_type(CONTENT_TYPE)
    log.info(f"streaming a reply from {config['model']}")
    return deltas(upstream)


def deltas(upstream):
    """The content of each chunk, until `[DONE]`."""
    for event in upstream.iter_sse():
        if event.data == "[DONE]":
            return
        for choice in event.json().get("choices", []):
            content = (choice.get("delta") or {}).get("content")
            if content:
                yield content


def prompt_of(event):
    """The prompt, wherever the event carries it."""
    if not isinstance(event, dict):
        return ""
    query = event.get("queryStringParameters") or {}
    if isinstance(query.get("prompt"), str):
        return query["prompt"]
    if isinstance(event.get("prompt"), str):
        return event["prompt"]
    body = event.get("body")
    if isinstance(body, str) and not event.get("isBase64Encoded", False):
        try:
            inner = json.loads(body)
        except ValueError:
            return body.strip()
        return inner.get("prompt", "") if isinstance(inner, dict) else ""
    return ""


WitWorld = lambda_wasm.streaming_handler(chat)
