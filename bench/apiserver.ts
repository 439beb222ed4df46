// API server benchmarks: how fast skiff starts, how small it idles, how many writes it takes and
// how quickly it lists, on both store backends. Prints a markdown table and writes every sample to
// bench/out/ (gitignored). From the repo root:
//
//   .tools/node_modules/.bin/node bench/apiserver.ts [--quick] [--backend sqlite|etcd] [--profile]
//
// --quick   fewer runs, shorter phases and only the 2,000-object list: a smoke run of the bench.
// --profile run the servers of the create and list phases under `node --cpu-prof` and print where
//           their CPU time went (the profiles are kept in bench/out/).
//
// All traffic goes to 127.0.0.1. Every process started here is stopped by its PID and every temp
// dir removed, also on failure or Ctrl-C.

import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, readdirSync, readlinkSync, statSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { createSecureContext } from 'node:tls';
import { availableParallelism, loadavg, release } from 'node:os';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import { ROOT, startServer, type TestServer } from '../test/helpers/server.ts';
import { startEtcd } from '../test/helpers/etcd.ts';
import { cleanupAll, defer, forget, freePort, machineBusySeconds, memoryMb, progress, round, sleep, tempDir } from './sim-cluster.ts';

// ---------------------------------------------------------------------------------------------
// Settings

const USAGE = 'usage: node bench/apiserver.ts [--quick] [--backend sqlite|etcd]... [--profile]';
const { values: flags } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    backend: { type: 'string', multiple: true },
    profile: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (flags.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}

type BackendName = 'sqlite' | 'etcd';
const BACKENDS: BackendName[] = (flags.backend ?? ['sqlite', 'etcd']).map((b) => {
  if (b !== 'sqlite' && b !== 'etcd') throw new Error(`unknown backend ${b}; ${USAGE}`);
  return b;
});

const QUICK = flags.quick;
const SETTINGS = {
  startupRuns: QUICK ? 2 : 5,
  createSeconds: QUICK ? 3 : 10,
  listSizes: QUICK ? [2_000] : [2_000, 10_000],
  listRuns: QUICK ? 3 : 5,
  /** How long to wait for other processes to leave the CPU before a measurement. */
  quietWaitMs: QUICK ? 5_000 : 60_000,
};
const CLIENTS = 8;
const POLL_MS = 5;
const IDLE_SETTLE_MS = 3_000;
const READY_TIMEOUT_MS = 30_000;
const MAX_CREATES_PER_CLIENT = 100_000;
const LOAD_TIMEOUT_MS = 300_000;
const MAX_ERRORS = 50;
/** Pause after a failed list before the next request. */
const RECOVER_MS = 6_000;
/** kubectl's default --chunk-size. */
const KUBECTL_CHUNK = 500;
/** The Accept header `kubectl get` sends. */
const TABLE_ACCEPT = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json';
/** Below this many busy cores (whole machine, sampled over a second) the CPU counts as quiet. */
const QUIET_CORES = 0.3;
/** A startup run during which other processes used more than this many cores is repeated. */
const DISTURBED_CORES = 0.3;
const MAX_TRIES = 3;

const TARGETS = { startupMs: 500, idleRssMb: 80, createsPerSec: 2_000 };
const UPSTREAM = { startup: '5.1 s', idleRss: '522 MB (control plane)', creates: '~1,000/s' };

const OUT_DIR = join(ROOT, 'bench', 'out');
const NODE = process.execPath;
const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

// ---------------------------------------------------------------------------------------------
// Small utilities


function median(xs: number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** Nearest-rank percentile of an unsorted sample. */
function percentile(xs: number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}


// ---------------------------------------------------------------------------------------------
// /proc readings: memory, CPU time, and the PIDs of our own children

/** CPU seconds a process has used; with children, also those of its reaped children. */
function processCpuSeconds(pid: number, withChildren = false): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after "(comm)": state is field 3, so utime (14) is at index 11.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ').map(Number);
    return (f[11] + f[12] + (withChildren ? f[13] + f[14] : 0)) / CLK_TCK;
  } catch {
    return 0;
  }
}

/** Our direct child whose command line contains `needle` (etcd, or a server whose start failed). */
function childPids(needle: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid !== process.pid) continue;
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(needle)) found.push(Number(entry));
    } catch {
      // the process went away while we looked
    }
  }
  return found;
}

interface CpuUse {
  wallSeconds: number;
  /** Average cores used by the skiff server, etcd, this bench, and everything else. */
  serverCores: number;
  etcdCores: number;
  benchCores: number;
  otherCores: number;
}

/**
 * Starts measuring CPU use; the returned function ends the interval. A process started inside
 * the interval (the server of a startup run) is passed at the end and counted in full.
 */
function cpuMeter(pids: { server?: number; etcd?: number }): (late?: { server?: number }) => CpuUse {
  const t0 = performance.now();
  const machine0 = machineBusySeconds();
  const self0 = process.cpuUsage();
  const server0 = pids.server ? processCpuSeconds(pids.server) : 0;
  const etcd0 = pids.etcd ? processCpuSeconds(pids.etcd) : 0;
  return (late = {}) => {
    const wall = (performance.now() - t0) / 1000;
    const machine = machineBusySeconds() - machine0;
    const selfUse = process.cpuUsage(self0);
    const bench = (selfUse.user + selfUse.system) / 1e6;
    const server = late.server ? processCpuSeconds(late.server, true) : pids.server ? processCpuSeconds(pids.server) - server0 : 0;
    const etcd = pids.etcd ? processCpuSeconds(pids.etcd) - etcd0 : 0;
    const cores = (s: number) => round(Math.max(0, s) / wall, 2);
    return { wallSeconds: round(wall, 2), serverCores: cores(server), etcdCores: cores(etcd), benchCores: cores(bench), otherCores: cores(machine - server - etcd - bench) };
  };
}

