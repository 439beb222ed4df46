// What a simulated kubelet does with a pod, as pure functions of the pod and the clock: the next
// step (start it, complete it, stop it, remove it, or look again later) and the status a real
// kubelet would post at each step. The I/O lives in simulated-nodes.ts.
import { createHash } from 'node:crypto';
import type { Container, ContainerStatus, Pod, PodCondition, PodStatus } from 'kubernetes-types/core/v1';
import { rfc3339 } from '../machinery/meta.ts';

/** Pods with restartPolicy Never/OnFailure finish this long after they start running (a Go duration). */
export const COMPLETION_ANNOTATION = 'skiff.io/simulate-completion-after';
/** Pods owned by a Job finish on their own after this long, as kwok's default stages do. */
export const JOB_POD_COMPLETION_MS = 1000;

export type PodAction =
  | { type: 'none' }
  | { type: 'wait'; ms: number }
  /** Pending → Running: post the running status. */
  | { type: 'start' }
  /** Running → Succeeded: the containers exited 0. */
  | { type: 'complete' }
  /** Being deleted while running: stop the containers, post the final status, then remove. */
  | { type: 'terminate' }
  /** Being deleted and nothing runs: the final grace-0 delete. */
  | { type: 'remove' };

export interface PodClock {
  now: number;
  /** When this kubelet first saw the pod bound to its node. */
  seenAt: number;
  /** When this kubelet started the pod's containers, if it did (else read from the status). */
  runningSince?: number;
  readyDelayMs: number;
}

export function nextPodAction(pod: Pod, t: PodClock): PodAction {
  const phase = pod.status?.phase ?? 'Pending';
  if (pod.metadata?.deletionTimestamp) return phase === 'Running' ? { type: 'terminate' } : { type: 'remove' };
  if (phase === 'Pending') {
    const due = t.seenAt + t.readyDelayMs;
    return t.now >= due ? { type: 'start' } : { type: 'wait', ms: due - t.now };
  }
  if (phase === 'Running') {
    const after = completionAfterMs(pod);
    if (after === undefined) return { type: 'none' };
    const due = (t.runningSince ?? runningSinceFromStatus(pod) ?? t.now) + after;
    return t.now >= due ? { type: 'complete' } : { type: 'wait', ms: due - t.now };
  }
  return { type: 'none' };
}

/** How long after starting the pod finishes by itself, or undefined when it runs until deleted. */
export function completionAfterMs(pod: Pod): number | undefined {
  const policy = pod.spec?.restartPolicy ?? 'Always';
  if (policy === 'Always') return undefined; // it would only be restarted
  const annotation = pod.metadata?.annotations?.[COMPLETION_ANNOTATION];
  if (annotation !== undefined) {
    const ms = parseGoDuration(annotation);
    if (ms !== undefined && ms >= 0) return ms;
  }
  const ownedByJob = (pod.metadata?.ownerReferences ?? []).some((o) => o.kind === 'Job' && o.apiVersion.startsWith('batch/'));
  return ownedByJob ? JOB_POD_COMPLETION_MS : undefined;
}

