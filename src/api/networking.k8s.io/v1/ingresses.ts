// networking.k8s.io/v1 Ingress: HTTP(S) routing rules to services. Validation, strategy and
// table follow upstream 1.32 (pkg/apis/networking/validation, printers.go).
import type {
  HTTPIngressPath, HTTPIngressRuleValue, Ingress, IngressBackend, IngressLoadBalancerStatus, IngressRule, IngressSpec,
} from 'kubernetes-types/networking/v1';
import type { TypedLocalObjectReference } from 'kubernetes-types/core/v1';
import type { KObject, ResourceDefinition } from '../../types.ts';
import {
  type FieldError, invalidValue, isDNS1035Label, isDNS1123Subdomain, notSupported, required, validatePathSegmentName,
} from '../../../machinery/validation.ts';
import { invalidGo } from '../../common/go-value.ts';
import { isValidPortName, isValidPortNum, parseIP, validateIP } from '../../core/v1/core-rules.ts';

const INGRESS_CLASS_ANNOTATION = 'kubernetes.io/ingress.class';
const SUPPORTED_PATH_TYPES = ['Exact', 'ImplementationSpecific', 'Prefix'];
const INVALID_PATH_SEQUENCES = ['//', '/./', '/../', '%2f', '%2F'];
const INVALID_PATH_SUFFIXES = ['/..', '/.'];

/** Leniency an update gets for invalid values an older server let in (upstream's IngressValidationOptions). */
interface IngressOptions {
  allowInvalidSecretName: boolean;
  allowInvalidWildcardHostRule: boolean;
}
const STRICT: IngressOptions = { allowInvalidSecretName: false, allowInvalidWildcardHostRule: false };

// validate() runs on create and update alike; prepareForUpdate records what the update may keep.
const updateOptions = new WeakMap<object, IngressOptions>();

// ---- host and path rules -----------------------------------------------------------------

const DNS1123_SUBDOMAIN_FMT = '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*';
const WILDCARD_FMT = `\\*\\.${DNS1123_SUBDOMAIN_FMT}`;
const WILDCARD_RE = new RegExp(`^${WILDCARD_FMT}$`);

/** upstream's IsWildcardDNS1123Subdomain ("*.example.com"). */
function isWildcardDNS1123Subdomain(value: string): string[] {
  const errs: string[] = [];
  if (value.length > 253) errs.push('must be no more than 253 characters');
  if (!WILDCARD_RE.test(value)) {
    errs.push("a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which must consist of " +
      "lower case alphanumeric characters, '-' or '.' and end with an alphanumeric character " +
      `(e.g. '*.example.com', regex used for validation is '${WILDCARD_FMT}')`);
  }
  return errs;
}

/** A host is a DNS name or a wildcard name; never an IP address. */
function validateHost(host: string, field: string): FieldError[] {
  return host.includes('*')
    ? isWildcardDNS1123Subdomain(host).map((msg) => invalidValue(field, host, msg))
    : isDNS1123Subdomain(host).map((msg) => invalidValue(field, host, msg));
}

// ---- spec --------------------------------------------------------------------------------

function validateSpec(spec: IngressSpec, opts: IngressOptions): FieldError[] {
  const errs: FieldError[] = [];
  const rules = spec.rules ?? [];
  if (rules.length === 0 && !spec.defaultBackend) {
    const rendered = spec.rules ? '[]networking.IngressRule{}' : '[]networking.IngressRule(nil)';
    errs.push(invalidGo('spec', spec.rules, rendered, 'either `defaultBackend` or `rules` must be specified'));
  }
  if (spec.defaultBackend) errs.push(...validateBackend(spec.defaultBackend, 'spec.defaultBackend'));
  rules.forEach((rule, i) => errs.push(...validateRule(rule, `spec.rules[${i}]`, opts)));
  (spec.tls ?? []).forEach((tls, i) => {
    (tls.hosts ?? []).forEach((host, j) => errs.push(...validateHost(host, `spec.tls[${i}].hosts[${j}]`)));
    const secretName = tls.secretName ?? '';
    if (secretName && !opts.allowInvalidSecretName) {
      for (const msg of isDNS1123Subdomain(secretName)) errs.push(invalidValue(`spec.tls[${i}].secretName`, secretName, msg));
    }
  });
  if (spec.ingressClassName !== undefined) {
    for (const msg of isDNS1123Subdomain(spec.ingressClassName)) {
      errs.push(invalidValue('spec.ingressClassName', spec.ingressClassName, msg));
    }
  }
  return errs;
}

