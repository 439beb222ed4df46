import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DeploymentObject, ReplicaSetObject } from './deployment-util.ts';
import { newCondition } from './deployment-util.ts';
import { type SyncStep, nextSyncStep, planCleanup, planRollingUpdate, planScale, rolloutStatus } from './deployment-rollout.ts';
import type { PodObject } from './pod-ranking.ts';

const NOW = new Date('2024-02-25T12:00:00Z');
const image = (v: string) => ({ metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: `nginx:${v}` }] } });

function deployment(o: { replicas?: number; surge?: number | string; unavailable?: number | string; type?: string; image?: string; paused?: boolean; revisionHistoryLimit?: number } = {}): DeploymentObject {
  const type = o.type ?? 'RollingUpdate';
  return {
    apiVersion: 'apps/v1', kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default', uid: 'd-uid', generation: 1 },
    spec: {
      replicas: o.replicas ?? 3,
      selector: { matchLabels: { app: 'web' } },
      strategy: type === 'RollingUpdate' ? { type, rollingUpdate: { maxSurge: o.surge ?? '25%', maxUnavailable: o.unavailable ?? '25%' } } : { type },
      template: image(o.image ?? '2'),
      revisionHistoryLimit: o.revisionHistoryLimit ?? 10,
      progressDeadlineSeconds: 600,
      ...(o.paused ? { paused: true } : {}),
    },
  };
}

let seq = 0;
function rs(o: { name: string; replicas: number; available?: number; actual?: number; revision?: number; image?: string; desired?: number; max?: number; created?: string }): ReplicaSetObject {
  seq++;
  const annotations: Record<string, string> = {};
  if (o.revision !== undefined) annotations['deployment.kubernetes.io/revision'] = String(o.revision);
  if (o.desired !== undefined) annotations['deployment.kubernetes.io/desired-replicas'] = String(o.desired);
  if (o.max !== undefined) annotations['deployment.kubernetes.io/max-replicas'] = String(o.max);
  const template = image(o.image ?? o.name);
  template.metadata.labels = { ...template.metadata.labels, 'pod-template-hash': o.name } as typeof template.metadata.labels;
  return {
    apiVersion: 'apps/v1', kind: 'ReplicaSet',
    metadata: {
      name: o.name, namespace: 'default', uid: `uid-${o.name}`, generation: 1, annotations,
      creationTimestamp: o.created ?? new Date(Date.UTC(2024, 0, 1, 0, seq)).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: 'd-uid', controller: true, blockOwnerDeletion: true }],
    },
    spec: { replicas: o.replicas, selector: { matchLabels: { app: 'web', 'pod-template-hash': o.name } }, template },
    status: { replicas: o.actual ?? o.replicas, availableReplicas: o.available ?? o.replicas, readyReplicas: o.available ?? o.replicas, observedGeneration: 1 },
  };
}

const sizes = (actions: Array<{ name: string; replicas: number }>) => actions.map((a) => `${a.name}=${a.replicas}`);

test('rolling update: one step at a time within maxSurge and maxUnavailable', () => {
  const d = deployment({ replicas: 10, surge: 3, unavailable: 2 });
  const cases: Array<[string, ReplicaSetObject, ReplicaSetObject[], string[]]> = [
    ['new ReplicaSet grows up to the surge', rs({ name: '2', replicas: 0 }), [rs({ name: '1', replicas: 10 })], ['2=3']],
    ['new ReplicaSet at the surge, none of it available: old shrinks by maxUnavailable',
      rs({ name: '2', replicas: 3, available: 0 }), [rs({ name: '1', replicas: 10 })], ['1=8']],
    ['new pods available: old shrinks by what is available beyond the minimum',
      rs({ name: '2', replicas: 3, available: 3 }), [rs({ name: '1', replicas: 10 })], ['1=5']],
    ['unhealthy old replicas go first and count against the limit',
      rs({ name: '2', replicas: 3, available: 0 }), [rs({ name: '1', replicas: 10, available: 7 })], ['1=8']],
    ['at the minimum available: nothing moves',
      rs({ name: '2', replicas: 5, available: 0 }), [rs({ name: '1', replicas: 8, available: 8 })], []],
    ['old ReplicaSets shrink oldest first',
      rs({ name: '3', replicas: 3, available: 3 }), [rs({ name: '1', replicas: 4 }), rs({ name: '2', replicas: 6 })], ['1=0', '2=5']],
    ['a new ReplicaSet above the size shrinks',
      rs({ name: '2', replicas: 12 }), [rs({ name: '1', replicas: 0 })], ['2=10']],
    // web-1 was just scaled from 6 to 2 and its status does not show it yet: counting its 6
    // available pods would take old ReplicaSets down to nothing, leaving only 5 available.
    ['a stale status never counts more available pods than asked for',
      rs({ name: '3', replicas: 5, available: 5 }), [rs({ name: '1', replicas: 2, available: 6, actual: 6 }), rs({ name: '2', replicas: 6 })], ['1=0', '2=3']],
  ];
  for (const [name, newRS, oldRSs, want] of cases) assert.deepEqual(sizes(planRollingUpdate(d, newRS, oldRSs)), want, name);
});

