// The resource metrics API (metrics.k8s.io/v1beta1) served by the API server itself, as
// metrics-server would behind its APIService: node and pod usage read from each node agent's
// /stats/summary, cached for a short while so `kubectl top` and autoscalers share scrapes.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Node, Pod } from 'kubernetes-types/core/v1';
import type { GenericRegistry } from '../generic-registry.ts';
import type { ResourceIndex } from '../resource-index.ts';
import { ApiError, methodNotSupported, notFound } from '../../machinery/errors.ts';
import { add, formatQuantity, parseQuantity, type Quantity } from '../../machinery/quantity.ts';
import { negotiate } from '../negotiation.ts';
import { sendJson } from '../rest-handler.ts';
import { isTrue } from '../request-info.ts';
import { kubeletGet, type KubeletClientTls } from './kubelet-get.ts';
import { metricsApiGroup, metricsApiResourceList } from './discovery.ts';
import {
  METRICS_API_VERSION, METRICS_GROUP, METRICS_VERSION, nodeMetrics, podMetrics,
  type NodeMetrics, type PodMetrics, type Summary,
} from './resource-metrics.ts';

export const METRICS_PREFIX = `/apis/${METRICS_GROUP}`;

/** How long a node's summary is reused; the agents sample every 10 s. */
const SUMMARY_TTL_MS = 10_000;
/** A node that did not answer is asked again sooner, so a starting agent shows up quickly. */
const FAILURE_TTL_MS = 3_000;
/** The window the agents' CPU rates cover: their sampling period. */
const WINDOW_MS = 10_000;

/** Nodes that run no agent: skiff's simulated nodes (by label, or their address range 198.18.0.0/15). */
const SIMULATED_LABEL = 'node.skiff.io/simulated';
function hasNoAgent(node: Node): boolean {
  if (node.metadata?.labels?.[SIMULATED_LABEL] === 'true') return true;
  return (node.status?.addresses ?? []).some((a) => a.type === 'InternalIP' && /^198\.(18|19)\./.test(a.address));
}

export interface MetricsApiOptions {
  registry: GenericRegistry;
  index: ResourceIndex;
  kubeletTls?: KubeletClientTls;
  /** Fetches a node's summary; defaults to GET /stats/summary on its agent. */
  fetchSummary?: (node: Node) => Promise<Summary>;
  now?: () => number;
}

export interface MetricsApi {
  /** Serves a request whose path is METRICS_PREFIX or below it. */
  handle(req: IncomingMessage, res: ServerResponse, path: string, query: URLSearchParams): Promise<void>;
}

export function createMetricsApi(o: MetricsApiOptions): MetricsApi {
  const now = o.now ?? Date.now;
  const fetchSummary = o.fetchSummary ?? ((node: Node) => kubeletGet(node, '/stats/summary?only_cpu_and_memory=true', o.kubeletTls) as Promise<Summary>);
  const nodesDef = o.index.lookup('', 'v1', 'nodes')!;
  const podsDef = o.index.lookup('', 'v1', 'pods')!;
  const cache = new Map<string, { at: number; ttl: number; summary: Promise<Summary | undefined> }>();

  /** The node's summary (cached), or undefined when its agent cannot be reached. */
  function summaryOf(node: Node): Promise<Summary | undefined> {
    if (hasNoAgent(node)) return Promise.resolve(undefined);
    const key = `${node.metadata?.name}|${JSON.stringify(node.status?.addresses ?? [])}|${node.status?.daemonEndpoints?.kubeletEndpoint?.Port ?? ''}`;
    const hit = cache.get(key);
    if (hit && now() - hit.at < hit.ttl) return hit.summary;
    const entry = { at: now(), ttl: SUMMARY_TTL_MS, summary: undefined as unknown as Promise<Summary | undefined> };
    entry.summary = fetchSummary(node).then((s) => s, () => { entry.ttl = FAILURE_TTL_MS; return undefined; });
    cache.set(key, entry);
    for (const [k, v] of cache) if (now() - v.at > SUMMARY_TTL_MS * 6) cache.delete(k);
    return entry.summary;
  }

  async function nodeMetricsFor(nodes: Node[]): Promise<NodeMetrics[]> {
    const at = new Date(now());
    const out = await Promise.all(nodes.map(async (n) => {
      const s = await summaryOf(n);
      return s ? nodeMetrics(n, s, WINDOW_MS, at) : undefined;
    }));
    return out.filter((m): m is NodeMetrics => !!m).sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
  }

  async function podMetricsFor(pods: Pod[]): Promise<PodMetrics[]> {
    const at = new Date(now());
    const nodeNames = [...new Set(pods.map((p) => p.spec?.nodeName).filter((n): n is string => !!n))];
    const summaries = new Map<string, Summary | undefined>();
    await Promise.all(nodeNames.map(async (name) => {
      const node = await o.registry.get(nodesDef, undefined, name).catch(() => undefined) as Node | undefined;
      summaries.set(name, node ? await summaryOf(node) : undefined);
    }));
    const out: PodMetrics[] = [];
    for (const pod of pods) {
      const s = pod.spec?.nodeName ? summaries.get(pod.spec.nodeName) : undefined;
      const m = s && podMetrics(pod, s, WINDOW_MS, at);
      if (m) out.push(m);
    }
    return out.sort((a, b) => a.metadata.namespace.localeCompare(b.metadata.namespace) || a.metadata.name.localeCompare(b.metadata.name));
  }

  async function handle(req: IncomingMessage, res: ServerResponse, path: string, query: URLSearchParams): Promise<void> {
    const parts = path.split('/').filter(Boolean).map(decodeURIComponent).slice(2); // after apis/metrics.k8s.io
    if (parts.length === 0) return sendDocument(req, res, metricsApiGroup());
    if (parts[0] !== METRICS_VERSION) throw notFoundPath();
    if (parts.length === 1) return sendDocument(req, res, metricsApiResourceList());

    let namespace: string | undefined;
    let rest = parts.slice(1);
    if (rest[0] === 'namespaces' && rest.length >= 3) { namespace = rest[1]; rest = rest.slice(2); }
    const [resource, name, extra] = rest;
    if (extra !== undefined || (resource !== 'nodes' && resource !== 'pods') || (resource === 'nodes' && namespace !== undefined)) throw notFoundPath();
    const gr = { group: METRICS_GROUP, resource: resource === 'nodes' ? 'nodemetrics' : 'podmetrics' };
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      const verb = { POST: 'create', PUT: 'update', PATCH: 'patch', DELETE: name ? 'delete' : 'deletecollection' }[req.method ?? ''] ?? (req.method ?? '').toLowerCase();
      throw methodNotSupported(gr, verb);
    }
    if (isTrue(query.get('watch'))) throw methodNotSupported(gr, 'watch');
    const shape = negotiate(req.headers.accept, query.get('includeObject'));
    const selectors = { labelSelector: query.get('labelSelector') ?? undefined, fieldSelector: query.get('fieldSelector') ?? undefined };

    if (resource === 'nodes') {
      if (name) {
        const node = await o.registry.get(nodesDef, undefined, name) as Node; // nodes "x" not found when absent
        const [m] = await nodeMetricsFor([node]);
        if (!m) throw notFound(gr, name);
        return send(res, shape, m, false);
      }
      const nodes = (await o.registry.list(nodesDef, selectors)).items as Node[];
      return send(res, shape, list('NodeMetricsList', await nodeMetricsFor(nodes)), false);
    }
    if (name) {
      const pod = await o.registry.get(podsDef, namespace, name) as Pod; // pods "x" not found when absent
      const [m] = await podMetricsFor([pod]);
      if (!m) throw notFound(gr, `${namespace}/${name}`);
      return send(res, shape, m, true);
    }
    const pods = (await o.registry.list(podsDef, { ...selectors, namespace })).items as Pod[];
    return send(res, shape, list('PodMetricsList', await podMetricsFor(pods)), true);
  }

  return { handle };
}

