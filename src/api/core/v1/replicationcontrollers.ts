// core/v1 ReplicationController: upstream defaults (selector and labels from the template),
// validation, update strategy and table.
import type { ReplicationController, ReplicationControllerSpec } from 'kubernetes-types/core/v1';
import type { KObject, ResourceDefinition } from '../../types.ts';
import { type FieldError, required } from '../../../machinery/validation.ts';
import { defaultPodTemplateSpec } from './pod-spec.ts';
import { mapSelectorMatchesTemplate } from '../../common/label-selector-validation.ts';
import { keepStoredStatus, nonNegative, resetStatus, validateReplicatedTemplate, validateReplicaCounts } from '../../common/workload-validation.ts';
import {
  AGE_COLUMN, CONTAINERS_COLUMN, IMAGES_COLUMN, NAME_COLUMN, containerCells, formatLabels, selectorColumn,
} from '../../common/workload-table.ts';

function setDefaults(rc: ReplicationController): void {
  const spec = rc.spec ?? (rc.spec = {});
  const labels = spec.template?.metadata?.labels;
  if (labels) {
    if (Object.keys(spec.selector ?? {}).length === 0) spec.selector = { ...labels };
    const meta = rc.metadata ?? (rc.metadata = {});
    if (Object.keys(meta.labels ?? {}).length === 0) meta.labels = { ...labels };
  }
  spec.replicas ??= 1;
  defaultPodTemplateSpec(spec.template);
}

function validateSpec(spec: ReplicationControllerSpec | undefined, path: string): FieldError[] {
  const s = spec ?? {};
  const errs: FieldError[] = [...nonNegative(s.minReadySeconds, `${path}.minReadySeconds`)];
  if (Object.keys(s.selector ?? {}).length === 0) errs.push(required(`${path}.selector`));
  errs.push(...nonNegative(s.replicas, `${path}.replicas`));
  if (!s.template) {
    errs.push(required(`${path}.template`));
  } else {
    errs.push(...mapSelectorMatchesTemplate(s.selector, s.template.metadata?.labels, `${path}.template`));
    errs.push(...validateReplicatedTemplate(s.template, `${path}.template`, 'ReplicationController'));
  }
  return errs;
}

export const replicationControllers: ResourceDefinition<ReplicationController & KObject> = {
  group: '',
  version: 'v1',
  kind: 'ReplicationController',
  plural: 'replicationcontrollers',
  singular: 'replicationcontroller',
  namespaced: true,
  shortNames: ['rc'],
  categories: ['all'],
  statusSubresource: true,
  // spec.selector is a plain label map here, not a metav1.LabelSelector.
  scale: { specReplicasPath: 'spec.replicas', statusReplicasPath: 'status.replicas', labelSelectorPath: 'spec.selector' },
  generation: true,

  defaults: setDefaults,
  prepareForCreate(rc) {
    resetStatus(rc, { replicas: 0 });
  },
  prepareForUpdate(rc, old) {
    keepStoredStatus(rc, old);
  },
  validate: (rc) => validateSpec(rc.spec, 'spec'),
  validateStatus: (rc) => validateReplicaCounts(rc.status ?? { replicas: 0 }),
  fieldSelectors: {
    'status.replicas': (rc) => String(rc.status?.replicas ?? 0),
  },

  table: {
    columns: [
      NAME_COLUMN,
      { name: 'Desired', type: 'integer', description: 'Replicas is the number of desired replicas. This is a pointer to distinguish between explicit zero and unspecified. Defaults to 1. More info: https://kubernetes.io/docs/concepts/workloads/controllers/replicationcontroller#what-is-a-replicationcontroller' },
      { name: 'Current', type: 'integer', description: 'Replicas is the most recently observed number of replicas. More info: https://kubernetes.io/docs/concepts/workloads/controllers/replicationcontroller#what-is-a-replicationcontroller' },
      { name: 'Ready', type: 'integer', description: 'The number of ready replicas for this replication controller.' },
      AGE_COLUMN,
      CONTAINERS_COLUMN,
      IMAGES_COLUMN,
      selectorColumn('Selector is a label query over pods that should match the Replicas count. If Selector is empty, it is defaulted to the labels present on the Pod template. Label keys and values that must match in order to be controlled by this replication controller, if empty defaulted to labels on Pod template. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors'),
    ],
    row(rc, ctx) {
      const [names, images] = containerCells(rc.spec?.template?.spec);
      return [
        rc.metadata?.name ?? '',
        rc.spec?.replicas ?? 0,
        rc.status?.replicas ?? 0,
        rc.status?.readyReplicas ?? 0,
        ctx.age(rc.metadata?.creationTimestamp),
        names,
        images,
        formatLabels(rc.spec?.selector),
      ];
    },
  },
};
