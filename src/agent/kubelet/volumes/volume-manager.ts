// The kubelet's volume manager: sets up every volume a pod declares before its containers start
// (idempotently, so a pod worker may call it on each sync), gives each container its CRI mounts,
// keeps configMap/secret/downwardAPI/projected contents current while the pod runs, and removes
// it all when the pod is gone.
import type { Container, DownwardAPIVolumeFile, Node, Pod, Volume, VolumeProjection } from 'kubernetes-types/core/v1';
import { chmod, mkdir, readdir, rm, rmdir, stat } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import type { KObject } from '../../../api/types.ts';
import type { Client } from '../../../client/client.ts';
import type { Logger } from '../../../cli/log.ts';
import type { Mount } from '../../runtime/cri-client.ts';
import { writeAtomically, type Payload } from './atomic-writer.ts';
import { mountsForContainer } from './container-mounts.ts';
import { downwardApiPayload, type NodeAllocatable } from './downward-api.ts';
import { setUpEmptyDir } from './empty-dir.ts';
import { checkHostPath } from './host-path.ts';
import { configMapPayload, DEFAULT_MODE, secretPayload } from './key-value-sources.ts';
import { podDir, podVolumesDir, volumeDir, type PluginKind } from './paths.ts';
import { persistentVolumePath } from './persistent-volume-claim.ts';
import { forgetPodTokens, serviceAccountToken } from './service-account-token.ts';
import { mountTmpfs, unmountUnder } from './tmpfs.ts';

export interface VolumeContext { client: Client; agentDir: string; nodeName: string; log: Logger }
export interface PodVolumes {
  /** host path per pod volume name */
  paths: Map<string, { hostPath: string; readOnly: boolean }>;
}

/**
 * A volume that could not be set up. The message is the one upstream's FailedMount event carries
 * (`MountVolume.SetUp failed for volume "cfg" : configmap "x" not found`); `reason` is the part
 * after the colon.
 */
export class VolumeSetUpError extends Error {
  volume: string;
  reason: string;
  constructor(volume: string, reason: string) {
    super(`MountVolume.SetUp failed for volume "${volume}" : ${reason}`);
    this.name = 'VolumeSetUpError';
    this.volume = volume;
    this.reason = reason;
  }
}

export async function setUpPodVolumes(pod: Pod, ctx: VolumeContext): Promise<PodVolumes> {
  const paths = new Map<string, { hostPath: string; readOnly: boolean }>();
  const allocatable = lazyAllocatable(ctx);
  for (const vol of pod.spec?.volumes ?? []) {
    try {
      paths.set(vol.name, await setUpVolume(pod, vol, ctx, allocatable));
    } catch (err) {
      throw new VolumeSetUpError(vol.name, err instanceof Error ? err.message : String(err));
    }
  }
  return { paths };
}

export function containerMounts(pod: Pod, container: Container, vols: PodVolumes): Mount[] {
  return mountsForContainer(pod, container, vols.paths);
}

export async function tearDownPodVolumes(podUid: string, ctx: VolumeContext): Promise<void> {
  const dir = podVolumesDir(ctx.agentDir, podUid);
  forgetPodTokens(podUid);
  if (!await stat(dir).catch(() => undefined)) return;
  // Unmount before removing: rm must never reach through a mount into something else.
  await unmountUnder(dir);
  await rm(dir, { recursive: true, force: true });
  // The pod dir goes too once nothing else (etc-hosts, ...) is left in it.
  await rmdir(podDir(ctx.agentDir, podUid)).catch(() => undefined);
  ctx.log.debug('volumes torn down', { podUid });
}

/** Rewrites projected contents that changed in the API (atomically); volumes not set up yet are left alone. */
export async function refreshPodVolumes(pod: Pod, ctx: VolumeContext): Promise<void> {
  const uid = pod.metadata?.uid ?? '';
  const allocatable = lazyAllocatable(ctx);
  for (const vol of pod.spec?.volumes ?? []) {
    const kind = projectedKind(vol);
    if (!kind) continue;
    const dir = volumeDir(ctx.agentDir, uid, kind, vol.name);
    if (!await stat(dir).catch(() => undefined)) continue;
    try {
      const payload = await payloadOf(pod, vol, ctx, allocatable);
      if (await writeAtomically(dir, payload)) ctx.log.debug('volume contents updated', { pod: pod.metadata?.name, namespace: pod.metadata?.namespace, volume: vol.name });
    } catch (err) {
      // As upstream: the last good contents stay in place until the source is back.
      ctx.log.warn('volume refresh failed', { pod: pod.metadata?.name, namespace: pod.metadata?.namespace, volume: vol.name, error: (err as Error).message });
    }
  }
}

// ---- one volume --------------------------------------------------------------------------------

/** Kinds whose contents are written by skiff (and so refreshed), with where they live. */
function projectedKind(vol: Volume): PluginKind | undefined {
  if (vol.configMap) return 'configMap';
  if (vol.secret) return 'secret';
  if (vol.downwardAPI) return 'downwardAPI';
  if (vol.projected) return 'projected';
  return undefined;
}

