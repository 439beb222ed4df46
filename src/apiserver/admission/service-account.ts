// ServiceAccount admission, as upstream: a new pod runs as a service account (`default` unless it
// names one), which must exist; unless automounting is turned off (on the pod or the account),
// every container gets the `kube-api-access-<random>` projected volume — a bound token, the
// cluster CA and the namespace — at /var/run/secrets/kubernetes.io/serviceaccount. Pods without
// imagePullSecrets inherit the account's. Mirror pods may reference neither accounts nor secrets.
import type { Container, Pod, ServiceAccount, Volume } from 'kubernetes-types/core/v1';
import type { AdmissionAttributes, AdmissionPlugin } from '../admission.ts';
import { forbidden } from '../../machinery/errors.ts';
import { randomNameSuffix } from '../../machinery/meta.ts';

export const DEFAULT_SERVICE_ACCOUNT = 'default';
export const TOKEN_VOLUME_PREFIX = 'kube-api-access-';
export const TOKEN_MOUNT_PATH = '/var/run/secrets/kubernetes.io/serviceaccount';
const MIRROR_POD_ANNOTATION = 'kubernetes.io/config.mirror';
const ENFORCE_MOUNTABLE_SECRETS = 'kubernetes.io/enforce-mountable-secrets';
/** The token lifetime asked for: the API server extends such pod-bound tokens (see serviceaccount-token.ts). */
const TOKEN_EXPIRATION_SECONDS = 3607;

export interface ServiceAccountAdmissionOptions {
  /** The service account, or undefined when it does not exist. */
  getServiceAccount(namespace: string, name: string): Promise<ServiceAccount | undefined>;
  /** Waits between lookups of a `default` account the controller may not have created yet (upstream: 100–200 ms, 10 tries). */
  retryDelayMs?: () => number;
  generateSuffix?: () => string;
}

export function serviceAccountAdmission(opts: ServiceAccountAdmissionOptions): AdmissionPlugin {
  const delay = opts.retryDelayMs ?? (() => 100 + Math.floor(Math.random() * 100));
  const suffix = opts.generateSuffix ?? (() => randomNameSuffix(5));

  async function lookUp(a: AdmissionAttributes, namespace: string, name: string): Promise<ServiceAccount> {
    // The `default` account is made by a controller just after its namespace: give it a moment.
    const attempts = name === DEFAULT_SERVICE_ACCOUNT ? 10 : 1;
    for (let i = 0; i < attempts; i++) {
      if (i > 0) await new Promise((r) => setTimeout(r, delay()));
      const sa = await opts.getServiceAccount(namespace, name);
      if (sa) return sa;
    }
    throw refuse(a, `error looking up service account ${namespace}/${name}: serviceaccount "${name}" not found`);
  }

  return {
    name: 'ServiceAccount',
    async admit(a) {
      const pod = podOf(a);
      if (!pod) return;
      if (isMirror(pod)) return checkMirrorPod(a, pod);
      const spec = pod.spec!;
      if (!spec.serviceAccountName) spec.serviceAccountName = DEFAULT_SERVICE_ACCOUNT;
      const namespace = a.namespace ?? pod.metadata?.namespace ?? 'default';
      const sa = await lookUp(a, namespace, spec.serviceAccountName);
      if (shouldAutomount(sa, pod)) mountToken(pod, suffix);
      if (!spec.imagePullSecrets?.length && sa.imagePullSecrets?.length) {
        spec.imagePullSecrets = sa.imagePullSecrets.map((s) => ({ name: s.name }));
      }
      checkMountableSecrets(a, sa, pod);
    },
    validate(a) {
      const pod = podOf(a);
      if (pod && isMirror(pod)) checkMirrorPod(a, pod);
    },
  };
}

function podOf(a: AdmissionAttributes): Pod | undefined {
  if (a.operation !== 'CREATE' || a.subresource || a.def.group !== '' || a.def.plural !== 'pods') return undefined;
  const pod = a.object as Pod | undefined;
  if (!pod || typeof pod.spec !== 'object' || pod.spec === null || Array.isArray(pod.spec)) return undefined;
  return pod;
}

function isMirror(pod: Pod): boolean {
  return !!pod.metadata?.annotations && MIRROR_POD_ANNOTATION in pod.metadata.annotations;
}

function refuse(a: AdmissionAttributes, why: string) {
  return forbidden({ group: '', resource: 'pods' }, a.name || a.object?.metadata?.name || '', why);
}

