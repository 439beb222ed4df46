import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate, createHash, createPrivateKey } from 'node:crypto';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { defaultServingSans, ensureServerCredentials, issueClientCertificate } from '../src/cli/pki.ts';
import type { ServerCredentials } from '../src/cli/pki.ts';
import { adminKubeconfig, writeKubeconfig } from '../src/cli/kubeconfig.ts';

const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';
const SANS = defaultServingSans();

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-pki-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function fileState(creds: ServerCredentials): Record<string, string> {
  const { dir: _dir, ...files } = creds.paths;
  return Object.fromEntries(Object.entries(files).map(([name, file]) => [name, fs.readFileSync(file, 'utf8')]));
}

function pem(creds: ServerCredentials) {
  const { paths: _paths, ...rest } = creds;
  return rest;
}

test('first start creates credentials, later starts reuse them unchanged', async (t) => {
  const dir = tempDir(t);
  const logged: string[] = [];
  const first = await ensureServerCredentials(dir, SANS, (msg) => logged.push(msg));
  assert.equal(first.paths.dir, path.join(dir, 'server', 'tls'));
  assert.equal(first.paths.token, path.join(dir, 'server', 'token'));
  assert.deepEqual(logged, ['created cluster CA', 'issued API serving certificate', 'issued admin client certificate', 'issued kubelet client certificate', 'created join token']);

  const before = fileState(first);
  logged.length = 0;
  const second = await ensureServerCredentials(dir, SANS, (msg) => logged.push(msg));
  assert.deepEqual(logged, []);
  assert.deepEqual(pem(second), pem(first));
  assert.deepEqual(fileState(second), before);
});

test('files hold what the credentials say, private files are 0600', async (t) => {
  const creds = await ensureServerCredentials(tempDir(t), SANS);
  const files: Array<[string, string, number]> = [
    [creds.paths.caCert, creds.caCert, 0o644], [creds.paths.caKey, creds.caKey, 0o600],
    [creds.paths.servingCert, creds.servingCert, 0o644], [creds.paths.servingKey, creds.servingKey, 0o600],
    [creds.paths.adminCert, creds.adminCert, 0o644], [creds.paths.adminKey, creds.adminKey, 0o600],
    [creds.paths.token, creds.token + '\n', 0o600],
  ];
  for (const [file, content, mode] of files) {
    assert.equal(fs.readFileSync(file, 'utf8'), content, file);
    assert.equal(fs.statSync(file).mode & 0o777, mode, file);
  }
  assert.deepEqual(fs.readdirSync(creds.paths.dir).filter((f) => f.endsWith('.tmp')), []);
});

test('the CA is a 10-year self-signed CA named like k3s', async (t) => {
  const creds = await ensureServerCredentials(tempDir(t), SANS);
  const ca = new X509Certificate(creds.caCert);
  assert.equal(ca.ca, true);
  assert.match(ca.subject, /^CN=skiff-server-ca@\d{10}$/);
  assert.equal(ca.issuer, ca.subject);
  assert.ok(ca.verify(ca.publicKey));
  const years = (ca.validToDate.getTime() - ca.validFromDate.getTime()) / (365 * 24 * 3600 * 1000);
  assert.ok(years > 9.9 && years < 10.1, `validity ${years} years`);
});

