// The Endpoints, EndpointSlice, ServiceAccount and root-CA controllers and Lease-based leader
// election on a real in-process stack (SQLite store, generic registry, in-process client,
// shared informers); pods are made Running/Ready by writing their status as a kubelet would.
// One test runs the Service controllers against a real `skiff server` and reads the result with
// the real kubectl 1.32 (`describe svc` reads EndpointSlices).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { ConfigMap, Container, Endpoints, Node, Pod, Service, ServiceAccount, ServiceSpec } from 'kubernetes-types/core/v1';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1';
import type { Lease } from 'kubernetes-types/coordination/v1';
import { parse as parseYaml } from 'yaml';
import { openSqliteStore } from '../src/storage/sqlite-store.ts';
import { ResourceIndex } from '../src/apiserver/resource-index.ts';
import { GenericRegistry } from '../src/apiserver/generic-registry.ts';
import { namespaceLifecycle } from '../src/apiserver/admission/namespace-lifecycle.ts';
import { serviceAllocation } from '../src/apiserver/admission/service-allocation.ts';
import { allResources } from '../src/api/all.ts';
import type { KObject } from '../src/api/types.ts';
import type { Client, ResourceClient } from '../src/client/client.ts';
import { inProcessClient } from '../src/client/in-process-client.ts';
import { httpClient } from '../src/client/http-client.ts';
import { InformerFactory } from '../src/client/informer.ts';
import { ApiError } from '../src/machinery/errors.ts';
import { createLogger } from '../src/cli/log.ts';
import { startGarbageCollector } from '../src/controllers/garbage-collector.ts';
import { startEndpointsController } from '../src/controllers/endpoints-controller.ts';
import {
  CONTROLLER_NAME, MAX_ENDPOINTS_PER_SLICE, planEndpointSlices, startEndpointSliceController, type EndpointSliceObject,
} from '../src/controllers/endpointslice-controller.ts';
import { startServiceAccountController } from '../src/controllers/serviceaccount-controller.ts';
import { DESCRIPTION_ANNOTATION, ROOT_CA_DESCRIPTION, startRootCAController } from '../src/controllers/root-ca-controller.ts';
import { runWithLeaderElection, validateLeaderElectionTimes } from '../src/controllers/leader-election.ts';
import { rfc3339 } from '../src/machinery/meta.ts';
import { kubectlVersion, startServer } from './helpers/server.ts';

type PodObject = Pod & KObject;
type ServiceObject = Service & KObject;
type EndpointsObject = Endpoints & KObject;
type NodeObject = Node & KObject;

const WAIT_MS = 10_000;
const CA_PEM = '-----BEGIN CERTIFICATE-----\nMIIBdummyTestCA\n-----END CERTIFICATE-----\n';
const log = createLogger(process.env.SKIFF_TEST_LOG ? 'debug' : 'error');

async function waitFor<T>(what: string, check: () => Promise<T | false | undefined> | T | false | undefined, timeoutMs = WAIT_MS): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function getOrUndefined<T extends KObject>(rc: ResourceClient<T>, name: string, namespace?: string): Promise<T | undefined> {
  try {
    return await rc.get(name, namespace);
  } catch (err) {
    if (err instanceof ApiError && err.reason === 'NotFound') return undefined;
    throw err;
  }
}

/** Wraps a client so the writes sent through it are counted by "<verb> <plural>". */
function countingWrites(client: Client) {
  const writes = new Map<string, number>();
  const wrapped: Client = {
    resource<T extends KObject>(group: string, version: string, plural: string): ResourceClient<T> {
      const rc = client.resource<T>(group, version, plural);
      return new Proxy(rc, {
        get(target, prop, receiver) {
          const value = Reflect.get(target, prop, receiver);
          if (typeof value !== 'function' || !['create', 'update', 'patch', 'delete'].includes(String(prop))) return value;
          return (...args: unknown[]) => {
            const key = `${String(prop)} ${plural}`;
            writes.set(key, (writes.get(key) ?? 0) + 1);
            return value.apply(target, args);
          };
        },
      });
    },
  };
  return { client: wrapped, writes };
}

interface StackOptions {
  /** Runs before any controller starts (objects that exist "from before"). */
  before?(client: Client): Promise<void>;
  maxEndpointsPerSlice?: number;
}

