// Pod spec defaults and validation, shared by Pod and every kind with a pod template
// (Deployment, ReplicaSet, StatefulSet, DaemonSet, Job, CronJob, PodTemplate ...).
//
// Defaults follow upstream's core/v1 defaulting (SetDefaults_PodSpec, _Container, _Probe, _Volume
// and the generated per-field defaults); validation follows ValidatePodSpec in the order upstream
// runs its checks, with upstream's field paths and message texts. Input is untrusted JSON, so
// every walk checks shapes before it looks inside and never throws.
import type { PodSpec, PodTemplateSpec } from 'kubernetes-types/core/v1';
import type { LabelSelector } from 'kubernetes-types/meta/v1';
import { validateLabelSelector } from '../../common/label-selector-rules.ts';
import {
  FieldError, duplicate, forbiddenField, invalidValue, isDNS1123Label,
  isDNS1123Subdomain, isQualifiedName, isValidLabelValue, notSupported, required, tooLong,
  validateAnnotations, validateLabels,
} from '../../../machinery/validation.ts';
import {
  type Quantity, QuantityError, add, cmp, formatQuantity, milliValue, parseQuantity, value as quantityValue,
} from '../../../machinery/quantity.ts';
import { isConfigMapKey } from './core-rules.ts';

/** Untrusted JSON object: what arrives over the wire before anything is known about it. */
type Json = Record<string, any>;

const isObj = (x: unknown): x is Json => typeof x === 'object' && x !== null && !Array.isArray(x);
const arr = (x: unknown): unknown[] => (Array.isArray(x) ? x : []);
const str = (x: unknown): string => (typeof x === 'string' ? x : '');
const num = (x: unknown): number => (typeof x === 'number' ? x : 0);
const MAX_INT32 = 2147483647;

// =============================================================================================
// Defaults
// =============================================================================================

/** Upstream defaults for a pod spec (restartPolicy, dnsPolicy, containers' imagePullPolicy ...), in place. */
export function defaultPodSpec(spec: PodSpec): void {
  if (!isObj(spec)) return;
  const s = spec as Json;
  if (!s.dnsPolicy) s.dnsPolicy = 'ClusterFirst';
  if (!s.restartPolicy) s.restartPolicy = 'Always';
  if (s.securityContext == null) s.securityContext = {};
  if (s.terminationGracePeriodSeconds == null) s.terminationGracePeriodSeconds = 30;
  if (!s.schedulerName) s.schedulerName = 'default-scheduler';
  for (const v of arr(s.volumes)) if (isObj(v)) defaultVolume(v);
  for (const c of arr(s.initContainers)) if (isObj(c)) defaultContainer(c);
  for (const c of arr(s.containers)) if (isObj(c)) defaultContainer(c);
  for (const c of arr(s.ephemeralContainers)) if (isObj(c)) defaultContainer(c);
  defaultResourceList(s, 'overhead');
}

/** Defaults for a pod template (its spec), in place. */
export function defaultPodTemplateSpec(template: PodTemplateSpec | undefined): void {
  if (isObj(template) && isObj(template.spec)) defaultPodSpec(template.spec);
}

/**
 * The pull policy upstream picks when none is given: Always for `:latest` or no tag at all,
 * IfNotPresent otherwise (a digest counts as pinning, and so does a name that does not parse).
 */
export function defaultPullPolicy(image: unknown): 'Always' | 'IfNotPresent' {
  const ref = parseImageReference(str(image));
  if (!ref) return 'IfNotPresent';
  const tag = ref.tag ?? (ref.digest ? '' : 'latest');
  return tag === 'latest' ? 'Always' : 'IfNotPresent';
}

function defaultContainer(c: Json): void {
  if (!c.imagePullPolicy) c.imagePullPolicy = defaultPullPolicy(c.image);
  if (!c.terminationMessagePath) c.terminationMessagePath = '/dev/termination-log';
  if (!c.terminationMessagePolicy) c.terminationMessagePolicy = 'File';
  // Go serialises the (non-pointer) resources struct even when empty.
  if (c.resources == null) c.resources = {};
  if (isObj(c.resources)) {
    defaultResourceList(c.resources, 'limits');
    defaultResourceList(c.resources, 'requests');
  }
  for (const p of arr(c.ports)) if (isObj(p) && !p.protocol) p.protocol = 'TCP';
  for (const e of arr(c.env)) {
    if (!isObj(e) || !isObj(e.valueFrom)) continue;
    if (isObj(e.valueFrom.fieldRef)) defaultFieldRef(e.valueFrom.fieldRef);
    const ref = e.valueFrom.resourceFieldRef;
    if (isObj(ref) && ref.divisor != null) canonicalQuantity(ref, 'divisor');
  }
  for (const name of ['livenessProbe', 'readinessProbe', 'startupProbe']) if (isObj(c[name])) defaultProbe(c[name]);
  if (isObj(c.lifecycle)) {
    for (const hook of ['postStart', 'preStop']) {
      const h = c.lifecycle[hook];
      if (isObj(h) && isObj(h.httpGet)) defaultHTTPGet(h.httpGet);
    }
  }
}

function defaultProbe(p: Json): void {
  // Zero means "unset" for these (upstream's int32 fields cannot tell 0 from absent).
  if (!p.timeoutSeconds) p.timeoutSeconds = 1;
  if (!p.periodSeconds) p.periodSeconds = 10;
  if (!p.successThreshold) p.successThreshold = 1;
  if (!p.failureThreshold) p.failureThreshold = 3;
  if (isObj(p.httpGet)) defaultHTTPGet(p.httpGet);
  if (isObj(p.grpc) && p.grpc.service == null) p.grpc.service = '';
}

function defaultHTTPGet(h: Json): void {
  if (!h.path) h.path = '/';
  if (!h.scheme) h.scheme = 'HTTP';
}

function defaultFieldRef(f: Json): void {
  if (!f.apiVersion) f.apiVersion = 'v1';
}

/** Every volume source key, in the order upstream checks them. */
const VOLUME_SOURCES = [
  'emptyDir', 'hostPath', 'gitRepo', 'gcePersistentDisk', 'awsElasticBlockStore', 'secret', 'nfs', 'iscsi',
  'glusterfs', 'flocker', 'persistentVolumeClaim', 'rbd', 'cinder', 'cephfs', 'quobyte', 'downwardAPI', 'fc',
  'flexVolume', 'configMap', 'azureFile', 'vsphereVolume', 'photonPersistentDisk', 'portworxVolume', 'azureDisk',
  'storageos', 'projected', 'scaleIO', 'csi', 'ephemeral', 'image',
] as const;

const FILE_MODE_DEFAULT = 0o644; // 420

function defaultVolume(v: Json): void {
  if (!VOLUME_SOURCES.some((k) => v[k] != null)) v.emptyDir = {};
  if (isObj(v.emptyDir) && v.emptyDir.sizeLimit != null) canonicalQuantity(v.emptyDir, 'sizeLimit');
  if (isObj(v.hostPath) && v.hostPath.type == null) v.hostPath.type = '';
  for (const k of ['secret', 'configMap', 'downwardAPI', 'projected']) {
    if (isObj(v[k]) && v[k].defaultMode == null) v[k].defaultMode = FILE_MODE_DEFAULT;
  }
  if (isObj(v.downwardAPI)) defaultDownwardAPIItems(v.downwardAPI.items);
  if (isObj(v.projected)) {
    for (const src of arr(v.projected.sources)) {
      if (!isObj(src)) continue;
      if (isObj(src.downwardAPI)) defaultDownwardAPIItems(src.downwardAPI.items);
      if (isObj(src.serviceAccountToken) && src.serviceAccountToken.expirationSeconds == null) {
        src.serviceAccountToken.expirationSeconds = 3600;
      }
    }
  }
  if (isObj(v.iscsi) && v.iscsi.iscsiInterface == null) v.iscsi.iscsiInterface = 'default';
  if (isObj(v.rbd)) {
    v.rbd.pool ??= 'rbd';
    v.rbd.user ??= 'admin';
    v.rbd.keyring ??= '/etc/ceph/keyring';
  }
  if (isObj(v.azureDisk)) {
    v.azureDisk.cachingMode ??= 'ReadWrite';
    v.azureDisk.fsType ??= 'ext4';
    v.azureDisk.readOnly ??= false;
    v.azureDisk.kind ??= 'Shared';
  }
  if (isObj(v.scaleIO)) {
    v.scaleIO.storageMode ??= 'ThinProvisioned';
    v.scaleIO.fsType ??= 'xfs';
  }
  const claim = isObj(v.ephemeral) ? v.ephemeral.volumeClaimTemplate : undefined;
  if (isObj(claim) && isObj(claim.spec)) {
    claim.spec.volumeMode ??= 'Filesystem';
    if (isObj(claim.spec.resources)) {
      defaultResourceList(claim.spec.resources, 'limits');
      defaultResourceList(claim.spec.resources, 'requests');
    }
  }
}

function defaultDownwardAPIItems(items: unknown): void {
  for (const item of arr(items)) {
    if (!isObj(item)) continue;
    if (isObj(item.fieldRef)) defaultFieldRef(item.fieldRef);
    if (isObj(item.resourceFieldRef) && item.resourceFieldRef.divisor != null) canonicalQuantity(item.resourceFieldRef, 'divisor');
  }
}

/**
 * Upstream stores every quantity in canonical form ("1000m" becomes "1", "1024Mi" becomes "1Gi")
 * and rounds resource lists up to milli precision ("0.0001" becomes "1m"). What does not parse is
 * left for validation to report.
 */
function defaultResourceList(holder: Json, key: string): void {
  const list = holder[key];
  if (!isObj(list)) return;
  for (const name of Object.keys(list)) canonicalQuantity(list, name, true);
}

function canonicalQuantity(holder: Json, key: string, roundUpToMilli = false): void {
  let q = quantityOf(holder[key]);
  if (!q) return;
  const milli = 1_000_000n;
  if (roundUpToMilli && q.nanos % milli !== 0n) {
    // Rounded away from zero; the written text no longer describes it.
    const whole = q.nanos / milli;
    q = { nanos: (q.nanos < 0n ? whole - 1n : whole + 1n) * milli, format: q.format };
  }
  holder[key] = formatQuantity(q);
}

/** The quantity a JSON value holds (a string, or a number taken by its text), if it parses. */
function quantityOf(v: unknown): Quantity | undefined {
  if (typeof v !== 'string' && !(typeof v === 'number' && Number.isFinite(v))) return undefined;
  try {
    return parseQuantity(v);
  } catch {
    return undefined;
  }
}

// =============================================================================================
// Image references (enough of distribution/reference to find the tag as upstream does)
// =============================================================================================

const ALNUM = '[a-z0-9]+';
const SEPARATOR = '(?:[._]|__|[-]+)';
const PATH_COMPONENT = `${ALNUM}(?:${SEPARATOR}${ALNUM})*`;
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = `(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?`;
const TAG = '[\\w][\\w.-]{0,127}';
const DIGEST = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}';
const REFERENCE = new RegExp(`^((?:${DOMAIN}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*)(?::(${TAG}))?(?:@(${DIGEST}))?$`);
const IDENTIFIER = /^[a-f0-9]{64}$/;

/** Name, tag and digest of an image reference, or undefined when it does not parse. */
export function parseImageReference(image: string): { name: string; tag?: string; digest?: string } | undefined {
  if (IDENTIFIER.test(image)) return undefined;
  const m = REFERENCE.exec(image);
  if (!m || m[1].length > 255) return undefined;
  return { name: m[1], tag: m[2], digest: m[3] };
}

// =============================================================================================
// Validation
// =============================================================================================

export interface PodSpecValidationOptions {
  /** The spec is a Pod's own (not a template's): hostPort must equal containerPort under hostNetwork. */
  resourceIsPod?: boolean;
  /** The pod's name when known, to check the names of PVCs that generic ephemeral volumes create. */
  podName?: string;
}

