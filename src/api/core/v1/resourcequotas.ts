// core/v1 ResourceQuota: hard limits on what a namespace may consume. The quota controller
// writes usage to /status; this file checks the spec and formats "used/hard" for kubectl.
import type { ResourceQuota as ResourceQuotaType, ResourceQuotaSpec, ResourceQuotaStatus, ScopeSelector } from 'kubernetes-types/core/v1';
import type { KObject, ResourceDefinition } from '../../types.ts';
import { type FieldError, invalidValue, required } from '../../../machinery/validation.ts';
import { formatQuantity, parseQuantity } from '../../../machinery/quantity.ts';
import {
  isStandardQuotaResourceName, roundResourceList, validateQuotaResourceName, validateResourceQuantityValue,
} from './core-rules.ts';
import { goString, goStringSlice, invalidGo } from './go-values.ts';

type ResourceQuota = ResourceQuotaType & KObject & { status?: ResourceQuotaStatus };

const STANDARD_SCOPES = new Set(['Terminating', 'NotTerminating', 'BestEffort', 'NotBestEffort', 'PriorityClass', 'CrossNamespacePodAffinity']);
/** Scopes that only make sense as a flag, so their selector operator must be Exists. */
const FLAG_SCOPES = new Set(['BestEffort', 'NotBestEffort', 'Terminating', 'NotTerminating', 'CrossNamespacePodAffinity']);
const CONFLICTING_SCOPES: [string, string][] = [['BestEffort', 'NotBestEffort'], ['Terminating', 'NotTerminating']];
const POD_COMPUTE_RESOURCES = new Set(['cpu', 'memory', 'limits.cpu', 'limits.memory', 'requests.cpu', 'requests.memory']);

/** Which resources a scope can limit: pod-bound scopes only count pods and their compute. */
function scopeAppliesTo(scope: string, resource: string): boolean {
  switch (scope) {
    case 'Terminating': case 'NotTerminating': case 'NotBestEffort': case 'PriorityClass': case 'CrossNamespacePodAffinity':
      return resource === 'pods' || POD_COMPUTE_RESOURCES.has(resource);
    case 'BestEffort':
      return resource === 'pods';
    default:
      return true;
  }
}

const goScopes = (scopes: string[] | undefined) => goStringSlice(scopes, 'core.ResourceQuotaScope');

function goScopeSelector(sel: ScopeSelector): string {
  const exprs = (sel.matchExpressions ?? []).map((r) =>
    `core.ScopedResourceSelectorRequirement{ScopeName:${goString(r.scopeName)}, Operator:${goString(r.operator)}, Values:${goStringSlice(r.values)}}`);
  const list = sel.matchExpressions === undefined ? '[]core.ScopedResourceSelectorRequirement(nil)' : `[]core.ScopedResourceSelectorRequirement{${exprs.join(', ')}}`;
  return `core.ScopeSelector{MatchExpressions:${list}}`;
}

function validateResourceList(list: Record<string, string> | undefined, field: string): FieldError[] {
  return Object.entries(list ?? {}).flatMap(([name, q]) => [
    ...validateQuotaResourceName(name, `${field}[${name}]`),
    ...validateResourceQuantityValue(name, q, `${field}[${name}]`),
  ]);
}

function validateScopes(spec: ResourceQuotaSpec): FieldError[] {
  const scopes = spec.scopes ?? [];
  if (!scopes.length) return [];
  const errs: FieldError[] = [];
  const hard = Object.keys(spec.hard ?? {}).sort();
  const bad = (msg: string) => invalidGo('spec.scopes', scopes, goScopes(scopes), msg);
  for (const scope of scopes) {
    if (!STANDARD_SCOPES.has(scope)) errs.push(bad('unsupported scope'));
    for (const k of hard) if (isStandardQuotaResourceName(k) && !scopeAppliesTo(scope, k)) errs.push(bad('unsupported scope applied to resource'));
  }
  for (const [a, b] of CONFLICTING_SCOPES) if (scopes.includes(a) && scopes.includes(b)) errs.push(bad('conflicting scopes'));
  return errs;
}

