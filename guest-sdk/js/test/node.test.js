// The node:* stand-ins a component gets (node/), checked against Node's own modules where both exist.
import assert from 'node:assert/strict';
import * as real from 'node:crypto';
import { test } from 'node:test';

import { AsyncLocalStorage } from '../node/async-hooks.js';
import { Console } from '../node/console.js';
import * as crypto from '../node/crypto.js';
import { format } from '../node/util.js';

test('digests and HMACs are the ones Node computes', () => {
  for (const name of ['md5', 'sha1', 'sha256', 'sha384', 'sha512']) {
    const ours = crypto.createHash(name).update('kettle').update(Buffer.from([0, 255])).digest('hex');
    const node = real.createHash(name).update('kettle').update(Buffer.from([0, 255])).digest('hex');
    assert.equal(ours, node, name);
    assert.equal(
      crypto.createHmac(name, 'key').update('data').digest('base64'),
      real.createHmac(name, 'key').update('data').digest('base64'),
      `hmac ${name}`,
    );
  }
  assert.throws(() => crypto.createHash('whirlpool'), /not available/);
  assert.throws(() => crypto.createCipheriv('aes-256-gcm'), /not available in a lambda-wasm component/);
});

test('random values have the shapes Node gives', () => {
  assert.equal(crypto.randomBytes(70000).length, 70000);
  assert.match(crypto.randomUUID(), /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  for (let i = 0; i < 100; i++) {
    const n = crypto.randomInt(3, 7);
    assert.ok(n >= 3 && n < 7, `${n}`);
  }
  assert.ok(crypto.timingSafeEqual(Buffer.from('ab'), Buffer.from('ab')));
  assert.ok(!crypto.timingSafeEqual(Buffer.from('ab'), Buffer.from('ac')));
});

test('AsyncLocalStorage keeps its store through an awaited function, then restores it', async () => {
  const storage = new AsyncLocalStorage();
  assert.equal(storage.getStore(), undefined);
  const seen = await storage.run({ id: 1 }, async () => {
    await Promise.resolve();
    return storage.getStore();
  });
  assert.deepEqual(seen, { id: 1 });
  assert.equal(storage.getStore(), undefined);
  assert.equal(storage.run('outer', () => storage.run('inner', () => storage.getStore())), 'inner');
});

test('Console writes formatted lines to the streams it is given', () => {
  const out = [];
  const err = [];
  const console = new Console({ stdout: { write: (s) => out.push(s) }, stderr: { write: (s) => err.push(s) } });
  console.log('%s has %d items', 'cart', 3, { a: 1 });
  console.error('bad');
  assert.deepEqual(out, ['cart has 3 items {"a":1}\n']);
  assert.deepEqual(err, ['bad\n']);
  assert.equal(format('100%% %j', { b: 2 }), '100% {"b":2}');
});
