// Runs a private containerd for the node agent: its own root, state and socket under one
// directory, so several nodes (or tests) can share a machine and nothing leaks into /var/lib.
import { spawn } from 'node:child_process';
import { mkdir, open, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { connectCri } from './cri-client.ts';

export interface ContainerdOptions {
  /** Directory owning everything this containerd writes (root, state, socket, runc state, log). */
  dir: string;
  /** Sandbox ("pause") image reference; must already be importable/imported locally. */
  pauseImage: string;
  /** Port of the exec/attach/port-forward streaming server on 127.0.0.1; a free one when absent. */
  streamPort?: number;
  /** Directory holding the CNI conflist. */
  cniConfDir: string;
  /** Directory holding the CNI plugin binaries. */
  cniBinDir?: string;
  log: (msg: string) => void;
  /** How long to wait for the CRI to answer after start. */
  startTimeoutMs?: number;
  /** TOML appended to the config (registry credentials from registries.yaml). */
  extraToml?: string;
}

export interface RunningContainerd {
  socket: string;
  pid: number;
  streamPort: number;
  stop(): Promise<void>;
}

/** The config.toml text; pure so it can be tested and read. */
export function containerdConfig(o: {
  dir: string; pauseImage: string; streamPort: number; cniConfDir: string; cniBinDir: string;
}): string {
  const q = (s: string) => JSON.stringify(s);
  const cri = '[plugins."io.containerd.grpc.v1.cri"';
  return `version = 2
root = ${q(join(o.dir, 'root'))}
state = ${q(join(o.dir, 'state'))}

[grpc]
  address = ${q(socketPath(o.dir))}

${cri}]
  sandbox_image = ${q(o.pauseImage)}
  stream_server_address = "127.0.0.1"
  stream_server_port = ${q(String(o.streamPort))}
  enable_tls_streaming = false
  disable_apparmor = true
  # runc cannot write negative oom_score_adj without CAP_SYS_RESOURCE on these machines.
  restrict_oom_score_adj = true
  # Keep network namespaces under our state dir instead of /var/run/netns.
  netns_mounts_under_state_dir = true
  ${cri}.containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    ${cri}.containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      ${cri}.containerd.runtimes.runc.options]
        Root = ${q(join(o.dir, 'runc'))}
        BinaryName = "/usr/sbin/runc"
        SystemdCgroup = false
  ${cri}.cni]
    bin_dir = ${q(o.cniBinDir)}
    conf_dir = ${q(o.cniConfDir)}
  ${cri}.registry]
    config_path = ${q(join(o.dir, 'certs.d'))}
`;
}

export function socketPath(dir: string): string {
  return join(dir, 'containerd.sock');
}

/** Starts containerd as a child process and resolves once its CRI answers Version. */
export async function startContainerd(opts: ContainerdOptions): Promise<RunningContainerd> {
  const { dir, log } = opts;
  const streamPort = opts.streamPort ?? await freeLoopbackPort();
  await mkdir(dir, { recursive: true });
  await mkdir(join(dir, 'certs.d'), { recursive: true });
  const configFile = join(dir, 'config.toml');
  await writeFile(configFile, containerdConfig({
    dir, pauseImage: opts.pauseImage, streamPort, cniConfDir: opts.cniConfDir, cniBinDir: opts.cniBinDir ?? '/usr/lib/cni',
  }) + (opts.extraToml ?? ''), { mode: 0o600 });

  // A containerd left running by an earlier process that was killed holds the bolt lock on this
  // root, and a second one would block on it silently: stop it first (its containers keep running).
  await stopLeftover(join(dir, 'containerd.pid'), configFile, log);
  const logFile = await open(join(dir, 'containerd.log'), 'a');
  const started = Date.now();
  // Spawned directly (no shell) so child.pid is containerd's own PID; in its own process group so
  // a Ctrl-C meant for skiff does not reach it before skiff has let go of it.
  const child = spawn('/usr/bin/containerd', ['--config', configFile], {
    stdio: ['ignore', logFile.fd, logFile.fd], detached: true,
  });
  await logFile.close();
  const pid = child.pid;
  if (pid === undefined) throw new Error('containerd did not start');
  await writeFile(join(dir, 'containerd.pid'), `${pid}\n`);
  log(`containerd: started pid ${pid} (config ${configFile})`);

  let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exitPromise = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exited = { code, signal };
      resolve();
    });
  });

  const stop = async (): Promise<void> => {
    if (exited) return;
    log(`containerd: stopping pid ${pid}`);
    process.kill(pid, 'SIGTERM');
    const killTimer = setTimeout(() => {
      if (!exited) {
        log(`containerd: pid ${pid} ignored SIGTERM, sending SIGKILL`);
        try { process.kill(pid, 'SIGKILL'); } catch { /* already gone */ }
      }
    }, 10_000);
    await exitPromise;
    clearTimeout(killTimer);
    log(`containerd: pid ${pid} exited`);
  };

  const socket = socketPath(dir);
  const deadline = started + (opts.startTimeoutMs ?? 30_000);
  let lastError = '';
  while (Date.now() < deadline) {
    if (exited) {
      throw new Error(`containerd exited during startup (code ${exited.code}, signal ${exited.signal}); see ${join(dir, 'containerd.log')}`);
    }
    try {
      const cri = await connectCri(socket, { connectTimeoutMs: 1000 });
      try {
        const v = await cri.version({}, { timeoutMs: 2000 });
        log(`containerd: CRI ready after ${Date.now() - started} ms (${v.runtimeName} ${v.runtimeVersion}, ${v.runtimeApiVersion})`);
        return { socket, pid, streamPort, stop };
      } finally {
        cri.close();
      }
    } catch (err) {
      lastError = (err as Error).message;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  await stop();
  throw new Error(`containerd CRI did not answer within the start timeout: ${lastError}`);
}

/** Stops the containerd a pid file names, if it is still running with this config. */
async function stopLeftover(pidFile: string, configFile: string, log: (msg: string) => void): Promise<void> {
  const pid = Number((await readFile(pidFile, 'utf8').catch(() => '')).trim());
  if (!pid) return;
  const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  if (!cmdline.includes('containerd') || !cmdline.includes(configFile)) return;
  log(`containerd: stopping leftover pid ${pid}`);
  try { process.kill(pid, 'SIGTERM'); } catch { return; }
  for (let i = 0; i < 100; i++) {
    await new Promise((r) => setTimeout(r, 100));
    if (!(await readFile(`/proc/${pid}/cmdline`, 'utf8').then((c) => c.length > 0, () => false))) return;
  }
  try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
}

function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}
