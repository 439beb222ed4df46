// The taint eviction controller (upstream's NoExecute taint manager): pods on a node with
// NoExecute taints they do not tolerate are deleted at once; pods that tolerate them for
// tolerationSeconds are deleted when that time has passed, unless the taints go first. Before
// deleting, a pod gets the DisruptionTarget condition saying why.
import type { Node, Taint, Toleration } from 'kubernetes-types/core/v1';
import type { KObject } from '../api/types.ts';
import type { Logger } from '../cli/log.ts';
import type { Client } from '../client/client.ts';
import { objectKeyOf, type InformerFactory } from '../client/informer.ts';
import { createEventRecorder, type EventRecorder } from '../client/event-recorder.ts';
import { ApiError } from '../machinery/errors.ts';
import { jsonEqual } from '../machinery/meta.ts';
import { runController } from './controller.ts';
import { setPodCondition, updatePodStatus } from './pod-conditions.ts';
import type { PodObject } from './pod-ranking.ts';
import { indexPodsByNode } from './pods-by-node.ts';

export const TAINT_EVICTION_CONTROLLER = 'taint-eviction-controller';
const DELETE_RETRIES = 5;
const DELETE_RETRY_MS = 10;
const MAX_TIMER_MS = 2 ** 31 - 1;

type NodeObject = Node & KObject;

export interface TaintEvictionControllerDeps {
  client: Client;
  informers: InformerFactory;
  log: Logger;
  recorder?: EventRecorder;
  now?: () => Date;
}

/** Upstream's Toleration.ToleratesTaint. */
export function toleratesTaint(t: Toleration, taint: Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.key && t.key !== taint.key) return false;
  switch (t.operator ?? '') {
    case '': case 'Equal': return (t.value ?? '') === (taint.value ?? '');
    case 'Exists': return true;
    default: return false;
  }
}

/** Whether every taint is tolerated, and the toleration that covers each (upstream's GetMatchingTolerations). */
export function matchingTolerations(taints: readonly Taint[], tolerations: readonly Toleration[]): { tolerated: boolean; used: Toleration[] } {
  const used: Toleration[] = [];
  for (const taint of taints) {
    const t = tolerations.find((x) => toleratesTaint(x, taint));
    if (!t) return { tolerated: false, used: [] };
    used.push(t);
  }
  return { tolerated: true, used };
}

/** The shortest tolerationSeconds among the tolerations used, in ms; -1 when they tolerate forever. */
export function minTolerationMs(used: readonly Toleration[]): number {
  if (!used.length) return 0;
  let min = Infinity;
  for (const t of used) {
    if (t.tolerationSeconds == null) continue;
    if (t.tolerationSeconds <= 0) return 0;
    min = Math.min(min, t.tolerationSeconds);
  }
  return min === Infinity ? -1 : min * 1000;
}

function noExecuteTaints(node: Node | undefined): Taint[] {
  return (node?.spec?.taints ?? []).filter((t) => t.effect === 'NoExecute');
}

/** One pod's eviction: waiting for its time, or done (kept so it is not scheduled again while the taint stands). */
interface Eviction {
  createdAt: number;
  timer?: NodeJS.Timeout;
  done: boolean;
}

