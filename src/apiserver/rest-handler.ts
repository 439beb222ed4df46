// The generic REST handler: maps a resource request (verb, namespace, name, subresource, query)
// onto the generic registry and writes the answer the way kube-apiserver does.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DeleteOptions } from 'kubernetes-types/meta/v1';
import { yaml } from '../machinery/yaml.ts';
import type { KObject, ResourceDefinition } from '../api/types.ts';
import { ApiError, badRequest, methodNotSupported, invalid } from '../machinery/errors.ts';
import { invalidValue } from '../machinery/validation.ts';
import { apiVersionOf, type ResourceIndex } from './resource-index.ts';
import { GenericRegistry, type ApiWatchEvent, type ListResult, type WriteOptions } from './generic-registry.ts';
import { decodeBody, negotiate, patchTypeOf, readBody, type ResponseShape } from './negotiation.ts';
import { partialMetadata, toTable } from './table.ts';
import { isTrue, type RequestInfo } from './request-info.ts';
import type { UserInfo } from './authn.ts';
import { bindPod } from './subresources/pod-binding.ts';
import { checkFields, checkPatchedFields, parseFieldValidation, warningHeaderValues, type FieldValidation } from './field-validation.ts';
import { loadSchemaModel } from '../api/openapi/load-model.ts';
import { managerFromUserAgent } from '../machinery/managed-fields.ts';
import { definitionName } from '../api/openapi/model.ts';
import { evictPod } from './subresources/pod-eviction.ts';
import { requestServiceAccountToken } from './subresources/serviceaccount-token.ts';
import type { ServiceAccountTokens } from './serviceaccount-tokens.ts';

export interface RestContext {
  index: ResourceIndex;
  registry: GenericRegistry;
  /** Signs serviceaccounts/token answers; without it the subresource is not served. */
  serviceAccountTokens?: ServiceAccountTokens;
}

