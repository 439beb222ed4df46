// NodeResourcesFit: a pod fits where allocatable minus what the node's pods request covers its
// own request, resource by resource (cpu, memory, ephemeral-storage, extended resources such as
// nvidia.com/gpu), and where one more pod is allowed. Every shortfall is reported. Its score
// (LeastAllocated) prefers the nodes that would have the most cpu and memory left.
import type { NodeInfo } from '../node-info.ts';
import type { PodInfo } from '../pod-info.ts';
import { MAX_NODE_SCORE, unschedulable, type FilterPlugin, type ScorePlugin, type Status } from '../types.ts';

export const NODE_RESOURCES_FIT = 'NodeResourcesFit';

/**
 * True when the pod fits the node: the common case, checked on the node's own free amounts
 * (allocatable − requested, see NodeInfo) without allocating anything.
 */
function fits(pod: PodInfo, node: NodeInfo): boolean {
  if (node.freePods < 1) return false;
  const r = pod.requests;
  if (r.milliCPU > 0 && r.milliCPU > node.freeMilliCPU) return false;
  if (r.memory > 0 && r.memory > node.freeMemory) return false;
  if (r.ephemeralStorage > 0 && r.ephemeralStorage > node.freeEphemeralStorage) return false;
  if (r.scalar) {
    const a = node.allocatable;
    const used = node.requested;
    for (const [name, want] of r.scalar) {
      if (want !== 0 && want > (a.scalar?.get(name) ?? 0) - (used.scalar?.get(name) ?? 0)) return false;
    }
  }
  return true;
}

export function insufficientResources(pod: PodInfo, node: NodeInfo): string[] {
  const reasons: string[] = [];
  if (fits(pod, node)) return reasons;
  if (node.pods.size + 1 > node.allowedPodNumber) reasons.push('Too many pods');
  const r = pod.requests;
  if (r.milliCPU === 0 && r.memory === 0 && r.ephemeralStorage === 0 && !r.scalar) return reasons;
  const a = node.allocatable;
  const used = node.requested;
  if (r.milliCPU > 0 && r.milliCPU > a.milliCPU - used.milliCPU) reasons.push('Insufficient cpu');
  if (r.memory > 0 && r.memory > a.memory - used.memory) reasons.push('Insufficient memory');
  if (r.ephemeralStorage > 0 && r.ephemeralStorage > a.ephemeralStorage - used.ephemeralStorage) reasons.push('Insufficient ephemeral-storage');
  if (r.scalar) {
    for (const [name, want] of r.scalar) {
      if (want === 0) continue;
      if (want > (a.scalar?.get(name) ?? 0) - (used.scalar?.get(name) ?? 0)) reasons.push(`Insufficient ${name}`);
    }
  }
  return reasons;
}

// One Status per combination of reasons, shared by every node that gives it.
const statuses = new Map<string, Status>();

export const nodeResourcesFit: FilterPlugin<void> = {
  name: NODE_RESOURCES_FIT,
  filter(pod, node): Status | null {
    // Checked on hundreds of nodes per pod: the reasons are only worked out where it does not fit.
    if (fits(pod, node)) return null;
    const reasons = insufficientResources(pod, node);
    if (reasons.length === 0) return null;
    const key = reasons.join('\n');
    let status = statuses.get(key);
    if (!status) {
      if (statuses.size > 1000) statuses.clear();
      statuses.set(key, (status = unschedulable(...reasons)));
    }
    return status;
  },
};

/** Upstream's leastRequestedScore: the share left free, 0..100 (0 when over-committed). */
export function leastRequestedScore(requested: number, capacity: number): number {
  if (capacity === 0 || requested > capacity) return 0;
  return Math.trunc(((capacity - requested) * MAX_NODE_SCORE) / capacity);
}

/** LeastAllocated over cpu and memory (weight 1 each), counting default requests for containers without one. */
export const leastAllocatedScore: ScorePlugin<void> = {
  name: NODE_RESOURCES_FIT,
  score(pod, node) {
    let sum = 0;
    let weights = 0;
    const cpuCapacity = node.allocatableMilliCPU;
    if (cpuCapacity !== 0) {
      sum += leastRequestedScore(node.nonZeroMilliCPU + pod.nonZeroMilliCPU, cpuCapacity);
      weights++;
    }
    const memCapacity = node.allocatableMemory;
    if (memCapacity !== 0) {
      sum += leastRequestedScore(node.nonZeroMemory + pod.nonZeroMemory, memCapacity);
      weights++;
    }
    return weights === 0 ? 0 : Math.trunc(sum / weights);
  },
};
