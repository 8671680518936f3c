// Unit tests in Node (`npm test`): Function URL events through the Middy stack.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { makeApi } from './app.js';

const api = makeApi();

const context = { functionName: 'items-api', getRemainingTimeInMillis: () => 3000 };
const event = (method, rawPath, body) => ({
  version: '2.0',
  rawPath,
  headers: body === undefined ? {} : { 'content-type': 'application/json' },
  requestContext: { http: { method, path: rawPath } },
  body,
  isBase64Encoded: false,
});

test('GET /items/{id} routes with the path parameter', async () => {
  const response = await api(event('GET', '/items/42'), context);
  assert.equal(response.statusCode, 200);
  assert.deepEqual(JSON.parse(response.body).id, '42');
});

test('POST /items parses its JSON body', async () => {
  const response = await api(event('POST', '/items', '{"name": "kettle"}'), context);
  assert.equal(response.statusCode, 201);
  assert.equal(JSON.parse(response.body).name, 'kettle');
});

test('anything else is 404', async () => {
  const response = await api(event('DELETE', '/nowhere'), context);
  assert.equal(response.statusCode, 404);
});