test('proportional scaling mid-rollout shares the change by size, leftovers to the largest', () => {
  // The upstream documentation's example: 10 replicas, maxSurge 3, scaled to 15 while old=8 new=5.
  const d = deployment({ replicas: 15, surge: 3, unavailable: 2 });
  d.status = { replicas: 13 };
  const old = rs({ name: '1', replicas: 8, max: 13, desired: 10 });
  const cur = rs({ name: '2', replicas: 5, max: 13, desired: 10, image: '2' });
  assert.deepEqual(sizes(planScale(d, cur, [old])), ['1=11', '2=7']);
  // And down to 5: 5+3=8 allowed, 5 to remove, largest first.
  const down = deployment({ replicas: 5, surge: 3, unavailable: 2 });
  assert.deepEqual(sizes(planScale(down, cur, [old])), ['1=5', '2=3']);
  // Down to zero takes everything away.
  assert.deepEqual(sizes(planScale(deployment({ replicas: 0, surge: 3, unavailable: 2 }), cur, [old])), ['1=0', '2=0']);
});

test('scaling with one active ReplicaSet resizes it; a saturated new one lets old ones go', () => {
  const d = deployment({ replicas: 5 });
  assert.deepEqual(sizes(planScale(d, rs({ name: '2', replicas: 3 }), [rs({ name: '1', replicas: 0 })])), ['2=5']);
  assert.deepEqual(sizes(planScale(d, rs({ name: '2', replicas: 5 }), [])), []);
  const saturated = rs({ name: '2', replicas: 5, available: 5, desired: 5 });
  assert.deepEqual(sizes(planScale(d, saturated, [rs({ name: '1', replicas: 2 })])), ['1=0']);
  assert.deepEqual(sizes(planScale(deployment({ replicas: 5, type: 'Recreate' }), rs({ name: '2', replicas: 1 }), [rs({ name: '1', replicas: 2 })])), [],
    'Recreate never scales proportionally');
});

test('cleanup keeps revisionHistoryLimit old ReplicaSets, removing the lowest revisions that are empty', () => {
  const d = deployment({ revisionHistoryLimit: 1 });
  const old = [rs({ name: 'c', replicas: 0, revision: 3 }), rs({ name: 'a', replicas: 0, revision: 1 }), rs({ name: 'b', replicas: 0, revision: 2 })];
  assert.deepEqual(planCleanup(d, old).map((r) => r.metadata?.name), ['a', 'b']);
  const busy = [rs({ name: 'a', replicas: 1, revision: 1 }), rs({ name: 'b', replicas: 0, revision: 2 }), rs({ name: 'c', replicas: 0, revision: 3 })];
  assert.deepEqual(planCleanup(d, busy).map((r) => r.metadata?.name), ['b'], 'a ReplicaSet with replicas stays');
  assert.deepEqual(planCleanup(deployment({ revisionHistoryLimit: 10 }), old), []);
});

