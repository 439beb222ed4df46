// The vocabulary of the deployment controller (upstream's deploymentutil): revisions and the
// annotations that carry them, rolling-update fenceposts, conditions, replica counts, and which
// ReplicaSet is the "new" one. Everything here is pure: plain objects in, plain objects out.
import type {
  DeploymentCondition, DeploymentSpec, DeploymentStatus, ReplicaSetSpec, ReplicaSetStatus,
} from 'kubernetes-types/apps/v1';
import type { PodTemplateSpec } from 'kubernetes-types/core/v1';
import type { KObject } from '../api/types.ts';
import { semanticEqual } from '../api/common/workload-validation.ts';
import { rfc3339 } from '../machinery/meta.ts';

export interface DeploymentObject extends KObject {
  spec?: DeploymentSpec;
  status?: DeploymentStatus;
}

export interface ReplicaSetObject extends KObject {
  spec?: ReplicaSetSpec;
  status?: ReplicaSetStatus;
}

export const POD_TEMPLATE_HASH_LABEL = 'pod-template-hash';
export const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';
export const REVISION_HISTORY_ANNOTATION = 'deployment.kubernetes.io/revision-history';
export const DESIRED_REPLICAS_ANNOTATION = 'deployment.kubernetes.io/desired-replicas';
export const MAX_REPLICAS_ANNOTATION = 'deployment.kubernetes.io/max-replicas';
const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';
const DEPRECATED_ROLLBACK_TO_ANNOTATION = 'deprecated.deployment.rollback.to';
/** How long revision-history may grow before its oldest entries are dropped. */
const MAX_REVISION_HISTORY_CHARS = 2000;

/** Condition reasons, as upstream spells them. */
export const Reason = {
  ReplicaSetUpdated: 'ReplicaSetUpdated',
  FailedRSCreate: 'ReplicaSetCreateError',
  NewReplicaSetCreated: 'NewReplicaSetCreated',
  FoundNewReplicaSet: 'FoundNewReplicaSet',
  NewReplicaSetAvailable: 'NewReplicaSetAvailable',
  TimedOut: 'ProgressDeadlineExceeded',
  Paused: 'DeploymentPaused',
  Resumed: 'DeploymentResumed',
  MinimumReplicasAvailable: 'MinimumReplicasAvailable',
  MinimumReplicasUnavailable: 'MinimumReplicasUnavailable',
} as const;

/** Annotations a Deployment never copies onto its ReplicaSets (nor kubectl back on rollback). */
const ANNOTATIONS_NOT_COPIED = new Set([
  LAST_APPLIED_ANNOTATION, REVISION_ANNOTATION, REVISION_HISTORY_ANNOTATION,
  DESIRED_REPLICAS_ANNOTATION, MAX_REPLICAS_ANNOTATION, DEPRECATED_ROLLBACK_TO_ANNOTATION,
]);

// ---- replica counts ---------------------------------------------------------------------------

/** spec.replicas as the API server defaults it. */
export function specReplicas(obj: { spec?: { replicas?: number } } | undefined): number {
  return obj?.spec?.replicas ?? 1;
}

type MaybeRS = ReplicaSetObject | undefined;
const sum = (rss: MaybeRS[], f: (rs: ReplicaSetObject) => number) => rss.reduce((n, rs) => n + (rs ? f(rs) : 0), 0);

/** Sum of spec.replicas: what the ReplicaSets are asked to run. */
export const replicaCount = (rss: MaybeRS[]) => sum(rss, specReplicas);
/** Sum of status.replicas: the pods that exist. */
export const actualReplicaCount = (rss: MaybeRS[]) => sum(rss, (rs) => rs.status?.replicas ?? 0);
export const readyReplicaCount = (rss: MaybeRS[]) => sum(rss, (rs) => rs.status?.readyReplicas ?? 0);
export const availableReplicaCount = (rss: MaybeRS[]) => sum(rss, (rs) => rs.status?.availableReplicas ?? 0);

/** ReplicaSets asked to run at least one pod. */
export function filterActive(rss: MaybeRS[]): ReplicaSetObject[] {
  return rss.filter((rs): rs is ReplicaSetObject => !!rs && specReplicas(rs) > 0);
}

// ---- ordering ----------------------------------------------------------------------------------

function createdAt(obj: KObject): number {
  const t = obj.metadata?.creationTimestamp;
  return t ? new Date(t).getTime() : 0;
}

