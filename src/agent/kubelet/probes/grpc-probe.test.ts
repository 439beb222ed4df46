import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import {
  decodeHealthCheckRequest, decodeHealthCheckResponse, encodeHealthCheckRequest, encodeHealthCheckResponse, grpcProbe,
} from './grpc-probe.ts';

// A grpc.health.v1 server whose answers the test controls.
const statuses = new Map<string, number>([['', 1], ['db', 2]]);
const userAgents: string[] = [];
let server: grpc.Server;
let port: number;
let bare: grpc.Server; // serves nothing: every call is UNIMPLEMENTED
let barePort: number;

before(async () => {
  server = new grpc.Server();
  server.addService({
    Check: {
      path: '/grpc.health.v1.Health/Check', requestStream: false, responseStream: false,
      requestSerialize: encodeHealthCheckRequest, requestDeserialize: decodeHealthCheckRequest,
      responseSerialize: encodeHealthCheckResponse, responseDeserialize: decodeHealthCheckResponse,
    },
  }, {
    Check: (call: grpc.ServerUnaryCall<{ service: string }, { status: number }>, cb: grpc.sendUnaryData<{ status: number }>) => {
      userAgents.push(String(call.metadata.get('user-agent')[0]));
      const status = statuses.get(call.request.service);
      if (status === undefined) cb({ code: grpc.status.NOT_FOUND, details: 'unknown service' });
      else if (status < 0) setTimeout(() => cb(null, { status: 1 }), 3000); // slower than the timeout
      else cb(null, { status });
    },
  });
  port = await new Promise<number>((r, j) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? j(e) : r(p))));
  bare = new grpc.Server();
  barePort = await new Promise<number>((r, j) => bare.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? j(e) : r(p))));
});
after(() => {
  server.forceShutdown();
  bare.forceShutdown();
});

test('health messages round-trip', () => {
  assert.deepEqual(decodeHealthCheckRequest(encodeHealthCheckRequest({ service: 'svc.v1' })), { service: 'svc.v1' });
  assert.deepEqual(encodeHealthCheckRequest({ service: '' }), Buffer.alloc(0));
  for (const status of [0, 1, 2, 3, 300]) assert.deepEqual(decodeHealthCheckResponse(encodeHealthCheckResponse({ status })), { status });
});

test('grpc probe outcomes match upstream', async (t) => {
  const cases: { name: string; service: string; result: string; output: string }[] = [
    { name: 'SERVING succeeds', service: '', result: 'success', output: 'service is serving' },
    { name: 'NOT_SERVING fails', service: 'db', result: 'failure', output: 'service unhealthy (responded with "NOT_SERVING")' },
    { name: 'unknown service fails with the rpc error', service: 'other', result: 'failure', output: 'error: health rpc probe failed: rpc error: code = NotFound desc = unknown service' },
    { name: 'slow answer times out', service: 'slow', result: 'failure', output: 'timeout: health rpc did not complete within 1s' },
  ];
  statuses.set('slow', -1);
  for (const c of cases) {
    await t.test(c.name, async () => {
      assert.deepEqual(await grpcProbe('127.0.0.1', port, c.service, 1), { result: c.result, output: c.output });
    });
  }
  assert.ok(userAgents.every((ua) => ua.startsWith('kube-probe/1.32')), userAgents.join());
});

test('toggling the served status flips the probe', async () => {
  statuses.set('', 2);
  assert.equal((await grpcProbe('127.0.0.1', port, '', 1)).result, 'failure');
  statuses.set('', 1);
  assert.equal((await grpcProbe('127.0.0.1', port, '', 1)).result, 'success');
});

test('a server without the health service', async () => {
  const out = await grpcProbe('127.0.0.1', barePort, '', 1);
  assert.equal(out.result, 'failure');
  assert.match(out.output, /^error: this server does not implement the grpc health protocol \(grpc\.health\.v1\.Health\): /);
});

test('nothing listening: upstream blocks until the timeout', async () => {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const closed = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  const out = await grpcProbe('127.0.0.1', closed, '', 1);
  assert.deepEqual(out, { result: 'failure', output: `timeout: failed to connect service "127.0.0.1:${closed}" within 1s: context deadline exceeded` });
});
