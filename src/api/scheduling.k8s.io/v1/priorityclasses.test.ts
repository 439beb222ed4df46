import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PriorityClass } from 'kubernetes-types/scheduling/v1';
import type { KObject, TableContext } from '../../types.ts';
import { age } from '../../../machinery/duration.ts';
import { bootstrapPriorityClasses, priorityClasses } from './priorityclasses.ts';

const now = new Date('2024-05-01T10:00:00Z');
const ctx: TableContext = { now, age: (ts) => age(ts, now) };
type Obj = PriorityClass & KObject;
const pc = (name: string, fields: Partial<Obj> = {}): Obj => ({ metadata: { name, creationTimestamp: '2024-04-01T10:00:00Z' }, value: 1000, ...fields });
const errors = (obj: Obj) => priorityClasses.validate!(obj).map(String);

test('preemptionPolicy defaults to PreemptLowerPriority', () => {
  const obj = pc('high');
  priorityClasses.defaults!(obj);
  assert.equal(obj.preemptionPolicy, 'PreemptLowerPriority');
  const never = pc('batch', { preemptionPolicy: 'Never' });
  priorityClasses.defaults!(never);
  assert.equal(never.preemptionPolicy, 'Never');
});

test('the built-in system classes are valid; other system- names and huge values are not', () => {
  assert.deepEqual(bootstrapPriorityClasses.map((c) => [c.metadata?.name, c.value]),
    [['system-node-critical', 2000001000], ['system-cluster-critical', 2000000000]]);
  for (const c of bootstrapPriorityClasses) assert.deepEqual(errors(c as Obj), []);
  const cases: [Obj, string[]][] = [
    [pc('system-mine'), [
      "metadata.name: Forbidden: priority class names with 'system-' prefix are reserved for system use only. error: system-mine is not a known system priority class",
    ]],
    [pc('system-node-critical', { value: 5 }), [
      "metadata.name: Forbidden: priority class names with 'system-' prefix are reserved for system use only. error: value of system-node-critical PriorityClass must be 2000001000",
    ]],
    [pc('system-cluster-critical', { value: 2000000000, globalDefault: true }), [
      "metadata.name: Forbidden: priority class names with 'system-' prefix are reserved for system use only. error: globalDefault of system-cluster-critical PriorityClass must be false",
    ]],
    [pc('huge', { value: 1000000001 }), ['value: Forbidden: maximum allowed value of a user defined priority is 1000000000']],
    [pc('odd', { preemptionPolicy: 'Sometimes' }), ['preemptionPolicy: Unsupported value: "Sometimes": supported values: "PreemptLowerPriority", "Never"']],
  ];
  for (const [obj, want] of cases) assert.deepEqual(errors(obj), want);
});

test('value and preemptionPolicy are immutable', () => {
  const old = pc('high', { preemptionPolicy: 'PreemptLowerPriority' });
  assert.deepEqual(priorityClasses.validateUpdate!(pc('high', { value: 1, preemptionPolicy: 'Never' }), old).map(String), [
    'value: Forbidden: may not be changed in an update.',
    'preemptionPolicy: Invalid value: "Never": field is immutable',
  ]);
  assert.deepEqual(priorityClasses.validateUpdate!(pc('high', { preemptionPolicy: 'PreemptLowerPriority', description: 'x' }), old), []);
});

test('table rows', () => {
  assert.deepEqual(priorityClasses.table.columns.map((c) => c.name), ['Name', 'Value', 'Global-Default', 'Age', 'PreemptionPolicy']);
  assert.deepEqual(priorityClasses.table.row(pc('high', { globalDefault: true, preemptionPolicy: 'Never' }), ctx), ['high', 1000, true, '30d', 'Never']);
});
