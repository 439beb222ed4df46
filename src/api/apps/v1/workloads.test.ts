import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ResourceDefinition, TableContext } from '../../types.ts';
import { age } from '../../../machinery/duration.ts';
import { deployments } from './deployments.ts';
import { replicaSets } from './replicasets.ts';
import { statefulSets } from './statefulsets.ts';
import { daemonSets, TEMPLATE_GENERATION_ANNOTATION } from './daemonsets.ts';
import { controllerRevisions } from './controllerrevisions.ts';

const now = new Date('2024-02-25T18:00:00Z');
const ctx: TableContext = { now, age: (ts) => age(ts, now) };

/** What the registry does on create: defaults, prepareForCreate, validate. */
function create(def: ResourceDefinition, input: object): { obj: any; errors: string[] } {
  const obj: any = structuredClone(input);
  obj.metadata = { uid: '6b1c7d1e-0000-4000-8000-000000000001', creationTimestamp: '2024-02-25T17:35:33Z', ...obj.metadata };
  def.defaults?.(obj);
  def.prepareForCreate?.(obj);
  return { obj, errors: (def.validate?.(obj) ?? []).map(String) };
}

/** What the registry does on update: defaults, prepareForUpdate, validate + validateUpdate. */
function update(def: ResourceDefinition, old: object, change: (o: any) => void): { obj: any; errors: string[] } {
  const obj: any = structuredClone(old);
  change(obj);
  def.defaults?.(obj);
  def.prepareForUpdate?.(obj, old as any);
  return { obj, errors: [...(def.validate?.(obj) ?? []), ...(def.validateUpdate?.(obj, old as any) ?? [])].map(String) };
}

const podTemplate = (labels: Record<string, string>, extra: object = {}) => ({
  metadata: { labels },
  spec: { containers: [{ name: 'archetype', image: 'gustavo2acr.azurecr.io/archetype:latest-amd64' }], ...extra },
});

// The seed's archetype Deployment, as its author applied it.
const archetype = {
  apiVersion: 'apps/v1', kind: 'Deployment',
  metadata: { name: 'archetype-deployment', namespace: 'default', labels: { app: 'archetype' } },
  spec: {
    replicas: 2,
    selector: { matchLabels: { app: 'archetype' } },
    template: {
      metadata: { labels: { app: 'archetype' } },
      spec: {
        containers: [{
          name: 'archetype', image: 'gustavo2acr.azurecr.io/archetype:latest-amd64', ports: [{ containerPort: 8000 }],
          resources: { requests: { memory: '64Mi', cpu: '250m' }, limits: { memory: '128Mi', cpu: '500m' } },
        }],
      },
    },
  },
};

// ---- Deployment ------------------------------------------------------------------------------

test('Deployment: the archetype gets upstream defaults and validates cleanly', () => {
  const { obj, errors } = create(deployments, archetype);
  assert.deepEqual(errors, []);
  assert.equal(obj.spec.replicas, 2);
  assert.deepEqual(obj.spec.strategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } });
  assert.equal(obj.spec.revisionHistoryLimit, 10);
  assert.equal(obj.spec.progressDeadlineSeconds, 600);
  assert.equal(obj.spec.template.spec.restartPolicy, 'Always');
  assert.deepEqual(obj.status, {});
});

test('Deployment: replicas default to 1; Recreate gets no rollingUpdate', () => {
  const { obj } = create(deployments, { metadata: { name: 'd' }, spec: { strategy: { type: 'Recreate' } } });
  assert.equal(obj.spec.replicas, 1);
  assert.deepEqual(obj.spec.strategy, { type: 'Recreate' });
});

test('Deployment: create resets any status the client sent', () => {
  const { obj } = create(deployments, { ...archetype, status: { replicas: 5, readyReplicas: 5 } });
  assert.deepEqual(obj.status, {});
});

