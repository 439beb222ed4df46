// What the scheduler and deployment benchmarks share: a real `skiff server` with simulated nodes
// (spawned through test/helpers/server.ts, loopback only), keep-alive HTTPS clients with the admin
// certificate, watches, /proc readings of the server process, CPU profile summaries, and a
// cleanup list that stops every process and removes every temp dir on any exit path.

import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, statSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { createSecureContext } from 'node:tls';
import { createServer } from 'node:net';
import { availableParallelism, loadavg, release, tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { ROOT, startServer, type TestServer } from '../test/helpers/server.ts';

export { ROOT };
export const OUT_DIR = join(ROOT, 'bench', 'out');
const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

// ---------------------------------------------------------------------------------------------
// Small utilities

const benchStart = performance.now();
export function progress(msg: string): void {
  process.stderr.write(`[${((performance.now() - benchStart) / 1000).toFixed(1).padStart(6)}s] ${msg}\n`);
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
export const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;

/** Polls `check` every `everyMs` until it returns a value; throws after `timeoutMs`. */
export async function waitFor<T>(what: string, timeoutMs: number, everyMs: number, check: () => T | undefined | Promise<T | undefined>): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    const v = await check();
    if (v !== undefined) return v;
    await sleep(everyMs);
  }
  throw new Error(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}`);
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (addr && typeof addr === 'object' ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Cleanup: everything started registers how to undo itself; it is undone on any exit path.

const cleanups: Array<() => Promise<void>> = [];

/** Registers an undo step; returns a function that runs it now (once) and unregisters it. */
export function defer(undo: () => unknown): () => Promise<void> {
  let done = false;
  const run = async () => {
    if (done) return;
    done = true;
    const i = cleanups.indexOf(run);
    if (i >= 0) cleanups.splice(i, 1);
    await undo();
  };
  cleanups.push(run);
  return run;
}

/** Unregisters an undo step without running it (what it guarded is now undone another way). */
export function forget(run: () => Promise<void>): void {
  const i = cleanups.indexOf(run);
  if (i >= 0) cleanups.splice(i, 1);
}

export async function cleanupAll(): Promise<void> {
  while (cleanups.length) {
    const undo = cleanups.pop()!;
    try {
      await undo();
    } catch (err) {
      progress(`cleanup step failed: ${(err as Error).message}`);
    }
  }
}

/** Runs a bench's main, then undoes everything it started, and exits 1 if it failed. */
export async function runBench(main: () => Promise<void>): Promise<never> {
  let failed = false;
  try {
    await main();
  } catch (err) {
    failed = true;
    progress(`FAILED: ${(err as Error).stack ?? err}`);
  } finally {
    await cleanupAll();
  }
  process.exit(failed ? 1 : 0);
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    progress(`${signal}: stopping everything started by the bench`);
    void cleanupAll().finally(() => process.exit(130));
  });
}

export function tempDir(prefix: string): { path: string; remove: () => Promise<void> } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: defer(() => rmSync(path, { recursive: true, force: true })) };
}

// ---------------------------------------------------------------------------------------------
// /proc readings

/** VmRSS and VmHWM (peak RSS) of a process, in MB. */
export function memoryMb(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rss: round(kb('VmRSS') / 1024), peak: round(kb('VmHWM') / 1024) };
}

/** CPU seconds (utime + stime) a process has used. */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after "(comm)": state is field 3, so utime (14) is at index 11 and stime (15) at 12.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ').map(Number);
    return (f[11] + f[12]) / CLK_TCK;
  } catch {
    return NaN;
  }
}

/** CPU seconds the whole machine has spent busy since boot. */
export function machineBusySeconds(): number {
  const [user, nice, system, , , irq, softirq, steal] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  return (user + nice + system + irq + softirq + steal) / CLK_TCK;
}

export interface CpuUse {
  wallSeconds: number;
  /** CPU seconds the server used, and on average how many cores. */
  serverCpuSeconds: number;
  serverCores: number;
  /** Average cores used by this bench process and by every other process on the machine. */
  benchCores: number;
  otherCores: number;
  loadavg1m: number;
}

/** Starts measuring CPU use of the server, the bench and the rest of the machine; call the result to stop. */
export function cpuMeter(serverPid: number): () => CpuUse {
  const t0 = performance.now();
  const machine0 = machineBusySeconds();
  const self0 = process.cpuUsage();
  const server0 = cpuSeconds(serverPid);
  return () => {
    const wall = (performance.now() - t0) / 1000;
    const server = cpuSeconds(serverPid) - server0;
    const selfUse = process.cpuUsage(self0);
    const bench = (selfUse.user + selfUse.system) / 1e6;
    const other = machineBusySeconds() - machine0 - server - bench;
    const cores = (s: number) => round(Math.max(0, s) / wall, 2);
    return {
      wallSeconds: round(wall, 2), serverCpuSeconds: round(server, 2), serverCores: cores(server),
      benchCores: cores(bench), otherCores: cores(other), loadavg1m: round(loadavg()[0], 2),
    };
  };
}

/** Busy cores of the whole machine over one second. */
export async function machineBusyCores(): Promise<number> {
  const before = machineBusySeconds();
  await sleep(1000);
  return round(machineBusySeconds() - before, 2);
}

/** Waits (bounded) until the machine is nearly idle, so other work skews the measurement less. */
export async function waitForQuiet(what: string, maxWaitMs: number, quietCores = 0.3): Promise<{ busyCores: number; loadavg1m: number; waitedSeconds: number }> {
  const start = performance.now();
  let busy = await machineBusyCores();
  while (busy >= quietCores && performance.now() - start < maxWaitMs) {
    progress(`${what}: waiting for a quieter CPU (${busy} cores busy, load ${loadavg()[0].toFixed(2)})`);
    busy = await machineBusyCores();
  }
  if (busy >= quietCores) progress(`${what}: CPU still busy (${busy} cores); measuring anyway`);
  return { busyCores: busy, loadavg1m: round(loadavg()[0], 2), waitedSeconds: round((performance.now() - start) / 1000) };
}

// ---------------------------------------------------------------------------------------------
// HTTPS clients with the admin credentials

interface Credentials { ca: Buffer; cert: Buffer; key: Buffer }

function adminCredentials(dataDir: string): Credentials {
  const tls = join(dataDir, 'server', 'tls');
  return {
    ca: readFileSync(join(tls, 'server-ca.crt')),
    cert: readFileSync(join(tls, 'client-admin.crt')),
    key: readFileSync(join(tls, 'client-admin.key')),
  };
}

export interface Reply { status: number; text: string; json<T = any>(): T }

export interface HttpClient {
  send(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Reply>;
  /** Like send, but a status other than `want` throws with the server's message. */
  must(method: string, path: string, body: unknown, want: number, headers?: Record<string, string>): Promise<Reply>;
  /** A streaming GET (a watch): each complete line is handed to `onLine`; resolves when the stream ends. */
  stream(path: string, onLine: (line: string) => void): { done: Promise<void>; stop(): void };
  close(): void;
}

/** One client = one keep-alive connection (`maxSockets` 1) to the server. */
export function httpsClient(port: number, creds: Credentials): HttpClient {
  const secureContext = createSecureContext(creds);
  const agent = new Agent({ keepAlive: true, maxSockets: 1, secureContext });
  // A watch holds its connection: watches get their own, outside the keep-alive one.
  const streamAgent = new Agent({ secureContext });
  const client: HttpClient = {
    send(method, path, body, headers = {}) {
      const data = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
      return new Promise((resolve, reject) => {
        const req = request({
          host: '127.0.0.1', port, method, path, agent, timeout: 120_000,
          headers: data === undefined ? headers : { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(data)), ...headers },
        }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString();
            resolve({ status: res.statusCode ?? 0, text, json: () => JSON.parse(text) });
          });
          res.on('error', reject);
        });
        req.on('timeout', () => req.destroy(new Error(`${method} ${path} timed out`)));
        req.on('error', reject);
        req.end(data);
      });
    },
    async must(method, path, body, want, headers) {
      const reply = await client.send(method, path, body, headers);
      if (reply.status !== want) {
        let message = reply.text.slice(0, 400);
        try { message = JSON.parse(reply.text).message ?? message; } catch { /* not a Status */ }
        throw new Error(`${method} ${path}: want ${want}, got ${reply.status} ${message}`);
      }
      return reply;
    },
    stream(path, onLine) {
      let req: ReturnType<typeof request> | undefined;
      const done = new Promise<void>((resolve, reject) => {
        req = request({ host: '127.0.0.1', port, method: 'GET', path, agent: streamAgent }, (res) => {
          if (res.statusCode !== 200) {
            let text = '';
            res.on('data', (c) => { text += c; });
            res.on('end', () => reject(new Error(`GET ${path}: ${res.statusCode} ${text.slice(0, 300)}`)));
            return;
          }
          let buffered = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            buffered += chunk;
            let nl: number;
            while ((nl = buffered.indexOf('\n')) >= 0) {
              const line = buffered.slice(0, nl);
              buffered = buffered.slice(nl + 1);
              if (line.trim()) onLine(line);
            }
          });
          res.on('end', () => resolve());
          res.on('error', () => resolve());
        });
        req.on('error', (err) => (req?.destroyed ? resolve() : reject(err)));
        req.end();
      });
      return { done, stop: () => req?.destroy() };
    },
    close: () => { agent.destroy(); streamAgent.destroy(); },
  };
  return client;
}

/** Runs `count` tasks over `clients` in parallel (one at a time per client); returns the failures. */
export async function runParallel(clients: HttpClient[], count: number, task: (client: HttpClient, i: number) => Promise<void>, maxErrors = 50): Promise<string[]> {
  let next = 0;
  const errors: string[] = [];
  await Promise.all(clients.map(async (client) => {
    while (next < count && errors.length < maxErrors) {
      const i = next++;
      try {
        await task(client, i);
      } catch (err) {
        errors.push((err as Error).message);
      }
    }
  }));
  return errors;
}

// ---------------------------------------------------------------------------------------------
// Watches

export interface WatchEvent<T> { type: string; object: T }

/**
 * Watches `path` (a collection URL) from `resourceVersion`, handing every event to `onEvent`, and
 * resumes from the last resourceVersion seen when the server ends the stream (at most 20 times).
 */
export function watch<T extends { metadata?: { resourceVersion?: string } }>(client: HttpClient, path: string, resourceVersion: string, onEvent: (e: WatchEvent<T>) => void): { stop(): void; errors: string[] } {
  let rv = resourceVersion;
  let stopped = false;
  let current: { stop(): void } | undefined;
  const errors: string[] = [];
  void (async () => {
    for (let restarts = 0; !stopped && restarts <= 20; restarts++) {
      const sep = path.includes('?') ? '&' : '?';
      const s = client.stream(`${path}${sep}watch=1&allowWatchBookmarks=true&resourceVersion=${rv}`, (line) => {
        const e = JSON.parse(line) as WatchEvent<T>;
        if (e.type === 'ERROR') { errors.push(JSON.stringify(e.object).slice(0, 300)); return; }
        rv = e.object.metadata?.resourceVersion ?? rv;
        if (e.type !== 'BOOKMARK') onEvent(e);
      });
      current = s;
      try {
        await s.done;
      } catch (err) {
        errors.push((err as Error).message);
        await sleep(500);
      }
    }
  })();
  return { stop: () => { stopped = true; current?.stop(); }, errors };
}

// ---------------------------------------------------------------------------------------------
// The server

export interface Cluster {
  server: TestServer;
  pid: number;
  dataDir: string;
  /** Opens a new keep-alive client. */
  client(): HttpClient;
  stop(): Promise<void>;
}

/**
 * Starts `skiff server` with `args` on a free loopback port and a temp data dir. With
 * `profileDir`, the server runs under `node --cpu-prof` (the profile is written when it exits).
 */
export async function startCluster(args: string[], profileDir?: string): Promise<Cluster> {
  const dir = tempDir('skiff-bench-');
  const port = await freePort();
  const saved = process.env.NODE_OPTIONS;
  if (profileDir) process.env.NODE_OPTIONS = `${saved ?? ''} --cpu-prof --cpu-prof-dir=${profileDir}`.trim();
  // The helper spawns synchronously inside this call, so the environment only has to hold for it.
  const starting = startServer({ dataDir: dir.path, port, args });
  if (profileDir) {
    if (saved === undefined) delete process.env.NODE_OPTIONS;
    else process.env.NODE_OPTIONS = saved;
  }
  const killOrphan = defer(() => {
    // A failed start does not hand us the process: find our child by its data dir.
    for (const pid of childPids(dir.path)) process.kill(pid, 'SIGKILL');
  });
  let server: TestServer;
  try {
    server = await starting;
  } catch (err) {
    await killOrphan();
    await dir.remove();
    throw err;
  }
  const i = cleanups.indexOf(killOrphan);
  if (i >= 0) cleanups.splice(i, 1);
  const pid = server.process.pid!;
  // bin/skiff is a shell script that execs node: by now the PID must be node's.
  const exe = readlinkSync(`/proc/${pid}/exe`);
  if (!basename(exe).startsWith('node')) throw new Error(`PID ${pid} runs ${exe}, not the server's node`);
  const stopServer = defer(async () => {
    // SIGTERM, then SIGKILL if it has not exited after 30 s (writing a profile takes a while).
    const timer = setTimeout(() => void server.kill9(), 30_000);
    try { await server.stop(); } finally { clearTimeout(timer); }
  });
  const creds = adminCredentials(dir.path);
  const clients: HttpClient[] = [];
  return {
    server, pid, dataDir: dir.path,
    client() {
      const c = httpsClient(port, creds);
      clients.push(c);
      return c;
    },
    async stop() {
      for (const c of clients) c.close();
      await stopServer();
      await dir.remove();
    },
  };
}

