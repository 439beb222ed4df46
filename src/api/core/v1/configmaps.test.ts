import { test } from 'node:test';
import assert from 'node:assert/strict';
import { configMaps } from './configmaps.ts';
import { age } from '../../../machinery/duration.ts';

const now = new Date('2024-05-01T12:00:00Z');
const ctx = { now, age: (t: string | undefined) => age(t, now) };
const KEY_MSG = "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')";

test('keys follow the config key rule', () => {
  const cm: any = { metadata: { name: 'cfg' }, data: { 'app.properties': 'x', 'bad key': 'y', '..hidden': 'z' }, binaryData: { 'blob.bin': 'AAEC' } };
  assert.deepEqual(configMaps.validate!(cm).map(String), [
    `data[bad key]: Invalid value: "bad key": ${KEY_MSG}`,
    `data[..hidden]: Invalid value: "..hidden": must not start with '..'`,
  ]);
});

test('a key may not be in both data and binaryData', () => {
  const cm: any = { metadata: { name: 'cfg' }, data: { a: '1' }, binaryData: { a: 'AA==' } };
  assert.deepEqual(configMaps.validate!(cm).map(String), ['data[a]: Invalid value: "a": duplicate of key present in binaryData']);
});

test('the data may not exceed 1 MiB', () => {
  const cm: any = { metadata: { name: 'big' }, data: { a: 'x'.repeat(1024 * 1024), b: 'y' } };
  assert.deepEqual(configMaps.validate!(cm).map(String), [': Too long: may not be more than 1048576 bytes']);
});

test('an immutable config map cannot change', () => {
  const old: any = { metadata: { name: 'cfg' }, data: { a: '1' }, immutable: true };
  assert.deepEqual(configMaps.validateUpdate!({ ...old, data: { a: '2' }, immutable: false }, old).map(String), [
    'immutable: Forbidden: field is immutable when `immutable` is set',
    'data: Forbidden: field is immutable when `immutable` is set',
  ]);
  assert.deepEqual(configMaps.validateUpdate!({ ...old, metadata: { name: 'cfg', labels: { a: 'b' } } }, old), []);
  const mutable: any = { metadata: { name: 'cfg' }, data: { a: '1' } };
  assert.deepEqual(configMaps.validateUpdate!({ ...mutable, data: {}, immutable: true }, mutable), []);
});

test('table counts data and binary data', () => {
  const cm: any = { metadata: { name: 'cfg', creationTimestamp: '2024-05-01T11:59:30Z' }, data: { a: '1', b: '2' }, binaryData: { c: 'AA==' } };
  assert.deepEqual(configMaps.table.columns.map((c) => c.name), ['Name', 'Data', 'Age']);
  assert.deepEqual(configMaps.table.row(cm, ctx), ['cfg', 3, '30s']);
  assert.deepEqual(configMaps.table.row({ metadata: { name: 'empty' } } as any, ctx), ['empty', 0, '<unknown>']);
  assert.deepEqual(configMaps.shortNames, ['cm']);
});
