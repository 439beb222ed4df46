// coordination.k8s.io/v1 Lease: a small record of who holds a lock and until when (node
// heartbeats, leader election). Validation and table follow upstream 1.32.
import type { Lease } from 'kubernetes-types/coordination/v1';
import type { KObject, ResourceDefinition } from '../../types.ts';
import { type FieldError, invalidValue } from '../../../machinery/validation.ts';

/**
 * The coordinated-leader-election fields (spec.strategy, spec.preferredHolder) are behind an alpha
 * feature gate that is off in 1.32: upstream drops them unless the stored object already had them.
 */
type GatedSpec = { strategy?: unknown; preferredHolder?: unknown };
const GATED_FIELDS = ['strategy', 'preferredHolder'] as const;

export const leases: ResourceDefinition<Lease & KObject> = {
  group: 'coordination.k8s.io',
  version: 'v1',
  kind: 'Lease',
  plural: 'leases',
  singular: 'lease',
  namespaced: true,

  prepareForCreate(obj) {
    const spec = obj.spec as GatedSpec | undefined;
    if (spec) for (const f of GATED_FIELDS) delete spec[f];
  },

  prepareForUpdate(obj, old) {
    const spec = obj.spec as GatedSpec | undefined;
    const oldSpec = (old.spec ?? {}) as GatedSpec;
    if (spec) for (const f of GATED_FIELDS) if (oldSpec[f] === undefined) delete spec[f];
  },

  validate(obj) {
    const errs: FieldError[] = [];
    const spec = obj.spec ?? {};
    if (spec.leaseDurationSeconds !== undefined && spec.leaseDurationSeconds <= 0) {
      errs.push(invalidValue('spec.leaseDurationSeconds', spec.leaseDurationSeconds, 'must be greater than 0'));
    }
    if (spec.leaseTransitions !== undefined && spec.leaseTransitions < 0) {
      errs.push(invalidValue('spec.leaseTransitions', spec.leaseTransitions, 'must be greater than or equal to 0'));
    }
    return errs;
  },

  table: {
    columns: [
      { name: 'Name', type: 'string', format: 'name' },
      { name: 'Holder', type: 'string' },
      { name: 'Age', type: 'string' },
    ],
    row(obj, ctx) {
      return [obj.metadata?.name ?? '', obj.spec?.holderIdentity ?? '', ctx.age(obj.metadata?.creationTimestamp)];
    },
  },
};
