// Typed decoding of client writes against the generated model: wrong JSON types refused with the
// message of upstream's decoder for that kind of write, quantities stored canonical, nulls dropped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse as parseYaml } from 'yaml';
import { loadSchemaModel } from './load-model.ts';
import { compileSchema, decodeTyped, type FieldNode, type StructNode } from './prune.ts';
import { goTypeName } from './decode-errors.ts';
import { ApiError } from '../../machinery/errors.ts';
import { applyMergePatch } from '../../machinery/merge-patch.ts';
import { applyJsonPatch } from '../../machinery/json-patch.ts';
import { checkFields, checkPatchedFields, type FieldValidation, type PatchKind } from '../../apiserver/field-validation.ts';

const model = loadSchemaModel();
const DEPLOYMENT = 'io.k8s.api.apps.v1.Deployment';
const POD = 'io.k8s.api.core.v1.Pod';
const SERVICE = 'io.k8s.api.core.v1.Service';
const LIMIT_RANGE = 'io.k8s.api.core.v1.LimitRange';
const DIRECTIVES: FieldValidation[] = ['Strict', 'Warn', 'Ignore'];
const QUANTITY_REGEXP = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";

type Obj = Record<string, any>;

/** Runs checkFields on a body written as JSON (an object, stringified) or as YAML (a string). */
function decodeBody(rootType: string, body: Obj | string, directive: FieldValidation = 'Strict') {
  const yaml = typeof body === 'string';
  const text = yaml ? body : JSON.stringify(body);
  const obj = (yaml ? parseYaml(body) : JSON.parse(text)) as Obj;
  try {
    const { warnings } = checkFields({ body: obj, rawText: text, format: yaml ? 'yaml' : 'json', directive, model, rootType });
    return { body: obj, warnings, error: undefined };
  } catch (err) {
    assert.ok(err instanceof ApiError, String(err));
    return { body: obj, warnings: [] as string[], error: err };
  }
}

const deployment = (spec: Obj, metadata: Obj = {}): Obj => ({
  apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd', ...metadata },
  spec: { selector: { matchLabels: { app: 'a' } }, template: { metadata: { labels: { app: 'a' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } }, ...spec },
});
const pod = (container: Obj, metadata: Obj = {}): Obj => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', ...metadata }, spec: { containers: [{ name: 'c', image: 'nginx', ...container }] },
});
const service = (ports: unknown[]): Obj => ({ apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { ports } });

// ---- create and update bodies ---------------------------------------------------------------

const cannotHandle = (kind: string, detail: string) => `${kind} in version "v1" cannot be handled as a ${kind}: ${detail}`;