function validateRule(rule: IngressRule, field: string, opts: IngressOptions): FieldError[] {
  const errs: FieldError[] = [];
  const host = rule.host ?? '';
  let wildcard = false;
  if (host) {
    if (parseIP(host)) errs.push(invalidValue(`${field}.host`, host, 'must be a DNS name, not an IP address'));
    wildcard = host.includes('*');
    errs.push(...validateHost(host, `${field}.host`));
  }
  if (!wildcard || !opts.allowInvalidWildcardHostRule) errs.push(...validateRuleValue(rule.http, `${field}.http`));
  return errs;
}

function validateRuleValue(http: HTTPIngressRuleValue | undefined, field: string): FieldError[] {
  if (!http) return [];
  const paths = http.paths ?? [];
  const errs: FieldError[] = [];
  if (paths.length === 0) errs.push(required(`${field}.paths`));
  paths.forEach((path, i) => errs.push(...validatePath(path, `${field}.paths[${i}]`)));
  return errs;
}

function validatePath(path: HTTPIngressPath, field: string): FieldError[] {
  // Unlike extensions/v1beta1, networking.k8s.io/v1 has no default pathType.
  if (path.pathType === undefined) return [required(`${field}.pathType`, 'pathType must be specified')];
  const errs: FieldError[] = [];
  const p = path.path ?? '';
  switch (path.pathType) {
    case 'Exact': case 'Prefix':
      if (!p.startsWith('/')) errs.push(invalidValue(`${field}.path`, p, 'must be an absolute path'));
      for (const seq of INVALID_PATH_SEQUENCES) {
        if (p.includes(seq)) errs.push(invalidValue(`${field}.path`, p, `must not contain '${seq}'`));
      }
      for (const suffix of INVALID_PATH_SUFFIXES) {
        if (p.endsWith(suffix)) errs.push(invalidValue(`${field}.path`, p, `cannot end with '${suffix}'`));
      }
      break;
    case 'ImplementationSpecific':
      if (p && !p.startsWith('/')) errs.push(invalidValue(`${field}.path`, p, 'must be an absolute path'));
      break;
    default:
      errs.push(notSupported(`${field}.pathType`, path.pathType, SUPPORTED_PATH_TYPES));
  }
  errs.push(...validateBackend(path.backend ?? {}, `${field}.backend`));
  return errs;
}

function validateBackend(backend: IngressBackend, field: string): FieldError[] {
  if (backend.resource && backend.service) return [invalidValue(field, '', 'cannot set both resource and service backends')];
  if (backend.resource) return validateTypedReference(backend.resource, `${field}.resource`);
  if (!backend.service) return [invalidValue(field, '', 'resource or service backend is required')];

  const errs: FieldError[] = [];
  const name = backend.service.name ?? '';
  if (!name) errs.push(required(`${field}.service.name`));
  else for (const msg of isDNS1035Label(name)) errs.push(invalidValue(`${field}.service.name`, name, msg));

  const portName = backend.service.port?.name ?? '';
  const portNumber = backend.service.port?.number ?? 0;
  if (portName && portNumber) {
    errs.push(invalidValue(field, '', 'cannot set both port name & port number'));
  } else if (portName) {
    for (const msg of isValidPortName(portName)) errs.push(invalidValue(`${field}.service.port.name`, portName, msg));
  } else if (portNumber) {
    for (const msg of isValidPortNum(portNumber)) errs.push(invalidValue(`${field}.service.port.number`, portNumber, msg));
  } else {
    errs.push(required(field, 'port name or number is required'));
  }
  return errs;
}

function validateTypedReference(ref: TypedLocalObjectReference, field: string): FieldError[] {
  const errs: FieldError[] = [];
  if (ref.apiGroup !== undefined && ref.apiGroup !== null) {
    for (const msg of isDNS1123Subdomain(ref.apiGroup)) errs.push(invalidValue(`${field}.apiGroup`, ref.apiGroup, msg));
  }
  for (const part of ['kind', 'name'] as const) {
    const value = ref[part] ?? '';
    if (!value) errs.push(required(`${field}.${part}`));
    else for (const msg of validatePathSegmentName(value)) errs.push(invalidValue(`${field}.${part}`, value, msg));
  }
  return errs;
}

