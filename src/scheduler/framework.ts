// The scheduling framework: runs a profile's plugins for one pod — pre-filter once, filter node
// by node until enough feasible nodes are found (upstream's percentageOfNodesToScore), score the
// feasible ones, pick the best (ties at random) — and, when nothing fits, composes upstream's
// "0/N nodes are available: ..." message from the statuses the plugins returned.
//
// A cycle is synchronous: the cache it reads cannot change underneath it, so no snapshot is taken.
import type { NodeInfo } from './node-info.ts';
import type { PodInfo } from './pod-info.ts';
import { interPodAffinityFilter, interPodAffinityScore } from './plugins/inter-pod-affinity.ts';
import { nodeAffinityFilter, nodeAffinityScore } from './plugins/node-affinity.ts';
import { nodeName } from './plugins/node-name.ts';
import { nodePorts } from './plugins/node-ports.ts';
import { balancedAllocationScore } from './plugins/node-resources-balanced-allocation.ts';
import { leastAllocatedScore, nodeResourcesFit } from './plugins/node-resources-fit.ts';
import { nodeUnschedulable } from './plugins/node-unschedulable.ts';
import { podTopologySpreadFilter, podTopologySpreadScore } from './plugins/pod-topology-spread.ts';
import { taintTolerationFilter, taintTolerationScore } from './plugins/taint-toleration.ts';
import type { ClusterView, FilterPlugin, ScorePlugin, Status } from './types.ts';

export interface Profile {
  readonly filters: readonly FilterPlugin<any>[];
  readonly scores: ReadonlyArray<{ readonly plugin: ScorePlugin<any>; readonly weight: number }>;
}

/** Upstream's default profile: its filters in order, its scores with their weights. */
export function defaultProfile(): Profile {
  return {
    filters: [
      nodeUnschedulable, nodeName, taintTolerationFilter, nodeAffinityFilter, nodePorts, nodeResourcesFit,
      podTopologySpreadFilter, interPodAffinityFilter,
    ],
    scores: [
      { plugin: taintTolerationScore, weight: 3 },
      { plugin: nodeAffinityScore, weight: 2 },
      { plugin: leastAllocatedScore, weight: 1 },
      { plugin: podTopologySpreadScore, weight: 2 },
      { plugin: interPodAffinityScore, weight: 2 },
      { plugin: balancedAllocationScore, weight: 1 },
    ],
  };
}

// ---- filtering --------------------------------------------------------------------------------

/** The filters taking part in one pod's cycle, each with its pre-filter state. */
export interface FilterCycle {
  readonly active: ReadonlyArray<{ readonly plugin: FilterPlugin<any>; state: unknown }>;
}

export type PreFilterOutcome = { cycle: FilterCycle } | { rejected: Status; plugin: string };

export function runPreFilter(profile: Profile, pod: PodInfo, view: ClusterView): PreFilterOutcome {
  const active: Array<{ plugin: FilterPlugin<any>; state: unknown }> = [];
  for (const plugin of profile.filters) {
    if (!plugin.preFilter) { active.push({ plugin, state: undefined }); continue; }
    const r = plugin.preFilter(pod, view);
    if ('skip' in r) continue;
    if ('reject' in r) return { rejected: r.reject, plugin: plugin.name };
    active.push({ plugin, state: r.state });
  }
  return { cycle: { active } };
}

export interface FilterFailure {
  readonly status: Status;
  readonly plugin: string;
}

/** Runs the cycle's filters in order; the first that rejects the node decides. */
export function runFilters(cycle: FilterCycle, pod: PodInfo, node: NodeInfo): FilterFailure | null {
  for (const { plugin, state } of cycle.active) {
    const status = plugin.filter(pod, node, state);
    if (status) return { status, plugin: plugin.name };
  }
  return null;
}

export function cloneCycle(cycle: FilterCycle): FilterCycle {
  return { active: cycle.active.map(({ plugin, state }) => ({ plugin, state: plugin.cloneState ? plugin.cloneState(state) : state })) };
}

