// A typed promise client for the CRI runtime.v1 API (skiff's subset in cri.proto) over a unix
// socket. Field names are camelCase, enums are their string names, 64-bit integers are JS numbers
// (nanosecond timestamps lose sub-microsecond precision, which nothing in skiff needs).
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

const PROTO_PATH = fileURLToPath(new URL('./cri.proto', import.meta.url));

/** Default per-call deadline; image pulls and ExecSync get their own. */
const DEFAULT_TIMEOUT_MS = 10_000;
const PULL_TIMEOUT_MS = 5 * 60_000;

// ---- message shapes as containerd returns them (defaults filled in, absent messages null) ----

export type ContainerState = 'CONTAINER_CREATED' | 'CONTAINER_RUNNING' | 'CONTAINER_EXITED' | 'CONTAINER_UNKNOWN';
export type PodSandboxState = 'SANDBOX_READY' | 'SANDBOX_NOTREADY';
export type NamespaceMode = 'POD' | 'CONTAINER' | 'NODE' | 'TARGET';
export type Protocol = 'TCP' | 'UDP' | 'SCTP';
export type MountPropagation = 'PROPAGATION_PRIVATE' | 'PROPAGATION_HOST_TO_CONTAINER' | 'PROPAGATION_BIDIRECTIONAL';
type StringMap = Record<string, string>;

export interface VersionResponse { version: string; runtimeName: string; runtimeVersion: string; runtimeApiVersion: string }
export interface RuntimeCondition { type: string; status: boolean; reason: string; message: string }
export interface StatusResponse { status: { conditions: RuntimeCondition[] } | null; info: StringMap }

export interface Int64Value { value: number }
export interface UInt64Value { value: number }
export interface KeyValue { key: string; value: string }
export interface ImageSpec { image: string; annotations: StringMap; userSpecifiedImage: string }
export interface DNSConfig { servers: string[]; searches: string[]; options: string[] }
export interface PortMapping { protocol: Protocol; containerPort: number; hostPort: number; hostIp: string }
export interface Mount {
  containerPath: string; hostPath: string; readonly: boolean; selinuxRelabel: boolean; propagation: MountPropagation;
}
export interface NamespaceOption { network: NamespaceMode; pid: NamespaceMode; ipc: NamespaceMode; targetId: string }
export interface SecurityProfile { profileType: 'RuntimeDefault' | 'Unconfined' | 'Localhost'; localhostRef: string }
export interface LinuxContainerResources {
  cpuPeriod: number; cpuQuota: number; cpuShares: number; memoryLimitInBytes: number; oomScoreAdj: number;
  cpusetCpus: string; cpusetMems: string; unified: StringMap; memorySwapLimitInBytes: number;
}

export interface PodSandboxMetadata { name: string; uid: string; namespace: string; attempt: number }
export interface LinuxSandboxSecurityContext {
  namespaceOptions: NamespaceOption | null; runAsUser: Int64Value | null; runAsGroup: Int64Value | null;
  readonlyRootfs: boolean; supplementalGroups: number[]; privileged: boolean;
  seccomp: SecurityProfile | null; apparmor: SecurityProfile | null;
}
export interface LinuxPodSandboxConfig {
  cgroupParent: string; securityContext: LinuxSandboxSecurityContext | null; sysctls: StringMap;
  overhead: LinuxContainerResources | null; resources: LinuxContainerResources | null;
}
export interface PodSandboxConfig {
  metadata: PodSandboxMetadata | null; hostname: string; logDirectory: string; dnsConfig: DNSConfig | null;
  portMappings: PortMapping[]; labels: StringMap; annotations: StringMap; linux: LinuxPodSandboxConfig | null;
}
export interface PodSandboxStatus {
  id: string; metadata: PodSandboxMetadata | null; state: PodSandboxState; createdAt: number;
  network: { ip: string; additionalIps: { ip: string }[] } | null;
  linux: { namespaces: { options: NamespaceOption | null } | null } | null;
  labels: StringMap; annotations: StringMap; runtimeHandler: string;
}
export interface PodSandbox {
  id: string; metadata: PodSandboxMetadata | null; state: PodSandboxState; createdAt: number;
  labels: StringMap; annotations: StringMap; runtimeHandler: string;
}
export interface PodSandboxFilter { id: string; state: { state: PodSandboxState } | null; labelSelector: StringMap }

