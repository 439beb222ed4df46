// Server-side apply and managedFields, with upstream's structured-merge-diff semantics.
//
// Every write records who set which fields: `updateManagedFields` for ordinary writes (create,
// update, patch: the writer takes the fields it changed), `applyPatch` for server-side apply
// (the applied configuration is merged into the live object, fields the applier dropped are
// removed when nobody else owns them, and changing a field another manager owns is a conflict
// unless forced). Both read the schema model to know which lists merge by key, which are sets
// and which maps or lists are atomic. Pure functions: the caller stores the results.
import type { ManagedFieldsEntry } from 'kubernetes-types/meta/v1';
import type { Schema, SchemaModel } from '../api/openapi/model.ts';
import { ApiError, badRequest } from './errors.ts';
import { jsonEqual } from './meta.ts';
import {
  FieldSet, fieldElement, goJson, goQuote, indexElement, keyElement, pathString, valueElement, type Path,
} from './fieldpath.ts';

export type { ManagedFieldsEntry } from 'kubernetes-types/meta/v1';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** kubectl's client-side apply bookkeeping, which server-side apply from kubectl keeps in step. */
export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';
/** The manager that takes the fields of an object first applied to before it had managedFields. */
const BEFORE_FIRST_APPLY = 'before-first-apply';
/** The manager that absorbs the oldest update entries once there are too many. */
const ANCIENT_CHANGES = 'ancient-changes';
const MAX_UPDATE_MANAGERS = 10;
const FIELD_MANAGER_MAX_LENGTH = 128;

// ---- the schema, as structured-merge-diff sees it --------------------------------------------

interface TypeInfo {
  kind: 'scalar' | 'struct' | 'map' | 'list' | 'untyped';
  /** Atomic lists and maps are one value: owned, compared and replaced whole. */
  atomic: boolean;
  fields: Record<string, Schema>;
  /** Map values or list items; undefined means untyped. */
  elem: Schema | undefined;
  /** The key fields of an associative list (x-kubernetes-list-type: map, or a patch merge key). */
  keys: string[] | undefined;
  /** A list of scalars where each value appears once (x-kubernetes-list-type: set). */
  set: boolean;
}

const UNTYPED: TypeInfo = { kind: 'untyped', atomic: false, fields: {}, elem: undefined, keys: undefined, set: false };
const SCALAR: TypeInfo = { ...UNTYPED, kind: 'scalar' };

/**
 * Fields upstream's Go objects always carry, even empty: struct fields held by value (as `{}`)
 * and a few lists without `omitempty` (as null). Compared against such an object, their
 * appearance is not an "added" field of its own, only their contents are; this keeps Update
 * entries looking like upstream's (`f:spec` and `f:containers` without a `.`, while a newly set
 * pointer struct such as `f:rollingUpdate`, or an omitempty list such as `f:ports`, has one).
 */
const VALUE_STRUCT_FIELDS = new Set([
  'metadata', 'spec', 'status', 'template', 'strategy', 'updateStrategy', 'jobTemplate', 'resources',
  'roleRef', 'scaleTargetRef', 'involvedObject', 'regarding', 'source', 'target', 'daemonEndpoints',
  'kubeletEndpoint', 'nodeInfo', 'backend', 'port', 'loadBalancer', 'conditions', 'podSelector',
]);
const NULL_LIST_FIELDS = new Set(['containers']);

/** Resolves schemas to TypeInfo; one per model (see typerFor), which is never changed in place. */
class Typer {
  private readonly model: SchemaModel;
  private readonly cache = new WeakMap<Schema, TypeInfo>();

  constructor(model: SchemaModel) {
    this.model = model;
  }

  root(name: string): TypeInfo {
    const def = this.model.definitions[name];
    return def ? this.resolve(def) : UNTYPED;
  }

  resolve(schema: Schema | undefined): TypeInfo {
    if (!schema) return UNTYPED;
    const hit = this.cache.get(schema);
    if (hit) return hit;
    const info = this.compute(schema);
    this.cache.set(schema, info);
    return info;
  }

