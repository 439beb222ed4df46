// The namespace controller, as kube-controller-manager's: once a namespace is marked for
// deletion it deletes everything in it, reports progress in the namespace's status conditions,
// waits until the content is really gone (graceful pods, finalizers), and then removes the
// `kubernetes` finalizer through /finalize; the registry removes the namespace when no
// finalizers are left.
import type { Namespace, NamespaceCondition } from 'kubernetes-types/core/v1';
import type { KObject, ResourceDefinition } from '../api/types.ts';
import type { Logger } from '../cli/log.ts';
import type { Client, ResourceClient } from '../client/client.ts';
import type { InformerFactory } from '../client/informer.ts';
import { ApiError } from '../machinery/errors.ts';
import { rfc3339 } from '../machinery/meta.ts';
import { runController, type ReconcileResult } from './controller.ts';

const KUBERNETES_FINALIZER = 'kubernetes';
/** Upstream's guess at how long content with finalizers takes to go. */
const FINALIZER_ESTIMATE_SECONDS = 15;
const DEFAULT_POD_GRACE_SECONDS = 30;
const CONFLICT_RETRIES = 5;

type NamespaceObject = Namespace & KObject;

export interface NamespaceControllerDeps {
  client: Client;
  informers: InformerFactory;
  resources: ResourceDefinition[];
  log: Logger;
}

/** The conditions this controller owns, in upstream's order, with their "all is well" forms. */
const CONDITION_TYPES: Array<{ type: string; okReason: string; okMessage: string }> = [
  { type: 'NamespaceDeletionDiscoveryFailure', okReason: 'ResourcesDiscovered', okMessage: 'All resources successfully discovered' },
  { type: 'NamespaceDeletionGroupVersionParsingFailure', okReason: 'ParsedGroupVersions', okMessage: 'All legacy kube types successfully parsed' },
  { type: 'NamespaceDeletionContentFailure', okReason: 'ContentDeleted', okMessage: 'All content successfully deleted, may be waiting on finalization' },
  { type: 'NamespaceContentRemaining', okReason: 'ContentRemoved', okMessage: 'All content successfully removed' },
  { type: 'NamespaceFinalizersRemaining', okReason: 'ContentHasNoFinalizers', okMessage: 'All content-preserving finalizers finished' },
];

/** What deleting one resource's objects in a namespace left behind. */
interface ResourceRemains {
  /** Seconds until what remains should be gone (0: nothing to wait for). */
  estimate: number;
  remaining: number;
  finalizers: Map<string, number>;
  error?: string;
}

interface ContentRemains {
  estimate: number;
  /** "<resource>.<group>" → objects left. */
  remaining: Map<string, number>;
  finalizers: Map<string, number>;
  errors: string[];
}

