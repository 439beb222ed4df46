import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ApiError } from '../errors.ts';
import {
  decodeKubernetesProtobuf, encodeKubernetesProtobuf, formatGoDuration, messageNameFor, parseGoDuration,
} from './codec.ts';
import { WireError, WireWriter, readFields, readPackedVarints, readVarint } from './wire.ts';

// ---- helpers to build bodies by hand --------------------------------------------------------

function message(build: (w: WireWriter) => void): Uint8Array {
  const w = new WireWriter();
  build(w);
  return w.finish();
}

/** A full body: magic + runtime.Unknown around `raw`. */
function body(apiVersion: string, kind: string, raw: Uint8Array): Uint8Array {
  const envelope = message((w) => {
    w.bytes(1, message((t) => { t.string(1, apiVersion); t.string(2, kind); }));
    w.bytes(2, raw);
    w.string(3, '');
    w.string(4, '');
  });
  return Uint8Array.from([0x6b, 0x38, 0x73, 0x00, ...envelope]);
}

const meta = (name: string) => message((m) => m.string(1, name));

function badRequestMatching(pattern: RegExp) {
  return (err: unknown) => err instanceof ApiError && err.code === 400 && pattern.test(err.message);
}

// ---- wire -----------------------------------------------------------------------------------

test('wire: varints of every length, including ten-byte negatives', () => {
  const cases: [number[], bigint][] = [
    [[0x00], 0n],
    [[0x7f], 127n],
    [[0x96, 0x01], 150n],
    [[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01], 2n ** 64n - 1n],
  ];
  for (const [bytes, value] of cases) {
    assert.deepEqual(readVarint(Uint8Array.from(bytes), 0), { value, next: bytes.length });
  }
  assert.deepEqual(readFields(message((w) => w.varint(3, -1))), [
    { number: 3, wireType: 0, varint: 2n ** 64n - 1n, bytes: new Uint8Array(0) },
  ]);
});

test('wire: malformed input throws instead of reading past the end', () => {
  const cases: [string, number[], RegExp][] = [
    ['truncated varint', [0x08, 0x96], /truncated varint/],
    ['eleven-byte varint', [0x08, ...Array(10).fill(0xff), 0x01], /longer than 10 bytes/],
    ['length past end', [0x0a, 0x05, 0x61], /claims 5 bytes but only 1 remain/],
    ['huge length', [0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f], /claims/],
    ['truncated fixed64', [0x09, 1, 2, 3], /truncated fixed64/],
    ['truncated fixed32', [0x0d, 1], /truncated fixed32/],
    ['group wire type', [0x0b], /unsupported wire type 3/],
    ['field number zero', [0x00, 0x01], /field number 0/],
  ];
  for (const [name, bytes, pattern] of cases) {
    assert.throws(() => readFields(Uint8Array.from(bytes)), (e: unknown) => e instanceof WireError && pattern.test(e.message), name);
  }
  assert.throws(() => readPackedVarints(Uint8Array.from([0x80])), WireError);
});

// ---- kind mapping and envelope ----------------------------------------------------------------

test('apiVersion and kind map to proto message names', () => {
  const cases: [string, string, string | undefined][] = [
    ['v1', 'Pod', 'k8s.io.api.core.v1.Pod'],
    ['v1', 'Binding', 'k8s.io.api.core.v1.Binding'],
    ['apps/v1', 'Deployment', 'k8s.io.api.apps.v1.Deployment'],
    ['batch/v1', 'CronJob', 'k8s.io.api.batch.v1.CronJob'],
    ['networking.k8s.io/v1', 'Ingress', 'k8s.io.api.networking.v1.Ingress'],
    ['rbac.authorization.k8s.io/v1', 'Role', 'k8s.io.api.rbac.v1.Role'],
    ['policy/v1', 'Eviction', 'k8s.io.api.policy.v1.Eviction'],
    ['autoscaling/v1', 'Scale', 'k8s.io.api.autoscaling.v1.Scale'],
    ['meta.k8s.io/v1', 'DeleteOptions', 'k8s.io.apimachinery.pkg.apis.meta.v1.DeleteOptions'],
    ['v1', 'DeleteOptions', 'k8s.io.apimachinery.pkg.apis.meta.v1.DeleteOptions'],
    ['apps/v1', 'DeleteOptions', 'k8s.io.apimachinery.pkg.apis.meta.v1.DeleteOptions'],
    ['v1', 'Deployment', undefined],
    ['apps/v1', 'Pod', undefined],
    ['example.com/v1', 'Widget', undefined],
    ['v1', 'PodSpec', undefined], // a message, not a kind
    ['meta.k8s.io/v1', 'LabelSelector', undefined],
  ];
  for (const [apiVersion, kind, expected] of cases) assert.equal(messageNameFor(apiVersion, kind), expected, `${apiVersion} ${kind}`);
});

