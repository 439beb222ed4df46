// OpenAPI v2 and v3, generated from skiff's own resource definitions and schema model.
// kubectl reads them for `explain`, for client-side apply's merge keys, and to learn that the
// server validates fields itself (a PATCH operation listing the fieldValidation parameter).
// Documents are built on first request and cached: server startup does none of this work.
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ResourceDefinition } from '../api/types.ts';
import type { Schema, SchemaModel } from '../api/openapi/model.ts';
import { definitionName } from '../api/openapi/model.ts';
import { loadSchemaModel } from '../api/openapi/load-model.ts';
import type { ResourceIndex } from './resource-index.ts';
import { parseMediaTypes } from './negotiation.ts';
import { encodeOpenApiV2 } from './openapi-v2-protobuf.ts';

export const OPENAPI_V2_PROTOBUF = 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf';
/** What the protobuf answer is labelled: Go's mime parser rejects the '@' kubectl asks with. */
const OPENAPI_V2_PROTOBUF_REPLY = 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf';
const INFO = { title: 'Kubernetes', version: 'v1.32.0' };
const META = 'io.k8s.apimachinery.pkg.apis.meta.v1.';
const SCALE = 'io.k8s.api.autoscaling.v1.Scale';

interface Served { body: Buffer; etag: string }

/** The OpenAPI endpoints of one API server. */
export interface OpenApi {
  /** Answers /openapi/v2, /openapi/v3 and /openapi/v3/<path>; false when the path is none of them. */
  handle(req: IncomingMessage, res: ServerResponse, path: string, query: URLSearchParams): boolean;
}

export function createOpenApi(index: ResourceIndex): OpenApi {
  let v3: { index: Served; documents: Map<string, Served> } | undefined;
  let v2: { json: Served; protobuf: Served } | undefined;

  const buildV3 = () => {
    if (v3) return v3;
    const model = loadSchemaModel();
    const documents = new Map<string, Served>();
    for (const gv of index.groups) {
      const path = gv.group ? `apis/${gv.group}/${gv.version}` : `api/${gv.version}`;
      documents.set(path, served(JSON.stringify(openApiV3Document(model, gv.group, gv.version, gv.resources))));
    }
    const paths: Record<string, { serverRelativeURL: string }> = {};
    for (const [path, doc] of documents) paths[path] = { serverRelativeURL: `/openapi/v3/${path}?hash=${doc.etag}` };
    v3 = { index: served(JSON.stringify({ paths })), documents };
    return v3;
  };
  const buildV2 = () => {
    if (v2) return v2;
    const doc = openApiV2Document(loadSchemaModel(), index.all());
    v2 = { json: served(JSON.stringify(doc)), protobuf: served(encodeOpenApiV2(doc)) };
    return v2;
  };

  return {
    handle(req, res, path, query) {
      if (path === '/openapi/v2') {
        const accept = parseMediaTypes(req.headers.accept);
        const proto = accept.some((m) => m.type === OPENAPI_V2_PROTOBUF || m.type === OPENAPI_V2_PROTOBUF_REPLY);
        const docs = buildV2();
        send(req, res, proto ? docs.protobuf : docs.json, proto ? OPENAPI_V2_PROTOBUF_REPLY : 'application/json', {});
        return true;
      }
      if (path === '/openapi/v3') {
        send(req, res, buildV3().index, 'application/json', {});
        return true;
      }
      if (path.startsWith('/openapi/v3/')) {
        const gvPath = path.slice('/openapi/v3/'.length);
        const doc = buildV3().documents.get(gvPath);
        if (!doc) return false;
        const hash = query.get('hash');
        if (hash && hash !== doc.etag) {
          // A stale hash: send the client to the current document, as upstream does.
          const location = `/openapi/v3/${gvPath}?hash=${doc.etag}`;
          res.writeHead(301, { Location: location, 'Content-Type': 'text/html; charset=utf-8' });
          res.end(`<a href="${location}">Moved Permanently</a>.\n`);
          return true;
        }
        const headers: Record<string, string> = { Vary: 'Accept' };
        if (hash) {
          headers['Cache-Control'] = 'public, immutable';
          headers.Expires = new Date(Date.now() + 365 * 24 * 3600_000).toUTCString();
        }
        send(req, res, doc, 'application/json', headers);
        return true;
      }
      return false;
    },
  };
}

