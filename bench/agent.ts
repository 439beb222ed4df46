// Node agent benchmark (issue 6): how fast a real node turns created pods into Running/Ready pods,
// and what the agent costs in memory and CPU. From the repo root, as root:
//
//   .tools/node_modules/.bin/node bench/agent.ts [--quick] [--pods N] [--runs N] [--steady S] [--kinds K,...]
//                                                [--log-level L] [--trace-cri] [--cri-limit N] [--profile]
//
// --quick      10 pods, one run, 15 s of steady state: a smoke run of the bench.
// --pods       pods per burst (default 50).
// --runs       bursts of each kind on the same node (default 3).
// --steady     seconds over which the steady-state CPU is measured with the pods running (default 60).
// --log-level  the agent's log level (default info); debug adds 'syncing pod' and 'pod status written'.
// --kinds      which bursts to run (default all three: pods, deployment, serial).
// --trace-cri  times every CRI call, program run and API request the agent makes
//              (bench/agent-cri-trace.ts, a `node --import` preload; nothing in src/ changes) and
//              prints where each pod's time went.
// --cri-limit  an experiment (implies --trace-cri): at most N RunPodSandbox/CreateContainer/
//              StartContainer calls in containerd at once, a pod's later stages first.
// --profile    runs the agent under `node --cpu-prof` and prints where its CPU went in the first burst.
//
// Set-up: a fresh `skiff server --disable-agent --cluster-cidr <a free /16>` on 127.0.0.1 (through
// test/helpers/server.ts), and a separate real node, `skiff agent --server URL --token TOKEN
// --node-ip 127.0.0.1 --kubelet-port 0` with its own data dir, so the agent's own RSS and CPU are
// one process's. The test suite's httpd image (busybox httpd, test/helpers/cri-harness.ts) is
// imported into the node's containerd before anything is measured, so no pull happens.
//
// A burst: N pods created at once (N POSTs over 10 keep-alive connections), one Deployment of N
// replicas, or (serial) N pods one after another, each created once the previous one is Running:
// the latency of one pod on a node that is not busy starting others. Every pod has one httpd
// container, `requests: {cpu: 10m, memory: 16Mi}`, no probes. A watch on the namespace records,
// per pod, when it was first seen (ADDED: the creation), scheduled (spec.nodeName set), Running
// (status.phase) and Ready (the Ready condition). The latency is from
// the ADDED event to the Running/Ready event (the creationTimestamp has 1 s resolution; it is
// kept in the JSON). Then the pods are deleted and the bench waits until they are gone.
//
// Memory: VmRSS of the agent (one node process), of containerd (<agent dir>/agent/containerd/
// containerd.pid) and the shims' total (RSS and PSS), idle (node Ready, image imported, no pods),
// with the first N pods running (a Deployment, before any burst), after each burst and at the end.
// CPU: the same processes (and the programs they ran: mount, CNI plugins, runc) over --steady
// seconds with N pods running and nothing changing, over 30 s idle, and during each burst. Other work on the two cores skews the numbers: the bench
// waits (bounded) for a quiet CPU before each measurement and records what other processes used.
//
// Network: only 127.0.0.1 (API server, agent) is used; the pods' IPs are never contacted.
// Progress goes to stderr, a markdown summary to stdout, every number to bench/out/agent-<time>.json,
// the agent's log to bench/out/agent-<time>.log. Everything started is stopped by PID, the node is
// cleaned with `skiff killall --data-dir` (server's and agent's), temp dirs removed, also on failure
// or Ctrl-C.

import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync, readdirSync, readlinkSync, writeFileSync, existsSync, copyFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { basename, join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { SKIFF } from '../test/helpers/server.ts';
import { TEST_IMAGES, testImageArchives } from '../test/helpers/cri-harness.ts';
import {
  OUT_DIR, ROOT, runBench, cpuSeconds, defer, machine, machineBusySeconds, memoryMb, monotonicUs, progress, round, runParallel,
  sleep, startCluster, summarizeProfile, tempDir, waitFor, waitForQuiet, watch, type Cluster, type HttpClient, type ProfileSummary
} from './sim-cluster.ts';

const run = promisify(execFile);
const USAGE = 'usage: node bench/agent.ts [--quick] [--pods N] [--runs N] [--steady S] [--kinds pods,deployment,serial] [--log-level L] [--trace-cri] [--cri-limit N] [--profile]';
const { values: flags } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    pods: { type: 'string' },
    runs: { type: 'string' },
    steady: { type: 'string' },
    'log-level': { type: 'string', default: 'info' },
    'trace-cri': { type: 'boolean', default: false },
    'cri-limit': { type: 'string' },
    kinds: { type: 'string', default: 'pods,deployment,serial' },
    profile: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (flags.help) { process.stdout.write(`${USAGE}\n`); process.exit(0); }

const QUICK = flags.quick;
const PODS = Number(flags.pods ?? (QUICK ? 10 : 50));
const RUNS = Number(flags.runs ?? (QUICK ? 1 : 3));
const STEADY_S = Number(flags.steady ?? (QUICK ? 15 : 60));
const LOG_LEVEL = flags['log-level']!;
const CRI_LIMIT = flags['cri-limit'] === undefined ? 0 : Number(flags['cri-limit']);
const TRACE = flags['trace-cri'] || CRI_LIMIT > 0;
type Kind = 'pods' | 'deployment' | 'serial';
const KINDS = flags.kinds!.split(',').map((k) => k.trim()) as Kind[];
if (!KINDS.length || KINDS.some((k) => !['pods', 'deployment', 'serial'].includes(k)) || !Number.isInteger(CRI_LIMIT) || CRI_LIMIT < 0) {
  throw new Error(`--kinds is a list of pods, deployment, serial; --cri-limit a count; ${USAGE}`);
}
if (!Number.isInteger(PODS) || PODS < 1 || PODS > 100 || !Number.isInteger(RUNS) || RUNS < 1 || RUNS > 10 ||
  !Number.isFinite(STEADY_S) || STEADY_S < 5 || STEADY_S > 600 || !['debug', 'info', 'warn', 'error'].includes(LOG_LEVEL)) {
  throw new Error(`--pods must be 1..100, --runs 1..10, --steady 5..600, --log-level debug|info|warn|error; ${USAGE}`);
}
const NAMESPACE = 'bench';
const IMAGE = TEST_IMAGES.httpd;
const REQUESTS = { cpu: '10m', memory: '16Mi' };
const CREATE_CLIENTS = 10;
const IDLE_CPU_S = QUICK ? 10 : 30;
const BURST_TIMEOUT_MS = 300_000;
const SETTLE_MS = QUICK ? 5_000 : 15_000;
const NODE_NAME = `bench-agent-${process.pid}`;
const TARGET_P99_MS = 1000;

const now = () => performance.timeOrigin + performance.now();

// ---------------------------------------------------------------------------------------------
// Processes of the node: the agent, its containerd, the shims

interface NodeProcs { agent: number; containerd: number; shims: number[] }

function nodeProcs(agentPid: number, agentDataDir: string): NodeProcs {
  const containerd = Number(readFileSync(join(agentDataDir, 'agent', 'containerd', 'containerd.pid'), 'utf8').trim());
  const shims: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (!readFileSync(`/proc/${entry}/comm`, 'utf8').startsWith('containerd-shim')) continue;
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(agentDataDir)) shims.push(Number(entry));
    } catch { /* gone */ }
  }
  return { agent: agentPid, containerd, shims };
}

