import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildSummary, cpuRate, type Sample } from './summary.ts';
import { cgroupV1WorkingSet, meminfoWorkingSet, procStatBusyNs } from './node-usage.ts';
import { containerPoint } from './container-usage.ts';
import { createStatsProvider } from './stats-provider.ts';
import { createLogger } from '../../../cli/log.ts';
import type { Container, ContainerStats, CriClient } from '../../runtime/cri-client.ts';

const quiet = createLogger('error', {}, () => undefined);

test('cpuRate: nanocores between two cumulative readings', () => {
  const cases: Array<[string, Parameters<typeof cpuRate>[0], Parameters<typeof cpuRate>[1], number | undefined]> = [
    ['half a core over 10 s', { at: 0, cpuNs: 1e9 }, { at: 10_000, cpuNs: 6e9 }, 500_000_000],
    ['two cores over 2 s', { at: 1000, cpuNs: 0 }, { at: 3000, cpuNs: 4e9 }, 2_000_000_000],
    ['idle', { at: 0, cpuNs: 5 }, { at: 1000, cpuNs: 5 }, 0],
    ['no earlier reading', undefined, { at: 1000, cpuNs: 5 }, undefined],
    ['counter went backwards (restart)', { at: 0, cpuNs: 9e9 }, { at: 10_000, cpuNs: 1e9 }, undefined],
    ['window too short', { at: 0, cpuNs: 0 }, { at: 100, cpuNs: 1e6 }, undefined],
    ['no cpu in the reading', { at: 0 }, { at: 10_000, cpuNs: 1 }, undefined],
  ];
  for (const [name, prev, cur, want] of cases) assert.equal(cpuRate(prev, cur), want, name);
});

test('procStatBusyNs counts user, nice, system, irq, softirq and steal ticks', () => {
  const text = 'cpu  100 2 30 5000 40 5 6 7 0 0\ncpu0 50 1 15 2500 20 2 3 3 0 0\nintr 1\n';
  assert.equal(procStatBusyNs(text), (100 + 2 + 30 + 5 + 6 + 7) * 10_000_000);
  assert.equal(procStatBusyNs('nothing here'), undefined);
});

test('memory working set: usage less inactive file pages', () => {
  assert.equal(cgroupV1WorkingSet(500, 'cache 10\ninactive_file 7\ntotal_inactive_file 200\n'), 300);
  assert.equal(cgroupV1WorkingSet(500, 'inactive_file 70\n'), 430);
  assert.equal(cgroupV1WorkingSet(100, 'total_inactive_file 200\n'), 0);
  const meminfo = 'MemTotal:       1000 kB\nMemFree:         200 kB\nMemAvailable:    700 kB\nInactive(file):  300 kB\n';
  assert.deepEqual(meminfoWorkingSet(meminfo), { usageBytes: 800 * 1024, workingSetBytes: 500 * 1024 });
  assert.equal(meminfoWorkingSet('garbage'), undefined);
});

const container = (id: string, labels: Record<string, string>): Container => ({
  id, podSandboxId: 'sb', metadata: { name: labels['io.kubernetes.container.name'] ?? 'x', attempt: 0 }, image: null, imageRef: '',
  state: 'CONTAINER_RUNNING', createdAt: 1_700_000_000_000_000_000, labels, annotations: {}, imageId: '',
});
const podLabels = (pod: string, c: string) => ({
  'io.kubernetes.pod.name': pod, 'io.kubernetes.pod.namespace': 'default', 'io.kubernetes.pod.uid': `uid-${pod}`, 'io.kubernetes.container.name': c,
});
const criStats = (cpuNs: number, ts: number, ws: number, nanoCores = 0): ContainerStats => ({
  attributes: null,
  cpu: { timestamp: ts * 1e6, usageCoreNanoSeconds: { value: cpuNs }, usageNanoCores: { value: nanoCores } },
  memory: { timestamp: ts * 1e6, workingSetBytes: { value: ws }, availableBytes: null, usageBytes: { value: ws + 10 }, rssBytes: null, pageFaults: null, majorPageFaults: null },
  writableLayer: null,
});

test('containerPoint maps a container to its pod through the CRI labels', () => {
  const p = containerPoint(container('c1', podLabels('web', 'app')), criStats(5e9, 2000, 4096, 7), 99);
  assert.deepEqual(p, {
    id: 'c1', name: 'app', pod: { name: 'web', namespace: 'default', uid: 'uid-web' }, at: 2000,
    createdAt: 1_700_000_000_000, cpuNs: 5e9, runtimeNanoCores: 7, workingSetBytes: 4096, usageBytes: 4106,
  });
  // containerd's rate is 0 before it has a reading of its own: that is "unknown", not idle.
  assert.equal(containerPoint(container('c1', podLabels('web', 'app')), criStats(5e9, 2000, 4096, 0), 99)?.runtimeNanoCores, undefined);
  assert.equal(containerPoint(container('c2', { 'io.kubernetes.container.name': 'x' }), criStats(1, 1, 1), 99), undefined, 'not a pod container');
});