interface Quiet { busyCores: number; loadavg1m: number; waitedSeconds: number }

/** Waits (bounded) until the machine is nearly idle, so other work does not skew a measurement. */
async function waitForQuiet(what: string, maxWaitMs = SETTINGS.quietWaitMs): Promise<Quiet> {
  const start = performance.now();
  let busy = Infinity;
  while (true) {
    const before = machineBusySeconds();
    await sleep(1000);
    busy = round(machineBusySeconds() - before, 2);
    if (busy < QUIET_CORES || performance.now() - start > maxWaitMs) break;
    progress(`${what}: waiting for a quieter CPU (${busy} cores busy, load ${loadavg()[0].toFixed(2)})`);
  }
  const quiet = { busyCores: busy, loadavg1m: round(loadavg()[0], 2), waitedSeconds: round((performance.now() - start) / 1000) };
  if (busy >= QUIET_CORES) progress(`${what}: CPU still busy (${busy} cores) after ${quiet.waitedSeconds} s; measuring anyway`);
  return quiet;
}

// ---------------------------------------------------------------------------------------------
// HTTPS clients with the admin credentials

interface Credentials { ca: Buffer; cert: Buffer; key: Buffer }

/**
 * The admin client certificate and CA from the server's data dir. Read from there rather than
 * from the kubeconfig because the startup poll needs them before the kubeconfig is written.
 */
function adminCredentials(dataDir: string): Credentials {
  const tls = join(dataDir, 'server', 'tls');
  return {
    ca: readFileSync(join(tls, 'server-ca.crt')),
    cert: readFileSync(join(tls, 'client-admin.crt')),
    key: readFileSync(join(tls, 'client-admin.key')),
  };
}

interface Reply { status: number; body: Buffer; ms: number }

interface Client {
  send(method: string, path: string, body?: string, headers?: Record<string, string>, timeoutMs?: number): Promise<Reply>;
  /** How many TCP connections this client has opened (1 while keep-alive holds). */
  connections(): number;
  close(): void;
}

/** One client = one keep-alive connection to the server. */
function httpsClient(port: number, creds: Credentials): Client {
  // The TLS context is parsed once, here: building it per connection costs about a millisecond
  // of CPU, which the 5 ms startup poll would otherwise take from the server it is timing.
  const agent = new Agent({ keepAlive: true, maxSockets: 1, secureContext: createSecureContext(creds) });
  const sockets = new WeakSet<object>();
  let opened = 0;
  return {
    send(method, path, body, headers = {}, timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
        const started = performance.now();
        const req = request({
          host: '127.0.0.1', port, method, path, agent, timeout: timeoutMs,
          headers: body === undefined ? headers : { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(body)), ...headers },
        }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), ms: performance.now() - started }));
          res.on('error', reject);
        });
        req.on('socket', (s) => {
          if (!sockets.has(s)) { sockets.add(s); opened++; }
        });
        req.on('timeout', () => req.destroy(new Error(`${method} ${path} timed out after ${timeoutMs} ms`)));
        req.on('error', reject);
        req.end(body);
      });
    },
    connections: () => opened,
    close: () => agent.destroy(),
  };
}

/** "500 <the Status message>" for a failed reply (or the start of its body when it is not a Status). */
function replyError(reply: Reply): string {
  const text = reply.body.toString();
  try {
    const status = JSON.parse(text) as { message?: string };
    if (status.message) return `${reply.status} ${status.message}`;
  } catch {
    // not JSON
  }
  return `${reply.status} ${text.slice(0, 300)}`;
}

async function mustSend(client: Client, method: string, path: string, body: unknown, want: number): Promise<Reply> {
  const reply = await client.send(method, path, body === undefined ? undefined : JSON.stringify(body));
  if (reply.status !== want) throw new Error(`${method} ${path}: want ${want}, got ${replyError(reply)}`);
  return reply;
}

// ---------------------------------------------------------------------------------------------
// Datastores and servers

interface Datastore {
  backend: BackendName;
  /** Extra `skiff server` flags. */
  args: string[];
  etcdPid?: number;
  stop(): Promise<void>;
}

/** A fresh, empty datastore: nothing to do for SQLite (it lives in the data dir), a private etcd otherwise. */
async function freshDatastore(backend: BackendName): Promise<Datastore> {
  if (backend === 'sqlite') return { backend, args: [], stop: async () => {} };
  const etcd = await startEtcd();
  const stop = defer(() => etcd.stop());
  const [etcdPid] = childPids(`--listen-client-urls=${etcd.endpoint}`);
  return { backend, args: ['--datastore-endpoint', etcd.endpoint], etcdPid, stop };
}

interface Launched {
  server: TestServer;
  pid: number;
  port: number;
  creds: Credentials;
  /** Milliseconds from spawning `skiff server` until GET /readyz answered 200. */
  readyMs: number;
  /** The server's own startupMs (from its first line of code to ready), from its ready log line. */
  selfReportedMs?: number;
  cpu: CpuUse;
  stop(): Promise<void>;
}

/**
 * Spawns `skiff server` on `dataDir` and polls GET /readyz every POLL_MS with the admin client
 * certificate until it answers 200. `profileDir` runs the server under `node --cpu-prof`.
 */
