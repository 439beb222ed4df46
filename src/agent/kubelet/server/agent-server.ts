// The agent's HTTPS server (upstream kubelet's port 10250 API): container logs, and exec, attach
// and port-forward handed on to containerd's stream server. Only clients presenting a
// certificate signed by the cluster CA (the API server) get in.
import { createServer } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import type { CriClient } from '../../runtime/cri-client.ts';
import type { Logger } from '../../../cli/log.ts';
import { AgentError, findReadySandbox, findRunningContainer } from './cri-lookup.ts';
import { serveContainerLogs } from './container-logs.ts';
import { proxyUpgradeTo, writeRawError } from './stream-proxy.ts';

export interface AgentRoute { prefix: string; handle(req: IncomingMessage, res: ServerResponse): void }

export interface AgentServerOptions {
  cri: CriClient;
  agentDir: string;
  tls: { cert: string; key: string };
  /** PEM: only clients with a certificate signed by it (the API server) get in. */
  clientCa: string;
  log: Logger;
  /** More handlers by path prefix (the metrics part adds /stats/...). */
  extraRoutes?: AgentRoute[];
}

export interface AgentServer { port: number; close(): Promise<void> }

type StreamRoute =
  | { kind: 'exec' | 'attach'; ns: string; pod: string; container: string }
  | { kind: 'portForward'; ns: string; pod: string };

/** Parses /exec|attach/{ns}/{pod}/{container} and /portForward/{ns}/{pod}. */
export function parseStreamRoute(pathname: string): StreamRoute | undefined {
  const parts = pathname.split('/').filter(Boolean).map(decodeURIComponent);
  if ((parts[0] === 'exec' || parts[0] === 'attach') && parts.length === 4) {
    return { kind: parts[0], ns: parts[1], pod: parts[2], container: parts[3] };
  }
  // Upstream also accepts a trailing pod UID segment; skiff's pods are found by name.
  if (parts[0] === 'portForward' && (parts.length === 3 || parts.length === 4)) return { kind: 'portForward', ns: parts[1], pod: parts[2] };
  return undefined;
}

export async function startAgentServer(o: AgentServerOptions, port: number, host: string): Promise<AgentServer> {
  const server = createServer({
    cert: o.tls.cert, key: o.tls.key, ca: o.clientCa, requestCert: true, rejectUnauthorized: false,
  });
  const authorized = (req: IncomingMessage) => (req.socket as TLSSocket).authorized === true;

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    handleRequest(req, res).catch((err) => {
      const status = err instanceof AgentError ? err.status : 500;
      if (status >= 500) o.log.warn('agent request failed', { url: req.url, error: (err as Error)?.message ?? String(err) });
      if (res.headersSent) { res.destroy(); return; }
      res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end((err as Error)?.message ?? String(err));
    });
  });

  // Upgraded connections leave the HTTP server's bookkeeping: close() ends them itself.
  const upgraded = new Set<Duplex>();
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    upgraded.add(socket);
    socket.on('close', () => upgraded.delete(socket));
    socket.on('error', () => socket.destroy());
    handleUpgrade(req, socket, head).catch((err) => {
      const status = err instanceof AgentError ? err.status : 500;
      if (status >= 500 && !(err instanceof AgentError)) o.log.warn('agent stream failed', { url: req.url, error: (err as Error)?.message ?? String(err) });
      writeRawError(socket, status, (err as Error)?.message ?? String(err));
    });
  });

  async function handleRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!authorized(req)) throw new AgentError(401, 'Unauthorized');
    const url = new URL(req.url ?? '/', 'https://agent');
    const path = url.pathname;
    if (path === '/healthz') { res.writeHead(200, { 'Content-Type': 'text/plain' }); res.end('ok'); return; }
    const logs = /^\/containerLogs\/([^/]+)\/([^/]+)\/([^/]+)\/?$/.exec(path);
    if (logs) {
      if (req.method !== 'GET' && req.method !== 'HEAD') throw new AgentError(405, 'Method Not Allowed');
      const [ns, pod, container] = logs.slice(1).map(decodeURIComponent);
      return serveContainerLogs(o.cri, ns, pod, container, url.searchParams, req, res);
    }
    for (const route of o.extraRoutes ?? []) {
      if (path.startsWith(route.prefix)) return route.handle(req, res);
    }
    if (parseStreamRoute(path)) throw new AgentError(400, 'Upgrade request required');
    throw new AgentError(404, '404 page not found');
  }

  async function handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    if (!authorized(req)) throw new AgentError(401, 'Unauthorized');
    const url = new URL(req.url ?? '/', 'https://agent');
    const route = parseStreamRoute(url.pathname);
    if (!route) throw new AgentError(404, '404 page not found');
    const q = url.searchParams;
    const flag = (k: string) => q.get(k) === '1' || q.get(k) === 'true';
    let streamUrl: string;
    if (route.kind === 'portForward') {
      const sandbox = await findReadySandbox(o.cri, route.ns, route.pod);
      const ports = q.getAll('port').map(Number).filter((p) => Number.isInteger(p) && p > 0 && p < 65536);
      streamUrl = (await o.cri.portForward({ podSandboxId: sandbox.id, port: ports })).url;
    } else {
      const container = await findRunningContainer(o.cri, route.ns, route.pod, route.container);
      const tty = flag('tty');
      // With a terminal, stderr is merged into stdout.
      const streams = { stdin: flag('stdin'), stdout: flag('stdout'), stderr: flag('stderr') && !tty, tty };
      if (route.kind === 'exec') {
        const cmd = q.getAll('command');
        if (!cmd.length) throw new AgentError(400, 'missing command');
        streamUrl = (await o.cri.exec({ containerId: container.id, cmd, ...streams })).url;
      } else {
        streamUrl = (await o.cri.attach({ containerId: container.id, ...streams })).url;
      }
    }
    o.log.debug('stream', { kind: route.kind, ns: route.ns, pod: route.pod });
    proxyUpgradeTo(streamUrl, req, socket, head);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => { server.off('error', reject); resolve(); });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
      for (const s of upgraded) s.destroy();
    }),
  };
}

export { agentServingCert } from './serving-cert.ts';