/** Oldest first; ties by name. */
export function byCreation(a: KObject, b: KObject): number {
  const d = createdAt(a) - createdAt(b);
  if (d !== 0) return d;
  const na = a.metadata?.name ?? '';
  const nb = b.metadata?.name ?? '';
  return na < nb ? -1 : na > nb ? 1 : 0;
}

/** Lowest revision first; ties oldest first. */
export function byRevision(a: ReplicaSetObject, b: ReplicaSetObject): number {
  const d = (revisionOf(a) ?? 0) - (revisionOf(b) ?? 0);
  return d !== 0 ? d : byCreation(a, b);
}

/** Largest first; ties newest first (the order to hand out extra replicas in). */
export function bySizeNewer(a: ReplicaSetObject, b: ReplicaSetObject): number {
  const d = specReplicas(b) - specReplicas(a);
  return d !== 0 ? d : byCreation(b, a);
}

/** Largest first; ties oldest first (the order to take replicas away in). */
export function bySizeOlder(a: ReplicaSetObject, b: ReplicaSetObject): number {
  const d = specReplicas(b) - specReplicas(a);
  return d !== 0 ? d : byCreation(a, b);
}

// ---- revisions and annotations -----------------------------------------------------------------

/** The revision annotation as a number: 0 when absent, undefined when it is not an integer. */
export function revisionOf(obj: KObject): number | undefined {
  const v = obj.metadata?.annotations?.[REVISION_ANNOTATION];
  if (v === undefined) return 0;
  return /^[+-]?\d+$/.test(v) ? Number(v) : undefined;
}

export function maxRevision(rss: ReplicaSetObject[]): number {
  let max = 0;
  for (const rs of rss) {
    const v = revisionOf(rs);
    if (v !== undefined && v > max) max = v;
  }
  return max;
}

function annotationsOf(obj: KObject): Record<string, string> {
  const meta = (obj.metadata ??= {});
  return (meta.annotations ??= {});
}

function intAnnotation(obj: KObject, key: string): number | undefined {
  const v = obj.metadata?.annotations?.[key];
  return v !== undefined && /^[+-]?\d+$/.test(v) ? Number(v) : undefined;
}

export const desiredReplicasAnnotation = (rs: ReplicaSetObject) => intAnnotation(rs, DESIRED_REPLICAS_ANNOTATION);
export const maxReplicasAnnotation = (rs: ReplicaSetObject) => intAnnotation(rs, MAX_REPLICAS_ANNOTATION);

export function replicasAnnotationsNeedUpdate(rs: ReplicaSetObject, desired: number, max: number): boolean {
  const a = rs.metadata?.annotations;
  return !a || a[DESIRED_REPLICAS_ANNOTATION] !== String(desired) || a[MAX_REPLICAS_ANNOTATION] !== String(max);
}

/** Records the deployment's size and size+surge on a ReplicaSet; returns whether anything changed. */
export function setReplicasAnnotations(rs: ReplicaSetObject, desired: number, max: number): boolean {
  const a = annotationsOf(rs);
  let changed = false;
  if (a[DESIRED_REPLICAS_ANNOTATION] !== String(desired)) { a[DESIRED_REPLICAS_ANNOTATION] = String(desired); changed = true; }
  if (a[MAX_REPLICAS_ANNOTATION] !== String(max)) { a[MAX_REPLICAS_ANNOTATION] = String(max); changed = true; }
  return changed;
}

/** Copies the deployment's annotations (all but the skipped ones) onto the ReplicaSet. */
function copyDeploymentAnnotations(d: DeploymentObject, rs: ReplicaSetObject): boolean {
  const target = annotationsOf(rs);
  let changed = false;
  for (const [k, v] of Object.entries(d.metadata?.annotations ?? {})) {
    if (ANNOTATIONS_NOT_COPIED.has(k) || (k in target && target[k] === v)) continue;
    target[k] = v;
    changed = true;
  }
  return changed;
}

/**
 * Upstream's SetNewReplicaSetAnnotations: copies the deployment's annotations, raises the
 * revision to `newRevision` when it is behind (remembering the revisions it served before in
 * revision-history, which is how a rollback shows), and, for a ReplicaSet about to be created,
 * records the replica annotations. Mutates `rs`; returns whether anything changed.
 */