  private compute(schema: Schema): TypeInfo {
    // A field's own extensions win over those of the definition it refers to.
    const ext: Record<string, unknown> = {};
    let body: Schema = schema;
    for (let depth = 0; depth < 32; depth++) {
      for (const [k, v] of Object.entries(body)) if (k.startsWith('x-kubernetes-') && !(k in ext)) ext[k] = v;
      if (!body.$ref) break;
      const target = this.model.definitions[body.$ref.replace(/^#\/(definitions|components\/schemas)\//, '')];
      if (!target) return UNTYPED;
      body = target;
    }
    if (ext['x-kubernetes-int-or-string']) return SCALAR;
    const atomicMap = ext['x-kubernetes-map-type'] === 'atomic';
    if (body.type === 'array' || body.items) {
      const base = { ...UNTYPED, kind: 'list' as const, elem: body.items };
      const listType = ext['x-kubernetes-list-type'];
      if (listType === 'atomic') return { ...base, atomic: true };
      if (listType === 'set') return { ...base, set: true };
      if (listType === 'map') {
        const keys = ext['x-kubernetes-list-map-keys'] as string[] | undefined;
        return keys?.length ? { ...base, keys } : { ...base, atomic: true };
      }
      const strategy = String(ext['x-kubernetes-patch-strategy'] ?? '').split(',');
      if (strategy.includes('merge')) {
        const mergeKey = ext['x-kubernetes-patch-merge-key'] as string | undefined;
        return mergeKey ? { ...base, keys: [mergeKey] } : { ...base, set: true };
      }
      return { ...base, atomic: true };
    }
    if (body.properties) return { ...UNTYPED, kind: 'struct', atomic: atomicMap, fields: body.properties };
    if (isObj(body.additionalProperties)) {
      return { ...UNTYPED, kind: 'map', atomic: atomicMap, elem: body.additionalProperties as Schema };
    }
    if (body.type === 'string' || body.type === 'integer' || body.type === 'number' || body.type === 'boolean') return SCALAR;
    return UNTYPED;
  }

  /** The type of a named child: a declared field, a map value, or untyped. */
  field(t: TypeInfo, name: string): TypeInfo {
    if (t.kind === 'struct') return Object.hasOwn(t.fields, name) ? this.resolve(t.fields[name]) : UNTYPED;
    if (t.kind === 'map') return this.resolve(t.elem);
    return UNTYPED;
  }

  /** The type under a path element, when walking a field set without values. */
  child(t: TypeInfo, pe: string): TypeInfo {
    if (pe.startsWith('f:')) return this.field(t, pe.slice(2));
    return t.kind === 'list' ? this.resolve(t.elem) : UNTYPED;
  }
}

function declared(t: TypeInfo, name: string): boolean {
  return t.kind === 'struct' && Object.hasOwn(t.fields, name);
}

/** How a value is walked under a type: as one leaf, as a map of fields, or as a list of items. */
function shapeOf(t: TypeInfo, v: unknown): 'leaf' | 'map' | 'list' {
  if (t.kind === 'scalar' || t.atomic) return 'leaf';
  if (t.kind === 'struct' || t.kind === 'map') return isObj(v) || v === null ? 'map' : 'leaf';
  if (t.kind === 'list') return Array.isArray(v) || v === null ? 'list' : 'leaf';
  return isObj(v) ? 'map' : 'leaf'; // untyped: maps are granular, lists atomic
}

/** A value that does not fit the schema (a list item without its keys, say). */
class TypedValueError extends Error {}

function listItemElement(typer: Typer, t: TypeInfo, index: number, item: unknown, path: Path): string {
  const where = `${pathString(path)}: element ${index}`;
  if (t.keys) {
    if (!isObj(item)) {
      throw new TypedValueError(`${where}: associative list with keys may not have ${item === null ? 'a null element' : 'non-map elements'}`);
    }
    const itemType = typer.resolve(t.elem);
    const fields: Array<[string, unknown]> = [];
    for (const key of t.keys) {
      if (Object.hasOwn(item, key)) { fields.push([key, item[key]]); continue; }
      const dflt = keyDefault(itemType, key);
      if (dflt === undefined) {
        throw new TypedValueError(`${where}: associative list with keys has an element that omits key field ${goQuote(key)} (and doesn't have default value)`);
      }
      fields.push([key, dflt]);
    }
    return keyElement(fields);
  }
  if (t.set) {
    if (isObj(item)) throw new TypedValueError(`${where}: associative list without keys has an element that's a map type`);
    if (Array.isArray(item)) throw new TypedValueError(`${where}: not supported: associative list with lists as elements`);
    if (item === null) throw new TypedValueError(`${where}: associative list without keys has an element that's an explicit null`);
    return valueElement(item);
  }
  return indexElement(index);
}

/**
 * A list key's default from the schema. Upstream's OpenAPI declares `protocol` (the second key
 * of container and service ports) with default "TCP"; that default is assumed when the model
 * does not carry it, or `ports` items without a protocol would not match their live selves.
 */
function keyDefault(itemType: TypeInfo, key: string): unknown {
  const dflt = itemType.kind === 'struct' ? itemType.fields[key]?.default : undefined;
  if (dflt !== undefined) return dflt;
  return key === 'protocol' ? 'TCP' : undefined;
}

/** A list's items by path element; a repeated element keeps its first item, as upstream does. */
function indexList(typer: Typer, t: TypeInfo, list: unknown[] | null | undefined, path: Path): Map<string, unknown> {
  const items = new Map<string, unknown>();
  (list ?? []).forEach((item, i) => {
    const pe = listItemElement(typer, t, i, item, path);
    if (!items.has(pe)) items.set(pe, item);
  });
  return items;
}

const isEmptyOrNil = (v: unknown) =>
  v === undefined || v === null || (Array.isArray(v) ? v.length === 0 : isObj(v) && Object.keys(v).length === 0);

// ---- walks over typed values -------------------------------------------------------------------

/** The fields a value sets: every leaf, every list item, map entries, and empty or null structs. */
function toFieldSet(typer: Typer, value: unknown, t: TypeInfo): FieldSet {
  const set = new FieldSet();
  const walk = (v: unknown, type: TypeInfo, path: string[]) => {
    const shape = shapeOf(type, v);
    if (shape === 'leaf') { set.insert(path); return; }
    if (shape === 'map') {
      if (!isObj(v)) return;
      for (const [key, child] of Object.entries(v)) {
        if (child === undefined) continue;
        const childPath = [...path, fieldElement(key)];
        walk(child, typer.field(type, key), childPath);
        if (!declared(type, key) || child === null || (isObj(child) && Object.keys(child).length === 0)) set.insert(childPath);
      }
      return;
    }
    if (!Array.isArray(v)) return;
    v.forEach((item, i) => {
      const itemPath = [...path, listItemElement(typer, type, i, item, path)];
      walk(item, typer.resolve(type.elem), itemPath);
      set.insert(itemPath);
    });
  };
  walk(value, t, []);
  return set;
}

interface Comparison {
  added: FieldSet;
  removed: FieldSet;
  modified: FieldSet;
}

/**
 * What changed from `lhs` to `rhs`: leaves added, removed or modified, and maps, lists and list
 * items that appeared or disappeared as a whole. With `skipEqual`, subtrees that are the same on
 * both sides are not walked: they change nothing. Only for a stored `lhs` whose values were
 * checked against the schema when it was written, since the walk is also what finds values the
 * schema cannot place.
 */
function compare(typer: Typer, lhs: unknown, rhs: unknown, t: TypeInfo, skipEqual = false): Comparison {
  const c: Comparison = { added: new FieldSet(), removed: new FieldSet(), modified: new FieldSet() };
  const leaf = (l: unknown, r: unknown, path: string[]) => {
    if (l === undefined) c.added.insert(path);
    else if (r === undefined) c.removed.insert(path);
    else if (!jsonEqual(l, r)) c.modified.insert(path);
  };
  const walk = (l: unknown, r: unknown, type: TypeInfo, path: string[]) => {
    if (skipEqual && l !== undefined && r !== undefined && sameJson(l, r)) return;
    const sl = l === undefined ? undefined : shapeOf(type, l);
    const sr = r === undefined ? undefined : shapeOf(type, r);
    const shape = sl ?? sr;
    if (shape === 'leaf' || (sl && sr && sl !== sr) || (isEmptyOrNil(l) && isEmptyOrNil(r))) {
      leaf(l, r, path);
      return;
    }
    if (shape === 'map') {
      const lm = isObj(l) ? l : undefined;
      const rm = isObj(r) ? r : undefined;
      const keys = new Set([...Object.keys(lm ?? {}), ...Object.keys(rm ?? {})]);
      for (const key of keys) {
        const childType = typer.field(type, key);
        walk(present(lm, key, type, childType), present(rm, key, type, childType), childType, [...path, fieldElement(key)]);
      }
    } else {
      const li = indexList(typer, type, Array.isArray(l) ? l : undefined, path);
      const ri = indexList(typer, type, Array.isArray(r) ? r : undefined, path);
      const itemType = typer.resolve(type.elem);
      for (const pe of new Set([...li.keys(), ...ri.keys()])) walk(li.get(pe), ri.get(pe), itemType, [...path, pe]);
    }
    if (path.length && l === undefined) c.added.insert(path);
    else if (path.length && r === undefined) c.removed.insert(path);
  };
  walk(lhs, rhs, t, []);
  return c;
}

/** Exact equality of values as decoded JSON holds them (an own key holding undefined is a key too). */
function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameJson(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  for (const k of keys) {
    if (!Object.hasOwn(b, k) || !sameJson((a as Obj)[k], (b as Obj)[k])) return false;
  }
  return true;
}

/** Whether `set` holds any path of `other`, i.e. whether set.difference(other) would change it. */
function sharesPath(set: FieldSet, other: FieldSet): boolean {
  for (const m of other.members) if (set.members.has(m)) return true;
  for (const [pe, child] of other.children) {
    const mine = set.children.get(pe);
    if (mine && sharesPath(mine, child)) return true;
  }
  return false;
}

/** A map member for comparison, with an absent always-serialized field read as Go would hold it. */
function present(parent: Obj | undefined, key: string, parentType: TypeInfo, childType: TypeInfo): unknown {
  if (!parent) return undefined;
  const v = parent[key];
  if (v !== undefined || !declared(parentType, key)) return v;
  if (childType.kind === 'struct' && VALUE_STRUCT_FIELDS.has(key)) return {};
  if (childType.kind === 'list' && NULL_LIST_FIELDS.has(key)) return null;
  return v;
}

function excludeFields(c: Comparison, ignored: FieldSet): Comparison {
  if (ignored.isEmpty()) return c;
  return {
    added: c.added.recursiveDifference(ignored),
    removed: c.removed.recursiveDifference(ignored),
    modified: c.modified.recursiveDifference(ignored),
  };
}

/**
 * Merges an applied configuration into a live value: maps by field, associative lists by key.
 * The result shares unchanged subtrees with both inputs; applyOnce copies it (dropNulls) before
 * anything can write to it.
 */
function merge(typer: Typer, lhs: unknown, rhs: unknown, t: TypeInfo, path: string[]): unknown {
  if (rhs === undefined) return lhs;
  if (lhs === undefined) return rhs;
  const sl = shapeOf(t, lhs);
  const sr = shapeOf(t, rhs);
  if (sl !== sr || sl === 'leaf' || (isEmptyOrNil(lhs) && isEmptyOrNil(rhs))) return rhs;
  if (sl === 'map') {
    const lm = isObj(lhs) ? lhs : {};
    const rm = isObj(rhs) ? rhs : {};
    const out: Obj = {};
    for (const [key, value] of Object.entries(lm)) {
      out[key] = Object.hasOwn(rm, key) ? merge(typer, value, rm[key], typer.field(t, key), [...path, fieldElement(key)]) : value;
    }
    for (const [key, value] of Object.entries(rm)) if (!Object.hasOwn(lm, key)) out[key] = value;
    return out;
  }
  return mergeList(typer, lhs as unknown[] | null, rhs as unknown[] | null, t, path);
}

/**
 * Merges list items by element. Items only in the live list keep their place; items the
 * configuration names come in the configuration's order, each merged with its live self.
 */
function mergeList(typer: Typer, lhs: unknown[] | null, rhs: unknown[] | null, t: TypeInfo, path: string[]): unknown[] {
  const live = indexList(typer, t, lhs, path);
  const applied = indexList(typer, t, rhs, path);
  const lhsOrder = [...live.keys()];
  const rhsOrder = [...applied.keys()];
  const itemType = typer.resolve(t.elem);
  const shared = rhsOrder.filter((pe) => live.has(pe));
  let nextShared = 0;
  const taken = new Set<string>();
  const out: unknown[] = [];
  const take = (pe: string) => {
    taken.add(pe);
    out.push(merge(typer, live.get(pe), applied.get(pe), itemType, [...path, pe]));
    if (shared[nextShared] === pe) nextShared++;
  };
  let li = 0;
  let ri = 0;
  while (li < lhsOrder.length || ri < rhsOrder.length) {
    if (li < lhsOrder.length && ri < rhsOrder.length) {
      const pe = lhsOrder[li];
      if (pe === rhsOrder[ri]) { take(pe); li++; ri++; continue; }
      // A shared item waits for its turn in the configuration's order.
      if (applied.has(pe) && nextShared < shared.length && shared[nextShared] !== pe) { li++; continue; }
    }
    if (li < lhsOrder.length) {
      const pe = lhsOrder[li];
      if (!applied.has(pe)) { out.push(live.get(pe)); li++; continue; }
      if (taken.has(pe)) { li++; continue; }
    }
    if (ri < rhsOrder.length) { take(rhsOrder[ri]); ri++; }
  }
  return out;
}

/** Removes the given paths (and everything beneath them); collections left empty disappear. */
function removeItems(typer: Typer, value: unknown, remove: FieldSet, t: TypeInfo, path: string[]): unknown {
  const shape = shapeOf(t, value);
  if (shape === 'map' && isObj(value) && Object.keys(value).length) {
    const out: Obj = {};
    for (const [key, child] of Object.entries(value)) {
      const pe = fieldElement(key);
      if (remove.members.has(pe)) continue;
      const sub = remove.children.get(pe);
      const kept = sub ? removeItems(typer, child, sub, typer.field(t, key), [...path, pe]) : child;
      if (kept !== undefined) out[key] = kept;
    }
    return Object.keys(out).length ? out : undefined;
  }
  if (shape === 'list' && Array.isArray(value) && value.length) {
    const out: unknown[] = [];
    value.forEach((item, i) => {
      const pe = listItemElement(typer, t, i, item, path);
      if (remove.members.has(pe)) return;
      const sub = remove.children.get(pe);
      const kept = sub ? removeItems(typer, item, sub, typer.resolve(t.elem), [...path, pe]) : item;
      if (kept !== undefined) out.push(kept);
    });
    return out.length ? out : undefined;
  }
  return value;
}

/** The set plus every declared struct field on its paths, so pruning can remove whole fields. */
function ensureNamedFieldsAreMembers(typer: Typer, set: FieldSet, t: TypeInfo): FieldSet {
  const out = new FieldSet();
  for (const m of set.members) out.members.add(m);
  for (const [pe, child] of set.children) {
    if (pe.startsWith('f:') && declared(t, pe.slice(2))) out.members.add(pe);
    out.children.set(pe, ensureNamedFieldsAreMembers(typer, child, typer.child(t, pe)));
  }
  return out;
}

/** Drops null members (how Go's typed objects forget unset fields) from maps, recursively. */
function dropNulls(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(dropNulls);
  if (!isObj(v)) return v;
  const out: Obj = {};
  for (const [k, child] of Object.entries(v)) if (child !== null && child !== undefined) out[k] = dropNulls(child);
  return out;
}

// ---- managers --------------------------------------------------------------------------------

type Operation = 'Apply' | 'Update';

interface Manager {
  manager: string;
  operation: Operation;
  apiVersion: string;
  subresource?: string;
  time?: string;
  set: FieldSet;
  /** The stored FieldsV1 `set` was read from, written back as it was while the set is unchanged. */
  stored?: { set: FieldSet; fieldsV1: unknown };
}

/** Managers keyed by upstream's identifier (see managerId). */
type Managers = Map<string, Manager>;

/**
 * Upstream's manager identifier: the entry without fields and time, as JSON; appliers keep one
 * identity across versions, updaters get one per version.
 */
function managerId(m: { manager: string; operation: Operation; apiVersion: string; subresource?: string }): string {
  let s = `{"manager":${goJson(m.manager)},"operation":${goJson(m.operation)}`;
  if (m.operation === 'Update' && m.apiVersion) s += `,"apiVersion":${goJson(m.apiVersion)}`;
  if (m.subresource) s += `,"subresource":${goJson(m.subresource)}`;
  return s + '}';
}

class ManagedFieldsError extends Error {}

function decodeManagers(entries: unknown, keepStored = false): Managers {
  const managers: Managers = new Map();
  if (entries === undefined || entries === null) return managers;
  if (!Array.isArray(entries)) throw new ManagedFieldsError('managedFields must be a list');
  entries.forEach((e, i) => {
    if (!isObj(e)) throw new ManagedFieldsError(`managed fields entry ${i} is not an object`);
    if (e.operation !== 'Apply' && e.operation !== 'Update') throw new ManagedFieldsError('operation must be `Apply` or `Update`');
    if (typeof e.apiVersion !== 'string' || !e.apiVersion) throw new ManagedFieldsError('apiVersion must not be empty');
    if (e.fieldsType === undefined || e.fieldsType === '') throw new ManagedFieldsError(`missing fieldsType in managed fields entry ${i}`);
    if (e.fieldsType !== 'FieldsV1') throw new ManagedFieldsError(`invalid fieldsType ${goQuote(String(e.fieldsType))} in managed fields entry ${i}`);
    let set: FieldSet;
    try {
      set = FieldSet.fromFieldsV1(e.fieldsV1 ?? {});
    } catch (err) {
      throw new ManagedFieldsError(`error decoding set: ${(err as Error).message}`);
    }
    const m: Manager = {
      manager: typeof e.manager === 'string' ? e.manager : '',
      operation: e.operation,
      apiVersion: e.apiVersion,
      set,
    };
    if (typeof e.subresource === 'string' && e.subresource) m.subresource = e.subresource;
    if (typeof e.time === 'string' && e.time) m.time = e.time;
    if (keepStored) m.stored = { set, fieldsV1: e.fieldsV1 ?? {} };
    managers.set(managerId(m), m);
  });
  return managers;
}

function decodeOrEmpty(entries: unknown, keepStored = false): Managers {
  try {
    return decodeManagers(entries, keepStored);
  } catch {
    return new Map();
  }
}

const unixSeconds = (time: string | undefined) => (time ? Math.floor(Date.parse(time) / 1000) || 0 : 0);
const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** The entries in upstream's order: appliers first, then oldest first, then by name. */
function encodeManagers(managers: Managers): ManagedFieldsEntry[] {
  const list = [...managers.values()].filter((m) => !m.set.isEmpty());
  list.sort((p, q) => cmp(p.operation, q.operation) || unixSeconds(p.time) - unixSeconds(q.time) ||
    cmp(p.manager, q.manager) || cmp(p.apiVersion, q.apiVersion) || cmp(p.subresource ?? '', q.subresource ?? ''));
  return list.map((m) => {
    const entry: ManagedFieldsEntry = { manager: m.manager, operation: m.operation, apiVersion: m.apiVersion };
    if (m.time) entry.time = m.time;
    entry.fieldsType = 'FieldsV1';
    // Encoding a set is a walk and a sort at every level: an entry nobody changed keeps its text.
    entry.fieldsV1 = (m.stored?.set === m.set ? m.stored.fieldsV1 : m.set.toFieldsV1()) as ManagedFieldsEntry['fieldsV1'];
    if (m.subresource) entry.subresource = m.subresource;
    return entry;
  });
}

/** Fields no manager ever owns: identity and bookkeeping the server sets itself. */
const STRIPPED = FieldSet.of(
  ['f:apiVersion'], ['f:kind'], ['f:metadata'],
  ...['name', 'namespace', 'creationTimestamp', 'selfLink', 'uid', 'clusterName', 'generation', 'managedFields', 'resourceVersion']
    .map((f) => ['f:metadata', `f:${f}`]),
);

/** Merges the oldest update entries into "ancient-changes" so at most ten updaters remain. */
function capUpdateManagers(managers: Managers): void {
  const updaters = [...managers.entries()].filter(([, m]) => m.operation === 'Update').map(([id]) => id);
  if (updaters.length <= MAX_UPDATE_MANAGERS) return;
  updaters.sort((a, b) => unixSeconds(managers.get(a)!.time) - unixSeconds(managers.get(b)!.time) || cmp(a, b));
  const firstOfVersion = new Map<string, string>();
  let length = updaters.length;
  for (let i = 0; i < updaters.length && length > MAX_UPDATE_MANAGERS; i++) {
    const id = updaters[i];
    const m = managers.get(id);
    if (!m) continue;
    const bucket = managerId({ manager: ANCIENT_CHANGES, operation: 'Update', apiVersion: m.apiVersion });
    const first = firstOfVersion.get(m.apiVersion);
    if (first === undefined) { firstOfVersion.set(m.apiVersion, id); continue; }
    if (!managers.has(bucket)) {
      const f = managers.get(first)!;
      managers.delete(first);
      managers.set(bucket, { ...f, manager: ANCIENT_CHANGES, subresource: undefined });
    }
    const b = managers.get(bucket)!;
    managers.delete(id);
    managers.set(bucket, { ...b, set: b.set.union(m.set), time: m.time });
    length--;
  }
}

/**
 * The object as the field walks see it: without managedFields. A shallow copy (the top level and
 * metadata only), so it shares everything else with `obj`: callers only read it.
 */
function withoutManagedFields(obj: unknown): Obj {
  if (!isObj(obj)) return {};
  const copy: Obj = { ...obj };
  if (isObj(obj.metadata) && Object.hasOwn(obj.metadata, 'managedFields')) {
    const { managedFields: _m, ...metadata } = obj.metadata;
    copy.metadata = metadata;
  }
  return copy;
}

/** True when a request asks to wipe managedFields: `[]`, or a single empty entry. */
function isResetRequest(v: unknown): boolean {
  if (!Array.isArray(v)) return false;
  if (v.length === 0) return true;
  return v.length === 1 && isObj(v[0]) && Object.values(v[0]).every((x) => x === undefined || x === null || x === '' ||
    (isObj(x) && Object.keys(x).length === 0));
}

function resetFieldSet(paths: string[] | undefined): FieldSet {
  return FieldSet.of(...(paths ?? []).map((p) => p.split('.').map(fieldElement)));
}

interface Context {
  typer: Typer;
  root: TypeInfo;
  ignored: FieldSet;
}

/** Typers by model: resolving is pure, so a model's TypeInfo is computed once, not on every write. */
const typers = new WeakMap<SchemaModel, Typer>();

function typerFor(schema: SchemaModel): Typer {
  let typer = typers.get(schema);
  if (!typer) typers.set(schema, (typer = new Typer(schema)));
  return typer;
}

function context(schema: SchemaModel, rootType: string, resetFields: string[] | undefined): Context {
  const typer = typerFor(schema);
  return { typer, root: typer.root(rootType), ignored: resetFieldSet(resetFields) };
}

/**
 * An ordinary write by `manager`: others lose the fields that changed; the writer gains them
 * (merged into its entry for this version and subresource, whose time becomes `now`).
 */
function recordUpdate(ctx: Context, managers: Managers, live: Obj, updated: Obj, who: { manager: string; apiVersion: string; subresource?: string }, now: string): Managers {
  const out: Managers = new Map([...managers].map(([id, m]) => [id, { ...m }]));
  const c = compare(ctx.typer, live, updated, ctx.root, true);
  const visible = excludeFields(c, ctx.ignored);
  const taken = visible.modified.union(visible.added);
  for (const [id, m] of out) {
    // Most writes touch none of most managers' fields: those keep their set (and its stored text).
    if (sharesPath(m.set, taken) || sharesPath(m.set, visible.removed)) m.set = m.set.difference(taken).difference(visible.removed);
    if (m.set.isEmpty()) out.delete(id);
  }
  const gained = c.modified.union(c.added).difference(c.removed).recursiveDifference(ctx.ignored).difference(STRIPPED);
  if (!gained.isEmpty()) {
    const entry: Manager = { manager: who.manager, operation: 'Update', apiVersion: who.apiVersion, set: gained, time: now };
    if (who.subresource) entry.subresource = who.subresource;
    const id = managerId(entry);
    const previous = out.get(id);
    if (previous) entry.set = gained.union(previous.set);
    out.set(id, entry);
  }
  capUpdateManagers(out);
  return out;
}

// ---- ordinary writes -------------------------------------------------------------------------

export interface UpdateManagedFieldsOptions {
  /** The stored object; undefined on create. */
  old: object | undefined;
  /** The object about to be stored (defaults applied), with whatever managedFields the request carried. */
  updated: object;
  manager: string;
  operation: 'Update';
  /** "status", "scale", ... for subresource writes. */
  subresource?: string;
  /** RFC 3339 time of this write. */
  now: string;
  schema: SchemaModel;
  /** The definition name of the kind, e.g. "io.k8s.api.apps.v1.Deployment". */
  rootType: string;
  /** The group/version the write used; defaults to `updated.apiVersion`. */
  apiVersion?: string;
  /** Dotted field paths this write may not own, e.g. ["status"] for the main resource of a kind with /status. */
  resetFields?: string[];
}

/**
 * The managedFields to store after an ordinary write. An empty result means "no managedFields":
 * an existing object without them is not tracked until something applies to it, a request
 * sending `managedFields: []` (or `[{}]`) wipes them, and a value the schema cannot place clears
 * them, all as upstream does. A request carrying other managedFields replaces the stored ones
 * (that is how clients such as kubectl's client-side-apply upgrade edit them).
 */
export function updateManagedFields(opts: UpdateManagedFieldsOptions): ManagedFieldsEntry[] {
  const updated = opts.updated as Obj;
  const old = opts.old as Obj | undefined;
  const apiVersion = opts.apiVersion ?? (typeof updated.apiVersion === 'string' ? updated.apiVersion : '');
  const liveEntries = isObj(old?.metadata) ? old.metadata.managedFields : undefined;
  let managers: Managers;
  if (opts.subresource) {
    managers = decodeOrEmpty(liveEntries, true);
  } else {
    const requested = isObj(updated.metadata) ? updated.metadata.managedFields : undefined;
    if (isResetRequest(requested)) {
      managers = new Map();
    } else {
      let fromRequest: Managers | undefined;
      try { fromRequest = decodeManagers(requested); } catch { fromRequest = undefined; }
      managers = fromRequest?.size ? fromRequest : decodeOrEmpty(liveEntries, true);
    }
  }
  // An existing object that has no managedFields is only tracked again once something applies to it.
  if (managers.size === 0 && old !== undefined) return [];
  const who = { manager: opts.manager, apiVersion, subresource: opts.subresource };
  const created = old === undefined && managers.size === 0 ? createdFields(opts, updated) : undefined;
  if (created) {
    // The writer's entry as recordUpdate would make it, with the set (and its encoding) known.
    if (!created.set) return [];
    const entry: Manager = { manager: who.manager, operation: 'Update', apiVersion, set: created.set, time: opts.now,
      stored: { set: created.set, fieldsV1: JSON.parse(created.fieldsV1) } };
    if (who.subresource) entry.subresource = who.subresource;
    return encodeManagers(new Map([[managerId(entry), entry]]));
  }
  const ctx = context(opts.schema, opts.rootType, opts.resetFields);
  try {
    const result = recordUpdate(ctx, managers, withoutManagedFields(old), withoutManagedFields(updated), who, opts.now);
    return encodeManagers(result);
  } catch (err) {
    // Upstream stores no managedFields rather than wrong ones when the object does not fit the schema.
    if (err instanceof TypedValueError) return [];
    throw err;
  }
}

// ---- what a create owns, by the shape of the object ---------------------------------------------

/** The fields a create owns (none: `set` undefined, also when the object does not fit the schema). */
interface CreatedFields {
  /** The set of the object the entry was worked out for (only told empty or not, never walked). */
  set: FieldSet | undefined;
  fieldsV1: string;
  /** The generated name (see GENERATED_NAME) in that object, written into `fieldsV1` as it was. */
  generated?: string;
}

/**
 * ServiceAccount admission names each pod's token volume `kube-api-access-<5 random characters>`,
 * so no two pods would share a shape. The name only shows in the FieldsV1 as the volume's key
 * (`k:{"name":"kube-api-access-…"}`), so the shape is taken with it replaced by a placeholder and
 * the cached text gets the pod's own name back. Only done when that name is the sole string of
 * the shape containing the prefix, so it is never part of another key or value, and keys sort
 * the same whatever its random part (any other key differs from it before that part).
 */
const GENERATED_PREFIX = 'kube-api-access-';
const GENERATED_NAME = /^"kube-api-access-[a-z0-9]{5}"$/;
const GENERATED_PLACEHOLDER = '\u0001generated';

/** Replaces the one generated name in `parts`; returns it (unquoted), '' when none, false when it cannot. */
function canonicalizeGenerated(parts: string[]): string | false {
  let found = '';
  const at: number[] = [];
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i];
    if (!p.includes(GENERATED_PREFIX)) continue;
    if (!GENERATED_NAME.test(p) || (found && p !== found)) return false;
    found = p;
    at.push(i);
  }
  for (const i of at) parts[i] = GENERATED_PLACEHOLDER;
  return found && found.slice(1, -1);
}