/** Proportional set size (shared pages split among their users), in MB. */
function pssMb(pid: number): number {
  try {
    return round(Number(/^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))?.[1] ?? NaN) / 1024);
  } catch {
    return NaN;
  }
}

interface Memory {
  agentRssMb: number; agentPeakMb: number; containerdRssMb: number;
  shims: number; shimsRssMb: number; shimsPssMb: number; serverRssMb: number;
}

function memory(p: NodeProcs, serverPid: number): Memory {
  const shimRss = p.shims.map((pid) => { try { return memoryMb(pid).rss; } catch { return 0; } });
  const agent = memoryMb(p.agent);
  return {
    agentRssMb: agent.rss, agentPeakMb: agent.peak, containerdRssMb: memoryMb(p.containerd).rss,
    shims: p.shims.length, shimsRssMb: round(shimRss.reduce((a, b) => a + b, 0)),
    shimsPssMb: round(p.shims.map(pssMb).filter((x) => !Number.isNaN(x)).reduce((a, b) => a + b, 0)),
    serverRssMb: memoryMb(serverPid).rss,
  };
}

/** CPU seconds used by the node's pods (their processes, not the shims), from the node's cgroup. */
function podsCpuSeconds(): number {
  for (const h of ['cpu,cpuacct', 'cpuacct', 'cpu']) {
    const file = `/sys/fs/cgroup/${h}/skiff/${NODE_NAME}/cpuacct.usage`;
    if (existsSync(file)) return Number(readFileSync(file, 'utf8').trim()) / 1e9;
  }
  return NaN;
}

/** utime+stime of a process and cutime+cstime (its children that exited and were reaped), in seconds; zeros when gone. */
function procCpu(pid: number): { self: number; children: number } {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after "(comm)": utime is field 14 (index 11), stime 15, cutime 16, cstime 17.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ').map(Number);
    return { self: (f[11] + f[12]) / CLK_TCK, children: (f[13] + f[14]) / CLK_TCK };
  } catch {
    return { self: 0, children: 0 };
  }
}
const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

interface CpuSplit {
  wallSeconds: number;
  /** Average cores used over the window. */
  agentCores: number; containerdCores: number; shimsCores: number; podsCores: number; serverCores: number; benchCores: number; otherCores: number;
  /**
   * Programs that ran and exited in the window, by who started them: the agent's (mount, umount),
   * containerd's (CNI plugins, shim start-up), the shims' (runc).
   */
  agentChildrenCores: number; containerdChildrenCores: number; shimsChildrenCores: number;
  /** The whole machine. */
  machineCores: number;
  agentCpuSeconds: number; containerdCpuSeconds: number;
  loadavg1m: number;
}

/**
 * Measures the CPU the node's processes (and the programs they ran), the server, the bench and
 * everything else use until the result is called. Shims started in the window count from zero.
 */
function nodeCpuMeter(p: NodeProcs, serverPid: number, agentDataDir: string): () => CpuSplit {
  const t0 = performance.now();
  const machine0 = machineBusySeconds();
  const self0 = process.cpuUsage();
  const read = (shims: number[]) => {
    const shimCpu = new Map(shims.map((pid) => [pid, procCpu(pid)]));
    return { agent: procCpu(p.agent), containerd: procCpu(p.containerd), server: cpuSeconds(serverPid), shims: shimCpu, pods: podsCpuSeconds() };
  };
  const a = read(p.shims);
  return () => {
    const b = read(nodeProcs(p.agent, agentDataDir).shims);
    const wall = (performance.now() - t0) / 1000;
    const self = process.cpuUsage(self0);
    const bench = (self.user + self.system) / 1e6;
    let shims = 0;
    let shimsChildren = 0;
    for (const [pid, cpu] of b.shims) {
      const before = a.shims.get(pid) ?? { self: 0, children: 0 };
      shims += cpu.self - before.self;
      shimsChildren += cpu.children - before.children;
    }
    const d = {
      agent: b.agent.self - a.agent.self, agentChildren: b.agent.children - a.agent.children,
      containerd: b.containerd.self - a.containerd.self, containerdChildren: b.containerd.children - a.containerd.children,
      server: b.server - a.server, pods: b.pods - a.pods,
    };
    const machineUsed = machineBusySeconds() - machine0;
    const known = d.agent + d.agentChildren + d.containerd + d.containerdChildren + shims + shimsChildren + d.server + (Number.isNaN(d.pods) ? 0 : d.pods) + bench;
    const cores = (s: number) => round(Math.max(0, s) / wall, 3);
    return {
      wallSeconds: round(wall, 2), agentCores: cores(d.agent), containerdCores: cores(d.containerd), shimsCores: cores(shims),
      podsCores: Number.isNaN(d.pods) ? NaN : cores(d.pods), serverCores: cores(d.server), benchCores: cores(bench), otherCores: cores(machineUsed - known),
      agentChildrenCores: cores(d.agentChildren), containerdChildrenCores: cores(d.containerdChildren), shimsChildrenCores: cores(shimsChildren),
      machineCores: cores(machineUsed),
      agentCpuSeconds: round(d.agent, 2), containerdCpuSeconds: round(d.containerd, 2), loadavg1m: round(loadavg()[0], 2),
    };
  };
}

