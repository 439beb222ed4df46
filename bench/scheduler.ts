// Scheduler benchmark: how fast skiff places 10,000 pending pods on 1,000 and 5,000 simulated
// nodes, how soon they all run, and how much memory the server holds for the nodes and the pods.
// From the repo root:
//
//   .tools/node_modules/.bin/node bench/scheduler.ts [--quick] [--nodes N]... [--pods N] [--via pods|replicasets]
//                                                    [--mode pending|streaming]... [--tries N] [--profile]
//
// --quick    200 nodes and 1,000 pods: a smoke run of the bench.
// --via      how the pods come: `pods` (default) POSTs them over HTTPS on 16 keep-alive
//            connections; `replicasets` creates 10 ReplicaSets and lets the controller make them.
// --mode     `pending` (default; what the issue asks, like upstream's scheduler_perf): all pods are
//            created while no scheduler runs, then the scheduler is let go and timed from its first
//            binding (and from the release) until all are bound. `streaming`: the scheduler runs
//            while the pods are created, timed from the first create (pod creation is inside the
//            window). Repeat the flag for both.
// --tries    at most this many runs per setting when other processes disturb one (default 3).
// --profile  runs the servers under `node --cpu-prof` and prints where the CPU went while pods
//            were being scheduled (the profiles are kept in bench/out/).
//
// How the scheduler is held back in `pending` mode, with the real API only and no per-pod
// writes: the bench takes the `kube-system/kube-scheduler` Lease (coordination.k8s.io/v1) for
// another identity with a long leaseDurationSeconds; the server's scheduler fails to renew,
// stops (it logs "leadership lost") and waits as a standby. After the pods exist the bench
// deletes the Lease, and the server's scheduler acquires it at its next retry (2–4.4 s) and starts.
// The simulated kubelets keep running: they start pods as they are bound, so their status
// writes and Events compete with the scheduler's bindings, as in a real cluster.
//
// Each run starts a fresh `skiff server --simulated-nodes N --node-capacity cpu=8,memory=32Gi,pods=110
// --cluster-cidr 10.64.0.0/10 --disable-agent` on 127.0.0.1. The wider cluster CIDR gives every node
// its /24 (a /10 holds 16,384 of them); with the default 10.42.0.0/16, 5,000 nodes would get /29s and
// room for only 5 pods each. Progress goes to stderr, a markdown table to stdout, every number to
// bench/out/scheduler-<time>.json. Every process started here is stopped by its PID and every temp
// dir removed, also on failure or Ctrl-C.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  OUT_DIR, runBench, cpuMeter, defer, machine, memoryMb, monotonicUs, progress, round, runParallel, sleep,
  startCluster, summarizeProfile, waitFor, waitForNodesReady, waitForQuiet, watch, type Cluster, type CpuUse, type HttpClient, type ProfileSummary
} from './sim-cluster.ts';

const USAGE = 'usage: node bench/scheduler.ts [--quick] [--nodes N]... [--pods N] [--via pods|replicasets] [--mode pending|streaming]... [--tries N] [--profile]';
const { values: flags } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    nodes: { type: 'string', multiple: true },
    pods: { type: 'string' },
    via: { type: 'string', default: 'pods' },
    mode: { type: 'string', multiple: true },
    profile: { type: 'boolean', default: false },
    tries: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (flags.help) { process.stdout.write(`${USAGE}\n`); process.exit(0); }
if (flags.via !== 'pods' && flags.via !== 'replicasets') throw new Error(`unknown --via ${flags.via}; ${USAGE}`);
const VIA = flags.via as 'pods' | 'replicasets';
type Mode = 'pending' | 'streaming';
const MODES = (flags.mode ?? ['pending']) as Mode[];
if (MODES.some((m) => m !== 'pending' && m !== 'streaming')) throw new Error(`unknown --mode ${MODES.join(',')}; ${USAGE}`);

