import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from './errors.ts';
import { applyJsonPatch, JSON_PATCH_REJECTED, MAX_JSON_PATCH_OPERATIONS } from './json-patch.ts';

const doc = () => ({
  metadata: { name: 'web', labels: { app: 'web', 'a/b': 'slash', 'm~n': 'tilde' } },
  spec: { replicas: 1, paused: null, ports: [{ port: 80 }, { port: 443 }], tags: ['a', 'b', 'c'] },
});

test('applyJsonPatch applies RFC 6902 operations', () => {
  const cases: [string, unknown[], (d: ReturnType<typeof doc>) => void][] = [
    ['add member', [{ op: 'add', path: '/spec/minReady', value: 5 }], (d) => { (d.spec as Record<string, unknown>).minReady = 5; }],
    ['add replaces existing member', [{ op: 'add', path: '/spec/replicas', value: 3 }], (d) => { d.spec.replicas = 3; }],
    ['add object', [{ op: 'add', path: '/metadata/annotations', value: { x: 'y' } }],
      (d) => { (d.metadata as Record<string, unknown>).annotations = { x: 'y' }; }],
    ['add without value adds null', [{ op: 'add', path: '/spec/x' }], (d) => { (d.spec as Record<string, unknown>).x = null; }],
    ['add at index', [{ op: 'add', path: '/spec/tags/1', value: 'z' }], (d) => { d.spec.tags = ['a', 'z', 'b', 'c']; }],
    ['add at end index', [{ op: 'add', path: '/spec/tags/3', value: 'z' }], (d) => { d.spec.tags = ['a', 'b', 'c', 'z']; }],
    ['add with -', [{ op: 'add', path: '/spec/tags/-', value: 'z' }], (d) => { d.spec.tags = ['a', 'b', 'c', 'z']; }],
    ['add with negative index', [{ op: 'add', path: '/spec/tags/-1', value: 'z' }], (d) => { d.spec.tags = ['a', 'b', 'c', 'z']; }],
    ['add with -4 inserts first', [{ op: 'add', path: '/spec/tags/-4', value: 'z' }], (d) => { d.spec.tags = ['z', 'a', 'b', 'c']; }],
    ['escaped ~1', [{ op: 'replace', path: '/metadata/labels/a~1b', value: 'x' }], (d) => { d.metadata.labels['a/b'] = 'x'; }],
    ['escaped ~0', [{ op: 'remove', path: '/metadata/labels/m~0n' }], (d) => { delete (d.metadata.labels as Record<string, string>)['m~n']; }],
    ['remove member', [{ op: 'remove', path: '/spec/replicas' }], (d) => { delete (d.spec as Record<string, unknown>).replicas; }],
    ['remove null member', [{ op: 'remove', path: '/spec/paused' }], (d) => { delete (d.spec as Record<string, unknown>).paused; }],
    ['remove element', [{ op: 'remove', path: '/spec/tags/0' }], (d) => { d.spec.tags = ['b', 'c']; }],
    ['remove last by -1', [{ op: 'remove', path: '/spec/tags/-1' }], (d) => { d.spec.tags = ['a', 'b']; }],
    ['replace member', [{ op: 'replace', path: '/spec/replicas', value: 7 }], (d) => { d.spec.replicas = 7; }],
    ['replace missing member adds it (upstream)', [{ op: 'replace', path: '/spec/other', value: 1 }],
      (d) => { (d.spec as Record<string, unknown>).other = 1; }],
    ['replace element', [{ op: 'replace', path: '/spec/ports/1/port', value: 8443 }], (d) => { d.spec.ports[1].port = 8443; }],
    ['replace element by index', [{ op: 'replace', path: '/spec/tags/2', value: 'q' }], (d) => { d.spec.tags = ['a', 'b', 'q']; }],
    ['move member', [{ op: 'move', from: '/spec/replicas', path: '/spec/count' }],
      (d) => { delete (d.spec as Record<string, unknown>).replicas; (d.spec as Record<string, unknown>).count = 1; }],
    ['move element', [{ op: 'move', from: '/spec/tags/0', path: '/spec/tags/-' }], (d) => { d.spec.tags = ['b', 'c', 'a']; }],
    ['move to itself', [{ op: 'move', from: '/spec/replicas', path: '/spec/replicas' }], () => {}],
    ['copy member', [{ op: 'copy', from: '/spec/ports/0', path: '/spec/first' }],
      (d) => { (d.spec as Record<string, unknown>).first = { port: 80 }; }],
    ['copy missing member copies null (upstream)', [{ op: 'copy', from: '/spec/none', path: '/spec/first' }],
      (d) => { (d.spec as Record<string, unknown>).first = null; }],
    ['test then replace', [{ op: 'test', path: '/spec/replicas', value: 1 }, { op: 'replace', path: '/spec/replicas', value: 2 }],
      (d) => { d.spec.replicas = 2; }],
    ['test object deep equal', [{ op: 'test', path: '/spec/ports/0', value: { port: 80 } }], () => {}],
    ['test null on null member', [{ op: 'test', path: '/spec/paused', value: null }], () => {}],
    ['test null on missing member (upstream)', [{ op: 'test', path: '/spec/missing', value: null }], () => {}],
    ['test whole document', [{ op: 'test', path: '', value: doc() }], () => {}],
    ['null patch is empty', null as unknown as unknown[], () => {}],
    ['empty patch', [], () => {}],
    ['path without leading slash ignores first segment (upstream)', [{ op: 'replace', path: 'x/metadata', value: 1 }],
      (d) => { (d as Record<string, unknown>).metadata = 1; }],
  ];
  for (const [name, patch, mutate] of cases) {
    const expected = doc();
    mutate(expected);
    assert.deepEqual(applyJsonPatch(doc(), patch), expected, name);
  }
});

