// serviceaccounts/token: the TokenRequest API (`kubectl create token`, the kubelet's projected
// tokens). Issues a signed JWT for the service account, optionally bound to a Pod, Secret or Node
// so it names that object, with upstream's defaults, validation and messages.
import type { TokenRequest } from 'kubernetes-types/authentication/v1';
import type { KObject } from '../../api/types.ts';
import { ApiError, badRequest, conflict, invalid } from '../../machinery/errors.ts';
import { invalidValue } from '../../machinery/validation.ts';
import { rfc3339 } from '../../machinery/meta.ts';
import type { GenericRegistry } from '../generic-registry.ts';
import type { ResourceIndex } from '../resource-index.ts';
import type { ServiceAccountTokens, TokenSubject } from '../serviceaccount-tokens.ts';

const DEFAULT_EXPIRATION_SECONDS = 3600;
const MIN_EXPIRATION_SECONDS = 600;
const MAX_EXPIRATION_SECONDS = 2 ** 32;
/** The lifetime the ServiceAccount admission plugin asks for: such pod-bound tokens are extended to a year (old clients never re-read them). */
export const WARN_ONLY_EXPIRATION_SECONDS = 3607;
const EXTENDED_EXPIRATION_SECONDS = 365 * 24 * 3600;

interface Named { metadata?: { name?: string; uid?: string }; spec?: { serviceAccountName?: string; nodeName?: string } }

export async function requestServiceAccountToken(registry: GenericRegistry, index: ResourceIndex, tokens: ServiceAccountTokens,
  namespace: string, name: string, body: KObject, now: Date = new Date()): Promise<KObject> {
  const req = structuredClone(body) as unknown as TokenRequest;
  const meta = req.metadata ?? {};
  if (meta.name && meta.name !== name) {
    throw invalid('TokenRequest', 'authentication.k8s.io', name, [invalidValue('metadata.name', meta.name, 'must match the service account name if specified')]);
  }
  if (meta.namespace && meta.namespace !== namespace) {
    throw invalid('TokenRequest', 'authentication.k8s.io', name, [invalidValue('metadata.namespace', meta.namespace, 'must match the service account namespace if specified')]);
  }
  const get = (plural: string, ns: string | undefined, objName: string) => registry.get(index.lookup('', 'v1', plural)!, ns, objName) as Promise<KObject & Named>;
  const account = await get('serviceaccounts', namespace, name);

  const spec = { ...(req.spec ?? {}) } as TokenRequest['spec'];
  if (!spec.audiences?.length) spec.audiences = [...tokens.audiences];
  if (!spec.expirationSeconds) spec.expirationSeconds = DEFAULT_EXPIRATION_SECONDS;
  const errs = [];
  if (spec.expirationSeconds < MIN_EXPIRATION_SECONDS) errs.push(invalidValue('spec.expirationSeconds', spec.expirationSeconds, 'may not specify a duration less than 10 minutes'));
  if (spec.expirationSeconds > MAX_EXPIRATION_SECONDS) errs.push(invalidValue('spec.expirationSeconds', spec.expirationSeconds, 'may not specify a duration larger than 2^32 seconds'));
  if (errs.length) throw invalid('TokenRequest', 'authentication.k8s.io', '', errs);

  const subject: TokenSubject = { namespace, serviceAccount: { name, uid: account.metadata?.uid ?? '' } };
  const ref = spec.boundObjectRef;
  let boundToPod = false;
  if (ref) {
    const [group] = (ref.apiVersion ?? '').includes('/') ? (ref.apiVersion ?? '').split('/') : [''];
    const refName = ref.name ?? '';
    let uid: string | undefined;
    if (group === '' && ref.kind === 'Pod') {
      const pod = await get('pods', namespace, refName);
      if (pod.spec?.serviceAccountName !== name) {
        throw badRequest(`cannot bind token for serviceaccount "${name}" to pod running with different serviceaccount name.`);
      }
      uid = pod.metadata?.uid;
      subject.pod = { name: refName, uid: uid ?? '' };
      boundToPod = true;
      // The node the pod runs on is named too, when it can be read (upstream ignores a missing one).
      const nodeName = pod.spec?.nodeName;
      if (nodeName) {
        const node = await get('nodes', undefined, nodeName).catch(() => undefined);
        if (node) subject.node = { name: nodeName, uid: node.metadata?.uid ?? '' };
      }
    } else if (group === '' && ref.kind === 'Secret') {
      const secret = await get('secrets', namespace, refName);
      uid = secret.metadata?.uid;
      subject.secret = { name: refName, uid: uid ?? '' };
    } else if (group === '' && ref.kind === 'Node') {
      const node = await get('nodes', undefined, refName);
      uid = node.metadata?.uid;
      subject.node = { name: refName, uid: uid ?? '' };
    } else {
      throw badRequest(`cannot bind token to object of type ${ref.apiVersion ?? ''}, Kind=${ref.kind ?? ''}`);
    }
    if (ref.uid && ref.uid !== uid) {
      throw conflict({ group, resource: ref.kind ?? '' }, refName,
        `the UID in the bound object reference (${ref.uid}) does not match the UID in record. The object might have been deleted and then recreated`);
    }
  }

  let expiresAt = new Date(now.getTime() + spec.expirationSeconds * 1000);
  const warnAfter = expiresAt;
  if (boundToPod && spec.expirationSeconds === WARN_ONLY_EXPIRATION_SECONDS && spec.audiences.every((a) => tokens.audiences.includes(a))) {
    expiresAt = new Date(now.getTime() + EXTENDED_EXPIRATION_SECONDS * 1000);
  }
  let token: string;
  try {
    token = await tokens.issue(subject, spec.audiences, expiresAt, warnAfter, now);
  } catch (err) {
    throw new ApiError(500, 'InternalError', `failed to generate token: ${(err as Error).message}`);
  }
  return {
    kind: 'TokenRequest', apiVersion: 'authentication.k8s.io/v1',
    metadata: { name, namespace, creationTimestamp: rfc3339(now) },
    spec: { audiences: spec.audiences, expirationSeconds: spec.expirationSeconds, boundObjectRef: ref ?? null },
    status: { token, expirationTimestamp: rfc3339(expiresAt) },
  } as unknown as KObject;
}
