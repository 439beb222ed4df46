// The stats summary the agent serves at /stats/summary: the subset of upstream's kubelet
// Summary API (stats/v1alpha1) that resource metrics need, and the pure step that turns two
// samples of cumulative counters into it (CPU as a rate between the samples).

/** CPU of a node, pod or container at `time`: a rate (nanocores) and the cumulative total. */
export interface CpuStats {
  time: string;
  usageNanoCores?: number;
  usageCoreNanoSeconds?: number;
}

/** Memory at `time`; the working set is what metrics report (usage less inactive file pages). */
export interface MemoryStats {
  time: string;
  workingSetBytes?: number;
  usageBytes?: number;
}

export interface ContainerStatsSummary {
  name: string;
  startTime?: string;
  cpu?: CpuStats;
  memory?: MemoryStats;
}

export interface PodReference { name: string; namespace: string; uid: string }

export interface PodStatsSummary {
  podRef: PodReference;
  containers: ContainerStatsSummary[];
  cpu?: CpuStats;
  memory?: MemoryStats;
}

export interface StatsSummary {
  node: { nodeName: string; cpu?: CpuStats; memory?: MemoryStats };
  pods: PodStatsSummary[];
}

// ---- samples ------------------------------------------------------------------------------

/** Cumulative CPU time (ns) and the working set (bytes) of one thing, read at `at` (ms since epoch). */
export interface Point {
  at: number;
  cpuNs?: number;
  workingSetBytes?: number;
  usageBytes?: number;
}

export interface ContainerPoint extends Point {
  id: string;
  name: string;
  pod: PodReference;
  createdAt?: number;
  /** The runtime's own rate, used when there is no earlier point of ours to take one from. */
  runtimeNanoCores?: number;
}

/** Everything read in one pass: the node, and each running container. */
export interface Sample {
  node: Point;
  containers: ContainerPoint[];
}

/** Sampling less often than this apart gives a rate too noisy to be worth reporting. */
export const MIN_RATE_WINDOW_MS = 500;

/**
 * Nanocores used between two points of cumulative CPU time; undefined when there is no window
 * to speak of, or the counter went backwards (a restarted container, a new cgroup).
 */
export function cpuRate(prev: Point | undefined, cur: Point): number | undefined {
  if (!prev || prev.cpuNs === undefined || cur.cpuNs === undefined) return undefined;
  const windowMs = cur.at - prev.at;
  if (windowMs < MIN_RATE_WINDOW_MS || cur.cpuNs < prev.cpuNs) return undefined;
  return Math.round(((cur.cpuNs - prev.cpuNs) * 1000) / windowMs);
}

function cpuStats(prev: Point | undefined, cur: Point, fallbackRate?: number): CpuStats | undefined {
  if (cur.cpuNs === undefined) return undefined;
  const out: CpuStats = { time: new Date(cur.at).toISOString(), usageCoreNanoSeconds: cur.cpuNs };
  const rate = cpuRate(prev, cur) ?? fallbackRate;
  if (rate !== undefined) out.usageNanoCores = rate;
  return out;
}

function memoryStats(cur: Point): MemoryStats | undefined {
  if (cur.workingSetBytes === undefined) return undefined;
  const out: MemoryStats = { time: new Date(cur.at).toISOString(), workingSetBytes: cur.workingSetBytes };
  if (cur.usageBytes !== undefined) out.usageBytes = cur.usageBytes;
  return out;
}

/** The summary for the latest sample, with rates taken against the one before it. */
export function buildSummary(nodeName: string, prev: Sample | undefined, cur: Sample): StatsSummary {
  const prevContainers = new Map(prev?.containers.map((c) => [c.id, c]));
  const pods = new Map<string, PodStatsSummary>();
  for (const c of cur.containers) {
    const key = `${c.pod.namespace}/${c.pod.name}/${c.pod.uid}`;
    let pod = pods.get(key);
    if (!pod) { pod = { podRef: c.pod, containers: [] }; pods.set(key, pod); }
    const stats: ContainerStatsSummary = { name: c.name };
    if (c.createdAt) stats.startTime = new Date(c.createdAt).toISOString();
    const cpu = cpuStats(prevContainers.get(c.id), c, c.runtimeNanoCores);
    if (cpu) stats.cpu = cpu;
    const memory = memoryStats(c);
    if (memory) stats.memory = memory;
    pod.containers.push(stats);
  }
  for (const pod of pods.values()) {
    pod.containers.sort((a, b) => a.name.localeCompare(b.name));
    pod.cpu = sumCpu(pod.containers);
    pod.memory = sumMemory(pod.containers);
  }
  const node: StatsSummary['node'] = { nodeName };
  const cpu = cpuStats(prev?.node, cur.node);
  if (cpu) node.cpu = cpu;
  const memory = memoryStats(cur.node);
  if (memory) node.memory = memory;
  return {
    node,
    pods: [...pods.values()].sort((a, b) => a.podRef.namespace.localeCompare(b.podRef.namespace) || a.podRef.name.localeCompare(b.podRef.name)),
  };
}

/** A pod's CPU is its containers' together (upstream reads the pod cgroup, which holds just those). */
function sumCpu(containers: ContainerStatsSummary[]): CpuStats | undefined {
  const withCpu = containers.filter((c) => c.cpu);
  if (!withCpu.length) return undefined;
  const out: CpuStats = { time: latest(withCpu.map((c) => c.cpu!.time)), usageCoreNanoSeconds: 0 };
  let rate: number | undefined = 0;
  for (const c of withCpu) {
    out.usageCoreNanoSeconds! += c.cpu!.usageCoreNanoSeconds ?? 0;
    rate = rate === undefined || c.cpu!.usageNanoCores === undefined ? undefined : rate + c.cpu!.usageNanoCores;
  }
  if (rate !== undefined) out.usageNanoCores = rate;
  return out;
}

function sumMemory(containers: ContainerStatsSummary[]): MemoryStats | undefined {
  const withMemory = containers.filter((c) => c.memory?.workingSetBytes !== undefined);
  if (!withMemory.length) return undefined;
  return {
    time: latest(withMemory.map((c) => c.memory!.time)),
    workingSetBytes: withMemory.reduce((n, c) => n + c.memory!.workingSetBytes!, 0),
  };
}

function latest(times: string[]): string {
  return times.reduce((a, b) => (a > b ? a : b));
}
