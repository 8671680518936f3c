// Unit tests of the SDK in Node, with a fake host: `npm test` (node --test test/).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import { bind, collapse, InvocationError, LambdaError, MARSHAL_ERROR, MAX_FRAMES, refreshEnvironment, UNMARSHAL_ERROR, withoutStaleLength } from '../sdk.js';

function fakeHost() {
  const records = [];
  return { records, log: (level, message) => records.push([level, message]), remainingTimeMs: () => 1234n };
}

const wit = { requestId: 'req-1', deadlineMs: 42n, invokedFunctionArn: 'arn', cognitoIdentity: '{"id":1}' };
const bytes = (text) => new TextEncoder().encode(text);
const text = (data) => new TextDecoder().decode(data);

class ValidationError extends Error {}

test('the event is JSON, the result too, and the context is camelCase', () => {
  const { handler } = bind(fakeHost());
  let seen;
  const handle = handler((event, context) => {
    seen = context;
    return { event, requestId: context.requestId };
  });
  assert.equal(text(handle(wit, bytes('{"name":"Ada"}'))), '{"event":{"name":"Ada"},"requestId":"req-1"}');
  assert.equal(seen.awsRequestId, 'req-1');
  assert.equal(seen.deadlineMs, 42);
  assert.equal(seen.identity, '{"id":1}');
  assert.equal(seen.xrayTraceId, undefined);
  assert.equal(seen.getRemainingTimeInMillis(), 1234);
  assert.equal(handle.handler.length, 2);
});

test('undefined is null, bytes pass through, raw passes the payload', () => {
  const { handler } = bind(fakeHost());
  assert.equal(text(handler(() => undefined)(wit, bytes('{}'))), 'null');
  assert.deepEqual(handler(() => new Uint8Array([255]))(wit, bytes('{}')), new Uint8Array([255]));
  const raw = handler((event) => event, { raw: true });
  assert.deepEqual(raw(wit, new Uint8Array([1, 2])), new Uint8Array([1, 2]));
});

test('errors are thrown as the WIT err payload', () => {
  const { handler } = bind(fakeHost());
  const handle = handler((event) => {
    throw new ValidationError(event.fail);
  });
  assert.throws(
    () => handle(wit, bytes('{"fail":"boom"}')),
    (thrown) => {
      assert.equal(thrown.payload.errorType, 'ValidationError');
      assert.equal(thrown.payload.errorMessage, 'boom');
      assert.ok(thrown.payload.stackTrace.length > 0);
      assert.ok(thrown.payload.stackTrace.every((line) => !line.includes('sdk.js')), 'no SDK frames');
      return true;
    },
  );
});

test('error types: errorType, then a custom name, then the class name', () => {
  const { invoke } = bind(fakeHost());
  const typeOf = (fn) => {
    try {
      invoke(fn, '{}');
    } catch (error) {
      assert.ok(error instanceof InvocationError);
      return error.errorType;
    }
    assert.fail('no error');
  };
  assert.equal(typeOf(() => { throw new LambdaError('Custom.Type', 'x'); }), 'Custom.Type');
  assert.equal(typeOf(() => { throw new TypeError('x'); }), 'TypeError');
  assert.equal(typeOf(() => { throw new ValidationError('x'); }), 'ValidationError');
  assert.equal(typeOf(() => { throw new Error('x'); }), 'Error');
  assert.equal(typeOf(() => { throw 'a string'; }), 'Error');
  assert.equal(typeOf(() => { throw Object.assign(new Error('x'), { errorType: 'Set' }); }), 'Set');
});

test('causes follow the frames', () => {
  const { invoke } = bind(fakeHost());
  assert.throws(
    () => invoke(() => { throw new Error('outer', { cause: new RangeError('inner') }); }, '{}'),
    (error) => error.stackTrace.at(-1) === 'caused by: RangeError: inner',
  );
});

test('bad events and results are the SDK errors, without a stack trace', () => {
  const { invoke } = bind(fakeHost());
  for (const event of ['not json', '', new Uint8Array([0xff])]) {
    assert.throws(() => invoke(() => 1, event), (e) => e.errorType === UNMARSHAL_ERROR && e.stackTrace.length === 0);
  }
  assert.throws(() => invoke(() => ({ n: 1n }), '{}'), (e) => e.errorType === MARSHAL_ERROR);
});

test('async handlers resolve, and reject as the WIT err payload', async () => {
  const { handler } = bind(fakeHost());
  const ok = handler(async (event) => ({ got: event }));
  assert.equal(text(await ok(wit, bytes('1'))), '{"got":1}');
  const failing = handler(async () => {
    await null;
    throw new ValidationError('later');
  });
  await assert.rejects(failing(wit, bytes('1')), (thrown) => thrown.payload.errorType === 'ValidationError');
});

