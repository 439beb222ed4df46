// The `skiff` command: subcommands, flags (k3s's names), help text, process lifecycle.
import { parseArgs } from 'node:util';
import { hostname } from 'node:os';
import type { Taint } from 'kubernetes-types/core/v1';
import { startServer, type ServerConfig } from './server.ts';
import { createLogger, type Level, type Logger } from './log.ts';
import { isValidQuantity } from '../machinery/quantity.ts';
import { isQualifiedName, isValidLabelValue } from '../machinery/validation.ts';
import { CaMismatchError, joinCluster } from '../client/join.ts';
import { httpClient } from '../client/http-client.ts';
import { createEventRecorder } from '../client/event-recorder.ts';
import { startSimulatedNodes } from '../agent/simulated-nodes.ts';
import { defaultNodeIP } from './node-ip.ts';

const VERSION = '0.1.0';
const DEFAULT_NODE_CAPACITY = 'cpu=8,memory=32Gi,pods=110,ephemeral-storage=100Gi';

const MAIN_HELP = `skiff ${VERSION} - a Kubernetes-compatible cluster in one process

Usage:
  skiff server [flags]   Run the API server, store and controllers (and an agent for this node)
  skiff agent [flags]    Join a cluster as another node (or as simulated ones, --simulate N)
  skiff images import FILE.tar   Import an image archive into this node's containerd
  skiff killall          Stop every pod and the containerd of this node, and remove its network
  skiff --help           Show this help; "skiff <command> --help" shows a command's flags
  skiff --version        Print the version

Point kubectl at the cluster with the kubeconfig the server writes:
  export KUBECONFIG=/etc/skiff/skiff.yaml
  kubectl get nodes
`;

const SERVER_HELP = `Usage: skiff server [flags]

Runs a whole single-node cluster: API server on an embedded SQLite store (or etcd), controllers,
scheduler and an agent for this node.

Flags:
  --data-dir DIR              Where state lives: certificates, the SQLite database, the join token
                              (default /var/lib/skiff)
  --https-listen-port PORT    HTTPS port of the API server (default 6443)
  --bind-address ADDR         Address the API server listens on (default 0.0.0.0)
  --write-kubeconfig PATH     Where to write the admin kubeconfig (default /etc/skiff/skiff.yaml)
  --tls-san NAME|IP           Extra name or address for the serving certificate (repeatable)
  --datastore-endpoint URLS   Use etcd instead of SQLite, e.g. http://127.0.0.1:2379 (comma-separated)
  --token TOKEN               Shared secret agents use to join (default: generated, written to
                              <data-dir>/server/token)
  --node-name NAME            Name of this node (default: the host name)
  --cluster-cidr CIDR         Pod network, a /24 per node (default 10.42.0.0/16)
  --service-cidr CIDR         Service cluster IPs (default 10.43.0.0/16)
  --cluster-dns IP            Cluster DNS service address (default 10.43.0.10)
  --disable-agent             Do not run a node agent in the server process
  --node-ip IP                Address of this node for the API server and other nodes (default:
                              the host's first non-loopback IPv4 address)
  --kubelet-port PORT         HTTPS port of the node agent (default 10250; 0 picks a free one)
  --container-runtime-endpoint SOCKET
                              Use this CRI socket instead of the agent's own containerd
  --cluster-domain DOMAIN     Cluster DNS domain (default cluster.local)
  --private-registry FILE     Registry mirrors, TLS and credentials, as k3s's registries.yaml
                              (default /etc/skiff/registries.yaml)
  --simulated-nodes N         Also run N simulated nodes (sim-node-0 ...): they register, keep
                              their leases and run pods bound to them without running anything
  --node-capacity LIST        Simulated nodes' capacity (default ${DEFAULT_NODE_CAPACITY})
  --node-label KEY=VALUE      Label for this node and the simulated ones (repeatable)
  --node-taint KEY[=VALUE]:EFFECT  Taint for this node and the simulated ones (repeatable)
  --node-monitor-grace-period DURATION
                              How long a node may stop renewing its Lease before it is marked
                              NotReady (Unknown) and tainted unreachable (default 50s, upstream 1.32's)
  --default-not-ready-toleration-seconds N
  --default-unreachable-toleration-seconds N
                              Tolerations added to every pod for those taints: how long its pods
                              stay on a failed node before they are evicted (default 300)
  --log-level LEVEL           debug, info, warn or error (default info)
  -h, --help                  Show this help
`;

