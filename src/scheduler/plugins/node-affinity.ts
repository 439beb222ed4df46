// NodeAffinity: a pod's nodeSelector and required node affinity decide which nodes it may use;
// its preferred node affinity adds each matching term's weight to a node's score.
import type { NodeSelectorRequirement, NodeSelectorTerm, Pod } from 'kubernetes-types/core/v1';
import type { NodeInfo } from '../node-info.ts';
import { defaultNormalizeScore, SKIP, unresolvable, type FilterPlugin, type ScorePlugin } from '../types.ts';

export const NODE_AFFINITY = 'NodeAffinity';

const NO_MATCH = unresolvable("node(s) didn't match Pod's node affinity/selector");

function requirementMatches(r: NodeSelectorRequirement, value: string | undefined): boolean {
  const values = r.values ?? [];
  switch (r.operator) {
    case 'In': return value !== undefined && values.includes(value);
    case 'NotIn': return value === undefined || !values.includes(value);
    case 'Exists': return value !== undefined;
    case 'DoesNotExist': return value === undefined;
    case 'Gt':
    case 'Lt': {
      if (value === undefined || values.length !== 1 || !/^-?\d+$/.test(value) || !/^-?\d+$/.test(values[0])) return false;
      const actual = BigInt(value);
      const bound = BigInt(values[0]);
      return r.operator === 'Gt' ? actual > bound : actual < bound;
    }
    default: return false;
  }
}

/** A node selector term: all its expressions (on labels) and fields (metadata.name) hold; an empty term matches nothing. */
export function termMatchesNode(term: NodeSelectorTerm, node: NodeInfo): boolean {
  const exprs = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (exprs.length === 0 && fields.length === 0) return false;
  for (const r of exprs) if (!requirementMatches(r, node.labels[r.key])) return false;
  for (const r of fields) {
    if (r.key !== 'metadata.name') return false;
    if (!requirementMatches(r, node.name)) return false;
  }
  return true;
}

export interface RequiredNodeAffinity {
  readonly nodeSelector: Readonly<Record<string, string>> | undefined;
  readonly terms: readonly NodeSelectorTerm[] | undefined;
}

/** The pod's hard node constraints, or undefined when it has none. */
export function requiredNodeAffinityOf(pod: Pod): RequiredNodeAffinity | undefined {
  const nodeSelector = pod.spec?.nodeSelector;
  const terms = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  const hasSelector = !!nodeSelector && Object.keys(nodeSelector).length > 0;
  if (!hasSelector && !terms) return undefined;
  return { nodeSelector: hasSelector ? nodeSelector : undefined, terms };
}

/** nodeSelector (every label equal) and required affinity (any term) both hold. */
export function nodeMatchesRequired(req: RequiredNodeAffinity | undefined, node: NodeInfo): boolean {
  if (!req) return true;
  if (req.nodeSelector) {
    for (const [k, v] of Object.entries(req.nodeSelector)) if (node.labels[k] !== v) return false;
  }
  if (req.terms) {
    let any = false;
    for (const t of req.terms) if (termMatchesNode(t, node)) { any = true; break; }
    if (!any) return false;
  }
  return true;
}

export const nodeAffinityFilter: FilterPlugin<RequiredNodeAffinity> = {
  name: NODE_AFFINITY,
  preFilter(pod) {
    const req = requiredNodeAffinityOf(pod.pod);
    return req ? { state: req } : SKIP;
  },
  filter(_pod, node, req) {
    return nodeMatchesRequired(req, node) ? null : NO_MATCH;
  },
};

interface Preferred { weight: number; term: NodeSelectorTerm }

export const nodeAffinityScore: ScorePlugin<Preferred[]> = {
  name: NODE_AFFINITY,
  preScore(pod) {
    const prefs = pod.pod.spec?.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? [];
    const terms = prefs.filter((p) => p.weight !== 0).map((p) => ({ weight: p.weight, term: p.preference }));
    return terms.length ? { state: terms } : SKIP;
  },
  score(_pod, node, terms) {
    let sum = 0;
    for (const t of terms) if (termMatchesNode(t.term, node)) sum += t.weight;
    return sum;
  },
  normalize(scores) {
    defaultNormalizeScore(scores, false);
  },
};