test('Deployment: validation messages match upstream', () => {
  const cases: { name: string; change: (d: any) => void; want: string[] }[] = [
    { name: 'negative replicas', change: (d) => { d.spec.replicas = -1; },
      want: ['spec.replicas: Invalid value: -1: must be greater than or equal to 0'] },
    { name: 'missing selector', change: (d) => { delete d.spec.selector; },
      want: ['spec.selector: Required value',
        'spec.template.metadata.labels: Invalid value: map[string]string{"app":"archetype"}: `selector` does not match template `labels`'] },
    { name: 'selector not matching', change: (d) => { d.spec.selector.matchLabels = { app: 'x' }; },
      want: ['spec.template.metadata.labels: Invalid value: map[string]string{"app":"archetype"}: `selector` does not match template `labels`'] },
    { name: 'empty selector', change: (d) => { d.spec.selector = {}; },
      want: ['spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for deployment'] },
    { name: 'restartPolicy Never', change: (d) => { d.spec.template.spec.restartPolicy = 'Never'; },
      want: ['spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"'] },
    { name: 'activeDeadlineSeconds', change: (d) => { d.spec.template.spec.activeDeadlineSeconds = 5; },
      want: ['spec.template.spec.activeDeadlineSeconds: Forbidden: activeDeadlineSeconds in ReplicaSet is not Supported'] },
    { name: 'maxSurge and maxUnavailable both 0', change: (d) => { d.spec.strategy = { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: 0 } }; },
      want: ['spec.strategy.rollingUpdate.maxUnavailable: Invalid value: intstr.IntOrString{Type:0, IntVal:0, StrVal:""}: may not be 0 when `maxSurge` is 0'] },
    { name: 'both 0%', change: (d) => { d.spec.strategy = { type: 'RollingUpdate', rollingUpdate: { maxSurge: '0%', maxUnavailable: '0%' } }; },
      want: ['spec.strategy.rollingUpdate.maxUnavailable: Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:"0%"}: may not be 0 when `maxSurge` is 0'] },
    { name: 'maxUnavailable above 100%', change: (d) => { d.spec.strategy = { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '150%' } }; },
      want: ['spec.strategy.rollingUpdate.maxUnavailable: Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:"150%"}: must not be greater than 100%'] },
    { name: 'not a percent', change: (d) => { d.spec.strategy = { type: 'RollingUpdate', rollingUpdate: { maxSurge: '1' } }; },
      want: [`spec.strategy.rollingUpdate.maxSurge: Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:"1"}: a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')`] },
    { name: 'negative maxSurge', change: (d) => { d.spec.strategy = { type: 'RollingUpdate', rollingUpdate: { maxSurge: -1 } }; },
      want: ['spec.strategy.rollingUpdate.maxSurge: Invalid value: -1: must be greater than or equal to 0'] },
    { name: 'Recreate with rollingUpdate', change: (d) => { d.spec.strategy = { type: 'Recreate', rollingUpdate: { maxSurge: 1 } }; },
      want: ["spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy `type` is 'Recreate'"] },
    { name: 'unknown strategy', change: (d) => { d.spec.strategy = { type: 'BlueGreen' }; },
      want: ['spec.strategy: Unsupported value: apps.DeploymentStrategy{Type:"BlueGreen", RollingUpdate:(*apps.RollingUpdateDeployment)(nil)}: supported values: "Recreate", "RollingUpdate"'] },
    { name: 'progress deadline not above minReadySeconds', change: (d) => { d.spec.minReadySeconds = 30; d.spec.progressDeadlineSeconds = 30; },
      want: ['spec.progressDeadlineSeconds: Invalid value: 30: must be greater than minReadySeconds'] },
    { name: 'negative revisionHistoryLimit', change: (d) => { d.spec.revisionHistoryLimit = -2; },
      want: ['spec.revisionHistoryLimit: Invalid value: -2: must be greater than or equal to 0'] },
  ];
  for (const c of cases) {
    const input: any = structuredClone(archetype);
    c.change(input);
    assert.deepEqual(create(deployments, input).errors, c.want, c.name);
  }
});

