"""Greets the caller: `{"name": "Ada"}` in, `{"message": "Hello, Ada!", "request_id": "..."}` out.

Without a `name` it greets the world; `{"fail": "<message>"}` fails with a `ValidationError`.
"""

import lambda_wasm
from lambda_wasm import log


class ValidationError(Exception):
    """The event is not one this handler accepts; Lambda reports it as `errorType: ValidationError`."""


def hello(event, context):
    """Builds the greeting."""
    if not isinstance(event, dict):
        raise ValidationError("the event must be a JSON object")
    if "fail" in event:
        raise ValidationError(str(event["fail"]))
    name = event.get("name", "world")
    if not isinstance(name, str):
        raise ValidationError("name must be a string")
    log.info(f"greeting {name}")
    return {"message": f"Hello, {name}!", "request_id": context.request_id}


# What componentize-py exports as the component's `handle`.
WitWorld = lambda_wasm.handler(hello)