export async function handleResource(ctx: RestContext, info: RequestInfo, req: IncomingMessage, res: ServerResponse, query: URLSearchParams, user: UserInfo): Promise<void> {
  const def = ctx.index.lookup(info.group, info.version, info.resource);
  if (!def) throw new ApiError(404, 'NotFound', 'the server could not find the requested resource', { group: info.group, kind: info.resource });
  if (info.namespace !== undefined && !def.namespaced) {
    throw new ApiError(404, 'NotFound', 'the server could not find the requested resource', { group: info.group, kind: info.resource });
  }
  const sub = info.subresource;
  if (sub && !(subresourceServed(def, sub) || (sub === 'token' && isServiceAccounts(def) && ctx.serviceAccountTokens))) {
    throw new ApiError(404, 'NotFound', 'the server could not find the requested resource', { group: info.group, kind: info.resource });
  }
  if (sub === 'token' && info.verb !== 'create') throw new ApiError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
  const shape = negotiate(req.headers.accept, query.get('includeObject'));
  const ns = def.namespaced ? info.namespace : undefined;
  const writeOpts: WriteOptions = {
    dryRun: query.getAll('dryRun').includes('All'),
    user, subresource: sub,
    fieldManager: query.get('fieldManager') || managerFromUserAgent(req.headers['user-agent'] ?? '') || undefined,
    force: isTrue(query.get('force')),
  };
  if (query.getAll('dryRun').some((v) => v !== 'All')) {
    throw badRequest(`Invalid dry run value: ${query.getAll('dryRun').join(',')}, only 'All' is supported`);
  }
  const reg = ctx.registry;

  switch (info.verb) {
    case 'get': {
      const obj = sub === 'scale' ? await reg.getScale(def, ns, info.name!) : await reg.get(def, ns, info.name!);
      return sendObject(res, 200, def, obj, shape);
    }
    case 'list': {
      const list = await reg.list(def, listQuery(ns, query));
      return sendList(res, def, list, shape);
    }
    case 'watch':
      return streamWatch(reg, def, ns, info.name, query, shape, req, res);
    case 'create': {
      if (sub === 'token' && info.name && ctx.serviceAccountTokens) {
        const answer = await requestServiceAccountToken(reg, ctx.index, ctx.serviceAccountTokens, ns!, info.name, (await readObject(req)).object);
        return sendJson(res, 201, answer, shape.format);
      }
      if (isPods(def) && (sub === 'binding' || sub === 'eviction') && info.name) {
        const body = (await readObject(req)).object;
        const status = sub === 'binding'
          ? await bindPod(reg, def, ns!, info.name, body, writeOpts)
          : await evictPod(reg, ctx.index, ns!, info.name, body, writeOpts);
        return sendJson(res, 201, status, shape.format);
      }
      if (info.name) throw methodNotSupported({ group: def.group, resource: def.plural }, 'create');
      const directive = parseFieldValidation(query, 'CreateOptions');
      const body = checkedBody(await readObject(req), def, sub, directive, res);
      const created = await reg.create(def, ns, body, writeOpts);
      return sendObject(res, 201, def, created, shape);
    }
    case 'update': {
      const directive = parseFieldValidation(query, 'UpdateOptions');
      const body = checkedBody(await readObject(req), def, sub, directive, res);
      const updated = sub === 'scale'
        ? await reg.updateScale(def, ns, info.name!, body, writeOpts)
        : await reg.update(def, ns, info.name!, body, writeOpts);
      return sendObject(res, 200, def, updated, shape);
    }
    case 'patch': {
      const type = patchTypeOf(req.headers['content-type']);
      // Apply requires the parameter itself; other writes fall back to the client's name.
      if (type === 'apply' && !query.get('fieldManager')) writeOpts.fieldManager = undefined;
      const directive = parseFieldValidation(query, 'PatchOptions');
      const raw = await readBody(req);
      const patch = decodeBody(raw, req.headers['content-type']);
      const warnings: string[] = [];
      writeOpts.checkPatched = (d, t, p, result) => {
        warnings.push(...checkPatchedFields({ patchType: t, patchText: raw.toString('utf8'), patch: p, result, directive, model: loadSchemaModel(), rootType: rootTypeOf(d, sub) }).warnings);
      };
      let patched;
      try {
        patched = await reg.patch(def, ns, info.name!, type, patch, writeOpts);
      } finally {
        if (warnings.length) res.setHeader('Warning', warningHeaderValues(warnings));
      }
      const out = sub === 'scale' ? await reg.getScale(def, ns, info.name!) : patched;
      return sendObject(res, 200, def, out, shape);
    }
    case 'delete': {
      const options = await deleteOptions(req, query);
      const { object, deleted } = await reg.delete(def, ns, info.name!, options, writeOpts);
      if (deleted && !returnsDeletedObject(def)) {
        return sendJson(res, 200, {
          kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success',
          details: { name: info.name, group: def.group, kind: def.plural, uid: object.metadata?.uid },
        }, shape.format);
      }
      return sendObject(res, 200, def, object, shape);
    }
    case 'deletecollection': {
      const options = await deleteOptions(req, query);
      const list = await reg.deleteCollection(def, listQuery(ns, query), options, writeOpts);
      return sendList(res, def, list, shape);
    }
    default:
      throw new ApiError(405, 'MethodNotAllowed', `the server does not allow this method on the requested resource`);
  }
}

function isPods(def: ResourceDefinition): boolean {
  return def.group === '' && def.plural === 'pods';
}

function isServiceAccounts(def: ResourceDefinition): boolean {
  return def.group === '' && def.plural === 'serviceaccounts';
}

function subresourceServed(def: ResourceDefinition, sub: string): boolean {
  if (sub === 'binding' || sub === 'eviction') return isPods(def);
  if (sub === 'status') return !!def.statusSubresource;
  if (sub === 'scale') return !!def.scale;
  if (sub === 'finalize') return def.group === '' && def.plural === 'namespaces';
  return false;
}

