// `skiff killall` (k3s-killall.sh's job): stop and remove every pod of this node through the CRI,
// stop its containerd, kill leftover shims, unmount what the pods mounted, and remove the node's
// bridge and pod cgroups. The data dir itself is kept.
import { execFile } from 'node:child_process';
import { readFile, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { connectCri } from '../agent/runtime/cri-client.ts';
import { socketPath, startContainerd } from '../agent/runtime/containerd.ts';
import { deleteBridge } from '../agent/runtime/cni.ts';
import { PAUSE_IMAGE } from '../agent/kubelet/pause-image.ts';
import { mountsUnder, processesMentioning, removeCgroupTree, removeEmptyCgroup } from '../agent/runtime/host-cleanup.ts';

const run = promisify(execFile);

const HELP = `Usage: skiff killall [--data-dir DIR]

Stops every pod of this node and its containerd, and removes the node's pod network bridge and
pod cgroups, as k3s-killall.sh does. Images and the data dir are kept.

Flags:
  --data-dir DIR   The node's data dir (default /var/lib/skiff)
`;

export async function runKillall(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { 'data-dir': { type: 'string', default: '/var/lib/skiff' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) { process.stdout.write(HELP); return; }
  await killall(values['data-dir']!, (m) => process.stderr.write(`${m}\n`));
}

export async function killall(dataDir: string, say: (msg: string) => void): Promise<void> {
  const agentDir = join(dataDir, 'agent');
  const containerdDir = join(agentDir, 'containerd');
  const node = JSON.parse(await readFile(join(agentDir, 'node.json'), 'utf8').catch(() => '{}')) as { nodeName?: string; bridge?: string; cgroupRoot?: string };
  if (await exists(join(containerdDir, 'config.toml'))) {
    // Pods are stopped through the CRI so their network namespaces and IPs are released cleanly.
    const containerd = await startContainerd({ dir: containerdDir, pauseImage: PAUSE_IMAGE, cniConfDir: join(agentDir, 'etc', 'cni', 'net.d'), log: () => undefined });
    const cri = await connectCri(socketPath(containerdDir));
    const { items } = await cri.listPodSandbox({});
    for (const pod of items) {
      await cri.stopPodSandbox({ podSandboxId: pod.id }).catch(() => undefined);
      await cri.removePodSandbox({ podSandboxId: pod.id }).catch(() => undefined);
    }
    say(`stopped ${items.length} pod(s)`);
    cri.close();
    await containerd.stop();
  }
  for (const pid of await processesMentioning(agentDir)) {
    try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
  }
  for (const mount of await mountsUnder(dataDir)) await run('umount', ['-l', mount]).catch(() => undefined);
  if (node.cgroupRoot) {
    await removeCgroupTree(node.cgroupRoot);
    // The shared /skiff parent goes too once no node on this machine uses it.
    await removeEmptyCgroup(dirname(node.cgroupRoot));
  }
  if (node.bridge) await deleteBridge(node.bridge);
  say('containerd stopped, network and cgroups removed');
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(() => true, () => false);
}