const QUICK = flags.quick;
const NODE_COUNTS = (flags.nodes ?? (QUICK ? ['200'] : ['1000', '5000'])).map(Number);
const PODS = Number(flags.pods ?? (QUICK ? 1_000 : 10_000));
if (NODE_COUNTS.some((n) => !Number.isInteger(n) || n < 1 || n > 20_000) || !Number.isInteger(PODS) || PODS < 10 || PODS > 100_000) {
  throw new Error(`--nodes must be 1..20000 and --pods 10..100000; ${USAGE}`);
}
const CLIENTS = 16;
const REPLICASETS = 10;
const NAMESPACE = 'bench';
const CAPACITY = 'cpu=8,memory=32Gi,pods=110';
const CLUSTER_CIDR = '10.64.0.0/10';
const REQUESTS = { cpu: '10m', memory: '16Mi' };
const IMAGE = 'registry.k8s.io/pause:3.10';
/** Time to let the server settle before an RSS reading. */
const SETTLE_MS = 5_000;
const NODES_TIMEOUT_MS = 600_000;
const PHASE_TIMEOUT_MS = QUICK ? 120_000 : 900_000;
/** A run during which other processes used more than this many cores is repeated (at most MAX_TRIES runs). */
const DISTURBED_CORES = 0.3;
const MAX_TRIES = Number(flags.tries ?? (QUICK ? 1 : 3));
const TARGETS = { podsPerSecondAt5000: 1_000, rssMbAt5000: 1_000 };

// ---------------------------------------------------------------------------------------------

interface Sample { t: number; created: number; bound: number; running: number; serverCores: number; rssMb: number }

interface RunResult {
  nodes: number;
  pods: number;
  via: string;
  mode: Mode;
  nodesRegisteredSeconds: number;
  rssIdleMb: number;
  /** CPU the server uses with the nodes and no pods: lease renewals every 10 s, heartbeats every 40 s. */
  idleCores: number;
  /** From the first create until the last create was answered (pods) or until the last pod appeared (replicasets). */
  createSeconds: number;
  createsPerSecond: number;
  /**
   * The scheduling window. streaming: first create → every pod had spec.nodeName. pending: the
   * scheduler's first binding → every pod bound (podsPerSecond), and the Lease's release → every
   * pod bound (podsPerSecondFromRelease).
   */
  boundSeconds: number;
  podsPerSecond: number;
  /** pending only: from deleting the Lease to the first pod seen bound, and to every pod bound. */
  releaseToFirstBindSeconds?: number;
  releaseToAllBoundSeconds?: number;
  podsPerSecondFromRelease?: number;
  /** How far binding lagged creation at worst, and the best binding rate over any 1 s. */
  maxBacklog: number;
  /** Store revisions (writes of any kind: pods, bindings, statuses, events) per pod, first create → all Running. */
  writesPerPod: number;
  peakBindsPerSecond: number;
  lastCreateToAllBoundSeconds: number;
  /** From the start of the window (first create, or the release) until every pod was Running. */
  runningSeconds: number;
  rssLoadedMb: number;
  peakRssMb: number;
  /** CPU over the scheduling window (streaming: from the first create; pending: from the release). */
  cpu: CpuUse;
  /** Which try this was (runs disturbed by other processes are repeated). */
  tries?: number;
  quiet: { busyCores: number; loadavg1m: number; waitedSeconds: number };
  createErrors: string[];
  watchErrors: string[];
  timeline: Sample[];
  profile?: ProfileSummary;
  /** The scheduling phase on the profile's clock (monotonic µs), to look at the kept profile again. */
  profileWindow?: { fromUs: number; toUs: number };
}

function podBody(i: number) {
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name: `bench-${i}`, labels: { app: 'bench' } },
    spec: { containers: [{ name: 'app', image: IMAGE, resources: { requests: REQUESTS } }] },
  };
}

