// Kubernetes protobuf bodies (application/vnd.kubernetes.protobuf) to and from the JSON objects the
// rest of skiff works with. A body is the magic "k8s\0" followed by a runtime.Unknown envelope whose
// `raw` holds the object encoded as its own message (e.g. k8s.io.api.core.v1.Pod).
//
// Field tables live in schema/*.ts, one entry per message: "<number> <jsonName> <type>[ *][ ?][ inline]"
// separated by ";". `*` = repeated, `?` = Go pointer scalar, `inline` = a struct Go embeds with
// `json:",inline"` (its fields sit in the parent's JSON, though protobuf nests them).
//
// Decoding yields what Go's encoding/json would emit for the same struct: zero non-pointer scalars
// are dropped (Go's marshaler writes them all), pointer scalars keep their zero, nested messages stay
// objects (`status: {}`), a zero Time is dropped, and empty lists and maps are absent. Anything the
// tables do not describe throws, so no field is ever silently lost.
import { badRequest } from '../errors.ts';
import { messages as schema } from './schema/index.ts';
import {
  FIXED32, FIXED64, LENGTH_DELIMITED, VARINT, WireError, WireWriter,
  fixedToDouble, fixedToFloat, readFields, readPackedFixed, readPackedVarints,
} from './wire.ts';
import type { WireField } from './wire.ts';

export const PROTOBUF_MAGIC = Uint8Array.of(0x6b, 0x38, 0x73, 0x00); // "k8s\0"

const META = 'k8s.io.apimachinery.pkg.apis.meta.v1.';
const QUANTITY = 'k8s.io.apimachinery.pkg.api.resource.Quantity';
const INT_OR_STRING = 'k8s.io.apimachinery.pkg.util.intstr.IntOrString';
const TIME = `${META}Time`;
const MICRO_TIME = `${META}MicroTime`;
const DURATION = `${META}Duration`;
const FIELDS_V1 = `${META}FieldsV1`;
const RAW_EXTENSION = 'k8s.io.apimachinery.pkg.runtime.RawExtension';
const WELL_KNOWN = new Set([QUANTITY, INT_OR_STRING, TIME, MICRO_TIME, DURATION, FIELDS_V1, RAW_EXTENSION]);

const SCALARS = new Set(['string', 'bytes', 'bool', 'int32', 'int64', 'double', 'float']);

// API group → the Go package name in k8s.io/api, which names the proto package.
const GROUP_PACKAGES: Record<string, string> = {
  '': 'core',
  apps: 'apps',
  batch: 'batch',
  'networking.k8s.io': 'networking',
  policy: 'policy',
  autoscaling: 'autoscaling',
  'rbac.authorization.k8s.io': 'rbac',
  'scheduling.k8s.io': 'scheduling',
  'storage.k8s.io': 'storage',
  'coordination.k8s.io': 'coordination',
  'discovery.k8s.io': 'discovery',
  'events.k8s.io': 'events',
  'authentication.k8s.io': 'authentication',
};

// Option kinds Go registers in every group version, so a typed client of any group may send them.
const META_KINDS_IN_EVERY_VERSION = new Set(['DeleteOptions', 'CreateOptions', 'UpdateOptions', 'PatchOptions']);

// ---- schema tables --------------------------------------------------------------------------

interface FieldDef {
  number: number;
  jsonName: string;
  /** Scalar or message type; for a map, the value type. */
  type: string;
  isMap: boolean;
  repeated: boolean;
  pointer: boolean;
  inline: boolean;
  scalar: boolean;
}

interface MessageDef {
  name: string;
  /** In field-number order, the order Go writes them. */
  fields: FieldDef[];
  byNumber: Map<number, FieldDef>;
}

const parsed = new Map<string, MessageDef>();

