// `process` (`node:process`, and the global the bundler injects): the parts Lambda libraries use. `env` is the
// function's environment, filled by the SDK at the first invocation (empty at build time, when module code runs);
// stdout and stderr write to the function's log. One object, shared with the SDK through `globalThis.process`.
const write = (print) => ({
  write(chunk) {
    const text = typeof chunk === 'string' ? chunk : new TextDecoder().decode(chunk);
    print(text.endsWith('\n') ? text.slice(0, -1) : text);
    return true;
  },
  isTTY: false,
});

const started = Date.now();

function unavailable(name) {
  return () => {
    throw new Error(`process.${name} is not available in a lambda-wasm component`);
  };
}

export const process = (globalThis.process ??= {});
Object.assign(process, {
  env: process.env ?? {},
  argv: ['lambda-wasm'],
  argv0: 'lambda-wasm',
  execArgv: [],
  platform: 'linux',
  arch: 'wasm32',
  pid: 1,
  version: 'v20.0.0',
  versions: { node: '20.0.0' },
  release: { name: 'node' },
  browser: false,
  stdout: write((text) => console.log(text)),
  stderr: write((text) => console.error(text)),
  cwd: () => '/',
  uptime: () => (Date.now() - started) / 1000,
  hrtime: Object.assign(
    (previous) => {
      const now = performance.now();
      const seconds = Math.floor(now / 1000);
      const nanos = Math.floor((now % 1000) * 1e6);
      if (!previous) return [seconds, nanos];
      let s = seconds - previous[0];
      let n = nanos - previous[1];
      if (n < 0) {
        s -= 1;
        n += 1e9;
      }
      return [s, n];
    },
    { bigint: () => BigInt(Math.floor(performance.now() * 1e6)) },
  ),
  memoryUsage: () => ({ rss: 0, heapTotal: 0, heapUsed: 0, external: 0, arrayBuffers: 0 }),
  nextTick: (fn, ...args) => queueMicrotask(() => fn(...args)),
  emitWarning: (warning) => console.warn(String(warning?.message ?? warning)),
  on: () => process,
  once: () => process,
  off: () => process,
  removeListener: () => process,
  listeners: () => [],
  emit: () => false,
  exit: unavailable('exit'),
  kill: unavailable('kill'),
  chdir: unavailable('chdir'),
});

export default process;
export const env = process.env;
export const nextTick = process.nextTick;
