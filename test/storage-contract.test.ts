// The Store contract, held against every backend: the same tests run on SQLite and on a real
// etcd. Backend-specific behaviour (SQLite persistence and space reclaim, etcd unavailability)
// is tested after the shared suite.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { StoreError, type KeyValue, type Store, type StoreErrorCode, type WatchEvent } from '../src/storage/store.ts';
import { openSqliteStore } from '../src/storage/sqlite-store.ts';
import { openEtcdStore } from '../src/storage/etcd-store.ts';
import { startCompactor } from '../src/storage/compactor.ts';
import { startEtcd, type TestEtcd } from './helpers/etcd.ts';

interface Backend {
  name: string;
  setup(): Promise<void>;
  teardown(): Promise<void>;
  /** A store for one test; tests use their own key prefix, so stores may share data. */
  open(): Promise<Store>;
}

function sqliteBackend(): Backend {
  let dir = '';
  let n = 0;
  return {
    name: 'sqlite',
    async setup() {
      dir = await mkdtemp(join(tmpdir(), 'skiff-sqlite-'));
    },
    async teardown() {
      await rm(dir, { recursive: true, force: true });
    },
    async open() {
      return openSqliteStore(join(dir, `store-${++n}.db`));
    },
  };
}

function etcdBackend(): Backend {
  let etcd: TestEtcd | undefined;
  return {
    name: 'etcd',
    async setup() {
      etcd = await startEtcd();
    },
    async teardown() {
      await etcd?.stop();
    },
    async open() {
      assert.ok(etcd, 'etcd did not start');
      return openEtcdStore([etcd.endpoint]);
    },
  };
}

let prefixCounter = 0;
/** A key prefix no other test uses (etcd tests share one keyspace). */
function freshPrefix(): string {
  return `/registry/t${++prefixCounter}-${process.pid}/`;
}

async function rejectsWith(promise: Promise<unknown>, code: StoreErrorCode): Promise<StoreError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof StoreError, `expected StoreError(${code}), got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    return err;
  }
  assert.fail(`expected StoreError(${code}), but the call succeeded`);
}

/** Collects a watch's events and its error; waitFor resolves once a condition holds. */
function collect(store: Store, prefix: string, afterRevision: number) {
  const events: WatchEvent[] = [];
  const batches: WatchEvent[][] = [];
  let error: StoreError | undefined;
  let wake = () => {};
  const watcher = store.watch(prefix, afterRevision, {
    onEvents(batch) {
      batches.push(batch);
      events.push(...batch);
      wake();
    },
    onError(err) {
      error = err;
      wake();
    },
  });
  async function waitFor(done: () => boolean, what: string): Promise<void> {
    const deadline = Date.now() + 5000;
    while (!done()) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) assert.fail(`timed out waiting for ${what}; got ${JSON.stringify(events)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(remaining, 100));
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }
  return {
    events,
    batches,
    error: () => error,
    stop: () => watcher.stop(),
    waitForEvents: (n: number) => waitFor(() => events.length >= n, `${n} events`),
    waitForError: () => waitFor(() => error !== undefined, 'an error'),
  };
}

/** Lets a watch deliver anything still in flight. */
async function settle(ms = 300): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms));
}

function summary(events: WatchEvent[]) {
  return events.map((e) => ({ type: e.type, key: e.kv.key, value: e.kv.value, rev: e.kv.modRevision }));
}

