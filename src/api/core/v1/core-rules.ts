// Validation rules that several core/v1 kinds share, with upstream's exact messages: port
// numbers and names, IP addresses, config-map keys, resource names and PV access modes.
import {
  type FieldError, forbiddenField, invalidValue, isDNS1123Label, isQualifiedName, notSupported,
} from '../../../machinery/validation.ts';
import { type Quantity, formatQuantity, milliValue, parseQuantity } from '../../../machinery/quantity.ts';
import { goQuantity, invalidGo } from './go-values.ts';

// ---- ports ------------------------------------------------------------------------------

export const SUPPORTED_PORT_PROTOCOLS = ['SCTP', 'TCP', 'UDP'];

export function isValidPortNum(port: unknown): string[] {
  if (typeof port === 'number' && Number.isInteger(port) && port >= 1 && port <= 65535) return [];
  return ['must be between 1 and 65535, inclusive'];
}

export function isValidPortName(name: string): string[] {
  const errs: string[] = [];
  if (name.length > 15) errs.push('must be no more than 15 characters');
  if (!/^[-a-z0-9]+$/.test(name)) errs.push('must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)');
  if (!/[a-z]/.test(name)) errs.push('must contain at least one letter (a-z)');
  if (name.includes('--')) errs.push('must not contain consecutive hyphens');
  if (name.length > 0 && (name.startsWith('-') || name.endsWith('-'))) errs.push('must not begin or end with a hyphen');
  return errs;
}

/** An int-or-string port: a number must be a valid port, a string a valid port name. */
export function validatePortNumOrName(value: unknown, field: string): FieldError[] {
  if (typeof value === 'string') return isValidPortName(value).map((msg) => invalidValue(field, value, msg));
  return isValidPortNum(value).map((msg) => invalidValue(field, value ?? 0, msg));
}

export function validateDNS1123LabelField(value: string, field: string): FieldError[] {
  return isDNS1123Label(value).map((msg) => invalidValue(field, value, msg));
}

export function validateQualifiedNameField(value: string, field: string): FieldError[] {
  return isQualifiedName(value).map((msg) => invalidValue(field, value, msg));
}

// ---- IP addresses -----------------------------------------------------------------------

function parseIPv4(s: string): number[] | undefined {
  // Go's sloppy parser accepts leading zeros ("010.0.0.1" is 10.0.0.1), as upstream 1.32 does.
  const parts = s.split('.');
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p))) return undefined;
  const bytes = parts.map(Number);
  return bytes.every((b) => b <= 255) ? bytes : undefined;
}

