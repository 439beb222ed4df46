// Checks every protobuf schema table against the fixed schema format (see protobuf.md): each entry is
// "<number> <jsonName> <type>" plus optional flags, numbers and names are unique per message, and every
// referenced message is defined in some schema file (or is one of the codec's well-known types).
// A wrong table silently corrupts decoded objects, so this runs over every table that exists.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { messages as apps } from './apps.ts';
import { messages as autoscaling } from './autoscaling.ts';
import { messages as batch } from './batch.ts';
import { messages as coordination } from './coordination.ts';
import { messages as discovery } from './discovery.ts';
import { messages as events } from './events.ts';
import { messages as networking } from './networking.ts';
import { messages as policy } from './policy.ts';
import { messages as rbac } from './rbac.ts';
import { messages as scheduling } from './scheduling.ts';
import { messages as storage } from './storage.ts';

type Tables = Record<string, string>;

const SCALARS = new Set(['string', 'bytes', 'bool', 'int32', 'int64', 'double', 'float']);

// Converted specially by the codec, so no schema file defines them.
const WELL_KNOWN = new Set([
  'k8s.io.apimachinery.pkg.api.resource.Quantity',
  'k8s.io.apimachinery.pkg.util.intstr.IntOrString',
  'k8s.io.apimachinery.pkg.apis.meta.v1.Time',
  'k8s.io.apimachinery.pkg.apis.meta.v1.MicroTime',
  'k8s.io.apimachinery.pkg.apis.meta.v1.Duration',
  'k8s.io.apimachinery.pkg.runtime.RawExtension',
  'k8s.io.apimachinery.pkg.apis.meta.v1.FieldsV1',
]);

// `*` repeated, `?` Go pointer (a scalar's zero is kept), `inline` = Go struct embedded with `json:",inline"`,
// whose fields sit directly in the parent's JSON.
const FLAGS = new Set(['*', '?', 'inline']);

const MESSAGE_NAME = /^k8s\.io(\.[A-Za-z0-9]+)+$/;
// Usually camelCase; a few upstream names are capitalised (core's DaemonEndpoint has "Port").
const JSON_NAME = /^[A-Za-z][A-Za-z0-9]*$/;
const MAX_FIELD_NUMBER = 2 ** 29 - 1;

interface Field {
  number: number;
  jsonName: string;
  type: string;
  flags: string[];
}

// Parses one message's field list; throws on anything that is not a well-formed entry.
function parseFields(spec: string): Field[] {
  if (spec.trim() === '') throw new Error('empty field list');
  return spec.split(';').map((raw) => {
    const words = raw.trim().split(/\s+/);
    if (words.length === 1 && words[0] === '') throw new Error('empty entry');
    if (words.length < 3) throw new Error(`entry "${raw.trim()}" needs "<number> <jsonName> <type>"`);
    const [num, jsonName, type, ...flags] = words;
    if (!/^[1-9][0-9]*$/.test(num) || Number(num) > MAX_FIELD_NUMBER) throw new Error(`bad field number "${num}"`);
    return { number: Number(num), jsonName, type, flags };
  });
}

function valueTypeOf(type: string): string {
  const map = /^map<string,([^<>,\s]+)>$/.exec(type);
  return map ? map[1] : type;
}

