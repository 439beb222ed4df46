import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1';
import { createAlgorithm, defaultProfile, fitErrorMessage } from './framework.ts';
import { podInfoOf, type PodInfo } from './pod-info.ts';
import { budgetInfos, findPreemption, pickCandidate, splitByBudgetViolation, type Candidate } from './preemption.ts';
import type { ClusterView } from './types.ts';
import { makeNode, makePod, nodeWith, viewOf } from './testing.ts';

/** Schedules `pod` on the view; on failure runs preemption as the scheduler does. */
function attempt(view: ClusterView, pod: Pod, opts: { budgets?: ReturnType<typeof budgetInfos>; policy?: string } = {}) {
  const info = podInfoOf(pod);
  const r = createAlgorithm(defaultProfile(), view).schedule(info);
  assert.ok('diagnosis' in r, 'expected the pod not to fit');
  const outcome = findPreemption({ pod: info, preemptionPolicy: opts.policy, view, cycle: r.cycle, diagnosis: r.diagnosis, budgets: opts.budgets ?? [], random: () => 0 });
  return { outcome, diagnosis: r.diagnosis };
}

const victimNames = (c: Candidate) => c.victims.map((v) => v.name);

test('seed 000: pods of equal priority are not victims', () => {
  const view = viewOf([nodeWith(makeNode('aks', { cpu: '1900m' }), [makePod('system', { cpu: '1670m' })])]);
  const { outcome, diagnosis } = attempt(view, makePod('archetype', { cpu: '500m' }));
  assert.ok('message' in outcome);
  assert.equal(fitErrorMessage(diagnosis, outcome.message),
    '0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.');
});

test('nodes that removing pods cannot fix are not helpful; preemptionPolicy Never is respected', () => {
  const view = viewOf([
    nodeWith(makeNode('cp', { taints: [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }] })),
    nodeWith(makeNode('w1', { cpu: '1' }), [makePod('a', { cpu: '1' })]),
    nodeWith(makeNode('w2', { cpu: '1' }), [makePod('b', { cpu: '1' })]),
  ]);
  const { outcome, diagnosis } = attempt(view, makePod('p', { cpu: '1' }));
  assert.ok('message' in outcome && outcome.clearNomination);
  assert.equal(fitErrorMessage(diagnosis, outcome.message),
    '0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 2 Insufficient cpu. ' +
    'preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod.');
  const never = attempt(view, makePod('p', { cpu: '1', priority: 1000 }), { policy: 'Never' });
  assert.ok('message' in never.outcome);
  assert.equal(fitErrorMessage(never.diagnosis, never.outcome.message),
    '0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 2 Insufficient cpu. preemption: not eligible due to preemptionPolicy=Never.');
});

test('the fewest, lowest-priority victims on the best node', () => {
  const view = viewOf([
    // Would need both (priorities 10 and 20) evicted.
    nodeWith(makeNode('n1', { cpu: '2' }), [makePod('n1-a', { cpu: '1', priority: 10 }), makePod('n1-b', { cpu: '1', priority: 20 })]),
    // One pod of priority 5 is enough; the priority-500 one is reprieved.
    nodeWith(makeNode('n2', { cpu: '2' }), [makePod('n2-a', { cpu: '1', priority: 5 }), makePod('n2-b', { cpu: '1', priority: 500 })]),
    // Higher priority than the preemptor: untouchable.
    nodeWith(makeNode('n3', { cpu: '2' }), [makePod('n3-a', { cpu: '2', priority: 2000 })]),
  ]);
  const { outcome } = attempt(view, makePod('p', { cpu: '1500m', priority: 1000 }));
  assert.ok('nominate' in outcome);
  // n2 needs both of its lower pods too (1.5 cpu), n1 as well; n1's highest victim (20) is lower than n2's (500).
  assert.equal(outcome.nominate.node, 'n1');
  assert.deepEqual(victimNames(outcome.nominate), ['n1-b', 'n1-a']);

  const { outcome: small } = attempt(view, makePod('q', { cpu: '1', priority: 1000 }));
  assert.ok('nominate' in small);
  assert.equal(small.nominate.node, 'n2');
  assert.deepEqual(victimNames(small.nominate), ['n2-a']);
});

