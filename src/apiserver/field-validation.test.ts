import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { Schema, SchemaModel } from '../api/openapi/model.ts';
import { pruneUnknownFields } from '../api/openapi/prune.ts';
import { SCHEMA_MODEL_PATH, loadSchemaModel } from '../api/openapi/load-model.ts';
import { findDuplicateKeys } from '../machinery/json-duplicates.ts';
import { applyMergePatch } from '../machinery/merge-patch.ts';
import { applyJsonPatch } from '../machinery/json-patch.ts';
import { ApiError } from '../machinery/errors.ts';
import {
  checkFields, checkPatchedFields, parseFieldValidation, warningHeaderValues, yamlDuplicateKeyLines,
  type FieldValidation,
} from './field-validation.ts';

// ---- a small hand-made model, shaped like the generated one ---------------------------------

const ref = (name: string): Schema => ({ $ref: `#/definitions/${name}` });
const str: Schema = { type: 'string' };
const int: Schema = { type: 'integer', format: 'int32' };
const bool: Schema = { type: 'boolean' };
const obj = (properties: Record<string, Schema>): Schema => ({ type: 'object', properties });
const mapOf = (values: Schema): Schema => ({ type: 'object', additionalProperties: values });
const listOf = (items: Schema): Schema => ({ type: 'array', items });
const typeMeta = { apiVersion: str, kind: str, metadata: ref('io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta') };

const MODEL: SchemaModel = {
  definitions: {
    'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta': obj({
      name: str, namespace: str, resourceVersion: str, labels: mapOf(str), annotations: mapOf(str),
      managedFields: listOf(ref('io.k8s.apimachinery.pkg.apis.meta.v1.ManagedFieldsEntry')),
    }),
    'io.k8s.apimachinery.pkg.apis.meta.v1.ManagedFieldsEntry': obj({
      manager: str, operation: str, fieldsType: str, fieldsV1: ref('io.k8s.apimachinery.pkg.apis.meta.v1.FieldsV1'),
    }),
    'io.k8s.apimachinery.pkg.apis.meta.v1.FieldsV1': { type: 'object' },
    'io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector': obj({ matchLabels: mapOf(str) }),
    'io.k8s.apimachinery.pkg.api.resource.Quantity': { type: 'string' },
    'io.k8s.apimachinery.pkg.util.intstr.IntOrString': { type: 'string', format: 'int-or-string', 'x-kubernetes-int-or-string': true },
    'io.k8s.apimachinery.pkg.runtime.RawExtension': { type: 'object' },
    'io.k8s.api.apps.v1.Deployment': obj({ ...typeMeta, spec: ref('io.k8s.api.apps.v1.DeploymentSpec'), status: obj({ replicas: int }) }),
    'io.k8s.api.apps.v1.DeploymentSpec': obj({
      replicas: int, paused: bool, selector: ref('io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector'),
      template: ref('io.k8s.api.core.v1.PodTemplateSpec'),
    }),
    'io.k8s.api.apps.v1.ControllerRevision': obj({ ...typeMeta, data: ref('io.k8s.apimachinery.pkg.runtime.RawExtension'), revision: int }),
    'io.k8s.api.core.v1.PodTemplateSpec': obj({ metadata: typeMeta.metadata, spec: ref('io.k8s.api.core.v1.PodSpec') }),
    'io.k8s.api.core.v1.Pod': obj({ ...typeMeta, spec: ref('io.k8s.api.core.v1.PodSpec') }),
    'io.k8s.api.core.v1.PodSpec': obj({
      containers: listOf(ref('io.k8s.api.core.v1.Container')), volumes: listOf(ref('io.k8s.api.core.v1.Volume')),
    }),
    'io.k8s.api.core.v1.Container': obj({
      name: str, image: str, imagePullPolicy: str,
      ports: listOf(ref('io.k8s.api.core.v1.ContainerPort')),
      resources: ref('io.k8s.api.core.v1.ResourceRequirements'),
      volumeMounts: listOf(obj({ name: str, mountPath: str })),
      livenessProbe: ref('io.k8s.api.core.v1.Probe'), readinessProbe: ref('io.k8s.api.core.v1.Probe'),
    }),
    'io.k8s.api.core.v1.ContainerPort': obj({ containerPort: int, name: str, protocol: str }),
    'io.k8s.api.core.v1.ResourceRequirements': obj({
      limits: mapOf(ref('io.k8s.apimachinery.pkg.api.resource.Quantity')),
      requests: mapOf(ref('io.k8s.apimachinery.pkg.api.resource.Quantity')),
    }),
    'io.k8s.api.core.v1.Probe': obj({
      httpGet: obj({ path: str, port: ref('io.k8s.apimachinery.pkg.util.intstr.IntOrString') }),
      initialDelaySeconds: int, timeoutSeconds: int, periodSeconds: int, failureThreshold: int,
    }),
    'io.k8s.api.core.v1.Volume': obj({ name: str, nfs: obj({ server: str, path: str, readOnly: bool }) }),
    'io.k8s.api.core.v1.ConfigMap': obj({ ...typeMeta, data: mapOf(str), binaryData: mapOf({ type: 'string', format: 'byte' }), immutable: bool }),
    // A definition without apiVersion/kind/metadata: the root still knows them.
    'io.k8s.api.example.v1.Bare': obj({ size: int }),
    // Free-form content and a recursive type.
    'io.k8s.api.example.v1.Free': obj({ ...typeMeta, spec: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } }),
    'io.k8s.api.example.v1.Tree': obj({ ...typeMeta, name: str, children: listOf(ref('io.k8s.api.example.v1.Tree')) }),
  },
};

