import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lstatSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validatePayloadPath, writeAtomically, type Payload } from './atomic-writer.ts';

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-atomic-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('lays files out as upstream: timestamped dir, ..data symlink, per-name symlinks, modes', async (t) => {
  const dir = tempDir(t);
  const payload: Payload = new Map([
    ['a.txt', { data: 'alpha', mode: 0o644 }],
    ['nested/b.txt', { data: 'beta', mode: 0o400 }],
  ]);
  assert.equal(await writeAtomically(dir, payload, new Date('2026-11-25T15:04:05Z')), true);
  const names = readdirSync(dir).sort();
  const ts = names.find((n) => n.startsWith('..2026_11_25_15_04_05.'));
  assert.ok(ts, `timestamped dir in ${names.join(' ')}`);
  assert.deepEqual(names.filter((n) => n !== ts), ['..data', 'a.txt', 'nested']);
  assert.equal(readlinkSync(join(dir, '..data')), ts);
  assert.equal(readlinkSync(join(dir, 'a.txt')), '..data/a.txt');
  assert.equal(readlinkSync(join(dir, 'nested')), '..data/nested');
  assert.equal(readFileSync(join(dir, 'a.txt'), 'utf8'), 'alpha');
  assert.equal(readFileSync(join(dir, 'nested/b.txt'), 'utf8'), 'beta');
  assert.equal(statSync(join(dir, 'a.txt')).mode & 0o777, 0o644);
  assert.equal(statSync(join(dir, 'nested/b.txt')).mode & 0o777, 0o400);
  assert.equal(statSync(join(dir, ts!)).mode & 0o777, 0o755);
});

test('an unchanged payload writes nothing; a change swaps ..data and drops what went away', async (t) => {
  const dir = tempDir(t);
  await writeAtomically(dir, new Map([['k1', { data: 'v1', mode: 0o644 }], ['k2', { data: 'v2', mode: 0o644 }]]));
  const first = readlinkSync(join(dir, '..data'));
  assert.equal(await writeAtomically(dir, new Map([['k1', { data: 'v1', mode: 0o644 }], ['k2', { data: 'v2', mode: 0o644 }]])), false);
  assert.equal(readlinkSync(join(dir, '..data')), first);

  // A mode change alone is a change.
  assert.equal(await writeAtomically(dir, new Map([['k1', { data: 'v1', mode: 0o600 }], ['k2', { data: 'v2', mode: 0o644 }]])), true);
  const second = readlinkSync(join(dir, '..data'));
  assert.notEqual(second, first);

  assert.equal(await writeAtomically(dir, new Map([['k1', { data: 'v1-new', mode: 0o644 }]])), true);
  const third = readlinkSync(join(dir, '..data'));
  assert.equal(readFileSync(join(dir, 'k1'), 'utf8'), 'v1-new');
  assert.throws(() => lstatSync(join(dir, 'k2')), /ENOENT/);
  // Only the current timestamped dir is left.
  assert.deepEqual(readdirSync(dir).filter((n) => n.startsWith('..')).sort(), ['..data', third].sort());
});

test('an empty payload leaves only ..data', async (t) => {
  const dir = tempDir(t);
  await writeAtomically(dir, new Map([['x', { data: '1', mode: 0o644 }]]));
  await writeAtomically(dir, new Map());
  assert.deepEqual(readdirSync(dir).filter((n) => !n.startsWith('..')), []);
  assert.ok(lstatSync(join(dir, '..data')).isSymbolicLink());
});

test('paths that could escape the volume are refused', () => {
  for (const bad of ['', '/etc/passwd', '../x', 'a/../../x', '..data', '..hidden']) {
    assert.throws(() => validatePayloadPath(bad), /invalid path/, bad);
  }
  for (const good of ['a', 'a/b', 'a..b', '.hidden']) validatePayloadPath(good);
});
