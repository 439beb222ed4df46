// LimitRanger, Priority and ResourceQuota admission, and the resource quota controller, on a
// real in-process stack (SQLite store, generic registry with the plugins in its admission
// chain, in-process client, shared informers), without HTTP.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod, ResourceQuota } from 'kubernetes-types/core/v1';
import { openSqliteStore } from '../src/storage/sqlite-store.ts';
import { ResourceIndex } from '../src/apiserver/resource-index.ts';
import { GenericRegistry } from '../src/apiserver/generic-registry.ts';
import type { ResourceDefinition, KObject } from '../src/api/types.ts';
import { allResources } from '../src/api/all.ts';
import { namespaceLifecycle } from '../src/apiserver/admission/namespace-lifecycle.ts';
import { limitRanger } from '../src/apiserver/admission/limit-ranger.ts';
import { priority } from '../src/apiserver/admission/priority.ts';
import { resourceQuota } from '../src/apiserver/admission/resource-quota.ts';
import { inProcessClient } from '../src/client/in-process-client.ts';
import { InformerFactory } from '../src/client/informer.ts';
import { ApiError } from '../src/machinery/errors.ts';
import { createLogger } from '../src/cli/log.ts';
import { startResourceQuotaController } from '../src/controllers/resource-quota-controller.ts';

const WAIT_MS = 5000;

async function startStack(opts: { quotaController?: boolean } = {}) {
  const store = openSqliteStore(':memory:');
  const index = new ResourceIndex(allResources);
  const def = (group: string, plural: string): ResourceDefinition => index.all().find((d) => d.group === group && d.plural === plural)!;
  const [nsDef, lrDef, pcDef, rqDef] = [def('', 'namespaces'), def('', 'limitranges'), def('scheduling.k8s.io', 'priorityclasses'), def('', 'resourcequotas')];
  let registry: GenericRegistry;
  const getOrUndefined = async (d: ResourceDefinition, namespace: string | undefined, name: string) => {
    try {
      return await registry.get(d, namespace, name);
    } catch (err) {
      if (err instanceof ApiError && err.reason === 'NotFound') return undefined;
      throw err;
    }
  };
  registry = new GenericRegistry(store, {
    admission: [
      namespaceLifecycle((name) => getOrUndefined(nsDef, undefined, name)),
      limitRanger(async (namespace) => (await registry.list(lrDef, { namespace })).items),
      priority({
        getPriorityClass: (name) => getOrUndefined(pcDef, undefined, name),
        listPriorityClasses: async () => (await registry.list(pcDef, {})).items,
      }),
      resourceQuota({
        listQuotas: async (namespace) => (await registry.list(rqDef, { namespace })).items,
        updateQuotaStatus: (q) => registry.update(rqDef, q.metadata!.namespace, q.metadata!.name!, q, { subresource: 'status' }),
      }),
    ],
  });
  const client = inProcessClient(registry, index, { name: 'system:admin', groups: ['system:masters'] });
  const informers = new InformerFactory((g, v, p) => client.resource(g, v, p));
  const log = createLogger(process.env.SKIFF_TEST_LOG ? 'debug' : 'error');
  const controller = opts.quotaController ? startResourceQuotaController({ client, informers, resources: allResources, log }) : undefined;
  await informers.waitForSync();
  const rc = (group: string, plural: string) => client.resource(group, 'v1', plural);
  const createNamespace = (name: string) => rc('', 'namespaces').create({ metadata: { name } });
  return {
    rc, createNamespace,
    pods: rc('', 'pods'),
    async stop() {
      controller?.stop();
      informers.stop();
      await store.close();
    },
  };
}
type Stack = Awaited<ReturnType<typeof startStack>>;

