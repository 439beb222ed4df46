// The scheduler's picture of the cluster: a NodeInfo per node holding the pods bound to it
// (from the pod informer) plus the pods the scheduler has decided on but whose binding is still
// in flight ("assumed"), so the next pod already sees their requests. Every change is applied
// incrementally to the affected node and to the cluster-wide indexes; nothing is recomputed over
// all pods. It is also the ClusterView that plugins read during a (synchronous) cycle.
import type { Node, Pod } from 'kubernetes-types/core/v1';
import { NodeInfo, REGION_LABEL, ZONE_LABEL } from './node-info.ts';
import { podInfoOf, type PodInfo } from './pod-info.ts';
import type { ClusterView } from './types.ts';

interface PodState {
  info: PodInfo;
  node: string;
  /** Decided by the scheduler, not yet seen bound through the informer. */
  assumed: boolean;
}

export class SchedulerCache implements ClusterView {
  private readonly infos = new Map<string, NodeInfo>();
  private readonly podStates = new Map<string, PodState>();
  private readonly antiAffinityNodes = new Set<NodeInfo>();
  private readonly affinityNodes = new Set<NodeInfo>();
  /** zone → controlling owner uid → non-terminating pods in the zone. */
  private readonly zoneOwners = new Map<string, Map<string, number>>();
  private list: NodeInfo[] = [];
  private listStale = true;
  private readonly nsLabels: (ns: string) => Readonly<Record<string, string>> | undefined;

  constructor(namespaceLabels: (ns: string) => Readonly<Record<string, string>> | undefined = () => undefined) {
    this.nsLabels = namespaceLabels;
  }

  // ---- ClusterView ------------------------------------------------------------------------------

  /** Nodes interleaved zone by zone (as upstream's node tree), so a partial search still spreads over zones. */
  get nodes(): readonly NodeInfo[] {
    if (this.listStale) {
      const byZone = new Map<string, NodeInfo[]>();
      for (const info of this.infos.values()) {
        if (!info.node) continue;
        const zone = `${info.labels[REGION_LABEL] ?? ''}:\u0000:${info.labels[ZONE_LABEL] ?? ''}`;
        let group = byZone.get(zone);
        if (!group) byZone.set(zone, (group = []));
        group.push(info);
      }
      const groups = [...byZone.values()];
      const total = groups.reduce((n, g) => n + g.length, 0);
      const list: NodeInfo[] = [];
      for (let i = 0; list.length < total; i++) {
        for (const g of groups) if (i < g.length) list.push(g[i]);
      }
      this.list = list;
      this.listStale = false;
    }
    return this.list;
  }

  node(name: string): NodeInfo | undefined {
    const info = this.infos.get(name);
    return info?.node ? info : undefined;
  }

  nodesWithRequiredAntiAffinityPods(): Iterable<NodeInfo> {
    return this.antiAffinityNodes;
  }

  nodesWithAffinityPods(): Iterable<NodeInfo> {
    return this.affinityNodes;
  }

  namespaceLabels(ns: string): Readonly<Record<string, string>> | undefined {
    return this.nsLabels(ns);
  }

  zoneOwnerCount(zone: string, owner: string): number {
    return this.zoneOwners.get(zone)?.get(owner) ?? 0;
  }

  // ---- nodes ------------------------------------------------------------------------------------

  private infoFor(name: string): NodeInfo {
    let info = this.infos.get(name);
    if (!info) this.infos.set(name, (info = new NodeInfo(name)));
    return info;
  }

  setNode(node: Node): void {
    const info = this.infoFor(node.metadata?.name ?? '');
    const before = info.node ? `${info.labels[REGION_LABEL]}/${info.zone}` : undefined;
    this.countZone(info, -1);
    info.setNode(node);
    this.countZone(info, 1);
    if (before !== `${info.labels[REGION_LABEL]}/${info.zone}`) this.listStale = true;
  }

  removeNode(name: string): void {
    const info = this.infos.get(name);
    if (!info) return;
    this.countZone(info, -1);
    // Pods still bound to it keep their NodeInfo (without a node) until they go too.
    if (info.pods.size === 0) this.infos.delete(name); else info.setNode(undefined);
    this.listStale = true;
  }

  // ---- pods -------------------------------------------------------------------------------------

  /** A pod bound to a node (from the informer): adds it, or confirms or moves an assumed one. */
  addPod(pod: Pod): void {
    const nodeName = pod.spec?.nodeName;
    if (!nodeName) return;
    const info = podInfoOf(pod);
    this.place(info, nodeName, false);
  }

  /** Drops a pod (deleted, or finished). */
  removePod(uid: string): void {
    const state = this.podStates.get(uid);
    if (!state) return;
    this.podStates.delete(uid);
    this.unplace(state);
  }

  /** The scheduler's decision, counted at once while the binding is in flight. */
  assume(info: PodInfo, nodeName: string): void {
    this.place(info, nodeName, true);
  }

  /** The binding failed: undo the assumption (unless the informer has confirmed the pod since). */
  forget(uid: string): void {
    if (this.podStates.get(uid)?.assumed) this.removePod(uid);
  }

  isAssumed(uid: string): boolean {
    return this.podStates.get(uid)?.assumed ?? false;
  }

  has(uid: string): boolean {
    return this.podStates.has(uid);
  }

  /** The pod as cached (for handlers that need what was there before an update). */
  podInfo(uid: string): PodInfo | undefined {
    return this.podStates.get(uid)?.info;
  }

  private place(info: PodInfo, nodeName: string, assumed: boolean): void {
    const old = this.podStates.get(info.uid);
    if (old) this.unplace(old);
    const state: PodState = { info, node: nodeName, assumed };
    this.podStates.set(info.uid, state);
    const node = this.infoFor(nodeName);
    node.addPod(info);
    this.indexPod(node, info, 1);
  }

  private unplace(state: PodState): void {
    const node = this.infos.get(state.node);
    if (!node || !node.removePod(state.info.uid)) return;
    this.indexPod(node, state.info, -1);
    if (!node.node && node.pods.size === 0) this.infos.delete(node.name);
  }

  private indexPod(node: NodeInfo, p: PodInfo, sign: 1 | -1): void {
    if (node.podsWithRequiredAntiAffinity.size) this.antiAffinityNodes.add(node); else this.antiAffinityNodes.delete(node);
    if (node.podsWithAffinity.size) this.affinityNodes.add(node); else this.affinityNodes.delete(node);
    const zone = node.node ? node.zone : undefined;
    if (zone !== undefined && p.ownerUid && !p.terminating) this.bumpZoneOwner(zone, p.ownerUid, sign);
  }

  private bumpZoneOwner(zone: string, owner: string, delta: number): void {
    let owners = this.zoneOwners.get(zone);
    if (!owners) this.zoneOwners.set(zone, (owners = new Map()));
    const n = (owners.get(owner) ?? 0) + delta;
    if (n > 0) owners.set(owner, n); else owners.delete(owner);
    if (owners.size === 0) this.zoneOwners.delete(zone);
  }

  /** Adds (or takes out) a node's owner counts to its zone's, around a label change. */
  private countZone(info: NodeInfo, sign: 1 | -1): void {
    const zone = info.node ? info.zone : undefined;
    if (zone === undefined) return;
    for (const [owner, n] of info.ownerCounts) this.bumpZoneOwner(zone, owner, sign * n);
  }
}
