// The HTTPS front of the API server: TLS and authentication, the non-resource endpoints
// (version, health, discovery, OpenAPI) and the hand-off of resource requests to the REST handler.
import { createServer, type Server } from 'node:https';
import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { AddressInfo } from 'node:net';
import { ApiError, asApiError, unauthorized } from '../machinery/errors.ts';
import type { ResourceIndex } from './resource-index.ts';
import type { GenericRegistry } from './generic-registry.ts';
import { authenticate, type TokenAuthenticator } from './authn.ts';
import { requestInfo } from './request-info.ts';
import { handleResource, sendJson } from './rest-handler.ts';
import { aggregatedDiscovery, apiGroup, apiGroupList, apiResourceList, apiVersions } from './discovery.ts';
import { parseMediaTypes } from './negotiation.ts';
import { createOpenApi } from './openapi.ts';
import type { Logger } from '../cli/log.ts';
import type { ServiceAccountTokens } from './serviceaccount-tokens.ts';
import { createMetricsApi, METRICS_PREFIX } from './metrics/metrics-api.ts';
import type { KubeletClientTls } from './metrics/kubelet-get.ts';
import { isPodProxyRequest, servePodProxyRequest, servePodProxyUpgrade } from './subresources/pod-proxy.ts';

export const KUBERNETES_VERSION = { major: '1', minor: '32', gitVersion: 'v1.32.0+skiff' };

export interface ApiServerOptions {
  index: ResourceIndex;
  registry: GenericRegistry;
  tls: { cert: string; key: string; ca: string };
  tokens: TokenAuthenticator[];
  log: Logger;
  /** Readiness checks: each returns undefined when ready, or why not. */
  readyChecks?: Array<{ name: string; check(): string | undefined }>;
  /** How the API server reaches node agents (metrics); without a client cert it presents none. */
  kubeletClient?: KubeletClientTls;
  /** Serves serviceaccounts/token (TokenRequest) with these keys. */
  serviceAccountTokens?: ServiceAccountTokens;
}

export interface ApiServer {
  server: Server;
  listen(port: number, host: string): Promise<AddressInfo>;
  close(): Promise<void>;
}

const PUBLIC_PATHS = new Set(['/healthz', '/livez', '/readyz', '/version', '/cacerts']);

