// Moves the bytes of exec, attach and portforward between a client and the pod's kubelet.
//
// - SPDY/3.1 upgrades (kubectl 1.29, and the fallback of later ones) and WebSocket requests the
//   kubelet understands (channel protocols up to v4) go through byte for byte.
// - WebSocket `v5.channel.k8s.io` (kubectl 1.30+ exec/attach): containerd's stream server stops
//   at v4, which cannot half-close stdin (`kubectl exec -i … < file`, `kubectl cp` to a pod), so
//   the API server terminates the WebSocket and speaks SPDY to the kubelet, as upstream does.
// - WebSocket `SPDY/3.1+portforward.k8s.io` (kubectl 1.31+ port-forward): SPDY frames tunnelled
//   in binary messages; the API server unwraps them onto a plain SPDY upgrade to the kubelet.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import type { Logger } from '../../cli/log.ts';
import { dialKubelet, readResponseHead, writeRequest, type KubeletClientCredentials, type KubeletTarget, type RawResponse } from './kubelet-connection.ts';
import { acceptWebSocket, isWebSocketRequest, offeredSubprotocols } from './websocket.ts';
import { spdyClientSession, type SpdyStream } from './spdy-client.ts';

export type StreamKind = 'exec' | 'attach' | 'portforward';

export interface PodStreamTarget {
  kind: StreamKind;
  target: KubeletTarget;
  /** Path and query on the kubelet (/exec/ns/pod/container?command=…). */
  path: string;
  creds: KubeletClientCredentials;
  log: Logger;
}

const V5 = 'v5.channel.k8s.io';
const PORT_FORWARD_TUNNEL = 'SPDY/3.1+portforward.k8s.io';
const REMOTE_COMMAND_SPDY_PROTOCOLS = ['v4.channel.k8s.io', 'v3.channel.k8s.io', 'v2.channel.k8s.io', 'channel.k8s.io'];
// Channel numbers of the channel.k8s.io protocols.
const STDIN = 0;
const STDOUT = 1;
const STDERR = 2;
const ERROR = 3;
const RESIZE = 4;
const CLOSE_SIGNAL = 255;
// Request headers that belong to the client's hop to the API server only.
const HOP_HEADERS = new Set(['host', 'authorization', 'proxy-authorization', 'impersonate-user', 'impersonate-group', 'impersonate-uid']);

export async function proxyPodStream(t: PodStreamTarget, req: IncomingMessage, client: Duplex, head: Buffer): Promise<void> {
  if (isWebSocketRequest(req)) {
    const offered = offeredSubprotocols(req);
    if (t.kind === 'portforward' && offered.includes(PORT_FORWARD_TUNNEL)) return tunnelPortForward(t, req, client, head);
    if (t.kind !== 'portforward' && offered.includes(V5)) return translateRemoteCommand(t, req, client, head);
  }
  return passThrough(t, req, client, head);
}

/** Forwards the client's upgrade request to the kubelet and pipes both ways. */
async function passThrough(t: PodStreamTarget, req: IncomingMessage, client: Duplex, head: Buffer): Promise<void> {
  const kubelet = await dialKubelet(t.target, t.creds);
  const headers: Array<[string, string]> = [];
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    if (!HOP_HEADERS.has(req.rawHeaders[i].toLowerCase())) headers.push([req.rawHeaders[i], req.rawHeaders[i + 1]]);
  }
  writeRequest(kubelet, t.target, req.method ?? 'GET', t.path, headers);
  if (head.length) kubelet.write(head);
  pipeBoth(client, kubelet);
}

function pipeBoth(a: Duplex, b: Duplex): void {
  a.pipe(b);
  b.pipe(a);
  const destroy = () => { a.destroy(); b.destroy(); };
  a.on('error', destroy);
  b.on('error', destroy);
  a.on('close', destroy);
  b.on('close', destroy);
}

