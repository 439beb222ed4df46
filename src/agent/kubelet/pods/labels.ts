// The CRI labels and annotations skiff puts on sandboxes and containers (upstream's keys), so any
// part of the agent — and a restarted agent — can find a pod's runtime objects through the CRI alone.
import { createHash } from 'node:crypto';
import type { Container, Pod } from 'kubernetes-types/core/v1';

export const POD_NAME_LABEL = 'io.kubernetes.pod.name';
export const POD_NAMESPACE_LABEL = 'io.kubernetes.pod.namespace';
export const POD_UID_LABEL = 'io.kubernetes.pod.uid';
export const CONTAINER_NAME_LABEL = 'io.kubernetes.container.name';

export const RESTART_COUNT_ANNOTATION = 'io.kubernetes.container.restartCount';
export const CONTAINER_HASH_ANNOTATION = 'io.kubernetes.container.hash';
export const TERMINATION_MESSAGE_PATH_ANNOTATION = 'io.kubernetes.container.terminationMessagePath';
export const TERMINATION_MESSAGE_POLICY_ANNOTATION = 'io.kubernetes.container.terminationMessagePolicy';
export const GRACE_PERIOD_ANNOTATION = 'io.kubernetes.pod.terminationGracePeriod';
/** skiff's own: which node's agent made a sandbox, so agents sharing a runtime never take each other's pods for orphans. */
export const NODE_NAME_ANNOTATION = 'skiff.io/node-name';

export function podLabels(pod: Pod): Record<string, string> {
  return {
    ...(pod.metadata?.labels ?? {}),
    [POD_NAME_LABEL]: pod.metadata?.name ?? '',
    [POD_NAMESPACE_LABEL]: pod.metadata?.namespace ?? '',
    [POD_UID_LABEL]: pod.metadata?.uid ?? '',
  };
}

export function containerLabels(pod: Pod, container: Container): Record<string, string> {
  return {
    [POD_NAME_LABEL]: pod.metadata?.name ?? '',
    [POD_NAMESPACE_LABEL]: pod.metadata?.namespace ?? '',
    [POD_UID_LABEL]: pod.metadata?.uid ?? '',
    [CONTAINER_NAME_LABEL]: container.name,
  };
}

/**
 * A short hash of what, when it changes, means the container must be recreated. Of a pod's
 * containers only the image may change after creation (resources are resized in place), so the
 * hash covers the image alone — which also keeps it stable across skiff versions, so an agent
 * upgrade never restarts running containers.
 */
export function containerHash(container: Container): string {
  return createHash('sha256').update(container.image ?? '').digest('hex').slice(0, 8);
}

/** upstream's format.Pod: how the kubelet names a pod in messages ("web_default(uid)"). */
export function podDescription(pod: Pod): string {
  return `${pod.metadata?.name}_${pod.metadata?.namespace}(${pod.metadata?.uid})`;
}
