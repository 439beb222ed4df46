// The client half of SPDY/3.1 as Kubernetes' remote command protocol uses it: the client opens
// one stream per channel (error, stdin, stdout, stderr, resize), writes stdin/resize and reads
// the rest. Just enough to translate kubectl's WebSocket v5 exec/attach into what the kubelet
// and containerd speak.
//
// Header blocks must be one zlib stream continued across frames. skiff writes each block as
// fixed-Huffman literals followed by a sync flush (what zlib emits with Z_SYNC_FLUSH), without
// a preset dictionary, which every zlib reader accepts; it never needs to read the server's
// header blocks (its replies only acknowledge streams).
import type { Duplex } from 'node:stream';

const VERSION = 3;
const SYN_STREAM = 1;
const SYN_REPLY = 2;
const RST_STREAM = 3;
const PING = 6;
const GOAWAY = 7;
const FLAG_FIN = 0x01;
const MAX_DATA_FRAME = 32 * 1024;

export interface SpdyStream {
  readonly id: number;
  write(data: Buffer): void;
  /** Half-closes our side (DATA with FIN): the peer reads EOF. */
  end(): void;
  onData(cb: (data: Buffer) => void): void;
  /** The peer finished (FIN) or reset the stream. */
  onEnd(cb: () => void): void;
}

export interface SpdyClientSession {
  openStream(headers: Record<string, string>): SpdyStream;
  /** Resolves when the connection has closed. */
  readonly closed: Promise<void>;
  close(): void;
}

interface StreamState {
  stream: SpdyStream;
  dataCbs: Array<(d: Buffer) => void>;
  endCbs: Array<() => void>;
  ended: boolean;
  pending: Buffer[];
}