function served(body: string | Buffer): Served {
  const buf = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  return { body: buf, etag: createHash('sha512').update(buf).digest('hex').toUpperCase() };
}

function send(req: IncomingMessage, res: ServerResponse, doc: Served, type: string, headers: Record<string, string>): void {
  const etag = `"${doc.etag}"`;
  if (req.headers['if-none-match'] === etag) {
    res.writeHead(304, { ...headers, Etag: etag });
    res.end();
    return;
  }
  res.writeHead(200, { ...headers, 'Content-Type': type, 'Content-Length': doc.body.length, Etag: etag });
  res.end(req.method === 'HEAD' ? undefined : doc.body);
}

// ---- The operations, described once and rendered as v3 or v2 ---------------------------------

interface Param {
  name: string;
  in: 'query' | 'path';
  type: 'string' | 'boolean' | 'integer';
  description: string;
  required?: boolean;
}

interface Operation {
  method: 'get' | 'put' | 'post' | 'patch' | 'delete';
  action: string;
  operationId: string;
  description: string;
  params: Param[];
  /** The request body's definition and the content types it may come in. */
  body?: { definition: string; contentTypes: string[]; required: boolean };
  responses: Array<{ code: string; description: string; definition?: string }>;
  gvk: { group: string; version: string; kind: string };
}

interface PathItem {
  path: string;
  params: Param[];
  operations: Operation[];
}

