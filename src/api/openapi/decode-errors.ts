// What upstream says about a value of the wrong type, in the words of the decoder that meets it:
//   - Go's encoding/json (sigs.k8s.io/json), for create and update bodies and the results of JSON
//     and merge patches: `json: cannot unmarshal string into Go struct field
//     DeploymentSpec.spec.replicas of type int32`;
//   - apimachinery's unstructured converter, for strategic merge patch results (and the object a
//     server-side apply produces): `unrecognized type: int32`;
//   - structured-merge-diff's validation, for server-side apply configurations:
//     `.spec.replicas: expected numeric (int or float), got string`.
// The problems come from decodeTyped's walk; this module only chooses which one each decoder
// stops at and words it.
import type { Schema, SchemaModel } from './model.ts';
import type { FieldNode, TypeProblem } from './prune.ts';
import type { JsonPathSegment } from '../../machinery/json-duplicates.ts';
import { QUANTITY_FORMAT_ERROR } from '../../machinery/quantity.ts';
import { fieldElement, indexElement, keyElement, pathString, valueElement } from '../../machinery/fieldpath.ts';

// ---- Go's JSON decoder ------------------------------------------------------------------------

/**
 * The error upstream's JSON decoding into the root's Go type returns for these problems. A type
 * mismatch is remembered and decoding goes on, but a type with its own UnmarshalJSON (quantity,
 * int-or-string, time) stops it, so the first of those wins over any mismatch; otherwise the
 * first mismatch is reported.
 */
export function jsonDecodeMessage(root: FieldNode, problems: readonly TypeProblem[]): string {
  const p = problems.find(stopsJsonDecoding) ?? problems[0];
  if (p.node.kind === 'quantity') return p.message ?? QUANTITY_FORMAT_ERROR;
  // Quantity aside, the custom decoders decode into an int32 or a string, and their error gains
  // the field's context on its way out just as a mismatch does.
  const scalar = p.node.kind === 'leaf' ? p.node.scalar : undefined;
  const target = scalar === 'int-or-string' ? 'int32' : scalar === 'time' ? 'string' : goTypeName(p.node);
  const value = jsonValueWord(p.value, target === 'int32' || target === 'int64');
  const field = goFieldContext(root, p.path);
  return field === undefined
    ? `json: cannot unmarshal ${value} into Go value of type ${target}`
    : `json: cannot unmarshal ${value} into Go struct field ${field} of type ${target}`;
}

function stopsJsonDecoding(p: TypeProblem): boolean {
  return p.node.kind === 'quantity' || (p.node.kind === 'leaf' && (p.node.scalar === 'int-or-string' || p.node.scalar === 'time'));
}

/** How encoding/json names a JSON value in its errors; numbers going into an integer with their text. */
function jsonValueWord(v: unknown, integerTarget: boolean): string {
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'bool';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return integerTarget ? `number ${jsonNumberText(v)}` : 'number';
  return 'object';
}

/** The JSON text of a number as a Go client (kubectl) writes it. */
function jsonNumberText(n: number): string {
  return Number.isInteger(n) && Math.abs(n) < 1e21 ? BigInt(n).toString() : String(n);
}

/**
 * `DeploymentSpec.spec.replicas`: the innermost struct whose field holds the value, and the JSON
 * names of every struct field on the way from the root (map keys and list positions are not
 * named). Undefined when no struct field leads there.
 */
function goFieldContext(root: FieldNode, path: readonly JsonPathSegment[]): string | undefined {
  let node: FieldNode | undefined = root;
  let struct = '';
  const fields: string[] = [];
  for (const seg of path) {
    if (node === undefined) break;
    if (node.kind === 'struct') {
      const field: FieldNode | undefined = typeof seg === 'string' ? node.fields.get(seg) : undefined;
      if (field !== undefined) {
        struct = shortTypeName(node.name);
        fields.push(seg as string);
        node = field;
      } else {
        node = node.rest;
      }
    } else if (node.kind === 'map') {
      node = node.values;
    } else if (node.kind === 'list') {
      node = node.items;
    } else {
      break;
    }
  }
  return fields.length ? `${struct}.${fields.join('.')}` : undefined;
}

/** "DeploymentSpec" for "io.k8s.api.apps.v1.DeploymentSpec" (Go's reflect.Type.Name()). */
function shortTypeName(definition: string): string {
  return definition.slice(definition.lastIndexOf('.') + 1);
}