test('decode rejects bodies without the magic, unknown kinds and unknown fields', () => {
  const ns = message((w) => w.bytes(1, meta('x')));
  assert.throws(() => decodeKubernetesProtobuf(new TextEncoder().encode('{"kind":"Namespace"}')), badRequestMatching(/does not start with "k8s\\x00"/));
  assert.throws(() => decodeKubernetesProtobuf(Uint8Array.of(0x6b, 0x38)), badRequestMatching(/does not start/));
  assert.throws(() => decodeKubernetesProtobuf(body('v1', 'Widget', ns)), badRequestMatching(/no kind "Widget" is registered for version "v1"/));
  assert.throws(() => decodeKubernetesProtobuf(body('apps/v1', 'Namespace', ns)), badRequestMatching(/no kind "Namespace"/));
  assert.throws(() => decodeKubernetesProtobuf(body('v1', '', ns)), badRequestMatching(/names no kind/));

  const unknownTop = message((w) => { w.bytes(1, meta('x')); w.string(9, 'surprise'); });
  assert.throws(() => decodeKubernetesProtobuf(body('v1', 'Namespace', unknownTop)),
    badRequestMatching(/unknown protobuf field number 9 in k8s\.io\.api\.core\.v1\.Namespace$/));
  const unknownDeep = message((w) => w.bytes(2, message((spec) => spec.bytes(2, message((c) => c.string(99, 'x'))))));
  assert.throws(() => decodeKubernetesProtobuf(body('v1', 'Pod', unknownDeep)),
    badRequestMatching(/unknown protobuf field number 99 in k8s\.io\.api\.core\.v1\.Container \(at spec\.containers\[0\]\)/));

  const wrongWire = message((w) => w.varint(1, 5)); // metadata must be length-delimited
  assert.throws(() => decodeKubernetesProtobuf(body('v1', 'Namespace', wrongWire)), badRequestMatching(/wire type 0/));
  const truncated = body('v1', 'Namespace', ns).slice(0, -3);
  assert.throws(() => decodeKubernetesProtobuf(truncated), badRequestMatching(/malformed protobuf body/));
  const gzipped = Uint8Array.from([0x6b, 0x38, 0x73, 0x00, ...message((w) => { w.bytes(2, ns); w.string(3, 'gzip'); })]);
  assert.throws(() => decodeKubernetesProtobuf(gzipped), badRequestMatching(/content encoding "gzip"/));
});

// ---- zero values and well-known types -------------------------------------------------------

test('zero values: non-pointer scalars dropped, pointer scalars and nested messages kept', () => {
  const spec = message((s) => {
    s.bytes(2, message((c) => { c.string(1, 'app'); c.string(2, ''); c.bytes(8, new Uint8Array(0)); c.varint(16, false); }));
    s.string(3, '');                 // restartPolicy (non-pointer) ""
    s.varint(4, 0);                  // terminationGracePeriodSeconds (*int64) 0
    s.varint(11, false);             // hostNetwork (bool) false
    s.varint(21, false);             // automountServiceAccountToken (*bool) false
    s.bytes(14, message((sc) => sc.varint(2, 0))); // securityContext.runAsUser (*int64) 0
    s.varint(30, false);             // enableServiceLinks (*bool) false
    s.string(29, '');                // runtimeClassName (*string) ""
  });
  const pod = message((w) => { w.bytes(1, message((m) => { m.string(1, 'p'); m.string(2, ''); m.varint(7, 0); m.bytes(8, new Uint8Array(0)); })); w.bytes(2, spec); w.bytes(3, new Uint8Array(0)); });
  assert.deepEqual(decodeKubernetesProtobuf(body('v1', 'Pod', pod)), {
    apiVersion: 'v1', kind: 'Pod',
    object: {
      apiVersion: 'v1', kind: 'Pod',
      metadata: { name: 'p' },
      spec: {
        containers: [{ name: 'app', resources: {} }],
        terminationGracePeriodSeconds: 0,
        automountServiceAccountToken: false,
        securityContext: { runAsUser: 0 },
        enableServiceLinks: false,
        runtimeClassName: '',
      },
      status: {},
    },
  });
});

