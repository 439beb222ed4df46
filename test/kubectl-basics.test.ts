// What a new user does first with kubectl against `skiff server`: version, discovery, namespaces,
// creating and reading objects in every output format, selectors, labels, deletion.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, kubectlVersion, type TestServer } from './helpers/server.ts';

let s: TestServer;
before(async () => { s = await startServer(); });
after(async () => { await s?.destroy(); });

test('kubectl version and cluster-info talk to the server', async () => {
  const out = await s.k('version', '-o', 'json');
  const v = JSON.parse(out);
  assert.equal(v.serverVersion.major, '1');
  assert.equal(v.serverVersion.minor, '32');
  const info = await s.k('cluster-info');
  assert.match(info, /Kubernetes control plane.* is running at .*https:\/\/127\.0\.0\.1:\d+/);
});

test('api-resources lists every kind with short names', async () => {
  const out = await s.k('api-resources');
  const lines = out.split('\n');
  assert.match(lines[0], /^NAME\s+SHORTNAMES\s+APIVERSION\s+NAMESPACED\s+KIND/);
  for (const [name, short, version, kind] of [
    ['pods', 'po', 'v1', 'Pod'], ['services', 'svc', 'v1', 'Service'], ['deployments', 'deploy', 'apps/v1', 'Deployment'],
    ['cronjobs', 'cj', 'batch/v1', 'CronJob'], ['ingresses', 'ing', 'networking.k8s.io/v1', 'Ingress'],
    ['leases', '', 'coordination.k8s.io/v1', 'Lease'], ['horizontalpodautoscalers', 'hpa', 'autoscaling/v2', 'HorizontalPodAutoscaler'],
  ]) {
    const re = new RegExp(`^${name}\\s+${short ? short + '\\s+' : ''}${version.replace('/', '\\/')}\\s+(true|false)\\s+${kind}\\s*$`, 'm');
    assert.match(out, re, `${name} missing from api-resources`);
  }
});

test('the system namespaces and the kubernetes service exist from the start', async () => {
  const ns = await s.k('get', 'ns', '-o', 'name');
  for (const n of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) assert.match(ns, new RegExp(`^namespace/${n}$`, 'm'));
  const svc = await s.k('get', 'svc', 'kubernetes');
  assert.match(svc, /^NAME\s+TYPE\s+CLUSTER-IP\s+EXTERNAL-IP\s+PORT\(S\)\s+AGE\n/);
  assert.match(svc, /^kubernetes\s+ClusterIP\s+10\.43\.0\.1\s+<none>\s+443\/TCP\s+\d+s\n/m);
});

test('get all and several kinds at once', async () => {
  const all = await s.k('get', 'all');
  assert.match(all, /^NAME\s+TYPE\s+CLUSTER-IP\s+EXTERNAL-IP\s+PORT\(S\)\s+AGE\nservice\/kubernetes\s+ClusterIP\s+10\.43\.0\.1\s+/);
  const several = await s.k('get', 'po,svc,deploy', '-A');
  assert.match(several, /^NAMESPACE\s+NAME\s+TYPE/);
  assert.match(several, /^default\s+service\/kubernetes\s+ClusterIP/m);
});

