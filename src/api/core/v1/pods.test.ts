import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1';
import { age } from '../../../machinery/duration.ts';
import type { KObject, TableContext } from '../../types.ts';
import { pods } from './pods.ts';
import { podTemplates } from './podtemplates.ts';

type Json = Record<string, any>;
type P = Pod & KObject;

const NOW = new Date('2024-06-01T12:00:00Z');
const ctx: TableContext = { now: NOW, age: (t) => age(t, NOW) };
const ago = (seconds: number) => new Date(NOW.getTime() - seconds * 1000).toISOString();

function pod(spec: Json, meta: Json = {}): P {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'default', ...meta }, spec } as P;
}

/** A pod as the registry creates it: defaulted, then prepared. */
function created(p: P): P {
  pods.defaults!(p);
  pods.prepareForCreate!(p);
  return p;
}

const nginx = (extra: Json = {}): Json => ({ name: 'nginx', image: 'nginx', ...extra });

const KUARD: Json = {
  volumes: [{ name: 'kuard-data', nfs: { server: 'my.nfs.server.local', path: '/exports' } }],
  containers: [{
    image: 'gcr.io/kuar-demo/kuard-arm64:blue', name: 'kuard',
    ports: [{ containerPort: 8080, name: 'http', protocol: 'TCP' }],
    resources: { requests: { cpu: '500m', memory: '128Mi' }, limits: { cpu: '1000m', memory: '256Mi' } },
    volumeMounts: [{ mountPath: '/data', name: 'kuard-data' }],
    livenessProbe: { httpGet: { path: '/healthy', port: 8080 }, initialDelaySeconds: 5, timeoutSeconds: 1, periodSeconds: 10, failureThreshold: 3 },
    readinessProbe: { httpGet: { path: '/ready', port: 8080 }, initialDelaySeconds: 30, timeoutSeconds: 1 },
  }],
};

// ---- registration -----------------------------------------------------------------------------

test('pods are registered as upstream serves them', () => {
  assert.equal(pods.group, '');
  assert.equal(pods.version, 'v1');
  assert.equal(pods.kind, 'Pod');
  assert.equal(pods.plural, 'pods');
  assert.equal(pods.singular, 'pod');
  assert.equal(pods.namespaced, true);
  assert.deepEqual(pods.shortNames, ['po']);
  assert.deepEqual(pods.categories, ['all']);
  assert.equal(pods.statusSubresource, true);
  assert.ok(!pods.generation, 'pods have no metadata.generation in 1.32');
  assert.deepEqual(pods.table.columns.map((c) => [c.name, c.priority ?? 0]), [
    ['Name', 0], ['Ready', 0], ['Status', 0], ['Restarts', 0], ['Age', 0],
    ['IP', 1], ['Node', 1], ['Nominated Node', 1], ['Readiness Gates', 1],
  ]);
});

// ---- defaults and create ----------------------------------------------------------------------

test('the kuard pod: pod defaults, Pending status and a Burstable QoS class', () => {
  const p = created(pod(structuredClone(KUARD), { name: 'kuard' }));
  const spec = p.spec as Json;
  assert.equal(spec.enableServiceLinks, true);
  assert.equal(spec.restartPolicy, 'Always');
  assert.equal(spec.containers[0].imagePullPolicy, 'IfNotPresent');
  assert.deepEqual(spec.containers[0].resources, { requests: { cpu: '500m', memory: '128Mi' }, limits: { cpu: '1', memory: '256Mi' } });
  assert.deepEqual(p.status, { phase: 'Pending', qosClass: 'Burstable' });
  assert.deepEqual(pods.validate!(p).map(String), []);
});

test('an nginx pod without a tag pulls Always and is BestEffort', () => {
  const p = created(pod({ containers: [nginx()] }));
  assert.equal(p.spec!.containers[0].imagePullPolicy, 'Always');
  assert.deepEqual(p.status, { phase: 'Pending', qosClass: 'BestEffort' });
});

test('limits are copied into absent requests, which makes the pod Guaranteed', () => {
  const p = created(pod({
    initContainers: [{ name: 'init', image: 'busybox:1.36', resources: { limits: { cpu: '1', memory: '64Mi' } } }],
    containers: [nginx({ resources: { limits: { cpu: '500m', memory: '128Mi' }, requests: { cpu: '500m' } } })],
  }));
  assert.deepEqual(p.spec!.initContainers![0].resources!.requests, { cpu: '1', memory: '64Mi' });
  assert.deepEqual(p.spec!.containers[0].resources!.requests, { cpu: '500m', memory: '128Mi' });
  assert.equal(p.status!.qosClass, 'Guaranteed');
});

