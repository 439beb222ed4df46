// Writes a pod's status through the pods/status subresource, only when it changed, with the pod's
// UID as a precondition (a newer pod of the same name is never touched), retrying on conflicts.
import type { Pod, PodStatus } from 'kubernetes-types/core/v1';
import type { KObject } from '../../../api/types.ts';
import type { Client } from '../../../client/client.ts';
import type { Logger } from '../../../cli/log.ts';
import { ApiError } from '../../../machinery/errors.ts';

const ATTEMPTS = 3;

/** The status without what does not count as a change (probe times). */
export function comparableStatus(s: PodStatus | undefined): string {
  if (!s) return '';
  const conditions = (s.conditions ?? []).map(({ lastProbeTime: _p, ...c }) => c);
  return JSON.stringify({ ...s, conditions });
}

/** Returns true when written, false when unchanged or the pod is gone. */
export async function writePodStatus(client: Client, pod: Pod, status: PodStatus, log: Logger): Promise<boolean> {
  const pods = client.resource<Pod & KObject>('', 'v1', 'pods');
  const name = pod.metadata?.name ?? '';
  const namespace = pod.metadata?.namespace;
  for (let attempt = 1; ; attempt++) {
    try {
      await pods.patch(name, 'merge', { metadata: { uid: pod.metadata?.uid }, status }, { namespace, subresource: 'status' });
      log.debug('pod status written', { pod: `${namespace}/${name}`, phase: status.phase });
      return true;
    } catch (err) {
      if (err instanceof ApiError && err.code === 404) return false;
      if (err instanceof ApiError && err.code === 409 && attempt < ATTEMPTS) continue;
      throw err;
    }
  }
}

/** Deletes the pod object for good once everything of it is gone from the node (grace 0, UID precondition). */
export async function deletePodObject(client: Client, pod: Pod, log: Logger): Promise<void> {
  const pods = client.resource<Pod & KObject>('', 'v1', 'pods');
  try {
    await pods.delete(pod.metadata?.name ?? '', { namespace: pod.metadata?.namespace, gracePeriodSeconds: 0, preconditions: { uid: pod.metadata?.uid } });
    log.info('pod removed from the API', { pod: `${pod.metadata?.namespace}/${pod.metadata?.name}` });
  } catch (err) {
    if (err instanceof ApiError && (err.code === 404 || err.code === 409)) return;
    throw err;
  }
}
