// batch/v1 Job: upstream defaults, generated selector and labels, validation, update strategy
// and table.
import type { Job, JobSpec } from 'kubernetes-types/batch/v1';
import type { PodTemplateSpec } from 'kubernetes-types/core/v1';
import type { KObject, ResourceDefinition } from '../../types.ts';
import {
  type FieldError, invalidValue, isDNS1123Label, notSupported, required, tooLong,
} from '../../../machinery/validation.ts';
import { humanDuration } from '../../../machinery/duration.ts';
import { defaultPodTemplateSpec, validatePodTemplateSpec } from '../../core/v1/pod-spec.ts';
import { goLabelSelector, goStringMap, invalidGo } from '../../common/go-value.ts';
import {
  immutableSelector, isUsableSelector, labelSelectorMatches, selectorMatchesTemplate, validateLabelSelector,
} from '../../common/label-selector-validation.ts';
import { keepStoredStatus, nonNegative, resetStatus, semanticEqual } from '../../common/workload-validation.ts';
import {
  AGE_COLUMN, CONTAINERS_COLUMN, IMAGES_COLUMN, NAME_COLUMN, containerCells, formatLabelSelector, selectorColumn,
} from '../../common/workload-table.ts';

/** The labels the generated selector is built from; the legacy ones are still set and checked. */
export const LEGACY_CONTROLLER_UID_LABEL = 'controller-uid';
export const LEGACY_JOB_NAME_LABEL = 'job-name';
export const CONTROLLER_UID_LABEL = 'batch.kubernetes.io/controller-uid';
export const JOB_NAME_LABEL = 'batch.kubernetes.io/job-name';

const MAX_PARALLELISM_FOR_INDEXED_JOB = 100000;
const MAX_FAILED_INDEXES_FOR_INDEXED_JOB = 100000;
const MAX_MANAGED_BY_LENGTH = 63;
const MAX_INT32 = 2147483647;

function setDefaults(job: Job): void {
  const spec = job.spec ?? (job.spec = {} as JobSpec);
  // A non-parallel job may leave both unset; both then default to 1.
  if (spec.completions == null && spec.parallelism == null) {
    spec.completions = 1;
    spec.parallelism = 1;
  }
  spec.parallelism ??= 1;
  spec.backoffLimit ??= spec.backoffLimitPerIndex != null ? MAX_INT32 : 6;
  const templateLabels = spec.template?.metadata?.labels;
  if (templateLabels && Object.keys(templateLabels).length && Object.keys(job.metadata?.labels ?? {}).length === 0) {
    (job.metadata ?? (job.metadata = {})).labels = { ...templateLabels };
  }
  spec.completionMode ??= 'NonIndexed';
  spec.suspend ??= false;
  for (const rule of spec.podFailurePolicy?.rules ?? []) {
    for (const pattern of rule.onPodConditions ?? []) {
      if (!pattern.status) pattern.status = 'True';
    }
  }
  spec.podReplacementPolicy ??= spec.podFailurePolicy ? 'Failed' : 'TerminatingOrFailed';
  defaultPodTemplateSpec(spec.template);
}

function sameLabels(a: Record<string, string> | undefined, b: Record<string, string> | undefined): boolean {
  const ka = Object.keys(a ?? {});
  return ka.length === Object.keys(b ?? {}).length && ka.every((k) => a![k] === b?.[k]);
}

/**
 * Upstream's generateSelector: label the pod template with the job's name and uid (without
 * overriding labels the user set) and select on the uid. Needs metadata.uid, so it runs on create.
 */
function generateSelector(job: Job): void {
  const meta = job.metadata ?? (job.metadata = {});
  const spec = job.spec ?? (job.spec = {} as JobSpec);
  const template: PodTemplateSpec = spec.template ?? (spec.template = {});
  const tmeta = template.metadata ?? (template.metadata = {});
  const labels = tmeta.labels ?? (tmeta.labels = {});
  const name = meta.name ?? '';
  const uid = meta.uid ?? '';
  for (const key of [LEGACY_JOB_NAME_LABEL, JOB_NAME_LABEL]) if (!(key in labels)) labels[key] = name;
  for (const key of [LEGACY_CONTROLLER_UID_LABEL, CONTROLLER_UID_LABEL]) if (!(key in labels)) labels[key] = uid;
  const selector = spec.selector ?? (spec.selector = {});
  const matchLabels = selector.matchLabels ?? (selector.matchLabels = {});
  if (!(CONTROLLER_UID_LABEL in matchLabels)) matchLabels[CONTROLLER_UID_LABEL] = uid;
}

