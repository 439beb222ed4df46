import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ClusterRoleBinding, RoleBinding } from 'kubernetes-types/rbac/v1';
import type { KObject, TableContext } from '../../types.ts';
import { age } from '../../../machinery/duration.ts';
import { roleBindings } from './rolebindings.ts';
import { clusterRoleBindings } from './clusterrolebindings.ts';

const now = new Date('2024-05-01T10:00:00Z');
const ctx: TableContext = { now, age: (ts) => age(ts, now) };
type Obj = RoleBinding & KObject;
/** The same binding, seen as a ClusterRoleBinding (the shapes agree but for kind). */
const asCluster = (b: Obj) => b as unknown as ClusterRoleBinding & KObject;
const binding = (fields: Partial<Obj>): Obj => ({
  metadata: { name: 'view-binding', namespace: 'default', creationTimestamp: '2024-05-01T07:00:00Z' },
  roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
  ...fields,
});

test('defaults fill the RBAC group for roleRef, users and groups', () => {
  const obj = binding({
    roleRef: { kind: 'Role', name: 'r' } as Obj['roleRef'],
    subjects: [{ kind: 'User', name: 'jane' }, { kind: 'Group', name: 'devs' }, { kind: 'ServiceAccount', name: 'default' }],
  });
  roleBindings.defaults!(obj);
  assert.equal(obj.roleRef.apiGroup, 'rbac.authorization.k8s.io');
  assert.deepEqual(obj.subjects!.map((s) => s.apiGroup), ['rbac.authorization.k8s.io', 'rbac.authorization.k8s.io', undefined]);
});

test('roleRef and subjects are checked as upstream', () => {
  assert.deepEqual(roleBindings.validate!(binding({})), []);
  const bad = binding({
    roleRef: { apiGroup: 'rbac', kind: 'Policy', name: '' },
    subjects: [
      { kind: 'ServiceAccount', name: 'Bad_Name', apiGroup: 'rbac.authorization.k8s.io' },
      { kind: 'User', name: '', apiGroup: 'rbac.authorization.k8s.io' },
      { kind: 'Robot', name: 'r2' },
    ],
  });
  assert.deepEqual(roleBindings.validate!(bad).map(String), [
    'roleRef.apiGroup: Unsupported value: "rbac": supported values: "rbac.authorization.k8s.io"',
    'roleRef.kind: Unsupported value: "Policy": supported values: "Role", "ClusterRole"',
    'roleRef.name: Required value',
    "subjects[0].name: Invalid value: \"Bad_Name\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
    'subjects[0].apiGroup: Unsupported value: "rbac.authorization.k8s.io": supported values: ""',
    'subjects[1].name: Required value',
    'subjects[1].name: Invalid value: "": user name cannot be empty',
    'subjects[2].kind: Unsupported value: "Robot": supported values: "ServiceAccount", "User", "Group"',
  ]);
});

test('cluster role bindings bind only cluster roles and need service-account namespaces', () => {
  const crb = asCluster(binding({ roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'r' }, subjects: [{ kind: 'ServiceAccount', name: 'default' }] }));
  assert.deepEqual(clusterRoleBindings.validate!(crb).map(String), [
    'roleRef.kind: Unsupported value: "Role": supported values: "ClusterRole"',
    'subjects[0].namespace: Required value',
  ]);
});

test('roleRef cannot change', () => {
  const old = binding({});
  const changed = binding({ roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'edit' } });
  const want = ['roleRef: Invalid value: rbac.RoleRef{APIGroup:"rbac.authorization.k8s.io", Kind:"ClusterRole", Name:"edit"}: cannot change roleRef'];
  assert.deepEqual(roleBindings.validateUpdate!(changed, old).map(String), want);
  assert.deepEqual(clusterRoleBindings.validateUpdate!(asCluster(changed), asCluster(old)).map(String), want);
  assert.deepEqual(roleBindings.validateUpdate!(binding({ subjects: [{ kind: 'User', name: 'x' }] }), old), []);
});

test('table shows the role and, wide, the subjects', () => {
  for (const def of [roleBindings, clusterRoleBindings]) {
    assert.deepEqual(def.table.columns.map((c) => [c.name, c.priority ?? 0]),
      [['Name', 0], ['Role', 0], ['Age', 0], ['Users', 1], ['Groups', 1], ['ServiceAccounts', 1]]);
  }
  const obj = binding({
    subjects: [
      { kind: 'User', name: 'jane' }, { kind: 'User', name: 'joe' }, { kind: 'Group', name: 'devs' },
      { kind: 'ServiceAccount', name: 'ci', namespace: 'tools' },
    ],
  });
  assert.deepEqual(roleBindings.table.row(obj, ctx), ['view-binding', 'ClusterRole/view', '3h', 'jane, joe', 'devs', 'tools/ci']);
});
