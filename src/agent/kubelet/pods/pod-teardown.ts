// Removing a pod from the node: stop what runs (preStop, SIGTERM, SIGKILL after the grace period),
// remove its containers and sandboxes, tear down volumes, remove its cgroup, /etc/hosts,
// termination-message files and logs. Used for deleted pods, pods gone from the API and orphans.
import { rm, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Pod } from 'kubernetes-types/core/v1';
import { podCgroup, removeCgroup } from './cgroups.ts';
import { stopPodRuntime, updateBurstableShares } from './pod-sync.ts';
import { qosClass } from './qos.ts';
import { readPodRuntime, type PodRuntime } from './runtime-state.ts';
import { podDir, podLogDirectory } from './sandbox-config.ts';
import type { SyncContext } from './sync-context.ts';

/** The grace period a deleted pod gets: the deletion's, else the spec's (default 30 s). */
export function gracePeriodSeconds(pod: Pod): number {
  return pod.metadata?.deletionGracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? 30;
}

/** Stops every container and sandbox of the pod; returns the runtime state afterwards (for the final status). */
export async function killPod(ctx: SyncContext, pod: Pod, graceSeconds: number): Promise<PodRuntime> {
  const uid = pod.metadata!.uid!;
  ctx.o.probes.updatePod?.(pod);
  const rt = await readPodRuntime(ctx.cri, uid);
  ctx.log.info('stopping pod', { pod: `${pod.metadata?.namespace}/${pod.metadata?.name}`, grace: graceSeconds, containers: rt.containers.length });
  await stopPodRuntime(ctx, pod, rt, graceSeconds);
  return readPodRuntime(ctx.cri, uid);
}

/** Removes everything the pod left on the node once nothing of it runs. */
export async function cleanUpPod(ctx: SyncContext, pod: Pod): Promise<void> {
  const uid = pod.metadata!.uid!;
  const rt = await readPodRuntime(ctx.cri, uid);
  for (const c of rt.containers) await ctx.cri.removeContainer({ containerId: c.id }).catch(() => undefined);
  for (const s of rt.sandboxes) {
    await ctx.cri.stopPodSandbox({ podSandboxId: s.id }).catch(() => undefined);
    await ctx.cri.removePodSandbox({ podSandboxId: s.id }).catch((err) => ctx.log.warn('removing sandbox failed', { error: String(err) }));
  }
  ctx.o.probes.removePod(uid);
  ctx.crashBackoff.forgetPrefix(`${uid}_`);
  ctx.puller.backoff.forgetPrefix(`${uid}_`);
  await ctx.o.volumes.tearDown(uid).catch((err) => ctx.log.warn('volume tear-down failed', { pod: uid, error: String(err) }));
  await removePodCgroup(ctx, pod);
  await rm(join(podDir(ctx.o.agentDir, uid), 'etc-hosts'), { force: true });
  await rm(join(podDir(ctx.o.agentDir, uid), 'containers'), { recursive: true, force: true });
  await rmdir(podDir(ctx.o.agentDir, uid)).catch(() => undefined); // kept if something else still lives there
  if (pod.metadata?.name) await rm(podLogDirectory(ctx.o.agentDir, pod), { recursive: true, force: true });
  await updateBurstableShares(ctx);
  ctx.log.info('pod cleaned up', { pod: `${pod.metadata?.namespace}/${pod.metadata?.name}`, uid });
}

/** Removes the pod cgroup; runc may take a moment to release it, so look a few times. */
async function removePodCgroup(ctx: SyncContext, pod: Pod): Promise<void> {
  const uid = pod.metadata!.uid!;
  const paths = pod.spec ? [podCgroup(ctx.cgroupRoot, qosClass(pod), uid)] : [];
  for (const qos of ['Guaranteed', 'Burstable', 'BestEffort'] as const) {
    const p = podCgroup(ctx.cgroupRoot, qos, uid);
    if (!paths.includes(p)) paths.push(p);
  }
  for (let attempt = 0; attempt < 20; attempt++) {
    let clean = true;
    for (const p of paths) clean = (await removeCgroup(p)) && clean;
    if (clean) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  ctx.log.warn('pod cgroup still busy; left behind', { uid });
}
