// Strategic merge patch (`application/strategic-merge-patch+json`) as kube-apiserver applies it
// to built-in types (apimachinery's strategicpatch with MergeParallelList and
// IgnoreUnmatchedNulls on). Like JSON merge patch, maps merge and null deletes; in addition a
// list whose field declares `x-kubernetes-patch-strategy: merge` merges element-wise (by its
// merge key, or as a set for primitives), and the patch may carry directives:
//   $patch: replace | delete          in a map, or as an element of a merge-keyed list
//   $retainKeys: [...]                drop the map's other keys (retainKeys fields)
//   $setElementOrder/<list>: [...]    the final order of a merged list
//   $deleteFromPrimitiveList/<list>   values to remove from a primitive list
// Fields the schema does not know merge like JSON merge patch (maps merge, lists replace).
// Upstream quirks that clients can observe are kept on purpose: new elements of a merged list
// come before the elements only the server had; `$patch: delete` in a map leaves `{}`; values
// added where the original had nothing lose their nulls and any directive-bearing map, while an
// element appended to a merged list, or a list that replaces another, is taken as sent.
import type { Schema } from '../api/openapi/model.ts';

/** What the patcher needs of the schema model: its definitions by upstream name. */
export interface SchemaLookup {
  definitions: Record<string, Schema>;
}

/**
 * A patch upstream's strategicpatch refuses. `code` is what kube-apiserver answers with:
 * 400 BadRequest (message as is) for a malformed directive or a patch that is not an object;
 * 422 Invalid for lists of lists (upstream then replaces the message with "the server rejected
 * our request due to an error in our request"); 500 with an empty reason and the message as is
 * for everything else (kubectl prints "Error from server: <message>").
 */
export class StrategicMergePatchError extends Error {
  readonly code: 400 | 422 | 500;

  constructor(message: string, code: 400 | 422 | 500 = 500) {
    super(message);
    this.name = 'StrategicMergePatchError';
    this.code = code;
  }
}

type JsonObject = Record<string, unknown>;
/** A value's dynamic type as Go's reflect sees a decoded JSON value. */
type GoType = 'map' | 'slice' | 'string' | 'int64' | 'float64' | 'bool' | 'nil';

const DIRECTIVE = '$patch';
const RETAIN_KEYS = '$retainKeys';
const DELETE_FROM_PRIMITIVE_LIST = '$deleteFromPrimitiveList';
const SET_ELEMENT_ORDER = '$setElementOrder';

// Upstream's sentinel errors (mergepatch package) and the codes the apiserver gives them.
const badPrimitiveList = () => new StrategicMergePatchError('invalid patch format of primitive list', 400);
const badRetainKeys = () => new StrategicMergePatchError('invalid patch format of retainKeys', 400);
const badSetElementOrder = () => new StrategicMergePatchError('invalid patch format of setElementOrder list', 400);
const listOfLists = () => new StrategicMergePatchError('lists of lists are not supported', 422);

const noMergeKey = (m: JsonObject, key: string) =>
  new StrategicMergePatchError(`map: ${goFormat(m)} does not contain declared merge key: ${key}`);
const badPatchType = (directive: unknown, m: JsonObject) =>
  new StrategicMergePatchError(`unknown patch type: ${goFormat(directive, 's')} in map: ${goFormat(m)}`);
const badArgType = (expected: string, actual: unknown) =>
  new StrategicMergePatchError(`expected a ${expected}, but received a ${goTypeName(actual)}`);

const MAP_TYPE = 'map[string]interface {}';
const SLICE_TYPE = '[]interface {}';

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);
const hasOwn = (obj: JsonObject, key: string) => Object.hasOwn(obj, key);

/** Sets a member without letting a "__proto__" key reach the prototype. */
function setMember(obj: JsonObject, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true });
}

// ---------------------------------------------------------------------------------------------
// Go-compatible rendering, so error texts read exactly as upstream's fmt produces them.

function goType(v: unknown): GoType {
  if (v === null || v === undefined) return 'nil';
  if (Array.isArray(v)) return 'slice';
  if (typeof v === 'object') return 'map';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'bool';
  // The apiserver decodes patches keeping integers as int64; anything else is a float64.
  return Number.isSafeInteger(v) ? 'int64' : 'float64';
}

