// The garbage collector and the namespace controller on a real in-process stack (SQLite store,
// generic registry, in-process client, shared informers), without HTTP: cascading deletion in
// the background, orphaning, foreground ordering, shared ownership, and namespace termination.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { OwnerReference } from 'kubernetes-types/meta/v1';
import type { NamespaceCondition } from 'kubernetes-types/core/v1';
import { openSqliteStore } from '../src/storage/sqlite-store.ts';
import { ResourceIndex } from '../src/apiserver/resource-index.ts';
import { GenericRegistry } from '../src/apiserver/generic-registry.ts';
import { namespaceLifecycle } from '../src/apiserver/admission/namespace-lifecycle.ts';
import { allResources } from '../src/api/all.ts';
import type { KObject } from '../src/api/types.ts';
import { inProcessClient } from '../src/client/in-process-client.ts';
import { InformerFactory } from '../src/client/informer.ts';
import type { Client } from '../src/client/client.ts';
import { ApiError } from '../src/machinery/errors.ts';
import { createLogger } from '../src/cli/log.ts';
import { startGarbageCollector } from '../src/controllers/garbage-collector.ts';
import { startNamespaceController } from '../src/controllers/namespace-controller.ts';

const WAIT_MS = 5000;

type Kind = 'deployments' | 'replicasets' | 'pods' | 'configmaps' | 'secrets' | 'namespaces';
const GV: Record<Kind, [string, string]> = {
  deployments: ['apps', 'v1'], replicasets: ['apps', 'v1'], pods: ['', 'v1'],
  configmaps: ['', 'v1'], secrets: ['', 'v1'], namespaces: ['', 'v1'],
};

async function startStack() {
  const store = openSqliteStore(':memory:');
  const index = new ResourceIndex(allResources);
  const nsDef = index.lookup('', 'v1', 'namespaces')!;
  let registry: GenericRegistry;
  const getNamespace = async (name: string) => {
    try { return await registry.get(nsDef, undefined, name); } catch { return undefined; }
  };
  registry = new GenericRegistry(store, { admission: [namespaceLifecycle(getNamespace)] });
  const client = inProcessClient(registry, index, { name: 'system:kube-controller-manager', groups: [] });
  const informers = new InformerFactory((g, v, p) => client.resource(g, v, p));
  await client.resource('', 'v1', 'namespaces').create({ metadata: { name: 'default' } });
  const log = createLogger(process.env.SKIFF_TEST_LOG ? 'debug' : 'error');
  const deps = { client, informers, resources: allResources, log };
  const gc = startGarbageCollector(deps);
  const nsc = startNamespaceController(deps);
  await informers.waitForSync();
  const rc = (kind: Kind) => client.resource(GV[kind][0], GV[kind][1], kind);
  return {
    client, informers, rc,
    async stop() {
      gc.stop();
      nsc.stop();
      informers.stop();
      await store.close();
    },
  };
}
type Stack = Awaited<ReturnType<typeof startStack>>;

async function waitFor(what: string, check: () => Promise<boolean> | boolean, timeoutMs = WAIT_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function getOrUndefined(s: Stack, kind: Kind, name: string, namespace?: string): Promise<KObject | undefined> {
  try {
    return await s.rc(kind).get(name, namespace);
  } catch (err) {
    if (err instanceof ApiError && err.reason === 'NotFound') return undefined;
    throw err;
  }
}

function ownerRef(owner: KObject, opts: { controller?: boolean; blockOwnerDeletion?: boolean } = {}): OwnerReference {
  return {
    apiVersion: owner.apiVersion!, kind: owner.kind!, name: owner.metadata!.name!, uid: owner.metadata!.uid!,
    ...(opts.controller ? { controller: true } : {}),
    ...(opts.blockOwnerDeletion ? { blockOwnerDeletion: true } : {}),
  };
}

const template = { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx' }] } };

/**
 * A Deployment owning a ReplicaSet owning two Pods, as the controllers would create them
 * (controller + blockOwnerDeletion references). Resolves once the informers (and so the
 * collector's graph) have seen every object.
 */
async function createFamily(s: Stack, namespace: string, podFinalizers: Record<string, string[]> = {}) {
  const deployment = await s.rc('deployments').create({
    metadata: { name: 'web', namespace },
    spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, template },
  });
  const replicaSet = await s.rc('replicasets').create({
    metadata: { name: 'web-1', namespace, ownerReferences: [ownerRef(deployment, { controller: true, blockOwnerDeletion: true })] },
    spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, template },
  });
  const pods: KObject[] = [];
  for (const name of ['web-1-a', 'web-1-b']) {
    pods.push(await s.rc('pods').create({
      metadata: {
        name, namespace, labels: { app: 'web' }, finalizers: podFinalizers[name],
        ownerReferences: [ownerRef(replicaSet, { controller: true, blockOwnerDeletion: true })],
      },
      spec: template.spec,
    }));
  }
  await waitFor('the informers to see the family', () =>
    !!s.informers.informer('apps', 'v1', 'deployments').get('web', namespace) &&
    !!s.informers.informer('apps', 'v1', 'replicasets').get('web-1', namespace) &&
    pods.every((p) => !!s.informers.informer('', 'v1', 'pods').get(p.metadata!.name!, namespace)));
  return { deployment, replicaSet, pods };
}