function validateScopeSelector(spec: ResourceQuotaSpec): FieldError[] {
  const sel = spec.scopeSelector;
  if (!sel) return [];
  const errs: FieldError[] = [];
  const field = 'spec.scopeSelector.matchExpressions';
  const hard = Object.keys(spec.hard ?? {}).sort();
  const seen = new Set<string>();
  for (const req of sel.matchExpressions ?? []) {
    const scope = req.scopeName ?? '';
    if (!STANDARD_SCOPES.has(scope)) errs.push(invalidValue(`${field}.scopeName`, scope, 'unsupported scope'));
    for (const k of hard) {
      if (isStandardQuotaResourceName(k) && !scopeAppliesTo(scope, k)) {
        errs.push(invalidGo(field, sel, goScopeSelector(sel), 'unsupported scope applied to resource'));
      }
    }
    if (FLAG_SCOPES.has(scope) && req.operator !== 'Exists') {
      errs.push(invalidValue(`${field}.operator`, req.operator ?? '',
        "must be 'Exists' when scope is any of ResourceQuotaScopeTerminating, ResourceQuotaScopeNotTerminating, ResourceQuotaScopeBestEffort, ResourceQuotaScopeNotBestEffort or ResourceQuotaScopeCrossNamespacePodAffinity"));
    }
    switch (req.operator) {
      case 'In': case 'NotIn':
        if (!req.values?.length) errs.push(required(`${field}.values`, "must be at least one value when `operator` is 'In' or 'NotIn' for scope selector"));
        break;
      case 'Exists': case 'DoesNotExist':
        if (req.values?.length) {
          errs.push(invalidGo(`${field}.values`, req.values, goStringSlice(req.values), "must be no value when `operator` is 'Exist' or 'DoesNotExist' for scope selector"));
        }
        break;
      default:
        errs.push(invalidValue(`${field}.operator`, req.operator ?? '', 'not a valid selector operator'));
    }
    seen.add(scope);
  }
  for (const [a, b] of CONFLICTING_SCOPES) {
    if (seen.has(a) && seen.has(b)) errs.push(invalidGo(field, spec.scopes, goScopes(spec.scopes), 'conflicting scopes'));
  }
  return errs;
}

const validateStatus = (rq: ResourceQuota): FieldError[] => [
  ...validateResourceList(rq.status?.hard, 'status.hard'),
  ...validateResourceList(rq.status?.used, 'status.used'),
];

/** "pods: 1/10, requests.cpu: 0/1" and "limits.cpu: 0/2": used/hard per resource, sorted by name. */
function usageCells(rq: ResourceQuota): [string, string] {
  const requests: string[] = [];
  const limits: string[] = [];
  const hard = rq.status?.hard ?? {};
  const used = rq.status?.used ?? {};
  const show = (text: string | undefined) => {
    try {
      return formatQuantity(parseQuantity(text ?? '0'));
    } catch {
      return String(text);
    }
  };
  for (const name of Object.keys(hard).sort()) {
    const pieces = name.split('.');
    const cell = `${name}: ${show(used[name])}/${show(hard[name])}`;
    (pieces.length > 1 && pieces[0] === 'limits' ? limits : requests).push(cell);
  }
  return [requests.join(', '), limits.join(', ')];
}

export const resourceQuotas: ResourceDefinition<ResourceQuota> = {
  group: '',
  version: 'v1',
  kind: 'ResourceQuota',
  plural: 'resourcequotas',
  singular: 'resourcequota',
  namespaced: true,
  shortNames: ['quota'],
  statusSubresource: true,

  defaults(rq) {
    roundResourceList(rq.spec?.hard);
    roundResourceList(rq.status?.hard);
    roundResourceList(rq.status?.used);
  },

  prepareForCreate(rq) {
    rq.status = {};
  },

  validate: (rq) => [
    ...validateResourceList(rq.spec?.hard, 'spec.hard'),
    ...validateScopes(rq.spec ?? {}),
    ...validateScopeSelector(rq.spec ?? {}),
    ...validateStatus(rq),
  ],

  validateUpdate(rq, old) {
    const scopes = new Set(rq.spec?.scopes ?? []);
    const oldScopes = new Set(old.spec?.scopes ?? []);
    const same = scopes.size === oldScopes.size && [...scopes].every((s) => oldScopes.has(s));
    return same ? [] : [invalidGo('spec.scopes', rq.spec?.scopes, goScopes(rq.spec?.scopes), 'field is immutable')];
  },

  validateStatus,

  table: {
    columns: [
      { name: 'Name', type: 'string', format: 'name' },
      { name: 'Age', type: 'string' },
      { name: 'Request', type: 'string', description: 'Request represents a minimum amount of cpu/memory that a container may consume.' },
      { name: 'Limit', type: 'string', description: 'Limits control the maximum amount of cpu/memory that a container may use independent of contention on the node.' },
    ],
    row(rq, ctx) {
      const [request, limit] = usageCells(rq);
      return [rq.metadata?.name ?? '', ctx.age(rq.metadata?.creationTimestamp), request, limit];
    },
  },
};
