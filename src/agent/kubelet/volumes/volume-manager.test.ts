// The volume manager against a real registry (SQLite in memory, in-process client, real token
// keys) writing real files under a temp agent dir; tmpfs mounts when running as root.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pod } from 'kubernetes-types/core/v1';
import { openSqliteStore } from '../../../storage/sqlite-store.ts';
import { ResourceIndex } from '../../../apiserver/resource-index.ts';
import { GenericRegistry } from '../../../apiserver/generic-registry.ts';
import { allResources } from '../../../api/all.ts';
import type { KObject } from '../../../api/types.ts';
import { inProcessClient } from '../../../client/in-process-client.ts';
import { createLogger } from '../../../cli/log.ts';
import { loadServiceAccountTokens } from '../../../apiserver/serviceaccount-tokens.ts';
import { tokenVolume } from '../../../apiserver/admission/service-account.ts';
import { containerMounts, refreshPodVolumes, setUpPodVolumes, tearDownPodVolumes, VolumeSetUpError, type VolumeContext } from './volume-manager.ts';
import { mountPoints } from './tmpfs.ts';

const isRoot = process.getuid?.() === 0;

async function cluster(t: { after(fn: () => Promise<void> | void): void }) {
  const root = mkdtempSync(join(tmpdir(), 'skiff-volumes-'));
  const agentDir = join(root, 'agent');
  const store = openSqliteStore(':memory:');
  const index = new ResourceIndex(allResources);
  const registry = new GenericRegistry(store, {});
  const tokens = await loadServiceAccountTokens(join(root, 'server-data'));
  const client = inProcessClient(registry, index, { name: 'system:node:n1', groups: ['system:nodes'] }, tokens);
  const ctx: VolumeContext = { client, agentDir, nodeName: 'n1', log: createLogger('error') };
  const uids: string[] = [];
  t.after(async () => {
    for (const uid of uids) await tearDownPodVolumes(uid, ctx);
    const left = (await mountPoints()).filter((m) => m.startsWith(root));
    rmSync(root, { recursive: true, force: true });
    await store.close();
    assert.deepEqual(left, [], 'no mount is left behind');
  });
  const r = (plural: string) => client.resource('', 'v1', plural);
  await r('serviceaccounts').create({ metadata: { name: 'default', namespace: 'default' } });
  await r('nodes').create({ metadata: { name: 'n1' }, status: { allocatable: { cpu: '4', memory: '8Gi' } } } as KObject);
  const createPod = async (spec: Pod['spec'], meta: Pod['metadata'] = {}): Promise<Pod> => {
    const pod = await r('pods').create({ metadata: { name: 'p', namespace: 'default', ...meta }, spec } as KObject) as Pod;
    uids.push(pod.metadata!.uid!);
    return pod;
  };
  return { root, agentDir, ctx, tokens, r, createPod };
}

const app = (extra: Record<string, unknown> = {}) => ({ name: 'app', image: 'busybox', ...extra });

