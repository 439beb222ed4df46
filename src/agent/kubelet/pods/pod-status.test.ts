import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1';
import { podStatus, type StatusInput } from './pod-status.ts';
import type { ContainerRecord, PodRuntime } from './runtime-state.ts';

const T0 = Date.parse('2026-01-01T00:00:00Z');

function rec(name: string, o: Partial<ContainerRecord> = {}): ContainerRecord {
  return {
    id: `${name}-${o.restartCount ?? 0}`, sandboxId: 's1', name, attempt: 0, restartCount: 0, hash: 'h', state: 'CONTAINER_RUNNING',
    createdAt: T0, startedAt: T0 + 1000, finishedAt: 0, exitCode: 0, reason: '', message: '', image: 'busybox:1',
    imageRef: 'sha256:abc', logPath: '', terminationMessagePolicy: 'File', ...o,
  };
}
const exited = (name: string, exitCode: number, o: Partial<ContainerRecord> = {}) =>
  rec(name, { state: 'CONTAINER_EXITED', exitCode, finishedAt: T0 + 5000, reason: exitCode === 0 ? 'Completed' : 'Error', ...o });

function input(pod: Pod, containers: ContainerRecord[], o: Partial<StatusInput> = {}): StatusInput {
  const runtime: PodRuntime = { sandboxes: [{ id: 's1', attempt: 0, state: 'SANDBOX_READY', createdAt: T0, ips: ['10.42.0.5'] }], containers };
  return {
    pod, runtime, now: T0 + 10_000, hostIP: '192.168.0.2', waiting: new Map(), messages: new Map(),
    ready: () => true, started: () => true, ...o,
  };
}

const pod = (spec: Partial<Pod['spec']>, status?: Pod['status']): Pod => ({
  metadata: { name: 'p', namespace: 'default', uid: 'u1' },
  spec: { containers: [{ name: 'app', image: 'busybox:1' }], ...spec } as Pod['spec'],
  status: status ?? { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'True', lastTransitionTime: '2025-12-31T00:00:00Z' }] },
});

test('a running, ready pod: phase, conditions in kubelet order, IPs, container status', () => {
  const s = podStatus(input(pod({}), [rec('app')]));
  assert.equal(s.phase, 'Running');
  assert.deepEqual(s.conditions?.map((c) => [c.type, c.status]), [
    ['PodReadyToStartContainers', 'True'], ['Initialized', 'True'], ['Ready', 'True'], ['ContainersReady', 'True'], ['PodScheduled', 'True'],
  ]);
  assert.equal(s.conditions?.find((c) => c.type === 'PodScheduled')?.lastTransitionTime, '2025-12-31T00:00:00Z');
  assert.equal(s.podIP, '10.42.0.5');
  assert.deepEqual(s.podIPs, [{ ip: '10.42.0.5' }]);
  assert.deepEqual(s.hostIPs, [{ ip: '192.168.0.2' }]);
  assert.equal(s.qosClass, 'BestEffort');
  assert.equal(s.startTime, '2026-01-01T00:00:10Z');
  assert.deepEqual(s.containerStatuses, [{
    name: 'app', image: 'busybox:1', imageID: 'sha256:abc', containerID: 'containerd://app-0', ready: true, restartCount: 0, started: true,
    state: { running: { startedAt: '2026-01-01T00:00:01Z' } }, lastState: {},
  }]);
});

