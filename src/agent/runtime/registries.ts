// Private registries and mirrors, configured as in k3s with a registries.yaml:
//
//   mirrors:
//     docker.io:
//       endpoint: ["http://127.0.0.1:5000"]
//   configs:
//     "127.0.0.1:5000":
//       tls: { insecure_skip_verify: true, ca_file: /path/ca.crt, cert_file: ..., key_file: ... }
//       auth: { username: u, password: p }
//
// turned into what containerd's CRI plugin reads: a `<certsDir>/<registry>/hosts.toml` per
// registry (its `config_path`, read afresh on each pull), and for credentials, which hosts.toml
// cannot hold, `registry.configs."<host>".auth` tables for containerd's config.toml.
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { yaml } from '../../machinery/yaml.ts';

export const DEFAULT_REGISTRIES_FILE = '/etc/skiff/registries.yaml';
/** First line of every hosts.toml skiff writes, so it can tell its own files from an admin's. */
const MARKER = '# Written by skiff from registries.yaml; edits are overwritten.';

export interface RegistryTls { insecureSkipVerify?: boolean; caFile?: string; certFile?: string; keyFile?: string }
export interface RegistryAuth { username?: string; password?: string; auth?: string; identityToken?: string }
export interface RegistriesConfig {
  /** Registry name (or "*" for every registry) → endpoints tried in order before the registry itself. */
  mirrors: Record<string, { endpoints: string[] }>;
  /** Registry host[:port] → how to talk to it. */
  configs: Record<string, { tls?: RegistryTls; auth?: RegistryAuth }>;
}

export class RegistriesError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`invalid registries.yaml: ${problems.join('; ')}`);
    this.name = 'RegistriesError';
    this.problems = problems;
  }
}

// ---- parsing and validation ---------------------------------------------------------------

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const HOST = /^(\[[0-9a-fA-F:.]+\]|[a-zA-Z0-9]([a-zA-Z0-9.-]*[a-zA-Z0-9])?)(:\d{1,5})?$/;

/** Parses registries.yaml text; throws RegistriesError naming every problem. */
export function parseRegistriesYaml(text: string): RegistriesConfig {
  let doc: unknown;
  try {
    doc = yaml().parse(text);
  } catch (err) {
    throw new RegistriesError([`not valid YAML: ${(err as Error).message.split('\n')[0]}`]);
  }
  return validateRegistries(doc ?? {});
}