test('configMap, secret and downwardAPI volumes hold upstream\'s files, links and modes', async (t) => {
  const c = await cluster(t);
  await c.r('configmaps').create({ metadata: { name: 'cfg', namespace: 'default' }, data: { 'app.conf': 'x=1\n', other: 'o' }, binaryData: { 'bin.dat': Buffer.from([0, 1, 2]).toString('base64') } } as KObject);
  await c.r('secrets').create({ metadata: { name: 'sec', namespace: 'default' }, data: { password: Buffer.from('hunter2').toString('base64'), user: Buffer.from('admin').toString('base64') } } as KObject);
  const pod = await c.createPod({
    containers: [app({ resources: { limits: { memory: '64Mi' }, requests: { cpu: '250m' } } })],
    volumes: [
      { name: 'all', configMap: { name: 'cfg' } },
      { name: 'some', configMap: { name: 'cfg', items: [{ key: 'app.conf', path: 'conf/app.conf', mode: 0o600 }], defaultMode: 0o640 } },
      { name: 'creds', secret: { secretName: 'sec', defaultMode: 0o400 } },
      { name: 'info', downwardAPI: { items: [
        { path: 'name', fieldRef: { fieldPath: 'metadata.name' } },
        { path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } },
        { path: 'annotations', fieldRef: { fieldPath: 'metadata.annotations' } },
        { path: 'tier', fieldRef: { fieldPath: "metadata.labels['tier']" } },
        { path: 'mem', resourceFieldRef: { containerName: 'app', resource: 'limits.memory', divisor: '1Mi' } },
        { path: 'cpu-limit', resourceFieldRef: { containerName: 'app', resource: 'limits.cpu' } },
        { path: 'cpu-req', resourceFieldRef: { containerName: 'app', resource: 'requests.cpu', divisor: '1m' } },
      ] } },
    ],
  }, { labels: { tier: 'web', app: 'shop' }, annotations: { note: 'say "hi"\n\\o/' } });

  const vols = await setUpPodVolumes(pod, c.ctx);
  const uid = pod.metadata!.uid!;
  const base = join(c.agentDir, 'pods', uid, 'volumes');
  const all = join(base, 'kubernetes.io~configmap', 'all');
  assert.deepEqual(vols.paths.get('all'), { hostPath: all, readOnly: true });
  assert.deepEqual(readdirSync(all).filter((n) => !n.startsWith('..')).sort(), ['app.conf', 'bin.dat', 'other']);
  assert.equal(readlinkSync(join(all, 'app.conf')), '..data/app.conf');
  assert.equal(readFileSync(join(all, 'app.conf'), 'utf8'), 'x=1\n');
  assert.deepEqual([...readFileSync(join(all, 'bin.dat'))], [0, 1, 2]);
  assert.equal(statSync(join(all, 'app.conf')).mode & 0o777, 0o644);
  assert.equal(statSync(all).mode & 0o777, 0o777);

  const some = vols.paths.get('some')!.hostPath;
  assert.deepEqual(readdirSync(some).filter((n) => !n.startsWith('..')), ['conf']);
  assert.equal(readlinkSync(join(some, 'conf')), '..data/conf');
  assert.equal(statSync(join(some, 'conf/app.conf')).mode & 0o777, 0o600);

  const creds = vols.paths.get('creds')!.hostPath;
  assert.equal(creds, join(base, 'kubernetes.io~secret', 'creds'));
  assert.equal(readFileSync(join(creds, 'password'), 'utf8'), 'hunter2');
  assert.equal(statSync(join(creds, 'user')).mode & 0o777, 0o400);
  if (isRoot) assert.ok((await mountPoints()).includes(creds), 'secret volume is a tmpfs');

  const info = vols.paths.get('info')!.hostPath;
  const read = (f: string) => readFileSync(join(info, f), 'utf8');
  assert.equal(read('name'), 'p');
  assert.equal(read('labels'), 'app="shop"\ntier="web"');
  assert.equal(read('annotations'), 'note="say \\"hi\\"\\n\\\\o/"');
  assert.equal(read('tier'), 'web');
  assert.equal(read('mem'), '64');
  assert.equal(read('cpu-limit'), '4', 'an unset limit is the node\'s allocatable');
  assert.equal(read('cpu-req'), '250');

  // Set-up is idempotent: a second call changes nothing.
  const before = readlinkSync(join(all, '..data'));
  await setUpPodVolumes(pod, c.ctx);
  assert.equal(readlinkSync(join(all, '..data')), before);
});

test('refresh brings configMap and label changes into place by swapping ..data', async (t) => {
  const c = await cluster(t);
  const cm = await c.r('configmaps').create({ metadata: { name: 'cfg', namespace: 'default' }, data: { a: '1', b: '2' } } as KObject);
  const pod = await c.createPod({
    containers: [app()],
    volumes: [{ name: 'cfg', configMap: { name: 'cfg' } }, { name: 'info', downwardAPI: { items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }] } }],
  }, { labels: { v: '1' } });
  const vols = await setUpPodVolumes(pod, c.ctx);
  const dir = vols.paths.get('cfg')!.hostPath;
  const old = readlinkSync(join(dir, '..data'));

  await c.r('configmaps').update({ ...cm, data: { a: 'one' } });
  const relabelled = structuredClone(pod);
  relabelled.metadata!.labels = { v: '2' };
  await refreshPodVolumes(relabelled, c.ctx);
  assert.equal(readFileSync(join(dir, 'a'), 'utf8'), 'one');
  assert.equal(existsSync(join(dir, 'b')), false);
  assert.notEqual(readlinkSync(join(dir, '..data')), old);
  assert.equal(existsSync(join(dir, old)), false, 'the old timestamped dir is gone');
  assert.equal(readFileSync(join(vols.paths.get('info')!.hostPath, 'labels'), 'utf8'), 'v="2"');

  // A source that disappears keeps the last good contents.
  await c.r('configmaps').delete('cfg', { namespace: 'default' });
  await refreshPodVolumes(relabelled, c.ctx);
  assert.equal(readFileSync(join(dir, 'a'), 'utf8'), 'one');
});

