import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ConfigMap, Container, Pod, Secret, Service } from 'kubernetes-types/core/v1';
import { ContainerConfigError, containerEnv, expand, resourceField, serviceEnvVars, type EnvLookups } from './env.ts';

const b64 = (s: string) => Buffer.from(s).toString('base64');
const ctx = { hostIP: '192.168.1.5', podIPs: ['10.42.0.7'], nodeCpuMilli: 4000, nodeMemory: 8 * 1024 ** 3 };

function lookups(o: { configMaps?: ConfigMap[]; secrets?: Secret[]; services?: Service[] } = {}): EnvLookups {
  return {
    configMap: async (ns, name) => o.configMaps?.find((c) => c.metadata?.namespace === ns && c.metadata?.name === name),
    secret: async (ns, name) => o.secrets?.find((c) => c.metadata?.namespace === ns && c.metadata?.name === name),
    services: async (ns) => (o.services ?? []).filter((s) => s.metadata?.namespace === ns),
  };
}

const pod = (c: Container, spec: Partial<Pod['spec']> = {}): Pod => ({
  metadata: { name: 'web', namespace: 'shop', uid: 'u-1', labels: { app: 'web' }, annotations: { note: 'x' } },
  spec: { nodeName: 'n1', serviceAccountName: 'sa', containers: [c], enableServiceLinks: false, ...spec } as Pod['spec'],
});

test('$(VAR) expansion as upstream: defined names replaced, undefined kept, $$ escapes', () => {
  const vars: Record<string, string> = { A: 'a', EMPTY: '' };
  const cases: [string, string][] = [
    ['$(A)', 'a'], ['x$(A)y', 'xay'], ['$(B)', '$(B)'], ['$$(A)', '$(A)'], ['$(EMPTY)-', '-'],
    ['$(A', '$(A'], ['$A', '$A'], ['a$', 'a$'], ['$$$(A)', '$a'], ['$(A)$(A)', 'aa'],
  ];
  for (const [input, want] of cases) assert.equal(expand(input, (n) => vars[n]), want, input);
});

test('env values, fieldRef, resourceFieldRef, configMap and secret keys, envFrom with prefix, in order', async () => {
  const c: Container = {
    name: 'app', image: 'x',
    resources: { requests: { cpu: '250m', memory: '64Mi' }, limits: { cpu: '1500m' } },
    envFrom: [{ configMapRef: { name: 'cfg' }, prefix: 'CFG_' }, { secretRef: { name: 'sec' } }],
    env: [
      { name: 'PLAIN', value: 'v' },
      { name: 'REF', value: '$(PLAIN)-$(CFG_mode)-$(NOPE)' },
      { name: 'NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
      { name: 'LABEL', valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } },
      { name: 'IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
      { name: 'HOST', valueFrom: { fieldRef: { fieldPath: 'status.hostIP' } } },
      { name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
      { name: 'CPU_LIMIT', valueFrom: { resourceFieldRef: { resource: 'limits.cpu' } } },
      { name: 'CPU_REQ_M', valueFrom: { resourceFieldRef: { resource: 'requests.cpu', divisor: '1m' } } },
      { name: 'MEM_LIMIT', valueFrom: { resourceFieldRef: { resource: 'limits.memory', divisor: '1Mi' } } },
      { name: 'FROM_CM', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'mode' } } },
      { name: 'FROM_SECRET', valueFrom: { secretKeyRef: { name: 'sec', key: 'password' } } },
      { name: 'OPTIONAL', valueFrom: { configMapKeyRef: { name: 'absent', key: 'k', optional: true } } },
    ],
  };
  const env = await containerEnv(pod(c), c, lookups({
    configMaps: [{ metadata: { name: 'cfg', namespace: 'shop' }, data: { mode: 'fast', 'bad=key': 'no' } }],
    secrets: [{ metadata: { name: 'sec', namespace: 'shop' }, data: { password: b64('s3cret') } }],
  }), ctx);
  assert.deepEqual(env, [
    { key: 'CFG_mode', value: 'fast' },
    { key: 'password', value: 's3cret' },
    { key: 'PLAIN', value: 'v' },
    { key: 'REF', value: 'v-fast-$(NOPE)' },
    { key: 'NAME', value: 'web' },
    { key: 'LABEL', value: 'web' },
    { key: 'IP', value: '10.42.0.7' },
    { key: 'HOST', value: '192.168.1.5' },
    { key: 'NODE', value: 'n1' },
    { key: 'CPU_LIMIT', value: '2' },
    { key: 'CPU_REQ_M', value: '250' },
    { key: 'MEM_LIMIT', value: String(8 * 1024) },
    { key: 'FROM_CM', value: 'fast' },
    { key: 'FROM_SECRET', value: 's3cret' },
  ]);
});

