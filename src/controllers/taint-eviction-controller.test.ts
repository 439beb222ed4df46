import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Taint, Toleration } from 'kubernetes-types/core/v1';
import { matchingTolerations, minTolerationMs, toleratesTaint } from './taint-eviction-controller.ts';

const unreachable: Taint = { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' };
const valued: Taint = { key: 'dedicated', value: 'gpu', effect: 'NoExecute' };

test('toleratesTaint matches key, effect, operator and value as upstream', () => {
  const cases: Array<[Toleration, Taint, boolean]> = [
    [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' }, unreachable, true],
    [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists' }, unreachable, true],
    [{ operator: 'Exists' }, unreachable, true],
    [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoSchedule' }, unreachable, false],
    [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists' }, unreachable, false],
    [{ key: 'dedicated', value: 'gpu' }, valued, true],
    [{ key: 'dedicated', operator: 'Equal', value: 'cpu' }, valued, false],
    [{ key: 'dedicated', operator: 'Equal' }, valued, false],
    [{ key: 'dedicated', operator: 'Gt', value: 'gpu' }, valued, false],
  ];
  for (const [t, taint, want] of cases) assert.equal(toleratesTaint(t, taint), want, JSON.stringify(t));
});

test('matchingTolerations needs every taint tolerated; minTolerationMs picks the shortest bound', () => {
  const forever: Toleration = { key: 'dedicated', operator: 'Exists' };
  const brief: Toleration = { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 30 };
  assert.deepEqual(matchingTolerations([unreachable, valued], [brief]), { tolerated: false, used: [] });
  assert.deepEqual(matchingTolerations([unreachable, valued], [brief, forever]), { tolerated: true, used: [brief, forever] });
  assert.equal(minTolerationMs([brief, forever]), 30_000);
  assert.equal(minTolerationMs([forever]), -1, 'no bound: tolerated forever');
  assert.equal(minTolerationMs([{ ...brief, tolerationSeconds: -5 }, forever]), 0, 'a bound at or below zero means now');
  assert.equal(minTolerationMs([]), 0);
});
