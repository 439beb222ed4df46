// The scheduler on a real in-process stack (SQLite store, generic registry, in-process client,
// shared informers), without HTTP and without kubelets: Nodes are created directly with their
// capacity and a Ready condition. What a user would see is asserted: spec.nodeName, the
// Scheduled / FailedScheduling / Preempted events, and the PodScheduled condition.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Event, Node, Pod, PodCondition } from 'kubernetes-types/core/v1';
import { openSqliteStore } from '../src/storage/sqlite-store.ts';
import { ResourceIndex } from '../src/apiserver/resource-index.ts';
import { GenericRegistry } from '../src/apiserver/generic-registry.ts';
import { namespaceLifecycle } from '../src/apiserver/admission/namespace-lifecycle.ts';
import { allResources } from '../src/api/all.ts';
import type { KObject } from '../src/api/types.ts';
import { inProcessClient } from '../src/client/in-process-client.ts';
import { InformerFactory } from '../src/client/informer.ts';
import { ApiError } from '../src/machinery/errors.ts';
import { createLogger } from '../src/cli/log.ts';
import { startScheduler } from '../src/scheduler/scheduler.ts';
import { makeNode, makePod, type NodeOptions, type PodOptions } from '../src/scheduler/testing.ts';

const WAIT_MS = 8000;
const CONTROL_PLANE_TAINT = { key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' } as const;

type PodObject = Pod & KObject;

async function startStack() {
  const store = openSqliteStore(':memory:');
  const index = new ResourceIndex(allResources);
  const nsDef = index.lookup('', 'v1', 'namespaces')!;
  let registry: GenericRegistry;
  const getNamespace = async (name: string) => {
    try { return await registry.get(nsDef, undefined, name); } catch { return undefined; }
  };
  registry = new GenericRegistry(store, { admission: [namespaceLifecycle(getNamespace)] });
  const client = inProcessClient(registry, index, { name: 'system:kube-scheduler', groups: [] });
  const informers = new InformerFactory((g, v, p) => client.resource(g, v, p));
  await client.resource('', 'v1', 'namespaces').create({ metadata: { name: 'default' } });
  const log = createLogger(process.env.SKIFF_TEST_LOG ? 'debug' : 'error');
  const scheduler = startScheduler({ client, informers, log });
  await informers.waitForSync();
  const pods = client.resource<PodObject>('', 'v1', 'pods');
  const nodes = client.resource<Node & KObject>('', 'v1', 'nodes');
  const events = client.resource<Event & KObject>('', 'v1', 'events');
  return {
    client, pods, nodes,
    addNode: (name: string, o: NodeOptions = {}) => nodes.create(makeNode(name, o) as Node & KObject),
    addPod: (name: string, o: PodOptions = {}) => {
      const pod = makePod(name, o);
      return pods.create({ ...pod, metadata: { ...pod.metadata, uid: undefined } } as PodObject, { namespace: 'default' });
    },
    pod: (name: string) => pods.get(name, 'default'),
    async eventsFor(name: string, reason: string): Promise<Event[]> {
      return (await events.list({ namespace: 'default' })).items.filter((e) => e.involvedObject.name === name && e.reason === reason);
    },
    async stop() {
      scheduler.stop();
      informers.stop();
      await store.close();
    },
  };
}
type Stack = Awaited<ReturnType<typeof startStack>>;

async function waitFor<T>(what: string, check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = WAIT_MS): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 15));
  }
}

const nodeOf = (s: Stack, name: string) => waitFor(`${name} to be scheduled`, async () => (await s.pod(name)).spec?.nodeName);
const scheduledCondition = (p: Pod): PodCondition | undefined => p.status?.conditions?.find((c) => c.type === 'PodScheduled');

/** Waits for a FailedScheduling event on the pod and returns its message. */
async function failure(s: Stack, name: string): Promise<string> {
  const events = await waitFor(`FailedScheduling on ${name}`, async () => {
    const evs = await s.eventsFor(name, 'FailedScheduling');
    return evs.length ? evs : undefined;
  });
  return events.at(-1)!.message!;
}

