// `skiff server`: credentials, store, API server, controllers, scheduler and simulated nodes, in
// one process. Flags mirror k3s's.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { limitRanger } from '../apiserver/admission/limit-ranger.ts';
import { priority } from '../apiserver/admission/priority.ts';
import { resourceQuota } from '../apiserver/admission/resource-quota.ts';
import { defaultTolerationSeconds } from '../apiserver/admission/default-toleration-seconds.ts';
import { serviceAccountAdmission } from '../apiserver/admission/service-account.ts';
import { defaultStorageClass } from '../apiserver/admission/default-storage-class.ts';
import { admissionReads } from '../apiserver/admission/cached-reads.ts';
import { allResources } from '../api/all.ts';
import { ResourceIndex } from '../apiserver/resource-index.ts';
import { GenericRegistry } from '../apiserver/generic-registry.ts';
import { createApiServer, type ApiServer } from '../apiserver/server.ts';
import { staticTokens } from '../apiserver/authn.ts';
import { loadServiceAccountTokens } from '../apiserver/serviceaccount-tokens.ts';
import { namespaceLifecycle } from '../apiserver/admission/namespace-lifecycle.ts';
import { serviceAllocation } from '../apiserver/admission/service-allocation.ts';
import { openSqliteStore } from '../storage/sqlite-store.ts';
import { startCompactor } from '../storage/compactor.ts';
import type { Store } from '../storage/store.ts';
import { defaultServingSans, ensureServerCredentials } from './pki.ts';
import { adminKubeconfig, writeKubeconfig } from './kubeconfig.ts';
import type { Logger } from './log.ts';
import { bootstrapCluster } from './bootstrap.ts';
import { schemaPatchApplier } from '../apiserver/patch-applier.ts';
import { schemaFieldManager } from '../apiserver/field-manager.ts';
import { inProcessClient } from '../client/in-process-client.ts';
import { startControllerManager } from '../controllers/manager.ts';
import { InformerFactory } from '../client/informer.ts';
import { startScheduler } from '../scheduler/scheduler.ts';
import { runWithLeaderElection } from '../controllers/leader-election.ts';
import { randomUUID } from 'node:crypto';
import { startSimulatedNodes } from '../agent/simulated-nodes.ts';
import { createEventRecorder } from '../client/event-recorder.ts';
import type { ServiceAccount, Taint } from 'kubernetes-types/core/v1';
import type { StorageClass } from 'kubernetes-types/storage/v1';
import { defaultNodeIP } from './node-ip.ts';
import type { Kubelet } from '../agent/kubelet/kubelet.ts';

export interface ServerConfig {
  /** How long a node's Lease may go unrenewed before the node is marked NotReady. */
  nodeMonitorGracePeriodMs?: number;
  /** Tolerations for the not-ready/unreachable taints added to every pod. */
  defaultTolerationSeconds?: { notReady: number; unreachable: number };
  dataDir: string;
  httpsListenPort: number;
  bindAddress: string;
  writeKubeconfig: string;
  datastoreEndpoint?: string;
  token?: string;
  nodeName: string;
  clusterCidr: string;
  serviceCidr: string;
  clusterDns: string;
  disableAgent: boolean;
  tlsSans: string[];
  /** Simulated nodes (kwok-like) to run in this process, with pod CIDRs from clusterCidr. */
  simulatedNodes?: { count: number; capacity: Record<string, string>; labels: Record<string, string>; taints: Taint[] };
  /** The node agent for this machine (unless disableAgent). */
  agent?: { nodeIP: string; kubeletPort: number; containerRuntimeEndpoint?: string; clusterDomain: string; registriesFile?: string; labels?: Record<string, string>; taints?: Taint[] };
}

export interface RunningServer {
  url: string;
  store: Store;
  registry: GenericRegistry;
  api: ApiServer;
  stop(): Promise<void>;
}

