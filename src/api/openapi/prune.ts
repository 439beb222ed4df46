// Typed decoding of a write, as upstream's decoding into Go structs does it: a field with no place
// in the struct never reaches storage, a value of the wrong JSON type is refused, `null` means
// absent, and quantities come out in their canonical form. The schema is compiled once per root
// type into a small tree of nodes (property sets as Maps), so decoding a write is one walk over the
// object that allocates nothing for known, well-typed fields.
import type { Schema, SchemaModel } from './model.ts';
import { formatJsonPath, type JsonPathSegment } from '../../machinery/json-duplicates.ts';
import { QuantityError, formatQuantity, parseQuantity } from '../../machinery/quantity.ts';

/**
 * The Go type of a scalar field: what JSON it accepts. int-or-string takes a string or an int32;
 * time (metav1.Time, MicroTime) a string.
 */
export type ScalarType = 'string' | 'int32' | 'int64' | 'float64' | 'bool' | 'int-or-string' | 'time';

/** What the schema says about a value, reduced to what decoding needs. */
export type FieldNode =
  /** A scalar of the given type; without one, any scalar (or anything at all) is accepted. */
  | { readonly kind: 'leaf'; readonly scalar?: ScalarType }
  /** resource.Quantity: a string or a number, stored in canonical form. */
  | { readonly kind: 'quantity' }
  /** RawExtension, FieldsV1 and other untyped objects: kept verbatim, never looked into. */
  | { readonly kind: 'opaque' }
  /** Free-form JSON (x-kubernetes-preserve-unknown-fields, additionalProperties: true): all kept. */
  | { readonly kind: 'free' }
  | StructNode
  | { readonly kind: 'map'; values: FieldNode }
  | { readonly kind: 'list'; items: FieldNode };

export interface StructNode {
  readonly kind: 'struct';
  /** The definition it was compiled from ("io.k8s.api.apps.v1.DeploymentSpec"), for messages. */
  readonly name: string;
  readonly fields: Map<string, FieldNode>;
  /** Where keys outside `fields` go: additionalProperties beside properties, or keep-all. */
  rest: FieldNode | undefined;
}

/** Any value at all (apiVersion and kind where a definition lacks them, JSON patch operands). */
export const LEAF: FieldNode = { kind: 'leaf' };
export const OPAQUE: FieldNode = { kind: 'opaque' };
export const FREE: FieldNode = { kind: 'free' };
export const QUANTITY: FieldNode = { kind: 'quantity' };
const SCALARS: Record<ScalarType, FieldNode> = {
  'string': { kind: 'leaf', scalar: 'string' },
  'int32': { kind: 'leaf', scalar: 'int32' },
  'int64': { kind: 'leaf', scalar: 'int64' },
  'float64': { kind: 'leaf', scalar: 'float64' },
  'bool': { kind: 'leaf', scalar: 'bool' },
  'int-or-string': { kind: 'leaf', scalar: 'int-or-string' },
  'time': { kind: 'leaf', scalar: 'time' },
};

const OBJECT_META = 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';
const QUANTITY_TYPE = 'io.k8s.apimachinery.pkg.api.resource.Quantity';
/** Types upstream decodes with their own UnmarshalJSON: whatever they hold is theirs. */
const OPAQUE_TYPES = new Set([
  'io.k8s.apimachinery.pkg.runtime.RawExtension',
  'io.k8s.apimachinery.pkg.apis.meta.v1.FieldsV1',
  'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSON',
  'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1beta1.JSON',
]);

interface Compiled {
  bySchema: WeakMap<Schema, FieldNode>;
  roots: Map<string, FieldNode>;
}
const compiledModels = new WeakMap<SchemaModel, Compiled>();

/**
 * The node tree of a served kind's definition ("io.k8s.api.apps.v1.Deployment"), compiled once per
 * model. apiVersion, kind and metadata are always known at the root. An unknown root type is
 * opaque: nothing is pruned from a kind the model does not describe.
 */
export function compileSchema(model: SchemaModel, rootType: string): FieldNode {
  let compiled = compiledModels.get(model);
  if (!compiled) {
    compiled = { bySchema: new WeakMap(), roots: new Map() };
    compiledModels.set(model, compiled);
  }
  const cached = compiled.roots.get(rootType);
  if (cached) return cached;
  const def = model.definitions[rootType];
  let node: FieldNode = OPAQUE;
  if (def) {
    node = compileNode(model, compiled.bySchema, def, rootType);
    if (node.kind === 'struct') node = withTypeMeta(model, compiled.bySchema, node);
  }
  compiled.roots.set(rootType, node);
  return node;
}

