// core/v1 LimitRange: per-namespace bounds and defaults for container, pod and claim resources.
// The LimitRanger admission plugin applies them; this file checks that they are consistent
// (min ≤ default request ≤ default ≤ max) with upstream's messages.
import type { LimitRange, LimitRangeItem } from 'kubernetes-types/core/v1';
import type { KObject, ResourceDefinition } from '../../types.ts';
import { type FieldError, duplicate, forbiddenField, invalidValue, isQualifiedName, required } from '../../../machinery/validation.ts';
import { type Quantity, cmp, formatQuantity, milliValue, parseQuantity, value } from '../../../machinery/quantity.ts';
import {
  isOvercommitAllowed, readQuantity, roundResourceList, validateContainerResourceName, validateResourceName,
} from './core-rules.ts';
import { goQuantity, invalidGo } from './go-values.ts';

const STANDARD_LIMIT_TYPES = new Set(['Pod', 'Container', 'PersistentVolumeClaim']);
/** Beyond this, milli-values overflow int64 and upstream compares whole units instead. */
const MAX_MILLI_VALUE = Number((1n << 63n) / 1000n);
const ONE = parseQuantity('1');

type ResourceList = Record<string, string>;
type Bound = 'max' | 'min' | 'default' | 'defaultRequest' | 'maxLimitRequestRatio';

function validateTypeName(type: string, field: string): FieldError[] {
  const errs = isQualifiedName(type).map((msg) => invalidValue(field, type, msg));
  if (!errs.length && !type.includes('/') && !STANDARD_LIMIT_TYPES.has(type)) {
    errs.push(invalidValue(field, type, 'must be a standard limit type or fully qualified'));
  }
  return errs;
}

/** Container and pod limits may only name container resources; other types any resource. */
const validateName = (type: string, name: string, field: string): FieldError[] =>
  type === 'Pod' || type === 'Container' ? validateContainerResourceName(name, field) : validateResourceName(name, field);

/** Parsed quantities of one bound, by resource name; names and unparsable values are reported. */
function readBound(item: LimitRangeItem, bound: Bound, field: string, errs: FieldError[]): Map<string, { q: Quantity; text: string }> {
  const out = new Map<string, { q: Quantity; text: string }>();
  const list = (item[bound] ?? {}) as ResourceList;
  for (const [name, text] of Object.entries(list)) {
    errs.push(...validateName(item.type ?? '', name, `${field}.${bound}[${name}]`));
    const q = readQuantity(text, `${field}.${bound}[${name}]`, errs);
    if (q) out.set(name, { q, text: String(text) });
  }
  return out;
}