const q = (name: string, type: Param['type'], description: string): Param => ({ name, in: 'query', type, description });
const P = {
  pretty: q('pretty', 'string', "If 'true', then the output is pretty printed."),
  dryRun: q('dryRun', 'string', 'When present, indicates that modifications should not be persisted. Valid values are: - All: all dry run stages will be processed'),
  fieldManager: q('fieldManager', 'string', 'fieldManager is a name associated with the actor or entity that is making these changes. The value must be less than or 128 characters long, and only contain printable characters.'),
  fieldManagerApply: q('fieldManager', 'string', 'fieldManager is a name associated with the actor or entity that is making these changes. The value must be less than or 128 characters long, and only contain printable characters. This field is required for apply requests (application/apply-patch) but optional for non-apply patch types (JsonPatch, MergePatch, StrategicMergePatch).'),
  fieldValidation: q('fieldValidation', 'string', 'fieldValidation instructs the server on how to handle objects in the request (POST/PUT/PATCH) containing unknown or duplicate fields. Valid values are: - Ignore: drops unknown fields silently and ignores all but the last duplicate field. - Warn: sends a warning for each unknown or duplicate field, otherwise as Ignore. - Strict: fails the request with a BadRequest error on any unknown or duplicate field.'),
  force: q('force', 'boolean', 'Force is going to "force" Apply requests. It means user will re-acquire conflicting fields owned by other people. Force flag must be unset for non-apply patch requests.'),
  allowWatchBookmarks: q('allowWatchBookmarks', 'boolean', 'allowWatchBookmarks requests watch events with type "BOOKMARK". Servers may ignore it.'),
  continue: q('continue', 'string', 'The continue option should be set when retrieving more results from the server, with the value from the previous list response.'),
  fieldSelector: q('fieldSelector', 'string', 'A selector to restrict the list of returned objects by their fields. Defaults to everything.'),
  labelSelector: q('labelSelector', 'string', 'A selector to restrict the list of returned objects by their labels. Defaults to everything.'),
  limit: q('limit', 'integer', 'limit is a maximum number of responses to return for a list call. If more items exist, the server will set the `continue` field on the list metadata.'),
  resourceVersion: q('resourceVersion', 'string', 'resourceVersion sets a constraint on what resource versions a request may be served from. Defaults to unset.'),
  resourceVersionMatch: q('resourceVersionMatch', 'string', 'resourceVersionMatch determines how resourceVersion is applied to list calls. Defaults to unset.'),
  sendInitialEvents: q('sendInitialEvents', 'boolean', 'With `watch=true`, sendInitialEvents=true starts the watch stream with synthetic events for all existing objects.'),
  timeoutSeconds: q('timeoutSeconds', 'integer', 'Timeout for the list/watch call, regardless of any activity or inactivity.'),
  watch: q('watch', 'boolean', 'Watch for changes to the described resources and return them as a stream of add, update, and remove notifications.'),
  gracePeriodSeconds: q('gracePeriodSeconds', 'integer', 'The duration in seconds before the object should be deleted. Value must be non-negative integer. The value zero indicates delete immediately.'),
  orphanDependents: q('orphanDependents', 'boolean', 'Deprecated: please use the PropagationPolicy. Should the dependent objects be orphaned.'),
  propagationPolicy: q('propagationPolicy', 'string', "Whether and how garbage collection will be performed. Acceptable values are: 'Orphan', 'Background', 'Foreground'."),
  name: { name: 'name', in: 'path', type: 'string', required: true, description: 'name of the object' } as Param,
  namespace: { name: 'namespace', in: 'path', type: 'string', required: true, description: 'object name and auth scope, such as for teams and projects' } as Param,
};
const LIST_PARAMS = [P.allowWatchBookmarks, P.continue, P.fieldSelector, P.labelSelector, P.limit, P.resourceVersion, P.resourceVersionMatch, P.sendInitialEvents, P.timeoutSeconds, P.watch];
const WRITE_PARAMS = [P.dryRun, P.fieldManager, P.fieldValidation];
const PATCH_PARAMS = [P.dryRun, P.fieldManagerApply, P.fieldValidation, P.force];
const DELETE_PARAMS = [P.dryRun, P.gracePeriodSeconds, P.orphanDependents, P.propagationPolicy];
const DELETE_COLLECTION_PARAMS = [P.continue, P.dryRun, P.fieldSelector, P.gracePeriodSeconds, P.labelSelector, P.limit, P.orphanDependents, P.propagationPolicy, P.resourceVersion, P.resourceVersionMatch, P.sendInitialEvents, P.timeoutSeconds];
const PATCH_TYPES = ['application/apply-patch+yaml', 'application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json'];
const BODY_TYPES = ['*/*'];
const RESPONSE_TYPES = ['application/json', 'application/yaml'];

const ok = (definition: string) => ({ code: '200', description: 'OK', definition });
const created = (definition: string) => ({ code: '201', description: 'Created', definition });
const accepted = (definition: string) => ({ code: '202', description: 'Accepted', definition });
const unauthorized = { code: '401', description: 'Unauthorized' };

/** "apps" → "Apps", "rbac.authorization.k8s.io" → "RbacAuthorization", "" → "Core": upstream's operation-ID words. */
function groupWord(group: string): string {
  if (!group) return 'Core';
  return group.replace(/\.k8s\.io$/, '').split('.').map((w) => w[0].toUpperCase() + w.slice(1)).join('');
}

function tagOf(group: string, version: string): string {
  const word = groupWord(group);
  return `${word[0].toLowerCase()}${word.slice(1)}_${version}`;
}

