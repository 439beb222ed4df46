import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { NodeSelectorTerm, PreferredSchedulingTerm } from 'kubernetes-types/core/v1';
import { makeNode, makePod, nodeWith, runFilter, runScore } from '../testing.ts';
import { nodeAffinityFilter, nodeAffinityScore } from './node-affinity.ts';

const node = nodeWith(makeNode('node-1', { labels: { disk: 'ssd', zone: 'a', cores: '8' } }));
const requiring = (terms: NodeSelectorTerm[]) => makePod('p', { spec: { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms } } } } });

test('NodeAffinity filter: nodeSelector and required terms', () => {
  const cases: Array<{ name: string; pod: ReturnType<typeof makePod>; fits: boolean }> = [
    { name: 'nothing asked', pod: makePod('p'), fits: true },
    { name: 'nodeSelector matches', pod: makePod('p', { spec: { nodeSelector: { disk: 'ssd' } } }), fits: true },
    { name: 'nodeSelector differs', pod: makePod('p', { spec: { nodeSelector: { disk: 'hdd' } } }), fits: false },
    { name: 'nodeSelector key missing', pod: makePod('p', { spec: { nodeSelector: { gpu: 'yes' } } }), fits: false },
    { name: 'In', pod: requiring([{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a', 'b'] }] }]), fits: true },
    { name: 'NotIn', pod: requiring([{ matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['a'] }] }]), fits: false },
    { name: 'NotIn on a missing label', pod: requiring([{ matchExpressions: [{ key: 'rack', operator: 'NotIn', values: ['r1'] }] }]), fits: true },
    { name: 'Exists', pod: requiring([{ matchExpressions: [{ key: 'disk', operator: 'Exists' }] }]), fits: true },
    { name: 'DoesNotExist', pod: requiring([{ matchExpressions: [{ key: 'disk', operator: 'DoesNotExist' }] }]), fits: false },
    { name: 'Gt', pod: requiring([{ matchExpressions: [{ key: 'cores', operator: 'Gt', values: ['4'] }] }]), fits: true },
    { name: 'Lt', pod: requiring([{ matchExpressions: [{ key: 'cores', operator: 'Lt', values: ['4'] }] }]), fits: false },
    { name: 'terms are ORed', pod: requiring([{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['b'] }] }, { matchExpressions: [{ key: 'disk', operator: 'In', values: ['ssd'] }] }]), fits: true },
    { name: 'expressions are ANDed', pod: requiring([{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }, { key: 'disk', operator: 'In', values: ['hdd'] }] }]), fits: false },
    { name: 'matchFields on the name', pod: requiring([{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['node-1'] }] }]), fits: true },
    { name: 'matchFields on another name', pod: requiring([{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['node-2'] }] }]), fits: false },
    { name: 'an empty term matches nothing', pod: requiring([{}]), fits: false },
    { name: 'selector and affinity both apply', pod: makePod('p', { spec: { nodeSelector: { disk: 'hdd' }, affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'Exists' }] }] } } } } }), fits: false },
  ];
  for (const c of cases) {
    const status = runFilter(nodeAffinityFilter, c.pod, node);
    assert.equal(status === null, c.fits, c.name);
    if (status) assert.deepEqual(status, { code: 'UnschedulableAndUnresolvable', reasons: ["node(s) didn't match Pod's node affinity/selector"] });
  }
});

test('NodeAffinity score sums matching preferred weights, scaled to the best node', () => {
  const preferring = (terms: PreferredSchedulingTerm[]) => makePod('p', { spec: { affinity: { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: terms } } } });
  const nodes = [
    nodeWith(makeNode('ssd-a', { labels: { disk: 'ssd', zone: 'a' } })),
    nodeWith(makeNode('ssd-b', { labels: { disk: 'ssd', zone: 'b' } })),
    nodeWith(makeNode('hdd-a', { labels: { disk: 'hdd', zone: 'a' } })),
  ];
  const pod = preferring([
    { weight: 60, preference: { matchExpressions: [{ key: 'disk', operator: 'In', values: ['ssd'] }] } },
    { weight: 20, preference: { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] } },
  ]);
  assert.deepEqual(runScore(nodeAffinityScore, pod, nodes), [100, 75, 25]);
  assert.deepEqual(runScore(nodeAffinityScore, makePod('p'), nodes), [0, 0, 0]);
});
