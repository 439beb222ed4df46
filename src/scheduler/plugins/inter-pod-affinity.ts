// InterPodAffinity: required pod affinity (the pod must share a topology domain — a node, a
// zone — with pods its terms select), required anti-affinity (must not), and the anti-affinity
// of pods already running (they keep matching pods out of their domain). Preferred terms, on
// either side, add or subtract their weights from the score of every node in the domain.
import type { NodeInfo } from '../node-info.ts';
import { termMatches, type AffinityTerm, type PodInfo, type WeightedAffinityTerm } from '../pod-info.ts';
import { MAX_NODE_SCORE, SKIP, unresolvable, unschedulable, type ClusterView, type FilterPlugin, type ScorePlugin } from '../types.ts';

export const INTER_POD_AFFINITY = 'InterPodAffinity';

const AFFINITY_NOT_MET = unresolvable("node(s) didn't match pod affinity rules");
const ANTI_AFFINITY_NOT_MET = unschedulable("node(s) didn't match pod anti-affinity rules");
const EXISTING_ANTI_AFFINITY_NOT_MET = unschedulable("node(s) didn't satisfy existing pods anti-affinity rules");

/** Weight of an existing pod's required affinity term when scoring the pods it selects (upstream's default). */
const HARD_POD_AFFINITY_WEIGHT = 1;

type Labels = Readonly<Record<string, string>> | undefined;

/** Counts per topology pair ("<key>\0<value>"); a pair at zero is removed. */
type PairCounts = Map<string, number>;

const pairKey = (key: string, value: string) => `${key}\u0000${value}`;

function bump(counts: PairCounts, node: NodeInfo, topologyKey: string, delta: number): void {
  const value = node.labels[topologyKey];
  if (value === undefined) return;
  const k = pairKey(topologyKey, value);
  const n = (counts.get(k) ?? 0) + delta;
  if (n === 0) counts.delete(k); else counts.set(k, n);
}

function matchesAllTerms(terms: readonly AffinityTerm[], pod: PodInfo, nsLabels: Labels): boolean {
  if (terms.length === 0) return false;
  for (const t of terms) if (!termMatches(t, pod, nsLabels)) return false;
  return true;
}

interface FilterState {
  pod: PodInfo;
  nsLabels: Labels;
  namespaceLabels: (ns: string) => Labels;
  /** Pairs where running pods' required anti-affinity selects the incoming pod. */
  existingAntiAffinity: PairCounts;
  /** Pairs holding pods that match all of the incoming pod's required affinity terms. */
  affinity: PairCounts;
  /** Pairs holding pods that the incoming pod's required anti-affinity terms select. */
  antiAffinity: PairCounts;
}

/** Adds (+1) or removes (-1) one pod on `node` from the counts. */
function updateWithPod(s: FilterState, p: PodInfo, node: NodeInfo, delta: number): void {
  for (const t of p.requiredAntiAffinityTerms) if (termMatches(t, s.pod, s.nsLabels)) bump(s.existingAntiAffinity, node, t.topologyKey, delta);
  const labels = s.namespaceLabels(p.namespace);
  if (matchesAllTerms(s.pod.requiredAffinityTerms, p, labels)) {
    for (const t of s.pod.requiredAffinityTerms) bump(s.affinity, node, t.topologyKey, delta);
  }
  for (const t of s.pod.requiredAntiAffinityTerms) if (termMatches(t, p, labels)) bump(s.antiAffinity, node, t.topologyKey, delta);
}

function memoLabels(view: ClusterView): (ns: string) => Labels {
  const memo = new Map<string, Labels>();
  return (ns) => {
    if (!memo.has(ns)) memo.set(ns, view.namespaceLabels(ns));
    return memo.get(ns);
  };
}

function satisfiesAffinity(s: FilterState, node: NodeInfo): boolean {
  let podsExist = true;
  for (const t of s.pod.requiredAffinityTerms) {
    const value = node.labels[t.topologyKey];
    if (value === undefined) return false; // every topology label must be on the node
    if ((s.affinity.get(pairKey(t.topologyKey, value)) ?? 0) <= 0) podsExist = false;
  }
  if (podsExist) return true;
  // The first of a group of pods with affinity to each other: nothing else matches anywhere,
  // and the pod matches its own terms, so let it start the group.
  return s.affinity.size === 0 && matchesAllTerms(s.pod.requiredAffinityTerms, s.pod, s.nsLabels);
}

function satisfiesAntiAffinity(s: FilterState, node: NodeInfo): boolean {
  if (s.antiAffinity.size === 0) return true;
  for (const t of s.pod.requiredAntiAffinityTerms) {
    const value = node.labels[t.topologyKey];
    if (value !== undefined && (s.antiAffinity.get(pairKey(t.topologyKey, value)) ?? 0) > 0) return false;
  }
  return true;
}

function satisfiesExistingAntiAffinity(s: FilterState, node: NodeInfo): boolean {
  if (s.existingAntiAffinity.size === 0) return true;
  for (const [k, v] of Object.entries(node.labels)) if ((s.existingAntiAffinity.get(pairKey(k, v)) ?? 0) > 0) return false;
  return true;
}

