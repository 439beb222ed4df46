// The pod workers for real: a private containerd (test/helpers/cri-harness.ts) and a real API
// server, pods bound to a Node of the test's own, driven through an informer as the kubelet does,
// and asserted as kubectl shows them. Needs root (CI is root); skipped otherwise.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { Pod } from 'kubernetes-types/core/v1';
import { startCriHarness, skipUnlessRoot, TEST_IMAGES, type CriHarness } from './helpers/cri-harness.ts';
import { startServer, type TestServer } from './helpers/server.ts';
import { until } from './helpers/wait.ts';
import { httpClient } from '../src/client/http-client.ts';
import { createInformer, type Informer } from '../src/client/informer.ts';
import { createEventRecorder } from '../src/client/event-recorder.ts';
import { createLogger } from '../src/cli/log.ts';
import type { KObject } from '../src/api/types.ts';
import type { Client } from '../src/client/client.ts';
import { startPodWorkers, type PodWorkers } from '../src/agent/kubelet/pods/pod-workers.ts';
import { ProbeManager } from '../src/agent/kubelet/probes/probe-manager.ts';
import { containerMounts, setUpPodVolumes, tearDownPodVolumes, type VolumeContext } from '../src/agent/kubelet/volumes/volume-manager.ts';
import { POD_UID_LABEL } from '../src/agent/kubelet/pods/labels.ts';

const NODE = `kp-${process.pid}`;
type PodObject = Pod & KObject;

interface Agent { workers: PodWorkers; probes: ProbeManager; informer: Informer<PodObject> }

