// Finding a pod's sandbox and containers through the CRI alone, by upstream's labels, so the
// agent's server needs nothing from the pod workers.
import type { Container, CriClient, PodSandbox } from '../../runtime/cri-client.ts';

export const LABEL_POD_NAME = 'io.kubernetes.pod.name';
export const LABEL_POD_NAMESPACE = 'io.kubernetes.pod.namespace';
export const LABEL_CONTAINER_NAME = 'io.kubernetes.container.name';
export const ANNOTATION_RESTART_COUNT = 'io.kubernetes.container.restartCount';

/** An error the agent answers with an HTTP status and a plain-text message, as the kubelet does. */
export class AgentError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

export function restartCountOf(c: Container): number {
  const n = Number(c.annotations?.[ANNOTATION_RESTART_COUNT]);
  return Number.isFinite(n) ? n : c.metadata?.attempt ?? 0;
}

/** The pod's containers of that name, newest attempt first. */
export async function containerAttempts(cri: CriClient, ns: string, pod: string, container: string): Promise<Container[]> {
  const { containers } = await cri.listContainers({
    filter: { labelSelector: { [LABEL_POD_NAMESPACE]: ns, [LABEL_POD_NAME]: pod, [LABEL_CONTAINER_NAME]: container } },
  });
  return containers.sort((a, b) => restartCountOf(b) - restartCountOf(a) || b.createdAt - a.createdAt);
}

/**
 * The container whose log to read: the one the API server names (by ID, from the pod's status),
 * else the newest attempt (the one before it with `previous`); a 400 as the kubelet says.
 */
export async function findLogContainer(cri: CriClient, ns: string, pod: string, container: string, previous: boolean, containerId?: string): Promise<Container> {
  const attempts = await containerAttempts(cri, ns, pod, container);
  const chosen = containerId ? attempts.find((c) => c.id === containerId) : previous ? attempts[1] : attempts[0];
  if (!chosen) {
    throw new AgentError(400, previous
      ? `previous terminated container "${container}" in pod "${pod}" not found`
      : `container "${container}" in pod "${pod}" is not available`);
  }
  return chosen;
}

/** The running container exec and attach go to (kubelet: `container not found ("name")`). */
export async function findRunningContainer(cri: CriClient, ns: string, pod: string, container: string): Promise<Container> {
  const current = (await containerAttempts(cri, ns, pod, container))[0];
  if (!current || current.state !== 'CONTAINER_RUNNING') throw new AgentError(500, `container not found ("${container}")`);
  return current;
}

/** The pod's ready sandbox, for port-forwarding. */
export async function findReadySandbox(cri: CriClient, ns: string, pod: string): Promise<PodSandbox> {
  const { items } = await cri.listPodSandbox({
    filter: { labelSelector: { [LABEL_POD_NAMESPACE]: ns, [LABEL_POD_NAME]: pod }, state: { state: 'SANDBOX_READY' } },
  });
  const newest = items.sort((a, b) => b.createdAt - a.createdAt)[0];
  if (!newest) throw new AgentError(404, `pod not found ("${pod}_${ns}")`);
  return newest;
}
