// rbac.authorization.k8s.io/v1 Role: a namespaced set of permissions. Names only need to be
// usable as a path segment. Also holds what ClusterRole shares with it: the policy-rule check
// and the bare "Name, Created At" table upstream's default table convertor produces.
import type { PolicyRule, Role } from 'kubernetes-types/rbac/v1';
import type { KObject, ResourceDefinition, TableColumn } from '../../types.ts';
import { type FieldError, required, validatePathSegmentName } from '../../../machinery/validation.ts';
import { rfc3339 } from '../../../machinery/meta.ts';
import { goQuote, invalidGo } from '../../common/go-value.ts';

const goStrings = (values: string[]) => `[]string{${values.map(goQuote).join(', ')}}`;

/** upstream's ValidatePolicyRule; namespaced roles may not grant non-resource URLs. */
export function validatePolicyRule(rule: PolicyRule, namespaced: boolean, field: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!rule.verbs?.length) errs.push(required(`${field}.verbs`, 'verbs must contain at least one value'));
  const urls = rule.nonResourceURLs ?? [];
  if (urls.length > 0) {
    if (namespaced) {
      errs.push(invalidGo(`${field}.nonResourceURLs`, urls, goStrings(urls), 'namespaced rules cannot apply to non-resource URLs'));
    }
    if (rule.apiGroups?.length || rule.resources?.length || rule.resourceNames?.length) {
      errs.push(invalidGo(`${field}.nonResourceURLs`, urls, goStrings(urls), 'rules cannot apply to both regular resources and non-resource URLs'));
    }
    return errs;
  }
  if (!rule.apiGroups?.length) errs.push(required(`${field}.apiGroups`, 'resource rules must supply at least one api group'));
  if (!rule.resources?.length) errs.push(required(`${field}.resources`, 'resource rules must supply at least one resource'));
  if (rule.resourceNames?.length && (rule.resources?.length ?? 0) > 1) {
    errs.push(required(`${field}.resourceNames`, 'resource names cannot apply to multiple resources'));
  }
  return errs;
}

/**
 * upstream serves roles and cluster roles with the default table convertor: the name and the
 * creation time as an RFC 3339 date, not an age.
 */
export const createdAtTable = {
  columns: [
    { name: 'Name', type: 'string', format: 'name' },
    { name: 'Created At', type: 'date' },
  ] as TableColumn[],
  row(obj: KObject): unknown[] {
    const ts = obj.metadata?.creationTimestamp;
    const time = ts ? new Date(ts) : undefined;
    const created = time && !Number.isNaN(time.getTime()) ? rfc3339(time) : '0001-01-01T00:00:00Z';
    return [obj.metadata?.name ?? '', created];
  },
};

export const roles: ResourceDefinition<Role & KObject> = {
  group: 'rbac.authorization.k8s.io',
  version: 'v1',
  kind: 'Role',
  plural: 'roles',
  singular: 'role',
  namespaced: true,
  nameValidator: validatePathSegmentName,

  validate(obj) {
    return (obj.rules ?? []).flatMap((rule, i) => validatePolicyRule(rule, true, `rules[${i}]`));
  },

  table: createdAtTable,
};
