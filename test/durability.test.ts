// What survives: a clean restart keeps everything; `kill -9` in the middle of a burst of writes
// loses none that were acknowledged; the etcd backend serves the same API.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './helpers/server.ts';
import { startEtcd } from './helpers/etcd.ts';

test('everything is still there after a restart', async () => {
  const first = await startServer();
  try {
    await first.k('create', 'namespace', 'keep');
    await first.k('-n', 'keep', 'create', 'deployment', 'web', '--image=nginx:1.25', '--replicas=3');
    await first.k('-n', 'keep', 'label', 'deployment', 'web', 'tier=front');
    const before = JSON.parse(await first.k('-n', 'keep', 'get', 'deploy', 'web', '-o', 'json'));
    await first.stop();

    const second = await startServer({ dataDir: first.dataDir });
    try {
      const after = JSON.parse(await second.k('-n', 'keep', 'get', 'deploy', 'web', '-o', 'json'));
      assert.deepEqual(after, before);
      // New writes continue the same revision sequence.
      await second.k('-n', 'keep', 'scale', 'deploy', 'web', '--replicas=1');
      const scaled = JSON.parse(await second.k('-n', 'keep', 'get', 'deploy', 'web', '-o', 'json'));
      assert.ok(Number(scaled.metadata.resourceVersion) > Number(before.metadata.resourceVersion));
      assert.equal(scaled.metadata.generation, 2);
    } finally {
      await second.destroy();
    }
  } finally {
    await first.destroy();
  }
});

test('kill -9 during a burst of writes loses no acknowledged write', async () => {
  const first = await startServer();
  const acknowledged: string[] = [];
  let stop = false;
  const writer = async (w: number) => {
    for (let i = 0; !stop && i < 10_000; i++) {
      const name = `cm-${w}-${i}`;
      try {
        const r = await first.http('POST', '/api/v1/namespaces/default/configmaps', { metadata: { name }, data: { i: String(i) } });
        if (r.status === 201) acknowledged.push(name);
      } catch {
        return; // the connection died with the server
      }
    }
  };
  const writers = Array.from({ length: 8 }, (_, w) => writer(w));
  while (acknowledged.length < 300) await new Promise((r) => setTimeout(r, 10));
  await first.kill9();
  stop = true;
  await Promise.all(writers);

  const second = await startServer({ dataDir: first.dataDir });
  try {
    const list = (await second.http('GET', '/api/v1/namespaces/default/configmaps')).json();
    const stored = new Set(list.items.map((cm: { metadata: { name: string } }) => cm.metadata.name));
    const lost = acknowledged.filter((n) => !stored.has(n));
    assert.deepEqual(lost, [], `${lost.length} of ${acknowledged.length} acknowledged writes lost`);
  } finally {
    await second.destroy();
    await first.destroy();
  }
});

test('the same API on etcd: create, list, watch-from-revision and restart', async () => {
  const etcd = await startEtcd();
  const s = await startServer({ args: ['--datastore-endpoint', etcd.endpoint] });
  try {
    await s.k('create', 'namespace', 'onetcd');
    const created = (await s.http('POST', '/api/v1/namespaces/onetcd/configmaps', { metadata: { name: 'a' }, data: { x: '1' } })).json();
    const list = await s.k('-n', 'onetcd', 'get', 'cm', '-o', 'name');
    assert.match(list, /^configmap\/a$/m);
    const stale = await s.http('PUT', '/api/v1/namespaces/onetcd/configmaps/a', { ...created, metadata: { ...created.metadata, resourceVersion: '1' } });
    assert.equal(stale.status, 409);
    await s.stop();
    const again = await startServer({ dataDir: s.dataDir, args: ['--datastore-endpoint', etcd.endpoint] });
    try {
      assert.equal(await again.k('-n', 'onetcd', 'get', 'cm', 'a', '-o', 'jsonpath={.data.x}'), '1');
    } finally {
      await again.destroy();
    }
  } finally {
    await s.destroy();
    await etcd.stop();
  }
});
