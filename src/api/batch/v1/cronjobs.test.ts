import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TableContext } from '../../types.ts';
import { age } from '../../../machinery/duration.ts';
import { cronJobs } from './cronjobs.ts';

const now = new Date('2024-02-25T18:00:00Z');
const ctx: TableContext = { now, age: (ts) => age(ts, now) };

function create(input: object): { obj: any; errors: string[] } {
  const obj: any = structuredClone(input);
  obj.metadata = { uid: 'u-1', creationTimestamp: '2024-02-25T12:00:00Z', ...obj.metadata };
  cronJobs.defaults!(obj);
  cronJobs.prepareForCreate!(obj);
  return { obj, errors: cronJobs.validate!(obj).map(String) };
}

const hello = {
  metadata: { name: 'hello' },
  spec: {
    schedule: '* * * * *',
    jobTemplate: {
      spec: {
        template: { spec: { containers: [{ name: 'hello', image: 'busybox:1.28', command: ['date'] }], restartPolicy: 'OnFailure' } },
      },
    },
  },
};

test('CronJob: upstream defaults (the job template gets pod defaults only)', () => {
  const { obj, errors } = create(hello);
  assert.deepEqual(errors, []);
  assert.equal(obj.spec.concurrencyPolicy, 'Allow');
  assert.equal(obj.spec.suspend, false);
  assert.equal(obj.spec.successfulJobsHistoryLimit, 3);
  assert.equal(obj.spec.failedJobsHistoryLimit, 1);
  assert.equal(obj.spec.jobTemplate.spec.backoffLimit, undefined);
  assert.equal(obj.spec.jobTemplate.spec.template.spec.restartPolicy, 'OnFailure');
  assert.deepEqual(obj.status, {});
});

test('CronJob: validation messages match upstream', () => {
  const withSpec = (spec: object, metadata: object = hello.metadata) => ({ metadata, spec: { ...hello.spec, ...spec } });
  const cases: { name: string; input: any; want: string[] }[] = [
    { name: 'missing schedule', input: withSpec({ schedule: '' }), want: ['spec.schedule: Required value'] },
    { name: 'four fields', input: withSpec({ schedule: '* * * *' }),
      want: ['spec.schedule: Invalid value: "* * * *": expected exactly 5 fields, found 4: [* * * *]'] },
    { name: 'out of range', input: withSpec({ schedule: '0 25 * * *' }),
      want: ['spec.schedule: Invalid value: "0 25 * * *": end of range (25) above maximum (23): 25'] },
    { name: 'TZ in schedule', input: withSpec({ schedule: 'TZ=UTC 0 * * * *' }),
      want: ['spec.schedule: Invalid value: "TZ=UTC 0 * * * *": cannot use TZ or CRON_TZ in schedule, use timeZone field instead'] },
    { name: 'unknown time zone', input: withSpec({ timeZone: 'Mars/Olympus' }),
      want: ['spec.timeZone: Invalid value: "Mars/Olympus": unknown time zone Mars/Olympus'] },
    { name: 'Local time zone', input: withSpec({ timeZone: 'Local' }),
      want: ['spec.timeZone: Invalid value: "Local": timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones'] },
    { name: 'bad concurrency policy', input: withSpec({ concurrencyPolicy: 'Sometimes' }),
      want: ['spec.concurrencyPolicy: Unsupported value: "Sometimes": supported values: "Allow", "Forbid", "Replace"'] },
    { name: 'job template restartPolicy', input: withSpec({ jobTemplate: { spec: { template: { spec: { containers: hello.spec.jobTemplate.spec.template.spec.containers } } } } }),
      want: ['spec.jobTemplate.spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"'] },
    { name: 'job template selector', input: withSpec({ jobTemplate: { spec: { ...hello.spec.jobTemplate.spec, selector: { matchLabels: { a: 'b' } }, manualSelector: true } } }),
      want: [
        'spec.jobTemplate.spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"a":"b"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: `selector` will be auto-generated',
        'spec.jobTemplate.spec.manualSelector: Unsupported value: true: supported values: "nil", "false"',
      ] },
    { name: 'negative history', input: withSpec({ successfulJobsHistoryLimit: -1 }),
      want: ['spec.successfulJobsHistoryLimit: Invalid value: -1: must be greater than or equal to 0'] },
    { name: 'name longer than 52', input: withSpec({}, { name: 'c'.repeat(53) }),
      want: [`metadata.name: Invalid value: "${'c'.repeat(53)}": must be no more than 52 characters`] },
  ];
  for (const c of cases) assert.deepEqual(create(c.input).errors, c.want, c.name);
  assert.deepEqual(create(withSpec({ schedule: '@daily', timeZone: 'Europe/Paris' }, { name: 'c'.repeat(52) })).errors, []);
});

test('CronJob: table cells follow upstream printCronJob', () => {
  const { obj } = create(hello);
  assert.deepEqual(cronJobs.table.columns.map((c) => [c.name, c.priority ?? 0]), [
    ['Name', 0], ['Schedule', 0], ['Timezone', 0], ['Suspend', 0], ['Active', 0], ['Last Schedule', 0], ['Age', 0],
    ['Containers', 1], ['Images', 1], ['Selector', 1],
  ]);
  assert.deepEqual(cronJobs.table.row(obj, ctx), ['hello', '* * * * *', '<none>', 'False', 0, '<none>', '6h', 'hello', 'busybox:1.28', '<none>']);
  obj.spec.timeZone = 'Europe/Paris';
  obj.spec.suspend = true;
  obj.status = { active: [{ name: 'hello-28480200' }], lastScheduleTime: '2024-02-25T17:59:00Z' };
  assert.deepEqual(cronJobs.table.row(obj, ctx).slice(2, 6), ['Europe/Paris', 'True', 1, '60s']);
});

test('CronJob: update keeps the stored status', () => {
  const { obj: stored } = create(hello);
  stored.status = { lastScheduleTime: '2024-02-25T17:59:00Z' };
  const next: any = structuredClone(stored);
  next.status = {};
  next.spec.suspend = true;
  cronJobs.prepareForUpdate!(next, stored);
  assert.deepEqual(next.status, stored.status);
});