async function launch(dataDir: string, store: Datastore, profileDir?: string): Promise<Launched> {
  const port = await freePort();
  const meter = cpuMeter({ etcd: store.etcdPid });
  // The helper spawns synchronously inside this call, so the environment only has to hold for it.
  const savedNodeOptions = process.env.NODE_OPTIONS;
  if (profileDir) process.env.NODE_OPTIONS = `${savedNodeOptions ?? ''} --cpu-prof --cpu-prof-dir=${profileDir}`.trim();
  const spawnedAt = performance.now();
  const starting = startServer({ dataDir, port, args: store.args });
  if (profileDir) {
    if (savedNodeOptions === undefined) delete process.env.NODE_OPTIONS;
    else process.env.NODE_OPTIONS = savedNodeOptions;
  }
  // If the start fails the helper does not hand us the process: find it by its data dir.
  const killOrphan = defer(() => {
    for (const pid of childPids(dataDir)) process.kill(pid, 'SIGKILL');
  });
  let startError: unknown;
  starting.catch((err) => { startError = err; });

  let readyAt: number;
  let server: TestServer;
  try {
    readyAt = await pollReady(dataDir, port, () => startError);
    server = await starting;
  } catch (err) {
    await killOrphan();
    throw err;
  }
  // The server is ours now: replace the orphan hunt with a proper stop.
  forget(killOrphan);
  const pid = server.process.pid!;
  const stop = defer(() => stopServer(server));
  const selfReported = /msg="skiff server is ready".*?startupMs=(\d+)/.exec(server.logs())?.[1];
  return {
    server, pid, port, creds: adminCredentials(dataDir),
    readyMs: round(readyAt - spawnedAt),
    selfReportedMs: selfReported === undefined ? undefined : Number(selfReported),
    cpu: meter({ server: pid }),
    stop,
  };
}

async function pollReady(dataDir: string, port: number, failure: () => unknown): Promise<number> {
  const deadline = performance.now() + READY_TIMEOUT_MS;
  let client: Client | undefined;
  try {
    while (performance.now() < deadline) {
      if (failure()) throw failure();
      if (!client) {
        try {
          client = httpsClient(port, adminCredentials(dataDir));
        } catch {
          // certificates not written yet (fresh data dir)
        }
      }
      if (client) {
        const reply = await client.send('GET', '/readyz', undefined, {}, 1000).catch(() => undefined);
        if (reply?.status === 200) return performance.now();
      }
      await sleep(POLL_MS);
    }
    throw new Error(`server on port ${port} did not answer /readyz 200 within ${READY_TIMEOUT_MS / 1000} s`);
  } finally {
    client?.close();
  }
}

/** SIGTERM, then SIGKILL if the server has not exited after 15 s. */
async function stopServer(server: TestServer): Promise<void> {
  const timer = setTimeout(() => void server.kill9(), 15_000);
  try {
    await server.stop();
  } finally {
    clearTimeout(timer);
  }
}

// ---------------------------------------------------------------------------------------------
// Phase 1 and 2: startup time and idle memory

interface StartupSample { readyMs: number; selfReportedMs?: number; cpu: CpuUse; tries: number }
interface StartupResult {
  quiet: Quiet;
  fresh: StartupSample[];
  restart: StartupSample[];
  freshMedianMs: number;
  restartMedianMs: number;
  idleFresh: { rss: number; peak: number };
  idleRestart: { rss: number; peak: number };
  profile?: ProfileSummary;
}


/** Memory of a server that has been left alone for IDLE_SETTLE_MS after it became ready. */
async function idleMemory(l: Launched): Promise<{ rss: number; peak: number }> {
  // bin/skiff is a shell script that execs node: by now the PID must be node's.
  const exe = readlinkSync(`/proc/${l.pid}/exe`);
  if (!basename(exe).startsWith('node')) throw new Error(`PID ${l.pid} runs ${exe}, not the server's node`);
  await sleep(IDLE_SETTLE_MS);
  return memoryMb(l.pid);
}

/**
 * One timed start. Waits for a quiet CPU first, and repeats (at most MAX_TRIES times) a start
 * during which other processes took the CPU: on a two-core machine that alone adds half again.
 */
async function timedStart(what: string, start: () => Promise<Launched>, discard: (l: Launched) => Promise<void>): Promise<{ l: Launched; sample: StartupSample }> {
  for (let tries = 1; ; tries++) {
    await waitForQuiet(what, 10_000);
    const l = await start();
    if (l.cpu.otherCores <= DISTURBED_CORES || tries === MAX_TRIES) {
      progress(`${what}: ready in ${l.readyMs} ms (server's own code ${l.selfReportedMs} ms; other processes ${l.cpu.otherCores} cores)`);
      return { l, sample: { readyMs: l.readyMs, selfReportedMs: l.selfReportedMs, cpu: l.cpu, tries } };
    }
    progress(`${what}: other processes used ${l.cpu.otherCores} cores during the start; repeating it`);
    await discard(l);
  }
}

