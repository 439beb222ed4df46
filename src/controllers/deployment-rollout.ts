// The deployment controller's decisions, as pure functions: from a Deployment, the ReplicaSets it
// owns and their pods, the next step of a sync — sync the new ReplicaSet's annotations, create
// the new ReplicaSet, or scale ReplicaSets, delete old ones and write the Deployment's status.
// The controller performs a step and asks again; nothing here does I/O or reads a clock.
// Follows upstream's sync.go, rolling.go, recreate.go and progress.go.
import type { DeploymentCondition, DeploymentStatus } from 'kubernetes-types/apps/v1';
import type { PodObject } from './pod-ranking.ts';
import { newControllerRef } from './controller-ref.ts';
import { podTemplateHash } from './pod-template-hash.ts';
import {
  type DeploymentObject, type ReplicaSetObject, POD_TEMPLATE_HASH_LABEL, REVISION_ANNOTATION, Reason,
  actualReplicaCount, availableReplicaCount, byCreation, bySizeNewer, bySizeOlder, byRevision,
  deploymentComplete, deploymentProgressing, deploymentTimedOut, desiredReplicasAnnotation, filterActive,
  findNewReplicaSet, findOldReplicaSets, getCondition, hasProgressDeadline, hasRevisionHistoryLimit,
  isRollingUpdate, isSaturated, maxReplicasAnnotation, maxRevision, maxSurge, maxUnavailable, newCondition,
  newReplicaSetReplicas, readyReplicaCount, removeCondition, replicaCount, replicasAnnotationsNeedUpdate,
  setCondition, setDeploymentRevision, setNewReplicaSetAnnotations, setReplicasAnnotations, specReplicas,
} from './deployment-util.ts';

export interface ScaleAction {
  /** The ReplicaSet to scale (by name: the controller applies actions in order to its latest copy). */
  name: string;
  replicas: number;
  /** For the event: "Scaled up/down replica set ...". */
  operation: 'up' | 'down' | '';
}

export interface SyncInput {
  /** The Deployment as the controller holds it (a copy it may have changed during this sync). */
  deployment: DeploymentObject;
  /** The ReplicaSets it controls. */
  replicaSets: ReplicaSetObject[];
  /** Pods matching its selector, by the uid of the ReplicaSet controlling them. */
  podsByReplicaSet: Map<string, PodObject[]>;
  now: Date;
}

export type SyncStep =
  /** The new ReplicaSet's annotations (or minReadySeconds) must be brought up to date first. */
  | { kind: 'updateNewReplicaSet'; replicaSet: ReplicaSetObject }
  /** The new ReplicaSet does not exist yet: create this one, then ask again. */
  | { kind: 'createNewReplicaSet'; replicaSet: ReplicaSetObject; revision: number }
  /** Scale (in order), delete old ReplicaSets, then write the Deployment (annotations + status). */
  | { kind: 'finish'; scale: ScaleAction[]; deleteReplicaSets: ReplicaSetObject[]; deployment: DeploymentObject; checkProgressAfterMs?: number };

type Mode = 'statusOnly' | 'sync' | 'rolling' | 'recreate';