/** Upstream answers a finished delete of these with the object, of others with a Status. */
function returnsDeletedObject(def: ResourceDefinition): boolean {
  return def.group === '' && (def.plural === 'pods' || def.plural === 'namespaces' || def.plural === 'services');
}

function listQuery(namespace: string | undefined, q: URLSearchParams) {
  const limit = q.get('limit');
  let parsedLimit: number | undefined;
  if (limit !== null && limit !== '') {
    parsedLimit = Number(limit);
    if (!Number.isInteger(parsedLimit)) throw badRequest(`invalid limit: ${limit}`);
  }
  return {
    namespace,
    labelSelector: q.get('labelSelector') ?? undefined,
    fieldSelector: q.get('fieldSelector') ?? undefined,
    limit: parsedLimit,
    continue: q.get('continue') || undefined,
    resourceVersion: q.get('resourceVersion') ?? undefined,
    resourceVersionMatch: q.get('resourceVersionMatch') ?? undefined,
  };
}

interface ReadObject { object: KObject; rawText?: string; format?: 'json' | 'yaml' }

async function readObject(req: IncomingMessage): Promise<ReadObject> {
  const raw = await readBody(req);
  const contentType = req.headers['content-type'];
  const body = decodeBody(raw, contentType);
  if (!body || typeof body !== 'object' || Array.isArray(body)) {
    throw badRequest('Object \'Kind\' is missing in \'' + JSON.stringify(body) + '\'');
  }
  const type = (contentType ?? '').split(';')[0].trim().toLowerCase();
  if (type === 'application/vnd.kubernetes.protobuf') return { object: body as KObject };
  return { object: body as KObject, rawText: raw.toString('utf8'), format: type === 'application/yaml' ? 'yaml' : 'json' };
}

/** The schema a request body is checked against: the kind's own, or autoscaling/v1 Scale for /scale. */
function rootTypeOf(def: ResourceDefinition, sub: string | undefined): string {
  return sub === 'scale' ? 'io.k8s.api.autoscaling.v1.Scale' : definitionName(def.group, def.version, def.kind);
}

/** Decodes a create or update body as upstream's typed decoding does (types, quantities, nulls, unknown fields): fails (Strict) or warns (Warn) on unknown fields. */
function checkedBody(read: ReadObject, def: ResourceDefinition, sub: string | undefined, directive: FieldValidation, res: ServerResponse): KObject {
  const { warnings } = checkFields({ body: read.object, rawText: read.rawText, format: read.format, directive, model: loadSchemaModel(), rootType: rootTypeOf(def, sub) });
  if (warnings.length) res.setHeader('Warning', warningHeaderValues(warnings));
  return read.object;
}

async function deleteOptions(req: IncomingMessage, q: URLSearchParams): Promise<DeleteOptions> {
  const buf = await readBody(req);
  let options: DeleteOptions = {};
  if (buf.length) {
    const body = decodeBody(buf, req.headers['content-type'] ?? 'application/json');
    if (body && typeof body === 'object') options = body as DeleteOptions;
  }
  const grace = q.get('gracePeriodSeconds');
  if (grace !== null) {
    const n = Number(grace);
    if (!Number.isInteger(n)) throw badRequest(`invalid gracePeriodSeconds: ${grace}`);
    options.gracePeriodSeconds = n;
  }
  const policy = q.get('propagationPolicy');
  if (policy) options.propagationPolicy = policy;
  const orphan = q.get('orphanDependents');
  if (orphan !== null) options.orphanDependents = isTrue(orphan);
  if (options.orphanDependents !== undefined && options.propagationPolicy) {
    throw invalid('DeleteOptions', '', '', [invalidValue('propagationPolicy', options.propagationPolicy, 'orphanDependents and deletionPropagation cannot be both set')]);
  }
  return options;
}

// ---- responses -----------------------------------------------------------------------------