async function startupPhase(backend: BackendName): Promise<StartupResult> {
  const quiet = await waitForQuiet(`${backend} startup`);
  const fresh: StartupSample[] = [];
  const restart: StartupSample[] = [];
  const runs = SETTINGS.startupRuns;
  let current: { dir: ReturnType<typeof tempDir>; store: Datastore } | undefined;
  const dropCurrent = async () => {
    await current?.store.stop();
    await current?.dir.remove();
    current = undefined;
  };
  let idleFresh = { rss: NaN, peak: NaN };
  let idleRestart = { rss: NaN, peak: NaN };
  let profile: ProfileSummary | undefined;
  try {
    for (let run = 1; run <= runs; run++) {
      await dropCurrent();
      const { l, sample } = await timedStart(`${backend} startup, fresh data dir, run ${run}/${runs}`, async () => {
        current = { store: await freshDatastore(backend), dir: tempDir('skiff-bench-') };
        return launch(current.dir.path, current.store);
      }, async (x) => { await x.stop(); await dropCurrent(); });
      fresh.push(sample);
      if (run === runs) {
        idleFresh = await idleMemory(l);
        progress(`${backend} idle RSS ${IDLE_SETTLE_MS / 1000} s after a fresh start: ${idleFresh.rss} MB (peak ${idleFresh.peak} MB)`);
      }
      await l.stop();
    }
    // The data dir (and etcd) of the last fresh run is restarted.
    const kept = current!;
    for (let run = 1; run <= runs; run++) {
      const { l, sample } = await timedStart(`${backend} startup, restart on existing data, run ${run}/${runs}`,
        () => launch(kept.dir.path, kept.store), (x) => x.stop());
      restart.push(sample);
      if (run === runs) {
        idleRestart = await idleMemory(l);
        progress(`${backend} idle RSS ${IDLE_SETTLE_MS / 1000} s after a restart: ${idleRestart.rss} MB (peak ${idleRestart.peak} MB)`);
      }
      await l.stop();
    }
    await dropCurrent();
    if (flags.profile) {
      progress(`${backend}: one more fresh start under --cpu-prof`);
      const profileDir = tempDir('skiff-prof-');
      current = { store: await freshDatastore(backend), dir: tempDir('skiff-bench-') };
      await (await launch(current.dir.path, current.store, profileDir.path)).stop();
      profile = keepProfile(profileDir.path, `apiserver-${backend}-startup`);
      await profileDir.remove();
    }
  } finally {
    await dropCurrent();
  }
  return {
    quiet, fresh, restart,
    freshMedianMs: round(median(fresh.map((s) => s.readyMs))),
    restartMedianMs: round(median(restart.map((s) => s.readyMs))),
    idleFresh, idleRestart, profile,
  };
}

// ---------------------------------------------------------------------------------------------
// Phase 3 and 4: creates and lists, on a server of their own

const configMap = (name: string) => JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { key: 'value' } });

interface CreateRun { ok: number; errors: number; firstError?: string; elapsedMs: number; latencies: number[] }

/**
 * Each client POSTs ConfigMaps one after another on its own connection until `next` gives no
 * more names. Bounded by `next` (count and time) and by MAX_ERRORS.
 */
async function createConfigMaps(clients: Client[], namespace: string, next: (client: number) => string | undefined, label: string): Promise<CreateRun> {
  const run: CreateRun = { ok: 0, errors: 0, elapsedMs: 0, latencies: [] };
  const path = `/api/v1/namespaces/${namespace}/configmaps`;
  const t0 = performance.now();
  let lastOk = 0;
  let lastTick = t0;
  const ticker = setInterval(() => {
    const now = performance.now();
    progress(`${label}: ${run.ok} created, ${Math.round(((run.ok - lastOk) * 1000) / (now - lastTick))}/s`);
    lastOk = run.ok;
    lastTick = now;
  }, 2_000);
  try {
    await Promise.all(clients.map(async (client, i) => {
      for (let name = next(i); name !== undefined; name = next(i)) {
        const reply = await client.send('POST', path, configMap(name));
        run.latencies.push(reply.ms);
        if (reply.status === 201) {
          run.ok++;
        } else {
          run.errors++;
          run.firstError ??= replyError(reply);
          if (run.errors > MAX_ERRORS) throw new Error(`${label}: more than ${MAX_ERRORS} failed creates, first: ${run.firstError}`);
        }
      }
    }));
  } finally {
    clearInterval(ticker);
  }
  run.elapsedMs = performance.now() - t0;
  return run;
}

/** A server (with its datastore and data dir) for one phase, torn down by `done`. */
async function phaseServer(backend: BackendName, namespace: string, profileDir?: string) {
  const store = await freshDatastore(backend);
  const dir = tempDir('skiff-bench-');
  const l = await launch(dir.path, store, profileDir);
  const clients = Array.from({ length: CLIENTS }, () => httpsClient(l.port, l.creds));
  await mustSend(clients[0], 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } }, 201);
  const done = async () => {
    for (const c of clients) c.close();
    await l.stop();
    await store.stop();
    await dir.remove();
  };
  return { l, store, clients, done };
}

interface CreateAttempt {
  quiet: Quiet;
  seconds: number;
  created: number;
  errors: number;
  firstError?: string;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  cpu: CpuUse;
}

interface CreateResult extends CreateAttempt {
  /** Every run; the fields above are the least disturbed one. */
  attempts: CreateAttempt[];
  connections: number;
  rssAfter: number;
  profile?: ProfileSummary;
}

