// The container-runtime foundation for real: local busybox images, a private containerd with a
// CNI bridge for a test subnet, and one pod driven through the CRI from sandbox to removal.
// Needs root (CI is root); skipped otherwise.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { connectCri, type CriClient, type PodSandboxConfig, type Input } from '../src/agent/runtime/cri-client.ts';
import { containerdConfig, startContainerd, type RunningContainerd } from '../src/agent/runtime/containerd.ts';
import { buildBusyboxImage, busyboxImageRef, importImage, normalizeImageName } from '../src/agent/runtime/images.ts';
import { bridgeConflist, deleteBridge, ensureBridge, firstHost, writeBridgeConfig } from '../src/agent/runtime/cni.ts';
import { until } from './helpers/wait.ts';
import { mountsUnder, processesMentioning } from '../src/agent/runtime/host-cleanup.ts';

const run = promisify(execFile);
const isRoot = process.getuid?.() === 0;

// A subnet and bridge of this test run only, inside the cluster range 10.42.0.0/16.
const SUBNET_OCTET = 200 + (process.pid % 50);
const SUBNET = `10.42.${SUBNET_OCTET}.0/24`;
const GATEWAY = `10.42.${SUBNET_OCTET}.1`;
const BRIDGE = `skt${process.pid}`.slice(0, 15);
// The pod cgroup the kubelet would own; containerd does not remove it (notes, pitfall 4).
const CGROUP_PARENT = `/skiff-cri-test-${process.pid}`;

/** This test's pod cgroup directories in every mounted hierarchy. */
async function podCgroups(): Promise<string[]> {
  const found: string[] = [];
  for (const hierarchy of await readdir('/sys/fs/cgroup')) {
    const d = join('/sys/fs/cgroup', hierarchy, CGROUP_PARENT);
    if (await stat(d).then(() => true, () => false)) found.push(d);
  }
  return found;
}

async function firewallRules(): Promise<string> {
  const dump = async (cmd: string) =>
    (await run(cmd, []).then((r) => r.stdout, () => '')).split('\n').filter((l) => l && !l.startsWith('#')).join('\n');
  return `${await dump('iptables-save')}\n${await dump('ip6tables-save')}`;
}