test('seed 000: two 500m pods on a node with 230m free stay Pending, then schedule without requests', async () => {
  const s = await startStack();
  try {
    await s.addNode('aks-default-42366886-vmss000000', { cpu: '1900m', memory: '4652372Ki', pods: '30' });
    // What the cluster runs already: 1670m of cpu requested.
    const system = [['nginx-1', '500m'], ['nginx-2', '500m'], ['coredns-1', '100m'], ['coredns-2', '100m'], ['kube-proxy', '100m'], ['ip-masq', '100m'],
      ['metrics-1', '50m'], ['metrics-2', '50m'], ['cloud-node', '50m'], ['csi-disk', '30m'], ['csi-file', '30m'], ['dns-autoscaler', '20m'],
      ['konnectivity-1', '20m'], ['konnectivity-2', '20m']];
    for (const [name, cpu] of system) await s.addPod(name, { cpu, nodeName: 'aks-default-42366886-vmss000000' });

    const want = '0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.';
    for (const name of ['archetype-a', 'archetype-b']) await s.addPod(name, { labels: { app: 'archetype' }, container: { resources: { requests: { cpu: '500m', memory: '64Mi' }, limits: { cpu: '500m', memory: '128Mi' } } } });
    for (const name of ['archetype-a', 'archetype-b']) {
      assert.equal(await failure(s, name), want);
      const event = (await s.eventsFor(name, 'FailedScheduling'))[0];
      assert.equal(event.type, 'Warning');
      assert.equal(event.source?.component, 'default-scheduler');
      const cond = await waitFor('the PodScheduled condition', async () => scheduledCondition(await s.pod(name)));
      assert.deepEqual([cond.status, cond.reason, cond.message], ['False', 'Unschedulable', want]);
      assert.equal((await s.pod(name)).spec?.nodeName, undefined);
    }

    // The fix from the blog post: no requests. Delete and recreate the pods.
    for (const name of ['archetype-a', 'archetype-b']) {
      await s.pods.delete(name, { namespace: 'default' });
      await s.addPod(name, { labels: { app: 'archetype' } });
    }
    for (const name of ['archetype-a', 'archetype-b']) {
      assert.equal(await nodeOf(s, name), 'aks-default-42366886-vmss000000');
      const scheduled = await waitFor('the Scheduled event', async () => (await s.eventsFor(name, 'Scheduled'))[0]);
      assert.equal(scheduled.message, `Successfully assigned default/${name} to aks-default-42366886-vmss000000`);
      assert.equal(scheduled.type, 'Normal');
      assert.equal(scheduledCondition(await s.pod(name))?.status, 'True');
    }
  } finally {
    await s.stop();
  }
});

test('the control-plane taint keeps pods off unless they tolerate it', async () => {
  const s = await startStack();
  try {
    await s.addNode('control', { taints: [CONTROL_PLANE_TAINT], labels: { 'node-role.kubernetes.io/control-plane': '' } });
    await s.addNode('worker');
    for (const name of ['a', 'b', 'c']) await s.addPod(name);
    for (const name of ['a', 'b', 'c']) assert.equal(await nodeOf(s, name), 'worker');

    const toleration = { key: CONTROL_PLANE_TAINT.key, operator: 'Exists', effect: 'NoSchedule' } as const;
    await s.addPod('admin', { spec: { tolerations: [toleration], nodeSelector: { 'node-role.kubernetes.io/control-plane': '' } } });
    assert.equal(await nodeOf(s, 'admin'), 'control');

    await s.addPod('intruder', { spec: { nodeSelector: { 'node-role.kubernetes.io/control-plane': '' } } });
    assert.equal(await failure(s, 'intruder'),
      "0/2 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }. " +
      'preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.');
  } finally {
    await s.stop();
  }
});

test('nodeSelector picks the labelled node; a pending pod schedules once a node gets the label', async () => {
  const s = await startStack();
  try {
    await s.addNode('plain');
    await s.addNode('fast', { labels: { disk: 'ssd' } });
    await s.addPod('db', { spec: { nodeSelector: { disk: 'ssd' } } });
    assert.equal(await nodeOf(s, 'db'), 'fast');

    await s.addPod('gpu-job', { spec: { nodeSelector: { gpu: 'true' } } });
    assert.equal(await failure(s, 'gpu-job'),
      "0/2 nodes are available: 2 node(s) didn't match Pod's node affinity/selector. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.");
    await s.nodes.patch('plain', 'merge', { metadata: { labels: { gpu: 'true' } } });
    assert.equal(await nodeOf(s, 'gpu-job'), 'plain');
  } finally {
    await s.stop();
  }
});

test('required anti-affinity spreads replicas one per node', async () => {
  const s = await startStack();
  try {
    for (const n of ['n1', 'n2', 'n3']) await s.addNode(n);
    const antiAffinity = { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: 'web' } }, topologyKey: 'kubernetes.io/hostname' }] } };
    const names = ['web-0', 'web-1', 'web-2'];
    for (const name of names) await s.addPod(name, { labels: { app: 'web' }, spec: { affinity: antiAffinity } });
    const placed = await Promise.all(names.map((n) => nodeOf(s, n)));
    assert.deepEqual([...placed].sort(), ['n1', 'n2', 'n3']);

    await s.addPod('web-3', { labels: { app: 'web' }, spec: { affinity: antiAffinity } });
    assert.equal(await failure(s, 'web-3'),
      "0/3 nodes are available: 3 node(s) didn't match pod anti-affinity rules. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.");
    // A replica goes away: the fourth takes its node.
    await s.pods.delete('web-1', { namespace: 'default', gracePeriodSeconds: 0 });
    assert.equal(await nodeOf(s, 'web-3'), placed[1]);
  } finally {
    await s.stop();
  }
});