function withTypeMeta(model: SchemaModel, cache: WeakMap<Schema, FieldNode>, node: StructNode): StructNode {
  if (node.fields.has('apiVersion') && node.fields.has('kind') && node.fields.has('metadata')) return node;
  const fields = new Map(node.fields);
  if (!fields.has('apiVersion')) fields.set('apiVersion', LEAF);
  if (!fields.has('kind')) fields.set('kind', LEAF);
  if (!fields.has('metadata')) {
    const meta = model.definitions[OBJECT_META];
    fields.set('metadata', meta ? compileNode(model, cache, meta, OBJECT_META) : OPAQUE);
  }
  return { kind: 'struct', name: node.name, fields, rest: node.rest };
}

function refName(ref: string): string {
  return ref.slice(ref.lastIndexOf('/') + 1);
}

function compileNode(model: SchemaModel, cache: WeakMap<Schema, FieldNode>, schema: Schema, defName = ''): FieldNode {
  const seen = cache.get(schema);
  if (seen) return seen;
  if (schema.$ref !== undefined) {
    const name = refName(schema.$ref);
    const target = model.definitions[name];
    let node: FieldNode;
    if (name === QUANTITY_TYPE) node = QUANTITY;
    else if (!target || OPAQUE_TYPES.has(name)) node = OPAQUE;
    else node = compileNode(model, cache, target, name);
    cache.set(schema, node);
    return node;
  }
  if (schema['x-kubernetes-int-or-string']) return remember(cache, schema, SCALARS['int-or-string']);
  const preserve = schema['x-kubernetes-preserve-unknown-fields'] === true;
  if (schema.properties !== undefined) {
    // Registered before its fields are compiled, so recursive types (JSONSchemaProps) terminate.
    const node: StructNode = { kind: 'struct', name: defName, fields: new Map(), rest: undefined };
    cache.set(schema, node);
    for (const [name, prop] of Object.entries(schema.properties)) node.fields.set(name, compileNode(model, cache, prop));
    if (typeof schema.additionalProperties === 'object') node.rest = compileNode(model, cache, schema.additionalProperties);
    else if (schema.additionalProperties === true || preserve) node.rest = FREE;
    if (schema['x-kubernetes-embedded-resource']) {
      for (const f of ['apiVersion', 'kind']) if (!node.fields.has(f)) node.fields.set(f, LEAF);
      if (!node.fields.has('metadata')) node.fields.set('metadata', OPAQUE);
    }
    return node;
  }
  if (typeof schema.additionalProperties === 'object') {
    const node = { kind: 'map' as const, values: LEAF };
    cache.set(schema, node);
    node.values = compileNode(model, cache, schema.additionalProperties);
    return node;
  }
  if (schema.additionalProperties === true || preserve) return remember(cache, schema, FREE);
  if (schema.items !== undefined) {
    const node = { kind: 'list' as const, items: LEAF };
    cache.set(schema, node);
    node.items = compileNode(model, cache, schema.items);
    return node;
  }
  const scalar = scalarType(schema);
  if (scalar) return remember(cache, schema, SCALARS[scalar]);
  // An object or array without a shape (RawExtension, FieldsV1, an untyped value).
  return remember(cache, schema, OPAQUE);
}

function scalarType(schema: Schema): ScalarType | undefined {
  switch (schema.type) {
    case 'string': return schema.format === 'date-time' ? 'time' : 'string';
    case 'integer': return schema.format === 'int64' ? 'int64' : 'int32';
    case 'number': return 'float64';
    case 'boolean': return 'bool';
    default: return undefined;
  }
}

function remember(cache: WeakMap<Schema, FieldNode>, schema: Schema, node: FieldNode): FieldNode {
  cache.set(schema, node);
  return node;
}

export interface PruneOptions {
  /** Remove the unknown fields (default) or only report them. */
  remove?: boolean;
  /**
   * 'object' (default): the object's own key order. 'sorted': keys sorted at every level, the
   * order upstream reports in when it decodes a Go map (YAML bodies, patch results).
   */
  order?: 'object' | 'sorted';
}

/**
 * Removes, in place, every field of `obj` the schema of `rootType` does not know, and returns
 * their paths as upstream names them ("spec.template.spec.containers[0].imagePullPolcy"). Values
 * under an unknown field are dropped whole; opaque and free-form values are kept untouched.
 * Types are not looked at: `decodeTyped` does that too.
 */
export function pruneUnknownFields(obj: unknown, model: SchemaModel, rootType: string, options: PruneOptions = {}): string[] {
  const state = newState(options.remove !== false, false, false);
  walk(obj, compileSchema(model, rootType), [], state);
  return unknownPaths(state, options.order);
}

