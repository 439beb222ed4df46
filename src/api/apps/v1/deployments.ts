// apps/v1 Deployment: upstream defaults, validation, update strategy and table.
import type { Deployment, DeploymentSpec, DeploymentStrategy, RollingUpdateDeployment } from 'kubernetes-types/apps/v1';
import type { KObject, ResourceDefinition } from '../../types.ts';
import { type FieldError, forbiddenField, invalidValue, required } from '../../../machinery/validation.ts';
import { defaultPodTemplateSpec } from '../../core/v1/pod-spec.ts';
import { goIntOrString, goQuote, invalidGo, notSupportedGo } from '../../common/go-value.ts';
import { immutableSelector, isUsableSelector, validateControllerSelector } from '../../common/label-selector-validation.ts';
import { keepStoredStatus, nonNegative, resetStatus, validateReplicatedTemplate } from '../../common/workload-validation.ts';
import {
  AGE_COLUMN, CONTAINERS_COLUMN, IMAGES_COLUMN, NAME_COLUMN, containerCells, deploymentSelectorCell, selectorColumn,
} from '../../common/workload-table.ts';
import { intOrPercentValue, notMoreThan100Percent, validatePositiveIntOrPercent } from './int-or-percent.ts';

function setDefaults(d: Deployment): void {
  const spec = d.spec ?? (d.spec = {} as DeploymentSpec);
  spec.replicas ??= 1;
  const strategy: DeploymentStrategy = spec.strategy ?? (spec.strategy = {});
  if (!strategy.type) strategy.type = 'RollingUpdate';
  if (strategy.type === 'RollingUpdate') {
    const ru = strategy.rollingUpdate ?? (strategy.rollingUpdate = {});
    ru.maxUnavailable ??= '25%';
    ru.maxSurge ??= '25%';
  }
  spec.revisionHistoryLimit ??= 10;
  spec.progressDeadlineSeconds ??= 600;
  defaultPodTemplateSpec(spec.template);
}

function validateRollingUpdate(ru: RollingUpdateDeployment, path: string): FieldError[] {
  const errs = [
    ...validatePositiveIntOrPercent(ru.maxUnavailable, `${path}.maxUnavailable`),
    ...validatePositiveIntOrPercent(ru.maxSurge, `${path}.maxSurge`),
  ];
  if (intOrPercentValue(ru.maxUnavailable) === 0 && intOrPercentValue(ru.maxSurge) === 0) {
    errs.push(invalidGo(`${path}.maxUnavailable`, ru.maxUnavailable, goIntOrString(ru.maxUnavailable), 'may not be 0 when `maxSurge` is 0'));
  }
  errs.push(...notMoreThan100Percent(ru.maxUnavailable, `${path}.maxUnavailable`));
  return errs;
}

function validateStrategy(strategy: DeploymentStrategy | undefined, path: string): FieldError[] {
  const s = strategy ?? {};
  switch (s.type) {
    case 'Recreate':
      return s.rollingUpdate ? [forbiddenField(`${path}.rollingUpdate`, "may not be specified when strategy `type` is 'Recreate'")] : [];
    case 'RollingUpdate':
      return s.rollingUpdate
        ? validateRollingUpdate(s.rollingUpdate, `${path}.rollingUpdate`)
        : [required(`${path}.rollingUpdate`, 'this should be defaulted and never be nil')];
    default: {
      // Upstream prints the whole strategy struct here; the pointer's address is not reproducible.
      const ru = s.rollingUpdate ? '(*apps.RollingUpdateDeployment)(0xc000000000)' : '(*apps.RollingUpdateDeployment)(nil)';
      const rendered = `apps.DeploymentStrategy{Type:${goQuote(s.type ?? '')}, RollingUpdate:${ru}}`;
      return [notSupportedGo(path, s, rendered, ['Recreate', 'RollingUpdate'])];
    }
  }
}

