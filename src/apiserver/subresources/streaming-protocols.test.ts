import { test } from 'node:test';
import assert from 'node:assert/strict';
import zlib from 'node:zlib';
import { once } from 'node:events';
import { createServer, type IncomingMessage } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { PassThrough, type Duplex } from 'node:stream';
import { WebSocket } from 'ws';
import { deflateLiterals, spdyClientSession } from './spdy-client.ts';
import { acceptWebSocket, offeredSubprotocols, type WebSocketConnection } from './websocket.ts';

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

/** An HTTP server on loopback whose upgrades become WebSocket connections speaking `protocol`. */
async function webSocketServer(protocol: string, onConnection: (ws: WebSocketConnection, req: IncomingMessage) => void): Promise<{ url: string; close: () => void }> {
  const server = createServer();
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => onConnection(acceptWebSocket(req, socket, head, protocol), req));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return { url: `ws://127.0.0.1:${port}/`, close: () => server.close() };
}

test('the WebSocket server picks the subprotocol, passes binary messages both ways, pongs and closes', async () => {
  const serverSide: Array<[Buffer, boolean]> = [];
  let closedOnServer = false;
  let offered: string[] = [];
  const srv = await webSocketServer('v5.channel.k8s.io', (ws, req) => {
    offered = offeredSubprotocols(req);
    ws.onClose(() => { closedOnServer = true; });
    ws.onMessage((data, binary) => {
      serverSide.push([data, binary]);
      if (data[0] === 0) ws.send(Buffer.concat([Buffer.from([1]), data.subarray(1)]));
      else ws.close(1000);
    });
  });
  try {
    const client = new WebSocket(srv.url, ['v5.channel.k8s.io', 'v4.channel.k8s.io']);
    await once(client, 'open');
    assert.deepEqual(offered, ['v5.channel.k8s.io', 'v4.channel.k8s.io']);
    assert.equal(client.protocol, 'v5.channel.k8s.io');

    client.send(Buffer.from([0, 0x61]));
    const [reply, replyBinary] = await once(client, 'message');
    assert.deepEqual(reply, Buffer.from([1, 0x61]));
    assert.equal(replyBinary, true);
    assert.deepEqual(serverSide, [[Buffer.from([0, 0x61]), true]]);

    client.ping(Buffer.from('p'));
    const [pong] = await once(client, 'pong');
    assert.deepEqual(pong, Buffer.from('p'));

    // A message split into frames arrives whole.
    client.send(Buffer.from([2]), { fin: false });
    client.send(Buffer.from('xy'), { fin: true });
    const [code] = await once(client, 'close');
    assert.equal(code, 1000);
    assert.deepEqual(serverSide[1], [Buffer.from([2, 0x78, 0x79]), true]);
    await new Promise((r) => setImmediate(r));
    assert.equal(closedOnServer, true);
  } finally {
    srv.close();
  }
});

/** Sends a raw upgrade request and returns everything the server answered before closing. */
async function rawHandshake(url: string, headerLines: string[]): Promise<string> {
  const socket = connect(Number(new URL(url).port), '127.0.0.1');
  socket.end(['GET / HTTP/1.1', 'Host: x', 'Connection: Upgrade', 'Upgrade: websocket', ...headerLines, '', ''].join('\r\n'));
  const chunks: Buffer[] = [];
  socket.on('data', (d: Buffer) => chunks.push(d));
  await once(socket, 'close');
  return Buffer.concat(chunks).toString('latin1');
}

test('the WebSocket handshake accepts kubectl\'s port-forward tunnel protocol and refuses a malformed request', async () => {
  let conn: WebSocketConnection | undefined;
  const srv = await webSocketServer('SPDY/3.1+portforward.k8s.io', (ws) => { conn = ws; });
  try {
    // Not an RFC 7230 token ('/'), yet kubectl 1.31+ offers exactly this.
    const tunnel = await rawHandshake(srv.url, ['Sec-WebSocket-Version: 13', 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==', 'Sec-WebSocket-Protocol: SPDY/3.1+portforward.k8s.io']);
    // RFC 6455's example key and answer.
    assert.match(tunnel, /^HTTP\/1\.1 101 Switching Protocols\r\n[\s\S]*Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK\+xOo=\r\n[\s\S]*Sec-WebSocket-Protocol: SPDY\/3\.1\+portforward\.k8s\.io\r\n/);

    const missingKey = await rawHandshake(srv.url, ['Sec-WebSocket-Version: 13']);
    assert.match(missingKey, /^HTTP\/1\.1 400 /);
    assert.equal(conn?.closed, true);
    let notified = false;
    conn?.onClose(() => { notified = true; });
    assert.equal(notified, true);
  } finally {
    srv.close();
  }
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
