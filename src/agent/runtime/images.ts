// Local images without a registry or Docker: a rootfs holding busybox-static and its applet
// links, packed with umoci into an OCI layout, turned into an OCI archive with skopeo, and
// imported into containerd's k8s.io namespace with ctr. Everything runs offline.
import { execFile } from 'node:child_process';
import { copyFile, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

const BUSYBOX = '/bin/busybox';
/** Applets linked into /bin; enough for shells, probes and small test servers. */
export const APPLETS = [
  'sh', 'ash', 'sleep', 'cat', 'echo', 'ls', 'wget', 'httpd', 'nc', 'env', 'true', 'false', 'mkdir', 'rm',
  'cp', 'mv', 'ps', 'kill', 'hostname', 'id', 'grep', 'head', 'tail', 'touch', 'date', 'printf', 'test',
  'ip', 'ifconfig', 'nslookup', 'uname', 'pwd', 'df', 'du', 'chmod', 'ln', 'sed', 'wc', 'dd', 'yes', 'top',
  // kubectl cp runs tar in the container; the rest are what people type in `kubectl exec -it -- sh`.
  'tar', 'tr', 'seq', 'sort', 'awk', 'find', 'xargs', 'stat', 'stty', 'free', 'pidof', 'mount', 'whoami',
];

/**
 * A fully-qualified image reference as containerd's CRI stores it:
 * `pause` → `docker.io/library/pause`, `skiff/pause` → `docker.io/skiff/pause`.
 */
export function normalizeImageName(name: string): string {
  const slash = name.indexOf('/');
  const first = slash < 0 ? '' : name.slice(0, slash);
  if (slash >= 0 && (first.includes('.') || first.includes(':') || first === 'localhost')) return name;
  return slash < 0 ? `docker.io/library/${name}` : `docker.io/${name}`;
}

/** The reference an image built by buildBusyboxImage is known by after import. */
export function busyboxImageRef(name: string, tag: string): string {
  return `${normalizeImageName(name)}:${tag}`;
}

export interface BusyboxImageOptions {
  name: string;
  tag: string;
  entrypoint: string[];
  /** Scratch directory; the archive is written here too. */
  workDir: string;
  /** Extra files to place in the rootfs: absolute path in the image → contents. */
  files?: Record<string, string>;
  /** Default working directory of the image; "/" when absent. */
  workingDir?: string;
  /** The image's default command (CMD), which a pod's `args` replaces. */
  cmd?: string[];
}

/** Builds a busybox image and returns the path of its OCI archive (named busyboxImageRef()). */
export async function buildBusyboxImage(opts: BusyboxImageOptions): Promise<string> {
  const ref = busyboxImageRef(opts.name, opts.tag);
  const base = join(opts.workDir, `${opts.name.replace(/[^a-zA-Z0-9_.-]/g, '_')}-${opts.tag}`);
  const layout = join(base, 'oci');
  const bundle = join(base, 'bundle');
  const archive = `${base}.oci.tar`;
  await rm(base, { recursive: true, force: true });
  await rm(archive, { force: true });
  await mkdir(base, { recursive: true });

  const image = `${layout}:${opts.tag}`;
  await run('umoci', ['init', '--layout', layout]);
  await run('umoci', ['new', '--image', image]);
  await run('umoci', ['unpack', '--image', image, bundle]);

  const rootfs = join(bundle, 'rootfs');
  for (const d of ['bin', 'etc', 'tmp', 'proc', 'sys', 'dev', 'root']) await mkdir(join(rootfs, d), { recursive: true });
  await copyFile(BUSYBOX, join(rootfs, 'bin/busybox'));
  for (const applet of APPLETS) await symlink('busybox', join(rootfs, 'bin', applet));
  await writeFile(join(rootfs, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n');
  await writeFile(join(rootfs, 'etc/group'), 'root:x:0:\nnogroup:x:65534:\n');
  for (const [path, contents] of Object.entries(opts.files ?? {})) {
    const target = join(rootfs, path);
    await mkdir(join(target, '..'), { recursive: true });
    await writeFile(target, contents);
  }

  await run('umoci', ['repack', '--image', image, bundle]);
  const configArgs = ['config', '--image', image, '--config.workingdir', opts.workingDir ?? '/', '--config.env', 'PATH=/bin'];
  for (const part of opts.entrypoint) configArgs.push('--config.entrypoint', part);
  for (const part of opts.cmd ?? []) configArgs.push('--config.cmd', part);
  await run('umoci', configArgs);
  await run('umoci', ['gc', '--layout', layout]);

  await run('skopeo', ['copy', '--quiet', `oci:${image}`, `oci-archive:${archive}:${ref}`]);
  await rm(base, { recursive: true, force: true });
  return archive;
}

/** Imports an OCI archive into containerd's k8s.io namespace (where the CRI looks for images). */
export async function importImage(containerdSocket: string, archive: string): Promise<void> {
  await run('ctr', ['-a', containerdSocket, '-n', 'k8s.io', 'images', 'import', archive]);
}
