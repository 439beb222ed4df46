// LimitRanger admission, as upstream: a new pod's containers get the LimitRanges' default
// limits and requests where they state none (recorded in the kubernetes.io/limit-ranger
// annotation), then pods and claims are refused (403) when they fall outside a LimitRange's
// min, max or maxLimitRequestRatio. Pod templates are left alone: their pods get the defaults
// when they are created.
import type { Container, LimitRange, LimitRangeItem, PersistentVolumeClaim, Pod } from 'kubernetes-types/core/v1';
import type { KObject } from '../../api/types.ts';
import { type ResourceList, podTotal, readResourceList } from '../../api/core/v1/quota-usage.ts';
import { forbidden } from '../../machinery/errors.ts';
import { type Quantity, formatQuantity, milliValue, value } from '../../machinery/quantity.ts';
import type { AdmissionAttributes, AdmissionPlugin } from '../admission.ts';

export const LIMIT_RANGER_ANNOTATION = 'kubernetes.io/limit-ranger';
/** Beyond this, milli-values overflow int64 and upstream compares whole units instead. */
const MAX_MILLI_VALUE = Number((1n << 63n) / 1000n);

export function limitRanger(listLimitRanges: (namespace: string) => Promise<KObject[]>): AdmissionPlugin {
  /** The LimitRanges that apply to this write, or undefined when the plugin has nothing to do. */
  async function rangesFor(a: AdmissionAttributes): Promise<LimitRange[] | undefined> {
    if (a.subresource || !a.namespace || !a.object || a.def.group !== '') return undefined;
    if (a.operation !== 'CREATE' && a.operation !== 'UPDATE') return undefined;
    // A pod's containers cannot change after creation, so only new pods are looked at.
    const isPod = a.def.plural === 'pods' && a.operation === 'CREATE';
    if (!isPod && a.def.plural !== 'persistentvolumeclaims') return undefined;
    if (a.oldObject?.metadata?.deletionTimestamp) return undefined;
    const ranges = (await listLimitRanges(a.namespace)) as LimitRange[];
    return ranges.length ? ranges : undefined;
  }

  const refuse = (a: AdmissionAttributes, errs: string[]) =>
    forbidden({ group: a.def.group, resource: a.def.plural }, a.name, aggregate(errs));

  return {
    name: 'LimitRanger',
    async admit(a) {
      if (a.def.plural !== 'pods') return;
      const ranges = await rangesFor(a);
      if (!ranges) return;
      const pod = a.object as Pod & KObject;
      // Upstream defaults a pod while decoding it, before admission: requests copied from
      // limits must be in place so the range's default request does not take their place.
      a.def.defaults?.(pod);
      for (const range of ranges) applyDefaults(range, pod);
    },
    async validate(a) {
      const ranges = await rangesFor(a);
      if (!ranges) return;
      for (const range of ranges) {
        const errs = a.def.plural === 'pods'
          ? podViolations(range, a.object as Pod)
          : claimViolations(range, a.object as PersistentVolumeClaim);
        if (errs.length) throw refuse(a, errs);
      }
    },
  };
}

// ---- defaults -------------------------------------------------------------------------------------

type MutableResources = { limits?: Record<string, string>; requests?: Record<string, string> };

/** Fills what the containers leave unset from one LimitRange's Container defaults; annotates what it set. */
export function applyDefaults(range: LimitRange, pod: Pod & KObject): void {
  const limits: Record<string, string> = {};
  const requests: Record<string, string> = {};
  for (const item of range.spec?.limits ?? []) {
    if (item.type !== 'Container') continue;
    Object.assign(requests, item.defaultRequest ?? {});
    Object.assign(limits, item.default ?? {});
  }
  const notes: string[] = [];
  const fill = (c: Container, prefix: string) => {
    const res = ((c as { resources?: MutableResources }).resources ??= {});
    const setLimits = fillMissing((res.limits ??= {}), limits);
    const setRequests = fillMissing((res.requests ??= {}), requests);
    if (setRequests.length) notes.push(`${setRequests.join(', ')} request for ${prefix} ${c.name}`);
    if (setLimits.length) notes.push(`${setLimits.join(', ')} limit for ${prefix} ${c.name}`);
    // Empty maps are left out of upstream's JSON.
    if (!Object.keys(res.limits).length) delete res.limits;
    if (!Object.keys(res.requests).length) delete res.requests;
  };
  for (const c of pod.spec?.containers ?? []) fill(c, 'container');
  for (const c of pod.spec?.initContainers ?? []) fill(c, 'init container');
  if (notes.length) {
    const meta = (pod.metadata ??= {});
    meta.annotations = { ...meta.annotations, [LIMIT_RANGER_ANNOTATION]: `LimitRanger plugin set: ${notes.join('; ')}` };
  }
}

/** Copies the defaults the list lacks; returns the names it set, sorted. */
function fillMissing(list: Record<string, string>, defaults: Record<string, string>): string[] {
  const set: string[] = [];
  for (const [name, q] of Object.entries(defaults)) {
    if (name in list) continue;
    list[name] = q;
    set.push(name);
  }
  return set.sort();
}

// ---- constraints ----------------------------------------------------------------------------------

/** The three amounts at a common precision: thousandths when none overflows, else whole units. */
function comparable(req: Quantity | undefined, lim: Quantity | undefined, enforced: Quantity): [number, number, number] {
  const units = [req, lim, enforced].map((q) => (q ? value(q) : 0));
  if (units.every((u) => u <= MAX_MILLI_VALUE)) return [req ? milliValue(req) : 0, lim ? milliValue(lim) : 0, milliValue(enforced)];
  return units as [number, number, number];
}

