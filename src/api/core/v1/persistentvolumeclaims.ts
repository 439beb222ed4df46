// core/v1 PersistentVolumeClaim: a request for storage. The spec is fixed once created, except
// that the binder fills in volumeName once and a bound claim may ask for a different size.
import type {
  PersistentVolumeClaim as PersistentVolumeClaimType, PersistentVolumeClaimSpec, PersistentVolumeClaimStatus,
  TypedLocalObjectReference, TypedObjectReference,
} from 'kubernetes-types/core/v1';
import type { KObject, ResourceDefinition } from '../../types.ts';
import {
  type FieldError, forbiddenField, immutable, invalidValue, isDNS1123Label, isDNS1123Subdomain, isQualifiedName,
  notSupported, required,
} from '../../../machinery/validation.ts';
import { jsonEqual } from '../../../machinery/meta.ts';
import { type Quantity, cmp, formatQuantity, parseQuantity, value } from '../../../machinery/quantity.ts';
import { validateLabelSelector } from '../../common/label-selector-rules.ts';
import {
  SUPPORTED_VOLUME_MODES, accessModesAsString, isNativeResource, readQuantity, roundResourceList, validateAccessModes,
  validateResourceQuantityValue,
} from './core-rules.ts';
import { BETA_STORAGE_CLASS_ANNOTATION, quantityCell } from './persistentvolumes.ts';

type PersistentVolumeClaim = PersistentVolumeClaimType & KObject & { status?: PersistentVolumeClaimStatus };

const RESIZE_STATUSES = [
  'ControllerResizeInProgress', 'ControllerResizeInfeasible', 'NodeResizeInProgress', 'NodeResizeInfeasible', 'NodeResizePending',
];
const SNAPSHOT_GROUP = 'snapshot.storage.k8s.io';

function validateDataSource(ref: TypedLocalObjectReference | TypedObjectReference, field: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!ref.name) errs.push(required(`${field}.name`));
  if (!ref.kind) errs.push(required(`${field}.kind`));
  const group = ref.apiGroup ?? '';
  if (!group && ref.kind !== 'PersistentVolumeClaim') {
    errs.push(invalidValue(field, ref.kind ?? '', "must be 'PersistentVolumeClaim' when referencing the default apiGroup"));
  }
  if (group) errs.push(...isDNS1123Subdomain(group).map((msg) => invalidValue(`${field}.apiGroup`, group, msg)));
  const namespace = (ref as TypedObjectReference).namespace;
  if (namespace) errs.push(...isDNS1123Label(namespace).map((msg) => invalidValue(`${field}.namespace`, namespace, msg)));
  return errs;
}

function validateSpec(spec: PersistentVolumeClaimSpec): FieldError[] {
  const errs: FieldError[] = [];
  if (!spec.accessModes?.length) errs.push(required('spec.accessModes', 'at least 1 access mode is required'));
  if (spec.selector) errs.push(...validateLabelSelector(spec.selector, 'spec.selector'));
  errs.push(...validateAccessModes(spec.accessModes, 'spec.accessModes'));

  // Upstream reports the storage request at spec.resources[storage].
  const storageField = 'spec.resources[storage]';
  const storage = spec.resources?.requests?.storage;
  if (storage === undefined) {
    errs.push(required(storageField));
  } else {
    const q = readQuantity(storage, storageField, errs);
    if (q && q.nanos <= 0n) errs.push(invalidValue(storageField, formatQuantity(q), 'must be greater than zero'));
    else if (q) errs.push(...validateResourceQuantityValue('storage', storage, storageField));
  }
  if (spec.storageClassName) {
    errs.push(...isDNS1123Subdomain(spec.storageClassName).map((msg) => invalidValue('spec.storageClassName', spec.storageClassName, msg)));
  }
  if (spec.volumeMode !== undefined && !SUPPORTED_VOLUME_MODES.includes(spec.volumeMode)) {
    errs.push(notSupported('spec.volumeMode', spec.volumeMode, SUPPORTED_VOLUME_MODES));
  }
  if (spec.dataSource) errs.push(...validateDataSource(spec.dataSource, 'spec.dataSource'));
  if (spec.dataSourceRef) errs.push(...validateDataSource(spec.dataSourceRef, 'spec.dataSourceRef'));
  // Upstream renders the path itself as the bad value here.
  if (spec.dataSourceRef?.namespace) {
    if (spec.dataSource) errs.push(invalidValue('spec', 'spec.dataSource', 'may not be specified when dataSourceRef.namespace is specified'));
  } else if (spec.dataSource && spec.dataSourceRef) {
    const same = (spec.dataSource.apiGroup ?? null) === (spec.dataSourceRef.apiGroup ?? null) &&
      spec.dataSource.kind === spec.dataSourceRef.kind && spec.dataSource.name === spec.dataSourceRef.name;
    if (!same) errs.push(invalidValue('spec', 'spec.dataSource', 'must match dataSourceRef'));
  }
  return errs;
}

