// core/v1 Namespace: cluster-scoped, named by a DNS-1123 label, created Active with the
// "kubernetes" finalizer (the namespace controller removes it once the contents are gone).
import type { Namespace } from 'kubernetes-types/core/v1';
import type { KObject, ResourceDefinition } from '../../types.ts';
import {
  type FieldError, invalidValue, isQualifiedName, validateLabelName,
} from '../../../machinery/validation.ts';

/** The finalizer the namespace controller owns. */
export const KUBERNETES_FINALIZER = 'kubernetes';
const STANDARD_FINALIZERS = new Set([KUBERNETES_FINALIZER, 'orphan', 'foregroundDeletion']);
/** Every namespace carries its own name as a label, so selectors can pick namespaces by name. */
const METADATA_NAME_LABEL = 'kubernetes.io/metadata.name';

function labelWithName(ns: Namespace): void {
  const name = ns.metadata?.name;
  if (!name) return;
  ns.metadata!.labels = { ...ns.metadata!.labels, [METADATA_NAME_LABEL]: name };
}

/** A finalizer must be a qualified name, and an unprefixed one must be a standard name. */
function validateFinalizerName(value: string, field: string): FieldError[] {
  const errs = isQualifiedName(value).map((msg) => invalidValue(field, value, msg));
  if (!value.includes('/') && !STANDARD_FINALIZERS.has(value)) {
    errs.push(invalidValue(field, value, 'name is neither a standard finalizer name nor is it fully qualified'));
  }
  return errs;
}

export const namespaces: ResourceDefinition<Namespace & KObject> = {
  group: '',
  version: 'v1',
  kind: 'Namespace',
  plural: 'namespaces',
  singular: 'namespace',
  namespaced: false,
  shortNames: ['ns'],
  statusSubresource: true,
  nameValidator: validateLabelName,

  defaults(ns) {
    labelWithName(ns);
    if (ns.status && !ns.status.phase) ns.status.phase = 'Active';
  },

  prepareForCreate(ns) {
    ns.status = { phase: 'Active' };
    const finalizers = ns.spec?.finalizers ?? [];
    if (!finalizers.includes(KUBERNETES_FINALIZER)) {
      ns.spec = { ...ns.spec, finalizers: [...finalizers, KUBERNETES_FINALIZER] };
    }
    labelWithName(ns);
  },

  prepareForUpdate(ns, old) {
    // spec.finalizers change only through /finalize.
    if (old.spec === undefined) delete ns.spec;
    else ns.spec = structuredClone(old.spec);
  },

  validate(ns) {
    // Upstream reports these at spec.finalizers without an index.
    return (ns.spec?.finalizers ?? []).flatMap((f) => validateFinalizerName(f, 'spec.finalizers'));
  },

  validateStatus(ns) {
    // Serves /status and /finalize: each leaves the other half as stored, so both checks hold.
    const errs = (ns.spec?.finalizers ?? []).flatMap((f, i) => validateFinalizerName(f, `spec.finalizers[${i}]`));
    const phase = ns.status?.phase ?? '';
    if (!ns.metadata?.deletionTimestamp) {
      if (phase !== 'Active') errs.push(invalidValue('status.Phase', phase, "may only be 'Active' if `deletionTimestamp` is empty"));
    } else if (phase !== 'Terminating') {
      errs.push(invalidValue('status.Phase', phase, "may only be 'Terminating' if `deletionTimestamp` is not empty"));
    }
    return errs;
  },

  fieldSelectors: {
    'status.phase': (ns) => ns.status?.phase ?? '',
  },

  table: {
    columns: [
      { name: 'Name', type: 'string', format: 'name' },
      { name: 'Status', type: 'string', description: 'The status of the namespace' },
      { name: 'Age', type: 'string' },
    ],
    row: (ns, ctx) => [ns.metadata?.name ?? '', ns.status?.phase ?? '', ctx.age(ns.metadata?.creationTimestamp)],
  },
};