// Every problem found in the tables, as "<message>: <what>" lines; empty when the tables are sound.
// `known` is the set of message names defined anywhere (all schema files together).
function checkTables(tables: Tables, known: Set<string>): string[] {
  const problems: string[] = [];
  for (const [message, spec] of Object.entries(tables)) {
    const report = (what: string) => problems.push(`${message}: ${what}`);
    if (!MESSAGE_NAME.test(message)) report('message name is not fully qualified');
    let fields: Field[];
    try {
      fields = parseFields(spec);
    } catch (err) {
      report((err as Error).message);
      continue;
    }
    const numbers = new Set<number>();
    const names = new Set<string>();
    for (const f of fields) {
      if (numbers.has(f.number)) report(`field number ${f.number} used twice`);
      numbers.add(f.number);
      if (names.has(f.jsonName)) report(`field name ${f.jsonName} used twice`);
      names.add(f.jsonName);
      if (!JSON_NAME.test(f.jsonName)) report(`bad json name "${f.jsonName}"`);

      const isMap = f.type.startsWith('map<');
      if (isMap && !/^map<string,[^<>,\s]+>$/.test(f.type)) report(`bad map type "${f.type}"`);
      const valueType = valueTypeOf(f.type);
      const isScalar = SCALARS.has(valueType);
      if (!isScalar && !MESSAGE_NAME.test(valueType)) report(`field ${f.jsonName}: unknown type "${f.type}"`);
      else if (!isScalar && !WELL_KNOWN.has(valueType) && !known.has(valueType)) {
        report(`field ${f.jsonName}: message ${valueType} is not defined in any schema file`);
      }

      for (const flag of f.flags) if (!FLAGS.has(flag)) report(`field ${f.jsonName}: unknown flag "${flag}"`);
      if (new Set(f.flags).size !== f.flags.length) report(`field ${f.jsonName}: repeated flag`);
      const repeated = f.flags.includes('*');
      if (f.flags.includes('?') && (repeated || isMap)) {
        report(`field ${f.jsonName}: "?" only applies to single (non-repeated, non-map) fields`);
      }
      if (repeated && isMap) report(`field ${f.jsonName}: a map cannot also be repeated`);
      if (f.flags.includes('inline') && (repeated || isMap || isScalar)) {
        report(`field ${f.jsonName}: "inline" only applies to a single message field`);
      }
    }
  }
  return problems;
}

// The schema files written for the non-core groups, each with the proto package its messages must live in.
const groupFiles: { file: string; tables: Tables; packages: string[] }[] = [
  { file: 'apps.ts', tables: apps, packages: ['k8s.io.api.apps.v1'] },
  { file: 'autoscaling.ts', tables: autoscaling, packages: ['k8s.io.api.autoscaling.v2', 'k8s.io.api.autoscaling.v1'] },
  { file: 'batch.ts', tables: batch, packages: ['k8s.io.api.batch.v1'] },
  { file: 'coordination.ts', tables: coordination, packages: ['k8s.io.api.coordination.v1'] },
  { file: 'discovery.ts', tables: discovery, packages: ['k8s.io.api.discovery.v1'] },
  { file: 'events.ts', tables: events, packages: ['k8s.io.api.events.v1'] },
  { file: 'networking.ts', tables: networking, packages: ['k8s.io.api.networking.v1'] },
  { file: 'policy.ts', tables: policy, packages: ['k8s.io.api.policy.v1'] },
  { file: 'rbac.ts', tables: rbac, packages: ['k8s.io.api.rbac.v1'] },
  { file: 'scheduling.ts', tables: scheduling, packages: ['k8s.io.api.scheduling.v1'] },
  { file: 'storage.ts', tables: storage, packages: ['k8s.io.api.storage.v1'] },
];

// meta.ts and core.ts come from another change; they are checked too once they exist.
async function loadOptional(file: string): Promise<Tables | undefined> {
  const url = new URL(`./${file}`, import.meta.url);
  if (!existsSync(url)) return undefined;
  const mod = (await import(url.href)) as { messages: Tables };
  return mod.messages;
}
const meta = await loadOptional('meta.ts');
const core = await loadOptional('core.ts');
const sharedPackages = ['k8s.io.apimachinery.pkg.apis.meta.v1.', 'k8s.io.api.core.v1.'];

const allFiles: { file: string; tables: Tables }[] = [
  ...groupFiles,
  ...(meta ? [{ file: 'meta.ts', tables: meta }] : []),
  ...(core ? [{ file: 'core.ts', tables: core }] : []),
];

const known = new Set<string>();
for (const { tables } of allFiles) for (const name of Object.keys(tables)) known.add(name);

test('no message is defined in two schema files', () => {
  const seen = new Map<string, string>();
  for (const { file, tables } of allFiles) {
    for (const name of Object.keys(tables)) {
      assert.equal(seen.get(name), undefined, `${name} defined in both ${seen.get(name)} and ${file}`);
      seen.set(name, file);
    }
  }
});

