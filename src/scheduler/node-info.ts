// One node as the scheduler sees it: the Node's allocatable, labels and taints, plus running
// totals over the pods on it (requested resources, host ports, pods with affinity, pods per
// owner) that are kept up to date incrementally as pods come and go — never recomputed.
import type { Node, Taint } from 'kubernetes-types/core/v1';
import type { HostPort, PodInfo } from './pod-info.ts';
import { addResources, cloneResources, CPU, emptyResources, EPHEMERAL_STORAGE, MEMORY, PODS, quantityMilli, quantityUnits, type Resources } from './resources.ts';

export const ZONE_LABEL = 'topology.kubernetes.io/zone';
export const REGION_LABEL = 'topology.kubernetes.io/region';
export const HOSTNAME_LABEL = 'kubernetes.io/hostname';

const NO_LABELS: Readonly<Record<string, string>> = Object.freeze({});
const NO_TAINTS: readonly Taint[] = Object.freeze([]);

function allocatableOf(node: Node): { resources: Resources; pods: number } {
  const resources = emptyResources();
  let pods = 0;
  for (const [name, q] of Object.entries(node.status?.allocatable ?? {})) {
    switch (name) {
      case CPU: resources.milliCPU = quantityMilli(q); break;
      case MEMORY: resources.memory = quantityUnits(q); break;
      case EPHEMERAL_STORAGE: resources.ephemeralStorage = quantityUnits(q); break;
      case PODS: pods = quantityUnits(q); break;
      default:
        resources.scalar ??= new Map();
        resources.scalar.set(name, quantityUnits(q));
    }
  }
  return { resources, pods };
}

export class NodeInfo {
  readonly name: string;
  /** Undefined while pods are known to be bound to a node the scheduler has not seen (or that was deleted). */
  node: Node | undefined;
  labels: Readonly<Record<string, string>> = NO_LABELS;
  taints: readonly Taint[] = NO_TAINTS;
  unschedulable = false;
  allocatable: Resources = emptyResources();
  allowedPodNumber = 0;
  /** What the pods on the node request. */
  requested: Resources = emptyResources();
  /** cpu / memory requested, counting defaults for containers that request nothing. */
  nonZeroMilliCPU = 0;
  nonZeroMemory = 0;
  /**
   * Copies of the cpu and memory totals and of allocatable − requested (and room for pods), kept
   * on the NodeInfo itself: the resource filter and scores read them on hundreds of nodes for
   * every pod, and one object is fewer memory reads than four.
   */
  allocatableMilliCPU = 0;
  allocatableMemory = 0;
  requestedMilliCPU = 0;
  requestedMemory = 0;
  freeMilliCPU = 0;
  freeMemory = 0;
  freeEphemeralStorage = 0;
  freePods = 0;
  readonly pods = new Map<string, PodInfo>();
  readonly podsWithAffinity = new Map<string, PodInfo>();
  readonly podsWithRequiredAntiAffinity = new Map<string, PodInfo>();
  /** "<protocol>/<port>" → host IP → how many pods hold it. */
  readonly usedPorts = new Map<string, Map<string, number>>();
  /** Controlling owner uid → its non-terminating pods here. */
  readonly ownerCounts = new Map<string, number>();

  constructor(name: string, node?: Node) {
    this.name = name;
    if (node) this.setNode(node);
  }

  setNode(node: Node | undefined): void {
    this.node = node;
    if (!node) {
      this.labels = NO_LABELS;
      this.taints = NO_TAINTS;
      this.unschedulable = false;
      this.allocatable = emptyResources();
      this.allowedPodNumber = 0;
      this.updateFree();
      return;
    }
    this.labels = node.metadata?.labels ?? NO_LABELS;
    this.taints = node.spec?.taints ?? NO_TAINTS;
    this.unschedulable = !!node.spec?.unschedulable;
    const a = allocatableOf(node);
    this.allocatable = a.resources;
    this.allowedPodNumber = a.pods;
    this.updateFree();
  }

  private updateFree(): void {
    this.allocatableMilliCPU = this.allocatable.milliCPU;
    this.allocatableMemory = this.allocatable.memory;
    this.requestedMilliCPU = this.requested.milliCPU;
    this.requestedMemory = this.requested.memory;
    this.freeMilliCPU = this.allocatable.milliCPU - this.requested.milliCPU;
    this.freeMemory = this.allocatable.memory - this.requested.memory;
    this.freeEphemeralStorage = this.allocatable.ephemeralStorage - this.requested.ephemeralStorage;
    this.freePods = this.allowedPodNumber - this.pods.size;
  }

