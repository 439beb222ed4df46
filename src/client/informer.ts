// A shared informer: one list+watch per resource feeding one cache and many handlers. It
// re-lists on 410 Gone and re-watches when a stream ends, so handlers see every change (or a
// fresh list) without ever trusting a single event.
import type { KObject } from '../api/types.ts';
import type { ResourceClient, WatchOptions } from './client.ts';

export interface InformerHandlers<T> {
  onAdd?(obj: T): void;
  onUpdate?(oldObj: T, newObj: T): void;
  onDelete?(obj: T): void;
}

export interface Informer<T extends KObject = KObject> {
  /** Resolves once the first list is in the cache. */
  synced(): Promise<void>;
  hasSynced(): boolean;
  addHandlers(h: InformerHandlers<T>): void;
  get(name: string, namespace?: string): T | undefined;
  /** Every cached object, or those of one namespace (served from a per-namespace map). */
  list(namespace?: string): T[];
  /**
   * Adds a named index (client-go's Indexer): `keys` gives the index values an object is filed
   * under. The index is built from the cache now and kept up to date on every change. Adding a
   * name again is a no-op, so controllers sharing an informer may each ask for the same index.
   */
  addIndex(name: string, keys: IndexKeys<T>): void;
  /** The cached objects filed under `value` in the index `name` (throws if there is no such index). */
  byIndex(name: string, value: string): T[];
  stop(): void;
}

export type IndexKeys<T> = (obj: T) => string[];

export function objectKeyOf(obj: KObject): string {
  const ns = obj.metadata?.namespace;
  return ns ? `${ns}/${obj.metadata?.name}` : obj.metadata?.name ?? '';
}

const RETRY_MS = 1000;

/**
 * Caches keep objects without metadata.managedFields, as upstream's controller manager does: no
 * controller reads them, they are half of a pod's size, and a write without them leaves the
 * stored ones as they are. The objects handed to an informer are its own copies, unless it was
 * made with `shared` (then a change's object may be shared with other such caches in the process,
 * already without managedFields).
 */
function forCache<T extends KObject>(obj: T): T {
  if (obj.metadata?.managedFields) delete obj.metadata.managedFields;
  return obj;
}

export interface InformerOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  onError?: (err: unknown) => void;
  /**
   * The cache's objects are read, never changed (as every informer's should be: its handlers all
   * get the same objects). An in-process client may then hand this informer the same object per
   * change as other shared informers, decoded once; an HTTP client ignores it.
   */
  shared?: boolean;
}

export function createInformer<T extends KObject>(client: ResourceClient<T>, opts: InformerOptions = {}): Informer<T> {
  const cache = createIndexedCache<T>();
  const handlers: InformerHandlers<T>[] = [];
  let synced = false;
  let stopped = false;
  let resolveSynced!: () => void;
  const syncedPromise = new Promise<void>((r) => { resolveSynced = r; });
  let stopWatch: (() => void) | undefined;
  let retryTimer: NodeJS.Timeout | undefined;

  const emitAdd = (o: T) => { for (const h of handlers) h.onAdd?.(o); };
  const emitUpdate = (a: T, b: T) => { for (const h of handlers) h.onUpdate?.(a, b); };
  const emitDelete = (o: T) => { for (const h of handlers) h.onDelete?.(o); };

  async function listAndWatch(): Promise<void> {
    if (stopped) return;
    try {
      const list = await client.list({ namespace: opts.namespace, labelSelector: opts.labelSelector, fieldSelector: opts.fieldSelector });
      const fresh = new Map(list.items.map((o) => [objectKeyOf(o), forCache(o)]));
      for (const [key, old] of cache.entries()) if (!fresh.has(key)) { cache.delete(key); emitDelete(old); }
      for (const [key, obj] of fresh) {
        const old = cache.get(key);
        cache.set(key, obj);
        if (!old) emitAdd(obj);
        else if (old.metadata?.resourceVersion !== obj.metadata?.resourceVersion) emitUpdate(old, obj);
      }
      if (!synced) { synced = true; resolveSynced(); }
      await watchFrom(list.resourceVersion);
    } catch (err) {
      opts.onError?.(err);
      scheduleRetry();
    }
  }

  async function watchFrom(resourceVersion: string): Promise<void> {
    let rv = resourceVersion;
    const watchOpts: WatchOptions = {
      namespace: opts.namespace, labelSelector: opts.labelSelector, fieldSelector: opts.fieldSelector, resourceVersion: rv, allowWatchBookmarks: true,
    };
    if (opts.shared) watchOpts.sharedCacheObjects = true;
    const handle = await client.watch(
      watchOpts,
      (ev) => {
        const obj = forCache(ev.object);
        if (obj.metadata?.resourceVersion) rv = obj.metadata.resourceVersion;
        if (ev.type === 'BOOKMARK' || ev.type === 'ERROR') return;
        const key = objectKeyOf(obj);
        const old = cache.get(key);
        if (ev.type === 'DELETED') {
          cache.delete(key);
          emitDelete(obj);
        } else {
          cache.set(key, obj);
          if (old) emitUpdate(old, obj); else emitAdd(obj);
        }
      },
      (err) => {
        stopWatch = undefined;
        if (stopped) return;
        // 410: our resourceVersion is too old, list again. Otherwise resume from where we were.
        if (err && err.code === 410) scheduleRetry(0);
        else if (err) { opts.onError?.(err); scheduleRetry(); }
        else watchFrom(rv).catch(() => scheduleRetry());
      },
    );
    stopWatch = () => handle.stop();
    if (stopped) handle.stop();
  }

  function scheduleRetry(ms = RETRY_MS) {
    if (stopped) return;
    retryTimer = setTimeout(() => { listAndWatch(); }, ms);
    retryTimer.unref();
  }

  listAndWatch();

  return {
    synced: () => syncedPromise,
    hasSynced: () => synced,
    addHandlers(h) {
      handlers.push(h);
      for (const obj of cache.values()) h.onAdd?.(obj);
    },
    get(name, namespace) {
      return cache.get(namespace ? `${namespace}/${name}` : name);
    },
    list: (namespace) => cache.list(namespace),
    addIndex: (name, keys) => cache.addIndex(name, keys),
    byIndex: (name, value) => cache.byIndex(name, value),
    stop() {
      stopped = true;
      stopWatch?.();
      if (retryTimer) clearTimeout(retryTimer);
    },
  };
}

