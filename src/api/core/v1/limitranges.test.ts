import { test } from 'node:test';
import assert from 'node:assert/strict';
import { limitRanges } from './limitranges.ts';
import { age } from '../../../machinery/duration.ts';

const now = new Date('2024-05-01T12:00:00Z');
const ctx = { now, age: (t: string | undefined) => age(t, now) };

function written(limits: unknown[]): any {
  const lr: any = { metadata: { name: 'limits', namespace: 'default', creationTimestamp: '2024-05-01T11:00:00Z' }, spec: { limits: structuredClone(limits) } };
  limitRanges.defaults!(lr);
  return lr;
}
const errors = (limits: unknown[]) => limitRanges.validate!(written(limits)).map(String);
const q = (value: number, scale: number, s: string) =>
  `resource.Quantity{i:resource.int64Amount{value:${value}, scale:${scale}}, d:resource.infDecAmount{Dec:(*inf.Dec)(nil)}, s:"${s}", Format:"DecimalSI"}`;

test('container limits default from max, then default, then min', () => {
  const lr = written([{ type: 'Container', max: { cpu: '800m' }, min: { cpu: '200m', memory: '64Mi' } }]);
  assert.deepEqual(lr.spec.limits[0].default, { cpu: '800m' });
  assert.deepEqual(lr.spec.limits[0].defaultRequest, { cpu: '800m', memory: '64Mi' });
  assert.deepEqual(limitRanges.validate!(lr), []);
  const pod = written([{ type: 'Pod', max: { cpu: '2' } }]);
  assert.equal(pod.spec.limits[0].default, undefined);
});

test('quantities are rounded up to milli-units', () => {
  assert.deepEqual(written([{ type: 'Pod', max: { cpu: '100u' } }]).spec.limits[0].max, { cpu: '1m' });
});

test('the bounds must be ordered', () => {
  assert.deepEqual(errors([{ type: 'Pod', min: { cpu: '2' }, max: { cpu: '1' } }]), [
    `spec.limits[0].min[cpu]: Invalid value: ${q(2, 0, '2')}: min value 2 is greater than max value 1`,
  ]);
  assert.deepEqual(errors([{ type: 'Container', default: { cpu: '500m' }, defaultRequest: { cpu: '600m' } }]), [
    `spec.limits[0].defaultRequest[cpu]: Invalid value: ${q(600, -3, '600m')}: default request value 600m is greater than default limit value 500m`,
  ]);
  assert.deepEqual(errors([{ type: 'Container', max: { memory: '1Gi' }, default: { memory: '2Gi' } }]), [
    'spec.limits[0].defaultRequest[memory]: Invalid value: resource.Quantity{i:resource.int64Amount{value:2147483648, scale:0}, d:resource.infDecAmount{Dec:(*inf.Dec)(nil)}, s:"2Gi", Format:"BinarySI"}: default request value 2Gi is greater than max value 1Gi',
    // upstream shows the max's value for this one
    'spec.limits[0].default[memory]: Invalid value: resource.Quantity{i:resource.int64Amount{value:1073741824, scale:0}, d:resource.infDecAmount{Dec:(*inf.Dec)(nil)}, s:"1Gi", Format:"BinarySI"}: default value 2Gi is greater than max value 1Gi',
  ]);
});

test('ratios', () => {
  assert.deepEqual(errors([{ type: 'Pod', maxLimitRequestRatio: { cpu: '0.5' } }]), [
    `spec.limits[0].maxLimitRequestRatio[cpu]: Invalid value: ${q(5, -1, '')}: ratio 500m is less than 1`,
  ]);
  assert.deepEqual(errors([{ type: 'Pod', min: { cpu: '100m' }, max: { cpu: '1' }, maxLimitRequestRatio: { cpu: '20' } }]), [
    `spec.limits[0].maxLimitRequestRatio[cpu]: Invalid value: ${q(20, 0, '20')}: ratio 20 is greater than max/min = 10.000000`,
  ]);
});

test('types, names and per-type rules', () => {
  assert.deepEqual(errors([{ type: 'Pod', default: { cpu: '1' } }]), ["spec.limits[0].default: Forbidden: may not be specified when `type` is 'Pod'"]);
  assert.deepEqual(errors([{ type: 'PersistentVolumeClaim', max: { cpu: '1' } }]), [
    'spec.limits[0].limits: Required value: either minimum or maximum storage value is required, but neither was provided',
  ]);
  assert.deepEqual(errors([{ type: 'PersistentVolumeClaim', max: { storage: '10Gi' } }]), []);
  assert.deepEqual(errors([{ type: 'Node' }]), ['spec.limits[0].type: Invalid value: "Node": must be a standard limit type or fully qualified']);
  assert.deepEqual(errors([{ type: 'Pod' }, { type: 'Pod' }]), ['spec.limits[1].type: Duplicate value: "Pod"']);
  assert.deepEqual(errors([{ type: 'Pod', max: { storage: '1Gi' } }]), [
    'spec.limits[0].max[storage]: Invalid value: "storage": must be a standard resource for containers',
  ]);
  assert.deepEqual(errors([{ type: 'Container', default: { 'nvidia.com/gpu': '2' }, defaultRequest: { 'nvidia.com/gpu': '1' } }]), [
    `spec.limits[0].defaultRequest[nvidia.com/gpu]: Invalid value: ${q(1, 0, '1')}: default value 2 must equal to defaultRequest value 1 in nvidia.com/gpu`,
  ]);
});

test('table: the default name and creation-time columns', () => {
  assert.deepEqual(limitRanges.table.columns.map((c) => [c.name, c.type]), [['Name', 'string'], ['Created At', 'date']]);
  assert.deepEqual(limitRanges.table.row(written([]), ctx), ['limits', '2024-05-01T11:00:00Z']);
  assert.deepEqual(limitRanges.shortNames, ['limits']);
});
