import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import type { SchemaModel } from '../api/openapi/model.ts';
import { ApiError } from './errors.ts';
import {
  FieldSet, canonicalElement, compareElements, fieldElement, indexElement, keyElement, pathString, valueElement,
} from './fieldpath.ts';
import {
  ApplyConflictError, LAST_APPLIED_ANNOTATION, applyPatch, conflictStatusMessage, fieldsV1Paths, managerFromUserAgent,
  updateManagedFields, type ApplyConflict, type ManagedFieldsEntry,
} from './managed-fields.ts';

// ---- a small hand-made schema in the shape of the generated model ----------------------------

const ref = (name: string) => ({ $ref: `#/definitions/t.${name}` });
const str = { type: 'string' as const };
const int = { type: 'integer' as const };
const stringMap = { type: 'object' as const, additionalProperties: str };

const model: SchemaModel = {
  definitions: {
    't.Deployment': {
      type: 'object',
      properties: { apiVersion: str, kind: str, metadata: ref('ObjectMeta'), spec: ref('DeploymentSpec'), status: ref('DeploymentStatus') },
    },
    't.ObjectMeta': {
      type: 'object',
      properties: {
        name: str, namespace: str, uid: str, resourceVersion: str, generation: int, creationTimestamp: str,
        labels: stringMap, annotations: stringMap,
        finalizers: { type: 'array', items: str, 'x-kubernetes-list-type': 'set' },
        managedFields: { type: 'array', items: { type: 'object' }, 'x-kubernetes-list-type': 'atomic' },
      },
    },
    't.DeploymentSpec': {
      type: 'object',
      properties: {
        replicas: int, paused: { type: 'boolean' }, selector: ref('LabelSelector'), template: ref('PodTemplateSpec'),
        strategy: ref('DeploymentStrategy'),
      },
    },
    't.DeploymentStrategy': { type: 'object', properties: { type: str, rollingUpdate: ref('RollingUpdate') } },
    't.RollingUpdate': { type: 'object', properties: { maxSurge: { type: 'string', 'x-kubernetes-int-or-string': true } } },
    't.DeploymentStatus': { type: 'object', properties: { replicas: int, observedGeneration: int } },
    't.LabelSelector': { type: 'object', properties: { matchLabels: stringMap }, 'x-kubernetes-map-type': 'atomic' },
    't.PodTemplateSpec': { type: 'object', properties: { metadata: ref('ObjectMeta'), spec: ref('PodSpec') } },
    't.PodSpec': {
      type: 'object',
      properties: {
        containers: { type: 'array', items: ref('Container'), 'x-kubernetes-patch-strategy': 'merge', 'x-kubernetes-patch-merge-key': 'name' },
        nodeSelector: { ...stringMap, 'x-kubernetes-map-type': 'atomic' },
        tolerations: { type: 'array', items: { type: 'object', properties: { key: str } } },
        restartPolicy: str,
      },
    },
    't.Container': {
      type: 'object',
      properties: {
        name: str, image: str,
        args: { type: 'array', items: str },
        ports: { type: 'array', items: ref('ContainerPort'), 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['containerPort', 'protocol'] },
        env: { type: 'array', items: ref('EnvVar'), 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'] },
      },
    },
    't.ContainerPort': { type: 'object', properties: { containerPort: int, protocol: { type: 'string', default: 'TCP' }, name: str } },
    't.EnvVar': { type: 'object', properties: { name: str, value: str } },
  },
};
const ROOT = 't.Deployment';
const T0 = '2024-05-01T10:00:00Z';
const T1 = '2024-05-01T11:00:00Z';
const T2 = '2024-05-01T12:00:00Z';

type Obj = Record<string, any>;

function deployment(spec: Obj, meta: Obj = {}): Obj {
  return { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'default', ...meta }, spec };
}

/** The object as stored after a write: with uid and the managedFields just computed. */
function stored(obj: Obj, managedFields: ManagedFieldsEntry[]): Obj {
  const out = structuredClone(obj);
  out.metadata.uid ??= 'uid-1';
  if (managedFields.length) out.metadata.managedFields = managedFields; else delete out.metadata.managedFields;
  return out;
}

function update(old: Obj | undefined, updated: Obj, manager: string, now: string, extra: Obj = {}): ManagedFieldsEntry[] {
  return updateManagedFields({ old, updated, manager, operation: 'Update', now, schema: model, rootType: ROOT, ...extra });
}

function apply(live: Obj | undefined, applied: Obj, manager: string, now: string, extra: Obj = {}) {
  return applyPatch({ live, applied, manager, force: false, now, schema: model, rootType: ROOT, apiVersion: 'apps/v1', ...extra });
}

/** Each entry as "manager/operation[/subresource]" → the paths it owns, upstream-printed. */
function owners(entries: ManagedFieldsEntry[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const e of entries) out[[e.manager, e.operation, e.subresource].filter(Boolean).join('/')] = fieldsV1Paths(e.fieldsV1);
  return out;
}

function conflictOf(fn: () => unknown): ApplyConflictError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ApplyConflictError, `expected an apply conflict, got ${err}`);
    return err;
  }
  assert.fail('expected an apply conflict');
}

// ---- field paths -----------------------------------------------------------------------------

