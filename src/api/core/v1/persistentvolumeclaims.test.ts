import { test } from 'node:test';
import assert from 'node:assert/strict';
import { persistentVolumeClaims as pvcs } from './persistentvolumeclaims.ts';
import { age } from '../../../machinery/duration.ts';

const now = new Date('2024-05-01T12:00:00Z');
const ctx = { now, age: (t: string | undefined) => age(t, now) };
const claim = { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '10Gi' } }, storageClassName: 'standard' };

function created(spec: unknown): any {
  const pvc: any = { metadata: { name: 'data', namespace: 'default', creationTimestamp: '2024-05-01T11:55:00Z' }, spec: structuredClone(spec), status: { phase: 'Bound' } };
  pvcs.defaults!(pvc);
  pvcs.prepareForCreate!(pvc);
  return pvc;
}
const errors = (spec: unknown) => pvcs.validate!(created(spec)).map(String);

/** An update as the registry runs it on the main resource: status kept as stored. */
function updateErrors(old: any, spec: unknown): string[] {
  const pvc: any = { metadata: structuredClone(old.metadata), spec: structuredClone(spec), status: structuredClone(old.status) };
  pvcs.defaults!(pvc);
  pvcs.prepareForUpdate!(pvc, old);
  return [...pvcs.validate!(pvc), ...pvcs.validateUpdate!(pvc, old)].map(String);
}

test('defaults and a fresh Pending status', () => {
  const pvc = created({ ...claim, volumeAttributesClassName: 'gold', dataSource: { kind: 'PersistentVolumeClaim', name: 'src' } });
  assert.equal(pvc.spec.volumeMode, 'Filesystem');
  assert.deepEqual(pvc.status, { phase: 'Pending' });
  assert.equal(pvc.spec.volumeAttributesClassName, undefined);
  assert.deepEqual(pvc.spec.dataSourceRef, { kind: 'PersistentVolumeClaim', name: 'src' });
  assert.deepEqual(pvcs.validate!(pvc), []);
  // Old-style data sources other than claims and snapshots are dropped.
  assert.equal(created({ ...claim, dataSource: { kind: 'Secret', name: 's' } }).spec.dataSource, undefined);
});

test('validation messages', () => {
  const cases: [unknown, string[]][] = [
    [{ ...claim, accessModes: [] }, ['spec.accessModes: Required value: at least 1 access mode is required']],
    [{ ...claim, resources: {} }, ['spec.resources[storage]: Required value']],
    [{ ...claim, resources: { requests: { storage: '0' } } }, ['spec.resources[storage]: Invalid value: "0": must be greater than zero']],
    [{ ...claim, volumeMode: 'Raw' }, ['spec.volumeMode: Unsupported value: "Raw": supported values: "Block", "Filesystem"']],
    [{ ...claim, storageClassName: 'Fast_SSD' }, [
      "spec.storageClassName: Invalid value: \"Fast_SSD\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
    ]],
    [{ ...claim, dataSourceRef: { kind: 'Secret', name: 's' } }, [
      "spec.dataSource: Invalid value: \"Secret\": must be 'PersistentVolumeClaim' when referencing the default apiGroup",
      "spec.dataSourceRef: Invalid value: \"Secret\": must be 'PersistentVolumeClaim' when referencing the default apiGroup",
    ]],
    [{ ...claim, selector: { matchExpressions: [{ key: 'tier', operator: 'Exists', values: ['a'] }] } }, [
      "spec.selector.matchExpressions[0].values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
    ]],
  ];
  for (const [spec, want] of cases) assert.deepEqual(errors(spec), want, JSON.stringify(spec));
});

test('the spec is immutable, except volumeName once and the size of a bound claim', () => {
  const old = created(claim);
  const [immutable] = updateErrors(old, { ...claim, resources: { requests: { storage: '20Gi' } } });
  assert.ok(immutable.startsWith('spec: Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims\n'), immutable);
  assert.deepEqual(updateErrors(old, { ...claim, volumeName: 'pv1' }), []);
  assert.deepEqual(updateErrors(old, { ...claim, volumeMode: 'Block' }).slice(-1), ['volumeMode: Invalid value: "Block": field is immutable']);

  const bound = created({ ...claim, volumeName: 'pv1' });
  bound.status = { phase: 'Bound', capacity: { storage: '10Gi' } };
  assert.deepEqual(updateErrors(bound, { ...claim, volumeName: 'pv1', resources: { requests: { storage: '20Gi' } } }), []);
  assert.deepEqual(updateErrors(bound, { ...claim, volumeName: 'pv1', resources: { requests: { storage: '5Gi' } } }), [
    'spec.resources.requests.storage: Forbidden: field can not be less than status.capacity',
  ]);
  assert.equal(updateErrors(bound, { ...claim, volumeName: 'pv2' }).length, 1);
});

test('a claim without a class may be given one', () => {
  const old = created({ ...claim, storageClassName: undefined });
  assert.deepEqual(updateErrors(old, claim), []);
  assert.equal(updateErrors(created(claim), { ...claim, storageClassName: 'fast' }).length, 1);
});

test('status writes', () => {
  const pvc = created(claim);
  pvc.status = { phase: 'Bound', capacity: { storage: '10Gi' }, allocatedResourceStatuses: { storage: 'Resizing' } };
  assert.deepEqual(pvcs.validateStatus!(pvc, pvc).map(String), [
    'status.allocatedResourceStatus: Unsupported value: "storage": supported values: "ControllerResizeInProgress", "ControllerResizeInfeasible", "NodeResizeInProgress", "NodeResizeInfeasible", "NodeResizePending"',
  ]);
});

test('table rows', () => {
  assert.deepEqual(pvcs.table.columns.map((c) => [c.name, c.priority ?? 0]), [
    ['Name', 0], ['Status', 0], ['Volume', 0], ['Capacity', 0], ['Access Modes', 0], ['StorageClass', 0],
    ['VolumeAttributesClass', 0], ['Age', 0], ['VolumeMode', 1],
  ]);
  const pending = created(claim);
  assert.deepEqual(pvcs.table.row(pending, ctx), ['data', 'Pending', '', '', '', 'standard', '<unset>', '5m', 'Filesystem']);
  const bound = created({ ...claim, volumeName: 'pv1' });
  bound.status = { phase: 'Bound', capacity: { storage: '10Gi' }, accessModes: ['ReadWriteOnce'] };
  assert.deepEqual(pvcs.table.row(bound, ctx), ['data', 'Bound', 'pv1', '10Gi', 'RWO', 'standard', '<unset>', '5m', 'Filesystem']);
});