/** A value that does not decode into its field. */
export interface TypeProblem {
  /** Where the value is, from the root ("spec", "template", "spec", "containers", 0, ...). */
  readonly path: readonly JsonPathSegment[];
  /** What the schema expects there. */
  readonly node: FieldNode;
  /** The value found. */
  readonly value: unknown;
  /** For a quantity that does not parse, the parser's message. */
  readonly message?: string;
}

export interface DecodeOptions extends PruneOptions {
  /** Remember every change so that `undo()` can put the object back as it came (for messages that print it). */
  undoable?: boolean;
}

export interface DecodeResult {
  /** The unknown fields' paths, as pruneUnknownFields reports them. */
  unknown: string[];
  /** Values of the wrong type, in the requested order. The object is not usable when there are any. */
  problems: TypeProblem[];
  /** Puts back what the decode changed (only with `undoable`; otherwise does nothing). */
  undo(): void;
}

/**
 * Decodes `obj` in place against the schema of `rootType`, as upstream's decoding into the Go type
 * would leave it: unknown fields pruned (unless `remove: false`), `null` struct fields dropped, a
 * `null` map value or list item replaced by its type's zero value where Go stores one, quantities
 * in canonical form. Values of the wrong type are reported, not changed.
 */
export function decodeTyped(obj: unknown, model: SchemaModel, rootType: string, options: DecodeOptions = {}): DecodeResult {
  const state = newState(options.remove !== false, true, options.undoable === true);
  walk(obj, compileSchema(model, rootType), [], state);
  const problems = state.problems ?? [];
  if (options.order === 'sorted' && problems.length > 1) problems.sort((a, b) => compareInKeyOrder(a.path, b.path));
  const undo = state.undo;
  return {
    unknown: unknownPaths(state, options.order),
    problems,
    undo() {
      if (!undo) return;
      // Removed keys come back last in their object; nothing that prints the object minds.
      for (let i = undo.length - 1; i >= 0; i--) {
        const [holder, key, previous] = undo[i];
        (holder as Record<string | number, unknown>)[key] = previous;
      }
      undo.length = 0;
    },
  };
}

// ---- the walk ---------------------------------------------------------------------------------

type Holder = Record<string, unknown> | unknown[];
/** One change: where, and the value that was there (every change replaces or removes a value). */
type Change = [Holder, string | number, unknown];

interface WalkState {
  readonly remove: boolean;
  /** Check types, drop nulls and canonicalize; otherwise only prune. */
  readonly typed: boolean;
  readonly found: JsonPathSegment[][];
  problems: TypeProblem[] | undefined;
  undo: Change[] | undefined;
}

function newState(remove: boolean, typed: boolean, undoable: boolean): WalkState {
  return { remove, typed, found: [], problems: undefined, undo: undoable ? [] : undefined };
}

