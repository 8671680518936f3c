// The SDK's logic, independent of where the host's imports come from: `index.js` wires it to the component's
// imports (`lambda:handler/runtime@0.1.0`), `testing.js` to stand-ins for unit tests in Node.

/** Error type of an event that is not JSON (the handler is not called). */
export const UNMARSHAL_ERROR = 'Runtime.UnmarshalError';
/** Error type of a result that `JSON.stringify` refuses. */
export const MARSHAL_ERROR = 'Runtime.MarshalError';

const LEVELS = ['trace', 'debug', 'info', 'warn', 'error'];
const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * An error whose `errorType` you choose, instead of the error's class name:
 * `throw new LambdaError('ValidationError', 'name must be a string')`. Any error can do the same with an
 * `errorType` property.
 */
export class LambdaError extends Error {
  constructor(errorType, message, options) {
    super(message, options);
    this.name = errorType;
    this.errorType = errorType;
  }
}

/** What `invoke` throws when the handler fails: the error exactly as the host would report it. */
export class InvocationError extends Error {
  constructor(report) {
    super(`${report.errorType}: ${report.errorMessage}`);
    this.name = 'InvocationError';
    this.errorType = report.errorType;
    this.errorMessage = report.errorMessage;
    this.stackTrace = report.stackTrace;
  }
}

/**
 * The SDK bound to a host: `{ log(level, message), remainingTimeMs(), environment() }` (`remainingTimeMs` and
 * `environment` may be absent; `environment` gives the function's variables as `[name, value]` pairs).
 */
export function bind(host) {
  const log = makeLog(host);

  let environmentRead = false;

  function handler(fn, options = {}) {
    checkHandler(fn);
    const raw = Boolean(options.raw);
    // The export componentize-js calls: `handle(ctx, event)`, `event` a Uint8Array, `ctx` the WIT record. A
    // WIT `err` is returned by throwing an object whose `payload` is the `handler-error` record.
    const handle = (ctx, event) => {
      // The function's environment is the same for every invocation of the process: read once, at the first
      // (module code ran at build time, without it); the trace id changes with each.
      if (environmentRead) setTraceId(ctx);
      else environmentRead = refreshEnvironment(host, ctx);
      const result = run(() => respond(fn, makeContext(ctx, host), event, raw));
      if (isPromise(result)) {
        return result.then(unwrap, (failure) => unwrap({ failure }));
      }
      return unwrap(result);
    };
    handle.handler = fn;
    return handle;
  }

  function invoke(fn, event, context = {}, options = {}) {
    const bytes = typeof event === 'string' ? encoder.encode(event) : event;
    const ctx = { requestId: '', deadlineMs: 0n, invokedFunctionArn: '', ...context };
    const result = run(() => respond(fn, makeContext(ctx, host), bytes, Boolean(options.raw)));
    const settle = (outcome) => {
      if (outcome.failure) throw new InvocationError(outcome.failure);
      return outcome.value;
    };
    return isPromise(result) ? result.then(settle) : settle(result);
  }

  return { handler, invoke, log };
}

/** `{ value }` or `{ failure }` to what componentize-js expects: the value, or a thrown `{ payload }`. */
function unwrap(outcome) {
  if (outcome.failure) {
    throw { payload: outcome.failure };
  }
  return outcome.value;
}

/** Calls `body`; the result or the error report, as `{ value }` or `{ failure }` (a Promise of it when
 * `body` returns one). */
function run(body) {
  let result;
  try {
    result = body();
  } catch (error) {
    return { failure: report(error) };
  }
  if (isPromise(result)) {
    return result.then(
      (value) => ({ value }),
      (error) => ({ failure: report(error) }),
    );
  }
  return { value: result };
}

function respond(fn, context, event, raw) {
  const payload = decode(event, raw);
  const result = __lambda_wasm_call_handler(fn, payload, context);
  return isPromise(result) ? result.then(encode) : encode(result);
}

/** The one frame between the SDK and the handler: stack traces are cut at its name (a bundle puts the SDK and
 * the handler in one file, so frames cannot be told apart by file). Bundlers keep the name unless minifying. */
function __lambda_wasm_call_handler(fn, payload, context) {
  return fn(payload, context);
}

function decode(event, raw) {
  if (raw) return event;
  let text;
  try {
    text = decoder.decode(event);
    return JSON.parse(text);
  } catch (error) {
    throw new LambdaError(UNMARSHAL_ERROR, `the event is not JSON: ${error.message}`);
  }
}

