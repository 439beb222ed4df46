import { test } from 'node:test';
import assert from 'node:assert/strict';
import { namespaces } from './namespaces.ts';
import { age } from '../../../machinery/duration.ts';

const now = new Date('2024-05-01T12:00:00Z');
const ctx = { now, age: (t: string | undefined) => age(t, now) };

function created(ns: any): any {
  namespaces.defaults!(ns);
  namespaces.prepareForCreate!(ns);
  return ns;
}

test('a new namespace is Active, finalized by "kubernetes" and labelled with its name', () => {
  const ns = created({ metadata: { name: 'team-a' }, status: { phase: 'Terminating' } });
  assert.deepEqual(ns.spec, { finalizers: ['kubernetes'] });
  assert.deepEqual(ns.status, { phase: 'Active' });
  assert.deepEqual(ns.metadata.labels, { 'kubernetes.io/metadata.name': 'team-a' });
  assert.deepEqual(namespaces.validate!(ns), []);
});

test('user finalizers are kept and "kubernetes" appended', () => {
  const ns = created({ metadata: { name: 'b', labels: { team: 'x' } }, spec: { finalizers: ['example.com/cleanup'] } });
  assert.deepEqual(ns.spec.finalizers, ['example.com/cleanup', 'kubernetes']);
  assert.deepEqual(ns.metadata.labels, { team: 'x', 'kubernetes.io/metadata.name': 'b' });
});

test('namespace names are DNS-1123 labels', () => {
  assert.deepEqual(namespaces.nameValidator!('team-a'), []);
  assert.deepEqual(namespaces.nameValidator!('team.a'), [
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
  ]);
});

test('unqualified finalizers must be standard', () => {
  const ns = created({ metadata: { name: 'c' }, spec: { finalizers: ['cleanup'] } });
  assert.deepEqual(namespaces.validate!(ns).map(String), [
    'spec.finalizers: Invalid value: "cleanup": name is neither a standard finalizer name nor is it fully qualified',
  ]);
});

test('updates keep spec.finalizers as stored', () => {
  const old = created({ metadata: { name: 'd' } });
  const ns: any = { metadata: { name: 'd' }, spec: { finalizers: [] }, status: old.status };
  namespaces.prepareForUpdate!(ns, old);
  assert.deepEqual(ns.spec, { finalizers: ['kubernetes'] });
});

test('status phase must agree with deletion', () => {
  const ns = created({ metadata: { name: 'e' } });
  ns.status.phase = 'Terminating';
  assert.deepEqual(namespaces.validateStatus!(ns, ns).map(String), [
    "status.Phase: Invalid value: \"Terminating\": may only be 'Active' if `deletionTimestamp` is empty",
  ]);
  ns.metadata.deletionTimestamp = '2024-05-01T11:59:00Z';
  assert.deepEqual(namespaces.validateStatus!(ns, ns), []);
  ns.status.phase = 'Active';
  assert.deepEqual(namespaces.validateStatus!(ns, ns).map(String), [
    "status.Phase: Invalid value: \"Active\": may only be 'Terminating' if `deletionTimestamp` is not empty",
  ]);
});

test('/finalize checks each finalizer by index', () => {
  const ns = created({ metadata: { name: 'f' } });
  ns.spec.finalizers = ['kubernetes', 'bad'];
  assert.deepEqual(namespaces.validateStatus!(ns, ns).map(String), [
    'spec.finalizers[1]: Invalid value: "bad": name is neither a standard finalizer name nor is it fully qualified',
  ]);
});

test('table rows and field selector', () => {
  const ns = created({ metadata: { name: 'default', creationTimestamp: '2024-04-30T12:00:00Z' } });
  assert.deepEqual(namespaces.table.columns.map((c) => c.name), ['Name', 'Status', 'Age']);
  assert.deepEqual(namespaces.table.row(ns, ctx), ['default', 'Active', '24h']);
  assert.equal(namespaces.fieldSelectors!['status.phase'](ns), 'Active');
  assert.equal(namespaces.namespaced, false);
  assert.deepEqual(namespaces.shortNames, ['ns']);
});
