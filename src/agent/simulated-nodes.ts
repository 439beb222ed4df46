// Simulated nodes, as kwok makes them: many Node objects that behave like real kubelets from the
// API's point of view — registered with capacity, conditions and a pod CIDR, Leases renewed,
// heartbeats posted — and that play the kubelet for pods bound to them (Pending → Running, and
// Succeeded or removed as their spec and deletion ask), without running anything.
//
// Built to carry thousands of nodes in one process: one pod informer for the whole node set, one
// ticker spreading lease renewals and heartbeats over their intervals (no per-node timers), and
// bounded concurrency for every write.
import { randomUUID, createHash } from 'node:crypto';
import type { Node, NodeCondition, NodeStatus, Pod, Taint } from 'kubernetes-types/core/v1';
import type { Lease } from 'kubernetes-types/coordination/v1';
import type { KObject } from '../api/types.ts';
import type { Client } from '../client/client.ts';
import { createInformer, objectKeyOf, type Informer } from '../client/informer.ts';
import type { EventRecorder } from '../client/event-recorder.ts';
import { runController, type RunningController } from '../controllers/controller.ts';
import type { Logger } from '../cli/log.ts';
import { ApiError } from '../machinery/errors.ts';
import { rfc3339, rfc3339Micro } from '../machinery/meta.ts';
import {
  allocateAddresses, allocateSubnets, cidrContains, formatCidr, formatIpv4, parseIpv4, parseIpv4Cidr, podAddressCount, type Ipv4Cidr,
} from './node-cidrs.ts';
import { completedStatus, nextPodAction, runningStatus } from './simulated-pod-status.ts';

export const SIMULATED_LABEL = 'node.skiff.io/simulated';
export const KUBELET_VERSION = 'v1.32.0';
const DEFAULT_PREFIX = 'sim-node';
const DEFAULT_POD_CIDR = '10.42.0.0/16';
// RFC 2544's benchmarking range: documentation-only addresses nothing ever routes to.
const NODE_ADDRESS_POOL = '198.18.0.0/15';
const LEASE_NAMESPACE = 'kube-node-lease';
const LEASE_DURATION_SECONDS = 40;

const TICK_MS = 1000;
const LEASE_RENEW_TICKS = 10;   // every 10 s, as the kubelet renews
const HEARTBEAT_TICKS = 40;     // every 40 s: with leases, upstream posts status every 5 min at least
const REGISTER_RETRY_TICKS = 5;
const WRITE_CONCURRENCY = 32;
const POD_WORKERS = 16;
const PROGRESS_LOG_MS = 2000;
const FAILURE_LOG_MS = 10_000;
const LIST_PAGE = 500;

export interface SimulatedNodesOptions {
  client: Client;
  count: number;
  /** Nodes are named <prefix>-<i> (default sim-node). */
  namePrefix?: string;
  capacity: Record<string, string>;
  labels?: Record<string, string>;
  taints?: Taint[];
  /** The pool node pod CIDRs are carved from (default 10.42.0.0/16, a /24 per node). */
  podCidrBase?: string;
  /** How long a bound pod stays Pending before it runs (default 0). */
  readyDelayMs?: number;
  log: Logger;
  /** An event recorder per node (its kubelet's source host); without one, no events are recorded. */
  recorder?: (nodeName: string) => EventRecorder;
}

export interface SimulatedNodes {
  /** Resolves once every node has registered (failures keep retrying in the background). */
  ready: Promise<void>;
  stop(): Promise<void>;
}

type NodeObject = Node & KObject;
type PodObject = Pod & KObject;
type LeaseObject = Lease & KObject;

interface SimNode {
  name: string;
  index: number;
  cidr?: Ipv4Cidr;
  ip: string;
  uid?: string;
  registered: boolean;
  everRegistered: boolean;
  lease?: LeaseObject;
  conditions?: NodeCondition[];
  busy: Set<'register' | 'lease' | 'heartbeat'>;
  /** Pod addresses in use, as offsets into the CIDR; the next search starts at `nextHost`. */
  usedHosts: Set<number>;
  nextHost: number;
  events?: EventRecorder;
}

interface PodState {
  seenAt: number;
  runningSince?: number;
  ip?: { node: SimNode; host: number };
}

