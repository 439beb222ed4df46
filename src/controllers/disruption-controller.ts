// The disruption controller, as kube-controller-manager's: keeps every PodDisruptionBudget's
// status current (expected, desired and current healthy pods, disruptions allowed, evictions in
// flight, the DisruptionAllowed condition), which the pods/eviction subresource reads to decide.
// The expected pod count comes from the scale of the selected pods' controllers: Deployments
// (through their ReplicaSets), ReplicaSets, StatefulSets and ReplicationControllers from the
// informer caches, anything else with a /scale subresource by reading it. A pod whose
// DisruptionTarget condition was set but that was never deleted gets the condition reset.
import type { PodDisruptionBudget, PodDisruptionBudgetStatus } from 'kubernetes-types/policy/v1';
import type { OwnerReference } from 'kubernetes-types/meta/v1';
import type { KObject, ResourceDefinition } from '../api/types.ts';
import { allResources } from '../api/all.ts';
import type { Logger } from '../cli/log.ts';
import type { Client } from '../client/client.ts';
import { objectKeyOf, type InformerFactory } from '../client/informer.ts';
import { createEventRecorder, type EventRecorder } from '../client/event-recorder.ts';
import { ApiError } from '../machinery/errors.ts';
import { fromLabelSelector, matchesLabels } from '../machinery/label-selector.ts';
import { getPath } from '../machinery/meta.ts';
import { runController, type ReconcileResult } from './controller.ts';
import { controllerRefOf } from './controller-ref.ts';
import {
  budgetStatus, budgetUsesScale, countHealthy, failSafeStatus, goLabelSelector, healthBounds, pendingDisruptions,
} from './disruption-budget.ts';
import { setPodCondition, updatePodStatus } from './pod-conditions.ts';
import type { PodObject } from './pod-ranking.ts';

/** How long a DisruptionTarget condition may stand on a pod nobody deletes. */
const STALE_POD_DISRUPTION_MS = 2 * 60_000;
const TERMINATION_BY_KUBELET = 'TerminationByKubelet';

type BudgetObject = PodDisruptionBudget & KObject;
interface Scalable extends KObject {
  spec?: { replicas?: number };
}

export interface DisruptionControllerDeps {
  client: Client;
  informers: InformerFactory;
  log: Logger;
  recorder?: EventRecorder;
  now?: () => Date;
  /** The served resources, to find other controllers' /scale (default: the built-in ones). */
  resources?: ResourceDefinition[];
}

/** A pod's controller and how many replicas it wants. */
interface ControllerScale {
  uid: string;
  scale: number;
}

function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

function isKind(ref: OwnerReference, kind: string, groups: string[]): boolean {
  return ref.kind === kind && groups.includes(groupOf(ref.apiVersion));
}

