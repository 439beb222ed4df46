// NodeResourcesBalancedAllocation: prefers nodes whose cpu and memory would be used in similar
// proportions once the pod is there (one standard deviation apart scores 0, equal scores 100).
import { MAX_NODE_SCORE, type ScorePlugin } from '../types.ts';

export const NODE_RESOURCES_BALANCED_ALLOCATION = 'NodeResourcesBalancedAllocation';

export const balancedAllocationScore: ScorePlugin<void> = {
  name: NODE_RESOURCES_BALANCED_ALLOCATION,
  score(pod, node) {
    // Actual requests here (no defaults for containers without one), as upstream. With two
    // resources the standard deviation of the used fractions is half their difference.
    const cpuCapacity = node.allocatableMilliCPU;
    const memCapacity = node.allocatableMemory;
    if (cpuCapacity !== 0 && memCapacity !== 0) {
      const cpu = Math.min((node.requestedMilliCPU + pod.requests.milliCPU) / cpuCapacity, 1);
      const mem = Math.min((node.requestedMemory + pod.requests.memory) / memCapacity, 1);
      return Math.trunc((1 - Math.abs((cpu - mem) / 2)) * MAX_NODE_SCORE);
    }
    return MAX_NODE_SCORE; // one or no resource to compare: perfectly balanced
  },
};