export function setNewReplicaSetAnnotations(d: DeploymentObject, rs: ReplicaSetObject, newRevision: number, exists: boolean): boolean {
  let changed = copyDeploymentAnnotations(d, rs);
  const a = annotationsOf(rs);
  const oldRevision = a[REVISION_ANNOTATION];
  let oldRevisionNumber = 0;
  if (oldRevision !== undefined && oldRevision !== '') {
    if (!/^[+-]?\d+$/.test(oldRevision)) return false;
    oldRevisionNumber = Number(oldRevision);
  }
  if (oldRevisionNumber < newRevision) {
    a[REVISION_ANNOTATION] = String(newRevision);
    changed = true;
    if (oldRevision !== undefined) {
      const history = a[REVISION_HISTORY_ANNOTATION] ?? '';
      if (history === '') {
        a[REVISION_HISTORY_ANNOTATION] = oldRevision;
      } else {
        let entries = history.split(',');
        let total = history.length + oldRevision.length + 1;
        let start = 0;
        while (total > MAX_REVISION_HISTORY_CHARS && start < entries.length) {
          total -= entries[start].length + 1;
          start++;
        }
        if (total <= MAX_REVISION_HISTORY_CHARS) {
          entries = [...entries.slice(start), oldRevision];
          a[REVISION_HISTORY_ANNOTATION] = entries.join(',');
        }
      }
    }
  }
  if (!exists) {
    const desired = specReplicas(d);
    if (setReplicasAnnotations(rs, desired, desired + maxSurge(d))) changed = true;
  }
  return changed;
}

/** Sets the deployment's revision annotation; returns whether it changed. */
export function setDeploymentRevision(d: DeploymentObject, revision: string): boolean {
  const a = annotationsOf(d);
  if (a[REVISION_ANNOTATION] === revision) return false;
  a[REVISION_ANNOTATION] = revision;
  return true;
}

// ---- rolling update fenceposts -------------------------------------------------------------------

/** An int, or a percentage of `total` rounded up (surge) or down (unavailable). */
export function scaledValue(v: number | string | undefined, total: number, roundUp: boolean): number {
  if (v === undefined) return 0;
  if (typeof v === 'number') return v;
  const m = /^(\d+)%$/.exec(v);
  if (!m) return /^[+-]?\d+$/.test(v) ? Number(v) : 0;
  const scaled = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(scaled) : Math.floor(scaled);
}

export function isRollingUpdate(d: DeploymentObject): boolean {
  return (d.spec?.strategy?.type ?? 'RollingUpdate') === 'RollingUpdate';
}

/** [maxSurge, maxUnavailable] in pods. When both round to 0, one pod may be unavailable. */
export function resolveFenceposts(d: DeploymentObject): [number, number] {
  const ru = d.spec?.strategy?.rollingUpdate;
  const desired = specReplicas(d);
  const surge = scaledValue(ru?.maxSurge ?? 0, desired, true);
  let unavailable = scaledValue(ru?.maxUnavailable ?? 0, desired, false);
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return [surge, unavailable];
}

export function maxSurge(d: DeploymentObject): number {
  return isRollingUpdate(d) ? resolveFenceposts(d)[0] : 0;
}

export function maxUnavailable(d: DeploymentObject): number {
  const desired = specReplicas(d);
  if (!isRollingUpdate(d) || desired === 0) return 0;
  return Math.min(resolveFenceposts(d)[1], desired);
}

// ---- conditions ----------------------------------------------------------------------------------

export function newCondition(type: string, status: string, reason: string, message: string, now: Date): DeploymentCondition {
  const t = rfc3339(now);
  return { type, status, lastUpdateTime: t, lastTransitionTime: t, reason, message };
}

export function getCondition(status: DeploymentStatus | undefined, type: string): DeploymentCondition | undefined {
  return status?.conditions?.find((c) => c.type === type);
}

/**
 * Upstream's SetDeploymentCondition: a condition with the same status and reason is left alone;
 * otherwise it replaces the old one at the end of the list, keeping lastTransitionTime when only
 * the reason changed.
 */
export function setCondition(status: DeploymentStatus, condition: DeploymentCondition): void {
  const current = getCondition(status, condition.type);
  if (current && current.status === condition.status && current.reason === condition.reason) return;
  const next = { ...condition };
  if (current && current.status === condition.status) next.lastTransitionTime = current.lastTransitionTime;
  status.conditions = [...(status.conditions ?? []).filter((c) => c.type !== condition.type), next];
}

export function removeCondition(status: DeploymentStatus, type: string): void {
  const rest = (status.conditions ?? []).filter((c) => c.type !== type);
  if (rest.length) status.conditions = rest; else delete status.conditions;
}

export function hasProgressDeadline(d: DeploymentObject): boolean {
  const s = d.spec?.progressDeadlineSeconds;
  return s !== undefined && s !== null && s !== 2147483647;
}

