// Each running container's CPU time and memory working set, through the CRI alone: the pod a
// container belongs to comes from the io.kubernetes.* labels every container of a pod carries.
import type { Container, ContainerStats, CriClient } from '../../runtime/cri-client.ts';
import type { ContainerPoint } from './summary.ts';

const POD_NAME = 'io.kubernetes.pod.name';
const POD_NAMESPACE = 'io.kubernetes.pod.namespace';
const POD_UID = 'io.kubernetes.pod.uid';
const CONTAINER_NAME = 'io.kubernetes.container.name';

/** A container's point from its CRI stats; undefined for containers that are not a pod's. */
export function containerPoint(container: Container, stats: ContainerStats | null, fallbackAt: number): ContainerPoint | undefined {
  const labels = container.labels ?? {};
  const name = labels[CONTAINER_NAME] ?? container.metadata?.name;
  if (!labels[POD_NAME] || !labels[POD_NAMESPACE] || !name) return undefined;
  // The runtime stamps its reading in ns; ours is only a fallback for runtimes that leave it 0.
  const cpuAt = stats?.cpu?.timestamp ? stats.cpu.timestamp / 1e6 : 0;
  const point: ContainerPoint = {
    id: container.id,
    name,
    pod: { name: labels[POD_NAME], namespace: labels[POD_NAMESPACE], uid: labels[POD_UID] ?? '' },
    at: cpuAt || fallbackAt,
  };
  if (container.createdAt) point.createdAt = container.createdAt / 1e6;
  if (stats?.cpu?.usageCoreNanoSeconds) point.cpuNs = stats.cpu.usageCoreNanoSeconds.value;
  // containerd reports 0 until it has a reading of its own to take a rate against.
  if (stats?.cpu?.usageNanoCores?.value) point.runtimeNanoCores = stats.cpu.usageNanoCores.value;
  if (stats?.memory?.workingSetBytes) point.workingSetBytes = stats.memory.workingSetBytes.value;
  if (stats?.memory?.usageBytes) point.usageBytes = stats.memory.usageBytes.value;
  return point;
}

/** Points for every running pod container the runtime knows. A container gone mid-way is skipped. */
export async function readContainerUsage(cri: CriClient, now: () => number): Promise<ContainerPoint[]> {
  const { containers } = await cri.listContainers({ filter: { state: { state: 'CONTAINER_RUNNING' } } });
  const points = await Promise.all(containers.map(async (c) => {
    if (!c.labels?.[POD_NAME]) return undefined;
    const stats = await cri.containerStats({ containerId: c.id }).then((r) => r.stats, () => undefined);
    return stats === undefined ? undefined : containerPoint(c, stats, now());
  }));
  return points.filter((p): p is ContainerPoint => p !== undefined);
}
