// The node's pod network: a bridge holding the gateway of the node's pod CIDR and a CNI conflist
// that containerd loads, written once the node has been given its CIDR.
import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import { ensureBridge, writeBridgeConfig } from '../runtime/cni.ts';

/** The node's bridge: `skiff0` for the machine's own node, a name derived from the node name otherwise (several nodes may share a test machine). */
export function bridgeName(nodeName: string): string {
  if (nodeName === hostname()) return 'skiff0';
  return `sk-${createHash('sha256').update(nodeName).digest('hex').slice(0, 10)}`;
}

export async function setUpPodNetwork(o: { nodeName: string; podCIDR: string; cniConfDir: string; ipamDir: string }): Promise<string> {
  const net = { bridge: bridgeName(o.nodeName), subnet: o.podCIDR, name: 'skiff', ipamDataDir: o.ipamDir };
  await ensureBridge(net);
  await writeBridgeConfig(o.cniConfDir, net);
  return net.bridge;
}
