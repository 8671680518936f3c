// `node:stream/web`: the engine's WHATWG streams.
export const ReadableStream = globalThis.ReadableStream;
export const WritableStream = globalThis.WritableStream;
export const TransformStream = globalThis.TransformStream;
export const TextEncoderStream = globalThis.TextEncoderStream;
export const TextDecoderStream = globalThis.TextDecoderStream;
export default { ReadableStream, WritableStream, TransformStream, TextEncoderStream, TextDecoderStream };