/** Upstream validation of a pod spec; `path` is where it sits (e.g. "spec" or "spec.template.spec"). */
export function validatePodSpec(spec: PodSpec | undefined, path: string): FieldError[] {
  return validatePodSpecWith(spec, path, {});
}

/** Validation of a pod template (metadata labels/annotations and spec) at `path` (e.g. "spec.template"). */
export function validatePodTemplateSpec(template: PodTemplateSpec | undefined, path: string): FieldError[] {
  const t: Json = isObj(template) ? template : {};
  const meta: Json = isObj(t.metadata) ? t.metadata : {};
  const errs: FieldError[] = [];
  errs.push(...validateLabels(meta.labels, `${path}.labels`));
  errs.push(...validateAnnotations(meta.annotations, `${path}.annotations`));
  errs.push(...validatePodSpecWith(t.spec, `${path}.spec`, {}));
  if (isObj(t.spec) && arr(t.spec.ephemeralContainers).length > 0) {
    errs.push(forbiddenField(`${path}.spec.ephemeralContainers`, 'ephemeral containers not allowed in pod template'));
  }
  return errs;
}

/** ValidatePodSpec with the options upstream passes for Pods. */
export function validatePodSpecWith(spec: PodSpec | undefined, path: string, opts: PodSpecValidationOptions): FieldError[] {
  let s: Json;
  if (isObj(spec)) s = spec;
  else {
    // A missing spec is decoded by upstream as an empty, defaulted one.
    s = {};
    defaultPodSpec(s as PodSpec);
  }
  const errs: FieldError[] = [];
  if (s.terminationGracePeriodSeconds == null) errs.push(required(`${path}.terminationGracePeriodSeconds`));
  const gracePeriod = typeof s.terminationGracePeriodSeconds === 'number' ? s.terminationGracePeriodSeconds : undefined;
  const hostUsers = !isObj(s.securityContext) || s.securityContext.hostUsers == null || s.securityContext.hostUsers === true;
  const restartPolicy = str(s.restartPolicy);

  const ctx: SpecContext = { volumes: new Map(), claimNames: new Set(), gracePeriod, restartPolicy, hostUsers };
  errs.push(...validateVolumes(s.volumes, `${path}.volumes`, ctx, opts.podName));
  for (const c of arr(s.resourceClaims)) if (isObj(c) && str(c.name)) ctx.claimNames.add(c.name);
  errs.push(...validatePodResourceClaims(s.resourceClaims, `${path}.resourceClaims`));
  errs.push(...validateContainers(s.containers, `${path}.containers`, ctx));
  errs.push(...validateInitContainers(s.initContainers, s.containers, `${path}.initContainers`, ctx));
  errs.push(...validateEphemeralContainers(s.ephemeralContainers, s.containers, s.initContainers, `${path}.ephemeralContainers`, ctx));
  errs.push(...validateHostNetworkDeps(s, path, opts));
  errs.push(...validateRestartPolicy(s.restartPolicy, `${path}.restartPolicy`));
  errs.push(...validateDNSPolicy(s.dnsPolicy, `${path}.dnsPolicy`));
  errs.push(...validateLabels(isObj(s.nodeSelector) ? s.nodeSelector : undefined, `${path}.nodeSelector`));
  errs.push(...validatePodSecurityContext(s, path));
  errs.push(...validateAffinity(s.affinity, `${path}.affinity`));
  errs.push(...validateDNSConfig(s.dnsConfig, str(s.dnsPolicy), `${path}.dnsConfig`));
  arr(s.readinessGates).forEach((g, i) => {
    errs.push(...qualifiedName(str(isObj(g) ? g.conditionType : ''), `${path}.readinessGates[${i}].conditionType`));
  });
  errs.push(...validateSchedulingGates(s.schedulingGates, `${path}.schedulingGates`));
  errs.push(...validateTopologySpreadConstraints(s.topologySpreadConstraints, `${path}.topologySpreadConstraints`));
  errs.push(...validateHostUsers(s, path));
  if (str(s.serviceAccountName)) errs.push(...nameErrors(s.serviceAccountName, `${path}.serviceAccountName`, isDNS1123Subdomain));
  if (str(s.nodeName)) errs.push(...nameErrors(s.nodeName, `${path}.nodeName`, isDNS1123Subdomain));
  if (s.activeDeadlineSeconds != null) {
    const v = num(s.activeDeadlineSeconds);
    if (v < 1 || v > MAX_INT32) errs.push(invalidValue(`${path}.activeDeadlineSeconds`, v, inclusiveRange(1, MAX_INT32)));
  }
  if (str(s.hostname)) errs.push(...dns1123Label(s.hostname, `${path}.hostname`));
  if (str(s.subdomain)) errs.push(...dns1123Label(s.subdomain, `${path}.subdomain`));
  if (arr(s.tolerations).length > 0) errs.push(...validateTolerations(s.tolerations, `${path}.tolerations`));
  arr(s.hostAliases).forEach((a, i) => {
    const alias: Json = isObj(a) ? a : {};
    errs.push(...validateIP(alias.ip, `${path}.hostAliases[${i}].ip`));
    arr(alias.hostnames).forEach((h, j) => errs.push(...dns1123Subdomain(str(h), `${path}.hostAliases[${i}].hostnames[${j}]`)));
  });
  if (str(s.priorityClassName)) errs.push(...nameErrors(s.priorityClassName, `${path}.priorityClassName`, isDNS1123Subdomain));
  if (s.runtimeClassName != null) errs.push(...nameErrors(str(s.runtimeClassName), `${path}.runtimeClassName`, isDNS1123Subdomain));
  if (s.preemptionPolicy != null) {
    const p = str(s.preemptionPolicy);
    if (p === '') errs.push(required(`${path}.preemptionPolicy`));
    else if (p !== 'PreemptLowerPriority' && p !== 'Never') {
      errs.push(notSupported(`${path}.preemptionPolicy`, s.preemptionPolicy, ['PreemptLowerPriority', 'Never']));
    }
  }
  if (s.overhead != null) errs.push(...validateResourceRequirements({ limits: s.overhead }, `${path}.overhead`, ctx));
  if (s.os != null) errs.push(...validateOS(s, path));
  return errs;
}

interface SpecContext {
  /** Valid volumes by name: mounts may only refer to these. */
  volumes: Map<string, Json>;
  claimNames: Set<string>;
  gracePeriod: number | undefined;
  restartPolicy: string;
  hostUsers: boolean;
}

// ---- small shared checks ---------------------------------------------------------------------

const inclusiveRange = (lo: number, hi: number) => `must be between ${lo} and ${hi}, inclusive`;
const NEGATIVE = 'must be greater than or equal to 0';
const FILE_MODE_MSG = 'must be a number between 0 and 0777 (octal), both inclusive';

function nameErrors(value: string, field: string, check: (v: string) => string[]): FieldError[] {
  return check(value).map((m) => invalidValue(field, value, m));
}
const dns1123Label = (v: string, f: string) => nameErrors(v, f, isDNS1123Label);
const dns1123Subdomain = (v: string, f: string) => nameErrors(v, f, isDNS1123Subdomain);
const qualifiedName = (v: string, f: string) => nameErrors(v, f, isQualifiedName);

/** Upstream's NameIsDNSSubdomain with prefix=true: a trailing dash is allowed (generateName). */
function subdomainPrefix(v: string): string[] {
  const masked = v.length > 1 && v.endsWith('-') ? `${v.slice(0, -2)}a` : v;
  return isDNS1123Subdomain(masked);
}

function nonNegative(value: unknown, field: string): FieldError[] {
  const v = num(value);
  return v < 0 ? [invalidValue(field, v, NEGATIVE)] : [];
}

