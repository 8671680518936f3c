"""The benchmarks' peer on AWS's Python runtime interface client (awslambdaric): returns the event, after the
wait ({"sleep_ms": n}) or the work ({"burn": n}) it asks for, as the Python guest does."""

import time


def handler(event, context):
    """Returns the event unchanged."""
    if isinstance(event, dict):
        if "sleep_ms" in event:
            time.sleep(event["sleep_ms"] / 1000)
        if "burn" in event:
            x = 1
            for i in range(event["burn"]):
                x = (x * 6364136223846793005 + i) & 0xFFFFFFFFFFFFFFFF
    return event
