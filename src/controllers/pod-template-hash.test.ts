import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalJson, fnv32a, podTemplateHash, safeEncodeString } from './pod-template-hash.ts';

const bytes = (s: string) => new TextEncoder().encode(s);

test('fnv32a matches the published FNV-1a test vectors', () => {
  for (const [input, want] of [['', 0x811c9dc5], ['a', 0xe40c292c], ['foobar', 0xbf9cf968]] as const) {
    assert.equal(fnv32a(bytes(input)), want, JSON.stringify(input));
  }
  // Chaining two writes is hashing their concatenation.
  assert.equal(fnv32a(bytes('bar'), fnv32a(bytes('foo'))), 0xbf9cf968);
});

test('safeEncodeString spells digits in the vowel-free alphabet', () => {
  assert.equal(safeEncodeString('1234567890'), '56789bcdf4');
});

test('canonicalJson sorts keys at every level and drops undefined members', () => {
  assert.equal(canonicalJson({ b: 1, a: { d: 2, c: [1, { y: 1, x: 2 }] }, u: undefined }), '{"a":{"c":[1,{"x":2,"y":1}],"d":2},"b":1}');
});

test('podTemplateHash: stable for equal templates, different for any change or collision count', () => {
  const t1 = { metadata: { labels: { app: 'web', tier: 'fe' } }, spec: { containers: [{ name: 'web', image: 'nginx' }] } };
  const t2 = { spec: { containers: [{ image: 'nginx', name: 'web' }] }, metadata: { labels: { tier: 'fe', app: 'web' } } };
  const h = podTemplateHash(t1);
  assert.equal(podTemplateHash(t2), h);
  assert.match(h, /^[456789bcdf]{1,10}$/);
  const seen = new Set([h]);
  for (const other of [
    podTemplateHash({ ...t1, spec: { containers: [{ name: 'web', image: 'nginx:2' }] } }),
    podTemplateHash(t1, 0),
    podTemplateHash(t1, 1),
    podTemplateHash(t1, 2),
  ]) {
    assert.ok(!seen.has(other), `hash ${other} repeats`);
    seen.add(other);
  }
});