/** CPU seconds (own, and of reaped children) of every process on the machine, kernel threads included. */
function processTable(): Map<number, { comm: string; self: number; children: number }> {
  const table = new Map<number, { comm: string; self: number; children: number }>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ').map(Number);
      table.set(Number(entry), { comm, self: (f[11] + f[12]) / CLK_TCK, children: (f[13] + f[14]) / CLK_TCK });
    } catch { /* gone */ }
  }
  return table;
}

/**
 * Which programs used the CPU between two process tables, by name (processes that started and
 * exited in between show up only in their parent's "reaped children" line).
 */
function topProcesses(before: ReturnType<typeof processTable>, after: ReturnType<typeof processTable>, wallSeconds: number, top = 12): Array<{ what: string; cores: number }> {
  const by = new Map<string, number>();
  for (const [pid, a] of after) {
    const b = before.get(pid)?.comm === a.comm ? before.get(pid)! : { self: 0, children: 0 };
    const self = a.self - b.self;
    const children = a.children - b.children;
    if (self > 0) by.set(a.comm, (by.get(a.comm) ?? 0) + self);
    if (children > 0) by.set(`${a.comm}'s exited children`, (by.get(`${a.comm}'s exited children`) ?? 0) + children);
  }
  return [...by].sort((x, y) => y[1] - x[1]).slice(0, top).map(([what, s]) => ({ what, cores: round(s / wallSeconds, 3) }));
}

// ---------------------------------------------------------------------------------------------
// The agent process

interface Agent { pid: number; child: ChildProcess; dataDir: string; logFile: string; logs(): string; stop(): Promise<void> }

async function startAgent(cluster: Cluster, dataDir: string, logFile: string, profileDir: string | undefined, traceFile: string | undefined): Promise<Agent> {
  const token = readFileSync(join(cluster.dataDir, 'server', 'token'), 'utf8').trim();
  const nodeOptions = [process.env.NODE_OPTIONS ?? ''];
  if (profileDir) nodeOptions.push(`--cpu-prof --cpu-prof-dir=${profileDir}`);
  if (traceFile) nodeOptions.push(`--import ${join(ROOT, 'bench', 'agent-cri-trace.ts')}`);
  const env = { ...process.env, NODE_OPTIONS: nodeOptions.join(' ').trim(), ...(traceFile ? { SKIFF_BENCH_CRI_TRACE: traceFile } : {}), ...(CRI_LIMIT ? { SKIFF_BENCH_CRI_LIMIT: String(CRI_LIMIT) } : {}) };
  if (!env.NODE_OPTIONS) delete (env as Record<string, string | undefined>).NODE_OPTIONS;
  const child = spawn(SKIFF, ['agent', '--server', cluster.server.url, '--token', token, '--node-ip', '127.0.0.1', '--kubelet-port', '0',
    '--node-name', NODE_NAME, '--data-dir', dataDir, '--log-level', LOG_LEVEL], { stdio: ['ignore', 'pipe', 'pipe'], env });
  const out = createWriteStream(logFile);
  let text = '';
  const onData = (d: Buffer) => { text += d; out.write(d); };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const stop = defer(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(timer);
    }
    await new Promise<void>((r) => out.end(() => r()));
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error('skiff agent did not start');
  await waitFor('the agent to start', 60_000, 100, () => {
    if (child.exitCode !== null) throw new Error(`skiff agent exited with ${child.exitCode}:\n${text.slice(-3000)}`);
    return /msg="skiff agent is running"/.test(text) ? true : undefined;
  });
  // bin/skiff is a shell script that execs node: by now the PID must be node's.
  const exe = readlinkSync(`/proc/${pid}/exe`);
  if (!basename(exe).startsWith('node')) throw new Error(`PID ${pid} runs ${exe}, not the agent's node`);
  return { pid, child, dataDir, logFile, logs: () => text, stop };
}

/** A /16 for the pods that no interface here uses (test clusters take 10.100–139). */
async function freeClusterCidr(): Promise<string> {
  const { stdout } = await run('ip', ['-4', '-o', 'addr', 'show']);
  for (let i = 0; i < 40; i++) {
    const octet = 160 + ((process.pid + i * 7) % 40);
    if (!stdout.includes(` 10.${octet}.`)) return `10.${octet}.0.0/16`;
  }
  throw new Error('no free 10.X.0.0/16 for the bench cluster');
}

interface NodeLike { status?: { conditions?: Array<{ type: string; status: string }> } }

async function waitForNodeReady(client: HttpClient): Promise<number> {
  const t0 = performance.now();
  await waitFor(`node ${NODE_NAME} Ready`, 120_000, 200, async () => {
    const r = await client.send('GET', `/api/v1/nodes/${NODE_NAME}`);
    if (r.status !== 200) return undefined;
    return r.json<NodeLike>().status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ? true : undefined;
  });
  return round(performance.now() - t0);
}

// ---------------------------------------------------------------------------------------------
// Bursts