function validateLoadBalancerStatus(status: IngressLoadBalancerStatus | undefined, field: string): FieldError[] {
  const errs: FieldError[] = [];
  (status?.ingress ?? []).forEach((ing, i) => {
    const at = `${field}.ingress[${i}]`;
    if (ing.ip) errs.push(...validateIP(ing.ip, `${at}.ip`));
    if (ing.hostname) {
      for (const msg of isDNS1123Subdomain(ing.hostname)) errs.push(invalidValue(`${at}.hostname`, ing.hostname, msg));
      if (parseIP(ing.hostname)) errs.push(invalidValue(`${at}.hostname`, ing.hostname, 'must be a DNS name, not an IP address'));
    }
  });
  return errs;
}

// ---- table -------------------------------------------------------------------------------

/** Up to three hosts, "*" when no rule names one. */
function formatHosts(rules: IngressRule[]): string {
  const list: string[] = [];
  let more = false;
  for (const rule of rules) {
    if (list.length === 3) more = true;
    if (!more && rule.host) list.push(rule.host);
  }
  if (list.length === 0) return '*';
  return more ? `${list.join(',')} + ${rules.length - 3} more...` : list.join(',');
}

/** The load balancer's IPs (or hostnames), de-duplicated and sorted. */
function formatAddress(status: IngressLoadBalancerStatus | undefined): string {
  const set = new Set<string>();
  for (const ing of status?.ingress ?? []) {
    if (ing.ip) set.add(ing.ip);
    else if (ing.hostname) set.add(ing.hostname);
  }
  return [...set].sort().join(',');
}

// ---- definition --------------------------------------------------------------------------

export const ingresses: ResourceDefinition<Ingress & KObject> = {
  group: 'networking.k8s.io',
  version: 'v1',
  kind: 'Ingress',
  plural: 'ingresses',
  singular: 'ingress',
  namespaced: true,
  shortNames: ['ing'],
  statusSubresource: true,
  generation: true,

  prepareForCreate(obj) {
    obj.status = { loadBalancer: {} };
  },

  prepareForUpdate(obj, old) {
    // Keep accepting values that were valid when the old object was stored.
    const oldSpec = old.spec ?? {};
    updateOptions.set(obj, {
      allowInvalidSecretName: (oldSpec.tls ?? []).some((t) => !!t.secretName && isDNS1123Subdomain(t.secretName).length > 0),
      allowInvalidWildcardHostRule: (oldSpec.rules ?? []).some((r) =>
        (r.host ?? '').includes('*') && validateRuleValue(r.http, 'http').length > 0),
    });
  },

  validate(obj) {
    const opts = updateOptions.get(obj);
    const errs = validateSpec(obj.spec ?? {}, opts ?? STRICT);
    if (!opts) {
      // Only a new object must agree between the legacy annotation and ingressClassName.
      const annotation = obj.metadata?.annotations?.[INGRESS_CLASS_ANNOTATION];
      const className = obj.spec?.ingressClassName;
      if (annotation !== undefined && className !== undefined && annotation !== className) {
        errs.push(invalidValue(`annotations.${INGRESS_CLASS_ANNOTATION}`, annotation, 'must match `ingressClassName` when both are specified'));
      }
    }
    return errs;
  },

  validateStatus(obj) {
    return validateLoadBalancerStatus(obj.status?.loadBalancer, 'status.loadBalancer');
  },

  table: {
    columns: [
      { name: 'Name', type: 'string', format: 'name' },
      { name: 'Class', type: 'string', description: 'The name of the IngressClass resource that should be used for additional configuration' },
      { name: 'Hosts', type: 'string', description: 'Hosts that incoming requests are matched against before the ingress rule' },
      { name: 'Address', type: 'string', description: 'Address is a list containing ingress points for the load-balancer' },
      { name: 'Ports', type: 'string', description: 'Ports of TLS configurations that open' },
      { name: 'Age', type: 'string' },
    ],
    row(obj, ctx) {
      const spec = obj.spec ?? {};
      return [
        obj.metadata?.name ?? '',
        spec.ingressClassName ?? '<none>',
        formatHosts(spec.rules ?? []),
        formatAddress(obj.status?.loadBalancer),
        spec.tls?.length ? '80, 443' : '80',
        ctx.age(obj.metadata?.creationTimestamp),
      ];
    },
  },
};