/** Runs a SPDY client session on a connection whose HTTP upgrade has already succeeded. */
export function spdyClientSession(socket: Duplex, initial: Buffer = Buffer.alloc(0)): SpdyClientSession {
  let nextId = 1;
  let compressorStarted = false;
  const streams = new Map<number, StreamState>();
  let buffered = initial;
  let resolveClosed!: () => void;
  const closed = new Promise<void>((r) => { resolveClosed = r; });

  const send = (frame: Buffer) => { if (!socket.destroyed && socket.writable) socket.write(frame); };

  const controlFrame = (type: number, flags: number, payload: Buffer) => {
    const header = Buffer.alloc(8);
    header.writeUInt16BE(0x8000 | VERSION, 0);
    header.writeUInt16BE(type, 2);
    header.writeUInt32BE(payload.length, 4);
    header[4] = flags;
    return Buffer.concat([header, payload]);
  };

  const dataFrame = (id: number, flags: number, data: Buffer) => {
    const header = Buffer.alloc(8);
    header.writeUInt32BE(id & 0x7fffffff, 0);
    header.writeUInt32BE(data.length, 4);
    header[4] = flags;
    return Buffer.concat([header, data]);
  };

  const headerBlock = (headers: Record<string, string>) => {
    const parts: Buffer[] = [];
    const count = Buffer.alloc(4);
    count.writeUInt32BE(Object.keys(headers).length);
    parts.push(count);
    for (const [name, value] of Object.entries(headers)) {
      for (const s of [name.toLowerCase(), value]) {
        const len = Buffer.alloc(4);
        len.writeUInt32BE(Buffer.byteLength(s));
        parts.push(len, Buffer.from(s));
      }
    }
    const prefix = compressorStarted ? [] : [0x78, 0x01]; // the zlib header, once per session
    compressorStarted = true;
    return Buffer.from([...prefix, ...deflateLiterals(Buffer.concat(parts))]);
  };

  const endStream = (state: StreamState) => {
    if (state.ended) return;
    state.ended = true;
    for (const cb of state.endCbs) cb();
  };

  const onFrame = (frame: Buffer) => {
    const control = (frame[0] & 0x80) !== 0;
    const flags = frame[4];
    const payload = frame.subarray(8);
    if (!control) {
      const id = frame.readUInt32BE(0) & 0x7fffffff;
      const state = streams.get(id);
      if (!state) return;
      if (payload.length) {
        if (state.dataCbs.length) for (const cb of state.dataCbs) cb(Buffer.from(payload));
        else state.pending.push(Buffer.from(payload));
      }
      if (flags & FLAG_FIN) endStream(state);
      return;
    }
    const type = frame.readUInt16BE(2);
    switch (type) {
      case SYN_REPLY: {
        const state = streams.get(payload.readUInt32BE(0) & 0x7fffffff);
        if (state && flags & FLAG_FIN) endStream(state);
        break;
      }
      case RST_STREAM: {
        const state = streams.get(payload.readUInt32BE(0) & 0x7fffffff);
        if (state) endStream(state);
        break;
      }
      case PING: send(controlFrame(PING, 0, Buffer.from(payload))); break;
      case GOAWAY: break;
      default: break; // SETTINGS, HEADERS, WINDOW_UPDATE: nothing to do for a short-lived client
    }
  };

  socket.on('data', (chunk: Buffer) => {
    buffered = buffered.length ? Buffer.concat([buffered, chunk]) : chunk;
    while (buffered.length >= 8) {
      const len = buffered.readUInt32BE(4) & 0xffffff;
      if (buffered.length < 8 + len) break;
      const frame = buffered.subarray(0, 8 + len);
      buffered = buffered.subarray(8 + len);
      onFrame(frame);
    }
  });
  const finish = () => {
    for (const state of streams.values()) endStream(state);
    resolveClosed();
  };
  socket.on('close', finish);
  socket.on('end', () => { socket.end(); });
  socket.on('error', () => socket.destroy());

  return {
    openStream(headers) {
      const id = nextId;
      nextId += 2;
      const payload = Buffer.concat([Buffer.alloc(10), headerBlock(headers)]);
      payload.writeUInt32BE(id, 0);
      send(controlFrame(SYN_STREAM, 0, payload));
      const state: StreamState = {
        dataCbs: [], endCbs: [], ended: false, pending: [],
        stream: {
          id,
          write(data) {
            for (let off = 0; off < data.length; off += MAX_DATA_FRAME) send(dataFrame(id, 0, data.subarray(off, off + MAX_DATA_FRAME)));
          },
          end() { send(dataFrame(id, FLAG_FIN, Buffer.alloc(0))); },
          onData(cb) {
            state.dataCbs.push(cb);
            for (const d of state.pending.splice(0)) cb(d);
          },
          onEnd(cb) { if (state.ended) cb(); else state.endCbs.push(cb); },
        },
      };
      streams.set(id, state);
      return state.stream;
    },
    closed,
    close() { socket.end(); setTimeout(() => socket.destroy(), 1000).unref(); },
  };
}

/**
 * One non-final deflate block of fixed-Huffman literals, then an empty stored block (the sync
 * flush that byte-aligns the stream). A stored block with data must not end a frame: Go's
 * inflater would then read on into the next frame's bytes and fail.
 */
export function deflateLiterals(data: Buffer): number[] {
  const out: number[] = [];
  let cur = 0;
  let used = 0;
  const bit = (b: number) => {
    cur |= (b & 1) << used;
    if (++used === 8) { out.push(cur); cur = 0; used = 0; }
  };
  const bitsLsb = (value: number, count: number) => { for (let i = 0; i < count; i++) bit(value >> i); };
  const code = (value: number, count: number) => { for (let i = count - 1; i >= 0; i--) bit(value >> i); };
  bitsLsb(0, 1); // not the final block
  bitsLsb(1, 2); // fixed Huffman codes
  for (const byte of data) {
    if (byte < 144) code(0x30 + byte, 8);
    else code(0x190 + byte - 144, 9);
  }
  code(0, 7); // end of block
  bitsLsb(0, 3); // an empty stored block...
  if (used) { out.push(cur); cur = 0; used = 0; } // ...starts on a byte boundary
  out.push(0x00, 0x00, 0xff, 0xff);
  return out;
}