function replicaSetBody(i: number, replicas: number) {
  const labels = { app: `bench-${i}` };
  return {
    apiVersion: 'apps/v1', kind: 'ReplicaSet',
    metadata: { name: `bench-${i}` },
    spec: {
      replicas, selector: { matchLabels: labels },
      template: { metadata: { labels }, spec: { containers: [{ name: 'app', image: IMAGE, resources: { requests: REQUESTS } }] } },
    },
  };
}

interface PodLike { metadata?: { name?: string; resourceVersion?: string }; spec?: { nodeName?: string }; status?: { phase?: string } }

async function emptyServerRss(): Promise<number> {
  const cluster = await startCluster([]);
  try {
    await sleep(SETTLE_MS);
    return memoryMb(cluster.pid).rss;
  } finally {
    await cluster.stop();
  }
}

const SCHEDULER_LEASE = '/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/kube-scheduler';
/** Who holds the scheduler's Lease while the pods are created; long enough that nobody takes it. */
const STANDBY_HOLDER = 'skiff-bench-holds-the-scheduler';
const HOLD_SECONDS = 3_600;

/**
 * Takes the scheduler's Lease for STANDBY_HOLDER and waits until the server's scheduler says it
 * stopped (it cannot renew, so after its renew deadline it steps down and stays a standby).
 */
async function holdScheduler(cluster: Cluster, admin: HttpClient): Promise<void> {
  const lost = () => (cluster.server.logs().match(/msg="failed to renew lease: leadership lost".*lease=kube-system\/kube-scheduler/g) ?? []).length;
  const lostBefore = lost();
  const at = new Date().toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
  const takenFromServer = await waitFor('the scheduler Lease to be taken', 30_000, 200, async () => {
    const got = await admin.send('GET', SCHEDULER_LEASE);
    if (got.status === 404) {
      const made = await admin.send('POST', '/apis/coordination.k8s.io/v1/namespaces/kube-system/leases', {
        apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'kube-scheduler', namespace: 'kube-system' },
        spec: { holderIdentity: STANDBY_HOLDER, leaseDurationSeconds: HOLD_SECONDS, acquireTime: at, renewTime: at, leaseTransitions: 0 },
      });
      return made.status === 201 ? false : undefined; // nobody led yet: nobody has to step down
    }
    if (got.status !== 200) throw new Error(`GET ${SCHEDULER_LEASE}: ${got.status} ${got.text}`);
    const lease = got.json();
    const wasHeldByServer = Boolean(lease.spec?.holderIdentity);
    lease.spec = { ...lease.spec, holderIdentity: STANDBY_HOLDER, leaseDurationSeconds: HOLD_SECONDS, acquireTime: at, renewTime: at, leaseTransitions: (lease.spec?.leaseTransitions ?? 0) + 1 };
    const put = await admin.send('PUT', SCHEDULER_LEASE, lease);
    if (put.status === 409) return undefined; // the server renewed in between: read it again
    if (put.status !== 200) throw new Error(`PUT ${SCHEDULER_LEASE}: ${put.status} ${put.text}`);
    return wasHeldByServer;
  });
  // Its renew deadline is 10 s after the last renewal, plus one retry period.
  if (takenFromServer) await waitFor('the server\'s scheduler to step down', 30_000, 100, () => (lost() > lostBefore ? true : undefined));
}

