// `skiff images import FILE.tar...`: loads OCI or Docker image archives (`docker save`,
// `skopeo copy ... oci-archive:` / `docker-archive:`) into the containerd of the node that uses
// the data dir, in the k8s.io namespace where the CRI (and so pods) find them. Works offline.
import { execFile } from 'node:child_process';
import { open, stat } from 'node:fs/promises';
import { connect } from 'node:net';
import { join, resolve } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { socketPath } from '../agent/runtime/containerd.ts';

const run = promisify(execFile);

export const IMAGES_HELP = `Usage: skiff images import FILE.tar [FILE.tar...] [flags]

Imports image archives into this node's container runtime, so pods can use the images without a
registry (set imagePullPolicy: IfNotPresent or Never). Both OCI archives and Docker archives
("docker save") work, also gzip-compressed. The node's agent must be running.

Flags:
  --data-dir DIR              The data dir of the node's server or agent (default /var/lib/skiff)
  -h, --help                  Show this help
`;

/** The containerd socket of the node agent using dataDir. */
export function containerdSocketFor(dataDir: string): string {
  return socketPath(join(dataDir, 'agent', 'containerd'));
}

export type ArchiveKind = 'oci' | 'docker' | 'compressed';

/**
 * What an archive holds, from its tar headers: an OCI layout (index.json + oci-layout), a Docker
 * save (manifest.json), or a compressed stream left for containerd to open. Undefined otherwise.
 */
export async function archiveKind(file: string): Promise<ArchiveKind | undefined> {
  const fh = await open(file, 'r');
  try {
    const header = Buffer.alloc(512);
    const names = new Set<string>();
    let offset = 0;
    for (let i = 0; i < 10_000; i++) {
      const { bytesRead } = await fh.read(header, 0, 512, offset);
      if (i === 0 && bytesRead >= 4 && (header.readUInt16BE(0) === 0x1f8b || header.readUInt32BE(0) === 0x28b52ffd)) return 'compressed';
      if (bytesRead < 512 || header.every((b) => b === 0)) break;
      if (header.toString('latin1', 257, 262) !== 'ustar') return undefined;
      const prefix = header.toString('utf8', 345, 500).replace(/\0.*$/s, '');
      const name = (prefix ? `${prefix}/` : '') + header.toString('utf8', 0, 100).replace(/\0.*$/s, '');
      names.add(name.replace(/^\.\//, ''));
      const size = parseInt(header.toString('latin1', 124, 136).replace(/\0.*$/s, '').trim() || '0', 8);
      offset += 512 + Math.ceil(size / 512) * 512;
    }
    if (names.has('index.json') && names.has('oci-layout')) return 'oci';
    if (names.has('manifest.json')) return 'docker';
    return undefined;
  } finally {
    await fh.close();
  }
}

/** Whether something accepts connections on the unix socket. */
function socketAnswers(path: string): Promise<boolean> {
  return new Promise((res) => {
    const s = connect(path);
    s.once('connect', () => { s.destroy(); res(true); });
    s.once('error', () => res(false));
  });
}

/** Imports one archive into containerd's k8s.io namespace; returns the image references it holds. */
export async function importArchive(socket: string, file: string): Promise<string[]> {
  let out: { stdout: string; stderr: string };
  try {
    out = await run('ctr', ['-a', socket, '-n', 'k8s.io', 'images', 'import', file], { maxBuffer: 16 * 1024 * 1024 });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    const why = (e.stderr || e.message).trim().split('\n').pop()?.replace(/^ctr: /, '');
    throw new Error(`importing ${file} failed: ${why}`);
  }
  // ctr prints "unpacking <ref> (sha256:...)...done" per image.
  return [...`${out.stdout}\n${out.stderr}`.matchAll(/unpacking (\S+) \(sha256:[0-9a-f]+\)/g)].map((m) => m[1]);
}

/** `skiff images ...`: sets the process exit code (0 done, 1 failed, 2 bad usage). */
export async function runImages(args: string[]): Promise<void> {
  process.exitCode = await imagesCommand(args);
}

/** The command's work; returns its exit code. Output goes to `write`, errors to stderr. */
export async function imagesCommand(args: string[], write: (s: string) => void = (s) => process.stdout.write(s)): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') { write(IMAGES_HELP); return 0; }
  if (sub !== 'import') return usageError(`unknown images command "${sub}"`);
  let parsed;
  try {
    parsed = parseArgs({
      args: rest, allowPositionals: true, strict: true,
      options: { 'data-dir': { type: 'string', default: '/var/lib/skiff' }, help: { type: 'boolean', short: 'h', default: false } },
    });
  } catch (err) {
    return usageError((err as Error).message);
  }
  if (parsed.values.help) { write(IMAGES_HELP); return 0; }
  const files = parsed.positionals.map((f) => resolve(f));
  if (!files.length) return usageError('no archive given');

  for (const file of files) {
    const st = await stat(file).catch(() => undefined);
    if (!st?.isFile()) return fail(`${file}: no such file`);
    if (!(await archiveKind(file).catch(() => undefined))) return fail(`${file}: not an OCI or Docker image archive (no index.json/oci-layout or manifest.json inside)`);
  }
  const dataDir = parsed.values['data-dir']!;
  const socket = containerdSocketFor(dataDir);
  if (!(await socketAnswers(socket))) {
    return fail(`containerd is not running for data dir ${dataDir} (nothing answers on ${socket}); start "skiff server" or "skiff agent" with --data-dir ${dataDir} first`);
  }
  for (const file of files) {
    let refs: string[];
    try {
      refs = await importArchive(socket, file);
    } catch (err) {
      return fail((err as Error).message);
    }
    if (!refs.length) write(`${file}: imported (no tagged images in it)\n`);
    for (const ref of refs) write(`imported ${ref}\n`);
  }
  return 0;
}

function usageError(message: string): number {
  process.stderr.write(`skiff: ${message}\n\n${IMAGES_HELP}`);
  return 2;
}

function fail(message: string): number {
  process.stderr.write(`skiff: ${message}\n`);
  return 1;
}