/** Checks a registries.yaml document (already parsed) and returns it in skiff's shape. */
export function validateRegistries(doc: unknown): RegistriesConfig {
  const problems: string[] = [];
  const out: RegistriesConfig = { mirrors: {}, configs: {} };
  if (!isObject(doc)) throw new RegistriesError(['the top level must be a map with "mirrors" and/or "configs"']);
  for (const key of Object.keys(doc)) if (key !== 'mirrors' && key !== 'configs') problems.push(`unknown field "${key}"`);

  const mirrors = doc.mirrors ?? {};
  if (!isObject(mirrors)) problems.push('mirrors: must be a map of registry name to {endpoint: [...]}');
  else {
    for (const [name, m] of Object.entries(mirrors)) {
      const at = `mirrors."${name}"`;
      if (name !== '*' && !HOST.test(name)) problems.push(`${at}: not a registry host name`);
      if (!isObject(m)) { problems.push(`${at}: must be a map with "endpoint"`); continue; }
      for (const key of Object.keys(m)) {
        if (key === 'rewrite') problems.push(`${at}.rewrite: not supported by skiff's containerd`);
        else if (key !== 'endpoint') problems.push(`${at}: unknown field "${key}"`);
      }
      const endpoints = m.endpoint ?? [];
      if (!Array.isArray(endpoints)) { problems.push(`${at}.endpoint: must be a list of URLs`); continue; }
      endpoints.forEach((e, i) => {
        const why = endpointProblem(e);
        if (why) problems.push(`${at}.endpoint[${i}]: ${why}`);
      });
      out.mirrors[name] = { endpoints: endpoints.filter((e): e is string => typeof e === 'string').map((e) => e.replace(/\/+$/, '')) };
    }
  }

  const configs = doc.configs ?? {};
  if (!isObject(configs)) problems.push('configs: must be a map of registry host to {tls, auth}');
  else {
    for (const [host, c] of Object.entries(configs)) {
      const at = `configs."${host}"`;
      if (host !== '*' && !HOST.test(host)) problems.push(`${at}: not a registry host[:port]`);
      if (!isObject(c)) { problems.push(`${at}: must be a map with "tls" and/or "auth"`); continue; }
      const entry: RegistriesConfig['configs'][string] = {};
      for (const key of Object.keys(c)) if (key !== 'tls' && key !== 'auth') problems.push(`${at}: unknown field "${key}"`);
      if (c.tls !== undefined) entry.tls = fields(c.tls, `${at}.tls`, problems, {
        insecure_skip_verify: ['insecureSkipVerify', 'boolean'], ca_file: ['caFile', 'string'], cert_file: ['certFile', 'string'], key_file: ['keyFile', 'string'],
      }) as RegistryTls;
      if (entry.tls && !!entry.tls.certFile !== !!entry.tls.keyFile) problems.push(`${at}.tls: cert_file and key_file go together`);
      if (c.auth !== undefined) entry.auth = fields(c.auth, `${at}.auth`, problems, {
        username: ['username', 'string'], password: ['password', 'string'], auth: ['auth', 'string'], identity_token: ['identityToken', 'string'],
      }) as RegistryAuth;
      out.configs[host] = entry;
    }
  }
  if (problems.length) throw new RegistriesError(problems);
  return out;
}

function endpointProblem(e: unknown): string | undefined {
  if (typeof e !== 'string') return 'must be a URL string';
  let url: URL;
  try { url = new URL(e); } catch { return `"${e}" is not a URL (want http://HOST[:PORT] or https://HOST[:PORT])`; }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `"${e}": only http:// and https:// endpoints are supported`;
  if (url.username || url.password) return `"${e}": put credentials under configs.<host>.auth, not in the URL`;
  if (url.search || url.hash) return `"${e}": a query or fragment is not allowed`;
  return undefined;
}

function fields(v: unknown, at: string, problems: string[], spec: Record<string, [string, 'string' | 'boolean']>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (!isObject(v)) { problems.push(`${at}: must be a map`); return out; }
  for (const [key, value] of Object.entries(v)) {
    const s = spec[key];
    if (!s) { problems.push(`${at}: unknown field "${key}"`); continue; }
    if (typeof value !== s[1]) { problems.push(`${at}.${key}: must be a ${s[1]}`); continue; }
    out[s[0]] = value;
  }
  return out;
}

// ---- hosts.toml -----------------------------------------------------------------------------

/** TOML basic string. */
const q = (s: string) => JSON.stringify(s);

/** Where a registry itself is reached when no mirror answers (docker.io's API lives elsewhere). */
function upstreamServer(registry: string): string {
  return registry === 'docker.io' ? 'https://registry-1.docker.io' : `https://${registry}`;
}

/** host[:port] of an endpoint URL, the key configs use. */
function endpointHost(endpoint: string): string {
  return new URL(endpoint).host;
}

/** The TLS lines of a host table (or of the top level, for the registry itself). */
function tlsLines(tls: RegistryTls | undefined, indent: string): string[] {
  const lines: string[] = [];
  if (!tls) return lines;
  if (tls.insecureSkipVerify) lines.push(`${indent}skip_verify = true`);
  if (tls.caFile) lines.push(`${indent}ca = ${q(tls.caFile)}`);
  if (tls.certFile && tls.keyFile) lines.push(`${indent}client = [[${q(tls.certFile)}, ${q(tls.keyFile)}]]`);
  return lines;
}

/**
 * The hosts.toml of each registry directory: the mirrors in order (pull and resolve), then the
 * registry itself. Directory names are the registry name, or "_default" for the "*" mirror.
 */
