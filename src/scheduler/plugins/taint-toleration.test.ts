import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Taint, Toleration } from 'kubernetes-types/core/v1';
import { makeNode, makePod, nodeWith, runFilter, runScore } from '../testing.ts';
import { taintTolerationFilter, taintTolerationScore, toleratesTaint } from './taint-toleration.ts';

const CONTROL_PLANE: Taint = { key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' };

test('toleratesTaint matches key, value, operator and effect as upstream', () => {
  const taint: Taint = { key: 'dedicated', value: 'gpu', effect: 'NoSchedule' };
  const cases: Array<[Toleration, boolean]> = [
    [{ key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' }, true],
    [{ key: 'dedicated', value: 'gpu' }, true], // operator defaults to Equal; any effect
    [{ key: 'dedicated', operator: 'Equal', value: 'cpu' }, false],
    [{ key: 'dedicated', operator: 'Exists' }, true],
    [{ key: 'other', operator: 'Exists' }, false],
    [{ operator: 'Exists' }, true], // empty key with Exists tolerates everything
    [{ key: 'dedicated', operator: 'Exists', effect: 'NoExecute' }, false],
  ];
  for (const [t, want] of cases) assert.equal(toleratesTaint(t, taint), want, JSON.stringify(t));
});

test('TaintToleration filter rejects the first untolerated NoSchedule/NoExecute taint', () => {
  const cases: Array<{ name: string; taints: Taint[]; tolerations?: Toleration[]; want: string | null }> = [
    { name: 'no taints', taints: [], want: null },
    { name: 'control plane', taints: [CONTROL_PLANE], want: 'node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }' },
    { name: 'control plane tolerated', taints: [CONTROL_PLANE], tolerations: [{ key: 'node-role.kubernetes.io/control-plane', operator: 'Exists', effect: 'NoSchedule' }], want: null },
    { name: 'with a value', taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoExecute' }], want: 'node(s) had untolerated taint {dedicated: gpu}' },
    { name: 'PreferNoSchedule only scores', taints: [{ key: 'soft', effect: 'PreferNoSchedule' }], want: null },
    { name: 'second taint untolerated', taints: [CONTROL_PLANE, { key: 'b', value: '1', effect: 'NoSchedule' }], tolerations: [{ key: 'node-role.kubernetes.io/control-plane', operator: 'Exists' }], want: 'node(s) had untolerated taint {b: 1}' },
  ];
  for (const c of cases) {
    const status = runFilter(taintTolerationFilter, makePod('p', { spec: { tolerations: c.tolerations } }), nodeWith(makeNode('n', { taints: c.taints })));
    assert.equal(status?.reasons.join() ?? null, c.want, c.name);
    if (status) assert.equal(status.code, 'UnschedulableAndUnresolvable');
  }
});

test('TaintToleration score prefers nodes with fewer untolerated PreferNoSchedule taints', () => {
  const soft = (key: string): Taint => ({ key, effect: 'PreferNoSchedule' });
  const nodes = [nodeWith(makeNode('clean')), nodeWith(makeNode('one', { taints: [soft('a')] })), nodeWith(makeNode('two', { taints: [soft('a'), soft('b')] }))];
  assert.deepEqual(runScore(taintTolerationScore, makePod('p'), nodes), [100, 50, 0]);
  // Tolerating `a` makes the first two equal.
  const tolerant = makePod('p', { spec: { tolerations: [{ key: 'a', operator: 'Exists', effect: 'PreferNoSchedule' }] } });
  assert.deepEqual(runScore(taintTolerationScore, tolerant, nodes), [100, 100, 0]);
  // No soft taints anywhere: every node gets the maximum.
  assert.deepEqual(runScore(taintTolerationScore, makePod('p'), [nodes[0], nodeWith(makeNode('x'))]), [100, 100]);
});