/** dataSource and dataSourceRef mirror each other; old-style sources other than claims and snapshots are dropped. */
function normalizeDataSources(spec: PersistentVolumeClaimSpec, old: PersistentVolumeClaimSpec | undefined): void {
  if (!old?.dataSource && !spec.dataSourceRef && spec.dataSource) {
    const { apiGroup = '', kind } = spec.dataSource;
    const pvcOrSnapshot = (apiGroup === '' && kind === 'PersistentVolumeClaim') || (apiGroup === SNAPSHOT_GROUP && kind === 'VolumeSnapshot');
    if (!pvcOrSnapshot) delete spec.dataSource;
  }
  if (spec.dataSource && !spec.dataSourceRef) {
    spec.dataSourceRef = { kind: spec.dataSource.kind, name: spec.dataSource.name };
    if (spec.dataSource.apiGroup !== undefined) spec.dataSourceRef.apiGroup = spec.dataSource.apiGroup;
  } else if (spec.dataSourceRef && !spec.dataSource && !spec.dataSourceRef.namespace) {
    spec.dataSource = { kind: spec.dataSourceRef.kind, name: spec.dataSourceRef.name };
    if (spec.dataSourceRef.apiGroup !== undefined) spec.dataSource.apiGroup = spec.dataSourceRef.apiGroup;
  }
}

const storageOf = (list: Record<string, string> | undefined): Quantity => {
  try {
    return parseQuantity(list?.storage ?? '0');
  } catch {
    return parseQuantity('0');
  }
};

