// A container's environment as upstream's kubelet builds it (makeEnvironmentVariables): service
// link variables, envFrom (with prefixes), env entries with values, fieldRef, resourceFieldRef,
// configMapKeyRef and secretKeyRef, and $(VAR) expansion over what is defined so far. The
// object lookups are passed in, so the logic is tested with plain data.
import type { ConfigMap, Container, EnvVar, Pod, Secret, Service } from 'kubernetes-types/core/v1';
import { parseQuantity, milliValue, value as quantityValue } from '../../../machinery/quantity.ts';

export interface EnvLookups {
  /** undefined when the object does not exist. */
  configMap(namespace: string, name: string): Promise<ConfigMap | undefined>;
  secret(namespace: string, name: string): Promise<Secret | undefined>;
  /** Services for link variables: the pod's namespace, and `default` for the `kubernetes` service. */
  services(namespace: string): Promise<Service[]>;
}

export interface EnvContext {
  hostIP: string;
  podIPs: string[];
  /** Node allocatable, the stand-in for an unset limit in resourceFieldRef. */
  nodeCpuMilli: number;
  nodeMemory: number;
}

/** A failure that makes the container's config unbuildable: CreateContainerConfigError with this message. */
export class ContainerConfigError extends Error {}

export interface EnvEntry { key: string; value: string }

export async function containerEnv(pod: Pod, container: Container, lookups: EnvLookups, ctx: EnvContext): Promise<EnvEntry[]> {
  const ns = pod.metadata?.namespace ?? 'default';
  const serviceEnv = await serviceEnvVars(pod, lookups);
  const env = new Map<string, string>();

  for (const from of container.envFrom ?? []) {
    const prefix = from.prefix ?? '';
    if (from.configMapRef) {
      const name = from.configMapRef.name ?? '';
      const cm = await lookups.configMap(ns, name);
      if (!cm) {
        if (from.configMapRef.optional) continue;
        throw new ContainerConfigError(`configmap "${name}" not found`);
      }
      for (const [k, v] of Object.entries({ ...(cm.data ?? {}) })) if (validEnvName(prefix + k)) env.set(prefix + k, v);
    } else if (from.secretRef) {
      const name = from.secretRef.name ?? '';
      const s = await lookups.secret(ns, name);
      if (!s) {
        if (from.secretRef.optional) continue;
        throw new ContainerConfigError(`secret "${name}" not found`);
      }
      for (const [k, v] of Object.entries(s.data ?? {})) if (validEnvName(prefix + k)) env.set(prefix + k, Buffer.from(v, 'base64').toString());
    }
  }

  for (const e of container.env ?? []) {
    const value = await envValue(pod, container, e, lookups, ctx, (name) => env.get(name) ?? serviceEnv.get(name));
    if (value === undefined) continue; // an optional reference that is absent
    env.set(e.name, value);
  }

  for (const [k, v] of serviceEnv) if (!env.has(k)) env.set(k, v);
  return [...env].map(([key, value]) => ({ key, value }));
}

/** Upstream (1.32, RelaxedEnvironmentVariableValidation off) still skips names with '='; keep printable names. */
function validEnvName(name: string): boolean {
  return name.length > 0 && !name.includes('=') && /^[\x20-\x7e]+$/.test(name);
}

async function envValue(
  pod: Pod, container: Container, e: EnvVar, lookups: EnvLookups, ctx: EnvContext, lookup: (name: string) => string | undefined,
): Promise<string | undefined> {
  const ns = pod.metadata?.namespace ?? 'default';
  const from = e.valueFrom;
  if (!from) return expand(e.value ?? '', lookup);
  if (from.fieldRef) return podField(pod, from.fieldRef.fieldPath, ctx);
  if (from.resourceFieldRef) {
    const target = from.resourceFieldRef.containerName
      ? [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])].find((c) => c.name === from.resourceFieldRef!.containerName)
      : container;
    if (!target) throw new ContainerConfigError(`container ${from.resourceFieldRef.containerName} not found`);
    return resourceField(target, from.resourceFieldRef.resource, from.resourceFieldRef.divisor, ctx);
  }
  if (from.configMapKeyRef) {
    const { name = '', key, optional } = from.configMapKeyRef;
    const cm = await lookups.configMap(ns, name);
    if (!cm) {
      if (optional) return undefined;
      throw new ContainerConfigError(`configmap "${name}" not found`);
    }
    const v = cm.data?.[key];
    if (v === undefined) {
      if (optional) return undefined;
      throw new ContainerConfigError(`couldn't find key ${key} in ConfigMap ${ns}/${name}`);
    }
    return v;
  }
  if (from.secretKeyRef) {
    const { name = '', key, optional } = from.secretKeyRef;
    const s = await lookups.secret(ns, name);
    if (!s) {
      if (optional) return undefined;
      throw new ContainerConfigError(`secret "${name}" not found`);
    }
    const v = s.data?.[key];
    if (v === undefined) {
      if (optional) return undefined;
      throw new ContainerConfigError(`couldn't find key ${key} in Secret ${ns}/${name}`);
    }
    return Buffer.from(v, 'base64').toString();
  }
  return '';
}