export async function startServer(cfg: ServerConfig, log: Logger): Promise<RunningServer> {
  const started = performance.now();
  mkdirSync(join(cfg.dataDir, 'server', 'db'), { recursive: true, mode: 0o700 });

  const sans = defaultServingSans(cfg.tlsSans);
  if (cfg.bindAddress !== '0.0.0.0' && !sans.ips.includes(cfg.bindAddress)) sans.ips.push(cfg.bindAddress);
  const creds = await ensureServerCredentials(cfg.dataDir, sans, (msg, fields) => log.info(msg, fields as Record<string, unknown>));
  // Signs and checks service account tokens (TokenRequest, projected kube-api-access volumes).
  const saTokens = await loadServiceAccountTokens(cfg.dataDir);

  // The etcd client (gRPC) is large: load it only when it is used.
  const store = cfg.datastoreEndpoint
    ? await (await import('../storage/etcd-store.ts')).openEtcdStore(cfg.datastoreEndpoint.split(',').map((e) => e.trim()))
    : openSqliteStore(join(cfg.dataDir, 'server', 'db', 'state.db'));
  log.info('datastore opened', { backend: cfg.datastoreEndpoint ? 'etcd' : 'sqlite', revision: await store.currentRevision() });
  const compactor = startCompactor(store, { log: (msg, fields) => log.info(msg, fields as Record<string, unknown>) });

  const index = new ResourceIndex(allResources);
  const servicesDef = index.lookup('', 'v1', 'services')!;
  const namespacesDef = index.lookup('', 'v1', 'namespaces')!;
  // Admission plugins read what they guard from caches fed by watches on this same registry (set
  // just below), as upstream's plugins read informer listers; the store is asked while a cache is still
  // filling and wherever a miss may only mean the cache lags.
  let registry: GenericRegistry;
  const lookup = (group: string, plural: string) => index.lookup(group, 'v1', plural)!;
  const reads = admissionReads(() => registry, index, {
    namespaces: namespacesDef,
    limitRanges: lookup('', 'limitranges'),
    quotas: lookup('', 'resourcequotas'),
    priorityClasses: lookup('scheduling.k8s.io', 'priorityclasses'),
    serviceAccounts: lookup('', 'serviceaccounts'),
    storageClasses: lookup('storage.k8s.io', 'storageclasses'),
  });
  registry = new GenericRegistry(store, {
    patchApplier: schemaPatchApplier,
    fieldManager: schemaFieldManager,
    // In upstream's order: NamespaceLifecycle, LimitRanger, Priority, DefaultTolerationSeconds, ..., ResourceQuota last.
    admission: [
      namespaceLifecycle(reads.getNamespace),
      limitRanger(reads.listLimitRanges),
      serviceAccountAdmission({ getServiceAccount: async (ns, name) => (await reads.getServiceAccount(ns, name)) as ServiceAccount | undefined }),
      priority({ getPriorityClass: reads.getPriorityClass, listPriorityClasses: reads.listPriorityClasses }),
      defaultStorageClass(async () => (await reads.listStorageClasses()) as unknown as StorageClass[]),
      defaultTolerationSeconds({ notReadySeconds: cfg.defaultTolerationSeconds?.notReady, unreachableSeconds: cfg.defaultTolerationSeconds?.unreachable }),
      // Read live: a just-stored Service the cache has not seen yet would look free to allocate.
      serviceAllocation(cfg.serviceCidr, async () => (await registry.list(servicesDef, {})).items),
      resourceQuota({ listQuotas: reads.listQuotas, updateQuotaStatus: reads.updateQuotaStatus }),
    ],
  });
  reads.start();

  let storeOk = true;
  let bootstrapped = false;
  const api = createApiServer({
    index, registry, log,
    tls: { cert: creds.servingCert, key: creds.servingKey, ca: creds.caCert },
    tokens: [staticTokens(joinTokens(creds.token, cfg.token)), saTokens.authenticator],
    serviceAccountTokens: saTokens,
    // The API server's client certificate towards node agents (logs, exec, port-forward, metrics).
    kubeletClient: { cert: creds.kubeletClientCert, key: creds.kubeletClientKey },
    readyChecks: [
      { name: 'etcd', check: () => (storeOk ? undefined : 'datastore unreachable') },
      { name: 'poststarthook/bootstrap-controller', check: () => (bootstrapped ? undefined : 'not finished') },
    ],
  });
  const address = await api.listen(cfg.httpsListenPort, cfg.bindAddress);
  await bootstrapCluster(registry, index, { serviceCidr: cfg.serviceCidr, advertiseAddress: advertiseAddress(cfg.bindAddress), port: address.port }, log);
  bootstrapped = true;
  const controllerClient = inProcessClient(registry, index, { name: 'system:kube-controller-manager', groups: ['system:authenticated'] });
  const informers = new InformerFactory((g, v, p) => controllerClient.resource(g, v, p));
  // Controllers and scheduler run where they hold their Lease, so several servers share one cluster.
  const identity = `${cfg.nodeName}_${randomUUID()}`;
  const schedulerLease = runWithLeaderElection({
    client: controllerClient, name: 'kube-scheduler', namespace: 'kube-system', identity, log,
    onStartedLeading: () => startScheduler({ client: schedulerClient(registry, index), informers, log: log.with({ component: 'scheduler' }) }),
  });
  const controllersLease = runWithLeaderElection({
    client: controllerClient, name: 'kube-controller-manager', namespace: 'kube-system', identity, log,
    onStartedLeading: () => startControllerManager(controllerClient, informers, index.all(), log, { caCert: creds.caCert, nodeMonitorGracePeriodMs: cfg.nodeMonitorGracePeriodMs, clusterCidr: cfg.clusterCidr, storageDir: join(cfg.dataDir, 'storage') }),
  });
  let simulated: { stop(): Promise<void> } | undefined;
  if (cfg.simulatedNodes?.count) {
    const kubeletClient = inProcessClient(registry, index, { name: 'system:node:simulated', groups: ['system:nodes', 'system:authenticated'] });
    simulated = startSimulatedNodes({
      client: kubeletClient, ...cfg.simulatedNodes, podCidrBase: cfg.clusterCidr, log,
      recorder: (host) => createEventRecorder(kubeletClient, { component: 'kubelet', host }, log),
    });
  }
  const host = cfg.bindAddress === '0.0.0.0' || cfg.bindAddress === '::' ? '127.0.0.1' : cfg.bindAddress;
  const url = `https://${host}:${address.port}`;
  writeKubeconfig(cfg.writeKubeconfig, adminKubeconfig(creds, url));
  log.info('skiff server is ready', { url, kubeconfig: cfg.writeKubeconfig, startupMs: Math.round(performance.now() - started) });

  // The node agent starts after the API is up (containerd takes a second); a failure stops the server.
  let kubelet: Promise<Kubelet | undefined> = Promise.resolve(undefined);
  if (!cfg.disableAgent && cfg.agent) {
    const agent = cfg.agent;
    const nodeClient = inProcessClient(registry, index, { name: `system:node:${cfg.nodeName}`, groups: ['system:nodes', 'system:authenticated'] }, saTokens);
    // Loaded only when used: servers without an agent (and their startup time) do not pay for it.
    kubelet = import('../agent/kubelet/kubelet.ts').then(({ startKubelet }) => startKubelet({
      client: nodeClient, nodeName: cfg.nodeName, dataDir: cfg.dataDir, clusterDns: cfg.clusterDns, clusterCa: creds.caCert,
      labels: agent.labels ?? {}, taints: agent.taints ?? [], controlPlane: true,
      nodeIP: agent.nodeIP, kubeletPort: agent.kubeletPort, containerRuntimeEndpoint: agent.containerRuntimeEndpoint,
      clusterDomain: agent.clusterDomain, registriesFile: agent.registriesFile, log,
    }));
    kubelet.catch((err) => {
      log.error('the node agent failed to start', { error: err instanceof Error ? err.message : String(err) });
      process.kill(process.pid, 'SIGTERM');
    });
  }

  return {
    url, store, registry, api,
    async stop() {
      storeOk = false;
      await (await kubelet.catch(() => undefined))?.stop();
      await simulated?.stop();
      await Promise.all([controllersLease.stop(), schedulerLease.stop()]);
      informers.stop();
      reads.stop();
      compactor.stop();
      await api.close();
      await store.close();
    },
  };
}

function schedulerClient(registry: GenericRegistry, index: ResourceIndex) {
  return inProcessClient(registry, index, { name: 'system:kube-scheduler', groups: ['system:authenticated'] });
}

/** The join token in its full (K10<ca pin>::server:<secret>) and bare forms, plus an operator-chosen --token. */
function joinTokens(generated: string, chosen: string | undefined) {
  const user = { name: 'skiff:join', groups: ['system:bootstrappers'] };
  const tokens = new Set([generated, generated.split('::server:')[1] ?? generated]);
  if (chosen) tokens.add(chosen);
  return [...tokens].filter(Boolean).map((token) => ({ token, user }));
}

/** The address other nodes and the kubernetes Service should use to reach this server. */
function advertiseAddress(bindAddress: string): string {
  // Endpoints may not hold loopback addresses, so a loopback bind still advertises the host's address.
  if (bindAddress !== '0.0.0.0' && bindAddress !== '::' && !bindAddress.startsWith('127.')) return bindAddress;
  return defaultNodeIP();
}
