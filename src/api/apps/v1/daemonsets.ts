// apps/v1 DaemonSet: upstream defaults, validation, update strategy and table.
import type { DaemonSet, DaemonSetSpec, DaemonSetUpdateStrategy, RollingUpdateDaemonSet } from 'kubernetes-types/apps/v1';
import type { KObject, ResourceDefinition } from '../../types.ts';
import { type FieldError, required } from '../../../machinery/validation.ts';
import { defaultPodTemplateSpec } from '../../core/v1/pod-spec.ts';
import { goIntOrString, goLabelSelector, goQuote, invalidGo, notSupportedGo } from '../../common/go-value.ts';
import {
  immutableSelector, isEmptySelector, selectorMatchesTemplate, validateLabelSelector,
} from '../../common/label-selector-validation.ts';
import { keepStoredStatus, resetStatus, nonNegative, semanticEqual, validateReplicatedTemplate } from '../../common/workload-validation.ts';
import {
  AGE_COLUMN, CONTAINERS_COLUMN, IMAGES_COLUMN, NAME_COLUMN, containerCells, formatLabelSelector, formatLabels, selectorColumn,
} from '../../common/workload-table.ts';
import { intOrPercentValue, notMoreThan100Percent, validatePositiveIntOrPercent } from './int-or-percent.ts';

/**
 * apps/v1 keeps the internal templateGeneration in this annotation; it starts at 1 and grows by
 * one whenever the pod template changes.
 */
export const TEMPLATE_GENERATION_ANNOTATION = 'deprecated.daemonset.template.generation';

function templateGeneration(ds: DaemonSet): number {
  const raw = ds.metadata?.annotations?.[TEMPLATE_GENERATION_ANNOTATION];
  const n = raw !== undefined && /^\d+$/.test(raw) ? Number.parseInt(raw, 10) : 0;
  return Number.isSafeInteger(n) ? n : 0;
}

function setTemplateGeneration(ds: DaemonSet, generation: number): void {
  const meta = ds.metadata ?? (ds.metadata = {});
  meta.annotations = { ...(meta.annotations ?? {}), [TEMPLATE_GENERATION_ANNOTATION]: String(generation) };
}

function setDefaults(ds: DaemonSet): void {
  const spec = ds.spec ?? (ds.spec = {} as DaemonSetSpec);
  const strategy: DaemonSetUpdateStrategy = spec.updateStrategy ?? (spec.updateStrategy = {});
  if (!strategy.type) strategy.type = 'RollingUpdate';
  if (strategy.type === 'RollingUpdate') {
    const ru = strategy.rollingUpdate ?? (strategy.rollingUpdate = {});
    ru.maxUnavailable ??= 1;
    ru.maxSurge ??= 0;
  }
  spec.revisionHistoryLimit ??= 10;
  defaultPodTemplateSpec(spec.template);
}

function validateRollingUpdate(ru: RollingUpdateDaemonSet, path: string): FieldError[] {
  const errs = [
    ...validatePositiveIntOrPercent(ru.maxUnavailable, `${path}.maxUnavailable`),
    ...validatePositiveIntOrPercent(ru.maxSurge, `${path}.maxSurge`),
    ...notMoreThan100Percent(ru.maxUnavailable, `${path}.maxUnavailable`),
    ...notMoreThan100Percent(ru.maxSurge, `${path}.maxSurge`),
  ];
  // Exactly one of the two may be non-zero.
  const hasUnavailable = intOrPercentValue(ru.maxUnavailable) !== 0;
  const hasSurge = intOrPercentValue(ru.maxSurge) !== 0;
  if (hasUnavailable && hasSurge) {
    errs.push(invalidGo(`${path}.maxSurge`, ru.maxSurge, goIntOrString(ru.maxSurge), 'may not be set when maxUnavailable is non-zero'));
  } else if (!hasUnavailable && !hasSurge) {
    errs.push(required(`${path}.maxUnavailable`, 'cannot be 0 when maxSurge is 0'));
  }
  return errs;
}

function validateUpdateStrategy(strategy: DaemonSetUpdateStrategy | undefined, path: string): FieldError[] {
  const s = strategy ?? {};
  switch (s.type) {
    case 'OnDelete':
      return [];
    case 'RollingUpdate':
      return s.rollingUpdate ? validateRollingUpdate(s.rollingUpdate, `${path}.rollingUpdate`) : [required(`${path}.rollingUpdate`)];
    default: {
      const ru = s.rollingUpdate ? '(*apps.RollingUpdateDaemonSet)(0xc000000000)' : '(*apps.RollingUpdateDaemonSet)(nil)';
      return [notSupportedGo(path, s, `apps.DaemonSetUpdateStrategy{Type:${goQuote(s.type ?? '')}, RollingUpdate:${ru}}`,
        ['RollingUpdate', 'OnDelete'])];
    }
  }
}

