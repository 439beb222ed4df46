// Pod status conditions as controllers change them: upstream's UpdatePodCondition rule (a new
// status moves lastTransitionTime, anything else keeps it) and a conflict-retrying status write
// that always starts from the pod as stored, so a stale cache never overwrites the kubelet.
import type { PodCondition, PodStatus } from 'kubernetes-types/core/v1';
import type { ResourceClient } from '../client/client.ts';
import { ApiError } from '../machinery/errors.ts';
import { rfc3339 } from '../machinery/meta.ts';
import type { PodObject } from './pod-ranking.ts';

const CONFLICT_RETRIES = 5;

/**
 * Sets `condition` in `status` (in place) as upstream's UpdatePodCondition does; says whether
 * anything changed.
 */
export function setPodCondition(status: PodStatus, condition: PodCondition, now: Date): boolean {
  const conditions = (status.conditions ??= []);
  const i = conditions.findIndex((c) => c.type === condition.type);
  const next: PodCondition = { ...condition, lastTransitionTime: rfc3339(now) };
  if (i < 0) {
    conditions.push(next);
    return true;
  }
  const old = conditions[i];
  if (old.status === next.status) next.lastTransitionTime = old.lastTransitionTime;
  const same = old.status === next.status && (old.reason ?? '') === (next.reason ?? '') && (old.message ?? '') === (next.message ?? '') &&
    (old.lastProbeTime ?? null) === (next.lastProbeTime ?? null) && (old.lastTransitionTime ?? null) === (next.lastTransitionTime ?? null);
  conditions[i] = next;
  return !same;
}

/**
 * Reads the pod, lets `change` edit its status (returning false when there is nothing to do) and
 * writes it through /status, again on conflicts. Resolves with the pod as written, or undefined
 * when nothing was written (no change, the pod is gone, or it is another pod of the same name).
 */
export async function updatePodStatus(
  pods: ResourceClient<PodObject>, namespace: string, name: string, uid: string | undefined,
  change: (status: PodStatus, pod: PodObject) => boolean,
): Promise<PodObject | undefined> {
  for (let attempt = 0; ; attempt++) {
    let pod: PodObject;
    try {
      pod = await pods.get(name, namespace);
    } catch (err) {
      if (err instanceof ApiError && err.code === 404) return undefined;
      throw err;
    }
    if (uid && pod.metadata?.uid !== uid) return undefined;
    const status = structuredClone(pod.status ?? {});
    if (!change(status, pod)) return undefined;
    try {
      return await pods.update({ ...pod, status }, { namespace, subresource: 'status' });
    } catch (err) {
      if (!(err instanceof ApiError && err.code === 409) || attempt + 1 >= CONFLICT_RETRIES) throw err;
    }
  }
}
