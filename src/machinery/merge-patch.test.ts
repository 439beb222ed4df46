import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from './errors.ts';
import { applyMergePatch } from './merge-patch.ts';

test('applyMergePatch follows RFC 7386 (its appendix examples)', () => {
  const cases: [unknown, unknown, unknown][] = [
    [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
    [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
    [{ a: 'b' }, { a: null }, {}],
    [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
    [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
    [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
    [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
    [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
    [['a', 'b'], ['c', 'd'], ['c', 'd']],
    [{ a: 'b' }, ['c'], ['c']],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [[1, 2], { a: 'b', c: null }, { a: 'b' }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ];
  for (const [doc, patch, expected] of cases) {
    assert.deepEqual(applyMergePatch(doc, patch), expected, `${JSON.stringify(doc)} + ${JSON.stringify(patch)}`);
  }
});

test('applyMergePatch merges Kubernetes objects', () => {
  const deploy = {
    metadata: { name: 'web', labels: { app: 'web', tier: 'fe' }, annotations: { a: '1' } },
    spec: { replicas: 1, template: { spec: { containers: [{ name: 'c', image: 'nginx:1' }] } } },
  };
  const cases: [unknown, unknown][] = [
    [{ spec: { replicas: 3 } }, { ...deploy, spec: { ...deploy.spec, replicas: 3 } }],
    [{ metadata: { labels: { tier: null, env: 'prod' } } },
      { ...deploy, metadata: { ...deploy.metadata, labels: { app: 'web', env: 'prod' } } }],
    [{ metadata: { annotations: null } }, { ...deploy, metadata: { name: 'web', labels: deploy.metadata.labels } }],
    // Lists are replaced wholesale.
    [{ spec: { template: { spec: { containers: [{ name: 'c', image: 'nginx:2' }] } } } },
      { ...deploy, spec: { replicas: 1, template: { spec: { containers: [{ name: 'c', image: 'nginx:2' }] } } } }],
    [{}, deploy],
    [{ status: { ready: 1 } }, { ...deploy, status: { ready: 1 } }],
  ];
  for (const [patch, expected] of cases) {
    assert.deepEqual(applyMergePatch(deploy, patch), expected, JSON.stringify(patch));
  }
});

test('applyMergePatch prunes nulls in new values as upstream does', () => {
  const cases: [unknown, unknown, unknown][] = [
    // A new member: nulls are dropped from objects within it, even objects inside lists.
    [{}, { a: { b: null, c: 1 } }, { a: { c: 1 } }],
    [{}, { a: [{ b: null, c: 1 }, null] }, { a: [{ c: 1 }, null] }],
    // Replacing a scalar prunes too.
    [{ a: 5 }, { a: [{ b: null }] }, { a: [{}] }],
    // Replacing an object with a non-object does not (upstream's merge returns the patch as is).
    [{ a: { x: 1 } }, { a: [{ b: null }] }, { a: [{ b: null }] }],
    // A list patch replaces the document, keeping its null elements.
    [{ a: 1 }, [null, { b: null }], [null, {}]],
    // A non-object document is replaced by the pruned patch.
    ['text', { a: null, b: 1 }, { b: 1 }],
    [null, { a: { b: null } }, { a: {} }],
  ];
  for (const [doc, patch, expected] of cases) {
    assert.deepEqual(applyMergePatch(doc, patch), expected, `${JSON.stringify(doc)} + ${JSON.stringify(patch)}`);
  }
});

test('applyMergePatch rejects a null or scalar patch with 400 Invalid JSON Patch', () => {
  for (const patch of [null, undefined, 1, 'x', true]) {
    assert.throws(() => applyMergePatch({ a: 1 }, patch),
      (err: unknown) => err instanceof ApiError && err.code === 400 && err.reason === 'BadRequest' && err.message === 'Invalid JSON Patch',
      String(patch));
  }
});

test('applyMergePatch does not mutate or share its inputs', () => {
  const doc = { a: { b: { c: 1 } }, keep: { x: [1, 2] } };
  const patch = { a: { b: { d: 2 } }, n: { m: { o: 1 } } };
  const docSnapshot = structuredClone(doc);
  const patchSnapshot = structuredClone(patch);
  const out = applyMergePatch(doc, patch) as { a: { b: Record<string, number> }; keep: { x: number[] }; n: { m: { o: number } } };
  assert.deepEqual(out, { a: { b: { c: 1, d: 2 } }, keep: { x: [1, 2] }, n: { m: { o: 1 } } });
  out.a.b.c = 99;
  out.keep.x.push(3);
  out.n.m.o = 99;
  assert.deepEqual(doc, docSnapshot);
  assert.deepEqual(patch, patchSnapshot);
});

test('applyMergePatch keeps "__proto__" members as data', () => {
  const patch = JSON.parse('{"__proto__": {"polluted": true}}');
  const out = applyMergePatch({}, patch) as Record<string, unknown>;
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  assert.ok(Object.hasOwn(out, '__proto__'));
  assert.equal(Object.getPrototypeOf(out), Object.prototype);
});
