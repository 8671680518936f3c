import assert from 'node:assert/strict';
import { test } from 'node:test';

import { sseEvents } from './app.js';

test('events are split as their text arrives, across chunks', () => {
  const state = { pending: '' };
  assert.deepEqual(sseEvents(state, ': hi\n\nevent: delta\ndata: Str'), []);
  assert.deepEqual(sseEvents(state, 'eam\n\ndata: a\ndata: b\n\n'), ['Stream', 'a\nb']);
  assert.equal(state.pending, '');
});