function messageDef(name: string): MessageDef {
  let def = parsed.get(name);
  if (def) return def;
  const spec = schema[name];
  if (spec === undefined) throw new Error(`protobuf schema has no message ${name}`);
  const fields = spec.split(';').map((entry) => parseField(name, entry));
  fields.sort((a, b) => a.number - b.number);
  def = { name, fields, byNumber: new Map(fields.map((f) => [f.number, f])) };
  parsed.set(name, def);
  return def;
}

function parseField(message: string, entry: string): FieldDef {
  const [num, jsonName, rawType, ...flags] = entry.trim().split(/\s+/);
  const map = /^map<string,(.+)>$/.exec(rawType ?? '');
  const type = map ? map[1] : rawType;
  if (!/^[1-9][0-9]*$/.test(num) || !jsonName || !type || flags.some((f) => f !== '*' && f !== '?' && f !== 'inline')) {
    throw new Error(`protobuf schema: bad entry "${entry.trim()}" in ${message}`);
  }
  return {
    number: Number(num), jsonName, type, isMap: map !== null, repeated: flags.includes('*'),
    pointer: flags.includes('?'), inline: flags.includes('inline'), scalar: SCALARS.has(type),
  };
}

/** The message a body of this apiVersion and kind carries, or undefined when skiff has no table for it. */
export function messageNameFor(apiVersion: string, kind: string): string | undefined {
  const slash = apiVersion.lastIndexOf('/');
  const group = slash < 0 ? '' : apiVersion.slice(0, slash);
  const version = apiVersion.slice(slash + 1);
  const metaName = `${META}${kind}`;
  const metaKind = schema[metaName] !== undefined && (META_KINDS_IN_EVERY_VERSION.has(kind) || hasObjectMeta(metaName));
  if (group === 'meta.k8s.io') return metaKind ? metaName : undefined;
  const pkg = GROUP_PACKAGES[group];
  if (pkg !== undefined && /^v[0-9]+((alpha|beta)[0-9]+)?$/.test(version)) {
    const name = `k8s.io.api.${pkg}.${version}.${kind}`;
    if (schema[name] !== undefined && hasObjectMeta(name)) return name;
  }
  if (metaKind && META_KINDS_IN_EVERY_VERSION.has(kind)) return metaName;
  return undefined;
}

// Kinds carry their metadata in field 1; this keeps parts such as PodSpec from passing for a kind.
function hasObjectMeta(name: string): boolean {
  return /^\s*1 metadata k8s\.io\.apimachinery\.pkg\.apis\.meta\.v1\.(ObjectMeta|ListMeta)\b/.test(schema[name]);
}

// ---- decoding -------------------------------------------------------------------------------

/** Decodes a Kubernetes protobuf request body into the JSON object the same request would carry. */
export function decodeKubernetesProtobuf(body: Uint8Array): { apiVersion: string; kind: string; object: Record<string, unknown> } {
  if (body.length < 4 || PROTOBUF_MAGIC.some((b, i) => body[i] !== b)) {
    throw badRequest('the body is not a Kubernetes protobuf message: it does not start with "k8s\\x00"');
  }
  try {
    const envelope = readUnknown(body.subarray(4));
    if (envelope.contentEncoding !== '') {
      throw badRequest(`unsupported protobuf content encoding "${envelope.contentEncoding}"`);
    }
    if (envelope.contentType !== '' && envelope.contentType !== 'application/vnd.kubernetes.protobuf') {
      throw badRequest(`unsupported content type "${envelope.contentType}" inside the protobuf envelope`);
    }
    const { apiVersion, kind } = envelope;
    if (!kind) throw badRequest('the protobuf envelope names no kind');
    if (!apiVersion) throw badRequest(`the protobuf envelope for kind "${kind}" names no apiVersion`);
    const name = messageNameFor(apiVersion, kind);
    if (!name) throw badRequest(`no kind "${kind}" is registered for version "${apiVersion}"`);
    const object = { apiVersion, kind, ...decodeMessage(messageDef(name), envelope.raw, '') };
    return { apiVersion, kind, object };
  } catch (err) {
    if (err instanceof WireError) throw badRequest(`malformed protobuf body: ${err.message}`);
    throw err;
  }
}

