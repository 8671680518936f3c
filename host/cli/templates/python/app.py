"""`{"name": "Ada"}` in, `{"message": "Hello, Ada!", "request_id": "..."}` out.

Module-level code runs when the component is BUILT (pre-initialization): import everything here, but read
`os.environ` and make clients in `setup()` (run once, before the first event) or in the handler.
"""

import lambda_wasm
from lambda_wasm import log


def setup():
    """Runs once, before the first event, with the function's environment."""


def handle(event, context):
    """The handler."""
    name = event.get("name", "world") if isinstance(event, dict) else "world"
    log.info(f"greeting {name}")
    return {"message": f"Hello, {name}!", "request_id": context.request_id}


# What componentize-py exports as the component's `handle`.
WitWorld = lambda_wasm.handler(handle, init=setup)