export interface ContainerMetadata { name: string; attempt: number }
export interface Device { containerPath: string; hostPath: string; permissions: string }
export interface LinuxContainerSecurityContext {
  capabilities: { addCapabilities: string[]; dropCapabilities: string[] } | null; privileged: boolean;
  namespaceOptions: NamespaceOption | null; runAsUser: Int64Value | null; runAsUsername: string;
  readonlyRootfs: boolean; supplementalGroups: number[]; noNewPrivs: boolean; runAsGroup: Int64Value | null;
  maskedPaths: string[]; readonlyPaths: string[]; seccomp: SecurityProfile | null; apparmor: SecurityProfile | null;
}
export interface ContainerConfig {
  metadata: ContainerMetadata | null; image: ImageSpec | null; command: string[]; args: string[]; workingDir: string;
  envs: KeyValue[]; mounts: Mount[]; devices: Device[]; labels: StringMap; annotations: StringMap; logPath: string;
  stdin: boolean; stdinOnce: boolean; tty: boolean;
  linux: { resources: LinuxContainerResources | null; securityContext: LinuxContainerSecurityContext | null } | null;
}
export interface Container {
  id: string; podSandboxId: string; metadata: ContainerMetadata | null; image: ImageSpec | null; imageRef: string;
  state: ContainerState; createdAt: number; labels: StringMap; annotations: StringMap; imageId: string;
}
export interface ContainerFilter {
  id: string; state: { state: ContainerState } | null; podSandboxId: string; labelSelector: StringMap;
}
export interface ContainerStatus {
  id: string; metadata: ContainerMetadata | null; state: ContainerState;
  createdAt: number; startedAt: number; finishedAt: number; exitCode: number;
  image: ImageSpec | null; imageRef: string; reason: string; message: string;
  labels: StringMap; annotations: StringMap; mounts: Mount[]; logPath: string;
  resources: { linux: LinuxContainerResources | null } | null; imageId: string;
}
export interface ContainerStats {
  attributes: { id: string; metadata: ContainerMetadata | null; labels: StringMap; annotations: StringMap } | null;
  cpu: { timestamp: number; usageCoreNanoSeconds: UInt64Value | null; usageNanoCores: UInt64Value | null } | null;
  memory: {
    timestamp: number; workingSetBytes: UInt64Value | null; availableBytes: UInt64Value | null;
    usageBytes: UInt64Value | null; rssBytes: UInt64Value | null; pageFaults: UInt64Value | null;
    majorPageFaults: UInt64Value | null;
  } | null;
  writableLayer: {
    timestamp: number; fsId: { mountpoint: string } | null; usedBytes: UInt64Value | null; inodesUsed: UInt64Value | null;
  } | null;
}
export interface Image {
  id: string; repoTags: string[]; repoDigests: string[]; size: number; uid: Int64Value | null; username: string;
  spec: ImageSpec | null; pinned: boolean;
}
export interface AuthConfig {
  username: string; password: string; auth: string; serverAddress: string; identityToken: string; registryToken: string;
}

/** What callers send: any subset of a message, nested. */
export type Input<T> = T extends (infer E)[] ? Input<E>[]
  : T extends object ? { [K in keyof T]?: Input<NonNullable<T[K]>> | null }
  : T;

export interface CallOptions { timeoutMs?: number }

