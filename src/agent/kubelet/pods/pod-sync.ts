// One sync of one pod, as upstream's SyncPod: make sure the sandbox runs (creating the pod cgroup,
// volumes and /etc/hosts first), run init containers in order (sidecars keep running), then
// the app containers, restarting what exited by the restart policy with CrashLoopBackOff, killing
// what failed liveness; stop everything once the pod has finished; then report the status.
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Container, Pod, PodStatus } from 'kubernetes-types/core/v1';
import type { Input, PodSandboxConfig } from '../../runtime/cri-client.ts';
import { burstableShares, ensurePodCgroup, applyCgroupValues, qosCgroup } from './cgroups.ts';
import { killContainer, startContainer, type StartResult } from './container-runner.ts';
import { grpcErrorText } from './image-puller.ts';
import { containerHash, podDescription } from './labels.ts';
import { isSidecar, podStatus, type Waiting } from './pod-status.ts';
import { goDuration } from './restart-backoff.ts';
import { readPodRuntime, recordsFor, terminationMessage, type ContainerRecord, type PodRuntime } from './runtime-state.ts';
import { hostNetworkHostsFile, hostsFile, podDir, sandboxConfig } from './sandbox-config.ts';
import type { SyncContext } from './sync-context.ts';

/** A worker's memory of one pod between syncs. */
export interface PodState {
  uid: string;
  pod: Pod;
  volumes?: unknown;
  /** Why containers wait, from the last attempt to start them. */
  waiting: Map<string, Waiting>;
  /** Termination messages of exited containers (read once). */
  messages: Map<string, string>;
  /** Running containers a liveness/startup probe failed: container ID → Killing message. */
  livenessKills: Map<string, string>;
  /** Containers already handed to the prober. */
  probed: Set<string>;
  /** The pod cgroup, once made. */
  cgroup?: string;
  lastStatus?: string;
}

export interface SyncResult {
  status?: PodStatus;
  /** Look again after this long at the latest (a back-off ending, a retry). */
  retryMs?: number;
  /** The pod finished: its sandbox is stopped and nothing will run again. */
  finished?: boolean;
}

export function newPodState(pod: Pod): PodState {
  return { uid: pod.metadata!.uid!, pod, waiting: new Map(), messages: new Map(), livenessKills: new Map(), probed: new Set() };
}

const podKey = (pod: Pod) => `${pod.metadata?.namespace}/${pod.metadata?.name}`;

