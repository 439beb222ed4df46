import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EXPECTATIONS_TIMEOUT_MS, createExpectations } from './expectations.ts';

test('creations: satisfied only once every expected pod was seen', () => {
  const e = createExpectations(() => 0);
  assert.equal(e.satisfied('ns/rs'), true, 'nothing expected');
  e.expectCreations('ns/rs', 2);
  assert.equal(e.satisfied('ns/rs'), false);
  e.creationObserved('ns/rs');
  assert.equal(e.satisfied('ns/rs'), false);
  e.creationObserved('ns/rs');
  assert.equal(e.satisfied('ns/rs'), true);
  assert.equal(e.satisfied('ns/other'), true, 'owners are independent');
});

test('deletions count only the pods that were asked to go, once each', () => {
  const e = createExpectations(() => 0);
  e.expectDeletions('ns/rs', ['ns/a', 'ns/b']);
  e.deletionObserved('ns/rs', 'ns/c');
  e.deletionObserved('ns/rs', 'ns/a');
  e.deletionObserved('ns/rs', 'ns/a');
  assert.equal(e.satisfied('ns/rs'), false);
  e.deletionObserved('ns/rs', 'ns/b');
  assert.equal(e.satisfied('ns/rs'), true);
});

test('expectations expire after five minutes and can be forgotten', () => {
  let now = 0;
  const e = createExpectations(() => now);
  e.expectCreations('ns/rs', 1);
  now = EXPECTATIONS_TIMEOUT_MS;
  assert.equal(e.satisfied('ns/rs'), false);
  now = EXPECTATIONS_TIMEOUT_MS + 1;
  assert.equal(e.satisfied('ns/rs'), true);
  e.expectCreations('ns/x', 3);
  e.forget('ns/x');
  assert.equal(e.satisfied('ns/x'), true);
});
