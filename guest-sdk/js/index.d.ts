// Types of lambda-wasm-sdk: handlers in JavaScript or TypeScript for the lambda-wasm bootstrap.

/** What Lambda says about the invocation in progress, named like the AWS Node.js runtime's context. */
export interface Context {
  /** `Lambda-Runtime-Aws-Request-Id`: the id of this invocation, as shown in the function's logs. */
  readonly requestId: string;
  /** `requestId`, under the AWS Node.js runtime's name. */
  readonly awsRequestId: string;
  /** `AWS_LAMBDA_FUNCTION_NAME`, as AWS's Node.js runtime names it (undefined in unit tests in Node). */
  readonly functionName?: string;
  /** `AWS_LAMBDA_FUNCTION_VERSION`. */
  readonly functionVersion?: string;
  /** `AWS_LAMBDA_FUNCTION_MEMORY_SIZE`, a string as in AWS's Node.js runtime. */
  readonly memoryLimitInMB?: string;
  /** `AWS_LAMBDA_LOG_GROUP_NAME`. */
  readonly logGroupName?: string;
  /** `AWS_LAMBDA_LOG_STREAM_NAME`. */
  readonly logStreamName?: string;
  /** Always true: there is no event loop left running after the handler's promise settles. */
  readonly callbackWaitsForEmptyEventLoop: boolean;
  /** `Lambda-Runtime-Deadline-Ms`: Unix epoch milliseconds after which Lambda stops waiting. */
  readonly deadlineMs: number;
  /** `Lambda-Runtime-Invoked-Function-Arn`: the function, version or alias that was invoked. */
  readonly invokedFunctionArn: string;
  /** `Lambda-Runtime-Trace-Id`: the X-Ray trace header, when tracing is on. */
  readonly xrayTraceId?: string;
  /** `Lambda-Runtime-Client-Context`: the raw JSON a mobile SDK caller sent. */
  readonly clientContext?: string;
  /** `Lambda-Runtime-Cognito-Identity`: the raw JSON identity of a Cognito caller. */
  readonly identity?: string;
  /** `Lambda-Runtime-Aws-Tenant-Id`: the tenant, for functions with tenant isolation. */
  readonly tenantId?: string;
  /** Milliseconds left before the deadline (the host's clock); 0 once it has passed. */
  getRemainingTimeInMillis(): number;
}

/** A handler: the event decoded from JSON (bytes with `{ raw: true }`) and the context; its result (or what
 * its Promise resolves to) is sent as JSON, a `Uint8Array` as it is. */
export type Handler<TEvent = any, TResult = any> = (
  event: TEvent,
  context: Context,
) => TResult | Promise<TResult>;

/** The WIT record `context` as componentize-js passes it to `handle`. */
export interface WitContext {
  requestId: string;
  deadlineMs: bigint;
  invokedFunctionArn: string;
  xrayTraceId?: string;
  clientContext?: string;
  cognitoIdentity?: string;
  tenantId?: string;
}

/** The component's `handle` export, as `handler` makes it. */
export interface HandleExport<TEvent = any, TResult = any> {
  (ctx: WitContext, event: Uint8Array): Uint8Array | Promise<Uint8Array>;
  /** The handler it was made from. */
  readonly handler: Handler<TEvent, TResult>;
}

export interface HandlerOptions {
  /** Pass the payload's bytes (a `Uint8Array`) instead of decoding JSON. */
  raw?: boolean;
}

/**
 * Turns `fn(event, context)` into the component's `handle` export:
 * `export const handle = handler(myHandler)`.
 *
 * - An event that is not JSON is refused with `Runtime.UnmarshalError` before `fn` runs.
 * - A thrown error becomes the invocation's error: `errorType` is its `errorType` property, else its `name`
 *   unless that is plain `Error`, else its class name; `errorMessage` its message; `stackTrace` its frames,
 *   innermost first, then its `cause`s.
 * - A result `JSON.stringify` refuses is `Runtime.MarshalError`; `undefined` is sent as `null`.
 */
export function handler<TEvent = any, TResult = any>(
  fn: Handler<TEvent, TResult>,
  options?: HandlerOptions,
): HandleExport<TEvent, TResult>;

export type Level = 'trace' | 'debug' | 'info' | 'warn' | 'error';

/** Writes log records for the invocation in progress, through the host (filtered by `AWS_LAMBDA_LOG_LEVEL`,
 * text or JSON per `AWS_LAMBDA_LOG_FORMAT`, with the request id). Arguments are joined like `console.log`'s. */
export interface Log {
  (level: Level | 'warning', ...args: unknown[]): void;
  trace(...args: unknown[]): void;
  debug(...args: unknown[]): void;
  info(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  warning(...args: unknown[]): void;
  error(...args: unknown[]): void;
}

export const log: Log;

/** An error whose `errorType` you choose: `throw new LambdaError('ValidationError', 'bad name')`. */
export class LambdaError extends Error {
  constructor(errorType: string, message: string, options?: { cause?: unknown });
  readonly errorType: string;
}

/** What `invoke` throws when the handler fails: the error as the host would report it. */
export class InvocationError extends Error {
  readonly errorType: string;
  readonly errorMessage: string;
  readonly stackTrace: string[];
}

/** Runs a handler the way the component does (decode, call, encode), for tests: resolves to the response's
 * bytes or throws an `InvocationError`. Synchronous for a synchronous handler. */
export function invoke(
  fn: Handler,
  event: Uint8Array | string,
  context?: Partial<WitContext>,
  options?: HandlerOptions,
): Uint8Array | Promise<Uint8Array>;

/** Error type of an event that is not JSON. */
export const UNMARSHAL_ERROR: 'Runtime.UnmarshalError';
/** Error type of a result that does not serialize. */
export const MARSHAL_ERROR: 'Runtime.MarshalError';
