// Probes and hooks against a real pod: containerd through the CRI, the pod reached on its own IP
// in its network namespace. Checks the texts a user would see and the ExecSync timeout path.
// Needs root (the harness runs containerd); skipped otherwise.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Container, Pod } from 'kubernetes-types/core/v1';
import { createLogger } from '../../../cli/log.ts';
import type { EventRecorder } from '../../../client/event-recorder.ts';
import { skipUnlessRoot, startCriHarness, TEST_IMAGES } from '../../../../test/helpers/cri-harness.ts';
import { until } from '../../../../test/helpers/wait.ts';
import { runHandler } from './lifecycle.ts';
import { ProbeManager } from './probe-manager.ts';
import { runProbeHandler } from './prober.ts';
import type { ProbeExec, ProbeTarget } from './types.ts';

test('probes and hooks against a pod in containerd', { skip: skipUnlessRoot, timeout: 90_000 }, async (t) => {
  const h = await startCriHarness({ log: (m) => t.diagnostic(m) });
  try {
    const { cri } = h;
    const sandboxConfig = {
      metadata: { name: 'web', namespace: 'default', uid: 'probe-uid', attempt: 0 },
      hostname: 'web', logDirectory: `${h.dir}/logs`,
      linux: { cgroupParent: `${h.cgroupRoot}/podprobe-uid` },
    };
    const { podSandboxId } = await cri.runPodSandbox({ config: sandboxConfig });
    const podIP = (await cri.podSandboxStatus({ podSandboxId })).status?.network?.ip ?? '';
    assert.ok(podIP, 'the sandbox has an IP');
    const { containerId } = await cri.createContainer({
      podSandboxId, sandboxConfig,
      config: { metadata: { name: 'app', attempt: 0 }, image: { image: TEST_IMAGES.httpd }, logPath: 'app/0.log' },
    });
    await cri.startContainer({ containerId });

    const exec: ProbeExec = (id, cmd, timeout) => cri.execSync({ containerId: id, cmd, timeout });
    const container: Container = { name: 'app', image: TEST_IMAGES.httpd, ports: [{ name: 'http', containerPort: 8080 }] };
    const pod: Pod = { metadata: { name: 'web', namespace: 'default', uid: 'probe-uid' }, spec: { containers: [container] } };
    const target: ProbeTarget = { pod, container, containerId, podIP, startedAt: Date.now() };

    await until('httpd answers its healthz probe', async () =>
      (await runProbeHandler({ httpGet: { path: '/healthz', port: 'http' } }, target, exec)).result === 'success', 15_000);
    assert.equal((await runProbeHandler({ tcpSocket: { port: 8080 } }, target, exec)).result, 'success');
    assert.deepEqual(await runProbeHandler({ tcpSocket: { port: 9999 } }, target, exec),
      { result: 'failure', output: `dial tcp ${podIP}:9999: connect: connection refused` });
    assert.deepEqual(await runProbeHandler({ exec: { command: ['cat', '/www/healthz'] } }, target, exec), { result: 'success', output: 'ok\n' });

    // The postStart/preStop hook runner, through ExecSync.
    assert.deepEqual(await runHandler({ exec: { command: ['rm', '/www/healthz'] } }, target, exec, 10), { ok: true, message: '' });
    const failedHook = await runHandler({ exec: { command: ['sh', '-c', 'echo bye >&2; exit 2'] } }, target, exec, 10);
    assert.equal(failedHook.message,
      'Exec lifecycle hook ([sh -c echo bye >&2; exit 2]) for Container "app" in Pod "web_default(probe-uid)" failed - error: command \'sh -c echo bye >&2; exit 2\' exited with 2: bye\n, message: "bye\\n"');

    // The probe target is gone now.
    assert.deepEqual(await runProbeHandler({ httpGet: { path: '/healthz', port: 8080 } }, target, exec),
      { result: 'failure', output: 'HTTP probe failed with statuscode: 404' });
    assert.deepEqual(await runProbeHandler({ exec: { command: ['cat', '/www/healthz'] } }, target, exec),
      { result: 'failure', output: "cat: can't open '/www/healthz': No such file or directory\n" });

    // A command slower than timeoutSeconds: containerd's ExecSync deadline.
    const started = Date.now();
    assert.deepEqual(await runProbeHandler({ exec: { command: ['sleep', '10'] }, timeoutSeconds: 1 }, target, exec),
      { result: 'failure', output: 'command "sleep 10" timed out' });
    assert.ok(Date.now() - started < 4_000, `containerd itself reported the timeout (${Date.now() - started} ms)`);

    // The manager, on real time: the liveness probe fails once the file is gone.
    const events: string[] = [];
    const recorder: EventRecorder = { event: (_o, _t, reason, message) => void events.push(`${reason}: ${message}`) };
    const failures: string[] = [];
    const manager = new ProbeManager({
      exec, recorder, log: createLogger('error'), onChange: () => undefined,
      onLivenessFailure: (_uid, _name, _id, _kind, message) => void failures.push(message),
    });
    try {
      const live: Container = { ...container, livenessProbe: { httpGet: { path: '/healthy', port: 8080 }, periodSeconds: 1, failureThreshold: 2 } };
      manager.addContainer({ ...target, container: live });
      await new Promise((r) => setTimeout(r, 1500));
      assert.deepEqual(failures, [], 'healthy while /www/healthy exists');
      await exec(containerId, ['rm', '/www/healthy'], 5);
      await until('the liveness failure', async () => failures.length > 0, 10_000);
      assert.deepEqual(failures, ['Container app failed liveness probe, will be restarted']);
      assert.ok(events.includes('Unhealthy: Liveness probe failed: HTTP probe failed with statuscode: 404'), events.join('\n'));
    } finally {
      manager.stop();
    }
  } finally {
    await h.cleanup();
  }
});