test('buildSummary groups containers by pod, with rates against the previous sample', () => {
  const prev: Sample = {
    node: { at: 0, cpuNs: 10e9, workingSetBytes: 100 },
    containers: [
      { id: 'a', name: 'app', pod: { name: 'web', namespace: 'default', uid: 'u1' }, at: 0, cpuNs: 1e9, workingSetBytes: 10 },
    ],
  };
  const cur: Sample = {
    node: { at: 10_000, cpuNs: 30e9, workingSetBytes: 200 },
    containers: [
      { id: 'a', name: 'app', pod: { name: 'web', namespace: 'default', uid: 'u1' }, at: 10_000, cpuNs: 3e9, workingSetBytes: 4096 },
      { id: 'b', name: 'sidecar', pod: { name: 'web', namespace: 'default', uid: 'u1' }, at: 10_000, cpuNs: 1e9, workingSetBytes: 1024, runtimeNanoCores: 5 },
      { id: 'c', name: 'db', pod: { name: 'db', namespace: 'alpha', uid: 'u2' }, at: 10_000, cpuNs: 1e9, workingSetBytes: 1 },
    ],
  };
  const s = buildSummary('n1', prev, cur);
  const t = new Date(10_000).toISOString();
  assert.deepEqual(s.node, {
    nodeName: 'n1', cpu: { time: t, usageCoreNanoSeconds: 30e9, usageNanoCores: 2_000_000_000 }, memory: { time: t, workingSetBytes: 200 },
  });
  assert.deepEqual(s.pods.map((p) => p.podRef.name), ['db', 'web'], 'sorted by namespace, then name');
  const web = s.pods[1];
  assert.deepEqual(web.containers.map((c) => [c.name, c.cpu?.usageNanoCores, c.memory?.workingSetBytes]), [
    ['app', 200_000_000, 4096],
    ['sidecar', 5, 1024], // new container: the runtime's own rate
  ]);
  assert.equal(web.cpu?.usageNanoCores, 200_000_005);
  assert.equal(web.memory?.workingSetBytes, 5120);
  // A container with no rate at all leaves the pod's rate unknown rather than too low.
  assert.equal(s.pods[0].containers[0].cpu?.usageNanoCores, undefined);
  assert.equal(s.pods[0].cpu?.usageNanoCores, undefined);
});

test('the provider takes a second sample on first use and serves /stats/summary', async () => {
  let clock = 1_000_000;
  let cpu = 0;
  const samples: number[] = [];
  const provider = createStatsProvider({
    cri: {} as CriClient, nodeName: 'n1', log: quiet, background: false,
    now: () => clock,
    sample: async (at) => {
      samples.push(at);
      cpu += 1e9; // one core-second per sample
      clock += 1000; // each sample is one (fake) second after the last
      return { node: { at, cpuNs: cpu, workingSetBytes: 4096 }, containers: [] };
    },
  });
  try {
    const first = await provider.summary();
    assert.equal(samples.length, 2, 'two samples for a first rate');
    assert.equal(first.node.cpu?.usageNanoCores, 1_000_000_000);
    await provider.summary();
    assert.equal(samples.length, 2, 'a fresh sample is reused');
    clock += 10_000;
    await provider.summary();
    assert.equal(samples.length, 3, 'a stale sample is replaced');

    const server = createServer((req, res) => provider.route.handle(req, res));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const port = (server.address() as AddressInfo).port;
      const res = await fetch(`http://127.0.0.1:${port}${provider.route.prefix}?only_cpu_and_memory=true`);
      assert.equal(res.status, 200);
      const body = await res.json() as { node: { nodeName: string; memory: { workingSetBytes: number } }; pods: unknown[] };
      assert.equal(body.node.nodeName, 'n1');
      assert.equal(body.node.memory.workingSetBytes, 4096);
      assert.deepEqual(body.pods, []);
      assert.equal((await fetch(`http://127.0.0.1:${port}/stats/summary/other`)).status, 404);
      assert.equal((await fetch(`http://127.0.0.1:${port}/stats/summary`, { method: 'POST' })).status, 405);
    } finally {
      server.close();
    }
  } finally {
    provider.stop();
  }
  await assert.rejects(provider.summary(), /stopped/);
});