/** Adds `other` to `node` (a clone) and to the cycle's state, as if it ran there. */
export function addPodToCycle(cycle: FilterCycle, pod: PodInfo, other: PodInfo, node: NodeInfo): void {
  node.addPod(other);
  for (const { plugin, state } of cycle.active) plugin.addPod?.(state, pod, other, node);
}

export function removePodFromCycle(cycle: FilterCycle, pod: PodInfo, other: PodInfo, node: NodeInfo): void {
  node.removePod(other.uid);
  for (const { plugin, state } of cycle.active) plugin.removePod?.(state, pod, other, node);
}

/** Pods waiting for room on a node their preemption freed (status.nominatedNodeName). */
export interface NominatedPods {
  nominatedOn(node: string): Iterable<PodInfo>;
  /** False when no pod is nominated anywhere, so filtering need not ask node by node. */
  any?(): boolean;
}

/**
 * Filters with the node's nominated pods of equal or higher priority counted as if running
 * (they were promised the room), and — since their presence can also help, through affinity —
 * once more without them. Upstream's RunFilterPluginsWithNominatedPods.
 */
export function runFiltersWithNominated(cycle: FilterCycle, pod: PodInfo, node: NodeInfo, nominated: NominatedPods | undefined): FilterFailure | null {
  let others: PodInfo[] | undefined;
  if (nominated) {
    for (const p of nominated.nominatedOn(node.name)) {
      if (p.uid !== pod.uid && p.priority >= pod.priority) (others ??= []).push(p);
    }
  }
  if (!others) return runFilters(cycle, pod, node);
  const withOthers = node.clone();
  const cycleWithOthers = cloneCycle(cycle);
  for (const p of others) addPodToCycle(cycleWithOthers, pod, p, withOthers);
  return runFilters(cycleWithOthers, pod, withOthers) ?? runFilters(cycle, pod, node);
}

// ---- the decision -----------------------------------------------------------------------------

export const MIN_FEASIBLE_NODES_TO_FIND = 100;
export const MIN_FEASIBLE_NODES_PERCENTAGE = 5;

/** Upstream's adaptive percentageOfNodesToScore: 50% minus 1% per 125 nodes, at least 5% and at least 100 nodes. */
export function numFeasibleNodesToFind(numAllNodes: number): number {
  if (numAllNodes < MIN_FEASIBLE_NODES_TO_FIND) return numAllNodes;
  const percentage = Math.max(50 - Math.trunc(numAllNodes / 125), MIN_FEASIBLE_NODES_PERCENTAGE);
  return Math.max(Math.trunc((numAllNodes * percentage) / 100), MIN_FEASIBLE_NODES_TO_FIND);
}

/** Why a pod fits nowhere: each rejected node's status and the plugins that rejected. */
export interface Diagnosis {
  readonly nodeToStatus: Map<string, Status>;
  readonly unschedulablePlugins: Set<string>;
  preFilterMsg: string;
  readonly numAllNodes: number;
}

export type ScheduleOutcome =
  | { readonly node: string; readonly feasible: number; readonly evaluated: number }
  | { readonly diagnosis: Diagnosis; readonly cycle: FilterCycle | undefined };

export interface Algorithm {
  schedule(pod: PodInfo): ScheduleOutcome;
}