async function startStack(opts: StackOptions = {}) {
  const store = openSqliteStore(':memory:');
  const index = new ResourceIndex(allResources);
  const nsDef = index.lookup('', 'v1', 'namespaces')!;
  const servicesDef = index.lookup('', 'v1', 'services')!;
  let registry: GenericRegistry;
  const getNamespace = async (name: string) => {
    try { return await registry.get(nsDef, undefined, name); } catch { return undefined; }
  };
  registry = new GenericRegistry(store, {
    admission: [namespaceLifecycle(getNamespace), serviceAllocation('10.43.0.0/16', async () => (await registry.list(servicesDef, {})).items)],
  });
  const client = inProcessClient(registry, index, { name: 'system:kube-controller-manager', groups: [] });
  await client.resource('', 'v1', 'namespaces').create({ metadata: { name: 'default' } });
  await opts.before?.(client);
  const informers = new InformerFactory((g, v, p) => client.resource(g, v, p));
  const { client: counted, writes } = countingWrites(client);
  const running = [
    startGarbageCollector({ client, informers, resources: allResources, log }),
    startEndpointsController({ client: counted, informers, log }),
    startEndpointSliceController({ client: counted, informers, log, maxEndpointsPerSlice: opts.maxEndpointsPerSlice }),
    startServiceAccountController({ client: counted, informers, log }),
    startRootCAController({ client: counted, informers, log, caCert: CA_PEM }),
  ];
  await informers.waitForSync();
  const pods = client.resource<PodObject>('', 'v1', 'pods');
  const services = client.resource<ServiceObject>('', 'v1', 'services');
  const endpoints = client.resource<EndpointsObject>('', 'v1', 'endpoints');
  const slices = client.resource<EndpointSliceObject>('discovery.k8s.io', 'v1', 'endpointslices');
  const nodes = client.resource<NodeObject>('', 'v1', 'nodes');

  return {
    client, informers, pods, services, endpoints, slices, nodes,
    /** Writes the controllers sent, by "<verb> <plural>". */
    writes,
    async node(name: string, zone?: string) {
      return nodes.create({ metadata: { name, ...(zone ? { labels: { 'topology.kubernetes.io/zone': zone } } : {}) } });
    },
    service(name: string, spec: ServiceSpec, labels?: Record<string, string>, namespace = 'default') {
      return services.create({ metadata: { name, namespace, ...(labels ? { labels } : {}) }, spec }, { namespace });
    },
    /** A pod on a node, then its status as the kubelet would post it (no IP: still Pending). */
    async pod(name: string, o: { labels: Record<string, string>; ip?: string; ready?: boolean; node?: string; containers?: Container[]; namespace?: string; phase?: string; hostname?: string; subdomain?: string }) {
      const namespace = o.namespace ?? 'default';
      const created = await pods.create({
        metadata: { name, namespace, labels: o.labels },
        spec: {
          nodeName: o.node ?? 'node-a',
          ...(o.hostname ? { hostname: o.hostname } : {}),
          ...(o.subdomain ? { subdomain: o.subdomain } : {}),
          containers: o.containers ?? [{ name: 'app', image: 'nginx', ports: [{ name: 'http', containerPort: 8080 }] }],
        },
      }, { namespace });
      if (!o.ip) return created;
      const t = rfc3339(new Date());
      return pods.update({
        ...created,
        status: {
          phase: o.phase ?? 'Running', podIP: o.ip, podIPs: [{ ip: o.ip }], startTime: t,
          conditions: [{ type: 'Ready', status: o.ready === false ? 'False' : 'True', lastTransitionTime: t }],
        },
      }, { subresource: 'status', namespace });
    },
    async setReady(name: string, ready: boolean, namespace = 'default') {
      const p = await pods.get(name, namespace);
      const conditions = (p.status?.conditions ?? []).map((c) => (c.type === 'Ready' ? { ...c, status: ready ? 'True' : 'False' } : c));
      return pods.update({ ...p, status: { ...p.status, conditions } }, { subresource: 'status', namespace });
    },
    async slicesOf(service: string, namespace = 'default'): Promise<EndpointSliceObject[]> {
      return (await slices.list({ namespace, labelSelector: `kubernetes.io/service-name=${service}` })).items;
    },
    async stop() {
      for (const c of running) c.stop();
      informers.stop();
      await store.close();
    },
  };
}
type Stack = Awaited<ReturnType<typeof startStack>>;

/** "ready: ip,ip | notReady: ip | ports: name/port" per subset: what a reader of Endpoints sees. */
function subsetSummary(ep: EndpointsObject | undefined): string[] {
  return (ep?.subsets ?? []).map((s) => [
    `ready: ${(s.addresses ?? []).map((a) => a.ip).join(',')}`,
    `notReady: ${(s.notReadyAddresses ?? []).map((a) => a.ip).join(',')}`,
    `ports: ${(s.ports ?? []).map((p) => `${p.name ?? ''}/${p.port}/${p.protocol}`).join(',')}`,
  ].join(' | '));
}

async function endpointsSettled(s: Stack, name: string, want: string[], namespace = 'default'): Promise<EndpointsObject> {
  let last: string[] = [];
  try {
    return await waitFor(`endpoints ${name} = ${JSON.stringify(want)}`, async () => {
      const ep = await getOrUndefined(s.endpoints, name, namespace);
      last = subsetSummary(ep);
      return ep && JSON.stringify(last) === JSON.stringify(want) ? ep : undefined;
    });
  } catch (err) {
    assert.deepEqual(last, want, `endpoints ${name} never settled`);
    throw err;
  }
}

// ---- Endpoints -------------------------------------------------------------------------------

