"""A Function URL API on AWS Lambda Powertools for Python: `LambdaFunctionUrlResolver` routes the requests, the
Logger writes structured records, Metrics writes CloudWatch EMF documents. Both go to the log as Lambda passes
them (a JSON line is its own record, filtered by its own level; EMF never dropped).

Routes: GET /orders/<id> -> the order; POST /orders (JSON body) -> 201 and the order; anything else -> 404.

Powertools' objects read their settings (POWERTOOLS_SERVICE_NAME, ...) when made, and module-level code runs at
BUILD time under componentize-py: they are made on the first call, in `setup` (`lambda_wasm.handler(..., init=)`).
"""

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.event_handler import LambdaFunctionUrlResolver, Response
from aws_lambda_powertools.metrics import MetricUnit

import lambda_wasm

app = LambdaFunctionUrlResolver()
logger = None
metrics = None


def setup():
    """Makes the Logger and Metrics with the function's environment (not the build's)."""
    global logger, metrics
    logger = Logger()
    metrics = Metrics()


@app.get("/orders/<order_id>")
def get_order(order_id: str):
    logger.info("order read", extra={"order_id": order_id})
    return {"id": order_id, "status": "shipped"}


@app.post("/orders")
def create_order():
    order = app.current_event.json_body or {}
    logger.info("order created", extra={"item": order.get("item")})
    metrics.add_metric(name="OrdersCreated", unit=MetricUnit.Count, value=1)
    metrics.flush_metrics()
    return Response(status_code=201, content_type="application/json", body={"id": "o-1", **order})


def handle(event, context):
    """Routes the Function URL request."""
    if event.get("rawPath") == "/fail":
        logger.error("failing on purpose")
    return app.resolve(event, context)


WitWorld = lambda_wasm.handler(handle, init=setup)