const REFUSED: Array<{ name: string; rootType: string; body: Obj | string; message: string }> = [
  {
    name: 'string where an integer is expected',
    rootType: DEPLOYMENT, body: deployment({ replicas: '3' }),
    message: cannotHandle('Deployment', 'json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32'),
  },
  {
    name: 'string for a container port, inside two lists',
    rootType: POD, body: pod({ ports: [{ containerPort: '80' }] }),
    message: cannotHandle('Pod', 'json: cannot unmarshal string into Go struct field ContainerPort.spec.containers.ports.containerPort of type int32'),
  },
  {
    name: 'a number with a fraction for an integer',
    rootType: DEPLOYMENT, body: deployment({ replicas: 1.5 }),
    message: cannotHandle('Deployment', 'json: cannot unmarshal number 1.5 into Go struct field DeploymentSpec.spec.replicas of type int32'),
  },
  {
    name: 'an integer too large for an int32',
    rootType: DEPLOYMENT, body: deployment({ replicas: 3000000000 }),
    message: cannotHandle('Deployment', 'json: cannot unmarshal number 3000000000 into Go struct field DeploymentSpec.spec.replicas of type int32'),
  },
  {
    name: 'string where a boolean is expected',
    rootType: DEPLOYMENT, body: deployment({ paused: 'yes' }),
    message: cannotHandle('Deployment', 'json: cannot unmarshal string into Go struct field DeploymentSpec.spec.paused of type bool'),
  },
  {
    name: 'number where a string is expected',
    rootType: POD, body: pod({ image: 5 }),
    message: cannotHandle('Pod', 'json: cannot unmarshal number into Go struct field Container.spec.containers.image of type string'),
  },
  {
    name: 'string where a struct is expected',
    rootType: DEPLOYMENT, body: { ...deployment({}), spec: 'x' },
    message: cannotHandle('Deployment', 'json: cannot unmarshal string into Go struct field Deployment.spec of type v1.DeploymentSpec'),
  },
  {
    name: 'array where a struct is expected',
    rootType: DEPLOYMENT, body: deployment({ selector: [] }),
    message: cannotHandle('Deployment', 'json: cannot unmarshal array into Go struct field DeploymentSpec.spec.selector of type v1.LabelSelector'),
  },
  {
    name: 'object where a list is expected',
    rootType: POD, body: { ...pod({}), spec: { containers: {} } },
    message: cannotHandle('Pod', 'json: cannot unmarshal object into Go struct field PodSpec.spec.containers of type []v1.Container'),
  },
  {
    name: 'string where a map is expected',
    rootType: POD, body: pod({}, { labels: 'app=a' }),
    message: cannotHandle('Pod', 'json: cannot unmarshal string into Go struct field ObjectMeta.metadata.labels of type map[string]string'),
  },
  {
    name: 'a label value written as a number in YAML',
    rootType: POD, body: 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  labels:\n    app: 1\nspec:\n  containers:\n  - name: c\n    image: nginx\n',
    message: cannotHandle('Pod', 'json: cannot unmarshal number into Go struct field ObjectMeta.metadata.labels of type string'),
  },
  {
    name: 'array where a resource list is expected',
    rootType: POD, body: pod({ resources: { limits: [] } }),
    message: cannotHandle('Pod', 'json: cannot unmarshal array into Go struct field ResourceRequirements.spec.containers.resources.limits of type v1.ResourceList'),
  },
  {
    name: 'an invalid quantity',
    rootType: POD, body: pod({ resources: { limits: { cpu: '12xyz' } } }),
    message: cannotHandle('Pod', QUANTITY_REGEXP),
  },
  {
    name: 'a quantity that is not a scalar',
    rootType: POD, body: pod({ resources: { requests: { memory: { value: 1 } } } }),
    message: cannotHandle('Pod', QUANTITY_REGEXP),
  },
  {
    name: 'an int-or-string with a fraction',
    rootType: SERVICE, body: service([{ port: 80, targetPort: 1.5 }]),
    message: cannotHandle('Service', 'json: cannot unmarshal number 1.5 into Go struct field ServicePort.spec.ports.targetPort of type int32'),
  },
  {
    name: 'an int-or-string that is a bool',
    rootType: SERVICE, body: service([{ port: 80, targetPort: true }]),
    message: cannotHandle('Service', 'json: cannot unmarshal bool into Go struct field ServicePort.spec.ports.targetPort of type int32'),
  },
  {
    name: 'a timestamp that is a number',
    rootType: DEPLOYMENT, body: deployment({}, { creationTimestamp: 5 }),
    message: cannotHandle('Deployment', 'json: cannot unmarshal number into Go struct field ObjectMeta.metadata.creationTimestamp of type string'),
  },
  {
    // Decoding stops at a type with its own decoder; plain mismatches before it are forgotten.
    name: 'a bad quantity wins over an earlier mismatch',
    rootType: POD, body: pod({ resources: { limits: { cpu: 'lots' } } }, { labels: { app: 1 } }),
    message: cannotHandle('Pod', QUANTITY_REGEXP),
  },
  {
    name: 'otherwise the first mismatch in document order',
    rootType: DEPLOYMENT, body: deployment({ replicas: '3', paused: 'no' }),
    message: cannotHandle('Deployment', 'json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32'),
  },
  {
    // A YAML body reaches the decoder as JSON written from a Go map, keys sorted.
    name: 'in key order for YAML',
    rootType: DEPLOYMENT,
    body: 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\nspec:\n  replicas: "3"\n  paused: "no"\n',
    message: cannotHandle('Deployment', 'json: cannot unmarshal string into Go struct field DeploymentSpec.spec.paused of type bool'),
  },
  {
    // A type error fails the decode before the strict errors are looked at.
    name: 'a mismatch wins over unknown fields',
    rootType: DEPLOYMENT, body: deployment({ replicas: '3', bogus: 1 }),
    message: cannotHandle('Deployment', 'json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32'),
  },
];

