import { test } from 'node:test';
import assert from 'node:assert/strict';
import { secrets } from './secrets.ts';
import { age } from '../../../machinery/duration.ts';

const now = new Date('2024-05-01T12:00:00Z');
const ctx = { now, age: (t: string | undefined) => age(t, now) };
const b64 = (s: string) => Buffer.from(s).toString('base64');

function written(secret: any): any {
  secrets.defaults!(secret);
  return secret;
}
const errors = (secret: any) => secrets.validate!(written(secret)).map(String);

test('stringData is merged into data base64-encoded and dropped; type defaults to Opaque', () => {
  const s = written({ metadata: { name: 's' }, data: { user: b64('old'), keep: b64('k') }, stringData: { user: 'admin', pass: 'p@ss' } });
  assert.deepEqual(s.data, { user: b64('admin'), keep: b64('k'), pass: b64('p@ss') });
  assert.equal(s.stringData, undefined);
  assert.equal(s.type, 'Opaque');
  assert.deepEqual(secrets.validate!(s), []);
});

test('data keys follow the config key rule', () => {
  assert.deepEqual(errors({ metadata: { name: 's' }, data: { 'a/b': b64('x') } }), [
    "data[a/b]: Invalid value: \"a/b\": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')",
  ]);
});

test('well-known types require their keys', () => {
  const cases: [string, Record<string, string>, string[]][] = [
    ['kubernetes.io/tls', { 'tls.crt': b64('c') }, ['data[tls.key]: Required value']],
    ['kubernetes.io/basic-auth', {}, ['data[username]: Required value', 'data[password]: Required value']],
    ['kubernetes.io/basic-auth', { password: '' }, []],
    ['kubernetes.io/ssh-auth', {}, ['data[ssh-privatekey]: Required value']],
    ['kubernetes.io/dockerconfigjson', {}, ['data[.dockerconfigjson]: Required value']],
    ['kubernetes.io/dockerconfigjson', { '.dockerconfigjson': b64('{"auths":{}}') }, []],
    ['kubernetes.io/dockerconfigjson', { '.dockerconfigjson': b64('hello') }, [
      'data[.dockerconfigjson]: Invalid value: "<secret contents redacted>": invalid character \'h\' looking for beginning of value',
    ]],
    ['kubernetes.io/service-account-token', {}, ['metadata.annotations[kubernetes.io/service-account.name]: Required value']],
    ['example.com/custom', {}, []],
  ];
  for (const [type, data, want] of cases) assert.deepEqual(errors({ metadata: { name: 's' }, type, data }), want, type);
});

test('the decoded data may not exceed 1 MiB', () => {
  assert.deepEqual(errors({ metadata: { name: 's' }, stringData: { a: 'x'.repeat(1024 * 1024 + 1) } }), [
    'data: Too long: may not be more than 1048576 bytes',
  ]);
});

test('type is immutable, and so is an immutable secret', () => {
  const old = written({ metadata: { name: 's' }, data: { a: b64('1') }, immutable: true });
  const next = written({ metadata: { name: 's' }, type: 'kubernetes.io/tls', data: { a: b64('2') } });
  assert.deepEqual(secrets.validateUpdate!(next, old).map(String), [
    'type: Invalid value: "kubernetes.io/tls": field is immutable',
    'immutable: Forbidden: field is immutable when `immutable` is set',
    'data: Forbidden: field is immutable when `immutable` is set',
  ]);
  assert.deepEqual(secrets.validateUpdate!(written({ metadata: { name: 's' }, data: { a: b64('1') }, immutable: true }), old), []);
});

test('table rows and field selector', () => {
  const s = written({ metadata: { name: 'tls', creationTimestamp: '2024-05-01T09:00:00Z' }, type: 'kubernetes.io/tls', data: { 'tls.crt': 'YQ==', 'tls.key': 'Yg==' } });
  assert.deepEqual(secrets.table.columns.map((c) => c.name), ['Name', 'Type', 'Data', 'Age']);
  assert.deepEqual(secrets.table.row(s, ctx), ['tls', 'kubernetes.io/tls', 2, '3h']);
  assert.equal(secrets.fieldSelectors!.type(s), 'kubernetes.io/tls');
});
