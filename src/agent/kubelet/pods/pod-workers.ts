// The pod workers: one serialized worker per pod that syncs it whenever its object changes, its
// containers change state in the runtime (a relist every second, upstream's PLEG), a probe result
// changes, or a back-off ends; plus graceful termination of deleted pods, tear-down of pods gone
// from the API, and adoption of what the runtime already runs after an agent restart.
import { readFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import type { ConfigMap, Pod, Secret, Service } from 'kubernetes-types/core/v1';
import type { KObject } from '../../../api/types.ts';
import { ApiError } from '../../../machinery/errors.ts';
import { listPodCgroups, nodeCgroupRoot } from './cgroups.ts';
import type { EnvLookups } from './env.ts';
import { ImagePuller } from './image-puller.ts';
import { NODE_NAME_ANNOTATION, POD_UID_LABEL } from './labels.ts';
import { podEvents } from './pod-events.ts';
import { computeStatus, newPodState, syncPod, type PodState } from './pod-sync.ts';
import { cleanUpPod, gracePeriodSeconds, killPod } from './pod-teardown.ts';
import { Backoff } from './restart-backoff.ts';
import { parseResolvConf } from './sandbox-config.ts';
import { comparableStatus, deletePodObject, writePodStatus } from './status-writer.ts';
import type { PodWorkersOptions, SyncContext } from './sync-context.ts';

export type { PodWorkersOptions, ProbeHooks, VolumeHooks } from './sync-context.ts';

export interface PodWorkers {
  /** A pod was added or updated (from the informer); a deletionTimestamp starts graceful termination. */
  sync(pod: Pod): void;
  /** The pod object is gone from the API: tear down whatever of it is left. */
  forget(pod: Pod): void;
  /** At start: take over the sandboxes and containers the runtime already runs (healthy ones are left running). */
  adopt(): Promise<void>;
  /** Stops the workers only; containers keep running. */
  stop(): Promise<void>;
  /** The informer has delivered its initial list: pods the runtime runs that it did not name are orphans. */
  synced(): void;
  /** A readiness or startup result changed. */
  probeChanged(podUid: string): void;
  /** A liveness or startup probe failed: kill the container, the restart policy does the rest. */
  restartContainer(podUid: string, containerName: string, containerId: string, kind: string, message: string): void;
}

const RESYNC_MS = 10_000;
const RELIST_MS = 1000;
/** With no explicit synced(), orphans are looked for this long after the first pod arrives. */
const ORPHAN_GRACE_MS = 5000;
const ORPHAN_GRACE_SECONDS = 2;
const STOP_WAIT_MS = 5000;

interface Worker {
  state?: PodState;
  running?: Promise<void>;
  dirty: boolean;
  timer?: NodeJS.Timeout;
  timerAt?: number;
  /** Termination has completed (pod deleted from the API, or torn down after forget). */
  done: boolean;
  finished: boolean;
  /** Set by forget(): tear down, write nothing to the API. */
  forgotten: boolean;
}

export function startPodWorkers(o: PodWorkersOptions): PodWorkers {
  const log = o.log.with({ component: 'pod-workers' });
  const now = o.now ?? Date.now;
  const events = podEvents(o.recorder);
  const workers = new Map<string, Worker>();
  let stopped = false;
  let synced = false;
  let firstSyncAt: number | undefined;
  let relistTimer: NodeJS.Timeout | undefined;
  let lastFingerprints = new Map<string, string>();
  let cleaningOrphans = false;

  const lookups = apiLookups(o);
  const ctx: SyncContext = {
    o, cri: o.cri, log, events, now,
    puller: new ImagePuller({ cri: o.cri, events, log, now }),
    crashBackoff: new Backoff(),
    cgroupRoot: o.cgroupRoot ?? nodeCgroupRoot(o.nodeName),
    hostResolv: { nameservers: [], searches: [], options: [] },
    memoryCapacity: totalmem(),
    cpuMilli: cpus().length * 1000,
    lookups,
    allPods: () => [...workers.values()].flatMap((w) => (w.state && !w.done ? [w.state.pod] : [])),
  };
  const resolvLoaded = readFile(o.resolvConfPath ?? '/etc/resolv.conf', 'utf8')
    .then((t) => { ctx.hostResolv = parseResolvConf(t); }, () => undefined);

  function schedule(uid: string, w: Worker, ms: number) {
    if (stopped || w.done) return;
    const at = now() + ms;
    if (w.timer && w.timerAt !== undefined && w.timerAt <= at) return;
    clearTimeout(w.timer);
    w.timerAt = at;
    w.timer = setTimeout(() => { w.timer = undefined; w.timerAt = undefined; kick(uid); }, ms);
    w.timer.unref?.();
  }

  function kick(uid: string) {
    const w = workers.get(uid);
    if (!w || stopped || !w.state) return;
    if (w.running) { w.dirty = true; return; }
    w.running = (async () => {
      do {
        w.dirty = false;
        await runOnce(uid, w).catch((err) => {
          log.warn('pod sync failed; retrying', { uid, error: err instanceof Error ? err.message : String(err) });
          schedule(uid, w, 2000);
        });
      } while (w.dirty && !stopped && !w.done);
      w.running = undefined;
    })();
  }

  async function runOnce(uid: string, w: Worker): Promise<void> {
    const st = w.state!;
    const pod = st.pod;
    if (w.done) return;
    if (w.forgotten) {
      await killPod(ctx, pod, Math.min(gracePeriodSeconds(pod), ORPHAN_GRACE_SECONDS));
      await cleanUpPod(ctx, pod);
      w.done = true;
      workers.delete(uid);
      return;
    }
    if (pod.metadata?.deletionTimestamp) {
      const rt = await killPod(ctx, pod, gracePeriodSeconds(pod));
      const status = computeStatus(ctx, st, rt, true);
      await writeIfChanged(st, status);
      await cleanUpPod(ctx, pod);
      await deletePodObject(o.client, pod, log);
      w.done = true;
      if (w.forgotten) workers.delete(uid); // the API's delete already arrived
      return;
    }
    log.debug('syncing pod', { pod: `${pod.metadata?.namespace}/${pod.metadata?.name}` });
    const r = await syncPod(ctx, st);
    if (r.status) await writeIfChanged(st, r.status);
    w.finished = !!r.finished;
    if (r.retryMs !== undefined) schedule(uid, w, r.retryMs);
    if (!r.finished) schedule(uid, w, RESYNC_MS);
  }

  async function writeIfChanged(st: PodState, status: NonNullable<Pod['status']>) {
    const next = comparableStatus(status);
    if (next === st.lastStatus || next === comparableStatus(st.pod.status)) {
      st.lastStatus = next;
      return;
    }
    if (await writePodStatus(o.client, st.pod, status, log)) st.lastStatus = next;
  }

  // ---- the relist: notice containers that exited or changed, and orphans ----
  async function relist() {
    if (stopped) return;
    try {
      const [containers, sandboxes] = await Promise.all([o.cri.listContainers({}), o.cri.listPodSandbox({})]);
      const next = runtimeFingerprints(containers.containers, sandboxes.items);
      for (const [uid, print] of next) {
        if (lastFingerprints.get(uid) !== print && workers.get(uid)?.state && !workers.get(uid)!.finished) kick(uid);
      }
      lastFingerprints = next;
      const orphanTime = synced || (firstSyncAt !== undefined && now() - firstSyncAt > ORPHAN_GRACE_MS);
      if (orphanTime && !cleaningOrphans) {
        // Only sandboxes this node's agent made (a runtime may be shared by several test nodes).
        const mine = new Set(sandboxes.items.filter((x) => x.annotations[NODE_NAME_ANNOTATION] === o.nodeName).map((x) => x.labels[POD_UID_LABEL]));
        const orphans = [...next.keys()].filter((uid) => !workers.has(uid) && mine.has(uid));
        const cgroups = await listPodCgroups(ctx.cgroupRoot);
        for (const uid of cgroups.keys()) if (!workers.has(uid) && !next.has(uid) && !orphans.includes(uid)) orphans.push(uid);
        if (orphans.length) {
          cleaningOrphans = true;
          void cleanOrphans(orphans, sandboxes.items).finally(() => { cleaningOrphans = false; });
        }
      }
    } catch (err) {
      log.debug('relist failed', { error: err instanceof Error ? err.message : String(err) });
    } finally {
      if (!stopped) {
        relistTimer = setTimeout(relist, o.relistMs ?? RELIST_MS);
        relistTimer.unref?.();
      }
    }
  }

  async function cleanOrphans(uids: string[], sandboxes: { labels: Record<string, string>; metadata: { name: string; namespace: string; uid: string } | null }[]) {
    for (const uid of uids) {
      if (stopped || workers.has(uid)) continue;
      const meta = sandboxes.find((s) => s.labels[POD_UID_LABEL] === uid)?.metadata;
      const pod: Pod = { metadata: { uid, name: meta?.name, namespace: meta?.namespace } };
      log.info('removing a pod no longer bound to this node', { uid, pod: meta ? `${meta.namespace}/${meta.name}` : undefined });
      await killPod(ctx, pod, ORPHAN_GRACE_SECONDS).catch(() => undefined);
      await cleanUpPod(ctx, pod).catch((err) => log.warn('orphan clean-up failed', { uid, error: String(err) }));
    }
  }

  relistTimer = setTimeout(relist, o.relistMs ?? RELIST_MS);
  relistTimer.unref?.();

  return {
    sync(pod) {
      const uid = pod.metadata?.uid;
      if (stopped || !uid) return;
      if (pod.spec?.nodeName && pod.spec.nodeName !== o.nodeName) return;
      firstSyncAt ??= now();
      let w = workers.get(uid);
      if (!w) {
        w = { dirty: false, done: false, finished: false, forgotten: false };
        workers.set(uid, w);
      }
      if (w.done) return;
      if (!w.state) w.state = newPodState(pod);
      else w.state.pod = pod;
      o.probes.updatePod?.(pod);
      // A finished pod is only looked at again when it is deleted.
      if (w.finished && !pod.metadata?.deletionTimestamp) return;
      void resolvLoaded.then(() => kick(uid));
    },
    forget(pod) {
      const uid = pod.metadata?.uid;
      if (stopped || !uid) return;
      const w = workers.get(uid);
      if (w?.done) { workers.delete(uid); return; }
      const worker = w ?? { dirty: false, done: false, finished: false, forgotten: false };
      workers.set(uid, worker);
      worker.forgotten = true;
      worker.state ??= newPodState(pod);
      kick(uid);
    },
    async adopt() {
      const t0 = performance.now();
      await resolvLoaded;
      const [sandboxes, containers] = await Promise.all([o.cri.listPodSandbox({}), o.cri.listContainers({})]);
      const uids = new Set<string>();
      for (const s of sandboxes.items) if (s.labels[POD_UID_LABEL]) uids.add(s.labels[POD_UID_LABEL]);
      // Remember what runs now, so the first relist does not count it as a change.
      lastFingerprints = runtimeFingerprints(containers.containers, sandboxes.items);
      const running = containers.containers.filter((c) => c.state === 'CONTAINER_RUNNING').length;
      log.info('found existing pods in the runtime; adopting them', {
        pods: uids.size, sandboxes: sandboxes.items.length, runningContainers: running, ms: Math.round(performance.now() - t0),
      });
    },
    async stop() {
      stopped = true;
      clearTimeout(relistTimer);
      for (const w of workers.values()) clearTimeout(w.timer);
      // A sync may sit in a long image pull: wait a little, then leave it (containers are not touched).
      const idle = Promise.all([...workers.values()].map((w) => w.running));
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([idle, new Promise((r) => { timer = setTimeout(r, STOP_WAIT_MS); })]);
      clearTimeout(timer);
      log.info('pod workers stopped; containers keep running');
    },
    synced() {
      synced = true;
    },
    probeChanged(podUid) {
      const w = workers.get(podUid);
      if (w?.state && !w.finished) kick(podUid);
    },
    restartContainer(podUid, containerName, containerId, _kind, message) {
      const w = workers.get(podUid);
      if (!w?.state || w.done) return;
      log.info('probe failed; restarting container', { uid: podUid, container: containerName });
      w.state.livenessKills.set(containerId, message);
      kick(podUid);
    },
  };
}

/** Config maps, secrets and services read from the API for container environments. */
function apiLookups(o: PodWorkersOptions): EnvLookups {
  const getOrUndefined = async <T>(plural: string, ns: string, name: string): Promise<T | undefined> => {
    try {
      return await o.client.resource<T & KObject>('', 'v1', plural).get(name, ns) as T;
    } catch (err) {
      if (err instanceof ApiError && err.code === 404) return undefined;
      throw err;
    }
  };
  return {
    configMap: (ns, name) => getOrUndefined<ConfigMap>('configmaps', ns, name),
    secret: (ns, name) => getOrUndefined<Secret>('secrets', ns, name),
    services: async (ns) => o.cachedServices?.(ns) ?? (await o.client.resource<Service & KObject>('', 'v1', 'services').list({ namespace: ns })).items,
  };
}

/** Per pod UID, what the runtime runs for it (ids and states): a change means the pod needs a sync. */
function runtimeFingerprints(containers: Array<{ id: string; state: string; labels: Record<string, string> }>, sandboxes: Array<{ id: string; state: string; labels: Record<string, string> }>): Map<string, string> {
  const prints = new Map<string, string[]>();
  for (const item of [...containers, ...sandboxes]) {
    const uid = item.labels[POD_UID_LABEL];
    if (uid) (prints.get(uid) ?? prints.set(uid, []).get(uid)!).push(`${item.id}:${item.state}`);
  }
  return new Map([...prints].map(([uid, p]) => [uid, p.sort().join(',')]));
}
