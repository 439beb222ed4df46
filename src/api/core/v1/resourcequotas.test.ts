import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resourceQuotas } from './resourcequotas.ts';
import { age } from '../../../machinery/duration.ts';

const now = new Date('2024-05-01T12:00:00Z');
const ctx = { now, age: (t: string | undefined) => age(t, now) };

function created(spec: unknown): any {
  const rq: any = { metadata: { name: 'quota', namespace: 'default', creationTimestamp: '2024-05-01T10:00:00Z' }, spec: structuredClone(spec), status: { used: { pods: '3' } } };
  resourceQuotas.defaults!(rq);
  resourceQuotas.prepareForCreate!(rq);
  return rq;
}
const errors = (spec: unknown) => resourceQuotas.validate!(created(spec)).map(String);

test('status is reset on create', () => {
  const rq = created({ hard: { pods: '10' } });
  assert.deepEqual(rq.status, {});
  assert.deepEqual(resourceQuotas.validate!(rq), []);
});

test('hard limits: names and values', () => {
  assert.deepEqual(errors({ hard: { cpus: '1' } }), [
    'spec.hard[cpus]: Invalid value: "cpus": must be a standard resource type or fully qualified',
    'spec.hard[cpus]: Invalid value: "cpus": must be a standard resource for quota',
  ]);
  assert.deepEqual(errors({ hard: { cpu: '-1' } }), ['spec.hard[cpu]: Invalid value: "-1": must be greater than or equal to 0']);
  assert.deepEqual(errors({ hard: { pods: '1.5' } }), [
    'spec.hard[pods]: Invalid value: resource.Quantity{i:resource.int64Amount{value:15, scale:-1}, d:resource.infDecAmount{Dec:(*inf.Dec)(nil)}, s:"", Format:"DecimalSI"}: must be an integer',
  ]);
  assert.deepEqual(errors({ hard: { 'count/deployments.apps': '5', 'requests.nvidia.com/gpu': '4', 'requests.storage': '100Gi' } }), []);
});

test('scopes', () => {
  assert.deepEqual(errors({ hard: { pods: '5' }, scopes: ['BestEffort', 'NotBestEffort'] }), [
    'spec.scopes: Invalid value: []core.ResourceQuotaScope{"BestEffort", "NotBestEffort"}: conflicting scopes',
  ]);
  assert.deepEqual(errors({ hard: { cpu: '1' }, scopes: ['BestEffort'] }), [
    'spec.scopes: Invalid value: []core.ResourceQuotaScope{"BestEffort"}: unsupported scope applied to resource',
  ]);
  assert.deepEqual(errors({ hard: { pods: '5' }, scopes: ['Sometimes'] }), [
    'spec.scopes: Invalid value: []core.ResourceQuotaScope{"Sometimes"}: unsupported scope',
  ]);
  assert.deepEqual(errors({ hard: { pods: '5' }, scopeSelector: { matchExpressions: [{ scopeName: 'PriorityClass', operator: 'In' }] } }), [
    "spec.scopeSelector.matchExpressions.values: Required value: must be at least one value when `operator` is 'In' or 'NotIn' for scope selector",
  ]);
  assert.deepEqual(errors({ hard: { pods: '5' }, scopeSelector: { matchExpressions: [{ scopeName: 'PriorityClass', operator: 'In', values: ['high'] }] } }), []);
});

test('scopes are immutable', () => {
  const old = created({ hard: { pods: '5' }, scopes: ['Terminating'] });
  const next = created({ hard: { pods: '6' }, scopes: ['NotTerminating'] });
  assert.deepEqual(resourceQuotas.validateUpdate!(next, old).map(String), [
    'spec.scopes: Invalid value: []core.ResourceQuotaScope{"NotTerminating"}: field is immutable',
  ]);
  assert.deepEqual(resourceQuotas.validateUpdate!(created({ hard: { pods: '9' }, scopes: ['Terminating'] }), old), []);
});

test('status writes are checked', () => {
  const rq = created({ hard: { pods: '5' } });
  rq.status = { hard: { pods: '5' }, used: { pods: '-1' } };
  assert.deepEqual(resourceQuotas.validateStatus!(rq, rq).map(String), ['status.used[pods]: Invalid value: "-1": must be greater than or equal to 0']);
});

test('table: Request and Limit show used/hard sorted by resource', () => {
  assert.deepEqual(resourceQuotas.table.columns.map((c) => c.name), ['Name', 'Age', 'Request', 'Limit']);
  const rq = created({ hard: {} });
  rq.status = {
    hard: { pods: '10', 'requests.cpu': '1', 'limits.cpu': '2', 'requests.memory': '1Gi', 'limits.memory': '2048Mi' },
    used: { pods: '1', 'requests.cpu': '0', 'limits.cpu': '500m' },
  };
  assert.deepEqual(resourceQuotas.table.row(rq, ctx), [
    'quota', '120m', 'pods: 1/10, requests.cpu: 0/1, requests.memory: 0/1Gi', 'limits.cpu: 500m/2, limits.memory: 0/2Gi',
  ]);
  assert.deepEqual(resourceQuotas.table.row(created({}), ctx), ['quota', '120m', '', '']);
});