test('hostNetwork pods get hostPort = containerPort', () => {
  const p = created(pod({ hostNetwork: true, containers: [nginx({ ports: [{ containerPort: 80 }, { containerPort: 81, hostPort: 81 }] })] }));
  assert.deepEqual(p.spec!.containers[0].ports!.map((x) => x.hostPort), [80, 81]);
  assert.deepEqual(pods.validate!(p).map(String), []);
});

test('create resets any client-set status; scheduling gates add the SchedulingGated condition', () => {
  const p = pod({ schedulingGates: [{ name: 'example.com/wait' }], containers: [nginx()] }) as Json;
  p.status = { phase: 'Running', podIP: '10.0.0.1' };
  created(p as P);
  assert.deepEqual(p.status, {
    phase: 'Pending', qosClass: 'BestEffort',
    conditions: [{
      type: 'PodScheduled', status: 'False', lastProbeTime: null, lastTransitionTime: null,
      reason: 'SchedulingGated', message: 'Scheduling is blocked due to non-empty scheduling gates',
    }],
  });
});

test('update keeps the stored status', () => {
  const old = created(pod({ containers: [nginx()] })) as Json;
  old.status = { phase: 'Running', qosClass: 'BestEffort' };
  const next = pod({ containers: [nginx()] }) as Json;
  next.status = { phase: 'Failed' };
  pods.defaults!(next as P);
  pods.prepareForUpdate!(next as P, old as P);
  assert.deepEqual(next.status, { phase: 'Running', qosClass: 'BestEffort' });
});

test('pod-only validation: ephemeral containers on create, tokens without a service account, image whitespace', () => {
  const p = created(pod({
    volumes: [{ name: 'tok', projected: { sources: [{ serviceAccountToken: { path: 'token' } }] } }],
    containers: [nginx({ image: ' nginx' })],
    ephemeralContainers: [{ name: 'debug', image: 'busybox' }],
  }));
  // What a create is checked against: validate, then the create-only checks.
  assert.deepEqual([...pods.validate!(p), ...pods.validateCreate!(p)].map(String), [
    'spec.volumes[0].projected.sources[0].serviceAccountToken: Forbidden: must not be specified when serviceAccountName is not set',
    'spec.containers[0].image: Invalid value: " nginx": must not have leading or trailing whitespace',
    'spec.ephemeralContainers: Forbidden: cannot be set on create',
  ]);
});

// ---- update -----------------------------------------------------------------------------------

const UPDATE_FORBIDDEN = 'spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)';

function updated(oldSpec: Json, change: (spec: Json) => void): string[] {
  const old = created(pod(structuredClone(oldSpec)));
  const next = structuredClone(old) as Json;
  change(next.spec);
  pods.defaults!(next as P);
  pods.prepareForUpdate!(next as P, old);
  return pods.validateUpdate!(next as P, old).map(String);
}

test('pod updates may change images, activeDeadlineSeconds and add tolerations', () => {
  const base = { containers: [nginx()], tolerations: [{ key: 'a', operator: 'Exists' }] };
  assert.deepEqual(updated(base, (s) => { s.containers[0].image = 'nginx:1.27'; }), []);
  assert.deepEqual(updated(base, (s) => { s.activeDeadlineSeconds = 60; }), []);
  assert.deepEqual(updated(base, (s) => { s.tolerations.push({ key: 'b', operator: 'Exists', effect: 'NoSchedule' }); }), []);
  assert.deepEqual(updated(base, (s) => { s.containers[0].resources = {}; }), [], 'defaults-only differences are not changes');
});

test('pod updates of other fields are forbidden with upstream text', () => {
  const errs = updated({ containers: [nginx()] }, (s) => { s.restartPolicy = 'Never'; });
  assert.equal(errs.length, 1);
  const [first, ...diff] = errs[0].split('\n');
  assert.equal(first, UPDATE_FORBIDDEN);
  assert.ok(diff.includes('- \tRestartPolicy: "Always",') && diff.includes('+ \tRestartPolicy: "Never",'), errs[0]);
});

