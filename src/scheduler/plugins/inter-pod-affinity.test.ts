import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Affinity, Pod } from 'kubernetes-types/core/v1';
import { makeNode, makePod, nodeWith, runFilter, runScore, viewOf } from '../testing.ts';
import { interPodAffinityFilter, interPodAffinityScore } from './inter-pod-affinity.ts';

const HOST = 'kubernetes.io/hostname';
const ZONE = 'topology.kubernetes.io/zone';

const withAffinity = (name: string, labels: Record<string, string>, affinity: Affinity, namespace?: string) => makePod(name, { labels, namespace, spec: { affinity } });
const requireWith = (app: string, key: string): Affinity => ({ podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app } }, topologyKey: key }] } });
const avoid = (app: string, key: string): Affinity => ({ podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app } }, topologyKey: key }] } });

/** Three nodes over two zones, with pods placed on them. */
function cluster(placement: Record<string, Pod[]>) {
  const zones: Record<string, string> = { 'n1': 'a', 'n2': 'a', 'n3': 'b' };
  const nodes = Object.keys(zones).map((n) => nodeWith(makeNode(n, { labels: { [ZONE]: zones[n] } }), placement[n] ?? []));
  return { nodes, view: viewOf(nodes, { default: { team: 'x' }, other: { team: 'y' } }) };
}

function feasible(pod: Pod, placement: Record<string, Pod[]>): Record<string, string | null> {
  const { nodes, view } = cluster(placement);
  return Object.fromEntries(nodes.map((n) => [n.name, runFilter(interPodAffinityFilter, pod, n, view)?.reasons.join() ?? null]));
}

test('required pod affinity: only domains holding a matching pod', () => {
  const db = makePod('db', { labels: { app: 'db' } });
  assert.deepEqual(feasible(withAffinity('web', { app: 'web' }, requireWith('db', ZONE)), { n2: [db] }), {
    n1: null, n2: null, n3: "node(s) didn't match pod affinity rules",
  });
  assert.deepEqual(feasible(withAffinity('web', { app: 'web' }, requireWith('db', HOST)), { n2: [db] }), {
    n1: "node(s) didn't match pod affinity rules", n2: null, n3: "node(s) didn't match pod affinity rules",
  });
});

test('required pod affinity: the first pod of a self-affine group may go anywhere', () => {
  const first = withAffinity('web-0', { app: 'web' }, requireWith('web', ZONE));
  assert.deepEqual(feasible(first, {}), { n1: null, n2: null, n3: null });
  // Not when it does not match its own terms.
  const lonely = withAffinity('x', { app: 'x' }, requireWith('web', ZONE));
  assert.deepEqual(Object.values(feasible(lonely, {})), Array(3).fill("node(s) didn't match pod affinity rules"));
});

test('required pod anti-affinity keeps replicas apart', () => {
  const placed = withAffinity('web-0', { app: 'web' }, avoid('web', HOST));
  const next = withAffinity('web-1', { app: 'web' }, avoid('web', HOST));
  assert.deepEqual(feasible(next, { n1: [placed] }), { n1: "node(s) didn't match pod anti-affinity rules", n2: null, n3: null });
  const byZone = withAffinity('web-1', { app: 'web' }, avoid('web', ZONE));
  assert.deepEqual(feasible(byZone, { n1: [makePod('web-0', { labels: { app: 'web' } })] }), {
    n1: "node(s) didn't match pod anti-affinity rules", n2: "node(s) didn't match pod anti-affinity rules", n3: null,
  });
});

test("a running pod's anti-affinity keeps matching pods out of its domain", () => {
  const loner = withAffinity('loner', { app: 'loner' }, avoid('noisy', ZONE));
  assert.deepEqual(feasible(makePod('noisy', { labels: { app: 'noisy' } }), { n3: [loner] }), {
    n1: null, n2: null, n3: "node(s) didn't satisfy existing pods anti-affinity rules",
  });
  // Pods it does not select are not affected.
  assert.deepEqual(feasible(makePod('quiet', { labels: { app: 'quiet' } }), { n3: [loner] }), { n1: null, n2: null, n3: null });
});

test('namespaces: a term looks in the pod namespace unless it names others or selects them', () => {
  const elsewhere = makePod('db', { labels: { app: 'db' }, namespace: 'other' });
  assert.equal(feasible(withAffinity('web', { app: 'web' }, requireWith('db', HOST)), { n1: [elsewhere] }).n1, "node(s) didn't match pod affinity rules");
  const named: Affinity = { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: 'db' } }, namespaces: ['other'], topologyKey: HOST }] } };
  assert.equal(feasible(withAffinity('web', { app: 'web' }, named), { n1: [elsewhere] }).n1, null);
  const selected: Affinity = { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: 'db' } }, namespaceSelector: { matchLabels: { team: 'y' } }, topologyKey: HOST }] } };
  assert.equal(feasible(withAffinity('web', { app: 'web' }, selected), { n1: [elsewhere] }).n1, null);
});

test('preferred affinity and anti-affinity score the domains', () => {
  const cache = makePod('cache', { labels: { app: 'cache' } });
  const prefer: Affinity = {
    podAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 10, podAffinityTerm: { labelSelector: { matchLabels: { app: 'cache' } }, topologyKey: ZONE } }] },
    podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 5, podAffinityTerm: { labelSelector: { matchLabels: { app: 'web' } }, topologyKey: HOST } }] },
  };
  const { nodes, view } = cluster({ n1: [cache, makePod('web-0', { labels: { app: 'web' } })] });
  // zone a: +10 (n1 and n2); n1 also -5 for the web pod on it; zone b: 0 → n1 5, n2 10, n3 0.
  assert.deepEqual(runScore(interPodAffinityScore, withAffinity('web-1', { app: 'web' }, prefer), nodes, view), [50, 100, 0]);
  // A pod without terms is still drawn to pods whose required affinity selects it.
  const needy = withAffinity('needy', { app: 'needy' }, requireWith('web', HOST));
  const c2 = cluster({ n3: [needy] });
  assert.deepEqual(runScore(interPodAffinityScore, makePod('web', { labels: { app: 'web' } }), c2.nodes, c2.view), [0, 0, 100]);
  // Nothing with affinity anywhere: every node 0.
  assert.deepEqual(runScore(interPodAffinityScore, makePod('web'), cluster({}).nodes), [0, 0, 0]);
});