test('missing sources fail with upstream\'s messages unless optional', async (t) => {
  const c = await cluster(t);
  await c.r('configmaps').create({ metadata: { name: 'cfg', namespace: 'default' }, data: { a: '1' } } as KObject);
  const table: Array<[string, Record<string, unknown>, string | undefined]> = [
    ['missing configMap', { configMap: { name: 'nope' } }, 'MountVolume.SetUp failed for volume "v" : configmap "nope" not found'],
    ['optional configMap', { configMap: { name: 'nope', optional: true } }, undefined],
    ['missing key', { configMap: { name: 'cfg', items: [{ key: 'zz', path: 'zz' }] } }, 'MountVolume.SetUp failed for volume "v" : configmap references non-existent config key: zz'],
    ['optional missing key', { configMap: { name: 'cfg', optional: true, items: [{ key: 'zz', path: 'zz' }] } }, undefined],
    ['missing secret', { secret: { secretName: 'gone' } }, 'MountVolume.SetUp failed for volume "v" : secret "gone" not found'],
    ['missing projected secret', { projected: { sources: [{ secret: { name: 'gone' } }] } }, 'MountVolume.SetUp failed for volume "v" : secret "gone" not found'],
    ['missing claim', { persistentVolumeClaim: { claimName: 'data' } }, 'MountVolume.SetUp failed for volume "v" : error processing PVC default/data: failed to fetch PVC from API server: persistentvolumeclaims "data" not found'],
    ['hostPath Directory', { hostPath: { path: join(c.root, 'no-such-dir'), type: 'Directory' } }, `MountVolume.SetUp failed for volume "v" : hostPath type check failed: ${join(c.root, 'no-such-dir')} is not a directory`],
  ];
  let n = 0;
  for (const [what, source, want] of table) {
    const pod = await c.createPod({ containers: [app()], volumes: [{ name: 'v', ...source }] }, { name: `p${n++}` });
    if (want === undefined) {
      const vols = await setUpPodVolumes(pod, c.ctx);
      assert.ok(vols.paths.has('v'), what);
    } else {
      await assert.rejects(setUpPodVolumes(pod, c.ctx), (err: Error) => {
        assert.ok(err instanceof VolumeSetUpError, what);
        assert.equal(err.message, want, what);
        return true;
      });
    }
  }
});

test('hostPath types check and create as upstream', async (t) => {
  const c = await cluster(t);
  const file = join(c.root, 'a-file');
  writeFileSync(file, 'x');
  const sock = join(c.root, 's.sock');
  const listener = createServer().listen(sock);
  t.after(() => { listener.close(); });
  await new Promise((r) => listener.once('listening', r));
  const table: Array<[string, string, string | undefined]> = [
    [join(c.root, 'made/deep'), 'DirectoryOrCreate', undefined],
    [file, 'DirectoryOrCreate', `hostPath type check failed: ${file} is not a directory`],
    [join(c.root, 'new-file'), 'FileOrCreate', undefined],
    [join(c.root, 'no-parent/f'), 'FileOrCreate', 'ENOENT'],
    [file, 'File', undefined],
    [c.root, 'File', `hostPath type check failed: ${c.root} is not a file`],
    [sock, 'Socket', undefined],
    [file, 'Socket', `hostPath type check failed: ${file} is not a socket file`],
    [join(c.root, 'whatever'), '', undefined],
  ];
  let n = 0;
  for (const [path, type, want] of table) {
    const pod = await c.createPod({ containers: [app()], volumes: [{ name: 'h', hostPath: { path, type } }] }, { name: `h${n++}` });
    if (want === undefined) {
      const vols = await setUpPodVolumes(pod, c.ctx);
      assert.deepEqual(vols.paths.get('h'), { hostPath: path, readOnly: false }, `${type} ${path}`);
    } else {
      await assert.rejects(setUpPodVolumes(pod, c.ctx), (err: Error) => err.message.includes(want), `${type} ${path}`);
    }
  }
  assert.ok(statSync(join(c.root, 'made/deep')).isDirectory());
  assert.equal(statSync(join(c.root, 'new-file')).mode & 0o777, 0o644);
});

