// The garbage collector, as kube-controller-manager's: a graph of owners and their dependents
// (by uid, from every object's metadata.ownerReferences), kept current by the shared informers,
// and two loops over it. "attempt to delete" looks at one object: removes it when all its
// owners are gone (background cascading), deletes the dependents of an owner being deleted in
// the foreground and finally releases that owner; "attempt to orphan" strips an owner's
// references from its dependents before releasing an owner deleted with the Orphan policy.
// Decisions about existence are always checked with a live GET: the graph may lag the store.
import type { OwnerReference } from 'kubernetes-types/meta/v1';
import type { KObject, ResourceDefinition } from '../api/types.ts';
import type { Logger } from '../cli/log.ts';
import type { Client, ResourceClient } from '../client/client.ts';
import type { InformerFactory } from '../client/informer.ts';
import { ApiError } from '../machinery/errors.ts';
import { runController, type ReconcileResult } from './controller.ts';

const ORPHAN_FINALIZER = 'orphan';
const FOREGROUND_FINALIZER = 'foregroundDeletion';

export interface GarbageCollectorDeps {
  client: Client;
  informers: InformerFactory;
  resources: ResourceDefinition[];
  log: Logger;
}

/** What an ownerReference (or an observed object) points at. */
interface Identity {
  /** undefined when the apiVersion/kind is not served here. */
  def: ResourceDefinition | undefined;
  apiVersion: string;
  kind: string;
  namespace: string | undefined;
  name: string;
  uid: string;
}

interface GraphNode {
  identity: Identity;
  /** Known only from a dependent's ownerReference; no informer has shown it to us yet. */
  virtual: boolean;
  owners: OwnerReference[];
  dependents: Set<string>;
  beingDeleted: boolean;
  /** Being deleted in the foreground: waits for its blocking dependents to go. */
  deletingDependents: boolean;
}

/** Uids the graph change asks the two loops to look at. */
interface Followups {
  attemptToDelete: string[];
  attemptToOrphan: string[];
}

const WORKERS = 4;
/** How long to wait before looking again at an owner whose kind no served resource has. */
const UNKNOWN_KIND_RETRY_MS = 60_000;

/** Maps an ownerReference's apiVersion + kind to the resource serving it. */
function kindResolver(defs: ResourceDefinition[]): (apiVersion: string, kind: string) => ResourceDefinition | undefined {
  const exact = new Map<string, ResourceDefinition>();
  const byGroupKind = new Map<string, ResourceDefinition>();
  for (const def of defs) {
    if (def.storedAs) continue; // served from another resource's storage: that one owns the objects
    exact.set(`${def.group}/${def.version}/${def.kind}`, def);
    if (!byGroupKind.has(`${def.group}/${def.kind}`)) byGroupKind.set(`${def.group}/${def.kind}`, def);
  }
  return (apiVersion, kind) => {
    const slash = apiVersion.indexOf('/');
    const group = slash < 0 ? '' : apiVersion.slice(0, slash);
    const version = slash < 0 ? apiVersion : apiVersion.slice(slash + 1);
    // Another version of a served kind names the same objects (e.g. apps/v1beta2 Deployments).
    return exact.get(`${group}/${version}/${kind}`) ?? byGroupKind.get(`${group}/${kind}`);
  };
}

function hasFinalizer(obj: KObject, finalizer: string): boolean {
  return (obj.metadata?.finalizers ?? []).includes(finalizer);
}

function isDeletingDependents(obj: KObject): boolean {
  return !!obj.metadata?.deletionTimestamp && hasFinalizer(obj, FOREGROUND_FINALIZER);
}

/** The owner/dependent graph. Pure bookkeeping: every change returns what needs a look. */
class OwnerGraph {
  private readonly nodes = new Map<string, GraphNode>();
  private readonly resolve: (apiVersion: string, kind: string) => ResourceDefinition | undefined;

  constructor(resolve: (apiVersion: string, kind: string) => ResourceDefinition | undefined) {
    this.resolve = resolve;
  }

  node(uid: string): GraphNode | undefined {
    return this.nodes.get(uid);
  }

