// The ReplicaSet controller, as kube-controller-manager's: keeps `spec.replicas` pods running for
// every ReplicaSet. It claims pods (adopting orphans its selector matches, releasing its own that
// no longer match), creates missing pods from the template in slow-start batches (1, 2, 4, ...,
// at most 500 per sync), deletes surplus pods least useful first, remembers what it asked for
// until its informer sees it (expectations), and reports counts and ReplicaFailure in status.
import type { ReplicaSetCondition, ReplicaSetStatus } from 'kubernetes-types/apps/v1';
import type { KObject } from '../api/types.ts';
import type { Logger } from '../cli/log.ts';
import type { Client } from '../client/client.ts';
import type { EventRecorder } from '../client/event-recorder.ts';
import { type InformerFactory, objectKeyOf } from '../client/informer.ts';
import { ApiError } from '../machinery/errors.ts';
import { fromLabelSelector, isEverything, matchesLabels, type LabelSelector } from '../machinery/label-selector.ts';
import { rfc3339 } from '../machinery/meta.ts';
import { runController, type ReconcileResult } from './controller.ts';
import { claimObjects, controllerRefOf, newControllerRef } from './controller-ref.ts';
import type { ReplicaSetObject } from './deployment-util.ts';
import { createExpectations } from './expectations.ts';
import { CONTROLLER_UID_INDEX, claimCandidates, indexByControllerUid } from './owner-index.ts';
import { type PodObject, isPodActive, isPodAvailable, isPodReady, podsToDelete } from './pod-ranking.ts';

/** Most pods created or deleted for one ReplicaSet in one sync. */
export const BURST_REPLICAS = 500;
const SLOW_START_INITIAL_BATCH = 1;
const STATUS_UPDATE_RETRIES = 1;
const WORKERS = 5;

export interface ReplicaSetControllerDeps {
  client: Client;
  informers: InformerFactory;
  log: Logger;
  /** Records as "replicaset-controller". */
  recorder: EventRecorder;
  now?: () => Date;
}

/**
 * Runs `fn` `count` times in batches of 1, 2, 4, ...: a batch starts only when the previous one
 * fully succeeded, so a call that fails for every pod (quota, admission) fails once, not 500
 * times. Returns how many calls succeeded and the first error.
 */
export async function slowStartBatch(count: number, initialBatch: number, fn: () => Promise<void>): Promise<{ successes: number; error?: Error }> {
  let remaining = count;
  let successes = 0;
  for (let batch = Math.min(remaining, initialBatch); batch > 0; batch = Math.min(2 * batch, remaining)) {
    const results = await Promise.allSettled(Array.from({ length: batch }, () => fn()));
    const failures = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    successes += batch - failures.length;
    if (failures.length) return { successes, error: failures[0].reason as Error };
    remaining -= batch;
  }
  return { successes };
}

/** A pod for the ReplicaSet, from its template (upstream's GetPodFromTemplate). */
export function podFromTemplate(rs: ReplicaSetObject): PodObject {
  const template = rs.spec?.template ?? {};
  const name = rs.metadata?.name ?? '';
  const meta = template.metadata ?? {};
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      // Upstream drops the dash only when the name would then be invalid; a valid ReplicaSet name always takes it.
      generateName: `${name}-`,
      namespace: rs.metadata?.namespace,
      ...(meta.labels ? { labels: { ...meta.labels } } : {}),
      ...(meta.annotations ? { annotations: { ...meta.annotations } } : {}),
      ...(meta.finalizers ? { finalizers: [...meta.finalizers] } : {}),
      ownerReferences: [newControllerRef(rs, 'apps/v1', 'ReplicaSet')],
    },
    spec: structuredClone(template.spec),
  };
}

/**
 * The status a sync reports (upstream's calculateStatus): counts over the pods it controls and
 * a ReplicaFailure condition while creating or deleting fails.
 */
