// A second machine's node: `skiff agent --server URL --token TOKEN` joins over HTTPS only,
// registers its node, gets a pod CIDR and runs the pods bound to it, and the API server reaches
// it for logs and exec. Needs root (CI is root).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { SKIFF, startServer } from './helpers/server.ts';
import { skipUnlessRoot, testImageArchives, TEST_IMAGES } from './helpers/cri-harness.ts';
import { until } from './helpers/wait.ts';

const run = promisify(execFile);

test('skiff agent joins a real node that runs pods', { skip: skipUnlessRoot, timeout: 180_000 }, async (t) => {
  const s = await startServer({ args: ['--cluster-cidr', '10.149.0.0/16'] });
  t.after(() => s.destroy());
  const agentDir = mkdtempSync(join(tmpdir(), 'skiff-agent-'));
  // The bridge plugin turns forwarding on; it is put back as it was.
  const ipForwardBefore = readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8');
  const token = readFileSync(join(s.dataDir, 'server', 'token'), 'utf8').trim();
  const agent = spawn(SKIFF, ['agent', '--server', s.url, '--token', token, '--data-dir', agentDir, '--node-name', 'joined',
    '--node-ip', '127.0.0.1', '--kubelet-port', '0', '--node-label', 'site=far'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let logs = '';
  agent.stdout!.on('data', (d) => { logs += d; });
  agent.stderr!.on('data', (d) => { logs += d; });
  const exited = new Promise<void>((r) => agent.once('exit', () => r()));
  t.after(async () => {
    if (agent.exitCode === null && agent.signalCode === null) { agent.kill('SIGTERM'); await exited; }
    await run(SKIFF, ['killall', '--data-dir', agentDir]).catch(() => undefined);
    writeFileSync('/proc/sys/net/ipv4/ip_forward', ipForwardBefore);
    rmSync(agentDir, { recursive: true, force: true });
  });

  await until('the joined node is Ready', async () => {
    const r = await s.kubectl(['get', 'node', 'joined', '-o', 'json']);
    if (r.code !== 0) return false;
    const node = JSON.parse(r.stdout);
    return node.status.conditions.some((c: { type: string; status: string }) => c.type === 'Ready' && c.status === 'True');
  }, 60_000).catch((err) => { throw new Error(`${err.message}\nagent logs:\n${logs}`); });
  const node = JSON.parse(await s.k('get', 'node', 'joined', '-o', 'json'));
  assert.equal(node.metadata.labels.site, 'far');
  assert.equal(node.metadata.labels['node-role.kubernetes.io/control-plane'], undefined, 'agents are not control-plane nodes');
  assert.match(node.spec.podCIDR, /^10\.149\.\d+\.0\/24$/);

  const { httpd } = await testImageArchives();
  await run(SKIFF, ['images', 'import', httpd, '--data-dir', agentDir]);
  await s.k('run', 'far', `--image=${TEST_IMAGES.httpd}`);
  await s.k('wait', '--for=condition=Ready', 'pod/far', '--timeout=60s');
  const pod = JSON.parse(await s.k('get', 'pod', 'far', '-o', 'json'));
  assert.equal(pod.spec.nodeName, 'joined');
  assert.ok(pod.status.podIP.startsWith(node.spec.podCIDR.split('.').slice(0, 3).join('.') + '.'), 'the pod IP is in the node CIDR');
  const page = await fetch(`http://${pod.status.podIP}:8080/`, { signal: AbortSignal.timeout(5000) });
  assert.equal(await page.text(), 'hello from skiff\n');
  assert.equal((await s.k('exec', 'far', '--', 'hostname')).trim(), 'far');
  await until('the request shows in the logs', async () => /response:200/.test(await s.k('logs', 'far')), 10_000);

  await s.k('delete', 'pod', 'far', '--grace-period=1', '--wait=true', '--timeout=60s');
  assert.equal((await s.kubectl(['get', 'pod', 'far'])).code, 1);
});