export function createAlgorithm(profile: Profile, view: ClusterView, nominatedPods?: NominatedPods, random: () => number = Math.random): Algorithm {
  // Where the next search starts, so that successive pods look at different nodes first.
  let nextStartIndex = 0;

  function prioritize(pod: PodInfo, feasible: NodeInfo[]): string {
    const total = new Float64Array(feasible.length);
    const scores = new Float64Array(feasible.length);
    for (const { plugin, weight } of profile.scores) {
      let state: unknown;
      if (plugin.preScore) {
        const r = plugin.preScore(pod, feasible, view);
        if ('skip' in r) continue;
        state = r.state;
      }
      for (let i = 0; i < feasible.length; i++) scores[i] = plugin.score(pod, feasible[i], state);
      plugin.normalize?.(scores, feasible, state);
      for (let i = 0; i < feasible.length; i++) total[i] += scores[i] * weight;
    }
    // The best score; among equals, each is picked with the same chance (reservoir sampling).
    let best = 0;
    let ties = 1;
    for (let i = 1; i < total.length; i++) {
      if (total[i] > total[best]) { best = i; ties = 1; } else if (total[i] === total[best] && random() * ++ties < 1) best = i;
    }
    return feasible[best].name;
  }

  return {
    schedule(pod) {
      const nodes = view.nodes;
      // Asked once per node filtered (hundreds per pod); nearly always nobody is nominated.
      const nominated = nominatedPods?.any?.() === false ? undefined : nominatedPods;
      const diagnosis: Diagnosis = { nodeToStatus: new Map(), unschedulablePlugins: new Set(), preFilterMsg: '', numAllNodes: nodes.length };
      const pre = runPreFilter(profile, pod, view);
      if ('rejected' in pre) {
        for (const n of nodes) diagnosis.nodeToStatus.set(n.name, pre.rejected);
        diagnosis.unschedulablePlugins.add(pre.plugin);
        diagnosis.preFilterMsg = pre.rejected.reasons.join(', ');
        return { diagnosis, cycle: undefined };
      }
      const { cycle } = pre;
      // A pod that preempted others tries the node it was promised first.
      const nominatedNode = pod.pod.status?.nominatedNodeName;
      if (nominatedNode) {
        const info = view.node(nominatedNode);
        if (info && !runFiltersWithNominated(cycle, pod, info, nominated)) return { node: info.name, feasible: 1, evaluated: 1 };
      }
      const wanted = numFeasibleNodesToFind(nodes.length);
      const feasible: NodeInfo[] = [];
      let evaluated = 0;
      const start = nodes.length ? nextStartIndex % nodes.length : 0;
      for (; evaluated < nodes.length && feasible.length < wanted; evaluated++) {
        const node = nodes[(start + evaluated) % nodes.length];
        const failure = runFiltersWithNominated(cycle, pod, node, nominated);
        if (!failure) { feasible.push(node); continue; }
        diagnosis.nodeToStatus.set(node.name, failure.status);
        diagnosis.unschedulablePlugins.add(failure.plugin);
      }
      nextStartIndex = nodes.length ? (start + evaluated) % nodes.length : 0;
      if (feasible.length === 0) return { diagnosis, cycle };
      const node = feasible.length === 1 ? feasible[0].name : prioritize(pod, feasible);
      return { node, feasible: feasible.length, evaluated };
    },
  };
}

// ---- messages ---------------------------------------------------------------------------------

/**
 * Upstream's FitError message: "0/3 nodes are available: 1 node(s) had untolerated taint {...},
 * 2 Insufficient cpu." — each reason with how many nodes gave it, sorted — then the
 * post-filter (preemption) message. Nodes without a status of their own count `absent`.
 */
export function fitErrorMessage(d: Diagnosis, postFilterMsg = '', absent?: Status): string {
  let msg = `0/${d.numAllNodes} nodes are available:`;
  if (d.preFilterMsg) {
    msg += ` ${d.preFilterMsg}.`;
  } else {
    // Plugins share Status objects between nodes: count those first, then their reasons.
    const perStatus = new Map<Status, number>();
    for (const status of d.nodeToStatus.values()) perStatus.set(status, (perStatus.get(status) ?? 0) + 1);
    const counts = new Map<string, number>();
    for (const [status, n] of perStatus) for (const r of status.reasons) counts.set(r, (counts.get(r) ?? 0) + n);
    const missing = d.numAllNodes - d.nodeToStatus.size;
    if (absent && missing > 0) for (const r of absent.reasons) counts.set(r, (counts.get(r) ?? 0) + missing);
    const reasons = [...counts].map(([r, n]) => `${n} ${r}`).sort();
    if (reasons.length) msg += ` ${reasons.join(', ')}.`;
  }
  if (postFilterMsg) msg += ` ${postFilterMsg}`;
  return msg;
}
