import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1';
import {
  budgetStatus, budgetUsesScale, countHealthy, failSafeStatus, goLabelSelector, healthBounds, pendingDisruptions, scaledValue,
} from './disruption-budget.ts';
import type { PodObject } from './pod-ranking.ts';

const NOW = new Date('2025-01-01T12:00:00Z');
const ago = (s: number) => new Date(NOW.getTime() - s * 1000).toISOString().replace('.000Z', 'Z');

function pod(name: string, opts: { ready?: boolean; deleting?: boolean } = {}): PodObject {
  return {
    metadata: { name, namespace: 'default', ...(opts.deleting ? { deletionTimestamp: ago(1) } : {}) },
    status: { phase: 'Running', conditions: [{ type: 'Ready', status: opts.ready === false ? 'False' : 'True' }] },
  };
}

test('scaledValue reads ints and percents as upstream, rounding as asked', () => {
  const cases: Array<[number | string, number, boolean, number]> = [
    [2, 10, true, 2], ['50%', 3, true, 2], ['50%', 3, false, 1], ['0%', 7, true, 0], ['100%', 7, true, 7], ['34%', 3, true, 2],
  ];
  for (const [v, total, up, want] of cases) assert.equal(scaledValue(v, total, up), want, `${v} of ${total}`);
  assert.throws(() => scaledValue('3', 10, true), /invalid value for IntOrString: invalid type: string is not a percentage/);
  assert.throws(() => scaledValue('x%', 10, true), /invalid value "x%"/);
});

test('healthBounds: minAvailable int counts pods; percents and maxUnavailable use the controllers\' scale', () => {
  const cases: Array<[PodDisruptionBudget['spec'], number, number, { expectedCount: number; desiredHealthy: number }]> = [
    [{ minAvailable: 1 }, 3, 99, { expectedCount: 3, desiredHealthy: 1 }],
    [{ minAvailable: 5 }, 3, 99, { expectedCount: 3, desiredHealthy: 5 }],
    [{ minAvailable: '50%' }, 2, 3, { expectedCount: 3, desiredHealthy: 2 }],
    [{ maxUnavailable: '50%' }, 3, 3, { expectedCount: 3, desiredHealthy: 1 }],
    [{ maxUnavailable: 1 }, 3, 4, { expectedCount: 4, desiredHealthy: 3 }],
    [{ maxUnavailable: 9 }, 3, 4, { expectedCount: 4, desiredHealthy: 0 }],
    [{ maxUnavailable: 0 }, 0, 0, { expectedCount: 0, desiredHealthy: 0 }],
    [{}, 3, 3, { expectedCount: 0, desiredHealthy: 0 }],
  ];
  for (const [spec, pods, scale, want] of cases) assert.deepEqual(healthBounds(spec, pods, scale), want, JSON.stringify(spec));
  assert.equal(budgetUsesScale({ minAvailable: 1 }), false);
  assert.equal(budgetUsesScale({ minAvailable: '10%' }), true);
  assert.equal(budgetUsesScale({ maxUnavailable: 0 }), true);
});

test('countHealthy skips pods that are not ready, terminating, or just evicted', () => {
  const pods = [pod('a'), pod('b', { ready: false }), pod('c', { deleting: true }), pod('d'), pod('e')];
  assert.equal(countHealthy(pods, {}, NOW), 3);
  assert.equal(countHealthy(pods, { d: ago(10) }, NOW), 2, 'evicted 10 s ago: expected to go');
  assert.equal(countHealthy(pods, { d: ago(121) }, NOW), 3, 'evicted over 2 min ago: counts again');
});

test('pendingDisruptions keeps recent entries for live pods and reports overdue ones', () => {
  const pods = [pod('recent'), pod('old'), pod('going', { deleting: true })];
  const r = pendingDisruptions(pods, { recent: ago(30), old: ago(200), going: ago(5), gone: ago(5) }, NOW);
  assert.deepEqual(r.pods, { recent: ago(30) });
  assert.equal(r.recheckAt, NOW.getTime() + 90_000);
  assert.deepEqual(r.notDeleted.map((p) => p.metadata?.name), ['old']);
  assert.deepEqual(pendingDisruptions(pods, undefined, NOW), { pods: {}, notDeleted: [] });
});

test('budgetStatus computes the status and the DisruptionAllowed condition, and is quiet when nothing changed', () => {
  const pdb: PodDisruptionBudget = {
    metadata: { name: 'web', namespace: 'default', generation: 2 },
    spec: { minAvailable: 1 },
    status: { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 },
  };
  const status = budgetStatus(pdb, { expectedCount: 3, desiredHealthy: 1, currentHealthy: 3, disruptedPods: {} }, NOW)!;
  assert.deepEqual(status, {
    observedGeneration: 2, disruptionsAllowed: 2, currentHealthy: 3, desiredHealthy: 1, expectedPods: 3,
    conditions: [{ type: 'DisruptionAllowed', status: 'True', reason: 'SufficientPods', message: '', observedGeneration: 2, lastTransitionTime: '2025-01-01T12:00:00Z' }],
  });
  const later = new Date(NOW.getTime() + 60_000);
  assert.equal(budgetStatus({ ...pdb, status }, { expectedCount: 3, desiredHealthy: 1, currentHealthy: 3, disruptedPods: {} }, later), undefined);

  const fewer = budgetStatus({ ...pdb, status }, { expectedCount: 3, desiredHealthy: 1, currentHealthy: 1, disruptedPods: { x: ago(1) } }, later)!;
  assert.equal(fewer.disruptionsAllowed, 0);
  assert.deepEqual(fewer.disruptedPods, { x: ago(1) });
  assert.deepEqual(fewer.conditions?.map((c) => [c.status, c.reason, c.lastTransitionTime]), [['False', 'InsufficientPods', '2025-01-01T12:01:00Z']]);

  const noneExpected = budgetStatus(pdb, { expectedCount: 0, desiredHealthy: 0, currentHealthy: 2, disruptedPods: {} }, NOW)!;
  assert.equal(noneExpected.disruptionsAllowed, 0, 'a budget expecting no pods allows nothing');
});

test('failSafeStatus allows nothing and says why, keeping the observed generation', () => {
  const pdb: PodDisruptionBudget = {
    metadata: { name: 'web', generation: 3 },
    status: { observedGeneration: 2, disruptionsAllowed: 4, currentHealthy: 5, desiredHealthy: 1, expectedPods: 5 },
  };
  const s = failSafeStatus(pdb, 'found no controllers for pod "x"', NOW);
  assert.equal(s.disruptionsAllowed, 0);
  assert.equal(s.observedGeneration, 2);
  assert.deepEqual(s.conditions, [{
    type: 'DisruptionAllowed', status: 'False', reason: 'SyncFailed', message: 'found no controllers for pod "x"', observedGeneration: 2, lastTransitionTime: '2025-01-01T12:00:00Z',
  }]);
});

test('goLabelSelector prints a selector as Go\'s %v does', () => {
  assert.equal(goLabelSelector({ matchLabels: { b: '2', a: '1' } }),
    '&LabelSelector{MatchLabels:map[string]string{a: 1,b: 2,},MatchExpressions:[]LabelSelectorRequirement{},}');
  assert.equal(goLabelSelector({ matchExpressions: [{ key: 'k', operator: 'In', values: ['x', 'y'] }] }),
    '&LabelSelector{MatchLabels:map[string]string{},MatchExpressions:[]LabelSelectorRequirement{LabelSelectorRequirement{Key:k,Operator:In,Values:[x y],},},}');
  assert.equal(goLabelSelector(undefined), 'nil');
});
