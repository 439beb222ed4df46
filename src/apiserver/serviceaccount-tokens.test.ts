import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadServiceAccountTokens, type TokenSubject } from './serviceaccount-tokens.ts';

const subject: TokenSubject = { namespace: 'apps', serviceAccount: { name: 'builder', uid: 'sa-uid' }, pod: { name: 'p', uid: 'pod-uid' } };

function dataDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-satokens-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function claimsOf(token: string) {
  const [h, p] = token.split('.');
  return { header: JSON.parse(Buffer.from(h, 'base64url').toString()), payload: JSON.parse(Buffer.from(p, 'base64url').toString()) };
}

test('tokens carry upstream\'s claims and authenticate as the service account', async (t) => {
  const dir = dataDir(t);
  const tokens = await loadServiceAccountTokens(dir);
  assert.equal(statSync(join(dir, 'server/tls/service.key')).mode & 0o777, 0o600);
  const now = new Date();
  const token = await tokens.issue(subject, ['https://kubernetes.default.svc.cluster.local'], new Date(now.getTime() + 3600_000), undefined, now);
  const { header, payload } = claimsOf(token);
  assert.deepEqual(header, { alg: 'RS256', kid: tokens.keyId });
  assert.equal(payload.iss, 'https://kubernetes.default.svc.cluster.local');
  assert.equal(payload.sub, 'system:serviceaccount:apps:builder');
  assert.deepEqual(payload.aud, ['https://kubernetes.default.svc.cluster.local']);
  assert.equal(payload.exp - payload.iat, 3600);
  assert.equal(payload.nbf, payload.iat);
  assert.match(payload.jti, /^[0-9a-f-]{36}$/);
  assert.deepEqual(payload['kubernetes.io'], { namespace: 'apps', serviceaccount: { name: 'builder', uid: 'sa-uid' }, pod: { name: 'p', uid: 'pod-uid' } });
  assert.deepEqual(tokens.authenticator.authenticate(token), {
    name: 'system:serviceaccount:apps:builder', uid: 'sa-uid', groups: ['system:serviceaccounts', 'system:serviceaccounts:apps'],
  });

  // The same key is used after a restart.
  const again = await loadServiceAccountTokens(dir);
  assert.equal(again.keyId, tokens.keyId);
  assert.equal(again.authenticator.authenticate(token)?.name, 'system:serviceaccount:apps:builder');
  assert.equal(readFileSync(join(dir, 'server/tls/service.key'), 'utf8').startsWith('-----BEGIN PRIVATE KEY-----'), true);
});

test('refused: expired, other audiences, tampered, other keys, other issuers, garbage', async (t) => {
  const tokens = await loadServiceAccountTokens(dataDir(t));
  const other = await loadServiceAccountTokens(dataDir(t));
  const now = Date.now();
  const valid = await tokens.issue(subject, ['k3s'], new Date(now + 3600_000));
  assert.ok(tokens.authenticator.authenticate(valid));
  const [h, p, s] = valid.split('.');
  const forged = JSON.parse(Buffer.from(p, 'base64url').toString());
  forged.sub = 'system:serviceaccount:kube-system:admin';
  const table: Array<[string, string]> = [
    ['expired', await tokens.issue(subject, ['k3s'], new Date(now - 1000), undefined, new Date(now - 3600_000))],
    ['not for this API', await tokens.issue(subject, ['vault'], new Date(now + 3600_000))],
    ['tampered claims', `${h}.${Buffer.from(JSON.stringify(forged)).toString('base64url')}.${s}`],
    ['signed by another key', await other.issue(subject, ['k3s'], new Date(now + 3600_000))],
    ['not a JWT', 'abc.def'],
    ['not base64', '!!!.###.$$$'],
  ];
  for (const [what, token] of table) assert.equal(tokens.authenticator.authenticate(token), undefined, what);

  const strict = await loadServiceAccountTokens(dataDir(t), { issuer: 'https://other.example', stillValid: (c) => (c.pod?.uid === 'pod-uid' ? 'pod deleted' : undefined) });
  assert.equal(strict.authenticator.authenticate(valid), undefined, 'another issuer');
  assert.equal(strict.authenticator.authenticate(await strict.issue(subject, ['k3s'], new Date(now + 3600_000))), undefined, 'bound object gone');
});
