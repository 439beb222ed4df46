import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Container, Pod, Probe } from 'kubernetes-types/core/v1';
import type { KObject } from '../../../api/types.ts';
import { createLogger } from '../../../cli/log.ts';
import type { EventRecorder } from '../../../client/event-recorder.ts';
import { ProbeManager } from './probe-manager.ts';
import type { ProbeExec } from './types.ts';

// ---- fakes: time, exec, event recorder ----

class FakeClock {
  t = 1_700_000_000_000;
  private seq = 0;
  private timers = new Map<number, { at: number; fn: () => void }>();
  now = () => this.t;
  setTimer = (fn: () => void, ms: number) => {
    this.timers.set(++this.seq, { at: this.t + ms, fn });
    return this.seq;
  };
  clearTimer = (h: unknown) => void this.timers.delete(h as number);
  pending = () => this.timers.size;
  /** Moves time forward, firing due timers in order and letting their async work settle. */
  async advance(ms: number) {
    const end = this.t + ms;
    for (;;) {
      await settle();
      let next: [number, { at: number; fn: () => void }] | undefined;
      for (const e of this.timers) if (e[1].at <= end && (!next || e[1].at < next[1].at)) next = e;
      if (!next) break;
      this.timers.delete(next[0]);
      this.t = Math.max(this.t, next[1].at);
      next[1].fn();
    }
    this.t = end;
    await settle();
  }
}

async function settle() {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
}

/** Exec whose exit code per command the test sets; records every call. */
function fakeExec() {
  const exitCodes = new Map<string, number>();
  const calls: { id: string; cmd: string[]; timeout: number; at: number }[] = [];
  let clock: FakeClock | undefined;
  const exec: ProbeExec = async (id, cmd, timeout) => {
    calls.push({ id, cmd, timeout, at: clock?.now() ?? 0 });
    const key = cmd.join(' ');
    if (exitCodes.get(key) === -1) throw Object.assign(new Error('rpc error: deadline'), { code: 4 });
    const code = exitCodes.get(key) ?? 0;
    return { exitCode: code, stdout: Buffer.from(code ? `${key}: not ok\n` : 'ok'), stderr: Buffer.alloc(0) };
  };
  return { exec, exitCodes, calls, attach: (c: FakeClock) => (clock = c) };
}

interface Recorded { obj: KObject; type: string; reason: string; message: string; fieldPath?: string }
function recordingRecorder(): EventRecorder & { events: Recorded[] } {
  const events: Recorded[] = [];
  return { events, event: (obj, type, reason, message, fieldPath) => void events.push({ obj, type, reason, message, fieldPath }) };
}

const pod = (containers: Container[], uid = 'uid-1'): Pod => ({ metadata: { name: 'web', namespace: 'default', uid }, spec: { containers } });
const execProbe = (cmd: string, extra: Partial<Probe> = {}): Probe => ({ exec: { command: ['sh', '-c', cmd] }, ...extra });

function setup() {
  const clock = new FakeClock();
  const fx = fakeExec();
  fx.attach(clock);
  const recorder = recordingRecorder();
  const changes: string[] = [];
  const failures: { uid: string; name: string; id: string; kind: string; message: string }[] = [];
  const manager = new ProbeManager({
    exec: fx.exec, recorder, log: createLogger('error'),
    onChange: (uid) => changes.push(uid),
    onLivenessFailure: (uid, name, id, kind, message) => failures.push({ uid, name, id, kind, message }),
    now: clock.now, setTimer: clock.setTimer, clearTimer: clock.clearTimer,
  });
  const add = (c: Container, id = 'c1', p = pod([c])) =>
    manager.addContainer({ pod: p, container: c, containerId: id, podIP: '127.0.0.1', startedAt: clock.now() });
  return { clock, fx, recorder, changes, failures, manager, add };
}

// ---- tests ----

test('no probes: started and ready at once, nothing scheduled', () => {
  const { manager, add, clock } = setup();
  add({ name: 'app' });
  assert.equal(manager.started('c1'), true);
  assert.equal(manager.ready('c1'), true);
  assert.equal(clock.pending(), 0);
});

test('readiness: not ready until the first success, honoring initialDelaySeconds and periodSeconds', async () => {
  const { manager, add, clock, fx, changes } = setup();
  add({ name: 'app', readinessProbe: execProbe('ready', { initialDelaySeconds: 5, periodSeconds: 2 }) });
  assert.equal(manager.ready('c1'), false);
  await clock.advance(4_999);
  assert.equal(fx.calls.length, 0, 'no probe before the initial delay');
  assert.equal(manager.ready('c1'), false);
  await clock.advance(1);
  assert.equal(fx.calls.length, 1);
  assert.deepEqual(fx.calls[0].cmd, ['sh', '-c', 'ready']);
  assert.equal(fx.calls[0].timeout, 1, 'timeoutSeconds defaults to 1');
  assert.equal(manager.ready('c1'), true);
  assert.deepEqual(changes, ['uid-1']);
  await clock.advance(6_000);
  assert.deepEqual(fx.calls.map((c) => c.at - fx.calls[0].at), [0, 2000, 4000, 6000], 'every periodSeconds');
  assert.deepEqual(changes, ['uid-1'], 'onChange only on a change');
});

