// rbac.authorization.k8s.io/v1 ClusterRole: cluster-wide permissions, possibly aggregated from
// other cluster roles by label. Names only need to be usable as a path segment.
import type { ClusterRole } from 'kubernetes-types/rbac/v1';
import type { KObject, ResourceDefinition } from '../../types.ts';
import { type FieldError, required, validatePathSegmentName } from '../../../machinery/validation.ts';
import { validateLabelSelector } from '../../common/label-selector-rules.ts';
import { createdAtTable, validatePolicyRule } from './roles.ts';

export const clusterRoles: ResourceDefinition<ClusterRole & KObject> = {
  group: 'rbac.authorization.k8s.io',
  version: 'v1',
  kind: 'ClusterRole',
  plural: 'clusterroles',
  singular: 'clusterrole',
  namespaced: false,
  nameValidator: validatePathSegmentName,

  validate(obj) {
    const errs: FieldError[] = (obj.rules ?? []).flatMap((rule, i) => validatePolicyRule(rule, false, `rules[${i}]`));
    const aggregation = obj.aggregationRule;
    if (aggregation) {
      const selectors = aggregation.clusterRoleSelectors ?? [];
      if (selectors.length === 0) {
        errs.push(required('aggregationRule.clusterRoleSelectors', 'at least one clusterRoleSelector required if aggregationRule is non-nil'));
      }
      selectors.forEach((sel, i) => errs.push(...validateLabelSelector(sel, `aggregationRule.clusterRoleSelectors[${i}]`)));
    }
    return errs;
  },

  table: createdAtTable,
};