interface Index<T> {
  keys: IndexKeys<T>;
  /** index value -> object keys filed under it */
  members: Map<string, Set<string>>;
  /** object key -> the index values it is filed under now (to unfile it on change) */
  filed: Map<string, string[]>;
}

function sameValues(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/**
 * The informer's cache: objects by key, plus a per-namespace map and named indexes kept in step
 * on every set/delete, so controllers look up "pods of this namespace" or "pods this ReplicaSet
 * controls" without scanning every object (thousands of pods per sync otherwise).
 */
export function createIndexedCache<T extends KObject>() {
  const objects = new Map<string, T>();
  const byNamespace = new Map<string, Map<string, T>>();
  const indexes = new Map<string, Index<T>>();

  function file(index: Index<T>, key: string, values: string[]) {
    if (!values.length) return;
    index.filed.set(key, values);
    for (const v of values) {
      let set = index.members.get(v);
      if (!set) index.members.set(v, (set = new Set()));
      set.add(key);
    }
  }

  function unfile(index: Index<T>, key: string) {
    const values = index.filed.get(key);
    if (!values) return;
    index.filed.delete(key);
    for (const v of values) {
      const set = index.members.get(v);
      set?.delete(key);
      if (set && !set.size) index.members.delete(v);
    }
  }

  return {
    get: (key: string) => objects.get(key),
    has: (key: string) => objects.has(key),
    entries: () => objects.entries(),
    values: () => objects.values(),
    set(key: string, obj: T) {
      const old = objects.get(key);
      objects.set(key, obj);
      const ns = obj.metadata?.namespace;
      if (ns) {
        let m = byNamespace.get(ns);
        if (!m) byNamespace.set(ns, (m = new Map()));
        m.set(key, obj);
      }
      for (const index of indexes.values()) {
        const values = index.keys(obj);
        // Most updates (status, resourceVersion) leave the index values alone: keep their place.
        if (old && sameValues(index.filed.get(key) ?? [], values)) continue;
        if (old) unfile(index, key);
        file(index, key, values);
      }
    },
    delete(key: string) {
      const old = objects.get(key);
      if (!old) return;
      objects.delete(key);
      const ns = old.metadata?.namespace;
      const m = ns ? byNamespace.get(ns) : undefined;
      if (m) {
        m.delete(key);
        if (!m.size) byNamespace.delete(ns!);
      }
      for (const index of indexes.values()) unfile(index, key);
    },
    list(namespace?: string): T[] {
      if (!namespace) return [...objects.values()];
      const m = byNamespace.get(namespace);
      return m ? [...m.values()] : [];
    },
    addIndex(name: string, keys: IndexKeys<T>) {
      if (indexes.has(name)) return;
      const index: Index<T> = { keys, members: new Map(), filed: new Map() };
      for (const [key, obj] of objects) file(index, key, keys(obj));
      indexes.set(name, index);
    },
    byIndex(name: string, value: string): T[] {
      const index = indexes.get(name);
      if (!index) throw new Error(`informer: no index named ${JSON.stringify(name)}`);
      const out: T[] = [];
      for (const key of index.members.get(value) ?? []) {
        const obj = objects.get(key);
        if (obj) out.push(obj);
      }
      return out;
    },
  };
}

/** One informer per resource, shared by every controller that asks for it. */
export class InformerFactory {
  private readonly informers = new Map<string, Informer>();
  private readonly clientFor: (group: string, version: string, plural: string) => ResourceClient;

  constructor(clientFor: (group: string, version: string, plural: string) => ResourceClient) {
    this.clientFor = clientFor;
  }

  informer<T extends KObject = KObject>(group: string, version: string, plural: string): Informer<T> {
    const key = `${group}/${version}/${plural}`;
    let inf = this.informers.get(key);
    if (!inf) {
      // Every controller sharing the factory gets the same objects already: they are read-only.
      inf = createInformer(this.clientFor(group, version, plural), { shared: true });
      this.informers.set(key, inf);
    }
    return inf as unknown as Informer<T>;
  }

  async waitForSync(): Promise<void> {
    await Promise.all([...this.informers.values()].map((i) => i.synced()));
  }

  stop(): void {
    for (const inf of this.informers.values()) inf.stop();
  }
}
