// The seed's archetype flow on simulated nodes, driven by the real kubectl: a Deployment gets a
// ReplicaSet and Running pods, self-heals, scales, rolls out, rolls back, pauses, and goes away.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type TestServer } from './helpers/server.ts';
import { until } from './helpers/wait.ts';

let s: TestServer;
before(async () => { s = await startServer({ args: ['--simulated-nodes', '3'] }); });
after(async () => { await s?.destroy(); });

const archetype = (image: string) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: archetype-deployment
  labels:
    app: archetype
spec:
  replicas: 2
  selector:
    matchLabels:
      app: archetype
  template:
    metadata:
      labels:
        app: archetype
    spec:
      containers:
      - name: archetype
        image: ${image}
        ports:
        - containerPort: 8000
        resources:
          requests:
            memory: "64Mi"
            cpu: "250m"
          limits:
            memory: "128Mi"
            cpu: "500m"
`;


const runningPods = async () => (await s.k('get', 'pods', '-l', 'app=archetype', '--field-selector', 'status.phase=Running', '-o', 'name')).trim().split('\n').filter(Boolean);

test('the archetype Deployment gets a ReplicaSet and 2 Running pods, and describe reads as upstream', async () => {
  const r = await s.kubectl(['apply', '-f', '-'], { input: archetype('gustavo2acr.azurecr.io/archetype:latest-amd64') });
  assert.equal(r.stdout, 'deployment.apps/archetype-deployment created\n', r.stderr);
  const status = await s.k('rollout', 'status', 'deployment/archetype-deployment', '--timeout=30s');
  assert.match(status, /deployment "archetype-deployment" successfully rolled out/);
  assert.equal((await runningPods()).length, 2);
  const rs = await s.k('get', 'rs', '-l', 'app=archetype');
  assert.match(rs, /^archetype-deployment-[a-z0-9]{8,10}\s+2\s+2\s+2\s+\d+s$/m);
  const pods = await s.k('get', 'pods', '-l', 'app=archetype', '-o', 'wide');
  assert.match(pods, /^archetype-deployment-[a-z0-9]+-[a-z0-9]{5}\s+1\/1\s+Running\s+0\s+\d+s\s+10\.42\.\d+\.\d+\s+sim-node-\d/m);
  const describe = await s.k('describe', 'deployment', 'archetype-deployment');
  assert.match(describe, /^Replicas:\s+2 desired \| 2 updated \| 2 total \| 2 available \| 0 unavailable$/m);
  assert.match(describe, /^StrategyType:\s+RollingUpdate$/m);
  assert.match(describe, /^RollingUpdateStrategy:\s+25% max unavailable, 25% max surge$/m);
  assert.match(describe, /^\s+Available\s+True\s+MinimumReplicasAvailable$/m);
  assert.match(describe, /^\s+Progressing\s+True\s+NewReplicaSetAvailable$/m);
  assert.match(describe, /^NewReplicaSet:\s+archetype-deployment-[a-z0-9]+ \(2\/2 replicas created\)$/m);
  assert.match(describe, /Normal\s+ScalingReplicaSet\s+\d+s\s+deployment-controller\s+Scaled up replica set archetype-deployment-[a-z0-9]+ to 2/);
});

test('a deleted pod is replaced; scale to 5 and back', async () => {
  const [victim] = await runningPods();
  await s.k('delete', victim);
  await until('a replacement pod', async () => {
    const now = await runningPods();
    return now.length === 2 && !now.includes(victim);
  });
  assert.equal((await s.k('scale', 'deployment/archetype-deployment', '--replicas=5')).trim(), 'deployment.apps/archetype-deployment scaled');
  await until('5 running pods', async () => (await runningPods()).length === 5);
  await s.k('scale', 'deployment/archetype-deployment', '--replicas=2');
  await until('2 running pods', async () => (await runningPods()).length === 2 && (await s.k('get', 'pods', '-l', 'app=archetype', '-o', 'name')).trim().split('\n').length === 2);
});

test('an image change rolls out; history lists revisions; undo, pause and resume work', async () => {
  await s.kubectl(['apply', '-f', '-'], { input: archetype('nginx:1.27') });
  const status = await s.k('rollout', 'status', 'deployment/archetype-deployment', '--timeout=30s');
  assert.match(status, /successfully rolled out/);
  const images = await s.k('get', 'pods', '-l', 'app=archetype', '-o', 'jsonpath={.items[*].spec.containers[0].image}');
  assert.deepEqual(images.split(' ').filter(Boolean).sort(), ['nginx:1.27', 'nginx:1.27']);
  const history = await s.k('rollout', 'history', 'deployment/archetype-deployment');
  assert.match(history, /^REVISION\s+CHANGE-CAUSE\n1\s+<none>\n2\s+<none>\n/m);

  assert.match(await s.k('rollout', 'undo', 'deployment/archetype-deployment'), /deployment.apps\/archetype-deployment rolled back/);
  await s.k('rollout', 'status', 'deployment/archetype-deployment', '--timeout=30s');
  assert.equal(await s.k('get', 'deploy', 'archetype-deployment', '-o', 'jsonpath={.spec.template.spec.containers[0].image}'), 'gustavo2acr.azurecr.io/archetype:latest-amd64');
  assert.match(await s.k('rollout', 'history', 'deployment/archetype-deployment'), /^2\s+<none>\n3\s+<none>\n/m);

  assert.match(await s.k('rollout', 'pause', 'deployment/archetype-deployment'), /paused/);
  await s.k('set', 'image', 'deployment/archetype-deployment', 'archetype=nginx:1.28');
  await new Promise((r) => setTimeout(r, 500));
  assert.doesNotMatch(await s.k('get', 'pods', '-l', 'app=archetype', '-o', 'jsonpath={.items[*].spec.containers[0].image}'), /1\.28/);
  assert.match(await s.k('rollout', 'resume', 'deployment/archetype-deployment'), /resumed/);
  await s.k('rollout', 'status', 'deployment/archetype-deployment', '--timeout=30s');
  assert.match(await s.k('get', 'pods', '-l', 'app=archetype', '-o', 'jsonpath={.items[*].spec.containers[0].image}'), /nginx:1\.28/);
});

test('deleting the Deployment removes everything it owned; deleting a namespace removes everything in it', async () => {
  await s.k('delete', 'deployment', 'archetype-deployment');
  await until('owned objects gone', async () => (await s.k('get', 'rs,pods', '-l', 'app=archetype', '-o', 'name')).trim() === '');

  await s.k('create', 'namespace', 'shop');
  await s.k('-n', 'shop', 'create', 'deployment', 'web', '--image=nginx:1.27', '--replicas=2');
  await until('shop pods running', async () => (await s.k('-n', 'shop', 'get', 'pods', '--field-selector', 'status.phase=Running', '-o', 'name')).trim().split('\n').filter(Boolean).length === 2);
  await s.k('delete', 'namespace', 'shop', '--timeout=60s');
  assert.equal((await s.kubectl(['get', 'namespace', 'shop'])).code, 1);
});

test('seed 004 Lab 4.2: a LimitRange gives kubectl run its defaults; a Deployment with its own limits keeps them', async () => {
  await s.k('create', 'namespace', 'low-usage-limits');
  const limits = `apiVersion: v1
