// The node agent for one real node: it runs (or connects to) containerd, registers the Node with
// what the machine has, keeps its Lease and status fresh, sets up the pod network once the node has
// a pod CIDR, serves logs/exec/attach/port-forward/stats to the API server, and hands the pods bound
// here to the pod workers. Stopping it leaves pods running, as upstream's kubelet does.
import type { Node, NodeCondition, Pod, Service, Taint } from 'kubernetes-types/core/v1';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { KObject } from '../../api/types.ts';
import type { Logger } from '../../cli/log.ts';
import type { Client } from '../../client/client.ts';
import { createEventRecorder } from '../../client/event-recorder.ts';
import { createInformer, type Informer } from '../../client/informer.ts';
import { ApiError } from '../../machinery/errors.ts';
import { jsonEqual } from '../../machinery/meta.ts';
import { connectCri, type CriClient } from '../runtime/cri-client.ts';
import { startContainerd, socketPath, type RunningContainerd } from '../runtime/containerd.ts';
import { applyRegistriesFile, criRegistryAuthToml } from '../runtime/registries.ts';
import { startNodeLease } from './node-lease.ts';
import { goArch, nodeConditions, nodeResources, readMachineFacts, systemInfo } from './node-status.ts';
import { ensurePauseImage, PAUSE_IMAGE } from './pause-image.ts';
import { bridgeName, setUpPodNetwork } from './pod-network.ts';
import { startPodWorkers, type PodWorkers } from './pods/pod-workers.ts';
import { nodeCgroupRoot } from './pods/cgroups.ts';
import { ProbeManager } from './probes/probe-manager.ts';
import { containerMounts, refreshPodVolumes, setUpPodVolumes, tearDownPodVolumes, type VolumeContext } from './volumes/volume-manager.ts';
import { agentServingCert, startAgentServer } from './server/agent-server.ts';
import { createStatsProvider } from './stats/stats-provider.ts';

type NodeObject = Node & KObject;
type PodObject = Pod & KObject;
type ServiceObject = Service & KObject;

const STATUS_CHECK_MS = 10_000;
/** With a Lease, the kubelet posts an unchanged status only every few minutes (upstream: 5 min). */
const STATUS_REPORT_MS = 60_000;
/** How often projected volume contents are compared with the API (upstream: the 1 min pod resync). */
const VOLUME_REFRESH_MS = 60_000;

export interface KubeletOptions {
  /** API access as this node. */
  client: Client;
  nodeName: string;
  /** The address the API server and other nodes reach this node at (InternalIP). */
  nodeIP: string;
  /** The skiff data dir; the agent keeps its state in <dataDir>/agent. */
  dataDir: string;
  clusterDns: string;
  clusterDomain: string;
  labels: Record<string, string>;
  taints: Taint[];
  /** Server nodes carry the control-plane role label. */
  controlPlane: boolean;
  /** Port of the agent's HTTPS server (10250; 0 picks a free one). */
  kubeletPort: number;
  /** The cluster CA (PEM): the agent's server admits only clients with a certificate it signed. */
  clusterCa: string;
  /** An existing CRI socket to use instead of the agent's own containerd. */
  containerRuntimeEndpoint?: string;
  /** registries.yaml (mirrors, TLS, credentials) for the agent's own containerd. */
  registriesFile?: string;
  log: Logger;
}

export interface Kubelet {
  nodeName: string;
  /** The port the agent's HTTPS server listens on. */
  port: number;
  stop(): Promise<void>;
}

