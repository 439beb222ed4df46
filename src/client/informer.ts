// A shared informer: one list+watch per resource feeding one cache and many handlers. It
// re-lists on 410 Gone and re-watches when a stream ends, so handlers see every change (or a
// fresh list) without ever trusting a single event.
import type { KObject } from '../api/types.ts';
import type { ResourceClient } from './client.ts';

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
  list(namespace?: string): T[];
  stop(): void;
}

export function objectKeyOf(obj: KObject): string {
  const ns = obj.metadata?.namespace;
  return ns ? `${ns}/${obj.metadata?.name}` : obj.metadata?.name ?? '';
}

const RETRY_MS = 1000;

export function createInformer<T extends KObject>(client: ResourceClient<T>, opts: { namespace?: string; labelSelector?: string; fieldSelector?: string; onError?: (err: unknown) => void } = {}): Informer<T> {
  const cache = new Map<string, T>();
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
      const fresh = new Map(list.items.map((o) => [objectKeyOf(o), o]));
      for (const [key, old] of cache) if (!fresh.has(key)) { cache.delete(key); emitDelete(old); }
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
    const handle = await client.watch(
      { namespace: opts.namespace, labelSelector: opts.labelSelector, fieldSelector: opts.fieldSelector, resourceVersion: rv, allowWatchBookmarks: true },
      (ev) => {
        const obj = ev.object;
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
    list(namespace) {
      const all = [...cache.values()];
      return namespace ? all.filter((o) => o.metadata?.namespace === namespace) : all;
    },
    stop() {
      stopped = true;
      stopWatch?.();
      if (retryTimer) clearTimeout(retryTimer);
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
      inf = createInformer(this.clientFor(group, version, plural));
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
