// The pod subresources the API server proxies to the pod's kubelet: log (a plain streamed GET),
// exec, attach and portforward (HTTP upgrades). This file finds the pod, its container and its
// kubelet and checks the request as upstream's registry does; pod-streams.ts moves the bytes.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Container, Node, Pod } from 'kubernetes-types/core/v1';
import { ApiError, badRequest, invalid } from '../../machinery/errors.ts';
import { forbiddenField, invalidValue, type FieldError } from '../../machinery/validation.ts';
import type { GenericRegistry } from '../generic-registry.ts';
import type { ResourceIndex } from '../resource-index.ts';
import type { RequestInfo } from '../request-info.ts';
import type { Logger } from '../../cli/log.ts';
import { kubeletGet, kubeletTarget, type KubeletClientCredentials, type KubeletTarget } from './kubelet-connection.ts';
import type { StreamKind } from './pod-streams.ts';

export interface PodProxyContext {
  index: ResourceIndex;
  registry: GenericRegistry;
  /** The API server's client certificate towards kubelets (signed by the cluster CA). */
  kubeletClient: KubeletClientCredentials;
  log: Logger;
}

const STREAM_SUBRESOURCES = new Set(['exec', 'attach', 'portforward']);

/** Whether the request addresses pods/log, pods/exec, pods/attach or pods/portforward. */
export function isPodProxyRequest(info: RequestInfo): boolean {
  return info.isResourceRequest && info.apiPrefix === 'api' && info.group === '' && info.version === 'v1'
    && info.resource === 'pods' && !!info.namespace && !!info.name
    && (info.subresource === 'log' || STREAM_SUBRESOURCES.has(info.subresource ?? ''));
}

/** Non-upgrade requests: the log, and upstream's answers to exec & co. without an upgrade. */
export async function servePodProxyRequest(ctx: PodProxyContext, info: RequestInfo, query: URLSearchParams, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (info.subresource === 'log') {
    if (req.method !== 'GET' && req.method !== 'HEAD') throw methodNotAllowed();
    return servePodLog(ctx, info.namespace!, info.name!, query, req, res);
  }
  if (req.method !== 'GET' && req.method !== 'POST') throw methodNotAllowed();
  // Check the request first, so a bad one gets its own message rather than the upgrade's.
  await streamLocation(ctx, info.subresource as StreamKind, info.namespace!, info.name!, query);
  throw badRequest('Upgrade request required');
}

/** Upgrade requests (SPDY or WebSocket) to exec, attach and portforward. */
export async function servePodProxyUpgrade(ctx: PodProxyContext, info: RequestInfo, query: URLSearchParams, req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
  if (info.subresource === 'log') throw badRequest('Upgrade request not supported for pods/log');
  if (req.method !== 'GET' && req.method !== 'POST') throw methodNotAllowed();
  const kind = info.subresource as StreamKind;
  const location = await streamLocation(ctx, kind, info.namespace!, info.name!, query);
  // The stream protocols (SPDY, WebSocket) are loaded with the first stream, not at every start.
  const { proxyPodStream } = await import('./pod-streams.ts');
  await proxyPodStream({ kind, target: location.target, path: location.path, creds: ctx.kubeletClient, log: ctx.log }, req, socket, head);
}

// ---- logs ----

const LOG_FLAGS = ['follow', 'previous', 'timestamps'];
const LOG_NUMBERS = ['tailLines', 'limitBytes', 'sinceSeconds'];

async function servePodLog(ctx: PodProxyContext, ns: string, name: string, query: URLSearchParams, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const params = logParams(name, query);
  const pod = await getPod(ctx, ns, name);
  const container = chooseContainer(pod, query.get('container') ?? '', name);
  const nodeName = pod.spec?.nodeName;
  // Upstream answers an unscheduled pod's log with an empty body.
  if (!nodeName) return sendLog(res, undefined);
  // Which instance the pod's status names goes along (the agent's CRI alone cannot tell whether
  // a stopped container is "current" or "previous"); upstream kubelets ignore the extra parameter.
  const containerId = logContainerId(pod, container, params.get('previous') === 'true');
  if (containerId) params.set('containerID', containerId);
  const target = kubeletTarget(await getNode(ctx, nodeName));
  const path = `/containerLogs/${enc(ns)}/${enc(name)}/${enc(container)}${params.size ? `?${params}` : ''}`;

  const abort = new AbortController();
  res.on('close', () => abort.abort());
  const upstream = await kubeletGet(target, ctx.kubeletClient, path, abort.signal);
  const status = upstream.statusCode ?? 500;
  if (status < 200 || status > 206) throw await kubeletError(upstream, status, name);
  sendLog(res, upstream);
}