function goTypeName(v: unknown): string {
  switch (goType(v)) {
    case 'nil': return '%!s(<nil>)'; // reflect.TypeOf(nil) printed with %s
    case 'map': return MAP_TYPE;
    case 'slice': return SLICE_TYPE;
    default: return goType(v);
  }
}

/** A float64 as %v prints it: shortest digits, exponent form outside [1e-4, 1e6). */
function goFloat(x: number): string {
  if (!Number.isFinite(x)) return x > 0 ? '+Inf' : x < 0 ? '-Inf' : 'NaN';
  const [mantissa, exponent] = x.toExponential().split('e');
  const exp = Number(exponent);
  if (exp < -4 || exp >= 6) return `${mantissa}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  return String(x);
}

/** `v` rendered as Go's fmt renders a decoded JSON value with %v (or %s). */
function goFormat(v: unknown, verb: 'v' | 's' = 'v'): string {
  const type = goType(v);
  switch (type) {
    case 'nil': return verb === 'v' ? '<nil>' : '%!s(<nil>)';
    case 'string': return v as string;
    case 'slice': return `[${(v as unknown[]).map((e) => goFormat(e, verb)).join(' ')}]`;
    case 'map': {
      const obj = v as JsonObject;
      const keys = Object.keys(obj).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      return `map[${keys.map((k) => `${k}:${goFormat(obj[k], verb)}`).join(' ')}]`;
    }
    default: {
      const text = type === 'float64' ? goFloat(v as number) : String(v);
      return verb === 'v' ? text : `%!s(${type}=${text})`;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Schema walking: where a field's patch strategy and merge key come from.

interface FieldMeta {
  /** Schema of the field's value (for lists: of their elements); undefined when unknown. */
  schema: Schema | undefined;
  strategy: string; // "merge", "replace" or "" (retainKeys is applied from the directive)
  mergeKey: string;
}

const NO_META: FieldMeta = { schema: undefined, strategy: '', mergeKey: '' };

class SchemaWalker {
  readonly definitions: Record<string, Schema>;

  constructor(definitions: Record<string, Schema>) {
    this.definitions = definitions;
  }

  /** Follows $ref links ("#/definitions/X" or "#/components/schemas/X") to a definition. */
  resolve(schema: Schema | undefined): Schema | undefined {
    let current = schema;
    for (let hops = 0; current?.$ref !== undefined && hops < 64; hops++) {
      const name = current.$ref.replace(/^#\/(definitions|components\/schemas)\//, '');
      current = Object.hasOwn(this.definitions, name) ? this.definitions[name] : undefined;
    }
    return current;
  }

  /** The field `key` of an object (a struct property, or any key of a map). */
  private property(parent: Schema | undefined, key: string): Schema | undefined {
    if (!parent) return undefined;
    if (parent.properties && Object.hasOwn(parent.properties, key)) return parent.properties[key];
    return isObject(parent.additionalProperties) ? parent.additionalProperties as Schema : undefined;
  }

  private meta(prop: Schema, target: Schema | undefined, valueSchema: Schema | undefined): FieldMeta {
    const strategies = prop['x-kubernetes-patch-strategy'] ?? target?.['x-kubernetes-patch-strategy'] ?? '';
    return {
      schema: valueSchema,
      strategy: withoutRetainKeys(strategies),
      mergeKey: prop['x-kubernetes-patch-merge-key'] ?? target?.['x-kubernetes-patch-merge-key'] ?? '',
    };
  }

  /** Patch metadata of a field holding a map. */
  mapField(parent: Schema | undefined, key: string): FieldMeta {
    const prop = this.property(parent, key);
    if (!prop) return NO_META;
    const target = this.resolve(prop);
    return this.meta(prop, target, target);
  }

  /** Patch metadata of a field holding a list; `schema` is that of its elements. */
  listField(parent: Schema | undefined, key: string): FieldMeta {
    const prop = this.property(parent, key);
    if (!prop) return NO_META;
    const target = this.resolve(prop);
    return this.meta(prop, target, this.resolve(target?.items));
  }
}

/** The strategy besides retainKeys, from "merge", "retainKeys", "merge,retainKeys", ... */
function withoutRetainKeys(value: string): string {
  const strategies = value === '' ? [] : value.split(',');
  if (strategies.length === 0) return '';
  if (strategies.length === 1) return strategies[0] === 'retainKeys' ? '' : strategies[0];
  if (strategies.length === 2) {
    if (strategies[0] === 'retainKeys') return strategies[1];
    if (strategies[1] === 'retainKeys') return strategies[0];
  }
  throw new StrategicMergePatchError(`unexpected patch strategy: ${goFormat(strategies)}`);
}

// ---------------------------------------------------------------------------------------------
// Values taken from the patch where the original had nothing to merge with.

/** Drops null members from every map inside `v` (in place). */
function discardNulls(v: unknown): void {
  if (Array.isArray(v)) {
    for (const e of v) discardNulls(e);
  } else if (isObject(v)) {
    for (const [k, child] of Object.entries(v)) {
      if (child === null) delete v[k];
      else discardNulls(child);
    }
  }
}

/** `v` without maps that carry `$patch` (in place); keep=false when `v` itself is one. */
function removeDirectives(v: unknown): { value: unknown; keep: boolean } {
  if (Array.isArray(v)) {
    const kept: unknown[] = [];
    for (const e of v) {
      const r = removeDirectives(e);
      if (r.keep) kept.push(r.value);
    }
    return { value: kept, keep: true };
  }
  if (isObject(v)) {
    if (hasOwn(v, DIRECTIVE)) return { value: undefined, keep: false };
    for (const [k, child] of Object.entries(v)) {
      const r = removeDirectives(child);
      if (r.keep) setMember(v, k, r.value);
      else delete v[k];
    }
  }
  return { value: v, keep: true };
}

function takePatchValue(original: JsonObject, key: string, value: unknown): void {
  discardNulls(value);
  const r = removeDirectives(value);
  if (r.keep) setMember(original, key, r.value);
  else delete original[key];
}

// ---------------------------------------------------------------------------------------------
// Lists.

/** The element type shared by all the lists' elements; errors as upstream's sliceElementType. */
function elementType(...lists: unknown[][]): GoType {
  let found: GoType | undefined;
  for (const list of lists) {
    for (const v of list) {
      const t = goType(v);
      if (found === undefined) {
        found = t;
        if (t === 'slice') throw listOfLists();
      } else if (t !== found) {
        throw new StrategicMergePatchError(`list element types are not identical: ${goFormat(lists)}`);
      }
    }
  }
  if (found === undefined) throw new StrategicMergePatchError('no elements in any of the given slices');
  return found;
}

/** The value an element is identified by: its merge key, or itself for primitives. */
function identity(item: unknown, mergeKey: string, kind: GoType): unknown {
  if (kind !== 'map') return item;
  // Go's lookup yields nil for a non-map or a missing key, and nil == nil.
  return isObject(item) && hasOwn(item, mergeKey) ? item[mergeKey] ?? null : null;
}

/** Position of each identity's first occurrence in `order`. */
function positions(order: unknown[], mergeKey: string, kind: GoType): Map<unknown, number> {
  const at = new Map<unknown, number>();
  order.forEach((item, i) => {
    const id = identity(item, mergeKey, kind);
    if (!at.has(id)) at.set(id, i);
  });
  return at;
}

function findByMergeKey(list: unknown[], mergeKey: string, value: unknown): number {
  for (let i = 0; i < list.length; i++) {
    const item = list[i];
    if (!isObject(item)) throw new StrategicMergePatchError(`value for key ${i} is not a map`);
    if (hasOwn(item, mergeKey) && item[mergeKey] === value) return i;
  }
  return -1;
}

function asMap(item: unknown): JsonObject {
  if (!isObject(item)) throw badArgType(MAP_TYPE, item);
  return item;
}

function validateMergeKeys(mergeKey: string, ...lists: unknown[][]): void {
  for (const list of lists) {
    for (const item of list) {
      if (!hasOwn(asMap(item), mergeKey)) throw noMergeKey(item as JsonObject, mergeKey);
    }
  }
}

const isDeleteElement = (item: unknown) => isObject(item) && item[DIRECTIVE] === 'delete';

/** Splits merge-keyed items into those kept and `$patch: delete` ones. */
function splitDeletions(items: unknown[]): { kept: unknown[]; deleted: unknown[] } {
  const kept: unknown[] = [];
  const deleted: unknown[] = [];
  for (const item of items) (isDeleteElement(asMap(item)) ? deleted : kept).push(item);
  return { kept, deleted };
}

/**
 * Sorts `items` by their position in `order`, as Go's stable insertion sort does with upstream's
 * comparator (which calls an item missing from `order` "less" than anything).
 */
function sortByOrder(items: unknown[], order: unknown[], mergeKey: string, kind: GoType): unknown[] {
  let deleted: unknown[] = [];
  let sorted = items;
  if (kind === 'map') {
    validateMergeKeys(mergeKey, items, order);
    ({ kept: sorted, deleted } = splitDeletions(items));
  }
  sorted = [...sorted];
  const at = positions(order, mergeKey, kind);
  const less = (a: unknown, b: unknown) => {
    const ia = at.get(identity(a, mergeKey, kind));
    const ib = at.get(identity(b, mergeKey, kind));
    return ia !== undefined && ib !== undefined ? ia < ib : true;
  };
  for (let i = 1; i < sorted.length; i++) {
    for (let j = i; j > 0 && less(sorted[j], sorted[j - 1]); j--) {
      [sorted[j], sorted[j - 1]] = [sorted[j - 1], sorted[j]];
    }
  }
  return [...sorted, ...deleted];
}

/**
 * The final list: items the patch named in the patch's order, items only the server had in the
 * server's order, interleaved where both orders place them (the patch wins ties).
 */
function normalizeOrder(
  patchItems: unknown[], serverOnly: unknown[], patchOrder: unknown[], serverOrder: unknown[],
  mergeKey: string, kind: GoType,
): unknown[] {
  const right = sortByOrder(patchItems, patchOrder, mergeKey, kind);
  const left = sortByOrder(serverOnly, serverOrder, mergeKey, kind);
  const at = positions(serverOrder, mergeKey, kind);
  const result: unknown[] = [];
  let i = 0;
  let j = 0;
  while (i < left.length || j < right.length) {
    if (i >= left.length) result.push(right[j++]);
    else if (j >= right.length) result.push(left[i++]);
    else {
      const li = at.get(identity(left[i], mergeKey, kind));
      const ri = at.get(identity(right[j], mergeKey, kind));
      if (li !== undefined && ri !== undefined && li < ri) result.push(left[i++]);
      else result.push(right[j++]);
    }
  }
  return result;
}

/** Splits `merged` into items present in `by` and items only the server had. */
function partition(merged: unknown[], by: unknown[], mergeKey: string): { named: unknown[]; serverOnly: unknown[] } {
  const named: unknown[] = [];
  const serverOnly: unknown[] = [];
  if (mergeKey === '') {
    const present = new Set(by);
    for (const v of merged) (present.has(v) ? named : serverOnly).push(v);
    return { named, serverOnly };
  }
  for (const v of merged) {
    const item = asMap(v);
    if (!hasOwn(item, mergeKey)) throw noMergeKey(item, mergeKey);
    (findByMergeKey(by, mergeKey, item[mergeKey]) >= 0 ? named : serverOnly).push(v);
  }
  return { named, serverOnly };
}

/** Go's in-place de-duplication (a duplicate is overwritten by the last element). */
function deduplicateScalars(values: unknown[]): unknown[] {
  const s = [...values];
  let last = s.length - 1;
  for (let i = 0; i < last; i++) {
    for (let j = i + 1; j <= last; j++) {
      if (s[i] === s[j]) {
        s[j] = s[last];
        s.length = last;
        last--;
        j--;
      }
    }
  }
  return s;
}

/** Applies the `$patch` elements of a merge-keyed list patch; returns the rest of the patch. */
function applySpecialElements(
  original: unknown[], patch: unknown[], mergeKey: string,
): { original: unknown[]; patch: unknown[] } {
  const plain: unknown[] = [];
  let replace = false;
  let current = original;
  for (const v of patch) {
    const item = v as JsonObject;
    if (!hasOwn(item, DIRECTIVE)) {
      plain.push(v);
      continue;
    }
    switch (item[DIRECTIVE]) {
      case 'delete': {
        if (!hasOwn(item, mergeKey)) throw noMergeKey(item, mergeKey);
        const value = item[mergeKey];
        current = current.filter((e) => !(isObject(e) && hasOwn(e, mergeKey) && e[mergeKey] === value));
        break;
      }
      case 'replace':
        replace = true; // keep going: the other $patch elements are dropped too
        break;
      case 'merge':
        throw new StrategicMergePatchError('merging lists cannot yet be specified in the patch');
      default:
        throw badPatchType(item[DIRECTIVE], item);
    }
  }
  return replace ? { original: plain, patch: [] } : { original: current, patch: plain };
}

function mergeList(
  original: unknown[], patch: unknown[], field: FieldMeta, isDeleteList: boolean, walker: SchemaWalker,
): unknown[] {
  // Deletion lists delete whatever the field's strategy; other lists merge only when declared so.
  if (field.strategy !== 'merge' && !isDeleteList) return patch;
  if (original.length === 0 && patch.length === 0) return original;
  const kind = elementType(original, patch);
  const mergeKey = field.mergeKey;
  let merged: unknown[];
  let base = original;
  let named = patch;
  if (kind !== 'map') {
    if (isDeleteList) {
      const doomed = new Set(patch);
      return original.filter((v) => !doomed.has(v));
    }
    merged = deduplicateScalars([...original, ...patch]);
  } else {
    if (mergeKey === '') {
      const name = field.schema?.additionalProperties && !field.schema.properties ? 'map' : 'struct';
      throw new StrategicMergePatchError(`cannot merge lists without merge key for ${name}`);
    }
    ({ original: base, patch: named } = applySpecialElements(original, patch, mergeKey));
    merged = [...base];
    for (const v of named) {
      const item = v as JsonObject;
      if (!hasOwn(item, mergeKey)) throw noMergeKey(item, mergeKey);
      const at = findByMergeKey(merged, mergeKey, item[mergeKey]);
      if (at >= 0) merged[at] = mergeMap(merged[at] as JsonObject, item, field.schema, walker);
      else merged.push(v); // appended as sent, directives and nulls included (as upstream)
    }
  }
  const parts = partition(merged, named, mergeKey);
  return normalizeOrder(parts.named, parts.serverOnly, named, base, mergeKey, kind);
}

// ---------------------------------------------------------------------------------------------
// Maps.

/** "$setElementOrder/containers" → "containers", or the directive's format error. */
function directiveTarget(key: string, prefix: string): string {
  const slash = key.indexOf('/');
  if (slash < 0 || key.slice(0, slash) !== prefix) {
    throw prefix === SET_ELEMENT_ORDER ? badSetElementOrder() : badPrimitiveList();
  }
  return key.slice(slash + 1);
}

function applyRetainKeys(original: JsonObject, patch: JsonObject): void {
  if (!hasOwn(patch, RETAIN_KEYS)) return;
  const list = patch[RETAIN_KEYS];
  delete patch[RETAIN_KEYS];
  if (!Array.isArray(list)) throw badRetainKeys();
  const retained = new Set(list);
  // Every field the patch sets must be one of the retained keys.
  for (const [k, v] of Object.entries(patch)) {
    if (v === null || k.startsWith(DELETE_FROM_PRIMITIVE_LIST) || k.startsWith(SET_ELEMENT_ORDER)) continue;
    if (!retained.has(k)) throw badRetainKeys();
  }
  for (const k of Object.keys(original)) {
    if (!retained.has(k)) delete original[k];
  }
}

/** Checks that the patch list names its (non-deleted) items in `$setElementOrder`'s order. */
function validateAgainstOrder(patchList: unknown[], order: unknown[], mergeKey: string): void {
  if (order.length === 0 || patchList.length === 0) return;
  const items = mergeKey === '' ? patchList : splitDeletions(patchList).kept;
  let p = 0;
  let o = 0;
  while (p < items.length && o < order.length) {
    if (isObject(items[p]) && hasOwn(items[p] as JsonObject, DIRECTIVE)) {
      p++;
      continue;
    }
    if (mergeKeyValueEqual(items[p], order[o], mergeKey)) p++;
    o++;
  }
  if (p < items.length && o >= order.length) {
    throw new StrategicMergePatchError(
      `the order in patch list:\n${goFormat(patchList)}\n doesn't match ${SET_ELEMENT_ORDER} list:\n${goFormat(order)}`);
  }
}