test('Endpoints list ready and not-ready pods with named target ports resolved per pod', async () => {
  const s = await startStack();
  try {
    await s.node('node-a');
    await s.service('web', { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] }, { tier: 'front' });
    await s.pod('ready-1', { labels: { app: 'web' }, ip: '10.42.0.11' });
    await s.pod('ready-2', { labels: { app: 'web' }, ip: '10.42.0.12' });
    await s.pod('starting', { labels: { app: 'web' }, ip: '10.42.0.13', ready: false });
    await s.pod('pending', { labels: { app: 'web' } });                                // no IP yet
    await s.pod('failed', { labels: { app: 'web' }, ip: '10.42.0.14', phase: 'Failed', ready: false });
    await s.pod('other', { labels: { app: 'db' }, ip: '10.42.0.15' });                 // not selected
    const ep = await endpointsSettled(s, 'web', ['ready: 10.42.0.11,10.42.0.12 | notReady: 10.42.0.13 | ports: http/8080/TCP']);

    const pod = await s.pods.get('ready-1', 'default');
    assert.deepEqual(ep.subsets![0].addresses![0], {
      ip: '10.42.0.11', nodeName: 'node-a', targetRef: { kind: 'Pod', namespace: 'default', name: 'ready-1', uid: pod.metadata!.uid },
    });
    assert.deepEqual(ep.metadata?.labels, { tier: 'front' }, 'labels are the Service\'s');
    assert.match(ep.metadata?.annotations?.['endpoints.kubernetes.io/last-change-trigger-time'] ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.equal(ep.metadata?.ownerReferences, undefined);

    // Becoming ready moves the address; a terminating pod leaves.
    await s.setReady('starting', true);
    await endpointsSettled(s, 'web', ['ready: 10.42.0.11,10.42.0.12,10.42.0.13 | notReady:  | ports: http/8080/TCP']);
    await s.pods.delete('ready-1', { namespace: 'default' }); // graceful: it stays, terminating
    assert.ok((await s.pods.get('ready-1', 'default')).metadata?.deletionTimestamp);
    await endpointsSettled(s, 'web', ['ready: 10.42.0.12,10.42.0.13 | notReady:  | ports: http/8080/TCP']);
  } finally {
    await s.stop();
  }
});

test('publishNotReadyAddresses lists not-ready and terminating pods as ready', async () => {
  const s = await startStack();
  try {
    await s.node('node-a');
    await s.service('db', { selector: { app: 'db' }, clusterIP: 'None', publishNotReadyAddresses: true, ports: [{ port: 5432 }] });
    await s.pod('db-0', { labels: { app: 'db' }, ip: '10.42.0.21', ready: false });
    await s.pod('db-1', { labels: { app: 'db' }, ip: '10.42.0.22' });
    await s.pods.delete('db-1', { namespace: 'default' });
    const ep = await endpointsSettled(s, 'db', ['ready: 10.42.0.21,10.42.0.22 | notReady:  | ports: /5432/TCP']);
    assert.deepEqual(ep.metadata?.labels, { 'service.kubernetes.io/headless': '' });
  } finally {
    await s.stop();
  }
});

test('subsets group addresses by the ports they serve; headless without ports lists bare addresses; hostnames under their subdomain', async () => {
  const s = await startStack();
  try {
    await s.node('node-a');
    const container = (ports: Array<[string, number]>): Container[] => [{ name: 'app', image: 'app', ports: ports.map(([name, containerPort]) => ({ name, containerPort })) }];
    await s.service('multi', {
      selector: { app: 'multi' },
      ports: [{ name: 'http', port: 80, targetPort: 'http' }, { name: 'metrics', port: 9090, targetPort: 9100 }],
    });
    await s.pod('m-old', { labels: { app: 'multi' }, ip: '10.42.0.31', containers: container([['http', 8080]]) });
    await s.pod('m-new', { labels: { app: 'multi' }, ip: '10.42.0.32', containers: container([['http', 8081]]) });
    await s.pod('m-bare', { labels: { app: 'multi' }, ip: '10.42.0.33', containers: container([]) });
    // A subset means every address on every port: those serving metrics share one subset.
    await endpointsSettled(s, 'multi', [
      'ready: 10.42.0.31 | notReady:  | ports: http/8080/TCP',
      'ready: 10.42.0.32 | notReady:  | ports: http/8081/TCP',
      'ready: 10.42.0.31,10.42.0.32,10.42.0.33 | notReady:  | ports: metrics/9100/TCP',
    ]);

    await s.service('peers', { selector: { app: 'peers' }, clusterIP: 'None' });
    await s.pod('peer-0', { labels: { app: 'peers' }, ip: '10.42.0.41', hostname: 'peer-0', subdomain: 'peers' });
    await s.pod('peer-1', { labels: { app: 'peers' }, ip: '10.42.0.42', ready: false });
    const ep = await endpointsSettled(s, 'peers', ['ready: 10.42.0.41 | notReady: 10.42.0.42 | ports: ']);
    assert.equal(ep.subsets![0].addresses![0].hostname, 'peer-0');
    assert.equal(ep.subsets![0].notReadyAddresses![0].hostname, undefined);
  } finally {
    await s.stop();
  }
});

