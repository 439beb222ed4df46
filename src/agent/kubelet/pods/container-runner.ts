// Starting and stopping one container, as upstream's kuberuntime startContainer/killContainer:
// pull the image, build the config (env, mounts, /etc/hosts, termination message file), create,
// start, postStart hook; on stop the preStop hook and then StopContainer with what is left of
// the grace period. Failures become the container's waiting reason and upstream's events.
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Container, Pod } from 'kubernetes-types/core/v1';
import type { Input, Mount, PodSandboxConfig } from '../../runtime/cri-client.ts';
import { runHandler } from '../probes/lifecycle.ts';
import type { ProbeExec } from '../probes/types.ts';
import { containerConfig } from './container-config.ts';
import { ContainerConfigError, containerEnv } from './env.ts';
import { grpcErrorText } from './image-puller.ts';
import type { Waiting } from './pod-status.ts';
import type { ContainerRecord } from './runtime-state.ts';
import { podDir, podLogDirectory } from './sandbox-config.ts';
import type { SyncContext } from './sync-context.ts';

/** The least time a container gets to stop (upstream's minimumGracePeriodInSeconds). */
export const MIN_GRACE_SECONDS = 2;

export interface StartInput {
  pod: Pod;
  container: Container;
  sandboxId: string;
  sandboxConfig: Input<PodSandboxConfig>;
  podIPs: string[];
  /** The container's newest record, if it ran before. */
  previous?: ContainerRecord;
  volumes: unknown;
}

export type StartResult = { ok: true; containerId: string } | { ok: false; waiting: Waiting; retryMs: number };

export function criExec(ctx: SyncContext): ProbeExec {
  return (containerId, cmd, timeoutSeconds) => ctx.cri.execSync({ containerId, cmd, timeout: timeoutSeconds });
}

/** The restart count a new container starts at when the runtime has no record of the old ones: from the log files left. */
export async function restartCountFromLogs(logDir: string): Promise<number> {
  let count = 0;
  for (const f of await readdir(logDir).catch(() => [] as string[])) {
    const m = /^(\d+)\.log/.exec(f);
    if (m) count = Math.max(count, Number(m[1]) + 1);
  }
  return count;
}