async function createPhase(backend: BackendName): Promise<CreateResult> {
  const profileDir = flags.profile ? tempDir('skiff-prof-') : undefined;
  const p = await phaseServer(backend, 'bench-creates', profileDir?.path);
  let result: CreateResult;
  try {
    // Warm-up (not counted): opens every connection and lets the JIT see the create path.
    let warm = 0;
    await createConfigMaps(p.clients, 'bench-creates', (i) => (warm++ < 50 * CLIENTS ? `warm-${i}-${warm}` : undefined), `${backend} warm-up`);
    // A run during which other processes took the CPU is repeated (at most MAX_TRIES runs in
    // all) and the least disturbed one reported; every run is kept in the JSON.
    const attempts: CreateAttempt[] = [];
    for (let attempt = 1; attempt <= MAX_TRIES; attempt++) {
      const quiet = await waitForQuiet(`${backend} creates`);
      progress(`${backend}: ${CLIENTS} clients creating ConfigMaps for ${SETTINGS.createSeconds} s`);
      const counts = new Array<number>(CLIENTS).fill(0);
      const end = performance.now() + SETTINGS.createSeconds * 1000;
      const meter = cpuMeter({ server: p.l.pid, etcd: p.store.etcdPid });
      const run = await createConfigMaps(p.clients, 'bench-creates',
        (i) => (performance.now() < end && counts[i] < MAX_CREATES_PER_CLIENT ? `cm${attempt}-${i}-${counts[i]++}` : undefined), `${backend} creates`);
      const cpu = meter();
      const a: CreateAttempt = {
        quiet, seconds: round(run.elapsedMs / 1000, 2), created: run.ok, errors: run.errors, firstError: run.firstError,
        perSecond: Math.round((run.ok * 1000) / run.elapsedMs),
        p50Ms: round(percentile(run.latencies, 50), 2), p99Ms: round(percentile(run.latencies, 99), 2), maxMs: round(Math.max(...run.latencies), 2),
        cpu,
      };
      attempts.push(a);
      progress(`${backend}: ${a.perSecond} creates/s, p50 ${a.p50Ms} ms, p99 ${a.p99Ms} ms, ${a.errors} errors, ` +
        `server ${cpu.serverCores} cores, etcd ${cpu.etcdCores}, bench ${cpu.benchCores}, others ${cpu.otherCores}`);
      if (cpu.otherCores <= DISTURBED_CORES) break;
      if (attempt < MAX_TRIES) progress(`${backend}: other processes used ${cpu.otherCores} cores during the run; repeating it`);
    }
    const best = attempts.reduce((a, b) => (b.cpu.otherCores < a.cpu.otherCores ? b : a));
    result = {
      ...best, attempts,
      connections: p.clients.reduce((n, c) => n + c.connections(), 0),
      rssAfter: memoryMb(p.l.pid).rss,
    };
  } finally {
    await p.done();
  }
  if (profileDir) {
    result.profile = keepProfile(profileDir.path, `apiserver-${backend}-creates`);
    await profileDir.remove();
  }
  return result;
}

interface ListTiming { runsMs: number[]; medianMs: number; bytes: number; items: number; kind: string; pages?: number; error?: string }
interface ListResult {
  size: number;
  quiet: Quiet;
  loadSeconds: number;
  loadPerSecond: number;
  rssAfterLoad: number;
  rssAfterLists: number;
  json: ListTiming;
  table: ListTiming;
  /** What `kubectl get` really does: Table pages of KUBECTL_CHUNK following continue tokens. */
  pagedTable: ListTiming;
  cpu: CpuUse;
  profile?: ProfileSummary;
}

/** Times one full read of a list, then checks it held `size` items (outside the timing). */
async function timeList(client: Client, path: string, accept: string | undefined, size: number): Promise<{ ms: number; bytes: number; kind: string }> {
  const reply = await client.send('GET', path, undefined, accept ? { Accept: accept } : {});
  if (reply.status !== 200) throw new Error(replyError(reply));
  const body = JSON.parse(reply.body.toString()) as { kind: string; items?: unknown[]; rows?: unknown[] };
  // Every namespace also holds its kube-root-ca.crt ConfigMap.
  const count = (body.rows ?? body.items ?? []).length - 1;
  if (count !== size) throw new Error(`GET ${path} (${accept ?? 'json'}) returned ${count} items, want ${size}`);
  return { ms: reply.ms, bytes: reply.body.length, kind: body.kind };
}

async function timePagedTable(client: Client, base: string, size: number): Promise<{ ms: number; bytes: number; pages: number; kind: string }> {
  const t0 = performance.now();
  let token: string | undefined;
  let rows = 0;
  let bytes = 0;
  let pages = 0;
  let kind = '';
  const maxPages = Math.ceil(size / KUBECTL_CHUNK) + 2;
  do {
    const path = `${base}?limit=${KUBECTL_CHUNK}${token ? `&continue=${encodeURIComponent(token)}` : ''}`;
    const reply = await client.send('GET', path, undefined, { Accept: TABLE_ACCEPT });
    if (reply.status !== 200) throw new Error(replyError(reply));
    const body = JSON.parse(reply.body.toString()) as { kind: string; rows?: unknown[]; items?: unknown[]; metadata?: { continue?: string } };
    kind = body.kind;
    rows += (body.rows ?? body.items ?? []).length;
    bytes += reply.body.length;
    token = body.metadata?.continue || undefined;
    pages++;
  } while (token && pages < maxPages);
  rows -= 1; // the namespace's kube-root-ca.crt ConfigMap
  if (rows !== size) throw new Error(`paged list of ${base} gave ${rows} rows in ${pages} pages, want ${size}`);
  return { ms: performance.now() - t0, bytes, pages, kind };
}

