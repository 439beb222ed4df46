// Deployment benchmark: a Deployment of 1,000 replicas on 100 simulated nodes, from create until
// all replicas are available, then a rolling update (a new image) until it is complete, with the
// CPU time the server spent on each. From the repo root:
//
//   .tools/node_modules/.bin/node bench/deployment.ts [--quick] [--replicas N] [--nodes N] [--runs N] [--profile]
//
// --quick    100 replicas on 20 nodes, one run: a smoke run of the bench.
// --runs     how many times to repeat it, each on a fresh server (default 3); the median is reported.
// --profile  runs the server under `node --cpu-prof` and prints where the CPU went in each phase
//            (the profile is kept in bench/out/).
//
// The server is a fresh `skiff server --simulated-nodes N --node-capacity cpu=8,memory=32Gi,pods=110
// --disable-agent` on 127.0.0.1 (simulated pods run and turn Ready at once). The Deployment uses
// the default strategy (RollingUpdate, 25% max surge, 25% max unavailable); the image change is
// sent as `kubectl set image` sends it (a strategic merge patch). "Complete" is what `kubectl
// rollout status` waits for: observedGeneration caught up, every replica updated, no old replicas
// left, every updated replica available. Progress goes to stderr, a markdown table to stdout,
// every number to bench/out/deployment-<time>.json. Every process started here is stopped by its
// PID and every temp dir removed, also on failure or Ctrl-C.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  OUT_DIR, runBench, cpuMeter, defer, machine, memoryMb, monotonicUs, progress, round, sleep,
  startCluster, summarizeProfile, waitForNodesReady, waitForQuiet, watch, type Cluster, type CpuUse, type HttpClient, type ProfileSummary
} from './sim-cluster.ts';

const USAGE = 'usage: node bench/deployment.ts [--quick] [--replicas N] [--nodes N] [--runs N] [--profile]';
const { values: flags } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    replicas: { type: 'string' },
    nodes: { type: 'string' },
    runs: { type: 'string' },
    profile: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (flags.help) { process.stdout.write(`${USAGE}\n`); process.exit(0); }

const QUICK = flags.quick;
const REPLICAS = Number(flags.replicas ?? (QUICK ? 100 : 1_000));
const NODES = Number(flags.nodes ?? (QUICK ? 20 : 100));
const RUNS = Number(flags.runs ?? (QUICK ? 1 : 3));
if (!Number.isInteger(REPLICAS) || REPLICAS < 1 || REPLICAS > 50_000 || !Number.isInteger(NODES) || NODES < 1 || NODES > 5_000 ||
  !Number.isInteger(RUNS) || RUNS < 1 || RUNS > 20) {
  throw new Error(`--replicas must be 1..50000, --nodes 1..5000 and --runs 1..20; ${USAGE}`);
}
const NAMESPACE = 'bench';
const NAME = 'web';
const CAPACITY = 'cpu=8,memory=32Gi,pods=110';
const REQUESTS = { cpu: '10m', memory: '16Mi' };
const IMAGES = ['registry.k8s.io/pause:3.9', 'registry.k8s.io/pause:3.10'];
const POLL_MS = 100;
/** A run during which other processes used more than this many cores is repeated (at most MAX_TRIES runs). */
const DISTURBED_CORES = 0.3;
const MAX_TRIES = 3;
const SETTLE_MS = 5_000;
const PHASE_TIMEOUT_MS = QUICK ? 120_000 : 900_000;

// ---------------------------------------------------------------------------------------------

interface DeploymentStatus {
  observedGeneration?: number; replicas?: number; updatedReplicas?: number; readyReplicas?: number; availableReplicas?: number;
}
interface DeploymentLike { metadata?: { generation?: number }; spec?: { replicas?: number }; status?: DeploymentStatus }
interface PodLike { metadata?: { name?: string; resourceVersion?: string; deletionTimestamp?: string } }

interface Sample { t: number; replicas: number; updated: number; ready: number; available: number; pods: number; serverCores: number }

interface PhaseResult {
  seconds: number;
  /** Replicas made available (or replaced) per second. */
  podsPerSecond: number;
  /** When the pods of the old version were all gone from the API (rollout only). */
  oldPodsGoneSeconds?: number;
  cpu: CpuUse;
  rssMb: number;
  timeline: Sample[];
  profile?: ProfileSummary;
  /** The phase on the profile's clock (monotonic µs), to look at the kept profile again. */
  profileWindow?: { fromUs: number; toUs: number };
}

function deploymentBody() {
  const labels = { app: NAME };
  return {
    apiVersion: 'apps/v1', kind: 'Deployment',
    metadata: { name: NAME, labels },
    spec: {
      replicas: REPLICAS, selector: { matchLabels: labels },
      template: { metadata: { labels }, spec: { containers: [{ name: 'app', image: IMAGES[0], resources: { requests: REQUESTS } }] } },
    },
  };
}

