// The status the kubelet reports for a pod, computed from its spec and what the runtime holds, as
// upstream's generateAPIPodStatus: container statuses (waiting/running/terminated, lastState,
// restartCount, ready, started), phase, conditions, IPs, QoS class. Pure.
import type { Container, ContainerState, ContainerStatus, Pod, PodCondition, PodStatus } from 'kubernetes-types/core/v1';
import { rfc3339 } from '../../../machinery/meta.ts';
import { qosClass } from './qos.ts';
import type { ContainerRecord, PodRuntime } from './runtime-state.ts';

export interface Waiting { reason: string; message?: string }

export interface StatusInput {
  pod: Pod;
  runtime: PodRuntime;
  now: number;
  hostIP: string;
  /** Why a container that is not running waits (ErrImagePull, CrashLoopBackOff, ...), by name. */
  waiting: Map<string, Waiting>;
  /** Termination messages of exited containers, by container ID. */
  messages: Map<string, string>;
  ready(containerId: string): boolean;
  started(containerId: string): boolean;
  /** The pod is being torn down or finished for good (its containers will not run again). */
  terminal?: boolean;
}

const time = (ms: number) => rfc3339(new Date(ms));

export function isSidecar(c: Container): boolean {
  return c.restartPolicy === 'Always';
}

function terminated(r: ContainerRecord, messages: Map<string, string>): ContainerState {
  const reason = r.reason || (r.exitCode === 0 ? 'Completed' : 'Error');
  const t: NonNullable<ContainerState['terminated']> = { exitCode: r.exitCode, reason };
  const message = messages.get(r.id) || r.message;
  if (message) t.message = message;
  if (r.startedAt) t.startedAt = time(r.startedAt);
  if (r.finishedAt) t.finishedAt = time(r.finishedAt);
  t.containerID = `containerd://${r.id}`;
  return { terminated: t };
}

/** What each volume mount looks like in the status (RecursiveReadOnlyMounts, on by default since 1.31). */
function volumeMountStatuses(c: Container): ContainerStatus['volumeMounts'] {
  if (!c.volumeMounts?.length) return undefined;
  return c.volumeMounts.map((m) => (m.readOnly
    ? { name: m.name, mountPath: m.mountPath, readOnly: true, recursiveReadOnly: m.recursiveReadOnly === 'Enabled' ? 'Enabled' : 'Disabled' }
    : { name: m.name, mountPath: m.mountPath }));
}

export function containerStatus(c: Container, i: StatusInput, defaultWaiting: string): ContainerStatus {
  const s = containerState(c, i, defaultWaiting);
  const mounts = volumeMountStatuses(c);
  if (mounts) s.volumeMounts = mounts;
  return s;
}

function containerState(c: Container, i: StatusInput, defaultWaiting: string): ContainerStatus {
  const records = i.runtime.containers.filter((r) => r.name === c.name);
  const [latest, previous] = records;
  const override = i.waiting.get(c.name);
  const image = c.image ?? '';
  if (!latest) {
    const w = override ?? { reason: defaultWaiting };
    return {
      name: c.name, image, imageID: '', ready: false, restartCount: 0, started: false,
      state: { waiting: w.message ? { reason: w.reason, message: w.message } : { reason: w.reason } }, lastState: {},
    };
  }
  const s: ContainerStatus = {
    name: c.name,
    image: latest.image && !latest.image.startsWith('sha256:') ? latest.image : image,
    imageID: latest.imageRef,
    containerID: `containerd://${latest.id}`,
    ready: false,
    restartCount: latest.restartCount,
    started: false,
    state: {},
    lastState: previous && previous.state === 'CONTAINER_EXITED' ? terminated(previous, i.messages) : {},
  };
  if (latest.state === 'CONTAINER_RUNNING') {
    s.state = { running: { startedAt: time(latest.startedAt) } };
    s.ready = i.ready(latest.id);
    s.started = i.started(latest.id);
  } else if (latest.state === 'CONTAINER_EXITED' || latest.state === 'CONTAINER_UNKNOWN') {
    if (override && !i.terminal) {
      // Waiting to be started again: the exit just seen is the last state.
      s.state = { waiting: override.message ? { reason: override.reason, message: override.message } : { reason: override.reason } };
      s.lastState = terminated(latest, i.messages);
    } else {
      s.state = terminated(latest, i.messages);
    }
  } else {
    const w = override ?? { reason: 'ContainerCreating' };
    s.state = { waiting: w.message ? { reason: w.reason, message: w.message } : { reason: w.reason } };
  }
  return s;
}

