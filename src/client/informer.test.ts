import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../api/types.ts';
import { createIndexedCache } from './informer.ts';

const obj = (ns: string, name: string, labels: Record<string, string> = {}, rv = '1'): KObject =>
  ({ apiVersion: 'v1', kind: 'Pod', metadata: { namespace: ns, name, labels, resourceVersion: rv } });
const key = (o: KObject) => `${o.metadata?.namespace}/${o.metadata?.name}`;
const names = (list: KObject[]) => list.map((o) => o.metadata?.name).sort();
const byApp = (o: KObject) => (o.metadata?.labels?.app ? [o.metadata.labels.app] : []);

test('list(namespace) follows adds, updates and deletes', () => {
  const c = createIndexedCache<KObject>();
  for (const o of [obj('a', 'p1'), obj('a', 'p2'), obj('b', 'p3')]) c.set(key(o), o);
  assert.deepEqual(names(c.list('a')), ['p1', 'p2']);
  assert.deepEqual(names(c.list('b')), ['p3']);
  assert.deepEqual(names(c.list()), ['p1', 'p2', 'p3']);
  c.set('a/p1', obj('a', 'p1', {}, '2'));
  assert.equal(c.list('a').find((o) => o.metadata?.name === 'p1')?.metadata?.resourceVersion, '2');
  c.delete('a/p1');
  c.delete('b/p3');
  c.delete('b/missing');
  assert.deepEqual(names(c.list('a')), ['p2']);
  assert.deepEqual(c.list('b'), []);
  assert.deepEqual(c.list('nowhere'), []);
});

test('an index added late covers what is cached and follows every change', () => {
  const c = createIndexedCache<KObject>();
  c.set('a/p1', obj('a', 'p1', { app: 'web' }));
  c.set('a/p2', obj('a', 'p2', { app: 'db' }));
  c.set('a/p3', obj('a', 'p3'));
  c.addIndex('app', byApp);
  const cases: Array<[string, () => void, Record<string, string[]>]> = [
    ['initial', () => {}, { web: ['p1'], db: ['p2'] }],
    ['relabel moves it', () => c.set('a/p2', obj('a', 'p2', { app: 'web' }, '2')), { web: ['p1', 'p2'], db: [] }],
    ['unlabeled gains a value', () => c.set('a/p3', obj('a', 'p3', { app: 'db' }, '2')), { web: ['p1', 'p2'], db: ['p3'] }],
    ['delete removes it', () => c.delete('a/p1'), { web: ['p2'], db: ['p3'] }],
    ['losing the label unfiles it', () => c.set('a/p3', obj('a', 'p3', {}, '3')), { web: ['p2'], db: [] }],
  ];
  for (const [name, act, want] of cases) {
    act();
    for (const [value, expected] of Object.entries(want)) assert.deepEqual(names(c.byIndex('app', value)), expected, `${name}: ${value}`);
  }
});

test('byIndex returns the newest object; adding an index twice keeps the first; unknown index throws', () => {
  const c = createIndexedCache<KObject>();
  c.addIndex('app', byApp);
  c.addIndex('app', () => ['other']);
  c.set('a/p1', obj('a', 'p1', { app: 'web' }, '1'));
  c.set('a/p1', obj('a', 'p1', { app: 'web' }, '7'));
  assert.deepEqual(c.byIndex('app', 'web').map((o) => o.metadata?.resourceVersion), ['7']);
  assert.deepEqual(c.byIndex('app', 'other'), []);
  assert.throws(() => c.byIndex('nope', 'x'), /no index named "nope"/);
});

test('an object may be filed under several values', () => {
  const c = createIndexedCache<KObject>();
  c.addIndex('labels', (o) => Object.keys(o.metadata?.labels ?? {}));
  c.set('a/p1', obj('a', 'p1', { x: '1', y: '1' }));
  assert.deepEqual(names(c.byIndex('labels', 'x')), ['p1']);
  assert.deepEqual(names(c.byIndex('labels', 'y')), ['p1']);
  c.set('a/p1', obj('a', 'p1', { y: '1' }, '2'));
  assert.deepEqual(c.byIndex('labels', 'x'), []);
  assert.deepEqual(names(c.byIndex('labels', 'y')), ['p1']);
});
