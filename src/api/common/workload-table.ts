// Table columns and cells the workload kinds share with upstream's server-side printers:
// Name/Age, the -o wide Containers/Images/Selector columns and how selectors are printed.
import type { PodSpec } from 'kubernetes-types/core/v1';
import type { LabelSelector } from 'kubernetes-types/meta/v1';
import type { TableColumn } from '../types.ts';
import { labelSelectorToString } from '../../machinery/label-selector.ts';

/** metav1.FormatLabelSelector: "<none>" when it selects everything or nothing, "<error>" when invalid. */
export { formatLabelSelector } from '../../machinery/label-selector.ts';

export const NAME_COLUMN: TableColumn = {
  name: 'Name', type: 'string', format: 'name',
  description: 'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names',
};

export const AGE_COLUMN: TableColumn = {
  name: 'Age', type: 'string',
  description: 'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata',
};

export const CONTAINERS_COLUMN: TableColumn = {
  name: 'Containers', type: 'string', priority: 1, description: 'Names of each container in the template.',
};

export const IMAGES_COLUMN: TableColumn = {
  name: 'Images', type: 'string', priority: 1, description: 'Images referenced by each container in the template.',
};

export function selectorColumn(description: string): TableColumn {
  return { name: 'Selector', type: 'string', priority: 1, description };
}

/** The Containers and Images cells: names and images joined with commas, as upstream lays them out. */
export function containerCells(spec: PodSpec | undefined): [string, string] {
  const containers = spec?.containers ?? [];
  return [containers.map((c) => c.name ?? '').join(','), containers.map((c) => c.image ?? '').join(',')];
}

/** labels.FormatLabels: "a=1,b=2" sorted by key, "<none>" when empty. */
export function formatLabels(labels: Record<string, string> | undefined): string {
  const keys = Object.keys(labels ?? {}).sort();
  return keys.length ? keys.map((k) => `${k}=${labels![k]}`).join(',') : '<none>';
}

/** The Deployment Selector cell: the selector's string form, "<invalid>" when it cannot be parsed. */
export function deploymentSelectorCell(sel: LabelSelector | undefined | null): string {
  try {
    return labelSelectorToString(sel);
  } catch {
    return '<invalid>';
  }
}
