// Writes a set of files into a volume directory so a container never sees half an update, the
// way upstream's AtomicWriter lays them out: the files live in a timestamped directory
// (`..2026_11_25_15_04_05.123456789`), `..data` is a symlink to it, and each top-level name is a
// symlink through `..data`. An update writes a new timestamped directory and swaps `..data` with
// one rename(2), so readers see the old set or the new set, never a mix.
import { randomInt } from 'node:crypto';
import { chmod, lstat, mkdir, readFile, readdir, readlink, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

export interface FileProjection {
  data: Buffer | string;
  /** Permission bits, e.g. 0o644. */
  mode: number;
}

/** Relative path (may contain '/') → content. */
export type Payload = Map<string, FileProjection>;

const DATA_DIR = '..data';
const DATA_DIR_TMP = '..data_tmp';

/** Refuses paths that could escape the volume or collide with the writer's own `..` entries. */
export function validatePayloadPath(path: string): void {
  if (!path) throw new Error('invalid path: must not be empty');
  if (path.startsWith('/')) throw new Error(`invalid path: must be relative path: ${path}`);
  if (path.length > 4096) throw new Error(`invalid path: must be less than or equal to 4096 characters`);
  if (path.split('/').includes('..')) throw new Error(`invalid path: must not contain '..': ${path}`);
  if (path.startsWith('..')) throw new Error(`invalid path: must not start with '..': ${path}`);
}

/**
 * Makes `targetDir` hold exactly `payload`. Returns false when nothing needed writing (same
 * contents and modes already in place), so callers can refresh often at little cost.
 */
export async function writeAtomically(targetDir: string, payload: Payload, now: Date = new Date()): Promise<boolean> {
  const clean = new Map<string, FileProjection>();
  for (const [path, file] of payload) {
    validatePayloadPath(path);
    clean.set(path.replace(/\/+$/, '').replace(/\/{2,}/g, '/'), file);
  }
  await mkdir(targetDir, { recursive: true });
  const oldTsName = await readlink(join(targetDir, DATA_DIR)).catch(() => undefined);
  const oldTsDir = oldTsName ? join(targetDir, oldTsName) : undefined;

  const visible = new Set([...clean.keys()].map((p) => p.split('/')[0]));
  const existingVisible = (await readdir(targetDir)).filter((n) => !n.startsWith('..'));
  const stale = existingVisible.filter((n) => !visible.has(n));

  const unchanged = oldTsDir !== undefined && await sameContents(oldTsDir, clean);
  if (unchanged && stale.length === 0 && await linksInPlace(targetDir, visible)) return false;

  let tsName = oldTsName;
  if (!unchanged) {
    tsName = timestampedName(now);
    const tsDir = join(targetDir, tsName);
    await mkdir(tsDir, { mode: 0o755 });
    await chmod(tsDir, 0o755);
    for (const [path, file] of clean) {
      const full = join(tsDir, path);
      await mkdir(dirname(full), { recursive: true, mode: 0o755 });
      await writeFile(full, file.data);
      // chmod after writing: the umask must not trim the requested mode.
      await chmod(full, file.mode & 0o7777);
    }
    const tmpLink = join(targetDir, DATA_DIR_TMP);
    await rm(tmpLink, { force: true });
    await symlink(tsName, tmpLink);
    await rename(tmpLink, join(targetDir, DATA_DIR));
  }

  for (const name of visible) {
    const link = join(targetDir, name);
    const want = join(DATA_DIR, name);
    const have = await readlink(link).catch(() => undefined);
    if (have === want) continue;
    await rm(link, { recursive: true, force: true });
    await symlink(want, link);
  }
  for (const name of stale) await rm(join(targetDir, name), { recursive: true, force: true });
  if (!unchanged && oldTsDir) await rm(oldTsDir, { recursive: true, force: true });
  // Leftovers of an interrupted earlier write.
  for (const name of await readdir(targetDir)) {
    if (name.startsWith('..') && name !== DATA_DIR && name !== tsName) await rm(join(targetDir, name), { recursive: true, force: true });
  }
  return true;
}

/** `..YYYY_MM_DD_HH_MM_SS.<random digits>` as upstream names them (UTC). */
function timestampedName(now: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  const stamp = `${now.getUTCFullYear()}_${p(now.getUTCMonth() + 1)}_${p(now.getUTCDate())}_${p(now.getUTCHours())}_${p(now.getUTCMinutes())}_${p(now.getUTCSeconds())}`;
  return `..${stamp}.${randomInt(1_000_000_000, 4_000_000_000)}`;
}

async function sameContents(dir: string, payload: Payload): Promise<boolean> {
  const existing = await listFiles(dir).catch(() => undefined);
  if (!existing || existing.length !== payload.size) return false;
  for (const [path, file] of payload) {
    const full = join(dir, path);
    try {
      const st = await stat(full);
      if (!st.isFile() || (st.mode & 0o7777) !== (file.mode & 0o7777)) return false;
      const data = await readFile(full);
      if (!data.equals(Buffer.isBuffer(file.data) ? file.data : Buffer.from(file.data))) return false;
    } catch {
      return false;
    }
  }
  return true;
}

async function listFiles(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...await listFiles(join(dir, entry.name), rel));
    else out.push(rel);
  }
  return out;
}

async function linksInPlace(targetDir: string, visible: Set<string>): Promise<boolean> {
  for (const name of visible) {
    const link = join(targetDir, name);
    const st = await lstat(link).catch(() => undefined);
    if (!st?.isSymbolicLink() || await readlink(link) !== join(DATA_DIR, name)) return false;
  }
  return true;
}