export function sendJson(res: ServerResponse, code: number, body: unknown, format: 'json' | 'yaml' = 'json'): void {
  const text = format === 'yaml' ? yaml().stringify(body) : JSON.stringify(body);
  res.writeHead(code, {
    'Content-Type': format === 'yaml' ? 'application/yaml' : 'application/json',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-cache, private',
  });
  res.end(text);
}

function sendObject(res: ServerResponse, code: number, def: ResourceDefinition, obj: KObject, shape: ResponseShape): void {
  if (shape.kind === 'table' && obj.kind === def.kind) {
    return sendJson(res, code, toTable(def, [obj], { resourceVersion: obj.metadata?.resourceVersion }, shape.includeObject), shape.format);
  }
  if (shape.kind === 'metadata') return sendJson(res, code, partialMetadata(obj), shape.format);
  sendJson(res, code, obj, shape.format);
}

function sendList(res: ServerResponse, def: ResourceDefinition, list: ListResult, shape: ResponseShape): void {
  const meta: Record<string, unknown> = { resourceVersion: list.resourceVersion };
  if (list.continue) meta.continue = list.continue;
  if (list.remainingItemCount !== undefined) meta.remainingItemCount = list.remainingItemCount;
  if (shape.kind === 'table') return sendJson(res, 200, toTable(def, list.items, meta, shape.includeObject), shape.format);
  if (shape.kind === 'metadata') {
    return sendJson(res, 200, { kind: 'PartialObjectMetadataList', apiVersion: 'meta.k8s.io/v1', metadata: meta, items: list.items.map(partialMetadata) }, shape.format);
  }
  sendJson(res, 200, { kind: `${def.kind}List`, apiVersion: apiVersionOf(def), metadata: meta, items: list.items }, shape.format);
}

async function streamWatch(reg: GenericRegistry, def: ResourceDefinition, ns: string | undefined, name: string | undefined,
  query: URLSearchParams, shape: ResponseShape, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const q = listQuery(ns, query);
  if (name) {
    // Watching one object is a watch with metadata.name=<name>, as upstream does it.
    q.fieldSelector = q.fieldSelector ? `${q.fieldSelector},metadata.name=${name}` : `metadata.name=${name}`;
  }
  const timeout = Number(query.get('timeoutSeconds') ?? 0);
  let headerSent = false;
  let firstTable = true;
  const writeEvent = (ev: ApiWatchEvent) => {
    if (!headerSent) startStream();
    let object: unknown = ev.object;
    if (ev.type !== 'ERROR' && ev.type !== 'BOOKMARK') {
      if (shape.kind === 'table') {
        object = toTable(def, [ev.object], { resourceVersion: ev.object.metadata?.resourceVersion }, shape.includeObject, firstTable);
        firstTable = false;
      } else if (shape.kind === 'metadata') {
        object = partialMetadata(ev.object);
      }
    }
    res.write(JSON.stringify({ type: ev.type, object }) + '\n');
  };
  const startStream = () => {
    headerSent = true;
    res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked', 'Cache-Control': 'no-cache, private' });
    res.flushHeaders();
  };
  let timer: NodeJS.Timeout | undefined;
  const handle = await reg.watch(def, {
    ...q,
    // Events are only serialised here, so every HTTP watcher may share one decoded object.
    readOnlyObjects: true,
    allowWatchBookmarks: isTrue(query.get('allowWatchBookmarks')),
    sendInitialEvents: query.has('sendInitialEvents') ? isTrue(query.get('sendInitialEvents')) : undefined,
  }, writeEvent, (err) => {
    if (timer) clearTimeout(timer);
    if (err) writeEvent({ type: 'ERROR', object: err.toStatus() as KObject });
    if (!headerSent) startStream();
    res.end();
  });
  if (!headerSent) startStream();
  const close = () => handle.stop();
  req.on('close', close);
  res.on('close', close);
  if (timeout > 0) timer = setTimeout(close, timeout * 1000);
}

