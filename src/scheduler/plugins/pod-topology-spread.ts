// PodTopologySpread: a pod's topologySpreadConstraints keep matching pods evenly spread over
// topology domains. DoNotSchedule constraints filter (placing the pod must not push a domain
// more than maxSkew above the emptiest one); ScheduleAnyway constraints, and the system default
// spreading of a controller's pods over hostnames (maxSkew 3) and zones (maxSkew 5), score
// (fewer matching pods in the node's domains is better).
//
// Default spreading selects the pods of the same controlling owner (ReplicaSet, StatefulSet,
// Job ...), read from an index rather than by matching selectors pod by pod.
import type { TopologySpreadConstraint } from 'kubernetes-types/core/v1';
import type { LabelSelector as MetaLabelSelector } from 'kubernetes-types/meta/v1';
import { fromLabelSelector, matchesLabels, NOTHING, type LabelSelector } from '../../machinery/label-selector.ts';
import { HOSTNAME_LABEL, ZONE_LABEL, type NodeInfo } from '../node-info.ts';
import type { PodInfo } from '../pod-info.ts';
import { MAX_NODE_SCORE, SKIP, unresolvable, unschedulable, type ClusterView, type FilterPlugin, type ScorePlugin } from '../types.ts';
import { nodeMatchesRequired, requiredNodeAffinityOf, type RequiredNodeAffinity } from './node-affinity.ts';
import { firstUntoleratedTaint } from './taint-toleration.ts';

export const POD_TOPOLOGY_SPREAD = 'PodTopologySpread';

const SKEW_TOO_LARGE = unschedulable("node(s) didn't match pod topology spread constraints");
const MISSING_LABEL = unresolvable("node(s) didn't match pod topology spread constraints (missing required label)");

export interface SpreadConstraint {
  readonly maxSkew: number;
  readonly topologyKey: string;
  readonly minDomains: number;
  /** Explicit constraints select pods by labels ... */
  readonly selector: LabelSelector;
  /** ... default ones by controlling owner. */
  readonly owner: string | undefined;
  readonly honorNodeAffinity: boolean;
  readonly honorNodeTaints: boolean;
}

/** The selector with matchLabelKeys folded in (each key's value taken from the pod's own labels). */
function constraintSelector(c: TopologySpreadConstraint, podLabels: Readonly<Record<string, string>>): LabelSelector {
  if (!c.labelSelector) return NOTHING;
  const extra = (c.matchLabelKeys ?? []).filter((k) => k in podLabels).map((k) => ({ key: k, operator: 'In', values: [podLabels[k]] }));
  const sel: MetaLabelSelector = extra.length
    ? { ...c.labelSelector, matchExpressions: [...(c.labelSelector.matchExpressions ?? []), ...extra] }
    : c.labelSelector;
  try {
    return fromLabelSelector(sel);
  } catch {
    return NOTHING;
  }
}

function explicitConstraints(pod: PodInfo, when: 'DoNotSchedule' | 'ScheduleAnyway'): SpreadConstraint[] {
  return (pod.pod.spec?.topologySpreadConstraints ?? []).filter((c) => c.whenUnsatisfiable === when).map((c) => ({
    maxSkew: c.maxSkew,
    topologyKey: c.topologyKey,
    minDomains: c.minDomains ?? 1,
    selector: constraintSelector(c, pod.labels),
    owner: undefined,
    honorNodeAffinity: (c.nodeAffinityPolicy ?? 'Honor') === 'Honor',
    honorNodeTaints: c.nodeTaintsPolicy === 'Honor',
  }));
}

function defaultConstraints(owner: string): SpreadConstraint[] {
  const base = { minDomains: 1, selector: NOTHING, owner, honorNodeAffinity: true, honorNodeTaints: false };
  return [{ ...base, maxSkew: 3, topologyKey: HOSTNAME_LABEL }, { ...base, maxSkew: 5, topologyKey: ZONE_LABEL }];
}

/** Does the constraint select pod `p`? */
function selects(c: SpreadConstraint, p: PodInfo): boolean {
  return c.owner !== undefined ? p.ownerUid === c.owner : matchesLabels(c.selector, p.labels);
}