test('rollout status: counts, Available, and Progressing as the rollout moves, stalls and completes', () => {
  const d = deployment({ replicas: 2 });
  const t0 = new Date('2024-02-25T11:00:00Z');
  d.status = {
    observedGeneration: 1, replicas: 2, updatedReplicas: 1,
    conditions: [newCondition('Progressing', 'True', 'NewReplicaSetCreated', 'Created new replica set "web-2"', t0)],
  };
  const old = rs({ name: 'web-1', replicas: 1, available: 1 });
  const moving = rs({ name: 'web-2', replicas: 2, available: 1, actual: 2 });
  const r = rolloutStatus(d, [old, moving], moving, NOW);
  assert.deepEqual({ ...r.status, conditions: undefined }, {
    observedGeneration: 1, replicas: 3, updatedReplicas: 2, readyReplicas: 2, availableReplicas: 2, unavailableReplicas: 1, conditions: undefined,
  });
  assert.deepEqual(r.status.conditions?.map((c) => [c.type, c.status, c.reason, c.message, c.lastTransitionTime, c.lastUpdateTime]), [
    ['Available', 'True', 'MinimumReplicasAvailable', 'Deployment has minimum availability.', '2024-02-25T12:00:00Z', '2024-02-25T12:00:00Z'],
    ['Progressing', 'True', 'ReplicaSetUpdated', 'ReplicaSet "web-2" is progressing.', '2024-02-25T11:00:00Z', '2024-02-25T12:00:00Z'],
  ]);

  // No progress since t0 and the deadline (600 s) is past: timed out.
  const stalled = { ...d, status: { ...d.status, replicas: 3, updatedReplicas: 2, readyReplicas: 2, availableReplicas: 2 } };
  const timedOut = rolloutStatus(stalled, [old, moving], moving, NOW);
  assert.deepEqual(timedOut.status.conditions?.find((c) => c.type === 'Progressing')?.reason, 'ProgressDeadlineExceeded');
  assert.equal(timedOut.status.conditions?.find((c) => c.type === 'Progressing')?.message, 'ReplicaSet "web-2" has timed out progressing.');
  // Before the deadline, it says when to look again (deadline + 1 s).
  const early = rolloutStatus(stalled, [old, moving], moving, new Date(t0.getTime() + 100_000));
  assert.equal(early.checkProgressAfterMs, 501_000);

  const done = rs({ name: 'web-2', replicas: 2, available: 2 });
  const complete = rolloutStatus(d, [rs({ name: 'web-1', replicas: 0 }), done], done, NOW);
  assert.deepEqual(complete.status.conditions?.find((c) => c.type === 'Progressing')?.message, 'ReplicaSet "web-2" has successfully progressed.');
  assert.equal(complete.checkProgressAfterMs, undefined);
});

test('rollout status promotes a ReplicaSet failure', () => {
  const d = deployment({ replicas: 2 });
  const failing = rs({ name: 'web-2', replicas: 2, available: 0, actual: 0 });
  failing.status!.conditions = [{ type: 'ReplicaFailure', status: 'True', reason: 'FailedCreate', message: 'quota', lastTransitionTime: '2024-02-25T11:00:00Z' }];
  const r = rolloutStatus(d, [failing], failing, NOW);
  assert.deepEqual(r.status.conditions?.find((c) => c.type === 'ReplicaFailure'), {
    type: 'ReplicaFailure', status: 'True', reason: 'FailedCreate', message: 'quota', lastTransitionTime: '2024-02-25T11:00:00Z', lastUpdateTime: '2024-02-25T11:00:00Z',
  });
});

function step(d: DeploymentObject, rss: ReplicaSetObject[], pods = new Map<string, PodObject[]>()): SyncStep {
  return nextSyncStep({ deployment: d, replicaSets: rss, podsByReplicaSet: pods, now: NOW });
}

test('sync: a new template first creates the new ReplicaSet, sized by maxSurge, at the next revision', () => {
  const s = step(deployment({ replicas: 4, surge: 1, unavailable: 1, image: '2' }), [rs({ name: 'web-1', replicas: 4, revision: 1, image: '1' })]);
  assert.equal(s.kind, 'createNewReplicaSet');
  if (s.kind !== 'createNewReplicaSet') return;
  const hash = s.replicaSet.metadata!.labels!['pod-template-hash'];
  assert.equal(s.replicaSet.metadata?.name, `web-${hash}`);
  assert.equal(s.revision, 2);
  assert.equal(s.replicaSet.spec?.replicas, 1);
  assert.deepEqual(s.replicaSet.spec?.selector, { matchLabels: { app: 'web', 'pod-template-hash': hash } });
  assert.deepEqual(s.replicaSet.spec?.template?.metadata?.labels, { app: 'web', 'pod-template-hash': hash });
  assert.deepEqual(s.replicaSet.metadata?.annotations, {
    'deployment.kubernetes.io/revision': '2', 'deployment.kubernetes.io/desired-replicas': '4', 'deployment.kubernetes.io/max-replicas': '5',
  });
});

