import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DeploymentStatus } from 'kubernetes-types/apps/v1';
import {
  type DeploymentObject, type ReplicaSetObject, deploymentTimedOut, equalIgnoreHash, findNewReplicaSet, maxSurge, maxUnavailable,
  newCondition, newReplicaSetReplicas, resolveFenceposts, setCondition, setNewReplicaSetAnnotations,
} from './deployment-util.ts';

function deployment(replicas: number, maxSurge?: number | string, maxUnavailable?: number | string, type = 'RollingUpdate'): DeploymentObject {
  return {
    metadata: { name: 'web', namespace: 'default', uid: 'd-uid', generation: 1 },
    spec: {
      replicas, selector: { matchLabels: { app: 'web' } },
      strategy: type === 'RollingUpdate' ? { type, rollingUpdate: { maxSurge, maxUnavailable } } : { type },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx' }] } },
      progressDeadlineSeconds: 600,
    },
  };
}

test('fenceposts: percentages round surge up and unavailability down; both zero allows one unavailable', () => {
  const cases: Array<[number, number | string, number | string, [number, number]]> = [
    [2, '25%', '25%', [1, 0]],
    [4, '25%', '25%', [1, 1]],
    [10, '30%', '30%', [3, 3]],
    [10, '1%', '1%', [1, 0]],
    [10, '0%', '1%', [0, 1]],
    [10, 0, 0, [0, 1]],
    [3, 2, 1, [2, 1]],
    [0, '25%', '25%', [0, 1]],
  ];
  for (const [replicas, surge, unavailable, want] of cases) {
    assert.deepEqual(resolveFenceposts(deployment(replicas, surge, unavailable)), want, `${replicas} ${surge}/${unavailable}`);
  }
  assert.equal(maxUnavailable(deployment(2, 0, 5)), 2, 'never more than the replicas');
  assert.equal(maxUnavailable(deployment(0, 1, 1)), 0);
  assert.equal(maxSurge(deployment(3, 0, 0, 'Recreate')), 0);
  assert.equal(maxUnavailable(deployment(3, 0, 0, 'Recreate')), 0);
});

test('newReplicaSetReplicas: grows the new ReplicaSet up to replicas+maxSurge in total, never past replicas', () => {
  const rs = (replicas: number): ReplicaSetObject => ({ metadata: { name: `rs${replicas}` }, spec: { replicas, selector: {} } });
  const d = deployment(10, 3, 2);
  const newRS = rs(2);
  assert.equal(newReplicaSetReplicas(d, [rs(8), newRS], newRS), 5);
  assert.equal(newReplicaSetReplicas(d, [rs(11), newRS], newRS), 2, 'at the surge limit');
  assert.equal(newReplicaSetReplicas(d, [rs(0), newRS], newRS), 10, 'never past replicas');
  assert.equal(newReplicaSetReplicas(deployment(10, 0, 0, 'Recreate'), [rs(8), newRS], newRS), 10);
});

test('setNewReplicaSetAnnotations: revision, copied annotations, replica annotations for a new ReplicaSet', () => {
  const d = deployment(3, 1, 1);
  d.metadata!.annotations = {
    'kubernetes.io/change-cause': 'kubectl set image', 'deployment.kubernetes.io/revision': '7',
    'kubectl.kubernetes.io/last-applied-configuration': '{}',
  };
  const rs: ReplicaSetObject = { metadata: { name: 'web-x' }, spec: { replicas: 3, selector: {} } };
  assert.equal(setNewReplicaSetAnnotations(d, rs, 2, false), true);
  assert.deepEqual(rs.metadata?.annotations, {
    'kubernetes.io/change-cause': 'kubectl set image', 'deployment.kubernetes.io/revision': '2',
    'deployment.kubernetes.io/desired-replicas': '3', 'deployment.kubernetes.io/max-replicas': '4',
  });
  assert.equal(setNewReplicaSetAnnotations(d, rs, 2, true), false, 'nothing left to change');
  assert.equal(setNewReplicaSetAnnotations(d, rs, 1, true), false, 'a revision never goes back');
});