export async function startKubelet(o: KubeletOptions): Promise<Kubelet> {
  const log = o.log.with({ component: 'kubelet', node: o.nodeName });
  const started = Date.now();
  const agentDir = join(o.dataDir, 'agent');
  const cniConfDir = join(agentDir, 'etc', 'cni', 'net.d');
  await mkdir(cniConfDir, { recursive: true });
  // What `skiff killall` needs to find this node's leftovers.
  await writeFile(join(agentDir, 'node.json'), JSON.stringify({ nodeName: o.nodeName, bridge: bridgeName(o.nodeName), cgroupRoot: nodeCgroupRoot(o.nodeName) }) + '\n');
  const info = (msg: string, f?: Record<string, unknown>) => log.info(msg, f);

  let containerd: RunningContainerd | undefined;
  let socket = o.containerRuntimeEndpoint?.replace(/^unix:\/\//, '');
  if (!socket) {
    const registries = await applyRegistriesFile(join(agentDir, 'containerd', 'certs.d'), o.registriesFile);
    if (registries) info('registry configuration applied', { file: o.registriesFile, mirrors: Object.keys(registries.mirrors ?? {}).length });
    containerd = await startContainerd({
      dir: join(agentDir, 'containerd'), pauseImage: PAUSE_IMAGE, cniConfDir, log: (m) => log.debug(m),
      extraToml: registries ? criRegistryAuthToml(registries) : undefined,
    });
    socket = socketPath(join(agentDir, 'containerd'));
  }
  const cri: CriClient = await connectCri(socket);
  await ensurePauseImage(cri, socket, agentDir, info);
  const runtime = await cri.version({ version: 'v1' });
  info('container runtime ready', { runtime: `${runtime.runtimeName}://${runtime.runtimeVersion}`, ms: Date.now() - started });

  const nodesApi = o.client.resource<NodeObject>('', 'v1', 'nodes');
  const podsApi = o.client.resource<PodObject>('', 'v1', 'pods');
  const recorder = createEventRecorder(o.client, { component: 'kubelet', host: o.nodeName }, log);
  const nodeRef = { apiVersion: 'v1', kind: 'Node', metadata: { name: o.nodeName, uid: o.nodeName } } as KObject;

  // Stats and the agent's own HTTPS server (the API server proxies logs, exec, port-forward and metrics here).
  const stats = createStatsProvider({ cri, nodeName: o.nodeName, log });
  const tls = await agentServingCert(join(agentDir, 'tls'), o.nodeName, [o.nodeIP]);
  const agentServer = await startAgentServer({ cri, agentDir, tls, clientCa: o.clusterCa, log, extraRoutes: [stats.route] }, o.kubeletPort, o.nodeIP);

  // ---- the Node ----
  const machine = readMachineFacts(agentDir);
  let conditions: NodeCondition[] | undefined;
  let nodeUid: string | undefined;
  let podCIDR: string | undefined;
  let networkReady = false;
  let lastReported = 0;
  let lastStatus: unknown;

  const labels = {
    'beta.kubernetes.io/arch': goArch(), 'beta.kubernetes.io/os': 'linux',
    'kubernetes.io/arch': goArch(), 'kubernetes.io/hostname': o.nodeName, 'kubernetes.io/os': 'linux',
    ...(o.controlPlane ? { 'node-role.kubernetes.io/control-plane': 'true' } : {}),
    ...o.labels,
  };
  const annotations = { 'node.alpha.kubernetes.io/ttl': '0', 'volumes.kubernetes.io/controller-managed-attach-detach': 'true' };

  async function runtimeNotReady(): Promise<string> {
    try {
      const status = await cri.status({});
      const byType = new Map((status.status?.conditions ?? []).map((c) => [c.type, c]));
      const rt = byType.get('RuntimeReady');
      if (!rt?.status) return `container runtime is down: RuntimeReady=false reason:${rt?.reason ?? ''} message:${rt?.message ?? ''}`;
      const net = byType.get('NetworkReady');
      if (!net?.status || !networkReady) {
        return `container runtime network not ready: NetworkReady=false reason:${net?.reason || 'NetworkPluginNotReady'} message:${net?.message || 'Network plugin returns error: cni plugin not initialized'}`;
      }
      return '';
    } catch (err) {
      return `container runtime is down: ${err instanceof Error ? err.message : String(err)}`;
    }
  }

  async function currentStatus() {
    conditions = nodeConditions(conditions, { notReadyMessage: await runtimeNotReady() });
    return {
      ...nodeResources(machine),
      conditions,
      addresses: [{ type: 'InternalIP', address: o.nodeIP }, { type: 'Hostname', address: o.nodeName }],
      daemonEndpoints: { kubeletEndpoint: { Port: agentServer.port } },
      nodeInfo: systemInfo(`${runtime.runtimeName}://${runtime.runtimeVersion}`),
    };
  }

  async function register(): Promise<void> {
    const status = await currentStatus();
    let node: NodeObject;
    try {
      node = await nodesApi.create({
        apiVersion: 'v1', kind: 'Node',
        metadata: { name: o.nodeName, labels, annotations },
        spec: o.taints.length ? { taints: o.taints } : {},
        status,
      });
    } catch (err) {
      if (!(err instanceof ApiError) || err.reason !== 'AlreadyExists') throw err;
      // A restart (or a node object kept from before): bring labels up to date, keep the rest.
      node = await nodesApi.patch(o.nodeName, 'merge', { metadata: { labels, annotations } });
      node = await nodesApi.patch(o.nodeName, 'merge', { status }, { subresource: 'status' });
    }
    nodeUid = node.metadata?.uid;
    podCIDR = node.spec?.podCIDR;
    lastReported = Date.now();
    lastStatus = withoutHeartbeats(status);
    for (const [reason, message] of [
      ['Starting', 'Starting kubelet.'],
      ['NodeHasSufficientMemory', `Node ${o.nodeName} status is now: NodeHasSufficientMemory`],
      ['NodeHasNoDiskPressure', `Node ${o.nodeName} status is now: NodeHasNoDiskPressure`],
      ['NodeHasSufficientPID', `Node ${o.nodeName} status is now: NodeHasSufficientPID`],
      ['NodeAllocatableEnforced', 'Updated Node Allocatable limit across pods'],
    ]) recorder.event(nodeRef, 'Normal', reason, message);
    info('node registered', { ip: o.nodeIP, podCIDR: podCIDR ?? '(waiting)', kubeletPort: agentServer.port });
  }

  let wasReady = false;
  async function syncNodeStatus(force = false): Promise<void> {
    if (!podCIDR) {
      const node = await nodesApi.get(o.nodeName);
      podCIDR = node.spec?.podCIDR;
      nodeUid = node.metadata?.uid;
    }
    if (podCIDR && !networkReady) {
      const bridge = await setUpPodNetwork({ nodeName: o.nodeName, podCIDR, cniConfDir, ipamDir: join(agentDir, 'cni', 'networks') });
      networkReady = true;
      info('pod network ready', { podCIDR, bridge });
    }
    const status = await currentStatus();
    const ready = status.conditions.find((c) => c.type === 'Ready')?.status === 'True';
    const changed = !jsonEqual(withoutHeartbeats(status), lastStatus);
    if (!force && !changed && Date.now() - lastReported < STATUS_REPORT_MS) return;
    try {
      await nodesApi.patch(o.nodeName, 'merge', { status }, { subresource: 'status' });
    } catch (err) {
      // Someone deleted the Node: register again, as a restarted kubelet would.
      if (err instanceof ApiError && err.reason === 'NotFound') { await register(); return; }
      throw err;
    }
    lastReported = Date.now();
    lastStatus = withoutHeartbeats(status);
    if (ready && !wasReady) recorder.event(nodeRef, 'Normal', 'NodeReady', `Node ${o.nodeName} status is now: NodeReady`);
    if (!ready && wasReady) recorder.event(nodeRef, 'Normal', 'NodeNotReady', `Node ${o.nodeName} status is now: NodeNotReady`);
    wasReady = ready;
  }

  await retry(register, 'node registration', log);
  const lease = startNodeLease(o.client, o.nodeName, () => nodeUid, log);
  await lease.renew().catch((err) => log.warn('lease creation failed, retrying', { error: String(err) }));

  // The pod CIDR comes from the controller manager a moment after registration: look quickly at first.
  let statusTimer: NodeJS.Timeout | undefined;
  let stopped = false;
  const statusLoop = async (delay: number) => {
    statusTimer = setTimeout(async () => {
      if (stopped) return;
      await syncNodeStatus().catch((err) => log.warn('node status update failed', { error: err instanceof Error ? err.message : String(err) }));
      statusLoop(networkReady ? STATUS_CHECK_MS : 500);
    }, delay);
  };
  await syncNodeStatus(true).catch((err) => log.warn('node status update failed', { error: String(err) }));
  statusLoop(networkReady ? STATUS_CHECK_MS : 500);

  // ---- pods ----
  const volumeCtx: VolumeContext = { client: o.client, agentDir, nodeName: o.nodeName, log };
  let workers: PodWorkers | undefined;
  const probes = new ProbeManager({
    exec: async (containerId, cmd, timeoutSeconds) => cri.execSync({ containerId, cmd, timeout: timeoutSeconds }),
    recorder,
    onChange: (podUid) => workers?.probeChanged?.(podUid),
    onLivenessFailure: (podUid, containerName, containerId, kind, message) => workers?.restartContainer?.(podUid, containerName, containerId, kind, message),
    log,
  });
  // Containers' service environment variables come from this cache, as upstream's service lister.
  const services = createInformer(o.client.resource<ServiceObject>('', 'v1', 'services'), { shared: true });
  workers = startPodWorkers({
    cachedServices: (ns) => (services.hasSynced() ? services.list(ns) : undefined),
    cri, client: o.client, nodeName: o.nodeName, nodeIP: o.nodeIP, agentDir,
    clusterDns: o.clusterDns, clusterDomain: o.clusterDomain, recorder, log,
    volumes: {
      setUp: (pod) => setUpPodVolumes(pod, volumeCtx),
      mounts: containerMounts,
      tearDown: (uid) => tearDownPodVolumes(uid, volumeCtx),
    },
    probes,
  });
  await workers.adopt();
  const informer: Informer<PodObject> = createInformer(podsApi, { fieldSelector: `spec.nodeName=${o.nodeName}` });
  informer.addHandlers({
    onAdd: (p) => workers!.sync(p),
    onUpdate: (_old, p) => workers!.sync(p),
    onDelete: (p) => workers!.forget(p),
  });
  // ConfigMap, Secret, downward API and token contents follow the API into running pods, as
  // upstream's periodic pod sync does.
  const refreshTimer = setInterval(() => {
    for (const pod of informer.list()) {
      if (pod.status?.phase !== 'Running' || pod.metadata?.deletionTimestamp) continue;
      refreshPodVolumes(pod, volumeCtx).catch((err) => log.debug('volume refresh failed', { pod: pod.metadata?.name, error: String(err) }));
    }
  }, VOLUME_REFRESH_MS);
  // Only once every pod bound here is known may the workers clean up what no pod owns any more.
  informer.synced().then(() => workers!.synced(), () => undefined);
  info('node agent started', { ms: Date.now() - started });

  return {
    nodeName: o.nodeName,
    port: agentServer.port,
    async stop() {
      stopped = true;
      clearTimeout(statusTimer);
      lease.stop();
      informer.stop();
      services.stop();
      clearInterval(refreshTimer);
      await workers?.stop();
      probes.stop();
      stats.stop();
      await agentServer.close();
      cri.close();
      // Containers live on in their shims; a new containerd picks them up at the next start.
      await containerd?.stop();
      info('node agent stopped; pods keep running');
    },
  };
}

function withoutHeartbeats(status: { conditions: NodeCondition[] }): unknown {
  return { ...status, conditions: status.conditions.map(({ lastHeartbeatTime: _h, ...c }) => c) };
}

async function retry(f: () => Promise<void>, what: string, log: Logger): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await f();
    } catch (err) {
      log.warn(`${what} failed, retrying`, { attempt, error: err instanceof Error ? err.message : String(err) });
      await new Promise((r) => setTimeout(r, Math.min(500 * attempt, 5000)));
    }
  }
}
