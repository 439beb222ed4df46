import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Schema } from '../api/openapi/model.ts';
import { loadSchemaModel } from '../api/openapi/load-model.ts';
import { applyStrategicMergePatch, StrategicMergePatchError, type SchemaLookup } from './strategic-merge-patch.ts';

// A hand-made slice of the schema model with the annotations upstream's Go types declare.
const core = 'io.k8s.api.core.v1.';
const apps = 'io.k8s.api.apps.v1.';
const meta = 'io.k8s.apimachinery.pkg.apis.meta.v1.';
const ref = (name: string): Schema => ({ $ref: `#/definitions/${name}` });
const str: Schema = { type: 'string' };
const int: Schema = { type: 'integer' };
const stringMap: Schema = { type: 'object', additionalProperties: str };
const mergedBy = (item: Schema, mergeKey: string, strategy = 'merge'): Schema =>
  ({ type: 'array', items: item, 'x-kubernetes-patch-strategy': strategy, 'x-kubernetes-patch-merge-key': mergeKey });
const object = (properties: Record<string, Schema>): Schema => ({ type: 'object', properties });

const model: SchemaLookup = {
  definitions: {
    [apps + 'Deployment']: object({ metadata: ref(meta + 'ObjectMeta'), spec: ref(apps + 'DeploymentSpec') }),
    [apps + 'DeploymentSpec']: object({
      replicas: int,
      strategy: { ...ref(apps + 'DeploymentStrategy'), 'x-kubernetes-patch-strategy': 'retainKeys' },
      template: ref(core + 'PodTemplateSpec'),
    }),
    [apps + 'DeploymentStrategy']: object({ type: str, rollingUpdate: ref(apps + 'RollingUpdateDeployment') }),
    [apps + 'RollingUpdateDeployment']: object({ maxSurge: str, maxUnavailable: str }),
    [meta + 'ObjectMeta']: object({
      name: str, labels: stringMap, annotations: stringMap,
      finalizers: { type: 'array', items: str, 'x-kubernetes-patch-strategy': 'merge' },
    }),
    [core + 'Pod']: object({ metadata: ref(meta + 'ObjectMeta'), spec: ref(core + 'PodSpec') }),
    [core + 'PodTemplateSpec']: object({ metadata: ref(meta + 'ObjectMeta'), spec: ref(core + 'PodSpec') }),
    [core + 'PodSpec']: object({
      containers: mergedBy(ref(core + 'Container'), 'name'),
      initContainers: mergedBy(ref(core + 'Container'), 'name'),
      volumes: mergedBy(ref(core + 'Volume'), 'name', 'merge,retainKeys'),
      tolerations: { type: 'array', items: ref(core + 'Toleration') },
      nodeSelector: stringMap,
    }),
    [core + 'Container']: object({
      name: str, image: str,
      args: { type: 'array', items: str },
      ports: mergedBy(ref(core + 'ContainerPort'), 'containerPort'),
      env: mergedBy(ref(core + 'EnvVar'), 'name'),
      volumeMounts: mergedBy(ref(core + 'VolumeMount'), 'mountPath'),
    }),
    [core + 'ContainerPort']: object({ containerPort: int, name: str, protocol: str }),
    [core + 'EnvVar']: object({ name: str, value: str }),
    [core + 'VolumeMount']: object({ name: str, mountPath: str }),
    [core + 'Volume']: object({ name: str, emptyDir: { type: 'object' }, configMap: object({ name: str }) }),
    [core + 'Toleration']: object({ key: str, effect: str, value: str }),
  },
};

type Obj = Record<string, any>;

function deployment(): Obj {
  return {
    apiVersion: 'apps/v1', kind: 'Deployment',
    metadata: { name: 'patch-demo', labels: { app: 'nginx', tier: 'web' }, finalizers: ['a.example.com/x', 'b.example.com/y'] },
    spec: {
      replicas: 2,
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
      template: {
        metadata: { labels: { app: 'nginx' } },
        spec: {
          containers: [
            {
              name: 'patch-demo-ctr', image: 'nginx', args: ['-g', 'daemon off;'],
              ports: [{ containerPort: 80, protocol: 'TCP' }],
              env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }, { name: 'C', value: '3' }],
              volumeMounts: [{ name: 'data', mountPath: '/data' }],
            },
            { name: 'sidecar', image: 'busybox' },
          ],
          volumes: [{ name: 'data', emptyDir: {} }],
          tolerations: [{ effect: 'NoSchedule', key: 'dedicated', value: 'test-team' }],
        },
      },
    },
  };
}