function sendLog(res: ServerResponse, upstream: IncomingMessage | undefined): void {
  res.writeHead(200, { 'Content-Type': 'text/plain', 'Cache-Control': 'no-cache, private' });
  if (!upstream) { res.end(); return; }
  // Write each chunk as it comes, so `kubectl logs -f` sees lines as the container prints them.
  upstream.on('data', (chunk: Buffer) => res.write(chunk));
  upstream.on('end', () => res.end());
  upstream.on('error', () => res.destroy());
}

/** The kubelet's query for a log request, after upstream's PodLogOptions validation. */
function logParams(name: string, query: URLSearchParams): URLSearchParams {
  const errs: FieldError[] = [];
  const out = new URLSearchParams();
  for (const flag of LOG_FLAGS) {
    const v = query.get(flag);
    if (v === null) continue;
    if (!['true', 'false', '1', '0', ''].includes(v)) throw badRequest(`strconv.ParseBool: parsing "${v}": invalid syntax`);
    if (v === 'true' || v === '1') out.set(flag, 'true');
  }
  const numbers: Record<string, number> = {};
  for (const key of LOG_NUMBERS) {
    const v = query.get(key);
    if (v === null || v === '') continue;
    if (!/^-?\d+$/.test(v)) throw badRequest(`strconv.ParseInt: parsing "${v}": invalid syntax`);
    numbers[key] = Number(v);
    out.set(key, String(Number(v)));
  }
  const sinceTime = query.get('sinceTime');
  if (sinceTime) {
    if (Number.isNaN(Date.parse(sinceTime))) throw badRequest(`parsing time "${sinceTime}" as "2006-01-02T15:04:05Z07:00": cannot parse "${sinceTime}" as "2006"`);
    out.set('sinceTime', sinceTime);
  }
  if (numbers.tailLines !== undefined && numbers.tailLines < 0) errs.push(invalidValue('tailLines', numbers.tailLines, 'must be greater than or equal to 0'));
  if (numbers.limitBytes !== undefined && numbers.limitBytes < 1) errs.push(invalidValue('limitBytes', numbers.limitBytes, 'must be greater than 0'));
  if (numbers.sinceSeconds !== undefined && sinceTime) errs.push(forbiddenField('', 'at most one of `sinceTime` or `sinceSeconds` may be specified'));
  else if (numbers.sinceSeconds !== undefined && numbers.sinceSeconds < 1) errs.push(invalidValue('sinceSeconds', numbers.sinceSeconds, 'must be greater than 0'));
  if (errs.length) throw invalid('PodLogOptions', '', name, errs);
  return out;
}

/**
 * The container instance whose log the kubelet would show (its ID without the runtime prefix),
 * or the kubelet's refusal for a container without logs to show, from the pod's reported status.
 */
export function logContainerId(pod: Pod, container: string, previous: boolean): string {
  const name = pod.metadata!.name!;
  const statuses = [...pod.status?.containerStatuses ?? [], ...pod.status?.initContainerStatuses ?? [], ...pod.status?.ephemeralContainerStatuses ?? []];
  const s = statuses.find((c) => c.name === container);
  const refuse = (why: string): never => { throw badRequest(`container "${container}" in pod "${name}" ${why}`); };
  const bare = (id: string) => id.replace(/^[a-z0-9]+:\/\//, '');
  if (!s) return refuse('is not available');
  const last = s.lastState?.terminated;
  if (previous) {
    if (!last?.containerID) throw badRequest(`previous terminated container "${container}" in pod "${name}" not found`);
    return bare(last.containerID);
  }
  if (s.state?.running) return bare(s.containerID ?? '');
  if (s.state?.terminated) {
    const id = s.state.terminated.containerID || last?.containerID;
    return id ? bare(id) : refuse('is terminated');
  }
  if (last) return last.containerID ? bare(last.containerID) : refuse('is terminated');
  const waiting = s.state?.waiting;
  if (waiting) {
    if (waiting.reason === 'ErrImagePull') refuse("is waiting to start: image can't be pulled");
    if (waiting.reason === 'ImagePullBackOff') refuse('is waiting to start: trying and failing to pull image');
    refuse(`is waiting to start: ${waiting.reason ?? ''}`);
  }
  return refuse('is waiting to start - no logs yet');
}

/** Upstream's reading of a kubelet's error answer (GenericHttpResponseChecker). */
async function kubeletError(upstream: IncomingMessage, status: number, name: string): Promise<ApiError> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of upstream) {
    chunks.push(c as Buffer);
    size += (c as Buffer).length;
    if (size > 64 * 1024) break;
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (status === 400) return badRequest(text);
  if (status === 500) return new ApiError(500, 'InternalError', `Internal error occurred: ${text}`, { causes: [{ message: text }] });
  if (status === 404) return new ApiError(404, 'NotFound', text, { name, kind: 'pods' });
  return new ApiError(status, '', text, { name, kind: 'pods' });
}