test('Deployment: update keeps the stored status and the selector is immutable', () => {
  const { obj: stored } = create(deployments, archetype);
  stored.status = { replicas: 2, readyReplicas: 2, availableReplicas: 2, updatedReplicas: 2 };
  const scaled = update(deployments, stored, (d) => { d.spec.replicas = 3; d.status = { replicas: 99 }; });
  assert.deepEqual(scaled.errors, []);
  assert.deepEqual(scaled.obj.status, stored.status);
  const reselected = update(deployments, stored, (d) => {
    d.spec.selector = { matchLabels: { app: 'other' } };
    d.spec.template.metadata.labels = { app: 'other' };
  });
  assert.deepEqual(reselected.errors, [
    'spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"other"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable',
  ]);
});

test('Deployment: status writes are checked against status.replicas', () => {
  const d: any = { status: { replicas: 1, readyReplicas: 2, availableReplicas: 1 } };
  assert.deepEqual(deployments.validateStatus!(d, d).map(String), [
    'status.readyReplicas: Invalid value: 2: cannot be greater than status.replicas',
  ]);
});

test('Deployment: table row matches upstream printer (wide cells included)', () => {
  const { obj } = create(deployments, archetype);
  obj.status = { replicas: 3, readyReplicas: 2, updatedReplicas: 3, availableReplicas: 2 };
  assert.deepEqual(deployments.table.columns.map((c) => [c.name, c.priority ?? 0]), [
    ['Name', 0], ['Ready', 0], ['Up-to-date', 0], ['Available', 0], ['Age', 0], ['Containers', 1], ['Images', 1], ['Selector', 1],
  ]);
  assert.deepEqual(deployments.table.row(obj, ctx), [
    'archetype-deployment', '2/2', 3, 2, '24m', 'archetype', 'gustavo2acr.azurecr.io/archetype:latest-amd64', 'app=archetype',
  ]);
  const fresh = create(deployments, { metadata: { name: 'x' }, spec: { selector: { matchExpressions: [{ key: 'b', operator: 'Exists' }], matchLabels: { a: '1' } } } }).obj;
  assert.deepEqual(deployments.table.row(fresh, ctx).slice(1, 4), ['0/1', 0, 0]);
  assert.equal(deployments.table.row(fresh, ctx)[7], 'a=1,b');
});

test('Deployment: registration facts kubectl relies on', () => {
  assert.deepEqual([deployments.shortNames, deployments.categories, deployments.statusSubresource, deployments.generation],
    [['deploy'], ['all'], true, true]);
  assert.deepEqual(deployments.scale, { specReplicasPath: 'spec.replicas', statusReplicasPath: 'status.replicas', labelSelectorPath: 'spec.selector' });
});

// ---- ReplicaSet ------------------------------------------------------------------------------

const rs = {
  metadata: { name: 'web-5d8f7c' },
  spec: { selector: { matchLabels: { app: 'web' } }, template: podTemplate({ app: 'web' }) },
};

test('ReplicaSet: defaults, validation and table', () => {
  const { obj, errors } = create(replicaSets, rs);
  assert.deepEqual(errors, []);
  assert.equal(obj.spec.replicas, 1);
  assert.deepEqual(obj.status, { replicas: 0 });

  const bad: any = structuredClone(rs);
  bad.spec.replicas = -3;
  bad.spec.selector = { matchLabels: {} };
  bad.spec.template.spec.restartPolicy = 'OnFailure';
  assert.deepEqual(create(replicaSets, bad).errors, [
    'spec.replicas: Invalid value: -3: must be greater than or equal to 0',
    // Upstream really says "deployment" for ReplicaSets here.
    'spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for deployment',
    'spec.template.spec.restartPolicy: Unsupported value: "OnFailure": supported values: "Always"',
  ]);

  const changed = update(replicaSets, obj, (r) => { r.spec.selector.matchLabels.app = 'db'; r.spec.template.metadata.labels.app = 'db'; });
  assert.deepEqual(changed.errors, [
    'spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"db"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable',
  ]);

  obj.status = { replicas: 1, readyReplicas: 1 };
  assert.deepEqual(replicaSets.table.columns.map((c) => c.name), ['Name', 'Desired', 'Current', 'Ready', 'Age', 'Containers', 'Images', 'Selector']);
  assert.deepEqual(replicaSets.table.row(obj, ctx), ['web-5d8f7c', 1, 1, 1, '24m', 'archetype', 'gustavo2acr.azurecr.io/archetype:latest-amd64', 'app=web']);
  assert.equal(replicaSets.fieldSelectors!['status.replicas'](obj), '1');
});

