// How a ResourceQuota measures what objects use, shared by the ResourceQuota admission plugin
// (which charges a write before it is stored) and the quota controller (which recounts from the
// objects): upstream's quota evaluators for pods, services and claims, the generic object counter
// for everything else, and the resource-list arithmetic their messages are made of.
import type {
  Container, PersistentVolumeClaim, Pod, PodAffinityTerm, PodSpec, ResourceQuota, ScopedResourceSelectorRequirement,
  Service, WeightedPodAffinityTerm,
} from 'kubernetes-types/core/v1';
import type { KObject } from '../../types.ts';
import { type Quantity, add, cmp, formatQuantity, isZero, parseQuantity, sub } from '../../../machinery/quantity.ts';
import { podQOSClass } from './pod-spec.ts';

/** Resource name → amount. Insertion order is irrelevant: every printed form is sorted. */
export type ResourceList = Map<string, Quantity>;

const ZERO: Quantity = { nanos: 0n, format: 'DecimalSI' };
const ONE: Quantity = { nanos: 1_000_000_000n, format: 'DecimalSI' };
const NANOS_PER_UNIT = 1_000_000_000n;

// ---- resource lists -----------------------------------------------------------------------------

/** A ResourceList from its JSON form; values that do not parse are left out (validation refuses them). */
export function readResourceList(rec: unknown): ResourceList {
  const out: ResourceList = new Map();
  if (!rec || typeof rec !== 'object' || Array.isArray(rec)) return out;
  for (const [name, text] of Object.entries(rec as Record<string, unknown>)) {
    if (typeof text !== 'string' && typeof text !== 'number') continue;
    try {
      out.set(name, parseQuantity(text));
    } catch {
      // unparsable: not counted
    }
  }
  return out;
}

/** The JSON form, keys sorted, quantities as upstream prints them. */
export function writeResourceList(list: ResourceList): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of [...list.keys()].sort()) out[name] = formatQuantity(list.get(name)!);
  return out;
}

/** a + b per resource: the union of both lists. */
export function addLists(a: ResourceList, b: ResourceList): ResourceList {
  const out: ResourceList = new Map(a);
  for (const [name, q] of b) {
    const prev = out.get(name);
    out.set(name, prev ? add(prev, q) : q);
  }
  return out;
}

/** a - b per resource, never below zero; resources only in b come out as zero. */
export function subtractNonNegative(a: ResourceList, b: ResourceList): ResourceList {
  const out: ResourceList = new Map();
  for (const [name, q] of a) {
    const other = b.get(name);
    const diff = other ? sub(q, other) : q;
    out.set(name, diff.nanos > 0n ? diff : ZERO);
  }
  for (const name of b.keys()) if (!out.has(name)) out.set(name, ZERO);
  return out;
}

/** Only the named resources of a list. */
export function mask(list: ResourceList, names: Iterable<string>): ResourceList {
  const keep = new Set(names);
  return new Map([...list].filter(([name]) => keep.has(name)));
}

export function isZeroList(list: ResourceList): boolean {
  return [...list.values()].every(isZero);
}

export function negativeResources(list: ResourceList): string[] {
  return [...list].filter(([, q]) => q.nanos < 0n).map(([name]) => name);
}

/** The resources of `a` that exceed their amount in `b` (resources missing from either are fine). */
export function exceededResources(a: ResourceList, b: ResourceList): string[] {
  const out: string[] = [];
  for (const [name, limit] of b) {
    const q = a.get(name);
    if (q && cmp(q, limit) > 0) out.push(name);
  }
  return out;
}

/** Same resources with equal amounts (formats may differ). */
export function listsEqual(a: ResourceList, b: ResourceList): boolean {
  if (a.size !== b.size) return false;
  for (const [name, q] of a) {
    const other = b.get(name);
    if (!other || cmp(q, other) !== 0) return false;
  }
  return true;
}

/** "limits.cpu=1,requests.cpu=500m": upstream's form in quota messages. */
export function prettyPrint(list: ResourceList): string {
  return [...list.keys()].sort().map((name) => `${name}=${formatQuantity(list.get(name)!)}`).join(',');
}