const DEPLOYMENT = 'io.k8s.api.apps.v1.Deployment';
const POD = 'io.k8s.api.core.v1.Pod';
const CONFIGMAP = 'io.k8s.api.core.v1.ConfigMap';

/** Runs checkFields on a JSON text; returns the pruned body and the outcome. */
function checkJson(text: string, directive: FieldValidation, rootType = DEPLOYMENT, model = MODEL) {
  const body = JSON.parse(text) as Record<string, any>;
  try {
    const { warnings } = checkFields({ body, rawText: text, directive, model, rootType });
    return { body, warnings, error: undefined };
  } catch (err) {
    assert.ok(err instanceof ApiError, String(err));
    return { body, warnings: [] as string[], error: err };
  }
}

function checkYaml(text: string, directive: FieldValidation, rootType = DEPLOYMENT, model = MODEL) {
  const body = parseYaml(text, { uniqueKeys: false }) as Record<string, any>;
  try {
    const { warnings } = checkFields({ body, rawText: text, format: 'yaml', directive, model, rootType });
    return { body, warnings, error: undefined };
  } catch (err) {
    assert.ok(err instanceof ApiError, String(err));
    return { body, warnings: [] as string[], error: err };
  }
}

// A deployment with every kind of problem: a repeated known field, an unknown field, an unknown
// field given twice, unknown and repeated fields inside a list item.
const MESSY_JSON = `{
  "apiVersion": "apps/v1",
  "kind": "Deployment",
  "metadata": {
    "name": "first",
    "name": "web",
    "labels": {"app": "web"},
    "colour": "blue"
  },
  "spec": {
    "extra": "x",
    "twice": "a",
    "twice": "b",
    "paused": true,
    "paused": false,
    "selector": {"matchLabels": {"app": "web"}},
    "template": {
      "metadata": {"labels": {"app": "web"}},
      "spec": {
        "containers": [{
          "name": "web",
          "image": "nginx",
          "imagePullPolcy": "Always",
          "imagePullPolicy": "Always",
          "imagePullPolicy": "Never"
        }]
      }
    }
  }
}`;

const MESSY_JSON_PROBLEMS = [
  'duplicate field "metadata.name"',
  'unknown field "metadata.colour"',
  'unknown field "spec.extra"',
  'unknown field "spec.twice"',
  'duplicate field "spec.paused"',
  'unknown field "spec.template.spec.containers[0].imagePullPolcy"',
  'duplicate field "spec.template.spec.containers[0].imagePullPolicy"',
];

const MESSY_YAML = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: first
  name: web
  colour: blue
  labels:
    app: web