/** A deployment changed by `edit`, for the expected side of a case. */
function expected(edit: (d: Obj, pod: Obj, ctr: Obj) => void): Obj {
  const d = deployment();
  edit(d, d.spec.template.spec, d.spec.template.spec.containers[0]);
  return d;
}

const podSpecPatch = (spec: Obj) => ({ spec: { template: { spec } } });
const containerPatch = (fields: Obj) => podSpecPatch({ containers: [{ name: 'patch-demo-ctr', ...fields }] });
const ctr = deployment().spec.template.spec.containers[0];
const sidecar = deployment().spec.template.spec.containers[1];

const cases: { name: string; patch: unknown; want: Obj }[] = [
  // Merge-keyed lists: containers by name.
  { name: 'change a container image', patch: containerPatch({ image: 'nginx:1.27' }),
    want: expected((_d, _p, c) => { c.image = 'nginx:1.27'; }) },
  { name: 'add a sidecar: new elements come before the ones only the server had (docs example)',
    patch: podSpecPatch({ containers: [{ name: 'patch-demo-ctr-2', image: 'redis' }] }),
    want: expected((_d, p) => { p.containers.unshift({ name: 'patch-demo-ctr-2', image: 'redis' }); }) },
  { name: '$patch: delete removes a container', patch: podSpecPatch({ containers: [{ $patch: 'delete', name: 'sidecar' }] }),
    want: expected((_d, p) => { p.containers.pop(); }) },
  { name: 'delete and add in one patch', patch: podSpecPatch({ containers: [{ name: 'sidecar', $patch: 'delete' }, { name: 'log', image: 'fluentd' }] }),
    want: expected((_d, p) => { p.containers = [{ name: 'log', image: 'fluentd' }, ctr]; }) },
  // ports by containerPort
  { name: 'add a port', patch: containerPatch({ ports: [{ containerPort: 443, protocol: 'TCP' }] }),
    want: expected((_d, _p, c) => { c.ports.unshift({ containerPort: 443, protocol: 'TCP' }); }) },
  { name: 'name an existing port', patch: containerPatch({ ports: [{ containerPort: 80, name: 'http' }] }),
    want: expected((_d, _p, c) => { c.ports = [{ containerPort: 80, protocol: 'TCP', name: 'http' }]; }) },
  // env by name
  { name: '$patch: delete removes an env var', patch: containerPatch({ env: [{ name: 'B', $patch: 'delete' }] }),
    want: expected((_d, _p, c) => { c.env = [{ name: 'A', value: '1' }, { name: 'C', value: '3' }]; }) },
  { name: 'change an env var', patch: containerPatch({ env: [{ name: 'C', value: '30' }] }),
    want: expected((_d, _p, c) => { c.env[2].value = '30'; }) },
  { name: 'kubectl apply after B left the manifest (C was set on the server and stays)',
    patch: podSpecPatch({
      '$setElementOrder/containers': [{ name: 'patch-demo-ctr' }, { name: 'sidecar' }],
      containers: [{ name: 'patch-demo-ctr', '$setElementOrder/env': [{ name: 'A' }], env: [{ $patch: 'delete', name: 'B' }] }],
    }),
    want: expected((_d, _p, c) => { c.env = [{ name: 'A', value: '1' }, { name: 'C', value: '3' }]; }) },
  { name: 'kubectl apply reordering env vars: listed ones in the new order, server-only after',
    patch: containerPatch({ '$setElementOrder/env': [{ name: 'B' }, { name: 'A' }] }),
    want: expected((_d, _p, c) => { c.env = [c.env[1], c.env[0], c.env[2]]; }) },
  { name: '$setElementOrder puts merged and new containers in the given order',
    patch: podSpecPatch({
      '$setElementOrder/containers': [{ name: 'sidecar' }, { name: 'new' }, { name: 'patch-demo-ctr' }],
      containers: [{ name: 'sidecar', image: 'busybox:2' }, { name: 'new', image: 'x' }],
    }),
    want: expected((_d, p) => { p.containers = [{ name: 'sidecar', image: 'busybox:2' }, { name: 'new', image: 'x' }, ctr]; }) },
  // volumes by name (merge,retainKeys) and volumeMounts by mountPath
  { name: 'kubectl apply switching a volume to a configMap sends $retainKeys',
    patch: podSpecPatch({ volumes: [{ name: 'data', configMap: { name: 'cfg' }, $retainKeys: ['configMap', 'name'] }] }),
    want: expected((_d, p) => { p.volumes = [{ name: 'data', configMap: { name: 'cfg' } }]; }) },
  { name: 'without $retainKeys both volume sources stay', patch: podSpecPatch({ volumes: [{ name: 'data', configMap: { name: 'cfg' } }] }),
    want: expected((_d, p) => { p.volumes[0].configMap = { name: 'cfg' }; }) },
  { name: 'add a volume', patch: podSpecPatch({ volumes: [{ name: 'cache', emptyDir: {} }] }),
    want: expected((_d, p) => { p.volumes.unshift({ name: 'cache', emptyDir: {} }); }) },
  { name: 'volumeMounts merge by mountPath', patch: containerPatch({ volumeMounts: [{ mountPath: '/data', readOnly: true }, { name: 'cache', mountPath: '/cache' }] }),
    want: expected((_d, _p, c) => { c.volumeMounts = [{ name: 'data', mountPath: '/data', readOnly: true }, { name: 'cache', mountPath: '/cache' }]; }) },
  // Lists without a merge strategy are replaced.
  { name: 'tolerations are replaced, not merged (docs example)',
    patch: podSpecPatch({ tolerations: [{ effect: 'NoSchedule', key: 'disktype', value: 'ssd' }] }),
    want: expected((_d, p) => { p.tolerations = [{ effect: 'NoSchedule', key: 'disktype', value: 'ssd' }]; }) },
  { name: 'args are replaced', patch: containerPatch({ args: ['-v'] }), want: expected((_d, _p, c) => { c.args = ['-v']; }) },
  { name: '$deleteFromPrimitiveList deletes even from a list without merge strategy',
    patch: containerPatch({ '$deleteFromPrimitiveList/args': ['-g'] }), want: expected((_d, _p, c) => { c.args = ['daemon off;']; }) },
  // retainKeys on the deployment strategy
  { name: 'switching to Recreate with $retainKeys drops rollingUpdate',
    patch: { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate' } } },
    want: expected((d) => { d.spec.strategy = { type: 'Recreate' }; }) },
  { name: 'switching to Recreate without $retainKeys keeps rollingUpdate',
    patch: { spec: { strategy: { type: 'Recreate' } } }, want: expected((d) => { d.spec.strategy.type = 'Recreate'; }) },
  { name: 'a null member need not be in $retainKeys', patch: { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate', rollingUpdate: null } } },
    want: expected((d) => { d.spec.strategy = { type: 'Recreate' }; }) },
  // Primitive lists with merge strategy: finalizers.
  { name: 'finalizers are unioned (new ones first, as upstream orders them)',
    patch: { metadata: { finalizers: ['c.example.com/z', 'a.example.com/x'] } },
    want: expected((d) => { d.metadata.finalizers = ['c.example.com/z', 'a.example.com/x', 'b.example.com/y']; }) },
  { name: '$deleteFromPrimitiveList/finalizers', patch: { metadata: { '$deleteFromPrimitiveList/finalizers': ['a.example.com/x'] } },
    want: expected((d) => { d.metadata.finalizers = ['b.example.com/y']; }) },
  { name: '$setElementOrder/finalizers with an addition', patch: { metadata: {
    '$setElementOrder/finalizers': ['b.example.com/y', 'c.example.com/z', 'a.example.com/x'], finalizers: ['c.example.com/z'] } },
  want: expected((d) => { d.metadata.finalizers = ['b.example.com/y', 'c.example.com/z', 'a.example.com/x']; }) },
  // Maps.
  { name: 'null deletes a label', patch: { metadata: { labels: { tier: null } } }, want: expected((d) => { delete d.metadata.labels.tier; }) },
  { name: 'labels merge', patch: { metadata: { labels: { env: 'prod' } } }, want: expected((d) => { d.metadata.labels.env = 'prod'; }) },
  { name: '$patch: replace on a map', patch: { metadata: { labels: { $patch: 'replace', app: 'web' } } },
    want: expected((d) => { d.metadata.labels = { app: 'web' }; }) },
  { name: '$patch: replace in a list replaces the list', patch: podSpecPatch({ containers: [{ name: 'only', image: 'busybox' }, { $patch: 'replace' }] }),
    want: expected((_d, p) => { p.containers = [{ name: 'only', image: 'busybox' }]; }) },
  { name: '$patch: delete on a map leaves it empty', patch: { spec: { strategy: { rollingUpdate: { $patch: 'delete' } } } },
    want: expected((d) => { d.spec.strategy.rollingUpdate = {}; }) },
  { name: 'a map that is new takes the patch value without nulls',
    patch: podSpecPatch({ nodeSelector: { disk: 'ssd', zone: null } }), want: expected((_d, p) => { p.nodeSelector = { disk: 'ssd' }; }) },
  { name: 'a new value drops nested directive maps and nulls',
    patch: podSpecPatch({ initContainers: [{ name: 'init', image: 'busybox', command: null }, { name: 'gone', $patch: 'delete' }] }),
    want: expected((_d, p) => { p.initContainers = [{ name: 'init', image: 'busybox' }]; }) },
  { name: '$patch on a map the original lacks drops it (upstream removes directive maps)',
    patch: podSpecPatch({ nodeSelector: { $patch: 'replace', disk: 'ssd' } }), want: deployment() },
  { name: 'an element appended to a merged list is taken as sent',
    patch: podSpecPatch({ containers: [{ name: 'new', image: 'x', args: null }] }),
    want: expected((_d, p) => { p.containers.unshift({ name: 'new', image: 'x', args: null }); }) },
  { name: 'a scalar replaces a map', patch: { spec: { strategy: 'x' } }, want: expected((d) => { d.spec.strategy = 'x'; }) },
  // Paths the schema does not know merge like JSON merge patch.
  { name: 'unknown fields: maps merge, lists replace, null deletes',
    patch: { status: { conditions: [{ type: 'B' }], gone: null, added: { x: 1, y: null } } },
    want: expected(() => {}) },
  { name: 'an empty patch changes nothing', patch: {}, want: deployment() },
  { name: 'a null patch changes nothing', patch: null, want: deployment() },
];
// The unknown-fields case needs an original that has them.
const unknownCase = cases.find((c) => c.name.startsWith('unknown fields'))!;
const withStatus = () => ({ ...deployment(), status: { conditions: [{ type: 'A', ok: true }], gone: 1, keep: { a: 1 } } });
unknownCase.want = { ...deployment(), status: { conditions: [{ type: 'B' }], keep: { a: 1 }, added: { x: 1 } } };

for (const c of cases) {
  test(`strategic merge patch: ${c.name}`, () => {
    const original = c === unknownCase ? withStatus() : deployment();
    assert.deepEqual(applyStrategicMergePatch(original, c.patch, model, apps + 'Deployment'), c.want);
  });
}

test('strategic merge patch without a schema for the root type behaves like a merge patch', () => {
  const result = applyStrategicMergePatch(deployment(), containerPatch({ image: 'x' }), model, 'io.example.v1.Unknown') as Obj;
  assert.deepEqual(result.spec.template.spec.containers, [{ name: 'patch-demo-ctr', image: 'x' }]);
  assert.deepEqual(result.metadata, deployment().metadata);
});

const errorCases: { name: string; patch: unknown; code: number; message: string; original?: Obj }[] = [
  { name: 'an element without its merge key', patch: podSpecPatch({ containers: [{ image: 'nginx' }] }),
    code: 500, message: 'map: map[image:nginx] does not contain declared merge key: name' },
  { name: 'a delete element without its merge key', patch: podSpecPatch({ containers: [{ $patch: 'delete' }] }),
    code: 500, message: 'map: map[$patch:delete] does not contain declared merge key: name' },
  { name: 'a port without containerPort', patch: containerPatch({ ports: [{ name: 'http', containerPort: undefined, hostPort: 8080 }] }),
    code: 500, message: 'map: map[hostPort:8080 name:http] does not contain declared merge key: containerPort' },
  { name: '$patch: merge in a map', patch: { metadata: { labels: { $patch: 'merge', app: 'web' } } },
    code: 500, message: 'unknown patch type: merge in map: map[$patch:merge app:web]' },
  { name: '$patch: merge in a list', patch: podSpecPatch({ containers: [{ $patch: 'merge', name: 'sidecar' }] }),
    code: 500, message: 'merging lists cannot yet be specified in the patch' },
  { name: 'an unknown $patch in a list', patch: podSpecPatch({ containers: [{ $patch: 'bogus', name: 'sidecar' }] }),
    code: 500, message: 'unknown patch type: bogus in map: map[$patch:bogus name:sidecar]' },
  { name: 'a non-string $patch', patch: { metadata: { labels: { $patch: 1 } } },
    code: 500, message: 'unknown patch type: %!s(int64=1) in map: map[$patch:1]' },
  { name: 'a patched key missing from $retainKeys', patch: { spec: { strategy: { $retainKeys: ['type'], rollingUpdate: { maxSurge: 1 } } } },
    code: 400, message: 'invalid patch format of retainKeys' },
  { name: '$retainKeys that is not a list', patch: { spec: { strategy: { $retainKeys: 'type' } } },
    code: 400, message: 'invalid patch format of retainKeys' },
  { name: 'a malformed $deleteFromPrimitiveList key', patch: { metadata: { $deleteFromPrimitiveListfinalizers: ['a'] } },
    code: 400, message: 'invalid patch format of primitive list' },
  { name: 'a malformed $setElementOrder key', patch: { metadata: { '$setElementOrderX/finalizers': ['a'] } },
    code: 400, message: 'invalid patch format of setElementOrder list' },
  { name: '$setElementOrder that is not a list', patch: podSpecPatch({ '$setElementOrder/containers': 'x' }),
    code: 500, message: 'expected a []interface {}, but received a string' },
  { name: '$setElementOrder of strings for a merge-keyed list', patch: podSpecPatch({ '$setElementOrder/containers': ['sidecar'] }),
    code: 500, message: 'value for key 0 is not a map' },
  { name: '$setElementOrder of strings beside the patched list',
    patch: podSpecPatch({ '$setElementOrder/containers': ['sidecar'], containers: [{ name: 'sidecar', image: 'x' }] }),
    code: 500, message: 'expected a map[string]interface {}, but received a string' },
  { name: 'a patch list out of $setElementOrder order',
    patch: podSpecPatch({ '$setElementOrder/containers': [{ name: 'sidecar' }], containers: [{ name: 'patch-demo-ctr', image: 'x' }] }),
    code: 500, message: 'the order in patch list:\n[map[image:x name:patch-demo-ctr]]\n doesn\'t match $setElementOrder list:\n[map[name:sidecar]]' },
  { name: 'mixed element types in a merged list', patch: { metadata: { finalizers: [1.5] } },
    code: 500, message: 'list element types are not identical: [[a.example.com/x b.example.com/y] [1.5]]' },
  { name: 'a list of lists', patch: { metadata: { finalizers: [['a']] } }, original: { metadata: { finalizers: [] } },
    code: 422, message: 'lists of lists are not supported' },
  { name: 'a list patch', patch: [{ op: 'add' }], code: 400, message: 'json: cannot unmarshal array into Go value of type map[string]interface {}' },
  { name: 'a string patch', patch: 'x', code: 400, message: 'json: cannot unmarshal string into Go value of type map[string]interface {}' },
  { name: 'a number patch', patch: 3, code: 400, message: 'json: cannot unmarshal number into Go value of type map[string]interface {}' },
  { name: 'a boolean patch', patch: true, code: 400, message: 'json: cannot unmarshal bool into Go value of type map[string]interface {}' },
];

for (const c of errorCases) {
  test(`strategic merge patch refuses ${c.name}`, () => {
    // JSON drops undefined members, as a request body would.
    const patch = JSON.parse(JSON.stringify(c.patch)) as unknown;
    assert.throws(() => applyStrategicMergePatch(c.original ?? deployment(), patch, model, apps + 'Deployment'),
      (err: unknown) => {
        assert.ok(err instanceof StrategicMergePatchError);
        assert.equal(err.message, c.message);
        assert.equal(err.code, c.code);
        return true;
      });
  });
}

test('strategic merge patch neither mutates nor shares its inputs', () => {
  const original = deployment();
  const patch = {
    metadata: { labels: { tier: null, added: { deep: 1 } }, '$deleteFromPrimitiveList/finalizers': ['a.example.com/x'] },
    spec: { strategy: { $retainKeys: ['type'], type: 'Recreate' }, template: { spec: {
      '$setElementOrder/containers': [{ name: 'sidecar' }, { name: 'patch-demo-ctr' }],
      containers: [{ name: 'sidecar', $patch: 'replace' }, { name: 'patch-demo-ctr', env: [{ name: 'A', $patch: 'delete' }] }],
      volumes: [{ name: 'new', emptyDir: {} }],
    } } },
  };
  const originalSnapshot = structuredClone(original);
  const patchSnapshot = structuredClone(patch);
  const result = applyStrategicMergePatch(original, patch, model, apps + 'Deployment') as Obj;
  assert.deepEqual(original, originalSnapshot);
  assert.deepEqual(patch, patchSnapshot);
  result.metadata.labels.added.deep = 2;
  result.spec.template.spec.volumes[0].emptyDir.x = 1;
  assert.deepEqual(original, originalSnapshot);
  assert.deepEqual(patch, patchSnapshot);
});

// The same behaviour against the generated model of the built-in types.
const realModel = loadSchemaModel();

test('strategic merge patch against the generated model: Deployment', () => {
  const d = deployment();
  const patched = applyStrategicMergePatch(d, {
    metadata: { '$deleteFromPrimitiveList/finalizers': ['a.example.com/x'] },
    spec: {
      strategy: { $retainKeys: ['type'], type: 'Recreate' },
      template: { spec: {
        containers: [{ name: 'patch-demo-ctr', image: 'nginx:1.27', ports: [{ containerPort: 443 }], env: [{ name: 'B', $patch: 'delete' }] }],
        volumes: [{ name: 'data', configMap: { name: 'cfg' }, $retainKeys: ['configMap', 'name'] }],
        tolerations: [{ key: 'disktype', value: 'ssd', effect: 'NoSchedule' }],
      } },
    },
  }, realModel, apps + 'Deployment') as Obj;
  const pod = patched.spec.template.spec;
  assert.deepEqual(patched.metadata.finalizers, ['b.example.com/y']);
  assert.deepEqual(patched.spec.strategy, { type: 'Recreate' });
  assert.deepEqual(pod.containers.map((c: Obj) => [c.name, c.image]), [['patch-demo-ctr', 'nginx:1.27'], ['sidecar', 'busybox']]);
  assert.deepEqual(pod.containers[0].ports, [{ containerPort: 443 }, { containerPort: 80, protocol: 'TCP' }]);
  assert.deepEqual(pod.containers[0].env.map((e: Obj) => e.name), ['A', 'C']);
  assert.deepEqual(pod.volumes, [{ name: 'data', configMap: { name: 'cfg' } }]);
  assert.deepEqual(pod.tolerations, [{ key: 'disktype', value: 'ssd', effect: 'NoSchedule' }]);
});

test('strategic merge patch against the generated model: Pod', () => {
  const pod = {
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name: 'p', labels: { a: '1', b: '2' }, ownerReferences: [{ uid: 'u1', name: 'rs', kind: 'ReplicaSet', apiVersion: 'apps/v1' }] },
    spec: { containers: [{ name: 'c', image: 'nginx', volumeMounts: [{ name: 'v', mountPath: '/v' }] }], imagePullSecrets: [{ name: 's1' }] },
  };
  const patched = applyStrategicMergePatch(pod, {
    metadata: { labels: { b: null }, ownerReferences: [{ uid: 'u1', controller: true }] },
    spec: {
      containers: [{ name: 'c', volumeMounts: [{ mountPath: '/v', readOnly: true }] }, { name: 'sidecar', image: 'busybox' }],
      imagePullSecrets: [{ name: 's2' }],
    },
  }, realModel, core + 'Pod') as Obj;
  assert.deepEqual(patched.metadata.labels, { a: '1' });
  assert.deepEqual(patched.metadata.ownerReferences, [{ uid: 'u1', name: 'rs', kind: 'ReplicaSet', apiVersion: 'apps/v1', controller: true }]);
  // Both containers are named by the patch, so the patch's order wins.
  assert.deepEqual(patched.spec.containers, [
    { name: 'c', image: 'nginx', volumeMounts: [{ name: 'v', mountPath: '/v', readOnly: true }] },
    { name: 'sidecar', image: 'busybox' },
  ]);
  assert.deepEqual(patched.spec.imagePullSecrets, [{ name: 's2' }, { name: 's1' }]);
  assert.throws(() => applyStrategicMergePatch(pod, { spec: { containers: [{ image: 'x' }] } }, realModel, core + 'Pod'),
    { message: 'map: map[image:x] does not contain declared merge key: name' });
});
