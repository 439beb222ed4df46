import { test } from 'node:test';
import assert from 'node:assert/strict';
import zlib from 'node:zlib';
import { PassThrough } from 'node:stream';
import type { IncomingMessage } from 'node:http';
import { deflateLiterals, spdyClientSession } from './spdy-client.ts';
import { acceptWebSocket, offeredSubprotocols } from './websocket.ts';

test('SPDY header blocks form one zlib stream that inflates block by block', () => {
  const blocks = [Buffer.from('\x00\x00\x00\x01\x00\x00\x00\x0astreamtype\x00\x00\x00\x05error', 'latin1'), Buffer.from([0, 127, 128, 143, 144, 200, 255])];
  const inflate = zlib.createInflate();
  const chunks: Buffer[] = [];
  inflate.on('data', (d: Buffer) => chunks.push(d));
  const stream = [Buffer.from([0x78, 0x01, ...deflateLiterals(blocks[0])]), Buffer.from(deflateLiterals(blocks[1]))];
  // Each frame's block ends with a sync flush, so each inflates completely on its own.
  const first = zlib.inflateSync(stream[0], { finishFlush: zlib.constants.Z_SYNC_FLUSH });
  assert.deepEqual(first, blocks[0]);
  const both = zlib.inflateSync(Buffer.concat(stream), { finishFlush: zlib.constants.Z_SYNC_FLUSH });
  assert.deepEqual(both, Buffer.concat(blocks));
});

test('the SPDY client opens streams, sends data and FIN, answers pings and reads data frames', async () => {
  const wire = new PassThrough();
  const sent: Buffer[] = [];
  const socket = new PassThrough();
  socket.write = ((chunk: Buffer) => { sent.push(Buffer.from(chunk)); return true; }) as typeof socket.write;
  const session = spdyClientSession(socket);
  const stdin = session.openStream({ streamType: 'stdin' });
  const stdout = session.openStream({ streamType: 'stdout' });
  assert.equal(stdin.id, 1);
  assert.equal(stdout.id, 3);
  // SYN_STREAM: control bit, version 3, type 1, stream id in the payload.
  assert.equal(sent[0].readUInt16BE(0), 0x8003);
  assert.equal(sent[0].readUInt16BE(2), 1);
  assert.equal(sent[0].readUInt32BE(8), 1);
  stdin.write(Buffer.from('hi'));
  stdin.end();
  assert.deepEqual(sent[2], Buffer.from([0, 0, 0, 1, 0, 0, 0, 2, 0x68, 0x69]));
  assert.deepEqual(sent[3], Buffer.from([0, 0, 0, 1, 1, 0, 0, 0]));

  const got: string[] = [];
  let ended = false;
  stdout.onData((d) => got.push(d.toString()));
  stdout.onEnd(() => { ended = true; });
  const ping = Buffer.from([0x80, 0x03, 0x00, 0x06, 0, 0, 0, 4, 0, 0, 0, 7]);
  socket.emit('data', Buffer.concat([ping, Buffer.from([0, 0, 0, 3, 0, 0, 0, 3]), Buffer.from('out')]));
  socket.emit('data', Buffer.from([0, 0, 0, 3, 1, 0, 0, 0]));
  assert.deepEqual(sent[4], ping);
  assert.deepEqual(got, ['out']);
  assert.equal(ended, true);
  wire.destroy();
});

function mask(opcode: number, payload: Buffer): Buffer {
  const key = Buffer.from([1, 2, 3, 4]);
  const masked = Buffer.from(payload.map((b, i) => b ^ key[i & 3]));
  return Buffer.concat([Buffer.from([0x80 | opcode, 0x80 | payload.length]), key, masked]);
}

test('the WebSocket server answers the handshake, unmasks messages, pongs pings and frames what it sends', () => {
  const socket = new PassThrough();
  const written: Buffer[] = [];
  socket.write = ((chunk: Buffer | string) => { written.push(Buffer.from(chunk)); return true; }) as typeof socket.write;
  const req = { headers: { 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==', 'sec-websocket-protocol': 'v5.channel.k8s.io, v4.channel.k8s.io' } } as unknown as IncomingMessage;
  assert.deepEqual(offeredSubprotocols(req), ['v5.channel.k8s.io', 'v4.channel.k8s.io']);
  const ws = acceptWebSocket(req, socket, Buffer.alloc(0), 'v5.channel.k8s.io');
  // RFC 6455's example key and answer.
  assert.match(written[0].toString(), /^HTTP\/1\.1 101 Switching Protocols\r\n[\s\S]*Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK\+xOo=\r\nSec-WebSocket-Protocol: v5\.channel\.k8s\.io\r\n\r\n$/);
  const messages: Buffer[] = [];
  ws.onMessage((d) => messages.push(d));
  socket.emit('data', Buffer.concat([mask(0x2, Buffer.from([0, 0x61])), mask(0x9, Buffer.from('p'))]));
  assert.deepEqual(messages, [Buffer.from([0, 0x61])]);
  assert.deepEqual(written[1], Buffer.from([0x8a, 1, 0x70]));
  ws.send(Buffer.from([1, 0x62]));
  assert.deepEqual(written[2], Buffer.from([0x82, 2, 1, 0x62]));
});

test('the log request names the container instance the kubelet would show, or refuses as it does', async () => {
  const { logContainerId } = await import('./pod-proxy.ts');
  const now = '2026-01-01T00:00:00Z';
  const pod = (status: object) => ({ metadata: { name: 'p' }, status: { containerStatuses: [{ name: 'c', image: 'i', imageID: '', ready: false, restartCount: 1, ...status }] } });
  const terminated = (id: string) => ({ terminated: { exitCode: 1, containerID: id, startedAt: now, finishedAt: now } });
  const cases: Array<[string, object, boolean, string]> = [
    ['running', { containerID: 'containerd://a', state: { running: {} } }, false, 'a'],
    ['running, previous', { containerID: 'containerd://a', state: { running: {} }, lastState: terminated('containerd://b') }, true, 'b'],
    ['crash loop', { state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: terminated('containerd://b') }, false, 'b'],
    ['crash loop, previous', { state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: terminated('containerd://b') }, true, 'b'],
    ['terminated', { state: terminated('containerd://a') }, false, 'a'],
    ['no previous', { containerID: 'containerd://a', state: { running: {} } }, true, 'previous terminated container "c" in pod "p" not found'],
    ['creating', { state: { waiting: { reason: 'ContainerCreating' } } }, false, 'container "c" in pod "p" is waiting to start: ContainerCreating'],
    ['image pull', { state: { waiting: { reason: 'ErrImagePull' } } }, false, 'container "c" in pod "p" is waiting to start: image can\'t be pulled'],
    ['no state', {}, false, 'container "c" in pod "p" is waiting to start - no logs yet'],
  ];
  for (const [name, status, previous, want] of cases) {
    let got: string;
    try { got = logContainerId(pod(status) as never, 'c', previous); } catch (err) { got = (err as Error).message; }
    assert.equal(got, want, name);
  }
  assert.throws(() => logContainerId({ metadata: { name: 'p' }, status: {} }, 'c', false), /container "c" in pod "p" is not available/);
});
