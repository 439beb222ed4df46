// networking.k8s.io/v1 NetworkPolicy: which traffic may reach (and leave) the selected pods.
// Defaults, validation and table follow upstream 1.32.
import type {
  IPBlock, NetworkPolicy, NetworkPolicyPeer, NetworkPolicyPort, NetworkPolicySpec,
} from 'kubernetes-types/networking/v1';
import type { KObject, ResourceDefinition } from '../../types.ts';
import { type FieldError, forbiddenField, invalidValue, notSupported, required } from '../../../machinery/validation.ts';
import { formatLabelSelector } from '../../../machinery/label-selector.ts';
import { invalidGo, goQuote } from '../../common/go-value.ts';
import { validateLabelSelector } from '../../common/label-selector-rules.ts';
import { isValidCIDR, isValidPortName, isValidPortNum, parseIP, validateCIDR } from '../../core/v1/core-rules.ts';

const PROTOCOLS = ['TCP', 'UDP', 'SCTP'];
const POLICY_TYPES = ['Ingress', 'Egress'];

// ---- ports and peers ---------------------------------------------------------------------

function validatePort(port: NetworkPolicyPort, field: string): FieldError[] {
  const errs: FieldError[] = [];
  if (port.protocol !== undefined && !PROTOCOLS.includes(port.protocol)) {
    errs.push(notSupported(`${field}.protocol`, port.protocol, PROTOCOLS));
  }
  const endPort = port.endPort;
  if (port.port === undefined) {
    if (endPort !== undefined) errs.push(invalidValue(`${field}.endPort`, endPort, 'may not be specified when `port` is not specified'));
  } else if (typeof port.port === 'number') {
    for (const msg of isValidPortNum(port.port)) errs.push(invalidValue(`${field}.port`, port.port, msg));
    if (endPort !== undefined) {
      // upstream 1.32 reports the start port as the bad value here
      if (endPort < port.port) errs.push(invalidValue(`${field}.endPort`, port.port, 'must be greater than or equal to `port`'));
      for (const msg of isValidPortNum(endPort)) errs.push(invalidValue(`${field}.endPort`, endPort, msg));
    }
  } else {
    if (endPort !== undefined) errs.push(invalidValue(`${field}.endPort`, endPort, 'may not be specified when `port` is non-numeric'));
    for (const msg of isValidPortName(port.port)) errs.push(invalidValue(`${field}.port`, port.port, msg));
  }
  return errs;
}

function validatePeer(peer: NetworkPolicyPeer, field: string): FieldError[] {
  const errs: FieldError[] = [];
  let peers = 0;
  if (peer.podSelector) {
    peers++;
    errs.push(...validateLabelSelector(peer.podSelector, `${field}.podSelector`));
  }
  if (peer.namespaceSelector) {
    peers++;
    errs.push(...validateLabelSelector(peer.namespaceSelector, `${field}.namespaceSelector`));
  }
  if (peer.ipBlock) {
    peers++;
    errs.push(...validateIPBlock(peer.ipBlock, `${field}.ipBlock`));
  }
  if (peers === 0) errs.push(required(field, 'must specify a peer'));
  else if (peers > 1 && peer.ipBlock) errs.push(forbiddenField(field, 'may not specify both ipBlock and another peer'));
  return errs;
}

/** Splits "10.0.0.0/8" into address bytes and prefix length (the CIDR is already known valid). */
function cidrParts(cidr: string): { ip: number[]; prefix: number } {
  const slash = cidr.indexOf('/');
  return { ip: parseIP(cidr.slice(0, slash)) ?? [], prefix: Number(cidr.slice(slash + 1)) };
}

/** Whether the first `prefix` bits of two addresses of the same family agree. */
function samePrefix(a: number[], b: number[], prefix: number): boolean {
  if (a.length !== b.length) return false;
  for (let bit = 0; bit < prefix; bit++) {
    const mask = 0x80 >> (bit % 8);
    if ((a[bit >> 3] & mask) !== (b[bit >> 3] & mask)) return false;
  }
  return true;
}

