"""Replies to a prompt token by token, the way a language model streams its answer: `{"prompt": "Why stream a
reply?"}` in, `You asked: "Why stream a reply?". Here is ...` out, as `text/plain; charset=utf-8`, one word
every `TOKEN_DELAY` seconds.

Invoked through a Function URL (an API Gateway v2 event: it has `requestContext` and `rawPath`), it answers with
an HTTP response (status 200, `content-type: text/plain; charset=utf-8`, `x-streamed-by: lambda-wasm`) and reads
the prompt from the `prompt` query parameter, or else from the body (a JSON `{"prompt": ...}` or plain text).
`{"fail": "<message>"}` (as the event, or as a Function URL request's body) fails with a `ValidationError` before
anything is written.
"""

import json
import time

import lambda_wasm
from lambda_wasm import log

#: Seconds between two tokens: the "thinking" time of a pretend language model.
TOKEN_DELAY = 0.04
#: The reply's content type.
CONTENT_TYPE = "text/plain; charset=utf-8"


class ValidationError(Exception):
    """The event is not one this handler accepts; Lambda reports it as `errorType: ValidationError`."""


def chat(event, context, response):
    """Streams the reply to the prompt: sets the response's type, then yields one token at a time."""
    if not isinstance(event, dict):
        raise ValidationError("the event must be a JSON object")
    request = body_json(event) if is_http(event) else event
    if "fail" in request:
        raise ValidationError(str(request["fail"]))
    if is_http(event):
        response.set_http_response(200, {"content-type": CONTENT_TYPE, "x-streamed-by": "lambda-wasm"})
    else:
        response.set_content_type(CONTENT_TYPE)
    prompt = prompt_of(event)
    log.info(f"replying to a prompt of {len(prompt)} characters")
    return generate(prompt)


def generate(prompt):
    """The tokens of the reply, one every `TOKEN_DELAY`: each is sent to the caller as soon as it is yielded."""
    for i, token in enumerate(tokens(prompt)):
        if i > 0:
            time.sleep(TOKEN_DELAY)
        yield token


def is_http(event):
    """Whether the event came through a Function URL (or API Gateway): then the reply is an HTTP response."""
    return "requestContext" in event or "rawPath" in event


def body_json(event):
    """A Function URL request's body as a JSON object; `{}` when it is absent, binary or not a JSON object."""
    body = event.get("body")
    if not isinstance(body, str) or event.get("isBase64Encoded", False):
        return {}
    try:
        inner = json.loads(body)
    except ValueError:
        return {}
    return inner if isinstance(inner, dict) else {}


def prompt_of(event):
    """The prompt, wherever the event carries it; empty when it carries none."""
    query = event.get("queryStringParameters") or {}
    if isinstance(query.get("prompt"), str):
        return query["prompt"]
    if isinstance(event.get("prompt"), str):
        return event["prompt"]
    body = event.get("body")
    if isinstance(body, str) and not event.get("isBase64Encoded", False):
        inner = body_json(event).get("prompt")
        return inner if isinstance(inner, str) else body.strip()
    return ""


def tokens(prompt):
    """The reply to `prompt`, cut into tokens: each word with the space before it, then a newline."""
    prompt = " ".join(prompt.split())
    reply = f'You asked: "{prompt}".' if prompt else "You asked nothing, so here is something anyway."
    reply += (
        " Here is a reply streamed one word at a time: each word leaves the function as soon as it is"
        " written, so the first ones arrive long before the last is ready."
    )
    words = reply.split(" ")
    return [words[0]] + [" " + word for word in words[1:]] + ["\n"]


# What componentize-py exports as the component's `handle-stream` (world `streaming-handler`).
WitWorld = lambda_wasm.streaming_handler(chat)
