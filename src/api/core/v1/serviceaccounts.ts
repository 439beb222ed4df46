// core/v1 ServiceAccount: an identity for processes in pods. Nothing beyond metadata is checked.
import type { ServiceAccount } from 'kubernetes-types/core/v1';
import type { KObject, ResourceDefinition } from '../../types.ts';

export const serviceAccounts: ResourceDefinition<ServiceAccount & KObject> = {
  group: '',
  version: 'v1',
  kind: 'ServiceAccount',
  plural: 'serviceaccounts',
  singular: 'serviceaccount',
  namespaced: true,
  shortNames: ['sa'],

  table: {
    columns: [
      { name: 'Name', type: 'string', format: 'name' },
      { name: 'Secrets', type: 'string' },
      { name: 'Age', type: 'string' },
    ],
    row: (sa, ctx) => [sa.metadata?.name ?? '', (sa.secrets ?? []).length, ctx.age(sa.metadata?.creationTimestamp)],
  },
};
