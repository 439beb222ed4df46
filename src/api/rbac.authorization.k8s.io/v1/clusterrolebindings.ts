// rbac.authorization.k8s.io/v1 ClusterRoleBinding: grants a ClusterRole cluster-wide. Shares its
// rules with RoleBinding, except that only ClusterRoles may be bound and service-account
// subjects must name their namespace.
import type { ClusterRoleBinding } from 'kubernetes-types/rbac/v1';
import type { KObject, ResourceDefinition } from '../../types.ts';
import { validatePathSegmentName } from '../../../machinery/validation.ts';
import { RBAC_GROUP, bindingTable, defaultBinding, validateBinding, validateRoleRefUnchanged } from './rolebindings.ts';

export const clusterRoleBindings: ResourceDefinition<ClusterRoleBinding & KObject> = {
  group: RBAC_GROUP,
  version: 'v1',
  kind: 'ClusterRoleBinding',
  plural: 'clusterrolebindings',
  singular: 'clusterrolebinding',
  namespaced: false,
  nameValidator: validatePathSegmentName,
  defaults: defaultBinding,
  validate: (obj) => validateBinding(obj, false, ['ClusterRole']),
  validateUpdate: validateRoleRefUnchanged,
  table: bindingTable,
};