/** The downward API fields an env var may name. */
export function podField(pod: Pod, path: string, ctx: EnvContext): string {
  const m = /^metadata\.(labels|annotations)\['(.*)'\]$/.exec(path);
  if (m) return (m[1] === 'labels' ? pod.metadata?.labels : pod.metadata?.annotations)?.[m[2]] ?? '';
  switch (path) {
    case 'metadata.name': return pod.metadata?.name ?? '';
    case 'metadata.namespace': return pod.metadata?.namespace ?? '';
    case 'metadata.uid': return pod.metadata?.uid ?? '';
    case 'metadata.labels': return formatMap(pod.metadata?.labels);
    case 'metadata.annotations': return formatMap(pod.metadata?.annotations);
    case 'spec.nodeName': return pod.spec?.nodeName ?? '';
    case 'spec.serviceAccountName': return pod.spec?.serviceAccountName ?? '';
    case 'status.hostIP': return ctx.hostIP;
    case 'status.hostIPs': return ctx.hostIP;
    case 'status.podIP': return ctx.podIPs[0] ?? '';
    case 'status.podIPs': return ctx.podIPs.join(',');
    default: throw new ContainerConfigError(`unsupported fieldPath: ${path}`);
  }
}

/** `key="value"` lines sorted by key, as the downward API renders maps. */
export function formatMap(m: Record<string, string> | undefined): string {
  return Object.keys(m ?? {}).sort().map((k) => `${k}=${JSON.stringify(m![k])}`).join('\n');
}

/** A container resource as a string, rounded up to the divisor; an unset limit reads as node allocatable. */
export function resourceField(c: Container, resource: string, divisor: string | number | undefined, ctx: EnvContext): string {
  const [kind, name] = resource.split('.') as ['limits' | 'requests', string];
  const raw = c.resources?.[kind]?.[name] as string | undefined;
  if (name === 'cpu') {
    let milli = raw ? milliValue(parseQuantity(raw)) : 0;
    if (!milli && kind === 'limits') milli = ctx.nodeCpuMilli;
    if (!milli && kind === 'requests') milli = c.resources?.limits?.cpu ? milliValue(parseQuantity(c.resources.limits.cpu as string)) : 0;
    const d = divisor ? milliValue(parseQuantity(divisor)) : 1000;
    return String(Math.ceil(milli / (d || 1000)));
  }
  if (name === 'memory' || name === 'ephemeral-storage' || name.startsWith('hugepages-')) {
    let bytes = raw ? quantityValue(parseQuantity(raw)) : 0;
    if (!bytes && kind === 'limits' && name === 'memory') bytes = ctx.nodeMemory;
    if (!bytes && kind === 'requests') bytes = c.resources?.limits?.[name] ? quantityValue(parseQuantity(c.resources.limits[name] as string)) : 0;
    const d = divisor ? quantityValue(parseQuantity(divisor)) : 1;
    return String(Math.ceil(bytes / (d || 1)));
  }
  throw new ContainerConfigError(`unsupported container resource : ${name}`);
}

/**
 * $(VAR) expansion as upstream's third_party/forked/golang/expansion: a defined VAR is replaced,
 * an undefined one stays as written, $$ escapes a $.
 */
export function expand(input: string, lookup: (name: string) => string | undefined): string {
  let out = '';
  for (let i = 0; i < input.length; i++) {
    const ch = input[i];
    if (ch !== '$' || i + 1 >= input.length) {
      out += ch;
      continue;
    }
    const next = input[i + 1];
    if (next === '$') {
      out += '$';
      i++;
    } else if (next === '(') {
      const close = input.indexOf(')', i + 2);
      if (close === -1) {
        out += input.slice(i);
        break;
      }
      const name = input.slice(i + 2, close);
      const v = lookup(name);
      out += v === undefined ? `$(${name})` : v;
      i = close;
    } else {
      out += ch + next;
      i++;
    }
  }
  return out;
}

/**
 * Docker-link style variables for services: every service of the pod's namespace (when
 * enableServiceLinks, the default) and the `kubernetes` service of `default` (always).
 */
export async function serviceEnvVars(pod: Pod, lookups: EnvLookups): Promise<Map<string, string>> {
  const ns = pod.metadata?.namespace ?? 'default';
  const links = pod.spec?.enableServiceLinks ?? true;
  const chosen = new Map<string, Service>();
  if (links) for (const s of await lookups.services(ns)) chosen.set(s.metadata?.name ?? '', s);
  if (ns !== 'default' || !links) {
    const master = (await lookups.services('default')).find((s) => s.metadata?.name === 'kubernetes');
    if (master) chosen.set('kubernetes', master);
  }
  const out = new Map<string, string>();
  for (const name of [...chosen.keys()].sort()) {
    const s = chosen.get(name)!;
    const ip = s.spec?.clusterIP;
    if (!ip || ip === 'None') continue;
    for (const [k, v] of serviceLinkVars(name, ip, s.spec?.ports ?? [])) out.set(k, v);
  }
  return out;
}

function serviceLinkVars(name: string, ip: string, ports: NonNullable<NonNullable<Service['spec']>['ports']>): [string, string][] {
  const prefix = name.toUpperCase().replace(/-/g, '_');
  const vars: [string, string][] = [[`${prefix}_SERVICE_HOST`, ip]];
  if (!ports.length) return vars;
  vars.push([`${prefix}_SERVICE_PORT`, String(ports[0].port)]);
  for (const p of ports) if (p.name) vars.push([`${prefix}_SERVICE_PORT_${p.name.toUpperCase().replace(/-/g, '_')}`, String(p.port)]);
  const first = ports[0];
  const proto0 = (first.protocol ?? 'TCP').toLowerCase();
  vars.push([`${prefix}_PORT`, `${proto0}://${ip}:${first.port}`]);
  for (const p of ports) {
    const proto = (p.protocol ?? 'TCP');
    const base = `${prefix}_PORT_${p.port}_${proto.toUpperCase()}`;
    vars.push([base, `${proto.toLowerCase()}://${ip}:${p.port}`]);
    vars.push([`${base}_PROTO`, proto.toLowerCase()]);
    vars.push([`${base}_PORT`, String(p.port)]);
    vars.push([`${base}_ADDR`, ip]);
  }
  return vars;
}
