// API discovery: the legacy documents (/api, /apis, /apis/<g>, /<prefix>/<gv> resource lists) and
// the aggregated apidiscovery.k8s.io/v2 form that kubectl asks for first.
import type { ResourceDefinition } from '../api/types.ts';
import { ALL_VERBS } from '../api/types.ts';
import type { ResourceIndex } from './resource-index.ts';
import { metricsAggregatedDiscoveryGroup, metricsApiGroup } from './metrics/discovery.ts';

const SUBRESOURCE_VERBS = ['get', 'patch', 'update'];

function verbsOf(def: ResourceDefinition): string[] {
  return [...(def.verbs ?? ALL_VERBS)].sort();
}

function subresourcesOf(def: ResourceDefinition): Array<{ name: string; kind: string; group: string; version: string; verbs: string[] }> {
  const out = [];
  if (def.namespaced === false && def.plural === 'namespaces') {
    out.push({ name: 'finalize', kind: def.kind, group: '', version: 'v1', verbs: ['update'] });
  }
  if (def.group === '' && def.plural === 'pods') {
    // attach, exec, log and portforward are proxied to the node's agent (subresources/pod-proxy.ts).
    out.push({ name: 'attach', kind: 'PodAttachOptions', group: '', version: 'v1', verbs: ['create', 'get'] });
    out.push({ name: 'binding', kind: 'Binding', group: '', version: 'v1', verbs: ['create'] });
    out.push({ name: 'eviction', kind: 'Eviction', group: 'policy', version: 'v1', verbs: ['create'] });
    out.push({ name: 'exec', kind: 'PodExecOptions', group: '', version: 'v1', verbs: ['create', 'get'] });
    out.push({ name: 'log', kind: 'Pod', group: '', version: 'v1', verbs: ['get'] });
    out.push({ name: 'portforward', kind: 'PodPortForwardOptions', group: '', version: 'v1', verbs: ['create', 'get'] });
  }
  if (def.group === '' && def.plural === 'serviceaccounts') {
    out.push({ name: 'token', kind: 'TokenRequest', group: 'authentication.k8s.io', version: 'v1', verbs: ['create'] });
  }
  if (def.scale) out.push({ name: 'scale', kind: 'Scale', group: 'autoscaling', version: 'v1', verbs: SUBRESOURCE_VERBS });
  if (def.statusSubresource) out.push({ name: 'status', kind: def.kind, group: def.group, version: def.version, verbs: SUBRESOURCE_VERBS });
  return out;
}

export function apiVersions(serverAddress: string) {
  return {
    kind: 'APIVersions', versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

export function apiGroupList(index: ResourceIndex) {
  const groups: object[] = groupNames(index).filter((g) => g !== '').map((g) => apiGroup(index, g));
  groups.push(metricsApiGroup()); // served by src/apiserver/metrics, outside the resource index
  return { kind: 'APIGroupList', apiVersion: 'v1', groups };
}

export function apiGroup(index: ResourceIndex, group: string) {
  const versions = index.groups.filter((g) => g.group === group).map((g) => ({ groupVersion: `${group}/${g.version}`, version: g.version }));
  return { kind: 'APIGroup', apiVersion: 'v1', name: group, versions, preferredVersion: versions[0] };
}

export function apiResourceList(index: ResourceIndex, group: string, version: string) {
  const gv = index.groups.find((g) => g.group === group && g.version === version);
  const resources = [];
  for (const def of gv?.resources ?? []) {
    const entry: Record<string, unknown> = {
      name: def.plural, singularName: def.singular, namespaced: def.namespaced, kind: def.kind, verbs: verbsOf(def),
    };
    if (def.shortNames?.length) entry.shortNames = def.shortNames;
    if (def.categories?.length) entry.categories = def.categories;
    resources.push(entry);
    for (const sub of subresourcesOf(def)) {
      const subEntry: Record<string, unknown> = { name: `${def.plural}/${sub.name}`, singularName: '', namespaced: def.namespaced, kind: sub.kind, verbs: sub.verbs };
      if (sub.group !== def.group || sub.version !== def.version) { subEntry.group = sub.group; subEntry.version = sub.version; }
      resources.push(subEntry);
    }
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: group ? `${group}/${version}` : version, resources };
}

/** apidiscovery.k8s.io/v2 APIGroupDiscoveryList for /api (legacy: true) or /apis. */
export function aggregatedDiscovery(index: ResourceIndex, legacy: boolean, apiVersion: 'v2' | 'v2beta1') {
  const items = groupNames(index).filter((g) => (legacy ? g === '' : g !== '')).map((group) => ({
    metadata: { name: group, creationTimestamp: null },
    versions: index.groups.filter((g) => g.group === group).map((gv) => ({
      version: gv.version,
      resources: gv.resources.map((def) => {
        const r: Record<string, unknown> = {
          resource: def.plural,
          responseKind: { group: def.group, version: def.version, kind: def.kind },
          scope: def.namespaced ? 'Namespaced' : 'Cluster',
          singularResource: def.singular,
          verbs: verbsOf(def),
        };
        if (def.shortNames?.length) r.shortNames = def.shortNames;
        if (def.categories?.length) r.categories = def.categories;
        const subs = subresourcesOf(def);
        if (subs.length) {
          r.subresources = subs.map((s) => ({ subresource: s.name, responseKind: { group: s.group, version: s.version, kind: s.kind }, verbs: s.verbs }));
        }
        return r;
      }),
      freshness: 'Current',
    })),
  }));
  const all: object[] = legacy ? items : [...items, metricsAggregatedDiscoveryGroup()]; // served by src/apiserver/metrics
  return { kind: 'APIGroupDiscoveryList', apiVersion: `apidiscovery.k8s.io/${apiVersion}`, metadata: {}, items: all };
}

function groupNames(index: ResourceIndex): string[] {
  const names: string[] = [];
  for (const g of index.groups) if (!names.includes(g.group)) names.push(g.group);
  return names;
}
