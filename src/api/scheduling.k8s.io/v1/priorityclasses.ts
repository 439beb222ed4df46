// scheduling.k8s.io/v1 PriorityClass: a named pod priority. Cluster-scoped; the value and
// preemption policy are fixed once created, and "system-" names belong to the two built-in
// classes the server creates at start (bootstrapPriorityClasses).
import type { PriorityClass } from 'kubernetes-types/scheduling/v1';
import type { KObject, ResourceDefinition } from '../../types.ts';
import { type FieldError, forbiddenField, immutable, notSupported, required } from '../../../machinery/validation.ts';

const SYSTEM_PREFIX = 'system-';
const HIGHEST_USER_DEFINABLE_PRIORITY = 1_000_000_000;
const SYSTEM_CRITICAL_PRIORITY = 2 * HIGHEST_USER_DEFINABLE_PRIORITY;
const PREEMPTION_POLICIES = ['PreemptLowerPriority', 'Never'];

/** The classes upstream creates at bootstrap; only these may use the "system-" prefix. Clone before writing. */
export const bootstrapPriorityClasses: PriorityClass[] = [
  {
    apiVersion: 'scheduling.k8s.io/v1',
    kind: 'PriorityClass',
    metadata: { name: 'system-node-critical' },
    value: SYSTEM_CRITICAL_PRIORITY + 1000,
    description: 'Used for system critical pods that must not be moved from their current node.',
    preemptionPolicy: 'PreemptLowerPriority',
  },
  {
    apiVersion: 'scheduling.k8s.io/v1',
    kind: 'PriorityClass',
    metadata: { name: 'system-cluster-critical' },
    value: SYSTEM_CRITICAL_PRIORITY,
    description: 'Used for system critical pods that must run in the cluster, but can be moved to another node if necessary.',
    preemptionPolicy: 'PreemptLowerPriority',
  },
];

/** Why a "system-" class is not one of the built-ins (upstream's IsKnownSystemPriorityClass), or undefined. */
function systemClassProblem(name: string, value: number, globalDefault: boolean): string | undefined {
  const known = bootstrapPriorityClasses.find((pc) => pc.metadata?.name === name);
  if (!known) return `${name} is not a known system priority class`;
  if (known.value !== value) return `value of ${name} PriorityClass must be ${known.value}`;
  if ((known.globalDefault ?? false) !== globalDefault) return `globalDefault of ${name} PriorityClass must be ${known.globalDefault ?? false}`;
  return undefined;
}

export const priorityClasses: ResourceDefinition<PriorityClass & KObject> = {
  group: 'scheduling.k8s.io',
  version: 'v1',
  kind: 'PriorityClass',
  plural: 'priorityclasses',
  singular: 'priorityclass',
  namespaced: false,
  shortNames: ['pc'],

  defaults(obj) {
    obj.preemptionPolicy ??= 'PreemptLowerPriority';
  },

  validate(obj) {
    const errs: FieldError[] = [];
    const name = obj.metadata?.name ?? '';
    const value = obj.value ?? 0;
    if (name.startsWith(SYSTEM_PREFIX)) {
      const problem = systemClassProblem(name, value, obj.globalDefault ?? false);
      if (problem) {
        errs.push(forbiddenField('metadata.name', `priority class names with '${SYSTEM_PREFIX}' prefix are reserved for system use only. error: ${problem}`));
      }
    } else if (value > HIGHEST_USER_DEFINABLE_PRIORITY) {
      errs.push(forbiddenField('value', `maximum allowed value of a user defined priority is ${HIGHEST_USER_DEFINABLE_PRIORITY}`));
    }
    const policy = obj.preemptionPolicy;
    if (policy !== undefined) {
      if (policy === '') errs.push(required('preemptionPolicy'));
      else if (!PREEMPTION_POLICIES.includes(policy)) errs.push(notSupported('preemptionPolicy', policy, PREEMPTION_POLICIES));
    }
    return errs;
  },

  validateUpdate(obj, old) {
    const errs: FieldError[] = [];
    if ((obj.value ?? 0) !== (old.value ?? 0)) errs.push(forbiddenField('value', 'may not be changed in an update.'));
    if (obj.preemptionPolicy !== old.preemptionPolicy) errs.push(immutable('preemptionPolicy', obj.preemptionPolicy ?? null));
    return errs;
  },

  table: {
    columns: [
      { name: 'Name', type: 'string', format: 'name' },
      { name: 'Value', type: 'integer' },
      { name: 'Global-Default', type: 'boolean' },
      { name: 'Age', type: 'string' },
      { name: 'PreemptionPolicy', type: 'string' },
    ],
    row(obj, ctx) {
      return [
        obj.metadata?.name ?? '',
        obj.value ?? 0,
        obj.globalDefault ?? false,
        ctx.age(obj.metadata?.creationTimestamp),
        obj.preemptionPolicy ?? '',
      ];
    },
  },
};
