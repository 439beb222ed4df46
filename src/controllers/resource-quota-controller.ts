// The resource quota controller, as kube-controller-manager's: every quota's status.hard follows
// its spec.hard, and status.used is recounted from the objects in its namespace (within its
// scopes). Admission charges writes as they happen; this controller makes the numbers true again
// when objects go away, finish, or a charged write never got stored. A quota is looked at when
// it is created or its limits change, when objects in its namespace come, go or change what they
// use, and at least every resync period.
import type { Pod, ResourceQuota } from 'kubernetes-types/core/v1';
import type { KObject, ResourceDefinition } from '../api/types.ts';
import type { Logger } from '../cli/log.ts';
import type { Client } from '../client/client.ts';
import { type Informer, type InformerFactory, objectKeyOf } from '../client/informer.ts';
import {
  type QuotaEvaluator, type ResourceList, addLists, isTerminatingPod, listsEqual, mask, parseObjectCountName,
  aggregateUsage, quotaEvaluatorFor, quotaScopeSelectors, readResourceList, writeResourceList,
} from '../api/core/v1/quota-usage.ts';
import { ApiError } from '../machinery/errors.ts';
import { runController } from './controller.ts';

const DEFAULT_RESYNC_MS = 60_000;

type Quota = ResourceQuota & KObject;

export interface ResourceQuotaControllerDeps {
  client: Client;
  informers: InformerFactory;
  resources: ResourceDefinition[];
  log: Logger;
  /** How often every quota is recounted even when nothing seemed to change. */
  resyncMs?: number;
  now?: () => Date;
}

/** A resource whose objects count against quotas, with the cache they are counted from. */
interface Tracked {
  evaluator: QuotaEvaluator;
  informer: Informer;
}

/** The core kinds upstream always measures; any other resource is tracked once a quota counts it. */
const ALWAYS_TRACKED = ['pods', 'services', 'persistentvolumeclaims', 'configmaps', 'secrets', 'replicationcontrollers', 'resourcequotas'];

export function startResourceQuotaController(deps: ResourceQuotaControllerDeps): { stop(): void } {
  const { client, informers, log } = deps;
  const resyncMs = deps.resyncMs ?? DEFAULT_RESYNC_MS;
  const now = deps.now ?? (() => new Date());
  const quotaClient = client.resource<Quota>('', 'v1', 'resourcequotas');
  const quotaInformer = informers.informer<Quota>('', 'v1', 'resourcequotas');
  const tracked = new Map<string, Tracked>(); // "<plural>.<group>" → tracked resource

  const controller = runController({ name: 'resourcequota', reconcile: syncQuota }, log);
  const enqueueNamespace = (obj: KObject) => {
    const ns = obj.metadata?.namespace;
    if (!ns) return;
    for (const q of quotaInformer.list(ns)) controller.queue.add(objectKeyOf(q));
  };

  quotaInformer.addHandlers({
    onUpdate: (old, quota) => {
      // Our own status writes come back here; only a change of limits needs a recount.
      const hard = readResourceList(quota.spec?.hard);
      if (!listsEqual(hard, readResourceList(old.spec?.hard)) || !listsEqual(hard, readResourceList(quota.status?.hard))) {
        controller.queue.add(objectKeyOf(quota));
      }
    },
  });
  for (const plural of ALWAYS_TRACKED) track('', 'v1', plural);

  /** Starts counting a resource: its objects coming, going, or changing what they use wake its namespace's quotas. */
  function track(group: string, version: string, plural: string): Tracked {
    const key = `${plural}.${group}`;
    const existing = tracked.get(key);
    if (existing) return existing;
    const evaluator = quotaEvaluatorFor(group, plural);
    const informer = plural === 'resourcequotas' && group === '' ? quotaInformer : informers.informer(group, version, plural);
    informer.addHandlers({
      onAdd: enqueueNamespace,
      onUpdate: (old, obj) => {
        if (!obj.metadata?.namespace || !quotaInformer.list(obj.metadata.namespace).length) return;
        const t = now();
        const moved = group === '' && plural === 'pods' && isTerminatingPod(old as Pod) !== isTerminatingPod(obj as Pod);
        if (moved || !listsEqual(evaluator.usage(old, t), evaluator.usage(obj, t))) enqueueNamespace(obj);
      },
      onDelete: enqueueNamespace,
    });
    const entry = { evaluator, informer };
    tracked.set(key, entry);
    return entry;
  }

  /** The tracked resource behind a count/<resource>.<group> name, tracking it from now on. */
  function trackCounted(name: string): Tracked | undefined {
    const gr = parseObjectCountName(name);
    if (!gr || tracked.has(`${gr.plural}.${gr.group}`)) return undefined;
    const def = deps.resources.find((d) => d.namespaced && d.group === gr.group && d.plural === gr.plural && !d.storedAs &&
      (!d.verbs || (d.verbs.includes('list') && d.verbs.includes('watch'))));
    return def ? track(def.group, def.version, def.plural) : undefined;
  }

  async function syncQuota(key: string): Promise<void> {
    const [namespace, name] = key.split('/');
    const quota = quotaInformer.get(name, namespace);
    if (!quota) return;
    const specHard = readResourceList(quota.spec?.hard);
    const hardNames = [...specHard.keys()];
    for (const n of hardNames) trackCounted(n);

    // Sum what every evaluator that measures one of the limited resources counts.
    const selectors = quotaScopeSelectors(quota);
    const matched = new Set<string>();
    let counted: ResourceList = new Map();
    const t = now();
    for (const { evaluator, informer } of tracked.values()) {
      const names = evaluator.matchingResources(hardNames);
      if (!names.length) continue;
      if (!informer.hasSynced()) await informer.synced();
      for (const n of names) matched.add(n);
      counted = addLists(counted, aggregateUsage(evaluator, informer.list(namespace), selectors, names, t));
    }
    // What no evaluator measures keeps its last value, as upstream; what is no longer limited goes.
    const used: ResourceList = new Map(readResourceList(quota.status?.used));
    for (const [n, q] of mask(counted, matched)) used.set(n, q);
    const newUsed = mask(used, hardNames);

    const dirty = !listsEqual(readResourceList(quota.status?.hard), specHard) || !listsEqual(newUsed, readResourceList(quota.status?.used));
    if (dirty) {
      const status = { hard: { ...(quota.spec?.hard ?? {}) }, used: writeResourceList(newUsed) };
      try {
        await quotaClient.update({ ...quota, status }, { namespace, subresource: 'status' });
      } catch (err) {
        if (err instanceof ApiError && err.reason === 'NotFound') return;
        throw err; // a conflict: the cache is behind, try again shortly
      }
      log.debug('resourcequota: status updated', { namespace, name, used: status.used });
    }
  }

  // A full recount now and then catches what no event announces (pods stuck terminating past
  // their grace period stop counting) and writes whose charge was never stored.
  const resync = setInterval(() => {
    for (const q of quotaInformer.list()) controller.queue.add(objectKeyOf(q));
  }, resyncMs);
  resync.unref();

  return {
    stop() {
      clearInterval(resync);
      controller.stop();
    },
  };
}
