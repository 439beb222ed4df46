// Pod and QoS cgroups (cgroup v1, cgroupfs driver): the kubelet owns `<root>/kubepods`, its
// `burstable` and `besteffort` children and one `pod<uid>` directory per pod, which containerd
// uses as the sandbox's cgroup parent but never creates or removes itself (containerd notes,
// pitfall 4). Paths are pure; the file-system side creates and removes them in every hierarchy.
import { mkdir, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Pod } from 'kubernetes-types/core/v1';
import { MIN_SHARES, milliCpuToQuota, milliCpuToShares, podAmounts, qosClass, QUOTA_PERIOD, type QosClass } from './qos.ts';
import { removeCgroupTree } from '../../runtime/host-cleanup.ts';

export const CGROUP_MOUNT = '/sys/fs/cgroup';

/** The default root of a node's cgroups: /skiff/<nodeName>. */
export function nodeCgroupRoot(nodeName: string): string {
  return `/skiff/${nodeName}`;
}

export function qosCgroup(root: string, qos: QosClass): string {
  return qos === 'Guaranteed' ? `${root}/kubepods` : `${root}/kubepods/${qos.toLowerCase()}`;
}

export function podCgroup(root: string, qos: QosClass, uid: string): string {
  return `${qosCgroup(root, qos)}/pod${uid}`;
}

export interface CgroupValues {
  cpuShares: number;
  cpuQuota?: number;
  cpuPeriod?: number;
  memoryLimit?: number;
}

/**
 * What the pod cgroup is set to, as upstream's ResourceConfigForPod: shares from the requests,
 * a cpu quota and a memory limit only when every container has one.
 */
export function podCgroupValues(pod: Pod): CgroupValues {
  if (qosClass(pod) === 'BestEffort') return { cpuShares: MIN_SHARES };
  const a = podAmounts(pod);
  const v: CgroupValues = { cpuShares: milliCpuToShares(a.cpuRequestMilli) };
  if (a.cpuLimitMilli !== undefined) {
    v.cpuQuota = milliCpuToQuota(a.cpuLimitMilli);
    v.cpuPeriod = QUOTA_PERIOD;
  }
  if (a.memoryLimit !== undefined) v.memoryLimit = a.memoryLimit;
  return v;
}

/** The burstable QoS cgroup's shares: the sum of its pods' cpu requests (at least the minimum). */
export function burstableShares(pods: Pod[]): number {
  let milli = 0;
  for (const p of pods) if (qosClass(p) === 'Burstable') milli += podAmounts(p).cpuRequestMilli;
  return milliCpuToShares(milli);
}

// ---- file system ----

/** The mounted cgroup v1 hierarchies (the unified cgroup2 mount of a hybrid setup is left out). */
export async function v1Hierarchies(mount = CGROUP_MOUNT): Promise<string[]> {
  const names = await readdir(mount).catch(() => [] as string[]);
  return names.filter((n) => n !== 'unified').map((n) => join(mount, n));
}

async function exists(p: string): Promise<boolean> {
  return stat(p).then(() => true, () => false);
}

/** Creates a cgroup path in every v1 hierarchy; cpuset levels inherit their parent's cpus and mems. */
export async function ensureCgroup(path: string, mount = CGROUP_MOUNT): Promise<void> {
  for (const h of await v1Hierarchies(mount)) {
    const isCpuset = /(^|,)cpuset(,|$)/.test(h.slice(h.lastIndexOf('/') + 1));
    let cur = h;
    for (const part of path.split('/').filter(Boolean)) {
      const parent = cur;
      cur = join(cur, part);
      if (await exists(cur)) continue;
      await mkdir(cur).catch((err: NodeJS.ErrnoException) => { if (err.code !== 'EEXIST') throw err; });
      if (isCpuset) {
        for (const f of ['cpuset.cpus', 'cpuset.mems']) {
          const mine = await readFile(join(cur, f), 'utf8').catch(() => undefined);
          if (mine !== undefined && mine.trim() === '') {
            const theirs = await readFile(join(parent, f), 'utf8').catch(() => '');
            await writeFile(join(cur, f), theirs.trim()).catch(() => undefined);
          }
        }
      }
    }
  }
}

/** Writes the values into the cpu and memory hierarchies of an existing cgroup. */
export async function applyCgroupValues(path: string, v: CgroupValues, mount = CGROUP_MOUNT): Promise<void> {
  const cpu = (await exists(join(mount, 'cpu'))) ? join(mount, 'cpu') : join(mount, 'cpu,cpuacct');
  await writeFile(join(cpu, path, 'cpu.shares'), String(v.cpuShares));
  if (v.cpuPeriod !== undefined) await writeFile(join(cpu, path, 'cpu.cfs_period_us'), String(v.cpuPeriod));
  await writeFile(join(cpu, path, 'cpu.cfs_quota_us'), String(v.cpuQuota ?? -1));
  if (v.memoryLimit !== undefined) {
    await writeFile(join(mount, 'memory', path, 'memory.limit_in_bytes'), String(v.memoryLimit)).catch(async (err) => {
      // Lowering below current usage fails (EBUSY); a limit only ever starts high for a new pod.
      if ((err as NodeJS.ErrnoException).code !== 'EBUSY') throw err;
    });
  }
}

/** The pod cgroup, created with its values (and the QoS parents it sits under). */
export async function ensurePodCgroup(root: string, pod: Pod, mount = CGROUP_MOUNT): Promise<string> {
  const path = podCgroup(root, qosClass(pod), pod.metadata!.uid!);
  const besteffort = qosCgroup(root, 'BestEffort');
  if (!(await exists(join(mount, 'cpu', besteffort)))) {
    await ensureCgroup(besteffort, mount);
    await ensureCgroup(qosCgroup(root, 'Burstable'), mount);
    await applyCgroupValues(besteffort, { cpuShares: MIN_SHARES }, mount).catch(() => undefined);
  }
  await ensureCgroup(path, mount);
  await applyCgroupValues(path, podCgroupValues(pod), mount);
  return path;
}

/** Removes a cgroup and everything below it from every hierarchy; returns whether all went. */
export function removeCgroup(path: string, mount = CGROUP_MOUNT): Promise<boolean> {
  return removeCgroupTree(path, mount);
}

/** The UIDs of the pod cgroups present under a node root (any QoS class), with their paths. */
export async function listPodCgroups(root: string, mount = CGROUP_MOUNT): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  const cpu = join(mount, 'cpu');
  for (const qos of ['Guaranteed', 'Burstable', 'BestEffort'] as QosClass[]) {
    const dir = qosCgroup(root, qos);
    for (const e of await readdir(join(cpu, dir), { withFileTypes: true }).catch(() => [])) {
      if (e.isDirectory() && e.name.startsWith('pod')) found.set(e.name.slice(3), `${dir}/${e.name}`);
    }
  }
  return found;
}
