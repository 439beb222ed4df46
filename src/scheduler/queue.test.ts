import { test } from 'node:test';
import assert from 'node:assert/strict';
import { podInfoOf } from './pod-info.ts';
import { SchedulingQueue } from './queue.ts';
import { makePod } from './testing.ts';

function setup() {
  let now = 0;
  const q = new SchedulingQueue({ clock: () => now });
  const add = (name: string, priority = 0, extra: Parameters<typeof makePod>[1] = {}) => {
    const pod = makePod(name, { priority, uid: name, ...extra });
    q.add(pod, podInfoOf(pod));
    return pod;
  };
  return { q, add, advance: (ms: number) => { now += ms; q.flush(); } };
}

const popNames = (q: SchedulingQueue) => {
  const out: string[] = [];
  for (let p = q.pop(); p; p = q.pop()) out.push(p.info.name);
  return out;
};

test('pods come out by priority, then in arrival order', () => {
  const { q, add, advance } = setup();
  add('low-1', 0); advance(1);
  add('high', 100); advance(1);
  add('low-2', 0); advance(1);
  add('mid', 50);
  assert.deepEqual(popNames(q), ['high', 'mid', 'low-1', 'low-2']);
});

test('backoff doubles from 1 s up to 10 s', () => {
  const q = new SchedulingQueue();
  assert.deepEqual([1, 2, 3, 4, 5, 6].map((n) => q.backoffMs(n)), [1000, 2000, 4000, 8000, 10000, 10000]);
});

test('an unschedulable pod waits for an event that could help it', () => {
  const { q, add, advance } = setup();
  add('needs-cpu');
  add('needs-peer');
  const a = q.pop()!;
  const b = q.pop()!;
  q.unschedulableAfterAttempt(a, new Set(['NodeResourcesFit']));
  q.unschedulableAfterAttempt(b, new Set(['InterPodAffinity']));
  advance(5000);
  assert.equal(q.pop(), undefined, 'nothing happened: both stay parked');
  q.onEvent('AssignedPodAdd'); // helps affinity, not resources
  assert.deepEqual(popNames(q), ['needs-peer']);
  q.onEvent('AssignedPodDelete');
  assert.deepEqual(popNames(q), ['needs-cpu']);
});

test('a pod sent back during its backoff waits for the backoff to end', () => {
  const { q, add, advance } = setup();
  add('p');
  const qp = q.pop()!;
  q.unschedulableAfterAttempt(qp, new Set(['NodeResourcesFit']));
  q.onEvent('NodeAdd');
  assert.equal(q.pop(), undefined, 'still backing off (1 s after the first attempt)');
  advance(1000);
  assert.equal(q.pop()?.info.name, 'p');
});

test('an event during the attempt sends the pod to backoff instead of parking it', () => {
  const { q, add, advance } = setup();
  add('p');
  const qp = q.pop()!;
  q.onEvent('NodeUpdate'); // while the attempt runs
  q.unschedulableAfterAttempt(qp, new Set(['TaintToleration']));
  advance(1000);
  assert.equal(q.pop()?.info.name, 'p');
});

test('unschedulable pods are retried after 60 s anyway', () => {
  const { q, add, advance } = setup();
  add('p');
  q.unschedulableAfterAttempt(q.pop()!, new Set(['NodeAffinity']));
  advance(59_000);
  assert.equal(q.pop(), undefined);
  advance(1000);
  assert.equal(q.pop()?.info.name, 'p');
});

test("a pod's own spec change sends it back; a status change does not", () => {
  const { q, add, advance } = setup();
  const pod = add('p');
  q.unschedulableAfterAttempt(q.pop()!, new Set(['NodeAffinity']));
  advance(2000);
  const statusOnly = { ...pod, status: { conditions: [{ type: 'PodScheduled', status: 'False' }] } };
  q.update(statusOnly, podInfoOf(statusOnly));
  assert.equal(q.pop(), undefined);
  const relabelled = { ...pod, metadata: { ...pod.metadata, labels: { x: 'y' } } };
  q.update(relabelled, podInfoOf(relabelled));
  assert.equal(q.pop()?.info.labels.x, 'y');
});

test('errors retry after the backoff; deleted pods disappear; gated pods wait for their gates', () => {
  const { q, add, advance } = setup();
  add('err');
  q.retryAfterError(q.pop()!);
  assert.equal(q.pop(), undefined);
  advance(1000);
  assert.equal(q.pop()?.info.name, 'err');

  add('gone');
  q.delete('gone');
  assert.equal(q.pop(), undefined);

  const gated = add('gated', 0, { spec: { schedulingGates: [{ name: 'wait' }] } });
  assert.equal(q.pop(), undefined);
  const open = { ...gated, spec: { ...gated.spec!, schedulingGates: [] } };
  q.update(open, podInfoOf(open));
  assert.equal(q.pop()?.info.name, 'gated');
});

test('wait() resolves when a pod arrives', async () => {
  const { q, add } = setup();
  let woke = false;
  const waiting = q.wait().then(() => { woke = true; });
  await new Promise((r) => setImmediate(r));
  assert.equal(woke, false);
  add('p');
  await waiting;
  assert.equal(woke, true);
});
