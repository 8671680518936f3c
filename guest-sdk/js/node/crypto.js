// `node:crypto`: hashes and HMACs (SHA-1, SHA-2, MD5, from @noble/hashes), random bytes and UUIDs (the engine's
// `crypto.getRandomValues`, backed by `wasi:random`), `timingSafeEqual`, and `webcrypto`. Ciphers, signatures and
// key generation are not here: they throw, naming what is missing.
import { hmac } from '@noble/hashes/hmac.js';
import { md5, sha1 } from '@noble/hashes/legacy.js';
import { sha224, sha256, sha384, sha512 } from '@noble/hashes/sha2.js';
import { Buffer } from 'buffer';

const ALGORITHMS = { md5, sha1, sha224, sha256, sha384, sha512, 'sha-1': sha1, 'sha-256': sha256, 'sha-384': sha384, 'sha-512': sha512 };

function algorithm(name) {
  const hash = ALGORITHMS[String(name).toLowerCase()];
  if (!hash) throw new Error(`node:crypto: digest ${name} is not available (md5, sha1, sha224, sha256, sha384, sha512 are)`);
  return hash;
}

function bytes(data, encoding) {
  if (typeof data === 'string') return Buffer.from(data, encoding ?? 'utf8');
  if (data instanceof Uint8Array) return data;
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  throw new TypeError('node:crypto: data must be a string, a Buffer, a TypedArray or a DataView');
}

function output(digest, encoding) {
  const buffer = Buffer.from(digest);
  return encoding ? buffer.toString(encoding) : buffer;
}

class Digest {
  constructor(state) {
    this.state = state;
  }

  update(data, encoding) {
    this.state.update(bytes(data, encoding));
    return this;
  }

  digest(encoding) {
    return output(this.state.digest(), encoding);
  }
}

export function createHash(name) {
  return new Digest(algorithm(name).create());
}

export function createHmac(name, key) {
  return new Digest(hmac.create(algorithm(name), bytes(key)));
}

export function getHashes() {
  return Object.keys(ALGORITHMS).filter((name) => !name.includes('-'));
}

export function hash(name, data, encoding = 'hex') {
  return output(algorithm(name)(bytes(data)), encoding);
}

export function getRandomValues(array) {
  return globalThis.crypto.getRandomValues(array);
}

export function randomBytes(size, callback) {
  const buffer = Buffer.alloc(size);
  for (let offset = 0; offset < size; offset += 65536) {
    globalThis.crypto.getRandomValues(buffer.subarray(offset, Math.min(size, offset + 65536)));
  }
  if (callback) {
    queueMicrotask(() => callback(null, buffer));
    return undefined;
  }
  return buffer;
}

export function randomUUID() {
  if (globalThis.crypto.randomUUID) return globalThis.crypto.randomUUID();
  const b = randomBytes(16);
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const hex = b.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export function randomInt(min, max) {
  if (max === undefined) [min, max] = [0, min];
  const range = max - min;
  if (!(range > 0) || range > 2 ** 32) throw new RangeError('node:crypto randomInt: bad range');
  const limit = 2 ** 32 - (2 ** 32 % range);
  const word = new Uint32Array(1);
  do globalThis.crypto.getRandomValues(word);
  while (word[0] >= limit);
  return min + (word[0] % range);
}

export function timingSafeEqual(a, b) {
  const [x, y] = [bytes(a), bytes(b)];
  if (x.length !== y.length) throw new RangeError('Input buffers must have the same byte length');
  let difference = 0;
  for (let i = 0; i < x.length; i++) difference |= x[i] ^ y[i];
  return difference === 0;
}

export const webcrypto = globalThis.crypto;
export const subtle = globalThis.crypto?.subtle;

function missing(name) {
  return () => {
    throw new Error(`node:crypto ${name} is not available in a lambda-wasm component (hashes, HMACs and random values are)`);
  };
}

export const createCipheriv = missing('createCipheriv');
export const createDecipheriv = missing('createDecipheriv');
export const createSign = missing('createSign');
export const createVerify = missing('createVerify');
export const generateKeyPair = missing('generateKeyPair');
export const pbkdf2 = missing('pbkdf2');
export const scrypt = missing('scrypt');

export default {
  createHash, createHmac, getHashes, hash, getRandomValues, randomBytes, randomUUID, randomInt, timingSafeEqual,
  webcrypto, subtle, createCipheriv, createDecipheriv, createSign, createVerify, generateKeyPair, pbkdf2, scrypt,
};
