import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { tcpProbe } from './tcp-probe.ts';

test('tcpSocket probe: open port succeeds, closed port fails with the Go dial text', async () => {
  const server = net.createServer((s) => s.destroy());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  try {
    assert.deepEqual(await tcpProbe('127.0.0.1', port, 1), { result: 'success', output: '' });
  } finally {
    await new Promise((r) => server.close(r));
  }
  // The same port, now closed.
  assert.deepEqual(await tcpProbe('127.0.0.1', port, 1), {
    result: 'failure', output: `dial tcp 127.0.0.1:${port}: connect: connection refused`,
  });
});
