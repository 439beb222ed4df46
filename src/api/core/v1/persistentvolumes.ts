// core/v1 PersistentVolume: a piece of storage in the cluster, bound to at most one claim.
// The volume source is fixed once created; the binder and provisioners drive /status.
import type {
  NodeSelectorRequirement, PersistentVolume as PersistentVolumeType, PersistentVolumeSpec, PersistentVolumeStatus,
  VolumeNodeAffinity,
} from 'kubernetes-types/core/v1';
import type { KObject, ResourceDefinition } from '../../types.ts';
import {
  type FieldError, forbiddenField, immutable, invalidValue, isDNS1123Subdomain, isQualifiedName, isValidLabelValue,
  notSupported, required, tooLong,
} from '../../../machinery/validation.ts';
import { jsonEqual, rfc3339 } from '../../../machinery/meta.ts';
import { formatQuantity, parseQuantity, value } from '../../../machinery/quantity.ts';
import {
  SUPPORTED_VOLUME_MODES, accessModesAsString, readQuantity, roundResourceList, validateAccessModes,
} from './core-rules.ts';
import { goResourceList, invalidGo, notSupportedGo } from './go-values.ts';

type PersistentVolume = PersistentVolumeType & KObject & { status?: PersistentVolumeStatus };

const RECLAIM_POLICIES = ['Delete', 'Recycle', 'Retain'];
const HOST_PATH_TYPES = ['', 'BlockDevice', 'CharDevice', 'Directory', 'DirectoryOrCreate', 'File', 'FileOrCreate', 'Socket'];
/** The storage class a volume or claim belongs to: the old beta annotation wins over the field. */
export const BETA_STORAGE_CLASS_ANNOTATION = 'volume.beta.kubernetes.io/storage-class';

/**
 * Each volume source a PV may use, in the order upstream checks them, with the name upstream
 * uses when refusing a second source (not always the JSON name).
 */
const VOLUME_SOURCES: [string, string][] = [
  ['hostPath', 'hostPath'], ['gcePersistentDisk', 'gcePersistentDisk'], ['awsElasticBlockStore', 'awsElasticBlockStore'],
  ['glusterfs', 'glusterfs'], ['flocker', 'flocker'], ['nfs', 'nfs'], ['rbd', 'rbd'], ['quobyte', 'quobyte'],
  ['cephfs', 'cephFS'], ['iscsi', 'iscsi'], ['cinder', 'cinder'], ['fc', 'fc'], ['flexVolume', 'flexVolume'],
  ['azureFile', 'azureFile'], ['vsphereVolume', 'vsphereVolume'], ['photonPersistentDisk', 'photonPersistentDisk'],
  ['portworxVolume', 'portworxVolume'], ['azureDisk', 'azureDisk'], ['scaleIO', 'scaleIO'], ['local', 'local'],
  ['storageos', 'storageos'], ['csi', 'csi'],
];

type Json = Record<string, any>;

function pathNoBacksteps(path: string, field: string): FieldError[] {
  return path.split('/').includes('..') ? [invalidValue(field, path, "must not contain '..'")] : [];
}

function validateCSIDriverName(driver: string, field: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!driver) errs.push(required(field));
  if (driver.length > 63) errs.push(tooLong(field, 63));
  for (const msg of isDNS1123Subdomain(driver.toLowerCase())) errs.push(invalidValue(field, driver, msg));
  return errs;
}

function validateSecretRef(ref: Json, field: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!ref.name) errs.push(required(`${field}.name`));
  else errs.push(...isDNS1123Subdomain(ref.name).map((msg) => invalidValue(`${field}.name`, ref.name, msg)));
  if (!ref.namespace) errs.push(required(`${field}.namespace`));
  return errs;
}

