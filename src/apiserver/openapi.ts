// OpenAPI v3 documents, generated from skiff's own resource definitions. For now they carry the
// operations kubectl inspects (PATCH with the fieldValidation parameter, tagged with each kind's
// x-kubernetes-group-version-kind) so that kubectl leaves validation to the server.
import { createHash } from 'node:crypto';
import type { ResourceDefinition } from '../api/types.ts';
import type { ResourceIndex } from './resource-index.ts';

export interface OpenApiV3 {
  /** The /openapi/v3 index. */
  index: unknown;
  /** Documents by path ("api/v1", "apis/apps/v1"), serialised once. */
  documents: Map<string, { body: string; hash: string }>;
}

export function buildOpenApiV3(index: ResourceIndex): OpenApiV3 {
  const documents = new Map<string, { body: string; hash: string }>();
  for (const gv of index.groups) {
    const path = gv.group ? `apis/${gv.group}/${gv.version}` : `api/${gv.version}`;
    const doc = groupVersionDocument(gv.group, gv.version, gv.resources);
    const body = JSON.stringify(doc);
    const hash = createHash('sha512').update(body).digest('hex').toUpperCase();
    documents.set(path, { body, hash });
  }
  const paths: Record<string, unknown> = {};
  for (const [path, { hash }] of documents) paths[path] = { serverRelativeURL: `/openapi/v3/${path}?hash=${hash}` };
  return { index: { paths }, documents };
}

function groupVersionDocument(group: string, version: string, defs: ResourceDefinition[]) {
  const prefix = group ? `/apis/${group}/${version}` : `/api/${version}`;
  const paths: Record<string, unknown> = {};
  for (const def of defs) {
    const gvk = { group: def.group, version: def.version, kind: def.kind };
    const base = def.namespaced ? `${prefix}/namespaces/{namespace}/${def.plural}` : `${prefix}/${def.plural}`;
    const params = [
      { name: 'dryRun', in: 'query', schema: { type: 'string', uniqueItems: true } },
      { name: 'fieldManager', in: 'query', schema: { type: 'string', uniqueItems: true } },
      { name: 'fieldValidation', in: 'query', schema: { type: 'string', uniqueItems: true } },
    ];
    const op = (action: string, verb: string) => ({
      tags: [group ? `${group.split('.')[0]}_${version}` : `core_${version}`],
      operationId: `${verb}${def.kind}`,
      parameters: params,
      responses: { '200': { description: 'OK' } },
      'x-kubernetes-action': action,
      'x-kubernetes-group-version-kind': gvk,
    });
    paths[base] = { post: op('post', 'create'), get: op('list', 'list') };
    paths[`${base}/{name}`] = { get: op('get', 'read'), put: op('put', 'replace'), patch: op('patch', 'patch'), delete: op('delete', 'delete') };
  }
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: 'v1.32.0' },
    paths,
    components: { schemas: {} },
  };
}

// ---- OpenAPI v2 ----------------------------------------------------------------------------
// kubectl falls back to /openapi/v2 (as gnostic protobuf) for kinds the v3 documents do not
// describe. For now skiff serves the document's header only, with no definitions: kubectl then
// leaves such kinds to the server (an unknown apiVersion ends in its own "no matches" error).

export const OPENAPI_V2_PROTOBUF = 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf';

export function openApiV2(): { json: string; protobuf: Buffer } {
  const info = { title: 'Kubernetes', version: 'v1.32.0' };
  const json = JSON.stringify({ swagger: '2.0', info, paths: {}, definitions: {} });
  // gnostic openapi.v2.Document: 1 swagger, 2 info (Info: 1 title, 2 version).
  const infoBytes = Buffer.concat([protoString(1, info.title), protoString(2, info.version)]);
  const protobuf = Buffer.concat([protoString(1, '2.0'), protoBytes(2, infoBytes)]);
  return { json, protobuf };
}

function protoString(field: number, s: string): Buffer {
  return protoBytes(field, Buffer.from(s, 'utf8'));
}

function protoBytes(field: number, bytes: Buffer): Buffer {
  return Buffer.concat([varint((field << 3) | 2), varint(bytes.length), bytes]);
}

function varint(n: number): Buffer {
  const out: number[] = [];
  while (n > 0x7f) { out.push((n & 0x7f) | 0x80); n >>>= 7; }
  out.push(n);
  return Buffer.from(out);
}
