// Simulated nodes: in a real `skiff server --simulated-nodes`, seen through kubectl (Ready nodes
// with upstream's columns, leases, pods that run, finish and go away), joined from a second
// process with `skiff agent --simulate`, and on an in-process stack at a few hundred nodes
// (subnets around other nodes' CIDRs, unique pod addresses, restarts that keep what was assigned).
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Node, Pod } from 'kubernetes-types/core/v1';
import type { Lease } from 'kubernetes-types/coordination/v1';
import { startServer, SKIFF, type TestServer } from './helpers/server.ts';
import { openSqliteStore } from '../src/storage/sqlite-store.ts';
import { ResourceIndex } from '../src/apiserver/resource-index.ts';
import { GenericRegistry } from '../src/apiserver/generic-registry.ts';
import { allResources } from '../src/api/all.ts';
import type { KObject } from '../src/api/types.ts';
import { inProcessClient } from '../src/client/in-process-client.ts';
import { createLogger } from '../src/cli/log.ts';
import { startSimulatedNodes } from '../src/agent/simulated-nodes.ts';
import { cidrContains, parseIpv4, parseIpv4Cidr } from '../src/agent/node-cidrs.ts';

const CAPACITY = { cpu: '8', memory: '32Gi', pods: '110', 'ephemeral-storage': '100Gi' };

