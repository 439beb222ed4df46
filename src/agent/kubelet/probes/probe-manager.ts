// Runs the startup, liveness and readiness probes of every running container and keeps their
// results, as upstream's prober manager and workers do:
// - a probe first runs initialDelaySeconds after the container started, then every periodSeconds;
// - a result changes only after successThreshold / failureThreshold identical results in a row;
// - until the startup probe passes, liveness and readiness do not run (the container is not
//   started, so not ready); once it passes, the startup probe stops and readiness runs at once;
// - liveness or startup failure asks the pod worker to restart the container, and that
//   container is not probed again (its replacement has a new containerId and starts afresh);
// - a prober error (e.g. an unresolvable port) is reported but does not count.
// Results are kept per containerId, so a restarted container begins from the initial values:
// not started (if it has a startup probe), not ready (if it has a readiness probe).
import type { Pod } from 'kubernetes-types/core/v1';
import type { Logger } from '../../../cli/log.ts';
import type { EventRecorder } from '../../../client/event-recorder.ts';
import type { DefaultedProbe, ProbeKind } from './prober.ts';
import { probeContainer, withProbeDefaults } from './prober.ts';
import type { ProbeExec, ProbeTarget, Timers } from './types.ts';
import { realTimers } from './types.ts';

export type { ProbeExec, ProbeTarget } from './types.ts';

export interface ProbeManagerOptions {
  exec: ProbeExec;
  recorder: EventRecorder;
  /** A readiness or startup result changed: the pod's status needs recomputing. */
  onChange(podUid: string): void;
  /** The container failed its liveness/startup probe: kill it and let the restart policy act. */
  onLivenessFailure(podUid: string, containerName: string, containerId: string, probeKind: 'liveness' | 'startup', message: string): void;
  log: Logger;
  now?: () => number;
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (handle: unknown) => void;
}

type Result = 'success' | 'failure';

interface Worker {
  kind: ProbeKind;
  spec: DefaultedProbe;
  /** Earliest time this probe may run: container start + initialDelaySeconds. */
  firstAt: number;
  timer?: unknown;
  inFlight: boolean;
  triggerPending: boolean;
  lastResult?: Result;
  run: number;
  /** After a liveness/startup failure: wait for the container to be replaced. */
  onHold: boolean;
  stopped: boolean;
}

interface Entry {
  target: ProbeTarget;
  workers: Partial<Record<ProbeKind, Worker>>;
  /** startup starts unknown, readiness failure, liveness success (upstream's initial values). */
  startup: Result | 'unknown';
  readiness: Result;
  liveness: Result;
}

const KINDS: [ProbeKind, 'startupProbe' | 'livenessProbe' | 'readinessProbe'][] = [
  ['startup', 'startupProbe'], ['liveness', 'livenessProbe'], ['readiness', 'readinessProbe'],
];

export class ProbeManager {
  private readonly o: ProbeManagerOptions;
  private readonly timers: Timers;
  private readonly containers = new Map<string, Entry>();
  private readonly pods = new Map<string, Set<string>>();
  private stopped = false;

  constructor(o: ProbeManagerOptions) {
    this.o = o;
    this.timers = {
      now: o.now ?? realTimers.now,
      setTimer: o.setTimer ?? realTimers.setTimer,
      clearTimer: o.clearTimer ?? realTimers.clearTimer,
    };
  }

  /** Starts probing a running container. Calling it again for the same containerId does nothing. */
  addContainer(t: ProbeTarget): void {
    if (this.stopped || this.containers.has(t.containerId)) return;
    const entry: Entry = { target: t, workers: {}, startup: 'unknown', readiness: 'failure', liveness: 'success' };
    for (const [kind, field] of KINDS) {
      const probe = t.container[field];
      if (!probe) continue;
      const spec = withProbeDefaults(probe);
      entry.workers[kind] = {
        kind, spec, firstAt: t.startedAt + spec.initialDelaySeconds * 1000,
        inFlight: false, triggerPending: false, run: 0, onHold: false, stopped: false,
      };
    }
    this.containers.set(t.containerId, entry);
    const uid = podUid(t.pod);
    if (!this.pods.has(uid)) this.pods.set(uid, new Set());
    this.pods.get(uid)!.add(t.containerId);
    for (const w of Object.values(entry.workers)) this.schedule(entry, w, w.firstAt);
  }

  /** Stops probing a container (it exited or was removed) and forgets its results. */
  removeContainer(containerId: string): void {
    const entry = this.containers.get(containerId);
    if (!entry) return;
    for (const w of Object.values(entry.workers)) this.stopWorker(w);
    this.containers.delete(containerId);
    const uid = podUid(entry.target.pod);
    const ids = this.pods.get(uid);
    ids?.delete(containerId);
    if (ids?.size === 0) this.pods.delete(uid);
  }

  removePod(uid: string): void {
    for (const id of [...(this.pods.get(uid) ?? [])]) this.removeContainer(id);
  }