/** The path items of one resource: collection, object, and its status and scale subresources. */
function resourcePaths(def: ResourceDefinition): PathItem[] {
  const gv = def.group ? `/apis/${def.group}/${def.version}` : `/api/${def.version}`;
  const gvk = { group: def.group, version: def.version, kind: def.kind };
  const kindDef = definitionName(def.group, def.version, def.kind);
  const listDef = definitionName(def.group, def.version, `${def.kind}List`);
  const ns = def.namespaced ? 'Namespaced' : '';
  const id = (verb: string, suffix = '') => `${verb}${groupWord(def.group)}${def.version[0].toUpperCase()}${def.version.slice(1)}${ns}${def.kind}${suffix}`;
  const verbs = new Set(def.verbs ?? ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch']);
  const collection = def.namespaced ? `${gv}/namespaces/{namespace}/${def.plural}` : `${gv}/${def.plural}`;
  const scopeParams = def.namespaced ? [P.namespace, P.pretty] : [P.pretty];
  const items: PathItem[] = [];

  const collectionOps: Operation[] = [];
  if (verbs.has('list')) {
    collectionOps.push({ method: 'get', action: 'list', operationId: id('list'), description: `list or watch objects of kind ${def.kind}`, params: LIST_PARAMS, responses: [ok(listDef), unauthorized], gvk });
  }
  if (verbs.has('create')) {
    collectionOps.push({
      method: 'post', action: 'post', operationId: id('create'), description: `create ${article(def.kind)}`, params: WRITE_PARAMS,
      body: { definition: kindDef, contentTypes: BODY_TYPES, required: true },
      responses: [ok(kindDef), created(kindDef), accepted(kindDef), unauthorized], gvk,
    });
  }
  if (verbs.has('deletecollection')) {
    collectionOps.push({
      method: 'delete', action: 'deletecollection', operationId: `delete${groupWord(def.group)}${cap(def.version)}Collection${ns}${def.kind}`,
      description: `delete collection of ${def.kind}`, params: DELETE_COLLECTION_PARAMS,
      body: { definition: META + 'DeleteOptions', contentTypes: BODY_TYPES, required: false },
      responses: [ok(META + 'Status'), unauthorized], gvk,
    });
  }
  if (collectionOps.length) items.push({ path: collection, params: scopeParams, operations: collectionOps });

  const objectOps: Operation[] = [];
  if (verbs.has('get')) objectOps.push({ method: 'get', action: 'get', operationId: id('read'), description: `read the specified ${def.kind}`, params: [], responses: [ok(kindDef), unauthorized], gvk });
  if (verbs.has('update')) {
    objectOps.push({
      method: 'put', action: 'put', operationId: id('replace'), description: `replace the specified ${def.kind}`, params: WRITE_PARAMS,
      body: { definition: kindDef, contentTypes: BODY_TYPES, required: true }, responses: [ok(kindDef), created(kindDef), unauthorized], gvk,
    });
  }
  if (verbs.has('delete')) {
    objectOps.push({
      method: 'delete', action: 'delete', operationId: id('delete'), description: `delete ${article(def.kind)}`, params: DELETE_PARAMS,
      body: { definition: META + 'DeleteOptions', contentTypes: BODY_TYPES, required: false },
      responses: [ok(META + 'Status'), accepted(META + 'Status'), unauthorized], gvk,
    });
  }
  if (verbs.has('patch')) {
    objectOps.push({
      method: 'patch', action: 'patch', operationId: id('patch'), description: `partially update the specified ${def.kind}`, params: PATCH_PARAMS,
      body: { definition: META + 'Patch', contentTypes: PATCH_TYPES, required: true }, responses: [ok(kindDef), created(kindDef), unauthorized], gvk,
    });
  }
  const objectParams = [P.name, ...scopeParams];
  if (objectOps.length) items.push({ path: `${collection}/{name}`, params: objectParams, operations: objectOps });

  const subresource = (name: string, definition: string, subGvk: Operation['gvk'], what: string) => {
    const suffix = name[0].toUpperCase() + name.slice(1);
    items.push({
      path: `${collection}/{name}/${name}`, params: objectParams,
      operations: [
        { method: 'get', action: 'get', operationId: id('read', suffix), description: `read ${what} of the specified ${def.kind}`, params: [], responses: [ok(definition), unauthorized], gvk: subGvk },
        {
          method: 'put', action: 'put', operationId: id('replace', suffix), description: `replace ${what} of the specified ${def.kind}`, params: WRITE_PARAMS,
          body: { definition, contentTypes: BODY_TYPES, required: true }, responses: [ok(definition), created(definition), unauthorized], gvk: subGvk,
        },
        {
          method: 'patch', action: 'patch', operationId: id('patch', suffix), description: `partially update ${what} of the specified ${def.kind}`, params: PATCH_PARAMS,
          body: { definition: META + 'Patch', contentTypes: PATCH_TYPES, required: true }, responses: [ok(definition), created(definition), unauthorized], gvk: subGvk,
        },
      ],
    });
  };
  if (def.statusSubresource) subresource('status', kindDef, gvk, 'status');
  if (def.scale) subresource('scale', SCALE, { group: 'autoscaling', version: 'v1', kind: 'Scale' }, 'scale');

  if (def.namespaced && verbs.has('list')) {
    items.push({
      path: `${gv}/${def.plural}`, params: [],
      operations: [{
        method: 'get', action: 'list', operationId: `list${groupWord(def.group)}${cap(def.version)}${def.kind}ForAllNamespaces`,
        description: `list or watch objects of kind ${def.kind}`, params: [...LIST_PARAMS, P.pretty], responses: [ok(listDef), unauthorized], gvk,
      }],
    });
  }
  return items;
}

function cap(s: string): string {
  return s[0].toUpperCase() + s.slice(1);
}

function article(kind: string): string {
  return `${/^[AEIOU]/.test(kind) ? 'an' : 'a'} ${kind}`;
}

function refsOf(items: PathItem[]): string[] {
  const names = new Set<string>();
  for (const item of items) {
    for (const op of item.operations) {
      if (op.body) names.add(op.body.definition);
      for (const r of op.responses) if (r.definition) names.add(r.definition);
    }
  }
  return [...names];
}

/** The definitions `roots` need, following $refs. */
function closure(model: SchemaModel, roots: string[]): string[] {
  const seen = new Set<string>();
  const visit = (s: Schema | boolean | undefined) => {
    if (!s || typeof s !== 'object') return;
    if (s.$ref) add(s.$ref.slice('#/definitions/'.length));
    if (s.items) visit(s.items);
    visit(s.additionalProperties);
    if (s.properties) for (const p of Object.values(s.properties)) visit(p);
  };
  const add = (name: string) => {
    if (seen.has(name)) return;
    const def = model.definitions[name];
    if (!def) throw new Error(`OpenAPI: no definition ${name} in the schema model`);
    seen.add(name);
    visit(def);
  };
  for (const r of roots) add(r);
  return [...seen].sort();
}

// ---- v3 ---------------------------------------------------------------------------------------

export function openApiV3Document(model: SchemaModel, group: string, version: string, defs: ResourceDefinition[]) {
  const items = defs.flatMap(resourcePaths);
  const schemas: Record<string, unknown> = {};
  for (const name of closure(model, [...refsOf(items), META + 'Status', META + 'DeleteOptions'])) {
    const schema = v3Schema(model.definitions[name]);
    const oneOf = V3_ONE_OF_TYPES[name];
    if (oneOf) { delete schema.type; schema.oneOf = oneOf.map((type) => ({ type })); }
    schemas[name] = schema;
  }
  const paths: Record<string, unknown> = {};
  for (const item of items) {
    const entry: Record<string, unknown> = {};
    for (const op of item.operations) entry[op.method] = v3Operation(op, tagOf(group, version));
    if (item.params.length) entry.parameters = item.params.map(v3Param);
    paths[item.path] = entry;
  }
  return { openapi: '3.0.0', info: INFO, paths, components: { schemas } };
}

/** Types v3 describes as a choice of primitives where v2 says "string" (explain then shows their name). */
const V3_ONE_OF_TYPES: Record<string, string[]> = {
  'io.k8s.apimachinery.pkg.util.intstr.IntOrString': ['integer', 'string'],
  'io.k8s.apimachinery.pkg.api.resource.Quantity': ['string', 'number'],
};

function v3Ref(name: string) {
  return { $ref: `#/components/schemas/${name}` };
}

function v3Param(p: Param) {
  return { name: p.name, in: p.in, description: p.description, ...(p.required ? { required: true } : {}), schema: { type: p.type, uniqueItems: true } };
}

function v3Operation(op: Operation, tag: string) {
  const out: Record<string, unknown> = { tags: [tag], description: op.description, operationId: op.operationId };
  if (op.params.length) out.parameters = op.params.map(v3Param);
  if (op.body) {
    const content: Record<string, unknown> = {};
    for (const t of op.body.contentTypes) content[t] = { schema: v3Ref(op.body.definition) };
    out.requestBody = { content, ...(op.body.required ? { required: true } : {}) };
  }
  const responses: Record<string, unknown> = {};
  for (const r of op.responses) {
    if (!r.definition) { responses[r.code] = { description: r.description }; continue; }
    const content: Record<string, unknown> = {};
    for (const t of RESPONSE_TYPES) content[t] = { schema: v3Ref(r.definition) };
    responses[r.code] = { description: r.description, content };
  }
  out.responses = responses;
  out['x-kubernetes-action'] = op.action;
  out['x-kubernetes-group-version-kind'] = op.gvk;
  return out;
}

/** A model schema in v3 form: component refs, and a $ref with siblings wrapped in allOf as upstream does. */
function v3Schema(s: Schema): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(s)) {
    if (key === '$ref') continue;
    if (key === 'properties') {
      const props: Record<string, unknown> = {};
      for (const [name, p] of Object.entries(value as Record<string, Schema>)) props[name] = v3Schema(p);
      out.properties = props;
    } else if (key === 'items') {
      out.items = v3Schema(value as Schema);
    } else if (key === 'additionalProperties' && typeof value === 'object') {
      out.additionalProperties = v3Schema(value as Schema);
    } else {
      out[key] = value;
    }
  }
  if (!s.$ref) return out;
  const ref = v3Ref(s.$ref.slice('#/definitions/'.length));
  return Object.keys(out).length ? { ...out, allOf: [ref] } : ref;
}

