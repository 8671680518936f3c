// Unit tests in Node (`npm test`: tsc, then node); `--import lambda-wasm-sdk/testing` stands in for the host.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { invoke } from 'lambda-wasm-sdk';
import { greet } from './app.js';

test('greets by name', async () => {
  const bytes = (await invoke(greet, '{"name": "Ada"}')) as Uint8Array;
  assert.equal(JSON.parse(new TextDecoder().decode(bytes)).message, 'Hello, Ada!');
});
