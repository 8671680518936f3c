"""The "real app" peer on awslambdaric: the Python guest `guests/python-app` imports, with botocore to sign AWS
calls (what the guest leaves to the host) and urllib for HTTP; it renders the event through a template and
returns it."""

import urllib.request  # noqa: F401 (imported for its cost, as an app would)

import botocore.auth  # noqa: F401
import botocore.awsrequest  # noqa: F401
import botocore.credentials  # noqa: F401
import jinja2
import yaml

PROMPT = jinja2.Template("{{ greeting }}, {{ name }}")
DEFAULTS = yaml.safe_load("greeting: Hello\nname: world\n")


def handler(event, context):
    """Renders a line from the event (the work an app does), then returns the event, as every benchmark row does."""
    values = {**DEFAULTS, **(event if isinstance(event, dict) else {})}
    line = PROMPT.render(**values)
    return event if line else None
