// Hands an exec/attach/port-forward upgrade on to containerd's stream server: the CRI gave a
// one-time URL on 127.0.0.1; the client's request (SPDY/3.1 or WebSocket) goes there with its
// upgrade headers and the connection is piped byte for byte both ways, the 101 answer included.
import type { IncomingMessage } from 'node:http';
import { connect } from 'node:net';
import type { Duplex } from 'node:stream';

// Headers that concern only the hop from the API server to the agent.
const HOP_HEADERS = new Set(['host', 'authorization', 'proxy-authorization']);

export function proxyUpgradeTo(streamUrl: string, req: IncomingMessage, client: Duplex, head: Buffer): void {
  const url = new URL(streamUrl);
  // WebSocket port-forward needs the client's `?port=`; the stream server ignores other queries.
  const clientQuery = new URL(req.url ?? '/', 'http://agent').search;
  const path = `${url.pathname}${url.search || clientQuery}`;
  const upstream = connect(Number(url.port || 80), url.hostname);
  const lines = [`${req.method ?? 'GET'} ${path} HTTP/1.1`, `Host: ${url.host}`];
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    if (!HOP_HEADERS.has(req.rawHeaders[i].toLowerCase())) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
  }
  upstream.write(lines.join('\r\n') + '\r\n\r\n');
  if (head.length) upstream.write(head);
  upstream.pipe(client);
  client.pipe(upstream);
  const destroy = () => { upstream.destroy(); client.destroy(); };
  upstream.on('error', destroy);
  client.on('error', destroy);
  upstream.on('close', destroy);
  client.on('close', destroy);
}

/** A plain-text HTTP answer on a socket that was going to be upgraded. */
export function writeRawError(socket: Duplex, status: number, message: string): void {
  const body = Buffer.from(message);
  const reason = { 400: 'Bad Request', 401: 'Unauthorized', 404: 'Not Found', 500: 'Internal Server Error' }[status] ?? 'Error';
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${message}`);
}