export interface CriClient {
  version(req?: Input<{ version: string }>, o?: CallOptions): Promise<VersionResponse>;
  status(req?: Input<{ verbose: boolean }>, o?: CallOptions): Promise<StatusResponse>;
  runPodSandbox(req: Input<{ config: PodSandboxConfig; runtimeHandler: string }>, o?: CallOptions): Promise<{ podSandboxId: string }>;
  stopPodSandbox(req: { podSandboxId: string }, o?: CallOptions): Promise<Record<string, never>>;
  removePodSandbox(req: { podSandboxId: string }, o?: CallOptions): Promise<Record<string, never>>;
  podSandboxStatus(req: { podSandboxId: string; verbose?: boolean }, o?: CallOptions): Promise<{ status: PodSandboxStatus | null; info: StringMap }>;
  listPodSandbox(req?: Input<{ filter: PodSandboxFilter }>, o?: CallOptions): Promise<{ items: PodSandbox[] }>;
  createContainer(req: Input<{ podSandboxId: string; config: ContainerConfig; sandboxConfig: PodSandboxConfig }>, o?: CallOptions): Promise<{ containerId: string }>;
  startContainer(req: { containerId: string }, o?: CallOptions): Promise<Record<string, never>>;
  /** timeout: grace period in seconds before the runtime kills the container. */
  stopContainer(req: { containerId: string; timeout?: number }, o?: CallOptions): Promise<Record<string, never>>;
  removeContainer(req: { containerId: string }, o?: CallOptions): Promise<Record<string, never>>;
  listContainers(req?: Input<{ filter: ContainerFilter }>, o?: CallOptions): Promise<{ containers: Container[] }>;
  containerStatus(req: { containerId: string; verbose?: boolean }, o?: CallOptions): Promise<{ status: ContainerStatus | null; info: StringMap }>;
  updateContainerResources(req: Input<{ containerId: string; linux: LinuxContainerResources; annotations: StringMap }>, o?: CallOptions): Promise<Record<string, never>>;
  /** timeout: seconds the command may run (0 = no limit); the call deadline follows it. */
  execSync(req: { containerId: string; cmd: string[]; timeout?: number }, o?: CallOptions): Promise<{ stdout: Buffer; stderr: Buffer; exitCode: number }>;
  exec(req: { containerId: string; cmd: string[]; tty?: boolean; stdin?: boolean; stdout?: boolean; stderr?: boolean }, o?: CallOptions): Promise<{ url: string }>;
  attach(req: { containerId: string; stdin?: boolean; tty?: boolean; stdout?: boolean; stderr?: boolean }, o?: CallOptions): Promise<{ url: string }>;
  portForward(req: { podSandboxId: string; port: number[] }, o?: CallOptions): Promise<{ url: string }>;
  containerStats(req: { containerId: string }, o?: CallOptions): Promise<{ stats: ContainerStats | null }>;

  listImages(req?: Input<{ filter: { image: ImageSpec } }>, o?: CallOptions): Promise<{ images: Image[] }>;
  /** image is null when the runtime does not have it. */
  imageStatus(req: Input<{ image: ImageSpec; verbose: boolean }>, o?: CallOptions): Promise<{ image: Image | null; info: StringMap }>;
  pullImage(req: Input<{ image: ImageSpec; auth: AuthConfig; sandboxConfig: PodSandboxConfig }>, o?: CallOptions): Promise<{ imageRef: string }>;
  removeImage(req: Input<{ image: ImageSpec }>, o?: CallOptions): Promise<Record<string, never>>;

  close(): void;
}

type UnaryMethod = (req: unknown, meta: grpc.Metadata, opts: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res: unknown) => void) => void;

let packageCache: grpc.GrpcObject | undefined;
function loadCriPackage(): grpc.GrpcObject {
  packageCache ??= grpc.loadPackageDefinition(protoLoader.loadSync(PROTO_PATH, {
    keepCase: false, longs: Number, enums: String, defaults: true, arrays: true, objects: true,
  }));
  return packageCache;
}