export function nextSyncStep(input: SyncInput): SyncStep {
  const { now } = input;
  const d = structuredClone(input.deployment);
  const rsList = input.replicaSets;

  let mode: Mode;
  if (d.metadata?.deletionTimestamp) {
    mode = 'statusOnly';
  } else {
    applyPausedCondition(d, now);
    mode = isRollingUpdate(d) ? 'rolling' : 'recreate';
  }

  // Sync the existing new ReplicaSet's revision and annotations (getAllReplicaSetsAndSyncRevision).
  let newRS = findNewReplicaSet(d, rsList);
  const oldRSs = findOldReplicaSets(d, rsList);
  const newRevision = maxRevision(oldRSs) + 1;
  if (newRS) {
    const copy = structuredClone(newRS);
    const annotationsChanged = setNewReplicaSetAnnotations(d, copy, newRevision, true);
    const minReady = d.spec?.minReadySeconds ?? 0;
    if (annotationsChanged || (copy.spec?.minReadySeconds ?? 0) !== minReady) {
      copy.spec = { ...copy.spec!, minReadySeconds: minReady || undefined };
      return { kind: 'updateNewReplicaSet', replicaSet: copy };
    }
    setDeploymentRevision(d, copy.metadata?.annotations?.[REVISION_ANNOTATION] ?? '');
    if (hasProgressDeadline(d) && !getCondition(d.status, 'Progressing')) {
      setCondition((d.status ??= {}), newCondition('Progressing', 'True', Reason.FoundNewReplicaSet,
        `Found new replica set "${copy.metadata?.name}"`, now));
    }
    newRS = copy;
  }

  if (mode !== 'statusOnly' && (d.spec?.paused || isScalingEvent(d, newRS, oldRSs))) mode = 'sync';

  const allRSs = [...oldRSs, ...(newRS ? [newRS] : [])];
  const finish = (scale: ScaleAction[], deleteReplicaSets: ReplicaSetObject[], withProgress: boolean): SyncStep => {
    const status = withProgress ? rolloutStatus(d, allRSs, newRS, now) : { status: calculateStatus(allRSs, newRS, d, now) };
    // As upstream, a pending progress deadline is only scheduled when the status stays as it is
    // (a status write brings the deployment back anyway).
    const unchanged = sameStatus(d.status, status.status);
    d.status = status.status;
    return {
      kind: 'finish', scale, deleteReplicaSets, deployment: d,
      ...(unchanged && status.checkProgressAfterMs !== undefined ? { checkProgressAfterMs: status.checkProgressAfterMs } : {}),
    };
  };

  switch (mode) {
    case 'statusOnly':
      return finish([], [], false);
    case 'sync':
      return finish(planScale(d, newRS, oldRSs), d.spec?.paused ? planCleanup(d, oldRSs) : [], false);
    case 'rolling': {
      if (!newRS) return createStep(d, oldRSs);
      const scale = planRollingUpdate(d, newRS, oldRSs);
      const cleanup = scale.length === 0 && deploymentComplete(d, d.status) ? planCleanup(d, oldRSs) : [];
      return finish(scale, cleanup, true);
    }
    case 'recreate': {
      const scaleDown = filterActive(oldRSs).map((rs): ScaleAction => ({ name: rs.metadata!.name!, replicas: 0, operation: 'down' }));
      if (scaleDown.length) return finish(scaleDown, [], true);
      if (oldPodsRunning(newRS, oldRSs, input.podsByReplicaSet)) return finish([], [], true);
      if (!newRS) return createStep(d, oldRSs);
      const want = specReplicas(d);
      const scaleUp: ScaleAction[] = specReplicas(newRS) === want ? [] : [{
        name: newRS.metadata!.name!, replicas: want, operation: specReplicas(newRS) < want ? 'up' : 'down',
      }];
      return finish(scaleUp, deploymentComplete(d, d.status) ? planCleanup(d, oldRSs) : [], true);
    }
  }
}

function createStep(d: DeploymentObject, oldRSs: ReplicaSetObject[]): SyncStep {
  const revision = maxRevision(oldRSs) + 1;
  return { kind: 'createNewReplicaSet', replicaSet: buildNewReplicaSet(d, oldRSs, revision), revision };
}

/**
 * The new ReplicaSet for the deployment's current template: named `<deployment>-<hash>`, the
 * hash added to its labels, selector and pod template, sized as far as the strategy allows.
 */
export function buildNewReplicaSet(d: DeploymentObject, oldRSs: ReplicaSetObject[], revision: number): ReplicaSetObject {
  const hash = podTemplateHash(d.spec?.template, d.status?.collisionCount);
  const template = structuredClone(d.spec?.template ?? {});
  const labels = { ...(d.spec?.template?.metadata?.labels ?? {}), [POD_TEMPLATE_HASH_LABEL]: hash };
  template.metadata = { ...(template.metadata ?? {}), labels };
  const selector = structuredClone(d.spec?.selector ?? {});
  selector.matchLabels = { ...(selector.matchLabels ?? {}), [POD_TEMPLATE_HASH_LABEL]: hash };
  const rs: ReplicaSetObject = {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name: `${d.metadata?.name}-${hash}`,
      namespace: d.metadata?.namespace,
      ownerReferences: [newControllerRef(d, 'apps/v1', 'Deployment')],
      labels: { ...labels },
    },
    spec: {
      replicas: 0,
      ...(d.spec?.minReadySeconds ? { minReadySeconds: d.spec.minReadySeconds } : {}),
      selector,
      template,
    },
  };
  rs.spec!.replicas = newReplicaSetReplicas(d, [...oldRSs, rs], rs);
  setNewReplicaSetAnnotations(d, rs, revision, false);
  return rs;
}

