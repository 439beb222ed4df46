// The `skiff` command: subcommands, flags (k3s's names), help text, process lifecycle.
import { parseArgs } from 'node:util';
import { hostname } from 'node:os';
import { startServer, type ServerConfig } from './server.ts';
import { createLogger, type Level } from './log.ts';

const VERSION = '0.1.0';

const MAIN_HELP = `skiff ${VERSION} - a Kubernetes-compatible cluster in one process

Usage:
  skiff server [flags]   Run the API server, store and controllers (and an agent for this node)
  skiff agent [flags]    Join another machine to a cluster as a node
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
  --log-level LEVEL           debug, info, warn or error (default info)
  -h, --help                  Show this help
`;

const AGENT_HELP = `Usage: skiff agent --server URL --token TOKEN [flags]

Joins this machine to a cluster as a node. (The node agent arrives with a later release.)

Flags:
  --server URL        The API server, e.g. https://10.0.0.1:6443
  --token TOKEN       The join token from <data-dir>/server/token on the server
  --data-dir DIR      Where the agent keeps its state (default /var/lib/skiff)
  --node-name NAME    Name of this node (default: the host name)
  -h, --help          Show this help
`;

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
  const log = createLogger(level, { component: 'server' });
  const cfg: ServerConfig = {
    dataDir: v['data-dir']!, httpsListenPort: port, bindAddress: v['bind-address']!,
    writeKubeconfig: v['write-kubeconfig']!, datastoreEndpoint: v['datastore-endpoint'], token: v.token,
    nodeName: v['node-name']!, clusterCidr: v['cluster-cidr']!, serviceCidr: v['service-cidr']!,
    clusterDns: v['cluster-dns']!, disableAgent: v['disable-agent']!, tlsSans: v['tls-san'] as string[],
  };
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

export async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'server': return runServer(rest);
    case 'agent':
      if (rest.includes('--help') || rest.includes('-h')) { process.stdout.write(AGENT_HELP); return; }
      fail('the node agent is not available in this release', AGENT_HELP);
    case '--version': case 'version': process.stdout.write(`skiff version v${VERSION} (kubernetes v1.32.0)\n`); return;
    case undefined: case '--help': case '-h': case 'help': process.stdout.write(MAIN_HELP); return;
    default: fail(`unknown command "${command}"`, MAIN_HELP);
  }
}

main(process.argv.slice(2)).catch((err) => {
  process.stderr.write(`skiff: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});