test('background deletion of a Deployment removes its ReplicaSet and Pods', async () => {
  const s = await startStack();
  try {
    await createFamily(s, 'default');
    // While the owners live nothing is collected.
    await new Promise((r) => setTimeout(r, 50));
    assert.ok(await getOrUndefined(s, 'replicasets', 'web-1', 'default'));
    assert.equal((await s.rc('pods').list({ namespace: 'default' })).items.length, 2);

    const res = await s.rc('deployments').delete('web', { namespace: 'default', propagationPolicy: 'Background' });
    assert.equal(res.deleted, true);
    await waitFor('the ReplicaSet and Pods to be collected', async () =>
      !(await getOrUndefined(s, 'replicasets', 'web-1', 'default')) &&
      (await s.rc('pods').list({ namespace: 'default' })).items.length === 0);
  } finally {
    await s.stop();
  }
});

test('orphan deletion removes the Deployment and leaves its ReplicaSet without owners', async () => {
  const s = await startStack();
  try {
    await createFamily(s, 'default');
    const res = await s.rc('deployments').delete('web', { namespace: 'default', propagationPolicy: 'Orphan' });
    assert.equal(res.deleted, false);
    assert.deepEqual(res.object.metadata?.finalizers, ['orphan']);
    await waitFor('the Deployment to be deleted', async () => !(await getOrUndefined(s, 'deployments', 'web', 'default')));

    const rs = await s.rc('replicasets').get('web-1', 'default');
    assert.equal(rs.metadata?.ownerReferences, undefined);
    assert.equal(rs.metadata?.deletionTimestamp, undefined);
    // The Pods keep their (still valid) owner, and nobody collects the orphans.
    await new Promise((r) => setTimeout(r, 50));
    const pods = (await s.rc('pods').list({ namespace: 'default' })).items;
    assert.equal(pods.length, 2);
    for (const p of pods) assert.deepEqual(p.metadata?.ownerReferences?.map((r) => r.uid), [rs.metadata?.uid]);
    assert.ok(await getOrUndefined(s, 'replicasets', 'web-1', 'default'));
  } finally {
    await s.stop();
  }
});