function validateUpdate(pvc: PersistentVolumeClaim, old: PersistentVolumeClaim): FieldError[] {
  const errs: FieldError[] = [];
  const spec: PersistentVolumeClaimSpec = structuredClone(pvc.spec ?? {});
  const oldSpec: PersistentVolumeClaimSpec = structuredClone(old.spec ?? {});
  // The binder may set volumeName once.
  if (!oldSpec.volumeName) {
    if (spec.volumeName === undefined) delete oldSpec.volumeName;
    else oldSpec.volumeName = spec.volumeName;
  }
  const oldAnnotation = old.metadata?.annotations?.[BETA_STORAGE_CLASS_ANNOTATION];
  const newAnnotation = pvc.metadata?.annotations?.[BETA_STORAGE_CLASS_ANNOTATION];
  if (oldAnnotation !== undefined && oldSpec.storageClassName === undefined && spec.storageClassName === oldAnnotation &&
    (newAnnotation === undefined || newAnnotation === oldAnnotation)) {
    // Moving the class from the beta annotation to the field.
    delete spec.storageClassName;
  } else {
    if ((newAnnotation ?? '') !== (oldAnnotation ?? '')) {
      errs.push(invalidValue(`metadata.annotations.${BETA_STORAGE_CLASS_ANNOTATION}`, newAnnotation ?? '', 'field is immutable'));
    }
    // A claim without a class may be given one (the default class, set by admission).
    if (spec.storageClassName !== undefined && old.spec?.storageClassName === undefined &&
      (oldAnnotation === undefined || spec.storageClassName === oldAnnotation)) {
      delete spec.storageClassName;
    }
  }
  // A bound claim may be resized.
  if (pvc.status?.phase === 'Bound' && spec.resources?.requests) {
    spec.resources.requests = { ...spec.resources.requests };
    if (old.spec?.resources?.requests?.storage === undefined) delete spec.resources.requests.storage;
    else spec.resources.requests.storage = old.spec.resources.requests.storage;
  }
  if (!semanticEqual(spec, oldSpec)) {
    const diff = `- ${JSON.stringify(oldSpec)}\n+ ${JSON.stringify(spec)}`;
    errs.push(forbiddenField('spec', `spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims\n${diff}`));
  }
  // Shrinking is allowed only to recover from a failed expansion: never down to the actual size.
  const newSize = storageOf(pvc.spec?.resources?.requests);
  if (cmp(newSize, storageOf(old.spec?.resources?.requests)) < 0 && cmp(newSize, storageOf(old.status?.capacity)) <= 0) {
    errs.push(forbiddenField('spec.resources.requests.storage', 'field can not be less than status.capacity'));
  }
  // Upstream reports this without the "spec." prefix.
  if (pvc.spec?.volumeMode !== old.spec?.volumeMode) errs.push(immutable('volumeMode', pvc.spec?.volumeMode ?? null));
  return errs;
}

/** Equality that compares quantities by amount, as upstream's semantic equality does. */
function semanticEqual(a: PersistentVolumeClaimSpec, b: PersistentVolumeClaimSpec): boolean {
  const norm = (s: PersistentVolumeClaimSpec) => {
    const c = structuredClone(s) as any;
    for (const list of [c.resources?.requests, c.resources?.limits]) {
      for (const k of Object.keys(list ?? {})) {
        try { list[k] = parseQuantity(list[k]).nanos.toString(); } catch { /* compared as written */ }
      }
    }
    return c;
  };
  return jsonEqual(norm(a), norm(b));
}

/** A resource name in allocatedResources/allocatedResourceStatuses: qualified, and "storage" if native. */
function validateResourceKey(name: string, field: string): FieldError[] {
  const errs = isQualifiedName(name).map((msg) => invalidValue(field, name, msg));
  if (errs.length) return errs;
  if (isNativeResource(name) && name !== 'storage') errs.push(notSupported(field, name, ['storage']));
  return errs;
}

function validateStatus(pvc: PersistentVolumeClaim): FieldError[] {
  const errs: FieldError[] = [];
  // Upstream spells this path with a capital S.
  if (!pvc.spec?.accessModes?.length) errs.push(required('Spec.accessModes'));
  for (const [name, text] of Object.entries(pvc.status?.capacity ?? {})) {
    const field = `status.capacity[${name}]`;
    const q = readQuantity(text, field, errs);
    if (q && value(q) < 0) errs.push(invalidValue(field, value(q), 'must be a valid resource quantity'));
  }
  const statusField = 'status.allocatedResourceStatus';
  for (const [name, state] of Object.entries(pvc.status?.allocatedResourceStatuses ?? {})) {
    errs.push(...validateResourceKey(name, statusField));
    if (!RESIZE_STATUSES.includes(state)) errs.push(notSupported(statusField, name, RESIZE_STATUSES));
  }
  for (const [name, text] of Object.entries(pvc.status?.allocatedResources ?? {})) {
    const keyErrs = validateResourceKey(name, 'status.allocatedResources');
    if (keyErrs.length) { errs.push(...keyErrs); continue; }
    const field = `status.allocatedResources[${name}]`;
    const q = readQuantity(text, field, errs);
    if (q && value(q) < 0) errs.push(invalidValue(field, value(q), 'must be a valid resource quantity'));
    else if (q) errs.push(...validateResourceQuantityValue('storage', text, field));
  }
  return errs;
}

