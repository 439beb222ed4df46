// The scheduler: a loop inside `skiff server` that is an API client like any other. It watches
// nodes and pods, keeps the cache (what each node has committed) and the queue (pods with no
// node, for `default-scheduler`), and for each pod in turn runs the framework: bind it to the
// best node — counted in the cache at once, while the binding goes out without holding up the
// next pod — or record why it fits nowhere (FailedScheduling event, PodScheduled=False) and
// try preemption.
import type { Namespace, Node, Pod } from 'kubernetes-types/core/v1';
import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1';
import type { PriorityClass } from 'kubernetes-types/scheduling/v1';
import type { KObject } from '../api/types.ts';
import type { Logger } from '../cli/log.ts';
import type { Client } from '../client/client.ts';
import { createEventRecorder, type EventRecorder } from '../client/event-recorder.ts';
import type { InformerFactory } from '../client/informer.ts';
import { ApiError } from '../machinery/errors.ts';
import { SchedulerCache } from './cache.ts';
import { createAlgorithm, defaultProfile, fitErrorMessage, type Diagnosis, type FilterCycle } from './framework.ts';
import { Nominator } from './nominator.ts';
import { podInfoOf, type PodInfo } from './pod-info.ts';
import { setPodCondition, updatePodStatus, type PodObject } from './pod-status.ts';
import { budgetInfos, executePreemption, findPreemption } from './preemption.ts';
import { SchedulingQueue, type QueuedPod } from './queue.ts';

export const SCHEDULER_NAME = 'default-scheduler';

/** Bindings in flight at once; past this the loop waits for one to finish. */
const MAX_BINDS_IN_FLIGHT = 64;
/** How often backoffs and long-unschedulable pods are checked. */
const FLUSH_INTERVAL_MS = 250;
/** Let informers and bindings run at least this often while pods keep coming. */
const YIELD_EVERY_MS = 5;
/** Upstream truncates event notes to this length. */
const MAX_MESSAGE = 1024;

export interface SchedulerDeps {
  client: Client;
  informers: InformerFactory;
  log: Logger;
  recorder?: EventRecorder;
  now?: () => Date;
}

type NodeObject = Node & KObject;

function truncate(message: string): string {
  const suffix = ' ...';
  return message.length <= MAX_MESSAGE ? message : message.slice(0, MAX_MESSAGE - suffix.length) + suffix;
}

function isTerminal(pod: Pod): boolean {
  return pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
}

const json = (v: unknown) => JSON.stringify(v ?? null);

/** Node changes that can make a pod fit (heartbeats and status noise do not). */
function nodeChangeMatters(a: Node, b: Node): boolean {
  return json(a.status?.allocatable) !== json(b.status?.allocatable) || json(a.metadata?.labels) !== json(b.metadata?.labels) ||
    json(a.spec?.taints) !== json(b.spec?.taints) || !!a.spec?.unschedulable !== !!b.spec?.unschedulable;
}

function sameRequests(a: PodInfo, b: PodInfo): boolean {
  const x = a.requests;
  const y = b.requests;
  return x.milliCPU === y.milliCPU && x.memory === y.memory && x.ephemeralStorage === y.ephemeralStorage &&
    json([...(x.scalar ?? [])]) === json([...(y.scalar ?? [])]);
}

const podRef = (pod: Pod): KObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: pod.metadata });

