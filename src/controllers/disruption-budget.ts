// What a PodDisruptionBudget's status should say, as upstream's disruption controller computes
// it: how many pods are expected and must stay healthy (from minAvailable or maxUnavailable, an
// int or a percent of the pods' controllers' scale), how many are healthy now, which recent
// evictions are still in flight, and the DisruptionAllowed condition. Pure: the controller
// supplies pods, scale and time.
import type { PodDisruptionBudget, PodDisruptionBudgetSpec, PodDisruptionBudgetStatus } from 'kubernetes-types/policy/v1';
import type { Condition, LabelSelector } from 'kubernetes-types/meta/v1';
import { rfc3339 } from '../machinery/meta.ts';
import { isPodReady, type PodObject } from './pod-ranking.ts';

/** How long an eviction recorded in status.disruptedPods waits for the pod to be marked deleted. */
export const DELETION_TIMEOUT_MS = 2 * 60_000;

export const DISRUPTION_ALLOWED = 'DisruptionAllowed';
export const SUFFICIENT_PODS = 'SufficientPods';
export const INSUFFICIENT_PODS = 'InsufficientPods';
export const SYNC_FAILED = 'SyncFailed';

/** Upstream's intstr.GetScaledValueFromIntOrPercent, with its error texts. */
export function scaledValue(v: number | string, total: number, roundUp: boolean): number {
  if (typeof v === 'number') return v;
  if (!v.endsWith('%')) throw new Error('invalid value for IntOrString: invalid type: string is not a percentage');
  const digits = v.slice(0, -1);
  if (!/^[+-]?\d+$/.test(digits)) {
    throw new Error(`invalid value for IntOrString: invalid value ${JSON.stringify(v)}: strconv.Atoi: parsing ${JSON.stringify(digits)}: invalid syntax`);
  }
  const scaled = (Number.parseInt(digits, 10) * total) / 100;
  return roundUp ? Math.ceil(scaled) : Math.floor(scaled);
}

/** The budget is measured against its pods' controllers' scale, not the number of pods it selects. */
export function budgetUsesScale(spec: PodDisruptionBudgetSpec | undefined): boolean {
  return spec?.maxUnavailable != null || typeof spec?.minAvailable === 'string';
}

export interface HealthBounds {
  expectedCount: number;
  desiredHealthy: number;
}

/**
 * expectedPods and desiredHealthy (upstream's getExpectedPodCount): `scale` is the sum of the
 * pods' controllers' scale, needed only when budgetUsesScale.
 */
export function healthBounds(spec: PodDisruptionBudgetSpec | undefined, podCount: number, scale: number): HealthBounds {
  if (spec?.maxUnavailable != null) {
    const maxUnavailable = scaledValue(spec.maxUnavailable, scale, true);
    return { expectedCount: scale, desiredHealthy: Math.max(0, scale - maxUnavailable) };
  }
  if (typeof spec?.minAvailable === 'number') return { expectedCount: podCount, desiredHealthy: spec.minAvailable };
  if (typeof spec?.minAvailable === 'string') return { expectedCount: scale, desiredHealthy: scaledValue(spec.minAvailable, scale, true) };
  return { expectedCount: 0, desiredHealthy: 0 };
}

export interface DisruptedPods {
  /** The entries still waiting for their pod to be marked deleted. */
  pods: Record<string, string>;
  /** When the earliest of them expires (ms since the epoch), to look again then. */
  recheckAt?: number;
  /** Pods whose eviction expired without the pod being deleted. */
  notDeleted: PodObject[];
}

/** Upstream's buildDisruptedPodMap: drops entries whose pod is gone, being deleted, or overdue. */
export function pendingDisruptions(pods: PodObject[], previous: Record<string, string> | undefined, now: Date): DisruptedPods {
  const out: DisruptedPods = { pods: {}, notDeleted: [] };
  if (!previous) return out;
  for (const pod of pods) {
    if (pod.metadata?.deletionTimestamp) continue;
    const name = pod.metadata?.name ?? '';
    const at = previous[name];
    if (at === undefined) continue;
    const expires = Date.parse(at) + DELETION_TIMEOUT_MS;
    if (expires < now.getTime()) {
      out.notDeleted.push(pod);
    } else {
      out.pods[name] = at;
      if (out.recheckAt === undefined || expires < out.recheckAt) out.recheckAt = expires;
    }
  }
  return out;
}

/** Ready pods that are neither being deleted nor just evicted. */
export function countHealthy(pods: PodObject[], disrupted: Record<string, string>, now: Date): number {
  let healthy = 0;
  for (const pod of pods) {
    if (pod.metadata?.deletionTimestamp) continue;
    const at = disrupted[pod.metadata?.name ?? ''];
    if (at !== undefined && Date.parse(at) + DELETION_TIMEOUT_MS > now.getTime()) continue;
    if (isPodReady(pod)) healthy++;
  }
  return healthy;
}

