// storage.k8s.io/v1 StorageClass: a kind of dynamically provisioned volume. Cluster-scoped; the
// provisioner, its parameters and the reclaim policy are fixed once created.
import type { StorageClass } from 'kubernetes-types/storage/v1';
import type { TopologySelectorTerm } from 'kubernetes-types/core/v1';
import type { KObject, ResourceDefinition } from '../../types.ts';
import {
  type FieldError, duplicate, forbiddenField, immutable, invalidValue, isQualifiedName, notSupported, required, tooLong,
} from '../../../machinery/validation.ts';
import { jsonEqual } from '../../../machinery/meta.ts';

const DEFAULT_CLASS_ANNOTATION = 'storageclass.kubernetes.io/is-default-class';
const BETA_DEFAULT_CLASS_ANNOTATION = 'storageclass.beta.kubernetes.io/is-default-class';
const RECLAIM_POLICIES = ['Delete', 'Retain'];
const BINDING_MODES = ['Immediate', 'WaitForFirstConsumer'];
const MAX_PARAMETERS = 512;
const MAX_PARAMETERS_SIZE = 256 * 1024;

/** Whether the class is marked as the cluster default (either annotation, value "true"). */
export function isDefaultClass(sc: StorageClass): boolean {
  const annotations = sc.metadata?.annotations ?? {};
  return annotations[DEFAULT_CLASS_ANNOTATION] === 'true' || annotations[BETA_DEFAULT_CLASS_ANNOTATION] === 'true';
}

function validateParameters(params: Record<string, string> | undefined): FieldError[] {
  const entries = Object.entries(params ?? {});
  if (entries.length > MAX_PARAMETERS) {
    return [tooLong('parameters', MAX_PARAMETERS)];
  }
  const errs: FieldError[] = [];
  let size = 0;
  for (const [k, v] of entries) {
    if (k.length < 1) errs.push(invalidValue('parameters', k, 'field can not be empty.'));
    size += Buffer.byteLength(k) + Buffer.byteLength(String(v));
  }
  if (size > MAX_PARAMETERS_SIZE) errs.push(tooLong('parameters', MAX_PARAMETERS_SIZE));
  return errs;
}

/** upstream's ValidateTopologySelectorTerm, plus the duplicate-term check. */
function validateAllowedTopologies(terms: TopologySelectorTerm[]): FieldError[] {
  const errs: FieldError[] = [];
  const seen: Record<string, string[]>[] = [];
  terms.forEach((term, i) => {
    const at = `allowedTopologies[${i}].matchLabelExpressions`;
    const exprs: Record<string, string[]> = {};
    (term.matchLabelExpressions ?? []).forEach((req, j) => {
      const values = req.values ?? [];
      if (values.length === 0) errs.push(required(`${at}[${j}].values`));
      const unique = new Set<string>();
      values.forEach((v, k) => {
        if (unique.has(v)) errs.push(duplicate(`${at}[${j}].values[${k}]`, v));
        unique.add(v);
      });
      for (const msg of isQualifiedName(req.key ?? '')) errs.push(invalidValue(`${at}[${j}].key`, req.key ?? '', msg));
      if (req.key in exprs) errs.push(duplicate(`${at}[${j}].key`, req.key));
      exprs[req.key] = [...unique].sort();
    });
    if (seen.some((prev) => jsonEqual(prev, exprs))) errs.push(duplicate(at, ''));
    seen.push(exprs);
  });
  return errs;
}

export const storageClasses: ResourceDefinition<StorageClass & KObject> = {
  group: 'storage.k8s.io',
  version: 'v1',
  kind: 'StorageClass',
  plural: 'storageclasses',
  singular: 'storageclass',
  namespaced: false,
  shortNames: ['sc'],

  defaults(obj) {
    obj.reclaimPolicy ??= 'Delete';
    obj.volumeBindingMode ??= 'Immediate';
  },

  validate(obj) {
    const errs: FieldError[] = [];
    const provisioner = obj.provisioner ?? '';
    if (!provisioner) errs.push(required('provisioner'));
    else {
      const lower = provisioner.toLowerCase();
      for (const msg of isQualifiedName(lower)) errs.push(invalidValue('provisioner', lower, msg));
    }
    errs.push(...validateParameters(obj.parameters));
    if (obj.reclaimPolicy && !RECLAIM_POLICIES.includes(obj.reclaimPolicy)) {
      errs.push(notSupported('reclaimPolicy', obj.reclaimPolicy, RECLAIM_POLICIES));
    }
    if (obj.volumeBindingMode === undefined) errs.push(required('volumeBindingMode'));
    else if (!BINDING_MODES.includes(obj.volumeBindingMode)) errs.push(notSupported('volumeBindingMode', obj.volumeBindingMode, BINDING_MODES));
    errs.push(...validateAllowedTopologies(obj.allowedTopologies ?? []));
    return errs;
  },

  validateUpdate(obj, old) {
    const errs: FieldError[] = [];
    if (!jsonEqual(obj.parameters ?? {}, old.parameters ?? {})) errs.push(forbiddenField('parameters', 'updates to parameters are forbidden.'));
    if (obj.provisioner !== old.provisioner) errs.push(forbiddenField('provisioner', 'updates to provisioner are forbidden.'));
    if (obj.reclaimPolicy !== old.reclaimPolicy) errs.push(forbiddenField('reclaimPolicy', 'updates to reclaimPolicy are forbidden.'));
    if (obj.volumeBindingMode !== old.volumeBindingMode) errs.push(immutable('volumeBindingMode', obj.volumeBindingMode ?? null));
    return errs;
  },

  table: {
    columns: [
      { name: 'Name', type: 'string', format: 'name' },
      { name: 'Provisioner', type: 'string' },
      { name: 'ReclaimPolicy', type: 'string' },
      { name: 'VolumeBindingMode', type: 'string' },
      { name: 'AllowVolumeExpansion', type: 'string' },
      { name: 'Age', type: 'string' },
    ],
    row(obj, ctx) {
      const name = obj.metadata?.name ?? '';
      return [
        isDefaultClass(obj) ? `${name} (default)` : name,
        obj.provisioner ?? '',
        obj.reclaimPolicy ?? 'Delete',
        obj.volumeBindingMode ?? 'Immediate',
        obj.allowVolumeExpansion ?? false,
        ctx.age(obj.metadata?.creationTimestamp),
      ];
    },
  },
};