  /**
   * A newer copy of a pod (events name it, and a deletionTimestamp ends liveness and startup
   * probing: a terminating pod's containers are not restarted for failing them).
   */
  updatePod(pod: Pod): void {
    for (const id of this.pods.get(podUid(pod)) ?? []) {
      const entry = this.containers.get(id)!;
      entry.target = { ...entry.target, pod };
      if (!pod.metadata?.deletionTimestamp) continue;
      for (const kind of ['liveness', 'startup'] as const) {
        const w = entry.workers[kind];
        if (!w || w.stopped) continue;
        this.stopWorker(w);
        this.setResult(entry, kind, 'success');
      }
    }
  }

  /** Ready: started, and the readiness probe has passed (or there is none). */
  ready(containerId: string): boolean {
    const entry = this.containers.get(containerId);
    if (!entry) return true; // not probed: nothing holds it back, as upstream without a worker
    return isStarted(entry) && (!entry.workers.readiness || entry.readiness === 'success');
  }

  /** Started: the startup probe has passed (or there is none). */
  started(containerId: string): boolean {
    const entry = this.containers.get(containerId);
    return !entry || isStarted(entry);
  }

  stop(): void {
    this.stopped = true;
    for (const id of [...this.containers.keys()]) this.removeContainer(id);
  }

  // ---- the probe loop of one worker ----

  private schedule(entry: Entry, w: Worker, at: number): void {
    if (w.stopped) return;
    if (w.timer !== undefined) this.timers.clearTimer(w.timer);
    w.timer = this.timers.setTimer(() => {
      w.timer = undefined;
      void this.tick(entry, w);
    }, Math.max(0, at - this.timers.now()));
  }

  /** Runs a worker now (readiness right after startup passes), unless it must still wait. */
  private trigger(entry: Entry, w: Worker): void {
    if (w.stopped || w.onHold) return;
    if (w.inFlight) {
      w.triggerPending = true;
      return;
    }
    if (this.timers.now() >= w.firstAt) this.schedule(entry, w, this.timers.now());
  }

  private async tick(entry: Entry, w: Worker): Promise<void> {
    if (w.stopped || w.onHold) return;
    const period = w.spec.periodSeconds * 1000;
    const startedAt = this.timers.now();
    // Liveness and readiness wait for the startup probe; the startup probe ends once it passed.
    if (w.kind !== 'startup' && !isStarted(entry)) return this.schedule(entry, w, startedAt + period);
    if (w.kind === 'startup' && entry.startup === 'success') return this.stopWorker(w);

    w.inFlight = true;
    let outcome: 'success' | 'failure' | 'error';
    try {
      outcome = await probeContainer(w.kind, w.spec, entry.target, {
        exec: this.o.exec, recorder: this.o.recorder, log: this.o.log, timers: this.timers,
      });
    } catch (err) {
      this.o.log.warn('probe crashed', { container: entry.target.container.name, probe: w.kind, error: err });
      outcome = 'error';
    } finally {
      w.inFlight = false;
    }
    if (w.stopped) return;
    if (outcome !== 'error') this.count(entry, w, outcome);
    if (w.stopped || w.onHold) return;
    if (w.kind === 'startup' && entry.startup === 'success') return this.stopWorker(w);
    const pending = w.triggerPending;
    w.triggerPending = false;
    this.schedule(entry, w, pending ? this.timers.now() : Math.max(startedAt + period, this.timers.now()));
  }

  /** Applies one result to the worker's run of identical results and the thresholds. */
  private count(entry: Entry, w: Worker, result: Result): void {
    if (w.lastResult === result) w.run++;
    else {
      w.lastResult = result;
      w.run = 1;
    }
    if (result === 'failure' && w.run < w.spec.failureThreshold) return;
    if (result === 'success' && w.run < w.spec.successThreshold) return;
    this.setResult(entry, w.kind, result);
    if (result === 'failure' && (w.kind === 'liveness' || w.kind === 'startup')) {
      w.onHold = true;
      w.run = 0;
      const t = entry.target;
      const message = `Container ${t.container.name} failed ${w.kind} probe, will be restarted`;
      this.o.log.info('container failed its probe', { pod: t.pod.metadata?.name, container: t.container.name, probe: w.kind });
      this.callback(() => this.o.onLivenessFailure(podUid(t.pod), t.container.name, t.containerId, w.kind as 'liveness' | 'startup', message));
    }
  }

  private setResult(entry: Entry, kind: ProbeKind, result: Result): void {
    const before = entry[kind];
    entry[kind] = result;
    if (before === result || kind === 'liveness') return;
    if (kind === 'startup' && result === 'success' && entry.workers.readiness) this.trigger(entry, entry.workers.readiness);
    this.callback(() => this.o.onChange(podUid(entry.target.pod)));
  }

  private stopWorker(w: Worker): void {
    w.stopped = true;
    if (w.timer !== undefined) this.timers.clearTimer(w.timer);
    w.timer = undefined;
  }

  private callback(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.o.log.warn('probe result callback failed', { error: err });
    }
  }
}

function isStarted(entry: Entry): boolean {
  return !entry.workers.startup || entry.startup === 'success';
}

function podUid(pod: Pod): string {
  return pod.metadata?.uid ?? '';
}
