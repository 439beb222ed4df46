// rbac.authorization.k8s.io/v1 RoleBinding: grants a Role or ClusterRole to subjects within a
// namespace. The roleRef is fixed once created. Also holds what ClusterRoleBinding shares with
// it: defaults, roleRef and subject checks, and the table.
import type { ClusterRoleBinding, RoleBinding, RoleRef, Subject } from 'kubernetes-types/rbac/v1';
import type { KObject, ResourceDefinition, TableColumn, TableContext } from '../../types.ts';
import {
  type FieldError, invalidValue, isDNS1123Subdomain, notSupported, required, validatePathSegmentName,
} from '../../../machinery/validation.ts';
import { goQuote, invalidGo } from '../../common/go-value.ts';

export const RBAC_GROUP = 'rbac.authorization.k8s.io';

type Binding = RoleBinding | ClusterRoleBinding;

/** roleRef.apiGroup defaults to RBAC's group; User and Group subjects belong to it too. */
export function defaultBinding(obj: Binding): void {
  if (obj.roleRef && !obj.roleRef.apiGroup) obj.roleRef.apiGroup = RBAC_GROUP;
  for (const subject of obj.subjects ?? []) {
    if (!subject.apiGroup && (subject.kind === 'User' || subject.kind === 'Group')) subject.apiGroup = RBAC_GROUP;
  }
}

export function validateRoleRef(ref: RoleRef | undefined, kinds: string[]): FieldError[] {
  const errs: FieldError[] = [];
  const apiGroup = ref?.apiGroup ?? '';
  if (apiGroup !== RBAC_GROUP) errs.push(notSupported('roleRef.apiGroup', apiGroup, [RBAC_GROUP]));
  const kind = ref?.kind ?? '';
  if (!kinds.includes(kind)) errs.push(notSupported('roleRef.kind', kind, kinds));
  const name = ref?.name ?? '';
  if (!name) errs.push(required('roleRef.name'));
  else for (const msg of validatePathSegmentName(name)) errs.push(invalidValue('roleRef.name', name, msg));
  return errs;
}

/** Service accounts must name a namespace unless the binding itself is namespaced. */
export function validateSubject(subject: Subject, namespaced: boolean, field: string): FieldError[] {
  const errs: FieldError[] = [];
  const name = subject.name ?? '';
  const apiGroup = subject.apiGroup ?? '';
  if (!name) errs.push(required(`${field}.name`));
  switch (subject.kind) {
    case 'ServiceAccount':
      if (name) {
        // Service account names are DNS subdomains (upstream's ValidateServiceAccountName).
        for (const msg of isDNS1123Subdomain(name)) errs.push(invalidValue(`${field}.name`, name, msg));
      }
      if (apiGroup) errs.push(notSupported(`${field}.apiGroup`, apiGroup, ['']));
      if (!namespaced && !subject.namespace) errs.push(required(`${field}.namespace`));
      break;
    case 'User':
    case 'Group':
      if (!name) errs.push(invalidValue(`${field}.name`, name, `${subject.kind.toLowerCase()} name cannot be empty`));
      if (apiGroup !== RBAC_GROUP) errs.push(notSupported(`${field}.apiGroup`, apiGroup, [RBAC_GROUP]));
      break;
    default:
      errs.push(notSupported(`${field}.kind`, subject.kind ?? '', ['ServiceAccount', 'User', 'Group']));
  }
  return errs;
}

export function validateBinding(obj: Binding, namespaced: boolean, kinds: string[]): FieldError[] {
  return [
    ...validateRoleRef(obj.roleRef, kinds),
    ...(obj.subjects ?? []).flatMap((s, i) => validateSubject(s, namespaced, `subjects[${i}]`)),
  ];
}

/** The roleRef may never change: deleting and re-creating the binding is the way to re-point it. */
export function validateRoleRefUnchanged(obj: Binding, old: Binding): FieldError[] {
  const a = obj.roleRef ?? ({} as RoleRef);
  const b = old.roleRef ?? ({} as RoleRef);
  if (a.apiGroup === b.apiGroup && a.kind === b.kind && a.name === b.name) return [];
  const rendered = `rbac.RoleRef{APIGroup:${goQuote(a.apiGroup ?? '')}, Kind:${goQuote(a.kind ?? '')}, Name:${goQuote(a.name ?? '')}}`;
  return [invalidGo('roleRef', a, rendered, 'cannot change roleRef')];
}

/** Users, groups and service accounts ("namespace/name") of a binding, as upstream's SubjectsStrings. */
function subjectsStrings(subjects: Subject[]): [string, string, string] {
  const users: string[] = [];
  const groups: string[] = [];
  const serviceAccounts: string[] = [];
  for (const s of subjects) {
    if (s.kind === 'ServiceAccount') serviceAccounts.push(`${s.namespace ?? ''}/${s.name ?? ''}`);
    else if (s.kind === 'User') users.push(s.name ?? '');
    else if (s.kind === 'Group') groups.push(s.name ?? '');
  }
  return [users.join(', '), groups.join(', '), serviceAccounts.join(', ')];
}

export const bindingTable = {
  columns: [
    { name: 'Name', type: 'string', format: 'name' },
    { name: 'Role', type: 'string' },
    { name: 'Age', type: 'string' },
    { name: 'Users', type: 'string', priority: 1 },
    { name: 'Groups', type: 'string', priority: 1 },
    { name: 'ServiceAccounts', type: 'string', priority: 1 },
  ] as TableColumn[],
  row(obj: Binding, ctx: TableContext): unknown[] {
    const role = `${obj.roleRef?.kind ?? ''}/${obj.roleRef?.name ?? ''}`;
    return [obj.metadata?.name ?? '', role, ctx.age(obj.metadata?.creationTimestamp), ...subjectsStrings(obj.subjects ?? [])];
  },
};

export const roleBindings: ResourceDefinition<RoleBinding & KObject> = {
  group: RBAC_GROUP,
  version: 'v1',
  kind: 'RoleBinding',
  plural: 'rolebindings',
  singular: 'rolebinding',
  namespaced: true,
  nameValidator: validatePathSegmentName,
  defaults: defaultBinding,
  validate: (obj) => validateBinding(obj, true, ['Role', 'ClusterRole']),
  validateUpdate: validateRoleRefUnchanged,
  table: bindingTable,
};
