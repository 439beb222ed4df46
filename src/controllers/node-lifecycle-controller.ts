// The node lifecycle controller, as kube-controller-manager's: it watches each node's health
// signals (its Lease in kube-node-lease and its status heartbeats) and, when a kubelet has been
// silent past the grace period, marks the node's conditions Unknown ("Kubelet stopped posting
// node status."), marks its pods not ready and taints it node.kubernetes.io/unreachable
// (not-ready when the kubelet itself reports Ready=False). NoSchedule taints follow the node's
// conditions at once; NoExecute taints are added at a paced rate per zone, and not at all when
// every zone has lost all its nodes (then the problem is more likely the control plane's than
// the nodes'). The taint eviction controller, started alongside, deletes the pods those
// NoExecute taints evict.
import type { Node, NodeCondition, Taint } from 'kubernetes-types/core/v1';
import type { Lease } from 'kubernetes-types/coordination/v1';
import type { KObject } from '../api/types.ts';
import type { Logger } from '../cli/log.ts';
import type { Client } from '../client/client.ts';
import { objectKeyOf, type InformerFactory } from '../client/informer.ts';
import { createEventRecorder, type EventRecorder } from '../client/event-recorder.ts';
import { ApiError } from '../machinery/errors.ts';
import { runController } from './controller.ts';
import {
  LABEL_EXCLUDE_DISRUPTION, TAINT_NOT_READY, TAINT_UNREACHABLE, ZoneTainter, conditionTaints, hasTaint, noScheduleTaintChanges,
  readyCondition, silentNodeConditions, swapTaints, zoneKey, zoneState, type ZoneState,
} from './node-health.ts';
import { setPodCondition, updatePodStatus } from './pod-conditions.ts';
import type { PodObject } from './pod-ranking.ts';
import { indexPodsByNode } from './pods-by-node.ts';
import { startTaintEvictionController } from './taint-eviction-controller.ts';

const LEASE_NAMESPACE = 'kube-node-lease';
const NOT_READY_NO_EXECUTE: Taint = { key: TAINT_NOT_READY, effect: 'NoExecute' };
const UNREACHABLE_NO_EXECUTE: Taint = { key: TAINT_UNREACHABLE, effect: 'NoExecute' };
const HEALTH_UPDATE_RETRIES = 5;
const HEALTH_RETRY_MS = 20;
const TAINT_WRITE_RETRIES = 5;
const NODE_WORKERS = 8;
const LABEL_PAIRS: Array<[primary: string, secondary: string]> = [
  ['kubernetes.io/os', 'beta.kubernetes.io/os'],
  ['kubernetes.io/arch', 'beta.kubernetes.io/arch'],
];

type NodeObject = Node & KObject;
type LeaseObject = Lease & KObject;

export interface NodeLifecycleControllerDeps {
  client: Client;
  informers: InformerFactory;
  log: Logger;
  /** Records the node events (default: one with upstream's "node-controller" source). */
  recorder?: EventRecorder;
  now?: () => Date;
  /** --node-monitor-grace-period: silence after which a node is Unknown (upstream 1.32: 50 s). */
  gracePeriodMs?: number;
  /** --node-startup-grace-period: the same for a node that never posted its Ready condition (60 s). */
  startupGracePeriodMs?: number;
  /** --node-monitor-period: how often node health is checked (5 s). */
  monitorPeriodMs?: number;
  /** --node-eviction-rate: nodes per second tainted NoExecute in a healthy zone (0.1). */
  evictionRate?: number;
  /** --secondary-node-eviction-rate: the same in a partially disrupted large zone (0.01). */
  secondaryEvictionRate?: number;
  /** --large-cluster-size-threshold: zones up to this size stop tainting when partially disrupted (50). */
  largeClusterSizeThreshold?: number;
  /** --unhealthy-zone-threshold: share of not-ready nodes that makes a zone partially disrupted (0.55). */
  unhealthyZoneThreshold?: number;
  /** Also run the taint eviction controller (default true). */
  taintEviction?: boolean;
}