function childPids(needle: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === process.pid && readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(needle)) found.push(Number(entry));
    } catch {
      // gone while we looked
    }
  }
  return found;
}

interface NodeLike { metadata?: { name?: string }; status?: { conditions?: Array<{ type: string; status: string }> } }

/** Waits until the server logs that all simulated nodes registered, then checks all `count` are Ready. */
export async function waitForNodesReady(cluster: Cluster, count: number, timeoutMs: number): Promise<number> {
  const t0 = performance.now();
  let lastShown = 0;
  await waitFor(`${count} simulated nodes to register`, timeoutMs, 250, () => {
    const logs = cluster.server.logs();
    if (/msg="simulated nodes registered"/.test(logs)) return true;
    const m = [...logs.matchAll(/msg="registering simulated nodes" registered=(\d+)/g)].at(-1);
    if (m && Number(m[1]) !== lastShown) { lastShown = Number(m[1]); progress(`  nodes registered: ${m[1]}/${count}`); }
    return undefined;
  });
  const registeredMs = performance.now() - t0;
  const client = cluster.client();
  await waitFor(`${count} nodes to be Ready`, 60_000, 1000, async () => {
    let ready = 0;
    let cont = '';
    for (let page = 0; page < 1000; page++) {
      const list = (await client.must('GET', `/api/v1/nodes?limit=500${cont ? `&continue=${encodeURIComponent(cont)}` : ''}`, undefined, 200)).json<{ items: NodeLike[]; metadata: { continue?: string } }>();
      ready += list.items.filter((n) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).length;
      cont = list.metadata.continue ?? '';
      if (!cont) break;
    }
    return ready >= count ? true : undefined;
  });
  return round(registeredMs);
}