function validateIP(value: unknown, field: string): FieldError[] {
  return isIPAddress(str(value)) ? [] : [invalidValue(field, str(value), 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)')];
}

/** Whether `s` is an IPv4 or IPv6 address as upstream's (sloppy) parser accepts it. */
export function isIPAddress(s: string): boolean {
  // Upstream parses "sloppily": IPv4 octets may carry leading zeros.
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (v4) return v4.slice(1).every((o) => Number(o) <= 255);
  if (!s.includes(':') || !/^[0-9a-fA-F:.]+$/.test(s)) return false;
  try {
    return new URL(`http://[${s}]/`).hostname.length > 0;
  } catch {
    return false;
  }
}

/** "must be a valid file mode" for defaultMode/mode fields. */
function fileMode(value: unknown, field: string): FieldError[] {
  if (value == null) return [];
  const v = num(value);
  return v > 0o777 || v < 0 ? [invalidValue(field, v, FILE_MODE_MSG)] : [];
}

// ---- paths ------------------------------------------------------------------------------------

function validateLocalDescendingPath(p: string, field: string): FieldError[] {
  const errs: FieldError[] = [];
  if (p.startsWith('/')) errs.push(invalidValue(field, p, 'must be a relative path'));
  errs.push(...validatePathNoBacksteps(p, field));
  return errs;
}

function validatePathNoBacksteps(p: string, field: string): FieldError[] {
  return p.split('/').includes('..') ? [invalidValue(field, p, "must not contain '..'")] : [];
}

function validateLocalNonReservedPath(p: string, field: string): FieldError[] {
  const errs = validateLocalDescendingPath(p, field);
  if (p.startsWith('..') && !p.startsWith('../')) errs.push(invalidValue(field, p, "must not start with '..'"));
  return errs;
}

// ---- volumes ----------------------------------------------------------------------------------

function validateVolumes(volumes: unknown, path: string, ctx: SpecContext, podName: string | undefined): FieldError[] {
  const errs: FieldError[] = [];
  const names = new Set<string>();
  // PVCs that this pod's generic ephemeral volumes will create: plain claims may not name them.
  const createdClaims = new Set<string>();
  if (podName) for (const v of arr(volumes)) if (isObj(v) && v.ephemeral != null) createdClaims.add(`${podName}-${str(v.name)}`);

  arr(volumes).forEach((raw, i) => {
    const vol: Json = isObj(raw) ? raw : {};
    const at = `${path}[${i}]`;
    const name = str(vol.name);
    const el = validateVolumeSource(vol, at, name, podName);
    if (name === '') el.push(required(`${at}.name`));
    else el.push(...dns1123Label(name, `${at}.name`));
    if (names.has(name)) el.push(duplicate(`${at}.name`, name));
    if (el.length === 0) {
      names.add(name);
      ctx.volumes.set(name, vol);
    } else errs.push(...el);
    if (isObj(vol.persistentVolumeClaim) && createdClaims.has(str(vol.persistentVolumeClaim.claimName))) {
      errs.push(invalidValue(`${at}.persistentVolumeClaim.claimName`, str(vol.persistentVolumeClaim.claimName),
        'must not reference a PVC that gets created for an ephemeral volume'));
    }
  });
  return errs;
}

/** Path segment upstream names a source by in "may not specify more than 1 volume type" (its Go field names, typo included). */
const SOURCE_FORBIDDEN_SEGMENT: Record<string, string> = { cephfs: 'cephFS', downwardAPI: 'downwarAPI' };

function validateVolumeSource(vol: Json, at: string, volName: string, podName: string | undefined): FieldError[] {
  const errs: FieldError[] = [];
  let count = 0;
  for (const key of VOLUME_SOURCES) {
    const src = vol[key];
    if (src == null) continue;
    if (count > 0) {
      errs.push(forbiddenField(`${at}.${SOURCE_FORBIDDEN_SEGMENT[key] ?? key}`, 'may not specify more than 1 volume type'));
      continue;
    }
    count++;
    errs.push(...validateOneSource(key, isObj(src) ? src : {}, at, volName, podName));
  }
  if (count === 0) errs.push(required(at, 'must specify a volume type'));
  return errs;
}

function requireFields(src: Json, fields: string[], at: string): FieldError[] {
  return fields.filter((f) => !str(src[f]) && !(Array.isArray(src[f]) && src[f].length)).map((f) => required(`${at}.${f}`));
}

function validateOneSource(key: string, src: Json, at: string, volName: string, podName: string | undefined): FieldError[] {
  const p = `${at}.${key}`;
  const errs: FieldError[] = [];
  switch (key) {
    case 'emptyDir': {
      const q = src.sizeLimit != null ? quantityOf(src.sizeLimit) : undefined;
      if (q && q.nanos < 0n) errs.push(forbiddenField(`${p}.sizeLimit`, 'SizeLimit field must be a valid resource quantity'));
      break;
    }
    case 'hostPath': {
      if (!str(src.path)) return [required(`${p}.path`)];
      errs.push(...validatePathNoBacksteps(str(src.path), `${p}.path`));
      const types = ['', 'BlockDevice', 'CharDevice', 'Directory', 'DirectoryOrCreate', 'File', 'FileOrCreate', 'Socket'];
      if (src.type != null && !types.includes(str(src.type))) errs.push(notSupported(`${p}.type`, src.type, types));
      break;
    }
    case 'gitRepo':
      errs.push(...requireFields(src, ['repository'], p));
      errs.push(...validateLocalDescendingPath(str(src.directory), `${p}.directory`));
      break;
    case 'gcePersistentDisk':
      // Upstream reports these under "persistentDisk".
      errs.push(...requireFields(src, ['pdName'], `${at}.persistentDisk`));
      if (num(src.partition) < 0 || num(src.partition) > 255) errs.push(invalidValue(`${at}.persistentDisk.partition`, num(src.partition), inclusiveRange(1, 255)));
      break;
    case 'awsElasticBlockStore':
      errs.push(...requireFields(src, ['volumeID'], p));
      if (num(src.partition) < 0 || num(src.partition) > 255) errs.push(invalidValue(`${p}.partition`, num(src.partition), inclusiveRange(1, 255)));
      break;
    case 'secret':
      errs.push(...requireFields(src, ['secretName'], p));
      errs.push(...fileMode(src.defaultMode, `${p}.defaultMode`));
      arr(src.items).forEach((kp, i) => errs.push(...validateKeyToPath(kp, `${p}.items[${i}]`)));
      break;
    case 'configMap':
      errs.push(...requireFields(src, ['name'], p));
      errs.push(...fileMode(src.defaultMode, `${p}.defaultMode`));
      arr(src.items).forEach((kp, i) => errs.push(...validateKeyToPath(kp, `${p}.items[${i}]`)));
      break;
    case 'nfs':
      errs.push(...requireFields(src, ['server', 'path'], p));
      if (!str(src.path).startsWith('/')) errs.push(invalidValue(`${p}.path`, str(src.path), 'must be an absolute path'));
      break;
    case 'iscsi': {
      errs.push(...requireFields(src, ['targetPortal', 'iqn'], p));
      const iqn = str(src.iqn);
      if (iqn && !/^(iqn|eui|naa)/.test(iqn)) errs.push(invalidValue(`${p}.iqn`, iqn, 'must be valid format starting with iqn, eui, or naa'));
      if (num(src.lun) < 0 || num(src.lun) > 255) errs.push(invalidValue(`${p}.lun`, num(src.lun), inclusiveRange(0, 255)));
      if ((src.chapAuthDiscovery || src.chapAuthSession) && src.secretRef == null) errs.push(required(`${p}.secretRef`));
      break;
    }
    case 'glusterfs':
      errs.push(...requireFields(src, ['endpoints', 'path'], p));
      break;
    case 'flocker':
      if (!str(src.datasetName) && !str(src.datasetUUID)) errs.push(required(p, 'one of datasetName and datasetUUID is required'));
      if (str(src.datasetName) && str(src.datasetUUID)) errs.push(invalidValue(p, 'resource', 'datasetName and datasetUUID can not be specified simultaneously'));
      if (str(src.datasetName).includes('/')) errs.push(invalidValue(`${p}.datasetName`, src.datasetName, "must not contain '/'"));
      break;
    case 'persistentVolumeClaim':
      errs.push(...requireFields(src, ['claimName'], p));
      break;
    case 'rbd':
      if (arr(src.monitors).length === 0) errs.push(required(`${p}.monitors`));
      errs.push(...requireFields(src, ['image'], p));
      break;
    case 'cinder':
      errs.push(...requireFields(src, ['volumeID'], p));
      if (isObj(src.secretRef) && !str(src.secretRef.name)) errs.push(required(`${p}.secretRef.name`));
      break;
    case 'cephfs':
      if (arr(src.monitors).length === 0) errs.push(required(`${p}.monitors`));
      break;
    case 'quobyte':
      if (!str(src.registry)) errs.push(required(`${p}.registry`, 'must be a host:port pair or multiple pairs separated by commas'));
      errs.push(...requireFields(src, ['volume'], p));
      break;
    case 'downwardAPI':
      errs.push(...fileMode(src.defaultMode, `${p}.defaultMode`));
      for (const f of arr(src.items)) errs.push(...validateDownwardAPIFile(f, p));
      break;
    case 'fc': {
      const wwns = arr(src.targetWWNs);
      const wwids = arr(src.wwids);
      if (wwns.length < 1 && wwids.length < 1) errs.push(required(`${p}.targetWWNs`, 'must specify either targetWWNs or wwids, but not both'));
      if (wwns.length && wwids.length) errs.push(invalidValue(`${p}.targetWWNs`, src.targetWWNs, 'targetWWNs and wwids can not be specified simultaneously'));
      if (wwns.length) {
        if (src.lun == null) errs.push(required(`${p}.lun`, 'lun is required if targetWWNs is specified'));
        else if (num(src.lun) < 0 || num(src.lun) > 255) errs.push(invalidValue(`${p}.lun`, num(src.lun), inclusiveRange(0, 255)));
      }
      break;
    }
    case 'flexVolume':
      errs.push(...requireFields(src, ['driver'], p));
      for (const k of Object.keys(isObj(src.options) ? src.options : {})) {
        const ns = `.${(k.includes('/') ? k.split('/')[0] : k).toLowerCase()}`;
        if (ns.endsWith('.kubernetes.io') || ns.endsWith('.k8s.io')) {
          errs.push(invalidValue(`${p}.options[${k}]`, k, 'kubernetes.io and k8s.io namespaces are reserved'));
        }
      }
      break;
    case 'azureFile':
      errs.push(...requireFields(src, ['secretName', 'shareName'], p));
      break;
    case 'vsphereVolume':
      errs.push(...requireFields(src, ['volumePath'], p));
      break;
    case 'photonPersistentDisk':
      errs.push(...requireFields(src, ['pdID'], p));
      break;
    case 'portworxVolume':
      errs.push(...requireFields(src, ['volumeID'], p));
      break;
    case 'azureDisk': {
      errs.push(...requireFields(src, ['diskName', 'diskURI'], p));
      const modes = ['None', 'ReadOnly', 'ReadWrite'];
      if (src.cachingMode != null && !modes.includes(str(src.cachingMode))) errs.push(notSupported(`${p}.cachingMode`, src.cachingMode, modes));
      const kinds = ['Dedicated', 'Managed', 'Shared'];
      if (src.kind != null && !kinds.includes(str(src.kind))) errs.push(notSupported(`${p}.kind`, src.kind, kinds));
      break;
    }
    case 'storageos':
      if (!str(src.volumeName)) errs.push(required(`${p}.volumeName`));
      else errs.push(...dns1123Label(src.volumeName, `${p}.volumeName`));
      if (str(src.volumeNamespace)) errs.push(...dns1123Label(src.volumeNamespace, `${p}.volumeNamespace`));
      if (isObj(src.secretRef) && !str(src.secretRef.name)) errs.push(required(`${p}.secretRef.name`));
      break;
    case 'projected':
      errs.push(...fileMode(src.defaultMode, `${p}.defaultMode`));
      errs.push(...validateProjectionSources(src, p));
      break;
    case 'scaleIO':
      errs.push(...requireFields(src, ['gateway', 'system', 'volumeName'], p));
      break;
    case 'csi': {
      const driver = str(src.driver);
      if (driver === '') errs.push(required(`${p}.driver`));
      if (driver.length > 63) errs.push(tooLong(`${p}.driver`, 63));
      for (const m of isDNS1123Subdomain(driver.toLowerCase())) errs.push(invalidValue(`${p}.driver`, driver, m));
      if (isObj(src.nodePublishSecretRef)) {
        const n = str(src.nodePublishSecretRef.name);
        if (n === '') errs.push(required(`${p}.nodePublishSecretRef.name`));
        else for (const m of isDNS1123Subdomain(n)) errs.push(invalidValue(`${p}.name`, n, m));
      }
      break;
    }
    case 'ephemeral':
      if (!isObj(src.volumeClaimTemplate)) errs.push(required(`${p}.volumeClaimTemplate`));
      else if (podName && volName) {
        const pvcName = `${podName}-${volName}`;
        for (const m of isDNS1123Subdomain(pvcName)) errs.push(invalidValue(`${at}.name`, volName, `PVC name "${pvcName}": ${m}`));
      }
      break;
    case 'image':
      if (!str(src.reference)) errs.push(required(`${p}.reference`));
      break;
  }
  return errs;
}

function validateKeyToPath(raw: unknown, at: string): FieldError[] {
  const kp: Json = isObj(raw) ? raw : {};
  const errs: FieldError[] = [];
  if (!str(kp.key)) errs.push(required(`${at}.key`));
  if (!str(kp.path)) errs.push(required(`${at}.path`));
  errs.push(...validateLocalNonReservedPath(str(kp.path), `${at}.path`));
  errs.push(...fileMode(kp.mode, `${at}.mode`));
  return errs;
}

const VOLUME_FIELD_PATHS = ['metadata.annotations', 'metadata.labels', 'metadata.name', 'metadata.namespace', 'metadata.uid'];
const ENV_FIELD_PATHS = ['metadata.name', 'metadata.namespace', 'metadata.uid', 'spec.nodeName', 'spec.serviceAccountName',
  'status.hostIP', 'status.hostIPs', 'status.podIP', 'status.podIPs'];
const RESOURCE_FIELD_PATHS = ['limits.cpu', 'limits.ephemeral-storage', 'limits.memory', 'requests.cpu', 'requests.ephemeral-storage', 'requests.memory'];

/** Upstream reports per-file errors at the downwardAPI path itself, without the item's index. */
function validateDownwardAPIFile(raw: unknown, at: string): FieldError[] {
  const file: Json = isObj(raw) ? raw : {};
  const errs: FieldError[] = [];
  if (!str(file.path)) errs.push(required(`${at}.path`));
  errs.push(...validateLocalNonReservedPath(str(file.path), `${at}.path`));
  if (isObj(file.fieldRef)) {
    errs.push(...validateObjectFieldSelector(file.fieldRef, VOLUME_FIELD_PATHS, `${at}.fieldRef`));
    if (file.resourceFieldRef != null) errs.push(invalidValue(at, 'resource', 'fieldRef and resourceFieldRef can not be specified simultaneously'));
  } else if (isObj(file.resourceFieldRef)) {
    errs.push(...validateResourceFieldSelector(file.resourceFieldRef, `${at}.resourceFieldRef`, true));
  } else {
    errs.push(required(at, 'one of fieldRef and resourceFieldRef is required'));
  }
  errs.push(...fileMode(file.mode, `${at}.mode`));
  return errs;
}

function validateProjectionSources(projection: Json, at: string): FieldError[] {
  const errs: FieldError[] = [];
  const paths = new Set<string>();
  const claimPath = (p: string, bad: unknown) => {
    if (!p) return;
    if (paths.has(p)) errs.push(invalidValue(at, bad, 'conflicting duplicate paths'));
    else paths.add(p);
  };
  arr(projection.sources).forEach((raw, i) => {
    const source: Json = isObj(raw) ? raw : {};
    const srcAt = `${at}.sources[${i}]`;
    let count = 0;
    for (const kind of ['secret', 'configMap'] as const) {
      if (!isObj(source[kind])) continue;
      count++;
      const s = source[kind];
      if (!str(s.name)) errs.push(required(`${srcAt}.${kind}.name`));
      arr(s.items).forEach((kp, j) => {
        errs.push(...validateKeyToPath(kp, `${srcAt}.${kind}.items[${j}]`));
        claimPath(isObj(kp) ? str(kp.path) : '', str(s.name));
      });
    }
    if (isObj(source.downwardAPI)) {
      count++;
      for (const f of arr(source.downwardAPI.items)) {
        errs.push(...validateDownwardAPIFile(f, `${srcAt}.downwardAPI`));
        const p = isObj(f) ? str(f.path) : '';
        claimPath(p, p);
      }
    }
    if (isObj(source.serviceAccountToken)) {
      count++;
      const t = source.serviceAccountToken;
      const exp = num(t.expirationSeconds);
      if (exp < 600) errs.push(invalidValue(`${srcAt}.serviceAccountToken.expirationSeconds`, exp, 'may not specify a duration less than 10 minutes'));
      if (exp > 2 ** 32) errs.push(invalidValue(`${srcAt}.serviceAccountToken.expirationSeconds`, exp, 'may not specify a duration larger than 2^32 seconds'));
      if (!str(t.path)) errs.push(required(`${at}.path`));
      else errs.push(...validateLocalNonReservedPath(str(t.path), `${at}.path`));
    }
    if (isObj(source.clusterTrustBundle)) {
      count++;
      const b = source.clusterTrustBundle;
      const cAt = `${srcAt}.clusterTrustBundle`;
      if (b.name != null && b.signerName != null) errs.push(invalidValue(cAt, b, 'only one of name and signerName may be used'));
      else if (b.name == null && b.signerName == null) errs.push(required(cAt, 'either name or signerName must be specified'));
      if (!str(b.path)) errs.push(required(`${cAt}.path`));
      errs.push(...validateLocalNonReservedPath(str(b.path), `${cAt}.path`));
      claimPath(str(b.path), str(b.path));
    }
    if (count > 1) errs.push(forbiddenField(srcAt, 'may not specify more than 1 volume type per source'));
  });
  return errs;
}

/** Splits `metadata.labels['key']` into path and subscript, as upstream's fieldpath helper does. */
function splitSubscript(fieldPath: string): [string, string] | undefined {
  if (!fieldPath.endsWith("']")) return undefined;
  const s = fieldPath.slice(0, -2);
  const at = s.indexOf("['");
  if (at <= 0) return undefined;
  return [s.slice(0, at), s.slice(at + 2)];
}

const DOWNWARD_LABELS = new Set(['metadata.annotations', 'metadata.labels', 'metadata.name', 'metadata.namespace', 'metadata.uid',
  'spec.nodeName', 'spec.restartPolicy', 'spec.serviceAccountName', 'spec.schedulerName', 'status.phase', 'status.hostIP',
  'status.hostIPs', 'status.podIP', 'status.podIPs']);

function validateObjectFieldSelector(fs: Json, supported: string[], at: string): FieldError[] {
  if (!str(fs.apiVersion)) return [required(`${at}.apiVersion`)];
  const fieldPath = str(fs.fieldPath);
  if (!fieldPath) return [required(`${at}.fieldPath`)];
  // What upstream's ConvertDownwardAPIFieldLabel accepts, and how it fails.
  let internal = fieldPath;
  const sub = splitSubscript(fieldPath);
  let conversionError = '';
  if (fs.apiVersion !== 'v1') conversionError = `unsupported pod version: ${fs.apiVersion}`;
  else if (sub) {
    if (sub[0] !== 'metadata.annotations' && sub[0] !== 'metadata.labels') conversionError = `field label does not support subscript: ${fieldPath}`;
  } else if (fieldPath === 'spec.host') internal = 'spec.nodeName';
  else if (!DOWNWARD_LABELS.has(fieldPath)) conversionError = `field label not supported: ${fieldPath}`;
  if (conversionError) return [invalidValue(`${at}.fieldPath`, fieldPath, `error converting fieldPath: ${conversionError}`)];

  if (sub) {
    const [path, key] = sub;
    return path === 'metadata.annotations' ? qualifiedName(key.toLowerCase(), at) : qualifiedName(key, at);
  }
  if (!supported.includes(internal)) return [notSupported(`${at}.fieldPath`, internal, supported)];
  return [];
}

const CPU_DIVISORS = ['1m', '1'];
const BYTE_DIVISORS = ['1', '1k', '1M', '1G', '1T', '1P', '1E', '1Ki', '1Mi', '1Gi', '1Ti', '1Pi', '1Ei'];

function validateResourceFieldSelector(fs: Json, at: string, inVolume: boolean): FieldError[] {
  const errs: FieldError[] = [];
  const resource = str(fs.resource);
  if (inVolume && !str(fs.containerName)) errs.push(required(`${at}.containerName`));
  else if (!resource) errs.push(required(`${at}.resource`));
  else if (!RESOURCE_FIELD_PATHS.includes(resource) && !resource.startsWith('requests.hugepages-') && !resource.startsWith('limits.hugepages-')) {
    errs.push(notSupported(`${at}.resource`, resource, RESOURCE_FIELD_PATHS));
  }
  if (fs.divisor != null) {
    const q = quantityOf(fs.divisor);
    if (q && q.nanos !== 0n) {
      const d = formatQuantity(q);
      const bad = (allowed: string[]) => !allowed.includes(d);
      if ((resource === 'limits.cpu' || resource === 'requests.cpu') && bad(CPU_DIVISORS)) {
        errs.push(invalidValue(`${at}.divisor`, resource, "only divisor's values 1m and 1 are supported with the cpu resource"));
      } else if ((resource === 'limits.memory' || resource === 'requests.memory') && bad(BYTE_DIVISORS)) {
        errs.push(invalidValue(`${at}.divisor`, resource, "only divisor's values 1, 1k, 1M, 1G, 1T, 1P, 1E, 1Ki, 1Mi, 1Gi, 1Ti, 1Pi, 1Ei are supported with the memory resource"));
      } else if ((resource === 'limits.ephemeral-storage' || resource === 'requests.ephemeral-storage') && bad(BYTE_DIVISORS)) {
        errs.push(invalidValue(`${at}.divisor`, resource, "only divisor's values 1, 1k, 1M, 1G, 1T, 1P, 1E, 1Ki, 1Mi, 1Gi, 1Ti, 1Pi, 1Ei are supported with the local ephemeral storage resource"));
      }
      if ((resource.startsWith('requests.hugepages-') || resource.startsWith('limits.hugepages-')) && bad(BYTE_DIVISORS)) {
        errs.push(invalidValue(`${at}.divisor`, resource, "only divisor's values 1, 1k, 1M, 1G, 1T, 1P, 1E, 1Ki, 1Mi, 1Gi, 1Ti, 1Pi, 1Ei are supported with the hugepages resource"));
      }
    }
  }
  return errs;
}

// ---- containers -------------------------------------------------------------------------------

function validateContainers(containers: unknown, path: string, ctx: SpecContext): FieldError[] {
  const list = arr(containers);
  if (list.length === 0) return [required(path)];
  const errs: FieldError[] = [];
  const names = new Set<string>();
  list.forEach((raw, i) => {
    const c: Json = isObj(raw) ? raw : {};
    const at = `${path}[${i}]`;
    errs.push(...validateContainerCommon(c, at, ctx));
    const name = str(c.name);
    if (names.has(name)) errs.push(duplicate(`${at}.name`, name));
    else names.add(name);
    if (isObj(c.lifecycle)) errs.push(...validateLifecycle(c.lifecycle, `${at}.lifecycle`, ctx));
    errs.push(...validateProbes(c, at, ctx));
    if (c.restartPolicy != null) errs.push(forbiddenField(`${at}.restartPolicy`, 'may not be set for non-init containers'));
  });
  errs.push(...checkHostPortConflicts(list, path));
  return errs;
}

function validateInitContainers(inits: unknown, regular: unknown, path: string, ctx: SpecContext): FieldError[] {
  const errs: FieldError[] = [];
  const names = new Set<string>();
  for (const c of arr(regular)) if (isObj(c)) names.add(str(c.name));
  arr(inits).forEach((raw, i) => {
    const c: Json = isObj(raw) ? raw : {};
    const at = `${path}[${i}]`;
    errs.push(...validateContainerCommon(c, at, ctx));
    let restartAlways = false;
    if (c.restartPolicy != null) {
      if (c.restartPolicy !== 'Always') errs.push(notSupported(`${at}.restartPolicy`, c.restartPolicy, ['Always']));
      restartAlways = c.restartPolicy === 'Always';
    }
    const name = str(c.name);
    if (names.has(name)) errs.push(duplicate(`${at}.name`, name));
    else if (name) names.add(name);
    // Init containers run one by one, so their host ports only have to be unique within each.
    errs.push(...checkHostPortConflicts([c], path));
    if (restartAlways) {
      if (isObj(c.lifecycle)) errs.push(...validateLifecycle(c.lifecycle, `${at}.lifecycle`, ctx));
      errs.push(...validateProbes(c, at, ctx));
    } else {
      for (const field of ['lifecycle', 'livenessProbe', 'readinessProbe', 'startupProbe']) {
        if (c[field] != null) errs.push(forbiddenField(`${at}.${field}`, 'may not be set for init containers without restartPolicy=Always'));
      }
    }
    if (arr(c.resizePolicy).length > 0) errs.push(invalidValue(`${at}.resizePolicy`, c.resizePolicy, 'must not be set for init containers'));
  });
  return errs;
}

const EPHEMERAL_FORBIDDEN = ['ports', 'resources', 'livenessProbe', 'readinessProbe', 'startupProbe', 'lifecycle', 'resizePolicy', 'restartPolicy'];

function validateEphemeralContainers(ephemeral: unknown, regular: unknown, inits: unknown, path: string, ctx: SpecContext): FieldError[] {
  const list = arr(ephemeral);
  if (list.length === 0) return [];
  const errs: FieldError[] = [];
  const others = new Set<string>();
  for (const c of [...arr(regular), ...arr(inits)]) if (isObj(c)) others.add(str(c.name));
  const all = new Set(others);
  list.forEach((raw, i) => {
    const c: Json = isObj(raw) ? raw : {};
    const at = `${path}[${i}]`;
    errs.push(...validateContainerCommon(c, at, ctx));
    errs.push(...validateImageWhitespace(c, at));
    const name = str(c.name);
    if (all.has(name)) errs.push(duplicate(`${at}.name`, name));
    else all.add(name);
    if (str(c.targetContainerName) && !others.has(c.targetContainerName)) {
      errs.push(new FieldError('FieldValueNotFound', `${at}.targetContainerName`, c.targetContainerName, ''));
    }
    for (const f of EPHEMERAL_FORBIDDEN) {
      const v = c[f];
      // An empty resources object is what defaulting leaves behind, the zero value upstream ignores.
      const empty = v == null || (isObj(v) && Object.keys(v).length === 0) || (Array.isArray(v) && v.length === 0);
      if (!empty) errs.push(forbiddenField(`${at}.${f}`, 'cannot be set for an Ephemeral Container'));
    }
    arr(c.volumeMounts).forEach((vm, j) => {
      if (!isObj(vm)) return;
      if (str(vm.subPath)) errs.push(forbiddenField(`${at}.volumeMounts[${j}].subPath`, 'cannot be set for an Ephemeral Container'));
      if (str(vm.subPathExpr)) errs.push(forbiddenField(`${at}.volumeMounts[${j}].subPathExpr`, 'cannot be set for an Ephemeral Container'));
    });
  });
  return errs;
}

/** Pod-only check: an image may not carry leading or trailing whitespace. */
export function validateImageWhitespace(c: Json, at: string): FieldError[] {
  const image = str(c.image);
  return image.length !== image.trim().length
    ? [invalidValue(`${at}.image`, image, 'must not have leading or trailing whitespace')]
    : [];
}

function validateContainerCommon(c: Json, at: string, ctx: SpecContext): FieldError[] {
  const errs: FieldError[] = [];
  const name = str(c.name);
  if (name === '') errs.push(required(`${at}.name`));
  else errs.push(...dns1123Label(name, `${at}.name`));
  if (str(c.image) === '') errs.push(required(`${at}.image`));
  const tmp = str(c.terminationMessagePolicy);
  if (tmp === '') errs.push(required(`${at}.terminationMessagePolicy`));
  else if (tmp !== 'File' && tmp !== 'FallbackToLogsOnError') {
    errs.push(notSupported(`${at}.terminationMessagePolicy`, c.terminationMessagePolicy, ['File', 'FallbackToLogsOnError']));
  }
  errs.push(...validateContainerPorts(c.ports, `${at}.ports`));
  errs.push(...validateEnv(c.env, `${at}.env`));
  errs.push(...validateEnvFrom(c.envFrom, `${at}.envFrom`));
  const deviceNames = new Map<string, string>();
  for (const d of arr(c.volumeDevices)) if (isObj(d)) deviceNames.set(str(d.name), str(d.devicePath));
  const mountNames = new Map<string, string>();
  for (const m of arr(c.volumeMounts)) if (isObj(m)) mountNames.set(str(m.name), str(m.mountPath));
  errs.push(...validateVolumeMounts(c, deviceNames, `${at}.volumeMounts`, ctx));
  errs.push(...validateVolumeDevices(c.volumeDevices, mountNames, `${at}.volumeDevices`, ctx));
  errs.push(...validatePullPolicy(c.imagePullPolicy, `${at}.imagePullPolicy`));
  errs.push(...validateResourceRequirements(isObj(c.resources) ? c.resources : {}, `${at}.resources`, ctx));
  errs.push(...validateResizePolicy(c.resizePolicy, `${at}.resizePolicy`, ctx.restartPolicy));
  errs.push(...validateSecurityContext(c.securityContext, `${at}.securityContext`, ctx.hostUsers));
  return errs;
}

function validateContainerPorts(ports: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const names = new Set<string>();
  arr(ports).forEach((raw, i) => {
    const p: Json = isObj(raw) ? raw : {};
    const at = `${path}[${i}]`;
    const name = str(p.name);
    if (name) {
      const msgs = portNameErrors(name);
      if (msgs.length) for (const m of msgs) errs.push(invalidValue(`${at}.name`, name, m));
      else if (names.has(name)) errs.push(duplicate(`${at}.name`, name));
      else names.add(name);
    }
    if (!num(p.containerPort)) errs.push(required(`${at}.containerPort`));
    else errs.push(...portNumber(num(p.containerPort), `${at}.containerPort`));
    if (num(p.hostPort)) errs.push(...portNumber(num(p.hostPort), `${at}.hostPort`));
    const protocol = str(p.protocol);
    if (protocol === '') errs.push(required(`${at}.protocol`));
    else if (!['SCTP', 'TCP', 'UDP'].includes(protocol)) errs.push(notSupported(`${at}.protocol`, p.protocol, ['SCTP', 'TCP', 'UDP']));
  });
  return errs;
}

function portNumber(port: number, field: string): FieldError[] {
  return port >= 1 && port <= 65535 ? [] : [invalidValue(field, port, inclusiveRange(1, 65535))];
}

/** IANA_SVC_NAME rules for named ports, as upstream's IsValidPortName lists them. */
export function portNameErrors(port: string): string[] {
  const errs: string[] = [];
  if (port.length > 15) errs.push('must be no more than 15 characters');
  if (!/^[-a-z0-9]+$/.test(port)) errs.push('must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)');
  if (!/[a-z]/.test(port)) errs.push('must contain at least one letter (a-z)');
  if (port.includes('--')) errs.push('must not contain consecutive hyphens');
  if (port.length > 0 && (port.startsWith('-') || port.endsWith('-'))) errs.push('must not begin or end with a hyphen');
  return errs;
}

/** A port given by number or by name (probes, lifecycle hooks). */
function validatePortNumOrName(port: unknown, field: string): FieldError[] {
  if (typeof port === 'string') return portNameErrors(port).map((m) => invalidValue(field, port, m));
  return portNumber(num(port), field);
}

/**
 * Env var names: 1.32 relaxes them (RelaxedEnvironmentVariableValidation is on by default) to
 * any printable ASCII except '='.
 */
function envVarNameErrors(name: string): string[] {
  for (const ch of name) {
    const code = ch.codePointAt(0)!;
    if (code < 0x20 || code > 0x7e || ch === '=') return ["a valid environment variable name must consist only of printable ASCII characters other than '='"];
  }
  return [];
}

function validateEnv(env: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  arr(env).forEach((raw, i) => {
    const e: Json = isObj(raw) ? raw : {};
    const at = `${path}[${i}]`;
    const name = str(e.name);
    if (name === '') errs.push(required(`${at}.name`));
    else for (const m of envVarNameErrors(name)) errs.push(invalidValue(`${at}.name`, name, m));
    if (e.valueFrom != null) errs.push(...validateEnvVarValueFrom(e, `${at}.valueFrom`));
  });
  return errs;
}

function validateEnvVarValueFrom(e: Json, at: string): FieldError[] {
  const from: Json = isObj(e.valueFrom) ? e.valueFrom : {};
  const errs: FieldError[] = [];
  let sources = 0;
  if (isObj(from.fieldRef)) {
    sources++;
    errs.push(...validateObjectFieldSelector(from.fieldRef, ENV_FIELD_PATHS, `${at}.fieldRef`));
  }
  if (isObj(from.resourceFieldRef)) {
    sources++;
    errs.push(...validateResourceFieldSelector(from.resourceFieldRef, `${at}.resourceFieldRef`, false));
  }
  for (const kind of ['configMapKeyRef', 'secretKeyRef']) {
    if (!isObj(from[kind])) continue;
    sources++;
    errs.push(...validateKeySelector(from[kind], `${at}.${kind}`));
  }
  if (sources === 0) errs.push(invalidValue(at, '', 'must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`'));
  else if (str(e.value) !== '') errs.push(invalidValue(at, '', 'may not be specified when `value` is not empty'));
  else if (sources > 1) errs.push(invalidValue(at, '', 'may not have more than one field specified at a time'));
  return errs;
}

function validateKeySelector(s: Json, at: string): FieldError[] {
  const errs = dns1123Subdomain(str(s.name), `${at}.name`);
  const key = str(s.key);
  if (key === '') errs.push(required(`${at}.key`));
  else for (const m of isConfigMapKey(key)) errs.push(invalidValue(`${at}.key`, key, m));
  return errs;
}

function validateEnvFrom(envFrom: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  arr(envFrom).forEach((raw, i) => {
    const ef: Json = isObj(raw) ? raw : {};
    const at = `${path}[${i}]`;
    const prefix = str(ef.prefix);
    if (prefix) for (const m of envVarNameErrors(prefix)) errs.push(invalidValue(`${at}.prefix`, prefix, m));
    let sources = 0;
    for (const kind of ['configMapRef', 'secretRef']) {
      if (!isObj(ef[kind])) continue;
      sources++;
      const name = str(ef[kind].name);
      if (name === '') errs.push(required(`${at}.${kind}.name`));
      else for (const m of subdomainPrefix(name)) errs.push(invalidValue(`${at}.${kind}.name`, name, m));
    }
    // Upstream reports these two at the list, not at the item.
    if (sources === 0) errs.push(invalidValue(path, '', 'must specify one of: `configMapRef` or `secretRef`'));
    else if (sources > 1) errs.push(invalidValue(path, '', 'may not have more than one field specified at a time'));
  });
  return errs;
}

function validateVolumeMounts(c: Json, devices: Map<string, string>, path: string, ctx: SpecContext): FieldError[] {
  const errs: FieldError[] = [];
  const mountPoints = new Set<string>();
  const devicePaths = new Set(devices.values());
  const privileged = isObj(c.securityContext) && c.securityContext.privileged === true;
  arr(c.volumeMounts).forEach((raw, i) => {
    const m: Json = isObj(raw) ? raw : {};
    const at = `${path}[${i}]`;
    const name = str(m.name);
    const mountPath = str(m.mountPath);
    if (name === '') errs.push(required(`${at}.name`));
    if (!ctx.volumes.has(name)) errs.push(new FieldError('FieldValueNotFound', `${at}.name`, name, ''));
    if (mountPath === '') errs.push(required(`${at}.mountPath`));
    if (mountPoints.has(mountPath)) errs.push(invalidValue(`${at}.mountPath`, mountPath, 'must be unique'));
    mountPoints.add(mountPath);
    if (devices.has(name)) errs.push(invalidValue(`${at}.name`, name, 'must not already exist in volumeDevices'));
    if (devicePaths.has(mountPath)) errs.push(invalidValue(`${at}.mountPath`, mountPath, 'must not already exist as a path in volumeDevices'));
    // Upstream checks these at the list path (no index), and so does skiff.
    if (str(m.subPath)) errs.push(...validateLocalDescendingPath(str(m.subPath), `${path}.subPath`));
    if (str(m.subPathExpr)) {
      if (str(m.subPath)) errs.push(invalidValue(`${at}.subPathExpr`, m.subPathExpr, 'subPathExpr and subPath are mutually exclusive'));
      errs.push(...validateLocalDescendingPath(str(m.subPathExpr), `${path}.subPathExpr`));
    }
    if (m.mountPropagation != null) {
      const modes = ['Bidirectional', 'HostToContainer', 'None'];
      if (!modes.includes(str(m.mountPropagation))) errs.push(notSupported(`${path}.mountPropagation`, m.mountPropagation, modes));
      if (m.mountPropagation === 'Bidirectional' && !privileged) {
        errs.push(forbiddenField(`${path}.mountPropagation`, 'Bidirectional mount propagation is available only to privileged containers'));
      }
    }
    if (m.recursiveReadOnly != null) {
      const rro = str(m.recursiveReadOnly);
      if (rro === 'Enabled' || rro === 'IfPossible') {
        if (m.readOnly !== true) errs.push(forbiddenField(`${path}.recursiveReadOnly`, 'may only be specified when readOnly is true'));
        if (m.mountPropagation != null && m.mountPropagation !== 'None') {
          errs.push(forbiddenField(`${path}.recursiveReadOnly`, 'may only be specified when mountPropagation is None or not specified'));
        }
      } else if (rro !== 'Disabled') {
        errs.push(notSupported(`${path}.recursiveReadOnly`, m.recursiveReadOnly, ['Disabled', 'Enabled', 'IfPossible']));
      }
    }
  });
  return errs;
}

function validateVolumeDevices(devices: unknown, mounts: Map<string, string>, path: string, ctx: SpecContext): FieldError[] {
  const errs: FieldError[] = [];
  const paths = new Set<string>();
  const names = new Set<string>();
  const mountPaths = new Set(mounts.values());
  arr(devices).forEach((raw, i) => {
    const d: Json = isObj(raw) ? raw : {};
    const at = `${path}[${i}]`;
    const name = str(d.name);
    const devicePath = str(d.devicePath);
    const vol = ctx.volumes.get(name);
    if (name === '') errs.push(required(`${at}.name`));
    if (names.has(name)) errs.push(invalidValue(`${at}.name`, name, 'must be unique'));
    if (vol && vol.persistentVolumeClaim == null && vol.ephemeral == null) {
      errs.push(invalidValue(`${at}.name`, name, 'can only use volume source type of PersistentVolumeClaim or Ephemeral for block mode'));
    }
    if (!vol) errs.push(new FieldError('FieldValueNotFound', `${at}.name`, name, ''));
    if (devicePath === '') errs.push(required(`${at}.devicePath`));
    if (paths.has(devicePath)) errs.push(invalidValue(`${at}.devicePath`, devicePath, 'must be unique'));
    if (devicePath && devicePath.split('/').includes('..')) errs.push(invalidValue(`${at}.devicePath`, devicePath, "can not contain backsteps ('..')"));
    else paths.add(devicePath);
    if (mounts.has(name)) errs.push(invalidValue(`${at}.name`, name, 'must not already exist in volumeMounts'));
    if (mountPaths.has(devicePath)) errs.push(invalidValue(`${at}.devicePath`, devicePath, 'must not already exist as a path in volumeMounts'));
    if (name) names.add(name);
  });
  return errs;
}

function validatePullPolicy(policy: unknown, field: string): FieldError[] {
  const p = str(policy);
  if (p === 'Always' || p === 'IfNotPresent' || p === 'Never') return [];
  if (p === '') return [required(field)];
  return [notSupported(field, policy, ['Always', 'IfNotPresent', 'Never'])];
}

function validateResizePolicy(policies: unknown, path: string, podRestartPolicy: string): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  arr(policies).forEach((raw, i) => {
    const p: Json = isObj(raw) ? raw : {};
    const resource = str(p.resourceName);
    if (seen.has(resource)) errs.push(duplicate(`${path}[${i}]`, resource));
    seen.add(resource);
    if (resource === '') errs.push(required(path));
    else if (resource !== 'cpu' && resource !== 'memory') errs.push(notSupported(path, p.resourceName, ['cpu', 'memory']));
    const policy = str(p.restartPolicy);
    if (policy === '') errs.push(required(path));
    else if (policy !== 'NotRequired' && policy !== 'RestartContainer') {
      errs.push(notSupported(path, p.restartPolicy, ['NotRequired', 'RestartContainer']));
    }
    if (podRestartPolicy === 'Never' && policy !== 'NotRequired') {
      errs.push(invalidValue(path, policy, "must be 'NotRequired' when `restartPolicy` is 'Never'"));
    }
  });
  return errs;
}