export function registryHostsFiles(config: RegistriesConfig): Map<string, string> {
  const files = new Map<string, string>();
  const registries = new Set([...Object.keys(config.mirrors), ...Object.keys(config.configs).filter((h) => h !== '*')]);
  for (const registry of registries) {
    const dir = registry === '*' ? '_default' : registry;
    const lines = [MARKER];
    if (registry !== '*') {
      lines.push(`server = ${q(upstreamServer(registry))}`);
      lines.push(...tlsLines(config.configs[registry]?.tls, ''));
    }
    for (const endpoint of config.mirrors[registry]?.endpoints ?? []) {
      const host = endpointHost(endpoint);
      lines.push('', `[host.${q(endpoint)}]`, '  capabilities = ["pull", "resolve"]');
      lines.push(...tlsLines((config.configs[host] ?? config.configs['*'])?.tls, '  '));
    }
    files.set(dir, lines.join('\n') + '\n');
  }
  return files;
}

/**
 * Writes `<certsDir>/<registry>/hosts.toml` for a registries.yaml document (validated first; a
 * RegistriesError names every problem), and removes the ones an earlier run wrote that are no
 * longer configured. Directories an admin wrote by hand are left alone.
 */
export async function writeRegistryHosts(registriesYaml: object, certsDir: string): Promise<void> {
  await writeHostsFiles(validateRegistries(registriesYaml), certsDir);
}

async function writeHostsFiles(config: RegistriesConfig, certsDir: string): Promise<void> {
  const files = registryHostsFiles(config);
  await mkdir(certsDir, { recursive: true });
  for (const entry of await readdir(certsDir, { withFileTypes: true })) {
    if (!entry.isDirectory() || files.has(entry.name)) continue;
    const existing = await readFile(join(certsDir, entry.name, 'hosts.toml'), 'utf8').catch(() => '');
    if (existing.startsWith(MARKER)) await rm(join(certsDir, entry.name), { recursive: true, force: true });
  }
  for (const [dir, text] of files) {
    await mkdir(join(certsDir, dir), { recursive: true });
    const file = join(certsDir, dir, 'hosts.toml');
    const tmp = `${file}.${process.pid}.tmp`;
    await writeFile(tmp, text, { mode: 0o644 });
    await rename(tmp, file); // containerd reads these on every pull: never a half-written one
  }
}

/**
 * Credentials for containerd's config.toml (hosts.toml has no place for them): one
 * `[plugins."io.containerd.grpc.v1.cri".registry.configs."<host>".auth]` table per host with auth.
 */
export function criRegistryAuthToml(config: RegistriesConfig): string {
  const tables: string[] = [];
  for (const [host, c] of Object.entries(config.configs)) {
    if (!c.auth || host === '*') continue;
    const lines = [`[plugins."io.containerd.grpc.v1.cri".registry.configs.${q(host)}.auth]`];
    if (c.auth.username !== undefined) lines.push(`  username = ${q(c.auth.username)}`);
    if (c.auth.password !== undefined) lines.push(`  password = ${q(c.auth.password)}`);
    if (c.auth.auth !== undefined) lines.push(`  auth = ${q(c.auth.auth)}`);
    if (c.auth.identityToken !== undefined) lines.push(`  identitytoken = ${q(c.auth.identityToken)}`);
    tables.push(lines.join('\n'));
  }
  return tables.length ? tables.join('\n') + '\n' : '';
}

/**
 * Reads registries.yaml (DEFAULT_REGISTRIES_FILE unless given) and writes the hosts.toml files;
 * returns the parsed config, or undefined when there is no such file.
 */
export async function applyRegistriesFile(certsDir: string, file = DEFAULT_REGISTRIES_FILE): Promise<RegistriesConfig | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  let config: RegistriesConfig;
  try {
    config = parseRegistriesYaml(text);
  } catch (err) {
    if (err instanceof RegistriesError) throw new RegistriesError(err.problems.map((p) => `${file}: ${p}`));
    throw err;
  }
  await writeHostsFiles(config, certsDir);
  return config;
}