test('setNewReplicaSetAnnotations: reusing an old ReplicaSet moves its revision forward and remembers the old ones', () => {
  const d = deployment(3, 1, 1);
  const rs: ReplicaSetObject = { metadata: { name: 'web-x', annotations: { 'deployment.kubernetes.io/revision': '1' } }, spec: { replicas: 0, selector: {} } };
  assert.equal(setNewReplicaSetAnnotations(d, rs, 3, true), true);
  assert.equal(rs.metadata?.annotations?.['deployment.kubernetes.io/revision'], '3');
  assert.equal(rs.metadata?.annotations?.['deployment.kubernetes.io/revision-history'], '1');
  setNewReplicaSetAnnotations(d, rs, 5, true);
  assert.equal(rs.metadata?.annotations?.['deployment.kubernetes.io/revision-history'], '1,3');
  assert.equal(rs.metadata?.annotations?.['deployment.kubernetes.io/desired-replicas'], undefined, 'existing ReplicaSets keep their replica annotations');
});

test('setCondition keeps a condition with the same status and reason, and the transition time when only the reason changes', () => {
  const t0 = new Date('2024-01-01T00:00:00Z');
  const t1 = new Date('2024-01-01T00:01:00Z');
  const status: DeploymentStatus = {};
  setCondition(status, newCondition('Progressing', 'True', 'NewReplicaSetCreated', 'a', t0));
  setCondition(status, newCondition('Available', 'False', 'MinimumReplicasUnavailable', 'b', t0));
  setCondition(status, newCondition('Available', 'False', 'MinimumReplicasUnavailable', 'b2', t1));
  assert.equal(status.conditions![1].message, 'b', 'same status and reason: unchanged');
  setCondition(status, newCondition('Progressing', 'True', 'ReplicaSetUpdated', 'c', t1));
  assert.deepEqual(status.conditions!.map((c) => c.type), ['Available', 'Progressing'], 'a changed condition moves to the end');
  assert.equal(status.conditions![1].lastTransitionTime, '2024-01-01T00:00:00Z');
  assert.equal(status.conditions![1].lastUpdateTime, '2024-01-01T00:01:00Z');
  setCondition(status, newCondition('Progressing', 'False', 'ProgressDeadlineExceeded', 'd', t1));
  assert.equal(status.conditions![1].lastTransitionTime, '2024-01-01T00:01:00Z');
});

test('findNewReplicaSet ignores the pod-template-hash label and prefers the oldest match', () => {
  const d = deployment(1, 1, 1);
  const tpl = (image: string, hash: string) => ({ metadata: { labels: { app: 'web', 'pod-template-hash': hash } }, spec: { containers: [{ name: 'web', image }] } });
  const rs = (name: string, created: string, image: string): ReplicaSetObject =>
    ({ metadata: { name, creationTimestamp: created }, spec: { selector: {}, template: tpl(image, name) } });
  assert.equal(equalIgnoreHash(tpl('nginx', 'a'), d.spec?.template), true);
  const found = findNewReplicaSet(d, [rs('newer', '2024-01-02T00:00:00Z', 'nginx'), rs('other', '2024-01-01T00:00:00Z', 'nginx:2'), rs('older', '2024-01-01T00:00:00Z', 'nginx')]);
  assert.equal(found?.metadata?.name, 'older');
});

test('deploymentTimedOut: only after progressDeadlineSeconds without progress', () => {
  const d = deployment(1, 1, 1);
  const since = new Date('2024-01-01T00:00:00Z');
  const status: DeploymentStatus = { conditions: [newCondition('Progressing', 'True', 'ReplicaSetUpdated', 'x', since)] };
  assert.equal(deploymentTimedOut(d, status, new Date(since.getTime() + 600_000)), false);
  assert.equal(deploymentTimedOut(d, status, new Date(since.getTime() + 600_001)), true);
  const done: DeploymentStatus = { conditions: [newCondition('Progressing', 'True', 'NewReplicaSetAvailable', 'x', since)] };
  assert.equal(deploymentTimedOut(d, done, new Date(since.getTime() + 10_000_000)), false);
});