  /** An object was added or changed. */
  observe(obj: KObject, def: ResourceDefinition): Followups {
    const out: Followups = { attemptToDelete: [], attemptToOrphan: [] };
    const meta = obj.metadata ?? {};
    const uid = meta.uid;
    if (!uid) return out;
    const identity: Identity = {
      def, apiVersion: obj.apiVersion ?? '', kind: obj.kind ?? def.kind,
      namespace: def.namespaced ? meta.namespace : undefined, name: meta.name ?? '', uid,
    };
    let node = this.nodes.get(uid);
    if (!node) {
      node = { identity, virtual: false, owners: [], dependents: new Set(), beingDeleted: false, deletingDependents: false };
      this.nodes.set(uid, node);
    } else {
      node.virtual = false;
      node.identity = identity;
    }
    const wasDeletingDependents = node.deletingDependents;
    const newOwners = meta.ownerReferences ?? [];
    const ownersChanged = JSON.stringify(newOwners) !== JSON.stringify(node.owners);
    if (ownersChanged) {
      const newUids = new Set(newOwners.map((r) => r.uid));
      for (const ref of node.owners) if (!newUids.has(ref.uid)) this.detach(uid, ref.uid, out);
      for (const ref of newOwners) {
        let owner = this.nodes.get(ref.uid);
        if (!owner) {
          // An owner we have not seen: it may not exist at all, so have it verified.
          const ownerDef = this.resolve(ref.apiVersion, ref.kind);
          owner = {
            identity: {
              def: ownerDef, apiVersion: ref.apiVersion, kind: ref.kind,
              namespace: ownerDef?.namespaced ? meta.namespace : undefined, name: ref.name, uid: ref.uid,
            },
            virtual: true, owners: [], dependents: new Set(), beingDeleted: false, deletingDependents: false,
          };
          this.nodes.set(ref.uid, owner);
          out.attemptToDelete.push(ref.uid);
        }
        owner.dependents.add(uid);
        // A new or changed reference to an owner waiting on its dependents: both need a look.
        if (owner.deletingDependents) out.attemptToDelete.push(ref.uid, uid);
      }
      node.owners = newOwners;
    }
    node.beingDeleted = !!meta.deletionTimestamp;
    node.deletingDependents = isDeletingDependents(obj);
    if (node.beingDeleted && hasFinalizer(obj, ORPHAN_FINALIZER)) out.attemptToOrphan.push(uid);
    if (node.deletingDependents && !wasDeletingDependents) out.attemptToDelete.push(...node.dependents, uid);
    return out;
  }

  /** An object is gone: its dependents may have lost their last owner. */
  forget(obj: KObject): Followups {
    const out: Followups = { attemptToDelete: [], attemptToOrphan: [] };
    const uid = obj.metadata?.uid;
    const node = uid ? this.nodes.get(uid) : undefined;
    if (!uid || !node) return out;
    for (const ref of node.owners) this.detach(uid, ref.uid, out);
    out.attemptToDelete.push(...node.dependents);
    this.nodes.delete(uid);
    return out;
  }

  /** A virtual owner was verified absent. */
  forgetVirtual(uid: string): Followups {
    const node = this.nodes.get(uid);
    if (!node?.virtual) return { attemptToDelete: [], attemptToOrphan: [] };
    this.nodes.delete(uid);
    return { attemptToDelete: [...node.dependents], attemptToOrphan: [] };
  }

  /** Dependents that hold up the foreground deletion of `uid`. */
  blockingDependents(uid: string): GraphNode[] {
    const node = this.nodes.get(uid);
    if (!node) return [];
    const out: GraphNode[] = [];
    for (const depUid of node.dependents) {
      const dep = this.nodes.get(depUid);
      if (dep?.owners.some((r) => r.uid === uid && r.blockOwnerDeletion === true)) out.push(dep);
    }
    return out;
  }

  private detach(dependentUid: string, ownerUid: string, out: Followups) {
    const owner = this.nodes.get(ownerUid);
    if (!owner) return;
    owner.dependents.delete(dependentUid);
    if (owner.deletingDependents) out.attemptToDelete.push(ownerUid);
    if (owner.virtual && owner.dependents.size === 0) this.nodes.delete(ownerUid);
  }
}

type OwnerState = 'solid' | 'dangling' | 'waiting';