/** What a successful creation of the new ReplicaSet changes on the deployment. */
export function recordNewReplicaSet(d: DeploymentObject, rs: ReplicaSetObject, revision: number, now: Date): void {
  setDeploymentRevision(d, String(revision));
  if (hasProgressDeadline(d)) {
    setCondition((d.status ??= {}), newCondition('Progressing', 'True', Reason.NewReplicaSetCreated,
      `Created new replica set "${rs.metadata?.name}"`, now));
  }
}

/** What a failed creation of the new ReplicaSet changes on the deployment; returns the event message. */
export function recordNewReplicaSetFailure(d: DeploymentObject, rsName: string, error: string, now: Date): string {
  const msg = `Failed to create new replica set "${rsName}": ${error}`;
  if (hasProgressDeadline(d)) setCondition((d.status ??= {}), newCondition('Progressing', 'False', Reason.FailedRSCreate, msg, now));
  return msg;
}

/** An existing ReplicaSet with the new one's name is ours when we control it and it runs our template. */
export function isOwnNewReplicaSet(d: DeploymentObject, rs: ReplicaSetObject): boolean {
  const ref = rs.metadata?.ownerReferences?.find((r) => r.controller);
  return !!ref && ref.uid === d.metadata?.uid && findNewReplicaSet(d, [rs]) !== undefined;
}

/**
 * The ReplicaSet `rs` after scaling it to `replicas` for the deployment (replica annotations
 * refreshed), or undefined when it already is so.
 */
export function scaledReplicaSet(rs: ReplicaSetObject, replicas: number, d: DeploymentObject): ReplicaSetObject | undefined {
  const desired = specReplicas(d);
  const max = desired + maxSurge(d);
  if (specReplicas(rs) === replicas && !replicasAnnotationsNeedUpdate(rs, desired, max)) return undefined;
  const copy = structuredClone(rs);
  copy.spec = { ...copy.spec!, replicas };
  setReplicasAnnotations(copy, desired, max);
  return copy;
}

// ---- pause -------------------------------------------------------------------------------------

/** Progressing turns Unknown with DeploymentPaused / DeploymentResumed when the deployment is (un)paused. */
function applyPausedCondition(d: DeploymentObject, now: Date): void {
  if (!hasProgressDeadline(d)) return;
  const cond = getCondition(d.status, 'Progressing');
  if (cond?.reason === Reason.TimedOut) return; // a reported lack of progress stays
  const pausedCondExists = cond?.reason === Reason.Paused;
  if (d.spec?.paused && !pausedCondExists) {
    setCondition((d.status ??= {}), newCondition('Progressing', 'Unknown', Reason.Paused, 'Deployment is paused', now));
  } else if (!d.spec?.paused && pausedCondExists) {
    setCondition((d.status ??= {}), newCondition('Progressing', 'Unknown', Reason.Resumed, 'Deployment is resumed', now));
  }
}

// ---- scaling (sync.go) -------------------------------------------------------------------------

/** Some active ReplicaSet was sized for a different deployment size: the user scaled the deployment. */
export function isScalingEvent(d: DeploymentObject, newRS: ReplicaSetObject | undefined, oldRSs: ReplicaSetObject[]): boolean {
  const want = specReplicas(d);
  return filterActive([...oldRSs, newRS]).some((rs) => {
    const desired = desiredReplicasAnnotation(rs);
    return desired !== undefined && desired !== want;
  });
}

/** The only active ReplicaSet, or the newest when none is active; undefined when several are active. */
function activeOrLatest(newRS: ReplicaSetObject | undefined, oldRSs: ReplicaSetObject[]): ReplicaSetObject | undefined {
  if (!newRS && oldRSs.length === 0) return undefined;
  const newestFirst = [...oldRSs].sort((a, b) => byCreation(b, a));
  const active = filterActive([...newestFirst, newRS]);
  if (active.length === 0) return newRS ?? newestFirst[0];
  return active.length === 1 ? active[0] : undefined;
}

/**
 * Upstream's scale(): resize for a changed deployment size. One active ReplicaSet takes the whole
 * size; a saturated new one lets the old ones go to zero; otherwise, in a rolling update, the
 * change is shared out in proportion to each ReplicaSet's size, leftovers to the largest.
 */
