// metrics.k8s.io/v1beta1 objects from kubelet stats summaries, in metrics-server's shapes:
// CPU in nanocores as a DecimalSI quantity ("1234567n", "5m"), memory (the working set) in bytes
// as a BinarySI one ("12345Ki"), the time of the reading and the window the rate covers.
import type { Node, Pod } from 'kubernetes-types/core/v1';
import { formatQuantity } from '../../machinery/quantity.ts';

export const METRICS_GROUP = 'metrics.k8s.io';
export const METRICS_VERSION = 'v1beta1';
export const METRICS_API_VERSION = `${METRICS_GROUP}/${METRICS_VERSION}`;

/** The summary fields read here (src/agent/kubelet/stats/summary.ts serves them). */
export interface SummaryCpu { time?: string; usageNanoCores?: number; usageCoreNanoSeconds?: number }
export interface SummaryMemory { time?: string; workingSetBytes?: number }
export interface SummaryContainer { name: string; cpu?: SummaryCpu; memory?: SummaryMemory }
export interface SummaryPod { podRef: { name: string; namespace: string; uid?: string }; containers?: SummaryContainer[] }
export interface Summary { node?: { nodeName?: string; cpu?: SummaryCpu; memory?: SummaryMemory }; pods?: SummaryPod[] }

export interface Usage { cpu: string; memory: string }

export interface NodeMetrics {
  kind: 'NodeMetrics';
  apiVersion: string;
  metadata: { name: string; creationTimestamp: string; labels?: Record<string, string> };
  timestamp: string;
  window: string;
  usage: Usage;
}

export interface PodMetrics {
  kind: 'PodMetrics';
  apiVersion: string;
  metadata: { name: string; namespace: string; creationTimestamp: string; labels?: Record<string, string> };
  timestamp: string;
  window: string;
  containers: Array<{ name: string; usage: Usage }>;
}

/** Nanocores as metrics-server prints them: a DecimalSI quantity scaled by 10^-9, canonical. */
export function cpuQuantity(nanoCores: number): string {
  return formatQuantity({ nanos: BigInt(Math.max(0, Math.round(nanoCores))), format: 'DecimalSI' });
}

/** Bytes as a BinarySI quantity, canonical ("2748180Ki", or plain bytes when not a multiple of 1024). */
export function memoryQuantity(bytes: number): string {
  return formatQuantity({ nanos: BigInt(Math.max(0, Math.round(bytes))) * 1_000_000_000n, format: 'BinarySI' });
}

/** A metav1.Duration as Go prints it: "10s", "1.5s", "2m0s", "1h0m0s", "0s". */
export function goDuration(ms: number): string {
  if (ms <= 0) return '0s';
  if (ms < 1000) return `${trimFraction((ms).toFixed(3))}ms`;
  const totalSeconds = ms / 1000;
  const hours = Math.floor(totalSeconds / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = trimFraction((totalSeconds - hours * 3600 - minutes * 60).toFixed(3));
  if (hours) return `${hours}h${minutes}m${seconds}s`;
  if (minutes) return `${minutes}m${seconds}s`;
  return `${seconds}s`;
}

function trimFraction(s: string): string {
  return s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s;
}

/** RFC 3339 to the second, as metav1.Time serialises. */
export function metaTime(t: string | number | Date): string {
  return new Date(t).toISOString().replace(/\.\d+Z$/, 'Z');
}

/** A usage reading, or undefined when the summary lacks the rate or the working set. */
function usageOf(cpu: SummaryCpu | undefined, memory: SummaryMemory | undefined): Usage | undefined {
  if (cpu?.usageNanoCores === undefined || memory?.workingSetBytes === undefined) return undefined;
  return { cpu: cpuQuantity(cpu.usageNanoCores), memory: memoryQuantity(memory.workingSetBytes) };
}

/** The node's metrics from its summary, or undefined when the summary has no usable reading. */
export function nodeMetrics(node: Node, summary: Summary, windowMs: number, now: Date): NodeMetrics | undefined {
  const usage = usageOf(summary.node?.cpu, summary.node?.memory);
  const time = summary.node?.cpu?.time;
  if (!usage || !time) return undefined;
  const metadata: NodeMetrics['metadata'] = { name: node.metadata!.name!, creationTimestamp: metaTime(now) };
  if (node.metadata?.labels) metadata.labels = { ...node.metadata.labels };
  return { kind: 'NodeMetrics', apiVersion: METRICS_API_VERSION, metadata, timestamp: metaTime(time), window: goDuration(windowMs), usage };
}

/**
 * The pod's metrics from its node's summary: a running pod whose every container reported a
 * reading (metrics-server leaves a pod out rather than show part of it).
 */
export function podMetrics(pod: Pod, summary: Summary, windowMs: number, now: Date): PodMetrics | undefined {
  if (pod.status?.phase !== 'Running') return undefined;
  const name = pod.metadata!.name!;
  const namespace = pod.metadata!.namespace!;
  const uid = pod.metadata?.uid;
  const stats = summary.pods?.find((p) => p.podRef.name === name && p.podRef.namespace === namespace && (!p.podRef.uid || !uid || p.podRef.uid === uid));
  if (!stats?.containers?.length) return undefined;
  const containers: PodMetrics['containers'] = [];
  let time = '';
  for (const c of stats.containers) {
    const usage = usageOf(c.cpu, c.memory);
    if (!usage) return undefined;
    containers.push({ name: c.name, usage });
    if (c.cpu?.time && c.cpu.time > time) time = c.cpu.time;
  }
  const metadata: PodMetrics['metadata'] = { name, namespace, creationTimestamp: metaTime(now) };
  if (pod.metadata?.labels) metadata.labels = { ...pod.metadata.labels };
  return {
    kind: 'PodMetrics', apiVersion: METRICS_API_VERSION, metadata,
    timestamp: metaTime(time || now), window: goDuration(windowMs), containers,
  };
}
