// The scheduling queue, as upstream's: pending pods wait in an active heap ordered by priority,
// then by when they (re)joined the queue; a pod that fit nowhere is parked as unschedulable
// until a cluster event that could cure what rejected it (a node added or changed, a pod
// deleted ...), its own update, or the 60 s flush sends it back — through a backoff (1 s doubling
// to 10 s per attempt) if it failed recently. A pod that failed with an error (a binding that
// did not go through) simply retries after its backoff.
import type { Pod } from 'kubernetes-types/core/v1';
import type { PodInfo } from './pod-info.ts';
import { INTER_POD_AFFINITY } from './plugins/inter-pod-affinity.ts';
import { NODE_PORTS } from './plugins/node-ports.ts';
import { NODE_RESOURCES_FIT } from './plugins/node-resources-fit.ts';
import { POD_TOPOLOGY_SPREAD } from './plugins/pod-topology-spread.ts';

export type ClusterEvent = 'NodeAdd' | 'NodeUpdate' | 'AssignedPodAdd' | 'AssignedPodUpdate' | 'AssignedPodDelete' | 'NamespaceUpdate';

/** Whose rejections each event may cure (upstream's EventsToRegister); 'all' for everyone's. */
export const EVENT_HELPS: Readonly<Record<ClusterEvent, readonly string[] | 'all'>> = {
  NodeAdd: 'all',
  NodeUpdate: 'all',
  AssignedPodAdd: [INTER_POD_AFFINITY, POD_TOPOLOGY_SPREAD],
  AssignedPodUpdate: [NODE_RESOURCES_FIT, INTER_POD_AFFINITY, POD_TOPOLOGY_SPREAD],
  AssignedPodDelete: [NODE_RESOURCES_FIT, NODE_PORTS, INTER_POD_AFFINITY, POD_TOPOLOGY_SPREAD],
  NamespaceUpdate: [INTER_POD_AFFINITY],
};

type Place = 'active' | 'backoff' | 'unschedulable' | 'inFlight' | 'gated' | 'gone';

export interface QueuedPod {
  pod: Pod;
  info: PodInfo;
  readonly uid: string;
  /** When the pod last joined a queue: orders pods of equal priority. */
  timestamp: number;
  attempts: number;
  /** The plugins that rejected the last attempt. */
  unschedulablePlugins: ReadonlySet<string>;
  place: Place;
  /** Invalidates heap entries left behind when the pod moved on. */
  seq: number;
  backoffUntil: number;
  poppedAtCycle: number;
  updatedWhileInFlight: boolean;
}

export interface QueueOptions {
  /** Milliseconds, monotonic. */
  clock?: () => number;
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** How long an unschedulable pod waits for an event before it is retried anyway. */
  maxUnschedulableMs?: number;
}

/** A binary heap; entries compare with `less`. */
class Heap<T> {
  private readonly items: T[] = [];
  private readonly less: (a: T, b: T) => boolean;
  constructor(less: (a: T, b: T) => boolean) { this.less = less; }
  get size(): number { return this.items.length; }
  peek(): T | undefined { return this.items[0]; }
  push(x: T): void {
    const a = this.items;
    a.push(x);
    let i = a.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(a[i], a[parent])) break;
      [a[i], a[parent]] = [a[parent], a[i]];
      i = parent;
    }
  }
  pop(): T | undefined {
    const a = this.items;
    if (a.length === 0) return undefined;
    const top = a[0];
    const last = a.pop()!;
    if (a.length) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && this.less(a[l], a[m])) m = l;
        if (r < a.length && this.less(a[r], a[m])) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m], a[i]];
        i = m;
      }
    }
    return top;
  }
}

interface Entry { qp: QueuedPod; seq: number; order: number }

function gated(pod: Pod): boolean {
  return (pod.spec?.schedulingGates?.length ?? 0) > 0;
}

/** Did the pod change in a way that could change the scheduling outcome (not just its status)? */
function schedulingRelevantChange(a: Pod, b: Pod): boolean {
  return JSON.stringify(a.spec) !== JSON.stringify(b.spec) ||
    JSON.stringify(a.metadata?.labels ?? {}) !== JSON.stringify(b.metadata?.labels ?? {});
}