// ---- StatefulSet -----------------------------------------------------------------------------

const sts = {
  metadata: { name: 'web' },
  spec: {
    serviceName: 'web',
    selector: { matchLabels: { app: 'nginx' } },
    template: podTemplate({ app: 'nginx' }),
    volumeClaimTemplates: [{ metadata: { name: 'www' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
  },
};

test('StatefulSet: upstream defaults', () => {
  const { obj, errors } = create(statefulSets, sts);
  assert.deepEqual(errors, []);
  assert.equal(obj.spec.replicas, 1);
  assert.equal(obj.spec.podManagementPolicy, 'OrderedReady');
  assert.deepEqual(obj.spec.updateStrategy, { type: 'RollingUpdate', rollingUpdate: { partition: 0 } });
  assert.equal(obj.spec.revisionHistoryLimit, 10);
  assert.deepEqual(obj.spec.persistentVolumeClaimRetentionPolicy, { whenDeleted: 'Retain', whenScaled: 'Retain' });
  assert.equal(obj.spec.volumeClaimTemplates[0].spec.volumeMode, 'Filesystem');
  assert.deepEqual(obj.spec.volumeClaimTemplates[0].status, { phase: 'Pending' });
  assert.deepEqual(obj.status, { replicas: 0, availableReplicas: 0 });
  // An explicit RollingUpdate without rollingUpdate stays without a partition, as upstream leaves it.
  const explicit = create(statefulSets, { ...sts, spec: { ...sts.spec, updateStrategy: { type: 'RollingUpdate' } } }).obj;
  assert.deepEqual(explicit.spec.updateStrategy, { type: 'RollingUpdate' });
});

test('StatefulSet: validation messages match upstream', () => {
  const cases: { name: string; change: (s: any) => void; want: string[] }[] = [
    { name: 'bad policy', change: (s) => { s.spec.podManagementPolicy = 'Eager'; },
      want: [`spec.podManagementPolicy: Invalid value: "Eager": must be 'OrderedReady' or 'Parallel'`] },
    { name: 'OnDelete with rollingUpdate', change: (s) => { s.spec.updateStrategy = { type: 'OnDelete', rollingUpdate: { partition: 2 } }; },
      want: [`spec.updateStrategy.rollingUpdate: Invalid value: apps.RollingUpdateStatefulSetStrategy{Partition:2, MaxUnavailable:(*intstr.IntOrString)(nil)}: only allowed for updateStrategy 'RollingUpdate'`] },
    { name: 'negative partition', change: (s) => { s.spec.updateStrategy = { type: 'RollingUpdate', rollingUpdate: { partition: -1 } }; },
      want: ['spec.updateStrategy.rollingUpdate.partition: Invalid value: -1: must be greater than or equal to 0'] },
    { name: 'retention policy', change: (s) => { s.spec.persistentVolumeClaimRetentionPolicy = { whenDeleted: 'Keep' }; },
      want: ['spec.persistentVolumeClaimRetentionPolicy.whenDeleted: Unsupported value: "Keep": supported values: "Retain", "Delete"'] },
    { name: 'negative replicas', change: (s) => { s.spec.replicas = -1; },
      want: ['spec.replicas: Invalid value: -1: must be greater than or equal to 0'] },
    { name: 'missing selector', change: (s) => { delete s.spec.selector; },
      want: ['spec.selector: Required value',
        'spec.template.metadata.labels: Invalid value: map[string]string{"app":"nginx"}: `selector` does not match template `labels`'] },
    { name: 'empty selector', change: (s) => { s.spec.selector = { matchLabels: {} }; },
      want: ['spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for statefulset'] },
    { name: 'restartPolicy', change: (s) => { s.spec.template.spec.restartPolicy = 'Never'; },
      want: ['spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"'] },
    { name: 'activeDeadlineSeconds', change: (s) => { s.spec.template.spec.activeDeadlineSeconds = 10; },
      want: ['spec.template.spec.activeDeadlineSeconds: Forbidden: activeDeadlineSeconds in StatefulSet is not Supported'] },
  ];
  for (const c of cases) {
    const input: any = structuredClone(sts);
    c.change(input);
    assert.deepEqual(create(statefulSets, input).errors, c.want, c.name);
  }
  assert.equal(statefulSets.nameValidator!('web.v2').length > 0, true, 'StatefulSet names are DNS labels');
});

test('StatefulSet: only some spec fields may change', () => {
  const { obj } = create(statefulSets, sts);
  assert.deepEqual(update(statefulSets, obj, (s) => { s.spec.replicas = 5; s.spec.template.spec.containers[0].image = 'nginx:2'; }).errors, []);
  assert.deepEqual(update(statefulSets, obj, (s) => { s.spec.serviceName = 'other'; }).errors, [
    "spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
  ]);
});

test('StatefulSet: table', () => {
  const { obj } = create(statefulSets, { ...sts, spec: { ...sts.spec, replicas: 3 } });
  obj.status = { replicas: 3, readyReplicas: 1 };
  assert.deepEqual(statefulSets.table.columns.map((c) => c.name), ['Name', 'Ready', 'Age', 'Containers', 'Images']);
  assert.deepEqual(statefulSets.table.row(obj, ctx), ['web', '1/3', '24m', 'archetype', 'gustavo2acr.azurecr.io/archetype:latest-amd64']);
});

// ---- DaemonSet -------------------------------------------------------------------------------

const ds = {
  metadata: { name: 'fluentd' },
  spec: { selector: { matchLabels: { name: 'fluentd' } }, template: podTemplate({ name: 'fluentd' }, { nodeSelector: { 'kubernetes.io/os': 'linux' } }) },
};

test('DaemonSet: defaults and the template generation annotation', () => {
  const { obj, errors } = create(daemonSets, ds);
  assert.deepEqual(errors, []);
  assert.deepEqual(obj.spec.updateStrategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } });
  assert.equal(obj.spec.revisionHistoryLimit, 10);
  assert.equal(obj.metadata.annotations[TEMPLATE_GENERATION_ANNOTATION], '1');
  assert.deepEqual(obj.status, { currentNumberScheduled: 0, numberMisscheduled: 0, desiredNumberScheduled: 0, numberReady: 0 });

  const same = update(daemonSets, obj, (d) => { d.spec.minReadySeconds = 5; delete d.metadata.annotations; });
  assert.equal(same.obj.metadata.annotations[TEMPLATE_GENERATION_ANNOTATION], '1');
  const changed = update(daemonSets, obj, (d) => { d.spec.template.spec.containers[0].image = 'fluentd:2'; });
  assert.equal(changed.obj.metadata.annotations[TEMPLATE_GENERATION_ANNOTATION], '2');
});

test('DaemonSet: validation messages match upstream', () => {
  const cases: { name: string; change: (s: any) => void; want: string[] }[] = [
    { name: 'missing selector is only a mismatch', change: (d) => { delete d.spec.selector; },
      want: ['spec.template.metadata.labels: Invalid value: map[string]string{"name":"fluentd"}: `selector` does not match template `labels`'] },
    { name: 'empty selector', change: (d) => { d.spec.selector = {}; },
      want: ['spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for daemonset'] },
    { name: 'restartPolicy', change: (d) => { d.spec.template.spec.restartPolicy = 'Never'; },
      want: ['spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"'] },
    { name: 'both non-zero', change: (d) => { d.spec.updateStrategy = { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: '10%' } }; },
      want: ['spec.updateStrategy.rollingUpdate.maxSurge: Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:"10%"}: may not be set when maxUnavailable is non-zero'] },
    { name: 'both zero', change: (d) => { d.spec.updateStrategy = { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 0 } }; },
      want: ['spec.updateStrategy.rollingUpdate.maxUnavailable: Required value: cannot be 0 when maxSurge is 0'] },
    { name: 'surge above 100%', change: (d) => { d.spec.updateStrategy = { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: '101%' } }; },
      want: ['spec.updateStrategy.rollingUpdate.maxSurge: Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:"101%"}: must not be greater than 100%'] },
    { name: 'unknown type', change: (d) => { d.spec.updateStrategy = { type: 'Manual' }; },
      want: ['spec.updateStrategy: Unsupported value: apps.DaemonSetUpdateStrategy{Type:"Manual", RollingUpdate:(*apps.RollingUpdateDaemonSet)(nil)}: supported values: "RollingUpdate", "OnDelete"'] },
  ];
  for (const c of cases) {
    const input: any = structuredClone(ds);
    c.change(input);
    assert.deepEqual(create(daemonSets, input).errors, c.want, c.name);
  }
});