const CREATED_SHAPES_KEPT = 512;
const createdShapes = new WeakMap<SchemaModel, Map<string, CreatedFields>>();
/**
 * How often shapes of a kind came again. Kinds whose objects rarely share one (Pods whose
 * generated token volume names differ, say) are only looked up now and then, since a miss costs
 * the shape on top of the walk.
 */
const shapeStats = new Map<string, { lookups: number; hits: number; skipped: number }>();
const SHAPE_PROBES = 64;
const SHAPE_REPROBE_EVERY = 256;

/**
 * What a create owns: every field the object sets, which depends only on its shape (its keys,
 * what kind of value each holds, and the lists' contents, whose items are told apart by their
 * values), not on its scalar values. Objects made alike (the Events of a recorder) share a
 * shape, so the walk against the schema and the sorted encoding are done once per shape.
 * Undefined when not looked up (see shapeStats) or for a value JSON does not have.
 */
function createdFields(opts: UpdateManagedFieldsOptions, updated: Obj): CreatedFields | undefined {
  let stats = shapeStats.get(opts.rootType);
  if (!stats) shapeStats.set(opts.rootType, (stats = { lookups: 0, hits: 0, skipped: 0 }));
  const rarelyShared = stats.lookups >= SHAPE_PROBES && stats.hits * 4 < stats.lookups;
  if (rarelyShared && ++stats.skipped % SHAPE_REPROBE_EVERY !== 0) return undefined;
  const parts: string[] = [opts.rootType, opts.subresource ?? '', (opts.resetFields ?? []).join(',')];
  if (!appendShape(withoutManagedFields(updated), parts, false)) return undefined;
  const generated = canonicalizeGenerated(parts);
  if (generated === false) return undefined;
  const key = parts.join('\u0000');
  let shapes = createdShapes.get(opts.schema);
  if (!shapes) createdShapes.set(opts.schema, (shapes = new Map()));
  let known = shapes.get(key);
  if (!rarelyShared) {
    stats.lookups++;
    if (known) stats.hits++;
  } else if (known) {
    stats.lookups = stats.hits = 0; // a look now and then hit: count afresh
  }
  if (!known) {
    const ctx = context(opts.schema, opts.rootType, opts.resetFields);
    known = { set: undefined, fieldsV1: '' };
    try {
      const result = recordUpdate(ctx, new Map(), withoutManagedFields(undefined), withoutManagedFields(updated),
        { manager: '', apiVersion: '', subresource: opts.subresource }, '');
      const entry = [...result.values()][0];
      if (entry && !entry.set.isEmpty()) known = { set: entry.set, fieldsV1: JSON.stringify(entry.set.toFieldsV1()), generated };
    } catch (err) {
      if (!(err instanceof TypedValueError)) throw err;
    }
    if (shapes.size >= CREATED_SHAPES_KEPT) shapes.clear();
    shapes.set(key, known);
  }
  if (known.generated && generated && known.generated !== generated) {
    return { set: known.set, fieldsV1: known.fieldsV1.replaceAll(known.generated, generated) };
  }
  return known;
}

