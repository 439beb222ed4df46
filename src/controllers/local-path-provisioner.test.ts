// The local-path provisioner on an in-process stack (SQLite in memory, registry, informers),
// with a real storage dir: provision on first consumer, bind, and reclaim on claim deletion.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Event, PersistentVolume, PersistentVolumeClaim } from 'kubernetes-types/core/v1';
import type { StorageClass } from 'kubernetes-types/storage/v1';
import { openSqliteStore } from '../storage/sqlite-store.ts';
import { ResourceIndex } from '../apiserver/resource-index.ts';
import { GenericRegistry } from '../apiserver/generic-registry.ts';
import { allResources } from '../api/all.ts';
import type { KObject } from '../api/types.ts';
import { inProcessClient } from '../client/in-process-client.ts';
import { InformerFactory } from '../client/informer.ts';
import { createEventRecorder } from '../client/event-recorder.ts';
import { createLogger } from '../cli/log.ts';
import { defaultStorageClass } from '../apiserver/admission/default-storage-class.ts';
import { LOCAL_PATH_STORAGE_CLASS, startLocalPathProvisioner } from './local-path-provisioner.ts';

async function stack(t: { after(fn: () => Promise<void>): void }) {
  const root = mkdtempSync(join(tmpdir(), 'skiff-localpath-'));
  const storageDir = join(root, 'storage');
  const store = openSqliteStore(':memory:');
  const index = new ResourceIndex(allResources);
  let registry: GenericRegistry;
  const scDef = index.lookup('storage.k8s.io', 'v1', 'storageclasses')!;
  registry = new GenericRegistry(store, { admission: [defaultStorageClass(async () => (await registry.list(scDef, {})).items as unknown as StorageClass[])] });
  const client = inProcessClient(registry, index, { name: 'system:kube-controller-manager', groups: [] });
  const informers = new InformerFactory((g, v, p) => client.resource(g, v, p));
  const log = createLogger('error');
  const controller = startLocalPathProvisioner({ client, informers, log, storageDir, recorder: createEventRecorder(client, { component: 'rancher.io/local-path' }, log) });
  await informers.waitForSync();
  t.after(async () => {
    controller.stop();
    informers.stop();
    await store.close();
    rmSync(root, { recursive: true, force: true });
  });
  const r = (plural: string, group = '') => client.resource(group, 'v1', plural);
  const claim = (name: string) => r('persistentvolumeclaims').get(name, 'default') as Promise<PersistentVolumeClaim>;
  return { r, claim, storageDir };
}

async function until<T>(what: string, check: () => Promise<T | undefined | false>, ms = 5000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await check().catch(() => undefined);
    if (v) return v;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((res) => setTimeout(res, 20));
  }
}

const claimSpec = { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '2Gi' } } };

