// `kubectl top node` and `kubectl top pod` end to end: a real server, a private containerd running
// a CPU-burning busybox under a 200m quota, and an agent HTTPS server serving the stats provider's
// /stats/summary for a Node that points at it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startServer, kubectlVersion, type TestServer } from './helpers/server.ts';
import { startCriHarness, skipUnlessRoot, TEST_IMAGES, type CriHarness } from './helpers/cri-harness.ts';
import { createStatsProvider, type StatsProvider } from '../src/agent/kubelet/stats/stats-provider.ts';
import { createLogger } from '../src/cli/log.ts';

const run = promisify(execFile);
const NODE = 'metrics-node';

async function selfSignedCert(dir: string): Promise<{ cert: string; key: string }> {
  await run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
    '-subj', `/CN=${NODE}`, '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')]);
  return { cert: await readFile(join(dir, 'cert.pem'), 'utf8'), key: await readFile(join(dir, 'key.pem'), 'utf8') };
}

/** Polls kubectl until it succeeds and `ok` accepts its output. */
async function kubectlUntil(server: TestServer, args: string[], ok: (out: string) => boolean, binary?: string): Promise<string> {
  const deadline = Date.now() + 30_000;
  let last = '';
  while (Date.now() < deadline) {
    const r = await server.kubectl(args, { binary });
    last = `${r.code} ${r.stdout}${r.stderr}`;
    if (r.code === 0 && ok(r.stdout)) return r.stdout;
    await new Promise((res) => setTimeout(res, 500));
  }
  assert.fail(`kubectl ${args.join(' ')} never gave what was expected; last: ${last}`);
}

/** The row of a `kubectl top` table for name, split into cells. */
function row(out: string, name: string): string[] {
  const line = out.split('\n').find((l) => l.split(/\s+/)[0] === name);
  assert.ok(line, `no row for ${name} in:\n${out}`);
  return line.trim().split(/\s+/);
}