/** The Go type a node stands for, as reflect prints it: `v1.DeploymentSpec`, `[]v1.Container`, `map[string]string`. */
export function goTypeName(node: FieldNode): string {
  switch (node.kind) {
    case 'leaf':
      switch (node.scalar) {
        case undefined: return 'interface {}';
        case 'int-or-string': return 'intstr.IntOrString';
        case 'time': return 'v1.Time';
        default: return node.scalar;
      }
    case 'quantity': return 'resource.Quantity';
    case 'struct': {
      const parts = node.name.split('.');
      return parts.length >= 2 ? `${parts[parts.length - 2]}.${parts[parts.length - 1]}` : 'struct {}';
    }
    // Every map of quantities in the built-in types is a core/v1 ResourceList.
    case 'map': return node.values.kind === 'quantity' ? 'v1.ResourceList' : `map[string]${goTypeName(node.values)}`;
    case 'list': return `[]${goTypeName(node.items)}`;
    case 'opaque': return 'runtime.RawExtension';
    case 'free': return 'interface {}';
  }
}

// ---- the unstructured converter -------------------------------------------------------------

/**
 * The error the unstructured converter stops at (it returns the first), or undefined when it
 * takes every one of these values: it converts an integer into a narrower integer without
 * complaint.
 */
export function unstructuredDecodeMessage(problems: readonly TypeProblem[]): string | undefined {
  for (const p of problems) {
    const message = converterMessage(p);
    if (message !== undefined) return message;
  }
  return undefined;
}

function converterMessage(p: TypeProblem): string | undefined {
  const kind = goKind(p.value);
  const node = p.node;
  switch (node.kind) {
    case 'struct': return `cannot restore struct from: ${kind}`;
    case 'map': return `cannot restore map from ${kind}`;
    case 'list': return `cannot restore slice from ${kind}`;
    // Types with their own UnmarshalJSON are given the value's JSON.
    case 'quantity': return p.message ?? QUANTITY_FORMAT_ERROR;
    case 'leaf':
      switch (node.scalar) {
        case 'int-or-string': return `json: cannot unmarshal ${jsonValueWord(p.value, true)} into Go value of type int32`;
        case 'time': return `json: cannot unmarshal ${jsonValueWord(p.value, false)} into Go value of type string`;
        case 'string': return kind === 'int64' ? 'cannot convert int64 to string' : 'unrecognized type: string';
        case 'int32':
        case 'int64':
          if (kind === 'int64') return undefined;
          return kind === 'float64' ? `cannot convert float64 to ${node.scalar}` : `unrecognized type: ${node.scalar}`;
        case 'float64':
        case 'bool':
          return `unrecognized type: ${node.scalar}`;
        default:
          return undefined;
      }
    default:
      return undefined;
  }
}

/** reflect.Kind of a decoded JSON value (integers decoded as int64, other numbers as float64). */
function goKind(v: unknown): string {
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int64' : 'float64';
  if (Array.isArray(v)) return 'slice';
  return 'map';
}

// ---- structured-merge-diff ----------------------------------------------------------------------

/**
 * structured-merge-diff's validation errors for an applied configuration, one line per problem
 * (`errors:` and an indented list when there are several), or undefined when it accepts every
 * value (quantities, int-or-strings and times take any scalar, integers any number: those are the
 * converter's to refuse). `obj` is the object the problems' paths lead into; the model names the
 * key fields that print list items as `[name="web"]`.
 */
export function applyValidationMessage(model: SchemaModel, rootType: string, obj: unknown, problems: readonly TypeProblem[]): string | undefined {
  const lines: string[] = [];
  for (const p of problems) {
    const message = smdMessage(p);
    if (message !== undefined) lines.push(`${smdPath(model, rootType, obj, p.path)}: ${message}`);
  }
  if (!lines.length) return undefined;
  return lines.length === 1 ? lines[0] : ['errors:', ...lines.map((l) => `  ${l}`)].join('\n');
}

function smdMessage(p: TypeProblem): string | undefined {
  const v = p.value;
  const node = p.node;
  const scalarOrUntyped = typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
  switch (node.kind) {
    case 'struct':
    case 'map':
      return `expected map, got &{${goPlain(v)}}`;
    case 'list':
      return `expected list, got &{${goPlain(v)}}`;
    case 'quantity':
      return scalarOrUntyped ? undefined : `expected any scalar, got &{${goPlain(v)}}`;
    case 'leaf':
      switch (node.scalar) {
        case 'int32': case 'int64': case 'float64':
          return typeof v === 'number' ? undefined : `expected numeric (int or float), got ${goDynamicType(v)}`;
        case 'string':
          return `expected string, got &value.valueUnstructured{Value:${goSharp(v)}}`;
        case 'bool':
          return `expected boolean, got &{${goPlain(v)}}`;
        case 'int-or-string': case 'time':
          return scalarOrUntyped ? undefined : `expected any scalar, got &{${goPlain(v)}}`;
        default:
          return undefined;
      }
    default:
      return undefined;
  }
}