kind: LimitRange
metadata:
  name: low-resource-range
spec:
  limits:
  - default:
      cpu: 1
      memory: 500Mi
    defaultRequest:
      cpu: 0.5
      memory: 100Mi
    type: Container
`;
  await s.kubectl(['apply', '-f', '-', '-n', 'low-usage-limits'], { input: limits });
  assert.match(await s.k('get', 'LimitRange', '--all-namespaces'), /^low-usage-limits\s+low-resource-range\s+\d{4}-/m);
  await s.k('run', 'limited-hog', '--image', 'vish/stress', '-n', 'low-usage-limits');
  const pod = JSON.parse(await s.k('get', 'pod', 'limited-hog', '-n', 'low-usage-limits', '-o', 'json'));
  assert.deepEqual(pod.spec.containers[0].resources, { limits: { cpu: '1', memory: '500Mi' }, requests: { cpu: '500m', memory: '100Mi' } });
  assert.equal(pod.metadata.annotations['kubernetes.io/limit-ranger'], 'LimitRanger plugin set: cpu, memory request for container limited-hog; cpu, memory limit for container limited-hog');

  const hog = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: hog
  namespace: low-usage-limits
spec:
  replicas: 1
  selector:
    matchLabels:
      app: hog
  template:
    metadata:
      labels:
        app: hog
    spec:
      containers:
      - name: stress
        image: vish/stress
        resources:
          limits:
            cpu: "1"
            memory: "4Gi"
          requests:
            cpu: "0.5"
            memory: "2500Mi"
        args: ["-cpus", "2", "-mem-total", "950Mi", "-mem-alloc-size", "100Mi", "-mem-alloc-sleep", "1s"]
`;
  await s.kubectl(['apply', '-f', '-'], { input: hog });
  await until('the hog pod', async () => (await s.k('get', 'pods', '-n', 'low-usage-limits', '-l', 'app=hog', '-o', 'name')).trim() !== '');
  const hogPod = JSON.parse(await s.k('get', 'pods', '-n', 'low-usage-limits', '-l', 'app=hog', '-o', 'json')).items[0];
  assert.deepEqual(hogPod.spec.containers[0].resources, { limits: { cpu: '1', memory: '4Gi' }, requests: { cpu: '500m', memory: '2500Mi' } });
});