test('a claim waits for its first consumer, then gets a node-pinned hostPath volume and is bound', async (t) => {
  const s = await stack(t);
  await s.r('storageclasses', 'storage.k8s.io').create(structuredClone(LOCAL_PATH_STORAGE_CLASS) as unknown as KObject);
  const created = await s.r('persistentvolumeclaims').create({ metadata: { name: 'data', namespace: 'default' }, spec: claimSpec } as KObject) as PersistentVolumeClaim;
  assert.equal(created.spec?.storageClassName, 'local-path', 'the default class is filled in');
  await until('the WaitForFirstConsumer event', async () => (await s.r('events').list({ namespace: 'default' })).items.some((e) => (e as unknown as Event).reason === 'WaitForFirstConsumer'));
  assert.equal((await s.claim('data')).status?.phase, 'Pending');
  assert.equal((await s.r('persistentvolumes').list()).items.length, 0);

  await s.r('pods').create({ metadata: { name: 'user', namespace: 'default' }, spec: { nodeName: 'node-a', containers: [{ name: 'c', image: 'busybox' }], volumes: [{ name: 'd', persistentVolumeClaim: { claimName: 'data' } }] } } as KObject);
  const bound = await until('the claim bound', async () => { const c = await s.claim('data'); return c.status?.phase === 'Bound' && c; });
  const uid = created.metadata!.uid!;
  assert.equal(bound.spec?.volumeName, `pvc-${uid}`);
  assert.deepEqual(bound.status?.capacity, { storage: '2Gi' });
  assert.deepEqual(bound.status?.accessModes, ['ReadWriteOnce']);
  assert.equal(bound.metadata?.annotations?.['pv.kubernetes.io/bind-completed'], 'yes');
  assert.equal(bound.metadata?.annotations?.['volume.kubernetes.io/storage-provisioner'], 'rancher.io/local-path');

  const pv = await until('the volume bound', async () => { const v = await s.r('persistentvolumes').get(`pvc-${uid}`) as PersistentVolume; return v.status?.phase === 'Bound' && v; });
  assert.deepEqual(pv.spec?.hostPath, { path: join(s.storageDir, `pvc-${uid}_default_data`), type: 'DirectoryOrCreate' });
  assert.deepEqual(pv.spec?.nodeAffinity?.required?.nodeSelectorTerms, [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['node-a'] }] }]);
  assert.equal(pv.spec?.persistentVolumeReclaimPolicy, 'Delete');
  assert.equal(pv.spec?.storageClassName, 'local-path');
  assert.deepEqual({ ...pv.spec?.claimRef, resourceVersion: undefined }, { apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace: 'default', name: 'data', uid, resourceVersion: undefined });
  assert.equal(pv.metadata?.annotations?.['pv.kubernetes.io/provisioned-by'], 'rancher.io/local-path');

  // The kubelet makes the directory (DirectoryOrCreate) and the pod writes to it; deleting the claim removes both.
  mkdirSync(pv.spec!.hostPath!.path, { recursive: true });
  writeFileSync(join(pv.spec!.hostPath!.path, 'file'), 'x');
  await s.r('persistentvolumeclaims').delete('data', { namespace: 'default' });
  await until('the volume deleted', async () => !(await s.r('persistentvolumes').list()).items.length);
  assert.equal(existsSync(pv.spec!.hostPath!.path), false);
  assert.equal(existsSync(s.storageDir), true, 'only the volume\'s own dir goes');
});

test('selected-node annotation, Retain, other provisioners and classless claims', async (t) => {
  const s = await stack(t);
  await s.r('storageclasses', 'storage.k8s.io').create({ ...structuredClone(LOCAL_PATH_STORAGE_CLASS), metadata: { name: 'keep' }, reclaimPolicy: 'Retain' } as KObject);
  await s.r('storageclasses', 'storage.k8s.io').create({ metadata: { name: 'ebs' }, provisioner: 'ebs.csi.aws.com', volumeBindingMode: 'Immediate' } as KObject);

  await s.r('persistentvolumeclaims').create({ metadata: { name: 'kept', namespace: 'default', annotations: { 'volume.kubernetes.io/selected-node': 'node-b' } }, spec: { ...claimSpec, storageClassName: 'keep' } } as KObject);
  await s.r('persistentvolumeclaims').create({ metadata: { name: 'cloud', namespace: 'default' }, spec: { ...claimSpec, storageClassName: 'ebs' } } as KObject);
  await s.r('persistentvolumeclaims').create({ metadata: { name: 'plain', namespace: 'default' }, spec: claimSpec } as KObject);

  const kept = await until('the annotated claim bound', async () => { const c = await s.claim('kept'); return c.status?.phase === 'Bound' && c; });
  const pv = await s.r('persistentvolumes').get(kept.spec!.volumeName!) as PersistentVolume;
  assert.deepEqual(pv.spec?.nodeAffinity?.required?.nodeSelectorTerms?.[0].matchExpressions?.[0].values, ['node-b']);

  // No default class existed when `plain` was made; one arriving takes it in (retroactively).
  await s.r('storageclasses', 'storage.k8s.io').create(structuredClone(LOCAL_PATH_STORAGE_CLASS) as unknown as KObject);
  await until('the classless claim given the default class', async () => (await s.claim('plain')).spec?.storageClassName === 'local-path');

  await s.r('persistentvolumeclaims').delete('kept', { namespace: 'default' });
  await until('the retained volume released', async () => ((await s.r('persistentvolumes').get(pv.metadata!.name!)) as PersistentVolume).status?.phase === 'Released');
  await new Promise((res) => setTimeout(res, 100));
  assert.equal((await s.claim('cloud')).status?.phase, 'Pending', 'another provisioner\'s claim is left alone');
  assert.equal((await s.r('persistentvolumes').list()).items.length, 1);
});