test('a pod runs through containerd CRI: network, HTTP, exec, logs, teardown', { skip: isRoot ? false : 'needs root to run containerd', timeout: 120_000 }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'skiff-cri-'));
  const rulesBefore = await firewallRules();
  const ipForwardBefore = await readFile('/proc/sys/net/ipv4/ip_forward', 'utf8');
  const timings: Record<string, number> = {};
  const timed = async <T>(name: string, f: () => Promise<T>): Promise<T> => {
    const start = performance.now();
    try { return await f(); } finally { timings[name] = Math.round(performance.now() - start); }
  };
  let containerd: RunningContainerd | undefined;
  let cri: CriClient | undefined;

  try {
    // Images, built offline.
    const pauseRef = busyboxImageRef('skiff.local/pause', 'test');
    const httpRef = busyboxImageRef('skiff.local/http-test', 'v1');
    const [pauseArchive, httpArchive] = await timed('build images', () => Promise.all([
      buildBusyboxImage({ name: 'skiff.local/pause', tag: 'test', entrypoint: ['/bin/sleep', 'inf'], workDir: join(dir, 'images') }),
      buildBusyboxImage({
        name: 'skiff.local/http-test', tag: 'v1', entrypoint: ['/bin/httpd', '-f', '-v', '-p', '8080', '-h', '/www'],
        workDir: join(dir, 'images'), files: { '/www/index.html': 'hello from skiff\n' },
      }),
    ]));

    const cniConfDir = join(dir, 'net.d');
    await writeBridgeConfig(cniConfDir, { bridge: BRIDGE, subnet: SUBNET, gateway: GATEWAY, name: 'skiff-test', ipamDataDir: join(dir, 'ipam') });
    containerd = await timed('start containerd', () => startContainerd({
      dir: join(dir, 'containerd'), pauseImage: pauseRef, cniConfDir, log: (m) => t.diagnostic(m),
    }));
    await timed('import images', async () => {
      await importImage(containerd!.socket, pauseArchive);
      await importImage(containerd!.socket, httpArchive);
    });
    cri = await connectCri(containerd.socket);

    const version = await cri.version({ version: 'v1' });
    assert.equal(version.runtimeName, 'containerd');
    assert.equal(version.runtimeApiVersion, 'v1');
    const status = await cri.status({});
    assert.ok(status.status?.conditions.some((c) => c.type === 'RuntimeReady' && c.status), JSON.stringify(status.status));
    const images = await cri.listImages({});
    const tags = images.images.flatMap((i) => i.repoTags);
    assert.ok(tags.includes(pauseRef) && tags.includes(httpRef), `images: ${tags.join(', ')}`);
    const imageStatus = await cri.imageStatus({ image: { image: httpRef } });
    assert.ok(imageStatus.image && imageStatus.image.size > 0);
    assert.equal((await cri.imageStatus({ image: { image: 'skiff.local/absent:1' } })).image, null);

    // The sandbox.
    const logDirectory = join(dir, 'pods', 'default_web_uid-1');
    const sandboxConfig: Input<PodSandboxConfig> = {
      metadata: { name: 'web', namespace: 'default', uid: 'uid-1', attempt: 0 },
      hostname: 'web',
      logDirectory,
      labels: { 'io.kubernetes.pod.name': 'web' },
      annotations: { note: 'kept as given' },
      linux: { cgroupParent: CGROUP_PARENT },
    };
    const { podSandboxId } = await timed('RunPodSandbox', () => cri!.runPodSandbox({ config: sandboxConfig }));
    assert.ok(podSandboxId);
    const sandbox = (await cri.podSandboxStatus({ podSandboxId })).status;
    assert.equal(sandbox?.state, 'SANDBOX_READY');
    assert.deepEqual(sandbox?.metadata, { name: 'web', namespace: 'default', uid: 'uid-1', attempt: 0 });
    assert.equal(sandbox?.annotations.note, 'kept as given');
    const podIP = sandbox?.network?.ip ?? '';
    assert.match(podIP, new RegExp(`^10\\.42\\.${SUBNET_OCTET}\\.\\d+$`), `pod IP ${podIP} is in ${SUBNET}`);
    assert.notEqual(podIP, GATEWAY);
    assert.deepEqual((await cri.listPodSandbox({ filter: { id: podSandboxId } })).items.map((p) => p.id), [podSandboxId]);

    // The container.
    const { containerId } = await timed('CreateContainer', () => cri!.createContainer({
      podSandboxId,
      config: {
        metadata: { name: 'http', attempt: 0 },
        image: { image: httpRef },
        logPath: 'http/0.log',
        envs: [{ key: 'GREETING', value: 'hi' }],
        labels: { 'io.kubernetes.container.name': 'http' },
        linux: { resources: { cpuShares: 2, memoryLimitInBytes: 64 * 1024 * 1024 } },
      },
      sandboxConfig,
    }));
    await timed('StartContainer', () => cri!.startContainer({ containerId }));
    const running = (await cri.containerStatus({ containerId })).status;
    assert.equal(running?.state, 'CONTAINER_RUNNING');
    assert.ok((running?.startedAt ?? 0) > 0);
    assert.equal(running?.logPath, join(logDirectory, 'http/0.log'));
    // The container lives in the pod cgroup given, with its memory limit applied.
    const memoryLimit = await readFile(join('/sys/fs/cgroup/memory', CGROUP_PARENT, containerId, 'memory.limit_in_bytes'), 'utf8');
    assert.equal(memoryLimit.trim(), String(64 * 1024 * 1024));
    const listed = await cri.listContainers({ filter: { podSandboxId } });
    assert.deepEqual(listed.containers.map((c) => [c.id, c.state]), [[containerId, 'CONTAINER_RUNNING']]);

    // Traffic from the host into the pod's network namespace.
    let body = '';
    await until(`HTTP answer from ${podIP}:8080`, async () => {
      const res = await fetch(`http://${podIP}:8080/`, { signal: AbortSignal.timeout(1000) }).catch(() => undefined);
      if (!res?.ok) return false;
      body = await res.text();
      return true;
    }, 15_000);
    assert.equal(body, 'hello from skiff\n');

    // Exec, synchronously.
    const exec = await timed('ExecSync', () => cri!.execSync({ containerId, cmd: ['echo', 'hi'], timeout: 10 }));
    assert.equal(exec.stdout.toString(), 'hi\n');
    assert.equal(exec.exitCode, 0);
    const failing = await cri.execSync({ containerId, cmd: ['sh', '-c', 'echo oops >&2; exit 3'], timeout: 10 });
    assert.equal(failing.stderr.toString(), 'oops\n');
    assert.equal(failing.exitCode, 3);
    const env = await cri.execSync({ containerId, cmd: ['sh', '-c', 'echo $GREETING $(hostname)'], timeout: 10 });
    assert.equal(env.stdout.toString(), 'hi web\n');

    // Streaming endpoints are handed out on the loopback stream server.
    const { url } = await cri.exec({ containerId, cmd: ['sh'], stdout: true });
    assert.match(url, new RegExp(`^http://127\\.0\\.0\\.1:${containerd.streamPort}/exec/`));

    // Container logs, in CRI format (httpd -v logs each request to stderr).
    const logFile = join(logDirectory, 'http/0.log');
    let logText = '';
    await until('a CRI log line', async () => {
      logText = await readFile(logFile, 'utf8').catch(() => '');
      return logText.length > 0;
    }, 5_000);
    for (const line of logText.trimEnd().split('\n')) {
      assert.match(line, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d) (stdout|stderr) [FP] /, line);
    }

    const stats = await cri.containerStats({ containerId });
    assert.equal(stats.stats?.attributes?.id, containerId);

    // Teardown through the CRI.
    await timed('StopContainer', () => cri!.stopContainer({ containerId, timeout: 2 }));
    const exited = (await cri.containerStatus({ containerId })).status;
    assert.equal(exited?.state, 'CONTAINER_EXITED');
    await cri.removeContainer({ containerId });
    assert.deepEqual((await cri.listContainers({})).containers, []);
    await timed('StopPodSandbox', () => cri!.stopPodSandbox({ podSandboxId }));
    assert.equal((await cri.podSandboxStatus({ podSandboxId })).status?.state, 'SANDBOX_NOTREADY');
    await cri.removePodSandbox({ podSandboxId });
    assert.deepEqual((await cri.listPodSandbox({})).items, []);
    await assert.rejects(cri.podSandboxStatus({ podSandboxId }), /not found/i);
  } finally {
    // Leave nothing behind, even after a failed assertion.
    if (cri) {
      for (const pod of (await cri.listPodSandbox({}).catch(() => ({ items: [] }))).items) {
        await cri.stopPodSandbox({ podSandboxId: pod.id }).catch(() => undefined);
        await cri.removePodSandbox({ podSandboxId: pod.id }).catch(() => undefined);
      }
      cri.close();
    }
    if (containerd) await timed('stop containerd', () => containerd!.stop());
    const socket = join(dir, 'containerd', 'containerd.sock');
    for (const pid of await processesMentioning(socket)) {
      t.diagnostic(`killing leftover process ${pid}`);
      try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
    }
    for (const mount of await mountsUnder(dir)) await run('umount', ['-l', mount]).catch(() => undefined);
    for (const cgroup of await podCgroups()) await rmdir(cgroup).catch(() => undefined);
    await deleteBridge(BRIDGE);
    await writeFile('/proc/sys/net/ipv4/ip_forward', ipForwardBefore).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
    t.diagnostic(`timings (ms): ${JSON.stringify(timings)}`);
  }

  // Nothing remains: processes, mounts, bridge, firewall rules, files.
  assert.deepEqual(await processesMentioning(dir), []);
  assert.deepEqual(await mountsUnder(dir), []);
  assert.deepEqual(await podCgroups(), []);
  await assert.rejects(run('ip', ['link', 'show', 'dev', BRIDGE]));
  assert.equal(await firewallRules(), rulesBefore);
  await assert.rejects(stat(dir));
});

