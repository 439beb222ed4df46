// A small server-side WebSocket (RFC 6455) for the streaming subresources: the handshake on an
// upgraded socket and a message codec (binary/text messages, ping→pong, close). The API server
// terminates kubectl's WebSocket itself where containerd cannot speak what kubectl asks for.
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const OP_CONTINUATION = 0x0;
const OP_TEXT = 0x1;
const OP_BINARY = 0x2;
const OP_CLOSE = 0x8;
const OP_PING = 0x9;
const OP_PONG = 0xa;
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
  /** Sends a close frame and ends the socket once it is written. */
  close(code?: number, reason?: string): void;
  readonly closed: boolean;
}

/** Completes the handshake (101) on the upgraded socket and returns the connection. */
export function acceptWebSocket(req: IncomingMessage, socket: Duplex, head: Buffer, protocol: string): WebSocketConnection {
  const key = String(req.headers['sec-websocket-key'] ?? '');
  const accept = createHash('sha1').update(key + GUID).digest('base64');
  socket.write([
    'HTTP/1.1 101 Switching Protocols', 'Upgrade: websocket', 'Connection: Upgrade',
    `Sec-WebSocket-Accept: ${accept}`, ...(protocol ? [`Sec-WebSocket-Protocol: ${protocol}`] : []), '', '',
  ].join('\r\n'));
  return wrapSocket(socket, head, protocol);
}

function wrapSocket(socket: Duplex, head: Buffer, protocol: string): WebSocketConnection {
  let buffered: Buffer = head.length ? Buffer.from(head) : Buffer.alloc(0);
  let fragments: Buffer[] = [];
  let fragmentBinary = true;
  let closed = false;
  let closeSent = false;
  const messageCbs: Array<(data: Buffer, binary: boolean) => void> = [];
  const closeCbs: Array<() => void> = [];

  const finish = () => {
    if (closed) return;
    closed = true;
    for (const cb of closeCbs) cb();
  };

  const writeFrame = (opcode: number, payload: Buffer) => {
    if (socket.destroyed || !socket.writable) return;
    const len = payload.length;
    const header = len < 126 ? Buffer.alloc(2) : len < 0x10000 ? Buffer.alloc(4) : Buffer.alloc(10);
    header[0] = 0x80 | opcode;
    if (len < 126) header[1] = len;
    else if (len < 0x10000) { header[1] = 126; header.writeUInt16BE(len, 2); } else { header[1] = 127; header.writeBigUInt64BE(BigInt(len), 2); }
    socket.write(Buffer.concat([header, payload]));
  };

  const conn: WebSocketConnection = {
    protocol,
    onMessage(cb) { messageCbs.push(cb); },
    onClose(cb) { if (closed) cb(); else closeCbs.push(cb); },
    send(data, binary = true) { if (!closeSent) writeFrame(binary ? OP_BINARY : OP_TEXT, data); },
    close(code = 1000, reason = '') {
      if (!closeSent) {
        closeSent = true;
        const payload = Buffer.alloc(2 + Buffer.byteLength(reason));
        payload.writeUInt16BE(code, 0);
        payload.write(reason, 2);
        writeFrame(OP_CLOSE, payload);
      }
      socket.end();
    },
    get closed() { return closed; },
  };

  const parse = () => {
    while (buffered.length >= 2) {
      const b0 = buffered[0];
      const b1 = buffered[1];
      const masked = (b1 & 0x80) !== 0;
      let len = b1 & 0x7f;
      let offset = 2;
      if (len === 126) {
        if (buffered.length < 4) return;
        len = buffered.readUInt16BE(2);
        offset = 4;
      } else if (len === 127) {
        if (buffered.length < 10) return;
        len = Number(buffered.readBigUInt64BE(2));
        offset = 10;
      }
      if (len > MAX_MESSAGE) { socket.destroy(); return; }
      const total = offset + (masked ? 4 : 0) + len;
      if (buffered.length < total) return;
      let payload = buffered.subarray(offset + (masked ? 4 : 0), total);
      if (masked) {
        const mask = buffered.subarray(offset, offset + 4);
        payload = Buffer.from(payload);
        for (let i = 0; i < payload.length; i++) payload[i] ^= mask[i & 3];
      }
      buffered = buffered.subarray(total);
      const fin = (b0 & 0x80) !== 0;
      const opcode = b0 & 0x0f;
      switch (opcode) {
        case OP_PING: writeFrame(OP_PONG, payload); break;
        case OP_PONG: break;
        case OP_CLOSE:
          if (!closeSent) { closeSent = true; writeFrame(OP_CLOSE, payload.subarray(0, 2)); }
          socket.end();
          finish();
          return;
        case OP_TEXT: case OP_BINARY: case OP_CONTINUATION: {
          if (opcode !== OP_CONTINUATION) { fragments = []; fragmentBinary = opcode === OP_BINARY; }
          fragments.push(Buffer.from(payload));
          if (fin) {
            const message = fragments.length === 1 ? fragments[0] : Buffer.concat(fragments);
            fragments = [];
            for (const cb of messageCbs) cb(message, fragmentBinary);
          }
          break;
        }
        default: socket.destroy(); return;
      }
    }
  };

  socket.on('data', (chunk: Buffer) => {
    buffered = buffered.length ? Buffer.concat([buffered, chunk]) : chunk;
    parse();
  });
  socket.on('close', finish);
  socket.on('end', () => { socket.end(); finish(); });
  socket.on('error', () => { socket.destroy(); finish(); });
  // The handshake's leftover bytes are parsed once the caller has attached its handlers.
  if (buffered.length) queueMicrotask(parse);
  return conn;
}