const AGENT_HELP = `Usage: skiff agent --server URL --token TOKEN [flags]

Joins a cluster as this machine's node: runs containerd and the pods the scheduler binds here.
With --simulate N it joins N simulated nodes instead (like kwok's): they register, keep their
leases and run the pods bound to them without running anything. The agent checks the server's CA
against the token's pin (K10<sha256>::...) before it trusts the server.

Flags:
  --server URL                The API server, e.g. https://10.0.0.1:6443
  --token TOKEN               The join token from <data-dir>/server/token on the server
  --node-ip IP                Address of this node (default: the first non-loopback IPv4 address)
  --kubelet-port PORT         HTTPS port of the node agent (default 10250; 0 picks a free one)
  --container-runtime-endpoint SOCKET
                              Use this CRI socket instead of the agent's own containerd
  --cluster-dns IP            Cluster DNS service address (default 10.43.0.10)
  --cluster-domain DOMAIN     Cluster DNS domain (default cluster.local)
  --private-registry FILE     Registry mirrors, TLS and credentials, as k3s's registries.yaml
                              (default /etc/skiff/registries.yaml)
  --simulate N                Run N simulated nodes instead of a real one
  --node-name-prefix PREFIX   Simulated nodes are named PREFIX-0, PREFIX-1, ... (default sim-node)
  --node-capacity LIST        Capacity of each node (default ${DEFAULT_NODE_CAPACITY})
  --node-label KEY=VALUE      Label for the nodes (repeatable)
  --node-taint KEY[=VALUE]:EFFECT  Taint for the nodes (repeatable)
  --data-dir DIR              Where the agent keeps its state (default /var/lib/skiff)
  --node-name NAME            Name of this node (default: the host name)
  --log-level LEVEL           debug, info, warn or error (default info)
  -h, --help                  Show this help
`;

const TAINT_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];

// Flags shared by every command that brings up (simulated) nodes.
const NODE_OPTIONS = {
  'node-capacity': { type: 'string' },
  'node-label': { type: 'string', multiple: true, default: [] as string[] },
  'node-taint': { type: 'string', multiple: true, default: [] as string[] },
} as const;

// Flags of a real node agent, in the server and in `skiff agent`.
const AGENT_OPTIONS = {
  'node-ip': { type: 'string' },
  'kubelet-port': { type: 'string', default: '10250' },
  'container-runtime-endpoint': { type: 'string' },
  'cluster-domain': { type: 'string', default: 'cluster.local' },
  'private-registry': { type: 'string', default: '/etc/skiff/registries.yaml' },
} as const;

interface NodeSettings { capacity: Record<string, string>; labels: Record<string, string>; taints: Taint[] }

/** --node-capacity over the defaults, --node-label and --node-taint; throws a message naming the bad flag. */
function parseNodeSettings(capacity: string | undefined, labels: string[], taints: string[]): NodeSettings {
  const settings: NodeSettings = { capacity: parsePairs(DEFAULT_NODE_CAPACITY, '--node-capacity'), labels: {}, taints: [] };
  if (capacity !== undefined) {
    for (const [name, q] of Object.entries(parsePairs(capacity, '--node-capacity'))) {
      if (isQualifiedName(name).length) throw new Error(`invalid --node-capacity ${name}=${q}: ${isQualifiedName(name).join('; ')}`);
      if (!isValidQuantity(q)) throw new Error(`invalid --node-capacity ${name}=${q}: not a quantity`);
      settings.capacity[name] = q;
    }
  }
  for (const label of labels) {
    const [key, value] = splitOnce(label, '=', '--node-label');
    const problems = [...isQualifiedName(key), ...isValidLabelValue(value)];
    if (problems.length) throw new Error(`invalid --node-label ${label}: ${problems.join('; ')}`);
    settings.labels[key] = value;
  }
  for (const taint of taints) {
    const colon = taint.lastIndexOf(':');
    const effect = colon < 0 ? '' : taint.slice(colon + 1);
    if (!TAINT_EFFECTS.includes(effect)) throw new Error(`invalid --node-taint ${taint}: want KEY[=VALUE]:EFFECT with EFFECT one of ${TAINT_EFFECTS.join(', ')}`);
    const [key, value] = taint.slice(0, colon).includes('=') ? splitOnce(taint.slice(0, colon), '=', '--node-taint') : [taint.slice(0, colon), ''];
    const problems = [...isQualifiedName(key), ...isValidLabelValue(value)];
    if (problems.length) throw new Error(`invalid --node-taint ${taint}: ${problems.join('; ')}`);
    settings.taints.push(value ? { key, value, effect } : { key, effect });
  }
  return settings;
}

