"""The benchmarks' peer on AWS's Python runtime interface client (awslambdaric): returns the event."""


def handler(event, context):
    """Returns the event unchanged."""
    return event
