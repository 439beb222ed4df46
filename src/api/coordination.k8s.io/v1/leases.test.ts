import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Lease } from 'kubernetes-types/coordination/v1';
import type { KObject, TableContext } from '../../types.ts';
import { age } from '../../../machinery/duration.ts';
import { leases } from './leases.ts';

const now = new Date('2024-05-01T10:00:00Z');
const ctx: TableContext = { now, age: (ts) => age(ts, now) };
type Obj = Lease & KObject;
const lease = (spec: Obj['spec']): Obj => ({ metadata: { name: 'node-1', namespace: 'kube-node-lease', creationTimestamp: '2024-05-01T09:59:30Z' }, spec });

test('durations and transitions are checked', () => {
  assert.deepEqual(leases.validate!(lease({ holderIdentity: 'node-1', leaseDurationSeconds: 40 })), []);
  assert.deepEqual(leases.validate!(lease({ leaseDurationSeconds: 0, leaseTransitions: -1 })).map(String), [
    'spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0',
    'spec.leaseTransitions: Invalid value: -1: must be greater than or equal to 0',
  ]);
});

test('the gated coordinated-election fields are dropped unless already stored', () => {
  const created = lease({ holderIdentity: 'a', strategy: 'OldestEmulationVersion' } as Obj['spec']);
  leases.prepareForCreate!(created);
  assert.deepEqual(created.spec, { holderIdentity: 'a' });

  const old = lease({ strategy: 'OldestEmulationVersion' } as Obj['spec']);
  const updated = lease({ strategy: 'OldestEmulationVersion', preferredHolder: 'b' } as Obj['spec']);
  leases.prepareForUpdate!(updated, old);
  assert.deepEqual(updated.spec, { strategy: 'OldestEmulationVersion' });
});

test('table shows the holder', () => {
  assert.deepEqual(leases.table.columns.map((c) => c.name), ['Name', 'Holder', 'Age']);
  assert.deepEqual(leases.table.row(lease({ holderIdentity: 'node-1' }), ctx), ['node-1', 'node-1', '30s']);
  assert.deepEqual(leases.table.row(lease({}), ctx), ['node-1', '', '30s']);
});