/** A SPDY upgrade to the kubelet; on refusal the kubelet's answer goes to the client as it is. */
async function spdyUpgrade(t: PodStreamTarget, protocols: string[], client: Duplex): Promise<{ kubelet: TLSSocket; response: RawResponse } | undefined> {
  const kubelet = await dialKubelet(t.target, t.creds);
  writeRequest(kubelet, t.target, 'POST', t.path, [
    ['Connection', 'Upgrade'], ['Upgrade', 'SPDY/3.1'], ['Content-Length', '0'],
    ...protocols.map((p): [string, string] => ['X-Stream-Protocol-Version', p]),
  ]);
  const response = await readResponseHead(kubelet);
  if (response.statusCode === 101) return { kubelet, response };
  client.write(response.rawHead);
  if (response.rest.length) client.write(response.rest);
  kubelet.pipe(client);
  kubelet.resume();
  kubelet.on('error', () => client.destroy());
  return undefined;
}

async function tunnelPortForward(t: PodStreamTarget, req: IncomingMessage, client: Duplex, head: Buffer): Promise<void> {
  const up = await spdyUpgrade(t, ['portforward.k8s.io'], client);
  if (!up) return;
  const { kubelet, response } = up;
  const ws = acceptWebSocket(req, client, head, PORT_FORWARD_TUNNEL);
  if (response.rest.length) ws.send(response.rest);
  ws.onMessage((data) => { if (!kubelet.destroyed) kubelet.write(data); });
  kubelet.on('data', (chunk: Buffer) => ws.send(chunk));
  kubelet.resume();
  ws.onClose(() => kubelet.destroy());
  kubelet.on('close', () => ws.close());
  kubelet.on('error', () => ws.close(1011));
}

async function translateRemoteCommand(t: PodStreamTarget, req: IncomingMessage, client: Duplex, head: Buffer): Promise<void> {
  const query = new URL(t.path, 'https://kubelet').searchParams;
  const tty = query.get('tty') === '1';
  const up = await spdyUpgrade(t, REMOTE_COMMAND_SPDY_PROTOCOLS, client);
  if (!up) return;
  const { kubelet, response } = up;
  const session = spdyClientSession(kubelet, response.rest);
  kubelet.resume();
  const ws = acceptWebSocket(req, client, head, V5);

  // The streams the kubelet waits for, error first as client-go opens them.
  const open = (type: string) => session.openStream({ streamType: type });
  const errorStream = open('error');
  const stdin = query.get('stdin') === '1' ? open('stdin') : undefined;
  const stdout = query.get('stdout') === '1' ? open('stdout') : undefined;
  const stderr = query.get('stderr') === '1' && !tty ? open('stderr') : undefined;
  const resize = tty ? open('resize') : undefined;

  const outputs: Array<[SpdyStream, number]> = [[errorStream, ERROR]];
  if (stdout) outputs.push([stdout, STDOUT]);
  if (stderr) outputs.push([stderr, STDERR]);
  // Done when the kubelet has finished every output stream (or dropped the connection).
  let unfinished = outputs.length;
  let finished = false;
  const finish = () => {
    if (finished) return;
    finished = true;
    ws.close(1000);
    session.close();
  };
  for (const [stream, channel] of outputs) {
    stream.onData((data) => ws.send(Buffer.concat([Buffer.from([channel]), data])));
    stream.onEnd(() => { if (--unfinished === 0) finish(); });
  }
  session.closed.then(finish, finish);

  ws.onMessage((data) => {
    if (!data.length) return;
    const channel = data[0];
    const payload = data.subarray(1);
    switch (channel) {
      case STDIN: if (payload.length) stdin?.write(payload); break;
      case RESIZE: resize?.write(payload); break;
      // v5's addition: the client closed its stdin, so the process reads EOF.
      case CLOSE_SIGNAL: if (payload[0] === STDIN) stdin?.end(); break;
    }
  });
  ws.onClose(() => session.close());
}
