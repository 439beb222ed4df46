// kubectl apply, edit, patch, replace, diff and explain as a new user tries them (issue: "kubectl
// apply, edit, patch, diff and explain"), on the seed's archetype Deployment, its Service and Ingress.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, kubectlVersion, type TestServer } from './helpers/server.ts';

let s: TestServer;
let dir: string;
before(async () => {
  s = await startServer();
  dir = mkdtempSync(join(tmpdir(), 'skiff-apply-'));
});
after(async () => { await s?.destroy(); });

const archetype = (o: { image?: string; replicas?: number; env?: string; ports?: string; labels?: string; sidecar?: boolean } = {}) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: archetype-deployment
  labels:
    app: archetype${o.labels ?? '\n    tier: web'}
spec:
  replicas: ${o.replicas ?? 2}
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
        image: ${o.image ?? 'gustavo2acr.azurecr.io/archetype:latest-amd64'}
        env:
        - name: MODE
          value: prod${o.env ?? '\n        - name: DEBUG\n          value: "0"'}
        ports:
        - containerPort: 8000${o.ports ?? '\n        - containerPort: 9000'}
        resources:
          requests:
            memory: "64Mi"
            cpu: "250m"
          limits:
            memory: "128Mi"
            cpu: "500m"${o.sidecar ? '\n      - name: logger\n        image: busybox:1.36\n        command: ["sh", "-c", "tail -f /dev/null"]' : ''}
`;

const serviceAndIngress = `apiVersion: v1
kind: Service
metadata:
  name: archetype-service
spec:
  selector:
    app: archetype
  ports:
  - protocol: TCP
    port: 80
    targetPort: 8000
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: archetype-ingress
spec:
  rules:
  - http:
      paths:
      - path: /
        pathType: Prefix
        backend:
          service:
            name: archetype-service
            port:
              number: 80
