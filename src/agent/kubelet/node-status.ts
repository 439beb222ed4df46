// What a real node reports about itself, read from the machine as the kubelet does: capacity
// (cpu, memory, ephemeral-storage, pods), allocatable after the default hard eviction thresholds,
// addresses, nodeInfo and the four conditions `kubectl describe node` shows.
import type { NodeCondition, NodeStatus, NodeSystemInfo } from 'kubernetes-types/core/v1';
import { readFileSync, statfsSync } from 'node:fs';
import { arch, availableParallelism, release } from 'node:os';
import { rfc3339 } from '../../machinery/meta.ts';

export const KUBELET_VERSION = 'v1.32.0';
export const MAX_PODS = 110;
/** Upstream's default hard eviction thresholds, which allocatable keeps back. */
const EVICTION_MEMORY_BYTES = 100 * 1024 * 1024;
const EVICTION_NODEFS_FRACTION = 0.1;

export interface MachineFacts {
  cpus: number;
  memoryBytes: number;
  /** Size of the filesystem holding the agent's data. */
  diskBytes: number;
}

export function readMachineFacts(dataDir: string): MachineFacts {
  const meminfo = readFileSync('/proc/meminfo', 'utf8');
  const memKb = Number(/^MemTotal:\s+(\d+) kB/m.exec(meminfo)?.[1] ?? 0);
  const fs = statfsSync(dataDir);
  return { cpus: availableParallelism(), memoryBytes: memKb * 1024, diskBytes: fs.blocks * fs.bsize };
}

/** Capacity and allocatable in the forms upstream prints (memory in Ki; allocatable storage in bytes). */
export function nodeResources(m: MachineFacts, maxPods = MAX_PODS): Pick<NodeStatus, 'capacity' | 'allocatable'> {
  const kib = (bytes: number) => `${Math.floor(bytes / 1024)}Ki`;
  const common = { 'hugepages-1Gi': '0', 'hugepages-2Mi': '0', pods: String(maxPods) };
  return {
    capacity: { cpu: String(m.cpus), 'ephemeral-storage': kib(m.diskBytes), memory: kib(m.memoryBytes), ...common },
    allocatable: {
      cpu: String(m.cpus),
      'ephemeral-storage': String(Math.floor(Math.floor(m.diskBytes / 1024) * 1024 * (1 - EVICTION_NODEFS_FRACTION))),
      memory: kib(Math.max(0, m.memoryBytes - EVICTION_MEMORY_BYTES)),
      ...common,
    },
  };
}

export function goArch(nodeArch: string = arch()): string {
  return ({ x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x' } as Record<string, string>)[nodeArch] ?? nodeArch;
}

function readTrimmed(path: string): string {
  try { return readFileSync(path, 'utf8').trim(); } catch { return ''; }
}

function osImage(): string {
  const text = readTrimmed('/etc/os-release');
  const pretty = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(text)?.[1];
  return pretty ?? 'Linux';
}

export function systemInfo(runtimeVersion: string): NodeSystemInfo {
  return {
    machineID: readTrimmed('/etc/machine-id'),
    systemUUID: readTrimmed('/sys/class/dmi/id/product_uuid'),
    bootID: readTrimmed('/proc/sys/kernel/random/boot_id'),
    kernelVersion: release(),
    osImage: osImage(),
    containerRuntimeVersion: runtimeVersion,
    kubeletVersion: KUBELET_VERSION,
    kubeProxyVersion: '',
    operatingSystem: 'linux',
    architecture: goArch(),
  };
}

export interface RuntimeHealth {
  /** Empty when the runtime and its network are ready; otherwise upstream's reason text. */
  notReadyMessage: string;
}

/**
 * The node's conditions; a condition keeps its lastTransitionTime while its status stays the same,
 * and every one gets a fresh heartbeat.
 */
export function nodeConditions(previous: NodeCondition[] | undefined, health: RuntimeHealth, now = new Date()): NodeCondition[] {
  const ts = rfc3339(now);
  const ready = !health.notReadyMessage;
  const wanted: Array<Omit<NodeCondition, 'lastHeartbeatTime' | 'lastTransitionTime'>> = [
    { type: 'MemoryPressure', status: 'False', reason: 'KubeletHasSufficientMemory', message: 'kubelet has sufficient memory available' },
    { type: 'DiskPressure', status: 'False', reason: 'KubeletHasNoDiskPressure', message: 'kubelet has no disk pressure' },
    { type: 'PIDPressure', status: 'False', reason: 'KubeletHasSufficientPID', message: 'kubelet has sufficient PID available' },
    ready
      ? { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' }
      : { type: 'Ready', status: 'False', reason: 'KubeletNotReady', message: health.notReadyMessage },
  ];
  return wanted.map((c) => {
    const old = previous?.find((p) => p.type === c.type);
    const transitioned = !old || old.status !== c.status;
    return { ...c, lastHeartbeatTime: ts, lastTransitionTime: transitioned ? ts : old.lastTransitionTime };
  });
}