test('the serving certificate is signed by the CA, carries every SAN and is for serverAuth', async (t) => {
  const creds = await ensureServerCredentials(tempDir(t), SANS);
  const ca = new X509Certificate(creds.caCert);
  const serving = new X509Certificate(creds.servingCert);
  assert.equal(serving.ca, false);
  assert.ok(serving.checkIssued(ca));
  assert.ok(serving.verify(ca.publicKey));
  assert.ok(serving.checkPrivateKey(createPrivateKey(creds.servingKey)));
  assert.deepEqual(serving.keyUsage, [SERVER_AUTH]);
  for (const name of ['localhost', os.hostname().toLowerCase(), 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local']) {
    assert.equal(serving.checkHost(name, { subject: 'never' }), name, `DNS SAN ${name}`);
  }
  for (const ip of ['127.0.0.1', '::1', '10.43.0.1', ...SANS.ips]) {
    assert.ok(serving.checkIP(ip), `IP SAN ${ip}`);
  }
  assert.equal(serving.checkHost('example.com', { subject: 'never' }), undefined);
  const years = (serving.validToDate.getTime() - Date.now()) / (365 * 24 * 3600 * 1000);
  assert.ok(years > 0.99 && years < 1.01, `validity ${years} years`);
});

test('the admin certificate is a clientAuth certificate for system:admin in system:masters', async (t) => {
  const creds = await ensureServerCredentials(tempDir(t), SANS);
  const admin = new X509Certificate(creds.adminCert);
  assert.equal(admin.subject, 'O=system:masters\nCN=system:admin');
  assert.deepEqual(admin.keyUsage, [CLIENT_AUTH]);
  assert.ok(admin.checkIssued(new X509Certificate(creds.caCert)));
  assert.ok(admin.verify(new X509Certificate(creds.caCert).publicKey));
});

test('the join token pins the CA file and keeps its secret', async (t) => {
  const dir = tempDir(t);
  const creds = await ensureServerCredentials(dir, SANS);
  const hash = createHash('sha256').update(fs.readFileSync(creds.paths.caCert)).digest('hex');
  const m = /^K10([0-9a-f]{64})::server:([0-9a-f]{32})$/.exec(creds.token);
  assert.ok(m, creds.token);
  assert.equal(m[1], hash);

  // A lost CA means a new one: the pin follows it, the secret agents were given stays.
  fs.rmSync(creds.paths.caKey);
  const again = await ensureServerCredentials(dir, SANS);
  assert.notEqual(again.caCert, creds.caCert);
  assert.equal(again.token, `K10${createHash('sha256').update(again.caCert).digest('hex')}::server:${m[2]}`);
  assert.notEqual(again.servingCert, creds.servingCert);
  assert.notEqual(again.adminCert, creds.adminCert);
  assert.ok(new X509Certificate(again.servingCert).checkIssued(new X509Certificate(again.caCert)));
});

test('a bare token written by the operator becomes the secret', async (t) => {
  const dir = tempDir(t);
  fs.mkdirSync(path.join(dir, 'server'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'server', 'token'), 'my-secret\n');
  const creds = await ensureServerCredentials(dir, SANS);
  assert.match(creds.token, /^K10[0-9a-f]{64}::server:my-secret$/);
});

test('only what is missing or broken is re-issued', async (t) => {
  const otherCa = await ensureServerCredentials(tempDir(t), SANS);
  const cases: Array<{ name: string; damage: (c: ServerCredentials) => void; changed: string[] }> = [
    {
      name: 'CA replaced by the operator',
      damage: (c) => { fs.copyFileSync(otherCa.paths.caCert, c.paths.caCert); fs.copyFileSync(otherCa.paths.caKey, c.paths.caKey); },
      changed: ['caCert', 'caKey', 'servingCert', 'servingKey', 'adminCert', 'adminKey', 'kubeletClientCert', 'kubeletClientKey', 'token'],
    },
    { name: 'serving key deleted', damage: (c) => fs.rmSync(c.paths.servingKey), changed: ['servingCert', 'servingKey'] },
    { name: 'admin cert deleted', damage: (c) => fs.rmSync(c.paths.adminCert), changed: ['adminCert', 'adminKey'] },
    { name: 'admin key swapped for serving key', damage: (c) => fs.copyFileSync(c.paths.servingKey, c.paths.adminKey), changed: ['adminCert', 'adminKey'] },
    { name: 'serving cert truncated', damage: (c) => fs.writeFileSync(c.paths.servingCert, ''), changed: ['servingCert', 'servingKey'] },
    { name: 'token deleted', damage: (c) => fs.rmSync(c.paths.token), changed: ['token'] },
    { name: 'nothing', damage: () => {}, changed: [] },
  ];
  for (const c of cases) {
    const dir = tempDir(t);
    const first = await ensureServerCredentials(dir, SANS);
    c.damage(first);
    const second = await ensureServerCredentials(dir, SANS);
    const changed = Object.keys(pem(first)).filter((k) => pem(first)[k as keyof ReturnType<typeof pem>] !== pem(second)[k as keyof ReturnType<typeof pem>]);
    assert.deepEqual(changed, c.changed, c.name);
    assert.ok(new X509Certificate(second.servingCert).checkPrivateKey(createPrivateKey(second.servingKey)), c.name);
    assert.ok(new X509Certificate(second.adminCert).checkPrivateKey(createPrivateKey(second.adminKey)), c.name);
  }
});

test('a missing SAN re-issues only the serving certificate, keeping the old names', async (t) => {
  const dir = tempDir(t);
  const first = await ensureServerCredentials(dir, { dnsNames: ['old.example'], ips: ['127.0.0.1', '::1'] });
  const logged: Array<[string, object | undefined]> = [];
  const second = await ensureServerCredentials(dir, { dnsNames: ['new.example'], ips: ['127.0.0.1', '192.0.2.77'] }, (msg, fields) => logged.push([msg, fields]));
  assert.equal(logged.length, 1);
  assert.equal(logged[0][0], 'issued API serving certificate');
  assert.match(String((logged[0][1] as { reason: string }).reason), /missing SANs new\.example, 192\.0\.2\.77/);
  assert.notEqual(second.servingCert, first.servingCert);
  assert.deepEqual([second.caCert, second.adminCert, second.token], [first.caCert, first.adminCert, first.token]);
  const serving = new X509Certificate(second.servingCert);
  for (const name of ['old.example', 'new.example']) assert.equal(serving.checkHost(name, { subject: 'never' }), name);
  for (const ip of ['127.0.0.1', '::1', '192.0.2.77']) assert.ok(serving.checkIP(ip), ip);
  // Same SANs spelled differently are not "missing".
  const third = await ensureServerCredentials(dir, { dnsNames: ['NEW.example'], ips: ['0:0:0:0:0:0:0:1'] });
  assert.equal(third.servingCert, second.servingCert);
});

test('defaultServingSans lists loopback, this host, the kubernetes service and extra IPs once each', () => {
  const sans = defaultServingSans(['203.0.113.9', '127.0.0.1']);
  assert.deepEqual(sans.dnsNames.slice(0, 1), ['localhost']);
  for (const name of [os.hostname().toLowerCase(), 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local']) {
    assert.ok(sans.dnsNames.includes(name), name);
  }
  for (const ip of ['127.0.0.1', '::1', '10.43.0.1', '203.0.113.9']) assert.ok(sans.ips.includes(ip), ip);
  for (const addrs of Object.values(os.networkInterfaces())) {
    for (const a of addrs ?? []) {
      if (!a.internal && !a.address.startsWith('fe80:')) assert.ok(sans.ips.includes(a.address), a.address);
    }
  }
  assert.equal(new Set(sans.ips).size, sans.ips.length);
  assert.equal(new Set(sans.dnsNames).size, sans.dnsNames.length);
  assert.throws(() => defaultServingSans(['10.0.0.300']), /invalid IP address for the serving certificate: "10.0.0.300"/);
});

test('issueClientCertificate signs a clientAuth certificate with the CA', async (t) => {
  const creds = await ensureServerCredentials(tempDir(t), SANS);
  const issued = await issueClientCertificate(creds, 'system:node:worker-1', ['system:nodes']);
  const cert = new X509Certificate(issued.cert);
  assert.equal(cert.subject, 'O=system:nodes\nCN=system:node:worker-1');
  assert.deepEqual(cert.keyUsage, [CLIENT_AUTH]);
  assert.ok(cert.verify(new X509Certificate(creds.caCert).publicKey));
  const noOrg = new X509Certificate((await issueClientCertificate(creds, 'alice', [])).cert);
  assert.equal(noOrg.subject, 'CN=alice');
});

test('the admin kubeconfig is k3s-shaped YAML with everything embedded', async (t) => {
  const dir = tempDir(t);
  const creds = await ensureServerCredentials(dir, SANS);
  const config = parse(adminKubeconfig(creds, 'https://127.0.0.1:6443'));
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  assert.deepEqual(config, {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'default', cluster: { 'certificate-authority-data': b64(creds.caCert), server: 'https://127.0.0.1:6443' } }],
    contexts: [{ name: 'default', context: { cluster: 'default', user: 'default' } }],
    'current-context': 'default',
    preferences: {},
    users: [{ name: 'default', user: { 'client-certificate-data': b64(creds.adminCert), 'client-key-data': b64(creds.adminKey) } }],
  });

  const file = path.join(dir, 'etc', 'skiff', 'skiff.yaml');
  writeKubeconfig(file, 'first');
  fs.chmodSync(file, 0o644);
  writeKubeconfig(file, 'second');
  assert.equal(fs.readFileSync(file, 'utf8'), 'second');
  assert.equal(fs.statSync(file).mode & 0o777, 0o600);
  assert.deepEqual(fs.readdirSync(path.dirname(file)), ['skiff.yaml']);
});