export async function syncPod(ctx: SyncContext, st: PodState): Promise<SyncResult> {
  const pod = st.pod;
  const log = ctx.log.with({ pod: podKey(pod) });
  const policy = pod.spec?.restartPolicy ?? 'Always';
  let retryMs: number | undefined;
  const retry = (ms: number) => { retryMs = retryMs === undefined ? ms : Math.min(retryMs, ms); };

  let rt = await readPodRuntime(ctx.cri, st.uid);
  const alreadyFinished = pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
  if (alreadyFinished) {
    await stopPodRuntime(ctx, pod, rt, 0);
    return { finished: true };
  }

  // ---- sandbox ----
  let sandbox = rt.sandboxes.find((s) => s.state === 'SANDBOX_READY');
  if (!sandbox || !st.cgroup) st.cgroup = await ensurePodCgroup(ctx.cgroupRoot, pod);
  const cgroupParent = st.cgroup;
  let sbConfig: Input<PodSandboxConfig>;
  const sbContext = {
    nodeName: ctx.o.nodeName, agentDir: ctx.o.agentDir, clusterDns: ctx.o.clusterDns, clusterDomain: ctx.o.clusterDomain, cgroupParent, hostResolv: ctx.hostResolv,
  };
  if (!sandbox) {
    const ranBefore = rt.containers.some((c) => (pod.spec?.containers ?? []).some((s) => s.name === c.name));
    if (ranBefore && policy === 'Never' && rt.sandboxes.length) {
      // The sandbox died after the pod ran: a pod that never restarts is done (upstream's computePodActions).
      log.info('sandbox gone after the pod ran; not recreating it (restartPolicy ' + policy + ')');
    } else {
      if (rt.sandboxes.length) {
        ctx.events.pod(pod, 'Normal', 'SandboxChanged', 'Pod sandbox changed, it will be killed and re-created.');
        log.info('pod sandbox changed; recreating it');
      }
      for (const c of rt.containers) if (c.state === 'CONTAINER_RUNNING') await killContainer(ctx, pod, undefined, c.id, undefined, 0);
      if (!st.volumes) {
        try {
          st.volumes = await ctx.o.volumes.setUp(pod);
        } catch (err) {
          const message = err instanceof Error ? err.message : String(err);
          ctx.events.pod(pod, 'Warning', 'FailedMount', message);
          log.warn('volume set-up failed', { error: message });
          return { status: computeStatus(ctx, st, rt), retryMs: 2000 };
        }
      }
      const attempt = rt.sandboxes.length ? Math.max(...rt.sandboxes.map((s) => s.attempt)) + 1 : 0;
      for (const old of rt.sandboxes) {
        await ctx.cri.stopPodSandbox({ podSandboxId: old.id }).catch(() => undefined);
        await ctx.cri.removePodSandbox({ podSandboxId: old.id }).catch(() => undefined);
      }
      sbConfig = sandboxConfig(pod, attempt, sbContext);
      await mkdir(sbConfig.logDirectory as string, { recursive: true });
      log.info('creating pod sandbox', { attempt });
      const t0 = performance.now();
      try {
        const { podSandboxId } = await ctx.cri.runPodSandbox({ config: sbConfig });
        log.info('pod sandbox ready', { id: podSandboxId.slice(0, 12), ms: Math.round(performance.now() - t0) });
      } catch (err) {
        const message = `Failed to create pod sandbox: ${grpcErrorText(err)}`;
        ctx.events.pod(pod, 'Warning', 'FailedCreatePodSandBox', message);
        log.warn('sandbox creation failed', { error: message });
        return { status: computeStatus(ctx, { ...st }, await readPodRuntime(ctx.cri, st.uid)), retryMs: 5000 };
      }
      rt = await readPodRuntime(ctx.cri, st.uid);
      sandbox = rt.sandboxes.find((s) => s.state === 'SANDBOX_READY');
      await updateBurstableShares(ctx);
    }
  }
  sbConfig = sandboxConfig(pod, sandbox?.attempt ?? 0, sbContext);
  if (sandbox) {
    await writeHosts(ctx, pod, sandbox.ips);
    if (!st.volumes) {
      try {
        st.volumes = await ctx.o.volumes.setUp(pod);
      } catch (err) {
        ctx.events.pod(pod, 'Warning', 'FailedMount', err instanceof Error ? err.message : String(err));
        return { status: computeStatus(ctx, st, rt), retryMs: 2000 };
      }
    }
    // Containers found running (adopted after a restart) are probed like new ones; exited ones no longer.
    for (const c of rt.containers) {
      if (c.state !== 'CONTAINER_RUNNING' && st.probed.has(c.id)) {
        ctx.o.probes.removeContainer(c.id);
        st.probed.delete(c.id);
        st.livenessKills.delete(c.id);
      }
      if (c.state !== 'CONTAINER_RUNNING' || st.probed.has(c.id)) continue;
      const spec = allContainers(pod).find((s) => s.name === c.name);
      if (spec) ctx.o.probes.addContainer({ pod, container: spec, containerId: c.id, podIP: sandbox.ips[0] ?? '', startedAt: c.startedAt });
      st.probed.add(c.id);
    }
  }

  // ---- containers ----
  if (sandbox) {
    const start = async (c: Container, previous: ContainerRecord | undefined): Promise<boolean> => {
      if (previous && previous.state !== 'CONTAINER_RUNNING') {
        const key = `${st.uid}_${c.name}_${containerHash(c)}`;
        const finishedAt = previous.finishedAt || previous.createdAt;
        if (ctx.crashBackoff.inBackoffSince(key, finishedAt, ctx.now())) {
          const backoff = ctx.crashBackoff.get(key);
          st.waiting.set(c.name, {
            reason: 'CrashLoopBackOff',
            message: `back-off ${goDuration(backoff)} restarting failed container=${c.name} pod=${podDescription(pod)}`,
          });
          ctx.events.container(pod, c, 'Warning', 'BackOff', `Back-off restarting failed container ${c.name} in pod ${podDescription(pod)}`);
          retry(Math.max(100, finishedAt + backoff - ctx.now()));
          return false;
        }
        ctx.crashBackoff.next(key, finishedAt);
      }
      const r: StartResult = await startContainer(ctx, {
        pod, container: c, sandboxId: sandbox!.id, sandboxConfig: sbConfig, podIPs: sandbox!.ips, previous, volumes: st.volumes,
      });
      if (!r.ok) {
        st.waiting.set(c.name, r.waiting);
        retry(r.retryMs);
        return false;
      }
      st.waiting.delete(c.name);
      st.probed.add(r.containerId);
      // Keep the newest dead instance (lastState, logs --previous); older ones go.
      for (const old of recordsFor(rt, c.name).slice(1)) {
        await ctx.cri.removeContainer({ containerId: old.id }).catch(() => undefined);
        if (old.logPath) await rm(old.logPath, { force: true }).catch(() => undefined);
        st.messages.delete(old.id);
      }
      return true;
    };

    /** Kills a running container a probe failed or whose spec changed; true when it was killed. */
    const killIfNeeded = async (c: Container, latest: ContainerRecord): Promise<boolean> => {
      let message = st.livenessKills.get(latest.id);
      if (!message && latest.hash && latest.hash !== containerHash(c)) message = `Container ${c.name} definition changed, will be restarted`;
      if (!message) return false;
      st.livenessKills.delete(latest.id);
      await killContainer(ctx, pod, c, latest.id, message, pod.spec?.terminationGracePeriodSeconds ?? 30);
      return true;
    };

    const appStarted = rt.containers.some((r) => (pod.spec?.containers ?? []).some((c) => c.name === r.name));
    let initialized = true;
    let initFailed = false;
    for (const c of pod.spec?.initContainers ?? []) {
      const latest = recordsFor(rt, c.name)[0];
      if (isSidecar(c)) {
        if (latest?.state === 'CONTAINER_RUNNING' && !(await killIfNeeded(c, latest))) {
          if (!ctx.o.probes.started(latest.id) && !appStarted) { initialized = false; break; }
          continue;
        }
        await start(c, latest);
        if (!appStarted) { initialized = false; break; }
        continue;
      }
      if (appStarted) continue; // initialized before: init containers never run again
      if (!latest) { await start(c, undefined); initialized = false; break; }
      if (latest.state === 'CONTAINER_RUNNING') { initialized = false; break; }
      if (latest.state === 'CONTAINER_EXITED' && latest.exitCode === 0) continue;
      initialized = false;
      if (latest.state === 'CONTAINER_EXITED' && policy === 'Never') { initFailed = true; break; }
      await start(c, latest);
      break;
    }

    if (initialized && !initFailed) {
      for (const c of pod.spec?.containers ?? []) {
        const latest = recordsFor(rt, c.name)[0];
        if (!latest) { await start(c, undefined); continue; }
        if (latest.state === 'CONTAINER_RUNNING') {
          if (!(await killIfNeeded(c, latest))) continue;
          if (policy === 'Never') continue;
          const after = (await readPodRuntime(ctx.cri, st.uid)).containers.find((r) => r.id === latest.id) ?? latest;
          await start(c, after);
          continue;
        }
        if (latest.state === 'CONTAINER_EXITED' || latest.state === 'CONTAINER_UNKNOWN') {
          const restart = policy === 'Always' || (policy === 'OnFailure' && latest.exitCode !== 0);
          if (restart) await start(c, latest);
          continue;
        }
        // Created but never started (the agent stopped in between): replace it.
        await ctx.cri.removeContainer({ containerId: latest.id }).catch(() => undefined);
        await start(c, recordsFor(rt, c.name)[1]);
      }
    }
    rt = await readPodRuntime(ctx.cri, st.uid);
  }

  if (rt.containers.some((c) => justKilled(c, ctx.now()))) {
    // containerd may learn of an OOM kill just after the exit: look again before reporting it.
    await new Promise((r) => setTimeout(r, OOM_SETTLE_MS));
    rt = await readPodRuntime(ctx.cri, st.uid);
  }
  await readMessages(st, rt);
  let status = computeStatus(ctx, st, rt);
  const finished = status.phase === 'Succeeded' || status.phase === 'Failed';
  if (finished) {
    log.info('pod finished; stopping its sandbox', { phase: status.phase });
    await stopPodRuntime(ctx, pod, rt, pod.spec?.terminationGracePeriodSeconds ?? 30);
    rt = await readPodRuntime(ctx.cri, st.uid);
    await readMessages(st, rt);
    status = computeStatus(ctx, st, rt, true);
  }
  return { status, retryMs, finished };
}

