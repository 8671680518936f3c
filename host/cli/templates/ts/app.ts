// `{"name": "Ada"}` in, `{"message": "Hello, Ada!", "request_id": "..."}` out. Module-level code runs when the
// component is BUILT: read `process.env` in the handler, not at the top.
import { handler, log, type Context } from 'lambda-wasm-sdk';

export interface Request {
  name?: string;
}

export interface Response {
  message: string;
  request_id: string;
}

export async function greet(event: Request, context: Context): Promise<Response> {
  const name = typeof event?.name === 'string' ? event.name : 'world';
  log.info(`greeting ${name}`);
  return { message: `Hello, ${name}!`, request_id: context.requestId };
}

// The component's `handle` export.
export const handle = handler(greet);
