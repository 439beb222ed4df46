// kubectl logs, exec, attach, cp and port-forward through a real API server to the agent's
// HTTPS server and a real containerd, with kubectl 1.32 (WebSocket v5 exec, WebSocket-tunnelled
// port-forward) and 1.29 (SPDY for everything). The pod's containers are run by the test itself
// through the CRI, with upstream's labels, and its status is written by hand.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Input, PodSandboxConfig } from '../src/agent/runtime/cri-client.ts';
import { startAgentServer, agentServingCert } from '../src/agent/kubelet/server/agent-server.ts';
import { createLogger } from '../src/cli/log.ts';
import { startCriHarness, skipUnlessRoot, TEST_IMAGES, type CriHarness } from './helpers/cri-harness.ts';
import { KUBECTL, kubectlVersion, startServer, type TestServer } from './helpers/server.ts';
import { until } from './helpers/wait.ts';

const NODE = 'stream-node';
const POD = 'streamer';
const NS = 'default';
const KUBECTL_29 = kubectlVersion(29);
// Prints three lines, waits for /tmp/go, then ticks (for -f and attach).
const APP_SCRIPT = 'echo "attempt $ATTEMPT"; for i in 1 2 3; do echo "line $i"; done; '
  + 'while [ ! -f /tmp/go ]; do sleep 0.1; done; echo after-go; while true; do echo tick; sleep 0.3; done';

