"""A streaming chat on Amazon Bedrock: the prompt goes to Bedrock's ConverseStream, and each text delta of the
model's reply is written to the caller as it arrives, through a Function URL. The request to Bedrock is signed
by the host with the function's credentials: this handler never holds one.

The prompt comes from the Function URL's `prompt` query parameter or JSON body (`{"prompt": ...}`), or from the
event itself. The model is BEDROCK_MODEL_ID (read on the first call, not at build time).
"""

import json
import os
import urllib.parse

import lambda_wasm
from lambda_wasm import aws, log

#: The model when BEDROCK_MODEL_ID is not set.
DEFAULT_MODEL = "anthropic.claude-3-5-haiku-20241022-v1:0"
#: The reply's content type.
CONTENT_TYPE = "text/plain; charset=utf-8"


class ValidationError(Exception):
    """The request has no prompt."""


class BedrockError(Exception):
    """Bedrock refused the request; `error_type` is its error type."""

    def __init__(self, error_type, message):
        super().__init__(message)
        self.error_type = error_type


def chat(event, context, response):
    """Sends the prompt to ConverseStream and streams the reply's text as it arrives."""
    prompt = prompt_of(event)
    if not prompt:
        raise ValidationError("no prompt: pass ?prompt=... or {\"prompt\": ...}")
    model = os.environ.get("BEDROCK_MODEL_ID", DEFAULT_MODEL)
    upstream = aws.fetch(
        "bedrock-runtime",
        f"/model/{urllib.parse.quote(model, safe='')}/converse-stream",
        json={
            "messages": [{"role": "user", "content": [{"text": prompt}]}],
            "inferenceConfig": {"maxTokens": 512},
        },
    )
    if not upstream.ok:
        raise BedrockError(
            upstream.headers.get("x-amzn-errortype", "Bedrock.Error").split(":")[0],
            f"Bedrock answered {upstream.status}: {upstream.text()[:500]}",
        )
    if "requestContext" in event:
        response.set_http_response(200, {"content-type": CONTENT_TYPE})
    else:
        response.set_content_type(CONTENT_TYPE)
    log.info(f"streaming a reply from {model}")
    return deltas(upstream)


def deltas(upstream):
    """The text of each `contentBlockDelta` event, as each arrives."""
    for event in upstream.iter_events():
        if event.event_type == "contentBlockDelta":
            text = event.json().get("delta", {}).get("text")
            if text:
                yield text


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


# What componentize-py exports as `handle-stream` (world `streaming-http-handler`: with outbound HTTP).
WitWorld = lambda_wasm.streaming_handler(chat)
