"""`Context`: what Lambda says about the invocation in progress."""

import os
from dataclasses import dataclass
from typing import Optional

from . import _host


@dataclass
class Context:
    """The headers of the Runtime API's `GET /runtime/invocation/next`, named like the Rust SDK's context.

    `client_context` and `identity` are the raw JSON strings Lambda sent (`json.loads` them if you need them).
    The AWS Python runtime's names work too: `aws_request_id`, `get_remaining_time_in_millis()`,
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
    client_context: Optional[str] = None
    #: `Lambda-Runtime-Cognito-Identity`: the raw JSON identity of a Cognito caller.
    identity: Optional[str] = None
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
            client_context=ctx.client_context,
            identity=ctx.cognito_identity,
            tenant_id=ctx.tenant_id,
        )
