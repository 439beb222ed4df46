// The ReplicaSet controller on its own, on an in-process stack with a fake kubelet: bursts of
// creations without duplicates, adopting and releasing pods, pods being deleted, and failures.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AdmissionPlugin } from '../src/apiserver/admission.ts';
import { forbidden } from '../src/machinery/errors.ts';
import type { ReplicaSetObject } from '../src/controllers/deployment-util.ts';
import type { PodObject } from '../src/controllers/pod-ranking.ts';
import { startControllerStack, waitFor } from './helpers/controller-stack.ts';

function replicaSet(name: string, replicas: number, app = name): ReplicaSetObject {
  return {
    apiVersion: 'apps/v1', kind: 'ReplicaSet',
    metadata: { name, namespace: 'default' },
    spec: {
      replicas, selector: { matchLabels: { app } },
      template: { metadata: { labels: { app } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } },
    },
  };
}

function orphan(name: string, app: string, extra: Partial<NonNullable<PodObject['metadata']>> = {}): PodObject {
  return { metadata: { name, namespace: 'default', labels: { app }, ...extra }, spec: { containers: [{ name: 'c', image: 'nginx' }] } };
}

const controllerUid = (p: PodObject) => p.metadata?.ownerReferences?.find((r) => r.controller)?.uid;

test('a burst of 20 replicas creates exactly 20 pods', async () => {
  const s = await startControllerStack({ deployments: false });
  try {
    const rs = await s.replicaSets.create(replicaSet('burst', 20));
    await waitFor('20 ready replicas', async () => (await s.replicaSets.get('burst', 'default')).status?.readyReplicas === 20);
    await new Promise((r) => setTimeout(r, 100));
    const pods = await s.podsOf();
    assert.equal(pods.length, 20);
    assert.ok(pods.every((p) => controllerUid(p) === rs.metadata?.uid));
    const events = await s.eventsFor('burst');
    assert.equal(events.length, 20);
    assert.deepEqual(events.sort(), pods.map((p) => `SuccessfulCreate: Created pod: ${p.metadata?.name}`).sort());
    const status = (await s.replicaSets.get('burst', 'default')).status;
    assert.deepEqual({ ...status }, { replicas: 20, fullyLabeledReplicas: 20, readyReplicas: 20, availableReplicas: 20, observedGeneration: 1 });

    await s.replicaSets.patch('burst', 'merge', { spec: { replicas: 0 } }, { namespace: 'default' });
    await waitFor('all pods gone', async () => (await s.podsOf()).length === 0);
    await waitFor('the deletions to be recorded', async () => (await s.eventsFor('burst')).filter((e) => e.startsWith('SuccessfulDelete: Deleted pod: ')).length === 20);
  } finally {
    await s.stop();
  }
});

test('orphans matching the selector are adopted; a pod whose labels stop matching is released and replaced', async () => {
  const s = await startControllerStack({ deployments: false });
  try {
    const cm = await s.client.resource('', 'v1', 'configmaps').create({ metadata: { name: 'other-owner', namespace: 'default' } });
    const otherRef = { apiVersion: 'v1', kind: 'ConfigMap', name: 'other-owner', uid: cm.metadata!.uid! };
    await s.pods.create(orphan('stray-a', 'shop', { ownerReferences: [otherRef] }));
    await s.pods.create(orphan('stray-b', 'shop'));
    await s.pods.create(orphan('unrelated', 'blog'));
    const rs = await s.replicaSets.create(replicaSet('shop', 3));
    await waitFor('3 replicas', async () => (await s.replicaSets.get('shop', 'default')).status?.replicas === 3 &&
      (await s.podsOf()).filter((p) => controllerUid(p) === rs.metadata?.uid).length === 3);

    const a = await s.pods.get('stray-a', 'default');
    assert.deepEqual(a.metadata?.ownerReferences, [otherRef, {
      apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'shop', uid: rs.metadata?.uid, controller: true, blockOwnerDeletion: true,
    }], 'adoption keeps other owners');
    assert.equal(controllerUid(await s.pods.get('stray-b', 'default')), rs.metadata?.uid);
    assert.equal((await s.pods.get('unrelated', 'default')).metadata?.ownerReferences, undefined);
    assert.equal((await s.eventsFor('shop')).length, 1, 'only one pod had to be created');

    await s.pods.patch('stray-b', 'merge', { metadata: { labels: { app: 'quarantine' } } }, { namespace: 'default' });
    await waitFor('stray-b to be released and replaced', async () => {
      const b = await s.pods.get('stray-b', 'default');
      const mine = (await s.podsOf()).filter((p) => controllerUid(p) === rs.metadata?.uid);
      return b.metadata?.ownerReferences === undefined && mine.length === 3;
    });
  } finally {
    await s.stop();
  }
});

test('a pod being deleted does not count: its replacement starts at once', async () => {
  const s = await startControllerStack({ deployments: false });
  try {
    const rs = replicaSet('held', 2);
    rs.spec!.template!.metadata!.finalizers = ['example.com/hold'];
    await s.replicaSets.create(rs);
    await waitFor('2 replicas', async () => (await s.podsOf()).length === 2);
    const [victim] = await s.podsOf();
    await s.pods.delete(victim.metadata!.name!, { namespace: 'default' });
    await waitFor('a replacement while the old pod is still terminating', async () => (await s.podsOf()).length === 2 &&
      !!(await s.pods.get(victim.metadata!.name!, 'default')).metadata?.deletionTimestamp);
    await waitFor('the status to count only live pods', async () => (await s.replicaSets.get('held', 'default')).status?.replicas === 2);
    for (const p of (await s.pods.list({ namespace: 'default' })).items) {
      await s.pods.patch(p.metadata!.name!, 'merge', { metadata: { finalizers: null } }, { namespace: 'default' });
    }
  } finally {
    await s.stop();
  }
});

test('refused creations are reported as FailedCreate events and a ReplicaFailure condition, cleared once they succeed', async () => {
  let allowed = 2;
  const quota: AdmissionPlugin = {
    name: 'TestQuota',
    validate(a) {
      if (a.operation !== 'CREATE' || a.def.plural !== 'pods') return;
      if (allowed <= 0) throw forbidden({ group: '', resource: 'pods' }, a.name, 'exceeded quota: test');
      allowed--;
    },
  };
  const s = await startControllerStack({ deployments: false, admission: [quota] });
  try {
    await s.replicaSets.create(replicaSet('capped', 5));
    await waitFor('the ReplicaFailure condition', async () =>
      !!(await s.replicaSets.get('capped', 'default')).status?.conditions?.some((c) => c.type === 'ReplicaFailure'));
    const rs = await s.replicaSets.get('capped', 'default');
    const cond = rs.status!.conditions!.find((c) => c.type === 'ReplicaFailure')!;
    assert.equal(cond.status, 'True');
    assert.equal(cond.reason, 'FailedCreate');
    assert.match(cond.message!, /^pods "capped-[a-z0-9]{5}" is forbidden: exceeded quota: test$/);
    assert.equal((await s.podsOf()).length, 2);
    const events = await s.eventsFor('capped');
    assert.ok(events.some((e) => /^FailedCreate: Error creating: pods "capped-[a-z0-9]{5}" is forbidden: exceeded quota: test$/.test(e)), events.join('\n'));

    allowed = 100;
    await waitFor('5 pods and the condition cleared', async () => {
      const now = await s.replicaSets.get('capped', 'default');
      return (await s.podsOf()).length === 5 && !now.status?.conditions && now.status?.replicas === 5;
    }, 20_000);
  } finally {
    await s.stop();
  }
});