test('selectorless Services are left alone; Endpoints follow their Service out; the kubernetes Endpoints are never deleted', async () => {
  const s = await startStack({
    async before(client) {
      const eps = client.resource('', 'v1', 'endpoints');
      await eps.create({ metadata: { name: 'kubernetes', namespace: 'default' }, subsets: [{ addresses: [{ ip: '10.0.0.1' }], ports: [{ name: 'https', port: 6443 }] }] });
      await eps.create({ metadata: { name: 'orphan', namespace: 'default' }, subsets: [{ addresses: [{ ip: '10.0.0.9' }] }] });
    },
  });
  try {
    // Left behind while no controller ran: cleaned up once it starts.
    await waitFor('the orphan Endpoints to go', async () => !(await getOrUndefined(s.endpoints, 'orphan', 'default')));

    await s.service('external', { ports: [{ port: 80 }] });
    const manual = await s.endpoints.create({
      metadata: { name: 'external', namespace: 'default' }, subsets: [{ addresses: [{ ip: '192.0.2.10' }], ports: [{ port: 80 }] }],
    });
    await s.service('web', { selector: { app: 'web' }, ports: [{ port: 80 }] });
    await endpointsSettled(s, 'web', []);
    await sleep(100);
    assert.equal((await s.endpoints.get('external', 'default')).metadata?.resourceVersion, manual.metadata?.resourceVersion);

    // Deleting the Endpoints of a selector Service brings them back.
    await s.endpoints.delete('web', { namespace: 'default' });
    await waitFor('web Endpoints recreated', () => getOrUndefined(s.endpoints, 'web', 'default'));

    await s.services.delete('web', { namespace: 'default' });
    await waitFor('web Endpoints deleted', async () => !(await getOrUndefined(s.endpoints, 'web', 'default')));
    assert.ok(await getOrUndefined(s.endpoints, 'kubernetes', 'default'), 'the API server\'s own Endpoints stay');
    assert.ok(await getOrUndefined(s.endpoints, 'external', 'default'), 'a selectorless Service keeps its Endpoints');
  } finally {
    await s.stop();
  }
});

test('a sync that changes nothing writes nothing', async () => {
  const s = await startStack();
  try {
    await s.node('node-a');
    await s.service('web', { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] });
    for (let i = 0; i < 5; i++) await s.pod(`web-${i}`, { labels: { app: 'web' }, ip: `10.42.0.${50 - i}` });
    const ep = await endpointsSettled(s, 'web', ['ready: 10.42.0.46,10.42.0.47,10.42.0.48,10.42.0.49,10.42.0.50 | notReady:  | ports: /8080/TCP']);
    await waitFor('one slice with five endpoints', async () => (await s.slicesOf('web')).flatMap((x) => x.endpoints ?? []).length === 5);
    const [slice] = await s.slicesOf('web');
    await sleep(100);
    const writesBefore = JSON.stringify([...s.writes].sort());
    // Touch the Service and pods in ways the endpoints do not show: both controllers resync.
    await s.services.patch('web', 'merge', { metadata: { annotations: { note: 'x' } } }, { namespace: 'default' });
    await s.pods.patch('web-0', 'merge', { metadata: { annotations: { note: 'y' } } }, { namespace: 'default' });
    await s.pods.patch('web-1', 'merge', { metadata: { labels: { extra: 'z' } } }, { namespace: 'default' });
    await sleep(300);
    assert.equal(JSON.stringify([...s.writes].sort()), writesBefore, 'no writes');
    assert.equal((await s.endpoints.get('web', 'default')).metadata?.resourceVersion, ep.metadata?.resourceVersion);
    assert.equal((await s.slicesOf('web'))[0].metadata?.resourceVersion, slice.metadata?.resourceVersion);
  } finally {
    await s.stop();
  }
});

// ---- EndpointSlices --------------------------------------------------------------------------

test('EndpointSlices: generated name, labels, owner, conditions, node, zone, pod reference, named ports', async () => {
  const s = await startStack();
  try {
    await s.node('node-a', 'zone-1');
    await s.node('node-b');
    const svc = await s.service('web', { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] }, { tier: 'front' });
    await s.pod('ready', { labels: { app: 'web' }, ip: '10.42.0.11' });
    await s.pod('starting', { labels: { app: 'web' }, ip: '10.42.1.12', ready: false, node: 'node-b' });
    await s.pod('leaving', { labels: { app: 'web' }, ip: '10.42.0.13' });
    // A sync that pods' readiness changes triggered carries the trigger time; a later one that
    // only sees a pod terminating drops it, as upstream's does.
    const first = await waitFor('web slice with three endpoints', async () => {
      const list = await s.slicesOf('web');
      return list.length === 1 && list[0].endpoints?.length === 3 && list;
    });
    assert.ok(first[0].metadata?.annotations?.['endpoints.kubernetes.io/last-change-trigger-time']);
    await s.pods.delete('leaving', { namespace: 'default' });
    const slices = await waitFor('web slices with three endpoints, one terminating', async () => {
      const list = await s.slicesOf('web');
      return list.length === 1 && list[0].endpoints?.length === 3 && list[0].endpoints.some((e) => e.conditions?.terminating) && list;
    });
    const slice = slices[0];
    assert.match(slice.metadata!.name!, /^web-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    assert.equal(slice.metadata?.generateName, 'web-');
    assert.deepEqual(slice.metadata?.labels, {
      tier: 'front', 'kubernetes.io/service-name': 'web', 'endpointslice.kubernetes.io/managed-by': CONTROLLER_NAME,
    });
    assert.deepEqual(slice.metadata?.ownerReferences, [{ apiVersion: 'v1', kind: 'Service', name: 'web', uid: svc.metadata!.uid, controller: true, blockOwnerDeletion: true }]);
    assert.equal(slice.addressType, 'IPv4');
    assert.deepEqual(slice.ports, [{ name: 'http', port: 8080, protocol: 'TCP' }]);
    const byName = new Map(slice.endpoints.map((e) => [e.targetRef?.name, e]));
    const uid = async (n: string) => (await s.pods.get(n, 'default')).metadata!.uid;
    assert.deepEqual(byName.get('ready'), {
      addresses: ['10.42.0.11'], conditions: { ready: true, serving: true, terminating: false },
      targetRef: { kind: 'Pod', namespace: 'default', name: 'ready', uid: await uid('ready') }, nodeName: 'node-a', zone: 'zone-1',
    });
    assert.deepEqual(byName.get('starting'), {
      addresses: ['10.42.1.12'], conditions: { ready: false, serving: false, terminating: false },
      targetRef: { kind: 'Pod', namespace: 'default', name: 'starting', uid: await uid('starting') }, nodeName: 'node-b',
    });
    assert.deepEqual(byName.get('leaving')?.conditions, { ready: false, serving: true, terminating: true });

    // The Service goes: its slices are collected with it.
    await s.services.delete('web', { namespace: 'default' });
    await waitFor('web slices collected', async () => (await s.slicesOf('web')).length === 0);
  } finally {
    await s.stop();
  }
});

