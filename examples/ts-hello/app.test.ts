// Unit tests: the handler called directly in Node (`npm test` compiles, then runs them with
// `--import lambda-wasm-sdk/testing`, which stands in for the host's imports).
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { invoke, InvocationError, type Context } from 'lambda-wasm-sdk';
import { hello, ValidationError } from './app.js';

const context = { requestId: 'test-request' } as Context;

test('greets by name', async () => {
  assert.deepEqual(await hello({ name: 'Ada' }, context), { message: 'Hello, Ada!', request_id: 'test-request' });
});

test('greets the world without a name', async () => {
  const bytes = await invoke(hello, '{}');
  assert.equal(JSON.parse(new TextDecoder().decode(bytes)).message, 'Hello, world!');
});

test('fail throws a ValidationError', async () => {
  await assert.rejects(hello({ fail: 'no' }, context), ValidationError);
  await assert.rejects(
    Promise.resolve().then(() => invoke(hello, '{"fail": "boom"}')),
    (error: unknown) =>
      error instanceof InvocationError && error.errorType === 'ValidationError' && error.errorMessage === 'boom',
  );
});
