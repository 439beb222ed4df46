// The HTTP GET that httpGet probes and httpGet lifecycle hooks send, built and sent as the
// upstream kubelet does: URL from scheme/host/port/path (host defaults to the pod IP), the user's
// headers plus `User-Agent: kube-probe/1.32` and `Accept: */*`, no keep-alive, no proxy, TLS
// without verification, redirects followed only to the same host (at most 10 requests), one
// deadline for the whole exchange, and at most 10 KiB of body read. Failures read as Go's
// net/http errors, e.g. `Get "http://10.42.0.5:8080/ready": dial tcp 10.42.0.5:8080: connect: connection refused`.
import http from 'node:http';
import https from 'node:https';
import type { Container, HTTPGetAction } from 'kubernetes-types/core/v1';
import { goDialError, goQuote, joinHostPort } from './go-text.ts';
import { resolveContainerPort } from './port.ts';
import { KUBE_VERSION } from './types.ts';

/** Upstream reads at most this much of a probe response body. */
export const MAX_BODY_BYTES = 10 * 1024;
const MAX_REQUESTS = 10;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

export interface HttpGetRequest {
  /** As Go's URL.String() renders it (used in messages). */
  url: string;
  /** Canonical header names (Go's http.Header), several values each. */
  headers: Record<string, string[]>;
}

export type HttpGetResponse =
  | { ok: true; status: number; body: string; /** set when the body could not be read in time */ bodyError?: string }
  | { ok: false; error: string };

/** Go's textproto.CanonicalMIMEHeaderKey: `x-custom-header` → `X-Custom-Header`. */
export function canonicalHeaderName(name: string): string {
  if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(name)) return name;
  return name.toLowerCase().replace(/(^|-)([a-z])/g, (_m, dash: string, c: string) => dash + c.toUpperCase());
}

/** Builds the request for an HTTPGetAction; throws when the port cannot be resolved. */
export function buildHttpGetRequest(action: HTTPGetAction, container: Container, podIP: string, purpose: 'probe' | 'lifecycle'): HttpGetRequest {
  const scheme = (action.scheme ?? '').toLowerCase() || 'http';
  const host = action.host || podIP;
  const port = resolveContainerPort(action.port, container);
  let path = action.path ?? '';
  if (path !== '' && !path.startsWith('/')) path = '/' + path;
  const headers: Record<string, string[]> = {};
  for (const h of action.httpHeaders ?? []) (headers[canonicalHeaderName(h.name)] ??= []).push(h.value);
  if (!('User-Agent' in headers)) headers['User-Agent'] = [`kube-${purpose}/${KUBE_VERSION}`];
  if (!('Accept' in headers)) headers['Accept'] = ['*/*'];
  else if ((headers['Accept'][0] ?? '') === '') delete headers['Accept'];
  return { url: `${scheme}://${joinHostPort(host, port)}${path}`, headers };
}

/** Sends the GET, following same-host redirects, within timeoutMs overall. Never rejects. */
export async function sendHttpGet(request: HttpGetRequest, timeoutMs: number): Promise<HttpGetResponse> {
  let current: URL;
  try {
    current = new URL(request.url);
  } catch (err) {
    return { ok: false, error: `parse ${goQuote(request.url)}: ${(err as Error).message}` };
  }
  if (current.protocol !== 'http:' && current.protocol !== 'https:') {
    return { ok: false, error: `Get ${goQuote(request.url)}: unsupported protocol scheme ${goQuote(current.protocol.slice(0, -1))}` };
  }
  const firstHost = current.hostname;
  const deadline = Date.now() + timeoutMs;
  let shownUrl = request.url;
  for (let sent = 1; ; sent++) {
    const res = await getOnce(current, request.headers, deadline);
    if ('error' in res) return { ok: false, error: `Get ${goQuote(shownUrl)}: ${res.error}` };
    if (!REDIRECT_STATUSES.has(res.status) || res.location === undefined || res.bodyError) {
      return { ok: true, status: res.status, body: res.body, ...(res.bodyError ? { bodyError: res.bodyError } : {}) };
    }
    let next: URL;
    try {
      next = new URL(res.location, current);
    } catch (err) {
      return { ok: false, error: `Get ${goQuote(shownUrl)}: failed to parse Location header ${goQuote(res.location)}: ${(err as Error).message}` };
    }
    // A redirect to another host ends the exchange with the redirect itself (a probe warning).
    if (next.hostname !== firstHost) return { ok: true, status: res.status, body: res.body };
    if (sent >= MAX_REQUESTS) return { ok: false, error: `Get ${goQuote(res.location)}: stopped after 10 redirects` };
    current = next;
    shownUrl = next.href;
  }
}

