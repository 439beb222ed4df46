// The server's credentials: a cluster CA, the API server's serving certificate, the admin client
// certificate and the join token. Created once under <dataDir>/server/, then loaded on every start.
//
// Loading uses only node:crypto (a few ms). Issuing certificates needs @peculiar/x509, which is
// imported lazily because it costs ~60 ms to load and is needed only on first start or renewal.

import { X509Certificate, createHash, createPrivateKey, randomBytes } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import fs from 'node:fs';
import net, { SocketAddress } from 'node:net';
import os from 'node:os';
import path from 'node:path';

export interface ServerCredentials {
  caCert: string; caKey: string;              // PEM
  servingCert: string; servingKey: string;    // PEM, signed by the CA
  adminCert: string; adminKey: string;        // client cert, CN=system:admin, O=system:masters
  kubeletClientCert: string; kubeletClientKey: string; // the API server's client cert towards kubelets
  token: string;                              // join token: K10<sha256 of caCert>::server:<secret>
  paths: { dir: string; caCert: string; caKey: string; servingCert: string; servingKey: string; adminCert: string; adminKey: string; kubeletClientCert: string; kubeletClientKey: string; token: string };
}

export interface ServingSans { dnsNames: string[]; ips: string[] }

type Log = (msg: string, fields?: object) => void;

const DAY_MS = 24 * 60 * 60 * 1000;
const CA_VALIDITY_DAYS = 3650;
const LEAF_VALIDITY_DAYS = 365;
// Leaf certificates this close to expiry are re-issued on start, as k3s does.
const RENEW_BEFORE_DAYS = 90;
// Backdate notBefore so a node whose clock is slightly behind still accepts a fresh certificate.
const CLOCK_SKEW_MS = 5 * 60 * 1000;
const KUBERNETES_SERVICE_IP = '10.43.0.1';
const ADMIN_USER = 'system:admin';
const ADMIN_GROUP = 'system:masters';
// The API server's identity towards kubelets (logs, exec, port-forward), as k3s names it.
const KUBELET_CLIENT_USER = 'system:kube-apiserver';

/** The names a client may use to reach the API server: loopback, this host, the in-cluster service. */
export function defaultServingSans(extraIps: string[] = []): ServingSans {
  const dnsNames = [
    'localhost', os.hostname(), 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc',
    'kubernetes.default.svc.cluster.local',
  ];
  const ips = ['127.0.0.1', '::1'];
  for (const addresses of Object.values(os.networkInterfaces())) {
    for (const a of addresses ?? []) {
      // Link-local addresses need a zone to be dialled, so no client can use them in a URL.
      if (!a.internal && !isLinkLocal(a.address)) ips.push(a.address);
    }
  }
  ips.push(KUBERNETES_SERVICE_IP, ...extraIps);
  return normalizeSans({ dnsNames, ips });
}

