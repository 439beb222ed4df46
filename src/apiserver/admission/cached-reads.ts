// The reads admission plugins make (namespaces, LimitRanges, PriorityClasses, quotas), served from
// the API server's own watch-fed caches as upstream's plugins read informer listers, with the
// store answering wherever a cache cannot be trusted yet.
import type { KObject, ResourceDefinition } from '../../api/types.ts';
import { ApiError } from '../../machinery/errors.ts';
import { InformerFactory } from '../../client/informer.ts';
import { inProcessClient } from '../../client/in-process-client.ts';
import type { GenericRegistry } from '../generic-registry.ts';
import type { ResourceIndex } from '../resource-index.ts';

/** The object, or undefined when it does not exist (other errors propagate). */
async function getIfExists(registry: GenericRegistry, def: ResourceDefinition, name: string, namespace?: string): Promise<KObject | undefined> {
  try {
    return await registry.get(def, namespace, name);
  } catch (err) {
    if (err instanceof ApiError && err.reason === 'NotFound') return undefined;
    throw err;
  }
}

/** How long a live lookup that found no LimitRanges or quotas in a namespace stands in for the cache (upstream's). */
const LIVE_LOOKUP_TTL_MS = 30_000;

/**
 * The reads admission makes, served from the API server's own informers. Where the cache cannot
 * be trusted the store answers, as upstream's plugins do: until an informer has synced; for a
 * namespace or PriorityClass the cache lacks (it may have just been created); for a namespace's
 * LimitRanges or quotas when the cache holds none (a live list, remembered for a while); and for
 * quotas older than a status this server wrote or failed to write (a stale quota would only
 * conflict again). Quota charges are still compare-and-swap writes to the store.
 */
export function admissionReads(
  registryOf: () => GenericRegistry, index: ResourceIndex,
  defs: {
    namespaces: ResourceDefinition; limitRanges: ResourceDefinition; quotas: ResourceDefinition; priorityClasses: ResourceDefinition;
    serviceAccounts: ResourceDefinition; storageClasses: ResourceDefinition;
  },
) {
  let informers: InformerFactory | undefined;
  const cached = (def: ResourceDefinition) => {
    const inf = informers?.informer(def.group, def.version, def.plural);
    return inf?.hasSynced() ? inf : undefined;
  };
  const liveList = async (def: ResourceDefinition, namespace?: string) => (await registryOf().list(def, { namespace })).items;

  /** A namespace's items from the cache, or from a live list when the cache has none (remembered for a while). */
  const emptyLookups = new Map<string, { expires: number; items: KObject[] }>();
  async function listNamespaced(def: ResourceDefinition, namespace: string): Promise<KObject[]> {
    const inf = cached(def);
    if (!inf) return liveList(def, namespace);
    const items = inf.list(namespace);
    if (items.length) return items;
    const key = `${def.plural}/${namespace}`;
    const hit = emptyLookups.get(key);
    if (hit && hit.expires > Date.now()) return hit.items;
    const live = await liveList(def, namespace);
    if (emptyLookups.size >= 1000) for (const [k, e] of emptyLookups) if (e.expires <= Date.now()) emptyLookups.delete(k);
    emptyLookups.set(key, { expires: Date.now() + LIVE_LOOKUP_TTL_MS, items: live });
    return live;
  }

  /** The lowest resourceVersion the cache must show for a quota before its cached copy is used. */
  const quotaFloor = new Map<string, number>();
  const quotaKey = (q: KObject) => `${q.metadata?.namespace}/${q.metadata?.name}`;
  const raiseFloor = (key: string, rv: number) => { if (rv > (quotaFloor.get(key) ?? 0)) quotaFloor.set(key, rv); };

  return {
    start() {
      const client = inProcessClient(registryOf(), index, { name: 'system:apiserver', groups: ['system:masters'] });
      informers = new InformerFactory((g, v, p) => client.resource(g, v, p));
      for (const def of Object.values(defs)) informers.informer(def.group, def.version, def.plural);
      // A deleted quota has nothing left to be fresh about.
      informers.informer(defs.quotas.group, defs.quotas.version, defs.quotas.plural).addHandlers({ onDelete: (q) => quotaFloor.delete(quotaKey(q)) });
    },
    stop() { informers?.stop(); },

    async getNamespace(name: string): Promise<KObject | undefined> {
      const hit = cached(defs.namespaces)?.get(name);
      if (hit) return hit;
      try { return await registryOf().get(defs.namespaces, undefined, name); } catch { return undefined; }
    },
    listLimitRanges: (namespace: string) => listNamespaced(defs.limitRanges, namespace),
    async getPriorityClass(name: string): Promise<KObject | undefined> {
      return cached(defs.priorityClasses)?.get(name) ?? getIfExists(registryOf(), defs.priorityClasses, name);
    },
    async listPriorityClasses(): Promise<KObject[]> {
      return cached(defs.priorityClasses)?.list() ?? liveList(defs.priorityClasses);
    },
    async getServiceAccount(namespace: string, name: string): Promise<KObject | undefined> {
      return cached(defs.serviceAccounts)?.get(name, namespace) ?? getIfExists(registryOf(), defs.serviceAccounts, name, namespace);
    },
    async listStorageClasses(): Promise<KObject[]> {
      return cached(defs.storageClasses)?.list() ?? liveList(defs.storageClasses);
    },
    async listQuotas(namespace: string): Promise<KObject[]> {
      const items = await listNamespaced(defs.quotas, namespace);
      const stale = items.some((q) => Number(q.metadata?.resourceVersion) < (quotaFloor.get(quotaKey(q)) ?? 0));
      return stale ? liveList(defs.quotas, namespace) : items;
    },
    async updateQuotaStatus(q: KObject): Promise<KObject> {
      const key = quotaKey(q);
      try {
        const updated = await registryOf().update(defs.quotas, q.metadata!.namespace, q.metadata!.name!, q, { subresource: 'status' });
        raiseFloor(key, Number(updated.metadata?.resourceVersion));
        return updated;
      } catch (err) {
        // Someone changed it since the copy we read: only a newer copy is worth checking again.
        if (err instanceof ApiError && err.reason === 'Conflict') raiseFloor(key, Number(q.metadata?.resourceVersion) + 1);
        throw err;
      }
    },
  };
}

