// The node lifecycle controller's decisions, pure: which conditions go Unknown when a node stops
// reporting, which NoSchedule taints a node's conditions call for, how a zone's health is
// classified (normal, partially or fully disrupted), and the token bucket that paces NoExecute
// tainting per zone. The controller feeds them nodes and time and does the writes.
import type { Node, NodeCondition, Taint } from 'kubernetes-types/core/v1';
import { rfc3339 } from '../machinery/meta.ts';

export const TAINT_NOT_READY = 'node.kubernetes.io/not-ready';
export const TAINT_UNREACHABLE = 'node.kubernetes.io/unreachable';
export const TAINT_UNSCHEDULABLE = 'node.kubernetes.io/unschedulable';
export const TAINT_MEMORY_PRESSURE = 'node.kubernetes.io/memory-pressure';
export const TAINT_DISK_PRESSURE = 'node.kubernetes.io/disk-pressure';
export const TAINT_PID_PRESSURE = 'node.kubernetes.io/pid-pressure';
export const TAINT_NETWORK_UNAVAILABLE = 'node.kubernetes.io/network-unavailable';
export const TAINT_OUT_OF_SERVICE = 'node.kubernetes.io/out-of-service';

/** A node with this label is left out of its zone's health count. */
export const LABEL_EXCLUDE_DISRUPTION = 'node.kubernetes.io/exclude-disruption';

/** Node condition type → condition status → the NoSchedule taint it calls for. */
const CONDITION_TAINTS: Record<string, Record<string, string>> = {
  Ready: { False: TAINT_NOT_READY, Unknown: TAINT_UNREACHABLE },
  MemoryPressure: { True: TAINT_MEMORY_PRESSURE },
  DiskPressure: { True: TAINT_DISK_PRESSURE },
  NetworkUnavailable: { True: TAINT_NETWORK_UNAVAILABLE },
  PIDPressure: { True: TAINT_PID_PRESSURE },
};
const CONDITION_TAINT_KEYS = new Set(Object.values(CONDITION_TAINTS).flatMap((m) => Object.values(m)));

/** The conditions a silent node's kubelet can no longer vouch for (NetworkUnavailable is the network's, not the kubelet's). */
const KUBELET_CONDITIONS = ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure'];

export function readyCondition(node: Node): NodeCondition | undefined {
  return node.status?.conditions?.find((c) => c.type === 'Ready');
}

export function isNodeReady(node: Node): boolean {
  return readyCondition(node)?.status === 'True';
}

export function hasTaint(taints: readonly Taint[] | undefined, key: string, effect: string): boolean {
  return !!taints?.some((t) => t.key === key && t.effect === effect);
}

/**
 * The node's conditions once its kubelet has been silent past the grace period: the kubelet's
 * conditions Unknown (added, when it never posted them). Undefined when they already say so.
 */
export function silentNodeConditions(node: Node, now: Date): NodeCondition[] | undefined {
  const conditions = structuredClone(node.status?.conditions ?? []);
  const at = rfc3339(now);
  let changed = false;
  for (const type of KUBELET_CONDITIONS) {
    const c = conditions.find((x) => x.type === type);
    if (!c) {
      conditions.push({
        type, status: 'Unknown', reason: 'NodeStatusNeverUpdated', message: 'Kubelet never posted node status.',
        lastHeartbeatTime: node.metadata?.creationTimestamp, lastTransitionTime: at,
      });
      changed = true;
    } else if (c.status !== 'Unknown') {
      c.status = 'Unknown';
      c.reason = 'NodeStatusUnknown';
      c.message = 'Kubelet stopped posting node status.';
      c.lastTransitionTime = at;
      changed = true;
    }
  }
  return changed ? conditions : undefined;
}

/** The NoSchedule taints the node's conditions (and spec.unschedulable) call for. */
export function conditionTaints(node: Node): Taint[] {
  const taints: Taint[] = [];
  for (const c of node.status?.conditions ?? []) {
    const key = CONDITION_TAINTS[c.type]?.[c.status];
    if (key) taints.push({ key, effect: 'NoSchedule' });
  }
  if (node.spec?.unschedulable) taints.push({ key: TAINT_UNSCHEDULABLE, effect: 'NoSchedule' });
  return taints;
}

/** What to add and remove so the node's condition NoSchedule taints are exactly `wanted`. */
export function noScheduleTaintChanges(node: Node, wanted: Taint[]): { add: Taint[]; remove: Taint[] } {
  const current = (node.spec?.taints ?? []).filter((t) =>
    t.effect === 'NoSchedule' && (t.key === TAINT_UNSCHEDULABLE || CONDITION_TAINT_KEYS.has(t.key)));
  const same = (a: Taint, b: Taint) => a.key === b.key && a.effect === b.effect;
  return {
    add: wanted.filter((w) => !current.some((c) => same(c, w))),
    remove: current.filter((c) => !wanted.some((w) => same(c, w))),
  };
}

