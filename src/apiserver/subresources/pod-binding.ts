// pods/binding: how the scheduler assigns a pod to a node. Sets spec.nodeName once (a second
// binding is a 409, as upstream) and records PodScheduled=True.
import type { Binding, Pod, PodCondition } from 'kubernetes-types/core/v1';
import type { KObject, ResourceDefinition } from '../../api/types.ts';
import { badRequest, conflict, invalid } from '../../machinery/errors.ts';
import { required } from '../../machinery/validation.ts';
import { rfc3339 } from '../../machinery/meta.ts';
import type { GenericRegistry, WriteOptions } from '../generic-registry.ts';

export async function bindPod(registry: GenericRegistry, pods: ResourceDefinition, namespace: string, name: string, body: KObject, opts: WriteOptions): Promise<KObject> {
  const binding = body as unknown as Binding;
  if (binding.metadata?.name && binding.metadata.name !== name) {
    throw badRequest(`name in URL does not match name in Binding object`);
  }
  const node = binding.target?.name;
  if (!node) throw invalid('Binding', '', name, [required('target.name')]);
  // Binding writes spec and status together, beneath the usual rule that pod specs are immutable.
  await registry.updateFrom(pods, namespace, name, (current) => {
    const pod = current as unknown as Pod;
    const uid = binding.metadata?.uid;
    if (uid && uid !== pod.metadata?.uid) {
      throw conflict({ group: '', resource: 'pods' }, name, `Precondition failed: UID in precondition: ${uid}, UID in object meta: ${pod.metadata?.uid}`);
    }
    if (pod.metadata?.deletionTimestamp) throw conflict({ group: '', resource: 'pods' }, name, 'pod is being deleted, cannot be assigned to a host');
    if (pod.spec?.nodeName) throw conflict({ group: '', resource: 'pods' }, name, `pod ${name} is already assigned to node "${pod.spec.nodeName}"`);
    pod.spec!.nodeName = node;
    const conditions: PodCondition[] = (pod.status?.conditions ?? []).filter((c) => c.type !== 'PodScheduled');
    conditions.push({ type: 'PodScheduled', status: 'True', lastProbeTime: null as never, lastTransitionTime: rfc3339(new Date()) });
    (pod as { status?: unknown }).status = { ...(pod.status ?? {}), conditions };
    return current;
  }, { ...opts, subresource: 'binding' });
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 };
}
