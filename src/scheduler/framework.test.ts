import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createAlgorithm, defaultProfile, fitErrorMessage, numFeasibleNodesToFind, type Diagnosis } from './framework.ts';
import { podInfoOf } from './pod-info.ts';
import { unresolvable, unschedulable } from './types.ts';
import { makeNode, makePod, nodeWith, viewOf } from './testing.ts';

test('numFeasibleNodesToFind follows the adaptive percentage', () => {
  const cases: Array<[number, number]> = [[0, 0], [50, 50], [99, 99], [100, 100], [250, 120], [1000, 420], [5000, 500], [6000, 300], [20000, 1000], [1500, 570]];
  for (const [nodes, want] of cases) assert.equal(numFeasibleNodesToFind(nodes), want, `${nodes} nodes`);
});

test('fitErrorMessage counts and sorts reasons as upstream', () => {
  const d = (statuses: Array<[string, ReturnType<typeof unschedulable>]>): Diagnosis => ({
    nodeToStatus: new Map(statuses), unschedulablePlugins: new Set(), preFilterMsg: '', numAllNodes: statuses.length,
  });
  const taint = unresolvable('node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }');
  const cpu = unschedulable('Insufficient cpu');
  assert.equal(
    fitErrorMessage(d([['a', cpu], ['b', taint], ['c', cpu]]),
      'preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod.'),
    '0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 2 Insufficient cpu. ' +
    'preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod.');
  // A node with several reasons counts each.
  assert.equal(fitErrorMessage(d([['a', unschedulable('Insufficient cpu', 'Insufficient memory')], ['b', cpu]])),
    '0/2 nodes are available: 1 Insufficient memory, 2 Insufficient cpu.');
  // Nodes without a status take the absent status.
  assert.equal(fitErrorMessage({ ...d([]), numAllNodes: 2 }, '', unresolvable('Preemption is not helpful for scheduling')),
    '0/2 nodes are available: 2 Preemption is not helpful for scheduling.');
  assert.equal(fitErrorMessage({ ...d([['a', cpu]]), preFilterMsg: 'something broke' }), '0/1 nodes are available: something broke.');
});

test('the algorithm picks the best-scoring feasible node', () => {
  const nodes = [
    nodeWith(makeNode('busy', { cpu: '4' }), [makePod('x', { cpu: '3' })]),
    nodeWith(makeNode('idle', { cpu: '4' })),
    nodeWith(makeNode('tainted', { cpu: '4', taints: [{ key: 'k', effect: 'NoSchedule' }] })),
  ];
  const algo = createAlgorithm(defaultProfile(), viewOf(nodes));
  for (let i = 0; i < 5; i++) {
    const r = algo.schedule(podInfoOf(makePod('p', { cpu: '500m', memory: '100Mi' })));
    assert.ok('node' in r && r.node === 'idle', JSON.stringify(r));
  }
  const none = algo.schedule(podInfoOf(makePod('huge', { cpu: '8' })));
  assert.ok('diagnosis' in none);
  assert.equal(fitErrorMessage(none.diagnosis), '0/3 nodes are available: 1 node(s) had untolerated taint {k: }, 2 Insufficient cpu.');
  assert.deepEqual([...none.diagnosis.unschedulablePlugins].sort(), ['NodeResourcesFit', 'TaintToleration']);
});

test('ties are broken at random, and the search starts where the last one stopped', () => {
  const nodes = Array.from({ length: 4 }, (_, i) => nodeWith(makeNode(`n${i}`)));
  const picks = new Set<string>();
  let seed = 0;
  const algo = createAlgorithm(defaultProfile(), viewOf(nodes), undefined, () => (seed = (seed * 7 + 3) % 11) / 11);
  for (let i = 0; i < 40; i++) {
    const r = algo.schedule(podInfoOf(makePod(`p${i}`)));
    if ('node' in r) picks.add(r.node);
  }
  assert.equal(picks.size, 4);
});

test('only the adaptive share of a large cluster is evaluated', () => {
  const nodes = Array.from({ length: 1000 }, (_, i) => nodeWith(makeNode(`n${i}`)));
  const algo = createAlgorithm(defaultProfile(), viewOf(nodes));
  const first = algo.schedule(podInfoOf(makePod('a')));
  assert.ok('node' in first);
  assert.deepEqual([first.feasible, first.evaluated], [420, 420]);
});

test('nominated pods hold their room against pods of lower priority', () => {
  const node = nodeWith(makeNode('n', { cpu: '1' }));
  const promised = podInfoOf(makePod('big', { cpu: '800m', priority: 100 }));
  const nominated = { nominatedOn: (n: string) => (n === 'n' ? [promised] : []) };
  const algo = createAlgorithm(defaultProfile(), viewOf([node]), nominated);
  assert.ok('diagnosis' in algo.schedule(podInfoOf(makePod('low', { cpu: '500m', priority: 1 }))));
  assert.ok('node' in algo.schedule(podInfoOf(makePod('higher', { cpu: '500m', priority: 1000 }))));
});