// ---- probes and handlers ----------------------------------------------------------------------

function validateProbes(c: Json, at: string, ctx: SpecContext): FieldError[] {
  const errs: FieldError[] = [];
  for (const kind of ['livenessProbe', 'readinessProbe', 'startupProbe'] as const) {
    const probe = c[kind];
    if (probe == null) continue;
    const p: Json = isObj(probe) ? probe : {};
    const pAt = `${at}.${kind}`;
    errs.push(...validateHandler(p, false, pAt, ctx));
    for (const f of ['initialDelaySeconds', 'timeoutSeconds', 'periodSeconds', 'successThreshold', 'failureThreshold']) {
      errs.push(...nonNegative(p[f], `${pAt}.${f}`));
    }
    if (p.terminationGracePeriodSeconds != null && num(p.terminationGracePeriodSeconds) <= 0) {
      errs.push(invalidValue(`${pAt}.terminationGracePeriodSeconds`, num(p.terminationGracePeriodSeconds), 'must be greater than 0'));
    }
    if (kind === 'readinessProbe') {
      if (p.terminationGracePeriodSeconds != null) {
        errs.push(invalidValue(`${pAt}.terminationGracePeriodSeconds`, p.terminationGracePeriodSeconds, 'must not be set for readinessProbes'));
      }
    } else if (num(p.successThreshold) !== 1) {
      errs.push(invalidValue(`${pAt}.successThreshold`, num(p.successThreshold), 'must be 1'));
    }
  }
  return errs;
}