test('DaemonSet: selector immutable, table with node selector', () => {
  const { obj } = create(daemonSets, ds);
  assert.deepEqual(update(daemonSets, obj, (d) => { d.spec.selector = { matchLabels: { name: 'fluentd', x: 'y' } }; d.spec.template.metadata.labels.x = 'y'; }).errors, [
    'spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"name":"fluentd", "x":"y"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable',
  ]);
  obj.status = { desiredNumberScheduled: 3, currentNumberScheduled: 3, numberReady: 2, updatedNumberScheduled: 3, numberAvailable: 2, numberMisscheduled: 0 };
  assert.deepEqual(daemonSets.table.columns.map((c) => c.name), [
    'Name', 'Desired', 'Current', 'Ready', 'Up-to-date', 'Available', 'Node Selector', 'Age', 'Containers', 'Images', 'Selector',
  ]);
  assert.deepEqual(daemonSets.table.row(obj, ctx), [
    'fluentd', 3, 3, 2, 3, 2, 'kubernetes.io/os=linux', '24m', 'archetype', 'gustavo2acr.azurecr.io/archetype:latest-amd64', 'name=fluentd',
  ]);
  assert.equal(daemonSets.table.row(create(daemonSets, { ...ds, spec: { ...ds.spec, template: podTemplate({ name: 'fluentd' }) } }).obj, ctx)[6], '<none>');
});

