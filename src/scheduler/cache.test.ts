import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SchedulerCache } from './cache.ts';
import { podInfoOf } from './pod-info.ts';
import { makeNode, makePod } from './testing.ts';

const ZONE = 'topology.kubernetes.io/zone';

test('assumed pods count at once and are confirmed, moved or forgotten', () => {
  const cache = new SchedulerCache();
  cache.setNode(makeNode('a', { cpu: '4' }));
  cache.setNode(makeNode('b', { cpu: '4' }));
  const pod = makePod('p', { cpu: '1', uid: 'p' });
  cache.assume(podInfoOf(pod), 'a');
  assert.equal(cache.node('a')!.requested.milliCPU, 1000);
  assert.ok(cache.isAssumed('p'));
  // The informer confirms the binding: counted once.
  cache.addPod({ ...pod, spec: { ...pod.spec!, nodeName: 'a' } });
  assert.equal(cache.node('a')!.requested.milliCPU, 1000);
  assert.equal(cache.isAssumed('p'), false);
  cache.forget('p'); // no effect once confirmed
  assert.equal(cache.node('a')!.pods.size, 1);

  const q = makePod('q', { cpu: '2', uid: 'q' });
  cache.assume(podInfoOf(q), 'b');
  cache.forget('q');
  assert.equal(cache.node('b')!.requested.milliCPU, 0);

  cache.removePod('p');
  assert.equal(cache.node('a')!.requested.milliCPU, 0);
});

test('pods on unknown nodes wait for the node; deleted nodes leave until their pods go', () => {
  const cache = new SchedulerCache();
  cache.addPod(makePod('early', { cpu: '1', uid: 'early', nodeName: 'late' }));
  assert.equal(cache.node('late'), undefined);
  assert.equal(cache.nodes.length, 0);
  cache.setNode(makeNode('late'));
  assert.equal(cache.node('late')!.requested.milliCPU, 1000);
  cache.removeNode('late');
  assert.equal(cache.nodes.length, 0);
  cache.setNode(makeNode('late'));
  assert.equal(cache.node('late')!.pods.size, 1);
});

test('the node list interleaves zones and the zone index follows pods and labels', () => {
  const cache = new SchedulerCache();
  for (const [name, zone] of [['a1', 'a'], ['a2', 'a'], ['a3', 'a'], ['b1', 'b']]) cache.setNode(makeNode(name, { labels: { [ZONE]: zone } }));
  assert.deepEqual(cache.nodes.map((n) => n.name), ['a1', 'b1', 'a2', 'a3']);
  cache.addPod(makePod('x', { owner: 'rs', uid: 'x', nodeName: 'a1' }));
  cache.addPod(makePod('y', { owner: 'rs', uid: 'y', nodeName: 'b1' }));
  assert.deepEqual([cache.zoneOwnerCount('a', 'rs'), cache.zoneOwnerCount('b', 'rs')], [1, 1]);
  cache.setNode(makeNode('b1', { labels: { [ZONE]: 'a' } }));
  assert.deepEqual([cache.zoneOwnerCount('a', 'rs'), cache.zoneOwnerCount('b', 'rs')], [2, 0]);
  cache.addPod(makePod('y', { owner: 'rs', uid: 'y', nodeName: 'b1', terminating: true }));
  assert.equal(cache.zoneOwnerCount('a', 'rs'), 1, 'terminating pods are not spread over');
  cache.removePod('x');
  assert.equal(cache.zoneOwnerCount('a', 'rs'), 0);
});

test('affinity indexes list only nodes with such pods', () => {
  const cache = new SchedulerCache();
  cache.setNode(makeNode('n1'));
  cache.setNode(makeNode('n2'));
  const anti = makePod('anti', { uid: 'anti', nodeName: 'n2', spec: { affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: {}, topologyKey: 'kubernetes.io/hostname' }] } } } });
  cache.addPod(anti);
  assert.deepEqual([...cache.nodesWithRequiredAntiAffinityPods()].map((n) => n.name), ['n2']);
  assert.deepEqual([...cache.nodesWithAffinityPods()].map((n) => n.name), ['n2']);
  cache.removePod('anti');
  assert.deepEqual([...cache.nodesWithRequiredAntiAffinityPods()], []);
});