test('pod update rules for containers, activeDeadlineSeconds and tolerations', () => {
  assert.deepEqual(updated({ containers: [nginx()] }, (s) => { s.containers.push(nginx({ name: 'b' })); }), [
    'spec.containers: Forbidden: pod updates may not add or remove containers',
  ]);
  assert.deepEqual(updated({ containers: [nginx()], activeDeadlineSeconds: 30 }, (s) => { s.activeDeadlineSeconds = 60; }), [
    'spec.activeDeadlineSeconds: Invalid value: 60: must be less than or equal to previous value',
  ]);
  assert.deepEqual(updated({ containers: [nginx()], activeDeadlineSeconds: 30 }, (s) => { delete s.activeDeadlineSeconds; }), [
    'spec.activeDeadlineSeconds: Invalid value: "null": must not update from a positive integer to nil value',
  ]);
  assert.deepEqual(updated({ containers: [nginx()], tolerations: [{ key: 'a', operator: 'Exists' }] }, (s) => { s.tolerations = []; }), [
    'spec.tolerations: Forbidden: existing toleration can not be modified except its tolerationSeconds',
  ]);
});

// ---- status -----------------------------------------------------------------------------------

test('status writes: qosClass is immutable, terminated containers of Never pods stay terminated', () => {
  const old = created(pod({ restartPolicy: 'Never', containers: [nginx()] })) as Json;
  old.status = { phase: 'Failed', qosClass: 'BestEffort', containerStatuses: [{ name: 'nginx', state: { terminated: { exitCode: 1 } } }] };
  const next = structuredClone(old);
  next.status = { phase: 'Running', qosClass: 'Guaranteed', containerStatuses: [{ name: 'nginx', state: { running: {} } }], podIPs: [{ ip: '10.42.0.300' }] };
  assert.deepEqual(pods.validateStatus!(next as P, old as P).map(String), [
    'status.qosClass: Invalid value: "Guaranteed": field is immutable',
    'status.containerStatuses[0].state: Forbidden: may not be transitioned to non-terminated state',
    'status.podIPs[0]: Invalid value: "10.42.0.300": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)',
  ]);
});

// ---- field selectors --------------------------------------------------------------------------

test('field selectors follow upstream pod field labels', () => {
  const p = created(pod({ nodeName: 'node-1', serviceAccountName: 'sa', containers: [nginx()] })) as Json;
  p.status = { ...p.status, phase: 'Running', podIPs: [{ ip: '10.42.0.5' }], nominatedNodeName: 'node-2' };
  const got = Object.fromEntries(Object.entries(pods.fieldSelectors!).map(([k, f]) => [k, f(p as P)]));
  assert.deepEqual(got, {
    'spec.nodeName': 'node-1', 'spec.restartPolicy': 'Always', 'spec.schedulerName': 'default-scheduler',
    'spec.serviceAccountName': 'sa', 'spec.hostNetwork': 'false', 'status.phase': 'Running',
    'status.podIP': '10.42.0.5', 'status.podIPs': '', 'status.nominatedNodeName': 'node-2',
  });
});

// ---- table ------------------------------------------------------------------------------------

interface RowCase { name: string; spec?: Json; meta?: Json; status: Json; want: unknown[] }

const running = (name: string, extra: Json = {}) => ({ name, ready: true, restartCount: 0, state: { running: { startedAt: ago(600) } }, ...extra });