interface Counts { pendingInit: number; failedInit: number; running: number; waiting: number; stopped: number; succeeded: number }

function exitedOk(s: ContainerStatus): boolean | undefined {
  const t = s.state?.terminated ?? (s.state?.waiting ? s.lastState?.terminated : undefined);
  return t ? t.exitCode === 0 : undefined;
}

/** upstream's getPhase. */
export function podPhase(pod: Pod, inits: ContainerStatus[], apps: ContainerStatus[], terminal: boolean): PodStatus['phase'] {
  const policy = pod.spec?.restartPolicy ?? 'Always';
  const n: Counts = { pendingInit: 0, failedInit: 0, running: 0, waiting: 0, stopped: 0, succeeded: 0 };
  (pod.spec?.initContainers ?? []).forEach((c, idx) => {
    const s = inits[idx];
    if (isSidecar(c)) {
      if (!(s?.state?.running && s.started)) n.pendingInit++;
      return;
    }
    if (!s || s.state?.running) { n.pendingInit++; return; }
    const ok = exitedOk(s);
    if (ok === true) return;
    if (ok === false && policy === 'Never') n.failedInit++;
    else n.pendingInit++;
  });
  for (const s of apps) {
    if (s.state?.running) n.running++;
    else if (s.state?.terminated) {
      n.stopped++;
      if (s.state.terminated.exitCode === 0) n.succeeded++;
    } else if (s.state?.waiting) {
      if (s.lastState?.terminated) {
        n.stopped++;
        if (s.lastState.terminated.exitCode === 0) n.succeeded++;
      } else n.waiting++;
    }
  }
  if (n.failedInit > 0 && policy === 'Never') return 'Failed';
  if (n.pendingInit > 0 && n.running === 0 && n.stopped === 0) return 'Pending';
  if (n.waiting > 0) return 'Pending';
  if (n.running > 0) return 'Running';
  if (n.stopped > 0) {
    if (terminal && policy === 'Always') return n.stopped === n.succeeded ? 'Succeeded' : 'Failed';
    if (policy === 'Always') return 'Running';
    if (n.stopped === n.succeeded) return 'Succeeded';
    if (policy === 'Never') return 'Failed';
    return 'Running';
  }
  return 'Pending';
}

function brackets(names: string[]): string {
  return `[${names.join(' ')}]`;
}

type ConditionUpdate = Pick<PodCondition, 'type' | 'status' | 'reason' | 'message'>;

