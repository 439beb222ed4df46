// discovery.k8s.io/v1 EndpointSlice: a chunk of a service's endpoints of one address type.
// Defaults, validation and table follow upstream 1.32.
import type { Endpoint, EndpointPort, EndpointSlice } from 'kubernetes-types/discovery/v1';
import type { KObject, ResourceDefinition } from '../../types.ts';
import {
  type FieldError, duplicate, immutable, invalidValue, isDNS1123Subdomain, notSupported, required, tooMany,
} from '../../../machinery/validation.ts';
import {
  parseIP, validateDNS1123LabelField, validateNonSpecialIP, validateQualifiedNameField,
} from '../../core/v1/core-rules.ts';

/** Sorted, as upstream lists supported values. The deprecated "IP" type is never accepted on create. */
const ADDRESS_TYPES = ['FQDN', 'IPv4', 'IPv6'];
const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
const MAX_ENDPOINTS = 1000;
const MAX_ADDRESSES = 100;
const MAX_PORTS = 100;

/** upstream's IsFullyQualifiedDomainName. */
function validateFQDN(value: string, field: string): FieldError[] {
  if (!value) return [required(field)];
  const name = value.endsWith('.') ? value.slice(0, -1) : value;
  const errs = isDNS1123Subdomain(name).map((msg) => invalidValue(field, name, msg));
  if (errs.length) return errs;
  const labels = name.split('.');
  if (labels.length < 2) return [invalidValue(field, name, 'should be a domain with at least two segments separated by dots')];
  for (const label of labels) errs.push(...validateDNS1123LabelField(label, field));
  return errs;
}

function validateAddress(address: string, addressType: string | undefined, field: string): FieldError[] {
  // Unknown types fall through unvalidated, as upstream (the type itself is reported separately).
  switch (addressType) {
    case 'IPv4': {
      const errs = parseIP(address)?.length === 4 ? [] : [invalidValue(field, address, 'must be a valid IPv4 address')];
      return [...errs, ...validateNonSpecialIP(address, field)];
    }
    case 'IPv6': {
      const errs = parseIP(address)?.length === 16 ? [] : [invalidValue(field, address, 'must be a valid IPv6 address')];
      return [...errs, ...validateNonSpecialIP(address, field)];
    }
    case 'FQDN':
      return validateFQDN(address, field);
    default:
      return [];
  }
}

function validateEndpoints(endpoints: Endpoint[], addressType: string | undefined): FieldError[] {
  if (endpoints.length > MAX_ENDPOINTS) return [tooMany('endpoints', endpoints.length, MAX_ENDPOINTS)];
  const errs: FieldError[] = [];
  endpoints.forEach((ep, i) => {
    const at = `endpoints[${i}]`;
    const addresses = ep.addresses ?? [];
    if (addresses.length === 0) errs.push(required(`${at}.addresses`, 'must contain at least 1 address'));
    else if (addresses.length > MAX_ADDRESSES) errs.push(tooMany(`${at}.addresses`, addresses.length, MAX_ADDRESSES));
    addresses.forEach((address, j) => errs.push(...validateAddress(address, addressType, `${at}.addresses[${j}]`)));
    if (ep.nodeName !== undefined) {
      for (const msg of isDNS1123Subdomain(ep.nodeName)) errs.push(invalidValue(`${at}.nodeName`, ep.nodeName, msg));
    }
    if (ep.hostname !== undefined) errs.push(...validateDNS1123LabelField(ep.hostname, `${at}.hostname`));
  });
  return errs;
}

function validatePorts(ports: EndpointPort[]): FieldError[] {
  if (ports.length > MAX_PORTS) return [tooMany('ports', ports.length, MAX_PORTS)];
  const errs: FieldError[] = [];
  const names = new Set<string>();
  ports.forEach((port, i) => {
    const at = `ports[${i}]`;
    const name = port.name ?? '';
    if (name) errs.push(...validateDNS1123LabelField(name, `${at}.name`));
    if (names.has(name)) errs.push(duplicate(`${at}.name`, name));
    else names.add(name);
    if (port.protocol === undefined) errs.push(required(`${at}.protocol`));
    else if (!PROTOCOLS.includes(port.protocol)) errs.push(notSupported(`${at}.protocol`, port.protocol, PROTOCOLS));
    if (port.appProtocol !== undefined) errs.push(...validateQualifiedNameField(port.appProtocol, `${at}.appProtocol`));
  });
  return errs;
}

// ---- table -------------------------------------------------------------------------------

/** "a,b,c + 2 more..." for lists longer than three; "<unset>" for none. */
function listWithMore(all: string[]): string {
  const shown = all.slice(0, 3).join(',');
  if (all.length > 3) return `${shown} + ${all.length - 3} more...`;
  return shown || '<unset>';
}

function formatPorts(ports: EndpointPort[]): string {
  return listWithMore(ports.map((p) => (p.port !== undefined ? String(p.port) : p.name !== undefined ? p.name : '*')));
}

function formatEndpoints(endpoints: Endpoint[]): string {
  return listWithMore(endpoints.flatMap((ep) => ep.addresses ?? []));
}

// ---- definition --------------------------------------------------------------------------

export const endpointSlices: ResourceDefinition<EndpointSlice & KObject> = {
  group: 'discovery.k8s.io',
  version: 'v1',
  kind: 'EndpointSlice',
  plural: 'endpointslices',
  singular: 'endpointslice',
  namespaced: true,
  generation: true,

  defaults(obj) {
    for (const port of obj.ports ?? []) {
      port.name ??= '';
      port.protocol ??= 'TCP';
    }
  },

  validate(obj) {
    const errs: FieldError[] = [];
    if (!obj.addressType) errs.push(required('addressType'));
    else if (!ADDRESS_TYPES.includes(obj.addressType)) errs.push(notSupported('addressType', obj.addressType, ADDRESS_TYPES));
    errs.push(...validateEndpoints(obj.endpoints ?? [], obj.addressType));
    errs.push(...validatePorts(obj.ports ?? []));
    return errs;
  },

  validateUpdate(obj, old) {
    return obj.addressType === old.addressType ? [] : [immutable('addressType', obj.addressType ?? '')];
  },

  table: {
    columns: [
      { name: 'Name', type: 'string', format: 'name' },
      { name: 'AddressType', type: 'string' },
      { name: 'Ports', type: 'string' },
      { name: 'Endpoints', type: 'string' },
      { name: 'Age', type: 'string' },
    ],
    row(obj, ctx) {
      return [
        obj.metadata?.name ?? '',
        obj.addressType ?? '',
        formatPorts(obj.ports ?? []),
        formatEndpoints(obj.endpoints ?? []),
        ctx.age(obj.metadata?.creationTimestamp),
      ];
    },
  },
};
