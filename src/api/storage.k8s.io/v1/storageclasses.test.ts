import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { StorageClass } from 'kubernetes-types/storage/v1';
import type { KObject, TableContext } from '../../types.ts';
import { age } from '../../../machinery/duration.ts';
import { storageClasses } from './storageclasses.ts';

const now = new Date('2024-05-01T10:00:00Z');
const ctx: TableContext = { now, age: (ts) => age(ts, now) };
type Obj = StorageClass & KObject;
const sc = (fields: Partial<Obj> = {}): Obj => ({
  metadata: { name: 'standard', creationTimestamp: '2024-05-01T08:00:00Z' }, provisioner: 'rancher.io/local-path', ...fields,
});
const errors = (obj: Obj) => storageClasses.validate!(obj).map(String);

test('defaults: Delete and Immediate', () => {
  const obj = sc();
  storageClasses.defaults!(obj);
  assert.equal(obj.reclaimPolicy, 'Delete');
  assert.equal(obj.volumeBindingMode, 'Immediate');
  assert.deepEqual(errors(obj), []);
  const kept = sc({ reclaimPolicy: 'Retain', volumeBindingMode: 'WaitForFirstConsumer' });
  storageClasses.defaults!(kept);
  assert.deepEqual([kept.reclaimPolicy, kept.volumeBindingMode], ['Retain', 'WaitForFirstConsumer']);
});

test('validation messages match upstream', () => {
  const cases: [Obj, string[]][] = [
    [sc({ provisioner: '', volumeBindingMode: 'Immediate' }), ['provisioner: Required value']],
    [sc({ reclaimPolicy: 'Recycle', volumeBindingMode: 'Later' }), [
      'reclaimPolicy: Unsupported value: "Recycle": supported values: "Delete", "Retain"',
      'volumeBindingMode: Unsupported value: "Later": supported values: "Immediate", "WaitForFirstConsumer"',
    ]],
    [sc({ volumeBindingMode: 'Immediate', allowedTopologies: [{ matchLabelExpressions: [{ key: 'zone', values: [] }] }] }),
      ['allowedTopologies[0].matchLabelExpressions[0].values: Required value']],
  ];
  for (const [obj, want] of cases) assert.deepEqual(errors(obj), want);
});

test('provisioner, parameters and reclaimPolicy are fixed; the binding mode is immutable', () => {
  const old = sc({ parameters: { type: 'ssd' }, reclaimPolicy: 'Delete', volumeBindingMode: 'Immediate' });
  const changed = sc({ provisioner: 'other.io/x', parameters: { type: 'hdd' }, reclaimPolicy: 'Retain', volumeBindingMode: 'WaitForFirstConsumer' });
  assert.deepEqual(storageClasses.validateUpdate!(changed, old).map(String), [
    'parameters: Forbidden: updates to parameters are forbidden.',
    'provisioner: Forbidden: updates to provisioner are forbidden.',
    'reclaimPolicy: Forbidden: updates to reclaimPolicy are forbidden.',
    'volumeBindingMode: Invalid value: "WaitForFirstConsumer": field is immutable',
  ]);
  assert.deepEqual(storageClasses.validateUpdate!(sc({ ...structuredClone(old), allowVolumeExpansion: true }), old), []);
});

test('table marks the default class', () => {
  assert.deepEqual(storageClasses.table.columns.map((c) => c.name),
    ['Name', 'Provisioner', 'ReclaimPolicy', 'VolumeBindingMode', 'AllowVolumeExpansion', 'Age']);
  const dflt = sc({ metadata: { name: 'local-path', annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' }, creationTimestamp: '2024-05-01T08:00:00Z' }, reclaimPolicy: 'Delete', volumeBindingMode: 'WaitForFirstConsumer' });
  assert.deepEqual(storageClasses.table.row(dflt, ctx), ['local-path (default)', 'rancher.io/local-path', 'Delete', 'WaitForFirstConsumer', false, '120m']);
  const notDefault = sc({ metadata: { name: 'fast', annotations: { 'storageclass.kubernetes.io/is-default-class': 'false' } }, allowVolumeExpansion: true });
  assert.deepEqual(storageClasses.table.row(notDefault, ctx).slice(0, 5), ['fast', 'rancher.io/local-path', 'Delete', 'Immediate', true]);
});