/** Matching, non-terminating pods of `namespace` on the node. */
function countOnNode(c: SpreadConstraint, node: NodeInfo, namespace: string): number {
  if (c.owner !== undefined) return node.ownerCounts.get(c.owner) ?? 0;
  let n = 0;
  for (const p of node.pods.values()) if (!p.terminating && p.namespace === namespace && matchesLabels(c.selector, p.labels)) n++;
  return n;
}

function hasAllKeys(node: NodeInfo, constraints: readonly SpreadConstraint[]): boolean {
  for (const c of constraints) if (node.labels[c.topologyKey] === undefined) return false;
  return true;
}

/** Whether the node counts toward the constraint's domains (its nodeAffinityPolicy / nodeTaintsPolicy). */
function includesNode(c: SpreadConstraint, pod: PodInfo, node: NodeInfo, required: RequiredNodeAffinity | undefined): boolean {
  if (c.honorNodeAffinity && !nodeMatchesRequired(required, node)) return false;
  if (c.honorNodeTaints && firstUntoleratedTaint(node.taints, pod.tolerations)) return false;
  return true;
}

const pairKey = (key: string, value: string) => `${key}\u0000${value}`;

// ---- filter -----------------------------------------------------------------------------------

interface FilterState {
  constraints: SpreadConstraint[];
  required: RequiredNodeAffinity | undefined;
  /** Matching pods per topology pair, including empty domains. */
  counts: Map<string, number>;
  /** Per topology key: the lowest count and how many domains there are (undefined: stale). */
  domains: Map<string, { min: number; count: number }> | undefined;
}

/** The count the skew is measured from: the emptiest domain, or 0 while there are fewer than minDomains. */
function globalMinimum(s: FilterState, key: string, minDomains: number): number {
  if (!s.domains) {
    s.domains = new Map();
    for (const [pair, n] of s.counts) {
      const k = pair.slice(0, pair.indexOf('\u0000'));
      const d = s.domains.get(k);
      if (d) { d.min = Math.min(d.min, n); d.count++; } else s.domains.set(k, { min: n, count: 1 });
    }
  }
  const d = s.domains.get(key);
  if (!d || d.count < minDomains) return 0;
  return d.min;
}

function updateWithPod(s: FilterState, pod: PodInfo, p: PodInfo, node: NodeInfo, delta: number): void {
  if (p.namespace !== pod.namespace || !hasAllKeys(node, s.constraints)) return;
  for (const c of s.constraints) {
    if (!selects(c, p) || !includesNode(c, pod, node, s.required)) continue;
    const k = pairKey(c.topologyKey, node.labels[c.topologyKey]);
    s.counts.set(k, (s.counts.get(k) ?? 0) + delta);
    s.domains = undefined;
  }
}

export const podTopologySpreadFilter: FilterPlugin<FilterState> = {
  name: POD_TOPOLOGY_SPREAD,
  preFilter(pod, view) {
    const constraints = explicitConstraints(pod, 'DoNotSchedule');
    if (constraints.length === 0) return SKIP;
    const s: FilterState = { constraints, required: requiredNodeAffinityOf(pod.pod), counts: new Map(), domains: undefined };
    for (const node of view.nodes) {
      if (!hasAllKeys(node, constraints)) continue;
      for (const c of constraints) {
        if (!includesNode(c, pod, node, s.required)) continue;
        const k = pairKey(c.topologyKey, node.labels[c.topologyKey]);
        s.counts.set(k, (s.counts.get(k) ?? 0) + countOnNode(c, node, pod.namespace));
      }
    }
    return { state: s };
  },
  filter(pod, node, s) {
    for (const c of s.constraints) {
      const value = node.labels[c.topologyKey];
      if (value === undefined) return MISSING_LABEL;
      const skew = (s.counts.get(pairKey(c.topologyKey, value)) ?? 0) + (selects(c, pod) ? 1 : 0) - globalMinimum(s, c.topologyKey, c.minDomains);
      if (skew > c.maxSkew) return SKEW_TOO_LARGE;
    }
    return null;
  },
  addPod(s, pod, added, node) { updateWithPod(s, pod, added, node, 1); },
  removePod(s, pod, removed, node) { updateWithPod(s, pod, removed, node, -1); },
  cloneState(s) {
    return { ...s, counts: new Map(s.counts), domains: undefined };
  },
};

// ---- score ------------------------------------------------------------------------------------