async function setUpVolume(pod: Pod, vol: Volume, ctx: VolumeContext, allocatable: () => Promise<NodeAllocatable>): Promise<{ hostPath: string; readOnly: boolean }> {
  const uid = pod.metadata?.uid ?? '';
  if (vol.emptyDir) {
    const dir = volumeDir(ctx.agentDir, uid, 'emptyDir', vol.name);
    await setUpEmptyDir(dir, vol.emptyDir, pod);
    return { hostPath: dir, readOnly: false };
  }
  if (vol.hostPath) {
    await checkHostPath(vol.hostPath.path, vol.hostPath.type);
    return { hostPath: vol.hostPath.path, readOnly: false };
  }
  if (vol.persistentVolumeClaim) {
    const path = await persistentVolumePath(ctx.client, pod.metadata?.namespace ?? 'default', vol.persistentVolumeClaim.claimName);
    return { hostPath: path, readOnly: !!vol.persistentVolumeClaim.readOnly };
  }
  const kind = projectedKind(vol);
  if (!kind) throw new Error(`volume type is not supported by this node (supported: emptyDir, hostPath, configMap, secret, downwardAPI, projected, persistentVolumeClaim)`);
  const dir = volumeDir(ctx.agentDir, uid, kind, vol.name);
  // Fetch before creating anything, so a missing source leaves no half-made volume behind.
  const payload = await payloadOf(pod, vol, ctx, allocatable);
  await mkdir(dir, { recursive: true });
  if (kind === 'secret' || kind === 'projected') {
    // Secrets stay off disk, as upstream keeps them, where the node lets us mount.
    try {
      await mountTmpfs(dir);
    } catch (err) {
      ctx.log.debug('tmpfs for volume refused, using a plain directory', { volume: vol.name, error: (err as Error).message });
      await chmod(dir, 0o777);
    }
  } else {
    await chmod(dir, 0o777);
  }
  await writeAtomically(dir, payload);
  // Upstream mounts every projected kind read-only into containers.
  return { hostPath: dir, readOnly: true };
}

async function payloadOf(pod: Pod, vol: Volume, ctx: VolumeContext, allocatable: () => Promise<NodeAllocatable>): Promise<Payload> {
  const ns = pod.metadata?.namespace ?? 'default';
  if (vol.configMap) {
    return configMapPayload(ctx.client, ns, { name: vol.configMap.name ?? '', items: vol.configMap.items, optional: vol.configMap.optional }, vol.configMap.defaultMode ?? DEFAULT_MODE);
  }
  if (vol.secret) {
    return secretPayload(ctx.client, ns, { name: vol.secret.secretName ?? '', items: vol.secret.items, optional: vol.secret.optional }, vol.secret.defaultMode ?? DEFAULT_MODE);
  }
  if (vol.downwardAPI) {
    const items = vol.downwardAPI.items ?? [];
    return downwardApiPayload(pod, items, vol.downwardAPI.defaultMode ?? DEFAULT_MODE, await allocatableFor(items, allocatable));
  }
  if (vol.projected) {
    const mode = vol.projected.defaultMode ?? DEFAULT_MODE;
    const payload: Payload = new Map();
    for (const source of vol.projected.sources ?? []) {
      for (const [path, file] of await projectionPayload(pod, source, mode, ctx, allocatable)) payload.set(path, file);
    }
    return payload;
  }
  return new Map();
}

async function projectionPayload(pod: Pod, source: VolumeProjection, mode: number, ctx: VolumeContext, allocatable: () => Promise<NodeAllocatable>): Promise<Payload> {
  const ns = pod.metadata?.namespace ?? 'default';
  if (source.configMap) return configMapPayload(ctx.client, ns, { name: source.configMap.name ?? '', items: source.configMap.items, optional: source.configMap.optional }, mode);
  if (source.secret) return secretPayload(ctx.client, ns, { name: source.secret.name ?? '', items: source.secret.items, optional: source.secret.optional }, mode);
  if (source.downwardAPI) {
    const items = source.downwardAPI.items ?? [];
    return downwardApiPayload(pod, items, mode, await allocatableFor(items, allocatable));
  }
  if (source.serviceAccountToken) {
    const token = await serviceAccountToken(ctx.client, pod, source.serviceAccountToken);
    return new Map([[source.serviceAccountToken.path, { data: token, mode }]]);
  }
  throw new Error('projected volume source is not supported by this node (supported: configMap, secret, downwardAPI, serviceAccountToken)');
}

// ---- node allocatable, for resourceFieldRef limits left unset -------------------------------------

async function allocatableFor(items: DownwardAPIVolumeFile[], allocatable: () => Promise<NodeAllocatable>): Promise<NodeAllocatable> {
  return items.some((i) => i.resourceFieldRef) ? allocatable() : {};
}

function lazyAllocatable(ctx: VolumeContext): () => Promise<NodeAllocatable> {
  let memo: Promise<NodeAllocatable> | undefined;
  return () => memo ??= (async () => {
    const machine = { cpu: String(cpus().length), memory: String(totalmem()) };
    try {
      const node = await ctx.client.resource<Node & KObject>('', 'v1', 'nodes').get(ctx.nodeName);
      return { ...machine, ...node.status?.allocatable };
    } catch {
      return machine;
    }
  })();
}

/** UIDs of the pods that have a directory under the agent dir: what to tear down for pods deleted while the agent was away. */
export async function podUidsOnDisk(agentDir: string): Promise<string[]> {
  return readdir(join(agentDir, 'pods')).catch(() => [] as string[]);
}
