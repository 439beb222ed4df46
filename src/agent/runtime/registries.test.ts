import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  applyRegistriesFile, criRegistryAuthToml, parseRegistriesYaml, registryHostsFiles, RegistriesError, writeRegistryHosts,
} from './registries.ts';

const EXAMPLE = `
mirrors:
  docker.io:
    endpoint:
      - "http://127.0.0.1:5000"
      - "https://mirror.example.com/"
  "*":
    endpoint: ["https://all.example.com"]
configs:
  "mirror.example.com":
    tls:
      insecure_skip_verify: true
      ca_file: /etc/ssl/mirror-ca.pem
      cert_file: /etc/ssl/client.pem
      key_file: /etc/ssl/client.key
    auth:
      username: alice
      password: "s3cr\\"et"
  "registry.example.com:8443":
    tls:
      ca_file: /etc/ssl/ca.pem
`;

test('registries.yaml translates into hosts.toml per registry', () => {
  const files = registryHostsFiles(parseRegistriesYaml(EXAMPLE));
  assert.deepEqual([...files.keys()].sort(), ['_default', 'docker.io', 'mirror.example.com', 'registry.example.com:8443']);
  assert.equal(files.get('docker.io'), [
    '# Written by skiff from registries.yaml; edits are overwritten.',
    'server = "https://registry-1.docker.io"',
    '',
    '[host."http://127.0.0.1:5000"]',
    '  capabilities = ["pull", "resolve"]',
    '',
    '[host."https://mirror.example.com"]',
    '  capabilities = ["pull", "resolve"]',
    '  skip_verify = true',
    '  ca = "/etc/ssl/mirror-ca.pem"',
    '  client = [["/etc/ssl/client.pem", "/etc/ssl/client.key"]]',
    '',
  ].join('\n'));
  assert.equal(files.get('registry.example.com:8443'), [
    '# Written by skiff from registries.yaml; edits are overwritten.',
    'server = "https://registry.example.com:8443"',
    'ca = "/etc/ssl/ca.pem"',
    '',
  ].join('\n'));
  // A configured host is also a registry of its own: images named after it get its TLS settings.
  assert.match(files.get('mirror.example.com')!, /^server = "https:\/\/mirror\.example\.com"\nskip_verify = true\n/m);
  assert.match(files.get('_default')!, /^\[host\."https:\/\/all\.example\.com"\]$/m);
  assert.doesNotMatch(files.get('_default')!, /^server/m, 'the default namespace keeps each registry as its own server');
});

test('credentials go to containerd config.toml tables, escaped', () => {
  assert.equal(criRegistryAuthToml(parseRegistriesYaml(EXAMPLE)), [
    '[plugins."io.containerd.grpc.v1.cri".registry.configs."mirror.example.com".auth]',
    '  username = "alice"',
    '  password = "s3cr\\"et"',
    '',
  ].join('\n'));
  assert.equal(criRegistryAuthToml(parseRegistriesYaml('mirrors: {}')), '');
});