function contractSuite(backend: Backend): void {
  describe(`Store contract: ${backend.name}`, () => {
    const opened: Store[] = [];
    let store: Store;
    let p: string;

    before(async () => {
      await backend.setup();
    });
    after(async () => {
      for (const s of opened) await s.close();
      await backend.teardown();
    });

    async function fresh(): Promise<void> {
      store = await backend.open();
      opened.push(store);
      p = freshPrefix();
    }

    test('create, get, createRevision and modRevision', async () => {
      await fresh();
      assert.equal(await store.get(`${p}a`), undefined);
      const kv = await store.create(`${p}a`, '{"v":1}');
      assert.equal(kv.key, `${p}a`);
      assert.equal(kv.value, '{"v":1}');
      assert.ok(kv.modRevision > 0);
      assert.equal(kv.createRevision, kv.modRevision);
      assert.deepEqual(await store.get(`${p}a`), kv);
      assert.equal(await store.currentRevision(), kv.modRevision);
    });

    test('create of an existing key fails with KeyExists and changes nothing', async () => {
      await fresh();
      const kv = await store.create(`${p}a`, 'first');
      const revision = await store.currentRevision();
      await rejectsWith(store.create(`${p}a`, 'second'), 'KeyExists');
      assert.deepEqual(await store.get(`${p}a`), kv);
      assert.equal(await store.currentRevision(), revision);
    });

    test('update is compare-and-swap on modRevision and keeps createRevision', async () => {
      await fresh();
      const created = await store.create(`${p}a`, 'v1');
      const updated = await store.update(`${p}a`, 'v2', created.modRevision);
      assert.equal(updated.value, 'v2');
      assert.equal(updated.createRevision, created.createRevision);
      assert.ok(updated.modRevision > created.modRevision);

      const conflict = await rejectsWith(store.update(`${p}a`, 'stale', created.modRevision), 'Conflict');
      assert.deepEqual(conflict.current, updated);
      assert.equal((await store.get(`${p}a`))?.value, 'v2');

      const again = await store.update(`${p}a`, 'v3', updated.modRevision);
      assert.equal(again.createRevision, created.createRevision);
      await rejectsWith(store.update(`${p}missing`, 'x', 1), 'NotFound');
    });

    test('delete, guarded and unguarded; NotFound when absent', async () => {
      await fresh();
      const a = await store.create(`${p}a`, 'a');
      const b = await store.create(`${p}b`, 'b');

      const unguarded = await store.delete(`${p}a`);
      assert.deepEqual(unguarded.prev, a);
      assert.ok(unguarded.revision > b.modRevision);
      assert.equal(await store.get(`${p}a`), undefined);
      assert.equal(await store.currentRevision(), unguarded.revision);

      const conflict = await rejectsWith(store.delete(`${p}b`, b.modRevision - 1), 'Conflict');
      assert.deepEqual(conflict.current, b);
      assert.deepEqual(await store.get(`${p}b`), b);

      const guarded = await store.delete(`${p}b`, b.modRevision);
      assert.deepEqual(guarded.prev, b);
      assert.equal(await store.get(`${p}b`), undefined);

      await rejectsWith(store.delete(`${p}a`), 'NotFound');
      await rejectsWith(store.delete(`${p}never`, 5), 'NotFound');
      await rejectsWith(store.update(`${p}a`, 'x', unguarded.revision), 'NotFound');
    });

    test('a deleted key can be created again with a new createRevision', async () => {
      await fresh();
      const first = await store.create(`${p}a`, 'one');
      const { revision } = await store.delete(`${p}a`);
      const second = await store.create(`${p}a`, 'two');
      assert.ok(second.createRevision > revision);
      assert.notEqual(second.createRevision, first.createRevision);
      assert.equal(second.modRevision, second.createRevision);
    });

    test('revisions are global and strictly increasing; failed writes do not bump them', async () => {
      await fresh();
      const revisions: number[] = [];
      revisions.push((await store.create(`${p}x`, '1')).modRevision);
      revisions.push((await store.create(`${p}y`, '1')).modRevision);
      revisions.push((await store.update(`${p}x`, '2', revisions[0])).modRevision);
      revisions.push((await store.delete(`${p}y`)).revision);
      revisions.push((await store.create(`${p}z`, '1')).modRevision);
      for (let i = 1; i < revisions.length; i++) assert.ok(revisions[i] > revisions[i - 1], `${revisions}`);
      const current = await store.currentRevision();
      assert.equal(current, revisions[revisions.length - 1]);
      await rejectsWith(store.create(`${p}z`, 'again'), 'KeyExists');
      await rejectsWith(store.update(`${p}x`, '3', revisions[0]), 'Conflict');
      await rejectsWith(store.delete(`${p}y`), 'NotFound');
      assert.equal(await store.currentRevision(), current);
    });

    test('list and count return live keys under the prefix, ordered by key', async () => {
      await fresh();
      for (const name of ['c', 'a', 'b/x', 'b/y', 'gone']) await store.create(`${p}${name}`, name);
      await store.delete(`${p}gone`);
      // Keys that share the prefix's text but not the prefix itself.
      await store.create(p.slice(0, -1) + '0', 'outside');
      await store.create(p.slice(0, -1) + 'x/a', 'outside');

      const all = await store.list(p);
      assert.deepEqual(
        all.items.map((kv) => kv.key),
        ['a', 'b/x', 'b/y', 'c'].map((n) => p + n),
      );
      assert.equal(all.more, false);
      assert.equal(all.revision, await store.currentRevision());
      assert.deepEqual(all.items[0], await store.get(`${p}a`));
      assert.equal(await store.count(p), 4);
      assert.equal(await store.count(`${p}b/`), 2);
      assert.deepEqual((await store.list(`${p}b/`)).items.map((kv) => kv.value), ['b/x', 'b/y']);
      assert.equal(await store.count(`${p}nothing/`), 0);
      assert.deepEqual((await store.list(`${p}nothing/`)).items, []);
    });

    test('list at a revision sees the store as it was then', async () => {
      await fresh();
      const a1 = await store.create(`${p}a`, 'a1');
      const b1 = await store.create(`${p}b`, 'b1');
      const then = await store.currentRevision();
      await store.update(`${p}a`, 'a2', a1.modRevision);
      await store.delete(`${p}b`);
      await store.create(`${p}c`, 'c1');

      const old = await store.list(p, { revision: then });
      assert.equal(old.revision, then);
      assert.deepEqual(old.items, [a1, b1]);
      const now = await store.list(p);
      assert.deepEqual(
        now.items.map((kv) => [kv.key, kv.value]),
        [
          [`${p}a`, 'a2'],
          [`${p}c`, 'c1'],
        ],
      );
      const before = await store.list(p, { revision: a1.modRevision });
      assert.deepEqual(before.items, [a1]);
    });

    test('limit and startAfter page through a consistent snapshot', async () => {
      await fresh();
      const names = Array.from({ length: 25 }, (_, i) => `k${String(i).padStart(2, '0')}`);
      for (const name of names) await store.create(`${p}${name}`, name);

      const first = await store.list(p, { limit: 10 });
      assert.equal(first.items.length, 10);
      assert.equal(first.more, true);
      assert.equal(first.remaining, 15);
      const revision = first.revision;

      // Writes between pages must not show up when paging at the first page's revision.
      await store.create(`${p}k10a`, 'late');
      await store.delete(`${p}k24`);

      const seen = [...first.items];
      let page = first;
      while (page.more) {
        page = await store.list(p, { limit: 10, startAfter: page.items[page.items.length - 1].key, revision });
        assert.equal(page.revision, revision);
        seen.push(...page.items);
      }
      assert.deepEqual(
        seen.map((kv) => kv.value),
        names,
      );
      assert.equal(page.items.length, 5);
      assert.equal(page.remaining, undefined);

      const exact = await store.list(p, { limit: 25, revision });
      assert.equal(exact.items.length, 25);
      assert.equal(exact.more, false);
      const tail = await store.list(p, { startAfter: `${p}k20` });
      assert.deepEqual(
        tail.items.map((kv) => kv.value),
        ['k21', 'k22', 'k23'],
      );
    });

    test('watch replays from a revision, then delivers live events with prevKv', async () => {
      await fresh();
      const a = await store.create(`${p}a`, 'a1');
      const start = await store.currentRevision();
      const a2 = await store.update(`${p}a`, 'a2', a.modRevision);
      const b = await store.create(`${p}b`, 'b1');

      const w = collect(store, p, start);
      await w.waitForEvents(2);
      const del = await store.delete(`${p}a`);
      const c = await store.create(`${p}c`, 'c1');
      await w.waitForEvents(4);
      await settle();
      w.stop();

      assert.deepEqual(w.events, [
        { type: 'put', kv: a2, prevKv: a },
        { type: 'put', kv: b },
        {
          type: 'delete',
          kv: { key: `${p}a`, value: 'a2', createRevision: a.createRevision, modRevision: del.revision },
          prevKv: a2,
        },
        { type: 'put', kv: c },
      ]);
    });

    test('watch filters by prefix and delivers nothing for other prefixes', async () => {
      await fresh();
      const start = await store.currentRevision();
      const mine = collect(store, `${p}mine/`, start);
      const theirs = collect(store, `${p}other/`, start);
      await store.create(`${p}mine/1`, 'x');
      await store.create(`${p}other/1`, 'y');
      await store.create(`${p}mine1`, 'not under mine/');
      await store.create(`${p}mine/2`, 'z');
      await mine.waitForEvents(2);
      await theirs.waitForEvents(1);
      await settle();
      assert.deepEqual(
        summary(mine.events).map((e) => e.key),
        [`${p}mine/1`, `${p}mine/2`],
      );
      assert.deepEqual(
        summary(theirs.events).map((e) => e.key),
        [`${p}other/1`],
      );
      mine.stop();
      theirs.stop();
    });

    test('replay and live meet without gap or duplicate under concurrent writes', async () => {
      await fresh();
      const start = await store.currentRevision();
      const writes: Promise<KeyValue>[] = [];
      for (let i = 0; i < 20; i++) writes.push(store.create(`${p}k${i}`, String(i)));
      // Start watching while the writes are still in flight.
      const w = collect(store, p, start);
      for (let i = 20; i < 40; i++) writes.push(store.create(`${p}k${i}`, String(i)));
      const written = await Promise.all(writes);
      await w.waitForEvents(40);
      await settle();
      w.stop();
      const revisions = w.events.map((e) => e.kv.modRevision);
      assert.deepEqual(
        revisions,
        written.map((kv) => kv.modRevision).sort((x, y) => x - y),
      );
      // No revision appears in two batches.
      const perBatch = w.batches.map((batch) => new Set(batch.map((e) => e.kv.modRevision)));
      for (let i = 1; i < perBatch.length; i++) {
        for (const rev of perBatch[i]) assert.ok(!perBatch[i - 1].has(rev));
      }
    });

    test('a stopped watch delivers nothing more', async () => {
      await fresh();
      const w = collect(store, p, await store.currentRevision());
      await store.create(`${p}a`, '1');
      await w.waitForEvents(1);
      w.stop();
      await store.create(`${p}b`, '2');
      await settle();
      assert.equal(w.events.length, 1);
      assert.equal(w.error(), undefined);
    });

    test('watch handlers are never called inside a write', async () => {
      await fresh();
      let inWrite = false;
      let calledInWrite = false;
      const watcher = store.watch(p, await store.currentRevision(), {
        onEvents() {
          if (inWrite) calledInWrite = true;
        },
        onError() {},
      });
      for (let i = 0; i < 5; i++) {
        inWrite = true;
        const write = store.create(`${p}${i}`, 'x');
        inWrite = false;
        await write;
      }
      await settle();
      watcher.stop();
      assert.equal(calledInWrite, false);
    });

    test('compaction keeps the latest values and CAS keeps working', async () => {
      await fresh();
      let a = await store.create(`${p}a`, 'a0');
      for (let i = 1; i <= 5; i++) a = await store.update(`${p}a`, `a${i}`, a.modRevision);
      const b = await store.create(`${p}b`, 'b');
      await store.create(`${p}gone`, 'x');
      await store.delete(`${p}gone`);
      const before = await store.list(p);
      const revision = await store.currentRevision();

      await store.compact(revision);
      assert.equal(await store.compactedRevision(), revision);
      assert.deepEqual(await store.list(p), before);
      assert.deepEqual(await store.list(p, { revision }), before);
      assert.deepEqual(await store.get(`${p}a`), a);
      assert.deepEqual(await store.get(`${p}b`), b);
      assert.equal(await store.get(`${p}gone`), undefined);
      assert.equal(await store.count(p), 2);

      const next = await store.update(`${p}a`, 'after', a.modRevision);
      assert.equal(next.createRevision, a.createRevision);
      await rejectsWith(store.update(`${p}a`, 'stale', a.modRevision), 'Conflict');
      const recreated = await store.create(`${p}gone`, 'back');
      assert.equal(recreated.value, 'back');
      await rejectsWith(store.create(`${p}b`, 'dup'), 'KeyExists');
      // Compacting again at or below the compacted revision changes nothing.
      await store.compact(revision);
      await store.compact(revision - 1);
      assert.equal(await store.compactedRevision(), revision);
    });

    test('list and watch from a compacted revision fail with Compacted', async () => {
      await fresh();
      const a = await store.create(`${p}a`, '1');
      await store.update(`${p}a`, '2', a.modRevision);
      const mid = await store.currentRevision();
      await store.create(`${p}b`, '1');
      const compactAt = await store.currentRevision();
      await store.create(`${p}c`, '1');
      await store.compact(compactAt);

      const listErr = await rejectsWith(store.list(p, { revision: mid }), 'Compacted');
      assert.equal(listErr.compactRevision, compactAt);
      const w = collect(store, p, mid);
      await w.waitForError();
      assert.equal(w.error()?.code, 'Compacted');
      assert.equal(w.error()?.compactRevision, compactAt);
      assert.equal(w.events.length, 0);

      // The compacted revision itself is still readable, and a watch from it sees what followed.
      assert.equal((await store.list(p, { revision: compactAt })).items.length, 2);
      const ok = collect(store, p, compactAt);
      await ok.waitForEvents(1);
      await settle();
      ok.stop();
      assert.deepEqual(summary(ok.events).map((e) => e.key), [`${p}c`]);
      assert.equal(ok.error(), undefined);
      const tooOld = collect(store, p, compactAt - 1);
      await tooOld.waitForError();
      assert.equal(tooOld.error()?.code, 'Compacted');
    });

    test('reading or compacting at a future revision fails', async () => {
      await fresh();
      await store.create(`${p}a`, '1');
      const current = await store.currentRevision();
      await rejectsWith(store.list(p, { revision: current + 1000 }), 'Unavailable');
      await assert.rejects(store.compact(current + 1000));
    });

    test('concurrent creates of the same key: exactly one wins', async () => {
      await fresh();
      const results = await Promise.allSettled(
        Array.from({ length: 10 }, (_, i) => store.create(`${p}race`, `writer ${i}`)),
      );
      const won = results.filter((r) => r.status === 'fulfilled');
      assert.equal(won.length, 1);
      for (const r of results) {
        if (r.status === 'rejected') {
          assert.ok(r.reason instanceof StoreError);
          assert.equal(r.reason.code, 'KeyExists');
        }
      }
      assert.equal((await store.get(`${p}race`))?.value, (won[0] as PromiseFulfilledResult<KeyValue>).value.value);
    });

    test('concurrent updates from the same revision: exactly one wins', async () => {
      await fresh();
      const kv = await store.create(`${p}race`, '0');
      const results = await Promise.allSettled(
        Array.from({ length: 10 }, (_, i) => store.update(`${p}race`, `writer ${i}`, kv.modRevision)),
      );
      assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
      for (const r of results) {
        if (r.status === 'rejected') assert.equal((r.reason as StoreError).code, 'Conflict');
      }
    });

    test('the compactor compacts to the revision of its previous tick', async () => {
      await fresh();
      const logs: string[] = [];
      await store.create(`${p}a`, '1');
      const firstTick = await store.currentRevision();
      const compactor = startCompactor(store, { intervalMs: 150, log: (msg) => logs.push(msg) });
      try {
        await store.create(`${p}b`, '1');
        // First tick only remembers the revision; the second compacts to it.
        const deadline = Date.now() + 5000;
        while ((await store.compactedRevision()) < firstTick && Date.now() < deadline) await settle(50);
        const compacted = await store.compactedRevision();
        assert.ok(compacted >= firstTick, `compacted ${compacted}, want >= ${firstTick}`);
        assert.ok(compacted <= (await store.currentRevision()));
        assert.equal((await store.list(p)).items.length, 2);
      } finally {
        compactor.stop();
      }
      assert.ok(logs.length > 0);
    });
  });
}