// ---- v2 ---------------------------------------------------------------------------------------

export function openApiV2Document(model: SchemaModel, defs: ResourceDefinition[]) {
  const paths: Record<string, unknown> = {};
  for (const def of defs) {
    for (const item of resourcePaths(def)) {
      const entry: Record<string, unknown> = {};
      for (const op of item.operations) entry[op.method] = v2Operation(op, tagOf(def.group, def.version));
      if (item.params.length) entry.parameters = item.params.map(v2Param);
      paths[item.path] = entry;
    }
  }
  return { swagger: '2.0', info: INFO, paths, definitions: model.definitions };
}

function v2Param(p: Param) {
  return { name: p.name, in: p.in, description: p.description, ...(p.required ? { required: true } : {}), type: p.type, uniqueItems: true };
}

function v2Operation(op: Operation, tag: string) {
  const params: unknown[] = [];
  if (op.body) params.push({ name: 'body', in: 'body', ...(op.body.required ? { required: true } : {}), schema: { $ref: `#/definitions/${op.body.definition}` } });
  params.push(...op.params.map(v2Param));
  const responses: Record<string, unknown> = {};
  for (const r of op.responses) responses[r.code] = r.definition ? { description: r.description, schema: { $ref: `#/definitions/${r.definition}` } } : { description: r.description };
  return {
    description: op.description,
    ...(op.body ? { consumes: op.body.contentTypes } : {}),
    produces: RESPONSE_TYPES,
    schemes: ['https'],
    tags: [tag],
    operationId: op.operationId,
    ...(params.length ? { parameters: params } : {}),
    responses,
    'x-kubernetes-action': op.action,
    'x-kubernetes-group-version-kind': op.gvk,
  };
}
