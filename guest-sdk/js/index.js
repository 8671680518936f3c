// Write AWS Lambda handlers in JavaScript or TypeScript that run as WebAssembly components under the
// `lambda-wasm` bootstrap. See README.md; the types are in index.d.ts.
//
//   import { handler, log } from 'lambda-wasm-sdk';
//   export const handle = handler(async (event, context) => {
//     log.info(`greeting ${event.name}`);
//     return { message: `Hello, ${event.name}!`, requestId: context.requestId };
//   });
//
// `process.env` holds the function's environment during each invocation (`wasi:cli/environment`, read at the first call,
// `_X_AMZN_TRACE_ID` included); AWS calls signed by the host are in `lambda-wasm-sdk/aws` (aws.js).
//
// This file wires the SDK (sdk.js) to the host's imports, which exist only inside a component built by
// componentize-js; unit tests in Node load it through testing.js, which provides stand-ins.
import { log as hostLog, remainingTimeMs } from 'lambda:handler/runtime@0.1.0';
import { getEnvironment } from 'wasi:cli/environment@0.2.12';
import { bind } from './sdk.js';

export { InvocationError, LambdaError, MARSHAL_ERROR, UNMARSHAL_ERROR } from './sdk.js';

const sdk = bind({ log: hostLog, remainingTimeMs, environment: getEnvironment });

/** Turns `fn(event, context)` into the component's `handle` export. */
export const handler = sdk.handler;
/** Log records for the invocation in progress: `log.info(...)`, `log.warn(...)`, `log('debug', ...)`. */
export const log = sdk.log;
/** Runs a handler through the same decode/encode path as the component, for tests. */
export const invoke = sdk.invoke;
