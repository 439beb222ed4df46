// `skiff images import` into a node's containerd, and registries.yaml mirrors and TLS settings
// taking effect on CRI pulls from local registries (docker-registry on 127.0.0.1 only).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { connect, createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { SKIFF } from './helpers/server.ts';
import { mountsUnder, processesMentioning, skipUnlessRoot, testImageArchives, TEST_IMAGES } from './helpers/cri-harness.ts';
import { startContainerd, type RunningContainerd } from '../src/agent/runtime/containerd.ts';
import { connectCri, type CriClient } from '../src/agent/runtime/cri-client.ts';
import { writeRegistryHosts } from '../src/agent/runtime/registries.ts';
import { archiveKind } from '../src/cli/images.ts';

const run = promisify(execFile);
const REGISTRY_BIN = '/usr/bin/docker-registry';
const skipRegistry = skipUnlessRoot || (existsSync(REGISTRY_BIN) ? false : 'docker-registry is not installed (apt-get install docker-registry)');

function skiff(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((res) => execFile(SKIFF, args, (err, stdout, stderr) => {
    res({ code: err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0, stdout, stderr });
  }));
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

function listening(port: number): Promise<boolean> {
  return new Promise((res) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => { s.destroy(); res(true); });
    s.once('error', () => res(false));
  });
}

/** A node data dir with containerd running where `skiff images` looks for it. */
async function startNodeContainerd(dataDir: string): Promise<{ containerd: RunningContainerd; cri: CriClient; dir: string }> {
  const dir = join(dataDir, 'agent', 'containerd');
  const cniConfDir = join(dataDir, 'net.d');
  await mkdir(cniConfDir, { recursive: true });
  const containerd = await startContainerd({ dir, pauseImage: TEST_IMAGES.pause, cniConfDir, log: () => undefined });
  return { containerd, cri: await connectCri(containerd.socket), dir };
}

async function stopNodeContainerd(dataDir: string, node: { containerd: RunningContainerd; cri: CriClient } | undefined): Promise<void> {
  node?.cri.close();
  await node?.containerd.stop();
  for (const pid of await processesMentioning(dataDir)) {
    try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
  }
  for (const m of await mountsUnder(dataDir)) await run('umount', ['-l', m]).catch(() => undefined);
  await rm(dataDir, { recursive: true, force: true });
}