test('table rows: READY, STATUS, RESTARTS and the wide cells as kubectl prints them', () => {
  const base = { containers: [nginx()] };
  const cases: RowCase[] = [
    {
      name: 'pending, just created',
      status: { phase: 'Pending', qosClass: 'BestEffort' },
      want: ['web', '0/1', 'Pending', '0', '5m', '<none>', '<none>', '<none>', '<none>'],
    },
    {
      name: 'container creating',
      spec: { ...base, nodeName: 'node-1' },
      status: { phase: 'Pending', containerStatuses: [{ name: 'nginx', ready: false, restartCount: 0, state: { waiting: { reason: 'ContainerCreating' } } }] },
      want: ['web', '0/1', 'ContainerCreating', '0', '5m', '<none>', 'node-1', '<none>', '<none>'],
    },
    {
      name: 'running and ready',
      spec: { containers: [nginx(), nginx({ name: 'side' })], nodeName: 'node-1' },
      status: { phase: 'Running', podIP: '10.42.0.7', podIPs: [{ ip: '10.42.0.7' }], containerStatuses: [running('nginx'), running('side', { ready: false })] },
      want: ['web', '1/2', 'Running', '0', '5m', '10.42.0.7', 'node-1', '<none>', '<none>'],
    },
    {
      name: 'crash loop with restarts and the last one\'s age',
      status: {
        phase: 'Running',
        containerStatuses: [{
          name: 'nginx', ready: false, restartCount: 5,
          state: { waiting: { reason: 'CrashLoopBackOff' } },
          lastState: { terminated: { exitCode: 1, reason: 'Error', finishedAt: ago(120) } },
        }],
      },
      want: ['web', '0/1', 'CrashLoopBackOff', '5 (2m ago)', '5m', '<none>', '<none>', '<none>', '<none>'],
    },
    {
      name: 'first init container running',
      spec: { initContainers: [{ name: 'init', image: 'busybox' }, { name: 'init2', image: 'busybox' }], containers: [nginx()] },
      status: {
        phase: 'Pending',
        initContainerStatuses: [{ name: 'init', ready: false, restartCount: 0, state: { running: {} } }, { name: 'init2', ready: false, restartCount: 0, state: { waiting: { reason: 'PodInitializing' } } }],
        containerStatuses: [{ name: 'nginx', ready: false, restartCount: 0, state: { waiting: { reason: 'PodInitializing' } } }],
      },
      want: ['web', '0/1', 'Init:0/2', '0', '5m', '<none>', '<none>', '<none>', '<none>'],
    },
    {
      name: 'init container crash looping',
      spec: { initContainers: [{ name: 'init', image: 'busybox' }], containers: [nginx()] },
      status: {
        phase: 'Pending',
        initContainerStatuses: [{ name: 'init', ready: false, restartCount: 3, state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { exitCode: 2, finishedAt: ago(30) } } }],
      },
      want: ['web', '0/1', 'Init:CrashLoopBackOff', '3 (30s ago)', '5m', '<none>', '<none>', '<none>', '<none>'],
    },
    {
      name: 'init container failed without a reason',
      spec: { initContainers: [{ name: 'init', image: 'busybox' }], containers: [nginx()] },
      status: { phase: 'Pending', initContainerStatuses: [{ name: 'init', restartCount: 0, state: { terminated: { exitCode: 3 } } }] },
      want: ['web', '0/1', 'Init:ExitCode:3', '0', '5m', '<none>', '<none>', '<none>', '<none>'],
    },
    {
      name: 'init done, main container initializing',
      spec: { initContainers: [{ name: 'init', image: 'busybox' }], containers: [nginx()] },
      status: {
        phase: 'Pending',
        initContainerStatuses: [{ name: 'init', ready: true, restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } }],
        containerStatuses: [{ name: 'nginx', ready: false, restartCount: 0, state: { waiting: { reason: 'PodInitializing' } } }],
      },
      want: ['web', '0/1', 'PodInitializing', '0', '5m', '<none>', '<none>', '<none>', '<none>'],
    },
    {
      name: 'sidecar (restartable init container) counts towards READY',
      spec: { initContainers: [{ name: 'proxy', image: 'envoy', restartPolicy: 'Always' }], containers: [nginx()] },
      status: {
        phase: 'Running',
        conditions: [{ type: 'Initialized', status: 'True' }],
        initContainerStatuses: [{ ...running('proxy'), started: true }],
        containerStatuses: [running('nginx')],
      },
      want: ['web', '2/2', 'Running', '0', '5m', '<none>', '<none>', '<none>', '<none>'],
    },
    {
      name: 'completed',
      spec: { restartPolicy: 'Never', containers: [nginx()] },
      status: { phase: 'Succeeded', containerStatuses: [{ name: 'nginx', ready: false, restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } }] },
      want: ['web', '0/1', 'Completed', '0', '5m', '<none>', '<none>', '<none>', '<none>'],
    },
    {
      name: 'one container completed, another still running and ready',
      spec: { containers: [nginx(), nginx({ name: 'job' })] },
      status: {
        phase: 'Running', conditions: [{ type: 'Ready', status: 'False' }],
        containerStatuses: [running('nginx'), { name: 'job', restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } }],
      },
      want: ['web', '1/2', 'NotReady', '0', '5m', '<none>', '<none>', '<none>', '<none>'],
    },
    {
      name: 'killed by a signal',
      status: { phase: 'Failed', containerStatuses: [{ name: 'nginx', restartCount: 0, state: { terminated: { exitCode: 137, signal: 9 } } }] },
      want: ['web', '0/1', 'Signal:9', '0', '5m', '<none>', '<none>', '<none>', '<none>'],
    },
    {
      name: 'terminating',
      meta: { deletionTimestamp: ago(5) },
      status: { phase: 'Running', containerStatuses: [running('nginx')] },
      want: ['web', '1/1', 'Terminating', '0', '5m', '<none>', '<none>', '<none>', '<none>'],
    },
    {
      name: 'deleted after it finished: keeps its final status',
      meta: { deletionTimestamp: ago(5) },
      status: { phase: 'Succeeded', containerStatuses: [{ name: 'nginx', restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } }] },
      want: ['web', '0/1', 'Completed', '0', '5m', '<none>', '<none>', '<none>', '<none>'],
    },
    {
      name: 'node lost',
      meta: { deletionTimestamp: ago(5) },
      status: { phase: 'Running', reason: 'NodeLost', containerStatuses: [running('nginx')] },
      want: ['web', '1/1', 'Unknown', '0', '5m', '<none>', '<none>', '<none>', '<none>'],
    },
    {
      name: 'evicted',
      status: { phase: 'Failed', reason: 'Evicted' },
      want: ['web', '0/1', 'Evicted', '0', '5m', '<none>', '<none>', '<none>', '<none>'],
    },
    {
      name: 'scheduling gated, nominated node, readiness gates',
      spec: { ...base, readinessGates: [{ conditionType: 'example.com/lb' }, { conditionType: 'example.com/dns' }] },
      status: {
        phase: 'Pending', nominatedNodeName: 'node-2',
        conditions: [{ type: 'PodScheduled', status: 'False', reason: 'SchedulingGated' }, { type: 'example.com/lb', status: 'True' }, { type: 'example.com/dns', status: 'False' }],
      },
      want: ['web', '0/1', 'SchedulingGated', '0', '5m', '<none>', '<none>', 'node-2', '1/2'],
    },
  ];
  for (const c of cases) {
    const p = pod(structuredClone(c.spec ?? base), { creationTimestamp: ago(300), ...c.meta }) as Json;
    pods.defaults!(p as P);
    p.status = c.status;
    assert.deepEqual(pods.table.row(p as P, ctx), c.want, c.name);
  }
});

