"""The benchmarks' "real app" Python guest: what an AI app's handler imports (the SDK's HTTP client and
host-signed AWS calls, a template engine, a YAML parser) before it answers; it renders the event through a
template and returns the event. Its peer on awslambdaric (`peers/python/app.py`) imports the same packages, and botocore
to sign. The cold start is the figure: what importing costs."""

import jinja2
import yaml

import lambda_wasm
from lambda_wasm import aws, http  # noqa: F401 (imported for their cost, as an app would)

PROMPT = jinja2.Template("{{ greeting }}, {{ name }}")
DEFAULTS = yaml.safe_load("greeting: Hello\nname: world\n")


def handle(event, context):
    """Renders a line from the event (the work an app does), then returns the event, as every benchmark row does."""
    values = {**DEFAULTS, **(event if isinstance(event, dict) else {})}
    line = PROMPT.render(**values)
    return event if line else None


# What componentize-py exports as the component's `handle`.
WitWorld = lambda_wasm.handler(handle)