for (const c of REFUSED) {
  test(`body refused under every directive: ${c.name}`, () => {
    for (const d of DIRECTIVES) {
      const { error } = decodeBody(c.rootType, c.body, d);
      assert.equal(error?.code, 400, d);
      assert.equal(error?.reason, 'BadRequest', d);
      assert.equal(error?.message, c.message, d);
    }
  });
}

const STORED: Array<{ name: string; rootType: string; body: Obj | string; check: (stored: Obj) => void }> = [
  {
    name: 'LimitRange quantities written as numbers in YAML',
    rootType: LIMIT_RANGE,
    body: 'apiVersion: v1\nkind: LimitRange\nmetadata:\n  name: l\nspec:\n  limits:\n  - default:\n      cpu: 1\n      memory: 500Mi\n    defaultRequest:\n      cpu: 0.5\n      memory: 100Mi\n    type: Container\n',
    check: (lr) => {
      assert.deepEqual(lr.spec.limits[0].default, { cpu: '1', memory: '500Mi' });
      assert.deepEqual(lr.spec.limits[0].defaultRequest, { cpu: '500m', memory: '100Mi' });
    },
  },
  {
    name: 'container resources in canonical form',
    rootType: POD, body: pod({ resources: { limits: { cpu: '1000m', memory: '1.5Gi' }, requests: { cpu: ' 250m ', memory: '128Mi', 'example.com/gpu': 1 } } }),
    check: (p) => assert.deepEqual(p.spec.containers[0].resources, {
      limits: { cpu: '1', memory: '1536Mi' }, requests: { cpu: '250m', memory: '128Mi', 'example.com/gpu': '1' },
    }),
  },
  {
    name: 'int-or-string keeps numbers as numbers and strings as strings',
    rootType: SERVICE, body: service([{ port: 80, targetPort: 8080 }, { port: 81, targetPort: 'http' }]),
    check: (s) => assert.deepEqual(s.spec.ports, [{ port: 80, targetPort: 8080 }, { port: 81, targetPort: 'http' }]),
  },
  {
    name: 'null struct fields are absent',
    rootType: DEPLOYMENT, body: deployment({ replicas: null, strategy: null }, { labels: null }),
    check: (d) => {
      assert.equal('replicas' in d.spec, false);
      assert.equal('strategy' in d.spec, false);
      assert.equal('labels' in d.metadata, false);
    },
  },
  {
    // Go stores the zero value of the element type for a null map value or list item.
    name: 'null map values and list items become zero values',
    rootType: POD, body: pod({ args: ['a', null], env: [null], resources: { limits: { cpu: null } } }, { labels: { app: null } }),
    check: (p) => {
      assert.deepEqual(p.metadata.labels, { app: '' });
      assert.deepEqual(p.spec.containers[0].args, ['a', '']);
      assert.deepEqual(p.spec.containers[0].env, [{}]);
      assert.deepEqual(p.spec.containers[0].resources, { limits: { cpu: '0' } });
    },
  },
  {
    name: 'free-form values are left alone',
    rootType: 'io.k8s.api.apps.v1.ControllerRevision',
    body: { apiVersion: 'apps/v1', kind: 'ControllerRevision', metadata: { name: 'r' }, revision: 1, data: { spec: { replicas: '3', x: null } } },
    check: (r) => assert.deepEqual(r.data, { spec: { replicas: '3', x: null } }),
  },
];

