// The Deployment controller, as kube-controller-manager's: for each Deployment it claims the
// ReplicaSets its selector matches, then repeatedly asks the pure rollout logic
// (deployment-rollout.ts) for the next step — bring the new ReplicaSet's annotations up to date,
// create the new ReplicaSet, or scale ReplicaSets, prune old ones and write the Deployment's
// revision and status — and performs it. Rolling updates, Recreate, proportional scaling,
// pause/resume, rollbacks (kubectl restores an old template; the old ReplicaSet is reused and
// its revision moves forward) and progress deadlines all come out of those steps.
import type { Logger } from '../cli/log.ts';
import type { Client } from '../client/client.ts';
import type { EventRecorder } from '../client/event-recorder.ts';
import { type InformerFactory, objectKeyOf } from '../client/informer.ts';
import { ApiError } from '../machinery/errors.ts';
import { fromLabelSelector, isEverything, matchesLabels, type LabelSelector } from '../machinery/label-selector.ts';
import { runController, type ReconcileResult } from './controller.ts';
import { claimObjects, controllerRefOf } from './controller-ref.ts';
import { claimCandidates, controlledBy, indexByControllerUid } from './owner-index.ts';
import {
  type DeploymentObject, type ReplicaSetObject, REVISION_ANNOTATION, hasProgressDeadline, setDeploymentRevision, specReplicas,
} from './deployment-util.ts';
import {
  type SyncStep, isOwnNewReplicaSet, nextSyncStep, normalizeStatus, recordNewReplicaSet, recordNewReplicaSetFailure,
  sameStatus, scaledReplicaSet,
} from './deployment-rollout.ts';
import type { PodObject } from './pod-ranking.ts';

const WORKERS = 5;
/** A sync takes at most a few steps (update the new ReplicaSet, create it, finish); more means something keeps changing. */
const MAX_STEPS = 8;

export interface DeploymentControllerDeps {
  client: Client;
  informers: InformerFactory;
  log: Logger;
  /** Records as "deployment-controller". */
  recorder: EventRecorder;
  now?: () => Date;
}

function isNamespaceTerminating(err: unknown): boolean {
  if (!(err instanceof ApiError)) return false;
  if (err.details?.causes?.some((c) => c.reason === 'NamespaceTerminating')) return true;
  return err.code === 403 && /because it is being terminated$/.test(err.message);
}

