#!/usr/bin/env node
// lambda-wasm-js: builds a JavaScript handler into a component for the lambda-wasm bootstrap.
//
//   lambda-wasm-js build <entry.js> -o <component.wasm> [--world handler] [--wit <path>] [--http]
//       [--bundle <bundle.js>]
//
// 1. esbuild bundles the entry and everything it imports (npm packages, `lambda-wasm-sdk`) into one ES
//    module; the host's interfaces (`lambda:*`, `wasi:*`) stay imports.
// 2. componentize-js (StarlingMonkey) makes the component for the world (default `handler` from the SDK's own
//    copy of the WIT). The `http` and `fetch-event` features are off unless `--http`: with `--http`, `fetch`
//    works and the component imports `wasi:http/outgoing-handler`, which the host must provide.
// `--bundle` keeps the bundle (otherwise written to a temporary folder and removed).
import { mkdtemp, rm, stat, writeFile, copyFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const sdkDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const usage = `usage: lambda-wasm-js build <entry.js> -o <component.wasm> [--world <name>] [--wit <path>] [--http] [--bundle <bundle.js>]`;

/** The world a component is built for, by the world asked for: the handler worlds plus `wasi:cli/environment`
 * (`wit/js.wit`), which the SDK reads into `process.env` at the first invocation. */
const JS_WORLDS = { handler: 'js-handler', 'streaming-handler': 'js-streaming-handler' };

function parse(argv) {
  const [command, ...rest] = argv;
  if (command !== 'build') throw new Error(usage);
  const options = { world: 'handler', wit: join(sdkDir, 'wit'), http: false };
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i];
    const value = () => {
      if (i + 1 >= rest.length) throw new Error(`${arg} needs a value\n${usage}`);
      return rest[++i];
    };
    if (arg === '-o' || arg === '--out') options.out = value();
    else if (arg === '--world') options.world = value();
    else if (arg === '--wit') options.wit = value();
    else if (arg === '--bundle') options.bundle = value();
    else if (arg === '--http') options.http = true;
    else if (arg.startsWith('-') || options.entry) throw new Error(`unexpected argument ${arg}\n${usage}`);
    else options.entry = arg;
  }
  if (!options.entry || !options.out) throw new Error(usage);
  return options;
}

/**
 * The Node built-ins a component gets, by name (`node:<name>`, or the bare name): a file of `node/` (WASI and the
 * engine underneath), or a well-kept npm package (`npm:`): Node's own streams as `readable-stream`, `buffer`,
 * `events`. Any other `node:` module fails the build, naming what there is.
 */
const NODE_MODULES = {
  async_hooks: 'async-hooks.js',
  buffer: 'npm:buffer',
  console: 'console.js',
  crypto: 'crypto.js',
  events: 'npm:events',
  process: 'process.js',
  stream: 'npm:readable-stream',
  'stream/promises': 'stream-promises.js',
  'stream/web': 'stream-web.js',
  string_decoder: 'npm:string_decoder',
  timers: 'timers.js',
  'timers/promises': 'timers-promises.js',
  util: 'util.js',
};

/** esbuild plugin: `lambda-wasm-sdk` is always this SDK; `node:*` modules as NODE_MODULES says. */
const resolver = {
  name: 'lambda-wasm-sdk',
  setup(build) {
    build.onResolve({ filter: /^lambda-wasm-sdk$/ }, () => ({ path: join(sdkDir, 'index.js') }));
    build.onResolve({ filter: /^lambda-wasm-sdk\/aws$/ }, () => ({ path: join(sdkDir, 'aws.js') }));
    const resolveNode = async (name, importer) => {
      const target = NODE_MODULES[name];
      if (!target) {
        const available = Object.keys(NODE_MODULES).map((n) => `node:${n}`).join(', ');
        return {
          errors: [{ text: `node:${name} (imported by ${importer}) is not available in a lambda-wasm component; these are: ${available}` }],
        };
      }
      if (target.startsWith('npm:')) {
        // Marked, so that this resolution does not come back here (build.resolve runs the plugins again).
        const resolved = await build.resolve(target.slice(4), {
          resolveDir: sdkDir,
          kind: 'import-statement',
          pluginData: { nodeModule: true },
        });
        // Side-effect free: a bundle that never uses `Buffer` (injected everywhere) does not carry the package.
        return resolved.errors.length > 0 ? { errors: resolved.errors } : { path: resolved.path, sideEffects: false };
      }
      return { path: join(sdkDir, 'node', target) };
    };
    build.onResolve({ filter: /^node:/ }, (args) => resolveNode(args.path.slice(5), args.importer));
    const bare = new RegExp(`^(${Object.keys(NODE_MODULES).map((n) => n.replace('/', '\\/')).join('|')})$`);
    build.onResolve({ filter: bare }, (args) =>
      args.pluginData?.nodeModule ? undefined : resolveNode(args.path, args.importer),
    );
  },
};

/** esbuild: the entry and its imports as one ES module, with Node's globals (`Buffer`, `process`, `global`,
 * `setImmediate`) injected where a module uses them. */
async function bundle(entry, outfile) {
  const esbuild = await import('esbuild');
  await esbuild.build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    mainFields: ['module', 'main'],
    target: 'es2022',
    external: ['lambda:*', 'wasi:*'],
    plugins: [resolver],
    inject: [join(sdkDir, 'node', 'globals.js')],
    define: { global: 'globalThis' },
    logLevel: 'warning',
  });
}

async function main() {
  const options = parse(process.argv.slice(2));
  const started = Date.now();
  const work = await mkdtemp(join(tmpdir(), 'lambda-wasm-js-'));
  try {
    // Named after the entry, as stack traces show it (`hello@app.js:12:11`; lines are the bundle's).
    const bundled = join(work, `${basename(options.entry, extname(options.entry))}.js`);
    await bundle(options.entry, bundled);
    if (options.bundle) await copyFile(bundled, options.bundle);
    const { componentize } = await import('@bytecodealliance/componentize-js');
    const { component } = await componentize({
      sourcePath: bundled,
      witPath: resolve(options.wit),
      worldName: JS_WORLDS[options.world] ?? options.world,
      disableFeatures: options.http ? ['fetch-event'] : ['http', 'fetch-event'],
    });
    await writeFile(options.out, component);
    const { size } = await stat(options.out);
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    console.log(`lambda-wasm-js: ${options.out} (${size} bytes, world ${options.world}) in ${seconds} s`);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(`lambda-wasm-js: ${error && error.message ? error.message : error}`);
  process.exit(1);
});