export function startSimulatedNodes(opts: SimulatedNodesOptions): SimulatedNodes {
  const log = opts.log.with({ component: 'simulated-nodes' });
  const prefix = opts.namePrefix ?? DEFAULT_PREFIX;
  const readyDelayMs = opts.readyDelayMs ?? 0;
  const nodesApi = opts.client.resource<NodeObject>('', 'v1', 'nodes');
  const leasesApi = opts.client.resource<LeaseObject>('coordination.k8s.io', 'v1', 'leases');
  const podsApi = opts.client.resource<PodObject>('', 'v1', 'pods');
  const bootID = randomUUID();
  const arch = goArch(process.arch);

  const nodes: SimNode[] = [];
  const byName = new Map<string, SimNode>();
  const podStates = new Map<string, PodState>(); // by pod uid
  const inFlight = new Set<Promise<unknown>>();
  const writes = limiter(WRITE_CONCURRENCY);
  let stopped = false;
  let ticker: NodeJS.Timeout | undefined;
  let informer: Informer<PodObject> | undefined;
  let controller: RunningController | undefined;
  let registeredCount = 0;
  let resolveReady!: () => void;
  const ready = new Promise<void>((r) => { resolveReady = r; });
  if (opts.count <= 0) resolveReady();

  const started = Date.now();
  let lastProgressLog = started;
  // Failures are summed and logged at most every 10 s: with the server away, thousands of nodes fail at once.
  const failures = { count: 0, kinds: new Set<string>(), node: '', error: '' };
  let lastFailureLog = 0;

  // ---- nodes -----------------------------------------------------------------------------

  function nodeLabels(node: SimNode): Record<string, string> {
    return {
      'beta.kubernetes.io/arch': arch,
      'beta.kubernetes.io/os': 'linux',
      'kubernetes.io/arch': arch,
      'kubernetes.io/hostname': node.name,
      'kubernetes.io/os': 'linux',
      [SIMULATED_LABEL]: 'true',
      ...opts.labels,
    };
  }

  const annotations = {
    'node.alpha.kubernetes.io/ttl': '0',
    'volumes.kubernetes.io/controller-managed-attach-detach': 'true',
  };

  /** The configured capacity, but never more pods than the node's subnet has addresses for. */
  function nodeCapacity(node: SimNode): Record<string, string> {
    const capacity = { ...opts.capacity };
    const addresses = node.cidr ? podAddressCount(node.cidr) : undefined;
    if (addresses !== undefined && capacity.pods !== undefined && Number(capacity.pods) > addresses) capacity.pods = String(addresses);
    return capacity;
  }

  function nodeStatus(node: SimNode): NodeStatus {
    node.conditions = nodeConditions(new Date(), node.conditions);
    const hash = createHash('sha256').update(node.name).digest('hex');
    return {
      capacity: nodeCapacity(node),
      allocatable: nodeCapacity(node),
      conditions: node.conditions,
      addresses: [{ type: 'InternalIP', address: node.ip }, { type: 'Hostname', address: node.name }],
      daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
      nodeInfo: {
        machineID: hash.slice(0, 32),
        systemUUID: `${hash.slice(0, 8)}-${hash.slice(8, 12)}-${hash.slice(12, 16)}-${hash.slice(16, 20)}-${hash.slice(20, 32)}`,
        bootID,
        kernelVersion: '',
        osImage: 'Skiff Simulated Node',
        containerRuntimeVersion: 'simulated://0.1.0',
        kubeletVersion: KUBELET_VERSION,
        kubeProxyVersion: '',
        operatingSystem: 'linux',
        architecture: arch,
      },
    };
  }

  function nodeObject(node: SimNode): NodeObject {
    const spec: NodeObject['spec'] = {};
    if (node.cidr) { spec.podCIDR = formatCidr(node.cidr); spec.podCIDRs = [spec.podCIDR]; }
    if (opts.taints?.length) spec.taints = opts.taints.map((t) => ({ ...t }));
    return {
      apiVersion: 'v1', kind: 'Node',
      metadata: { name: node.name, labels: nodeLabels(node), annotations: { ...annotations } },
      spec,
      status: nodeStatus(node),
    };
  }

  /** Creates the Node (or, when it exists from an earlier run, brings it up to date), then its Lease. */
  async function register(node: SimNode): Promise<void> {
    try {
      const created = await nodesApi.create(nodeObject(node));
      node.uid = created.metadata?.uid;
    } catch (err) {
      if (!isReason(err, 'AlreadyExists')) throw err;
      const existing = await nodesApi.get(node.name);
      const patch: Record<string, unknown> = { metadata: { labels: nodeLabels(node), annotations } };
      if (!existing.spec?.podCIDR && node.cidr) patch.spec = { podCIDR: formatCidr(node.cidr), podCIDRs: [formatCidr(node.cidr)] };
      const updated = await nodesApi.patch(node.name, 'merge', patch);
      await nodesApi.patch(node.name, 'merge', { status: nodeStatus(node) }, { subresource: 'status' });
      node.uid = updated.metadata?.uid;
    }
    node.lease = undefined;
    await renewLease(node);
    node.registered = true;
    const ref = { kind: 'Node', metadata: { name: node.name, uid: node.name } };
    eventsFor(node)?.event(ref, 'Normal', 'Starting', 'Starting kubelet.');
    eventsFor(node)?.event(ref, 'Normal', 'NodeReady', `Node ${node.name} status is now: NodeReady`);
    if (!node.everRegistered) {
      node.everRegistered = true;
      registeredCount++;
      noteProgress();
    }
  }

  function noteProgress() {
    const now = Date.now();
    if (registeredCount === opts.count) {
      log.info('simulated nodes registered', { nodes: opts.count, prefix, ms: now - started });
      resolveReady();
    } else if (now - lastProgressLog >= PROGRESS_LOG_MS) {
      lastProgressLog = now;
      log.info('registering simulated nodes', { registered: registeredCount, total: opts.count });
    }
  }

  async function renewLease(node: SimNode): Promise<void> {
    const renewTime = rfc3339Micro(new Date());
    const ownerReferences = node.uid ? [{ apiVersion: 'v1', kind: 'Node', name: node.name, uid: node.uid }] : undefined;
    const renewed = (lease: LeaseObject): LeaseObject => ({
      ...lease,
      metadata: { ...lease.metadata, ...(ownerReferences ? { ownerReferences } : {}) },
      spec: { ...lease.spec, holderIdentity: node.name, leaseDurationSeconds: LEASE_DURATION_SECONDS, renewTime },
    });
    if (node.lease) {
      try {
        node.lease = await leasesApi.update(renewed(node.lease), { namespace: LEASE_NAMESPACE });
        return;
      } catch (err) {
        if (!isReason(err, 'Conflict') && !isReason(err, 'NotFound')) throw err;
        node.lease = undefined; // someone else wrote it (or removed it): start from what is there
      }
    }
    try {
      const current = await leasesApi.get(node.name, LEASE_NAMESPACE);
      node.lease = await leasesApi.update(renewed(current), { namespace: LEASE_NAMESPACE });
    } catch (err) {
      if (!isReason(err, 'NotFound')) throw err;
      node.lease = await leasesApi.create(renewed({
        apiVersion: 'coordination.k8s.io/v1', kind: 'Lease',
        metadata: { name: node.name, namespace: LEASE_NAMESPACE },
      }), { namespace: LEASE_NAMESPACE });
    }
  }

  async function heartbeat(node: SimNode): Promise<void> {
    node.conditions = nodeConditions(new Date(), node.conditions);
    try {
      await nodesApi.patch(node.name, 'merge', { status: { conditions: node.conditions } }, { subresource: 'status' });
    } catch (err) {
      // The Node was deleted under us: register it again, as a restarted kubelet would.
      if (isReason(err, 'NotFound')) node.registered = false;
      else throw err;
    }
  }

  /** Runs one kind of node work through the write limiter, at most one of each kind per node at a time. */
  function schedule(node: SimNode, kind: 'register' | 'lease' | 'heartbeat', work: (n: SimNode) => Promise<void>): void {
    if (stopped || node.busy.has(kind)) return;
    node.busy.add(kind);
    track(writes(() => (stopped ? Promise.resolve() : work(node)))
      .catch((err) => {
        const error = err instanceof Error ? err.message : String(err);
        log.debug(`simulated node ${kind} failed, will retry`, { node: node.name, error });
        failures.count++;
        failures.kinds.add(kind);
        failures.node = node.name;
        failures.error = error;
        reportFailures();
      })
      .finally(() => node.busy.delete(kind)));
  }

  function reportFailures(): void {
    if (!failures.count || Date.now() - lastFailureLog < FAILURE_LOG_MS) return;
    lastFailureLog = Date.now();
    log.warn('simulated node updates failed, retrying', { failures: failures.count, kinds: [...failures.kinds].join(','), lastNode: failures.node, error: failures.error });
    failures.count = 0;
    failures.kinds.clear();
  }

  function track(p: Promise<unknown>): void {
    inFlight.add(p);
    p.finally(() => inFlight.delete(p)).catch(() => {});
  }

  function tick(n: number): void {
    reportFailures();
    for (const node of nodes) {
      if (!node.registered) {
        if (n % REGISTER_RETRY_TICKS === node.index % REGISTER_RETRY_TICKS) schedule(node, 'register', register);
        continue;
      }
      // Each node has its slot in the interval, so renewals arrive evenly, not all at once.
      if (n % LEASE_RENEW_TICKS === node.index % LEASE_RENEW_TICKS) schedule(node, 'lease', renewLease);
      if (n % HEARTBEAT_TICKS === node.index % HEARTBEAT_TICKS) schedule(node, 'heartbeat', heartbeat);
    }
  }

  function eventsFor(node: SimNode): EventRecorder | undefined {
    if (!opts.recorder) return undefined;
    return (node.events ??= opts.recorder(node.name));
  }

  // ---- pods ------------------------------------------------------------------------------

  function podState(pod: PodObject): PodState {
    const uid = pod.metadata?.uid ?? objectKeyOf(pod);
    let st = podStates.get(uid);
    if (!st) { st = { seenAt: Date.now() }; podStates.set(uid, st); }
    return st;
  }

  /** Remembers the address an existing pod already holds, so it is not handed out twice. */
  function notePodAddress(pod: PodObject, node: SimNode): void {
    const phase = pod.status?.phase;
    const ip = pod.status?.podIP;
    if (!ip || !node.cidr || pod.spec?.hostNetwork || phase === 'Succeeded' || phase === 'Failed') return;
    const addr = parseIpv4(ip);
    if (addr === undefined || !cidrContains(node.cidr, addr)) return;
    const st = podState(pod);
    if (st.ip) return;
    st.ip = { node, host: addr - node.cidr.start };
    node.usedHosts.add(st.ip.host);
  }

  /** The pod's address in its node's CIDR: the one it has, or the next free one (host-local's round robin). */
  function podAddress(pod: PodObject, node: SimNode, st: PodState): string | undefined {
    if (!node.cidr) return undefined;
    if (st.ip) return formatIpv4(node.cidr.start + st.ip.host);
    const first = 2; // .0 is the network, .1 the node's bridge, and the last is broadcast
    const span = podAddressCount(node.cidr);
    for (let i = 0; i < span; i++) {
      const host = first + ((node.nextHost - first + i) % span + span) % span;
      if (node.usedHosts.has(host)) continue;
      node.usedHosts.add(host);
      node.nextHost = host + 1;
      st.ip = { node, host };
      return formatIpv4(node.cidr.start + host);
    }
    throw new Error(`no free pod address left in ${formatCidr(node.cidr)} on node ${node.name} for pod ${objectKeyOf(pod)}`);
  }

  function releaseAddress(st: PodState | undefined): void {
    if (!st?.ip) return;
    st.ip.node.usedHosts.delete(st.ip.host);
    st.ip = undefined;
  }

  function ours(pod: PodObject): SimNode | undefined {
    return byName.get(pod.spec?.nodeName ?? '');
  }

  async function reconcilePod(key: string): Promise<{ requeueAfterMs?: number } | void> {
    const [namespace, name] = key.split('/');
    const pod = informer?.get(name, namespace);
    if (!pod || stopped) return;
    const node = ours(pod);
    if (!node) return;
    const st = podState(pod);
    const action = nextPodAction(pod, { now: Date.now(), seenAt: st.seenAt, runningSince: st.runningSince, readyDelayMs });
    switch (action.type) {
      case 'none': return;
      case 'wait': return { requeueAfterMs: action.ms };
      case 'start': {
        const podIP = pod.spec?.hostNetwork ? node.ip : podAddress(pod, node, st);
        await podsApi.update({ ...pod, status: runningStatus(pod, { now: new Date(), podIP, hostIP: node.ip }) }, { subresource: 'status', namespace });
        st.runningSince = Date.now();
        const events = eventsFor(node);
        if (events) {
          for (const c of pod.spec?.containers ?? []) {
            const fieldPath = `spec.containers{${c.name}}`;
            events.event(pod, 'Normal', 'Pulled', `Container image "${c.image}" already present on machine`, fieldPath);
            events.event(pod, 'Normal', 'Created', `Created container: ${c.name}`, fieldPath);
            events.event(pod, 'Normal', 'Started', `Started container ${c.name}`, fieldPath);
          }
        }
        return;
      }
      case 'complete':
        await podsApi.update({ ...pod, status: completedStatus(pod, new Date()) }, { subresource: 'status', namespace });
        releaseAddress(st);
        return;
      case 'terminate': {
        const events = eventsFor(node);
        for (const c of pod.spec?.containers ?? []) events?.event(pod, 'Normal', 'Killing', `Stopping container ${c.name}`, `spec.containers{${c.name}}`);
        await podsApi.update({ ...pod, status: completedStatus(pod, new Date()) }, { subresource: 'status', namespace });
        releaseAddress(st);
        await removePod(pod);
        return;
      }
      case 'remove':
        await removePod(pod);
        return;
    }
  }

  /** The kubelet's final word on a pod: delete now, but only the pod we stopped (not a namesake). */
  async function removePod(pod: PodObject): Promise<void> {
    try {
      await podsApi.delete(pod.metadata!.name!, { namespace: pod.metadata?.namespace, gracePeriodSeconds: 0, preconditions: { uid: pod.metadata?.uid } });
    } catch (err) {
      if (!isReason(err, 'NotFound') && !isReason(err, 'Conflict')) throw err;
    }
  }

  function startPodWorkers(): void {
    // Field selectors cannot say "one of these nodes": watch every bound pod and keep ours.
    const fieldSelector = nodes.length === 1 ? `spec.nodeName=${nodes[0].name}` : 'spec.nodeName!=';
    informer = createInformer(podsApi, {
      fieldSelector,
      // Pods are only read here (status writes are new objects): share the controllers' decoded copies.
      shared: true,
      onError: (err) => log.debug('pod watch failed, will retry', { error: err instanceof Error ? err.message : String(err) }),
    });
    controller = runController({ name: 'simulated-kubelet', workers: POD_WORKERS, reconcile: reconcilePod }, log);
    const enqueue = (pod: PodObject) => { if (ours(pod)) controller!.queue.add(objectKeyOf(pod)); };
    informer.addHandlers({
      onAdd(pod) {
        const node = ours(pod);
        if (!node) return;
        notePodAddress(pod, node);
        enqueue(pod);
      },
      onUpdate: (_old, pod) => enqueue(pod),
      onDelete(pod) {
        const uid = pod.metadata?.uid ?? objectKeyOf(pod);
        releaseAddress(podStates.get(uid));
        podStates.delete(uid);
      },
    });
  }

  // ---- start -----------------------------------------------------------------------------

  /** Names, pod CIDRs and addresses for every node, around what the cluster's other nodes hold. */
  async function plan(): Promise<void> {
    const existing: NodeObject[] = [];
    let cont: string | undefined;
    do {
      const page = await nodesApi.list({ limit: LIST_PAGE, continue: cont });
      existing.push(...page.items);
      cont = page.continue;
    } while (cont);
    const existingByName = new Map(existing.map((n) => [n.metadata?.name ?? '', n]));

    const usedCidrs: Ipv4Cidr[] = [];
    const usedAddresses = new Set<number>();
    for (const n of existing) {
      for (const c of n.spec?.podCIDRs ?? (n.spec?.podCIDR ? [n.spec.podCIDR] : [])) {
        const parsed = parseIpv4Cidr(c);
        if (parsed) usedCidrs.push(parsed);
      }
      for (const a of n.status?.addresses ?? []) {
        const parsed = a.type === 'InternalIP' ? parseIpv4(a.address) : undefined;
        if (parsed !== undefined) usedAddresses.add(parsed);
      }
    }

    for (let i = 0; i < opts.count; i++) {
      const name = `${prefix}-${i}`;
      const node: SimNode = {
        name, index: i, ip: '', registered: false, everRegistered: false,
        busy: new Set(), usedHosts: new Set(), nextHost: 2,
      };
      // A node from an earlier run keeps its pod CIDR (it may never change) and its address.
      const prior = existingByName.get(name);
      const priorCidr = prior?.spec?.podCIDR ? parseIpv4Cidr(prior.spec.podCIDR) : undefined;
      if (priorCidr) node.cidr = priorCidr;
      else if (prior?.spec?.podCIDR) log.warn('simulated node keeps a pod CIDR it cannot hand addresses from', { node: name, podCIDR: prior.spec.podCIDR });
      node.ip = prior?.status?.addresses?.find((a) => a.type === 'InternalIP')?.address ?? '';
      nodes.push(node);
      byName.set(name, node);
    }

    const pool = parseIpv4Cidr(opts.podCidrBase ?? DEFAULT_POD_CIDR);
    if (!pool) throw new Error(`invalid pod CIDR ${opts.podCidrBase}`);
    const needCidr = nodes.filter((n) => !n.cidr && !existingByName.get(n.name)?.spec?.podCIDR);
    const subnets = allocateSubnets(pool, needCidr.length, usedCidrs);
    needCidr.forEach((n, i) => { n.cidr = subnets[i]; });
    if (subnets.length && subnets[0].bits !== 24) {
      log.warn('pod CIDR too small for a /24 per node; simulated nodes get smaller subnets and room for fewer pods',
        { podCIDR: formatCidr(pool), nodes: needCidr.length, subnet: `/${subnets[0].bits}`, pods: podAddressCount(subnets[0]) });
    }

    const needIp = nodes.filter((n) => !n.ip);
    const addresses = allocateAddresses(parseIpv4Cidr(NODE_ADDRESS_POOL)!, needIp.length, usedAddresses);
    needIp.forEach((n, i) => { n.ip = formatIpv4(addresses[i]); });
  }

  async function start(): Promise<void> {
    for (let attempt = 0; !stopped; attempt++) {
      try {
        await plan();
        break;
      } catch (err) {
        nodes.length = 0;
        byName.clear();
        log.warn('could not plan simulated nodes, will retry', { error: err instanceof Error ? err.message : String(err) });
        await sleep(Math.min(1000 * 2 ** attempt, 30_000));
      }
    }
    if (stopped) return;
    if (opts.count >= 100) log.info('registering simulated nodes', { registered: 0, total: opts.count });
    if (nodes.length) startPodWorkers();
    let n = 0;
    ticker = setInterval(() => tick(++n), TICK_MS);
    for (const node of nodes) schedule(node, 'register', register);
  }

  start().catch((err) => log.error('simulated nodes failed to start', { error: err instanceof Error ? err.message : String(err) }));

  return {
    ready,
    async stop() {
      stopped = true;
      if (ticker) clearInterval(ticker);
      controller?.stop();
      informer?.stop();
      await Promise.allSettled([...inFlight]);
    },
  };
}

