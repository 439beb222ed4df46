// The Client over HTTPS, for components in another process (`skiff agent`): the same contract as
// the in-process client, spoken as a Kubernetes client speaks it — JSON bodies on keep-alive
// connections, watches as newline-delimited JSON events, failures turned back into the ApiError
// the server's Status body describes.
import { Agent, request, type RequestOptions } from 'node:https';
import type { IncomingMessage } from 'node:http';
import type { DeleteOptions, Status } from 'kubernetes-types/meta/v1';
import type { KObject } from '../api/types.ts';
import { ApiError, type StatusReason } from '../machinery/errors.ts';
import type { Client, ListOptions, PatchType, ResourceClient, WatchEvent, WriteOptions } from './client.ts';

export interface HttpClientOptions {
  /** https://host:port of the API server. */
  server: string;
  /** PEM of the cluster CA the server's certificate must chain to. */
  ca: string;
  /** Bearer token (the join token for agents). */
  token?: string;
  /** Client certificate and key (PEM), the other way to authenticate. */
  cert?: string;
  key?: string;
  userAgent?: string;
}

// Enough parallel requests for a busy agent without flooding the server; watches use their own
// agent so long-lived streams never starve ordinary requests of sockets.
const MAX_SOCKETS = 32;
const REQUEST_TIMEOUT_MS = 60_000;

const PATCH_CONTENT_TYPES: Record<PatchType, string> = {
  json: 'application/json-patch+json',
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  apply: 'application/apply-patch+yaml', // JSON is YAML, so the body stays JSON
};

const REASON_BY_CODE: Record<number, StatusReason> = {
  400: 'BadRequest', 401: 'Unauthorized', 403: 'Forbidden', 404: 'NotFound', 405: 'MethodNotAllowed',
  406: 'NotAcceptable', 409: 'Conflict', 410: 'Gone', 413: 'RequestEntityTooLarge', 415: 'UnsupportedMediaType',
  422: 'Invalid', 429: 'TooManyRequests', 500: 'InternalError', 503: 'ServiceUnavailable', 504: 'Timeout',
};

/** The ApiError a Status body describes (or, for a body that is not a Status, one built from the HTTP code). */
export function statusToApiError(httpCode: number, body: unknown, fallbackMessage = ''): ApiError {
  const status = body as Partial<Status> | undefined;
  if (status && typeof status === 'object' && status.kind === 'Status') {
    const code = status.code || httpCode || 500;
    return new ApiError(code, (status.reason as StatusReason) || REASON_BY_CODE[code] || 'InternalError', status.message ?? '', status.details);
  }
  const code = httpCode || 500;
  return new ApiError(code, REASON_BY_CODE[code] ?? 'InternalError', fallbackMessage || `the server responded with HTTP ${code}`);
}

