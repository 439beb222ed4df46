import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeNode, makePod, nodeWith, runScore } from '../testing.ts';
import { balancedAllocationScore } from './node-resources-balanced-allocation.ts';

test('BalancedAllocation prefers nodes where cpu and memory would be used evenly', () => {
  const nodes = [
    nodeWith(makeNode('even', { cpu: '4', memory: '4Gi' })),
    nodeWith(makeNode('cpu-heavy', { cpu: '4', memory: '4Gi' }), [makePod('x', { cpu: '2' })]),
    nodeWith(makeNode('no-memory', { cpu: '4', memory: '0' })),
  ];
  const pod = makePod('p', { cpu: '1', memory: '1Gi' });
  // even: 1/4 and 1/4 → 100; cpu-heavy: 3/4 vs 1/4 → std 0.25 → 75; a resource with no capacity is left out → 100.
  assert.deepEqual(runScore(balancedAllocationScore, pod, nodes), [100, 75, 100]);
  // Fractions are capped at 1: 8 cpu on 4 → 1, memory 1/4 → std 0.375 → 62.
  assert.deepEqual(runScore(balancedAllocationScore, makePod('big', { cpu: '8', memory: '1Gi' }), [nodes[0]]), [62]);
});