test('sync: with the new ReplicaSet in place, the deployment gets its revision and a Progressing condition', () => {
  const cur = rs({ name: 'web-2', replicas: 3, revision: 1, image: '2', desired: 3, max: 4 });
  const s = step(deployment(), [cur]);
  assert.equal(s.kind, 'finish');
  if (s.kind !== 'finish') return;
  assert.deepEqual(s.scale, []);
  assert.equal(s.deployment.metadata?.annotations?.['deployment.kubernetes.io/revision'], '1');
  assert.equal(s.deployment.status?.conditions?.find((c) => c.type === 'Progressing')?.reason, 'NewReplicaSetAvailable');
});

test('sync: rolling back to an old template reuses its ReplicaSet at a new revision', () => {
  const old = rs({ name: 'web-1', replicas: 0, revision: 1, image: '1', desired: 3, max: 4 });
  const cur = rs({ name: 'web-2', replicas: 3, revision: 2, image: '2', desired: 3, max: 4 });
  const s = step(deployment({ image: '1' }), [old, cur]);
  assert.equal(s.kind, 'updateNewReplicaSet');
  if (s.kind !== 'updateNewReplicaSet') return;
  assert.equal(s.replicaSet.metadata?.name, 'web-1');
  assert.equal(s.replicaSet.metadata?.annotations?.['deployment.kubernetes.io/revision'], '3');
  assert.equal(s.replicaSet.metadata?.annotations?.['deployment.kubernetes.io/revision-history'], '1');
  // Once updated, the rollout proceeds with web-1 as the new ReplicaSet.
  const next = step(deployment({ image: '1' }), [s.replicaSet, cur]);
  assert.equal(next.kind, 'finish');
  if (next.kind !== 'finish') return;
  assert.deepEqual(sizes(next.scale), ['web-1=1']);
  assert.equal(next.deployment.metadata?.annotations?.['deployment.kubernetes.io/revision'], '3');
});

test('sync: a paused deployment creates nothing, says it is paused, and still scales', () => {
  const cur = rs({ name: 'web-1', replicas: 3, revision: 1, image: '1', desired: 3, max: 4 });
  const s = step(deployment({ image: '2', paused: true, replicas: 5 }), [cur]);
  assert.equal(s.kind, 'finish');
  if (s.kind !== 'finish') return;
  assert.deepEqual(sizes(s.scale), ['web-1=5']);
  const p = s.deployment.status?.conditions?.find((c) => c.type === 'Progressing');
  assert.deepEqual([p?.status, p?.reason, p?.message], ['Unknown', 'DeploymentPaused', 'Deployment is paused']);
});

test('sync: Recreate scales old ReplicaSets to zero and waits for their pods before creating the new one', () => {
  const d = deployment({ type: 'Recreate', image: '2' });
  const old = rs({ name: 'web-1', replicas: 3, revision: 1, image: '1', desired: 3, max: 3 });
  const first = step(d, [old]);
  assert.equal(first.kind, 'finish');
  if (first.kind === 'finish') assert.deepEqual(sizes(first.scale), ['web-1=0']);

  const emptied = rs({ name: 'web-1', replicas: 0, actual: 0, revision: 1, image: '1', desired: 3, max: 3 });
  const lingering = new Map([['uid-web-1', [{ metadata: { name: 'p' }, status: { phase: 'Running' } } as PodObject]]]);
  const waiting = step(d, [emptied], lingering);
  assert.equal(waiting.kind, 'finish');
  if (waiting.kind === 'finish') assert.deepEqual(waiting.scale, []);

  const finished = new Map([['uid-web-1', [{ metadata: { name: 'p' }, status: { phase: 'Succeeded' } } as PodObject]]]);
  const create = step(d, [emptied], finished);
  assert.equal(create.kind, 'createNewReplicaSet');
  if (create.kind === 'createNewReplicaSet') assert.equal(create.replicaSet.spec?.replicas, 3);
});

test('sync: a deployment being deleted only gets its status updated', () => {
  const d = deployment({ image: '2' });
  d.metadata!.deletionTimestamp = '2024-02-25T11:00:00Z';
  const s = step(d, [rs({ name: 'web-1', replicas: 3, revision: 1, image: '1', desired: 3, max: 4 })]);
  assert.equal(s.kind, 'finish');
  if (s.kind === 'finish') assert.deepEqual(s.scale, []);
});