interface Envelope { apiVersion: string; kind: string; raw: Uint8Array; contentEncoding: string; contentType: string }

// runtime.Unknown: 1 typeMeta {1 apiVersion, 2 kind}, 2 raw, 3 contentEncoding, 4 contentType.
function readUnknown(buf: Uint8Array): Envelope {
  const envelope: Envelope = { apiVersion: '', kind: '', raw: new Uint8Array(0), contentEncoding: '', contentType: '' };
  for (const f of readFields(buf)) {
    if (f.wireType !== LENGTH_DELIMITED) throw badRequest(`malformed protobuf envelope: field ${f.number} has wire type ${f.wireType}`);
    if (f.number === 1) {
      for (const t of readFields(f.bytes)) {
        if (t.wireType !== LENGTH_DELIMITED || (t.number !== 1 && t.number !== 2)) {
          throw badRequest(`malformed protobuf envelope: unknown typeMeta field ${t.number}`);
        }
        if (t.number === 1) envelope.apiVersion = utf8(t.bytes);
        else envelope.kind = utf8(t.bytes);
      }
    } else if (f.number === 2) envelope.raw = f.bytes;
    else if (f.number === 3) envelope.contentEncoding = utf8(f.bytes);
    else if (f.number === 4) envelope.contentType = utf8(f.bytes);
    else throw badRequest(`malformed protobuf envelope: unknown field ${f.number}`);
  }
  return envelope;
}

const decoder = new TextDecoder(); // invalid UTF-8 becomes U+FFFD, as Go's JSON encoder does
function utf8(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}

function where(path: string): string {
  return path ? ` (at ${path})` : '';
}

function decodeMessage(def: MessageDef, buf: Uint8Array, path: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const wire of readFields(buf)) {
    const field = def.byNumber.get(wire.number);
    if (!field) {
      throw badRequest(`unknown protobuf field number ${wire.number} in ${def.name}${where(path)}`);
    }
    const fieldPath = path ? `${path}.${field.jsonName}` : field.jsonName;
    if (field.isMap) {
      const [key, value] = decodeMapEntry(field, wire, fieldPath);
      const map = (out[field.jsonName] ??= {}) as Record<string, unknown>;
      map[key] = value;
    } else if (field.repeated) {
      const list = (out[field.jsonName] ??= []) as unknown[];
      list.push(...decodeRepeated(field, wire, `${fieldPath}[${list.length}]`));
    } else if (field.inline) {
      Object.assign(out, decodeMessage(messageDef(field.type), expectBytes(field, wire, fieldPath), path));
    } else {
      const value = decodeValue(field.type, wire, fieldPath);
      // Go's encoding/json omits zero non-pointer scalars (omitempty) and a zero Time.
      if (value === undefined || (field.scalar && !field.pointer && isZeroScalar(value))) delete out[field.jsonName];
      else out[field.jsonName] = value;
    }
  }
  return out;
}

function isZeroScalar(value: unknown): boolean {
  return value === '' || value === 0 || value === false;
}

function expectBytes(field: FieldDef, wire: WireField, path: string): Uint8Array {
  if (wire.wireType !== LENGTH_DELIMITED) throw wrongWireType(field.type, wire, path);
  return wire.bytes;
}

function wrongWireType(type: string, wire: WireField, path: string): Error {
  return badRequest(`protobuf field ${wire.number} (${path}, ${type}) has wire type ${wire.wireType}`);
}

function decodeRepeated(field: FieldDef, wire: WireField, path: string): unknown[] {
  // Numeric lists may arrive packed (one length-delimited run) or one element per field.
  if (wire.wireType === LENGTH_DELIMITED && field.scalar && field.type !== 'string' && field.type !== 'bytes') {
    if (field.type === 'double' || field.type === 'float') {
      const size = field.type === 'double' ? 8 : 4;
      return readPackedFixed(wire.bytes, size).map((b) => (size === 8 ? fixedToDouble(b) : fixedToFloat(b)));
    }
    return readPackedVarints(wire.bytes).map((v) => varintValue(field.type, v));
  }
  const value = decodeValue(field.type, wire, path);
  return [value === undefined ? null : value];
}

