import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Backoff, goDuration } from './restart-backoff.ts';

test('crash back-off: first restart at once, then 10s doubling to 5m, reset after 10 minutes quiet', () => {
  const b = new Backoff();
  const key = 'uid_app_hash';
  let t = 1_000_000;
  assert.equal(b.inBackoffSince(key, t, t), false);
  const seen: number[] = [];
  for (let i = 0; i < 8; i++) {
    b.next(key, t);
    seen.push(b.get(key));
    assert.equal(b.inBackoffSince(key, t, t + b.get(key) - 1), true);
    assert.equal(b.inBackoffSince(key, t, t + b.get(key)), false);
    t += b.get(key) + 1000;
  }
  assert.deepEqual(seen, [10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000, 300_000]);
  // A container that ran for more than 10 minutes starts over.
  t += 11 * 60_000;
  assert.equal(b.inBackoffSince(key, t, t), false);
  b.next(key, t);
  assert.equal(b.get(key), 10_000);
});

test('pull back-off counts from the last failure', () => {
  const b = new Backoff();
  b.next('p', 0);
  assert.equal(b.inBackoffSinceUpdate('p', 9_999), true);
  assert.equal(b.inBackoffSinceUpdate('p', 10_000), false);
  b.forgetPrefix('p');
  assert.equal(b.get('p'), 0);
});

test('durations print as Go prints them', () => {
  const cases: [number, string][] = [[0, '0s'], [523, '523ms'], [1234, '1.234s'], [10_000, '10s'], [80_000, '1m20s'], [300_000, '5m0s'], [160_000, '2m40s'], [3_723_000, '1h2m3s']];
  for (const [ms, want] of cases) assert.equal(goDuration(ms), want);
});