for (const c of STORED) {
  test(`body decoded under every directive: ${c.name}`, () => {
    for (const d of DIRECTIVES) {
      const { body, error, warnings } = decodeBody(c.rootType, c.body, d);
      assert.equal(error, undefined, d);
      assert.deepEqual(warnings, [], d);
      c.check(body);
    }
  });
}

// ---- patches --------------------------------------------------------------------------------

const STORED_DEPLOYMENT = (): Obj => {
  const d = deployment({ replicas: 2 });
  d.spec.template.spec.containers[0].resources = { limits: { cpu: '500m' } };
  return d;
};

function checkPatch(patchType: PatchKind, patch: unknown, result: Obj, directive: FieldValidation = 'Strict') {
  const patchText = JSON.stringify(patch);
  try {
    const { warnings } = checkPatchedFields({ patchType, patchText, patch, result, directive, model, rootType: DEPLOYMENT });
    return { warnings, error: undefined };
  } catch (err) {
    assert.ok(err instanceof ApiError, String(err));
    return { warnings: [] as string[], error: err };
  }
}

/** Upstream's 422 about `patch`: ` "" is invalid: patch: Invalid value: "<shown>": <detail>`. */
const invalidPatch = (shown: string, detail: string) => ` "" is invalid: patch: Invalid value: ${JSON.stringify(shown)}: ${detail}`;

test('JSON and merge patches: the patched JSON is decoded, a mismatch is a 422 showing it as patched', () => {
  const cases: Array<{ type: PatchKind; patch: unknown; apply: (o: Obj) => Obj; detail: string }> = [
    {
      type: 'merge', patch: { spec: { replicas: '4', template: { spec: { containers: [{ name: 'c', image: 'nginx', resources: { limits: { cpu: '1000m' } } }] } } } },
      apply: (o) => applyMergePatch(o, { spec: { replicas: '4', template: { spec: { containers: [{ name: 'c', image: 'nginx', resources: { limits: { cpu: '1000m' } } }] } } } }) as Obj,
      detail: 'json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32',
    },
    {
      type: 'json', patch: [{ op: 'add', path: '/metadata/labels', value: { n: 1 } }],
      apply: (o) => applyJsonPatch(o, [{ op: 'add', path: '/metadata/labels', value: { n: 1 } }]) as Obj,
      detail: 'json: cannot unmarshal number into Go struct field ObjectMeta.metadata.labels of type string',
    },
    {
      type: 'merge', patch: { spec: { template: { spec: { containers: [{ name: 'c', resources: { limits: { cpu: 'x' } } }] } } } },
      apply: (o) => applyMergePatch(o, { spec: { template: { spec: { containers: [{ name: 'c', resources: { limits: { cpu: 'x' } } }] } } } }) as Obj,
      detail: QUANTITY_REGEXP,
    },
  ];
  for (const c of cases) {
    for (const d of DIRECTIVES) {
      const result = c.apply(STORED_DEPLOYMENT());
      const shown = JSON.stringify(result);
      const { error } = checkPatch(c.type, c.patch, result, d);
      assert.equal(error?.code, 422, `${c.type} ${d}`);
      assert.equal(error?.reason, 'Invalid');
      // What the decode had already changed (the canonical "1") is put back before printing.
      assert.equal(error?.message, invalidPatch(shown, c.detail), `${c.type} ${d}`);
    }
  }
});