/** Upstream's ValidateHasLabel: `spec.template.metadata.labels[<key>]` must be the expected value. */
function hasLabel(labels: Record<string, string> | undefined, key: string, expected: string): FieldError[] {
  const path = `spec.template.metadata.labels[${key}]`;
  if (!labels || !Object.prototype.hasOwnProperty.call(labels, key)) return [required(path, `must be '${expected}'`)];
  return labels[key] === expected ? [] : [invalidGo(path, labels, goStringMap(labels), `must be '${expected}'`)];
}

/** The generated selector and labels must still be what generation produced. */
function validateGeneratedSelector(job: Job): FieldError[] {
  const spec = job.spec;
  if (spec?.manualSelector === true || !spec?.selector) return [];
  const name = job.metadata?.name ?? '';
  const uid = job.metadata?.uid ?? '';
  const errs: FieldError[] = uid ? [] : [required('metadata.uid')];
  const labels = spec.template?.metadata?.labels;
  errs.push(
    ...hasLabel(labels, LEGACY_CONTROLLER_UID_LABEL, uid),
    ...hasLabel(labels, LEGACY_JOB_NAME_LABEL, name),
    ...hasLabel(labels, CONTROLLER_UID_LABEL, uid),
    ...hasLabel(labels, JOB_NAME_LABEL, name),
  );
  const expected = {
    [CONTROLLER_UID_LABEL]: uid, [JOB_NAME_LABEL]: name, [LEGACY_CONTROLLER_UID_LABEL]: uid, [LEGACY_JOB_NAME_LABEL]: name,
  };
  if (isUsableSelector(spec.selector) && !labelSelectorMatches(spec.selector, expected)) {
    errs.push(invalidGo('spec.selector', spec.selector, goLabelSelector(spec.selector), '`selector` not auto-generated'));
  }
  return errs;
}

/**
 * The checks a Job spec gets both in a Job and in a CronJob's jobTemplate (upstream's
 * validateJobSpec): counts, completion mode, replacement policy, the pod template and its
 * restartPolicy (OnFailure or Never).
 */
export function validateJobSpecCommon(spec: JobSpec | undefined, path: string): FieldError[] {
  const s = spec ?? ({} as JobSpec);
  const errs: FieldError[] = [
    ...nonNegative(s.parallelism, `${path}.parallelism`),
    ...nonNegative(s.completions, `${path}.completions`),
    ...nonNegative(s.activeDeadlineSeconds, `${path}.activeDeadlineSeconds`),
    ...nonNegative(s.backoffLimit, `${path}.backoffLimit`),
    ...nonNegative(s.ttlSecondsAfterFinished, `${path}.ttlSecondsAfterFinished`),
    ...nonNegative(s.backoffLimitPerIndex, `${path}.backoffLimitPerIndex`),
  ];
  if (s.maxFailedIndexes != null) {
    errs.push(...nonNegative(s.maxFailedIndexes, `${path}.maxFailedIndexes`));
    if (s.backoffLimitPerIndex == null) errs.push(required(`${path}.backoffLimitPerIndex`, 'when maxFailedIndexes is specified'));
  }
  if (s.managedBy != null && s.managedBy.length > MAX_MANAGED_BY_LENGTH) errs.push(tooLong(`${path}.managedBy`, MAX_MANAGED_BY_LENGTH));
  const mode = s.completionMode;
  if (mode != null) {
    if (mode !== 'NonIndexed' && mode !== 'Indexed') errs.push(notSupported(`${path}.completionMode`, mode, ['NonIndexed', 'Indexed']));
    if (mode === 'Indexed') {
      if (s.completions == null) errs.push(required(`${path}.completions`, 'when completion mode is Indexed'));
      if (s.parallelism != null && s.parallelism > MAX_PARALLELISM_FOR_INDEXED_JOB) {
        errs.push(invalidValue(`${path}.parallelism`, s.parallelism, `must be less than or equal to ${MAX_PARALLELISM_FOR_INDEXED_JOB} when completion mode is Indexed`));
      }
      if (s.completions != null && s.maxFailedIndexes != null && s.maxFailedIndexes > s.completions) {
        errs.push(invalidValue(`${path}.maxFailedIndexes`, s.maxFailedIndexes, 'must be less than or equal to completions'));
      }
      if (s.maxFailedIndexes != null && s.maxFailedIndexes > MAX_FAILED_INDEXES_FOR_INDEXED_JOB) {
        errs.push(invalidValue(`${path}.maxFailedIndexes`, s.maxFailedIndexes, `must be less than or equal to ${MAX_FAILED_INDEXES_FOR_INDEXED_JOB}`));
      }
    }
  }
  if (mode == null || mode === 'NonIndexed') {
    if (s.backoffLimitPerIndex != null) errs.push(invalidValue(`${path}.backoffLimitPerIndex`, s.backoffLimitPerIndex, 'requires indexed completion mode'));
    if (s.maxFailedIndexes != null) errs.push(invalidValue(`${path}.maxFailedIndexes`, s.maxFailedIndexes, 'requires indexed completion mode'));
  }
  if (s.successPolicy != null && mode !== 'Indexed') {
    errs.push(invalidValue(`${path}.successPolicy`, s.successPolicy, 'requires indexed completion mode'));
  }
  const replacement = s.podReplacementPolicy;
  if (replacement != null) {
    if (s.podFailurePolicy) {
      if (replacement !== 'Failed') errs.push(notSupported(`${path}.podReplacementPolicy`, replacement, ['Failed']));
    } else if (replacement !== 'Failed' && replacement !== 'TerminatingOrFailed') {
      errs.push(notSupported(`${path}.podReplacementPolicy`, replacement, ['Failed', 'TerminatingOrFailed']));
    }
  }
  errs.push(...validatePodTemplateSpec(s.template, `${path}.template`));
  // An unset restartPolicy was defaulted to Always with the pod spec, so both mean "not chosen".
  const restartPath = `${path}.template.spec.restartPolicy`;
  const restart = s.template?.spec?.restartPolicy ?? '';
  if (restart === 'Always' || restart === '') {
    errs.push(required(restartPath, 'valid values: "OnFailure", "Never"'));
  } else if (restart !== 'OnFailure' && restart !== 'Never') {
    errs.push(notSupported(restartPath, restart, ['OnFailure', 'Never']));
  } else if (s.podFailurePolicy && restart !== 'Never') {
    errs.push(invalidValue(restartPath, restart, 'only "Never" is supported when podFailurePolicy is specified'));
  }
  return errs;
}