for (const { file, tables, packages } of groupFiles) {
  test(`${file}: every message lives in its group's proto package`, () => {
    const stray = Object.keys(tables).filter((name) => !packages.some((p) => name.startsWith(`${p}.`)));
    assert.deepEqual(stray, []);
    assert.ok(Object.keys(tables).length > 0);
  });

  test(`${file}: entries are well formed and every referenced message resolves`, () => {
    // Until meta.ts/core.ts exist, references into those two packages cannot be resolved here.
    const problems = checkTables(tables, known).filter(
      (p) => (meta && core) || !sharedPackages.some((pkg) => p.includes(`message ${pkg}`)),
    );
    assert.deepEqual(problems, []);
  });
}

for (const file of ['meta.ts', 'core.ts']) {
  test(`${file}: entries are well formed and every referenced message resolves`, (t) => {
    const entry = allFiles.find((f) => f.file === file);
    if (!entry) {
      t.skip(`${file} does not exist yet`);
      return;
    }
    assert.deepEqual(checkTables(entry.tables, known), []);
  });
}

test('references into meta/v1 and core/v1 resolve once those tables exist', (t) => {
  if (!meta || !core) {
    t.skip('meta.ts or core.ts does not exist yet');
    return;
  }
  const problems = groupFiles.flatMap(({ tables }) => checkTables(tables, known));
  assert.deepEqual(problems, []);
});

test('the checker rejects malformed tables', () => {
  const cases: { name: string; tables: Tables; problem: RegExp }[] = [
    { name: 'duplicate number', tables: { 'k8s.io.x.v1.A': '1 a string; 1 b string' }, problem: /field number 1 used twice/ },
    { name: 'duplicate name', tables: { 'k8s.io.x.v1.A': '1 a string; 2 a int32' }, problem: /field name a used twice/ },
    { name: 'empty entry', tables: { 'k8s.io.x.v1.A': '1 a string;; 2 b string' }, problem: /empty entry/ },
    { name: 'trailing separator', tables: { 'k8s.io.x.v1.A': '1 a string;' }, problem: /empty entry/ },
    { name: 'empty message', tables: { 'k8s.io.x.v1.A': '' }, problem: /empty field list/ },
    { name: 'missing type', tables: { 'k8s.io.x.v1.A': '1 a' }, problem: /needs/ },
    { name: 'zero number', tables: { 'k8s.io.x.v1.A': '0 a string' }, problem: /bad field number/ },
    { name: 'unknown scalar', tables: { 'k8s.io.x.v1.A': '1 a uint32' }, problem: /unknown type/ },
    { name: 'undefined message', tables: { 'k8s.io.x.v1.A': '1 a k8s.io.x.v1.Missing' }, problem: /not defined/ },
    { name: 'undefined map value', tables: { 'k8s.io.x.v1.A': '1 a map<string,k8s.io.x.v1.Missing>' }, problem: /not defined/ },
    { name: 'bad map', tables: { 'k8s.io.x.v1.A': '1 a map<int32,string>' }, problem: /bad map type/ },
    { name: 'unknown flag', tables: { 'k8s.io.x.v1.A': '1 a string !' }, problem: /unknown flag/ },
    { name: 'pointer on repeated', tables: { 'k8s.io.x.v1.A': '1 a int32 * ?' }, problem: /"\?" only applies/ },
    { name: 'pointer on map', tables: { 'k8s.io.x.v1.A': '1 a map<string,string> ?' }, problem: /"\?" only applies/ },
    { name: 'inline scalar', tables: { 'k8s.io.x.v1.A': '1 a string inline' }, problem: /"inline" only applies/ },
    { name: 'inline repeated', tables: { 'k8s.io.x.v1.A': '1 a k8s.io.x.v1.A * inline' }, problem: /"inline" only applies/ },
    { name: 'upper-case inline', tables: { 'k8s.io.x.v1.A': '1 a k8s.io.x.v1.A INLINE' }, problem: /unknown flag/ },
    { name: 'short message name', tables: { Deployment: '1 a string' }, problem: /not fully qualified/ },
    { name: 'json name', tables: { 'k8s.io.x.v1.A': '1 re-plicas int32' }, problem: /bad json name/ },
  ];
  for (const c of cases) {
    const problems = checkTables(c.tables, new Set(['k8s.io.x.v1.A']));
    assert.ok(problems.some((p) => c.problem.test(p)), `${c.name}: got ${JSON.stringify(problems)}`);
  }
  assert.deepEqual(checkTables({ 'k8s.io.x.v1.A': '1 a string; 2 b k8s.io.x.v1.A *; 3 c int32 ?; 4 d map<string,bytes>; 5 e k8s.io.x.v1.A inline; 6 f k8s.io.x.v1.A ?' }, new Set(['k8s.io.x.v1.A'])), []);
});