function validateItem(item: LimitRangeItem, field: string): FieldError[] {
  const errs: FieldError[] = [];
  const type = item.type ?? '';
  const max = readBound(item, 'max', field, errs);
  const min = readBound(item, 'min', field, errs);
  let defaults = new Map<string, { q: Quantity; text: string }>();
  let defaultRequests = new Map<string, { q: Quantity; text: string }>();
  if (type === 'Pod') {
    const podMsg = "may not be specified when `type` is 'Pod'";
    if (Object.keys(item.default ?? {}).length) errs.push(forbiddenField(`${field}.default`, podMsg));
    if (Object.keys(item.defaultRequest ?? {}).length) errs.push(forbiddenField(`${field}.defaultRequest`, podMsg));
  } else {
    defaults = readBound(item, 'default', field, errs);
    defaultRequests = readBound(item, 'defaultRequest', field, errs);
  }
  if (type === 'PersistentVolumeClaim' && !('storage' in (item.min ?? {})) && !('storage' in (item.max ?? {}))) {
    errs.push(required(`${field}.limits`, 'either minimum or maximum storage value is required, but neither was provided'));
  }
  const ratios = readBound(item, 'maxLimitRequestRatio', field, errs);

  const keys = [...new Set([...max.keys(), ...min.keys(), ...defaults.keys(), ...defaultRequests.keys(), ...ratios.keys()])].sort();
  for (const k of keys) {
    const mn = min.get(k);
    const mx = max.get(k);
    const def = defaults.get(k);
    const req = defaultRequests.get(k);
    const ratio = ratios.get(k);
    const s = (v: { q: Quantity }) => formatQuantity(v.q);
    const at = (bound: Bound) => `${field}.${bound}[${k}]`;
    const bad = (bound: Bound, v: { text: string }, msg: string) => invalidGo(at(bound), v.text, goQuantity(v.text), msg);
    if (mn && mx && cmp(mn.q, mx.q) > 0) errs.push(bad('min', mn, `min value ${s(mn)} is greater than max value ${s(mx)}`));
    if (req && mn && cmp(mn.q, req.q) > 0) errs.push(bad('defaultRequest', req, `min value ${s(mn)} is greater than default request value ${s(req)}`));
    if (req && mx && cmp(req.q, mx.q) > 0) errs.push(bad('defaultRequest', req, `default request value ${s(req)} is greater than max value ${s(mx)}`));
    if (req && def && cmp(req.q, def.q) > 0) errs.push(bad('defaultRequest', req, `default request value ${s(req)} is greater than default limit value ${s(def)}`));
    // Upstream reports these two with min's and max's value respectively.
    if (def && mn && cmp(mn.q, def.q) > 0) errs.push(bad('default', mn, `min value ${s(mn)} is greater than default value ${s(def)}`));
    if (def && mx && cmp(def.q, mx.q) > 0) errs.push(bad('default', mx, `default value ${s(def)} is greater than max value ${s(mx)}`));
    if (ratio && cmp(ratio.q, ONE) < 0) errs.push(bad('maxLimitRequestRatio', ratio, `ratio ${s(ratio)} is less than 1`));
    if (ratio && mn && mx) {
      let ratioValue = value(ratio.q);
      let minValue = value(mn.q);
      let maxValue = value(mx.q);
      if (ratioValue < MAX_MILLI_VALUE && minValue < MAX_MILLI_VALUE && maxValue < MAX_MILLI_VALUE) {
        ratioValue = milliValue(ratio.q) / 1000;
        minValue = milliValue(mn.q);
        maxValue = milliValue(mx.q);
      }
      const limit = maxValue / minValue;
      if (ratioValue > limit) {
        errs.push(bad('maxLimitRequestRatio', ratio, `ratio ${s(ratio)} is greater than max/min = ${limit.toFixed(6)}`));
      }
    }
    // GPUs, huge pages and other resources that cannot be overcommitted need request = limit.
    if (!isOvercommitAllowed(k) && def && req && cmp(def.q, req.q) !== 0) {
      errs.push(bad('defaultRequest', req, `default value ${s(def)} must equal to defaultRequest value ${s(req)} in ${k}`));
    }
  }
  return errs;
}

/** Container limits fill their own gaps: default from max, default request from default, then from min. */
function defaultItem(item: LimitRangeItem): void {
  for (const bound of ['max', 'min', 'default', 'defaultRequest', 'maxLimitRequestRatio'] as const) {
    roundResourceList(item[bound] as ResourceList | undefined);
  }
  if (item.type !== 'Container') return;
  const def: ResourceList = { ...item.default };
  const req: ResourceList = { ...item.defaultRequest };
  for (const [k, v] of Object.entries(item.max ?? {})) if (!(k in def)) def[k] = v;
  for (const [k, v] of Object.entries(def)) if (!(k in req)) req[k] = v;
  for (const [k, v] of Object.entries(item.min ?? {})) if (!(k in req)) req[k] = v;
  if (Object.keys(def).length) item.default = def;
  if (Object.keys(req).length) item.defaultRequest = req;
}

export const limitRanges: ResourceDefinition<LimitRange & KObject> = {
  group: '',
  version: 'v1',
  kind: 'LimitRange',
  plural: 'limitranges',
  singular: 'limitrange',
  namespaced: true,
  shortNames: ['limits'],

  defaults(lr) {
    for (const item of lr.spec?.limits ?? []) defaultItem(item);
  },

  validate(lr) {
    const errs: FieldError[] = [];
    const types = new Set<string>();
    (lr.spec?.limits ?? []).forEach((item, i) => {
      const field = `spec.limits[${i}]`;
      const type = item.type ?? '';
      errs.push(...validateTypeName(type, `${field}.type`));
      if (types.has(type)) errs.push(duplicate(`${field}.type`, type));
      types.add(type);
      errs.push(...validateItem(item, field));
    });
    return errs;
  },

  // No printer upstream: the server's default table (name and creation time).
  table: {
    columns: [
      { name: 'Name', type: 'string', format: 'name' },
      { name: 'Created At', type: 'date' },
    ],
    row: (lr) => [lr.metadata?.name ?? '', lr.metadata?.creationTimestamp ?? '0001-01-01T00:00:00Z'],
  },
};