function validateLifecycle(lc: Json, at: string, ctx: SpecContext): FieldError[] {
  const errs: FieldError[] = [];
  for (const hook of ['postStart', 'preStop']) {
    if (lc[hook] != null) errs.push(...validateHandler(isObj(lc[hook]) ? lc[hook] : {}, true, `${at}.${hook}`, ctx));
  }
  return errs;
}

/** A probe takes exec/httpGet/tcpSocket/grpc; a lifecycle hook exec/httpGet/tcpSocket/sleep. */
function validateHandler(h: Json, lifecycle: boolean, at: string, ctx: SpecContext): FieldError[] {
  const kinds = lifecycle ? ['exec', 'httpGet', 'tcpSocket', 'sleep'] : ['exec', 'httpGet', 'tcpSocket', 'grpc'];
  const errs: FieldError[] = [];
  let count = 0;
  for (const kind of kinds) {
    if (h[kind] == null) continue;
    if (count > 0) {
      errs.push(forbiddenField(`${at}.${kind}`, 'may not specify more than 1 handler type'));
      continue;
    }
    count++;
    const a: Json = isObj(h[kind]) ? h[kind] : {};
    const kAt = `${at}.${kind}`;
    switch (kind) {
      case 'exec':
        if (arr(a.command).length === 0) errs.push(required(`${kAt}.command`));
        break;
      case 'httpGet':
        if (!str(a.path)) errs.push(required(`${kAt}.path`));
        errs.push(...validatePortNumOrName(a.port, `${kAt}.port`));
        if (a.scheme !== 'HTTP' && a.scheme !== 'HTTPS') errs.push(notSupported(`${kAt}.scheme`, a.scheme ?? '', ['HTTP', 'HTTPS']));
        for (const header of arr(a.httpHeaders)) {
          const hn = isObj(header) ? str(header.name) : '';
          if (!/^[-A-Za-z0-9]+$/.test(hn)) {
            errs.push(invalidValue(`${kAt}.httpHeaders`, hn, "a valid HTTP header must consist of alphanumeric characters or '-' (e.g. 'X-Header-Name', regex used for validation is '[-A-Za-z0-9]+')"));
          }
        }
        break;
      case 'tcpSocket':
        errs.push(...validatePortNumOrName(a.port, `${kAt}.port`));
        break;
      case 'grpc':
        errs.push(...portNumber(num(a.port), `${kAt}.port`));
        break;
      case 'sleep': {
        const seconds = num(a.seconds);
        if (ctx.gracePeriod !== undefined && (seconds <= 0 || seconds > ctx.gracePeriod)) {
          errs.push(invalidValue(kAt, seconds, `must be greater than 0 and less than terminationGracePeriodSeconds (${ctx.gracePeriod}). Enable AllowPodLifecycleSleepActionZeroValue feature gate for zero sleep.`));
        }
        break;
      }
    }
  }
  if (count === 0) errs.push(required(at, 'must specify a handler type'));
  return errs;
}