spec:
  extra: x
  twice: a
  twice: b
  paused: true
  paused: false
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
      - name: web
        image: nginx
        imagePullPolcy: Always
        imagePullPolicy: Always
        imagePullPolicy: Never`;

const MESSY_YAML_DUPLICATES = [
  'line 5: key "name" already set in map',
  'line 12: key "twice" already set in map',
  'line 14: key "paused" already set in map',
  'line 28: key "imagePullPolicy" already set in map',
];
// Upstream reports YAML bodies' unknown fields with keys sorted level by level.
const MESSY_YAML_UNKNOWN = [
  'unknown field "metadata.colour"',
  'unknown field "spec.extra"',
  'unknown field "spec.template.spec.containers[0].imagePullPolcy"',
  'unknown field "spec.twice"',
];

function assertMessyPruned(body: Record<string, any>): void {
  assert.deepEqual(body.metadata, { name: 'web', labels: { app: 'web' } });
  assert.equal('extra' in body.spec, false);
  assert.equal('twice' in body.spec, false);
  assert.equal(body.spec.paused, false);
  assert.deepEqual(body.spec.template.spec.containers[0], { name: 'web', image: 'nginx', imagePullPolicy: 'Never' });
}

// ---- the fieldValidation parameter ----------------------------------------------------------

test('fieldValidation: absent or empty means Warn; the three directives pass through', () => {
  assert.equal(parseFieldValidation(new URLSearchParams(''), 'CreateOptions'), 'Warn');
  assert.equal(parseFieldValidation(new URLSearchParams('fieldValidation='), 'CreateOptions'), 'Warn');
  for (const d of ['Ignore', 'Warn', 'Strict']) {
    assert.equal(parseFieldValidation(new URLSearchParams(`fieldValidation=${d}`), 'PatchOptions'), d);
  }
  // Like any string option, the first of repeated values counts.
  assert.equal(parseFieldValidation(new URLSearchParams('fieldValidation=Ignore&fieldValidation=bogus'), 'UpdateOptions'), 'Ignore');
});

test('fieldValidation: an unsupported value is a 422 naming the options kind', () => {
  const cases: Array<[string, 'CreateOptions' | 'UpdateOptions' | 'PatchOptions']> = [
    ['strict', 'CreateOptions'], ['bogus', 'UpdateOptions'], ['Warning', 'PatchOptions'],
  ];
  for (const [value, kind] of cases) {
    assert.throws(() => parseFieldValidation(new URLSearchParams({ fieldValidation: value }), kind), (err: unknown) => {
      assert.ok(err instanceof ApiError);
      assert.equal(err.code, 422);
      assert.equal(err.reason, 'Invalid');
      assert.equal(err.message, `${kind}.meta.k8s.io "" is invalid: fieldValidation: Unsupported value: "${value}": supported values: "", "Ignore", "Strict", "Warn"`);
      assert.equal(err.details?.kind, kind);
      assert.equal(err.details?.group, 'meta.k8s.io');
      assert.deepEqual(err.details?.causes, [{
        reason: 'FieldValueNotSupported', field: 'fieldValidation',
        message: `Unsupported value: "${value}": supported values: "", "Ignore", "Strict", "Warn"`,
      }]);
      return true;
    });
  }
});

// ---- create/update bodies: JSON ------------------------------------------------------------

test('JSON body, Strict: 400 listing every problem in document order; the body is left alone', () => {
  const { error, body } = checkJson(MESSY_JSON, 'Strict');
  assert.ok(error);
  assert.equal(error.code, 400);
  assert.equal(error.reason, 'BadRequest');
  assert.equal(error.message,
    `Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: ${MESSY_JSON_PROBLEMS.join(', ')}`);
  assert.equal(error.toStatus().details, undefined);
  assert.equal(body.spec.extra, 'x');
});

test('JSON body, Warn: one warning per problem, unknown fields pruned', () => {
  const { error, warnings, body } = checkJson(MESSY_JSON, 'Warn');
  assert.equal(error, undefined);
  assert.deepEqual(warnings, MESSY_JSON_PROBLEMS);
  assertMessyPruned(body);
});

test('JSON body, Ignore: silently pruned', () => {
  const { error, warnings, body } = checkJson(MESSY_JSON, 'Ignore');
  assert.equal(error, undefined);
  assert.deepEqual(warnings, []);
  assertMessyPruned(body);
});

test('JSON body: unknown fields at the top, nested and in list items, per directive', () => {
  const cases: Array<{ name: string; root: string; text: string; problem: string }> = [
    {
      name: 'top level', root: CONFIGMAP, problem: 'unknown field "spec"',
      text: '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},"spec":{"a":1},"data":{"k":"v"}}',
    },
    {
      name: 'nested', root: DEPLOYMENT, problem: 'unknown field "spec.selector.matchLabel"',
      text: '{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d"},"spec":{"selector":{"matchLabel":{"a":"b"}}}}',
    },
    {
      name: 'list item', root: DEPLOYMENT, problem: 'unknown field "spec.template.spec.containers[1].imagePullPolcy"',
      text: '{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d"},"spec":{"template":{"spec":{"containers":[{"name":"a"},{"name":"b","imagePullPolcy":"Always"}]}}}}',
    },
    {
      name: 'list in list', root: POD, problem: 'unknown field "spec.containers[0].ports[1].hostPortt"',
      text: '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"containers":[{"name":"a","ports":[{"containerPort":1},{"containerPort":2,"hostPortt":3}]}]}}',
    },
  ];
  for (const c of cases) {
    const kind = c.root.split('.').pop();
    const version = c.root.split('.').slice(-2)[0];
    const strict = checkJson(c.text, 'Strict', c.root);
    assert.equal(strict.error?.code, 400, c.name);
    assert.equal(strict.error?.message, `${kind} in version "${version}" cannot be handled as a ${kind}: strict decoding error: ${c.problem}`, c.name);

    const warn = checkJson(c.text, 'Warn', c.root);
    assert.deepEqual(warn.warnings, [c.problem], c.name);
    const ignore = checkJson(c.text, 'Ignore', c.root);
    assert.deepEqual(ignore.warnings, [], c.name);
    // Both leave the same pruned object, which no longer has the field.
    assert.deepEqual(warn.body, ignore.body, c.name);
    assert.deepEqual(checkJson(JSON.stringify(warn.body), 'Strict', c.root).error, undefined, c.name);
  }
});

test('the kind and version in the 400 are the body\'s, defaulted from the resource', () => {
  const withVersion = checkJson('{"apiVersion":"apps/v1beta9","kind":"Deployment","bogus":1}', 'Strict');
  assert.match(withVersion.error!.message, /^Deployment in version "v1beta9" cannot be handled as a Deployment: /);
  const bare = checkJson('{"bogus":1}', 'Strict');
  assert.equal(bare.error!.message, 'Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field "bogus"');
  const core = checkJson('{"apiVersion":"v1","kind":"ConfigMap","bogus":1}', 'Strict', CONFIGMAP);
  assert.match(core.error!.message, /^ConfigMap in version "v1" cannot be handled as a ConfigMap: /);
});

test('duplicate keys are reported in maps too, never inside unknown or opaque values', () => {
  const text = `{
    "apiVersion": "apps/v1", "kind": "ControllerRevision",
    "metadata": {"name": "r", "labels": {"app": "a", "app": "b"},
      "managedFields": [{"manager": "m", "fieldsV1": {"f:spec": {}, "f:spec": {}}}]},
    "data": {"spec": {"x": 1, "x": 2}},
    "unknown": {"y": 1, "y": 2},
    "revision": 1
  }`;
  const { warnings, body } = checkJson(text, 'Warn', 'io.k8s.api.apps.v1.ControllerRevision');
  assert.deepEqual(warnings, ['duplicate field "metadata.labels.app"', 'unknown field "unknown"']);
  assert.deepEqual(body.data, { spec: { x: 2 } });
  assert.deepEqual(body.metadata.managedFields[0].fieldsV1, { 'f:spec': {} });
});

test('each message once, at most 100', () => {
  const members = Array.from({ length: 150 }, (_, i) => `"u${i}": 1, "u${i}": 2`).join(', ');
  const { warnings, body } = checkJson(`{"metadata": {"name": "x"}, ${members}}`, 'Warn', CONFIGMAP);
  assert.equal(warnings.length, 100);
  assert.equal(warnings[0], 'unknown field "u0"');
  assert.equal(warnings[99], 'unknown field "u99"');
  assert.deepEqual(body, { metadata: { name: 'x' } });
});

test('known fields are never pruned: map keys, int-or-string, quantities (made canonical), opaque values', () => {
  const pod = {
    apiVersion: 'v1', kind: 'Pod',
    metadata: {
      name: 'p',
      labels: { 'app.kubernetes.io/name': 'x', spec: 'looks-like-a-field', '': '' },
      annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"a":1}', 'foo/bar': 'baz' },
      managedFields: [{ manager: 'kubectl', operation: 'Update', fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': { 'f:containers': { 'k:{"name":"c"}': { '.': {} } } } } }],
    },
    spec: {
      containers: [{
        name: 'c', image: 'i',
        ports: [{ containerPort: 8080, name: 'http', protocol: 'TCP' }],
        resources: { requests: { cpu: '250m', memory: '64Mi', 'example.com/gpu': 1 }, limits: { cpu: 1, memory: '128Mi' } },
        livenessProbe: { httpGet: { path: '/healthz', port: 8080 } },
        readinessProbe: { httpGet: { path: '/ready', port: 'http' } },
      }],
    },
  };
  const text = JSON.stringify(pod);
  const decoded = structuredClone(pod);
  Object.assign(decoded.spec.containers[0].resources, { requests: { cpu: '250m', memory: '64Mi', 'example.com/gpu': '1' }, limits: { cpu: '1', memory: '128Mi' } });
  for (const d of ['Strict', 'Warn', 'Ignore'] as const) {
    const { error, warnings, body } = checkJson(text, d, POD);
    assert.equal(error, undefined, d);
    assert.deepEqual(warnings, [], d);
    assert.deepEqual(body, decoded, d);
  }
  const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { 'a.b': '1', 'kind': 'x', 'metadata': 'y' }, binaryData: { bin: 'AAE=' }, immutable: true };
  assert.deepEqual(checkJson(JSON.stringify(cm), 'Strict', CONFIGMAP).body, cm);
  const rev = { apiVersion: 'apps/v1', kind: 'ControllerRevision', metadata: { name: 'r' }, data: { spec: { anything: { goes: [1, { here: true }] } } }, revision: 3 };
  assert.deepEqual(checkJson(JSON.stringify(rev), 'Strict', 'io.k8s.api.apps.v1.ControllerRevision').body, rev);
});

test('apiVersion, kind and metadata are known at the root even when the definition omits them', () => {
  const text = '{"apiVersion":"example/v1","kind":"Bare","metadata":{"name":"b","bogus":1},"size":1,"other":2}';
  const { warnings, body } = checkJson(text, 'Warn', 'io.k8s.api.example.v1.Bare');
  assert.deepEqual(warnings, ['unknown field "metadata.bogus"', 'unknown field "other"']);
  assert.deepEqual(body, { apiVersion: 'example/v1', kind: 'Bare', metadata: { name: 'b' }, size: 1 });
});

test('preserve-unknown-fields keeps everything below it; recursive types terminate', () => {
  const free = checkJson('{"kind":"Free","spec":{"a":{"b":[1,{"c":2}]}},"x":1}', 'Warn', 'io.k8s.api.example.v1.Free');
  assert.deepEqual(free.warnings, ['unknown field "x"']);
  assert.deepEqual(free.body.spec, { a: { b: [1, { c: 2 }] } });
  const tree = checkJson('{"name":"a","children":[{"name":"b","children":[{"name":"c","leaf":true}]}]}', 'Warn', 'io.k8s.api.example.v1.Tree');
  assert.deepEqual(tree.warnings, ['unknown field "children[0].children[0].leaf"']);
});

test('a kind the model does not describe is left untouched', () => {
  const { warnings, body } = checkJson('{"a":{"b":1}}', 'Strict', 'io.k8s.api.nowhere.v1.Thing');
  assert.deepEqual(warnings, []);
  assert.deepEqual(body, { a: { b: 1 } });
});

test('a body without raw text (protobuf) is pruned and reported in object order', () => {
  const body = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, zz: 1, aa: 2 };
  assert.deepEqual(checkFields({ body, directive: 'Warn', model: MODEL, rootType: CONFIGMAP }).warnings,
    ['unknown field "zz"', 'unknown field "aa"']);
  assert.deepEqual(body, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } });
});

// ---- create/update bodies: YAML ------------------------------------------------------------

test('YAML body, Strict: the YAML decoder\'s duplicate lines, then unknown fields in key order', () => {
  const { error } = checkYaml(MESSY_YAML, 'Strict');
  assert.equal(error?.code, 400);
  assert.equal(error?.message, 'Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: ' +
    `yaml: unmarshal errors:\n  ${MESSY_YAML_DUPLICATES.join('\n  ')}, ${MESSY_YAML_UNKNOWN.join(', ')}`);
});

test('YAML body, Warn: every duplicate line is its own warning; unknown fields pruned', () => {
  const { warnings, body } = checkYaml(MESSY_YAML, 'Warn');
  assert.deepEqual(warnings, [...MESSY_YAML_DUPLICATES, ...MESSY_YAML_UNKNOWN]);
  assertMessyPruned(body);
  const ignored = checkYaml(MESSY_YAML, 'Ignore');
  assert.deepEqual(ignored.warnings, []);
  assertMessyPruned(ignored.body);
});

test('YAML duplicate keys: the line is where the repeated key\'s value starts; non-string keys', () => {
  const text = [
    'a: 1',            // 1
    'b:',              // 2
    '  x: 1',          // 3
    'b:',              // 4
    '  y: 1',          // 5  <- the value of the second b starts here
    '  y: 2',          // 6
    'c: {k: 1, k: 2}', // 7
    '1: one',          // 8
    '"1": string one', // 9  (a different key)
    '1: uno',          // 10
    'list:',           // 11
    '- m: 1',          // 12
    '  m: 2',          // 13
    'a:',              // 14 (an empty value)
  ].join('\n');
  assert.deepEqual(yamlDuplicateKeyLines(text), [
    'line 6: key "y" already set in map',
    'line 5: key "b" already set in map',
    'line 7: key "k" already set in map',
    'line 10: key 1 already set in map',
    'line 13: key "m" already set in map',
    'line 14: key "a" already set in map',
  ]);
  assert.deepEqual(yamlDuplicateKeyLines('a: 1\nb: 2\n'), []);
});

// ---- the seeds' manifests ------------------------------------------------------------------

const SEED_DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: archetype-deployment
  labels:
    app: archetype
spec:
  replicas: 2
  selector:
    matchLabels:
      app: archetype
  template:
    metadata:
      labels:
        app: archetype
    spec:
      containers:
      - name: archetype
        image: gustavo2acr.azurecr.io/archetype:latest-amd64
        ports:
        - containerPort: 8000
        resources:
          requests:
            memory: "64Mi"
            cpu: "250m"
          limits:
            memory: "128Mi"
            cpu: "500m"
`;

