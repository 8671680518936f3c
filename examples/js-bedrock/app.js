// Asks Bedrock's ConverseStream for a reply, signed by the host: the handler never holds a credential. Each
// event-stream message is read as it arrives (`aws.events`); the text deltas are joined into the reply.
// `{"prompt": "..."}` in; `{"reply": "...", "deltas": n, "stop": "end_turn"}` out. The model is MODEL_ID, read
// from `process.env` at each call (the function's environment, not the build's). Built with `--http`; the host
// must allow the endpoint (LAMBDA_WASM_ALLOW_HTTP=bedrock-runtime.<region>.amazonaws.com).
import { handler, log, LambdaError } from 'lambda-wasm-sdk';
import * as aws from 'lambda-wasm-sdk/aws';

const DEFAULT_MODEL = 'anthropic.claude-3-haiku-20240307-v1:0';

/** The ConverseStream request for one prompt. */
export function converseRequest(prompt) {
  return { messages: [{ role: 'user', content: [{ text: prompt }] }], inferenceConfig: { maxTokens: 512 } };
}

/** Folds the ConverseStream events into the reply. */
export async function collect(events) {
  let reply = '';
  let deltas = 0;
  let stop;
  for await (const event of events) {
    if (event.eventType === 'contentBlockDelta') {
      reply += event.json().delta?.text ?? '';
      deltas += 1;
    } else if (event.eventType === 'messageStop') {
      stop = event.json().stopReason;
    }
  }
  return { reply, deltas, stop };
}

export async function chat(event) {
  if (typeof event?.prompt !== 'string') throw new LambdaError('ValidationError', 'expected {"prompt": "..."}');
  const model = process.env.MODEL_ID || DEFAULT_MODEL;
  const path = `/model/${encodeURIComponent(model)}/converse-stream`;
  const response = await aws.fetch('bedrock-runtime', path, { json: converseRequest(event.prompt) });
  const answer = await collect(aws.events(response));
  log.info(`${model}: ${answer.deltas} deltas, stop ${answer.stop}`);
  return answer;
}

export const handle = handler(chat);