test('invalid registries.yaml is refused with every problem named', () => {
  const cases: Array<[string, string, RegExp[]]> = [
    ['not YAML', 'mirrors: [', [/not valid YAML/]],
    ['a list at the top', '- a', [/top level must be a map/]],
    ['unknown top-level field', 'mirror: {}', [/unknown field "mirror"/]],
    ['endpoint not a list', 'mirrors: {docker.io: {endpoint: "http://x"}}', [/mirrors\."docker\.io"\.endpoint: must be a list of URLs/]],
    ['endpoint without scheme', 'mirrors: {docker.io: {endpoint: ["127.0.0.1:5000"]}}', [/endpoint\[0\]: "127\.0\.0\.1:5000" is not a URL/]],
    ['endpoint of another scheme', 'mirrors: {docker.io: {endpoint: ["ftp://m.example.com"]}}', [/endpoint\[0\]: .*only http:\/\/ and https:\/\//]],
    ['endpoint not a URL', 'mirrors: {docker.io: {endpoint: ["http://"]}}', [/endpoint\[0\]: "http:\/\/" is not a URL/]],
    ['credentials in the URL', 'mirrors: {docker.io: {endpoint: ["https://u:p@m.example.com"]}}', [/put credentials under configs/]],
    ['rewrite', 'mirrors: {docker.io: {endpoint: [], rewrite: {"^a": "b"}}}', [/rewrite: not supported/]],
    ['bad registry name', 'mirrors: {"bad name": {endpoint: []}}', [/not a registry host name/]],
    ['tls field of the wrong type', 'configs: {r.example.com: {tls: {insecure_skip_verify: "yes"}}}', [/tls\.insecure_skip_verify: must be a boolean/]],
    ['unknown auth field', 'configs: {r.example.com: {auth: {user: a}}}', [/auth: unknown field "user"/]],
    ['cert without key', 'configs: {r.example.com: {tls: {cert_file: /c}}}', [/cert_file and key_file go together/]],
    ['two problems at once', 'mirrors: {x.io: {endpoint: [1]}}\nconfigs: {y.io: {tls: 3}}', [/endpoint\[0\]: must be a URL string/, /configs\."y\.io"\.tls: must be a map/]],
  ];
  for (const [name, text, wants] of cases) {
    assert.throws(() => parseRegistriesYaml(text), (err: unknown) => {
      assert.ok(err instanceof RegistriesError, name);
      for (const want of wants) assert.match(err.message, want, `${name}: ${err.message}`);
      return true;
    }, name);
  }
  assert.deepEqual(parseRegistriesYaml(''), { mirrors: {}, configs: {} }, 'an empty file configures nothing');
});

test('writeRegistryHosts writes the files and removes only its own stale ones', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'skiff-certs-'));
  try {
    await mkdir(join(dir, 'by-hand.example.com'));
    await writeFile(join(dir, 'by-hand.example.com', 'hosts.toml'), 'server = "https://by-hand.example.com"\n');
    await writeRegistryHosts({ mirrors: { 'docker.io': { endpoint: ['http://127.0.0.1:5000'] }, 'old.example.com': { endpoint: ['http://127.0.0.1:5001'] } } }, dir);
    assert.deepEqual((await readdir(dir)).sort(), ['by-hand.example.com', 'docker.io', 'old.example.com']);
    assert.match(await readFile(join(dir, 'docker.io', 'hosts.toml'), 'utf8'), /\[host\."http:\/\/127\.0\.0\.1:5000"\]/);

    await writeRegistryHosts({ mirrors: { 'docker.io': { endpoint: ['http://127.0.0.1:5002'] } } }, dir);
    assert.deepEqual((await readdir(dir)).sort(), ['by-hand.example.com', 'docker.io'], 'old.example.com was skiff\'s: removed');
    assert.match(await readFile(join(dir, 'docker.io', 'hosts.toml'), 'utf8'), /127\.0\.0\.1:5002/);
    await assert.rejects(writeRegistryHosts({ mirrors: 'nope' }, dir), RegistriesError);

    // From a file: absent is fine, a bad one names the file.
    assert.equal(await applyRegistriesFile(dir, join(dir, 'absent.yaml')), undefined);
    await writeFile(join(dir, 'registries.yaml'), 'mirrors: {docker.io: {endpoint: [ftp://x]}}\n');
    await assert.rejects(applyRegistriesFile(dir, join(dir, 'registries.yaml')), /registries\.yaml: mirrors\."docker\.io"\.endpoint\[0\]/);
    await writeFile(join(dir, 'registries.yaml'), 'mirrors: {quay.io: {endpoint: ["http://127.0.0.1:5003"]}}\n');
    const applied = await applyRegistriesFile(dir, join(dir, 'registries.yaml'));
    assert.deepEqual(applied?.mirrors, { 'quay.io': { endpoints: ['http://127.0.0.1:5003'] } });
    assert.deepEqual((await readdir(dir)).sort(), ['by-hand.example.com', 'quay.io', 'registries.yaml']);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
