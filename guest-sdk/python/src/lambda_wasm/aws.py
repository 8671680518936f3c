"""AWS calls signed by the host: `fetch` sends a request to an AWS service marked for signing
(`x-lambda-wasm-sign: aws`); the host signs it with the function's credentials (SigV4), so the handler never holds
a credential. The host decides what the signature is for (the endpoint's service and region, from its own table,
or an origin `LAMBDA_WASM_SIGN_ENDPOINTS` maps), and refuses a marked request to anything else.

    from lambda_wasm import aws

    response = aws.fetch("bedrock-runtime", f"/model/{model}/converse-stream", json={"messages": [...]})
    for event in response.iter_events():
        ...

The allow-list must let the request out too (`LAMBDA_WASM_ALLOW_HTTP=bedrock-runtime.us-east-1.amazonaws.com`).
"""

import os
from typing import Dict, List, Optional, Tuple, Union

from . import http

#: The header that asks the host for a signature; the host strips it.
SIGN_HEADER = "x-lambda-wasm-sign"


def endpoint(service: str, region: Optional[str] = None) -> str:
    """The service's endpoint: `AWS_ENDPOINT_URL_<SERVICE>` or `AWS_ENDPOINT_URL` when set (as the AWS SDKs
    allow), else `https://<service>.<region>.amazonaws.com`, the region from `AWS_REGION`. Read at each call, so
    it is the function's configuration, not the build's."""
    specific = os.environ.get("AWS_ENDPOINT_URL_" + service.upper().replace("-", "_").replace(".", "_"))
    general = os.environ.get("AWS_ENDPOINT_URL")
    if specific or general:
        return (specific or general).rstrip("/")
    region = region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    if not region:
        raise http.HttpError("Http.Error", "no region: set AWS_REGION or pass region=")
    return f"https://{service}.{region}.amazonaws.com"


def fetch(
    service: str,
    path: str,
    *,
    region: Optional[str] = None,
    method: str = "POST",
    headers: Optional[Union[Dict[str, str], List[Tuple[str, str]]]] = None,
    body: Optional[Union[bytes, str]] = None,
    json=None,
    timeout: Optional[float] = None,
) -> http.Response:
    """Sends `method` `path` to the AWS service `service` (its endpoint name: `bedrock-runtime`, `dynamodb`, ...),
    signed by the host; returns the same `Response` as `http.fetch`."""
    pairs = list(headers.items()) if isinstance(headers, dict) else list(headers or [])
    pairs.append((SIGN_HEADER, "aws"))
    url = endpoint(service, region) + (path if path.startswith("/") else "/" + path)
    return http.fetch(url, method=method, headers=pairs, body=body, json=json, timeout=timeout)