/** What the controller last saw of a node's health signals, and when (by its own clock). */
interface NodeHealth {
  probeAt: number;
  readyTransitionAt: number;
  ready?: NodeCondition;
  leaseRenewMs?: number;
}

export function startNodeLifecycleController(deps: NodeLifecycleControllerDeps): { stop(): void } {
  const { client, informers } = deps;
  const log = deps.log.with({ controller: 'node-lifecycle' });
  const now = deps.now ?? (() => new Date());
  const nowMs = () => now().getTime();
  const recorder = deps.recorder ?? createEventRecorder(client, { component: 'node-controller' }, log, now);
  const gracePeriodMs = deps.gracePeriodMs ?? 50_000;
  const startupGracePeriodMs = deps.startupGracePeriodMs ?? 60_000;
  const monitorPeriodMs = deps.monitorPeriodMs ?? 5_000;
  const evictionRate = deps.evictionRate ?? 0.1;
  const secondaryEvictionRate = deps.secondaryEvictionRate ?? 0.01;
  const largeClusterSizeThreshold = deps.largeClusterSizeThreshold ?? 50;
  const unhealthyZoneThreshold = deps.unhealthyZoneThreshold ?? 0.55;

  const nodes = client.resource<NodeObject>('', 'v1', 'nodes');
  const pods = client.resource<PodObject>('', 'v1', 'pods');
  const nodeInformer = informers.informer<NodeObject>('', 'v1', 'nodes');
  const leaseInformer = informers.informer<LeaseObject>('coordination.k8s.io', 'v1', 'leases');
  const podInformer = informers.informer<PodObject>('', 'v1', 'pods');
  const podsByNode = indexPodsByNode(podInformer);

  const health = new Map<string, NodeHealth>();
  const known = new Map<string, NodeObject>();
  const zoneStates = new Map<string, ZoneState>();
  const tainters = new Map<string, ZoneTainter>();
  /** Nodes whose pods still have to be marked not ready (a failed attempt). */
  const retryPods = new Set<string>();
  let stopped = false;
  let monitoring = false;
  let taintTimer: NodeJS.Timeout | undefined;
  let tainting = false;

  const taintEviction = deps.taintEviction === false ? undefined : startTaintEvictionController({ client, informers, log: deps.log, now });

  // NoSchedule taints and labels follow every node change.
  const nodeUpdates = runController({ name: 'node-lifecycle', workers: NODE_WORKERS, reconcile: syncNodeTaintsAndLabels }, log);
  nodeInformer.addHandlers({
    onAdd: (n) => nodeUpdates.queue.add(n.metadata?.name ?? ''),
    onUpdate: (_old, n) => nodeUpdates.queue.add(n.metadata?.name ?? ''),
    onDelete: (n) => retryPods.delete(n.metadata?.name ?? ''),
  });
  // A pod bound to a node that is not ready is marked not ready too.
  const podUpdates = runController({ name: 'node-lifecycle-pods', workers: 4, reconcile: syncPod }, log);
  podInformer.addHandlers({
    onAdd: (p) => { if (p.spec?.nodeName) podUpdates.queue.add(objectKeyOf(p)); },
    onUpdate: (old, p) => { if (p.spec?.nodeName && p.spec.nodeName !== old.spec?.nodeName) podUpdates.queue.add(objectKeyOf(p)); },
  });

  const monitorTimer = setInterval(() => { void monitor(); }, monitorPeriodMs);
  monitorTimer.unref();
  void Promise.all([nodeInformer.synced(), leaseInformer.synced(), podInformer.synced()]).then(() => monitor());

  async function monitor(): Promise<void> {
    if (monitoring || stopped || !nodeInformer.hasSynced() || !leaseInformer.hasSynced() || !podInformer.hasSynced()) return;
    monitoring = true;
    try {
      await monitorNodeHealth();
    } catch (err) {
      log.warn('error monitoring node health', { error: err instanceof Error ? err.message : String(err) });
    } finally {
      monitoring = false;
    }
  }

  // ---- health -------------------------------------------------------------------------------

  async function monitorNodeHealth(): Promise<void> {
    const all = nodeInformer.list();
    const names = new Set(all.map((n) => n.metadata?.name ?? ''));
    for (const node of all) {
      const name = node.metadata?.name ?? '';
      ensureZone(node);
      if (known.has(name)) continue;
      recorder.event(node, 'Normal', 'RegisteredNode', `Node ${name} event: Registered Node ${name} in Controller`);
      known.set(name, node);
      await markReachable(node).catch(() => undefined);
    }
    for (const [name, node] of known) {
      if (names.has(name)) continue;
      recorder.event(node, 'Normal', 'RemovingNode', `Node ${name} event: Removing Node ${name} from Controller`);
      known.delete(name);
      health.delete(name);
    }

    const zoneReady = new Map<string, Array<NodeCondition | undefined>>();
    await inParallel(all, NODE_WORKERS, async (cached) => {
      let node = cached;
      let observed: NodeCondition | undefined;
      let current: NodeCondition | undefined;
      for (let attempt = 0; ; attempt++) {
        try {
          ({ node, observed, current } = await updateNodeHealth(node));
          break;
        } catch (err) {
          if (attempt + 1 >= HEALTH_UPDATE_RETRIES) {
            log.info('could not update node health; no pods will be evicted', { node: node.metadata?.name, error: err instanceof Error ? err.message : String(err) });
            return;
          }
          await sleep(HEALTH_RETRY_MS);
          try {
            node = await nodes.get(node.metadata!.name!);
          } catch {
            return; // deleted meanwhile
          }
        }
      }
      const name = node.metadata?.name ?? '';
      if (!(LABEL_EXCLUDE_DISRUPTION in (node.metadata?.labels ?? {}))) {
        const zone = zoneKey(node);
        if (!zoneReady.has(zone)) zoneReady.set(zone, []);
        zoneReady.get(zone)!.push(current);
      }
      if (!current) return;
      await taintForHealth(node, observed);
      const observedStatus = observed?.status ?? 'Unknown';
      if ((current.status !== 'True' && observedStatus === 'True') || (retryPods.has(name) && observedStatus !== 'True')) {
        if (observedStatus === 'True') recorder.event(node, 'Normal', 'NodeNotReady', `Node ${name} status is now: NodeNotReady`);
        try {
          await markPodsNotReady(podsByNode.podsOn(name), name);
        } catch (err) {
          log.info('could not mark all pods not ready; will retry', { node: name, error: err instanceof Error ? err.message : String(err) });
          retryPods.add(name);
          return;
        }
      }
      retryPods.delete(name);
    });
    await handleDisruption(zoneReady, all);
  }

  /**
   * Upstream's tryUpdateNodeHealth: notes fresh heartbeats and lease renewals (by when we saw
   * them, so clock skew does not matter) and marks the node Unknown once they stop.
   */
  async function updateNodeHealth(node: NodeObject): Promise<{ node: NodeObject; observed?: NodeCondition; current?: NodeCondition }> {
    const name = node.metadata?.name ?? '';
    const at = nowMs();
    const created = node.metadata?.creationTimestamp ? Date.parse(node.metadata.creationTimestamp) : at;
    let h = health.get(name);
    const current = readyCondition(node);
    let observed: NodeCondition | undefined;
    let grace: number;
    if (!current) {
      // Never posted: judged from its creation, with the longer startup grace.
      observed = { type: 'Ready', status: 'Unknown', lastHeartbeatTime: node.metadata?.creationTimestamp, lastTransitionTime: node.metadata?.creationTimestamp };
      grace = startupGracePeriodMs;
      if (h) h = { ...h, ready: undefined };
      else h = { probeAt: created, readyTransitionAt: created };
    } else {
      observed = structuredClone(current);
      grace = gracePeriodMs;
    }
    const saved = h?.ready;
    if (!h) {
      h = { probeAt: at, readyTransitionAt: at, ready: current };
    } else if ((!saved && current) || (saved && !current)) {
      h = { probeAt: at, readyTransitionAt: at, ready: current, leaseRenewMs: h.leaseRenewMs };
    } else if (saved && current && saved.lastHeartbeatTime !== current.lastHeartbeatTime) {
      const transitioned = saved.lastTransitionTime !== current.lastTransitionTime;
      h = { probeAt: at, readyTransitionAt: transitioned ? at : h.readyTransitionAt, ready: current, leaseRenewMs: h.leaseRenewMs };
    }
    const lease = leaseInformer.get(name, LEASE_NAMESPACE);
    const renewMs = lease?.spec?.renewTime ? Date.parse(lease.spec.renewTime) : undefined;
    if (renewMs !== undefined && (h.leaseRenewMs === undefined || h.leaseRenewMs < renewMs)) {
      h = { ...h, probeAt: at, leaseRenewMs: renewMs };
    }
    health.set(name, h);

    if (at <= h.probeAt + grace) return { node, observed, current };
    const conditions = silentNodeConditions(node, new Date(at));
    if (!conditions) return { node, observed, current };
    const ready = conditions.find((c) => c.type === 'Ready');
    if (JSON.stringify(ready) === JSON.stringify(observed)) return { node, observed, current: ready };
    log.info('node stopped posting its status', { node: name, silentMs: at - h.probeAt });
    const updated = await nodes.update({ ...node, status: { ...node.status, conditions } }, { subresource: 'status' });
    health.set(name, { probeAt: h.probeAt, readyTransitionAt: at, ready, leaseRenewMs: renewMs ?? h.leaseRenewMs });
    return { node: updated, observed, current: ready };
  }

  async function markPodsNotReady(onNode: PodObject[], nodeName: string): Promise<void> {
    const errors: string[] = [];
    for (const pod of onNode) {
      if (pod.spec?.nodeName !== nodeName) continue;
      const ready = pod.status?.conditions?.find((c) => c.type === 'Ready');
      if (!ready || ready.status === 'False') continue;
      try {
        const written = await updatePodStatus(pods, pod.metadata?.namespace ?? '', pod.metadata?.name ?? '', pod.metadata?.uid, (status) => {
          const cond = status.conditions?.find((c) => c.type === 'Ready');
          return !!cond && setPodCondition(status, { ...cond, status: 'False' }, now());
        });
        if (written) recorder.event(written, 'Warning', 'NodeNotReady', 'Node is not ready');
      } catch (err) {
        errors.push(err instanceof Error ? err.message : String(err));
      }
    }
    if (errors.length) throw new Error(errors.join('; '));
  }

  async function syncPod(key: string): Promise<void> {
    const [namespace, name] = key.split('/');
    const pod = podInformer.get(name, namespace);
    const nodeName = pod?.spec?.nodeName;
    if (!pod || !nodeName) return;
    const h = health.get(nodeName);
    if (!h?.ready || !nodeInformer.get(nodeName)) return;
    if (h.ready.status !== 'True') await markPodsNotReady([pod], nodeName);
  }

  // ---- taints -------------------------------------------------------------------------------

  /** NoExecute taints from the Ready condition as last observed (upstream's processTaintBaseEviction). */
  async function taintForHealth(node: NodeObject, observed: NodeCondition | undefined): Promise<void> {
    const taints = node.spec?.taints;
    switch (observed?.status) {
      case 'False':
        if (hasTaint(taints, TAINT_UNREACHABLE, 'NoExecute')) await swapNodeTaints(node, [NOT_READY_NO_EXECUTE], [UNREACHABLE_NO_EXECUTE]).catch(logTaintError(node));
        else queueForTainting(node, TAINT_NOT_READY);
        return;
      case 'Unknown':
        if (hasTaint(taints, TAINT_NOT_READY, 'NoExecute')) await swapNodeTaints(node, [UNREACHABLE_NO_EXECUTE], [NOT_READY_NO_EXECUTE]).catch(logTaintError(node));
        else queueForTainting(node, TAINT_UNREACHABLE);
        return;
      case 'True':
        await markReachable(node).catch(logTaintError(node));
        return;
    }
  }

  function logTaintError(node: NodeObject) {
    return (err: unknown) => log.info('could not update node taints; will retry', { node: node.metadata?.name, error: err instanceof Error ? err.message : String(err) });
  }

  function queueForTainting(node: NodeObject, key: string) {
    const name = node.metadata?.name ?? '';
    const tainter = ensureZone(node);
    if (!hasTaint(node.spec?.taints, key, 'NoExecute')) tainter.remove(name);
    if (tainter.add(name, nowMs())) log.debug('node queued for NoExecute taint', { node: name, taint: key });
    kickTainting(0);
  }

  /** Removes both NoExecute health taints and forgets any queued tainting. */
  async function markReachable(node: NodeObject): Promise<void> {
    await swapNodeTaints(node, [], [UNREACHABLE_NO_EXECUTE, NOT_READY_NO_EXECUTE]);
    tainters.get(zoneKey(node))?.remove(node.metadata?.name ?? '');
  }

  function ensureZone(node: NodeObject): ZoneTainter {
    const zone = zoneKey(node);
    let t = tainters.get(zone);
    if (!t) {
      t = new ZoneTainter(evictionRate, nowMs());
      tainters.set(zone, t);
      zoneStates.set(zone, 'Initial');
    }
    return t;
  }

  /** Runs the paced NoExecute tainting while anything is queued (upstream's doNoExecuteTaintingPass). */
  function kickTainting(delayMs: number) {
    if (stopped || tainting || taintTimer) return;
    taintTimer = setTimeout(() => {
      taintTimer = undefined;
      void taintingPass();
    }, delayMs);
    taintTimer.unref();
  }

  async function taintingPass(): Promise<void> {
    tainting = true;
    let next: number | undefined;
    try {
      for (const tainter of tainters.values()) {
        const wait = await tainter.process(taintQueuedNode, nowMs);
        if (wait !== undefined && wait !== Infinity) next = Math.min(next ?? wait, wait);
      }
    } finally {
      tainting = false;
    }
    if (next !== undefined) kickTainting(Math.max(next, 100));
  }

  async function taintQueuedNode(name: string): Promise<true | number> {
    const node = nodeInformer.get(name);
    if (!node) return true;
    const ready = readyCondition(node);
    if (!ready) return 50;
    // The two taints mirror the Ready condition, so one replaces the other.
    let add: Taint, opposite: Taint;
    if (ready.status === 'False') { add = NOT_READY_NO_EXECUTE; opposite = UNREACHABLE_NO_EXECUTE; }
    else if (ready.status === 'Unknown') { add = UNREACHABLE_NO_EXECUTE; opposite = NOT_READY_NO_EXECUTE; }
    else return true; // ready again: nothing to taint
    try {
      await swapNodeTaints(node, [add], [opposite]);
      return true;
    } catch (err) {
      logTaintError(node)(err);
      return 0;
    }
  }

  /** Adds and removes taints on the node, starting from the cache and re-reading on conflicts. */
  async function swapNodeTaints(node: NodeObject, add: Taint[], remove: Taint[]): Promise<void> {
    let current = node;
    for (let attempt = 0; ; attempt++) {
      const taints = swapTaints(current.spec?.taints, add, remove, now());
      if (!taints) return;
      try {
        await nodes.update({ ...current, spec: { ...current.spec, taints: taints.length ? taints : undefined } });
        return;
      } catch (err) {
        if (!(err instanceof ApiError && err.code === 409) || attempt + 1 >= TAINT_WRITE_RETRIES) throw err;
        current = await nodes.get(current.metadata!.name!);
      }
    }
  }

  /** NoSchedule taints from the node's conditions, and the beta os/arch labels (upstream's node update pass). */
  async function syncNodeTaintsAndLabels(name: string): Promise<void> {
    const node = nodeInformer.get(name);
    if (!node) return;
    const { add, remove } = noScheduleTaintChanges(node, conditionTaints(node));
    if (add.length || remove.length) await swapNodeTaints(node, add, remove);
    const labels = node.metadata?.labels;
    if (!labels) return;
    const fix: Record<string, string> = {};
    for (const [primary, secondary] of LABEL_PAIRS) {
      if (!(primary in labels)) continue;
      if (labels[secondary] !== labels[primary]) fix[secondary] = labels[primary];
    }
    if (Object.keys(fix).length) await nodes.patch(name, 'merge', { metadata: { labels: fix } });
  }

  // ---- zones --------------------------------------------------------------------------------

  /**
   * Zone states and the pace of NoExecute tainting (upstream's handleDisruption): when every
   * zone has lost all its nodes, taints are lifted and tainting stops until some node is back.
   */
  async function handleDisruption(zoneReady: Map<string, Array<NodeCondition | undefined>>, all: NodeObject[]): Promise<void> {
    const newStates = new Map<string, ZoneState>();
    let allFully = true;
    for (const [zone, conditions] of zoneReady) {
      const { state } = zoneState(conditions, unhealthyZoneThreshold);
      if (state !== 'FullDisruption') allFully = false;
      newStates.set(zone, state);
      if (!zoneStates.has(zone)) zoneStates.set(zone, 'Initial');
    }
    let allWereFully = true;
    for (const [zone, state] of zoneStates) {
      if (!zoneReady.has(zone)) { zoneStates.delete(zone); continue; }
      if (state !== 'FullDisruption') { allWereFully = false; break; }
    }
    if (allFully && allWereFully) return;
    const at = nowMs();
    if (allFully) {
      log.info('all nodes are not ready: entering master disruption mode, no pods will be evicted');
      for (const node of all) await markReachable(node).catch(logTaintError(node));
      for (const zone of zoneStates.keys()) {
        tainters.get(zone)?.swapLimiter(0, at);
        zoneStates.set(zone, 'FullDisruption');
      }
      return;
    }
    if (allWereFully) {
      log.info('some nodes are ready: leaving master disruption mode');
      // Every node gets a fresh grace period: their silence may have been ours.
      for (const node of all) {
        const h = health.get(node.metadata?.name ?? '');
        if (h) health.set(node.metadata?.name ?? '', { ...h, probeAt: at, readyTransitionAt: at });
      }
      for (const zone of zoneStates.keys()) {
        setZoneLimiter(zone, zoneReady.get(zone)?.length ?? 0, newStates.get(zone) ?? 'Normal', at);
        zoneStates.set(zone, newStates.get(zone) ?? 'Normal');
      }
      return;
    }
    for (const [zone, state] of zoneStates) {
      const next = newStates.get(zone);
      if (!next || next === state) continue;
      log.info('zone changed state', { zone, state: next });
      setZoneLimiter(zone, zoneReady.get(zone)?.length ?? 0, next, at);
      zoneStates.set(zone, next);
    }
  }

  function setZoneLimiter(zone: string, size: number, state: ZoneState, at: number) {
    const tainter = tainters.get(zone);
    if (!tainter) return;
    if (state === 'Normal' || state === 'FullDisruption') tainter.swapLimiter(evictionRate, at);
    else if (state === 'PartialDisruption') tainter.swapLimiter(size > largeClusterSizeThreshold ? secondaryEvictionRate : 0, at);
    if (tainter.pending) kickTainting(0);
  }

  return {
    stop() {
      stopped = true;
      clearInterval(monitorTimer);
      if (taintTimer) clearTimeout(taintTimer);
      nodeUpdates.stop();
      podUpdates.stop();
      taintEviction?.stop();
    },
  };
}

/** Runs `work` over the items with at most `limit` at a time. */
async function inParallel<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const runners = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await work(items[next++]);
  });
  await Promise.all(runners);
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms).unref());
}
