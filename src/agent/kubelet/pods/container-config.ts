// The CRI ContainerConfig for one container of a pod, from its spec and what the worker resolved
// (environment, mounts, the image's user): command and args with $(VAR) expansion, resources as
// Linux cgroup values, the security context, labels and annotations. Pure.
import type { Container, Pod, SecurityContext } from 'kubernetes-types/core/v1';
import type { ContainerConfig, Input, LinuxContainerResources, LinuxContainerSecurityContext, Mount, NamespaceMode } from '../../runtime/cri-client.ts';
import { expand, ContainerConfigError, type EnvEntry } from './env.ts';
import {
  CONTAINER_HASH_ANNOTATION, GRACE_PERIOD_ANNOTATION, RESTART_COUNT_ANNOTATION, TERMINATION_MESSAGE_PATH_ANNOTATION,
  TERMINATION_MESSAGE_POLICY_ANNOTATION, containerHash, containerLabels, podDescription,
} from './labels.ts';
import { containerAmount, effectiveRequest, milliCpuToQuota, milliCpuToShares, oomScoreAdj, QUOTA_PERIOD } from './qos.ts';

/** What the runtime leaves masked and read-only in /proc and /sys for unprivileged containers (upstream's defaults). */
export const DEFAULT_MASKED_PATHS = [
  '/proc/asound', '/proc/acpi', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list',
  '/proc/timer_stats', '/proc/sched_debug', '/proc/scsi', '/sys/firmware', '/sys/devices/virtual/powercap',
];
export const DEFAULT_READONLY_PATHS = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

export interface ContainerConfigInput {
  pod: Pod;
  container: Container;
  restartCount: number;
  /** The image as the runtime knows it (its ID or resolved reference). */
  imageRef: string;
  env: EnvEntry[];
  mounts: Input<Mount>[];
  /** The image's configured user (uid or name), to check runAsNonRoot. */
  imageUser: { uid?: number; username?: string };
  memoryCapacity: number;
}

export function containerConfig(i: ContainerConfigInput): Input<ContainerConfig> {
  const { pod, container: c } = i;
  const lookup = (name: string) => i.env.find((e) => e.key === name)?.value;
  const sc = effectiveSecurityContext(pod, c);
  verifyRunAsNonRoot(pod, c, sc, i.imageUser);
  return {
    metadata: { name: c.name, attempt: i.restartCount },
    image: { image: i.imageRef, userSpecifiedImage: c.image ?? '' },
    command: (c.command ?? []).map((s) => expand(s, lookup)),
    args: (c.args ?? []).map((s) => expand(s, lookup)),
    workingDir: c.workingDir ?? '',
    envs: i.env,
    mounts: i.mounts,
    labels: containerLabels(pod, c),
    annotations: containerAnnotations(pod, c, i.restartCount),
    logPath: `${c.name}/${i.restartCount}.log`,
    stdin: !!c.stdin,
    stdinOnce: !!c.stdinOnce,
    tty: !!c.tty,
    linux: {
      resources: linuxResources(pod, c, i.memoryCapacity),
      securityContext: linuxSecurityContext(pod, sc),
    },
  };
}

export function containerAnnotations(pod: Pod, c: Container, restartCount: number): Record<string, string> {
  return {
    [CONTAINER_HASH_ANNOTATION]: containerHash(c),
    [RESTART_COUNT_ANNOTATION]: String(restartCount),
    [TERMINATION_MESSAGE_PATH_ANNOTATION]: c.terminationMessagePath ?? '/dev/termination-log',
    [TERMINATION_MESSAGE_POLICY_ANNOTATION]: c.terminationMessagePolicy ?? 'File',
    [GRACE_PERIOD_ANNOTATION]: String(pod.spec?.terminationGracePeriodSeconds ?? 30),
  };
}

