// The node agent as a user meets it: `skiff server` runs a real node; a Deployment of a locally
// built HTTP image runs in containerd, answers on its pod IPs, heals, and survives a restart of
// skiff untouched. Needs root (CI is root).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile, readdir } from 'node:fs/promises';
import { promisify } from 'node:util';
import { SKIFF, startServer, type TestServer } from './helpers/server.ts';
import { skipUnlessRoot, testImageArchives, TEST_IMAGES } from './helpers/cri-harness.ts';
import { until } from './helpers/wait.ts';

const run = promisify(execFile);

interface PodJson {
  metadata: { name: string; uid: string; labels?: Record<string, string> };
  spec: { nodeName?: string };
  status: {
    phase?: string; podIP?: string; qosClass?: string;
    conditions?: Array<{ type: string; status: string }>;
    containerStatuses?: Array<{ name: string; ready: boolean; restartCount: number; containerID?: string; state?: Record<string, { reason?: string; exitCode?: number }>; lastState?: Record<string, { reason?: string; exitCode?: number }> }>;
  };
}

async function pods(s: TestServer, selector?: string): Promise<PodJson[]> {
  return JSON.parse(await s.k('get', 'pods', '-o', 'json', ...(selector ? ['-l', selector] : []))).items;
}

async function pod(s: TestServer, name: string): Promise<PodJson> {
  return JSON.parse(await s.k('get', 'pod', name, '-o', 'json'));
}

const isReady = (p: PodJson) => p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

async function httpGet(ip: string, path = '/'): Promise<string | undefined> {
  const res = await fetch(`http://${ip}:8080${path}`, { signal: AbortSignal.timeout(2000) }).catch(() => undefined);
  return res?.ok ? await res.text() : undefined;
}

/** PIDs on this host whose cgroup is the given pod's and whose command line contains `needle`. */
async function podProcesses(uid: string, needle: string): Promise<number[]> {
  const out: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const cgroup = await readFile(`/proc/${entry}/cgroup`, 'utf8').catch(() => '');
    if (!cgroup.includes(`pod${uid}`)) continue;
    const cmdline = (await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '')).replaceAll('\0', ' ');
    if (cmdline.includes(needle)) out.push(Number(entry));
  }
  return out;
}

const DEPLOYMENT = `
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  selector:
    matchLabels: { app: web }
  template:
    metadata:
      labels: { app: web }
    spec:
      containers:
      - name: web
        image: ${TEST_IMAGES.httpd}
        ports: [{ containerPort: 8080, name: http }]
        resources:
          requests: { cpu: 50m, memory: 16Mi }
          limits: { cpu: 200m, memory: 64Mi }
        readinessProbe:
          httpGet: { path: /healthz, port: http }
          periodSeconds: 1
`;

// Seed 003's kuard Pod, with the local HTTP image (it serves /healthy and /ready) and an emptyDir
// shared with a second container instead of NFS.
const KUARD = `
apiVersion: v1
kind: Pod
metadata:
  name: kuard
spec:
  volumes:
  - name: kuard-data
    emptyDir: {}
  containers:
  - image: ${TEST_IMAGES.httpd}
    name: kuard
    ports: [{ containerPort: 8080, name: http, protocol: TCP }]
    resources:
      requests: { cpu: 500m, memory: 128Mi }
      limits: { cpu: 1000m, memory: 256Mi }
    volumeMounts: [{ mountPath: /data, name: kuard-data }]
    livenessProbe:
      httpGet: { path: /healthy, port: 8080 }
      initialDelaySeconds: 1
      timeoutSeconds: 1
      periodSeconds: 1
      failureThreshold: 3
    readinessProbe:
      httpGet: { path: /ready, port: 8080 }
      initialDelaySeconds: 1
      timeoutSeconds: 1
      periodSeconds: 1
  - image: ${TEST_IMAGES.busybox}
    name: writer
    command: [sh, -c, 'echo written-by-writer > /shared/note; sleep 3600']
    volumeMounts: [{ mountPath: /shared, name: kuard-data }]
`;