test('readiness failureThreshold and successThreshold', async () => {
  const { manager, add, clock, fx, changes, recorder, failures } = setup();
  add({ name: 'app', readinessProbe: execProbe('ready', { periodSeconds: 1, failureThreshold: 3, successThreshold: 2 }) });
  await clock.advance(0);
  assert.equal(manager.ready('c1'), false, 'one success is below successThreshold 2');
  await clock.advance(1000);
  assert.equal(manager.ready('c1'), true);
  fx.exitCodes.set('sh -c ready', 1);
  await clock.advance(2000);
  assert.equal(manager.ready('c1'), true, 'two failures are below failureThreshold 3');
  await clock.advance(1000);
  assert.equal(manager.ready('c1'), false);
  assert.equal(changes.length, 2);
  assert.equal(failures.length, 0, 'readiness never restarts a container');
  const unhealthy = recorder.events.filter((e) => e.reason === 'Unhealthy');
  assert.equal(unhealthy.length, 3, 'every failed probe records an event');
  assert.deepEqual(unhealthy[0], {
    obj: { ...pod([]), spec: unhealthy[0].obj.spec, apiVersion: 'v1', kind: 'Pod' },
    type: 'Warning', reason: 'Unhealthy', message: 'Readiness probe failed: sh -c ready: not ok\n', fieldPath: 'spec.containers{app}',
  });
  fx.exitCodes.set('sh -c ready', 0);
  await clock.advance(1000);
  assert.equal(manager.ready('c1'), false, 'back below successThreshold');
  await clock.advance(1000);
  assert.equal(manager.ready('c1'), true);
});

test('liveness failure after failureThreshold asks for a restart once, with upstream message', async () => {
  const { add, clock, fx, failures, recorder } = setup();
  add({ name: 'app', livenessProbe: execProbe('alive', { periodSeconds: 10, failureThreshold: 3 }) });
  fx.exitCodes.set('sh -c alive', 1);
  await clock.advance(10_000);
  assert.equal(failures.length, 0, 'two failures (at 0 s and 10 s)');
  await clock.advance(10_000);
  assert.deepEqual(failures, [{ uid: 'uid-1', name: 'app', id: 'c1', kind: 'liveness', message: 'Container app failed liveness probe, will be restarted' }]);
  await clock.advance(60_000);
  assert.equal(fx.calls.length, 3, 'no probing of a container that is being restarted');
  assert.equal(failures.length, 1);
  assert.equal(recorder.events.filter((e) => e.message.startsWith('Liveness probe failed: ')).length, 3);
});

test('startup probe gates liveness and readiness, then stops; readiness runs at once', async () => {
  const { manager, add, clock, fx, changes } = setup();
  fx.exitCodes.set('sh -c boot', 1);
  add({
    name: 'app',
    startupProbe: execProbe('boot', { periodSeconds: 1, failureThreshold: 30 }),
    livenessProbe: execProbe('alive', { periodSeconds: 10 }),
    readinessProbe: execProbe('ready', { periodSeconds: 10 }),
  });
  assert.equal(manager.started('c1'), false);
  await clock.advance(5_000);
  assert.ok(fx.calls.every((c) => c.cmd[2] === 'boot'), 'only the startup probe runs before start');
  assert.equal(manager.started('c1'), false);
  assert.equal(manager.ready('c1'), false);
  fx.exitCodes.set('sh -c boot', 0);
  await clock.advance(1_000);
  assert.equal(manager.started('c1'), true);
  assert.equal(manager.ready('c1'), true, 'readiness probed right after startup passed');
  const bootCalls = fx.calls.filter((c) => c.cmd[2] === 'boot').length;
  await clock.advance(30_000);
  assert.equal(fx.calls.filter((c) => c.cmd[2] === 'boot').length, bootCalls, 'startup probe stopped');
  assert.ok(fx.calls.some((c) => c.cmd[2] === 'alive'), 'liveness runs after start');
  assert.deepEqual(changes, ['uid-1', 'uid-1'], 'started, then ready');
});

test('startup failure asks for a restart as upstream', async () => {
  const { manager, add, clock, fx, failures, recorder } = setup();
  fx.exitCodes.set('sh -c boot', 1);
  add({ name: 'app', startupProbe: execProbe('boot', { periodSeconds: 2, failureThreshold: 2 }) });
  await clock.advance(2_000);
  assert.deepEqual(failures.map((f) => [f.kind, f.message]), [['startup', 'Container app failed startup probe, will be restarted']]);
  assert.equal(manager.started('c1'), false);
  assert.equal(recorder.events[0].message, 'Startup probe failed: sh -c boot: not ok\n');
});