function parsePairs(list: string, flag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of list.split(',').map((s) => s.trim()).filter(Boolean)) {
    const [k, v] = splitOnce(item, '=', flag);
    out[k] = v;
  }
  return out;
}

function splitOnce(s: string, sep: string, flag: string): [string, string] {
  const i = s.indexOf(sep);
  if (i <= 0) throw new Error(`invalid ${flag} ${s}: want KEY${sep}VALUE`);
  return [s.slice(0, i), s.slice(i + 1)];
}

function parseCount(value: string | undefined, flag: string, help: string): number {
  const n = Number(value ?? 0);
  if (!/^\d+$/.test(value ?? '0') || !Number.isSafeInteger(n)) fail(`invalid ${flag} ${value}: want a whole number`, help);
  return n;
}

function fail(message: string, help: string): never {
  process.stderr.write(`skiff: ${message}\n\n${help}`);
  process.exit(2);
}

async function runServer(args: string[]): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({
      args, allowPositionals: false, strict: true,
      options: {
        'data-dir': { type: 'string', default: '/var/lib/skiff' },
        'https-listen-port': { type: 'string', default: '6443' },
        'bind-address': { type: 'string', default: '0.0.0.0' },
        'write-kubeconfig': { type: 'string', default: '/etc/skiff/skiff.yaml' },
        'tls-san': { type: 'string', multiple: true, default: [] },
        'datastore-endpoint': { type: 'string' },
        token: { type: 'string' },
        'node-name': { type: 'string', default: hostname() },
        'cluster-cidr': { type: 'string', default: '10.42.0.0/16' },
        'service-cidr': { type: 'string', default: '10.43.0.0/16' },
        'cluster-dns': { type: 'string', default: '10.43.0.10' },
        'disable-agent': { type: 'boolean', default: false },
        ...AGENT_OPTIONS,
        'simulated-nodes': { type: 'string', default: '0' },
        'node-monitor-grace-period': { type: 'string', default: '50s' },
        'default-not-ready-toleration-seconds': { type: 'string', default: '300' },
        'default-unreachable-toleration-seconds': { type: 'string', default: '300' },
        ...NODE_OPTIONS,
        'log-level': { type: 'string', default: 'info' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (err) {
    fail((err as Error).message, SERVER_HELP);
  }
  const v = parsed.values;
  if (v.help) { process.stdout.write(SERVER_HELP); return; }
  const port = Number(v['https-listen-port']);
  if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`invalid --https-listen-port ${v['https-listen-port']}`, SERVER_HELP);
  const level = v['log-level'] as Level;
  if (!['debug', 'info', 'warn', 'error'].includes(level)) fail(`invalid --log-level ${level}`, SERVER_HELP);
  const simulatedCount = parseCount(v['simulated-nodes'], '--simulated-nodes', SERVER_HELP);
  let nodeSettings: NodeSettings;
  try {
    nodeSettings = parseNodeSettings(v['node-capacity'], v['node-label'] as string[], v['node-taint'] as string[]);
  } catch (err) {
    fail((err as Error).message, SERVER_HELP);
  }
  const graceSeconds = parseSeconds(v['node-monitor-grace-period']!);
  if (graceSeconds === undefined || graceSeconds <= 0) fail(`invalid --node-monitor-grace-period ${v['node-monitor-grace-period']}`, SERVER_HELP);
  const notReadySeconds = parseCount(v['default-not-ready-toleration-seconds'], '--default-not-ready-toleration-seconds', SERVER_HELP);
  const unreachableSeconds = parseCount(v['default-unreachable-toleration-seconds'], '--default-unreachable-toleration-seconds', SERVER_HELP);
  const log = createLogger(level, { component: 'server' });
  const cfg: ServerConfig = {
    nodeMonitorGracePeriodMs: graceSeconds * 1000,
    defaultTolerationSeconds: { notReady: notReadySeconds, unreachable: unreachableSeconds },
    dataDir: v['data-dir']!, httpsListenPort: port, bindAddress: v['bind-address']!,
    writeKubeconfig: v['write-kubeconfig']!, datastoreEndpoint: v['datastore-endpoint'], token: v.token,
    nodeName: v['node-name']!, clusterCidr: v['cluster-cidr']!, serviceCidr: v['service-cidr']!,
    clusterDns: v['cluster-dns']!, disableAgent: v['disable-agent']!, tlsSans: v['tls-san'] as string[],
    simulatedNodes: simulatedCount > 0 ? { count: simulatedCount, ...nodeSettings } : undefined,
    agent: { ...agentSettings(v, nodeSettings, SERVER_HELP), labels: nodeSettings.labels, taints: nodeSettings.taints },
  };
  if (!cfg.disableAgent) requireRoot(SERVER_HELP);
  const server = await startServer(cfg, log);
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info('shutting down', { signal });
    server.stop().then(() => process.exit(0), (err) => { log.error('shutdown failed', { error: String(err) }); process.exit(1); });
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

async function runAgent(args: string[]): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({
      args, allowPositionals: false, strict: true,
      options: {
        server: { type: 'string' },
        token: { type: 'string' },
        simulate: { type: 'string' },
        'node-name-prefix': { type: 'string', default: 'sim-node' },
        ...NODE_OPTIONS,
        ...AGENT_OPTIONS,
        'cluster-dns': { type: 'string', default: '10.43.0.10' },
        'data-dir': { type: 'string', default: '/var/lib/skiff' },
        'node-name': { type: 'string', default: hostname() },
        'log-level': { type: 'string', default: 'info' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (err) {
    fail((err as Error).message, AGENT_HELP);
  }
  const v = parsed.values;
  if (v.help) { process.stdout.write(AGENT_HELP); return; }
  const count = v.simulate === undefined ? 0 : parseCount(v.simulate, '--simulate', AGENT_HELP);
  const prefix = v['node-name-prefix']!;
  if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(prefix)) fail(`invalid --node-name-prefix ${prefix}: want lower case letters, digits, '-' and '.'`, AGENT_HELP);
  if (!v.server) fail('--server is required', AGENT_HELP);
  if (!v.token) fail('--token is required', AGENT_HELP);
  let server: URL;
  try {
    server = new URL(v.server);
    if (server.protocol !== 'https:') throw new Error('not https');
  } catch {
    fail(`invalid --server ${v.server}: want https://HOST:PORT`, AGENT_HELP);
  }
  let nodeSettings: NodeSettings;
  try {
    nodeSettings = parseNodeSettings(v['node-capacity'], v['node-label'] as string[], v['node-taint'] as string[]);
  } catch (err) {
    fail((err as Error).message, AGENT_HELP);
  }
  const level = v['log-level'] as Level;
  if (!['debug', 'info', 'warn', 'error'].includes(level)) fail(`invalid --log-level ${level}`, AGENT_HELP);
  // A real node's flags are checked before anything is started.
  const realNode = v.simulate === undefined ? agentSettings(v, nodeSettings, AGENT_HELP) : undefined;
  if (realNode) requireRoot(AGENT_HELP);
  const log = createLogger(level, { component: 'agent' });
  const token = v.token.trim();

  let stopping = false;
  let stopNodes: (() => Promise<void>) | undefined;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info('shutting down', { signal });
    (stopNodes?.() ?? Promise.resolve()).then(() => process.exit(0), () => process.exit(1));
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));

  const { ca } = await joinWithRetry(server.origin, token, log, () => stopping);
  if (stopping) return;
  const client = httpClient({ server: server.origin, ca, token, userAgent: `skiff-agent/${VERSION}` });
  if (realNode) {
    // Loaded only here: the kubelet's code is large and simulated nodes do not need it.
    const { startKubelet } = await import('../agent/kubelet/kubelet.ts');
    const kubelet = await startKubelet({
      client, nodeName: v['node-name']!, dataDir: v['data-dir']!, clusterDns: v['cluster-dns']!, clusterCa: ca,
      labels: nodeSettings.labels, taints: nodeSettings.taints, controlPlane: false, ...realNode, log,
    });
    stopNodes = () => kubelet.stop();
    log.info('skiff agent is running', { server: server.origin, node: kubelet.nodeName, kubeletPort: kubelet.port });
    return;
  }
  const nodes = startSimulatedNodes({
    client, count, namePrefix: prefix, ...nodeSettings, log,
    recorder: (host) => createEventRecorder(client, { component: 'kubelet', host }, log),
  });
  stopNodes = () => nodes.stop();
  log.info('skiff agent is running', { server: server.origin, simulatedNodes: count, prefix });
}

/** Joins as k3s agents do: wait for the server to answer, but never trust a CA that fails the token's pin. */
async function joinWithRetry(server: string, token: string, log: Logger, stopping: () => boolean): Promise<{ ca: string }> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await joinCluster(server, token);
    } catch (err) {
      if (err instanceof CaMismatchError) {
        log.error('refusing to join: the server is not the cluster the token belongs to', { error: err.message });
        process.exit(1);
      }
      if (stopping()) return { ca: '' };
      log.warn('waiting for the server to hand out its CA', { server, attempt, error: err instanceof Error ? err.message : String(err) });
      await new Promise((r) => setTimeout(r, Math.min(1000 * attempt, 5000)));
    }
  }
}