export class SchedulingQueue {
  private readonly pods = new Map<string, QueuedPod>();
  private readonly active = new Heap<Entry>((a, b) =>
    a.qp.info.priority !== b.qp.info.priority ? a.qp.info.priority > b.qp.info.priority
      : a.qp.timestamp !== b.qp.timestamp ? a.qp.timestamp < b.qp.timestamp : a.order < b.order);
  private readonly backoff = new Heap<Entry>((a, b) => a.qp.backoffUntil < b.qp.backoffUntil);
  /** In the order they became unschedulable (so the oldest come first). */
  private readonly unschedulable = new Map<string, QueuedPod>();
  /** plugin → unschedulable pods it rejected. */
  private readonly rejectedBy = new Map<string, Set<string>>();
  private activeCount = 0;
  private order = 0;
  private cycle = 0;
  /** plugin → the cycle of the last event that could cure its rejections. */
  private readonly lastMove = new Map<string, number>();
  private lastMoveAll = -1;
  private waiters: Array<() => void> = [];
  private closed = false;
  private readonly clock: () => number;
  private readonly initialBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly maxUnschedulableMs: number;

  constructor(opts: QueueOptions = {}) {
    this.clock = opts.clock ?? (() => performance.now());
    this.initialBackoffMs = opts.initialBackoffMs ?? 1000;
    this.maxBackoffMs = opts.maxBackoffMs ?? 10_000;
    this.maxUnschedulableMs = opts.maxUnschedulableMs ?? 60_000;
  }

  get stats(): { active: number; backoff: number; unschedulable: number; total: number } {
    let backoff = 0;
    for (const qp of this.pods.values()) if (qp.place === 'backoff') backoff++;
    return { active: this.activeCount, backoff, unschedulable: this.unschedulable.size, total: this.pods.size };
  }

  has(uid: string): boolean {
    return this.pods.has(uid);
  }

  get(uid: string): QueuedPod | undefined {
    return this.pods.get(uid);
  }

  /** A new pending pod. */
  add(pod: Pod, info: PodInfo): void {
    if (this.pods.has(info.uid)) { this.update(pod, info); return; }
    const qp: QueuedPod = {
      pod, info, uid: info.uid, timestamp: this.clock(), attempts: 0, unschedulablePlugins: new Set(),
      place: 'gone', seq: 0, backoffUntil: 0, poppedAtCycle: -1, updatedWhileInFlight: false,
    };
    this.pods.set(qp.uid, qp);
    if (gated(pod)) qp.place = 'gated'; else this.pushActive(qp);
  }

  /** A pending pod changed. */
  update(pod: Pod, info: PodInfo): void {
    const qp = this.pods.get(info.uid);
    if (!qp) { this.add(pod, info); return; }
    const changed = schedulingRelevantChange(qp.pod, pod);
    qp.pod = pod;
    qp.info = info;
    if (!changed) return;
    switch (qp.place) {
      case 'gated': if (!gated(pod)) this.pushActive(qp); break;
      case 'inFlight': qp.updatedWhileInFlight = true; break;
      case 'unschedulable': this.requeue(qp); break;
      default: break; // already waiting its turn, and will be seen as it is now
    }
  }

  delete(uid: string): void {
    const qp = this.pods.get(uid);
    if (!qp) return;
    this.leave(qp);
    this.pods.delete(uid);
  }

  /** The most important pod ready to schedule, now marked in flight. */
  pop(): QueuedPod | undefined {
    for (;;) {
      const e = this.active.pop();
      if (!e) return undefined;
      if (e.seq !== e.qp.seq || e.qp.place !== 'active') continue;
      const qp = e.qp;
      this.activeCount--;
      qp.place = 'inFlight';
      qp.attempts++;
      qp.poppedAtCycle = ++this.cycle;
      qp.updatedWhileInFlight = false;
      return qp;
    }
  }

