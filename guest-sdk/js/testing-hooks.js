// The resolve hook registered by testing.js: `lambda:handler/...` and `wasi:cli/environment@...` to host-stub.js.
const stub = new URL('./host-stub.js', import.meta.url).href;

export async function resolve(specifier, context, nextResolve) {
  if (specifier.startsWith('lambda:handler/') || specifier.startsWith('wasi:cli/environment@')) {
    return { url: stub, shortCircuit: true };
  }
  return nextResolve(specifier, context);
}
