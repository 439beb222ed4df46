// Service account tokens: JWTs the API server signs with a key kept under its data dir
// (<dataDir>/server/tls/service.key, RS256, as k3s keeps it) and accepts back as bearer tokens for
// `system:serviceaccount:<ns>:<name>`. The claims are upstream's, so tools that read them
// (`kubernetes.io.pod.name`, ...) find what they expect.
import { createPublicKey, createHash, generateKeyPair, randomUUID, verify, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CryptoKey, JWTPayload } from 'jose';
import type { TokenAuthenticator, UserInfo } from './authn.ts';
import { writeFileAtomic } from '../cli/pki.ts';

/** k3s's issuer and API audiences (`--service-account-issuer`, `--api-audiences`). */
export const DEFAULT_ISSUER = 'https://kubernetes.default.svc.cluster.local';
export const DEFAULT_API_AUDIENCES = [DEFAULT_ISSUER, 'k3s'];
const ALG = 'RS256';

export interface BoundObject { kind: 'Pod' | 'Secret' | 'Node'; name: string; uid: string }

export interface TokenSubject {
  namespace: string;
  serviceAccount: { name: string; uid: string };
  pod?: { name: string; uid: string };
  secret?: { name: string; uid: string };
  node?: { name: string; uid: string };
}

/** The `kubernetes.io` private claim, as upstream writes it. */
export interface KubernetesClaim {
  namespace: string;
  serviceaccount: { name: string; uid: string };
  pod?: { name: string; uid: string };
  secret?: { name: string; uid: string };
  node?: { name: string; uid: string };
  warnafter?: number;
}

export interface ServiceAccountTokens {
  issuer: string;
  audiences: string[];
  /** Key id (the `kid` header): the unpadded base64url SHA-256 of the public key's DER, as upstream computes it. */
  keyId: string;
  publicKeyPem: string;
  /** Signs a token valid until `expiresAt`; `warnAfter` marks a token whose lifetime was extended for old clients. */
  issue(subject: TokenSubject, audiences: string[], expiresAt: Date, warnAfter?: Date, now?: Date): Promise<string>;
  /** Accepts this issuer's unexpired tokens for one of the API audiences. */
  authenticator: TokenAuthenticator;
}

export interface ServiceAccountTokenOptions {
  issuer?: string;
  audiences?: string[];
  /**
   * Whether the objects a token names still exist (service account, pod, ...), checked on every
   * authentication: return a reason to refuse, or undefined. Optional because it must be
   * synchronous (a watch-fed cache); without it a token is good until it expires.
   */
  stillValid?: (claim: KubernetesClaim) => string | undefined;
  now?: () => number;
}

export async function loadServiceAccountTokens(dataDir: string, opts: ServiceAccountTokenOptions = {}): Promise<ServiceAccountTokens> {
  const issuer = opts.issuer ?? DEFAULT_ISSUER;
  const audiences = opts.audiences ?? DEFAULT_API_AUDIENCES;
  const now = opts.now ?? Date.now;
  const dir = join(dataDir, 'server', 'tls');
  const keyFile = join(dir, 'service.key');
  if (!existsSync(keyFile)) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const { privateKey } = await promisify(generateKeyPair)('rsa', {
      modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' },
    });
    writeFileAtomic(keyFile, privateKey, 0o600);
  }
  const pem = readFileSync(keyFile, 'utf8');
  // jose signs; it is loaded with the first token issued, not at every start.
  let signer: Promise<{ jose: typeof import('jose'); key: CryptoKey }> | undefined;
  const loadSigner = () => (signer ??= import('jose').then(async (jose) => ({ jose, key: await jose.importPKCS8(pem, ALG) })));
  const publicKey = createPublicKey(pem);
  const der = publicKey.export({ type: 'spki', format: 'der' });
  const keyId = createHash('sha256').update(der).digest('base64url');

  return {
    issuer, audiences, keyId,
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }) as string,
    async issue(subject, auds, expiresAt, warnAfter, issuedAt = new Date(now())) {
      const claim: KubernetesClaim = { namespace: subject.namespace, serviceaccount: subject.serviceAccount };
      if (subject.pod) claim.pod = subject.pod;
      if (subject.secret) claim.secret = subject.secret;
      if (subject.node) claim.node = subject.node;
      if (warnAfter && warnAfter.getTime() !== expiresAt.getTime()) claim.warnafter = seconds(warnAfter);
      const { jose, key } = await loadSigner();
      return new jose.SignJWT({ 'kubernetes.io': claim })
        .setProtectedHeader({ alg: ALG, kid: keyId })
        .setIssuer(issuer)
        .setSubject(`system:serviceaccount:${subject.namespace}:${subject.serviceAccount.name}`)
        .setAudience(auds)
        .setIssuedAt(seconds(issuedAt))
        .setNotBefore(seconds(issuedAt))
        .setExpirationTime(seconds(expiresAt))
        .setJti(randomUUID())
        .sign(key);
    },
    authenticator: { authenticate: (token) => authenticateToken(token, { issuer, audiences, publicKey, stillValid: opts.stillValid, now }) },
  };
}

function seconds(d: Date): number {
  return Math.floor(d.getTime() / 1000);
}

interface VerifyContext {
  issuer: string;
  audiences: string[];
  publicKey: KeyObject;
  stillValid?: (claim: KubernetesClaim) => string | undefined;
  now: () => number;
}

// Synchronous because the TokenAuthenticator contract is: node:crypto checks the signature.
function authenticateToken(token: string, ctx: VerifyContext): UserInfo | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  let payload: JWTPayload;
  try {
    if ((jwtPart(parts[0]) as { alg?: unknown }).alg !== ALG) return undefined;
    payload = jwtPart(parts[1]) as JWTPayload;
  } catch {
    return undefined;
  }
  // Another issuer's token may be some other authenticator's: only ours are checked further.
  if (payload.iss !== ctx.issuer) return undefined;
  const signed = verify('RSA-SHA256', Buffer.from(`${parts[0]}.${parts[1]}`), ctx.publicKey, Buffer.from(parts[2], 'base64url'));
  if (!signed) return undefined;
  const nowSec = ctx.now() / 1000;
  if (typeof payload.exp !== 'number' || payload.exp <= nowSec) return undefined;
  // A minute of clock skew, as upstream's validator allows.
  if (typeof payload.nbf === 'number' && payload.nbf > nowSec + 60) return undefined;
  const aud = Array.isArray(payload.aud) ? payload.aud : payload.aud ? [payload.aud] : [];
  if (!aud.some((a) => ctx.audiences.includes(a))) return undefined;
  const claim = payload['kubernetes.io'] as KubernetesClaim | undefined;
  const m = /^system:serviceaccount:([^:]+):([^:]+)$/.exec(payload.sub ?? '');
  if (!claim || !m || claim.namespace !== m[1] || claim.serviceaccount?.name !== m[2]) return undefined;
  if (ctx.stillValid?.(claim)) return undefined;
  return {
    name: payload.sub!,
    uid: claim.serviceaccount.uid,
    groups: ['system:serviceaccounts', `system:serviceaccounts:${claim.namespace}`],
  };
}

/** A JWT header or payload: base64url-encoded JSON object. */
function jwtPart(part: string): object {
  const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new Error('not a JSON object');
  return value;
}