export function podStatus(i: StatusInput): PodStatus {
  const { pod } = i;
  const old = pod.status ?? {};
  const initSpecs = pod.spec?.initContainers ?? [];
  const appSpecs = pod.spec?.containers ?? [];
  const defaultWaiting = initSpecs.length ? 'PodInitializing' : 'ContainerCreating';
  const inits = initSpecs.map((c) => containerStatus(c, i, defaultWaiting));
  const apps = appSpecs.map((c) => containerStatus(c, i, defaultWaiting));
  const phase = podPhase(pod, inits, apps, !!i.terminal);
  const sandbox = i.runtime.sandboxes[0];
  const sandboxReady = sandbox?.state === 'SANDBOX_READY';
  const podIPs = pod.spec?.hostNetwork && sandbox ? [i.hostIP]
    : sandboxReady && sandbox.ips.length ? sandbox.ips : (old.podIPs ?? []).map((p) => p.ip ?? '').filter(Boolean);
  const at = i.now;

  const incompleteInit = initSpecs.filter((c, idx) => {
    const s = inits[idx];
    if (isSidecar(c)) return !(s.state?.running && s.started);
    return exitedOk(s) !== true;
  }).map((c) => c.name);
  const done = phase === 'Succeeded' || phase === 'Failed';
  const unready = [...initSpecs.filter(isSidecar), ...appSpecs]
    .filter((c) => {
      const s = [...inits, ...apps].find((x) => x.name === c.name);
      return !s?.ready;
    }).map((c) => c.name);

  const conditions: ConditionUpdate[] = [
    { type: 'PodReadyToStartContainers', status: sandboxReady && !done ? 'True' : 'False' },
    incompleteInit.length && !done
      ? { type: 'Initialized', status: 'False', reason: 'ContainersNotInitialized', message: `containers with incomplete status: ${brackets(incompleteInit)}` }
      : phase === 'Succeeded' && initSpecs.length ? { type: 'Initialized', status: 'True', reason: 'PodCompleted' } : { type: 'Initialized', status: 'True' },
  ];
  let containersReady: ConditionUpdate;
  if (phase === 'Succeeded') containersReady = { type: 'ContainersReady', status: 'False', reason: 'PodCompleted' };
  else if (unready.length) containersReady = { type: 'ContainersReady', status: 'False', reason: 'ContainersNotReady', message: `containers with unready status: ${brackets(unready)}` };
  else containersReady = { type: 'ContainersReady', status: 'True' };
  let ready: ConditionUpdate = { ...containersReady, type: 'Ready' };
  if (ready.status === 'True') {
    const gates = (pod.spec?.readinessGates ?? []).map((g) => g.conditionType)
      .filter((t) => !(old.conditions ?? []).some((c) => c.type === t && c.status === 'True'));
    if (gates.length) {
      const missing = gates.filter((t) => !(old.conditions ?? []).some((c) => c.type === t));
      ready = missing.length
        ? { type: 'Ready', status: 'False', reason: 'ReadinessGatesNotReady', message: `corresponding condition of pod readiness gate "${missing[0]}" does not exist.` }
        : { type: 'Ready', status: 'False', reason: 'ReadinessGatesNotReady', message: `the status of pod readiness gate "${gates[0]}" is not "True", but False` };
    }
  }
  conditions.push(ready, containersReady);

  const status: PodStatus = {
    phase,
    conditions: mergeConditions(old.conditions, time(at), conditions),
    hostIP: i.hostIP,
    hostIPs: [{ ip: i.hostIP }],
    startTime: old.startTime ?? time(at),
    containerStatuses: apps.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
    qosClass: qosClass(pod),
  };
  if (podIPs.length) {
    status.podIP = podIPs[0];
    status.podIPs = podIPs.map((ip) => ({ ip }));
  }
  if (inits.length) status.initContainerStatuses = inits;
  return status;
}

/**
 * The kubelet's conditions in its order, each keeping its lastTransitionTime while its status
 * holds; conditions others own (PodScheduled, readiness gates, DisruptionTarget) stay as they were.
 */
export function mergeConditions(old: PodCondition[] | undefined, at: string, updates: ConditionUpdate[]): PodCondition[] {
  const owned = new Set(updates.map((u) => u.type));
  const out: PodCondition[] = updates.map((u) => {
    const prev = old?.find((c) => c.type === u.type);
    const c: PodCondition = {
      type: u.type, status: u.status, lastProbeTime: null as unknown as string,
      lastTransitionTime: prev && prev.status === u.status && prev.lastTransitionTime ? prev.lastTransitionTime : at,
    };
    if (u.reason) c.reason = u.reason;
    if (u.message) c.message = u.message;
    return c;
  });
  for (const c of old ?? []) if (!owned.has(c.type)) out.push(c);
  return out;
}