export function startTaintEvictionController(deps: TaintEvictionControllerDeps): { stop(): void } {
  const { client, informers } = deps;
  const log = deps.log.with({ controller: TAINT_EVICTION_CONTROLLER });
  const now = deps.now ?? (() => new Date());
  const recorder = deps.recorder ?? createEventRecorder(client, { component: TAINT_EVICTION_CONTROLLER }, log, now);
  const pods = client.resource<PodObject>('', 'v1', 'pods');
  const nodeInformer = informers.informer<NodeObject>('', 'v1', 'nodes');
  const podInformer = informers.informer<PodObject>('', 'v1', 'pods');
  const podsByNode = indexPodsByNode(podInformer);

  /** Node name → its NoExecute taints, for the nodes that have any. */
  const taintedNodes = new Map<string, Taint[]>();
  const evictions = new Map<string, Eviction>();
  let stopped = false;

  // Keys: "node/<name>" and "pod/<namespace>/<name>|<node>".
  const controller = runController({ name: TAINT_EVICTION_CONTROLLER, workers: 4, reconcile }, log);

  nodeInformer.addHandlers({
    onAdd: (n) => controller.queue.add(`node/${n.metadata?.name}`),
    onUpdate(old, n) {
      if (!jsonEqual(noExecuteTaints(old), noExecuteTaints(n))) controller.queue.add(`node/${n.metadata?.name}`);
    },
    onDelete: (n) => controller.queue.add(`node/${n.metadata?.name}`),
  });
  const podKey = (p: PodObject) => `pod/${objectKeyOf(p)}|${p.spec?.nodeName ?? ''}`;
  podInformer.addHandlers({
    onAdd: (p) => controller.queue.add(podKey(p)),
    onUpdate(old, p) {
      if (old.spec?.nodeName === p.spec?.nodeName && jsonEqual(old.spec?.tolerations ?? [], p.spec?.tolerations ?? [])) return;
      controller.queue.add(podKey(p));
    },
    onDelete: (p) => controller.queue.add(podKey(p)),
  });

  async function reconcile(key: string): Promise<void> {
    if (key.startsWith('node/')) handleNode(key.slice(5));
    else {
      const [podRef, nodeName] = key.slice(4).split('|');
      handlePod(podRef, nodeName);
    }
  }

  function handleNode(name: string) {
    const node = nodeInformer.get(name);
    if (!node) { taintedNodes.delete(name); return; }
    const taints = noExecuteTaints(node);
    if (taints.length) taintedNodes.set(name, taints);
    else taintedNodes.delete(name);
    const onNode = podsByNode.podsOn(name);
    if (!taints.length) {
      for (const pod of onNode) cancel(objectKeyOf(pod));
      return;
    }
    const at = now().getTime();
    for (const pod of onNode) processPod(objectKeyOf(pod), pod.spec?.tolerations ?? [], taints, at);
  }

  function handlePod(podRef: string, nodeName: string) {
    const slash = podRef.indexOf('/');
    const pod = podInformer.get(podRef.slice(slash + 1), podRef.slice(0, slash));
    if (!pod) { cancel(podRef); return; }
    // The pod moved on since this key was queued: its newer key handles it.
    if ((pod.spec?.nodeName ?? '') !== nodeName || !nodeName) return;
    const taints = taintedNodes.get(nodeName);
    if (!taints) return;
    processPod(podRef, pod.spec?.tolerations ?? [], taints, now().getTime());
  }

  function processPod(podRef: string, tolerations: Toleration[], taints: Taint[], at: number) {
    const { tolerated, used } = matchingTolerations(taints, tolerations);
    if (!tolerated) {
      log.debug('not all taints are tolerated, deleting pod', { pod: podRef });
      cancel(podRef);
      schedule(podRef, at, at);
      return;
    }
    const wait = minTolerationMs(used);
    if (wait < 0) { cancel(podRef); return; }
    let start = at;
    const existing = evictions.get(podRef);
    if (existing && !existing.done) {
      start = existing.createdAt;
      if (start + wait < at + wait) return; // already due earlier than this would make it
      cancel(podRef);
    }
    schedule(podRef, start, start + wait);
  }

  function schedule(podRef: string, createdAt: number, fireAt: number) {
    if (stopped || evictions.has(podRef)) return;
    const eviction: Eviction = { createdAt, done: false };
    evictions.set(podRef, eviction);
    const arm = () => {
      const wait = fireAt - now().getTime();
      // Timers cannot wait longer than ~24.8 days: long tolerations take several.
      eviction.timer = setTimeout(() => {
        eviction.timer = undefined;
        if (fireAt > now().getTime()) { arm(); return; }
        fire(podRef, eviction).catch((err) => log.info('could not evict pod', { pod: podRef, error: err instanceof Error ? err.message : String(err) }));
      }, Math.min(Math.max(0, wait), MAX_TIMER_MS));
      eviction.timer.unref();
    };
    arm();
  }

  /** Cancels a pending eviction (telling the pod so); forgets a finished one. */
  function cancel(podRef: string) {
    const e = evictions.get(podRef);
    if (!e) return;
    evictions.delete(podRef);
    if (e.done) return;
    if (e.timer) clearTimeout(e.timer);
    const [namespace, name] = podRef.split('/');
    recorder.event({ apiVersion: 'v1', kind: 'Pod', metadata: { namespace, name } }, 'Normal', 'TaintManagerEviction', `Cancelling deletion of Pod ${podRef}`);
  }

  async function fire(podRef: string, eviction: Eviction) {
    if (stopped || evictions.get(podRef) !== eviction) return;
    const [namespace, name] = podRef.split('/');
    log.info('deleting pod', { pod: podRef });
    recorder.event({ apiVersion: 'v1', kind: 'Pod', metadata: { namespace, name } }, 'Normal', 'TaintManagerEviction', `Marking for deletion Pod ${podRef}`);
    let lastErr: unknown;
    for (let i = 0; i < DELETE_RETRIES; i++) {
      try {
        await markAndDelete(namespace, name);
        // Finished: kept as done so the pod is not scheduled again; dropped when the pod or the taints go.
        if (evictions.get(podRef) === eviction) eviction.done = true;
        return;
      } catch (err) {
        lastErr = err;
        await new Promise((r) => setTimeout(r, DELETE_RETRY_MS));
      }
    }
    if (evictions.get(podRef) === eviction) evictions.delete(podRef);
    throw lastErr;
  }

  async function markAndDelete(namespace: string, name: string) {
    await updatePodStatus(pods, namespace, name, undefined, (status) => setPodCondition(status, {
      type: 'DisruptionTarget', status: 'True', reason: 'DeletionByTaintManager', message: 'Taint manager: deleting due to NoExecute taint',
    }, now()));
    try {
      await pods.delete(name, { namespace });
    } catch (err) {
      if (!(err instanceof ApiError && err.code === 404)) throw err;
    }
  }

  return {
    stop() {
      stopped = true;
      controller.stop();
      for (const e of evictions.values()) if (e.timer) clearTimeout(e.timer);
      evictions.clear();
    },
  };
}
