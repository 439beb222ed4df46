import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ResourceDefinition, TableContext } from '../../types.ts';
import { age } from '../../../machinery/duration.ts';
import { jobs } from './jobs.ts';

const now = new Date('2024-02-25T18:00:00Z');
const ctx: TableContext = { now, age: (ts) => age(ts, now) };
const UID = '863452e6-270d-420e-9b94-53a54146c223';

function create(def: ResourceDefinition, input: object): { obj: any; errors: string[] } {
  const obj: any = structuredClone(input);
  obj.metadata = { uid: UID, creationTimestamp: '2024-02-25T17:40:15Z', ...obj.metadata };
  def.defaults?.(obj);
  def.prepareForCreate?.(obj);
  return { obj, errors: (def.validate?.(obj) ?? []).map(String) };
}

function update(def: ResourceDefinition, old: object, change: (o: any) => void): { obj: any; errors: string[] } {
  const obj: any = structuredClone(old);
  change(obj);
  def.defaults?.(obj);
  def.prepareForUpdate?.(obj, old as any);
  return { obj, errors: [...(def.validate?.(obj) ?? []), ...(def.validateUpdate?.(obj, old as any) ?? [])].map(String) };
}

// The "pi" Job from the Kubernetes documentation.
const pi = {
  apiVersion: 'batch/v1', kind: 'Job',
  metadata: { name: 'pi' },
  spec: {
    template: { spec: { containers: [{ name: 'pi', image: 'perl:5.34.0', command: ['perl', '-Mbignum=bpi', '-wle', 'print bpi(2000)'] }], restartPolicy: 'Never' } },
    backoffLimit: 4,
  },
};

