// Finding and removing what containers leave on the host: shim processes, mounts and cgroup
// directories (containerd does not remove a pod's cgroup parent).
import { readFile, readdir, rmdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

async function exists(path: string): Promise<boolean> {
  return stat(path).then(() => true, () => false);
}

/** Mount points at or below dir, deepest first. */
export async function mountsUnder(dir: string): Promise<string[]> {
  const info = await readFile('/proc/self/mountinfo', 'utf8');
  return info.split('\n').map((l) => l.split(' ')[4]).filter((m): m is string => !!m && (m === dir || m.startsWith(dir + '/')))
    .sort((a, b) => b.length - a.length);
}

/** PIDs of processes whose command line mentions needle (a containerd's shims name its dirs). */
export async function processesMentioning(needle: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.includes(needle)) pids.push(Number(entry));
  }
  return pids;
}

/**
 * Removes a cgroup directory and everything below it, deepest first, in every hierarchy (the
 * unified one too, where runc may have mirrored it). Directories that still hold processes stay;
 * returns whether everything went.
 */
export async function removeCgroupTree(path: string, mount = '/sys/fs/cgroup'): Promise<boolean> {
  let clean = true;
  for (const hierarchy of await readdir(mount).catch(() => [] as string[])) {
    const root = join(mount, hierarchy, path);
    if (!(await exists(root))) continue;
    const dirs: string[] = [];
    const walk = async (d: string) => {
      dirs.push(d);
      for (const e of await readdir(d, { withFileTypes: true }).catch(() => [])) if (e.isDirectory()) await walk(join(d, e.name));
    };
    await walk(root);
    for (const d of dirs.sort((a, b) => b.length - a.length)) {
      await rmdir(d).catch((err: NodeJS.ErrnoException) => { if (err.code !== 'ENOENT') clean = false; });
    }
  }
  return clean;
}

/** Removes one cgroup directory in every hierarchy where it is empty (others still using it keep it). */
export async function removeEmptyCgroup(path: string): Promise<void> {
  if (path === '/' || path === '.') return;
  for (const hierarchy of await readdir('/sys/fs/cgroup').catch(() => [] as string[])) {
    await rmdir(join('/sys/fs/cgroup', hierarchy, path)).catch(() => undefined);
  }
}