test('EndpointSlices: a Service without endpoints keeps one empty placeholder; headless is labelled; unknown nodes hold a pod back', async () => {
  const s = await startStack();
  try {
    await s.service('empty', { selector: { app: 'none' }, ports: [{ port: 80 }] });
    const [placeholder] = await waitFor('a placeholder slice', async () => { const l = await s.slicesOf('empty'); return l.length === 1 && l; });
    assert.deepEqual(placeholder.endpoints ?? [], []);
    assert.deepEqual(placeholder.ports ?? [], []);
    await sleep(100);
    assert.equal((await s.slicesOf('empty')).length, 1, 'the placeholder is not replaced over and over');

    await s.service('peers', { selector: { app: 'peers' }, clusterIP: 'None' });
    await s.pod('peer-0', { labels: { app: 'peers' }, ip: '10.42.0.41', node: 'late-node' });
    const [slice] = await waitFor('peers slice', async () => { const l = await s.slicesOf('peers'); return l.length === 1 && l; });
    assert.equal(slice.metadata?.labels?.['service.kubernetes.io/headless'], '');
    await sleep(100);
    assert.deepEqual((await s.slicesOf('peers')).flatMap((x) => x.endpoints ?? []), [], 'a pod on an unknown node is left out');
    await s.node('late-node', 'zone-9');
    await waitFor('the pod to appear once its node does', async () => {
      const eps = (await s.slicesOf('peers')).flatMap((x) => x.endpoints ?? []);
      return eps.length === 1 && eps[0].zone === 'zone-9';
    });
    assert.deepEqual((await s.slicesOf('peers'))[0].ports ?? [], [], 'a headless service without ports has portless slices');
  } finally {
    await s.stop();
  }
});

test('EndpointSlices split at the per-slice maximum and shrink without churn', async () => {
  const s = await startStack({ maxEndpointsPerSlice: 3 });
  try {
    await s.node('node-a');
    await s.service('big', { selector: { app: 'big' }, ports: [{ port: 80, targetPort: 8080 }] });
    for (let i = 0; i < 7; i++) await s.pod(`big-${i}`, { labels: { app: 'big' }, ip: `10.42.0.${100 + i}` });
    await waitFor('7 endpoints in 3 slices', async () => {
      const l = await s.slicesOf('big');
      return l.length === 3 && l.flatMap((x) => x.endpoints ?? []).length === 7;
    });
    assert.deepEqual((await s.slicesOf('big')).map((x) => x.endpoints!.length).sort(), [1, 3, 3]);
    // Removing one pod rewrites only its slice.
    const before = new Map((await s.slicesOf('big')).map((x) => [x.metadata!.name!, x]));
    const victim = [...before.values()].find((x) => x.endpoints!.length === 3)!;
    const victimPod = victim.endpoints![0].targetRef!.name!;
    await s.pods.delete(victimPod, { namespace: 'default', gracePeriodSeconds: 0 });
    await waitFor('6 endpoints', async () => (await s.slicesOf('big')).flatMap((x) => x.endpoints ?? []).length === 6);
    for (const after of await s.slicesOf('big')) {
      const was = before.get(after.metadata!.name!)!;
      assert.ok(was, 'no slice was created');
      if (after.metadata!.name === victim.metadata!.name) assert.notEqual(after.metadata?.resourceVersion, was.metadata?.resourceVersion);
      else assert.equal(after.metadata?.resourceVersion, was.metadata?.resourceVersion, `${after.metadata!.name} untouched`);
    }
  } finally {
    await s.stop();
  }
});