test('well-known types decode to their JSON forms', () => {
  const time = (seconds: number, nanos = 0) => message((t) => { t.varint(1, seconds); t.varint(2, nanos); });
  const cases: { name: string; kind: string; raw: Uint8Array; expected: Record<string, unknown> }[] = [
    {
      name: 'Time drops nanos, zero Time is dropped, deletionTimestamp kept',
      kind: 'Namespace',
      raw: message((w) => w.bytes(1, message((m) => { m.bytes(8, time(0)); m.bytes(9, time(1708882533, 999_000_000)); }))),
      expected: { metadata: { deletionTimestamp: '2024-02-25T17:35:33Z' } },
    },
    {
      name: 'MicroTime keeps microseconds; Event counts and series',
      kind: 'Event',
      raw: message((w) => {
        w.bytes(1, meta('e'));
        w.bytes(10, time(1708882533, 123_456_789));
        w.bytes(11, message((s) => { s.varint(1, 2); s.bytes(2, time(1708882533, 5000)); }));
        w.varint(8, 0); // count (non-pointer) 0
      }),
      expected: {
        metadata: { name: 'e' }, eventTime: '2024-02-25T17:35:33.123456Z',
        series: { count: 2, lastObservedTime: '2024-02-25T17:35:33.000005Z' },
      },
    },
    {
      name: 'IntOrString as number and as string; Quantity maps',
      kind: 'Service',
      raw: message((w) => w.bytes(2, message((s) => {
        s.bytes(1, message((p) => { p.varint(3, 80); p.bytes(4, message((t) => { t.varint(1, 0); t.varint(2, 8080); t.string(3, ''); })); }));
        s.bytes(1, message((p) => { p.varint(3, 81); p.bytes(4, message((t) => { t.varint(1, 1); t.varint(2, 0); t.string(3, 'http'); })); }));
      }))),
      expected: { spec: { ports: [{ port: 80, targetPort: 8080 }, { port: 81, targetPort: 'http' }] } },
    },
    {
      name: 'Quantity values in maps, entries without a value are zero',
      kind: 'ResourceQuota',
      raw: message((w) => w.bytes(2, message((s) => {
        s.bytes(1, message((e) => { e.string(1, 'cpu'); e.bytes(2, message((q) => q.string(1, '500m'))); }));
        s.bytes(1, message((e) => e.string(1, 'pods')));
      }))),
      expected: { spec: { hard: { cpu: '500m', pods: '0' } } },
    },
    {
      name: 'FieldsV1 becomes JSON; managedFields keep their time',
      kind: 'ConfigMap',
      raw: message((w) => w.bytes(1, message((m) => {
        m.string(1, 'c');
        m.bytes(17, message((e) => {
          e.string(1, 'kubectl'); e.string(2, 'Update'); e.string(3, 'v1'); e.bytes(4, time(1708882533)); e.string(6, 'FieldsV1');
          e.bytes(7, message((f) => f.bytes(1, new TextEncoder().encode('{"f:data":{".":{}}}'))));
        }));
      }))),
      expected: {
        metadata: {
          name: 'c',
          managedFields: [{ manager: 'kubectl', operation: 'Update', apiVersion: 'v1', time: '2024-02-25T17:35:33Z', fieldsType: 'FieldsV1', fieldsV1: { 'f:data': { '.': {} } } }],
        },
      },
    },
    {
      name: 'bytes map values are base64; string map values keep ""',
      kind: 'Secret',
      raw: message((w) => {
        w.bytes(2, message((e) => { e.string(1, 'bin'); e.bytes(2, Uint8Array.of(0, 255, 1)); }));
        w.bytes(4, message((e) => { e.string(1, 'empty'); e.string(2, ''); }));
      }),
      expected: { data: { bin: 'AP8B' }, stringData: { empty: '' } },
    },
  ];
  for (const c of cases) {
    const apiVersion = 'v1';
    assert.deepEqual(decodeKubernetesProtobuf(body(apiVersion, c.kind, c.raw)).object, { apiVersion, kind: c.kind, ...c.expected }, c.name);
  }
});

