// Lets unit tests import 'lambda-wasm-sdk' (and so the handler's module) in plain Node:
//
//   node --import lambda-wasm-sdk/testing --test
//
// The host's import `lambda:handler/runtime@0.1.0` exists only inside a component; this registers a resolve hook
// that maps it to host-stub.js (logs to stderr, remaining time from the deadline). Needs Node 20.6 or later.
import { register } from 'node:module';

register('./testing-hooks.js', import.meta.url);