// ---------------------------------------------------------------------------------------------
// CPU profiles

export interface ProfileSummary {
  file: string;
  sampledSeconds: number;
  idlePercent: number;
  /** Self time (native calls count for the JS function making them), as % of busy samples. */
  topSelf: Array<{ percent: number; ms: number; fn: string }>;
  /** Inclusive time of skiff's own functions. */
  topSkiffInclusive: Array<{ percent: number; ms: number; fn: string }>;
  topFiles: Array<{ percent: number; ms: number; file: string }>;
}

interface CpuProfile {
  nodes: Array<{ id: number; hitCount?: number; children?: number[]; callFrame: { functionName: string; url: string; lineNumber: number } }>;
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/** Now on the clock V8's profiles use (CLOCK_MONOTONIC), in microseconds. */
export const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);

/**
 * Copies the largest profile in `dir` to bench/out/<name>.cpuprofile and sums where the time went,
 * counting only the samples inside `window` (monotonicUs() readings) when given.
 */
export function summarizeProfile(dir: string, name: string, window?: { fromUs: number; toUs: number }): ProfileSummary | undefined {
  const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).map((f) => join(dir, f));
  const file = files.sort((a, b) => statSync(b).size - statSync(a).size)[0];
  if (!file) { progress(`no CPU profile was written in ${dir}`); return undefined; }
  mkdirSync(OUT_DIR, { recursive: true });
  const kept = join(OUT_DIR, `${name}.cpuprofile`);
  copyFileSync(file, kept);
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const parent = new Map<number, number>();
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const label = (id: number) => {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    const where = url ? url.replace(`file://${ROOT}/`, '').replace(/^.*\/node_modules\//, 'node_modules/') : '';
    return { fn: `${functionName || '(anonymous)'}${where ? ` ${where}:${lineNumber + 1}` : ''}`, file: where || `(${functionName})`, ours: where.startsWith('src/') };
  };
  // Hits per profile node, from the samples inside the window.
  const hitsOf = new Map<number, number>();
  let t = profile.startTime;
  const inWindow = window && window.fromUs < profile.endTime && window.toUs > profile.startTime;
  if (window && !inWindow) progress(`profile ${name}: the window is outside the profile's time range; summing all of it`);
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i] ?? 0;
    if (inWindow && (t < window.fromUs || t > window.toUs)) continue;
    hitsOf.set(profile.samples[i], (hitsOf.get(profile.samples[i]) ?? 0) + 1);
  }
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const byFile = new Map<string, number>();
  let idle = 0;
  let total = 0;
  for (const n of profile.nodes) {
    const hits = hitsOf.get(n.id) ?? 0;
    if (!hits) continue;
    total += hits;
    const own = label(n.id);
    if (own.fn === '(idle)') { idle += hits; continue; }
    self.set(own.fn, (self.get(own.fn) ?? 0) + hits);
    byFile.set(own.file, (byFile.get(own.file) ?? 0) + hits);
    const seen = new Set<string>();
    for (let id: number | undefined = n.id; id !== undefined; id = parent.get(id)) {
      const l = label(id);
      if (l.ours && !seen.has(l.fn)) { seen.add(l.fn); inclusive.set(l.fn, (inclusive.get(l.fn) ?? 0) + hits); }
    }
  }
  const busy = Math.max(1, total - idle);
  const msPerSample = (profile.endTime - profile.startTime) / 1000 / Math.max(1, profile.samples.length);
  const top = (m: Map<string, number>, k: number) => [...m].sort((a, b) => b[1] - a[1]).slice(0, k)
    .map(([key, hits]) => ({ percent: round((hits * 100) / busy), ms: Math.round(hits * msPerSample), key }));
  const summary: ProfileSummary = {
    file: basename(kept),
    sampledSeconds: inWindow
      ? round((Math.min(window.toUs, profile.endTime) - Math.max(window.fromUs, profile.startTime)) / 1e6, 2)
      : round((profile.endTime - profile.startTime) / 1e6, 2),
    idlePercent: round((idle * 100) / Math.max(1, total)),
    topSelf: top(self, 30).map(({ key, ...r }) => ({ ...r, fn: key })),
    topSkiffInclusive: top(inclusive, 60).map(({ key, ...r }) => ({ ...r, fn: key })),
    topFiles: top(byFile, 20).map(({ key, ...r }) => ({ ...r, file: key })),
  };
  progress(`CPU profile kept as bench/out/${summary.file} (${summary.sampledSeconds} s, ${summary.idlePercent}% idle). Top self time:`);
  for (const f of summary.topSelf.slice(0, 15)) progress(`  ${String(f.percent).padStart(5)}%  ${f.fn}`);
  progress('  skiff functions by inclusive time:');
  for (const f of summary.topSkiffInclusive.slice(0, 25)) progress(`  ${String(f.percent).padStart(5)}%  ${f.fn}`);
  return summary;
}

// ---------------------------------------------------------------------------------------------
// The machine

export function machine() {
  const sh = (cmd: string, args: string[]) => {
    try { return execFileSync(cmd, args, { encoding: 'utf8' }).trim(); } catch { return ''; }
  };
  return {
    date: sh('date', ['-u']),
    nproc: availableParallelism(),
    cpuModel: /^model name\s*:\s*(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? '',
    kernel: release(),
    node: process.version,
    free: sh('free', ['-h']),
    commit: sh('git', ['-C', ROOT, 'rev-parse', '--short', 'HEAD']),
    dirtyFiles: sh('git', ['-C', ROOT, 'status', '--porcelain']).split('\n').filter(Boolean).length,
    loadavg: loadavg().map((x) => round(x, 2)),
  };
}