test('planEndpointSlices: 100 endpoints per slice, endpoints stay put, a no-op plans nothing', () => {
  const svc = {
    metadata: { name: 'big', namespace: 'default', uid: 'svc-uid' },
    spec: { selector: { app: 'big' }, clusterIP: '10.43.0.10', ipFamilies: ['IPv4'], ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }] },
  } as ServiceObject;
  const pod = (i: number): PodObject => ({
    metadata: { name: `p-${String(i).padStart(3, '0')}`, namespace: 'default', uid: `uid-${i}`, labels: { app: 'big' } },
    spec: { nodeName: 'n', containers: [] },
    status: { phase: 'Running', podIP: `10.42.${Math.floor(i / 250)}.${i % 250}`, conditions: [{ type: 'Ready', status: 'True' }] },
  });
  const node = { metadata: { name: 'n' } } as NodeObject;
  const pods = Array.from({ length: 250 }, (_, i) => pod(i));
  const first = planEndpointSlices(svc, pods, () => node, []);
  assert.equal(MAX_ENDPOINTS_PER_SLICE, 100);
  assert.deepEqual(first.create.map((x) => x.endpoints.length), [100, 100, 50]);
  assert.deepEqual([first.update.length, first.delete.length], [0, 0]);

  // As the API would hand them back: named.
  const existing = first.create.map((x, i) => ({ ...x, metadata: { ...x.metadata, name: `big-${i}`, uid: `slice-${i}`, resourceVersion: '1' } }));
  const again = planEndpointSlices(svc, pods, () => node, existing);
  assert.deepEqual([again.create.length, again.update.length, again.delete.length], [0, 0, 0]);

  // One pod leaves, two arrive: the slice that lost one is rewritten and takes a newcomer; the
  // other goes to the unchanged slice that ends up closest to full, not to a new slice.
  const changed = [...pods.filter((p) => p.metadata!.name !== 'p-010'), pod(300), pod(301)];
  const plan = planEndpointSlices(svc, changed, () => node, existing);
  assert.deepEqual([plan.create.length, plan.delete.length], [0, 0]);
  assert.deepEqual(plan.update.map((x) => [x.metadata?.name, x.endpoints.length]), [['big-0', 100], ['big-2', 51]]);
  assert.ok(!plan.update[0].endpoints.some((e) => e.targetRef?.name === 'p-010'));
  assert.deepEqual(plan.update[0].endpoints.slice(-1).map((e) => e.targetRef?.name), ['p-300']);
  assert.deepEqual(plan.update[1].endpoints.slice(-1).map((e) => e.targetRef?.name), ['p-301']);
  assert.equal(plan.update[0].endpoints[0].targetRef?.name, 'p-000', 'endpoints keep their places');

  // Everything gone: slices deleted except one, reused as the placeholder.
  const none = planEndpointSlices(svc, [], () => node, existing);
  assert.equal(none.create.length, 0);
  assert.deepEqual(none.update.map((x) => [x.endpoints.length, (x.ports ?? []).length]), [[0, 0]]);
  assert.equal(none.delete.length, 2);
});

// ---- ServiceAccounts and the root CA -----------------------------------------------------------

test('every active namespace gets a default ServiceAccount and the kube-root-ca.crt ConfigMap, restored when changed or deleted', async () => {
  const s = await startStack();
  try {
    const accounts = s.client.resource<ServiceAccount & KObject>('', 'v1', 'serviceaccounts');
    const configMaps = s.client.resource<ConfigMap & KObject>('', 'v1', 'configmaps');
    await s.client.resource('', 'v1', 'namespaces').create({ metadata: { name: 'team-a' } });
    for (const ns of ['default', 'team-a']) {
      await waitFor(`default SA in ${ns}`, () => getOrUndefined(accounts, 'default', ns));
      const cm = await waitFor(`root CA in ${ns}`, () => getOrUndefined(configMaps, 'kube-root-ca.crt', ns));
      assert.deepEqual(cm.data, { 'ca.crt': CA_PEM });
      assert.equal(cm.metadata?.annotations?.[DESCRIPTION_ANNOTATION], ROOT_CA_DESCRIPTION);
    }
    assert.match(ROOT_CA_DESCRIPTION, /^Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes\.default\.svc\. No other usage/);

    const oldSa = await accounts.get('default', 'team-a');
    await accounts.delete('default', { namespace: 'team-a' });
    await waitFor('default SA recreated', async () => {
      const sa = await getOrUndefined(accounts, 'default', 'team-a');
      return sa && sa.metadata?.uid !== oldSa.metadata?.uid;
    });

    // Changed data comes back; someone else's annotation stays.
    await configMaps.patch('kube-root-ca.crt', 'merge', { metadata: { annotations: { mine: 'yes' } }, data: { 'ca.crt': 'tampered', extra: 'x' } }, { namespace: 'team-a' });
    const restored = await waitFor('root CA restored', async () => {
      const cm = await configMaps.get('kube-root-ca.crt', 'team-a');
      return cm.data?.['ca.crt'] === CA_PEM && cm;
    });
    assert.deepEqual(restored.data, { 'ca.crt': CA_PEM });
    assert.equal(restored.metadata?.annotations?.mine, 'yes');
    await configMaps.delete('kube-root-ca.crt', { namespace: 'team-a' });
    await waitFor('root CA recreated', () => getOrUndefined(configMaps, 'kube-root-ca.crt', 'team-a'));

    // A terminating namespace gets nothing new.
    await s.client.resource('', 'v1', 'namespaces').create({ metadata: { name: 'leaving' } });
    await waitFor('default SA in leaving', () => getOrUndefined(accounts, 'default', 'leaving'));
    await s.client.resource('', 'v1', 'namespaces').delete('leaving');
    await waitFor('leaving is terminating', async () => !!(await s.client.resource('', 'v1', 'namespaces').get('leaving')).metadata?.deletionTimestamp);
    await accounts.delete('default', { namespace: 'leaving' });
    await sleep(150);
    assert.equal(await getOrUndefined(accounts, 'default', 'leaving'), undefined);
  } finally {
    await s.stop();
  }
});