test('a restarted container (new containerId) starts from the initial results', async () => {
  const { manager, add, clock, fx } = setup();
  const c: Container = { name: 'app', readinessProbe: execProbe('ready', { periodSeconds: 10 }), livenessProbe: execProbe('alive', { failureThreshold: 1 }) };
  add(c, 'c1');
  await clock.advance(0);
  assert.equal(manager.ready('c1'), true);
  manager.removeContainer('c1');
  fx.exitCodes.set('sh -c ready', 1);
  add(c, 'c2');
  assert.equal(manager.ready('c2'), false);
  await clock.advance(30_000);
  assert.equal(manager.ready('c2'), false);
  assert.ok(fx.calls.filter((x) => x.id === 'c1').length === 2, 'the removed container is not probed any more');
  // Adding the same containerId again changes nothing.
  const before = fx.calls.length;
  add(c, 'c2');
  await clock.advance(0);
  assert.equal(fx.calls.length, before);
});

test('removePod and stop cancel every timer', async () => {
  const { manager, add, clock } = setup();
  const c: Container = { name: 'app', readinessProbe: execProbe('r'), livenessProbe: execProbe('l') };
  add(c, 'a', pod([c], 'p1'));
  add(c, 'b', pod([c], 'p2'));
  assert.equal(clock.pending(), 4);
  manager.removePod('p1');
  assert.equal(clock.pending(), 2);
  manager.stop();
  assert.equal(clock.pending(), 0);
});

test('an exec timeout fails with upstream text; prober errors are reported but do not count', async () => {
  const { manager, add, clock, fx, recorder, failures } = setup();
  fx.exitCodes.set('sh -c slow', -1);
  add({ name: 'app', readinessProbe: execProbe('slow', { periodSeconds: 1 }) }, 'c1');
  await clock.advance(0);
  assert.equal(recorder.events[0].message, 'Readiness probe failed: command "sh -c slow" timed out');
  // A tcpSocket probe on an unknown named port: the prober itself errors (three tries, one event).
  add({ name: 'side', livenessProbe: { tcpSocket: { port: 'missing' }, failureThreshold: 1, periodSeconds: 1 } }, 'c2', pod([{ name: 'side' }], 'uid-2'));
  await clock.advance(5_000);
  const errored = recorder.events.filter((e) => e.message.startsWith('Liveness probe errored'));
  assert.equal(errored[0].message, 'Liveness probe errored and resulted in unknown state: strconv.Atoi: parsing "missing": invalid syntax');
  assert.equal(errored.length, 6, 'once per period');
  assert.equal(failures.length, 0, 'errors never count toward failureThreshold');
  assert.equal(manager.ready('c2'), true);
});

test('a terminating pod stops liveness and startup probing', async () => {
  const { manager, add, clock, fx, failures } = setup();
  fx.exitCodes.set('sh -c alive', 1);
  const c: Container = { name: 'app', livenessProbe: execProbe('alive', { periodSeconds: 1, failureThreshold: 2 }) };
  const p = pod([c]);
  add(c, 'c1', p);
  await clock.advance(0);
  manager.updatePod({ ...p, metadata: { ...p.metadata, deletionTimestamp: '2026-01-01T00:00:00Z' } });
  await clock.advance(10_000);
  assert.equal(fx.calls.length, 1);
  assert.equal(failures.length, 0);
});

test('sidecar (restartable init container) events name spec.initContainers', async () => {
  const { add, clock, fx, recorder } = setup();
  fx.exitCodes.set('sh -c r', 1);
  const side: Container = { name: 'proxy', restartPolicy: 'Always', readinessProbe: execProbe('r') };
  add(side, 'c1', { metadata: { name: 'web', namespace: 'default', uid: 'u' }, spec: { initContainers: [side], containers: [{ name: 'app' }] } });
  await clock.advance(0);
  assert.equal(recorder.events[0].fieldPath, 'spec.initContainers{proxy}');
});

test('an HTTP readiness probe against a real server follows the server toggling', async () => {
  let healthy = false;
  const server = http.createServer((_req, res) => {
    res.writeHead(healthy ? 200 : 503);
    res.end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const { manager, add, clock, recorder } = setup();
  try {
    add({ name: 'app', ports: [{ name: 'http', containerPort: port }], readinessProbe: { httpGet: { path: '/ready', port: 'http' }, periodSeconds: 1, failureThreshold: 1 } });
    const probeAndWait = async (want: boolean) => {
      for (let i = 0; i < 50 && manager.ready('c1') !== want; i++) {
        await clock.advance(1000);
        await new Promise((r) => setTimeout(r, 20)); // real time for the real socket
      }
      assert.equal(manager.ready('c1'), want);
    };
    for (let i = 0; i < 50 && recorder.events.length === 0; i++) {
      await clock.advance(1000);
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(manager.ready('c1'), false);
    assert.ok(recorder.events.some((e) => e.message === 'Readiness probe failed: HTTP probe failed with statuscode: 503'));
    healthy = true;
    await probeAndWait(true);
    healthy = false;
    await probeAndWait(false);
  } finally {
    manager.stop();
    server.closeAllConnections();
    server.close();
  }
});