function addInto(into: ResourceList, list: ResourceList): void {
  for (const [name, q] of list) {
    const prev = into.get(name);
    into.set(name, prev ? add(prev, q) : q);
  }
}

function maxInto(into: ResourceList, list: ResourceList): void {
  for (const [name, q] of list) {
    const prev = into.get(name);
    if (!prev || cmp(q, prev) > 0) into.set(name, q);
  }
}

// ---- pod totals -----------------------------------------------------------------------------------

type ResourceKind = 'requests' | 'limits';

const containerList = (c: Container, kind: ResourceKind): ResourceList => readResourceList(c.resources?.[kind]);
const isSidecar = (c: Container) => c.restartPolicy === 'Always';

/**
 * What a pod requests or is limited to as a whole, as upstream's PodRequests / PodLimits: the app
 * containers and sidecars add up; each other init container runs alone (beside the sidecars
 * started before it), so the pod needs the larger of the two. The overhead adds to requests, and
 * to limits only where a limit is set.
 */
export function podTotal(spec: PodSpec | undefined, kind: ResourceKind, includeOverhead: boolean): ResourceList {
  const total: ResourceList = new Map();
  for (const c of spec?.containers ?? []) addInto(total, containerList(c, kind));
  const sidecars: ResourceList = new Map();
  const initPeak: ResourceList = new Map();
  for (const c of spec?.initContainers ?? []) {
    const own = containerList(c, kind);
    if (isSidecar(c)) {
      addInto(total, own);
      addInto(sidecars, own);
      maxInto(initPeak, sidecars);
    } else {
      const running: ResourceList = new Map(own);
      addInto(running, sidecars);
      maxInto(initPeak, running);
    }
  }
  maxInto(total, initPeak);
  if (includeOverhead && spec?.overhead) {
    for (const [name, q] of readResourceList(spec.overhead)) {
      const prev = total.get(name);
      if (kind === 'requests') total.set(name, prev ? add(prev, q) : q);
      else if (prev) total.set(name, add(prev, q));
    }
  }
  return total;
}

// ---- evaluators -----------------------------------------------------------------------------------

export type QuotaOperation = 'CREATE' | 'UPDATE' | 'DELETE';

/** How usage of one kind of object is measured (upstream's quota.Evaluator). */
export interface QuotaEvaluator {
  /** The quota resource names, out of `names`, this evaluator measures. */
  matchingResources(names: string[]): string[];
  /** Whether an object falls under one of a quota's scope selectors. */
  matchesScope(selector: ScopedResourceSelectorRequirement, obj: KObject): boolean;
  /** What one object uses. */
  usage(obj: KObject, now: Date): ResourceList;
  /** Whether a write of this kind can change usage at all. */
  handles(op: QuotaOperation, obj: KObject | undefined, old: KObject | undefined): boolean;
  /** Why an object may not be admitted under a quota limiting `required`, or undefined. */
  constraints(required: string[], obj: KObject): string | undefined;
}

/** "count/pods", "count/deployments.apps": the object-count quota name of a resource. */
export function objectCountName(group: string, plural: string): string {
  return `count/${group ? `${plural}.${group}` : plural}`;
}

/** The resource a "count/<resource>[.<group>]" quota name counts, or undefined. */
export function parseObjectCountName(name: string): { group: string; plural: string } | undefined {
  if (!name.startsWith('count/')) return undefined;
  const rest = name.slice('count/'.length);
  if (!rest) return undefined;
  const dot = rest.indexOf('.');
  return dot < 0 ? { group: '', plural: rest } : { group: rest.slice(dot + 1), plural: rest.slice(0, dot) };
}