async function listPhase(backend: BackendName, size: number): Promise<ListResult> {
  const namespace = `bench-list-${size}`;
  const profileDir = flags.profile && size === Math.max(...SETTINGS.listSizes) ? tempDir('skiff-prof-') : undefined;
  const p = await phaseServer(backend, namespace, profileDir?.path);
  let result: ListResult;
  try {
    progress(`${backend}: loading ${size} ConfigMaps into ${namespace} with ${CLIENTS} clients`);
    let n = 0;
    const deadline = performance.now() + LOAD_TIMEOUT_MS;
    const load = await createConfigMaps(p.clients, namespace,
      () => (n < size && performance.now() < deadline ? `cm-${String(n++).padStart(5, '0')}` : undefined), `${backend} load ${size}`);
    if (load.ok !== size) throw new Error(`loaded only ${load.ok} of ${size} ConfigMaps (${load.errors} errors, first: ${load.firstError})`);
    const rssAfterLoad = memoryMb(p.l.pid).rss;
    progress(`${backend}: loaded ${size} in ${round(load.elapsedMs / 1000, 2)} s; server RSS ${rssAfterLoad} MB`);

    const client = p.clients[0];
    for (const c of p.clients.slice(1)) c.close();
    const path = `/api/v1/namespaces/${namespace}/configmaps`;
    // Each way of listing is timed on its own: one that fails is recorded and the others go on.
    // kubectl's paged read goes first: it is the one most likely to work.
    const kinds = {
      pagedTable: () => timePagedTable(client, path, size),
      json: () => timeList(client, path, undefined, size),
      table: () => timeList(client, path, TABLE_ACCEPT, size),
    };
    type Kind = keyof typeof kinds;
    const samples: Record<Kind, Array<{ ms: number; bytes: number; kind: string; pages?: number }>> = { json: [], table: [], pagedTable: [] };
    const failed: Partial<Record<Kind, string>> = {};
    const measure = async (kind: Kind) => {
      if (failed[kind]) return undefined;
      try {
        return await kinds[kind]();
      } catch (err) {
        failed[kind] = (err as Error).message.slice(0, 400);
        progress(`${backend} list ${size}, ${kind} failed: ${failed[kind]}; giving the server ${RECOVER_MS / 1000} s before the next request`);
        // A failure can leave the server briefly unable to serve anything (the etcd client's
        // circuit breaker opens): the other kinds should not fail only because of it.
        await sleep(RECOVER_MS);
        return undefined;
      }
    };
    // One untimed read of each kind first, so the runs measure the steady state.
    for (const kind of Object.keys(kinds) as Kind[]) await measure(kind);
    const quiet = await waitForQuiet(`${backend} list ${size}`);
    const meter = cpuMeter({ server: p.l.pid, etcd: p.store.etcdPid });
    for (let run = 1; run <= SETTINGS.listRuns; run++) {
      const line: string[] = [];
      for (const kind of Object.keys(kinds) as Kind[]) {
        const x = await measure(kind);
        if (x) samples[kind].push(x);
        line.push(`${kind} ${x ? `${round(x.ms)} ms` : 'failed'}`);
      }
      progress(`${backend} list ${size}, run ${run}/${SETTINGS.listRuns}: ${line.join(', ')}`);
    }
    const cpu = meter();
    const timing = (kind: Kind): ListTiming => {
      const xs = samples[kind];
      if (failed[kind] || xs.length === 0) return { runsMs: [], medianMs: NaN, bytes: 0, items: size, kind: '', error: failed[kind] ?? 'no samples' };
      return { runsMs: xs.map((x) => round(x.ms)), medianMs: round(median(xs.map((x) => x.ms))), bytes: xs[0].bytes, items: size, kind: xs[0].kind, pages: xs[0].pages };
    };
    result = {
      size, quiet,
      loadSeconds: round(load.elapsedMs / 1000, 2), loadPerSecond: Math.round((size * 1000) / load.elapsedMs),
      rssAfterLoad, rssAfterLists: memoryMb(p.l.pid).rss,
      json: timing('json'), table: timing('table'), pagedTable: timing('pagedTable'),
      cpu,
    };
  } finally {
    await p.done();
  }
  if (profileDir) {
    result.profile = keepProfile(profileDir.path, `apiserver-${backend}-list-${size}`);
    await profileDir.remove();
  }
  return result;
}

// ---------------------------------------------------------------------------------------------
// CPU profiles: where the server's time went

interface ProfileSummary {
  file: string;
  sampledSeconds: number;
  /** Share of the samples the server spent idle; the percentages below are of the busy rest. */
  idlePercent: number;
  /** Busy time spent loading modules, and the part of it stripping TypeScript types (amaro). */
  moduleLoadingPercent: number;
  typeStrippingPercent: number;
  /** Self time: where the CPU actually was (a native call counts for the JS function making it). */
  topSelf: Array<{ percent: number; ms: number; fn: string }>;
  /** Inclusive time of skiff's own functions: which request paths cost the most. */
  topSkiffInclusive: Array<{ percent: number; ms: number; fn: string }>;
  topFiles: Array<{ percent: number; ms: number; file: string }>;
}

interface CpuProfile {
  nodes: Array<{ id: number; hitCount?: number; children?: number[]; callFrame: { functionName: string; url: string; lineNumber: number } }>;
  samples: number[];
  startTime: number;
  endTime: number;
}

