// Unit tests: the handler called directly in Node (`npm test`); `--import lambda-wasm-sdk/testing` stands in
// for the host's imports.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { invoke, InvocationError, UNMARSHAL_ERROR } from 'lambda-wasm-sdk';
import { hello, ValidationError } from './app.js';

const decode = (bytes) => JSON.parse(new TextDecoder().decode(bytes));

test('greets by name', async () => {
  const response = await hello({ name: 'Ada' }, { requestId: 'test-request' });
  assert.deepEqual(response, { message: 'Hello, Ada!', request_id: 'test-request' });
});

test('greets the world without a name', async () => {
  // Decoded and encoded as the component does it, from the event's bytes.
  assert.equal(decode(await invoke(hello, '{}')).message, 'Hello, world!');
});

test('fail throws a ValidationError', async () => {
  await assert.rejects(hello({ fail: 'no' }, {}), ValidationError);
  await assert.rejects(
    invoke(hello, '{"fail": "boom"}'),
    (error) =>
      error instanceof InvocationError &&
      error.errorType === 'ValidationError' &&
      error.errorMessage === 'boom' &&
      error.stackTrace[0].includes('hello'),
  );
});

test('an event that is not JSON is refused', () => {
  // Refused before the handler runs, so synchronously.
  assert.throws(() => invoke(hello, 'not json'), (error) => error.errorType === UNMARSHAL_ERROR);
});
