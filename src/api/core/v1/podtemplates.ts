// core/v1 PodTemplate: a stored pod template. Defaults and validation are the shared pod-spec
// ones at `template`; any change to the template bumps metadata.generation, as upstream does.
import type { PodSpec, PodTemplate } from 'kubernetes-types/core/v1';
import type { KObject, ResourceDefinition } from '../../types.ts';
import { NAME_COLUMN, containerCells, formatLabels } from '../../common/workload-table.ts';
import { defaultPodTemplateSpec, validatePodTemplateSpec } from './pod-spec.ts';

export const podTemplates: ResourceDefinition<PodTemplate & KObject> = {
  group: '',
  version: 'v1',
  kind: 'PodTemplate',
  plural: 'podtemplates',
  singular: 'podtemplate',
  namespaced: true,
  generation: true,

  defaults(obj) {
    // The template is a plain struct upstream: a missing one decodes as empty, then defaults.
    if (typeof obj.template !== 'object' || obj.template === null) obj.template = {};
    if (typeof obj.template.spec !== 'object' || obj.template.spec === null) obj.template.spec = {} as PodSpec;
    defaultPodTemplateSpec(obj.template);
  },
  validate: (obj) => validatePodTemplateSpec(obj.template, 'template'),

  table: {
    columns: [
      NAME_COLUMN,
      { name: 'Containers', type: 'string', description: 'Names of each container in the template.' },
      { name: 'Images', type: 'string', description: 'Images referenced by each container in the template.' },
      { name: 'Pod Labels', type: 'string', description: 'The labels for the pod template.' },
    ],
    row(obj) {
      const [names, images] = containerCells(obj.template?.spec);
      return [obj.metadata?.name ?? '', names, images, formatLabels(obj.template?.metadata?.labels)];
    },
  },
};
