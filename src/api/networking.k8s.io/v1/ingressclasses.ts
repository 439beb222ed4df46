// networking.k8s.io/v1 IngressClass: which controller implements a class of ingresses, and
// where its parameters live. Cluster-scoped; the controller is fixed once set.
import type { IngressClass, IngressClassParametersReference } from 'kubernetes-types/networking/v1';
import type { KObject, ResourceDefinition } from '../../types.ts';
import {
  type FieldError, forbiddenField, immutable, invalidValue, isDNS1123Label, isDNS1123Subdomain, notSupported, required,
  tooLong, validatePathSegmentName,
} from '../../../machinery/validation.ts';

const MAX_CONTROLLER_LENGTH = 250;
const SCOPES = ['Cluster', 'Namespace'];
const HTTP_PATH_FMT = "[A-Za-z0-9/\\-._~%!$&'()*+,;=:]+";
const HTTP_PATH_RE = new RegExp(`^${HTTP_PATH_FMT}$`);

/** upstream's IsDomainPrefixedPath: "example.com/some-controller". */
function validateDomainPrefixedPath(value: string, field: string): FieldError[] {
  const slash = value.indexOf('/');
  const host = slash < 0 ? value : value.slice(0, slash);
  const path = slash < 0 ? '' : value.slice(slash + 1);
  if (slash < 0 || !host || !path) return [invalidValue(field, value, 'must be a domain-prefixed path (such as "acme.io/foo")')];
  const errs = isDNS1123Subdomain(host).map((msg) => invalidValue(field, host, msg));
  if (!HTTP_PATH_RE.test(path)) errs.push(invalidValue(field, path, `Invalid path (regex used for validation is '${HTTP_PATH_FMT}')`));
  return errs;
}

function validateParameters(params: IngressClassParametersReference | undefined, field: string): FieldError[] {
  if (!params) return [];
  const errs: FieldError[] = [];
  if (params.apiGroup !== undefined && params.apiGroup !== null) {
    for (const msg of isDNS1123Subdomain(params.apiGroup)) errs.push(invalidValue(`${field}.apiGroup`, params.apiGroup, msg));
  }
  for (const part of ['kind', 'name'] as const) {
    const value = params[part] ?? '';
    if (!value) errs.push(required(`${field}.${part}`));
    else for (const msg of validatePathSegmentName(value)) errs.push(invalidValue(`${field}.${part}`, value, msg));
  }
  if (params.scope === undefined || params.scope === null) {
    errs.push(required(`${field}.scope`));
    return errs;
  }
  if (!SCOPES.includes(params.scope)) {
    errs.push(notSupported(`${field}.scope`, params.scope, SCOPES));
  } else if (params.scope === 'Namespace') {
    if (params.namespace === undefined || params.namespace === null) {
      errs.push(required(`${field}.namespace`, "`parameters.scope` is set to 'Namespace'"));
    } else {
      for (const msg of isDNS1123Label(params.namespace)) errs.push(invalidValue(`${field}.namespace`, params.namespace, msg));
    }
  } else if (params.namespace !== undefined && params.namespace !== null) {
    errs.push(forbiddenField(`${field}.namespace`, "`parameters.scope` is set to 'Cluster'"));
  }
  return errs;
}

export const ingressClasses: ResourceDefinition<IngressClass & KObject> = {
  group: 'networking.k8s.io',
  version: 'v1',
  kind: 'IngressClass',
  plural: 'ingressclasses',
  singular: 'ingressclass',
  namespaced: false,
  generation: true,

  defaults(obj) {
    const params = obj.spec?.parameters;
    if (params && params.scope === undefined) params.scope = 'Cluster';
  },

  validate(obj) {
    const errs: FieldError[] = [];
    const controller = obj.spec?.controller ?? '';
    if (!controller) {
      errs.push(required('spec.controller'));
    } else {
      if (controller.length > MAX_CONTROLLER_LENGTH) errs.push(tooLong('spec.controller', MAX_CONTROLLER_LENGTH));
      errs.push(...validateDomainPrefixedPath(controller, 'spec.controller'));
    }
    errs.push(...validateParameters(obj.spec?.parameters, 'spec.parameters'));
    return errs;
  },

  validateUpdate(obj, old) {
    const controller = obj.spec?.controller ?? '';
    return controller === (old.spec?.controller ?? '') ? [] : [immutable('spec.controller', controller)];
  },

  table: {
    columns: [
      { name: 'Name', type: 'string', format: 'name' },
      { name: 'Controller', type: 'string', description: 'Controller that is responsible for handling this class' },
      { name: 'Parameters', type: 'string', description: 'A reference to a resource with additional parameters' },
      { name: 'Age', type: 'string' },
    ],
    row(obj, ctx) {
      const params = obj.spec?.parameters;
      let parameters = '<none>';
      if (params) {
        const group = params.apiGroup !== undefined && params.apiGroup !== null ? `.${params.apiGroup}` : '';
        parameters = `${params.kind ?? ''}${group}/${params.name ?? ''}`;
      }
      return [obj.metadata?.name ?? '', obj.spec?.controller ?? '', parameters, ctx.age(obj.metadata?.creationTimestamp)];
    },
  },
};