/** Copies the server's profile to bench/out and sums its time per function and per file. */
function keepProfile(dir: string, name: string): ProfileSummary | undefined {
  // The largest profile is the server's (the launcher's Node version check writes a tiny one).
  const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).map((f) => join(dir, f));
  const file = files.sort((a, b) => statSync(b).size - statSync(a).size)[0];
  if (!file) {
    progress(`no CPU profile was written in ${dir}`);
    return undefined;
  }
  mkdirSync(OUT_DIR, { recursive: true });
  const kept = join(OUT_DIR, `${name}.cpuprofile`);
  copyFileSync(file, kept);
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const msPerSample = (profile.endTime - profile.startTime) / 1000 / Math.max(1, profile.samples.length);

  const parent = new Map<number, number>();
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const label = (id: number) => {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    const where = url ? url.replace(`file://${ROOT}/`, '').replace(/^.*\/node_modules\//, 'node_modules/') : '';
    return { fn: `${functionName || '(anonymous)'}${where ? ` ${where}:${lineNumber + 1}` : ''}`, file: where || `(${functionName})`, ours: where.startsWith('src/') };
  };
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const byFile = new Map<string, number>();
  let idle = 0;
  let loading = 0;
  let stripping = 0;
  for (const n of profile.nodes) {
    const hits = n.hitCount ?? 0;
    if (!hits) continue;
    const own = label(n.id);
    if (own.fn === '(idle)') { idle += hits; continue; }
    self.set(own.fn, (self.get(own.fn) ?? 0) + hits);
    byFile.set(own.file, (byFile.get(own.file) ?? 0) + hits);
    // Each sample counts once for every distinct skiff function on its stack.
    const seen = new Set<string>();
    let isLoading = false;
    let isStripping = false;
    for (let id: number | undefined = n.id; id !== undefined; id = parent.get(id)) {
      const l = label(id);
      if (l.ours && !seen.has(l.fn)) { seen.add(l.fn); inclusive.set(l.fn, (inclusive.get(l.fn) ?? 0) + hits); }
      const url = byId.get(id)!.callFrame.url;
      if (url.startsWith('node:internal/deps/amaro') || url.startsWith('wasm://')) isStripping = true;
      if (url.startsWith('node:internal/modules/') || isStripping) isLoading = true;
    }
    if (isLoading) loading += hits;
    if (isStripping) stripping += hits;
  }
  const busy = Math.max(1, profile.samples.length - idle);
  const top = (m: Map<string, number>, n: number) => [...m].sort((a, b) => b[1] - a[1]).slice(0, n)
    .map(([k, hits]) => ({ percent: round((hits * 100) / busy), ms: Math.round(hits * msPerSample), key: k }));
  const summary: ProfileSummary = {
    file: basename(kept),
    sampledSeconds: round((profile.endTime - profile.startTime) / 1e6, 2),
    idlePercent: round((idle * 100) / Math.max(1, profile.samples.length)),
    moduleLoadingPercent: round((loading * 100) / busy),
    typeStrippingPercent: round((stripping * 100) / busy),
    topSelf: top(self, 25).map(({ key, ...r }) => ({ ...r, fn: key })),
    topSkiffInclusive: top(inclusive, 25).map(({ key, ...r }) => ({ ...r, fn: key })),
    topFiles: top(byFile, 15).map(({ key, ...r }) => ({ ...r, file: key })),
  };
  progress(`CPU profile kept as bench/out/${summary.file} (${summary.sampledSeconds} s, ${summary.idlePercent}% idle); ` +
    `of the busy part ${summary.moduleLoadingPercent}% loaded modules (${summary.typeStrippingPercent}% stripped types). Top self time:`);
  for (const f of summary.topSelf.slice(0, 12)) progress(`  ${String(f.percent).padStart(5)}%  ${f.fn}`);
  progress('  skiff functions by inclusive time:');
  for (const f of summary.topSkiffInclusive.slice(0, 12)) progress(`  ${String(f.percent).padStart(5)}%  ${f.fn}`);
  return summary;
}

// ---------------------------------------------------------------------------------------------
// Machine description and what the launcher itself costs

function machine() {
  const sh = (cmd: string, args: string[]) => {
    try {
      return execFileSync(cmd, args, { encoding: 'utf8' }).trim();
    } catch {
      return '';
    }
  };
  return {
    date: sh('date', ['-u']),
    nproc: availableParallelism(),
    cpuModel: /^model name\s*:\s*(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? 'unknown',
    kernel: release(),
    memory: sh('free', ['-h']),
    node: process.version,
    commit: sh('git', ['-C', ROOT, 'rev-parse', '--short', 'HEAD']),
    dirtyFiles: sh('git', ['-C', ROOT, 'status', '--porcelain']).split('\n').filter(Boolean).length,
    loadavgAtStart: loadavg().map((x) => round(x, 2)),
  };
}

/** Fixed costs inside the startup time that are not skiff's code: Node's own boot and bin/skiff's launcher. */
function launcherCosts() {
  const time = (cmd: string, args: string[]) => {
    const xs: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      execFileSync(cmd, args, { stdio: 'ignore' });
      xs.push(performance.now() - t0);
    }
    return round(median(xs));
  };
  return {
    nodeBootMs: time(NODE, ['-e', '0']),
    nodePathScriptMs: time(join(ROOT, 'scripts', 'node-path'), []),
    skiffVersionMs: time(join(ROOT, 'bin', 'skiff'), ['--version']),
  };
}

// ---------------------------------------------------------------------------------------------
// Report

interface BackendResults { startup?: StartupResult; creates?: CreateResult; lists: ListResult[]; failures: Array<{ phase: string; error: string }> }

