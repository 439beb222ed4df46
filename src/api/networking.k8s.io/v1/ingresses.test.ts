import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { HTTPIngressPath, Ingress } from 'kubernetes-types/networking/v1';
import type { KObject, TableContext } from '../../types.ts';
import { age } from '../../../machinery/duration.ts';
import { ingresses } from './ingresses.ts';

const now = new Date('2024-05-01T10:00:00Z');
const ctx: TableContext = { now, age: (ts) => age(ts, now) };
type Obj = Ingress & KObject;

const backend = { service: { name: 'web', port: { number: 80 } } };
function ingress(spec: Obj['spec'], annotations?: Record<string, string>): Obj {
  return { metadata: { name: 'web', namespace: 'default', annotations, creationTimestamp: '2024-05-01T09:55:00Z' }, spec };
}
const errors = (obj: Obj) => ingresses.validate!(obj).map(String);

test('a valid ingress has no errors', () => {
  const obj = ingress({ ingressClassName: 'nginx', rules: [{ host: 'example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend }] } }] });
  assert.deepEqual(errors(obj), []);
});

test('validation messages match upstream', () => {
  const cases: [string, Obj['spec'], string[]][] = [
    ['pathType is required in v1', { rules: [{ http: { paths: [{ path: '/', backend } as HTTPIngressPath] } }] },
      ['spec.rules[0].http.paths[0].pathType: Required value: pathType must be specified']],
    ['rules or defaultBackend', {},
      ['spec: Invalid value: []networking.IngressRule(nil): either `defaultBackend` or `rules` must be specified']],
    ['service name is a DNS-1035 label', { defaultBackend: { service: { name: '1web', port: { number: 80 } } } },
      ["spec.defaultBackend.service.name: Invalid value: \"1web\": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"]],
    ['service name is required', { defaultBackend: { service: { name: '', port: { number: 80 } } } },
      ['spec.defaultBackend.service.name: Required value']],
    ['a port is required', { defaultBackend: { service: { name: 'web', port: {} } } },
      ['spec.defaultBackend: Required value: port name or number is required']],
    ['not both port name and number', { defaultBackend: { service: { name: 'web', port: { name: 'http', number: 80 } } } },
      ['spec.defaultBackend: Invalid value: "": cannot set both port name & port number']],
    ['port number range', { defaultBackend: { service: { name: 'web', port: { number: 70000 } } } },
      ['spec.defaultBackend.service.port.number: Invalid value: 70000: must be between 1 and 65535, inclusive']],
    ['a backend is required', { defaultBackend: {} },
      ['spec.defaultBackend: Invalid value: "": resource or service backend is required']],
    ['host may not be an IP', { rules: [{ host: '10.0.0.1', http: { paths: [{ path: '/', pathType: 'Prefix', backend }] } }] },
      ['spec.rules[0].host: Invalid value: "10.0.0.1": must be a DNS name, not an IP address']],
    ['Exact paths are absolute', { rules: [{ http: { paths: [{ path: 'api', pathType: 'Exact', backend }] } }] },
      ['spec.rules[0].http.paths[0].path: Invalid value: "api": must be an absolute path']],
    ['path type must be known', { rules: [{ http: { paths: [{ path: '/', pathType: 'Regex', backend }] } }] },
      ['spec.rules[0].http.paths[0].pathType: Unsupported value: "Regex": supported values: "Exact", "ImplementationSpecific", "Prefix"']],
    ['http needs paths', { rules: [{ http: { paths: [] } }] }, ['spec.rules[0].http.paths: Required value']],
  ];
  for (const [name, spec, want] of cases) assert.deepEqual(errors(ingress(spec)), want, name);
});

test('the legacy class annotation must agree with ingressClassName, on create only', () => {
  const obj = ingress({ ingressClassName: 'nginx', defaultBackend: backend }, { 'kubernetes.io/ingress.class': 'traefik' });
  assert.deepEqual(errors(obj), ['annotations.kubernetes.io/ingress.class: Invalid value: "traefik": must match `ingressClassName` when both are specified']);
  const update = structuredClone(obj);
  ingresses.prepareForUpdate!(update, obj);
  assert.deepEqual(errors(update), []);
});

test('an update may keep an invalid TLS secret name it already had', () => {
  const old = ingress({ defaultBackend: backend, tls: [{ secretName: 'Bad_Name' }] });
  assert.equal(errors(old).length, 1);
  const update = structuredClone(old);
  ingresses.prepareForUpdate!(update, old);
  assert.deepEqual(errors(update), []);
});

test('create starts with an empty load balancer status', () => {
  const obj = ingress({ defaultBackend: backend });
  obj.status = { loadBalancer: { ingress: [{ ip: '1.2.3.4' }] } };
  ingresses.prepareForCreate!(obj);
  assert.deepEqual(obj.status, { loadBalancer: {} });
});

test('status IPs and hostnames are checked', () => {
  const obj = ingress({ defaultBackend: backend });
  obj.status = { loadBalancer: { ingress: [{ ip: '1.2.3' }, { hostname: '10.0.0.1' }] } };
  assert.deepEqual(ingresses.validateStatus!(obj, obj).map(String), [
    'status.loadBalancer.ingress[0].ip: Invalid value: "1.2.3": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)',
    'status.loadBalancer.ingress[1].hostname: Invalid value: "10.0.0.1": must be a DNS name, not an IP address',
  ]);
});

test('table columns and rows', () => {
  assert.deepEqual(ingresses.table.columns.map((c) => c.name), ['Name', 'Class', 'Hosts', 'Address', 'Ports', 'Age']);
  const plain = ingress({ defaultBackend: backend });
  assert.deepEqual(ingresses.table.row(plain, ctx), ['web', '<none>', '*', '', '80', '5m']);

  const busy = ingress({
    ingressClassName: 'nginx',
    tls: [{ hosts: ['a.example.com'] }],
    rules: ['a', 'b', 'c', 'd', 'e'].map((h) => ({ host: `${h}.example.com` })),
  });
  busy.status = { loadBalancer: { ingress: [{ ip: '10.0.0.2' }, { ip: '10.0.0.1' }, { ip: '10.0.0.2' }, { hostname: 'lb.example.com' }] } };
  assert.deepEqual(ingresses.table.row(busy, ctx), [
    'web', 'nginx', 'a.example.com,b.example.com,c.example.com + 2 more...', '10.0.0.1,10.0.0.2,lb.example.com', '80, 443', '5m',
  ]);
});
