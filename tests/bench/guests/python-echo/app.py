"""The benchmarks' Python guest: returns the event (the SDK parses and serializes the JSON). For the Managed
Instances table, {"sleep_ms": n} first waits n ms (a function waiting on an API) and {"burn": n} first spins n
rounds of arithmetic (a CPU-bound one)."""

import time

import lambda_wasm


def echo(event, context):
    """Returns the event unchanged, after the wait or the work it asks for."""
    if isinstance(event, dict):
        if "sleep_ms" in event:
            time.sleep(event["sleep_ms"] / 1000)
        if "burn" in event:
            x = 1
            for i in range(event["burn"]):
                x = (x * 6364136223846793005 + i) & 0xFFFFFFFFFFFFFFFF
    return event


# What componentize-py exports as the component's `handle`.
WitWorld = lambda_wasm.handler(echo)