// ---- ControllerRevision ----------------------------------------------------------------------

test('ControllerRevision: validation, immutable data, table', () => {
  const rev = {
    metadata: {
      name: 'web-7b9f5c', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web', uid: 'u', controller: true }],
    },
    data: { spec: { template: {} } },
    revision: 2,
  };
  const { obj, errors } = create(controllerRevisions, rev);
  assert.deepEqual(errors, []);
  assert.deepEqual(create(controllerRevisions, { metadata: { name: 'r' }, revision: -1 }).errors, [
    'data: Required value: data is mandatory',
    'revision: Invalid value: -1: must be greater than or equal to 0',
  ]);
  assert.deepEqual(update(controllerRevisions, obj, (r) => { r.data = { spec: { x: 1 } }; }).errors, [
    'data: Invalid value: {"spec":{"x":1}}: field is immutable',
  ]);
  assert.deepEqual(controllerRevisions.table.columns.map((c) => c.name), ['Name', 'Controller', 'Revision', 'Age']);
  assert.deepEqual(controllerRevisions.table.row(obj, ctx), ['web-7b9f5c', 'statefulset.apps/web', 2, '24m']);
  const orphan = create(controllerRevisions, { metadata: { name: 'r' }, data: {}, revision: 1 }).obj;
  assert.equal(controllerRevisions.table.row(orphan, ctx)[1], '<none>');
});