/**
 * Appends the shape of a value to `parts`: maps by key with a tag for each value's kind, lists
 * with their items in full (list items are told apart by their values). False when the value
 * holds something JSON has no word for.
 */
function appendShape(v: unknown, parts: string[], inList: boolean): boolean {
  if (v === undefined) { parts.push('u'); return true; }
  if (v === null) { parts.push('z'); return true; }
  switch (typeof v) {
    case 'string': parts.push(inList ? JSON.stringify(v) : 's'); return true;
    case 'number': parts.push(inList ? `n${v}` : 'n'); return true;
    case 'boolean': parts.push(inList ? `b${v}` : 'b'); return true;
    case 'object': break;
    default: return false;
  }
  if (Array.isArray(v)) {
    parts.push('[');
    for (const item of v) if (!appendShape(item, parts, true)) return false;
    parts.push(']');
    return true;
  }
  const proto = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) return false;
  parts.push('{');
  for (const k of Object.keys(v)) {
    parts.push(JSON.stringify(k));
    if (!appendShape((v as Obj)[k], parts, inList)) return false;
  }
  parts.push('}');
  return true;
}

// ---- server-side apply -------------------------------------------------------------------------

export interface ApplyConflict {
  manager: string;
  operation: Operation;
  apiVersion: string;
  subresource?: string;
  /** The field in upstream's form, e.g. `.spec.replicas`. */
  field: string;
}