function validateJob(job: Job): FieldError[] {
  const spec = job.spec ?? ({} as JobSpec);
  const errs = [...validateGeneratedSelector(job), ...validateJobSpecCommon(spec, 'spec')];
  if (!spec.selector) errs.push(required('spec.selector'));
  else errs.push(...validateLabelSelector(spec.selector, 'spec.selector'));
  errs.push(...selectorMatchesTemplate(spec.selector, spec.template?.metadata?.labels, 'spec.template'));
  // Indexed pods are named <job>-<index>; the largest must still be a DNS label.
  if (spec.completionMode === 'Indexed' && (spec.completions ?? 0) > 0) {
    const name = job.metadata?.name ?? '';
    const hostname = `${name}-${spec.completions! - 1}`;
    if (isDNS1123Label(hostname).length) {
      errs.push(invalidValue('metadata.name', name, `will not able to create pod with invalid DNS label: ${hostname}`));
    }
  }
  return errs;
}

/** What a suspended job that never started may still change in its template. */
function withSchedulingDirectivesFrom(template: PodTemplateSpec | undefined, from: PodTemplateSpec | undefined): PodTemplateSpec {
  const t: PodTemplateSpec = structuredClone(template ?? {});
  const meta = t.metadata ?? (t.metadata = {});
  meta.labels = from?.metadata?.labels;
  meta.annotations = from?.metadata?.annotations;
  const spec = t.spec ?? (t.spec = { containers: [] });
  spec.nodeSelector = from?.spec?.nodeSelector;
  spec.tolerations = from?.spec?.tolerations;
  spec.schedulingGates = from?.spec?.schedulingGates;
  // Only node affinity may change; semanticEqual treats an emptied affinity as absent.
  spec.affinity = { ...(spec.affinity ?? {}), nodeAffinity: from?.spec?.affinity?.nodeAffinity };
  return t;
}

