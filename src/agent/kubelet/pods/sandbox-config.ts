// The CRI PodSandboxConfig for a pod (hostname, DNS, port mappings, labels, cgroup parent, log
// directory, namespaces) and the /etc/hosts the kubelet writes for it: pure functions of the pod.
import { join } from 'node:path';
import type { Pod, PodDNSConfig } from 'kubernetes-types/core/v1';
import type { DNSConfig, Input, NamespaceMode, PodSandboxConfig, PortMapping, Protocol } from '../../runtime/cri-client.ts';
import { NODE_NAME_ANNOTATION, podLabels } from './labels.ts';

export interface SandboxContext {
  nodeName: string;
  agentDir: string;
  clusterDns: string;
  clusterDomain: string;
  cgroupParent: string;
  /** The node's own resolv.conf, for dnsPolicy Default (and ClusterFirst without cluster DNS). */
  hostResolv: ResolvConf;
}

export interface ResolvConf { nameservers: string[]; searches: string[]; options: string[] }

/** `<agentDir>/logs/pods/<ns>_<name>_<uid>`, where the runtime writes container logs. */
export function podLogDirectory(agentDir: string, pod: Pod): string {
  return join(agentDir, 'logs', 'pods', `${pod.metadata?.namespace}_${pod.metadata?.name}_${pod.metadata?.uid}`);
}

export function podDir(agentDir: string, uid: string): string {
  return join(agentDir, 'pods', uid);
}

/** The pod's hostname: spec.hostname or its name, cut to 63 characters without a trailing '-' or '.'. */
export function podHostname(pod: Pod): string {
  const name = pod.spec?.hostname || pod.metadata?.name || '';
  return name.length > 63 ? name.slice(0, 63).replace(/[-.]+$/, '') : name;
}

/** hostname.subdomain.ns.svc.domain when the pod has a subdomain. */
export function podFqdn(pod: Pod, clusterDomain: string): string | undefined {
  const sub = pod.spec?.subdomain;
  if (!sub) return undefined;
  return `${podHostname(pod)}.${sub}.${pod.metadata?.namespace}.svc.${clusterDomain}`;
}

export function sandboxConfig(pod: Pod, attempt: number, ctx: SandboxContext): Input<PodSandboxConfig> {
  const spec = pod.spec ?? { containers: [] };
  const hostNetwork = !!spec.hostNetwork;
  const ns = (host: boolean | undefined, podWide: NamespaceMode): NamespaceMode => (host ? 'NODE' : podWide);
  const sc = spec.securityContext ?? {};
  return {
    metadata: { name: pod.metadata?.name, namespace: pod.metadata?.namespace, uid: pod.metadata?.uid, attempt },
    hostname: hostNetwork ? '' : podHostname(pod),
    logDirectory: podLogDirectory(ctx.agentDir, pod),
    dnsConfig: dnsConfig(pod, ctx),
    portMappings: portMappings(pod),
    labels: podLabels(pod),
    annotations: { ...(pod.metadata?.annotations ?? {}), [NODE_NAME_ANNOTATION]: ctx.nodeName },
    linux: {
      cgroupParent: ctx.cgroupParent,
      securityContext: {
        namespaceOptions: {
          network: ns(hostNetwork, 'POD'),
          pid: ns(spec.hostPID, spec.shareProcessNamespace ? 'POD' : 'CONTAINER'),
          ipc: ns(spec.hostIPC, 'POD'),
        },
        ...(sc.runAsUser !== undefined ? { runAsUser: { value: sc.runAsUser } } : {}),
        ...(sc.runAsGroup !== undefined ? { runAsGroup: { value: sc.runAsGroup } } : {}),
        supplementalGroups: [...(sc.fsGroup !== undefined ? [sc.fsGroup] : []), ...(sc.supplementalGroups ?? [])],
      },
      sysctls: Object.fromEntries((sc.sysctls ?? []).map((s) => [s.name, s.value])),
    },
  };
}

function portMappings(pod: Pod): Input<PortMapping>[] {
  const out: Input<PortMapping>[] = [];
  for (const c of pod.spec?.containers ?? []) {
    for (const p of c.ports ?? []) {
      out.push({ protocol: (p.protocol ?? 'TCP') as Protocol, containerPort: p.containerPort, hostPort: p.hostPort ?? 0, hostIp: p.hostIP ?? '' });
    }
  }
  return out;
}

