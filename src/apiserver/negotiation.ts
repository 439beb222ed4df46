// Content negotiation: what the client sent (JSON or YAML bodies, patch types) and what it
// wants back (JSON, YAML, a server-side Table, metadata only).
import type { IncomingMessage } from 'node:http';
import { yaml } from '../machinery/yaml.ts';
import { badRequest, notAcceptable, unsupportedMediaType, ApiError } from '../machinery/errors.ts';
import type { PatchType } from './generic-registry.ts';
import { decodeKubernetesProtobuf } from '../machinery/protobuf/codec.ts';

export const PROTOBUF = 'application/vnd.kubernetes.protobuf';

export interface MediaType {
  type: string;
  params: Record<string, string>;
}

export function parseMediaTypes(header: string | undefined): MediaType[] {
  if (!header) return [];
  return header.split(',').map((part) => {
    const [type, ...params] = part.split(';').map((s) => s.trim());
    const p: Record<string, string> = {};
    for (const kv of params) {
      const i = kv.indexOf('=');
      if (i > 0) p[kv.slice(0, i).trim().toLowerCase()] = kv.slice(i + 1).trim().replace(/^"|"$/g, '');
    }
    return { type: type.toLowerCase(), params: p };
  }).filter((m) => m.type);
}

export type ResponseShape =
  | { kind: 'object'; format: 'json' | 'yaml' }
  | { kind: 'table'; format: 'json' | 'yaml'; includeObject: 'None' | 'Metadata' | 'Object' }
  | { kind: 'metadata'; format: 'json' | 'yaml' };

/** What the Accept header asks for, in the client's order of preference. */
export function negotiate(accept: string | undefined, includeObject: string | null): ResponseShape {
  const types = parseMediaTypes(accept);
  if (types.length === 0) return { kind: 'object', format: 'json' };
  for (const m of types) {
    const format = formatOf(m.type);
    if (!format) continue;
    const as = m.params.as;
    if (as === 'Table' && m.params.g === 'meta.k8s.io' && (m.params.v === 'v1' || m.params.v === 'v1beta1')) {
      const inc = includeObject === 'None' || includeObject === 'Object' ? includeObject : 'Metadata';
      return { kind: 'table', format, includeObject: inc };
    }
    if ((as === 'PartialObjectMetadata' || as === 'PartialObjectMetadataList') && m.params.g === 'meta.k8s.io') {
      return { kind: 'metadata', format };
    }
    if (as) continue; // an unknown transformation: try the next acceptable type
    return { kind: 'object', format };
  }
  throw notAcceptable();
}

function formatOf(type: string): 'json' | 'yaml' | undefined {
  if (type === 'application/json' || type === '*/*' || type === 'application/*' || type === 'application/json-seq') return 'json';
  if (type === 'application/yaml') return 'yaml';
  return undefined;
}

const MAX_BODY = 3 * 1024 * 1024;

export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > MAX_BODY) throw new ApiError(413, 'RequestEntityTooLarge', 'Request entity too large: limit is 3145728');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** Decodes a JSON or YAML request body into a value. */
export function decodeBody(buf: Buffer, contentType: string | undefined): unknown {
  const type = parseMediaTypes(contentType)[0]?.type ?? 'application/json';
  // kubectl's typed clients send built-in kinds as protobuf; everything inside skiff is JSON.
  if (type === PROTOBUF) return decodeKubernetesProtobuf(buf).object;
  const text = buf.toString('utf8');
  if (type === 'application/yaml' || type === 'application/apply-patch+yaml') {
    try {
      // Repeated keys are field validation's business (an error only under Strict), as upstream.
      return yaml().parse(text, { uniqueKeys: false });
    } catch (err) {
      throw badRequest(`error converting YAML to JSON: ${(err as Error).message}`);
    }
  }
  if (!isJsonType(type)) throw unsupportedMediaType(type);
  try {
    return JSON.parse(text);
  } catch (err) {
    throw badRequest(`couldn't get version/kind; json parse error: ${(err as Error).message}`);
  }
}

function isJsonType(type: string): boolean {
  return type === 'application/json' || type === 'application/json-patch+json' ||
    type === 'application/merge-patch+json' || type === 'application/strategic-merge-patch+json' || type === '*/*';
}

export function patchTypeOf(contentType: string | undefined): PatchType {
  const type = parseMediaTypes(contentType)[0]?.type;
  switch (type) {
    case 'application/json-patch+json': return 'json';
    case 'application/merge-patch+json': return 'merge';
    case 'application/strategic-merge-patch+json': return 'strategic';
    case 'application/apply-patch+yaml': return 'apply';
    default:
      throw new ApiError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json`);
  }
}
