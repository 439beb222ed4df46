// The node's pod network: one Linux bridge with the gateway address on the host and host-local
// IPAM over the node's pod subnet. No masquerade and no port mapping, so the CNI plugins add no
// iptables/nftables rules; the host reaches pods directly on the bridge subnet.
import { mkdir, writeFile } from 'node:fs/promises';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { join } from 'node:path';

const run = promisify(execFile);

export interface BridgeNetwork {
  /** Linux bridge device name (at most 15 characters). */
  bridge: string;
  /** Pod subnet in CIDR form, e.g. 10.42.0.0/24. */
  subnet: string;
  /** Gateway (bridge) address inside the subnet; defaults to the subnet's first host address. */
  gateway?: string;
  /** CNI network name; defaults to "skiff". */
  name?: string;
  /** Where host-local keeps its leases; defaults to the plugin's /var/lib/cni/networks. */
  ipamDataDir?: string;
}

/** The conflist contents for a bridge network (pure, for tests and for writing). */
export function bridgeConflist(net: BridgeNetwork): object {
  const gateway = net.gateway ?? firstHost(net.subnet);
  return {
    cniVersion: '0.4.0',
    name: net.name ?? 'skiff',
    plugins: [
      {
        type: 'bridge',
        bridge: net.bridge,
        isGateway: true,
        ipMasq: false,
        hairpinMode: true,
        ipam: {
          type: 'host-local',
          ranges: [[{ subnet: net.subnet, gateway }]],
          routes: [{ dst: '0.0.0.0/0' }],
          ...(net.ipamDataDir ? { dataDir: net.ipamDataDir } : {}),
        },
      },
    ],
  };
}

/** Writes `10-<name>.conflist` into confDir (created if missing); returns its path. */
export async function writeBridgeConfig(confDir: string, net: BridgeNetwork): Promise<string> {
  if (net.bridge.length > 15) throw new Error(`bridge name ${net.bridge} is longer than 15 characters`);
  await mkdir(confDir, { recursive: true });
  const file = join(confDir, `10-${net.name ?? 'skiff'}.conflist`);
  await writeFile(file, JSON.stringify(bridgeConflist(net), null, 2) + '\n');
  return file;
}

/** Creates the bridge with the gateway address on the host, if it is not there yet (idempotent). */
export async function ensureBridge(net: BridgeNetwork): Promise<void> {
  const gateway = net.gateway ?? firstHost(net.subnet);
  const prefix = net.subnet.split('/')[1];
  const exists = await run('ip', ['link', 'show', 'dev', net.bridge]).then(() => true, () => false);
  if (!exists) await run('ip', ['link', 'add', 'name', net.bridge, 'type', 'bridge']);
  const { stdout } = await run('ip', ['-4', '-o', 'addr', 'show', 'dev', net.bridge]);
  if (!stdout.includes(` ${gateway}/${prefix} `)) {
    // The bridge is the node's own: an address from an earlier pod CIDR would make the CNI bridge
    // plugin refuse every pod ("already has an IP address different from ..."), so it goes.
    await run('ip', ['-4', 'addr', 'flush', 'dev', net.bridge]);
    await run('ip', ['addr', 'add', `${gateway}/${prefix}`, 'dev', net.bridge]);
  }
  await run('ip', ['link', 'set', 'dev', net.bridge, 'up']);
}

/** Deletes the bridge device; missing is fine. */
export async function deleteBridge(bridge: string): Promise<void> {
  await run('ip', ['link', 'del', 'dev', bridge]).catch(() => undefined);
}

/** 10.42.0.0/24 → 10.42.0.1 */
export function firstHost(cidr: string): string {
  const [addr, bits] = cidr.split('/');
  const n = addr.split('.').reduce((acc, part) => acc * 256 + Number(part), 0);
  const mask = Number(bits) === 0 ? 0 : (0xffffffff << (32 - Number(bits))) >>> 0;
  const host = ((n & mask) >>> 0) + 1;
  return [24, 16, 8, 0].map((s) => (host >>> s) & 255).join('.');
}