test('inline structs: fields Go embeds sit in the parent JSON', () => {
  const pod = {
    apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' },
    spec: {
      volumes: [{ name: 'cfg', configMap: { name: 'settings', defaultMode: 420 } }, { name: 'tmp', emptyDir: {} }],
      containers: [{
        name: 'app', image: 'nginx',
        env: [{ name: 'K', valueFrom: { secretKeyRef: { name: 's', key: 'k', optional: false } } }],
        livenessProbe: { httpGet: { path: '/healthz', port: 'http' }, periodSeconds: 3 },
        readinessProbe: { exec: { command: ['true'] }, failureThreshold: 1 },
        resources: {},
      }],
      ephemeralContainers: [{ name: 'debug', image: 'busybox', targetContainerName: 'app', resources: {} }],
    },
  };
  const decoded = decodeKubernetesProtobuf(encodeKubernetesProtobuf(pod));
  assert.deepEqual(decoded.object, pod);

  // On the wire the embedded struct is its own nested message: Probe{1 handler{2 httpGet{1 path}}, 4 periodSeconds}.
  const probe = message((p) => { p.bytes(1, message((h) => h.bytes(2, message((g) => g.string(1, '/h'))))); p.varint(4, 3); });
  const raw = message((w) => w.bytes(2, message((s) => s.bytes(2, message((c) => { c.string(1, 'app'); c.bytes(10, probe); })))));
  assert.deepEqual(decodeKubernetesProtobuf(body('v1', 'Pod', raw)).object,
    { apiVersion: 'v1', kind: 'Pod', spec: { containers: [{ name: 'app', livenessProbe: { httpGet: { path: '/h' }, periodSeconds: 3 } }] } });
  const pv = {
    apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'pv' },
    spec: { capacity: { storage: '1Gi' }, hostPath: { path: '/data', type: '' }, // type is a *string: "" is kept
      accessModes: ['ReadWriteOnce'], persistentVolumeReclaimPolicy: 'Retain' },
  };
  assert.deepEqual(decodeKubernetesProtobuf(encodeKubernetesProtobuf(pv)).object, pv, 'PersistentVolume');
});

test('repeated numbers are accepted packed and unpacked', () => {
  // PodSecurityContext.supplementalGroups (field 4, int64 *) once packed, once one per field.
  const packed = message((sc) => sc.bytes(4, Uint8Array.of(0x01, 0xe8, 0x07))); // 1, 1000 in one run
  const unpacked = message((sc) => { sc.varint(4, 1); sc.varint(4, 1000); });
  for (const [name, sc] of [['packed', packed], ['unpacked', unpacked]] as const) {
    const raw = message((w) => w.bytes(2, message((s) => s.bytes(14, sc))));
    assert.deepEqual(decodeKubernetesProtobuf(body('v1', 'Pod', raw)).object, { apiVersion: 'v1', kind: 'Pod', spec: { securityContext: { supplementalGroups: [1, 1000] } } }, name);
  }
});

test('Go duration strings', () => {
  const cases: [bigint, string][] = [
    [0n, '0s'], [1n, '1ns'], [1500n, '1.5µs'], [250_000_000n, '250ms'], [1_500_000_000n, '1.5s'], [30_000_000_000n, '30s'],
    [90_000_000_000n, '1m30s'], [3_600_000_000_000n, '1h0m0s'], [3_630_000_000_000n, '1h0m30s'], [-2_000_000_000n, '-2s'],
  ];
  for (const [ns, text] of cases) {
    assert.equal(formatGoDuration(ns), text);
    assert.equal(parseGoDuration(text), ns, text);
  }
  assert.equal(parseGoDuration('1h30m'), 5_400_000_000_000n);
  assert.equal(parseGoDuration('0'), 0n);
  for (const bad of ['', '5', '1x', 'h', '1.5']) assert.throws(() => parseGoDuration(bad), /invalid duration/, bad);
});