export function httpClient(opts: HttpClientOptions): Client {
  const base = new URL(opts.server);
  const tls = { ca: opts.ca, cert: opts.cert, key: opts.key };
  const agent = new Agent({ ...tls, keepAlive: true, maxSockets: MAX_SOCKETS });
  const watchAgent = new Agent({ ...tls, keepAlive: false });
  const headers: Record<string, string> = {
    Accept: 'application/json',
    'User-Agent': opts.userAgent ?? 'skiff/0.1.0',
    ...(opts.token ? { Authorization: `Bearer ${opts.token}` } : {}),
  };

  function requestOptions(method: string, path: string, extra: Record<string, string>, via: Agent): RequestOptions {
    return {
      protocol: 'https:', hostname: base.hostname.replace(/^\[|\]$/g, ''), port: base.port || 443,
      method, path, agent: via, headers: { ...headers, ...extra },
    };
  }

  /** One request with a JSON answer; an error status becomes the ApiError its Status body describes. */
  function call(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<unknown> {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const extra: Record<string, string> = data === undefined ? {} : { 'Content-Type': contentType, 'Content-Length': String(Buffer.byteLength(data)) };
    return new Promise((resolve, reject) => {
      const req = request(requestOptions(method, path, extra, agent), (res) => {
        readAll(res).then((text) => {
          const code = res.statusCode ?? 0;
          let parsed: unknown;
          try { parsed = text ? JSON.parse(text) : undefined; } catch { parsed = undefined; }
          if (code >= 200 && code < 300) {
            if (parsed === undefined && text) reject(new ApiError(500, 'InternalError', `the server returned a body that is not JSON: ${text.slice(0, 200)}`));
            else resolve(parsed);
          } else {
            reject(statusToApiError(code, parsed, text.trim()));
          }
        }, reject);
      });
      req.setTimeout(REQUEST_TIMEOUT_MS, () => req.destroy(new Error(`${method} ${path}: no answer within ${REQUEST_TIMEOUT_MS / 1000}s`)));
      req.on('error', reject);
      req.end(data);
    });
  }

  return {
    resource<T extends KObject>(group: string, version: string, plural: string): ResourceClient<T> {
      const prefix = group ? `/apis/${group}/${version}` : `/api/${version}`;
      const collection = (namespace: string | undefined) =>
        namespace ? `${prefix}/namespaces/${encodeURIComponent(namespace)}/${plural}` : `${prefix}/${plural}`;
      const item = (name: string, namespace: string | undefined, subresource?: string) =>
        `${collection(namespace)}/${encodeURIComponent(name)}${subresource ? `/${subresource}` : ''}`;
      const writeQuery = (o: WriteOptions) => query({ dryRun: o.dryRun ? 'All' : undefined, fieldManager: o.fieldManager });

      return {
        get: async (name, namespace) => (await call('GET', item(name, namespace))) as T,

        async list(o: ListOptions = {}) {
          const list = (await call('GET', collection(o.namespace) + listQuery(o))) as { items?: T[]; metadata?: { resourceVersion?: string; continue?: string } };
          return { items: list.items ?? [], resourceVersion: list.metadata?.resourceVersion ?? '', continue: list.metadata?.continue || undefined };
        },

        watch(o, onEvent, onEnd) {
          const path = collection(o.namespace) + listQuery(o, { watch: 'true', allowWatchBookmarks: o.allowWatchBookmarks ? 'true' : undefined });
          return new Promise((resolve, reject) => {
            let started = false;
            let ended = false;
            const req = request(requestOptions('GET', path, {}, watchAgent));
            // Ends the stream once: stop(), a closed connection and an ERROR event all come here.
            const finish = (err?: ApiError) => {
              if (ended) return;
              ended = true;
              req.destroy();
              onEnd(err);
            };
            req.on('response', (res) => {
              if (res.statusCode !== 200) {
                readAll(res).then((text) => {
                  let parsed: unknown;
                  try { parsed = JSON.parse(text); } catch { /* not a Status */ }
                  reject(statusToApiError(res.statusCode ?? 0, parsed, text.trim()));
                }, reject);
                return;
              }
              started = true;
              resolve({ stop: () => finish() });
              res.setEncoding('utf8');
              let pending = '';
              res.on('data', (chunk: string) => {
                const lines = (pending + chunk).split('\n');
                pending = lines.pop()!;
                for (const line of lines) {
                  if (ended) return;
                  if (!line.trim()) continue;
                  let ev: WatchEvent<T>;
                  try {
                    ev = JSON.parse(line);
                  } catch {
                    finish(new ApiError(500, 'InternalError', `unreadable watch event: ${line.slice(0, 200)}`));
                    return;
                  }
                  if (ev.type === 'ERROR') finish(statusToApiError(0, ev.object));
                  else onEvent(ev);
                }
              });
              res.on('end', () => finish());
              res.on('close', () => finish());
              res.on('error', () => finish());
            });
            req.on('error', (err) => {
              if (!started) reject(err);
              else finish();
            });
            req.end();
          });
        },

        create: async (obj, o = {}) =>
          (await call('POST', collection(o.namespace ?? obj.metadata?.namespace) + writeQuery(o), obj)) as T,

        update: async (obj, o = {}) =>
          (await call('PUT', item(obj.metadata?.name ?? '', o.namespace ?? obj.metadata?.namespace, o.subresource) + writeQuery(o), obj)) as T,

        patch: async (name, type, patch, o = {}) =>
          (await call('PATCH', item(name, o.namespace, o.subresource) + writeQuery(o), patch, PATCH_CONTENT_TYPES[type])) as T,

        createSubresource: async (name, subresource, body, o = {}) =>
          (await call('POST', item(name, o.namespace ?? body.metadata?.namespace, subresource) + writeQuery(o), body)) as KObject,

        async delete(name, o = {}) {
          const { namespace, ...options } = o;
          const body: DeleteOptions = { kind: 'DeleteOptions', apiVersion: 'v1', ...options };
          const answer = (await call('DELETE', item(name, namespace), body)) as KObject;
          if (answer?.kind === 'Status') {
            // Most kinds answer a finished delete with a Status naming what went.
            const details = (answer as Status).details;
            return { object: { metadata: { name: details?.name ?? name, uid: details?.uid, namespace } } as T, deleted: true };
          }
          return { object: answer as T, deleted: wasRemoved(answer, options) };
        },
      };
    },
  };
}

/**
 * Whether a delete that answered with the object removed it. The object comes back as it was
 * left: marked for deletion (finalizers or a grace period pending) or as it was before removal.
 */
function wasRemoved(obj: KObject, options: DeleteOptions): boolean {
  const meta = obj.metadata ?? {};
  if (!meta.deletionTimestamp) return true;
  return options.gracePeriodSeconds === 0 && !(meta.finalizers?.length);
}

function listQuery(o: ListOptions, extra: Record<string, string | undefined> = {}): string {
  return query({
    labelSelector: o.labelSelector, fieldSelector: o.fieldSelector,
    limit: o.limit ? String(o.limit) : undefined, continue: o.continue, resourceVersion: o.resourceVersion,
    ...extra,
  });
}

function query(params: Record<string, string | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, v);
  const s = q.toString();
  return s ? `?${s}` : '';
}

function readAll(res: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    res.on('error', reject);
  });
}