// Spot checks of wire facts kubectl relies on, so an accidental edit to a table cannot go unnoticed.
test('field numbers kubectl request bodies depend on', () => {
  const all: Tables = Object.assign({}, ...groupFiles.map((g) => g.tables));
  const field = (message: string, jsonName: string): string | undefined => {
    const spec = all[message];
    if (!spec) return undefined;
    return parseFields(spec).map((f) => [f.number, f.jsonName, f.type, ...f.flags].join(' ')).find((e) => e.split(' ')[1] === jsonName);
  };
  const cases: [string, string, string][] = [
    ['k8s.io.api.apps.v1.DeploymentSpec', 'replicas', '1 replicas int32 ?'],
    ['k8s.io.api.apps.v1.DeploymentSpec', 'template', '3 template k8s.io.api.core.v1.PodTemplateSpec'],
    ['k8s.io.api.apps.v1.DeploymentSpec', 'progressDeadlineSeconds', '9 progressDeadlineSeconds int32 ?'],
    ['k8s.io.api.apps.v1.DeploymentCondition', 'lastUpdateTime', '6 lastUpdateTime k8s.io.apimachinery.pkg.apis.meta.v1.Time'],
    ['k8s.io.api.apps.v1.StatefulSetSpec', 'ordinals', '11 ordinals k8s.io.api.apps.v1.StatefulSetOrdinals'],
    ['k8s.io.api.batch.v1.JobSpec', 'backoffLimit', '7 backoffLimit int32 ?'],
    ['k8s.io.api.batch.v1.JobSpec', 'successPolicy', '16 successPolicy k8s.io.api.batch.v1.SuccessPolicy'],
    ['k8s.io.api.batch.v1.CronJobSpec', 'timeZone', '8 timeZone string ?'],
    ['k8s.io.api.batch.v1.CronJobSpec', 'jobTemplate', '5 jobTemplate k8s.io.api.batch.v1.JobTemplateSpec'],
    ['k8s.io.api.networking.v1.IngressSpec', 'ingressClassName', '4 ingressClassName string ?'],
    ['k8s.io.api.networking.v1.IngressBackend', 'service', '4 service k8s.io.api.networking.v1.IngressServiceBackend'],
    ['k8s.io.api.networking.v1.HTTPIngressPath', 'pathType', '3 pathType string ?'],
    ['k8s.io.api.networking.v1.IngressRule', 'ingressRuleValue', '2 ingressRuleValue k8s.io.api.networking.v1.IngressRuleValue inline'],
    ['k8s.io.api.policy.v1.Eviction', 'deleteOptions', '2 deleteOptions k8s.io.apimachinery.pkg.apis.meta.v1.DeleteOptions'],
    ['k8s.io.api.autoscaling.v1.ScaleSpec', 'replicas', '1 replicas int32'],
    ['k8s.io.api.autoscaling.v2.MetricSpec', 'containerResource', '7 containerResource k8s.io.api.autoscaling.v2.ContainerResourceMetricSource'],
    ['k8s.io.api.rbac.v1.PolicyRule', 'nonResourceURLs', '5 nonResourceURLs string *'],
    ['k8s.io.api.scheduling.v1.PriorityClass', 'value', '2 value int32 ?'],
    ['k8s.io.api.storage.v1.StorageClass', 'allowVolumeExpansion', '6 allowVolumeExpansion bool ?'],
    ['k8s.io.api.discovery.v1.EndpointSlice', 'addressType', '4 addressType string'],
    ['k8s.io.api.events.v1.Event', 'regarding', '8 regarding k8s.io.api.core.v1.ObjectReference'],
    ['k8s.io.api.coordination.v1.LeaseSpec', 'renewTime', '4 renewTime k8s.io.apimachinery.pkg.apis.meta.v1.MicroTime'],
  ];
  for (const [message, jsonName, expected] of cases) {
    assert.equal(field(message, jsonName), expected, `${message}.${jsonName}`);
  }
});