function validateIPBlock(block: IPBlock, field: string): FieldError[] {
  const cidr = block.cidr ?? '';
  if (!cidr) return [required(`${field}.cidr`)];
  if (!isValidCIDR(cidr)) return validateCIDR(cidr, `${field}.cidr`);
  const outer = cidrParts(cidr);
  const errs: FieldError[] = [];
  (block.except ?? []).forEach((except, i) => {
    const at = `${field}.except[${i}]`;
    if (!isValidCIDR(except)) {
      errs.push(...validateCIDR(except, at));
      return;
    }
    const inner = cidrParts(except);
    if (!samePrefix(outer.ip, inner.ip, outer.prefix) || outer.prefix >= inner.prefix) {
      errs.push(invalidValue(at, except, 'must be a strict subset of `cidr`'));
    }
  });
  return errs;
}

function validateSpec(spec: NetworkPolicySpec): FieldError[] {
  const errs = validateLabelSelector(spec.podSelector, 'spec.podSelector');
  (spec.ingress ?? []).forEach((rule, i) => {
    (rule.ports ?? []).forEach((port, j) => errs.push(...validatePort(port, `spec.ingress[${i}].ports[${j}]`)));
    (rule.from ?? []).forEach((peer, j) => errs.push(...validatePeer(peer, `spec.ingress[${i}].from[${j}]`)));
  });
  (spec.egress ?? []).forEach((rule, i) => {
    (rule.ports ?? []).forEach((port, j) => errs.push(...validatePort(port, `spec.egress[${i}].ports[${j}]`)));
    (rule.to ?? []).forEach((peer, j) => errs.push(...validatePeer(peer, `spec.egress[${i}].to[${j}]`)));
  });
  const types = spec.policyTypes ?? [];
  if (types.length > POLICY_TYPES.length) {
    const rendered = `[]networking.PolicyType{${types.map((t) => goQuote(String(t))).join(', ')}}`;
    errs.push(invalidGo('spec.policyTypes', types, rendered, 'may not specify more than two policyTypes'));
    return errs;
  }
  types.forEach((t, i) => {
    if (!POLICY_TYPES.includes(t)) errs.push(notSupported(`spec.policyTypes[${i}]`, t, POLICY_TYPES));
  });
  return errs;
}

export const networkPolicies: ResourceDefinition<NetworkPolicy & KObject> = {
  group: 'networking.k8s.io',
  version: 'v1',
  kind: 'NetworkPolicy',
  plural: 'networkpolicies',
  singular: 'networkpolicy',
  namespaced: true,
  shortNames: ['netpol'],
  generation: true,

  defaults(obj) {
    // podSelector is a struct upstream, so always present; "{}" selects every pod.
    const spec = obj.spec ?? (obj.spec = { podSelector: {} });
    spec.podSelector ??= {};
    for (const rule of [...(spec.ingress ?? []), ...(spec.egress ?? [])]) {
      for (const port of rule.ports ?? []) port.protocol ??= 'TCP';
    }
    // A policy that names no types is at least about ingress, and about egress if it has egress rules.
    if (!spec.policyTypes?.length) {
      spec.policyTypes = spec.egress?.length ? ['Ingress', 'Egress'] : ['Ingress'];
    }
  },

  validate(obj) {
    return validateSpec(obj.spec ?? { podSelector: {} });
  },

  table: {
    columns: [
      { name: 'Name', type: 'string', format: 'name' },
      { name: 'Pod-Selector', type: 'string' },
      { name: 'Age', type: 'string' },
    ],
    row(obj, ctx) {
      return [obj.metadata?.name ?? '', formatLabelSelector(obj.spec?.podSelector ?? {}), ctx.age(obj.metadata?.creationTimestamp)];
    },
  },
};