/** How upstream names a manager in conflict messages: `"kubectl" using apps/v1`. */
function printManager(c: Omit<ApplyConflict, 'field'>): string {
  let s = goQuote(c.manager);
  if (c.subresource) s += ` with subresource ${goQuote(c.subresource)}`;
  if (c.operation === 'Update') s += ` using ${c.apiVersion}`;
  return s;
}

/** The message of upstream's 409 for apply conflicts. */
export function conflictStatusMessage(conflicts: ApplyConflict[]): string {
  if (conflicts.length === 1) {
    return `Apply failed with 1 conflict: conflict with ${printManager(conflicts[0])}: ${conflicts[0].field}`;
  }
  const byManager = new Map<string, ApplyConflict[]>();
  for (const c of conflicts) {
    const id = managerId(c);
    byManager.set(id, [...(byManager.get(id) ?? []), c]);
  }
  const lines: string[] = [];
  for (const id of [...byManager.keys()].sort()) {
    const group = byManager.get(id)!;
    lines.push(`conflicts with ${printManager(group[0])}:`);
    for (const c of group) lines.push(`- ${c.field}`);
  }
  return `Apply failed with ${conflicts.length} conflicts: ${lines.join('\n')}`;
}

/** 409 Conflict listing each field another manager owns, as upstream's apply conflict Status. */
export class ApplyConflictError extends ApiError {
  readonly conflicts: ApplyConflict[];

