// The Deployment and ReplicaSet controllers together on an in-process stack, with a fake kubelet
// that starts every pod: the first rollout, self-healing, scaling, rolling updates that respect
// maxSurge/maxUnavailable at every step, history and rollback, pause/resume, Recreate, history
// pruning and the progress deadline.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DeploymentCondition } from 'kubernetes-types/apps/v1';
import { type ControllerStack, fakeClock, startControllerStack, waitFor } from './helpers/controller-stack.ts';
import type { DeploymentObject, ReplicaSetObject } from '../src/controllers/deployment-util.ts';
import { isPodReady, type PodObject } from '../src/controllers/pod-ranking.ts';
import { podTemplateHash } from '../src/controllers/pod-template-hash.ts';

const HASH = /^[bcdfghjklmnpqrstvwxz2456789]{1,10}$/;
const REVISION = 'deployment.kubernetes.io/revision';

/** Seed 000's archetype Deployment. */
function archetype(): DeploymentObject {
  return {
    apiVersion: 'apps/v1', kind: 'Deployment',
    metadata: { name: 'archetype-deployment', namespace: 'default', labels: { app: 'archetype' } },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'archetype' } },
      template: {
        metadata: { labels: { app: 'archetype' } },
        spec: {
          containers: [{
            name: 'archetype', image: 'gustavo2acr.azurecr.io/archetype:latest-amd64', ports: [{ containerPort: 8000 }],
            resources: { requests: { memory: '64Mi', cpu: '250m' }, limits: { memory: '128Mi', cpu: '500m' } },
          }],
        },
      },
    },
  };
}

function web(name: string, spec: Partial<NonNullable<DeploymentObject['spec']>> = {}): DeploymentObject {
  return {
    apiVersion: 'apps/v1', kind: 'Deployment',
    metadata: { name, namespace: 'default' },
    spec: {
      replicas: 3,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'web', image: 'nginx:1.0' }] } },
      ...spec,
    },
  };
}

function conditions(d: DeploymentObject): Array<Pick<DeploymentCondition, 'type' | 'status' | 'reason' | 'message'>> {
  return (d.status?.conditions ?? []).map(({ type, status, reason, message }) => ({ type, status, reason, message }));
}

function condition(d: DeploymentObject, type: string): DeploymentCondition | undefined {
  return d.status?.conditions?.find((c) => c.type === type);
}

async function setImage(s: ControllerStack, name: string, image: string) {
  const d = await s.deployments.get(name, 'default');
  d.spec!.template!.spec!.containers[0].image = image;
  await s.deployments.update(d);
}

/** Complete: every replica updated and available, observed at the latest generation, old ReplicaSets empty. */
async function waitForRollout(s: ControllerStack, name: string, replicas: number) {
  await waitFor(`deployment ${name} to roll out`, async () => {
    const d = await s.deployments.get(name, 'default');
    const st = d.status ?? {};
    if ((st.observedGeneration ?? 0) < (d.metadata?.generation ?? 0)) return false;
    if (st.updatedReplicas !== replicas || st.replicas !== replicas || st.availableReplicas !== replicas) return false;
    if (condition(d, 'Progressing')?.reason !== 'NewReplicaSetAvailable') return false;
    const pods = (await s.podsOf()).filter((p) => p.metadata?.labels?.app === d.spec?.selector?.matchLabels?.app);
    return pods.length === replicas && pods.every(isPodReady);
  });
  return s.deployments.get(name, 'default');
}

async function newReplicaSet(s: ControllerStack, d: DeploymentObject): Promise<ReplicaSetObject> {
  const rss = await s.replicaSetsOf(d.metadata!.uid!);
  const rs = rss.find((r) => r.metadata?.annotations?.[REVISION] === d.metadata?.annotations?.[REVISION]);
  assert.ok(rs, `no replica set at revision ${d.metadata?.annotations?.[REVISION]}`);
  return rs;
}