test('create namespace, then a deployment in it, and read it back in every output format', async () => {
  assert.equal((await s.k('create', 'namespace', 'shop')).trim(), 'namespace/shop created');
  assert.equal((await s.k('-n', 'shop', 'create', 'deployment', 'web', '--image=nginx', '--replicas=2')).trim(), 'deployment.apps/web created');

  const table = await s.k('-n', 'shop', 'get', 'deploy');
  assert.match(table, /^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\n/);
  // No nodes here: the pods exist (UP-TO-DATE) but none is available.
  assert.match(table, /^web\s+0\/2\s+\d\s+0\s+\d+s$/m);
  const wide = await s.k('-n', 'shop', 'get', 'deploy', '-o', 'wide');
  assert.match(wide, /^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\s+CONTAINERS\s+IMAGES\s+SELECTOR\n/);
  assert.match(wide, /^web\s+0\/2\s+\d\s+0\s+\d+s\s+nginx\s+nginx\s+app=web$/m);

  const obj = JSON.parse(await s.k('-n', 'shop', 'get', 'deploy', 'web', '-o', 'json'));
  assert.equal(obj.spec.replicas, 2);
  assert.equal(obj.metadata.generation, 1);
  assert.match(obj.metadata.uid, /^[0-9a-f-]{36}$/);
  assert.deepEqual(obj.spec.strategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } });
  assert.equal(obj.spec.revisionHistoryLimit, 10);
  assert.equal(obj.spec.progressDeadlineSeconds, 600);
  assert.equal(obj.spec.template.spec.containers[0].imagePullPolicy, 'Always');
  assert.equal(obj.spec.template.spec.restartPolicy, 'Always');

  assert.match(await s.k('-n', 'shop', 'get', 'deploy', 'web', '-o', 'yaml'), /^apiVersion: apps\/v1\nkind: Deployment\n/);
  assert.equal((await s.k('-n', 'shop', 'get', 'deploy', '-o', 'name')).trim(), 'deployment.apps/web');
  assert.equal(await s.k('-n', 'shop', 'get', 'deploy', 'web', '-o', 'jsonpath={.spec.template.spec.containers[0].image}'), 'nginx');
  const cc = await s.k('-n', 'shop', 'get', 'deploy', '-o', 'custom-columns=NAME:.metadata.name,REPLICAS:.spec.replicas');
  assert.match(cc, /^NAME\s+REPLICAS\nweb\s+2\n$/);
  const all = await s.k('get', 'deploy', '-A');
  assert.match(all, /^NAMESPACE\s+NAME\s+READY/);
  assert.match(all, /^shop\s+web\s+0\/2/m);
});

test('create -f and delete -f of a multi-document YAML', async () => {
  const manifest = `apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  color: blue
---
apiVersion: v1
kind: Secret
metadata:
  name: creds
stringData:
  password: hunter2
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector:
    app: web
  ports:
  - port: 80
    targetPort: 8000
`;
  const created = await s.kubectl(['create', '-f', '-'], { input: manifest });
  assert.equal(created.code, 0, created.stderr);
  assert.equal(created.stdout, 'configmap/settings created\nsecret/creds created\nservice/web created\n');
  const secret = JSON.parse(await s.k('get', 'secret', 'creds', '-o', 'json'));
  assert.equal(Buffer.from(secret.data.password, 'base64').toString(), 'hunter2');
  assert.equal(secret.stringData, undefined);
  const svc = JSON.parse(await s.k('get', 'svc', 'web', '-o', 'json'));
  assert.match(svc.spec.clusterIP, /^10\.43\.\d+\.\d+$/);
  assert.deepEqual(svc.spec.ports, [{ port: 80, protocol: 'TCP', targetPort: 8000 }]);
  assert.match(await s.k('get', 'svc', 'web', '-o', 'wide'), /^web\s+ClusterIP\s+10\.43\.\d+\.\d+\s+<none>\s+80\/TCP\s+\d+s\s+app=web$/m);

  const again = await s.kubectl(['create', '-f', '-'], { input: manifest });
  assert.notEqual(again.code, 0);
  assert.match(again.stderr, /configmaps "settings" already exists/);

  const deleted = await s.kubectl(['delete', '-f', '-'], { input: manifest });
  assert.equal(deleted.code, 0, deleted.stderr);
  assert.equal(deleted.stdout, 'configmap "settings" deleted\nsecret "creds" deleted\nservice "web" deleted\n');
  const gone = await s.kubectl(['get', 'cm', 'settings']);
  assert.equal(gone.code, 1);
  assert.match(gone.stderr, /Error from server \(NotFound\): configmaps "settings" not found/);
});

