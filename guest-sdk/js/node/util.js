// `node:util`: `format`, `inspect` (JSON-ish), `promisify`, `types` checks, `TextEncoder`/`TextDecoder`.
import { format as formatArgs } from './format.js';

export const format = (...args) => formatArgs(args);
export const inspect = (value) => formatArgs([value]);
export const TextEncoder = globalThis.TextEncoder;
export const TextDecoder = globalThis.TextDecoder;
export const isDeepStrictEqual = (a, b) => JSON.stringify(a) === JSON.stringify(b);
export function promisify(fn) {
  return (...args) => new Promise((resolve, reject) => fn(...args, (error, value) => (error ? reject(error) : resolve(value))));
}
export function inherits(ctor, superCtor) {
  Object.setPrototypeOf(ctor.prototype, superCtor.prototype);
  Object.setPrototypeOf(ctor, superCtor);
}
export function deprecate(fn) {
  return fn;
}
export const types = {
  isPromise: (v) => v instanceof Promise,
  isDate: (v) => v instanceof Date,
  isRegExp: (v) => v instanceof RegExp,
  isUint8Array: (v) => v instanceof Uint8Array,
};
export default { format, inspect, promisify, inherits, deprecate, types, TextEncoder, TextDecoder, isDeepStrictEqual };
