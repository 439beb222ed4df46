// Tokens for `serviceAccountToken` projections: a TokenRequest bound to the pod, kept in memory
// and renewed as upstream's kubelet token manager does (once 80% of its life or 24 hours have
// passed), so a refresh between renewals rewrites nothing.
import type { Pod, ServiceAccountTokenProjection } from 'kubernetes-types/core/v1';
import type { TokenRequest } from 'kubernetes-types/authentication/v1';
import type { Client } from '../../../client/client.ts';
import type { KObject } from '../../../api/types.ts';
import { ApiError } from '../../../machinery/errors.ts';

const MAX_TOKEN_AGE_MS = 24 * 3600 * 1000;

interface CachedToken { token: string; issuedAt: number; expiresAt: number }

/** podUid → cache key → token. */
const cache = new Map<string, Map<string, CachedToken>>();

export async function serviceAccountToken(client: Client, pod: Pod, source: ServiceAccountTokenProjection, now: () => number = Date.now): Promise<string> {
  const uid = pod.metadata?.uid ?? '';
  const namespace = pod.metadata?.namespace ?? 'default';
  const account = pod.spec?.serviceAccountName || 'default';
  const audiences = source.audience ? [source.audience] : [];
  const expirationSeconds = source.expirationSeconds ?? 3600;
  const key = JSON.stringify([namespace, account, audiences, expirationSeconds]);
  const forPod = cache.get(uid) ?? new Map<string, CachedToken>();
  const cached = forPod.get(key);
  if (cached && !needsRenewal(cached, now())) return cached.token;

  const request: TokenRequest & KObject = {
    apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', metadata: {},
    spec: { audiences, expirationSeconds, boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: pod.metadata?.name, uid } },
  };
  let answer: TokenRequest;
  try {
    // The token subresource acts rather than stores, as pods/binding does.
    answer = await client.resource('', 'v1', 'serviceaccounts')
      .createSubresource(account, 'token', request, { namespace }) as unknown as TokenRequest;
  } catch (err) {
    // A token cannot be had: keep serving the one we have while it is still valid.
    if (cached && cached.expiresAt > now()) return cached.token;
    if (err instanceof ApiError) throw new Error(`failed to fetch token: ${err.message}`);
    throw err;
  }
  const token = answer.status?.token;
  if (!token) throw new Error('failed to fetch token: the TokenRequest answer has no token');
  const issuedAt = now();
  const expiresAt = answer.status?.expirationTimestamp ? Date.parse(answer.status.expirationTimestamp) : issuedAt + expirationSeconds * 1000;
  forPod.set(key, { token, issuedAt, expiresAt });
  cache.set(uid, forPod);
  return token;
}

function needsRenewal(t: CachedToken, now: number): boolean {
  if (now >= t.expiresAt) return true;
  if (now - t.issuedAt > MAX_TOKEN_AGE_MS) return true;
  return now > t.issuedAt + 0.8 * (t.expiresAt - t.issuedAt);
}

/** Forgets a pod's tokens (on tear-down). */
export function forgetPodTokens(podUid: string): void {
  cache.delete(podUid);
}