export const interPodAffinityFilter: FilterPlugin<FilterState> = {
  name: INTER_POD_AFFINITY,
  preFilter(pod, view) {
    const namespaceLabels = memoLabels(view);
    const s: FilterState = {
      pod, nsLabels: namespaceLabels(pod.namespace), namespaceLabels,
      existingAntiAffinity: new Map(), affinity: new Map(), antiAffinity: new Map(),
    };
    for (const node of view.nodesWithRequiredAntiAffinityPods()) {
      for (const existing of node.podsWithRequiredAntiAffinity.values()) {
        for (const t of existing.requiredAntiAffinityTerms) if (termMatches(t, pod, s.nsLabels)) bump(s.existingAntiAffinity, node, t.topologyKey, 1);
      }
    }
    const hasOwnTerms = pod.requiredAffinityTerms.length > 0 || pod.requiredAntiAffinityTerms.length > 0;
    if (!hasOwnTerms && s.existingAntiAffinity.size === 0) return SKIP;
    if (hasOwnTerms) {
      for (const node of view.nodes) {
        for (const existing of node.pods.values()) {
          const labels = namespaceLabels(existing.namespace);
          if (matchesAllTerms(pod.requiredAffinityTerms, existing, labels)) {
            for (const t of pod.requiredAffinityTerms) bump(s.affinity, node, t.topologyKey, 1);
          }
          for (const t of pod.requiredAntiAffinityTerms) if (termMatches(t, existing, labels)) bump(s.antiAffinity, node, t.topologyKey, 1);
        }
      }
    }
    return { state: s };
  },
  filter(_pod, node, s) {
    if (!satisfiesAffinity(s, node)) return AFFINITY_NOT_MET;
    if (!satisfiesAntiAffinity(s, node)) return ANTI_AFFINITY_NOT_MET;
    if (!satisfiesExistingAntiAffinity(s, node)) return EXISTING_ANTI_AFFINITY_NOT_MET;
    return null;
  },
  addPod(s, _pod, added, node) { updateWithPod(s, added, node, 1); },
  removePod(s, _pod, removed, node) { updateWithPod(s, removed, node, -1); },
  cloneState(s) {
    return { ...s, existingAntiAffinity: new Map(s.existingAntiAffinity), affinity: new Map(s.affinity), antiAffinity: new Map(s.antiAffinity) };
  },
};

// ---- score -------------------------------------------------------------------------------------

/** topology key → value → accumulated weight. */
type TopologyScores = Map<string, Map<string, number>>;

function addTerm(scores: TopologyScores, term: AffinityTerm, weight: number, pod: PodInfo, nsLabels: Labels, node: NodeInfo): void {
  if (!termMatches(term, pod, nsLabels)) return;
  const value = node.labels[term.topologyKey];
  if (value === undefined) return;
  let byValue = scores.get(term.topologyKey);
  if (!byValue) scores.set(term.topologyKey, (byValue = new Map()));
  byValue.set(value, (byValue.get(value) ?? 0) + weight);
}

function addTerms(scores: TopologyScores, terms: readonly WeightedAffinityTerm[], pod: PodInfo, nsLabels: Labels, node: NodeInfo, sign: number): void {
  for (const t of terms) addTerm(scores, t, t.weight * sign, pod, nsLabels, node);
}

export const interPodAffinityScore: ScorePlugin<TopologyScores> = {
  name: INTER_POD_AFFINITY,
  preScore(pod, _nodes, view) {
    const hasPreferences = pod.preferredAffinityTerms.length > 0 || pod.preferredAntiAffinityTerms.length > 0;
    const namespaceLabels = memoLabels(view);
    const nsLabels = namespaceLabels(pod.namespace);
    const scores: TopologyScores = new Map();
    // Without preferences of its own, only running pods with affinity terms can move the score.
    for (const node of hasPreferences ? view.nodes : view.nodesWithAffinityPods()) {
      if (Object.keys(node.labels).length === 0) continue;
      for (const existing of (hasPreferences ? node.pods : node.podsWithAffinity).values()) {
        const existingNs = namespaceLabels(existing.namespace);
        addTerms(scores, pod.preferredAffinityTerms, existing, existingNs, node, 1);
        addTerms(scores, pod.preferredAntiAffinityTerms, existing, existingNs, node, -1);
        for (const t of existing.requiredAffinityTerms) addTerm(scores, t, HARD_POD_AFFINITY_WEIGHT, pod, nsLabels, node);
        addTerms(scores, existing.preferredAffinityTerms, pod, nsLabels, node, 1);
        addTerms(scores, existing.preferredAntiAffinityTerms, pod, nsLabels, node, -1);
      }
    }
    return scores.size ? { state: scores } : SKIP;
  },
  score(_pod, node, scores) {
    let sum = 0;
    for (const [key, byValue] of scores) {
      const value = node.labels[key];
      if (value !== undefined) sum += byValue.get(value) ?? 0;
    }
    return sum;
  },
  normalize(scores) {
    let min = Infinity;
    let max = -Infinity;
    for (const s of scores) {
      if (s > max) max = s;
      if (s < min) min = s;
    }
    const diff = max - min;
    for (let i = 0; i < scores.length; i++) {
      scores[i] = diff > 0 ? Math.trunc(MAX_NODE_SCORE * ((scores[i] - min) / diff)) : 0;
    }
  },
};