/** kubectl rollout status's test: the newest generation seen, all replicas updated, none old, all available. */
function complete(d: DeploymentLike): boolean {
  const s = d.status ?? {};
  const want = d.spec?.replicas ?? 1;
  return (s.observedGeneration ?? 0) >= (d.metadata?.generation ?? 1) && (s.updatedReplicas ?? 0) === want &&
    (s.replicas ?? 0) === want && (s.availableReplicas ?? 0) === want;
}

/**
 * Polls the Deployment every POLL_MS until `complete`, sampling progress once a second. `livePods`
 * counts the Deployment's pods not yet removed from the API.
 */
async function untilComplete(what: string, cluster: Cluster, client: HttpClient, livePods: () => number): Promise<{ seconds: number; cpu: CpuUse; timeline: Sample[] }> {
  const path = `/apis/apps/v1/namespaces/${NAMESPACE}/deployments/${NAME}`;
  const meter = cpuMeter(cluster.pid);
  const t0 = performance.now();
  const timeline: Sample[] = [];
  let second = cpuMeter(cluster.pid);
  while (true) {
    const d = (await client.must('GET', path, undefined, 200)).json<DeploymentLike>();
    const t = (performance.now() - t0) / 1000;
    if (complete(d)) {
      const cpu = meter();
      progress(`  ${what}: complete after ${round(t, 2)} s`);
      return { seconds: round(t, 2), cpu, timeline };
    }
    if (t >= timeline.length + 1) {
      const s = d.status ?? {};
      const sample: Sample = {
        t: round(t), replicas: s.replicas ?? 0, updated: s.updatedReplicas ?? 0, ready: s.readyReplicas ?? 0,
        available: s.availableReplicas ?? 0, pods: livePods(), serverCores: second().serverCores,
      };
      second = cpuMeter(cluster.pid);
      timeline.push(sample);
      progress(`  ${what} t=${sample.t}s replicas ${sample.replicas} updated ${sample.updated} ready ${sample.ready} available ${sample.available} pods ${sample.pods} server ${sample.serverCores} cores`);
    }
    if (t * 1000 > PHASE_TIMEOUT_MS) throw new Error(`${what}: not complete after ${PHASE_TIMEOUT_MS / 1000} s: ${JSON.stringify(d.status)}`);
    await sleep(POLL_MS);
  }
}

interface RunResult { quiet: Awaited<ReturnType<typeof waitForQuiet>>; create: PhaseResult; rollout: PhaseResult }

