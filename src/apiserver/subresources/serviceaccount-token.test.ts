// TokenRequest through a real server and the real kubectl (`kubectl create token`), and the
// tokens it issues used as bearer tokens.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'node:https';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { kubectlVersion, startServer, type TestServer } from '../../../test/helpers/server.ts';
import { until } from '../../../test/helpers/wait.ts';

let s: TestServer;
before(async () => {
  s = await startServer();
  await until('the default service account', async () => (await s.kubectl(['get', 'serviceaccount', 'default'])).code === 0);
});
after(async () => { await s?.destroy(); });

function claims(token: string) {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());
}

/** A request that authenticates with the bearer token only (no client certificate). */
function withToken(path: string, token: string | undefined): Promise<{ status: number; body: string }> {
  const cfg = parseYaml(readFileSync(s.kubeconfig, 'utf8'));
  const ca = Buffer.from(cfg.clusters[0].cluster['certificate-authority-data'], 'base64');
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: s.port, path, ca, headers: token ? { Authorization: `Bearer ${token}` } : {} }, (res) => {
      let body = '';
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('kubectl create token issues a JWT for the service account that the API server accepts', async () => {
  const token = (await s.k('create', 'token', 'default')).trim();
  const c = claims(token);
  assert.equal(c.iss, 'https://kubernetes.default.svc.cluster.local');
  assert.equal(c.sub, 'system:serviceaccount:default:default');
  assert.deepEqual(c.aud, ['https://kubernetes.default.svc.cluster.local', 'k3s']);
  assert.equal(c.exp - c.iat, 3600);
  const sa = JSON.parse(await s.k('get', 'serviceaccount', 'default', '-o', 'json'));
  assert.deepEqual(c['kubernetes.io'], { namespace: 'default', serviceaccount: { name: 'default', uid: sa.metadata.uid } });

  for (const minor of [29, 33]) {
    const other = await s.kubectl(['create', 'token', 'default'], { binary: kubectlVersion(minor) });
    assert.equal(other.code, 0, `kubectl 1.${minor}: ${other.stderr}`);
    assert.equal(claims(other.stdout.trim()).sub, 'system:serviceaccount:default:default');
  }

  assert.equal((await withToken('/api/v1/namespaces/default/pods', token)).status, 200);
  assert.equal((await withToken('/api/v1/namespaces/default/pods', token.slice(0, -4) + 'AAAA')).status, 401);
  assert.equal((await withToken('/api/v1/namespaces/default/pods', undefined)).status, 401);
  // kubectl itself, with a kubeconfig holding only the token.
  const cfg = parseYaml(readFileSync(s.kubeconfig, 'utf8'));
  cfg.users = [{ name: 'sa', user: { token } }];
  cfg.contexts[0].context.user = 'sa';
  const tokenConfig = join(s.dataDir, 'token-kubeconfig.yaml');
  writeFileSync(tokenConfig, stringifyYaml(cfg));
  const r = await s.kubectl(['get', 'serviceaccounts'], { env: { KUBECONFIG: tokenConfig } });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^default\s/m);
});

test('duration, audience and a bound pod shape the token', async () => {
  const t1 = claims((await s.k('create', 'token', 'default', '--duration', '20m', '--audience', 'vault')).trim());
  assert.equal(t1.exp - t1.iat, 1200);
  assert.deepEqual(t1.aud, ['vault']);

  await s.k('create', 'serviceaccount', 'builder');
  await s.k('run', 'job-pod', '--image', 'busybox', '--overrides', JSON.stringify({ spec: { serviceAccountName: 'builder' } }));
  const pod = JSON.parse(await s.k('get', 'pod', 'job-pod', '-o', 'json'));
  const t2 = claims((await s.k('create', 'token', 'builder', '--bound-object-kind', 'Pod', '--bound-object-name', 'job-pod')).trim());
  assert.deepEqual(t2['kubernetes.io'].pod, { name: 'job-pod', uid: pod.metadata.uid });

  // The raw API: the TokenRequest answer, and the lifetime extension for the kubelet's 3607 s pod-bound tokens.
  const res = await s.http('POST', '/api/v1/namespaces/default/serviceaccounts/builder/token', {
    apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest',
    spec: { expirationSeconds: 3607, boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: 'job-pod', uid: pod.metadata.uid } },
  });
  assert.equal(res.status, 201, res.text);
  const tr = res.json();
  assert.equal(tr.kind, 'TokenRequest');
  assert.equal(tr.apiVersion, 'authentication.k8s.io/v1');
  assert.equal(tr.metadata.name, 'builder');
  assert.equal(tr.spec.expirationSeconds, 3607);
  assert.deepEqual(tr.spec.audiences, ['https://kubernetes.default.svc.cluster.local', 'k3s']);
  const c = claims(tr.status.token);
  assert.ok(c.exp - c.iat > 364 * 24 * 3600, 'extended to a year');
  assert.equal(c['kubernetes.io'].warnafter - c.iat, 3607);
  assert.equal(Date.parse(tr.status.expirationTimestamp) / 1000, c.exp);
});

test('refusals use upstream\'s codes and messages', async () => {
  const table: Array<[string[], RegExp]> = [
    [['create', 'token', 'nosuch'], /serviceaccounts "nosuch" not found/],
    [['create', 'token', 'default', '--duration', '5m'], /spec.expirationSeconds: Invalid value: 300: may not specify a duration less than 10 minutes/],
    [['create', 'token', 'default', '--bound-object-kind', 'Pod', '--bound-object-name', 'job-pod'], /cannot bind token for serviceaccount "default" to pod running with different serviceaccount name/],
    [['create', 'token', 'builder', '--bound-object-kind', 'Pod', '--bound-object-name', 'job-pod', '--bound-object-uid', 'wrong'], /the UID in the bound object reference \(wrong\) does not match the UID in record/],
    [['create', 'token', 'builder', '--bound-object-kind', 'Secret', '--bound-object-name', 'gone'], /secrets "gone" not found/],
  ];
  for (const [args, want] of table) {
    const r = await s.kubectl(args);
    assert.notEqual(r.code, 0, args.join(' '));
    assert.match(r.stderr, want, args.join(' '));
  }
  const get = await s.http('GET', '/api/v1/namespaces/default/serviceaccounts/default/token');
  assert.equal(get.status, 405);
  const discovery = await s.http('GET', '/api/v1');
  const sub = discovery.json().resources.find((r: { name: string }) => r.name === 'serviceaccounts/token');
  assert.deepEqual({ kind: sub?.kind, group: sub?.group, version: sub?.version, verbs: sub?.verbs }, { kind: 'TokenRequest', group: 'authentication.k8s.io', version: 'v1', verbs: ['create'] });
});
