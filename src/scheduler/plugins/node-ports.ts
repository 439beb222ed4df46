// NodePorts: a pod asking for host ports fits only where none of them (same protocol and port,
// on the same address or on 0.0.0.0) is already taken.
import type { HostPort } from '../pod-info.ts';
import { SKIP, unschedulable, type FilterPlugin } from '../types.ts';

export const NODE_PORTS = 'NodePorts';

const TAKEN = unschedulable("node(s) didn't have free ports for the requested pod ports");

export const nodePorts: FilterPlugin<readonly HostPort[]> = {
  name: NODE_PORTS,
  preFilter(pod) {
    return pod.hostPorts.length ? { state: pod.hostPorts } : SKIP;
  },
  filter(_pod, node, ports) {
    for (const hp of ports) if (node.portConflicts(hp)) return TAKEN;
    return null;
  },
};
