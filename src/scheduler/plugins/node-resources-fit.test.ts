import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Container } from 'kubernetes-types/core/v1';
import { podInfoOf } from '../pod-info.ts';
import { makeNode, makePod, nodeWith, runFilter, runScore } from '../testing.ts';
import { leastAllocatedScore, nodeResourcesFit } from './node-resources-fit.ts';

const requesting = (cpu: string) => makePod(`used-${cpu}`, { cpu });

test('seed 000: 1670m of 1900m requested leaves no room for a 500m pod', () => {
  // The AKS node from the blog post: 1900m allocatable, pods already asking for 1670m.
  const node = nodeWith(makeNode('aks', { cpu: '1900m', memory: '4652372Ki', pods: '30' }),
    ['500m', '500m', '100m', '50m', '100m', '100m', '20m', '30m', '30m', '20m', '20m', '100m', '50m', '50m'].map((c, i) => makePod(`sys-${i}`, { cpu: c })));
  assert.equal(node.requested.milliCPU, 1670);
  assert.deepEqual(runFilter(nodeResourcesFit, makePod('archetype', { cpu: '500m', memory: '64Mi' }), node), { code: 'Unschedulable', reasons: ['Insufficient cpu'] });
  // Without requests it fits (only the pod count matters).
  assert.equal(runFilter(nodeResourcesFit, makePod('archetype'), node), null);
  assert.equal(runFilter(nodeResourcesFit, makePod('small', { cpu: '230m' }), node), null);
});

test('NodeResourcesFit reports every shortfall with upstream words', () => {
  const cases: Array<{ name: string; node: ReturnType<typeof makeNode>; running?: ReturnType<typeof makePod>[]; pod: ReturnType<typeof makePod>; want: string[] | null }> = [
    { name: 'fits', node: makeNode('n', { cpu: '2' }), pod: makePod('p', { cpu: '2' }), want: null },
    { name: 'cpu', node: makeNode('n', { cpu: '2' }), running: [requesting('1')], pod: makePod('p', { cpu: '1001m' }), want: ['Insufficient cpu'] },
    { name: 'memory', node: makeNode('n', { memory: '1Gi' }), pod: makePod('p', { memory: '2Gi' }), want: ['Insufficient memory'] },
    { name: 'cpu and memory', node: makeNode('n', { cpu: '1', memory: '1Gi' }), pod: makePod('p', { cpu: '2', memory: '2Gi' }), want: ['Insufficient cpu', 'Insufficient memory'] },
    { name: 'pods', node: makeNode('n', { pods: '1' }), running: [makePod('x')], pod: makePod('p'), want: ['Too many pods'] },
    { name: 'pods and cpu', node: makeNode('n', { pods: '1', cpu: '1' }), running: [requesting('1')], pod: makePod('p', { cpu: '1' }), want: ['Too many pods', 'Insufficient cpu'] },
    {
      name: 'ephemeral storage', node: makeNode('n', { allocatable: { 'ephemeral-storage': '10Gi' } }),
      pod: makePod('p', { container: { resources: { requests: { 'ephemeral-storage': '20Gi' } } } }), want: ['Insufficient ephemeral-storage'],
    },
    {
      name: 'extended resource missing on the node', node: makeNode('n'),
      pod: makePod('p', { container: { resources: { requests: { 'nvidia.com/gpu': '1' }, limits: { 'nvidia.com/gpu': '1' } } } }), want: ['Insufficient nvidia.com/gpu'],
    },
    {
      name: 'extended resource available', node: makeNode('n', { allocatable: { 'nvidia.com/gpu': '2' } }),
      pod: makePod('p', { container: { resources: { requests: { 'nvidia.com/gpu': '2' }, limits: { 'nvidia.com/gpu': '2' } } } }), want: null,
    },
  ];
  for (const c of cases) {
    const status = runFilter(nodeResourcesFit, c.pod, nodeWith(c.node, c.running ?? []));
    assert.deepEqual(status, c.want ? { code: 'Unschedulable', reasons: c.want } : null, c.name);
  }
});

test('pod requests: init containers, sidecars and overhead count as upstream', () => {
  const c = (name: string, cpu: string, extra: Partial<Container> = {}): Container => ({ name, image: 'x', resources: { requests: { cpu } }, ...extra });
  const cases: Array<{ name: string; spec: Parameters<typeof makePod>[1]; want: number }> = [
    { name: 'app containers add up', spec: { spec: { containers: [c('a', '100m'), c('b', '200m')] } }, want: 300 },
    { name: 'a larger init container wins', spec: { spec: { containers: [c('a', '100m')], initContainers: [c('i', '500m')] } }, want: 500 },
    { name: 'a smaller init container does not count', spec: { spec: { containers: [c('a', '600m')], initContainers: [c('i', '500m')] } }, want: 600 },
    {
      name: 'sidecars run beside the app and later init containers',
      spec: { spec: { containers: [c('a', '100m')], initContainers: [c('side', '200m', { restartPolicy: 'Always' }), c('i', '250m')] } },
      want: 450, // max(100 + 200, 250 + 200)
    },
    { name: 'overhead is added', spec: { spec: { containers: [c('a', '100m')], overhead: { cpu: '50m' } } }, want: 150 },
  ];
  for (const x of cases) assert.equal(podInfoOf(makePod('p', x.spec)).requests.milliCPU, x.want, x.name);
  // Spreading counts 100m / 200Mi for containers that ask for nothing.
  const none = podInfoOf(makePod('p'));
  assert.deepEqual([none.requests.milliCPU, none.nonZeroMilliCPU, none.nonZeroMemory], [0, 100, 200 * 1024 * 1024]);
});

test('LeastAllocated prefers the node with the most cpu and memory left', () => {
  const nodes = [
    nodeWith(makeNode('empty', { cpu: '4', memory: '8Gi' })),
    nodeWith(makeNode('half', { cpu: '4', memory: '8Gi' }), [makePod('x', { cpu: '2', memory: '4Gi' })]),
    nodeWith(makeNode('full', { cpu: '4', memory: '8Gi' }), [makePod('y', { cpu: '4', memory: '8Gi' })]),
  ];
  const pod = makePod('p', { cpu: '1', memory: '2Gi' });
  // empty: (3/4 free → 75) both; half: 25 both; full: over-committed → 0.
  assert.deepEqual(runScore(leastAllocatedScore, pod, nodes), [75, 25, 0]);
});