`;

function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

const deployment = async () => JSON.parse(await s.k('get', 'deploy', 'archetype-deployment', '-o', 'json'));

test('apply creates, re-applies unchanged, and configures each kind of edit as upstream stores it', async () => {
  assert.equal(await s.k('apply', '-f', file('d0.yaml', archetype())), 'deployment.apps/archetype-deployment created\n');
  assert.equal(await s.k('apply', '-f', file('d0.yaml', archetype())), 'deployment.apps/archetype-deployment unchanged\n');
  const applied = await s.k('apply', '-f', file('svc.yaml', serviceAndIngress));
  assert.equal(applied, 'service/archetype-service created\ningress.networking.k8s.io/archetype-ingress created\n');

  assert.equal(await s.k('apply', '-f', file('d1.yaml', archetype({ image: 'nginx:1.27' }))), 'deployment.apps/archetype-deployment configured\n');
  let d = await deployment();
  assert.equal(d.spec.template.spec.containers[0].image, 'nginx:1.27');
  assert.equal(d.metadata.generation, 2);

  await s.k('apply', '-f', file('d2.yaml', archetype({ image: 'nginx:1.27', env: '' })));
  d = await deployment();
  assert.deepEqual(d.spec.template.spec.containers[0].env, [{ name: 'MODE', value: 'prod' }]);

  await s.k('apply', '-f', file('d3.yaml', archetype({ image: 'nginx:1.27', env: '', ports: '' })));
  d = await deployment();
  assert.deepEqual(d.spec.template.spec.containers[0].ports, [{ containerPort: 8000, protocol: 'TCP' }]);

  await s.k('apply', '-f', file('d4.yaml', archetype({ image: 'nginx:1.27', env: '', ports: '', sidecar: true })));
  d = await deployment();
  assert.deepEqual(d.spec.template.spec.containers.map((c: { name: string }) => c.name), ['archetype', 'logger']);
  assert.equal(d.spec.template.spec.containers[1].imagePullPolicy, 'IfNotPresent');

  await s.k('apply', '-f', file('d5.yaml', archetype({ image: 'nginx:1.27', env: '', ports: '', sidecar: true, labels: '', replicas: 5 })));
  d = await deployment();
  assert.deepEqual(d.metadata.labels, { app: 'archetype' });
  assert.equal(d.spec.replicas, 5);
  // What the server stored is the defaulted object, not the directives kubectl sent.
  assert.ok(!JSON.stringify(d).includes('$setElementOrder'));
  assert.ok(!JSON.stringify(d).includes('$patch'));
  assert.deepEqual(d.spec.strategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } });

  const view = await s.k('apply', 'view-last-applied', 'deployment/archetype-deployment', '-o', 'json');
  assert.equal(JSON.parse(view).spec.replicas, 5);
});

test('diff exits 1 with a diff when different and 0 when equal', async () => {
  const same = await s.kubectl(['diff', '-f', join(dir, 'd5.yaml')]);
  assert.equal(same.code, 0, same.stderr);
  assert.equal(same.stdout, '');
  const different = await s.kubectl(['diff', '-f', file('d6.yaml', archetype({ image: 'nginx:1.28', env: '', ports: '', sidecar: true, labels: '', replicas: 5 }))]);
  assert.equal(different.code, 1, different.stderr);
  assert.match(different.stdout, /^-\s+image: nginx:1\.27$/m);
  assert.match(different.stdout, /^\+\s+image: nginx:1\.28$/m);
  assert.equal((await deployment()).spec.template.spec.containers[0].image, 'nginx:1.27', 'diff must not change anything');
});

test('edit, patch of each type, replace and replace --force', async () => {
  const editor = file('editor.sh', '#!/bin/sh\nsed -i "s/replicas: 5/replicas: 3/" "$1"\n');
  chmodSync(editor, 0o755);
  const edited = await s.kubectl(['edit', 'deployment', 'archetype-deployment'], { env: { EDITOR: editor, KUBE_EDITOR: editor } });
  assert.equal(edited.code, 0, edited.stderr);
  assert.equal(edited.stdout, 'deployment.apps/archetype-deployment edited\n');
  assert.equal((await deployment()).spec.replicas, 3);

  await s.k('patch', 'deployment', 'archetype-deployment', '--type', 'strategic', '-p', '{"spec":{"template":{"spec":{"containers":[{"name":"logger","$patch":"delete"}]}}}}');
  assert.deepEqual((await deployment()).spec.template.spec.containers.map((c: { name: string }) => c.name), ['archetype']);
  await s.k('patch', 'deployment', 'archetype-deployment', '--type', 'merge', '-p', '{"metadata":{"labels":{"patched":"merge"}}}');
  await s.k('patch', 'deployment', 'archetype-deployment', '--type', 'json', '-p', '[{"op":"replace","path":"/spec/replicas","value":1}]');
  const d = await deployment();
  assert.equal(d.metadata.labels.patched, 'merge');
  assert.equal(d.spec.replicas, 1);
  const badJson = await s.kubectl(['patch', 'deployment', 'archetype-deployment', '--type', 'json', '-p', '[{"op":"test","path":"/spec/replicas","value":7}]']);
  assert.notEqual(badJson.code, 0);

  const current = await s.k('get', 'deploy', 'archetype-deployment', '-o', 'yaml');
  assert.equal(await s.k('replace', '-f', file('current.yaml', current)), 'deployment.apps/archetype-deployment replaced\n');
  const uid = d.metadata.uid;
  const forced = await s.k('replace', '--force', '-f', file('current2.yaml', current));
  assert.match(forced, /deployment.apps "archetype-deployment" deleted\ndeployment.apps\/archetype-deployment replaced\n/);
  assert.notEqual((await deployment()).metadata.uid, uid);
});

test('explain prints fields with types and descriptions', async () => {
  const strategy = await s.k('explain', 'deployment.spec.strategy');
  assert.match(strategy, /^GROUP:\s+apps$/m);
  assert.match(strategy, /^FIELD:\s+strategy <DeploymentStrategy>$/m);
  assert.match(strategy, /^\s+rollingUpdate\s+<RollingUpdateDeployment>$/m);
  assert.match(strategy, /^\s+type\s+<string>$/m);
  const probe = await s.k('explain', 'pod.spec.containers.livenessProbe', '--recursive');
  assert.match(probe, /^\s+httpGet\s+<HTTPGetAction>$/m);
  assert.match(probe, /^\s+initialDelaySeconds\s+<integer>$/m);
  const old = await s.kubectl(['explain', 'deployment.spec.strategy'], { binary: kubectlVersion(27) });
  assert.equal(old.code, 0, old.stderr);
  assert.match(old.stdout, /rollingUpdate\s+<RollingUpdateDeployment>/);
});

test('dry runs: client-side prints locally, server-side shows defaults and stores nothing', async () => {
  const client = await s.k('create', 'deployment', 'x', '--image=y', '--dry-run=client', '-o', 'yaml');
  assert.match(client, /^apiVersion: apps\/v1\nkind: Deployment\n/);
  const server = await s.k('run', 'hog', '--image=vish/stress', '--dry-run=server', '-o', 'yaml');
  assert.match(server, /^\s+imagePullPolicy: Always$/m);
  assert.match(server, /^\s+restartPolicy: Always$/m);
  assert.match(server, /^\s+terminationGracePeriodSeconds: 30$/m);
  assert.match(server, /^\s+uid: [0-9a-f-]{36}$/m);
  assert.equal((await s.kubectl(['get', 'pod', 'hog'])).code, 1);
  const svc = await s.k('create', 'service', 'clusterip', 'dry', '--tcp=80:8080', '--dry-run=server', '-o', 'jsonpath={.spec.clusterIP}');
  assert.match(svc, /^10\.43\.\d+\.\d+$/);
  assert.equal((await s.kubectl(['get', 'svc', 'dry'])).code, 1);
});

test('unknown fields are refused with the field named; kind typos and removed versions get kubectl\'s errors', async () => {
  const unknown = await s.kubectl(['apply', '-f', file('bad.yaml', archetype().replace('        ports:', '        imagePullPolcy: Always\n        ports:'))]);
  assert.notEqual(unknown.code, 0);
  assert.match(unknown.stderr, /strict decoding error: unknown field "spec\.template\.spec\.containers\[0\]\.imagePullPolcy"/);
  const typo = await s.kubectl(['apply', '-f', file('typo.yaml', archetype().replace('kind: Deployment', 'kind: Deploymnt'))]);
  assert.match(typo.stderr, /no matches for kind "Deploymnt" in version "apps\/v1"/);
  const removed = await s.kubectl(['apply', '-f', file('old.yaml', archetype().replace('apps/v1', 'extensions/v1beta1'))]);
  assert.match(removed.stderr, /no matches for kind "Deployment" in version "extensions\/v1beta1"/);
  const warned = await s.kubectl(['create', '--validate=warn', '-f', '-'], { input: '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"warned"},"extra":true}' });
  assert.equal(warned.code, 0, warned.stderr);
  assert.match(warned.stderr, /Warning: unknown field "extra"/);
  assert.equal(await s.k('get', 'cm', 'warned', '-o', 'jsonpath={.extra}'), '');
});

test('seed 003 kuard pod and seed 004 LimitRange apply cleanly', async () => {
  const kuard = `apiVersion: v1