/** Colliding host ports (protocol/hostIP/port) across the given containers. */
function checkHostPortConflicts(containers: unknown[], path: string): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  containers.forEach((raw, ci) => {
    if (!isObj(raw)) return;
    arr(raw.ports).forEach((p, pi) => {
      if (!isObj(p) || !num(p.hostPort)) return;
      const key = `${str(p.protocol)}/${str(p.hostIP)}/${num(p.hostPort)}`;
      if (seen.has(key)) errs.push(duplicate(`${path}[${ci}].ports[${pi}].hostPort`, key));
      else seen.add(key);
    });
  });
  return errs;
}

// ---- resources --------------------------------------------------------------------------------

const STANDARD_CONTAINER_RESOURCES = new Set(['cpu', 'memory', 'ephemeral-storage']);
const STANDARD_RESOURCES = new Set(['cpu', 'memory', 'ephemeral-storage', 'requests.cpu', 'requests.memory',
  'requests.ephemeral-storage', 'limits.cpu', 'limits.memory', 'limits.ephemeral-storage', 'pods', 'services',
  'replicationcontrollers', 'resourcequotas', 'secrets', 'persistentvolumeclaims', 'configmaps', 'storage',
  'requests.storage', 'services.nodeports', 'services.loadbalancers']);
const INTEGER_RESOURCES = new Set(['pods', 'services', 'replicationcontrollers', 'resourcequotas', 'secrets', 'configmaps',
  'persistentvolumeclaims', 'services.nodeports', 'services.loadbalancers']);

const isHugePages = (name: string) => name.startsWith('hugepages-');
const isNativeResource = (name: string) => !name.includes('/') || name.includes('kubernetes.io/');
/** Extended resources (e.g. nvidia.com/gpu): fully qualified, outside kubernetes.io. */
const isExtendedResource = (name: string) =>
  !isNativeResource(name) && !name.startsWith('requests.') && isQualifiedName(`requests.${name}`).length === 0;
/** Requests may be below limits only for native, non-hugepage resources. */
const isOvercommitAllowed = (name: string) => isNativeResource(name) && !isHugePages(name);

function validateContainerResourceName(name: string, field: string): FieldError[] {
  const errs = qualifiedName(name, field);
  if (errs.length) return errs;
  if (!name.includes('/')) {
    if (!STANDARD_RESOURCES.has(name) && !isHugePages(name) && !name.startsWith('requests.hugepages-')) {
      return [invalidValue(field, name, 'must be a standard resource type or fully qualified')];
    }
    if (!STANDARD_CONTAINER_RESOURCES.has(name) && !isHugePages(name)) {
      return [invalidValue(field, name, 'must be a standard resource for containers')];
    }
  } else if (!isNativeResource(name) && !isExtendedResource(name)) {
    return [invalidValue(field, name, "doesn't follow extended resource name standard")];
  }
  return [];
}

function validateQuantityValue(name: string, q: Quantity, field: string): FieldError[] {
  const errs: FieldError[] = [];
  if (q.nanos < 0n) errs.push(invalidValue(field, formatQuantity(q), NEGATIVE));
  const integer = INTEGER_RESOURCES.has(name) || isExtendedResource(name);
  if (integer && milliValue(q) % 1000 !== 0) errs.push(invalidValue(field, formatQuantity(q), 'must be an integer'));
  return errs;
}

/** A hugepage quantity must be a whole number of pages of the size in its name. */
function hugePageErrors(name: string, q: Quantity, field: string): FieldError[] {
  const page = quantityOf(name.slice('hugepages-'.length));
  if (page && page.nanos > 0n && milliValue(page) % 1000 === 0 && quantityValue(q) % quantityValue(page) === 0) return [];
  return [invalidValue(field, formatQuantity(q), `${formatQuantity(q)} is not positive integer multiple of ${name}`)];
}

function validateResourceRequirements(res: Json, path: string, ctx: SpecContext): FieldError[] {
  const errs: FieldError[] = [];
  const limits: Json = isObj(res.limits) ? res.limits : {};
  const requests: Json = isObj(res.requests) ? res.requests : {};
  const parsedLimits = new Map<string, Quantity>();
  let cpuOrMemory = false;
  let hugePages = false;
  const check = (kind: 'limits' | 'requests', name: string, value: unknown): Quantity | undefined => {
    const field = `${path}.${kind}[${name}]`;
    errs.push(...validateContainerResourceName(name, field));
    let q: Quantity;
    try {
      q = parseQuantity(typeof value === 'number' ? value : str(value));
    } catch (e) {
      // Upstream refuses such a body while decoding it (400); skiff reports it at the field.
      errs.push(invalidValue(field, value, e instanceof QuantityError ? e.message : String(e)));
      return undefined;
    }
    errs.push(...validateQuantityValue(name, q, field));
    if (isHugePages(name)) {
      hugePages = true;
      errs.push(...hugePageErrors(name, q, field));
    }
    if (name === 'cpu' || name === 'memory') cpuOrMemory = true;
    return q;
  };
  for (const [name, value] of Object.entries(limits)) {
    const q = check('limits', name, value);
    if (q) parsedLimits.set(name, q);
  }
  for (const [name, value] of Object.entries(requests)) {
    const q = check('requests', name, value);
    if (!q) continue;
    const limit = parsedLimits.get(name);
    if (limit) {
      const c = cmp(q, limit);
      if (c !== 0 && !isOvercommitAllowed(name)) {
        errs.push(invalidValue(`${path}.requests`, formatQuantity(q), `must be equal to ${name} limit of ${formatQuantity(limit)}`));
      } else if (c > 0) {
        errs.push(invalidValue(`${path}.requests`, formatQuantity(q), `must be less than or equal to ${name} limit of ${formatQuantity(limit)}`));
      }
    } else if (!isOvercommitAllowed(name) && !(name in limits)) {
      errs.push(required(`${path}.limits`, 'Limit must be set for non overcommitable resources'));
    }
  }
  if (!cpuOrMemory && hugePages) errs.push(forbiddenField(path, 'HugePages require cpu or memory'));
  arr(res.claims).forEach((raw, i) => {
    const name = isObj(raw) ? str(raw.name) : '';
    if (name === '') errs.push(required(`${path}.claims[${i}]`));
    else if (!ctx.claimNames.has(name)) {
      const known = [...ctx.claimNames].sort();
      const detail = `must be one of the names in pod.spec.resourceClaims${known.length ? `: ${known.join(', ')}` : ' which is empty'}`;
      errs.push(new FieldError('FieldValueNotFound', `${path}.claims[${i}]`, name, detail));
    }
  });
  return errs;
}

