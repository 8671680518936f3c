// The benchmarks' JavaScript guest: returns the event (the SDK parses and serializes the JSON).
import { handler } from 'lambda-wasm-sdk';

/** Returns the event unchanged; async like a handler of AWS's Node.js runtime. */
export async function echo(event) {
  return event;
}

// The component's `handle` export.
export const handle = handler(echo);
