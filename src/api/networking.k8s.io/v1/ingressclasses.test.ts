import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IngressClass } from 'kubernetes-types/networking/v1';
import type { KObject, TableContext } from '../../types.ts';
import { age } from '../../../machinery/duration.ts';
import { ingressClasses } from './ingressclasses.ts';

const now = new Date('2024-05-01T10:00:00Z');
const ctx: TableContext = { now, age: (ts) => age(ts, now) };
type Obj = IngressClass & KObject;
const cls = (spec: Obj['spec']): Obj => ({ metadata: { name: 'nginx', creationTimestamp: '2024-04-30T10:00:00Z' }, spec });
const errors = (obj: Obj) => ingressClasses.validate!(obj).map(String);

test('parameters default to cluster scope', () => {
  const obj = cls({ controller: 'k8s.io/ingress-nginx', parameters: { kind: 'Config', name: 'cfg' } });
  ingressClasses.defaults!(obj);
  assert.equal(obj.spec!.parameters!.scope, 'Cluster');
  assert.deepEqual(errors(obj), []);
});

test('validation messages match upstream', () => {
  const cases: [Obj['spec'], string[]][] = [
    [{}, ['spec.controller: Required value']],
    [{ controller: 'nginx' }, ['spec.controller: Invalid value: "nginx": must be a domain-prefixed path (such as "acme.io/foo")']],
    [{ controller: `k8s.io/${'x'.repeat(250)}` }, ['spec.controller: Too long: may not be more than 250 bytes']],
    [{ controller: 'k8s.io/nginx', parameters: { kind: 'Config', name: 'cfg', scope: 'Namespace' } },
      ["spec.parameters.namespace: Required value: `parameters.scope` is set to 'Namespace'"]],
    [{ controller: 'k8s.io/nginx', parameters: { kind: 'Config', name: 'cfg', scope: 'Cluster', namespace: 'x' } },
      ["spec.parameters.namespace: Forbidden: `parameters.scope` is set to 'Cluster'"]],
    [{ controller: 'k8s.io/nginx', parameters: { kind: '', name: 'a/b', scope: 'Global' } }, [
      'spec.parameters.kind: Required value',
      "spec.parameters.name: Invalid value: \"a/b\": may not contain '/'",
      'spec.parameters.scope: Unsupported value: "Global": supported values: "Cluster", "Namespace"',
    ]],
  ];
  for (const [spec, want] of cases) assert.deepEqual(errors(cls(spec)), want);
});

test('the controller is immutable', () => {
  const old = cls({ controller: 'k8s.io/a' });
  assert.deepEqual(ingressClasses.validateUpdate!(cls({ controller: 'k8s.io/b' }), old).map(String),
    ['spec.controller: Invalid value: "k8s.io/b": field is immutable']);
  assert.deepEqual(ingressClasses.validateUpdate!(cls({ controller: 'k8s.io/a' }), old), []);
});

test('table rows', () => {
  assert.deepEqual(ingressClasses.table.columns.map((c) => c.name), ['Name', 'Controller', 'Parameters', 'Age']);
  assert.deepEqual(ingressClasses.table.row(cls({ controller: 'k8s.io/nginx' }), ctx), ['nginx', 'k8s.io/nginx', '<none>', '24h']);
  const withParams = cls({ controller: 'k8s.io/nginx', parameters: { apiGroup: 'k8s.example.com', kind: 'IngressParameters', name: 'p' } });
  assert.deepEqual(ingressClasses.table.row(withParams, ctx)[2], 'IngressParameters.k8s.example.com/p');
});
