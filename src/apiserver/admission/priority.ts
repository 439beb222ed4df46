// Priority admission, as upstream: a new pod's spec.priorityClassName is resolved to
// spec.priority and spec.preemptionPolicy (the global default class when none is named, priority
// 0 when there is no default either); a pod may not bring its own different values. Updates keep
// what creation set. On the PriorityClass side, only one class may be the global default.
import type { Pod } from 'kubernetes-types/core/v1';
import type { PriorityClass } from 'kubernetes-types/scheduling/v1';
import type { KObject } from '../../api/types.ts';
import { forbidden } from '../../machinery/errors.ts';
import type { AdmissionAttributes, AdmissionPlugin } from '../admission.ts';

/** The priority of pods when no class is named and none is the global default. */
const DEFAULT_PRIORITY = 0;
const DEFAULT_PREEMPTION_POLICY = 'PreemptLowerPriority';

export interface PriorityDeps {
  getPriorityClass(name: string): Promise<KObject | undefined>;
  listPriorityClasses(): Promise<KObject[]>;
}

type MutablePodSpec = { priorityClassName?: string; priority?: number; preemptionPolicy?: string };

export function priority(deps: PriorityDeps): AdmissionPlugin {
  /** The global default class; should a race have made several, the lowest-valued one. */
  async function defaultClass(): Promise<PriorityClass | undefined> {
    let found: PriorityClass | undefined;
    for (const pc of (await deps.listPriorityClasses()) as unknown as PriorityClass[]) {
      if (pc.globalDefault && (!found || (found.value ?? 0) > (pc.value ?? 0))) found = pc;
    }
    return found;
  }

  const refuse = (a: AdmissionAttributes, why: string) => forbidden({ group: a.def.group, resource: a.def.plural }, a.name, why);

  async function admitPod(a: AdmissionAttributes): Promise<void> {
    const pod = a.object as Pod & KObject;
    const spec = (pod.spec ??= {} as Pod['spec'] & object) as MutablePodSpec;
    if (a.operation === 'UPDATE') {
      // Set at creation and immutable since: an update that leaves them out keeps them.
      const old = (a.oldObject as Pod | undefined)?.spec;
      if (spec.priority == null && old?.priority != null) spec.priority = old.priority;
      if (spec.preemptionPolicy == null && old?.preemptionPolicy != null) spec.preemptionPolicy = old.preemptionPolicy;
      return;
    }
    let value: number;
    let policy: string | undefined;
    if (!spec.priorityClassName) {
      const pc = await defaultClass();
      if (pc) {
        spec.priorityClassName = pc.metadata?.name;
        value = pc.value ?? 0;
        policy = pc.preemptionPolicy;
      } else {
        value = DEFAULT_PRIORITY;
        policy = DEFAULT_PREEMPTION_POLICY;
      }
    } else {
      const pc = (await deps.getPriorityClass(spec.priorityClassName)) as PriorityClass | undefined;
      if (!pc) throw refuse(a, `no PriorityClass with name ${spec.priorityClassName} was found`);
      value = pc.value ?? 0;
      policy = pc.preemptionPolicy;
    }
    if (spec.priority != null && spec.priority !== value) {
      throw refuse(a, `the integer value of priority (${spec.priority}) must not be provided in pod spec; priority admission controller computed ${value} from the given PriorityClass name`);
    }
    spec.priority = value;
    if (policy) {
      if (spec.preemptionPolicy != null && spec.preemptionPolicy !== policy) {
        throw refuse(a, `the string value of PreemptionPolicy (${spec.preemptionPolicy}) must not be provided in pod spec; priority admission controller computed ${policy} from the given PriorityClass name`);
      }
      spec.preemptionPolicy = policy;
    }
  }

  async function validateClass(a: AdmissionAttributes): Promise<void> {
    const pc = a.object as PriorityClass & KObject;
    if (!pc.globalDefault) return;
    const current = await defaultClass();
    if (!current) return;
    if (a.operation === 'CREATE' || current.metadata?.name !== pc.metadata?.name) {
      throw refuse(a, `PriorityClass ${current.metadata?.name} is already marked as default. Only one default can exist`);
    }
  }

  return {
    name: 'Priority',
    async admit(a) {
      if (a.subresource || !a.object || a.def.group !== '' || a.def.plural !== 'pods') return;
      if (a.operation === 'CREATE' || a.operation === 'UPDATE') await admitPod(a);
    },
    async validate(a) {
      if (a.subresource || !a.object || a.def.group !== 'scheduling.k8s.io' || a.def.plural !== 'priorityclasses') return;
      if (a.operation === 'CREATE' || a.operation === 'UPDATE') await validateClass(a);
    },
  };
}