/** Counts objects of one resource; the few core kinds quota'd before count/ existed keep their old name too. */
function objectCountEvaluator(group: string, plural: string, alias?: string): QuotaEvaluator {
  const names = [objectCountName(group, plural), ...(alias ? [alias] : [])];
  const usage: ResourceList = new Map(names.map((n) => [n, ONE]));
  return {
    matchingResources: (input) => input.filter((n) => names.includes(n)),
    matchesScope: () => false,
    usage: () => new Map(usage),
    handles: (op) => op === 'CREATE',
    constraints: () => undefined,
  };
}

// Pods ----------------------------------------------------------------------------------------------

const POD_RESOURCES = new Set([
  'count/pods', 'cpu', 'memory', 'ephemeral-storage', 'requests.cpu', 'requests.memory', 'requests.ephemeral-storage',
  'limits.cpu', 'limits.memory', 'limits.ephemeral-storage', 'pods',
]);
const POD_RESOURCE_PREFIXES = ['hugepages-', 'requests.hugepages-'];
/** Quota on these makes every container state them: an old mistake upstream keeps for compatibility. */
const MUST_SPECIFY = new Set(['cpu', 'memory', 'requests.cpu', 'requests.memory', 'limits.cpu', 'limits.memory']);

const isNativeResource = (name: string) => !name.includes('/') || name.includes('kubernetes.io/');
const isExtendedRequestName = (name: string) => name.startsWith('requests.') && !isNativeResource(name);
const isExtendedResource = (name: string) => !isNativeResource(name) && !name.startsWith('requests.');

/** The compute quota names a set of requests and limits counts against. */
function podComputeUsage(requests: ResourceList, limits: ResourceList): ResourceList {
  const out: ResourceList = new Map([['pods', ONE]]);
  for (const r of ['cpu', 'memory', 'ephemeral-storage']) {
    const req = requests.get(r);
    if (req) { out.set(r, req); out.set(`requests.${r}`, req); }
    const lim = limits.get(r);
    if (lim) out.set(`limits.${r}`, lim);
  }
  for (const [name, q] of requests) {
    if (name.startsWith('hugepages-')) { out.set(name, q); out.set(`requests.${name}`, q); }
    if (isExtendedResource(name)) out.set(`requests.${name}`, q);
  }
  return out;
}

export function isTerminatingPod(pod: Pod): boolean {
  const ads = pod.spec?.activeDeadlineSeconds;
  return ads !== undefined && ads !== null && ads >= 0;
}

/**
 * Whether a pod's compute still counts: not once it finished, nor once it has been stuck
 * terminating past its grace period (say, on a lost node), so it cannot block its replacement.
 */
export function podChargesCompute(pod: Pod, now: Date): boolean {
  const phase = pod.status?.phase;
  if (phase === 'Failed' || phase === 'Succeeded') return false;
  const deletion = pod.metadata?.deletionTimestamp;
  const grace = pod.metadata?.deletionGracePeriodSeconds;
  if (deletion && grace !== undefined && grace !== null) {
    if (now.getTime() > new Date(deletion).getTime() + grace * 1000) return false;
  }
  return true;
}

const crossNamespaceTerm = (t: PodAffinityTerm | undefined) => !!t && ((t.namespaces?.length ?? 0) > 0 || t.namespaceSelector != null);
function usesCrossNamespaceAffinity(pod: Pod): boolean {
  const aff = pod.spec?.affinity;
  for (const a of [aff?.podAffinity, aff?.podAntiAffinity]) {
    if (!a) continue;
    if ((a.requiredDuringSchedulingIgnoredDuringExecution ?? []).some(crossNamespaceTerm)) return true;
    if ((a.preferredDuringSchedulingIgnoredDuringExecution ?? []).some((w: WeightedPodAffinityTerm) => crossNamespaceTerm(w.podAffinityTerm))) return true;
  }
  return false;
}

