// Generates skiff's schema model (src/api/openapi/model.ts) for every type reachable from the
// served kinds, by reading the kubernetes-types declarations with the TypeScript parser:
// interfaces become object definitions, JSDoc comments become descriptions, optional properties
// stay out of `required`. What the declarations cannot say (integer widths, int-or-string,
// patch strategies and list types) comes from skiff's own tables.
//
//   node scripts/gen-openapi-model.ts        writes .cache/openapi-model.json
import ts from 'typescript';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Schema, SchemaModel } from '../src/api/openapi/model.ts';
import { definitionName } from '../src/api/openapi/model.ts';
import { atomicStructs, fieldStrategies } from '../src/api/openapi/patch-strategies.ts';
import { allResources } from '../src/api/all.ts';
import { SCHEMA_MODEL_PATH } from '../src/api/openapi/load-model.ts';

const TYPES_DIR = dirname(createRequire(import.meta.url).resolve('kubernetes-types/package.json'));

const META = 'io.k8s.apimachinery.pkg.apis.meta.v1.';
const INT_OR_STRING = 'io.k8s.apimachinery.pkg.util.intstr.IntOrString';

/** Where a kubernetes-types module's definitions live in upstream's naming. */
function packagePrefix(module: string): string {
  if (module === 'meta/v1') return 'io.k8s.apimachinery.pkg.apis.meta.v1';
  if (module === 'api/resource') return 'io.k8s.apimachinery.pkg.api.resource';
  if (module === 'runtime') return 'io.k8s.apimachinery.pkg.runtime';
  if (module === 'version') return 'io.k8s.apimachinery.pkg.version';
  return `io.k8s.api.${module.replace('/', '.')}`;
}

/** The kubernetes-types module of a definition in an io.k8s.api package. */
function moduleOfDefinition(name: string): { module: string; type: string } {
  const m = /^io\.k8s\.api\.([^.]+)\.([^.]+)\.(\w+)$/.exec(name);
  if (!m) throw new Error(`not an API definition: ${name}`);
  return { module: `${m[1]}/${m[2]}`, type: m[3] };
}

// Integer fields upstream declares int64 (everything else a TypeScript `number` stands for is an
// int32), by field name, and by Type.field where the name alone would be ambiguous.
const INT64_FIELDS = new Set([
  'activeDeadlineSeconds', 'terminationGracePeriodSeconds', 'deletionGracePeriodSeconds', 'gracePeriodSeconds',
  'runAsUser', 'runAsGroup', 'fsGroup', 'supplementalGroups', 'generation', 'observedGeneration',
  'remainingItemCount', 'tolerationSeconds', 'expirationSeconds', 'startingDeadlineSeconds', 'sizeBytes',
]);
const INT64_TYPE_FIELDS = new Set([
  'io.k8s.api.apps.v1.ControllerRevision.revision',
  'io.k8s.api.core.v1.SleepAction.seconds',
  'io.k8s.api.core.v1.LinuxContainerUser.uid',
  'io.k8s.api.core.v1.LinuxContainerUser.gid',
]);
/** Fields upstream declares float64 (type number, format double). */
const DOUBLE_TYPE_FIELDS = new Set<string>([]);