function decodeMapEntry(field: FieldDef, wire: WireField, path: string): [string, unknown] {
  let key = '';
  let value: unknown;
  for (const part of readFields(expectBytes(field, wire, path))) {
    if (part.number === 1) {
      if (part.wireType !== LENGTH_DELIMITED) throw wrongWireType('string', part, `${path} key`);
      key = utf8(part.bytes);
    } else if (part.number === 2) {
      value = decodeValue(field.type, part, `${path}[${JSON.stringify(key)}]`);
    } else {
      throw badRequest(`unknown protobuf field number ${part.number} in a map entry${where(path)}`);
    }
  }
  // An entry without a value holds the zero value of its type.
  if (value === undefined) value = zeroValue(field.type, path);
  return [key, value];
}

function zeroValue(type: string, path: string): unknown {
  switch (type) {
    case 'string': case 'bytes': return '';
    case 'bool': return false;
    case 'int32': case 'int64': case 'double': case 'float': return 0;
    default: return decodeMessageValue(type, new Uint8Array(0), path) ?? null;
  }
}

function varintValue(type: string, v: bigint): number | boolean {
  switch (type) {
    case 'bool': return v !== 0n;
    case 'int32': return Number(BigInt.asIntN(32, v));
    case 'int64': return Number(BigInt.asIntN(64, v));
    default: throw new Error(`varint value for type ${type}`);
  }
}

function decodeValue(type: string, wire: WireField, path: string): unknown {
  switch (type) {
    case 'string':
      if (wire.wireType !== LENGTH_DELIMITED) throw wrongWireType(type, wire, path);
      return utf8(wire.bytes);
    case 'bytes':
      if (wire.wireType !== LENGTH_DELIMITED) throw wrongWireType(type, wire, path);
      return Buffer.from(wire.bytes).toString('base64');
    case 'bool': case 'int32': case 'int64':
      if (wire.wireType !== VARINT) throw wrongWireType(type, wire, path);
      return varintValue(type, wire.varint);
    case 'double':
      if (wire.wireType !== FIXED64) throw wrongWireType(type, wire, path);
      return fixedToDouble(wire.bytes);
    case 'float':
      if (wire.wireType !== FIXED32) throw wrongWireType(type, wire, path);
      return fixedToFloat(wire.bytes);
    default:
      if (wire.wireType !== LENGTH_DELIMITED) throw wrongWireType(type, wire, path);
      return decodeMessageValue(type, wire.bytes, path);
  }
}

/** A nested message's JSON value: the well-known types become their JSON forms; undefined = omit. */
function decodeMessageValue(type: string, buf: Uint8Array, path: string): unknown {
  if (!WELL_KNOWN.has(type)) return decodeMessage(messageDef(type), buf, path);
  const f = plainFields(type, buf, path);
  switch (type) {
    case QUANTITY:
      return f.get(1) === undefined ? '0' : utf8(bytesOf(f.get(1)!, type, path));
    case INT_OR_STRING: {
      const isString = f.get(1) !== undefined && varintOf(f.get(1)!, type, path) === 1n;
      if (isString) return f.get(3) === undefined ? '' : utf8(bytesOf(f.get(3)!, type, path));
      return f.get(2) === undefined ? 0 : Number(BigInt.asIntN(32, varintOf(f.get(2)!, type, path)));
    }
    case TIME:
    case MICRO_TIME: {
      const seconds = f.get(1) === undefined ? 0n : BigInt.asIntN(64, varintOf(f.get(1)!, type, path));
      const nanos = f.get(2) === undefined ? 0 : Number(BigInt.asIntN(32, varintOf(f.get(2)!, type, path)));
      if (seconds === 0n && nanos === 0) return undefined;
      return formatTime(seconds, nanos, type === MICRO_TIME, path);
    }
    case DURATION:
      return formatGoDuration(f.get(1) === undefined ? 0n : BigInt.asIntN(64, varintOf(f.get(1)!, type, path)));
    case FIELDS_V1:
    case RAW_EXTENSION: {
      const raw = f.get(1) === undefined ? new Uint8Array(0) : bytesOf(f.get(1)!, type, path);
      return parseRaw(raw, type, path);
    }
  }
  throw new Error(`unhandled well-known type ${type}`);
}