test("seed 000's Deployment gets one ReplicaSet, two pods, revision 1 and upstream's conditions", async () => {
  const s = await startControllerStack();
  try {
    // First with the pods not started: the state the seed's `kubectl describe` shows.
    s.kubelet.hold(() => true);
    const created = await s.deployments.create(archetype());
    await waitFor('2 unavailable replicas to be reported', async () => {
      const d = await s.deployments.get('archetype-deployment', 'default');
      return d.status?.replicas === 2 && d.status?.unavailableReplicas === 2 && condition(d, 'Progressing')?.reason === 'ReplicaSetUpdated';
    });
    let d = await s.deployments.get('archetype-deployment', 'default');
    assert.deepEqual({ ...d.status, conditions: undefined }, {
      observedGeneration: d.metadata?.generation, replicas: 2, updatedReplicas: 2, unavailableReplicas: 2, conditions: undefined,
    });
    const rs = await newReplicaSet(s, d);
    assert.deepEqual(conditions(d), [
      { type: 'Available', status: 'False', reason: 'MinimumReplicasUnavailable', message: 'Deployment does not have minimum availability.' },
      { type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated', message: `ReplicaSet "${rs.metadata?.name}" is progressing.` },
    ]);
    assert.equal(d.metadata?.annotations?.[REVISION], '1');

    s.kubelet.release();
    d = await waitForRollout(s, 'archetype-deployment', 2);
    assert.deepEqual({ ...d.status, conditions: undefined }, {
      observedGeneration: d.metadata?.generation, replicas: 2, updatedReplicas: 2, readyReplicas: 2, availableReplicas: 2, conditions: undefined,
    });
    assert.deepEqual(conditions(d), [
      { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.' },
      { type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable', message: `ReplicaSet "${rs.metadata?.name}" has successfully progressed.` },
    ]);
    const progressing = condition(d, 'Progressing')!;
    assert.ok(progressing.lastUpdateTime! >= progressing.lastTransitionTime!);

    // The ReplicaSet: named after the template hash, owned, annotated.
    const rss = await s.replicaSetsOf(created.metadata!.uid!);
    assert.equal(rss.length, 1);
    const hash = rss[0].metadata!.labels!['pod-template-hash'];
    assert.match(hash, HASH);
    assert.equal(rss[0].metadata?.name, `archetype-deployment-${hash}`);
    assert.deepEqual(rss[0].metadata?.labels, { app: 'archetype', 'pod-template-hash': hash });
    assert.deepEqual(rss[0].spec?.selector, { matchLabels: { app: 'archetype', 'pod-template-hash': hash } });
    assert.deepEqual(rss[0].metadata?.ownerReferences, [{
      apiVersion: 'apps/v1', kind: 'Deployment', name: 'archetype-deployment', uid: created.metadata!.uid, controller: true, blockOwnerDeletion: true,
    }]);
    assert.deepEqual(rss[0].metadata?.annotations, {
      'deployment.kubernetes.io/desired-replicas': '2', 'deployment.kubernetes.io/max-replicas': '3', [REVISION]: '1',
    });
    assert.deepEqual({ ...rss[0].status, conditions: undefined }, {
      replicas: 2, fullyLabeledReplicas: 2, readyReplicas: 2, availableReplicas: 2, observedGeneration: 1, conditions: undefined,
    });

    // The pods: generated names, the ReplicaSet as controller, the template's labels.
    const pods = await s.podsOf();
    assert.equal(pods.length, 2);
    for (const p of pods) {
      assert.match(p.metadata!.name!, new RegExp(`^archetype-deployment-${hash}-[bcdfghjklmnpqrstvwxz2456789]{5}$`));
      assert.deepEqual(p.metadata?.labels, { app: 'archetype', 'pod-template-hash': hash });
      assert.deepEqual(p.metadata?.ownerReferences, [{
        apiVersion: 'apps/v1', kind: 'ReplicaSet', name: rss[0].metadata?.name, uid: rss[0].metadata?.uid, controller: true, blockOwnerDeletion: true,
      }]);
      assert.equal(p.spec?.containers[0].image, 'gustavo2acr.azurecr.io/archetype:latest-amd64');
    }

    await waitFor('the events', async () => (await s.eventsFor(rss[0].metadata!.name!)).length === 2);
    assert.deepEqual(await s.eventsFor('archetype-deployment'), [`ScalingReplicaSet: Scaled up replica set ${rss[0].metadata?.name} to 2`]);
    assert.deepEqual((await s.eventsFor(rss[0].metadata!.name!)).sort(), pods.map((p) => `SuccessfulCreate: Created pod: ${p.metadata?.name}`).sort());
  } finally {
    await s.stop();
  }
});

// Upstream writes the revision annotation through /status, which leaves metadata.generation at 1.
test('recording the revision does not bump the generation', async () => {
  const s = await startControllerStack();
  try {
    await s.deployments.create(web('web', { replicas: 1 }));
    const d = await waitForRollout(s, 'web', 1);
    assert.equal(d.metadata?.annotations?.[REVISION], '1');
    assert.equal(d.metadata?.generation, 1);
    assert.equal(d.status?.observedGeneration, 1);
  } finally {
    await s.stop();
  }
});

test('a deleted pod is replaced', async () => {
  const s = await startControllerStack();
  try {
    await s.deployments.create(web('web', { replicas: 2 }));
    await waitForRollout(s, 'web', 2);
    const [victim, survivor] = await s.podsOf();
    await s.pods.delete(victim.metadata!.name!, { namespace: 'default' });
    await waitFor('a replacement pod', async () => {
      const names = (await s.podsOf()).map((p) => p.metadata?.name);
      return names.length === 2 && !names.includes(victim.metadata?.name) && names.includes(survivor.metadata?.name);
    });
    await waitForRollout(s, 'web', 2);
    // Never more than asked for: no double creation while the informer catches up.
    await new Promise((r) => setTimeout(r, 100));
    assert.equal((await s.podsOf()).length, 2);
  } finally {
    await s.stop();
  }
});

test('scaling up to 5 and back to 2 removes the pods that are not ready first', async () => {
  const s = await startControllerStack();
  try {
    const created = await s.deployments.create(web('web', { replicas: 2 }));
    await waitForRollout(s, 'web', 2);
    const originals = (await s.podsOf()).map((p) => p.metadata!.name!).sort();
    const rs = (await s.replicaSetsOf(created.metadata!.uid!))[0];

    // The three new pods stay Pending, so they are the least useful.
    s.kubelet.hold(() => true);
    await s.deployments.patch('web', 'merge', { spec: { replicas: 5 } }, { namespace: 'default' });
    await waitFor('5 pods', async () => (await s.podsOf()).length === 5);
    await waitFor('the deployment to count 5 replicas', async () => (await s.deployments.get('web', 'default')).status?.replicas === 5);
    assert.equal((await s.replicaSetsOf(created.metadata!.uid!)).length, 1, 'scaling makes no new ReplicaSet');

    await s.deployments.patch('web', 'merge', { spec: { replicas: 2 } }, { namespace: 'default' });
    await waitFor('2 pods', async () => (await s.podsOf()).length === 2);
    assert.deepEqual((await s.podsOf()).map((p) => p.metadata!.name!).sort(), originals);
    s.kubelet.release();
    await waitForRollout(s, 'web', 2);

    const events = await s.eventsFor('web');
    assert.ok(events.includes(`ScalingReplicaSet: Scaled up replica set ${rs.metadata?.name} to 5 from 2`), events.join('\n'));
    assert.ok(events.includes(`ScalingReplicaSet: Scaled down replica set ${rs.metadata?.name} to 2 from 5`), events.join('\n'));
    const rsAfter = await s.replicaSets.get(rs.metadata!.name!, 'default');
    assert.equal(rsAfter.metadata?.annotations?.['deployment.kubernetes.io/desired-replicas'], '2');
    assert.equal(rsAfter.metadata?.annotations?.['deployment.kubernetes.io/max-replicas'], '3');
  } finally {
    await s.stop();
  }
});

test('a rolling update stays within maxSurge and maxUnavailable at every step; history, then undo reuses the old ReplicaSet', async () => {
  const s = await startControllerStack();
  try {
    const replicas = 4;
    const created = await s.deployments.create(web('web', {
      replicas, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 1 } },
    }));
    const uid = created.metadata!.uid!;
    await waitForRollout(s, 'web', replicas);
    const rev1 = await newReplicaSet(s, await s.deployments.get('web', 'default'));

    // Watch every step: the ReplicaSets never ask for more than replicas+maxSurge pods, and
    // never fewer than replicas-maxUnavailable pods are ready.
    const violations: string[] = [];
    const rsInformer = s.informers.informer<ReplicaSetObject>('apps', 'v1', 'replicasets');
    const podInformer = s.informers.informer<PodObject>('', 'v1', 'pods');
    let watching = true;
    const owned = () => rsInformer.list('default').filter((rs) => rs.metadata?.ownerReferences?.some((r) => r.uid === uid));
    rsInformer.addHandlers({
      onUpdate: () => {
        const total = owned().reduce((n, rs) => n + (rs.spec?.replicas ?? 0), 0);
        if (watching && total > replicas + 1) violations.push(`ReplicaSets ask for ${total} pods`);
      },
    });
    podInformer.addHandlers({
      onUpdate: () => check(), onDelete: () => check(),
    });
    function check() {
      const rsUids = new Set(owned().map((rs) => rs.metadata?.uid));
      const ready = podInformer.list('default').filter((p) =>
        !p.metadata?.deletionTimestamp && isPodReady(p) && p.metadata?.ownerReferences?.some((r) => rsUids.has(r.uid)));
      if (watching && ready.length < replicas - 1) violations.push(`only ${ready.length} pods ready`);
    }

    await setImage(s, 'web', 'nginx:2.0');
    let d = await waitForRollout(s, 'web', replicas);
    assert.deepEqual(violations, []);
    const rev2 = await newReplicaSet(s, d);
    assert.notEqual(rev2.metadata?.name, rev1.metadata?.name);
    assert.equal(d.metadata?.annotations?.[REVISION], '2');
    assert.ok((await s.podsOf()).every((p) => p.spec?.containers[0].image === 'nginx:2.0'));
    // `kubectl rollout history`: one ReplicaSet per revision.
    let rss = await s.replicaSetsOf(uid);
    assert.deepEqual(rss.map((rs) => rs.metadata?.annotations?.[REVISION]).sort(), ['1', '2']);
    assert.equal((await s.replicaSets.get(rev1.metadata!.name!, 'default')).spec?.replicas, 0);
    const events = await s.eventsFor('web');
    assert.ok(events.includes(`ScalingReplicaSet: Scaled up replica set ${rev2.metadata?.name} to 1`), events.join('\n'));
    assert.ok(events.some((e) => e.startsWith(`ScalingReplicaSet: Scaled down replica set ${rev1.metadata?.name} to `)), events.join('\n'));

    // `kubectl rollout undo` (client-side in kubectl 1.32): patch revision 1's template back in.
    const old = await s.replicaSets.get(rev1.metadata!.name!, 'default');
    const template = structuredClone(old.spec!.template!);
    delete template.metadata!.labels!['pod-template-hash'];
    await s.deployments.patch('web', 'json', [
      { op: 'replace', path: '/spec/template', value: template },
      { op: 'replace', path: '/metadata/annotations', value: { [REVISION]: d.metadata!.annotations![REVISION] } },
    ], { namespace: 'default' });
    d = await waitForRollout(s, 'web', replicas);
    assert.deepEqual(violations, []);
    watching = false;
    rss = await s.replicaSetsOf(uid);
    assert.equal(rss.length, 2, 'the old ReplicaSet is reused, no new one');
    const reused = await s.replicaSets.get(rev1.metadata!.name!, 'default');
    assert.equal(reused.spec?.replicas, replicas);
    assert.equal(reused.metadata?.annotations?.[REVISION], '3');
    assert.equal(reused.metadata?.annotations?.['deployment.kubernetes.io/revision-history'], '1');
    assert.equal(d.metadata?.annotations?.[REVISION], '3');
    assert.equal((await s.replicaSets.get(rev2.metadata!.name!, 'default')).spec?.replicas, 0);
    assert.ok((await s.podsOf()).every((p) => p.spec?.containers[0].image === 'nginx:1.0'));
  } finally {
    await s.stop();
  }
});

test('a paused deployment does not roll out until resumed, and says so', async () => {
  const s = await startControllerStack();
  try {
    const created = await s.deployments.create(web('web'));
    await waitForRollout(s, 'web', 3);
    await s.deployments.patch('web', 'merge', { spec: { paused: true } }, { namespace: 'default' });
    await waitFor('the paused condition', async () => condition(await s.deployments.get('web', 'default'), 'Progressing')?.reason === 'DeploymentPaused');
    let d = await s.deployments.get('web', 'default');
    assert.deepEqual(conditions(d).find((c) => c.type === 'Progressing'), {
      type: 'Progressing', status: 'Unknown', reason: 'DeploymentPaused', message: 'Deployment is paused',
    });

    await setImage(s, 'web', 'nginx:2.0');
    // Scaling still works while paused.
    await s.deployments.patch('web', 'merge', { spec: { replicas: 4 } }, { namespace: 'default' });
    await waitFor('the paused deployment to scale', async () => (await s.podsOf()).length === 4);
    await waitFor('the spec to be observed', async () => {
      d = await s.deployments.get('web', 'default');
      return d.status?.observedGeneration === d.metadata?.generation;
    });
    assert.equal((await s.replicaSetsOf(created.metadata!.uid!)).length, 1, 'no rollout while paused');
    assert.ok((await s.podsOf()).every((p) => p.spec?.containers[0].image === 'nginx:1.0'));

    await s.deployments.patch('web', 'merge', { spec: { paused: false } }, { namespace: 'default' });
    d = await waitForRollout(s, 'web', 4);
    assert.equal((await s.replicaSetsOf(created.metadata!.uid!)).length, 2);
    assert.ok((await s.podsOf()).every((p) => p.spec?.containers[0].image === 'nginx:2.0'));
    assert.equal(d.metadata?.annotations?.[REVISION], '2');
  } finally {
    await s.stop();
  }
});

test('Recreate removes every old pod before the new ReplicaSet starts', async () => {
  const s = await startControllerStack();
  try {
    const created = await s.deployments.create(web('web', { strategy: { type: 'Recreate' } }));
    const uid = created.metadata!.uid!;
    await waitForRollout(s, 'web', 3);
    const rev1 = await newReplicaSet(s, await s.deployments.get('web', 'default'));

    const overlaps: string[] = [];
    const podInformer = s.informers.informer<PodObject>('', 'v1', 'pods');
    podInformer.addHandlers({
      onAdd(pod) {
        if (pod.metadata?.ownerReferences?.[0]?.uid === rev1.metadata?.uid) return;
        const oldLeft = podInformer.list('default').filter((p) => p.metadata?.ownerReferences?.[0]?.uid === rev1.metadata?.uid);
        if (oldLeft.length) overlaps.push(`${pod.metadata?.name} created while ${oldLeft.length} old pods remain`);
      },
    });
    await setImage(s, 'web', 'nginx:2.0');
    await waitForRollout(s, 'web', 3);
    assert.deepEqual(overlaps, []);
    const rss = await s.replicaSetsOf(uid);
    assert.equal(rss.length, 2);
    assert.equal((await s.replicaSets.get(rev1.metadata!.name!, 'default')).spec?.replicas, 0);
    const events = await s.eventsFor('web');
    const rev2 = rss.find((rs) => rs.metadata?.uid !== rev1.metadata?.uid)!;
    assert.ok(events.includes(`ScalingReplicaSet: Scaled down replica set ${rev1.metadata?.name} to 0 from 3`), events.join('\n'));
    assert.ok(events.includes(`ScalingReplicaSet: Scaled up replica set ${rev2.metadata?.name} to 3`), events.join('\n'));
    assert.ok(events.indexOf(`ScalingReplicaSet: Scaled down replica set ${rev1.metadata?.name} to 0 from 3`) <
      events.indexOf(`ScalingReplicaSet: Scaled up replica set ${rev2.metadata?.name} to 3`));
  } finally {
    await s.stop();
  }
});

test('revisionHistoryLimit prunes the oldest empty ReplicaSets', async () => {
  const s = await startControllerStack();
  try {
    const created = await s.deployments.create(web('web', { replicas: 1, revisionHistoryLimit: 1 }));
    await waitForRollout(s, 'web', 1);
    for (const image of ['nginx:2.0', 'nginx:3.0', 'nginx:4.0']) {
      await setImage(s, 'web', image);
      await waitForRollout(s, 'web', 1);
    }
    await waitFor('old ReplicaSets to be pruned', async () => (await s.replicaSetsOf(created.metadata!.uid!)).length === 2);
    const revisions = (await s.replicaSetsOf(created.metadata!.uid!)).map((rs) => rs.metadata?.annotations?.[REVISION]).sort();
    assert.deepEqual(revisions, ['3', '4']);
  } finally {
    await s.stop();
  }
});

test('a rollout that makes no progress for progressDeadlineSeconds is reported as timed out', async () => {
  const clock = fakeClock();
  const s = await startControllerStack({ now: clock.now });
  try {
    s.kubelet.hold(() => true);
    const created = await s.deployments.create(web('web', { replicas: 2, progressDeadlineSeconds: 60 }));
    await waitFor('the rollout to start', async () => condition(await s.deployments.get('web', 'default'), 'Progressing')?.reason === 'ReplicaSetUpdated');
    const rs = (await s.replicaSetsOf(created.metadata!.uid!))[0];

    // A minute later (on the controller's clock) nothing has moved; any event makes it look.
    clock.advance(61_000);
    await s.replicaSets.patch(rs.metadata!.name!, 'merge', { metadata: { labels: { poke: '1' } } }, { namespace: 'default' });
    await waitFor('the deadline to be reported', async () => condition(await s.deployments.get('web', 'default'), 'Progressing')?.reason === 'ProgressDeadlineExceeded');
    let d = await s.deployments.get('web', 'default');
    assert.deepEqual(conditions(d).find((c) => c.type === 'Progressing'), {
      type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: `ReplicaSet "${rs.metadata?.name}" has timed out progressing.`,
    });

    // Once the pods start after all, the rollout completes.
    s.kubelet.release();
    d = await waitForRollout(s, 'web', 2);
    assert.equal(condition(d, 'Progressing')?.status, 'True');
  } finally {
    await s.stop();
  }
});

test('an orphan ReplicaSet running the template is adopted and becomes the new ReplicaSet', async () => {
  const s = await startControllerStack();
  try {
    const d = web('web', { replicas: 2 });
    await s.replicaSets.create({
      apiVersion: 'apps/v1', kind: 'ReplicaSet',
      metadata: { name: 'legacy', namespace: 'default', labels: { app: 'web' } },
      spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, template: d.spec!.template },
    });
    await waitFor('the orphan to run its pods', async () => (await s.podsOf()).length === 2);
    const created = await s.deployments.create(d);
    const done = await waitForRollout(s, 'web', 2);
    const rss = await s.replicaSetsOf(created.metadata!.uid!);
    assert.deepEqual(rss.map((rs) => rs.metadata?.name), ['legacy']);
    assert.equal(rss[0].metadata?.ownerReferences?.[0]?.controller, true);
    assert.equal(rss[0].metadata?.annotations?.[REVISION], '1');
    assert.equal(done.metadata?.annotations?.[REVISION], '1');
    assert.equal((await s.podsOf()).length, 2, 'the running pods were kept');
  } finally {
    await s.stop();
  }
});

