// The files a configMap or secret volume (or projection) holds: every key, or the listed items,
// each with its mode. A missing object or key fails the mount unless the source is optional, with
// upstream's messages (`configmap "x" not found`, `configmap references non-existent config key: k`).
import type { ConfigMap, KeyToPath, Secret } from 'kubernetes-types/core/v1';
import type { Client } from '../../../client/client.ts';
import type { KObject } from '../../../api/types.ts';
import { ApiError } from '../../../machinery/errors.ts';
import type { Payload } from './atomic-writer.ts';

export const DEFAULT_MODE = 0o644;

export interface KeyValueSource {
  name: string;
  items?: KeyToPath[];
  optional?: boolean;
}

export async function configMapPayload(client: Client, namespace: string, source: KeyValueSource, defaultMode: number): Promise<Payload> {
  const cm = await fetch<ConfigMap & KObject>(client, 'configmaps', 'configmap', namespace, source);
  if (!cm) return new Map();
  const values = new Map<string, Buffer>();
  for (const [k, v] of Object.entries(cm.data ?? {})) values.set(k, Buffer.from(v, 'utf8'));
  for (const [k, v] of Object.entries(cm.binaryData ?? {})) values.set(k, Buffer.from(v, 'base64'));
  return project(values, source, defaultMode, (key) => `configmap references non-existent config key: ${key}`);
}

export async function secretPayload(client: Client, namespace: string, source: KeyValueSource, defaultMode: number): Promise<Payload> {
  const secret = await fetch<Secret & KObject>(client, 'secrets', 'secret', namespace, source);
  if (!secret) return new Map();
  const values = new Map<string, Buffer>();
  for (const [k, v] of Object.entries(secret.data ?? {})) values.set(k, Buffer.from(v, 'base64'));
  return project(values, source, defaultMode, (key) => `references non-existent secret key: ${key}`);
}

async function fetch<T extends KObject>(client: Client, plural: string, singular: string, namespace: string, source: KeyValueSource): Promise<T | undefined> {
  try {
    return await client.resource<T>('', 'v1', plural).get(source.name, namespace);
  } catch (err) {
    if (err instanceof ApiError && err.code === 404) {
      if (source.optional) return undefined;
      throw new Error(`${singular} "${source.name}" not found`);
    }
    throw err;
  }
}

function project(values: Map<string, Buffer>, source: KeyValueSource, defaultMode: number, missingKey: (key: string) => string): Payload {
  const payload: Payload = new Map();
  if (!source.items?.length) {
    for (const [key, data] of values) payload.set(key, { data, mode: defaultMode });
    return payload;
  }
  for (const item of source.items) {
    const data = values.get(item.key);
    if (data === undefined) {
      if (source.optional) continue;
      throw new Error(missingKey(item.key));
    }
    payload.set(item.path, { data, mode: item.mode ?? defaultMode });
  }
  return payload;
}