/** Definitions kubernetes-types does not declare (or declares only as a bare alias). */
function fixedDefinitions(aliasDoc: (module: string, name: string) => string | undefined): Record<string, Schema> {
  return {
    [INT_OR_STRING]: {
      type: 'string',
      format: 'int-or-string',
      description: 'IntOrString is a type that can hold an int32 or a string.  When used in JSON or YAML marshalling and unmarshalling, it produces or consumes the inner type.  This allows you to have, for example, a JSON field that can accept a name or number.',
      'x-kubernetes-int-or-string': true,
    },
    [META + 'Time']: {
      type: 'string',
      format: 'date-time',
      description: 'Time is a wrapper around time.Time which supports correct marshaling to YAML and JSON.  Wrappers are provided for many of the factory methods that the time package offers.',
    },
    [META + 'MicroTime']: {
      type: 'string',
      format: 'date-time',
      description: aliasDoc('meta/v1', 'MicroTime') ?? 'MicroTime is version of Time with microsecond level precision.',
    },
    'io.k8s.apimachinery.pkg.api.resource.Quantity': {
      type: 'string',
      description: aliasDoc('api/resource', 'Quantity'),
    },
    // CustomResourceDefinition schemas hold arbitrary JSON in these (unions of a schema and a bool/array).
    ...Object.fromEntries(['JSON', 'JSONSchemaPropsOrBool', 'JSONSchemaPropsOrArray', 'JSONSchemaPropsOrStringArray'].map((t) => [
      `io.k8s.api.apiextensions.v1.${t}`,
      { description: aliasDoc('apiextensions/v1', t), 'x-kubernetes-preserve-unknown-fields': true } as Schema,
    ])),
  };
}

interface ParsedModule {
  decls: Map<string, ts.InterfaceDeclaration | ts.TypeAliasDeclaration>;
  /** Imported name → module it comes from ("core/v1"). */
  imports: Map<string, string>;
  text: string;
}

export function generateSchemaModel(): SchemaModel {
  const modules = new Map<string, ParsedModule>();
  const parse = (module: string): ParsedModule => {
    let parsed = modules.get(module);
    if (parsed) return parsed;
    const file = join(TYPES_DIR, `${module}.d.ts`);
    const text = readFileSync(file, 'utf8');
    const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
    parsed = { decls: new Map(), imports: new Map(), text };
    for (const stmt of source.statements) {
      if (ts.isInterfaceDeclaration(stmt) || ts.isTypeAliasDeclaration(stmt)) parsed.decls.set(stmt.name.text, stmt);
      if (ts.isImportDeclaration(stmt) && ts.isStringLiteral(stmt.moduleSpecifier)) {
        const from = join(module, '..', stmt.moduleSpecifier.text).replace(/\\/g, '/');
        const bindings = stmt.importClause?.namedBindings;
        if (bindings && ts.isNamedImports(bindings)) for (const el of bindings.elements) parsed.imports.set(el.name.text, from);
      }
    }
    modules.set(module, parsed);
    return parsed;
  };
  const aliasDoc = (module: string, name: string) => {
    const m = parse(module);
    const decl = m.decls.get(name);
    return decl ? jsDoc(m.text, decl) : undefined;
  };

  const definitions: Record<string, Schema> = fixedDefinitions(aliasDoc);
  const queue: Array<{ module: string; type: string }> = [];
  const enqueue = (module: string, type: string): string => {
    const name = `${packagePrefix(module)}.${type}`;
    if (!(name in definitions) && !queue.some((q) => q.module === module && q.type === type)) queue.push({ module, type });
    return name;
  };

  // The roots: every served kind and its list, the autoscaling/v1 Scale of /scale subresources,
  // and the meta types the API itself speaks (Status, DeleteOptions, WatchEvent, discovery).
  const gvks = new Map<string, Array<{ group: string; version: string; kind: string }>>();
  const tagGvk = (name: string, gvk: { group: string; version: string; kind: string }) => {
    const list = gvks.get(name) ?? [];
    if (!list.some((g) => g.group === gvk.group && g.version === gvk.version && g.kind === gvk.kind)) list.push(gvk);
    gvks.set(name, list);
  };
  const groupVersions = new Map<string, { group: string; version: string }>([['/v1', { group: '', version: 'v1' }]]);
  for (const def of allResources) {
    groupVersions.set(`${def.group}/${def.version}`, { group: def.group, version: def.version });
    for (const kind of [def.kind, `${def.kind}List`]) {
      const { module, type } = moduleOfDefinition(definitionName(def.group, def.version, kind));
      tagGvk(enqueue(module, type), { group: def.group, version: def.version, kind });
    }
    if (def.scale) tagGvk(enqueue('autoscaling/v1', 'Scale'), { group: 'autoscaling', version: 'v1', kind: 'Scale' });
  }
  for (const type of ['Status', 'APIGroup', 'APIGroupList', 'APIResourceList', 'APIVersions']) {
    tagGvk(enqueue('meta/v1', type), { group: '', version: 'v1', kind: type });
  }
  for (const type of ['DeleteOptions', 'WatchEvent']) {
    const name = enqueue('meta/v1', type);
    for (const gv of groupVersions.values()) tagGvk(name, { ...gv, kind: type });
  }
  enqueue('meta/v1', 'Patch');
  enqueue('version', 'Info');

  while (queue.length) {
    const { module, type } = queue.shift()!;
    const name = `${packagePrefix(module)}.${type}`;
    const m = parse(module);
    const decl = m.decls.get(type);
    if (!decl) throw new Error(`${module}: no declaration of ${type}`);
    if (!ts.isInterfaceDeclaration(decl)) throw new Error(`${module}: ${type} is an alias with no fixed definition`);
    definitions[name] = objectDefinition(name, module, m, decl, enqueue);
  }

  for (const [name, list] of gvks) definitions[name]['x-kubernetes-group-version-kind'] = list;
  applyStrategies(definitions);

  const sorted: Record<string, Schema> = {};
  for (const name of Object.keys(definitions).sort()) sorted[name] = definitions[name];
  return { definitions: sorted };
}