interface PodLike {
  metadata?: { name?: string; uid?: string; resourceVersion?: string; creationTimestamp?: string; deletionTimestamp?: string };
  spec?: { nodeName?: string };
  status?: { phase?: string; conditions?: Array<{ type: string; status: string }> };
}

/** When the watch saw each step of one pod (epoch ms). */
interface PodTimes {
  name: string; uid?: string; creationTimestamp?: string;
  postSent?: number; postDone?: number; added?: number; scheduled?: number; running?: number; ready?: number; deleted?: number;
}

function podBody(name: string, labels: Record<string, string>) {
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name, labels },
    spec: podSpec(),
  };
}

function podSpec() {
  // busybox httpd as PID 1 ignores SIGTERM: a short grace keeps the deletions quick.
  return { terminationGracePeriodSeconds: 1, containers: [{ name: 'web', image: IMAGE, resources: { requests: REQUESTS } }] };
}

/** Watches the namespace's pods and keeps the times of each (by name) in `times`. */
function timeline(client: HttpClient, rv: string, times: Map<string, PodTimes>, only: (name: string) => boolean) {
  return watch<PodLike>(client, `/api/v1/namespaces/${NAMESPACE}/pods`, rv, ({ type, object }) => {
    const t = now();
    const name = object.metadata?.name ?? '';
    if (!only(name)) return;
    let p = times.get(name);
    if (!p) { p = { name }; times.set(name, p); }
    p.added ??= t;
    p.uid ??= object.metadata?.uid;
    p.creationTimestamp ??= object.metadata?.creationTimestamp;
    if (object.spec?.nodeName) p.scheduled ??= t;
    if (object.status?.phase === 'Running') p.running ??= t;
    if (object.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')) p.ready ??= t;
    if (type === 'DELETED') p.deleted ??= t;
  });
}

function percentile(xs: number[], p: number): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}

interface Dist { p50: number; p90: number; p99: number; max: number; min: number }
function dist(xs: number[]): Dist {
  return { min: Math.round(Math.min(...xs)), p50: Math.round(percentile(xs, 50)), p90: Math.round(percentile(xs, 90)), p99: Math.round(percentile(xs, 99)), max: Math.round(Math.max(...xs)) };
}

interface BurstResult {
  kind: Kind;
  run: number;
  pods: number;
  /** Per-pod latencies in ms, from the watch's ADDED event. */
  toScheduled: Dist; toRunning: Dist; toReady: Dist;
  /** From the first creation to the last pod Ready. */
  allReadySeconds: number;
  /** For bare pods: from each POST being sent to Running. */
  postToRunning?: Dist;
  /** As upstream's SLI reads it: creationTimestamp (1 s resolution, rounded down) to Running. */
  fromCreationTimestampToRunning: Dist;
  /** The deletion of all pods: from the first DELETE to the last pod gone. */
  deleteSeconds: number;
  cpu: CpuSplit;
  /** The agent's RSS once the burst's pods were all Ready (MB). */
  agentRssMb: number;
  /** The programs that used the most CPU during the burst (average cores). */
  busiest: Array<{ what: string; cores: number }>;
  quiet: Awaited<ReturnType<typeof waitForQuiet>>;
  times: PodTimes[];
  window: { fromMs: number; toMs: number; fromUs: number; toUs: number };
}