test('kubectl top node and top pod show usage read from the node agent', { skip: skipUnlessRoot, timeout: 120_000 }, async (t) => {
  let server: TestServer | undefined;
  let harness: CriHarness | undefined;
  let provider: StatsProvider | undefined;
  let agent: ReturnType<typeof createServer> | undefined;
  const certDir = await mkdtemp(join(tmpdir(), 'skiff-metrics-cert-'));
  try {
    [server, harness] = await Promise.all([startServer(), startCriHarness()]);
    const cri = harness.cri;
    provider = createStatsProvider({ cri, nodeName: NODE, log: createLogger('error') });
    agent = createServer(await selfSignedCert(certDir), (req, res) => {
      if (req.url?.startsWith(provider!.route.prefix)) provider!.route.handle(req, res);
      else { res.writeHead(404); res.end(); }
    });
    await new Promise<void>((r) => agent!.listen(0, '127.0.0.1', r));
    const agentPort = (agent.address() as AddressInfo).port;

    // The Node as an agent registers it, pointing at the stats server; and one that runs no agent.
    const nodeStatus = (ip: string, port: number) => ({
      capacity: { cpu: '2', memory: '4Gi', pods: '110' }, allocatable: { cpu: '2', memory: '4Gi', pods: '110' },
      addresses: [{ type: 'InternalIP', address: ip }, { type: 'Hostname', address: NODE }],
      daemonEndpoints: { kubeletEndpoint: { Port: port } },
    });
    let r = await server.http('POST', '/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: NODE }, status: nodeStatus('127.0.0.1', agentPort) });
    assert.equal(r.status, 201, r.text);
    r = await server.http('POST', '/api/v1/nodes', {
      apiVersion: 'v1', kind: 'Node', metadata: { name: 'sim-node-x', labels: { 'node.skiff.io/simulated': 'true' } }, status: nodeStatus('198.18.0.9', 10250),
    });
    assert.equal(r.status, 201, r.text);

    // A pod bound to it, running for real through the CRI with the kubelet's labels.
    r = await server.http('POST', '/api/v1/namespaces/default/pods', {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'burn', labels: { app: 'burn' } },
      spec: { nodeName: NODE, containers: [{ name: 'app', image: TEST_IMAGES.busybox, resources: { limits: { cpu: '200m', memory: '64Mi' } } }] },
    });
    assert.equal(r.status, 201, r.text);
    const uid = r.json().metadata.uid as string;
    r = await server.http('PATCH', '/api/v1/namespaces/default/pods/burn/status', { status: { phase: 'Running' } }, { 'Content-Type': 'application/merge-patch+json' });
    assert.equal(r.status, 200, r.text);

    const labels = { 'io.kubernetes.pod.name': 'burn', 'io.kubernetes.pod.namespace': 'default', 'io.kubernetes.pod.uid': uid };
    const sandboxConfig = {
      metadata: { name: 'burn', namespace: 'default', uid, attempt: 0 }, hostname: 'burn', labels,
      logDirectory: join(harness.dir, 'logs', `default_burn_${uid}`), linux: { cgroupParent: `${harness.cgroupRoot}/pod${uid}` },
    };
    const { podSandboxId } = await cri.runPodSandbox({ config: sandboxConfig });
    const { containerId } = await cri.createContainer({
      podSandboxId, sandboxConfig, config: {
        metadata: { name: 'app', attempt: 0 }, image: { image: TEST_IMAGES.busybox }, logPath: 'app/0.log',
        // 16 MiB in tmpfs (charged to the container as working set), then spin.
        command: ['sh', '-c', 'dd if=/dev/zero of=/dev/shm/fill bs=1048576 count=16 2>/dev/null; while :; do :; done'],
        labels: { ...labels, 'io.kubernetes.container.name': 'app' },
        linux: { resources: { cpuPeriod: 100_000, cpuQuota: 20_000, cpuShares: 204, memoryLimitInBytes: 64 * 1024 * 1024 } },
      },
    });
    await cri.startContainer({ containerId });

    // The API: discovery and the objects.
    const groups = (await server.http('GET', '/apis')).json().groups.map((g: { name: string }) => g.name);
    assert.ok(groups.includes('metrics.k8s.io'), groups.join(' '));
    const aggregated = (await server.http('GET', '/apis', undefined, { Accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList' })).json();
    assert.ok(aggregated.items.some((g: { metadata: { name: string } }) => g.metadata.name === 'metrics.k8s.io'));
    assert.deepEqual((await server.http('GET', '/apis/metrics.k8s.io/v1beta1')).json().resources.map((x: { name: string }) => x.name), ['nodes', 'pods']);

    const nodeList = (await server.http('GET', '/apis/metrics.k8s.io/v1beta1/nodes')).json();
    assert.equal(nodeList.kind, 'NodeMetricsList');
    assert.deepEqual(nodeList.items.map((n: { metadata: { name: string } }) => n.metadata.name), [NODE], 'the simulated node has no agent: left out');
    assert.match(nodeList.items[0].usage.cpu, /^\d+(n|u|m)?$/);
    assert.match(nodeList.items[0].usage.memory, /^\d+(Ki|Mi|Gi)?$/);
    assert.equal(nodeList.items[0].window, '10s');

    r = await server.http('GET', '/apis/metrics.k8s.io/v1beta1/nodes/sim-node-x');
    assert.equal(r.status, 404);
    assert.equal(r.json().message, 'nodemetrics.metrics.k8s.io "sim-node-x" not found');
    r = await server.http('GET', '/apis/metrics.k8s.io/v1beta1/nodes/absent');
    assert.equal(r.json().message, 'nodes "absent" not found');

    // The container's CPU rate needs two of the agent's samples; it is there within a second.
    const burn = async () => (await server!.http('GET', '/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/burn')).json();
    const deadline = Date.now() + 20_000;
    let pm = await burn();
    while (pm.kind !== 'PodMetrics' && Date.now() < deadline) { await new Promise((res) => setTimeout(res, 500)); pm = await burn(); }
    assert.equal(pm.kind, 'PodMetrics', JSON.stringify(pm));
    assert.deepEqual(pm.containers.map((c: { name: string }) => c.name), ['app']);
    assert.deepEqual(pm.metadata.labels, { app: 'burn' });

    const selected = async (sel: string) => (await server!.http('GET', `/apis/metrics.k8s.io/v1beta1/namespaces/default/pods?labelSelector=${encodeURIComponent(sel)}`)).json().items.length;
    assert.equal(await selected('app=burn'), 1);
    assert.equal(await selected('app=other'), 0);
    assert.equal((await server.http('GET', '/apis/metrics.k8s.io/v1beta1/pods')).json().items.length, 1);
    r = await server.http('DELETE', '/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/burn');
    assert.equal(r.status, 405);

    // kubectl get prints metrics-server's Table.
    const got = await server.k('get', 'pods.metrics.k8s.io', 'burn');
    assert.match(got, /^NAME\s+CPU\s+MEMORY\s+WINDOW\n/, got);
    assert.match(got, /^burn\s+\d+[num]?\s+\d+(Ki|Mi)\s+10s$/m, got);

    // kubectl, current and older.
    for (const binary of [kubectlVersion(32), kubectlVersion(29)]) {
      const nodeOut = await kubectlUntil(server, ['top', 'node', NODE], (out) => out.includes(NODE), binary);
      const [, cpu, cpuPct, memory, memPct] = row(nodeOut, NODE);
      assert.match(cpu, /^\d+m$/, nodeOut);
      assert.ok(parseInt(cpu) > 0, `node CPU is busy with the burner: ${nodeOut}`);
      assert.match(cpuPct, /^\d+%$/, nodeOut);
      assert.match(memory, /^\d+Mi$/, nodeOut);
      assert.ok(parseInt(memory) > 0, nodeOut);
      assert.match(memPct, /^\d+%$/, nodeOut);

      // Every node is listed; the one without an agent has no numbers.
      const allOut = await kubectlUntil(server, ['top', 'node'], (out) => out.includes(NODE), binary);
      assert.match(allOut, /\nsim-node-x\s+<unknown>/, allOut);
      assert.match(row(allOut, NODE)[1], /^\d+m$/, allOut);

      // The quota holds the burner at 200m; a sample taken while it started may read a little low.
      const podOut = await kubectlUntil(server, ['top', 'pod', 'burn'], (out) => {
        const cells = out.split('\n').find((l) => l.startsWith('burn'))?.trim().split(/\s+/);
        return !!cells && parseInt(cells[1]) >= 120;
      }, binary);
      const [, podCpu, podMemory] = row(podOut, 'burn');
      assert.ok(parseInt(podCpu) >= 120 && parseInt(podCpu) <= 260, `burner at its 200m quota: ${podOut}`);
      assert.match(podMemory, /^\d+Mi$/);
      assert.ok(parseInt(podMemory) >= 15, `16 MiB in tmpfs: ${podOut}`);

      const containersOut = await server.k('top', 'pod', '-l', 'app=burn', '--containers');
      t.diagnostic(`${binary}:\n${nodeOut}${podOut}${containersOut}`);
      assert.ok(containersOut.split('\n').some((l) => /^burn\s+app\s+\d+m\s+\d+Mi/.test(l)), containersOut);
    }
  } finally {
    provider?.stop();
    agent?.close();
    agent?.closeAllConnections();
    await harness?.cleanup();
    await server?.destroy();
    await rm(certDir, { recursive: true, force: true });
  }
});