kind: Pod
metadata:
  name: kuard
spec:
  volumes:
  - name: "kuard-data"
    hostPath:
      path: "/var/lib/kuard"
  containers:
  - image: gcr.io/kuar-demo/kuard-amd64:blue
    name: kuard
    volumeMounts:
    - mountPath: "/data"
      name: "kuard-data"
    resources:
      requests:
        cpu: "500m"
        memory: "128Mi"
      limits:
        cpu: "1000m"
        memory: "256Mi"
    livenessProbe:
      httpGet:
        path: /healthy
        port: 8080
      initialDelaySeconds: 5
      timeoutSeconds: 1
      periodSeconds: 10
      failureThreshold: 3
    readinessProbe:
      httpGet:
        path: /ready
        port: 8080
      initialDelaySeconds: 30
      timeoutSeconds: 1
      periodSeconds: 10
      failureThreshold: 3
    ports:
    - containerPort: 8080
      name: http
      protocol: TCP
`;
  assert.equal(await s.k('apply', '-f', file('kuard.yaml', kuard)), 'pod/kuard created\n');
  // cpu "1000m" is stored as "1", so kubectl's three-way merge sees a change every time: upstream
  // says "configured" here too (kubernetes/kubernetes#116135).
  assert.equal(await s.k('apply', '-f', file('kuard.yaml', kuard)), 'pod/kuard configured\n');
  const pod = JSON.parse(await s.k('get', 'pod', 'kuard', '-o', 'json'));
  assert.equal(pod.spec.containers[0].resources.limits.cpu, '1');
  assert.equal(pod.status.qosClass, 'Burstable');
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
  await s.k('create', 'namespace', 'low-usage-limits');
  assert.equal(await s.k('apply', '-f', file('lr.yaml', limits), '-n', 'low-usage-limits'), 'limitrange/low-resource-range created\n');
  const lr = JSON.parse(await s.k('get', 'limitrange', '-n', 'low-usage-limits', 'low-resource-range', '-o', 'json'));
  assert.equal(lr.spec.limits[0].defaultRequest.cpu, '500m');
});

test('server-side apply: migrate from client-side apply, conflicts name the manager, --force-conflicts wins', async () => {
  const cm = (value: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ssa\ndata:\n  color: ${value}\n`;
  assert.equal(await s.k('apply', '-f', file('ssa1.yaml', cm('blue'))), 'configmap/ssa created\n');
  assert.equal(await s.k('apply', '--server-side', '-f', file('ssa2.yaml', cm('green'))), 'configmap/ssa serverside-applied\n');
  assert.equal(await s.k('get', 'cm', 'ssa', '-o', 'jsonpath={.data.color}'), 'green');
  const managers = JSON.parse(await s.k('get', 'cm', 'ssa', '-o', 'json', '--show-managed-fields')).metadata.managedFields;
  assert.ok(managers.some((m: { manager: string; operation: string }) => m.manager === 'kubectl' && m.operation === 'Apply'));

  await s.k('patch', 'cm', 'ssa', '--type', 'merge', '-p', '{"data":{"color":"red"}}', '--field-manager', 'painter');
  const conflict = await s.kubectl(['apply', '--server-side', '-f', file('ssa3.yaml', cm('green'))]);
  assert.notEqual(conflict.code, 0);
  assert.match(conflict.stderr, /Apply failed with 1 conflict: conflict with "painter" using v1: \.data\.color/);
  assert.equal(await s.k('apply', '--server-side', '--force-conflicts', '-f', file('ssa3.yaml', cm('green'))), 'configmap/ssa serverside-applied\n');
  assert.equal(await s.k('get', 'cm', 'ssa', '-o', 'jsonpath={.data.color}'), 'green');
});

test('apply with kubectl 1.27 and 1.33 too', async () => {
  for (const minor of [27, 33]) {
    const name = `v${minor}`;
    const cm = (v: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  k: ${v}\n`;
    const binary = kubectlVersion(minor);
    const created = await s.kubectl(['apply', '-f', '-'], { input: cm('a'), binary });
    assert.equal(created.stdout, `configmap/${name} created\n`, created.stderr);
    const same = await s.kubectl(['apply', '-f', '-'], { input: cm('a'), binary });
    assert.equal(same.stdout, `configmap/${name} unchanged\n`, same.stderr);
    const changed = await s.kubectl(['apply', '-f', '-'], { input: cm('b'), binary });
    assert.equal(changed.stdout, `configmap/${name} configured\n`, changed.stderr);
    const ssa = await s.kubectl(['apply', '--server-side', '-f', '-'], { input: cm('c'), binary });
    assert.equal(ssa.stdout, `configmap/${name} serverside-applied\n`, ssa.stderr);
    assert.equal(await s.k('get', 'cm', name, '-o', 'jsonpath={.data.k}'), 'c');
  }
});