async function burst(kind: Kind, runNo: number, cluster: Cluster, agent: Agent, clients: HttpClient[]): Promise<BurstResult> {
  const client = clients[0];
  const prefix = kind === 'pods' ? `bare${runNo}-` : kind === 'serial' ? `one${runNo}-` : `web${runNo}-`;
  const podsPath = `/api/v1/namespaces/${NAMESPACE}/pods`;
  const rv = (await client.must('GET', `${podsPath}?limit=1`, undefined, 200)).json().metadata.resourceVersion as string;
  const times = new Map<string, PodTimes>();
  const watcher = timeline(cluster.client(), rv, times, (n) => n.startsWith(prefix));
  const stopWatch = defer(() => watcher.stop());
  const quiet = await waitForQuiet(`${kind} run ${runNo}`, 60_000);
  const procs = nodeProcs(agent.pid, agent.dataDir);
  progress(`=== run ${runNo}: ${kind === 'pods' ? `${PODS} bare pods created at once` : kind === 'serial' ? `${PODS} bare pods, one after another` : `a Deployment of ${PODS} replicas`} ===`);
  const meter = nodeCpuMeter(procs, cluster.pid, agent.dataDir);
  const table0 = processTable();
  const window = { fromMs: now(), toMs: 0, fromUs: monotonicUs(), toUs: 0 };
  const labels = { app: prefix.slice(0, -1) };
  if (kind === 'serial') {
    for (let i = 0; i < PODS; i++) {
      const name = `${prefix}${i}`;
      const p: PodTimes = times.get(name) ?? { name };
      times.set(name, p);
      p.postSent = now();
      await client.must('POST', podsPath, podBody(name, labels), 201);
      p.postDone = now();
      await waitFor(`pod ${name} Running`, 60_000, 5, () => (times.get(name)?.running !== undefined ? true : undefined));
    }
  } else if (kind === 'pods') {
    const errors = await runParallel(clients, PODS, async (c, i) => {
      const name = `${prefix}${i}`;
      const p: PodTimes = times.get(name) ?? { name };
      times.set(name, p);
      p.postSent = now();
      await c.must('POST', podsPath, podBody(name, labels), 201);
      p.postDone = now();
    });
    if (errors.length) throw new Error(`creating pods failed: ${errors.slice(0, 3).join('; ')}`);
  } else {
    await client.must('POST', `/apis/apps/v1/namespaces/${NAMESPACE}/deployments`, {
      apiVersion: 'apps/v1', kind: 'Deployment',
      // The pods are named <deployment>-<hash>-<suffix>: the deployment's name is the prefix.
      metadata: { name: prefix.slice(0, -1) },
      spec: { replicas: PODS, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: podSpec() } },
    }, 201);
  }
  let shown = -1;
  await waitFor(`${PODS} pods Ready`, BURST_TIMEOUT_MS, 50, () => {
    const all = [...times.values()];
    const ready = all.filter((p) => p.ready !== undefined).length;
    const tenth = Math.floor(ready / 10);
    if (tenth !== shown) { shown = tenth; progress(`  ${all.filter((p) => p.added).length} created, ${all.filter((p) => p.scheduled).length} scheduled, ${all.filter((p) => p.running).length} Running, ${ready} Ready`); }
    return all.length >= PODS && ready >= PODS ? true : undefined;
  });
  window.toMs = now();
  window.toUs = monotonicUs();
  const cpu = meter();
  const busiest = topProcesses(table0, processTable(), cpu.wallSeconds);
  const agentRssMb = memoryMb(agent.pid).rss;
  const all = [...times.values()].filter((p) => p.added !== undefined && p.ready !== undefined);
  const firstAdded = Math.min(...all.map((p) => p.postSent ?? p.added!));
  const lastReady = Math.max(...all.map((p) => p.ready!));
  const result: BurstResult = {
    kind, run: runNo, pods: all.length,
    toScheduled: dist(all.map((p) => p.scheduled! - p.added!)),
    toRunning: dist(all.map((p) => p.running! - p.added!)),
    toReady: dist(all.map((p) => p.ready! - p.added!)),
    allReadySeconds: round((lastReady - firstAdded) / 1000, 2),
    postToRunning: kind !== 'deployment' ? dist(all.map((p) => p.running! - p.postSent!)) : undefined,
    fromCreationTimestampToRunning: dist(all.map((p) => p.running! - Date.parse(p.creationTimestamp!))),
    deleteSeconds: NaN, cpu, busiest, agentRssMb, quiet, times: all, window,
  };
  progress(`  ${kind} run ${runNo}: ADDED → Running p50 ${result.toRunning.p50} ms, p99 ${result.toRunning.p99} ms; → Ready p50 ${result.toReady.p50} ms, p99 ${result.toReady.p99} ms; all Ready after ${result.allReadySeconds} s; agent RSS ${agentRssMb} MB`);
  progress(`  CPU during the burst (cores): machine ${cpu.machineCores}; agent ${cpu.agentCores} (+ its programs ${cpu.agentChildrenCores}), containerd ${cpu.containerdCores} (+ CNI plugins etc. ${cpu.containerdChildrenCores}), shims ${cpu.shimsCores} (+ runc ${cpu.shimsChildrenCores}), server ${cpu.serverCores}, bench ${cpu.benchCores}, other ${cpu.otherCores}`);
  progress(`  busiest programs (cores): ${busiest.map((b) => `${b.what} ${b.cores}`).join(', ')}`);

  // Delete everything the burst made and wait until the pods are gone from the API.
  const t0 = now();
  if (kind !== 'deployment') {
    const errors = await runParallel(clients, all.length, (c, i) => c.must('DELETE', `${podsPath}/${all[i].name}`, undefined, 200).then(() => undefined));
    if (errors.length) throw new Error(`deleting pods failed: ${errors.slice(0, 3).join('; ')}`);
  } else {
    await client.must('DELETE', `/apis/apps/v1/namespaces/${NAMESPACE}/deployments/${prefix.slice(0, -1)}`, { propagationPolicy: 'Background' }, 200);
  }
  await waitFor(`${kind} pods to be deleted`, BURST_TIMEOUT_MS, 100, () => ([...times.values()].every((p) => p.deleted !== undefined) ? true : undefined));
  result.deleteSeconds = round((Math.max(...[...times.values()].map((p) => p.deleted!)) - t0) / 1000, 2);
  progress(`  all ${times.size} pods deleted after ${result.deleteSeconds} s`);
  await stopWatch();
  return result;
}

/** Creates N pods (a Deployment) and keeps them running for the steady-state measurement; returns a function that deletes them. */
async function runningPods(cluster: Cluster, client: HttpClient): Promise<() => Promise<void>> {
  const name = 'steady';
  const labels = { app: name };
  await client.must('POST', `/apis/apps/v1/namespaces/${NAMESPACE}/deployments`, {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name },
    spec: { replicas: PODS, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: podSpec() } },
  }, 201);
  await waitFor(`${PODS} steady pods Ready`, BURST_TIMEOUT_MS, 500, async () => {
    const d = (await client.must('GET', `/apis/apps/v1/namespaces/${NAMESPACE}/deployments/${name}`, undefined, 200)).json();
    return d.status?.readyReplicas === PODS ? true : undefined;
  });
  return async () => {
    await client.must('DELETE', `/apis/apps/v1/namespaces/${NAMESPACE}/deployments/${name}`, { propagationPolicy: 'Background' }, 200);
    await waitFor('steady pods to be deleted', BURST_TIMEOUT_MS, 500, async () => {
      const list = (await client.must('GET', `/api/v1/namespaces/${NAMESPACE}/pods?labelSelector=app%3D${name}`, undefined, 200)).json();
      return list.items.length === 0 ? true : undefined;
    });
    void cluster;
  };
}

// ---------------------------------------------------------------------------------------------
// Where a pod's time went: the agent's log and (with --trace-cri) its CRI calls

interface LogLine { t: number; msg: string; pod?: string; fields: string }

function parseAgentLog(text: string): LogLine[] {
  const out: LogLine[] = [];
  for (const line of text.split('\n')) {
    const m = /^time=(\S+) level=\w+ msg=("(?:[^"\\]|\\.)*"|\S+)(.*)$/.exec(line);
    if (!m) continue;
    const msg = m[2].startsWith('"') ? JSON.parse(m[2]) as string : m[2];
    out.push({ t: Date.parse(m[1]), msg, pod: / pod=(\S+)/.exec(m[3])?.[1], fields: m[3] });
  }
  return out;
}

interface CriCall { m: string; t: number; ms: number; ok: boolean; pod?: string; sb?: string; ctr?: string }