export function startDeploymentController(deps: DeploymentControllerDeps): { stop(): void } {
  const { client, informers, log, recorder } = deps;
  const now = deps.now ?? (() => new Date());
  const deployments = client.resource<DeploymentObject>('apps', 'v1', 'deployments');
  const replicaSets = client.resource<ReplicaSetObject>('apps', 'v1', 'replicasets');
  const dInformer = informers.informer<DeploymentObject>('apps', 'v1', 'deployments');
  const rsInformer = informers.informer<ReplicaSetObject>('apps', 'v1', 'replicasets');
  const podInformer = informers.informer<PodObject>('', 'v1', 'pods');
  indexByControllerUid(rsInformer);
  indexByControllerUid(podInformer);

  const controller = runController({ name: 'deployment', workers: WORKERS, reconcile: syncDeployment }, log);
  const enqueue = (d: DeploymentObject) => controller.queue.add(objectKeyOf(d));

  function selectorOf(d: DeploymentObject): LabelSelector | undefined {
    try {
      return fromLabelSelector(d.spec?.selector);
    } catch {
      return undefined;
    }
  }

  /** The Deployment controlling a ReplicaSet, if it is the one that exists now. */
  function ownerOf(rs: ReplicaSetObject, ref = controllerRefOf(rs)): DeploymentObject | undefined {
    if (!ref || ref.kind !== 'Deployment' || !/^apps\//.test(ref.apiVersion)) return undefined;
    const d = dInformer.get(ref.name, rs.metadata?.namespace);
    return d && d.metadata?.uid === ref.uid ? d : undefined;
  }

  /** Deployments that would select an orphan ReplicaSet. */
  function deploymentsMatching(rs: ReplicaSetObject): DeploymentObject[] {
    return dInformer.list(rs.metadata?.namespace).filter((d) => {
      const sel = selectorOf(d);
      return !!sel && !isEverything(sel) && matchesLabels(sel, rs.metadata?.labels);
    });
  }

  dInformer.addHandlers({ onAdd: enqueue, onUpdate: (_old, d) => enqueue(d), onDelete: enqueue });
  rsInformer.addHandlers({
    onAdd(rs) {
      const owner = ownerOf(rs);
      if (owner) { enqueue(owner); return; }
      if (!controllerRefOf(rs) && !rs.metadata?.deletionTimestamp) for (const d of deploymentsMatching(rs)) enqueue(d);
    },
    onUpdate(oldRS, rs) {
      if (oldRS.metadata?.resourceVersion === rs.metadata?.resourceVersion) return;
      const ref = controllerRefOf(rs);
      const oldRef = controllerRefOf(oldRS);
      const refChanged = JSON.stringify(ref) !== JSON.stringify(oldRef);
      if (refChanged && oldRef) {
        const old = ownerOf(oldRS, oldRef);
        if (old) enqueue(old);
      }
      if (ref) {
        const owner = ownerOf(rs, ref);
        if (owner) enqueue(owner);
        return;
      }
      const labelsChanged = JSON.stringify(oldRS.metadata?.labels ?? {}) !== JSON.stringify(rs.metadata?.labels ?? {});
      if (labelsChanged || refChanged) for (const d of deploymentsMatching(rs)) enqueue(d);
    },
    onDelete(rs) {
      const owner = ownerOf(rs);
      if (owner) enqueue(owner);
    },
  });
  // A Recreate rollout waits for the old pods to be gone.
  podInformer.addHandlers({
    onDelete(pod) {
      const ref = controllerRefOf(pod);
      if (!ref || ref.kind !== 'ReplicaSet') return;
      const rs = rsInformer.get(ref.name, pod.metadata?.namespace);
      const owner = rs && rs.metadata?.uid === ref.uid ? ownerOf(rs) : undefined;
      if (owner && owner.spec?.strategy?.type === 'Recreate') enqueue(owner);
    },
  });

  async function syncDeployment(key: string): Promise<ReconcileResult | void> {
    const [namespace, name] = key.split('/');
    const stored = dInformer.get(name, namespace);
    if (!stored) return;
    const d = structuredClone(stored);

    const selector = selectorOf(d);
    if (!selector) return;
    if (isEverything(selector)) {
      recorder.event(d, 'Warning', 'SelectingAll', 'This deployment is selecting all pods. A non-empty selector is required.');
      if ((d.status?.observedGeneration ?? 0) < (d.metadata?.generation ?? 0)) {
        await deployments.update({ ...d, status: { ...d.status, observedGeneration: d.metadata?.generation } }, { subresource: 'status' });
      }
      return;
    }

    const { claimed, errors } = await claimObjects<ReplicaSetObject>({
      owner: d, ownerApiVersion: 'apps/v1', ownerKind: 'Deployment', candidateKind: 'ReplicaSet',
      candidates: claimCandidates(rsInformer, d),
      matches: (rs) => matchesLabels(selector, rs.metadata?.labels),
      resource: replicaSets,
      getOwner: () => deployments.get(name, namespace),
    });
    if (errors.length) throw errors[0];
    const rsList = claimed.map((rs) => structuredClone(rs));
    const podsByReplicaSet = podsByOwner(d, selector, rsList);

    for (let i = 0; i < MAX_STEPS; i++) {
      const step = nextSyncStep({ deployment: d, replicaSets: rsList, podsByReplicaSet, now: now() });
      switch (step.kind) {
        case 'updateNewReplicaSet': {
          const updated = await replicaSets.update(step.replicaSet);
          rsList.splice(rsList.findIndex((rs) => rs.metadata?.uid === updated.metadata?.uid), 1, updated);
          continue;
        }
        case 'createNewReplicaSet':
          rsList.push(await createNewReplicaSet(d, step));
          continue;
        case 'finish':
          await finish(stored, step, rsList);
          return step.checkProgressAfterMs !== undefined ? { requeueAfterMs: step.checkProgressAfterMs } : undefined;
      }
    }
    throw new Error(`deployment ${key}: sync did not settle in ${MAX_STEPS} steps`);
  }

  /** Pods matching the deployment's selector, by the uid of the (claimed) ReplicaSet controlling them. */
  function podsByOwner(d: DeploymentObject, selector: LabelSelector, rsList: ReplicaSetObject[]): Map<string, PodObject[]> {
    const byUid = new Map<string, PodObject[]>();
    for (const rs of rsList) {
      byUid.set(rs.metadata?.uid ?? '', controlledBy(podInformer, rs).filter((pod) => matchesLabels(selector, pod.metadata?.labels)));
    }
    return byUid;
  }

  /** Creates the new ReplicaSet, recording the new revision and condition on `d`. */
  async function createNewReplicaSet(d: DeploymentObject, step: Extract<SyncStep, { kind: 'createNewReplicaSet' }>): Promise<ReplicaSetObject> {
    const rsName = step.replicaSet.metadata?.name ?? '';
    const namespace = d.metadata?.namespace;
    try {
      const created = await replicaSets.create(step.replicaSet, { namespace });
      const replicas = specReplicas(created);
      if (replicas > 0) recorder.event(d, 'Normal', 'ScalingReplicaSet', `Scaled up replica set ${rsName} to ${replicas}`);
      recordNewReplicaSet(d, created, step.revision, now());
      return created;
    } catch (err) {
      if (err instanceof ApiError && err.reason === 'AlreadyExists') {
        // A slow cache (we created it last time), or a hash collision with someone else's.
        const existing = rsInformer.get(rsName, namespace) ?? await replicaSets.get(rsName, namespace);
        if (isOwnNewReplicaSet(d, existing)) {
          setDeploymentRevision(d, String(step.revision));
          return structuredClone(existing);
        }
        const status = (d.status ??= {});
        status.collisionCount = (status.collisionCount ?? 0) + 1;
        await deployments.update({ ...d, status: normalizeStatus(status) }, { subresource: 'status' });
        log.debug('deployment: pod template hash collision, bumped collisionCount', { deployment: objectKeyOf(d), collisionCount: status.collisionCount });
        throw err;
      }
      if (isNamespaceTerminating(err)) throw err;
      const msg = recordNewReplicaSetFailure(d, rsName, (err as Error).message, now());
      if (hasProgressDeadline(d)) {
        await deployments.update({ ...d, status: normalizeStatus(d.status) }, { subresource: 'status' }).catch(() => undefined);
      }
      recorder.event(d, 'Warning', 'ReplicaSetCreateError', msg);
      throw err;
    }
  }

  /** Scales, prunes, and writes the Deployment's revision annotation and status. */
  async function finish(stored: DeploymentObject, step: Extract<SyncStep, { kind: 'finish' }>, rsList: ReplicaSetObject[]): Promise<void> {
    const d = step.deployment;
    const latest = new Map(rsList.map((rs) => [rs.metadata?.name ?? '', rs]));
    for (const action of step.scale) {
      const rs = latest.get(action.name);
      if (!rs) continue;
      const updated = scaledReplicaSet(rs, action.replicas, d);
      if (!updated) continue;
      const written = await replicaSets.update(updated);
      latest.set(action.name, written);
      const from = specReplicas(rs);
      if (from !== action.replicas) {
        recorder.event(d, 'Normal', 'ScalingReplicaSet', `Scaled ${action.operation} replica set ${action.name} to ${action.replicas} from ${from}`);
      }
    }
    for (const rs of step.deleteReplicaSets) {
      log.debug('deployment: cleaning up old replica set', { deployment: objectKeyOf(d), replicaSet: rs.metadata?.name });
      try {
        await replicaSets.delete(rs.metadata?.name ?? '', { namespace: rs.metadata?.namespace });
      } catch (err) {
        if (!(err instanceof ApiError && err.reason === 'NotFound')) throw err;
      }
    }
    await writeDeployment(stored, d);
  }

  /** Writes the revision annotation and status through /status, as upstream does (its status strategy keeps annotations). */
  async function writeDeployment(stored: DeploymentObject, d: DeploymentObject): Promise<void> {
    const revision = d.metadata?.annotations?.[REVISION_ANNOTATION];
    const revisionChanged = revision !== undefined && stored.metadata?.annotations?.[REVISION_ANNOTATION] !== revision;
    if (!revisionChanged && sameStatus(stored.status, d.status)) return;
    await deployments.update({ ...d, status: normalizeStatus(d.status) }, { subresource: 'status' });
  }

  return { stop: () => controller.stop() };
}
