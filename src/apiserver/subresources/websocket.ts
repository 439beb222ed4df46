// The server side of a WebSocket for the streaming subresources, on top of the `ws` package: the
// API server terminates kubectl's WebSocket itself where containerd cannot speak what kubectl
// asks for. This file only adapts `ws` to the small callback interface the stream code uses.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';

// Streams never need bigger messages; a peer sending one is broken or hostile.
const MAX_MESSAGE = 64 * 1024 * 1024;

export function isWebSocketRequest(req: IncomingMessage): boolean {
  return (req.headers.upgrade ?? '').toLowerCase() === 'websocket';
}

/** The subprotocols the client offers, in its order of preference. */
export function offeredSubprotocols(req: IncomingMessage): string[] {
  const raw = req.headers['sec-websocket-protocol'];
  const text = Array.isArray(raw) ? raw.join(',') : raw ?? '';
  return text.split(',').map((p) => p.trim()).filter(Boolean);
}

export interface WebSocketConnection {
  readonly protocol: string;
  /** Called once per complete message. */
  onMessage(cb: (data: Buffer, binary: boolean) => void): void;
  /** Called once, when the connection is gone (closed by either side or broken). */
  onClose(cb: () => void): void;
  send(data: Buffer, binary?: boolean): void;
  /** Starts the closing handshake; the socket ends once the client answers (or times out). */
  close(code?: number, reason?: string): void;
  readonly closed: boolean;
}

/**
 * Completes the handshake (101, answering with `protocol`) on the upgraded socket and returns the
 * connection. A malformed handshake is refused with a 4xx by `ws`; the connection returned then
 * is already closed, so the caller's onClose cleanup runs.
 */
export function acceptWebSocket(req: IncomingMessage, socket: Duplex, head: Buffer, protocol: string): WebSocketConnection {
  // One server per connection: it holds no sockets (noServer, no tracking) and the answer is a
  // plain closure.
  const server = new WebSocketServer({ noServer: true, clientTracking: false, perMessageDeflate: false, maxPayload: MAX_MESSAGE });
  // ws parses Sec-WebSocket-Protocol as RFC 7230 tokens and refuses the '/' in kubectl's
  // `SPDY/3.1+portforward.k8s.io`. The caller has already chosen from offeredSubprotocols, so ws
  // sees the request without that header and the answer is added to its response here.
  const { 'sec-websocket-protocol': _offered, ...headers } = req.headers;
  const request = Object.create(req, { headers: { value: headers } }) as IncomingMessage;
  server.on('headers', (lines: string[]) => { if (protocol) lines.push(`Sec-WebSocket-Protocol: ${protocol}`); });
  let accepted: WebSocket | undefined;
  // ws calls back synchronously when no verifyClient is set, and not at all when it refuses.
  server.handleUpgrade(request, socket, head, (ws) => { accepted = ws; });
  return accepted ? wrap(accepted, protocol) : closedConnection(protocol);
}

function wrap(ws: WebSocket, protocol: string): WebSocketConnection {
  let closed = false;
  const closeCbs: Array<() => void> = [];
  // Protocol errors close the connection; 'close' follows, which is all the caller needs.
  ws.on('error', () => {});
  ws.on('close', () => {
    closed = true;
    for (const cb of closeCbs.splice(0)) cb();
  });
  return {
    protocol,
    onMessage(cb) {
      // binaryType is 'nodebuffer', so every message arrives as one Buffer.
      ws.on('message', (data, isBinary) => cb(data as Buffer, isBinary));
    },
    onClose(cb) { if (closed) cb(); else closeCbs.push(cb); },
    send(data, binary = true) { if (ws.readyState === ws.OPEN) ws.send(data, { binary }); },
    close(code = 1000, reason = '') { if (ws.readyState === ws.OPEN) ws.close(code, reason); },
    get closed() { return closed; },
  };
}

function closedConnection(protocol: string): WebSocketConnection {
  return {
    protocol,
    onMessage() {},
    onClose(cb) { cb(); },
    send() {},
    close() {},
    closed: true,
  };
}
