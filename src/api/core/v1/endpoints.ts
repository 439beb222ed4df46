// core/v1 Endpoints: the addresses and ports behind a service, as the endpoints controller (or
// a user, for selector-less services) records them.
import type { EndpointAddress, EndpointPort, Endpoints } from 'kubernetes-types/core/v1';
import type { KObject, ResourceDefinition } from '../../types.ts';
import { type FieldError, invalidValue, notSupported, required, validateSubdomainName } from '../../../machinery/validation.ts';
import {
  SUPPORTED_PORT_PROTOCOLS, isValidPortNum, validateDNS1123LabelField, validateIP, validateNonSpecialIP,
  validateQualifiedNameField,
} from './core-rules.ts';

function validateAddress(address: EndpointAddress, field: string): FieldError[] {
  const ip = address.ip ?? '';
  const errs = validateIP(ip, `${field}.ip`);
  if (address.hostname) errs.push(...validateDNS1123LabelField(address.hostname, `${field}.hostname`));
  if (address.nodeName !== undefined) {
    for (const msg of validateSubdomainName(address.nodeName)) errs.push(invalidValue(`${field}.nodeName`, address.nodeName, msg));
  }
  errs.push(...validateNonSpecialIP(ip, `${field}.ip`));
  return errs;
}

function validatePort(port: EndpointPort, requireName: boolean, field: string): FieldError[] {
  const errs: FieldError[] = [];
  if (requireName && !port.name) errs.push(required(`${field}.name`));
  else if (port.name) errs.push(...validateDNS1123LabelField(port.name, `${field}.name`));
  for (const msg of isValidPortNum(port.port)) errs.push(invalidValue(`${field}.port`, port.port ?? 0, msg));
  if (!port.protocol) errs.push(required(`${field}.protocol`));
  else if (!SUPPORTED_PORT_PROTOCOLS.includes(port.protocol)) errs.push(notSupported(`${field}.protocol`, port.protocol, SUPPORTED_PORT_PROTOCOLS));
  if (port.appProtocol !== undefined) errs.push(...validateQualifiedNameField(port.appProtocol, `${field}.appProtocol`));
  return errs;
}

/** "10.42.0.5:8000,10.42.0.6:8000 + 2 more...": at most three address:port pairs, as kubectl shows them. */
export function formatEndpoints(ep: Endpoints): string {
  const subsets = ep.subsets ?? [];
  if (subsets.length === 0) return '<none>';
  const max = 3;
  const list: string[] = [];
  let count = 0;
  let more = false;
  const add = (text: string) => {
    if (list.length === max) more = true;
    else list.push(text);
  };
  for (const ss of subsets) {
    const addresses = ss.addresses ?? [];
    if (!ss.ports?.length) {
      // Headless services may have addresses without ports.
      count += addresses.length;
      for (const a of addresses) add(a.ip);
      continue;
    }
    for (const port of ss.ports) {
      count += addresses.length;
      for (const a of addresses) add(a.ip.includes(':') ? `[${a.ip}]:${port.port}` : `${a.ip}:${port.port}`);
    }
  }
  const text = list.join(',');
  return more ? `${text} + ${count - max} more...` : text;
}

export const endpoints: ResourceDefinition<Endpoints & KObject> = {
  group: '',
  version: 'v1',
  kind: 'Endpoints',
  plural: 'endpoints',
  singular: 'endpoints',
  namespaced: true,
  shortNames: ['ep'],

  defaults(ep) {
    for (const ss of ep.subsets ?? []) {
      for (const port of ss.ports ?? []) if (!port.protocol) port.protocol = 'TCP';
    }
  },

  validate(ep) {
    const errs: FieldError[] = [];
    (ep.subsets ?? []).forEach((ss, i) => {
      const field = `subsets[${i}]`;
      if (!ss.addresses?.length && !ss.notReadyAddresses?.length) {
        errs.push(required(field, 'must specify `addresses` or `notReadyAddresses`'));
      }
      (ss.addresses ?? []).forEach((a, j) => errs.push(...validateAddress(a, `${field}.addresses[${j}]`)));
      (ss.notReadyAddresses ?? []).forEach((a, j) => errs.push(...validateAddress(a, `${field}.notReadyAddresses[${j}]`)));
      const ports = ss.ports ?? [];
      ports.forEach((p, j) => errs.push(...validatePort(p, ports.length > 1, `${field}.ports[${j}]`)));
    });
    return errs;
  },

  table: {
    columns: [
      { name: 'Name', type: 'string', format: 'name' },
      { name: 'Endpoints', type: 'string' },
      { name: 'Age', type: 'string' },
    ],
    row: (ep, ctx) => [ep.metadata?.name ?? '', formatEndpoints(ep), ctx.age(ep.metadata?.creationTimestamp)],
  },
};
