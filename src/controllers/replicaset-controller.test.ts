import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ReplicaSetObject } from './deployment-util.ts';
import type { PodObject } from './pod-ranking.ts';
import { calculateReplicaSetStatus, podFromTemplate, slowStartBatch } from './replicaset-controller.ts';

const NOW = new Date('2024-02-25T12:00:00Z');

test('slowStartBatch runs batches of 1, 2, 4, ... and stops after a batch with a failure', async () => {
  const batches: number[] = [];
  let inFlight = 0;
  let calls = 0;
  const run = (failAt: number) => () => {
    const n = ++calls;
    // A call starting while none is running begins a new batch.
    if (inFlight === 0) batches.push(0);
    batches[batches.length - 1]++;
    inFlight++;
    return new Promise<void>((resolve, reject) => setImmediate(() => {
      inFlight--;
      if (n === failAt) reject(new Error('quota exceeded')); else resolve();
    }));
  };
  assert.deepEqual(await slowStartBatch(10, 1, run(0)), { successes: 10 });
  assert.deepEqual(batches, [1, 2, 4, 3]);

  batches.length = 0;
  calls = 0;
  const r = await slowStartBatch(10, 1, run(5)); // the 5th call is in the third batch (calls 4-7)
  assert.equal(r.successes, 6);
  assert.equal(r.error?.message, 'quota exceeded');
  assert.equal(calls, 7, 'no batch starts after a failure');
});

const rs: ReplicaSetObject = {
  apiVersion: 'apps/v1', kind: 'ReplicaSet',
  metadata: { name: 'web-abc', namespace: 'default', uid: 'rs-uid', generation: 2 },
  spec: {
    replicas: 3, minReadySeconds: 10, selector: { matchLabels: { app: 'web' } },
    template: { metadata: { labels: { app: 'web', tier: 'fe' }, annotations: { a: 'b' } }, spec: { containers: [{ name: 'web', image: 'nginx' }] } },
  },
  status: { replicas: 0, observedGeneration: 1 },
};

test('podFromTemplate: generated name, template labels and annotations, controller reference', () => {
  assert.deepEqual(podFromTemplate(rs), {
    apiVersion: 'v1', kind: 'Pod',
    metadata: {
      generateName: 'web-abc-', namespace: 'default', labels: { app: 'web', tier: 'fe' }, annotations: { a: 'b' },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-abc', uid: 'rs-uid', controller: true, blockOwnerDeletion: true }],
    },
    spec: { containers: [{ name: 'web', image: 'nginx' }] },
  });
});

function pod(labels: Record<string, string>, readyAgoSeconds?: number): PodObject {
  const t = readyAgoSeconds === undefined ? undefined : new Date(NOW.getTime() - readyAgoSeconds * 1000).toISOString();
  return {
    metadata: { name: 'p', labels },
    status: { phase: 'Running', conditions: [{ type: 'Ready', status: t ? 'True' : 'False', lastTransitionTime: t }] },
  };
}

test('calculateReplicaSetStatus counts fully labeled, ready and available pods', () => {
  const pods = [pod({ app: 'web', tier: 'fe' }, 60), pod({ app: 'web', tier: 'fe' }, 5), pod({ app: 'web' }), pod({ app: 'web', tier: 'fe' })];
  assert.deepEqual(calculateReplicaSetStatus(rs, pods, undefined, NOW), {
    replicas: 4, fullyLabeledReplicas: 3, readyReplicas: 2, availableReplicas: 1, observedGeneration: 1,
  });
  assert.deepEqual(calculateReplicaSetStatus(rs, [], undefined, NOW), { replicas: 0, observedGeneration: 1 });
});

test('calculateReplicaSetStatus sets ReplicaFailure while creating or deleting fails, and clears it after', () => {
  const failed = calculateReplicaSetStatus(rs, [pod({ app: 'web' })], new Error('pods "web-abc-x" is forbidden: exceeded quota'), NOW);
  assert.deepEqual(failed.conditions, [{
    type: 'ReplicaFailure', status: 'True', lastTransitionTime: '2024-02-25T12:00:00Z', reason: 'FailedCreate',
    message: 'pods "web-abc-x" is forbidden: exceeded quota',
  }]);
  const tooMany = calculateReplicaSetStatus(rs, [pod({}), pod({}), pod({}), pod({})], new Error('no'), NOW);
  assert.equal(tooMany.conditions?.[0].reason, 'FailedDelete');
  const recovered = calculateReplicaSetStatus({ ...rs, status: failed }, [pod({ app: 'web' })], undefined, NOW);
  assert.equal(recovered.conditions, undefined);
});
