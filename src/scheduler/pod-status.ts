// Writing a pod's status from the scheduler (PodScheduled, DisruptionTarget, nominatedNodeName):
// conditions change as upstream's UpdatePodCondition decides (the transition time moves only
// when the status flips; nothing is written when nothing changed), and writes go through
// pods/status with the resourceVersion they were computed from, re-reading on a conflict.
import type { Pod, PodCondition, PodStatus } from 'kubernetes-types/core/v1';
import type { KObject } from '../api/types.ts';
import type { ResourceClient } from '../client/client.ts';
import { ApiError } from '../machinery/errors.ts';
import { rfc3339 } from '../machinery/meta.ts';

export type PodObject = Pod & KObject;

const CONFLICT_RETRIES = 3;

/** Sets the condition in `status` (a copy the caller owns); true when anything changed. */
export function setPodCondition(status: PodStatus, condition: PodCondition, now: Date): boolean {
  const conditions = status.conditions ?? [];
  const i = conditions.findIndex((c) => c.type === condition.type);
  const next: PodCondition = { lastProbeTime: null as never, ...condition, lastTransitionTime: rfc3339(now) };
  if (i < 0) {
    status.conditions = [...conditions, next];
    return true;
  }
  const old = conditions[i];
  if (old.status === next.status) next.lastTransitionTime = old.lastTransitionTime;
  const same = old.status === next.status && (old.reason ?? '') === (next.reason ?? '') && (old.message ?? '') === (next.message ?? '') &&
    (old.lastProbeTime ?? null) === (next.lastProbeTime ?? null);
  status.conditions = conditions.map((c, j) => (j === i ? next : c));
  return !same;
}

/**
 * Applies `change` to a copy of the pod's status and writes it if it changed anything.
 * `change` returns false for "nothing to do" (for example: the pod has been bound meanwhile).
 * A pod that is gone is not an error.
 */
export async function updatePodStatus(pods: ResourceClient<PodObject>, pod: PodObject, change: (pod: PodObject, status: PodStatus) => boolean): Promise<void> {
  let current = pod;
  for (let attempt = 0; ; attempt++) {
    const status: PodStatus = { ...(current.status ?? {}) };
    if (!change(current, status)) return;
    try {
      await pods.update({ ...current, metadata: { ...current.metadata }, status } as PodObject, { namespace: current.metadata?.namespace, subresource: 'status' });
      return;
    } catch (err) {
      if (err instanceof ApiError && err.reason === 'NotFound') return;
      if (!(err instanceof ApiError && err.reason === 'Conflict') || attempt >= CONFLICT_RETRIES) throw err;
      try {
        current = await pods.get(pod.metadata!.name!, pod.metadata?.namespace);
      } catch (getErr) {
        if (getErr instanceof ApiError && getErr.reason === 'NotFound') return;
        throw getErr;
      }
      if (current.metadata?.uid !== pod.metadata?.uid) return; // a new pod under the same name
    }
  }
}
