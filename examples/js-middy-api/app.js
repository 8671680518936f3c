// A small HTTP API behind a Function URL, routed by Middy: `GET /items/{id}`, `POST /items` with a JSON body,
// and 404 for anything else (Middy's http-router, http-json-body-parser and http-error-handler, unchanged from
// npm), with Powertools for TypeScript's Logger and Metrics as Middy middlewares. It uses what Lambda libraries
// expect of Node: `node:crypto` for an ETag and an id, `process.env` for the table's name, and AWS's context
// names (`context.functionName`).
//
// Module-level code runs when the component is BUILT (pre-initialization), when the function's environment does
// not exist yet: Powertools reads POWERTOOLS_SERVICE_NAME and POWERTOOLS_METRICS_NAMESPACE when it is made, so
// the whole stack is made on the first call (`api()`), as Python's `init=` does.
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import httpErrorHandler from '@middy/http-error-handler';
import httpJsonBodyParser from '@middy/http-json-body-parser';
import httpRouterHandler from '@middy/http-router';
import { createHash, randomUUID } from 'node:crypto';
import { handler } from 'lambda-wasm-sdk';

const json = (statusCode, body) => ({
  statusCode,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

/** The API: every route behind Middy's error handler, Powertools' Logger and Metrics around it all. */
export function makeApi() {
  const logger = new Logger();
  const metrics = new Metrics();

  const getItem = middy().handler(async (event, context) =>
    json(200, {
      id: event.pathParameters.id,
      table: process.env.TABLE_NAME ?? null,
      servedBy: context.functionName,
    }),
  );

  const createItem = middy()
    .use(httpJsonBodyParser())
    .handler(async (event) => {
      const { name } = event.body ?? {};
      if (typeof name !== 'string' || name === '') {
        return json(400, { message: 'name must be a non-empty string' });
      }
      const etag = createHash('sha256').update(name).digest('hex').slice(0, 16);
      logger.info('item created', { item: name });
      metrics.addMetric('ItemsCreated', MetricUnit.Count, 1);
      return json(201, { id: randomUUID(), name, etag });
    });

  const routes = [
    { method: 'GET', path: '/items/{id}', handler: getItem },
    { method: 'POST', path: '/items', handler: createItem },
  ];
  return middy()
    .use(injectLambdaContext(logger))
    .use(logMetrics(metrics))
    .use(httpErrorHandler())
    .handler(httpRouterHandler(routes));
}

let api;

/** The handler: the stack made on the first call, with the function's environment. */
export function items(event, context) {
  api ??= makeApi();
  return api(event, context);
}

// The component's `handle` export.
export const handle = handler(items);
