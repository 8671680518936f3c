// A small HTTP API behind a Function URL, routed by Middy: `GET /items/{id}`, `POST /items` with a JSON body,
// and 404 for anything else (Middy's http-router, http-json-body-parser and http-error-handler, unchanged from
// npm). It uses what Lambda libraries expect of Node: `node:crypto` for an ETag and an id, `process.env` for the
// table's name, and AWS's context names (`context.functionName`).
import middy from '@middy/core';
import httpErrorHandler from '@middy/http-error-handler';
import httpJsonBodyParser from '@middy/http-json-body-parser';
import httpRouterHandler from '@middy/http-router';
import { createHash, randomUUID } from 'node:crypto';
import { handler, log } from 'lambda-wasm-sdk';

const json = (statusCode, body) => ({
  statusCode,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

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
    log.info(`created ${name}`);
    return json(201, { id: randomUUID(), name, etag });
  });

const routes = [
  { method: 'GET', path: '/items/{id}', handler: getItem },
  { method: 'POST', path: '/items', handler: createItem },
];

/** The API: every route behind Middy's error handler (unknown routes are 404, a broken JSON body 415/422). */
export const api = middy().use(httpErrorHandler()).handler(httpRouterHandler(routes));

// The component's `handle` export.
export const handle = handler(api);
