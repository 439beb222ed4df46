import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Node } from 'kubernetes-types/core/v1';
import { outOfServicePodsToDelete, terminatedPodsToDelete } from './pod-gc-controller.ts';
import type { PodObject } from './pod-ranking.ts';

function pod(name: string, phase: string, created: string, extra: { reason?: string; deleting?: boolean; node?: string } = {}): PodObject {
  return {
    metadata: { name, namespace: 'default', creationTimestamp: created, ...(extra.deleting ? { deletionTimestamp: created } : {}) },
    spec: { containers: [], nodeName: extra.node },
    status: { phase, ...(extra.reason ? { reason: extra.reason } : {}) },
  };
}

test('finished pods beyond the threshold go, evicted ones first, then the oldest', () => {
  const pods = [
    pod('running', 'Running', '2020-01-01T00:00:00Z'),
    pod('new-done', 'Succeeded', '2025-01-03T00:00:00Z'),
    pod('old-failed', 'Failed', '2025-01-01T00:00:00Z'),
    pod('evicted', 'Failed', '2025-01-05T00:00:00Z', { reason: 'Evicted' }),
    pod('b-same-age', 'Succeeded', '2025-01-02T00:00:00Z'),
    pod('a-same-age', 'Succeeded', '2025-01-02T00:00:00Z'),
  ];
  const names = (n: number) => terminatedPodsToDelete(pods, n).map((p) => p.metadata?.name);
  assert.deepEqual(names(2), ['evicted', 'old-failed', 'a-same-age']);
  assert.deepEqual(names(5), []);
  assert.deepEqual(names(0), [], 'a threshold of 0 keeps everything');
});

test('terminating pods are collected from not-ready nodes tainted out-of-service only', () => {
  const outOfService = { key: 'node.kubernetes.io/out-of-service', value: 'nodeshutdown', effect: 'NoExecute' };
  const nodes: Record<string, Node> = {
    down: { spec: { taints: [outOfService] }, status: { conditions: [{ type: 'Ready', status: 'Unknown' }] } },
    'down-untainted': { status: { conditions: [{ type: 'Ready', status: 'Unknown' }] } },
    'up-tainted': { spec: { taints: [outOfService] }, status: { conditions: [{ type: 'Ready', status: 'True' }] } },
  };
  const pods = [
    pod('t1', 'Running', '2025-01-01T00:00:00Z', { deleting: true, node: 'down' }),
    pod('live', 'Running', '2025-01-01T00:00:00Z', { node: 'down' }),
    pod('t2', 'Running', '2025-01-01T00:00:00Z', { deleting: true, node: 'down-untainted' }),
    pod('t3', 'Running', '2025-01-01T00:00:00Z', { deleting: true, node: 'up-tainted' }),
  ];
  assert.deepEqual(outOfServicePodsToDelete(pods, (n) => nodes[n]).map((p) => p.metadata?.name), ['t1']);
});