interface ScoreState {
  constraints: SpreadConstraint[];
  /** Per constraint: log(domains + 2), so that spreading over many domains weighs more. */
  weights: number[];
  /** Per constraint (other than hostname): topology value → matching pods in that domain. */
  counts: Array<Map<string, number>>;
  /** Nodes lacking a topology key of an explicit constraint: scored 0. */
  ignored: Set<string>;
}

function spreadConstraintsForScore(pod: PodInfo): { constraints: SpreadConstraint[]; requireAll: boolean } | undefined {
  const explicit = pod.pod.spec?.topologySpreadConstraints ?? [];
  if (explicit.length) {
    const constraints = explicitConstraints(pod, 'ScheduleAnyway');
    return constraints.length ? { constraints, requireAll: true } : undefined;
  }
  return pod.ownerUid ? { constraints: defaultConstraints(pod.ownerUid), requireAll: false } : undefined;
}

export const podTopologySpreadScore: ScorePlugin<ScoreState> = {
  name: POD_TOPOLOGY_SPREAD,
  preScore(pod, nodes, view: ClusterView) {
    const picked = spreadConstraintsForScore(pod);
    if (!picked || nodes.length === 0) return SKIP;
    const { constraints, requireAll } = picked;
    const s: ScoreState = { constraints, weights: [], counts: constraints.map(() => new Map()), ignored: new Set() };
    for (const node of nodes) {
      if (requireAll && !hasAllKeys(node, constraints)) { s.ignored.add(node.name); continue; }
      for (let i = 0; i < constraints.length; i++) {
        const key = constraints[i].topologyKey;
        if (key === HOSTNAME_LABEL) continue; // counted node by node when scoring
        const value = node.labels[key] ?? '';
        if (!s.counts[i].has(value)) s.counts[i].set(value, 0);
      }
    }
    for (let i = 0; i < constraints.length; i++) {
      const domains = constraints[i].topologyKey === HOSTNAME_LABEL ? nodes.length - s.ignored.size : s.counts[i].size;
      s.weights.push(Math.log(domains + 2));
    }
    const required = requiredNodeAffinityOf(pod.pod);
    const spread = constraints.map((c, i) => ({ c, counts: s.counts[i] })).filter(({ c }) => c.topologyKey !== HOSTNAME_LABEL);
    if (spread.length === 0) return { state: s };
    if (!requireAll && !required && spread.every(({ c }) => c.owner !== undefined && c.topologyKey === ZONE_LABEL)) {
      // Default zone spreading, every node counting: read the per-zone owner index.
      for (const { c, counts } of spread) {
        for (const zone of counts.keys()) if (zone !== '') counts.set(zone, view.zoneOwnerCount(zone, c.owner!));
      }
      return { state: s };
    }
    for (const node of view.nodes) {
      if (requireAll && !hasAllKeys(node, constraints)) continue;
      for (const { c, counts } of spread) {
        if (!includesNode(c, pod, node, required)) continue;
        const value = node.labels[c.topologyKey] ?? '';
        const n = counts.get(value);
        if (n !== undefined) counts.set(value, n + countOnNode(c, node, pod.namespace));
      }
    }
    return { state: s };
  },
  score(pod, node, s) {
    if (s.ignored.size && s.ignored.has(node.name)) return 0;
    let score = 0;
    for (let i = 0; i < s.constraints.length; i++) {
      const c = s.constraints[i];
      const value = node.labels[c.topologyKey];
      if (value === undefined) continue;
      const count = c.topologyKey === HOSTNAME_LABEL ? countOnNode(c, node, pod.namespace) : s.counts[i].get(value) ?? 0;
      score += count * s.weights[i] + (c.maxSkew - 1);
    }
    return Math.round(score);
  },
  normalize(scores, nodes, s) {
    let min = Infinity;
    let max = 0;
    for (let i = 0; i < scores.length; i++) {
      if (s.ignored.has(nodes[i].name)) continue;
      if (scores[i] < min) min = scores[i];
      if (scores[i] > max) max = scores[i];
    }
    for (let i = 0; i < scores.length; i++) {
      if (s.ignored.has(nodes[i].name)) scores[i] = 0;
      else if (max === 0) scores[i] = MAX_NODE_SCORE;
      else scores[i] = Math.trunc((MAX_NODE_SCORE * (max + min - scores[i])) / max);
    }
  },
};