function parseIPv6(s: string): number[] | undefined {
  if (!s.includes(':') || s.includes('%')) return undefined;
  let tail: number[] = [];
  let text = s;
  const lastColon = s.lastIndexOf(':');
  if (s.slice(lastColon + 1).includes('.')) {
    const v4 = parseIPv4(s.slice(lastColon + 1));
    if (!v4) return undefined;
    tail = v4;
    text = s.slice(0, lastColon + 1) + '0:0';
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groups = (h: string): number[] | undefined => {
    if (h === '') return [];
    const out: number[] = [];
    for (const g of h.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
      const n = parseInt(g, 16);
      out.push(n >> 8, n & 0xff);
    }
    return out;
  };
  const head = groups(halves[0]);
  const rest = halves.length === 2 ? groups(halves[1]) : [];
  if (!head || !rest) return undefined;
  let bytes: number[];
  if (halves.length === 2) {
    if (head.length + rest.length > 14) return undefined;
    bytes = [...head, ...new Array(16 - head.length - rest.length).fill(0), ...rest];
  } else {
    if (head.length !== 16) return undefined;
    bytes = head;
  }
  if (tail.length) bytes.splice(12, 4, ...tail);
  return bytes;
}

/** The address as upstream's ParseIPSloppy reads it: 4 bytes for IPv4 (or IPv4-mapped), 16 for IPv6. */
export function parseIP(s: string): number[] | undefined {
  const v4 = parseIPv4(s);
  if (v4) return v4;
  const v6 = parseIPv6(s);
  if (!v6) return undefined;
  const mapped = v6.slice(0, 10).every((b) => b === 0) && v6[10] === 0xff && v6[11] === 0xff;
  return mapped ? v6.slice(12) : v6;
}

export const isIPv6Address = (s: string): boolean => parseIP(s)?.length === 16;

export function validateIP(value: string, field: string): FieldError[] {
  return parseIP(value) ? [] : [invalidValue(field, value, 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)')];
}

/** Rejects addresses that make no sense as endpoints or external IPs (upstream's ValidateNonSpecialIP). */
export function validateNonSpecialIP(value: string, field: string): FieldError[] {
  const ip = parseIP(value);
  if (!ip) return [invalidValue(field, value, 'must be a valid IP address')];
  const errs: FieldError[] = [];
  const v4 = ip.length === 4;
  if (ip.every((b) => b === 0)) errs.push(invalidValue(field, value, `may not be unspecified (${value})`));
  const loopback = v4 ? ip[0] === 127 : ip.slice(0, 15).every((b) => b === 0) && ip[15] === 1;
  if (loopback) errs.push(invalidValue(field, value, 'may not be in the loopback range (127.0.0.0/8, ::1/128)'));
  const linkLocal = v4 ? ip[0] === 169 && ip[1] === 254 : ip[0] === 0xfe && (ip[1] & 0xc0) === 0x80;
  if (linkLocal) errs.push(invalidValue(field, value, 'may not be in the link-local range (169.254.0.0/16, fe80::/10)'));
  const linkLocalMulticast = v4 ? ip[0] === 224 && ip[1] === 0 && ip[2] === 0 : ip[0] === 0xff && (ip[1] & 0x0f) === 0x02;
  if (linkLocalMulticast) errs.push(invalidValue(field, value, 'may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)'));
  return errs;
}

/** A CIDR as Go's net.ParseCIDR accepts it. */
export function isValidCIDR(value: string): boolean {
  const slash = value.indexOf('/');
  if (slash < 0) return false;
  const ip = value.slice(0, slash);
  const bits = value.slice(slash + 1);
  if (!/^\d{1,3}$/.test(bits)) return false;
  const isV4 = parseIPv4(ip) !== undefined;
  if (!isV4 && !parseIPv6(ip)) return false;
  return Number(bits) <= (isV4 ? 32 : 128);
}

export function validateCIDR(value: string, field: string): FieldError[] {
  return isValidCIDR(value) ? [] : [invalidValue(field, value, 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)')];
}

// ---- config-map and secret keys -----------------------------------------------------------

export function isConfigMapKey(key: string): string[] {
  const errs: string[] = [];
  if (key.length > 253) errs.push('must be no more than 253 characters');
  if (!/^[-._a-zA-Z0-9]+$/.test(key)) {
    errs.push("a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')");
  }
  if (key === '.') errs.push("must not be '.'");
  else if (key === '..') errs.push("must not be '..'");
  else if (key.startsWith('..')) errs.push("must not start with '..'");
  return errs;
}

// ---- resource names -----------------------------------------------------------------------

const STANDARD_CONTAINER_RESOURCES = new Set(['cpu', 'memory', 'ephemeral-storage']);
const STANDARD_RESOURCES = new Set([
  'cpu', 'memory', 'ephemeral-storage', 'requests.cpu', 'requests.memory', 'requests.ephemeral-storage',
  'limits.cpu', 'limits.memory', 'limits.ephemeral-storage', 'pods', 'resourcequotas', 'services',
  'replicationcontrollers', 'secrets', 'configmaps', 'persistentvolumeclaims', 'storage', 'requests.storage',
  'services.nodeports', 'services.loadbalancers',
]);
const STANDARD_QUOTA_RESOURCES = new Set([
  'cpu', 'memory', 'ephemeral-storage', 'requests.cpu', 'requests.memory', 'requests.storage',
  'requests.ephemeral-storage', 'limits.cpu', 'limits.memory', 'limits.ephemeral-storage', 'pods',
  'resourcequotas', 'services', 'replicationcontrollers', 'secrets', 'persistentvolumeclaims', 'configmaps',
  'services.nodeports', 'services.loadbalancers',
]);
const INTEGER_RESOURCES = new Set([
  'pods', 'resourcequotas', 'services', 'replicationcontrollers', 'secrets', 'configmaps',
  'persistentvolumeclaims', 'services.nodeports', 'services.loadbalancers',
]);

export const isHugePageResourceName = (name: string): boolean => name.startsWith('hugepages-');
const isQuotaHugePageResourceName = (name: string): boolean =>
  name.startsWith('hugepages-') || name.startsWith('requests.hugepages-');
/** Unprefixed names and names under kubernetes.io/ belong to Kubernetes itself. */
export const isNativeResource = (name: string): boolean => !name.includes('/') || name.includes('kubernetes.io/');
export const isExtendedResourceName = (name: string): boolean =>
  !isNativeResource(name) && !name.startsWith('requests.') && isQualifiedName(`requests.${name}`).length === 0;
/** Resources counted in whole units (object counts and extended resources). */
export const isIntegerResourceName = (name: string): boolean => INTEGER_RESOURCES.has(name) || isExtendedResourceName(name);
/** Requests may be below limits for native resources other than huge pages. */
export const isOvercommitAllowed = (name: string): boolean => isNativeResource(name) && !isHugePageResourceName(name);

export function validateResourceName(name: string, field: string): FieldError[] {
  const errs = isQualifiedName(name).map((msg) => invalidValue(field, name, msg));
  if (errs.length) return errs;
  if (!name.includes('/') && !STANDARD_RESOURCES.has(name) && !isQuotaHugePageResourceName(name)) {
    errs.push(invalidValue(field, name, 'must be a standard resource type or fully qualified'));
  }
  return errs;
}

export function validateContainerResourceName(name: string, field: string): FieldError[] {
  const errs = validateResourceName(name, field);
  if (!name.includes('/')) {
    if (!STANDARD_CONTAINER_RESOURCES.has(name) && !isHugePageResourceName(name)) {
      errs.push(invalidValue(field, name, 'must be a standard resource for containers'));
    }
  } else if (!isNativeResource(name) && !isExtendedResourceName(name)) {
    errs.push(invalidValue(field, name, "doesn't follow extended resource name standard"));
  }
  return errs;
}

/** Resources the quota system tracks by name. */
export const isStandardQuotaResourceName = (name: string): boolean =>
  STANDARD_QUOTA_RESOURCES.has(name) || isQuotaHugePageResourceName(name);

export function validateQuotaResourceName(name: string, field: string): FieldError[] {
  const errs = validateResourceName(name, field);
  if (!name.includes('/') && !isStandardQuotaResourceName(name)) {
    errs.push(invalidValue(field, name, 'must be a standard resource for quota'));
  }
  return errs;
}

// ---- quantities ---------------------------------------------------------------------------

/**
 * The quantity at `field`, or undefined after recording why it does not parse. (Upstream rejects
 * such a body while decoding it, with the same message, as a BadRequest.)
 */
export function readQuantity(text: unknown, field: string, errs: FieldError[]): Quantity | undefined {
  try {
    if (typeof text !== 'string' && typeof text !== 'number') throw new Error('quantities must be strings or numbers');
    return parseQuantity(text);
  } catch (err) {
    errs.push(invalidValue(field, text, (err as Error).message));
    return undefined;
  }
}

/** Upstream's ValidateResourceQuantityValue: not negative, and whole for resources counted in units. */
export function validateResourceQuantityValue(name: string, text: string, field: string): FieldError[] {
  const errs: FieldError[] = [];
  const q = readQuantity(text, field, errs);
  if (!q) return errs;
  if (q.nanos < 0n) errs.push(invalidValue(field, formatQuantity(q), 'must be greater than or equal to 0'));
  if (isIntegerResourceName(name) && milliValue(q) % 1000 !== 0) {
    errs.push(invalidGo(field, text, goQuantity(String(text)), 'must be an integer'));
  }
  return errs;
}

/** Upstream rounds every resource list up to milli-units while decoding ("100u" is stored as "1m"). */
export function roundResourceList(list: Record<string, string> | undefined): void {
  for (const [name, text] of Object.entries(list ?? {})) {
    let q: Quantity;
    try {
      q = parseQuantity(text);
    } catch {
      continue; // reported by validation
    }
    const rest = q.nanos % 1_000_000n;
    if (rest === 0n) continue;
    const nanos = q.nanos - rest + (q.nanos < 0n ? -1_000_000n : 1_000_000n);
    list![name] = formatQuantity({ nanos, format: q.format });
  }
}

// ---- persistent volume access modes --------------------------------------------------------

const ACCESS_MODES: [string, string][] = [
  ['ReadWriteOnce', 'RWO'], ['ReadOnlyMany', 'ROX'], ['ReadWriteMany', 'RWX'], ['ReadWriteOncePod', 'RWOP'],
];
const SUPPORTED_ACCESS_MODES = ['ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOnce', 'ReadWriteOncePod'];

/** "RWO,ROX": always in the order RWO, ROX, RWX, RWOP, as kubectl shows them. */
export function accessModesAsString(modes: string[] | undefined): string {
  return ACCESS_MODES.filter(([mode]) => modes?.includes(mode)).map(([, short]) => short).join(',');
}

/** Each mode supported, and ReadWriteOncePod alone (the Required check differs per kind). */
export function validateAccessModes(modes: string[] | undefined, field: string): FieldError[] {
  const errs: FieldError[] = [];
  let rwop = false;
  let other = false;
  for (const mode of modes ?? []) {
    if (!SUPPORTED_ACCESS_MODES.includes(mode)) errs.push(notSupported(field, mode, SUPPORTED_ACCESS_MODES));
    else if (mode === 'ReadWriteOncePod') rwop = true;
    else other = true;
  }
  if (rwop && other) errs.push(forbiddenField(field, 'may not use ReadWriteOncePod with other access modes'));
  return errs;
}

export const SUPPORTED_VOLUME_MODES = ['Block', 'Filesystem'];
