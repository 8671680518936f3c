// `node:console`: the engine's console (its lines reach the function's log), and `Console` writing to the streams
// it is given (Powertools makes one on process.stdout and process.stderr).
import { format } from './format.js';

export class Console {
  constructor(options, stderr) {
    const streams = options && typeof options.write !== 'function' ? options : { stdout: options, stderr };
    this.out = streams.stdout ?? globalThis.process?.stdout;
    this.err = streams.stderr ?? streams.stdout ?? globalThis.process?.stderr;
  }

  #write(stream, args) {
    stream.write(`${format(args)}\n`);
  }

  log(...args) {
    this.#write(this.out, args);
  }

  info(...args) {
    this.#write(this.out, args);
  }

  debug(...args) {
    this.#write(this.out, args);
  }

  trace(...args) {
    this.#write(this.err, args);
  }

  warn(...args) {
    this.#write(this.err, args);
  }

  error(...args) {
    this.#write(this.err, args);
  }
}

const engine = globalThis.console;
export default Object.assign(Object.create(engine), engine, { Console });
export const { log, info, debug, warn, error, trace } = engine;