function podMatchesScope(sel: ScopedResourceSelectorRequirement, pod: Pod): boolean {
  switch (sel.scopeName) {
    case 'Terminating': return isTerminatingPod(pod);
    case 'NotTerminating': return !isTerminatingPod(pod);
    case 'BestEffort': return podQOSClass(pod.spec) === 'BestEffort';
    case 'NotBestEffort': return podQOSClass(pod.spec) !== 'BestEffort';
    case 'CrossNamespacePodAffinity': return usesCrossNamespaceAffinity(pod);
    case 'PriorityClass': {
      // A label selector over {PriorityClass: <name>}: the key is always there, maybe empty.
      const name = pod.spec?.priorityClassName ?? '';
      switch (sel.operator) {
        case 'Exists': return name !== '';
        case 'In': return (sel.values ?? []).includes(name);
        case 'NotIn': return !(sel.values ?? []).includes(name);
        default: return false;
      }
    }
    default: return false;
  }
}

const podEvaluator: QuotaEvaluator = {
  matchingResources: (input) => input.filter((n) =>
    POD_RESOURCES.has(n) || POD_RESOURCE_PREFIXES.some((p) => n.startsWith(p)) || isExtendedRequestName(n)),
  matchesScope: (sel, obj) => podMatchesScope(sel, obj as Pod),
  usage(obj, now) {
    const pod = obj as Pod;
    // count/pods counts every stored pod; the rest (pods included) only those still running.
    const out: ResourceList = new Map([['count/pods', ONE]]);
    if (!podChargesCompute(pod, now)) return out;
    const compute = podComputeUsage(podTotal(pod.spec, 'requests', true), podTotal(pod.spec, 'limits', true));
    return addLists(out, compute);
  },
  handles(op, obj, old) {
    if (op === 'CREATE') return true;
    // A new activeDeadlineSeconds moves the pod between the (Not)Terminating scopes.
    return op === 'UPDATE' && !!obj && !!old && isTerminatingPod(obj as Pod) !== isTerminatingPod(old as Pod);
  },
  constraints(required, obj) {
    const pod = obj as Pod;
    const want = required.filter((r) => MUST_SPECIFY.has(r));
    if (!want.length) return undefined;
    const missing = new Map<string, Set<string>>();
    for (const c of [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])]) {
      const has = podComputeUsage(containerList(c, 'requests'), containerList(c, 'limits'));
      for (const r of want) {
        if (has.has(r)) continue;
        if (!missing.has(r)) missing.set(r, new Set());
        missing.get(r)!.add(c.name);
      }
    }
    if (!missing.size) return undefined;
    const parts = [...missing.keys()].sort().map((r) => `${r} for: ${[...missing.get(r)!].sort().join(',')}`);
    return `must specify ${parts.join('; ')}`;
  },
};

// Services ------------------------------------------------------------------------------------------

const SERVICE_RESOURCES = new Set(['count/services', 'services', 'services.nodeports', 'services.loadbalancers']);

const serviceEvaluator: QuotaEvaluator = {
  matchingResources: (input) => input.filter((n) => SERVICE_RESOURCES.has(n)),
  matchesScope: () => false,
  usage(obj) {
    const spec = (obj as Service).spec;
    const ports = BigInt(spec?.ports?.length ?? 0) * NANOS_PER_UNIT;
    const out: ResourceList = new Map([
      ['count/services', ONE], ['services', ONE], ['services.loadbalancers', ZERO], ['services.nodeports', ZERO],
    ]);
    if (spec?.type === 'NodePort') out.set('services.nodeports', { nanos: ports, format: 'DecimalSI' });
    if (spec?.type === 'LoadBalancer') {
      out.set('services.loadbalancers', ONE);
      if (spec.allocateLoadBalancerNodePorts !== false) out.set('services.nodeports', { nanos: ports, format: 'DecimalSI' });
    }
    return out;
  },
  // The type, and with it the node ports and load balancers, can change on update.
  handles: (op) => op === 'CREATE' || op === 'UPDATE',
  constraints: () => undefined,
};

// PersistentVolumeClaims ----------------------------------------------------------------------------

const STORAGE_CLASS_SUFFIX = '.storageclass.storage.k8s.io/';
const PVC_RESOURCES = ['persistentvolumeclaims', 'requests.storage'];
const BETA_STORAGE_CLASS_ANNOTATION = 'volume.beta.kubernetes.io/storage-class';