test('kubectl logs, exec, attach, cp and port-forward reach containers through the agent', { skip: skipUnlessRoot, timeout: 150_000 }, async (t) => {
  let harness: CriHarness | undefined;
  let server: TestServer | undefined;
  let agent: { close(): Promise<void> } | undefined;
  const children: ChildProcess[] = [];
  const work = await mkdtemp(join(tmpdir(), 'skiff-streaming-'));
  try {
    [harness, server] = await Promise.all([startCriHarness(), startServer()]);
    const h = harness;
    const s = server;
    const clientCa = await readFile(join(s.dataDir, 'server', 'tls', 'server-ca.crt'), 'utf8');
    const agentDir = join(work, 'agent');
    const tls = await agentServingCert(join(agentDir, 'tls'), NODE, ['127.0.0.1']);
    const started = await startAgentServer({ cri: h.cri, agentDir, tls, clientCa, log: createLogger('warn') }, 0, '127.0.0.1');
    agent = started;

    // ---- the Node and the Pod, as the real agent would report them ----
    // Status writes retry on conflicts: controllers may touch the objects at the same time.
    const writeStatus = async (path: string, mutate: (o: any) => void) => {
      for (;;) {
        const obj = (await s.http('GET', path)).json();
        mutate(obj);
        const r = await s.http('PUT', `${path}/status`, obj);
        if (r.status === 409) continue;
        assert.equal(r.status, 200, r.text);
        return;
      }
    };
    const created = await s.http('POST', '/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: NODE } });
    assert.equal(created.status, 201, created.text);
    await writeStatus(`/api/v1/nodes/${NODE}`, (node) => {
      node.status = {
        addresses: [{ type: 'InternalIP', address: '127.0.0.1' }, { type: 'Hostname', address: NODE }],
        daemonEndpoints: { kubeletEndpoint: { Port: started.port } },
        conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'ready', lastHeartbeatTime: new Date().toISOString(), lastTransitionTime: new Date().toISOString() }],
      };
    });

    const podRes = await s.http('POST', `/api/v1/namespaces/${NS}/pods`, {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: POD },
      spec: {
        nodeName: NODE,
        containers: [
          { name: 'app', image: 'busybox', command: ['sh', '-c', APP_SCRIPT] },
          { name: 'web', image: 'httpd', ports: [{ containerPort: 8080 }] },
        ],
      },
    });
    assert.equal(podRes.status, 201, podRes.text);
    const uid: string = podRes.json().metadata.uid;

    const sandboxConfig: Input<PodSandboxConfig> = {
      metadata: { name: POD, namespace: NS, uid, attempt: 0 },
      hostname: POD,
      logDirectory: join(agentDir, 'logs', 'pods', `${NS}_${POD}_${uid}`),
      labels: { 'io.kubernetes.pod.name': POD, 'io.kubernetes.pod.namespace': NS, 'io.kubernetes.pod.uid': uid },
      linux: { cgroupParent: `${h.cgroupRoot}/pod${uid}` },
    };
    const { podSandboxId } = await h.cri.runPodSandbox({ config: sandboxConfig });
    const runContainer = async (name: string, image: string, attempt: number, command?: string[]) => {
      const { containerId } = await h.cri.createContainer({
        podSandboxId, sandboxConfig,
        config: {
          metadata: { name, attempt }, image: { image }, command: command ?? [], logPath: `${name}/${attempt}.log`,
          envs: [{ key: 'ATTEMPT', value: String(attempt) }],
          labels: { 'io.kubernetes.pod.name': POD, 'io.kubernetes.pod.namespace': NS, 'io.kubernetes.pod.uid': uid, 'io.kubernetes.container.name': name },
          annotations: { 'io.kubernetes.container.restartCount': String(attempt) },
        },
      });
      await h.cri.startContainer({ containerId });
      return containerId;
    };
    const appId = await runContainer('app', TEST_IMAGES.busybox, 0, ['sh', '-c', APP_SCRIPT]);
    const webId = await runContainer('web', TEST_IMAGES.httpd, 0);

    const running = (name: string, id: string, restartCount = 0, lastState = {}) => ({
      name, ready: true, started: true, restartCount, image: name, imageID: name, containerID: `containerd://${id}`,
      state: { running: { startedAt: new Date().toISOString() } }, lastState,
    });
    const writePodStatus = (statuses: unknown[]) => writeStatus(`/api/v1/namespaces/${NS}/pods/${POD}`, (pod) => {
      pod.status = { ...pod.status, phase: 'Running', podIP: '10.0.0.1', containerStatuses: statuses };
    });
    await writePodStatus([running('app', appId), running('web', webId)]);
    await until('the app printed its lines', async () => (await readFile(join(sandboxConfig.logDirectory!, 'app', '0.log'), 'utf8').catch(() => '')).includes('line 3'));

    const both = [['1.32', KUBECTL], ['1.29', KUBECTL_29]] as const;

    await t.test('logs: container choice, tail, timestamps, limit, since', async () => {
      assert.equal(await s.k('logs', POD, '-c', 'app'), 'attempt 0\nline 1\nline 2\nline 3\n');
      assert.equal(await s.k('logs', POD, '-c', 'app', '--tail=1'), 'line 3\n');
      assert.equal(await s.k('logs', POD, '-c', 'app', '--tail=0'), '');
      assert.equal(await s.k('logs', POD, '-c', 'app', '--limit-bytes=6'), 'attemp');
      assert.equal(await s.k('logs', POD, '-c', 'app', '--since=1h'), 'attempt 0\nline 1\nline 2\nline 3\n');
      const stamped = (await s.k('logs', POD, '-c', 'app', '--timestamps', '--tail=2')).split('\n');
      assert.match(stamped[0], /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}(Z|[+-]\d\d:\d\d) line 2$/);
      assert.match(stamped[1], /^\S+ line 3$/);
      // kubectl picks the first container itself and says so.
      const defaulted = await s.kubectl(['logs', POD]);
      assert.equal(defaulted.stdout, 'attempt 0\nline 1\nline 2\nline 3\n');
      assert.match(defaulted.stderr, /Defaulted container "app" out of: app, web/);
      const old = await s.kubectl(['logs', POD, '-c', 'app', '--tail=2'], { binary: KUBECTL_29 });
      assert.equal(old.stdout, 'line 2\nline 3\n', old.stderr);
    });

    await t.test('logs: upstream errors', async () => {
      const noContainer = await s.http('GET', `/api/v1/namespaces/${NS}/pods/${POD}/log`);
      assert.equal(noContainer.status, 400);
      assert.equal(noContainer.json().message, `a container name must be specified for pod ${POD}, choose one of: [app web]`);
      const wrong = await s.kubectl(['logs', POD, '-c', 'nope']);
      assert.notEqual(wrong.code, 0);
      assert.match(wrong.stderr, /container nope is not valid for pod streamer/);
      const missing = await s.kubectl(['logs', 'no-such-pod']);
      assert.match(missing.stderr, /pods "no-such-pod" not found/);
      const badTail = await s.http('GET', `/api/v1/namespaces/${NS}/pods/${POD}/log?container=app&tailLines=-2`);
      assert.equal(badTail.status, 422);
      assert.match(badTail.json().message, /tailLines: Invalid value: -2: must be greater than or equal to 0/);
      const previous = await s.kubectl(['logs', POD, '-c', 'app', '--previous']);
      assert.match(previous.stderr, /previous terminated container "app" in pod "streamer" not found/);

      // A pod whose container has not started yet: the kubelet's words.
      assert.equal((await s.http('POST', `/api/v1/namespaces/${NS}/pods`, {
        apiVersion: 'v1', kind: 'Pod', metadata: { name: 'pending' }, spec: { nodeName: NODE, containers: [{ name: 'c', image: 'busybox' }] },
      })).status, 201);
      await writeStatus(`/api/v1/namespaces/${NS}/pods/pending`, (pending) => {
        pending.status = { phase: 'Pending', containerStatuses: [{ name: 'c', ready: false, restartCount: 0, image: 'busybox', imageID: '', state: { waiting: { reason: 'ContainerCreating' } } }] };
      });
      const waiting = await s.kubectl(['logs', 'pending']);
      assert.match(waiting.stderr, /container "c" in pod "pending" is waiting to start: ContainerCreating/);
    });

    await t.test('exec: output, exit code, stdin, missing container', async () => {
      for (const [version, binary] of both) {
        const r = await s.kubectl(['exec', POD, '-c', 'app', '--', 'sh', '-c', 'echo $((1+2)); echo err >&2; exit 3'], { binary });
        assert.equal(r.code, 3, `${version}: ${r.stderr}`);
        assert.equal(r.stdout, '3\n', version);
        assert.match(r.stderr, /err\n/, version);
        const input = `hello ${version}\n`.repeat(2000);
        const piped = await s.kubectl(['exec', '-i', POD, '-c', 'app', '--', 'sh', '-c', 'cat | wc -c'], { binary, input });
        assert.equal(piped.code, 0, `${version}: ${piped.stderr}`);
        assert.equal(piped.stdout.trim(), String(Buffer.byteLength(input)), version);
        const noTty = await s.kubectl(['exec', '-t', POD, '-c', 'app', '--', 'echo', 'over a pipe'], { binary });
        assert.equal(noTty.code, 0, `${version}: ${noTty.stderr}`);
        assert.match(noTty.stdout, /over a pipe/);
        const wrong = await s.kubectl(['exec', POD, '-c', 'nope', '--', 'true'], { binary });
        assert.notEqual(wrong.code, 0);
        assert.match(wrong.stderr, /container nope is not valid for pod streamer/, version);
      }
      // A real terminal (script gives kubectl a pty): tty on, stderr merged, the terminal size sent.
      for (const [version, binary] of both) {
        const tty = await runScript(`${binary} --kubeconfig ${s.kubeconfig} exec -it ${POD} -c app -- sh -c 'tty; echo done'`);
        assert.match(tty, /\/dev\/pts\/\d+\r\ndone\r\n/, `${version}: ${tty}`);
      }
    });

    await t.test('cp to and from the pod', async () => {
      for (const [version, binary] of both) {
        const local = join(work, `payload-${version}`);
        const data = randomBytes(300_000).toString('base64');
        await writeFile(local, data);
        const up = await s.kubectl(['cp', local, `${POD}:/tmp/payload`, '-c', 'app'], { binary });
        assert.equal(up.code, 0, `${version}: ${up.stderr}`);
        const sum = await s.kubectl(['exec', POD, '-c', 'app', '--', 'wc', '-c', '/tmp/payload'], { binary });
        assert.match(sum.stdout, new RegExp(`^${data.length} `), version);
        const back = join(work, `back-${version}`);
        const down = await s.kubectl(['cp', `${POD}:/tmp/payload`, back, '-c', 'app'], { binary });
        assert.equal(down.code, 0, `${version}: ${down.stderr}`);
        assert.equal(await readFile(back, 'utf8'), data, version);
      }
    });

    await t.test('port-forward reaches the pod\'s port', async () => {
      for (const [version, binary] of both) {
        const child = spawn(binary, ['--kubeconfig', s.kubeconfig, 'port-forward', `pod/${POD}`, ':8080'], { stdio: ['ignore', 'pipe', 'pipe'] });
        children.push(child);
        let out = '';
        child.stdout!.on('data', (d) => { out += d; });
        child.stderr!.on('data', (d) => { out += d; });
        await until(`${version} port-forward listening`, async () => /Forwarding from 127\.0\.0\.1:\d+ -> 8080/.test(out));
        const port = Number(/Forwarding from 127\.0\.0\.1:(\d+)/.exec(out)![1]);
        for (let i = 0; i < 2; i++) {
          const res = await fetch(`http://127.0.0.1:${port}/`);
          assert.equal(await res.text(), 'hello from skiff\n', `${version}: ${out}`);
        }
        child.kill();
      }
    });

    await t.test('logs -f follows, attach sees new output', async () => {
      const child = spawn(KUBECTL, ['--kubeconfig', s.kubeconfig, 'logs', '-f', POD, '-c', 'app'], { stdio: ['ignore', 'pipe', 'pipe'] });
      children.push(child);
      let out = '';
      child.stdout!.on('data', (d) => { out += d; });
      await until('logs -f printed the lines so far', async () => out.includes('line 3'));
      await s.k('exec', POD, '-c', 'app', '--', 'touch', '/tmp/go');
      await until('logs -f printed what came later', async () => /after-go\ntick\n/.test(out));
      child.kill();

      for (const [version, binary] of both) {
        const attach = spawn(binary, ['--kubeconfig', s.kubeconfig, 'attach', POD, '-c', 'app'], { stdio: ['ignore', 'pipe', 'pipe'] });
        children.push(attach);
        let seen = '';
        attach.stdout!.on('data', (d) => { seen += d; });
        attach.stderr!.on('data', (d) => { seen += d; });
        await until(`${version} attach streams the container's output`, async () => /tick\n/.test(seen));
        attach.kill();
      }
    });

    await t.test('logs --previous after a restart', async () => {
      await h.cri.stopContainer({ containerId: appId, timeout: 0 });
      const newId = await runContainer('app', TEST_IMAGES.busybox, 1, ['sh', '-c', APP_SCRIPT]);
      await writePodStatus([
        running('app', newId, 1, { terminated: { exitCode: 137, reason: 'Error', containerID: `containerd://${appId}`, startedAt: new Date().toISOString(), finishedAt: new Date().toISOString() } }),
        running('web', webId),
      ]);
      await until('the new attempt printed', async () => (await s.kubectl(['logs', POD, '-c', 'app'])).stdout.includes('line 3'));
      assert.equal(await s.k('logs', POD, '-c', 'app'), 'attempt 1\nline 1\nline 2\nline 3\n');
      const previous = await s.k('logs', POD, '-c', 'app', '--previous');
      assert.match(previous, /^attempt 0\nline 1\nline 2\nline 3\nafter-go\ntick\n/);

      // Crash-looping: the last attempt stopped and no new one yet; both show that last attempt.
      await h.cri.stopContainer({ containerId: newId, timeout: 0 });
      await writePodStatus([
        { ...running('app', '', 2, { terminated: { exitCode: 137, reason: 'Error', containerID: `containerd://${newId}`, startedAt: new Date().toISOString(), finishedAt: new Date().toISOString() } }), containerID: undefined, ready: false, state: { waiting: { reason: 'CrashLoopBackOff' } } },
        running('web', webId),
      ]);
      assert.match(await s.k('logs', POD, '-c', 'app'), /^attempt 1\n/);
      assert.match(await s.k('logs', POD, '-c', 'app', '--previous'), /^attempt 1\n/);
    });
  } finally {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    await agent?.close();
    await server?.destroy();
    await harness?.cleanup();
    await rm(work, { recursive: true, force: true });
  }
});

/** Runs a command under a pseudo-terminal (util-linux `script`), returning what it printed. */
function runScript(command: string): Promise<string> {
  return new Promise((resolve) => {
    const child = spawn('script', ['-qec', command, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { out += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('exit', () => { clearTimeout(timer); resolve(out); });
  });
}