/** The flags of a real node agent, checked. */
function agentSettings(v: Record<string, unknown>, _nodes: NodeSettings, help: string) {
  const port = Number(v['kubelet-port']);
  if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`invalid --kubelet-port ${String(v['kubelet-port'])}`, help);
  const nodeIP = (v['node-ip'] as string | undefined) ?? defaultNodeIP();
  if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(nodeIP)) fail(`invalid --node-ip ${nodeIP}: want an IPv4 address`, help);
  return {
    nodeIP, kubeletPort: port,
    containerRuntimeEndpoint: v['container-runtime-endpoint'] as string | undefined,
    clusterDomain: v['cluster-domain'] as string,
    registriesFile: v['private-registry'] as string,
  };
}

function requireRoot(help: string): void {
  if (process.getuid?.() !== 0) fail('the node agent runs containers and needs root; run as root (or pass --disable-agent to the server)', help);
}

/** "40s", "2m", "1m30s" or plain seconds. */
function parseSeconds(text: string): number | undefined {
  if (/^\d+$/.test(text)) return Number(text);
  const m = /^(?:(\d+)m)?(?:(\d+)s)?$/.exec(text);
  if (!m || (!m[1] && !m[2])) return undefined;
  return Number(m[1] ?? 0) * 60 + Number(m[2] ?? 0);
}

export async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'server': return runServer(rest);
    case 'agent': return runAgent(rest);
    case 'images': return (await import('./images.ts')).runImages(rest);
    case 'killall': return (await import('./killall.ts')).runKillall(rest);
    case '--version': case 'version': process.stdout.write(`skiff version v${VERSION} (kubernetes v1.32.0)\n`); return;
    case undefined: case '--help': case '-h': case 'help': process.stdout.write(MAIN_HELP); return;
    default: fail(`unknown command "${command}"`, MAIN_HELP);
  }
}

main(process.argv.slice(2)).catch((err) => {
  process.stderr.write(`skiff: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});