async function waitFor(what: string, check: () => Promise<boolean> | boolean, timeoutMs = WAIT_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Resolves with the refusal of a write that should fail. */
async function refusal(write: Promise<unknown>): Promise<ApiError> {
  try {
    await write;
  } catch (err) {
    assert.ok(err instanceof ApiError, `expected an ApiError, got ${err}`);
    return err;
  }
  assert.fail('the write was admitted');
}

type Resources = { requests?: Record<string, string>; limits?: Record<string, string> };
const pod = (name: string, namespace: string, containers: Array<{ name: string; resources?: Resources }>, spec: Record<string, unknown> = {}): KObject => ({
  metadata: { name, namespace },
  spec: { containers: containers.map((c) => ({ image: 'vish/stress', ...c })), ...spec },
});

// ---- LimitRanger ---------------------------------------------------------------------------------

/** Lab 4.2's low-resource-range, as kubectl sends it (numbers where the YAML has numbers). */
const lowResourceRange = {
  apiVersion: 'v1', kind: 'LimitRange', metadata: { name: 'low-resource-range' },
  spec: { limits: [{ default: { cpu: 1, memory: '500Mi' }, defaultRequest: { cpu: 0.5, memory: '100Mi' }, type: 'Container' }] },
} as unknown as KObject;

test('Lab 4.2: a pod without resources gets the LimitRange defaults; one with its own keeps them', async () => {
  const s = await startStack();
  try {
    await s.createNamespace('low-usage-limits');
    await s.rc('', 'limitranges').create(lowResourceRange, { namespace: 'low-usage-limits' });

    const limited = (await s.pods.create(pod('limited-hog', 'low-usage-limits', [{ name: 'limited-hog' }]))) as Pod;
    assert.deepEqual(limited.spec!.containers[0].resources, {
      limits: { cpu: '1', memory: '500Mi' },
      requests: { cpu: '500m', memory: '100Mi' },
    });
    assert.equal(limited.metadata!.annotations?.['kubernetes.io/limit-ranger'],
      'LimitRanger plugin set: cpu, memory request for container limited-hog; cpu, memory limit for container limited-hog');

    // The hog of Lab 4.1 states everything itself: nothing is changed, nothing annotated.
    const own = { limits: { cpu: '1', memory: '4Gi' }, requests: { cpu: '500m', memory: '500Mi' } };
    const hog = (await s.pods.create(pod('hog', 'low-usage-limits', [{ name: 'hog', resources: own }]))) as Pod;
    assert.deepEqual(hog.spec!.containers[0].resources, own);
    assert.equal(hog.metadata!.annotations?.['kubernetes.io/limit-ranger'], undefined);

    // Only limits: requests come from the limits (pod defaulting) rather than defaultRequest,
    // and the annotation names just what the plugin set.
    const half = (await s.pods.create(pod('half', 'low-usage-limits', [{ name: 'app', resources: { limits: { cpu: '2' } } }]))) as Pod;
    assert.deepEqual(half.spec!.containers[0].resources, { limits: { cpu: '2', memory: '500Mi' }, requests: { cpu: '2', memory: '100Mi' } });
    assert.equal(half.metadata!.annotations?.['kubernetes.io/limit-ranger'],
      'LimitRanger plugin set: memory request for container app; memory limit for container app');

    // Init containers are filled too, under their own name.
    const init = (await s.pods.create(pod('init', 'low-usage-limits', [{ name: 'main', resources: own }], {
      initContainers: [{ name: 'setup', image: 'busybox' }],
    }))) as Pod;
    assert.equal(init.metadata!.annotations?.['kubernetes.io/limit-ranger'],
      'LimitRanger plugin set: cpu, memory request for init container setup; cpu, memory limit for init container setup');

    // Templates are not pods: a Deployment is stored as written.
    const deployment = await s.rc('apps', 'deployments').create({
      metadata: { name: 'limited-hog', namespace: 'low-usage-limits' },
      spec: { selector: { matchLabels: { app: 'x' } }, template: { metadata: { labels: { app: 'x' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
    });
    assert.deepEqual((deployment.spec as any).template.spec.containers[0].resources, {});

    // Another namespace has no LimitRange: nothing is filled in.
    await s.createNamespace('free');
    const free = (await s.pods.create(pod('free', 'free', [{ name: 'c' }]))) as Pod;
    assert.deepEqual(free.spec!.containers[0].resources, {});
  } finally {
    await s.stop();
  }
});

test('LimitRanger refuses what falls outside min, max and ratio, with upstream\'s messages', async () => {
  const s = await startStack();
  try {
    await s.createNamespace('bounded');
    const ranges = s.rc('', 'limitranges');
    await ranges.create({
      metadata: { name: 'containers', namespace: 'bounded' },
      spec: { limits: [{ type: 'Container', max: { cpu: '1' }, min: { memory: '100Mi' }, maxLimitRequestRatio: { memory: '4' } }] },
    });
    await ranges.create({
      metadata: { name: 'pods', namespace: 'bounded' },
      spec: { limits: [{ type: 'Pod', max: { cpu: '1500m' } }] },
    });
    await ranges.create({
      metadata: { name: 'claims', namespace: 'bounded' },
      spec: { limits: [{ type: 'PersistentVolumeClaim', min: { storage: '1Gi' }, max: { storage: '2Gi' } }] },
    });

    const cases: Array<{ name: string; write: () => Promise<unknown>; message: string }> = [
      {
        name: 'container over max and under min',
        write: () => s.pods.create(pod('x', 'bounded', [{ name: 'c', resources: { limits: { cpu: '2', memory: '200Mi' }, requests: { memory: '50Mi' } } }])),
        message: 'pods "x" is forbidden: [minimum memory usage per Container is 100Mi, but request is 50Mi, maximum cpu usage per Container is 1, but limit is 2]',
      },
      {
        name: 'limit to request ratio',
        write: () => s.pods.create(pod('ratio', 'bounded', [{ name: 'c', resources: { limits: { cpu: '1', memory: '1Gi' }, requests: { memory: '128Mi' } } }])),
        message: 'pods "ratio" is forbidden: memory max limit to request ratio per Container is 4, but provided ratio is 8.000000',
      },
      {
        name: 'the pod as a whole over max',
        write: () => s.pods.create(pod('big', 'bounded', [
          { name: 'a', resources: { limits: { cpu: '800m', memory: '200Mi' } } },
          { name: 'b', resources: { limits: { cpu: '800m', memory: '200Mi' } } },
        ])),
        message: 'pods "big" is forbidden: maximum cpu usage per Pod is 1500m, but limit is 1600m',
      },
      {
        name: 'claim over max',
        write: () => s.rc('', 'persistentvolumeclaims').create(claim('huge', '5Gi')),
        message: 'persistentvolumeclaims "huge" is forbidden: maximum storage usage per PersistentVolumeClaim is 2Gi, but request is 5Gi',
      },
      {
        name: 'claim under min',
        write: () => s.rc('', 'persistentvolumeclaims').create(claim('tiny', '500Mi')),
        message: 'persistentvolumeclaims "tiny" is forbidden: minimum storage usage per PersistentVolumeClaim is 1Gi, but request is 500Mi',
      },
    ];
    for (const c of cases) {
      const err = await refusal(c.write());
      assert.equal(err.code, 403, c.name);
      assert.equal(err.reason, 'Forbidden', c.name);
      assert.equal(err.message, c.message, c.name);
    }

    // Within every bound (defaults filling the rest): admitted.
    const ok = (await s.pods.create(pod('ok', 'bounded', [{ name: 'c', resources: { requests: { memory: '200Mi' }, limits: { memory: '400Mi' } } }]))) as Pod;
    assert.deepEqual(ok.spec!.containers[0].resources, { limits: { cpu: '1', memory: '400Mi' }, requests: { cpu: '1', memory: '200Mi' } });
    await s.rc('', 'persistentvolumeclaims').create(claim('fine', '1536Mi'));
  } finally {
    await s.stop();
  }
});

function claim(name: string, storage: string): KObject {
  return { metadata: { name, namespace: 'bounded' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage } } } };
}

// ---- ResourceQuota -------------------------------------------------------------------------------

async function quotaStatus(s: Stack, namespace: string, name: string): Promise<ResourceQuota['status']> {
  return ((await s.rc('', 'resourcequotas').get(name, namespace)) as ResourceQuota).status;
}

async function waitForUsed(s: Stack, namespace: string, name: string, used: Record<string, string>): Promise<void> {
  let last: unknown;
  await waitFor(`quota ${name} to show ${JSON.stringify(used)} (last ${JSON.stringify(last)})`, async () => {
    last = (await quotaStatus(s, namespace, name))?.used;
    return JSON.stringify(last) === JSON.stringify(used);
  });
}

const computeHard = { 'limits.cpu': '2', 'limits.memory': '2Gi', pods: '3', 'requests.cpu': '1', 'requests.memory': '1Gi' };
const zeroUsed = { 'limits.cpu': '0', 'limits.memory': '0', pods: '0', 'requests.cpu': '0', 'requests.memory': '0' };
const sized = (cpu: string, memory: string): Resources => ({ requests: { cpu, memory }, limits: { cpu, memory } });

test('ResourceQuota: usage is charged at admission, refused when exceeded, and recounted by the controller', async () => {
  const s = await startStack({ quotaController: true });
  try {
    await s.createNamespace('team');
    await s.rc('', 'resourcequotas').create({ metadata: { name: 'compute-quota', namespace: 'team' }, spec: { hard: computeHard } });
    await waitForUsed(s, 'team', 'compute-quota', zeroUsed);
    assert.deepEqual((await quotaStatus(s, 'team', 'compute-quota'))?.hard, computeHard);

    // Charged as it is admitted: the status shows it as soon as the create returns.
    await s.pods.create(pod('a', 'team', [{ name: 'app', resources: sized('1', '100Mi') }]));
    assert.deepEqual((await quotaStatus(s, 'team', 'compute-quota'))?.used,
      { 'limits.cpu': '1', 'limits.memory': '100Mi', pods: '1', 'requests.cpu': '1', 'requests.memory': '100Mi' });

    let err = await refusal(s.pods.create(pod('b', 'team', [{ name: 'app', resources: sized('500m', '100Mi') }])));
    assert.equal(err.code, 403);
    assert.equal(err.message, 'pods "b" is forbidden: exceeded quota: compute-quota, requested: requests.cpu=500m, used: requests.cpu=1, limited: requests.cpu=1');

    err = await refusal(s.pods.create(pod('c', 'team', [{ name: 'app' }, { name: 'sidecar', resources: { requests: { cpu: '1m', memory: '1Mi' } } }])));
    assert.equal(err.code, 403);
    assert.equal(err.message, 'pods "c" is forbidden: failed quota: compute-quota: must specify limits.cpu for: app,sidecar; limits.memory for: app,sidecar; requests.cpu for: app; requests.memory for: app');

    // A dry run is checked but not charged.
    await s.pods.create(pod('dry', 'team', [{ name: 'app', resources: sized('0', '0') }]), { dryRun: true });
    assert.equal((await quotaStatus(s, 'team', 'compute-quota'))?.used?.pods, '1');

    // Deleting the pod gives its share back once the controller recounts.
    await s.pods.delete('a', { namespace: 'team' });
    await waitForUsed(s, 'team', 'compute-quota', zeroUsed);

    // Two creates racing for the last of the quota: exactly one gets it.
    const results = await Promise.allSettled(['r1', 'r2'].map((name) =>
      s.pods.create(pod(name, 'team', [{ name: 'app', resources: sized('600m', '10Mi') }]))));
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1, JSON.stringify(results.map((r) => r.status)));
    const lost = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    assert.match((lost.reason as Error).message, /exceeded quota: compute-quota, requested: requests\.cpu=600m, used: requests\.cpu=600m, limited: requests\.cpu=1$/);
    await waitForUsed(s, 'team', 'compute-quota', { 'limits.cpu': '600m', 'limits.memory': '10Mi', pods: '1', 'requests.cpu': '600m', 'requests.memory': '10Mi' });

    // A pod that has finished no longer counts.
    const winner = (results.find((r) => r.status === 'fulfilled') as PromiseFulfilledResult<KObject>).value;
    const done = await s.pods.get(winner.metadata!.name!, 'team');
    await s.pods.update({ ...done, status: { ...(done.status as object), phase: 'Failed' } }, { subresource: 'status' });
    await waitForUsed(s, 'team', 'compute-quota', zeroUsed);

    // Raising the limit is picked up by the controller (status.hard follows spec.hard).
    const q = await s.rc('', 'resourcequotas').get('compute-quota', 'team');
    await s.rc('', 'resourcequotas').update({ ...q, spec: { hard: { ...computeHard, 'requests.cpu': '4' } } });
    await waitFor('status.hard to follow spec.hard', async () => (await quotaStatus(s, 'team', 'compute-quota'))?.hard?.['requests.cpu'] === '4');
    await s.pods.create(pod('bigger', 'team', [{ name: 'app', resources: sized('1500m', '10Mi') }]));
  } finally {
    await s.stop();
  }
});

test('ResourceQuota counts objects: legacy names and count/<resource>.<group>', async () => {
  const s = await startStack({ quotaController: true });
  try {
    await s.createNamespace('objects');
    await s.rc('', 'resourcequotas').create({
      metadata: { name: 'object-counts', namespace: 'objects' },
      spec: { hard: { configmaps: '1', 'count/secrets': '1', 'count/deployments.apps': '1', resourcequotas: '2' } },
    });
    await waitForUsed(s, 'objects', 'object-counts', { configmaps: '0', 'count/deployments.apps': '0', 'count/secrets': '0', resourcequotas: '1' });

    await s.rc('', 'configmaps').create({ metadata: { name: 'a', namespace: 'objects' } });
    let err = await refusal(s.rc('', 'configmaps').create({ metadata: { name: 'b', namespace: 'objects' } }));
    assert.equal(err.message, 'configmaps "b" is forbidden: exceeded quota: object-counts, requested: configmaps=1, used: configmaps=1, limited: configmaps=1');

    await s.rc('', 'secrets').create({ metadata: { name: 's1', namespace: 'objects' } });
    err = await refusal(s.rc('', 'secrets').create({ metadata: { name: 's2', namespace: 'objects' } }));
    assert.equal(err.message, 'secrets "s2" is forbidden: exceeded quota: object-counts, requested: count/secrets=1, used: count/secrets=1, limited: count/secrets=1');

    const deployment = (name: string) => ({
      metadata: { name, namespace: 'objects' },
      spec: { selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
    });
    await s.rc('apps', 'deployments').create(deployment('d1'));
    err = await refusal(s.rc('apps', 'deployments').create(deployment('d2')));
    assert.equal(err.message, 'deployments.apps "d2" is forbidden: exceeded quota: object-counts, requested: count/deployments.apps=1, used: count/deployments.apps=1, limited: count/deployments.apps=1');

    await s.rc('apps', 'deployments').delete('d1', { namespace: 'objects' });
    await s.rc('', 'configmaps').delete('a', { namespace: 'objects' });
    await waitForUsed(s, 'objects', 'object-counts', { configmaps: '0', 'count/deployments.apps': '0', 'count/secrets': '1', resourcequotas: '1' });
    await s.rc('apps', 'deployments').create(deployment('d2'));
  } finally {
    await s.stop();
  }
});

test('ResourceQuota without a controller: unsynced quotas are not enforced, unknown usage refuses', async () => {
  const s = await startStack();
  try {
    await s.createNamespace('raw');
    const quotas = s.rc('', 'resourcequotas');
    await quotas.create({ metadata: { name: 'q', namespace: 'raw' }, spec: { hard: { pods: '0' } } });
    // status.hard is what is enforced; until the controller fills it nothing is limited.
    await s.pods.create(pod('early', 'raw', [{ name: 'c' }]));
    const q = await quotas.get('q', 'raw');
    await quotas.update({ ...q, status: { hard: { pods: '0' } } }, { subresource: 'status' });
    const err = await refusal(s.pods.create(pod('late', 'raw', [{ name: 'c' }])));
    assert.equal(err.message, 'pods "late" is forbidden: status unknown for quota: q, resources: pods');
  } finally {
    await s.stop();
  }
});

// ---- Priority ------------------------------------------------------------------------------------

test('Priority resolves priorityClassName to priority and preemptionPolicy', async () => {
  const s = await startStack();
  try {
    await s.createNamespace('prio');
    const classes = s.rc('scheduling.k8s.io', 'priorityclasses');

    // No classes at all: priority 0, preempting lower priorities.
    const plain = (await s.pods.create(pod('plain', 'prio', [{ name: 'c' }]))) as Pod;
    assert.equal(plain.spec!.priority, 0);
    assert.equal(plain.spec!.preemptionPolicy, 'PreemptLowerPriority');
    assert.equal(plain.spec!.priorityClassName, undefined);

    await classes.create({ metadata: { name: 'high' }, value: 1000, preemptionPolicy: 'Never' } as KObject);
    const high = (await s.pods.create(pod('high', 'prio', [{ name: 'c' }], { priorityClassName: 'high' }))) as Pod;
    assert.equal(high.spec!.priority, 1000);
    assert.equal(high.spec!.preemptionPolicy, 'Never');

    const cases: Array<{ name: string; spec: Record<string, unknown>; message: string }> = [
      { name: 'p1', spec: { priorityClassName: 'foo' }, message: 'pods "p1" is forbidden: no PriorityClass with name foo was found' },
      {
        name: 'p2', spec: { priorityClassName: 'high', priority: 5 },
        message: 'pods "p2" is forbidden: the integer value of priority (5) must not be provided in pod spec; priority admission controller computed 1000 from the given PriorityClass name',
      },
      {
        name: 'p3', spec: { priorityClassName: 'high', preemptionPolicy: 'PreemptLowerPriority' },
        message: 'pods "p3" is forbidden: the string value of PreemptionPolicy (PreemptLowerPriority) must not be provided in pod spec; priority admission controller computed Never from the given PriorityClass name',
      },
    ];
    for (const c of cases) {
      const err = await refusal(s.pods.create(pod(c.name, 'prio', [{ name: 'c' }], c.spec)));
      assert.equal(err.code, 403, c.name);
      assert.equal(err.message, c.message, c.name);
    }
    // Stating the same values the class gives is fine.
    await s.pods.create(pod('same', 'prio', [{ name: 'c' }], { priorityClassName: 'high', priority: 1000 }));

    // A global default applies to pods that name no class; only one may exist.
    await classes.create({ metadata: { name: 'everyone' }, value: 10, globalDefault: true } as KObject);
    const defaulted = (await s.pods.create(pod('defaulted', 'prio', [{ name: 'c' }]))) as Pod;
    assert.equal(defaulted.spec!.priorityClassName, 'everyone');
    assert.equal(defaulted.spec!.priority, 10);
    const err = await refusal(classes.create({ metadata: { name: 'second' }, value: 20, globalDefault: true } as KObject));
    assert.equal(err.message, 'priorityclasses.scheduling.k8s.io "second" is forbidden: PriorityClass everyone is already marked as default. Only one default can exist');
    const everyone = await classes.get('everyone');
    await classes.update({ ...everyone, description: 'still the default' }); // updating the default itself is fine

    // An update that leaves priority out keeps what creation set.
    const current = (await s.pods.get('high', 'prio')) as Pod & KObject;
    const { priority: _p, preemptionPolicy: _pp, ...spec } = current.spec!;
    const updated = (await s.pods.update({ ...current, metadata: { ...current.metadata, labels: { tier: 'x' } }, spec } as KObject)) as Pod;
    assert.equal(updated.spec!.priority, 1000);
    assert.equal(updated.spec!.preemptionPolicy, 'Never');
    assert.deepEqual(updated.metadata!.labels, { tier: 'x' });
  } finally {
    await s.stop();
  }
});
