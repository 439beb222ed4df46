import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Container, Pod } from 'kubernetes-types/core/v1';
import { containerConfig, DEFAULT_MASKED_PATHS, type ContainerConfigInput } from './container-config.ts';
import { ContainerConfigError } from './env.ts';
import { containerHash } from './labels.ts';

const pod = (c: Container, spec: Partial<Pod['spec']> = {}): Pod => ({
  metadata: { name: 'web', namespace: 'shop', uid: 'u-1' },
  spec: { containers: [c], terminationGracePeriodSeconds: 20, ...spec } as Pod['spec'],
});
const input = (c: Container, o: Partial<ContainerConfigInput> = {}, spec: Partial<Pod['spec']> = {}): ContainerConfigInput => ({
  pod: pod(c, spec), container: c, restartCount: 2, imageRef: 'sha256:img', env: [{ key: 'NAME', value: 'world' }],
  mounts: [{ containerPath: '/etc/hosts', hostPath: '/x/etc-hosts' }], imageUser: {}, memoryCapacity: 1024 ** 3, ...o,
});

test('command, args, env, log path, labels and annotations', () => {
  const c: Container = {
    name: 'app', image: 'busybox:1', command: ['sh', '-c'], args: ['echo $(NAME) $$(NAME) $(OTHER)'], workingDir: '/w', tty: true, stdin: true,
    terminationMessagePolicy: 'FallbackToLogsOnError',
  };
  const cfg = containerConfig(input(c));
  assert.deepEqual(cfg.metadata, { name: 'app', attempt: 2 });
  assert.deepEqual(cfg.image, { image: 'sha256:img', userSpecifiedImage: 'busybox:1' });
  assert.deepEqual(cfg.command, ['sh', '-c']);
  assert.deepEqual(cfg.args, ['echo world $(NAME) $(OTHER)']);
  assert.equal(cfg.workingDir, '/w');
  assert.equal(cfg.logPath, 'app/2.log');
  assert.equal(cfg.tty, true);
  assert.equal(cfg.stdin, true);
  assert.deepEqual(cfg.labels, {
    'io.kubernetes.pod.name': 'web', 'io.kubernetes.pod.namespace': 'shop', 'io.kubernetes.pod.uid': 'u-1', 'io.kubernetes.container.name': 'app',
  });
  assert.deepEqual(cfg.annotations, {
    'io.kubernetes.container.hash': containerHash(c), 'io.kubernetes.container.restartCount': '2',
    'io.kubernetes.container.terminationMessagePath': '/dev/termination-log', 'io.kubernetes.container.terminationMessagePolicy': 'FallbackToLogsOnError',
    'io.kubernetes.pod.terminationGracePeriod': '20',
  });
  // No command: the image's entrypoint and cmd apply.
  const plain = containerConfig(input({ name: 'app', image: 'x' }));
  assert.deepEqual([plain.command, plain.args], [[], []]);
});

test('resources become cgroup values', () => {
  const cases: [Container['resources'], Record<string, number | undefined>][] = [
    [{}, { cpuShares: 2, memoryLimitInBytes: 0, cpuQuota: undefined, oomScoreAdj: 1000 }],
    [{ requests: { cpu: '250m', memory: '64Mi' }, limits: { cpu: '500m', memory: '128Mi' } },
      { cpuShares: 256, cpuQuota: 50000, cpuPeriod: 100000, memoryLimitInBytes: 128 * 1024 ** 2 }],
    [{ limits: { cpu: '2', memory: '1Gi' } }, { cpuShares: 2048, cpuQuota: 200000, memoryLimitInBytes: 1024 ** 3 }],
    [{ requests: { cpu: '1m' } }, { cpuShares: 2, cpuQuota: undefined }],
  ];
  for (const [resources, want] of cases) {
    const r = containerConfig(input({ name: 'app', resources })).linux!.resources!;
    for (const [k, v] of Object.entries(want)) assert.equal((r as Record<string, unknown>)[k], v, `${JSON.stringify(resources)} ${k}`);
  }
});

test('security context: container over pod, read-only root, masked paths unless privileged', () => {
  const c: Container = { name: 'app', securityContext: { runAsUser: 1000, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } } };
  const sc = containerConfig(input(c, {}, { securityContext: { runAsUser: 5, runAsGroup: 3000, fsGroup: 2000, supplementalGroups: [4000] } })).linux!.securityContext!;
  assert.deepEqual(sc.runAsUser, { value: 1000 });
  assert.deepEqual(sc.runAsGroup, { value: 3000 });
  assert.equal(sc.readonlyRootfs, true);
  assert.equal(sc.noNewPrivs, true);
  assert.equal(sc.privileged, false);
  assert.deepEqual(sc.supplementalGroups, [2000, 4000]);
  assert.deepEqual(sc.capabilities, { addCapabilities: [], dropCapabilities: ['ALL'] });
  assert.deepEqual(sc.maskedPaths, DEFAULT_MASKED_PATHS);
  assert.deepEqual(sc.namespaceOptions, { network: 'POD', pid: 'CONTAINER', ipc: 'POD' });
  const priv = containerConfig(input({ name: 'app', securityContext: { privileged: true } }, {}, { hostNetwork: true, shareProcessNamespace: true })).linux!.securityContext!;
  assert.equal(priv.privileged, true);
  assert.deepEqual(priv.maskedPaths, []);
  assert.deepEqual(priv.namespaceOptions, { network: 'NODE', pid: 'POD', ipc: 'POD' });
});

test('runAsNonRoot is checked against the image user with upstream messages', () => {
  const who = '(pod: "web_shop(u-1)", container: app)';
  const cases: [Container['securityContext'], ContainerConfigInput['imageUser'], string | undefined][] = [
    [{ runAsNonRoot: true }, { uid: 0 }, `container has runAsNonRoot and image will run as root ${who}`],
    [{ runAsNonRoot: true }, {}, `container has runAsNonRoot and image will run as root ${who}`],
    [{ runAsNonRoot: true }, { username: 'nobody' }, `container has runAsNonRoot and image has non-numeric user (nobody), cannot verify user is non-root ${who}`],
    [{ runAsNonRoot: true, runAsUser: 0 }, { uid: 1000 }, `container's runAsUser breaks non-root policy ${who}`],
    [{ runAsNonRoot: true }, { uid: 1000 }, undefined],
    [{ runAsNonRoot: true, runAsUser: 1000 }, { uid: 0 }, undefined],
    [{ runAsNonRoot: false }, { uid: 0 }, undefined],
  ];
  for (const [securityContext, imageUser, message] of cases) {
    const run = () => containerConfig(input({ name: 'app', securityContext }, { imageUser }));
    if (message) assert.throws(run, (e: Error) => e instanceof ContainerConfigError && e.message === message, message);
    else assert.doesNotThrow(run);
  }
});

test('the container hash follows the image only (the one field that may change)', () => {
  const a: Container = { name: 'app', image: 'x:1', resources: { limits: { cpu: '1' } } };
  assert.equal(containerHash(a), containerHash({ ...a, resources: { limits: { cpu: '2' } } }));
  assert.notEqual(containerHash(a), containerHash({ ...a, image: 'x:2' }));
  assert.equal(containerHash({ name: 'a', image: 'i' }), containerHash({ name: 'a', image: 'i', env: [{ name: 'X', value: '1' }] }));
});