test('Job: upstream defaults', () => {
  const { obj, errors } = create(jobs, pi);
  assert.deepEqual(errors, []);
  assert.equal(obj.spec.completions, 1);
  assert.equal(obj.spec.parallelism, 1);
  assert.equal(obj.spec.backoffLimit, 4);
  assert.equal(obj.spec.completionMode, 'NonIndexed');
  assert.equal(obj.spec.suspend, false);
  assert.equal(obj.spec.podReplacementPolicy, 'TerminatingOrFailed');
  assert.deepEqual(obj.status, {});
  const plain = create(jobs, { metadata: { name: 'j' }, spec: { parallelism: 3, template: pi.spec.template } }).obj;
  assert.equal(plain.spec.completions, undefined, 'completions stay unset when parallelism is given');
  assert.equal(plain.spec.backoffLimit, 6);
  const withPolicy = create(jobs, { metadata: { name: 'j' }, spec: { ...pi.spec, podFailurePolicy: { rules: [{ action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget' }] }] } } }).obj;
  assert.equal(withPolicy.spec.podReplacementPolicy, 'Failed');
  assert.equal(withPolicy.spec.podFailurePolicy.rules[0].onPodConditions[0].status, 'True');
});

test('Job: the selector and pod labels are generated from the uid and name', () => {
  const { obj } = create(jobs, pi);
  const generated = {
    'batch.kubernetes.io/controller-uid': UID, 'batch.kubernetes.io/job-name': 'pi', 'controller-uid': UID, 'job-name': 'pi',
  };
  assert.deepEqual(obj.spec.selector, { matchLabels: { 'batch.kubernetes.io/controller-uid': UID } });
  assert.deepEqual(obj.spec.template.metadata.labels, generated);
  // The job's own labels follow the template's, as upstream's defaulting shows them.
  assert.deepEqual(obj.metadata.labels, generated);
  const labelled = create(jobs, { ...pi, metadata: { name: 'pi', labels: { team: 'a' } } }).obj;
  assert.deepEqual(labelled.metadata.labels, { team: 'a' });
});

test('Job: a manual selector is left alone', () => {
  const manual = {
    metadata: { name: 'm' },
    spec: { manualSelector: true, selector: { matchLabels: { app: 'm' } }, template: { ...pi.spec.template, metadata: { labels: { app: 'm' } } } },
  };
  const { obj, errors } = create(jobs, manual);
  assert.deepEqual(errors, []);
  assert.deepEqual(obj.spec.selector, { matchLabels: { app: 'm' } });
  assert.deepEqual(obj.spec.template.metadata.labels, { app: 'm' });
});

test('Job: validation messages match upstream', () => {
  const cases: { name: string; input: any; want: string[] }[] = [
    { name: 'restartPolicy left to default', input: { metadata: { name: 'j' }, spec: { template: { spec: { containers: pi.spec.template.spec.containers } } } },
      want: ['spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"'] },
    { name: 'restartPolicy Always', input: { metadata: { name: 'j' }, spec: { template: { spec: { ...pi.spec.template.spec, restartPolicy: 'Always' } } } },
      want: ['spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"'] },
    { name: 'negative counts', input: { metadata: { name: 'j' }, spec: { ...pi.spec, parallelism: -1, completions: -2, backoffLimit: -3 } },
      want: [
        'spec.parallelism: Invalid value: -1: must be greater than or equal to 0',
        'spec.completions: Invalid value: -2: must be greater than or equal to 0',
        'spec.backoffLimit: Invalid value: -3: must be greater than or equal to 0',
      ] },
    { name: 'bad completion mode', input: { metadata: { name: 'j' }, spec: { ...pi.spec, completionMode: 'Sparse' } },
      want: ['spec.completionMode: Unsupported value: "Sparse": supported values: "NonIndexed", "Indexed"'] },
    { name: 'bad replacement policy', input: { metadata: { name: 'j' }, spec: { ...pi.spec, podReplacementPolicy: 'Never' } },
      want: ['spec.podReplacementPolicy: Unsupported value: "Never": supported values: "Failed", "TerminatingOrFailed"'] },
    { name: 'per-index limit needs Indexed', input: { metadata: { name: 'j' }, spec: { ...pi.spec, backoffLimitPerIndex: 1 } },
      want: ['spec.backoffLimitPerIndex: Invalid value: 1: requires indexed completion mode'] },
    { name: 'user selector without manualSelector', input: { metadata: { name: 'j' }, spec: { ...pi.spec, selector: { matchLabels: { app: 'x' } } } },
      want: [
        'spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"x", "batch.kubernetes.io/controller-uid":"863452e6-270d-420e-9b94-53a54146c223"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: `selector` not auto-generated',
        'spec.template.metadata.labels: Invalid value: map[string]string{"batch.kubernetes.io/controller-uid":"863452e6-270d-420e-9b94-53a54146c223", "batch.kubernetes.io/job-name":"j", "controller-uid":"863452e6-270d-420e-9b94-53a54146c223", "job-name":"j"}: `selector` does not match template `labels`',
      ] },
    { name: 'conflicting generated label', input: { metadata: { name: 'j' }, spec: { template: { ...pi.spec.template, metadata: { labels: { 'job-name': 'other' } } } } },
      want: [`spec.template.metadata.labels[job-name]: Invalid value: map[string]string{"batch.kubernetes.io/controller-uid":"863452e6-270d-420e-9b94-53a54146c223", "batch.kubernetes.io/job-name":"j", "controller-uid":"863452e6-270d-420e-9b94-53a54146c223", "job-name":"other"}: must be 'j'`] },
    { name: 'manual selector missing', input: { metadata: { name: 'j' }, spec: { ...pi.spec, manualSelector: true } },
      want: ['spec.selector: Required value', 'spec.template.metadata.labels: Invalid value: map[string]string(nil): `selector` does not match template `labels`'] },
    { name: 'indexed pod names must be DNS labels', input: { metadata: { name: 'a'.repeat(62) }, spec: { ...pi.spec, completionMode: 'Indexed', completions: 10 } },
      want: [`metadata.name: Invalid value: "${'a'.repeat(62)}": will not able to create pod with invalid DNS label: ${'a'.repeat(62)}-9`] },
  ];
  for (const c of cases) assert.deepEqual(create(jobs, c.input).errors, c.want, c.name);
});

test('Job: immutable fields on update; suspended jobs may change scheduling directives', () => {
  const { obj: stored } = create(jobs, pi);
  assert.deepEqual(update(jobs, stored, (j) => { j.spec.backoffLimit = 10; j.metadata.annotations = { a: 'b' }; }).errors, []);
  assert.deepEqual(update(jobs, stored, (j) => { j.spec.completions = 3; }).errors, ['spec.completions: Invalid value: 3: field is immutable']);
  assert.deepEqual(update(jobs, stored, (j) => { j.spec.template.spec.containers[0].image = 'perl:6'; }).errors,
    ['spec.template: Invalid value: core.PodTemplateSpec{...}: field is immutable']);
  assert.deepEqual(update(jobs, stored, (j) => { j.spec.selector = { matchLabels: { 'batch.kubernetes.io/controller-uid': UID, 'job-name': 'pi' } }; }).errors, [
    'spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"batch.kubernetes.io/controller-uid":"863452e6-270d-420e-9b94-53a54146c223", "job-name":"pi"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable',
  ]);
  const suspended = create(jobs, { ...pi, spec: { ...pi.spec, suspend: true } }).obj;
  assert.deepEqual(update(jobs, suspended, (j) => { j.spec.template.spec.nodeSelector = { disk: 'ssd' }; }).errors, []);
  assert.deepEqual(update(jobs, suspended, (j) => { j.spec.template.spec.containers[0].image = 'perl:6'; }).errors,
    ['spec.template: Invalid value: core.PodTemplateSpec{...}: field is immutable']);
});

test('Job: table cells follow upstream printJob', () => {
  const { obj } = create(jobs, pi);
  assert.deepEqual(jobs.table.columns.map((c) => [c.name, c.priority ?? 0]), [
    ['Name', 0], ['Status', 0], ['Completions', 0], ['Duration', 0], ['Age', 0], ['Containers', 1], ['Images', 1], ['Selector', 1],
  ]);
  assert.deepEqual(jobs.table.row(obj, ctx), ['pi', 'Running', '0/1', '', '19m', 'pi', 'perl:5.34.0', `batch.kubernetes.io/controller-uid=${UID}`]);

  const running = structuredClone(obj);
  running.status = { startTime: '2024-02-25T17:58:00Z', active: 1 };
  assert.deepEqual(jobs.table.row(running, ctx).slice(1, 4), ['Running', '0/1', '2m']);

  const done = structuredClone(obj);
  done.status = { startTime: '2024-02-25T17:40:16Z', completionTime: '2024-02-25T17:40:54Z', succeeded: 1,
    conditions: [{ type: 'SuccessCriteriaMet', status: 'True' }, { type: 'Complete', status: 'True' }] };
  assert.deepEqual(jobs.table.row(done, ctx).slice(1, 4), ['Complete', '1/1', '38s']);

  const cases: [any, string][] = [
    [{ conditions: [{ type: 'Failed', status: 'True' }] }, 'Failed'],
    [{ conditions: [{ type: 'Suspended', status: 'True' }] }, 'Suspended'],
    [{ conditions: [{ type: 'Suspended', status: 'False' }] }, 'Running'],
    [{ conditions: [{ type: 'FailureTarget', status: 'True' }] }, 'FailureTarget'],
  ];
  for (const [status, want] of cases) assert.equal(jobs.table.row({ ...obj, status }, ctx)[1], want);
  assert.equal(jobs.table.row({ ...obj, metadata: { ...obj.metadata, deletionTimestamp: '2024-02-25T17:59:00Z' } }, ctx)[1], 'Terminating');

  const parallel = create(jobs, { metadata: { name: 'p' }, spec: { parallelism: 3, template: pi.spec.template } }).obj;
  assert.equal(jobs.table.row(parallel, ctx)[2], '0/1 of 3');
  assert.equal(jobs.fieldSelectors!['status.successful'](done), '1');
});
