// Unit tests in Node (`npm test`); `--import lambda-wasm-sdk/testing` stands in for the host's imports.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { invoke } from 'lambda-wasm-sdk';
import { greet } from './app.js';

test('greets by name', async () => {
  const response = JSON.parse(new TextDecoder().decode(await invoke(greet, '{"name": "Ada"}')));
  assert.equal(response.message, 'Hello, Ada!');
});