function list(kind: string, items: Array<NodeMetrics | PodMetrics>) {
  return { kind, apiVersion: METRICS_API_VERSION, metadata: {}, items };
}

function sendDocument(req: IncomingMessage, res: ServerResponse, doc: object): void {
  if (req.method !== 'GET' && req.method !== 'HEAD') throw new ApiError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
  sendJson(res, 200, doc);
}

type Shape = ReturnType<typeof negotiate>;

function send(res: ServerResponse, shape: Shape, body: NodeMetrics | PodMetrics | ReturnType<typeof list>, pods: boolean): void {
  if (shape.kind !== 'table') return sendJson(res, 200, body, shape.format);
  const items = 'items' in body ? body.items : [body];
  sendJson(res, 200, metricsTable(items, pods, shape.includeObject), shape.format);
}

/** metrics-server's Table: the name, each resource's usage (summed over containers) and the window. */
export function metricsTable(items: Array<NodeMetrics | PodMetrics>, pods: boolean, includeObject: 'None' | 'Metadata' | 'Object') {
  const column = (name: string, format: string, description = '') => ({ name, type: 'string', format, description, priority: 0 });
  return {
    kind: 'Table', apiVersion: 'meta.k8s.io/v1', metadata: {},
    columnDefinitions: [column('Name', 'name', 'Name of the resource'), column('cpu', 'quantity'), column('memory', 'quantity'), column('Window', 'duration')],
    rows: items.map((m) => {
      const usage = pods ? sumUsage((m as PodMetrics).containers.map((c) => c.usage)) : (m as NodeMetrics).usage;
      const row: Record<string, unknown> = { cells: [m.metadata.name, usage.cpu, usage.memory, m.window] };
      if (includeObject === 'Object') row.object = m;
      else if (includeObject === 'Metadata') row.object = { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: m.metadata };
      return row;
    }),
  };
}

function sumUsage(usages: Array<{ cpu: string; memory: string }>): { cpu: string; memory: string } {
  let cpu: Quantity | undefined;
  let memory: Quantity | undefined;
  for (const u of usages) {
    cpu = cpu ? add(cpu, parseQuantity(u.cpu)) : parseQuantity(u.cpu);
    memory = memory ? add(memory, parseQuantity(u.memory)) : parseQuantity(u.memory);
  }
  return { cpu: cpu ? formatQuantity({ nanos: cpu.nanos, format: cpu.format }) : '0', memory: memory ? formatQuantity({ nanos: memory.nanos, format: memory.format }) : '0' };
}

function notFoundPath(): ApiError {
  return new ApiError(404, 'NotFound', 'the server could not find the requested resource');
}