function validatePodResourceClaims(claims: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const names = new Set<string>();
  arr(claims).forEach((raw, i) => {
    const c: Json = isObj(raw) ? raw : {};
    const at = `${path}[${i}]`;
    const name = str(c.name);
    if (name === '') errs.push(required(`${at}.name`));
    else if (names.has(name)) errs.push(duplicate(`${at}.name`, name));
    else {
      errs.push(...dns1123Label(name, `${at}.name`));
      names.add(name);
    }
    if (c.resourceClaimName != null && c.resourceClaimTemplateName != null) {
      errs.push(invalidValue(at, c, 'at most one of `resourceClaimName` or `resourceClaimTemplateName` may be specified'));
    }
    if (c.resourceClaimName == null && c.resourceClaimTemplateName == null) {
      errs.push(invalidValue(at, c, 'must specify one of: `resourceClaimName`, `resourceClaimTemplateName`'));
    }
  });
  return errs;
}

// ---- security ---------------------------------------------------------------------------------

const idErrors = (id: unknown) => (num(id) >= 0 && num(id) <= MAX_INT32 ? [] : [inclusiveRange(0, MAX_INT32)]);

function validateSeccompProfile(sp: unknown, at: string): FieldError[] {
  if (sp == null) return [];
  const p: Json = isObj(sp) ? sp : {};
  const errs: FieldError[] = [];
  const type = str(p.type);
  if (type === '') errs.push(required(`${at}.type`, 'type is required when seccompProfile is set'));
  else if (!['Localhost', 'RuntimeDefault', 'Unconfined'].includes(type)) {
    errs.push(notSupported(`${at}.type`, p.type, ['Localhost', 'RuntimeDefault', 'Unconfined']));
  }
  if (type === 'Localhost') {
    if (p.localhostProfile == null) errs.push(required(`${at}.localhostProfile`, 'must be set when seccomp type is Localhost'));
    else errs.push(...validateLocalDescendingPath(str(p.localhostProfile), `${at}.localhostProfile`));
  } else if (p.localhostProfile != null) {
    errs.push(invalidValue(`${at}.localhostProfile`, p, 'can only be set when seccomp type is Localhost'));
  }
  return errs;
}

function validateAppArmorProfile(ap: unknown, at: string): FieldError[] {
  if (ap == null) return [];
  const p: Json = isObj(ap) ? ap : {};
  const type = str(p.type);
  switch (type) {
    case 'Localhost': {
      if (p.localhostProfile == null) return [required(`${at}.localhostProfile`, 'must be set when AppArmor type is Localhost')];
      const profile = str(p.localhostProfile);
      if (profile.trim() !== profile) return [invalidValue(`${at}.localhostProfile`, profile, 'must not be padded with whitespace')];
      if (profile === '') return [required(`${at}.localhostProfile`, 'must be set when AppArmor type is Localhost')];
      return profile.length > 4095 ? [tooLong(`${at}.localhostProfile`, 4095)] : [];
    }
    case 'RuntimeDefault':
    case 'Unconfined':
      return p.localhostProfile != null ? [invalidValue(`${at}.localhostProfile`, p.localhostProfile, 'can only be set when AppArmor type is Localhost')] : [];
    case '':
      return [required(`${at}.type`, 'type is required when appArmorProfile is set')];
    default:
      return [notSupported(`${at}.type`, p.type, ['Localhost', 'RuntimeDefault', 'Unconfined'])];
  }
}

function validateSecurityContext(raw: unknown, at: string, hostUsers: boolean): FieldError[] {
  if (raw == null) return [];
  const sc: Json = isObj(raw) ? raw : {};
  const errs: FieldError[] = [];
  // skiff allows privileged containers (like k3s, which runs the apiserver with --allow-privileged).
  for (const f of ['runAsUser', 'runAsGroup']) {
    if (sc[f] != null) for (const m of idErrors(sc[f])) errs.push(invalidValue(`${at}.${f}`, num(sc[f]), m));
  }
  if (sc.procMount != null) {
    if (sc.procMount !== 'Default' && sc.procMount !== 'Unmasked') errs.push(notSupported(`${at}.procMount`, sc.procMount, ['Default', 'Unmasked']));
    if (hostUsers && sc.procMount === 'Unmasked') errs.push(invalidValue(`${at}.procMount`, sc.procMount, '`hostUsers` must be false to use `Unmasked`'));
  }
  errs.push(...validateSeccompProfile(sc.seccompProfile, `${at}.seccompProfile`));
  if (sc.allowPrivilegeEscalation === false) {
    if (sc.privileged === true) errs.push(invalidValue(at, sc, 'cannot set `allowPrivilegeEscalation` to false and `privileged` to true'));
    const caps = isObj(sc.capabilities) ? arr(sc.capabilities.add) : [];
    if (caps.includes('CAP_SYS_ADMIN')) errs.push(invalidValue(at, sc, 'cannot set `allowPrivilegeEscalation` to false and `capabilities.Add` CAP_SYS_ADMIN'));
  }
  errs.push(...validateAppArmorProfile(sc.appArmorProfile, `${at}.appArmorProfile`));
  return errs;
}

const SYSCTL = /^([a-z0-9]([-_a-z0-9]*[a-z0-9])?[\./])*[a-z0-9]([-_a-z0-9]*[a-z0-9])?$/;

/** The namespace a sysctl belongs to: net.* to the network namespace, IPC ones to IPC. */
function sysctlNamespace(name: string): 'net' | 'ipc' | '' {
  const n = name.replaceAll('/', '.');
  if (n.startsWith('net.')) return 'net';
  if (n.startsWith('fs.mqueue.') || n.startsWith('kernel.shm') || n.startsWith('kernel.msg') || n === 'kernel.sem') return 'ipc';
  return '';
}

function validatePodSecurityContext(spec: Json, specPath: string): FieldError[] {
  const raw = spec.securityContext;
  if (raw == null) return [];
  const sc: Json = isObj(raw) ? raw : {};
  const at = `${specPath}.securityContext`;
  const errs: FieldError[] = [];
  for (const f of ['fsGroup', 'runAsUser', 'runAsGroup']) {
    if (sc[f] != null) for (const m of idErrors(sc[f])) errs.push(invalidValue(`${at}.${f}`, num(sc[f]), m));
  }
  arr(sc.supplementalGroups).forEach((g, i) => {
    for (const m of idErrors(g)) errs.push(invalidValue(`${at}.supplementalGroups[${i}]`, num(g), m));
  });
  if (spec.shareProcessNamespace === true && spec.hostPID === true) {
    errs.push(invalidValue(`${at}.shareProcessNamespace`, true, 'ShareProcessNamespace and HostPID cannot both be enabled'));
  }
  const seen = new Set<string>();
  arr(sc.sysctls).forEach((s, i) => {
    const name = isObj(s) ? str(s.name) : '';
    const field = `${at}.sysctls[${i}].name`;
    if (name === '') errs.push(required(field));
    else if (name.length > 253 || !SYSCTL.test(name)) {
      errs.push(invalidValue(field, name, `must have at most 253 characters and match regex ${SYSCTL.source}`));
    } else if (seen.has(name)) errs.push(duplicate(field, name));
    const ns = sysctlNamespace(name);
    if (spec.hostNetwork === true && ns === 'net') errs.push(invalidValue(field, name, "may not be specified when 'hostNetwork' is true"));
    else if (spec.hostIPC === true && ns === 'ipc') errs.push(invalidValue(field, name, "may not be specified when 'hostIPC' is true"));
    seen.add(name);
  });
  if (sc.fsGroupChangePolicy != null && sc.fsGroupChangePolicy !== 'OnRootMismatch' && sc.fsGroupChangePolicy !== 'Always') {
    errs.push(notSupported(`${at}.fsGroupChangePolicy`, sc.fsGroupChangePolicy, ['Always', 'OnRootMismatch']));
  }
  errs.push(...validateSeccompProfile(sc.seccompProfile, `${at}.seccompProfile`));
  errs.push(...validateAppArmorProfile(sc.appArmorProfile, `${at}.appArmorProfile`));
  return errs;
}

function validateHostUsers(spec: Json, path: string): FieldError[] {
  if (!isObj(spec.securityContext) || spec.securityContext.hostUsers !== false) return [];
  const errs: FieldError[] = [];
  if (spec.hostNetwork === true) errs.push(forbiddenField(`${path}.hostNetwork`, 'when `pod.Spec.HostUsers` is false'));
  if (spec.hostPID === true) errs.push(forbiddenField(`${path}.HostPID`, 'when `pod.Spec.HostUsers` is false'));
  if (spec.hostIPC === true) errs.push(forbiddenField(`${path}.HostIPC`, 'when `pod.Spec.HostUsers` is false'));
  return errs;
}

function validateHostNetworkDeps(spec: Json, path: string, opts: PodSpecValidationOptions): FieldError[] {
  if (spec.hostNetwork !== true) return [];
  const errs: FieldError[] = [];
  arr(spec.containers).forEach((c, i) => {
    if (!isObj(c)) return;
    arr(c.ports).forEach((p, j) => {
      if (!isObj(p)) return;
      const hp = num(p.hostPort);
      // A template may leave hostPort 0: the Pod made from it gets it defaulted.
      if ((opts.resourceIsPod || hp !== 0) && hp !== num(p.containerPort)) {
        errs.push(invalidValue(`${path}.containers[${i}].ports[${j}].hostPort`, hp, 'must match `containerPort` when `hostNetwork` is true'));
      }
    });
  });
  return errs;
}

function validateOS(spec: Json, path: string): FieldError[] {
  const os: Json = isObj(spec.os) ? spec.os : {};
  const name = str(os.name);
  if (name === '') return [required(`${path}.os.name`)];
  if (name !== 'linux' && name !== 'windows') return [notSupported(`${path}.os.name`, os.name, ['linux', 'windows'])];
  const errs: FieldError[] = [];
  if (name === 'linux') {
    if (isObj(spec.securityContext) && spec.securityContext.windowsOptions != null) {
      errs.push(forbiddenField(`${path}.securityContext.windowsOptions`, 'windows options cannot be set for a linux pod'));
    }
    for (const kind of ['containers', 'initContainers', 'ephemeralContainers']) {
      arr(spec[kind]).forEach((c, i) => {
        if (isObj(c) && isObj(c.securityContext) && c.securityContext.windowsOptions != null) {
          errs.push(forbiddenField(`${path}.${kind}[${i}].securityContext.windowsOptions`, 'windows options cannot be set for a linux pod'));
        }
      });
    }
  }
  return errs;
}

// ---- policies, scheduling ---------------------------------------------------------------------

function validateRestartPolicy(policy: unknown, field: string): FieldError[] {
  const p = str(policy);
  if (p === 'Always' || p === 'OnFailure' || p === 'Never') return [];
  if (p === '') return [required(field)];
  return [notSupported(field, policy, ['Always', 'OnFailure', 'Never'])];
}

function validateDNSPolicy(policy: unknown, field: string): FieldError[] {
  const supported = ['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None'];
  const p = str(policy);
  if (supported.includes(p)) return [];
  if (p === '') return [required(field)];
  return [notSupported(field, policy, supported)];
}