export function hasRevisionHistoryLimit(d: DeploymentObject): boolean {
  const l = d.spec?.revisionHistoryLimit;
  return l !== undefined && l !== null && l !== 2147483647;
}

// ---- which ReplicaSet is new ---------------------------------------------------------------------

function withoutHash(t: PodTemplateSpec | undefined): PodTemplateSpec {
  const copy = structuredClone(t ?? {});
  if (copy.metadata?.labels) delete copy.metadata.labels[POD_TEMPLATE_HASH_LABEL];
  return copy;
}

/** Two templates are the same rollout when they differ at most in the pod-template-hash label. */
export function equalIgnoreHash(a: PodTemplateSpec | undefined, b: PodTemplateSpec | undefined): boolean {
  return semanticEqual(withoutHash(a), withoutHash(b));
}

/** The oldest ReplicaSet whose template is the deployment's. */
export function findNewReplicaSet(d: DeploymentObject, rss: ReplicaSetObject[]): ReplicaSetObject | undefined {
  return [...rss].sort(byCreation).find((rs) => equalIgnoreHash(rs.spec?.template, d.spec?.template));
}

/** Every ReplicaSet but the new one. */
export function findOldReplicaSets(d: DeploymentObject, rss: ReplicaSetObject[]): ReplicaSetObject[] {
  const newRS = findNewReplicaSet(d, rss);
  return rss.filter((rs) => !newRS || rs.metadata?.uid !== newRS.metadata?.uid);
}

// ---- progress --------------------------------------------------------------------------------------

/** Every replica is updated and available, and the controller has seen the latest spec. */
export function deploymentComplete(d: DeploymentObject, status: DeploymentStatus | undefined): boolean {
  const want = specReplicas(d);
  return (status?.updatedReplicas ?? 0) === want && (status?.replicas ?? 0) === want &&
    (status?.availableReplicas ?? 0) === want && (status?.observedGeneration ?? 0) >= (d.metadata?.generation ?? 0);
}

/** Something moved since the last status: more updated, ready or available pods, or fewer old ones. */
export function deploymentProgressing(d: DeploymentObject, next: DeploymentStatus): boolean {
  const old = d.status ?? {};
  const oldOld = (old.replicas ?? 0) - (old.updatedReplicas ?? 0);
  const newOld = (next.replicas ?? 0) - (next.updatedReplicas ?? 0);
  return (next.updatedReplicas ?? 0) > (old.updatedReplicas ?? 0) || newOld < oldOld ||
    (next.readyReplicas ?? 0) > (old.readyReplicas ?? 0) || (next.availableReplicas ?? 0) > (old.availableReplicas ?? 0);
}

/** No progress reported for progressDeadlineSeconds. */
export function deploymentTimedOut(d: DeploymentObject, next: DeploymentStatus, now: Date): boolean {
  if (!hasProgressDeadline(d)) return false;
  const c = getCondition(next, 'Progressing');
  if (!c) return false;
  if (c.reason === Reason.NewReplicaSetAvailable) return false;
  if (c.reason === Reason.TimedOut) return true;
  const from = c.lastUpdateTime ? new Date(c.lastUpdateTime).getTime() : 0;
  return from + (d.spec!.progressDeadlineSeconds! * 1000) < now.getTime();
}

/** The new ReplicaSet runs the full size, was sized for it, and all of it is available. */
export function isSaturated(d: DeploymentObject, rs: ReplicaSetObject | undefined): boolean {
  if (!rs) return false;
  const desired = desiredReplicasAnnotation(rs);
  if (desired === undefined) return false;
  const want = specReplicas(d);
  return specReplicas(rs) === want && desired === want && (rs.status?.availableReplicas ?? 0) === want;
}

/** How big the new ReplicaSet may be now (upstream's NewRSNewReplicas). */
export function newReplicaSetReplicas(d: DeploymentObject, allRSs: ReplicaSetObject[], newRS: ReplicaSetObject): number {
  const want = specReplicas(d);
  if (!isRollingUpdate(d)) return want;
  const surge = scaledValue(d.spec?.strategy?.rollingUpdate?.maxSurge, want, true);
  const current = replicaCount(allRSs);
  const maxTotal = want + surge;
  if (current >= maxTotal) return specReplicas(newRS);
  const scaleUp = Math.min(maxTotal - current, want - specReplicas(newRS));
  return specReplicas(newRS) + scaleUp;
}