/** Loads the server's credentials from <dataDir>/server, creating (or repairing) what is missing. */
export async function ensureServerCredentials(dataDir: string, sans: ServingSans, log: Log = () => {}): Promise<ServerCredentials> {
  const paths = credentialPaths(dataDir);
  fs.mkdirSync(paths.dir, { recursive: true, mode: 0o700 });
  const wanted = normalizeSans(sans);

  let ca = readKeyPair(paths.caCert, paths.caKey);
  let caCreated = false;
  let wrote = false;
  if (!ca || !ca.cert.ca) {
    ca = await createCa();
    writeKeyPair(paths.caCert, paths.caKey, ca);
    caCreated = wrote = true;
    log('created cluster CA', { cert: paths.caCert, subject: ca.cert.subject });
  }

  const oldServing = readKeyPair(paths.servingCert, paths.servingKey);
  let serving = oldServing;
  const servingProblem = caCreated ? 'new CA' : leafProblem(oldServing, ca, wanted);
  if (servingProblem || !serving) {
    // Keep the names the old certificate had, so a client that reached us by one of them still can.
    const names = oldServing && !caCreated ? unionSans(wanted, await sansOf(oldServing.certPem)) : wanted;
    serving = await issueLeaf(ca, { commonName: 'skiff', organizations: ['skiff'], usage: 'server', sans: names });
    writeKeyPair(paths.servingCert, paths.servingKey, serving);
    wrote = true;
    log('issued API serving certificate', { cert: paths.servingCert, reason: servingProblem, dnsNames: names.dnsNames, ips: names.ips });
  }

  let admin = readKeyPair(paths.adminCert, paths.adminKey);
  const adminProblem = caCreated ? 'new CA' : leafProblem(admin, ca);
  if (adminProblem || !admin) {
    admin = await issueLeaf(ca, { commonName: ADMIN_USER, organizations: [ADMIN_GROUP], usage: 'client' });
    writeKeyPair(paths.adminCert, paths.adminKey, admin);
    wrote = true;
    log('issued admin client certificate', { cert: paths.adminCert, reason: adminProblem });
  }

  let kubeletClient = readKeyPair(paths.kubeletClientCert, paths.kubeletClientKey);
  const kubeletClientProblem = caCreated ? 'new CA' : leafProblem(kubeletClient, ca);
  if (kubeletClientProblem || !kubeletClient) {
    kubeletClient = await issueLeaf(ca, { commonName: KUBELET_CLIENT_USER, organizations: [], usage: 'client' });
    writeKeyPair(paths.kubeletClientCert, paths.kubeletClientKey, kubeletClient);
    wrote = true;
    log('issued kubelet client certificate', { cert: paths.kubeletClientCert, reason: kubeletClientProblem });
  }

  const token = ensureToken(paths.token, ca.certPem, log);
  if (wrote || token.created) {
    // Make the new directory entries durable too: agents are handed this CA and token.
    syncDir(paths.dir);
    syncDir(path.dirname(paths.token));
  }
  return {
    caCert: ca.certPem, caKey: ca.keyPem,
    servingCert: serving.certPem, servingKey: serving.keyPem,
    adminCert: admin.certPem, adminKey: admin.keyPem,
    kubeletClientCert: kubeletClient.certPem, kubeletClientKey: kubeletClient.keyPem,
    token: token.value, paths,
  };
}

/** Issues a client certificate (1 year, clientAuth) signed by the cluster CA. */
export async function issueClientCertificate(creds: ServerCredentials, commonName: string, organizations: string[]): Promise<{ cert: string; key: string }> {
  const ca = parseKeyPair(creds.caCert, creds.caKey);
  const leaf = await issueLeaf(ca, { commonName, organizations, usage: 'client' });
  return { cert: leaf.certPem, key: leaf.keyPem };
}

/** The join token's CA pin, as k3s computes it: sha256 of the CA bundle exactly as /cacerts serves it. */
export function caHash(caCertPem: string): string {
  return createHash('sha256').update(caCertPem).digest('hex');
}