export function calculateReplicaSetStatus(rs: ReplicaSetObject, pods: PodObject[], manageError: Error | undefined, now: Date): ReplicaSetStatus {
  const templateLabels = rs.spec?.template?.metadata?.labels ?? {};
  const minReady = rs.spec?.minReadySeconds ?? 0;
  let fullyLabeled = 0;
  let ready = 0;
  let available = 0;
  for (const pod of pods) {
    const labels = pod.metadata?.labels ?? {};
    if (Object.entries(templateLabels).every(([k, v]) => labels[k] === v)) fullyLabeled++;
    if (isPodReady(pod)) {
      ready++;
      if (isPodAvailable(pod, minReady, now)) available++;
    }
  }
  let conditions: ReplicaSetCondition[] = [...(rs.status?.conditions ?? [])];
  const failure = conditions.find((c) => c.type === 'ReplicaFailure');
  if (manageError && !failure) {
    const diff = pods.length - (rs.spec?.replicas ?? 1);
    const reason = diff < 0 ? 'FailedCreate' : diff > 0 ? 'FailedDelete' : '';
    conditions.push({ type: 'ReplicaFailure', status: 'True', lastTransitionTime: rfc3339(now), reason, message: manageError.message });
  } else if (!manageError && failure) {
    conditions = conditions.filter((c) => c.type !== 'ReplicaFailure');
  }
  return {
    replicas: pods.length,
    ...(fullyLabeled ? { fullyLabeledReplicas: fullyLabeled } : {}),
    ...(ready ? { readyReplicas: ready } : {}),
    ...(available ? { availableReplicas: available } : {}),
    ...(rs.status?.observedGeneration ? { observedGeneration: rs.status.observedGeneration } : {}),
    ...(conditions.length ? { conditions } : {}),
  };
}

/** Nothing a status write would change. */
function statusUpToDate(rs: ReplicaSetObject, next: ReplicaSetStatus): boolean {
  const s = rs.status ?? { replicas: 0 };
  return (s.replicas ?? 0) === next.replicas && (s.fullyLabeledReplicas ?? 0) === (next.fullyLabeledReplicas ?? 0) &&
    (s.readyReplicas ?? 0) === (next.readyReplicas ?? 0) && (s.availableReplicas ?? 0) === (next.availableReplicas ?? 0) &&
    (rs.metadata?.generation ?? 0) === (s.observedGeneration ?? 0) &&
    JSON.stringify(s.conditions ?? []) === JSON.stringify(next.conditions ?? []);
}

function isNamespaceTerminating(err: unknown): boolean {
  if (!(err instanceof ApiError)) return false;
  if (err.details?.causes?.some((c) => c.reason === 'NamespaceTerminating')) return true;
  return err.code === 403 && /because it is being terminated$/.test(err.message);
}

