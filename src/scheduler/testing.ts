// Plain-data builders for the scheduler's unit tests: pods and nodes as the API would hold them,
// a ClusterView over a handful of NodeInfos, and one-call runners for a filter or score plugin.
import type { Container, Node, Pod, PodSpec, Taint } from 'kubernetes-types/core/v1';
import { nodeInfoOf, type NodeInfo } from './node-info.ts';
import { podInfoOf, type PodInfo } from './pod-info.ts';
import type { ClusterView, FilterPlugin, ScorePlugin, Status } from './types.ts';

export interface PodOptions {
  namespace?: string;
  uid?: string;
  labels?: Record<string, string>;
  cpu?: string;
  memory?: string;
  priority?: number;
  nodeName?: string;
  owner?: string;
  startTime?: string;
  terminating?: boolean;
  spec?: Partial<PodSpec>;
  container?: Partial<Container>;
}

let uidCounter = 0;

export function makePod(name: string, o: PodOptions = {}): Pod {
  const requests: Record<string, string> = {};
  if (o.cpu) requests.cpu = o.cpu;
  if (o.memory) requests.memory = o.memory;
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: {
      name, namespace: o.namespace ?? 'default', uid: o.uid ?? `uid-${name}-${++uidCounter}`, labels: o.labels,
      ...(o.owner ? { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: o.owner, controller: true }] } : {}),
      ...(o.terminating ? { deletionTimestamp: '2024-01-01T00:00:00Z' } : {}),
    },
    spec: {
      containers: [{ name: 'c', image: 'nginx', ...(Object.keys(requests).length ? { resources: { requests } } : {}), ...o.container }],
      ...(o.priority !== undefined ? { priority: o.priority } : {}),
      ...(o.nodeName ? { nodeName: o.nodeName } : {}),
      ...o.spec,
    },
    ...(o.startTime ? { status: { startTime: o.startTime } } : {}),
  };
}

export interface NodeOptions {
  cpu?: string;
  memory?: string;
  pods?: string;
  labels?: Record<string, string>;
  taints?: Taint[];
  unschedulable?: boolean;
  allocatable?: Record<string, string>;
}

export function makeNode(name: string, o: NodeOptions = {}): Node {
  const allocatable = { cpu: o.cpu ?? '4', memory: o.memory ?? '8Gi', pods: o.pods ?? '110', ...o.allocatable };
  return {
    apiVersion: 'v1', kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, ...o.labels } },
    spec: { ...(o.taints ? { taints: o.taints } : {}), ...(o.unschedulable ? { unschedulable: true } : {}) },
    status: { capacity: allocatable, allocatable, conditions: [{ type: 'Ready', status: 'True' }] },
  };
}

/** A NodeInfo for the node with the given pods on it. */
export function nodeWith(node: Node, pods: Pod[] = []): NodeInfo {
  return nodeInfoOf(node, pods.map(podInfoOf));
}

/** A ClusterView over these nodes (indexes worked out by scanning). */
export function viewOf(nodes: NodeInfo[], namespaceLabels: Record<string, Record<string, string>> = {}): ClusterView {
  return {
    nodes,
    node: (name) => nodes.find((n) => n.name === name),
    nodesWithRequiredAntiAffinityPods: () => nodes.filter((n) => n.podsWithRequiredAntiAffinity.size > 0),
    nodesWithAffinityPods: () => nodes.filter((n) => n.podsWithAffinity.size > 0),
    namespaceLabels: (ns) => namespaceLabels[ns],
    zoneOwnerCount: (zone, owner) => nodes.filter((n) => n.zone === zone).reduce((sum, n) => sum + (n.ownerCounts.get(owner) ?? 0), 0),
  };
}

/** Pre-filter then filter, as the framework would: null when the node can take the pod. */
export function runFilter<S>(plugin: FilterPlugin<S>, pod: Pod | PodInfo, node: NodeInfo, view: ClusterView = viewOf([node])): Status | null {
  const info = 'uid' in pod ? pod : podInfoOf(pod);
  let state = undefined as S;
  if (plugin.preFilter) {
    const r = plugin.preFilter(info, view);
    if ('skip' in r) return null;
    if ('reject' in r) return r.reject;
    state = r.state;
  }
  return plugin.filter(info, node, state);
}

/** Pre-score, score and normalize over the nodes; a skipped plugin scores every node 0. */
export function runScore<S>(plugin: ScorePlugin<S>, pod: Pod | PodInfo, nodes: NodeInfo[], view: ClusterView = viewOf(nodes)): number[] {
  const info = 'uid' in pod ? pod : podInfoOf(pod);
  let state = undefined as S;
  if (plugin.preScore) {
    const r = plugin.preScore(info, nodes, view);
    if ('skip' in r) return nodes.map(() => 0);
    state = r.state;
  }
  const scores = new Float64Array(nodes.map((n) => plugin.score(info, n, state)));
  plugin.normalize?.(scores, nodes, state);
  return [...scores];
}