/** Checks of the sources skiff can serve (hostPath, local, nfs, csi); others are only counted. */
function validateSource(key: string, src: Json, field: string): FieldError[] {
  const errs: FieldError[] = [];
  switch (key) {
    case 'hostPath':
      if (!src.path) return [required(`${field}.path`)];
      errs.push(...pathNoBacksteps(src.path, `${field}.path`));
      if (src.type !== undefined && !HOST_PATH_TYPES.includes(src.type)) errs.push(notSupported(`${field}.type`, src.type, HOST_PATH_TYPES));
      return errs;
    case 'local':
      if (!src.path) return [required(`${field}.path`)];
      return pathNoBacksteps(src.path, `${field}.path`);
    case 'nfs':
      if (!src.server) errs.push(required(`${field}.server`));
      if (!src.path) errs.push(required(`${field}.path`));
      else if (!src.path.startsWith('/')) errs.push(invalidValue(`${field}.path`, src.path, 'must be an absolute path'));
      return errs;
    case 'csi':
      errs.push(...validateCSIDriverName(src.driver ?? '', `${field}.driver`));
      if (!src.volumeHandle) errs.push(required(`${field}.volumeHandle`));
      for (const ref of ['controllerPublishSecretRef', 'controllerExpandSecretRef', 'nodePublishSecretRef', 'nodeExpandSecretRef']) {
        if (src[ref]) errs.push(...validateSecretRef(src[ref], `${field}.${ref}`));
      }
      return errs;
    default:
      return errs;
  }
}