/** cpu shares from the request (at least 2), quota and period from the cpu limit, the memory limit. */
export function linuxResources(pod: Pod, c: Container, memoryCapacity: number): Input<LinuxContainerResources> {
  const cpuLimit = containerAmount(c, 'limits', 'cpu');
  const r: Input<LinuxContainerResources> = {
    cpuShares: milliCpuToShares(effectiveRequest(c, 'cpu')),
    memoryLimitInBytes: containerAmount(c, 'limits', 'memory'),
    oomScoreAdj: oomScoreAdj(pod, c, memoryCapacity),
  };
  if (cpuLimit > 0) {
    r.cpuQuota = milliCpuToQuota(cpuLimit);
    r.cpuPeriod = QUOTA_PERIOD;
  }
  return r;
}

/** The container's security context over the pod's, field by field. */
export function effectiveSecurityContext(pod: Pod, c: Container): SecurityContext {
  const p = pod.spec?.securityContext ?? {};
  const own = c.securityContext ?? {};
  return {
    ...own,
    runAsUser: own.runAsUser ?? p.runAsUser,
    runAsGroup: own.runAsGroup ?? p.runAsGroup,
    runAsNonRoot: own.runAsNonRoot ?? p.runAsNonRoot,
    seccompProfile: own.seccompProfile ?? p.seccompProfile,
  };
}

/** upstream's verifyRunAsNonRoot, with its messages. */
export function verifyRunAsNonRoot(pod: Pod, c: Container, sc: SecurityContext, imageUser: { uid?: number; username?: string }): void {
  if (!sc.runAsNonRoot) return;
  const who = `(pod: "${podDescription(pod)}", container: ${c.name})`;
  if (sc.runAsUser !== undefined) {
    if (sc.runAsUser === 0) throw new ContainerConfigError(`container's runAsUser breaks non-root policy ${who}`);
    return;
  }
  if (imageUser.uid !== undefined) {
    if (imageUser.uid === 0) throw new ContainerConfigError(`container has runAsNonRoot and image will run as root ${who}`);
    return;
  }
  if (imageUser.username) {
    throw new ContainerConfigError(`container has runAsNonRoot and image has non-numeric user (${imageUser.username}), cannot verify user is non-root ${who}`);
  }
  // An image with no user runs as root.
  throw new ContainerConfigError(`container has runAsNonRoot and image will run as root ${who}`);
}

function linuxSecurityContext(pod: Pod, sc: SecurityContext): Input<LinuxContainerSecurityContext> {
  const spec = pod.spec ?? { containers: [] };
  const nsMode = (host: boolean | undefined, podWide: NamespaceMode): NamespaceMode => (host ? 'NODE' : podWide);
  const privileged = !!sc.privileged;
  const podSc = spec.securityContext ?? {};
  const out: Input<LinuxContainerSecurityContext> = {
    privileged,
    readonlyRootfs: !!sc.readOnlyRootFilesystem,
    capabilities: { addCapabilities: sc.capabilities?.add ?? [], dropCapabilities: sc.capabilities?.drop ?? [] },
    namespaceOptions: {
      network: nsMode(spec.hostNetwork, 'POD'),
      pid: nsMode(spec.hostPID, spec.shareProcessNamespace ? 'POD' : 'CONTAINER'),
      ipc: nsMode(spec.hostIPC, 'POD'),
    },
    supplementalGroups: [...(podSc.fsGroup !== undefined ? [podSc.fsGroup] : []), ...(podSc.supplementalGroups ?? [])],
    noNewPrivs: sc.allowPrivilegeEscalation === false,
    maskedPaths: privileged || sc.procMount === 'Unmasked' ? [] : DEFAULT_MASKED_PATHS,
    readonlyPaths: privileged || sc.procMount === 'Unmasked' ? [] : DEFAULT_READONLY_PATHS,
    seccomp: { profileType: sc.seccompProfile?.type === 'RuntimeDefault' ? 'RuntimeDefault' : sc.seccompProfile?.type === 'Localhost' ? 'Localhost' : 'Unconfined', localhostRef: sc.seccompProfile?.localhostProfile ?? '' },
  };
  if (sc.runAsUser !== undefined) out.runAsUser = { value: sc.runAsUser };
  if (sc.runAsGroup !== undefined) out.runAsGroup = { value: sc.runAsGroup };
  return out;
}