export function planScale(d: DeploymentObject, newRS: ReplicaSetObject | undefined, oldRSs: ReplicaSetObject[]): ScaleAction[] {
  const want = specReplicas(d);
  const only = activeOrLatest(newRS, oldRSs);
  if (only) {
    const have = specReplicas(only);
    return have === want ? [] : [{ name: only.metadata!.name!, replicas: want, operation: have < want ? 'up' : 'down' }];
  }
  if (isSaturated(d, newRS)) {
    return filterActive(oldRSs).map((rs) => ({ name: rs.metadata!.name!, replicas: 0, operation: 'down' as const }));
  }
  if (!isRollingUpdate(d)) return [];

  const active = filterActive([...oldRSs, newRS]);
  const allowed = want > 0 ? want + maxSurge(d) : 0;
  const toAdd = allowed - replicaCount(active);
  let operation: ScaleAction['operation'] = '';
  if (toAdd > 0) { active.sort(bySizeNewer); operation = 'up'; }
  if (toAdd < 0) { active.sort(bySizeOlder); operation = 'down'; }

  let added = 0;
  const sizes = active.map((rs) => {
    if (toAdd === 0) return specReplicas(rs);
    const p = proportion(rs, d, toAdd, added);
    added += p;
    return specReplicas(rs) + p;
  });
  if (active.length && toAdd !== 0) sizes[0] = Math.max(0, sizes[0] + toAdd - added);
  return active.map((rs, i) => ({ name: rs.metadata!.name!, replicas: sizes[i], operation }));
}

/** Go's math.Round: halves away from zero. */
function roundHalfAway(x: number): number {
  return x < 0 ? -Math.round(-x) : Math.round(x);
}

/** How many replicas `rs` gains (or loses) of the `toAdd` being shared out, `added` already handed out. */
function proportion(rs: ReplicaSetObject, d: DeploymentObject, toAdd: number, added: number): number {
  if (specReplicas(rs) === 0 || toAdd === 0 || toAdd === added) return 0;
  const fraction = replicaSetFraction(rs, d);
  const allowed = toAdd - added;
  return toAdd > 0 ? Math.min(fraction, allowed) : Math.max(fraction, allowed);
}

function replicaSetFraction(rs: ReplicaSetObject, d: DeploymentObject): number {
  const want = specReplicas(d);
  if (want === 0) return -specReplicas(rs);
  const maxNow = want + maxSurge(d);
  let maxBefore = maxReplicasAnnotation(rs);
  // Without a record of the size it was scaled for (someone scaled it by hand), use the deployment's.
  if (!maxBefore) maxBefore = d.status?.replicas ?? 0;
  if (!maxBefore) return 0;
  return roundHalfAway((specReplicas(rs) * maxNow) / maxBefore) - specReplicas(rs);
}

/** Upstream's cleanupDeployment: old, empty ReplicaSets beyond revisionHistoryLimit, oldest revisions first. */
export function planCleanup(d: DeploymentObject, oldRSs: ReplicaSetObject[]): ReplicaSetObject[] {
  if (!hasRevisionHistoryLimit(d)) return [];
  const cleanable = oldRSs.filter((rs) => !rs.metadata?.deletionTimestamp);
  const diff = cleanable.length - d.spec!.revisionHistoryLimit!;
  if (diff <= 0) return [];
  return [...cleanable].sort(byRevision).slice(0, diff).filter((rs) =>
    (rs.status?.replicas ?? 0) === 0 && specReplicas(rs) === 0 &&
    (rs.metadata?.generation ?? 0) <= (rs.status?.observedGeneration ?? 0));
}

// ---- rolling update (rolling.go) ----------------------------------------------------------------

/**
 * One step of a rolling update: scale the new ReplicaSet up as far as maxSurge allows; when it
 * cannot grow, scale old ones down as far as maxUnavailable allows (unhealthy replicas first).
 */
export function planRollingUpdate(d: DeploymentObject, newRS: ReplicaSetObject, oldRSs: ReplicaSetObject[]): ScaleAction[] {
  const want = specReplicas(d);
  const have = specReplicas(newRS);
  const name = newRS.metadata!.name!;
  if (have > want) return [{ name, replicas: want, operation: 'down' }];
  if (have < want) {
    const target = newReplicaSetReplicas(d, [...oldRSs, newRS], newRS);
    if (target !== have) return [{ name, replicas: target, operation: target > have ? 'up' : 'down' }];
  }
  return planOldScaleDown(d, newRS, oldRSs);
}