test('emptyDir on disk and in memory; tear-down unmounts and removes everything', async (t) => {
  const c = await cluster(t);
  const pod = await c.createPod({
    containers: [app({ resources: { limits: { memory: '256Mi' } } })],
    volumes: [{ name: 'scratch', emptyDir: {} }, { name: 'fast', emptyDir: { medium: 'Memory', sizeLimit: '1Mi' } }, { name: 'big', emptyDir: { medium: 'Memory' } }],
  });
  const uid = pod.metadata!.uid!;
  const vols = await setUpPodVolumes(pod, c.ctx);
  const scratch = vols.paths.get('scratch')!.hostPath;
  assert.equal(scratch, join(c.agentDir, 'pods', uid, 'volumes', 'kubernetes.io~empty-dir', 'scratch'));
  assert.equal(statSync(scratch).mode & 0o777, 0o777);
  writeFileSync(join(scratch, 'kept'), 'data');
  await setUpPodVolumes(pod, c.ctx);
  assert.equal(readFileSync(join(scratch, 'kept'), 'utf8'), 'data', 'set-up again keeps what the pod wrote');

  if (isRoot) {
    const info = readFileSync('/proc/self/mountinfo', 'utf8').split('\n');
    const optsOf = (dir: string) => info.find((l) => l.split(' ')[4] === dir)?.split(' - ')[1] ?? '';
    assert.match(optsOf(vols.paths.get('fast')!.hostPath), /^tmpfs tmpfs .*size=1024k/);
    assert.match(optsOf(vols.paths.get('big')!.hostPath), /^tmpfs tmpfs .*size=262144k/, 'capped at the pod\'s memory limit');
    assert.equal(statSync(vols.paths.get('fast')!.hostPath).mode & 0o7777, 0o1777);
  }

  await tearDownPodVolumes(uid, c.ctx);
  assert.equal(existsSync(join(c.agentDir, 'pods', uid)), false);
  assert.deepEqual((await mountPoints()).filter((m) => m.startsWith(c.root)), []);
  await tearDownPodVolumes(uid, c.ctx); // twice is harmless
});