export function startNamespaceController(deps: NamespaceControllerDeps): { stop(): void } {
  const { client, informers, log } = deps;
  const namespaces = client.resource<NamespaceObject>('', 'v1', 'namespaces');
  // Everything namespaced that can be listed and deleted is content.
  const content = deps.resources.filter((def) =>
    def.namespaced && (['list', 'delete'] as const).every((v) => !def.verbs || def.verbs.includes(v)));

  const controller = runController({ name: 'namespace', reconcile: syncNamespace }, log);
  const nsInformer = informers.informer<NamespaceObject>('', 'v1', 'namespaces');
  const enqueueIfDeleting = (ns: NamespaceObject) => {
    if (ns.metadata?.deletionTimestamp && ns.metadata.name) controller.queue.add(ns.metadata.name);
  };
  nsInformer.addHandlers({ onAdd: enqueueIfDeleting, onUpdate: (_old, ns) => enqueueIfDeleting(ns) });
  // Content going away brings its terminating namespace back before the estimate runs out.
  for (const def of content) {
    if (def.storedAs || (def.verbs && !def.verbs.includes('watch'))) continue;
    informers.informer(def.group, def.version, def.plural).addHandlers({
      onDelete: (obj) => {
        const ns = obj.metadata?.namespace ? nsInformer.get(obj.metadata.namespace) : undefined;
        if (ns) enqueueIfDeleting(ns);
      },
    });
  }

  async function syncNamespace(name: string): Promise<ReconcileResult | void> {
    let ns = await getNamespace(name);
    const deletionTimestamp = ns?.metadata?.deletionTimestamp;
    if (!ns || !deletionTimestamp) return;
    if (ns.status?.phase !== 'Terminating') {
      ns = await writeNamespace(name, 'status', (n) => { n.status = { ...n.status, phase: 'Terminating' }; });
      if (!ns) return;
    }
    if (!(ns.spec?.finalizers ?? []).includes(KUBERNETES_FINALIZER)) return; // finalized already

    const deletedAt = new Date(deletionTimestamp);
    const remains = await deleteAllContent(name, deletedAt);
    ns = await writeNamespace(name, 'status', (n) => updateConditions(n, remains, new Date()));
    if (!ns) return;
    if (remains.errors.length) throw new Error(`failed to delete content of namespace ${name}: ${remains.errors.join(', ')}`);
    if (remains.estimate > 0) {
      log.debug('namespace: content remains', { namespace: name, estimateSeconds: remains.estimate });
      return { requeueAfterMs: (Math.floor(remains.estimate / 2) + 1) * 1000 };
    }
    await writeNamespace(name, 'finalize', (n) => {
      n.spec = { ...n.spec, finalizers: (n.spec?.finalizers ?? []).filter((f) => f !== KUBERNETES_FINALIZER) };
    });
    log.debug('namespace: content deleted, namespace finalized', { namespace: name });
  }

  async function deleteAllContent(namespace: string, deletedAt: Date): Promise<ContentRemains> {
    const out: ContentRemains = { estimate: 0, remaining: new Map(), finalizers: new Map(), errors: [] };
    for (const def of content) {
      let r: ResourceRemains;
      try {
        r = await deleteContentOf(def, namespace, deletedAt);
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        log.info('namespace: failed to delete content', { namespace, resource: def.plural, group: def.group, error: message });
        out.errors.push(message);
        continue;
      }
      if (r.error) out.errors.push(r.error);
      out.estimate = Math.max(out.estimate, r.estimate);
      if (r.remaining) out.remaining.set(`${def.plural}.${def.group}`, r.remaining);
      for (const [f, n] of r.finalizers) out.finalizers.set(f, (out.finalizers.get(f) ?? 0) + n);
    }
    return out;
  }

  /** Deletes one resource's objects in the namespace and says what is left. */
  async function deleteContentOf(def: ResourceDefinition, namespace: string, deletedAt: Date): Promise<ResourceRemains> {
    const rc: ResourceClient = client.resource(def.group, def.version, def.plural);
    const before = await rc.list({ namespace });
    if (!before.items.length) return { estimate: 0, remaining: 0, finalizers: new Map() };
    // Pods get their grace period: that is how long they may take.
    let estimate = 0;
    if (def.group === '' && def.plural === 'pods') {
      const grace = Math.max(0, ...before.items.map(podGraceSeconds));
      const elapsed = (Date.now() - deletedAt.getTime()) / 1000;
      estimate = Math.max(0, Math.floor(grace - elapsed));
    }
    // deletecollection, item by item (the Client has no collection delete), letting the
    // garbage collector cascade in the background.
    for (const item of before.items) {
      try {
        await rc.delete(item.metadata!.name!, { namespace, propagationPolicy: 'Background' });
      } catch (err) {
        if (!(err instanceof ApiError && (err.reason === 'NotFound' || err.reason === 'MethodNotAllowed'))) throw err;
      }
    }
    const after = await rc.list({ namespace });
    const remaining = after.items.length;
    if (!remaining) return { estimate: 0, remaining: 0, finalizers: new Map() };
    const finalizers = new Map<string, number>();
    for (const item of after.items) for (const f of item.metadata?.finalizers ?? []) finalizers.set(f, (finalizers.get(f) ?? 0) + 1);
    if (estimate > 0) return { estimate, remaining, finalizers };
    // Finalizers are a normal reason to wait; anything else left over is unexpected.
    if (finalizers.size) return { estimate: FINALIZER_ESTIMATE_SECONDS, remaining, finalizers };
    return {
      estimate, remaining, finalizers,
      error: `unexpected items still remain in namespace: ${namespace} for gvr: ${def.group}/${def.version}, Resource=${def.plural}`,
    };
  }

  async function getNamespace(name: string): Promise<NamespaceObject | undefined> {
    try {
      return await namespaces.get(name);
    } catch (err) {
      if (err instanceof ApiError && err.reason === 'NotFound') return undefined;
      throw err;
    }
  }

  /**
   * Read-modify-write on the namespace's status or finalize subresource, retried on conflicts.
   * Returns the namespace as written (or as it was, when nothing changed), undefined once it is gone.
   */
  async function writeNamespace(name: string, subresource: 'status' | 'finalize', change: (ns: NamespaceObject) => boolean | void): Promise<NamespaceObject | undefined> {
    for (let attempt = 0; ; attempt++) {
      const ns = await getNamespace(name);
      if (!ns) return undefined;
      if (change(ns) === false) return ns;
      try {
        return await namespaces.update(ns, { subresource });
      } catch (err) {
        if (err instanceof ApiError && err.reason === 'NotFound') return undefined;
        if (err instanceof ApiError && err.reason === 'Conflict' && attempt < CONFLICT_RETRIES) continue;
        throw err;
      }
    }
  }

  return { stop: () => controller.stop() };
}

