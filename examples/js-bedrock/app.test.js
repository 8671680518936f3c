import assert from 'node:assert/strict';
import { test } from 'node:test';

import * as aws from 'lambda-wasm-sdk/aws';

import { collect } from './app.js';

const { codec } = aws;

/** One event-stream message, as Bedrock frames it. */
function frame(eventType, payload, messageType = 'event') {
  const headers = { ':message-type': { type: 'string', value: messageType } };
  if (messageType === 'exception') headers[':exception-type'] = { type: 'string', value: eventType };
  else headers[':event-type'] = { type: 'string', value: eventType };
  return codec.encode({ headers, body: new TextEncoder().encode(JSON.stringify(payload)) });
}

/** A Response whose body arrives in the given pieces. */
function respond(pieces, status = 200) {
  const body = new ReadableStream({
    start(controller) {
      for (const piece of pieces) controller.enqueue(piece);
      controller.close();
    },
  });
  return new Response(body, { status, headers: { 'content-type': 'application/vnd.amazon.eventstream' } });
}

const delta = (text) => frame('contentBlockDelta', { contentBlockIndex: 0, delta: { text } });

test('deltas are joined, across messages split between reads', async () => {
  const bytes = Buffer.concat([delta('Hel'), delta('lo'), frame('messageStop', { stopReason: 'end_turn' })]);
  const pieces = [bytes.subarray(0, 5), bytes.subarray(5, 40), bytes.subarray(40)];
  assert.deepEqual(await collect(aws.events(respond(pieces))), { reply: 'Hello', deltas: 2, stop: 'end_turn' });
});

test('an exception message throws with its type', async () => {
  const pieces = [delta('a'), frame('throttlingException', { message: 'slow down' }, 'exception')];
  await assert.rejects(collect(aws.events(respond(pieces))), { errorType: 'throttlingException' });
});

test('a corrupted message fails its CRC', async () => {
  const bytes = Buffer.from(delta('x'));
  bytes[bytes.length - 6] ^= 0xff;
  await assert.rejects(collect(aws.events(respond([bytes]))), { errorType: 'Http.Error' });
});

test('a message announced over the bound is refused before it is buffered', async () => {
  const huge = new Uint8Array(16);
  new DataView(huge.buffer).setUint32(0, aws.MAX_MESSAGE_BYTES + 1);
  await assert.rejects(collect(aws.events(respond([huge]))), /over/);
});

test('the endpoint follows AWS_ENDPOINT_URL_<SERVICE>, then the region', () => {
  process.env.AWS_ENDPOINT_URL_BEDROCK_RUNTIME = 'http://127.0.0.1:9/';
  assert.equal(aws.endpoint('bedrock-runtime'), 'http://127.0.0.1:9');
  delete process.env.AWS_ENDPOINT_URL_BEDROCK_RUNTIME;
  assert.equal(aws.endpoint('bedrock-runtime', 'eu-west-1'), 'https://bedrock-runtime.eu-west-1.amazonaws.com');
});
