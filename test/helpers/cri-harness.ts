// A private containerd with a CNI bridge of its own and the test images imported, for tests that
// drive real pods; cleanup() leaves nothing behind (pods, shims, mounts, cgroups, bridge, files).
// Needs root: use `skipUnlessRoot` in the test options.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { connectCri, type CriClient } from '../../src/agent/runtime/cri-client.ts';
import { startContainerd, type RunningContainerd } from '../../src/agent/runtime/containerd.ts';
import { APPLETS, buildBusyboxImage, busyboxImageRef, importImage, type BusyboxImageOptions } from '../../src/agent/runtime/images.ts';
import { deleteBridge, ensureBridge, firstHost, writeBridgeConfig } from '../../src/agent/runtime/cni.ts';
import { mountsUnder, processesMentioning, removeCgroupTree } from '../../src/agent/runtime/host-cleanup.ts';

export { mountsUnder, processesMentioning, removeCgroupTree };

const run = promisify(execFile);

export const isRoot = process.getuid?.() === 0;
/** Test option: `test('…', { skip: skipUnlessRoot }, …)`. */
export const skipUnlessRoot: false | string = isRoot ? false : 'needs root to run containerd';

type ImageSpec = Omit<BusyboxImageOptions, 'workDir'>;
const IMAGE_SPECS = {
  pause: { name: 'skiff.test/pause', tag: '1', entrypoint: ['/bin/sleep', 'inf'] },
  // As docker.io/library/busybox: no entrypoint, `sh` as the command.
  busybox: { name: 'skiff.test/busybox', tag: '1', entrypoint: [], cmd: ['sh'] },
  // An HTTP server on 8080 serving /www; /www/healthz, /healthy and /ready (kuard's probe paths) exist
  // so probes have targets a test can remove.
  httpd: {
    name: 'skiff.test/httpd', tag: '1', entrypoint: ['/bin/httpd', '-f', '-v', '-p', '8080', '-h', '/www'],
    files: { '/www/index.html': 'hello from skiff\n', '/www/healthz': 'ok\n', '/www/healthy': 'ok\n', '/www/ready': 'ok\n' },
  },
} satisfies Record<string, ImageSpec>;

export type TestImage = keyof typeof IMAGE_SPECS;
/** The references the test images are known by once imported. */
export const TEST_IMAGES: Record<TestImage, string> = Object.fromEntries(
  Object.entries(IMAGE_SPECS).map(([k, s]) => [k, busyboxImageRef(s.name, s.tag)]),
) as Record<TestImage, string>;

/**
 * The OCI archives of the test images, built once per machine and kept in the temp dir (keyed by
 * their spec), so test files running at once share them; written under a temp name, then renamed.
 */
export async function testImageArchives(): Promise<Record<TestImage, string>> {
  const out = {} as Record<TestImage, string>;
  for (const [key, spec] of Object.entries(IMAGE_SPECS) as [TestImage, ImageSpec][]) {
    const hash = createHash('sha256').update(JSON.stringify(spec)).update(APPLETS.join()).update(await busyboxVersion()).digest('hex').slice(0, 12);
    const cacheDir = join(tmpdir(), 'skiff-test-images');
    const archive = join(cacheDir, `${key}-${hash}.oci.tar`);
    if (!(await exists(archive))) {
      const work = await mkdtemp(join(tmpdir(), 'skiff-image-build-'));
      try {
        const built = await buildBusyboxImage({ ...spec, workDir: work });
        await mkdir(cacheDir, { recursive: true });
        await rename(built, archive);
      } finally {
        await rm(work, { recursive: true, force: true });
      }
    }
    out[key] = archive;
  }
  return out;
}

let busyboxStat: Promise<string> | undefined;
function busyboxVersion(): Promise<string> {
  busyboxStat ??= stat('/bin/busybox').then((s) => `${s.size}:${s.mtimeMs}`);
  return busyboxStat;
}

export interface CriHarness {
  dir: string;
  containerd: RunningContainerd;
  cri: CriClient;
  bridge: string;
  subnet: string;
  gateway: string;
  /** A cgroup parent of this harness's own; pods should live below it (cleanup removes it). */
  cgroupRoot: string;
  cleanup(): Promise<void>;
}

let harnesses = 0;

/** Starts containerd under a fresh temp dir with the test images imported and a bridge network up. */
export async function startCriHarness(opts: { log?: (msg: string) => void } = {}): Promise<CriHarness> {
  const log = opts.log ?? (() => undefined);
  const n = harnesses++;
  const dir = await mkdtemp(join(tmpdir(), 'skiff-cri-'));
  const bridge = `skt${process.pid}x${n}`.slice(0, 15);
  const octet = await freeSubnetOctet();
  const subnet = `10.201.${octet}.0/24`;
  const gateway = firstHost(subnet);
  const cgroupRoot = `/skiff-test-${process.pid}-${n}`;
  const ipForwardBefore = await readFile('/proc/sys/net/ipv4/ip_forward', 'utf8');
  let containerd: RunningContainerd | undefined;
  let cri: CriClient | undefined;

  const cleanup = async () => {
    if (cri) {
      for (const pod of (await cri.listPodSandbox({}).catch(() => ({ items: [] }))).items) {
        await cri.stopPodSandbox({ podSandboxId: pod.id }).catch(() => undefined);
        await cri.removePodSandbox({ podSandboxId: pod.id }).catch(() => undefined);
      }
      cri.close();
    }
    await containerd?.stop();
    for (const pid of await processesMentioning(dir)) {
      try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
    }
    for (const mount of await mountsUnder(dir)) await run('umount', ['-l', mount]).catch(() => undefined);
    await removeCgroupTree(cgroupRoot);
    await deleteBridge(bridge);
    await writeFile('/proc/sys/net/ipv4/ip_forward', ipForwardBefore).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  };

  try {
    const archives = await testImageArchives();
    const cniConfDir = join(dir, 'net.d');
    const net = { bridge, subnet, gateway, name: 'skiff-test', ipamDataDir: join(dir, 'ipam') };
    await writeBridgeConfig(cniConfDir, net);
    await ensureBridge(net);
    containerd = await startContainerd({ dir: join(dir, 'containerd'), pauseImage: TEST_IMAGES.pause, cniConfDir, log });
    for (const archive of Object.values(archives)) await importImage(containerd.socket, archive);
    cri = await connectCri(containerd.socket);
    return { dir, containerd, cri, bridge, subnet, gateway, cgroupRoot, cleanup };
  } catch (err) {
    await cleanup();
    throw err;
  }
}

/** A third octet for 10.201.X.0/24 that no interface on this machine uses yet. */
async function freeSubnetOctet(): Promise<number> {
  const { stdout } = await run('ip', ['-4', '-o', 'addr', 'show']);
  for (let i = 0; i < 250; i++) {
    const octet = (process.pid + i * 7) % 250 + 1;
    if (!stdout.includes(` 10.201.${octet}.`)) return octet;
  }
  throw new Error('no free 10.201.X.0/24 test subnet');
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(() => true, () => false);
}