test('path elements are written in FieldsV1 form and printed as upstream prints paths', () => {
  const cases: [string, string, string][] = [
    [fieldElement('replicas'), 'f:replicas', '.replicas'],
    [keyElement([['name', 'web']]), 'k:{"name":"web"}', '[name="web"]'],
    [keyElement([['protocol', 'TCP'], ['containerPort', 80]]), 'k:{"containerPort":80,"protocol":"TCP"}', '[containerPort=80,protocol="TCP"]'],
    [valueElement('foregroundDeletion'), 'v:"foregroundDeletion"', '[="foregroundDeletion"]'],
    [valueElement(8080), 'v:8080', '[=8080]'],
    [indexElement(2), 'i:2', '[2]'],
    [keyElement([['name', 'a<b']]), 'k:{"name":"a\\u003cb"}', '[name="a<b"]'],
  ];
  for (const [element, written, printed] of cases) {
    assert.equal(element, written);
    assert.equal(pathString([element]), printed);
  }
  assert.equal(pathString(['f:spec', 'f:template', 'f:spec', 'f:containers', 'k:{"name":"web"}', 'f:image']),
    '.spec.template.spec.containers[name="web"].image');
  assert.equal(canonicalElement('k:{"protocol":"UDP","containerPort":53}'), 'k:{"containerPort":53,"protocol":"UDP"}');
  // Fields sort before keys, keys before values, values before indexes; numbers compare as numbers.
  const sorted = ['i:1', 'v:"a"', 'k:{"port":10}', 'f:b', 'k:{"port":9}', 'f:a'].sort(compareElements);
  assert.deepEqual(sorted, ['f:a', 'f:b', 'k:{"port":9}', 'k:{"port":10}', 'v:"a"', 'i:1']);
});

test('FieldsV1 marks a member that also has children with "." and reads back the same set', () => {
  const set = FieldSet.of(
    ['f:metadata', 'f:labels'], ['f:metadata', 'f:labels', 'f:app'],
    ['f:spec', 'f:containers', 'k:{"name":"web"}'], ['f:spec', 'f:containers', 'k:{"name":"web"}', 'f:image'],
    ['f:spec', 'f:replicas'],
  );
  const doc = set.toFieldsV1();
  assert.equal(JSON.stringify(doc),
    '{"f:metadata":{"f:labels":{".":{},"f:app":{}}},"f:spec":{"f:containers":{"k:{\\"name\\":\\"web\\"}":{".":{},"f:image":{}}},"f:replicas":{}}}');
  assert.deepEqual(FieldSet.fromFieldsV1(doc).paths(), set.paths());
  // Client-written keys are canonicalised; unknown element types are dropped; malformed ones rejected.
  const read = FieldSet.fromFieldsV1({ 'k:{"protocol":"TCP","containerPort":80}': {}, 'x:future': {} });
  assert.deepEqual(read.paths(), [['k:{"containerPort":80,"protocol":"TCP"}']]);
  assert.throws(() => FieldSet.fromFieldsV1({ 'k:not json': {} }));
});

test('field set operations', () => {
  const a = FieldSet.of(['f:a'], ['f:b', 'f:c'], ['f:b', 'f:d']);
  const b = FieldSet.of(['f:b'], ['f:b', 'f:c']);
  assert.deepEqual(a.difference(b).paths(), [['f:a'], ['f:b', 'f:d']]);
  assert.deepEqual(a.recursiveDifference(b).paths(), [['f:a']]);
  assert.deepEqual(a.intersection(b).paths(), [['f:b', 'f:c']]);
  assert.deepEqual(a.union(b).paths(), [['f:a'], ['f:b'], ['f:b', 'f:c'], ['f:b', 'f:d']]);
  assert.ok(a.has(['f:b', 'f:c']) && !a.has(['f:b']));
  assert.ok(new FieldSet().isEmpty() && !a.isEmpty());
});

// ---- ordinary writes -------------------------------------------------------------------------

const webContainer = { name: 'web', image: 'nginx:1', ports: [{ containerPort: 80, protocol: 'TCP' }] };
const created = deployment({
  replicas: 1,
  selector: { matchLabels: { app: 'web' } },
  strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%' } },
  template: { metadata: { labels: { app: 'web' } }, spec: { containers: [webContainer], restartPolicy: 'Always' } },
}, { labels: { app: 'web' }, finalizers: ['example.com/keep'] });