test('missing references fail with upstream messages unless optional', async () => {
  const cases: [Container['env'], Container['envFrom'], string][] = [
    [[{ name: 'X', valueFrom: { configMapKeyRef: { name: 'absent', key: 'k' } } }], undefined, 'configmap "absent" not found'],
    [[{ name: 'X', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'nokey' } } }], undefined, "couldn't find key nokey in ConfigMap shop/cfg"],
    [[{ name: 'X', valueFrom: { secretKeyRef: { name: 'absent', key: 'k' } } }], undefined, 'secret "absent" not found'],
    [[{ name: 'X', valueFrom: { secretKeyRef: { name: 'sec', key: 'nokey' } } }], undefined, "couldn't find key nokey in Secret shop/sec"],
    [undefined, [{ configMapRef: { name: 'gone' } }], 'configmap "gone" not found'],
    [undefined, [{ secretRef: { name: 'gone' } }], 'secret "gone" not found'],
  ];
  const l = lookups({ configMaps: [{ metadata: { name: 'cfg', namespace: 'shop' }, data: {} }], secrets: [{ metadata: { name: 'sec', namespace: 'shop' }, data: {} }] });
  for (const [env, envFrom, message] of cases) {
    const c: Container = { name: 'app', env, envFrom };
    await assert.rejects(containerEnv(pod(c), c, l, ctx), (err: Error) => err instanceof ContainerConfigError && err.message === message, message);
  }
  const optional: Container = { name: 'app', envFrom: [{ secretRef: { name: 'gone', optional: true } }], env: [{ name: 'Y', valueFrom: { secretKeyRef: { name: 'sec', key: 'no', optional: true } } }] };
  assert.deepEqual(await containerEnv(pod(optional), optional, l, ctx), []);
});

test('service link variables: the namespace\'s services when enabled, the kubernetes service always', async () => {
  const services: Service[] = [
    { metadata: { name: 'kubernetes', namespace: 'default' }, spec: { clusterIP: '10.43.0.1', ports: [{ name: 'https', port: 443, protocol: 'TCP' }] } },
    { metadata: { name: 'other', namespace: 'default' }, spec: { clusterIP: '10.43.0.9', ports: [{ port: 1 }] } },
    { metadata: { name: 'redis-main', namespace: 'shop' }, spec: { clusterIP: '10.43.0.20', ports: [{ name: 'db', port: 6379 }, { port: 53, protocol: 'UDP' }] } },
    { metadata: { name: 'headless', namespace: 'shop' }, spec: { clusterIP: 'None', ports: [{ port: 80 }] } },
  ];
  const c: Container = { name: 'app' };
  const off = await serviceEnvVars(pod(c), lookups({ services }));
  assert.deepEqual([...off.keys()], [
    'KUBERNETES_SERVICE_HOST', 'KUBERNETES_SERVICE_PORT', 'KUBERNETES_SERVICE_PORT_HTTPS', 'KUBERNETES_PORT',
    'KUBERNETES_PORT_443_TCP', 'KUBERNETES_PORT_443_TCP_PROTO', 'KUBERNETES_PORT_443_TCP_PORT', 'KUBERNETES_PORT_443_TCP_ADDR',
  ]);
  assert.equal(off.get('KUBERNETES_PORT'), 'tcp://10.43.0.1:443');
  const on = await serviceEnvVars(pod(c, { enableServiceLinks: true }), lookups({ services }));
  assert.equal(on.get('REDIS_MAIN_SERVICE_HOST'), '10.43.0.20');
  assert.equal(on.get('REDIS_MAIN_SERVICE_PORT'), '6379');
  assert.equal(on.get('REDIS_MAIN_SERVICE_PORT_DB'), '6379');
  assert.equal(on.get('REDIS_MAIN_PORT_53_UDP'), 'udp://10.43.0.20:53');
  assert.equal(on.get('REDIS_MAIN_PORT_53_UDP_PROTO'), 'udp');
  assert.ok(!on.has('HEADLESS_SERVICE_HOST'));
  assert.ok(!on.has('OTHER_SERVICE_HOST'));
  // Explicit env wins over a service variable of the same name.
  const own: Container = { name: 'app', env: [{ name: 'KUBERNETES_SERVICE_HOST', value: 'mine' }] };
  const env = await containerEnv(pod(own), own, lookups({ services }), ctx);
  assert.equal(env.find((e) => e.key === 'KUBERNETES_SERVICE_HOST')?.value, 'mine');
  assert.equal(env.filter((e) => e.key === 'KUBERNETES_SERVICE_HOST').length, 1);
});

test('resourceFieldRef rounds up to the divisor and falls back to node allocatable for unset limits', () => {
  const c: Container = { name: 'a', resources: { requests: { cpu: '100m', memory: '1G' } } };
  assert.equal(resourceField(c, 'limits.cpu', undefined, ctx), '4');
  assert.equal(resourceField(c, 'requests.cpu', undefined, ctx), '1');
  assert.equal(resourceField(c, 'requests.cpu', '1m', ctx), '100');
  assert.equal(resourceField(c, 'limits.memory', undefined, ctx), String(8 * 1024 ** 3));
  assert.equal(resourceField(c, 'requests.memory', '1Mi', ctx), String(Math.ceil(1e9 / 1048576)));
});