export function startScheduler(deps: SchedulerDeps): { stop(): void } {
  const log = deps.log.with({ component: 'scheduler' });
  const now = deps.now ?? (() => new Date());
  const recorder = deps.recorder ?? createEventRecorder(deps.client, { component: SCHEDULER_NAME }, log, now);
  const pods = deps.client.resource<PodObject>('', 'v1', 'pods');
  const nodeInformer = deps.informers.informer<NodeObject>('', 'v1', 'nodes');
  const podInformer = deps.informers.informer<PodObject>('', 'v1', 'pods');
  const namespaceInformer = deps.informers.informer<Namespace & KObject>('', 'v1', 'namespaces');
  const budgetInformer = deps.informers.informer<PodDisruptionBudget & KObject>('policy', 'v1', 'poddisruptionbudgets');
  const priorityClassInformer = deps.informers.informer<PriorityClass & KObject>('scheduling.k8s.io', 'v1', 'priorityclasses');

  const cache = new SchedulerCache((ns) => namespaceInformer.get(ns)?.metadata?.labels);
  const queue = new SchedulingQueue();
  const nominator = new Nominator();
  const algorithm = createAlgorithm(defaultProfile(), cache, nominator);
  let stopped = false;
  let bindsInFlight = 0;
  let bindSlotFreed: (() => void) | undefined;

  // ---- keeping the cache and the queue current ---------------------------------------------------

  nodeInformer.addHandlers({
    onAdd(node) {
      cache.setNode(node);
      queue.onEvent('NodeAdd');
    },
    onUpdate(old, node) {
      cache.setNode(node);
      if (nodeChangeMatters(old, node)) queue.onEvent('NodeUpdate');
    },
    onDelete(node) {
      cache.removeNode(node.metadata?.name ?? '');
    },
  });

  namespaceInformer.addHandlers({
    onUpdate(old, ns) {
      if (json(old.metadata?.labels) !== json(ns.metadata?.labels)) queue.onEvent('NamespaceUpdate');
    },
  });

  function onPendingPod(pod: PodObject): void {
    const uid = pod.metadata?.uid ?? '';
    if (pod.metadata?.deletionTimestamp || (pod.spec?.schedulerName ?? SCHEDULER_NAME) !== SCHEDULER_NAME || isTerminal(pod)) {
      queue.delete(uid);
      nominator.remove(uid);
      return;
    }
    if (cache.isAssumed(uid)) return; // being bound; what changed is our own doing
    const info = podInfoOf(pod);
    // An update without a nomination may race ahead of the one we just decided: keep ours.
    nominator.set(info, pod.status?.nominatedNodeName || nominator.nodeFor(uid));
    queue.add(pod, info);
  }

  function onAssignedPod(pod: PodObject): void {
    const uid = pod.metadata?.uid ?? '';
    queue.done(uid);
    nominator.remove(uid);
    if (isTerminal(pod)) {
      // A finished pod frees what it held.
      if (cache.has(uid)) { cache.removePod(uid); queue.onEvent('AssignedPodDelete'); }
      return;
    }
    const before = cache.podInfo(uid);
    const wasAssumed = cache.isAssumed(uid);
    cache.addPod(pod);
    const after = cache.podInfo(uid)!;
    if (!before || wasAssumed) queue.onEvent('AssignedPodAdd');
    else if (json(before.labels) !== json(after.labels) || before.terminating !== after.terminating ||
      !sameRequests(before, after)) queue.onEvent('AssignedPodUpdate');
  }

  podInformer.addHandlers({
    onAdd(pod) {
      if (pod.spec?.nodeName) onAssignedPod(pod); else onPendingPod(pod);
    },
    onUpdate(_old, pod) {
      if (pod.spec?.nodeName) onAssignedPod(pod); else onPendingPod(pod);
    },
    onDelete(pod) {
      const uid = pod.metadata?.uid ?? '';
      queue.delete(uid);
      nominator.remove(uid);
      if (cache.has(uid)) { cache.removePod(uid); queue.onEvent('AssignedPodDelete'); }
    },
  });

  // ---- one pod ----------------------------------------------------------------------------------

  function preemptionPolicyOf(pod: Pod): string | undefined {
    if (pod.spec?.preemptionPolicy) return pod.spec.preemptionPolicy;
    const className = pod.spec?.priorityClassName;
    return className ? priorityClassInformer.get(className)?.preemptionPolicy : undefined;
  }

  /** PodScheduled=False with the reason, and the nomination when it is to change ('' clears it). */
  function recordFailure(pod: PodObject, reason: string, message: string, nominate: string | undefined): void {
    recorder.event(podRef(pod), 'Warning', 'FailedScheduling', truncate(message));
    updatePodStatus(pods, pod, (current, status) => {
      if (current.spec?.nodeName || current.metadata?.deletionTimestamp) return false; // bound or going meanwhile
      let changed = setPodCondition(status, { type: 'PodScheduled', status: 'False', reason, message }, now());
      if (nominate !== undefined && (current.status?.nominatedNodeName ?? '') !== nominate) {
        if (nominate) status.nominatedNodeName = nominate; else delete status.nominatedNodeName;
        changed = true;
      }
      return changed;
    }).catch((err) => log.debug('could not update pod status', { pod: `${pod.metadata?.namespace}/${pod.metadata?.name}`, error: String(err) }));
  }

  function clearNomination(p: PodInfo): void {
    nominator.remove(p.uid);
    queue.activate(p.uid);
    updatePodStatus(pods, p.pod as PodObject, (current, status) => {
      if (!current.status?.nominatedNodeName) return false;
      delete status.nominatedNodeName;
      return true;
    }).catch((err) => log.debug('could not clear nomination', { pod: `${p.namespace}/${p.name}`, error: String(err) }));
  }

  function handleUnschedulable(qp: QueuedPod, diagnosis: Diagnosis, cycle: FilterCycle | undefined): void {
    const info = qp.info;
    let postFilterMsg = '';
    let nominate: string | undefined;
    const outcome = findPreemption({
      pod: info, preemptionPolicy: preemptionPolicyOf(qp.pod), view: cache, cycle, diagnosis,
      budgets: budgetInfos(budgetInformer.list()), nominated: nominator,
    });
    if ('nominate' in outcome) {
      const candidate = outcome.nominate;
      nominate = candidate.node;
      // Lower-priority pods promised this node lose the promise and look again.
      for (const p of [...nominator.nominatedOn(candidate.node)]) if (p.priority < info.priority) clearNomination(p);
      nominator.set(info, candidate.node);
      executePreemption({ pods, recorder, log, now }, info, candidate)
        .catch((err) => log.warn('preemption failed', { pod: `${info.namespace}/${info.name}`, error: String(err) }));
    } else {
      postFilterMsg = outcome.message;
      if (outcome.clearNomination && info.pod.status?.nominatedNodeName) { nominate = ''; nominator.remove(info.uid); }
    }
    queue.unschedulableAfterAttempt(qp, diagnosis.unschedulablePlugins);
    recordFailure(qp.pod as PodObject, 'Unschedulable', fitErrorMessage(diagnosis, postFilterMsg), nominate);
  }

  function bind(qp: QueuedPod, nodeName: string): void {
    const { info } = qp;
    const pod = qp.pod as PodObject;
    cache.assume(info, nodeName);
    nominator.remove(info.uid);
    bindsInFlight++;
    const binding = {
      apiVersion: 'v1', kind: 'Binding',
      metadata: { name: info.name, namespace: info.namespace, uid: info.uid },
      target: { apiVersion: 'v1', kind: 'Node', name: nodeName },
    };
    pods.createSubresource(info.name, 'binding', binding, { namespace: info.namespace }).then(
      () => {
        queue.done(info.uid);
        recorder.event(podRef(pod), 'Normal', 'Scheduled', `Successfully assigned ${info.namespace}/${info.name} to ${nodeName}`);
      },
      (err) => {
        // What the assumed pod held is free again: others may fit now.
        cache.forget(info.uid);
        queue.onEvent('AssignedPodDelete');
        // Deleted, being deleted or bound by someone else while the binding was out: not ours any more.
        const current = podInformer.get(info.name, info.namespace);
        const stillPending = current?.metadata?.uid === info.uid && !current.spec?.nodeName && !current.metadata?.deletionTimestamp;
        if ((err instanceof ApiError && err.reason === 'NotFound') || !stillPending) { queue.done(info.uid); return; }
        const message = err instanceof Error ? err.message : String(err);
        log.debug('binding failed', { pod: `${info.namespace}/${info.name}`, node: nodeName, error: message });
        queue.retryAfterError(qp);
        recordFailure(pod, 'SchedulerError', `binding rejected: running Bind plugin "DefaultBinder": ${message}`, undefined);
      },
    ).finally(() => {
      bindsInFlight--;
      const freed = bindSlotFreed;
      bindSlotFreed = undefined;
      freed?.();
    });
  }

  function scheduleOne(qp: QueuedPod): void {
    if (cache.nodes.length === 0) {
      queue.retryAfterError(qp);
      recordFailure(qp.pod as PodObject, 'SchedulerError', 'no nodes available to schedule pods', undefined);
      return;
    }
    const outcome = algorithm.schedule(qp.info);
    if ('node' in outcome) bind(qp, outcome.node);
    else handleUnschedulable(qp, outcome.diagnosis, outcome.cycle);
  }

  // ---- the loop ---------------------------------------------------------------------------------

  async function run(): Promise<void> {
    await Promise.all([nodeInformer, podInformer, namespaceInformer, budgetInformer, priorityClassInformer].map((i) => i.synced()));
    if (stopped) return;
    log.info('scheduler started', { nodes: cache.nodes.length, pending: queue.stats.total });
    let sliceStart = performance.now();
    while (!stopped) {
      if (bindsInFlight >= MAX_BINDS_IN_FLIGHT) {
        await new Promise<void>((resolve) => { bindSlotFreed = resolve; });
        continue;
      }
      const qp = queue.pop();
      if (!qp) {
        await queue.wait();
        sliceStart = performance.now();
        continue;
      }
      try {
        scheduleOne(qp);
      } catch (err) {
        log.error('scheduling attempt failed', { pod: `${qp.info.namespace}/${qp.info.name}`, error: err instanceof Error ? err.stack : String(err) });
        queue.retryAfterError(qp);
      }
      if (performance.now() - sliceStart > YIELD_EVERY_MS) {
        await new Promise((resolve) => setImmediate(resolve));
        sliceStart = performance.now();
      }
    }
  }

  const flushTimer = setInterval(() => queue.flush(), FLUSH_INTERVAL_MS);
  flushTimer.unref();
  run().catch((err) => log.error('scheduler stopped', { error: String(err) }));

  return {
    stop() {
      stopped = true;
      clearInterval(flushTimer);
      queue.close();
      bindSlotFreed?.();
    },
  };
}
