// The scheduler framework's shared vocabulary: a plugin's verdict on one node (Status), the
// plugin shapes (filter: pod × node → status; score: pod × node → number), and the view of the
// cluster a plugin may consult beyond the node in front of it.
import type { NodeInfo } from './node-info.ts';
import type { PodInfo } from './pod-info.ts';

export const MAX_NODE_SCORE = 100;

/**
 * Unschedulable: the node might take the pod if some pods left it (preemption may help).
 * UnschedulableAndUnresolvable: removing pods would not help (preemption skips the node).
 */
export type StatusCode = 'Unschedulable' | 'UnschedulableAndUnresolvable' | 'Error';

export interface Status {
  readonly code: StatusCode;
  /** Short reasons as upstream words them; the framework counts them into its message. */
  readonly reasons: readonly string[];
}

export function unschedulable(...reasons: string[]): Status {
  return { code: 'Unschedulable', reasons };
}

export function unresolvable(...reasons: string[]): Status {
  return { code: 'UnschedulableAndUnresolvable', reasons };
}

export function errorStatus(message: string): Status {
  return { code: 'Error', reasons: [message] };
}

export function statusMessage(s: Status): string {
  return s.reasons.join(', ');
}

/** What the cluster looks like to a plugin: every node, and indexes for the expensive questions. */
export interface ClusterView {
  /** Every node that has a Node object, in the order the scheduler walks them. */
  readonly nodes: readonly NodeInfo[];
  node(name: string): NodeInfo | undefined;
  /** Nodes running at least one pod with required pod anti-affinity. */
  nodesWithRequiredAntiAffinityPods(): Iterable<NodeInfo>;
  /** Nodes running at least one pod with any pod (anti-)affinity. */
  nodesWithAffinityPods(): Iterable<NodeInfo>;
  namespaceLabels(namespace: string): Readonly<Record<string, string>> | undefined;
  /** Non-terminating pods of `owner` on nodes labelled with `zone` (default spreading's index). */
  zoneOwnerCount(zone: string, owner: string): number;
}

export type PreFilterResult<S> = { skip: true } | { state: S } | { reject: Status };
export const SKIP: { skip: true } = { skip: true };

export interface FilterPlugin<S = unknown> {
  readonly name: string;
  /** Per-pod preparation. `skip` leaves the plugin out of this cycle; `reject` fails every node. */
  preFilter?(pod: PodInfo, view: ClusterView): PreFilterResult<S>;
  /** null when the node can take the pod. */
  filter(pod: PodInfo, node: NodeInfo, state: S): Status | null;
  /** Keeps the pre-filter state in step when a pod is added to or removed from `node` (preemption, nominated pods). */
  addPod?(state: S, pod: PodInfo, added: PodInfo, node: NodeInfo): void;
  removePod?(state: S, pod: PodInfo, removed: PodInfo, node: NodeInfo): void;
  cloneState?(state: S): S;
}

export interface ScorePlugin<S = unknown> {
  readonly name: string;
  /** Per-pod preparation over the feasible nodes; `skip` leaves the plugin out (all nodes score 0). */
  preScore?(pod: PodInfo, nodes: readonly NodeInfo[], view: ClusterView): { skip: true } | { state: S };
  /** An integer; higher is better. */
  score(pod: PodInfo, node: NodeInfo, state: S): number;
  /** Rescales the raw scores (in node order) into 0..MAX_NODE_SCORE, in place. */
  normalize?(scores: Float64Array, nodes: readonly NodeInfo[], state: S): void;
}

/** Upstream's DefaultNormalizeScore: scale so the best is MAX_NODE_SCORE (reversed: the best gets 0). */
export function defaultNormalizeScore(scores: Float64Array, reverse: boolean): void {
  let max = 0;
  for (const s of scores) if (s > max) max = s;
  if (max === 0) {
    if (reverse) scores.fill(MAX_NODE_SCORE);
    return;
  }
  for (let i = 0; i < scores.length; i++) {
    const s = Math.trunc((MAX_NODE_SCORE * scores[i]) / max);
    scores[i] = reverse ? MAX_NODE_SCORE - s : s;
  }
}