test('applyJsonPatch replaces the whole document with a "" path', () => {
  assert.deepEqual(applyJsonPatch(doc(), [{ op: 'replace', path: '', value: { a: 1 } }]), { a: 1 });
  assert.deepEqual(applyJsonPatch([1, 2], [{ op: 'replace', path: '', value: [3] }]), [3]);
  assert.deepEqual(applyJsonPatch([1, 2], [{ op: 'add', path: '/0', value: 0 }]), [0, 1, 2]);
});

test('applyJsonPatch does not mutate its inputs nor share values with them', () => {
  const input = doc();
  const snapshot = structuredClone(input);
  const value = { nested: { deep: true } };
  const patch = [{ op: 'add', path: '/spec/obj', value }, { op: 'remove', path: '/spec/tags/0' }];
  const patchSnapshot = structuredClone(patch);
  const out = applyJsonPatch(input, patch) as { spec: { obj: { nested: { deep: boolean } }; ports: unknown[] } };
  assert.deepEqual(input, snapshot);
  assert.deepEqual(patch, patchSnapshot);
  out.spec.obj.nested.deep = false;
  out.spec.ports.push(1);
  assert.equal(value.nested.deep, true);
  assert.deepEqual(input, snapshot);
});

test('applyJsonPatch keeps a "__proto__" member as data', () => {
  const out = applyJsonPatch({}, [{ op: 'add', path: '/__proto__', value: { polluted: true } }]) as Record<string, unknown>;
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  assert.ok(Object.hasOwn(out, '__proto__'));
  assert.equal(Object.getPrototypeOf(out), Object.prototype);
});

