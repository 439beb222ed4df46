import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type PodObject, deleteFirst, isPodActive, isPodAvailable, isPodReady, podsToDelete } from './pod-ranking.ts';

const NOW = new Date('2024-02-25T12:00:00Z');
const ago = (s: number) => new Date(NOW.getTime() - s * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');

interface PodOpts {
  name?: string; uid?: string; node?: string; phase?: string; readySince?: number; restarts?: number;
  createdAgo?: number; cost?: string; deleting?: boolean;
}
function pod(o: PodOpts = {}): PodObject {
  return {
    metadata: {
      name: o.name ?? 'p', uid: o.uid ?? o.name ?? 'p', creationTimestamp: ago(o.createdAgo ?? 1000),
      ...(o.cost !== undefined ? { annotations: { 'controller.kubernetes.io/pod-deletion-cost': o.cost } } : {}),
      ...(o.deleting ? { deletionTimestamp: ago(0) } : {}),
    },
    spec: { containers: [{ name: 'c' }], ...(o.node ? { nodeName: o.node } : {}) },
    status: {
      phase: o.phase ?? 'Running',
      conditions: [{ type: 'Ready', status: o.readySince === undefined ? 'False' : 'True', lastTransitionTime: ago(o.readySince ?? 500) }],
      containerStatuses: [{ name: 'c', image: 'i', imageID: '', ready: true, restartCount: o.restarts ?? 0 }],
    },
  };
}

test('pod state helpers', () => {
  assert.equal(isPodActive(pod()), true);
  assert.equal(isPodActive(pod({ phase: 'Succeeded' })), false);
  assert.equal(isPodActive(pod({ phase: 'Failed' })), false);
  assert.equal(isPodActive(pod({ deleting: true })), false);
  assert.equal(isPodReady(pod({ readySince: 10 })), true);
  assert.equal(isPodReady(pod()), false);
  assert.equal(isPodAvailable(pod({ readySince: 10 }), 0, NOW), true);
  assert.equal(isPodAvailable(pod({ readySince: 10 }), 5, NOW), true);
  assert.equal(isPodAvailable(pod({ readySince: 10 }), 10, NOW), false, 'ready exactly minReadySeconds is not yet available');
  assert.equal(isPodAvailable(pod(), 0, NOW), false);
});

test('deleteFirst ranks the least useful pod first, criterion by criterion', () => {
  const cases: Array<[string, PodOpts, PodOpts, number, number]> = [
    ['unscheduled before scheduled', { readySince: 10 }, { node: 'n1', readySince: 10 }, 0, 0],
    ['pending before running', { node: 'n1', phase: 'Pending' }, { node: 'n1' }, 0, 0],
    ['unknown before running', { node: 'n1', phase: 'Unknown' }, { node: 'n1' }, 0, 0],
    ['not ready before ready', { node: 'n1' }, { node: 'n1', readySince: 10 }, 0, 0],
    ['lower deletion cost first', { node: 'n1', readySince: 10, cost: '-5' }, { node: 'n1', readySince: 10, cost: '3' }, 0, 0],
    ['doubled up before alone', { node: 'n1', readySince: 10 }, { node: 'n2', readySince: 10 }, 2, 1],
    ['ready for less time first (different age buckets)', { node: 'n1', readySince: 10 }, { node: 'n1', readySince: 10_000 }, 0, 0],
    ['more restarts first', { node: 'n1', readySince: 100, restarts: 3 }, { node: 'n1', readySince: 100, restarts: 1 }, 0, 0],
    ['newer first', { node: 'n1', readySince: 100, createdAgo: 200 }, { node: 'n1', readySince: 100, createdAgo: 100_000 }, 0, 0],
  ];
  for (const [name, a, b, rankA, rankB] of cases) {
    const pa = { pod: pod({ name: 'a', ...a }), rank: rankA };
    const pb = { pod: pod({ name: 'b', ...b }), rank: rankB };
    assert.equal(deleteFirst(pa, pb, NOW), true, name);
    assert.equal(deleteFirst(pb, pa, NOW), false, `${name} (reversed)`);
  }
});

test('ages in the same power-of-two bucket count as equal; the uid breaks the tie', () => {
  // Ready 3600 s and 3601 s ago: log2 of the nanoseconds is the same.
  const a = { pod: pod({ name: 'a', uid: 'uid-b', readySince: 3600 }), rank: 0 };
  const b = { pod: pod({ name: 'b', uid: 'uid-a', readySince: 3601 }), rank: 0 };
  assert.equal(deleteFirst(b, a, NOW), true);
  assert.equal(deleteFirst(a, b, NOW), false);
});

test('podsToDelete picks the least useful pods, counting siblings on the same node', () => {
  const pods = [
    pod({ name: 'ready-alone', node: 'n1', readySince: 100 }),
    pod({ name: 'pending', node: 'n2', phase: 'Pending' }),
    pod({ name: 'ready-crowded', node: 'n3', readySince: 100 }),
    pod({ name: 'unscheduled', phase: 'Pending' }),
  ];
  // n3 also runs two pods of a sibling ReplicaSet.
  const related = [...pods, pod({ name: 's1', node: 'n3' }), pod({ name: 's2', node: 'n3' }), pod({ name: 'gone', node: 'n1', deleting: true })];
  assert.deepEqual(podsToDelete(pods, related, 3, NOW).map((p) => p.metadata?.name), ['unscheduled', 'pending', 'ready-crowded']);
  assert.deepEqual(podsToDelete(pods, related, 9, NOW).map((p) => p.metadata?.name), pods.map((p) => p.metadata?.name), 'all of them, unsorted');
});