function podGraceSeconds(pod: KObject): number {
  const phase = (pod.status as { phase?: string } | undefined)?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') return 0;
  const grace = (pod.spec as { terminationGracePeriodSeconds?: number } | undefined)?.terminationGracePeriodSeconds;
  return grace ?? DEFAULT_POD_GRACE_SECONDS;
}

/**
 * Sets the five deletion conditions from what this pass found, as upstream: a problem makes its
 * condition True with a message naming it, otherwise the condition is False with its "ok" text.
 * lastTransitionTime moves only when a condition's status flips. Returns whether anything changed.
 */
function updateConditions(ns: NamespaceObject, remains: ContentRemains, now: Date): boolean {
  const failures = new Map<string, { reason: string; message: string }>();
  if (remains.errors.length) {
    const msgs = [...remains.errors].sort();
    failures.set('NamespaceDeletionContentFailure', {
      reason: 'ContentDeletionFailed',
      message: `Failed to delete all resource types, ${msgs.length} remaining: ${msgs.join(', ')}`,
    });
  }
  if (remains.remaining.size) {
    const list = [...remains.remaining].map(([gr, n]) => `${gr} has ${n} resource instances`).sort();
    failures.set('NamespaceContentRemaining', { reason: 'SomeResourcesRemain', message: `Some resources are remaining: ${list.join(', ')}` });
  }
  if (remains.finalizers.size) {
    const list = [...remains.finalizers].map(([f, n]) => `${f} in ${n} resource instances`).sort();
    failures.set('NamespaceFinalizersRemaining', {
      reason: 'SomeFinalizersRemain', message: `Some content in the namespace has finalizers remaining: ${list.join(', ')}`,
    });
  }

  const status = (ns.status ??= {});
  const conditions: NamespaceCondition[] = (status.conditions ??= []);
  let changed = false;
  for (const { type, okReason, okMessage } of CONDITION_TYPES) {
    const failure = failures.get(type);
    const want = failure ? { status: 'True', ...failure } : { status: 'False', reason: okReason, message: okMessage };
    const current = conditions.find((c) => c.type === type);
    if (!current) {
      conditions.push({ type, ...want, lastTransitionTime: rfc3339(now) });
      changed = true;
    } else if (current.status !== want.status || current.reason !== want.reason || current.message !== want.message) {
      const c = current as { -readonly [K in keyof NamespaceCondition]: NamespaceCondition[K] };
      if (c.status !== want.status) c.lastTransitionTime = rfc3339(now);
      c.status = want.status;
      c.reason = want.reason;
      c.message = want.message;
      changed = true;
    }
  }
  return changed;
}