const OOM_SETTLE_MS = 300;

/** Exited by SIGKILL a moment ago, not (yet) known as OOM-killed. */
function justKilled(c: ContainerRecord, now: number): boolean {
  return c.state === 'CONTAINER_EXITED' && c.exitCode === 137 && c.reason !== 'OOMKilled' && now - c.finishedAt < 1000;
}

export function allContainers(pod: Pod): Container[] {
  return [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])];
}

export function computeStatus(ctx: SyncContext, st: PodState, rt: PodRuntime, terminal = false): PodStatus {
  return podStatus({
    pod: st.pod, runtime: rt, now: ctx.now(), hostIP: ctx.o.nodeIP, waiting: st.waiting, messages: st.messages,
    ready: (id) => ctx.o.probes.ready(id), started: (id) => ctx.o.probes.started(id), terminal,
  });
}

async function readMessages(st: PodState, rt: PodRuntime): Promise<void> {
  for (const c of rt.containers) {
    if (c.state === 'CONTAINER_EXITED' && !st.messages.has(c.id)) st.messages.set(c.id, await terminationMessage(c));
  }
}

async function writeHosts(ctx: SyncContext, pod: Pod, ips: string[]): Promise<void> {
  const dir = podDir(ctx.o.agentDir, pod.metadata!.uid!);
  await mkdir(dir, { recursive: true });
  // A host-network pod sees the node's own hosts file (plus its host aliases), as upstream.
  const content = pod.spec?.hostNetwork
    ? hostNetworkHostsFile(pod, await readFile('/etc/hosts', 'utf8').catch(() => ''))
    : hostsFile(pod, ips, ctx.o.clusterDomain);
  await writeFile(join(dir, 'etc-hosts'), content, { mode: 0o644 });
}

