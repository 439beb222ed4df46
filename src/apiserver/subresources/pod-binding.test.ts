// pods/binding on a real (in-memory) store: one binding per pod, upstream's 409s, and what the
// written pod holds; plus what write results and shared watch objects look like.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openSqliteStore } from '../../storage/sqlite-store.ts';
import { ResourceIndex } from '../resource-index.ts';
import { GenericRegistry, type ApiWatchEvent } from '../generic-registry.ts';
import { allResources } from '../../api/all.ts';
import { ApiError } from '../../machinery/errors.ts';
import type { KObject } from '../../api/types.ts';
import { bindPod } from './pod-binding.ts';

function setup() {
  const store = openSqliteStore(':memory:');
  const index = new ResourceIndex(allResources);
  const registry = new GenericRegistry(store);
  const pods = index.lookup('', 'v1', 'pods')!;
  return { store, registry, pods };
}

const pod = (name: string): KObject => ({ metadata: { name }, spec: { containers: [{ name: 'app', image: 'pause' }] } });
const binding = (name: string, node: string, uid?: string): KObject =>
  ({ metadata: { name, ...(uid ? { uid } : {}) }, target: { kind: 'Node', name: node } }) as unknown as KObject;

async function refusal(p: Promise<unknown>): Promise<ApiError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof ApiError, String(err));
    return err;
  }
  assert.fail('expected the request to be refused');
}

test('a binding sets the node and PodScheduled once; later bindings and wrong UIDs are 409s', async () => {
  const { store, registry, pods } = setup();
  const created = await registry.create(pods, 'default', pod('web'));
  const status = await bindPod(registry, pods, 'default', 'web', binding('web', 'n1', created.metadata!.uid), {});
  assert.equal((status as { status?: string }).status, 'Success');
  const bound = await registry.get(pods, 'default', 'web') as KObject & { spec: { nodeName?: string }; status: { conditions?: Array<{ type: string; status: string }> } };
  assert.equal(bound.spec.nodeName, 'n1');
  assert.deepEqual(bound.status.conditions?.map((c) => [c.type, c.status]), [['PodScheduled', 'True']]);
  assert.equal(Number(bound.metadata!.resourceVersion), Number(created.metadata!.resourceVersion) + 1);

  const again = await refusal(bindPod(registry, pods, 'default', 'web', binding('web', 'n2'), {}));
  assert.deepEqual([again.code, again.message], [409, 'Operation cannot be fulfilled on pods "web": pod web is already assigned to node "n1"']);
  await registry.create(pods, 'default', pod('db'));
  const wrongUid = await refusal(bindPod(registry, pods, 'default', 'db', binding('db', 'n1', 'not-its-uid'), {}));
  assert.equal(wrongUid.code, 409);
  assert.match(wrongUid.message, /Precondition failed: UID in precondition: not-its-uid/);
  const missing = await refusal(bindPod(registry, pods, 'default', 'nope', binding('nope', 'n1'), {}));
  assert.equal(missing.code, 404);
  // Refused bindings wrote nothing.
  assert.equal((await registry.get(pods, 'default', 'db') as { spec: { nodeName?: string } }).spec.nodeName, undefined);
  await store.close();
});

test('a write answers the object exactly as a read of it gives it back', async () => {
  const { store, registry, pods } = setup();
  const created = await registry.create(pods, 'default', pod('web'));
  assert.equal(JSON.stringify(created), JSON.stringify(await registry.get(pods, 'default', 'web')));
  const updated = await registry.update(pods, 'default', 'web', { ...created, status: { phase: 'Running' } }, { subresource: 'status' });
  assert.equal(JSON.stringify(updated), JSON.stringify(await registry.get(pods, 'default', 'web')));
  assert.equal((updated.status as { phase?: string }).phase, 'Running');
  await store.close();
});

test('a /status write takes only status from the body and leaves the caller\'s object alone', async () => {
  const { store, registry, pods } = setup();
  const created = await registry.create(pods, 'default', pod('web'));
  const body = structuredClone(created) as KObject & { spec: { containers: Array<{ image: string }> } };
  body.spec.containers[0].image = 'changed';
  body.status = { phase: 'Running' };
  const before = JSON.stringify(body);
  const updated = await registry.update(pods, 'default', 'web', body, { subresource: 'status' }) as KObject & { spec: { containers: Array<{ image: string }> } };
  assert.equal(updated.spec.containers[0].image, 'pause');
  assert.equal(JSON.stringify(body), before);
  await store.close();
});

test('watchers asking for shared cache objects get one object per change, without managedFields', async () => {
  const { store, registry, pods } = setup();
  const seen: ApiWatchEvent[][] = [[], [], []];
  const queries = [{ sharedCacheObjects: true }, { sharedCacheObjects: true }, {}];
  await registry.create(pods, 'default', pod('first'));
  const from = String(await store.currentRevision());
  const handles = await Promise.all(queries.map((q, i) => registry.watch(pods, { namespace: 'default', resourceVersion: from, ...q }, (ev) => seen[i].push(ev), () => {})));
  const withFields = { ...pod('web'), metadata: { name: 'web', managedFields: [{ manager: 'm', operation: 'Update', apiVersion: 'v1', fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': {} } }] } };
  await registry.create(pods, 'default', withFields as KObject);
  const deadline = Date.now() + 5000;
  while (seen.some((s) => s.length < 1) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  for (const h of handles) h.stop();
  const [a, b, own] = seen.map((s) => s[0].object);
  assert.equal(a, b);
  assert.equal(a.metadata!.managedFields, undefined);
  assert.ok(own.metadata!.managedFields?.length, 'a private copy keeps managedFields');
  assert.notEqual(own, a);
  assert.equal(a.metadata!.resourceVersion, own.metadata!.resourceVersion);
  await store.close();
});
