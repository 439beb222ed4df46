import { test } from 'node:test';
import assert from 'node:assert/strict';
import { persistentVolumes } from './persistentvolumes.ts';
import { age } from '../../../machinery/duration.ts';

const now = new Date('2024-05-01T12:00:00Z');
const ctx = { now, age: (t: string | undefined) => age(t, now) };

function created(spec: unknown, meta: Record<string, unknown> = {}): any {
  const pv: any = { metadata: { name: 'pv1', creationTimestamp: '2024-05-01T11:55:00Z', ...meta }, spec: structuredClone(spec), status: { phase: 'Bound' } };
  persistentVolumes.defaults!(pv);
  persistentVolumes.prepareForCreate!(pv);
  return pv;
}
const errors = (spec: unknown) => persistentVolumes.validate!(created(spec)).map(String);
const hostPathPV = { capacity: { storage: '10Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: '/data/pv1' } };

test('defaults and a fresh Pending status', () => {
  const pv = created({ ...hostPathPV, volumeAttributesClassName: 'gold' });
  assert.equal(pv.spec.persistentVolumeReclaimPolicy, 'Retain');
  assert.equal(pv.spec.volumeMode, 'Filesystem');
  assert.deepEqual(pv.spec.hostPath, { path: '/data/pv1', type: '' });
  assert.equal(pv.spec.volumeAttributesClassName, undefined);
  assert.equal(pv.status.phase, 'Pending');
  assert.match(pv.status.lastPhaseTransitionTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  assert.deepEqual(persistentVolumes.validate!(pv), []);
});

test('validation messages', () => {
  const cases: [unknown, string[]][] = [
    [{ ...hostPathPV, accessModes: [] }, ['spec.accessModes: Required value']],
    [{ ...hostPathPV, accessModes: ['ReadWriteOnce', 'ReadWriteOncePod'] }, ['spec.accessModes: Forbidden: may not use ReadWriteOncePod with other access modes']],
    [{ ...hostPathPV, accessModes: ['ReadWriteAll'] }, [
      'spec.accessModes: Unsupported value: "ReadWriteAll": supported values: "ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"',
    ]],
    [{ ...hostPathPV, capacity: undefined }, ['spec.capacity: Required value', 'spec.capacity: Unsupported value: core.ResourceList(nil): supported values: "storage"']],
    [{ ...hostPathPV, capacity: { storage: '0' } }, ['spec.capacity[storage]: Invalid value: "0": must be greater than zero']],
    [{ capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'] }, ['spec: Required value: must specify a volume type']],
    [{ ...hostPathPV, nfs: { server: 'nas', path: '/export' } }, ['spec.nfs: Forbidden: may not specify more than 1 volume type']],
    [{ ...hostPathPV, hostPath: { path: '/data/../etc' } }, [`spec.hostPath.path: Invalid value: "/data/../etc": must not contain '..'`]],
    [{ ...hostPathPV, hostPath: { path: '/', type: 'Directory' }, persistentVolumeReclaimPolicy: 'Recycle' }, [
      "spec.persistentVolumeReclaimPolicy: Forbidden: may not be 'recycle' for a hostPath mount of '/'",
    ]],
    [{ ...hostPathPV, persistentVolumeReclaimPolicy: 'Keep' }, ['spec.persistentVolumeReclaimPolicy: Unsupported value: "Keep": supported values: "Delete", "Recycle", "Retain"']],
    [{ capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], local: { path: '/mnt/disk' } }, ['spec.nodeAffinity: Required value: Local volume requires node affinity']],
    [{ capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], nfs: { server: 'nas', path: 'export' } }, ['spec.nfs.path: Invalid value: "export": must be an absolute path']],
    [{ capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], csi: { driver: 'csi.example.com' } }, ['spec.csi.volumeHandle: Required value']],
  ];
  for (const [spec, want] of cases) assert.deepEqual(errors(spec), want, JSON.stringify(spec));
});

test('a local volume with node affinity is valid', () => {
  const affinity = { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['node1'] }] }] } };
  assert.deepEqual(errors({ capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], local: { path: '/mnt/disk' }, nodeAffinity: affinity }), []);
  assert.deepEqual(errors({ ...hostPathPV, nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'k', operator: 'In' }] }] } } }), [
    "spec.nodeAffinity.required.nodeSelectorTerms[0].matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'",
  ]);
});

test('the volume source and mode are fixed after creation', () => {
  const old = created(hostPathPV);
  const next = created({ ...hostPathPV, hostPath: { path: '/data/other' }, volumeMode: 'Block' });
  const errs = persistentVolumes.validateUpdate!(next, old).map(String);
  assert.equal(errs.length, 2);
  assert.ok(errs[0].startsWith('spec.persistentvolumesource: Forbidden: spec.persistentvolumesource is immutable after creation\n'));
  assert.equal(errs[1], 'volumeMode: Invalid value: "Block": field is immutable');
  const resized = created({ ...hostPathPV, capacity: { storage: '20Gi' }, claimRef: { namespace: 'default', name: 'data' } });
  assert.deepEqual(persistentVolumes.validateUpdate!(resized, old), []);
});

test('table rows', () => {
  assert.deepEqual(persistentVolumes.table.columns.map((c) => [c.name, c.priority ?? 0]), [
    ['Name', 0], ['Capacity', 0], ['Access Modes', 0], ['Reclaim Policy', 0], ['Status', 0], ['Claim', 0],
    ['StorageClass', 0], ['VolumeAttributesClass', 0], ['Reason', 0], ['Age', 0], ['VolumeMode', 1],
  ]);
  const pv = created({ ...hostPathPV, capacity: { storage: '10240Mi' }, accessModes: ['ReadOnlyMany', 'ReadWriteOnce'], storageClassName: 'local-path', claimRef: { namespace: 'default', name: 'data' } });
  pv.status = { phase: 'Bound' };
  assert.deepEqual(persistentVolumes.table.row(pv, ctx), ['pv1', '10Gi', 'RWO,ROX', 'Retain', 'Bound', 'default/data', 'local-path', '<unset>', '', '5m', 'Filesystem']);
  const released = created(hostPathPV, { deletionTimestamp: '2024-05-01T11:59:00Z', annotations: { 'volume.beta.kubernetes.io/storage-class': 'old' } });
  assert.deepEqual(persistentVolumes.table.row(released, ctx).slice(4, 7), ['Terminating', '', 'old']);
});

test('a /status phase change records its time', () => {
  const old = created(hostPathPV);
  old.status.lastPhaseTransitionTime = '2024-01-01T00:00:00Z';
  const next = structuredClone(old);
  next.status.phase = 'Available';
  persistentVolumes.prepareForStatusUpdate!(next, old);
  assert.notEqual(next.status.lastPhaseTransitionTime, '2024-01-01T00:00:00Z');
  const same = structuredClone(old);
  persistentVolumes.prepareForStatusUpdate!(same, old);
  assert.equal(same.status.lastPhaseTransitionTime, '2024-01-01T00:00:00Z');
});
