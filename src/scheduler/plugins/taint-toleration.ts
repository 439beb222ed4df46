// TaintToleration: a node's NoSchedule / NoExecute taints keep off pods that do not tolerate
// them; its PreferNoSchedule taints only lower the node's score, per taint not tolerated.
import type { Taint, Toleration } from 'kubernetes-types/core/v1';
import type { NodeInfo } from '../node-info.ts';
import type { PodInfo } from '../pod-info.ts';
import { defaultNormalizeScore, unresolvable, type FilterPlugin, type ScorePlugin, type Status } from '../types.ts';

export const TAINT_TOLERATION = 'TaintToleration';

/** Upstream's Toleration.ToleratesTaint. */
export function toleratesTaint(t: Toleration, taint: Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.key && t.key !== taint.key) return false;
  switch (t.operator ?? 'Equal') {
    case 'Exists': return true;
    case 'Equal': case '': return (t.value ?? '') === (taint.value ?? '');
    default: return false;
  }
}

export function tolerationsTolerate(tolerations: readonly Toleration[], taint: Taint): boolean {
  for (const t of tolerations) if (toleratesTaint(t, taint)) return true;
  return false;
}

/** The first NoSchedule / NoExecute taint the tolerations do not cover. */
export function firstUntoleratedTaint(taints: readonly Taint[], tolerations: readonly Toleration[]): Taint | undefined {
  for (const taint of taints) {
    if (taint.effect !== 'NoSchedule' && taint.effect !== 'NoExecute') continue;
    if (!tolerationsTolerate(tolerations, taint)) return taint;
  }
  return undefined;
}

export const taintTolerationFilter: FilterPlugin<void> = {
  name: TAINT_TOLERATION,
  filter(pod: PodInfo, node: NodeInfo): Status | null {
    if (node.taints.length === 0) return null;
    const taint = firstUntoleratedTaint(node.taints, pod.tolerations);
    if (!taint) return null;
    return unresolvable(`node(s) had untolerated taint {${taint.key}: ${taint.value ?? ''}}`);
  },
};

export const taintTolerationScore: ScorePlugin<readonly Toleration[]> = {
  name: TAINT_TOLERATION,
  preScore(pod) {
    // Only tolerations that could apply to PreferNoSchedule taints matter here.
    return { state: pod.tolerations.filter((t) => !t.effect || t.effect === 'PreferNoSchedule') };
  },
  score(_pod, node, tolerations) {
    let intolerable = 0;
    for (const taint of node.taints) {
      if (taint.effect === 'PreferNoSchedule' && !tolerationsTolerate(tolerations, taint)) intolerable++;
    }
    return intolerable;
  },
  normalize(scores) {
    defaultNormalizeScore(scores, true);
  },
};