export function startGarbageCollector(deps: GarbageCollectorDeps): { stop(): void } {
  const { client, informers, log } = deps;
  const resolve = kindResolver(deps.resources);
  const graph = new OwnerGraph(resolve);
  const clientOf = (def: ResourceDefinition): ResourceClient => client.resource(def.group, def.version, def.plural);
  let stopped = false;

  // Everything the collector can list, watch and delete; events are never owners worth tracking.
  const watched = deps.resources.filter((def) =>
    def.kind !== 'Event' && !def.storedAs &&
    ['list', 'watch', 'delete'].every((v) => !def.verbs || def.verbs.includes(v as never)));
  const watchedInformers = watched.map((def) => ({ def, informer: informers.informer(def.group, def.version, def.plural) }));
  const synced = Promise.all(watchedInformers.map((w) => w.informer.synced()));

  const deleter = runController({ name: 'garbage-collector', workers: WORKERS, reconcile: reportProblems(attemptToDelete) }, log);
  const orphaner = runController({ name: 'garbage-collector-orphan', workers: WORKERS, reconcile: reportProblems(attemptToOrphan) }, log);
  const follow = (f: Followups) => {
    if (stopped) return;
    for (const uid of f.attemptToDelete) deleter.queue.add(uid);
    for (const uid of f.attemptToOrphan) orphaner.queue.add(uid);
  };
  for (const { def, informer } of watchedInformers) {
    informer.addHandlers({
      onAdd: (obj) => follow(graph.observe(obj, def)),
      onUpdate: (_old, obj) => follow(graph.observe(obj, def)),
      onDelete: (obj) => follow(graph.forget(obj)),
    });
  }

  /** Conflicts and races are routine (retried quietly); anything else is worth an info line. */
  function reportProblems(fn: (uid: string) => Promise<ReconcileResult | void>) {
    return async (uid: string) => {
      try {
        return await fn(uid);
      } catch (err) {
        if (!(err instanceof ApiError && err.reason === 'Conflict')) {
          const node = graph.node(uid);
          log.info('garbage collector: will retry', {
            uid, kind: node?.identity.kind, namespace: node?.identity.namespace, name: node?.identity.name,
            error: err instanceof Error ? err.message : String(err),
          });
        }
        throw err;
      }
    };
  }

  async function attemptToDelete(uid: string): Promise<ReconcileResult | void> {
    await synced;
    const node = graph.node(uid);
    if (!node) return;
    if (node.virtual) return verifyVirtual(node);
    // Already on its way out (and not waiting on dependents): nothing for us to do.
    if (node.beingDeleted && !node.deletingDependents) return;
    const live = await getLive(node.identity);
    if (!live) return; // the informer will report the deletion
    if (isDeletingDependents(live)) return processDeletingDependents(node, live);
    if (live.metadata?.deletionTimestamp) return;
    const refs = live.metadata?.ownerReferences ?? [];
    if (!refs.length) return;

    const states = new Map<string, OwnerState>();
    for (const ref of refs) states.set(ref.uid, await ownerState(live, ref));
    const solid = refs.filter((r) => states.get(r.uid) === 'solid');
    const notSolid = refs.filter((r) => states.get(r.uid) !== 'solid');
    const waiting = refs.filter((r) => states.get(r.uid) === 'waiting');
    const id = describe(node.identity);

    if (solid.length) {
      if (!notSolid.length) return;
      // A live owner remains: the object stays, only the references to gone or going owners go.
      const drop = new Set(notSolid.map((r) => r.uid));
      log.debug('garbage collector: removing owner references', { ...id, owners: [...drop].join(',') });
      await patchOwnerReferences(node.identity, live, refs.filter((r) => !drop.has(r.uid)));
      return;
    }
    if (waiting.length && node.dependents.size) {
      // Our owner waits for us, and we have dependents of our own: delete in the foreground too.
      // If one of those dependents is itself waiting, stop blocking our owners so a cycle cannot deadlock.
      if ([...node.dependents].some((d) => graph.node(d)?.deletingDependents)) {
        const unblocked = refs.map((r) => (r.blockOwnerDeletion ? { ...r, blockOwnerDeletion: false } : r));
        await patchOwnerReferences(node.identity, live, unblocked);
      }
      log.debug('garbage collector: deleting object in the foreground', id);
      await deleteObject(node.identity, 'Foreground');
      return;
    }
    const policy = hasFinalizer(live, ORPHAN_FINALIZER) ? 'Orphan' : hasFinalizer(live, FOREGROUND_FINALIZER) ? 'Foreground' : 'Background';
    log.debug('garbage collector: deleting object whose owners are gone or going', { ...id, policy });
    await deleteObject(node.identity, policy);
  }

  /** An owner seen only in references: does it exist at all? */
  async function verifyVirtual(node: GraphNode): Promise<ReconcileResult | void> {
    const { identity } = node;
    if (!identity.def) {
      log.info('garbage collector: owner kind is not served, keeping its dependents', describe(identity));
      return { requeueAfterMs: UNKNOWN_KIND_RETRY_MS };
    }
    if (await getLive(identity)) return; // it exists; the informer will show it to us
    log.debug('garbage collector: owner is absent', describe(identity));
    follow(graph.forgetVirtual(identity.uid));
  }

  /** The foreground deletion of `owner` waits for its blocking dependents, then ends. */
  async function processDeletingDependents(node: GraphNode, live: KObject): Promise<void> {
    const blocking = graph.blockingDependents(node.identity.uid);
    if (!blocking.length) {
      log.debug('garbage collector: no blocking dependents left, removing finalizer', { ...describe(node.identity), finalizer: FOREGROUND_FINALIZER });
      await removeFinalizer(node.identity, live, FOREGROUND_FINALIZER);
      return;
    }
    // Removing a dependent from the graph brings this owner back (OwnerGraph.detach).
    for (const dep of blocking) if (!dep.deletingDependents) deleter.queue.add(dep.identity.uid);
  }

  async function attemptToOrphan(uid: string): Promise<void> {
    await synced;
    const node = graph.node(uid);
    if (!node || node.virtual) return;
    const live = await getLive(node.identity);
    if (!live?.metadata?.deletionTimestamp || !hasFinalizer(live, ORPHAN_FINALIZER)) return;
    for (const depUid of [...node.dependents]) {
      const dep = graph.node(depUid);
      if (!dep || dep.virtual) continue;
      const depLive = await getLive(dep.identity);
      const refs = depLive?.metadata?.ownerReferences ?? [];
      if (!depLive || !refs.some((r) => r.uid === uid)) continue;
      log.debug('garbage collector: orphaning dependent', { ...describe(dep.identity), owner: node.identity.name });
      await patchOwnerReferences(dep.identity, depLive, refs.filter((r) => r.uid !== uid));
    }
    log.debug('garbage collector: dependents orphaned, removing finalizer', { ...describe(node.identity), finalizer: ORPHAN_FINALIZER });
    await removeFinalizer(node.identity, live, ORPHAN_FINALIZER);
  }

  /** Whether the owner a reference names is alive, gone, or waiting on its dependents (live GET). */
  async function ownerState(dependent: KObject, ref: OwnerReference): Promise<OwnerState> {
    const def = resolve(ref.apiVersion, ref.kind);
    if (!def) throw new Error(`unable to find a resource for ownerReference ${ref.apiVersion}, Kind=${ref.kind}`);
    const depNamespace = dependent.metadata?.namespace;
    // A cluster-scoped dependent cannot be owned by a namespaced object: upstream treats that owner as absent.
    if (def.namespaced && !depNamespace) return 'dangling';
    const owner = await getLive({ def, apiVersion: ref.apiVersion, kind: ref.kind, namespace: def.namespaced ? depNamespace : undefined, name: ref.name, uid: ref.uid });
    if (!owner) return 'dangling';
    return isDeletingDependents(owner) ? 'waiting' : 'solid';
  }

  /** The object as stored now, or undefined when it is gone (or replaced by one with another uid). */
  async function getLive(identity: Identity): Promise<KObject | undefined> {
    if (!identity.def) return undefined;
    try {
      const obj = await clientOf(identity.def).get(identity.name, identity.namespace);
      return obj.metadata?.uid === identity.uid ? obj : undefined;
    } catch (err) {
      if (err instanceof ApiError && err.reason === 'NotFound') return undefined;
      throw err;
    }
  }

  async function deleteObject(identity: Identity, policy: 'Orphan' | 'Foreground' | 'Background'): Promise<void> {
    try {
      await clientOf(identity.def!).delete(identity.name, {
        namespace: identity.namespace, propagationPolicy: policy, preconditions: { uid: identity.uid },
      });
    } catch (err) {
      // Gone already, or replaced by a namesake (uid precondition): either way not ours to delete.
      if (err instanceof ApiError && (err.reason === 'NotFound' || (err.reason === 'Conflict' && err.message.includes('Precondition failed: UID')))) return;
      throw err;
    }
  }

  /** Writes the reference list, guarded by the resourceVersion it was computed from. */
  async function patchOwnerReferences(identity: Identity, live: KObject, refs: OwnerReference[]): Promise<void> {
    await patchMeta(identity, { ownerReferences: refs.length ? refs : null, resourceVersion: live.metadata?.resourceVersion });
  }

  async function removeFinalizer(identity: Identity, live: KObject, finalizer: string): Promise<void> {
    const rest = (live.metadata?.finalizers ?? []).filter((f) => f !== finalizer);
    await patchMeta(identity, { finalizers: rest.length ? rest : null, resourceVersion: live.metadata?.resourceVersion });
  }

  async function patchMeta(identity: Identity, metadata: Record<string, unknown>): Promise<void> {
    try {
      await clientOf(identity.def!).patch(identity.name, 'merge', { metadata }, { namespace: identity.namespace });
    } catch (err) {
      if (err instanceof ApiError && err.reason === 'NotFound') return;
      throw err;
    }
  }

  return {
    stop() {
      stopped = true;
      deleter.stop();
      orphaner.stop();
    },
  };
}

function describe(identity: Identity): Record<string, unknown> {
  return { kind: identity.kind, namespace: identity.namespace, name: identity.name, uid: identity.uid };
}
