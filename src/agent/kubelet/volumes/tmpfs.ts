// Memory-backed volume directories: tmpfs mounts for emptyDir `medium: Memory` and for the
// volumes upstream keeps off disk (secret, projected). Mounting needs root; callers fall back to
// a plain directory where it is refused.
import { execFile } from 'node:child_process';
import { readFile, realpath } from 'node:fs/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Mount points as /proc/self/mountinfo lists them (octal escapes such as \040 decoded). */
export async function mountPoints(): Promise<string[]> {
  const text = await readFile('/proc/self/mountinfo', 'utf8');
  return text.split('\n').filter(Boolean).map((line) => line.split(' ')[4].replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8))));
}

export async function isMountPoint(dir: string): Promise<boolean> {
  const real = await realpath(dir).catch(() => dir);
  return (await mountPoints()).includes(real);
}

/** Mounts a tmpfs on `dir` unless one is already there. `sizeBytes` caps it (default: the kernel's half of RAM). */
export async function mountTmpfs(dir: string, sizeBytes?: number): Promise<void> {
  if (await isMountPoint(dir)) return;
  const args = ['-t', 'tmpfs'];
  if (sizeBytes !== undefined && sizeBytes > 0) args.push('-o', `size=${sizeBytes}`);
  args.push('tmpfs', dir);
  try {
    await run('mount', args);
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`mount failed: ${(e.stderr || e.message).trim()}`);
  }
}

/** Unmounts every mount at or below `dir`, deepest first. */
export async function unmountUnder(dir: string): Promise<void> {
  const real = await realpath(dir).catch(() => dir);
  const below = (await mountPoints()).filter((m) => m === real || m.startsWith(real + '/'));
  below.sort((a, b) => b.length - a.length);
  for (const m of below) {
    try {
      await run('umount', [m]);
    } catch (err) {
      const e = err as { stderr?: string; message: string };
      // Busy: detach lazily so the directory can still go; the kernel frees it when the last user leaves.
      try { await run('umount', ['-l', m]); } catch { throw new Error(`unmount ${m} failed: ${(e.stderr || e.message).trim()}`); }
    }
  }
}