// The fields of a well-known message, keyed by number (last one wins, as protobuf merges scalars).
function plainFields(type: string, buf: Uint8Array, path: string): Map<number, WireField> {
  const known = type === INT_OR_STRING ? 3 : type === DURATION || type === QUANTITY || type === FIELDS_V1 || type === RAW_EXTENSION ? 1 : 2;
  const fields = new Map<number, WireField>();
  for (const f of readFields(buf)) {
    if (f.number > known) throw badRequest(`unknown protobuf field number ${f.number} in ${type}${where(path)}`);
    fields.set(f.number, f);
  }
  return fields;
}

function bytesOf(f: WireField, type: string, path: string): Uint8Array {
  if (f.wireType !== LENGTH_DELIMITED) throw wrongWireType(type, f, path);
  return f.bytes;
}

function varintOf(f: WireField, type: string, path: string): bigint {
  if (f.wireType !== VARINT) throw wrongWireType(type, f, path);
  return f.varint;
}

function parseRaw(raw: Uint8Array, type: string, path: string): unknown {
  if (raw.length === 0) return type === FIELDS_V1 ? {} : null;
  // An embedded object may itself be a protobuf body.
  if (raw.length >= 4 && PROTOBUF_MAGIC.every((b, i) => raw[i] === b)) return decodeKubernetesProtobuf(raw).object;
  try {
    return JSON.parse(utf8(raw));
  } catch {
    throw badRequest(`${type}${where(path)} does not hold valid JSON`);
  }
}

/** RFC 3339 in UTC: whole seconds for Time, six fractional digits for MicroTime (as Go's JSON). */
function formatTime(seconds: bigint, nanos: number, micro: boolean, path: string): string {
  const date = new Date(Number(seconds) * 1000);
  if (Number.isNaN(date.getTime()) || date.getUTCFullYear() < 0 || date.getUTCFullYear() > 9999 || nanos < 0 || nanos > 999_999_999) {
    throw badRequest(`time out of range${where(path)}: ${seconds}s ${nanos}ns`);
  }
  const base = date.toISOString().slice(0, 19);
  return micro ? `${base}.${String(Math.floor(nanos / 1000)).padStart(6, '0')}Z` : `${base}Z`;
}

/** Go's time.Duration.String(): "1h0m0s", "1m30s", "1.5s", "250ms", "0s". */
export function formatGoDuration(ns: bigint): string {
  if (ns === 0n) return '0s';
  const sign = ns < 0n ? '-' : '';
  const u = ns < 0n ? -ns : ns;
  if (u < 1000n) return `${sign}${u}ns`;
  if (u < 1_000_000n) return `${sign}${decimal(u, 1000n)}µs`;
  if (u < 1_000_000_000n) return `${sign}${decimal(u, 1_000_000n)}ms`;
  const hours = u / 3_600_000_000_000n;
  const minutes = (u / 60_000_000_000n) % 60n;
  const seconds = decimal(u % 60_000_000_000n, 1_000_000_000n);
  if (hours > 0n) return `${sign}${hours}h${minutes}m${seconds}s`;
  if (minutes > 0n) return `${sign}${minutes}m${seconds}s`;
  return `${sign}${seconds}s`;
}

