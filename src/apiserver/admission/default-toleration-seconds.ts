// DefaultTolerationSeconds admission, as upstream: a pod that does not already tolerate the
// node.kubernetes.io/not-ready or /unreachable NoExecute taints gets a toleration for each,
// bounded by tolerationSeconds (300 by default), so it leaves a failed node after five minutes
// rather than at once (or never).
import type { Toleration } from 'kubernetes-types/core/v1';
import type { AdmissionPlugin } from '../admission.ts';

const NOT_READY = 'node.kubernetes.io/not-ready';
const UNREACHABLE = 'node.kubernetes.io/unreachable';

export interface DefaultTolerationSecondsOptions {
  /** --default-not-ready-toleration-seconds (300). */
  notReadySeconds?: number;
  /** --default-unreachable-toleration-seconds (300). */
  unreachableSeconds?: number;
}

/** Tolerates `key`'s NoExecute taint: the key or any key, the NoExecute effect or any effect. */
function covers(t: Toleration, key: string): boolean {
  return (t.key === key || !t.key) && (t.effect === 'NoExecute' || !t.effect);
}

export function defaultTolerationSeconds(opts: DefaultTolerationSecondsOptions = {}): AdmissionPlugin {
  const notReadySeconds = opts.notReadySeconds ?? 300;
  const unreachableSeconds = opts.unreachableSeconds ?? 300;
  return {
    name: 'DefaultTolerationSeconds',
    admit(a) {
      if (a.def.group !== '' || a.def.plural !== 'pods' || a.subresource) return;
      if (a.operation !== 'CREATE' && a.operation !== 'UPDATE') return;
      const spec = a.object?.spec as { tolerations?: unknown } | undefined;
      if (!spec || typeof spec !== 'object' || Array.isArray(spec)) return;
      if (spec.tolerations != null && !Array.isArray(spec.tolerations)) return; // validation answers for that
      const tolerations = (spec.tolerations ?? []) as Toleration[];
      const valid = tolerations.filter((t): t is Toleration => !!t && typeof t === 'object');
      const added: Toleration[] = [];
      if (!valid.some((t) => covers(t, NOT_READY))) {
        added.push({ key: NOT_READY, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: notReadySeconds });
      }
      if (!valid.some((t) => covers(t, UNREACHABLE))) {
        added.push({ key: UNREACHABLE, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: unreachableSeconds });
      }
      if (added.length) spec.tolerations = [...tolerations, ...added];
    },
  };
}
