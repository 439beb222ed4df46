// An in-process cluster for controller tests, without HTTP: SQLite store, generic registry,
// in-process client, shared informers, the `default` namespace, the garbage collector, the
// ReplicaSet and Deployment controllers and a fake kubelet that starts every pod.
import assert from 'node:assert/strict';
import type { Event } from 'kubernetes-types/core/v1';
import { openSqliteStore } from '../../src/storage/sqlite-store.ts';
import { ResourceIndex } from '../../src/apiserver/resource-index.ts';
import { GenericRegistry } from '../../src/apiserver/generic-registry.ts';
import { namespaceLifecycle } from '../../src/apiserver/admission/namespace-lifecycle.ts';
import type { AdmissionPlugin } from '../../src/apiserver/admission.ts';
import { allResources } from '../../src/api/all.ts';
import type { KObject } from '../../src/api/types.ts';
import { inProcessClient } from '../../src/client/in-process-client.ts';
import { InformerFactory } from '../../src/client/informer.ts';
import { createEventRecorder } from '../../src/client/event-recorder.ts';
import { createLogger } from '../../src/cli/log.ts';
import { startGarbageCollector } from '../../src/controllers/garbage-collector.ts';
import { startReplicaSetController } from '../../src/controllers/replicaset-controller.ts';
import { startDeploymentController } from '../../src/controllers/deployment-controller.ts';
import type { DeploymentObject, ReplicaSetObject } from '../../src/controllers/deployment-util.ts';
import type { PodObject } from '../../src/controllers/pod-ranking.ts';
import { startFakeKubelet } from './fake-kubelet.ts';

export const WAIT_MS = 10_000;

/** A clock tests can move; it starts at the real time. */
export function fakeClock() {
  let offsetMs = 0;
  return {
    now: () => new Date(Date.now() + offsetMs),
    advance(ms: number) { offsetMs += ms; },
  };
}

export interface StackOptions {
  now?: () => Date;
  /** Run the Deployment controller too (default true). */
  deployments?: boolean;
  /** Extra admission plugins, after NamespaceLifecycle. */
  admission?: AdmissionPlugin[];
}

export async function startControllerStack(opts: StackOptions = {}) {
  const store = openSqliteStore(':memory:');
  const index = new ResourceIndex(allResources);
  const nsDef = index.lookup('', 'v1', 'namespaces')!;
  let registry: GenericRegistry;
  const getNamespace = async (name: string) => {
    try { return await registry.get(nsDef, undefined, name); } catch { return undefined; }
  };
  registry = new GenericRegistry(store, { admission: [namespaceLifecycle(getNamespace), ...(opts.admission ?? [])] });
  const client = inProcessClient(registry, index, { name: 'system:kube-controller-manager', groups: [] });
  const informers = new InformerFactory((g, v, p) => client.resource(g, v, p));
  await client.resource('', 'v1', 'namespaces').create({ metadata: { name: 'default' } });
  const log = createLogger(process.env.SKIFF_TEST_LOG ? 'debug' : 'error');
  const now = opts.now ?? (() => new Date());
  const kubelet = startFakeKubelet(client, informers, now);
  const running = [
    startGarbageCollector({ client, informers, resources: allResources, log }),
    startReplicaSetController({
      client, informers, log, now, recorder: createEventRecorder(client, { component: 'replicaset-controller' }, log, now),
    }),
    ...(opts.deployments === false ? [] : [startDeploymentController({
      client, informers, log, now, recorder: createEventRecorder(client, { component: 'deployment-controller' }, log, now),
    })]),
  ];
  await informers.waitForSync();

  const deployments = client.resource<DeploymentObject>('apps', 'v1', 'deployments');
  const replicaSets = client.resource<ReplicaSetObject>('apps', 'v1', 'replicasets');
  const pods = client.resource<PodObject>('', 'v1', 'pods');
  const events = client.resource<Event & KObject>('', 'v1', 'events');
  return {
    client, informers, kubelet, deployments, replicaSets, pods,
    async podsOf(namespace = 'default'): Promise<PodObject[]> {
      return (await pods.list({ namespace })).items.filter((p) => !p.metadata?.deletionTimestamp);
    },
    async replicaSetsOf(deploymentUid: string, namespace = 'default'): Promise<ReplicaSetObject[]> {
      return (await replicaSets.list({ namespace })).items.filter((rs) => rs.metadata?.ownerReferences?.some((r) => r.uid === deploymentUid));
    },
    /** "reason: message" of the events about one object, oldest first. */
    async eventsFor(name: string, namespace = 'default'): Promise<string[]> {
      const all = (await events.list({ namespace })).items.filter((e) => e.involvedObject.name === name);
      all.sort((a, b) => String(a.metadata?.name).localeCompare(String(b.metadata?.name)));
      return all.map((e) => `${e.reason}: ${e.message}`);
    },
    async stop() {
      kubelet.stop();
      for (const c of running) c.stop();
      informers.stop();
      await store.close();
    },
  };
}
export type ControllerStack = Awaited<ReturnType<typeof startControllerStack>>;

export async function waitFor(what: string, check: () => Promise<boolean> | boolean, timeoutMs = WAIT_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