function objectDefinition(
  name: string, module: string, m: ParsedModule, decl: ts.InterfaceDeclaration,
  enqueue: (module: string, type: string) => string,
): Schema {
  const schema: Schema = {};
  const description = jsDoc(m.text, decl);
  if (description) schema.description = description;
  schema.type = 'object';
  const properties: Record<string, Schema> = {};
  const required: string[] = [];
  for (const member of decl.members) {
    if (!ts.isPropertySignature(member) || !member.type) throw new Error(`${name}: unexpected member kind ${ts.SyntaxKind[member.kind]}`);
    const prop = propertyName(member.name);
    const field = `${name}.${prop}`;
    const resolveRef = (typeName: string): string => {
      const from = m.imports.get(typeName) ?? module;
      if (typeName === 'Time' || typeName === 'MicroTime') return META + typeName;
      if (typeName === 'Quantity') return 'io.k8s.apimachinery.pkg.api.resource.Quantity';
      return enqueue(from, typeName);
    };
    const s = typeSchema(member.type, field, resolveRef);
    const doc = jsDoc(m.text, member);
    properties[prop] = doc ? withDescription(s, doc) : s;
    if (!member.questionToken) required.push(prop);
  }
  if (decl.members.length) schema.properties = properties;
  if (required.length) schema.required = required;
  return schema;
}

/** Puts the description first, as upstream's documents read. */
function withDescription(s: Schema, description: string): Schema {
  return { description, ...s };
}

function typeSchema(node: ts.TypeNode, field: string, resolveRef: (typeName: string) => string): Schema {
  switch (node.kind) {
    case ts.SyntaxKind.StringKeyword: return { type: 'string' };
    case ts.SyntaxKind.BooleanKeyword: return { type: 'boolean' };
    case ts.SyntaxKind.NumberKeyword: {
      if (DOUBLE_TYPE_FIELDS.has(field)) return { type: 'number', format: 'double' };
      const prop = field.slice(field.lastIndexOf('.') + 1);
      return { type: 'integer', format: INT64_FIELDS.has(prop) || INT64_TYPE_FIELDS.has(field) ? 'int64' : 'int32' };
    }
    case ts.SyntaxKind.LiteralType: {
      const lit = (node as ts.LiteralTypeNode).literal;
      if (ts.isStringLiteral(lit)) return { type: 'string' };
      break;
    }
    case ts.SyntaxKind.UnionType: {
      const kinds = (node as ts.UnionTypeNode).types.map((t) => t.kind).sort();
      if (kinds.length === 2 && kinds.includes(ts.SyntaxKind.NumberKeyword) && kinds.includes(ts.SyntaxKind.StringKeyword)) {
        return { $ref: `#/definitions/${INT_OR_STRING}` };
      }
      break;
    }
    case ts.SyntaxKind.ArrayType:
      return { type: 'array', items: typeSchema((node as ts.ArrayTypeNode).elementType, field, resolveRef) };
    case ts.SyntaxKind.TypeReference: {
      const ref = node as ts.TypeReferenceNode;
      const typeName = entityName(ref.typeName);
      if (typeName === 'Array' && ref.typeArguments?.length === 1) {
        return { type: 'array', items: typeSchema(ref.typeArguments[0], field, resolveRef) };
      }
      return { $ref: `#/definitions/${resolveRef(typeName)}` };
    }
    case ts.SyntaxKind.TypeLiteral: {
      const members = (node as ts.TypeLiteralNode).members;
      const index = members.length === 1 && ts.isIndexSignatureDeclaration(members[0]) ? members[0] : undefined;
      if (index) return { type: 'object', additionalProperties: typeSchema(index.type, field, resolveRef) };
      break;
    }
  }
  throw new Error(`${field}: unsupported type syntax (kind ${ts.SyntaxKind[node.kind]})`);
}