test('foreground deletion removes Pods, then the ReplicaSet, then the Deployment', async () => {
  const s = await startStack();
  try {
    const deletions: string[] = [];
    for (const kind of ['deployments', 'replicasets', 'pods'] as const) {
      s.informers.informer(GV[kind][0], GV[kind][1], kind).addHandlers({ onDelete: (o) => deletions.push(`${o.kind}/${o.metadata?.name}`) });
    }
    // One Pod holds a finalizer, so the chain visibly waits on it.
    await createFamily(s, 'default', { 'web-1-a': ['example.com/hold'] });

    const res = await s.rc('deployments').delete('web', { namespace: 'default', propagationPolicy: 'Foreground' });
    assert.equal(res.deleted, false);
    assert.deepEqual(res.object.metadata?.finalizers, ['foregroundDeletion']);

    await waitFor('the unheld Pod to go and the held one to be marked', async () => {
      const held = await getOrUndefined(s, 'pods', 'web-1-a', 'default');
      return !(await getOrUndefined(s, 'pods', 'web-1-b', 'default')) && !!held?.metadata?.deletionTimestamp;
    });
    const rs = await s.rc('replicasets').get('web-1', 'default');
    assert.ok(rs.metadata?.deletionTimestamp, 'the ReplicaSet is being deleted');
    assert.deepEqual(rs.metadata?.finalizers, ['foregroundDeletion']);
    await new Promise((r) => setTimeout(r, 50));
    const deployment = await s.rc('deployments').get('web', 'default');
    assert.ok(deployment.metadata?.deletionTimestamp, 'the Deployment waits, marked for deletion');
    assert.deepEqual(deployment.metadata?.finalizers, ['foregroundDeletion']);
    assert.ok(await getOrUndefined(s, 'replicasets', 'web-1', 'default'), 'the ReplicaSet waits for its held Pod');

    await s.rc('pods').patch('web-1-a', 'merge', { metadata: { finalizers: null } }, { namespace: 'default' });
    await waitFor('the Deployment to be deleted', async () => !(await getOrUndefined(s, 'deployments', 'web', 'default')));
    assert.equal(await getOrUndefined(s, 'replicasets', 'web-1', 'default'), undefined);
    const order = (name: string) => deletions.indexOf(name);
    assert.ok(order('Pod/web-1-a') >= 0 && order('Pod/web-1-b') >= 0, `pods deleted: ${deletions}`);
    assert.ok(order('Pod/web-1-a') < order('ReplicaSet/web-1') && order('Pod/web-1-b') < order('ReplicaSet/web-1'), `order: ${deletions}`);
    assert.ok(order('ReplicaSet/web-1') < order('Deployment/web'), `order: ${deletions}`);
  } finally {
    await s.stop();
  }
});

test('a dependent with two owners loses only the reference to the one deleted', async () => {
  const s = await startStack();
  try {
    const cms = s.rc('configmaps');
    const a = await cms.create({ metadata: { name: 'owner-a', namespace: 'default' } });
    const b = await cms.create({ metadata: { name: 'owner-b', namespace: 'default' } });
    await cms.create({ metadata: { name: 'shared', namespace: 'default', ownerReferences: [ownerRef(a), ownerRef(b)] } });
    await waitFor('the informer to see the dependent', () => !!s.informers.informer('', 'v1', 'configmaps').get('shared', 'default'));

    await cms.delete('owner-a', { namespace: 'default' });
    await waitFor('the dead reference to be dropped', async () =>
      (await cms.get('shared', 'default')).metadata?.ownerReferences?.length === 1);
    const shared = await cms.get('shared', 'default');
    assert.deepEqual(shared.metadata?.ownerReferences?.map((r) => r.name), ['owner-b']);
    assert.equal(shared.metadata?.deletionTimestamp, undefined);

    await cms.delete('owner-b', { namespace: 'default' });
    await waitFor('the dependent to be collected once its last owner is gone', async () => !(await getOrUndefined(s, 'configmaps', 'shared', 'default')));
  } finally {
    await s.stop();
  }
});

test('dependents of owners that never existed, or were replaced by a namesake, are collected', async () => {
  const s = await startStack();
  try {
    const cms = s.rc('configmaps');
    const owner = await cms.create({ metadata: { name: 'owner', namespace: 'default' } });
    const cases = [
      { name: 'never-owned', ref: { apiVersion: 'v1', kind: 'ConfigMap', name: 'ghost', uid: '00000000-0000-0000-0000-000000000001' } },
      { name: 'stale-uid', ref: { ...ownerRef(owner), uid: '00000000-0000-0000-0000-000000000002' } },
      { name: 'live-owner', ref: ownerRef(owner) },
    ];
    for (const c of cases) await cms.create({ metadata: { name: c.name, namespace: 'default', ownerReferences: [c.ref] } });
    await waitFor('dependents of absent owners to be collected', async () =>
      !(await getOrUndefined(s, 'configmaps', 'never-owned', 'default')) && !(await getOrUndefined(s, 'configmaps', 'stale-uid', 'default')));
    assert.ok(await getOrUndefined(s, 'configmaps', 'live-owner', 'default'), 'a dependent of a live owner stays');
  } finally {
    await s.stop();
  }
});