type OnceResult = { status: number; location?: string; body: string; bodyError?: string } | { error: string };

function getOnce(url: URL, headers: Record<string, string[]>, deadline: number): Promise<OnceResult> {
  return new Promise((resolve) => {
    let settled = false;
    let readingBody = false;
    let timedOut = false;
    const hostname = url.hostname.replace(/^\[|\]$/g, '');
    const port = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
    const outHeaders: Record<string, string | string[]> = {};
    for (const [name, values] of Object.entries(headers)) {
      if (name === 'Host') {
        if (values[0]) outHeaders['Host'] = values[0]; // Go sends only the first Host value
      } else outHeaders[name] = values;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (r: OnceResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(r);
      req.destroy();
    };
    const bodyText = () => Buffer.concat(chunks).subarray(0, MAX_BODY_BYTES).toString('utf8');
    const options: https.RequestOptions = {
      method: 'GET', hostname, port, path: url.pathname + url.search, headers: outHeaders,
      agent: false, rejectUnauthorized: false,
    };
    const req = (url.protocol === 'https:' ? https : http).request(options, (res) => {
      readingBody = true;
      const location = res.headers.location;
      const done = (bodyError?: string) =>
        finish({ status: res.statusCode ?? 0, ...(location !== undefined ? { location } : {}), body: bodyText(), ...(bodyError ? { bodyError } : {}) });
      res.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        size += chunk.length;
        if (size >= MAX_BODY_BYTES) done(); // the rest is not worth reading
      });
      res.on('end', () => done());
      res.on('error', (err) => done(timedOut ? 'context deadline exceeded (Client.Timeout or context cancellation while reading body)' : err.message));
      res.on('aborted', () => done(timedOut ? 'context deadline exceeded (Client.Timeout or context cancellation while reading body)' : 'unexpected EOF'));
    });
    req.on('error', (err: NodeJS.ErrnoException) => {
      if (readingBody) return; // the response handlers report body failures
      if (timedOut) return finish({ error: 'context deadline exceeded (Client.Timeout exceeded while awaiting headers)' });
      finish({ error: transportError(err, hostname, port, req) });
    });
    const timer = setTimeout(() => {
      timedOut = true;
      if (readingBody) finish({ status: 0, body: bodyText(), bodyError: 'context deadline exceeded (Client.Timeout or context cancellation while reading body)' });
      else finish({ error: 'context deadline exceeded (Client.Timeout exceeded while awaiting headers)' });
    }, Math.max(0, deadline - Date.now()));
    req.end();
  });
}

function transportError(err: NodeJS.ErrnoException, host: string, port: number, req: http.ClientRequest): string {
  // Node says "socket hang up" when the server closed without answering; Go says EOF.
  if (err.message === 'socket hang up') return 'EOF';
  if (err.code === 'ECONNRESET' && req.socket?.localAddress) {
    const local = joinHostPort(req.socket.localAddress, req.socket.localPort ?? 0);
    return `read tcp ${local}->${joinHostPort(host, port)}: read: connection reset by peer`;
  }
  if (err.syscall === 'connect' || err.syscall === 'getaddrinfo' || err.code === 'ECONNREFUSED') {
    return goDialError(joinHostPort(host, port), err);
  }
  return err.message;
}