test('phases and waiting reasons', () => {
  const crashing = new Map([['app', { reason: 'CrashLoopBackOff', message: 'back-off 10s restarting failed container=app pod=p_default(u1)' }]]);
  const cases: [string, Pod, ContainerRecord[], Partial<StatusInput>, string, unknown][] = [
    ['not created yet', pod({}), [], {}, 'Pending', { waiting: { reason: 'ContainerCreating' } }],
    ['image pull failing', pod({}), [], { waiting: new Map([['app', { reason: 'ErrImagePull', message: 'boom' }]]) }, 'Pending', { waiting: { reason: 'ErrImagePull', message: 'boom' } }],
    ['crash looping stays Running', pod({}), [exited('app', 1, { restartCount: 1 })], { waiting: crashing }, 'Running',
      { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 10s restarting failed container=app pod=p_default(u1)' } }],
    ['Never + exit 0 is Succeeded', pod({ restartPolicy: 'Never' }), [exited('app', 0)], {}, 'Succeeded', undefined],
    ['Never + exit 1 is Failed', pod({ restartPolicy: 'Never' }), [exited('app', 1)], {}, 'Failed', undefined],
    ['OnFailure + exit 0 is Succeeded', pod({ restartPolicy: 'OnFailure' }), [exited('app', 0)], {}, 'Succeeded', undefined],
    ['OnFailure + exit 1 restarting is Running', pod({ restartPolicy: 'OnFailure' }), [exited('app', 1)], { waiting: crashing }, 'Running', undefined],
    ['Always, deleted, exit 0 is Succeeded', pod({}), [exited('app', 0)], { terminal: true }, 'Succeeded', undefined],
    ['Always, deleted, killed is Failed', pod({}), [exited('app', 137)], { terminal: true }, 'Failed', undefined],
    ['with init containers, app waits in PodInitializing', pod({ initContainers: [{ name: 'init' }] }), [rec('init')], {}, 'Pending', { waiting: { reason: 'PodInitializing' } }],
    ['init failed under Never', pod({ restartPolicy: 'Never', initContainers: [{ name: 'init' }] }), [exited('init', 2)], {}, 'Failed', undefined],
  ];
  for (const [name, p, recs, o, phase, appState] of cases) {
    const s = podStatus(input(p, recs, o));
    assert.equal(s.phase, phase, name);
    if (appState) assert.deepEqual(s.containerStatuses?.[0].state, appState, name);
  }
});

test('volume mounts are listed in container statuses, read-only ones with their recursive mode', () => {
  const p = pod({ containers: [{ name: 'app', volumeMounts: [{ name: 'data', mountPath: '/data' }, { name: 'token', mountPath: '/var/run/secrets', readOnly: true }] }] });
  assert.deepEqual(podStatus(input(p, [])).containerStatuses![0].volumeMounts, [
    { name: 'data', mountPath: '/data' },
    { name: 'token', mountPath: '/var/run/secrets', readOnly: true, recursiveReadOnly: 'Disabled' },
  ]);
  assert.equal(podStatus(input(pod({}), [rec('app')])).containerStatuses![0].volumeMounts, undefined);
});

test('terminated state, lastState and termination messages', () => {
  const s = podStatus(input(pod({}), [exited('app', 1, { restartCount: 1, id: 'new' }), exited('app', 3, { id: 'old', finishedAt: T0 + 2000 })], {
    waiting: new Map([['app', { reason: 'CrashLoopBackOff', message: 'm' }]]), messages: new Map([['new', 'it broke\n']]),
  }));
  const cs = s.containerStatuses![0];
  assert.equal(cs.restartCount, 1);
  assert.deepEqual(cs.lastState, { terminated: {
    exitCode: 1, reason: 'Error', message: 'it broke\n', startedAt: '2026-01-01T00:00:01Z', finishedAt: '2026-01-01T00:00:05Z', containerID: 'containerd://new',
  } });
  const oom = podStatus(input(pod({ restartPolicy: 'Never' }), [exited('app', 137, { reason: 'OOMKilled' })]));
  assert.equal(oom.containerStatuses![0].state?.terminated?.reason, 'OOMKilled');
  assert.equal(oom.phase, 'Failed');
  assert.equal(oom.conditions?.find((c) => c.type === 'PodReadyToStartContainers')?.status, 'False');
});

test('conditions name the containers that hold the pod back', () => {
  const p = pod({ initContainers: [{ name: 'i1' }, { name: 'i2' }], containers: [{ name: 'b' }, { name: 'a' }] });
  const s = podStatus(input(p, [exited('i1', 0), rec('i2')], { ready: () => false }));
  const cond = (t: string) => s.conditions!.find((c) => c.type === t)!;
  assert.deepEqual([cond('Initialized').status, cond('Initialized').reason, cond('Initialized').message],
    ['False', 'ContainersNotInitialized', 'containers with incomplete status: [i2]']);
  assert.deepEqual([cond('Ready').reason, cond('Ready').message], ['ContainersNotReady', 'containers with unready status: [b a]']);
  assert.deepEqual([cond('ContainersReady').reason, cond('ContainersReady').message], ['ContainersNotReady', 'containers with unready status: [b a]']);
  // Container statuses are sorted by name; init statuses keep spec order.
  assert.deepEqual(s.containerStatuses!.map((c) => c.name), ['a', 'b']);
  assert.deepEqual(s.initContainerStatuses!.map((c) => c.name), ['i1', 'i2']);

  const done = podStatus(input(pod({ restartPolicy: 'Never' }), [exited('app', 0)]));
  assert.equal(done.conditions!.find((c) => c.type === 'Ready')?.reason, 'PodCompleted');

  const gated = podStatus(input(pod({ readinessGates: [{ conditionType: 'example.com/lb' }] }), [rec('app')]));
  const ready = gated.conditions!.find((c) => c.type === 'Ready')!;
  assert.deepEqual([ready.status, ready.reason, ready.message], ['False', 'ReadinessGatesNotReady', 'corresponding condition of pod readiness gate "example.com/lb" does not exist.']);
});

test('a sidecar counts as initialized once started, and its readiness gates the pod', () => {
  const p = pod({ initContainers: [{ name: 'side', restartPolicy: 'Always' }] });
  const s = podStatus(input(p, [rec('side'), rec('app')], { ready: (id) => id !== 'side-0' }));
  assert.equal(s.phase, 'Running');
  assert.equal(s.conditions!.find((c) => c.type === 'Initialized')?.status, 'True');
  assert.equal(s.conditions!.find((c) => c.type === 'Ready')?.message, 'containers with unready status: [side]');
  const notStarted = podStatus(input(p, [rec('side')], { started: () => false }));
  assert.equal(notStarted.phase, 'Pending');
});

test('transition times hold while a condition keeps its status', () => {
  const first = podStatus(input(pod({}), [rec('app')]));
  const later = podStatus({ ...input({ ...pod({}), status: first }, [rec('app')]), now: T0 + 99_000 });
  assert.deepEqual(later.conditions, first.conditions);
  assert.equal(later.startTime, first.startTime);
});