function validateDNSConfig(raw: unknown, dnsPolicy: string, at: string): FieldError[] {
  if (dnsPolicy === 'None') {
    if (raw == null) return [required(at, 'must provide `dnsConfig` when `dnsPolicy` is None')];
    if (!isObj(raw) || arr(raw.nameservers).length === 0) {
      return [required(`${at}.nameservers`, 'must provide at least one DNS nameserver when `dnsPolicy` is None')];
    }
  }
  if (raw == null) return [];
  const cfg: Json = isObj(raw) ? raw : {};
  const errs: FieldError[] = [];
  const servers = arr(cfg.nameservers);
  if (servers.length > 3) errs.push(invalidValue(`${at}.nameservers`, servers, 'must not have more than 3 nameservers'));
  servers.forEach((ns, i) => errs.push(...validateIP(ns, `${at}.nameservers[${i}]`)));
  const searches = arr(cfg.searches).map(str);
  if (searches.length > 32) errs.push(invalidValue(`${at}.searches`, searches, 'must not have more than 32 search paths'));
  if (searches.join(' ').length > 2048) {
    errs.push(invalidValue(`${at}.searches`, searches, 'must not have more than 2048 characters (including spaces) in the search list'));
  }
  searches.forEach((s, i) => {
    // 1.32 accepts "." and underscores (RelaxedDNSSearchValidation is off): plain subdomains only.
    errs.push(...dns1123Subdomain(s.endsWith('.') ? s.slice(0, -1) : s, `${at}.searches[${i}]`));
  });
  arr(cfg.options).forEach((o, i) => {
    if (!isObj(o) || !str(o.name)) errs.push(required(`${at}.options[${i}]`, 'must not be empty'));
  });
  return errs;
}

const TAINT_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];

/** Upstream's ValidateTolerations (spec.tolerations, and the tolerations annotation). */
export function validateTolerations(tolerations: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  arr(tolerations).forEach((raw, i) => {
    const t: Json = isObj(raw) ? raw : {};
    const at = `${path}[${i}]`;
    const key = str(t.key);
    const operator = str(t.operator);
    const effect = str(t.effect);
    if (key) errs.push(...qualifiedName(key, `${at}.key`));
    if (key === '' && operator !== 'Exists') {
      errs.push(invalidValue(`${at}.operator`, operator, 'operator must be Exists when `key` is empty, which means "match all values and all keys"'));
    }
    if (t.tolerationSeconds != null && effect !== 'NoExecute') {
      errs.push(invalidValue(`${at}.effect`, effect, "effect must be 'NoExecute' when `tolerationSeconds` is set"));
    }
    if (operator === 'Equal' || operator === '') {
      const msgs = isValidLabelValue(str(t.value));
      if (msgs.length) errs.push(invalidValue(`${at}.operator`, str(t.value), msgs.join(';')));
    } else if (operator === 'Exists') {
      if (str(t.value)) errs.push(invalidValue(`${at}.operator`, str(t.value), "value must be empty when `operator` is 'Exists'"));
    } else {
      errs.push(notSupported(`${at}.operator`, t.operator, ['Equal', 'Exists']));
    }
    if (effect && !TAINT_EFFECTS.includes(effect)) errs.push(notSupported(`${at}.effect`, t.effect, TAINT_EFFECTS));
  });
  return errs;
}

function validateSchedulingGates(gates: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  arr(gates).forEach((g, i) => {
    const name = isObj(g) ? str(g.name) : '';
    errs.push(...qualifiedName(name, `${path}[${i}]`));
    if (seen.has(name)) errs.push(duplicate(`${path}[${i}]`, name));
    seen.add(name);
  });
  return errs;
}

function validateTopologySpreadConstraints(constraints: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const list = arr(constraints);
  list.forEach((raw, i) => {
    const c: Json = isObj(raw) ? raw : {};
    const at = `${path}[${i}]`;
    if (num(c.maxSkew) <= 0) errs.push(invalidValue(`${at}.maxSkew`, num(c.maxSkew), 'must be greater than zero'));
    const key = str(c.topologyKey);
    if (key === '') errs.push(required(`${at}.topologyKey`, 'can not be empty'));
    else errs.push(...qualifiedName(key, `${at}.topologyKey`));
    const when = str(c.whenUnsatisfiable);
    if (when !== 'DoNotSchedule' && when !== 'ScheduleAnyway') {
      errs.push(notSupported(`${at}.whenUnsatisfiable`, c.whenUnsatisfiable ?? '', ['DoNotSchedule', 'ScheduleAnyway']));
    }
    const repeated = list.slice(i + 1).some((o) => isObj(o) && str(o.topologyKey) === key && str(o.whenUnsatisfiable) === when);
    if (repeated) errs.push(duplicate(`${at}.{topologyKey, whenUnsatisfiable}`, `{${key}, ${when}}`));
    if (c.minDomains != null) {
      if (num(c.minDomains) <= 0) errs.push(invalidValue(`${at}.minDomains`, num(c.minDomains), 'must be greater than zero'));
      if (when !== 'DoNotSchedule') {
        errs.push(invalidValue(`${at}.minDomains`, num(c.minDomains), 'can only use minDomains if whenUnsatisfiable=DoNotSchedule, not ScheduleAnyway'));
      }
    }
    if (c.labelSelector != null) errs.push(...validateLabelSelector(c.labelSelector as LabelSelector, `${at}.labelSelector`));
  });
  return errs;
}

function validateNodeSelectorTerm(raw: unknown, at: string, allowInvalidValues: boolean): FieldError[] {
  const term: Json = isObj(raw) ? raw : {};
  const errs: FieldError[] = [];
  arr(term.matchExpressions).forEach((e, j) => {
    const r: Json = isObj(e) ? e : {};
    const rAt = `${at}.matchExpressions[${j}]`;
    const values = arr(r.values);
    switch (r.operator) {
      case 'In':
      case 'NotIn':
        if (values.length === 0) errs.push(required(`${rAt}.values`, "must be specified when `operator` is 'In' or 'NotIn'"));
        break;
      case 'Exists':
      case 'DoesNotExist':
        if (values.length > 0) errs.push(forbiddenField(`${rAt}.values`, "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
        break;
      case 'Gt':
      case 'Lt':
        if (values.length !== 1) errs.push(required(`${rAt}.values`, "must be specified single value when `operator` is 'Lt' or 'Gt'"));
        break;
      default:
        errs.push(invalidValue(`${rAt}.operator`, r.operator ?? '', 'not a valid selector operator'));
    }
    errs.push(...qualifiedName(str(r.key), `${rAt}.key`));
    if (!allowInvalidValues) {
      values.forEach((v, k) => {
        for (const m of isValidLabelValue(str(v))) errs.push(invalidValue(`${rAt}.values[${k}]`, str(v), m));
      });
    }
  });
  arr(term.matchFields).forEach((e, j) => {
    const r: Json = isObj(e) ? e : {};
    const rAt = `${at}.matchFields[${j}]`;
    if (r.operator === 'In' || r.operator === 'NotIn') {
      if (arr(r.values).length !== 1) {
        errs.push(required(`${rAt}.values`, "must be only one value when `operator` is 'In' or 'NotIn' for node field selector"));
      }
    } else errs.push(invalidValue(`${rAt}.operator`, r.operator ?? '', 'not a valid selector operator'));
    if (r.key !== 'metadata.name') errs.push(invalidValue(`${rAt}.key`, r.key ?? '', 'not a valid field selector key'));
    else arr(r.values).forEach((v, k) => errs.push(...dns1123Subdomain(str(v), `${rAt}.values[${k}]`)));
  });
  return errs;
}

function validatePodAffinityTerm(raw: unknown, at: string): FieldError[] {
  const t: Json = isObj(raw) ? raw : {};
  const errs = validateLabelSelector(t.labelSelector as LabelSelector, `${at}.labelSelector`);
  errs.push(...validateLabelSelector(t.namespaceSelector as LabelSelector, `${at}.namespaceSelector`));
  for (const ns of arr(t.namespaces)) errs.push(...dns1123Label(str(ns), `${at}.namespace`));
  const key = str(t.topologyKey);
  if (key === '') errs.push(required(`${at}.topologyKey`, 'can not be empty'));
  errs.push(...qualifiedName(key, `${at}.topologyKey`));
  return errs;
}

function validateWeight(w: unknown, field: string): FieldError[] {
  return num(w) <= 0 || num(w) > 100 ? [invalidValue(field, num(w), 'must be in the range 1-100')] : [];
}

function validateAffinity(raw: unknown, at: string): FieldError[] {
  if (!isObj(raw)) return [];
  const errs: FieldError[] = [];
  const na = raw.nodeAffinity;
  if (isObj(na)) {
    const naAt = `${at}.nodeAffinity`;
    const req = na.requiredDuringSchedulingIgnoredDuringExecution;
    if (req != null) {
      const terms = isObj(req) ? arr(req.nodeSelectorTerms) : [];
      const tAt = `${naAt}.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms`;
      if (terms.length === 0) errs.push(required(tAt, 'must have at least one node selector term'));
      terms.forEach((t, i) => errs.push(...validateNodeSelectorTerm(t, `${tAt}[${i}]`, false)));
    }
    arr(na.preferredDuringSchedulingIgnoredDuringExecution).forEach((p, i) => {
      const pAt = `${naAt}.preferredDuringSchedulingIgnoredDuringExecution[${i}]`;
      const term: Json = isObj(p) ? p : {};
      errs.push(...validateWeight(term.weight, `${pAt}.weight`));
      // Preferred terms may carry any label values: they only score.
      errs.push(...validateNodeSelectorTerm(term.preference, `${pAt}.preference`, true));
    });
  }
  for (const kind of ['podAffinity', 'podAntiAffinity']) {
    const pa = raw[kind];
    if (!isObj(pa)) continue;
    const paAt = `${at}.${kind}`;
    arr(pa.requiredDuringSchedulingIgnoredDuringExecution).forEach((t, i) => {
      errs.push(...validatePodAffinityTerm(t, `${paAt}.requiredDuringSchedulingIgnoredDuringExecution[${i}]`));
    });
    arr(pa.preferredDuringSchedulingIgnoredDuringExecution).forEach((w, i) => {
      const wAt = `${paAt}.preferredDuringSchedulingIgnoredDuringExecution[${i}]`;
      const term: Json = isObj(w) ? w : {};
      errs.push(...validateWeight(term.weight, `${wAt}.weight`));
      errs.push(...validatePodAffinityTerm(term.podAffinityTerm, `${wAt}.podAffinityTerm`));
    });
  }
  return errs;
}

// =============================================================================================
// QoS class
// =============================================================================================

export type QOSClass = 'Guaranteed' | 'Burstable' | 'BestEffort';

/**
 * Upstream's ComputePodQOS: BestEffort without any cpu/memory request or limit; Guaranteed when
 * every container (init ones included) limits both cpu and memory and the summed requests equal
 * the summed limits; Burstable otherwise. Run it on a defaulted pod (limits copied to requests).
 */
export function podQOSClass(spec: PodSpec | undefined): QOSClass {
  const s: Json = isObj(spec) ? spec : {};
  const requests = new Map<string, Quantity>();
  const limits = new Map<string, Quantity>();
  let guaranteed = true;
  const sum = (into: Map<string, Quantity>, name: string, q: Quantity) => {
    const prev = into.get(name);
    into.set(name, prev ? add(prev, q) : q);
  };
  for (const c of [...arr(s.containers), ...arr(s.initContainers)]) {
    const res: Json = isObj(c) && isObj(c.resources) ? c.resources : {};
    for (const [name, value] of Object.entries(isObj(res.requests) ? res.requests : {})) {
      const q = quantityOf(value);
      if ((name === 'cpu' || name === 'memory') && q && q.nanos > 0n) sum(requests, name, q);
    }
    const limited = new Set<string>();
    for (const [name, value] of Object.entries(isObj(res.limits) ? res.limits : {})) {
      const q = quantityOf(value);
      if ((name === 'cpu' || name === 'memory') && q && q.nanos > 0n) {
        limited.add(name);
        sum(limits, name, q);
      }
    }
    if (!limited.has('cpu') || !limited.has('memory')) guaranteed = false;
  }
  if (requests.size === 0 && limits.size === 0) return 'BestEffort';
  if (guaranteed) {
    for (const [name, req] of requests) {
      const lim = limits.get(name);
      if (!lim || cmp(lim, req) !== 0) {
        guaranteed = false;
        break;
      }
    }
  }
  return guaranteed && requests.size === limits.size ? 'Guaranteed' : 'Burstable';
}