function validateJobUpdate(job: Job, old: Job): FieldError[] {
  const spec = job.spec ?? ({} as JobSpec);
  const oldSpec = old.spec ?? ({} as JobSpec);
  const errs: FieldError[] = [];
  // Completions may change only for Indexed jobs, and then together with parallelism.
  if (spec.completionMode !== 'Indexed') {
    if (!semanticEqual(spec.completions, oldSpec.completions)) errs.push(invalidValue('spec.completions', spec.completions ?? null, 'field is immutable'));
  } else if (spec.completions != null && spec.completions !== oldSpec.completions && spec.completions !== spec.parallelism) {
    errs.push(invalidValue('spec.completions', spec.completions, 'can only be modified in tandem with spec.parallelism'));
  }
  errs.push(...immutableSelector(spec.selector, oldSpec.selector, 'spec.selector'));
  const suspended = oldSpec.suspend === true;
  const notStarted = !old.status?.startTime;
  const oldTemplate = suspended && notStarted ? withSchedulingDirectivesFrom(oldSpec.template, spec.template) : oldSpec.template;
  if (!semanticEqual(spec.template, oldTemplate)) {
    // Upstream prints the whole internal PodTemplateSpec struct here; it is abbreviated.
    errs.push(invalidGo('spec.template', spec.template, 'core.PodTemplateSpec{...}', 'field is immutable'));
  }
  for (const field of ['completionMode', 'podFailurePolicy', 'backoffLimitPerIndex', 'managedBy', 'successPolicy'] as const) {
    if (!semanticEqual(spec[field], oldSpec[field])) errs.push(invalidValue(`spec.${field}`, spec[field] ?? null, 'field is immutable'));
  }
  return errs;
}

function hasCondition(job: Job, type: string): boolean {
  // Upstream looks at the first condition of the type only.
  const c = job.status?.conditions?.find((cond) => cond.type === type);
  return c?.status === 'True';
}

/** The Status cell: Complete, Failed, Terminating, Suspended, FailureTarget or Running. */
export function jobStatusCell(job: Job): string {
  if (hasCondition(job, 'Complete')) return 'Complete';
  if (hasCondition(job, 'Failed')) return 'Failed';
  if (job.metadata?.deletionTimestamp) return 'Terminating';
  if (hasCondition(job, 'Suspended')) return 'Suspended';
  if (hasCondition(job, 'FailureTarget')) return 'FailureTarget';
  return 'Running';
}

function completionsCell(job: Job): string {
  const succeeded = job.status?.succeeded ?? 0;
  if (job.spec?.completions != null) return `${succeeded}/${job.spec.completions}`;
  const parallelism = job.spec?.parallelism ?? 0;
  return parallelism > 1 ? `${succeeded}/1 of ${parallelism}` : `${succeeded}/1`;
}

function durationCell(job: Job, now: Date): string {
  const start = job.status?.startTime;
  if (!start) return '';
  const end = job.status?.completionTime ? Date.parse(job.status.completionTime) : now.getTime();
  return humanDuration(end - Date.parse(start));
}

export const jobs: ResourceDefinition<Job & KObject> = {
  group: 'batch',
  version: 'v1',
  kind: 'Job',
  plural: 'jobs',
  singular: 'job',
  namespaced: true,
  categories: ['all'],
  statusSubresource: true,
  generation: true,

  defaults: setDefaults,
  prepareForCreate(job) {
    resetStatus(job, {});
    if (job.spec?.manualSelector === true) return;
    // Job labels defaulted from the template follow it, as upstream's shared label map does.
    const mirrored = sameLabels(job.metadata?.labels, job.spec?.template?.metadata?.labels);
    generateSelector(job);
    if (mirrored) job.metadata!.labels = { ...job.spec!.template!.metadata!.labels };
  },
  prepareForUpdate(job, old) {
    keepStoredStatus(job, old);
  },
  validate: validateJob,
  validateUpdate: validateJobUpdate,
  validateStatus(job) {
    const s = job.status ?? {};
    return [
      ...nonNegative(s.active, 'status.active'),
      ...nonNegative(s.succeeded, 'status.succeeded'),
      ...nonNegative(s.failed, 'status.failed'),
      ...nonNegative(s.ready, 'status.ready'),
      ...nonNegative(s.terminating, 'status.terminating'),
    ];
  },
  fieldSelectors: {
    'status.successful': (job) => String(job.status?.succeeded ?? 0),
  },

  table: {
    columns: [
      NAME_COLUMN,
      { name: 'Status', type: 'string', description: 'Status of the job.' },
      { name: 'Completions', type: 'string', description: 'The number of pods which reached phase Succeeded. The value increases monotonically for a given spec. However, it may decrease in reaction to scale down of elastic indexed jobs.' },
      { name: 'Duration', type: 'string', description: 'Time required to complete the job.' },
      AGE_COLUMN,
      CONTAINERS_COLUMN,
      IMAGES_COLUMN,
      selectorColumn('A label query over pods that should match the pod count. Normally, the system sets this field for you. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors'),
    ],
    row(job, ctx) {
      const [names, images] = containerCells(job.spec?.template?.spec);
      return [
        job.metadata?.name ?? '',
        jobStatusCell(job),
        completionsCell(job),
        durationCell(job, ctx.now),
        ctx.age(job.metadata?.creationTimestamp),
        names,
        images,
        formatLabelSelector(job.spec?.selector),
      ];
    },
  },
};
