import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pod } from 'kubernetes-types/core/v1';
import { ensurePodCgroup, listPodCgroups, removeCgroup } from './cgroups.ts';

// A stand-in cgroup mount: plain directories for a few hierarchies (the real ones are exercised
// by test/kubelet-pods.test.ts).
test('pod cgroups are created in every v1 hierarchy with their values, listed, and removed', async (t) => {
  const mount = await mkdtemp(join(tmpdir(), 'skiff-cgroup-'));
  t.after(() => rm(mount, { recursive: true, force: true }));
  for (const h of ['cpu', 'memory', 'pids', 'unified']) await mkdir(join(mount, h));
  const pod: Pod = {
    metadata: { uid: 'u1' },
    spec: { containers: [{ name: 'a', resources: { requests: { cpu: '500m', memory: '64Mi' }, limits: { cpu: '500m', memory: '64Mi' } } }] },
  };
  const path = await ensurePodCgroup('/skiff/n1', pod, mount);
  assert.equal(path, '/skiff/n1/kubepods/podu1');
  for (const h of ['cpu', 'memory', 'pids']) assert.ok((await stat(join(mount, h, path))).isDirectory(), h);
  await assert.rejects(stat(join(mount, 'unified', path)));
  assert.equal(await readFile(join(mount, 'cpu', path, 'cpu.shares'), 'utf8'), '512');
  assert.equal(await readFile(join(mount, 'cpu', path, 'cpu.cfs_quota_us'), 'utf8'), '50000');
  assert.equal(await readFile(join(mount, 'cpu', path, 'cpu.cfs_period_us'), 'utf8'), '100000');
  assert.equal(await readFile(join(mount, 'memory', path, 'memory.limit_in_bytes'), 'utf8'), String(64 * 1024 ** 2));
  assert.equal(await readFile(join(mount, 'cpu', '/skiff/n1/kubepods/besteffort', 'cpu.shares'), 'utf8'), '2');
  await ensurePodCgroup('/skiff/n1', { metadata: { uid: 'u2' }, spec: { containers: [{ name: 'a' }] } }, mount);
  assert.deepEqual([...(await listPodCgroups('/skiff/n1', mount))].sort(), [
    ['u1', '/skiff/n1/kubepods/podu1'], ['u2', '/skiff/n1/kubepods/besteffort/podu2'],
  ]);
  // Files stand in for the kernel's here, so clear them before rmdir can work.
  for (const h of ['cpu', 'memory']) await rm(join(mount, h, path), { recursive: true });
  assert.equal(await removeCgroup(path, mount), true);
  assert.deepEqual([...(await listPodCgroups('/skiff/n1', mount)).keys()], ['u2']);
});
