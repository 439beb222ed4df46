// apps/v1 StatefulSet: upstream defaults, validation, update strategy and table.
import type {
  RollingUpdateStatefulSetStrategy, StatefulSet, StatefulSetSpec, StatefulSetUpdateStrategy,
} from 'kubernetes-types/apps/v1';
import type { KObject, ResourceDefinition } from '../../types.ts';
import {
  type FieldError, forbiddenField, invalidValue, notSupported, required, validateLabelName,
} from '../../../machinery/validation.ts';
import { defaultPodTemplateSpec } from '../../core/v1/pod-spec.ts';
import { goIntOrString, goQuote, invalidGo } from '../../common/go-value.ts';
import { isUsableSelector, validateControllerSelector } from '../../common/label-selector-validation.ts';
import {
  activeDeadlineForbidden, keepStoredStatus, resetStatus, nonNegative, restartPolicyAlways, semanticEqual, validateTemplateMetadata,
} from '../../common/workload-validation.ts';
import { AGE_COLUMN, CONTAINERS_COLUMN, IMAGES_COLUMN, NAME_COLUMN, containerCells } from '../../common/workload-table.ts';
import { intOrPercentValue, notMoreThan100Percent, validatePositiveIntOrPercent } from './int-or-percent.ts';

function setDefaults(sts: StatefulSet): void {
  const spec = sts.spec ?? (sts.spec = {} as StatefulSetSpec);
  if (!spec.podManagementPolicy) spec.podManagementPolicy = 'OrderedReady';
  const strategy: StatefulSetUpdateStrategy = spec.updateStrategy ?? (spec.updateStrategy = {});
  if (!strategy.type) {
    strategy.type = 'RollingUpdate';
    strategy.rollingUpdate ??= {};
  }
  // Upstream fills the partition only when rollingUpdate is present.
  if (strategy.type === 'RollingUpdate' && strategy.rollingUpdate) strategy.rollingUpdate.partition ??= 0;
  const retention = spec.persistentVolumeClaimRetentionPolicy ?? (spec.persistentVolumeClaimRetentionPolicy = {});
  if (!retention.whenDeleted) retention.whenDeleted = 'Retain';
  if (!retention.whenScaled) retention.whenScaled = 'Retain';
  spec.replicas ??= 1;
  spec.revisionHistoryLimit ??= 10;
  defaultPodTemplateSpec(spec.template);
  // Claim templates get the PersistentVolumeClaim defaults.
  for (const claim of spec.volumeClaimTemplates ?? []) {
    const claimSpec = claim.spec ?? (claim.spec = {});
    claimSpec.volumeMode ??= 'Filesystem';
    if (!claim.status) resetStatus(claim, {});
    claim.status!.phase ??= 'Pending';
  }
}

function goRollingUpdate(ru: RollingUpdateStatefulSetStrategy): string {
  const maxUnavailable = ru.maxUnavailable === undefined ? '(*intstr.IntOrString)(nil)' : '(*intstr.IntOrString)(0xc000000000)';
  return `apps.RollingUpdateStatefulSetStrategy{Partition:${ru.partition ?? 0}, MaxUnavailable:${maxUnavailable}}`;
}

function validateRollingUpdate(ru: RollingUpdateStatefulSetStrategy, path: string): FieldError[] {
  const errs = nonNegative(ru.partition, `${path}.partition`);
  const mu = ru.maxUnavailable;
  if (mu !== undefined && mu !== null) {
    errs.push(...validatePositiveIntOrPercent(mu, `${path}.maxUnavailable`));
    if (intOrPercentValue(mu) === 0) errs.push(invalidGo(`${path}.maxUnavailable`, mu, goIntOrString(mu), 'cannot be 0'));
    errs.push(...notMoreThan100Percent(mu, `${path}.maxUnavailable`));
  }
  return errs;
}

function validateUpdateStrategy(strategy: StatefulSetUpdateStrategy | undefined, path: string): FieldError[] {
  const s = strategy ?? {};
  switch (s.type ?? '') {
    case '':
      return [required(path)];
    case 'OnDelete':
      return s.rollingUpdate
        ? [invalidGo(`${path}.rollingUpdate`, s.rollingUpdate, goRollingUpdate(s.rollingUpdate), "only allowed for updateStrategy 'RollingUpdate'")]
        : [];
    case 'RollingUpdate':
      return s.rollingUpdate ? validateRollingUpdate(s.rollingUpdate, `${path}.rollingUpdate`) : [];
    default: {
      const ru = s.rollingUpdate ? '(*apps.RollingUpdateStatefulSetStrategy)(0xc000000000)' : '(*apps.RollingUpdateStatefulSetStrategy)(nil)';
      return [invalidGo(path, s, `apps.StatefulSetUpdateStrategy{Type:${goQuote(s.type ?? '')}, RollingUpdate:${ru}}`,
        "must be 'RollingUpdate' or 'OnDelete'")];
    }
  }
}

function validateRetentionPolicy(spec: StatefulSetSpec, path: string): FieldError[] {
  const policy = spec.persistentVolumeClaimRetentionPolicy;
  if (!policy) return [];
  const errs: FieldError[] = [];
  for (const field of ['whenDeleted', 'whenScaled'] as const) {
    const v = policy[field] ?? '';
    if (v !== 'Retain' && v !== 'Delete') errs.push(notSupported(`${path}.${field}`, v, ['Retain', 'Delete']));
  }
  return errs;
}

