import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PodStatus } from 'kubernetes-types/core/v1';
import { setPodCondition } from './pod-conditions.ts';

test('setPodCondition adds, changes and leaves conditions as upstream\'s UpdatePodCondition', () => {
  const t1 = new Date('2025-01-01T00:00:00Z');
  const t2 = new Date('2025-01-01T00:05:00Z');
  const status: PodStatus = { conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: '2024-12-31T00:00:00Z' }] };
  assert.equal(setPodCondition(status, { type: 'DisruptionTarget', status: 'True', reason: 'R', message: 'm' }, t1), true);
  assert.deepEqual(status.conditions?.[1], { type: 'DisruptionTarget', status: 'True', reason: 'R', message: 'm', lastTransitionTime: '2025-01-01T00:00:00Z' });
  assert.equal(setPodCondition(status, { type: 'DisruptionTarget', status: 'True', reason: 'R', message: 'm' }, t2), false, 'same condition');
  assert.equal(setPodCondition(status, { type: 'DisruptionTarget', status: 'True', reason: 'R2', message: 'm' }, t2), true);
  assert.equal(status.conditions?.[1].lastTransitionTime, '2025-01-01T00:00:00Z', 'same status keeps its transition time');
  assert.equal(setPodCondition(status, { type: 'Ready', status: 'False' }, t2), true);
  assert.deepEqual(status.conditions?.[0], { type: 'Ready', status: 'False', lastTransitionTime: '2025-01-01T00:05:00Z' });
});