test('log levels and formatting', () => {
  const host = fakeHost();
  const { log } = bind(host);
  log.info('a', 1, { b: 2 });
  log.warning('w');
  log('ERROR', 'e');
  assert.deepEqual(host.records, [['info', 'a 1 {"b":2}'], ['warn', 'w'], ['error', 'e']]);
  assert.throws(() => log('loud', 'x'), RangeError);
});

test("the SDK's WIT is the repository's", () => {
  const ours = readFileSync(new URL('../wit/handler.wit', import.meta.url), 'utf8');
  let repository;
  try {
    repository = readFileSync(new URL('../../../wit/handler.wit', import.meta.url), 'utf8');
  } catch {
    return; // The SDK outside the repository: nothing to compare with.
  }
  assert.equal(ours, repository, 'guest-sdk/js/wit/handler.wit differs from wit/handler.wit: copy it again');
  // The WASI packages `js.wit` imports from, likewise copies of the repository's.
  for (const dep of ['cli', 'clocks', 'filesystem', 'io', 'random', 'sockets']) {
    const copy = readFileSync(new URL(`../wit/deps/${dep}/${dep}.wit`, import.meta.url), 'utf8');
    const original = readFileSync(new URL(`../../../wit/deps/${dep}/${dep}.wit`, import.meta.url), 'utf8');
    assert.equal(copy, original, `guest-sdk/js/wit/deps/${dep} differs from wit/deps/${dep}: copy it again`);
  }
});

test('process.env is the host environment at each call, with the trace id', () => {
  const saved = globalThis.process;
  try {
    const env = { STALE: 'gone' };
    globalThis.process = { env };
    const host = { environment: () => [['AWS_REGION', 'eu-west-1'], ['MODEL_ID', 'm']] };
    refreshEnvironment(host, { xrayTraceId: 'Root=1-abc' });
    assert.equal(globalThis.process.env, env, 'the same object, updated in place');
    assert.deepEqual({ ...env }, { AWS_REGION: 'eu-west-1', MODEL_ID: 'm', _X_AMZN_TRACE_ID: 'Root=1-abc' });
    refreshEnvironment(host, {});
    assert.equal(env._X_AMZN_TRACE_ID, undefined);
    // Without the import (plain Node), the environment is not touched.
    refreshEnvironment({}, { xrayTraceId: 'x' });
    assert.equal(env._X_AMZN_TRACE_ID, undefined);
  } finally {
    globalThis.process = saved;
  }
});

test('long and repetitive stack traces are collapsed', () => {
  assert.deepEqual(collapse(['a', 'b', 'b', 'b', 'b', 'b', 'c']), ['a', 'b', 'b', 'b', '[previous frame repeated 2 more times]', 'c']);
  const long = collapse(Array.from({ length: 80 }, (_, i) => `frame ${i}`));
  assert.equal(long.length, MAX_FRAMES + 1);
  assert.equal(long.at(-1), '[30 more frames]');
  const { invoke } = bind(fakeHost());
  const recurse = (n) => recurse(n + 1);
  assert.throws(
    () => invoke(() => recurse(0), '{}'),
    (error) => error.errorType === 'RangeError' && error.stackTrace.length <= MAX_FRAMES + 1,
  );
});

test('an HTTP-shaped result loses a content-length that does not match its body', () => {
  const stale = { statusCode: 200, headers: { 'Content-Length': '0', 'x-a': '1' }, body: 'héllo' };
  assert.deepEqual(withoutStaleLength(stale), { statusCode: 200, headers: { 'x-a': '1' }, body: 'héllo' });
  const right = { statusCode: 200, headers: { 'content-length': '6' }, body: 'héllo' };
  assert.equal(withoutStaleLength(right), right);
  const base64 = { statusCode: 200, headers: { 'content-length': '3' }, body: 'AAEC', isBase64Encoded: true };
  assert.equal(withoutStaleLength(base64), base64);
  assert.equal(withoutStaleLength('text'), 'text');
});

test('the handler reads the environment once, and the trace id at every call', () => {
  const saved = globalThis.process;
  try {
    globalThis.process = { env: {} };
    let reads = 0;
    const host = { log() {}, environment: () => (reads++, [['AWS_REGION', 'eu-west-1']]) };
    const handle = bind(host).handler(() => process.env._X_AMZN_TRACE_ID ?? null);
    const call = (xrayTraceId) =>
      JSON.parse(new TextDecoder().decode(handle({ requestId: 'r', deadlineMs: 0n, xrayTraceId }, new TextEncoder().encode('{}'))));
    assert.equal(call('Root=1-a'), 'Root=1-a');
    assert.equal(call('Root=1-b'), 'Root=1-b');
    assert.equal(call(undefined), null);
    assert.equal(reads, 1);
    assert.equal(process.env.AWS_REGION, 'eu-west-1');
  } finally {
    globalThis.process = saved;
  }
});
