// ResourceQuota admission, as upstream: a namespaced create (or an update that can change
// usage) is measured, checked against every quota in the namespace that covers it, and refused
// (403) when it would exceed one, or when a quota on cpu/memory meets a container that does not
// state them. What it uses is charged to the quotas' status.used at once, by a compare-and-swap
// status write retried on conflict, so concurrent writes cannot both take the last of a quota.
// The quota controller later recounts from the objects (which also returns what a write that
// failed after admission was charged).
import type { ResourceQuota } from 'kubernetes-types/core/v1';
import type { KObject } from '../../api/types.ts';
import {
  type QuotaEvaluator, type ResourceList, addLists, exceededResources, isZeroList, mask, negativeResources,
  prettyPrint, quotaEvaluatorFor, quotaMatches, readResourceList, subtractNonNegative, writeResourceList,
} from '../../api/core/v1/quota-usage.ts';
import { forbidden } from '../../machinery/errors.ts';
import type { AdmissionAttributes, AdmissionPlugin } from '../admission.ts';

/** Attempts after the first when a quota's status changed under us. */
const CONFLICT_RETRIES = 3;

type Quota = ResourceQuota & KObject;

export interface ResourceQuotaDeps {
  /** The namespace's quotas, read live (a stale copy only costs a conflict and a retry). */
  listQuotas(namespace: string): Promise<KObject[]>;
  /** Writes a quota's status, failing with a Conflict when its resourceVersion is no longer current. */
  updateQuotaStatus(quota: KObject): Promise<KObject>;
  now?: () => Date;
}

export function resourceQuota(deps: ResourceQuotaDeps): AdmissionPlugin {
  const now = deps.now ?? (() => new Date());

  return {
    name: 'ResourceQuota',
    async validate(a) {
      if (a.subresource || !a.namespace || !a.def.namespaced || !a.object) return;
      if (a.operation !== 'CREATE' && a.operation !== 'UPDATE') return;
      if (a.def.group === '' && a.def.plural === 'events') return; // never quota'd upstream
      const evaluator = quotaEvaluatorFor(a.def.group, a.def.plural);
      if (!evaluator.handles(a.operation, a.object, a.oldObject)) return;

      // Quotas already charged are not looked at again when another one has to be retried.
      let pending: Set<string> | undefined;
      for (let attempt = 0; ; attempt++) {
        let quotas = (await deps.listQuotas(a.namespace)) as Quota[];
        if (pending) quotas = quotas.filter((q) => pending!.has(q.metadata?.name ?? ''));
        if (!quotas.length) return;
        const charged = checkRequest(quotas, a, evaluator, now());
        if (a.dryRun || !charged.length) return;
        const failed = new Set<string>();
        let lastErr: unknown;
        for (const q of charged) {
          try {
            await deps.updateQuotaStatus(q);
          } catch (err) {
            failed.add(q.metadata?.name ?? '');
            lastErr = err;
          }
        }
        if (!failed.size) return;
        if (attempt >= CONFLICT_RETRIES) throw lastErr;
        pending = failed;
      }
    },
  };
}

/**
 * Checks one write against the quotas and returns those whose usage it raises, with the raised
 * usage in status.used (still to be written). Throws the 403 when it does not fit.
 */
export function checkRequest(quotas: Quota[], a: AdmissionAttributes, evaluator: QuotaEvaluator, now: Date): Quota[] {
  const obj = a.object!;
  const refuse = (why: string) => forbidden({ group: a.def.group, resource: a.def.plural }, a.name, why);

  const covering: Quota[] = [];
  for (const quota of quotas) {
    if (!quotaMatches(quota, evaluator, obj)) continue;
    const hard = readResourceList(quota.status?.hard);
    const restricted = evaluator.matchingResources([...hard.keys()]);
    const problem = evaluator.constraints(restricted, obj);
    if (problem) throw refuse(`failed quota: ${quota.metadata?.name}: ${problem}`);
    const used = readResourceList(quota.status?.used);
    const unknown = restricted.filter((r) => !used.has(r));
    if (unknown.length) throw refuse(`status unknown for quota: ${quota.metadata?.name}, resources: ${restricted.sort().join(',')}`);
    covering.push(quota);
  }
  if (!covering.length) return [];

  let delta: ResourceList = evaluator.usage(obj, now);
  const negative = negativeResources(delta);
  if (negative.length) throw refuse(`quota usage is negative for resource(s): ${negative.sort().join(',')}`);
  // An update is charged only what it adds.
  if (a.operation === 'UPDATE' && a.oldObject?.metadata?.resourceVersion) {
    delta = subtractNonNegative(delta, evaluator.usage(a.oldObject, now));
  }
  if (isZeroList(delta)) return [];

  const out: Quota[] = [];
  for (const quota of covering) {
    const hard = readResourceList(quota.status?.hard);
    const used = readResourceList(quota.status?.used);
    const requested = mask(delta, hard.keys());
    const newUsed = addLists(used, requested);
    const exceeded = exceededResources(mask(newUsed, requested.keys()), hard);
    if (exceeded.length) {
      throw refuse(`exceeded quota: ${quota.metadata?.name}, requested: ${prettyPrint(mask(requested, exceeded))}, ` +
        `used: ${prettyPrint(mask(used, exceeded))}, limited: ${prettyPrint(mask(hard, exceeded))}`);
    }
    if (isZeroList(requested)) continue;
    out.push({ ...quota, status: { ...quota.status, used: writeResourceList(newUsed) } });
  }
  return out;
}