async function runOnce(run: number): Promise<RunResult> {
  progress(`##### run ${run}/${RUNS}`);
  const profileDir = flags.profile && run === 1 ? mkdtempSync(join(tmpdir(), 'skiff-bench-prof-')) : undefined;
  const removeProfileDir = profileDir ? defer(() => rmSync(profileDir, { recursive: true, force: true })) : undefined;
  const cluster = await startCluster(['--simulated-nodes', String(NODES), '--node-capacity', CAPACITY], profileDir);
  const windows: Record<string, { fromUs: number; toUs: number }> = {};
  let create: PhaseResult | undefined;
  let rollout: PhaseResult | undefined;
  let quiet: RunResult['quiet'] | undefined;
  try {
    progress(`server up (PID ${cluster.pid}); waiting for ${NODES} nodes to be Ready`);
    await waitForNodesReady(cluster, NODES, 120_000);
    const client = cluster.client();
    await client.must('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NAMESPACE } }, 201);
    const podsPath = `/api/v1/namespaces/${NAMESPACE}/pods`;
    const rv = (await client.must('GET', `${podsPath}?limit=1`, undefined, 200)).json().metadata.resourceVersion as string;
    // Pods present in the API (terminating ones included), from a watch.
    const live = new Set<string>();
    const watcher = watch<PodLike>(cluster.client(), podsPath, rv, ({ type, object }) => {
      if (type === 'DELETED') live.delete(object.metadata?.name ?? '');
      else live.add(object.metadata?.name ?? '');
    });
    const stopWatch = defer(() => watcher.stop());
    quiet = await waitForQuiet('deployment', 30_000);

    progress(`=== create: Deployment of ${REPLICAS} replicas on ${NODES} nodes ===`);
    windows.create = { fromUs: monotonicUs(), toUs: 0 };
    await client.must('POST', `/apis/apps/v1/namespaces/${NAMESPACE}/deployments`, deploymentBody(), 201);
    const created = await untilComplete('create', cluster, client, () => live.size);
    windows.create.toUs = monotonicUs();
    create = { ...created, podsPerSecond: Math.round(REPLICAS / created.seconds), rssMb: memoryMb(cluster.pid).rss };
    progress(`create: ${REPLICAS} replicas available in ${create.seconds} s (${create.podsPerSecond} pods/s); server CPU ${create.cpu.serverCpuSeconds} s`);

    await sleep(SETTLE_MS);
    progress(`=== rolling update: image ${IMAGES[0]} → ${IMAGES[1]} ===`);
    windows.rollout = { fromUs: monotonicUs(), toUs: 0 };
    const t0 = performance.now();
    await client.must('PATCH', `/apis/apps/v1/namespaces/${NAMESPACE}/deployments/${NAME}`,
      { spec: { template: { spec: { containers: [{ name: 'app', image: IMAGES[1] }] } } } }, 200,
      { 'Content-Type': 'application/strategic-merge-patch+json' });
    const rolled = await untilComplete('rollout', cluster, client, () => live.size);
    windows.rollout.toUs = monotonicUs();
    // The old pods leave the API a moment after the Deployment stops counting them (graceful deletion).
    let oldPodsGoneSeconds: number | undefined;
    for (let i = 0; i < 600 && live.size > REPLICAS; i++) await sleep(POLL_MS);
    if (live.size === REPLICAS) oldPodsGoneSeconds = round((performance.now() - t0) / 1000, 2);
    rollout = { ...rolled, podsPerSecond: Math.round(REPLICAS / rolled.seconds), oldPodsGoneSeconds, rssMb: memoryMb(cluster.pid).rss };
    progress(`rollout: complete in ${rollout.seconds} s (${rollout.podsPerSecond} pods replaced/s), old pods gone after ${oldPodsGoneSeconds ?? '?'} s; server CPU ${rollout.cpu.serverCpuSeconds} s`);
    await stopWatch();
  } finally {
    await cluster.stop();
  }
  if (!create || !rollout || !quiet) throw new Error('unreachable: the run ended without results');
  if (profileDir) {
    create.profile = summarizeProfile(profileDir, 'deployment', windows.create);
    rollout.profile = summarizeProfile(profileDir, 'deployment', windows.rollout);
    create.profileWindow = windows.create;
    rollout.profileWindow = windows.rollout;
  }
  await removeProfileDir?.();
  return { quiet, create, rollout };
}

function median<T>(xs: T[], key: (x: T) => number): T {
  return [...xs].sort((a, b) => key(a) - key(b))[xs.length >> 1];
}

async function main(): Promise<void> {
  const info = machine();
  progress(`machine: ${info.nproc} CPUs (${info.cpuModel}), kernel ${info.kernel}, Node ${info.node}, load ${info.loadavg.join(' ')}`);
  const runs: RunResult[] = [];
  for (let run = 1; run <= RUNS; run++) {
    // Other work on a two-core machine takes the server's CPU: repeat a disturbed run, keep the least disturbed.
    let best: RunResult | undefined;
    const disturbance = (r: RunResult) => Math.max(r.create.cpu.otherCores, r.rollout.cpu.otherCores);
    for (let tries = 1; tries <= (QUICK ? 1 : MAX_TRIES); tries++) {
      const r = await runOnce(run);
      if (!best || disturbance(r) < disturbance(best)) best = r;
      if (disturbance(r) <= DISTURBED_CORES) break;
      progress(`other processes used ${disturbance(r)} cores during the run; repeating it`);
    }
    runs.push(best!);
  }
  const row = (what: string, p: PhaseResult) =>
    `| ${what} | ${p.seconds} s | ${p.podsPerSecond} | ${p.cpu.serverCpuSeconds} s (${p.cpu.serverCores}) | ${p.cpu.otherCores} | ${p.rssMb} MB |`;
  const create = median(runs.map((r) => r.create), (p) => p.seconds);
  const rollout = median(runs.map((r) => r.rollout), (p) => p.seconds);
  const md = [
    `| ${REPLICAS} replicas on ${NODES} simulated nodes (median of ${RUNS}) | Time | Pods/s | Server CPU time (average cores) | Other processes (cores) | RSS after |`,
    '| --- | --- | --- | --- | --- | --- |',
    row(`Create → all ${REPLICAS} available`, create),
    row('Rolling update (image) → complete', rollout),
    '',
    `Every run (create / rollout seconds): ${runs.map((r) => `${r.create.seconds} / ${r.rollout.seconds}`).join('; ')}`,
    '',
  ].join('\n');
  process.stdout.write(md);
  mkdirSync(OUT_DIR, { recursive: true });
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const doc = { bench: 'deployment', quick: QUICK, settings: { replicas: REPLICAS, nodes: NODES, capacity: CAPACITY, requests: REQUESTS, images: IMAGES }, machine: info, runs, median: { create, rollout }, loadavgAtEnd: loadavg().map((x) => round(x, 2)), table: md };
  const file = join(OUT_DIR, `deployment-${stamp}${QUICK ? '-quick' : ''}.json`);
  writeFileSync(file, JSON.stringify(doc, null, 2));
  writeFileSync(join(OUT_DIR, `deployment-latest${QUICK ? '-quick' : ''}.json`), JSON.stringify(doc, null, 2));
  progress(`results written to ${file}`);
}

await runBench(main);