const DURATION_UNITS_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, 'μs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Go's time.ParseDuration ("1.5s", "2m30s", "300ms"), in milliseconds; undefined when malformed. */
export function parseGoDuration(s: string): number | undefined {
  const m = /^([-+]?)((?:(?:\d+\.?\d*|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+|0)$/.exec(s.trim());
  if (!m) return undefined;
  let total = 0;
  for (const part of m[2].matchAll(/(\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g)) total += Number(part[1]) * DURATION_UNITS_MS[part[2]];
  return m[1] === '-' ? -total : total;
}

function runningSinceFromStatus(pod: Pod): number | undefined {
  const started = pod.status?.containerStatuses?.find((c) => c.state?.running?.startedAt)?.state?.running?.startedAt ?? pod.status?.startTime;
  const t = started ? Date.parse(started) : NaN;
  return Number.isNaN(t) ? undefined : t;
}

// ---- statuses ----------------------------------------------------------------------------

export interface RunningStatusInput {
  now: Date;
  podIP?: string;
  hostIP: string;
}

/** The status a kubelet posts once every container runs and is ready. */
export function runningStatus(pod: Pod, input: RunningStatusInput): PodStatus {
  const at = rfc3339(input.now);
  const old = pod.status ?? {};
  const startTime = old.startTime ?? at;
  const initStatuses = (pod.spec?.initContainers ?? []).map((c): ContainerStatus => (
    c.restartPolicy === 'Always'
      ? running(pod, c, startTime)
      : { ...base(pod, c), ready: true, started: false, state: { terminated: { exitCode: 0, reason: 'Completed', startedAt: startTime, finishedAt: startTime, containerID: containerId(pod, c) } } }
  ));
  const gates = unmetReadinessGates(pod);
  const status: PodStatus = {
    ...old,
    phase: 'Running',
    conditions: mergeConditions(old.conditions, at, [
      { type: 'PodReadyToStartContainers', status: 'True' },
      { type: 'Initialized', status: 'True' },
      gates.length
        ? { type: 'Ready', status: 'False', reason: 'ReadinessGatesNotReady', message: `corresponding condition of pod readiness gate "${gates[0]}" does not exist.` }
        : { type: 'Ready', status: 'True' },
      { type: 'ContainersReady', status: 'True' },
      { type: 'PodScheduled', status: 'True' },
    ]),
    hostIP: input.hostIP,
    hostIPs: [{ ip: input.hostIP }],
    startTime,
    containerStatuses: sortedByName((pod.spec?.containers ?? []).map((c) => running(pod, c, at))),
  };
  if (input.podIP) {
    status.podIP = input.podIP;
    status.podIPs = [{ ip: input.podIP }];
  }
  if (initStatuses.length) status.initContainerStatuses = initStatuses;
  else delete status.initContainerStatuses;
  return status;
}

/** The status once every container has exited 0: Succeeded, nothing ready any more. */
export function completedStatus(pod: Pod, now: Date): PodStatus {
  const at = rfc3339(now);
  const old = pod.status ?? {};
  const finish = (statuses: ContainerStatus[] | undefined, containers: Container[] | undefined) =>
    (statuses ?? (containers ?? []).map((c): ContainerStatus => ({ ...base(pod, c), ready: false, state: {} }))).map((cs): ContainerStatus => {
      if (cs.state?.terminated) return { ...cs, ready: false, started: false };
      const startedAt = cs.state?.running?.startedAt ?? old.startTime ?? at;
      return {
        ...cs, ready: false, started: false,
        state: { terminated: { exitCode: 0, reason: 'Completed', startedAt, finishedAt: at, containerID: cs.containerID ?? containerId(pod, { name: cs.name }) } },
      };
    });
  const status: PodStatus = {
    ...old,
    phase: 'Succeeded',
    conditions: mergeConditions(old.conditions, at, [
      { type: 'PodReadyToStartContainers', status: 'False' },
      { type: 'Initialized', status: 'True', reason: 'PodCompleted' },
      { type: 'Ready', status: 'False', reason: 'PodCompleted' },
      { type: 'ContainersReady', status: 'False', reason: 'PodCompleted' },
      { type: 'PodScheduled', status: 'True' },
    ]),
    containerStatuses: sortedByName(finish(old.containerStatuses, pod.spec?.containers)),
  };
  if (old.initContainerStatuses) status.initContainerStatuses = finish(old.initContainerStatuses, pod.spec?.initContainers);
  return status;
}

function base(pod: Pod, c: Container): ContainerStatus {
  return { name: c.name, image: c.image ?? '', imageID: '', containerID: containerId(pod, c), restartCount: 0, ready: false, lastState: {} };
}

function running(pod: Pod, c: Container, startedAt: string): ContainerStatus {
  return { ...base(pod, c), ready: true, started: true, state: { running: { startedAt } } };
}

/** A stable container ID per pod and container, shaped like containerd's. */
function containerId(pod: Pod, c: { name: string }): string {
  return `containerd://${createHash('sha256').update(`${pod.metadata?.uid}/${c.name}`).digest('hex')}`;
}

/** The kubelet lists containers' statuses sorted by name. */
function sortedByName(statuses: ContainerStatus[]): ContainerStatus[] {
  return statuses.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function unmetReadinessGates(pod: Pod): string[] {
  const conditions = pod.status?.conditions ?? [];
  return (pod.spec?.readinessGates ?? [])
    .map((g) => g.conditionType)
    .filter((type) => !conditions.some((c) => c.type === type && c.status === 'True'));
}

type ConditionUpdate = Pick<PodCondition, 'type' | 'status' | 'reason' | 'message'>;

/**
 * The kubelet's conditions in its order, keeping each one's lastTransitionTime while its status
 * holds, and leaving conditions it does not own (readiness gates, DisruptionTarget) as they were.
 */
function mergeConditions(old: PodCondition[] | undefined, at: string, updates: ConditionUpdate[]): PodCondition[] {
  const owned = new Set(updates.map((u) => u.type));
  const out: PodCondition[] = updates.map((u) => {
    const prev = old?.find((c) => c.type === u.type);
    if (u.type === 'PodScheduled' && prev?.status === 'True') return prev; // the scheduler's
    const c: PodCondition = { type: u.type, status: u.status, lastProbeTime: null as unknown as string, lastTransitionTime: prev && prev.status === u.status ? prev.lastTransitionTime : at };
    if (u.reason) c.reason = u.reason;
    if (u.message) c.message = u.message;
    return c;
  });
  for (const c of old ?? []) if (!owned.has(c.type)) out.push(c);
  return out;
}