  get zone(): string | undefined {
    return this.labels[ZONE_LABEL];
  }

  addPod(p: PodInfo): void {
    this.pods.set(p.uid, p);
    if (p.hasPodAffinity) this.podsWithAffinity.set(p.uid, p);
    if (p.requiredAntiAffinityTerms.length) this.podsWithRequiredAntiAffinity.set(p.uid, p);
    this.account(p, 1);
  }

  /** Returns the removed pod, or undefined when it was not here. */
  removePod(uid: string): PodInfo | undefined {
    const p = this.pods.get(uid);
    if (!p) return undefined;
    this.pods.delete(uid);
    this.podsWithAffinity.delete(uid);
    this.podsWithRequiredAntiAffinity.delete(uid);
    this.account(p, -1);
    return p;
  }

  private account(p: PodInfo, sign: 1 | -1): void {
    addResources(this.requested, p.requests, sign);
    this.updateFree();
    this.nonZeroMilliCPU += sign * p.nonZeroMilliCPU;
    this.nonZeroMemory += sign * p.nonZeroMemory;
    for (const hp of p.hostPorts) this.countPort(hp, sign);
    if (p.ownerUid && !p.terminating) {
      const n = (this.ownerCounts.get(p.ownerUid) ?? 0) + sign;
      if (n > 0) this.ownerCounts.set(p.ownerUid, n); else this.ownerCounts.delete(p.ownerUid);
    }
  }

  private countPort(hp: HostPort, sign: 1 | -1): void {
    const key = `${hp.protocol}/${hp.port}`;
    let ips = this.usedPorts.get(key);
    if (!ips) this.usedPorts.set(key, (ips = new Map()));
    const n = (ips.get(hp.ip) ?? 0) + sign;
    if (n > 0) ips.set(hp.ip, n); else ips.delete(hp.ip);
    if (ips.size === 0) this.usedPorts.delete(key);
  }

  /** Upstream's HostPortInfo.CheckConflict: 0.0.0.0 clashes with every address on the same port. */
  portConflicts(hp: HostPort): boolean {
    const ips = this.usedPorts.get(`${hp.protocol}/${hp.port}`);
    if (!ips) return false;
    if (hp.ip === '0.0.0.0') return ips.size > 0;
    return ips.has(hp.ip) || ips.has('0.0.0.0');
  }

  /** A copy to try changes on (preemption dry runs, nominated pods); PodInfos are shared. */
  clone(): NodeInfo {
    const c = new NodeInfo(this.name);
    c.node = this.node;
    c.labels = this.labels;
    c.taints = this.taints;
    c.unschedulable = this.unschedulable;
    c.allocatable = this.allocatable;
    c.allowedPodNumber = this.allowedPodNumber;
    c.requested = cloneResources(this.requested);
    c.nonZeroMilliCPU = this.nonZeroMilliCPU;
    c.nonZeroMemory = this.nonZeroMemory;
    c.allocatableMilliCPU = this.allocatableMilliCPU;
    c.allocatableMemory = this.allocatableMemory;
    c.requestedMilliCPU = this.requestedMilliCPU;
    c.requestedMemory = this.requestedMemory;
    c.freeMilliCPU = this.freeMilliCPU;
    c.freeMemory = this.freeMemory;
    c.freeEphemeralStorage = this.freeEphemeralStorage;
    for (const [k, v] of this.pods) c.pods.set(k, v);
    for (const [k, v] of this.podsWithAffinity) c.podsWithAffinity.set(k, v);
    for (const [k, v] of this.podsWithRequiredAntiAffinity) c.podsWithRequiredAntiAffinity.set(k, v);
    for (const [k, ips] of this.usedPorts) c.usedPorts.set(k, new Map(ips));
    for (const [k, v] of this.ownerCounts) c.ownerCounts.set(k, v);
    c.freePods = this.freePods;
    return c;
  }
}

/** A NodeInfo for a Node and the pods on it (for tests and dry runs). */
export function nodeInfoOf(node: Node, pods: PodInfo[] = []): NodeInfo {
  const info = new NodeInfo(node.metadata?.name ?? '', node);
  for (const p of pods) info.addPod(p);
  return info;
}