test('label selectors in every form and field selectors', async () => {
  const pod = (name: string, labels: string) => `apiVersion: v1
kind: Pod
metadata:
  name: ${name}
  labels: {${labels}}
spec:
  containers:
  - name: c
    image: busybox
`;
  const docs = [pod('a', 'app: alpaca, ver: "1"'), pod('b', 'app: bandicoot, ver: "2"'), pod('c', 'app: alpaca, ver: "2", canary: "true"')].join('---\n');
  await s.kubectl(['create', 'namespace', 'sel']);
  const r = await s.kubectl(['-n', 'sel', 'create', '-f', '-'], { input: docs });
  assert.equal(r.code, 0, r.stderr);
  const names = async (...args: string[]) => (await s.k('-n', 'sel', 'get', 'pods', '-o', 'jsonpath={.items[*].metadata.name}', ...args)).trim();
  assert.equal(await names('-l', 'ver=2'), 'b c');
  assert.equal(await names('-l', 'ver==2'), 'b c');
  assert.equal(await names('-l', 'app=alpaca,ver=2'), 'c');
  assert.equal(await names('-l', 'app!=alpaca'), 'b');
  assert.equal(await names('-l', 'app in (alpaca,bandicoot)'), 'a b c');
  assert.equal(await names('-l', 'app notin (alpaca)'), 'b');
  assert.equal(await names('-l', 'canary'), 'c');
  assert.equal(await names('-l', '!canary'), 'a b');
  assert.equal(await names('-l', 'ver=2,!canary'), 'b');
  assert.equal(await names('--field-selector', 'metadata.name=b'), 'b');
  assert.equal(await names('--field-selector', 'metadata.name!=b'), 'a c');
  assert.equal(await names('--field-selector', 'status.phase=Pending'), 'a b c');
  assert.equal(await names('--field-selector', 'spec.nodeName='), 'a b c');

  const bad = await s.kubectl(['-n', 'sel', 'get', 'pods', '--field-selector', 'spec.bogus=x']);
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /field label not supported: spec\.bogus/);

  const pods = await s.k('-n', 'sel', 'get', 'pods', '--show-labels');
  assert.match(pods, /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+LABELS\n/);
  assert.match(pods, /^a\s+0\/1\s+Pending\s+0\s+\d+s\s+app=alpaca,ver=1$/m);
});

test('label and annotate: overwrite only with --overwrite, key- removes', async () => {
  await s.k('create', 'configmap', 'lab', '--from-literal=k=v');
  assert.equal((await s.k('label', 'cm', 'lab', 'color=red')).trim(), 'configmap/lab labeled');
  const refused = await s.kubectl(['label', 'cm', 'lab', 'color=blue']);
  assert.notEqual(refused.code, 0);
  assert.match(refused.stderr, /'color' already has a value \(red\), and --overwrite is false/);
  await s.k('label', 'cm', 'lab', 'color=blue', '--overwrite');
  assert.equal(await s.k('get', 'cm', 'lab', '-o', 'jsonpath={.metadata.labels.color}'), 'blue');
  await s.k('label', 'cm', 'lab', 'color-');
  assert.equal(await s.k('get', 'cm', 'lab', '-o', 'jsonpath={.metadata.labels}'), '');
  assert.equal((await s.k('annotate', 'cm', 'lab', 'note=hello world')).trim(), 'configmap/lab annotated');
  assert.equal(await s.k('get', 'cm', 'lab', '-o', 'jsonpath={.metadata.annotations.note}'), 'hello world');
});

test('scale changes replicas through the scale subresource', async () => {
  await s.k('create', 'deployment', 'scaled', '--image=nginx:1.25');
  assert.equal((await s.k('scale', 'deployment', 'scaled', '--replicas=5')).trim(), 'deployment.apps/scaled scaled');
  assert.equal(await s.k('get', 'deploy', 'scaled', '-o', 'jsonpath={.spec.replicas}'), '5');
  const scale = await s.http('GET', '/apis/apps/v1/namespaces/default/deployments/scaled/scale');
  assert.equal(scale.status, 200);
  assert.equal(scale.json().kind, 'Scale');
  assert.equal(scale.json().status.selector, 'app=scaled');
});