function report(results: Record<string, BackendResults>, launcher: ReturnType<typeof launcherCosts>): string {
  const cols = BACKENDS;
  const cell = (f: (r: BackendResults) => string) => cols.map((b) => f(results[b]));
  const mark = (ok: boolean) => (ok ? ' ✓' : ' ✗');
  const rows: string[][] = [];
  const add = (what: string, values: string[], target = '', upstream = '') => rows.push([what, ...values, target, upstream]);
  const runs = SETTINGS.startupRuns;
  add(`Startup to /readyz 200, fresh data dir (median of ${runs})`,
    cell((r) => (r.startup ? `${r.startup.freshMedianMs} ms${mark(r.startup.freshMedianMs < TARGETS.startupMs)}` : '-')), `< ${TARGETS.startupMs} ms`, UPSTREAM.startup);
  add(`Startup to /readyz 200, restart (median of ${runs})`,
    cell((r) => (r.startup ? `${r.startup.restartMedianMs} ms${mark(r.startup.restartMedianMs < TARGETS.startupMs)}` : '-')), `< ${TARGETS.startupMs} ms`, UPSTREAM.startup);
  add('… of which the server\'s own code (its startupMs, median)',
    cell((r) => (r.startup ? `${median(r.startup.fresh.map((s) => s.selfReportedMs ?? NaN))} / ${median(r.startup.restart.map((s) => s.selfReportedMs ?? NaN))} ms` : '-')));
  add(`Idle RSS ${IDLE_SETTLE_MS / 1000} s after ready (fresh / restart)`,
    cell((r) => (r.startup ? `${r.startup.idleFresh.rss} / ${r.startup.idleRestart.rss} MB${mark(Math.max(r.startup.idleFresh.rss, r.startup.idleRestart.rss) < TARGETS.idleRssMb)}` : '-')),
    `< ${TARGETS.idleRssMb} MB`, UPSTREAM.idleRss);
  add(`ConfigMap creates/s, ${CLIENTS} clients, ${SETTINGS.createSeconds} s`,
    cell((r) => (r.creates ? `${r.creates.perSecond.toLocaleString('en')}/s${mark(r.creates.perSecond >= TARGETS.createsPerSec)}` : '-')),
    `≥ ${TARGETS.createsPerSec.toLocaleString('en')}/s`, UPSTREAM.creates);
  add('Create latency p50 / p99', cell((r) => (r.creates ? `${r.creates.p50Ms} / ${r.creates.p99Ms} ms` : '-')));
  add('CPU used during creates: server', cell((r) => (r.creates ? `${r.creates.cpu.serverCores} cores (etcd ${r.creates.cpu.etcdCores}, bench client ${r.creates.cpu.benchCores}, other processes ${r.creates.cpu.otherCores})` : '-')));
  for (const size of SETTINGS.listSizes) {
    const l = (r: BackendResults) => r.lists.find((x) => x.size === size);
    const n = size.toLocaleString('en');
    const timing = (t: ListTiming | undefined, extra: (t: ListTiming) => string) => (!t ? '-' : t.error ? `fails: ${t.error.slice(0, 90).replaceAll('|', '/')}` : `${t.medianMs} ms${extra(t)}`);
    add(`List ${n} ConfigMaps, JSON (median of ${SETTINGS.listRuns})`, cell((r) => timing(l(r)?.json, (t) => ` (${round(t.bytes / 1e6)} MB)`)));
    add(`List ${n}, Table in one response`, cell((r) => timing(l(r)?.table, (t) => (t.kind === 'Table' ? '' : ` (got ${t.kind})`))));
    add(`List ${n}, Table in pages of ${KUBECTL_CHUNK} (what kubectl get does)`, cell((r) => timing(l(r)?.pagedTable, (t) => ` (${t.pages} pages)`)));
    add(`RSS after loading ${n} / after listing`, cell((r) => (l(r) ? `${l(r)!.rssAfterLoad} / ${l(r)!.rssAfterLists} MB` : '-')));
  }
  const header = ['Measurement', ...cols.map((b) => (b === 'sqlite' ? 'SQLite' : 'etcd')), 'Target', 'Upstream'];
  const lines = [header, header.map(() => '---'), ...rows].map((r) => `| ${r.join(' | ').replaceAll('\n', ' ')} |`);
  for (const b of cols) {
    for (const f of results[b].failures) lines.push('', `${b}: ${f.phase} failed: ${f.error}`);
  }
  lines.push('', `Fixed costs inside startup: Node ${process.version} boots in ${launcher.nodeBootMs} ms; bin/skiff's scripts/node-path takes ` +
    `${launcher.nodePathScriptMs} ms; \`skiff --version\` end to end takes ${launcher.skiffVersionMs} ms.`);
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------
// Main

async function main(): Promise<void> {
  const info = machine();
  progress(`skiff API server bench${QUICK ? ' (quick)' : ''}: ${BACKENDS.join(', ')}; ${info.nproc} CPUs, ${info.cpuModel}, load ${info.loadavgAtStart.join(' ')}`);
  await waitForQuiet('launcher costs', 10_000);
  const launcher = launcherCosts();
  progress(`Node boot ${launcher.nodeBootMs} ms, scripts/node-path ${launcher.nodePathScriptMs} ms, skiff --version ${launcher.skiffVersionMs} ms`);
  const results: Record<string, BackendResults> = {};
  for (const backend of BACKENDS) {
    const r: BackendResults = { lists: [], failures: [] };
    results[backend] = r;
    // A phase that fails is recorded and the bench goes on: a failure is a result too.
    const phase = async (name: string, run: () => Promise<void>) => {
      progress(`== ${backend}: ${name}`);
      try {
        await run();
      } catch (err) {
        const error = (err as Error).message.slice(0, 600);
        r.failures.push({ phase: name, error });
        progress(`${backend} ${name} failed: ${error}`);
      }
    };
    await phase('startup and idle memory', async () => { r.startup = await startupPhase(backend); });
    await phase('ConfigMap create throughput', async () => { r.creates = await createPhase(backend); });
    for (const size of SETTINGS.listSizes) {
      await phase(`list latency with ${size} ConfigMaps`, async () => { r.lists.push(await listPhase(backend, size)); });
    }
  }
  const table = report(results, launcher);
  mkdirSync(OUT_DIR, { recursive: true });
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const out = join(OUT_DIR, `apiserver-${stamp}${QUICK ? '-quick' : ''}.json`);
  const doc = { bench: 'apiserver', quick: QUICK, settings: { ...SETTINGS, clients: CLIENTS, pollMs: POLL_MS, idleSettleMs: IDLE_SETTLE_MS }, machine: info, launcher, targets: TARGETS, upstream: UPSTREAM, results, loadavgAtEnd: loadavg().map((x) => round(x, 2)), table };
  writeFileSync(out, JSON.stringify(doc, null, 2) + '\n');
  writeFileSync(join(OUT_DIR, `apiserver-latest${QUICK ? '-quick' : ''}.json`), JSON.stringify(doc, null, 2) + '\n');
  process.stdout.write(`\n${table}\n\nMachine: ${info.nproc} CPUs, ${info.cpuModel}, kernel ${info.kernel}, ${info.date}; load at start ${info.loadavgAtStart.join(' ')}, at end ${doc.loadavgAtEnd.join(' ')}\n`);
  process.stdout.write(`Raw samples: ${out.replace(`${ROOT}/`, '')}\n`);
  if (Object.values(results).some((r) => r.failures.length || r.lists.some((l) => l.json.error || l.table.error || l.pagedTable.error))) process.exitCode = 1;
}

try {
  await main();
} catch (err) {
  progress(`bench failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
  process.exitCode = 1;
} finally {
  await cleanupAll();
}