// value/unit as a decimal without trailing zeros, e.g. 1500/1000 → "1.5".
function decimal(value: bigint, unit: bigint): string {
  const whole = value / unit;
  const frac = value % unit;
  if (frac === 0n) return String(whole);
  const digits = String(unit).length - 1;
  return `${whole}.${String(frac).padStart(digits, '0').replace(/0+$/, '')}`;
}

// ---- encoding -------------------------------------------------------------------------------

/**
 * Encodes a JSON object (with apiVersion and kind) as the protobuf body a Go client would send.
 * Only fields present in the object are written (Go also writes its zero non-pointer fields);
 * decoding the result gives the object back. Fields the tables do not know throw.
 */
export function encodeKubernetesProtobuf(obj: Record<string, unknown>): Uint8Array {
  const { apiVersion, kind, ...rest } = obj;
  if (typeof apiVersion !== 'string' || typeof kind !== 'string') throw new Error('the object needs string apiVersion and kind');
  const name = messageNameFor(apiVersion, kind);
  if (!name) throw new Error(`no kind "${kind}" is registered for version "${apiVersion}"`);
  const raw = encodeMessage(messageDef(name), rest, '');

  const typeMeta = new WireWriter();
  typeMeta.string(1, apiVersion);
  typeMeta.string(2, kind);
  const envelope = new WireWriter();
  envelope.bytes(1, typeMeta.finish());
  envelope.bytes(2, raw);
  envelope.string(3, '');
  envelope.string(4, '');
  const body = envelope.finish();
  const out = new Uint8Array(4 + body.length);
  out.set(PROTOBUF_MAGIC);
  out.set(body, 4);
  return out;
}

function encodeMessage(def: MessageDef, obj: Record<string, unknown>, path: string): Uint8Array {
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) {
    throw new Error(`${path || 'the object'}: expected an object for ${def.name}`);
  }
  const unknown = new Set(Object.keys(obj));
  const out = new WireWriter();
  writeFields(def, obj, path, out, unknown);
  if (unknown.size > 0) throw new Error(`${def.name} has no field "${[...unknown][0]}"${where(path)}`);
  return out.finish();
}

// Writes def's fields from obj; inline members are read from the same obj. Consumed keys leave `unknown`.
function writeFields(def: MessageDef, obj: Record<string, unknown>, path: string, out: WireWriter, unknown: Set<string>): void {
  for (const field of def.fields) {
    if (field.inline) {
      const inner = new WireWriter();
      writeFields(messageDef(field.type), obj, path, inner, unknown);
      out.bytes(field.number, inner.finish());
      continue;
    }
    unknown.delete(field.jsonName);
    const value = obj[field.jsonName];
    if (value === undefined || value === null) continue;
    const fieldPath = path ? `${path}.${field.jsonName}` : field.jsonName;
    if (field.isMap) {
      if (typeof value !== 'object' || Array.isArray(value)) throw new Error(`${fieldPath}: expected a map`);
      for (const key of Object.keys(value).sort()) {
        const entry = new WireWriter();
        entry.string(1, key);
        writeValue(entry, 2, field.type, (value as Record<string, unknown>)[key], `${fieldPath}[${JSON.stringify(key)}]`);
        out.bytes(field.number, entry.finish());
      }
    } else if (field.repeated) {
      if (!Array.isArray(value)) throw new Error(`${fieldPath}: expected a list`);
      value.forEach((item, i) => writeValue(out, field.number, field.type, item, `${fieldPath}[${i}]`));
    } else {
      writeValue(out, field.number, field.type, value, fieldPath);
    }
  }
}

