// Node failure on an in-process stack: the node lifecycle controller marks a silent node Unknown
// and taints it, the taint eviction controller evicts its pods once their tolerations run out,
// the ReplicaSet controller and the scheduler replace them on a healthy node, and the pod
// garbage collector removes what is left once the node is deleted. Also: recovery lifting the
// taints, Ready=False, a cluster whose only node goes silent, and PodDisruptionBudget status and
// evictions through the disruption controller.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Event, Node, Pod, Taint } from 'kubernetes-types/core/v1';
import type { Lease } from 'kubernetes-types/coordination/v1';
import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1';
import { openSqliteStore } from '../src/storage/sqlite-store.ts';
import { ResourceIndex } from '../src/apiserver/resource-index.ts';
import { GenericRegistry } from '../src/apiserver/generic-registry.ts';
import { namespaceLifecycle } from '../src/apiserver/admission/namespace-lifecycle.ts';
import { defaultTolerationSeconds } from '../src/apiserver/admission/default-toleration-seconds.ts';
import { allResources } from '../src/api/all.ts';
import type { KObject } from '../src/api/types.ts';
import { inProcessClient } from '../src/client/in-process-client.ts';
import { InformerFactory } from '../src/client/informer.ts';
import { createEventRecorder } from '../src/client/event-recorder.ts';
import { createLogger } from '../src/cli/log.ts';
import { ApiError } from '../src/machinery/errors.ts';
import { rfc3339Micro } from '../src/machinery/meta.ts';
import { nodeConditions, startSimulatedNodes, type SimulatedNodes } from '../src/agent/simulated-nodes.ts';
import { startNodeLifecycleController } from '../src/controllers/node-lifecycle-controller.ts';
import { startDisruptionController } from '../src/controllers/disruption-controller.ts';
import { startPodGCController } from '../src/controllers/pod-gc-controller.ts';
import { startReplicaSetController } from '../src/controllers/replicaset-controller.ts';
import { startScheduler } from '../src/scheduler/scheduler.ts';
import type { ReplicaSetObject } from '../src/controllers/deployment-util.ts';
import { waitFor } from './helpers/controller-stack.ts';

type NodeObject = Node & KObject;
type PodObject = Pod & KObject;
type LeaseObject = Lease & KObject;
type BudgetObject = PodDisruptionBudget & KObject;

