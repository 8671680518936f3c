// Stand-in for `lambda:handler/runtime@0.1.0` in unit tests under Node (see testing.js): logs go to stderr as
// `[LEVEL] message`; there is no remaining-time import, so the context computes it from its deadline.
export function log(level, message) {
  process.stderr.write(`[${String(level).toUpperCase()}] ${message}\n`);
}

export function recordPanic(message) {
  process.stderr.write(`[PANIC] ${message}\n`);
}

export const remainingTimeMs = undefined;

/** `wasi:cli/environment`'s `get-environment`: Node's own environment. */
export function getEnvironment() {
  return Object.entries(process.env);
}
