// The distributed Store backend: keys map one-to-one onto etcd keys, the store revision is
// etcd's revision, compare-and-swap is a txn on create_revision / mod_revision, and watch is an
// etcd watch with prev_kv. The raw gRPC clients of the etcd3 package are used (not its builders)
// so every request says exactly what it does.

import { noop } from 'cockatiel';
import {
  Etcd3,
  type ICompare,
  type IKeyValue,
  type IRangeRequest,
  type IRequestOp,
  type IWatchResponse,
} from 'etcd3';
import {
  StoreError,
  type KeyValue,
  type ListOptions,
  type ListResult,
  type Store,
  type WatchEvent,
  type WatchHandlers,
  type Watcher,
} from './store.ts';

/** Unary calls give up after this long, so an unreachable etcd surfaces as Unavailable. */
const CALL_TIMEOUT_MS = 10_000;

/**
 * Connects to etcd at `endpoints` (e.g. ['http://127.0.0.1:2379']) and checks that it answers.
 * Throws StoreError('Unavailable') when it does not.
 */
export async function openEtcdStore(endpoints: string[]): Promise<Store> {
  const client = new Etcd3({
    hosts: endpoints,
    dialTimeout: 5000,
    // Like Go's etcd client: no practical limit on a response (a list of 10,000 objects is > 4 MiB).
    grpcOptions: { 'grpc.max_receive_message_length': -1 },
    // No client-side retries (a retried create could report KeyExists for its own write) and no
    // circuit breaker (one failed request must not fail every other request for seconds).
    faultHandling: { host: () => noop, global: noop },
    defaultCallOptions: (ctx) => (ctx.isStream ? {} : { deadline: Date.now() + CALL_TIMEOUT_MS }),
  });
  let closed = false;
  let knownCompacted = 0; // the highest compact revision seen; only ever grows
  const watchers = new Set<EtcdWatch>();

  /** Runs one etcd call, turning client failures into StoreErrors. */
  async function call<T>(fn: () => Promise<T>): Promise<T> {
    if (closed) throw new StoreError('Unavailable', 'etcd store is closed');
    try {
      return await fn();
    } catch (err) {
      throw await translate(err);
    }
  }

  async function translate(err: unknown): Promise<StoreError> {
    if (err instanceof StoreError) return err;
    const message = err instanceof Error ? err.message : String(err);
    if (message.includes('required revision has been compacted')) {
      const compactRevision = await findCompactedRevision().catch(() => knownCompacted);
      return new StoreError('Compacted', message, { compactRevision });
    }
    // Everything else (connection refused, deadline exceeded, no leader, client closed) means
    // etcd could not serve the request right now.
    return new StoreError('Unavailable', `etcd: ${message}`);
  }

  async function currentRevision(): Promise<number> {
    const res = await client.kv.range({ key: PROBE_KEY, count_only: true });
    return Number(res.header.revision);
  }

  /** Reads at `revision` (0: latest); ok is false when etcd says it was compacted. */
  async function readableAt(revision: number): Promise<boolean> {
    try {
      await client.kv.range({ key: PROBE_KEY, count_only: true, revision });
      return true;
    } catch (err) {
      if (err instanceof Error && err.message.includes('required revision has been compacted')) return false;
      throw err;
    }
  }

  /**
   * etcd has no call that reports the compact revision, but a read below it fails, so search
   * for the oldest readable revision. Costs about log2(revision) tiny requests; used rarely.
   */
  async function findCompactedRevision(): Promise<number> {
    const current = await currentRevision();
    if (await readableAt(Math.max(knownCompacted, 1))) return knownCompacted;
    let lo = Math.max(knownCompacted, 1); // not readable
    let hi = current; // readable: the current revision always is
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (await readableAt(mid)) hi = mid;
      else lo = mid;
    }
    knownCompacted = Math.max(knownCompacted, hi);
    return hi;
  }

  async function txn(compare: ICompare[], success: IRequestOp[], failure: IRequestOp[]) {
    return call(() => client.kv.txn({ compare, success, failure }));
  }

  /** After a failed guarded write: NotFound when the key is gone, else Conflict with its value. */
  function guardFailure(key: string, found: IKeyValue | undefined, expected: number | undefined): StoreError {
    if (!found) return new StoreError('NotFound', `key ${key} not found`);
    const current = toKeyValue(found);
    return new StoreError(
      'Conflict',
      `the object ${key} has been modified: expected revision ${expected}, current ${current.modRevision}`,
      { current },
    );
  }

  const store: Store = {
    async get(key) {
      const res = await call(() => client.kv.range({ key: Buffer.from(key) }));
      return res.kvs.length > 0 ? toKeyValue(res.kvs[0]) : undefined;
    },

    async list(prefix, opts: ListOptions = {}): Promise<ListResult> {
      const request: IRangeRequest = { ...prefixRange(prefix, opts.startAfter) };
      if (opts.revision) request.revision = opts.revision;
      if (opts.limit && opts.limit > 0) request.limit = opts.limit;
      const res = await call(() => client.kv.range(request)).catch((err: StoreError) => {
        throw err.message.includes('future revision') ? futureRevision(opts.revision ?? 0) : err;
      });
      const items = res.kvs.map(toKeyValue);
      const result: ListResult = { items, revision: opts.revision || Number(res.header.revision), more: res.more };
      // count is every key in the range, the returned ones included.
      if (res.more) result.remaining = Number(res.count) - items.length;
      return result;
    },

    async count(prefix) {
      const res = await call(() => client.kv.range({ ...prefixRange(prefix), count_only: true }));
      return Number(res.count);
    },

    async create(key, value) {
      const k = Buffer.from(key);
      const res = await txn(
        [{ key: k, target: 'Create', result: 'Equal', create_revision: 0 }],
        [{ request_put: { key: k, value: Buffer.from(value) } }],
        [],
      );
      if (!res.succeeded) throw new StoreError('KeyExists', `key ${key} already exists`);
      const revision = Number(res.header.revision);
      return { key, value, createRevision: revision, modRevision: revision };
    },

    async update(key, value, expectedRevision) {
      const k = Buffer.from(key);
      const res = await txn(
        [{ key: k, target: 'Mod', result: 'Equal', mod_revision: expectedRevision }],
        [{ request_put: { key: k, value: Buffer.from(value), prev_kv: true } }],
        [{ request_range: { key: k } }],
      );
      if (!res.succeeded) {
        throw guardFailure(key, res.responses[0]?.response_range?.kvs[0], expectedRevision);
      }
      const prev = res.responses[0].response_put.prev_kv;
      const revision = Number(res.header.revision);
      return { key, value, createRevision: Number(prev.create_revision), modRevision: revision };
    },

    async delete(key, expectedRevision) {
      const k = Buffer.from(key);
      // Unguarded deletes still need the key to exist: create_revision > 0.
      const compare: ICompare =
        expectedRevision === undefined
          ? { key: k, target: 'Create', result: 'Greater', create_revision: 0 }
          : { key: k, target: 'Mod', result: 'Equal', mod_revision: expectedRevision };
      const res = await txn(
        [compare],
        [{ request_delete_range: { key: k, prev_kv: true } }],
        [{ request_range: { key: k } }],
      );
      if (!res.succeeded) {
        throw guardFailure(key, res.responses[0]?.response_range?.kvs[0], expectedRevision);
      }
      const prev = toKeyValue(res.responses[0].response_delete_range.prev_kvs[0]);
      return { prev, revision: Number(res.header.revision) };
    },

    watch(prefix, afterRevision, handlers) {
      const watcher = new EtcdWatch(handlers, () => watchers.delete(watcher), (rev) => {
        knownCompacted = Math.max(knownCompacted, rev);
      });
      watchers.add(watcher);
      if (closed) {
        watcher.fail(new StoreError('Unavailable', 'etcd store is closed'));
      } else {
        void watcher.start(client, prefix, afterRevision);
      }
      return watcher;
    },

    async compact(revision) {
      if (revision <= knownCompacted) return;
      try {
        await call(() => client.kv.compact({ revision, physical: true }));
      } catch (err) {
        const store = err as StoreError;
        if (store.code === 'Compacted') return; // already compacted at or past revision
        if (store.message.includes('future revision')) throw futureRevision(revision);
        throw err;
      }
      knownCompacted = Math.max(knownCompacted, revision);
    },

    async currentRevision() {
      return call(currentRevision);
    },

    async compactedRevision() {
      return call(findCompactedRevision);
    },

    async close() {
      if (closed) return;
      closed = true;
      for (const watcher of watchers) watcher.stop();
      watchers.clear();
      client.close();
    },
  };

  try {
    await store.currentRevision();
  } catch (err) {
    await store.close();
    throw err;
  }
  return store;
}