const CAPACITY = { cpu: '8', memory: '32Gi', pods: '110' };
const GRACE_MS = 1500;
const TOLERATION_SECONDS = 2;
const UNREACHABLE_NO_SCHEDULE: Taint = { key: 'node.kubernetes.io/unreachable', effect: 'NoSchedule' };
const UNREACHABLE_NO_EXECUTE: Taint = { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' };

async function startStack(opts: { tolerationSeconds?: number } = {}) {
  const store = openSqliteStore(':memory:');
  const index = new ResourceIndex(allResources);
  const nsDef = index.lookup('', 'v1', 'namespaces')!;
  let registry: GenericRegistry;
  const getNamespace = async (name: string) => {
    try { return await registry.get(nsDef, undefined, name); } catch { return undefined; }
  };
  const seconds = opts.tolerationSeconds ?? TOLERATION_SECONDS;
  registry = new GenericRegistry(store, {
    admission: [namespaceLifecycle(getNamespace), defaultTolerationSeconds({ notReadySeconds: seconds, unreachableSeconds: seconds })],
  });
  const client = inProcessClient(registry, index, { name: 'system:kube-controller-manager', groups: [] });
  for (const name of ['default', 'kube-node-lease']) await client.resource('', 'v1', 'namespaces').create({ metadata: { name } });
  const informers = new InformerFactory((g, v, p) => client.resource(g, v, p));
  const log = createLogger(process.env.SKIFF_TEST_LOG ? 'debug' : 'error');
  const stops: Array<() => void | Promise<void>> = [];
  const nodes = client.resource<NodeObject>('', 'v1', 'nodes');
  const pods = client.resource<PodObject>('', 'v1', 'pods');
  const leases = client.resource<LeaseObject>('coordination.k8s.io', 'v1', 'leases');
  const events = client.resource<Event & KObject>('', 'v1', 'events');

  // Simulated kubelets renew every 10 s, far beyond these tests' 1.5 s grace: the test renews
  // the leases of the nodes it calls alive more often, as a kubelet with a short interval would.
  const alive = new Set<string>();
  const pump = setInterval(() => {
    for (const name of alive) {
      void (async () => {
        const renewTime = rfc3339Micro(new Date());
        try {
          const lease = await leases.get(name, 'kube-node-lease');
          await leases.update({ ...lease, spec: { ...lease.spec, holderIdentity: name, leaseDurationSeconds: 40, renewTime } });
        } catch (err) {
          if (err instanceof ApiError && err.code === 404) {
            await leases.create({ metadata: { name, namespace: 'kube-node-lease' }, spec: { holderIdentity: name, leaseDurationSeconds: 40, renewTime } })
              .catch(() => undefined);
          }
        }
      })();
    }
  }, 250);
  stops.push(() => clearInterval(pump));

  return {
    client, informers, log, nodes, pods, alive,
    /** Starts the named controllers on this stack (informers sync after). */
    async run(...starters: Array<() => { stop(): void }>) {
      for (const start of starters) stops.push(start().stop);
      await informers.waitForSync();
    },
    simulatedNodes(prefix: string): SimulatedNodes {
      const sim = startSimulatedNodes({ client, count: 1, namePrefix: prefix, capacity: CAPACITY, log });
      stops.push(() => sim.stop());
      return sim;
    },
    /** A node the test itself plays the kubelet for: registered Ready, lease kept fresh. */
    async fakeNode(name: string, labels: Record<string, string> = {}): Promise<NodeObject> {
      const node = await nodes.create({ metadata: { name, labels: { 'kubernetes.io/hostname': name, ...labels } }, spec: {} });
      await nodes.patch(name, 'merge', { status: { capacity: CAPACITY, allocatable: CAPACITY, conditions: nodeConditions(new Date()) } }, { subresource: 'status' });
      alive.add(name);
      return node;
    },
    /** A running, ready pod bound to the node. */
    async runningPod(name: string, nodeName: string, extra: Partial<NonNullable<PodObject['spec']>> = {}): Promise<PodObject> {
      const pod = await pods.create({ metadata: { name, namespace: 'default' }, spec: { nodeName, containers: [{ name: 'c', image: 'pause' }], ...extra } });
      const t = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
      const conditions = ['Initialized', 'Ready', 'ContainersReady', 'PodScheduled'].map((type) => ({ type, status: 'True', lastTransitionTime: t }));
      return pods.update({ ...pod, status: { ...pod.status, phase: 'Running', conditions } }, { subresource: 'status' });
    },
    async pod(name: string): Promise<PodObject | undefined> {
      try { return await pods.get(name, 'default'); } catch { return undefined; }
    },
    /** "reason: message" of the events about one object. */
    async eventsFor(name: string, namespace = 'default'): Promise<string[]> {
      return (await events.list({ namespace })).items.filter((e) => e.involvedObject.name === name).map((e) => `${e.reason}: ${e.message}`);
    },
    async stop() {
      for (const stop of stops.reverse()) await stop();
      informers.stop();
      await store.close();
    },
  };
}
type Stack = Awaited<ReturnType<typeof startStack>>;

function nodeLifecycle(s: Stack) {
  // A fast eviction rate: upstream's one node per 10 s would make every second tainting wait.
  return () => startNodeLifecycleController({ client: s.client, informers: s.informers, log: s.log, gracePeriodMs: GRACE_MS, monitorPeriodMs: 100, evictionRate: 50 });
}

const hasTaint = (n: Node | undefined, t: Taint) => !!n?.spec?.taints?.some((x) => x.key === t.key && x.effect === t.effect);
const condition = (p: Pod | undefined, type: string) => p?.status?.conditions?.find((c) => c.type === type);

function replicaSet(name: string, replicas: number): ReplicaSetObject {
  return {
    apiVersion: 'apps/v1', kind: 'ReplicaSet',
    metadata: { name, namespace: 'default' },
    spec: {
      replicas, selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } },
    },
  };
}

