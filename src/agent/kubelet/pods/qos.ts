// A pod's QoS class and the resource amounts the kubelet derives from its containers, as upstream
// computes them (pkg/apis/core/v1/helper/qos and the pod resource helpers): pure functions.
import type { Container, Pod } from 'kubernetes-types/core/v1';
import { milliValue, parseQuantity, value } from '../../../machinery/quantity.ts';

export type QosClass = 'Guaranteed' | 'Burstable' | 'BestEffort';

const QOS_RESOURCES = ['cpu', 'memory'] as const;

function quantity(q: string | number | undefined): { milli: number; units: number } | undefined {
  if (q === undefined || q === null || q === '') return undefined;
  try {
    const p = parseQuantity(q);
    return { milli: milliValue(p), units: value(p) };
  } catch {
    return undefined;
  }
}

/** Millicores (cpu) or bytes (memory) a container requests or is limited to; 0 when unset. */
export function containerAmount(c: Container, kind: 'requests' | 'limits', resource: 'cpu' | 'memory'): number {
  const q = quantity(c.resources?.[kind]?.[resource] as string | undefined);
  if (!q) return 0;
  return resource === 'cpu' ? q.milli : q.units;
}

/** The cpu request the runtime sees: upstream defaults an unset request to the limit. */
export function effectiveRequest(c: Container, resource: 'cpu' | 'memory'): number {
  return containerAmount(c, 'requests', resource) || containerAmount(c, 'limits', resource);
}

export function qosClass(pod: Pod): QosClass {
  const containers = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])];
  const requests: Record<string, number> = {};
  const limits: Record<string, number> = {};
  let guaranteed = true;
  for (const c of containers) {
    for (const r of QOS_RESOURCES) {
      const req = containerAmount(c, 'requests', r);
      if (req > 0) requests[r] = (requests[r] ?? 0) + req;
    }
    let limited = 0;
    for (const r of QOS_RESOURCES) {
      const lim = containerAmount(c, 'limits', r);
      if (lim > 0) {
        limits[r] = (limits[r] ?? 0) + lim;
        limited++;
      }
    }
    if (limited !== QOS_RESOURCES.length) guaranteed = false;
  }
  if (!Object.keys(requests).length && !Object.keys(limits).length) return 'BestEffort';
  if (guaranteed) {
    const same = Object.keys(requests).length === Object.keys(limits).length && QOS_RESOURCES.every((r) => requests[r] === limits[r]);
    if (same) return 'Guaranteed';
  }
  return 'Burstable';
}

export interface PodAmounts {
  cpuRequestMilli: number;
  /** undefined when some container has no cpu limit (the pod then has none). */
  cpuLimitMilli?: number;
  memoryRequest: number;
  memoryLimit?: number;
}

/**
 * The pod's effective requests and limits: the larger of the app containers' sum (sidecars
 * included) and any single init container, as upstream's PodRequests/PodLimits.
 */
export function podAmounts(pod: Pod): PodAmounts {
  const apps = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? []).filter((c) => c.restartPolicy === 'Always')];
  const inits = (pod.spec?.initContainers ?? []).filter((c) => c.restartPolicy !== 'Always');
  const total = (kind: 'requests' | 'limits', r: 'cpu' | 'memory', f: (c: Container) => number) => {
    let sum = 0;
    for (const c of apps) sum += f(c);
    for (const c of inits) sum = Math.max(sum, f(c));
    return sum;
  };
  const allLimited = (r: 'cpu' | 'memory') => [...apps, ...inits].every((c) => containerAmount(c, 'limits', r) > 0);
  return {
    cpuRequestMilli: total('requests', 'cpu', (c) => effectiveRequest(c, 'cpu')),
    cpuLimitMilli: allLimited('cpu') ? total('limits', 'cpu', (c) => containerAmount(c, 'limits', 'cpu')) : undefined,
    memoryRequest: total('requests', 'memory', (c) => effectiveRequest(c, 'memory')),
    memoryLimit: allLimited('memory') ? total('limits', 'memory', (c) => containerAmount(c, 'limits', 'memory')) : undefined,
  };
}

// ---- cgroup values (upstream's pkg/kubelet/cm helpers) ----

export const MIN_SHARES = 2;
export const MAX_SHARES = 262144;
export const QUOTA_PERIOD = 100_000;
const MIN_QUOTA = 1000;

export function milliCpuToShares(milli: number): number {
  if (milli === 0) return MIN_SHARES;
  return Math.min(MAX_SHARES, Math.max(MIN_SHARES, Math.floor((milli * 1024) / 1000)));
}

export function milliCpuToQuota(milli: number, period = QUOTA_PERIOD): number {
  if (milli === 0) return 0;
  return Math.max(MIN_QUOTA, Math.floor((milli * period) / 1000));
}

/**
 * oom_score_adj as upstream's policy, floored at 0: these machines cannot lower scores
 * (no CAP_SYS_RESOURCE; containerd runs with restrict_oom_score_adj), see the containerd notes.
 */
export function oomScoreAdj(pod: Pod, c: Container, memoryCapacity: number): number {
  const qos = qosClass(pod);
  if (qos === 'Guaranteed') return 0;
  if (qos === 'BestEffort') return 1000;
  const request = containerAmount(c, 'requests', 'memory');
  let adj = 1000 - Math.floor((1000 * request) / memoryCapacity);
  if (adj < 2) adj = 2;
  if (adj >= 1000) adj = 999;
  return adj;
}