test('create: the creating manager owns every field it set, in upstream FieldsV1 form', () => {
  const entries = update(undefined, created, 'kubectl-create', T0);
  assert.equal(entries.length, 1);
  const [e] = entries;
  assert.deepEqual({ ...e, fieldsV1: undefined }, {
    manager: 'kubectl-create', operation: 'Update', apiVersion: 'apps/v1', time: T0, fieldsType: 'FieldsV1', fieldsV1: undefined,
  });
  assert.deepEqual(e.fieldsV1, {
    'f:metadata': {
      'f:finalizers': { '.': {}, 'v:"example.com/keep"': {} },
      'f:labels': { '.': {}, 'f:app': {} },
    },
    'f:spec': {
      'f:replicas': {},
      'f:selector': {},
      'f:strategy': { 'f:rollingUpdate': { '.': {}, 'f:maxSurge': {} }, 'f:type': {} },
      'f:template': {
        'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } },
        'f:spec': {
          'f:containers': {
            'k:{"name":"web"}': {
              '.': {}, 'f:image': {}, 'f:name': {},
              'f:ports': { '.': {}, 'k:{"containerPort":80,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {}, 'f:protocol': {} } },
            },
          },
          'f:restartPolicy': {},
        },
      },
    },
  });
  // Identity and bookkeeping fields are never owned.
  for (const p of fieldsV1Paths(e.fieldsV1)) assert.ok(!/^\.(apiVersion|kind|metadata\.(name|namespace|uid))$/.test(p), p);
});

test('create: objects that differ only in a generated token volume name get their own name in FieldsV1', () => {
  // Containers stand in for pod volumes: both are lists keyed by name.
  const withNames = (...names: string[]) => deployment({
    replicas: 1,
    template: { spec: { containers: names.map((name) => ({ name, image: 'nginx' })) } },
  });
  // A walk with no cached shape to reuse: resetFields is part of the shape's key ("status" is unset here).
  const walked = (obj: Obj) => update(undefined, obj, 'm', T0, { resetFields: ['status', `x${Math.random()}`] });
  const cases: string[][] = [
    ['web', 'kube-api-access-abcde'],
    ['web', 'kube-api-access-zz9y1'], // same shape once the name is set aside: reuses the entry above
    ['kube-api-access-0a1b2', 'zeta'], // the generated name sorts first here either way
    ['web', 'kube-api-access-abcde', 'x-kube-api-access-abcde'], // the prefix elsewhere: no reuse
    ['web', 'kube-api-access-qqqqq', 'kube-api-access-rrrrr'], // two generated names: no reuse
    ['web', 'kube-api-access-toolong1'], // not a generated name
  ];
  for (const names of cases) {
    const obj = withNames(...names);
    const cached = update(undefined, obj, 'm', T0);
    assert.deepEqual(cached, walked(obj), names.join(','));
    const keys = Object.keys((cached[0].fieldsV1 as Obj)['f:spec']['f:template']['f:spec']['f:containers']);
    assert.deepEqual(keys.sort(), names.map((n) => `k:{"name":"${n}"}`).sort(), names.join(','));
  }
});

test('update: the fields a write changes move to its manager', () => {
  const v1 = stored(created, update(undefined, created, 'kubectl-create', T0));
  const cases: Array<{ name: string; change: (o: Obj) => void; manager: string; expect: Record<string, string[] | undefined> }> = [
    {
      name: 'scaling takes .spec.replicas',
      change: (o) => { o.spec.replicas = 3; },
      manager: 'kubectl-scale',
      expect: { 'kubectl-scale/Update': ['.spec.replicas'] },
    },
    {
      name: 'a new label and a changed image',
      change: (o) => { o.metadata.labels.tier = 'fe'; o.spec.template.spec.containers[0].image = 'nginx:2'; },
      manager: 'editor',
      expect: { 'editor/Update': ['.metadata.labels.tier', '.spec.template.spec.containers[name="web"].image'] },
    },
    {
      name: 'a new container is owned with its fields',
      change: (o) => { o.spec.template.spec.containers.push({ name: 'sidecar', image: 'busybox' }); },
      manager: 'injector',
      expect: {
        'injector/Update': [
          '.spec.template.spec.containers[name="sidecar"]',
          '.spec.template.spec.containers[name="sidecar"].image',
          '.spec.template.spec.containers[name="sidecar"].name',
        ],
      },
    },
    {
      name: 'a no-op write records nothing',
      change: () => {},
      manager: 'noop',
      expect: { 'noop/Update': undefined },
    },
  ];
  for (const c of cases) {
    const next = structuredClone(v1);
    c.change(next);
    const entries = update(v1, next, c.manager, T1);
    const got = owners(entries);
    for (const [who, paths] of Object.entries(c.expect)) assert.deepEqual(got[who], paths, `${c.name}: ${who}`);
    // The creator lost exactly what the writer took, and kept its original time.
    const creator = entries.find((e) => e.manager === 'kubectl-create')!;
    assert.equal(creator.time, T0, c.name);
    const taken = Object.values(c.expect).flat().filter(Boolean);
    for (const p of taken) assert.ok(!got['kubectl-create/Update'].includes(p!), `${c.name}: creator still owns ${p}`);
    const writer = entries.find((e) => e.manager === c.manager);
    if (writer) assert.equal(writer.time, T1);
  }
});

test('update: an entry left without fields is dropped; removed fields leave every owner', () => {
  const base = deployment({ replicas: 1 }, { labels: { app: 'web' } });
  const v1 = stored(base, update(undefined, base, 'creator', T0));
  const v2obj = structuredClone(v1);
  v2obj.spec.replicas = 2;
  const v2 = stored(v2obj, update(v1, v2obj, 'scaler', T1));
  assert.deepEqual(owners(v2.metadata.managedFields), {
    'creator/Update': ['.metadata.labels', '.metadata.labels.app'],
    'scaler/Update': ['.spec.replicas'],
  });
  // Another scaler takes replicas: the first scaler owned nothing else and disappears.
  const v3obj = structuredClone(v2);
  v3obj.spec.replicas = 5;
  const v3 = update(v2, v3obj, 'autoscaler', T2);
  assert.deepEqual(Object.keys(owners(v3)), ['creator/Update', 'autoscaler/Update']);
  // Deleting the label takes it from its owner without giving anything to the writer.
  const v4obj = structuredClone(v2);
  delete v4obj.metadata.labels;
  assert.deepEqual(owners(update(v2, v4obj, 'cleaner', T2)), { 'scaler/Update': ['.spec.replicas'] });
});

test('update: entries are ordered Apply first, then by time, then by manager', () => {
  const base = deployment({ replicas: 1 });
  let obj = stored(base, update(undefined, base, 'zeta', T0));
  const edits: Array<[string, string, (o: Obj) => void]> = [
    ['alpha', T2, (o) => { o.metadata.labels = { a: '1' }; }],
    ['beta', T1, (o) => { o.metadata.annotations = { b: '1' }; }],
  ];
  for (const [manager, time, edit] of edits) {
    const next = structuredClone(obj);
    edit(next);
    obj = stored(next, update(obj, next, manager, time));
  }
  const applied = apply(obj, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { paused: true } }, 'applier', T0);
  assert.deepEqual(applied.managedFields.map((e) => `${e.operation}:${e.manager}`), ['Apply:applier', 'Update:zeta', 'Update:beta', 'Update:alpha']);
});

