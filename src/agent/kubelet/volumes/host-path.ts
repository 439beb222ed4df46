// hostPath volumes: the node's own path, checked (or created) according to `type` as upstream's
// hostPath plugin does, with its messages ("hostPath type check failed: /x is not a directory").
import { mkdir, open, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';

const CHECKS: Record<string, { test(st: Stats): boolean; what: string }> = {
  Directory: { test: (st) => st.isDirectory(), what: 'a directory' },
  DirectoryOrCreate: { test: (st) => st.isDirectory(), what: 'a directory' },
  File: { test: (st) => st.isFile(), what: 'a file' },
  FileOrCreate: { test: (st) => st.isFile(), what: 'a file' },
  Socket: { test: (st) => st.isSocket(), what: 'a socket file' },
  CharDevice: { test: (st) => st.isCharacterDevice(), what: 'a character device' },
  BlockDevice: { test: (st) => st.isBlockDevice(), what: 'a block device' },
};

/** Checks `path` against `type` ('' or undefined: no check), creating it for the *OrCreate types. */
export async function checkHostPath(path: string, type: string | undefined): Promise<void> {
  if (!type) return;
  const check = CHECKS[type];
  if (!check) throw new Error(`invalid HostPathType: ${type}`);
  let st = await stat(path).catch(() => undefined);
  if (!st && type === 'DirectoryOrCreate') {
    await mkdir(path, { recursive: true, mode: 0o755 });
    st = await stat(path);
  } else if (!st && type === 'FileOrCreate') {
    // As upstream: the file is created, its parent directory is not.
    await (await open(path, 'a', 0o644)).close();
    st = await stat(path);
  }
  if (!st || !check.test(st)) throw new Error(`hostPath type check failed: ${path} is not ${check.what}`);
}
