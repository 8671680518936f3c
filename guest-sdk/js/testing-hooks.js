// The resolve hook registered by testing.js: `lambda:handler/...` to host-stub.js.
const stub = new URL('./host-stub.js', import.meta.url).href;

export async function resolve(specifier, context, nextResolve) {
  if (specifier.startsWith('lambda:handler/')) {
    return { url: stub, shortCircuit: true };
  }
  return nextResolve(specifier, context);
}