/** DNS for the sandbox by dnsPolicy, merged with spec.dnsConfig, as upstream's dns configurer. */
export function dnsConfig(pod: Pod, ctx: SandboxContext): Input<DNSConfig> {
  const spec = pod.spec ?? { containers: [] };
  let policy = spec.dnsPolicy ?? 'ClusterFirst';
  if (policy === 'ClusterFirstWithHostNet') policy = 'ClusterFirst';
  else if (policy === 'ClusterFirst' && spec.hostNetwork) policy = 'Default';
  if (policy === 'ClusterFirst' && !ctx.clusterDns) policy = 'Default';

  let servers: string[] = [];
  let searches: string[] = [];
  let options: string[] = [];
  if (policy === 'ClusterFirst') {
    const ns = pod.metadata?.namespace ?? 'default';
    const d = ctx.clusterDomain;
    servers = [ctx.clusterDns];
    searches = [`${ns}.svc.${d}`, `svc.${d}`, d, ...ctx.hostResolv.searches];
    options = ['ndots:5'];
  } else if (policy === 'Default') {
    servers = [...ctx.hostResolv.nameservers];
    searches = [...ctx.hostResolv.searches];
    options = [...ctx.hostResolv.options];
  }
  const extra: PodDNSConfig = spec.dnsConfig ?? {};
  servers = dedupe([...servers, ...(extra.nameservers ?? [])]);
  searches = dedupe([...searches, ...(extra.searches ?? [])]).slice(0, 32);
  options = mergeOptions(options, extra.options ?? []);
  return { servers, searches, options };
}

function dedupe(xs: string[]): string[] {
  return [...new Set(xs.filter(Boolean))];
}

/** Pod options override the policy's options of the same name ("ndots:2" replaces "ndots:5"). */
function mergeOptions(base: string[], extra: { name?: string; value?: string }[]): string[] {
  const out = new Map<string, string>();
  for (const o of base) out.set(o.split(':')[0], o);
  for (const o of extra) if (o.name) out.set(o.name, o.value !== undefined ? `${o.name}:${o.value}` : o.name);
  return [...out.values()];
}

/** Parses the host's resolv.conf (nameserver, search, options lines). */
export function parseResolvConf(text: string): ResolvConf {
  const r: ResolvConf = { nameservers: [], searches: [], options: [] };
  for (const raw of text.split('\n')) {
    const line = raw.replace(/[#;].*$/, '').trim();
    const [key, ...rest] = line.split(/\s+/);
    if (key === 'nameserver' && rest[0]) r.nameservers.push(rest[0]);
    else if (key === 'search') r.searches = rest.filter((s) => s !== '.');
    else if (key === 'options') r.options.push(...rest);
  }
  return r;
}

function hostAliasLines(pod: Pod): string {
  const aliases = pod.spec?.hostAliases ?? [];
  if (!aliases.length) return '';
  let s = '\n# Entries added by HostAliases.\n';
  for (const a of aliases) s += `${a.ip}\t${(a.hostnames ?? []).join('\t')}\n`;
  return s;
}

/** A host-network pod's /etc/hosts: the node's, then the pod's host aliases. */
export function hostNetworkHostsFile(pod: Pod, nodeHosts: string): string {
  return nodeHosts + hostAliasLines(pod);
}

/** The pod's /etc/hosts, as upstream's managed hosts file. */
export function hostsFile(pod: Pod, podIPs: string[], clusterDomain: string): string {
  let s = '# Kubernetes-managed hosts file.\n'
    + '127.0.0.1\tlocalhost\n'
    + '::1\tlocalhost ip6-localhost ip6-loopback\n'
    + 'fe00::0\tip6-localnet\n'
    + 'fe00::0\tip6-mcastprefix\n'
    + 'fe00::1\tip6-allnodes\n'
    + 'fe00::2\tip6-allrouters\n';
  const hostname = podHostname(pod);
  const fqdn = podFqdn(pod, clusterDomain);
  for (const ip of podIPs) s += fqdn ? `${ip}\t${fqdn}\t${hostname}\n` : `${ip}\t${hostname}\n`;
  return s + hostAliasLines(pod);
}
