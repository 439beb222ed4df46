import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ClusterRole, Role } from 'kubernetes-types/rbac/v1';
import type { KObject, TableContext } from '../../types.ts';
import { age } from '../../../machinery/duration.ts';
import { roles } from './roles.ts';
import { clusterRoles } from './clusterroles.ts';

const now = new Date('2024-05-01T10:00:00Z');
const ctx: TableContext = { now, age: (ts) => age(ts, now) };

test('names only need to be path segments', () => {
  for (const def of [roles, clusterRoles]) {
    assert.deepEqual(def.nameValidator!('system:controller:Foo_Bar'), []);
    assert.deepEqual(def.nameValidator!('a/b'), ["may not contain '/'"]);
    assert.deepEqual(def.nameValidator!('..'), ["may not be '..'"]);
  }
});

test('policy rules are checked as upstream', () => {
  const role = (rules: Role['rules']): Role & KObject => ({ metadata: { name: 'r', namespace: 'default' }, rules });
  assert.deepEqual(roles.validate!(role([{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }])), []);
  assert.deepEqual(roles.validate!(role([{ verbs: [] }])).map(String), [
    'rules[0].verbs: Required value: verbs must contain at least one value',
    'rules[0].apiGroups: Required value: resource rules must supply at least one api group',
    'rules[0].resources: Required value: resource rules must supply at least one resource',
  ]);
  assert.deepEqual(roles.validate!(role([{ nonResourceURLs: ['/healthz'], verbs: ['get'], resources: ['pods'] }])).map(String), [
    'rules[0].nonResourceURLs: Invalid value: []string{"/healthz"}: namespaced rules cannot apply to non-resource URLs',
    'rules[0].nonResourceURLs: Invalid value: []string{"/healthz"}: rules cannot apply to both regular resources and non-resource URLs',
  ]);
  assert.deepEqual(roles.validate!(role([{ apiGroups: [''], resources: ['pods', 'secrets'], resourceNames: ['x'], verbs: ['get'] }])).map(String), [
    'rules[0].resourceNames: Required value: resource names cannot apply to multiple resources',
  ]);
});

test('cluster roles may grant non-resource URLs and need selectors when aggregated', () => {
  const cr = (fields: Partial<ClusterRole>): ClusterRole & KObject => ({ metadata: { name: 'view' }, ...fields });
  assert.deepEqual(clusterRoles.validate!(cr({ rules: [{ nonResourceURLs: ['/healthz'], verbs: ['get'] }] })), []);
  assert.deepEqual(clusterRoles.validate!(cr({ aggregationRule: {} })).map(String), [
    'aggregationRule.clusterRoleSelectors: Required value: at least one clusterRoleSelector required if aggregationRule is non-nil',
  ]);
  assert.deepEqual(clusterRoles.validate!(cr({ aggregationRule: { clusterRoleSelectors: [{ matchExpressions: [{ key: 'x', operator: 'Is' }] }] } })).map(String), [
    'aggregationRule.clusterRoleSelectors[0].matchExpressions[0].operator: Invalid value: "Is": not a valid selector operator',
  ]);
});

test('tables show the creation time as a date', () => {
  for (const def of [roles, clusterRoles]) {
    assert.deepEqual(def.table.columns.map((c) => [c.name, c.type]), [['Name', 'string'], ['Created At', 'date']]);
    assert.deepEqual(def.table.row({ metadata: { name: 'view', creationTimestamp: '2024-04-01T08:00:00Z' } }, ctx), ['view', '2024-04-01T08:00:00Z']);
    assert.deepEqual(def.table.row({ metadata: { name: 'x' } }, ctx), ['x', '0001-01-01T00:00:00Z']);
  }
});