/** Connects to a CRI runtime listening on a unix socket and waits until the channel is ready. */
export async function connectCri(socketPath: string, opts: { connectTimeoutMs?: number } = {}): Promise<CriClient> {
  const v1 = (loadCriPackage().runtime as grpc.GrpcObject).v1 as grpc.GrpcObject;
  const RuntimeService = v1.RuntimeService as grpc.ServiceClientConstructor;
  const ImageService = v1.ImageService as grpc.ServiceClientConstructor;
  const address = `unix://${socketPath}`;
  const channelOptions: grpc.ChannelOptions = {
    // ExecSync output may reach 16 MiB per stream.
    'grpc.max_receive_message_length': 64 * 1024 * 1024,
  };
  const runtime = new RuntimeService(address, grpc.credentials.createInsecure(), channelOptions);
  // Share one channel between both services.
  const images = new ImageService(address, grpc.credentials.createInsecure(), {
    ...channelOptions, channelOverride: runtime.getChannel(),
  });

  await new Promise<void>((resolve, reject) => {
    runtime.waitForReady(Date.now() + (opts.connectTimeoutMs ?? DEFAULT_TIMEOUT_MS), (err) => {
      if (err) {
        runtime.close();
        reject(new Error(`CRI socket ${socketPath} not ready: ${err.message}`));
      } else resolve();
    });
  });

  function call<T>(client: grpc.Client, name: string, req: unknown, timeoutMs: number): Promise<T> {
    const method = (client as unknown as Record<string, UnaryMethod>)[name];
    return new Promise<T>((resolve, reject) => {
      method.call(client, req ?? {}, new grpc.Metadata(), { deadline: Date.now() + timeoutMs }, (err, res) => {
        if (err) reject(criError(name, err));
        else resolve(res as T);
      });
    });
  }
  const r = <T>(name: string, def = DEFAULT_TIMEOUT_MS) =>
    (req: unknown, o?: CallOptions) => call<T>(runtime, name, req, o?.timeoutMs ?? def);
  const i = <T>(name: string, def = DEFAULT_TIMEOUT_MS) =>
    (req: unknown, o?: CallOptions) => call<T>(images, name, req, o?.timeoutMs ?? def);

  return {
    version: r('Version'),
    status: r('Status'),
    runPodSandbox: r('RunPodSandbox', 2 * 60_000),
    stopPodSandbox: r('StopPodSandbox', 60_000),
    removePodSandbox: r('RemovePodSandbox', 60_000),
    podSandboxStatus: r('PodSandboxStatus'),
    listPodSandbox: r('ListPodSandbox'),
    createContainer: r('CreateContainer', 60_000),
    startContainer: r('StartContainer', 60_000),
    stopContainer: (req, o) =>
      call(runtime, 'StopContainer', req, o?.timeoutMs ?? DEFAULT_TIMEOUT_MS + (req.timeout ?? 0) * 1000),
    removeContainer: r('RemoveContainer', 60_000),
    listContainers: r('ListContainers'),
    containerStatus: r('ContainerStatus'),
    updateContainerResources: r('UpdateContainerResources'),
    execSync: (req, o) =>
      call(runtime, 'ExecSync', req, o?.timeoutMs ?? (req.timeout ? req.timeout * 1000 + DEFAULT_TIMEOUT_MS : 60 * 60_000)),
    exec: r('Exec'),
    attach: r('Attach'),
    portForward: r('PortForward'),
    containerStats: r('ContainerStats'),
    listImages: i('ListImages'),
    imageStatus: i('ImageStatus'),
    pullImage: i('PullImage', PULL_TIMEOUT_MS),
    removeImage: i('RemoveImage', 60_000),
    close() {
      images.close();
      runtime.close();
    },
  } as CriClient;
}

/** A CRI call failure, keeping the gRPC status code (e.g. 5 NOT_FOUND) for callers to branch on. */
export class CriError extends Error {
  readonly code: grpc.status;
  readonly details: string;
  constructor(method: string, err: grpc.ServiceError) {
    super(`CRI ${method}: ${err.details || err.message}`);
    this.name = 'CriError';
    this.code = err.code;
    this.details = err.details;
  }
}

function criError(method: string, err: grpc.ServiceError): CriError {
  return new CriError(method, err);
}

export const CriStatus = grpc.status;
