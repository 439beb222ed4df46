// Volumes as containers see them: containerd through the CRI, mounts from containerMounts.
// Two containers share an emptyDir; configMap and kube-api-access files look as upstream's do
// (`ls` shows the ..data links), are read-only, and a configMap update reaches the running
// container. Needs root (the harness runs containerd); skipped otherwise.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Pod } from 'kubernetes-types/core/v1';
import { skipUnlessRoot, startCriHarness, TEST_IMAGES } from '../../../../test/helpers/cri-harness.ts';
import { until } from '../../../../test/helpers/wait.ts';
import { openSqliteStore } from '../../../storage/sqlite-store.ts';
import { ResourceIndex } from '../../../apiserver/resource-index.ts';
import { GenericRegistry } from '../../../apiserver/generic-registry.ts';
import { allResources } from '../../../api/all.ts';
import type { KObject } from '../../../api/types.ts';
import { inProcessClient } from '../../../client/in-process-client.ts';
import { createLogger } from '../../../cli/log.ts';
import { loadServiceAccountTokens } from '../../../apiserver/serviceaccount-tokens.ts';
import { tokenVolume, TOKEN_MOUNT_PATH } from '../../../apiserver/admission/service-account.ts';
import { containerMounts, refreshPodVolumes, setUpPodVolumes, tearDownPodVolumes } from './volume-manager.ts';
import { mountPoints } from './tmpfs.ts';

test('containers see shared, projected and read-only volumes as upstream lays them out', { skip: skipUnlessRoot, timeout: 90_000 }, async (t) => {
  const h = await startCriHarness({ log: (m) => t.diagnostic(m) });
  const store = openSqliteStore(':memory:');
  const agentDir = join(h.dir, 'agent');
  let podUid = '';
  const ctx = {
    client: inProcessClient(new GenericRegistry(store, {}), new ResourceIndex(allResources), { name: 'system:node:n1', groups: [] }, await loadServiceAccountTokens(join(h.dir, 'server'))),
    agentDir, nodeName: 'n1', log: createLogger('error'),
  };
  try {
    const r = (plural: string) => ctx.client.resource('', 'v1', plural);
    await r('serviceaccounts').create({ metadata: { name: 'default', namespace: 'default' } });
    await r('configmaps').create({ metadata: { name: 'kube-root-ca.crt', namespace: 'default' }, data: { 'ca.crt': 'CA' } } as KObject);
    const cm = await r('configmaps').create({ metadata: { name: 'web', namespace: 'default' }, data: { 'app.conf': 'v1' } } as KObject);
    const access = tokenVolume('kube-api-access-t3st1');
    const pod = await r('pods').create({
      metadata: { name: 'web', namespace: 'default' },
      spec: {
        serviceAccountName: 'default',
        containers: [
          { name: 'writer', image: TEST_IMAGES.busybox, volumeMounts: [{ name: 'shared', mountPath: '/out' }] },
          { name: 'reader', image: TEST_IMAGES.busybox, volumeMounts: [
            { name: 'shared', mountPath: '/in', readOnly: true },
            { name: 'config', mountPath: '/etc/config' },
            { name: access.name, mountPath: TOKEN_MOUNT_PATH, readOnly: true },
          ] },
        ],
        volumes: [{ name: 'shared', emptyDir: {} }, { name: 'config', configMap: { name: 'web' } }, access],
      },
    } as KObject) as Pod;
    podUid = pod.metadata!.uid!;
    const vols = await setUpPodVolumes(pod, ctx);

    const sandboxConfig = {
      metadata: { name: 'web', namespace: 'default', uid: podUid, attempt: 0 },
      hostname: 'web', logDirectory: join(h.dir, 'logs'),
      linux: { cgroupParent: `${h.cgroupRoot}/pod${podUid}` },
    };
    const { podSandboxId } = await h.cri.runPodSandbox({ config: sandboxConfig });
    const ids: Record<string, string> = {};
    for (const c of pod.spec!.containers) {
      const { containerId } = await h.cri.createContainer({
        podSandboxId, sandboxConfig,
        config: {
          metadata: { name: c.name, attempt: 0 }, image: { image: TEST_IMAGES.busybox },
          command: ['sh', '-c', 'sleep 3600'], logPath: `${c.name}/0.log`,
          mounts: containerMounts(pod, c, vols),
        },
      });
      await h.cri.startContainer({ containerId });
      ids[c.name] = containerId;
    }
    const sh = async (name: string, script: string) => {
      const res = await h.cri.execSync({ containerId: ids[name], cmd: ['sh', '-c', script], timeout: 10 });
      return { code: res.exitCode, out: Buffer.from(res.stdout).toString() + Buffer.from(res.stderr).toString() };
    };

    assert.equal((await sh('writer', 'echo hello > /out/msg')).code, 0);
    assert.deepEqual(await sh('reader', 'cat /in/msg'), { code: 0, out: 'hello\n' }, 'the other container sees the file');
    assert.notEqual((await sh('reader', 'touch /in/nope')).code, 0, 'a readOnly mount refuses writes');
    assert.notEqual((await sh('reader', 'echo x > /etc/config/app.conf')).code, 0, 'configMap volumes are read-only');

    const listing = (await sh('reader', `ls -la ${TOKEN_MOUNT_PATH}`)).out;
    assert.match(listing, /ca\.crt -> \.\.data\/ca\.crt/);
    assert.match(listing, /namespace -> \.\.data\/namespace/);
    assert.match(listing, /token -> \.\.data\/token/);
    assert.match(listing, /\.\.data -> \.\.\d{4}_\d\d_\d\d_\d\d_\d\d_\d\d\.\d+/);
    assert.match(listing, /^drwxrwxrwt .* \.$/m, 'the projected volume is a tmpfs');
    assert.deepEqual(await sh('reader', `cat ${TOKEN_MOUNT_PATH}/namespace`), { code: 0, out: 'default' });
    const token = (await sh('reader', `cat ${TOKEN_MOUNT_PATH}/token`)).out;
    assert.equal(JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()).sub, 'system:serviceaccount:default:default');

    // An update to the ConfigMap reaches the running container.
    assert.deepEqual(await sh('reader', 'cat /etc/config/app.conf'), { code: 0, out: 'v1' });
    await r('configmaps').update({ ...cm, data: { 'app.conf': 'v2' } });
    await refreshPodVolumes(pod, ctx);
    await until('the new contents inside the container', async () => (await sh('reader', 'cat /etc/config/app.conf')).out === 'v2', 5000);

    await h.cri.stopPodSandbox({ podSandboxId });
    await h.cri.removePodSandbox({ podSandboxId });
    await tearDownPodVolumes(podUid, ctx);
    assert.deepEqual((await mountPoints()).filter((m) => m.startsWith(agentDir)), [], 'no volume mount is left');
  } finally {
    if (podUid) await tearDownPodVolumes(podUid, ctx).catch(() => undefined);
    await store.close();
    await h.cleanup();
  }
});