const SEED_POD = `apiVersion: v1
kind: Pod
metadata:
  name: kuard
spec:
  volumes:
    - name: "kuard-data"
      nfs:
        server: my.nfs.server.local
        path: "/exports"
  containers:
    - image: gcr.io/kuar-demo/kuard-arm64:blue
      name: kuard
      ports:
        - containerPort: 8080
          name: http
          protocol: TCP
      resources:
        requests:
          cpu: "500m"
          memory: "128Mi"
        limits:
          cpu: "1000m"
          memory: "256Mi"
      volumeMounts:
        - mountPath: "/data"
          name: "kuard-data"
      livenessProbe:
        httpGet:
          path: /healthy
          port: 8080
        initialDelaySeconds: 5
        timeoutSeconds: 1
        periodSeconds: 10
        failureThreshold: 3
      readinessProbe:
        httpGet:
          path: /ready
          port: 8080
        initialDelaySeconds: 30
        timeoutSeconds: 1
`;

function assertSeedsPass(model: SchemaModel): void {
  for (const [yaml, root] of [[SEED_DEPLOYMENT, DEPLOYMENT], [SEED_POD, POD]] as const) {
    const written = parseYaml(yaml);
    // Decoding leaves everything as written but the quantities, which come out canonical.
    const original = structuredClone(written);
    if (root === POD) original.spec.containers[0].resources.limits.cpu = '1';
    for (const d of ['Strict', 'Warn'] as const) {
      const asJson = checkJson(JSON.stringify(written, null, 2), d, root, model);
      assert.equal(asJson.error, undefined);
      assert.deepEqual(asJson.warnings, []);
      assert.deepEqual(asJson.body, original);
      const asYaml = checkYaml(yaml, d, root, model);
      assert.equal(asYaml.error, undefined);
      assert.deepEqual(asYaml.warnings, []);
      assert.deepEqual(asYaml.body, original);
    }
  }
}