test('a real node runs, heals and keeps pods across a restart', { skip: skipUnlessRoot, timeout: 300_000 }, async (t) => {
  let s = await startServer({ agent: true });
  t.after(() => s.destroy());

  // The node registers with what the machine has and turns Ready once its pod network is up.
  await until('node Ready', async () => {
    const nodes = JSON.parse(await s.k('get', 'nodes', '-o', 'json')).items as Array<{ status: { conditions?: Array<{ type: string; status: string }> } }>;
    return nodes.length === 1 && !!nodes[0].status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
  }, 60_000);
  const node = JSON.parse(await s.k('get', 'nodes', '-o', 'json')).items[0];
  assert.equal(node.metadata.labels['node-role.kubernetes.io/control-plane'], 'true');
  assert.equal(node.metadata.labels['kubernetes.io/os'], 'linux');
  assert.equal(node.status.capacity.pods, '110');
  assert.match(node.status.nodeInfo.containerRuntimeVersion, /^containerd:\/\//);
  assert.ok(node.spec.podCIDR, 'the node got a pod CIDR');

  const archives = await testImageArchives();
  for (const archive of [archives.httpd, archives.busybox]) {
    await run(SKIFF, ['images', 'import', archive, '--data-dir', s.dataDir]);
  }

  // The archetype: a 2-replica Deployment, each pod with its own IP answering HTTP.
  await s.kubectl(['apply', '-f', '-'], { input: DEPLOYMENT });
  await s.k('rollout', 'status', 'deployment/web', '--timeout=120s');
  let webPods = await pods(s, 'app=web');
  assert.equal(webPods.length, 2);
  const ips = webPods.map((p) => p.status.podIP!);
  assert.notEqual(ips[0], ips[1]);
  for (const p of webPods) {
    assert.equal(p.status.phase, 'Running');
    assert.equal(p.status.qosClass, 'Burstable');
    assert.equal(await httpGet(p.status.podIP!), 'hello from skiff\n', `pod ${p.metadata.name} answers on ${p.status.podIP}`);
  }

  // Kill a container's process from the host: the kubelet restarts it.
  const victim = webPods[0];
  const pids = await podProcesses(victim.metadata.uid, 'httpd');
  assert.ok(pids.length > 0, 'found the httpd process of the pod');
  for (const pid of pids) process.kill(pid, 'SIGKILL');
  await until('container restarted', async () => {
    const p = await pod(s, victim.metadata.name);
    return p.status.containerStatuses?.[0].restartCount === 1 && isReady(p);
  }, 60_000);
  const restarted = await pod(s, victim.metadata.name);
  assert.ok(restarted.status.containerStatuses?.[0].lastState?.terminated, 'lastState shows the killed container');

  // Delete a pod: the ReplicaSet replaces it and the old one goes away.
  await s.k('delete', 'pod', webPods[1].metadata.name, '--grace-period=1', '--wait=true', '--timeout=60s');
  await until('replacement running', async () => {
    const now = await pods(s, 'app=web');
    return now.length === 2 && now.every(isReady) && !now.some((p) => p.metadata.name === webPods[1].metadata.name);
  }, 60_000);

  // Seed 003's kuard Pod: two probes, resources and a volume two containers share.
  await s.kubectl(['apply', '-f', '-'], { input: KUARD });
  await until('kuard ready', async () => isReady(await pod(s, 'kuard')), 60_000);
  assert.equal((await s.k('exec', 'kuard', '-c', 'kuard', '--', 'cat', '/data/note')).trim(), 'written-by-writer');
  // A failing liveness probe restarts the container.
  await s.k('exec', 'kuard', '-c', 'kuard', '--', 'rm', '/www/healthy');
  await until('kuard restarted by its liveness probe', async () => {
    const p = await pod(s, 'kuard');
    return (p.status.containerStatuses?.find((c) => c.name === 'kuard')?.restartCount ?? 0) >= 1;
  }, 60_000);
  const events = await s.k('get', 'events', '--field-selector', 'involvedObject.name=kuard');
  assert.match(events, /Unhealthy.*Liveness probe failed/);
  assert.match(events, /Killing.*failed liveness probe, will be restarted/);

  // A failing readiness probe keeps the pod running but not Ready.
  await s.k('exec', 'kuard', '-c', 'kuard', '--', 'rm', '/www/ready');
  await until('kuard not ready', async () => {
    const p = await pod(s, 'kuard');
    return p.status.phase === 'Running' && !isReady(p);
  }, 30_000);

  // Over its memory limit, a container is OOMKilled.
  await s.kubectl(['run', 'hog', `--image=${TEST_IMAGES.busybox}`, '--restart=Never',
    '--overrides={"spec":{"containers":[{"name":"hog","image":"' + TEST_IMAGES.busybox + '","command":["tail","/dev/zero"],"resources":{"limits":{"memory":"32Mi"}}}]}}']);
  await until('hog OOMKilled', async () => {
    const p = await pod(s, 'hog');
    return p.status.containerStatuses?.[0].state?.terminated?.reason === 'OOMKilled';
  }, 60_000);
  assert.equal((await pod(s, 'hog')).status.phase, 'Failed');

  // Restart skiff with pods running: they keep running, untouched.
  webPods = await pods(s, 'app=web');
  const before = new Map(webPods.map((p) => [p.metadata.name, p.status.containerStatuses![0]]));
  await s.stop();
  for (const p of webPods) assert.equal(await httpGet(p.status.podIP!), 'hello from skiff\n', 'pods serve while skiff is down');
  s = await startServer({ agent: true, dataDir: s.dataDir });
  await until('node Ready again', async () => {
    const n = JSON.parse(await s.k('get', 'node', node.metadata.name, '-o', 'json'));
    return n.status.conditions.some((c: { type: string; status: string; reason: string }) => c.type === 'Ready' && c.status === 'True');
  }, 60_000);
  // Give the agent a few sync rounds to (wrongly) touch anything.
  await new Promise((r) => setTimeout(r, 5000));
  for (const p of await pods(s, 'app=web')) {
    const old = before.get(p.metadata.name);
    assert.ok(old, `pod ${p.metadata.name} existed before the restart`);
    const cs = p.status.containerStatuses![0];
    assert.equal(cs.containerID, old.containerID, 'same container');
    assert.equal(cs.restartCount, old.restartCount, 'not restarted');
    assert.ok(isReady(p));
  }
});
