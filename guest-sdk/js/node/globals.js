// What the bundler injects where a module uses these names without importing them, as Node provides them.
export { Buffer } from 'buffer';
export { process } from './process.js';
export { setImmediate, clearImmediate } from './timers.js';