function entityName(n: ts.EntityName): string {
  return ts.isIdentifier(n) ? n.text : `${entityName(n.left)}.${n.right.text}`;
}

function propertyName(n: ts.PropertyName): string {
  if (ts.isIdentifier(n) || ts.isStringLiteral(n)) return n.text;
  throw new Error(`unsupported property name kind ${ts.SyntaxKind[n.kind]}`);
}

/** The text of the JSDoc comment right before a declaration, without the comment markers. */
function jsDoc(text: string, node: ts.Node): string | undefined {
  const ranges = ts.getLeadingCommentRanges(text, node.pos) ?? [];
  const last = ranges.at(-1);
  if (!last) return undefined;
  const raw = text.slice(last.pos, last.end);
  if (!raw.startsWith('/**')) return undefined;
  const body = raw.slice(3, -2);
  const lines = body.split('\n');
  if (lines.length === 1) return body.trim() || undefined;
  const out = lines.map((l) => l.replace(/^\s*\* ?/, '').replace(/\s+$/, ''));
  while (out.length && out[0] === '') out.shift();
  while (out.length && out.at(-1) === '') out.pop();
  return out.join('\n').replace(/\*\\\//g, '*/') || undefined;
}

/** Copies skiff's patch-strategy table into the definitions as x-kubernetes-* extensions. */
function applyStrategies(definitions: Record<string, Schema>): void {
  for (const [defName, fields] of Object.entries(fieldStrategies)) {
    const def = definitions[defName];
    if (!def) continue; // a type no served kind reaches
    for (const [field, st] of Object.entries(fields)) {
      const prop = def.properties?.[field];
      if (!prop) continue; // a field newer than the kubernetes-types release in use
      if (st.patchStrategy) prop['x-kubernetes-patch-strategy'] = st.patchStrategy;
      if (st.patchMergeKey) prop['x-kubernetes-patch-merge-key'] = st.patchMergeKey;
      if (st.listType) prop['x-kubernetes-list-type'] = st.listType;
      if (st.listMapKeys) prop['x-kubernetes-list-map-keys'] = st.listMapKeys;
      if (st.mapType) prop['x-kubernetes-map-type'] = st.mapType;
    }
  }
  for (const name of atomicStructs) if (definitions[name]) definitions[name]['x-kubernetes-map-type'] = 'atomic';
}

/** Generates the model and writes it where loadSchemaModel() reads it (atomically). */
export function writeSchemaModel(path = SCHEMA_MODEL_PATH): SchemaModel {
  const model = generateSchemaModel();
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(model));
  renameSync(tmp, path);
  return model;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const started = performance.now();
  const model = writeSchemaModel();
  const ms = (performance.now() - started).toFixed(0);
  console.error(`gen-openapi-model: ${Object.keys(model.definitions).length} definitions → ${SCHEMA_MODEL_PATH} in ${ms} ms`);
}