interface Breakdown {
  /** Per-step latency (ms) over the burst's pods: p50 / p99 / max. */
  steps: Record<string, Dist>;
  /** Calls the agent made during the burst (CRI, programs run, API requests): count and latency. */
  cri?: Record<string, { count: number; p50: number; p99: number; max: number; totalSeconds: number }>;
  /** The largest number of RunPodSandbox calls in flight at once. */
  maxSandboxesInFlight?: number;
}

/**
 * Splits each pod's ADDED → Running into: the watch to the agent's first sync, waiting for its
 * turn (first sync → RunPodSandbox sent), RunPodSandbox, sandbox → container started
 * (CreateContainer + StartContainer + what runs between), and container started → Running seen.
 */
function breakdown(r: BurstResult, logs: LogLine[], calls: CriCall[] | undefined): Breakdown {
  // Only what started during the burst (the deletions begin right after it).
  const inWindow = (t: number) => t >= r.window.fromMs - 50 && t <= r.window.toMs;
  const byPod = new Map<string, LogLine[]>();
  for (const l of logs) if (l.pod?.startsWith(`${NAMESPACE}/`) && inWindow(l.t)) (byPod.get(l.pod) ?? byPod.set(l.pod, []).get(l.pod)!).push(l);
  const sbOfPod = new Map<string, string>();
  const podOfSb = new Map<string, string>();
  const podOfCtr = new Map<string, string>();
  const windowCalls = (calls ?? []).filter((c) => inWindow(c.t));
  for (const c of windowCalls) if (c.m === 'RunPodSandbox' && c.pod && c.sb) { sbOfPod.set(c.pod, c.sb); podOfSb.set(c.sb, c.pod); }
  for (const c of windowCalls) if (c.m === 'CreateContainer' && c.sb && c.ctr && podOfSb.has(c.sb)) podOfCtr.set(c.ctr, podOfSb.get(c.sb)!);
  const steps: Record<string, number[]> = {};
  const add = (k: string, v: number | undefined) => { if (v !== undefined && Number.isFinite(v)) (steps[k] ??= []).push(v); };
  for (const p of r.times) {
    const key = `${NAMESPACE}/${p.name}`;
    const lines = byPod.get(key) ?? [];
    const first = (msg: string) => lines.find((l) => l.msg === msg)?.t;
    const syncing = first('syncing pod');
    const creating = first('creating pod sandbox');
    const sandboxReady = first('pod sandbox ready');
    const started = first('container started');
    const statusRunning = lines.find((l) => l.msg === 'pod status written' && /phase=Running/.test(l.fields))?.t;
    add('watch ADDED → agent syncs the pod (debug log)', syncing !== undefined ? syncing - p.added! : undefined);
    add('watch ADDED → "creating pod sandbox"', creating !== undefined ? creating - p.added! : undefined);
    add('"creating pod sandbox" → "pod sandbox ready"', creating !== undefined && sandboxReady !== undefined ? sandboxReady - creating : undefined);
    add('"pod sandbox ready" → "container started"', sandboxReady !== undefined && started !== undefined ? started - sandboxReady : undefined);
    add('"container started" → status written (debug log)', started !== undefined && statusRunning !== undefined ? statusRunning - started : undefined);
    add('"container started" → Running seen by the watch', started !== undefined ? p.running! - started : undefined);
    const sb = sbOfPod.get(key);
    if (sb) {
      const run = windowCalls.find((c) => c.m === 'RunPodSandbox' && c.sb === sb)!;
      const create = windowCalls.find((c) => c.m === 'CreateContainer' && c.sb === sb);
      const start = create?.ctr ? windowCalls.find((c) => c.m === 'StartContainer' && c.ctr === create.ctr) : undefined;
      add('CRI RunPodSandbox', run.ms);
      if (create) add('CRI RunPodSandbox done → CreateContainer sent', create.t - (run.t + run.ms));
      if (create) add('CRI CreateContainer', create.ms);
      if (start && create) add('CRI CreateContainer done → StartContainer sent', start.t - (create.t + create.ms));
      if (start) add('CRI StartContainer', start.ms);
      if (creating !== undefined) add('"creating pod sandbox" → RunPodSandbox sent', run.t - creating);
      if (start) add('StartContainer done → Running seen by the watch', p.running! - (start.t + start.ms));
    }
  }
  const out: Breakdown = { steps: Object.fromEntries(Object.entries(steps).map(([k, v]) => [k, dist(v)])) };
  if (calls) {
    const byMethod = new Map<string, number[]>();
    for (const c of windowCalls) (byMethod.get(c.m) ?? byMethod.set(c.m, []).get(c.m)!).push(c.ms);
    out.cri = Object.fromEntries([...byMethod].sort((a, b) => b[1].reduce((x, y) => x + y, 0) - a[1].reduce((x, y) => x + y, 0)).map(([m, v]) => [m, {
      count: v.length, p50: round(percentile(v, 50)), p99: round(percentile(v, 99)), max: round(Math.max(...v)), totalSeconds: round(v.reduce((a, b) => a + b, 0) / 1000, 2),
    }]));
    const edges = windowCalls.filter((c) => c.m === 'RunPodSandbox').flatMap((c) => [[c.t, 1], [c.t + c.ms, -1]] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    let inFlight = 0;
    out.maxSandboxesInFlight = 0;
    for (const [, d] of edges) { inFlight += d; out.maxSandboxesInFlight = Math.max(out.maxSandboxesInFlight, inFlight); }
  }
  return out;
}

function printBreakdown(what: string, b: Breakdown): void {
  progress(`  where the time went (${what}), ms p50 / p99 / max:`);
  for (const [k, d] of Object.entries(b.steps)) progress(`    ${k.padEnd(52)} ${d.p50} / ${d.p99} / ${d.max}`);
  if (b.cri) {
    progress(`  calls the agent made during the burst (CRI, programs, API requests; max ${b.maxSandboxesInFlight} RunPodSandbox in flight):`);
    for (const [m, s] of Object.entries(b.cri).slice(0, 25)) progress(`    ${m.padEnd(60)} ${String(s.count).padStart(5)} calls, p50 ${s.p50} ms, p99 ${s.p99} ms, max ${s.max} ms, total ${s.totalSeconds} s`);
  }
}

function readCriTrace(file: string | undefined): CriCall[] | undefined {
  if (!file || !existsSync(file)) return undefined;
  return readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as CriCall).filter((c) => c.m !== 'memory');
}

