// `node:timers/promises`: `setTimeout(ms, value)` and `setImmediate(value)` as promises (with `signal`).
function delay(ms, value, options = {}) {
  return new Promise((resolve, reject) => {
    const { signal } = options;
    if (signal?.aborted) return reject(signal.reason ?? new Error('aborted'));
    const id = globalThis.setTimeout(() => resolve(value), ms);
    signal?.addEventListener?.('abort', () => {
      globalThis.clearTimeout(id);
      reject(signal.reason ?? new Error('aborted'));
    });
  });
}
export const setTimeout = delay;
export const setImmediate = (value, options) => delay(0, value, options);
export default { setTimeout, setImmediate };
