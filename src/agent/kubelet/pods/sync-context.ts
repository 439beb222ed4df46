// What every pod sync shares: the agent's clients and settings, the image puller, the crash
// back-off, the probe manager and the volume hooks, as structural types so tests can pass stand-ins.
import type { Container, Pod, Service } from 'kubernetes-types/core/v1';
import type { Client } from '../../../client/client.ts';
import type { EventRecorder } from '../../../client/event-recorder.ts';
import type { Logger } from '../../../cli/log.ts';
import type { CriClient, Input, Mount } from '../../runtime/cri-client.ts';
import type { EnvLookups } from './env.ts';
import type { ImagePuller } from './image-puller.ts';
import type { PodEvents } from './pod-events.ts';
import type { Backoff } from './restart-backoff.ts';
import type { ResolvConf } from './sandbox-config.ts';

/** What the pod workers need of the probe manager (src/agent/kubelet/probes). */
export interface ProbeHooks {
  addContainer(t: { pod: Pod; container: Container; containerId: string; podIP: string; startedAt: number }): void;
  removeContainer(containerId: string): void;
  removePod(podUid: string): void;
  updatePod?(pod: Pod): void;
  ready(containerId: string): boolean;
  started(containerId: string): boolean;
}

/** What the pod workers need of the volume manager (src/agent/kubelet/volumes). */
export interface VolumeHooks<V = any> {
  setUp(pod: Pod): Promise<V>;
  mounts(pod: Pod, container: Container, vols: V): Input<Mount>[];
  tearDown(podUid: string): Promise<void>;
}

export interface PodWorkersOptions {
  cri: CriClient;
  client: Client;
  nodeName: string;
  nodeIP: string;
  agentDir: string;
  /** resolv.conf for ClusterFirst: nameserver, search <ns>.svc.<domain> svc.<domain> <domain>, ndots:5. */
  clusterDns: string;
  clusterDomain: string;
  recorder: EventRecorder;
  log: Logger;
  volumes: VolumeHooks;
  probes: ProbeHooks;
  now?: () => number;
  /** Where the node's cgroups live (default /skiff/<nodeName>); tests use a root of their own. */
  cgroupRoot?: string;
  /** The node's resolv.conf for dnsPolicy Default (default /etc/resolv.conf). */
  resolvConfPath?: string;
  /** How often runtime state is relisted to notice exits (default 1 s). */
  relistMs?: number;
  /**
   * A namespace's Services from a watch-fed cache (for containers' service environment
   * variables), or undefined while it is not synced; without it they are listed from the API.
   */
  cachedServices?: (namespace: string) => Service[] | undefined;
}

export interface SyncContext {
  o: PodWorkersOptions;
  cri: CriClient;
  log: Logger;
  events: PodEvents;
  puller: ImagePuller;
  crashBackoff: Backoff;
  now: () => number;
  cgroupRoot: string;
  hostResolv: ResolvConf;
  memoryCapacity: number;
  cpuMilli: number;
  lookups: EnvLookups;
  /** Every pod the workers hold (for the burstable QoS cgroup's shares). */
  allPods(): Pod[];
}
