// Greets the caller: `{"name": "Ada"}` in, `{"message": "Hello, Ada!", "request_id": "..."}` out.
// Without a `name` it greets the world; `{"fail": "<message>"}` fails with a `ValidationError`.
import { handler, log, type Context } from 'lambda-wasm-sdk';

/** The event. */
export interface Request {
  /** Who to greet; `world` when absent. */
  name?: string;
  /** Makes the handler fail with this message. */
  fail?: string;
}

/** The response. */
export interface Response {
  /** The greeting. */
  message: string;
  /** The invocation's request id, to find it in the logs. */
  request_id: string;
}

/** The event is not one this handler accepts; Lambda reports it as `errorType: ValidationError`. */
export class ValidationError extends Error {}

/** Builds the greeting. Async like a handler of the AWS Node.js runtime: the component waits for its Promise. */
export async function hello(event: Request, context: Context): Promise<Response> {
  if (event === null || typeof event !== 'object' || Array.isArray(event)) {
    throw new ValidationError('the event must be a JSON object');
  }
  if (event.fail !== undefined) {
    throw new ValidationError(String(event.fail));
  }
  const name = event.name ?? 'world';
  if (typeof name !== 'string') {
    throw new ValidationError('name must be a string');
  }
  log.info(`greeting ${name}`);
  return { message: `Hello, ${name}!`, request_id: context.requestId };
}

// The component's `handle` export.
export const handle = handler<Request, Response>(hello);