/** apimachinery's meta.SetStatusCondition, in place. */
export function setCondition(conditions: Condition[], cond: Omit<Condition, 'lastTransitionTime'>, now: Date): void {
  const existing = conditions.find((c) => c.type === cond.type);
  if (!existing) {
    conditions.push({ ...cond, lastTransitionTime: rfc3339(now) });
    return;
  }
  if (existing.status !== cond.status) {
    existing.status = cond.status;
    existing.lastTransitionTime = rfc3339(now);
  }
  existing.reason = cond.reason;
  existing.message = cond.message;
  existing.observedGeneration = cond.observedGeneration;
}

function conditionsUpToDate(pdb: PodDisruptionBudget): boolean {
  const status = pdb.status;
  const cond = status?.conditions?.find((c) => c.type === DISRUPTION_ALLOWED);
  if (!cond || (status?.observedGeneration ?? 0) !== (pdb.metadata?.generation ?? 0)) return false;
  return (status?.disruptionsAllowed ?? 0) > 0
    ? cond.status === 'True' && cond.reason === SUFFICIENT_PODS
    : cond.status === 'False' && cond.reason === INSUFFICIENT_PODS;
}

function sameDisrupted(a: Record<string, string> | undefined, b: Record<string, string>): boolean {
  const ka = Object.keys(a ?? {});
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => b[k] === a![k]);
}

export interface BudgetObservation extends HealthBounds {
  currentHealthy: number;
  disruptedPods: Record<string, string>;
}

/** The status to write (upstream's updatePdbStatus), or undefined when the stored one already says it. */
export function budgetStatus(pdb: PodDisruptionBudget, seen: BudgetObservation, now: Date): PodDisruptionBudgetStatus | undefined {
  // A budget that expects no pods allows nothing: its first pods may appear before the next sync.
  let allowed = seen.currentHealthy - seen.desiredHealthy;
  if (seen.expectedCount <= 0 || allowed <= 0) allowed = 0;
  const status = pdb.status;
  const generation = pdb.metadata?.generation ?? 0;
  if ((status?.currentHealthy ?? 0) === seen.currentHealthy && (status?.desiredHealthy ?? 0) === seen.desiredHealthy &&
    (status?.expectedPods ?? 0) === seen.expectedCount && (status?.disruptionsAllowed ?? 0) === allowed &&
    sameDisrupted(status?.disruptedPods, seen.disruptedPods) && (status?.observedGeneration ?? 0) === generation &&
    conditionsUpToDate(pdb)) {
    return undefined;
  }
  const conditions = structuredClone(status?.conditions ?? []);
  setCondition(conditions, allowed > 0
    ? { type: DISRUPTION_ALLOWED, status: 'True', reason: SUFFICIENT_PODS, message: '', observedGeneration: generation }
    : { type: DISRUPTION_ALLOWED, status: 'False', reason: INSUFFICIENT_PODS, message: '', observedGeneration: generation }, now);
  // Fields in upstream's serialisation order.
  return {
    observedGeneration: generation,
    ...(Object.keys(seen.disruptedPods).length ? { disruptedPods: seen.disruptedPods } : {}),
    disruptionsAllowed: allowed,
    currentHealthy: seen.currentHealthy,
    desiredHealthy: seen.desiredHealthy,
    expectedPods: seen.expectedCount,
    conditions,
  };
}

/** Upstream's failSafe: when the numbers cannot be computed, allow no disruption and say why. */
export function failSafeStatus(pdb: PodDisruptionBudget, error: string, now: Date): PodDisruptionBudgetStatus {
  const status: PodDisruptionBudgetStatus = structuredClone(pdb.status ?? { currentHealthy: 0, desiredHealthy: 0, disruptionsAllowed: 0, expectedPods: 0 });
  status.disruptionsAllowed = 0;
  status.conditions ??= [];
  setCondition(status.conditions, {
    type: DISRUPTION_ALLOWED, status: 'False', reason: SYNC_FAILED, message: error, observedGeneration: status.observedGeneration ?? 0,
  }, now);
  return status;
}

/** Go's %v of a *metav1.LabelSelector (its generated String()), as upstream's UnmanagedPods event prints it. */
export function goLabelSelector(sel: LabelSelector | undefined): string {
  if (!sel) return 'nil';
  const labels = Object.keys(sel.matchLabels ?? {}).sort().map((k) => `${k}: ${sel.matchLabels![k]},`).join('');
  const exprs = (sel.matchExpressions ?? [])
    .map((e) => `LabelSelectorRequirement{Key:${e.key},Operator:${e.operator},Values:[${(e.values ?? []).join(' ')}],},`).join('');
  return `&LabelSelector{MatchLabels:map[string]string{${labels}},MatchExpressions:[]LabelSelectorRequirement{${exprs}},}`;
}