test('a DoNotSchedule topology spread constraint balances zones', async () => {
  const s = await startStack();
  try {
    const zone = 'topology.kubernetes.io/zone';
    await s.addNode('a1', { labels: { [zone]: 'a' } });
    await s.addNode('a2', { labels: { [zone]: 'a' } });
    await s.addNode('b1', { labels: { [zone]: 'b' } });
    const constraint = { maxSkew: 1, topologyKey: zone, whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'spread' } } } as const;
    const names = ['s0', 's1', 's2', 's3'];
    for (const name of names) await s.addPod(name, { labels: { app: 'spread' }, spec: { topologySpreadConstraints: [constraint] } });
    const placed = await Promise.all(names.map((n) => nodeOf(s, n)));
    const perZone = { a: placed.filter((n) => n.startsWith('a')).length, b: placed.filter((n) => n === 'b1').length };
    assert.deepEqual(perZone, { a: 2, b: 2 });
  } finally {
    await s.stop();
  }
});

test('a cordoned node gets no pods until it is uncordoned', async () => {
  const s = await startStack();
  try {
    await s.addNode('cordoned', { unschedulable: true });
    await s.addNode('open');
    await s.addPod('p1');
    assert.equal(await nodeOf(s, 'p1'), 'open');
    await s.nodes.patch('open', 'merge', { spec: { unschedulable: true } });
    await s.addPod('p2');
    assert.equal(await failure(s, 'p2'),
      '0/2 nodes are available: 2 node(s) were unschedulable. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.');
    await s.nodes.patch('cordoned', 'merge', { spec: { unschedulable: null } });
    assert.equal(await nodeOf(s, 'p2'), 'cordoned');
  } finally {
    await s.stop();
  }
});

test('preemption: a high-priority pod evicts a lower one, is nominated, and binds once the victim is gone', async () => {
  const s = await startStack();
  try {
    await s.addNode('small', { cpu: '1' });
    await s.addPod('low', { cpu: '800m', priority: 10 });
    assert.equal(await nodeOf(s, 'low'), 'small');
    const high = await s.addPod('high', { cpu: '500m', priority: 1000 });

    // Nominated to the node; the victim is marked and being deleted (no kubelet finishes it).
    await waitFor('the nomination', async () => (await s.pod('high')).status?.nominatedNodeName === 'small');
    const victim = await waitFor('the victim to terminate', async () => {
      const p = await s.pod('low');
      return p.metadata?.deletionTimestamp ? p : undefined;
    });
    const disruption = victim.status?.conditions?.find((c) => c.type === 'DisruptionTarget');
    assert.deepEqual([disruption?.status, disruption?.reason], ['True', 'PreemptionByScheduler']);
    const preempted = await waitFor('the Preempted event', async () => (await s.eventsFor('low', 'Preempted'))[0]);
    assert.equal(preempted.message, `Preempted by pod ${high.metadata!.uid} on node small`);
    assert.equal((await s.pod('high')).spec?.nodeName, undefined, 'it waits for the victim to go');
    assert.equal(await failure(s, 'high'), '0/1 nodes are available: 1 Insufficient cpu.');

    // Meanwhile a pod of lower priority may not take the room promised to the preemptor: 150m
    // would fit beside the terminating victim, but not beside the victim and the nominated pod.
    await s.addPod('sneaky', { cpu: '150m', priority: 10 });
    assert.equal(await failure(s, 'sneaky'),
      '0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.');

    // The "kubelet" finishes the victim: the preemptor binds to the node it was promised, and
    // there is room for the small pod beside it.
    await s.pods.delete('low', { namespace: 'default', gracePeriodSeconds: 0 });
    assert.equal(await nodeOf(s, 'high'), 'small');
    assert.equal(await nodeOf(s, 'sneaky'), 'small');
  } finally {
    await s.stop();
  }
});

test('preemptionPolicy Never: the pod waits instead of evicting', async () => {
  const s = await startStack();
  try {
    await s.addNode('small', { cpu: '1' });
    await s.addPod('low', { cpu: '800m', priority: 10 });
    await nodeOf(s, 'low');
    await s.addPod('polite', { cpu: '500m', priority: 1000, spec: { preemptionPolicy: 'Never' } });
    assert.equal(await failure(s, 'polite'), '0/1 nodes are available: 1 Insufficient cpu. preemption: not eligible due to preemptionPolicy=Never.');
    assert.equal((await s.pod('low')).metadata?.deletionTimestamp, undefined);
  } finally {
    await s.stop();
  }
});

test('a pod deleted while it is being bound is not resurrected', async () => {
  const s = await startStack();
  try {
    await s.addNode('n');
    for (let i = 0; i < 20; i++) {
      await s.addPod(`p${i}`);
      s.pods.delete(`p${i}`, { namespace: 'default' }).catch(() => {});
    }
    await s.addPod('last');
    assert.equal(await nodeOf(s, 'last'), 'n');
    for (let i = 0; i < 20; i++) {
      await assert.rejects(s.pod(`p${i}`), (err) => err instanceof ApiError && err.reason === 'NotFound');
    }
  } finally {
    await s.stop();
  }
});
