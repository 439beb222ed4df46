// Watch and list semantics of the generic registry on a real store, without HTTP: events after
// a resourceVersion, selector transitions, 410 Expired after compaction, paging at a revision.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openSqliteStore } from '../src/storage/sqlite-store.ts';
import { ResourceIndex } from '../src/apiserver/resource-index.ts';
import { GenericRegistry, type ApiWatchEvent } from '../src/apiserver/generic-registry.ts';
import { allResources } from '../src/api/all.ts';
import type { ApiError } from '../src/machinery/errors.ts';

function setup() {
  const store = openSqliteStore(':memory:');
  const index = new ResourceIndex(allResources);
  const registry = new GenericRegistry(store);
  const cm = index.lookup('', 'v1', 'configmaps')!;
  return { store, registry, cm };
}

async function collect(registry: GenericRegistry, def: never, q: Record<string, unknown>, until: (evs: ApiWatchEvent[]) => boolean) {
  const events: ApiWatchEvent[] = [];
  let ended: ApiError | undefined;
  let done = false;
  const handle = await registry.watch(def, q, (ev) => events.push(ev), (err) => { ended = err; done = true; });
  const deadline = Date.now() + 5000;
  while (!until(events) && !done && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  handle.stop();
  return { events, ended };
}

test('a watch from a resourceVersion sees exactly the later changes, with selector transitions', async () => {
  const { registry, cm, store } = setup();
  const a = await registry.create(cm, 'default', { metadata: { name: 'a', labels: { team: 'x' } } });
  const from = a.metadata!.resourceVersion!;
  await registry.patch(cm, 'default', 'a', 'merge', { metadata: { labels: { team: 'y' } } });
  await registry.patch(cm, 'default', 'a', 'merge', { metadata: { labels: { team: 'x' } } });
  await registry.create(cm, 'default', { metadata: { name: 'b', labels: { team: 'y' } } });
  await registry.delete(cm, 'default', 'a');
  const { events } = await collect(registry, cm as never, { namespace: 'default', resourceVersion: from, labelSelector: 'team=x' }, (e) => e.length >= 3);
  assert.deepEqual(events.map((e) => [e.type, e.object.metadata!.name]), [['DELETED', 'a'], ['ADDED', 'a'], ['DELETED', 'a']]);
  await store.close();
});

test('a watch or continue from a compacted revision ends with 410 Expired', async () => {
  const { registry, cm, store } = setup();
  const first = await registry.create(cm, 'default', { metadata: { name: 'a' } });
  for (let i = 0; i < 5; i++) await registry.patch(cm, 'default', 'a', 'merge', { data: { i: String(i) } });
  await registry.create(cm, 'default', { metadata: { name: 'b' } });
  const page = await registry.list(cm, { namespace: 'default', limit: 1 });
  assert.ok(page.continue);
  await registry.patch(cm, 'default', 'b', 'merge', { data: { later: 'yes' } });
  await store.compact(await store.currentRevision());
  const { ended } = await collect(registry, cm as never, { namespace: 'default', resourceVersion: first.metadata!.resourceVersion }, () => false);
  assert.equal(ended?.code, 410);
  assert.equal(ended?.reason, 'Expired');
  assert.match(ended!.message, /^too old resource version: \d+ \(\d+\)$/);
  await assert.rejects(registry.list(cm, { namespace: 'default', limit: 1, continue: page.continue }), (err: ApiError) => err.code === 410 && /continue parameter is too old/.test(err.message));
  await store.close();
});

test('a list at an exact resourceVersion shows the past', async () => {
  const { registry, cm, store } = setup();
  const a = await registry.create(cm, 'default', { metadata: { name: 'a' }, data: { v: '1' } });
  await registry.patch(cm, 'default', 'a', 'merge', { data: { v: '2' } });
  const past = await registry.list(cm, { namespace: 'default', resourceVersion: a.metadata!.resourceVersion, resourceVersionMatch: 'Exact' });
  assert.equal((past.items[0].data as Record<string, string>).v, '1');
  assert.equal(past.resourceVersion, a.metadata!.resourceVersion);
  await store.close();
});

test('finalizers hold an object until the last one is removed', async () => {
  const { registry, cm, store } = setup();
  await registry.create(cm, 'default', { metadata: { name: 'held', finalizers: ['example.com/hold'] } });
  const r = await registry.delete(cm, 'default', 'held');
  assert.equal(r.deleted, false);
  assert.ok(r.object.metadata!.deletionTimestamp);
  await assert.rejects(registry.patch(cm, 'default', 'held', 'merge', { metadata: { finalizers: ['example.com/hold', 'example.com/new'] } }), /no new finalizers can be added/);
  await registry.patch(cm, 'default', 'held', 'merge', { metadata: { finalizers: null } });
  await assert.rejects(registry.get(cm, 'default', 'held'), /not found/);
  await store.close();
});
