// Starts a real `skiff server` (bin/skiff) on a random loopback port with a temporary data dir,
// and drives it with the real kubectl. Every test that needs a cluster goes through here.
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { request } from 'node:https';
import { parse as parseYaml } from 'yaml';

export const ROOT = resolve(import.meta.dirname, '../..');
export const SKIFF = join(ROOT, 'bin/skiff');
export const KUBECTL = process.env.SKIFF_TEST_KUBECTL ?? '/usr/bin/kubectl';
export const kubectlVersion = (minor: number) => `/usr/lib/google-cloud-sdk/bin/kubectl.1.${minor}`;

export interface TestServer {
  url: string;
  port: number;
  dataDir: string;
  kubeconfig: string;
  process: ChildProcess;
  logs(): string;
  /** Runs kubectl with this cluster's kubeconfig; resolves even when kubectl fails. */
  kubectl(args: string[], opts?: { input?: string; binary?: string; env?: Record<string, string> }): Promise<KubectlResult>;
  /** kubectl that must succeed: returns stdout. */
  k(...args: string[]): Promise<string>;
  /** An HTTPS request with the admin credentials. */
  http(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<HttpResult>;
  stop(): Promise<void>;
  kill9(): Promise<void>;
  /** Stops and deletes the data dir. */
  destroy(): Promise<void>;
}

export interface KubectlResult { code: number; stdout: string; stderr: string }
export interface HttpResult { status: number; headers: Record<string, string | string[] | undefined>; text: string; json(): any }

export interface StartOptions {
  dataDir?: string;
  port?: number;
  args?: string[];
  /**
   * Run the real node agent (root only): a node named after the data dir on 127.0.0.1, with a
   * pod network of its own; destroy() runs `skiff killall` so no pod, bridge or cgroup is left.
   */
  agent?: boolean;
}

export async function startServer(opts: StartOptions = {}): Promise<TestServer> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'skiff-test-'));
  const kubeconfig = join(dataDir, 'kubeconfig.yaml');
  const agentArgs = opts.agent
    ? ['--node-ip', '127.0.0.1', '--kubelet-port', '0', '--node-name', `node-${basename(dataDir).replace(/[^a-z0-9]/gi, '').toLowerCase()}`,
      '--cluster-cidr', await clusterCidrFor(dataDir)]
    : ['--disable-agent'];
  const ipForwardBefore = opts.agent ? firstValue(join(dataDir, 'test-ip-forward'), () => readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8')) : undefined;
  const child = spawn(SKIFF, ['server', '--data-dir', dataDir, '--https-listen-port', String(opts.port ?? 0),
    '--bind-address', '127.0.0.1', '--write-kubeconfig', kubeconfig, ...agentArgs, ...(opts.args ?? [])],
  { stdio: ['ignore', 'pipe', 'pipe'] });
  let logs = '';
  child.stdout!.on('data', (d) => { logs += d; });
  child.stderr!.on('data', (d) => { logs += d; });
  const url = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not become ready:\n${logs}`)), 30_000);
    const onData = () => {
      const m = /msg="skiff server is ready".*? url=(\S+)/.exec(logs);
      if (m) { clearTimeout(timer); resolveUrl(m[1]); }
    };
    child.stderr!.on('data', onData);
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`server exited with ${code}:\n${logs}`)); });
  });
  const port = Number(new URL(url).port);
  const cfg = parseYaml(readFileSync(kubeconfig, 'utf8'));
  const ca = Buffer.from(cfg.clusters[0].cluster['certificate-authority-data'], 'base64');
  const cert = Buffer.from(cfg.users[0].user['client-certificate-data'], 'base64');
  const key = Buffer.from(cfg.users[0].user['client-key-data'], 'base64');

  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const server: TestServer = {
    url, port, dataDir, kubeconfig, process: child,
    logs: () => logs,
    kubectl(args, o = {}) {
      return new Promise((res) => {
        const p = execFile(o.binary ?? KUBECTL, args, {
          env: { ...process.env, KUBECONFIG: kubeconfig, ...(o.env ?? {}) }, maxBuffer: 64 * 1024 * 1024, timeout: 60_000,
        }, (err, stdout, stderr) => {
          res({ code: err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0, stdout, stderr });
        });
        if (o.input !== undefined) p.stdin!.end(o.input);
      });
    },
    async k(...args) {
      const r = await server.kubectl(args);
      if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${r.code}): ${r.stderr}${r.stdout}`);
      return r.stdout;
    },
    http(method, path, body, headers = {}) {
      return new Promise((res, reject) => {
        const data = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
        const req = request({ host: '127.0.0.1', port, path, method, ca, cert, key, headers: { 'Content-Type': 'application/json', ...headers } }, (resp) => {
          let text = '';
          resp.on('data', (d) => { text += d; });
          resp.on('end', () => res({ status: resp.statusCode ?? 0, headers: resp.headers, text, json: () => JSON.parse(text) }));
        });
        req.on('error', reject);
        req.end(data);
      });
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      await exited;
    },
    async kill9() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGKILL');
      await exited;
    },
    async destroy() {
      await server.stop();
      if (opts.agent) {
        await new Promise<void>((res) => execFile(SKIFF, ['killall', '--data-dir', dataDir], () => res()));
        // The bridge plugin turns forwarding on; put it back as it was.
        if (ipForwardBefore !== undefined) writeFileSync('/proc/sys/net/ipv4/ip_forward', ipForwardBefore);
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return server;
}

/** A value read at a data dir's first start and kept in it, so a restarted server restores what was there before. */
function firstValue(file: string, read: () => string): string {
  try { return readFileSync(file, 'utf8'); } catch { /* first start */ }
  const value = read();
  writeFileSync(file, value);
  return value;
}

/** The pod network a test cluster was first started with (kept in its data dir for restarts), or a free one. */
async function clusterCidrFor(dataDir: string): Promise<string> {
  const file = join(dataDir, 'test-cluster-cidr');
  try { return readFileSync(file, 'utf8').trim(); } catch { /* first start */ }
  const cidr = await freeClusterCidr();
  writeFileSync(file, cidr);
  return cidr;
}

/** A /16 for a test cluster's pods that no interface on this machine is using (tests run in parallel). */
async function freeClusterCidr(): Promise<string> {
  const { stdout } = await promisify(execFile)('ip', ['-4', '-o', 'addr', 'show']);
  for (let i = 0; i < 40; i++) {
    const octet = 100 + ((process.pid + i * 3) % 40);
    if (!stdout.includes(` 10.${octet}.`)) return `10.${octet}.0.0/16`;
  }
  throw new Error('no free 10.X.0.0/16 for a test cluster');
}