// ---- pod templates ----------------------------------------------------------------------------

test('podtemplates: registration, defaults, validation at template.* and the table row', () => {
  assert.equal(podTemplates.kind, 'PodTemplate');
  assert.equal(podTemplates.plural, 'podtemplates');
  assert.equal(podTemplates.namespaced, true);
  assert.equal(podTemplates.generation, true);
  assert.deepEqual(podTemplates.table.columns.map((c) => c.name), ['Name', 'Containers', 'Images', 'Pod Labels']);

  const t: Json = {
    apiVersion: 'v1', kind: 'PodTemplate', metadata: { name: 'tpl' },
    template: { metadata: { labels: { tier: 'web', app: 'shop' } }, spec: { containers: [nginx(), { name: 'side', image: 'busybox:1.36' }] } },
  };
  podTemplates.defaults!(t);
  assert.equal(t.template.spec.restartPolicy, 'Always');
  assert.equal(t.template.spec.containers[0].imagePullPolicy, 'Always');
  assert.equal(t.template.spec.enableServiceLinks, undefined);
  assert.deepEqual(podTemplates.validate!(t).map(String), []);
  assert.deepEqual(podTemplates.table.row(t, ctx), ['tpl', 'nginx,side', 'nginx,busybox:1.36', 'app=shop,tier=web']);

  const empty: Json = { metadata: { name: 'empty' } };
  podTemplates.defaults!(empty);
  assert.deepEqual(podTemplates.validate!(empty).map(String), ['template.spec.containers: Required value']);
  assert.deepEqual(podTemplates.table.row(empty, ctx), ['empty', '', '', '<none>']);
});
