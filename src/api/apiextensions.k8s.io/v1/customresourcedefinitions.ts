// apiextensions.k8s.io/v1 CustomResourceDefinition, stored and listed so that clients which look
// for CRDs (kubectl's validation of unknown kinds does) get upstream's answers. Serving the
// custom resources a CRD defines is not implemented yet.
import type { CustomResourceDefinition } from 'kubernetes-types/apiextensions/v1';
import type { KObject, ResourceDefinition } from '../../types.ts';
import { type FieldError, invalidValue, required, isDNS1123Subdomain } from '../../../machinery/validation.ts';
import { createdAtTable } from '../../rbac.authorization.k8s.io/v1/roles.ts';

export const customResourceDefinitions: ResourceDefinition<CustomResourceDefinition & KObject> = {
  group: 'apiextensions.k8s.io',
  version: 'v1',
  kind: 'CustomResourceDefinition',
  plural: 'customresourcedefinitions',
  singular: 'customresourcedefinition',
  namespaced: false,
  shortNames: ['crd', 'crds'],
  categories: ['api-extensions'],
  statusSubresource: true,
  generation: true,

  prepareForCreate(obj) {
    delete obj.status;
  },
  prepareForUpdate(obj, old) {
    if (old.status === undefined) delete obj.status; else obj.status = old.status;
  },
  validate(obj) {
    const errs: FieldError[] = [];
    const spec = obj.spec;
    if (!spec?.group) errs.push(required('spec.group'));
    else for (const msg of isDNS1123Subdomain(spec.group)) errs.push(invalidValue('spec.group', spec.group, msg));
    if (!spec?.names?.plural) errs.push(required('spec.names.plural'));
    if (!spec?.names?.kind) errs.push(required('spec.names.kind'));
    if (!['Namespaced', 'Cluster'].includes(spec?.scope ?? '')) errs.push(invalidValue('spec.scope', spec?.scope ?? '', 'must be either Namespaced or Cluster'));
    if (!spec?.versions?.length) errs.push(required('spec.versions', 'must have exactly one version marked as storage version'));
    const name = obj.metadata?.name ?? '';
    if (spec?.group && spec.names?.plural && name !== `${spec.names.plural}.${spec.group}`) {
      errs.push(invalidValue('metadata.name', name, 'must be spec.names.plural+"."+spec.group'));
    }
    return errs;
  },

  table: createdAtTable,
};