export const persistentVolumeClaims: ResourceDefinition<PersistentVolumeClaim> = {
  group: '',
  version: 'v1',
  kind: 'PersistentVolumeClaim',
  plural: 'persistentvolumeclaims',
  singular: 'persistentvolumeclaim',
  namespaced: true,
  shortNames: ['pvc'],
  statusSubresource: true,

  defaults(pvc) {
    const spec: PersistentVolumeClaimSpec = pvc.spec ?? (pvc.spec = {});
    if (spec.volumeMode === undefined) spec.volumeMode = 'Filesystem';
    roundResourceList(spec.resources?.requests);
    roundResourceList(spec.resources?.limits);
    if (pvc.status) {
      if (!pvc.status.phase) pvc.status.phase = 'Pending';
      roundResourceList(pvc.status.capacity);
      roundResourceList(pvc.status.allocatedResources);
    }
  },

  prepareForCreate(pvc) {
    pvc.status = { phase: 'Pending' };
    const spec: PersistentVolumeClaimSpec = pvc.spec ?? (pvc.spec = {});
    // VolumeAttributesClass is a beta feature that is off by default in 1.32: the field is dropped.
    delete spec.volumeAttributesClassName;
    normalizeDataSources(spec, undefined);
  },

  prepareForUpdate(pvc, old) {
    const spec: PersistentVolumeClaimSpec = pvc.spec ?? (pvc.spec = {});
    if (old.spec?.volumeAttributesClassName === undefined) delete spec.volumeAttributesClassName;
    normalizeDataSources(spec, old.spec);
  },

  prepareForStatusUpdate(pvc, old) {
    // Status fields of the (disabled) VolumeAttributesClass feature are dropped unless already in use.
    const status = pvc.status as (PersistentVolumeClaimStatus & Record<string, unknown>) | undefined;
    if (!status) return;
    if (old.status?.currentVolumeAttributesClassName === undefined) delete status.currentVolumeAttributesClassName;
    if (old.status?.modifyVolumeStatus === undefined) delete status.modifyVolumeStatus;
  },

  validate: (pvc) => validateSpec(pvc.spec ?? {}),
  validateUpdate,
  validateStatus,

  table: {
    columns: [
      { name: 'Name', type: 'string', format: 'name' },
      { name: 'Status', type: 'string' },
      { name: 'Volume', type: 'string' },
      { name: 'Capacity', type: 'string' },
      { name: 'Access Modes', type: 'string' },
      { name: 'StorageClass', type: 'string', description: 'StorageClass of the pvc' },
      { name: 'VolumeAttributesClass', type: 'string', description: 'VolumeAttributesClass of the pvc' },
      { name: 'Age', type: 'string' },
      { name: 'VolumeMode', type: 'string', priority: 1 },
    ],
    row(pvc, ctx) {
      const spec = pvc.spec ?? {};
      // Size and modes are the bound volume's, so they show only once bound.
      const bound = !!spec.volumeName;
      return [
        pvc.metadata?.name ?? '',
        pvc.metadata?.deletionTimestamp ? 'Terminating' : pvc.status?.phase ?? '',
        spec.volumeName ?? '',
        bound ? quantityCell(pvc.status?.capacity?.storage) : '',
        bound ? accessModesAsString(pvc.status?.accessModes) : '',
        pvc.metadata?.annotations?.[BETA_STORAGE_CLASS_ANNOTATION] ?? spec.storageClassName ?? '',
        spec.volumeAttributesClassName ?? '<unset>',
        ctx.age(pvc.metadata?.creationTimestamp),
        spec.volumeMode ?? '<unset>',
      ];
    },
  },
};
