// OpenAPI v2 and v3 as kubectl uses them: explain (v3 templates and the v2 fallback), the
// server-validates signal for create/apply, hashed v3 documents, and the v2 protobuf encoding.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:https';
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { startServer, kubectlVersion, type TestServer } from './helpers/server.ts';

const KUBECTL_132 = kubectlVersion(32);
const KUBECTL_127 = kubectlVersion(27);

let server: TestServer;
before(async () => { server = await startServer(); });
after(async () => { await server?.destroy(); });

async function explain(args: string[], binary = KUBECTL_132): Promise<string> {
  const r = await server.kubectl(['explain', ...args], { binary });
  assert.equal(r.code, 0, `kubectl explain ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

describe('kubectl explain', () => {
  test('a nested field lists its fields with types and descriptions', async () => {
    const out = await explain(['deployment.spec.strategy']);
    assert.match(out, /^GROUP:\s+apps$/m);
    assert.match(out, /^KIND:\s+Deployment$/m);
    assert.match(out, /^FIELD: strategy <DeploymentStrategy>$/m);
    assert.match(out, /^ {2}rollingUpdate\t<RollingUpdateDeployment>$/m);
    assert.match(out, /^ {2}type\t<string>$/m);
    assert.match(out, /Type of deployment\. Can be "Recreate" or "RollingUpdate"/);
  });

  test('--recursive walks referenced types and marks required fields', async () => {
    const out = await explain(['pod.spec.containers.livenessProbe', '--recursive']);
    assert.match(out, /^FIELD: livenessProbe <Probe>$/m);
    assert.match(out, /^ {2}httpGet\t<HTTPGetAction>$/m);
    assert.match(out, /^ {4}httpHeaders\t<\[\]HTTPHeader>$/m);
    assert.match(out, /^ {6}name\t<string> -required-$/m);
    assert.match(out, /^ {2}terminationGracePeriodSeconds\t<integer>$/m);
    assert.match(out, /^ {4}port\t<IntOrString> -required-$/m);
    assert.match(out, /^ {4}command\t<\[\]string>$/m);
  });

  for (const [name, binary] of [['1.32', KUBECTL_132], ['1.27', KUBECTL_127]] as const) {
    test(`a short name resolves to its kind (kubectl ${name})`, async () => {
      const out = await explain(['svc'], binary);
      assert.match(out, /^KIND:\s+Service$/m);
      assert.match(out, /^VERSION:\s+v1$/m);
      assert.match(out, /Service is a named abstraction of software service/);
      assert.match(out, /^ {2}spec\t<ServiceSpec>$/m);
      assert.match(out, /^ {2}metadata\t<ObjectMeta>$/m);
    });
  }

  test('map and array fields show their element types', async () => {
    const out = await explain(['pod.spec']);
    assert.match(out, /^ {2}nodeSelector\t<map\[string\]string>$/m);
    assert.match(out, /^ {2}containers\t<\[\]Container> -required-$/m);
    assert.match(out, /^ {2}overhead\t<map\[string\]Quantity>$/m);
  });

  test('the v2 document serves the old explain (plaintext-openapiv2)', async () => {
    const out = await explain(['--output=plaintext-openapiv2', 'deployment.spec']);
    assert.match(out, /^KIND:\s+Deployment$/m);
    assert.match(out, /^VERSION:\s+apps\/v1$/m);
    assert.match(out, /^RESOURCE: spec <Object>$/m);
    assert.match(out, /^ {3}replicas\t<integer>$/m);
    assert.match(out, /^ {3}template\t<Object> -required-$/m);
    assert.match(out, /^ {3}strategy\t<Object>$/m);
    assert.match(out, /Number of desired pods/);
  });

  test('an unknown field is reported by explain', async () => {
    const r = await server.kubectl(['explain', 'deployment.spec.nonsense'], { binary: KUBECTL_132 });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /field "nonsense" does not exist/);
  });
});

describe('validation is left to the server', () => {
  test('kubectl create -f with an unknown field sends fieldValidation=Strict instead of validating locally', async () => {
    const manifest = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: openapi-unknown\n  bogus: 1\ndata:\n  a: b\n';
    const r = await server.kubectl(['create', '-f', '-', '-v=6'], { input: manifest, binary: KUBECTL_132 });
    assert.doesNotMatch(r.stderr, /error validating|--validate=false/);
    assert.match(r.stderr, /POST https:\/\/\S+\/api\/v1\/namespaces\/default\/configmaps\?[^ ]*fieldValidation=Strict/);
    assert.doesNotMatch(r.stderr, /GET https:\/\/\S+\/openapi\/v2/, 'kubectl should not need the v2 document');
  });

  test('every PATCH operation of every group-version document lists fieldValidation, and every $ref resolves', async () => {
    const index = (await server.http('GET', '/openapi/v3')).json();
    const paths = Object.keys(index.paths);
    assert.ok(paths.includes('api/v1') && paths.includes('apis/apps/v1') && paths.includes('apis/rbac.authorization.k8s.io/v1'));
    for (const p of paths) {
      const doc = (await server.http('GET', index.paths[p].serverRelativeURL)).json();
      let patches = 0;
      for (const [path, item] of Object.entries<any>(doc.paths)) {
        if (!item.patch) continue;
        patches++;
        const names = item.patch.parameters.map((x: any) => x.name);
        assert.ok(names.includes('fieldValidation') && names.includes('dryRun') && names.includes('force'), `${p} ${path}`);
        assert.deepEqual(Object.keys(item.patch.requestBody.content).sort(), [
          'application/apply-patch+yaml', 'application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json',
        ]);
        assert.ok(item.patch['x-kubernetes-group-version-kind']?.kind, `${p} ${path} has no GVK`);
      }
      assert.ok(patches > 0, `${p} has no PATCH operations`);
      const refs = JSON.stringify(doc).match(/"\$ref":"[^"]+"/g) ?? [];
      for (const ref of new Set(refs)) {
        const name = ref.slice('"$ref":"#/components/schemas/'.length, -1);
        assert.ok(doc.components.schemas[name], `${p}: dangling ${ref}`);
      }
    }
  });

  test('merge keys and list types reach the documents', async () => {
    const index = (await server.http('GET', '/openapi/v3')).json();
    const core = (await server.http('GET', index.paths['api/v1'].serverRelativeURL)).json();
    const schemas = core.components.schemas;
    const containers = schemas['io.k8s.api.core.v1.PodSpec'].properties.containers;
    assert.equal(containers['x-kubernetes-patch-merge-key'], 'name');
    assert.equal(containers['x-kubernetes-patch-strategy'], 'merge');
    assert.deepEqual(schemas['io.k8s.api.core.v1.Container'].properties.ports['x-kubernetes-list-map-keys'], ['containerPort', 'protocol']);
    assert.equal(schemas['io.k8s.api.core.v1.PodSpec'].properties.volumes['x-kubernetes-patch-strategy'], 'merge,retainKeys');
    assert.equal(schemas['io.k8s.api.core.v1.PodSpec'].properties.tolerations['x-kubernetes-list-type'], 'atomic');
    assert.equal(schemas['io.k8s.api.core.v1.PodSpec'].properties.terminationGracePeriodSeconds.format, 'int64');
    assert.equal(schemas['io.k8s.api.core.v1.Container'].properties.ports.items.$ref, '#/components/schemas/io.k8s.api.core.v1.ContainerPort');
    // A $ref with a description is wrapped in allOf, as upstream's v3 documents do.
    assert.deepEqual(schemas['io.k8s.api.core.v1.Pod'].properties.spec.allOf, [{ $ref: '#/components/schemas/io.k8s.api.core.v1.PodSpec' }]);
    assert.equal(schemas['io.k8s.apimachinery.pkg.util.intstr.IntOrString'].format, 'int-or-string');
    assert.deepEqual(schemas['io.k8s.apimachinery.pkg.util.intstr.IntOrString'].oneOf, [{ type: 'integer' }, { type: 'string' }]);
    const apps = (await server.http('GET', index.paths['apis/apps/v1'].serverRelativeURL)).json();
    assert.equal(apps.components.schemas['io.k8s.api.apps.v1.DeploymentSpec'].properties.strategy['x-kubernetes-patch-strategy'], 'retainKeys');
    assert.ok(!apps.components.schemas['io.k8s.api.core.v1.Service'], 'apps/v1 carries only the definitions it needs');
  });
});

describe('/openapi/v3 documents', () => {
  test('index hashes are stable, hashed URLs are immutable, a stale hash redirects', async () => {
    const first = await server.http('GET', '/openapi/v3');
    const second = await server.http('GET', '/openapi/v3');
    assert.equal(first.status, 200);
    assert.equal(first.text, second.text);
    assert.equal(first.headers.etag, second.headers.etag);
    const url: string = first.json().paths['apis/apps/v1'].serverRelativeURL;
    const hash = new URL(url, 'https://x').searchParams.get('hash')!;
    assert.match(hash, /^[0-9A-F]{128}$/);

    const doc = await server.http('GET', url);
    assert.equal(doc.status, 200);
    assert.equal(doc.headers['cache-control'], 'public, immutable');
    assert.equal(doc.headers.etag, `"${hash}"`);
    assert.equal(doc.headers['content-type'], 'application/json');
    assert.equal(doc.json().openapi, '3.0.0');

    const unhashed = await server.http('GET', '/openapi/v3/apis/apps/v1');
    assert.equal(unhashed.status, 200);
    assert.equal(unhashed.headers['cache-control'], undefined);
    assert.equal(unhashed.text, doc.text);

    const stale = await server.http('GET', '/openapi/v3/apis/apps/v1?hash=ABC');
    assert.equal(stale.status, 301);
    assert.equal(stale.headers.location, url);

    const notModified = await server.http('GET', url, undefined, { 'If-None-Match': `"${hash}"` });
    assert.equal(notModified.status, 304);

    assert.equal((await server.http('GET', '/openapi/v3/apis/nonexistent/v1')).status, 404);
  });

  test('a document describes every operation of a resource', async () => {
    const index = (await server.http('GET', '/openapi/v3')).json();
    const doc = (await server.http('GET', index.paths['apis/apps/v1'].serverRelativeURL)).json();
    const collection = doc.paths['/apis/apps/v1/namespaces/{namespace}/deployments'];
    const object = doc.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}'];
    const actions = (item: any) => Object.fromEntries(['get', 'post', 'put', 'patch', 'delete'].filter((m) => item[m]).map((m) => [m, item[m]['x-kubernetes-action']]));
    assert.deepEqual(actions(collection), { get: 'list', post: 'post', delete: 'deletecollection' });
    assert.deepEqual(actions(object), { get: 'get', put: 'put', patch: 'patch', delete: 'delete' });
    assert.equal(object.get.operationId, 'readAppsV1NamespacedDeployment');
    assert.equal(collection.post.requestBody.content['*/*'].schema.$ref, '#/components/schemas/io.k8s.api.apps.v1.Deployment');
    assert.equal(collection.get.responses['200'].content['application/json'].schema.$ref, '#/components/schemas/io.k8s.api.apps.v1.DeploymentList');
    assert.deepEqual(object.get['x-kubernetes-group-version-kind'], { group: 'apps', version: 'v1', kind: 'Deployment' });
    assert.ok(doc.paths['/apis/apps/v1/deployments'].get, 'list across namespaces');
    assert.equal(doc.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale'].patch['x-kubernetes-group-version-kind'].kind, 'Scale');
    assert.ok(doc.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}/status'].put);
    assert.deepEqual(doc.components.schemas['io.k8s.api.apps.v1.DeploymentList']['x-kubernetes-group-version-kind'], [{ group: 'apps', version: 'v1', kind: 'DeploymentList' }]);
  });
});

describe('/openapi/v2', () => {
  test('JSON and gnostic protobuf describe the same document', async () => {
    const json = await server.http('GET', '/openapi/v2', undefined, { Accept: 'application/json' });
    assert.equal(json.status, 200);
    const doc = json.json();
    assert.equal(doc.swagger, '2.0');
    assert.deepEqual(doc.definitions['io.k8s.api.apps.v1.Deployment']['x-kubernetes-group-version-kind'], [{ group: 'apps', version: 'v1', kind: 'Deployment' }]);

    const bytes = await getBinary('/openapi/v2', 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf');
    assert.equal(bytes.contentType, 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf');
    const document = decode(bytes.body);
    assert.equal(text(document, 1), '2.0');
    assert.equal(text(decode(document.get(2)![0] as Buffer), 1), 'Kubernetes'); // info.title

    // definitions (9) → NamedSchema (1): name 1, Schema 2.
    const defs = new Map<string, Fields>();
    for (const named of decode(document.get(9)![0] as Buffer).get(1) as Buffer[]) {
      const f = decode(named);
      defs.set(text(f, 1), decode(f.get(2)![0] as Buffer));
    }
    assert.equal(defs.size, Object.keys(doc.definitions).length);
    const deployment = defs.get('io.k8s.api.apps.v1.Deployment')!;
    assert.equal(text(deployment, 4), doc.definitions['io.k8s.api.apps.v1.Deployment'].description);
    assert.deepEqual(strings(decode(deployment.get(22)![0] as Buffer), 1), ['object']); // type
    const ext = (deployment.get(31) as Buffer[]).map(decode).find((e) => text(e, 1) === 'x-kubernetes-group-version-kind')!;
    assert.deepEqual(JSON.parse(text(decode(ext.get(2)![0] as Buffer), 2)), [{ group: 'apps', version: 'v1', kind: 'Deployment' }]);
    const props = new Map((decode(deployment.get(25)![0] as Buffer).get(1) as Buffer[]).map((b) => { const f = decode(b); return [text(f, 1), decode(f.get(2)![0] as Buffer)] as const; }));
    assert.equal(text(props.get('spec')!, 1), '#/definitions/io.k8s.api.apps.v1.DeploymentSpec');

    // paths (8) → NamedPathItem (2).
    const paths = (decode(document.get(8)![0] as Buffer).get(2) as Buffer[]).map(decode);
    assert.equal(paths.length, Object.keys(doc.paths).length);
    const podItem = decode(paths.find((p) => text(p, 1) === '/api/v1/namespaces/{namespace}/pods/{name}')!.get(2)![0] as Buffer);
    const patch = decode(podItem.get(8)![0] as Buffer);
    assert.equal(text(patch, 5), 'patchCoreV1NamespacedPod');
  });
});

// ---- a tiny protobuf reader, enough to check the encoding -------------------------------------

type Fields = Map<number, Array<Buffer | number>>;

function decode(buf: Buffer): Fields {
  const fields: Fields = new Map();
  let i = 0;
  const varint = () => {
    let n = 0, shift = 0, b: number;
    do { b = buf[i++]; n += (b & 0x7f) * 2 ** shift; shift += 7; } while (b & 0x80);
    return n;
  };
  while (i < buf.length) {
    const key = varint();
    const field = key >>> 3, wire = key & 7;
    let value: Buffer | number;
    if (wire === 0) value = varint();
    else if (wire === 2) { const len = varint(); value = buf.subarray(i, i + len); i += len; }
    else throw new Error(`unexpected wire type ${wire} at ${i}`);
    if (!fields.has(field)) fields.set(field, []);
    fields.get(field)!.push(value);
  }
  return fields;
}

function text(f: Fields, field: number): string {
  return (f.get(field)?.[0] as Buffer | undefined)?.toString('utf8') ?? '';
}

function strings(f: Fields, field: number): string[] {
  return ((f.get(field) ?? []) as Buffer[]).map((b) => b.toString('utf8'));
}

async function getBinary(path: string, accept: string): Promise<{ body: Buffer; contentType: string }> {
  const cfg = parseYaml(readFileSync(server.kubeconfig, 'utf8'));
  const b64 = (s: string) => Buffer.from(s, 'base64');
  return new Promise((resolve, reject) => {
    const req = request({
      host: '127.0.0.1', port: server.port, path, method: 'GET', headers: { Accept: accept },
      ca: b64(cfg.clusters[0].cluster['certificate-authority-data']),
      cert: b64(cfg.users[0].user['client-certificate-data']), key: b64(cfg.users[0].user['client-key-data']),
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ body: Buffer.concat(chunks), contentType: String(res.headers['content-type']) }));
    });
    req.on('error', reject);
    req.end();
  });
}