  constructor(conflicts: ApplyConflict[]) {
    super(409, 'Conflict', conflictStatusMessage(conflicts), {
      causes: conflicts.map((c) => ({ reason: 'FieldManagerConflict', message: `conflict with ${printManager(c)}`, field: c.field })),
    });
    this.conflicts = conflicts;
  }
}

interface ConflictPath extends ApplyConflict {
  path: Path;
}

class Conflicts extends Error {
  readonly list: ConflictPath[];
  constructor(list: ConflictPath[]) {
    super('apply conflicts');
    this.list = list;
  }
}

export interface ApplyPatchOptions {
  /** The stored object; undefined when the apply creates it. */
  live: object | undefined;
  /** The applied configuration (the request body, parsed). */
  applied: object;
  manager: string;
  force: boolean;
  now: string;
  schema: SchemaModel;
  rootType: string;
  /** The group/version of the endpoint; the configuration must name the same. */
  apiVersion: string;
  subresource?: string;
  /** Dotted field paths this apply may not own, e.g. ["status"]. */
  resetFields?: string[];
}

/**
 * Server-side apply: the merged object (with its new managedFields set in metadata) and those
 * managedFields. Throws ApplyConflictError (409) when the configuration changes fields other
 * managers own and `force` is off, and a 400 for configurations that cannot be applied.
 */