function mergeKeyValueEqual(left: unknown, right: unknown, mergeKey: string): boolean {
  if (mergeKey === '') return left === right;
  const l = asMap(left);
  const r = asMap(right);
  if (!hasOwn(l, mergeKey)) throw noMergeKey(l, mergeKey);
  if (!hasOwn(r, mergeKey)) throw noMergeKey(r, mergeKey);
  return l[mergeKey] === r[mergeKey];
}

/** Merges each list that has a `$setElementOrder/<list>` directive and puts it in that order. */
function applySetElementOrder(original: JsonObject, patch: JsonObject, schema: Schema | undefined, walker: SchemaWalker): void {
  for (const key of Object.keys(patch)) {
    if (!key.startsWith(SET_ELEMENT_ORDER)) continue;
    const order = patch[key];
    delete patch[key];
    if (!Array.isArray(order)) throw badArgType(SLICE_TYPE, order);
    const listKey = directiveTarget(key, SET_ELEMENT_ORDER);
    const inOriginal = hasOwn(original, listKey);
    const inPatch = hasOwn(patch, listKey);
    const originalList = inOriginal ? original[listKey] : [];
    const patchList = inPatch ? patch[listKey] : [];
    if (!Array.isArray(originalList)) throw badArgType(SLICE_TYPE, originalList);
    if (!Array.isArray(patchList)) throw badArgType(SLICE_TYPE, patchList);
    const field = walker.listField(schema, listKey);
    validateAgainstOrder(patchList, order, field.mergeKey);

    let merged: unknown[];
    if (inOriginal && inPatch) merged = mergeList(originalList, patchList, field, false, walker);
    else if (inOriginal) merged = originalList;
    else if (inPatch) merged = removeDirectives(patchList).value as unknown[];
    else continue;

    const parts = partition(merged, order, field.mergeKey);
    const kind = elementType(originalList, patchList);
    setMember(original, listKey, normalizeOrder(parts.named, parts.serverOnly, order, originalList, field.mergeKey, kind));
    delete patch[listKey];
  }
}