test('update: requests may reset or rewrite managedFields; existing untracked objects stay untracked', () => {
  const v1 = stored(created, update(undefined, created, 'kubectl-create', T0));
  const changed = structuredClone(v1);
  changed.spec.replicas = 4;
  const cases: Array<[string, unknown, string[]]> = [
    ['[] wipes them', [], []],
    ['[{}] wipes them', [{}], []],
    ['absent keeps the stored ones', undefined, ['kubectl-create/Update', 'scaler/Update']],
    ['garbage falls back to the stored ones', [{ manager: 'x', operation: 'Bogus' }], ['kubectl-create/Update', 'scaler/Update']],
    ['new entries replace them', [{ manager: 'kubectl', operation: 'Apply', apiVersion: 'apps/v1', fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': { 'f:paused': {} } } }],
      ['kubectl/Apply', 'scaler/Update']],
  ];
  for (const [name, requested, expected] of cases) {
    const body = structuredClone(changed);
    if (requested === undefined) delete body.metadata.managedFields; else body.metadata.managedFields = requested;
    assert.deepEqual(Object.keys(owners(update(v1, body, 'scaler', T1))), expected, name);
  }
  const untracked = structuredClone(created);
  untracked.metadata.uid = 'uid-1';
  const next = structuredClone(untracked);
  next.spec.replicas = 9;
  assert.deepEqual(update(untracked, next, 'scaler', T1), []);
});

test('update: status writes are recorded under subresource "status"; reset fields are not owned', () => {
  const v1 = stored(created, update(undefined, created, 'kubectl-create', T0));
  const withStatus = structuredClone(v1);
  withStatus.status = { replicas: 1, observedGeneration: 1 };
  // A /status write ignores managedFields in the body.
  withStatus.metadata.managedFields = [];
  const entries = update(v1, withStatus, 'kube-controller-manager', T1, { subresource: 'status' });
  const e = entries.find((x) => x.manager === 'kube-controller-manager')!;
  assert.equal(e.subresource, 'status');
  assert.deepEqual(fieldsV1Paths(e.fieldsV1), ['.status.observedGeneration', '.status.replicas']);
  assert.equal(entries.length, 2);
  // The main resource of a kind with /status does not own status.
  const main = update(v1, { ...structuredClone(withStatus), metadata: v1.metadata }, 'someone', T1, { resetFields: ['status'] });
  assert.equal(main.find((x) => x.manager === 'someone'), undefined);
});

test('update: an object that does not fit the schema gets no managedFields', () => {
  const bad = deployment({ template: { spec: { containers: [{ image: 'no-name' }] } } });
  assert.deepEqual(update(undefined, bad, 'kubectl-create', T0), []);
});

test('update: at most ten update managers; the oldest merge into "ancient-changes"', () => {
  let obj = stored(deployment({ replicas: 0 }), []);
  obj = stored(obj, update(undefined, obj, 'm00', '2024-01-01T00:00:00Z'));
  for (let i = 1; i <= 11; i++) {
    const next = structuredClone(obj);
    next.metadata.labels = { ...(next.metadata.labels ?? {}), [`l${i}`]: 'x' };
    obj = stored(next, update(obj, next, `m${String(i).padStart(2, '0')}`, `2024-01-01T00:00:${String(i).padStart(2, '0')}Z`));
  }
  const names = obj.metadata.managedFields.map((e: ManagedFieldsEntry) => e.manager);
  assert.equal(names.length, 10);
  assert.ok(names.includes('ancient-changes'));
  assert.ok(!names.includes('m00') && !names.includes('m01') && !names.includes('m02'));
  const ancient = obj.metadata.managedFields.find((e: ManagedFieldsEntry) => e.manager === 'ancient-changes');
  // m00 created the object, m01 added the labels map itself, m02 one more label.
  assert.deepEqual(fieldsV1Paths(ancient.fieldsV1), ['.metadata.labels', '.metadata.labels.l1', '.metadata.labels.l2', '.spec.replicas']);
  assert.equal(ancient.time, '2024-01-01T00:00:02Z');
});

// ---- server-side apply -----------------------------------------------------------------------

const config = (spec: Obj, meta: Obj = {}) => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', ...meta }, spec });

test('apply creates the object; the Apply entry is exactly the applied fields', () => {
  const cfg = config({ replicas: 2, template: { spec: { containers: [{ name: 'web', image: 'nginx:1', ports: [{ containerPort: 80 }] }] } } }, { labels: { app: 'web' } });
  const { object, managedFields } = apply(undefined, cfg, 'kubectl', T0);
  assert.deepEqual(object, { ...cfg, metadata: { ...cfg.metadata, managedFields } });
  assert.deepEqual(managedFields, [{
    manager: 'kubectl', operation: 'Apply', apiVersion: 'apps/v1', time: T0, fieldsType: 'FieldsV1',
    fieldsV1: {
      'f:metadata': { 'f:labels': { 'f:app': {} } },
      'f:spec': {
        'f:replicas': {},
        'f:template': { 'f:spec': { 'f:containers': { 'k:{"name":"web"}': {
          '.': {}, 'f:image': {}, 'f:name': {},
          // The port's protocol key comes from the schema default.
          'f:ports': { 'k:{"containerPort":80,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {} } },
        } } } },
      },
    },
  }]);
});

test('apply: fields dropped from the configuration are removed unless another manager owns them', () => {
  const first = config({ replicas: 2, paused: true, template: { spec: { restartPolicy: 'Always', containers: [{ name: 'web', image: 'nginx:1', args: ['-v'] }] } } }, { labels: { app: 'web', tier: 'fe' } });
  const v1 = apply(undefined, first, 'kubectl', T0).object as Obj;
  // Another applier shares .spec.paused; an updater takes the tier label by changing it.
  const v2 = apply(v1, config({ paused: true }), 'other-applier', T1).object as Obj;
  const v3obj = structuredClone(v2);
  v3obj.metadata.labels.tier = 'backend';
  const v3 = stored(v3obj, update(v2, v3obj, 'labeler', T1));

  const second = config({ template: { spec: { containers: [{ name: 'web', image: 'nginx:1' }] } } }, { labels: { app: 'web' } });
  const { object } = apply(v3, second, 'kubectl', T2) as { object: Obj };
  assert.equal(object.spec.replicas, undefined, 'sole owner dropped it: removed');
  assert.equal(object.spec.paused, true, 'another applier owns it: kept');
  assert.equal(object.metadata.labels.tier, 'backend', 'an updater owns it: kept');
  assert.equal(object.spec.template.spec.restartPolicy, undefined);
  assert.equal(object.spec.template.spec.containers[0].args, undefined, 'an atomic list is removed whole');
  assert.deepEqual(object.metadata.labels, { app: 'web', tier: 'backend' });
});

test('apply: associative lists merge by key, keep other managers\' items and follow the configuration\'s order', () => {
  const v1 = apply(undefined, config({ template: { spec: { containers: [
    { name: 'web', image: 'nginx:1', env: [{ name: 'A', value: '1' }] },
    { name: 'log', image: 'fluent:1' },
  ] } } }), 'kubectl', T0).object as Obj;
  // A mutating controller adds a sidecar and an env var to web.
  const v2obj = structuredClone(v1);
  v2obj.spec.template.spec.containers.splice(1, 0, { name: 'proxy', image: 'envoy' });
  v2obj.spec.template.spec.containers[0].env.push({ name: 'INJECTED', value: 'yes' });
  const v2 = stored(v2obj, update(v1, v2obj, 'injector', T1));

  // The applier changes web's image, drops the log container and its env var A.
  const { object, managedFields } = apply(v2, config({ template: { spec: { containers: [{ name: 'web', image: 'nginx:2' }] } } }), 'kubectl', T2) as { object: Obj; managedFields: ManagedFieldsEntry[] };
  assert.deepEqual(object.spec.template.spec.containers, [
    { name: 'web', image: 'nginx:2', env: [{ name: 'INJECTED', value: 'yes' }] },
    { name: 'proxy', image: 'envoy' },
  ]);
  assert.deepEqual(owners(managedFields)['kubectl/Apply'], [
    '.spec.template.spec.containers[name="web"]',
    '.spec.template.spec.containers[name="web"].image',
    '.spec.template.spec.containers[name="web"].name',
  ]);
});

test('apply: reordering shared items follows the configuration, other items keep their place', () => {
  const names = (o: Obj) => o.spec.template.spec.containers.map((c: Obj) => c.name);
  const v1 = apply(undefined, config({ template: { spec: { containers: [{ name: 'a' }, { name: 'b' }] } } }), 'kubectl', T0).object as Obj;
  const v2obj = structuredClone(v1);
  v2obj.spec.template.spec.containers.splice(1, 0, { name: 'x' });
  const v2 = stored(v2obj, update(v1, v2obj, 'injector', T1));
  const cases: Array<[string[], string[]]> = [
    [['b', 'a'], ['x', 'b', 'a']],
    [['a', 'b'], ['a', 'x', 'b']],
    [['c', 'a', 'b'], ['c', 'a', 'x', 'b']],
    [['a', 'c', 'b'], ['a', 'x', 'c', 'b']],
  ];
  for (const [applied, expected] of cases) {
    const cfg = config({ template: { spec: { containers: applied.map((name) => ({ name })) } } });
    assert.deepEqual(names(apply(v2, cfg, 'kubectl', T2).object as Obj), expected, applied.join(','));
  }
});

test('apply: ports are one item per containerPort and protocol', () => {
  const ports = (o: Obj) => o.spec.template.spec.containers[0].ports;
  const v1 = apply(undefined, config({ template: { spec: { containers: [{ name: 'dns', ports: [
    { containerPort: 53, protocol: 'UDP', name: 'dns' }, { containerPort: 53, name: 'dns-tcp' },
  ] }] } } }), 'kubectl', T0).object as Obj;
  // Defaulting fills in the protocol nobody applied.
  ports(v1)[1].protocol = 'TCP';
  // Naming the TCP port without its protocol (the default) updates that item, not a new one.
  const v2 = apply(v1, config({ template: { spec: { containers: [{ name: 'dns', ports: [
    { containerPort: 53, protocol: 'UDP', name: 'dns' }, { containerPort: 53, name: 'tcp' },
  ] }] } } }), 'kubectl', T1).object as Obj;
  assert.deepEqual(ports(v2), [{ containerPort: 53, protocol: 'UDP', name: 'dns' }, { containerPort: 53, name: 'tcp', protocol: 'TCP' }]);
  // Dropping the UDP item removes it; the TCP item stays.
  const v3 = apply(v2, config({ template: { spec: { containers: [{ name: 'dns', ports: [{ containerPort: 53, name: 'tcp' }] }] } } }), 'kubectl', T2).object as Obj;
  assert.deepEqual(ports(v3), [{ containerPort: 53, name: 'tcp', protocol: 'TCP' }]);
});

test('apply: atomic maps and lists are replaced whole; sets merge by value', () => {
  const v1 = apply(undefined, config({ selector: { matchLabels: { a: '1', b: '2' } }, template: { spec: { nodeSelector: { zone: 'a', disk: 'ssd' } } } }, { finalizers: ['x/one'] }), 'kubectl', T0).object as Obj;
  const v2obj = structuredClone(v1);
  v2obj.metadata.finalizers.push('x/two');
  const v2 = stored(v2obj, update(v1, v2obj, 'controller', T1));
  const { object, managedFields } = apply(v2, config({ selector: { matchLabels: { a: '1' } }, template: { spec: { nodeSelector: { zone: 'b' } } } }, { finalizers: ['x/three'] }), 'kubectl', T2, { force: true }) as { object: Obj; managedFields: ManagedFieldsEntry[] };
  assert.deepEqual(object.spec.selector, { matchLabels: { a: '1' } });
  assert.deepEqual(object.spec.template.spec.nodeSelector, { zone: 'b' });
  assert.deepEqual(object.metadata.finalizers, ['x/two', 'x/three']);
  assert.deepEqual(owners(managedFields)['kubectl/Apply'], [
    '.metadata.finalizers[="x/three"]', '.spec.selector', '.spec.template.spec.nodeSelector',
  ]);
});

test('apply: conflicts name the owner and the fields exactly as upstream', () => {
  const v1 = stored(created, update(undefined, created, 'kubectl-client-side-apply', T0));
  const cases: Array<{ name: string; cfg: Obj; manager?: string; message: string }> = [
    {
      name: 'one field',
      cfg: config({ replicas: 3 }),
      message: 'Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1: .spec.replicas',
    },
    {
      name: 'two fields of one manager',
      cfg: config({ replicas: 3, template: { spec: { containers: [{ name: 'web', image: 'nginx:2' }] } } }),
      message: 'Apply failed with 2 conflicts: conflicts with "kubectl-client-side-apply" using apps/v1:\n- .spec.replicas\n- .spec.template.spec.containers[name="web"].image',
    },
    {
      name: 'the same values do not conflict',
      cfg: config({ replicas: 1, template: { spec: { containers: [{ name: 'web', image: 'nginx:1' }] } } }),
      message: '',
    },
  ];
  for (const c of cases) {
    if (!c.message) { assert.doesNotThrow(() => apply(v1, c.cfg, 'my-applier', T1), c.name); continue; }
    const err = conflictOf(() => apply(v1, c.cfg, 'my-applier', T1));
    assert.equal(err.message, c.message, c.name);
    assert.equal(err.code, 409);
    assert.equal(err.reason, 'Conflict');
  }
  const err = conflictOf(() => apply(v1, config({ replicas: 3 }), 'my-applier', T1));
  assert.deepEqual(err.toStatus().details, {
    causes: [{ reason: 'FieldManagerConflict', message: 'conflict with "kubectl-client-side-apply" using apps/v1', field: '.spec.replicas' }],
  });
  assert.deepEqual(err.conflicts, [{ manager: 'kubectl-client-side-apply', operation: 'Update', apiVersion: 'apps/v1', field: '.spec.replicas' }]);
});

test('apply: shared values are co-owned; force moves ownership', () => {
  const v1 = apply(undefined, config({ replicas: 1, paused: false }), 'team-a', T0).object as Obj;
  // Team B applies the same replicas: no conflict, both own it.
  const v2 = apply(v1, config({ replicas: 1 }), 'team-b', T1).object as Obj;
  assert.deepEqual(owners(v2.metadata.managedFields), { 'team-a/Apply': ['.spec.paused', '.spec.replicas'], 'team-b/Apply': ['.spec.replicas'] });
  // Changing it conflicts with team A only (team B also applies it); the message has no "using" for appliers.
  const err = conflictOf(() => apply(v2, config({ replicas: 5 }), 'team-c', T2));
  assert.equal(err.message, 'Apply failed with 2 conflicts: conflicts with "team-a":\n- .spec.replicas\nconflicts with "team-b":\n- .spec.replicas');
  // Forced, team C takes it from both; team B owned nothing else and is gone.
  const forced = apply(v2, config({ replicas: 5 }), 'team-c', T2, { force: true });
  assert.equal((forced.object as Obj).spec.replicas, 5);
  assert.deepEqual(owners(forced.managedFields), { 'team-a/Apply': ['.spec.paused'], 'team-c/Apply': ['.spec.replicas'] });
  // Team A re-applying its old configuration now conflicts with team C.
  assert.equal(conflictOf(() => apply(forced.object as Obj, config({ replicas: 1, paused: false }), 'team-a', T2)).message,
    'Apply failed with 1 conflict: conflict with "team-c": .spec.replicas');
});

test('apply: updates after an apply take fields from the applier, which then conflicts', () => {
  const v1 = apply(undefined, config({ replicas: 1 }), 'kubectl', T0).object as Obj;
  const v2obj = structuredClone(v1);
  v2obj.spec.replicas = 7;
  const v2 = stored(v2obj, update(v1, v2obj, 'kube-controller-manager', T1, { subresource: 'scale' }));
  assert.equal(conflictOf(() => apply(v2, config({ replicas: 1 }), 'kubectl-applier', T2)).message,
    'Apply failed with 1 conflict: conflict with "kube-controller-manager" with subresource "scale" using apps/v1: .spec.replicas');
  // The applier lost replicas, so leaving it out no longer removes it.
  assert.equal((apply(v2, config({ paused: true }), 'kubectl', T2).object as Obj).spec.replicas, 7);
});

test('apply: objects without managedFields give their fields to "before-first-apply"', () => {
  const live = { ...structuredClone(created), metadata: { ...created.metadata, uid: 'u' } };
  const err = conflictOf(() => apply(live, config({ replicas: 4 }), 'kubectl', T1));
  assert.equal(err.message, 'Apply failed with 1 conflict: conflict with "before-first-apply" using apps/v1: .spec.replicas');
  const { managedFields } = apply(live, config({ paused: true }), 'kubectl', T1);
  assert.deepEqual(managedFields.map((e) => `${e.manager}/${e.operation}/${e.time}`), ['kubectl/Apply/' + T1, 'before-first-apply/Update/' + T1]);
});

test('apply: a re-apply that changes nothing keeps the entry time', () => {
  const cfg = config({ replicas: 2 });
  const v1 = apply(undefined, cfg, 'kubectl', T0).object as Obj;
  assert.equal(apply(v1, cfg, 'kubectl', T1).managedFields[0].time, T0);
  assert.equal(apply(v1, config({ replicas: 3 }), 'kubectl', T1).managedFields[0].time, T1);
});

test('apply: kubectl taking over from client-side apply', () => {
  // `kubectl apply` (client-side) created the object and recorded what it applied.
  const csaConfig = config({ replicas: 1, template: { spec: { containers: [{ name: 'web', image: 'nginx:1' }] } } });
  const annotated = deployment(csaConfig.spec, { annotations: { [LAST_APPLIED_ANNOTATION]: JSON.stringify(csaConfig) + '\n' } });
  const v1 = stored(annotated, update(undefined, annotated, 'kubectl-client-side-apply', T0));
  const ssaConfig = config({ replicas: 3, template: { spec: { containers: [{ name: 'web', image: 'nginx:2' }] } } });

  // kubectl may override the fields it applied client-side; the annotation follows the new configuration.
  const { object, managedFields } = apply(v1, ssaConfig, 'kubectl', T1) as { object: Obj; managedFields: ManagedFieldsEntry[] };
  assert.equal(object.spec.replicas, 3);
  assert.equal(object.metadata.annotations[LAST_APPLIED_ANNOTATION],
    '{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web"},"spec":{"replicas":3,"template":{"spec":{"containers":[{"image":"nginx:2","name":"web"}]}}}}\n');
  assert.ok(!owners(managedFields)['kubectl-client-side-apply/Update'].includes('.spec.replicas'));
  // Any other manager name still conflicts.
  assert.equal(conflictOf(() => apply(v1, ssaConfig, 'other', T1)).conflicts.length, 2);
  // A field changed since the client-side apply is not kubectl's to take.
  const scaledObj = structuredClone(v1);
  scaledObj.spec.replicas = 5;
  const scaled = stored(scaledObj, update(v1, scaledObj, 'kubectl-scale', T1));
  assert.equal(conflictOf(() => apply(scaled, ssaConfig, 'kubectl', T2)).message,
    'Apply failed with 1 conflict: conflict with "kubectl-scale" using apps/v1: .spec.replicas');
  // Forcing works for both.
  assert.equal((apply(scaled, ssaConfig, 'kubectl', T2, { force: true }).object as Obj).spec.replicas, 3);
});

test('apply rejects configurations upstream rejects', () => {
  const cases: Array<[string, Obj, number, string]> = [
    ['managedFields', { ...config({}), metadata: { name: 'web', managedFields: [] } }, 400, 'metadata.managedFields must be nil'],
    ['wrong version', { ...config({}), apiVersion: 'apps/v1beta1' }, 400, 'Incorrect version specified in apply patch. Specified patch version: apps/v1beta1, expected: apps/v1'],
    ['no version', { kind: 'Deployment', metadata: { name: 'web' } }, 400, 'Incorrect version specified in apply patch. Specified patch version: , expected: apps/v1'],
    ['list item without its key', config({ template: { spec: { containers: [{ image: 'x' }] } } }), 500,
      'failed to create typed patch object (/web; apps/v1, Kind=Deployment): .spec.template.spec.containers: element 0: associative list with keys has an element that omits key field "name" (and doesn\'t have default value)'],
  ];
  for (const [name, cfg, code, message] of cases) {
    assert.throws(() => apply(undefined, cfg, 'kubectl', T0), (err: unknown) => {
      assert.ok(err instanceof ApiError, name);
      assert.equal(err.code, code, name);
      assert.equal(err.message, message, name);
      return true;
    });
  }
});

test('conflictStatusMessage groups conflicts by manager, sorted', () => {
  const c = (manager: string, field: string, extra: Partial<ApplyConflict> = {}): ApplyConflict =>
    ({ manager, operation: 'Update', apiVersion: 'v1', field, ...extra });
  const cases: Array<[ApplyConflict[], string]> = [
    [[c('kubectl-edit', '.data.a')], 'Apply failed with 1 conflict: conflict with "kubectl-edit" using v1: .data.a'],
    [[c('x', '.data.a', { operation: 'Apply' })], 'Apply failed with 1 conflict: conflict with "x": .data.a'],
    [[c('kubelet', '.status.phase', { subresource: 'status' })], 'Apply failed with 1 conflict: conflict with "kubelet" with subresource "status" using v1: .status.phase'],
    [[c('zed', '.data.b'), c('abe', '.data.a'), c('zed', '.data.c')],
      'Apply failed with 3 conflicts: conflicts with "abe" using v1:\n- .data.a\nconflicts with "zed" using v1:\n- .data.b\n- .data.c'],
  ];
  for (const [conflicts, message] of cases) assert.equal(conflictStatusMessage(conflicts), message);
});

test('managerFromUserAgent takes the User-Agent up to its first slash', () => {
  const cases: Array<[string, string]> = [
    ['kubectl/v1.32.0 (linux/amd64) kubernetes/70d3cc9', 'kubectl'],
    ['kube-controller-manager/v1.32.0 (linux/amd64) kubernetes/70d3cc9/system:serviceaccount:kube-system:deployment-controller', 'kube-controller-manager'],
    ['curl', 'curl'],
    ['bad\u0000agent/1', 'badagent'],
    ['x'.repeat(200), 'x'.repeat(128)],
  ];
  for (const [ua, manager] of cases) assert.equal(managerFromUserAgent(ua), manager);
});

// ---- the generated model of the built-in types -------------------------------------------------

const MODEL_FILE = new URL('../../.cache/openapi-model.json', import.meta.url);

test('with the generated model: kubectl create and apply of a Deployment look as upstream', { skip: !existsSync(MODEL_FILE) }, async () => {
  const { loadSchemaModel } = await import('../api/openapi/load-model.ts');
  const schema = loadSchemaModel();
  const rootType = 'io.k8s.api.apps.v1.Deployment';
  // What the API server stores for `kubectl create deployment web --image=nginx --port=80` after defaulting.
  const obj: Obj = deployment({
    replicas: 1, selector: { matchLabels: { app: 'web' } }, progressDeadlineSeconds: 600, revisionHistoryLimit: 10,
    strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
    template: {
      metadata: { labels: { app: 'web' } },
      spec: {
        containers: [{ name: 'nginx', image: 'nginx', ports: [{ containerPort: 80, protocol: 'TCP' }], resources: {},
          terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File', imagePullPolicy: 'Always' }],
        dnsPolicy: 'ClusterFirst', restartPolicy: 'Always', schedulerName: 'default-scheduler', securityContext: {}, terminationGracePeriodSeconds: 30,
      },
    },
  }, { labels: { app: 'web' } });
  const [entry] = updateManagedFields({ old: undefined, updated: obj, manager: 'kubectl-create', operation: 'Update', now: T0, schema, rootType });
  assert.deepEqual(entry.fieldsV1, {
    'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } },
    'f:spec': {
      'f:progressDeadlineSeconds': {}, 'f:replicas': {}, 'f:revisionHistoryLimit': {}, 'f:selector': {},
      'f:strategy': { 'f:rollingUpdate': { '.': {}, 'f:maxSurge': {}, 'f:maxUnavailable': {} }, 'f:type': {} },
      'f:template': {
        'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } },
        'f:spec': {
          'f:containers': {
            'k:{"name":"nginx"}': {
              '.': {}, 'f:image': {}, 'f:imagePullPolicy': {}, 'f:name': {},
              'f:ports': { '.': {}, 'k:{"containerPort":80,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {}, 'f:protocol': {} } },
              'f:resources': {}, 'f:terminationMessagePath': {}, 'f:terminationMessagePolicy': {},
            },
          },
          'f:dnsPolicy': {}, 'f:restartPolicy': {}, 'f:schedulerName': {}, 'f:securityContext': {}, 'f:terminationGracePeriodSeconds': {},
        },
      },
    },
  });
  const live = stored(obj, [entry]);
  const applied = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { replicas: 3, template: { spec: { containers: [{ name: 'nginx', image: 'nginx:1.27' }] } } } };
  const err = conflictOf(() => applyPatch({ live, applied, manager: 'kubectl', force: false, now: T1, schema, rootType, apiVersion: 'apps/v1' }));
  assert.equal(err.message, 'Apply failed with 2 conflicts: conflicts with "kubectl-create" using apps/v1:\n- .spec.replicas\n- .spec.template.spec.containers[name="nginx"].image');
  const forced = applyPatch({ live, applied, manager: 'kubectl', force: true, now: T1, schema, rootType, apiVersion: 'apps/v1' });
  const o = forced.object as Obj;
  assert.equal(o.spec.replicas, 3);
  assert.equal(o.spec.template.spec.containers[0].image, 'nginx:1.27');
  assert.equal(o.spec.template.spec.containers[0].terminationMessagePath, '/dev/termination-log');
  assert.deepEqual(forced.managedFields.map((e) => e.manager), ['kubectl', 'kubectl-create']);
});

test('with the generated model: a port without protocol is keyed with the default TCP', { skip: !existsSync(MODEL_FILE) }, async () => {
  const { loadSchemaModel } = await import('../api/openapi/load-model.ts');
  const schema = loadSchemaModel();
  const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'nginx', ports: [{ containerPort: 8080 }] }] } };
  const { managedFields } = applyPatch({ live: undefined, applied: pod, manager: 'kubectl', force: false, now: T0, schema, rootType: 'io.k8s.api.core.v1.Pod', apiVersion: 'v1' });
  assert.ok(fieldsV1Paths(managedFields[0].fieldsV1).includes('.spec.containers[name="c"].ports[containerPort=8080,protocol="TCP"].containerPort'));
});

test('with the generated model: Service ports merge by port and protocol', { skip: !existsSync(MODEL_FILE) }, async () => {
  const { loadSchemaModel } = await import('../api/openapi/load-model.ts');
  const schema = loadSchemaModel();
  const svc = (ports: Obj[]) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'dns' }, spec: { selector: { app: 'dns' }, ports } });
  const opts = { manager: 'kubectl', force: false, schema, rootType: 'io.k8s.api.core.v1.Service', apiVersion: 'v1' };
  const v1 = applyPatch({ ...opts, live: undefined, applied: svc([{ port: 53, protocol: 'UDP' }, { port: 53, protocol: 'TCP' }]), now: T0 });
  // Upstream's order: a level's members, then its children.
  assert.deepEqual(fieldsV1Paths(v1.managedFields[0].fieldsV1), [
    '.spec.selector', '.spec.ports[port=53,protocol="TCP"]', '.spec.ports[port=53,protocol="UDP"]',
    '.spec.ports[port=53,protocol="TCP"].port', '.spec.ports[port=53,protocol="TCP"].protocol',
    '.spec.ports[port=53,protocol="UDP"].port', '.spec.ports[port=53,protocol="UDP"].protocol',
  ]);
  const v2 = applyPatch({ ...opts, live: v1.object, applied: svc([{ port: 53, protocol: 'UDP' }]), now: T1 });
  assert.deepEqual((v2.object as Obj).spec.ports, [{ port: 53, protocol: 'UDP' }]);
  // An atomic map (the selector) is replaced, not merged.
  const v3 = applyPatch({ ...opts, live: v2.object, applied: { ...svc([{ port: 53, protocol: 'UDP' }]), spec: { selector: { app: 'dns2' }, ports: [{ port: 53, protocol: 'UDP' }] } }, now: T1 });
  assert.deepEqual((v3.object as Obj).spec.selector, { app: 'dns2' });
});