function conditionsOf(ns: KObject): Record<string, Pick<NamespaceCondition, 'status' | 'reason' | 'message'>> {
  const out: Record<string, Pick<NamespaceCondition, 'status' | 'reason' | 'message'>> = {};
  for (const c of ((ns.status as { conditions?: NamespaceCondition[] })?.conditions ?? [])) {
    out[c.type] = { status: c.status, reason: c.reason, message: c.message };
  }
  return out;
}

test('deleting a namespace deletes everything in it, then the namespace', async () => {
  const s = await startStack();
  try {
    await s.rc('namespaces').create({ metadata: { name: 'doomed' } });
    await s.rc('configmaps').create({ metadata: { name: 'settings', namespace: 'doomed' }, data: { a: '1' } });
    await s.rc('secrets').create({ metadata: { name: 'token', namespace: 'doomed' }, stringData: { t: 'x' } });
    await createFamily(s, 'doomed');
    // A neighbour namespace is left alone.
    await s.rc('configmaps').create({ metadata: { name: 'neighbour', namespace: 'default' } });

    const res = await s.rc('namespaces').delete('doomed', { propagationPolicy: 'Background' });
    assert.equal(res.deleted, false);
    assert.equal((res.object.status as { phase?: string }).phase, 'Terminating');

    await waitFor('the namespace to be removed', async () => !(await getOrUndefined(s, 'namespaces', 'doomed')));
    for (const kind of ['configmaps', 'secrets', 'deployments', 'replicasets', 'pods'] as const) {
      assert.deepEqual((await s.rc(kind).list({ namespace: 'doomed' })).items.map((o) => o.metadata?.name), [], `${kind} left in doomed`);
    }
    assert.ok(await getOrUndefined(s, 'configmaps', 'neighbour', 'default'));
  } finally {
    await s.stop();
  }
});

test('a terminating namespace reports content held by finalizers and waits for it', async () => {
  const s = await startStack();
  try {
    await s.rc('namespaces').create({ metadata: { name: 'held' } });
    await s.rc('configmaps').create({ metadata: { name: 'keep', namespace: 'held', finalizers: ['example.com/hold'] } });
    await s.rc('secrets').create({ metadata: { name: 'gone', namespace: 'held' } });
    await s.rc('namespaces').delete('held', {});

    const expected = {
      NamespaceDeletionDiscoveryFailure: { status: 'False', reason: 'ResourcesDiscovered', message: 'All resources successfully discovered' },
      NamespaceDeletionGroupVersionParsingFailure: { status: 'False', reason: 'ParsedGroupVersions', message: 'All legacy kube types successfully parsed' },
      NamespaceDeletionContentFailure: { status: 'False', reason: 'ContentDeleted', message: 'All content successfully deleted, may be waiting on finalization' },
      NamespaceContentRemaining: { status: 'True', reason: 'SomeResourcesRemain', message: 'Some resources are remaining: configmaps. has 1 resource instances' },
      NamespaceFinalizersRemaining: { status: 'True', reason: 'SomeFinalizersRemain', message: 'Some content in the namespace has finalizers remaining: example.com/hold in 1 resource instances' },
    };
    await waitFor('the namespace conditions to report the held content', async () => {
      const ns = await getOrUndefined(s, 'namespaces', 'held');
      return !!ns && JSON.stringify(conditionsOf(ns)) === JSON.stringify(expected);
    });
    const ns = await s.rc('namespaces').get('held');
    assert.deepEqual(conditionsOf(ns), expected);
    assert.deepEqual((ns.spec as { finalizers?: string[] }).finalizers, ['kubernetes']);
    assert.equal((ns.status as { phase?: string }).phase, 'Terminating');
    assert.equal(await getOrUndefined(s, 'secrets', 'gone', 'held'), undefined);
    const keep = await s.rc('configmaps').get('keep', 'held');
    assert.ok(keep.metadata?.deletionTimestamp);

    // Releasing the content lets the namespace finish well before the 15 s finalizer estimate.
    await s.rc('configmaps').patch('keep', 'merge', { metadata: { finalizers: null } }, { namespace: 'held' });
    await waitFor('the namespace to be removed', async () => !(await getOrUndefined(s, 'namespaces', 'held')));
  } finally {
    await s.stop();
  }
});
