// Dropping fields the schema does not know, as upstream's typed decoding does: a field with no
// place in the Go struct never reaches storage. The schema is compiled once per root type into a
// small tree of nodes (property sets as Maps), so pruning a write walks the object and allocates
// nothing for known fields.
import type { Schema, SchemaModel } from './model.ts';
import { formatJsonPath, type JsonPathSegment } from '../../machinery/json-duplicates.ts';

/** What the schema says about a value, reduced to what pruning and strict decoding need. */
export type FieldNode =
  /** Scalars, int-or-string, quantities, times: nothing inside to check. */
  | { readonly kind: 'leaf' }
  /** RawExtension, FieldsV1 and other untyped objects: kept verbatim, never looked into. */
  | { readonly kind: 'opaque' }
  /** Free-form JSON (x-kubernetes-preserve-unknown-fields, additionalProperties: true): all kept. */
  | { readonly kind: 'free' }
  | StructNode
  | { readonly kind: 'map'; values: FieldNode }
  | { readonly kind: 'list'; items: FieldNode };

export interface StructNode {
  readonly kind: 'struct';
  readonly fields: Map<string, FieldNode>;
  /** Where keys outside `fields` go: additionalProperties beside properties, or keep-all. */
  rest: FieldNode | undefined;
}

export const LEAF: FieldNode = { kind: 'leaf' };
export const OPAQUE: FieldNode = { kind: 'opaque' };
export const FREE: FieldNode = { kind: 'free' };

const OBJECT_META = 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';
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
    node = compileNode(model, compiled.bySchema, def);
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
    fields.set('metadata', meta ? compileNode(model, cache, meta) : OPAQUE);
  }
  return { kind: 'struct', fields, rest: node.rest };
}

function refName(ref: string): string {
  return ref.slice(ref.lastIndexOf('/') + 1);
}

function compileNode(model: SchemaModel, cache: WeakMap<Schema, FieldNode>, schema: Schema): FieldNode {
  const seen = cache.get(schema);
  if (seen) return seen;
  if (schema.$ref !== undefined) {
    const name = refName(schema.$ref);
    const target = model.definitions[name];
    const node = !target || OPAQUE_TYPES.has(name) ? OPAQUE : compileNode(model, cache, target);
    cache.set(schema, node);
    return node;
  }
  if (schema['x-kubernetes-int-or-string']) return remember(cache, schema, LEAF);
  const preserve = schema['x-kubernetes-preserve-unknown-fields'] === true;
  if (schema.properties !== undefined) {
    // Registered before its fields are compiled, so recursive types (JSONSchemaProps) terminate.
    const node: StructNode = { kind: 'struct', fields: new Map(), rest: undefined };
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
  const type = schema.type;
  if (type === 'string' || type === 'integer' || type === 'number' || type === 'boolean') return remember(cache, schema, LEAF);
  // An object or array without a shape (RawExtension, FieldsV1, an untyped value).
  return remember(cache, schema, OPAQUE);
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
 */
export function pruneUnknownFields(obj: unknown, model: SchemaModel, rootType: string, options: PruneOptions = {}): string[] {
  const found: JsonPathSegment[][] = [];
  walk(obj, compileSchema(model, rootType), [], found, options.remove !== false);
  if (options.order === 'sorted' && found.length > 1) found.sort(compareInKeyOrder);
  return found.map((segments) => formatJsonPath(segments));
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function walk(value: unknown, node: FieldNode, path: JsonPathSegment[], found: JsonPathSegment[][], remove: boolean): void {
  switch (node.kind) {
    case 'struct': {
      if (!isObject(value)) return;
      for (const key in value) {
        const child = node.fields.get(key) ?? node.rest;
        if (child === undefined) {
          found.push([...path, key]);
          if (remove) delete value[key];
        } else if (isContainer(child)) {
          path.push(key);
          walk(value[key], child, path, found, remove);
          path.pop();
        }
      }
      return;
    }
    case 'map': {
      if (!isObject(value) || !isContainer(node.values)) return;
      for (const key in value) {
        path.push(key);
        walk(value[key], node.values, path, found, remove);
        path.pop();
      }
      return;
    }
    case 'list': {
      if (!Array.isArray(value) || !isContainer(node.items)) return;
      for (let i = 0; i < value.length; i++) {
        path.push(i);
        walk(value[i], node.items, path, found, remove);
        path.pop();
      }
      return;
    }
    default:
      return;
  }
}

/** Whether values of this node can hold unknown fields at all. */
function isContainer(node: FieldNode): boolean {
  return node.kind === 'struct' || node.kind === 'map' || node.kind === 'list';
}

/** Depth-first order with keys sorted (Go compares strings bytewise) and list items by index. */
function compareInKeyOrder(a: JsonPathSegment[], b: JsonPathSegment[]): number {
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