test('a node that goes silent is marked Unknown and tainted; its pods are evicted after their toleration, replaced elsewhere, and collected once the node is deleted', async () => {
  const s = await startStack();
  try {
    const flaky = s.simulatedNodes('flaky');
    await flaky.ready;
    s.alive.add('flaky-0');
    await s.run(
      nodeLifecycle(s),
      () => startScheduler({ client: s.client, informers: s.informers, log: s.log }),
      () => startReplicaSetController({ client: s.client, informers: s.informers, log: s.log, recorder: createEventRecorder(s.client, { component: 'replicaset-controller' }, s.log) }),
      () => startPodGCController({ client: s.client, informers: s.informers, log: s.log, periodMs: 100, quarantineMs: 300 }),
    );
    const rsApi = s.client.resource<ReplicaSetObject>('apps', 'v1', 'replicasets');
    await rsApi.create(replicaSet('web', 2));
    await waitFor('2 running web pods on flaky-0', async () => (await s.pods.list({ namespace: 'default' })).items
      .filter((p) => p.spec?.nodeName === 'flaky-0' && condition(p, 'Ready')?.status === 'True').length === 2);
    const doomed = (await s.pods.list({ namespace: 'default' })).items.map((p) => p.metadata!.name!);
    assert.equal(doomed.length, 2);
    // A pod that tolerates an unreachable node forever stays.
    await s.pods.create({ metadata: { name: 'stubborn', namespace: 'default' }, spec: {
      nodeName: 'flaky-0', containers: [{ name: 'c', image: 'pause' }],
      tolerations: [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' }],
    } });
    await waitFor('stubborn to run', async () => condition(await s.pod('stubborn'), 'Ready')?.status === 'True');
    assert.deepEqual((await s.pods.get(doomed[0], 'default')).spec?.tolerations, [
      { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: TOLERATION_SECONDS },
      { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: TOLERATION_SECONDS },
    ], 'DefaultTolerationSeconds gave the pods their tolerations');

    const steady = s.simulatedNodes('steady');
    await steady.ready;
    s.alive.add('steady-0');

    await flaky.stop();
    s.alive.delete('flaky-0');

    await waitFor('flaky-0 to be Unknown and tainted unreachable', async () => {
      const n = await s.nodes.get('flaky-0');
      return hasTaint(n, UNREACHABLE_NO_EXECUTE) && hasTaint(n, UNREACHABLE_NO_SCHEDULE);
    });
    const node = await s.nodes.get('flaky-0');
    const conditions = new Map(node.status?.conditions?.map((c) => [c.type, c]));
    for (const type of ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure']) {
      assert.equal(conditions.get(type)?.status, 'Unknown', type);
      assert.equal(conditions.get(type)?.reason, 'NodeStatusUnknown', type);
      assert.equal(conditions.get(type)?.message, 'Kubelet stopped posting node status.', type);
    }
    const noExecute = node.spec!.taints!.find((t) => t.effect === 'NoExecute')!;
    assert.ok(noExecute.timeAdded, 'NoExecute taints say when they were added');
    assert.ok((await s.nodes.get('steady-0')).spec?.taints === undefined, 'the healthy node is left alone');
    await waitFor('the NodeNotReady event', async () => (await s.eventsFor('flaky-0')).includes('NodeNotReady: Node flaky-0 status is now: NodeNotReady'));
    await waitFor('the node\'s pods to be marked not ready', async () =>
      (await Promise.all(doomed.map((n) => s.pod(n)))).every((p) => condition(p, 'Ready')?.status === 'False'));

    await waitFor('the web pods to be evicted', async () => (await Promise.all(doomed.map((n) => s.pod(n)))).every((p) => !p || p.metadata?.deletionTimestamp),
      15_000);
    for (const name of doomed) {
      const p = await s.pod(name);
      if (!p) continue; // already collected
      assert.ok(Date.parse(p.metadata!.deletionTimestamp!) - Date.parse(noExecute.timeAdded!) >= (TOLERATION_SECONDS - 1) * 1000,
        'evicted only once the toleration ran out');
      assert.deepEqual(condition(p, 'DisruptionTarget'), {
        type: 'DisruptionTarget', status: 'True', reason: 'DeletionByTaintManager', message: 'Taint manager: deleting due to NoExecute taint',
        lastTransitionTime: condition(p, 'DisruptionTarget')?.lastTransitionTime,
      });
      await waitFor('the eviction event', async () => (await s.eventsFor(name)).includes(`TaintManagerEviction: Marking for deletion Pod default/${name}`));
    }
    assert.ok(!(await s.pods.get('stubborn', 'default')).metadata?.deletionTimestamp, 'a pod tolerating the taint forever stays');

    await waitFor('two replacement pods running on steady-0', async () => (await s.pods.list({ namespace: 'default' })).items
      .filter((p) => p.metadata?.labels?.app === 'web' && !p.metadata.deletionTimestamp && p.spec?.nodeName === 'steady-0' && condition(p, 'Ready')?.status === 'True')
      .length === 2, 15_000);

    // The node is gone for good: pod GC force-deletes what is still bound to it.
    await s.nodes.delete('flaky-0');
    await waitFor('pods of the deleted node to be collected', async () =>
      (await s.pods.list({ namespace: 'default' })).items.every((p) => p.spec?.nodeName !== 'flaky-0'));
    assert.equal((await s.pods.list({ namespace: 'default' })).items.length, 2);
  } finally {
    await s.stop();
  }
});

test('a node that comes back loses its taints and its pods\' pending evictions; a kubelet reporting Ready=False gets not-ready taints', async () => {
  const s = await startStack({ tolerationSeconds: 60 });
  try {
    await s.fakeNode('a');
    await s.fakeNode('b');
    await s.run(nodeLifecycle(s));
    await s.runningPod('p', 'a');

    s.alive.delete('a');
    await waitFor('a to be tainted unreachable', async () => hasTaint(await s.nodes.get('a'), UNREACHABLE_NO_EXECUTE));
    await waitFor('p to be marked not ready', async () => condition(await s.pod('p'), 'Ready')?.status === 'False');
    assert.ok((await s.eventsFor('p')).includes('NodeNotReady: Node is not ready'));

    // The kubelet is back: lease renewed, status posted.
    s.alive.add('a');
    await s.nodes.patch('a', 'merge', { status: { conditions: nodeConditions(new Date()) } }, { subresource: 'status' });
    await waitFor('a to lose its taints', async () => (await s.nodes.get('a')).spec?.taints === undefined);
    await waitFor('the pending eviction to be cancelled', async () => (await s.eventsFor('p')).includes('TaintManagerEviction: Cancelling deletion of Pod default/p'));
    assert.ok(!(await s.pods.get('p', 'default')).metadata?.deletionTimestamp);

    // Alive but not ready: the kubelet says so itself.
    const notReady = nodeConditions(new Date()).map((c) => (c.type === 'Ready' ? { ...c, status: 'False', reason: 'KubeletNotReady', message: 'container runtime is down' } : c));
    await s.nodes.patch('a', 'merge', { status: { conditions: notReady } }, { subresource: 'status' });
    await waitFor('a to be tainted not-ready', async () => {
      const n = await s.nodes.get('a');
      return hasTaint(n, { key: 'node.kubernetes.io/not-ready', effect: 'NoExecute' }) && hasTaint(n, { key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' });
    });
    const a = await s.nodes.get('a');
    assert.ok(!hasTaint(a, UNREACHABLE_NO_EXECUTE) && !hasTaint(a, UNREACHABLE_NO_SCHEDULE));
    assert.equal(a.status?.conditions?.find((c) => c.type === 'Ready')?.reason, 'KubeletNotReady', 'the kubelet\'s own word stands');
  } finally {
    await s.stop();
  }
});

test('pods that do not tolerate a NoExecute taint are deleted at once', async () => {
  const s = await startStack();
  try {
    await s.fakeNode('a');
    await s.run(nodeLifecycle(s));
    await s.runningPod('intolerant', 'a');
    await s.runningPod('tolerant', 'a', { tolerations: [{ key: 'example.com/broken', operator: 'Exists' }] });
    const node = await s.nodes.get('a');
    await s.nodes.update({ ...node, spec: { ...node.spec, taints: [{ key: 'example.com/broken', value: 'yes', effect: 'NoExecute' }] } });
    await waitFor('the intolerant pod to be deleted', async () => !!(await s.pod('intolerant'))?.metadata?.deletionTimestamp);
    assert.equal(condition(await s.pod('intolerant'), 'DisruptionTarget')?.reason, 'DeletionByTaintManager');
    await new Promise((r) => setTimeout(r, 300));
    assert.ok(!(await s.pod('tolerant'))?.metadata?.deletionTimestamp, 'a pod tolerating the taint stays');
  } finally {
    await s.stop();
  }
});

test('when every node goes silent no pod is evicted: the fault is more likely the control plane\'s', async () => {
  const s = await startStack();
  try {
    await s.fakeNode('only');
    await s.run(nodeLifecycle(s));
    await s.runningPod('p', 'only');
    s.alive.delete('only');
    await waitFor('the node to be Unknown and unschedulable', async () => hasTaint(await s.nodes.get('only'), UNREACHABLE_NO_SCHEDULE));
    assert.equal((await s.nodes.get('only')).status?.conditions?.find((c) => c.type === 'Ready')?.status, 'Unknown');
    await new Promise((r) => setTimeout(r, (TOLERATION_SECONDS + 1) * 1000));
    assert.ok(!hasTaint(await s.nodes.get('only'), UNREACHABLE_NO_EXECUTE), 'no NoExecute taint in a fully disrupted cluster');
    assert.ok(!(await s.pod('p'))?.metadata?.deletionTimestamp);
  } finally {
    await s.stop();
  }
});

test('PodDisruptionBudget status follows minAvailable and maxUnavailable; evictions are refused without an allowed disruption', async () => {
  const s = await startStack();
  try {
    const sim = s.simulatedNodes('node');
    await sim.ready;
    s.alive.add('node-0');
    await s.run(
      () => startDisruptionController({ client: s.client, informers: s.informers, log: s.log }),
      () => startScheduler({ client: s.client, informers: s.informers, log: s.log }),
      () => startReplicaSetController({ client: s.client, informers: s.informers, log: s.log, recorder: createEventRecorder(s.client, { component: 'replicaset-controller' }, s.log) }),
    );
    const rsApi = s.client.resource<ReplicaSetObject>('apps', 'v1', 'replicasets');
    const pdbs = s.client.resource<BudgetObject>('policy', 'v1', 'poddisruptionbudgets');
    await rsApi.create(replicaSet('web', 3));
    const ready = async () => (await s.pods.list({ namespace: 'default' })).items
      .filter((p) => !p.metadata?.deletionTimestamp && condition(p, 'Ready')?.status === 'True');
    await waitFor('3 ready pods', async () => (await ready()).length === 3);

    const budget = (name: string, spec: PodDisruptionBudget['spec']): BudgetObject =>
      ({ metadata: { name, namespace: 'default' }, spec: { selector: { matchLabels: { app: 'web' } }, ...spec } });
    const counts = async (name: string) => {
      const st = (await pdbs.get(name, 'default')).status;
      return { currentHealthy: st?.currentHealthy, desiredHealthy: st?.desiredHealthy, expectedPods: st?.expectedPods, disruptionsAllowed: st?.disruptionsAllowed };
    };
    const synced = (name: string) => waitFor(`${name} to be synced`, async () => {
      const b = await pdbs.get(name, 'default');
      return b.status?.observedGeneration === b.metadata?.generation;
    });

    const table: Array<[string, PodDisruptionBudget['spec'], object]> = [
      ['min-one', { minAvailable: 1 }, { currentHealthy: 3, desiredHealthy: 1, expectedPods: 3, disruptionsAllowed: 2 }],
      ['max-half', { maxUnavailable: '50%' }, { currentHealthy: 3, desiredHealthy: 1, expectedPods: 3, disruptionsAllowed: 2 }],
      ['min-two-thirds', { minAvailable: '67%' }, { currentHealthy: 3, desiredHealthy: 3, expectedPods: 3, disruptionsAllowed: 0 }],
    ];
    for (const [name, spec, want] of table) {
      await pdbs.create(budget(name, spec));
      await synced(name);
      assert.deepEqual(await counts(name), want, name);
      const cond = (await pdbs.get(name, 'default')).status?.conditions?.find((c) => c.type === 'DisruptionAllowed');
      assert.deepEqual([cond?.status, cond?.reason], (want as { disruptionsAllowed: number }).disruptionsAllowed > 0 ? ['True', 'SufficientPods'] : ['False', 'InsufficientPods'], name);
      await pdbs.delete(name, { namespace: 'default' });
    }

    // One budget guarding the pods: none may go while it needs all three.
    await pdbs.create(budget('guard', { minAvailable: 3 }));
    await synced('guard');
    const [victim, second] = (await ready()).map((p) => p.metadata!.name!);
    const evict = (name: string) => s.pods.createSubresource(name, 'eviction',
      { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace: 'default' } }, { namespace: 'default' });
    await assert.rejects(evict(victim), (err: unknown) => err instanceof ApiError && err.code === 429 &&
      err.message === 'Cannot evict pod as it would violate the pod\'s disruption budget.' &&
      err.details?.causes?.[0]?.message === 'The disruption budget guard needs 3 healthy pods and has 3 currently');

    await pdbs.patch('guard', 'merge', { spec: { minAvailable: 2 } }, { namespace: 'default' });
    await synced('guard');
    await waitFor('one disruption allowed', async () => (await counts('guard')).disruptionsAllowed === 1);
    await evict(victim);
    assert.deepEqual(Object.keys((await pdbs.get('guard', 'default')).status?.disruptedPods ?? {}), [victim], 'the eviction is recorded');
    await assert.rejects(evict(second), (err: unknown) => err instanceof ApiError && err.code === 429, 'the allowance was spent');

    await waitFor('a replacement and the allowance back', async () => {
      const st = await counts('guard');
      return st.currentHealthy === 3 && st.disruptionsAllowed === 1;
    });
    assert.deepEqual((await pdbs.get('guard', 'default')).status?.disruptedPods, undefined, 'the evicted pod is gone from the bookkeeping');
    await evict(second);
  } finally {
    await s.stop();
  }
});

test('pod GC keeps at most the threshold of finished pods, deleting the oldest first', async () => {
  const s = await startStack();
  try {
    await s.fakeNode('a');
    await s.run(() => startPodGCController({ client: s.client, informers: s.informers, log: s.log, periodMs: 100, terminatedPodThreshold: 2 }));
    await s.runningPod('still-running', 'a');
    for (const name of ['done-1', 'done-2', 'done-3', 'done-4']) {
      // Creation timestamps have second resolution: the first two share theirs, the others are younger.
      if (name === 'done-3' || name === 'done-4') await new Promise((r) => setTimeout(r, 1000));
      const p = await s.runningPod(name, 'a');
      await s.pods.update({ ...p, status: { ...p.status, phase: name === 'done-2' ? 'Failed' : 'Succeeded' } }, { subresource: 'status' });
    }
    await waitFor('the two oldest finished pods to go', async () => (await s.pods.list({ namespace: 'default' })).items.length === 3);
    assert.deepEqual((await s.pods.list({ namespace: 'default' })).items.map((p) => p.metadata?.name).sort(), ['done-3', 'done-4', 'still-running']);
  } finally {
    await s.stop();
  }
});