test('applyJsonPatch failures are 422 Invalid with upstream\'s message', () => {
  const cases: [string, unknown[], RegExp][] = [
    ['test fails', [{ op: 'test', path: '/spec/replicas', value: 2 }], /testing value \/spec\/replicas failed/],
    ['test fails on type', [{ op: 'test', path: '/spec/replicas', value: '1' }], /test failed/],
    ['test on missing member with value', [{ op: 'test', path: '/spec/missing', value: 1 }], /test failed/],
    ['test object with extra key', [{ op: 'test', path: '/spec/ports/0', value: { port: 80, x: 1 } }], /test failed/],
    ['test without value', [{ op: 'test', path: '/spec/replicas' }], /test failed/],
    ['test whole document mismatch', [{ op: 'test', path: '', value: {} }], /test failed/],
    ['rolled back after earlier ops', [{ op: 'add', path: '/x', value: 1 }, { op: 'test', path: '/x', value: 2 }], /test failed/],
    ['missing parent', [{ op: 'add', path: '/spec/nope/x', value: 1 }], /doc is missing path/],
    ['parent is a scalar', [{ op: 'add', path: '/spec/replicas/x', value: 1 }], /doc is missing path/],
    ['parent is null', [{ op: 'add', path: '/spec/paused/x', value: 1 }], /doc is missing path/],
    ['remove missing member', [{ op: 'remove', path: '/spec/nope' }], /nonexistent key/],
    ['remove out of range', [{ op: 'remove', path: '/spec/tags/3' }], /invalid index/],
    ['remove below range', [{ op: 'remove', path: '/spec/tags/-4' }], /invalid index/],
    ['add beyond end', [{ op: 'add', path: '/spec/tags/4', value: 'x' }], /invalid index/],
    ['add bad index', [{ op: 'add', path: '/spec/tags/x', value: 'x' }], /invalid syntax/],
    ['replace out of range', [{ op: 'replace', path: '/spec/tags/3', value: 'x' }], /invalid index/],
    ['replace - in array', [{ op: 'replace', path: '/spec/tags/-', value: 'x' }], /invalid syntax/],
    ['replace root with scalar', [{ op: 'replace', path: '', value: 1 }], /object or array/],
    ['add at root', [{ op: 'add', path: '', value: {} }], /doc is missing path/],
    ['remove root', [{ op: 'remove', path: '' }], /doc is missing path/],
    ['move from missing', [{ op: 'move', from: '/spec/nope', path: '/spec/x' }], /nonexistent key/],
    ['move into own child', [{ op: 'move', from: '/spec', path: '/spec/inner' }], /missing destination path/],
    ['copy to missing parent', [{ op: 'copy', from: '/spec/replicas', path: '/nope/x' }], /missing destination path/],
    ['missing path', [{ op: 'add', value: 1 }], /failed to decode path/],
    ['null path', [{ op: 'remove', path: null }], /failed to decode path/],
    ['non-string path', [{ op: 'remove', path: 5 }], /failed to decode path/],
    ['missing from', [{ op: 'move', path: '/a' }], /failed to decode from/],
    ['unknown op', [{ op: 'frobnicate', path: '/a' }], /Unexpected kind: frobnicate/],
    ['missing op', [{ path: '/a' }], /Unexpected kind: unknown/],
    ['non-string op', [{ op: 1, path: '/a' }], /Unexpected kind: unknown/],
    ['null operation', [null], /Unexpected kind: unknown/],
  ];
  for (const [name, patch, detail] of cases) {
    const input = doc();
    try {
      applyJsonPatch(input, patch);
      assert.fail(`${name}: expected an error`);
    } catch (err) {
      assert.ok(err instanceof ApiError, `${name}: ${err}`);
      assert.equal(err.code, 422, name);
      assert.equal(err.reason, 'Invalid', name);
      assert.equal(err.message, JSON_PATCH_REJECTED, name);
      assert.deepEqual(err.toStatus().details, {}, name);
      assert.match(String((err.cause as Error).message), detail, name);
    }
    assert.deepEqual(input, doc(), `${name}: input untouched`);
  }
});

test('applyJsonPatch: a patch that is not a list of objects is a 400', () => {
  const cases: [unknown, string][] = [
    [{ op: 'add', path: '/a', value: 1 }, 'json: cannot unmarshal object into Go value of type jsonpatch.Patch'],
    ['[]', 'json: cannot unmarshal string into Go value of type jsonpatch.Patch'],
    [5, 'json: cannot unmarshal number into Go value of type jsonpatch.Patch'],
    [true, 'json: cannot unmarshal bool into Go value of type jsonpatch.Patch'],
    [[1], 'json: cannot unmarshal number into Go value of type jsonpatch.Operation'],
    [[[]], 'json: cannot unmarshal array into Go value of type jsonpatch.Operation'],
    [['add'], 'json: cannot unmarshal string into Go value of type jsonpatch.Operation'],
  ];
  for (const [patch, message] of cases) {
    assert.throws(() => applyJsonPatch(doc(), patch),
      (err: unknown) => err instanceof ApiError && err.code === 400 && err.reason === 'BadRequest' && err.message === message,
      JSON.stringify(patch));
  }
});

test('applyJsonPatch limits operations and copy growth', () => {
  const many = Array.from({ length: MAX_JSON_PATCH_OPERATIONS + 1 }, () => ({ op: 'test', path: '/a', value: 1 }));
  assert.throws(() => applyJsonPatch({ a: 1 }, many), (err: unknown) =>
    err instanceof ApiError && err.code === 413 && err.reason === 'RequestEntityTooLarge' &&
    err.message === `Request entity too large: The allowed maximum operations in a JSON patch is 10000, got ${MAX_JSON_PATCH_OPERATIONS + 1}`);
  assert.doesNotThrow(() => applyJsonPatch({ a: 1 }, many.slice(1)));

  const big = { blob: 'x'.repeat(1024 * 1024) };
  const copies = [1, 2, 3].map((i) => ({ op: 'copy', from: '/blob', path: `/c${i}` }));
  assert.doesNotThrow(() => applyJsonPatch(big, copies.slice(0, 2)));
  assert.throws(() => applyJsonPatch(big, copies), (err: unknown) => err instanceof ApiError && err.code === 422);
});
