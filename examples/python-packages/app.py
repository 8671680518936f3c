"""A Python handler with packages from PyPI: it reads a YAML document from the event and renders a Jinja2
template with it. Both packages are listed in requirements.txt, which the build installs and bundles; their
native speedups (PyYAML's libyaml binding, MarkupSafe's) are left out and their pure-Python code runs instead.

Module-level code runs at BUILD time (componentize-py pre-initializes the interpreter): imports and constants
belong here, but configuration (os.environ), clients and anything time-dependent are made on the first call.
"""

import os

import jinja2
import yaml

import lambda_wasm

# Built once, at build time: a template is a constant.
TEMPLATE = jinja2.Environment(autoescape=True).from_string(
    "<p>Hello {{ name }}!</p><ul>{% for item in items %}<li>{{ item }}</li>{% endfor %}</ul>"
)

# Read on the first call, not at import: at build time the function's environment is not there yet.
_settings = None


def settings():
    """The function's configuration, read once, at run time."""
    global _settings
    if _settings is None:
        _settings = {"greeting_suffix": os.environ.get("GREETING_SUFFIX", "")}
    return _settings


class ValidationError(Exception):
    """The event is not what the handler expects."""


def render(event, context):
    """Renders the template with the YAML document in `event["yaml"]`."""
    if not isinstance(event, dict) or not isinstance(event.get("yaml"), str):
        raise ValidationError('expected {"yaml": "<a YAML document>"}')
    data = yaml.safe_load(event["yaml"]) or {}
    html = TEMPLATE.render(name=data.get("name", "world"), items=data.get("items", []))
    return {
        "html": html + settings()["greeting_suffix"],
        "yaml_native": getattr(yaml, "__with_libyaml__", False),
    }


WitWorld = lambda_wasm.handler(render)