// ---- exec, attach, portforward ----

interface StreamLocation { target: KubeletTarget; path: string }

/** Where on the kubelet a stream goes, after upstream's checks (ExecLocation & co.). */
async function streamLocation(ctx: PodProxyContext, kind: StreamKind, ns: string, name: string, query: URLSearchParams): Promise<StreamLocation> {
  const pod = await getPod(ctx, ns, name);
  const params = new URLSearchParams();
  let suffix = '';
  if (kind === 'portforward') {
    for (const port of query.getAll('ports')) params.append('port', port);
    for (const port of query.getAll('port')) params.append('port', port);
  } else {
    const container = chooseContainer(pod, query.get('container') ?? '', name);
    const flags = { stdin: isTrue(query.get('stdin')), stdout: isTrue(query.get('stdout')), stderr: isTrue(query.get('stderr')), tty: isTrue(query.get('tty')) };
    if (kind === 'exec') {
      const command = query.getAll('command');
      if (!command.length) throw invalid('PodExecOptions', '', name, [invalidValue('command', '', 'you must specify at least 1 command')]);
      for (const c of command) params.append('command', c);
    }
    if (!flags.stdin && !flags.stdout && !flags.stderr) {
      throw badRequest('you must specify at least one of stdin, stdout, stderr');
    }
    // The kubelet's query spells booleans as "1", as upstream sends them.
    for (const [k, v] of Object.entries(flags)) if (v) params.set(k, '1');
    suffix = `/${enc(container)}`;
  }
  const nodeName = pod.spec?.nodeName;
  if (!nodeName) throw badRequest(`pod ${name} does not have a host assigned`);
  const target = kubeletTarget(await getNode(ctx, nodeName));
  const base = kind === 'portforward' ? 'portForward' : kind;
  return { target, path: `/${base}/${enc(ns)}/${enc(name)}${suffix}${params.size ? `?${params}` : ''}` };
}

// ---- shared ----

/** The container a request means: the named one, or the pod's only one (upstream's messages). */
export function chooseContainer(pod: Pod, requested: string, podName: string): string {
  const names = (list: Container[] | undefined) => (list ?? []).map((c) => c.name);
  const containers = names(pod.spec?.containers);
  if (!requested) {
    if (containers.length === 1) return containers[0];
    if (containers.length === 0) throw badRequest(`a container name must be specified for pod ${podName}`);
    let message = `a container name must be specified for pod ${podName}, choose one of: [${containers.join(' ')}]`;
    const init = names(pod.spec?.initContainers);
    if (init.length) message += ` or one of the init containers: [${init.join(' ')}]`;
    throw badRequest(message);
  }
  const all = [...containers, ...names(pod.spec?.initContainers), ...(pod.spec?.ephemeralContainers ?? []).map((c) => c.name)];
  if (!all.includes(requested)) throw badRequest(`container ${requested} is not valid for pod ${podName}`);
  return requested;
}

async function getPod(ctx: PodProxyContext, ns: string, name: string): Promise<Pod> {
  return await ctx.registry.get(ctx.index.lookup('', 'v1', 'pods')!, ns, name) as Pod;
}

async function getNode(ctx: PodProxyContext, name: string): Promise<Node> {
  return await ctx.registry.get(ctx.index.lookup('', 'v1', 'nodes')!, undefined, name) as Node;
}

function methodNotAllowed(): ApiError {
  return new ApiError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
}

function isTrue(v: string | null): boolean {
  return v === 'true' || v === '1';
}

function enc(s: string): string {
  return encodeURIComponent(s);
}
