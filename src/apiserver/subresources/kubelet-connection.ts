// Connections from the API server to a node's kubelet: where it listens (from the Node object),
// TLS with the API server's kubelet-client certificate (the kubelet's self-signed serving
// certificate is not verified unless a CA is configured, as upstream's default), and a raw HTTP/1.1 request whose response
// head is parsed by hand so an upgraded connection can be handed on as a plain socket.
import { connect, type TLSSocket } from 'node:tls';
import { request } from 'node:https';
import type { IncomingMessage } from 'node:http';
import type { Node } from 'kubernetes-types/core/v1';
import { ApiError } from '../../machinery/errors.ts';

export interface KubeletClientCredentials {
  cert?: string;
  key?: string;
  /** A CA to verify the kubelet's serving certificate with; without one it is not verified. */
  ca?: string;
}
export interface KubeletTarget { host: string; port: number }

const DEFAULT_KUBELET_PORT = 10250;
// k3s's --kubelet-preferred-address-types.
const ADDRESS_PREFERENCE = ['InternalIP', 'ExternalIP', 'Hostname'];

/** Where the node's kubelet listens, or a 400 as upstream answers for a node without an address. */
export function kubeletTarget(node: Node): KubeletTarget {
  const addresses = node.status?.addresses ?? [];
  for (const type of ADDRESS_PREFERENCE) {
    const found = addresses.find((a) => a.type === type && a.address);
    if (found) {
      return { host: found.address, port: node.status?.daemonEndpoints?.kubeletEndpoint?.Port || DEFAULT_KUBELET_PORT };
    }
  }
  throw new ApiError(400, 'BadRequest', `no preferred addresses found; known addresses: ${JSON.stringify(addresses)}`);
}

function hostForUrl(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/** A plain (non-upgrade) GET to the kubelet; the caller streams the response. */
export function kubeletGet(target: KubeletTarget, creds: KubeletClientCredentials, path: string, signal: AbortSignal): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = request({
      host: target.host, port: target.port, path, method: 'GET', cert: creds.cert, key: creds.key,
      ca: creds.ca, rejectUnauthorized: !!creds.ca, signal, headers: { Host: `${hostForUrl(target.host)}:${target.port}` },
    }, resolve);
    req.on('error', (err) => reject(unreachable(target, err)));
    req.end();
  });
}

export interface RawResponse {
  statusCode: number;
  headers: Record<string, string>;
  /** The response head exactly as received (status line through the blank line). */
  rawHead: Buffer;
  /** Bytes received after the head. */
  rest: Buffer;
}

/** Opens TLS to the kubelet and sends one request (with any upgrade headers the caller gives). */
export function dialKubelet(target: KubeletTarget, creds: KubeletClientCredentials): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = connect({
      host: target.host, port: target.port, cert: creds.cert, key: creds.key, ca: creds.ca, rejectUnauthorized: !!creds.ca,
      ALPNProtocols: ['http/1.1'], servername: /^[\d.:]+$/.test(target.host) ? undefined : target.host,
    });
    socket.once('secureConnect', () => { socket.off('error', onError); resolve(socket); });
    const onError = (err: Error) => reject(unreachable(target, err));
    socket.once('error', onError);
  });
}

export function writeRequest(socket: TLSSocket, target: KubeletTarget, method: string, path: string, headers: Array<[string, string]>): void {
  const lines = [`${method} ${path} HTTP/1.1`, `Host: ${hostForUrl(target.host)}:${target.port}`];
  for (const [name, value] of headers) lines.push(`${name}: ${value}`);
  socket.write(lines.join('\r\n') + '\r\n\r\n');
}

/** Reads a response head off the socket (and pauses it), leaving the socket ready to pipe. */
export function readResponseHead(socket: TLSSocket): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) {
        if (buf.length > 64 * 1024) fail(new Error('kubelet response head too large'));
        return;
      }
      cleanup();
      socket.pause();
      const rawHead = buf.subarray(0, end + 4);
      const [statusLine, ...headerLines] = rawHead.toString('latin1').split('\r\n').filter(Boolean);
      const headers: Record<string, string> = {};
      for (const l of headerLines) {
        const i = l.indexOf(':');
        if (i > 0) headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
      }
      resolve({ statusCode: Number(statusLine.split(' ')[1]), headers, rawHead, rest: buf.subarray(end + 4) });
    };
    const fail = (err: Error) => { cleanup(); socket.destroy(); reject(err); };
    const onEnd = () => fail(new Error('kubelet closed the connection before answering'));
    const onError = (err: Error) => fail(err);
    const cleanup = () => { socket.off('data', onData); socket.off('end', onEnd); socket.off('error', onError); };
    socket.on('data', onData);
    socket.once('end', onEnd);
    socket.once('error', onError);
  });
}

/** Reads the rest of a non-upgrade response body (bounded), for error messages. */
export function readBodyText(socket: TLSSocket, response: RawResponse, limit = 64 * 1024): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [response.rest];
    let size = response.rest.length;
    const wanted = response.headers['content-length'] !== undefined ? Number(response.headers['content-length']) : Infinity;
    const done = () => { socket.destroy(); resolve(Buffer.concat(chunks).subarray(0, Math.min(limit, wanted)).toString('utf8')); };
    if (size >= wanted) return done();
    socket.on('data', (c: Buffer) => {
      chunks.push(c);
      size += c.length;
      if (size >= wanted || size >= limit) done();
    });
    socket.once('end', done);
    socket.once('error', done);
    socket.resume();
  });
}

function unreachable(target: KubeletTarget, err: Error): ApiError {
  return new ApiError(500, 'InternalError', `error dialing backend: ${err.message} (${target.host}:${target.port})`);
}
