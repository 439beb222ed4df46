// ServiceAccount admission in a real registry's chain (SQLite in memory, in-process client).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod, ServiceAccount } from 'kubernetes-types/core/v1';
import { openSqliteStore } from '../../storage/sqlite-store.ts';
import { ResourceIndex } from '../resource-index.ts';
import { GenericRegistry } from '../generic-registry.ts';
import { allResources } from '../../api/all.ts';
import type { KObject } from '../../api/types.ts';
import { inProcessClient } from '../../client/in-process-client.ts';
import { ApiError } from '../../machinery/errors.ts';
import { serviceAccountAdmission, TOKEN_MOUNT_PATH } from './service-account.ts';

async function stack(t: { after(fn: () => Promise<void>): void }) {
  const store = openSqliteStore(':memory:');
  const index = new ResourceIndex(allResources);
  const saDef = index.lookup('', 'v1', 'serviceaccounts')!;
  let registry: GenericRegistry;
  const lookups: string[] = [];
  const plugin = serviceAccountAdmission({
    async getServiceAccount(namespace, name) {
      lookups.push(`${namespace}/${name}`);
      try { return await registry.get(saDef, namespace, name) as ServiceAccount; } catch (err) {
        if (err instanceof ApiError && err.code === 404) return undefined;
        throw err;
      }
    },
    retryDelayMs: () => 1,
    generateSuffix: () => 'x7k2q',
  });
  registry = new GenericRegistry(store, { admission: [plugin] });
  t.after(() => store.close());
  const client = inProcessClient(registry, index, { name: 'admin', groups: ['system:masters'] });
  const r = (plural: string) => client.resource('', 'v1', plural);
  const createPod = async (spec: Record<string, unknown>, meta: Record<string, unknown> = {}) =>
    await r('pods').create({ metadata: { name: 'p', namespace: 'default', ...meta }, spec } as KObject) as Pod;
  return { r, createPod, lookups };
}

test('a pod gets the default account and the kube-api-access volume in every container', async (t) => {
  const s = await stack(t);
  await s.r('serviceaccounts').create({ metadata: { name: 'default', namespace: 'default' }, imagePullSecrets: [{ name: 'regcred' }] } as KObject);
  const pod = await s.createPod({
    initContainers: [{ name: 'init', image: 'busybox' }],
    containers: [
      { name: 'app', image: 'busybox', volumeMounts: [{ name: 'data', mountPath: '/data' }] },
      { name: 'own', image: 'busybox', volumeMounts: [{ name: 'data', mountPath: TOKEN_MOUNT_PATH }] },
    ],
    volumes: [{ name: 'data', emptyDir: {} }],
  });
  const spec = pod.spec!;
  assert.equal(spec.serviceAccountName, 'default');
  assert.deepEqual(spec.imagePullSecrets, [{ name: 'regcred' }]);
  assert.deepEqual(spec.volumes![1], {
    name: 'kube-api-access-x7k2q',
    projected: {
      defaultMode: 420,
      sources: [
        { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
        { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
      ],
    },
  });
  const mount = { name: 'kube-api-access-x7k2q', readOnly: true, mountPath: TOKEN_MOUNT_PATH };
  assert.deepEqual(spec.initContainers![0].volumeMounts, [mount]);
  assert.deepEqual(spec.containers[0].volumeMounts, [{ name: 'data', mountPath: '/data' }, mount]);
  assert.deepEqual(spec.containers[1].volumeMounts, [{ name: 'data', mountPath: TOKEN_MOUNT_PATH }], 'a container with its own mount there keeps it');
});

test('automount off (pod or account), a named account, and a missing account', async (t) => {
  const s = await stack(t);
  await s.r('serviceaccounts').create({ metadata: { name: 'default', namespace: 'default' } } as KObject);
  await s.r('serviceaccounts').create({ metadata: { name: 'quiet', namespace: 'default' }, automountServiceAccountToken: false } as KObject);
  const noVolumes = (p: Pod) => (p.spec!.volumes ?? []).length === 0 && !p.spec!.containers[0].volumeMounts;

  assert.ok(noVolumes(await s.createPod({ automountServiceAccountToken: false, containers: [{ name: 'a', image: 'b' }] }, { name: 'p1' })));
  const quiet = await s.createPod({ serviceAccountName: 'quiet', containers: [{ name: 'a', image: 'b' }] }, { name: 'p2' });
  assert.ok(noVolumes(quiet));
  assert.equal(quiet.spec!.serviceAccountName, 'quiet');
  const override = await s.createPod({ serviceAccountName: 'quiet', automountServiceAccountToken: true, containers: [{ name: 'a', image: 'b' }] }, { name: 'p3' });
  assert.equal(override.spec!.volumes?.length, 1, 'the pod\'s preference wins');

  await assert.rejects(s.createPod({ serviceAccountName: 'ghost', containers: [{ name: 'a', image: 'b' }] }, { name: 'p4' }), (err: ApiError) => {
    assert.equal(err.code, 403);
    assert.equal(err.message, 'pods "p4" is forbidden: error looking up service account default/ghost: serviceaccount "ghost" not found');
    return true;
  });
  s.lookups.length = 0;
  await assert.rejects(s.createPod({ containers: [{ name: 'a', image: 'b' }] }, { name: 'p5', namespace: 'empty' }), /error looking up service account empty\/default: serviceaccount "default" not found/);
  assert.equal(s.lookups.length, 10, 'the default account is waited for');
});

test('mirror pods may not reference accounts or secrets; mountable secrets are enforced', async (t) => {
  const s = await stack(t);
  await s.r('serviceaccounts').create({
    metadata: { name: 'strict', namespace: 'default', annotations: { 'kubernetes.io/enforce-mountable-secrets': 'true' } }, secrets: [{ name: 'ok' }],
  } as KObject);
  const mirror = { 'kubernetes.io/config.mirror': 'x' };
  const table: Array<[Record<string, unknown>, Record<string, unknown>, RegExp]> = [
    [{ serviceAccountName: 'strict', nodeName: 'n', containers: [{ name: 'a', image: 'b' }] }, { annotations: mirror }, /a mirror pod may not reference service accounts/],
    [{ nodeName: 'n', containers: [{ name: 'a', image: 'b' }], volumes: [{ name: 's', secret: { secretName: 'x' } }] }, { annotations: mirror }, /a mirror pod may not reference secrets/],
    [{ serviceAccountName: 'strict', containers: [{ name: 'a', image: 'b' }], volumes: [{ name: 's', secret: { secretName: 'other' } }] }, {}, /volume with secret.secretName="other" is not allowed because service account strict does not reference that secret/],
    [{ serviceAccountName: 'strict', containers: [{ name: 'a', image: 'b', env: [{ name: 'E', valueFrom: { secretKeyRef: { name: 'other', key: 'k' } } }] }] }, {}, /container a with envVar E referencing secret.secretName="other" is not allowed/],
  ];
  let n = 0;
  for (const [spec, meta, want] of table) await assert.rejects(s.createPod(spec, { name: `m${n++}`, ...meta }), want);
  const mirrorPod = await s.createPod({ nodeName: 'n', containers: [{ name: 'a', image: 'b' }] }, { name: 'mirror-ok', annotations: mirror });
  assert.equal(mirrorPod.spec!.serviceAccountName, undefined, 'mirror pods are left as they are');
  const allowed = await s.createPod({ serviceAccountName: 'strict', containers: [{ name: 'a', image: 'b' }], volumes: [{ name: 's', secret: { secretName: 'ok' } }] }, { name: 'fine' });
  assert.equal(allowed.spec!.volumes!.length, 2);
});