test('the seed Pod and Deployment manifests pass, their quantities canonical', () => {
  assertSeedsPass(MODEL);
});

// ---- patches -------------------------------------------------------------------------------

const STORED: Record<string, any> = {
  apiVersion: 'apps/v1', kind: 'Deployment',
  metadata: { name: 'web', labels: { app: 'web' } },
  spec: {
    replicas: 1, selector: { matchLabels: { app: 'web' } },
    template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx' }] } },
  },
};

const MESSY_MERGE_PATCH = `{
  "spec": {
    "extra": "x",
    "twice": "a",
    "twice": "b",
    "paused": true,
    "paused": false,
    "template": {"spec": {"containers": [{
      "name": "web",
      "image": "nginx",
      "imagePullPolcy": "Always",
      "imagePullPolicy": "Always",
      "imagePullPolicy": "Never"
    }]}}
  }
}`;

// Patch problems (duplicates, document order), then the result's unknown fields in key order.
const MESSY_MERGE_PROBLEMS = [
  'duplicate field "spec.twice"',
  'duplicate field "spec.paused"',
  'duplicate field "spec.template.spec.containers[0].imagePullPolicy"',
  'unknown field "spec.extra"',
  'unknown field "spec.template.spec.containers[0].imagePullPolcy"',
  'unknown field "spec.twice"',
];