// ---------------------------------------------------------------------------------------------

function median<T>(xs: T[], key: (x: T) => number): T {
  return [...xs].sort((a, b) => key(a) - key(b))[xs.length >> 1];
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('the node agent runs containers: run the bench as root');
  const info = machine();
  progress(`machine: ${info.nproc} CPUs (${info.cpuModel}), kernel ${info.kernel}, Node ${info.node}, load ${info.loadavg.join(' ')}, commit ${info.commit} (+${info.dirtyFiles} changed files)`);
  mkdirSync(OUT_DIR, { recursive: true });
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const suffix = QUICK ? '-quick' : '';
  const logFile = join(OUT_DIR, `agent-${stamp}${suffix}.log`);
  const archives = await testImageArchives();
  const ipForwardBefore = readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8');

  const clusterCidr = await freeClusterCidr();
  const cluster = await startCluster(['--cluster-cidr', clusterCidr]);
  const agentDir = tempDir('skiff-bench-agent-');
  const profileDir = flags.profile ? tempDir('skiff-bench-agent-prof-') : undefined;
  const traceFile = TRACE ? join(OUT_DIR, `agent-cri-${stamp}${suffix}.jsonl`) : undefined;
  let agent: Agent | undefined;
  // The node is torn down in this order whatever happens: agent, its pods and network, the server.
  const teardown = defer(async () => {
    await agent?.stop();
    const killall = async (dir: string) => {
      const r = await run(SKIFF, ['killall', '--data-dir', dir]).catch((err: { stderr?: string }) => ({ stdout: '', stderr: `failed: ${err.stderr ?? err}` }));
      progress(`skiff killall --data-dir ${dir}: ${r.stderr.trim().replace(/\n/g, '; ')}`);
    };
    await killall(agentDir.path);
    await agentDir.remove();
    await cluster.server.stop();
    await killall(cluster.dataDir);
    writeFileSync('/proc/sys/net/ipv4/ip_forward', ipForwardBefore);
  });

  const bursts: BurstResult[] = [];
  const breakdowns: Array<{ kind: string; run: number; breakdown: Breakdown }> = [];
  let idle: { memory: Memory; cpu: CpuSplit; nodeReadyMs: number } | undefined;
  let loaded: { memory: Memory; cpu: CpuSplit } | undefined;
  let idleAfter: Memory | undefined;
  let profile: ProfileSummary | undefined;
  try {
    progress(`server up (PID ${cluster.pid}, cluster CIDR ${clusterCidr}); starting the agent for node ${NODE_NAME}`);
    const t0 = performance.now();
    agent = await startAgent(cluster, agentDir.path, logFile, profileDir?.path, traceFile);
    const client = cluster.client();
    const nodeReadyMs = await waitForNodeReady(client);
    progress(`agent PID ${agent.pid}; node Ready ${round((performance.now() - t0) / 1000, 2)} s after the agent was spawned`);
    await run(SKIFF, ['images', 'import', archives.httpd, '--data-dir', agentDir.path]);
    progress(`imported ${IMAGE}`);
    await client.must('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NAMESPACE } }, 201);
    // The namespace's default service account is what pods are admitted with.
    await waitFor('the default service account', 30_000, 100, async () => ((await client.send('GET', `/api/v1/namespaces/${NAMESPACE}/serviceaccounts/default`)).status === 200 ? true : undefined));

    // ---- idle ----
    await sleep(SETTLE_MS);
    await waitForQuiet('idle', 60_000);
    let procs = nodeProcs(agent.pid, agentDir.path);
    const idleMeter = nodeCpuMeter(procs, cluster.pid, agent.dataDir);
    await sleep(IDLE_CPU_S * 1000);
    idle = { memory: memory(procs, cluster.pid), cpu: idleMeter(), nodeReadyMs };
    progress(`idle: agent RSS ${idle.memory.agentRssMb} MB, containerd ${idle.memory.containerdRssMb} MB; CPU agent ${idle.cpu.agentCores} cores, containerd ${idle.cpu.containerdCores} over ${IDLE_CPU_S} s`);

    // ---- N pods running, steady state ----
    progress(`=== steady state: ${PODS} pods running ===`);
    const removeSteady = await runningPods(cluster, client);
    await sleep(SETTLE_MS);
    await waitForQuiet('steady state', 60_000);
    procs = nodeProcs(agent.pid, agentDir.path);
    const steadyMeter = nodeCpuMeter(procs, cluster.pid, agent.dataDir);
    await sleep(STEADY_S * 1000);
    loaded = { cpu: steadyMeter(), memory: memory(nodeProcs(agent.pid, agentDir.path), cluster.pid) };
    progress(`with ${PODS} pods: agent RSS ${loaded.memory.agentRssMb} MB (peak ${loaded.memory.agentPeakMb}), containerd ${loaded.memory.containerdRssMb} MB, ${loaded.memory.shims} shims ${loaded.memory.shimsRssMb} MB RSS / ${loaded.memory.shimsPssMb} MB PSS`);
    progress(`  CPU over ${STEADY_S} s (cores): agent ${loaded.cpu.agentCores} (+ its programs ${loaded.cpu.agentChildrenCores}), containerd ${loaded.cpu.containerdCores} (+ ${loaded.cpu.containerdChildrenCores}), shims ${loaded.cpu.shimsCores} (+ runc ${loaded.cpu.shimsChildrenCores}), pods ${loaded.cpu.podsCores}, server ${loaded.cpu.serverCores}, other ${loaded.cpu.otherCores}`);
    await removeSteady();
    await sleep(3000);

    // ---- bursts ----
    const clients = Array.from({ length: CREATE_CLIENTS }, () => cluster.client());
    const logsBefore = () => parseAgentLog(agent!.logs());
    for (let r = 1; r <= RUNS; r++) {
      for (const kind of KINDS) {
        const b = await burst(kind, r, cluster, agent, clients);
        bursts.push(b);
        const bd = breakdown(b, logsBefore(), readCriTrace(traceFile));
        breakdowns.push({ kind, run: r, breakdown: bd });
        printBreakdown(`${kind} run ${r}`, bd);
        await sleep(3000);
      }
    }

    await sleep(SETTLE_MS);
    idleAfter = memory(nodeProcs(agent.pid, agentDir.path), cluster.pid);
    progress(`idle again after all bursts: agent RSS ${idleAfter.agentRssMb} MB, containerd ${idleAfter.containerdRssMb} MB`);
  } finally {
    await teardown();
  }
  if (profileDir) {
    const first = bursts[0];
    profile = summarizeProfile(profileDir.path, `agent-${stamp}`, first ? { fromUs: first.window.fromUs, toUs: first.window.toUs } : undefined);
    await profileDir.remove();
  }
  if (!idle || !loaded) throw new Error('unreachable: the run ended without results');

  // ---- report ----
  const ok = (ms: number) => (ms < TARGET_P99_MS ? '✓' : '✗');
  const byKind = (k: string) => bursts.filter((b) => b.kind === k);
  const rows: string[] = [];
  for (const kind of KINDS) {
    const bs = byKind(kind);
    const m = median(bs, (b) => b.toRunning.p99);
    const what = kind === 'pods' ? `${PODS} bare pods at once` : kind === 'serial' ? `${PODS} bare pods one at a time` : `Deployment of ${PODS}`;
    rows.push(`| ${what}: created → Running (median run of ${bs.length}) | ${m.toRunning.p50} ms | **${m.toRunning.p99} ms ${ok(m.toRunning.p99)}** | ${m.toReady.p50} / ${m.toReady.p99} ms | ${m.toScheduled.p50} / ${m.toScheduled.p99} ms | ${m.allReadySeconds} s | ${m.cpu.machineCores} / ${m.cpu.agentCores} / ${round(m.cpu.containerdCores + m.cpu.containerdChildrenCores + m.cpu.shimsCores + m.cpu.shimsChildrenCores, 2)} |`);
  }
  const fmtRuns = (k: string) => byKind(k).map((b) => `${b.toRunning.p50}/${b.toRunning.p99}`).join(', ');
  const md = [
    `| Burst | Running p50 | Running p99 (target < 1 s) | Ready p50 / p99 | Scheduled p50 / p99 | Last pod Ready | CPU in burst (cores): machine / agent / containerd+CNI+shims+runc |`,
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...rows,
    '',
    `Every run, Running p50/p99 ms: ${KINDS.map((k) => `${k} ${fmtRuns(k)}`).join('; ')}.`,
    `Agent RSS after each burst, MB: ${bursts.map((b) => b.agentRssMb).join(', ')}.`,
    '',
    `| Agent footprint | Agent | containerd | Shims (${loaded.memory.shims}) | Server |`,
    '| --- | --- | --- | --- | --- |',
    `| RSS idle (node Ready, image imported, no pods) | ${idle.memory.agentRssMb} MB | ${idle.memory.containerdRssMb} MB | – | ${idle.memory.serverRssMb} MB |`,
    `| RSS with ${PODS} pods running (first ${PODS} pods on this agent) | ${loaded.memory.agentRssMb} MB | ${loaded.memory.containerdRssMb} MB | ${loaded.memory.shimsRssMb} MB RSS, ${loaded.memory.shimsPssMb} MB PSS | ${loaded.memory.serverRssMb} MB |`,
    `| RSS idle after all bursts (${bursts.length * PODS + PODS} pods started in all) | ${idleAfter?.agentRssMb} MB | ${idleAfter?.containerdRssMb} MB | – | ${idleAfter?.serverRssMb} MB |`,
    `| CPU idle (${IDLE_CPU_S} s) | ${idle.cpu.agentCores} cores | ${idle.cpu.containerdCores} cores | – | ${idle.cpu.serverCores} cores |`,
    `| CPU with ${PODS} pods, steady (${STEADY_S} s) | ${loaded.cpu.agentCores} cores | ${loaded.cpu.containerdCores} cores | ${loaded.cpu.shimsCores} cores (pods themselves ${loaded.cpu.podsCores}) | ${loaded.cpu.serverCores} cores |`,
    '',
  ].join('\n');
  process.stdout.write(md);
  const doc = {
    bench: 'agent', quick: QUICK,
    settings: { pods: PODS, runs: RUNS, kinds: KINDS, criLimit: CRI_LIMIT, steadySeconds: STEADY_S, idleSeconds: IDLE_CPU_S, image: IMAGE, requests: REQUESTS, logLevel: LOG_LEVEL, traceCri: !!traceFile, profile: !!flags.profile, nodeName: NODE_NAME, clusterCidr },
    machine: info, idle, loaded, idleAfter, bursts, breakdowns, profile, loadavgAtEnd: loadavg().map((x) => round(x, 2)), table: md,
    agentLog: basename(logFile), criTrace: traceFile ? basename(traceFile) : undefined,
  };
  const file = join(OUT_DIR, `agent-${stamp}${suffix}.json`);
  writeFileSync(file, JSON.stringify(doc, null, 2));
  copyFileSync(file, join(OUT_DIR, `agent-latest${suffix}.json`));
  progress(`results written to ${file} (agent log ${basename(logFile)})`);
}

await runBench(main);