/**
 * One etcd watch on its own gRPC stream. etcd is asked to start AT afterRevision (not after it),
 * so it reports Compacted whenever afterRevision itself is compacted, as the SQLite backend
 * does; the events at afterRevision are then dropped.
 */
class EtcdWatch implements Watcher {
  private readonly handlers: WatchHandlers;
  private readonly onStop: () => void;
  private readonly onCompacted: (revision: number) => void;
  private stopped = false;
  private cancelStream: (() => void) | undefined;

  constructor(handlers: WatchHandlers, onStop: () => void, onCompacted: (revision: number) => void) {
    this.handlers = handlers;
    this.onStop = onStop;
    this.onCompacted = onCompacted;
  }

  async start(client: Etcd3, prefix: string, afterRevision: number): Promise<void> {
    let stream;
    try {
      stream = await client.watchClient.watch();
    } catch (err) {
      this.fail(new StoreError('Unavailable', `etcd watch: ${err instanceof Error ? err.message : String(err)}`));
      return;
    }
    if (this.stopped) {
      stream.on('error', () => {}); // cancelling reports CANCELLED as an error
      stream.cancel();
      return;
    }
    this.cancelStream = () => stream.cancel();
    stream.on('data', (res: IWatchResponse) => this.receive(res, afterRevision));
    stream.on('error', (err: Error) => this.fail(new StoreError('Unavailable', `etcd watch: ${err.message}`)));
    stream.on('end', () => this.fail(new StoreError('Unavailable', 'etcd watch stream ended')));
    stream.write({
      create_request: {
        ...prefixRange(prefix),
        start_revision: Math.max(afterRevision, 1),
        prev_kv: true,
      },
    });
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.cancelStream?.();
    this.onStop();
  }