function runPatch(patchType: 'json' | 'merge' | 'strategic' | 'apply', patchText: string, result: unknown, directive: FieldValidation) {
  const patch = patchType === 'apply' ? parseYaml(patchText, { uniqueKeys: false }) : JSON.parse(patchText);
  try {
    const { warnings } = checkPatchedFields({ patchType, patchText, patch, result, directive, model: MODEL, rootType: DEPLOYMENT });
    return { warnings, error: undefined };
  } catch (err) {
    assert.ok(err instanceof ApiError, String(err));
    return { warnings: [] as string[], error: err };
  }
}

test('merge patch: Strict is a 422 about `patch` showing the patched object', () => {
  const result = applyMergePatch(structuredClone(STORED), JSON.parse(MESSY_MERGE_PATCH));
  const shown = JSON.stringify(result);
  const { error } = runPatch('merge', MESSY_MERGE_PATCH, result, 'Strict');
  assert.equal(error?.code, 422);
  assert.equal(error?.reason, 'Invalid');
  const detail = `Invalid value: ${JSON.stringify(shown)}: strict decoding error: ${MESSY_MERGE_PROBLEMS.join(', ')}`;
  assert.equal(error?.message, ` "" is invalid: patch: ${detail}`);
  assert.deepEqual(error?.details, { causes: [{ reason: 'FieldValueInvalid', message: detail, field: 'patch' }] });
});

test('merge patch: Warn returns the problems and prunes the result; Ignore only prunes', () => {
  for (const d of ['Warn', 'Ignore'] as const) {
    const result = applyMergePatch(structuredClone(STORED), JSON.parse(MESSY_MERGE_PATCH)) as Record<string, any>;
    const { warnings, error } = runPatch('merge', MESSY_MERGE_PATCH, result, d);
    assert.equal(error, undefined);
    assert.deepEqual(warnings, d === 'Warn' ? MESSY_MERGE_PROBLEMS : []);
    assert.equal('extra' in result.spec, false);
    assert.equal('twice' in result.spec, false);
    assert.deepEqual(result.spec.template.spec.containers[0], { name: 'web', image: 'nginx', imagePullPolicy: 'Never' });
  }
});

