// Reads an upstream response as it arrives with `fetch` and `response.body.getReader()`: each chunk as the host
// receives it, and the server-sent events in them (an LLM's tokens), without waiting for the whole body.
// `{"url": "https://..."}` in; `{"status": 200, "chunks": n, "events": ["<data>", ...]}` out. Built with `--http`
// (the component imports wasi:http); the host must allow the URL's host (LAMBDA_WASM_ALLOW_HTTP).
import { handler, log } from 'lambda-wasm-sdk';

/** The event has no URL. */
export class ValidationError extends Error {}

/** Splits server-sent events out of text as it arrives; returns the data of each complete event. */
export function sseEvents(state, text) {
  state.pending += text;
  const events = [];
  let end;
  while ((end = state.pending.search(/\r?\n\r?\n/)) !== -1) {
    const block = state.pending.slice(0, end);
    state.pending = state.pending.slice(end).replace(/^\r?\n\r?\n/, '');
    const data = block
      .split(/\r?\n/)
      .filter((line) => line.startsWith('data:'))
      .map((line) => line.slice(5).replace(/^ /, ''));
    if (data.length > 0) events.push(data.join('\n'));
  }
  return events;
}

export async function relay(event) {
  if (typeof event?.url !== 'string') {
    throw new ValidationError('expected {"url": "..."}');
  }
  const response = await fetch(event.url);
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  const state = { pending: '' };
  const events = [];
  let chunks = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks += 1;
    events.push(...sseEvents(state, decoder.decode(value, { stream: true })));
  }
  log.info(`read ${chunks} chunks, ${events.length} events`);
  return { status: response.status, chunks, events };
}

export const handle = handler(relay);