// ---- leader election -----------------------------------------------------------------------

/** A client whose Lease calls can be cut off, as a network partition would. */
function partitionable(client: Client) {
  let cut = false;
  const wrapped: Client = {
    resource<T extends KObject>(group: string, version: string, plural: string): ResourceClient<T> {
      const rc = client.resource<T>(group, version, plural);
      if (group !== 'coordination.k8s.io') return rc;
      return new Proxy(rc, {
        get(target, prop, receiver) {
          const value = Reflect.get(target, prop, receiver);
          if (typeof value !== 'function') return value;
          return (...args: unknown[]) => (cut ? Promise.reject(new Error('connection refused')) : value.apply(target, args));
        },
      });
    },
  };
  return { client: wrapped, setCut(v: boolean) { cut = v; } };
}

/** Candidates sharing one record of who is running the leader's work, and whether two ever did. */
function candidates(client: Client, times: { leaseDurationMs: number; renewDeadlineMs: number; retryPeriodMs: number }) {
  const working = new Set<string>();
  const stoppedLeading: string[] = [];
  let overlap = false;
  const start = (identity: string, c: Client = client) => runWithLeaderElection({
    client: c, name: 'kube-controller-manager', namespace: 'kube-system', identity, ...times, log,
    onStartedLeading() {
      if (working.size) overlap = true;
      working.add(identity);
      return { stop: () => working.delete(identity) };
    },
    onStoppedLeading: () => stoppedLeading.push(identity),
  });
  return { start, working, stoppedLeading, overlap: () => overlap };
}

const iso = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/;

test('leader election: exactly one candidate leads; stopping it releases the Lease and the standby takes over at once', async () => {
  const s = await startStack({ async before(client) { await client.resource('', 'v1', 'namespaces').create({ metadata: { name: 'kube-system' } }); } });
  const leases = s.client.resource<Lease & KObject>('coordination.k8s.io', 'v1', 'leases');
  // A long lease: without the release the standby would wait 30 s, far past this test's patience.
  const c = candidates(s.client, { leaseDurationMs: 30_000, renewDeadlineMs: 20_000, retryPeriodMs: 100 });
  const electors = new Map([['cm-a', c.start('cm-a')], ['cm-b', c.start('cm-b')]]);
  try {
    await waitFor('a leader', () => c.working.size === 1);
    await sleep(400);
    assert.equal(c.working.size, 1);
    const leader = [...c.working][0];
    const standby = leader === 'cm-a' ? 'cm-b' : 'cm-a';
    assert.equal(electors.get(leader)!.isLeader(), true);
    assert.equal(electors.get(standby)!.isLeader(), false);
    const lease = await leases.get('kube-controller-manager', 'kube-system');
    assert.equal(lease.spec?.holderIdentity, leader);
    assert.equal(lease.spec?.leaseDurationSeconds, 30);
    assert.equal(lease.spec?.leaseTransitions, 0);
    assert.match(lease.spec?.acquireTime ?? '', iso);
    assert.match(lease.spec?.renewTime ?? '', iso);
    await waitFor('a renewal', async () => (await leases.get('kube-controller-manager', 'kube-system')).spec?.renewTime !== lease.spec?.renewTime);

    await electors.get(leader)!.stop();
    assert.deepEqual(c.stoppedLeading, [leader]);
    const released = await leases.get('kube-controller-manager', 'kube-system');
    assert.ok(!released.spec?.holderIdentity || released.spec.holderIdentity === standby, 'the Lease was handed back');

    await waitFor('the standby to lead', () => c.working.has(standby), 5000);
    const taken = await leases.get('kube-controller-manager', 'kube-system');
    assert.equal(taken.spec?.holderIdentity, standby);
    assert.equal(taken.spec?.leaseTransitions, 1);
    assert.equal(c.overlap(), false);
  } finally {
    for (const e of electors.values()) await e.stop();
    await s.stop();
  }
});