test('budgets: protected pods are spared when possible, and such nodes come last', () => {
  const web = (name: string, priority: number) => makePod(name, { cpu: '1', priority, labels: { app: 'web' } });
  const budgets = budgetInfos([{ metadata: { namespace: 'default', name: 'web' }, spec: { selector: { matchLabels: { app: 'web' } } }, status: { disruptionsAllowed: 0, currentHealthy: 2, desiredHealthy: 2, expectedPods: 2 } }]);
  const view = viewOf([
    nodeWith(makeNode('n1', { cpu: '1' }), [web('w1', 1)]),
    nodeWith(makeNode('n2', { cpu: '1' }), [makePod('batch', { cpu: '1', priority: 50 })]),
  ]);
  const { outcome } = attempt(view, makePod('p', { cpu: '1', priority: 100 }), { budgets });
  assert.ok('nominate' in outcome);
  assert.equal(outcome.nominate.node, 'n2', 'a higher-priority victim beats a budget violation');
  assert.equal(outcome.nominate.pdbViolations, 0);

  const infos: PodInfo[] = [web('a', 1), web('b', 1), makePod('c', { labels: { app: 'db' } })].map(podInfoOf);
  const allowOne = budgetInfos([{ metadata: { namespace: 'default', name: 'web' }, spec: { selector: { matchLabels: { app: 'web' } } }, status: { disruptionsAllowed: 1, currentHealthy: 2, desiredHealthy: 1, expectedPods: 2 } }]);
  const split = splitByBudgetViolation(infos, allowOne);
  assert.deepEqual([split.violating.map((p) => p.name), split.nonViolating.map((p) => p.name)], [['b'], ['a', 'c']]);
});

test('pickCandidate: fewest violations, lowest top priority, lowest sum, fewest victims, latest start', () => {
  const v = (priority: number, startTime?: string) => podInfoOf(makePod(`v${priority}`, { priority, startTime }));
  const c = (node: string, victims: PodInfo[], pdbViolations = 0): Candidate => ({ node, victims, pdbViolations });
  const cases: Array<[Candidate[], string]> = [
    [[c('a', [v(1)], 1), c('b', [v(100)], 0)], 'b'],
    [[c('a', [v(50)]), c('b', [v(10), v(10)])], 'b'],
    [[c('a', [v(10), v(9)]), c('b', [v(10), v(1)])], 'b'],
    [[c('a', [v(10), v(10)]), c('b', [v(10)])], 'b'],
    [[c('a', [v(10, '2024-01-01T00:00:00Z')]), c('b', [v(10, '2024-06-01T00:00:00Z')])], 'b'],
    [[c('a', [v(10)]), c('b', [v(10)])], 'a'],
  ];
  for (const [candidates, want] of cases) assert.equal(pickCandidate(candidates, Date.parse('2025-01-01T00:00:00Z')).node, want);
});

test('a pod already waiting on its victims does not preempt again', () => {
  const victim = { ...makePod('victim', { cpu: '1', priority: 1, terminating: true }), status: { conditions: [{ type: 'DisruptionTarget', status: 'True', reason: 'PreemptionByScheduler' }] } };
  const view = viewOf([nodeWith(makeNode('n', { cpu: '1' }), [victim])]);
  const waiting = { ...makePod('p', { cpu: '1', priority: 100 }), status: { nominatedNodeName: 'n' } };
  const { outcome } = attempt(view, waiting);
  assert.deepEqual(outcome, { message: 'preemption: not eligible due to a terminating pod on the nominated node.', clearNomination: false });
});