/**
 * An HTTP-shaped result (`statusCode`, `headers`, a string `body`, as API Gateway and Function URLs take) whose
 * `content-length` does not match its body loses that header: Lambda's front end sets the real one, and a stale
 * one (a library's, or the engine's `content-length: 0` on `new Response('')`) would cut or stall the body.
 */
export function withoutStaleLength(result) {
  if (result === null || typeof result !== 'object' || typeof result.statusCode !== 'number') return result;
  const headers = result.headers;
  if (headers === null || typeof headers !== 'object' || typeof result.body !== 'string') return result;
  const name = Object.keys(headers).find((key) => key.toLowerCase() === 'content-length');
  if (name === undefined) return result;
  const length = result.isBase64Encoded
    ? Math.floor((result.body.replace(/=+$/, '').length * 3) / 4)
    : encoder.encode(result.body).length;
  if (String(headers[name]).trim() === String(length)) return result;
  const { [name]: _stale, ...rest } = headers;
  return { ...result, headers: rest };
}

function encode(result) {
  result = withoutStaleLength(result);
  if (result instanceof Uint8Array) return result;
  if (result instanceof ArrayBuffer) return new Uint8Array(result);
  let text;
  try {
    text = JSON.stringify(result === undefined ? null : result);
  } catch (error) {
    throw new LambdaError(MARSHAL_ERROR, `the result is not JSON-serializable: ${error.message}`);
  }
  return encoder.encode(text);
}

/** The `handler-error` record of a thrown value. */
export function report(error) {
  if (error instanceof LambdaError && (error.errorType === UNMARSHAL_ERROR || error.errorType === MARSHAL_ERROR)) {
    return { errorType: error.errorType, errorMessage: error.message, stackTrace: [] };
  }
  return { errorType: errorType(error), errorMessage: errorMessage(error), stackTrace: stackTrace(error) };
}

/** `errorType`: the error's `errorType` property; else its `name` unless that is the generic `Error` (a class
 * that does not set `name`); else its class name. A thrown non-error is `Error`. */
export function errorType(error) {
  if (error === null || typeof error !== 'object') return 'Error';
  if (typeof error.errorType === 'string' && error.errorType) return error.errorType;
  if (typeof error.name === 'string' && error.name && error.name !== 'Error') return error.name;
  const className = error.constructor && error.constructor.name;
  return className || 'Error';
}

function errorMessage(error) {
  if (error !== null && typeof error === 'object' && typeof error.message === 'string') return error.message;
  if (typeof error === 'string') return error;
  try {
    return JSON.stringify(error) ?? String(error);
  } catch {
    return String(error);
  }
}

/** `stackTrace`: the frames of `error.stack`, innermost first (SpiderMonkey's `fn@file:line:col`, V8's
 * `at fn (file:line:col)`), from the handler's inward: the SDK's and the engine's frames below the handler, and
 * the error class's own constructor frames, are left out; then one `caused by: Type: message` line per `cause`. */
function stackTrace(error) {
  const lines = [];
  if (error !== null && typeof error === 'object' && typeof error.stack === 'string') {
    for (const raw of error.stack.split('\n')) {
      const line = raw.trim();
      if (!line || !isFrame(line)) continue;
      if (line.includes(CALL_MARKER)) break;
      lines.push(line);
    }
    const constructorName = error.constructor && error.constructor.name;
    while (constructorName && lines.length > 1 && isConstructorFrame(lines[0], constructorName)) lines.shift();
    lines.splice(0, lines.length, ...collapse(lines));
  }
  const seen = new Set([error]);
  let cause = error !== null && typeof error === 'object' ? error.cause : undefined;
  while (cause !== undefined && cause !== null && !seen.has(cause)) {
    seen.add(cause);
    lines.push(`caused by: ${errorType(cause)}: ${errorMessage(cause)}`);
    cause = typeof cause === 'object' ? cause.cause : undefined;
  }
  return lines;
}

const CALL_MARKER = '__lambda_wasm_call_handler';

/** The most frames a stack trace keeps, after collapsing repeats. */
export const MAX_FRAMES = 50;