test('merge patch with only repeated keys fails Strict too', () => {
  const text = '{"spec": {"paused": true, "paused": false}}';
  const result = applyMergePatch(structuredClone(STORED), JSON.parse(text));
  assert.match(runPatch('merge', text, result, 'Strict').error!.message, /: strict decoding error: duplicate field "spec.paused"$/);
  assert.deepEqual(runPatch('merge', text, result, 'Warn').warnings, ['duplicate field "spec.paused"']);
});

test('JSON patch: unknown and repeated operation fields, then the result\'s unknown fields', () => {
  const text = `[
    {"op": "add", "path": "/spec/extra", "value": "x", "foo": "bar"},
    {"op": "add", "path": "/spec/one", "path": "/spec/two", "value": {"k": 1, "k": 2}},
    {"op": "add", "path": "/spec/paused", "value": true},
    {"op": "add", "path": "/spec/template/spec/containers/0/imagePullPolcy", "value": "Always"}
  ]`;
  const problems = [
    'json patch unknown field "[0].foo"',
    'json patch duplicate field "[1].path"',
    'json patch duplicate field "[1].value.k"',
    'unknown field "spec.extra"',
    'unknown field "spec.template.spec.containers[0].imagePullPolcy"',
    'unknown field "spec.two"',
  ];
  const strictResult = applyJsonPatch(structuredClone(STORED), JSON.parse(text));
  const { error } = runPatch('json', text, strictResult, 'Strict');
  assert.equal(error?.code, 422);
  assert.equal(error?.message, ` "" is invalid: patch: Invalid value: ${JSON.stringify(JSON.stringify(strictResult))}: strict decoding error: ${problems.join(', ')}`);
  const result = applyJsonPatch(structuredClone(STORED), JSON.parse(text)) as Record<string, any>;
  assert.deepEqual(runPatch('json', text, result, 'Warn').warnings, problems);
  assert.deepEqual(Object.keys(result.spec).sort(), ['paused', 'replicas', 'selector', 'template']);
});

test('strategic merge patch: the 422 prints the patch as Go prints a map', () => {
  const text = '{"spec": {"zeta": [1, "two", null, {"b": true}], "paused": true, "paused": false, "ratio": 0.5, "big": 1234567.5}}';
  // The patched result as the strategic merge would leave it.
  const result = structuredClone(STORED);
  Object.assign(result.spec, { zeta: [1, 'two', null, { b: true }], paused: false, ratio: 0.5, big: 1234567.5 });
  const { error } = runPatch('strategic', text, result, 'Strict');
  assert.equal(error?.code, 422);
  assert.equal(error?.message, ' "" is invalid: patch: Invalid value: "map[spec:map[big:1.2345675e+06 paused:false ratio:0.5 zeta:[1 two <nil> map[b:true]]]]": ' +
    'strict decoding error: duplicate field "spec.paused", unknown field "spec.big", unknown field "spec.ratio", unknown field "spec.zeta"');
  assert.deepEqual(runPatch('strategic', text, structuredClone(result), 'Warn').warnings,
    ['duplicate field "spec.paused"', 'unknown field "spec.big"', 'unknown field "spec.ratio"', 'unknown field "spec.zeta"']);
});

test('apply patch: repeated YAML keys are a 400 under Strict, warnings under Warn', () => {
  const text = 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  paused: false\n  paused: true\n';
  const result = structuredClone(STORED);
  const { error } = runPatch('apply', text, result, 'Strict');
  assert.equal(error?.code, 400);
  assert.equal(error?.message, 'error strict decoding YAML: error converting YAML to JSON: yaml: unmarshal errors:\n  line 7: key "paused" already set in map');
  assert.deepEqual(runPatch('apply', text, result, 'Warn').warnings, ['line 7: key "paused" already set in map']);
  assert.deepEqual(runPatch('apply', text, result, 'Ignore').warnings, []);
  // JSON sent as an apply patch is read as YAML too.
  assert.deepEqual(runPatch('apply', '{"a": 1,\n "a": 2}', structuredClone(STORED), 'Warn').warnings, ['line 2: key "a" already set in map']);
});

// ---- pieces --------------------------------------------------------------------------------

test('findDuplicateKeys: paths, escapes, strings that look like JSON, large and deep input', () => {
  assert.deepEqual(findDuplicateKeys('{"a":1,"b":{"c":[{"d":1,"d":2}],"c":3},"a":4}'), ['b.c[0].d', 'b.c', 'a']);
  assert.deepEqual(findDuplicateKeys('[{"op":"x","op":"y"}]'), ['[0].op']);
  assert.deepEqual(findDuplicateKeys('{"a\\u0062":1,"ab":2,"q\\"":1,"s":"}{\\"s\\":","q\\"":2}'), ['ab', 'q"']);
  assert.deepEqual(findDuplicateKeys('{"x":{"k":1,"k":2,"k":3}}'), ['x.k']);
  assert.deepEqual(findDuplicateKeys('{"a":1,"b":[1,2,{"a":1}],"c":null}'), []);
  const many = Array.from({ length: 1000 }, (_, i) => `"k${i}":${i}`).join(',');
  assert.deepEqual(findDuplicateKeys(`{${many},"k500":0,"k17":0}`), ['k500', 'k17']);
  const depth = 100_000;
  assert.deepEqual(findDuplicateKeys(`${'['.repeat(depth)}{"z":1,"z":2}${']'.repeat(depth)}`), [`${'[0]'.repeat(depth)}.z`]);
  assert.deepEqual(findDuplicateKeys('{"a":1,"a"'), []); // malformed: stops quietly
});