async function run(nodes: number, mode: Mode): Promise<RunResult> {
  progress(`=== ${nodes} simulated nodes, ${PODS} pods via ${VIA}, ${mode === 'pending' ? 'created pending, then scheduled' : 'scheduled while being created'} ===`);
  const profileDir = flags.profile ? mkdtempSync(join(tmpdir(), 'skiff-bench-prof-')) : undefined;
  const removeProfileDir = profileDir ? defer(() => rmSync(profileDir, { recursive: true, force: true })) : undefined;
  const cluster = await startCluster(['--simulated-nodes', String(nodes), '--node-capacity', CAPACITY, '--cluster-cidr', CLUSTER_CIDR], profileDir);
  let profileWindow: { fromUs: number; toUs: number } | undefined;
  let result: RunResult | undefined;
  try {
    progress(`server up (PID ${cluster.pid}); waiting for ${nodes} nodes to be Ready`);
    const nodesRegisteredSeconds = round((await waitForNodesReady(cluster, nodes, NODES_TIMEOUT_MS)) / 1000, 2);
    progress(`all ${nodes} nodes Ready ${nodesRegisteredSeconds} s after the server was`);
    const admin = cluster.client();
    if (mode === 'pending') {
      await holdScheduler(cluster, admin);
      progress('the server\'s scheduler stepped down: the bench holds its Lease');
    }
    const idleMeter = cpuMeter(cluster.pid);
    await sleep(SETTLE_MS);
    const idleCores = idleMeter().serverCores;
    const rssIdleMb = memoryMb(cluster.pid).rss;
    progress(`idle with ${nodes} nodes: RSS ${rssIdleMb} MB, server CPU ${idleCores} cores (lease renewals and heartbeats)`);

    await admin.must('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NAMESPACE } }, 201);
    const podsPath = `/api/v1/namespaces/${NAMESPACE}/pods`;
    const revision = async () => (await admin.must('GET', `${podsPath}?limit=1`, undefined, 200)).json().metadata.resourceVersion as string;
    const rv = await revision();

    // Count every pod the first time it is seen bound and the first time it is seen Running.
    // The clock starts just before the first create (streaming) or at the release (pending); the
    // finish times are taken as the events arrive.
    let t0 = performance.now();
    const elapsed = () => (performance.now() - t0) / 1000;
    let allSeenAt: number | undefined;
    let firstBoundAt: number | undefined;
    let allBoundAt: number | undefined;
    let allRunningAt: number | undefined;
    const seen = new Set<string>();
    const bound = new Set<string>();
    const running = new Set<string>();
    const watcher = watch<PodLike>(cluster.client(), podsPath, rv, ({ object: pod }) => {
      const name = pod.metadata?.name ?? '';
      seen.add(name);
      if (pod.spec?.nodeName) bound.add(name);
      if (pod.status?.phase === 'Running') running.add(name);
      if (firstBoundAt === undefined && bound.size > 0) firstBoundAt = elapsed();
      if (allSeenAt === undefined && seen.size >= PODS) allSeenAt = elapsed();
      if (allBoundAt === undefined && bound.size >= PODS) allBoundAt = elapsed();
      if (allRunningAt === undefined && running.size >= PODS) allRunningAt = elapsed();
    });
    const stopWatch = defer(() => watcher.stop());

    let quiet = await waitForQuiet(`${nodes} nodes`, 30_000);
    const clients = Array.from({ length: VIA === 'pods' ? CLIENTS : 1 }, () => cluster.client());
    let meter = cpuMeter(cluster.pid);
    const timeline: Sample[] = [];
    profileWindow = { fromUs: monotonicUs(), toUs: Infinity };
    t0 = performance.now();
    let createdAt: number | undefined;

    let answered = 0;
    const creating = VIA === 'pods'
      ? runParallel(clients, PODS, async (c, i) => { await c.must('POST', podsPath, podBody(i), 201); answered++; })
      : runParallel(clients, REPLICASETS, async (c, i) => {
        const replicas = Math.floor(PODS / REPLICASETS) + (i < PODS % REPLICASETS ? 1 : 0);
        await c.must('POST', `/apis/apps/v1/namespaces/${NAMESPACE}/replicasets`, replicaSetBody(i, replicas), 201);
      });
    const created = () => (VIA === 'pods' ? answered : seen.size);
    let createErrors: string[] = [];
    void creating.then((errors) => { createErrors = errors; if (VIA === 'pods') createdAt = elapsed(); });

    if (mode === 'pending') {
      // Every pod exists and waits; nobody may have bound one yet.
      const errors = await creating;
      if (errors.length) throw new Error(`creates failed (${errors.length}): ${errors.slice(0, 3).join(' | ')}`);
      await waitFor(`all ${PODS} pods to be seen pending`, PHASE_TIMEOUT_MS, 100, () => (seen.size >= PODS ? true : undefined));
      createdAt ??= allSeenAt;
      progress(`${PODS} pods created in ${round(createdAt!, 2)} s (${Math.round(PODS / createdAt!)}/s), none bound`);
      if (bound.size) throw new Error(`${bound.size} pods were bound while the bench held the scheduler's Lease`);
      quiet = await waitForQuiet(`${PODS} pending pods`, 10_000);
      // The scheduling window starts here: the Lease goes, the server's scheduler takes over.
      meter = cpuMeter(cluster.pid);
      profileWindow.fromUs = monotonicUs();
      t0 = performance.now();
      await admin.must('DELETE', SCHEDULER_LEASE, undefined, 200);
      progress('released the scheduler\'s Lease');
    }

    // Sample once a second until every pod runs (bounded by PHASE_TIMEOUT_MS).
    let lastCpu = cpuMeter(cluster.pid);
    while (allRunningAt === undefined) {
      await sleep(Math.max(0, (timeline.length + 1) * 1000 - (performance.now() - t0)));
      const cpu = lastCpu();
      lastCpu = cpuMeter(cluster.pid);
      const s: Sample = { t: round(elapsed(), 1), created: created(), bound: bound.size, running: running.size, serverCores: cpu.serverCores, rssMb: memoryMb(cluster.pid).rss };
      timeline.push(s);
      if (VIA === 'replicasets' && createdAt === undefined && allSeenAt !== undefined) createdAt = allSeenAt;
      progress(`  t=${s.t}s created ${s.created}  bound ${s.bound}  running ${s.running}  server ${s.serverCores} cores  RSS ${s.rssMb} MB`);
      if (createErrors.length) throw new Error(`creates failed (${createErrors.length}): ${createErrors.slice(0, 3).join(' | ')}`);
      if (watcher.errors.length > 5) throw new Error(`the pod watch keeps failing: ${watcher.errors.slice(-3).join(' | ')}`);
      if (elapsed() * 1000 > PHASE_TIMEOUT_MS) throw new Error(`not all pods bound and running after ${PHASE_TIMEOUT_MS / 1000} s (bound ${bound.size}, running ${running.size} of ${PODS})`);
    }
    profileWindow.toUs = monotonicUs();
    const cpu = meter();
    const writesPerPod = round((Number(await revision()) - Number(rv)) / PODS, 2);
    await creating;
    await stopWatch();
    await sleep(SETTLE_MS);
    const mem = memoryMb(cluster.pid);
    progress(`RSS with ${nodes} nodes and ${PODS} pods, ${SETTLE_MS / 1000} s after all ran: ${mem.rss} MB (peak ${mem.peak} MB)`);

    let maxBacklog = 0;
    let peakBinds = 0;
    for (let i = 0; i < timeline.length; i++) {
      maxBacklog = Math.max(maxBacklog, timeline[i].created - timeline[i].bound);
      peakBinds = Math.max(peakBinds, timeline[i].bound - (i ? timeline[i - 1].bound : 0));
    }
    const createSeconds = createdAt ?? NaN;
    // pending: from the first binding (the scheduler's own throughput) and from the release.
    const boundSeconds = mode === 'pending' ? round(allBoundAt! - firstBoundAt!, 2) : round(allBoundAt!, 2);
    result = {
      nodes, pods: PODS, via: VIA, mode, nodesRegisteredSeconds, rssIdleMb, idleCores,
      createSeconds: round(createSeconds, 2), createsPerSecond: Math.round(PODS / createSeconds),
      boundSeconds, podsPerSecond: Math.round(PODS / boundSeconds),
      ...(mode === 'pending' ? {
        releaseToFirstBindSeconds: round(firstBoundAt!, 2),
        releaseToAllBoundSeconds: round(allBoundAt!, 2),
        podsPerSecondFromRelease: Math.round(PODS / allBoundAt!),
      } : {}),
      maxBacklog, writesPerPod, peakBindsPerSecond: peakBinds,
      lastCreateToAllBoundSeconds: mode === 'pending' ? NaN : round(boundSeconds - createSeconds, 2),
      runningSeconds: round(allRunningAt!, 2),
      rssLoadedMb: mem.rss, peakRssMb: mem.peak, cpu, quiet, createErrors, watchErrors: watcher.errors, timeline,
    };
    progress(mode === 'pending'
      ? `${nodes} nodes: ${PODS} pending pods bound in ${boundSeconds} s from the first binding (${result.podsPerSecond} pods/s), ` +
        `${result.releaseToAllBoundSeconds} s from the release (${result.podsPerSecondFromRelease} pods/s; first binding after ${result.releaseToFirstBindSeconds} s), ` +
        `all Running after ${result.runningSeconds} s; server used ${cpu.serverCpuSeconds} CPU s (${cpu.serverCores} cores); other processes ${cpu.otherCores} cores`
      : `${nodes} nodes: ${PODS} pods bound in ${boundSeconds} s (${result.podsPerSecond} pods/s), all Running after ${result.runningSeconds} s; ` +
        `server used ${cpu.serverCpuSeconds} CPU s (${cpu.serverCores} cores); other processes ${cpu.otherCores} cores`);
  } finally {
    await cluster.stop();
  }
  if (!result) throw new Error('unreachable: the run ended without a result');
  if (profileDir && profileWindow) {
    result.profile = summarizeProfile(profileDir, `scheduler-${VIA}-${mode}-${nodes}-nodes`, profileWindow);
    result.profileWindow = profileWindow;
  }
  await removeProfileDir?.();
  return result;
}

function table(emptyRss: number, results: RunResult[]): string {
  const mb = (x: number) => `${x} MB`;
  const pending = (r: RunResult) => r.mode === 'pending';
  const rows: Array<[string, (r: RunResult) => string]> = [
    ['Nodes registered and Ready (after server ready)', (r) => `${r.nodesRegisteredSeconds} s`],
    [`Pods created (${r0(results).via === 'pods' ? `${CLIENTS} HTTPS clients` : `${REPLICASETS} ReplicaSets`})`, (r) => `${r.createSeconds} s (${r.createsPerSecond}/s)`],
    ['Scheduling window: first binding → all bound (pending) / first create → all bound (streaming)', (r) => `${r.boundSeconds} s`],
    ['**Scheduling throughput** (pods / that time)', (r) => `**${r.podsPerSecond} pods/s**`],
    ['pending: release of the Lease → first binding; → all bound (pods/s)', (r) => (pending(r) ? `${r.releaseToFirstBindSeconds} s; ${r.releaseToAllBoundSeconds} s (${r.podsPerSecondFromRelease}/s)` : '–')],
    ['Most pods waiting for a node at once; best 1 s of binding', (r) => `${r.maxBacklog}; ${r.peakBindsPerSecond}/s`],
    ['Window start → all pods Running', (r) => `${r.runningSeconds} s`],
    ['Store writes per pod (pod, binding, status, events)', (r) => `${r.writesPerPod}`],
    ['Server CPU in the window (CPU s; average cores)', (r) => `${r.cpu.serverCpuSeconds} s; ${r.cpu.serverCores}`],
    ['The bench client itself (cores)', (r) => `${r.cpu.benchCores}`],
    ['Other processes on the machine (cores; load avg 1m; try)', (r) => `${r.cpu.otherCores}; ${r.cpu.loadavg1m}; ${r.tries ?? 1}`],
    ['Server CPU idle with the nodes (leases, heartbeats)', (r) => `${r.idleCores} cores`],
    [`RSS idle with the nodes (empty server: ${emptyRss} MB)`, (r) => mb(r.rssIdleMb)],
    ['RSS with nodes + pods (5 s after all Running); peak', (r) => `**${mb(r.rssLoadedMb)}**; ${mb(r.peakRssMb)}`],
    ['Memory per node ((idle − empty) / nodes)', (r) => `${round(((r.rssIdleMb - emptyRss) * 1024) / r.nodes)} KB`],
    ['Memory per pod ((loaded − idle) / pods)', (r) => `${round(((r.rssLoadedMb - r.rssIdleMb) * 1024) / r.pods)} KB`],
  ];
  const head = `| | ${results.map((r) => `${r.nodes} nodes, ${r.pods} pods, ${r.mode}`).join(' | ')} |\n| --- |${results.map(() => ' --- |').join('')}\n`;
  return head + rows.map(([label, f]) => `| ${label} | ${results.map(f).join(' | ')} |`).join('\n') + '\n';
}
const r0 = (results: RunResult[]) => results[0];

async function main(): Promise<void> {
  const info = machine();
  progress(`machine: ${info.nproc} CPUs (${info.cpuModel}), kernel ${info.kernel}, Node ${info.node}, load ${info.loadavg.join(' ')}`);
  const emptyRss = await emptyServerRss();
  progress(`empty server (no nodes) RSS ${SETTLE_MS / 1000} s after ready: ${emptyRss} MB`);
  const results: RunResult[] = [];
  for (const n of NODE_COUNTS) for (const mode of MODES) {
    // Other work on a two-core machine takes the server's CPU: repeat a disturbed run, keep the least disturbed.
    let best: RunResult | undefined;
    for (let tries = 1; tries <= MAX_TRIES; tries++) {
      const r = await run(n, mode);
      r.tries = tries;
      if (!best || r.cpu.otherCores < best.cpu.otherCores) best = r;
      if (r.cpu.otherCores <= DISTURBED_CORES) break;
      if (tries < MAX_TRIES) progress(`other processes used ${r.cpu.otherCores} cores during the run; repeating it`);
    }
    results.push(best!);
  }
  const md = table(emptyRss, results);
  process.stdout.write(md);
  const at5000 = results.find((r) => r.nodes === 5000 && r.mode === 'pending') ?? results.find((r) => r.nodes === 5000);
  if (at5000) {
    process.stdout.write(`\nTargets at 5,000 nodes (${at5000.mode}): ≥ ${TARGETS.podsPerSecondAt5000} pods/s → ${at5000.podsPerSecond} ${at5000.podsPerSecond >= TARGETS.podsPerSecondAt5000 ? '✓' : '✗'}; ` +
      `< ${TARGETS.rssMbAt5000} MB RSS → ${at5000.rssLoadedMb} MB (peak ${at5000.peakRssMb}) ${at5000.rssLoadedMb < TARGETS.rssMbAt5000 ? '✓' : '✗'}\n`);
  }
  mkdirSync(OUT_DIR, { recursive: true });
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const doc = { bench: 'scheduler', quick: QUICK, via: VIA, modes: MODES, settings: { pods: PODS, clients: CLIENTS, capacity: CAPACITY, clusterCidr: CLUSTER_CIDR, requests: REQUESTS }, machine: info, emptyRss, results, loadavgAtEnd: loadavg().map((x) => round(x, 2)), table: md };
  const file = join(OUT_DIR, `scheduler-${stamp}${QUICK ? '-quick' : ''}.json`);
  writeFileSync(file, JSON.stringify(doc, null, 2));
  writeFileSync(join(OUT_DIR, `scheduler-latest${QUICK ? '-quick' : ''}.json`), JSON.stringify(doc, null, 2));
  progress(`results written to ${file}`);
}

await runBench(main);
