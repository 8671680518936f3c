"""Streams a greeting word by word: `{"name": "Ada"}` in, `Hello, Ada!` out as `text/plain`, each word sent as
soon as it is yielded (a Function URL or InvokeWithResponseStream shows them as they come).

Module-level code runs when the component is BUILT (pre-initialization): import everything here, but read
`os.environ` and make clients in the handler.
"""

import lambda_wasm


def handle(event, context, response):
    """The handler: sets the content type, then yields each word."""
    name = event.get("name", "world") if isinstance(event, dict) else "world"
    response.set_content_type("text/plain; charset=utf-8")
    for word in ("Hello, ", name, "!\n"):
        yield word


# What componentize-py exports as the component's `handle-stream`.
WitWorld = lambda_wasm.streaming_handler(handle)