test('encode then decode round-trips rich objects', () => {
  const objects: Record<string, unknown>[] = [
    {
      apiVersion: 'v1', kind: 'Pod',
      metadata: {
        name: 'web', namespace: 'default', labels: { app: 'web' }, annotations: { note: '' }, generation: 3,
        creationTimestamp: '2024-02-25T17:35:33Z', deletionGracePeriodSeconds: 0,
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-1', uid: 'u1', controller: true, blockOwnerDeletion: false }],
        finalizers: ['f'],
      },
      spec: {
        containers: [{
          name: 'c', image: 'nginx', args: ['', 'x'], ports: [{ containerPort: 80, protocol: 'TCP' }],
          resources: { limits: { cpu: '1', memory: '128Mi' }, requests: { cpu: '100m' } },
          securityContext: { runAsUser: 0, runAsNonRoot: false, capabilities: { add: ['NET_ADMIN'] } },
          lifecycle: { preStop: { sleep: { seconds: 5 } } },
        }],
        restartPolicy: 'Always', terminationGracePeriodSeconds: 30, dnsPolicy: 'ClusterFirst', nodeSelector: { disk: 'ssd' },
        affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'k', operator: 'In', values: ['a'] }] }] } } },
        tolerations: [{ key: 'k', operator: 'Exists', effect: 'NoSchedule', tolerationSeconds: 0 }],
        topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'web' } } }],
        priority: 0,
      },
      status: {
        phase: 'Running', podIP: '10.42.0.5', podIPs: [{ ip: '10.42.0.5' }], startTime: '2024-02-25T17:35:34Z',
        conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: '2024-02-25T17:35:35Z' }],
        containerStatuses: [{ name: 'c', ready: true, restartCount: 2, image: 'nginx', imageID: 'sha', started: true, state: { running: { startedAt: '2024-02-25T17:35:34Z' } }, lastState: {} }],
      },
    },
    {
      apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' },
      spec: { podCIDR: '10.42.0.0/24', taints: [{ key: 'k', effect: 'NoExecute', timeAdded: '2024-02-25T17:35:33Z' }] },
      status: {
        capacity: { cpu: '2', pods: '110' }, addresses: [{ type: 'InternalIP', address: '127.0.0.1' }],
        daemonEndpoints: { kubeletEndpoint: { Port: 10250 } }, nodeInfo: { kubeletVersion: 'v1.32.0', architecture: 'amd64' },
        conditions: [{ type: 'Ready', status: 'True', lastHeartbeatTime: '2024-02-25T17:35:33Z' }],
      },
    },
    {
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' },
      spec: {
        replicas: 0, selector: { matchLabels: { app: 'd' } },
        template: { metadata: { labels: { app: 'd' } }, spec: { containers: [{ name: 'c', image: 'i', resources: {} }] } },
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: 1 } }, revisionHistoryLimit: 0,
      },
      status: {},
    },
    { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'p' }, target: { kind: 'Node', name: 'n1' } },
    { apiVersion: 'v1', kind: 'DeleteOptions', gracePeriodSeconds: 0, propagationPolicy: 'Foreground', preconditions: { uid: '' }, dryRun: ['All'] },
    {
      apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'svc' },
      subsets: [{ addresses: [{ ip: '10.42.0.5', nodeName: 'n1', targetRef: { kind: 'Pod', name: 'p' } }], ports: [{ port: 80, protocol: 'TCP' }] }],
    },
  ];
  for (const obj of objects) {
    assert.deepEqual(decodeKubernetesProtobuf(encodeKubernetesProtobuf(obj)).object, obj, `${obj.kind}`);
  }
  assert.throws(() => encodeKubernetesProtobuf({ apiVersion: 'v1', kind: 'Pod', spec: { bogus: 1 } }), /PodSpec has no field "bogus" \(at spec\)/);
});

// ---- real kubectl bodies --------------------------------------------------------------------

const KUBECTL = '/usr/bin/kubectl';
const SDK_BIN = '/usr/lib/google-cloud-sdk/bin';
const haveTools = existsSync(KUBECTL) && (() => {
  try { execFileSync('openssl', ['version'], { stdio: 'ignore' }); return true; } catch { return false; }
})();

interface Captured { path: string; contentType: string; decoded?: Record<string, unknown>; error?: string }

