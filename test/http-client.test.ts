// The HTTPS Client against a real skiff server: CRUD, list paging, errors mapped back to ApiError
// from Status bodies, watches (events, stop, ERROR events, closed streams), bearer-token and
// client-certificate authentication, and joining with the token's CA pin (/cacerts).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createServer, request } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { ConfigMap } from 'kubernetes-types/core/v1';
import { parse as parseYaml } from 'yaml';
import type { KObject } from '../src/api/types.ts';
import type { Client, WatchEvent } from '../src/client/client.ts';
import { httpClient } from '../src/client/http-client.ts';
import { CaMismatchError, joinCluster } from '../src/client/join.ts';
import { ApiError } from '../src/machinery/errors.ts';
import { startServer, type TestServer } from './helpers/server.ts';

type CM = ConfigMap & KObject;

let s: TestServer;
let ca: string;
let token: string;
let admin: Client;

before(async () => {
  s = await startServer();
  const cfg = parseYaml(readFileSync(s.kubeconfig, 'utf8'));
  const b64 = (v: string) => Buffer.from(v, 'base64').toString('utf8');
  ca = b64(cfg.clusters[0].cluster['certificate-authority-data']);
  token = readFileSync(join(s.dataDir, 'server', 'token'), 'utf8').trim();
  admin = httpClient({ server: s.url, ca, cert: b64(cfg.users[0].user['client-certificate-data']), key: b64(cfg.users[0].user['client-key-data']) });
});
after(async () => { await s?.destroy(); });

const cms = () => admin.resource<CM>('', 'v1', 'configmaps');

async function rejectsWith(p: Promise<unknown>, want: { code: number; reason: string; message?: RegExp | string }): Promise<ApiError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof ApiError, `expected an ApiError, got ${err}`);
    assert.equal(err.code, want.code);
    assert.equal(err.reason, want.reason);
    if (typeof want.message === 'string') assert.equal(err.message, want.message);
    else if (want.message) assert.match(err.message, want.message);
    return err;
  }
  assert.fail('expected the call to fail');
}

test('CRUD on a namespaced resource, every patch type', async () => {
  const created = await cms().create({ metadata: { name: 'crud', namespace: 'default', labels: { t: 'crud' } }, data: { a: '1' } });
  assert.equal(created.metadata?.name, 'crud');
  assert.ok(created.metadata?.uid);
  assert.deepEqual((await cms().get('crud', 'default')).data, { a: '1' });

  const listed = await cms().list({ namespace: 'default', labelSelector: 't=crud' });
  assert.deepEqual(listed.items.map((i) => i.metadata?.name), ['crud']);
  assert.match(listed.resourceVersion, /^\d+$/);

  const updated = await cms().update({ ...created, data: { a: '2' } });
  assert.deepEqual(updated.data, { a: '2' });
  assert.notEqual(updated.metadata?.resourceVersion, created.metadata?.resourceVersion);

  assert.deepEqual((await cms().patch('crud', 'merge', { data: { b: '3' } }, { namespace: 'default' })).data, { a: '2', b: '3' });
  assert.deepEqual((await cms().patch('crud', 'json', [{ op: 'remove', path: '/data/a' }], { namespace: 'default' })).data, { b: '3' });
  assert.deepEqual((await cms().patch('crud', 'strategic', { data: { c: '4' } }, { namespace: 'default' })).data, { b: '3', c: '4' });

  const dry = await cms().create({ metadata: { name: 'dry', namespace: 'default' } }, { dryRun: true });
  assert.equal(dry.metadata?.name, 'dry');
  await rejectsWith(cms().get('dry', 'default'), { code: 404, reason: 'NotFound' });

  const gone = await cms().delete('crud', { namespace: 'default' });
  assert.equal(gone.deleted, true);
  assert.equal(gone.object.metadata?.uid, created.metadata?.uid);
  await rejectsWith(cms().get('crud', 'default'), { code: 404, reason: 'NotFound' });
});

test('errors come back as the ApiError of the Status body', async () => {
  const notFound = await rejectsWith(cms().get('nope', 'default'), { code: 404, reason: 'NotFound', message: 'configmaps "nope" not found' });
  assert.equal(notFound.details?.name, 'nope');
  assert.equal(notFound.details?.kind, 'configmaps');

  const first = await cms().create({ metadata: { name: 'dup', namespace: 'default' } });
  await rejectsWith(cms().create({ metadata: { name: 'dup', namespace: 'default' } }), { code: 409, reason: 'AlreadyExists', message: 'configmaps "dup" already exists' });
  await cms().update({ ...first, data: { x: '1' } });
  await rejectsWith(cms().update({ ...first, data: { x: '2' } }), {
    code: 409, reason: 'Conflict',
    message: 'Operation cannot be fulfilled on configmaps "dup": the object has been modified; please apply your changes to the latest version and try again',
  });
  const invalid = await rejectsWith(cms().create({ metadata: { name: 'Bad_Name', namespace: 'default' } }), { code: 422, reason: 'Invalid', message: /^ConfigMap "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name"/ });
  assert.equal(invalid.details?.causes?.[0]?.field, 'metadata.name');
  await rejectsWith(admin.resource('', 'v1', 'nosuchthings').list(), { code: 404, reason: 'NotFound' });
});

