"""`Context`: what Lambda says about the invocation in progress."""

import json
import os
from dataclasses import dataclass
from typing import Any, Dict, Optional

from . import _host


def _parsed(raw: Optional[str]) -> Dict[str, Any]:
    """The JSON object in `raw`; empty when absent or not an object (a malformed header is not the handler's
    failure: the raw text stays available)."""
    if not raw:
        return {}
    try:
        value = json.loads(raw)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


class CognitoIdentity:
    """`context.identity`, as AWS's Python runtime gives it: the Cognito caller's ids (None when absent)."""

    __slots__ = ("cognito_identity_id", "cognito_identity_pool_id")

    def __init__(self, raw: Optional[str]):
        fields = _parsed(raw)
        self.cognito_identity_id: Optional[str] = fields.get("cognitoIdentityId")
        self.cognito_identity_pool_id: Optional[str] = fields.get("cognitoIdentityPoolId")

    def __repr__(self) -> str:
        return f"CognitoIdentity(cognito_identity_id={self.cognito_identity_id!r}, " \
               f"cognito_identity_pool_id={self.cognito_identity_pool_id!r})"


class Client:
    """`context.client_context.client`: the mobile app that called."""

    __slots__ = ("installation_id", "app_title", "app_version_name", "app_version_code", "app_package_name")

    def __init__(self, fields: Dict[str, Any]):
        for name in self.__slots__:
            setattr(self, name, fields.get(name))


class ClientContext:
    """`context.client_context`, as AWS's Python runtime gives it: `client` (a `Client`, or None), `custom` and
    `env` (dicts, or None)."""

    __slots__ = ("client", "custom", "env")

    def __init__(self, raw: str):
        fields = _parsed(raw)
        client = fields.get("client")
        self.client: Optional[Client] = Client(client) if isinstance(client, dict) else None
        self.custom: Optional[Dict[str, Any]] = fields.get("custom")
        self.env: Optional[Dict[str, Any]] = fields.get("env")


@dataclass
class Context:
    """The headers of the Runtime API's `GET /runtime/invocation/next`, named like the Rust SDK's context.

    `identity` and `client_context` are objects with AWS's Python runtime's attribute names (`identity` a
    `CognitoIdentity`, always present; `client_context` a `ClientContext`, None when the caller sent none); the raw
    JSON Lambda sent is in `identity_json` and `client_context_json`. The AWS Python runtime's names work too: `aws_request_id`, `get_remaining_time_in_millis()`,
    `function_name`, `function_version`, `memory_limit_in_mb`, `log_group_name`, `log_stream_name`.

    A unit test builds one directly: `Context(request_id="test")`.
    """

    #: `Lambda-Runtime-Aws-Request-Id`: the id of this invocation, as shown in the function's logs.
    request_id: str = ""
    #: `Lambda-Runtime-Deadline-Ms`: Unix epoch milliseconds after which Lambda stops waiting.
    deadline_ms: int = 0
    #: `Lambda-Runtime-Invoked-Function-Arn`: the function, version or alias that was invoked.
    invoked_function_arn: str = ""
    #: `Lambda-Runtime-Trace-Id`: the X-Ray trace header, when tracing is on.
    xray_trace_id: Optional[str] = None
    #: `Lambda-Runtime-Client-Context`: the raw JSON a mobile SDK caller sent.
    client_context_json: Optional[str] = None
    #: `Lambda-Runtime-Cognito-Identity`: the raw JSON identity of a Cognito caller.
    identity_json: Optional[str] = None
    #: `Lambda-Runtime-Aws-Tenant-Id`: the tenant, for functions with tenant isolation.
    tenant_id: Optional[str] = None

    def remaining_time_ms(self) -> int:
        """Milliseconds left before the deadline; 0 once it has passed.

        Inside a component the host answers (its clock enforces the deadline); in a unit test it is computed
        from `deadline_ms` and the system clock.
        """
        return _host.remaining_time_ms(self.deadline_ms)

    # The AWS Python runtime's names, so that code written for it keeps working.

    @property
    def identity(self) -> CognitoIdentity:
        """The Cognito identity, with the AWS runtime's attribute names (each None when Lambda sent none)."""
        return CognitoIdentity(self.identity_json)

    @property
    def client_context(self) -> Optional[ClientContext]:
        """The mobile caller's client context, with the AWS runtime's attribute names; None when absent."""
        return ClientContext(self.client_context_json) if self.client_context_json else None

    @property
    def aws_request_id(self) -> str:
        """`request_id`, under the AWS Python runtime's name."""
        return self.request_id

    def get_remaining_time_in_millis(self) -> int:
        """`remaining_time_ms()`, under the AWS Python runtime's name."""
        return self.remaining_time_ms()

    @property
    def function_name(self) -> str:
        """`AWS_LAMBDA_FUNCTION_NAME`."""
        return os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "")

    @property
    def function_version(self) -> str:
        """`AWS_LAMBDA_FUNCTION_VERSION`."""
        return os.environ.get("AWS_LAMBDA_FUNCTION_VERSION", "")

    @property
    def memory_limit_in_mb(self) -> str:
        """`AWS_LAMBDA_FUNCTION_MEMORY_SIZE`, a string as in the AWS runtime."""
        return os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "")

    @property
    def log_group_name(self) -> str:
        """`AWS_LAMBDA_LOG_GROUP_NAME`."""
        return os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME", "")

    @property
    def log_stream_name(self) -> str:
        """`AWS_LAMBDA_LOG_STREAM_NAME`."""
        return os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME", "")

    @classmethod
    def _from_wit(cls, ctx) -> "Context":
        """Converts the host's WIT record, renaming `cognito_identity` to `identity`."""
        return cls(
            request_id=ctx.request_id,
            deadline_ms=ctx.deadline_ms,
            invoked_function_arn=ctx.invoked_function_arn,
            xray_trace_id=ctx.xray_trace_id,
            client_context_json=ctx.client_context,
            identity_json=ctx.cognito_identity,
            tenant_id=ctx.tenant_id,
        )