test('skiff images import loads OCI and Docker archives into the node\'s containerd', { skip: skipUnlessRoot, timeout: 120_000 }, async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'skiff-images-'));
  let node: Awaited<ReturnType<typeof startNodeContainerd>> | undefined;
  try {
    const archives = await testImageArchives();
    const dockerArchive = join(dataDir, 'docker.tar');
    await run('skopeo', ['copy', '--quiet', `oci-archive:${archives.httpd}`, `docker-archive:${dockerArchive}:from-docker:2`]);
    assert.equal(await archiveKind(archives.busybox), 'oci');
    assert.equal(await archiveKind(dockerArchive), 'docker');
    await writeFile(join(dataDir, 'junk.tar'), 'not a tar at all'.repeat(100));

    // Clear failures first: nothing running, a missing file, not an archive, no file at all.
    let r = await skiff(['images', 'import', archives.busybox, '--data-dir', dataDir]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`containerd is not running for data dir ${dataDir}`));
    r = await skiff(['images', 'import', join(dataDir, 'absent.tar'), '--data-dir', dataDir]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /absent\.tar: no such file/);
    r = await skiff(['images', 'import', join(dataDir, 'junk.tar'), '--data-dir', dataDir]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /junk\.tar: not an OCI or Docker image archive/);
    r = await skiff(['images', 'import', '--data-dir', dataDir]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /no archive given/);

    node = await startNodeContainerd(dataDir);
    r = await skiff(['images', 'import', archives.busybox, dockerArchive, '--data-dir', dataDir]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^imported ${TEST_IMAGES.busybox.replace(/[.]/g, '\\.')}$`, 'm'));
    // A Docker archive's short name is normalized as docker pull would.
    assert.match(r.stdout, /^imported docker\.io\/library\/from-docker:2$/m);
    // The CRI (what pods use) sees both.
    for (const image of [TEST_IMAGES.busybox, 'from-docker:2']) {
      const status = await node.cri.imageStatus({ image: { image } });
      assert.ok(status.image && status.image.size > 0, `${image} is in the CRI image store`);
    }
  } finally {
    await stopNodeContainerd(dataDir, node);
  }
});

test('registries.yaml mirrors and TLS settings apply to CRI pulls', { skip: skipRegistry, timeout: 120_000 }, async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'skiff-registries-'));
  const registries: ChildProcess[] = [];
  let node: Awaited<ReturnType<typeof startNodeContainerd>> | undefined;
  try {
    const archives = await testImageArchives();
    // A plain HTTP registry and a TLS one with a self-signed certificate, both on loopback only.
    await run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
      '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dataDir, 'reg.key'), '-out', join(dataDir, 'reg.crt')]);
    const startRegistry = async (name: string, tls: boolean): Promise<number> => {
      const port = await freePort();
      const config = join(dataDir, `${name}.yml`);
      await writeFile(config, [
        'version: 0.1', 'log: {level: error}', `storage: {filesystem: {rootdirectory: ${join(dataDir, name)}}}`,
        `http:`, `  addr: 127.0.0.1:${port}`,
        ...(tls ? ['  tls:', `    certificate: ${join(dataDir, 'reg.crt')}`, `    key: ${join(dataDir, 'reg.key')}`] : []),
      ].join('\n') + '\n');
      const child = spawn(REGISTRY_BIN, ['serve', config], { stdio: 'ignore' });
      registries.push(child);
      const deadline = Date.now() + 15_000;
      for (;;) {
        if (await listening(port)) return port;
        if (Date.now() > deadline) throw new Error(`registry ${name} did not start`);
        await new Promise((res) => setTimeout(res, 100));
      }
    };
    const httpPort = await startRegistry('plain', false);
    const tlsPort = await startRegistry('tls', true);
    await run('skopeo', ['copy', '--quiet', '--dest-tls-verify=false', `oci-archive:${archives.busybox}`, `docker://127.0.0.1:${httpPort}/library/mirrored:1`]);
    await run('skopeo', ['copy', '--quiet', '--dest-tls-verify=false', `oci-archive:${archives.busybox}`, `docker://127.0.0.1:${tlsPort}/library/secure:1`]);

    node = await startNodeContainerd(dataDir);
    const certsDir = join(node.dir, 'certs.d');
    const pull = (image: string) => node!.cri.pullImage({ image: { image } }, { timeoutMs: 30_000 });
    // Names only mirrors can serve: nothing listens on 127.0.0.2:5999, so a pull that falls through
    // to the registry itself fails at once, without leaving the machine.
    const mirrored = '127.0.0.2:5999/library/mirrored:1';
    const secure = '127.0.0.2:5998/library/secure:1';
    await assert.rejects(pull(mirrored), 'no mirror yet: the pull fails');

    await writeRegistryHosts({
      mirrors: {
        '127.0.0.2:5999': { endpoint: [`http://127.0.0.1:${httpPort}`] },
        '127.0.0.2:5998': { endpoint: [`https://127.0.0.1:${tlsPort}`] },
      },
    }, certsDir);
    const { imageRef } = await pull(mirrored);
    assert.match(imageRef, /^sha256:[0-9a-f]{64}$/);
    assert.ok((await node.cri.imageStatus({ image: { image: mirrored } })).image, 'pulled through the plain-HTTP mirror');
    await assert.rejects(pull(secure), /x509|certificate/, 'a self-signed mirror is refused without a TLS setting');

    await writeRegistryHosts({
      mirrors: { '127.0.0.2:5998': { endpoint: [`https://127.0.0.1:${tlsPort}`] } },
      configs: { [`127.0.0.1:${tlsPort}`]: { tls: { ca_file: join(dataDir, 'reg.crt') } } },
    }, certsDir);
    assert.ok(!existsSync(join(certsDir, '127.0.0.2:5999')), 'the mirror no longer configured is gone');
    assert.match(await readFile(join(certsDir, '127.0.0.2:5998', 'hosts.toml'), 'utf8'), /ca = /);
    await pull(secure);
    assert.ok((await node.cri.imageStatus({ image: { image: secure } })).image, 'pulled through the TLS mirror trusting its CA');
  } finally {
    for (const r of registries) r.kill('SIGKILL');
    await stopNodeContainerd(dataDir, node);
  }
});
