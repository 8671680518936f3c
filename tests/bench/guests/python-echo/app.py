"""The benchmarks' Python guest: returns the event (the SDK parses and serializes the JSON)."""

import lambda_wasm


def echo(event, context):
    """Returns the event unchanged."""
    return event


# What componentize-py exports as the component's `handle`.
WitWorld = lambda_wasm.handler(echo)