test("a name collision with someone else's ReplicaSet bumps collisionCount and picks another name", async () => {
  const s = await startControllerStack();
  try {
    // Paused, the deployment creates nothing yet: take its (defaulted) template's name first.
    const created = await s.deployments.create(web('web', { replicas: 1, paused: true }));
    const taken = `web-${podTemplateHash(created.spec!.template)}`;
    await s.replicaSets.create({
      apiVersion: 'apps/v1', kind: 'ReplicaSet',
      metadata: { name: taken, namespace: 'default', labels: { app: 'squatter' } },
      spec: {
        replicas: 0, selector: { matchLabels: { app: 'squatter' } },
        template: { metadata: { labels: { app: 'squatter' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } },
      },
    });
    await s.deployments.patch('web', 'merge', { spec: { paused: false } }, { namespace: 'default' });
    const d = await waitForRollout(s, 'web', 1);
    assert.equal(d.status?.collisionCount, 1);
    const rss = await s.replicaSetsOf(created.metadata!.uid!);
    assert.deepEqual(rss.map((rs) => rs.metadata?.name), [`web-${podTemplateHash(created.spec!.template, 1)}`]);
    assert.equal((await s.replicaSets.get(taken, 'default')).metadata?.ownerReferences, undefined);
  } finally {
    await s.stop();
  }
});