function validateSpec(spec: StatefulSetSpec | undefined, path: string): FieldError[] {
  const s = spec ?? ({} as StatefulSetSpec);
  const errs: FieldError[] = [];
  const policy = s.podManagementPolicy ?? '';
  if (policy === '') errs.push(required(`${path}.podManagementPolicy`));
  else if (policy !== 'OrderedReady' && policy !== 'Parallel') {
    errs.push(invalidValue(`${path}.podManagementPolicy`, policy, "must be 'OrderedReady' or 'Parallel'"));
  }
  errs.push(...validateUpdateStrategy(s.updateStrategy, `${path}.updateStrategy`));
  errs.push(...validateRetentionPolicy(s, `${path}.persistentVolumeClaimRetentionPolicy`));
  errs.push(...nonNegative(s.replicas, `${path}.replicas`));
  errs.push(...nonNegative(s.minReadySeconds, `${path}.minReadySeconds`));
  if (s.ordinals) errs.push(...nonNegative(s.ordinals.start, `${path}.ordinals.start`));
  errs.push(...validateControllerSelector(s.selector, s.template?.metadata?.labels, path,
    { kindWord: 'statefulset', unusableDetail: '' }));
  // Upstream checks only the template's labels and annotations here, not its pod spec.
  if (isUsableSelector(s.selector)) errs.push(...validateTemplateMetadata(s.template, `${path}.template`));
  errs.push(...restartPolicyAlways(s.template, `${path}.template`));
  errs.push(...activeDeadlineForbidden(s.template, `${path}.template`, 'StatefulSet'));
  return errs;
}

/** The spec fields an update may change; anything else is forbidden. */
const MUTABLE_SPEC_FIELDS = ['replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy', 'minReadySeconds'];

function withoutMutableFields(spec: StatefulSetSpec | undefined): Record<string, unknown> {
  const rest: Record<string, unknown> = { ...(spec ?? {}) };
  for (const f of MUTABLE_SPEC_FIELDS) delete rest[f];
  return rest;
}

export const statefulSets: ResourceDefinition<StatefulSet & KObject> = {
  group: 'apps',
  version: 'v1',
  kind: 'StatefulSet',
  plural: 'statefulsets',
  singular: 'statefulset',
  namespaced: true,
  shortNames: ['sts'],
  categories: ['all'],
  statusSubresource: true,
  scale: { specReplicasPath: 'spec.replicas', statusReplicasPath: 'status.replicas', labelSelectorPath: 'spec.selector' },
  generation: true,
  // Pod names are <name>-<ordinal> and must be DNS labels.
  nameValidator: validateLabelName,

  defaults: setDefaults,
  prepareForCreate(sts) {
    resetStatus(sts, { replicas: 0, availableReplicas: 0 });
  },
  prepareForUpdate(sts, old) {
    keepStoredStatus(sts, old);
  },
  validate: (sts) => validateSpec(sts.spec, 'spec'),
  validateUpdate(sts, old) {
    if (semanticEqual(withoutMutableFields(sts.spec), withoutMutableFields(old.spec))) return [];
    return [forbiddenField('spec', "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden")];
  },
  validateStatus(sts) {
    const s = sts.status ?? { replicas: 0 };
    const errs = [
      ...nonNegative(s.replicas, 'status.replicas'),
      ...nonNegative(s.readyReplicas, 'status.readyReplicas'),
      ...nonNegative(s.currentReplicas, 'status.currentReplicas'),
      ...nonNegative(s.updatedReplicas, 'status.updatedReplicas'),
      ...nonNegative(s.availableReplicas, 'status.availableReplicas'),
      ...nonNegative(s.observedGeneration, 'status.observedGeneration'),
      ...nonNegative(s.collisionCount, 'status.collisionCount'),
    ];
    const replicas = s.replicas ?? 0;
    const msg = 'cannot be greater than status.replicas';
    if ((s.readyReplicas ?? 0) > replicas) errs.push(invalidValue('status.readyReplicas', s.readyReplicas, msg));
    if ((s.currentReplicas ?? 0) > replicas) errs.push(invalidValue('status.currentReplicas', s.currentReplicas, msg));
    if ((s.updatedReplicas ?? 0) > replicas) errs.push(invalidValue('status.updatedReplicas', s.updatedReplicas, msg));
    if ((s.availableReplicas ?? 0) > replicas) errs.push(invalidValue('status.availableReplicas', s.availableReplicas, msg));
    if ((s.availableReplicas ?? 0) > (s.readyReplicas ?? 0)) {
      errs.push(invalidValue('status.availableReplicas', s.availableReplicas, 'cannot be greater than status.readyReplicas'));
    }
    return errs;
  },

  table: {
    columns: [
      NAME_COLUMN,
      { name: 'Ready', type: 'string', description: 'Number of the pod with ready state' },
      AGE_COLUMN,
      CONTAINERS_COLUMN,
      IMAGES_COLUMN,
    ],
    row(sts, ctx) {
      const [names, images] = containerCells(sts.spec?.template?.spec);
      return [
        sts.metadata?.name ?? '',
        `${sts.status?.readyReplicas ?? 0}/${sts.spec?.replicas ?? 0}`,
        ctx.age(sts.metadata?.creationTimestamp),
        names,
        images,
      ];
    },
  },
};
