// apps/v1 ReplicaSet: upstream defaults, validation, update strategy and table.
import type { ReplicaSet, ReplicaSetSpec } from 'kubernetes-types/apps/v1';
import type { KObject, ResourceDefinition } from '../../types.ts';
import { type FieldError } from '../../../machinery/validation.ts';
import { defaultPodTemplateSpec } from '../../core/v1/pod-spec.ts';
import { immutableSelector, isUsableSelector, validateControllerSelector } from '../../common/label-selector-validation.ts';
import { keepStoredStatus, resetStatus, nonNegative, validateReplicatedTemplate, validateReplicaCounts } from '../../common/workload-validation.ts';
import {
  AGE_COLUMN, CONTAINERS_COLUMN, IMAGES_COLUMN, NAME_COLUMN, containerCells, formatLabelSelector, selectorColumn,
} from '../../common/workload-table.ts';

function validateSpec(spec: ReplicaSetSpec | undefined, path: string): FieldError[] {
  const s = spec ?? ({} as ReplicaSetSpec);
  const errs: FieldError[] = [
    ...nonNegative(s.replicas, `${path}.replicas`),
    ...nonNegative(s.minReadySeconds, `${path}.minReadySeconds`),
    // Upstream words the empty-selector error for ReplicaSets as it does for Deployments.
    ...validateControllerSelector(s.selector, s.template?.metadata?.labels, path,
      { kindWord: 'deployment', unusableDetail: 'invalid label selector' }),
  ];
  if (isUsableSelector(s.selector)) errs.push(...validateReplicatedTemplate(s.template, `${path}.template`, 'ReplicaSet'));
  return errs;
}

export const replicaSets: ResourceDefinition<ReplicaSet & KObject> = {
  group: 'apps',
  version: 'v1',
  kind: 'ReplicaSet',
  plural: 'replicasets',
  singular: 'replicaset',
  namespaced: true,
  shortNames: ['rs'],
  categories: ['all'],
  statusSubresource: true,
  scale: { specReplicasPath: 'spec.replicas', statusReplicasPath: 'status.replicas', labelSelectorPath: 'spec.selector' },
  generation: true,

  defaults(rs) {
    const spec = rs.spec ?? (rs.spec = {} as ReplicaSetSpec);
    spec.replicas ??= 1;
    defaultPodTemplateSpec(spec.template);
  },
  prepareForCreate(rs) {
    resetStatus(rs, { replicas: 0 });
  },
  prepareForUpdate(rs, old) {
    keepStoredStatus(rs, old);
  },
  validate: (rs) => validateSpec(rs.spec, 'spec'),
  validateUpdate: (rs, old) => immutableSelector(rs.spec?.selector, old.spec?.selector, 'spec.selector'),
  validateStatus: (rs) => validateReplicaCounts(rs.status ?? { replicas: 0 }),
  fieldSelectors: {
    'status.replicas': (rs) => String(rs.status?.replicas ?? 0),
  },

  table: {
    columns: [
      NAME_COLUMN,
      { name: 'Desired', type: 'integer', description: 'Replicas is the number of desired replicas. This is a pointer to distinguish between explicit zero and unspecified. Defaults to 1. More info: https://kubernetes.io/docs/concepts/workloads/controllers/replicationcontroller/#what-is-a-replicationcontroller' },
      { name: 'Current', type: 'integer', description: 'Replicas is the most recently observed number of replicas. More info: https://kubernetes.io/docs/concepts/workloads/controllers/replicationcontroller/#what-is-a-replicationcontroller' },
      { name: 'Ready', type: 'integer', description: 'readyReplicas is the number of pods targeted by this ReplicaSet with a Ready Condition.' },
      AGE_COLUMN,
      CONTAINERS_COLUMN,
      IMAGES_COLUMN,
      selectorColumn("Selector is a label query over pods that should match the replica count. Label keys and values that must match in order to be controlled by this replica set. It must match the pod template's labels. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors"),
    ],
    row(rs, ctx) {
      const [names, images] = containerCells(rs.spec?.template?.spec);
      return [
        rs.metadata?.name ?? '',
        rs.spec?.replicas ?? 0,
        rs.status?.replicas ?? 0,
        rs.status?.readyReplicas ?? 0,
        ctx.age(rs.metadata?.creationTimestamp),
        names,
        images,
        formatLabelSelector(rs.spec?.selector),
      ];
    },
  },
};