export function applyPatch(opts: ApplyPatchOptions): { object: object; managedFields: ManagedFieldsEntry[] } {
  const applied = opts.applied as Obj;
  if (!isObj(applied)) throw badRequest('the body of the request is not a JSON object');
  const appliedMeta = isObj(applied.metadata) ? applied.metadata : undefined;
  if (appliedMeta && appliedMeta.managedFields !== undefined && appliedMeta.managedFields !== null) {
    throw badRequest('metadata.managedFields must be nil');
  }
  const patchVersion = typeof applied.apiVersion === 'string' ? applied.apiVersion : '';
  if (patchVersion !== opts.apiVersion) {
    throw badRequest(`Incorrect version specified in apply patch. Specified patch version: ${patchVersion}, expected: ${opts.apiVersion}`);
  }
  const ctx = context(opts.schema, opts.rootType, opts.resetFields);
  const live = withoutManagedFields(opts.live);
  const liveEntries = isObj((opts.live as Obj | undefined)?.metadata) ? ((opts.live as Obj).metadata as Obj).managedFields : undefined;
  let managers = decodeOrEmpty(liveEntries);

  try {
    // An object that predates field tracking: what it holds belongs to "before-first-apply".
    if (managers.size === 0) {
      managers = recordUpdate(ctx, managers, {}, live, { manager: BEFORE_FIRST_APPLY, apiVersion: opts.apiVersion, subresource: opts.subresource }, opts.now);
    }
    let result;
    try {
      result = applyOnce(ctx, live, applied, managers, opts, opts.force);
    } catch (err) {
      if (!(err instanceof Conflicts) || opts.manager !== 'kubectl') throw err;
      // kubectl moving from client-side to server-side apply may take over what it applied before.
      const allowed = allowedFromLastApplied(ctx, live, opts.apiVersion);
      if (!allowed) throw err;
      const remaining = err.list.filter((c) => !allowed.has(c.path));
      if (remaining.length) throw new Conflicts(remaining);
      result = applyOnce(ctx, live, applied, managers, opts, true);
    }
    const object = result.object;
    if (opts.manager === 'kubectl') syncLastApplied(object, applied);
    const managedFields = encodeManagers(result.managers);
    const meta = (isObj(object.metadata) ? object.metadata : (object.metadata = {})) as Obj;
    if (managedFields.length) meta.managedFields = managedFields; else delete meta.managedFields;
    return { object, managedFields };
  } catch (err) {
    if (err instanceof Conflicts) throw new ApplyConflictError(err.list.map(({ path: _p, ...c }) => c));
    if (err instanceof TypedValueError) throw typedObjectError(opts, err);
    throw err;
  }
}