  /** Resolves when a pod may be ready (or the queue closed). */
  wait(): Promise<void> {
    if (this.activeCount > 0 || this.closed) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** The attempt found no node; `plugins` rejected it. */
  unschedulableAfterAttempt(qp: QueuedPod, plugins: ReadonlySet<string>): void {
    if (this.pods.get(qp.uid) !== qp || qp.place !== 'inFlight') return;
    qp.timestamp = this.clock();
    qp.unschedulablePlugins = plugins;
    // Something that could help happened while it was being tried: do not wait for the next event.
    if (plugins.size === 0 || qp.updatedWhileInFlight || this.movedSince(qp.poppedAtCycle, plugins)) {
      this.pushBackoff(qp);
      return;
    }
    qp.place = 'unschedulable';
    this.unschedulable.set(qp.uid, qp);
    for (const p of plugins) {
      let set = this.rejectedBy.get(p);
      if (!set) this.rejectedBy.set(p, (set = new Set()));
      set.add(qp.uid);
    }
  }

  /** The attempt failed for another reason (an API error): try again after the backoff. */
  retryAfterError(qp: QueuedPod): void {
    if (this.pods.get(qp.uid) !== qp) return;
    qp.timestamp = this.clock();
    qp.unschedulablePlugins = new Set();
    this.pushBackoff(qp);
  }

  /** Sends one unschedulable pod back at once (its nomination was taken away, say). */
  activate(uid: string): void {
    const qp = this.pods.get(uid);
    if (qp?.place === 'unschedulable') this.requeue(qp);
  }

  /** The pod was scheduled (or is no longer ours to schedule). */
  done(uid: string): void {
    this.delete(uid);
  }

  /** Sends back the unschedulable pods that the event could help. */
  onEvent(event: ClusterEvent): void {
    const helps = EVENT_HELPS[event];
    if (helps === 'all') {
      this.lastMoveAll = this.cycle;
      for (const qp of [...this.unschedulable.values()]) this.requeue(qp);
    } else {
      for (const plugin of helps) {
        this.lastMove.set(plugin, this.cycle);
        const uids = this.rejectedBy.get(plugin);
        if (!uids) continue;
        for (const uid of [...uids]) {
          const qp = this.pods.get(uid);
          if (qp) this.requeue(qp);
        }
      }
    }
  }

  /** Moves pods whose backoff has ended to active, and retries pods unschedulable for too long. */
  flush(): void {
    const now = this.clock();
    for (let e = this.backoff.peek(); e && (e.seq !== e.qp.seq || e.qp.place !== 'backoff' || e.qp.backoffUntil <= now); e = this.backoff.peek()) {
      this.backoff.pop();
      if (e.seq === e.qp.seq && e.qp.place === 'backoff') this.pushActive(e.qp);
    }
    for (const qp of this.unschedulable.values()) {
      if (qp.timestamp + this.maxUnschedulableMs > now) break;
      this.requeue(qp);
    }
  }

  close(): void {
    this.closed = true;
    this.wake();
  }

  // ---- internals --------------------------------------------------------------------------------

  private movedSince(cycle: number, plugins: ReadonlySet<string>): boolean {
    if (this.lastMoveAll >= cycle) return true;
    for (const p of plugins) if ((this.lastMove.get(p) ?? -1) >= cycle) return true;
    return false;
  }

  /** Upstream's backoff: the initial delay doubled per attempt after the first, capped. */
  backoffMs(attempts: number): number {
    let d = this.initialBackoffMs;
    for (let i = 1; i < attempts; i++) {
      if (d > this.maxBackoffMs - d) return this.maxBackoffMs;
      d += d;
    }
    return Math.min(d, this.maxBackoffMs);
  }

  /** Out of the unschedulable set, into backoff or active. */
  private requeue(qp: QueuedPod): void {
    this.leave(qp);
    this.pushBackoff(qp);
  }

  private leave(qp: QueuedPod): void {
    if (qp.place === 'unschedulable') {
      this.unschedulable.delete(qp.uid);
      for (const p of qp.unschedulablePlugins) {
        const set = this.rejectedBy.get(p);
        set?.delete(qp.uid);
        if (set?.size === 0) this.rejectedBy.delete(p);
      }
    }
    if (qp.place === 'active') this.activeCount--;
    qp.place = 'gone';
    qp.seq++;
  }

  private pushBackoff(qp: QueuedPod): void {
    qp.backoffUntil = qp.timestamp + this.backoffMs(qp.attempts);
    if (qp.backoffUntil <= this.clock()) { this.pushActive(qp); return; }
    qp.place = 'backoff';
    qp.seq++;
    this.backoff.push({ qp, seq: qp.seq, order: this.order++ });
  }

  private pushActive(qp: QueuedPod): void {
    if (qp.place === 'active') return;
    qp.place = 'active';
    qp.seq++;
    this.activeCount++;
    this.active.push({ qp, seq: qp.seq, order: this.order++ });
    this.wake();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}
