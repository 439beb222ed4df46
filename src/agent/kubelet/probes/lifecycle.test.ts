import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import type { Container, Pod } from 'kubernetes-types/core/v1';
import { runHandler } from './lifecycle.ts';
import type { ProbeExec, ProbeTarget } from './types.ts';

let server: http.Server;
let port: number;
const hits: { url: string; ua?: string }[] = [];

before(async () => {
  server = http.createServer((req, res) => {
    hits.push({ url: req.url!, ua: req.headers['user-agent'] });
    res.writeHead(req.url === '/broken' ? 500 : 200);
    res.end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});
after(() => {
  server.closeAllConnections();
  server.close();
});

const container: Container = { name: 'app' };
const pod: Pod = { metadata: { name: 'web', namespace: 'default', uid: 'u-1' }, spec: { containers: [container] } };
const target = (): ProbeTarget => ({ pod, container: { ...container, ports: [{ name: 'hook', containerPort: port }] }, containerId: 'c1', podIP: '127.0.0.1', startedAt: 0 });

const calls: { cmd: string[]; timeout: number }[] = [];
const exec: ProbeExec = async (_id, cmd, timeout) => {
  calls.push({ cmd, timeout });
  if (cmd[2] === 'hang') throw Object.assign(new Error('timeout 5s exceeded: context deadline exceeded'), { code: 4 });
  if (cmd[2] === 'gone') throw new Error('rpc error: code = NotFound desc = container not found');
  const code = Number(cmd[2].match(/exit (\d+)/)?.[1] ?? 0);
  return { exitCode: code, stdout: Buffer.from(code ? 'out\n' : ''), stderr: Buffer.from(code ? 'err "x"\n' : '') };
};

test('exec hooks', async (t) => {
  const who = 'for Container "app" in Pod "web_default(u-1)"';
  const cases: { cmd: string; ok: boolean; message: string }[] = [
    { cmd: 'echo hi', ok: true, message: '' },
    {
      cmd: 'exit 3', ok: false,
      message: `Exec lifecycle hook ([sh -c exit 3]) ${who} failed - error: command 'sh -c exit 3' exited with 3: err "x"\n, message: "out\\nerr \\"x\\"\\n"`,
    },
    { cmd: 'hang', ok: false, message: `Exec lifecycle hook ([sh -c hang]) ${who} failed - error: command "sh -c hang" timed out, message: ""` },
    { cmd: 'gone', ok: false, message: `Exec lifecycle hook ([sh -c gone]) ${who} failed - error: rpc error: code = NotFound desc = container not found, message: ""` },
  ];
  for (const c of cases) {
    await t.test(c.cmd, async () => {
      assert.deepEqual(await runHandler({ exec: { command: ['sh', '-c', c.cmd] } }, target(), exec, 30), { ok: c.ok, message: c.message });
    });
  }
  assert.equal(calls[0].timeout, 30);
});

test('httpGet hooks: any answer is success, with kube-lifecycle User-Agent', async () => {
  hits.length = 0;
  assert.deepEqual(await runHandler({ httpGet: { path: '/stop', port: 'hook' } }, target(), exec, 5), { ok: true, message: '' });
  assert.deepEqual(await runHandler({ httpGet: { path: '/broken', port } }, target(), exec, 5), { ok: true, message: '' });
  assert.deepEqual(hits, [{ url: '/stop', ua: 'kube-lifecycle/1.32' }, { url: '/broken', ua: 'kube-lifecycle/1.32' }]);
});

test('httpGet hook to nothing listening', async () => {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const closed = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  const res = await runHandler({ httpGet: { path: '/stop', port: closed } }, target(), exec, 5);
  assert.deepEqual(res, {
    ok: false,
    message: `HTTP lifecycle hook (/stop) for Container "app" in Pod "web_default(u-1)" failed - error: Get "http://127.0.0.1:${closed}/stop": dial tcp 127.0.0.1:${closed}: connect: connection refused`,
  });
  const bad = await runHandler({ httpGet: { path: '/stop', port: 'nope' } }, target(), exec, 5);
  assert.equal(bad.message, 'HTTP lifecycle hook (/stop) for Container "app" in Pod "web_default(u-1)" failed - error: strconv.Atoi: parsing "nope": invalid syntax');
});

test('an HTTPS hook answered in plain HTTP is retried over HTTP', async () => {
  hits.length = 0;
  const res = await runHandler({ httpGet: { path: '/tls', port, scheme: 'HTTPS' } }, target(), exec, 5);
  assert.deepEqual(res, { ok: true, message: '' });
  assert.deepEqual(hits.map((h) => h.url), ['/tls']);
});

test('sleep hooks', async () => {
  let started = Date.now();
  assert.deepEqual(await runHandler({ sleep: { seconds: 1 } }, target(), exec, 30), { ok: true, message: '' });
  assert.ok(Date.now() - started >= 950);
  started = Date.now();
  const cut = await runHandler({ sleep: { seconds: 30 } }, target(), exec, 1);
  assert.ok(Date.now() - started < 2000, 'the grace period cuts the sleep short');
  assert.deepEqual(cut, {
    ok: false,
    message: 'Sleep lifecycle hook (30) for Container "app" in Pod "web_default(u-1)" failed - error: container terminated before sleep hook finished',
  });
  const ac = new AbortController();
  setTimeout(() => ac.abort(), 50);
  assert.equal((await runHandler({ sleep: { seconds: 30 } }, target(), exec, 0, ac.signal)).ok, false);
});

test('tcpSocket hooks never run', async () => {
  assert.deepEqual(await runHandler({ tcpSocket: { port: 8080 } }, target(), exec, 5), {
    ok: false,
    message: 'Cannot run handler: invalid handler: &LifecycleHandler{Exec:nil,HTTPGet:nil,TCPSocket:&TCPSocketAction{Port:{0 8080 },Host:,},Sleep:nil,}',
  });
});
