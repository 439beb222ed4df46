import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1';
import { completedStatus, completionAfterMs, nextPodAction, parseGoDuration, runningStatus } from './simulated-pod-status.ts';

function pod(over: { restartPolicy?: string; annotations?: Record<string, string>; job?: boolean; phase?: string; deleting?: boolean; gates?: string[] } = {}): Pod {
  return {
    metadata: {
      name: 'p', namespace: 'default', uid: 'u-1',
      ...(over.annotations ? { annotations: over.annotations } : {}),
      ...(over.job ? { ownerReferences: [{ apiVersion: 'batch/v1', kind: 'Job', name: 'j', uid: 'j-1', controller: true }] } : {}),
      ...(over.deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}),
    },
    spec: {
      nodeName: 'n', restartPolicy: over.restartPolicy ?? 'Always',
      containers: [{ name: 'web', image: 'nginx' }, { name: 'a-sidecar', image: 'busybox' }],
      initContainers: [{ name: 'init', image: 'busybox' }],
      ...(over.gates ? { readinessGates: over.gates.map((conditionType) => ({ conditionType })) } : {}),
    },
    status: { phase: over.phase ?? 'Pending', qosClass: 'BestEffort' },
  };
}

test('Go durations', () => {
  const table: Array<[string, number | undefined]> = [
    ['1s', 1000], ['500ms', 500], ['1m30s', 90_000], ['1.5h', 5_400_000], ['0', 0], ['2h3m4s5ms', 7_384_005],
    ['', undefined], ['5', undefined], ['1d', undefined], ['s', undefined], ['1s ', 1000],
  ];
  for (const [input, want] of table) assert.equal(parseGoDuration(input), want, JSON.stringify(input));
});

test('which pods finish by themselves', () => {
  const ann = { 'skiff.io/simulate-completion-after': '3s' };
  const table: Array<[string, Pod, number | undefined]> = [
    ['Never with annotation', pod({ restartPolicy: 'Never', annotations: ann }), 3000],
    ['OnFailure with annotation', pod({ restartPolicy: 'OnFailure', annotations: ann }), 3000],
    ['Always ignores the annotation', pod({ restartPolicy: 'Always', annotations: ann }), undefined],
    ['Job pod defaults to 1s', pod({ restartPolicy: 'Never', job: true }), 1000],
    ['Job pod with annotation', pod({ restartPolicy: 'Never', job: true, annotations: ann }), 3000],
    ['Job pod with a bad annotation keeps the default', pod({ restartPolicy: 'Never', job: true, annotations: { 'skiff.io/simulate-completion-after': 'soon' } }), 1000],
    ['plain Never pod runs until deleted', pod({ restartPolicy: 'Never' }), undefined],
  ];
  for (const [name, p, want] of table) assert.equal(completionAfterMs(p), want, name);
});

test('the next step for a pod', () => {
  const clock = { now: 10_000, seenAt: 10_000, readyDelayMs: 0 };
  const ann = { 'skiff.io/simulate-completion-after': '2s' };
  const table: Array<[string, Pod, Parameters<typeof nextPodAction>[1], ReturnType<typeof nextPodAction>]> = [
    ['pending starts at once', pod(), clock, { type: 'start' }],
    ['pending waits out the ready delay', pod(), { ...clock, readyDelayMs: 500, now: 10_200 }, { type: 'wait', ms: 300 }],
    ['running forever', pod({ phase: 'Running' }), clock, { type: 'none' }],
    ['running until its time', pod({ phase: 'Running', restartPolicy: 'Never', annotations: ann }), { ...clock, runningSince: 9_000 }, { type: 'wait', ms: 1000 }],
    ['running past its time', pod({ phase: 'Running', restartPolicy: 'Never', annotations: ann }), { ...clock, runningSince: 7_000 }, { type: 'complete' }],
    ['succeeded stays', pod({ phase: 'Succeeded' }), clock, { type: 'none' }],
    ['deleted while running is stopped first', pod({ phase: 'Running', deleting: true }), clock, { type: 'terminate' }],
    ['deleted while pending is removed', pod({ deleting: true }), clock, { type: 'remove' }],
    ['deleted after finishing is removed', pod({ phase: 'Succeeded', deleting: true }), clock, { type: 'remove' }],
  ];
  for (const [name, p, t, want] of table) assert.deepEqual(nextPodAction(p, t), want, name);
});

test('running status: what a kubelet posts', () => {
  const now = new Date('2026-01-01T00:00:05Z');
  const s = runningStatus(pod(), { now, podIP: '10.42.1.2', hostIP: '198.18.0.2' });
  assert.equal(s.phase, 'Running');
  assert.deepEqual(s.conditions!.map((c) => [c.type, c.status]), [
    ['PodReadyToStartContainers', 'True'], ['Initialized', 'True'], ['Ready', 'True'], ['ContainersReady', 'True'], ['PodScheduled', 'True'],
  ]);
  assert.equal(s.podIP, '10.42.1.2');
  assert.deepEqual(s.podIPs, [{ ip: '10.42.1.2' }]);
  assert.deepEqual(s.hostIPs, [{ ip: '198.18.0.2' }]);
  assert.equal(s.startTime, '2026-01-01T00:00:05Z');
  assert.equal(s.qosClass, 'BestEffort');
  assert.deepEqual(s.containerStatuses!.map((c) => c.name), ['a-sidecar', 'web'], 'sorted by name');
  for (const c of s.containerStatuses!) {
    assert.equal(c.ready, true);
    assert.equal(c.started, true);
    assert.equal(c.state?.running?.startedAt, '2026-01-01T00:00:05Z');
    assert.match(c.containerID!, /^containerd:\/\/[0-9a-f]{64}$/);
  }
  assert.deepEqual(s.initContainerStatuses!.map((c) => [c.name, c.state?.terminated?.reason, c.state?.terminated?.exitCode]), [['init', 'Completed', 0]]);

  // A readiness gate nobody has set keeps the pod unready.
  const gated = runningStatus(pod({ gates: ['example.com/lb'] }), { now, podIP: '10.42.1.3', hostIP: '198.18.0.2' });
  const ready = gated.conditions!.find((c) => c.type === 'Ready')!;
  assert.equal(ready.status, 'False');
  assert.equal(ready.reason, 'ReadinessGatesNotReady');
});

test('completed status: containers terminated 0 Completed, transition times kept', () => {
  const pending = pod({ restartPolicy: 'Never' });
  const p: Pod = { ...pending, status: runningStatus(pending, { now: new Date('2026-01-01T00:00:05Z'), podIP: '10.42.1.2', hostIP: '198.18.0.2' }) };
  const s = completedStatus(p, new Date('2026-01-01T00:00:09Z'));
  assert.equal(s.phase, 'Succeeded');
  for (const c of s.containerStatuses!) {
    assert.equal(c.ready, false);
    assert.deepEqual(c.state, { terminated: { exitCode: 0, reason: 'Completed', startedAt: '2026-01-01T00:00:05Z', finishedAt: '2026-01-01T00:00:09Z', containerID: c.containerID } });
  }
  const byType = Object.fromEntries(s.conditions!.map((c) => [c.type, c]));
  assert.equal(byType.Ready.status, 'False');
  assert.equal(byType.Ready.reason, 'PodCompleted');
  assert.equal(byType.Ready.lastTransitionTime, '2026-01-01T00:00:09Z');
  assert.equal(byType.Initialized.lastTransitionTime, '2026-01-01T00:00:05Z', 'unchanged status keeps its transition time');
  assert.equal(s.podIP, '10.42.1.2');
});