/** Keeps 3 frames of a run of identical ones and says how many more there were; then at most MAX_FRAMES. */
export function collapse(frames) {
  const lines = [];
  for (let i = 0; i < frames.length; ) {
    let run = 1;
    while (i + run < frames.length && frames[i + run] === frames[i]) run++;
    lines.push(...frames.slice(i, i + Math.min(run, 3)));
    if (run > 3) lines.push(`[previous frame repeated ${run - 3} more times]`);
    i += run;
  }
  if (lines.length > MAX_FRAMES) {
    return [...lines.slice(0, MAX_FRAMES), `[${lines.length - MAX_FRAMES} more frames]`];
  }
  return lines;
}

function isConstructorFrame(line, name) {
  return line.startsWith(`${name}@`) || line.startsWith(`at new ${name} `);
}

function isFrame(line) {
  return line.startsWith('at ') || line.includes('@');
}

/**
 * Fills `process.env` with the function's environment, read from the host (the handler does it at its first
 * invocation: a component is pre-initialized at build time, when none of it exists), and `_X_AMZN_TRACE_ID` with
 * the invocation's trace id
 * (removed when it has none), as AWS's Node runtime does. Without an `environment` import (unit tests in Node)
 * `process.env` is left alone. Updated in place: a library that kept a reference to `process.env` sees the same
 * object.
 */
export function refreshEnvironment(host, ctx) {
  if (!host.environment) return false;
  globalThis.process ??= {};
  globalThis.process.env ??= {};
  const env = globalThis.process.env;
  const fresh = new Map(host.environment());
  for (const name of Object.keys(env)) {
    if (!fresh.has(name)) delete env[name];
  }
  for (const [name, value] of fresh) env[name] = value;
  setTraceId(ctx);
  return true;
}

/** `_X_AMZN_TRACE_ID` in `process.env`: the invocation's trace header, removed when it has none. */
function setTraceId(ctx) {
  const env = globalThis.process?.env;
  if (!env) return;
  if (ctx && ctx.xrayTraceId) env._X_AMZN_TRACE_ID = ctx.xrayTraceId;
  else delete env._X_AMZN_TRACE_ID;
}

function makeContext(ctx, host) {
  const deadlineMs = Number(ctx.deadlineMs ?? 0);
  const env = (host.environment && globalThis.process?.env) || {};
  return {
    // AWS's Node runtime names (what Powertools and Middy read), from the context and the environment.
    functionName: env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: env.AWS_LAMBDA_FUNCTION_VERSION,
    memoryLimitInMB: env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    logGroupName: env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: env.AWS_LAMBDA_LOG_STREAM_NAME,
    callbackWaitsForEmptyEventLoop: true,
    requestId: ctx.requestId,
    awsRequestId: ctx.requestId,
    deadlineMs,
    invokedFunctionArn: ctx.invokedFunctionArn,
    xrayTraceId: ctx.xrayTraceId ?? undefined,
    clientContext: ctx.clientContext ?? undefined,
    identity: ctx.cognitoIdentity ?? ctx.identity ?? undefined,
    tenantId: ctx.tenantId ?? undefined,
    getRemainingTimeInMillis() {
      if (host.remainingTimeMs) return Number(host.remainingTimeMs());
      return Math.max(0, deadlineMs - Date.now());
    },
  };
}

function makeLog(host) {
  const write = (level, args) => host.log(level, format(args));
  const log = (level, ...args) => {
    const name = String(level).toLowerCase() === 'warning' ? 'warn' : String(level).toLowerCase();
    if (!LEVELS.includes(name)) throw new RangeError(`unknown log level ${level}: expected one of ${LEVELS}`);
    write(name, args);
  };
  for (const level of LEVELS) log[level] = (...args) => write(level, args);
  log.warning = log.warn;
  return log;
}

/** `console.log`'s formatting, simplified: strings as they are, errors with their stack, the rest as JSON. */
function format(args) {
  return args
    .map((arg) => {
      if (typeof arg === 'string') return arg;
      if (arg instanceof Error) return `${errorType(arg)}: ${arg.message}${arg.stack ? `\n${arg.stack}` : ''}`;
      if (typeof arg === 'bigint') return `${arg}`;
      try {
        return JSON.stringify(arg) ?? String(arg);
      } catch {
        return String(arg);
      }
    })
    .join(' ');
}

function isPromise(value) {
  return value !== null && typeof value === 'object' && typeof value.then === 'function';
}

function checkHandler(fn) {
  if (typeof fn !== 'function') throw new TypeError(`a handler must be a function, not ${typeof fn}`);
}