contractSuite(sqliteBackend());
contractSuite(etcdBackend());

describe('SQLite store specifics', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'skiff-sqlite-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('data, revision and compacted revision persist across close and reopen', async () => {
    const path = join(dir, 'persist.db');
    let store = openSqliteStore(path);
    const a = await store.create('/registry/x/a', 'a1');
    const a2 = await store.update('/registry/x/a', 'a2', a.modRevision);
    await store.create('/registry/x/b', 'b');
    const { revision } = await store.delete('/registry/x/b');
    await store.compact(a2.modRevision);
    await store.close();
    await rejectsWith(store.get('/registry/x/a'), 'Unavailable');

    store = openSqliteStore(path);
    try {
      assert.deepEqual(await store.get('/registry/x/a'), a2);
      assert.equal(await store.get('/registry/x/b'), undefined);
      assert.equal(await store.currentRevision(), revision);
      assert.equal(await store.compactedRevision(), a2.modRevision);
      const next = await store.create('/registry/x/c', 'c');
      assert.equal(next.modRevision, revision + 1);
      await rejectsWith(store.list('/registry/x/', { revision: a.modRevision }), 'Compacted');
    } finally {
      await store.close();
    }
  });

  test('revisions never go back, even when compaction removes the newest row', async () => {
    const store = openSqliteStore(join(dir, 'tail.db'));
    try {
      await store.create('/k', 'v');
      const { revision } = await store.delete('/k');
      await store.compact(revision);
      assert.equal(await store.currentRevision(), revision);
      assert.equal((await store.create('/k', 'again')).modRevision, revision + 1);
    } finally {
      await store.close();
    }
  });

  test('compaction removes history rows and gives space back', async () => {
    const path = join(dir, 'shrink.db');
    const store = openSqliteStore(path);
    const big = 'x'.repeat(4000);
    let kv = await store.create('/registry/big/a', big);
    for (let i = 0; i < 500; i++) kv = await store.update('/registry/big/a', big + i, kv.modRevision);
    for (let i = 0; i < 100; i++) await store.create(`/registry/big/tmp${i}`, big);
    for (let i = 0; i < 100; i++) await store.delete(`/registry/big/tmp${i}`);

    const inspect = () => {
      const db = new DatabaseSync(path, { readOnly: true });
      try {
        const rows = Number(db.prepare('SELECT COUNT(*) AS n FROM kv').get()!.n);
        const pages = Number(db.prepare('PRAGMA page_count').get()!.page_count);
        return { rows, pages };
      } finally {
        db.close();
      }
    };
    const before = inspect();
    assert.equal(before.rows, 701);
    await store.compact(await store.currentRevision());
    const afterCompact = inspect();
    await store.close();

    assert.equal(afterCompact.rows, 1);
    assert.ok(afterCompact.pages * 10 < before.pages, `pages ${before.pages} -> ${afterCompact.pages}`);
    const size = (await stat(path)).size;
    assert.ok(size < 200_000, `file is still ${size} bytes`);
  });

  test('an acknowledged write survives kill -9 of the writing process', async () => {
    const path = join(dir, 'crash.db');
    const storeModule = new URL('../src/storage/sqlite-store.ts', import.meta.url).href;
    const script = `
      import { openSqliteStore } from ${JSON.stringify(storeModule)};
      const store = openSqliteStore(${JSON.stringify(path)});
      let kv = await store.create('/registry/crash/a', '0');
      for (let i = 1; i <= 50; i++) kv = await store.update('/registry/crash/a', String(i), kv.modRevision);
      process.stdout.write('acked ' + kv.modRevision + '\\n');
      setInterval(() => {}, 1000);
    `;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = once(child, 'exit');
    let out = '';
    child.stdout.setEncoding('utf8');
    for await (const chunk of child.stdout) {
      out += chunk;
      if (out.includes('\n')) break;
    }
    assert.match(out, /^acked \d+\n/);
    child.kill('SIGKILL');
    await exited;

    const store = openSqliteStore(path);
    try {
      const kv = await store.get('/registry/crash/a');
      assert.equal(kv?.value, '50');
      assert.equal(kv?.modRevision, Number(out.split(' ')[1]));
    } finally {
      await store.close();
    }
  });
});

describe('etcd store specifics', () => {
  test('an unreachable etcd fails with Unavailable', async () => {
    const etcd = await startEtcd();
    const endpoint = etcd.endpoint;
    await etcd.stop(); // nothing listens there any more
    await rejectsWith(openEtcdStore([endpoint]), 'Unavailable');
  });

  test('operations fail with Unavailable once etcd goes away, and watches end', async () => {
    const etcd = await startEtcd();
    let stopped = false;
    const store = await openEtcdStore([etcd.endpoint]);
    try {
      await store.create('/registry/u/a', '1');
      const w = collect(store, '/registry/u/', await store.currentRevision());
      await etcd.stop();
      stopped = true;
      await rejectsWith(store.get('/registry/u/a'), 'Unavailable');
      await rejectsWith(store.create('/registry/u/b', '1'), 'Unavailable');
      await w.waitForError();
      assert.equal(w.error()?.code, 'Unavailable');
    } finally {
      await store.close();
      if (!stopped) await etcd.stop();
    }
  });
});
