import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../api/types.ts';
import { controllerUidKeys } from './owner-index.ts';

test('objects are filed under their controller uid, orphans under their namespace', () => {
  const cases: Array<[string, KObject, string[]]> = [
    ['controlled', { metadata: { namespace: 'a', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: 'u1', controller: true }] } }, ['u1']],
    ['owned but not controlled is an orphan', { metadata: { namespace: 'a', ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'c', uid: 'u2' }] } }, ['orphan a']],
    ['no owners', { metadata: { namespace: 'b' } }, ['orphan b']],
  ];
  for (const [name, obj, want] of cases) assert.deepEqual(controllerUidKeys(obj), want, name);
});
