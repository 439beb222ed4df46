// policy/v1 PodDisruptionBudget: how many of the selected pods voluntary disruptions (evictions)
// must leave available. Validation, strategy and table follow upstream 1.32.
import type { PodDisruptionBudget, PodDisruptionBudgetSpec } from 'kubernetes-types/policy/v1';
import type { KObject, ResourceDefinition } from '../../types.ts';
import { type FieldError, invalidValue, notSupported } from '../../../machinery/validation.ts';
import { goIntOrString, invalidGo } from '../../common/go-value.ts';
import { validateLabelSelector } from '../../common/label-selector-rules.ts';

const UNHEALTHY_POD_EVICTION_POLICIES = ['AlwaysAllow', 'IfHealthyBudget'];
const PERCENT = /^[0-9]+%$/;
const PERCENT_MSG = "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')";

/** upstream's ValidatePositiveIntOrPercent and IsNotMoreThan100Percent. */
function validateIntOrPercent(value: number | string, field: string): FieldError[] {
  if (typeof value === 'string') {
    if (!PERCENT.test(value)) return [invalidGo(field, value, goIntOrString(value), PERCENT_MSG)];
    if (Number(value.slice(0, -1)) > 100) return [invalidGo(field, value, goIntOrString(value), 'must not be greater than 100%')];
    return [];
  }
  return value < 0 ? [invalidValue(field, value, 'must be greater than or equal to 0')] : [];
}

/** Go's %#v of the spec, which upstream prints when both bounds are set (pointers print as addresses). */
function goSpec(spec: PodDisruptionBudgetSpec): string {
  const ptr = (type: string, set: boolean, addr: string) => `(*${type})(${set ? addr : 'nil'})`;
  return 'policy.PodDisruptionBudgetSpec{' +
    `MinAvailable:${ptr('intstr.IntOrString', spec.minAvailable !== undefined, '0xc000010000')}, ` +
    `Selector:${ptr('v1.LabelSelector', spec.selector !== undefined, '0xc000010020')}, ` +
    `MaxUnavailable:${ptr('intstr.IntOrString', spec.maxUnavailable !== undefined, '0xc000010040')}, ` +
    `UnhealthyPodEvictionPolicy:${ptr('policy.UnhealthyPodEvictionPolicyType', spec.unhealthyPodEvictionPolicy !== undefined, '0xc000010060')}}`;
}

function validateSpec(spec: PodDisruptionBudgetSpec): FieldError[] {
  const errs: FieldError[] = [];
  if (spec.minAvailable !== undefined && spec.maxUnavailable !== undefined) {
    errs.push(invalidGo('spec', spec, goSpec(spec), 'minAvailable and maxUnavailable cannot be both set'));
  }
  if (spec.minAvailable !== undefined) errs.push(...validateIntOrPercent(spec.minAvailable, 'spec.minAvailable'));
  if (spec.maxUnavailable !== undefined) errs.push(...validateIntOrPercent(spec.maxUnavailable, 'spec.maxUnavailable'));
  errs.push(...validateLabelSelector(spec.selector, 'spec.selector'));
  const policy = spec.unhealthyPodEvictionPolicy;
  if (policy !== undefined && !UNHEALTHY_POD_EVICTION_POLICIES.includes(policy)) {
    errs.push(notSupported('spec.unhealthyPodEvictionPolicy', policy, UNHEALTHY_POD_EVICTION_POLICIES));
  }
  return errs;
}

const STATUS_COUNTS = ['disruptionsAllowed', 'currentHealthy', 'desiredHealthy', 'expectedPods'] as const;

export const podDisruptionBudgets: ResourceDefinition<PodDisruptionBudget & KObject> = {
  group: 'policy',
  version: 'v1',
  kind: 'PodDisruptionBudget',
  plural: 'poddisruptionbudgets',
  singular: 'poddisruptionbudget',
  namespaced: true,
  shortNames: ['pdb'],
  statusSubresource: true,
  generation: true,

  prepareForCreate(obj) {
    // The disruption controller fills the status; these counts are always serialised upstream.
    obj.status = { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 };
  },

  validate(obj) {
    return validateSpec(obj.spec ?? {});
  },

  validateStatus(obj) {
    const status = obj.status;
    const errs: FieldError[] = [];
    for (const f of STATUS_COUNTS) {
      const v = status?.[f] ?? 0;
      if (v < 0) errs.push(invalidValue(`status.${f}`, v, 'must be greater than or equal to 0'));
    }
    return errs;
  },

  table: {
    columns: [
      { name: 'Name', type: 'string', format: 'name' },
      { name: 'Min Available', type: 'string', description: 'The minimum number of pods that must be available.' },
      { name: 'Max Unavailable', type: 'string', description: 'The maximum number of pods that may be unavailable.' },
      { name: 'Allowed Disruptions', type: 'integer', description: 'Calculated number of pods that may be disrupted at this time.' },
      { name: 'Age', type: 'string' },
    ],
    row(obj, ctx) {
      const spec = obj.spec ?? {};
      return [
        obj.metadata?.name ?? '',
        spec.minAvailable !== undefined ? String(spec.minAvailable) : 'N/A',
        spec.maxUnavailable !== undefined ? String(spec.maxUnavailable) : 'N/A',
        obj.status?.disruptionsAllowed ?? 0,
        ctx.age(obj.metadata?.creationTimestamp),
      ];
    },
  },
};