test('strategic merge patch: the unstructured converter\'s messages, the patch printed as a Go map', () => {
  const cases: Array<{ spec: Obj; detail: string | undefined }> = [
    { spec: { replicas: '4' }, detail: 'unrecognized type: int32' },
    { spec: { replicas: 1.5 }, detail: 'cannot convert float64 to int32' },
    { spec: { paused: 1 }, detail: 'unrecognized type: bool' },
    { spec: { selector: 'app=a' }, detail: 'cannot restore struct from: string' },
    { spec: { selector: { matchLabels: [] } }, detail: 'cannot restore map from slice' },
    { spec: { template: { spec: { containers: { name: 'c' } } } }, detail: 'cannot restore slice from map' },
    { spec: { template: { spec: { containers: [{ name: 'c', image: 5 }] } } }, detail: 'cannot convert int64 to string' },
    { spec: { template: { spec: { containers: [{ name: 'c', image: true }] } } }, detail: 'unrecognized type: string' },
    { spec: { template: { spec: { containers: [{ name: 'c', resources: { limits: { cpu: 'x' } } }] } } }, detail: QUANTITY_REGEXP },
    { spec: { template: { spec: { containers: [{ name: 'c', livenessProbe: { httpGet: { port: 1.5 } } }] } } }, detail: 'json: cannot unmarshal number 1.5 into Go value of type int32' },
    // The converter narrows an int64 into an int32 without complaint.
    { spec: { replicas: 3000000000 }, detail: undefined },
  ];
  for (const c of cases) {
    const patch = { spec: c.spec };
    const result = STORED_DEPLOYMENT();
    // Good enough a strategic merge for these: the patched fields replace the stored ones.
    Object.assign(result.spec, structuredClone(c.spec));
    for (const d of DIRECTIVES) {
      const { error } = checkPatch('strategic', patch, structuredClone(result), d);
      if (c.detail === undefined) { assert.equal(error, undefined); continue; }
      assert.equal(error?.code, 422, JSON.stringify(c.spec));
      assert.match(error!.message, /^ "" is invalid: patch: Invalid value: "map\[spec:map\[/);
      assert.ok(error!.message.endsWith(`": ${c.detail}`), `${error!.message} / ${c.detail}`);
    }
  }
  const { error } = checkPatch('strategic', { spec: { replicas: '4' } }, { ...STORED_DEPLOYMENT(), spec: { ...STORED_DEPLOYMENT().spec, replicas: '4' } });
  assert.equal(error?.message, invalidPatch('map[spec:map[replicas:4]]', 'unrecognized type: int32'));
});

test('patch results are decoded: quantities canonical, nulls dropped, under every directive', () => {
  for (const d of DIRECTIVES) {
    const ops = [
      { op: 'replace', path: '/spec/template/spec/containers/0/resources/limits/cpu', value: 0.25 },
      { op: 'add', path: '/spec/paused', value: null },
    ];
    const result = applyJsonPatch(STORED_DEPLOYMENT(), ops) as Obj;
    assert.deepEqual(checkPatch('json', ops, result, d), { warnings: [], error: undefined });
    assert.deepEqual(result.spec.template.spec.containers[0].resources, { limits: { cpu: '250m' } });
    assert.equal('paused' in result.spec, false);
  }
});

test('server-side apply: structured-merge-diff\'s errors, then the converter\'s, as a 500 without a reason', () => {
  const applied = (spec: Obj, metadata: Obj = {}) => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd', namespace: 'ns', ...metadata }, spec });
  const where = 'ns/d; apps/v1, Kind=Deployment';
  const withPort = (port: Obj) => ({ template: { spec: { containers: [{ name: 'web', image: 'nginx', ports: [port] }] } } });
  const cases: Array<{ config: Obj; message: string }> = [
    { config: applied({ replicas: '3' }), message: `failed to create typed patch object (${where}): .spec.replicas: expected numeric (int or float), got string` },
    {
      config: applied(withPort({ containerPort: '80' })),
      message: `failed to create typed patch object (${where}): .spec.template.spec.containers[name="web"].ports[containerPort="80",protocol="TCP"].containerPort: expected numeric (int or float), got string`,
    },
    {
      config: applied({ paused: 'yes' }, { labels: { app: 1 } }),
      message: `failed to create typed patch object (${where}): errors:\n` +
        '  .metadata.labels.app: expected string, got &value.valueUnstructured{Value:1}\n' +
        '  .spec.paused: expected boolean, got &{yes}',
    },
    { config: applied({ selector: 'x' }), message: `failed to create typed patch object (${where}): .spec.selector: expected map, got &{x}` },
    { config: applied({ replicas: 1.5 }), message: `failed to convert new object (${where}) to proper version: cannot convert float64 to int32` },
    {
      config: applied({ template: { spec: { containers: [{ name: 'web', resources: { limits: { cpu: 'x' } } }] } } }),
      message: `failed to convert new object (${where}) to proper version: ${QUANTITY_REGEXP}`,
    },
  ];
  for (const c of cases) {
    for (const d of DIRECTIVES) {
      // The applied configuration merged into nothing: the result is the configuration itself.
      const { error } = checkPatch('apply', c.config, structuredClone(c.config), d);
      assert.equal(error?.code, 500);
      assert.equal(error?.reason, '');
      assert.equal(error?.message, c.message);
    }
  }
  const good = applied({ template: { spec: { containers: [{ name: 'web', resources: { limits: { cpu: 0.5, memory: '1.5Gi' } } }] } } });
  const result = structuredClone(good);
  assert.deepEqual(checkPatch('apply', good, result), { warnings: [], error: undefined });
  assert.deepEqual(result.spec.template.spec.containers[0].resources.limits, { cpu: '500m', memory: '1536Mi' });
});

// ---- the compiled nodes ---------------------------------------------------------------------

test('the compiled schema carries each field\'s Go type', () => {
  const field = (node: FieldNode, ...path: string[]): FieldNode => path.reduce<FieldNode>((n, seg) => {
    if (n.kind === 'struct') return n.fields.get(seg)!;
    if (n.kind === 'list') return n.items;
    if (n.kind === 'map') return n.values;
    throw new Error(`no ${seg} in ${n.kind}`);
  }, node);
  const deploy = compileSchema(model, DEPLOYMENT);
  const podSpec = field(deploy, 'spec', 'template', 'spec') as StructNode;
  const cases: Array<[FieldNode, string]> = [
    [field(deploy, 'spec', 'replicas'), 'int32'],
    [field(deploy, 'spec', 'paused'), 'bool'],
    [field(deploy, 'metadata', 'generation'), 'int64'],
    [field(deploy, 'metadata', 'creationTimestamp'), 'v1.Time'],
    [field(deploy, 'metadata', 'labels'), 'map[string]string'],
    [field(deploy, 'spec', 'strategy', 'rollingUpdate', 'maxSurge'), 'intstr.IntOrString'],
    [field(podSpec, 'containers'), '[]v1.Container'],
    [field(podSpec, 'containers', '*', 'resources', 'limits'), 'v1.ResourceList'],
    [field(podSpec, 'containers', '*', 'resources', 'limits', '*'), 'resource.Quantity'],
    [field(deploy, 'spec'), 'v1.DeploymentSpec'],
  ];
  for (const [node, type] of cases) assert.equal(goTypeName(node), type);
  assert.equal(podSpec.name, 'io.k8s.api.core.v1.PodSpec');
});

test('decodeTyped reports every problem with its path; undo puts the object back', () => {
  const obj = pod({ ports: [{ containerPort: '80' }], resources: { limits: { cpu: '1000m' } } }, { labels: { app: 1 }, bogus: true });
  const before = structuredClone(obj);
  const decoded = decodeTyped(obj, model, POD, { order: 'sorted', undoable: true });
  assert.deepEqual(decoded.unknown, ['metadata.bogus']);
  assert.deepEqual(decoded.problems.map((p) => [p.path.join('/'), p.value]), [
    ['metadata/labels/app', 1],
    ['spec/containers/0/ports/0/containerPort', '80'],
  ]);
  assert.equal(obj.spec.containers[0].resources.limits.cpu, '1');
  assert.equal('bogus' in obj.metadata, false);
  decoded.undo();
  assert.deepEqual(obj, before);
});
