// `node:timers`: the engine's own timers, plus `setImmediate` (a zero-delay timeout).
export const setTimeout = globalThis.setTimeout;
export const clearTimeout = globalThis.clearTimeout;
export const setInterval = globalThis.setInterval;
export const clearInterval = globalThis.clearInterval;
export const setImmediate = (fn, ...args) => globalThis.setTimeout(fn, 0, ...args);
export const clearImmediate = (id) => globalThis.clearTimeout(id);
export default { setTimeout, clearTimeout, setInterval, clearInterval, setImmediate, clearImmediate };