async function eventually<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}${last ? `: ${last}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function inCidr(ip: string, cidr: string): boolean {
  return cidrContains(parseIpv4Cidr(cidr)!, parseIpv4(ip)!);
}

describe('skiff server --simulated-nodes', () => {
  let s: TestServer;
  let firstRenewTimes: Map<string, string>;
  const node = async (name: string) => JSON.parse(await s.k('get', 'node', name, '-o', 'json')) as Node;
  const pod = async (name: string) => JSON.parse(await s.k('get', 'pod', name, '-o', 'json')) as Pod;
  const applyPod = (manifest: object) => s.kubectl(['apply', '-f', '-'], { input: JSON.stringify(manifest) });

  before(async () => {
    s = await startServer({ args: ['--simulated-nodes', '3', '--node-label', 'zone=a', '--node-taint', 'example.com/sim=yes:PreferNoSchedule'] });
  });
  after(async () => { await s?.destroy(); });

  test('kubectl get nodes shows them Ready with upstream columns', async () => {
    const out = await eventually('3 Ready nodes', async () => {
      const text = await s.k('get', 'nodes');
      return (text.match(/ Ready /g) ?? []).length === 3 && text;
    });
    const lines = out.trimEnd().split('\n');
    assert.match(lines[0], /^NAME\s+STATUS\s+ROLES\s+AGE\s+VERSION$/);
    for (let i = 0; i < 3; i++) assert.match(lines[i + 1], new RegExp(`^sim-node-${i}\\s+Ready\\s+<none>\\s+\\d+s\\s+v1\\.32\\.0$`));
    assert.deepEqual((await s.k('get', 'nodes', '-l', 'zone=a,node.skiff.io/simulated=true', '-o', 'name')).trim().split('\n'),
      ['node/sim-node-0', 'node/sim-node-1', 'node/sim-node-2']);

    const n = await node('sim-node-1');
    assert.equal(n.metadata?.labels?.['kubernetes.io/hostname'], 'sim-node-1');
    assert.equal(n.metadata?.labels?.['kubernetes.io/os'], 'linux');
    assert.ok(n.metadata?.labels?.['kubernetes.io/arch']);
    assert.deepEqual(n.spec?.taints, [{ key: 'example.com/sim', value: 'yes', effect: 'PreferNoSchedule' }]);
    assert.deepEqual(n.status?.capacity, CAPACITY);
    assert.deepEqual(n.status?.allocatable, CAPACITY);
    assert.deepEqual(n.status?.conditions?.map((c) => [c.type, c.status, c.reason]), [
      ['MemoryPressure', 'False', 'KubeletHasSufficientMemory'], ['DiskPressure', 'False', 'KubeletHasNoDiskPressure'],
      ['PIDPressure', 'False', 'KubeletHasSufficientPID'], ['Ready', 'True', 'KubeletReady'],
    ]);
    assert.equal(n.status?.nodeInfo?.kubeletVersion, 'v1.32.0');
    const ip = n.status?.addresses?.find((a) => a.type === 'InternalIP')?.address ?? '';
    assert.ok(inCidr(ip, '198.18.0.0/15'), `node address ${ip} is in a range nothing routes to`);

    const cidrs = await Promise.all([0, 1, 2].map(async (i) => (await node(`sim-node-${i}`)).spec?.podCIDR));
    assert.deepEqual(cidrs, ['10.42.0.0/24', '10.42.1.0/24', '10.42.2.0/24']);
    assert.deepEqual(n.spec?.podCIDRs, ['10.42.1.0/24']);
  });

  test('each node holds a Lease in kube-node-lease', async () => {
    const out = await s.k('get', 'leases', '-n', 'kube-node-lease');
    assert.match(out, /^NAME\s+HOLDER\s+AGE$/m);
    for (let i = 0; i < 3; i++) assert.match(out, new RegExp(`^sim-node-${i}\\s+sim-node-${i}\\s+\\d+s$`, 'm'));
    const leases = JSON.parse(await s.k('get', 'leases', '-n', 'kube-node-lease', '-o', 'json')).items as Lease[];
    const n = await node('sim-node-0');
    const lease = leases.find((l) => l.metadata?.name === 'sim-node-0')!;
    assert.equal(lease.spec?.leaseDurationSeconds, 40);
    assert.deepEqual(lease.metadata?.ownerReferences?.map((o) => [o.kind, o.name, o.uid]), [['Node', 'sim-node-0', n.metadata?.uid]]);
    firstRenewTimes = new Map(leases.map((l) => [l.metadata!.name!, l.spec!.renewTime!]));
  });

  test('a pod bound to a node runs with an address from its pod CIDR, and kubectl delete returns', async () => {
    const r = await applyPod({
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'default' },
      spec: { nodeName: 'sim-node-1', containers: [{ name: 'nginx', image: 'nginx:1.27', resources: { requests: { cpu: '100m' }, limits: { cpu: '100m' } } }] },
    });
    assert.equal(r.code, 0, r.stderr);
    const line = await eventually('web Running', async () => {
      const out = await s.k('get', 'pod', 'web', '-o', 'wide', '--no-headers');
      return /\s1\/1\s+Running\s/.test(out) && out;
    });
    const p = await pod('web');
    assert.ok(p.status?.podIP && inCidr(p.status.podIP, '10.42.1.0/24'), `pod IP ${p.status?.podIP} in sim-node-1's CIDR`);
    assert.match(line, new RegExp(`^web\\s+1/1\\s+Running\\s+0\\s+\\d+s\\s+${p.status!.podIP!.replace(/\./g, '\\.')}\\s+sim-node-1\\s`));
    assert.deepEqual(p.status?.conditions?.map((c) => [c.type, c.status]), [
      ['PodReadyToStartContainers', 'True'], ['Initialized', 'True'], ['Ready', 'True'], ['ContainersReady', 'True'], ['PodScheduled', 'True'],
    ]);
    assert.equal(p.status?.hostIP, (await node('sim-node-1')).status?.addresses?.[0]?.address);
    assert.equal(p.status?.qosClass, 'Burstable');
    assert.ok(p.status?.startTime);
    const cs = p.status?.containerStatuses?.[0];
    assert.equal(cs?.ready, true);
    assert.equal(cs?.started, true);
    assert.ok(cs?.state?.running?.startedAt);

    const described = await s.k('describe', 'pod', 'web');
    assert.match(described, /Started container nginx/);

    const del = await s.kubectl(['delete', 'pod', 'web', '--timeout=20s']);
    assert.equal(del.code, 0, del.stderr);
    assert.match(del.stdout, /pod "web" deleted/);
    const gone = await s.kubectl(['get', 'pod', 'web']);
    assert.match(gone.stderr, /pods "web" not found/);
  });

  test('pods that declare they finish go Completed', async () => {
    const job = await s.kubectl(['apply', '-f', '-'], { input: JSON.stringify({
      apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'batch', namespace: 'default' },
      spec: { suspend: true, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } } },
    }) });
    assert.equal(job.code, 0, job.stderr);
    const jobObj = JSON.parse(await s.k('get', 'job', 'batch', '-o', 'json'));
    for (const manifest of [
      { metadata: { name: 'once', namespace: 'default', annotations: { 'skiff.io/simulate-completion-after': '500ms' } }, spec: { nodeName: 'sim-node-0', restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } },
      { metadata: { name: 'job-pod', namespace: 'default', ownerReferences: [{ apiVersion: 'batch/v1', kind: 'Job', name: 'batch', uid: jobObj.metadata.uid, controller: true }] }, spec: { nodeName: 'sim-node-2', restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } },
      { metadata: { name: 'forever', namespace: 'default' }, spec: { nodeName: 'sim-node-0', restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } },
    ]) {
      const r = await s.kubectl(['apply', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'Pod', ...manifest }) });
      assert.equal(r.code, 0, r.stderr);
    }
    for (const name of ['once', 'job-pod']) {
      await eventually(`${name} Completed`, async () => /\s0\/1\s+Completed\s/.test(await s.k('get', 'pod', name, '--no-headers')));
      const p = await pod(name);
      assert.equal(p.status?.phase, 'Succeeded');
      const t = p.status?.containerStatuses?.[0]?.state?.terminated;
      assert.equal(t?.exitCode, 0);
      assert.equal(t?.reason, 'Completed');
    }
    assert.equal((await pod('forever')).status?.phase, 'Running', 'no annotation, no Job: runs until deleted');
    await s.k('delete', 'pod', 'once', 'job-pod', 'forever', '--timeout=20s');
  });

  test('skiff agent --simulate joins more nodes from another process', async () => {
    const token = readFileSync(join(s.dataDir, 'server', 'token'), 'utf8').trim();
    const agent = spawnAgent(['--server', s.url, '--token', token, '--simulate', '2', '--node-name-prefix', 'far', '--node-label', 'zone=b']);
    try {
      await eventually('far nodes Ready', async () => {
        const out = await s.k('get', 'nodes', '-l', 'zone=b');
        return /^far-0\s+Ready\s+<none>\s+\d+s\s+v1\.32\.0$/m.test(out) && /^far-1\s+Ready\s/m.test(out);
      }, 30_000);
      const far0 = await node('far-0');
      assert.equal(far0.spec?.podCIDR, '10.42.3.0/24', 'the next /24 after the server\'s nodes');
      assert.notEqual(far0.status?.addresses?.[0]?.address, (await node('sim-node-0')).status?.addresses?.[0]?.address);
      await s.k('get', 'lease', '-n', 'kube-node-lease', 'far-0', 'far-1');

      // The agent plays the kubelet for its own nodes, over HTTPS.
      const r = await s.kubectl(['apply', '-f', '-'], { input: JSON.stringify({
        apiVersion: 'v1', kind: 'Pod', metadata: { name: 'far-pod', namespace: 'default' },
        spec: { nodeName: 'far-1', containers: [{ name: 'c', image: 'nginx' }] },
      }) });
      assert.equal(r.code, 0, r.stderr);
      await eventually('far-pod Running', async () => (await pod('far-pod')).status?.phase === 'Running');
      assert.ok(inCidr((await pod('far-pod')).status!.podIP!, (await node('far-1')).spec!.podCIDR!));
      const del = await s.kubectl(['delete', 'pod', 'far-pod', '--timeout=20s']);
      assert.equal(del.code, 0, del.stderr);
    } finally {
      const code = await stopProcess(agent.child);
      assert.equal(code, 0, `agent exit code; its log:\n${agent.logs()}`);
    }
    assert.match(agent.logs(), /simulated nodes registered/);
  });

  test('skiff agent refuses a token whose CA pin does not match, and bad flags', async () => {
    const token = readFileSync(join(s.dataDir, 'server', 'token'), 'utf8').trim();
    const forged = token.replace(/^K10[0-9a-f]{64}/, `K10${'a'.repeat(64)}`);
    const bad = spawnAgent(['--server', s.url, '--token', forged, '--simulate', '1']);
    assert.equal(await exited(bad.child), 1);
    assert.match(bad.logs(), /token CA hash does not match/);

    const badPort = spawnAgent(['--server', s.url, '--token', token, '--kubelet-port', 'ten']);
    assert.equal(await exited(badPort.child), 2);
    assert.match(badPort.logs(), /invalid --kubelet-port ten/);
  });

  test('leases are renewed', async () => {
    await eventually('every lease renewed', async () => {
      const leases = JSON.parse(await s.k('get', 'leases', '-n', 'kube-node-lease', '-o', 'json')).items as Lease[];
      return [...firstRenewTimes].every(([name, first]) => {
        const now = leases.find((l) => l.metadata?.name === name)?.spec?.renewTime;
        return now && Date.parse(now) > Date.parse(first);
      });
    }, 15_000);
  });
});