const show = formatQuantity;

function minViolation(type: string, name: string, enforced: Quantity, requests: ResourceList, limits: ResourceList): string | undefined {
  const req = requests.get(name);
  const lim = limits.get(name);
  const [r, l, e] = comparable(req, lim, enforced);
  if (!req) return `minimum ${name} usage per ${type} is ${show(enforced)}.  No request is specified`;
  if (r < e) return `minimum ${name} usage per ${type} is ${show(enforced)}, but request is ${show(req)}`;
  if (lim && l < e) return `minimum ${name} usage per ${type} is ${show(enforced)}, but limit is ${show(lim)}`;
  return undefined;
}

function maxViolation(type: string, name: string, enforced: Quantity, requests: ResourceList, limits: ResourceList): string | undefined {
  const req = requests.get(name);
  const lim = limits.get(name);
  const [r, l, e] = comparable(req, lim, enforced);
  if (!lim) return `maximum ${name} usage per ${type} is ${show(enforced)}.  No limit is specified`;
  if (l > e) return `maximum ${name} usage per ${type} is ${show(enforced)}, but limit is ${show(lim)}`;
  if (req && r > e) return `maximum ${name} usage per ${type} is ${show(enforced)}, but request is ${show(req)}`;
  return undefined;
}

/** Claims have no limits: their max applies to the request. */
function maxRequestViolation(type: string, name: string, enforced: Quantity, requests: ResourceList): string | undefined {
  const req = requests.get(name);
  const [r, , e] = comparable(req, undefined, enforced);
  if (!req) return `maximum ${name} usage per ${type} is ${show(enforced)}.  No request is specified`;
  if (r > e) return `maximum ${name} usage per ${type} is ${show(enforced)}, but request is ${show(req)}`;
  return undefined;
}

function ratioViolation(type: string, name: string, enforced: Quantity, requests: ResourceList, limits: ResourceList): string | undefined {
  const req = requests.get(name);
  const lim = limits.get(name);
  const [r, l] = comparable(req, lim, enforced);
  if (!req || r === 0) return `${name} max limit to request ratio per ${type} is ${show(enforced)}, but no request is specified or request is 0`;
  if (!lim || l === 0) return `${name} max limit to request ratio per ${type} is ${show(enforced)}, but no limit is specified or limit is 0`;
  const observed = l / r;
  const enforcedUnits = value(enforced);
  const [seen, allowed] = enforcedUnits <= MAX_MILLI_VALUE ? [observed * 1000, milliValue(enforced)] : [observed, enforcedUnits];
  if (seen > allowed) return `${name} max limit to request ratio per ${type} is ${show(enforced)}, but provided ratio is ${observed.toFixed(6)}`;
  return undefined;
}

/** Each bound of an item, resource by resource (in name order: upstream's map order is random). */
function bounds(item: LimitRangeItem, bound: 'min' | 'max' | 'maxLimitRequestRatio'): [string, Quantity][] {
  const list = readResourceList(item[bound]);
  return [...list.keys()].sort().map((name) => [name, list.get(name)!]);
}

/** min, max and ratio of one item against one set of requests and limits. */
function checkItem(item: LimitRangeItem, type: string, requests: ResourceList, limits: ResourceList): string[] {
  const errs: (string | undefined)[] = [];
  for (const [name, q] of bounds(item, 'min')) errs.push(minViolation(type, name, q, requests, limits));
  for (const [name, q] of bounds(item, 'max')) errs.push(maxViolation(type, name, q, requests, limits));
  for (const [name, q] of bounds(item, 'maxLimitRequestRatio')) errs.push(ratioViolation(type, name, q, requests, limits));
  return errs.filter((e): e is string => e !== undefined);
}

/** What a pod breaks of one LimitRange: its Container items per container, its Pod items on the pod's totals. */
export function podViolations(range: LimitRange, pod: Pod): string[] {
  const errs: string[] = [];
  for (const item of range.spec?.limits ?? []) {
    if (item.type === 'Container') {
      for (const c of [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])]) {
        errs.push(...checkItem(item, 'Container', readResourceList(c.resources?.requests), readResourceList(c.resources?.limits)));
      }
    } else if (item.type === 'Pod') {
      // Upstream's LimitRanger leaves the pod overhead out of these totals.
      errs.push(...checkItem(item, 'Pod', podTotal(pod.spec, 'requests', false), podTotal(pod.spec, 'limits', false)));
    }
  }
  return errs;
}

/** What a claim breaks of one LimitRange's PersistentVolumeClaim items (on its requests). */
export function claimViolations(range: LimitRange, pvc: PersistentVolumeClaim): string[] {
  const errs: (string | undefined)[] = [];
  const requests = readResourceList(pvc.spec?.resources?.requests);
  for (const item of range.spec?.limits ?? []) {
    if (item.type !== 'PersistentVolumeClaim') continue;
    for (const [name, q] of bounds(item, 'min')) errs.push(minViolation('PersistentVolumeClaim', name, q, requests, new Map()));
    for (const [name, q] of bounds(item, 'max')) errs.push(maxRequestViolation('PersistentVolumeClaim', name, q, requests));
  }
  return errs.filter((e): e is string => e !== undefined);
}

/** Upstream's aggregate error text: one message bare, several (duplicates dropped) in brackets. */
function aggregate(errs: string[]): string {
  const unique = [...new Set(errs)];
  return unique.length === 1 ? unique[0] : `[${unique.join(', ')}]`;
}
