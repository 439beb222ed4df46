import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Toleration } from 'kubernetes-types/core/v1';
import { makeNode, makePod, nodeWith, runFilter } from '../testing.ts';
import { nodeUnschedulable } from './node-unschedulable.ts';

test('NodeUnschedulable keeps pods off cordoned nodes unless they tolerate the unschedulable taint', () => {
  const cases: Array<{ name: string; cordoned: boolean; tolerations?: Toleration[]; want: string | null }> = [
    { name: 'schedulable node', cordoned: false, want: null },
    { name: 'cordoned node', cordoned: true, want: 'node(s) were unschedulable' },
    { name: 'tolerates the taint by key', cordoned: true, tolerations: [{ key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' }], want: null },
    { name: 'tolerates everything', cordoned: true, tolerations: [{ operator: 'Exists' }], want: null },
    { name: 'tolerates another effect only', cordoned: true, tolerations: [{ key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoExecute' }], want: 'node(s) were unschedulable' },
  ];
  for (const c of cases) {
    const status = runFilter(nodeUnschedulable, makePod('p', { spec: { tolerations: c.tolerations } }), nodeWith(makeNode('n', { unschedulable: c.cordoned })));
    assert.equal(status?.reasons.join(), c.want ?? undefined, c.name);
    if (status) assert.equal(status.code, 'UnschedulableAndUnresolvable', c.name);
  }
});