test('list paging with limit and continue', async () => {
  for (let i = 0; i < 5; i++) await cms().create({ metadata: { name: `page-${i}`, namespace: 'default', labels: { t: 'page' } } });
  const seen: string[] = [];
  let cont: string | undefined;
  let pages = 0;
  do {
    const page = await cms().list({ namespace: 'default', labelSelector: 't=page', limit: 2, continue: cont });
    assert.ok(page.items.length <= 2);
    seen.push(...page.items.map((i) => i.metadata!.name!));
    cont = page.continue;
    pages++;
  } while (cont);
  assert.deepEqual(seen, ['page-0', 'page-1', 'page-2', 'page-3', 'page-4']);
  assert.equal(pages, 3);
});

test('subresources that act: pods/binding', async () => {
  const pods = admin.resource('', 'v1', 'pods');
  await pods.create({ metadata: { name: 'bind-me', namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'pause' }] } });
  const status = await pods.createSubresource('bind-me', 'binding', { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'bind-me' }, target: { kind: 'Node', name: 'node-a' } }, { namespace: 'default' });
  assert.equal(status.kind, 'Status');
  const bound = await pods.get('bind-me', 'default');
  assert.equal((bound.spec as { nodeName?: string }).nodeName, 'node-a');
  await rejectsWith(pods.createSubresource('bind-me', 'binding', { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'bind-me' }, target: { kind: 'Node', name: 'node-b' } }, { namespace: 'default' }),
    { code: 409, reason: 'Conflict' });
  await pods.delete('bind-me', { namespace: 'default', gracePeriodSeconds: 0 });
});

test('cluster-scoped resources, and a delete that only marks the object', async () => {
  const nss = admin.resource('', 'v1', 'namespaces');
  await nss.create({ metadata: { name: 'http-client-ns' } });
  assert.equal((await nss.get('http-client-ns')).metadata?.name, 'http-client-ns');
  const r = await nss.delete('http-client-ns');
  assert.equal(r.deleted, false, 'a namespace is finalized first');
  assert.ok(r.object.metadata?.deletionTimestamp);
});

test('watch streams events until stop(), which ends it once', async () => {
  const start = await cms().list({ namespace: 'default' });
  const events: Array<[string, string, string | undefined]> = [];
  const ends: Array<ApiError | undefined> = [];
  const handle = await cms().watch({ namespace: 'default', resourceVersion: start.resourceVersion, labelSelector: 't=watch' },
    (ev: WatchEvent<CM>) => events.push([ev.type, ev.object.metadata!.name!, ev.object.data?.v]),
    (err) => ends.push(err));
  await cms().create({ metadata: { name: 'w', namespace: 'default', labels: { t: 'watch' } }, data: { v: '1' } });
  await cms().patch('w', 'merge', { data: { v: '2' } }, { namespace: 'default' });
  await cms().delete('w', { namespace: 'default' });
  await waitFor(() => events.length === 3);
  assert.deepEqual(events, [['ADDED', 'w', '1'], ['MODIFIED', 'w', '2'], ['DELETED', 'w', '2']]);

  handle.stop();
  handle.stop();
  assert.deepEqual(ends, [undefined]);
  await cms().create({ metadata: { name: 'w2', namespace: 'default', labels: { t: 'watch' } } });
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(events.length, 3, 'no events after stop');
});

test('watch from nothing sends the current objects first; a bad selector fails the call', async () => {
  await cms().create({ metadata: { name: 'initial', namespace: 'default', labels: { t: 'initial' } } });
  const events: string[] = [];
  const handle = await cms().watch({ namespace: 'default', labelSelector: 't=initial' }, (ev) => events.push(`${ev.type} ${ev.object.metadata?.name}`), () => {});
  await waitFor(() => events.length === 1);
  assert.deepEqual(events, ['ADDED initial']);
  handle.stop();
  await rejectsWith(cms().watch({ namespace: 'default', fieldSelector: 'spec.nothing=1' }, () => {}, () => {}), { code: 400, reason: 'BadRequest' });
});

test('bearer token: the join token authenticates, a wrong one is Unauthorized', async () => {
  const agent = httpClient({ server: s.url, ca, token });
  const list = await agent.resource('', 'v1', 'namespaces').list();
  assert.ok(list.items.some((n) => n.metadata?.name === 'kube-node-lease'));
  const bare = httpClient({ server: s.url, ca, token: token.split('::server:')[1] });
  await bare.resource('', 'v1', 'namespaces').get('default');
  const stranger = httpClient({ server: s.url, ca, token: 'not-the-token' });
  await rejectsWith(stranger.resource('', 'v1', 'namespaces').list(), { code: 401, reason: 'Unauthorized', message: 'Unauthorized' });
});