/** The node's taints with `add` (stamped now; ones it has are kept as they are) and without `remove`. */
export function swapTaints(taints: readonly Taint[] | undefined, add: Taint[], remove: Taint[], now: Date): Taint[] | undefined {
  let out = [...(taints ?? [])];
  let changed = false;
  for (const t of add) {
    if (hasTaint(out, t.key, t.effect)) continue;
    out.push({ ...t, timeAdded: rfc3339(now) });
    changed = true;
  }
  const kept = out.filter((t) => !remove.some((r) => r.key === t.key && r.effect === t.effect));
  if (kept.length !== out.length) { out = kept; changed = true; }
  return changed ? out : undefined;
}

/** Upstream's zone key: region and zone from the topology labels ("" without them). */
export function zoneKey(node: Node): string {
  const labels = node.metadata?.labels ?? {};
  const zone = labels['topology.kubernetes.io/zone'] ?? labels['failure-domain.beta.kubernetes.io/zone'] ?? '';
  const region = labels['topology.kubernetes.io/region'] ?? labels['failure-domain.beta.kubernetes.io/region'] ?? '';
  if (!region && !zone) return '';
  return `${region}:\u0000:${zone}`;
}

export type ZoneState = 'Initial' | 'Normal' | 'PartialDisruption' | 'FullDisruption';

/** A zone with no ready node is fully disrupted; with more than two, and at least `threshold` of them, not ready, partially. */
export function zoneState(ready: Array<NodeCondition | undefined>, unhealthyThreshold: number): { unhealthy: number; state: ZoneState } {
  let readyCount = 0;
  let notReady = 0;
  for (const c of ready) {
    if (c?.status === 'True') readyCount++;
    else notReady++;
  }
  if (readyCount === 0 && notReady > 0) return { unhealthy: notReady, state: 'FullDisruption' };
  if (notReady > 2 && notReady / (notReady + readyCount) >= unhealthyThreshold) return { unhealthy: notReady, state: 'PartialDisruption' };
  return { unhealthy: notReady, state: 'Normal' };
}

/** A token bucket of burst 1 (qps 0: never lets anything through), as upstream paces evictions. */
export class TokenBucket {
  readonly qps: number;
  private tokens = 1;
  private last: number;

  constructor(qps: number, nowMs: number) {
    this.qps = qps;
    this.last = nowMs;
  }

  tryAccept(nowMs: number): boolean {
    if (this.qps <= 0) return false;
    this.tokens = Math.min(1, this.tokens + ((nowMs - this.last) / 1000) * this.qps);
    this.last = nowMs;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** Milliseconds until the next token (Infinity when it never comes). */
  msUntilToken(nowMs: number): number {
    if (this.qps <= 0) return Infinity;
    const tokens = Math.min(1, this.tokens + ((nowMs - this.last) / 1000) * this.qps);
    return tokens >= 1 ? 0 : Math.ceil(((1 - tokens) / this.qps) * 1000);
  }
}

/**
 * Nodes waiting to be tainted NoExecute in one zone, in arrival order, let through by the zone's
 * limiter. A node stays "known" after it was processed until it is removed, so it is not queued
 * again while its taint stands (upstream's RateLimitedTimedQueue over a UniqueQueue).
 */
export class ZoneTainter {
  limiter: TokenBucket;
  private readonly queue = new Map<string, number>(); // name → process at (ms)
  private readonly known = new Set<string>();

  constructor(qps: number, nowMs: number) {
    this.limiter = new TokenBucket(qps, nowMs);
  }

  /** Queues the node unless it is already known; says whether it was added. */
  add(name: string, nowMs: number): boolean {
    if (this.known.has(name)) return false;
    this.known.add(name);
    this.queue.set(name, nowMs);
    return true;
  }

  /** Forgets the node; says whether it was known. */
  remove(name: string): boolean {
    this.queue.delete(name);
    return this.known.delete(name);
  }

  get pending(): number {
    return this.queue.size;
  }

  /** Changes the pace; a limiter that was out of tokens hands its successor an empty bucket too. */
  swapLimiter(qps: number, nowMs: number): void {
    if (this.limiter.qps === qps) return;
    const next = new TokenBucket(qps, nowMs);
    if (qps > 0 && !this.limiter.tryAccept(nowMs)) next.tryAccept(nowMs);
    this.limiter = next;
  }

  /**
   * Takes queued nodes while the limiter allows, calling `act` on each: it returns true when done,
   * or a delay in ms to retry after. Resolves with ms until it is worth trying again (undefined: queue empty).
   */
  async process(act: (name: string) => Promise<true | number>, now: () => number): Promise<number | undefined> {
    for (const [name, at] of this.queue) {
      if (!this.limiter.tryAccept(now())) return Math.max(this.limiter.msUntilToken(now()), 1);
      if (now() < at) return Math.max(at - now(), 1);
      const result = await act(name);
      if (!this.queue.has(name)) continue; // removed meanwhile
      this.queue.delete(name);
      if (result !== true) this.queue.set(name, now() + result + 1); // back of the line, as upstream's Replace
    }
    return this.queue.size ? 1 : undefined;
  }
}