/** Upstream's reconcileOldReplicaSets, on copies so later decisions see earlier ones. */
function planOldScaleDown(d: DeploymentObject, newRS: ReplicaSetObject, oldRSs: ReplicaSetObject[]): ScaleAction[] {
  const old = filterActive(oldRSs).map((rs) => structuredClone(rs)).sort(byCreation);
  if (replicaCount(old) === 0) return [];
  const allPods = replicaCount([...oldRSs, newRS]);
  const minAvailable = specReplicas(d) - maxUnavailable(d);
  const newUnavailable = specReplicas(newRS) - (newRS.status?.availableReplicas ?? 0);
  const maxScaledDown = allPods - minAvailable - newUnavailable;
  if (maxScaledDown <= 0) return [];

  const actions: ScaleAction[] = [];
  const scaleTo = (rs: ReplicaSetObject, replicas: number) => {
    actions.push({ name: rs.metadata!.name!, replicas, operation: 'down' });
    rs.spec = { ...rs.spec!, replicas };
  };

  // Unhealthy replicas first: removing them cannot make availability worse.
  let cleaned = 0;
  for (const rs of old) {
    if (cleaned >= maxScaledDown) break;
    const replicas = specReplicas(rs);
    const available = rs.status?.availableReplicas ?? 0;
    if (replicas === 0 || replicas <= available) continue;
    const n = Math.min(maxScaledDown - cleaned, replicas - available);
    scaleTo(rs, replicas - n);
    cleaned += n;
  }

  // Then healthy ones, while enough stay available. A ReplicaSet never counts as more available
  // than it is asked to be: its status may not yet show a scale-down already decided.
  const availableOf = (rs: ReplicaSetObject) => Math.min(rs.status?.availableReplicas ?? 0, specReplicas(rs));
  const available = [...old, newRS].reduce((n, rs) => n + availableOf(rs), 0);
  if (available <= minAvailable) return actions;
  const total = available - minAvailable;
  let scaled = 0;
  for (const rs of old) {
    if (scaled >= total) break;
    const replicas = specReplicas(rs);
    if (replicas === 0) continue;
    const n = Math.min(replicas, total - scaled);
    scaleTo(rs, replicas - n);
    scaled += n;
  }
  return actions;
}

// ---- recreate (recreate.go) ---------------------------------------------------------------------

/** Any pod of an old ReplicaSet that has not finished (including ones still terminating). */
export function oldPodsRunning(newRS: ReplicaSetObject | undefined, oldRSs: ReplicaSetObject[], podsByReplicaSet: Map<string, PodObject[]>): boolean {
  if (actualReplicaCount(oldRSs) > 0) return true;
  for (const [uid, pods] of podsByReplicaSet) {
    if (newRS && newRS.metadata?.uid === uid) continue;
    if (pods.some((p) => p.status?.phase !== 'Failed' && p.status?.phase !== 'Succeeded')) return true;
  }
  return false;
}

// ---- status (sync.go, progress.go) --------------------------------------------------------------

/** Replica counts and the Available condition. */
export function calculateStatus(allRSs: ReplicaSetObject[], newRS: ReplicaSetObject | undefined, d: DeploymentObject, now: Date): DeploymentStatus {
  const available = availableReplicaCount(allRSs);
  const status: DeploymentStatus = {
    observedGeneration: d.metadata?.generation,
    replicas: actualReplicaCount(allRSs),
    updatedReplicas: actualReplicaCount(newRS ? [newRS] : []),
    readyReplicas: readyReplicaCount(allRSs),
    availableReplicas: available,
    unavailableReplicas: Math.max(0, replicaCount(allRSs) - available),
    ...(d.status?.collisionCount !== undefined ? { collisionCount: d.status.collisionCount } : {}),
    ...(d.status?.conditions?.length ? { conditions: d.status.conditions.map((c) => ({ ...c })) } : {}),
  };
  if (available >= specReplicas(d) - maxUnavailable(d)) {
    setCondition(status, newCondition('Available', 'True', Reason.MinimumReplicasAvailable, 'Deployment has minimum availability.', now));
  } else {
    setCondition(status, newCondition('Available', 'False', Reason.MinimumReplicasUnavailable, 'Deployment does not have minimum availability.', now));
  }
  return status;
}

/**
 * Upstream's syncRolloutStatus: the counts, Available, and Progressing — progressed, progressing
 * (lastUpdateTime moves on with each sign of progress) or timed out — plus the ReplicaSets'
 * ReplicaFailure. When nothing changes and a deadline is pending, says when to look again.
 */