function checkMirrorPod(a: AdmissionAttributes, pod: Pod): void {
  const spec = pod.spec!;
  if (spec.serviceAccountName) throw refuse(a, 'a mirror pod may not reference service accounts');
  if (secretNames(pod).length) throw refuse(a, 'a mirror pod may not reference secrets');
  if ((spec.volumes ?? []).some((v) => v.projected?.sources?.some((s) => s.serviceAccountToken))) {
    throw refuse(a, 'a mirror pod may not use ServiceAccountToken volume projections');
  }
}

function shouldAutomount(sa: ServiceAccount, pod: Pod): boolean {
  // The pod's preference wins, then the account's; on by default.
  return pod.spec?.automountServiceAccountToken ?? sa.automountServiceAccountToken ?? true;
}

function mountToken(pod: Pod, suffix: () => string): void {
  const spec = pod.spec!;
  const existing = (spec.volumes ?? []).find((v) => v?.name?.startsWith(TOKEN_VOLUME_PREFIX));
  const name = existing?.name ?? TOKEN_VOLUME_PREFIX + suffix();
  let needed = false;
  const addMount = (c: Container) => {
    if ((c.volumeMounts ?? []).some((m) => m.mountPath === TOKEN_MOUNT_PATH)) return;
    c.volumeMounts = [...(c.volumeMounts ?? []), { name, readOnly: true, mountPath: TOKEN_MOUNT_PATH }];
    needed = true;
  };
  for (const c of spec.initContainers ?? []) if (c && typeof c === 'object') addMount(c);
  for (const c of spec.containers ?? []) if (c && typeof c === 'object') addMount(c);
  if (needed && !existing) spec.volumes = [...(spec.volumes ?? []), tokenVolume(name)];
}

export function tokenVolume(name: string): Volume {
  return {
    name,
    projected: {
      defaultMode: 0o644,
      sources: [
        { serviceAccountToken: { expirationSeconds: TOKEN_EXPIRATION_SECONDS, path: 'token' } },
        { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
      ],
    },
  };
}

/** Secrets a pod names: secret volumes and projections, env and envFrom, image pull secrets. */
function secretNames(pod: Pod): string[] {
  const spec = pod.spec!;
  const names: string[] = [];
  for (const v of spec.volumes ?? []) {
    if (v?.secret?.secretName) names.push(v.secret.secretName);
    for (const s of v?.projected?.sources ?? []) if (s.secret?.name) names.push(s.secret.name);
  }
  for (const c of [...(spec.initContainers ?? []), ...(spec.containers ?? [])]) {
    for (const e of c?.env ?? []) if (e.valueFrom?.secretKeyRef?.name) names.push(e.valueFrom.secretKeyRef.name);
    for (const e of c?.envFrom ?? []) if (e.secretRef?.name) names.push(e.secretRef.name);
  }
  for (const s of spec.imagePullSecrets ?? []) if (s?.name) names.push(s.name);
  return names;
}

/** An account annotated kubernetes.io/enforce-mountable-secrets=true limits pods to the secrets it lists. */
function checkMountableSecrets(a: AdmissionAttributes, sa: ServiceAccount, pod: Pod): void {
  if (sa.metadata?.annotations?.[ENFORCE_MOUNTABLE_SECRETS] !== 'true') return;
  const spec = pod.spec!;
  const mountable = new Set((sa.secrets ?? []).map((s) => s.name));
  const account = sa.metadata?.name ?? '';
  for (const v of spec.volumes ?? []) {
    const name = v?.secret?.secretName;
    if (name && !mountable.has(name)) {
      throw refuse(a, `volume with secret.secretName="${name}" is not allowed because service account ${account} does not reference that secret`);
    }
  }
  const check = (kind: string, c: Container) => {
    for (const e of c.env ?? []) {
      const name = e.valueFrom?.secretKeyRef?.name;
      if (name && !mountable.has(name)) {
        throw refuse(a, `${kind} ${c.name} with envVar ${e.name} referencing secret.secretName="${name}" is not allowed because service account ${account} does not reference that secret`);
      }
    }
  };
  for (const c of spec.initContainers ?? []) check('init container', c);
  for (const c of spec.containers ?? []) check('container', c);
  const pullable = new Set((sa.imagePullSecrets ?? []).map((s) => s.name));
  (spec.imagePullSecrets ?? []).forEach((s, i) => {
    if (!pullable.has(s.name)) {
      throw refuse(a, `imagePullSecrets[${i}].name="${s.name}" is not allowed because service account ${account} does not reference that imagePullSecret`);
    }
  });
}