/**
 * Stops whatever still runs of a pod (app containers first, then sidecars, then anything else)
 * with the grace period, then its sandboxes; containers stay for their status and logs.
 */
export async function stopPodRuntime(ctx: SyncContext, pod: Pod, rt: PodRuntime, graceSeconds: number): Promise<void> {
  const running = rt.containers.filter((c) => c.state === 'CONTAINER_RUNNING' || c.state === 'CONTAINER_CREATED');
  const specs = pod.spec ?? { containers: [] };
  const groups = [
    running.filter((r) => specs.containers.some((c) => c.name === r.name)),
    running.filter((r) => !specs.containers.some((c) => c.name === r.name)),
  ];
  for (const group of groups) {
    await Promise.all(group.map((r) => {
      const spec = allContainers(pod).find((c) => c.name === r.name);
      return killContainer(ctx, pod, spec, r.id, spec ? `Stopping container ${r.name}` : undefined, graceSeconds, r.state === 'CONTAINER_RUNNING');
    }));
  }
  for (const s of rt.sandboxes) {
    if (s.state === 'SANDBOX_READY') await ctx.cri.stopPodSandbox({ podSandboxId: s.id }).catch((err) => ctx.log.warn('stopping sandbox failed', { error: String(err) }));
  }
}

/** Keeps the burstable QoS cgroup's shares at the sum of its pods' requests. */
export async function updateBurstableShares(ctx: SyncContext): Promise<void> {
  await applyCgroupValues(qosCgroup(ctx.cgroupRoot, 'Burstable'), { cpuShares: burstableShares(ctx.allPods()) }).catch(() => undefined);
}