function validateSpec(spec: DeploymentSpec | undefined, path: string): FieldError[] {
  const s = spec ?? ({} as DeploymentSpec);
  const errs: FieldError[] = [...nonNegative(s.replicas, `${path}.replicas`)];
  errs.push(...validateControllerSelector(s.selector, s.template?.metadata?.labels, path,
    { kindWord: 'deployment', unusableDetail: 'invalid label selector' }));
  // Upstream checks the template only when the selector could be parsed.
  if (isUsableSelector(s.selector)) errs.push(...validateReplicatedTemplate(s.template, `${path}.template`, 'ReplicaSet'));
  errs.push(...validateStrategy(s.strategy, `${path}.strategy`));
  errs.push(...nonNegative(s.minReadySeconds, `${path}.minReadySeconds`));
  errs.push(...nonNegative(s.revisionHistoryLimit, `${path}.revisionHistoryLimit`));
  if (typeof s.progressDeadlineSeconds === 'number') {
    errs.push(...nonNegative(s.progressDeadlineSeconds, `${path}.progressDeadlineSeconds`));
    if (s.progressDeadlineSeconds <= (s.minReadySeconds ?? 0)) {
      errs.push(invalidValue(`${path}.progressDeadlineSeconds`, s.progressDeadlineSeconds, 'must be greater than minReadySeconds'));
    }
  }
  return errs;
}

export const deployments: ResourceDefinition<Deployment & KObject> = {
  group: 'apps',
  version: 'v1',
  kind: 'Deployment',
  plural: 'deployments',
  singular: 'deployment',
  namespaced: true,
  shortNames: ['deploy'],
  categories: ['all'],
  statusSubresource: true,
  statusWritesAnnotations: true,
  scale: { specReplicasPath: 'spec.replicas', statusReplicasPath: 'status.replicas', labelSelectorPath: 'spec.selector' },
  generation: true,
  // Upstream bumps a Deployment's generation when its annotations change too (e.g. rollout pause markers).
  bumpsGeneration: (d, old) => JSON.stringify(d.metadata?.annotations ?? {}) !== JSON.stringify(old.metadata?.annotations ?? {}),

  defaults: setDefaults,
  prepareForCreate(d) {
    resetStatus(d, {});
  },
  prepareForUpdate(d, old) {
    keepStoredStatus(d, old);
  },
  validate: (d) => validateSpec(d.spec, 'spec'),
  validateUpdate: (d, old) => immutableSelector(d.spec?.selector, old.spec?.selector, 'spec.selector'),
  validateStatus(d) {
    const s = d.status ?? {};
    const errs = [
      ...nonNegative(s.observedGeneration, 'status.observedGeneration'),
      ...nonNegative(s.replicas, 'status.replicas'),
      ...nonNegative(s.updatedReplicas, 'status.updatedReplicas'),
      ...nonNegative(s.readyReplicas, 'status.readyReplicas'),
      ...nonNegative(s.availableReplicas, 'status.availableReplicas'),
      ...nonNegative(s.unavailableReplicas, 'status.unavailableReplicas'),
      ...nonNegative(s.collisionCount, 'status.collisionCount'),
    ];
    const replicas = s.replicas ?? 0;
    const msg = 'cannot be greater than status.replicas';
    if ((s.updatedReplicas ?? 0) > replicas) errs.push(invalidValue('status.updatedReplicas', s.updatedReplicas, msg));
    if ((s.readyReplicas ?? 0) > replicas) errs.push(invalidValue('status.readyReplicas', s.readyReplicas, msg));
    if ((s.availableReplicas ?? 0) > replicas) errs.push(invalidValue('status.availableReplicas', s.availableReplicas, msg));
    if ((s.availableReplicas ?? 0) > (s.readyReplicas ?? 0)) {
      errs.push(invalidValue('status.availableReplicas', s.availableReplicas, 'cannot be greater than readyReplicas'));
    }
    return errs;
  },

  table: {
    columns: [
      NAME_COLUMN,
      { name: 'Ready', type: 'string', description: 'Number of the pod with ready state' },
      { name: 'Up-to-date', type: 'string', description: 'Total number of non-terminated pods targeted by this deployment that have the desired template spec.' },
      { name: 'Available', type: 'string', description: 'Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.' },
      AGE_COLUMN,
      CONTAINERS_COLUMN,
      IMAGES_COLUMN,
      selectorColumn("Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment. It must match the pod template's labels."),
    ],
    row(d, ctx) {
      const status = d.status ?? {};
      const [names, images] = containerCells(d.spec?.template?.spec);
      return [
        d.metadata?.name ?? '',
        `${status.readyReplicas ?? 0}/${d.spec?.replicas ?? 0}`,
        status.updatedReplicas ?? 0,
        status.availableReplicas ?? 0,
        ctx.age(d.metadata?.creationTimestamp),
        names,
        images,
        deploymentSelectorCell(d.spec?.selector),
      ];
    },
  },
};