function writeValue(out: WireWriter, number: number, type: string, value: unknown, path: string): void {
  const fail = (what: string) => new Error(`${path}: expected ${what} for ${type}, got ${JSON.stringify(value)}`);
  switch (type) {
    case 'string':
      if (typeof value !== 'string') throw fail('a string');
      out.string(number, value);
      return;
    case 'bytes':
      if (typeof value !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(value)) throw fail('base64');
      out.bytes(number, Buffer.from(value, 'base64'));
      return;
    case 'bool':
      if (typeof value !== 'boolean') throw fail('a boolean');
      out.varint(number, value);
      return;
    case 'int32':
    case 'int64':
      if (!Number.isInteger(value)) throw fail('an integer');
      out.varint(number, BigInt(value as number));
      return;
    case 'double':
    case 'float':
      if (typeof value !== 'number') throw fail('a number');
      if (type === 'double') out.double(number, value);
      else out.float(number, value);
      return;
  }
  out.bytes(number, encodeMessageValue(type, value, path));
}

function encodeMessageValue(type: string, value: unknown, path: string): Uint8Array {
  if (!WELL_KNOWN.has(type)) return encodeMessage(messageDef(type), value as Record<string, unknown>, path);
  const w = new WireWriter();
  switch (type) {
    case QUANTITY:
      if (typeof value !== 'string' && typeof value !== 'number') throw new Error(`${path}: expected a quantity`);
      w.string(1, String(value));
      break;
    case INT_OR_STRING:
      // Go writes all three fields of an IntOrString.
      if (typeof value === 'number' && Number.isInteger(value)) {
        w.varint(1, 0);
        w.varint(2, value);
        w.string(3, '');
      } else if (typeof value === 'string') {
        w.varint(1, 1);
        w.varint(2, 0);
        w.string(3, value);
      } else {
        throw new Error(`${path}: expected an integer or a string`);
      }
      break;
    case TIME:
    case MICRO_TIME: {
      const { seconds, nanos } = parseTime(value, path);
      w.varint(1, seconds);
      w.varint(2, nanos);
      break;
    }
    case DURATION:
      w.varint(1, parseGoDuration(value, path));
      break;
    case FIELDS_V1:
    case RAW_EXTENSION:
      w.bytes(1, new TextEncoder().encode(JSON.stringify(value)));
      break;
  }
  return w.finish();
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:[Zz]|([+-])(\d{2}):(\d{2}))$/;

function parseTime(value: unknown, path: string): { seconds: bigint; nanos: number } {
  const m = typeof value === 'string' ? RFC3339.exec(value) : null;
  if (!m) throw new Error(`${path}: expected an RFC 3339 time, got ${JSON.stringify(value)}`);
  const [, y, mo, d, h, mi, s, frac, sign, oh, om] = m;
  let ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  if (sign) ms -= (sign === '-' ? -1 : 1) * (Number(oh) * 60 + Number(om)) * 60_000;
  return { seconds: BigInt(ms / 1000), nanos: frac ? Number(frac.padEnd(9, '0')) : 0 };
}

const DURATION_UNITS: Record<string, bigint> = {
  ns: 1n, us: 1000n, 'µs': 1000n, 'μs': 1000n, ms: 1_000_000n, s: 1_000_000_000n, m: 60_000_000_000n, h: 3_600_000_000_000n,
};

/** Parses a Go duration string ("1h30m", "1.5s", "-2m") into nanoseconds. */
export function parseGoDuration(value: unknown, path = 'duration'): bigint {
  const fail = () => new Error(`${path}: invalid duration ${JSON.stringify(value)}`);
  if (typeof value !== 'string') throw fail();
  let rest = value;
  let sign = 1n;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    if (rest[0] === '-') sign = -1n;
    rest = rest.slice(1);
  }
  if (rest === '0') return 0n;
  if (rest === '') throw fail();
  let total = 0n;
  const part = /^(\d*)(?:\.(\d*))?(ns|us|µs|μs|ms|s|m|h)/;
  while (rest !== '') {
    const m = part.exec(rest);
    if (!m || (m[1] === '' && !m[2])) throw fail();
    const unit = DURATION_UNITS[m[3]];
    total += BigInt(m[1] || '0') * unit;
    if (m[2]) total += (BigInt(m[2]) * unit) / 10n ** BigInt(m[2].length);
    rest = rest.slice(m[0].length);
  }
  return sign * total;
}