function unknownPaths(state: WalkState, order: PruneOptions['order']): string[] {
  const found = state.found;
  if (order === 'sorted' && found.length > 1) found.sort(compareInKeyOrder);
  return found.map((segments) => formatJsonPath(segments));
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Walks a value that is (or should be) a struct, map or list. */
function walk(value: unknown, node: FieldNode, path: JsonPathSegment[], st: WalkState): void {
  switch (node.kind) {
    case 'struct': {
      if (!isObject(value)) return;
      for (const key in value) {
        const field = node.fields.get(key);
        const child = field ?? node.rest;
        if (child === undefined) {
          st.found.push([...path, key]);
          if (st.remove) remove(value, key, st);
        } else if (st.typed) {
          // null in a struct field is the field left unset; beside the fields it is a map value.
          if (value[key] === null && field !== undefined) remove(value, key, st);
          else member(value, key, child, path, st);
        } else if (isContainer(child)) {
          path.push(key);
          walk(value[key], child, path, st);
          path.pop();
        }
      }
      return;
    }
    case 'map': {
      if (!isObject(value)) return;
      const values = node.values;
      if (!st.typed && !isContainer(values)) return;
      for (const key in value) member(value, key, values, path, st);
      return;
    }
    case 'list': {
      if (!Array.isArray(value)) return;
      const items = node.items;
      if (!st.typed && !isContainer(items)) return;
      for (let i = 0; i < value.length; i++) member(value, i, items, path, st);
      return;
    }
    default:
      return;
  }
}

/** One member of a struct, map or list: checked, decoded in place, walked into. */
function member(holder: Holder, key: string | number, node: FieldNode, path: JsonPathSegment[], st: WalkState): void {
  const v = (holder as Record<string | number, unknown>)[key];
  if (!st.typed) {
    path.push(key);
    walk(v, node, path, st);
    path.pop();
    return;
  }
  if (v === null) {
    // Go stores the element type's zero value for a null map value or list item.
    const zero = zeroValue(node);
    if (zero !== undefined) set(holder, key, zero, st);
    return;
  }
  switch (node.kind) {
    case 'struct':
    case 'map':
      if (!isObject(v)) return problem(st, path, key, node, v);
      break;
    case 'list':
      if (!Array.isArray(v)) return problem(st, path, key, node, v);
      break;
    case 'leaf':
      if (node.scalar !== undefined && !fitsScalar(node.scalar, v)) problem(st, path, key, node, v);
      return;
    case 'quantity':
      return decodeQuantity(holder, key, v, path, st);
    default:
      return;
  }
  path.push(key);
  walk(v, node, path, st);
  path.pop();
}

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
const INT64_LIMIT = 2 ** 63;

function fitsScalar(type: ScalarType, v: unknown): boolean {
  switch (type) {
    case 'string':
    case 'time':
      return typeof v === 'string';
    case 'bool':
      return typeof v === 'boolean';
    case 'float64':
      return typeof v === 'number';
    case 'int32':
      return typeof v === 'number' && Number.isInteger(v) && v >= INT32_MIN && v <= INT32_MAX;
    case 'int64':
      return typeof v === 'number' && Number.isInteger(v) && v >= -INT64_LIMIT && v < INT64_LIMIT;
    case 'int-or-string':
      return typeof v === 'string' || (typeof v === 'number' && Number.isInteger(v) && v >= INT32_MIN && v <= INT32_MAX);
  }
}

/** Canonical forms by text: a cluster writes the same few quantities over and over. */
const canonicalQuantities = new Map<string, string>();
const CANONICAL_QUANTITIES_MAX = 4096;

/** A quantity is read from its text (a number by its JSON text) and kept in canonical form. */
function decodeQuantity(holder: Holder, key: string | number, v: unknown, path: JsonPathSegment[], st: WalkState): void {
  // Upstream parses the raw JSON of the value, unquoted and trimmed.
  const text = typeof v === 'string' ? v.trim() : typeof v === 'number' ? String(v) : JSON.stringify(v);
  let canonical = canonicalQuantities.get(text);
  if (canonical === undefined) {
    try {
      canonical = formatQuantity(parseQuantity(text));
    } catch (err) {
      if (!(err instanceof QuantityError)) throw err;
      return problem(st, path, key, QUANTITY, v, err.message);
    }
    if (canonicalQuantities.size >= CANONICAL_QUANTITIES_MAX) canonicalQuantities.clear();
    canonicalQuantities.set(text, canonical);
  }
  if (canonical !== v) set(holder, key, canonical, st);
}

/** What Go leaves for a null element of this type, or undefined where it stays null. */
function zeroValue(node: FieldNode): unknown {
  switch (node.kind) {
    case 'quantity': return '0';
    case 'struct': return {};
    case 'leaf':
      switch (node.scalar) {
        case 'string': return '';
        case 'bool': return false;
        case 'int32': case 'int64': case 'float64': case 'int-or-string': return 0;
        default: return undefined; // time and untyped values stay null
      }
    default: return undefined; // nil maps and slices are written as null
  }
}

function problem(st: WalkState, path: readonly JsonPathSegment[], key: string | number, node: FieldNode, value: unknown, message?: string): void {
  (st.problems ??= []).push(message === undefined ? { path: [...path, key], node, value } : { path: [...path, key], node, value, message });
}

function set(holder: Holder, key: string | number, value: unknown, st: WalkState): void {
  st.undo?.push([holder, key, (holder as Record<string | number, unknown>)[key]]);
  (holder as Record<string | number, unknown>)[key] = value;
}

function remove(holder: Record<string, unknown>, key: string, st: WalkState): void {
  st.undo?.push([holder, key, holder[key]]);
  delete holder[key];
}

/** Whether values of this node can hold unknown fields at all. */
function isContainer(node: FieldNode): boolean {
  return node.kind === 'struct' || node.kind === 'map' || node.kind === 'list';
}

/** Depth-first order with keys sorted (Go compares strings bytewise) and list items by index. */
export function compareInKeyOrder(a: readonly JsonPathSegment[], b: readonly JsonPathSegment[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i];
    const y = b[i];
    if (x === y) continue;
    if (typeof x === 'number' && typeof y === 'number') return x - y;
    return compareBytes(String(x), String(y));
  }
  return a.length - b.length;
}

function compareBytes(x: string, y: string): number {
  return Buffer.compare(Buffer.from(x, 'utf8'), Buffer.from(y, 'utf8'));
}