function spawnAgent(args: string[]): { child: ChildProcess; logs(): string } {
  const child = spawn(SKIFF, ['agent', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let logs = '';
  child.stdout!.on('data', (d) => { logs += d; });
  child.stderr!.on('data', (d) => { logs += d; });
  return { child, logs: () => logs };
}

function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((r) => child.once('exit', (code) => r(code)));
}

async function stopProcess(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode;
  process.kill(child.pid!, 'SIGTERM');
  return exited(child);
}

// ---- in process, at a few hundred nodes -----------------------------------------------------

test('in process: hundreds of nodes and pods, subnets around other nodes, unique addresses, restart keeps them', async () => {
  const store = openSqliteStore(':memory:');
  const index = new ResourceIndex(allResources);
  const registry = new GenericRegistry(store, {});
  const client = inProcessClient(registry, index, { name: 'test', groups: [] });
  for (const name of ['default', 'kube-node-lease']) await client.resource('', 'v1', 'namespaces').create({ metadata: { name } });
  const nodesApi = client.resource<Node & KObject>('', 'v1', 'nodes');
  const podsApi = client.resource<Pod & KObject>('', 'v1', 'pods');
  // Another node already holds the first /24.
  await nodesApi.create({ metadata: { name: 'other' }, spec: { podCIDR: '10.42.0.0/24' } });
  const log = createLogger(process.env.SKIFF_TEST_LOG ? 'debug' : 'error');
  const COUNT = 300;
  const PODS = 600;
  const opts = { client, count: COUNT, capacity: CAPACITY, log };

  let sim = startSimulatedNodes(opts);
  try {
    await sim.ready;
    const nodes = (await nodesApi.list()).items.filter((n) => n.metadata?.name !== 'other');
    assert.equal(nodes.length, COUNT);
    const cidrs = new Map(nodes.map((n) => [n.metadata!.name!, n.spec!.podCIDR!]));
    assert.equal(new Set(cidrs.values()).size, COUNT, 'pod CIDRs are distinct');
    assert.ok(![...cidrs.values()].some((c) => c.startsWith('10.42.0.')), 'the other node\'s /24 is skipped');
    // 300 nodes do not fit a /16 as /24s: each gets a /25, still room for 110 pods.
    assert.equal(cidrs.get('sim-node-0'), '10.42.1.0/25');
    assert.ok(nodes.every((n) => n.status?.capacity?.pods === '110'));
    assert.equal((await client.resource('coordination.k8s.io', 'v1', 'leases').list({ namespace: 'kube-node-lease' })).items.length, COUNT);

    for (let i = 0; i < PODS; i++) {
      await podsApi.create({ metadata: { name: `p-${i}`, namespace: 'default' }, spec: { nodeName: `sim-node-${i % COUNT}`, containers: [{ name: 'c', image: 'pause' }] } });
    }
    const running = await eventually('all pods Running', async () => {
      const items = (await podsApi.list({ namespace: 'default' })).items;
      return items.filter((p) => p.status?.phase === 'Running').length === PODS && items;
    }, 30_000);
    const ips = running.map((p) => p.status!.podIP!);
    assert.equal(new Set(ips).size, PODS, 'pod addresses are unique');
    for (const p of running) assert.ok(inCidr(p.status!.podIP!, cidrs.get(p.spec!.nodeName!)!), `${p.metadata?.name} in its node's CIDR`);

    // A restart keeps every node's CIDR and every pod's address, and still hands out fresh ones.
    await sim.stop();
    sim = startSimulatedNodes(opts);
    await sim.ready;
    const again = (await nodesApi.list()).items.filter((n) => n.metadata?.name !== 'other');
    assert.deepEqual(new Map(again.map((n) => [n.metadata!.name!, n.spec!.podCIDR!])), cidrs);
    await podsApi.create({ metadata: { name: 'late', namespace: 'default' }, spec: { nodeName: 'sim-node-0', containers: [{ name: 'c', image: 'pause' }] } });
    const late = await eventually('late pod Running', async () => {
      const p = await podsApi.get('late', 'default');
      return p.status?.phase === 'Running' && p;
    });
    assert.ok(!ips.includes(late.status!.podIP!), 'a new pod does not reuse a running pod\'s address');
    assert.ok(inCidr(late.status!.podIP!, cidrs.get('sim-node-0')!));

    // Deleting a running pod: the simulated kubelet finishes and removes it.
    await podsApi.delete('p-0', { namespace: 'default' });
    await eventually('p-0 removed', async () => !(await podsApi.list({ namespace: 'default', fieldSelector: 'metadata.name=p-0' })).items.length);
  } finally {
    await sim.stop();
    await store.close();
  }
});