/** Writes a file so readers see the old or the new content, never a torn one, and it survives a crash. */
export function writeFileAtomic(file: string, data: string, mode: number): void {
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const fd = fs.openSync(tmp, 'wx', mode);
  try {
    fs.fchmodSync(fd, mode); // exactly `mode`, whatever the umask
    fs.writeFileSync(fd, data);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  try {
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}

// ---- files ----

function credentialPaths(dataDir: string): ServerCredentials['paths'] {
  const server = path.join(dataDir, 'server');
  const dir = path.join(server, 'tls');
  // File names follow k3s's, so people find what they expect.
  return {
    dir,
    caCert: path.join(dir, 'server-ca.crt'),
    caKey: path.join(dir, 'server-ca.key'),
    servingCert: path.join(dir, 'serving-kube-apiserver.crt'),
    servingKey: path.join(dir, 'serving-kube-apiserver.key'),
    adminCert: path.join(dir, 'client-admin.crt'),
    adminKey: path.join(dir, 'client-admin.key'),
    kubeletClientCert: path.join(dir, 'client-kube-apiserver.crt'),
    kubeletClientKey: path.join(dir, 'client-kube-apiserver.key'),
    token: path.join(server, 'token'),
  };
}

interface KeyPair { certPem: string; keyPem: string; cert: X509Certificate; key: KeyObject }

function parseKeyPair(certPem: string, keyPem: string): KeyPair {
  return { certPem, keyPem, cert: new X509Certificate(certPem), key: createPrivateKey(keyPem) };
}

/** A certificate and its key from disk, or undefined if either is missing, unreadable or they don't match. */
function readKeyPair(certFile: string, keyFile: string): KeyPair | undefined {
  try {
    const pair = parseKeyPair(fs.readFileSync(certFile, 'utf8'), fs.readFileSync(keyFile, 'utf8'));
    return pair.cert.checkPrivateKey(pair.key) ? pair : undefined;
  } catch {
    return undefined;
  }
}

function writeKeyPair(certFile: string, keyFile: string, pair: KeyPair): void {
  // Key first: a crash in between leaves a mismatched pair, which the next start detects and re-issues.
  writeFileAtomic(keyFile, pair.keyPem, 0o600);
  writeFileAtomic(certFile, pair.certPem, 0o644);
}

function syncDir(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try { fs.fsyncSync(fd); } finally { fs.closeSync(fd); }
}

/** The join token, created once. If the CA changed, the pin is updated and the secret kept. */
function ensureToken(file: string, caCertPem: string, log: Log): { value: string; created: boolean } {
  let existing = '';
  try { existing = fs.readFileSync(file, 'utf8').trim(); } catch { /* first start */ }
  const pin = `K10${caHash(caCertPem)}::`;
  if (existing.startsWith(pin)) return { value: existing, created: false };

  let credentials: string;
  const full = /^K10[0-9a-f]{64}::(.+)$/.exec(existing);
  if (full) credentials = full[1];
  else if (existing) credentials = `server:${existing}`; // a bare secret, as k3s accepts for --token
  else credentials = `server:${randomBytes(16).toString('hex')}`;
  const token = pin + credentials;
  writeFileAtomic(file, token + '\n', 0o600);
  log(existing ? 'updated join token for new CA' : 'created join token', { file });
  return { value: token, created: true };
}

// ---- checks ----

/** Why a loaded leaf certificate can't be used with this CA (for these SANs), or undefined if it can. */
function leafProblem(leaf: KeyPair | undefined, ca: KeyPair, sans?: ServingSans): string | undefined {
  if (!leaf) return 'missing';
  if (!leaf.cert.checkIssued(ca.cert) || !leaf.cert.verify(ca.cert.publicKey)) return 'not signed by the CA';
  if (leaf.cert.validToDate.getTime() - Date.now() < RENEW_BEFORE_DAYS * DAY_MS) return 'expiring';
  return sans && missingSans(leaf.cert, sans);
}

function missingSans(cert: X509Certificate, sans: ServingSans): string | undefined {
  const missing = [
    ...sans.dnsNames.filter((name) => cert.checkHost(name, { subject: 'never', wildcards: false }) === undefined),
    ...sans.ips.filter((ip) => cert.checkIP(ip) === undefined),
  ];
  return missing.length ? `missing SANs ${missing.join(', ')}` : undefined;
}

// ---- names ----

function normalizeSans(sans: ServingSans): ServingSans {
  const dnsNames = sans.dnsNames.map((n) => n.trim().toLowerCase()).filter((n) => n !== '');
  const ips = sans.ips.map((ip) => {
    const family = net.isIP(ip);
    if (family === 0) throw new Error(`invalid IP address for the serving certificate: ${JSON.stringify(ip)}`);
    // One spelling per address, so duplicates collapse and comparisons are exact.
    return new SocketAddress({ address: ip, family: family === 4 ? 'ipv4' : 'ipv6' }).address;
  });
  return { dnsNames: [...new Set(dnsNames)], ips: [...new Set(ips)] };
}

function unionSans(a: ServingSans, b: ServingSans): ServingSans {
  return normalizeSans({ dnsNames: [...a.dnsNames, ...b.dnsNames], ips: [...a.ips, ...b.ips] });
}

function isLinkLocal(ip: string): boolean {
  return /^fe[89ab][0-9a-f]:/i.test(ip) || ip.startsWith('169.254.');
}

// ---- issuing (lazy @peculiar/x509) ----

type X509Module = typeof import('@peculiar/x509');
let x509Module: Promise<X509Module> | undefined;

function loadX509(): Promise<X509Module> {
  x509Module ??= (async () => {
    installReflectMetadata();
    const x509 = await import('@peculiar/x509');
    x509.cryptoProvider.set(globalThis.crypto);
    return x509;
  })();
  return x509Module;
}

/**
 * @peculiar/x509 depends on tsyringe, which refuses to load without the reflect-metadata API on
 * `Reflect`. It only stores and reads back constructor metadata, so a small WeakMap store is enough;
 * an existing polyfill is left alone.
 */
function installReflectMetadata(): void {
  const r = Reflect as unknown as Record<string, unknown>;
  if (typeof r.getMetadata === 'function') return;
  const store = new WeakMap<object, Map<unknown, unknown>>();
  const own = (key: unknown, target: object) => store.get(target)?.get(key);
  r.getOwnMetadata = own;
  r.defineMetadata = (key: unknown, value: unknown, target: object) => {
    let m = store.get(target);
    if (!m) store.set(target, (m = new Map()));
    m.set(key, value);
  };
  r.getMetadata = (key: unknown, target: object) => {
    for (let o: object | null = target; o; o = Object.getPrototypeOf(o)) {
      if (store.get(o)?.has(key)) return own(key, o);
    }
    return undefined;
  };
}

const EC_KEY: EcKeyGenParams = { name: 'ECDSA', namedCurve: 'P-256' };
const EC_SIGNING: EcdsaParams = { name: 'ECDSA', hash: 'SHA-256' };

async function newKeyPair(): Promise<{ keys: CryptoKeyPair; keyPem: string }> {
  const keys = await crypto.subtle.generateKey(EC_KEY, true, ['sign', 'verify']);
  const pkcs8 = Buffer.from(await crypto.subtle.exportKey('pkcs8', keys.privateKey));
  // SEC1 ("EC PRIVATE KEY"), the form k3s and kubeadm write.
  const keyPem = createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' }).export({ type: 'sec1', format: 'pem' }) as string;
  return { keys, keyPem };
}

function validity(days: number): { notBefore: Date; notAfter: Date } {
  const now = Date.now();
  return { notBefore: new Date(now - CLOCK_SKEW_MS), notAfter: new Date(now + days * DAY_MS) };
}

async function createCa(): Promise<KeyPair> {
  const x509 = await loadX509();
  const { keys, keyPem } = await newKeyPair();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    name: [{ CN: [`skiff-server-ca@${Math.floor(Date.now() / 1000)}`] }],
    keys,
    signingAlgorithm: EC_SIGNING,
    ...validity(CA_VALIDITY_DAYS),
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return parseKeyPair(cert.toString('pem') + '\n', keyPem);
}

interface LeafRequest {
  commonName: string;
  organizations: string[];
  usage: 'server' | 'client';
  sans?: ServingSans;
}

async function issueLeaf(ca: KeyPair, req: LeafRequest): Promise<KeyPair> {
  const x509 = await loadX509();
  const caCert = new x509.X509Certificate(ca.certPem);
  const [{ keys, keyPem }, signingKey] = await Promise.all([newKeyPair(), caSigningKey(ca.key)]);
  // One RDN per attribute type, O before CN, as Go's pkix.Name encodes it.
  const subject: Array<Record<string, string[]>> = req.organizations.length ? [{ O: req.organizations }, { CN: [req.commonName] }] : [{ CN: [req.commonName] }];
  const extensions: InstanceType<X509Module['Extension']>[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
    new x509.ExtendedKeyUsageExtension([req.usage === 'server' ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth]),
    await x509.AuthorityKeyIdentifierExtension.create(caCert.publicKey),
  ];
  if (req.sans) {
    extensions.push(new x509.SubjectAlternativeNameExtension([
      ...req.sans.dnsNames.map((value) => ({ type: 'dns' as const, value })),
      ...req.sans.ips.map((value) => ({ type: 'ip' as const, value })),
    ]));
  }
  const cert = await x509.X509CertificateGenerator.create({
    // The CA's encoded name as is: Go matches issuer to CA subject byte for byte.
    issuer: caCert.subjectName,
    subject,
    publicKey: keys.publicKey,
    signingKey: signingKey.key,
    signingAlgorithm: signingKey.algorithm,
    ...validity(LEAF_VALIDITY_DAYS),
    extensions,
  });
  return parseKeyPair(cert.toString('pem') + '\n', keyPem);
}

/** The CA key as a WebCrypto signing key; EC or RSA, so an operator-supplied CA works too. */
async function caSigningKey(key: KeyObject): Promise<{ key: CryptoKey; algorithm: EcdsaParams | Algorithm }> {
  const details = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === 'ec') {
    const curves: Record<string, [string, string]> = {
      prime256v1: ['P-256', 'SHA-256'], secp384r1: ['P-384', 'SHA-384'], secp521r1: ['P-521', 'SHA-512'],
    };
    const curve = curves[details.namedCurve ?? ''];
    if (!curve) throw new Error(`unsupported CA key curve ${details.namedCurve}`);
    return { key: await importSigningKey(key, { name: 'ECDSA', namedCurve: curve[0] }), algorithm: { name: 'ECDSA', hash: curve[1] } };
  }
  if (key.asymmetricKeyType === 'rsa') {
    const algorithm = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
    return { key: await importSigningKey(key, algorithm), algorithm };
  }
  throw new Error(`unsupported CA key type ${key.asymmetricKeyType}`);
}

function importSigningKey(key: KeyObject, algorithm: EcKeyImportParams | RsaHashedImportParams): Promise<CryptoKey> {
  return crypto.subtle.importKey('pkcs8', key.export({ type: 'pkcs8', format: 'der' }), algorithm, false, ['sign']);
}

/** The SANs an existing serving certificate carries. */
async function sansOf(certPem: string): Promise<ServingSans> {
  const x509 = await loadX509();
  const ext = new x509.X509Certificate(certPem).getExtension(x509.SubjectAlternativeNameExtension);
  const names = ext?.names.toJSON() ?? [];
  return {
    dnsNames: names.filter((n) => n.type === 'dns').map((n) => n.value),
    ips: names.filter((n) => n.type === 'ip' && net.isIP(n.value) !== 0).map((n) => n.value),
  };
}

/**
 * A self-signed serving certificate (1 year) for the agent's kubelet API: the API server does not
 * verify it, as upstream's default, so no CA is involved.
 */
export async function selfSignedServingCertificate(commonName: string, sans: ServingSans): Promise<{ cert: string; key: string }> {
  const x509 = await loadX509();
  const { keys, keyPem } = await newKeyPair();
  const names = normalizeSans(sans);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    name: [{ CN: [commonName] }],
    keys,
    signingAlgorithm: EC_SIGNING,
    ...validity(LEAF_VALIDITY_DAYS),
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([
        ...names.dnsNames.map((value) => ({ type: 'dns' as const, value })),
        ...names.ips.map((value) => ({ type: 'ip' as const, value })),
      ]),
    ],
  });
  return { cert: cert.toString('pem') + '\n', key: keyPem };
}