export function startReplicaSetController(deps: ReplicaSetControllerDeps): { stop(): void } {
  const { client, informers, log, recorder } = deps;
  const now = deps.now ?? (() => new Date());
  const replicaSets = client.resource<ReplicaSetObject>('apps', 'v1', 'replicasets');
  const pods = client.resource<PodObject>('', 'v1', 'pods');
  const rsInformer = informers.informer<ReplicaSetObject>('apps', 'v1', 'replicasets');
  const podInformer = informers.informer<PodObject>('', 'v1', 'pods');
  const expectations = createExpectations();
  indexByControllerUid(podInformer);
  indexByControllerUid(rsInformer);

  const controller = runController({ name: 'replicaset', workers: WORKERS, reconcile: syncReplicaSet }, log);
  const enqueue = (rs: KObject) => controller.queue.add(objectKeyOf(rs));

  /** The ReplicaSet a controller reference names, if it is the one that exists now. */
  function resolveControllerRef(namespace: string | undefined, pod: PodObject): ReplicaSetObject | undefined {
    const ref = controllerRefOf(pod);
    if (!ref || ref.kind !== 'ReplicaSet' || !/^apps\//.test(ref.apiVersion)) return undefined;
    const rs = rsInformer.get(ref.name, namespace);
    return rs && rs.metadata?.uid === ref.uid ? rs : undefined;
  }

  function selectorOf(rs: ReplicaSetObject): LabelSelector | undefined {
    try {
      return fromLabelSelector(rs.spec?.selector);
    } catch {
      return undefined;
    }
  }

  /** ReplicaSets that would select an orphan pod. */
  function replicaSetsMatching(pod: PodObject): ReplicaSetObject[] {
    return rsInformer.list(pod.metadata?.namespace).filter((rs) => {
      const sel = selectorOf(rs);
      return !!sel && !isEverything(sel) && matchesLabels(sel, pod.metadata?.labels);
    });
  }

  function podDeleted(pod: PodObject) {
    const rs = resolveControllerRef(pod.metadata?.namespace, pod);
    if (!rs) return;
    const key = objectKeyOf(rs);
    expectations.deletionObserved(key, objectKeyOf(pod));
    controller.queue.add(key);
  }

  podInformer.addHandlers({
    onAdd(pod) {
      // A pod already being deleted is no creation we were waiting for.
      if (pod.metadata?.deletionTimestamp) { podDeleted(pod); return; }
      if (controllerRefOf(pod)) {
        const rs = resolveControllerRef(pod.metadata?.namespace, pod);
        if (!rs) return;
        expectations.creationObserved(objectKeyOf(rs));
        enqueue(rs);
        return;
      }
      for (const rs of replicaSetsMatching(pod)) enqueue(rs);
    },
    onUpdate(oldPod, pod) {
      if (oldPod.metadata?.resourceVersion === pod.metadata?.resourceVersion) return;
      const labelsChanged = JSON.stringify(oldPod.metadata?.labels ?? {}) !== JSON.stringify(pod.metadata?.labels ?? {});
      if (pod.metadata?.deletionTimestamp) {
        // Graceful deletion: replace the pod now rather than when it is finally gone.
        podDeleted(pod);
        if (labelsChanged) podDeleted(oldPod);
        return;
      }
      const ref = controllerRefOf(pod);
      const oldRef = controllerRefOf(oldPod);
      const refChanged = JSON.stringify(ref) !== JSON.stringify(oldRef);
      if (refChanged && oldRef) {
        const old = resolveControllerRef(oldPod.metadata?.namespace, oldPod);
        if (old) enqueue(old);
      }
      if (ref) {
        const rs = resolveControllerRef(pod.metadata?.namespace, pod);
        if (!rs) return;
        enqueue(rs);
        // The pod becomes available minReadySeconds after it became ready: look again then.
        const minReady = rs.spec?.minReadySeconds ?? 0;
        if (!isPodReady(oldPod) && isPodReady(pod) && minReady > 0) controller.queue.addAfter(objectKeyOf(rs), minReady * 1000 + 1000);
        return;
      }
      if (labelsChanged || refChanged) for (const rs of replicaSetsMatching(pod)) enqueue(rs);
    },
    onDelete: podDeleted,
  });

  rsInformer.addHandlers({
    onAdd: enqueue,
    onUpdate: (_old, rs) => enqueue(rs),
    onDelete(rs) {
      expectations.forget(objectKeyOf(rs));
      enqueue(rs);
    },
  });

  async function syncReplicaSet(key: string): Promise<ReconcileResult | void> {
    const [namespace, name] = key.split('/');
    const cached = rsInformer.get(name, namespace);
    if (!cached) {
      expectations.forget(key);
      return;
    }
    const rs = structuredClone(cached);
    const needsSync = expectations.satisfied(key);
    const selector = selectorOf(rs);
    if (!selector) {
      log.debug('replicaset: invalid selector, skipping', { replicaSet: key });
      return;
    }

    // Its own pods and the namespace's orphans: every other pod is another controller's to claim.
    const active = claimCandidates(podInformer, rs).filter(isPodActive);
    const { claimed, errors } = await claimObjects<PodObject>({
      owner: rs, ownerApiVersion: 'apps/v1', ownerKind: 'ReplicaSet', candidateKind: 'Pod',
      candidates: active,
      matches: (pod) => matchesLabels(selector, pod.metadata?.labels),
      resource: pods,
      getOwner: () => replicaSets.get(name, namespace),
    });
    if (errors.length) throw errors[0];

    let manageError: Error | undefined;
    if (needsSync && !rs.metadata?.deletionTimestamp) manageError = await manageReplicas(key, rs, claimed);

    const status = calculateReplicaSetStatus(rs, claimed, manageError, now());
    const updated = await writeStatus(rs, status);
    if (manageError) throw manageError;
    const minReady = updated.spec?.minReadySeconds ?? 0;
    const want = updated.spec?.replicas ?? 1;
    // A last look once the ready pods have been ready long enough to count as available.
    if (minReady > 0 && (updated.status?.readyReplicas ?? 0) === want && (updated.status?.availableReplicas ?? 0) !== want) {
      return { requeueAfterMs: minReady * 1000 };
    }
  }

  /** Creates or deletes pods towards spec.replicas; returns what went wrong, if anything. */
  async function manageReplicas(key: string, rs: ReplicaSetObject, owned: PodObject[]): Promise<Error | undefined> {
    const diff = owned.length - (rs.spec?.replicas ?? 1);
    if (diff < 0) {
      const count = Math.min(-diff, BURST_REPLICAS);
      // Expect them all before the first call: the informer may see a pod before create returns.
      expectations.expectCreations(key, count);
      log.debug('replicaset: too few replicas, creating', { replicaSet: key, need: rs.spec?.replicas, creating: count });
      const { successes, error } = await slowStartBatch(count, SLOW_START_INITIAL_BATCH, () => createPod(rs));
      // Pods never asked for (or refused) will never be observed.
      for (let i = successes; i < count; i++) expectations.creationObserved(key);
      return error;
    }
    if (diff > 0) {
      const count = Math.min(diff, BURST_REPLICAS);
      const victims = podsToDelete(owned, relatedPods(rs), count, now());
      expectations.expectDeletions(key, victims.map((p) => objectKeyOf(p)));
      log.debug('replicaset: too many replicas, deleting', { replicaSet: key, need: rs.spec?.replicas, deleting: count });
      const results = await Promise.all(victims.map((p) => deletePod(rs, p).then(() => undefined, (err: unknown) => {
        expectations.deletionObserved(key, objectKeyOf(p));
        return err instanceof ApiError && err.reason === 'NotFound' ? undefined : (err as Error);
      })));
      return results.find((e) => e !== undefined);
    }
    return undefined;
  }

  async function createPod(rs: ReplicaSetObject): Promise<void> {
    const pod = podFromTemplate(rs);
    if (!Object.keys(pod.metadata?.labels ?? {}).length) {
      const err = new Error('unable to create pods, no labels');
      recorder.event(rs, 'Warning', 'FailedCreate', `Error creating: ${err.message}`);
      throw err;
    }
    try {
      const created = await pods.create(pod, { namespace: rs.metadata?.namespace });
      recorder.event(rs, 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata?.name}`);
    } catch (err) {
      // In a terminating namespace every create fails; that is no failure of this ReplicaSet.
      if (isNamespaceTerminating(err)) return;
      recorder.event(rs, 'Warning', 'FailedCreate', `Error creating: ${(err as Error).message}`);
      throw err;
    }
  }

  async function deletePod(rs: ReplicaSetObject, pod: PodObject): Promise<void> {
    const name = pod.metadata?.name ?? '';
    try {
      await pods.delete(name, { namespace: pod.metadata?.namespace });
    } catch (err) {
      if (!(err instanceof ApiError && err.reason === 'NotFound')) recorder.event(rs, 'Warning', 'FailedDelete', `Error deleting: ${(err as Error).message}`);
      throw err;
    }
    recorder.event(rs, 'Normal', 'SuccessfulDelete', `Deleted pod: ${name}`);
  }

  /** Pods of every ReplicaSet sharing this one's controller (a Deployment's other revisions). */
  function relatedPods(rs: ReplicaSetObject): PodObject[] {
    const owner = controllerRefOf(rs);
    if (!owner) return [];
    const namespace = rs.metadata?.namespace;
    const siblings = rsInformer.byIndex(CONTROLLER_UID_INDEX, owner.uid);
    // Upstream relates pods by the siblings' selectors, not by owner: only on scale-down.
    const inNamespace = podInformer.list(namespace);
    const seen = new Set<string>();
    const out: PodObject[] = [];
    for (const sibling of siblings) {
      const sel = selectorOf(sibling);
      if (!sel) continue;
      for (const pod of inNamespace) {
        const uid = pod.metadata?.uid ?? '';
        if (seen.has(uid) || !matchesLabels(sel, pod.metadata?.labels)) continue;
        seen.add(uid);
        out.push(pod);
      }
    }
    return out;
  }

  /** Writes status (and observedGeneration) when it changed; retries once on a conflict with a fresh read. */
  async function writeStatus(rs: ReplicaSetObject, status: ReplicaSetStatus): Promise<ReplicaSetObject> {
    if (statusUpToDate(rs, status)) return rs;
    const next: ReplicaSetStatus = { ...status };
    if (rs.metadata?.generation) next.observedGeneration = rs.metadata.generation;
    let current = rs;
    for (let attempt = 0; ; attempt++) {
      try {
        return await replicaSets.update({ ...current, status: next }, { subresource: 'status' });
      } catch (err) {
        if (attempt >= STATUS_UPDATE_RETRIES || !(err instanceof ApiError && err.reason === 'Conflict')) throw err;
        current = await replicaSets.get(current.metadata?.name ?? '', current.metadata?.namespace);
      }
    }
  }

  return { stop: () => controller.stop() };
}