/** The four conditions a kubelet posts, heartbeat now, each keeping its transition time. */
export function nodeConditions(now: Date, previous?: NodeCondition[]): NodeCondition[] {
  const at = rfc3339(now);
  const make = (type: string, status: string, reason: string, message: string): NodeCondition => {
    const prev = previous?.find((c) => c.type === type);
    return { type, status, lastHeartbeatTime: at, lastTransitionTime: prev?.status === status ? prev.lastTransitionTime : at, reason, message };
  };
  return [
    make('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'),
    make('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
    make('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
    make('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status'),
  ];
}

/** At most `max` of the given tasks run at once; the rest wait their turn in order. */
function limiter(max: number): <T>(task: () => Promise<T>) => Promise<T> {
  let active = 0;
  const waiting: Array<() => void> = [];
  const release = () => {
    const next = waiting.shift();
    if (next) next(); // hand the slot straight over
    else active--;
  };
  return async (task) => {
    if (active < max) active++;
    else await new Promise<void>((r) => waiting.push(r));
    try {
      return await task();
    } finally {
      release();
    }
  };
}

function isReason(err: unknown, reason: string): boolean {
  return err instanceof ApiError && err.reason === reason;
}

function goArch(nodeArch: string): string {
  return ({ x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' } as Record<string, string>)[nodeArch] ?? nodeArch;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms).unref());
}

