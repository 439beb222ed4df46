import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Node, NodeCondition } from 'kubernetes-types/core/v1';
import {
  TokenBucket, ZoneTainter, conditionTaints, noScheduleTaintChanges, silentNodeConditions, swapTaints, zoneKey, zoneState,
} from './node-health.ts';

const NOW = new Date('2025-01-01T12:00:00Z');

function cond(type: string, status: string): NodeCondition {
  return { type, status, reason: 'KubeletSays', message: 'fine', lastHeartbeatTime: '2025-01-01T11:00:00Z', lastTransitionTime: '2025-01-01T10:00:00Z' };
}

test('a silent node\'s kubelet conditions go Unknown; ones never posted are added', () => {
  const node: Node = {
    metadata: { name: 'n', creationTimestamp: '2025-01-01T09:00:00Z' },
    status: { conditions: [cond('Ready', 'True'), cond('MemoryPressure', 'False'), cond('NetworkUnavailable', 'False')] },
  };
  const out = silentNodeConditions(node, NOW)!;
  assert.deepEqual(out.find((c) => c.type === 'Ready'), {
    type: 'Ready', status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.',
    lastHeartbeatTime: '2025-01-01T11:00:00Z', lastTransitionTime: '2025-01-01T12:00:00Z',
  });
  assert.equal(out.find((c) => c.type === 'MemoryPressure')?.status, 'Unknown');
  assert.equal(out.find((c) => c.type === 'NetworkUnavailable')?.status, 'False', 'the network\'s condition is not the kubelet\'s');
  assert.deepEqual(out.find((c) => c.type === 'PIDPressure'), {
    type: 'PIDPressure', status: 'Unknown', reason: 'NodeStatusNeverUpdated', message: 'Kubelet never posted node status.',
    lastHeartbeatTime: '2025-01-01T09:00:00Z', lastTransitionTime: '2025-01-01T12:00:00Z',
  });
  assert.equal(silentNodeConditions({ ...node, status: { conditions: out } }, NOW), undefined, 'nothing left to change');
});

test('conditions call for NoSchedule taints; only condition taints are added or removed', () => {
  const cases: Array<[string, NodeCondition[], boolean, string[]]> = [
    ['ready', [cond('Ready', 'True')], false, []],
    ['not ready', [cond('Ready', 'False')], false, ['node.kubernetes.io/not-ready']],
    ['unknown', [cond('Ready', 'Unknown')], false, ['node.kubernetes.io/unreachable']],
    ['pressure', [cond('Ready', 'True'), cond('MemoryPressure', 'True'), cond('DiskPressure', 'True'), cond('PIDPressure', 'True')], false,
      ['node.kubernetes.io/memory-pressure', 'node.kubernetes.io/disk-pressure', 'node.kubernetes.io/pid-pressure']],
    ['network', [cond('NetworkUnavailable', 'True')], false, ['node.kubernetes.io/network-unavailable']],
    ['cordoned', [cond('Ready', 'True')], true, ['node.kubernetes.io/unschedulable']],
  ];
  for (const [name, conditions, unschedulable, keys] of cases) {
    const taints = conditionTaints({ spec: { unschedulable }, status: { conditions } });
    assert.deepEqual(taints.map((t) => t.key), keys, name);
    assert.ok(taints.every((t) => t.effect === 'NoSchedule'), name);
  }
  const node: Node = { spec: { taints: [
    { key: 'node.kubernetes.io/unreachable', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' },
    { key: 'example.com/mine', effect: 'NoSchedule' },
  ] } };
  assert.deepEqual(noScheduleTaintChanges(node, [{ key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' }]), {
    add: [{ key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' }],
    remove: [{ key: 'node.kubernetes.io/unreachable', effect: 'NoSchedule' }],
  });
});

test('swapTaints stamps added taints, keeps existing ones and says when nothing changes', () => {
  const taints = [{ key: 'a', effect: 'NoExecute', timeAdded: '2024-01-01T00:00:00Z' }, { key: 'b', effect: 'NoSchedule' }];
  assert.deepEqual(swapTaints(taints, [{ key: 'c', effect: 'NoExecute' }], [{ key: 'b', effect: 'NoSchedule' }], NOW), [
    { key: 'a', effect: 'NoExecute', timeAdded: '2024-01-01T00:00:00Z' }, { key: 'c', effect: 'NoExecute', timeAdded: '2025-01-01T12:00:00Z' },
  ]);
  assert.equal(swapTaints(taints, [{ key: 'a', effect: 'NoExecute' }], [{ key: 'z', effect: 'NoExecute' }], NOW), undefined);
});

test('zone keys and zone states follow upstream', () => {
  assert.equal(zoneKey({ metadata: {} }), '');
  assert.equal(zoneKey({ metadata: { labels: { 'topology.kubernetes.io/zone': 'z1', 'topology.kubernetes.io/region': 'r' } } }), 'r:\u0000:z1');
  assert.equal(zoneKey({ metadata: { labels: { 'failure-domain.beta.kubernetes.io/zone': 'old' } } }), ':\u0000:old');
  const r = (s: string) => (s === '-' ? undefined : cond('Ready', s));
  const cases: Array<[string[], string, number]> = [
    [['True', 'True'], 'Normal', 0],
    [['True', 'Unknown'], 'Normal', 1],
    [['Unknown'], 'FullDisruption', 1],
    [['False', '-'], 'FullDisruption', 2],
    [['True', 'False', 'Unknown', 'Unknown'], 'PartialDisruption', 3],
    [['True', 'True', 'False', 'Unknown', 'Unknown'], 'PartialDisruption', 3],
    [['True', 'True', 'True', 'False', 'Unknown', 'Unknown'], 'Normal', 3],
    [['True', 'False', 'False'], 'Normal', 2],
  ];
  for (const [statuses, state, unhealthy] of cases) assert.deepEqual(zoneState(statuses.map(r), 0.55), { state, unhealthy }, statuses.join(','));
});

test('the token bucket lets one through, then one per 1/qps seconds; qps 0 never', () => {
  const b = new TokenBucket(0.1, 0);
  assert.equal(b.tryAccept(0), true);
  assert.equal(b.tryAccept(5_000), false);
  assert.equal(b.msUntilToken(5_000), 5_000);
  assert.equal(b.tryAccept(10_000), true);
  assert.equal(new TokenBucket(0, 0).tryAccept(1e9), false);
});

test('a zone tainter processes queued nodes at its limiter\'s pace and does not requeue known nodes', async () => {
  let t = 0;
  const z = new ZoneTainter(1, t);
  const seen: string[] = [];
  assert.equal(z.add('a', t), true);
  assert.equal(z.add('b', t), true);
  assert.equal(z.add('a', t), false);
  let wait = await z.process(async (n) => { seen.push(n); return true; }, () => t);
  assert.deepEqual(seen, ['a']);
  assert.equal(wait, 1000);
  t = 1000;
  wait = await z.process(async (n) => { seen.push(n); return true; }, () => t);
  assert.deepEqual(seen, ['a', 'b']);
  assert.equal(wait, undefined);
  assert.equal(z.add('a', t), false, 'still known until removed');
  assert.equal(z.remove('a'), true);
  assert.equal(z.add('a', t), true);
  z.swapLimiter(0, t);
  assert.equal(await z.process(async () => true, () => t), Infinity, 'a stopped limiter lets nothing through');
});