test('pruneUnknownFields: sorted order, report-only mode', () => {
  const body = { metadata: { name: 'c', zz: 1 }, b: 1, a: { x: 1 }, data: { k: 'v' } };
  assert.deepEqual(pruneUnknownFields(body, MODEL, CONFIGMAP, { remove: false, order: 'sorted' }), ['a', 'b', 'metadata.zz']);
  assert.deepEqual(body.metadata, { name: 'c', zz: 1 });
  assert.deepEqual(pruneUnknownFields(body, MODEL, CONFIGMAP), ['zz', 'b', 'a'].map((k) => k === 'zz' ? 'metadata.zz' : k));
  assert.deepEqual(body, { metadata: { name: 'c' }, data: { k: 'v' } });
});

test('warning headers: 299 with escaped quotes, deduplicated, UTF-8, control characters dropped', () => {
  assert.deepEqual(warningHeaderValues(['unknown field "spec.foo"', 'a\\b', 'unknown field "spec.foo"', '', 'bad\nline']),
    ['299 - "unknown field \\"spec.foo\\""', '299 - "a\\\\b"']);
  const [utf8] = warningHeaderValues(['größe']);
  assert.equal(Buffer.from(utf8, 'latin1').toString('utf8'), '299 - "größe"');
});

test('warning headers: past 4096 characters every text is cut to 256 and the rest dropped', () => {
  const texts = Array.from({ length: 20 }, (_, i) => `${String(i).padStart(2, '0')}${'x'.repeat(298)}`);
  const headers = warningHeaderValues(texts);
  assert.equal(headers.length, 16);
  for (const [i, h] of headers.entries()) assert.equal(h, `299 - "${texts[i].slice(0, 256)}"`);
  const few = warningHeaderValues(texts.slice(0, 13));
  assert.deepEqual(few, texts.slice(0, 13).map((t) => `299 - "${t}"`));
});

// ---- against the generated model -----------------------------------------------------------

test('generated model: seeds pass, unknown fields found in Deployment, Pod and ConfigMap', { skip: !existsSync(SCHEMA_MODEL_PATH) }, () => {
  const model = loadSchemaModel();
  assertSeedsPass(model);
  const deploy = checkJson(SEED_DEPLOYMENT_WITH_TYPO, 'Strict', DEPLOYMENT, model);
  assert.equal(deploy.error?.message, 'Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: ' +
    'unknown field "spec.template.spec.containers[0].imagePullPolcy", unknown field "spec.template.spec.containers[0].resources.request"');
  const pod = checkJson('{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","labelz":{}},"spec":{"containers":[{"name":"c","image":"i",' +
    '"livenessProbe":{"httpGet":{"port":"http","paht":"/"}}}],"volumes":[{"name":"v","emptyDir":{"medium":"Memory","sizeLimit":"1Gi"}}],' +
    '"overhead":{"cpu":"1"},"securityContext":{"runAsUser":1,"sysctl":[]}}}', 'Warn', POD, model);
  assert.deepEqual(pod.warnings, [
    'unknown field "metadata.labelz"',
    'unknown field "spec.containers[0].livenessProbe.httpGet.paht"',
    'unknown field "spec.securityContext.sysctl"',
  ]);
  assert.deepEqual(pod.body.spec.volumes, [{ name: 'v', emptyDir: { medium: 'Memory', sizeLimit: '1Gi' } }]);
  const cm = checkYaml('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  annotations:\n    a/b: c\ndata:\n  x.y: "1"\n  x.y: "2"\nbinaryData:\n  z: AAE=\nimmutable: true\nstringData:\n  s: t\n',
    'Warn', CONFIGMAP, model);
  assert.deepEqual(cm.warnings, ['line 9: key "x.y" already set in map', 'unknown field "stringData"']);
  assert.deepEqual(cm.body, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', annotations: { 'a/b': 'c' } }, data: { 'x.y': '2' }, binaryData: { z: 'AAE=' }, immutable: true });
});

const SEED_DEPLOYMENT_WITH_TYPO = JSON.stringify({
  apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' },
  spec: {
    selector: { matchLabels: { app: 'a' } },
    template: {
      metadata: { labels: { app: 'a' } },
      spec: { containers: [{ name: 'c', image: 'i', imagePullPolcy: 'Always', resources: { request: { cpu: '1' } } }] },
    },
  },
});