/** `.spec.template.spec.containers[name="web"].ports[containerPort=80,protocol="TCP"].containerPort` */
function smdPath(model: SchemaModel, rootType: string, obj: unknown, path: readonly JsonPathSegment[]): string {
  const elements: string[] = [];
  let schema: Schema | undefined = model.definitions[rootType];
  let value: unknown = obj;
  for (const seg of path) {
    const here = schema;
    const body = resolve(model, here);
    const item = (value as Record<string | number, unknown> | null | undefined)?.[seg];
    if (typeof seg === 'number') {
      elements.push(listItemElement(here, body, seg, item));
      schema = body?.items;
    } else {
      elements.push(fieldElement(seg));
      schema = body?.properties?.[seg] ?? (typeof body?.additionalProperties === 'object' ? body.additionalProperties : undefined);
    }
    value = item;
  }
  return pathString(elements);
}

/** How structured-merge-diff names a list item: by its key fields, by its value in a set, or by position. */
function listItemElement(field: Schema | undefined, body: Schema | undefined, index: number, item: unknown): string {
  const ext = (name: keyof Schema) => field?.[name] ?? body?.[name];
  const listType = ext('x-kubernetes-list-type');
  let keys: string[] | undefined;
  let set = false;
  if (listType === 'map') keys = ext('x-kubernetes-list-map-keys') as string[] | undefined;
  else if (listType === 'set') set = true;
  else if (listType === undefined && String(ext('x-kubernetes-patch-strategy') ?? '').split(',').includes('merge')) {
    const mergeKey = ext('x-kubernetes-patch-merge-key') as string | undefined;
    if (mergeKey) keys = [mergeKey];
    else set = true;
  }
  const fields = typeof item === 'object' && item !== null && !Array.isArray(item) ? item as Record<string, unknown> : undefined;
  if (keys?.length && fields) {
    // Ports name their protocol even when it is left to its default.
    return keyElement(keys.map((k) => [k, fields[k] ?? (k === 'protocol' ? 'TCP' : null)]));
  }
  if (set && !fields && !Array.isArray(item)) return valueElement(item);
  return indexElement(index);
}

function resolve(model: SchemaModel, schema: Schema | undefined): Schema | undefined {
  for (let depth = 0; schema?.$ref !== undefined && depth < 32; depth++) {
    schema = model.definitions[schema.$ref.slice(schema.$ref.lastIndexOf('/') + 1)];
  }
  return schema;
}

// ---- Go's fmt, on values decoded into interface{} (numbers as float64) ------------------------

/** %T */
function goDynamicType(v: unknown): string {
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return 'float64';
  if (Array.isArray(v)) return '[]interface {}';
  if (v === null || v === undefined) return '<nil>';
  return 'map[string]interface {}';
}

/** %v */
function goPlain(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return goFloat(v);
  if (typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[${v.map(goPlain).join(' ')}]`;
  const o = v as Record<string, unknown>;
  return `map[${Object.keys(o).sort().map((k) => `${k}:${goPlain(o[k])}`).join(' ')}]`;
}

/** %#v */
function goSharp(v: unknown): string {
  if (v === null || v === undefined) return 'interface {}(nil)';
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number') return goFloat(v);
  if (typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[]interface {}{${v.map(goSharp).join(', ')}}`;
  const o = v as Record<string, unknown>;
  return `map[string]interface {}{${Object.keys(o).sort().map((k) => `${JSON.stringify(k)}:${goSharp(o[k])}`).join(', ')}}`;
}

/** A float64 as %v prints it (%g, shortest): exponent form below 1e-4 and from 1e6 up. */
function goFloat(n: number): string {
  if (!Number.isFinite(n)) return n > 0 ? '+Inf' : n < 0 ? '-Inf' : 'NaN';
  if (n === 0) return Object.is(n, -0) ? '-0' : '0';
  const [mantissa, exp] = n.toExponential().split('e');
  const e = Number(exp);
  if (e < -4 || e >= 6) return `${mantissa}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
  return String(n);
}