export function startDisruptionController(deps: DisruptionControllerDeps): { stop(): void } {
  const { client, informers } = deps;
  const log = deps.log.with({ controller: 'disruption' });
  const now = deps.now ?? (() => new Date());
  const recorder = deps.recorder ?? createEventRecorder(client, { component: 'controllermanager' }, log, now);
  const resources = deps.resources ?? allResources;
  const budgets = client.resource<BudgetObject>('policy', 'v1', 'poddisruptionbudgets');
  const pods = client.resource<PodObject>('', 'v1', 'pods');

  const budgetInformer = informers.informer<BudgetObject>('policy', 'v1', 'poddisruptionbudgets');
  const podInformer = informers.informer<PodObject>('', 'v1', 'pods');
  const rcInformer = informers.informer<Scalable>('', 'v1', 'replicationcontrollers');
  const rsInformer = informers.informer<Scalable>('apps', 'v1', 'replicasets');
  const deploymentInformer = informers.informer<Scalable>('apps', 'v1', 'deployments');
  const statefulSetInformer = informers.informer<Scalable>('apps', 'v1', 'statefulsets');

  const controller = runController({ name: 'disruption', reconcile: syncBudget }, log);
  const staleCleanup = runController({ name: 'disruption-stale-pods', workers: 1, reconcile: syncStalePodDisruption }, log);

  function budgetsFor(pod: PodObject): BudgetObject[] {
    const labels = pod.metadata?.labels;
    return budgetInformer.list(pod.metadata?.namespace).filter((b) => {
      try {
        return matchesLabels(fromLabelSelector(b.spec?.selector), labels);
      } catch {
        return false; // an invalid selector selects nothing
      }
    });
  }

  function onPod(pod: PodObject, deleted = false) {
    const matching = budgetsFor(pod);
    if (matching.length > 1) {
      recorder.event(pod, 'Warning', 'MultiplePodDisruptionBudgets',
        `Pod ${JSON.stringify(pod.metadata?.namespace)}/${JSON.stringify(pod.metadata?.name)} matches multiple PodDisruptionBudgets.  Chose ${JSON.stringify(matching[0].metadata?.name)} arbitrarily.`);
    }
    for (const b of matching) controller.queue.add(objectKeyOf(b));
    if (deleted) return;
    const cleanAfter = staleDisruptionWait(pod);
    if (cleanAfter !== undefined) staleCleanup.queue.addAfter(objectKeyOf(pod), cleanAfter);
  }

  budgetInformer.addHandlers({
    onAdd: (b) => controller.queue.add(objectKeyOf(b)),
    onUpdate: (_old, b) => controller.queue.add(objectKeyOf(b)),
    onDelete: (b) => controller.queue.add(objectKeyOf(b)),
  });
  podInformer.addHandlers({ onAdd: (p) => onPod(p), onUpdate: (_old, p) => onPod(p), onDelete: (p) => onPod(p, true) });
  // A controller scaled: the budgets in its namespace may expect a different number of pods.
  for (const inf of [rcInformer, rsInformer, deploymentInformer, statefulSetInformer]) {
    inf.addHandlers({
      onUpdate(old, cur) {
        if (old.spec?.replicas === cur.spec?.replicas) return;
        for (const b of budgetInformer.list(cur.metadata?.namespace)) controller.queue.add(objectKeyOf(b));
      },
    });
  }

  // ---- budgets ----------------------------------------------------------------------------

  async function syncBudget(key: string): Promise<ReconcileResult | void> {
    const [namespace, name] = key.split('/');
    const pdb = budgetInformer.get(name, namespace);
    if (!pdb) return;
    try {
      return await trySync(pdb);
    } catch (err) {
      // A conflict only means our copy was stale: retry without declaring the budget broken.
      if (err instanceof ApiError && err.code === 409) throw err;
      const message = err instanceof Error ? err.message : String(err);
      log.info('failed to sync PodDisruptionBudget', { pdb: key, error: message });
      await writeStatus(pdb, failSafeStatus(pdb, message, now()));
    }
  }

  async function trySync(pdb: BudgetObject): Promise<ReconcileResult | void> {
    let selected: PodObject[];
    try {
      const selector = fromLabelSelector(pdb.spec?.selector);
      selected = podInformer.list(pdb.metadata?.namespace).filter((p) => matchesLabels(selector, p.metadata?.labels));
    } catch (err) {
      recorder.event(pdb, 'Warning', 'NoPods', `Failed to get pods: ${err instanceof Error ? err.message : String(err)}`);
      throw err;
    }
    if (!selected.length) recorder.event(pdb, 'Normal', 'NoPods', 'No matching pods found');

    let scale = 0;
    if (budgetUsesScale(pdb.spec)) {
      let unmanaged: string[];
      try {
        ({ scale, unmanaged } = await expectedScale(selected));
      } catch (err) {
        recorder.event(pdb, 'Warning', 'CalculateExpectedPodCountFailed',
          `Failed to calculate the number of expected pods: ${err instanceof Error ? err.message : String(err)}`);
        throw err;
      }
      if (unmanaged.length) {
        recorder.event(pdb, 'Warning', 'UnmanagedPods', `Pods selected by this PodDisruptionBudget (selector: ${goLabelSelector(pdb.spec?.selector)}) were found ` +
          'to be unmanaged. As a result, the status of the PDB cannot be calculated correctly, which may result in undefined behavior. ' +
          'To account for these pods please set ".spec.minAvailable" field of the PDB to an integer value.');
      }
    }
    let bounds;
    try {
      bounds = healthBounds(pdb.spec, selected.length, scale);
    } catch (err) {
      recorder.event(pdb, 'Warning', 'CalculateExpectedPodCountFailed',
        `Failed to calculate the number of expected pods: ${err instanceof Error ? err.message : String(err)}`);
      throw err;
    }

    const at = now();
    const disrupted = pendingDisruptions(selected, pdb.status?.disruptedPods, at);
    for (const pod of disrupted.notDeleted) {
      // Upstream prints the budget's namespace twice here; so do we, for the same text.
      recorder.event(pod, 'Warning', 'NotDeleted',
        `Pod was expected by PDB ${pdb.metadata?.namespace}/${pdb.metadata?.namespace} to be deleted but it wasn't`);
    }
    const currentHealthy = countHealthy(selected, disrupted.pods, at);
    const status = budgetStatus(pdb, { ...bounds, currentHealthy, disruptedPods: disrupted.pods }, at);
    if (status) await writeStatus(pdb, status);
    if (disrupted.recheckAt !== undefined) return { requeueAfterMs: Math.max(0, disrupted.recheckAt - at.getTime()) };
  }

  async function writeStatus(pdb: BudgetObject, status: PodDisruptionBudgetStatus): Promise<void> {
    await budgets.update({ ...pdb, status }, { namespace: pdb.metadata?.namespace, subresource: 'status' });
  }

  // ---- expected pods from controllers' scale ------------------------------------------------

  /** The summed scale of the pods' controllers, and the pods no controller manages. */
  async function expectedScale(selected: PodObject[]): Promise<{ scale: number; unmanaged: string[] }> {
    const scales = new Map<string, number>();
    const unmanaged: string[] = [];
    for (const pod of selected) {
      const ref = controllerRefOf(pod);
      if (!ref) { unmanaged.push(pod.metadata?.name ?? ''); continue; }
      if (scales.has(ref.uid)) continue;
      const found = await controllerScale(ref, pod.metadata?.namespace ?? '');
      if (!found) throw new Error(`found no controllers for pod ${JSON.stringify(pod.metadata?.name)}`);
      scales.set(found.uid, found.scale);
    }
    let scale = 0;
    for (const n of scales.values()) scale += n;
    return { scale, unmanaged };
  }

  /** Upstream's finders in their order: the first that recognises the controller answers. */
  async function controllerScale(ref: OwnerReference, namespace: string): Promise<ControllerScale | undefined> {
    const cached = (inf: typeof rsInformer, name: string) => {
      const obj = inf.get(name, namespace);
      return obj && obj.metadata?.uid === ref.uid ? obj : undefined;
    };
    const replicas = (obj: Scalable) => ({ uid: obj.metadata?.uid ?? '', scale: obj.spec?.replicas ?? 1 });

    if (isKind(ref, 'ReplicationController', [''])) {
      const rc = cached(rcInformer, ref.name);
      if (rc) return replicas(rc);
    }
    if (isKind(ref, 'ReplicaSet', ['apps', 'extensions'])) {
      const rs = cached(rsInformer, ref.name);
      if (rs) {
        const owner = controllerRefOf(rs);
        // A Deployment's ReplicaSets come and go in a rollout; the Deployment's scale is what counts.
        if (owner?.kind === 'Deployment') {
          if (isKind(owner, 'Deployment', ['apps', 'extensions'])) {
            const d = deploymentInformer.get(owner.name, namespace);
            if (d && d.metadata?.uid === owner.uid) return replicas(d);
          }
        } else {
          return replicas(rs);
        }
      }
    }
    if (isKind(ref, 'StatefulSet', ['apps'])) {
      const ss = cached(statefulSetInformer, ref.name);
      if (ss) return replicas(ss);
    }
    return scaleOf(ref, namespace);
  }

  /** Any other controller: its /scale (spec.replicas at the resource's scale path). */
  async function scaleOf(ref: OwnerReference, namespace: string): Promise<ControllerScale | undefined> {
    const group = groupOf(ref.apiVersion);
    const version = ref.apiVersion.slice(ref.apiVersion.indexOf('/') + 1);
    const def = resources.find((d) => d.group === group && d.kind === ref.kind && d.version === version && !d.storedAs) ??
      resources.find((d) => d.group === group && d.kind === ref.kind && !d.storedAs);
    if (!def) throw new Error(`no matches for kind ${JSON.stringify(ref.kind)} in version ${JSON.stringify(ref.apiVersion)}`);
    if (!def.scale) throw new Error(`${def.group ? `${def.plural}.${def.group}` : def.plural} does not implement the scale subresource`);
    let obj: KObject;
    try {
      obj = await client.resource(def.group, def.version, def.plural).get(ref.name, def.namespaced ? namespace : undefined);
    } catch (err) {
      if (err instanceof ApiError && err.code === 404) return undefined;
      throw err;
    }
    if (obj.metadata?.uid !== ref.uid) return undefined;
    return { uid: ref.uid, scale: (getPath(obj, def.scale.specReplicasPath) as number | undefined) ?? 0 };
  }

  // ---- stale DisruptionTarget conditions ------------------------------------------------------

  /** How long until a pod's DisruptionTarget condition counts as stale, if it can become stale at all. */
  function staleDisruptionWait(pod: PodObject): number | undefined {
    if (pod.metadata?.deletionTimestamp) return undefined;
    const cond = pod.status?.conditions?.find((c) => c.type === 'DisruptionTarget');
    const phase = pod.status?.phase;
    // The kubelet's own condition may precede the deletion by any time; finished pods are left alone.
    if (!cond || cond.status !== 'True' || cond.reason === TERMINATION_BY_KUBELET || phase === 'Succeeded' || phase === 'Failed') return undefined;
    const since = cond.lastTransitionTime ? Date.parse(cond.lastTransitionTime) : 0;
    return Math.max(0, STALE_POD_DISRUPTION_MS - (now().getTime() - since));
  }

  async function syncStalePodDisruption(key: string): Promise<ReconcileResult | void> {
    const [namespace, name] = key.split('/');
    const pod = podInformer.get(name, namespace);
    if (!pod) return;
    const wait = staleDisruptionWait(pod);
    if (wait === undefined) return;
    if (wait > 0) return { requeueAfterMs: wait };
    await updatePodStatus(pods, namespace, name, pod.metadata?.uid, (status, current) =>
      staleDisruptionWait(current) === 0 && setPodCondition(status, { type: 'DisruptionTarget', status: 'False' }, now()));
    log.debug('reset stale DisruptionTarget condition', { pod: key });
  }

  return {
    stop() {
      controller.stop();
      staleCleanup.stop();
    },
  };
}
