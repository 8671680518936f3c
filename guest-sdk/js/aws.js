// AWS calls signed by the host, and AWS's event-stream framing:
//
//   import { aws } from 'lambda-wasm-sdk';   // or: import * as aws from 'lambda-wasm-sdk/aws';
//   const response = await aws.fetch('bedrock-runtime', `/model/${model}/converse-stream`, { json: { messages } });
//   for await (const event of aws.events(response)) {
//     if (event.eventType === 'contentBlockDelta') text += event.json().delta.text;
//   }
//
// `fetch` marks the request for signing (`x-lambda-wasm-sign: aws`); the host signs it with the function's
// credentials (SigV4) for the service and region of its own endpoint table (or of an origin
// LAMBDA_WASM_SIGN_ENDPOINTS maps), and refuses a marked request to anything else: the handler never holds a
// credential. The allow-list (LAMBDA_WASM_ALLOW_HTTP) must let the request out, and the component must be built
// with `--http`. The frames are decoded by AWS's own `@smithy/eventstream-codec` (CRCs checked).
import { EventStreamCodec } from '@smithy/eventstream-codec';

/** The header that asks the host for a signature; the host strips it. */
export const SIGN_HEADER = 'x-lambda-wasm-sign';
/** The largest event-stream message `events` accepts, in bytes (a frame's length is its first 4 bytes). */
export const MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

const encoder = new TextEncoder();
const decoder = new TextDecoder();
/** The event-stream codec `events` decodes with (its `encode` makes messages, for tests). */
export const codec = new EventStreamCodec((bytes) => decoder.decode(bytes), (text) => encoder.encode(text));

/** A failure `fetch` or `events` reports: `errorType` is the service's exception type, or `Http.Error`. */
export class AwsError extends Error {
  constructor(errorType, message) {
    super(message);
    this.name = errorType;
    this.errorType = errorType;
  }
}

function env(name) {
  const value = globalThis.process?.env?.[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * The service's endpoint: `AWS_ENDPOINT_URL_<SERVICE>` or `AWS_ENDPOINT_URL` when set (as the AWS SDKs allow),
 * else `https://<service>.<region>.amazonaws.com`, the region from `region` or `AWS_REGION`. Read at each call.
 */
export function endpoint(service, region) {
  const configured = env(`AWS_ENDPOINT_URL_${service.toUpperCase().replace(/[-.]/g, '_')}`) ?? env('AWS_ENDPOINT_URL');
  if (configured) return configured.replace(/\/+$/, '');
  const where = region ?? env('AWS_REGION') ?? env('AWS_DEFAULT_REGION');
  if (!where) throw new AwsError('Http.Error', 'no region: set AWS_REGION or pass { region }');
  return `https://${service}.${where}.amazonaws.com`;
}

/**
 * Sends `method` (default POST) `path` to the AWS service `service` (its endpoint name: `bedrock-runtime`,
 * `dynamodb`, ...), signed by the host; returns `fetch`'s `Response`. Options: `region`, `method`, `headers`,
 * `body`, `json` (sent as the body, `content-type: application/json` unless set), `timeout` (milliseconds; the
 * host also clamps every request to the invocation's remaining time).
 */
export async function fetch(service, path, options = {}) {
  const { region, method = 'POST', headers, body, json, timeout } = options;
  const sent = new Headers(headers ?? {});
  sent.set(SIGN_HEADER, 'aws');
  let payload = body;
  if (json !== undefined) {
    payload = JSON.stringify(json);
    if (!sent.has('content-type')) sent.set('content-type', 'application/json');
  }
  const url = endpoint(service, region) + (path.startsWith('/') ? path : `/${path}`);
  const init = { method, headers: sent, body: payload };
  if (timeout === undefined) return globalThis.fetch(url, init);
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeout);
  try {
    return await globalThis.fetch(url, { ...init, signal: controller.signal });
  } finally {
    clearTimeout(timer);
  }
}

/** One event-stream message: its `:event-type`, `:message-type`, headers (name to value) and payload bytes. */
export class StreamEvent {
  constructor(message) {
    this.headers = Object.fromEntries(Object.entries(message.headers).map(([name, h]) => [name, h.value]));
    this.eventType = this.headers[':event-type'];
    this.messageType = this.headers[':message-type'] ?? 'event';
    this.payload = message.body;
  }

  /** The payload as text. */
  text() {
    return decoder.decode(this.payload);
  }

  /** The payload as JSON. */
  json() {
    return JSON.parse(this.text());
  }
}

/**
 * The messages of a response in AWS's event-stream framing (`application/vnd.amazon.eventstream`: Bedrock's
 * `ConverseStream` and `InvokeModelWithResponseStream`), each as it arrives. A message whose `:message-type` is
 * `exception` or `error` throws an `AwsError` typed by its `:exception-type` or `:error-code`; a CRC mismatch, a
 * message over `MAX_MESSAGE_BYTES` or a stream ending inside a message throws too.
 */
export async function* events(response) {
  if (!response.ok) {
    const type = response.headers.get('x-amzn-errortype')?.split(':')[0] || 'Http.Error';
    throw new AwsError(type, `HTTP ${response.status}: ${await response.text()}`);
  }
  const reader = response.body.getReader();
  let buffer = new Uint8Array(0);
  for (;;) {
    while (buffer.length >= 4) {
      const length = new DataView(buffer.buffer, buffer.byteOffset, 4).getUint32(0);
      if (length > MAX_MESSAGE_BYTES) {
        throw new AwsError('Http.Error', `an event-stream message of ${length} bytes, over ${MAX_MESSAGE_BYTES}`);
      }
      if (buffer.length < length) break;
      let message;
      try {
        message = codec.decode(buffer.subarray(0, length));
      } catch (error) {
        throw new AwsError('Http.Error', `a broken event-stream message: ${error.message}`);
      }
      buffer = buffer.slice(length);
      const event = new StreamEvent(message);
      if (event.messageType === 'exception' || event.messageType === 'error') {
        const type = event.headers[':exception-type'] ?? event.headers[':error-code'] ?? 'Http.Error';
        throw new AwsError(type, event.headers[':error-message'] ?? event.text());
      }
      yield event;
    }
    const { done, value } = await reader.read();
    if (done) break;
    const joined = new Uint8Array(buffer.length + value.length);
    joined.set(buffer);
    joined.set(value, buffer.length);
    buffer = joined;
  }
  if (buffer.length > 0) throw new AwsError('Http.Error', `the stream ended inside a message (${buffer.length} bytes)`);
}