test('pod workers run pods through containerd and report them to the API', { skip: skipUnlessRoot, timeout: 150_000 }, async (t) => {
  let harness: CriHarness | undefined;
  let server: TestServer | undefined;
  let agent: Agent | undefined;
  const agentDir = await mkdtemp(join(tmpdir(), 'skiff-kp-agent-'));
  const hookDir = join(agentDir, 'hook-out');
  const logLines: string[] = [];
  const log = createLogger('debug', {}, (l) => { logLines.push(l); });
  try {
    [harness, server] = await Promise.all([startCriHarness(), startServer()]);
    const h = harness;
    const s = server;
    const cfg = parseYaml(readFileSync(s.kubeconfig, 'utf8'));
    const client: Client = httpClient({
      server: s.url,
      ca: Buffer.from(cfg.clusters[0].cluster['certificate-authority-data'], 'base64').toString(),
      cert: Buffer.from(cfg.users[0].user['client-certificate-data'], 'base64').toString(),
      key: Buffer.from(cfg.users[0].user['client-key-data'], 'base64').toString(),
    });
    await client.resource('', 'v1', 'nodes').create({ apiVersion: 'v1', kind: 'Node', metadata: { name: NODE } } as KObject);
    const recorder = createEventRecorder(client, { component: 'kubelet', host: NODE }, log);

    const startAgent = async (): Promise<Agent> => {
      const volumeCtx: VolumeContext = { client, agentDir, nodeName: NODE, log };
      let workers: PodWorkers | undefined;
      const probes = new ProbeManager({
        exec: (containerId, cmd, timeoutSeconds) => h.cri.execSync({ containerId, cmd, timeout: timeoutSeconds }),
        recorder, log,
        onChange: (uid) => workers?.probeChanged(uid),
        onLivenessFailure: (uid, name, id, kind, message) => workers?.restartContainer(uid, name, id, kind, message),
      });
      workers = startPodWorkers({
        cri: h.cri, client, nodeName: NODE, nodeIP: h.gateway, agentDir, clusterDns: '10.43.0.10', clusterDomain: 'cluster.local',
        recorder, log, probes, cgroupRoot: h.cgroupRoot,
        volumes: {
          setUp: (pod) => setUpPodVolumes(pod, volumeCtx),
          mounts: containerMounts,
          tearDown: (uid) => tearDownPodVolumes(uid, volumeCtx),
        },
      });
      await workers.adopt();
      const informer = createInformer(client.resource<PodObject>('', 'v1', 'pods'), { fieldSelector: `spec.nodeName=${NODE}` });
      informer.addHandlers({ onAdd: (p) => workers!.sync(p), onUpdate: (_o, p) => workers!.sync(p), onDelete: (p) => workers!.forget(p) });
      await informer.synced();
      workers.synced();
      return { workers, probes, informer };
    };
    const stopAgent = async (a: Agent) => {
      a.informer.stop();
      await a.workers.stop();
      a.probes.stop();
    };
    agent = await startAgent();

    const getPod = async (name: string): Promise<Pod> => JSON.parse(await s.k('get', 'pod', name, '-o', 'json'));
    const createPod = async (pod: Pod) => {
      const r = await s.kubectl(['create', '-f', '-'], { input: JSON.stringify(pod) });
      assert.equal(r.code, 0, r.stderr);
      return r;
    };
    const podManifest = (name: string, spec: Partial<Pod['spec']>): Pod => ({
      apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' },
      spec: { nodeName: NODE, terminationGracePeriodSeconds: 1, containers: [], ...spec } as Pod['spec'],
    });
    const waitFor = async (name: string, what: string, check: (p: Pod) => boolean, ms = 20_000): Promise<Pod> => {
      let last: Pod | undefined;
      await until(`${name}: ${what}`, async () => {
        last = await getPod(name).catch(() => undefined);
        return !!last && check(last);
      }, ms).catch((err) => { throw new Error(`${err.message}\nlast: ${JSON.stringify(last?.status, null, 1)}`); });
      return last!;
    };
    const cgroupDirs = async (uid: string) => {
      const found: string[] = [];
      for (const hier of ['cpu', 'memory', 'pids', 'cpuset']) {
        for (const qos of ['', '/burstable', '/besteffort']) {
          const d = join('/sys/fs/cgroup', hier, h.cgroupRoot, `kubepods${qos}`, `pod${uid}`);
          if (await stat(d).then(() => true, () => false)) found.push(d);
        }
      }
      return found;
    };

    await t.test('a pod runs with its own IP, ready, with status as upstream reports it', async () => {
      const r = await createPod(podManifest('web', {
        volumes: [{ name: 'out', hostPath: { path: hookDir, type: 'DirectoryOrCreate' } }],
        containers: [{
          name: 'http', image: TEST_IMAGES.httpd, ports: [{ containerPort: 8080 }],
          volumeMounts: [{ name: 'out', mountPath: '/out' }],
          lifecycle: { preStop: { exec: { command: ['sh', '-c', 'echo stopping > /out/prestop'] } } },
          resources: { requests: { cpu: '100m', memory: '32Mi' }, limits: { cpu: '500m', memory: '64Mi' } },
          readinessProbe: { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 1 },
        }],
      }));
      assert.equal(r.code, 0, r.stderr);
      const pod = await waitFor('web', 'Running and Ready', (p) => p.status?.phase === 'Running'
        && !!p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
      const st = pod.status!;
      assert.match(st.podIP ?? '', /^10\.201\.\d+\.\d+$/);
      assert.deepEqual(st.podIPs, [{ ip: st.podIP }]);
      assert.equal(st.hostIP, h.gateway);
      assert.equal(st.qosClass, 'Burstable');
      assert.ok(st.startTime);
      assert.deepEqual(st.conditions?.map((c) => [c.type, c.status]), [
        ['PodReadyToStartContainers', 'True'], ['Initialized', 'True'], ['Ready', 'True'], ['ContainersReady', 'True'], ['PodScheduled', 'True'],
      ].filter(([type]) => type !== 'PodScheduled' || st.conditions!.some((c) => c.type === 'PodScheduled')));
      const cs = st.containerStatuses![0];
      assert.equal(cs.name, 'http');
      assert.equal(cs.ready, true);
      assert.equal(cs.started, true);
      assert.equal(cs.restartCount, 0);
      assert.match(cs.containerID ?? '', /^containerd:\/\/[0-9a-f]{64}$/);
      assert.ok(cs.state?.running?.startedAt);
      assert.ok(cs.imageID);
      const res = await fetch(`http://${st.podIP}:8080/`, { signal: AbortSignal.timeout(3000) });
      assert.equal(await res.text(), 'hello from skiff\n');
      // The pod cgroup carries the pod's limits.
      const [cgroup] = (await cgroupDirs(pod.metadata!.uid!)).filter((d) => d.includes('/memory/'));
      assert.ok(cgroup?.includes('/kubepods/burstable/pod'), cgroup);
      assert.equal((await readFile(join(cgroup, 'memory.limit_in_bytes'), 'utf8')).trim(), String(64 * 1024 * 1024));
      const shares = await readFile(join(cgroup.replace('/memory/', '/cpu/'), 'cpu.shares'), 'utf8');
      assert.equal(shares.trim(), '102');
      const events = await s.k('get', 'events', '--field-selector', 'involvedObject.name=web', '-o', 'json');
      const messages = JSON.parse(events).items.map((e: { reason: string; message: string }) => `${e.reason}: ${e.message}`);
      assert.ok(messages.includes('Created: Created container: http'), messages.join('\n'));
      assert.ok(messages.includes('Started: Started container http'), messages.join('\n'));
      assert.ok(messages.includes(`Pulled: Container image "${TEST_IMAGES.httpd}" already present on machine`), messages.join('\n'));

      // DNS and /etc/hosts as the kubelet sets them up.
      const cid = cs.containerID!.replace('containerd://', '');
      const cat = async (path: string) => (await h.cri.execSync({ containerId: cid, cmd: ['cat', path], timeout: 5 })).stdout.toString();
      const resolv = await cat('/etc/resolv.conf');
      assert.match(resolv, /^nameserver 10\.43\.0\.10$/m);
      assert.match(resolv, /^search default\.svc\.cluster\.local svc\.cluster\.local cluster\.local\b/m);
      assert.match(resolv, /^options ndots:5$/m);
      assert.match(await cat('/etc/hosts'), new RegExp(`^# Kubernetes-managed hosts file\\.\n[^]*\n${st.podIP!.replace(/\./g, '\\.')}\tweb\n$`));

      // Kill the process from the host: the container is restarted.
      const procs = await readFile(join('/sys/fs/cgroup/pids', h.cgroupRoot, 'kubepods/burstable', `pod${pod.metadata!.uid}`, cid, 'cgroup.procs'), 'utf8');
      for (const pid of procs.trim().split('\n')) process.kill(Number(pid), 'SIGKILL');
      const restarted = await waitFor('web', 'restartCount 1', (p) => p.status?.containerStatuses?.[0]?.restartCount === 1
        && !!p.status.containerStatuses[0].state?.running);
      const again = restarted.status!.containerStatuses![0];
      assert.notEqual(again.containerID, cs.containerID);
      assert.equal(again.lastState?.terminated?.exitCode, 137);
      assert.equal(again.lastState?.terminated?.containerID, cs.containerID);
    });

    await t.test('a crashing container goes into CrashLoopBackOff', async () => {
      await createPod(podManifest('crash', { containers: [{ name: 'app', image: TEST_IMAGES.busybox, command: ['sh', '-c', 'echo bye; exit 3'] }] }));
      const pod = await waitFor('crash', 'CrashLoopBackOff', (p) => p.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'CrashLoopBackOff');
      const cs = pod.status!.containerStatuses![0];
      assert.equal(pod.status!.phase, 'Running');
      assert.equal(cs.restartCount, 1);
      assert.match(cs.state!.waiting!.message!, /^back-off 10s restarting failed container=app pod=crash_default\(/);
      assert.equal(cs.lastState?.terminated?.exitCode, 3);
      assert.equal(cs.lastState?.terminated?.reason, 'Error');
      const ready = pod.status!.conditions!.find((c) => c.type === 'Ready')!;
      assert.match(await s.k('get', 'pod', 'crash', '--no-headers'), /^crash\s+0\/1\s+CrashLoopBackOff\s+1 \(\d+s ago\)\s+/);
      assert.equal(ready.reason, 'ContainersNotReady');
      assert.equal(ready.message, 'containers with unready status: [app]');
    });

    await t.test('a container over its memory limit is OOMKilled', async () => {
      await createPod(podManifest('hog', {
        restartPolicy: 'Never',
        containers: [{
          name: 'hog', image: TEST_IMAGES.busybox, // A moment's pause first: containerd only notices OOM kills once its shim watches the cgroup.
          command: ['sh', '-c', 'sleep 1; exec dd if=/dev/zero of=/dev/null bs=64M count=1'],
          resources: { limits: { memory: '16Mi' } },
        }],
      }));
      const pod = await waitFor('hog', 'Failed', (p) => p.status?.phase === 'Failed');
      const term = pod.status!.containerStatuses![0].state?.terminated;
      assert.equal(term?.reason, 'OOMKilled');
      assert.equal(term?.exitCode, 137);
    });

    await t.test('init containers run first; env, volumes and termination messages reach the app', async () => {
      await client.resource('', 'v1', 'configmaps').create({
        apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: 'default' }, data: { greeting: 'hello' },
      } as KObject, { namespace: 'default' });
      await createPod(podManifest('job', {
        restartPolicy: 'Never',
        volumes: [{ name: 'work', emptyDir: {} }],
        initContainers: [{ name: 'prepare', image: TEST_IMAGES.busybox, command: ['sh', '-c', 'echo prepared > /work/x'], volumeMounts: [{ name: 'work', mountPath: '/work' }] }],
        containers: [{
          name: 'main', image: TEST_IMAGES.busybox, volumeMounts: [{ name: 'work', mountPath: '/work' }],
          command: ['sh', '-c', 'printf "%s %s %s %s" "$(cat /work/x)" "$GREETING" "$MSG" "$(hostname)" > /dev/termination-log'],
          env: [
            { name: 'GREETING', valueFrom: { configMapKeyRef: { name: 'settings', key: 'greeting' } } },
            { name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
            { name: 'MSG', value: '$(GREETING)-from-$(POD)' },
          ],
        }],
      }));
      const pod = await waitFor('job', 'Succeeded', (p) => p.status?.phase === 'Succeeded');
      const init = pod.status!.initContainerStatuses![0];
      assert.equal(init.state?.terminated?.reason, 'Completed');
      assert.equal(init.state?.terminated?.exitCode, 0);
      const main = pod.status!.containerStatuses![0].state?.terminated;
      assert.equal(main?.reason, 'Completed');
      assert.equal(main?.message, 'prepared hello hello-from-job job');
      assert.equal(pod.status!.conditions!.find((c) => c.type === 'Ready')?.reason, 'PodCompleted');
      // A finished pod's sandbox is stopped.
      const sandboxes = await h.cri.listPodSandbox({ filter: { labelSelector: { [POD_UID_LABEL]: pod.metadata!.uid! } } });
      assert.deepEqual(sandboxes.items.map((x) => x.state), ['SANDBOX_NOTREADY']);
    });

    await t.test('a missing config map is CreateContainerConfigError', async () => {
      await createPod(podManifest('nocfg', {
        containers: [{ name: 'app', image: TEST_IMAGES.busybox, command: ['sleep', '60'], env: [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'absent', key: 'k' } } }] }],
      }));
      const pod = await waitFor('nocfg', 'CreateContainerConfigError', (p) => p.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'CreateContainerConfigError');
      assert.equal(pod.status!.containerStatuses![0].state!.waiting!.message, 'configmap "absent" not found');
      assert.equal(pod.status!.phase, 'Pending');
    });

    await t.test('a volume that cannot be set up keeps the pod ContainerCreating with FailedMount', async () => {
      await createPod(podManifest('nomount', {
        volumes: [{ name: 'cfg', configMap: { name: 'absent' } }],
        containers: [{ name: 'app', image: TEST_IMAGES.busybox, command: ['sleep', '60'], volumeMounts: [{ name: 'cfg', mountPath: '/cfg' }] }],
      }));
      const pod = await waitFor('nomount', 'status written', (p) => !!p.status?.containerStatuses?.length);
      assert.deepEqual(pod.status!.containerStatuses![0].state, { waiting: { reason: 'ContainerCreating' } });
      assert.equal(pod.status!.conditions!.find((c) => c.type === 'PodReadyToStartContainers')?.status, 'False');
      await until('FailedMount event', async () => JSON.parse(await s.k('get', 'events', '--field-selector', 'involvedObject.name=nomount', '-o', 'json')).items
        .some((e: { reason: string; message: string }) => e.reason === 'FailedMount' && e.message === 'MountVolume.SetUp failed for volume "cfg" : configmap "absent" not found'));
      const sandboxes = await h.cri.listPodSandbox({ filter: { labelSelector: { [POD_UID_LABEL]: pod.metadata!.uid! } } });
      assert.deepEqual(sandboxes.items, []);
    });

    await t.test('a failing liveness probe restarts the container', async () => {
      await createPod(podManifest('live', {
        containers: [{
          name: 'app', image: TEST_IMAGES.busybox, command: ['sh', '-c', 'touch /tmp/ok; exec sleep 3600'],
          livenessProbe: { exec: { command: ['cat', '/tmp/ok'] }, periodSeconds: 1, failureThreshold: 1 },
        }],
      }));
      const running = await waitFor('live', 'Running', (p) => p.status?.phase === 'Running' && !!p.status.containerStatuses?.[0]?.state?.running);
      const id = running.status!.containerStatuses![0].containerID!.replace('containerd://', '');
      await h.cri.execSync({ containerId: id, cmd: ['rm', '/tmp/ok'], timeout: 5 });
      const pod = await waitFor('live', 'restarted', (p) => p.status?.containerStatuses?.[0]?.restartCount === 1 && !!p.status.containerStatuses[0].state?.running);
      assert.equal(pod.status!.containerStatuses![0].lastState?.terminated?.exitCode, 137);
      const events = JSON.parse(await s.k('get', 'events', '--field-selector', 'involvedObject.name=live', '-o', 'json')).items
        .map((e: { reason: string; message: string }) => `${e.reason}: ${e.message}`);
      assert.ok(events.includes('Killing: Container app failed liveness probe, will be restarted'), events.join('\n'));
    });

    await t.test('an image that cannot be pulled goes into ImagePullBackOff', async () => {
      const image = '127.0.0.1:9/skiff/absent:1';
      await createPod(podManifest('nopull', { containers: [{ name: 'app', image, imagePullPolicy: 'IfNotPresent' }] }));
      const pod = await waitFor('nopull', 'ImagePullBackOff', (p) => p.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'ImagePullBackOff');
      assert.equal(pod.status!.containerStatuses![0].state!.waiting!.message, `Back-off pulling image "${image}"`);
      assert.equal(pod.status!.phase, 'Pending');
      const events = JSON.parse(await s.k('get', 'events', '--field-selector', 'involvedObject.name=nopull', '-o', 'json')).items
        .map((e: { reason: string; message: string }) => `${e.reason}: ${e.message}`);
      assert.ok(events.includes(`Pulling: Pulling image "${image}"`), events.join('\n'));
      assert.ok(events.some((e: string) => e.startsWith(`Failed: Failed to pull image "${image}": rpc error: code = `)), events.join('\n'));
      assert.ok(events.includes('Failed: Error: ErrImagePull'), events.join('\n'));
      assert.ok(events.includes(`BackOff: Back-off pulling image "${image}"`), events.join('\n'));
    });

    await t.test('an absent image with pull policy Never is ErrImageNeverPull', async () => {
      const image = 'skiff.test/absent:1';
      await createPod(podManifest('neverpull', { containers: [{ name: 'app', image, imagePullPolicy: 'Never' }] }));
      const pod = await waitFor('neverpull', 'ErrImageNeverPull', (p) => p.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'ErrImageNeverPull');
      assert.equal(pod.status!.containerStatuses![0].state!.waiting!.message, `Container image "${image}" is not present with pull policy of Never`);
    });

    await t.test('a sidecar init container keeps running next to the app', async () => {
      await createPod(podManifest('sidecar', {
        initContainers: [{ name: 'side', image: TEST_IMAGES.busybox, command: ['sleep', '3600'], restartPolicy: 'Always' }],
        containers: [{ name: 'main', image: TEST_IMAGES.busybox, command: ['sleep', '3600'] }],
      }));
      const pod = await waitFor('sidecar', 'Running and Ready', (p) => p.status?.phase === 'Running'
        && !!p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
      const side = pod.status!.initContainerStatuses![0];
      assert.ok(side.state?.running);
      assert.equal(side.started, true);
      assert.equal(side.ready, true);
      assert.equal(pod.status!.conditions!.find((c) => c.type === 'Initialized')?.status, 'True');
    });

    await t.test('after an agent restart, running containers are adopted untouched and orphans removed', async () => {
      const before = await getPod('web');
      const gone = await getPod('sidecar');
      await stopAgent(agent!);
      // While the agent is down, a pod is force-deleted: the new agent removes what is left of it.
      await s.k('delete', 'pod', 'sidecar', '--force', '--grace-period=0');
      agent = await startAgent();
      await until('the orphaned pod removed', async () =>
        (await h.cri.listPodSandbox({ filter: { labelSelector: { [POD_UID_LABEL]: gone.metadata!.uid! } } })).items.length === 0
        && (await cgroupDirs(gone.metadata!.uid!)).length === 0, 15_000);
      await new Promise((r) => setTimeout(r, 2500));
      const after = await getPod('web');
      assert.equal(after.status!.containerStatuses![0].containerID, before.status!.containerStatuses![0].containerID);
      assert.equal(after.status!.containerStatuses![0].restartCount, before.status!.containerStatuses![0].restartCount);
      assert.equal(after.status!.phase, 'Running');
      const running = (await h.cri.listContainers({ filter: { state: { state: 'CONTAINER_RUNNING' }, labelSelector: { [POD_UID_LABEL]: before.metadata!.uid! } } })).containers;
      assert.deepEqual(running.map((c) => `containerd://${c.id}`), [before.status!.containerStatuses![0].containerID]);
    });

    await t.test('deleting pods stops them, removes their cgroups and the objects', async () => {
      const names = ['web', 'crash', 'hog', 'job', 'nocfg', 'nomount', 'live', 'nopull', 'neverpull'];
      const pods = await Promise.all(names.map(getPod));
      await s.k('delete', 'pod', ...names, '--wait=false');
      await until('pods gone from the API', async () => JSON.parse(await s.k('get', 'pods', '-o', 'json')).items.length === 0, 30_000);
      for (const p of pods) {
        assert.deepEqual(await cgroupDirs(p.metadata!.uid!), [], p.metadata!.name);
        const left = await h.cri.listPodSandbox({ filter: { labelSelector: { [POD_UID_LABEL]: p.metadata!.uid! } } });
        assert.deepEqual(left.items, [], p.metadata!.name);
      }
      const web = pods[0];
      await assert.rejects(stat(join(agentDir, 'pods', web.metadata!.uid!)));
      // The preStop hook ran before the container was stopped.
      assert.equal(await readFile(join(hookDir, 'prestop'), 'utf8'), 'stopping\n');
      const events = JSON.parse(await s.k('get', 'events', '--field-selector', 'involvedObject.name=web', '-o', 'json')).items
        .map((e: { reason: string; message: string }) => `${e.reason}: ${e.message}`);
      assert.ok(events.includes('Killing: Stopping container http'), events.join('\n'));
    });
  } catch (err) {
    t.diagnostic(logLines.slice(-80).join(''));
    throw err;
  } finally {
    if (process.env.SKIFF_TEST_LOGS) t.diagnostic(logLines.join(''));
    if (agent) {
      agent.informer.stop();
      await agent.workers.stop();
      agent.probes.stop();
    }
    await harness?.cleanup();
    await server?.destroy();
    await rm(agentDir, { recursive: true, force: true });
  }
});