test('the server is verified against the CA', async () => {
  const otherCa = readFileSync(join(s.dataDir, 'server', 'tls', 'serving-kube-apiserver.crt'), 'utf8'); // not a CA at all
  const c = httpClient({ server: s.url, ca: otherCa, token });
  await assert.rejects(c.resource('', 'v1', 'namespaces').list(), (err: Error) => !(err instanceof ApiError));
});

test('/cacerts serves the CA bundle to anyone, byte for byte', async () => {
  const body = await new Promise<string>((resolve, reject) => {
    request(`${s.url}/cacerts`, { rejectUnauthorized: false }, (res) => {
      let text = '';
      res.on('data', (d) => { text += d; });
      res.on('end', () => (res.statusCode === 200 ? resolve(text) : reject(new Error(`HTTP ${res.statusCode}`))));
    }).on('error', reject).end();
  });
  assert.equal(body, readFileSync(join(s.dataDir, 'server', 'tls', 'server-ca.crt'), 'utf8'));
});

test('joinCluster checks the CA against the token pin', async () => {
  const joined = await joinCluster(s.url, token);
  assert.equal(joined.ca, readFileSync(join(s.dataDir, 'server', 'tls', 'server-ca.crt'), 'utf8'));
  // What it hands back is enough to talk to the server with the token.
  await httpClient({ server: s.url, ca: joined.ca, token }).resource('', 'v1', 'namespaces').get('default');

  assert.equal((await joinCluster(s.url, 'just-a-secret')).ca, joined.ca, 'a bare token skips the pin');
  const wrongPin = `K10${'0'.repeat(64)}::server:whatever`;
  await assert.rejects(joinCluster(s.url, wrongPin), (err: Error) => err instanceof CaMismatchError && /does not match/.test(err.message));
  await assert.rejects(joinCluster('https://127.0.0.1:1', token), (err: Error) => !(err instanceof CaMismatchError));
});

test('watch ERROR events and closed streams end the watch with what they mean', async () => {
  // A stand-in server (with the cluster's serving certificate) scripted to answer each way.
  const tls = join(s.dataDir, 'server', 'tls');
  const scripts: Array<(res: import('node:http').ServerResponse) => void> = [];
  const fake = createServer({ cert: readFileSync(join(tls, 'serving-kube-apiserver.crt')), key: readFileSync(join(tls, 'serving-kube-apiserver.key')) },
    (_req, res) => scripts.shift()!(res));
  await new Promise<void>((r) => fake.listen(0, '127.0.0.1', r));
  const url = `https://127.0.0.1:${(fake.address() as AddressInfo).port}`;
  const c = httpClient({ server: url, ca, token: 't' }).resource<CM>('', 'v1', 'configmaps');
  const added = JSON.stringify({ type: 'ADDED', object: { metadata: { name: 'a', resourceVersion: '5' } } });
  try {
    scripts.push((res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      // An event split across writes, then an ERROR with a Status.
      res.write(added.slice(0, 10));
      setTimeout(() => {
        res.write(added.slice(10) + '\n');
        res.end(JSON.stringify({ type: 'ERROR', object: { kind: 'Status', apiVersion: 'v1', status: 'Failure', message: 'too old resource version: 1 (40)', reason: 'Expired', code: 410 } }) + '\n');
      }, 20);
    });
    let events: string[] = [];
    let ended = await new Promise<ApiError | undefined>((resolve) => {
      void c.watch({ namespace: 'default', resourceVersion: '1' }, (ev) => events.push(`${ev.type} ${ev.object.metadata?.name}`), resolve);
    });
    assert.deepEqual(events, ['ADDED a']);
    assert.ok(ended instanceof ApiError);
    assert.equal(ended.code, 410);
    assert.equal(ended.reason, 'Expired');
    assert.equal(ended.message, 'too old resource version: 1 (40)');

    scripts.push((res) => { res.writeHead(200); res.end(added + '\n'); });
    events = [];
    ended = await new Promise<ApiError | undefined>((resolve) => {
      void c.watch({ namespace: 'default' }, (ev) => events.push(ev.type), resolve);
    });
    assert.deepEqual(events, ['ADDED']);
    assert.equal(ended, undefined, 'a stream the server closed ends without an error');

    scripts.push((res) => {
      res.writeHead(403, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', message: 'configmaps is forbidden: User "x" cannot watch resource "configmaps"', reason: 'Forbidden', code: 403, details: { kind: 'configmaps' } }));
    });
    await rejectsWith(c.watch({}, () => {}, () => {}), { code: 403, reason: 'Forbidden', message: /cannot watch/ });

    scripts.push((res) => { res.writeHead(502); res.end('bad gateway'); });
    await rejectsWith(c.get('x', 'default'), { code: 502, reason: 'InternalError', message: 'bad gateway' });
  } finally {
    fake.closeAllConnections();
    await new Promise((r) => fake.close(r));
  }
});

async function waitFor(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) assert.fail('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}