/** An HTTPS server that, like the API server, requires a client certificate signed by the CA. */
async function mutualTlsServer(t: { after(fn: () => void): void }, creds: ServerCredentials) {
  const peers: Array<{ CN: string; O: string }> = [];
  const server = https.createServer({ cert: creds.servingCert, key: creds.servingKey, ca: creds.caCert, requestCert: true, rejectUnauthorized: true }, (req, res) => {
    const subject = (req.socket as import('node:tls').TLSSocket).getPeerCertificate().subject;
    peers.push({ CN: String(subject.CN), O: String(subject.O) });
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(req.url?.split('?')[0] === '/version'
      ? { major: '1', minor: '32', gitVersion: 'v1.32.0', gitCommit: '', gitTreeState: 'clean', buildDate: '', goVersion: '', compiler: 'gc', platform: 'linux/amd64' }
      : { user: subject.CN }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => { server.closeAllConnections(); server.close(); });
  return { url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`, peers };
}

test('a TLS handshake with the kubeconfig credentials authenticates as system:admin', async (t) => {
  const creds = await ensureServerCredentials(tempDir(t), SANS);
  const { url, peers } = await mutualTlsServer(t, creds);
  const config = parse(adminKubeconfig(creds, url));
  const data = (s: string) => Buffer.from(s, 'base64');
  const body = await new Promise<string>((resolve, reject) => {
    const req = https.get(config.clusters[0].cluster.server + '/whoami', {
      ca: data(config.clusters[0].cluster['certificate-authority-data']),
      cert: data(config.users[0].user['client-certificate-data']),
      key: data(config.users[0].user['client-key-data']),
      agent: false,
    }, (res) => {
      let text = '';
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => resolve(text));
    });
    req.on('error', reject);
  });
  assert.deepEqual(JSON.parse(body), { user: 'system:admin' });
  assert.deepEqual(peers, [{ CN: 'system:admin', O: 'system:masters' }]);
});

test('kubectl (Go TLS) trusts the server and presents the admin certificate', async (t) => {
  const kubectl = ['/usr/bin/kubectl', '/usr/local/bin/kubectl'].find((p) => fs.existsSync(p));
  if (!kubectl) return t.skip('kubectl not installed');
  const dir = tempDir(t);
  const creds = await ensureServerCredentials(dir, SANS);
  const { url, peers } = await mutualTlsServer(t, creds);
  const file = path.join(dir, 'kubeconfig');
  writeKubeconfig(file, adminKubeconfig(creds, url));
  const out = await new Promise<string>((resolve, reject) => {
    execFile(kubectl, ['version', '-o', 'json', '--kubeconfig', file], { env: { ...process.env, HOME: dir, KUBECACHEDIR: path.join(dir, 'cache') }, timeout: 20_000 },
      (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout)));
  });
  assert.equal(JSON.parse(out).serverVersion.gitVersion, 'v1.32.0');
  assert.ok(peers.length > 0);
  for (const peer of peers) assert.deepEqual(peer, { CN: 'system:admin', O: 'system:masters' });
});