function validateNodeSelectorRequirement(req: NodeSelectorRequirement, field: string): FieldError[] {
  const errs: FieldError[] = [];
  const values = req.values ?? [];
  switch (req.operator) {
    case 'In': case 'NotIn':
      if (!values.length) errs.push(required(`${field}.values`, "must be specified when `operator` is 'In' or 'NotIn'"));
      break;
    case 'Exists': case 'DoesNotExist':
      if (values.length) errs.push(forbiddenField(`${field}.values`, "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
      break;
    case 'Gt': case 'Lt':
      if (values.length !== 1) errs.push(required(`${field}.values`, "must be specified single value when `operator` is 'Lt' or 'Gt'"));
      break;
    default:
      errs.push(invalidValue(`${field}.operator`, req.operator ?? '', 'not a valid selector operator'));
  }
  errs.push(...isQualifiedName(req.key ?? '').map((msg) => invalidValue(`${field}.key`, req.key ?? '', msg)));
  values.forEach((v, i) => errs.push(...isValidLabelValue(v).map((msg) => invalidValue(`${field}.values[${i}]`, v, msg))));
  return errs;
}

function validateNodeFieldRequirement(req: NodeSelectorRequirement, field: string): FieldError[] {
  const errs: FieldError[] = [];
  if (req.operator === 'In' || req.operator === 'NotIn') {
    if (req.values?.length !== 1) {
      errs.push(required(`${field}.values`, "must be only one value when `operator` is 'In' or 'NotIn' for node field selector"));
    }
  } else {
    errs.push(invalidValue(`${field}.operator`, req.operator ?? '', 'not a valid selector operator'));
  }
  if (req.key !== 'metadata.name') errs.push(invalidValue(`${field}.key`, req.key ?? '', 'not a valid field selector key'));
  else (req.values ?? []).forEach((v, i) => errs.push(...isDNS1123Subdomain(v).map((msg) => invalidValue(`${field}.values[${i}]`, v, msg))));
  return errs;
}

function validateNodeAffinity(affinity: VolumeNodeAffinity, field: string): FieldError[] {
  if (!affinity.required) return [required(`${field}.required`, 'must specify required node constraints')];
  const terms = affinity.required.nodeSelectorTerms ?? [];
  const at = `${field}.required.nodeSelectorTerms`;
  if (!terms.length) return [required(at, 'must have at least one node selector term')];
  return terms.flatMap((term, i) => [
    ...(term.matchExpressions ?? []).flatMap((r, j) => validateNodeSelectorRequirement(r, `${at}[${i}].matchExpressions[${j}]`)),
    ...(term.matchFields ?? []).flatMap((r, j) => validateNodeFieldRequirement(r, `${at}[${i}].matchFields[${j}]`)),
  ]);
}

function validateCapacity(capacity: Record<string, string> | undefined): FieldError[] {
  const errs: FieldError[] = [];
  const names = Object.keys(capacity ?? {});
  if (!names.length) errs.push(required('spec.capacity'));
  if (!names.includes('storage') || names.length > 1) {
    errs.push(notSupportedGo('spec.capacity', capacity, goResourceList(capacity), ['storage']));
  }
  for (const name of names) {
    const field = `spec.capacity[${name}]`;
    const q = readQuantity(capacity![name], field, errs);
    if (!q) continue;
    if (value(q) < 0) errs.push(invalidValue(field, value(q), 'must be a valid resource quantity'));
    if (q.nanos <= 0n) errs.push(invalidValue(field, formatQuantity(q), 'must be greater than zero'));
  }
  return errs;
}

function validatePersistentVolume(pv: PersistentVolume): FieldError[] {
  const spec = (pv.spec ?? {}) as PersistentVolumeSpec & Json;
  const errs: FieldError[] = [];
  if (!spec.accessModes?.length) errs.push(required('spec.accessModes'));
  errs.push(...validateAccessModes(spec.accessModes, 'spec.accessModes'));
  errs.push(...validateCapacity(spec.capacity));
  const policy = spec.persistentVolumeReclaimPolicy;
  if (policy && !RECLAIM_POLICIES.includes(policy)) errs.push(notSupported('spec.persistentVolumeReclaimPolicy', policy, RECLAIM_POLICIES));
  if (spec.nodeAffinity) errs.push(...validateNodeAffinity(spec.nodeAffinity, 'spec.nodeAffinity'));

  let sources = 0;
  for (const [key, refusedAs] of VOLUME_SOURCES) {
    if (spec[key] === undefined || spec[key] === null) continue;
    // flexVolume is counted but never refused as a second source (an upstream quirk).
    if (sources > 0 && key !== 'flexVolume') {
      errs.push(forbiddenField(`spec.${refusedAs}`, 'may not specify more than 1 volume type'));
      continue;
    }
    sources++;
    errs.push(...validateSource(key, spec[key], `spec.${key}`));
    if (key === 'local' && !spec.nodeAffinity) errs.push(required('spec.nodeAffinity', 'Local volume requires node affinity'));
  }
  if (sources === 0) errs.push(required('spec', 'must specify a volume type'));

  const hostPath = spec.hostPath?.path?.replace(/\/+$/, '') ?? undefined;
  if (hostPath === '' && policy === 'Recycle') {
    errs.push(forbiddenField('spec.persistentVolumeReclaimPolicy', "may not be 'recycle' for a hostPath mount of '/'"));
  }
  if (spec.storageClassName) {
    errs.push(...isDNS1123Subdomain(spec.storageClassName).map((msg) => invalidValue('spec.storageClassName', spec.storageClassName, msg)));
  }
  if (spec.volumeMode !== undefined && !SUPPORTED_VOLUME_MODES.includes(spec.volumeMode)) {
    errs.push(notSupported('spec.volumeMode', spec.volumeMode, SUPPORTED_VOLUME_MODES));
  }
  return errs;
}

/** The spec's volume source (everything that says where the data is). */
function volumeSource(spec: PersistentVolumeSpec | undefined): Json {
  const out: Json = {};
  for (const [key] of VOLUME_SOURCES) if ((spec as Json | undefined)?.[key] !== undefined) out[key] = (spec as Json)[key];
  return out;
}

function validatePersistentVolumeUpdate(pv: PersistentVolume, old: PersistentVolume): FieldError[] {
  const errs: FieldError[] = [];
  const source = volumeSource(pv.spec);
  const oldSource = volumeSource(old.spec);
  // A CSI expansion secret may be added to a volume that had none.
  if (oldSource.csi && !oldSource.csi.controllerExpandSecretRef && source.csi?.controllerExpandSecretRef) {
    source.csi = { ...source.csi };
    delete source.csi.controllerExpandSecretRef;
  }
  if (!jsonEqual(source, oldSource)) {
    const diff = `- ${JSON.stringify(oldSource)}\n+ ${JSON.stringify(source)}`;
    errs.push(forbiddenField('spec.persistentvolumesource', `spec.persistentvolumesource is immutable after creation\n${diff}`));
  }
  // Upstream reports these two without the "spec." prefix.
  if (pv.spec?.volumeMode !== old.spec?.volumeMode) errs.push(immutable('volumeMode', pv.spec?.volumeMode ?? null));
  if (old.spec?.nodeAffinity && !jsonEqual(pv.spec?.nodeAffinity, old.spec.nodeAffinity)) {
    errs.push(invalidGo('nodeAffinity', pv.spec?.nodeAffinity, JSON.stringify(pv.spec?.nodeAffinity ?? null),
      'field is immutable, except for updating from beta label to GA'));
  }
  return errs;
}

export const persistentVolumes: ResourceDefinition<PersistentVolume> = {
  group: '',
  version: 'v1',
  kind: 'PersistentVolume',
  plural: 'persistentvolumes',
  singular: 'persistentvolume',
  namespaced: false,
  shortNames: ['pv'],
  statusSubresource: true,

  defaults(pv) {
    const spec: PersistentVolumeSpec = pv.spec ?? (pv.spec = {});
    if (!spec.persistentVolumeReclaimPolicy) spec.persistentVolumeReclaimPolicy = 'Retain';
    if (spec.volumeMode === undefined) spec.volumeMode = 'Filesystem';
    if (spec.hostPath && spec.hostPath.type === undefined) spec.hostPath.type = '';
    roundResourceList(spec.capacity);
    if (pv.status && !pv.status.phase) pv.status.phase = 'Pending';
  },

  prepareForCreate(pv) {
    pv.status = { phase: 'Pending', lastPhaseTransitionTime: rfc3339(new Date()) };
    // VolumeAttributesClass is a beta feature that is off by default in 1.32: the field is dropped.
    if (pv.spec) delete pv.spec.volumeAttributesClassName;
  },

  prepareForUpdate(pv, old) {
    if (pv.spec && old.spec?.volumeAttributesClassName === undefined) delete pv.spec.volumeAttributesClassName;
  },

  prepareForStatusUpdate(pv, old) {
    // The time of a phase change is recorded unless the writer set a new one itself.
    const phaseChanged = (old.status?.phase ?? '') !== (pv.status?.phase ?? '');
    const time = pv.status?.lastPhaseTransitionTime;
    if (phaseChanged && (!time || time === old.status?.lastPhaseTransitionTime)) {
      pv.status = { ...pv.status, lastPhaseTransitionTime: rfc3339(new Date()) };
    }
  },

  validate: validatePersistentVolume,
  validateUpdate: validatePersistentVolumeUpdate,

  table: {
    columns: [
      { name: 'Name', type: 'string', format: 'name' },
      { name: 'Capacity', type: 'string' },
      { name: 'Access Modes', type: 'string' },
      { name: 'Reclaim Policy', type: 'string' },
      { name: 'Status', type: 'string' },
      { name: 'Claim', type: 'string' },
      { name: 'StorageClass', type: 'string', description: 'StorageClass of the pv' },
      { name: 'VolumeAttributesClass', type: 'string', description: 'VolumeAttributesClass of the pv' },
      { name: 'Reason', type: 'string' },
      { name: 'Age', type: 'string' },
      { name: 'VolumeMode', type: 'string', priority: 1 },
    ],
    row(pv, ctx) {
      const spec = pv.spec ?? {};
      const claim = spec.claimRef ? `${spec.claimRef.namespace ?? ''}/${spec.claimRef.name ?? ''}` : '';
      const storageClass = pv.metadata?.annotations?.[BETA_STORAGE_CLASS_ANNOTATION] ?? spec.storageClassName ?? '';
      return [
        pv.metadata?.name ?? '',
        quantityCell(spec.capacity?.storage),
        accessModesAsString(spec.accessModes),
        spec.persistentVolumeReclaimPolicy ?? '',
        pv.metadata?.deletionTimestamp ? 'Terminating' : pv.status?.phase ?? '',
        claim,
        storageClass,
        spec.volumeAttributesClassName ?? '<unset>',
        pv.status?.reason ?? '',
        ctx.age(pv.metadata?.creationTimestamp),
        spec.volumeMode ?? '<unset>',
      ];
    },
  },
};

/** A quantity as kubectl shows it (upstream's Quantity.String(); "0" when missing). */
export function quantityCell(text: string | undefined): string {
  if (text === undefined) return '0';
  try {
    return formatQuantity(parseQuantity(text));
  } catch {
    return String(text);
  }
}