function applyOnce(ctx: Context, live: Obj, applied: Obj, managers: Managers, opts: ApplyPatchOptions, force: boolean): { object: Obj; managers: Managers } {
  const { typer, root, ignored } = ctx;
  const appliedClean = withoutManagedFields(applied);
  const merged = merge(typer, live, appliedClean, root, []) as Obj;
  const id = managerId({ manager: opts.manager, operation: 'Apply', apiVersion: opts.apiVersion, subresource: opts.subresource });
  const previous = managers.get(id);
  const appliedSet = toFieldSet(typer, appliedClean, root).recursiveDifference(ignored);
  const next: Managers = new Map([...managers].map(([k, m]) => [k, { ...m }]));
  const entry: Manager = { manager: opts.manager, operation: 'Apply', apiVersion: opts.apiVersion, set: appliedSet, time: previous?.time };
  if (opts.subresource) entry.subresource = opts.subresource;
  next.set(id, entry);

  // Fields this manager applied before but not now go away, unless someone still owns them.
  let object = merged;
  if (previous && !previous.set.isEmpty()) {
    let owned = new FieldSet();
    for (const m of next.values()) owned = owned.union(m.set);
    const disowned = ensureNamedFieldsAreMembers(typer, previous.set, root).difference(ensureNamedFieldsAreMembers(typer, owned, root));
    object = (removeItems(typer, merged, disowned, root, []) ?? {}) as Obj;
  }

  // Changing a field another manager owns is a conflict; forced, the field changes hands.
  const c = excludeFields(compare(typer, live, object, root), ignored);
  const changed = c.modified.union(c.added);
  const conflicts: ConflictPath[] = [];
  for (const [otherId, m] of [...next].sort(([a], [b]) => cmp(a, b))) {
    if (otherId === id) continue;
    for (const path of m.set.intersection(changed).paths()) {
      const conflict: ConflictPath = { manager: m.manager, operation: m.operation, apiVersion: m.apiVersion, field: pathString(path), path };
      if (m.subresource) conflict.subresource = m.subresource;
      conflicts.push(conflict);
    }
  }
  if (conflicts.length && !force) throw new Conflicts(conflicts);
  for (const [otherId, m] of next) {
    if (otherId === id) continue;
    m.set = m.set.difference(changed).difference(c.removed);
    if (m.set.isEmpty()) next.delete(otherId);
  }
  entry.set = entry.set.difference(STRIPPED);
  if (entry.set.isEmpty()) next.delete(id);
  // A fresh copy: `object` shares subtrees with the live object and the configuration.
  const result = dropNulls(object) as Obj;
  if (!jsonEqual(result, live)) entry.time = opts.now;
  if (!entry.time) delete entry.time;
  return { object: result, managers: next };
}

/**
 * The conflicts kubectl may override when it last applied client-side: fields of the
 * last-applied-configuration annotation whose live value is still the one it applied.
 */
function allowedFromLastApplied(ctx: Context, live: Obj, apiVersion: string): FieldSet | undefined {
  const annotations = isObj(live.metadata) && isObj(live.metadata.annotations) ? live.metadata.annotations : undefined;
  const text = annotations?.[LAST_APPLIED_ANNOTATION];
  if (typeof text !== 'string' || !text) return undefined;
  let lastApplied: unknown;
  try { lastApplied = JSON.parse(text); } catch { return undefined; }
  if (!isObj(lastApplied) || lastApplied.apiVersion !== apiVersion) return undefined;
  try {
    const set = toFieldSet(ctx.typer, lastApplied, ctx.root);
    const c = compare(ctx.typer, lastApplied, live, ctx.root);
    return set.difference(c.modified).difference(c.added).difference(c.removed);
  } catch (err) {
    if (err instanceof TypedValueError) return undefined;
    throw err;
  }
}

/** Keeps an existing last-applied-configuration annotation equal to what kubectl applied. */
function syncLastApplied(object: Obj, applied: Obj): void {
  const annotations = isObj(object.metadata) && isObj(object.metadata.annotations) ? object.metadata.annotations : undefined;
  const current = annotations?.[LAST_APPLIED_ANNOTATION];
  if (typeof current !== 'string' || !current) return;
  const config = structuredClone(applied);
  if (isObj(config.metadata) && isObj(config.metadata.annotations)) delete config.metadata.annotations[LAST_APPLIED_ANNOTATION];
  annotations![LAST_APPLIED_ANNOTATION] = goJson(config) + '\n';
}

function typedObjectError(opts: ApplyPatchOptions, err: Error): ApiError {
  const meta = isObj((opts.applied as Obj).metadata) ? (opts.applied as Obj).metadata as Obj : {};
  const [group, version] = opts.apiVersion.includes('/') ? opts.apiVersion.split('/') : ['', opts.apiVersion];
  const kind = typeof (opts.applied as Obj).kind === 'string' ? (opts.applied as Obj).kind : '';
  const where = `${meta.namespace ?? ''}/${meta.name ?? ''}; ${group}/${version}, Kind=${kind}`;
  return new ApiError(500, '', `failed to create typed patch object (${where}): ${err.message}`);
}

// ---- helpers for the HTTP layer ---------------------------------------------------------------

/**
 * The manager name of a request without `fieldManager`: the User-Agent up to its first "/",
 * printable characters only, at most 128 bytes (so kubectl's requests become "kubectl").
 */
export function managerFromUserAgent(userAgent: string): string {
  let out = '';
  let bytes = 0;
  for (const ch of userAgent.split('/')[0]) {
    if (!/\P{C}/u.test(ch) || (ch !== ' ' && /\p{Z}/u.test(ch))) continue;
    const len = Buffer.byteLength(ch);
    if (bytes + len > FIELD_MANAGER_MAX_LENGTH) break;
    out += ch;
    bytes += len;
  }
  return out;
}

/** For tests and debugging: a FieldsV1 document as the list of paths it holds, upstream-printed. */
export function fieldsV1Paths(fieldsV1: unknown): string[] {
  return FieldSet.fromFieldsV1(fieldsV1).paths().map(pathString);
}