test('image names are normalized the way the CRI stores them', () => {
  const cases: [string, string][] = [
    ['pause', 'docker.io/library/pause'],
    ['skiff/pause', 'docker.io/skiff/pause'],
    ['skiff.local/pause', 'skiff.local/pause'],
    ['localhost/pause', 'localhost/pause'],
    ['127.0.0.1:5000/x/y', '127.0.0.1:5000/x/y'],
  ];
  for (const [name, want] of cases) assert.equal(normalizeImageName(name), want, name);
  assert.equal(busyboxImageRef('pause', '1'), 'docker.io/library/pause:1');
});

test('the bridge network has a gateway, no masquerade and host-local IPAM', () => {
  assert.equal(firstHost('10.42.0.0/24'), '10.42.0.1');
  assert.equal(firstHost('10.42.3.128/25'), '10.42.3.129');
  const conf = bridgeConflist({ bridge: 'skiff0', subnet: '10.42.0.0/24' }) as { plugins: Record<string, unknown>[] };
  assert.deepEqual(conf.plugins[0], {
    type: 'bridge', bridge: 'skiff0', isGateway: true, ipMasq: false, hairpinMode: true,
    ipam: { type: 'host-local', ranges: [[{ subnet: '10.42.0.0/24', gateway: '10.42.0.1' }]], routes: [{ dst: '0.0.0.0/0' }] },
  });
});