export function createApiServer(opts: ApiServerOptions): ApiServer {
  const openapi = createOpenApi(opts.index);
  const metrics = createMetricsApi({ registry: opts.registry, index: opts.index, kubeletTls: opts.kubeletClient });
  const server = createServer({
    cert: opts.tls.cert, key: opts.tls.key, ca: opts.tls.ca,
    requestCert: true, rejectUnauthorized: false,
  }, (req, res) => {
    handle(req, res).catch((err) => {
      const apiErr = asApiError(err);
      if (apiErr.code >= 500) opts.log.error('request failed', { method: req.method, url: req.url, error: (err as Error)?.stack ?? String(err) });
      if (res.headersSent) { res.destroy(); return; }
      sendJson(res, apiErr.code, apiErr.toStatus());
    });
  });
  server.keepAliveTimeout = 65_000;
  const podProxy = { index: opts.index, registry: opts.registry, kubeletClient: opts.kubeletClient ?? {}, log: opts.log };
  // exec, attach and portforward arrive as HTTP upgrades (SPDY or WebSocket); the same
  // authentication applies, and errors are written as a plain HTTP answer on the socket.
  // Upgraded connections leave the HTTP server's bookkeeping: close() ends them itself.
  const upgraded = new Set<Duplex>();
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    upgraded.add(socket);
    socket.on('close', () => upgraded.delete(socket));
    socket.on('error', () => socket.destroy());
    handleUpgrade(req, socket, head).catch((err) => {
      const apiErr = asApiError(err);
      if (apiErr.code >= 500) opts.log.error('upgrade request failed', { method: req.method, url: req.url, error: (err as Error)?.stack ?? String(err) });
      const body = JSON.stringify(apiErr.toStatus());
      socket.end(`HTTP/1.1 ${apiErr.code} ${STATUS_CODES[apiErr.code] ?? ''}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
    });
  });

  async function handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const url = new URL(req.url ?? '/', 'https://localhost');
    const path = url.pathname.replace(/\/+$/, '') || '/';
    if (!authenticate(req, opts.tokens)) throw unauthorized();
    const info = requestInfo(req.method ?? 'GET', path, url.searchParams);
    if (!isPodProxyRequest(info)) throw notFoundPath();
    return servePodProxyUpgrade(podProxy, info, url.searchParams, req, socket, head);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'https://localhost');
    const path = url.pathname.replace(/\/+$/, '') || '/';
    const user = authenticate(req, opts.tokens);
    if (!user && !PUBLIC_PATHS.has(path) && !/^\/(healthz|livez|readyz)\//.test(path)) throw unauthorized();

    if (path === '/version') return sendJson(res, 200, versionInfo());
    if (path === '/cacerts') {
      // k3s's join endpoint: the CA bundle, byte for byte, so agents can check it against their token's pin.
      res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': Buffer.byteLength(opts.tls.ca) });
      res.end(opts.tls.ca);
      return;
    }
    if (/^\/(healthz|livez|readyz)(\/|$)/.test(path)) return health(path, url.searchParams, res);
    if (path === '/api' || path === '/apis') return discoveryRoot(path === '/api', req, res);
    if (path === METRICS_PREFIX || path.startsWith(METRICS_PREFIX + '/')) return metrics.handle(req, res, path, url.searchParams);
    if (path.startsWith('/openapi/')) {
      if (openapi.handle(req, res, path, url.searchParams)) return;
      throw notFoundPath();
    }

    const info = requestInfo(req.method ?? 'GET', path, url.searchParams);
    if (!info.apiPrefix) throw notFoundPath();
    if (!info.isResourceRequest) {
      if (info.apiPrefix === 'apis' && !info.version) {
        const group = path.split('/')[2];
        if (!opts.index.groups.some((g) => g.group === group)) throw notFoundPath();
        return sendJson(res, 200, apiGroup(opts.index, group));
      }
      if (!opts.index.hasGroupVersion(info.group, info.version) || (info.apiPrefix === 'api') !== (info.group === '')) throw notFoundPath();
      return sendJson(res, 200, apiResourceList(opts.index, info.group, info.version));
    }
    if (!opts.index.hasGroupVersion(info.group, info.version) || (info.apiPrefix === 'api') !== (info.group === '')) throw notFoundPath();
    if (isPodProxyRequest(info)) return servePodProxyRequest(podProxy, info, url.searchParams, req, res);
    return handleResource({ index: opts.index, registry: opts.registry, serviceAccountTokens: opts.serviceAccountTokens }, info, req, res, url.searchParams, user!);
  }

  function discoveryRoot(legacy: boolean, req: IncomingMessage, res: ServerResponse) {
    for (const m of parseMediaTypes(req.headers.accept)) {
      if (m.params.g === 'apidiscovery.k8s.io' && m.params.as === 'APIGroupDiscoveryList' && (m.params.v === 'v2' || m.params.v === 'v2beta1')) {
        const body = JSON.stringify(aggregatedDiscovery(opts.index, legacy, m.params.v));
        res.writeHead(200, {
          'Content-Type': `application/json;g=apidiscovery.k8s.io;v=${m.params.v};as=APIGroupDiscoveryList`,
          'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-cache, private',
        });
        res.end(body);
        return;
      }
      if (m.type === 'application/json' && !m.params.as) break;
    }
    const address = `${req.socket.localAddress?.replace(/^::ffff:/, '')}:${req.socket.localPort}`;
    return sendJson(res, 200, legacy ? apiVersions(address) : apiGroupList(opts.index));
  }

  function health(path: string, query: URLSearchParams, res: ServerResponse) {
    const checks = [{ name: 'ping', check: () => undefined as string | undefined }, ...(path.startsWith('/readyz') ? opts.readyChecks ?? [] : [])];
    const sub = path.split('/')[2];
    const selected = sub ? checks.filter((c) => c.name === sub) : checks;
    if (sub && !selected.length) throw notFoundPath();
    const results = selected.map((c) => ({ name: c.name, why: c.check() }));
    const ok = results.every((r) => !r.why);
    let text: string;
    if (query.has('verbose') || !ok) {
      text = results.map((r) => (r.why ? `[-]${r.name} failed: reason withheld` : `[+]${r.name} ok`)).join('\n') + '\n';
      text += ok ? `${path.slice(1).split('/')[0]} check passed\n` : `${path.slice(1).split('/')[0]} check failed\n`;
    } else {
      text = 'ok';
    }
    res.writeHead(ok ? 200 : 500, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff', 'Content-Length': Buffer.byteLength(text) });
    res.end(text);
  }

  return {
    server,
    listen(port, host) {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve(server.address() as AddressInfo);
        });
      });
    },
    close() {
      return new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        for (const socket of upgraded) socket.destroy();
      });
    },
  };
}

function notFoundPath(): ApiError {
  return new ApiError(404, 'NotFound', 'the server could not find the requested resource');
}

function versionInfo() {
  return {
    ...KUBERNETES_VERSION,
    gitCommit: '0000000000000000000000000000000000000000',
    gitTreeState: 'clean',
    buildDate: '2026-11-25T00:00:00Z',
    goVersion: `node${process.versions.node}`,
    compiler: 'skiff',
    platform: `linux/${process.arch === 'x64' ? 'amd64' : process.arch}`,
  };
}
