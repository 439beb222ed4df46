// tcpSocket probe: success when a TCP connection opens within the timeout; the connection is
// closed at once. Failures read as Go's dial errors (`dial tcp 10.42.0.5:8080: connect: connection refused`).
import net from 'node:net';
import { goDialError, joinHostPort } from './go-text.ts';
import type { ProbeOutcome } from './types.ts';

export function tcpProbe(host: string, port: number, timeoutSeconds: number): Promise<ProbeOutcome> {
  const hostPort = joinHostPort(host, port);
  return new Promise((resolve) => {
    let settled = false;
    const socket = net.connect({ host, port });
    const finish = (outcome: ProbeOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(outcome);
    };
    const timer = setTimeout(() => finish({ result: 'failure', output: `dial tcp ${hostPort}: i/o timeout` }), timeoutSeconds * 1000);
    socket.once('connect', () => finish({ result: 'success', output: '' }));
    socket.once('error', (err) => finish({ result: 'failure', output: goDialError(hostPort, err) }));
  });
}
