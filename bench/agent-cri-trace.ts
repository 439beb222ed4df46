// A preload for the agent under `bench/agent.ts --trace-cri`: times every unary gRPC call the
// process makes (the CRI calls to containerd), every program it runs (execFile: mount, umount, ...)
// and every HTTPS request (to the API server), and appends one JSON line per call to the file
// named by SKIFF_BENCH_CRI_TRACE. Loaded with `node --import`; it wraps the methods of grpc-js's
// generated clients, execFile and https.request, so nothing in src/ changes.
// Every 2 s it also records process.memoryUsage() ({m: 'memory', rssMb, heapUsedMb, ...}).
// Each line: {m: method | "exec <program>" | "<HTTP method> <path>", t: start (epoch ms), ms: duration, ok, pod?, sb?, ctr?}.

import childProcess from 'node:child_process';
import { closeSync, openSync, writeSync } from 'node:fs';
import https from 'node:https';
import { syncBuiltinESMExports } from 'node:module';
import { promisify } from 'node:util';
import * as grpc from '@grpc/grpc-js';

const file = process.env.SKIFF_BENCH_CRI_TRACE;
if (file) {
  const fd = openSync(file, 'a');
  let pending: string[] = [];
  const flush = () => {
    if (!pending.length) return;
    writeSync(fd, pending.join(''));
    pending = [];
  };
  setInterval(flush, 200).unref();
  // Where the agent's memory is (V8 heap or outside it), every 2 s.
  setInterval(() => {
    const m = process.memoryUsage();
    const mb = (x: number) => Math.round(x / 1e5) / 10;
    pending.push(`${JSON.stringify({ m: 'memory', t: Date.now(), ms: 0, ok: true, rssMb: mb(m.rss), heapUsedMb: mb(m.heapUsed), heapTotalMb: mb(m.heapTotal), externalMb: mb(m.external), arrayBuffersMb: mb(m.arrayBuffers) })}\n`);
  }, 2000).unref();
  process.on('exit', () => { flush(); closeSync(fd); });

  type Callback = (err: unknown, res: unknown) => void;
  type Method = ((...args: unknown[]) => unknown) & { path?: string; requestStream?: boolean; responseStream?: boolean };
  // An experiment, not a fix: SKIFF_BENCH_CRI_LIMIT=N lets at most N of the heavy calls (RunPodSandbox,
  // CreateContainer, StartContainer) run in containerd at once, later stages of a pod first.
  const limit = Number(process.env.SKIFF_BENCH_CRI_LIMIT ?? 0);
  const PRIORITY: Record<string, number> = { StartContainer: 0, CreateContainer: 1, RunPodSandbox: 2 };
  let inFlight = 0;
  const queue: Array<{ priority: number; seq: number; go: () => void }> = [];
  let seq = 0;
  const release = () => {
    inFlight--;
    queue.sort((a, b) => a.priority - b.priority || a.seq - b.seq);
    const next = queue.shift();
    if (next) { inFlight++; next.go(); }
  };
  const acquire = (name: string, go: () => void) => {
    if (!(limit > 0) || PRIORITY[name] === undefined) return go();
    if (inFlight < limit) { inFlight++; return go(); }
    queue.push({ priority: PRIORITY[name], seq: seq++, go });
  };

  const traced = (name: string, fn: Method): Method => Object.assign(function (this: unknown, ...args: unknown[]) {
    const req = args[0] as Record<string, any> | undefined;
    const last = args.findLastIndex((a) => typeof a === 'function');
    if (last >= 0) {
      const cb = args[last] as Callback;
      const limited = limit > 0 && PRIORITY[name] !== undefined;
      const queuedAt = performance.timeOrigin + performance.now();
      let t = queuedAt;
      args[last] = (err: unknown, res: any) => {
        if (limited) release();
        const entry: Record<string, unknown> = { m: name, t: Math.round(t * 10) / 10, ms: Math.round((performance.timeOrigin + performance.now() - t) * 10) / 10, ok: !err };
        // What lets the bench tie a call to its pod.
        if (name === 'RunPodSandbox' && req?.config?.metadata) entry.pod = `${req.config.metadata.namespace}/${req.config.metadata.name}`;
        if (res?.podSandboxId) entry.sb = res.podSandboxId;
        else if (req?.podSandboxId) entry.sb = req.podSandboxId;
        if (res?.containerId) entry.ctr = res.containerId;
        else if (req?.containerId) entry.ctr = req.containerId;
        if (limited) entry.queuedMs = Math.round((t - queuedAt) * 10) / 10;
        pending.push(`${JSON.stringify(entry)}\n`);
        cb(err, res);
      };
      if (limited) {
        acquire(name, () => { t = performance.timeOrigin + performance.now(); fn.apply(this, args); });
        return undefined;
      }
    }
    return fn.apply(this, args);
  }, fn);

  // grpc-js's generated clients bind Client.prototype.makeUnaryRequest when grpc-js loads, so the
  // generated methods themselves are wrapped, on the first unary call of each client class.
  const base = grpc.Client.prototype as unknown as { checkOptionalUnaryResponseArguments: (...args: unknown[]) => unknown };
  const check = base.checkOptionalUnaryResponseArguments;
  const done = new WeakSet<object>();
  base.checkOptionalUnaryResponseArguments = function (this: object, ...args: unknown[]) {
    const proto = Object.getPrototypeOf(this) as Record<string, Method>;
    if (!done.has(proto)) {
      done.add(proto);
      for (const name of Object.getOwnPropertyNames(proto)) {
        const fn = proto[name];
        if (typeof fn === 'function' && typeof fn.path === 'string' && !fn.requestStream && !fn.responseStream) proto[name] = traced(name, fn);
      }
    }
    return check.apply(this, args);
  };

  const clock = () => performance.timeOrigin + performance.now();
  const record = (m: string, t: number, ok: boolean) => {
    pending.push(`${JSON.stringify({ m, t: Math.round(t * 10) / 10, ms: Math.round((clock() - t) * 10) / 10, ok })}\n`);
  };

  // Programs the agent runs (mount for tmpfs volumes, umount, ...), through execFile and its promisified form.
  type ExecFile = typeof childProcess.execFile & { [promisify.custom]?: (...args: unknown[]) => Promise<unknown> };
  const execFile = childProcess.execFile as ExecFile;
  const execFileAsync = execFile[promisify.custom]!;
  const tracedExecFile = function (this: unknown, ...args: unknown[]) {
    const t = clock();
    const last = args.findLastIndex((a) => typeof a === 'function');
    if (last >= 0) {
      const cb = args[last] as (...r: unknown[]) => void;
      args[last] = (err: unknown, ...rest: unknown[]) => { record(`exec ${String(args[0])}`, t, !err); cb(err, ...rest); };
    }
    return (execFile as unknown as (...a: unknown[]) => unknown).apply(this, args);
  } as unknown as ExecFile;
  Object.defineProperty(tracedExecFile, promisify.custom, {
    value: (...args: unknown[]) => {
      const t = clock();
      return execFileAsync(...args).then((r) => { record(`exec ${String(args[0])}`, t, true); return r; }, (err) => { record(`exec ${String(args[0])}`, t, false); throw err; });
    },
  });
  childProcess.execFile = tracedExecFile;

  // Requests to the API server, until the whole answer has arrived (watches are left out).
  const request = https.request;
  https.request = function (this: unknown, ...args: unknown[]) {
    const req = (request as unknown as (...a: unknown[]) => import('node:http').ClientRequest).apply(this, args);
    const opts = (typeof args[0] === 'object' && !(args[0] instanceof URL) ? args[0] : args[1]) as { method?: string; path?: string } | undefined;
    const path = String(opts?.path ?? '');
    if (/[?&]watch=(1|true)/.test(path)) return req;
    const what = `${opts?.method ?? 'GET'} ${path.replace(/\?.*$/, '').replace(/(\/(?:pods|configmaps|secrets|serviceaccounts|nodes|leases|events|services)\/)[^/]+/g, '$1{name}')}`;
    const t = clock();
    req.on('response', (res) => res.on('end', () => record(what, t, (res.statusCode ?? 0) < 400)));
    req.on('error', () => record(what, t, false));
    return req;
  } as typeof https.request;
  syncBuiltinESMExports();
}