// Legacy discovery, enough for `kubectl run` to map Pod to its resource.
function discovery(path: string, port: number): unknown {
  const resources = (list: [string, string, boolean][]) => list.map(([name, kind, namespaced]) => ({
    name, singularName: kind.toLowerCase(), namespaced, kind, verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
  }));
  const group = (name: string) => ({ name, versions: [{ groupVersion: `${name}/v1`, version: 'v1' }], preferredVersion: { groupVersion: `${name}/v1`, version: 'v1' } });
  switch (path) {
    case '/version': return { major: '1', minor: '32', gitVersion: 'v1.32.0', platform: 'linux/amd64' };
    case '/api': return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: `127.0.0.1:${port}` }] };
    case '/apis': return { kind: 'APIGroupList', apiVersion: 'v1', groups: [group('apps'), group('batch')] };
    case '/api/v1': return {
      kind: 'APIResourceList', groupVersion: 'v1', resources: resources([
        ['namespaces', 'Namespace', false], ['pods', 'Pod', true], ['configmaps', 'ConfigMap', true], ['secrets', 'Secret', true],
        ['services', 'Service', true], ['serviceaccounts', 'ServiceAccount', true], ['resourcequotas', 'ResourceQuota', true],
        ['nodes', 'Node', false],
      ]),
    };
    case '/apis/apps/v1': return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: 'apps/v1', resources: resources([['deployments', 'Deployment', true]]) };
    case '/apis/batch/v1': return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: 'batch/v1', resources: resources([['jobs', 'Job', true], ['cronjobs', 'CronJob', true]]) };
  }
  return undefined;
}

async function withKubectlServer(fn: (kubectl: (bin: string, args: string[]) => Promise<string>, captured: Captured[]) => Promise<void>) {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-protobuf-'));
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-subj', '/CN=localhost',
      '-addext', 'subjectAltName=IP:127.0.0.1', '-days', '1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
    const captured: Captured[] = [];
    const server = createServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) },
      (req: IncomingMessage, res: ServerResponse) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          const send = (code: number, value: unknown) => {
            res.writeHead(code, { 'Content-Type': 'application/json' });
            res.end(JSON.stringify(value));
          };
          const path = (req.url ?? '').split('?')[0];
          if (req.method === 'POST') {
            const entry: Captured = { path, contentType: req.headers['content-type'] ?? '' };
            captured.push(entry);
            try {
              const raw = Buffer.concat(chunks);
              entry.decoded = entry.contentType === 'application/vnd.kubernetes.protobuf'
                ? decodeKubernetesProtobuf(new Uint8Array(raw)).object
                : JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
              send(201, entry.decoded);
            } catch (err) {
              entry.error = (err as Error).message;
              send(500, { kind: 'Status', apiVersion: 'v1', status: 'Failure', message: entry.error, reason: 'InternalError', code: 500 });
            }
            return;
          }
          const doc = req.method === 'GET' ? discovery(path, (server.address() as AddressInfo).port) : undefined;
          if (doc) send(200, doc);
          else send(404, { kind: 'Status', apiVersion: 'v1', status: 'Failure', message: 'not found', reason: 'NotFound', code: 404 });
        });
      });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    writeFileSync(join(dir, 'kubeconfig'), [
      'apiVersion: v1', 'kind: Config',
      `clusters: [{name: c, cluster: {server: "https://127.0.0.1:${port}", insecure-skip-tls-verify: true}}]`,
      'users: [{name: u, user: {token: dummy}}]',
      'contexts: [{name: x, context: {cluster: c, user: u, namespace: default}}]',
      'current-context: x', '',
    ].join('\n'));
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, KUBECONFIG: join(dir, 'kubeconfig') };
    const kubectl = async (bin: string, args: string[]) => (await promisify(execFile)(bin, args, { env, timeout: 30_000 })).stdout;
    try {
      await fn(kubectl, captured);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const podTemplate = (name: string, container: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  ({ metadata: {}, spec: { containers: [{ name, image: 'busybox', ...container, resources: {} }], ...extra } });

// Each command, the flags placed before any `--`, and the exact object kubectl meant to send.
// `kubectl run` builds its pod through the generic resource client, which sends JSON, not protobuf.
const commands: { args: string[]; validate?: false; json?: true; tail?: string[]; path: string; expected: Record<string, unknown> }[] = [
  {
    args: ['create', 'namespace', 'x'], path: '/api/v1/namespaces',
    expected: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'x' }, spec: {}, status: {} },
  },
  {
    args: ['create', 'configmap', 'c', '--from-literal=a=b'], path: '/api/v1/namespaces/default/configmaps',
    expected: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { a: 'b' } },
  },
  {
    args: ['create', 'secret', 'generic', 's', '--from-literal=p=q'], path: '/api/v1/namespaces/default/secrets',
    expected: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, data: { p: 'cQ==' } },
  },
  {
    args: ['create', 'deployment', 'd', '--image=nginx', '--replicas=0', '--port=80'], path: '/apis/apps/v1/namespaces/default/deployments',
    expected: {
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd', labels: { app: 'd' } },
      spec: {
        replicas: 0, selector: { matchLabels: { app: 'd' } },
        template: { metadata: { labels: { app: 'd' } }, spec: { containers: [{ name: 'nginx', image: 'nginx', ports: [{ containerPort: 80 }], resources: {} }] } },
        strategy: {},
      },
      status: {},
    },
  },
  {
    args: ['create', 'service', 'clusterip', 'svc', '--tcp=80:8080'], path: '/api/v1/namespaces/default/services',
    expected: {
      apiVersion: 'v1', kind: 'Service', metadata: { name: 'svc', labels: { app: 'svc' } },
      spec: { ports: [{ name: '80-8080', protocol: 'TCP', port: 80, targetPort: 8080 }], selector: { app: 'svc' }, type: 'ClusterIP' },
      status: { loadBalancer: {} },
    },
  },
  {
    args: ['create', 'job', 'j', '--image=busybox'], tail: ['--', 'echo', 'hi'], path: '/apis/batch/v1/namespaces/default/jobs',
    expected: {
      apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'j' },
      spec: { template: podTemplate('j', { command: ['echo', 'hi'] }, { restartPolicy: 'Never' }) }, status: {},
    },
  },
  {
    args: ['create', 'cronjob', 'cj', '--image=busybox', '--schedule=*/1 * * * *'], path: '/apis/batch/v1/namespaces/default/cronjobs',
    expected: {
      apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'cj' },
      spec: { schedule: '*/1 * * * *', jobTemplate: { metadata: { name: 'cj' }, spec: { template: podTemplate('cj', {}, { restartPolicy: 'OnFailure' }) } } },
      status: {},
    },
  },
  {
    args: ['run', 'p', '--image=busybox', '--restart=Never', '--labels=a=b', '--env=X=1', '--port=8080'], validate: false, json: true,
    tail: ['--', 'sleep', '10'], path: '/api/v1/namespaces/default/pods',
    expected: {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', labels: { a: 'b' } },
      spec: {
        containers: [{ name: 'p', image: 'busybox', args: ['sleep', '10'], ports: [{ containerPort: 8080 }], env: [{ name: 'X', value: '1' }], resources: {} }],
        restartPolicy: 'Never', dnsPolicy: 'ClusterFirst',
      },
      status: {},
    },
  },
  {
    args: ['create', 'serviceaccount', 'sa'], path: '/api/v1/namespaces/default/serviceaccounts',
    expected: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'sa' } },
  },
  {
    args: ['create', 'quota', 'q', '--hard=pods=10,cpu=2'], path: '/api/v1/namespaces/default/resourcequotas',
    expected: { apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'q' }, spec: { hard: { cpu: '2', pods: '10' } }, status: {} },
  },
];

