import { test } from 'node:test';
import assert from 'node:assert/strict';
import { serviceAccounts } from './serviceaccounts.ts';
import { age } from '../../../machinery/duration.ts';

const now = new Date('2024-05-01T12:00:00Z');
const ctx = { now, age: (t: string | undefined) => age(t, now) };

test('service accounts: names, short name and table', () => {
  assert.equal(serviceAccounts.plural, 'serviceaccounts');
  assert.deepEqual(serviceAccounts.shortNames, ['sa']);
  assert.deepEqual(serviceAccounts.table.columns.map((c) => c.name), ['Name', 'Secrets', 'Age']);
  const sa: any = { metadata: { name: 'default', creationTimestamp: '2024-04-28T12:00:00Z' }, secrets: [{ name: 'tok' }] };
  assert.deepEqual(serviceAccounts.table.row(sa, ctx), ['default', 1, '3d']);
  assert.deepEqual(serviceAccounts.table.row({ metadata: { name: 'builder' } } as any, ctx), ['builder', 0, '<unknown>']);
});