export async function startContainer(ctx: SyncContext, i: StartInput): Promise<StartResult> {
  const { pod, container: c } = i;
  const { events, cri, log } = ctx;
  const fail = (reason: string, message: string, retryMs: number, eventMessage = `Error: ${message}`): StartResult => {
    events.container(pod, c, 'Warning', 'Failed', eventMessage);
    return { ok: false, waiting: { reason, message }, retryMs };
  };

  const pull = await ctx.puller.ensure(pod, c, i.sandboxConfig);
  if (!pull.ok) {
    events.container(pod, c, 'Warning', 'Failed', `Error: ${pull.reason}`);
    const wait = ctx.puller.backoff.get(`${pod.metadata?.uid}_${c.image}`) || 10_000;
    return { ok: false, waiting: { reason: pull.reason, message: pull.message }, retryMs: wait };
  }

  const uid = pod.metadata!.uid!;
  const logDir = podLogDirectory(ctx.o.agentDir, pod);
  const restartCount = i.previous ? i.previous.restartCount + 1 : await restartCountFromLogs(join(logDir, c.name));
  let config;
  try {
    const env = await containerEnv(pod, c, ctx.lookups, {
      hostIP: ctx.o.nodeIP, podIPs: i.podIPs, nodeCpuMilli: ctx.cpuMilli, nodeMemory: ctx.memoryCapacity,
    });
    const image = await cri.imageStatus({ image: { image: pull.imageRef } }).then((r) => r.image).catch(() => null);
    const mounts: Input<Mount>[] = [...ctx.o.volumes.mounts(pod, c, i.volumes)];
    if (!mounts.some((m) => m.containerPath === '/etc/hosts')) {
      mounts.push({ containerPath: '/etc/hosts', hostPath: join(podDir(ctx.o.agentDir, uid), 'etc-hosts') });
    }
    const msgPath = c.terminationMessagePath ?? '/dev/termination-log';
    if (msgPath && !mounts.some((m) => m.containerPath === msgPath)) {
      // A fresh file per container instance, as upstream: the message of one run never leaks into the next.
      const dir = join(podDir(ctx.o.agentDir, uid), 'containers', c.name);
      await mkdir(dir, { recursive: true });
      const file = join(dir, randomBytes(4).toString('hex'));
      await writeFile(file, '', { mode: 0o666 });
      mounts.push({ containerPath: msgPath, hostPath: file });
    }
    config = containerConfig({
      pod, container: c, restartCount, imageRef: pull.imageRef, env, mounts,
      imageUser: { uid: image?.uid?.value, username: image?.username }, memoryCapacity: ctx.memoryCapacity,
    });
  } catch (err) {
    if (err instanceof ContainerConfigError) return fail('CreateContainerConfigError', err.message, 10_000);
    throw err;
  }
  await mkdir(join(logDir, c.name), { recursive: true });

  let containerId: string;
  try {
    ({ containerId } = await cri.createContainer({ podSandboxId: i.sandboxId, config, sandboxConfig: i.sandboxConfig }));
  } catch (err) {
    return fail('CreateContainerError', grpcErrorText(err), 10_000);
  }
  events.container(pod, c, 'Normal', 'Created', `Created container: ${c.name}`);
  try {
    await cri.startContainer({ containerId });
  } catch (err) {
    const text = grpcErrorText(err).replaceAll(containerId, c.name);
    events.container(pod, c, 'Warning', 'Failed', `Error: ${text}`);
    return { ok: true, containerId }; // the runtime reports it exited (StartError); the restart policy takes over
  }
  events.container(pod, c, 'Normal', 'Started', `Started container ${c.name}`);
  log.info('container started', { pod: `${pod.metadata?.namespace}/${pod.metadata?.name}`, container: c.name, restartCount, id: containerId.slice(0, 12) });
  ctx.o.probes.addContainer({ pod, container: c, containerId, podIP: i.podIPs[0] ?? '', startedAt: ctx.now() });

  const postStart = c.lifecycle?.postStart;
  if (postStart) {
    const r = await runHandler(postStart, { pod, container: c, containerId, podIP: i.podIPs[0] ?? '', startedAt: ctx.now() }, criExec(ctx), 0);
    if (!r.ok) {
      log.warn('postStart hook failed', { container: c.name, message: r.message });
      // The message stays out of the event so hook output cannot leak, as upstream.
      events.container(pod, c, 'Warning', 'FailedPostStartHook', 'PostStartHook failed');
      await killContainer(ctx, pod, c, containerId, 'FailedPostStartHook', pod.spec?.terminationGracePeriodSeconds ?? 30, true);
    }
  }
  return { ok: true, containerId };
}

/**
 * Stops a running container: Killing event (when a message is given), the preStop hook within
 * the grace period, then StopContainer with what is left of it (SIGTERM, then SIGKILL).
 */
export async function killContainer(
  ctx: SyncContext, pod: Pod, c: Container | undefined, containerId: string, message: string | undefined, graceSeconds: number, running = true,
): Promise<void> {
  const started = ctx.now();
  let grace = Math.max(graceSeconds, MIN_GRACE_SECONDS);
  if (c && message) ctx.events.container(pod, c, 'Normal', 'Killing', message);
  const preStop = c?.lifecycle?.preStop;
  if (c && preStop && running) {
    const r = await runHandler(preStop, { pod, container: c, containerId, podIP: pod.status?.podIP ?? '', startedAt: started }, criExec(ctx), grace);
    if (!r.ok) ctx.events.container(pod, c, 'Warning', 'FailedPreStopHook', r.message);
    grace = Math.max(MIN_GRACE_SECONDS, grace - Math.floor((ctx.now() - started) / 1000));
  }
  ctx.o.probes.removeContainer(containerId);
  ctx.log.info('stopping container', { pod: `${pod.metadata?.namespace}/${pod.metadata?.name}`, container: c?.name, grace });
  await ctx.cri.stopContainer({ containerId, timeout: grace }).catch((err) => {
    if (!/not found/i.test(String(err))) throw err;
  });
}