/** Merges `patch` into `original`; both are private copies and may be changed. */
function mergeMap(original: JsonObject, patch: JsonObject, schema: Schema | undefined, walker: SchemaWalker): JsonObject {
  if (hasOwn(patch, DIRECTIVE)) {
    const directive = patch[DIRECTIVE];
    if (directive === 'replace') {
      delete patch[DIRECTIVE];
      return patch;
    }
    if (directive === 'delete') return {};
    throw badPatchType(directive, patch);
  }
  applyRetainKeys(original, patch);
  applySetElementOrder(original, patch, schema, walker);

  for (const patchKey of Object.keys(patch)) {
    const patchValue = patch[patchKey];
    let key = patchKey;
    const isDeleteList = patchKey.startsWith(DELETE_FROM_PRIMITIVE_LIST);
    if (isDeleteList) key = directiveTarget(patchKey, DELETE_FROM_PRIMITIVE_LIST);

    if (patchValue === null) {
      delete original[key];
      continue;
    }
    if (!hasOwn(original, key) || goType(original[key]) !== goType(patchValue)) {
      if (!isDeleteList) takePatchValue(original, key, patchValue);
      continue;
    }
    const current = original[key];
    if (isObject(current)) {
      const field = walker.mapField(schema, key);
      const value = field.strategy === 'replace' ? patchValue : mergeMap(current, patchValue as JsonObject, field.schema, walker);
      setMember(original, key, value);
    } else if (Array.isArray(current)) {
      const field = walker.listField(schema, key);
      setMember(original, key, mergeList(current, patchValue as unknown[], field, isDeleteList, walker));
    } else {
      setMember(original, key, patchValue);
    }
  }
  return original;
}

/**
 * Applies a strategic merge patch to `original`, an object of the type named `rootType`
 * (a definition such as "io.k8s.api.apps.v1.Deployment"). Neither input is modified and the
 * result shares nothing with them. A null patch changes nothing; a patch that is not an object,
 * and every patch upstream refuses, throws a StrategicMergePatchError.
 */
export function applyStrategicMergePatch(original: unknown, patch: unknown, schema: SchemaLookup, rootType: string): unknown {
  if (patch === null || patch === undefined) return structuredClone(isObject(original) ? original : {});
  if (!isObject(patch)) {
    const kind = Array.isArray(patch) ? 'array' : typeof patch === 'boolean' ? 'bool' : typeof patch;
    throw new StrategicMergePatchError(`json: cannot unmarshal ${kind} into Go value of type ${MAP_TYPE}`, 400);
  }
  const walker = new SchemaWalker(schema.definitions);
  const root = Object.hasOwn(schema.definitions, rootType) ? walker.resolve(schema.definitions[rootType]) : undefined;
  return mergeMap(structuredClone(isObject(original) ? original : {}), structuredClone(patch), root, walker);
}