function claimClass(pvc: PersistentVolumeClaim): string {
  return pvc.metadata?.annotations?.[BETA_STORAGE_CLASS_ANNOTATION] ?? pvc.spec?.storageClassName ?? '';
}

/** Storage is charged in whole bytes (a fraction of a byte rounds up). */
function wholeBytes(q: Quantity): Quantity {
  const rem = q.nanos % NANOS_PER_UNIT;
  if (rem === 0n) return q;
  return { nanos: q.nanos - rem + (q.nanos > 0n ? NANOS_PER_UNIT : 0n), format: q.format };
}

const claimEvaluator: QuotaEvaluator = {
  matchingResources: (input) => input.filter((n) =>
    n === 'count/persistentvolumeclaims' || PVC_RESOURCES.includes(n) ||
    PVC_RESOURCES.some((r) => n.endsWith(STORAGE_CLASS_SUFFIX + r))),
  matchesScope: () => false,
  usage(obj) {
    const pvc = obj as PersistentVolumeClaim;
    const out: ResourceList = new Map([['persistentvolumeclaims', ONE], ['count/persistentvolumeclaims', ONE]]);
    const cls = claimClass(pvc);
    if (cls) out.set(`${cls}${STORAGE_CLASS_SUFFIX}persistentvolumeclaims`, ONE);
    const storage = readResourceList(pvc.spec?.resources?.requests).get('storage');
    if (storage) {
      out.set('requests.storage', wholeBytes(storage));
      if (cls) out.set(`${cls}${STORAGE_CLASS_SUFFIX}requests.storage`, wholeBytes(storage));
    }
    return out;
  },
  // Claims can grow on update.
  handles: (op) => op === 'CREATE' || op === 'UPDATE',
  constraints: () => undefined,
};

/** Core kinds whose object count had a quota name before count/<resource> existed. */
const LEGACY_COUNT_ALIASES = new Set(['configmaps', 'secrets', 'replicationcontrollers', 'resourcequotas']);

/** The evaluator for a resource: pods, services and claims have their own, anything else is counted. */
export function quotaEvaluatorFor(group: string, plural: string): QuotaEvaluator {
  if (group === '') {
    if (plural === 'pods') return podEvaluator;
    if (plural === 'services') return serviceEvaluator;
    if (plural === 'persistentvolumeclaims') return claimEvaluator;
    if (LEGACY_COUNT_ALIASES.has(plural)) return objectCountEvaluator(group, plural, plural);
  }
  return objectCountEvaluator(group, plural);
}

// ---- quotas -----------------------------------------------------------------------------------------

/** A quota's scopes and scope selector as one list of selectors (a scope is "Exists"). */
export function quotaScopeSelectors(quota: ResourceQuota): ScopedResourceSelectorRequirement[] {
  return [
    ...(quota.spec?.scopes ?? []).map((scopeName) => ({ scopeName, operator: 'Exists' })),
    ...(quota.spec?.scopeSelector?.matchExpressions ?? []),
  ];
}

/** Whether a quota (as its status last recorded it) limits something this object uses, within its scopes. */
export function quotaMatches(quota: ResourceQuota, evaluator: QuotaEvaluator, obj: KObject): boolean {
  const hard = Object.keys(quota.status?.hard ?? {});
  if (!evaluator.matchingResources(hard).length) return false;
  return quotaScopeSelectors(quota).every((sel) => evaluator.matchesScope(sel, obj));
}

/**
 * What the objects of one kind in a namespace use of `resources`, counting only those within
 * every selector; each tracked resource starts at zero.
 */
export function aggregateUsage(evaluator: QuotaEvaluator, objects: KObject[], selectors: ScopedResourceSelectorRequirement[],
  resources: string[], now: Date): ResourceList {
  let used: ResourceList = new Map(resources.map((r) => [r, ZERO]));
  for (const obj of objects) {
    if (!selectors.every((sel) => evaluator.matchesScope(sel, obj))) continue;
    used = addLists(used, evaluator.usage(obj, now));
  }
  return mask(used, resources);
}