// More typed-client commands whose kinds live in the other groups' tables; kubectl's own JSON is the oracle.
// `zeros` lists fields Go's JSON writes as 0 (no omitempty) that the decoder leaves out by design.
const otherGroupCommands: { args: string[]; path: string; zeros?: string[] }[] = [
  { args: ['create', 'ingress', 'web', '--rule=foo.com/bar=svc1:8080', '--default-backend=svc2:http'], path: '/apis/networking.k8s.io/v1/namespaces/default/ingresses' },
  { args: ['create', 'role', 'r', '--verb=get', '--resource=pods'], path: '/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles' },
  { args: ['create', 'clusterrole', 'cr', '--verb=get,list', '--resource=nodes'], path: '/apis/rbac.authorization.k8s.io/v1/clusterroles' },
  { args: ['create', 'rolebinding', 'rb', '--clusterrole=view', '--user=u'], path: '/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings' },
  { args: ['create', 'poddisruptionbudget', 'pdb', '--selector=app=a', '--min-available=1'], path: '/apis/policy/v1/namespaces/default/poddisruptionbudgets',
    zeros: ['currentHealthy', 'desiredHealthy', 'disruptionsAllowed', 'expectedPods'].map((f) => `status.${f}`) },
  { args: ['create', 'priorityclass', 'pc', '--value=1000', '--description=d'], path: '/apis/scheduling.k8s.io/v1/priorityclasses' },
];

// What `-o json --dry-run=client` prints is Go's JSON for the very object kubectl sends; it differs
// only in writing a zero creationTimestamp as null (the decoder leaves it out).
function withoutNullTimestamps(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNullTimestamps);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).filter(([k, v]) => !(k === 'creationTimestamp' && v === null)).map(([k, v]) => [k, withoutNullTimestamps(v)]));
}

