// batch/v1 CronJob: upstream defaults, validation (schedule, time zone, job template), update
// strategy and table.
import type { CronJob, CronJobSpec, JobTemplateSpec } from 'kubernetes-types/batch/v1';
import type { KObject, ResourceDefinition } from '../../types.ts';
import { type FieldError, invalidValue, notSupported, required } from '../../../machinery/validation.ts';
import { defaultPodTemplateSpec } from '../../core/v1/pod-spec.ts';
import { goLabelSelector, invalidGo } from '../../common/go-value.ts';
import { keepStoredStatus, nonNegative, resetStatus } from '../../common/workload-validation.ts';
import {
  AGE_COLUMN, CONTAINERS_COLUMN, IMAGES_COLUMN, NAME_COLUMN, containerCells, formatLabelSelector, selectorColumn,
} from '../../common/workload-table.ts';
import { cronScheduleError } from './cron-schedule.ts';
import { validateJobSpecCommon } from './jobs.ts';

/** Job names are <cronjob>-<11-digit timestamp> and must fit in 63 characters. */
const MAX_CRONJOB_NAME_LENGTH = 63 - 11;

/** Whether Go's time.LoadLocation knows the zone ("" and "UTC" are UTC, "Local" the host's). */
export function isKnownTimeZone(name: string): boolean {
  if (name === '' || name === 'UTC' || name === 'Local') return true;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

// IANA naming rules for one path component (digits and "+" tolerated for legacy names).
const TIME_ZONE_PART = /^[A-Za-z.\-_0-9+]{1,14}$/;

function validateTimeZone(tz: string | undefined, path: string): FieldError[] {
  if (tz === undefined || tz === null) return [];
  if (tz === '') return [invalidValue(path, tz, 'timeZone must be nil or non-empty string')];
  for (const part of tz.split('/')) {
    if (part === '.' || part === '..' || part.startsWith('-') || !TIME_ZONE_PART.test(part)) {
      return [invalidValue(path, tz, `unknown time zone ${tz}`)];
    }
  }
  const errs: FieldError[] = [];
  if (tz.toLowerCase() === 'local') errs.push(invalidValue(path, tz, 'timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones'));
  if (!isKnownTimeZone(tz)) errs.push(invalidValue(path, tz, `unknown time zone ${tz}`));
  return errs;
}

function validateSchedule(schedule: string, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const parseError = cronScheduleError(schedule, isKnownTimeZone);
  if (parseError) errs.push(invalidValue(path, schedule, parseError));
  if (schedule.includes('TZ')) errs.push(invalidValue(path, schedule, 'cannot use TZ or CRON_TZ in schedule, use timeZone field instead'));
  return errs;
}

function validateJobTemplate(template: JobTemplateSpec | undefined, path: string): FieldError[] {
  const spec = template?.spec;
  const errs = validateJobSpecCommon(spec, `${path}.spec`);
  // The CronJob controller generates each Job's selector.
  if (spec?.selector) errs.push(invalidGo(`${path}.spec.selector`, spec.selector, goLabelSelector(spec.selector), '`selector` will be auto-generated'));
  if (spec?.manualSelector === true) errs.push(notSupported(`${path}.spec.manualSelector`, true, ['nil', 'false']));
  return errs;
}

function validateSpec(spec: CronJobSpec | undefined, path: string): FieldError[] {
  const s = spec ?? ({} as CronJobSpec);
  const errs: FieldError[] = [];
  if (!s.schedule) errs.push(required(`${path}.schedule`));
  else errs.push(...validateSchedule(s.schedule, `${path}.schedule`));
  errs.push(...nonNegative(s.startingDeadlineSeconds, `${path}.startingDeadlineSeconds`));
  errs.push(...validateTimeZone(s.timeZone, `${path}.timeZone`));
  const policy = s.concurrencyPolicy ?? '';
  if (policy === '') errs.push(required(`${path}.concurrencyPolicy`));
  else if (!['Allow', 'Forbid', 'Replace'].includes(policy)) errs.push(notSupported(`${path}.concurrencyPolicy`, policy, ['Allow', 'Forbid', 'Replace']));
  errs.push(...validateJobTemplate(s.jobTemplate, `${path}.jobTemplate`));
  errs.push(...nonNegative(s.successfulJobsHistoryLimit, `${path}.successfulJobsHistoryLimit`));
  errs.push(...nonNegative(s.failedJobsHistoryLimit, `${path}.failedJobsHistoryLimit`));
  return errs;
}

export const cronJobs: ResourceDefinition<CronJob & KObject> = {
  group: 'batch',
  version: 'v1',
  kind: 'CronJob',
  plural: 'cronjobs',
  singular: 'cronjob',
  namespaced: true,
  shortNames: ['cj'],
  categories: ['all'],
  statusSubresource: true,
  generation: true,

  defaults(cj) {
    const spec = cj.spec ?? (cj.spec = {} as CronJobSpec);
    if (!spec.concurrencyPolicy) spec.concurrencyPolicy = 'Allow';
    spec.suspend ??= false;
    spec.successfulJobsHistoryLimit ??= 3;
    spec.failedJobsHistoryLimit ??= 1;
    // The job template gets pod defaults but not Job defaults (those apply to each created Job).
    defaultPodTemplateSpec(spec.jobTemplate?.spec?.template);
  },
  prepareForCreate(cj) {
    resetStatus(cj, {});
  },
  prepareForUpdate(cj, old) {
    keepStoredStatus(cj, old);
  },
  validate(cj) {
    const errs = validateSpec(cj.spec, 'spec');
    // Checked after the spec, as upstream does on create; names cannot change afterwards.
    const name = cj.metadata?.name ?? '';
    if (name.length > MAX_CRONJOB_NAME_LENGTH) {
      errs.push(invalidValue('metadata.name', name, `must be no more than ${MAX_CRONJOB_NAME_LENGTH} characters`));
    }
    return errs;
  },

  table: {
    columns: [
      NAME_COLUMN,
      { name: 'Schedule', type: 'string', description: 'The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron.' },
      { name: 'Timezone', type: 'string', description: 'The time zone name for the given schedule, see https://en.wikipedia.org/wiki/List_of_tz_database_time_zones. If not specified, this will default to the time zone of the kube-controller-manager process. The set of valid time zone names and the time zone offset is loaded from the system-wide time zone database by the API server during CronJob validation and the controller manager during execution. If no system-wide time zone database can be found a bundled version of the database is used instead. If the time zone name becomes invalid during the lifetime of a CronJob or due to a change in host configuration, the controller will stop creating new new Jobs and will create a system event with the reason UnknownTimeZone. More information can be found in https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/#time-zones' },
      { name: 'Suspend', type: 'boolean', description: 'This flag tells the controller to suspend subsequent executions, it does not apply to already started executions.  Defaults to false.' },
      { name: 'Active', type: 'integer', description: 'A list of pointers to currently running jobs.' },
      { name: 'Last Schedule', type: 'string', description: 'Information when was the last time the job was successfully scheduled.' },
      AGE_COLUMN,
      CONTAINERS_COLUMN,
      IMAGES_COLUMN,
      selectorColumn('A label query over pods that should match the pod count. Normally, the system sets this field for you. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors'),
    ],
    row(cj, ctx) {
      const spec = cj.spec;
      const [names, images] = containerCells(spec?.jobTemplate?.spec?.template?.spec);
      const suspend = spec?.suspend === undefined || spec?.suspend === null ? '<unset>' : spec.suspend ? 'True' : 'False';
      const last = cj.status?.lastScheduleTime;
      return [
        cj.metadata?.name ?? '',
        spec?.schedule ?? '',
        spec?.timeZone ?? '<none>',
        suspend,
        cj.status?.active?.length ?? 0,
        last ? ctx.age(last) : '<none>',
        ctx.age(cj.metadata?.creationTimestamp),
        names,
        images,
        formatLabelSelector(spec?.jobTemplate?.spec?.selector),
      ];
    },
  },
};
