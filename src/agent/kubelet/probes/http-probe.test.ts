import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import type { Container } from 'kubernetes-types/core/v1';
import { buildHttpGetRequest, canonicalHeaderName, MAX_BODY_BYTES, sendHttpGet } from './http-get.ts';
import { httpProbe } from './http-probe.ts';

let server: http.Server;
let port: number;
const seen: http.IncomingHttpHeaders[] = [];

before(async () => {
  server = http.createServer((req, res) => {
    seen.push(req.headers);
    const url = new URL(req.url!, 'http://x');
    switch (url.pathname) {
      case '/ok': res.end('fine'); return;
      case '/fail': res.writeHead(Number(url.searchParams.get('code') ?? 500)); res.end('secret body'); return;
      case '/hop': res.writeHead(302, { Location: '/ok' }); res.end(); return;
      case '/away': res.writeHead(301, { Location: `http://localhost:${port}/ok` }); res.end('moved'); return;
      case '/loop': res.writeHead(302, { Location: '/loop' }); res.end(); return;
      case '/big': res.end('x'.repeat(MAX_BODY_BYTES * 3)); return;
      case '/hang': return; // never answers
      default: res.writeHead(404); res.end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});
after(() => {
  server.closeAllConnections();
  server.close();
});

const container = (extra: Partial<Container> = {}): Container => ({ name: 'app', ports: [{ name: 'web', containerPort: port }], ...extra });

async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const p = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return p;
}

test('httpGet probe outcomes match upstream', async (t) => {
  const cases: { name: string; path: string; result: string; output: string | RegExp }[] = [
    { name: '200 succeeds', path: '/ok', result: 'success', output: 'fine' },
    { name: '500 fails without the body', path: '/fail', result: 'failure', output: 'HTTP probe failed with statuscode: 500' },
    { name: '404 fails', path: '/nothing', result: 'failure', output: 'HTTP probe failed with statuscode: 404' },
    { name: '399 is still success (warning)', path: '/fail?code=399', result: 'warning', output: 'Probe terminated redirects, Response body: secret body' },
    { name: 'same-host redirect is followed', path: '/hop', result: 'success', output: 'fine' },
    { name: 'redirect to another host is a warning', path: '/away', result: 'warning', output: 'Probe terminated redirects, Response body: moved' },
    { name: 'redirect loop stops after 10 requests', path: '/loop', result: 'failure', output: 'Get "/loop": stopped after 10 redirects' },
  ];
  for (const c of cases) {
    await t.test(c.name, async () => {
      const req = buildHttpGetRequest({ path: c.path, port: 'web', host: '127.0.0.1' }, container(), '10.99.0.1', 'probe');
      const out = await httpProbe(req, 2);
      assert.equal(out.result, c.result);
      if (typeof c.output === 'string') assert.equal(out.output, c.output);
      else assert.match(out.output, c.output);
      assert.equal(out.error, undefined);
    });
  }
});

test('the loop makes exactly 10 requests', async () => {
  seen.length = 0;
  const req = buildHttpGetRequest({ path: '/loop', port, host: '127.0.0.1' }, container(), '', 'probe');
  await sendHttpGet(req, 2000);
  assert.equal(seen.length, 10);
});

test('connection refused reads as Go dial error with the URL', async () => {
  const p = await closedPort();
  const req = buildHttpGetRequest({ path: '/ready', port: p }, container(), '127.0.0.1', 'probe');
  assert.equal(req.url, `http://127.0.0.1:${p}/ready`);
  const out = await httpProbe(req, 1);
  assert.deepEqual(out, { result: 'failure', output: `Get "http://127.0.0.1:${p}/ready": dial tcp 127.0.0.1:${p}: connect: connection refused` });
});

test('a server that does not answer in time fails with the client timeout text', async () => {
  const started = Date.now();
  const out = await httpProbe(buildHttpGetRequest({ path: '/hang', port }, container(), '127.0.0.1', 'probe'), 1);
  assert.equal(out.result, 'failure');
  assert.equal(out.output, `Get "http://127.0.0.1:${port}/hang": context deadline exceeded (Client.Timeout exceeded while awaiting headers)`);
  assert.ok(Date.now() - started >= 950, 'waited for the timeout');
});

test('reads at most 10 KiB of body', async () => {
  const out = await httpProbe(buildHttpGetRequest({ path: '/big', port }, container(), '127.0.0.1', 'probe'), 2);
  assert.equal(out.result, 'success');
  assert.equal(out.output.length, MAX_BODY_BYTES);
});

test('sends kube-probe User-Agent, Accept */*, the user headers and Host override', async () => {
  seen.length = 0;
  const req = buildHttpGetRequest({
    path: 'ok', port: String(port),
    httpHeaders: [{ name: 'x-custom-thing', value: 'a' }, { name: 'X-Custom-Thing', value: 'b' }, { name: 'Host', value: 'example.test' }],
  }, container(), '127.0.0.1', 'probe');
  assert.equal(req.url, `http://127.0.0.1:${port}/ok`);
  assert.deepEqual(req.headers['X-Custom-Thing'], ['a', 'b']);
  assert.equal((await httpProbe(req, 2)).result, 'success');
  const h = seen[0];
  assert.equal(h['user-agent'], 'kube-probe/1.32');
  assert.equal(h['accept'], '*/*');
  assert.equal(h['x-custom-thing'], 'a, b');
  assert.equal(h['host'], 'example.test');
  assert.equal(h['connection'], 'close');
  assert.equal(h['accept-encoding'], undefined);
});

test('user headers override the defaults; an empty Accept removes it', async () => {
  seen.length = 0;
  const req = buildHttpGetRequest({ path: '/ok', port, httpHeaders: [{ name: 'user-agent', value: 'mine' }, { name: 'Accept', value: '' }] }, container(), '127.0.0.1', 'lifecycle');
  await httpProbe(req, 2);
  assert.equal(seen[0]['user-agent'], 'mine');
  assert.equal(seen[0]['accept'], undefined);
  const hook = buildHttpGetRequest({ path: '/ok', port }, container(), '127.0.0.1', 'lifecycle');
  assert.deepEqual(hook.headers['User-Agent'], ['kube-lifecycle/1.32']);
});

test('scheme, host and IPv6 formatting of the URL', () => {
  const c = container();
  assert.equal(buildHttpGetRequest({ port: 8443, scheme: 'HTTPS' }, c, '10.42.0.5', 'probe').url, 'https://10.42.0.5:8443');
  assert.equal(buildHttpGetRequest({ port: 80, path: '/a?b=c' }, c, 'fd00::5', 'probe').url, 'http://[fd00::5]:80/a?b=c');
  assert.equal(buildHttpGetRequest({ port: 80, host: 'h.example' }, c, '10.0.0.1', 'probe').url, 'http://h.example:80');
});

test('port resolution errors are upstream texts', () => {
  const c = container();
  assert.throws(() => buildHttpGetRequest({ port: 'nope' }, c, '10.0.0.1', 'probe'), { message: 'strconv.Atoi: parsing "nope": invalid syntax' });
  assert.throws(() => buildHttpGetRequest({ port: 0 }, c, '10.0.0.1', 'probe'), { message: 'invalid port number: 0' });
  assert.throws(() => buildHttpGetRequest({ port: 70000 }, c, '10.0.0.1', 'probe'), { message: 'invalid port number: 70000' });
  assert.equal(buildHttpGetRequest({ port: '8080' }, c, '10.0.0.1', 'probe').url, 'http://10.0.0.1:8080');
});

test('canonical header names', () => {
  assert.equal(canonicalHeaderName('x-custom-header'), 'X-Custom-Header');
  assert.equal(canonicalHeaderName('USER-AGENT'), 'User-Agent');
  assert.equal(canonicalHeaderName('bad header'), 'bad header');
});
