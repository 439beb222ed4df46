// What replica controllers need to know about a pod (active, ready, available) and upstream's
// ranking of which pods to delete first when scaling down: the least useful go first.
import type { PodSpec, PodStatus } from 'kubernetes-types/core/v1';
import type { KObject } from '../api/types.ts';

export interface PodObject extends KObject {
  spec?: PodSpec;
  status?: PodStatus;
}

const DELETION_COST_ANNOTATION = 'controller.kubernetes.io/pod-deletion-cost';

/** Not finished and not being deleted: it counts towards a controller's replicas. */
export function isPodActive(pod: PodObject): boolean {
  const phase = pod.status?.phase;
  return phase !== 'Succeeded' && phase !== 'Failed' && !pod.metadata?.deletionTimestamp;
}

function readyCondition(pod: PodObject) {
  return pod.status?.conditions?.find((c) => c.type === 'Ready');
}

export function isPodReady(pod: PodObject): boolean {
  return readyCondition(pod)?.status === 'True';
}

/** When a ready pod became ready; undefined when it is not ready (or does not say). */
export function podReadyTime(pod: PodObject): Date | undefined {
  const c = readyCondition(pod);
  if (c?.status !== 'True' || !c.lastTransitionTime) return undefined;
  return new Date(c.lastTransitionTime);
}

/** Ready for at least minReadySeconds (upstream: readiness time + minReadySeconds strictly before now). */
export function isPodAvailable(pod: PodObject, minReadySeconds: number, now: Date): boolean {
  if (!isPodReady(pod)) return false;
  if (!minReadySeconds) return true;
  const since = podReadyTime(pod);
  return !!since && since.getTime() + minReadySeconds * 1000 < now.getTime();
}

const PHASE_ORDER: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };

function deletionCost(pod: PodObject): number {
  const v = pod.metadata?.annotations?.[DELETION_COST_ANNOTATION];
  if (v === undefined || !/^[+-]?\d+$/.test(v)) return 0;
  const n = Number(v);
  return n >= -(2 ** 31) && n < 2 ** 31 ? n : 0;
}

/** The highest restart count among regular containers, then among restartable init (sidecar) containers. */
function maxRestarts(pod: PodObject): [number, number] {
  let regular = 0;
  for (const c of pod.status?.containerStatuses ?? []) regular = Math.max(regular, c.restartCount ?? 0);
  const sidecars = new Set((pod.spec?.initContainers ?? []).filter((c) => c.restartPolicy === 'Always').map((c) => c.name));
  let sidecar = 0;
  for (const c of pod.status?.initContainerStatuses ?? []) if (sidecars.has(c.name)) sidecar = Math.max(sidecar, c.restartCount ?? 0);
  return [regular, sidecar];
}

/**
 * Upstream's logarithmic bucketing (LogarithmicScaleDown): pods whose ages fall in the same
 * power-of-two bucket (in nanoseconds) count as equally old, so scale-down does not always
 * pick the very newest pod.
 */
function logBucketDiff(t1: Date, t2: Date, now: Date): number {
  const bucket = (t: Date) => {
    const ns = (now.getTime() - t.getTime()) * 1e6;
    return ns > 0 ? Math.floor(Math.log2(ns)) : -1;
  };
  return bucket(t1) - bucket(t2);
}

/** Go's afterOrZero: a missing time sorts first; otherwise the later time sorts first. */
function afterOrZero(t1: Date | undefined, t2: Date | undefined): boolean {
  if (!t1 || !t2) return !t1;
  return t1.getTime() > t2.getTime();
}

function sameTime(t1: Date | undefined, t2: Date | undefined): boolean {
  return (t1?.getTime() ?? 0) === (t2?.getTime() ?? 0);
}

/** Compares by logarithmic age bucket, then uid; returns whether `a` goes first. */
function youngerBucket(a: PodObject, b: PodObject, ta: Date | undefined, tb: Date | undefined, now: Date): boolean {
  if (!ta || !tb) return afterOrZero(ta, tb);
  const diff = logBucketDiff(ta, tb, now);
  if (diff === 0) return (a.metadata?.uid ?? '') < (b.metadata?.uid ?? '');
  return diff < 0;
}

export interface RankedPod {
  pod: PodObject;
  /** How many active pods of the same owner family share this pod's node. */
  rank: number;
}

/** Upstream's ActivePodsWithRanks.Less: true when `a` should be deleted before `b`. */
export function deleteFirst(a: RankedPod, b: RankedPod, now: Date): boolean {
  const pa = a.pod;
  const pb = b.pod;
  const na = pa.spec?.nodeName ?? '';
  const nb = pb.spec?.nodeName ?? '';
  // 1. Unscheduled before scheduled.
  if (na !== nb && (na === '' || nb === '')) return na === '';
  // 2. Pending before Unknown before Running.
  const phaseA = PHASE_ORDER[pa.status?.phase ?? ''] ?? 0;
  const phaseB = PHASE_ORDER[pb.status?.phase ?? ''] ?? 0;
  if (phaseA !== phaseB) return phaseA < phaseB;
  // 3. Not ready before ready.
  const readyA = isPodReady(pa);
  const readyB = isPodReady(pb);
  if (readyA !== readyB) return !readyA;
  // 4. Lower pod-deletion-cost first.
  const costA = deletionCost(pa);
  const costB = deletionCost(pb);
  if (costA !== costB) return costA < costB;
  // 5. Doubled up on a node before alone.
  if (a.rank !== b.rank) return a.rank > b.rank;
  // 6. Ready for less time first.
  if (readyA && readyB) {
    const ta = podReadyTime(pa);
    const tb = podReadyTime(pb);
    if (!sameTime(ta, tb)) return youngerBucket(pa, pb, ta, tb, now);
  }
  // 7. More restarts first (regular containers, then sidecars).
  const [ra, sa] = maxRestarts(pa);
  const [rb, sb] = maxRestarts(pb);
  if (ra !== rb) return ra > rb;
  if (sa !== sb) return sa > sb;
  // 8. Newer first.
  const ca = pa.metadata?.creationTimestamp ? new Date(pa.metadata.creationTimestamp) : undefined;
  const cb = pb.metadata?.creationTimestamp ? new Date(pb.metadata.creationTimestamp) : undefined;
  if (!sameTime(ca, cb)) return youngerBucket(pa, pb, ca, cb, now);
  return false;
}

/**
 * The `count` pods to delete from `pods`, least useful first. `related` are the active and
 * inactive pods of every ReplicaSet sharing this one's owner: pods doubled up on a node with
 * their siblings go before pods that are alone.
 */
export function podsToDelete(pods: PodObject[], related: PodObject[], count: number, now: Date): PodObject[] {
  if (count >= pods.length) return pods.slice(0, count);
  const onNode = new Map<string, number>();
  for (const p of related) {
    if (!isPodActive(p)) continue;
    const node = p.spec?.nodeName ?? '';
    onNode.set(node, (onNode.get(node) ?? 0) + 1);
  }
  const ranked: RankedPod[] = pods.map((pod) => ({ pod, rank: onNode.get(pod.spec?.nodeName ?? '') ?? 0 }));
  ranked.sort((a, b) => (deleteFirst(a, b, now) ? -1 : deleteFirst(b, a, now) ? 1 : 0));
  return ranked.slice(0, count).map((r) => r.pod);
}
