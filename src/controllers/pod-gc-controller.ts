// The pod garbage collector, as kube-controller-manager's PodGC: every period it force-deletes
// (grace 0, after marking them Failed) pods nobody else will clean up: finished pods beyond the
// --terminated-pod-gc-threshold (oldest first, evicted ones before others), pods bound to a node
// that no longer exists (after a quarantine, and only once a live read confirms the node is
// gone), terminating pods on a node that is not ready and tainted out-of-service, and
// terminating pods that were never scheduled.
import type { Node, PodCondition } from 'kubernetes-types/core/v1';
import type { KObject } from '../api/types.ts';
import type { Logger } from '../cli/log.ts';
import type { Client } from '../client/client.ts';
import { objectKeyOf, type InformerFactory } from '../client/informer.ts';
import { ApiError } from '../machinery/errors.ts';
import { TAINT_OUT_OF_SERVICE, isNodeReady } from './node-health.ts';
import { setPodCondition, updatePodStatus } from './pod-conditions.ts';
import type { PodObject } from './pod-ranking.ts';

type NodeObject = Node & KObject;

export interface PodGCControllerDeps {
  client: Client;
  informers: InformerFactory;
  log: Logger;
  now?: () => Date;
  /** How often to look (upstream: 20 s). */
  periodMs?: number;
  /** How long a pod's node must stay missing before its pods are collected (upstream: 40 s). */
  quarantineMs?: number;
  /** --terminated-pod-gc-threshold: finished pods kept before the oldest are deleted (12500; 0 keeps all). */
  terminatedPodThreshold?: number;
}

const isTerminated = (p: PodObject) => { const ph = p.status?.phase; return ph !== 'Pending' && ph !== 'Running' && ph !== 'Unknown'; };
const isEvicted = (p: PodObject) => p.status?.phase === 'Failed' && p.status?.reason === 'Evicted';

/** Upstream's deletion order: evicted pods first, then oldest first, then by name. */
export function byEvictionAndAge(a: PodObject, b: PodObject): number {
  const ea = isEvicted(a), eb = isEvicted(b);
  if (ea !== eb) return ea ? -1 : 1;
  const ta = Date.parse(a.metadata?.creationTimestamp ?? '') || 0;
  const tb = Date.parse(b.metadata?.creationTimestamp ?? '') || 0;
  if (ta !== tb) return ta - tb;
  const na = a.metadata?.name ?? '', nb = b.metadata?.name ?? '';
  return na < nb ? -1 : na > nb ? 1 : 0;
}

/** The finished pods to delete so that at most `threshold` remain. */
export function terminatedPodsToDelete(pods: PodObject[], threshold: number): PodObject[] {
  const finished = pods.filter(isTerminated);
  const excess = finished.length - threshold;
  if (threshold <= 0 || excess <= 0) return [];
  return finished.sort(byEvictionAndAge).slice(0, excess);
}

/** Terminating pods on not-ready nodes that an operator marked out of service. */
export function outOfServicePodsToDelete(pods: PodObject[], nodeNamed: (name: string) => Node | undefined): PodObject[] {
  return pods.filter((p) => {
    if (!p.metadata?.deletionTimestamp) return false;
    const node = nodeNamed(p.spec?.nodeName ?? '');
    return !!node && !isNodeReady(node) && !!node.spec?.taints?.some((t) => t.key === TAINT_OUT_OF_SERVICE);
  }).sort(byEvictionAndAge);
}

export function startPodGCController(deps: PodGCControllerDeps): { stop(): void } {
  const { client, informers } = deps;
  const log = deps.log.with({ controller: 'pod-garbage-collector' });
  const now = deps.now ?? (() => new Date());
  const periodMs = deps.periodMs ?? 20_000;
  const quarantineMs = deps.quarantineMs ?? 40_000;
  const threshold = deps.terminatedPodThreshold ?? 12_500;
  const pods = client.resource<PodObject>('', 'v1', 'pods');
  const nodes = client.resource<NodeObject>('', 'v1', 'nodes');
  const podInformer = informers.informer<PodObject>('', 'v1', 'pods');
  const nodeInformer = informers.informer<NodeObject>('', 'v1', 'nodes');

  /** Missing node name → when its quarantine ends (ms). */
  const quarantine = new Map<string, number>();
  let running = false;
  let stopped = false;

  const timer = setInterval(() => { void gc(); }, periodMs);
  timer.unref();

  async function gc(): Promise<void> {
    if (running || stopped || !podInformer.hasSynced() || !nodeInformer.hasSynced()) return;
    running = true;
    try {
      const all = podInformer.list();
      await Promise.all(terminatedPodsToDelete(all, threshold).map((p) => collect(p, 'terminated')));
      await Promise.all(outOfServicePodsToDelete(all, (n) => nodeInformer.get(n)).map((p) => collect(p, 'terminating on an out-of-service node')));
      await collectOrphans(all);
      for (const p of all) {
        if (p.metadata?.deletionTimestamp && !p.spec?.nodeName) await collect(p, 'terminating and never scheduled');
      }
    } catch (err) {
      log.warn('pod garbage collection failed', { error: err instanceof Error ? err.message : String(err) });
    } finally {
      running = false;
    }
  }

  /** Pods bound to nodes that are gone: quarantined first, then confirmed with a live read. */
  async function collectOrphans(all: PodObject[]): Promise<void> {
    const at = now().getTime();
    for (const p of all) {
      const node = p.spec?.nodeName;
      if (node && !nodeInformer.get(node) && !quarantine.has(node)) quarantine.set(node, at + quarantineMs);
    }
    const gone = new Set<string>();
    for (const [node, until] of quarantine) {
      if (until > at) continue;
      quarantine.delete(node);
      if (nodeInformer.get(node)) continue;
      try {
        await nodes.get(node);
      } catch (err) {
        if (err instanceof ApiError && err.code === 404) gone.add(node);
        else log.info('could not check node', { node, error: err instanceof Error ? err.message : String(err) });
      }
    }
    if (!gone.size) return;
    for (const p of all) {
      if (!gone.has(p.spec?.nodeName ?? '')) continue;
      await collect(p, 'orphaned', {
        type: 'DisruptionTarget', status: 'True', reason: 'DeletionByPodGC', message: 'PodGC: node no longer exists',
      });
    }
  }

  /** Marks the pod Failed (when it has not finished) and deletes it at once. */
  async function collect(pod: PodObject, why: string, condition?: PodCondition): Promise<void> {
    const namespace = pod.metadata?.namespace ?? '';
    const name = pod.metadata?.name ?? '';
    log.info('force deleting pod', { pod: objectKeyOf(pod), reason: why });
    try {
      if (pod.status?.phase !== 'Succeeded' && pod.status?.phase !== 'Failed') {
        // Without a kubelet, nothing else would ever move the pod out of Running.
        await updatePodStatus(pods, namespace, name, pod.metadata?.uid, (status) => {
          if (status.phase === 'Succeeded' || status.phase === 'Failed') return false;
          status.phase = 'Failed';
          if (condition) setPodCondition(status, condition, now());
          return true;
        });
      }
      await pods.delete(name, { namespace, gracePeriodSeconds: 0 });
    } catch (err) {
      if (err instanceof ApiError && err.code === 404) return;
      log.info('could not delete pod', { pod: objectKeyOf(pod), error: err instanceof Error ? err.message : String(err) });
    }
  }

  return {
    stop() {
      stopped = true;
      clearInterval(timer);
    },
  };
}
