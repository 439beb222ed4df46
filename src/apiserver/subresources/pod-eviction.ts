// pods/eviction: a delete that respects PodDisruptionBudgets (what `kubectl drain` uses).
// A pod that a budget protects is only evicted while the budget allows a disruption; the
// budget's allowance is spent at once so two evictions cannot both use it.
import type { Pod } from 'kubernetes-types/core/v1';
import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1';
import type { DeleteOptions } from 'kubernetes-types/meta/v1';
import type { KObject } from '../../api/types.ts';
import { ApiError, badRequest } from '../../machinery/errors.ts';
import { fromLabelSelector, matchesLabels } from '../../machinery/label-selector.ts';
import { rfc3339 } from '../../machinery/meta.ts';
import type { GenericRegistry, WriteOptions } from '../generic-registry.ts';
import type { ResourceIndex } from '../resource-index.ts';

export async function evictPod(registry: GenericRegistry, index: ResourceIndex, namespace: string, name: string, body: KObject, opts: WriteOptions): Promise<KObject> {
  const pods = index.lookup('', 'v1', 'pods')!;
  const pdbs = index.lookup('policy', 'v1', 'poddisruptionbudgets')!;
  if (body.metadata?.name && body.metadata.name !== name) throw badRequest('name in URL does not match name in Eviction object');
  const deleteOptions = (body.deleteOptions ?? {}) as DeleteOptions;
  const pod = (await registry.get(pods, namespace, name)) as unknown as Pod;

  const phase = pod.status?.phase;
  const ignoresBudgets = !!pod.metadata?.deletionTimestamp || phase === 'Succeeded' || phase === 'Failed' || phase === 'Pending';
  if (!ignoresBudgets) {
    const budgets = ((await registry.list(pdbs, { namespace })).items as unknown as PodDisruptionBudget[])
      .filter((b) => b.spec?.selector && matchesLabels(fromLabelSelector(b.spec.selector), pod.metadata?.labels));
    if (budgets.length > 1) {
      throw new ApiError(500, 'InternalError', 'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.');
    }
    if (budgets.length === 1) await spendDisruption(registry, pdbs, budgets[0], name, opts);
  }
  await registry.delete(pods, namespace, name, deleteOptions, opts);
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 };
}

async function spendDisruption(registry: GenericRegistry, pdbs: NonNullable<ReturnType<ResourceIndex['lookup']>>, budget: PodDisruptionBudget, podName: string, opts: WriteOptions) {
  const status = budget.status;
  const refuse = (message: string) => new ApiError(429, 'TooManyRequests', 'Cannot evict pod as it would violate the pod\'s disruption budget.', {
    causes: [{ reason: 'DisruptionBudget', message }],
  });
  if (!status || (status.observedGeneration ?? 0) < (budget.metadata?.generation ?? 0)) {
    throw refuse(`The disruption budget ${budget.metadata?.name} is still being processed by the server.`);
  }
  if ((status.disruptionsAllowed ?? 0) <= 0) {
    throw refuse(`The disruption budget ${budget.metadata?.name} needs ${status.desiredHealthy} healthy pods and has ${status.currentHealthy} currently`);
  }
  if (opts.dryRun) return;
  const updated = structuredClone(budget);
  updated.status = {
    ...status,
    disruptionsAllowed: (status.disruptionsAllowed ?? 0) - 1,
    disruptedPods: { ...(status.disruptedPods ?? {}), [podName]: rfc3339(new Date()) },
  };
  // A stale resourceVersion makes this a 409: the client (kubectl drain) retries the eviction.
  await registry.update(pdbs, budget.metadata?.namespace, budget.metadata!.name!, updated as unknown as KObject, { ...opts, subresource: 'status' });
}
