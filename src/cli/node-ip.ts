// The machine's own address, as the kubelet picks its node IP: the first non-loopback IPv4 address.
import { networkInterfaces } from 'node:os';

export function defaultNodeIP(): string {
  for (const addrs of Object.values(networkInterfaces())) {
    for (const a of addrs ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}