test('leader election: a leader cut off from the API server steps down before the standby takes over', async () => {
  const s = await startStack({ async before(client) { await client.resource('', 'v1', 'namespaces').create({ metadata: { name: 'kube-system' } }); } });
  const leases = s.client.resource<Lease & KObject>('coordination.k8s.io', 'v1', 'leases');
  const c = candidates(s.client, { leaseDurationMs: 1000, renewDeadlineMs: 500, retryPeriodMs: 100 });
  const net = partitionable(s.client);
  const a = c.start('cm-a', net.client);
  let b: ReturnType<typeof c.start> | undefined;
  try {
    await waitFor('cm-a to lead', () => c.working.has('cm-a'));
    b = c.start('cm-b');
    await sleep(300);
    assert.deepEqual([...c.working], ['cm-a']);

    net.setCut(true);
    await waitFor('cm-a to step down', () => !c.working.has('cm-a'));
    assert.deepEqual(c.stoppedLeading, ['cm-a']);
    assert.equal(a.isLeader(), false);
    await waitFor('cm-b to take over', () => c.working.has('cm-b'));
    assert.equal(c.overlap(), false, 'never two leaders at once');
    const lease = await leases.get('kube-controller-manager', 'kube-system');
    assert.deepEqual([lease.spec?.holderIdentity, lease.spec?.leaseTransitions], ['cm-b', 1]);

    // Back on the network, the old leader waits as a standby.
    net.setCut(false);
    await sleep(1500);
    assert.deepEqual([...c.working], ['cm-b']);
    assert.equal((await leases.get('kube-controller-manager', 'kube-system')).spec?.holderIdentity, 'cm-b');
  } finally {
    await a.stop();
    await b?.stop();
    await s.stop();
  }
});

test('leader election refuses inconsistent timings, as upstream', () => {
  assert.throws(() => validateLeaderElectionTimes(10_000, 10_000, 2_000), /leaseDuration must be greater than renewDeadline/);
  assert.throws(() => validateLeaderElectionTimes(15_000, 2_000, 2_000), /renewDeadline must be greater than retryPeriod\*JitterFactor/);
  assert.doesNotThrow(() => validateLeaderElectionTimes(15_000, 10_000, 2_000));
});

// ---- a real server, read by the real kubectl -------------------------------------------------

test('kubectl 1.32 describe svc shows the endpoints the controllers publish', { timeout: 90_000 }, async () => {
  const server = await startServer({ args: ['--simulated-nodes', '1'] });
  const cfg = parseYaml(readFileSync(server.kubeconfig, 'utf8'));
  const b64 = (v: string) => Buffer.from(v, 'base64').toString('utf8');
  const client = httpClient({
    server: server.url, ca: b64(cfg.clusters[0].cluster['certificate-authority-data']),
    cert: b64(cfg.users[0].user['client-certificate-data']), key: b64(cfg.users[0].user['client-key-data']),
  });
  const informers = new InformerFactory((g, v, p) => client.resource(g, v, p));
  const running: Array<{ stop(): void }> = [];
  const kubectl132 = (...args: string[]) => server.kubectl(args, { binary: kubectlVersion(32) });
  try {
    // Until `skiff server` runs these controllers itself, the test runs them as API clients.
    await server.k('create', 'service', 'clusterip', 'probe', '--tcp=80:80');
    const serverRunsThem = await waitFor('probe Endpoints', async () => (await server.kubectl(['get', 'endpoints', 'probe'])).code === 0, 1500)
      .then(() => true, () => false);
    if (!serverRunsThem) {
      running.push(startEndpointSliceController({ client, informers, log }));
      await informers.waitForSync();
    }
    const apply = await server.kubectl(['apply', '-f', '-'], {
      input: JSON.stringify({
        apiVersion: 'v1', kind: 'List', items: [
          { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default' }, spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] } },
          {
            apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web-0', namespace: 'default', labels: { app: 'web' } },
            spec: { nodeName: 'sim-node-0', containers: [{ name: 'nginx', image: 'nginx', ports: [{ name: 'http', containerPort: 8080 }] }] },
          },
        ],
      }),
    });
    assert.equal(apply.code, 0, apply.stderr);
    const ip = await waitFor('web-0 running with an IP', async () => {
      const pod = JSON.parse(await server.k('get', 'pod', 'web-0', '-o', 'json')) as Pod;
      return pod.status?.conditions?.some((cond) => cond.type === 'Ready' && cond.status === 'True') && pod.status.podIP;
    }, 30_000);
    const described = await waitFor('describe svc to show the endpoint', async () => {
      const r = await kubectl132('describe', 'svc', 'web');
      return r.code === 0 && new RegExp(`^Endpoints:\\s+${ip.replace(/\./g, '\\.')}:8080$`, 'm').test(r.stdout) && r.stdout;
    }, 20_000);
    assert.match(described, /^Selector:\s+app=web$/m);
    if (!serverRunsThem) {
      // Only EndpointSlices exist so far: that is what describe read.
      assert.match((await server.kubectl(['get', 'endpoints', 'web'])).stderr, /endpoints "web" not found/);
      running.push(startEndpointsController({ client, informers, log }));
      await waitFor('web Endpoints', async () => (await server.kubectl(['get', 'endpoints', 'web'])).code === 0);
    }
    assert.match(await server.k('get', 'endpoints', 'web'), new RegExp(`^web\\s+${ip.replace(/\./g, '\\.')}:8080\\s+`, 'm'));
    const slices = await server.k('get', 'endpointslices', '-l', 'kubernetes.io/service-name=web');
    assert.match(slices, new RegExp(`^web-\\w{5}\\s+IPv4\\s+8080\\s+${ip.replace(/\./g, '\\.')}\\s+`, 'm'));
  } finally {
    for (const c of running) c.stop();
    informers.stop();
    await server.destroy();
  }
});