  fail(err: StoreError): void {
    if (this.stopped) return;
    this.stop();
    // Never call a handler from inside watch() itself.
    setImmediate(() => this.handlers.onError(err));
  }

  private receive(res: IWatchResponse, afterRevision: number): void {
    if (this.stopped) return;
    if (res.canceled) {
      const compactRevision = Number(res.compact_revision);
      if (compactRevision > 0) {
        this.onCompacted(compactRevision);
        this.fail(
          new StoreError('Compacted', `revision ${afterRevision} has been compacted`, { compactRevision }),
        );
      } else {
        this.fail(new StoreError('Unavailable', `etcd canceled the watch: ${res.cancel_reason}`));
      }
      return;
    }
    const events: WatchEvent[] = [];
    for (const event of res.events) {
      const kv = toKeyValue(event.kv);
      if (kv.modRevision <= afterRevision) continue;
      const prevKv = event.prev_kv ? toKeyValue(event.prev_kv) : undefined;
      if (event.type === 'Delete') {
        // etcd's delete event carries only key and revision; the contract wants the last value.
        events.push({
          type: 'delete',
          kv: { ...kv, value: prevKv?.value ?? '', createRevision: prevKv?.createRevision ?? 0 },
          ...(prevKv && { prevKv }),
        });
      } else {
        events.push(prevKv ? { type: 'put', kv, prevKv } : { type: 'put', kv });
      }
    }
    if (events.length > 0) this.handlers.onEvents(events);
  }
}

/** A key that is never written: count-only reads of it cost etcd next to nothing. */
const PROBE_KEY = Buffer.from('\0skiff/probe');

function toKeyValue(kv: IKeyValue): KeyValue {
  return {
    key: kv.key.toString(),
    value: kv.value.toString(),
    createRevision: Number(kv.create_revision),
    modRevision: Number(kv.mod_revision),
  };
}

/** etcd's [key, range_end) for all keys under prefix, starting after startAfter when given. */
function prefixRange(prefix: string, startAfter?: string): { key: Buffer; range_end: Buffer } {
  const from = Buffer.from(prefix);
  let key = from.length > 0 ? from : Buffer.from([0]);
  if (startAfter !== undefined && startAfter >= prefix) {
    key = Buffer.concat([Buffer.from(startAfter), Buffer.from([0])]); // the first key after it
  }
  return { key, range_end: prefixEnd(from) };
}

/** The first key past every key starting with prefix; [0] means "to the end" for etcd. */
function prefixEnd(prefix: Buffer): Buffer {
  const end = Buffer.from(prefix);
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i] < 0xff) {
      end[i]++;
      return end.subarray(0, i + 1);
    }
  }
  return Buffer.from([0]);
}

function futureRevision(requested: number): StoreError {
  return new StoreError('Unavailable', `revision ${requested} is newer than the current revision`);
}