test('the kube-api-access volume holds a pod-bound token, the CA and the namespace', async (t) => {
  const c = await cluster(t);
  await c.r('configmaps').create({ metadata: { name: 'kube-root-ca.crt', namespace: 'default' }, data: { 'ca.crt': 'PEM' } } as KObject);
  const volume = tokenVolume('kube-api-access-abcde');
  const pod = await c.createPod({
    serviceAccountName: 'default', nodeName: 'n1',
    containers: [app({ volumeMounts: [{ name: volume.name, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', readOnly: true }] })],
    volumes: [volume],
  });
  const vols = await setUpPodVolumes(pod, c.ctx);
  const dir = vols.paths.get(volume.name)!.hostPath;
  assert.equal(dir, join(c.agentDir, 'pods', pod.metadata!.uid!, 'volumes', 'kubernetes.io~projected', volume.name));
  assert.deepEqual(readdirSync(dir).filter((n) => !n.startsWith('..')).sort(), ['ca.crt', 'namespace', 'token']);
  for (const f of ['ca.crt', 'namespace', 'token']) {
    assert.ok(lstatSync(join(dir, f)).isSymbolicLink());
    assert.equal(statSync(join(dir, f)).mode & 0o777, 0o644);
  }
  assert.equal(readFileSync(join(dir, 'namespace'), 'utf8'), 'default');
  assert.equal(readFileSync(join(dir, 'ca.crt'), 'utf8'), 'PEM');
  const token = readFileSync(join(dir, 'token'), 'utf8');
  const claims = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());
  assert.equal(claims.sub, 'system:serviceaccount:default:default');
  assert.deepEqual(claims['kubernetes.io'].pod, { name: 'p', uid: pod.metadata!.uid });
  assert.equal(claims['kubernetes.io'].node.name, 'n1');
  assert.ok(claims.exp - claims.iat > 300 * 24 * 3600, '3607 s pod-bound tokens are extended');
  assert.equal(claims['kubernetes.io'].warnafter - claims.iat, 3607);
  assert.equal(c.tokens.authenticator.authenticate(token)?.name, 'system:serviceaccount:default:default');

  // Refreshing within the token's life reuses it: nothing is rewritten.
  const data = readlinkSync(join(dir, '..data'));
  await refreshPodVolumes(pod, c.ctx);
  assert.equal(readlinkSync(join(dir, '..data')), data);
  if (isRoot) assert.ok((await mountPoints()).includes(dir), 'projected volume is a tmpfs');
});

test('persistentVolumeClaim resolves to its bound PV\'s path', async (t) => {
  const c = await cluster(t);
  const path = join(c.root, 'storage', 'pvc-1');
  const claim = await c.r('persistentvolumeclaims').create({
    metadata: { name: 'data', namespace: 'default' },
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, volumeName: 'pv-1' },
  } as KObject);
  await c.r('persistentvolumes').create({
    metadata: { name: 'pv-1' },
    spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path, type: 'DirectoryOrCreate' }, claimRef: { namespace: 'default', name: 'data', uid: claim.metadata!.uid } },
  } as KObject);
  const pod = await c.createPod({ containers: [app()], volumes: [{ name: 'd', persistentVolumeClaim: { claimName: 'data', readOnly: true } }] });
  await assert.rejects(setUpPodVolumes(pod, c.ctx), /error processing PVC default\/data: PVC is not bound/);
  await c.r('persistentvolumeclaims').update({ ...claim, status: { phase: 'Bound' } } as KObject, { namespace: 'default', subresource: 'status' });
  const vols = await setUpPodVolumes(pod, c.ctx);
  assert.deepEqual(vols.paths.get('d'), { hostPath: path, readOnly: true });
  assert.ok(statSync(path).isDirectory());
});

test('container mounts: subPath (created), subPathExpr, readOnly and propagation', async (t) => {
  const c = await cluster(t);
  await c.r('configmaps').create({ metadata: { name: 'cfg', namespace: 'default' }, data: { 'nginx.conf': 'conf' } } as KObject);
  const container = app({
    env: [{ name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }, { name: 'DIR', value: 'logs-$(POD)' }],
    securityContext: { privileged: true },
    volumeMounts: [
      { name: 'data', mountPath: '/data' },
      { name: 'data', mountPath: '/sub', subPath: 'a/b' },
      { name: 'data', mountPath: '/expr', subPathExpr: '$(DIR)' },
      { name: 'cfg', mountPath: '/etc/nginx/nginx.conf', subPath: 'nginx.conf' },
      { name: 'data', mountPath: '/ro', readOnly: true, mountPropagation: 'HostToContainer' },
      { name: 'data', mountPath: '/bi', mountPropagation: 'Bidirectional' },
    ],
  });
  const pod = await c.createPod({ containers: [container], volumes: [{ name: 'data', emptyDir: {} }, { name: 'cfg', configMap: { name: 'cfg' } }] });
  const vols = await setUpPodVolumes(pod, c.ctx);
  const data = vols.paths.get('data')!.hostPath;
  const cfg = vols.paths.get('cfg')!.hostPath;
  const mounts = containerMounts(pod, pod.spec!.containers[0], vols);
  assert.deepEqual(mounts.map((m) => [m.containerPath, m.hostPath, m.readonly, m.propagation]), [
    ['/data', data, false, 'PROPAGATION_PRIVATE'],
    ['/sub', join(data, 'a/b'), false, 'PROPAGATION_PRIVATE'],
    ['/expr', join(data, 'logs-p'), false, 'PROPAGATION_PRIVATE'],
    ['/etc/nginx/nginx.conf', join(cfg, 'nginx.conf'), true, 'PROPAGATION_PRIVATE'],
    ['/ro', data, true, 'PROPAGATION_HOST_TO_CONTAINER'],
    ['/bi', data, false, 'PROPAGATION_BIDIRECTIONAL'],
  ]);
  assert.equal(statSync(join(data, 'a/b')).mode & 0o777, 0o777, 'a subPath gets the volume\'s mode');

  // A symlink out of the volume is refused; so is Bidirectional for unprivileged containers and an unknown volume.
  mkdirSync(join(c.root, 'outside'));
  const { symlinkSync } = await import('node:fs');
  symlinkSync(join(c.root, 'outside'), join(data, 'escape'));
  const bad = (vm: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
    () => containerMounts(pod, { name: 'app', image: 'busybox', volumeMounts: [{ name: 'data', mountPath: '/x', ...vm }], ...extra }, vols);
  assert.throws(bad({ subPath: 'escape' }), /not within volume path/);
  assert.throws(bad({ mountPropagation: 'Bidirectional' }), /Bidirectional mount propagation is available only to privileged containers/);
  assert.throws(bad({ name: 'nope' }), /cannot find volume "nope" to mount into container "app"/);
});