function validateSpec(spec: DaemonSetSpec | undefined, path: string): FieldError[] {
  const s = spec ?? ({} as DaemonSetSpec);
  // Unlike the other controllers, a missing selector is reported only as a template mismatch.
  const errs = [
    ...validateLabelSelector(s.selector, `${path}.selector`),
    ...selectorMatchesTemplate(s.selector, s.template?.metadata?.labels, `${path}.template`),
  ];
  if (isEmptySelector(s.selector)) {
    errs.push(invalidGo(`${path}.selector`, s.selector, goLabelSelector(s.selector), 'empty selector is invalid for daemonset'));
  }
  errs.push(...validateReplicatedTemplate(s.template, `${path}.template`, 'DaemonSet'));
  errs.push(...nonNegative(s.minReadySeconds, `${path}.minReadySeconds`));
  errs.push(...validateUpdateStrategy(s.updateStrategy, `${path}.updateStrategy`));
  errs.push(...nonNegative(s.revisionHistoryLimit, `${path}.revisionHistoryLimit`));
  return errs;
}

export const daemonSets: ResourceDefinition<DaemonSet & KObject> = {
  group: 'apps',
  version: 'v1',
  kind: 'DaemonSet',
  plural: 'daemonsets',
  singular: 'daemonset',
  namespaced: true,
  shortNames: ['ds'],
  categories: ['all'],
  statusSubresource: true,
  generation: true,

  defaults: setDefaults,
  prepareForCreate(ds) {
    resetStatus(ds, { currentNumberScheduled: 0, numberMisscheduled: 0, desiredNumberScheduled: 0, numberReady: 0 });
    setTemplateGeneration(ds, Math.max(templateGeneration(ds), 1));
  },
  prepareForUpdate(ds, old) {
    keepStoredStatus(ds, old);
    // Clients may not set the template generation; it follows template changes.
    const changed = !semanticEqual(ds.spec?.template, old.spec?.template);
    setTemplateGeneration(ds, templateGeneration(old) + (changed ? 1 : 0));
  },
  validate: (ds) => validateSpec(ds.spec, 'spec'),
  validateUpdate: (ds, old) => immutableSelector(ds.spec?.selector, old.spec?.selector, 'spec.selector'),
  validateStatus(ds) {
    const s = ds.status ?? { currentNumberScheduled: 0, numberMisscheduled: 0, desiredNumberScheduled: 0, numberReady: 0 };
    return [
      ...nonNegative(s.currentNumberScheduled, 'status.currentNumberScheduled'),
      ...nonNegative(s.numberMisscheduled, 'status.numberMisscheduled'),
      ...nonNegative(s.desiredNumberScheduled, 'status.desiredNumberScheduled'),
      ...nonNegative(s.numberReady, 'status.numberReady'),
      ...nonNegative(s.observedGeneration, 'status.observedGeneration'),
      ...nonNegative(s.updatedNumberScheduled, 'status.updatedNumberScheduled'),
      ...nonNegative(s.numberAvailable, 'status.numberAvailable'),
      ...nonNegative(s.numberUnavailable, 'status.numberUnavailable'),
      ...nonNegative(s.collisionCount, 'status.collisionCount'),
    ];
  },

  table: {
    columns: [
      NAME_COLUMN,
      { name: 'Desired', type: 'integer', description: 'The total number of nodes that should be running the daemon pod (including nodes correctly running the daemon pod). More info: https://kubernetes.io/docs/concepts/workloads/controllers/daemonset/' },
      { name: 'Current', type: 'integer', description: 'The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod. More info: https://kubernetes.io/docs/concepts/workloads/controllers/daemonset/' },
      { name: 'Ready', type: 'integer', description: 'numberReady is the number of nodes that should be running the daemon pod and have one or more of the daemon pod running with a Ready Condition.' },
      { name: 'Up-to-date', type: 'integer', description: 'The total number of nodes that are running updated daemon pod' },
      { name: 'Available', type: 'integer', description: 'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available (ready for at least spec.minReadySeconds)' },
      { name: 'Node Selector', type: 'string', description: "NodeSelector is a selector which must be true for the pod to fit on a node. Selector which must match a node's labels for the pod to be scheduled on that node. More info: https://kubernetes.io/docs/concepts/configuration/assign-pod-node/" },
      AGE_COLUMN,
      CONTAINERS_COLUMN,
      IMAGES_COLUMN,
      selectorColumn("A label query over pods that are managed by the daemon set. Must match in order to be controlled. It must match the pod template's labels. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors"),
    ],
    row(ds, ctx) {
      const s = ds.status;
      const [names, images] = containerCells(ds.spec?.template?.spec);
      return [
        ds.metadata?.name ?? '',
        s?.desiredNumberScheduled ?? 0,
        s?.currentNumberScheduled ?? 0,
        s?.numberReady ?? 0,
        s?.updatedNumberScheduled ?? 0,
        s?.numberAvailable ?? 0,
        formatLabels(ds.spec?.template?.spec?.nodeSelector),
        ctx.age(ds.metadata?.creationTimestamp),
        names,
        images,
        formatLabelSelector(ds.spec?.selector),
      ];
    },
  },
};