test('a stale resourceVersion is a 409 Conflict, a bad name a 422 naming the field', async () => {
  await s.k('create', 'configmap', 'cas', '--from-literal=a=1');
  const cm = JSON.parse(await s.k('get', 'cm', 'cas', '-o', 'json'));
  const first = await s.http('PUT', '/api/v1/namespaces/default/configmaps/cas', { ...cm, data: { a: '2' } });
  assert.equal(first.status, 200);
  const stale = await s.http('PUT', '/api/v1/namespaces/default/configmaps/cas', { ...cm, data: { a: '3' } });
  assert.equal(stale.status, 409);
  assert.equal(stale.json().reason, 'Conflict');
  assert.equal(stale.json().message, 'Operation cannot be fulfilled on configmaps "cas": the object has been modified; please apply your changes to the latest version and try again');

  const bad = await s.http('POST', '/api/v1/namespaces/default/configmaps', { metadata: { name: 'Bad_Name' } });
  assert.equal(bad.status, 422);
  const body = bad.json();
  assert.equal(body.reason, 'Invalid');
  assert.equal(body.details.causes[0].field, 'metadata.name');
  assert.match(body.message, /^ConfigMap "Bad_Name" is invalid: metadata\.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain/);

  const missingNs = await s.http('POST', '/api/v1/namespaces/nowhere/configmaps', { metadata: { name: 'x' } });
  assert.equal(missingNs.status, 404);
  assert.equal(missingNs.json().message, 'namespaces "nowhere" not found');

  const undecodable = await s.http('POST', '/api/v1/namespaces/default/configmaps', '{not json');
  assert.equal(undecodable.status, 400);
  assert.equal(undecodable.json().reason, 'BadRequest');
});

test('anonymous requests get 401 except health and version', async () => {
  const { request } = await import('node:https');
  const anon = (path: string) => new Promise<number>((res, rej) => {
    request({ host: '127.0.0.1', port: s.port, path, rejectUnauthorized: false }, (r) => { r.resume(); res(r.statusCode!); }).on('error', rej).end();
  });
  assert.equal(await anon('/api/v1/namespaces'), 401);
  assert.equal(await anon('/readyz'), 200);
  const token = (await import('node:fs')).readFileSync(`${s.dataDir}/server/token`, 'utf8').trim();
  const withToken = await new Promise<number>((res, rej) => {
    request({ host: '127.0.0.1', port: s.port, path: '/api/v1/namespaces', rejectUnauthorized: false, headers: { Authorization: `Bearer ${token}` } },
      (r) => { r.resume(); res(r.statusCode!); }).on('error', rej).end();
  });
  assert.equal(withToken, 200);
});

test('older and newer kubectl work too', async () => {
  for (const minor of [27, 33]) {
    const r = await s.kubectl(['get', 'ns', 'default'], { binary: kubectlVersion(minor) });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^default\s+Active\s+\d+s$/m);
  }
});

test('an apiVersion upstream no longer serves gets kubectl\'s own "no matches" error', async () => {
  const r = await s.kubectl(['apply', '-f', '-'], { input: 'apiVersion: apps/v1beta1\nkind: Deployment\nmetadata:\n  name: old\nspec: {}\n' });
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /no matches for kind "Deployment" in version "apps\/v1beta1"/);
});