test('real kubectl protobuf bodies decode to exactly the intended objects', { skip: !haveTools && 'kubectl or openssl missing', timeout: 180_000 }, async () => {
  await withKubectlServer(async (kubectl, captured) => {
    for (const c of commands) {
      const flags = c.validate === false ? [] : ['--validate=false'];
      captured.length = 0;
      await kubectl(KUBECTL, [...c.args, ...flags, ...(c.tail ?? [])]);
      const name = c.args.slice(0, 3).join(' ');
      assert.equal(captured.length, 1, `${name}: one POST`);
      const [post] = captured;
      assert.equal(post.error, undefined, `${name}: ${post.error}`);
      assert.equal(post.path, c.path, name);
      assert.equal(post.contentType, c.json ? 'application/json' : 'application/vnd.kubernetes.protobuf', name);
      assert.deepEqual(withoutNullTimestamps(post.decoded), c.expected, name);

      const printed = JSON.parse(await kubectl(KUBECTL, [...c.args, ...flags, '--dry-run=client', '-o', 'json', ...(c.tail ?? [])]));
      assert.deepEqual(withoutNullTimestamps(post.decoded), withoutNullTimestamps(printed), `${name}: matches kubectl's own JSON`);
      assert.deepEqual(decodeKubernetesProtobuf(encodeKubernetesProtobuf(c.expected)).object, c.expected, `${name}: round trip`);
    }
  });
});

// kubectl writes every non-pointer scalar, so a newer client sends fields an older one lacks
// (1.33 always writes PodStatus.observedGeneration); older clients must keep working too.
const otherVersions = ['kubectl.1.27', 'kubectl.1.33'].map((b) => join(SDK_BIN, b)).filter((b) => existsSync(b));
test('kubectl of other minor versions', { skip: (!haveTools || otherVersions.length === 0) && 'no other kubectl versions', timeout: 180_000 }, async () => {
  const run = commands.find((c) => c.args[0] === 'run')!;
  const deployment = commands.find((c) => c.args[1] === 'deployment')!;
  await withKubectlServer(async (kubectl, captured) => {
    for (const bin of otherVersions) {
      for (const c of [run, deployment]) {
        captured.length = 0;
        await kubectl(bin, [...c.args, ...(c.validate === false ? [] : ['--validate=false']), ...(c.tail ?? [])]);
        assert.equal(captured.length, 1, `${bin} ${c.args[1]}`);
        assert.equal(captured[0].error, undefined, `${bin} ${c.args[1]}: ${captured[0].error}`);
        if (bin.endsWith('1.33') && !c.json) assert.equal(captured[0].contentType, 'application/vnd.kubernetes.protobuf');
        // Older clients may still send JSON; either way the object must be the same.
        assert.deepEqual(withoutNullTimestamps(captured[0].decoded), c.expected, `${bin} ${c.args[1]} (${captured[0].contentType})`);
      }
    }
  });
});

test('real kubectl bodies of other groups decode to what kubectl prints as JSON', { skip: !haveTools && 'kubectl or openssl missing', timeout: 180_000 }, async () => {
  await withKubectlServer(async (kubectl, captured) => {
    for (const c of otherGroupCommands) {
      captured.length = 0;
      await kubectl(KUBECTL, [...c.args, '--validate=false']);
      const name = c.args.slice(0, 3).join(' ');
      assert.equal(captured.length, 1, `${name}: one POST`);
      assert.equal(captured[0].error, undefined, `${name}: ${captured[0].error}`);
      assert.equal(captured[0].path, c.path, name);
      assert.equal(captured[0].contentType, 'application/vnd.kubernetes.protobuf', name);
      const printed = JSON.parse(await kubectl(KUBECTL, [...c.args, '--validate=false', '--dry-run=client', '-o', 'json']));
      for (const path of c.zeros ?? []) {
        const keys = path.split('.');
        const parent = keys.slice(0, -1).reduce((o, k) => o[k] as Record<string, unknown>, printed as Record<string, unknown>);
        assert.equal(parent[keys.at(-1)!], 0, `${name}: ${path}`);
        delete parent[keys.at(-1)!];
      }
      assert.deepEqual(captured[0].decoded, withoutNullTimestamps(printed), name);
    }
  });
});