test('the containerd config keeps everything under its directory', () => {
  const toml = containerdConfig({ dir: '/d', pauseImage: 'skiff.local/pause:1', streamPort: 10010, cniConfDir: '/d/net.d', cniBinDir: '/usr/lib/cni' });
  for (const line of [
    'root = "/d/root"', 'state = "/d/state"', 'address = "/d/containerd.sock"', 'Root = "/d/runc"',
    'restrict_oom_score_adj = true', 'netns_mounts_under_state_dir = true', 'disable_apparmor = true',
    'stream_server_address = "127.0.0.1"', 'stream_server_port = "10010"', 'sandbox_image = "skiff.local/pause:1"',
    'conf_dir = "/d/net.d"', 'bin_dir = "/usr/lib/cni"', 'BinaryName = "/usr/sbin/runc"',
  ]) assert.ok(toml.includes(line), line);
});

test('a node bridge left with an earlier pod CIDR gets the new gateway only', { skip: isRoot ? false : 'needs root for ip link' }, async () => {
  const bridge = `skb${process.pid}`.slice(0, 15);
  try {
    await run('ip', ['link', 'add', 'name', bridge, 'type', 'bridge']);
    await run('ip', ['addr', 'add', '10.254.1.1/24', 'dev', bridge]);
    await ensureBridge({ bridge, subnet: '10.254.2.0/24' });
    await ensureBridge({ bridge, subnet: '10.254.2.0/24' }); // idempotent
    const { stdout } = await run('ip', ['-4', '-o', 'addr', 'show', 'dev', bridge]);
    assert.deepEqual([...stdout.matchAll(/inet (\S+)/g)].map((m) => m[1]), ['10.254.2.1/24']);
  } finally {
    await deleteBridge(bridge);
  }
});