export function rolloutStatus(d: DeploymentObject, allRSs: ReplicaSetObject[], newRS: ReplicaSetObject | undefined, now: Date): { status: DeploymentStatus; checkProgressAfterMs?: number } {
  const status = calculateStatus(allRSs, newRS, d, now);
  if (!hasProgressDeadline(d)) removeCondition(status, 'Progressing');
  const current = getCondition(d.status, 'Progressing');
  const complete = status.replicas === status.updatedReplicas && current?.reason === Reason.NewReplicaSetAvailable;
  if (hasProgressDeadline(d) && !complete) {
    const rsName = newRS?.metadata?.name;
    if (deploymentComplete(d, status)) {
      const msg = rsName ? `ReplicaSet "${rsName}" has successfully progressed.` : `Deployment "${d.metadata?.name}" has successfully progressed.`;
      setCondition(status, newCondition('Progressing', 'True', Reason.NewReplicaSetAvailable, msg, now));
    } else if (deploymentProgressing(d, status)) {
      const msg = rsName ? `ReplicaSet "${rsName}" is progressing.` : `Deployment "${d.metadata?.name}" is progressing.`;
      const cond = newCondition('Progressing', 'True', Reason.ReplicaSetUpdated, msg, now);
      // Progress refreshes lastUpdateTime even when the reason stays; the transition time stays while True.
      if (current) {
        if (current.status === 'True') cond.lastTransitionTime = current.lastTransitionTime;
        removeCondition(status, 'Progressing');
      }
      setCondition(status, cond);
    } else if (deploymentTimedOut(d, status, now)) {
      const msg = rsName ? `ReplicaSet "${rsName}" has timed out progressing.` : `Deployment "${d.metadata?.name}" has timed out progressing.`;
      setCondition(status, newCondition('Progressing', 'False', Reason.TimedOut, msg, now));
    }
  }

  const failure = replicaFailure(allRSs, newRS);
  if (failure) setCondition(status, failure); else removeCondition(status, 'ReplicaFailure');

  return { status, checkProgressAfterMs: progressCheckDelay(d, status, now) };
}

/** The new ReplicaSet's ReplicaFailure condition, else any old one's, as a deployment condition. */
function replicaFailure(allRSs: ReplicaSetObject[], newRS: ReplicaSetObject | undefined): DeploymentCondition | undefined {
  for (const rs of [...(newRS ? [newRS] : []), ...allRSs]) {
    const c = rs.status?.conditions?.find((x) => x.type === 'ReplicaFailure');
    if (c) {
      return { type: c.type, status: c.status, lastTransitionTime: c.lastTransitionTime, lastUpdateTime: c.lastTransitionTime, reason: c.reason, message: c.message };
    }
  }
  return undefined;
}

/** Upstream's requeueStuckDeployment: when the progress deadline would pass, if nothing else happens first. */
function progressCheckDelay(d: DeploymentObject, status: DeploymentStatus, now: Date): number | undefined {
  const current = getCondition(d.status, 'Progressing');
  if (!hasProgressDeadline(d) || !current) return undefined;
  if (deploymentComplete(d, status) || current.reason === Reason.TimedOut) return undefined;
  const lastUpdate = current.lastUpdateTime ? new Date(current.lastUpdateTime).getTime() : 0;
  const after = lastUpdate + d.spec!.progressDeadlineSeconds! * 1000 - now.getTime();
  // Upstream adds a second against clock skew, and looks again right away when less than a second is left.
  return after < 1000 ? Math.max(after, 0) + 10 : after + 1000;
}

/** A DeploymentStatus as Go would serialise it (zero counts omitted), for comparison and writing. */
export function normalizeStatus(s: DeploymentStatus | undefined): DeploymentStatus {
  const out: DeploymentStatus = {};
  for (const k of ['observedGeneration', 'replicas', 'updatedReplicas', 'readyReplicas', 'availableReplicas', 'unavailableReplicas'] as const) {
    if (s?.[k]) out[k] = s[k];
  }
  if (s?.conditions?.length) out.conditions = s.conditions;
  if (s?.collisionCount !== undefined && s.collisionCount !== null) out.collisionCount = s.collisionCount;
  return out;
}

export function sameStatus(a: DeploymentStatus | undefined, b: DeploymentStatus | undefined): boolean {
  return JSON.stringify(canonical(normalizeStatus(a))) === JSON.stringify(canonical(normalizeStatus(b)));
}

function canonical(s: DeploymentStatus): unknown {
  return {
    ...s,
    conditions: s.conditions?.map((c) => ({
      type: c.type, status: c.status, lastUpdateTime: c.lastUpdateTime, lastTransitionTime: c.lastTransitionTime, reason: c.reason, message: c.message,
    })),
  };
}
