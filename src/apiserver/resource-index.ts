// Every served resource, looked up the ways the API server needs: by group/version/plural from a
// URL, by group/kind for discovery and conversion, and in discovery order.
import type { ResourceDefinition } from '../api/types.ts';

/** Discovery order of groups, as upstream lists them (kubectl resolves short-name clashes by it). */
const GROUP_ORDER = [
  '', 'apps', 'events.k8s.io', 'autoscaling', 'batch', 'networking.k8s.io', 'policy',
  'rbac.authorization.k8s.io', 'storage.k8s.io', 'scheduling.k8s.io', 'coordination.k8s.io',
  'discovery.k8s.io', 'apiextensions.k8s.io',
];

export interface GroupVersionDefs {
  group: string;
  version: string;
  resources: ResourceDefinition[];
}

export class ResourceIndex {
  readonly groups: GroupVersionDefs[] = [];
  private readonly byPath = new Map<string, ResourceDefinition>();

  constructor(defs: ResourceDefinition[]) {
    const sorted = [...defs].sort((a, b) => groupRank(a.group) - groupRank(b.group));
    for (const def of sorted) {
      this.byPath.set(pathKey(def.group, def.version, def.plural), def);
      let gv = this.groups.find((g) => g.group === def.group && g.version === def.version);
      if (!gv) { gv = { group: def.group, version: def.version, resources: [] }; this.groups.push(gv); }
      gv.resources.push(def);
    }
  }

  lookup(group: string, version: string, plural: string): ResourceDefinition | undefined {
    return this.byPath.get(pathKey(group, version, plural));
  }

  hasGroupVersion(group: string, version: string): boolean {
    return this.groups.some((g) => g.group === group && g.version === version);
  }

  all(): ResourceDefinition[] {
    return this.groups.flatMap((g) => g.resources);
  }
}

function pathKey(group: string, version: string, plural: string): string {
  return `${group}/${version}/${plural}`;
}

function groupRank(group: string): number {
  const i = GROUP_ORDER.indexOf(group);
  return i < 0 ? GROUP_ORDER.length : i;
}

export function apiVersionOf(def: ResourceDefinition): string {
  return def.group ? `${def.group}/${def.version}` : def.version;
}

/** The store key prefix of a resource: /registry/<group>/<resource>/ ("core" for the legacy group). */
export function storagePrefix(def: ResourceDefinition): string {
  const group = def.storedAs ? def.storedAs.group : def.group;
  const resource = def.storedAs ? def.storedAs.resource : def.plural;
  return `/registry/${group || 'core'}/${resource}/`;
}

export function objectKey(def: ResourceDefinition, namespace: string | undefined, name: string): string {
  return def.namespaced ? `${storagePrefix(def)}${namespace}/${name}` : `${storagePrefix(def)}${name}`;
}
