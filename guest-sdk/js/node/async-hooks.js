// `node:async_hooks`: `AsyncLocalStorage` for one invocation at a time. A component instance runs one invocation
// at a time (Managed Instances give each worker its own instance), so the store `run` sets stays set until the
// function's promise settles, and is restored then; what it cannot do is keep two interleaved contexts apart in
// one instance, which nothing here needs. The other hooks do not exist in the engine: using them throws.
export class AsyncLocalStorage {
  #store = undefined;
  #active = false;

  getStore() {
    return this.#active ? this.#store : undefined;
  }

  run(store, fn, ...args) {
    const [previous, wasActive] = [this.#store, this.#active];
    this.#store = store;
    this.#active = true;
    const restore = () => {
      this.#store = previous;
      this.#active = wasActive;
    };
    let result;
    try {
      result = fn(...args);
    } catch (error) {
      restore();
      throw error;
    }
    if (result && typeof result.then === 'function') {
      return result.finally(restore);
    }
    restore();
    return result;
  }

  exit(fn, ...args) {
    return this.run(undefined, fn, ...args);
  }

  enterWith(store) {
    this.#store = store;
    this.#active = true;
  }

  disable() {
    this.#store = undefined;
    this.#active = false;
  }

  static bind(fn) {
    return fn;
  }

  static snapshot() {
    return (fn, ...args) => fn(...args);
  }
}

export class AsyncResource {
  constructor(type) {
    this.type = type;
  }

  runInAsyncScope(fn, thisArg, ...args) {
    return fn.apply(thisArg, args);
  }

  bind(fn) {
    return fn;
  }

  emitDestroy() {
    return this;
  }

  static bind(fn) {
    return fn;
  }
}

export function createHook() {
  throw new Error('node:async_hooks createHook is not available in a lambda-wasm component');
}

export function executionAsyncId() {
  return 1;
}

export function triggerAsyncId() {
  return 0;
}

export default { AsyncLocalStorage, AsyncResource, createHook, executionAsyncId, triggerAsyncId };