test('kubectl get -w streams ADDED, MODIFIED and DELETED', async () => {
  const { spawn } = await import('node:child_process');
  const watcher = spawn('/usr/bin/kubectl', ['get', 'cm', '-n', 'kube-public', '-w', '--output-watch-events'], { env: { ...process.env, KUBECONFIG: s.kubeconfig } });
  let out = '';
  watcher.stdout.on('data', (d) => { out += d; });
  try {
    await new Promise((r) => setTimeout(r, 700));
    await s.kubectl(['-n', 'kube-public', 'create', '-f', '-'], { input: '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"watched"}}' });
    await s.k('-n', 'kube-public', 'label', 'cm', 'watched', 'seen=yes');
    await s.k('-n', 'kube-public', 'delete', 'cm', 'watched');
    const deadline = Date.now() + 10_000;
    while (!/DELETED\s+watched/.test(out) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.match(out, /^EVENT\s+NAME\s+DATA\s+AGE\n/);
    assert.match(out, /ADDED\s+watched\s+0\s+\d+s\nMODIFIED\s+watched\s+0\s+\d+s\nDELETED\s+watched\s+0\s+\d+s\n/);
  } finally {
    watcher.kill();
  }
});

test('a pod on a node is deleted gracefully; an unscheduled pod at once', async () => {
  const pod = (name: string, node?: string) => JSON.stringify({
    apiVersion: 'v1', kind: 'Pod', metadata: { name },
    spec: { ...(node ? { nodeName: node } : {}), containers: [{ name: 'c', image: 'busybox' }] },
  });
  await s.kubectl(['create', '-f', '-'], { input: pod('onnode', 'node-a') });
  await s.kubectl(['create', '-f', '-'], { input: pod('floating') });
  assert.equal((await s.k('delete', 'pod', 'floating')).trim(), 'pod "floating" deleted');
  assert.equal((await s.kubectl(['get', 'pod', 'floating'])).code, 1);

  await s.k('delete', 'pod', 'onnode', '--wait=false');
  const marked = JSON.parse(await s.k('get', 'pod', 'onnode', '-o', 'json'));
  assert.equal(marked.metadata.deletionGracePeriodSeconds, 30);
  assert.ok(marked.metadata.deletionTimestamp);
  assert.match(await s.k('get', 'pod', 'onnode'), /^onnode\s+0\/1\s+Terminating\s+0\s+\d+s$/m);
  const forced = await s.kubectl(['delete', 'pod', 'onnode', '--grace-period=0', '--force']);
  assert.equal(forced.code, 0, forced.stderr);
  assert.equal((await s.kubectl(['get', 'pod', 'onnode'])).code, 1);
});

test('paging with --chunk-size returns every object once', async () => {
  await s.k('create', 'namespace', 'paged');
  const docs = Array.from({ length: 23 }, (_, i) => `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"p${String(i).padStart(2, '0')}"}}`).join('\n');
  const r = await s.kubectl(['-n', 'paged', 'create', '-f', '-'], { input: docs });
  assert.equal(r.code, 0, r.stderr);
  const names = (await s.k('-n', 'paged', 'get', 'cm', '--chunk-size=5', '-o', 'name')).trim().split('\n').filter((n) => n.startsWith('configmap/p'));
  assert.equal(names.length, 23);
  assert.equal(new Set(names).size, 23);
  const page = (await s.http('GET', '/api/v1/namespaces/paged/configmaps?limit=10')).json();
  assert.equal(page.items.length, 10);
  assert.ok(page.metadata.continue);
  // 23 of ours plus the kube-root-ca.crt ConfigMap every namespace gets.
  assert.equal(page.metadata.remainingItemCount, 14);
  assert.equal((await s.k('-n', 'paged', 'delete', 'cm', '--all')).trim().split('\n').filter((l) => /"p\d\d"/.test(l)).length, 23);
});

test('get events and config set-context --current --namespace', async () => {
  await s.k('create', 'namespace', 'ctx');
  const event = {
    apiVersion: 'v1', kind: 'Event', metadata: { name: 'web.1', namespace: 'ctx' },
    involvedObject: { kind: 'Pod', name: 'web', namespace: 'ctx' }, reason: 'Pulled', message: 'Successfully pulled image', type: 'Normal',
    firstTimestamp: new Date().toISOString().replace(/\.\d+Z/, 'Z'), lastTimestamp: new Date().toISOString().replace(/\.\d+Z/, 'Z'), count: 1,
    source: { component: 'kubelet' },
  };
  assert.equal((await s.http('POST', '/api/v1/namespaces/ctx/events', event)).status, 201);
  const out = await s.k('-n', 'ctx', 'get', 'events');
  assert.match(out, /^LAST SEEN\s+TYPE\s+REASON\s+OBJECT\s+MESSAGE\n\d+s\s+Normal\s+Pulled\s+pod\/web\s+Successfully pulled image\n$/);
  const v1 = (await s.http('GET', '/apis/events.k8s.io/v1/namespaces/ctx/events/web.1')).json();
  assert.equal(v1.regarding.name, 'web');
  assert.equal(v1.note, 'Successfully pulled image');

  const cfg = `${s.kubeconfig}.ctx`;
  (await import('node:fs')).copyFileSync(s.kubeconfig, cfg);
  const env = { KUBECONFIG: cfg };
  assert.equal((await s.kubectl(['config', 'set-context', '--current', '--namespace=ctx'], { env })).code, 0);
  const r = await s.kubectl(['get', 'events', '-o', 'name'], { env });
  assert.equal(r.stdout.trim(), 'event/web.1');
});

test('describe works for every kind', async () => {
  const kinds = (await s.k('api-resources', '--verbs=list', '-o', 'name')).trim().split('\n');
  assert.ok(kinds.length >= 36, `only ${kinds.length} listable kinds`);
  await s.kubectl(['create', '-f', '-'], { input: '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"described","labels":{"a":"b"}},"data":{"k":"v"}}' });
  for (const kind of kinds) {
    const r = await s.kubectl(['describe', kind, '-A']);
    assert.equal(r.code, 0, `describe ${kind}: ${r.stderr}`);
  }
  const cm = await s.k('describe', 'cm', 'described');
  assert.match(cm, /^Name:\s+described\nNamespace:\s+default\nLabels:\s+a=b\nAnnotations:\s+<none>\n\nData\n====\nk:\n----\nv\n/);
  const svc = await s.k('describe', 'svc', 'kubernetes');
  assert.match(svc, /^IP:\s+10\.43\.0\.1$/m);
  assert.match(svc, /^Endpoints:\s+\d+\.\d+\.\d+\.\d+:\d+$/m);
});

test('delete with each propagation policy; deleting a namespace empties it', async () => {
  const owned = async (name: string) => {
    await s.k('create', 'deployment', name, '--image=nginx:1.25');
    const uid = await s.k('get', 'deploy', name, '-o', 'jsonpath={.metadata.uid}');
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `${name}-dep`, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name, uid, controller: true, blockOwnerDeletion: true }] } };
    assert.equal((await s.kubectl(['create', '-f', '-'], { input: JSON.stringify(cm) })).code, 0);
  };
  const waitGone = async (args: string[]) => {
    for (let i = 0; i < 100; i++) { if ((await s.kubectl(args)).code !== 0) return; await new Promise((r) => setTimeout(r, 50)); }
    assert.fail(`${args.join(' ')} still exists`);
  };
  await owned('bg');
  assert.equal((await s.k('delete', 'deploy', 'bg', '--cascade=background')).trim(), 'deployment.apps "bg" deleted');
  await waitGone(['get', 'cm', 'bg-dep']);

  await owned('fg');
  assert.equal((await s.k('delete', 'deploy', 'fg', '--cascade=foreground')).trim(), 'deployment.apps "fg" deleted');
  assert.equal((await s.kubectl(['get', 'cm', 'fg-dep'])).code, 1);

  await owned('or');
  assert.equal((await s.k('delete', 'deploy', 'or', '--cascade=orphan')).trim(), 'deployment.apps "or" deleted');
  const orphan = JSON.parse(await s.k('get', 'cm', 'or-dep', '-o', 'json'));
  assert.equal(orphan.metadata.ownerReferences, undefined);

  await s.k('create', 'namespace', 'doomed');
  await s.k('-n', 'doomed', 'create', 'deployment', 'web', '--image=nginx:1.25');
  await s.kubectl(['-n', 'doomed', 'create', '-f', '-'], { input: '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"}}' });
  assert.equal((await s.k('delete', 'namespace', 'doomed')).trim(), 'namespace "doomed" deleted');
  assert.equal((await s.kubectl(['get', 'namespace', 'doomed'])).code, 1);
  const refused = await s.kubectl(['delete', 'namespace', 'kube-system']);
  assert.match(refused.stderr, /namespaces "kube-system" is forbidden: this namespace may not be deleted/);
});
