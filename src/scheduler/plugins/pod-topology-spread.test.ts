import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod, TopologySpreadConstraint } from 'kubernetes-types/core/v1';
import { makeNode, makePod, nodeWith, runFilter, runScore, viewOf } from '../testing.ts';
import { podTopologySpreadFilter, podTopologySpreadScore } from './pod-topology-spread.ts';

const ZONE = 'topology.kubernetes.io/zone';
const HOST = 'kubernetes.io/hostname';

const spread = (c: Partial<TopologySpreadConstraint>): TopologySpreadConstraint => ({
  maxSkew: 1, topologyKey: ZONE, whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'web' } }, ...c,
});
const web = (name: string, constraints: TopologySpreadConstraint[] = []) => makePod(name, { labels: { app: 'web' }, spec: { topologySpreadConstraints: constraints } });

/** n1, n2 in zone a; n3 in zone b; n4 without a zone label. */
function cluster(placement: Record<string, Pod[]>, withUnlabelled = false) {
  const zones: Record<string, string | undefined> = { n1: 'a', n2: 'a', n3: 'b', ...(withUnlabelled ? { n4: undefined } : {}) };
  const nodes = Object.entries(zones).map(([n, z]) => nodeWith(makeNode(n, { labels: z ? { [ZONE]: z } : {} }), placement[n] ?? []));
  return { nodes, view: viewOf(nodes) };
}

function verdicts(pod: Pod, placement: Record<string, Pod[]>, withUnlabelled = false): Record<string, string | null> {
  const { nodes, view } = cluster(placement, withUnlabelled);
  return Object.fromEntries(nodes.map((n) => [n.name, runFilter(podTopologySpreadFilter, pod, n, view)?.reasons.join() ?? null]));
}

test('DoNotSchedule: a zone may not get more than maxSkew above the emptiest', () => {
  const pod = web('web-2', [spread({})]);
  // zone a has 1, zone b has 0: placing in a makes the skew 2.
  assert.deepEqual(verdicts(pod, { n1: [web('web-0')] }), {
    n1: "node(s) didn't match pod topology spread constraints", n2: "node(s) didn't match pod topology spread constraints", n3: null,
  });
  // Balanced: anywhere.
  assert.deepEqual(verdicts(pod, { n1: [web('web-0')], n3: [web('web-1')] }), { n1: null, n2: null, n3: null });
  // maxSkew 2 tolerates it.
  assert.deepEqual(verdicts(web('web-2', [spread({ maxSkew: 2 })]), { n1: [web('web-0')] }), { n1: null, n2: null, n3: null });
});

test('DoNotSchedule: nodes without the topology label are unresolvable; other pods and namespaces do not count', () => {
  const pod = web('web-1', [spread({})]);
  assert.equal(verdicts(pod, {}, true).n4, "node(s) didn't match pod topology spread constraints (missing required label)");
  const others = [makePod('db', { labels: { app: 'db' } }), makePod('web-elsewhere', { labels: { app: 'web' }, namespace: 'other' }), makePod('going', { labels: { app: 'web' }, terminating: true })];
  assert.deepEqual(verdicts(pod, { n1: others }), { n1: null, n2: null, n3: null });
});

test('DoNotSchedule: hostname spreading and minDomains', () => {
  const pod = web('web-1', [spread({ topologyKey: HOST })]);
  assert.deepEqual(verdicts(pod, { n1: [web('web-0')] }), { n1: "node(s) didn't match pod topology spread constraints", n2: null, n3: null });
  // minDomains 3 over two zones: the missing domain counts as empty, so a zone with one pod is full at maxSkew 1.
  const pod3 = web('web-2', [spread({ minDomains: 3 })]);
  assert.deepEqual(verdicts(pod3, { n1: [web('web-0')], n3: [web('web-1')] }), {
    n1: "node(s) didn't match pod topology spread constraints", n2: "node(s) didn't match pod topology spread constraints", n3: "node(s) didn't match pod topology spread constraints",
  });
});

test('DoNotSchedule honours the pod node affinity when counting domains', () => {
  // Only zone a is allowed to the pod, so zone b (empty) is not a domain and cannot be the minimum.
  const pod = makePod('web-1', { labels: { app: 'web' }, spec: { topologySpreadConstraints: [spread({})], nodeSelector: { [ZONE]: 'a' } } });
  assert.deepEqual(verdicts(pod, { n1: [web('web-0')] }), { n1: null, n2: null, n3: null });
});

test('default spreading scores nodes by how many pods of the same owner they (and their zone) hold', () => {
  const owned = (name: string) => makePod(name, { owner: 'rs-1' });
  const { nodes, view } = cluster({ n1: [owned('a'), owned('b')], n3: [owned('c')] });
  // Raw: count × log(domains + 2) + maxSkew - 1, per constraint (hostname weight log 5, zone log 4):
  // n1 2·1.61+2 + 2·1.39+4 ≈ 12, n2 0+2 + 6.77 ≈ 9, n3 1.61+2 + 1.39+4 ≈ 9; fewer is better.
  assert.deepEqual(runScore(podTopologySpreadScore, owned('d'), nodes, view), [75, 100, 100]);
  const busier = cluster({ n1: [owned('a'), owned('b'), owned('c')], n3: [owned('e')] });
  assert.deepEqual(runScore(podTopologySpreadScore, owned('d'), busier.nodes, busier.view), [60, 93, 100]);
  // Pods without an owner are not spread by default.
  assert.deepEqual(runScore(podTopologySpreadScore, makePod('lone'), nodes, view), [0, 0, 0]);
});

test('ScheduleAnyway constraints score; nodes without the key are scored 0', () => {
  const pod = web('web-3', [spread({ whenUnsatisfiable: 'ScheduleAnyway' })]);
  const { nodes, view } = cluster({ n1: [web('web-0'), web('web-1')] }, true);
  assert.deepEqual(runScore(podTopologySpreadScore, pod, nodes, view), [0, 0, 100, 0]);
});
